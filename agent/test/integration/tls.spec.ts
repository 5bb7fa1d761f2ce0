// The agent's TLS options against a real gRPC server on 127.0.0.1 serving TLS and mutual TLS, with a private CA and
// certificates made by openssl for this run.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TlsConfig } from '../../src/config/config.schema.js';
import { createLogger } from '../../src/log.js';
import { Spool } from '../../src/pipeline/spool.js';
import { ReasonCounter } from '../../src/pipeline/types.js';
import { Sender, type SenderOptions } from '../../src/transport/sender.js';
import { makeCertificates } from '../support/certificates.js';
import { FakeCollector } from '../support/fake-collector.mjs';

const TOKEN = 'tls-token';

describe('agent transport over TLS', () => {
  let dir: string;
  let certs: ReturnType<typeof makeCertificates>;
  let collector: FakeCollector | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-tls-'));
    certs = makeCertificates(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await collector?.stop();
  });

  async function startCollector(mutual: boolean): Promise<FakeCollector> {
    collector = new FakeCollector({
      token: TOKEN,
      tls: { cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey), clientCa: mutual ? readFileSync(certs.ca) : undefined },
    });
    await collector.start();
    return collector;
  }

  /** A sender with one spooled batch, started against `target` (or the endpoints given). */
  async function sendOneBatch(target: FakeCollector, tls: TlsConfig, endpoints: Pick<SenderOptions, 'collectors' | 'lookup'> = { collectors: [target.address] }) {
    const spool = await Spool.open({ dir: mkdtempSync(path.join(dir, 'spool-')), maxBytes: 1 << 20, maxAgeMs: 86_400_000 });
    const lines: string[] = [];
    const sender = new Sender({
      ...endpoints,
      token: TOKEN,
      tls,
      spool,
      rejected: new ReasonCounter(),
      heartbeatIntervalMs: 1000,
      hello: { agentId: spool.agentId, hostname: 'tls-test', version: '0.0.0', labels: {}, streamEpoch: spool.streamEpoch, intervalMs: 1000, inventory: {} },
      backoff: { initialMs: 20, maxMs: 100 },
      welcomeTimeoutMs: 2000,
      logger: createLogger('debug', (line) => lines.push(line)),
    });
    cleanups.push(async () => {
      await sender.stop();
      await spool.close();
    });
    await spool.append({ createdMs: Date.now(), sampleCount: 1, series: [{ metric: 'vigil_test_value', labels: {}, type: 0, timestampsMs: [Date.now()], values: [42] }] });
    sender.start();
    return { spool, sender, lines };
  }

  it('delivers over TLS, verifying the collector against a private CA and tls.server_name', async () => {
    const target = await startCollector(false);
    const { spool, sender } = await sendOneBatch(target, { enabled: true, ca: certs.ca, serverName: 'collector.test' });
    expect(await sender.drain(5000)).toBe(true);
    expect(target.batches.map((b) => b.series[0]!.values)).toEqual([[42]]);
    expect(spool.pendingBatches).toBe(0);
  });

  it('refuses a collector whose certificate does not match (wrong CA, or a name the certificate lacks), keeping the data', async () => {
    const target = await startCollector(false);
    const wrongCa = await sendOneBatch(target, { enabled: true, ca: certs.otherCa, serverName: 'collector.test' });
    const wrongName = await sendOneBatch(target, { enabled: true, ca: certs.ca, serverName: 'other.test' });
    for (const attempt of [wrongCa, wrongName]) {
      await target.waitFor(() => attempt.lines.filter((l) => l.includes('collector connection lost')).length >= 2, 5000, 'failed TLS handshakes');
      expect(attempt.spool.pendingBatches).toBe(1);
      expect(attempt.sender.state).not.toBe('streaming');
    }
    expect(target.hellos).toHaveLength(0);
  });

  it('dialing an address a host name resolved to, verifies the certificate against that host name', async () => {
    const target = await startCollector(false);
    // Both names resolve to the collector's address; its certificate names collector.test only.
    const lookup = async () => [{ address: '127.0.0.1' }];
    const named = await sendOneBatch(target, { enabled: true, ca: certs.ca }, { collectors: [`collector.test:${target.port}`], lookup });
    expect(await named.sender.drain(5000)).toBe(true);
    expect(named.sender.collector).toEqual({ target: `127.0.0.1:${target.port}`, configured: `collector.test:${target.port}`, host: 'collector.test' });
    const misnamed = await sendOneBatch(target, { enabled: true, ca: certs.ca }, { collectors: [`other.test:${target.port}`], lookup });
    await target.waitFor(() => misnamed.lines.filter((l) => l.includes('collector connection lost')).length >= 2, 5000, 'failed TLS handshakes');
    expect(misnamed.spool.pendingBatches).toBe(1);
    expect(target.hellos.map((h) => h.agentId)).toEqual([named.spool.agentId]);
  });

  it('delivers over mutual TLS with a client certificate; without one the collector never sees the agent', async () => {
    const target = await startCollector(true);
    const anonymous = await sendOneBatch(target, { enabled: true, ca: certs.ca, serverName: 'collector.test' });
    const withCert = await sendOneBatch(target, { enabled: true, ca: certs.ca, cert: certs.clientCert, key: certs.clientKey, serverName: 'collector.test' });
    expect(await withCert.sender.drain(5000)).toBe(true);
    await target.waitFor(() => anonymous.lines.filter((l) => l.includes('collector connection lost')).length >= 2, 5000, 'refused handshakes');
    expect(target.hellos.map((h) => h.agentId)).toEqual([withCert.spool.agentId]);
    expect(anonymous.spool.pendingBatches).toBe(1);
  });
});
