// `mote convert MODEL.onnx -o OUT.mote`: the converter pipeline with a human summary or --json.
import { basename } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { convert, type ConvertReport, type Precision } from '../../converter/convert.js';
import { importModel, isPreQuantized } from '../../converter/source.js';
import { loadCalibration } from './calibration.js';
import { readInput, writeOutput } from './files.js';
import { CliError, EXIT_USAGE } from './errors.js';
import { bytes, counts, int } from './format.js';
import type { IoSpec } from './tensors.js';
import { loadWasmFile } from '../node-loader.js';
import { linearMemoryBudget, TARGETS } from '../targets.js';
import type { TensorData } from '../../converter/ir/graph.js';
import { DataSpecError, openDataset } from '../data/dataset.js';
import { realInput, splitIndices } from './compress.js';
import { CALIBRATION_METHODS, layerSummary, structureOptions, writeLayerReport, type StructureFlags } from './compress-flags.js';

export interface ConvertCliOptions extends StructureFlags {
  output?: string;
  precision: string;
  calibration?: string[];
  calibrationData?: string;
  calibSplit?: string;
  calibCount?: string;
  calibrationMethod: string;
  percentile?: string;
  keepFloat?: string[];
  cluster?: string;
  clusterPerChannel?: boolean;
  binarize?: string;
  binarizeActivations?: string;
  pruneMagnitude?: string;
  entropy?: string;
  tables?: string;
  weightScales?: string;
  weights?: string;
  weightLayout?: string;
  ramBudget?: string;
  placement?: string;
  target?: string;
  json?: boolean;
}

/** --ram-budget / --placement / --target: where compressed weights live at run time. */
async function placementOptions(opts: ConvertCliOptions): Promise<{ ramBudget?: number; ramBudgetSource?: string; placement?: 'auto' | 'expand' | 'direct'; isa?: 'simd' | 'scalar' }> {
  let ramBudget: number | undefined;
  if (opts.ramBudget !== undefined) {
    ramBudget = Number(opts.ramBudget);
    if (!Number.isInteger(ramBudget) || ramBudget < 0) throw new CliError(`--ram-budget must be a byte count, not '${opts.ramBudget}'`, EXIT_USAGE);
  }
  const placement = opts.placement as 'auto' | 'expand' | 'direct' | undefined;
  if (placement !== undefined && !['auto', 'expand', 'direct'].includes(placement)) {
    throw new CliError(`--placement must be auto, expand or direct, not '${opts.placement}'`, EXIT_USAGE);
  }
  let isa: 'simd' | 'scalar' | undefined;
  if (opts.target !== undefined) {
    if (!(TARGETS as readonly string[]).includes(opts.target)) throw new CliError(`--target must be one of ${TARGETS.join(', ')}, got '${opts.target}'`, EXIT_USAGE);
    // The chip runs the scalar build: its kernels' speed and the RAM left after WAMR and the runtime.
    isa = 'scalar';
    const wasm = await loadWasmFile('scalar');
    // WAMR's fast interpreter (the devices/esp32 default) may leave no room at all; then the
    // classic one's budget, said so in the report.
    let chip = linearMemoryBudget(opts.target, wasm, 'fast');
    let source = `${opts.target}: usable SRAM minus WAMR (fast interpreter) and the runtime, as mote inspect --target counts`;
    if (chip === 0) {
      chip = linearMemoryBudget(opts.target, wasm, 'classic');
      source = `${opts.target}: usable SRAM minus WAMR (classic interpreter: the fast one leaves no room) and the runtime, as mote inspect --target counts`;
    }
    const fromTarget = ramBudget === undefined || chip < ramBudget;
    ramBudget = fromTarget ? chip : ramBudget;
    return { ramBudget, ramBudgetSource: fromTarget ? source : '--ram-budget', placement, isa };
  }
  return { ramBudget, ...(ramBudget !== undefined ? { ramBudgetSource: '--ram-budget' } : {}), placement, isa };
}

/** --binarize-activations LAYERS: needs --binarize covering them (XNOR needs binary weights). */
function binarizeActivations(opts: ConvertCliOptions, binarize: string[] | 'auto' | undefined): string[] | undefined {
  const layers = opts.binarizeActivations?.split(',').filter(Boolean);
  if (layers !== undefined && (layers.length === 0 || binarize === undefined)) {
    throw new CliError('--binarize-activations LAYERS needs layer names, and --binarize covering them (XNOR needs binary weights)', EXIT_USAGE);
  }
  return layers;
}

