// reduce_sum end to end: the runtime kernel (both builds) against the reference kernels (f32 within
// f32 summation rounding, s8 byte for byte, every axis set of rank 1..4); ONNX ReduceSum against
// ONNX Runtime (axes as attribute before opset 13 and as input from it, keepdims, empty axes,
// noop_with_empty_axes) in f32 and after int8 PTQ (int8 reference = both builds, within the int8
// bound of ORT); TFLite SUM against desktop TFLite (float32; int8 byte for byte).
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeTflite } from '../bench/synthetic/tflite-writer.js';
import { convert } from '../converter/convert.js';
import { builtinCode } from '../converter/import/tflite-opnames.js';
import { type Graph, type TensorData, numel } from '../converter/ir/graph.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { BUILDS, ensureWasmBuilt, expectBlobsMatch, blobOf, oneOpGraph, randS8, rng, runBlob } from './runtime-harness.js';
import { BoundPropagator, quantizeValues, qpOf } from './support/int8-bound.js';
import { ai, ais, buildModel, INT64, type ModelSpec } from './support/onnx-model.js';
import { loadTfliteWasm, type TfliteWasm } from './support/tflite-wasm.js';

beforeAll(async () => {
  await ensureWasmBuilt();
}, 120_000);

function closeTo(label: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  expect(got.length, label).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])))) expect.fail(`${label}[${i}]: ${got[i]} vs ${want[i]}`);
  }
}

/** Every non-empty subset of the axes of `rank`. */
const axisSets = (rank: number) => Array.from({ length: 2 ** rank - 1 }, (_, m) => [...Array(rank).keys()].filter((i) => (m + 1) & (1 << i)));

describe('reduce_sum: runtime (both builds) = reference kernels', () => {
  const shapes = [[7], [3, 5], [2, 3, 4], [2, 3, 2, 5]];
  it('f32, every axis set of rank 1..4', async () => {
    const r = rng(5);
    for (const shape of shapes) {
      for (const axes of axisSets(shape.length)) {
        const g = oneOpGraph('reduce_sum', [{ dtype: 'f32', shape }], { dtype: 'f32' }, { axes });
        const x = Float32Array.from({ length: numel(shape) }, () => r() * 4 - 2);
        const [want] = runGraph(g, [x]);
        const n = numel(shape) / numel(g.tensor('out').shape);
        for (const build of BUILDS) closeTo(`[${shape}] axes ${axes} on ${build}`, (await runBlob(build, blobOf(g), [x]))[0], want as Float32Array, n * 2 ** -22);
      }
    }
  });

  it('s8 (TFLM SUM: int32 sum, one rescale), every axis set, byte for byte', async () => {
    const r = rng(6);
    for (const shape of shapes) {
      for (const axes of axisSets(shape.length)) {
        const n = axes.reduce((a, i) => a * shape[i], 1);
        const g = oneOpGraph('reduce_sum', [{ dtype: 's8', shape, quant: { scale: 0.02, zeroPoint: -5 } }], { dtype: 's8', quant: { scale: 0.02 * Math.sqrt(n) * 2, zeroPoint: 3 } }, { axes },
          { outMult: 1518500250 - n * 1000, outShift: -Math.ceil(Math.log2(Math.sqrt(n) * 2)) });
        const x = randS8(r, numel(shape));
        const [want] = runGraph(g, [x]);
        await expectBlobsMatch(`s8 [${shape}] axes ${axes}`, [['', blobOf(g)]], [x], want);
      }
    }
  });
});

// ---- ONNX ReduceSum against ONNX Runtime ----------------------------------------------------------

const SHAPE = [2, 3, 4, 5];

