// Chart data transforms: TensorBoard-style debiased EMA smoothing and downsampling that keeps
// the shape of long curves (largest-triangle-three-buckets), so 100k points stay smooth to draw.

export interface Point {
  x: number;
  y: number;
}

/**
 * Exponential moving average with weight `w` in [0, 1), debiased as TensorBoard does: the EMA
 * starts at zero, so early values are divided by (1 − w^n) to remove the pull towards zero.
 * Non-finite values are skipped (they keep the previous smoothed value out of the average).
 */
export function smoothEma(points: Point[], w: number): Point[] {
  if (w <= 0) return points;
  let ema = 0;
  let n = 0;
  const out: Point[] = [];
  for (const p of points) {
    if (!Number.isFinite(p.y)) {
      out.push(p);
      continue;
    }
    n++;
    ema = ema * w + (1 - w) * p.y;
    out.push({ x: p.x, y: ema / (1 - w ** n) });
  }
  return out;
}

/** Largest-triangle-three-buckets: at most `threshold` points, first and last kept. */
export function downsample(points: Point[], threshold: number): Point[] {
  const n = points.length;
  if (threshold >= n || threshold < 3) return points;
  const out: Point[] = [points[0]];
  const bucket = (n - 2) / (threshold - 2);
  let a = 0;
  for (let i = 0; i < threshold - 2; i++) {
    const start = Math.floor(i * bucket) + 1;
    const end = Math.min(Math.floor((i + 1) * bucket) + 1, n - 1);
    // The average of the next bucket is the third corner of the triangle.
    const nextStart = end;
    const nextEnd = Math.min(Math.floor((i + 2) * bucket) + 1, n);
    let ax = 0;
    let ay = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      ax += points[j].x;
      ay += points[j].y;
    }
    const count = Math.max(1, nextEnd - nextStart);
    ax /= count;
    ay /= count;
    let best = start;
    let bestArea = -1;
    for (let j = start; j < end; j++) {
      const area = Math.abs(
        (points[a].x - ax) * (points[j].y - points[a].y) -
          (points[a].x - points[j].x) * (ay - points[a].y),
      );
      if (area > bestArea) {
        bestArea = area;
        best = j;
      }
    }
    out.push(points[best]);
    a = best;
  }
  out.push(points[n - 1]);
  return out;
}
