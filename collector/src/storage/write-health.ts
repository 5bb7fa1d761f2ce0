// Whether the store can write now, for readiness: the outcome of the last write, and while writes
// fail, a probe write every few seconds so the state recovers even when nothing else writes (an
// orchestrator that stops routing agents to a not-ready collector would otherwise keep it so).
import type { Clock } from '../common/clock.js';
import { diskErrorCode, StorageClosedError, StorageOverloadedError } from './storage.errors.js';

export type WriteState = { writable: true } | { writable: false; reason: string; sinceMs: number };

/** Overload is normal back-pressure under a burst; it makes the store not writable only when it lasts this long. */
export const OVERLOAD_GRACE_MS = 5_000;

/** What readiness says about a failed write. */
export function describeWriteFailure(error: unknown): string {
  if (error instanceof StorageOverloadedError) return `storage overloaded (${error.reason}): ${error.message}`;
  if (error instanceof StorageClosedError) return 'storage closed (collector shutting down)';
  const code = diskErrorCode(error);
  if (code) return `storage cannot write: disk full, failing or read-only (${code})`;
  return `storage write failed: ${error instanceof Error ? error.message : String(error)}`;
}

export class WriteHealth {
  private failure: { reason: string; sinceMs: number; overload: boolean } | undefined;
  private closedAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly probeEveryMs: number,
    /** A small real write; rejects while the store still cannot write. */
    private readonly probe: () => Promise<void>,
  ) {}

  succeeded(): void {
    this.failure = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  failed(error: unknown): void {
    if (this.closedAt !== undefined || error instanceof StorageClosedError) return;
    const reason = describeWriteFailure(error);
    const overload = error instanceof StorageOverloadedError;
    if (this.failure) Object.assign(this.failure, { reason, overload });
    else this.failure = { reason, sinceMs: this.clock.now(), overload };
    this.scheduleProbe();
  }

  close(): void {
    this.closedAt ??= this.clock.now();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  state(): WriteState {
    if (this.closedAt !== undefined) return { writable: false, reason: 'storage closed (collector shutting down)', sinceMs: this.closedAt };
    const f = this.failure;
    if (!f || (f.overload && this.clock.now() - f.sinceMs < OVERLOAD_GRACE_MS)) return { writable: true };
    return { writable: false, reason: f.reason, sinceMs: f.sinceMs };
  }

  private scheduleProbe(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.probe().then(
        () => this.succeeded(),
        (error: unknown) => this.failed(error),
      );
    }, this.probeEveryMs);
    this.timer.unref();
  }
}
