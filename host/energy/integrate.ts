// Trapezoid-rule integration of sampled power over a time interval. Between samples the signal is
// taken as linear, so the result is exact for piecewise-linear power with breakpoints on samples;
// interval ends that fall between samples use the linearly interpolated value.

/** Index of the first sample with t >= x (t sorted ascending); t.length if none. */
export function lowerBound(t: Float64Array, x: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (t[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function valueAt(t: Float64Array, y: Float64Array, x: number, right: number): number {
  // `right` is the first sample at or after x (0 < right < length when x is inside the trace).
  if (right <= 0) return y[0];
  if (right >= t.length) return y[t.length - 1];
  if (t[right] === x) return y[right];
  const l = right - 1;
  const f = (x - t[l]) / (t[right] - t[l]);
  return y[l] + f * (y[right] - y[l]);
}

/** ∫ y dt over [t0, t1] (t0 <= t1, both inside the sampled range). */
export function integrateTrapezoid(t: Float64Array, y: Float64Array, t0: number, t1: number): number {
  if (t1 <= t0) return 0;
  const i0 = lowerBound(t, t0); // first sample inside
  const i1 = lowerBound(t, t1); // first sample at or after the end
  const y0 = valueAt(t, y, t0, i0);
  const y1 = valueAt(t, y, t1, i1);
  // Samples strictly inside (t0, t1), bracketed by the interpolated end values.
  let first = i0;
  if (first < t.length && t[first] === t0) first++;
  let sum = 0;
  let prevT = t0;
  let prevY = y0;
  for (let i = first; i < i1 && i < t.length; i++) {
    sum += 0.5 * (prevY + y[i]) * (t[i] - prevT);
    prevT = t[i];
    prevY = y[i];
  }
  sum += 0.5 * (prevY + y1) * (t1 - prevT);
  return sum;
}
