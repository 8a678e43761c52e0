// The int8 quantizer on small hand-built float graphs: quantize with seeded random calibration data,
// run the int8 graph with the reference interpreter, and compare its dequantized outputs with the
// float graph's on fresh inputs (not the calibration ones).
//
// Error bound. Each int8 layer rounds its output once (≤ ½ step of its scale, plus ≤ ½ step of
// double rounding in MultiplyByQuantizedMultiplier) and passes on its input's error times its
// Lipschitz constant. The graphs here keep every layer's Lipschitz constant near 1 (weights in
// ±0.5, small fan-in), so with ≤ 4 quantized layers the error at an output stays within a few
// steps of the coarsest activation scale s_max in the graph: the tests allow 4·s_max. They run on
// calibration inputs, where minmax ranges clip nothing, so the bound measures quantization error
// alone (clipping of out-of-range inputs is a property of the calibration set, not of the pass).
// Softmax outputs are compared as probabilities: within 0.05.
import { describe, expect, it } from 'vitest';
import { Graph, type Node, type OpName, type TensorData, numel } from '../converter/ir/graph.js';
import { quantize } from '../converter/passes/quantize/index.js';
import { lutTable } from '../converter/passes/quantize/qparams.js';
import { tflmLeakyReluTable, tflmLogisticTable, tflmTanhTable } from '../converter/passes/quantize/tflm-luts.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { mulberry32 } from '../converter/util/random.js';

const rng = mulberry32;

/** A minimal float-graph builder (kept here so these graphs never change under the tests). */
class Builder {
  g = new Graph();
  private count = 0;
  constructor(readonly r: () => number) {}
  input(name: string, dtype: 'f32', shape: number[]): string {
    this.g.addTensor({ name, dtype, shape });
    this.g.inputs.push(name);
    return name;
  }
  constant(dtype: 'f32', shape: number[], data: Float32Array): string {
    const name = `c${this.count++}`;
    this.g.addTensor({ name, dtype, shape, data });
    return name;
  }
  node<K extends OpName>(op: K, inputs: string[], out: { dtype: 'f32'; shape: number[] }, attrs: Node<K>['attrs']): string {
    const id = this.count++;
    const name = `${op}_${id}`;
    this.g.addTensor({ name, dtype: out.dtype, shape: out.shape });
    this.g.nodes.push({ op, name: `n${id}_${op}`, inputs, outputs: [name], attrs } as Node);
    return name;
  }
  output(...names: string[]): Graph {
    this.g.outputs.push(...names);
    return this.g;
  }
}

const RELU = { min: 0, max: Infinity };

function randomInputs(g: Graph, r: () => number, count: number, scale = 1): Float32Array[][] {
  return Array.from({ length: count }, () =>
    g.inputs.map((name) => Float32Array.from({ length: numel(g.tensor(name).shape) }, () => (r() * 2 - 1) * scale)),
  );
}

function weights(b: Builder, shape: number[], amp: number): string {
  return b.constant('f32', shape, Float32Array.from({ length: numel(shape) }, () => (b.r() * 2 - 1) * amp));
}

function cloneGraph(g: Graph): Graph {
  const c = Object.assign(Object.create(Object.getPrototypeOf(g)), g) as Graph;
  c.tensors = new Map([...g.tensors].map(([k, t]) => [k, { ...t, shape: [...t.shape] }]));
  c.nodes = g.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs] }));
  c.inputs = [...g.inputs];
  c.outputs = [...g.outputs];
  return c;
}

function quantizeInput(g: Graph, name: string, x: Float32Array): Int8Array {
  const { scale, zeroPoint } = { scale: g.tensor(name).quant!.scale[0], zeroPoint: g.tensor(name).quant!.zeroPoint[0] };
  return Int8Array.from(x, (v) => Math.max(-128, Math.min(127, Math.round(Math.fround(v / scale)) + zeroPoint)));
}

/** The coarsest activation scale of the int8 graph. */
function maxActivationScale(g: Graph): number {
  let m = 0;
  for (const t of g.tensors.values()) if (!t.data && t.dtype === 's8' && t.quant) m = Math.max(m, t.quant.scale[0]);
  return m;
}

function expectWithinBound(int8: Graph, worst: { abs: number; range: number }[]): void {
  const sMax = maxActivationScale(int8);
  worst.forEach((w, o) => expect(w.abs, int8.outputs[o]).toBeLessThanOrEqual(4 * sMax));
}

