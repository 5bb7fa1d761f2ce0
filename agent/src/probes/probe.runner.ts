// Schedules the probes at a fixed rate, never overlapping themselves, every run cut at its timeout, results handed
// to the sink as gauges. Probes of the same interval share an unref'd timer, a few per timer: one wake-up of the
// process starts them all (issue 14, docs/agent.md "Sixteenth pass").
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

/** At most this many probes start on one wake-up: each delays the ones after it by its own start (about 0.2 ms). */
export const PROBES_PER_TIMER = 4;

class ScheduledProbe {
  readonly status: ProbeStatus;
  private readonly check: ProbeCheck;
  private readonly labels: Record<string, string>;
  /** Its timer came while the previous run was still finishing: the next run starts when that one ends. */
  private owed = false;
  inFlight: Promise<void> | undefined;

  constructor(
    readonly config: ProbeConfig,
    private readonly sink: SampleSink,
    private readonly options: Required<Pick<StartProbesOptions, 'hostRoot' | 'clock' | 'logger'>>,
    private readonly cancel: RunSignal,
  ) {
    this.check = probeCheck(config);
    this.labels = probeLabels(config);
    this.status = { name: config.name, type: config.type, target: config.target, runs: 0, failures: 0, consecutiveFailures: 0, missedRuns: 0, sinkErrors: 0, failuresByReason: {} };
  }

  /** A run is due: it starts now, or when the previous one ends (a late run, as a timer of its own would start it). */
  due(): void {
    if (!this.inFlight) {
      void this.run();
      return;
    }
    // A second run due before the first one ended: one run missed.
    if (this.owed) this.missed(1, this.config.intervalMs);
    this.owed = true;
  }

  missed(runs: number, lateMs: number): void {
    this.status.missedRuns += runs;
    this.options.logger.warn(`probe ${this.config.name}: skipped ${runs} run(s), ${Math.round(lateMs)} ms behind schedule`);
  }

  private async run(): Promise<void> {
    if (this.cancel.aborted) return;
    this.inFlight = this.runOnce();
    try {
      await this.inFlight;
    } catch (err) {
      // runOnce handles every expected failure; this keeps a bug from ending the schedule.
      this.options.logger.warn(`probe ${this.config.name}: run failed unexpectedly: ${(err as Error).stack ?? String(err)}`);
    }
    this.inFlight = undefined;
    if (this.owed) {
      this.owed = false;
      void this.run();
    }
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

/** Probes of one interval on one fixed-rate timer: every run due one interval after the previous one was. */
class ProbeTimer {
  private timer: NodeJS.Timeout | undefined;
  private nextDue = 0;

  constructor(
    readonly intervalMs: number,
    private readonly probes: readonly ScheduledProbe[],
    private readonly cancel: RunSignal,
  ) {}

  start(delayMs: number): void {
    this.nextDue = monotonicMs() + delayMs;
    this.arm();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    this.timer = setTimeout(() => this.fire(), Math.max(0, this.nextDue - monotonicMs()));
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    if (this.cancel.aborted) return;
    for (const probe of this.probes) probe.due();
    // Whole intervals already in the past (a stalled event loop) are skipped and counted rather than run back to back.
    const interval = this.intervalMs;
    this.nextDue += interval;
    const late = monotonicMs() - this.nextDue;
    if (late >= interval) {
      const missed = Math.floor(late / interval);
      this.nextDue += missed * interval;
      for (const probe of this.probes) probe.missed(missed, late);
    }
    this.arm();
  }
}

/**
 * Starts every configured probe. Runs are concurrent across probes, sequential per probe. Probes of the same
 * interval start together, up to PROBES_PER_TIMER on one timer (in configuration order); the first run of each timer
 * comes after a small random delay, so timers (and the agents of a fleet) do not fire in lockstep.
 */
export function startProbes(configs: ProbeConfig[], sink: SampleSink, options: StartProbesOptions): ProbeRunner {
  // Every in-flight run links its own signal to this one.
  const cancel = new RunSignal();
  const deps = { hostRoot: options.hostRoot, clock: options.clock ?? { now: () => Date.now() }, logger: options.logger ?? silentLogger };
  const random = options.random ?? Math.random;
  const maxStartDelayMs = options.maxStartDelayMs ?? 1000;
  const probes = configs.map((config) => new ScheduledProbe(config, sink, deps, cancel));
  const timers: ProbeTimer[] = [];
  const byInterval = new Map<number, ScheduledProbe[]>();
  for (const probe of probes) {
    const group = byInterval.get(probe.config.intervalMs);
    if (group) group.push(probe);
    else byInterval.set(probe.config.intervalMs, [probe]);
  }
  for (const [intervalMs, group] of byInterval) {
    for (let i = 0; i < group.length; i += PROBES_PER_TIMER) timers.push(new ProbeTimer(intervalMs, group.slice(i, i + PROBES_PER_TIMER), cancel));
  }
  for (const timer of timers) timer.start(Math.floor(random() * Math.min(maxStartDelayMs, timer.intervalMs)));
  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        cancel.abort(new Error('probe runner stopped'));
        for (const timer of timers) timer.stop();
        await Promise.allSettled(probes.map((probe) => probe.inFlight));
      })();
      return stopping;
    },
    lastResults() {
      return probes.map((probe) => structuredClone(probe.status));
    },
  };
}
