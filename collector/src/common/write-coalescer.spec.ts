import { describe, expect, it } from 'vitest';
import { WriteCoalescer } from './write-coalescer.js';

/** A write that records what it got and finishes when told. */
function recordingWrite() {
  const writes: Array<{ items: string[]; finish: (error?: Error) => void }> = [];
  const write = (items: string[]) => new Promise<void>((resolve, reject) => writes.push({ items, finish: (error) => (error ? reject(error) : resolve()) }));
  return { writes, write };
}

describe('WriteCoalescer', () => {
  it('writes the first item at once and the items that arrive meanwhile together, each caller settled by its own write', async () => {
    const { writes, write } = recordingWrite();
    const coalescer = new WriteCoalescer(write);
    const settled: string[] = [];
    const add = (item: string) => coalescer.add(item).then(() => settled.push(item));
    const first = add('a');
    expect(writes.map((w) => w.items)).toEqual([['a']]);
    const rest = [add('b'), add('c')];
    await Promise.resolve();
    expect(writes.map((w) => w.items)).toEqual([['a']]); // b and c wait for a's write
    writes[0]!.finish();
    await first;
    expect(settled).toEqual(['a']);
    await new Promise((r) => setImmediate(r));
    expect(writes.map((w) => w.items)).toEqual([['a'], ['b', 'c']]);
    writes[1]!.finish();
    await Promise.all(rest);
    expect(settled).toEqual(['a', 'b', 'c']);
    // Idle again: the next item is written at once.
    const later = add('d');
    expect(writes.map((w) => w.items)).toEqual([['a'], ['b', 'c'], ['d']]);
    writes[2]!.finish();
    await later;
  });

  it('fails exactly the callers whose items the failed write held, and keeps writing the others', async () => {
    const { writes, write } = recordingWrite();
    const coalescer = new WriteCoalescer(write);
    const outcome = (item: string) => coalescer.add(item).then(() => `${item} stored`, (e: Error) => `${item} failed: ${e.message}`);
    const a = outcome('a');
    const bc = [outcome('b'), outcome('c')];
    writes[0]!.finish();
    await a;
    await new Promise((r) => setImmediate(r));
    const d = outcome('d'); // arrives while b and c are written
    writes[1]!.finish(new Error('disk full'));
    expect(await Promise.all(bc)).toEqual(['b failed: disk full', 'c failed: disk full']);
    await new Promise((r) => setImmediate(r));
    expect(writes.map((w) => w.items)).toEqual([['a'], ['b', 'c'], ['d']]);
    writes[2]!.finish();
    expect([await a, await d]).toEqual(['a stored', 'd stored']);
  });
});
