// Binary-weight and XNOR variants of mnist-8 and the MLPerf Tiny KWS DS-CNN, measured on the WASM
// runtime: accuracy on held-out data, stored / RAM bytes, and latency of the dense-expanded,
// direct 1-bit and XNOR kernels (docs/COMPRESSION.md, "Binary weights and XNOR").
//
//   npx tsx bench/binary.ts [--models mnist,kws] [--runs N] [--limit N] [--json OUT]
//
// Splits (the ones docs/COMPRESSION.md uses):
//   mnist-8: calibration = MNIST test images 0-199, accuracy on images 1200-9999 (8,800, held out);
//   KWS:     eembc_kws01, calibration = every 5th sample (100), accuracy on the other 400.
// Latency: p10 and median of --runs single inferences on one input, per build, in this process.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { convert, type ConvertOptions, type ConvertResult } from '../converter/convert.js';
import type { TensorData } from '../converter/ir/graph.js';
import { openDataset, type Dataset } from '../host/data/dataset.js';
import { argmax, modelInput } from '../host/data/evaluate.js';
import { loadWasmFile } from '../host/node-loader.js';
import { MoteRuntime, type MoteBuild, type MoteModel } from '../host/runtime.js';

const SHARED = process.env.MOTE_SHARED ?? join(import.meta.dirname, '../../shared/models');
const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const runs = Number(arg('runs', '100'));
const rounds = Number(arg('rounds', '5'));
const limit = Number(arg('limit', '0'));

interface Setup {
  name: string;
  file: string;
  data: Dataset;
  calib: number[];
  test: number[];
  /** Variants: label and convert options on top of int8 with mse calibration. */
  variants: (layers: Layers) => [string, Partial<ConvertOptions>][];
}
interface Layers { all: string[]; inner: string[]; pointwise: string[]; binaryConvFc: string[] }

function mnist(): Setup {
  const dir = join(SHARED, 'datasets/mnist');
  const data = openDataset(`mnist:${dir}/t10k-images-idx3-ubyte.gz,${dir}/t10k-labels-idx1-ubyte.gz`);
  return {
    name: 'mnist-8', file: join(SHARED, 'onnx_mnist8/model.onnx'), data,
    calib: range(0, 200), test: range(1200, 10000),
    variants: (l) => [
      ['int8', {}],
      ['binary inner, expanded at load', { binarize: l.inner, placement: 'expand' }],
      ['binary inner, direct 1-bit kernels', { binarize: l.inner, placement: 'direct' }],
      ['binary inner + XNOR (binarized inputs)', { binarize: l.inner, placement: 'direct', binarizeActivations: l.inner }],
      ['binary inner + bias correction', { layerWeights: perLayer(l.inner), compensateBias: true, placement: 'direct' }],
      ['binary inner + bias correction + XNOR', { layerWeights: perLayer(l.inner), compensateBias: true, placement: 'direct', binarizeActivations: l.inner }],
      ['binary every layer, expanded', { binarize: l.all, placement: 'expand' }],
      ['binary every layer, direct', { binarize: l.all, placement: 'direct' }],
      ['binary every layer + bias correction, direct', { layerWeights: perLayer(l.all), compensateBias: true, placement: 'direct' }],
    ],
  };
}

function kws(): Setup {
  const data = openDataset(`kws01:${join(SHARED, 'eembc_kws01')}?scale=0.584703&zp=83`);
  const all = range(0, data.count);
  const calib = all.filter((i) => i % 5 === 0);
  return {
    name: 'KWS DS-CNN', file: join(SHARED, 'mlperf_tiny/kws/kws_ref_model_float32.tflite'), data,
    calib, test: all.filter((i) => i % 5 !== 0),
    variants: (l) => [
      ['int8', {}],
      ['binary all but first and last (incl. depthwise), expanded', { binarize: l.inner, placement: 'expand' }],
      ['binary pointwise convs, expanded', { binarize: l.pointwise, placement: 'expand' }],
      ['binary pointwise convs, direct 1-bit kernels', { binarize: l.pointwise, placement: 'direct' }],
      ['binary pointwise convs + XNOR (binarized inputs)', { binarize: l.pointwise, placement: 'direct', binarizeActivations: l.pointwise }],
      ['binary pointwise + FC, direct', { binarize: l.binaryConvFc, placement: 'direct' }],
      ['binary pointwise + bias correction', { layerWeights: perLayer(l.pointwise), compensateBias: true, placement: 'direct' }],
      ...l.pointwise.map((p): [string, Partial<ConvertOptions>] => [`binary ${p} only, direct`, { binarize: [p], placement: 'direct' }]),
      [`binary ${l.all[l.all.length - 1]} (FC) only, direct`, { binarize: [l.all[l.all.length - 1]], placement: 'direct' }],
      [`binary ${l.all[l.all.length - 1]} (FC) only + XNOR`, { binarize: [l.all[l.all.length - 1]], placement: 'direct', binarizeActivations: [l.all[l.all.length - 1]] }],
    ],
  };
}

