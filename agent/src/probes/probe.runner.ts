// Schedules the probes: each on its own unref'd timer at a fixed rate, never overlapping itself,
// every run cut at its timeout, results handed to the sink as gauges.
import { formatDuration } from '@vigil/proto/agent';
import { monotonicMs } from '../builtins.js';
import type { Clock, SampleSink } from '../pipeline/types.js';
import type { ProbeConfig } from './probe.config.types.js';
import { classifyError, onAbort } from './connect.js';
import { dnsCheck } from './dns.probe.js';
import { httpCheck } from './http.probe.js';
import { processCheck } from './process.probe.js';
import { probeLabels, probeSamples } from './probe.samples.js';
import { tcpCheck } from './tcp.probe.js';
import { RunSignal, type FailureReason, type ProbeCheck, type ProbeContext, type ProbeFacts, type ProbeOutcome, type ProbeResult } from './probe.types.js';

export interface ProbeLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

const silentLogger: ProbeLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined };

export interface StartProbesOptions {
  /** Root of the host filesystem ("/", or e.g. "/host" when the agent runs in a container). */
  hostRoot: string;
  /** Source of sample timestamps (start of each run). Durations use the monotonic clock. */
  clock?: Clock;
  logger?: ProbeLogger;
  /** First runs are spread over a random delay below this bound (and below the interval). Default 1000. */
  maxStartDelayMs?: number;
  /** Random source in [0, 1) for the start delays; injectable for tests. */
  random?: () => number;
}

export interface ProbeRunSummary {
  timestampMs: number;
  durationSeconds: number;
  success: boolean;
  reason?: FailureReason;
  detail?: string;
}

/** Diagnostics for one probe, as returned by ProbeRunner.lastResults(). */
export interface ProbeStatus {
  name: string;
  type: ProbeConfig['type'];
  target: string;
  runs: number;
  failures: number;
  consecutiveFailures: number;
  /** Scheduled runs skipped because the previous run or the event loop was late. */
  missedRuns: number;
  /** Batches of samples the sink threw on (and which were therefore lost). */
  sinkErrors: number;
  failuresByReason: Partial<Record<FailureReason, number>>;
  last?: ProbeRunSummary;
  lastFailure?: ProbeRunSummary & { reason: FailureReason; detail: string };
}

export interface ProbeRunner {
  /** Cancels timers and in-flight runs (which then report nothing); idempotent. */
  stop(): Promise<void>;
  /** Copy of every probe's diagnostics, in configuration order. */
  lastResults(): ProbeStatus[];
}

/** The check implementing a probe's type. */
export function probeCheck(config: ProbeConfig): ProbeCheck {
  switch (config.type) {
    case 'http':
      return httpCheck(config);
    case 'tcp':
      return tcpCheck(config);
    case 'dns':
      return dnsCheck(config);
    case 'process':
      return processCheck(config);
  }
}

const TIMED_OUT = Symbol('timed out');
const FINISHED = Symbol('finished');

/**
 * Runs one check under a timeout. Resolves with the result, or with undefined when `cancel`
 * aborted it (shutdown is not a failure of the probed service). Never rejects.
 */
export async function executeCheck(
  check: ProbeCheck,
  options: { timeoutMs: number; hostRoot: string; clock?: Clock; cancel?: AbortSignal | RunSignal },
): Promise<ProbeResult | undefined> {
  const clock = options.clock ?? { now: () => Date.now() };
  const timestampMs = clock.now();
  const started = monotonicMs();
  const run = new RunSignal();
  const timer = setTimeout(() => run.abort(TIMED_OUT), options.timeoutMs);
  timer.unref();
  const cancel = options.cancel;
  const unlinkCancel = cancel ? onAbort(cancel, () => run.abort(cancel.reason)) : () => undefined;
  const facts: ProbeFacts = {};
  const ctx: ProbeContext = { signal: run, hostRoot: options.hostRoot, facts };
  // Settles at the abort even if some operation inside the check ignores the signal.
  const aborted = new Promise<never>((_, reject) => run.onAbort(() => reject(run.reason)));
  let outcome: ProbeOutcome;
  try {
    await Promise.race([check(ctx), aborted]);
    outcome = { success: true };
  } catch (err) {
    outcome =
      run.reason === TIMED_OUT
        ? { success: false, reason: 'timeout', detail: `no result within ${formatDuration(options.timeoutMs)}` }
        : { success: false, ...classifyError(err) };
  } finally {
    clearTimeout(timer);
    unlinkCancel();
  }
  const cancelled = run.aborted && run.reason !== TIMED_OUT;
  // Tears down anything the check left behind (sockets register on this signal).
  run.abort(FINISHED);
  if (cancelled) return undefined;
  return { timestampMs, durationSeconds: (monotonicMs() - started) / 1000, outcome, facts: { ...facts } };
}

/** Runs a probe once, outside any schedule (diagnostics, `--once` style commands, tests). */
export function runProbeOnce(config: ProbeConfig, options: { hostRoot: string; clock?: Clock; cancel?: AbortSignal | RunSignal }): Promise<ProbeResult | undefined> {
  return executeCheck(probeCheck(config), { ...options, timeoutMs: config.timeoutMs });
}

