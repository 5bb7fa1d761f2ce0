import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig } from '../config/config.loader.js';
import { configProblems } from '../../test/support/config-problems.js';
import { remoteWriteTargets } from './remote-write.config.js';

describe('remote_write config', () => {
  it('defaults: none; a target gets its url as name, 30 s timeout, 2000 samples per send, backoff 30 ms to 5 s', () => {
    expect(buildConfig({}).remote_write).toEqual([]);
    const [target] = remoteWriteTargets(buildConfig({ remote_write: [{ url: 'http://127.0.0.1:9090/api/v1/write' }] }).remote_write);
    expect(target).toEqual({
      name: 'http://127.0.0.1:9090/api/v1/write',
      url: 'http://127.0.0.1:9090/api/v1/write',
      headers: {},
      timeout: 30_000,
      queue: { max_samples_per_send: 2_000, min_backoff: 30, max_backoff: 5_000, max_pending_samples: 10_000_000 },
    });
  });

  it('takes every key as written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-rw-config-'));
    const token = join(dir, 'token');
    writeFileSync(token, 'secret\n');
    const config = buildConfig({
      remote_write: [{ name: 'mimir', url: 'https://mimir.example.net/api/v1/push', headers: { 'X-Scope-OrgID': 'team-a' }, bearer_token_file: token, timeout: '10s', queue: { max_samples_per_send: 500, min_backoff: '100ms', max_backoff: '1m', max_pending_samples: 1000 } }],
    });
    expect(config.remote_write[0]).toEqual({
      name: 'mimir', url: 'https://mimir.example.net/api/v1/push', headers: { 'X-Scope-OrgID': 'team-a' }, bearer_token_file: token, timeout: 10_000,
      queue: { max_samples_per_send: 500, min_backoff: 100, max_backoff: 60_000, max_pending_samples: 1000 },
    });
  });

  it('refuses bad targets, naming each key', () => {
    expect(configProblems({ remote_write: [{ url: 'ftp://x', name: 'a/b', queue: { max_samples_per_send: 0, max_backoff: 'soon' }, extra: 1 }] })).toEqual([
      'remote_write[0].name: invalid target name (letters, digits, _ . : -, at most 100) (got "a/b")',
      'remote_write[0].url: expected an http(s) URL (got "ftp://x")',
      'remote_write[0].queue.max_samples_per_send: Too small: expected number to be >=1 (got 0)',
      'remote_write[0].queue.max_backoff: invalid duration "soon" (use e.g. 30ms, 5s, 1m) (got "soon")',
      'remote_write[0]: unknown key(s) "extra"',
    ]);
  });

  it('refuses duplicate names, reserved headers, credentials in the url, a missing token file and inverted backoff', () => {
    expect(configProblems({
      remote_write: [
        { url: 'http://127.0.0.1:1/w', headers: { 'content-type': 'text/plain', Authorization: 'x' }, bearer_token_file: '/nonexistent/token' },
        { url: 'http://127.0.0.1:1/w' },
        { url: 'http://user:pw@127.0.0.1:1/w', name: 'lts', queue: { min_backoff: '10s', max_backoff: '1s' } },
      ],
    })).toEqual([
      'remote_write[0].headers.content-type: set by the collector (remote-write protocol); remove it',
      'remote_write[0].headers.Authorization: conflicts with bearer_token_file; use one of them',
      'remote_write[0].bearer_token_file: cannot read /nonexistent/token (ENOENT)',
      'remote_write[1].name: target name "http://127.0.0.1:1/w" is already used by remote_write[0] (each target keeps its own cursor: give it a distinct name)',
      'remote_write[2].url: must not contain credentials (they would show in logs and metric labels); use bearer_token_file or headers',
      'remote_write[2].queue.min_backoff: must not exceed queue.max_backoff (1000 ms), got 10000 ms',
    ]);
  });
});
