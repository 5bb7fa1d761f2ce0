// Exponential backoff with full jitter: delay = random(0, min(cap, initial * 2^attempt)). Pure given `random`.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly random: () => number;

  constructor(private readonly options: BackoffOptions) {
    this.random = options.random ?? Math.random;
  }

  next(): number {
    const ceiling = Math.min(this.options.maxMs, this.options.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.floor(this.random() * ceiling);
  }

  /** The cap, for failures that retrying soon will not fix (bad token). */
  slow(): number {
    return this.options.maxMs;
  }

  reset(): void {
    this.attempt = 0;
  }
}
