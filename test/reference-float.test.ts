// The f32 reference kernels against independent computations: brute-force definitions written here
// (im2col + matmul, NCHW direct convolution, explicit broadcasting, padded pooling windows),
// closed-form identities, and ONNX Runtime on one-node ONNX models built in the test.
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import type { AttrsByOp, DType, Node, OpName, QuantParams, Tensor, TensorData } from '../converter/ir/graph.js';
import { numel } from '../converter/ir/graph.js';
import { floatKernels, outputShapeFns } from '../converter/reference/float/index.js';
import type { RefValue } from '../converter/reference/types.js';

const { onnx } = onnxProto;

// ---- helpers ------------------------------------------------------------------------------------

/** Deterministic uniform numbers in [lo, hi) (mulberry32). */
function rng(seed: number) {
  let s = seed >>> 0;
  return (lo = -1, hi = 1): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return lo + (((t ^ (t >>> 14)) >>> 0) / 4294967296) * (hi - lo);
  };
}

function randomF32(rand: ReturnType<typeof rng>, shape: number[], lo = -1, hi = 1): RefValue {
  const data = new Float32Array(numel(shape));
  for (let i = 0; i < data.length; i++) data[i] = rand(lo, hi);
  return { data, shape, dtype: 'f32' };
}

function f32(shape: number[], values: number[]): RefValue {
  return { data: Float32Array.from(values), shape, dtype: 'f32' };
}

function mkNode<K extends OpName>(op: K, attrs: AttrsByOp[K], inputCount: number): Node<K> {
  return {
    op,
    name: `test_${op}`,
    inputs: Array.from({ length: inputCount }, (_, i) => `in${i}`),
    outputs: ['out'],
    attrs,
  };
}

/** Runs the float kernel of `op` with the output shape from its shape function. */
function runKernel<K extends OpName>(
  op: K,
  attrs: AttrsByOp[K],
  inputs: (RefValue | undefined)[],
  out: { dtype?: DType; quant?: QuantParams } = {},
): RefValue {
  const node = mkNode(op, attrs, inputs.length) as Node;
  const [shape] = outputShapeFns[op]!(node, inputs.map((v) => v?.shape));
  const tensor: Tensor = { name: 'out', dtype: out.dtype ?? 'f32', shape, quant: out.quant };
  const [data] = floatKernels[op]!(node, inputs, [tensor]);
  expect(data.length).toBe(numel(shape));
  return { data, shape, dtype: tensor.dtype, quant: out.quant };
}

/** Row-major transpose of a value (written independently of the kernel under test). */
function permute(v: RefValue, perm: number[]): RefValue {
  const shape = perm.map((p) => v.shape[p]);
  const inStrides = v.shape.map((_, i) => numel(v.shape.slice(i + 1)));
  const out = new Float32Array(v.data.length);
  const idx = new Array(shape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    idx.forEach((c, d) => (src += c * inStrides[perm[d]]));
    out[o] = (v.data as Float32Array)[src];
    for (let d = shape.length - 1; d >= 0 && ++idx[d] === shape[d]; d--) idx[d] = 0;
  }
  return { data: out, shape, dtype: 'f32' };
}

const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-5, atol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (a === e) continue;
    const err = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(err <= worstErr)) {
      worstErr = Number.isNaN(err) ? Infinity : err;
      worst = i;
    }
  }
  if (worst >= 0) expect.fail(`element ${worst}: got ${actual[worst]}, expected ${expected[worst]}`);
}

// ---- ONNX Runtime oracle --------------------------------------------------------------------------

type OnnxAttr = number | number[] | string | { floats: number[] } | { float: number };

function onnxAttribute(name: string, v: OnnxAttr) {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if (typeof v === 'object' && 'floats' in v) return { name, type: T.FLOATS, floats: v.floats };
  if (typeof v === 'object') return { name, type: T.FLOAT, f: v.float };
  return { name, type: T.INT, i: v };
}

/** Runs one ONNX node on float inputs in ONNX Runtime; `consts` become initializers (e.g. int64 pads). */
async function ortRun(
  opType: string,
  attrs: Record<string, OnnxAttr>,
  inputs: RefValue[],
  opts: { opset?: number; consts?: { name: string; dims: number[]; int64: number[] }[]; inputNames?: string[] } = {},
): Promise<RefValue> {
  const names = inputs.map((_, i) => `x${i}`);
  const consts = opts.consts ?? [];
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: opts.opset ?? 19 }],
    graph: {
      name: 'oracle',
      node: [
        {
          opType,
          input: opts.inputNames ?? [...names, ...consts.map((c) => c.name)],
          output: ['y'],
          attribute: Object.entries(attrs).map(([k, v]) => onnxAttribute(k, v)),
        },
      ],
      initializer: consts.map((c) => ({ name: c.name, dims: c.dims, dataType: 7, int64Data: c.int64 })),
      input: inputs.map((v, i) => ({
        name: names[i],
        type: { tensorType: { elemType: 1, shape: { dim: v.shape.map((d) => ({ dimValue: d })) } } },
      })),
      output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
    },
  });
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(model).finish());
  const feeds: Record<string, ort.Tensor> = {};
  inputs.forEach((v, i) => (feeds[names[i]] = new ort.Tensor('float32', v.data as Float32Array, v.shape)));
  const { y } = await session.run(feeds);
  return { data: y.data as Float32Array, shape: [...y.dims], dtype: 'f32' };
}

