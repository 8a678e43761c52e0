// `mote demo` (what `npm start` runs): the whole toolchain on a model this project trains itself.
// Generates synthetic pattern images, trains a small CNN in TypeScript, saves it as a real ONNX
// model, converts it to float32 and int8 .mote blobs, runs both on the SIMD and the scalar WASM
// builds over a held-out test set, and prints accuracy, sizes, arena and latency.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { convert, type ConvertReport } from '../../converter/convert.js';
import { accuracy, initCnn, predict, trainCnn } from '../../converter/demo/cnn.js';
import { DEMO_CLASSES, makeDataset, type DemoDataset } from '../../converter/demo/data.js';
import { cnnToOnnx } from '../../converter/demo/export.js';
import { readBlob } from '../blob-reader.js';
import { writeNpy } from '../npy.js';
import { MoteRuntime, type MoteTypedArray } from '../runtime.js';
import { blobIo } from './run.js';
import { bytes, int } from './format.js';
import { dequantizeValues, quantizeValues, type IoSpec } from './tensors.js';
import { CliError, EXIT_USAGE } from './errors.js';
import { makeOutputDir, writeOutput } from './files.js';

export interface DemoOptions {
  out?: string;
  seed?: number;
  json?: boolean;
  /** Progress lines (stderr by default). */
  log?(line: string): void;
}

/** Sizes and training settings: a few seconds of training on 2 cores. */
export const DEMO_CONFIG = {
  trainCount: 1000,
  testCount: 500,
  calibrationCount: 200,
  epochs: 6,
  batchSize: 32,
  learningRate: 0.01,
  shape: { size: 16, c1: 8, c2: 16, classes: DEMO_CLASSES.length },
};

export interface BuildRun {
  accuracy: number;
  /** Mean wall time of one inference, in milliseconds (runtime call only). */
  latencyMs: number;
  logits: Float32Array; // [testCount, classes], dequantized
}

export interface DemoResult {
  outDir: string;
  files: { onnx: string; f32: string; int8: string; testImages: string; testLabels: string };
  trainSeconds: number;
  /** Accuracy of the trained network in the trainer's own float forward pass. */
  trainerAccuracy: number;
  onnxBytes: number;
  f32: { report: ConvertReport; simd: BuildRun; scalar: BuildRun; identical: boolean };
  int8: { report: ConvertReport; simd: BuildRun; scalar: BuildRun; identical: boolean };
}

function toInput(sample: Float32Array, spec: IoSpec): MoteTypedArray {
  if (spec.dtype === 'f32') return sample;
  return quantizeValues(sample, spec) as MoteTypedArray;
}

async function runOnBuild(blob: Uint8Array, build: 'simd' | 'scalar', data: DemoDataset): Promise<BuildRun> {
  const { inputs, outputs } = blobIo(readBlob(blob));
  if (inputs.length !== 1 || outputs.length !== 1) throw new Error('demo: expected one input and one output');
  const runtime = await MoteRuntime.create(build);
  const model = runtime.load(blob);
  const classes = DEMO_CONFIG.shape.classes;
  const pix = data.size * data.size;
  const logits = new Float32Array(data.count * classes);
  const prepared = Array.from({ length: data.count }, (_, i) => toInput(data.images.subarray(i * pix, (i + 1) * pix), inputs[0]));
  const out = outputs[0];
  let elapsed = 0;
  for (let i = 0; i < data.count; i++) {
    const t0 = performance.now();
    const [y] = model.run([prepared[i]]);
    elapsed += performance.now() - t0;
    const real = out.dtype === 'f32' ? (y as Float32Array) : dequantizeValues(y as ArrayLike<number>, out);
    logits.set(real.subarray(0, classes), i * classes);
  }
  return { accuracy: accuracy(logits, data.labels, classes), latencyMs: elapsed / data.count, logits };
}

