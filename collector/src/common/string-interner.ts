/**
 * One copy of strings that recur across series: metric names and label values (`cpu="3"`,
 * `mode="idle"`) arrive as a new string in every decoded definition or batch, and each series kept
 * one (100,000 series: ~11 MiB of copies of a few dozen strings; docs/storage.md, issue 14 memory).
 * Bounded: short strings only, and at most `maxEntries` of them, so unique values (ids, paths) cost
 * a bounded table, after which strings are returned as they are.
 */
export class StringInterner {
  private readonly table = new Map<string, string>();

  constructor(
    private readonly maxEntries = 65_536,
    private readonly maxLength = 64,
  ) {}

  get size(): number {
    return this.table.size;
  }

  /** The kept copy of `s` (equal to it), keeping `s` itself when there is room. */
  intern(s: string): string {
    const kept = this.table.get(s);
    if (kept !== undefined) return kept;
    if (s.length <= this.maxLength && this.table.size < this.maxEntries) this.table.set(s, s);
    return s;
  }
}