/** Runs float and int8 graphs on the same inputs; returns the worst error per output in units of its scale. */
function compare(float: Graph, int8: Graph, inputs: Float32Array[][]) {
  const worst = int8.outputs.map(() => ({ steps: 0, abs: 0, range: 0 }));
  for (const sample of inputs) {
    const want = runGraph(float, sample) as Float32Array[];
    const got = runGraph(int8, sample.map((x, i) => quantizeInput(int8, int8.inputs[i], x)) as TensorData[]) as Int8Array[];
    int8.outputs.forEach((name, o) => {
      const { scale, zeroPoint } = { scale: int8.tensor(name).quant!.scale[0], zeroPoint: int8.tensor(name).quant!.zeroPoint[0] };
      for (let i = 0; i < got[o].length; i++) {
        const err = Math.abs(scale * (got[o][i] - zeroPoint) - want[o][i]);
        worst[o].steps = Math.max(worst[o].steps, err / scale);
        worst[o].abs = Math.max(worst[o].abs, err);
        worst[o].range = Math.max(worst[o].range, Math.abs(want[o][i]));
      }
    });
  }
  return worst;
}

/** conv(relu) → max_pool → reshape → fully_connected → softmax, plus the fc logits as an output. */
function cnn(seed: number): Graph {
  const b = new Builder(rng(seed));
  const x = b.input('x', 'f32', [1, 8, 8, 3]);
  const conv = b.node('conv2d', [x, weights(b, [4, 3, 3, 3], 0.3), weights(b, [4], 0.1)], { dtype: 'f32', shape: [1, 8, 8, 4] }, {
    strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], group: 1, activation: RELU,
  });
  const pool = b.node('max_pool2d', [conv], { dtype: 'f32', shape: [1, 4, 4, 4] }, {
    kernel: [2, 2], strides: [2, 2], dilations: [1, 1], pads: [0, 0, 0, 0], countIncludePad: false,
  });
  const flat = b.node('reshape', [pool], { dtype: 'f32', shape: [1, 64] }, {});
  const fc = b.node('fully_connected', [flat, weights(b, [10, 64], 0.3), weights(b, [10], 0.2)], { dtype: 'f32', shape: [1, 10] }, {});
  const sm = b.node('softmax', [fc], { dtype: 'f32', shape: [1, 10] }, { axis: -1, beta: 1 });
  return b.output(fc, sm);
}

