/**
 * A set of directory object ids compared without regard to case: Graph returns GUIDs in lower case,
 * while people type them into config files however they like.
 */
export class IdSet implements Iterable<string> {
  private readonly byLowerCase = new Map<string, string>();

  constructor(ids: Iterable<string> = []) {
    for (const id of ids) this.add(id);
  }

  add(id: string): this {
    const key = id.toLowerCase();
    if (!this.byLowerCase.has(key)) this.byLowerCase.set(key, id);
    return this;
  }

  has(id: string): boolean {
    return this.byLowerCase.has(id.toLowerCase());
  }

  get size(): number {
    return this.byLowerCase.size;
  }

  /** The ids as first given. */
  [Symbol.iterator](): Iterator<string> {
    return this.byLowerCase.values();
  }
}

/** What detectors may do with an id set: ask and iterate, never change it. */
export type ReadonlyIdSet = Pick<IdSet, 'has' | 'size' | typeof Symbol.iterator>;
