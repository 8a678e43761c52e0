// ONNX 3-D pooling (MaxPool / AveragePool on N, C, D, H, W; GlobalMaxPool / GlobalAveragePool) and
// ceil_mode with count_include_pad (any rank) against ONNX Runtime: f32 on the reference interpreter
// and both WASM builds; int8 PTQ with the reference interpreter = both builds byte for byte and
// within the conformance tests' int8 bound of ORT. Mote's int8 3-D average pool is defined as the
// two-stage lowering (depth, then plane, each rounding its division as TFLite Micro does,
// converter/import/onnx-pool.ts): checked within one output step of a one-rounding 3-D average
// computed here from the spec. And the refusals: MaxPool's Indices, 4-D spatial input.
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { convert } from '../converter/convert.js';
import { type TensorData, numel } from '../converter/ir/graph.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { BUILDS, ensureWasmBuilt, expectBlobsMatch, rng, runBlob } from './runtime-harness.js';
import { BoundPropagator, qpOf, quantizeValues, roundHalfAway } from './support/int8-bound.js';
import { type AttrValue, ai, ais, as, buildModel, importError, type ModelSpec } from './support/onnx-model.js';

beforeAll(async () => {
  await ensureWasmBuilt();
}, 120_000);

interface PoolCase {
  label: string;
  op: 'MaxPool' | 'AveragePool' | 'GlobalMaxPool' | 'GlobalAveragePool';
  shape: number[];
  attrs?: Record<string, AttrValue>;
  /** int8 PTQ runs every pool stage in int8 (none dilated or counting padding), else some stay f32. */
  int8?: boolean;
}

const X5 = [2, 3, 7, 6, 5];
const CASES: PoolCase[] = [
  { label: 'max k(2,3,2) s(2,1,2) asymmetric pads', op: 'MaxPool', shape: X5, int8: true,
    attrs: { kernel_shape: ais([2, 3, 2]), strides: ais([2, 1, 2]), pads: ais([1, 0, 1, 0, 1, 1]) } },
  { label: 'max k(3,3,3) dilations (2,1,2) ceil_mode', op: 'MaxPool', shape: X5,
    attrs: { kernel_shape: ais([3, 3, 3]), dilations: ais([2, 1, 2]), strides: ais([2, 2, 1]), ceil_mode: ai(1) } },
  { label: 'max k(1,3,3): no depth stage', op: 'MaxPool', shape: X5, int8: true, attrs: { kernel_shape: ais([1, 3, 3]), strides: ais([1, 2, 2]) } },
  { label: 'max k(3,1,1) s(2,1,1): no plane stage', op: 'MaxPool', shape: X5, int8: true, attrs: { kernel_shape: ais([3, 1, 1]), strides: ais([2, 1, 1]) } },
  { label: 'max auto_pad SAME_LOWER', op: 'MaxPool', shape: X5, int8: true, attrs: { kernel_shape: ais([2, 3, 2]), strides: ais([2, 2, 2]), auto_pad: as('SAME_LOWER') } },
  { label: 'average k(2,2,3) s2 ceil_mode', op: 'AveragePool', shape: X5, int8: true,
    attrs: { kernel_shape: ais([2, 2, 3]), strides: ais([2, 2, 2]), ceil_mode: ai(1) } },
  { label: 'average k(3,2,2) pads, count_include_pad 0', op: 'AveragePool', shape: X5, int8: true,
    attrs: { kernel_shape: ais([3, 2, 2]), pads: ais([1, 1, 0, 1, 0, 1]) } },
  { label: 'average k(3,2,2) pads, count_include_pad 1', op: 'AveragePool', shape: X5,
    attrs: { kernel_shape: ais([3, 2, 2]), pads: ais([1, 1, 0, 1, 0, 1]), count_include_pad: ai(1) } },
  { label: 'average k3 s2 pads 1, ceil_mode with count_include_pad', op: 'AveragePool', shape: X5,
    attrs: { kernel_shape: ais([3, 3, 3]), strides: ais([2, 2, 2]), pads: ais([1, 1, 1, 1, 1, 1]), ceil_mode: ai(1), count_include_pad: ai(1) } },
  { label: 'average dilations (1,2,2), count_include_pad 1, ceil_mode', op: 'AveragePool', shape: [2, 3, 7, 7, 6],
    attrs: { kernel_shape: ais([2, 2, 2]), dilations: ais([1, 2, 2]), strides: ais([2, 2, 2]), pads: ais([0, 1, 0, 0, 0, 0]), ceil_mode: ai(1), count_include_pad: ai(1) } },
  { label: 'average auto_pad SAME_UPPER', op: 'AveragePool', shape: X5, int8: true, attrs: { kernel_shape: ais([3, 2, 3]), strides: ais([2, 2, 2]), auto_pad: as('SAME_UPPER') } },
  { label: 'GlobalMaxPool 5-D', op: 'GlobalMaxPool', shape: X5, int8: true },
  { label: 'GlobalAveragePool 5-D', op: 'GlobalAveragePool', shape: X5, int8: true },
  // ceil_mode + count_include_pad with declared pads was refused in 1-D and 2-D before: the same lowering.
  // (In these and the two 3-D cases above, ceil_mode adds an output on some padded axis.) The explicit
  // zero pad leaves a pool that divides by the taps inside, which int8 runs.
  { label: '2-D average ceil_mode with count_include_pad and pads', op: 'AveragePool', shape: [1, 3, 8, 10], int8: true,
    attrs: { kernel_shape: ais([3, 3]), strides: ais([2, 3]), pads: ais([1, 0, 1, 1]), ceil_mode: ai(1), count_include_pad: ai(1) } },
  { label: '1-D average ceil_mode with count_include_pad and pads', op: 'AveragePool', shape: [2, 3, 11], int8: true,
    attrs: { kernel_shape: ais([4]), strides: ais([3]), pads: ais([2, 1]), ceil_mode: ai(1), count_include_pad: ai(1) } },
];

