// Collectors sharing one PostgreSQL each serve their own /ws clients; an incident changed or an
// agent connected on one must reach the clients of all. Each collector publishes the live messages
// of its own bus with NOTIFY and LISTENs on a session of its own for the others'.
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import pg from 'pg';
import { CLOCK, type Clock } from '../common/clock.js';
import { CollectorEvents } from '../common/events.js';
import { DATABASE, READ_ONLY } from '../common/tokens.js';
import type { Database } from '../database/database.js';
import { PostgresDatabase } from '../database/postgres-database.js';
import { LEADERSHIP, type Leadership } from '../leadership/leadership.js';
import { LiveFeed } from './live-feed.js';
import { onLiveMessages, type LiveMessage, type LiveType } from './live-messages.js';
import { LiveMetrics } from './live.metrics.js';
import { LiveRelayRepository } from './live-relay.repository.js';

export const LIVE_CHANNEL = 'vigil_live';
/**
 * Events that happen on one collector only. Service states are not relayed: every collector
 * judges them itself from the shared SLA figures, so relaying would send each change twice.
 */
export const RELAYED_TYPES: readonly LiveType[] = ['incident', 'agent'];
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; larger messages go through live_relay. */
const MAX_NOTIFY_BYTES = 7_900;
/** A large message's row is kept this long for the peers to read it. */
const KEEP_LARGE_MS = 60_000;
const RECONNECT_MS = 2_000;

/** What travels on the channel: a message, or the id of its live_relay row; `from` skips our own. */
type Envelope = { from: string; message: LiveMessage } | { from: string; ref: number };

@Injectable()
export class LiveRelay implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('live');
  private readonly unsubscribe: Array<() => void> = [];
  private client: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(LEADERSHIP) private readonly leadership: Leadership,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(READ_ONLY) private readonly readOnly: boolean,
    private readonly repository: LiveRelayRepository,
    private readonly events: CollectorEvents,
    private readonly feed: LiveFeed,
    private readonly metrics: LiveMetrics,
  ) {}

  /** On PostgreSQL: listens for the other collectors' messages (first attempt awaited) and publishes ours. */
  async onApplicationBootstrap(): Promise<void> {
    if (!(this.db instanceof PostgresDatabase) || this.readOnly) return;
    this.unsubscribe.push(...onLiveMessages(this.events, RELAYED_TYPES, (message) => void this.publish(message)));
    await this.listen(this.db);
  }

  async onModuleDestroy(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retry);
    for (const off of this.unsubscribe.splice(0)) off();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async publish(message: LiveMessage): Promise<void> {
    const from = this.leadership.replicaId;
    const payload = JSON.stringify({ from, message } satisfies Envelope);
    try {
      if (Buffer.byteLength(payload) <= MAX_NOTIFY_BYTES) return await this.repository.notify(LIVE_CHANNEL, payload);
      const now = this.clock.now();
      await this.repository.storeAndNotify(LIVE_CHANNEL, JSON.stringify(message), now, now - KEEP_LARGE_MS, (ref) => JSON.stringify({ from, ref } satisfies Envelope));
    } catch (error) {
      this.metrics.droppedOne('relay_failed');
      this.log.warn(`relaying a live ${message.type} message to the other collectors failed: ${(error as Error).message}`);
    }
  }

  private async received(payload: string | undefined): Promise<void> {
    try {
      const envelope = JSON.parse(payload ?? '') as Envelope;
      if (envelope.from === this.leadership.replicaId) return;
      if ('message' in envelope) return this.feed.deliver(envelope.message);
      const stored = await this.repository.payload(envelope.ref);
      if (stored === undefined) throw new Error(`live_relay row ${envelope.ref} is gone`);
      this.feed.deliver(JSON.parse(stored) as LiveMessage);
    } catch (error) {
      this.metrics.droppedOne('relay_failed');
      this.log.warn(`a live message from another collector could not be read: ${(error as Error).message}`);
    }
  }

  private async listen(db: PostgresDatabase): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ ...db.clientConfig(`vigil-live ${this.leadership.replicaId}`), keepAlive: true, connectionTimeoutMillis: 10_000 });
    client.on('notification', (n) => {
      if (n.channel === LIVE_CHANNEL) void this.received(n.payload);
    });
    client.on('error', (error) => this.lost(db, client, error));
    client.on('end', () => this.lost(db, client));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${LIVE_CHANNEL}`);
    } catch (error) {
      this.lost(db, client, error);
    }
  }

  /** The listening session failed: messages of the other collectors are missed until it is back. */
  private lost(db: PostgresDatabase, client: pg.Client, error?: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    void client.end().catch(() => undefined);
    if (this.closed) return;
    this.log.warn(`listening for the other collectors' live messages failed, retrying in ${RECONNECT_MS / 1000} s${error ? `: ${(error as Error).message}` : ''}`);
    this.retry = setTimeout(() => void this.listen(db), RECONNECT_MS);
    this.retry.unref();
  }
}
