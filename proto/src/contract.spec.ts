import { describe, expect, it } from 'vitest';
import { MetricType, RejectReason } from './contract.js';
import { vigil } from './generated/telemetry.js';

/** Every name -> number and number -> name of an enum, own or inherited (the generated enums keep names on a prototype). */
function mapping(values: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in values) out[key] = (values as Record<string, unknown>)[key];
  for (const value of Object.values(out)) if (typeof value === 'number') out[value] = (values as Record<number, unknown>)[value];
  return out;
}

describe('the contract without the generated code', () => {
  it('has the enums of the generated code, names to numbers and back', () => {
    expect(mapping(MetricType)).toEqual(mapping(vigil.v1.MetricType));
    expect(mapping(RejectReason)).toEqual(mapping(vigil.v1.RejectReason));
    expect(Object.keys(mapping(RejectReason))).toHaveLength(26);
    expect(RejectReason[RejectReason.REJECT_REASON_SERIES_REFS]).toBe('REJECT_REASON_SERIES_REFS');
  });
});