/** The weight-compression flags (--cluster, --binarize, --prune-magnitude, --entropy), checked. */
function compressionOptions(opts: ConvertCliOptions) {
  let cluster: number | undefined;
  if (opts.cluster !== undefined) {
    cluster = Number(opts.cluster);
    if (!Number.isInteger(cluster) || cluster < 2 || cluster > 16) throw new CliError(`--cluster must be an integer in 2..16, not '${opts.cluster}'`, EXIT_USAGE);
  }
  let pruneMagnitude: number | undefined;
  if (opts.pruneMagnitude !== undefined) {
    pruneMagnitude = Number(opts.pruneMagnitude);
    if (!(pruneMagnitude >= 0 && pruneMagnitude < 1)) throw new CliError(`--prune-magnitude must be a ratio in [0, 1), not '${opts.pruneMagnitude}'`, EXIT_USAGE);
  }
  if (opts.entropy !== undefined && opts.entropy !== 'huffman') throw new CliError(`--entropy must be huffman, not '${opts.entropy}'`, EXIT_USAGE);
  const binarize = opts.binarize === undefined ? undefined : opts.binarize === 'auto' ? 'auto' as const : opts.binarize.split(',').filter(Boolean);
  if (opts.tables !== undefined && opts.tables !== 'raw' && opts.tables !== 'compact') throw new CliError(`--tables must be raw or compact, not '${opts.tables}'`, EXIT_USAGE);
  if (opts.weightScales !== undefined && !['f32', 'f24', 'bf16'].includes(opts.weightScales)) throw new CliError(`--weight-scales must be f32, f24 or bf16, not '${opts.weightScales}'`, EXIT_USAGE);
  if (opts.clusterPerChannel && cluster === undefined) throw new CliError('--cluster-per-channel needs --cluster K', EXIT_USAGE);
  return { cluster, clusterPerChannel: opts.clusterPerChannel, pruneMagnitude, binarize, entropy: opts.entropy as 'huffman' | undefined, tables: opts.tables as 'raw' | 'compact' | undefined, weightScales: opts.weightScales as 'f32' | 'f24' | 'bf16' | undefined, binarizeActivations: binarizeActivations(opts, binarize) };
}

/**
 * Calibration samples taken from a labelled dataset spec, picked as `mote compress --split MODE
 * --calib-count N` picks its calibration split, so a blob converted here and one from the search
 * see the same samples (and `mote eval --split MODE --calib-count N` scores the others).
 */
function calibrationFromData(spec: string, mode: string, countText: string): TensorData[][] {
  if (mode !== 'contiguous' && mode !== 'interleaved') throw new CliError(`--calib-split must be contiguous or interleaved, not '${mode}'`, EXIT_USAGE);
  const count = Number(countText);
  if (!Number.isInteger(count) || count < 1) throw new CliError(`--calib-count must be a positive integer, not '${countText}'`, EXIT_USAGE);
  let data;
  try {
    data = openDataset(spec);
  } catch (e) {
    if (e instanceof DataSpecError) throw new CliError(e.message, EXIT_USAGE);
    throw e;
  }
  return splitIndices(data.count, mode, Math.min(count, data.count - 1)).calibration.map((i) => [realInput(data, i)]);
}

