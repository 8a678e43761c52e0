// Latency statistics shared by `npm run bench` (bench/) and the CLI's `mote bench` / `mote profile`:
// many timed runs summarised by median and the 10th/90th percentiles. Medians rather than means
// because a few runs always catch a GC pause or another process, and p10/p90 show the spread.

export interface Timing {
  runs: number;
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  meanMs: number;
}

/** The q-quantile (0..1) of ascending `sorted`, linearly interpolated between neighbours; NaN when empty. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Median, p10, p90 and mean of millisecond samples (any order). */
export function summarize(samples: number[]): Timing {
  const s = [...samples].sort((a, b) => a - b);
  return {
    runs: s.length,
    medianMs: quantile(s, 0.5),
    p10Ms: quantile(s, 0.1),
    p90Ms: quantile(s, 0.9),
    meanMs: s.reduce((a, b) => a + b, 0) / s.length,
  };
}
