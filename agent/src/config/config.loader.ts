// Builds the agent configuration from defaults < YAML file < VIGIL_* environment < flags, validates it once and
// reports every problem with its key path, the offending value and where that value came from.
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { ENV_KEYS, parseFlags, type Command } from '../cli.js';
import { rawConfigSchema, toAgentConfig, type AgentConfig } from './config.schema.js';
import { validate, type Issue } from '../validate.js';

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

  const result = validate(rawConfigSchema, raw);
  if (!result.ok) {
    for (const issue of result.issues) errors.push(formatIssue(issue, raw, origin));
  }
  if (raw.collector === undefined) errors.push('collector: is required (set collector in the config file, VIGIL_COLLECTOR or --collector)');
  if (raw.token === undefined) errors.push('token: is required (set token in the config file, VIGIL_TOKEN or --token)');
  if (!result.ok || errors.length > 0) return { status: 'error', errors, command, configFile };

  const config = toAgentConfig({ ...result.value, collector: result.value.collector!, token: result.value.token! }, sources.cwd);
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

/** `KEY: VALUE problem (from SOURCE)`; the value is left out when the message names it already. */
function formatIssue(issue: Issue, raw: Record<string, unknown>, origin: Map<string, string>): string {
  const where = issue.path.map(String).join('.');
  const from = origin.get(String(issue.path[0] ?? ''));
  const suffix = from ? ` (${from})` : '';
  const value = 'value' in issue ? issue.value : valueAt(raw, issue.path);
  const shown = issue.selfContained || value === undefined ? '' : `${JSON.stringify(value)} `;
  return `${where || '(top level)'}: ${shown}${issue.message}${suffix}`;
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
