// Detection of one abrupt level shift (a data migration, a new tenant, a cleanup) in a series that
// otherwise grows linearly. A shift left in the data tilts any trend fitted through it; modelled as an
// intervention, the trend is measured on both sides with a common slope.

export interface LevelShift {
  /** First position after the shift. */
  at: number;
  size: number;
  /** (SSE without − SSE with the shift) / (SSE with / (n − 3)): how much the shift explains. */
  score: number;
}

export interface LevelShiftOptions {
  /** Least positions on each side of the shift. */
  minSegment: number;
  /** Least score to accept (an F statistic with 1 and n − 3 degrees of freedom). */
  minScore: number;
  /** Least size as a multiple of the residual standard deviation. */
  minSigmas: number;
}

export const DEFAULT_LEVEL_SHIFT: LevelShiftOptions = { minSegment: 24, minScore: 200, minSigmas: 4 };

/**
 * Finds the position τ that best explains y as a + b·t + c·[t ≥ τ] (least squares over every τ, each in
 * O(1) from prefix sums), and returns it when the shift is both significant and large. NaN are skipped.
 */
export function detectLevelShift(y: ArrayLike<number>, options: LevelShiftOptions = DEFAULT_LEVEL_SHIFT): LevelShift | undefined {
  const n = y.length;
  // Suffix sums over finite points: count, Σt, Σy from position i on.
  const sufN = new Float64Array(n + 1);
  const sufT = new Float64Array(n + 1);
  const sufY = new Float64Array(n + 1);
  let s1 = 0;
  let st = 0;
  let stt = 0;
  let sy = 0;
  let sty = 0;
  let syy = 0;
  for (let i = n - 1; i >= 0; i--) {
    const v = y[i]!;
    const finite = v === v;
    sufN[i] = sufN[i + 1]! + (finite ? 1 : 0);
    sufT[i] = sufT[i + 1]! + (finite ? i : 0);
    sufY[i] = sufY[i + 1]! + (finite ? v : 0);
    if (finite) {
      s1++;
      st += i;
      stt += i * i;
      sy += v;
      sty += i * v;
      syy += v * v;
    }
  }
  if (s1 < 2 * options.minSegment + 3) return undefined;
  // Line only.
  const det2 = s1 * stt - st * st;
  if (!(det2 > 0)) return undefined;
  const b2 = (s1 * sty - st * sy) / det2;
  const a2 = (sy - b2 * st) / s1;
  const sseLine = syy - a2 * sy - b2 * sty;
  let best: { at: number; sse: number; c: number } | undefined;
  for (let tau = options.minSegment; tau <= n - options.minSegment; tau++) {
    const dn = sufN[tau]!;
    if (dn < options.minSegment || s1 - dn < options.minSegment) continue;
    const dt = sufT[tau]!;
    const dy = sufY[tau]!;
    // Normal equations for (a, b, c) with regressors 1, t, D (D = 1 from tau on); ΣD² = ΣD = dn, ΣtD = dt.
    const solution = solve3(s1, st, stt, dn, dt, sy, sty, dy);
    if (!solution) continue;
    const [a, b, c] = solution;
    const sse = syy - a * sy - b * sty - c * dy;
    if (!best || sse < best.sse) best = { at: tau, sse, c };
  }
  if (!best || !(best.sse > 0)) return undefined;
  const sigma = Math.sqrt(best.sse / (s1 - 3));
  const score = (sseLine - best.sse) / (best.sse / (s1 - 3));
  if (score < options.minScore || Math.abs(best.c) < options.minSigmas * sigma) return undefined;
  return { at: best.at, size: best.c, score };
}

/**
 * Solves the symmetric system [[s1, st, dn], [st, stt, dt], [dn, dt, dn]]·(a, b, c) = (sy, sty, dy) by
 * Cramer's rule, without allocating (it runs once per candidate position).
 */
function solve3(s1: number, st: number, stt: number, dn: number, dt: number, sy: number, sty: number, dy: number): [number, number, number] | undefined {
  const det3 = (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number) =>
    a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  const d = det3(s1, st, dn, st, stt, dt, dn, dt, dn);
  if (!(Math.abs(d) > 1e-9)) return undefined;
  return [
    det3(sy, st, dn, sty, stt, dt, dy, dt, dn) / d,
    det3(s1, sy, dn, st, sty, dt, dn, dy, dn) / d,
    det3(s1, st, sy, st, stt, sty, dn, dt, dy) / d,
  ];
}

export interface ShiftedLine {
  intercept: number;
  slope: number;
  /** Size of the shift at `at` (0 without one). */
  size: number;
}

/** Least squares a + b·t (+ c·[t ≥ at] when `at` is given) over the finite values of y. */
export function fitShiftedLine(y: ArrayLike<number>, at?: number): ShiftedLine | undefined {
  let s1 = 0, st = 0, stt = 0, sy = 0, sty = 0, dn = 0, dt = 0, dy = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (v !== v) continue;
    s1++;
    st += i;
    stt += i * i;
    sy += v;
    sty += i * v;
    if (at !== undefined && i >= at) {
      dn++;
      dt += i;
      dy += v;
    }
  }
  if (at === undefined || dn === 0 || dn === s1) {
    const det = s1 * stt - st * st;
    if (s1 < 2 || !(det > 0)) return undefined;
    const slope = (s1 * sty - st * sy) / det;
    return { intercept: (sy - slope * st) / s1, slope, size: 0 };
  }
  const solution = solve3(s1, st, stt, dn, dt, sy, sty, dy);
  return solution && { intercept: solution[0], slope: solution[1], size: solution[2] };
}
