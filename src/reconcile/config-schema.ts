import { z } from 'zod';
import { isoDuration } from '../util/iso-duration.js';

/**
 * Reconciliation settings, for the configuration schema to compose (e.g. as `reconcile:`). Defaults
 * live here only.
 */
export const reconcileConfigSchema = z
  .object({
    graphScanMaxAge: isoDuration.default('P2D').meta({
      description:
        'PIM rescans a tenant a few times a day. When its last scan is older than this, its silence about one of our incidents (or its report of one we no longer see) is put down to a stale scan (`graphScanStale`) rather than a real disagreement. ISO-8601 duration.',
    }),
  })
  .strict();
export type ReconcileConfig = z.output<typeof reconcileConfigSchema>;
