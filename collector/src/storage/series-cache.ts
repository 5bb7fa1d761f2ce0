import { seriesKey } from '@vigil/proto';
import { DenseIdMap } from '../common/dense-id-map.js';
import type { IncomingSeries, Labels, RecurringSeries, SeriesFilter, SeriesRef } from './storage.types.js';

export interface SeriesLimits {
  maxSeries: number;
  maxSeriesPerAgent: number;
}

/** Positions per agent in the positional cache; later series of huge batches take the slow path. */
const MAX_CACHED_POSITIONS = 10_000;

/**
 * Series resolved for one group commit but not yet committed: applied to the cache only after the
 * commit, so the cache only ever holds committed series.
 */
export interface SeriesDraft {
  /** By series key. */
  readonly created: Map<string, SeriesRef>;
  /** New series of the draft per agent, for the series limits. */
  readonly createdPerAgent: Map<string, number>;
  /** Per agent, the limit that refused its last refused series. */
  readonly refusedBy: Map<string, 'max_series' | 'max_series_per_agent'>;
  readonly positions: Array<{ cache: SeriesRef[]; index: number; ref: SeriesRef }>;
}

/**
 * Every series of the store in memory, by key, id and metric, plus a positional cache per agent:
 * agents send the same series in the same order, so a comparison of metric and labels usually
 * replaces building and hashing the series key.
 */
export class SeriesCache {
  /**
   * By a hash of the series key, the series with that hash (an array in the rare collision). The keys' text
   * is not kept (7.6 MiB of strings at 100,000 series; issue 14 memory): a hit is checked by metric and labels,
   * which are what the key says.
   */
  private readonly byKey = new Map<number, SeriesRef | SeriesRef[]>();
  /**
   * By id, in array slots: the check of a remembered series runs on every batch (a hash lookup missed the
   * cache), and a second map by id repeated them (~3.5 MiB at 100,000 series; issue 14 memory).
   */
  private readonly byId = new DenseIdMap<SeriesRef>();
  private readonly byMetric = new Map<string, number[]>();
  /** Per agent, the committed series of its last batches by position. Least recently used agent first. */
  private readonly agentSeries = new Map<string, SeriesRef[]>();
  /** Series per owning agent (their `agent` label), for ingest.max_series_per_agent. */
  private readonly perAgent = new Map<string, number>();
  private nextId = 1;
  private byKeyLookups = 0;

  constructor(
    private readonly maxCachedAgents: number,
    private readonly limits: SeriesLimits = { maxSeries: Infinity, maxSeriesPerAgent: Infinity },
  ) {}

  get size(): number {
    return this.byId.size;
  }

  /** Series looked up by key so far (the costly path: a key built and hashed per series). */
  get keyLookups(): number {
    return this.byKeyLookups;
  }

  /** Loads committed series (at open), in id order. */
  load(rows: Iterable<{ key: string; ref: SeriesRef }>): void {
    for (const { key, ref } of rows) {
      this.add(key, ref);
      this.nextId = Math.max(this.nextId, ref.id + 1);
    }
  }

  ids(): number[] {
    const ids: number[] = [];
    this.byId.forEach((_, id) => ids.push(id));
    return ids;
  }

  find(filter: SeriesFilter): SeriesRef[] {
    const limit = filter.limit ?? Infinity;
    const wanted = filter.labels ? Object.entries(filter.labels) : [];
    const out: SeriesRef[] = [];
    const visit = (s: SeriesRef): boolean => {
      if (out.length >= limit) return false;
      if (wanted.every(([k, v]) => s.labels[k] === v)) out.push(publicSeries(s));
      return true;
    };
    if (filter.metric === undefined) this.byId.visitFrom(0, visit);
    else for (const id of this.byMetric.get(filter.metric) ?? []) if (!visit(this.byId.get(id)!)) break;
    return out;
  }

  get(id: number): SeriesRef | undefined {
    const s = this.byId.get(id);
    return s && publicSeries(s);
  }

  newDraft(): SeriesDraft {
    return { created: new Map(), createdPerAgent: new Map(), refusedBy: new Map(), positions: [] };
  }

  /**
   * The series of one batch, by position. Unknown series get a new id and go into the draft; ids of
   * a draft whose commit fails are simply skipped. A new series over a limit is refused: undefined
   * at its position. The returned refs are frozen and shared.
   */
  resolve(agentId: string, series: readonly IncomingSeries[], draft: SeriesDraft): Array<SeriesRef | undefined> {
    const cache = this.agentCache(agentId);
    const refs: Array<SeriesRef | undefined> = [];
    for (let i = 0; i < series.length; i++) refs.push(this.atPosition(agentId, cache, i, series[i]!, draft));
    return refs;
  }

  /**
   * As `resolve`, for series the caller sends again and again (RecurringSeries): the series one
   * resolved to before is taken as it is while the cache holds it, without a key; one not resolved yet
   * (a new stream's definition) goes by position as in `resolve`, its position counted after the
   * batch's full series. Appends to `refs`.
   */
  resolveRecurring(agentId: string, series: readonly RecurringSeries[], draft: SeriesDraft, refs: Array<SeriesRef | undefined>): void {
    let cache: SeriesRef[] | undefined;
    for (let i = 0; i < series.length; i++) {
      const s = series[i]!;
      const known = s.resolved;
      if (known !== undefined && this.byId.get(known.id) === known) refs.push(known);
      else refs.push(this.atPosition(agentId, (cache ??= this.agentCache(agentId)), refs.length, s, draft));
    }
  }

