import type { LoggerService } from '@nestjs/common';

/** A fake logger that keeps `level [context] message` lines. */
export class RecordingLogger implements LoggerService {
  readonly lines: string[] = [];
  private record(level: string, message: unknown, params: unknown[]) {
    const context = params.length ? String(params[params.length - 1]) : '';
    this.lines.push(`${level} [${context}] ${String(message)}`);
  }
  log(message: unknown, ...params: unknown[]) {
    this.record('log', message, params);
  }
  warn(message: unknown, ...params: unknown[]) {
    this.record('warn', message, params);
  }
  error(message: unknown, ...params: unknown[]) {
    this.record('error', message, params);
  }
}
