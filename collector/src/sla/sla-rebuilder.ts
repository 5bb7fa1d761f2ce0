// Re-reads minutes from raw probe samples: what a crash did not flush, results that arrived too late
// for incremental updates, and the history of new or changed services. Requests are queued (and
// persisted, so a restart still does them) and coalesced per service and day.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock.js';
import { READ_ONLY, SAMPLE_STORE } from '../common/tokens.js';
import { LEADERSHIP, type Leadership } from '../leadership/leadership.js';
import type { SampleStore } from '../storage/storage.types.js';
import { DAY_MINUTES, MINUTE_MS, minuteOf } from './domain/bitmap.js';
import { AGENT_FAILED, AGENT_OK } from './domain/minute-state.js';
import type { Evidence } from './status-store.js';
import { SlaRepository, type RebuildEntry } from './sla.repository.js';
import { ServicesService } from './services.service.js';
import { SlaState, type DeferReason } from './sla-state.js';
import type { ServiceModel } from './sla.model.js';
import { PROBE_DURATION, PROBE_SUCCESS, RAW_RETENTION_MS, countsFor } from './probe-metrics.js';
import { readSliMinutes } from './sli-reader.js';

/** A burst of late samples (an agent replaying its spool) is coalesced into one re-read this long after. */
const COALESCE_MS = 1000;

/**
 * How long after a re-read finished samples of other collectors for its minutes are still routed to
 * another re-read: they reach this collector (SampleStore.followPeers) a little after their commit,
 * so one the re-read already counted may still arrive, and a latency result applied twice would count
 * twice. Re-reads replace minutes, so routing it to one more re-read is always safe.
 */
export const PEER_DELIVERY_GRACE_MS = 10_000;
/** Bound on finished re-reads remembered for that grace. */
const MAX_RECENT_REBUILDS = 1000;

type RebuildRange = { services: ReadonlySet<string> | undefined; from: number; to: number };

const inRange = (r: RebuildRange, service: string, minute: number) => minute >= r.from && minute < r.to && (!r.services || r.services.has(service));

const entryKey = (e: RebuildEntry) => `${e.service_id}\u0000${e.day}`;

/** Adds a request to `entries`, widening the one of the same service and day. */
function mergeEntry(entries: Map<string, RebuildEntry>, e: RebuildEntry): void {
  const key = entryKey(e);
  const cur = entries.get(key);
  if (cur) {
    cur.from_minute = Math.min(cur.from_minute, e.from_minute);
    cur.to_minute = Math.max(cur.to_minute, e.to_minute);
  } else entries.set(key, { ...e });
}

