// Timing: warm-up per engine (V8 tiers wasm up from Liftoff to TurboFan after the first calls),
// then rounds in which every engine runs a short batch, in an order that rotates each round, so
// that slow drift (thermal, other processes) hits every engine alike. Each run is timed on its own.
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
}

export const FULL: MeasureOptions = { warmupMs: 400, warmupRuns: 50, rounds: 10, roundMs: 60, minRunsPerRound: 2 };
export const QUICK: MeasureOptions = { warmupMs: 60, warmupRuns: 5, rounds: 3, roundMs: 15, minRunsPerRound: 1 };

async function runOnce(e: PreparedEngine): Promise<number> {
  if (e.async) {
    const t0 = performance.now();
    await e.run();
    return performance.now() - t0;
  }
  const t0 = performance.now();
  e.run();
  return performance.now() - t0;
}

/** Measures every prepared engine of one case; an engine that throws gets its error instead. */
export async function measureInterleaved(engines: Map<string, PreparedEngine>, opts: MeasureOptions): Promise<Map<string, Timing | Error>> {
  const result = new Map<string, Timing | Error>();
  const estimate = new Map<string, number>();
  const samples = new Map<string, number[]>();
  for (const [id, e] of engines) {
    try {
      const ms: number[] = [];
      const end = performance.now() + opts.warmupMs;
      while (ms.length < opts.warmupRuns || performance.now() < end) {
        ms.push(await runOnce(e));
        // Not a run count cap: optimized code is compiled in the background and only used by later
        // calls, so even the fastest engine keeps warming for warmupMs.
      }
      const tail = ms.slice(ms.length >> 1).sort((a, b) => a - b);
      estimate.set(id, Math.max(quantile(tail, 0.5), 1e-4));
      samples.set(id, []);
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
        for (let i = 0; i < n; i++) list.push(await runOnce(e));
      } catch (err) {
        result.set(id, err instanceof Error ? err : new Error(String(err)));
      }
    }
  }
  for (const id of ids) if (!result.has(id)) result.set(id, summarize(samples.get(id)!));
  return result;
}
