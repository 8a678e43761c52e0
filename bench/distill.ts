// Layer-wise distillation (convert option `distill`) measured on held-out data: each compression
// method at a few strengths, with and without distillation, in f32 and int8, on mnist-8 and the
// MLPerf Tiny KWS DS-CNN (docs/COMPRESSION.md, "Distillation").
//
//   npx tsx bench/distill.ts [--models mnist,kws] [--limit N] [--json OUT]
//
// Splits (those of the binary-weight tables):
//   mnist-8: calibration = MNIST test images 0-199, accuracy on images 1200-9999 (8,800, never seen);
//   KWS:     eembc_kws01, calibration = every 5th sample (100), accuracy on the other 400.
// int8 uses mse calibration; distillation runs on the float graph before quantization, on the same
// calibration samples. Accuracy: top-1 on the SIMD build (both builds give the same bytes).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { convert, type ConvertOptions } from '../converter/convert.js';
import type { TensorData } from '../converter/ir/graph.js';
import { openDataset, type Dataset } from '../host/data/dataset.js';
import { argmax, modelInput } from '../host/data/evaluate.js';
import { loadWasmFile } from '../host/node-loader.js';
import { MoteRuntime } from '../host/runtime.js';

const SHARED = process.env.MOTE_SHARED ?? join(import.meta.dirname, '../../shared/models');
const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const limit = Number(arg('limit', '0'));
const models = arg('models', 'mnist,kws').split(',');
const only = arg('only', '');

interface Setup { name: string; file: string; data: Dataset; calib: number[]; test: number[] }

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

function mnist(): Setup {
  const dir = join(SHARED, 'datasets/mnist');
  const data = openDataset(`mnist:${dir}/t10k-images-idx3-ubyte.gz,${dir}/t10k-labels-idx1-ubyte.gz`);
  return { name: 'mnist-8', file: join(SHARED, 'onnx_mnist8/model.onnx'), data, calib: range(0, 200), test: range(1200, 10000) };
}

function kws(): Setup {
  const data = openDataset(`kws01:${join(SHARED, 'eembc_kws01')}?scale=0.584703&zp=83`);
  const all = range(0, data.count);
  return { name: 'KWS DS-CNN', file: join(SHARED, 'mlperf_tiny/kws/kws_ref_model_float32.tflite'), data, calib: all.filter((i) => i % 5 === 0), test: all.filter((i) => i % 5 !== 0) };
}

/** Method, strength, and the convert options that apply it. */
const METHODS: [string, string, Partial<ConvertOptions>][] = [
  ['none', '', {}],
  ['filter pruning', '25 % of channels', { prune: { ratio: 0.25 } }],
  ['filter pruning', '50 % of channels', { prune: { ratio: 0.5 } }],
  ['low rank', 'energy 0.9', { lowrank: { energy: 0.9 } }],
  ['low rank', 'energy 0.7', { lowrank: { energy: 0.7 } }],
  ['magnitude pruning', '70 %', { pruneMagnitude: 0.7 }],
  ['magnitude pruning', '90 %', { pruneMagnitude: 0.9 }],
  ['weight sharing', 'k = 4 per layer', { cluster: 4 }],
  ['weight sharing', 'k = 2 per layer', { cluster: 2 }],
  ['binary weights', 'all but first and last', { binarize: 'auto' }],
];

let module: WebAssembly.Module | undefined;

async function measure(s: Setup) {
  module ??= await WebAssembly.compile((await loadWasmFile('simd')) as BufferSource);
  const bytes = new Uint8Array(readFileSync(s.file));
  const calibration = s.calib.map((i) => {
    const x = s.data.get(i).input;
    return [x instanceof Float32Array ? x : Float32Array.from(x, (q) => s.data.quant!.scale * (q - s.data.quant!.zeroPoint))] as TensorData[];
  });
  const test = limit > 0 ? s.test.slice(0, limit) : s.test;
  const accuracy = (blob: Uint8Array) => {
    const m = MoteRuntime.fromModule('simd', module!).load(blob);
    let correct = 0;
    for (const i of test) {
      const smp = s.data.get(i);
      if (argmax(m.run([modelInput(smp.input, m.inputs[0], s.data.quant, 'x')])[0] as ArrayLike<number>) === smp.label) correct++;
    }
    return correct;
  };
  const rows: Record<string, unknown>[] = [];
  for (const [method, strength, extra] of METHODS) {
    if (only && !method.includes(only)) continue;
    const row: Record<string, unknown> = { method, strength };
    for (const precision of ['f32', 'int8'] as const) {
      for (const distill of [false, true]) {
        if (method === 'none' && distill) continue;
        const key = `${precision}${distill ? '+distill' : ''}`;
        try {
          const t0 = performance.now();
          const r = convert(bytes, s.file, { precision, calibration, calibrationMethod: 'mse', ...extra, distill });
          const seconds = (performance.now() - t0) / 1000;
          row[key] = { correct: accuracy(r.blob), samples: test.length, storedWeightBytes: r.report.storedWeightBytes, seconds: +seconds.toFixed(1) };
          if (distill && precision === 'f32') {
            row.layers = r.report.distillation!.layers.map((l) => ({ layer: l.layer, free: l.free, before: +l.before.toFixed(4), after: +l.after.toFixed(4), heldOutBefore: l.heldOutBefore && +l.heldOutBefore.toFixed(4), heldOutAfter: l.heldOutAfter && +l.heldOutAfter.toFixed(4), ridge: l.ridge, kept: l.kept }));
          }
        } catch (e) {
          row[key] = { error: (e as Error).message };
        }
      }
    }
    rows.push(row);
    const cell = (k: string) => {
      const v = row[k] as { correct?: number; samples?: number; error?: string } | undefined;
      return !v ? '—' : v.error ? `error: ${v.error}` : `${(100 * v.correct! / v.samples!).toFixed(2)} %`;
    };
    const b = (k: string) => (row[k] as { storedWeightBytes?: number } | undefined)?.storedWeightBytes ?? '—';
    console.log(`| ${s.name} | ${method} | ${strength} | ${b('f32')} / ${b('int8')} | ${cell('f32')} | ${cell('f32+distill')} | ${cell('int8')} | ${cell('int8+distill')} |`);
  }
  return { model: s.name, calibration: s.calib.length, test: test.length, rows };
}

const out = [];
console.log('| model | method | strength | stored weights f32 / int8 | f32 | f32 + distill | int8 | int8 + distill |');
console.log('|---|---|---|---|---|---|---|---|');
for (const m of models) out.push(await measure(m === 'mnist' ? mnist() : kws()));
const json = arg('json', '');
if (json) writeFileSync(json, JSON.stringify(out, null, 2) + '\n');
