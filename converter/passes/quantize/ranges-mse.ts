// Range collectors that search the clipping thresholds instead of taking them as seen:
//   mse  minimises the expected int8 quantization error of the tensor's values, E[(x − q(x))²], over
//        clipping ranges [a, b] ∋ 0: values inside cost Δ²/12 (uniform rounding, Δ = (b − a)/255),
//        values outside cost their distance to the clip, squared;
//   kl   TensorRT's entropy calibration: the threshold T on |x| whose 2048-bin histogram, clipped at
//        T and requantized to the int8 levels available (128 for a signed tensor, 255 for a
//        non-negative one), loses the least information, KL(P‖Q).
// Both work on a histogram of a deterministic uniform reservoir sample of the values (bounded
// memory), over the exact min/max seen.
import type { Range, RangeCollector } from './ranges.js';

export const HIST_BINS = 2048;
const RESERVOIR = 65536;

/** A histogram over [lo, hi] (bin i covers lo + [i, i+1)·width). */
export interface Histogram {
  lo: number;
  hi: number;
  counts: Float64Array;
}

/** Bounded uniform sample of the values plus the exact extremes. */
class Reservoir {
  readonly values = new Float32Array(RESERVOIR);
  filled = 0;
  private seen = 0;
  private state = 0x2545f491;
  min = Infinity;
  max = -Infinity;
  add(xs: Float32Array): void {
    for (let i = 0; i < xs.length; i++) {
      const v = xs[i];
      if (Number.isNaN(v)) continue;
      if (v < this.min) this.min = v;
      if (v > this.max) this.max = v;
      this.seen++;
      if (this.filled < RESERVOIR) {
        this.values[this.filled++] = v;
      } else {
        let x = this.state;
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        this.state = x >>> 0;
        const j = Math.floor((this.state / 4294967296) * this.seen);
        if (j < RESERVOIR) this.values[j] = v;
      }
    }
  }
}

/** Histogram of `values` over [lo, hi] with `bins` bins. */
export function histogram(values: ArrayLike<number>, lo: number, hi: number, bins = HIST_BINS): Histogram {
  const counts = new Float64Array(bins);
  const width = (hi - lo) / bins;
  for (let i = 0; i < values.length; i++) {
    const b = width > 0 ? Math.min(bins - 1, Math.max(0, Math.floor((values[i] - lo) / width))) : 0;
    counts[b]++;
  }
  return { lo, hi, counts };
}

/** Expected squared int8 error of the histogram's values under clipping range [a, b] (a ≤ 0 ≤ b). */
export function expectedQuantError(h: Histogram, a: number, b: number): number {
  const n = h.counts.length;
  const width = (h.hi - h.lo) / n;
  const delta = (b - a) / 255;
  let err = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const c = h.counts[i];
    if (c === 0) continue;
    total += c;
    const x = h.lo + (i + 0.5) * width;
    if (x < a) err += c * (x - a) ** 2;
    else if (x > b) err += c * (x - b) ** 2;
    else err += (c * delta * delta) / 12;
  }
  return total > 0 ? err / total : 0;
}

/**
 * The range [a, b] ∋ 0 minimising expectedQuantError, searched on a grid of `steps` candidates for
 * each end (a ∈ min·k/steps, b ∈ max·k/steps), in O(bins + steps²) with prefix sums.
 */