// ---- independent definitions ----------------------------------------------------------------------

/** conv2d via im2col + a plain matmul, NHWC, zero padding, one group. */
function conv2dIm2col(x: RefValue, w: RefValue, bias: RefValue | undefined, a: AttrsByOp['conv2d'], oh: number, ow: number): Float32Array {
  const [n, h, wd, c] = x.shape;
  const [o, kh, kw] = w.shape;
  const k = kh * kw * c;
  const out = new Float32Array(n * oh * ow * o);
  const col = new Float64Array(k);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++)
      for (let xo = 0; xo < ow; xo++) {
        // Column of the patch in (kh, kw, c) order, zeros where the tap is in the padding.
        let p = 0;
        for (let i = 0; i < kh; i++)
          for (let j = 0; j < kw; j++)
            for (let ch = 0; ch < c; ch++) {
              const iy = y * a.strides[0] - a.pads[0] + i * a.dilations[0];
              const ix = xo * a.strides[1] - a.pads[1] + j * a.dilations[1];
              col[p++] = iy >= 0 && iy < h && ix >= 0 && ix < wd ? x.data[((b * h + iy) * wd + ix) * c + ch] as number : 0;
            }
        for (let oc = 0; oc < o; oc++) {
          let acc = bias ? (bias.data[oc] as number) : 0;
          for (let t = 0; t < k; t++) acc += col[t] * (w.data[oc * k + t] as number);
          out[((b * oh + y) * ow + xo) * o + oc] = Math.min(Math.max(acc, a.activation?.min ?? -Infinity), a.activation?.max ?? Infinity);
        }
      }
  return out;
}

/** numpy-style broadcast of `v` to `shape` by explicit expansion. */
function expandTo(v: RefValue, shape: number[]): Float32Array {
  const out = new Float32Array(numel(shape));
  const off = shape.length - v.shape.length;
  const idx = new Array(shape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let d = 0; d < v.shape.length; d++) src = src * v.shape[d] + (v.shape[d] === 1 ? 0 : idx[d + off]);
    out[o] = v.data[src] as number;
    for (let d = shape.length - 1; d >= 0 && ++idx[d] === shape[d]; d--) idx[d] = 0;
  }
  return out;
}

/** Pooling by definition: gather each window from an explicitly padded NHWC copy (NaN = padding). */
function poolBrute(x: RefValue, a: AttrsByOp['max_pool2d'], kind: 'max' | 'avg'): Float32Array {
  const [n, h, w, c] = x.shape;
  const [pt, pl, pb, pr] = a.pads;
  const ph = h + pt + pb;
  const pw = w + pl + pr;
  const padded = new Float64Array(n * ph * pw * c).fill(NaN);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++)
        for (let ch = 0; ch < c; ch++) padded[((b * ph + y + pt) * pw + xx + pl) * c + ch] = x.data[((b * h + y) * w + xx) * c + ch] as number;
  const spanH = (a.kernel[0] - 1) * a.dilations[0] + 1;
  const spanW = (a.kernel[1] - 1) * a.dilations[1] + 1;
  const oh = Math.floor((ph - spanH) / a.strides[0]) + 1;
  const ow = Math.floor((pw - spanW) / a.strides[1]) + 1;
  const out: number[] = [];
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++)
        for (let ch = 0; ch < c; ch++) {
          const taps: number[] = [];
          for (let i = 0; i < a.kernel[0]; i++)
            for (let j = 0; j < a.kernel[1]; j++)
              taps.push(padded[((b * ph + y * a.strides[0] + i * a.dilations[0]) * pw + xx * a.strides[1] + j * a.dilations[1]) * c + ch]);
          const inside = taps.filter((t) => !Number.isNaN(t));
          if (kind === 'max') out.push(Math.max(...inside));
          else out.push(inside.reduce((s, t) => s + t, 0) / (a.countIncludePad ? taps.length : inside.length));
        }
  return Float32Array.from(out);
}

// ---- tests ----------------------------------------------------------------------------------------

const conv = (o: Partial<AttrsByOp['conv2d']> = {}): AttrsByOp['conv2d'] => ({
  strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], group: 1, ...o,
});
const pool = (o: Partial<AttrsByOp['max_pool2d']> = {}): AttrsByOp['max_pool2d'] => ({
  kernel: [2, 2], strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], countIncludePad: false, ...o,
});

