// `npm start`: the embedded default in one command. Starts a collector (API, web console, status
// page) on ./data/vigil.db, a small demo "shop" web server for the sample probes to check, a webhook
// receiver that prints the notifications the collector sends, and one local agent. Ctrl-C stops
// everything once, cleanly.
//
// VIGIL_DEMO_DIR=DIR     keep the database, spool and derived configs in DIR (default ./data)
// VIGIL_DEMO_PORTS=auto  pick free loopback ports for everything (used by the first-hour test)
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const dataDir = resolve(process.env.VIGIL_DEMO_DIR || 'data');
const autoPorts = process.env.VIGIL_DEMO_PORTS === 'auto';
mkdirSync(dataDir, { recursive: true });

const children = [];
let stopping = false;

/**
 * Node flags and environment of an installed bin (its shebang line, `env -S NAME=value node --flag`), so the
 * demo runs with the same memory limits.
 */
function binFlags(bin) {
  const words = readFileSync(bin, 'utf8').split('\n', 1)[0].split(/\s+/);
  const env = Object.fromEntries(words.filter((word) => /^[A-Z_]+=/.test(word)).map((word) => word.split('=', 2)));
  return { flags: words.filter((word) => word.startsWith('--')), env };
}

function start(name, bin, args) {
  // A process group of its own: Ctrl-C in the terminal reaches the demo only, which then stops each
  // child exactly once (a child that got SIGINT from the terminal and SIGTERM from us would
  // take the second signal as "exit now, skip the flush").
  const { flags, env } = binFlags(bin);
  const child = spawn(process.execPath, [...flags, bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...env, ...process.env } });
  children.push(child);
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => console.log(`[${name}] ${line}`));
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[demo] ${name} exited (${signal ?? code}); stopping`);
      stop(1);
    }
  });
  return child;
}

const alive = (child) => child.exitCode === null && child.signalCode === null;

function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  console.log('[demo] stopping (the agent flushes its spool, the collector its state)');
  for (const server of servers) server.close();
  for (const child of children) if (alive(child)) child.kill('SIGTERM');
  const deadline = setTimeout(() => {
    for (const child of children) if (alive(child)) child.kill('SIGKILL');
    process.exit(code);
  }, 10_000);
  deadline.unref();
  Promise.all(children.map((c) => (alive(c) ? new Promise((r) => c.once('exit', r)) : null))).then(() => process.exit(code));
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
// Children live in their own process groups: never leave them behind if the demo dies of an error.
process.on('exit', () => {
  for (const child of children) if (alive(child)) child.kill('SIGKILL');
});

function listen(server, port, what) {
  return new Promise((resolveListen) => {
    server.once('error', (error) => {
      console.error(`[demo] ${what} not started on 127.0.0.1:${port} (${error.message})`);
      resolveListen(undefined);
    });
    server.listen(port, '127.0.0.1', () => resolveListen(server.address().port));
  });
}

const shop = createServer((req, res) => {
  res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'text/plain' });
  res.end(req.url === '/health' ? 'ok\n' : 'not found\n');
});
// The sample webhook notifier points here: the demo prints what the collector would send to a chat or pager.
const webhook = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    try {
      const n = JSON.parse(body);
      const incident = n.incident ?? n;
      console.log(`[webhook] ${n.event ?? 'notification'}: ${incident.title ?? body.slice(0, 120)}${incident.url ? ` (${incident.url})` : ''}`);
    } catch {
      console.log(`[webhook] ${body.slice(0, 160)}`);
    }
    res.writeHead(204).end();
  });
});
const servers = [shop, webhook];

const shopPort = await listen(shop, autoPorts ? 0 : 8000, 'demo shop');
const webhookPort = await listen(webhook, autoPorts ? 0 : 9099, 'webhook receiver');
if (shopPort) console.log(`[demo] demo shop on http://127.0.0.1:${shopPort}/health`);
if (!shopPort) console.error('[demo] the shop probes will report failures');

// The sample configs are used as written; only addresses and paths the demo chose are replaced.
const collectorConfig = readFileSync('examples/collector.yaml', 'utf8')
  .replace('./data/vigil.db', join(dataDir, 'vigil.db'))
  .replace('http://127.0.0.1:9099/hook', `http://127.0.0.1:${webhookPort ?? 9099}/hook`);
const agentConfig = readFileSync('examples/agent.yaml', 'utf8')
  .replace('./data/spool', join(dataDir, 'spool'))
  .replaceAll('127.0.0.1:8000', `127.0.0.1:${shopPort ?? 8000}`);
writeFileSync(join(dataDir, 'collector.yaml'), collectorConfig);
writeFileSync(join(dataDir, 'agent.yaml'), agentConfig);

const collectorArgs = ['--config', join(dataDir, 'collector.yaml')];
if (autoPorts) collectorArgs.push('--grpc-listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0');
const collector = start('collector', 'collector/bin/vigil-collector.js', collectorArgs);
let agentStarted = false;
createInterface({ input: collector.stdout }).on('line', (line) => {
  const http = /http=(\S+)/.exec(line)?.[1];
  const grpc = /grpc=(\S+)/.exec(line)?.[1];
  if (!http || !grpc || agentStarted) return;
  agentStarted = true;
  start('agent', 'agent/bin/vigil-agent.js', ['--config', join(dataDir, 'agent.yaml'), '--collector', grpc]);
  console.log(`
Vigil is running (collector + local agent, SQLite at ${join(dataDir, 'vigil.db')}):
  Console             http://${http}/
  Status page         http://${http}/status
  Prometheus metrics  http://${http}/metrics
  Agents              http://${http}/api/agents
  Series              http://${http}/api/series?metric=vigil_cpu_utilization_ratio
  Services and SLA    http://${http}/api/services
  SLA report (HTML)   http://${http}/api/reports/sla?format=html
  Capacity ranking    http://${http}/api/capacity
  Incidents           http://${http}/api/incidents
Notifications go to the demo webhook receiver and are printed as [webhook] lines.
Press Ctrl-C to stop.
`);
});
