// The health a scrape target reports after every scrape (and the textfile collector after every read).
import { sample, type ReasonCounter, type Sample } from '../pipeline/types.js';

export const SCRAPE_METRICS = {
  up: 'vigil_scrape_up',
  duration: 'vigil_scrape_duration_seconds',
  series: 'vigil_scrape_series',
  rejected: 'vigil_scrape_rejected_series_total',
} as const;

/** One scrape's outcome: the series forwarded, or why nothing was. */
export type ScrapeOutcome = { status: 'up'; samples: Sample[] } | { status: 'down'; error: string };

/** Health samples of one target after one scrape (or one textfile read). */
export function healthSamples(target: string, outcome: ScrapeOutcome, durationSeconds: number, rejected: ReasonCounter, timestampMs: number): Sample[] {
  const labels = { target };
  const out = [
    sample(SCRAPE_METRICS.up, 'gauge', outcome.status === 'up' ? 1 : 0, timestampMs, labels),
    sample(SCRAPE_METRICS.duration, 'gauge', durationSeconds, timestampMs, labels),
    sample(SCRAPE_METRICS.series, 'gauge', outcome.status === 'up' ? outcome.samples.length : 0, timestampMs, labels),
  ];
  for (const [reason, n] of rejected.entries()) out.push(sample(SCRAPE_METRICS.rejected, 'counter', n, timestampMs, { target, reason }));
  return out;
}
