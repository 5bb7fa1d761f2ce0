import { afterEach, describe, expect, it, vi } from 'vitest';
import { nextAlignedTick, Scheduler } from './scheduler.js';

describe('Scheduler', () => {
  afterEach(() => vi.useRealTimers());

  it('aligns ticks to multiples of the interval', () => {
    expect(nextAlignedTick(1_000, 10_000)).toBe(10_000);
    expect(nextAlignedTick(10_000, 10_000)).toBe(20_000);
    expect(nextAlignedTick(19_999, 10_000)).toBe(20_000);
  });

  it('runs on aligned ticks and skips (and counts) a tick while the previous one still runs', async () => {
    vi.useFakeTimers({ now: 1_500 });
    const starts: number[] = [];
    let release: () => void = () => undefined;
    const scheduler = new Scheduler({
      intervalMs: 1000,
      clock: { now: () => Date.now() },
      task: (now) => {
        starts.push(now);
        return starts.length === 1 ? new Promise<void>((r) => (release = r)) : Promise.resolve();
      },
    });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(500);
    expect(starts).toEqual([2000]);
    await vi.advanceTimersByTimeAsync(2000); // ticks at 3000 and 4000 find the first still running
    expect(scheduler.skippedTicks).toBe(2);
    release();
    await vi.advanceTimersByTimeAsync(1000);
    expect(starts).toEqual([2000, 5000]);
    await scheduler.stop();
    await scheduler.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(starts).toEqual([2000, 5000]);
    expect(scheduler.completedTicks).toBe(2);
  });

  it('does not run a tick twice nor count a skip when the timer fires a little early', async () => {
    vi.useFakeTimers({ now: 1_500 });
    // The clock lags 1 ms at aligned instants: every tick sees itself firing just before its instant.
    const clock = { now: () => Date.now() - (Date.now() % 1000 === 0 ? 1 : 0) };
    const starts: number[] = [];
    let release: () => void = () => undefined;
    const scheduler = new Scheduler({
      intervalMs: 1000,
      clock,
      task: (now) => {
        starts.push(now);
        return new Promise<void>((r) => (release = r));
      },
    });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(500);
    release();
    await vi.advanceTimersByTimeAsync(1002);
    release();
    await vi.advanceTimersByTimeAsync(1002);
    release();
    expect(starts.map((t) => Math.round(t / 1000))).toEqual([2, 3, 4]);
    expect(scheduler.skippedTicks).toBe(0);
    await scheduler.stop();
  });

  it('with runAtStart, runs once at start and then on the aligned ticks', async () => {
    vi.useFakeTimers({ now: 1_500 });
    const starts: number[] = [];
    const scheduler = new Scheduler({ intervalMs: 1000, runAtStart: true, clock: { now: () => Date.now() }, task: async (now) => void starts.push(now) });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(starts).toEqual([1500]);
    await vi.advanceTimersByTimeAsync(1600);
    expect(starts).toEqual([1500, 2000, 3000]);
    expect(scheduler.skippedTicks).toBe(0);
    await scheduler.stop();
  });
});
