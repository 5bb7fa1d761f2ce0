// node_exporter's textfile collector in the agent: on every tick, the *.prom files of one directory (written by
// cron jobs and scripts) are read as Prometheus text and forwarded like a scrape target named "textfile". A
// file that cannot be read or parsed is reported (metric and log), never fatal; the other files still count.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { monotonicMs } from '../builtins.js';
import { formatBytes } from '../config/units.js';
import type { Logger } from '../log.js';
import { ReasonCounter, sample, type Sample, type Sampler } from '../pipeline/types.js';
import { parseExposition, type ExpositionSample } from './exposition.js';
import { SCRAPE_REJECT_REASONS, toSamples } from './scrape.mapping.js';
import { healthSamples, type ScrapeOutcome } from './scrape.health.js';
import { TEXTFILE_TARGET, type TextfileConfig } from '../config/scrape.types.js';

export const TEXTFILE_METRICS = {
  error: 'vigil_textfile_scrape_error',
  mtime: 'vigil_textfile_mtime_seconds',
} as const;

export class TextfileSampler implements Sampler {
  readonly name = 'textfile';
  readonly rejected = new ReasonCounter(SCRAPE_REJECT_REASONS);
  /** Last error logged per file, so a broken file is logged once, not every tick. */
  private readonly logged = new Map<string, string>();

  constructor(
    private readonly config: TextfileConfig,
    private readonly logger: Logger,
  ) {}

  async collect(nowMs: number): Promise<Sample[]> {
    const started = monotonicMs();
    const fileHealth: Sample[] = [];
    let outcome: ScrapeOutcome;
    try {
      const names = (await readdir(this.config.dir)).filter((name) => name.endsWith('.prom')).sort();
      const parsed: ExpositionSample[] = [];
      for (const name of names) {
        const result = await this.readOne(name);
        const labels = { file: name };
        fileHealth.push(sample(TEXTFILE_METRICS.error, 'gauge', 'error' in result ? 1 : 0, nowMs, labels));
        if (result.mtimeSeconds !== undefined) fileHealth.push(sample(TEXTFILE_METRICS.mtime, 'gauge', result.mtimeSeconds, nowMs, labels));
        if ('error' in result) this.logOnce(name, result.error);
        else {
          this.logged.delete(name);
          parsed.push(...result.samples);
        }
      }
      outcome = { status: 'up', samples: toSamples(parsed, { target: TEXTFILE_TARGET, labels: {}, maxSeries: this.config.maxSeries }, nowMs, this.rejected) };
    } catch (error) {
      outcome = { status: 'down', error: (error as NodeJS.ErrnoException).code ?? String(error) };
      this.logOnce('', `cannot list textfile_dir ${this.config.dir}: ${outcome.error}`);
    }
    const health = healthSamples(TEXTFILE_TARGET, outcome, (monotonicMs() - started) / 1000, this.rejected, nowMs);
    return [...(outcome.status === 'up' ? outcome.samples : []), ...fileHealth, ...health];
  }

  private async readOne(name: string): Promise<({ samples: ExpositionSample[] } | { error: string }) & { mtimeSeconds?: number }> {
    const file = path.join(this.config.dir, name);
    try {
      const info = await stat(file);
      const mtimeSeconds = info.mtimeMs / 1000;
      if (!info.isFile()) return { error: 'not a regular file', mtimeSeconds };
      if (info.size > this.config.maxBytes) return { error: `${info.size} bytes is larger than the limit ${formatBytes(this.config.maxBytes)}`, mtimeSeconds };
      const parsed = parseExposition(await readFile(file, 'utf8'), 'prometheus');
      return parsed.status === 'ok' ? { samples: parsed.samples, mtimeSeconds } : { error: parsed.error, mtimeSeconds };
    } catch (error) {
      // Removed between readdir and read (a script replacing it): no mtime, reported as an error this tick.
      return { error: (error as NodeJS.ErrnoException).code ?? String(error) };
    }
  }

  private logOnce(file: string, error: string): void {
    if (this.logged.get(file) === error) return;
    this.logged.set(file, error);
    this.logger.warn(file ? 'textfile not read' : 'textfile_dir not read', { file: file || undefined, error });
  }
}
