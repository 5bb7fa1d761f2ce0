// The sentences of the SLA report, shared by its HTML page and its JSON: the verdict of a figure and
// the one-line summary per service a review meeting starts from.
import type { SlaFigures } from '../sla/domain/figures.js';
import type { ServiceModel } from '../sla/sla.model.js';
import { formatAchieved, formatObjective, formatShare } from './render/index.js';

/**
 * The verdict of a figure: "met", "breached", or "insufficient data (coverage 12 %)" instead of a
 * verdict. A breach that is already certain on little data gets a note with its coverage.
 */
export function verdictParts(f: Pick<SlaFigures, 'status' | 'coverage'>, minCoverage: number): { verdict: string; note?: string } {
  const coverage = f.coverage === null ? 'no minute counted yet' : `coverage ${formatShare(f.coverage)}`;
  if (f.status === 'insufficient_data') return { verdict: `insufficient data (${coverage})` };
  if (f.status === 'breached' && f.coverage !== null && f.coverage < minCoverage) return { verdict: 'breached', note: `(${coverage})` };
  return { verdict: f.status };
}

/** The verdict and its note as one text: "breached (coverage 4.7 %)". */
export function verdictText(f: Pick<SlaFigures, 'status' | 'coverage'>, minCoverage: number): string {
  const { verdict, note } = verdictParts(f, minCoverage);
  return note ? `${verdict} ${note}` : verdict;
}

/** Budget minutes as a person says them: "43" for 43.2, "0.6" for 0.575. */
export function formatBudgetMinutes(minutes: number): string {
  return Math.abs(minutes) >= 10 ? String(Math.round(minutes)) : String(Number(minutes.toFixed(1)));
}

/**
 * "Web shop: 99.95 % of 99.9 %, met, 21 min of 43 min budget used, 2 outages"; the verdict leads when
 * there is none: "Web shop: insufficient data (coverage 12 %), 99.96 % of 99.9 %, …".
 */
export function summaryLine(service: ServiceModel, f: SlaFigures): string {
  const verdict = verdictText(f, service.sla?.minCoverage ?? 0);
  const budget = `${formatBudgetMinutes(f.errorBudget.consumedMinutes)} min of ${formatBudgetMinutes(f.errorBudget.totalMinutes)} min budget used`;
  const count = f.outages?.length ?? 0;
  const outages = count === 0 ? 'no outage' : `${count} outage${count === 1 ? '' : 's'}`;
  const figures = f.availability === null ? `objective ${formatObjective(f.objective)}` : `${formatAchieved(f.availability, f.objective)} of ${formatObjective(f.objective)}`;
  const parts = f.status === 'insufficient_data' ? [verdict, figures] : [figures, verdict];
  return `${service.definition.name}: ${[...parts, budget, outages].join(', ')}`;
}
