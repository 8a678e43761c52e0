// The bench's timing method: warm-up must run until an engine stops getting faster (V8's optimized
// code can arrive late on a busy machine), and suspect timings must be reported, not printed as
// ratios without comment. The engines here are synthetic and run on a simulated clock, so the
// logic is tested exactly, whatever else the machine is doing.
import { describe, expect, it } from 'vitest';
import { measureInterleaved, type MeasureOptions } from '../bench/measure.js';
import { settlingWarnings, slowHostWarnings, type CaseResult } from '../bench/report.js';
import { SENTINEL_MACS } from '../bench/gemm-peak/peak.js';
import type { PreparedEngine } from '../bench/engines/types.js';

let clock = 0;
const now = () => clock;

/**
 * An engine whose run time falls linearly from `slowMs` to `fastMs` over the `rampMs` after its first
 * run (functions tiering up one after another), or all at once at `rampMs` when `step` is set.
 */
function tieringEngine(slowMs: number, fastMs: number, rampMs: number, step = false): PreparedEngine {
  let first = -1;
  return {
    loadMs: 0,
    run() {
      if (first < 0) first = clock;
      const t = clock - first;
      clock += t >= rampMs ? fastMs : step ? slowMs : slowMs - ((slowMs - fastMs) * t) / rampMs;
    },
    output: () => new Int8Array(0),
    dispose: async () => {},
  } as unknown as PreparedEngine;
}

const OPTS: MeasureOptions = { warmupMs: 40, warmupRuns: 5, rounds: 3, roundMs: 10, minRunsPerRound: 2, warmupMaxMs: 1500 };

async function timing(engine: PreparedEngine, opts: MeasureOptions) {
  const t = (await measureInterleaved(new Map([['e', engine]]), opts, now)).get('e');
  if (!t || t instanceof Error) throw t ?? new Error('no timing');
  return t;
}

const warningsFor = (t: Awaited<ReturnType<typeof timing>>) =>
  settlingWarnings({ cases: [{ id: 'm', engines: [{ engine: 'e', label: '', status: 'ok', timing: t }] } as unknown as CaseResult] }, 1.15);

describe('bench warm-up', () => {
  it('keeps warming past the minimum while the engine is still getting faster, then times the settled speed', async () => {
    // The speed-up lasts 300 ms, over seven times the minimum warm-up: a fixed warm-up would time
    // runs of about 0.9 ms.
    const t = await timing(tieringEngine(1, 0.1, 300), OPTS);
    expect(t.settling.settled).toBe(true);
    expect(t.settling.warmupMs).toBeGreaterThan(200);
    expect(t.medianMs).toBeLessThan(0.3);
    expect(warningsFor(t)).toEqual([]);
  });

  it('stops soon after the minimum for an engine that is already steady', async () => {
    const t = await timing(tieringEngine(0.2, 0.2, 0), OPTS);
    expect(t.settling.settled).toBe(true);
    expect(t.settling.warmupMs).toBeLessThan(OPTS.warmupMaxMs / 2);
  });

  it('reports an engine still getting faster when the warm-up limit is reached', async () => {
    const t = await timing(tieringEngine(1, 0.1, 300), { ...OPTS, warmupMaxMs: 150 });
    expect(t.settling.settled).toBe(false);
    expect(warningsFor(t).join('\n')).toMatch(/^m e: warm-up did not settle/);
  });

  it('reports a speed change during the timed rounds', async () => {
    // Steady slow code looks settled (nothing can tell it from final code); when the optimized code
    // then lands mid-measurement, the first round is far slower than the last.
    const t = await timing(tieringEngine(1, 0.2, 250, true), { ...OPTS, warmupMs: 100, warmupMaxMs: 120, rounds: 6, roundMs: 60 });
    expect(t.settling.firstOverLastRound).toBeGreaterThan(1.15);
    expect(warningsFor(t).join('\n')).toMatch(/first timed round .*× the last/);
  });
});

describe('slow-host check (the peak loop timed in the rounds of each case)', () => {
  const kase = (id: string, peakDuringCase?: number): CaseResult =>
    ({ id, title: id, group: 'single-op', notes: [], engines: [], ratios: {}, ratiosP10: {}, mote: { ok: false }, ...(peakDuringCase === undefined ? {} : { peakDuringCase }) }) as unknown as CaseResult;

  it('flags exactly the cases whose peak loop ran more than the limit below the run peak', () => {
    const warnings = slowHostWarnings({ cases: [kase('steady', 29.5), kase('slow', 22), kase('edge', 30 / 1.1), kase('old')], peak: { simdGmacs: 30 } }, 1.1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^slow: the peak loop ran at 22\.0 GMAC\/s during this case, 1\.36× below/);
    // Per-op profiles carry their own reading, taken between the profiled runs.
    const profiled = slowHostWarnings({ cases: [], peak: { simdGmacs: 30 }, profiles: { kws: { peakDuringProfile: 24 }, vww: { peakDuringProfile: 29 }, ic: {} } }, 1.1);
    expect(profiled).toEqual([expect.stringMatching(/^kws per-op profile: the peak loop ran at 24\.0 GMAC\/s between its runs, 1\.25× below/)]);
  });

  it('reads the host speed from the loop itself: a slow phase during a case shows in the sentinel', async () => {
    // The sentinel does SENTINEL_MACS per run at 30 GMAC/s, 1.5x slower while the host is "busy".
    let busy = false;
    const sentinel = { loadMs: 0, async: false, run: () => void (clock += (SENTINEL_MACS / 30e9) * 1000 * (busy ? 1.5 : 1)), output: () => [0], dispose: () => {} } as unknown as PreparedEngine;
    const opts: MeasureOptions = { warmupMs: 5, warmupRuns: 3, rounds: 6, roundMs: 2, minRunsPerRound: 2, warmupMaxMs: 20 };
    for (const b of [false, true]) {
      busy = b;
      const t = (await measureInterleaved(new Map([['peak-loop', sentinel]]), opts, now)).get('peak-loop');
      if (!t || t instanceof Error) throw new Error('sentinel not timed');
      const gmacs = SENTINEL_MACS / (t.p10Ms * 1e6);
      expect(gmacs).toBeCloseTo(b ? 20 : 30, 6);
      expect(slowHostWarnings({ cases: [kase('c', gmacs)], peak: { simdGmacs: 30 } }, 1.1)).toHaveLength(b ? 1 : 0);
    }
  });
});