const perLayer = (names: string[]) => Object.fromEntries(names.map((n) => [n, { binarize: true }]));

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, i) => a + i);
}

const modules = new Map<MoteBuild, WebAssembly.Module>();
async function runtime(build: MoteBuild): Promise<MoteRuntime> {
  if (!modules.has(build)) modules.set(build, await WebAssembly.compile((await loadWasmFile(build)) as BufferSource));
  return MoteRuntime.fromModule(build, modules.get(build)!);
}

function time(model: MoteModel, x: TensorData, into: number[]): void {
  for (let i = 0; i < 3; i++) model.run([x as never]);
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    model.run([x as never]);
    into.push(performance.now() - t0);
  }
}
function stats(t: number[]): { p10: number; median: number } {
  t.sort((a, b) => a - b);
  return { p10: +(t[Math.floor(t.length * 0.1)] * 1000).toFixed(1), median: +(t[Math.floor(t.length / 2)] * 1000).toFixed(1) };
}

async function measure(s: Setup) {
  const bytes = new Uint8Array(readFileSync(s.file));
  const calibration = s.calib.map((i) => {
    const x = s.data.get(i).input;
    return [x instanceof Float32Array ? x : Float32Array.from(x, (q) => s.data.quant!.scale * (q - s.data.quant!.zeroPoint))] as TensorData[];
  });
  const base: ConvertOptions = { precision: 'int8', calibration, calibrationMethod: 'mse' };
  const probe = convert(bytes, s.file, base);
  const weighted = probe.plan.steps.filter((n) => ['conv2d', 'depthwise_conv2d', 'fully_connected'].includes(n.op));
  const all = weighted.map((n) => n.name);
  const pointwise = weighted.filter((n) => n.op === 'conv2d' && probe.graph.tensor(n.inputs[1]).shape[1] === 1 && probe.graph.tensor(n.inputs[1]).shape[2] === 1).map((n) => n.name);
  const layers: Layers = { all, inner: all.slice(1, -1), pointwise, binaryConvFc: [...pointwise, all[all.length - 1]] };
  const test = limit > 0 ? s.test.slice(0, limit) : s.test;
  const rows: Record<string, unknown>[] = [];
  // Latency is taken after all variants are built, in interleaved rounds (drift on a shared
  // machine then hits every variant alike); microseconds, p10 and median over rounds x runs.
  const timed: { row: Record<string, unknown>; simd: MoteModel; scalar: MoteModel; x: TensorData; ts: number[]; tc: number[] }[] = [];
  for (const [label, extra] of s.variants(layers)) {
    let r: ConvertResult;
    try {
      r = convert(bytes, s.file, { ...base, ...extra });
    } catch (e) {
      rows.push({ label, error: (e as Error).message });
      continue;
    }
    const rep = r.report;
    const simd = (await runtime('simd')).load(r.blob);
    let correct = 0;
    for (const i of test) {
      const smp = s.data.get(i);
      if (argmax(simd.run([modelInput(smp.input, simd.inputs[0], s.data.quant, 'x')])[0] as ArrayLike<number>) === smp.label) correct++;
    }
    const x = modelInput(s.data.get(test[0]).input, simd.inputs[0], s.data.quant, 'x');
    const scalar = (await runtime('scalar')).load(r.blob);
    const row = {
      label,
      accuracy: correct / test.length, correct, samples: test.length,
      storedWeightBytes: rep.storedWeightBytes, blobBytes: rep.blobBytes, arenaBytes: rep.arenaBytes,
      ramWeightBytes: rep.ramWeightBytes,
      direct: rep.encodedWeights.filter((e) => e.direct).map((e) => `${e.tensor} ${e.streamBytes} B`),
      xnor: rep.activationBinarization?.map((a) => ({ layer: a.layer, threshold: a.threshold, beta: +a.beta.toPrecision(4), relErr: +a.relativeError.toFixed(3) })),
    };
    rows.push(row);
    timed.push({ row, simd, scalar, x, ts: [], tc: [] });
    console.log(JSON.stringify(row));
  }
  for (let r = 0; r < rounds; r++) {
    for (const t of timed) {
      time(t.simd, t.x, t.ts);
      time(t.scalar, t.x, t.tc);
    }
  }
  for (const t of timed) {
    t.row.simdUs = stats(t.ts);
    t.row.scalarUs = stats(t.tc);
    console.log(JSON.stringify({ label: t.row.label, simdUs: t.row.simdUs, scalarUs: t.row.scalarUs }));
  }
  return { model: s.name, layers, rows };
}

const wanted = arg('models', 'mnist,kws').split(',');
const results = [];
if (wanted.includes('mnist')) results.push(await measure(mnist()));
if (wanted.includes('kws')) results.push(await measure(kws()));
const out = arg('json', '');
if (out) writeFileSync(out, JSON.stringify(results, null, 2));
