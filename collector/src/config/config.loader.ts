import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { collectorConfigSchema, type CollectorConfig } from './config.schema.js';
import { crossChecks } from './cross-checks.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[], source: string) {
    super(`invalid configuration in ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Overrides from the command line, applied on top of the file. */
export interface ConfigOverrides {
  db?: string;
  /** VIGIL_STORAGE_URL: a PostgreSQL URL, which selects storage.driver postgres unless the file chose sqlite. */
  storageUrl?: string;
  grpcListen?: string;
  httpListen?: string;
  agentTokens?: string[];
  apiTokens?: string[];
  metricsTokens?: string[];
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out || '(root)';
}

/** One line per problem, each naming the key path and what is wrong with it. */
export function describeIssues(error: z.ZodError, raw: unknown): string[] {
  return error.issues.map((issue) => {
    const key = formatPath(issue.path);
    if (issue.code === 'unrecognized_keys') return `${formatPath([...issue.path])}: unknown key(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    let value: unknown = raw;
    for (const part of issue.path) value = value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[part] : undefined;
    const shown = value === undefined ? '' : ` (got ${JSON.stringify(value)})`;
    return `${key}: ${issue.message}${shown}`;
  });
}

/** Validates a raw config object (from YAML or a test) and runs every cross-section check. */
export function buildConfig(raw: unknown, overrides: ConfigOverrides = {}, source = 'configuration'): CollectorConfig {
  const input = structuredClone((raw ?? {}) as Record<string, unknown>);
  if (typeof input !== 'object' || Array.isArray(input)) throw new ConfigError(['(root): expected a mapping of keys'], source);
  const section = (name: string): Record<string, unknown> => {
    const current = input[name];
    if (current === undefined || current === null) return (input[name] = {}) as Record<string, unknown>;
    return current as Record<string, unknown>;
  };
  if (overrides.db) section('storage').path = overrides.db;
  if (overrides.storageUrl) {
    const storage = section('storage');
    storage.url = overrides.storageUrl;
    storage.driver ??= 'postgres';
  }
  if (overrides.grpcListen) section('listen').grpc = overrides.grpcListen;
  if (overrides.httpListen) section('listen').http = overrides.httpListen;
  // Tokens given as flags are added to those of the file.
  const addTokens = (key: 'agent_tokens' | 'api_tokens' | 'metrics_tokens', tokens: string[] | undefined) => {
    if (!tokens?.length) return;
    const auth = section('auth');
    auth[key] = [...((auth[key] as string[] | undefined) ?? []), ...tokens];
  };
  addTokens('agent_tokens', overrides.agentTokens);
  addTokens('api_tokens', overrides.apiTokens);
  addTokens('metrics_tokens', overrides.metricsTokens);
  const parsed = collectorConfigSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error, input), source);
  const problems = crossChecks(parsed.data);
  if (problems.length) throw new ConfigError(problems, source);
  return parsed.data;
}

export function loadConfigFile(path: string | undefined, overrides: ConfigOverrides = {}): CollectorConfig {
  if (!path) return buildConfig({}, overrides, 'defaults and flags');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`cannot read file: ${(error as Error).message}`], path);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true }) ?? {};
  } catch (error) {
    throw new ConfigError([`not valid YAML: ${(error as Error).message}`], path);
  }
  return buildConfig(raw, overrides, path);
}
