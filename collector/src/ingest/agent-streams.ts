// One live ingest stream per agent id. A second stream claiming the id of a live one is refused
// (ALREADY_EXISTS); a dead holder is replaced. Dead means: the agent closed its side (or the stream
// ended), or the holder sent nothing (batch, heartbeat) for longer than the stale limit, which is
// max(ingest.stream_stale_after, 3 x the agent's announced interval) since agents heartbeat once per
// interval. Before refusing, a claim waits a short grace for a holder that is just going away (an
// agent restarting faster than its old connection's end reaches the collector).

export interface StreamLease {
  readonly peer: string;
  /** The agent's announced sampling interval (its heartbeat period), ms. */
  readonly intervalMs: number;
  /** Clock time of the last message received on the stream. */
  lastMessageMs: number;
  /** The agent half-closed its side: it will send nothing more. */
  closing: boolean;
  /** Resolves once the stream finished. */
  readonly finished: Promise<void>;
  /** Ends the stream because a new one replaces it. */
  evict(): void;
}

export type Claim = { status: 'claimed'; replaced?: StreamLease } | { status: 'refused'; holder: StreamLease };

export interface AgentStreamsOptions {
  staleAfterMs: number;
  /** How long a claim waits for a live holder to finish before refusing. */
  graceMs: number;
  now: () => number;
}

export class AgentStreams {
  private readonly holders = new Map<string, StreamLease>();

  constructor(private readonly options: AgentStreamsOptions) {}

  async claim(agentId: string, lease: StreamLease): Promise<Claim> {
    const holder = this.holders.get(agentId);
    if (holder && !this.isDead(holder)) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([holder.finished, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.graceMs)))]);
      clearTimeout(timer);
    }
    // Decided synchronously after the wait: of two claims racing for one id, one wins.
    const current = this.holders.get(agentId);
    if (current && current !== lease && !this.isDead(current)) return { status: 'refused', holder: current };
    this.holders.set(agentId, lease);
    if (current && current !== lease) {
      current.evict();
      return { status: 'claimed', replaced: current };
    }
    return { status: 'claimed' };
  }

  /** The stream finished; frees the id if this lease still holds it. */
  release(agentId: string, lease: StreamLease): void {
    if (this.holders.get(agentId) === lease) this.holders.delete(agentId);
  }

  isDead(lease: StreamLease): boolean {
    const staleAfter = Math.max(this.options.staleAfterMs, 3 * lease.intervalMs);
    return lease.closing || this.options.now() - lease.lastMessageMs > staleAfter;
  }
}
