// Field schemas and cross-field checks shared by every probe type: names, durations, labels, CA files, timing,
// strict keys. Each problem is reported at its key's own path, and every problem of a probe in one pass.
import { accessSync, constants as fsConstants } from 'node:fs';
import { z } from 'zod';
import { isValidLabelName, LIMITS, parseDuration } from '@vigil/proto';
import { PROBE_LIMITS, RESERVED_PROBE_LABELS, type ProbeCommon } from './probe.config.types.js';
import { regexProblem } from './probe.targets.js';

export type Ctx = z.core.$RefinementCtx;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Error texts for a wrong or missing value: "required" or "expected X, got number 5". */
export function expecting(what: string) {
  return { error: (issue: { input?: unknown }) => (issue.input === undefined ? 'required' : `expected ${what}, got ${describe(issue.input)}`) };
}

/**
 * Zod skips refinements once a value inside has the wrong type; cross-key checks are written to
 * tolerate bad values so that every problem of a probe is reported in one pass.
 */
export const ALWAYS_ON_OBJECTS = { when: (payload: { value: unknown }) => typeof payload.value === 'object' && payload.value !== null };

export const text = (what = 'a string') => z.string(expecting(what));
export const flag = () => z.boolean(expecting('true or false')).optional();
export const nonEmpty = (what: string) =>
  text(what).superRefine((value, ctx) => {
    if (value.trim() === '') ctx.addIssue({ code: 'custom', message: 'must not be empty' });
  });

export const duration = text('a duration such as 10s').superRefine((value, ctx) => {
  if (parseDuration(value) === undefined) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a duration (use e.g. 500ms, 10s, 1m)` });
});

export const regex = text('a regular expression').superRefine((value, ctx) => {
  const problem = regexProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
const probeName = text('a probe name').superRefine((value, ctx) => {
  if (!NAME_RE.test(value) || value.length > PROBE_LIMITS.nameLength) {
    ctx.addIssue({
      code: 'custom',
      message: `${JSON.stringify(value)} is not a valid probe name (letters, digits, "_", ".", ":", "-"; starts with a letter or digit; at most ${PROBE_LIMITS.nameLength} characters)`,
    });
  }
});

const labelMap = z.record(z.string(), text('a string label value')).superRefine((labels, ctx) => {
  const names = Object.keys(labels);
  if (names.length > PROBE_LIMITS.userLabels) ctx.addIssue({ code: 'custom', message: `too many labels (${names.length} > ${PROBE_LIMITS.userLabels})` });
  for (const name of names) {
    if ((RESERVED_PROBE_LABELS as readonly string[]).includes(name)) {
      ctx.addIssue({ code: 'custom', path: [name], message: `label "${name}" is set by the probe itself and cannot be overridden` });
    } else if (!isValidLabelName(name)) {
      ctx.addIssue({ code: 'custom', path: [name], message: `invalid label name ${JSON.stringify(name)} (letters, digits and "_", not starting with a digit or "__")` });
    } else if (typeof labels[name] === 'string' && labels[name]!.length > LIMITS.labelValueLength) {
      ctx.addIssue({ code: 'custom', path: [name], message: `label value longer than ${LIMITS.labelValueLength} characters` });
    }
  }
}, ALWAYS_ON_OBJECTS);

export const caFile = nonEmpty('a path to a PEM file').superRefine((path, ctx) => {
  if (path.trim() === '') return;
  try {
    accessSync(path, fsConstants.R_OK);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
  }
});

export const commonShape = {
  name: probeName,
  interval: duration.optional(),
  timeout: duration.optional(),
  labels: labelMap.optional(),
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

export function checkTiming(raw: { interval?: unknown; timeout?: unknown }, ctx: Ctx): void {
  const resolved = timing(raw);
  if (!resolved) return;
  const intervalText = typeof raw.interval === 'string' ? raw.interval : '10s (default)';
  if (resolved.intervalMs < PROBE_LIMITS.minIntervalMs) ctx.addIssue({ code: 'custom', path: ['interval'], message: `${intervalText} is shorter than the minimum 1s` });
  if (resolved.intervalMs > PROBE_LIMITS.maxIntervalMs) ctx.addIssue({ code: 'custom', path: ['interval'], message: `${intervalText} is longer than the maximum 1d` });
  if (typeof raw.timeout !== 'string') return;
  if (resolved.timeoutMs < PROBE_LIMITS.minTimeoutMs) ctx.addIssue({ code: 'custom', path: ['timeout'], message: `${raw.timeout} is shorter than the minimum 100ms` });
  if (resolved.timeoutMs > resolved.intervalMs) {
    ctx.addIssue({ code: 'custom', path: ['timeout'], message: `${raw.timeout} is longer than the interval ${intervalText}` });
  }
}

/** Strict keys with messages at the key's own path (zod's unrecognized_keys names only the object). */
export function checkKeys(raw: Record<string, unknown>, allowed: readonly string[], type: string, ctx: Ctx): void {
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) {
      ctx.addIssue({ code: 'custom', path: [key], message: `unknown key for a ${type} probe (allowed: ${allowed.join(', ')})` });
    }
  }
}

export function common(raw: { name: string; interval?: string; timeout?: string; labels?: Record<string, string> }, target: string): ProbeCommon {
  const { intervalMs, timeoutMs } = timing(raw)!;
  return { name: raw.name, intervalMs, timeoutMs, labels: { ...raw.labels }, target };
}