import { describe, expect, it } from 'vitest';
import { LogMirror, type MirrorRow } from './log-mirror.js';

function row(writer: string, seq: number, seriesId: number, points: Array<[number, number]>): MirrorRow {
  return { writer, seq, createdMs: 0, samples: points.length, entries: [{ seriesId, timestamps: points.map((p) => p[0]), values: points.map((p) => p[1]) }] };
}

describe('LogMirror', () => {
  it('adds rows once per writer sequence and reads a series across writers in the order learned', () => {
    const m = new LogMirror();
    expect(m.add(row('a', 1, 7, [[10, 1]]))).toBe(true);
    expect(m.add(row('b', 1, 7, [[20, 2], [5, 3]]))).toBe(true);
    expect(m.add(row('a', 1, 7, [[10, 9]]))).toBe(false); // already known
    expect(m.range(7, 0, 100)).toEqual({ timestamps: [10, 20, 5], values: [1, 2, 3] });
    expect(m.range(7, 6, 15)).toEqual({ timestamps: [10], values: [1] });
    expect(m.samples).toBe(3);
    expect(m.cursorList()).toEqual([{ writer: 'a', seq: 1 }, { writer: 'b', seq: 1 }]);
  });

  it('forgets compacted rows of the snapshot only, keeping rows added since, and the cursors of writers gone', () => {
    const m = new LogMirror();
    m.add(row('a', 1, 7, [[10, 1]]));
    m.add(row('b', 1, 8, [[10, 2]]));
    const known = m.snapshot();
    // This store commits a row after the database was listed: the listing does not know it.
    m.add(row('a', 2, 7, [[11, 4]]));
    m.retainOnly([], known);
    expect(m.range(7, 0, 100)).toEqual({ timestamps: [11], values: [4] });
    expect(m.range(8, 0, 100)).toEqual({ timestamps: [], values: [] });
    expect(m.samples).toBe(1);
    // b has no row left anywhere: its cursor goes; a keeps its own.
    expect(m.cursorList()).toEqual([{ writer: 'a', seq: 2 }]);
    expect(m.add(row('a', 2, 7, [[11, 4]]))).toBe(false);
  });

  it('forgets rows in any order (compacted by another collector), keeping the rest of each series in order', () => {
    const m = new LogMirror();
    m.add(row('a', 1, 7, [[1, 1]]));
    m.add(row('b', 1, 7, [[2, 2]]));
    m.add(row('a', 2, 7, [[3, 3]]));
    m.add(row('b', 2, 8, [[4, 4]]));
    m.drop([{ writer: 'b', seq: 1 }]);
    expect(m.range(7, 0, 100)).toEqual({ timestamps: [1, 3], values: [1, 3] });
    m.drop([{ writer: 'a', seq: 2 }, { writer: 'b', seq: 2 }]);
    expect(m.range(7, 0, 100)).toEqual({ timestamps: [1], values: [1] });
    expect(m.range(8, 0, 100)).toEqual({ timestamps: [], values: [] });
    expect([m.samples, m.rowCount]).toEqual([1, 1]);
  });
});
