// The bench's outputs: the result types, the console tables, and the ratio chart (SVG written as
// text: one group of bars per model, log scale, a line at 1.0 = parity with the peer).
import type { Settling, Timing } from './measure.js';
import type { OpProfile, ProfileMethod } from './profile.js';

export interface EngineResult {
  engine: string;
  label: string;
  status: 'ok' | 'skipped' | 'error';
  /** Why skipped / the error message. */
  reason?: string;
  timing?: Timing & { settling?: Settling };
  loadMs?: number;
  gmacs?: number;
  /** gmacs ÷ the measured peak of the engine's ISA (SIMD or scalar loop); absent for native. */
  fractionOfPeak?: number;
  /** Agreement of the output with a reference for the case input. */
  check?: { against: string; maxAbsDiff: number; equal: boolean } | { against: string; top1Agrees: boolean };
}

export interface MoteFacts {
  ok: boolean;
  error?: string;
  pipeline?: string;
  convertMs?: number;
  blobBytes?: number;
  int8WeightBytes?: number;
  /** blob bytes ÷ int8 weight bytes. */
  blobOverWeights?: number;
  arenaBytes?: number;
  arenaLowerBound?: number;
  arenaOverLowerBound?: number;
  /** Bytes the full SIMD build prepares at load beyond the arena (kept across runs; 0 on scalar). */
  preparedSimdBytes?: number;
  /** load+validate ms (median of fresh loads) and that ÷ one inference (median), per build. */
  loadMs?: Record<string, number>;
  loadOverInference?: Record<string, number>;
}

export interface CaseResult {
  id: string;
  title: string;
  group: string;
  macs?: number;
  notes: string[];
  engines: EngineResult[];
  /** median(Mote build) ÷ median(peer), keyed "mote-simd/tflite-simd" etc. */
  ratios: Record<string, number>;
  /** The same on p10 latencies: less sensitive to other load on the machine. */
  ratiosP10: Record<string, number>;
  mote: MoteFacts;
  /** How many times the case's rounds were measured again because an engine drifted (absent: none). */
  remeasured?: number;
  /**
   * GMAC/s of the SIMD peak loop timed as one more engine in the case's rounds (p10 batch): how fast
   * the host ran while this case was measured. Absent in files from before session 8.
   */
  peakDuringCase?: number;
}

export interface BenchResult {
  date: string;
  mode: 'quick' | 'full';
  machine: { node: string; v8: string; cpu: string; cores: number; platform: string };
  peak: { simdGmacs: number; scalarGmacs: number; kernel: string };
  sizes: Record<string, number | string>;
  /** Bytes of each model's per-model runtime (`mote runtime`) and what it links; absent in old files. */
  perModelRuntime?: Record<string, { simd: number; scalar: number; features: string }>;
  method: string;
  cases: CaseResult[];
  /** Mote per-op profiles by model id (bench/profile.ts). */
  /** peakDuringProfile: GMAC/s of the SIMD peak loop run between the profiled runs (absent before session 8). */
  profiles: Record<string, { method: ProfileMethod; rows: OpProfile[]; peakDuringProfile?: number }>;
  missing: string[];
  /**
   * Evidence against the timings (absent in old files): engines whose warm-up did not settle or whose
   * first timed round was much slower than the last, and other processes' load during the run.
   */
  timingWarnings?: string[];
  /** Average cores other processes kept busy during the run (Linux /proc/stat; absent elsewhere). */
  otherCpuCores?: number;
}

/** One line per engine whose timing is suspect: still tiering up, or drifting during the rounds. */
export function settlingWarnings(r: Pick<BenchResult, 'cases'>, driftLimit: number): string[] {
  const out: string[] = [];
  for (const c of r.cases) {
    for (const e of c.engines) {
      const s = e.timing?.settling;
      if (!s) continue;
      const why: string[] = [];
      if (!s.settled) why.push(`warm-up did not settle in ${(s.warmupMs / 1000).toFixed(1)} s (${s.warmupRuns} runs)`);
      if (s.firstOverLastRound > driftLimit) why.push(`first timed round ${s.firstOverLastRound.toFixed(2)}× the last`);
      if (why.length) out.push(`${c.id} ${e.engine}: ${why.join('; ')}`);
    }
  }
  return out;
}

