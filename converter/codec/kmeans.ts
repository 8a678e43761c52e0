// 1-D k-means (Lloyd's algorithm with k-means++ seeding) for weight sharing: every weight is
// replaced by the centroid of its cluster, so a layer needs only k distinct values (log2 k bits of
// index each). Seeded, so conversions are reproducible.
import { mulberry32 } from '../util/random.js';

export interface KMeansResult {
  /** Cluster centres, ascending; empty clusters are dropped, so length <= k. */
  centroids: Float64Array;
  /** Index into centroids of each input value. */
  assignments: Uint8Array;
  iterations: number;
}

export { mulberry32 };

function nearest(x: number, c: Float64Array): number {
  // Centroids are kept sorted, so a binary search finds the nearest one; ties go to the lower one.
  let lo = 0, hi = c.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x > (c[mid] + c[mid + 1]) / 2) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function kmeans1d(values: ArrayLike<number>, k: number, opts: { seed?: number; maxIterations?: number } = {}): KMeansResult {
  if (!Number.isInteger(k) || k < 1 || k > 256) throw new RangeError(`k-means: k must be 1..256, got ${k}`);
  const n = values.length;
  if (n === 0) return { centroids: new Float64Array(0), assignments: new Uint8Array(0), iterations: 0 };
  const rand = mulberry32(opts.seed ?? 1);
  const maxIt = opts.maxIterations ?? 100;
  const distinct = Array.from(new Set(Array.from(values, Number))).sort((a, b) => a - b);
  let c: Float64Array;
  if (distinct.length <= k) {
    c = Float64Array.from(distinct); // exact: every value is its own centroid
  } else {
    // k-means++: the first centre uniformly, the rest with probability ∝ squared distance.
    const seeds: number[] = [values[Math.floor(rand() * n)]];
    const d2 = new Float64Array(n);
    for (let i = 0; i < n; i++) d2[i] = (values[i] - seeds[0]) ** 2;
    while (seeds.length < k) {
      let total = 0;
      for (let i = 0; i < n; i++) total += d2[i];
      if (total === 0) break;
      let r = rand() * total, pick = n - 1;
      for (let i = 0; i < n; i++) {
        r -= d2[i];
        if (r < 0) { pick = i; break; }
      }
      const s = values[pick];
      seeds.push(s);
      for (let i = 0; i < n; i++) d2[i] = Math.min(d2[i], (values[i] - s) ** 2);
    }
    c = Float64Array.from(new Set(seeds)).sort();
  }
  // Lloyd: assign each value to its nearest centre, move each centre to its members' mean; stop
  // when no centre moves (then the assignment is stable too). Empty clusters are dropped; in 1-D
  // the means stay in ascending order.
  const assign = new Uint8Array(n);
  let it = 0, converged = false;
  while (it < maxIt && !converged) {
    it++;
    for (let i = 0; i < n; i++) assign[i] = nearest(values[i], c);
    const sum = new Float64Array(c.length), cnt = new Float64Array(c.length);
    for (let i = 0; i < n; i++) { sum[assign[i]] += values[i]; cnt[assign[i]]++; }
    const next: number[] = [];
    for (let j = 0; j < c.length; j++) if (cnt[j] > 0) next.push(sum[j] / cnt[j]);
    converged = next.length === c.length && next.every((v, j) => v === c[j]);
    c = Float64Array.from(next);
  }
  for (let i = 0; i < n; i++) assign[i] = nearest(values[i], c);
  return { centroids: c, assignments: assign, iterations: it };
}
