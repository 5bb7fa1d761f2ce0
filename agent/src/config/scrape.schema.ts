// The `scrape:` list of agent.yaml: Prometheus/OpenMetrics endpoints on the host. Validated once, at start, each
// problem at its key's path (scrape.1.timeout); turned into ScrapeTargetConfig with defaults resolved.
import { formatDuration, isValidLabelName, LIMITS } from '@vigil/proto/agent';
import { caFile } from '../probes/probe.fields.js';
import { regexProblem } from '../probes/probe.targets.js';
import { COLLECTOR_LABELS, SCRAPE_LIMITS, SCRAPE_TARGET_LABEL, TEXTFILE_TARGET, type ScrapeTargetConfig } from './scrape.types.js';
import { byteSize, duration } from './fields.js';
import { array, boolean, INVALID, number, object, optional, orInput, record, refine, string, withDefault, type Output, type Validator } from '../validate.js';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
const RESERVED_TARGET_LABELS: readonly string[] = [SCRAPE_TARGET_LABEL, ...COLLECTOR_LABELS];

const targetName = refine(string(), (value, at) => {
  if (!NAME_RE.test(value) || value.length > SCRAPE_LIMITS.nameLength) {
    at.problem(`is not a valid target name (letters, digits, "_", ".", ":", "-"; starts with a letter or digit; at most ${SCRAPE_LIMITS.nameLength} characters)`);
  } else if (value === TEXTFILE_TARGET) {
    at.problem(`is the name of the textfile collector's samples; choose another`);
  }
});

const scrapeUrl = refine(string(), (value, at) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    at.problem('is not a valid URL (example: http://127.0.0.1:9100/metrics)');
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') at.problem('only http:// and https:// endpoints can be scraped');
  else if (url.username || url.password) at.problem('credentials in the URL are not supported (they would be logged)');
});

const regexSources = array(string(), { nonEmpty: 'list at least one regular expression, or leave the key out' });
/** Stands in for a list with a bad expression: the problem is reported, and the targets' cross-key checks still run. */
const NEVER_MATCHES = /(?!)/;

/** A list of regular expressions on the metric name, compiled anchored into one alternation. */
const nameRegexes: Validator<RegExp> = (value, at) => {
  const sources = regexSources(value, at);
  if (sources === INVALID) return INVALID;
  let usable = sources.length > 0;
  sources.forEach((source, i) => {
    const problem = regexProblem(source);
    if (problem) at.problem(problem, { under: [i] });
    if (problem) usable = false;
  });
  return usable ? new RegExp(`^(?:${sources.map((s) => `(?:${s})`).join('|')})$`) : NEVER_MATCHES;
};

const targetLabels = refine(record(string()), (labels, at) => {
  const names = Object.keys(labels);
  if (names.length > SCRAPE_LIMITS.userLabels) at.problem(`too many labels (${names.length} > ${SCRAPE_LIMITS.userLabels})`);
  for (const name of names) {
    if (RESERVED_TARGET_LABELS.includes(name)) at.problem(`label "${name}" is set by Vigil and cannot be configured`, { under: [name] });
    else if (!isValidLabelName(name)) at.problem('is not a valid label name (letters, digits and "_", not starting with a digit or "__")', { under: [name] });
    else if (labels[name]!.length > LIMITS.labelValueLength) at.problem(`label value longer than ${LIMITS.labelValueLength} characters`, { under: [name] });
  }
});

const scrapeTarget = refine(
  object({
    name: targetName,
    url: scrapeUrl,
    interval: optional(duration({ min: SCRAPE_LIMITS.minIntervalMs, max: SCRAPE_LIMITS.maxIntervalMs })),
    timeout: optional(duration({ min: SCRAPE_LIMITS.minTimeoutMs })),
    metrics_allow: optional(nameRegexes),
    metrics_deny: optional(nameRegexes),
    labels: withDefault(targetLabels, {}),
    max_series: withDefault(number({ integer: true, min: 1, max: SCRAPE_LIMITS.maxMaxSeries }), SCRAPE_LIMITS.defaultMaxSeries),
    max_bytes: orInput(byteSize(1024, SCRAPE_LIMITS.maxMaxBytes), SCRAPE_LIMITS.defaultMaxBytes),
    tls_verify: withDefault(boolean(), true),
    ca: optional(caFile),
  }),
  (target, at) => {
    if (target.timeout !== undefined && target.interval !== undefined && target.timeout > target.interval) {
      at.problem(`is longer than the interval ${formatDuration(target.interval)}`, { under: ['timeout'] });
    }
    const https = target.url.startsWith('https:');
    if (!https && (target.ca !== undefined || !target.tls_verify)) at.problem('only applies to https:// URLs', { under: [target.ca !== undefined ? 'ca' : 'tls_verify'] });
  },
);

export const scrapeListSchema = withDefault(
  refine(array(scrapeTarget), (targets, at) => {
    const seen = new Map<string, number>();
    targets.forEach((target, index) => {
      const previous = seen.get(target.name);
      if (previous === undefined) seen.set(target.name, index);
      else at.problem(`duplicate target name (already used by the target at index ${previous})`, { under: [index, 'name'] });
    });
  }),
  [],
);

export type ParsedScrapeTarget = Output<typeof scrapeTarget>;

/** Resolves defaults that depend on the agent (its interval) and paths (relative to the working directory). */
export function toScrapeTargets(parsed: readonly ParsedScrapeTarget[], agentIntervalMs: number, abs: (p: string) => string): ScrapeTargetConfig[] {
  return parsed.map((t) => {
    const intervalMs = t.interval ?? agentIntervalMs;
    return {
      name: t.name,
      url: t.url,
      intervalMs,
      timeoutMs: Math.min(t.timeout ?? SCRAPE_LIMITS.defaultTimeoutMs, intervalMs),
      metricsAllow: t.metrics_allow,
      metricsDeny: t.metrics_deny,
      labels: t.labels,
      maxSeries: t.max_series,
      maxBytes: t.max_bytes,
      tlsVerify: t.tls_verify,
      ca: t.ca && abs(t.ca),
    };
  });
}
