import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { startProbes, type ProbeConfig, type ProbeRunner } from '../../src/probes/index.js';
import { PROBES_PER_TIMER } from '../../src/probes/probe.runner.js';
import { RunSignal } from '../../src/probes/probe.types.js';
import { close, closedPort, configProblems, listen, parseProbe, parseProbes, RecordingSink } from './helpers.js';

/** Epoch ms with sub-ms precision, so run starts and durations can be compared exactly. */
const preciseClock = { now: () => performance.timeOrigin + performance.now() };
const successOf = (sink: RecordingSink, probe: string) => sink.samples.filter((s) => s.metric === 'vigil_probe_success' && s.labels.probe === probe);
const batchesOf = (sink: RecordingSink, probe: string) => sink.batches.filter((b) => b.samples[0]!.labels.probe === probe);
/** Shorter than the schema allows, to exercise scheduling in a fraction of a second. */
const fast = (config: ProbeConfig, intervalMs: number, timeoutMs: number): ProbeConfig => ({ ...config, intervalMs, timeoutMs });

describe('probe runner', () => {
  let server: Server;
  let base: string;
  const hanging: IncomingMessage[] = [];
  const runners: ProbeRunner[] = [];
  const start = (...args: Parameters<typeof startProbes>) => {
    const runner = startProbes(...args);
    runners.push(runner);
    return runner;
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/hang') hanging.push(req); // never answered
      else res.end('ok');
    });
    base = `http://127.0.0.1:${await listen(server)}`;
  });
  afterAll(async () => {
    await Promise.all(runners.map((runner) => runner.stop()));
    await close(server);
  });

  it('runs probes concurrently: hanging probes delay neither each other nor a fast one', async () => {
    const configs = parseProbes([
      { name: 'hang-a', type: 'http', url: `${base}/hang`, interval: '5s', timeout: '600ms' },
      { name: 'hang-b', type: 'http', url: `${base}/hang`, interval: '5s', timeout: '600ms' },
      { name: 'quick', type: 'http', url: `${base}/ok`, interval: '5s' },
    ]);
    const sink = new RecordingSink();
    const startedAt = performance.now();
    const runner = start(configs, sink, { hostRoot: '/', maxStartDelayMs: 0 });
    await sink.waitFor((s) => s.batches.length === 3);
    const arrival = (name: string) => batchesOf(sink, name)[0]!.atMs - startedAt;
    expect(arrival('quick')).toBeLessThan(200);
    for (const name of ['hang-a', 'hang-b']) {
      expect(arrival(name)).toBeGreaterThanOrEqual(595);
      expect(arrival(name)).toBeLessThan(800); // both cut at 600 ms, not one after the other
    }
    expect(successOf(sink, 'quick').map((s) => s.value)).toEqual([1]);
    expect(successOf(sink, 'hang-a').map((s) => s.value)).toEqual([0]);
    expect(runner.lastResults().map((r) => [r.name, r.last?.success, r.last?.reason])).toEqual([
      ['hang-a', false, 'timeout'],
      ['hang-b', false, 'timeout'],
      ['quick', true, undefined],
    ]);
    await runner.stop();
  });

  it('runs at a fixed rate and never overlaps a run of the same probe', async () => {
    // timeout == interval: every run lasts the whole interval, the tightest case for overlap.
    const config = fast(parseProbe({ name: 'tight', type: 'http', url: `${base}/hang` }), 200, 200);
    const sink = new RecordingSink();
    const origin = preciseClock.now();
    const runner = start([config], sink, { hostRoot: '/', maxStartDelayMs: 0, clock: preciseClock });
    await sink.waitFor((s) => s.batches.length === 5);
    await runner.stop();
    const runs = sink.batches.map((b) => ({ startMs: b.samples[0]!.timestampMs, durationMs: b.samples[1]!.value * 1000 }));
    for (let i = 1; i < runs.length; i++) {
      const previous = runs[i - 1]!;
      // Timestamps and durations come from two clocks; allow for their rounding only.
      expect(runs[i]!.startMs).toBeGreaterThanOrEqual(previous.startMs + previous.durationMs - 1);
      expect(runs[i]!.startMs - origin).toBeGreaterThanOrEqual(i * 200 - 2);
      expect(runs[i]!.startMs - origin).toBeLessThan(i * 200 + 60);
    }
    expect(runner.lastResults()[0]).toMatchObject({ runs: 5, failures: 5, consecutiveFailures: 5, missedRuns: 0, failuresByReason: { timeout: 5 } });
  });

  it('keeps runs on the fixed schedule: the n-th run starts n intervals after the first', async () => {
    const config = fast(parseProbe({ name: 'steady', type: 'http', url: `${base}/ok` }), 150, 100);
    const sink = new RecordingSink();
    const origin = preciseClock.now();
    const runner = start([config], sink, { hostRoot: '/', maxStartDelayMs: 0, clock: preciseClock });
    await sink.waitFor((s) => s.batches.length === 4);
    await runner.stop();
    const starts = sink.batches.map((b) => b.samples[0]!.timestampMs);
    // No drift: lateness of one timer is not carried into the next (libuv timers have ms granularity).
    starts.forEach((startMs, i) => {
      expect(startMs - origin).toBeGreaterThanOrEqual(i * 150 - 2);
      expect(startMs - origin).toBeLessThan(i * 150 + 40);
    });
  });

  it('delays first runs by a random offset below maxStartDelayMs', async () => {
    const config = parseProbe({ name: 'late', type: 'http', url: `${base}/ok`, interval: '1s' });
    const sink = new RecordingSink();
    const startedAt = performance.now();
    start([config], sink, { hostRoot: '/', maxStartDelayMs: 400, random: () => 0.5 });
    await sink.waitFor((s) => s.batches.length === 1);
    expect(sink.batches[0]!.atMs - startedAt).toBeGreaterThanOrEqual(199);
    expect(sink.batches[0]!.atMs - startedAt).toBeLessThan(300);
  });

  it('starts the probes of one interval together, at most PROBES_PER_TIMER on one timer, each other interval on its own', async () => {
    expect(PROBES_PER_TIMER).toBe(4);
    const configs = parseProbes([
      ...['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, type: 'http', url: `${base}/ok`, interval: '1s' })),
      { name: 'slow', type: 'tcp', target: base.slice('http://'.length), interval: '2s' },
    ]);
    // One draw per timer, in the order of their first probes: a-d (100 ms), e (300 ms), slow (200 ms). Timers may fire
    // a millisecond early against the clock of the timestamps.
    const draws = [0.25, 0.75, 0.5];
    const random = () => draws.shift()!;
    const sink = new RecordingSink();
    const origin = preciseClock.now();
    start(configs, sink, { hostRoot: '/', maxStartDelayMs: 400, random, clock: preciseClock });
    await sink.waitFor((s) => s.batches.length === 6);
    expect(draws).toEqual([]);
    const firstStart = (name: string) => successOf(sink, name)[0]!.timestampMs - origin;
    for (const name of ['a', 'b', 'c', 'd']) {
      expect(firstStart(name)).toBeGreaterThanOrEqual(98);
      expect(firstStart(name)).toBeLessThan(140);
      // Started on the same wake-up, one after the other.
      expect(Math.abs(firstStart(name) - firstStart('a'))).toBeLessThan(20);
    }
    expect(firstStart('e')).toBeGreaterThanOrEqual(298);
    expect(firstStart('e')).toBeLessThan(340);
    expect(firstStart('slow')).toBeGreaterThanOrEqual(198);
    expect(firstStart('slow')).toBeLessThan(240);
  });

  it('counts the runs a stalled event loop skipped for every probe of a timer, and keeps probing', async () => {
    const configs = ['x', 'y'].map((name) => fast(parseProbe({ name, type: 'http', url: `${base}/ok` }), 100, 100));
    const logs: string[] = [];
    const logger = { debug: () => undefined, info: () => undefined, warn: (m: string) => logs.push(m) };
    const sink = new RecordingSink();
    const runner = start(configs, sink, { hostRoot: '/', maxStartDelayMs: 0, logger });
    await sink.waitFor((s) => s.batches.length === 2);
    const stalledUntil = performance.now() + 350;
    while (performance.now() < stalledUntil); // the event loop blocked for three intervals and a half
    await sink.waitFor((s) => s.batches.length >= 6);
    await runner.stop();
    const [x, y] = runner.lastResults();
    expect(x!.missedRuns).toBeGreaterThanOrEqual(1);
    expect(y!.missedRuns).toBe(x!.missedRuns);
    for (const name of ['x', 'y']) expect(logs.some((line) => new RegExp(`^probe ${name}: skipped \\d+ run\\(s\\), \\d+ ms behind schedule$`).test(line))).toBe(true);
    expect(x!.runs).toBeGreaterThanOrEqual(3);
    expect(y!.runs).toBeGreaterThanOrEqual(3);
  });

  it('stop() cancels an in-flight run without reporting it, closes its connection, and is idempotent', async () => {
    const config = parseProbe({ name: 'cancelled', type: 'http', url: `${base}/hang`, interval: '5s', timeout: '5s' });
    const sink = new RecordingSink();
    const before = hanging.length;
    const runner = start([config], sink, { hostRoot: '/', maxStartDelayMs: 0 });
    while (hanging.length === before) await new Promise((resolve) => setTimeout(resolve, 5));
    const request = hanging.at(-1)!;
    const closed = new Promise((resolve) => request.socket.once('close', resolve));
    const stopStarted = performance.now();
    const first = runner.stop();
    expect(runner.stop()).toBe(first);
    await first;
    expect(performance.now() - stopStarted).toBeLessThan(100);
    await closed; // the probe's socket was destroyed, not left to the 5 s timeout
    await runner.stop();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sink.batches).toEqual([]);
    expect(runner.lastResults()[0]).toMatchObject({ name: 'cancelled', runs: 0, failures: 0 });
  });

  it('stop() before any run starts leaves nothing scheduled', async () => {
    const config = parseProbe({ name: 'never', type: 'http', url: `${base}/ok`, interval: '1s' });
    const sink = new RecordingSink();
    const runner = start([config], sink, { hostRoot: '/', maxStartDelayMs: 100, random: () => 0.99 });
    await runner.stop();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(sink.batches).toEqual([]);
  });

  it('keeps the last failure for diagnostics and logs a state change once', async () => {
    const config = fast(parseProbe({ name: 'refused', type: 'tcp', target: `127.0.0.1:${await closedPort()}` }), 100, 100);
    const logs: string[] = [];
    const logger = { debug: (m: string) => logs.push(`debug ${m}`), info: (m: string) => logs.push(`info ${m}`), warn: (m: string) => logs.push(`warn ${m}`) };
    const sink = new RecordingSink();
    const runner = start([config], sink, { hostRoot: '/', maxStartDelayMs: 0, logger });
    await sink.waitFor((s) => s.batches.length === 3);
    await runner.stop();
    const [status] = runner.lastResults();
    expect(status).toMatchObject({ name: 'refused', type: 'tcp', target: config.target, runs: 3, failures: 3, consecutiveFailures: 3, sinkErrors: 0, failuresByReason: { connection_refused: 3 } });
    expect(status!.lastFailure).toMatchObject({ success: false, reason: 'connection_refused' });
    expect(status!.lastFailure!.detail).toContain('ECONNREFUSED');
    expect(logs.map((line) => line.split(' ')[0])).toEqual(['info', 'debug', 'debug']);
    expect(logs[0]).toMatch(/^info probe refused \(127\.0\.0\.1:\d+\) failed: connection_refused: /);
  });

  it('counts batches the sink throws on and keeps probing', async () => {
    const config = fast(parseProbe({ name: 'sinkless', type: 'http', url: `${base}/ok` }), 100, 100);
    let calls = 0;
    const sink = { add: () => { calls++; throw new Error('batcher closed'); } };
    const runner = start([config], sink, { hostRoot: '/', maxStartDelayMs: 0 });
    while (calls < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    await runner.stop();
    expect(runner.lastResults()[0]).toMatchObject({ runs: calls, failures: 0, sinkErrors: calls });
  });
});

