// Collectors sharing one PostgreSQL elect the one that runs the leader's loops. The leader holds a
// session advisory lock on a connection of its own: the lock lives exactly as long as that session,
// so a leader that dies (SIGKILL closes its socket; a vanished host is found by TCP keepalives)
// frees it for a standby, which polls for it every few seconds. Each new leader bumps a term in the
// `leadership` table; assertLeader() fences every leader-only write with that term.
import { Logger } from '@nestjs/common';
import pg from 'pg';
import { systemClock, type Clock } from '../common/clock.js';
import type { Transaction } from '../database/database.js';
import { NotLeaderError, defaultReplicaId, type Leadership } from './leadership.js';

/** An arbitrary constant (beside the migrations' 72_700_001): the key of the leader's advisory lock. */
export const LEADER_LOCK_KEY = 72_700_002;
/** The one row of the `leadership` table this election uses. */
const SCOPE = 'collector';
/** A leader whose session failed is likelier the unhealthy one: it leaves the lock to the others this long. */
const DEPOSED_SIT_OUT_POLLS = 2;

export interface PostgresLeadershipOptions {
  /** Settings of the dedicated session (PostgresDatabase.clientConfig). */
  client: pg.ClientConfig;
  replicaId?: string;
  clock?: Clock;
  /** How often a standby tries the lock and the leader checks its session (default 2 s). */
  pollIntervalMs?: number;
  /** Seconds of silence before the server probes the session, between probes, and probes lost (default 5, 2, 3). */
  keepalive?: { idleS: number; intervalS: number; count: number };
  /** The leader steps down when its session does not answer a check within this (default 5 s). */
  checkTimeoutMs?: number;
}

interface Held {
  client: pg.Client;
  term: number;
}

/**
 * The leader election of collectors on PostgreSQL. `start()` connects and makes a first attempt;
 * then every poll a standby tries the lock and the leader checks that its session still holds it,
 * stepping down at once when the session fails. `close()` releases the lock so a standby takes
 * over within one poll.
 */
export class PostgresLeadership implements Leadership {
  readonly replicaId: string;
  private readonly log = new Logger('leadership');
  private readonly listeners = new Set<(leader: boolean) => void>();
  private readonly clock: Clock;
  private readonly pollIntervalMs: number;
  private readonly checkTimeoutMs: number;
  private client: pg.Client | undefined;
  private held: Held | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private closed = false;
  /** Polls a collector that just lost its leader session sits out, so a healthy standby wins. */
  private sitOut = 0;

  constructor(private readonly options: PostgresLeadershipOptions) {
    this.replicaId = options.replicaId ?? defaultReplicaId();
    this.clock = options.clock ?? systemClock;
    this.pollIntervalMs = options.pollIntervalMs ?? 2_000;
    this.checkTimeoutMs = options.checkTimeoutMs ?? 5_000;
  }

  isLeader(): boolean {
    return this.held !== undefined;
  }

  /** The term this collector leads in, undefined when it does not lead. */
  get term(): number | undefined {
    return this.held?.term;
  }

