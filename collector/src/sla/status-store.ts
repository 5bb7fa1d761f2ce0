// In-memory minute states per service and UTC day, fed incrementally from ingest. Per-agent
// evidence (one flags byte per probe, agent and minute) is kept only for recent minutes so a
// minute can be re-judged when another agent's result for it arrives; older minutes keep just
// the derived good/bad bitmaps. No I/O here: the service persists and reloads days.
import { DAY_MINUTES, dayOf, emptyDay, getBit, setBit, type DayBitmap } from './domain/bitmap.js';
import { AGENT_FAILED, AGENT_OK, MinuteState, probeState, serviceState, type Quorum } from './domain/minute-state.js';
import type { DayStatus } from './domain/sla-math.js';

/** What the store needs to know about a service to judge a minute. */
export interface ServiceRules {
  id: string;
  probes: readonly string[];
  quorum: Quorum;
  requireAllProbes: boolean;
  /** Latency counts are kept only for services with a latency objective. */
  latencyThresholdSeconds?: number;
}

/** probe -> agent -> flags per minute of the day. */
export type Evidence = Map<string, Map<string, Uint8Array>>;

export class ServiceDay implements DayStatus {
  good: DayBitmap = emptyDay();
  bad: DayBitmap = emptyDay();
  latencyGood?: Uint16Array;
  latencyTotal?: Uint16Array;
  eventGood?: Float64Array;
  eventTotal?: Float64Array;
  evidence?: Evidence;
  dirty = false;
  constructor(readonly service: string, readonly day: number) {}

  ensureLatency(): { good: Uint16Array; total: Uint16Array } {
    this.latencyGood ??= new Uint16Array(DAY_MINUTES);
    this.latencyTotal ??= new Uint16Array(DAY_MINUTES);
    return { good: this.latencyGood, total: this.latencyTotal };
  }

  ensureEvents(): { good: Float64Array; total: Float64Array } {
    this.eventGood ??= new Float64Array(DAY_MINUTES);
    this.eventTotal ??= new Float64Array(DAY_MINUTES);
    return { good: this.eventGood, total: this.eventTotal };
  }

  /**
   * A minute of an SLI on metrics: measured (good or bad) once a sample of the total series fell
   * in it, bad when some of its events were bad.
   */
  judgeEventMinute(m: number, sampled: boolean): void {
    if (!sampled && !getBit(this.good, m) && !getBit(this.bad, m)) return;
    const bad = this.eventTotal![m]! > this.eventGood![m]!;
    setBit(this.good, m, !bad);
    setBit(this.bad, m, bad);
  }
}

const U16_MAX = 0xffff;

export class StatusStore {
  private readonly services = new Map<string, Map<number, ServiceDay>>();

  get(service: string, day: number): ServiceDay | undefined {
    return this.services.get(service)?.get(day);
  }

  getOrCreate(service: string, day: number): ServiceDay {
    let days = this.services.get(service);
    if (!days) this.services.set(service, (days = new Map()));
    let d = days.get(day);
    if (!d) days.set(day, (d = new ServiceDay(service, day)));
    return d;
  }

  /** Puts a day loaded from storage (replacing nothing that is already in memory). */
  load(day: ServiceDay): void {
    let days = this.services.get(day.service);
    if (!days) this.services.set(day.service, (days = new Map()));
    if (!days.has(day.day)) days.set(day.day, day);
  }

  /** Puts a day read from storage in place of what memory held (a follower copying the leader's flush). */
  replace(day: ServiceDay): void {
    let days = this.services.get(day.service);
    if (!days) this.services.set(day.service, (days = new Map()));
    days.set(day.day, day);
  }

  /** Forgets every day (a replica that stopped leading starts over from what is stored). */
  clear(): void {
    this.services.clear();
  }