class ScheduledProbe {
  readonly status: ProbeStatus;
  private readonly check: ProbeCheck;
  private readonly labels: Record<string, string>;
  private timer: NodeJS.Timeout | undefined;
  private nextDue = 0;
  inFlight: Promise<void> | undefined;

  constructor(
    private readonly config: ProbeConfig,
    private readonly sink: SampleSink,
    private readonly options: Required<Pick<StartProbesOptions, 'hostRoot' | 'clock' | 'logger'>>,
    private readonly cancel: RunSignal,
  ) {
    this.check = probeCheck(config);
    this.labels = probeLabels(config);
    this.status = { name: config.name, type: config.type, target: config.target, runs: 0, failures: 0, consecutiveFailures: 0, missedRuns: 0, sinkErrors: 0, failuresByReason: {} };
  }

  start(delayMs: number): void {
    this.nextDue = monotonicMs() + delayMs;
    this.arm();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    this.timer = setTimeout(() => void this.tick(), Math.max(0, this.nextDue - monotonicMs()));
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    if (this.cancel.aborted) return;
    this.inFlight = this.runOnce();
    try {
      await this.inFlight;
    } catch (err) {
      // runOnce handles every expected failure; this keeps a bug from ending the schedule.
      this.options.logger.warn(`probe ${this.config.name}: run failed unexpectedly: ${(err as Error).stack ?? String(err)}`);
    }
    this.inFlight = undefined;
    if (this.cancel.aborted) return;
    // Fixed rate: the next run is due one interval after this one was; whole intervals already in
    // the past (a stalled event loop) are skipped and counted rather than run back to back.
    const interval = this.config.intervalMs;
    this.nextDue += interval;
    const late = monotonicMs() - this.nextDue;
    if (late >= interval) {
      const missed = Math.floor(late / interval);
      this.nextDue += missed * interval;
      this.status.missedRuns += missed;
      this.options.logger.warn(`probe ${this.config.name}: skipped ${missed} run(s), ${Math.round(late)} ms behind schedule`);
    }
    this.arm();
  }

  private async runOnce(): Promise<void> {
    const result = await executeCheck(this.check, { timeoutMs: this.config.timeoutMs, hostRoot: this.options.hostRoot, clock: this.options.clock, cancel: this.cancel });
    if (!result) return;
    this.record(result);
    try {
      this.sink.add(probeSamples(this.config, result, this.labels));
    } catch (err) {
      this.status.sinkErrors++;
      this.options.logger.warn(`probe ${this.config.name}: sink rejected samples: ${(err as Error).message}`);
    }
  }

  private record(result: ProbeResult): void {
    const { status } = this;
    const { outcome } = result;
    const wasUp = status.last ? status.last.success : undefined;
    status.runs++;
    const summary: ProbeRunSummary = { timestampMs: result.timestampMs, durationSeconds: result.durationSeconds, success: outcome.success };
    if (outcome.success) {
      status.consecutiveFailures = 0;
      status.last = summary;
      if (wasUp === false) this.options.logger.info(`probe ${this.config.name} (${this.config.target}) is up again`);
      return;
    }
    status.failures++;
    status.consecutiveFailures++;
    status.failuresByReason[outcome.reason] = (status.failuresByReason[outcome.reason] ?? 0) + 1;
    status.last = { ...summary, reason: outcome.reason, detail: outcome.detail };
    status.lastFailure = { ...summary, reason: outcome.reason, detail: outcome.detail };
    const message = `probe ${this.config.name} (${this.config.target}) failed: ${outcome.reason}: ${outcome.detail}`;
    if (wasUp !== false) this.options.logger.info(message);
    else this.options.logger.debug(message);
  }
}

/**
 * Starts every configured probe. Runs are concurrent across probes, sequential per probe; the
 * first run of each probe comes after a small random delay so probes do not fire in lockstep.
 */
export function startProbes(configs: ProbeConfig[], sink: SampleSink, options: StartProbesOptions): ProbeRunner {
  // Every in-flight run links its own signal to this one.
  const cancel = new RunSignal();
  const deps = { hostRoot: options.hostRoot, clock: options.clock ?? { now: () => Date.now() }, logger: options.logger ?? silentLogger };
  const random = options.random ?? Math.random;
  const maxStartDelayMs = options.maxStartDelayMs ?? 1000;
  const probes = configs.map((config) => new ScheduledProbe(config, sink, deps, cancel));
  probes.forEach((probe, index) => probe.start(Math.floor(random() * Math.min(maxStartDelayMs, configs[index]!.intervalMs))));
  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        cancel.abort(new Error('probe runner stopped'));
        for (const probe of probes) probe.stop();
        await Promise.allSettled(probes.map((probe) => probe.inFlight));
      })();
      return stopping;
    },
    lastResults() {
      return probes.map((probe) => structuredClone(probe.status));
    },
  };
}
