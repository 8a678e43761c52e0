// transpose_conv2d in f32 and int8 (TFLite TRANSPOSE_CONV): generated single-op .tflite files
// (bench/synthetic/tflite-writer.ts) over strides 1/2/3, SAME and VALID, kernels 2x2/3x3/4x4, odd
// sizes, with and without bias and fused activation, several channel counts. Each runs on desktop
// TFLite (the tfjs-tflite wasm runtime) and on Mote: import (→ int8 prepare) → the reference
// interpreter, and the blob on both WASM builds.
//   f32: everything within float rounding of TFLite (summation orders differ).
//   int8: both WASM builds equal the int8 reference (TFLM's reference_integer_ops::TransposeConv)
//   bit for bit, and the reference equals desktop TFLite bit for bit (desktop's kernels sum in
//   int32 and requantize per channel with the same MultiplyByQuantizedMultiplier).
import { beforeAll, describe, expect, it } from 'vitest';
import { TFL_TYPE, type TflModel, type TflTensor, writeTflite } from '../bench/synthetic/tflite-writer.js';
import { importTflite } from '../converter/import/tflite.js';
import { numel } from '../converter/ir/graph.js';
import { prepareInt8 } from '../converter/passes/quantize/index.js';
import { prepareInt16 } from '../converter/passes/quantize/prepare16.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { readBlob } from '../host/blob-reader.js';
import { MoteRuntime } from '../host/runtime.js';
import { buildRuntimeFor } from '../host/runtime-build.js';
import { blobFeatures } from '../host/runtime-features.js';
import * as F from '../format/format.js';
import { BUILDS, blobOf, editTensor, ensureWasmBuilt, expectLoadRefused, oneOpGraph, rng, runBlob } from './runtime-harness.js';
import { loadTfliteWasm, type TfliteWasm } from './support/tflite-wasm.js';

const FLOAT32 = 0;
const TRANSPOSE_CONV = 67;
const TRANSPOSE_CONV_OPTIONS = 49;
const SAME = 0;
const VALID = 1;
const NO_Q = { scale: [], zeroPoint: [] };

interface Case {
  /** Input [N,H,W,C], kernel [KH,KW], O output channels. */
  n: number; h: number; w: number; c: number; kh: number; kw: number; o: number;
  stride: [number, number];
  padding: typeof SAME | typeof VALID;
  /** Output spatial size (TFLite takes it as given; these are the sizes the padding rule admits). */
  out: [number, number];
  bias: boolean;
  /** TFLite fused_activation_function: 0 none, 1 relu, 3 relu6. */
  act?: number;
  /** int8: one weight scale for all output channels (TFLite allows it; TFLM broadcasts it). */
  perTensorW?: boolean;
}

const sameOut = (i: number, s: number) => i * s;
const validOut = (i: number, k: number, s: number) => (i - 1) * s + k;

const CASES: Case[] = [
  { n: 1, h: 3, w: 4, c: 2, kh: 3, kw: 3, o: 3, stride: [1, 1], padding: SAME, out: [3, 4], bias: true },
  { n: 1, h: 4, w: 3, c: 3, kh: 2, kw: 2, o: 4, stride: [2, 2], padding: SAME, out: [sameOut(4, 2), sameOut(3, 2)], bias: true },
  { n: 1, h: 5, w: 3, c: 4, kh: 4, kw: 4, o: 2, stride: [2, 2], padding: SAME, out: [10, 6], bias: false },
  { n: 2, h: 3, w: 5, c: 1, kh: 3, kw: 3, o: 5, stride: [2, 2], padding: VALID, out: [validOut(3, 3, 2), validOut(5, 3, 2)], bias: true },
  { n: 1, h: 4, w: 4, c: 5, kh: 3, kw: 3, o: 3, stride: [3, 3], padding: SAME, out: [12, 12], bias: true },
  { n: 1, h: 2, w: 3, c: 3, kh: 4, kw: 4, o: 4, stride: [3, 3], padding: VALID, out: [validOut(2, 4, 3), validOut(3, 4, 3)], bias: false },
  { n: 1, h: 3, w: 3, c: 8, kh: 3, kw: 2, o: 16, stride: [1, 2], padding: VALID, out: [5, 6], bias: true },
  // SAME with an odd output (ceil(7 / 2) = 4 input rows): the odd pad pixel at the end.
  { n: 1, h: 4, w: 5, c: 6, kh: 3, kw: 3, o: 7, stride: [2, 2], padding: SAME, out: [7, 9], bias: true },
  { n: 1, h: 3, w: 4, c: 4, kh: 3, kw: 3, o: 4, stride: [2, 2], padding: SAME, out: [6, 8], bias: true, act: 1 },
  { n: 1, h: 3, w: 3, c: 2, kh: 2, kw: 2, o: 3, stride: [2, 2], padding: VALID, out: [6, 6], bias: true, act: 3 },
  { n: 1, h: 4, w: 4, c: 3, kh: 3, kw: 3, o: 5, stride: [2, 2], padding: SAME, out: [8, 8], bias: true, perTensorW: true },
];

