import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { bearerToken, TokenVerifier } from '../auth/token-verifier.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { CollectorEvents } from '../common/events.js';
import { SEVERITIES } from '../common/severity.js';
import { LiveMetrics } from './live.metrics.js';
import { LIVE_TYPES, onLiveMessages, type LiveMessage, type LiveType } from './live-messages.js';

export const LIVE_PATH = '/ws';
/** Browsers cannot set headers on a WebSocket: they send the token as a subprotocol `vigil-token.<base64url>`. */
export const LIVE_PROTOCOL = 'vigil';
const TOKEN_PROTOCOL_PREFIX = 'vigil-token.';

interface Filters {
  types: ReadonlySet<LiveType>;
  severities: ReadonlySet<string> | null;
  services: ReadonlySet<string> | null;
}

interface Client {
  ws: WebSocket;
  filters: Filters;
  alive: boolean;
}

/** Beyond this many clients new connections get 503 (bounded memory and fan-out cost). */
const MAX_CLIENTS = 200;
/** A client whose unsent data exceeds this misses messages (counted) instead of growing our memory. */
const MAX_BUFFERED_BYTES = 1 << 20;
const PING_INTERVAL_MS = 30_000;

function list(params: URLSearchParams, key: string): string[] | null {
  const values = params.getAll(key).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return values.length ? values : null;
}

/** Parses `?types=incident,agent&severity=critical&service=shop`; returns an error text when invalid. */
export function parseFilters(params: URLSearchParams): Filters | string {
  for (const key of params.keys()) if (!['types', 'severity', 'service', 'token'].includes(key)) return `unknown parameter ${JSON.stringify(key)} (use types, severity, service, token)`;
  const types = list(params, 'types') ?? [...LIVE_TYPES];
  const badType = types.find((t) => !(LIVE_TYPES as readonly string[]).includes(t));
  if (badType) return `unknown type ${JSON.stringify(badType)} (use ${LIVE_TYPES.join(', ')})`;
  const severities = list(params, 'severity');
  const badSeverity = severities?.find((s) => !(SEVERITIES as readonly string[]).includes(s));
  if (badSeverity) return `unknown severity ${JSON.stringify(badSeverity)} (use ${SEVERITIES.join(', ')})`;
  const services = list(params, 'service');
  return { types: new Set(types as LiveType[]), severities: severities && new Set(severities), services: services && new Set(services) };
}

/** Severity and service filters apply to incident messages, the service filter to service states; agent messages carry neither. */
export function matches(filters: Filters, message: LiveMessage): boolean {
  if (!filters.types.has(message.type)) return false;
  if (message.type === 'service') return !filters.services || filters.services.has(message.service.id);
  if (message.type !== 'incident') return true;
  if (filters.severities && !filters.severities.has(message.incident.severity)) return false;
  if (filters.services && (message.incident.service === null || !filters.services.has(message.incident.service))) return false;
  return true;
}

/** The API token a browser sent as subprotocol `vigil-token.<base64url token>`, if any. */
function protocolToken(header: string | undefined): string | undefined {
  const offered = header?.split(',').map((p) => p.trim()).find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX));
  return offered === undefined ? undefined : Buffer.from(offered.slice(TOKEN_PROTOCOL_PREFIX.length), 'base64url').toString('utf8');
}

function reject(socket: Duplex, status: number, reason: string, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
}

/**
 * Live feed over WebSocket at /ws on the collector's HTTP server: incident changes, agent
 * connects/disconnects and service state changes (all from the event bus), filtered per client.
 * Authenticated like the API: an API token (?token=, Authorization: Bearer, or the subprotocol
 * `vigil-token.<base64url>` next to `vigil` for browsers); no token at all is accepted while
 * protect_reads is off. Slow clients lose messages rather than slowing anyone else.
 */
