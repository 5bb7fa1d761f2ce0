// Several collectors (issue 13): durable ingest on PostgreSQL next to SQLite in the same run, one and
// two collectors sharing one PostgreSQL, and the failover time of the leader's loops.
//   BENCH_STREAMS (default 1000 simulated agents)  BENCH_SERIES (100 per batch)  BENCH_SECONDS (15 per phase)
// PostgreSQL 15 from Debian's package (installed on demand), a throwaway cluster on a loopback port with
// its default durability (fsync on, synchronous_commit on): every ack follows a flushed commit, as on SQLite.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startCollector, processUsage, percentile, fmt } from './lib/processes.mjs';
import { loadSettings, runPhase } from './lib/ingest-load.mjs';
import { ensurePostgres, startPostgres, databaseUrl } from '../scripts/lib/postgres-server.mjs';

const settings = loadSettings();
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const { load: LOAD, token: TOKEN } = settings;

const found = ensurePostgres();
if (!found.available) {
  console.log(`SKIPPED bench/collectors.mjs: ${found.reason}`);
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-collectors-'));
const server = await startPostgres({ bin: found.bin });
const children = [];

async function createDatabase(name) {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  return databaseUrl(server.url, name);
}

async function collector(args, env = {}) {
  const started = await startCollector(['--grpc-listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--agent-token', TOKEN, ...args], { env });
  children.push(started.child);
  return started;
}

async function stop(c, signal = 'SIGTERM') {
  if (c.child.exitCode !== null || c.child.signalCode !== null) return;
  c.child.kill(signal);
  await new Promise((r) => c.child.once('exit', r));
}

async function isLeader(c) {
  const text = await fetch(`http://${c.http}/metrics`).then((r) => r.text()).catch(() => '');
  return /^vigil_leader(\{[^}]*\})? 1$/m.test(text);
}

async function waitUntil(check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

const line = (name, r, extra = '') =>
  console.log(`${name.padEnd(34)} ${fmt(r.rate).padStart(9)} samples/s  ack p50 ${fmt(percentile(r.latencies, 50), 1)} ms  p99 ${fmt(percentile(r.latencies, 99), 1)} ms${r.refusedStreams ? `  ${r.refusedStreams} streams UNAVAILABLE` : ''}${extra}`);

try {
  console.log(`streams ${LOAD.streams} x ${LOAD.series} series per batch, window ${LOAD.window}, ${SECONDS} s per phase; PostgreSQL ${found.bin}`);

  const sqlite = await collector(['--db', join(dir, 'vigil.db')]);
  const onSqlite = await runPhase(sqlite.grpc, 'sqlite', SECONDS, undefined, LOAD, sqlite.child.pid);
  line('SQLite, one collector', onSqlite, `  collector CPU ${fmt((onSqlite.cpuSeconds / onSqlite.elapsed) * 100)} %`);
  await stop(sqlite);

  const oneUrl = await createDatabase('vigil_one');
  const one = await collector([], { VIGIL_STORAGE_URL: oneUrl });
  await runPhase(one.grpc, 'warm', 3, undefined, LOAD, one.child.pid); // creates the series: steady ingest is measured next
  const onPostgres = await runPhase(one.grpc, 'postgres', SECONDS, undefined, LOAD, one.child.pid);
  line('PostgreSQL, one collector', onPostgres, `  collector CPU ${fmt((onPostgres.cpuSeconds / onPostgres.elapsed) * 100)} %, RSS ${fmt(processUsage(one.child.pid).rssBytes / 2 ** 20)} MiB`);
  await stop(one);

  const twoUrl = await createDatabase('vigil_two');
  const a = await collector([], { VIGIL_STORAGE_URL: twoUrl });
  const b = await collector([], { VIGIL_STORAGE_URL: twoUrl });
  const half = { ...LOAD, streams: Math.floor(LOAD.streams / 2) };
  await Promise.all([runPhase(a.grpc, 'warm', 3, undefined, half), runPhase(b.grpc, 'warm', 3, undefined, { ...half, firstAgent: half.streams })]);
  const [ra, rb] = await Promise.all([runPhase(a.grpc, 'two', SECONDS, undefined, half, a.child.pid), runPhase(b.grpc, 'two', SECONDS, undefined, { ...half, firstAgent: half.streams }, b.child.pid)]);
  const both = { rate: ra.rate + rb.rate, latencies: [...ra.latencies, ...rb.latencies].sort((x, y) => x - y), refusedStreams: ra.refusedStreams + rb.refusedStreams };
  line('PostgreSQL, two collectors', both, `  (${fmt(ra.rate)} + ${fmt(rb.rate)})`);

  // Failover: SIGKILL the leader; how long until the other one runs the leader's loops.
  const [leader, follower] = (await isLeader(a)) ? [a, b] : [b, a];
  const killedAt = performance.now();
  await stop(leader, 'SIGKILL');
  const tookOver = await waitUntil(() => isLeader(follower), 30_000);
  const failoverMs = performance.now() - killedAt;
  console.log(`failover (leader SIGKILLed)         ${tookOver ? `${fmt(failoverMs)} ms until the other collector led` : 'NO takeover within 30 s'}`);

  const goal = (ok) => (ok ? 'met' : 'NOT met');
  console.log(`ratio PostgreSQL/SQLite             ${fmt(onPostgres.rate / onSqlite.rate, 2)}x with one collector; two collectors ${fmt(both.rate / onPostgres.rate, 2)}x of one`);
  console.log(`goal one collector on PostgreSQL    >= 0.5x SQLite: ${goal(onPostgres.rate >= onSqlite.rate / 2)}`);
  console.log(`goal two collectors                 > one collector's rate: ${goal(both.rate > onPostgres.rate)} (one 2-core machine runs PostgreSQL, both collectors and the load)`);
  console.log(`goal failover                       <= 15 s: ${goal(tookOver && failoverMs <= 15_000)}`);
} finally {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  server.stop();
  rmSync(dir, { recursive: true, force: true });
}