function label(c: Case): string {
  const pad = c.padding === SAME ? 'SAME' : 'VALID';
  return `[${c.n},${c.h},${c.w},${c.c}] k${c.kh}x${c.kw} s${c.stride.join('x')} ${pad} -> [${c.out}]x${c.o}${c.bias ? ' +bias' : ''}${c.act ? ` act ${c.act}` : ''}${c.perTensorW ? ' per-tensor w' : ''}`;
}

type Kind = 'f32' | 'int8';

/** The model: output_shape (const), weights [O,KH,KW,C], input, bias? -> output. */
function modelOf(c: Case, kind: Kind, seed: number): TflModel {
  const r = rng(seed);
  const wn = c.o * c.kh * c.kw * c.c;
  const outShape = [c.n, ...c.out, c.o];
  const int8 = kind === 'int8';
  const inQ = { scale: [0.04], zeroPoint: [-7] };
  const wScales = Array.from({ length: c.perTensorW ? 1 : c.o }, () => 0.002 + r() * 0.01);
  // Roughly the output's range: each output sums up to KH·KW·C/stride² products.
  const outQ = { scale: [0.02 * Math.sqrt((c.kh * c.kw * c.c) / (c.stride[0] * c.stride[1]))], zeroPoint: [5] };
  const tensors: TflTensor[] = [
    { name: 'output_shape', type: TFL_TYPE.INT32, shape: [4], data: new Uint8Array(Int32Array.from(outShape).buffer), quant: NO_Q },
    int8
      ? { name: 'w', type: TFL_TYPE.INT8, shape: [c.o, c.kh, c.kw, c.c], data: new Uint8Array(Int8Array.from({ length: wn }, () => Math.floor(r() * 255) - 127).buffer), quant: { scale: wScales, zeroPoint: wScales.map(() => 0), dim: 0 } }
      : { name: 'w', type: FLOAT32, shape: [c.o, c.kh, c.kw, c.c], data: new Uint8Array(Float32Array.from({ length: wn }, () => r() * 2 - 1).buffer), quant: NO_Q },
    int8 ? { name: 'x', type: TFL_TYPE.INT8, shape: [c.n, c.h, c.w, c.c], quant: inQ } : { name: 'x', type: FLOAT32, shape: [c.n, c.h, c.w, c.c], quant: NO_Q },
  ];
  if (c.bias) {
    tensors.push(
      int8
        ? { name: 'b', type: TFL_TYPE.INT32, shape: [c.o], data: new Uint8Array(Int32Array.from({ length: c.o }, () => Math.floor(r() * 4000) - 2000).buffer), quant: { scale: wScales.map((s) => Math.fround(inQ.scale[0]) * Math.fround(s)), zeroPoint: wScales.map(() => 0), dim: 0 } }
        : { name: 'b', type: FLOAT32, shape: [c.o], data: new Uint8Array(Float32Array.from({ length: c.o }, () => r() * 2 - 1).buffer), quant: NO_Q },
    );
  }
  const y = tensors.push(int8 ? { name: 'y', type: TFL_TYPE.INT8, shape: outShape, quant: outQ } : { name: 'y', type: FLOAT32, shape: outShape, quant: NO_Q }) - 1;
  const options: [number, 1 | 4, number][] = [[0, 1, c.padding], [1, 4, c.stride[1]], [2, 4, c.stride[0]]];
  if (c.act) options.push([3, 1, c.act]);
  return {
    tensors,
    // Version 3 takes the bias input; 4 the fused activation.
    ops: [{ code: TRANSPOSE_CONV, version: c.act ? 4 : 3, inputs: c.bias ? [0, 1, 2, 3] : [0, 1, 2], outputs: [y], optionsType: TRANSPOSE_CONV_OPTIONS, options }],
    inputs: [2],
    outputs: [y],
    description: label(c),
  };
}

