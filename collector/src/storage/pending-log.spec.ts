import { describe, expect, it } from 'vitest';
import { PendingLog } from './pending-log.js';

function entry(seriesId: number, ts: number[]) {
  return { seriesId, timestamps: ts, values: ts.map((t) => t / 10) };
}

describe('PendingLog', () => {
  it('indexes rows per series and hands out a round series by series', () => {
    const log = new PendingLog();
    log.add(1, 1000, [entry(2, [10, 20]), entry(1, [10])]);
    log.add(2, 2000, [entry(2, [30]), entry(2, [40])]);
    log.add(5, 3000, [entry(1, [5, 50, 60]), entry(3, [1])]);
    expect([log.samples, log.rowCount, log.lastRowId, log.oldestCreatedMs, log.seriesCount]).toEqual([9, 3, 5, 1000, 3]);
    expect(log.hasRowsUpTo(0)).toBe(false);
    expect(log.hasRowsUpTo(1)).toBe(true);
    expect(log.seriesUpTo(2)).toEqual([1, 2]);
    expect(log.seriesUpTo(5)).toEqual([1, 2, 3]);
    expect([log.countUpTo(1, 2), log.countUpTo(1, 5), log.countUpTo(2, 2), log.countUpTo(9, 5)]).toEqual([1, 4, 4, 0]);
    expect(log.samplesUpTo(2, 1)).toEqual({ timestamps: [10, 20], values: [1, 2] });
    expect(log.samplesUpTo(1, 5)).toEqual({ timestamps: [10, 5, 50, 60], values: [1, 0.5, 5, 6] });
    expect(log.range(2, 15, 40)).toEqual({ timestamps: [20, 30, 40], values: [2, 3, 4] });

    // Round over rows <= 2: series 1 then series 2.
    expect(log.dropSeries(1, 2)).toBe(1);
    expect(log.range(1, 0, 100)).toEqual({ timestamps: [5, 50, 60], values: [0.5, 5, 6] });
    expect(log.seriesUpTo(2)).toEqual([2]);
    expect(log.dropSeries(2, 2)).toBe(4);
    expect(log.dropSeries(2, 2)).toBe(0);
    expect(log.series(2)).toBeUndefined();
    log.dropRows(2);
    expect([log.samples, log.rowCount, log.oldestCreatedMs, log.seriesCount]).toEqual([4, 1, 3000, 2]);
    expect(log.dropSeries(1, 5) + log.dropSeries(3, 5)).toBe(4);
    log.dropRows(5);
    expect([log.samples, log.rowCount, log.lastRowId, log.oldestCreatedMs]).toEqual([0, 0, 0, undefined]);
  });

  it('forgets rows by id anywhere in the log, keeping the other rows of each series in order', () => {
    const log = new PendingLog();
    log.add(1, 1000, [entry(1, [10]), entry(2, [10])]);
    log.add(2, 2000, [entry(1, [20, 21]), entry(3, [20])]);
    log.add(3, 3000, [entry(1, [30]), entry(2, [30])]);
    log.dropRowIds(new Set([2, 3]));
    expect([log.samples, log.rowCount, log.seriesCount]).toEqual([2, 1, 2]);
    expect(log.series(1)).toEqual({ timestamps: [10], values: [1] });
    expect(log.series(3)).toBeUndefined();
    expect([log.countUpTo(1, 1), log.seriesUpTo(4), [...log.seriesIds()]]).toEqual([1, [1, 2], [1, 2]]);
    log.add(4, 4000, [entry(1, [40]), entry(3, [40])]);
    log.dropRowIds(new Set([1]));
    expect(log.series(1)).toEqual({ timestamps: [40], values: [4] });
    expect(log.series(2)).toBeUndefined();
    expect([log.samples, log.rowCount, log.lastRowId, log.oldestCreatedMs]).toEqual([2, 1, 4, 4000]);
  });

  it('holds more samples than one page of slots and reuses the slots it dropped', () => {
    const log = new PendingLog();
    const ts = Array.from({ length: 100_000 }, (_, i) => i);
    log.add(1, 0, [entry(7, ts), entry(8, [1, 2])]);
    log.add(2, 0, [entry(7, [100_000])]);
    expect(log.countUpTo(7, 1)).toBe(100_000);
    expect(log.samplesUpTo(7, 2).timestamps).toEqual([...ts, 100_000]);
    expect(log.dropSeries(7, 1)).toBe(100_000);
    log.add(3, 0, [entry(9, ts)]);
    expect(log.range(9, 99_998, 200_000)).toEqual({ timestamps: [99_998, 99_999], values: [9_999.8, 9_999.9] });
    expect(log.series(7)).toEqual({ timestamps: [100_000], values: [10_000] });
    expect(log.samples).toBe(100_003);
  });

  it('gives back its slot pages once drained, keeping what is still pending in order', () => {
    const log = new PendingLog();
    // 1,000 series x 1,000 samples over 20 rows: 16 pages of slots, the series interleaved in every page.
    for (let row = 1; row <= 20; row++) {
      log.add(row, row, Array.from({ length: 1_000 }, (_, s) => entry(s, Array.from({ length: 50 }, (_, k) => row * 100 + k))));
    }
    const peak = log.slotBytes;
    expect([log.samples, peak]).toEqual([1_000_000, 16 * 65_536 * 24]);
    // A round drops rows 1-19 of every series but the last ten; row 20 stays for all.
    for (let s = 0; s < 990; s++) log.dropSeries(s, 19);
    expect(log.slotBytes).toBe(peak); // pages are given back at the end of a step, with its rows
    log.dropRows(19);
    const kept = 990 * 50 + 10 * 1_000;
    expect(log.samples).toBe(kept);
    expect(log.slotBytes).toBe(4 * 65_536 * 24);
    expect(log.series(5)!.timestamps).toEqual(Array.from({ length: 50 }, (_, k) => 2_000 + k));
    expect(log.series(995)!.timestamps).toEqual(Array.from({ length: 1_000 }, (_, k) => (Math.floor(k / 50) + 1) * 100 + (k % 50)));
    expect(log.series(995)!.values[999]).toBe(204.9);
    // The lists stay usable: appends go to their tails, counts and drops by row still hold.
    log.add(21, 21, [entry(5, [3_000]), entry(995, [3_000])]);
    expect(log.samplesUpTo(5, 21).timestamps.slice(-2)).toEqual([2_049, 3_000]);
    expect([log.countUpTo(995, 20), log.countUpTo(995, 21), log.samples]).toEqual([1_000, 1_001, kept + 2]);
    for (let s = 0; s < 1_000; s++) log.dropSeries(s, 21);
    log.dropRows(21);
    expect([log.samples, log.seriesCount, log.slotBytes]).toEqual([0, 0, 4 * 65_536 * 24]);
  });

  it('keeps every pending sample in order through rounds that grow and drain the pool (random, against a model)', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const log = new PendingLog({ rowSeries: false });
    const model = new Map<number, Array<[number, number]>>(); // series -> [row, ts] in write order
    let row = 0;
    let shrunk = 0;
    for (let round = 0; round < 9; round++) {
      // Rounds alternate between big and small loads, so the pool grows to many pages and drains again.
      const rows = round % 3 === 2 ? 2 : 40;
      for (let r = 0; r < rows; r++) {
        row++;
        const entries = [];
        for (let s = 0; s < 2_000; s++) {
          if (random() < 0.5) continue;
          const ts = Array.from({ length: 1 + Math.floor(random() * 20) }, (_, k) => row * 100 + k);
          entries.push(entry(s, ts));
          const list = model.get(s) ?? [];
          for (const t of ts) list.push([row, t]);
          model.set(s, list);
        }
        log.add(row, row, entries);
      }
      // The round compacts every row but the last few, series by series, then drops the rows.
      const end = row - Math.floor(random() * 3);
      for (const s of [...model.keys()]) {
        const kept = model.get(s)!.filter(([r]) => r > end);
        expect(log.dropSeries(s, end)).toBe(model.get(s)!.length - kept.length);
        if (kept.length) model.set(s, kept);
        else model.delete(s);
      }
      const bytes = log.slotBytes;
      log.dropRows(end);
      if (log.slotBytes < bytes) shrunk++;
      expect(log.samples).toBe([...model.values()].reduce((n, l) => n + l.length, 0));
      for (const [s, list] of model) expect(log.series(s)!.timestamps).toEqual(list.map(([, t]) => t));
      expect(log.seriesCount).toBe(model.size);
    }
    expect(shrunk).toBeGreaterThanOrEqual(3);
  });

  it('gives back its slot pages when rows are forgotten by id (PostgreSQL)', () => {
    const log = new PendingLog();
    for (let row = 1; row <= 20; row++) log.add(row, row, Array.from({ length: 1_000 }, (_, s) => entry(s, Array.from({ length: 50 }, (_, k) => row * 100 + k))));
    // Another collector compacted every row but 7 and 20.
    log.dropRowIds(new Set(Array.from({ length: 20 }, (_, i) => i + 1).filter((row) => row !== 7 && row !== 20)));
    expect([log.samples, log.rowCount, log.slotBytes]).toEqual([100_000, 2, 4 * 65_536 * 24]);
    expect(log.series(321)!.timestamps).toEqual([...Array.from({ length: 50 }, (_, k) => 700 + k), ...Array.from({ length: 50 }, (_, k) => 2_000 + k)]);
    expect([log.countUpTo(321, 7), log.countUpTo(321, 20)]).toEqual([50, 100]);
  });

  it('forgets rows by id without the series list of each row (rowSeries: false) as with it', () => {
    const logs = [new PendingLog(), new PendingLog({ rowSeries: false })];
    for (const log of logs) {
      log.add(1, 1000, [entry(1, [10]), entry(2, [10])]);
      log.add(2, 2000, [entry(1, [20, 21]), entry(3, [20])]);
      log.add(3, 3000, [entry(1, [30]), entry(2, [30])]);
      log.dropRowIds(new Set([2, 3]));
    }
    const state = (log: PendingLog) => [log.samples, log.rowCount, log.seriesUpTo(9), log.series(1), log.series(2), log.series(3), log.countUpTo(1, 1)];
    expect(state(logs[1]!)).toEqual(state(logs[0]!));
    expect(state(logs[1]!)).toEqual([2, 1, [1, 2], { timestamps: [10], values: [1] }, { timestamps: [10], values: [1] }, undefined, 1]);
  });

  it('keeps row ids past 2^32 apart (slots hold their low 32 bits)', () => {
    const log = new PendingLog();
    const [a, b, c] = [2 ** 32 - 1, 2 ** 32, 2 ** 32 + 5];
    log.add(a, 0, [entry(1, [1]), entry(2, [1])]);
    log.add(b, 0, [entry(1, [2])]);
    log.add(c, 0, [entry(1, [3]), entry(3, [3])]);
    expect([log.seriesUpTo(a), log.seriesUpTo(b), log.seriesUpTo(c)]).toEqual([[1, 2], [1, 2], [1, 2, 3]]);
    expect([log.countUpTo(1, a), log.countUpTo(1, b), log.countUpTo(1, c), log.countUpTo(3, b)]).toEqual([1, 2, 3, 0]);
    expect(log.samplesUpTo(1, b)).toEqual({ timestamps: [1, 2], values: [0.1, 0.2] });
    expect(log.dropSeries(1, b)).toBe(2);
    expect(log.samplesUpTo(1, c)).toEqual({ timestamps: [3], values: [0.3] });
    expect(log.hasRowsUpTo(a)).toBe(true);
  });

  it('refuses rows out of order', () => {
    const log = new PendingLog();
    log.add(3, 0, [entry(1, [1])]);
    expect(() => log.add(3, 0, [])).toThrow('log row 3 added after row 3');
  });
});
