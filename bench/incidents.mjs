// Incidents benchmark. Run after `npx tsc --build`:  node bench/incidents.mjs
//  1. Rule engine alone: N threshold rules over M series, samples evaluated per second (in process).
//  2. Real collector process, paced gRPC ingest of BENCH_RATE samples/s over 10,000 series, once
//     without rules and once with 1,000 rules (+ one breaching rule with a webhook): collector CPU
//     with and without rules, and breach-to-webhook latency (sample sent → webhook received).
//  3. Notification outbox: entries delivered per second from SQLite to a local HTTP receiver.
//   BENCH_RATE (50000)  BENCH_SECONDS (8 per ingest phase, 4 phases)  BENCH_OUTBOX (5000 entries)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { credentials, makeGenericClientConstructor, Metadata } from '@grpc/grpc-js';
import { IngestService, vigil } from '@vigil/proto';
import { stringify } from 'yaml';
import { fmt, percentile, processUsage, startCollector } from './lib/processes.mjs';

const dist = new URL('../collector/dist/', import.meta.url);
const { RuleEngine } = await import(new URL('incidents/rule-engine.js', dist));
const { rulesSchema, webhookNotifierSchema } = await import(new URL('incidents/incidents.config.js', dist));
const { WebhookNotifier } = await import(new URL('notify/notifiers.js', dist));
const { DeliveryWorker } = await import(new URL('notify/delivery-worker.js', dist));
const { OutboxRepository } = await import(new URL('notify/outbox.repository.js', dist));
const { SqliteDatabase } = await import(new URL('database/sqlite-database.js', dist));
const { migrate } = await import(new URL('database/migrations.js', dist));
const { incidentsAllMigrations } = await import(new URL('incidents/incidents.migrations.js', dist));