const spec = (c: PoolCase): ModelSpec => ({
  opset: 19,
  inputs: [{ name: 'x', shape: c.shape }],
  outputs: [{ name: 'y' }],
  nodes: [{ op: c.op, name: 'pool', inputs: ['x'], outputs: ['y'], attrs: c.attrs }],
});

function closeTo(label: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  expect(got.length, label).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])))) expect.fail(`${label}[${i}]: ${got[i]} vs ORT ${want[i]}`);
  }
}

async function ortRun(bytes: Uint8Array, x: Float32Array, shape: number[]): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  const y = (await session.run({ x: new ort.Tensor('float32', x, shape) })).y;
  await session.release();
  return { data: y.data as Float32Array, dims: y.dims };
}

describe('ONNX 3-D pooling = ONNX Runtime', () => {
  for (const c of CASES) {
    it(`${c.label}: f32 (reference and both builds)${c.int8 ? '; int8 PTQ' : ''} within the bound`, async () => {
      const bytes = buildModel(spec(c));
      const r = rng(c.label.length * 31 + 7);
      const x = Float32Array.from({ length: numel(c.shape) }, () => r() * 4 - 2);
      const want = await ortRun(bytes, x, c.shape);
      const f = convert(bytes, 'pool.onnx', { precision: 'f32' });
      expect([...f.graph.tensor('y').shape], 'output shape').toEqual([...want.dims]);
      closeTo(`${c.label} reference`, runGraph(f.graph, [x])[0] as Float32Array, want.data, 1e-6);
      for (const build of BUILDS) closeTo(`${c.label} on ${build}`, (await runBlob(build, f.blob, [x]))[0], want.data, 1e-6);

      const calibration = [0, 1, 2].map(() => [Float32Array.from({ length: numel(c.shape) }, () => r() * 4 - 2)]).concat([[x]]);
      const q = convert(bytes, 'pool.onnx', { precision: 'int8', calibration });
      const g = q.graph;
      const pools = g.nodes.filter((n) => n.op === 'max_pool2d' || n.op === 'average_pool2d' || n.op === 'mean');
      expect(pools.length > 0 && pools.every((n) => n.int8 !== undefined), 'every pool stage runs in int8').toBe(Boolean(c.int8));
      const xq = quantizeValues(x, qpOf(g.tensor(g.inputs[0])));
      const [ref] = runGraph(g, [xq]) as TensorData[];
      await expectBlobsMatch(`${c.label} int8`, [['', q.blob]], [xq], ref);
      if (!c.int8) return;
      const values = new Map<string, TensorData>();
      runGraph(f.graph, [x], { observe: (name, v) => values.set(name, v.data) });
      const bound = new BoundPropagator(f.graph, g, values).run()[0];
      const yq = qpOf(g.tensor(g.outputs[0]));
      for (let i = 0; i < want.data.length; i++) {
        const got = yq.scale * ((ref as Int8Array)[i] - yq.zeroPoint);
        const w = want.data[i];
        const b = bound[i] * (1 + 2 ** -12) + 2 ** -20 * (Math.abs(w) + yq.scale) + 1e-6 * (1 + Math.abs(w));
        if (!(Math.abs(got - w) <= b)) expect.fail(`${c.label} int8 element ${i}: ${got} vs ORT ${w}, bound ${b}`);
      }
    });
  }
});

