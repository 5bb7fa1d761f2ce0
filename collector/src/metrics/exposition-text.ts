// The text of the fleet's families on /metrics, written without prom-client's formatter (which builds
// every line of every series afresh on each scrape). Each function writes exactly what prom-client 15
// writes for the same metric (registry.js getMetricsAsString, util.js getValueAsString), so a scrape
// reads the same whichever path wrote a family; exposition-text.spec.ts compares the two byte for byte.
import type { Labels, MetricKind } from '../common/samples.js';

function escapeText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** `{name="value",...}` with values escaped as prom-client escapes them; '' for no labels. */
export function labelText(labels: Labels): string {
  const parts = ['{'];
  for (const [name, value] of Object.entries(labels)) parts.push(`${parts.length > 1 ? ',' : ''}${name}="${escapeText(value).replace(/"/g, '\\"')}"`);
  // join('') gives one flat string: the text is kept per series, and a concatenation would keep its pieces.
  return parts.length === 1 ? '' : [...parts, '}'].join('');
}

/** A sample value as prom-client writes it (NaN as `Nan`, infinities as `+Inf` / `-Inf`). */
export function valueText(value: number): string {
  if (Number.isNaN(value)) return 'Nan';
  if (!Number.isFinite(value)) return value < 0 ? '-Inf' : '+Inf';
  return `${value}`;
}

/** How one family is written: its HELP and TYPE lines and the name each sample line starts with. */
export interface FamilyText {
  header: string;
  sampleName: string;
}

/**
 * OpenMetrics names a counter family without `_total` and its samples with it (prom-client strips
 * and re-appends the suffix); the classic text format uses the name as it is for both.
 */
export function familyText(name: string, kind: MetricKind, help: string, openMetrics: boolean): FamilyText {
  const counterInOpenMetrics = openMetrics && kind === 'counter';
  const familyName = escapeText(counterInOpenMetrics ? name.replace(/_total$/, '') : name);
  return {
    header: `# HELP ${familyName} ${escapeText(help)}\n# TYPE ${familyName} ${kind}`,
    sampleName: counterInOpenMetrics ? `${familyName}_total` : familyName,
  };
}
