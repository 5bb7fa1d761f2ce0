/** Ids up to this get an array slot; larger (sparse) ids go to a map. */
const MAX_SLOT_ID = 1 << 24;

/**
 * A map keyed by series id. Ids are small dense integers, so an array slot per id replaces a hash
 * lookup on paths that run for every ingested series. Iterates in id order.
 */
export class DenseIdMap<T> {
  private readonly slots: Array<T | undefined> = [];
  private readonly large = new Map<number, T>();
  private count = 0;

  get size(): number {
    return this.count + this.large.size;
  }

  get(id: number): T | undefined {
    return id < MAX_SLOT_ID ? this.slots[id] : this.large.get(id);
  }

  set(id: number, value: T): void {
    if (!Number.isInteger(id) || id < 0) throw new RangeError(`series id must be a non-negative integer, got ${id}`);
    if (id >= MAX_SLOT_ID) {
      this.large.set(id, value);
      return;
    }
    // Filled up to the id (not assigned past the end), so the array keeps fast elements.
    while (this.slots.length <= id) this.slots.push(undefined);
    if (this.slots[id] === undefined) this.count++;
    this.slots[id] = value;
  }

  /** Forgets the id's value; true when it had one. */
  delete(id: number): boolean {
    if (id >= MAX_SLOT_ID) return this.large.delete(id);
    if (this.slots[id] === undefined) return false;
    this.slots[id] = undefined;
    this.count--;
    return true;
  }

  /** Visits every entry in id order, without the iterator's pair per entry. */
  forEach(visit: (value: T, id: number) => void): void {
    this.visitFrom(0, (value, id) => {
      visit(value, id);
      return true;
    });
  }

  /**
   * Visits the entries with ids >= fromId in id order until `visit` returns false; returns the id to
   * continue from, or undefined once every entry was visited (work cut into slices across turns).
   */
  visitFrom(fromId: number, visit: (value: T, id: number) => boolean): number | undefined {
    const { slots } = this;
    for (let id = fromId; id < slots.length; id++) {
      const value = slots[id];
      if (value !== undefined && !visit(value, id)) return id + 1;
    }
    if (this.large.size === 0) return undefined;
    for (const id of [...this.large.keys()].filter((k) => k >= fromId).sort((a, b) => a - b)) {
      if (!visit(this.large.get(id)!, id)) return id + 1;
    }
    return undefined;
  }

  *[Symbol.iterator](): IterableIterator<[number, T]> {
    for (let id = 0; id < this.slots.length; id++) {
      const value = this.slots[id];
      if (value !== undefined) yield [id, value];
    }
    yield* this.large;
  }
}
