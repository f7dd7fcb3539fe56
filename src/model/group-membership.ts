/**
 * Everyone a group's role reaches: its members, and the members of groups nested in it, to any depth.
 * Each member comes with the chain of groups through which it is reached (shortest first found), which
 * is the evidence "holds the role via group A > B". Membership cycles end because a group is entered
 * once. Groups are not in the result: a group is a way of holding a role, never a holder itself.
 */
export function membersThroughGroup(
  groupId: string,
  groupMembers: ReadonlyMap<string, readonly string[]>,
  /** Whether a member is itself a group to descend into; by default, whether its members are known. */
  isGroup: (id: string) => boolean = (id) => groupMembers.has(id),
): Map<string, string[]> {
  const reached = new Map<string, string[]>();
  const entered = new Set<string>([groupId]);
  let frontier: { group: string; path: string[] }[] = [{ group: groupId, path: [groupId] }];
  while (frontier.length > 0) {
    const next: typeof frontier = [];
    for (const { group, path } of frontier) {
      for (const member of groupMembers.get(group) ?? []) {
        if (isGroup(member)) {
          if (!entered.has(member)) {
            entered.add(member);
            next.push({ group: member, path: [...path, member] });
          }
        } else if (!reached.has(member)) {
          reached.set(member, path);
        }
      }
    }
    frontier = next;
  }
  return reached;
}
