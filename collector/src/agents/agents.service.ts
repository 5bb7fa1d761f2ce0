import { Inject, Injectable, Logger, Optional, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock.js';
import { CollectorEvents } from '../common/events.js';
import { DATABASE } from '../common/tokens.js';
import { WriteCoalescer } from '../common/write-coalescer.js';
import type { Database } from '../database/database.js';
import { AgentsRepository, type AgentRow } from './agents.repository.js';

/** How a source sends: a Vigil agent over gRPC, or a sender on one of the HTTP receivers. */
export type SourceKind = 'agent' | 'remote_write' | 'otlp';

/** Receiver sources are registered as `<kind>:<sender>` (receivers/receiver-source.ts). */
export function sourceKindOf(id: string): SourceKind {
  if (id.startsWith('remote_write:')) return 'remote_write';
  if (id.startsWith('otlp:')) return 'otlp';
  return 'agent';
}

/** A receiver source counts as connected while it sent within this window (it holds no stream). */
const RECEIVER_CONNECTED_MS = 5 * 60_000;

export interface AgentView {
  id: string;
  kind: SourceKind;
  hostname: string;
  version: string;
  labels: Record<string, string>;
  connected: boolean;
  lastSeen: number;
  intervalMs: number;
  inventory: Record<string, string>;
  spoolPending: number;
  spoolDropped: number;
}

export interface AgentHello {
  id: string;
  hostname: string;
  version: string;
  labels: Record<string, string>;
  inventory: Record<string, string>;
  intervalMs: number;
}

/** How often last-seen times reach the database (they are kept in memory in between). */
const FLUSH_INTERVAL_MS = 5_000;

/**
 * The agent registry: who is connected now (in memory, per open stream) and what every agent last
 * said (persisted). Last-seen updates are batched so heartbeats do not each cost a write.
 */
@Injectable()
export class AgentsService implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('agents');
  private readonly agents = new Map<string, AgentRow>();
  private readonly streams = new Map<string, number>();
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  /** Rows of agents that (re)connected, written together: after a restart every agent says hello at once. */
  private readonly rows: WriteCoalescer<AgentRow>;
  /** Other collectors share the database (PostgreSQL): their agents' rows are read back on each flush. */
  private readonly hasPeers: boolean;

  constructor(
    private readonly repository: AgentsRepository,
    private readonly events: CollectorEvents,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(DATABASE) database?: Pick<Database, 'dialect'>,
  ) {
    this.hasPeers = database?.dialect === 'postgres';
    this.rows = new WriteCoalescer((rows) => this.repository.upsertMany(rows));
  }

  async onModuleInit(): Promise<void> {
    for (const row of await this.repository.all()) this.agents.set(row.id, row);
    this.timer = setInterval(() => void this.flush().catch((e: unknown) => this.log.error(`flush failed: ${(e as Error).message}`)), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** A stream said hello: record the agent and count it connected. */
  async connected(hello: AgentHello): Promise<void> {
    const now = this.clock.now();
    const previous = this.agents.get(hello.id);
    const row: AgentRow = {
      ...hello,
      firstSeenMs: previous?.firstSeenMs ?? now,
      lastSeenMs: now,
      spoolPending: previous?.spoolPending ?? 0,
      spoolDropped: previous?.spoolDropped ?? 0,
    };
    this.agents.set(hello.id, row);
    await this.rows.add(row);
    const streams = (this.streams.get(hello.id) ?? 0) + 1;
    this.streams.set(hello.id, streams);
    if (streams === 1) this.events.emit('agent', { agentId: hello.id, hostname: hello.hostname, connected: true, atMs: now });
  }

  disconnected(agentId: string): void {
    const streams = (this.streams.get(agentId) ?? 1) - 1;
    if (streams > 0) {
      this.streams.set(agentId, streams);
      return;
    }
    this.streams.delete(agentId);
    const agent = this.agents.get(agentId);
    this.events.emit('agent', { agentId, hostname: agent?.hostname ?? '', connected: false, atMs: this.clock.now() });
  }

  /** A receiver request arrived from a sender (no stream: it counts as connected while it keeps sending). */
  async sourceSeen(source: { id: string; hostname: string; version: string }): Promise<void> {
    const known = this.agents.get(source.id);
    if (known) {
      known.lastSeenMs = this.clock.now();
      this.dirty.add(source.id);
      return;
    }
    const now = this.clock.now();
    const row: AgentRow = { ...source, labels: {}, inventory: {}, intervalMs: 0, firstSeenMs: now, lastSeenMs: now, spoolPending: 0, spoolDropped: 0 };
    this.agents.set(source.id, row);
    await this.rows.add(row);
  }

  /** Data or a heartbeat arrived. */
  seen(agentId: string, spool?: { pending: number; dropped: number }): void {
    const agent = this.agents.get(agentId);
    if (!agent) return;
    agent.lastSeenMs = this.clock.now();
    if (spool) {
      agent.spoolPending = spool.pending;
      agent.spoolDropped = spool.dropped;
    }
    this.dirty.add(agentId);
  }

  isConnected(agentId: string): boolean {
    return this.streams.has(agentId);
  }

  connectedCount(): number {
    return this.streams.size;
  }

  hostnameOf(agentId: string): string | undefined {
    return this.agents.get(agentId)?.hostname;
  }

  list(): AgentView[] {
    const now = this.clock.now();
    return [...this.agents.values()]
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((a) => ({
        id: a.id,
        kind: sourceKindOf(a.id),
        hostname: a.hostname,
        version: a.version,
        labels: a.labels,
        connected: this.streams.has(a.id) || this.connectedElsewhere(a, now),
        lastSeen: a.lastSeenMs,
        intervalMs: a.intervalMs,
        inventory: a.inventory,
        spoolPending: a.spoolPending,
        spoolDropped: a.spoolDropped,
      }));
  }

  /**
   * A source without a stream here that counts as connected: a receiver sender that sent lately, or
   * (collectors sharing PostgreSQL) an agent whose collector wrote its last seen lately. Collectors
   * write last seen every FLUSH_INTERVAL_MS, so an agent counts as connected elsewhere until three
   * of its intervals, and at least three flushes, passed without a word.
   */
  private connectedElsewhere(a: AgentRow, now: number): boolean {
    if (sourceKindOf(a.id) !== 'agent') return now - a.lastSeenMs <= RECEIVER_CONNECTED_MS;
    return this.hasPeers && now - a.lastSeenMs <= Math.max(3 * a.intervalMs, 3 * FLUSH_INTERVAL_MS);
  }

  private async flush(): Promise<void> {
    await this.writeDirty();
    if (this.hasPeers) await this.readPeers();
  }

  /**
   * Agents streaming to other collectors: every collector writes its agents' last seen every few
   * seconds, so reading the rows back keeps last seen current here too (the leader's agent_down
   * rule reads it). An agent with a stream here keeps what this collector knows.
   */
  private async readPeers(): Promise<void> {
    for (const row of await this.repository.all()) {
      const known = this.agents.get(row.id);
      if (known && this.streams.has(row.id)) continue;
      this.agents.set(row.id, { ...row, lastSeenMs: Math.max(row.lastSeenMs, known?.lastSeenMs ?? 0) });
    }
  }

  private async writeDirty(): Promise<void> {
    if (this.dirty.size === 0) return;
    const updates = [...this.dirty].flatMap((id) => {
      const a = this.agents.get(id);
      return a ? [{ id, lastSeenMs: a.lastSeenMs, spoolPending: a.spoolPending, spoolDropped: a.spoolDropped }] : [];
    });
    this.dirty.clear();
    await this.repository.touch(updates);
  }
}
