import { incidentLinks, type RemediationLink } from '../detectors/links.js';
import type { Incident } from '../model/incident.js';
import type { Classification, ClassifiedIncident, ReasonCode } from '../model/lifecycle.js';
import {
  classificationText,
  clip,
  dateFacts,
  type Fact,
  principalText,
  reasonText,
  roleText,
  type TimeStyle,
} from '../notifiers/incident-text.js';

/** Any incident a page shows: ours (from the store or a report) or one only PIM reports. */
export type DescribableIncident = Omit<Incident, 'tenantId' | 'assigneeType'> & {
  assigneeType?: string;
  classification: Classification;
  reason?: ReasonCode;
  reasonDetail?: string;
};

/** One incident in the words the notifiers use, for the HTML report and the console. */
export interface IncidentWords {
  principal?: string;
  role?: string;
  /** How it compares with PIM, with the reason when they differ. */
  comparison: string;
  /** The alert's own dates (holding since, last sign-in, activations...). */
  facts: Fact[];
  /** Every evidence reading, in words. */
  evidence: string[];
  links: RemediationLink[];
}

/**
 * The notifiers' wording applied to an incident of a report or a stored record. The renderers type
 * incidents as ours (`ClassifiedIncident`); the shapes agree field by field, which the cast records.
 */
export function describeIncident(
  incident: DescribableIncident,
  tenantId: string,
  style: TimeStyle = {},
): IncidentWords {
  const asOurs = { ...incident, tenantId } as unknown as ClassifiedIncident;
  const comparison =
    incident.classification === 'graphOnly'
      ? `Reported by PIM only: ${incident.reasonDetail ?? (incident.reason ? reasonText(incident.reason) : 'pimwatch does not find it')}`
      : classificationText(asOurs);
  const principal = principalText(asOurs);
  const role = roleText(asOurs);
  return {
    ...(principal ? { principal } : {}),
    ...(role ? { role } : {}),
    comparison,
    facts: dateFacts(asOurs, style),
    evidence: incident.evidence
      .map((e) => e.detail)
      .filter((d): d is string => Boolean(d))
      .map((d) => clip(d, 300)),
    links: incidentLinks(asOurs, tenantId),
  };
}