describe('conv2d_f32_ref', () => {
  const cases: [string, number[], number[], AttrsByOp['conv2d']][] = [
    ['3x3 valid', [1, 6, 7, 3], [4, 3, 3, 3], conv()],
    ['strides, asymmetric pads', [2, 9, 8, 2], [5, 3, 2, 2], conv({ strides: [2, 3], pads: [1, 0, 2, 1] })],
    ['dilations with relu6', [1, 10, 10, 3], [2, 3, 3, 3], conv({ dilations: [2, 3], pads: [2, 2, 2, 2], activation: { min: 0, max: 6 } })],
    ['1x1 kernel', [1, 4, 4, 8], [3, 1, 1, 8], conv()],
  ];
  it.each(cases)('matches im2col + matmul: %s', (_, xs, ws, attrs) => {
    const rand = rng(xs.length * 31 + ws[0]);
    const x = randomF32(rand, xs);
    const w = randomF32(rand, ws);
    const bias = randomF32(rand, [ws[0]]);
    const y = runKernel('conv2d', attrs, [x, w, bias]);
    expectClose(y.data as Float32Array, conv2dIm2col(x, w, bias, attrs, y.shape[1], y.shape[2]));
  });

  it('grouped conv equals the per-group convs concatenated', () => {
    const rand = rng(7);
    const group = 3;
    const x = randomF32(rand, [1, 7, 6, 6]);
    const w = randomF32(rand, [9, 3, 3, 2]);
    const attrs = conv({ group, pads: [1, 1, 1, 1], strides: [2, 1] });
    const y = runKernel('conv2d', attrs, [x, w, undefined]);
    for (let gi = 0; gi < group; gi++) {
      // Slice input channels [2gi, 2gi+2) and output channels [3gi, 3gi+3), run an ungrouped conv.
      const xs = { ...x, shape: [1, 7, 6, 2], data: new Float32Array(7 * 6 * 2) };
      for (let p = 0; p < 42; p++) for (let ch = 0; ch < 2; ch++) xs.data[p * 2 + ch] = x.data[p * 6 + gi * 2 + ch] as number;
      const ws = { ...w, shape: [3, 3, 3, 2], data: (w.data as Float32Array).slice(gi * 54, gi * 54 + 54) };
      const part = runKernel('conv2d', { ...attrs, group: 1 }, [xs, ws]);
      const positions = numel(y.shape) / 9;
      for (let p = 0; p < positions; p++)
        for (let oc = 0; oc < 3; oc++) expect(y.data[p * 9 + gi * 3 + oc]).toBe(part.data[p * 3 + oc]);
    }
  });

  it('conv with group = C equals depthwise_conv2d (channel c*M+m reads c)', () => {
    const rand = rng(11);
    const c = 4;
    const m = 2;
    const x = randomF32(rand, [2, 8, 9, c]);
    const wConv = randomF32(rand, [c * m, 3, 2, 1]);
    const bias = randomF32(rand, [c * m]);
    const spatial = { strides: [2, 1] as [number, number], dilations: [1, 2] as [number, number], pads: [1, 2, 0, 1] as [number, number, number, number] };
    const yConv = runKernel('conv2d', { ...spatial, group: c, activation: { min: -0.5, max: 0.5 } }, [x, wConv, bias]);
    // [O,KH,KW,1] -> [KH,KW,O]
    const wDw = permute({ ...wConv, shape: [c * m, 3, 2] }, [1, 2, 0]);
    const yDw = runKernel('depthwise_conv2d', { ...spatial, depthMultiplier: m, activation: { min: -0.5, max: 0.5 } }, [x, wDw, bias]);
    expect(yDw.shape).toEqual(yConv.shape);
    expectClose(yDw.data as Float32Array, yConv.data as Float32Array, 1e-6, 1e-7);
  });

  it('matches ONNX Runtime Conv (NCHW) on transposed data, with groups, strides, dilations, pads', async () => {
    const rand = rng(5);
    const x = randomF32(rand, [1, 11, 10, 4]);
    const w = randomF32(rand, [6, 3, 3, 2]);
    const bias = randomF32(rand, [6]);
    const attrs = conv({ group: 2, strides: [2, 1], dilations: [1, 2], pads: [1, 2, 0, 1] });
    const y = runKernel('conv2d', attrs, [x, w, bias]);
    const ref = await ortRun(
      'Conv',
      { group: 2, strides: [2, 1], dilations: [1, 2], pads: [1, 2, 0, 1], kernel_shape: [3, 3] },
      [permute(x, NHWC_TO_NCHW), permute(w, NHWC_TO_NCHW), bias],
    );
    const refNhwc = permute(ref, NCHW_TO_NHWC);
    expect(y.shape).toEqual(refNhwc.shape);
    expectClose(y.data as Float32Array, refNhwc.data as Float32Array, 1e-4, 1e-5);
  });

  it('rejects channel mismatches naming the node', () => {
    const rand = rng(1);
    expect(() => runKernel('conv2d', conv(), [randomF32(rand, [1, 4, 4, 3]), randomF32(rand, [2, 3, 3, 2])])).toThrow(/conv2d 'test_conv2d'.*channels/);
    expect(() => runKernel('conv2d', conv({ pads: [0, 0, 0, 0] }), [randomF32(rand, [1, 2, 2, 1]), randomF32(rand, [1, 3, 3, 1])])).toThrow(/window/);
  });
});

