import { afterEach, describe, expect, it, vi } from 'vitest';
import { Batcher, type ClosedBatch } from './batcher.js';
import { ReasonCounter, sample } from './types.js';

describe('Batcher', () => {
  afterEach(() => vi.useRealTimers());
  const make = (maxSamples = 1000, maxAgeMs = 10_000) => {
    const batches: ClosedBatch[] = [];
    const rejected = new ReasonCounter();
    const batcher = new Batcher({ maxSamples, maxAgeMs, onBatch: (b) => batches.push(b), rejected, clock: { now: () => 5000 } });
    return { batches, rejected, batcher };
  };

  it('groups samples per series into parallel arrays, one batch per flush', () => {
    const { batches, batcher } = make();
    batcher.add([sample('vigil_load1', 'gauge', 0.5, 1000), sample('vigil_disk_read_bytes_total', 'counter', 10, 1000, { device: 'sda' })]);
    batcher.add([sample('vigil_load1', 'gauge', 0.7, 2000), sample('vigil_disk_read_bytes_total', 'counter', 20, 2000, { device: 'sda' })]);
    batcher.add([sample('vigil_disk_read_bytes_total', 'counter', 5, 2000, { device: 'sdb' })]);
    batcher.flush();
    batcher.flush();
    expect(batches).toEqual([
      {
        createdMs: 5000,
        sampleCount: 5,
        series: [
          { metric: 'vigil_load1', labels: {}, type: 0, timestampsMs: [1000, 2000], values: [0.5, 0.7] },
          { metric: 'vigil_disk_read_bytes_total', labels: { device: 'sda' }, type: 1, timestampsMs: [1000, 2000], values: [10, 20] },
          { metric: 'vigil_disk_read_bytes_total', labels: { device: 'sdb' }, type: 1, timestampsMs: [2000], values: [5] },
        ],
      },
    ]);
  });

  it('checks a series once across batches, yet follows a change of kind and keeps dropping invalid series', () => {
    const { batches, rejected, batcher } = make();
    const labels = { device: 'sda' };
    batcher.add([sample('vigil_x', 'gauge', 1, 1000, labels), sample('bad name', 'gauge', 1, 1000)]);
    batcher.flush();
    labels.device = 'changed after the sample was taken';
    batcher.add([sample('vigil_x', 'counter', 2, 2000, { device: 'sda' }), sample('bad name', 'gauge', 2, 2000)]);
    batcher.flush();
    expect(batches.map((b) => b.series)).toEqual([
      [{ metric: 'vigil_x', labels: { device: 'sda' }, type: 0, timestampsMs: [1000], values: [1] }],
      [{ metric: 'vigil_x', labels: { device: 'sda' }, type: 1, timestampsMs: [2000], values: [2] }],
    ]);
    expect(rejected.get('invalid_metric_name')).toBe(2);
  });

  it('closes a batch at max samples', () => {
    const { batches, batcher } = make(100);
    batcher.add(Array.from({ length: 250 }, (_, i) => sample('vigil_x', 'gauge', i, i)));
    expect(batches.map((b) => b.sampleCount)).toEqual([100, 100]);
    batcher.flush();
    expect(batches.map((b) => b.sampleCount)).toEqual([100, 100, 50]);
    expect(batches[2]!.series[0]!.values![0]).toBe(200);
  });

  it('closes a batch at max age', () => {
    vi.useFakeTimers();
    const { batches, batcher } = make(1000, 3000);
    batcher.add([sample('vigil_x', 'gauge', 1, 1)]);
    vi.advanceTimersByTime(2999);
    expect(batches).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(batches).toHaveLength(1);
  });

  it('drops and counts samples the collector would reject', () => {
    const { batches, rejected, batcher } = make();
    batcher.add([
      sample('bad name', 'gauge', 1, 1),
      sample('bad name', 'gauge', 2, 2),
      sample('vigil_ok', 'gauge', 1, 1, { 'bad-label': 'x' }),
      sample('vigil_ok', 'gauge', Number.NaN, 1),
      sample('vigil_ok', 'gauge', Infinity, 1),
      sample('vigil_ok', 'gauge', 3, 1),
    ]);
    batcher.close();
    batcher.add([sample('vigil_ok', 'gauge', 4, 2)]);
    expect(Object.fromEntries(rejected.entries())).toEqual({ invalid_metric_name: 2, invalid_label: 1, non_finite_value: 2 });
    expect(batches).toHaveLength(1);
    expect(batches[0]!.series).toEqual([{ metric: 'vigil_ok', labels: {}, type: 0, timestampsMs: [1], values: [3] }]);
  });
});
