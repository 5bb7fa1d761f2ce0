// The seams of change management. Changes are recorded through the API; incidents link to them.
// Direction: incidents -> changes. Incidents use CHANGE_RECORDS; what changes needs to know about
// incidents (which incidents link to a change) it asks through CHANGE_INCIDENTS, a port it defines
// and the incidents module provides, so changes never imports incidents nor reads its table.
import type { ChangeOutcome } from './changes.repository.js';

export interface ChangeRecords {
  /**
   * The change an incident of `service` opening at `atMs` is attributed to: the latest one on that
   * service that had started by then and ended no more than `windowMs` before.
   */
  suspectFor(service: string, atMs: number, windowMs: number): Promise<{ id: string } | undefined>;
  /** Changes taking effect in [fromMs, toMs), by outcome (null: not yet recorded). */
  periodOutcomes(fromMs: number, toMs: number): Promise<Array<{ outcome: ChangeOutcome | null; n: number }>>;
  /** How many of `changeIds` took effect in [fromMs, toMs) (all time when omitted). */
  countTakingEffect(changeIds: readonly string[], fromMs?: number, toMs?: number): Promise<number>;
}

/** Incidents linked to changes; provided by the incidents module. Optional: without it none are listed. */
export interface ChangeIncidents {
  /** Ids of the incidents linked to each of `changeIds`, ascending. */
  incidentIdsByChange(changeIds: readonly string[]): Promise<Map<string, number[]>>;
  /** Every change with at least one linked incident. */
  changesWithIncidents(): Promise<string[]>;
}

export const CHANGE_RECORDS = Symbol('ChangeRecords');
export const CHANGE_INCIDENTS = Symbol('ChangeIncidents');
