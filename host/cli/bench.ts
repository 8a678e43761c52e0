// `mote bench MODEL.mote`: whole-inference latency on this machine, the way bench/ measures it
// (warm-up with wall time for V8's tier-up, then many runs, each timed alone; median / p10 / p90),
// plus throughput, GMAC/s from the blob's MACs and the time to load and validate the blob. With
// `--build both` the two builds run interleaved, so drift hits both alike, and the ratio is printed.
// Comparisons with other runtimes are `npm run bench`.
import { basename } from 'node:path';
import type { Command } from 'commander';
import { loadWasmFile } from '../node-loader.js';
import { MoteRuntime, streamsWeights, type MoteBuild, type MoteModel, type MoteTypedArray } from '../runtime.js';
import { summarize, type Timing } from '../timing.js';
import { opcodeMacs } from './blob-macs.js';
import { CliError } from './errors.js';
import { readBlobFile } from './files.js';
import { parseBuild, prepareBudgetOption, randomInputs, warmUp, WARMUP_MIN_MS, wholeOption } from './profile.js';

export interface BenchCliOptions {
  build: string;
  runs?: string;
  warmup?: string;
  json?: boolean;
  /** false (--no-prepare): load without prepared state (as --prepare-budget 0). */
  prepare?: boolean;
  /**
   * --prepare-budget BYTES[,BYTES...] (profile.ts prepareBudgetOption): MoteLoadOptions.prepareBudget;
   * several: one row each, interleaved like --build both, each row's median over the largest budget's.
   */
  prepareBudget?: string;
}

export interface BenchBuildResult extends Timing {
  build: MoteBuild;
  warmupRuns: number;
  inferencesPerSecond: number;
  /** Blob MACs over the median time, 1e9 MAC/s. */
  gmacPerSecond: number;
  /** Median time of `load` (copy in, CRC and structural validation, arena set-up) over fresh instances, ms. */
  loadMs: number;
  loads: number;
  /** The --prepare-budget of this row, bytes (absent: no limit). */
  prepareBudget?: number;
  /** Prepared state the runtime kept (MoteModel.preparedBytes). */
  preparedBytes: number;
  /** With several budgets: this row's median ÷ the median of the same build at the largest budget. */
  overLargestBudget?: number;
  /** The same for p10 (steadier on a busy machine). */
  p10OverLargestBudget?: number;
}

export interface BenchResult {
  model: string;
  blobBytes: number;
  ops: number;
  macs: number;
  results: BenchBuildResult[];
  /** scalar median ÷ SIMD median, with --build both. */
  scalarOverSimd?: number;
}

// Load time is short and steady; a few fresh instances give a fair median without much memory.
const LOADS = 5;
// Without --runs: as many runs as fit in about this much time per build (at least MIN_RUNS).
const DEFAULT_BUDGET_MS = 1000;
const MIN_RUNS = 10;
const MAX_RUNS = 100_000;
// --build both: runs are done in this many rounds, builds alternating, so drift hits both.
const ROUNDS = 10;

interface Prepared {
  build: MoteBuild;
  budget: number | undefined;
  model: MoteModel;
  inputs: MoteTypedArray[];
  outputs: MoteTypedArray[];
  loadMs: number;
  warmupRuns: number;
  /** Per-run estimate from the warm-up's second half, ms. */
  estimateMs: number;
  samples: number[];
}

async function prepare(build: MoteBuild, blob: Uint8Array, warmup: number, prepareBudget: number | undefined): Promise<Prepared> {
  const module = await WebAssembly.compile((await loadWasmFile(streamsWeights(blob) ? `${build}.stream` : build)) as BufferSource);
  const loads: number[] = [];
  let model: MoteModel | undefined;
  for (let i = 0; i < LOADS; i++) {
    const rt = MoteRuntime.fromModule(build, module);
    const t0 = performance.now();
    model = rt.load(blob, { prepareBudget });
    loads.push(performance.now() - t0);
  }
  const m = model!;
  const inputs = randomInputs(m);
  const outputs = m.outputs.map((t) => {
    const n = t.shape.reduce((a, b) => a * b, 1);
    return new ({ f32: Float32Array, s8: Int8Array, s32: Int32Array, u8: Uint8Array, s16: Int16Array, bool: Uint8Array } as const)[t.dtype](n);
  });
  const warm = warmUp(() => m.runInto(inputs, outputs), warmup);
  // With no warm-up, one untimed run still sizes the default run count.
  const estimateMs = warm.runs > 0 ? summarize(warm.tailMs).medianMs : timeOnce(() => m.runInto(inputs, outputs));
  return { build, budget: prepareBudget, model: m, inputs, outputs, loadMs: summarize(loads).medianMs, warmupRuns: warm.runs, estimateMs, samples: [] };
}

