// `mote compress MODEL --data SPEC`: per-layer sensitivity, a greedy search for the smallest blob
// within an accuracy budget (or the most accurate within a size budget), candidates verified on a
// validation split across worker threads, the chosen recipe measured once on a held-out test
// split. Writes best.recipe.json (for `mote convert --recipe`), best.mote, pareto.json, pareto.svg
// and pareto.html into --out.
//
// Splits of --data (sample indices; none overlap):
//   contiguous   calibration [0, C), validation [C, C+V), test [C+V, C+V+T)
//   interleaved  calibration every (N/C)-th sample (0, N/C, ...); the rest alternate validation / test
// With --calibration-data SPEC (or --calibration PATH) the calibration samples come from there and
// --data is split into validation and test only.
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { weightedLayers } from '../../converter/codec/weighted-layers.js';
import { searchCompression, type SearchResult } from '../../converter/compress/search.js';
import { defaultWorkers, makeRunner, type CandidateOptions } from '../../converter/compress/worker.js';
import { convert } from '../../converter/convert.js';
import type { TensorData } from '../../converter/ir/graph.js';
import { optimize } from '../../converter/passes/index.js';
import { paretoHtml, paretoSvg, type PlotInput } from '../../converter/report/pareto-plot.js';
import { importModel } from '../../converter/source.js';
import { DataSpecError, openDataset, type Dataset } from '../data/dataset.js';
import { loadCalibration } from './calibration.js';
import { CliError, EXIT_USAGE } from './errors.js';
import { makeOutputDir, readInput, writeOutput } from './files.js';
import type { IoSpec } from './tensors.js';

export interface CompressCliOptions {
  data?: string;
  calibration?: string[];
  calibrationData?: string;
  calibrationMethod?: string;
  biasCorrection?: boolean;
  split: string;
  calibCount: string;
  valCount?: string;
  testCount?: string;
  target: string;
  budget: string;
  sizeBudget?: string;
  workers?: string;
  out: string;
  binaryVariants?: boolean;
  compensateBias?: boolean;
  distill?: boolean;
  tables?: string;
  weightScales?: string;
  pruneSteps?: string;
  clusterSteps?: string;
  json?: boolean;
}

export interface Splits {
  calibration: number[];
  validation: number[];
  test: number[];
}

/** Sample indices of the three splits (see the header). */
export function splitIndices(total: number, mode: 'contiguous' | 'interleaved', calib: number, val?: number, test?: number): Splits {
  if (calib < 0 || calib >= total) throw new CliError(`--calib-count ${calib}: the data has ${total} samples`, EXIT_USAGE);
  let calibration: number[], rest: number[];
  if (mode === 'contiguous') {
    calibration = Array.from({ length: calib }, (_, i) => i);
    rest = Array.from({ length: total - calib }, (_, i) => calib + i);
    const v = val ?? Math.ceil(rest.length / 2);
    const validation = rest.slice(0, v);
    return { calibration, validation, test: rest.slice(v, test === undefined ? undefined : v + test) };
  }
  const stride = calib > 0 ? total / calib : Infinity;
  const isCal = new Set(Array.from({ length: calib }, (_, k) => Math.floor(k * stride)));
  calibration = [...isCal].sort((a, b) => a - b);
  rest = Array.from({ length: total }, (_, i) => i).filter((i) => !isCal.has(i));
  let validation = rest.filter((_, k) => k % 2 === 0), testSplit = rest.filter((_, k) => k % 2 === 1);
  if (val !== undefined) validation = validation.slice(0, val);
  if (test !== undefined) testSplit = testSplit.slice(0, test);
  return { calibration, validation, test: testSplit };
}

function positiveInt(v: string | undefined, flag: string, allowZero = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) throw new CliError(`${flag} must be a ${allowZero ? 'non-negative' : 'positive'} integer, not '${v}'`, EXIT_USAGE);
  return n;
}

function open(spec: string): Dataset {
  try {
    return openDataset(spec);
  } catch (e) {
    if (e instanceof DataSpecError) throw new CliError(e.message, EXIT_USAGE);
    throw e;
  }
}

/** A dataset sample as a float model input (dequantizing stored int8 values). */
export function realInput(data: Dataset, i: number): TensorData {
  const s = data.get(i).input;
  if (s instanceof Float32Array) return s;
  if (!data.quant) throw new CliError(`${data.description}: int8 samples without a scale cannot calibrate a float model: add ?scale=S&zp=Z to the spec`, EXIT_USAGE);
  return Float32Array.from(s, (q) => data.quant!.scale * (q - data.quant!.zeroPoint));
}

