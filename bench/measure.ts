// Timing: warm-up per engine (V8 tiers wasm up from Liftoff to TurboFan after the first calls),
// then rounds in which every engine runs a short batch, in an order that rotates each round, so
// that slow drift (thermal, other processes) hits every engine alike. Each run is timed on its own.
//
// V8 compiles the optimized code on background threads. When the other cores are busy that code can
// arrive seconds late, and a fixed warm-up then times baseline code (a session-6 run had Mote SIMD
// 2.5x slow on one model for its whole timed section). So warm-up goes on until the run time stops
// falling, and each engine's result says whether it settled and how far its first round was from
// its last: a bench that timed unsettled code says so instead of printing a wrong ratio.
import type { PreparedEngine } from './engines/types.js';
import { quantile, summarize, type Timing } from '../host/timing.js';

// The statistics live in host/timing.ts (the CLI's `mote bench` uses them too).
export { quantile, summarize, type Timing };

export interface MeasureOptions {
  warmupMs: number;
  warmupRuns: number;
  rounds: number;
  /** Target time of one engine's batch in a round. */
  roundMs: number;
  minRunsPerRound: number;
  /** Warm-up continues past warmupMs until the run time stops falling, up to this long. */
  warmupMaxMs: number;
}

/** How an engine's warm-up and timed rounds went: the evidence that it timed settled code. */
export interface Settling {
  warmupMs: number;
  warmupRuns: number;
  /** The last warm-up window's median was within SETTLED_GAIN of the window before it. */
  settled: boolean;
  /** Median of the first timed round ÷ median of the last (≈ 1 when the code was settled). */
  firstOverLastRound: number;
}

/** A window median this much below the previous window's means the code is still getting faster. */
const SETTLED_GAIN = 0.97;
/** first ÷ last round above this is reported as drift (tier-up or load change during timing). */
export const DRIFT_LIMIT = 1.15;

export const FULL: MeasureOptions = { warmupMs: 400, warmupRuns: 50, rounds: 10, roundMs: 60, minRunsPerRound: 2, warmupMaxMs: 4000 };
export const QUICK: MeasureOptions = { warmupMs: 60, warmupRuns: 5, rounds: 3, roundMs: 15, minRunsPerRound: 1, warmupMaxMs: 300 };

function medianOf(xs: number[]): number {
  return quantile([...xs].sort((a, b) => a - b), 0.5);
}

/**
 * True once the newest window of warm-up runs is not clearly faster than the window before it. A
 * window is at least 10 runs and half the minimum warm-up time, so one slow run or a short
 * burst of other load does not decide it.
 */
function warmupSettled(ms: number[], opts: MeasureOptions): boolean {
  let w = 0;
  for (let sum = 0; w < ms.length && (w < 10 || sum < opts.warmupMs / 2); w++) sum += ms[ms.length - 1 - w];
  if (2 * w > ms.length) return false;
  const last = medianOf(ms.slice(ms.length - w));
  const before = medianOf(ms.slice(ms.length - 2 * w, ms.length - w));
  return last >= SETTLED_GAIN * before;
}

/** Milliseconds from a monotonic source; tests pass a simulated one to make the timing logic deterministic. */
export type Clock = () => number;

async function runOnce(e: PreparedEngine, now: Clock): Promise<number> {
  if (e.async) {
    const t0 = now();
    await e.run();
    return now() - t0;
  }
  const t0 = now();
  e.run();
  return now() - t0;
}

/** Measures every prepared engine of one case; an engine that throws gets its error instead. */
export async function measureInterleaved(
  engines: Map<string, PreparedEngine>,
  opts: MeasureOptions,
  now: Clock = () => performance.now(),
): Promise<Map<string, (Timing & { settling: Settling }) | Error>> {
  const result = new Map<string, (Timing & { settling: Settling }) | Error>();
  const estimate = new Map<string, number>();
  const samples = new Map<string, number[]>();
  const rounds = new Map<string, number[][]>();
  const warm = new Map<string, { ms: number; runs: number; settled: boolean }>();
  for (const [id, e] of engines) {
    try {
      const ms: number[] = [];
      const start = now();
      let settled = false;
      let nextCheck = start + opts.warmupMs;
      for (;;) {
        ms.push(await runOnce(e, now));
        // Not a run count cap: optimized code is compiled in the background and only used by later
        // calls, so even the fastest engine keeps warming for warmupMs, and longer while it speeds up.
        const t = now();
        if (ms.length < opts.warmupRuns || t < nextCheck) continue;
        if ((settled = warmupSettled(ms, opts)) || t - start >= opts.warmupMaxMs) break;
        nextCheck = t + opts.warmupMs / 8; // the check sorts two windows: not after every run
      }
      warm.set(id, { ms: now() - start, runs: ms.length, settled });
      const tail = ms.slice(ms.length >> 1).sort((a, b) => a - b);
      estimate.set(id, Math.max(quantile(tail, 0.5), 1e-4));
      samples.set(id, []);
      rounds.set(id, []);
    } catch (err) {
      result.set(id, err instanceof Error ? err : new Error(String(err)));
    }
  }
  const ids = [...samples.keys()];
  for (let r = 0; r < opts.rounds; r++) {
    for (let j = 0; j < ids.length; j++) {
      const id = ids[(j + r) % ids.length];
      if (result.has(id)) continue;
      const e = engines.get(id)!;
      const n = Math.max(opts.minRunsPerRound, Math.min(20000, Math.round(opts.roundMs / estimate.get(id)!)));
      try {
        const list = samples.get(id)!;
        const round: number[] = [];
        for (let i = 0; i < n; i++) round.push(await runOnce(e, now));
        list.push(...round);
        rounds.get(id)!.push(round);
      } catch (err) {
        result.set(id, err instanceof Error ? err : new Error(String(err)));
      }
    }
  }
  for (const id of ids) {
    if (result.has(id)) continue;
    const r = rounds.get(id)!;
    const w = warm.get(id)!;
    const settling: Settling = {
      warmupMs: w.ms,
      warmupRuns: w.runs,
      settled: w.settled,
      firstOverLastRound: r.length ? medianOf(r[0]) / medianOf(r[r.length - 1]) : NaN,
    };
    result.set(id, { ...summarize(samples.get(id)!), settling });
  }
  return result;
}
