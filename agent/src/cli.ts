// Command-line flags. Flags override environment variables, which override the config file.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Flag name -> config key it sets. */
export const FLAG_KEYS = {
  collector: 'collector',
  token: 'token',
  interval: 'interval',
  'spool-dir': 'spool_dir',
  id: 'id',
  'host-root': 'host_root',
  'log-level': 'log_level',
} as const;

/** Environment variable -> config key it sets. VIGIL_CONFIG names the file instead. */
export const ENV_KEYS = {
  VIGIL_COLLECTOR: 'collector',
  VIGIL_TOKEN: 'token',
  VIGIL_INTERVAL: 'interval',
  VIGIL_SPOOL_DIR: 'spool_dir',
  VIGIL_AGENT_ID: 'id',
  VIGIL_HOST_ROOT: 'host_root',
  VIGIL_LOG_LEVEL: 'log_level',
} as const;

/** Subcommands; without one the agent runs. */
export const COMMANDS = ['check-config'] as const;
export type Command = (typeof COMMANDS)[number];

export interface ParsedFlags {
  command?: Command;
  config?: string;
  values: Partial<Record<(typeof FLAG_KEYS)[keyof typeof FLAG_KEYS], string>>;
  help: boolean;
  version: boolean;
}

export const USAGE = `Usage: vigil-agent [options]
       vigil-agent check-config [--config FILE] [options]   validate the configuration and exit (0: valid, 1: problems)

Options (override VIGIL_* environment variables, which override the config file):
  --config FILE        YAML config file (env VIGIL_CONFIG)
  --collector HOST:PORT[,HOST:PORT...]
                       collector gRPC address(es); the agent fails over between them (env VIGIL_COLLECTOR)
  --token TOKEN        bearer token for the collector (env VIGIL_TOKEN)
  --interval DURATION  sampling interval, e.g. 10s; minimum 1s (env VIGIL_INTERVAL)
  --spool-dir DIR      durable spool directory (env VIGIL_SPOOL_DIR)
  --id ID              agent id; default: the host name, kept in the spool (env VIGIL_AGENT_ID)
  --host-root DIR      where the host's / is mounted, e.g. /host in a container (env VIGIL_HOST_ROOT)
  --log-level LEVEL    debug, info, warn or error (env VIGIL_LOG_LEVEL)
  -h, --help           print this help
  -v, --version        print the version
`;

/** Parses argv (without node and script). Returns problems as messages instead of throwing. */
export function parseFlags(argv: readonly string[]): { flags: ParsedFlags } | { errors: string[] } {
  const options = {
    config: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' },
    ...Object.fromEntries(Object.keys(FLAG_KEYS).map((name) => [name, { type: 'string' }])),
  } as const;
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: options as ParseArgsConfig['options'], strict: true, allowPositionals: true });
  } catch (error) {
    return { errors: [`command line: ${(error as Error).message.split('\n')[0]}`] };
  }
  const [command, ...extra] = parsed.positionals;
  if (command !== undefined && !(COMMANDS as readonly string[]).includes(command)) {
    return { errors: [`command line: unknown command ${JSON.stringify(command)} (commands: ${COMMANDS.join(', ')})`] };
  }
  if (extra.length > 0) return { errors: [`command line: unexpected argument ${JSON.stringify(extra[0])}`] };
  const raw = parsed.values as Record<string, string | boolean | undefined>;
  const values: ParsedFlags['values'] = {};
  for (const [flag, key] of Object.entries(FLAG_KEYS)) {
    const value = raw[flag];
    if (typeof value === 'string') values[key] = value;
  }
  return {
    flags: {
      command: command as Command | undefined,
      config: typeof raw.config === 'string' ? raw.config : undefined,
      values,
      help: raw.help === true,
      version: raw.version === true,
    },
  };
}