export function mseRange(h: Histogram, steps = 128): Range {
  const lo = Math.min(0, h.lo);
  const hi = Math.max(0, h.hi);
  if (lo === hi) return { min: 0, max: 0 };
  const n = h.counts.length;
  const width = (h.hi - h.lo) / n;
  // prefix sums of c, c·x, c·x² over bins (centres)
  const P0 = new Float64Array(n + 1);
  const P1 = new Float64Array(n + 1);
  const P2 = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const c = h.counts[i];
    const x = h.lo + (i + 0.5) * width;
    P0[i + 1] = P0[i] + c;
    P1[i + 1] = P1[i] + c * x;
    P2[i + 1] = P2[i] + c * x * x;
  }
  const total = P0[n];
  if (total === 0) return { min: lo, max: hi };
  // first bin whose centre is > t
  const firstAbove = (t: number) => Math.min(n, Math.max(0, width > 0 ? Math.ceil((t - h.lo) / width - 0.5) : n));
  const lows = lo < 0 ? Array.from({ length: steps }, (_, k) => (lo * (k + 1)) / steps) : [0];
  const highs = hi > 0 ? Array.from({ length: steps }, (_, k) => (hi * (k + 1)) / steps) : [0];
  let best = { min: lo, max: hi };
  let bestErr = Infinity;
  for (const a of lows) {
    const ia = firstAbove(a); // bins [0, ia) have centre ≤ a: clipped low when centre < a
    const belowErr = P2[ia] - 2 * a * P1[ia] + a * a * P0[ia];
    for (const b of highs) {
      if (b - a <= 0) continue;
      const ib = firstAbove(b); // bins [ib, n) clipped high
      const aboveErr = P2[n] - P2[ib] - 2 * b * (P1[n] - P1[ib]) + b * b * (P0[n] - P0[ib]);
      const inside = P0[ib] - P0[ia];
      const delta = (b - a) / 255;
      const err = belowErr + aboveErr + (inside * delta * delta) / 12;
      if (err < bestErr) {
        bestErr = err;
        best = { min: a, max: b };
      }
    }
  }
  return best;
}

/** KL(P‖Q) of two unnormalised distributions (normalised here); bins where P = 0 add nothing. */
function kl(p: Float64Array, q: Float64Array): number {
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    sp += p[i];
    sq += q[i];
  }
  let d = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] === 0) continue;
    const pi = p[i] / sp;
    const qi = q[i] / sq;
    d += qi > 0 ? pi * Math.log(pi / qi) : Infinity;
  }
  return d;
}

/**
 * TensorRT entropy calibration on a histogram of |x| over [0, hmax]: the bin count i ≥ levels
 * whose clipped distribution P (outliers folded into bin i−1) is closest in KL to Q, P merged into
 * `levels` groups and spread back over each group's nonzero bins. Returns the threshold i·width.
 */
export function klThreshold(absHist: Float64Array, hmax: number, levels: number): number {
  const n = absHist.length;
  const width = hmax / n;
  if (n <= levels) return hmax;
  let bestI = n;
  let best = Infinity;
  for (let i = levels; i <= n; i++) {
    const p = absHist.slice(0, i);
    let outliers = 0;
    for (let j = i; j < n; j++) outliers += absHist[j];
    p[i - 1] += outliers;
    const q = new Float64Array(i);
    for (let g = 0; g < levels; g++) {
      const start = Math.floor((g * i) / levels);
      const end = Math.floor(((g + 1) * i) / levels);
      let sum = 0;
      let nonzero = 0;
      for (let j = start; j < end; j++) {
        sum += absHist[j];
        if (absHist[j] > 0) nonzero++;
      }
      for (let j = start; j < end; j++) if (absHist[j] > 0) q[j] = sum / nonzero;
    }
    const d = kl(p, q);
    if (d < best) {
      best = d;
      bestI = i;
    }
  }
  return bestI * width;
}

export class MseCollector implements RangeCollector {
  private readonly r = new Reservoir();
  add(values: Float32Array): void {
    this.r.add(values);
  }
  range(): Range {
    if (this.r.filled === 0) return { min: 0, max: 0 };
    const h = histogram(this.r.values.subarray(0, this.r.filled), Math.min(0, this.r.min), Math.max(0, this.r.max));
    return mseRange(h);
  }
}

export class KlCollector implements RangeCollector {
  private readonly r = new Reservoir();
  add(values: Float32Array): void {
    this.r.add(values);
  }
  range(): Range {
    const { min, max } = this.r;
    if (this.r.filled === 0) return { min: 0, max: 0 };
    const amax = Math.max(Math.abs(min), Math.abs(max));
    if (amax === 0) return { min: 0, max: 0 };
    const abs = new Float64Array(HIST_BINS);
    for (let i = 0; i < this.r.filled; i++) abs[Math.min(HIST_BINS - 1, Math.floor((Math.abs(this.r.values[i]) / amax) * HIST_BINS))]++;
    const levels = min >= 0 ? 255 : 128;
    const t = klThreshold(abs, amax, levels);
    return { min: Math.max(min, -t), max: Math.min(max, t) };
  }
}
