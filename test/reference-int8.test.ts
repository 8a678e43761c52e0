// The s8 reference kernels (TFLite Micro arithmetic) against the f32 reference kernels run on the
// dequantized inputs, within bounds derived from the integer arithmetic, and against closed-form
// small cases.
//
// Bound for the requantizing kernels (conv2d, depthwise_conv2d, fully_connected, mul, requantize):
// the integer accumulator is exact, so the only errors are the Q31 multiplier (relative error
// ≤ 2^-31) and MultiplyByQuantizedMultiplier's two roundings (≤ ½ step + ½·2^-right_shift step), so
// |dequant(out) − clamp(float(out))| ≤ out_scale·(1 + 2^-20) + 1e-6·|float(out)| (the last term for
// the f32 rounding of the float kernel). add/sub also round the two rescaled inputs at 2^-20 of a
// step each — covered by the same bound. average_pool2d: one rounding of the mean → ½ step. mean:
// TFLM folds 1/n into the multiplier with a truncating division → ≤ 1 step. max_pool2d, clamp,
// concat, pad, transpose: exact. softmax: gemmlowp's exp and reciprocal are accurate to ~1e-6 and
// the output is rounded once → ≤ 1 step of 1/256.
//
// Bit-exactness: the int8 .tflite models in ../shared, imported and given TFLM's Prepare parameters
// (prepareInt8), must reproduce tflm_refs/ — the outputs of TFLite Micro's reference kernels — byte
// for byte.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importTflite } from '../converter/import/tflite.js';
import { prepareInt8 } from '../converter/passes/quantize/index.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { readNpy } from '../host/npy.js';
import { haveShared, noticeIfNoShared, sharedPath } from './support/shared.js';
import type { DType, Node, OpName, QuantParams, Tensor, TensorData } from '../converter/ir/graph.js';
import { numel } from '../converter/ir/graph.js';
import { quantizeMultiplier, softmaxParams } from '../converter/passes/quantize/multiplier.js';
import { addParams, subParams } from '../converter/passes/quantize/qparams.js';
import { floatKernels } from '../converter/reference/float/index.js';
import { int8Kernels } from '../converter/reference/int8/index.js';
import { meanMultiplier } from '../converter/reference/int8/mean.js';
import type { RefValue } from '../converter/reference/types.js';
import { mulberry32 } from '../converter/util/random.js';

const rng = mulberry32;

const r = rng(2024);
const randS8 = (n: number, lo = -128, hi = 127) => Int8Array.from({ length: n }, () => lo + Math.floor(r() * (hi - lo + 1)));
const pq = (scale: number, zeroPoint: number): QuantParams => ({ scale: [Math.fround(scale)], zeroPoint: [zeroPoint] });

function s8(shape: number[], quant: QuantParams, data = randS8(numel(shape))): RefValue {
  return { data, shape, dtype: 's8', quant };
}
function s32(data: number[] | Int32Array): RefValue {
  return { data: Int32Array.from(data), shape: [data.length], dtype: 's32' };
}
function f32(data: Float32Array, shape: number[]): RefValue {
  return { data, shape, dtype: 'f32' };
}
function out(shape: number[], quant?: QuantParams, dtype: DType = 's8'): Tensor {
  return { name: 'y', dtype, shape, quant };
}
function node<K extends OpName>(op: K, attrs: Node<K>['attrs'], int8?: Node['int8']): Node {
  return { op, name: `test_${op}`, inputs: [], outputs: ['y'], attrs, int8 } as Node;
}
/** Dequantizes with per-axis scales when present. */
function deq(v: RefValue, axis = 0): Float32Array {
  const q = v.quant!;
  const inner = numel(v.shape.slice(axis + 1));
  return Float32Array.from(v.data as Int8Array | Int32Array, (x, i) => {
    const c = q.scale.length === 1 ? 0 : Math.floor(i / inner) % v.shape[axis];
    return Math.fround(q.scale[c]) * (x - q.zeroPoint[c]);
  });
}
function dequantOut(data: TensorData, q: QuantParams): number[] {
  return Array.from(data as Int8Array, (x) => Math.fround(Math.fround(q.scale[0]) * (x - q.zeroPoint[0])));
}
/** Largest |a − clamp(b)| / out_scale beyond the allowance `relTol`·|b|. */
function worstSteps(got: number[], want: Float32Array, q: QuantParams, lo = -128, hi = 127, relTol = 1e-6): number {
  const s = Math.fround(q.scale[0]);
  const zp = q.zeroPoint[0];
  let worst = 0;
  got.forEach((g, i) => {
    const w = Math.min(Math.max(want[i], s * (lo - zp)), s * (hi - zp));
    worst = Math.max(worst, Math.max(0, Math.abs(g - w) - relTol * Math.abs(want[i])) / s);
  });
  return worst;
}
const BOUND = 1 + 2 ** -20;