describe('quantize: conv → relu → pool → fc → softmax', () => {
  const float = cnn(11);
  const int8 = cloneGraph(float);
  const report = quantize(int8, { samples: randomInputs(float, rng(12), 24), method: 'minmax' });

  it('runs every node in int8 and makes graph inputs and outputs s8', () => {
    expect(report.keptFloat).toEqual([]);
    for (const n of int8.nodes) expect(n.int8, n.name).toBeDefined();
    for (const t of [...int8.inputs, ...int8.outputs]) expect(int8.tensor(t).dtype).toBe('s8');
    expect(report.weightBytesAfter).toBeLessThan(report.weightBytesBefore / 2);
  });

  it('matches the float graph within the derived bound', () => {
    const [logits, probs] = compare(float, int8, randomInputs(float, rng(12), 24));
    expectWithinBound(int8, [logits]);
    expect(probs.abs).toBeLessThanOrEqual(0.05);
  });

  it('gives conv and fc per-channel weights, s32 bias and multiplier/shift equal to in·w/out', () => {
    for (const n of int8.nodes.filter((n) => n.op === 'conv2d' || n.op === 'fully_connected')) {
      expect(n.inputs).toHaveLength(5);
      const [x, w, bias, mult, shift] = n.inputs.map((t) => int8.tensor(t));
      expect(w.dtype).toBe('s8');
      expect(w.quant!.zeroPoint.every((z) => z === 0)).toBe(true);
      expect(w.quant!.axis).toBe(0);
      expect(bias.dtype).toBe('s32');
      expect(mult.dtype).toBe('s32');
      expect(shift.dtype).toBe('s32');
      const out = int8.tensor(n.outputs[0]);
      const inScale = x.quant!.scale[0];
      const outScale = out.quant!.scale[0];
      w.quant!.scale.forEach((ws, c) => {
        const real = (inScale * ws) / outScale;
        const back = (mult.data as Int32Array)[c] * 2 ** ((shift.data as Int32Array)[c] - 31);
        expect(Math.abs(back - real) / real).toBeLessThanOrEqual(2 ** -31);
        expect(Math.max(...Array.from(w.data as Int8Array, Math.abs))).toBeLessThanOrEqual(127);
      });
      expect(Math.abs(bias.quant!.scale[0] - inScale * w.quant!.scale[0])).toBeLessThan(1e-6 * inScale * w.quant!.scale[0] + 1e-30);
    }
  });

  it('shares qparams across pool and reshape, fixes softmax output at 1/256, -128', () => {
    const pool = int8.nodes.find((n) => n.op === 'max_pool2d')!;
    const reshape = int8.nodes.find((n) => n.op === 'reshape')!;
    const q = (t: string) => int8.tensor(t).quant;
    expect(q(pool.outputs[0])).toEqual(q(pool.inputs[0]));
    expect(q(reshape.outputs[0])).toEqual(q(reshape.inputs[0]));
    const sm = int8.nodes.find((n) => n.op === 'softmax')!;
    expect(q(sm.outputs[0])).toEqual({ scale: [1 / 256], zeroPoint: [-128] });
    expect(sm.int8!.inputMultiplier).toBeGreaterThanOrEqual(2 ** 30);
    // The conv's fused relu clamps at the output's zero point.
    const conv = int8.nodes.find((n) => n.op === 'conv2d')!;
    expect(conv.int8!.actMin).toBe(Math.max(-128, q(conv.outputs[0])!.zeroPoint[0]));
  });

  it('reports ranges that contain zero and the calibrated extremes', () => {
    for (const [, r] of Object.entries(report.ranges)) {
      const lo = r.scale * (-128 - r.zeroPoint);
      const hi = r.scale * (127 - r.zeroPoint);
      expect(lo).toBeLessThanOrEqual(Math.min(0, r.min) + r.scale);
      expect(hi).toBeGreaterThanOrEqual(Math.max(0, r.max) - r.scale);
    }
  });
});

describe('quantize: two branches joined by add, sub, mul, concat and unary LUTs', () => {
  function branches(seed: number): Graph {
    const b = new Builder(rng(seed));
    const x = b.input('x', 'f32', [1, 6, 6, 4]);
    const conv = (inp: string, act?: { min: number; max: number }) =>
      b.node('conv2d', [inp, weights(b, [4, 1, 1, 4], 0.5), weights(b, [4], 0.1)], { dtype: 'f32', shape: [1, 6, 6, 4] }, {
        strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], group: 1, activation: act,
      });
    const a = conv(x, RELU);
    const dw = b.node('depthwise_conv2d', [x, weights(b, [3, 3, 4], 0.4), weights(b, [4], 0.1)], { dtype: 'f32', shape: [1, 6, 6, 4] }, {
      strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], depthMultiplier: 1,
    });
    const sum = b.node('add', [a, dw], { dtype: 'f32', shape: [1, 6, 6, 4] }, { activation: { min: 0, max: 6 } });
    const diff = b.node('sub', [a, dw], { dtype: 'f32', shape: [1, 6, 6, 4] }, {});
    const prod = b.node('mul', [diff, weights(b, [4], 1)], { dtype: 'f32', shape: [1, 6, 6, 4] }, {});
    const sig = b.node('sigmoid', [prod], { dtype: 'f32', shape: [1, 6, 6, 4] }, {});
    const th = b.node('tanh', [diff], { dtype: 'f32', shape: [1, 6, 6, 4] }, {});
    const hs = b.node('hard_swish', [sum], { dtype: 'f32', shape: [1, 6, 6, 4] }, {});
    const lr = b.node('leaky_relu', [diff], { dtype: 'f32', shape: [1, 6, 6, 4] }, { alpha: 0.1 });
    const cat = b.node('concat', [hs, sig, lr, conv(diff)], { dtype: 'f32', shape: [1, 6, 6, 16] }, { axis: 3 });
    const avg = b.node('average_pool2d', [cat], { dtype: 'f32', shape: [1, 3, 3, 16] }, {
      kernel: [3, 3], strides: [2, 2], dilations: [1, 1], pads: [1, 1, 0, 0], countIncludePad: false,
    });
    const mean = b.node('mean', [avg], { dtype: 'f32', shape: [1, 1, 1, 16] }, { axes: [1, 2] });
    const tr = b.node('transpose', [th], { dtype: 'f32', shape: [1, 4, 6, 6] }, { perm: [0, 3, 1, 2] });
    return b.output(mean, tr, avg);
  }
  const float = branches(21);
  const int8 = cloneGraph(float);
  const report = quantize(int8, { samples: randomInputs(float, rng(22), 24, 2), method: 'minmax' });

  it('quantizes every node and replaces unary functions by LUTs', () => {
    expect(report.keptFloat).toEqual([]);
    expect(int8.nodes.filter((n) => n.op === 'lut')).toHaveLength(4);
    for (const n of int8.nodes.filter((n) => n.op === 'lut')) expect(int8.tensor(n.inputs[1]).data).toHaveLength(256);
  });

  it('gives concat one set of qparams, requantizing the fixed-scale sigmoid output', () => {
    const cat = int8.nodes.find((n) => n.op === 'concat')!;
    const q = (t: string) => int8.tensor(t).quant;
    for (const t of cat.inputs) expect(q(t)).toEqual(q(cat.outputs[0]));
    expect(int8.nodes.filter((n) => n.op === 'requantize')).toHaveLength(1);
    const sigmoid = int8.nodes.find((n) => n.op === 'lut' && n.source?.startsWith('sigmoid'));
    expect(q(sigmoid!.outputs[0])).toEqual({ scale: [1 / 256], zeroPoint: [-128] });
    const avg = int8.nodes.find((n) => n.op === 'average_pool2d')!;
    expect(q(avg.outputs[0])).toEqual(q(avg.inputs[0]));
  });

  it('matches the float graph within the derived bound', () => {
    expectWithinBound(int8, compare(float, int8, randomInputs(float, rng(22), 24, 2)));
  });
});