  /**
   * The series at `position` of the agent's batch: the one there in its last batches when it is the
   * same (metric and label set, which is what the key says), else by key, remembered for that position.
   */
  private atPosition(agentId: string, cache: SeriesRef[], position: number, s: Omit<IncomingSeries, 'timestamps' | 'values'>, draft: SeriesDraft): SeriesRef | undefined {
    const cached = cache[position];
    // Ingest hands the same frozen label set for a series batch after batch: identity first.
    if (cached !== undefined && cached.metric === s.metric && (cached.labels === s.labels || sameLabels(cached.labels, s.labels))) return cached;
    const ref = this.lookup(agentId, s, draft);
    if (ref && position < MAX_CACHED_POSITIONS) draft.positions.push({ cache, index: position, ref });
    return ref;
  }

  /** A series by key: known, new in the draft, new now, or undefined when a series limit refuses it. */
  private lookup(agentId: string, s: Omit<IncomingSeries, 'timestamps' | 'values'>, draft: SeriesDraft): SeriesRef | undefined {
    this.byKeyLookups++;
    const key = seriesKey(s.metric, s.labels);
    let ref = this.keyed(key, s.metric, s.labels) ?? draft.created.get(key);
    if (ref) return ref;
    const owner = s.labels.agent ?? agentId;
    const ownerDraft = draft.createdPerAgent.get(owner) ?? 0;
    const storeFull = this.byId.size + draft.created.size >= this.limits.maxSeries;
    if (storeFull || (this.perAgent.get(owner) ?? 0) + ownerDraft >= this.limits.maxSeriesPerAgent) {
      draft.refusedBy.set(agentId, storeFull ? 'max_series' : 'max_series_per_agent');
      return undefined;
    }
    // A frozen label set cannot change under us: keep it (one copy per series, shared with ingest).
    ref = freezeSeries({ id: this.nextId++, metric: s.metric, labels: Object.isFrozen(s.labels) ? s.labels : { ...s.labels }, kind: s.kind });
    draft.created.set(key, ref);
    draft.createdPerAgent.set(owner, ownerDraft + 1);
    return ref;
  }

  /**
   * Replaces the draft's provisional refs by the ids the database gave their keys (PostgreSQL
   * allocates ids, and may already hold a series another collector created, whose kind stays).
   * Returns the replacement of each provisional ref, for refs the caller already holds.
   */
  assignIds(draft: SeriesDraft, stored: ReadonlyMap<string, { id: number; kind: SeriesRef['kind'] }>): Map<SeriesRef, SeriesRef> {
    const replaced = new Map<SeriesRef, SeriesRef>();
    for (const [key, ref] of draft.created) {
      const row = stored.get(key);
      if (!row) throw new Error(`series ${key}: no id was allocated`);
      const real = freezeSeries({ id: row.id, metric: ref.metric, labels: ref.labels, kind: row.kind });
      replaced.set(ref, real);
      draft.created.set(key, real);
    }
    for (const p of draft.positions) p.ref = replaced.get(p.ref) ?? p.ref;
    return replaced;
  }

  /** Adds series committed by another collector (by id, as read from the database). */
  learn(rows: Iterable<{ key: string; ref: SeriesRef }>): void {
    for (const row of rows) if (this.byId.get(row.ref.id) === undefined && !this.keyed(row.key, row.ref.metric, row.ref.labels)) this.add(row.key, row.ref);
  }

  /** After the draft's commit. */
  apply(draft: SeriesDraft): void {
    for (const [key, s] of draft.created) this.add(key, s);
    for (const p of draft.positions) p.cache[p.index] = p.ref;
  }

  private add(key: string, s: SeriesRef): void {
    const ref = Object.isFrozen(s) ? s : freezeSeries(s);
    const hash = keyHash(key);
    const same = this.byKey.get(hash);
    if (same === undefined) this.byKey.set(hash, ref);
    else if (Array.isArray(same)) same.push(ref);
    else this.byKey.set(hash, [same, ref]);
    this.byId.set(ref.id, ref);
    const owner = ref.labels.agent;
    if (owner !== undefined) this.perAgent.set(owner, (this.perAgent.get(owner) ?? 0) + 1);
    const ids = this.byMetric.get(ref.metric);
    if (ids) ids.push(ref.id);
    else this.byMetric.set(ref.metric, [ref.id]);
  }

  /** The series of this key (its metric and labels), if the cache holds it. */
  private keyed(key: string, metric: string, labels: Labels): SeriesRef | undefined {
    const same = this.byKey.get(keyHash(key));
    if (same === undefined) return undefined;
    if (!Array.isArray(same)) return same.metric === metric && sameLabels(same.labels, labels) ? same : undefined;
    return same.find((ref) => ref.metric === metric && sameLabels(ref.labels, labels));
  }

  private agentCache(agentId: string): SeriesRef[] {
    let cache = this.agentSeries.get(agentId);
    if (cache) {
      this.agentSeries.delete(agentId); // re-insert: most recently used last
    } else {
      cache = [];
      if (this.agentSeries.size >= this.maxCachedAgents) this.agentSeries.delete(this.agentSeries.keys().next().value!);
    }
    this.agentSeries.set(agentId, cache);
    return cache;
  }
}

/** FNV-1a of the key's UTF-16 code units, in 30 bits (a small integer for V8: no heap number per key). */
function keyHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h & 0x3fffffff;
}

function sameLabels(a: Labels, b: Labels): boolean {
  let n = 0;
  for (const k in a) {
    if (a[k] !== b[k]) return false;
    n++;
  }
  for (const k in b) if (k !== undefined) n--;
  return n === 0;
}

/** Cached refs are shared with ingest listeners, so they are frozen. */
function freezeSeries(s: SeriesRef): SeriesRef {
  Object.freeze(s.labels);
  return Object.freeze(s);
}

function publicSeries(s: SeriesRef): SeriesRef {
  return { id: s.id, metric: s.metric, labels: { ...s.labels }, kind: s.kind };
}