  /** Records one vigil_probe_success result and re-judges its minute. */
  applySuccess(rules: ServiceRules, probe: string, agent: string, tsMs: number, value: number): void {
    const minute = Math.floor(tsMs / 60_000);
    const d = this.getOrCreate(rules.id, Math.floor(minute / DAY_MINUTES));
    const m = minute - d.day * DAY_MINUTES;
    const flags = evidenceArray(d, probe, agent);
    const before = flags[m]!;
    flags[m] = before | (value >= 1 ? AGENT_OK : AGENT_FAILED);
    if (flags[m] !== before) this.derive(rules, d, m, m + 1);
  }

  /** Records one vigil_probe_duration_seconds result (services with a latency objective only). */
  applyDuration(rules: ServiceRules, tsMs: number, seconds: number): void {
    if (rules.latencyThresholdSeconds === undefined) return;
    const minute = Math.floor(tsMs / 60_000);
    const d = this.getOrCreate(rules.id, Math.floor(minute / DAY_MINUTES));
    const m = minute - d.day * DAY_MINUTES;
    const lat = d.ensureLatency();
    if (lat.total[m]! < U16_MAX) {
      lat.total[m]!++;
      if (seconds <= rules.latencyThresholdSeconds) lat.good[m]!++;
    }
    d.dirty = true;
  }

  /** Adds counter increases of an SLI on metrics to a minute (minutes since the epoch). */
  addEvents(service: string, minute: number, good: number, total: number, sampledTotal: boolean): void {
    const d = this.getOrCreate(service, Math.floor(minute / DAY_MINUTES));
    const m = minute - d.day * DAY_MINUTES;
    const events = d.ensureEvents();
    events.good[m]! += good;
    events.total[m]! += total;
    d.judgeEventMinute(m, sampledTotal);
    d.dirty = true;
  }

  /** Replaces minutes [from, to) of an SLI day with a re-read of raw samples (arrays indexed from `from`). */
  replaceEvents(service: string, day: number, from: number, to: number, read: { good: Float64Array; total: Float64Array; sampled: Uint8Array }): void {
    // Nothing read and nothing held: store nothing (an SLI whose series never reported stays empty).
    if (!this.get(service, day)?.eventTotal && read.sampled.every((v) => v === 0) && read.good.every((v) => v === 0)) return;
    const d = this.getOrCreate(service, day);
    const events = d.ensureEvents();
    events.good.set(read.good.subarray(0, to - from), from);
    events.total.set(read.total.subarray(0, to - from), from);
    for (let m = from; m < to; m++) {
      setBit(d.good, m, false);
      setBit(d.bad, m, false);
      d.judgeEventMinute(m, read.sampled[m - from] === 1);
    }
    d.dirty = true;
  }

  /**
   * Replaces minutes [from, to) of a day with what a re-read of raw samples found (crash
   * recovery, late data). `evidence` and `latency` arrays are indexed from `from`.
   * With keepEvidence the per-agent flags are stored so later results can join them.
   */
  replaceRange(
    rules: ServiceRules,
    day: number,
    from: number,
    to: number,
    evidence: Evidence,
    latency: { good: Uint16Array; total: Uint16Array } | undefined,
    keepEvidence: boolean,
  ): ServiceDay {
    const d = this.getOrCreate(rules.id, day);
    if (keepEvidence || d.evidence) {
      // Clear what memory had for the range, then write what raw storage holds.
      for (const agents of d.evidence?.values() ?? []) for (const flags of agents.values()) flags.fill(0, from, to);
      for (const [probe, agents] of evidence)
        for (const [agent, flags] of agents) evidenceArray(d, probe, agent).set(flags.subarray(0, to - from), from);
      this.derive(rules, d, from, to);
    } else {
      const scratch = new ServiceDay(rules.id, day);
      for (const [probe, agents] of evidence)
        for (const [agent, flags] of agents) evidenceArray(scratch, probe, agent).set(flags.subarray(0, to - from), from);
      this.derive(rules, scratch, from, to);
      copyBits(scratch, d, from, to);
    }
    if (rules.latencyThresholdSeconds !== undefined) {
      const lat = d.ensureLatency();
      lat.good.fill(0, from, to);
      lat.total.fill(0, from, to);
      if (latency) {
        lat.good.set(latency.good.subarray(0, to - from), from);
        lat.total.set(latency.total.subarray(0, to - from), from);
      }
    }
    d.dirty = true;
    return d;
  }

