/**
 * Coalesces concurrent writes: the first item is written at once; items that arrive while a write runs
 * wait and go together in the next one. Each caller's promise settles when the write holding its item
 * does (a failed write fails every caller whose item it held). Items wait only behind one write, and
 * there are at most as many as callers waiting, so nothing grows without the callers growing.
 */
export class WriteCoalescer<T> {
  private waiting: Array<{ item: T; resolve: () => void; reject: (error: unknown) => void }> = [];
  private writing = false;

  constructor(private readonly write: (items: T[]) => Promise<void>) {}

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.waiting.length > 0) {
      const taken = this.waiting;
      this.waiting = [];
      try {
        await this.write(taken.map((w) => w.item));
        for (const w of taken) w.resolve();
      } catch (error) {
        for (const w of taken) w.reject(error);
      }
    }
    this.writing = false;
  }
}