describe('depthwise_conv2d_f32_ref', () => {
  it('matches ONNX Runtime Conv with group = C and a depth multiplier', async () => {
    const rand = rng(21);
    const c = 3;
    const m = 2;
    const x = randomF32(rand, [1, 9, 8, c]);
    const wOnnx = randomF32(rand, [c * m, 1, 3, 3]); // ONNX [O, C/group, KH, KW]
    const bias = randomF32(rand, [c * m]);
    const attrs = { strides: [1, 2] as [number, number], dilations: [2, 1] as [number, number], pads: [2, 1, 2, 1] as [number, number, number, number], depthMultiplier: m };
    const wDw = permute({ ...wOnnx, shape: [c * m, 3, 3] }, [1, 2, 0]);
    const y = runKernel('depthwise_conv2d', attrs, [x, wDw, bias]);
    const ref = permute(await ortRun('Conv', { group: c, strides: attrs.strides, dilations: attrs.dilations, pads: attrs.pads }, [permute(x, NHWC_TO_NCHW), wOnnx, bias]), NCHW_TO_NHWC);
    expect(y.shape).toEqual(ref.shape);
    expectClose(y.data as Float32Array, ref.data as Float32Array, 1e-4, 1e-5);
  });
});

describe('fully_connected_f32_ref and matmul_f32_ref', () => {
  it('fully_connected matches ONNX Runtime Gemm (transB) on x flattened to [numel/K, K]', async () => {
    const rand = rng(31);
    const x = randomF32(rand, [2, 3, 8]);
    const w = randomF32(rand, [5, 8]);
    const bias = randomF32(rand, [5]);
    const y = runKernel('fully_connected', { activation: { min: 0, max: Infinity } }, [x, w, bias]);
    expect(y.shape).toEqual([6, 5]);
    const ref = await ortRun('Gemm', { transB: 1 }, [{ ...x, shape: [6, 8] }, w, bias]);
    expectClose(y.data as Float32Array, Float32Array.from(ref.data as Float32Array, (v) => Math.max(v, 0)), 1e-5, 1e-6);
  });

  it('fully_connected rejects x whose size is not a multiple of K', () => {
    const rand = rng(1);
    expect(() => runKernel('fully_connected', {}, [randomF32(rand, [1, 7]), randomF32(rand, [2, 4])])).toThrow(/fully_connected 'test_fully_connected'.*multiple/);
  });

  const mm: [number[], number[]][] = [
    [[3, 4], [4, 5]],
    [[2, 1, 3, 4], [3, 4, 2]],
    [[4], [4, 3]],
    [[2, 3, 4], [4]],
    [[4], [4]],
    [[1, 2, 3], [5, 3, 2]],
  ];
  it.each(mm)('matmul %j @ %j matches ONNX Runtime MatMul', async (as, bs) => {
    const rand = rng(as.length * 10 + bs.length);
    const a = randomF32(rand, as);
    const b = randomF32(rand, bs);
    const y = runKernel('matmul', {}, [a, b]);
    const ref = await ortRun('MatMul', {}, [a, b]);
    expect(y.shape).toEqual(ref.shape);
    expectClose(y.data as Float32Array, ref.data as Float32Array, 1e-5, 1e-6);
  });

  it('matmul rejects mismatched inner dims naming the node', () => {
    const rand = rng(1);
    expect(() => runKernel('matmul', {}, [randomF32(rand, [2, 3]), randomF32(rand, [4, 2])])).toThrow(/matmul 'test_matmul'.*K = 3.*K = 4/);
  });
});