function timeOnce(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

export async function benchCommand(blobPath: string, opts: BenchCliOptions): Promise<BenchResult> {
  const builds = parseBuild(opts.build, true);
  const runsOption = wholeOption(opts.runs, '--runs', 1);
  const warmup = wholeOption(opts.warmup, '--warmup', 0) ?? 50;
  const budgets = opts.prepareBudget === undefined ? [prepareBudgetOption(undefined, opts.prepare)] : opts.prepareBudget.split(',').map((v) => prepareBudgetOption(v, opts.prepare));
  const { bytes, view } = readBlobFile(blobPath);
  const macs = view.ops.reduce((s, op) => s + opcodeMacs(view, op), 0);

  const prepared: Prepared[] = [];
  for (const b of builds) for (const budget of budgets) prepared.push(await prepare(b, bytes, warmup, budget));
  const target = (p: Prepared) => runsOption ?? Math.min(MAX_RUNS, Math.max(MIN_RUNS, Math.round(DEFAULT_BUDGET_MS / Math.max(p.estimateMs, 1e-4))));
  const rounds = prepared.length > 1 ? ROUNDS : 1;
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < prepared.length; j++) {
      const p = prepared[(j + r) % prepared.length];
      const want = target(p);
      const until = r === rounds - 1 ? want : Math.min(want, Math.ceil((want * (r + 1)) / rounds));
      while (p.samples.length < until) p.samples.push(timeOnce(() => p.model.runInto(p.inputs, p.outputs)));
    }
  }

  const results: BenchBuildResult[] = prepared.map((p) => {
    const t = summarize(p.samples);
    return {
      build: p.build,
      ...t,
      warmupRuns: p.warmupRuns,
      inferencesPerSecond: 1000 / t.medianMs,
      gmacPerSecond: macs / (t.medianMs / 1000) / 1e9,
      loadMs: p.loadMs,
      loads: LOADS,
      ...(p.budget === undefined || p.budget === Infinity ? {} : { prepareBudget: p.budget }),
      preparedBytes: p.model.preparedBytes,
    };
  });
  if (budgets.length > 1) {
    const largest = (b: number | undefined) => b ?? Infinity;
    for (const r of results) {
      const same = results.filter((q) => q.build === r.build);
      const top = same.reduce((a, q) => (largest(q.prepareBudget) > largest(a.prepareBudget) ? q : a));
      r.overLargestBudget = r.medianMs / top.medianMs;
      r.p10OverLargestBudget = r.p10Ms / top.p10Ms;
    }
  }
  const simd = results.find((r) => r.build === 'simd');
  const scalar = results.find((r) => r.build === 'scalar');
  const result: BenchResult = { model: basename(blobPath), blobBytes: bytes.length, ops: view.ops.length, macs, results };
  if (simd && scalar) result.scalarOverSimd = scalar.medianMs / simd.medianMs;
  if (opts.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else process.stdout.write(renderBench(result));
  return result;
}

const ms = (v: number) => (v < 0.1 ? v.toFixed(4) : v < 10 ? v.toFixed(3) : v.toFixed(1));

function renderBench(r: BenchResult): string {
  const budgets = r.results.some((b) => b.overLargestBudget !== undefined);
  const head = ['build', ...(budgets ? ['budget B'] : []), 'prepared B', 'median ms', 'p10 ms', 'p90 ms', 'inf/s', 'GMAC/s', 'load ms', 'runs', ...(budgets ? ['median ÷ largest', 'p10 ÷ largest'] : [])];
  const rows = r.results.map((b) => [
    b.build,
    ...(budgets ? [b.prepareBudget === undefined ? 'no limit' : b.prepareBudget.toLocaleString('en-US')] : []),
    b.preparedBytes.toLocaleString('en-US'),
    ms(b.medianMs),
    ms(b.p10Ms),
    ms(b.p90Ms),
    Math.round(b.inferencesPerSecond).toLocaleString('en-US'),
    b.gmacPerSecond.toFixed(2),
    ms(b.loadMs),
    String(b.runs),
    ...(budgets ? [b.overLargestBudget!.toFixed(3), b.p10OverLargestBudget!.toFixed(3)] : []),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (row: string[]) => row.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
  const out = [
    `${r.model}: ${r.ops} ops, ${r.macs.toLocaleString('en-US')} MACs, ${r.blobBytes.toLocaleString('en-US')} bytes; random input, single thread`,
    '',
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ];
  if (r.scalarOverSimd !== undefined) out.push('', `scalar ÷ simd (median): ${r.scalarOverSimd.toFixed(2)}×`);
  out.push('', `load ms: blob copied in and validated by the runtime (median of ${LOADS} fresh instances)`);
  return out.join('\n') + '\n';
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('latency of whole inferences: median / p10 / p90 ms, inferences/s, GMAC/s, load time')
    .argument('<blob>', 'the .mote file')
    .option('--build <b>', 'runtime build: simd, scalar or both (interleaved, with the ratio)', 'simd')
    .option('--runs <n>', `timed runs per build (default: about ${DEFAULT_BUDGET_MS / 1000} s worth, at least ${MIN_RUNS})`)
    .option('--warmup <n>', `warm-up runs per build (also at least ${WARMUP_MIN_MS} ms unless 0)`, '50')
    .option('--prepare-budget <bytes>', 'SIMD build: keep at most this much prepared state beyond the arena (e.g. 65536, 64k, 64KiB, unlimited; default: no limit); a comma list times each, interleaved')
    .option('--no-prepare', 'SIMD build: keep no prepared state beyond the arena (as --prepare-budget 0: time the per-run paths)')
    .option('--json', 'print the results as JSON')
    .action((blob: string, opts: BenchCliOptions) => benchCommand(blob, opts).then(() => undefined));
}
