// A remote-write receiver for tests: a real HTTP server on 127.0.0.1 that decodes every request
// (snappy + protobuf WriteRequest), records what it accepted, and answers as the test scripts it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { decodeWriteRequest, type TimeSeries } from '../../src/remote-write/write-request.js';

export interface ScriptedAnswer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Store the request, then hold the answer until this resolves (a request "in flight"). */
  hold?: Promise<void>;
}

export interface ReceivedRequest {
  headers: IncomingMessage['headers'];
  series: TimeSeries[];
  status: number;
  atMs: number;
}

export class RemoteWriteReceiver {
  readonly requests: ReceivedRequest[] = [];
  /** Answers for the next requests, in order; 204 once empty. */
  readonly script: ScriptedAnswer[] = [];
  private server: Server | undefined;
  url = '';

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v1/write`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Samples of accepted (2xx) requests: "metric{labels}" -> timestamps in arrival order. */
  accepted(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const r of this.requests) {
      if (r.status < 200 || r.status >= 300) continue;
      for (const s of r.series) {
        const key = seriesName(s);
        const list = out.get(key) ?? [];
        for (const sample of s.samples) list.push(sample.timestamp);
        out.set(key, list);
      }
    }
    return out;
  }

  acceptedSamples(): number {
    let n = 0;
    for (const list of this.accepted().values()) n += list.length;
    return n;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const answer = this.script.shift() ?? { status: 204 };
    const request: ReceivedRequest = { headers: req.headers, series: decodeWriteRequest(Buffer.concat(chunks)), status: answer.status, atMs: Date.now() };
    // Recorded on arrival: a held request counts as stored even if the sender dies before the answer.
    this.requests.push(request);
    if (answer.hold) await answer.hold;
    res.writeHead(answer.status, answer.headers ?? {}).end(answer.body ?? '');
  }
}

/** "metric{a="1",b="2"}" from a series' labels (sorted, as sent). */
export function seriesName(s: TimeSeries): string {
  const name = s.labels.find((l) => l.name === '__name__')?.value ?? '';
  return `${name}{${s.labels.filter((l) => l.name !== '__name__').map((l) => `${l.name}="${l.value}"`).join(',')}}`;
}