describe('add/sub/mul/div_f32_ref', () => {
  const shapes: [number[], number[]][] = [
    [[2, 3, 4], [4]],
    [[2, 1, 4], [3, 1]],
    [[1], [2, 2, 1, 3, 1, 2]],
    [[], [3, 2]],
    [[5], [5]],
  ];
  const ops = { add: (a: number, b: number) => a + b, sub: (a: number, b: number) => a - b, mul: (a: number, b: number) => a * b, div: (a: number, b: number) => a / b };
  for (const [op, f] of Object.entries(ops) as [keyof typeof ops, (a: number, b: number) => number][]) {
    it.each(shapes)(`${op} %j with %j equals the op on explicitly expanded operands`, (as, bs) => {
      const rand = rng(as.length + 7 * bs.length);
      const a = randomF32(rand, as);
      const b = randomF32(rand, bs, 0.5, 2);
      const y = runKernel(op, { activation: { min: -1.5, max: 1.5 } }, [a, b]);
      const shape = y.shape;
      const ea = expandTo(a, shape);
      const eb = expandTo(b, shape);
      const expected = ea.map((v, i) => Math.min(Math.max(f(v, eb[i]), -1.5), 1.5));
      expect(Array.from(y.data as Float32Array)).toEqual(Array.from(expected));
    });
  }

  it('matches ONNX Runtime Div with broadcasting', async () => {
    const rand = rng(41);
    const a = randomF32(rand, [2, 3, 1, 5]);
    const b = randomF32(rand, [4, 1], 0.5, 2);
    const y = runKernel('div', {}, [a, b]);
    const ref = await ortRun('Div', {}, [a, b]);
    expect(y.shape).toEqual(ref.shape);
    expect(Array.from(y.data as Float32Array)).toEqual(Array.from(ref.data as Float32Array));
  });

  it('rejects shapes that do not broadcast', () => {
    const rand = rng(1);
    expect(() => runKernel('add', {}, [randomF32(rand, [2, 3]), randomF32(rand, [2])])).toThrow(/add 'test_add'.*do not broadcast/);
  });
});

describe('unary activations', () => {
  const x = (() => {
    const v = randomF32(rng(51), [4, 25], -8, 8);
    (v.data as Float32Array).set([0, -3, 3, -0.5, 0.5, 100, -100]);
    return v;
  })();
  it.each([
    ['sigmoid', 'Sigmoid', {}, {}],
    ['tanh', 'Tanh', {}, {}],
    ['hard_swish', 'HardSwish', {}, {}],
    ['leaky_relu', 'LeakyRelu', { alpha: 0.1 }, { alpha: { float: 0.1 } }],
  ] as [OpName, string, object, Record<string, OnnxAttr>][])('%s matches ONNX Runtime %s', async (op, onnxOp, attrs, onnxAttrs) => {
    const y = runKernel(op, attrs as never, [x]);
    const ref = await ortRun(onnxOp, onnxAttrs, [x], { opset: 14 });
    expectClose(y.data as Float32Array, ref.data as Float32Array, 1e-5, 1e-6);
  });

  it('hard_swish is x*relu6(x+3)/6 and clamp is min(max(x, lo), hi)', () => {
    const hs = runKernel('hard_swish', {}, [x]).data as Float32Array;
    const cl = runKernel('clamp', { min: -2, max: 0.25 }, [x]).data as Float32Array;
    const inverted = runKernel('clamp', { min: 1, max: -1 }, [x]).data as Float32Array; // numpy.clip: max wins
    (x.data as Float32Array).forEach((v, i) => {
      expect(hs[i]).toBe(Math.fround((v * Math.min(Math.max(v + 3, 0), 6)) / 6));
      expect(cl[i]).toBe(Math.min(Math.max(v, -2), 0.25));
      expect(inverted[i]).toBe(Math.min(Math.max(v, 1), -1));
    });
  });
});

