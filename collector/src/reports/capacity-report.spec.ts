// The capacity report's HTML: band texts a reader understands, the band drawn as a filled area,
// each resource titled once.
import { describe, expect, it } from 'vitest';
import type { CapacityEntry } from '../capacity/domain/resources.js';
import { bandText, renderCapacityReportModel, type CapacityReportEntry } from './capacity-report.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-01T00:00:00Z');

function entry(title: string, exhaustion: { earliest: number | null; latest: number | null; expected: number | null }): CapacityReportEntry {
  const history: [number, number][] = [];
  for (let t = NOW - 10 * DAY; t < NOW; t += 3_600_000) history.push([t, 0.5 + (0.01 * (t - NOW + 10 * DAY)) / DAY]);
  const forecast = [];
  for (let t = NOW; t <= NOW + 90 * DAY; t += DAY / 2) {
    const mean = 0.6 + (0.004 * (t - NOW)) / DAY;
    forecast.push({ t, mean, lower: mean - 0.05, upper: mean + 0.05 });
  }
  const seconds = (d: number | null) => (d === null ? null : d * 86_400);
  const at = (d: number | null) => (d === null ? null : NOW + d * DAY);
  return {
    key: title, agent: 'a1', host: 'host-1', resource: 'memory', mountpoint: '', threshold: 0.9, unit: 'ratio', title, status: 'ok',
    current: 0.6, growthPerDay: 0.004, horizonMs: 90 * DAY, atHorizon: forecast.at(-1)!, model: 'linear', backtestError: 0.01, backtest: [],
    historyHours: 240, computedMs: NOW, history, forecast,
    exhaustion: {
      exceeded: false, expectedMs: at(exhaustion.expected), earliestMs: at(exhaustion.earliest), latestMs: at(exhaustion.latest),
      secondsLeft: seconds(exhaustion.expected), earliestSecondsLeft: seconds(exhaustion.earliest), latestSecondsLeft: seconds(exhaustion.latest),
    },
  } as CapacityEntry as CapacityReportEntry;
}

describe('capacity report', () => {
  it('says in words when the band reaches the threshold', () => {
    expect(bandText(11 * 86_400, 16 * 86_400, 90)).toBe('11 – 16 d');
    expect(bandText(30 * 86_400, null, 90)).toBe('30 d – beyond 90 d');
    expect(bandText(null, null, 90)).toBe('not within 90 d');
  });

  it('renders each resource once titled, with its band as a filled area and no "— –" cells', () => {
    const page = renderCapacityReportModel(
      { generatedAtMs: NOW, horizonDays: 90, entries: [entry('memory on host-1', { earliest: 60, latest: null, expected: 75 }), entry('memory on host-2', { earliest: null, latest: null, expected: null })] },
      'html',
    ).body;
    expect(page).toContain('<td>60 d – beyond 90 d</td>');
    expect(page).toContain('<td>not within 90 d</td>');
    expect(page).not.toMatch(/—\s*–|> 90/);
    expect(page.match(/memory on host-1/g)).toHaveLength(2); // the <h3> and the chart's accessible <title>
    expect(page).toContain('<h3>memory on host-1</h3><svg');
    expect(page).toContain('<title>memory on host-1</title>');
    expect(page.match(/<path d="M[^"]*Z" fill="#8250df" fill-opacity="0.3"/g)).toHaveLength(2);
    expect(page).toContain('Generated 2026-12-01 00:00 UTC');
  });
});