  onChange(listener: (leader: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async assertLeader(tx: Transaction): Promise<void> {
    const held = this.held;
    if (!held) throw new NotLeaderError(`${this.replicaId} is a standby`);
    // FOR SHARE keeps a successor's term bump (an UPDATE of this row) waiting until this transaction
    // ends; a bump that committed first leaves no row with our term.
    const row = await tx.get('SELECT term FROM leadership WHERE scope = ? AND term = CAST(? AS BIGINT) AND holder = ? FOR SHARE', [SCOPE, held.term, this.replicaId]);
    if (!row) {
      this.dropSession(`term ${held.term} was replaced by a newer one`, held.client);
      throw new NotLeaderError(`${this.replicaId} lost term ${held.term} to a newer leader`);
    }
  }

  /** Connects and tries the lock once, then keeps polling. */
  async start(): Promise<void> {
    if (this.polling || this.closed) return;
    await this.poll();
    this.schedule();
  }

  /** Stops polling and releases the lock (closing the session releases it too). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    await this.polling;
    const client = this.client;
    this.client = undefined;
    if (this.held) this.stepDown(this.held, 'shutting down');
    if (!client) return;
    await client.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
    await client.end().catch(() => undefined);
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      void this.poll().finally(() => this.schedule());
    }, this.pollIntervalMs);
    this.timer.unref();
  }

  private poll(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.polling ??= (this.held ? this.check(this.held) : this.tryAcquire()).finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async tryAcquire(): Promise<void> {
    if (this.sitOut > 0) {
      this.sitOut--;
      return;
    }
    try {
      const client = this.client ?? (await this.connect());
      const row = await this.query<{ locked: boolean }>(client, 'SELECT pg_try_advisory_lock($1) AS locked', [LEADER_LOCK_KEY]);
      if (!row?.locked || this.closed) return;
      const term = await this.bumpTerm(client);
      this.held = { client, term };
      this.log.log(`${this.replicaId} became the leader (term ${term})`);
      this.notify(true);
    } catch (error) {
      this.dropSession(`trying the leader lock failed: ${messageOf(error)}`);
    }
  }

  /**
   * A new term for the new leader. The UPDATE waits for fenced transactions of the deposed leader
   * that are still running (they hold the row FOR SHARE), so none of them commits after this.
   */
  private async bumpTerm(client: pg.Client): Promise<number> {
    const row = await this.query<{ term: number }>(
      client,
      `INSERT INTO leadership (scope, term, holder, since_ms) VALUES ($1, 1, $2, $3)
       ON CONFLICT (scope) DO UPDATE SET term = leadership.term + 1, holder = excluded.holder, since_ms = excluded.since_ms
       RETURNING term`,
      [SCOPE, this.replicaId, this.clock.now()],
      // Waiting behind a deposed leader's fenced transaction is expected; a session that hangs is not.
      this.checkTimeoutMs * 6,
    );
    return row!.term;
  }

  /** The leader's check: the session answers, still holds the lock, and no newer term exists. */
  private async check(held: Held): Promise<void> {
    try {
      const row = await this.query<{ locked: boolean; term: number | null }>(
        held.client,
        `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND classid = 0 AND objid = $1 AND objsubid = 1 AND granted) AS locked,
                (SELECT term FROM leadership WHERE scope = $2) AS term`,
        [LEADER_LOCK_KEY, SCOPE],
      );
      if (!row?.locked) this.dropSession('the session no longer holds the leader lock');
      else if (row.term !== held.term) this.dropSession(`term ${row.term} replaced term ${held.term}`);
    } catch (error) {
      this.dropSession(`the leader's session failed: ${messageOf(error)}`);
    }
  }

  private async connect(): Promise<pg.Client> {
    const keepalive = this.options.keepalive ?? { idleS: 5, intervalS: 2, count: 3 };
    const client = new pg.Client({
      ...this.options.client,
      keepAlive: true,
      keepAliveInitialDelayMillis: keepalive.idleS * 1000,
      // A server that does not answer must not hold up the start (or a standby's poll) for long.
      connectionTimeoutMillis: this.checkTimeoutMs * 2,
    });
    // Errors of the socket arrive here as well as in the running query; either way the session is gone.
    client.on('error', (error) => this.dropSession(`the leader session failed: ${messageOf(error)}`, client));
    client.on('end', () => this.dropSession('the leader session closed', client));
    this.client = client;
    await client.connect();
    // The server probes an idle session this way, so the lock of a leader whose host vanished is
    // released after idle + interval * count seconds rather than the kernel's two hours.
    await client.query(`SET tcp_keepalives_idle = ${keepalive.idleS}; SET tcp_keepalives_interval = ${keepalive.intervalS}; SET tcp_keepalives_count = ${keepalive.count}`);
    return client;
  }

  private async query<T>(client: pg.Client, text: string, values: unknown[], timeoutMs = this.checkTimeoutMs): Promise<T | undefined> {
    const result = await client.query<T & pg.QueryResultRow>({ text, values, query_timeout: timeoutMs } as pg.QueryConfig);
    return result.rows[0];
  }

  /** Steps down (if leading) and throws the session away; the next poll connects again. */
  private dropSession(reason: string, only?: pg.Client): void {
    const client = this.client;
    if (!client || (only && only !== client)) return;
    this.client = undefined;
    if (this.held) this.stepDown(this.held, reason);
    else if (!this.closed) this.log.warn(`${this.replicaId}: ${reason}`);
    // Ending the session releases the lock on the server if it still held it.
    void client.end().catch(() => undefined);
  }

  private stepDown(held: Held, reason: string): void {
    if (this.held !== held) return;
    this.held = undefined;
    this.sitOut = DEPOSED_SIT_OUT_POLLS;
    this.log.warn(`${this.replicaId} stepped down from term ${held.term}: ${reason}`);
    this.notify(false);
  }

  private notify(leader: boolean): void {
    for (const listener of this.listeners) {
      try {
        listener(leader);
      } catch (error) {
        this.log.error(`a leadership listener failed: ${messageOf(error)}`);
      }
    }
  }
}

/** A session failure is expected here (that is what the election is for): its message, no stack. */
function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