export function formatConvertReport(r: ConvertReport, out: string): string {
  const lines: string[] = [];
  lines.push(`${r.source.name} → ${out}  (${r.precision})`);
  const kind = r.source.format === 'onnx' ? `ONNX opset ${r.source.version}` : `TFLite schema v${r.source.version}${r.source.preQuantized ? ', int8' : ''}`;
  lines.push(`  source      ${kind}, ${bytes(r.source.bytes)}: ${counts(r.sourceOps)}`);
  lines.push(`  schedule    ${r.macs.length} ops: ${counts(r.ops)}`);
  const inFile = r.source.format === 'onnx' ? '' : `; ${bytes(r.sourceWeightBytes)} in the source`;
  lines.push(`  parameters  ${int(r.parameters)} (${bytes(r.floatWeightBytes)} as float32${inFile})`);
  lines.push(`  weights     ${bytes(r.weightBytes)} in the blob (float32/blob ${r.sizeRatio.toFixed(2)}×)`);
  if (r.weightPlacement) lines.push(...placementLines(r.weightPlacement));
  if (r.distillation) {
    const d = r.distillation;
    lines.push(`  distill     ${d.layers.length} compressed layers refit to the float model on ${d.samples} samples (${d.heldOutSamples} held out); relative error of each layer's outputs:`);
    for (const l of d.layers) {
      const held = l.heldOutBefore !== undefined ? `, held out ${l.heldOutBefore.toFixed(4)} → ${(l.heldOutAfter ?? l.heldOutBefore).toFixed(4)}` : '';
      const how = l.kept ? `old values kept (${l.kept})` : `ridge ρ = ${l.ridge!.toExponential(0)}`;
      lines.push(`    ${l.layer} (${l.free}, ${l.parameters} parameters): ${l.before.toFixed(4)} → ${l.after.toFixed(4)}${held}; ${how}`);
    }
  }
  for (const a of r.activationBinarization ?? []) {
    lines.push(`  XNOR        ${a.layer}: input binarized at q >= ${a.threshold} (x ≈ ${a.center.toPrecision(4)} ± ${a.beta.toPrecision(4)}, relative error ${a.relativeError.toFixed(3)})`);
  }
  if (r.ramWeightBytes > 0) {
    const enc = counts(Object.fromEntries([...new Set(r.encodedWeights.map((e) => e.encoding))].map((k) => [k, r.encodedWeights.filter((e) => e.encoding === k).length])));
    lines.push(`  encoded     ${bytes(r.storedWeightBytes)} stored (flash), ${bytes(r.ramWeightBytes)} decoded into RAM at load: ${enc}`);
  }
  lines.push(`  blob        ${bytes(r.blobBytes)}`);
  lines.push(`  arena       ${bytes(r.arenaBytes)} (liveness lower bound ${bytes(r.arenaLowerBound)}, ratio ${r.arenaRatio.toFixed(3)})`);
  lines.push(`  compute     ${int(r.totalMacs)} MACs per inference`);
  for (const io of r.inputs) lines.push(`  input       ${io.name}: ${io.dtype}[${io.shape.join(', ')}]`);
  for (const io of r.outputs) lines.push(`  output      ${io.name}: ${io.dtype}[${io.shape.join(', ')}]`);
  if (r.precision === 'int8') {
    lines.push(`  kept f32    ${r.keptFloat.length === 0 ? 'none' : r.keptFloat.map((k) => `${k.name} (${k.op}${k.reason ? `: ${k.reason}` : ''})`).join(', ')}`);
  }
  return lines.join('\n');
}

