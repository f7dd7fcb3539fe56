import type { Incident } from './incident.js';

/** The principal fields an incident carries, named as in Graph's incident types. */
export type PrincipalFields = Pick<
  Incident,
  'assigneeId' | 'assigneeType' | 'assigneeDisplayName' | 'assigneeUserPrincipalName'
>;

/** How much of a principal to write beside its name, and how. */
export interface PrincipalStyle {
  /** `<alice@contoso.example>` (plain text and the CLI) or `(alice@contoso.example)` (notifications). */
  upn: 'angle' | 'paren';
  /** Without a UPN, say what kind of object it is: `(group)`, `(service principal)`. */
  kind?: boolean;
  /** Add the object id, `(6ff8…)`, for a person about to confirm a write. */
  id?: boolean;
}

const KIND_WORD: Readonly<Record<string, string>> = {
  group: 'group',
  servicePrincipal: 'service principal',
  unknown: 'unknown object',
};

/**
 * The one way pimwatch writes a principal: its display name, else its UPN, else its object id, then
 * what the style adds. Undefined when the incident names no principal. (The CLI and `remediate` used to
 * put the object id first when a principal had no display name; the notifiers' UPN-before-id fallback
 * is the one kept, since it is what a person recognises.)
 */
export function principalLabel(principal: PrincipalFields, style: PrincipalStyle): string | undefined {
  const id = principal.assigneeId;
  if (!id) return undefined;
  const upn = principal.assigneeUserPrincipalName;
  const name = principal.assigneeDisplayName ?? upn ?? id;
  const parts = [name];
  if (upn && upn !== name) parts.push(style.upn === 'angle' ? `<${upn}>` : `(${upn})`);
  else if (style.kind && principal.assigneeType && KIND_WORD[principal.assigneeType])
    parts.push(`(${KIND_WORD[principal.assigneeType]})`);
  if (style.id && id !== name) parts.push(`(${id})`);
  return parts.join(' ');
}
