// How busy the rest of the machine was while the bench ran. The bench is single-threaded, but V8
// compiles optimized wasm on background threads and the peers' timings move with shared caches:
// with the other cores busy, a run's ratios are not the machine's. Linux only (/proc/stat); elsewhere
// the bench reports nothing rather than a guess.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

interface Sample {
  busyS: number;
  wallS: number;
  ownS: number;
}

function sample(): Sample | undefined {
  let line: string;
  try {
    line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  } catch {
    return undefined;
  }
  // cpu  user nice system idle iowait irq softirq steal ... (clock ticks, USER_HZ = 100 on Linux)
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  if (f.length < 8 || f.some((x) => !Number.isFinite(x))) return undefined;
  const busyTicks = f[0] + f[1] + f[2] + f[5] + f[6] + f[7];
  const own = process.cpuUsage();
  return { busyS: busyTicks / 100, wallS: performance.now() / 1000, ownS: (own.user + own.system) / 1e6 };
}

/** Starts measuring; the returned function gives the average number of cores that processes other than this one kept busy. */
export function startMachineLoad(): () => number | undefined {
  const start = sample();
  return () => {
    const end = sample();
    if (!start || !end || end.wallS <= start.wallS) return undefined;
    const others = end.busyS - start.busyS - (end.ownS - start.ownS);
    return Math.max(0, Math.min(cpus().length, others / (end.wallS - start.wallS)));
  };
}

/** Other processes' average core use above which a run's timings are flagged as taken on a busy machine. */
export const BUSY_CORES = 0.25;