let tfl: TfliteWasm;
beforeAll(async () => {
  await ensureWasmBuilt();
  tfl = await loadTfliteWasm({ simd: true });
}, 180_000);

/**
 * Desktop TFLite's output. This runtime predates TRANSPOSE_CONV version 4 (fused activation): for
 * those cases it runs the same model without the activation and the activation is applied here,
 * as TFLite defines it (int8: clamp to the codes of 0 and 6, CalculateActivationRangeQuantized).
 */
function tfliteRun(c: Case, kind: Kind, seed: number, x: Float32Array | Int8Array): Float32Array | Int8Array {
  const runner = tfl.createRunner(writeTflite(modelOf({ ...c, act: 0 }, kind, seed)));
  let y: Float32Array | Int8Array;
  try {
    y = runner.run([x])[0] as Float32Array | Int8Array;
  } finally {
    runner.dispose();
  }
  if (!c.act) return y;
  let lo = 0, hi = c.act === 3 ? 6 : Infinity;
  if (kind === 'int8') {
    const { scale: [s], zeroPoint: [zp] } = modelOf(c, kind, seed).tensors.find((t) => t.name === 'y')!.quant;
    lo = Math.max(-128, zp + Math.round(lo / Math.fround(s)));
    hi = Math.min(127, zp + Math.round(hi / Math.fround(s)));
  }
  return y.map((v) => Math.min(Math.max(v, lo), hi)) as Float32Array | Int8Array;
}

describe('TRANSPOSE_CONV f32 = desktop TFLite within float rounding (reference, both WASM builds)', () => {
  CASES.forEach((c, i) => {
    it(label(c), async () => {
      const bytes = writeTflite(modelOf(c, 'f32', 100 + i));
      const r = rng(200 + i);
      const x = Float32Array.from({ length: c.n * c.h * c.w * c.c }, () => r() * 4 - 2);
      const want = tfliteRun(c, 'f32', 100 + i, x);
      const g = importTflite(bytes, `${label(c)}.tflite`);
      expect(g.nodes.map((n) => n.op)).toEqual(['transpose_conv2d']);
      const close = (got: ArrayLike<number>, who: string) => {
        expect(got.length, who).toBe(want.length);
        for (let k = 0; k < want.length; k++) {
          const tol = 1e-5 * Math.max(1, Math.abs(want[k]));
          if (Math.abs(got[k] - want[k]) > tol) expect(got[k], `${who} element ${k}`).toBe(want[k]);
        }
      };
      close(runGraph(g, [x])[0] as Float32Array, 'reference');
      const blob = blobOf(g);
      for (const build of BUILDS) close((await runBlob(build, blob, [x]))[0] as Float32Array, build);
    });
  });
});

describe('TRANSPOSE_CONV int8 = TFLM reference bit for bit (both WASM builds) = desktop TFLite', () => {
  CASES.forEach((c, i) => {
    it(label(c), async () => {
      const bytes = writeTflite(modelOf(c, 'int8', 300 + i));
      const r = rng(400 + i);
      const x = Int8Array.from({ length: c.n * c.h * c.w * c.c }, () => Math.floor(r() * 256) - 128);
      const g = importTflite(bytes, `${label(c)}.tflite`);
      prepareInt8(g);
      const ref = runGraph(g, [x])[0] as Int8Array;
      expect(ref.length).toBe(numel([c.n, ...c.out, c.o]));
      // Not a constant output: the cases exercise the requantization over a real spread.
      expect(new Set(ref).size, 'distinct output codes').toBeGreaterThan(8);
      const blob = blobOf(g);
      for (const build of BUILDS) expect(Array.from((await runBlob(build, blob, [x]))[0] as Int8Array), build).toEqual(Array.from(ref));
      expect(Array.from(ref), 'desktop TFLite').toEqual(Array.from(tfliteRun(c, 'int8', 300 + i, x)));
    });
  });
});

