// Field validators and cross-field checks shared by every probe type: names, durations, labels, CA files, timing,
// strict keys. Each problem is reported at its key's own path, and every problem of a probe in one pass.
import { accessSync, constants as fsConstants } from 'node:fs';
import { isValidLabelName, LIMITS, parseDuration } from '@vigil/proto/agent';
import { boolean, crossCheck, expecting, optional, record, refine, string, type At } from '../validate.js';
import { PROBE_LIMITS, RESERVED_PROBE_LABELS, type ProbeCommon } from './probe.config.types.js';
import { regexProblem } from './probe.targets.js';

export const text = (what = 'a string') => string(expecting(what));
export const flag = () => optional(boolean(expecting('true or false')));
export const nonEmpty = (what: string) =>
  refine(text(what), (value, at) => {
    if (value.trim() === '') at.problem('must not be empty');
  });

const duration = refine(text('a duration such as 10s'), (value, at) => {
  if (parseDuration(value) === undefined) at.problem(`${JSON.stringify(value)} is not a duration (use e.g. 500ms, 10s, 1m)`);
});

export const regex = refine(text('a regular expression'), (value, at) => {
  const problem = regexProblem(value);
  if (problem) at.problem(problem);
});

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
const probeName = refine(text('a probe name'), (value, at) => {
  if (!NAME_RE.test(value) || value.length > PROBE_LIMITS.nameLength) {
    at.problem(`${JSON.stringify(value)} is not a valid probe name (letters, digits, "_", ".", ":", "-"; starts with a letter or digit; at most ${PROBE_LIMITS.nameLength} characters)`);
  }
});

const labelMap = crossCheck(record(text('a string label value'), expecting('a map of label names to values')), (labels, at) => {
  const names = Object.keys(labels);
  if (names.length > PROBE_LIMITS.userLabels) at.problem(`too many labels (${names.length} > ${PROBE_LIMITS.userLabels})`);
  for (const name of names) {
    if ((RESERVED_PROBE_LABELS as readonly string[]).includes(name)) {
      at.problem(`label "${name}" is set by the probe itself and cannot be overridden`, { under: [name] });
    } else if (!isValidLabelName(name)) {
      at.problem(`invalid label name ${JSON.stringify(name)} (letters, digits and "_", not starting with a digit or "__")`, { under: [name] });
    } else if (typeof labels[name] === 'string' && labels[name].length > LIMITS.labelValueLength) {
      at.problem(`label value longer than ${LIMITS.labelValueLength} characters`, { under: [name] });
    }
  }
});

export const caFile = refine(nonEmpty('a path to a PEM file'), (path, at) => {
  if (path.trim() === '') return;
  try {
    accessSync(path, fsConstants.R_OK);
  } catch (err) {
    at.problem(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
});

export const commonShape = {
  name: probeName,
  interval: optional(duration),
  timeout: optional(duration),
  labels: optional(labelMap),
};

// ---------- cross-field checks ----------

/** Resolved interval and timeout in ms, or undefined when the texts are invalid (reported elsewhere). */
function timing(raw: { interval?: unknown; timeout?: unknown }): { intervalMs: number; timeoutMs: number } | undefined {
  const intervalMs = typeof raw.interval === 'string' ? parseDuration(raw.interval) : PROBE_LIMITS.defaultIntervalMs;
  if (intervalMs === undefined) return undefined;
  const timeoutMs = typeof raw.timeout === 'string' ? parseDuration(raw.timeout) : Math.min(intervalMs, PROBE_LIMITS.defaultMaxTimeoutMs);
  if (timeoutMs === undefined) return undefined;
  return { intervalMs, timeoutMs };
}

export function checkTiming(raw: { interval?: unknown; timeout?: unknown }, at: At): void {
  const resolved = timing(raw);
  if (!resolved) return;
  const intervalText = typeof raw.interval === 'string' ? raw.interval : '10s (default)';
  if (resolved.intervalMs < PROBE_LIMITS.minIntervalMs) at.problem(`${intervalText} is shorter than the minimum 1s`, { under: ['interval'] });
  if (resolved.intervalMs > PROBE_LIMITS.maxIntervalMs) at.problem(`${intervalText} is longer than the maximum 1d`, { under: ['interval'] });
  if (typeof raw.timeout !== 'string') return;
  if (resolved.timeoutMs < PROBE_LIMITS.minTimeoutMs) at.problem(`${raw.timeout} is shorter than the minimum 100ms`, { under: ['timeout'] });
  if (resolved.timeoutMs > resolved.intervalMs) at.problem(`${raw.timeout} is longer than the interval ${intervalText}`, { under: ['timeout'] });
}

/** Strict keys, each reported at its own path with the list of allowed keys. */
export function checkKeys(raw: Record<string, unknown>, allowed: readonly string[], type: string, at: At): void {
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) at.problem(`unknown key for a ${type} probe (allowed: ${allowed.join(', ')})`, { under: [key] });
  }
}

export function common(raw: { name: string; interval?: string; timeout?: string; labels?: Record<string, string> }, target: string): ProbeCommon {
  const { intervalMs, timeoutMs } = timing(raw)!;
  return { name: raw.name, intervalMs, timeoutMs, labels: { ...raw.labels }, target };
}
