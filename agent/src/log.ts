// Minimal leveled logger: one line per event on stderr, no dependencies, never colour codes (logs are read by
// journald, Docker and log shippers far more often than on a terminal). Formats: `text` (timestamp, level,
// message, `key=value` fields) and `json` (one object per line: ts, level, msg, then the fields).

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
const RESERVED_JSON_KEYS = new Set(['ts', 'level', 'msg']);

export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export function createLogger(level: LogLevel, write: (line: string) => void = (line) => process.stderr.write(line), format: LogFormat = 'text'): Logger {
  const min = LOG_LEVELS.indexOf(level);
  const render = format === 'json' ? jsonLine : textLine;
  const emit = (at: LogLevel, message: string, fields?: LogFields): void => {
    if (LOG_LEVELS.indexOf(at) < min) return;
    write(render(new Date().toISOString(), at, message, fields) + '\n');
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

function textLine(ts: string, level: LogLevel, message: string, fields: LogFields | undefined): string {
  let line = `${ts} ${level.padEnd(5)} ${message}`;
  for (const [key, value] of Object.entries(fields ?? {})) {
    if (value === undefined) continue;
    const text = String(value);
    line += ` ${key}=${/[\s"=]/.test(text) || text === '' ? JSON.stringify(text) : text}`;
  }
  return line;
}

function jsonLine(ts: string, level: LogLevel, message: string, fields: LogFields | undefined): string {
  const record: Record<string, unknown> = { ts, level, msg: message };
  for (const [key, value] of Object.entries(fields ?? {})) {
    if (value !== undefined) record[RESERVED_JSON_KEYS.has(key) ? `field_${key}` : key] = value;
  }
  return JSON.stringify(record);
}

/** A logger that discards everything; the default in tests and library use. */
export const silentLogger: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** Logs a message once per key (e.g. per rejection reason) so a recurring problem does not flood the log. */
export class OnceLog {
  private readonly seen = new Set<string>();
  constructor(private readonly maxKeys = 256) {}
  first(key: string): boolean {
    if (this.seen.has(key)) return false;
    if (this.seen.size >= this.maxKeys) return false;
    this.seen.add(key);
    return true;
  }
}
