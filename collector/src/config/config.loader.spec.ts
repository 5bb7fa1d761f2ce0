import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, buildConfig, loadConfigFile } from './config.loader.js';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('collector configuration', () => {
  it('fills defaults', () => {
    const config = buildConfig({});
    expect(config.storage).toEqual({ driver: 'sqlite', path: './data/vigil.db', durability: 'normal', pool_size: 4 });
    expect(config.listen).toEqual({ grpc: '127.0.0.1:7070', http: '127.0.0.1:8080' });
    expect(config.ingest.max_message_bytes).toBe(4 * 1024 * 1024);
    expect(config.ingest.max_age).toBe(7 * 86_400_000);
  });

  it('lets flags override the file', () => {
    const config = buildConfig({ storage: { path: 'a.db' }, auth: { agent_tokens: ['file-token-1'] } }, { db: 'b.db', grpcListen: '127.0.0.1:0', agentTokens: ['flag-token-1'] });
    expect(config.storage.path).toBe('b.db');
    expect(config.listen.grpc).toBe('127.0.0.1:0');
    expect(config.auth.agent_tokens).toEqual(['file-token-1', 'flag-token-1']);
  });

  it('names every bad key and its value', () => {
    const problems = problemsOf(() =>
      buildConfig({ listen: { grpc: 'nope' }, storage: { durability: 'sometimes', pathh: 'x' }, ingest: { max_age: 'forever' }, auth: { agent_tokens: ['short'] } }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'listen.grpc: expected HOST:PORT, e.g. 127.0.0.1:7070 (got "nope")',
        expect.stringMatching(/^storage\.durability: .*"sometimes"/),
        'storage: unknown key(s) "pathh"',
        'ingest.max_age: invalid duration "forever" (use e.g. 30s, 5m, 2h, 7d) (got "forever")',
        'auth.agent_tokens[0]: tokens must be at least 8 characters (got "short")',
      ]),
    );
  });

  it('reports unreadable files and bad YAML with the file name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-config-'));
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'storage: [unclosed');
    expect(() => loadConfigFile(file)).toThrow(new RegExp(`invalid configuration in ${file}:\\n  - not valid YAML`));
    expect(() => loadConfigFile(join(dir, 'missing.yaml'))).toThrow(/cannot read file/);
  });

  it('accepts the sample configuration shipped in examples/', () => {
    const config = loadConfigFile(join(__dirname, '../../../examples/collector.yaml'));
    expect(config.auth.agent_tokens).toEqual(['demo-token']);
    expect(config.listen.grpc).toBe('127.0.0.1:7070');
  });
});