describe('TRANSPOSE_CONV in per-model builds', () => {
  it('a runtime built for an f32 or an int8 transpose-conv model (that form only) runs it as the full build does', async () => {
    const c = CASES[7];
    for (const kind of ['f32', 'int8'] as Kind[]) {
      const g = importTflite(writeTflite(modelOf(c, kind, 500)), 'subset.tflite');
      if (kind === 'int8') prepareInt8(g);
      const blob = blobOf(g);
      const r = rng(600);
      const x = kind === 'int8'
        ? Int8Array.from({ length: c.n * c.h * c.w * c.c }, () => Math.floor(r() * 256) - 128)
        : Float32Array.from({ length: c.n * c.h * c.w * c.c }, () => r() * 4 - 2);
      for (const build of BUILDS) {
        const want = (await runBlob(build, blob, [x]))[0];
        const wasm = await buildRuntimeFor(blobFeatures(readBlob(blob)), { build });
        const rt = MoteRuntime.fromModule(build, await WebAssembly.compile(wasm as BufferSource)).load(blob);
        expect(Array.from(rt.run([x])[0] as ArrayLike<number>), `${kind} on ${build}`).toEqual(Array.from(want as ArrayLike<number>));
      }
    }
  }, 600_000);
});

describe('TRANSPOSE_CONV: the runtime refuses malformed f32 and s8 forms at load, naming the op', () => {
  const blobFor = (kind: Kind) => {
    const g = importTflite(writeTflite(modelOf(CASES[1], kind, 700)), 'bad.tflite');
    if (kind === 'int8') prepareInt8(g);
    const blob = blobOf(g);
    const ids = new Map(readBlob(blob).tensors.map((t) => [t.name, t.id]));
    return { blob, id: (name: string) => ids.get(name)! };
  };
  it('output channels, weight channels, dtypes', async () => {
    for (const kind of ['f32', 'int8'] as Kind[]) {
      const { blob, id } = blobFor(kind);
      // CASES[1]: x [1,4,3,3], w [4,2,2,3], y [1,8,6,4].
      await expectLoadRefused(editTensor(blob, id('y'), (d, at) => d.setInt32(at + F.T_DIMS + 12, 3, true)), /op 0 \(transpose_conv2d\): output 0 dim 3 must be 4, got 3/);
      await expectLoadRefused(editTensor(blob, id('w'), (d, at) => d.setInt32(at + F.T_DIMS + 12, 2, true)), /op 0 \(transpose_conv2d\): input 1 \(weights\) dim 3 must equal the input channels/);
      // Dtypes of the form's width (the edit keeps the records' byte sizes valid): an s8 output of
      // the f32 form, an f32 bias of the s8 form.
      if (kind === 'f32') await expectLoadRefused(editTensor(blob, id('y'), (d, at) => d.setUint8(at + F.T_DTYPE, F.DTYPE_S8)), /op 0 \(transpose_conv2d\): output 0 must be f32, got s8/);
      else await expectLoadRefused(editTensor(blob, id('b'), (d, at) => d.setUint8(at + F.T_DTYPE, F.DTYPE_F32)), /op 0 \(transpose_conv2d\): input 2 must be s32, got f32/);
    }
  });
});

describe('transpose_conv2d 16x8 with groups and dilations (the 9-word form; no importer writes it: a one-op graph)', () => {
  it('both builds = the int16 reference (forEachTransposeTap: groups and dilations from the spec)', async () => {
    const r = rng(800);
    // x [1,4,5,6] (C 6), group 3 (2 input channels each), 6 output channels, k3x2, stride [2,3], dilations [2,3].
    const [c, o, group, kh, kw] = [6, 6, 3, 3, 2];
    const wq = Int8Array.from({ length: o * kh * kw * (c / group) }, () => Math.floor(r() * 255) - 127);
    const bias = Int32Array.from({ length: o }, () => Math.floor(r() * 20000) - 10000);
    const g = oneOpGraph('transpose_conv2d', [
      { dtype: 's16', shape: [1, 4, 5, c], quant: { scale: 0.001, zeroPoint: 0 } },
      { dtype: 's8', shape: [o, kh, kw, c / group], data: wq, quant: { scale: 0.01, zeroPoint: 0 } },
      { dtype: 's32', shape: [o], data: bias },
    ], { dtype: 's16', quant: { scale: 0.002, zeroPoint: 0 } }, { strides: [2, 3], pads: [1, 2, 0, 0], outputSize: [11, 15], dilations: [2, 3], group });
    prepareInt16(g);
    const blob = blobOf(g);
    expect(readBlob(blob).ops[0].params.length, '9 param words').toBe(9);
    const x = Int16Array.from({ length: 4 * 5 * c }, () => Math.floor(r() * 65536) - 32768);
    const ref = runGraph(g, [x])[0] as Int16Array;
    expect(new Set(ref).size, 'distinct output codes').toBeGreaterThan(50);
    for (const build of BUILDS) expect(Array.from((await runBlob(build, blob, [x]))[0] as Int16Array), build).toEqual(Array.from(ref));
  });
});
