import { z } from 'zod';
import type { SubscribedSku } from '../../model/snapshot.js';
import { readCollection } from '../collection.js';
import type { GraphHttp } from '../http.js';
import { sourceRequest } from '../source-request.js';

const skuSchema = z.object({
  id: z.string().min(1),
  skuId: z.string().min(1),
  skuPartNumber: z.string().default(''),
  capabilityStatus: z.string().default('Unknown'),
  servicePlans: z
    .array(
      z.object({
        servicePlanId: z.string(),
        servicePlanName: z.string().default(''),
        provisioningStatus: z.string().default('Unknown'),
      }),
    )
    .default([]),
});

/** Licences; `subscribedSkus` supports `$select` but not `$filter`, and is never paged. */
export function readSubscribedSkus(http: GraphHttp) {
  return readCollection(
    http,
    sourceRequest('subscribedSkus', { $select: 'id,skuId,skuPartNumber,capabilityStatus,servicePlans' }),
    skuSchema,
    (s): SubscribedSku => s,
  );
}