describe('max_pool2d / average_pool2d', () => {
  const cases: [string, number[], AttrsByOp['max_pool2d']][] = [
    ['2x2 stride 2', [1, 6, 6, 3], pool({ strides: [2, 2] })],
    ['3x3 pads 1', [2, 5, 7, 2], pool({ kernel: [3, 3], pads: [1, 1, 1, 1] })],
    ['asymmetric pads, strides, dilations', [1, 9, 8, 2], pool({ kernel: [3, 2], strides: [2, 3], dilations: [2, 1], pads: [2, 0, 1, 1] })],
    ['count_include_pad', [1, 5, 5, 1], pool({ kernel: [3, 3], pads: [1, 2, 1, 0], countIncludePad: true })],
  ];
  it.each(cases)('match pooling by definition over a padded copy: %s', (_, xs, attrs) => {
    const x = randomF32(rng(xs[1] * 17 + xs[3]), xs);
    expectClose(runKernel('max_pool2d', attrs, [x]).data as Float32Array, poolBrute(x, attrs, 'max'), 0, 0);
    expectClose(runKernel('average_pool2d', attrs, [x]).data as Float32Array, poolBrute(x, attrs, 'avg'), 1e-6, 1e-7);
  });

  it.each([false, true])('match ONNX Runtime MaxPool / AveragePool (count_include_pad %s)', async (include) => {
    const x = randomF32(rng(61), [1, 8, 9, 3]);
    const attrs = pool({ kernel: [3, 2], strides: [2, 1], pads: [1, 1, 2, 0], countIncludePad: include });
    const onnxAttrs = { kernel_shape: attrs.kernel, strides: attrs.strides, pads: attrs.pads };
    const xo = permute(x, NHWC_TO_NCHW);
    const maxRef = permute(await ortRun('MaxPool', onnxAttrs, [xo]), NCHW_TO_NHWC);
    const avgRef = permute(await ortRun('AveragePool', { ...onnxAttrs, count_include_pad: include ? 1 : 0 }, [xo]), NCHW_TO_NHWC);
    const maxY = runKernel('max_pool2d', attrs, [x]);
    expect(maxY.shape).toEqual(maxRef.shape);
    expectClose(maxY.data as Float32Array, maxRef.data as Float32Array, 0, 0);
    expectClose(runKernel('average_pool2d', attrs, [x]).data as Float32Array, avgRef.data as Float32Array, 1e-5, 1e-6);
  });

  // How an importer expresses ONNX ceil_mode with these kernels (documented in float/pool2d.ts):
  // enlarge the end pads to reach the ceil-mode output size; with count_include_pad = 1, first pad
  // the declared pads with zeros explicitly, so only the ceil extra stays uncounted.
  it.each([0, 1])('ONNX AveragePool ceil_mode with count_include_pad %i is reproduced by the documented lowering', async (include) => {
    const x = randomF32(rng(71), [1, 7, 6, 2]);
    const xo = permute(x, NHWC_TO_NCHW);
    const pads: [number, number, number, number] = [1, 0, 0, 1];
    const ref = permute(await ortRun('AveragePool', { kernel_shape: [3, 3], strides: [2, 2], pads, ceil_mode: 1, count_include_pad: include }, [xo]), NCHW_TO_NHWC);
    const [, oh, ow] = ref.shape;
    // Extra end padding so that floor((H + pads + extra - k) / s) + 1 equals the ceil-mode size.
    const extraH = Math.max(0, (oh - 1) * 2 + 3 - (7 + pads[0] + pads[2]));
    const extraW = Math.max(0, (ow - 1) * 2 + 3 - (6 + pads[1] + pads[3]));
    let y: RefValue;
    if (include) {
      const padded = runKernel('pad', { mode: 'constant', value: 0, begin: [0, pads[0], pads[1], 0], end: [0, pads[2], pads[3], 0] }, [x]);
      y = runKernel('average_pool2d', pool({ kernel: [3, 3], strides: [2, 2], pads: [0, 0, extraH, extraW] }), [padded]);
    } else {
      y = runKernel('average_pool2d', pool({ kernel: [3, 3], strides: [2, 2], pads: [pads[0], pads[1], pads[2] + extraH, pads[3] + extraW] }), [x]);
    }
    expect(y.shape).toEqual(ref.shape);
    expectClose(y.data as Float32Array, ref.data as Float32Array, 1e-5, 1e-6);
  });

  it('a window entirely in the padding gives -Infinity (max, then clamped) and 0 (average)', () => {
    const x = f32([1, 1, 1, 1], [5]);
    const attrs = pool({ kernel: [1, 1], pads: [1, 0, 0, 0] });
    expect(Array.from(runKernel('max_pool2d', attrs, [x]).data as Float32Array)).toEqual([-Infinity, 5]);
    expect(Array.from(runKernel('max_pool2d', { ...attrs, activation: { min: 0, max: 6 } }, [x]).data as Float32Array)).toEqual([0, 5]);
    expect(Array.from(runKernel('average_pool2d', attrs, [x]).data as Float32Array)).toEqual([0, 5]);
  });
});