/**
 * Cases during which the host ran slow for every engine alike: the peak loop, timed in the same
 * rounds, reached less than run peak ÷ limit. A shared host has such phases (session 7 and 8 saw
 * whole cases 1.2–1.5× slower for every engine, TFLite included); the ratios hold, but the case's
 * times and fractions of the peak read low.
 */
export function slowHostWarnings(r: { cases: CaseResult[]; peak: { simdGmacs: number }; profiles?: Record<string, { peakDuringProfile?: number }> }, limit: number): string[] {
  const out: string[] = [];
  for (const c of r.cases) {
    if (c.peakDuringCase === undefined || c.peakDuringCase * limit >= r.peak.simdGmacs) continue;
    out.push(`${c.id}: the peak loop ran at ${c.peakDuringCase.toFixed(1)} GMAC/s during this case, ${(r.peak.simdGmacs / c.peakDuringCase).toFixed(2)}× below the run's peak: the host was slow for all its engines (ratios hold; times and % of peak read low)`);
  }
  for (const [id, p] of Object.entries(r.profiles ?? {})) {
    if (p.peakDuringProfile === undefined || p.peakDuringProfile * limit >= r.peak.simdGmacs) continue;
    out.push(`${id} per-op profile: the peak loop ran at ${p.peakDuringProfile.toFixed(1)} GMAC/s between its runs, ${(r.peak.simdGmacs / p.peakDuringProfile).toFixed(2)}× below the run's peak: its op times and layer fractions read low`);
  }
  return out;
}

const fmt = (v: number | undefined, digits = 3) => (v === undefined || !Number.isFinite(v) ? '—' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toPrecision(digits));

function pad(cells: string[][]): string {
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}

export function timingTable(r: BenchResult): string {
  const rows: string[][] = [['model', 'engine', 'median ms', 'p10', 'p90', 'runs', 'GMAC/s', '% peak', 'check']];
  for (const c of r.cases) {
    for (const e of c.engines) {
      if (e.status !== 'ok') {
        rows.push([c.id, e.engine, e.status === 'skipped' ? 'skip' : 'ERROR', '', '', '', '', '', (e.reason ?? '').slice(0, 70)]);
        continue;
      }
      const t = e.timing!;
      let check = '';
      if (e.check && 'maxAbsDiff' in e.check) check = `${e.check.equal ? '==' : `max|Δ| ${e.check.maxAbsDiff}`} ${e.check.against}`;
      else if (e.check) check = `top-1 ${e.check.top1Agrees ? 'agrees' : 'DIFFERS'} (${e.check.against})`;
      rows.push([c.id, e.engine, fmt(t.medianMs), fmt(t.p10Ms), fmt(t.p90Ms), String(t.runs), fmt(e.gmacs), e.fractionOfPeak === undefined ? '—' : `${(100 * e.fractionOfPeak).toFixed(0)}%`, check]);
    }
  }
  return pad(rows);
}

export const KEY_RATIOS: [string, string][] = [
  ['mote-simd/tflite-simd', 'SIMD÷TFL-SIMD'],
  ['mote-scalar/tflite-nosimd', 'scalar÷TFL-noSIMD'],
  ['mote-simd/ort-web', 'SIMD÷ORT-web'],
  ['mote-simd/ort-node', 'SIMD÷ORT-node'],
];

