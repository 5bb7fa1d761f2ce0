import { describe, expect, it } from 'vitest';
import { DAY_MINUTES, FULL_DAY, emptyDay, fillRange } from './bitmap.js';
import { addMinuteIncreases, counterIncrease, countEvents, eventErrorBudget, eventVerdict, isThresholdBound, parseBucketBound, thresholdProblem } from './sli-events.js';
import type { DayStatus, MinuteMasks } from './sla-math.js';

const MIN = 60_000;
const always: MinuteMasks = { hours: () => FULL_DAY, maintenance: () => undefined };

describe('counter increases with resets', () => {
  it('takes the difference, and the new value after a drop (a reset)', () => {
    expect(counterIncrease(10, 25)).toBe(15);
    expect(counterIncrease(25, 25)).toBe(0);
    expect(counterIncrease(25, 4)).toBe(4);
    expect(counterIncrease(25, 0)).toBe(0);
  });

  it('puts each increase in the minute of the later sample; the first sample is a baseline', () => {
    // Samples every 30 s from minute 100: 0, 10, 30, 35, (reset) 5, 20, 20, (reset) 0, 8.
    const values = [0, 10, 30, 35, 5, 20, 20, 0, 8];
    const points = values.map((v, i) => [100 * MIN + i * 30_000, v] as const);
    const inc = new Float64Array(5);
    const sampled = new Uint8Array(5);
    addMinuteIncreases(points, 100, inc, sampled);
    // minute 100: 0(base),10 -> 10; 101: 30,35 -> 20+5; 102: 5,20 -> 5+15; 103: 20,0 -> 0+0; 104: 8 -> 8.
    expect([...inc]).toEqual([10, 25, 20, 0, 8]);
    expect([...sampled]).toEqual([1, 1, 1, 1, 1]);
    // Total = 10+25+20+0+8 = 63 = (35-0) + 20 (after the first reset, 5 counted as new) + 8.
    expect(inc.reduce((a, b) => a + b, 0)).toBe(63);
  });

  it('uses samples before the range as a baseline only, and ignores those after it', () => {
    const points = [[98 * MIN, 100], [100 * MIN + 5_000, 130], [101 * MIN, 131], [103 * MIN, 200]] as const;
    const inc = new Float64Array(2);
    addMinuteIncreases(points, 100, inc);
    expect([...inc]).toEqual([30, 1]);
  });
});

describe('histogram buckets', () => {
  it('reads le labels as Prometheus writes them', () => {
    expect(parseBucketBound('0.3')).toBe(0.3);
    expect(parseBucketBound('3e-1')).toBe(0.3);
    expect(parseBucketBound('+Inf')).toBe(Number.POSITIVE_INFINITY);
    expect(parseBucketBound('1')).toBe(1);
    expect(parseBucketBound('fast')).toBeUndefined();
    expect(parseBucketBound('')).toBeUndefined();
  });

  it('needs the threshold to be a bucket bound, and lists the bounds when it is not', () => {
    expect(isThresholdBound(0.3, 300 / 1000)).toBe(true);
    expect(isThresholdBound(0.25, 0.3)).toBe(false);
    expect(thresholdProblem([0.5, 0.1, Number.POSITIVE_INFINITY, 0.25, 0.1], 0.3)).toBe(
      'no bucket with le=0.3 (the threshold must be a bucket bound; bounds found: 0.1, 0.25, 0.5, +Inf)',
    );
  });

  it('gives the share of requests at or under the threshold from bucket and _count increases', () => {
    // One histogram scraped every minute: le=0.3 bucket 0, 90, 170, (reset) 40; _count 0, 100, 200, (reset) 50.
    const bucket = [0, 90, 170, 40].map((v, i) => [(200 + i) * MIN, v] as const);
    const count = [0, 100, 200, 50].map((v, i) => [(200 + i) * MIN, v] as const);
    const day: DayStatus = { good: emptyDay(), bad: emptyDay(), eventGood: new Float64Array(DAY_MINUTES), eventTotal: new Float64Array(DAY_MINUTES) };
    addMinuteIncreases(bucket, 0, day.eventGood!);
    addMinuteIncreases(count, 0, day.eventTotal!);
    // good = 90 + 80 + 40 = 210, total = 100 + 100 + 50 = 250.
    expect(countEvents(0, DAY_MINUTES, () => day, always)).toEqual({ good: 210, total: 250 });
  });
});

describe('event counts over service hours and maintenance', () => {
  it('counts only minutes in hours and outside maintenance, capping good at total per minute', () => {
    const day: DayStatus = { good: emptyDay(), bad: emptyDay(), eventGood: new Float64Array(DAY_MINUTES), eventTotal: new Float64Array(DAY_MINUTES) };
    for (let m = 0; m < 10; m++) {
      day.eventTotal![m] = 100;
      day.eventGood![m] = m === 3 ? 120 : 90;
    }
    const hours = emptyDay();
    fillRange(hours, 2, 8);
    const maint = emptyDay();
    fillRange(maint, 6, 7);
    const masks: MinuteMasks = { hours: () => hours, maintenance: () => maint };
    // Counted minutes 2,3,4,5,7: totals 500; good 90 + 100 (capped) + 90 + 90 + 90 = 460.
    expect(countEvents(0, 10, () => day, masks)).toEqual({ good: 460, total: 500 });
    expect(countEvents(0, 10, () => day, always)).toEqual({ good: 910, total: 1000 });
    expect(countEvents(4, 6, () => day, always)).toEqual({ good: 180, total: 200 });
    expect(countEvents(0, 10, () => undefined, always)).toEqual({ good: 0, total: 0 });
  });

  it('sizes the budget in minute equivalents with the event ratios', () => {
    // 600 measured minutes, 1,000 of 100,000 requests failed, objective 99 %: 1 % bad = exactly the budget.
    expect(eventErrorBudget({ good: 99_000, total: 100_000 }, 600, 0.99)).toEqual({
      totalMinutes: (1 - 0.99) * 600,
      consumedMinutes: 6,
      remainingMinutes: (1 - 0.99) * 600 - 6,
      consumedRatio: 0.01 / (1 - 0.99),
      remainingRatio: 1 - 0.01 / (1 - 0.99),
    });
    expect(eventErrorBudget({ good: 0, total: 0 }, 0, 0.99)).toMatchObject({ consumedMinutes: 0, consumedRatio: 0 });
  });

  it('calls no verdict below the coverage or without events, never a certain breach', () => {
    const counts = { good: 80, bad: 10, unknown: 10 };
    expect(eventVerdict(counts, { good: 900, total: 1000 }, 0.99, 0.9)).toEqual({ status: 'breached', coverage: 0.9, certainBreach: false });
    expect(eventVerdict(counts, { good: 995, total: 1000 }, 0.99, 0.9)).toEqual({ status: 'met', coverage: 0.9, certainBreach: false });
    expect(eventVerdict(counts, { good: 0, total: 1000 }, 0.99, 0.95)).toEqual({ status: 'insufficient_data', coverage: 0.9, certainBreach: false });
    expect(eventVerdict(counts, { good: 0, total: 0 }, 0.99, 0)).toMatchObject({ status: 'insufficient_data' });
  });
});
