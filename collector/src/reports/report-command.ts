import type { CollectorConfig } from '../config/config.schema.js';
import type { CliArgs } from '../cli.js';

/** Renders a report from the stored data without starting the listeners (`vigil-collector report …`). */
export async function runReport(_config: CollectorConfig, args: CliArgs): Promise<{ contentType: string; body: string }> {
  throw new Error(`report ${args.reportKind} is not available yet`);
}
