import { z } from 'zod';
import { readCollection } from '../collection.js';
import type { GraphHttp } from '../http.js';
import { sourceRequest } from '../source-request.js';
import { nullableString } from './shared.js';

const organizationSchema = z.object({ id: z.string().min(1), displayName: nullableString });

export function readOrganization(http: GraphHttp) {
  return readCollection(
    http,
    sourceRequest('organization', { $select: 'id,displayName' }),
    organizationSchema,
    (o) => ({ id: o.id, displayName: o.displayName }),
  );
}
