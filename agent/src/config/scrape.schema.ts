// The `scrape:` list of agent.yaml: Prometheus/OpenMetrics endpoints on the host. Validated once, at start, each
// problem at its key's path (scrape.1.timeout); turned into ScrapeTargetConfig with defaults resolved.
import { z } from 'zod';
import { formatDuration, isValidLabelName, LIMITS } from '@vigil/proto';
import { caFile } from '../probes/probe.fields.js';
import { regexProblem } from '../probes/probe.targets.js';
import { COLLECTOR_LABELS, SCRAPE_LIMITS, SCRAPE_TARGET_LABEL, TEXTFILE_TARGET, type ScrapeTargetConfig } from './scrape.types.js';
import { byteSize, duration } from './fields.js';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
const RESERVED_TARGET_LABELS: readonly string[] = [SCRAPE_TARGET_LABEL, ...COLLECTOR_LABELS];

const targetName = z.string().superRefine((value, ctx) => {
  if (!NAME_RE.test(value) || value.length > SCRAPE_LIMITS.nameLength) {
    ctx.addIssue({ code: 'custom', message: `is not a valid target name (letters, digits, "_", ".", ":", "-"; starts with a letter or digit; at most ${SCRAPE_LIMITS.nameLength} characters)` });
  } else if (value === TEXTFILE_TARGET) {
    ctx.addIssue({ code: 'custom', message: `is the name of the textfile collector's samples; choose another` });
  }
});

const scrapeUrl = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a valid URL (example: http://127.0.0.1:9100/metrics)' });
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'only http:// and https:// endpoints can be scraped' });
  else if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'credentials in the URL are not supported (they would be logged)' });
});

/** A list of regular expressions on the metric name, compiled anchored into one alternation. */
const nameRegexes = z
  .array(z.string())
  .min(1, { error: 'list at least one regular expression, or leave the key out' })
  .superRefine((sources, ctx) => {
    sources.forEach((source, i) => {
      const problem = regexProblem(source);
      if (problem) ctx.addIssue({ code: 'custom', path: [i], message: problem });
    });
  })
  .transform((sources) => new RegExp(`^(?:${sources.map((s) => `(?:${s})`).join('|')})$`));

const targetLabels = z.record(z.string(), z.string()).superRefine((labels, ctx) => {
  const names = Object.keys(labels);
  if (names.length > SCRAPE_LIMITS.userLabels) ctx.addIssue({ code: 'custom', message: `too many labels (${names.length} > ${SCRAPE_LIMITS.userLabels})` });
  for (const name of names) {
    if (RESERVED_TARGET_LABELS.includes(name)) ctx.addIssue({ code: 'custom', path: [name], message: `label "${name}" is set by Vigil and cannot be configured` });
    else if (!isValidLabelName(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'is not a valid label name (letters, digits and "_", not starting with a digit or "__")' });
    else if (labels[name]!.length > LIMITS.labelValueLength) ctx.addIssue({ code: 'custom', path: [name], message: `label value longer than ${LIMITS.labelValueLength} characters` });
  }
});

const scrapeTarget = z
  .strictObject({
    name: targetName,
    url: scrapeUrl,
    interval: duration({ min: SCRAPE_LIMITS.minIntervalMs, max: SCRAPE_LIMITS.maxIntervalMs }).optional(),
    timeout: duration({ min: SCRAPE_LIMITS.minTimeoutMs }).optional(),
    metrics_allow: nameRegexes.optional(),
    metrics_deny: nameRegexes.optional(),
    labels: targetLabels.default({}),
    max_series: z.number().int().min(1).max(SCRAPE_LIMITS.maxMaxSeries).default(SCRAPE_LIMITS.defaultMaxSeries),
    max_bytes: byteSize(1024, SCRAPE_LIMITS.maxMaxBytes).prefault(SCRAPE_LIMITS.defaultMaxBytes),
    tls_verify: z.boolean().default(true),
    ca: caFile.optional(),
  })
  .superRefine((target, ctx) => {
    if (target.timeout !== undefined && target.interval !== undefined && target.timeout > target.interval) {
      ctx.addIssue({ code: 'custom', path: ['timeout'], message: `is longer than the interval ${formatDuration(target.interval)}` });
    }
    const https = target.url.startsWith('https:');
    if (!https && (target.ca !== undefined || !target.tls_verify)) ctx.addIssue({ code: 'custom', path: [target.ca !== undefined ? 'ca' : 'tls_verify'], message: 'only applies to https:// URLs' });
  });

export const scrapeListSchema = z
  .array(scrapeTarget)
  .superRefine((targets, ctx) => {
    const seen = new Map<string, number>();
    targets.forEach((target, index) => {
      const previous = seen.get(target.name);
      if (previous === undefined) seen.set(target.name, index);
      else ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `duplicate target name (already used by the target at index ${previous})` });
    });
  })
  .default([]);

export type ParsedScrapeTarget = z.output<typeof scrapeTarget>;

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