describe('quantize: mixed precision, keepFloat, percentile and refusals', () => {
  function withMatmul(seed: number): Graph {
    const b = new Builder(rng(seed));
    const x = b.input('x', 'f32', [1, 4, 8]);
    const m = b.node('matmul', [x, weights(b, [8, 8], 0.4)], { dtype: 'f32', shape: [1, 4, 8] }, {});
    const fc = b.node('fully_connected', [m, weights(b, [6, 8], 0.4), ''], { dtype: 'f32', shape: [4, 6] }, { activation: RELU });
    const d = b.node('div', [fc, weights(b, [6], 0.5)], { dtype: 'f32', shape: [4, 6] }, {});
    return b.output(d, fc);
  }

  it('keeps matmul and div in f32 between dequantize and quantize, and lists them', () => {
    const float = withMatmul(31);
    // Keep the divisor away from zero.
    const divisor = float.tensor(float.nodes[2].inputs[1]).data as Float32Array;
    divisor.forEach((v, i) => (divisor[i] = 1 + Math.abs(v)));
    const int8 = cloneGraph(float);
    const report = quantize(int8, { samples: randomInputs(float, rng(32), 16), method: 'minmax' });
    expect(report.keptFloat.map((k) => k.op).sort()).toEqual(['div', 'matmul']);
    expect(report.keptFloat[0].reason).toMatch(/no int8 kernel/);
    const ops = int8.nodes.map((n) => n.op);
    expect(ops).toEqual(['dequantize', 'matmul', 'quantize', 'fully_connected', 'dequantize', 'div', 'quantize']);
    expectWithinBound(int8, compare(float, int8, randomInputs(float, rng(32), 16)));
  });

  it('keepFloat leaves the named node f32', () => {
    const float = cnn(41);
    const int8 = cloneGraph(float);
    const fcName = float.nodes.find((n) => n.op === 'fully_connected')!.name;
    const report = quantize(int8, { samples: randomInputs(float, rng(42), 8), method: 'minmax', keepFloat: [fcName] });
    expect(report.keptFloat).toEqual([{ name: fcName, op: 'fully_connected', reason: expect.stringMatching(/keepFloat/) }]);
    expect(int8.nodes.find((n) => n.name === fcName)!.int8).toBeUndefined();
    const [logits] = compare(float, int8, randomInputs(float, rng(42), 8));
    expectWithinBound(int8, [logits]);
  });

  it('percentile calibration clips the input range inside min/max', () => {
    const float = cnn(51);
    const a = cloneGraph(float);
    const b = cloneGraph(float);
    const samples = randomInputs(float, rng(52), 16);
    samples[0][0][0] = 50; // one outlier
    const mm = quantize(a, { samples, method: 'minmax' });
    const pc = quantize(b, { samples, method: 'percentile', percentile: 99.9 });
    expect(mm.ranges.x.max).toBe(50);
    expect(pc.ranges.x.max).toBeLessThan(1.01);
    expect(pc.ranges.x.scale).toBeLessThan(mm.ranges.x.scale / 10);
  });

  it('refuses without calibration samples and names bad samples', () => {
    expect(() => quantize(cnn(61), { samples: [], method: 'minmax' })).toThrow(/int8 needs calibration data: pass --calibration/);
    expect(() => quantize(cnn(61), undefined as never)).toThrow(/int8 needs calibration data/);
    expect(() => quantize(cnn(61), { samples: [[new Float32Array(5)]], method: 'minmax' })).toThrow(/sample 0, input 'x': expected 192 values/);
    // Non-finite calibration values are named where they are, not as a downstream tensor's range.
    const nan = randomInputs(cnn(61), rng(2), 2);
    (nan[1][0] as Float32Array)[17] = NaN;
    expect(() => quantize(cnn(61), { samples: nan, method: 'minmax' })).toThrow(/^calibration sample 1, input 'x': value 17 is NaN \(calibration data must be finite\)$/);
    expect(() => quantize(cnn(61), { samples: randomInputs(cnn(61), rng(1), 1), method: 'minmax', keepFloat: ['nope'] })).toThrow(/no node named 'nope'/);
  });

  it('reports calibration progress', () => {
    const calls: number[][] = [];
    quantize(cnn(71), { samples: randomInputs(cnn(71), rng(72), 3), method: 'minmax', onProgress: (d, t) => calls.push([d, t]) });
    expect(calls).toEqual([[1, 3], [2, 3], [3, 3]]);
  });
});

