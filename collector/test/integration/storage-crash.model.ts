// The deterministic workload of the crash test, shared by the child that writes it and the test
// that checks what survived.
import type { IncomingBatch } from '../../src/storage/storage.types.js';

export const CRASH_T0 = 1_700_000_000_000;
export const CRASH_SERIES = 20;

/** Batch `seq`: one sample per series at T0 + seq s, and every 7th batch a late sample for s0. */
export function crashBatch(seq: number): IncomingBatch {
  const series = [];
  for (let i = 0; i < CRASH_SERIES; i++) {
    const timestamps = [CRASH_T0 + seq * 1000];
    const values = [seq * 1000 + i];
    if (i === 0 && seq % 7 === 0 && seq > 5) {
      timestamps.push(CRASH_T0 + (seq - 5) * 1000 + 500);
      values.push(-seq);
    }
    series.push({ metric: 'crash_m', labels: { s: `s${i}` }, kind: 'gauge' as const, timestamps, values });
  }
  return { agentId: 'crash-agent', epoch: 'e1', seq, series };
}

/** Points every series must hold once batches 1..last are stored, in time order. */
export function expectedPoints(seriesIndex: number, last: number): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  for (let seq = 1; seq <= last; seq++) {
    const b = crashBatch(seq).series[seriesIndex]!;
    for (let k = 0; k < b.timestamps.length; k++) points.push([b.timestamps[k]!, b.values[k]!]);
  }
  return points.sort((a, b) => a[0] - b[0]);
}
