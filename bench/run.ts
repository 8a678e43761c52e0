// `npm run bench`: Mote (SIMD and scalar builds) against TFLite wasm (SIMD and non-SIMD, XNNPACK)
// and ONNX Runtime (web/wasm and node/native), all single-threaded in this one Node process, plus
// the machine's int8 peak from a GEMM micro-loop. See bench/README.md for the method.
//
//   npx tsx bench/run.ts [--quick] [--only kws,ad] [--engines mote-simd,tflite-simd] [--out DIR] [--no-write]
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ortWebWasmBytes } from '../test/support/ort.js';
import { loadTfliteWasm } from '../test/support/tflite-wasm.js';
import { benchCases } from './cases.js';
import { moteConversion, moteEngine, moteLoadMs } from './engines/mote.js';
import { ortEngine } from './engines/ort.js';
import { tfliteEngine } from './engines/tflite.js';
import type { BenchCase, Engine, PreparedEngine } from './engines/types.js';
import { measurePeak, peakSentinel, SENTINEL_MACS } from './gemm-peak/peak.js';
import { DRIFT_LIMIT, FULL, QUICK, measureInterleaved, type Timing } from './measure.js';
import { BUSY_CORES, startMachineLoad } from './machine-load.js';
import { layerTargetLines, layerTargets } from './layer-targets.js';
import { profileMote, profileTable, type OpProfile, type ProfileMethod } from './profile.js';
import { readBlob } from '../host/blob-reader.js';
import { preparedBytesOf } from '../host/prepared.js';
import { buildRuntimeFor } from '../host/runtime-build.js';
import { blobFeatures, describeFeatures, featureKey } from '../host/runtime-features.js';
import { ratioChartSvg, ratioTable, settlingWarnings, slowHostWarnings, timingTable, type BenchResult, type CaseResult, type EngineResult, type MoteFacts } from './report.js';

// Per model and build: profiled whole-model runs for this long (each ~30 ops timed one by one), so
// the per-op medians and p10s rest on a few hundred runs.
const PROFILE_MS = 600;

/** The prepared-engine key of the peak loop timed beside each case's engines. */
const SENTINEL = 'peak-loop';
/** A case whose peak loop ran this much below the run's peak is reported as measured on a slow host. */
const SLOW_HOST_LIMIT = 1.1;

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Args {
  quick: boolean;
  only: string[];
  engines: string[];
  out: string;
  write: boolean;
  /** Models to profile per op (Mote); undefined = the default of the mode. */
  profile?: string[];
  /** Compile a per-model runtime per model and report its size; undefined = full runs only. */
  runtimeSizes?: boolean;
}

const USAGE = 'usage: bench/run.ts [--quick] [--only id,id] [--engines id,id] [--profile id,id|none] [--runtime-sizes|--no-runtime-sizes] [--out DIR] [--no-write]';

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, only: [], engines: [], out: join(repo, 'bench', 'results'), write: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`bench: ${arg} needs a value\n${USAGE}`);
      return v;
    };
    if (arg === '--quick') a.quick = true;
    else if (arg === '--only') a.only = value().split(',').filter(Boolean);
    else if (arg === '--engines') a.engines = value().split(',').filter(Boolean);
    else if (arg === '--out') a.out = resolve(value());
    else if (arg === '--no-write') a.write = false;
    else if (arg === '--runtime-sizes') a.runtimeSizes = true;
    else if (arg === '--no-runtime-sizes') a.runtimeSizes = false;
    else if (arg === '--profile') a.profile = value() === 'none' ? [] : argv[i].split(',').filter(Boolean);
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`bench: unknown argument '${arg}'\n${USAGE}`);
  }
  return a;
}

const ALL_ENGINES: Engine[] = [moteEngine('simd'), moteEngine('scalar'), tfliteEngine(true), tfliteEngine(false), ortEngine('web'), ortEngine('node')];

function fileSize(p: string): number | string {
  return existsSync(p) ? statSync(p).size : 'missing (run npm run build)';
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function argmax(a: ArrayLike<number>): number {
  let k = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[k]) k = i;
  return k;
}

