import { describe, expect, it } from 'vitest';
import { AGENT_FAILED, AGENT_OK, MinuteState, probeMinuteState, quorumMet, serviceMinuteState } from './minute-state.js';

const OK = AGENT_OK;
const FAIL = AGENT_FAILED;
const FLAP = AGENT_OK | AGENT_FAILED; // an agent with a success and a failure in the same minute counts as failed

describe('probe minute state with several agents', () => {
  it('applies the majority quorum among agents that reported', () => {
    expect(probeMinuteState([OK, OK, FAIL], 'majority')).toBe(MinuteState.Good);
    expect(probeMinuteState([OK, FAIL, FLAP], 'majority')).toBe(MinuteState.Bad);
    // 1 of 2 is not a majority: a single vantage point failing is not an outage.
    expect(probeMinuteState([OK, FAIL], 'majority')).toBe(MinuteState.Good);
    // Agents without a result (0) do not vote: 1 failing of 1 reporting is bad.
    expect(probeMinuteState([0, FAIL, 0], 'majority')).toBe(MinuteState.Bad);
    expect(probeMinuteState([0, 0], 'majority')).toBe(MinuteState.Unknown);
    expect(probeMinuteState([], 'any')).toBe(MinuteState.Unknown);
  });

  it('supports any, all and a count', () => {
    expect(probeMinuteState([OK, OK, FAIL], 'any')).toBe(MinuteState.Bad);
    expect(probeMinuteState([OK, FAIL, FAIL], 'all')).toBe(MinuteState.Good);
    expect(probeMinuteState([FAIL, FAIL, 0], 'all')).toBe(MinuteState.Bad);
    expect(probeMinuteState([OK, FAIL, FAIL, OK], 2)).toBe(MinuteState.Bad);
    expect(probeMinuteState([OK, FAIL, OK, OK], 2)).toBe(MinuteState.Good);
    // Only one agent reported: a count of 2 degrades to "all that reported".
    expect(probeMinuteState([FAIL, 0, 0], 2)).toBe(MinuteState.Bad);
    expect(quorumMet(0, 3, 'any')).toBe(false);
  });
});

describe('service minute state', () => {
  const { Good, Bad, Unknown } = MinuteState;
  it('is bad when any probe is bad, good with at least one good probe', () => {
    expect(serviceMinuteState([Good, Bad], false)).toBe(Bad);
    expect(serviceMinuteState([Unknown, Bad], false)).toBe(Bad);
    expect(serviceMinuteState([Good, Unknown], false)).toBe(Good);
    expect(serviceMinuteState([Unknown, Unknown], false)).toBe(Unknown);
    expect(serviceMinuteState([], false)).toBe(Unknown);
  });
  it('requires every probe with require_all_probes', () => {
    expect(serviceMinuteState([Good, Unknown], true)).toBe(Unknown);
    expect(serviceMinuteState([Good, Good], true)).toBe(Good);
  });
});
