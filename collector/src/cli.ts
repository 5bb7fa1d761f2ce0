import { parseArgs } from 'node:util';
import type { z } from 'zod';
import type { ConfigOverrides } from './config/config.loader.js';
import { describeInputIssues } from './api/issue-text.js';

export const USAGE = `Usage:
  vigil-collector [--config FILE] [--db PATH] [--grpc-listen HOST:PORT] [--http-listen HOST:PORT]
                  [--agent-token TOKEN ...] [--api-token TOKEN ...] [--metrics-token TOKEN ...]
  vigil-collector check-config --config FILE
  vigil-collector report sla [--period YYYY-MM] [--service ID] [--format json|csv|html] [--out FILE] [--config FILE] [--db PATH]
  vigil-collector report capacity [--format json|csv|html] [--out FILE] [--config FILE] [--db PATH]

Flags override the config file. A listen port of 0 picks a free port; the chosen ports are printed
on stdout as "grpc=HOST:PORT http=HOST:PORT".`;

export interface CliArgs {
  command: 'serve' | 'check-config' | 'report' | 'help' | 'version';
  reportKind?: string;
  configPath?: string;
  overrides: ConfigOverrides;
  period?: string;
  service?: string;
  format?: string;
  out?: string;
}

export class UsageError extends Error {}

/**
 * Parses flag values with the schema of the matching API query (field = flag name); problems become
 * one UsageError naming the flags: "--format: must be one of json, csv, html".
 */
export function parseCliInput<S extends z.ZodType>(schema: S, flags: Record<string, unknown>): z.infer<S> {
  const result = schema.safeParse(flags, { reportInput: true });
  if (!result.success) throw new UsageError(describeInputIssues(result.error, schema, '--').join('; '));
  return result.data;
}

export function parseCli(argv: string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        db: { type: 'string' },
        'grpc-listen': { type: 'string' },
        'http-listen': { type: 'string' },
        'agent-token': { type: 'string', multiple: true },
        'api-token': { type: 'string', multiple: true },
        'metrics-token': { type: 'string', multiple: true },
        period: { type: 'string' },
        service: { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const overrides: ConfigOverrides = {
    ...(values.db ? { db: values.db } : {}),
    ...(values['grpc-listen'] ? { grpcListen: values['grpc-listen'] } : {}),
    ...(values['http-listen'] ? { httpListen: values['http-listen'] } : {}),
    ...(values['agent-token'] ? { agentTokens: values['agent-token'] } : {}),
    ...(values['api-token'] ? { apiTokens: values['api-token'] } : {}),
    ...(values['metrics-token'] ? { metricsTokens: values['metrics-token'] } : {}),
    ...(process.env.VIGIL_STORAGE_URL ? { storageUrl: process.env.VIGIL_STORAGE_URL } : {}),
  };
  const base = {
    overrides,
    ...(values.config ? { configPath: values.config } : process.env.VIGIL_COLLECTOR_CONFIG ? { configPath: process.env.VIGIL_COLLECTOR_CONFIG } : {}),
    ...(values.period ? { period: values.period } : {}),
    ...(values.service ? { service: values.service } : {}),
    ...(values.format ? { format: values.format } : {}),
    ...(values.out ? { out: values.out } : {}),
  };
  if (values.help) return { command: 'help', ...base };
  if (values.version) return { command: 'version', ...base };
  const [command, kind, ...rest] = positionals;
  if (!command || command === 'serve') return { command: 'serve', ...base };
  if (command === 'check-config') return { command: 'check-config', ...base };
  if (command === 'report') {
    if (kind !== 'sla' && kind !== 'capacity') throw new UsageError(`report needs a kind: sla or capacity (got ${kind ?? 'nothing'})`);
    if (rest.length) throw new UsageError(`unexpected argument ${rest[0]}`);
    return { command: 'report', reportKind: kind, ...base };
  }
  throw new UsageError(`unknown command ${command}`);
}
