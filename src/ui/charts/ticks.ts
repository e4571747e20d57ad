// Number labels for the metric charts: an axis's ticks and a tooltip's values.

const plain = (v: number) => `${+v.toPrecision(3)}`;
const exponent = (v: number) => (v === 0 ? '0' : v.toExponential(1));

/** One value, for a tooltip: three significant digits, or one decimal in exponent form. */
export function formatValue(v: number): string {
  const size = Math.abs(v);
  return size >= 1e4 || (size < 1e-2 && size !== 0) ? exponent(v) : plain(v);
}

/**
 * The tick labels of an axis whose values reach `largest` in size: all in exponent form or none,
 * so that one axis never mixes "0.01" with "7.5e-3" (a learning rate) or "5000" with "1.0e+4"
 * (tokens). Below 0.1 the exponent form is also the narrower ("7.5e-3", not "0.0075").
 */
export function axisTicks(largest: number): (v: number) => string {
  return largest > 0 && (largest >= 1e4 || largest < 0.1) ? exponent : plain;
}

/** The largest size of `value` over the points of these series (0 for none). */
export function largest<T>(series: { points: T[] }[], value: (p: T) => number): number {
  let m = 0;
  for (const s of series) for (const p of s.points) m = Math.max(m, Math.abs(value(p)));
  return m;
}
