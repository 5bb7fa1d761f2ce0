// The agent's configuration validators: small composable functions that check one value each, report every
// problem at its key path, and return the typed, normalised value. Written by hand instead of using zod, whose
// loading alone cost the agent about 6.6 MiB of its resident memory (docs/agent.md, "Footprint"); used by config/ and probes/.
//
// A validator returns INVALID when the value does not have the expected shape (wrong type, text that does not
// parse); checks that combine several values (refine) then do not run, so that they only ever see well-typed
// input. A value of the right shape that breaks a rule (out of range, bad name, an unknown key beside the known
// ones) is reported and returned all the same, so that the checks above it still run and every problem is listed
// in one pass.

export type PathKey = string | number;

export interface Issue {
  /** Keys from the validated root to the offending value. */
  path: PathKey[];
  message: string;
  /** The offending value, when it is not the one found at `path` (an item of a comma-separated setting). */
  value?: unknown;
  /** The message already names the offending value (or there is none): formatters do not show it again. */
  selfContained?: boolean;
}

export const INVALID: unique symbol = Symbol('invalid');
export type Checked<T> = T | typeof INVALID;

export interface ProblemOptions {
  /** Keys under the current path where the problem lies. */
  under?: readonly PathKey[];
  value?: unknown;
  selfContained?: boolean;
}

/** Where a value sits in the input, and the list its problems go to. */
export class At {
  constructor(
    readonly issues: Issue[] = [],
    readonly path: readonly PathKey[] = [],
  ) {}

  key(key: PathKey): At {
    return new At(this.issues, [...this.path, key]);
  }

  problem(message: string, options: ProblemOptions = {}): void {
    const issue: Issue = { path: [...this.path, ...(options.under ?? [])], message };
    if ('value' in options) issue.value = options.value;
    if (options.selfContained) issue.selfContained = true;
    this.issues.push(issue);
  }
}

export type Validator<T> = (value: unknown, at: At) => Checked<T>;
export type Output<V> = V extends Validator<infer T> ? T : never;

/** Validates a whole input: the typed value, or every problem found. */
export function validate<T>(validator: Validator<T>, value: unknown): { ok: true; value: T } | { ok: false; issues: Issue[] } {
  const at = new At();
  const result = validator(value, at);
  return result === INVALID || at.issues.length > 0 ? { ok: false, issues: at.issues } : { ok: true, value: result };
}

// ---------- messages for a value of the wrong type ----------

/** The text for a value of the wrong type; `selfContained` when it names the value itself. */
export type TypeProblem = (value: unknown) => { message: string; selfContained?: boolean };

/** "is not a string": the formatter shows the value in front of it. */
export const isNot =
  (what: string): TypeProblem =>
  () => ({ message: `is not ${what}` });

/** "required" for a missing value, else "expected X, got number 5". */
export const expecting =
  (what: string): TypeProblem =>
  (value) => ({ message: value === undefined ? 'required' : `expected ${what}, got ${describe(value)}`, selfContained: true });

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `${typeof value} ${typeof value === 'number' ? String(value) : JSON.stringify(value)}`;
}

function typeProblem(at: At, problem: TypeProblem, value: unknown): typeof INVALID {
  const { message, selfContained } = problem(value);
  at.problem(message, { selfContained });
  return INVALID;
}

// ---------- values ----------

export function string(wrongType: TypeProblem = isNot('a string')): Validator<string> {
  return (value, at) => (typeof value === 'string' ? value : typeProblem(at, wrongType, value));
}

export function boolean(wrongType: TypeProblem = isNot('a boolean')): Validator<boolean> {
  return (value, at) => (typeof value === 'boolean' ? value : typeProblem(at, wrongType, value));
}

export interface NumberOptions {
  /** A whole number within the safe integer range (±2^53). */
  integer?: boolean;
  min?: number;
  max?: number;
  wrongType?: TypeProblem;
  /** Texts for a value below min / above max; default "is below the minimum N" / "is above the maximum N". */
  tooSmall?: string;
  tooBig?: string;
}

/** A finite number (a whole one with `integer`), within [min, max]. */
export function number(options: NumberOptions = {}): Validator<number> {
  const wrongType = options.wrongType ?? ((value: unknown) => isNot(Number.isFinite(value) ? 'a whole number' : 'a number')(value));
  const min = options.integer ? Math.max(options.min ?? -Infinity, Number.MIN_SAFE_INTEGER) : options.min;
  const max = options.integer ? Math.min(options.max ?? Infinity, Number.MAX_SAFE_INTEGER) : options.max;
  return (value, at) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || (options.integer && !Number.isInteger(value))) return typeProblem(at, wrongType, value);
    if (min !== undefined && value < min) at.problem(options.tooSmall ?? `is below the minimum ${min}`);
    else if (max !== undefined && value > max) at.problem(options.tooBig ?? `is above the maximum ${max}`);
    return value;
  };
}

/** One of a fixed list of strings. */
export function oneOf<const T extends string>(values: readonly T[]): Validator<T> {
  const listed = values.map((v) => JSON.stringify(v)).join(', ');
  return (value, at) => {
    if ((values as readonly unknown[]).includes(value)) return value as T;
    at.problem(`is not one of ${listed}`);
    return INVALID;
  };
}

