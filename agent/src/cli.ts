// Command-line flags. Flags override environment variables, which override the config file.

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
  const options: Record<string, ArgOption> = { config: { type: 'string' }, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } };
  for (const name of Object.keys(FLAG_KEYS)) options[name] = { type: 'string' };
  const parsed = parseArgv(argv, options);
  if ('error' in parsed) return { errors: [`command line: ${parsed.error}`] };
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

export interface ArgOption {
  type: 'string' | 'boolean';
  short?: string;
}

type ArgToken = { name: string; rawName: string; value?: string; inlineValue?: boolean } | { positional: string };

/**
 * node:util's `parseArgs` with `strict: true` and `allowPositionals: true`, for options without `multiple` or
 * `default`: the same tokens (short groups, `--name=value`, greedy values, `--`), the same values and positionals,
 * and the first line of its error message. Written out because loading node:util costs the agent 0.2-0.3 MiB of
 * resident memory for this one function (issue 14, docs/agent.md Footprint, thirteenth pass); held to parseArgs
 * over generated command lines (cli.spec.ts).
 */
export function parseArgv(args: readonly string[], options: Record<string, ArgOption>): { values: Record<string, string | boolean>; positionals: string[] } | { error: string } {
  const own = (name: string): ArgOption | undefined => (Object.hasOwn(options, name) ? options[name] : undefined);
  const longFor = (short: string): string => Object.entries(options).find(([, option]) => option.short === short)?.[0] ?? short;
  const takesValue = (name: string): boolean => own(name)?.type === 'string';
  const tokens: ArgToken[] = [];
  const remaining = [...args];
  while (remaining.length > 0) {
    const arg = remaining.shift()!;
    const next = remaining[0];
    if (arg === '--') {
      for (const rest of remaining) tokens.push({ positional: rest });
      break;
    }
    const short = arg.length >= 2 && arg[0] === '-' && arg[1] !== '-';
    if (short && arg.length === 2) {
      const name = longFor(arg[1]);
      const value = takesValue(name) && next !== undefined ? remaining.shift() : undefined;
      tokens.push({ name, rawName: arg, value, inlineValue: value === undefined ? undefined : false });
    } else if (short && !takesValue(longFor(arg[1]))) {
      // A group such as -hv: each letter an option, the rest of the text the value of the first that takes one.
      const expanded: string[] = [];
      for (let i = 1; i < arg.length; i++) {
        if (!takesValue(longFor(arg[i])) || i === arg.length - 1) expanded.push(`-${arg[i]}`);
        else {
          expanded.push(`-${arg.slice(i)}`);
          break;
        }
      }
      remaining.unshift(...expanded);
    } else if (short) {
      tokens.push({ name: longFor(arg[1]), rawName: `-${arg[1]}`, value: arg.slice(2), inlineValue: true });
    } else if (arg.length > 2 && arg.startsWith('--')) {
      if (!arg.includes('=', 3)) {
        const name = arg.slice(2);
        const value = takesValue(name) && next !== undefined ? remaining.shift() : undefined;
        tokens.push({ name, rawName: arg, value, inlineValue: value === undefined ? undefined : false });
      } else {
        const equals = arg.indexOf('=');
        const name = arg.slice(2, equals);
        tokens.push({ name, rawName: `--${name}`, value: arg.slice(equals + 1), inlineValue: true });
      }
    } else {
      tokens.push({ positional: arg });
    }
  }
  const values: Record<string, string | boolean> = Object.create(null);
  const positionals: string[] = [];
  for (const token of tokens) {
    if ('positional' in token) {
      positionals.push(token.positional);
      continue;
    }
    const option = own(token.name);
    if (!option) {
      return { error: `Unknown option '${token.rawName}'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- ${JSON.stringify(token.rawName)}` };
    }
    const shortAndLong = `${option.short ? `-${option.short}, ` : ''}--${token.name}`;
    if (option.type === 'string' && typeof token.value !== 'string') return { error: `Option '${shortAndLong} <value>' argument missing` };
    if (option.type === 'boolean' && token.value != null) return { error: `Option '${shortAndLong}' does not take an argument` };
    if (!token.inlineValue && token.value !== undefined && token.value.length > 1 && token.value[0] === '-') {
      return { error: `Option '${token.rawName}' argument is ambiguous.` };
    }
    if (token.name !== '__proto__') values[token.name] = token.value ?? true;
  }
  return { values, positionals };
}