interface Case {
  label: string;
  opset: number;
  axes?: number[];
  keepdims?: number;
  noop?: number;
  out: number[];
}
const CASES: Case[] = [
  { label: 'opset 11, axes attribute [1], keepdims', opset: 11, axes: [1], out: [2, 1, 4, 5] },
  { label: 'opset 11, axes [-1, 0], keepdims 0', opset: 11, axes: [-1, 0], keepdims: 0, out: [3, 4] },
  { label: 'opset 13, axes input [2, 3], keepdims', opset: 13, axes: [2, 3], out: [2, 3, 1, 1] },
  { label: 'opset 13, axes input [1], keepdims 0', opset: 13, axes: [1], keepdims: 0, out: [2, 4, 5] },
  { label: 'opset 13, no axes: every axis', opset: 13, keepdims: 0, out: [] },
  { label: 'opset 13, no axes and noop_with_empty_axes: identity', opset: 13, noop: 1, out: SHAPE },
];

function specOf(c: Case): ModelSpec {
  const attrs: Record<string, ReturnType<typeof ai>> = {};
  if (c.keepdims !== undefined) attrs.keepdims = ai(c.keepdims);
  if (c.noop !== undefined) attrs.noop_with_empty_axes = ai(c.noop);
  const asInput = c.opset >= 13 && c.axes;
  if (c.opset < 13 && c.axes) attrs.axes = ais(c.axes);
  return {
    opset: c.opset,
    inputs: [{ name: 'x', shape: SHAPE }],
    outputs: [{ name: 'y', shape: c.out }],
    inits: asInput ? [{ name: 'axes', shape: [c.axes!.length], data: c.axes!, type: INT64 }] : [],
    // A Conv-free graph: x → ReduceSum; a Relu before it gives PTQ a quantized producer.
    nodes: [{ op: 'ReduceSum', inputs: asInput ? ['x', 'axes'] : ['x'], outputs: ['y'], attrs }],
  };
}

describe('ONNX ReduceSum = ONNX Runtime', () => {
  for (const c of CASES) {
    it(`${c.label}: f32 (reference and both builds); int8 PTQ within the bound`, async () => {
      const bytes = buildModel(specOf(c));
      const r = rng(c.label.length);
      const x = Float32Array.from({ length: numel(SHAPE) }, () => r() * 2 - 1);
      const session = await ort.InferenceSession.create(bytes);
      const want = (await session.run({ x: new ort.Tensor('float32', x, SHAPE) })).y.data as Float32Array;
      const f = convert(bytes, 'sum.onnx', { precision: 'f32' });
      closeTo(`${c.label} reference`, runGraph(f.graph, [x])[0] as Float32Array, want, 1e-6);
      for (const build of BUILDS) closeTo(`${c.label} on ${build}`, (await runBlob(build, f.blob, [x]))[0], want, 1e-5);
      if (c.noop) return;

      const calibration = [0, 1, 2].map(() => [Float32Array.from({ length: numel(SHAPE) }, () => r() * 2 - 1)]).concat([[x]]);
      const q = convert(bytes, 'sum.onnx', { precision: 'int8', calibration });
      const g: Graph = q.graph;
      expect(g.nodes.some((n) => n.op === 'reduce_sum' && n.int8), 'reduce_sum runs in int8').toBe(true);
      const xq = quantizeValues(x, qpOf(g.tensor(g.inputs[0])));
      const [ref] = runGraph(g, [xq]);
      await expectBlobsMatch(`${c.label} int8`, [['', q.blob]], [xq], ref);
      // Within the conformance tests' int8 bound of ORT's values.
      const values = new Map<string, TensorData>();
      runGraph(f.graph, [x], { observe: (name, v) => values.set(name, v.data) });
      const bound = new BoundPropagator(f.graph, g, values).run()[0];
      const yq = qpOf(g.tensor(g.outputs[0]));
      for (let i = 0; i < want.length; i++) {
        const got = yq.scale * ((ref as Int8Array)[i] - yq.zeroPoint);
        const b = bound[i] * (1 + 2 ** -12) + 2 ** -20 * (Math.abs(want[i]) + yq.scale) + 1e-6 * (1 + Math.abs(want[i]));
        if (!(Math.abs(got - want[i]) <= b)) expect.fail(`${c.label} int8 element ${i}: ${got} vs ORT ${want[i]}, bound ${b}`);
      }
    });
  }
});