describe("TFLite Micro's int8 LOGISTIC / TANH / LEAKY_RELU as tables", () => {
  const sigmoid = (xs: Float32Array) => Float32Array.from(xs, (x) => 1 / (1 + Math.exp(-x)));
  const tanhF = (xs: Float32Array) => Float32Array.from(xs, Math.tanh);
  it('agree with the float function to one code, are monotonic and exact at the zero point', () => {
    const r = rng(81);
    for (let i = 0; i < 50; i++) {
      const scale = Math.fround(0.005 + r() * 0.2);
      const zp = Math.floor(r() * 256) - 128;
      const lg = tflmLogisticTable(scale, zp);
      const th = tflmTanhTable(scale, zp);
      const lgF = lutTable(sigmoid, { scale, zeroPoint: zp }, { scale: 1 / 256, zeroPoint: -128 });
      const thF = lutTable(tanhF, { scale, zeroPoint: zp }, { scale: 1 / 128, zeroPoint: 0 });
      for (let k = 0; k < 256; k++) {
        expect(Math.abs(lg[k] - lgF[k])).toBeLessThanOrEqual(1);
        expect(Math.abs(th[k] - thF[k])).toBeLessThanOrEqual(1);
        if (k > 0) {
          expect(lg[k]).toBeGreaterThanOrEqual(lg[k - 1]);
          expect(th[k]).toBeGreaterThanOrEqual(th[k - 1]);
        }
      }
      expect(lg[zp + 128]).toBe(0); // sigmoid(0) = 0.5 = code 0 at 1/256, −128
      expect(th[zp + 128]).toBe(0);
      const out = { scale: Math.fround(scale * (0.5 + r())), zeroPoint: Math.floor(r() * 60) - 30 };
      const alpha = r() * 0.5 - 0.1;
      const lr = tflmLeakyReluTable({ scale, zeroPoint: zp }, out, alpha);
      const lrF = lutTable((xs) => Float32Array.from(xs, (x) => (x >= 0 ? x : alpha * x)), { scale, zeroPoint: zp }, out);
      for (let k = 0; k < 256; k++) expect(Math.abs(lr[k] - lrF[k])).toBeLessThanOrEqual(1);
      expect(lr[zp + 128]).toBe(out.zeroPoint);
    }
  });
});
