import { z } from 'zod';
import { readCollection } from '../collection.js';
import type { GraphHttp } from '../http.js';
import { nullableString } from './shared.js';

const organizationSchema = z.object({ id: z.string().min(1), displayName: nullableString });

export function readOrganization(http: GraphHttp) {
  return readCollection(
    http,
    {
      version: 'v1.0',
      path: 'organization',
      query: { $select: 'id,displayName' },
      throttle: 'directory',
      tag: 'organization',
    },
    organizationSchema,
    (o) => ({ id: o.id, displayName: o.displayName }),
  );
}
