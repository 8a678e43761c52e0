// Gather with constant indices on a tensor computed at run time, for both importers: the indices
// split into runs of equally spaced values, each run one strided_slice along the gathered axis
// (the runs are then concatenated). [4, 2, 0] is one slice of stride −2; [3, 1, 1, 2] is three.

export interface IndexRun {
  start: number;
  step: number;
  count: number;
}

/** At most this many runs (slices, concat inputs) per gather: past it the lowering is refused. */
export const MAX_GATHER_RUNS = 64;

/** Indices (resolved, in range) as runs of equally spaced values; a run of one has step 1. */
export function indexRuns(idx: readonly number[]): IndexRun[] {
  const runs: IndexRun[] = [];
  for (let i = 0; i < idx.length; ) {
    const step = i + 1 < idx.length ? idx[i + 1] - idx[i] : 1;
    let n = 1;
    if (step !== 0) while (i + n < idx.length && idx[i + n] - idx[i + n - 1] === step) n++;
    runs.push({ start: idx[i], step: n > 1 ? step : 1, count: n });
    i += n;
  }
  return runs;
}
