// Scrapes each configured target on its own schedule (aligned ticks, never overlapping itself, cut at its
// timeout), so a slow or dead target never delays the host tick or another target. Each scrape hands the
// target's samples and its health to the sink, the batcher that also takes host metrics and probe results.
import { monotonicMs } from '../builtins.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { Scheduler } from '../pipeline/scheduler.js';
import { ReasonCounter, systemClock, type Clock, type SampleSink } from '../pipeline/types.js';
import { formatOfContentType, parseExposition } from './exposition.js';
import { healthSamples, type ScrapeOutcome } from './scrape.health.js';
import { SCRAPE_REJECT_REASONS, toSamples, type ScrapeRules } from './scrape.mapping.js';
import { ScrapeClient } from './scrape.http.js';
import type { ScrapeTargetConfig } from '../config/scrape.types.js';

export class ScrapeTarget {
  readonly rejected = new ReasonCounter(SCRAPE_REJECT_REASONS);
  private readonly client: ScrapeClient;
  private readonly scheduler: Scheduler;
  private readonly rules: ScrapeRules;
  private readonly cancel = new AbortController();
  private lastError: string | undefined;
  private wasUp: boolean | undefined;

  constructor(
    readonly config: ScrapeTargetConfig,
    private readonly sink: SampleSink,
    private readonly deps: { clock: Clock; logger: Logger },
  ) {
    this.client = new ScrapeClient(config);
    this.rules = { target: config.name, metricsAllow: config.metricsAllow, metricsDeny: config.metricsDeny, labels: config.labels, maxSeries: config.maxSeries };
    this.scheduler = new Scheduler({ intervalMs: config.intervalMs, runAtStart: true, clock: deps.clock, logger: deps.logger, task: async (nowMs) => void (await this.scrape(nowMs)) });
  }

  start(): void {
    this.scheduler.start();
  }

  async stop(): Promise<void> {
    this.cancel.abort();
    await this.scheduler.stop();
    this.client.close();
  }

  /** One scrape: fetch, parse, map, and hand samples plus health to the sink. */
  async scrape(nowMs: number): Promise<ScrapeOutcome> {
    const started = monotonicMs();
    const outcome = await this.scrapeOnce(nowMs);
    if (this.cancel.signal.aborted) return outcome;
    this.report(outcome);
    const health = healthSamples(this.config.name, outcome, (monotonicMs() - started) / 1000, this.rejected, nowMs);
    this.sink.add(outcome.status === 'up' ? [...outcome.samples, ...health] : health);
    return outcome;
  }

  private async scrapeOnce(nowMs: number): Promise<ScrapeOutcome> {
    const fetched = await this.client.fetch(this.cancel.signal);
    if (fetched.status === 'error') return { status: 'down', error: fetched.error };
    const parsed = parseExposition(fetched.body, formatOfContentType(fetched.contentType));
    if (parsed.status === 'error') return { status: 'down', error: `unparsable exposition: ${parsed.error}` };
    return { status: 'up', samples: toSamples(parsed.samples, this.rules, nowMs, this.rejected) };
  }

  /** Logs changes only: the first failure and each new error at warn, the recovery at info. */
  private report(outcome: ScrapeOutcome): void {
    const fields = { target: this.config.name, url: this.config.url };
    if (outcome.status === 'up') {
      if (this.wasUp === false) this.deps.logger.info('scrape target is up again', fields);
      this.wasUp = true;
      this.lastError = undefined;
      return;
    }
    if (outcome.error !== this.lastError) this.deps.logger.warn('scrape failed', { ...fields, error: outcome.error });
    this.wasUp = false;
    this.lastError = outcome.error;
  }
}

export interface ScrapeRunner {
  readonly targets: readonly ScrapeTarget[];
  /** Stops every schedule and waits for running scrapes. Idempotent. */
  stop(): Promise<void>;
}

export function startScrapes(configs: readonly ScrapeTargetConfig[], sink: SampleSink, options: { clock?: Clock; logger?: Logger } = {}): ScrapeRunner {
  const deps = { clock: options.clock ?? systemClock, logger: options.logger ?? silentLogger };
  const targets = configs.map((config) => new ScrapeTarget(config, sink, deps));
  for (const target of targets) target.start();
  let stopping: Promise<void> | undefined;
  return {
    targets,
    stop: () => (stopping ??= Promise.allSettled(targets.map((t) => t.stop())).then(() => undefined)),
  };
}
