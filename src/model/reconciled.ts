import type { ClassifiedIncident } from './lifecycle.js';

/** One of our incidents after comparison with PIM, with the reason in words when they disagree. */
export interface ReconciledIncident extends ClassifiedIncident {
  reasonDetail?: string;
}