describe('the example configuration (examples/agent.yaml, the issue\'s contract)', () => {
  const EXAMPLE = readFileSync(fileURLToPath(new URL('../../../examples/agent.yaml', import.meta.url)), 'utf8');

  it('parses as written', () => {
    const { probes } = parseYaml(EXAMPLE) as { probes: unknown[] };
    expect(configProblems(probes)).toEqual([]);
    expect(parseProbes(probes)).toEqual([
      {
        name: 'shop-http', type: 'http', target: 'http://127.0.0.1:8000/health', intervalMs: 5000, timeoutMs: 2000, labels: {},
        url: 'http://127.0.0.1:8000/health', method: 'GET', headers: {}, body: undefined, expectStatus: [200],
        bodyMatch: undefined, bodyNotMatch: undefined, followRedirects: true, tlsVerify: true, ca: undefined,
      },
      {
        name: 'shop-tcp', type: 'tcp', target: '127.0.0.1:8000', intervalMs: 5000, timeoutMs: 5000, labels: {},
        host: '127.0.0.1', port: 8000, send: undefined, expect: undefined, tls: false, tlsVerify: true, ca: undefined,
      },
    ]);
  });

  it('runs against a live service (port swapped for an ephemeral one)', async () => {
    const service = createServer((req, res) => res.writeHead(req.url === '/health' ? 200 : 404).end());
    const port = await listen(service);
    const { probes } = parseYaml(EXAMPLE.replaceAll('8000', String(port))) as { probes: unknown[] };
    const sink = new RecordingSink();
    const runner = startProbes(parseProbes(probes), sink, { hostRoot: '/', maxStartDelayMs: 0 });
    try {
      await sink.waitFor((s) => s.batches.length === 2);
      const byProbe = Object.fromEntries(sink.batches.map((b) => [b.samples[0]!.labels.probe, b.samples.map((s) => [s.metric, s.metric.endsWith('duration_seconds') ? 'd' : s.value])]));
      expect(byProbe).toEqual({
        'shop-http': [['vigil_probe_success', 1], ['vigil_probe_duration_seconds', 'd'], ['vigil_probe_http_status_code', 200]],
        'shop-tcp': [['vigil_probe_success', 1], ['vigil_probe_duration_seconds', 'd']],
      });
    } finally {
      await runner.stop();
      await close(service);
    }
  });
});

describe('RunSignal (the abort of one probe run)', () => {
  it('runs each callback once at the abort, not after unsubscribing, and at once when already aborted', () => {
    const signal = new RunSignal();
    const calls: string[] = [];
    signal.onAbort(() => calls.push('a'));
    const unsubscribe = signal.onAbort(() => calls.push('b'));
    signal.onAbort(() => calls.push(`c:${String(signal.reason)}`));
    unsubscribe();
    expect(signal.aborted).toBe(false);
    signal.abort('timeout');
    signal.abort('again');
    expect([signal.aborted, signal.reason]).toEqual([true, 'timeout']);
    signal.onAbort(() => calls.push('late'));
    expect(calls).toEqual(['a', 'c:timeout', 'late']);
  });
});