function bitIdentical(a: Float32Array, b: Float32Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const seed = opts.seed ?? 1;
  const cfg = DEMO_CONFIG;
  const outDir = opts.out ?? mkdtempSync(join(tmpdir(), 'mote-demo-'));
  makeOutputDir(outDir);

  log(`generating ${cfg.trainCount} training and ${cfg.testCount} test images (${cfg.shape.size}×${cfg.shape.size}: ${DEMO_CLASSES.join(', ')})`);
  const train = makeDataset(cfg.trainCount, seed * 7919 + 1, cfg.shape.size);
  const test = makeDataset(cfg.testCount, seed * 7919 + 2, cfg.shape.size);

  const t0 = performance.now();
  const params = initCnn(cfg.shape, seed * 7919 + 3);
  trainCnn(params, train, {
    epochs: cfg.epochs,
    batchSize: cfg.batchSize,
    learningRate: cfg.learningRate,
    seed: seed * 7919 + 4,
    onEpoch: (e, loss) => log(`  epoch ${e + 1}/${cfg.epochs}: loss ${loss.toFixed(4)}`),
  });
  const trainSeconds = (performance.now() - t0) / 1000;
  const trainerAccuracy = accuracy(predict(params, test.images, test.count), test.labels, cfg.shape.classes);
  log(`trained in ${trainSeconds.toFixed(1)} s (Conv → BatchNormalization → Relu → MaxPool → Conv → Relu → GlobalAveragePool → Gemm)`);

  const onnx = cnnToOnnx(params, DEMO_CLASSES);
  const files = {
    onnx: join(outDir, 'demo.onnx'),
    f32: join(outDir, 'demo.f32.mote'),
    int8: join(outDir, 'demo.int8.mote'),
    testImages: join(outDir, 'test_images.npy'),
    testLabels: join(outDir, 'test_labels.npy'),
  };
  writeOutput(files.onnx, onnx);
  writeOutput(files.testImages, writeNpy(test.images, [test.count, 1, test.size, test.size]));
  writeOutput(files.testLabels, writeNpy(test.labels, [test.count]));

  log('converting to float32 and int8 (.mote)');
  const f32 = convert(onnx, 'demo.onnx', { precision: 'f32' });
  writeOutput(files.f32, f32.blob);
  const pix = train.size * train.size;
  const calibration = Array.from({ length: cfg.calibrationCount }, (_, i) => [train.images.slice(i * pix, (i + 1) * pix)]);
  const int8 = convert(onnx, 'demo.onnx', { precision: 'int8', calibration, calibrationMethod: 'minmax' });
  writeOutput(files.int8, int8.blob);

  log(`running ${test.count} test images on the SIMD and scalar WASM builds`);
  const result: DemoResult = {
    outDir,
    files,
    trainSeconds,
    trainerAccuracy,
    onnxBytes: onnx.length,
    f32: { report: f32.report, ...(await runBoth(f32.blob, test)) },
    int8: { report: int8.report, ...(await runBoth(int8.blob, test)) },
  };
  writeOutput(join(outDir, 'summary.json'), JSON.stringify(summaryJson(result), null, 2) + '\n');
  return result;
}

async function runBoth(blob: Uint8Array, test: DemoDataset) {
  const simd = await runOnBuild(blob, 'simd', test);
  const scalar = await runOnBuild(blob, 'scalar', test);
  return { simd, scalar, identical: bitIdentical(simd.logits, scalar.logits) };
}