describe('mean, softmax, batch_norm', () => {
  it.each([[[1, 2]], [[0, -1]], [[3]], [[0, 1, 2, 3]]])('mean over axes %j matches ONNX Runtime ReduceMean (keepdims)', async (axes) => {
    const x = randomF32(rng(81), [2, 3, 4, 5]);
    const y = runKernel('mean', { axes }, [x]);
    const ref = await ortRun('ReduceMean', { keepdims: 1 }, [x], { opset: 18, consts: [{ name: 'axes', dims: [axes.length], int64: axes }] });
    expect(y.shape).toEqual(ref.shape);
    expectClose(y.data as Float32Array, ref.data as Float32Array, 1e-5, 1e-6);
  });

  it.each([[-1, 1], [1, 1], [0, 2.5]])('softmax over axis %i with beta %d sums to 1 and equals exp(beta x)/sum', (axis, beta) => {
    const x = randomF32(rng(91), [3, 4, 5], -50, 50);
    const y = runKernel('softmax', { axis, beta }, [x]).data as Float32Array;
    const ax = axis < 0 ? axis + 3 : axis;
    const strides = [20, 5, 1];
    // For each line along the axis: compare with the direct formula (in float64, shifted by the
    // line's max only to avoid overflow) and check the sum.
    for (let start = 0; start < 60; start++) {
      const coord = [Math.floor(start / 20), Math.floor(start / 5) % 4, start % 5];
      if (coord[ax] !== 0) continue;
      const idx = Array.from({ length: [3, 4, 5][ax] }, (_, k) => start + k * strides[ax]);
      const zs = idx.map((i) => beta * (x.data[i] as number));
      const m = Math.max(...zs);
      const es = zs.map((z) => Math.exp(z - m));
      const s = es.reduce((p, q) => p + q, 0);
      expectClose(idx.map((i) => y[i]), es.map((e) => e / s), 1e-6, 1e-7);
      expect(idx.reduce((p, i) => p + y[i], 0)).toBeCloseTo(1, 5);
    }
  });

  it('softmax matches ONNX Runtime Softmax on large logits', async () => {
    const x = randomF32(rng(92), [2, 10], -200, 200);
    const ref = await ortRun('Softmax', { axis: -1 }, [x], { opset: 13 });
    expectClose(runKernel('softmax', { axis: -1, beta: 1 }, [x]).data as Float32Array, ref.data as Float32Array, 1e-5, 1e-7);
  });

  it('batch_norm matches ONNX Runtime BatchNormalization (NCHW, axis 1)', async () => {
    const rand = rng(101);
    const x = randomF32(rand, [2, 3, 4, 4]);
    const [scale, bias, mean] = [0, 1, 2].map(() => randomF32(rand, [3]));
    const variance = randomF32(rand, [3], 0.1, 2);
    const y = runKernel('batch_norm', { epsilon: 1e-3, axis: 1 }, [x, scale, bias, mean, variance]);
    const ref = await ortRun('BatchNormalization', { epsilon: { float: 1e-3 } }, [x, scale, bias, mean, variance], { opset: 15 });
    expectClose(y.data as Float32Array, ref.data as Float32Array, 1e-5, 1e-6);
  });
});

describe('data movement: concat, pad, transpose', () => {
  it('concat matches ONNX Runtime Concat on a middle axis', async () => {
    const rand = rng(111);
    const parts = [randomF32(rand, [2, 1, 3]), randomF32(rand, [2, 4, 3]), randomF32(rand, [2, 2, 3])];
    const y = runKernel('concat', { axis: 1 }, parts);
    const ref = await ortRun('Concat', { axis: 1 }, parts);
    expect(y.shape).toEqual(ref.shape);
    expect(Array.from(y.data as Float32Array)).toEqual(Array.from(ref.data as Float32Array));
  });

  it('concat of i64 shape tensors (constant folding) keeps the dtype', () => {
    const a: RefValue = { data: BigInt64Array.from([1n, 2n]), shape: [2], dtype: 'i64' };
    const b: RefValue = { data: BigInt64Array.from([-1n]), shape: [1], dtype: 'i64' };
    expect(Array.from(runKernel('concat', { axis: 0 }, [a, b], { dtype: 'i64' }).data as BigInt64Array)).toEqual([1n, 2n, -1n]);
  });

  it.each(['constant', 'edge', 'reflect', 'wrap'] as const)('pad mode %s matches ONNX Runtime Pad', async (mode) => {
    const x = randomF32(rng(121), [2, 3, 4]);
    const begin = [0, 2, 1];
    const end = [1, 1, 3];
    const y = runKernel('pad', { mode, value: 0.75, begin, end }, [x]);
    const ref = await ortRun('Pad', { mode }, [x, f32([], [0.75])], {
      opset: 19,
      consts: [{ name: 'pads', dims: [6], int64: [...begin, ...end] }],
      inputNames: ['x0', 'pads', 'x1'],
    });
    expect(y.shape).toEqual(ref.shape);
    expect(Array.from(y.data as Float32Array)).toEqual(Array.from(ref.data as Float32Array));
  });

  it('pad follows numpy on the documented 1-D examples, including pads longer than the dim', () => {
    const x = f32([3], [1, 2, 3]);
    const padded = (mode: 'reflect' | 'wrap' | 'edge', b: number, e: number) => Array.from(runKernel('pad', { mode, value: 0, begin: [b], end: [e] }, [x]).data as Float32Array);
    expect(padded('reflect', 2, 2)).toEqual([3, 2, 1, 2, 3, 2, 1]); // numpy.pad([1,2,3], 2, 'reflect')
    expect(padded('wrap', 2, 2)).toEqual([2, 3, 1, 2, 3, 1, 2]);
    expect(padded('edge', 1, 2)).toEqual([1, 1, 2, 3, 3, 3]);
    expect(padded('reflect', 5, 0)).toEqual([2, 1, 2, 3, 2, 1, 2, 3]); // numpy: [2,1,2,3,2,1,2,3]
  });

  it('pad of an s8 tensor stores the real value quantized with the output scale', () => {
    const x: RefValue = { data: Int8Array.from([1, 2]), shape: [2], dtype: 's8', quant: { scale: [0.5], zeroPoint: [-3] } };
    const y = runKernel('pad', { mode: 'constant', value: 1.25, begin: [1], end: [0] }, [x], { dtype: 's8', quant: { scale: [0.5], zeroPoint: [-3] } });
    // 1.25 / 0.5 = 2.5 rounds half away from zero to 3, plus zero point -3.
    expect(Array.from(y.data as Int8Array)).toEqual([0, 1, 2]);
  });

  it('transpose matches an independent permutation and ONNX Runtime Transpose', async () => {
    const x = randomF32(rng(131), [2, 3, 4, 5]);
    const perm = [2, 0, 3, 1];
    const y = runKernel('transpose', { perm }, [x]);
    expect(Array.from(y.data as Float32Array)).toEqual(Array.from(permute(x, perm).data as Float32Array));
    const ref = await ortRun('Transpose', { perm }, [x]);
    expect(y.shape).toEqual(ref.shape);
    expect(Array.from(y.data as Float32Array)).toEqual(Array.from(ref.data as Float32Array));
    expect(() => runKernel('transpose', { perm: [0, 0, 1, 2] }, [x])).toThrow(/not a permutation/);
  });
});

