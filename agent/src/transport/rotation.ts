// Which collector endpoint to dial next and how long to wait first. Failures move on to the next endpoint at
// once; the backoff applies per round over all endpoints, so with several collectors a dead one costs no delay
// while another is up, and with one collector this is the plain reconnect backoff it always was.
import type { Logger } from '../log.js';
import type { Backoff } from './backoff.js';
import { resolveEndpoints, type CollectorEndpoint, type LookupAll } from './endpoints.js';
import type { FailureClass } from './errors.js';

export interface RoundState {
  /**
   * Failed attempts since the round began. A connection that stayed up (healthy) begins a new round; one that got
   * a Welcome and died at once counts as a failure, so collectors that accept and drop streams cannot make a hot loop.
   */
  failed: number;
  /** True while every failure of the round was one retrying soon will not fix (auth, permanent). */
  onlySlowFailures: boolean;
}

export const NEW_ROUND: RoundState = { failed: 0, onlySlowFailures: true };

export interface FailurePlan {
  state: RoundState;
  /** Dial the next endpoint (false: the same one again). */
  advance: boolean;
  /** The round is over: resolve the names again before the next attempt. */
  newRound: boolean;
  /** none: dial right away; backoff: the growing jittered delay; slow: the backoff's cap. */
  wait: 'none' | 'backoff' | 'slow';
}

/** The plan after a failed attempt (or a lost connection) on one of `endpointCount` endpoints. Pure. */
export function planAfterFailure(state: RoundState, endpointCount: number, failure: FailureClass): FailurePlan {
  // The collector still holds this agent's earlier stream: only that collector can settle it, by letting it go.
  if (failure === 'busy') return { state, advance: false, newRound: false, wait: 'backoff' };
  const failed = state.failed + 1;
  const onlySlowFailures = state.onlySlowFailures && (failure === 'auth' || failure === 'permanent');
  if (failed < endpointCount) return { state: { failed, onlySlowFailures }, advance: true, newRound: false, wait: 'none' };
  return { state: NEW_ROUND, advance: true, newRound: true, wait: onlySlowFailures ? 'slow' : 'backoff' };
}

/** Position of the endpoint to dial after `lastTarget` in a (re-resolved) list: the one after it, else the first. */
export function indexAfter(endpoints: readonly CollectorEndpoint[], lastTarget: string | undefined): number {
  const at = endpoints.findIndex((e) => e.target === lastTarget);
  return at < 0 ? 0 : (at + 1) % endpoints.length;
}

export interface Attempt {
  endpoint: CollectorEndpoint;
  /** 1-based position and count, for logs ("2 of 3"). */
  position: number;
  of: number;
}

/** The sender's endpoint state: resolves at round starts, applies planAfterFailure, counts switches. */
export class CollectorRotation {
  private endpoints: CollectorEndpoint[] = [];
  private index = 0;
  private round: RoundState = NEW_ROUND;
  private resolveNext = true;
  private lastTarget: string | undefined;
  private connectedTarget: string | undefined;
  /** Welcomes from an endpoint other than the previous one. */
  failovers = 0;

  constructor(
    private readonly configured: readonly string[],
    private readonly lookup: LookupAll,
    private readonly backoff: Backoff,
    private readonly logger: Logger,
  ) {}

  /** The endpoint to dial now. */
  async next(): Promise<Attempt> {
    if (this.resolveNext || this.endpoints.length === 0) {
      this.resolveNext = false;
      const { endpoints, unresolved } = await resolveEndpoints(this.configured, this.lookup);
      for (const { collector, error } of unresolved) this.logger.warn('cannot resolve the collector host name; dialing it by name', { collector, error });
      this.endpoints = endpoints;
      this.index = indexAfter(endpoints, this.lastTarget);
    }
    const endpoint = this.endpoints[this.index]!;
    this.lastTarget = endpoint.target;
    return { endpoint, position: this.index + 1, of: this.endpoints.length };
  }

  /** The attempt reached Welcome. Returns whether this is a switch to another endpoint. */
  connected(endpoint: CollectorEndpoint): boolean {
    const switched = this.connectedTarget !== undefined && this.connectedTarget !== endpoint.target;
    if (switched) this.failovers++;
    this.connectedTarget = endpoint.target;
    return switched;
  }

  /** The attempt failed or the connection was lost; `healthy`: it had stayed up long enough to reset the backoff. */
  failed(failure: FailureClass, healthy: boolean): number {
    if (healthy) {
      this.backoff.reset();
      this.round = NEW_ROUND;
    }
    const plan = planAfterFailure(this.round, this.endpoints.length, failure);
    this.round = plan.state;
    if (plan.newRound) this.resolveNext = true;
    else if (plan.advance) this.index = (this.index + 1) % this.endpoints.length;
    return plan.wait === 'none' ? 0 : plan.wait === 'slow' ? this.backoff.slow() : this.backoff.next();
  }
}
