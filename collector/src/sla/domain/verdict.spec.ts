import { describe, expect, it } from 'vitest';
import { coverage, effectiveMinutes, metOf, verdict, type VerdictInput } from './verdict.js';

const base: Omit<VerdictInput, 'counts'> = { remainingMinutes: 0, objective: 0.999, policy: 'exclude', minCoverage: 0.9 };

describe('coverage', () => {
  it('is measured over counted minutes, null before any minute was counted', () => {
    expect(coverage({ good: 3, bad: 1, unknown: 4 })).toBe(0.5);
    expect(coverage({ good: 0, bad: 0, unknown: 7 })).toBe(0);
    expect(coverage({ good: 0, bad: 0, unknown: 0 })).toBeNull();
  });
});

describe('unknown policy', () => {
  const c = { good: 90, bad: 2, unknown: 8 };
  it('exclude leaves unknown minutes out of both terms', () => expect(effectiveMinutes(c, 'exclude')).toEqual({ good: 90, bad: 2 }));
  it('as_good counts them as good', () => expect(effectiveMinutes(c, 'as_good')).toEqual({ good: 98, bad: 2 }));
  it('as_bad counts them as bad', () => expect(effectiveMinutes(c, 'as_bad')).toEqual({ good: 90, bad: 10 }));
});

describe('verdict', () => {
  it('gives no verdict on 4 measured minutes of a month (the case that said "50 %, breached")', () => {
    // 2 good, 2 bad, 8,258 unknown so far; 44,640 minutes in the month, so 36,378 still to come.
    const v = verdict({ ...base, counts: { good: 2, bad: 2, unknown: 8258 }, remainingMinutes: 36378 });
    expect(v.status).toBe('insufficient_data');
    expect(v.coverage).toBeCloseTo(4 / 8262, 12);
    expect(v.certainBreach).toBe(false);
  });

  it('gives no verdict on one good minute of a week (the case that said "met")', () => {
    const v = verdict({ ...base, counts: { good: 1, bad: 0, unknown: 10079 } });
    expect(v).toEqual({ status: 'insufficient_data', coverage: 1 / 10080, certainBreach: false });
  });

  it('calls a breach at low coverage once it is certain, and not one minute earlier', () => {
    // Whole window 10,000 counted minutes at 99.9 %: the budget is exactly 10 bad minutes.
    const at = verdict({ ...base, counts: { good: 0, bad: 10, unknown: 990 }, remainingMinutes: 9000 });
    expect(at.status).toBe('insufficient_data');
    const past = verdict({ ...base, counts: { good: 0, bad: 11, unknown: 989 }, remainingMinutes: 9000 });
    expect(past).toEqual({ status: 'breached', coverage: 11 / 1000, certainBreach: true });
  });

  it('judges by availability once coverage reaches the minimum', () => {
    expect(verdict({ ...base, counts: { good: 8991, bad: 9, unknown: 1000 } }).status).toBe('met'); // coverage 0.9, 99.9 %
    expect(verdict({ ...base, counts: { good: 8990, bad: 10, unknown: 1000 } }).status).toBe('breached'); // 99.889 %
    expect(verdict({ ...base, counts: { good: 8990, bad: 9, unknown: 1001 } }).status).toBe('insufficient_data'); // coverage 0.8999
  });

  it('applies the policy before judging', () => {
    const counts = { good: 9500, bad: 0, unknown: 500 };
    expect(verdict({ ...base, counts, policy: 'as_good' }).status).toBe('met');
    // 500 unknown minutes counted as bad are 5 % of the window: far past a 0.1 % budget, so certain.
    expect(verdict({ ...base, counts, policy: 'as_bad' })).toEqual({ status: 'breached', coverage: 0.95, certainBreach: true });
    expect(verdict({ ...base, counts, policy: 'exclude', minCoverage: 0.96 }).status).toBe('insufficient_data');
  });

  it('maps the status to the met boolean', () => {
    expect(metOf('met')).toBe(true);
    expect(metOf('breached')).toBe(false);
    expect(metOf('insufficient_data')).toBeNull();
  });
});