/** Per-channel symmetric weights with their quant params on `axis`. */
function weights(shape: number[], axis: number): RefValue {
  const channels = shape[axis];
  const scales = Array.from({ length: channels }, () => Math.fround(0.002 + r() * 0.02));
  return { data: randS8(numel(shape), -127, 127), shape, dtype: 's8', quant: { scale: scales, zeroPoint: scales.map(() => 0), axis } };
}
function requant(inScale: number, w: RefValue, outScale: number) {
  const ms = w.quant!.scale.map((ws) => quantizeMultiplier((Math.fround(inScale) * ws) / Math.fround(outScale)));
  return { mult: s32(ms.map((m) => m.multiplier)), shift: s32(ms.map((m) => m.shift)) };
}
function biasFor(inScale: number, w: RefValue): { q: RefValue; real: Float32Array } {
  const q = Int32Array.from(w.quant!.scale, () => Math.floor(r() * 4000) - 2000);
  const real = Float32Array.from(q, (b, c) => b * Math.fround(inScale) * w.quant!.scale[c]);
  return { q: s32(q), real };
}

describe('conv2d / depthwise_conv2d / fully_connected s8 vs f32', () => {
  it('conv2d (padding, stride, dilation, groups, relu) stays within the bound', () => {
    for (const [group, cin, cout, stride, dil] of [[1, 3, 4, 1, 1], [2, 4, 6, 2, 1], [1, 2, 3, 1, 2]]) {
      const xq = pq(0.05, -7);
      const x = s8([2, 7, 6, cin], xq);
      const w = weights([cout, 3, 3, cin / group], 0);
      const b = biasFor(0.05, w);
      const yq = pq(0.09, 3);
      const { mult, shift } = requant(0.05, w, 0.09);
      const attrs = { strides: [stride, stride] as [number, number], dilations: [dil, dil] as [number, number], pads: [1, 2, 1, 0] as [number, number, number, number], group, activation: { min: 0, max: Infinity } };
      const fy = floatKernels.conv2d!(node('conv2d', attrs), [f32(deq(x), x.shape), f32(deq(w, 0), w.shape), f32(b.real, [cout])], [out([0])])[0] as Float32Array;
      const oh = Math.floor((7 + 2 - dil * 2 - 1) / stride) + 1;
      const ow = Math.floor((6 + 2 - dil * 2 - 1) / stride) + 1;
      const actMin = 3; // zero point: relu
      const gy = int8Kernels.conv2d!(node('conv2d', attrs, { actMin, actMax: 127 }), [x, w, b.q, mult, shift], [out([2, oh, ow, cout], yq)])[0];
      expect(gy.length).toBe(fy.length);
      expect(worstSteps(dequantOut(gy, yq), fy, yq, actMin)).toBeLessThanOrEqual(BOUND);
    }
  });

  it('depthwise_conv2d (multiplier 2, padding) stays within the bound', () => {
    const xq = pq(0.04, 10);
    const x = s8([1, 6, 5, 3], xq);
    const w = weights([3, 3, 6], 2);
    const b = biasFor(0.04, w);
    const yq = pq(0.03, -20);
    const { mult, shift } = requant(0.04, w, 0.03);
    const attrs = { strides: [1, 2] as [number, number], dilations: [1, 1] as [number, number], pads: [1, 1, 1, 1] as [number, number, number, number], depthMultiplier: 2 };
    const fy = floatKernels.depthwise_conv2d!(node('depthwise_conv2d', attrs), [f32(deq(x), x.shape), f32(deq(w, 2), w.shape), f32(b.real, [6])], [out([0])])[0] as Float32Array;
    const gy = int8Kernels.depthwise_conv2d!(node('depthwise_conv2d', attrs, {}), [x, w, b.q, mult, shift], [out([1, 6, 3, 6], yq)])[0];
    expect(worstSteps(dequantOut(gy, yq), fy, yq)).toBeLessThanOrEqual(BOUND);
  });

  it('fully_connected (rank-3 input, no bias) stays within the bound', () => {
    const xq = pq(0.1, 0);
    const x = s8([2, 3, 16], xq);
    const w = weights([5, 16], 0);
    const yq = pq(0.2, 5);
    const { mult, shift } = requant(0.1, w, 0.2);
    const fy = floatKernels.fully_connected!(node('fully_connected', {}), [f32(deq(x), x.shape), f32(deq(w, 0), w.shape), undefined], [out([0])])[0] as Float32Array;
    const gy = int8Kernels.fully_connected!(node('fully_connected', {}, {}), [x, w, undefined, mult, shift], [out([6, 5], yq)])[0];
    expect(worstSteps(dequantOut(gy, yq), fy, yq)).toBeLessThanOrEqual(BOUND);
  });

  it('closed form: fc of [1, 2, 3] with unit weights, multiplier 1.0 and bias 4 gives 10 + zp', () => {
    const x = s8([1, 3], pq(1, 0), Int8Array.from([1, 2, 3]));
    const w: RefValue = { data: Int8Array.from([1, 1, 1]), shape: [1, 3], dtype: 's8', quant: { scale: [1], zeroPoint: [0], axis: 0 } };
    const m = quantizeMultiplier(1);
    const [y] = int8Kernels.fully_connected!(node('fully_connected', {}, {}), [x, w, s32([4]), s32([m.multiplier]), s32([m.shift])], [out([1, 1], pq(1, -5))]);
    expect(Array.from(y as Int8Array)).toEqual([5]);
    // Multiplier 0.5: 10 * 0.5 = 5 exactly; 11 * 0.5 = 5.5 rounds away from zero to 6.
    const h = quantizeMultiplier(0.5);
    const [y2] = int8Kernels.fully_connected!(node('fully_connected', {}, {}), [x, w, s32([5]), s32([h.multiplier]), s32([h.shift])], [out([1, 1], pq(1, 0))]);
    expect(Array.from(y2 as Int8Array)).toEqual([6]);
  });

  it('closed form: a conv tap in the padding contributes nothing (not −zp·w)', () => {
    // 1x1 input, 3x3 kernel of ones, pads 1: only the centre tap is inside.
    const x = s8([1, 1, 1, 1], pq(1, -100), Int8Array.from([-90]));
    const w: RefValue = { data: new Int8Array(9).fill(1), shape: [1, 3, 3, 1], dtype: 's8', quant: { scale: [1], zeroPoint: [0], axis: 0 } };
    const m = quantizeMultiplier(1);
    const attrs = { strides: [1, 1] as [number, number], dilations: [1, 1] as [number, number], pads: [1, 1, 1, 1] as [number, number, number, number], group: 1 };
    const [y] = int8Kernels.conv2d!(node('conv2d', attrs, {}), [x, w, undefined, s32([m.multiplier]), s32([m.shift])], [out([1, 1, 1, 1], pq(1, 0))]);
    expect(Array.from(y as Int8Array)).toEqual([10]);
  });

  it('rejects a missing multiplier with a message naming the node', () => {
    const x = s8([1, 2], pq(1, 0));
    const w = weights([1, 2], 0);
    expect(() => int8Kernels.fully_connected!(node('fully_connected', {}, {}), [x, w, undefined], [out([1, 1], pq(1, 0))])).toThrow(/test_fully_connected.*multiplier/);
  });
});