export function ratioTable(r: BenchResult): string {
  const rows: string[][] = [['model', 'MMAC', ...KEY_RATIOS.map(([, l]) => l), 'blob÷int8w', 'arena÷LB', 'load÷infer', 'convert ms']];
  for (const c of r.cases) {
    const m = c.mote;
    rows.push([
      c.id,
      c.macs ? (c.macs / 1e6).toFixed(2) : '—',
      ...KEY_RATIOS.map(([k]) => (c.ratios[k] === undefined ? '—' : `${c.ratios[k].toFixed(2)}×`)),
      m.ok ? fmt(m.blobOverWeights) : 'n/a',
      m.ok ? fmt(m.arenaOverLowerBound) : 'n/a',
      m.ok && m.loadOverInference?.simd !== undefined ? fmt(m.loadOverInference.simd) : 'n/a',
      m.ok ? fmt(m.convertMs) : `convert failed: ${(m.error ?? '').slice(0, 60)}`,
    ]);
  }
  return pad(rows);
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Horizontal bars of the key ratios per model on a log axis (0.1× … 30×). */
export function ratioChartSvg(r: BenchResult): string {
  const series = KEY_RATIOS.slice(0, 3);
  const colors = ['#1f77b4', '#ff7f0e', '#2ca02c'];
  const cases = r.cases.filter((c) => series.some(([k]) => c.ratios[k] !== undefined));
  const barH = 10;
  const groupH = series.length * barH + 10;
  const left = 190;
  const plotW = 560;
  const top = 58;
  const height = top + Math.max(1, cases.length) * groupH + 40;
  const width = left + plotW + 30;
  const lo = Math.log10(0.1);
  const hi = Math.log10(30);
  const x = (v: number) => left + ((Math.log10(Math.min(30, Math.max(0.1, v))) - lo) / (hi - lo)) * plotW;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  out.push(`<text x="10" y="18" font-size="14" font-weight="bold">Mote latency ÷ peer latency (median, single thread; &lt; 1 = Mote faster)</text>`);
  out.push(`<text x="10" y="34" fill="#555">${esc(`${r.date} · node ${r.machine.node} · ${r.machine.cpu} · ${r.mode} run · peak ${r.peak.simdGmacs.toFixed(1)} GMAC/s SIMD, ${r.peak.scalarGmacs.toFixed(2)} scalar`)}</text>`);
  series.forEach(([, label], i) => {
    out.push(`<rect x="${left + i * 180}" y="42" width="10" height="10" fill="${colors[i]}"/><text x="${left + i * 180 + 14}" y="51">${esc(label)}</text>`);
  });
  for (const t of [0.1, 0.25, 0.5, 1, 2, 5, 10, 30]) {
    const xx = x(t).toFixed(1);
    out.push(`<line x1="${xx}" y1="${top - 4}" x2="${xx}" y2="${height - 30}" stroke="${t === 1 ? '#000' : '#ddd'}" stroke-width="${t === 1 ? 1.5 : 1}"/>`);
    out.push(`<text x="${xx}" y="${height - 16}" text-anchor="middle">${t}×</text>`);
  }
  cases.forEach((c, gi) => {
    const y0 = top + gi * groupH;
    out.push(`<text x="${left - 6}" y="${y0 + groupH / 2}" text-anchor="end">${esc(c.id)}</text>`);
    series.forEach(([k], i) => {
      const v = c.ratios[k];
      if (v === undefined) return;
      const y = y0 + i * barH;
      const x1 = x(1);
      const x2 = x(v);
      out.push(`<rect x="${Math.min(x1, x2).toFixed(1)}" y="${y}" width="${Math.max(1, Math.abs(x2 - x1)).toFixed(1)}" height="${barH - 2}" fill="${colors[i]}"><title>${esc(`${c.id} ${k}: ${v.toFixed(2)}×`)}</title></rect>`);
      out.push(`<text x="${(Math.max(x1, x2) + 3).toFixed(1)}" y="${y + barH - 3}" font-size="9" fill="#333">${v.toFixed(2)}</text>`);
    });
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
