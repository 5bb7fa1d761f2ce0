import { describe, expect, it } from 'vitest';
import { incompleteBeta, normalQuantile, studentTCdf, studentTQuantile } from './stats.js';

// Reference values from standard tables (R: qnorm, qt, pt).
describe('normalQuantile', () => {
  it('matches table values', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963985, 8);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959963985, 8);
    expect(normalQuantile(0.95)).toBeCloseTo(1.644853627, 8);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306, 7);
  });
  it('rejects probabilities outside (0, 1)', () => {
    expect(() => normalQuantile(1)).toThrow('normalQuantile: p must be in (0, 1), got 1');
  });
});

describe('Student t', () => {
  it('cdf matches table values', () => {
    expect(studentTCdf(0, 5)).toBeCloseTo(0.5, 12);
    expect(studentTCdf(2.015048373, 5)).toBeCloseTo(0.95, 8);
    expect(studentTCdf(-1, 1)).toBeCloseTo(0.25, 10);
    expect(incompleteBeta(0.5, 2, 3)).toBeCloseTo(0.6875, 12);
  });
  it('quantiles match table values for small and large df', () => {
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.70620474, 6);
    expect(studentTQuantile(0.975, 3)).toBeCloseTo(3.182446305, 7);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228138852, 7);
    expect(studentTQuantile(0.975, 30)).toBeCloseTo(2.042272456, 6);
    expect(studentTQuantile(0.95, 120)).toBeCloseTo(1.657650899, 6);
    expect(studentTQuantile(0.025, 10)).toBeCloseTo(-2.228138852, 7);
  });
  it('rejects invalid degrees of freedom', () => {
    expect(() => studentTQuantile(0.9, 0)).toThrow('studentTQuantile: df must be >= 1, got 0');
  });
});