// ---- TFLite SUM against desktop TFLite ------------------------------------------------------------

function sumTflite(type: number, shape: number[], axes: number[], keepDims: boolean, qx?: { scale: number; zeroPoint: number }, qy?: { scale: number; zeroPoint: number }): Uint8Array {
  const outShape = keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
  const quant = (q?: { scale: number; zeroPoint: number }) => (q ? { scale: [q.scale], zeroPoint: [q.zeroPoint] } : { scale: [], zeroPoint: [] });
  return writeTflite({
    tensors: [
      { name: 'x', type, shape, quant: quant(qx) },
      { name: 'axes', type: 2, shape: [axes.length], data: new Uint8Array(Int32Array.from(axes).buffer), quant: quant() },
      { name: 'y', type, shape: outShape, quant: quant(qy) },
    ],
    ops: [{ code: builtinCode('SUM'), version: 1, inputs: [0, 1], outputs: [2], optionsType: 27, options: [[0, 1, keepDims ? 1 : 0]] }],
    inputs: [0],
    outputs: [2],
    description: 'SUM test',
  });
}

describe('TFLite SUM = desktop TFLite (wasm)', () => {
  let tfl: TfliteWasm;
  beforeAll(async () => {
    tfl = await loadTfliteWasm({ simd: true });
  });
  const cases: [number[], number[], boolean][] = [[[1, 4, 5, 3], [1, 2], true], [[2, 3, 4], [2], false], [[2, 3, 4], [0, 2], false], [[6, 5], [0], true]];

  it('float32', async () => {
    const r = rng(21);
    for (const [shape, axes, keep] of cases) {
      const bytes = sumTflite(0, shape, axes, keep);
      const x = Float32Array.from({ length: numel(shape) }, () => r() * 4 - 2);
      const runner = tfl.createRunner(bytes);
      const want = runner.run([x])[0] as Float32Array;
      runner.dispose();
      const { blob } = convert(bytes, 'sum.tflite', { precision: 'f32' });
      for (const build of BUILDS) closeTo(`[${shape}] axes ${axes} on ${build}`, (await runBlob(build, blob, [x]))[0], want, 1e-6);
    }
  });

  // int8: both builds equal the reference (TFLM's QuantizedMeanOrSum arithmetic) byte for byte;
  // desktop TFLite rescales its int8 sum its own way and may round an element one code apart.
  it('int8: reference (TFLM arithmetic) byte for byte, desktop TFLite within one code', async () => {
    const r = rng(22);
    for (const [shape, axes, keep] of cases) {
      for (const [qx, qy] of [[{ scale: 0.02, zeroPoint: -5 }, { scale: 0.09, zeroPoint: 7 }], [{ scale: 0.5, zeroPoint: 0 }, { scale: 8, zeroPoint: -10 }]]) {
        const bytes = sumTflite(9, shape, axes, keep, qx, qy);
        const x = randS8(r, numel(shape));
        const runner = tfl.createRunner(bytes);
        const want = runner.run([x])[0];
        runner.dispose();
        const { blob, graph } = convert(bytes, 'sum.tflite', { precision: 'int8' });
        const [ref] = runGraph(graph, [x]) as Int8Array[];
        const label = `[${shape}] axes ${axes} ${JSON.stringify(qy)}`;
        for (let i = 0; i < ref.length; i++) expect(Math.abs(ref[i] - (want as Int8Array)[i]), `${label} element ${i} vs desktop TFLite`).toBeLessThanOrEqual(1);
        for (const build of BUILDS) expect(Array.from((await runBlob(build, blob, [x]))[0]), `${label} on ${build}`).toEqual(Array.from(ref));
      }
    }
  });

  // Out of the output's range, TFLM saturates (QuantizedMeanOrSum clamps before the cast) while
  // desktop TFLite's int8 SUM wraps modulo 256: TFLM wins. Checked against the TFLM-formula
  // reference and against desktop TFLite modulo 256.
  it('int8 past the output range saturates (TFLM), where desktop TFLite wraps', async () => {
    const bytes = sumTflite(9, [1, 4, 5, 3], [1, 2], true, { scale: 0.5, zeroPoint: 0 }, { scale: 0.25, zeroPoint: -100 });
    const x = Int8Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? 100 : i % 3 === 1 ? -100 : (i * 7) % 9));
    const runner = tfl.createRunner(bytes);
    const desktop = runner.run([x])[0] as Int8Array;
    runner.dispose();
    const { blob, graph } = convert(bytes, 'sum.tflite', { precision: 'int8' });
    const [ref] = runGraph(graph, [x]) as Int8Array[];
    expect(Array.from(ref.slice(0, 2))).toEqual([127, -128]);
    for (let i = 0; i < ref.length; i++) {
      // The unclamped value: MBQM(sum, ratio 2) + zp, by hand (zp_x 0; sums of 20 values).
      const sum = x.filter((_, k) => k % 3 === i).reduce((a, v) => a + v, 0);
      const u = sum * 2 - 100;
      expect(ref[i], `element ${i}`).toBe(Math.max(-128, Math.min(127, u)));
      expect(((desktop[i] - u) % 256 + 256) % 256, `desktop ${desktop[i]} ≡ ${u} mod 256`).toBe(0);
    }
    for (const build of BUILDS) expect(Array.from((await runBlob(build, blob, [x]))[0]), build).toEqual(Array.from(ref));
  });
});

