// Builds the agent configuration from defaults < YAML file < VIGIL_* environment < flags, validates it once and
// reports every problem with its key path, the offending value and where that value came from.
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ENV_KEYS, parseFlags, type Command } from '../cli.js';
import { rawConfigSchema, toAgentConfig, type AgentConfig } from './config.schema.js';

export interface ConfigSources {
  argv: readonly string[];
  env: Record<string, string | undefined>;
  cwd: string;
  readFile?: (file: string) => string;
}

export type ConfigResult =
  | { status: 'ok'; config: AgentConfig; configFile?: string; command?: Command }
  | { status: 'help' }
  | { status: 'version' }
  | { status: 'error'; errors: string[]; command?: Command; configFile?: string };

export function loadConfig(sources: ConfigSources): ConfigResult {
  const parsedFlags = parseFlags(sources.argv);
  if ('errors' in parsedFlags) return { status: 'error', errors: parsedFlags.errors };
  const { flags } = parsedFlags;
  if (flags.help) return { status: 'help' };
  if (flags.version) return { status: 'version' };

  const { command } = flags;
  const errors: string[] = [];
  const raw: Record<string, unknown> = {};
  const origin = new Map<string, string>();

  const fileArg = flags.config ?? nonEmptyEnv(sources.env, 'VIGIL_CONFIG');
  let configFile: string | undefined;
  if (fileArg !== undefined) {
    configFile = path.resolve(sources.cwd, fileArg);
    const fromFile = readYaml(configFile, sources.readFile ?? ((f) => readFileSync(f, 'utf8')));
    if ('error' in fromFile) return { status: 'error', errors: [fromFile.error], command, configFile };
    Object.assign(raw, fromFile.value);
  }
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = nonEmptyEnv(sources.env, name);
    if (value === undefined) continue;
    raw[key] = value;
    origin.set(key, `from ${name}`);
  }
  for (const [key, value] of Object.entries(flags.values)) {
    raw[key] = value;
    origin.set(key, `from --${key.replace(/_/g, '-')}`);
  }

  const result = rawConfigSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) errors.push(...formatIssue(issue, raw, origin));
  }
  if (raw.collector === undefined) errors.push('collector: is required (set collector in the config file, VIGIL_COLLECTOR or --collector)');
  if (raw.token === undefined) errors.push('token: is required (set token in the config file, VIGIL_TOKEN or --token)');
  if (!result.success || errors.length > 0) return { status: 'error', errors, command, configFile };

  const config = toAgentConfig({ ...result.data, collector: result.data.collector!, token: result.data.token! }, sources.cwd);
  errors.push(...tlsProblems(config));
  if (errors.length > 0) return { status: 'error', errors, command, configFile };
  return { status: 'ok', config, configFile, command };
}

function nonEmptyEnv(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function readYaml(file: string, read: (file: string) => string): { value: Record<string, unknown> } | { error: string } {
  let text: string;
  try {
    text = read(file);
  } catch (error) {
    return { error: `config file ${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const line = first.linePos?.[0];
    return { error: `config file ${file}${line ? `:${line.line}:${line.col}` : ''}: invalid YAML: ${first.message.split('\n')[0]}` };
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return { value: {} };
  if (typeof value !== 'object' || Array.isArray(value)) return { error: `config file ${file}: the top level must be a mapping of keys` };
  return { value: value as Record<string, unknown> };
}

function valueAt(root: unknown, keys: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of keys) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function formatIssue(issue: z.core.$ZodIssue, raw: Record<string, unknown>, origin: Map<string, string>): string[] {
  const where = issue.path.map(String).join('.');
  const from = origin.get(String(issue.path[0] ?? ''));
  const suffix = from ? ` (${from})` : '';
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(issue.path);
    return issue.keys.map((key) => {
      const guess = closest(key, known);
      return `${where ? `${where}.` : ''}${key}: unknown key${guess ? ` (did you mean ${guess}?)` : ''}`;
    });
  }
  // A custom issue may carry the offending value itself (an item of a comma-separated setting).
  const carried = issue.code === 'custom' ? (issue.params as { value?: unknown } | undefined)?.value : undefined;
  const value = carried ?? valueAt(raw, issue.path);
  const shown = value === undefined ? '' : `${JSON.stringify(value)} `;
  let message: string = issue.message;
  if (issue.code === 'invalid_type') message = `is not a ${issue.expected}`;
  else if (issue.code === 'invalid_value') message = `is not one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  else if (issue.code === 'too_small' && issue.origin === 'number') message = `is below the minimum ${String(issue.minimum)}`;
  else if (issue.code === 'too_big' && issue.origin === 'number') message = `is above the maximum ${String(issue.maximum)}`;
  return [`${where || '(top level)'}: ${shown}${message}${suffix}`];
}

/** Keys the schema accepts at a path, for "did you mean" hints. */
function knownKeysAt(keys: readonly PropertyKey[]): string[] {
  let schema: unknown = rawConfigSchema;
  for (const key of keys) {
    const shape = objectShape(schema);
    if (!shape) return [];
    schema = shape[String(key)];
  }
  return Object.keys(objectShape(schema) ?? {});
}

function objectShape(schema: unknown): Record<string, unknown> | undefined {
  // Unwrap defaults/optionals/pipes to reach the object schema.
  let node = schema as { shape?: Record<string, unknown>; def?: { innerType?: unknown; in?: unknown } } | undefined;
  for (let i = 0; node && i < 8; i++) {
    if (node.shape) return node.shape;
    node = (node.def?.innerType ?? node.def?.in) as typeof node;
  }
  return undefined;
}

function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(word, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

function tlsProblems(config: AgentConfig): string[] {
  const problems: string[] = [];
  const { tls } = config;
  const files = { ca: tls.ca, cert: tls.cert, key: tls.key } as const;
  if (!tls.enabled) {
    const set = [...Object.entries(files).filter(([, v]) => v).map(([k]) => k), ...(tls.serverName ? ['server_name'] : [])];
    if (set.length > 0) problems.push(`tls.enabled: false but tls.${set.join(', tls.')} ${set.length > 1 ? 'are' : 'is'} set (set tls.enabled: true or remove them)`);
    return problems;
  }
  if (tls.cert && !tls.key) problems.push('tls.key: is required when tls.cert is set (mutual TLS needs both)');
  if (tls.key && !tls.cert) problems.push('tls.cert: is required when tls.key is set (mutual TLS needs both)');
  for (const [key, file] of Object.entries(files)) {
    if (!file) continue;
    try {
      accessSync(file, constants.R_OK);
    } catch (error) {
      problems.push(`tls.${key}: ${JSON.stringify(file)} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return problems;
}