  /** Re-judges minutes [from, to) of a day from its evidence. */
  derive(rules: ServiceRules, d: ServiceDay, from: number, to: number): void {
    const evidence = d.evidence;
    for (let m = from; m < to; m++) {
      let good = 0;
      let unknown = 0;
      let bad = 0;
      for (const probe of rules.probes) {
        const agents = evidence?.get(probe);
        let reporting = 0;
        let failing = 0;
        if (agents) {
          for (const flags of agents.values()) {
            const f = flags[m]!;
            if (f === 0) continue;
            reporting++;
            if (f & AGENT_FAILED) failing++;
          }
        }
        const state = probeState(failing, reporting, rules.quorum);
        if (state === MinuteState.Bad) {
          bad++;
          break;
        }
        if (state === MinuteState.Good) good++;
        else unknown++;
      }
      const state = serviceState(good, unknown, bad, rules.requireAllProbes);
      setBit(d.good, m, state === MinuteState.Good);
      setBit(d.bad, m, state === MinuteState.Bad);
    }
    d.dirty = true;
  }

  /** Re-judges every minute that still has evidence (after a service's probes or quorum changed). */
  rederive(rules: ServiceRules): void {
    for (const d of this.services.get(rules.id)?.values() ?? []) if (d.evidence) this.derive(rules, d, 0, DAY_MINUTES);
  }

  /** Days changed since they were last taken; clears their dirty flag. */
  takeDirty(): ServiceDay[] {
    const out: ServiceDay[] = [];
    for (const days of this.services.values())
      for (const d of days.values())
        if (d.dirty) {
          d.dirty = false;
          out.push(d);
        }
    return out;
  }

  /** Drops per-agent evidence of days before `day` (bounded memory). */
  dropEvidenceBefore(day: number): void {
    for (const days of this.services.values()) for (const d of days.values()) if (d.day < day) delete d.evidence;
  }

  /** Drops clean days before `day` from memory; dirty ones stay until flushed. */
  evictBefore(day: number): number {
    let evicted = 0;
    for (const days of this.services.values())
      for (const [n, d] of days)
        if (n < day && !d.dirty) {
          days.delete(n);
          evicted++;
        }
    return evicted;
  }

  forgetService(service: string): void {
    this.services.delete(service);
  }

  serviceIds(): string[] {
    return [...this.services.keys()];
  }

  /** Number of service-days in memory, and of those with per-agent evidence. */
  stats(): { days: number; evidenceDays: number } {
    let days = 0;
    let evidenceDays = 0;
    for (const m of this.services.values())
      for (const d of m.values()) {
        days++;
        if (d.evidence) evidenceDays++;
      }
    return { days, evidenceDays };
  }
}

function evidenceArray(d: ServiceDay, probe: string, agent: string): Uint8Array {
  d.evidence ??= new Map();
  let agents = d.evidence.get(probe);
  if (!agents) d.evidence.set(probe, (agents = new Map()));
  let flags = agents.get(agent);
  if (!flags) agents.set(agent, (flags = new Uint8Array(DAY_MINUTES)));
  return flags;
}

function copyBits(from: ServiceDay, to: ServiceDay, a: number, b: number): void {
  for (let m = a; m < b; m++) {
    const word = m >>> 5;
    const bit = 1 << (m & 31);
    to.good[word] = (to.good[word]! & ~bit) | (from.good[word]! & bit);
    to.bad[word] = (to.bad[word]! & ~bit) | (from.bad[word]! & bit);
  }
}

export { dayOf };
