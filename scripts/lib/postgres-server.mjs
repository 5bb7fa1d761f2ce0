// A throwaway PostgreSQL server for tests and benches: Debian's `postgresql` package (installed on
// demand by scripts/ensure-debian-package.sh), a new cluster in a temporary directory, listening on
// an ephemeral loopback port with password authentication. As root, the server runs as the
// unprivileged `postgres` user (initdb refuses root).
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TEST_USER = 'vigil';
export const TEST_PASSWORD = 'vigil-test-password';

/** The directory holding initdb and pg_ctl: $VIGIL_PG_BIN, else the newest /usr/lib/postgresql/N/bin. */
export function findPostgresBin() {
  const candidates = [];
  if (process.env.VIGIL_PG_BIN) candidates.push(process.env.VIGIL_PG_BIN);
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(join(root, v, 'bin'));
  }
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
}

/** {available: true, bin} once the server binaries are here, else {available: false, reason}. Never throws. */
export function ensurePostgres() {
  let bin = findPostgresBin();
  if (bin) return { available: true, bin };
  const result = spawnSync('bash', [join(REPO_ROOT, 'scripts/ensure-debian-package.sh'), 'postgresql'], { encoding: 'utf8', timeout: 600_000 });
  bin = findPostgresBin();
  if (bin) return { available: true, bin };
  const detail = (result.stderr || result.error?.message || `exit ${result.status}`).trim();
  return { available: false, reason: `the Debian package "postgresql" (initdb, pg_ctl) could not be installed: ${detail}` };
}

async function freeLoopbackPort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

function run(command, args, asUser) {
  const [cmd, argv] = asUser ? ['runuser', ['-u', asUser, '--', command, ...args]] : [command, args];
  const result = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout || result.error?.message}`);
  return result.stdout;
}

/**
 * Starts a server. `settings` are extra `-c name=value` server settings (tests turn fsync off;
 * benches keep the defaults). Returns {url, port, dataDir, stop, kill}: `url` names the `postgres`
 * database as user `vigil` with its password; stop() shuts down and removes the directory.
 */
export async function startPostgres({ bin = findPostgresBin(), settings = {} } = {}) {
  if (!bin) throw new Error('PostgreSQL server binaries not found (install the Debian package "postgresql")');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-pg-'));
  const asUser = userInfo().uid === 0 ? 'postgres' : undefined;
  const dataDir = join(dir, 'data');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${TEST_PASSWORD}\n`);
  if (asUser) {
    const ids = run('id', ['-u', asUser]).trim();
    const gid = run('id', ['-g', asUser]).trim();
    chownSync(dir, Number(ids), Number(gid));
    chownSync(pwfile, Number(ids), Number(gid));
  }
  run(join(bin, 'initdb'), ['-D', dataDir, '-U', TEST_USER, '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C', '--no-sync'], asUser);
  const all = { listen_addresses: '127.0.0.1', unix_socket_directories: dir, max_connections: '200', ...settings };
  let port;
  for (let attempt = 0; ; attempt += 1) {
    port = await freeLoopbackPort();
    const options = [`-p ${port}`, ...Object.entries(all).map(([k, v]) => `-c ${k}=${v}`)].join(' ');
    try {
      run(join(bin, 'pg_ctl'), ['-D', dataDir, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start'], asUser);
      break;
    } catch (error) {
      // Another process may have taken the port between the check and the start.
      if (attempt >= 2) throw error;
    }
  }
  const url = `postgres://${TEST_USER}:${TEST_PASSWORD}@127.0.0.1:${port}/postgres`;
  const pgCtl = (mode) => {
    try {
      run(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', mode, '-w', '-t', '30', 'stop'], asUser);
    } catch {
      // Already stopped.
    }
  };
  return {
    url,
    port,
    dataDir,
    stop() {
      pgCtl('fast');
      rmSync(dir, { recursive: true, force: true });
    },
    /** Stops at once, as a crash would (the data directory stays for a restart). */
    kill() {
      pgCtl('immediate');
    },
  };
}

/** `url` with its database replaced by `database`. */
export function databaseUrl(url, database) {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
