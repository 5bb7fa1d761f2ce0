// The agent's gRPC client on node:http2 (agent/src/transport/grpc-http2/) against the real collector binary: the
// statuses the sender acts on come from the collector's own grpc-js server, classified as before.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { vigil } from '@vigil/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyStreamError } from '../agent/src/transport/errors.js';
import type { GrpcStatusError, StatusObject } from '../agent/src/transport/grpc-http2/status.js';
import { openIngestStream, type IngestStream } from '../agent/src/transport/ingest-stream.js';
import { getJson, startCollectorProcess, waitFor, type RunningCollectorProcess } from './support/vigil-processes.js';

const TOKEN = 'http2-agent-token-01';

interface Recorded {
  messages: vigil.v1.CollectorMessage[];
  error?: GrpcStatusError;
  status?: StatusObject;
}

describe('agent gRPC client on node:http2 against the real collector', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-http2-agent-'));
  let collector: RunningCollectorProcess;

  beforeAll(async () => {
    collector = await startCollectorProcess(['--db', path.join(dir, 'vigil.db'), '--grpc-listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--agent-token', TOKEN]);
  }, 60_000);
  afterAll(async () => {
    await collector?.stop('SIGTERM', 5_000);
    rmSync(dir, { recursive: true, force: true });
  });

  function open(token: string): { call: IngestStream; seen: Recorded } {
    const call = openIngestStream({ target: collector.grpc, configured: collector.grpc, host: '127.0.0.1' }, { enabled: false }, token);
    const seen: Recorded = { messages: [] };
    call.on('data', (message: vigil.v1.CollectorMessage) => seen.messages.push(message));
    call.on('error', (error: GrpcStatusError) => (seen.error = error));
    call.on('status', (status: StatusObject) => (seen.status = status));
    return { call, seen };
  }
  const hello = (agentId: string) => ({ hello: { agentId, hostname: `${agentId}-host`, version: 'test', streamEpoch: 'e1', intervalMs: 1000 } });
  const until = (what: string, check: () => boolean) => waitFor(what, () => (check() ? true : undefined), 10_000, 20);

  it('an unknown token ends the call UNAUTHENTICATED (a trailers-only answer), classified as an auth failure', async () => {
    const { call, seen } = open('not-the-token');
    call.write(hello('intruder'));
    await until('the refusal', () => seen.status !== undefined);
    expect(seen.status).toEqual({ code: 16, details: 'missing or unknown agent token' });
    expect(classifyStreamError(seen.error)).toEqual({ kind: 'auth', code: 16, codeName: 'UNAUTHENTICATED', message: 'missing or unknown agent token' });
    expect(seen.messages).toEqual([]);
  });

  it('streams hello, batch and ack; a second stream of the same agent is refused ALREADY_EXISTS; a half-close ends OK', async () => {
    const first = open(TOKEN);
    first.call.write(hello('http2-agent'));
    await until('the Welcome', () => first.seen.messages.length > 0);
    const welcome = first.seen.messages[0]!.welcome!;
    expect(Number(welcome.lastStoredSeq)).toBe(0);
    expect(Number(welcome.maxMessageBytes)).toBeGreaterThan(0);
    const now = Date.now();
    first.call.write({ batch: { seq: 1, createdMs: now, series: [{ metric: 'vigil_http2_test_ratio', labels: { via: 'http2' }, type: 1, timestampsMs: [now], values: [0.25] }] } });
    await until('the ack', () => first.seen.messages.some((m) => Number(m.ack?.seq) === 1));
    const [series] = await getJson<Array<{ id: number }>>(collector.http, '/api/series?metric=vigil_http2_test_ratio&agent=http2-agent');
    const { points } = await getJson<{ points: Array<[number, number]> }>(collector.http, `/api/query?series=${series!.id}`);
    expect(points.map(([, v]) => v)).toEqual([0.25]);

    const second = open(TOKEN);
    second.call.write(hello('http2-agent'));
    await until('the refusal of the second stream', () => second.seen.status !== undefined);
    expect(second.seen.status!.code).toBe(6);
    expect(second.seen.status!.details).toMatch(/^agent http2-agent already has a live stream \(from .+\); refusing this one$/);
    expect(classifyStreamError(second.seen.error).kind).toBe('busy');

    first.call.end();
    await until('the end of the first stream', () => first.seen.status !== undefined);
    expect([first.seen.status, first.seen.error]).toEqual([{ code: 0, details: 'OK' }, undefined]);
  });

  it('a collector killed under an open stream ends it UNAVAILABLE, retryable', async () => {
    const { call, seen } = open(TOKEN);
    call.write(hello('http2-agent-2'));
    await until('the Welcome', () => seen.messages.length > 0);
    await collector.stop('SIGKILL');
    await until('the loss', () => seen.status !== undefined);
    expect(seen.status!.code).toBe(14);
    expect(classifyStreamError(seen.error).kind).toBe('retryable');
  });
});