function summaryJson(r: DemoResult) {
  const part = (p: DemoResult['f32']) => ({
    accuracy: p.simd.accuracy,
    scalarAccuracy: p.scalar.accuracy,
    simdScalarIdentical: p.identical,
    latencyMsSimd: p.simd.latencyMs,
    latencyMsScalar: p.scalar.latencyMs,
    blobBytes: p.report.blobBytes,
    weightBytes: p.report.weightBytes,
    arenaBytes: p.report.arenaBytes,
    arenaLowerBound: p.report.arenaLowerBound,
    sizeRatio: p.report.sizeRatio,
    totalMacs: p.report.totalMacs,
    keptFloat: p.report.keptFloat,
  });
  return {
    outDir: r.outDir,
    files: r.files,
    trainSeconds: r.trainSeconds,
    trainerAccuracy: r.trainerAccuracy,
    onnxBytes: r.onnxBytes,
    floatWeightBytes: r.f32.report.floatWeightBytes,
    parameters: r.f32.report.parameters,
    f32: part(r.f32),
    int8: part(r.int8),
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const yesNo = (b: boolean) => (b ? 'yes' : 'NO');

export function formatDemo(r: DemoResult): string {
  const f = r.f32;
  const q = r.int8;
  const lines = [
    '',
    `Mote demo: ${DEMO_CONFIG.testCount} held-out test images, ${DEMO_CLASSES.length} classes (${DEMO_CLASSES.join(', ')})`,
    '',
    `                       float32 (.mote)     int8 (.mote)`,
    `  accuracy             ${pct(f.simd.accuracy).padEnd(20)}${pct(q.simd.accuracy)}`,
    `  weights              ${bytes(f.report.weightBytes).padEnd(20)}${bytes(q.report.weightBytes)}`,
    `  blob                 ${bytes(f.report.blobBytes).padEnd(20)}${bytes(q.report.blobBytes)}`,
    `  arena (lower bound)  ${`${bytes(f.report.arenaBytes)} (${bytes(f.report.arenaLowerBound)})`.padEnd(20)}${bytes(q.report.arenaBytes)} (${bytes(q.report.arenaLowerBound)})`,
    `  SIMD = scalar        ${(yesNo(f.identical) + ' (bit-identical)').padEnd(20)}${yesNo(q.identical)} (bit-identical)`,
    `  latency SIMD         ${`${(f.simd.latencyMs * 1000).toFixed(0)} µs`.padEnd(20)}${(q.simd.latencyMs * 1000).toFixed(0)} µs`,
    `  latency scalar       ${`${(f.scalar.latencyMs * 1000).toFixed(0)} µs`.padEnd(20)}${(q.scalar.latencyMs * 1000).toFixed(0)} µs`,
    '',
    `  ONNX model           ${bytes(r.onnxBytes)} file, ${int(f.report.parameters)} parameters = ${bytes(f.report.floatWeightBytes)} of float32 weights`,
    `  int8 size ratio      ${q.report.sizeRatio.toFixed(2)}× smaller weights than float32`,
    `  compute              ${int(f.report.totalMacs)} MACs per inference`,
    `  trainer (TS float)   ${pct(r.trainerAccuracy)} after ${r.trainSeconds.toFixed(1)} s of training`,
    '',
    `  files in ${r.outDir}: demo.onnx, demo.f32.mote, demo.int8.mote, test_images.npy, test_labels.npy, summary.json`,
    `  try: ./bin/mote inspect ${r.files.int8}`,
    `       ./bin/mote run ${r.files.int8} --input ${r.files.testImages} -o ${join(r.outDir, 'logits.npy')}`,
  ];
  return lines.join('\n');
}

export async function demoCommand(opts: { out?: string; seed?: string; json?: boolean }): Promise<void> {
  let seed = 1;
  if (opts.seed !== undefined) {
    seed = Number(opts.seed);
    if (!Number.isInteger(seed) || seed < 0) throw new CliError(`--seed must be a non-negative integer, not '${opts.seed}'`, EXIT_USAGE);
  }
  const t0 = performance.now();
  const r = await runDemo({ out: opts.out, seed, log: opts.json ? () => {} : undefined });
  if (opts.json) process.stdout.write(JSON.stringify(summaryJson(r), null, 2) + '\n');
  else process.stdout.write(formatDemo(r) + `\n\n  demo finished in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('train a small CNN on synthetic images, convert it (f32 and int8) and run it on both WASM builds')
    .option('--out <dir>', 'where to write the model, blobs and test set (default: a new temp dir)')
    .option('--seed <n>', 'random seed for data, initialization and shuffling', '1')
    .option('--json', 'print the summary as JSON')
    .action((opts: { out?: string; seed?: string; json?: boolean }) => demoCommand(opts));
}
