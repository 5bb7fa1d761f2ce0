import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { z } from 'zod';

/** The `log:` section of collector.yaml. */
export const logSettingsSchema = z
  .strictObject({
    /** text: one readable line per entry; json: one JSON object per line, for log shippers. */
    format: z.enum(['text', 'json']).default('text'),
  })
  .prefault({});
export type LogSettings = z.infer<typeof logSettingsSchema>;

export const DEFAULT_LOG_LEVELS: LogLevel[] = ['log', 'warn', 'error'];

/**
 * The collector's one logger: Nest and every `new Logger(context)` write through it once it is
 * given to NestFactory. Colours only on a terminal, so piped output and files stay plain text.
 */
export function createCollectorLogger(settings: LogSettings, levels: LogLevel[] = DEFAULT_LOG_LEVELS): ConsoleLogger {
  const json = settings.format === 'json';
  return new ConsoleLogger({
    prefix: 'vigil-collector',
    logLevels: levels,
    json,
    colors: !json && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
  });
}
