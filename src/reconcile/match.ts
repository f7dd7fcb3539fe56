import type { MatchBy } from '../detectors/types.js';
import type { Incident } from '../model/incident.js';
import type { GraphIncident, TenantSnapshot } from '../model/snapshot.js';

/**
 * Pairs our incidents of one alert with PIM's, one to one. Each alert is matched on what identifies
 * its incidents, as its module says (`meta.matchBy`): the holder, the tenant, the role, the holder
 * and role, or, for sequential activations, the holder, role and the run itself. Ids are compared
 * without case: Graph and people write GUIDs both ways.
 */

export interface MatchResult {
  pairs: { ours: Incident; graph: GraphIncident }[];
  oursOnly: Incident[];
  graphOnly: GraphIncident[];
}

/** Role definition id or template id (any case) -> template id (lower case). */
export type RoleTemplateResolver = (roleId: string) => string;

/**
 * Graph names a role in an incident by `roleTemplateId`, by `roleDefinitionId`, or both; for a custom
 * role the two differ, so a definition id is turned into its template id through the snapshot.
 */
export function roleTemplateResolver(snapshot: TenantSnapshot): RoleTemplateResolver {
  const byId = new Map<string, string>();
  for (const definition of snapshot.roleDefinitions.values()) {
    const template = definition.templateId.toLowerCase();
    byId.set(definition.id.toLowerCase(), template);
    byId.set(template, template);
  }
  return (roleId) => byId.get(roleId.toLowerCase()) ?? roleId.toLowerCase();
}

function graphRole(incident: GraphIncident, resolve: RoleTemplateResolver): string | undefined {
  const id = incident.roleTemplateId ?? incident.roleDefinitionId;
  return id ? resolve(id) : undefined;
}

function oursRole(incident: Incident, resolve: RoleTemplateResolver): string | undefined {
  const id = incident.roleTemplateId ?? incident.roleDefinitionId;
  return id ? resolve(id) : undefined;
}

/** The key both sides must share; undefined when the incident lacks a part of it (it cannot match). */
function keyOf(
  by: MatchBy,
  assigneeId: string | null | undefined,
  role: string | undefined,
): string | undefined {
  const assignee = assigneeId?.toLowerCase();
  switch (by) {
    case 'tenant':
      return 'tenant';
    case 'assignee':
      return assignee;
    case 'role':
      return role;
    case 'assigneeAndRole':
    case 'run':
      return assignee && role ? `${assignee}|${role}` : undefined;
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string | undefined): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === undefined) continue;
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

interface Interval {
  startMs: number;
  endMs: number;
}

/** Our run: an open-ended last activation never ends. */
function ourRun(incident: Incident): Interval | undefined {
  if (!incident.sequenceStartDateTime) return undefined;
  const startMs = Date.parse(incident.sequenceStartDateTime);
  if (Number.isNaN(startMs)) return undefined;
  const endMs = incident.sequenceEndDateTime
    ? Date.parse(incident.sequenceEndDateTime)
    : Number.POSITIVE_INFINITY;
  return { startMs, endMs: Number.isNaN(endMs) ? Number.POSITIVE_INFINITY : endMs };
}

/** PIM's run: without an end, only its start is known. */
function graphRun(incident: GraphIncident): Interval | undefined {
  if (!incident.sequenceStartDateTime) return undefined;
  const startMs = Date.parse(incident.sequenceStartDateTime);
  if (Number.isNaN(startMs)) return undefined;
  const endMs = incident.sequenceEndDateTime ? Date.parse(incident.sequenceEndDateTime) : startMs;
  return { startMs, endMs: Number.isNaN(endMs) ? startMs : endMs };
}

function overlapMs(a: Interval, b: Interval): number | undefined {
  const start = Math.max(a.startMs, b.startMs);
  const end = Math.min(a.endMs, b.endMs);
  return start <= end ? end - start : undefined;
}

/**
 * Sequential runs of one holder and role: runs that overlap in time are the same situation seen by
 * both sides, paired greatest overlap first. A run whose times are unknown on either side is then
 * paired with what is left, in order. Runs known not to overlap stay apart: they are different runs
 * (our fingerprint tells runs apart by their start), not one run seen twice.
 */
function pairRuns(ours: readonly Incident[], graph: readonly GraphIncident[]): [number, number][] {
  const candidates: { o: number; g: number; overlap: number }[] = [];
  ours.forEach((incident, o) => {
    const mine = ourRun(incident);
    graph.forEach((theirs, g) => {
      const their = graphRun(theirs);
      if (!mine || !their) return;
      const overlap = overlapMs(mine, their);
      if (overlap !== undefined) candidates.push({ o, g, overlap });
    });
  });
  candidates.sort((a, b) => b.overlap - a.overlap || a.o - b.o || a.g - b.g);
  const usedOurs = new Set<number>();
  const usedGraph = new Set<number>();
  const pairs: [number, number][] = [];
  for (const { o, g } of candidates) {
    if (usedOurs.has(o) || usedGraph.has(g)) continue;
    usedOurs.add(o);
    usedGraph.add(g);
    pairs.push([o, g]);
  }
  const oursLeft = ours.map((_, o) => o).filter((o) => !usedOurs.has(o));
  const graphLeft = graph.map((_, g) => g).filter((g) => !usedGraph.has(g));
  // Either side without times: overlap cannot be judged, so pair what remains in order.
  for (const o of oursLeft) {
    const mineDated = ourRun(ours[o]!) !== undefined;
    const g = graphLeft.find((x) => !usedGraph.has(x) && (!mineDated || !graphRun(graph[x]!)));
    if (g === undefined) continue;
    usedOurs.add(o);
    usedGraph.add(g);
    pairs.push([o, g]);
  }
  return pairs;
}

/** Pairs in order: the first of ours with the first of PIM's under the same key, and so on. */
function pairInOrder(ours: readonly Incident[], graph: readonly GraphIncident[]): [number, number][] {
  const n = Math.min(ours.length, graph.length);
  return Array.from({ length: n }, (_, i) => [i, i] as [number, number]);
}

/** Matches our incidents of one alert with PIM's. Every incident ends up in exactly one of the lists. */
export function matchIncidents(
  by: MatchBy,
  ours: readonly Incident[],
  graph: readonly GraphIncident[],
  resolveRole: RoleTemplateResolver,
): MatchResult {
  const oursKey = (i: Incident) => keyOf(by, i.assigneeId, oursRole(i, resolveRole));
  const graphKey = (i: GraphIncident) => keyOf(by, i.assigneeId, graphRole(i, resolveRole));
  const oursByKey = groupBy(ours, oursKey);
  const graphByKey = groupBy(graph, graphKey);

  const paired = new Set<Incident>();
  const pairedGraph = new Set<GraphIncident>();
  const pairs: MatchResult['pairs'] = [];
  for (const [key, mine] of oursByKey) {
    const theirs = graphByKey.get(key);
    if (!theirs) continue;
    const indexPairs = by === 'run' ? pairRuns(mine, theirs) : pairInOrder(mine, theirs);
    for (const [o, g] of indexPairs) {
      pairs.push({ ours: mine[o]!, graph: theirs[g]! });
      paired.add(mine[o]!);
      pairedGraph.add(theirs[g]!);
    }
  }
  return {
    pairs,
    oursOnly: ours.filter((i) => !paired.has(i)),
    graphOnly: graph.filter((i) => !pairedGraph.has(i)),
  };
}