describe('elementwise s8 vs f32', () => {
  for (const op of ['add', 'sub'] as const) {
    it(`${op} with broadcasting and relu6 stays within the bound`, () => {
      const aq = pq(0.03, -10);
      const bq = pq(0.07, 20);
      const yq = pq(0.05, -128);
      const a = s8([2, 3, 4], aq);
      const b = s8([3, 1], bq);
      const p = (op === 'add' ? addParams : subParams)(aq.scale[0], bq.scale[0], yq.scale[0]);
      const act = { min: 0, max: 6 };
      const actMin = -128;
      const actMax = Math.min(127, -128 + Math.round(6 / yq.scale[0]));
      const fy = floatKernels[op]!(node(op, { activation: act }), [f32(deq(a), a.shape), f32(deq(b), b.shape)], [out([0])])[0] as Float32Array;
      const gy = int8Kernels[op]!(node(op, { activation: act }, { ...p, actMin, actMax }), [a, b], [out([2, 3, 4], yq)])[0];
      expect(worstSteps(dequantOut(gy, yq), fy, yq, actMin, actMax)).toBeLessThanOrEqual(BOUND);
    });
  }

  it('mul with broadcasting stays within the bound', () => {
    const aq = pq(0.03, 5);
    const bq = pq(0.02, -3);
    const yq = pq(0.01, 0);
    const a = s8([4, 5], aq);
    const b = s8([5], bq);
    const m = quantizeMultiplier((aq.scale[0] * bq.scale[0]) / yq.scale[0]);
    const fy = floatKernels.mul!(node('mul', {}), [f32(deq(a), a.shape), f32(deq(b), b.shape)], [out([0])])[0] as Float32Array;
    const gy = int8Kernels.mul!(node('mul', {}, { outMult: m.multiplier, outShift: m.shift }), [a, b], [out([4, 5], yq)])[0];
    expect(worstSteps(dequantOut(gy, yq), fy, yq)).toBeLessThanOrEqual(BOUND);
  });

  it('closed form: add with equal scales is a + b − zp, saturated', () => {
    const q = pq(0.5, 0);
    const p = addParams(q.scale[0], q.scale[0], q.scale[0]);
    const a = s8([4], q, Int8Array.from([1, -3, 100, -100]));
    const b = s8([4], q, Int8Array.from([2, -4, 100, -100]));
    const [y] = int8Kernels.add!(node('add', {}, p), [a, b], [out([4], q)]);
    expect(Array.from(y as Int8Array)).toEqual([3, -7, 127, -128]);
  });

  it('clamp and lut are exact', () => {
    const x = s8([50], pq(0.1, 0));
    const [c] = int8Kernels.clamp!(node('clamp', { min: 0, max: 1 }, { actMin: -5, actMax: 9 }), [x], [out([50], x.quant)]);
    expect(Array.from(c as Int8Array)).toEqual(Array.from(x.data as Int8Array, (v) => Math.min(9, Math.max(-5, v))));
    const table = randS8(256);
    const [l] = int8Kernels.lut!(node('lut', {}, {}), [x, s8([256], pq(1, 0), table)], [out([50], pq(1, 0))]);
    expect(Array.from(l as Int8Array)).toEqual(Array.from(x.data as Int8Array, (v) => table[v + 128]));
  });
});