/** The one-rounding int8 3-D average (TFLM's rounding, in-bounds taps), from the spec. */
function average3dOneRounding(x: Int8Array, [n, c, d, h, w]: number[], k: number[], s: number[]): Int8Array {
  const [od, oh, ow] = [0, 1, 2].map((i) => Math.floor(([d, h, w][i] - k[i]) / s[i]) + 1);
  const y = new Int8Array(n * c * od * oh * ow);
  let p = 0;
  for (let b = 0; b < n * c; b++) {
    for (let zo = 0; zo < od; zo++) for (let yo = 0; yo < oh; yo++) for (let xo = 0; xo < ow; xo++) {
      let acc = 0;
      for (let kz = 0; kz < k[0]; kz++) for (let ky = 0; ky < k[1]; ky++) for (let kx = 0; kx < k[2]; kx++) {
        acc += x[((b * d + zo * s[0] + kz) * h + yo * s[1] + ky) * w + xo * s[2] + kx];
      }
      const count = k[0] * k[1] * k[2];
      y[p++] = roundHalfAway(acc / count);
    }
  }
  return y;
}

describe('int8 3-D average pooling is the two-stage lowering', () => {
  it('within one output step of the one-rounding average (TFLM rounding), and equal to it where the depth stage does not round', async () => {
    const shape = [1, 4, 8, 6, 6];
    const r = rng(77);
    const x = Float32Array.from({ length: numel(shape) }, () => r() * 4 - 2);
    const k = [3, 2, 2];
    const s = [1, 2, 2];
    const c: PoolCase = { label: 'two-stage', op: 'AveragePool', shape, attrs: { kernel_shape: ais(k), strides: ais(s) } };
    const q = convert(buildModel(spec(c)), 'pool.onnx', { precision: 'int8', calibration: [[x]] });
    const g = q.graph;
    expect(g.nodes.filter((n) => n.op === 'average_pool2d').map((n) => (n.attrs as { kernel: number[] }).kernel)).toEqual([[3, 1], [2, 2]]);
    const qx = qpOf(g.tensor(g.inputs[0]));
    expect(qpOf(g.tensor(g.outputs[0])), 'pools keep the input qparams').toEqual(qx);
    // TFLM averages the raw codes (zero point included) and rounds half away from zero.
    const xq = quantizeValues(x, qx);
    const one = average3dOneRounding(xq, shape, k, s);
    const [two] = await runBlob('scalar', q.blob, [xq]);
    let differ = 0;
    for (let i = 0; i < one.length; i++) {
      const d = (two as Int8Array)[i] - one[i];
      expect(Math.abs(d), `element ${i}`).toBeLessThanOrEqual(1);
      if (d !== 0) differ++;
    }
    expect(differ, 'two roundings differ from one somewhere (else this test checks nothing)').toBeGreaterThan(0);
    // Codes that are multiples of 3 average over depth (k = 3) without rounding: then one = two.
    const tripled = Int8Array.from(xq, (v) => 3 * Math.trunc(v / 3));
    const [twoExact] = await runBlob('simd', q.blob, [tripled]);
    expect(Array.from(twoExact as Int8Array)).toEqual(Array.from(average3dOneRounding(tripled, shape, k, s)));
  });
});

describe('3-D pooling refusals', () => {
  const x5 = [{ name: 'x', shape: [1, 2, 4, 4, 4] }];
  const y = [{ name: 'y' }];
  it('MaxPool Indices (any rank), 4-D spatial input; storage_order alone is accepted', () => {
    expect(importError({
      opset: 13, inputs: x5, outputs: [...y, { name: 'idx' }],
      nodes: [{ op: 'MaxPool', name: 'mp', inputs: ['x'], outputs: ['y', 'idx'], attrs: { kernel_shape: ais([2, 2, 2]) } }],
    })).toMatch(/output Indices.*'MaxPool'.*'mp'/);
    expect(importError({
      opset: 13, inputs: [{ name: 'x', shape: [1, 1, 3, 3, 3, 3] }], outputs: y,
      nodes: [{ op: 'AveragePool', name: 'ap', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: ais([2, 2, 2, 2]) } }],
    })).toMatch(/4-D input \(only 1-D, 2-D and 3-D are supported\).*'AveragePool'.*'ap'/);
    expect(importError({
      opset: 13, inputs: x5, outputs: y,
      nodes: [{ op: 'MaxPool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: ais([2, 2]) } }],
    })).toContain('kernel_shape [2,2] does not match 3 spatial dims');
    expect(importError({
      opset: 18, inputs: x5, outputs: y,
      nodes: [{ op: 'LpPool', name: 'lp', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: ais([2, 2, 2]) } }],
    })).toMatch(/unsupported ONNX op 'LpPool'/);
    expect(convert(buildModel({
      opset: 13, inputs: x5, outputs: y,
      nodes: [{ op: 'MaxPool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: ais([2, 2, 2]), storage_order: ai(1) } }],
    }), 'p.onnx', { precision: 'f32' }).graph.tensor('y').shape).toEqual([1, 2, 3, 3, 3]);
  });
});
