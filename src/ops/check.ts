// Numeric checks shared by the kernel tests: closeness with stated tolerances, and central
// finite differences in float64 for gradient checks.

export interface Tolerance {
  atol: number;
  rtol: number;
}

/** The first index where |a − b| > atol + rtol·|b|, with the worst error; null when all pass. */
export function compare(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance,
): { index: number; actual: number; expected: number; maxAbs: number } | null {
  if (actual.length !== expected.length) {
    throw new Error(`length ${actual.length} != expected ${expected.length}`);
  }
  let bad = -1;
  let maxAbs = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= tol.atol + tol.rtol * Math.abs(expected[i]))) {
      if (bad < 0) bad = i;
      if (Number.isNaN(d)) maxAbs = Number.NaN;
    }
    if (d > maxAbs) maxAbs = d;
  }
  return bad < 0 ? null : { index: bad, actual: actual[bad], expected: expected[bad], maxAbs };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Central-difference gradient of a scalar function f at x (float64), for the listed indices
 * (all by default). f must read x afresh on every call.
 */
export function finiteDifference(
  f: () => number,
  x: Float64Array,
  h = 1e-5,
  indices?: number[],
): Float64Array {
  const g = new Float64Array(x.length);
  for (const i of indices ?? x.keys()) {
    const keep = x[i];
    x[i] = keep + h;
    const up = f();
    x[i] = keep - h;
    const down = f();
    x[i] = keep;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}