@Injectable()
export class SlaRebuilder {
  private readonly log = new Logger('sla');
  private readonly active: RebuildRange[] = [];
  /** Re-reads finished within PEER_DELIVERY_GRACE_MS, and when the grace ends. */
  private recent: (RebuildRange & { untilMs: number })[] = [];
  private readonly queue = new Map<string, RebuildEntry>();
  /** Requests not yet written to sla_rebuild_queue, and the write in progress. */
  private readonly unsaved = new Map<string, RebuildEntry>();
  private saving: Promise<void> | undefined;
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SAMPLE_STORE) private readonly store: SampleStore,
    @Inject(READ_ONLY) private readonly readOnly: boolean,
    @Inject(LEADERSHIP) private readonly leadership: Leadership,
    private readonly repo: SlaRepository,
    private readonly catalogue: ServicesService,
    private readonly state: SlaState,
  ) {}

  /**
   * Whether a re-read of `minute` for `service` is running (samples for it would be applied twice);
   * for samples of other collectors also one that finished within PEER_DELIVERY_GRACE_MS.
   */
  covers(service: string, minute: number, fromPeer = false): boolean {
    for (const r of this.active) if (inRange(r, service, minute)) return true;
    if (!fromPeer || this.recent.length === 0) return false;
    const now = this.clock.now();
    this.recent = this.recent.filter((r) => r.untilMs > now);
    return this.recent.some((r) => inRange(r, service, minute));
  }

  /** Queued requests from the last run (before `state.ready`: they wait for processQueue). */
  async restoreQueue(): Promise<void> {
    for (const e of await this.repo.loadRebuildQueue()) this.enqueue(e, false);
  }

  /** Services never seen before (new in collector.yaml) get their history re-read from raw data. */
  async backfillNewServices(now: number): Promise<void> {
    const known = new Set(JSON.parse((await this.repo.getState('known_services')) ?? '[]') as string[]);
    const first = known.size === 0 && (await this.repo.getState('last_flush_ms')) === undefined;
    const ids = this.catalogue.list().map((s) => s.id);
    if (!first) for (const id of ids) if (!known.has(id)) this.backfill(id, now);
    if (!this.readOnly) await this.repo.setState('known_services', JSON.stringify(ids));
  }

  /** Queues the whole raw retention of a service for a re-read. */
  backfill(service: string, now: number): void {
    this.enqueueRange(service, minuteOf(now - RAW_RETENTION_MS), minuteOf(now) + 1);
  }

  /** Why a sample of `service` for `minute` cannot be applied to memory now, if it cannot. */
  deferral(service: string, minute: number, fromPeer = false): DeferReason | undefined {
    const { state } = this;
    return !state.ready ? 'not_ready' : minute < state.evidenceFromMinute ? 'late' : this.covers(service, minute, fromPeer) ? 'rebuilding' : undefined;
  }

  /** Counts a sample routed to a re-read and queues minutes [fromMinute, toMinute) of the service. */
  defer(service: string, fromMinute: number, toMinute: number, reason: DeferReason): void {
    this.state.counters.samplesDeferred[reason]++;
    this.enqueueRange(service, fromMinute, toMinute);
  }

  private enqueueRange(service: string, from: number, to: number): void {
    for (let day = Math.floor(from / DAY_MINUTES); day <= Math.floor((to - 1) / DAY_MINUTES); day++) {
      const base = day * DAY_MINUTES;
      this.enqueue({ service_id: service, day, from_minute: Math.max(from, base), to_minute: Math.min(to, base + DAY_MINUTES) }, true);
    }
  }

  /**
   * Notes minutes to re-read from raw data; persisted so a restart still does it. Cheap enough to
   * call per sample: requests merge in memory, and the writes that persist them are coalesced (one
   * transaction at a time, holding every request noted meanwhile), so a replay of late results
   * does not queue one transaction per sample in front of ingest. Only the leader re-reads: a
   * follower's minute states are a copy of what the leader persisted.
   */
  enqueue(e: RebuildEntry, persist: boolean): void {
    if (!this.leadership.isLeader()) return;
    mergeEntry(this.queue, e);
    if (persist && !this.readOnly) {
      mergeEntry(this.unsaved, e);
      this.saving ??= this.saveUnsaved();
    }
    if (!this.timer && this.state.ready && !this.state.stopped) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.processQueue();
      }, COALESCE_MS).unref();
    }
  }

  private async saveUnsaved(): Promise<void> {
    // Start after the current batch of samples was noted, so it is written in one go.
    await new Promise(setImmediate);
    while (this.unsaved.size > 0) {
      const entries = [...this.unsaved.values()];
      this.unsaved.clear();
      await this.repo.queueRebuild(entries).catch((error) => this.log.warn(`could not persist rebuild request: ${String(error)}`));
    }
    this.saving = undefined;
  }

  get queued(): number {
    return this.queue.size;
  }

  /** Re-reads every queued range from raw samples; resolves when the queue is empty. */
  processQueue(): Promise<void> {
    const run = async (): Promise<void> => {
      while (this.queue.size > 0 && !this.state.stopped && this.leadership.isLeader()) {
        const entries = [...this.queue.values()];
        this.queue.clear();
        for (const e of entries) {
          await this.rebuild(new Set([e.service_id]), e.from_minute, e.to_minute);
          if (!this.readOnly) await this.repo.dequeueRebuild(e).catch(() => undefined);
        }
      }
    };
    this.chain = this.chain.then(run, run);
    return this.chain;
  }

  /**
   * This collector stopped leading: drops the queue (the leader holds the persisted one) and waits
   * for the running re-read, so nothing it computed lands in memory afterwards.
   */
  async halt(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.clear();
    this.unsaved.clear();
    this.recent = [];
    await this.chain.catch(() => undefined);
    await this.saving;
  }

  /** Stops the coalescing timer and waits for the running re-read and the requests being saved. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.chain.catch(() => undefined);
    await this.saving;
  }

  /**
   * Replaces minutes [fromMinute, toMinute) of the given services (all when undefined) with what
   * raw samples say. Samples committed meanwhile for those minutes are re-queued, not applied
   * twice: the re-read after this one includes them.
   */
  async rebuild(services: ReadonlySet<string> | undefined, fromMinute: number, toMinute: number): Promise<void> {
    const now = this.clock.now();
    const from = Math.max(fromMinute, minuteOf(now - RAW_RETENTION_MS));
    if (toMinute <= from) return;
    const active = { services, from, to: toMinute };
    this.active.push(active);
    const targets = this.catalogue.list().filter((s) => !services || services.has(s.id));
    try {
      for (const svc of targets) await this.rebuildService(svc, from, toMinute);
      this.state.counters.rebuilds++;
    } catch (error) {
      this.state.counters.rebuildFailures++;
      this.log.warn(`re-reading minutes from raw samples failed: ${error instanceof Error ? error.message : String(error)}`);
      // Try again later rather than lose the range.
      for (const svc of targets)
        for (let day = Math.floor(from / DAY_MINUTES); day <= Math.floor((toMinute - 1) / DAY_MINUTES); day++)
          mergeEntry(this.queue, { service_id: svc.id, day, from_minute: Math.max(from, day * DAY_MINUTES), to_minute: Math.min(toMinute, (day + 1) * DAY_MINUTES) });
    } finally {
      this.active.splice(this.active.indexOf(active), 1);
      if (this.recent.length >= MAX_RECENT_REBUILDS) this.recent.shift();
      this.recent.push({ ...active, untilMs: this.clock.now() + PEER_DELIVERY_GRACE_MS });
    }
  }

  private async rebuildService(svc: ServiceModel, from: number, to: number): Promise<void> {
    if (svc.sla?.sli) return this.rebuildSli(svc, from, to);
    const rules = this.state.rulesOf(svc.id);
    if (!rules) return;
    const length = to - from;
    const evidence: Evidence = new Map();
    let latency: { good: Uint16Array; total: Uint16Array } | undefined;
    for (const probe of svc.probes) {
      const agents = new Map<string, Uint8Array>();
      evidence.set(probe, agents);
      for (const series of await this.store.findSeries({ metric: PROBE_SUCCESS, labels: { probe } })) {
        const agent = series.labels.agent ?? '';
        if (!countsFor(svc, agent, series.labels.host ?? '')) continue;
        const points = await this.store.queryRange(series.id, from * MINUTE_MS, to * MINUTE_MS - 1);
        if (points.length === 0) continue;
        let flags = agents.get(agent);
        if (!flags) agents.set(agent, (flags = new Uint8Array(length)));
        for (const [ts, value] of points) flags[Math.floor(ts / MINUTE_MS) - from]! |= value >= 1 ? AGENT_OK : AGENT_FAILED;
        this.state.noteSeen(svc.id, probe, points[0]![0], true, points[points.length - 1]![0]);
      }
      if (rules.latencyThresholdSeconds !== undefined) {
        for (const series of await this.store.findSeries({ metric: PROBE_DURATION, labels: { probe } })) {
          if (!countsFor(svc, series.labels.agent ?? '', series.labels.host ?? '')) continue;
          latency ??= { good: new Uint16Array(length), total: new Uint16Array(length) };
          for (const [ts, seconds] of await this.store.queryRange(series.id, from * MINUTE_MS, to * MINUTE_MS - 1)) {
            const i = Math.floor(ts / MINUTE_MS) - from;
            if (latency.total[i]! === 0xffff) continue;
            latency.total[i]!++;
            if (seconds <= rules.latencyThresholdSeconds) latency.good[i]!++;
          }
        }
      }
    }
    for (let day = Math.floor(from / DAY_MINUTES); day <= Math.floor((to - 1) / DAY_MINUTES); day++) {
      const base = day * DAY_MINUTES;
      const a = Math.max(from, base);
      const b = Math.min(to, base + DAY_MINUTES);
      await this.state.ensureInMemory(svc.id, day);
      const slice: Evidence = new Map();
      for (const [probe, agents] of evidence) {
        const m = new Map<string, Uint8Array>();
        for (const [agent, flags] of agents) m.set(agent, flags.subarray(a - from, b - from));
        slice.set(probe, m);
      }
      const lat = latency ? { good: latency.good.subarray(a - from, b - from), total: latency.total.subarray(a - from, b - from) } : undefined;
      this.state.status.replaceRange(rules, day, a - base, b - base, slice, lat, b > this.state.evidenceFromMinute);
      this.state.forgetOldDay(svc.id, day);
    }
  }

  /** The event counts of an SLI on metrics, re-read from raw counter samples. */
  private async rebuildSli(svc: ServiceModel, from: number, to: number): Promise<void> {
    const read = await readSliMinutes(this.store, this.state, svc, from, to);
    for (let day = Math.floor(from / DAY_MINUTES); day <= Math.floor((to - 1) / DAY_MINUTES); day++) {
      const base = day * DAY_MINUTES;
      const a = Math.max(from, base);
      const b = Math.min(to, base + DAY_MINUTES);
      const slice = (v: Float64Array | Uint8Array) => v.subarray(a - from, b - from);
      await this.state.ensureInMemory(svc.id, day);
      this.state.status.replaceEvents(svc.id, day, a - base, b - base, { good: slice(read.good) as Float64Array, total: slice(read.total) as Float64Array, sampled: slice(read.sampled) as Uint8Array });
      this.state.forgetOldDay(svc.id, day);
    }
  }
}
