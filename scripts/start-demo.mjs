// `npm start`: the embedded default in one command. Starts a collector on ./data/vigil.db, a small
// demo "shop" web server on 127.0.0.1:8000 for the sample probes to check, and one local agent.
// Ctrl-C stops everything cleanly.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
mkdirSync('data', { recursive: true });

const children = [];
let stopping = false;

/** Node flags from a script's `#!/usr/bin/env -S node FLAGS` line. */
function shebangNodeFlags(file) {
  const first = readFileSync(file, 'utf8').split('\n', 1)[0];
  const match = /^#!\S*env -S node((?:\s+--\S+)*)\s*$/.exec(first);
  return match ? match[1].trim().split(/\s+/).filter(Boolean) : [];
}

function start(name, args) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
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

function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  shop.close();
  for (const child of children) child.kill('SIGTERM');
  const deadline = setTimeout(() => process.exit(code), 8000);
  deadline.unref();
  Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? null : new Promise((r) => c.once('exit', r))))).then(() => process.exit(code));
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

const shop = createServer((req, res) => {
  res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'text/plain' });
  res.end(req.url === '/health' ? 'ok\n' : 'not found\n');
});
shop.on('error', (error) => console.error(`[demo] shop server not started (${error.message}); the shop probes will report failures`));
shop.listen(8000, '127.0.0.1', () => console.log('[demo] demo shop on http://127.0.0.1:8000/health'));

const collector = start('collector', ['collector/bin/vigil-collector.js', '--config', 'examples/collector.yaml']);
createInterface({ input: collector.stdout }).on('line', (line) => {
  const http = /http=(\S+)/.exec(line)?.[1];
  if (!http || children.length > 1) return;
  // The agent runs with the node flags of its installed binary (its shebang), as `npx vigil-agent` would.
  start('agent', [...shebangNodeFlags('agent/bin/vigil-agent.js'), 'agent/bin/vigil-agent.js', '--config', 'examples/agent.yaml']);
  console.log(`
Vigil is running (collector + local agent, SQLite at ./data/vigil.db):
  Prometheus metrics  http://${http}/metrics
  Agents              http://${http}/api/agents
  Series              http://${http}/api/series?metric=vigil_cpu_utilization_ratio
  Services and SLA    http://${http}/api/services
  SLA report (HTML)   http://${http}/api/reports/sla?format=html
  Capacity ranking    http://${http}/api/capacity
  Incidents           http://${http}/api/incidents
Press Ctrl-C to stop.
`);
});
