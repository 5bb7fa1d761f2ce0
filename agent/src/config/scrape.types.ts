// What a configured scrape target is once validated (scrape.schema.ts builds it), and the limits the
// schema checks against.

export const SCRAPE_LIMITS = {
  /** Default timeout is min(interval, this), as Prometheus' scrape_timeout. */
  defaultTimeoutMs: 10_000,
  minTimeoutMs: 100,
  minIntervalMs: 1_000,
  maxIntervalMs: 3_600_000,
  defaultMaxSeries: 5_000,
  maxMaxSeries: 50_000,
  /** Largest response (or textfile) read; a larger one fails the scrape. */
  defaultMaxBytes: 10 * 2 ** 20,
  maxMaxBytes: 100 * 2 ** 20,
  nameLength: 128,
  /** Leaves room under LIMITS.labelsPerSeries for the exposition's own labels. */
  userLabels: 8,
} as const;

/** The target name of the textfile collector's samples; no scrape target may take it. */
export const TEXTFILE_TARGET = 'textfile';

/** Labels the agent sets on scraped samples, or the collector sets on every series: an exposition's own labels
 * with these names are kept as `exported_<name>` (what Prometheus does with honor_labels: false). */
export const SCRAPE_TARGET_LABEL = 'scrape_target';
export const COLLECTOR_LABELS = ['agent', 'host'] as const;

export interface ScrapeTargetConfig {
  name: string;
  url: string;
  intervalMs: number;
  timeoutMs: number;
  /** Anchored; a sample is kept when its name or its family's name matches. */
  metricsAllow?: RegExp;
  /** Anchored; a sample is dropped when its name or its family's name matches. */
  metricsDeny?: RegExp;
  labels: Record<string, string>;
  maxSeries: number;
  maxBytes: number;
  tlsVerify: boolean;
  /** Absolute path of a PEM CA bundle (private CA). */
  ca?: string;
}

export interface TextfileConfig {
  /** Absolute path. */
  dir: string;
  maxSeries: number;
  maxBytes: number;
}
