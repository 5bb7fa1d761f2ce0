// How probe results become one state per service and minute (see docs/sla.md, "Minute states").
//
//  agent minute:   `failed` if any result of that agent for the probe in the minute failed,
//                  `ok` if it had results and none failed. Flags are OR-ed, so replaying a result is harmless.
//  probe minute:   `unknown` if no agent reported; `bad` if the failing agents meet the quorum
//                  among the agents that reported; `good` otherwise.
//  service minute: `bad` if any probe is bad; otherwise `good` if at least one probe is good
//                  (or, with require_all_probes, if every probe is good); otherwise `unknown`.

export const AGENT_OK = 1;
export const AGENT_FAILED = 2;

export const MinuteState = { Unknown: 0, Good: 1, Bad: 2 } as const;
export type MinuteState = (typeof MinuteState)[keyof typeof MinuteState];

/**
 * When a probe minute is bad: `majority` = more than half of the reporting agents failed;
 * `any` = at least one failed; `all` = every reporting agent failed; a number k = at least k
 * agents failed, or all of them when fewer than k reported.
 */
export type Quorum = 'majority' | 'any' | 'all' | number;

export function quorumMet(failing: number, reporting: number, quorum: Quorum): boolean {
  if (failing === 0) return false;
  switch (quorum) {
    case 'any':
      return true;
    case 'all':
      return failing === reporting;
    case 'majority':
      return failing * 2 > reporting;
    default:
      return failing >= Math.min(quorum, reporting);
  }
}

/** Flags of each agent for one probe and minute (0 = no result) → the probe's state. */
export function probeMinuteState(agentFlags: Iterable<number>, quorum: Quorum): MinuteState {
  let reporting = 0;
  let failing = 0;
  for (const flags of agentFlags) {
    if (flags === 0) continue;
    reporting++;
    if (flags & AGENT_FAILED) failing++;
  }
  return probeState(failing, reporting, quorum);
}

/** A probe minute from its counts of failing and reporting agents. */
export function probeState(failing: number, reporting: number, quorum: Quorum): MinuteState {
  if (reporting === 0) return MinuteState.Unknown;
  return quorumMet(failing, reporting, quorum) ? MinuteState.Bad : MinuteState.Good;
}

/** A service minute from its counts of good, unknown and bad probes. */
export function serviceState(good: number, unknown: number, bad: number, requireAllProbes: boolean): MinuteState {
  if (bad > 0) return MinuteState.Bad;
  if (good === 0 || (requireAllProbes && unknown > 0)) return MinuteState.Unknown;
  return MinuteState.Good;
}

export function serviceMinuteState(probeStates: Iterable<MinuteState>, requireAllProbes: boolean): MinuteState {
  let good = 0;
  let unknown = 0;
  for (const state of probeStates) {
    if (state === MinuteState.Bad) return MinuteState.Bad;
    if (state === MinuteState.Good) good++;
    else unknown++;
  }
  return serviceState(good, unknown, 0, requireAllProbes);
}