// ---------- combinators ----------

/** Leaves a missing (undefined) value out; null and every other value are validated. */
export function optional<T>(validator: Validator<T>): Validator<T | undefined> {
  return (value, at) => (value === undefined ? undefined : validator(value, at));
}

/** A missing value becomes a copy of `fallback` (not validated: it is the validated form already). */
export function withDefault<T>(validator: Validator<T>, fallback: T): Validator<T> {
  return (value, at) => (value === undefined ? copy(fallback) : validator(value, at));
}

/** A missing value is read as `input` written by the operator ("10s" for a duration), then validated. */
export function orInput<T>(validator: Validator<T>, input: unknown): Validator<T> {
  return (value, at) => validator(value === undefined ? copy(input) : value, at);
}

function copy<T>(value: T): T {
  if (Array.isArray(value)) return [...value] as T;
  if (isMap(value)) return { ...value } as T;
  return value;
}

/** Runs `check` on a value of the right shape; it reports its problems through `at` and keeps the value. */
export function refine<T>(validator: Validator<T>, check: (value: T, at: At) => void): Validator<T> {
  return (value, at) => {
    const result = validator(value, at);
    if (result !== INVALID) check(result, at);
    return result;
  };
}

/**
 * Runs `check` on any mapping, whatever problems its fields have: for checks across keys that tolerate bad values,
 * so that every problem of an item is reported in one pass.
 */
export function crossCheck<T>(validator: Validator<T>, check: (input: Record<string, unknown>, at: At) => void): Validator<T> {
  return (value, at) => {
    const result = validator(value, at);
    if (isMap(value)) check(value, at);
    return result;
  };
}

/** Turns a value of the right shape into another, once it has no problem at all. */
export function transform<T, U>(validator: Validator<T>, to: (value: T) => U): Validator<U> {
  return (value, at) => {
    const before = at.issues.length;
    const result = validator(value, at);
    return result === INVALID || at.issues.length > before ? INVALID : to(result);
  };
}

export interface ListOptions {
  wrongType?: TypeProblem;
  /** The text for an empty list, when a list must name at least one item. */
  nonEmpty?: string;
}

export function array<T>(item: Validator<T>, options: ListOptions = {}): Validator<T[]> {
  const wrongType = options.wrongType ?? isNot('a list');
  return (value, at) => {
    if (!Array.isArray(value)) return typeProblem(at, wrongType, value);
    if (options.nonEmpty !== undefined && value.length === 0) at.problem(options.nonEmpty);
    let shapeOk = true;
    const items = value.map((element, index) => {
      const result = item(element, at.key(index));
      if (result === INVALID) shapeOk = false;
      return result;
    });
    return shapeOk ? (items as T[]) : INVALID;
  };
}

/** True for a mapping of keys (what YAML maps parse to), not a list or null. */
export function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A mapping of any keys to values checked by `entry`. */
export function record<T>(entry: Validator<T>, wrongType: TypeProblem = isNot('a map')): Validator<Record<string, T>> {
  return (value, at) => {
    if (!isMap(value)) return typeProblem(at, wrongType, value);
    let shapeOk = true;
    const out: Record<string, T> = {};
    for (const [key, element] of Object.entries(value)) {
      const result = entry(element, at.key(key));
      if (result === INVALID) shapeOk = false;
      else out[key] = result;
    }
    return shapeOk ? out : INVALID;
  };
}

export type Shape = Record<string, Validator<unknown>>;
export type ObjectOutput<S extends Shape> = { [K in keyof S]: Output<S[K]> };

export interface ObjectOptions {
  wrongType?: TypeProblem;
  /**
   * 'reject' (default): a key not in the shape is a problem, with the closest known key as a hint. The known keys
   * still make a usable value, so that checks across them run too.
   */
  unknownKeys?: 'reject' | 'ignore';
}

/** A mapping with the keys of `shape`, each checked by its validator, in the shape's order. */
export function object<S extends Shape>(shape: S, options: ObjectOptions = {}): Validator<ObjectOutput<S>> {
  const wrongType = options.wrongType ?? isNot('a map');
  const known = Object.keys(shape);
  return (value, at) => {
    if (!isMap(value)) return typeProblem(at, wrongType, value);
    let shapeOk = true;
    const out: Record<string, unknown> = {};
    for (const key of known) {
      const result = shape[key]!(value[key], at.key(key));
      if (result === INVALID) shapeOk = false;
      else if (result !== undefined) out[key] = result;
    }
    if (options.unknownKeys !== 'ignore') {
      for (const key of Object.keys(value)) {
        if (known.includes(key)) continue;
        const guess = closest(key, known);
        at.problem(`unknown key${guess ? ` (did you mean ${guess}?)` : ''}`, { under: [key], selfContained: true });
      }
    }
    return shapeOk ? (out as ObjectOutput<S>) : INVALID;
  };
}

/** The candidate within a few edits of `word`, for "did you mean" hints. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(word, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
