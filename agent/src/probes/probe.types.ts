// What a single probe run produces, shared by the probe implementations, the sample builder and the runner.

/**
 * Why a run failed. A closed set, so diagnostics and any future metric label stay bounded;
 * the free-text detail goes to logs and lastResults() only.
 */
export const FAILURE_REASONS = [
  'timeout', // no result within the probe's timeout
  'resolve', // the target host name did not resolve
  'connection_refused',
  'connection_reset',
  'unreachable', // host/network unreachable, connect timed out at the OS level
  'tls', // TLS handshake failed
  'tls_verify', // certificate not trusted, expired, or not valid for the host
  'ca_unreadable', // the configured CA file could not be read
  'http_protocol', // the peer did not speak valid HTTP
  'status', // HTTP status not in expect_status (default 2xx)
  'body_match', // body_match did not match
  'body_not_match', // body_not_match matched
  'redirect_limit',
  'redirect_invalid', // redirect to a non-HTTP(S) or unparsable location
  'expect', // TCP: expect not seen before close/limit; DNS: expected values missing
  'nxdomain',
  'no_answer', // DNS: the name exists but has no records of the type
  'dns_servfail',
  'dns_refused',
  'dns_error',
  'process_count', // fewer matching processes than min_count
  'proc_unreadable', // the process table could not be read
  'error', // anything else
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** A classified failure; probes throw it, the runner turns it into a result. */
export class ProbeFailure extends Error {
  constructor(
    readonly reason: FailureReason,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'ProbeFailure';
  }
}

/** Facts observed during a run; kept even when the run then fails or times out. */
export interface ProbeFacts {
  httpStatus?: number;
  /** notAfter of the peer certificate, ms since the Unix epoch. */
  certNotAfterMs?: number;
  processCount?: number;
  dnsAnswers?: number;
}

/**
 * Aborts one probe run: at its timeout, when the runner stops, and when the run finishes (tearing down what the check
 * left open). A plain list of callbacks: an AbortController costs an EventTarget, listener objects and a dispatched
 * Event per run, a measurable share of a probe's CPU at a 1 s interval (issue 14).
 */
export class RunSignal {
  aborted = false;
  reason: unknown = undefined;
  private callbacks: (() => void)[] = [];

  /** Runs `fn` once at the abort (at once if it already happened); returns the unsubscribe. */
  onAbort(fn: () => void): () => void {
    if (this.aborted) {
      fn();
      return () => undefined;
    }
    this.callbacks.push(fn);
    return () => {
      const at = this.callbacks.indexOf(fn);
      if (at >= 0) this.callbacks.splice(at, 1);
    };
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const callbacks = this.callbacks;
    this.callbacks = [];
    for (const fn of callbacks) fn();
  }
}

export interface ProbeContext {
  /** Aborted at the probe's timeout, when the runner stops, and when the run finished. */
  signal: RunSignal;
  /** Root of the host filesystem as seen by the agent ("/" or e.g. "/host" in a container). */
  hostRoot: string;
  facts: ProbeFacts;
}

/** One probe's work: resolves on success, throws (preferably a ProbeFailure) on failure. */
export type ProbeCheck = (ctx: ProbeContext) => Promise<void>;

export type ProbeOutcome = { success: true } | { success: false; reason: FailureReason; detail: string };

/** The complete result of one run, as the sample builder and diagnostics see it. */
export interface ProbeResult {
  /** Start of the run, ms since the Unix epoch. */
  timestampMs: number;
  durationSeconds: number;
  outcome: ProbeOutcome;
  facts: ProbeFacts;
}
