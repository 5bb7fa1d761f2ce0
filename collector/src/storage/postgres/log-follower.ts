// Keeps the LogMirror in step with the database: fetches the log rows other writers committed
// since the last look (per writer, rows above its cursor: a writer's sequence follows its commit
// order), forgets rows some compactor has moved into chunks, and hands other collectors' samples
// to followPeers listeners. Runs before each read (so a query sees every acked sample of every
// collector) and every pollMs in the background.
import type { SqlReader } from '../../database/database.js';
import { decodeLog } from '../sample-log.js';
import type { LatestPoints } from '../latest-points.js';
import { storageLog } from '../store-stats.js';
import type { SeriesRef, StoredSeriesSamples } from '../storage.types.js';
import type { LogMirror } from './log-mirror.js';

/** Log rows fetched per query (each up to a group commit's size). */
const ROWS_PER_FETCH = 64;

export interface FollowerParts {
  reader: SqlReader;
  mirror: LogMirror;
  latest: LatestPoints;
  /** Whether a writer id is this store's current one: its rows reach the mirror at commit, not here. */
  isOwn(writer: string): boolean;
  /** Refs of series ids, loading those this process does not know yet. */
  seriesRefs(ids: number[]): Promise<Map<number, SeriesRef>>;
}

export class LogFollower {
  private readonly listeners = new Set<(samples: StoredSeriesSamples[]) => void>();
  private generation = -1;
  private running: Promise<void> | undefined;
  private again: Promise<void> | undefined;
  /** Log rows of other writers compacted before this process read them (followPeers missed them). */
  missedRows = 0;

  constructor(private readonly p: FollowerParts) {}

  follow(listener: (samples: StoredSeriesSamples[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Resolves once every row committed before the call is in the mirror. Calls made while a sync
   * runs share the next one.
   */
  sync(): Promise<void> {
    if (!this.running) {
      this.running = this.run().finally(() => (this.running = undefined));
      return this.running;
    }
    this.again ??= this.running.then(() => {
      this.again = undefined;
      return this.sync();
    });
    return this.again;
  }

  private async run(): Promise<void> {
    const { reader, mirror } = this.p;
    // Compactions since the last look: forget the rows they moved (they are in chunks now).
    const state = await reader.get<{ generation: number }>('SELECT generation FROM compaction_state WHERE id = 1');
    if (state && state.generation !== this.generation) {
      const known = mirror.snapshot();
      const present = await reader.all<{ writer: string; writer_seq: number }>('SELECT writer, writer_seq FROM sample_log');
      mirror.retainOnly(present.map((r) => ({ writer: r.writer, seq: r.writer_seq })), known);
      this.generation = state.generation;
    }
    for (;;) {
      const rows = await reader.all<{ writer: string; writer_seq: number; created_ms: number; samples: number; data: Buffer }>(
        `SELECT l.writer, l.writer_seq, l.created_ms, l.samples, l.data FROM sample_log l
          LEFT JOIN jsonb_to_recordset(CAST(? AS jsonb)) AS c(writer text, seq bigint) ON c.writer = l.writer
          WHERE l.writer_seq > COALESCE(c.seq, 0) ORDER BY l.id LIMIT ?`,
        [JSON.stringify(mirror.cursorList()), ROWS_PER_FETCH],
      );
      const peers: Array<{ entries: ReturnType<typeof decodeLog> }> = [];
      for (const row of rows) {
        const known = mirror.cursor(row.writer);
        if (known > 0 && row.writer_seq > known + 1) {
          this.missedRows += row.writer_seq - known - 1;
          storageLog.warn(`followPeers: ${row.writer_seq - known - 1} log rows of ${row.writer} were compacted before this collector read them`);
        }
        const entries = decodeLog(row.data);
        if (!mirror.add({ writer: row.writer, seq: row.writer_seq, createdMs: row.created_ms, entries, samples: row.samples })) continue;
        this.p.latest.update(entries);
        if (!this.p.isOwn(row.writer)) peers.push({ entries });
      }
      if (peers.length && this.listeners.size) await this.emit(peers);
      if (rows.length < ROWS_PER_FETCH) return;
    }
  }

  private async emit(rows: Array<{ entries: ReturnType<typeof decodeLog> }>): Promise<void> {
    const ids = new Set<number>();
    for (const r of rows) for (const e of r.entries) ids.add(e.seriesId);
    const refs = await this.p.seriesRefs([...ids]);
    for (const r of rows) {
      const samples: StoredSeriesSamples[] = [];
      for (const e of r.entries) {
        const series = refs.get(e.seriesId);
        if (series) samples.push({ series, timestamps: Array.from(e.timestamps), values: Array.from(e.values) });
      }
      for (const listener of this.listeners) {
        try {
          listener(samples);
        } catch (error) {
          storageLog.error(`followPeers listener failed: ${(error as Error).stack ?? String(error)}`);
        }
      }
    }
  }
}
