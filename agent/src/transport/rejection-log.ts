// Logs the collector's rejections without flooding: every whole-batch rejection (data is lost), partial ones
// at most once per reason per period, with the count of those in between.
import type { Logger } from '../log.js';
import type { Clock } from '../pipeline/types.js';

/** Partial rejections of one reason are logged at most once per this period (with the count in between). */
const PARTIAL_REJECTION_LOG_MS = 60_000;

export interface RejectionFields {
  seq: number;
  reason: string;
  samples: number;
  detail: string;
  wholeBatch: boolean;
}

export class RejectionLog {
  /** Per rejection reason: when a partial rejection was last logged, and how many arrived since. */
  private readonly partial = new Map<string, { at: number; since: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  log({ wholeBatch, ...fields }: RejectionFields): void {
    if (wholeBatch) {
      this.logger.warn('collector rejected a whole batch; dropping it', fields);
      return;
    }
    const now = this.clock.now();
    const last = this.partial.get(fields.reason);
    if (last && now - last.at < PARTIAL_REJECTION_LOG_MS) {
      last.since++;
      return;
    }
    this.logger.warn('collector rejected part of a batch', { ...fields, rejections_since_last_log: last ? last.since + 1 : undefined });
    this.partial.set(fields.reason, { at: now, since: 0 });
  }
}
