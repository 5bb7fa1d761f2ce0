// The seams of problem management. Direction: incidents -> problems. The incidents module proposes
// problems for recurring conditions through PROBLEM_RECORDS; what problems shows about incidents
// (the incidents of a problem) it asks through PROBLEM_INCIDENTS, a port it defines and the
// incidents module provides, so problems never imports incidents nor reads its table.
import type { Transaction } from '../database/database.js';
import type { ProblemStatus } from './problems.repository.js';

export interface ProblemRef {
  id: number;
  status: ProblemStatus;
}

export interface ProblemRecords {
  /** The problem under investigation (proposed or open) for a condition, if any (as `tx` sees it, when given). */
  activeFor(fingerprint: string, tx?: Transaction): Promise<ProblemRef | undefined>;
  /**
   * Records a proposed problem for a recurring condition, inside the caller's transaction; when
   * another collector proposed one for it meanwhile, returns that one (one active problem per condition).
   */
  propose(tx: Transaction, condition: { fingerprint: string; rule: string; service: string | null; title: string }, nowMs: number): Promise<ProblemRef>;
  /** Problems created in [fromMs, toMs): how many, how many known errors, how many resolved. */
  periodFigures(fromMs: number, toMs: number): Promise<{ created: number; known_errors: number; resolved: number }>;
}

export interface ProblemIncident {
  id: number;
  state: string;
  title: string;
  openedMs: number;
  resolvedMs: number | null;
}

/** The incidents linked to a problem; provided by the incidents module. Optional: without it none are listed. */
export interface ProblemIncidents {
  incidentsOfProblem(problemId: number): Promise<ProblemIncident[]>;
}

export const PROBLEM_RECORDS = Symbol('ProblemRecords');
export const PROBLEM_INCIDENTS = Symbol('ProblemIncidents');