@Injectable()
export class LiveFeed implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('live');
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096, handleProtocols: (offered) => (offered.has(LIVE_PROTOCOL) ? LIVE_PROTOCOL : false) });
  private readonly clients = new Set<Client>();
  private readonly attached = new Map<Server, (req: IncomingMessage, socket: Duplex, head: Buffer) => void>();
  private readonly unsubscribe: Array<() => void> = [];
  private pinger: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly tokens: TokenVerifier,
    private readonly events: CollectorEvents,
    private readonly metrics: LiveMetrics,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() private readonly http?: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    this.metrics.bindClients(() => this.clients.size);
    this.unsubscribe.push(...onLiveMessages(this.events, LIVE_TYPES, (message) => this.deliver(message)));
    this.pinger = setInterval(() => this.ping(), PING_INTERVAL_MS);
    this.pinger.unref();
  }

  /** Serves /ws on the application's own HTTP server (none in a standalone application context). */
  onApplicationBootstrap(): void {
    const server = this.http?.httpAdapter?.getHttpServer() as Server | undefined;
    if (server) this.attach(server);
  }

  /** Serves /ws on `server`. Other upgrade paths are left to other handlers. */
  attach(server: Server): void {
    if (this.closed || this.attached.has(server)) return;
    const handler = (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(server, handler, req, socket, head);
    this.attached.set(server, handler);
    server.on('upgrade', handler);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  async onModuleDestroy(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pinger) clearInterval(this.pinger);
    for (const off of this.unsubscribe.splice(0)) off();
    for (const [server, handler] of this.attached) server.off('upgrade', handler);
    this.attached.clear();
    for (const c of this.clients) c.ws.close(1001, 'collector shutting down');
    // Give clients a moment to answer the close frame, then cut the rest.
    await new Promise((r) => setTimeout(r, 50).unref());
    for (const c of this.clients) c.ws.terminate();
    this.clients.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private upgrade(server: Server, self: unknown, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== LIVE_PATH) {
      // Someone else may serve this path; if nobody does, answer instead of leaving it hanging.
      if (server.listeners('upgrade').every((l) => l === self)) reject(socket, 404, 'Not Found', `no WebSocket endpoint at ${url.pathname}; use ${LIVE_PATH}`);
      return;
    }
    const token = url.searchParams.get('token') ?? bearerToken(req.headers.authorization) ?? protocolToken(req.headers['sec-websocket-protocol']);
    // Without any token the feed follows the API's read rule; a token given must be valid.
    const anonymousRead = token === undefined && !this.tokens.protectReads;
    if (!anonymousRead && !this.tokens.isApiToken(token ?? undefined)) {
      this.metrics.droppedOne('unauthorized');
      return reject(socket, 401, 'Unauthorized', 'a valid API token is required (?token= or Authorization: Bearer <token>)');
    }
    const filters = parseFilters(url.searchParams);
    if (typeof filters === 'string') return reject(socket, 400, 'Bad Request', filters);
    if (this.clients.size >= MAX_CLIENTS) {
      this.metrics.droppedOne('too_many_clients');
      return reject(socket, 503, 'Service Unavailable', `too many live clients (${MAX_CLIENTS})`);
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const client: Client = { ws, filters, alive: true };
      this.clients.add(client);
      ws.on('pong', () => (client.alive = true));
      ws.on('close', () => this.clients.delete(client));
      ws.on('error', () => this.clients.delete(client));
      // Clients only listen; anything they send is ignored.
      ws.send(
        JSON.stringify({
          type: 'hello',
          at: new Date(this.clock.now()).toISOString(),
          filters: { types: [...filters.types], severity: filters.severities && [...filters.severities], service: filters.services && [...filters.services] },
        }),
      );
    });
  }

  /** Sends a message to every client whose filters take it (messages of this collector, and relayed ones). */
  deliver(message: LiveMessage): void {
    if (this.clients.size === 0) return;
    let json: string | undefined;
    for (const c of this.clients) {
      if (c.ws.readyState !== WebSocket.OPEN || !matches(c.filters, message)) continue;
      if (c.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        this.metrics.droppedOne('slow_client');
        continue;
      }
      json ??= JSON.stringify(message);
      c.ws.send(json);
    }
  }

  private ping(): void {
    for (const c of this.clients) {
      if (!c.alive) {
        this.log.warn('terminating unresponsive live client');
        c.ws.terminate();
        this.clients.delete(c);
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }
}