describe('pooling, mean, softmax s8 vs f32', () => {
  const poolAttrs = { kernel: [3, 3] as [number, number], strides: [2, 2] as [number, number], dilations: [1, 1] as [number, number], pads: [1, 1, 1, 1] as [number, number, number, number], countIncludePad: false };

  it('max_pool2d equals the float max exactly', () => {
    const q = pq(0.1, 7);
    const x = s8([1, 7, 7, 3], q);
    const fy = floatKernels.max_pool2d!(node('max_pool2d', poolAttrs), [f32(deq(x), x.shape)], [out([0])])[0] as Float32Array;
    const gy = int8Kernels.max_pool2d!(node('max_pool2d', poolAttrs, {}), [x], [out([1, 4, 4, 3], q)])[0];
    expect(dequantOut(gy, q)).toEqual(Array.from(fy));
  });

  it('average_pool2d is within half a step of the float mean of the in-bounds taps', () => {
    const q = pq(0.1, -3);
    const x = s8([2, 7, 7, 3], q);
    const fy = floatKernels.average_pool2d!(node('average_pool2d', poolAttrs), [f32(deq(x), x.shape)], [out([0])])[0] as Float32Array;
    const gy = int8Kernels.average_pool2d!(node('average_pool2d', poolAttrs, {}), [x], [out([2, 4, 4, 3], q)])[0];
    expect(worstSteps(dequantOut(gy, q), fy, q)).toBeLessThanOrEqual(0.5 + 1e-6);
  });

  it('closed form: average rounds half away from zero on the raw integers', () => {
    const attrs = { ...poolAttrs, kernel: [1, 2] as [number, number], strides: [1, 2] as [number, number], pads: [0, 0, 0, 0] as [number, number, number, number] };
    const x = s8([1, 1, 4, 1], pq(1, 0), Int8Array.from([-1, -2, 1, 2]));
    const [y] = int8Kernels.average_pool2d!(node('average_pool2d', attrs, {}), [x], [out([1, 1, 2, 1], pq(1, 0))]);
    expect(Array.from(y as Int8Array)).toEqual([-2, 2]);
  });

  it('pooling requires equal input and output qparams', () => {
    const x = s8([1, 4, 4, 1], pq(0.1, 0));
    expect(() => int8Kernels.max_pool2d!(node('max_pool2d', poolAttrs, {}), [x], [out([1, 2, 2, 1], pq(0.2, 0))])).toThrow(/share scale and zero point/);
  });

  it('mean over H,W and over the last axis is within one step', () => {
    for (const axes of [[1, 2], [3], [0, 1, 2, 3]]) {
      const xq = pq(0.05, 12);
      const yq = pq(0.03, -4);
      const x = s8([2, 5, 3, 4], xq);
      const m = quantizeMultiplier(xq.scale[0] / yq.scale[0]);
      const shape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const fy = floatKernels.mean!(node('mean', { axes }), [f32(deq(x), x.shape)], [out([0])])[0] as Float32Array;
      const gy = int8Kernels.mean!(node('mean', { axes }, { outMult: m.multiplier, outShift: m.shift }), [x], [out(shape, yq)])[0];
      expect(worstSteps(dequantOut(gy, yq), fy, yq)).toBeLessThanOrEqual(BOUND);
    }
  });

  it("mean's multiplier adjustment is TFLM's integer formula", () => {
    // n = 15: shift by floor(log2 15) = 3; (m << 3) / 15 truncated.
    expect(meanMultiplier(1 << 30, 0, 15)).toEqual({ multiplier: Math.trunc((2 ** 30 * 8) / 15), shift: -3 });
    // The 31 + shift cap: shift −30 allows only 1 bit.
    expect(meanMultiplier(1 << 30, -30, 64)).toEqual({ multiplier: Math.trunc(2 ** 31 / 64), shift: -31 });
  });

  it('softmax is within one output step (1/256) of the float softmax', () => {
    for (const [scale, beta] of [[0.1, 1], [0.02, 1], [0.5, 0.7], [1 / 16, 2]]) {
      const xq = pq(scale, 17);
      const yq = pq(1 / 256, -128);
      const x = s8([6, 10], xq);
      const p = softmaxParams(beta, xq.scale[0]);
      const fy = floatKernels.softmax!(node('softmax', { axis: -1, beta }), [f32(deq(x), x.shape)], [out([0])])[0] as Float32Array;
      const gy = int8Kernels.softmax!(node('softmax', { axis: -1, beta }, p), [x], [out([6, 10], yq)])[0];
      expect(worstSteps(dequantOut(gy, yq), fy, yq)).toBeLessThanOrEqual(1);
    }
  });

  it('closed form: softmax of equal logits gives 1/n', () => {
    const x = s8([1, 4], pq(0.1, 0), Int8Array.from([5, 5, 5, 5]));
    const [y] = int8Kernels.softmax!(node('softmax', { axis: -1, beta: 1 }, softmaxParams(1, Math.fround(0.1))), [x], [out([1, 4], pq(1 / 256, -128))]);
    expect(Array.from(y as Int8Array)).toEqual([-64, -64, -64, -64]); // 64/256 = 0.25
  });
});