const RATE = Number(process.env.BENCH_RATE ?? 50_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const OUTBOX = Number(process.env.BENCH_OUTBOX ?? 5000);
/** The breach series flips this often (each flip to 1 opens or reopens an incident and sends a webhook). */
const FLIP_MS = Number(process.env.BENCH_FLIP_MS ?? 500);
const STREAMS = 100;
const SERIES_PER_STREAM = 100; // 10,000 series
const RULES = 1000;
const TOKEN = 'bench-incidents-token';
const METRIC = 'vigil_bench_value';

/** 1,000 rules on the bench metric, each matching the series of one `cpu` label value: every series is watched by 10 rules. */
const benchRules = () =>
  Array.from({ length: RULES }, (_, i) => ({ name: `bench-${i}`, metric: METRIC, match: { cpu: String(i % SERIES_PER_STREAM) }, op: '>', threshold: 1e15, severity: 'info' }));

/** A local HTTP receiver that records when each request arrived. */
async function receiver() {
  const arrivals = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      arrivals.push({ at: performance.timeOrigin + performance.now(), body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { arrivals, url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

// ---- 1. rule engine alone ----------------------------------------------------------------------

function engineThroughput(ruleCount, seriesCount, rounds) {
  const rules = rulesSchema.parse(
    Array.from({ length: ruleCount }, (_, i) => ({ name: `r${i}`, metric: METRIC, match: { cpu: String(i % 100) }, op: '>', threshold: 1e15 })),
  );
  let transitions = 0;
  const engine = new RuleEngine(rules, () => transitions++);
  // Ingest-shaped batches: 100 series x 1 sample each.
  const batches = [];
  for (let s = 0; s < seriesCount; s += 100) {
    const batch = [];
    for (let k = s; k < Math.min(seriesCount, s + 100); k++) {
      batch.push({ series: { id: k + 1, metric: METRIC, labels: { agent: `a${Math.floor(k / 100)}`, host: `h${Math.floor(k / 100)}`, cpu: String(k % 100) }, kind: 'gauge' }, timestamps: [0], values: [0] });
    }
    batches.push(batch);
  }
  let ts = Date.now();
  const run = () => {
    for (const batch of batches) {
      ts += 1;
      for (const item of batch) {
        item.timestamps[0] = ts;
        item.values[0] = ts % 1000;
      }
      engine.ingest(batch);
    }
  };
  run(); // binds series to rules (first sample of each series)
  const evalBefore = engine.evaluations;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) run();
  const seconds = (performance.now() - t0) / 1000;
  const samples = rounds * seriesCount;
  return { samplesPerSecond: samples / seconds, evaluationsPerSecond: (engine.evaluations - evalBefore) / seconds, nsPerSample: (seconds * 1e9) / samples, transitions };
}

console.log('1. rule engine (in process, one core), ingest-shaped batches of 100 series x 1 sample');
for (const [rules, series] of [
  [100, 10_000],
  [1_000, 10_000],
  [1_000, 100_000],
]) {
  const r = engineThroughput(rules, series, series >= 100_000 ? 5 : 50);
  console.log(
    `   ${fmt(rules).padStart(6)} rules x ${fmt(series).padStart(7)} series: ${fmt(r.samplesPerSecond).padStart(10)} samples/s, ${fmt(r.evaluationsPerSecond).padStart(11)} rule evaluations/s, ${fmt(r.nsPerSample, 0)} ns/sample  => ${fmt((RATE / r.samplesPerSecond) * 100, 1)} % of a core at ${fmt(RATE)} samples/s`,
  );
}

// ---- 2. real collector: CPU with and without rules, breach-to-webhook latency -------------------

/** Paced ingest from STREAMS agents; stream 0 also flips a breach series every `breachEveryMs`. */
async function ingestPhase(grpc, name, seconds, breachEveryMs) {
  const Client = makeGenericClientConstructor(IngestService, 'Ingest');
  const clients = Array.from({ length: 4 }, (_, i) => new Client(grpc, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1, 'channel-id': i }));
  const breaches = []; // wall-clock ms when a breaching sample was written
  const timers = [];
  let running = true;
  let acked = 0;
  const everyMs = (STREAMS * SERIES_PER_STREAM * 1000) / RATE;
  const streams = Array.from({ length: STREAMS }, (_, s) => new Promise((resolve) => {
    const md = new Metadata();
    md.set('authorization', `Bearer ${TOKEN}`);
    const call = clients[s % clients.length].stream(md);
    const labels = Array.from({ length: SERIES_PER_STREAM }, (_, i) => ({ cpu: String(i) }));
    let seq = 0;
    let breaching = false;
    let lastFlip = 0;
    const send = () => {
      if (!running) return;
      seq += 1;
      const ts = Date.now();
      const series = labels.map((l, i) => ({ metric: METRIC, labels: l, timestampsMs: [ts], values: [(i + seq) % 1000] }));
      if (s === 0 && breachEveryMs && ts - lastFlip >= breachEveryMs) {
        breaching = !breaching;
        lastFlip = ts;
        if (breaching) breaches.push(ts);
      }
      if (s === 0 && breachEveryMs) series.push({ metric: 'vigil_bench_breach', labels: {}, timestampsMs: [ts], values: [breaching ? 1 : 0] });
      call.write(vigil.v1.AgentMessage.create({ batch: { seq, series, createdMs: ts } }));
    };
    call.on('data', (m) => {
      if (m.body === 'welcome') timers.push(setTimeout(() => timers.push(setInterval(send, everyMs)), Math.random() * everyMs));
      if (m.body === 'ack') acked += SERIES_PER_STREAM;
    });
    call.on('error', () => resolve());
    call.on('end', resolve);
    call.write(vigil.v1.AgentMessage.create({ hello: { agentId: `bench-${name}-${s}`, hostname: `bench-${s}`, version: 'bench', streamEpoch: 'e1', intervalMs: 10_000 } }));
  }));
  await new Promise((r) => setTimeout(r, 1_000)); // connect, bind series, warm up
  const ackedAtStart = acked;
  const t0 = performance.now();
  return {
    async finish(usageStart) {
      await new Promise((r) => setTimeout(r, seconds * 1000));
      const elapsed = (performance.now() - t0) / 1000;
      const usageEnd = processUsage(usageStart.pid);
      const rate = (acked - ackedAtStart) / elapsed;
      running = false;
      for (const t of timers) clearInterval(t);
      for (const c of clients) c.close();
      await Promise.race([Promise.allSettled(streams), new Promise((r) => setTimeout(r, 2_000))]);
      return { rate, cpu: (usageEnd.cpuSeconds - usageStart.cpuSeconds) / elapsed, breaches };
    },
  };
}

async function collectorPhase(dir, name, withRules, hook) {
  const config = {
    storage: { path: join(dir, `${name}.db`) },
    listen: { grpc: '127.0.0.1:0', http: '127.0.0.1:0' },
    auth: { agent_tokens: [TOKEN] },
    ...(withRules
      ? {
          rules: [...benchRules(), { name: 'bench-breach', metric: 'vigil_bench_breach', op: '>', threshold: 0.5, severity: 'critical' }],
          notifiers: [{ name: 'bench-hook', type: 'webhook', url: `${hook.url}/hook`, secret: 'bench-secret' }],
          // Every breach notifies: no grouping delay, no flap suppression (the bench flips on purpose).
          incidents: { group_wait: '0s', flap_threshold: 0 },
        }
      : {}),
  };
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(config));
  const { child, grpc, http } = await startCollector(['--config', file]);
  // Seconds the collector itself measured in rule evaluation on the ingest path.
  const evaluationSeconds = async () => {
    const text = await (await fetch(`http://${http}/metrics`)).text();
    return Number(/^vigil_rule_evaluation_seconds_total (\S+)$/m.exec(text)?.[1] ?? NaN);
  };
  try {
    const phase = await ingestPhase(grpc, name, SECONDS, withRules ? FLIP_MS : 0);
    const evalStart = await evaluationSeconds();
    const t0 = performance.now();
    const usageStart = { pid: child.pid, ...processUsage(child.pid) };
    const result = await phase.finish(usageStart);
    result.evaluationCpu = (await evaluationSeconds() - evalStart) / ((performance.now() - t0) / 1000);
    await new Promise((r) => setTimeout(r, 500)); // last webhooks
    return result;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-incidents-'));
const hook = await receiver();
try {
  console.log(`\n2. collector process, ${fmt(RATE)} samples/s offered over ${fmt(STREAMS * SERIES_PER_STREAM)} series, ${SECONDS} s per phase, phases alternated (A B A B) against noise`);
  const runs = { base: [], ruled: [] };
  for (let round = 0; round < 2; round++) {
    runs.base.push(await collectorPhase(dir, `no-rules-${round}`, false, hook));
    runs.ruled.push(await collectorPhase(dir, `rules-${round}`, true, hook));
  }
  const mean = (list, key) => list.reduce((sum, r) => sum + r[key], 0) / list.length;
  const cpuList = (list) => list.map((r) => `${fmt(r.cpu * 100, 1)} %`).join(', ');
  const [baseCpu, ruledCpu] = [mean(runs.base, 'cpu'), mean(runs.ruled, 'cpu')];
  console.log(`   without rules        ${fmt(mean(runs.base, 'rate'))} samples/s acked, collector CPU ${fmt(baseCpu * 100, 1)} % of one core (runs: ${cpuList(runs.base)})`);
  console.log(`   with ${fmt(RULES)} rules     ${fmt(mean(runs.ruled, 'rate'))} samples/s acked, collector CPU ${fmt(ruledCpu * 100, 1)} % of one core (runs: ${cpuList(runs.ruled)})`);
  const overhead = (ruledCpu - baseCpu) / baseCpu;
  const direct = mean(runs.ruled, 'evaluationCpu') / baseCpu;
  console.log(`   rule evaluation on the ingest path (vigil_rule_evaluation_seconds_total): ${fmt(mean(runs.ruled, 'evaluationCpu') * 100, 2)} % of one core = ${fmt(direct * 100, 1)} % of ingest CPU (target <= 20 %: ${direct <= 0.2 ? 'met' : 'NOT met'})`);
  // Whole-process CPU varies by several % of a core between identical runs here (an A/B run with
  // 1,000 rules that match nothing came out 13 % *cheaper*), so the direct figure above is the one to judge.
  console.log(`   whole-process difference with rules: ${overhead >= 0 ? '+' : ''}${fmt(overhead * 100, 1)} % of ingest CPU (includes an incident opening and resolving every ${fmt(FLIP_MS * 2)} ms with its webhooks, and run-to-run noise)`);
  // Each trigger webhook belongs to the latest breach written before it arrived.
  const breaches = runs.ruled.flatMap((r) => r.breaches).sort((a, b) => a - b);
  const latencies = [];
  for (const a of hook.arrivals) {
    const body = JSON.parse(a.body);
    if (body.event !== 'trigger') continue;
    const sent = breaches.filter((b) => b <= a.at).at(-1);
    if (sent !== undefined) latencies.push(a.at - sent);
  }
  latencies.sort((x, y) => x - y);
  console.log(
    `   breach → webhook     p50 ${fmt(percentile(latencies, 50), 1)} ms, p99 ${fmt(percentile(latencies, 99), 1)} ms, max ${fmt(latencies.at(-1) ?? NaN, 1)} ms over ${latencies.length} breaches (sample written by the agent → HMAC-signed webhook received), under load`,
  );
  console.log('   Prometheus + Alertmanager defaults on paper: scrape 1 m + evaluation 1 m + group_wait 30 s ≈ 30 s to 2.5 min');

  // ---- 3. outbox throughput ------------------------------------------------------------------
  console.log(`\n3. notification outbox → local webhook receiver, ${fmt(OUTBOX)} entries`);
  for (const concurrency of [4, 16]) {
    hook.arrivals.length = 0;
    const db = await SqliteDatabase.open({ path: join(dir, `outbox-${concurrency}.db`) });
    await migrate(db, incidentsAllMigrations);
    const repo = new OutboxRepository(db);
    const notifier = new WebhookNotifier(webhookNotifierSchema.parse({ name: 'hook', type: 'webhook', url: `${hook.url}/hook`, secret: 's' }));
    const now = Date.now();
    const message = JSON.stringify({ incidentId: 1, fingerprint: 'f', event: 'trigger', repeat: false, refresh: false, state: 'open', rule: 'r', severity: 'warning', service: null, title: 't', description: '', labels: {}, value: 1, startedMs: now, openedMs: now, acknowledgedMs: null, acknowledgedBy: null, resolvedMs: null, url: 'http://localhost/api/incidents/1' });
    const t0 = performance.now();
    await db.transaction((tx) =>
      repo.enqueue(tx, Array.from({ length: OUTBOX }, (_, i) => ({ notifier: 'hook', subject: `incident:${i}`, event: 'trigger', message, idempotencyKey: `k-${i}`, dueMs: now, createdMs: now }))),
    );
    const enqueueMs = performance.now() - t0;
    let delivered = 0;
    const worker = new DeliveryWorker(repo, new Map([['hook', notifier]]), { now: () => Date.now() }, { concurrency, maxAttempts: 3, backoffInitialMs: 1000, backoffMaxMs: 5000, pollIntervalMs: 1000 }, (o) => {
      if (o.outcome === 'delivered') delivered++;
    });
    const t1 = performance.now();
    worker.start();
    while (delivered < OUTBOX) await new Promise((r) => setTimeout(r, 5));
    const seconds = (performance.now() - t1) / 1000;
    await worker.stop();
    await db.close();
    console.log(`   concurrency ${String(concurrency).padStart(2)}: enqueue ${fmt((OUTBOX / enqueueMs) * 1000)} entries/s (one transaction); delivered ${fmt(OUTBOX / seconds)} notifications/s (each: claim, signed POST, 2xx, mark delivered), received ${hook.arrivals.length}`);
  }
} finally {
  await hook.close();
  rmSync(dir, { recursive: true, force: true });
}
