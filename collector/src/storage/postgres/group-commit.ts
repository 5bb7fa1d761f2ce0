// The SQL of one group commit on PostgreSQL, run inside its transaction: lock the batches' agent
// streams, allocate the ids of new series, append the log row, record the sequences.
import type { Transaction } from '../../database/database.js';
import { decodeSequence, encodeHoles, type SequenceState } from '../sequence-window.js';
import type { MetricKind, SeriesRef } from '../storage.types.js';
import { streamKey } from '../group-plan.js';

export interface StreamId {
  agentId: string;
  epoch: string;
}


/** Rows of the JSON lists below: a few thousand per statement. */
const ROWS_PER_STATEMENT = 2_000;

function* slices<T>(items: readonly T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += ROWS_PER_STATEMENT) yield items.slice(i, i + ROWS_PER_STATEMENT);
}

/**
 * Locks the sequence rows of the given streams (creating missing ones at 0) until the transaction
 * ends, in key order so two collectors locking overlapping streams do not deadlock, and returns
 * their committed state. A batch another collector committed is then judged a duplicate here.
 */
export async function lockStreams(tx: Transaction, streams: readonly StreamId[], nowMs: number): Promise<Map<string, SequenceState>> {
  const sorted = [...streams].sort((a, b) => (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : a.epoch < b.epoch ? -1 : a.epoch > b.epoch ? 1 : 0));
  const states = new Map<string, SequenceState>();
  const lock = async (part: readonly StreamId[]) => {
    const rows = await tx.all<{ agent_id: string; epoch: string; last_seq: number; holes: string }>(
      `SELECT q.agent_id, q.epoch, q.last_seq, q.holes FROM stream_seq q
        JOIN jsonb_to_recordset(CAST(? AS jsonb)) AS s(agent_id text, epoch text) ON q.agent_id = s.agent_id AND q.epoch = s.epoch
        ORDER BY q.agent_id, q.epoch FOR UPDATE OF q`,
      [JSON.stringify(part.map((s) => ({ agent_id: s.agentId, epoch: s.epoch })))],
    );
    for (const row of rows) states.set(streamKey(row.agent_id, row.epoch), decodeSequence(row.last_seq, row.holes));
  };
  for (const part of slices(sorted)) {
    await lock(part);
    // New streams: a row at 0 first (another collector may insert it at the same time), then its lock.
    const missing = part.filter((s) => !states.has(streamKey(s.agentId, s.epoch)));
    if (missing.length === 0) continue;
    await tx.run(
      `INSERT INTO stream_seq (agent_id, epoch, last_seq, holes, updated_ms)
        SELECT agent_id, epoch, 0, '', CAST(? AS BIGINT) FROM jsonb_to_recordset(CAST(? AS jsonb)) AS s(agent_id text, epoch text)
        ORDER BY agent_id, epoch ON CONFLICT (agent_id, epoch) DO NOTHING`,
      [nowMs, JSON.stringify(missing.map((s) => ({ agent_id: s.agentId, epoch: s.epoch })))],
    );
    await lock(missing);
  }
  return states;
}

export async function saveStreams(tx: Transaction, streams: Iterable<StreamId & { state: SequenceState }>, nowMs: number): Promise<void> {
  const rows = [...streams].map((s) => ({ agent_id: s.agentId, epoch: s.epoch, last_seq: s.state.highest, holes: encodeHoles(s.state) }));
  for (const part of slices(rows)) {
    await tx.run(
      `UPDATE stream_seq q SET last_seq = u.last_seq, holes = u.holes, updated_ms = CAST(? AS BIGINT)
        FROM jsonb_to_recordset(CAST(? AS jsonb)) AS u(agent_id text, epoch text, last_seq bigint, holes text)
        WHERE q.agent_id = u.agent_id AND q.epoch = u.epoch`,
      [nowMs, JSON.stringify(part)],
    );
  }
}

/**
 * The ids of the given series (by key): inserted where new, read where another collector created
 * them first (its kind stays). The unique key makes two collectors agree on one id per series.
 */
export async function allocateSeries(tx: Transaction, created: ReadonlyMap<string, SeriesRef>, nowMs: number): Promise<Map<string, { id: number; kind: MetricKind }>> {
  const rows = [...created].map(([key, s]) => ({ key, metric: s.metric, labels: JSON.stringify(s.labels), kind: s.kind }));
  rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const ids = new Map<string, { id: number; kind: MetricKind }>();
  for (const part of slices(rows)) {
    const inserted = await tx.all<{ id: number; key: string; kind: MetricKind }>(
      `INSERT INTO series (key, metric, labels, kind, created_ms)
        SELECT key, metric, labels, kind, CAST(? AS BIGINT) FROM jsonb_to_recordset(CAST(? AS jsonb)) AS s(key text, metric text, labels text, kind text)
        ORDER BY key ON CONFLICT (key) DO NOTHING RETURNING id, key, kind`,
      [nowMs, JSON.stringify(part)],
    );
    for (const r of inserted) ids.set(r.key, { id: r.id, kind: r.kind });
    const existing = part.filter((r) => !ids.has(r.key)).map((r) => r.key);
    if (existing.length === 0) continue;
    const found = await tx.all<{ id: number; key: string; kind: MetricKind }>('SELECT id, key, kind FROM series WHERE key IN (SELECT jsonb_array_elements_text(CAST(? AS jsonb)))', [JSON.stringify(existing)]);
    for (const r of found) ids.set(r.key, { id: r.id, kind: r.kind });
  }
  return ids;
}