// ---- fuse-softmax: ReduceMax → Sub → Exp → ReduceSum → Div is one softmax ----------------------------

describe('the expanded softmax fuses into one softmax node', () => {
  const spec = (extraOut: boolean): ModelSpec => ({
    opset: 13,
    inputs: [{ name: 'x', shape: [2, 5, 3] }],
    outputs: [{ name: 'y', shape: [2, 5, 3] }, ...(extraOut ? [{ name: 'e', shape: [2, 5, 3] }] : [])],
    inits: [{ name: 'axes', shape: [1], data: [1], type: INT64 }],
    nodes: [
      { op: 'ReduceMax', inputs: ['x'], outputs: ['m'], attrs: { axes: ais([1]) } },
      { op: 'Sub', inputs: ['x', 'm'], outputs: ['d'] },
      { op: 'Exp', inputs: ['d'], outputs: ['e'] },
      { op: 'ReduceSum', inputs: ['e', 'axes'], outputs: ['s'] },
      { op: 'Div', inputs: ['e', 's'], outputs: ['y'] },
    ],
  });
  it('fuses (axis 1 of NCHW data, then NHWC), equal to ORT on both builds; not when e is also an output', async () => {
    const bytes = buildModel(spec(false));
    const x = Float32Array.from({ length: 30 }, (_, i) => Math.sin(i) * 3);
    const session = await ort.InferenceSession.create(bytes);
    const want = (await session.run({ x: new ort.Tensor('float32', x, [2, 5, 3]) })).y.data as Float32Array;
    const f = convert(bytes, 'sm.onnx', { precision: 'f32' });
    expect(f.graph.nodes.map((n) => n.op)).toEqual(['softmax']);
    for (const build of BUILDS) closeTo(`fused softmax on ${build}`, (await runBlob(build, f.blob, [x]))[0], want, 1e-6);
    const kept = convert(buildModel(spec(true)), 'sm2.onnx', { precision: 'f32' });
    expect(kept.graph.nodes.map((n) => n.op)).toContain('reduce_sum');
  });
});