describe('conversions and data movement s8', () => {
  it('quantize rounds f32(x / scale) half away from zero and saturates; dequantize inverts it', () => {
    const q = pq(0.5, 3);
    const x = Float32Array.from([0.25, -0.25, 0.75, -0.75, 1000, -1000, NaN, 0]);
    const [y] = int8Kernels.quantize!(node('quantize', {}, {}), [f32(x, [8])], [out([8], q)]);
    expect(Array.from(y as Int8Array)).toEqual([4, 2, 5, 1, 127, -128, 3, 3]);
    const [z] = int8Kernels.dequantize!(node('dequantize', {}), [s8([8], q, Int8Array.from(y as Int8Array))], [out([8], undefined, 'f32')]);
    expect(Array.from(z as Float32Array)).toEqual([0.5, -0.5, 1, -1, 62, -65.5, 0, 0]);
  });

  it('requantize is within one step of dequantize → quantize', () => {
    const xq = pq(0.07, -9);
    const yq = pq(0.05, 30);
    const x = s8([200], xq);
    const m = quantizeMultiplier(xq.scale[0] / yq.scale[0]);
    const [y] = int8Kernels.requantize!(node('requantize', {}, { outMult: m.multiplier, outShift: m.shift }), [x], [out([200], yq)]);
    expect(worstSteps(dequantOut(y, yq), deq(x), yq)).toBeLessThanOrEqual(BOUND);
  });

  it('concat, pad and transpose move bytes and insist on shared qparams', () => {
    const q = pq(0.1, 4);
    const a = s8([2, 3], q);
    const b = s8([2, 2], q);
    const [c] = int8Kernels.concat!(node('concat', { axis: 1 }, {}), [a, b], [out([2, 5], q)]);
    const ad = a.data as Int8Array;
    const bd = b.data as Int8Array;
    expect(Array.from(c as Int8Array)).toEqual([...ad.subarray(0, 3), ...bd.subarray(0, 2), ...ad.subarray(3), ...bd.subarray(2)]);
    expect(() => int8Kernels.concat!(node('concat', { axis: 1 }, {}), [a, s8([2, 2], pq(0.2, 4))], [out([2, 5], q)])).toThrow(/must share the output's/);
    const [p] = int8Kernels.pad!(node('pad', { mode: 'constant', value: 0, begin: [0, 1], end: [0, 0] }, {}), [a], [out([2, 4], q)]);
    expect(Array.from(p as Int8Array)).toEqual([4, ...ad.subarray(0, 3), 4, ...ad.subarray(3)]);
    const [t] = int8Kernels.transpose!(node('transpose', { perm: [1, 0] }, {}), [a], [out([3, 2], q)]);
    expect(Array.from(t as Int8Array)).toEqual([ad[0], ad[3], ad[1], ad[4], ad[2], ad[5]]);
  });
});

describe.skipIf(!haveShared)('bit-exact with TFLite Micro on the shared int8 models (needs ../shared)', () => {
  noticeIfNoShared('TFLM bit-exactness');
  // [tflm_refs folder, model, samples checked (all of them unless the model is slow)]
  const cases: [string, string, number][] = [
    ['hello_world_int8', 'tflm/hello_world/hello_world_int8.tflite', 256],
    ['ad_int8', 'mlperf_tiny/ad/ad01_int8.tflite', 196],
    ['micro_speech_int8', 'tflm/micro_speech/micro_speech_quantized.tflite', 4],
    ['kws_int8', 'mlperf_tiny/kws/kws_ref_model.tflite', 40],
    ['ic_int8', 'mlperf_tiny/ic/pretrainedResnet_quant.tflite', 8],
    ['vww_int8', 'mlperf_tiny/vww/vww_96_int8.tflite', 4],
    ['person_detect_int8', 'tflm/person_detection/person_detect.tflite', 4],
  ];
  for (const [dir, model, limit] of cases) {
    it(`${dir}: every output byte equals TFLM's`, () => {
      const g = importTflite(readFileSync(sharedPath(model)), model);
      prepareInt8(g);
      const ins = readNpy(readFileSync(sharedPath(`tflm_refs/${dir}/inputs.npy`)));
      const outs = readNpy(readFileSync(sharedPath(`tflm_refs/${dir}/outputs.npy`)));
      const inSize = ins.data.length / ins.shape[0];
      const outSize = outs.data.length / outs.shape[0];
      const n = Math.min(limit, ins.shape[0]);
      let mismatches = 0;
      for (let s = 0; s < n; s++) {
        const x = (ins.data as Int8Array).slice(s * inSize, (s + 1) * inSize);
        const [y] = runGraph(g, [x]) as Int8Array[];
        const want = (outs.data as Int8Array).subarray(s * outSize, (s + 1) * outSize);
        for (let k = 0; k < outSize; k++) if (y[k] !== want[k]) mismatches++;
        if (mismatches) expect(Array.from(y), `sample ${s}`).toEqual(Array.from(want));
      }
      expect(mismatches).toBe(0);
    }, 60_000);
  }

  it('person_detect: person.bmp and no_person.bmp give TFLM\'s scores', () => {
    const g = importTflite(readFileSync(sharedPath('tflm/person_detection/person_detect.tflite')), 'person_detect');
    prepareInt8(g);
    const ins = readNpy(readFileSync(sharedPath('tflm_refs/person_detect_int8/bmp_inputs.npy')));
    const outs = readNpy(readFileSync(sharedPath('tflm_refs/person_detect_int8/bmp_outputs.npy')));
    const inSize = ins.data.length / 2;
    for (let s = 0; s < 2; s++) {
      const [y] = runGraph(g, [(ins.data as Int8Array).slice(s * inSize, (s + 1) * inSize)]) as Int8Array[];
      expect(Array.from(y)).toEqual(Array.from((outs.data as Int8Array).subarray(s * 2, s * 2 + 2)));
    }
  }, 60_000);
});