const pct = (a: number) => `${(100 * a).toFixed(2)}%`;

export async function compressCommand(model: string, opts: CompressCliOptions): Promise<SearchResult> {
  if (!opts.data) throw new CliError('missing --data SPEC (mnist:IMAGES,LABELS | kws01:DIR | npy:X.npy[,Y.npy])', EXIT_USAGE);
  if (opts.target !== 'size' && opts.target !== 'accuracy') throw new CliError(`--target must be size or accuracy, not '${opts.target}'`, EXIT_USAGE);
  if (opts.split !== 'contiguous' && opts.split !== 'interleaved') throw new CliError(`--split must be contiguous or interleaved, not '${opts.split}'`, EXIT_USAGE);
  const budget = Number(opts.budget);
  if (!(budget >= 0 && budget < 100)) throw new CliError(`--budget must be accuracy points in [0, 100), not '${opts.budget}'`, EXIT_USAGE);
  const sizeBudget = positiveInt(opts.sizeBudget, '--size-budget');
  if (opts.target === 'accuracy' && sizeBudget === undefined) throw new CliError('--target accuracy needs --size-budget BYTES (stored weight bytes)', EXIT_USAGE);
  if (opts.calibration?.length && opts.calibrationData) throw new CliError('give --calibration or --calibration-data, not both', EXIT_USAGE);
  const method = opts.calibrationMethod ?? 'minmax';
  if (!['minmax', 'percentile', 'mse', 'kl'].includes(method)) throw new CliError(`--calibration-method must be minmax, percentile, mse or kl, not '${method}'`, EXIT_USAGE);
  const workers = positiveInt(opts.workers, '--workers', true) ?? defaultWorkers();
  const list = (v: string | undefined, flag: string, ok: (n: number) => boolean, want: string) => {
    if (v === undefined) return undefined;
    const xs = v.split(',').map(Number);
    if (xs.length === 0 || !xs.every(ok)) throw new CliError(`${flag} must be a comma-separated list of ${want}, not '${v}'`, EXIT_USAGE);
    return xs;
  };
  const pruneList = list(opts.pruneSteps, '--prune-steps', (n) => n > 0 && n < 1, 'ratios in (0, 1)');
  const clusterList = list(opts.clusterSteps, '--cluster-steps', (n) => Number.isInteger(n) && n >= 2 && n <= 16, 'integers k in 2..16');

  const bytes = readInput(model, 'model');
  // Before the search (minutes): an unusable --out fails now, not after it.
  makeOutputDir(opts.out);
  const name = basename(model);
  const graph = importModel(bytes, name);
  optimize(graph);
  const layers = weightedLayers(graph).map((l) => l.node.name);
  if (layers.length === 0) throw new CliError(`${name}: no float conv/fully-connected weights to compress`, EXIT_USAGE);

  const data = open(opts.data);
  const external = Boolean(opts.calibration?.length || opts.calibrationData);
  const calibCount = positiveInt(opts.calibCount, '--calib-count', true) ?? 200;
  const splits = splitIndices(data.count, opts.split, external ? 0 : calibCount, positiveInt(opts.valCount, '--val-count'), positiveInt(opts.testCount, '--test-count'));
  let calibration: TensorData[][];
  if (opts.calibration?.length) {
    const inputs: IoSpec[] = graph.inputs.map((n) => ({ name: n, dtype: graph.tensor(n).dtype, shape: graph.tensor(n).shape, scale: 0, zeroPoint: 0 }));
    calibration = loadCalibration(opts.calibration, inputs);
  } else if (opts.calibrationData) {
    const cal = open(opts.calibrationData);
    calibration = Array.from({ length: Math.min(calibCount, cal.count) }, (_, i) => [realInput(cal, i)]);
  } else {
    calibration = splits.calibration.map((i) => [realInput(data, i)]);
  }
  if (calibration.length === 0) throw new CliError('no calibration samples (--calib-count 0 without --calibration-data)', EXIT_USAGE);
  if (splits.validation.length === 0) throw new CliError(`${data.description}: nothing left for the validation split`, EXIT_USAGE);

  const base: Partial<CandidateOptions> = { calibrationMethod: method as CandidateOptions['calibrationMethod'] };
  if (opts.biasCorrection) base.biasCorrection = true;
  if (opts.compensateBias) base.compensateBias = true;
  if (opts.distill) base.distill = true;
  if (opts.tables !== undefined) {
    if (opts.tables !== 'raw' && opts.tables !== 'compact') throw new CliError(`--tables must be raw or compact, not '${opts.tables}'`, EXIT_USAGE);
    base.tables = opts.tables;
  }
  if (opts.weightScales !== undefined) {
    if (opts.weightScales !== 'f32' && opts.weightScales !== 'f24' && opts.weightScales !== 'bf16') throw new CliError(`--weight-scales must be f32, f24 or bf16, not '${opts.weightScales}'`, EXIT_USAGE);
    base.weightScales = opts.weightScales;
  }
  const say = (s: string) => { if (!opts.json) process.stderr.write(s + '\n'); };
  say(`${name}: ${layers.length} weighted layers (${layers.join(', ')}); calibration ${calibration.length}, validation ${splits.validation.length}, test ${splits.test.length} samples; ${workers || 'no'} worker threads`);
  const runner = makeRunner({ model: bytes, filename: name, calibration, dataSpec: opts.data }, workers);
  let result: SearchResult;
  const t0 = performance.now();
  try {
    result = await searchCompression(runner, {
      layers, base, valIndices: splits.validation, testIndices: splits.test,
      target: opts.target, budgetPp: budget, sizeBudget, parallel: Math.max(2, workers), binaryVariants: opts.binaryVariants,
      pruneSteps: pruneList && [0, ...pruneList.sort((a, b) => a - b)],
      clusterSteps: clusterList && [undefined, ...clusterList.sort((a, b) => b - a)],
      onEvent: (e) => {
        if (e.kind === 'phase') say(`-- ${e.phase}${e.total ? ` (${e.total})` : ''}`);
        else say(`   ${e.candidate.phase.padEnd(11)} ${String(e.candidate.storedWeightBytes).padStart(7)} B  ${pct(e.candidate.accuracy)}  ${e.candidate.label}`);
      },
    });
  } finally {
    await runner.close();
  }
  const seconds = (performance.now() - t0) / 1000;

  // Outputs: recipe, blob, front (JSON + SVG + HTML).
  writeOutput(join(opts.out, 'best.recipe.json'), JSON.stringify(result.best.recipe, null, 2) + '\n');
  const bestBlob = convert(bytes, name, { precision: 'int8', calibration, recipe: result.best.recipe }).blob;
  writeOutput(join(opts.out, 'best.mote'), bestBlob);
  const frontSet = new Set(result.pareto);
  const summary = {
    model, data: data.description,
    splits: { mode: opts.split, calibration: calibration.length, validation: splits.validation.length, test: splits.test.length },
    sizeMeasure: 'storedWeightBytes (the blob\'s weights section); blobBytes is the whole .mote file',
    target: result.target, budgetPp: result.budgetPp, sizeBudget: result.sizeBudget,
    floatWeightBytes: result.floatWeightBytes,
    float: result.float, int8: result.int8,
    best: { ...result.best, options: undefined, ratioVsFloat32: result.floatWeightBytes / result.best.storedWeightBytes },
    note: result.note,
    variants: result.variants.map((v) => ({ ...v, options: undefined, ratioVsFloat32: result.floatWeightBytes / v.storedWeightBytes })),
    sensitivity: result.sensitivity,
    pareto: result.candidates.filter((c) => frontSet.has(c.id)).sort((a, b) => a.storedWeightBytes - b.storedWeightBytes)
      .map((c) => ({ id: c.id, label: c.label, storedWeightBytes: c.storedWeightBytes, blobBytes: c.blobBytes, ramWeightBytes: c.ramWeightBytes, accuracy: c.accuracy, latencyMs: c.latencyMs, layerWeights: c.options.layerWeights })),
    candidates: result.candidates.map(({ options, ...c }) => ({ ...c, precision: options.precision, layerWeights: options.layerWeights })),
    workers, seconds,
  };
  writeOutput(join(opts.out, 'pareto.json'), JSON.stringify(summary, null, 2) + '\n');
  const bestCandidate = result.candidates.find((c) => c.label === result.best.label && c.options.precision === 'int8');
  const floatCandidate = result.candidates.find((c) => c.options.precision === 'f32')!;
  const plot: PlotInput = {
    title: `${name}: size vs accuracy (${splits.validation.length} validation samples)`,
    points: result.candidates.filter((c) => c.options.precision === 'int8').map((c) => ({ id: c.id, label: c.label, phase: c.phase, bytes: c.storedWeightBytes, accuracy: c.accuracy, latencyMs: c.latencyMs })),
    front: result.pareto,
    floatPoint: { bytes: floatCandidate.storedWeightBytes, accuracy: floatCandidate.accuracy },
    bestId: bestCandidate?.id,
    floorAccuracy: result.target === 'size' ? result.float.val.accuracy - result.budgetPp / 100 : undefined,
  };
  writeOutput(join(opts.out, 'pareto.svg'), paretoSvg(plot) + '\n');
  writeOutput(join(opts.out, 'pareto.html'), paretoHtml(plot));

  if (opts.json) {
    process.stdout.write(JSON.stringify({ ...summary, candidates: undefined, out: opts.out }, null, 2) + '\n');
  } else {
    const line = (what: string, m: { storedWeightBytes: number; blobBytes: number; val: { accuracy: number }; test: { accuracy: number; correct: number; samples: number } }) =>
      `${what.padEnd(10)} ${String(m.storedWeightBytes).padStart(7)} B weights (${(result.floatWeightBytes / m.storedWeightBytes).toFixed(2)}x vs float32), blob ${m.blobBytes} B, validation ${pct(m.val.accuracy)}, test ${pct(m.test.accuracy)} (${m.test.correct}/${m.test.samples})`;
    process.stdout.write([
      line('float32', result.float), line('int8', result.int8), line('best', result.best),
      `best recipe: ${result.best.label}`,
      ...(result.note ? [`note: ${result.note}`] : []),
      ...result.variants.map((v) => line(v.label.replace(/ \(.*/, ''), v) + `  [${v.label}]`),
      `${result.candidates.length} candidates in ${seconds.toFixed(0)} s; wrote ${join(opts.out, 'best.recipe.json')}, best.mote, pareto.json, pareto.svg, pareto.html`,
    ].join('\n') + '\n');
  }
  return result;
}

export function registerCompress(program: Command): void {
  program
    .command('compress')
    .description('search per-layer compression (sparsity, palette bits, entropy coding) for the smallest blob within an accuracy budget')
    .argument('<model>', 'float ONNX or TFLite model')
    .option('--data <spec>', 'labelled data: mnist:IMAGES,LABELS | kws01:DIR | npy:X.npy,Y.npy (append ?scale=S&zp=Z as for mote eval)')
    .option('--calibration <path...>', 'calibration samples (.npy files or a directory), instead of a split of --data')
    .option('--calibration-data <spec>', 'calibration samples from another dataset spec (its first --calib-count)')
    .option('--calibration-method <m>', 'minmax, percentile, mse or kl', 'minmax')
    .option('--bias-correction', 'int8 bias correction on every candidate')
    .option('--tables <storage>', 'requantization tables of every candidate: raw (default) or compact (as mote convert --tables)')
    .option('--weight-scales <s>', 'per-channel weight scales of every candidate: f32 (default), f24 or bf16 (as mote convert --weight-scales)')
    .option('--compensate-bias', 'fold each pruned/clustered layer\'s expected output shift (ΔW·E[x]) into its bias')
    .option('--distill', 'refit every candidate\'s compressed layers to the float model on the calibration samples (slower: seconds per candidate)')
    .option('--split <mode>', 'contiguous or interleaved (see docs/COMPRESSION.md)', 'contiguous')
    .option('--calib-count <n>', 'calibration samples taken from --data (or --calibration-data)', '200')
    .option('--val-count <n>', 'validation samples (default: half of what calibration leaves)')
    .option('--test-count <n>', 'test samples (default: all the rest)')
    .option('--target <t>', 'size (smallest within --budget) or accuracy (best within --size-budget)', 'size')
    .option('--budget <pp>', 'allowed validation accuracy drop vs float32, percentage points', '1')
    .option('--size-budget <bytes>', 'for --target accuracy: the most stored weight bytes allowed')
    .option('--workers <n>', 'worker threads evaluating candidates (0: in this thread)')
    .option('--binary-variants', 'also measure binary-weight variants')
    .option('--prune-steps <list>', 'magnitude sparsity ladder per layer (default 0.5,0.6,0.65,0.7,0.75,0.8,0.85,0.9)')
    .option('--cluster-steps <list>', 'palette sizes k per layer (default 16,8,6,4,3,2)')
    .option('--out <dir>', 'output directory', 'compress-out')
    .option('--json', 'print the summary as JSON')
    .action(async (model: string, opts: CompressCliOptions) => { await compressCommand(model, opts); });
}
