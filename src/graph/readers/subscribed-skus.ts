import { z } from 'zod';
import type { SubscribedSku } from '../../model/snapshot.js';
import { readCollection } from '../collection.js';
import type { GraphHttp } from '../http.js';

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
    {
      version: 'v1.0',
      path: 'subscribedSkus',
      query: { $select: 'id,skuId,skuPartNumber,capabilityStatus,servicePlans' },
      throttle: 'directory',
      tag: 'subscribedSkus',
    },
    skuSchema,
    (s): SubscribedSku => s,
  );
}