describe('quantize / dequantize', () => {
  it('quantize rounds ties away from zero (TFLite), clamps, and adds the zero point', () => {
    const x = f32([8], [2.5, -2.5, 0.5, -0.5, 1.49, 1000, -1000, 0]);
    const q = runKernel('quantize', {}, [x], { dtype: 's8', quant: { scale: [1], zeroPoint: [0] } });
    expect(Array.from(q.data as Int8Array)).toEqual([3, -3, 1, -1, 1, 127, -128, 0]);
    const u = runKernel('quantize', {}, [x], { dtype: 'u8', quant: { scale: [0.5], zeroPoint: [128] } });
    const expected = Array.from(x.data as Float32Array, (v) => {
      const s = v / 0.5;
      const r = s < 0 ? -Math.round(-s) : Math.round(s);
      return Math.min(Math.max(r + 128, 0), 255);
    });
    expect(Array.from(u.data as Uint8Array)).toEqual(expected);
  });

  it('quantize equals ONNX Runtime QuantizeLinear away from ties, and dequantize inverts it within scale/2', async () => {
    const scale = 0.037;
    const zp = 5;
    const x = randomF32(rng(141), [100], -4, 4);
    const q = runKernel('quantize', {}, [x], { dtype: 's8', quant: { scale: [scale], zeroPoint: [zp] } });
    const model = onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'q',
        node: [{ opType: 'QuantizeLinear', input: ['x', 's', 'z'], output: ['y'] }],
        initializer: [
          { name: 's', dims: [], dataType: 1, floatData: [scale] },
          { name: 'z', dims: [], dataType: 3, int32Data: [zp] },
        ],
        input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 100 }] } } } }],
        output: [{ name: 'y', type: { tensorType: { elemType: 3 } } }],
      },
    });
    const session = await ort.InferenceSession.create(onnx.ModelProto.encode(model).finish());
    const { y } = await session.run({ x: new ort.Tensor('float32', x.data as Float32Array, [100]) });
    (x.data as Float32Array).forEach((v, i) => {
      const frac = Math.abs(Math.fround(v / Math.fround(scale))) % 1;
      if (Math.abs(frac - 0.5) > 1e-3) expect(q.data[i]).toBe((y.data as Int8Array)[i]);
    });
    const back = runKernel('dequantize', {}, [q]).data as Float32Array;
    back.forEach((v, i) => {
      expect(v).toBe(Math.fround(Math.fround(scale) * ((q.data[i] as number) - zp)));
      expect(Math.abs(v - (x.data[i] as number))).toBeLessThanOrEqual(scale / 2 + 1e-6);
    });
  });

  it('per-axis dequantize uses each channel its own scale and zero point', () => {
    const q: RefValue = { data: Int8Array.from([10, 20, 30, 40, 50, 60]), shape: [2, 3], dtype: 's8', quant: { scale: [0.5, 0.25, 2], zeroPoint: [0, 4, -10], axis: 1 } };
    const y = runKernel('dequantize', {}, [q]).data as Float32Array;
    expect(Array.from(y)).toEqual([5, 4, 80, 20, 11.5, 140]);
  });

  it('quantize without quantization parameters is an error naming the node', () => {
    expect(() => runKernel('quantize', {}, [f32([1], [1])], { dtype: 's8' })).toThrow(/quantize 'test_quantize'.*quantization parameters/);
  });
});