/** How each engine's output compares with the best reference there is for this case. */
function checkOutput(c: BenchCase, engine: string, out: ArrayLike<number>, outputs: Map<string, ArrayLike<number>>): EngineResult['check'] {
  const diff = (against: string, ref: ArrayLike<number>) => {
    const d = maxAbsDiff(out, ref);
    return { against, maxAbsDiff: d, equal: d === 0 };
  };
  if (engine.startsWith('mote-')) {
    if (c.tflmRef) return diff('TFLM ref', c.tflmRef);
    if (c.onnx) {
      const ref = outputs.get('ort-node') ?? outputs.get('ort-web');
      return ref ? { against: 'ORT float', top1Agrees: argmax(out) === argmax(ref) } : undefined;
    }
    const peer = outputs.get('tflite-simd');
    return peer ? diff('TFLite SIMD', peer) : undefined;
  }
  if (engine.startsWith('tflite-') && c.xnnpackRef) return diff('XNNPACK ref', c.xnnpackRef);
  return undefined;
}

async function benchCase(c: BenchCase, engines: Engine[], quick: boolean): Promise<CaseResult> {
  const conv = moteConversion(c);
  const mote: MoteFacts = conv instanceof Error ? { ok: false, error: conv.message } : {
    ok: true,
    pipeline: conv.pipeline,
    convertMs: conv.convertMs,
    blobBytes: conv.blob.length,
    int8WeightBytes: conv.int8WeightBytes,
    blobOverWeights: conv.int8WeightBytes ? conv.blob.length / conv.int8WeightBytes : undefined,
    arenaBytes: conv.arenaBytes,
    arenaLowerBound: conv.arenaLowerBound,
    arenaOverLowerBound: conv.arenaLowerBound ? conv.arenaBytes / conv.arenaLowerBound : undefined,
    preparedSimdBytes: preparedBytesOf(readBlob(conv.blob)),
  };
  const macs = c.macs ?? (conv instanceof Error ? undefined : conv.macs);

  const results = new Map<string, EngineResult>();
  const prepared = new Map<string, PreparedEngine>();
  for (const e of engines) {
    const base = { engine: e.id, label: e.label };
    const skip = e.skipReason(c);
    if (skip) {
      results.set(e.id, { ...base, status: 'skipped', reason: skip });
      continue;
    }
    try {
      const p = await e.prepare(c);
      prepared.set(e.id, p);
      results.set(e.id, { ...base, status: 'ok', loadMs: p.loadMs });
    } catch (err) {
      results.set(e.id, { ...base, status: 'error', reason: (err as Error).message.split('\n')[0] });
    }
  }

  // A case whose engines drifted between their first and last round (a slow phase of the shared
  // machine, or late optimized code) is measured again, at most twice; the least drifting
  // measurement is kept, so one bad phase does not decide a median.
  const drift = (t: Awaited<ReturnType<typeof measureInterleaved>>) => Math.max(1, ...[...t.values()].map((x) => (x instanceof Error ? 1 : x.settling.firstOverLastRound)));
  // The peak loop runs in the same rounds as the engines, so a slow phase of the host shows in it.
  prepared.set(SENTINEL, peakSentinel());
  let timings = await measureInterleaved(prepared, quick ? QUICK : FULL);
  let remeasured = 0;
  while (!quick && remeasured < 2 && drift(timings) > DRIFT_LIMIT) {
    remeasured++;
    const again = await measureInterleaved(prepared, FULL);
    if (drift(again) < drift(timings)) timings = again;
  }
  const sentinel = timings.get(SENTINEL);
  const peakDuringCase = sentinel && !(sentinel instanceof Error) ? SENTINEL_MACS / (sentinel.p10Ms * 1e6) : undefined;
  prepared.delete(SENTINEL);
  const outputs = new Map<string, ArrayLike<number>>();
  for (const [id, p] of prepared) outputs.set(id, p.output());
  for (const e of engines) {
    const r = results.get(e.id)!;
    const t = timings.get(e.id);
    if (!t || r.status !== 'ok') continue;
    if (t instanceof Error) {
      Object.assign(r, { status: 'error', reason: `run: ${t.message.split('\n')[0]}` });
      continue;
    }
    r.timing = t;
    if (macs) r.gmacs = macs / (t.medianMs * 1e6);
    r.check = checkOutput(c, e.id, outputs.get(e.id)!, outputs);
  }

  const ratios: Record<string, number> = {};
  const ratiosP10: Record<string, number> = {};
  const timing = (id: string) => results.get(id)?.timing as Timing | undefined;
  for (const m of ['mote-simd', 'mote-scalar']) {
    const mt = timing(m);
    if (mt === undefined) continue;
    for (const p of ['tflite-simd', 'tflite-nosimd', 'ort-web', 'ort-node']) {
      const pt = timing(p);
      if (pt === undefined) continue;
      ratios[`${m}/${p}`] = mt.medianMs / pt.medianMs;
      ratiosP10[`${m}/${p}`] = mt.p10Ms / pt.p10Ms;
    }
  }
  const median = (id: string) => timing(id)?.medianMs;

  if (!(conv instanceof Error)) {
    mote.loadMs = {};
    mote.loadOverInference = {};
    for (const build of ['simd', 'scalar'] as const) {
      const infer = median(`mote-${build}`);
      if (infer === undefined) continue;
      try {
        const l = await moteLoadMs(build, conv.blob, quick ? 3 : 15);
        mote.loadMs[build] = l;
        mote.loadOverInference[build] = l / infer;
      } catch {
        /* the engine row already carries the load error */
      }
    }
  }
  for (const p of prepared.values()) await p.dispose();
  return { id: c.id, title: c.title, group: c.group, macs, notes: c.notes, engines: engines.map((e) => results.get(e.id)!), ratios, ratiosP10, mote, ...(remeasured ? { remeasured } : {}), ...(peakDuringCase === undefined ? {} : { peakDuringCase }) };
}