export async function convertCommand(model: string, opts: ConvertCliOptions): Promise<void> {
  if (!opts.output) throw new CliError('missing -o OUT.mote (where to write the blob)', EXIT_USAGE);
  const precision = opts.precision as Precision;
  if (precision !== 'f32' && precision !== 'int8') throw new CliError(`--precision must be int8 or f32, not '${opts.precision}'`, EXIT_USAGE);
  const { calibrationMethod: chosenMethod, ...structure } = structureOptions(opts);
  const method = chosenMethod as 'minmax';
  if (!CALIBRATION_METHODS.includes(method)) {
    throw new CliError(`--calibration-method must be ${CALIBRATION_METHODS.join(', ')}, not '${method}'`, EXIT_USAGE);
  }
  let percentile: number | undefined;
  if (opts.percentile !== undefined) {
    percentile = Number(opts.percentile);
    if (!(percentile > 0 && percentile <= 100)) throw new CliError(`--percentile must be in (0, 100], not '${opts.percentile}'`, EXIT_USAGE);
  }
  const calibrationArgs = opts.calibration ?? [];
  if (calibrationArgs.length > 0 && opts.calibrationData) throw new CliError('give --calibration or --calibration-data, not both', EXIT_USAGE);
  if ((opts.calibSplit !== undefined || opts.calibCount !== undefined) && !opts.calibrationData) {
    throw new CliError('--calib-split and --calib-count choose samples of --calibration-data SPEC', EXIT_USAGE);
  }
  // Distillation matches the float model's outputs on the calibration samples, in f32 too.
  const distill = structure.distill === true || structure.recipe?.distill === true;
  const wantsCalibration = precision === 'int8' || distill;
  if (!wantsCalibration && (calibrationArgs.length > 0 || opts.calibrationData)) {
    throw new CliError('--calibration is only used with --precision int8 (or --distill)', EXIT_USAGE);
  }
  if (distill && precision === 'f32' && calibrationArgs.length === 0 && !opts.calibrationData) {
    throw new CliError('--distill needs calibration data (--calibration PATH or --calibration-data SPEC): the float model\'s outputs are matched on it', EXIT_USAGE);
  }
  if (opts.keepFloat && precision !== 'int8') throw new CliError('--keep-float is only used with --precision int8', EXIT_USAGE);

  const compression = compressionOptions(opts);
  const placement = await placementOptions(opts);
  const weights = opts.weights ?? 'internal';
  if (weights !== 'internal' && weights !== 'external') throw new CliError(`--weights must be internal or external, not '${opts.weights}'`, EXIT_USAGE);
  if (weights === 'external' && (compression.cluster !== undefined || compression.binarize !== undefined || compression.pruneMagnitude !== undefined || compression.entropy !== undefined || compression.tables === 'compact')) {
    throw new CliError('--weights external cannot be combined with --cluster, --binarize, --prune-magnitude, --entropy or --tables compact (encoded weights are decoded in RAM)', EXIT_USAGE);
  }
  const weightLayout = opts.weightLayout ?? 'auto';
  if (weightLayout !== 'auto' && weightLayout !== 'packed' && weightLayout !== 'plain') throw new CliError(`--weight-layout must be auto, packed or plain, not '${opts.weightLayout}'`, EXIT_USAGE);
  const bytesIn = readInput(model, 'model');
  const name = basename(model);
  // The model's inputs (names, shapes, dtypes) decide how the calibration files are read; a model
  // that is already int8 (quantized TFLite) needs none.
  const probe = importModel(bytesIn, name);
  const preQuantized = isPreQuantized(probe);
  if (preQuantized && precision === 'f32') {
    throw new CliError(`${name} is already quantized (int8 or 16x8): convert it with --precision int8 (no calibration needed)`, EXIT_USAGE);
  }
  if (preQuantized && (calibrationArgs.length > 0 || opts.calibrationData)) {
    throw new CliError(`${name} is already quantized (int8 or 16x8): --calibration is not used for it`, EXIT_USAGE);
  }
  if (!preQuantized && precision === 'int8' && calibrationArgs.length === 0 && !opts.calibrationData) {
    throw new CliError(
      'int8 conversion needs calibration data: --calibration PATH (a directory of .npy samples or one batched .npy); or use --precision f32',
      EXIT_USAGE,
    );
  }
  let calibration;
  if (wantsCalibration && !preQuantized && opts.calibrationData) {
    calibration = calibrationFromData(opts.calibrationData, opts.calibSplit ?? 'contiguous', opts.calibCount ?? '200');
  } else if (wantsCalibration && !preQuantized) {
    const inputs: IoSpec[] = probe.inputs.map((n) => {
      const t = probe.tensor(n);
      return { name: n, dtype: t.dtype, shape: t.shape, scale: 0, zeroPoint: 0 };
    });
    calibration = loadCalibration(calibrationArgs, inputs);
  }

  const showBar = !opts.json && process.stderr.isTTY === true && calibration !== undefined;
  const bar = showBar
    ? new cliProgress.SingleBar(
        { format: 'calibrating [{bar}] {value}/{total} samples', stream: process.stderr, hideCursor: true, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let started = false;
  const t0 = performance.now();
  let result;
  try {
    result = convert(bytesIn, name, {
      precision,
      calibration,
      calibrationMethod: method,
      percentile,
      keepFloat: opts.keepFloat,
      weights,
      weightLayout,
      ...compression,
      ...placement,
      ...structure,
      onProgress: bar
        ? (done, total) => {
            if (!started) {
              bar.start(total, 0);
              started = true;
            }
            bar.update(done);
          }
        : undefined,
    });
  } finally {
    if (started) bar!.stop();
  }
  const seconds = (performance.now() - t0) / 1000;
  writeOutput(opts.output, result.blob);
  if (opts.report) writeLayerReport(opts.report, result.report);

  if (opts.json) {
    process.stdout.write(JSON.stringify({ output: opts.output, seconds, ...result.report }, null, 2) + '\n');
  } else {
    const calib = calibration && precision === 'f32'
      ? `, distilled on ${calibration.length} calibration samples`
      : calibration
      ? `, ${method} calibration on ${calibration.length} samples`
      : preQuantized
        ? ', keeping the model\'s own int8 quantization'
        : '';
    process.stdout.write(formatConvertReport(result.report, opts.output) + '\n' + layerSummary(result.report));
    process.stdout.write(`  wrote ${opts.output} in ${seconds.toFixed(2)} s${calib}\n`);
  }
}

export function registerConvert(program: Command): void {
  program
    .command('convert')
    .description('convert an ONNX or TFLite model to a .mote blob (float32, or int8 with calibration)')
    .argument('<model>', 'the model (.onnx or .tflite)')
    .option('-o, --output <file>', 'where to write the .mote blob')
    .option('--precision <p>', 'int8 or f32', 'int8')
    .option(
      '--calibration <path>',
      'int8 calibration samples: a directory of .npy files, one batched .npy, or NAME=PATH per input (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--calibration-data <spec>', 'int8 calibration samples from a dataset spec (as mote eval --data), picked by --calib-split and --calib-count')
    .option('--calib-split <mode>', 'with --calibration-data: contiguous (the first N samples, default) or interleaved (every (total/N)-th), as mote compress --split')
    .option('--calib-count <n>', 'with --calibration-data: how many samples (default 200)')
    .option('--calibration-method <m>', 'minmax, percentile, mse (least quantization error) or kl (TensorRT entropy)', 'minmax')
    .option('--bias-correction', 'int8: correct each channel\'s bias for the mean shift its weight rounding causes (calibration means)')
    .option('--distill', 'refit each compressed layer\'s free parameters (least squares) to the float model\'s outputs on the calibration samples; f32 too')
    .option('--prune-filters <ratio>', 'remove this fraction of every conv/FC layer\'s output channels (smallest L1 norm) and their readers\' inputs')
    .option('--lowrank <energy>', 'factorise FC / 1×1 conv weights by truncated SVD keeping this fraction of Σσ² (where smaller)')
    .option('--recipe <file.json>', 'per-layer compression recipe (prune, lowrank, calibration, keepFloat)')
    .option('--report <file>', 'write the per-layer report (method, bytes, weight SNR, MACs) as .json or .html')
    .option('--percentile <p>', 'percentile for --calibration-method percentile (e.g. 99.99)')
    .option('--keep-float <node>', 'leave this node in float32 in an int8 conversion (repeatable; names as `mote inspect` shows)', (v: string, prev: string[] = []) => [
      ...prev,
      v,
    ])
    .option('--cluster <k>', 'k-means weight sharing: k (2..16) values per layer, stored as packed indices + codebooks')
    .option('--cluster-per-channel', 'with --cluster: one k-means per output channel instead of per layer')
    .option('--binarize <layers>', "binary weights (α·sign(W) per channel) for these comma-separated layers, or 'auto' (all but the first and last)")
    .option('--binarize-activations <layers>', 'int8: also binarize these binary layers\' inputs (sign(x − θ)·β, XNOR-popcount kernels); comma-separated')
    .option('--prune-magnitude <ratio>', 'zero this fraction of each layer\'s smallest weights; stored sparse')
    .option('--entropy <coder>', 'entropy-code the weights (huffman), decoded at load')
    .option('--tables <storage>', 'int8 requantization tables (bias, multiplier, shift): raw (default) or compact (bit-packed, multipliers rebuilt from f32 scales at load)')
    .option('--weight-scales <s>', 'int8 per-channel weight scales: f32 (default), or rounded up to f24 / bf16 values so --tables compact stores 3 / 2 bytes per channel for the multipliers')
    .option('--weights <where>', "internal (default), or external: weights stay outside the runtime's RAM (flash), read per op by the stream builds")
    .option('--weight-layout <l>', 'int8 conv/fc weights: auto (default: packed where that adds at most 12.5 % or 512 B per layer; compressed weights are packed at load, the cost in RAM), packed (the layout of the fastest kernels; more flash when channels are not a multiple of 16) or plain (smallest blob, same outputs)')
    .option('--ram-budget <bytes>', 'RAM the loaded model may take (blob + expanded weights + arena): compressed fc/conv weights over it are read in place by direct kernels instead of expanded')
    .option('--placement <p>', 'compressed fc/conv weights: auto (default: by RAM budget and measured speed), expand (decode at load) or direct (read in place)')
    .option('--target <chip>', 'plan for the scalar runtime on esp32, esp32s3 or esp32c3: its RAM budget and kernel speeds decide the placement')
    .option('--json', 'print the conversion report as JSON')
    .action((model: string, opts: ConvertCliOptions) => convertCommand(model, opts));
}

/** The expand-vs-direct table of the human report. */
export function placementLines(p: NonNullable<ConvertReport['weightPlacement']>): string[] {
  const out: string[] = [];
  const budget = p.ramBudget !== undefined ? `, budget ${bytes(p.ramBudget)}${p.ramBudgetSource ? ` (${p.ramBudgetSource})` : ''}: ${p.fits ? 'fits' : 'does NOT fit'}` : '';
  out.push(`  placement   ${p.mode}, ${p.isa} kernels; model RAM ${bytes(p.ramBytes)} (blob + expanded weights + arena)${budget}`);
  for (const l of p.layers) {
    const ways = l.ramBytesDirect !== undefined
      ? `RAM ${l.ramBytesExpanded} B expanded / ${l.ramBytesDirect} B direct, expected ×${l.expectedRatio!.toFixed(2)} latency direct`
      : `RAM ${l.ramBytesExpanded} B`;
    out.push(`    ${l.layer}: ${l.choice} (${l.encoding}) — ${ways}; ${l.reason}`);
  }
  return out;
}
