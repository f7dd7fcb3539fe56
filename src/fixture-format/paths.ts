/**
 * Collection paths of a tenant fixture that need more than a lookup by name: shared by the emulator that
 * serves a fixture, the capture that records one, and the rules that check one.
 */

/** One group's member list, `groups/<id>/members`; the group id is the first capture. */
export const MEMBERS_PATH = /^groups\/([^/]+)\/members$/;