const METHOD =
  'Single thread, one Node process. Per model and engine: one load, then warm-up (≥50 runs and ≥0.4 s, then on until the run time stops falling, ≤4 s; quick: 5 runs / 60 ms, ≤0.3 s) so V8 tiers the wasm up; ' +
  'then 10 rounds (quick: 3) in which every engine runs a ~60 ms batch (quick: 15 ms), in an order rotated each round; every run timed alone with performance.now(). ' +
  'A run = copy the input in, infer, copy the output out (TFLite: tensor views; Mote: runInto; ORT: session.run with a tensor, awaited). ' +
  'GMAC/s = MACs of the model (converter/macs.ts rules on the imported graph) ÷ median. Peak = best batch of a 4×2 register-blocked int8 GEMM micro-loop on L1 data (SIMD: i32x4.dot_i16x8_s; scalar: i32 mul/add).';

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const engines = args.engines.length ? ALL_ENGINES.filter((e) => args.engines.includes(e.id)) : ALL_ENGINES;
  const unknown = args.engines.filter((id) => !ALL_ENGINES.some((e) => e.id === id));
  if (unknown.length) throw new Error(`bench: unknown engine(s) ${unknown.join(', ')} (have ${ALL_ENGINES.map((e) => e.id).join(', ')})`);
  const { cases, missing } = benchCases({ quick: args.quick, only: args.only });
  const unknownCases = args.only.filter((id) => !cases.some((c) => c.id === id) && !missing.includes(id));
  if (unknownCases.length) throw new Error(`bench: unknown model id(s) ${unknownCases.join(', ')}`);
  if (missing.length) console.warn(`[bench] ../shared/models not found: skipping ${missing.join(', ')}`);

  const machine = {
    node: process.versions.node,
    v8: process.versions.v8,
    cpu: `${cpus()[0]?.model ?? 'unknown'}`.trim(),
    cores: cpus().length,
    platform: `${process.platform}-${process.arch}`,
  };
  console.log(`mote bench (${args.quick ? 'quick' : 'full'}) · node ${machine.node} · ${machine.cpu} × ${machine.cores} · ${cases.length} models · engines ${engines.map((e) => e.id).join(', ')}`);

  const machineLoad = startMachineLoad();
  const peakResult = measurePeak(args.quick ? 0.2 : 1.0);
  console.log(`int8 peak: SIMD ${peakResult.simdGmacs.toFixed(1)} GMAC/s (4×2 dot_i16x8_s), scalar ${peakResult.scalarGmacs.toFixed(2)} GMAC/s`);

  // Load the TFLite runtimes up front so their one-time instantiation is not in any model's load time.
  if (engines.some((e) => e.id === 'tflite-simd')) await loadTfliteWasm({ simd: true });
  if (engines.some((e) => e.id === 'tflite-nosimd')) await loadTfliteWasm({ simd: false });

  const tflDir = join(repo, 'node_modules', '@tensorflow', 'tfjs-tflite', 'wasm');
  let ortWeb: number | string;
  try {
    ortWeb = ortWebWasmBytes();
  } catch (e) {
    ortWeb = (e as Error).message;
  }
  const sizes: Record<string, number | string> = {
    'mote.simd.wasm': fileSize(join(repo, 'build', 'mote.simd.wasm')),
    'mote.scalar.wasm': fileSize(join(repo, 'build', 'mote.scalar.wasm')),
    'tflite_web_api_cc_simd.wasm': fileSize(join(tflDir, 'tflite_web_api_cc_simd.wasm')),
    'tflite_web_api_cc.wasm': fileSize(join(tflDir, 'tflite_web_api_cc.wasm')),
    'ort-wasm-simd-threaded.wasm': ortWeb,
    'gemm-peak.wasm': peakResult.wasmBytes,
  };

  const results: CaseResult[] = [];
  for (const c of cases) {
    const t0 = performance.now();
    const r = await benchCase(c, engines, args.quick);
    results.push(r);
    const line = Object.entries(r.ratios)
      .filter(([k]) => k.startsWith('mote-simd/') || k === 'mote-scalar/tflite-nosimd')
      .map(([k, v]) => `${k} ${v.toFixed(2)}×`)
      .join(', ');
    console.log(`  ${c.id.padEnd(24)} ${((performance.now() - t0) / 1000).toFixed(1)} s  ${line || (r.mote.ok ? '' : `Mote: ${r.mote.error}`)}`);
  }

  // The peak again at the end (the best of both): a busy moment at the start must not make every
  // model look closer to the peak than it is.
  const peakEnd = measurePeak(args.quick ? 0.2 : 1.0);
  const peak = {
    simdGmacs: Math.max(peakResult.simdGmacs, peakEnd.simdGmacs),
    scalarGmacs: Math.max(peakResult.scalarGmacs, peakEnd.scalarGmacs),
  };
  const isaOf = new Map(engines.map((e) => [e.id, e.isa]));
  for (const r of results) {
    for (const e of r.engines) {
      const isa = isaOf.get(e.engine);
      if (e.gmacs !== undefined && isa !== 'none') e.fractionOfPeak = e.gmacs / (isa === 'simd' ? peak.simdGmacs : peak.scalarGmacs);
    }
  }

  // Per-op profiles of Mote (full run: the MLPerf Tiny models and person_detect), to show where the
  // time goes when a ratio is off target.
  const profileIds = args.profile ?? (args.quick ? [] : ['kws', 'vww', 'ic', 'ad', 'person_detect']);
  const profiles: Record<string, { method: ProfileMethod; rows: OpProfile[]; peakDuringProfile?: number }> = {};
  for (const id of profileIds) {
    const c = cases.find((x) => x.id === id);
    if (!c) {
      console.warn(`[bench] --profile: no model '${id}' in this run`);
      continue;
    }
    const conv = moteConversion(c);
    // Only builds that ran the whole model (a missing build/ or a failing model has its row already).
    const ran = results.find((r) => r.id === id)?.engines.filter((e) => e.status === 'ok' && e.engine.startsWith('mote-')) ?? [];
    const builds = ran.map((e) => (e.engine === 'mote-simd' ? 'simd' : 'scalar') as 'simd' | 'scalar');
    if (conv instanceof Error || builds.length === 0) {
      console.warn(`[bench] --profile ${id}: Mote did not run this model; no profile`);
      continue;
    }
    profiles[id] = await profileMote(conv, builds, args.quick ? 20 : PROFILE_MS);
  }

  // Per-model runtimes (`mote runtime`: only the ops, dtypes, kernels and decoders each model uses),
  // the issue-4 size target for a device that ships one model. One compile per model and ISA (a few
  // seconds each; feature sets shared by several models are compiled once): full runs only by default.
  const perModelRuntime: Record<string, { simd: number; scalar: number; features: string }> = {};
  if (args.runtimeSizes ?? !args.quick) {
    const built = new Map<string, { simd: number; scalar: number }>();
    for (const c of cases) {
      if (c.group === 'single-op') continue;
      const conv = moteConversion(c);
      if (conv instanceof Error) continue;
      const f = blobFeatures(readBlob(conv.blob));
      const key = featureKey(f);
      let sizes = built.get(key);
      if (!sizes) {
        sizes = { simd: (await buildRuntimeFor(f, { build: 'simd' })).length, scalar: (await buildRuntimeFor(f, { build: 'scalar' })).length };
        built.set(key, sizes);
      }
      const d = describeFeatures(f);
      perModelRuntime[c.id] = { ...sizes, features: [d.ops.join(' '), d.dtypes.join(' '), d.kernels.join(' '), d.decoders.join(' ')].filter(Boolean).join(' / ') };
      console.log(`  per-model runtime ${c.id.padEnd(14)} simd ${sizes.simd} B, scalar ${sizes.scalar} B`);
    }
  }

  const otherCpuCores = machineLoad();
  const timingWarnings = [...slowHostWarnings({ cases: results, peak, profiles }, SLOW_HOST_LIMIT), ...settlingWarnings({ cases: results }, DRIFT_LIMIT)];
  if (otherCpuCores !== undefined && otherCpuCores > BUSY_CORES)
    timingWarnings.unshift(`other processes kept ${otherCpuCores.toFixed(2)} of ${machine.cores} cores busy on average during this run: ratios may not be this machine's`);
  const result: BenchResult = {
    date: new Date().toISOString(),
    mode: args.quick ? 'quick' : 'full',
    machine,
    peak: { ...peak, kernel: 'bench/gemm-peak/int8-gemm.wat (4×2 tile, K=512), best of a measurement before and after the models' },
    sizes,
    perModelRuntime,
    method: METHOD,
    cases: results,
    profiles,
    missing,
    timingWarnings,
    otherCpuCores,
  };

  console.log(`int8 peak (best of start and end): SIMD ${peak.simdGmacs.toFixed(1)} GMAC/s, scalar ${peak.scalarGmacs.toFixed(2)} GMAC/s`);
  console.log('\nLatency per engine');
  console.log(timingTable(result));
  console.log('\nMote ÷ peer (median latency; < 1 = Mote faster) and Mote facts');
  console.log(ratioTable(result));
  for (const [id, { method, rows }] of Object.entries(profiles)) {
    const how = method === 'in-model' ? 'each op timed inside whole-model runs (mote_run_op), median' : 'each node timed alone as a one-node blob';
    console.log(`\nMote per-op profile: ${id} (${how}; sorted by SIMD time)`);
    console.log(profileTable(rows, peak));
  }
  if (Object.keys(profiles).length) {
    console.log('\nIssue 4 layer targets in the models (SIMD, p10 op times; conv/FC ≥ 16 channels ≥ 70 % per layer, depthwise ≥ 40 %)');
    for (const line of layerTargetLines(layerTargets(profiles, peak.simdGmacs))) console.log(`  ${line}`);
  }
  if (timingWarnings.length) console.log(`\nTiming warnings (these timings moved during the run: compare p10 ratios, or re-run on an idle machine):\n${timingWarnings.map((w) => `  ${w}`).join('\n')}`);
  else console.log(`\nTiming: every engine settled in warm-up${otherCpuCores === undefined ? '' : `; other processes used ${otherCpuCores.toFixed(2)} cores on average`}`);
  console.log('\nRuntime sizes (bytes): ' + Object.entries(sizes).map(([k, v]) => `${k} ${v}`).join(', '));

  if (args.write) {
    mkdirSync(args.out, { recursive: true });
    const write = (name: string, text: string) => {
      const path = join(args.out, name);
      writeFileSync(`${path}.tmp`, text);
      renameSync(`${path}.tmp`, path);
      return path;
    };
    // A --quick smoke run must not overwrite the full run's numbers.
    const base = args.quick ? 'quick' : 'latest';
    const jsonPath = write(`${base}.json`, JSON.stringify(result, null, 2) + '\n');
    const svgPath = write(`${base}.svg`, ratioChartSvg(result));
    console.log(`\nwrote ${jsonPath} and ${svgPath}`);
  }
}

main().then(
  () => process.exit(0), // ORT keeps native handles alive; the bench is done
  (e) => {
    console.error((e as Error).message);
    process.exit(1);
  },
);
