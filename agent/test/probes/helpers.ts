// Shared test fixtures for the probe specs: config parsing, a recording sink, loopback servers.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import { createServer as createNetServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Sample, SampleSink } from '../../src/pipeline/types.js';
import { object, validate } from '../../src/validate.js';
import { probeListSchema, type ProbeConfig } from '../../src/probes/index.js';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const fixture = (name: string) => FIXTURES + name;
export const SERVER_KEY = readFileSync(fixture('server.key'));
export const SERVER_CERT = readFileSync(fixture('server.crt'));
export const EXPIRED_KEY = readFileSync(fixture('expired.key'));
export const EXPIRED_CERT = readFileSync(fixture('expired.crt'));

/** A fixed wall clock, so timestamps and certificate days-left are exact. */
export const NOW_MS = 1_800_000_000_000;
export const fixedClock = { now: () => NOW_MS };

/** The `probes:` key of agent.yaml alone. */
export const agentConfig = object({ probes: probeListSchema }, { unknownKeys: 'ignore' });

/** Formats an issue path the way the agent reports it: probes[1].timeout. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i ? '.' : ''}${String(part)}`)).join('');
}

/** Problems of a `probes:` section, one "path: message" line each. */
export function configProblems(probes: unknown): string[] {
  const result = validate(agentConfig, { probes });
  return result.ok ? [] : result.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}

/** Parses a `probes:` section as agent.yaml would and fails loudly on problems. */
export function parseProbes(probes: unknown[]): ProbeConfig[] {
  const result = validate(agentConfig, { probes });
  if (!result.ok) throw new Error(configProblems(probes).join('\n'));
  return result.value.probes;
}

export function parseProbe(probe: Record<string, unknown>): ProbeConfig {
  return parseProbes([probe])[0]!;
}

/** A sink that records what it received and when (ms on the monotonic clock). */
export class RecordingSink implements SampleSink {
  readonly batches: { atMs: number; samples: Sample[] }[] = [];
  add(samples: readonly Sample[]): void {
    this.batches.push({ atMs: performance.now(), samples: [...samples] });
  }
  get samples(): Sample[] {
    return this.batches.flatMap((batch) => batch.samples);
  }
  /** Waits until `predicate` holds, polling; rejects after `timeoutMs`. */
  async waitFor(predicate: (sink: RecordingSink) => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!predicate(this)) {
      if (performance.now() > deadline) throw new Error('condition not reached in time');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

const openSockets = new WeakMap<NetServer, Set<Socket>>();

/** Listens on an ephemeral loopback port; connections are tracked so close() never waits on a peer. */
export async function listen<T extends HttpServer | NetServer>(server: T, host = '127.0.0.1'): Promise<number> {
  const sockets = new Set<Socket>();
  openSockets.set(server, sockets);
  server.on(server instanceof TlsServer ? 'secureConnection' : 'connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // TLS servers: also track sockets that never complete the handshake.
  if (server instanceof TlsServer) server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

export async function close(server: HttpServer | NetServer): Promise<void> {
  for (const socket of openSockets.get(server) ?? []) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A loopback port nothing listens on: bound once, then released. */
export async function closedPort(): Promise<number> {
  const server = createNetServer();
  const port = await listen(server);
  await close(server);
  return port;
}

export async function ipv6Available(): Promise<boolean> {
  const server = createNetServer();
  try {
    await listen(server, '::1');
    await close(server);
    return true;
  } catch {
    return false;
  }
}

/** [metric, value] pairs of a result's samples, for exact comparisons. */
export const pairs = (samples: readonly Sample[]) => samples.map((s) => [s.metric, s.value] as const);
export const valueOf = (samples: readonly Sample[], metric: string) => samples.find((s) => s.metric === metric)?.value;

// ---------- a tiny DNS responder over UDP ----------

export interface DnsZone {
  A?: Record<string, string[]>;
  TXT?: Record<string, string[]>;
}

const TYPE_A = 1;
const TYPE_TXT = 16;

/**
 * Answers A and TXT questions for the names in `zone` (NOERROR with no records for other types of
 * a known name, NXDOMAIN for unknown names). With `silent`, it reads queries and never answers.
 */
export class DnsResponder {
  readonly queries: { name: string; type: number }[] = [];
  private readonly socket: UdpSocket = createSocket('udp4');
  constructor(
    private readonly zone: DnsZone,
    private readonly silent = false,
  ) {}

  async start(): Promise<string> {
    this.socket.on('message', (query, peer) => {
      const response = this.answer(query);
      if (response) this.socket.send(response, peer.port, peer.address);
    });
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
    return `127.0.0.1:${this.socket.address().port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private answer(query: Buffer): Buffer | undefined {
    let offset = 12;
    const labels: string[] = [];
    while (query[offset]! > 0) {
      const length = query[offset]!;
      labels.push(query.subarray(offset + 1, offset + 1 + length).toString('ascii'));
      offset += 1 + length;
    }
    offset += 1;
    const type = query.readUInt16BE(offset);
    const questionEnd = offset + 4;
    const name = labels.join('.').toLowerCase();
    this.queries.push({ name, type });
    if (this.silent) return undefined;

    const known = Object.values(this.zone).some((records) => records && name in records);
    const rdatas: Buffer[] = [];
    if (type === TYPE_A) {
      for (const address of this.zone.A?.[name] ?? []) rdatas.push(Buffer.from(address.split('.').map(Number)));
    } else if (type === TYPE_TXT) {
      for (const text of this.zone.TXT?.[name] ?? []) rdatas.push(Buffer.concat([Buffer.from([text.length]), Buffer.from(text, 'ascii')]));
    }
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0); // id
    header.writeUInt16BE(0x8000 | (query.readUInt16BE(2) & 0x0100) | 0x0080 | (known ? 0 : 3), 2); // QR, RD copied, RA, rcode
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(rdatas.length, 6);
    const answers = rdatas.map((rdata) => {
      const record = Buffer.alloc(12);
      record.writeUInt16BE(0xc00c, 0); // pointer to the question name
      record.writeUInt16BE(type, 2);
      record.writeUInt16BE(1, 4); // IN
      record.writeUInt32BE(60, 6);
      record.writeUInt16BE(rdata.length, 10);
      return Buffer.concat([record, rdata]);
    });
    return Buffer.concat([header, query.subarray(12, questionEnd), ...answers]);
  }
}
