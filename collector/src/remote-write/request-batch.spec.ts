import { describe, expect, it } from 'vitest';
import { decodeLog, encodeLog } from '../storage/sample-log.js';
import { orderForSend, recordSent, RowCursor } from './request-batch.js';

// A log row as a group commit writes it: one entry per batch and series, series 1 in two batches.
const row = decodeLog(encodeLog([
  { seriesId: 1, timestamps: [1000, 2000], values: [1, 2] },
  { seriesId: 2, timestamps: [1000, 2000, 3000], values: [10, 20, 30] },
  { seriesId: 1, timestamps: [3000], values: [3] },
]));

describe('RowCursor', () => {
  it('hands out the row in storage order, grouped by series, at most max samples per slice', () => {
    const cursor = new RowCursor(row);
    expect(cursor.total).toBe(6);
    expect(cursor.take(3)).toEqual([
      { seriesId: 1, timestamps: [1000, 2000], values: [1, 2] },
      { seriesId: 2, timestamps: [1000], values: [10] },
    ]);
    expect(cursor.offset).toBe(3);
    expect(cursor.take(3)).toEqual([
      { seriesId: 2, timestamps: [2000, 3000], values: [20, 30] },
      { seriesId: 1, timestamps: [3000], values: [3] },
    ]);
    expect(cursor.done).toBe(true);
    expect(cursor.take(3)).toEqual([]);
  });

  it('gives the same slices when reopened at a saved offset (a resend after a restart is the same request)', () => {
    const first = new RowCursor(row);
    first.take(2);
    const second = first.take(2);
    expect(new RowCursor(row, 2).take(2)).toEqual(second);
  });
});

describe('orderForSend', () => {
  it('sorts each series by timestamp, keeps the later write of a repeated timestamp, and counts what it leaves out', () => {
    const lastSent = new Map<number, number>();
    const ordered = orderForSend([{ seriesId: 7, timestamps: [3000, 1000, 2000, 1000], values: [3, 1, 2, 1.5] }], lastSent);
    expect(ordered).toEqual({ series: [{ seriesId: 7, timestamps: [1000, 2000, 3000], values: [1.5, 2, 3] }], outOfOrder: 1 });
  });

  it('leaves out samples not newer than the newest already sent for the series, once the request was answered', () => {
    const lastSent = new Map<number, number>();
    const first = orderForSend([{ seriesId: 1, timestamps: [1000, 2000], values: [1, 2] }], lastSent);
    expect(lastSent.size).toBe(0); // nothing recorded before the answer
    recordSent(first.series, lastSent);
    expect(orderForSend([{ seriesId: 1, timestamps: [2000, 1500, 2500], values: [9, 9, 3] }, { seriesId: 2, timestamps: [1000], values: [4] }], lastSent)).toEqual({
      series: [{ seriesId: 1, timestamps: [2500], values: [3] }, { seriesId: 2, timestamps: [1000], values: [4] }],
      outOfOrder: 2,
    });
  });
});
