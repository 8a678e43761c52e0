// Hand-built IR graphs for the planner and emitter tests: random DAGs (seeded), chains, and
// MobileNet-shaped CNNs in f32 and int8. Built directly in the IR, not via an importer.
import { Graph, numel, type DType, type Node, type OpName, type QuantParams, type TensorData } from '../../converter/ir/graph.js';
import { mulberry32 } from '../../converter/util/random.js';

export const rng = mulberry32;

export const randInt = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

function dataFor(dtype: DType, n: number, r: () => number): TensorData {
  const fill = <T extends TensorData>(a: T, lo: number, hi: number): T => {
    for (let i = 0; i < n; i++) (a as unknown as number[])[i] = lo + r() * (hi - lo);
    return a;
  };
  switch (dtype) {
    case 'f32':
      return fill(new Float32Array(n), -1, 1);
    case 's8':
      return fill(new Int8Array(n), -128, 128);
    case 's32':
      return fill(new Int32Array(n), -100000, 100000);
    case 'u8':
      return fill(new Uint8Array(n), 0, 256);
    case 's16':
      return fill(new Int16Array(n), -30000, 30000);
    default:
      throw new Error(`no test data for ${dtype}`);
  }
}

function zeroData(dtype: DType, n: number): TensorData {
  const ctor = { f32: Float32Array, s8: Int8Array, s32: Int32Array, u8: Uint8Array, s16: Int16Array }[dtype as 'f32'];
  if (!ctor) throw new Error(`no test data for ${dtype}`);
  return new ctor(n);
}

export class Builder {
  g = new Graph();
  private count = 0;
  /** `zeroConstants`: constants get zero-filled data (cheap; enough for planner tests). */
  constructor(
    readonly r: () => number = rng(1),
    readonly zeroConstants = false,
  ) {}

  input(name: string, dtype: DType, shape: number[], quant?: QuantParams): string {
    this.g.addTensor({ name, dtype, shape, quant });
    this.g.inputs.push(name);
    return name;
  }

  constant(dtype: DType, shape: number[], data?: TensorData, quant?: QuantParams): string {
    const name = this.g.uniqueName(`c${this.count++}`);
    const n = numel(shape);
    const fill = this.zeroConstants ? zeroData(dtype, n) : dataFor(dtype, n, this.r);
    this.g.addTensor({ name, dtype, shape, data: data ?? fill, quant });
    return name;
  }

  node<K extends OpName>(
    op: K,
    inputs: string[],
    out: { dtype: DType; shape: number[]; quant?: QuantParams },
    attrs: Node<K>['attrs'],
    int8?: Node['int8'],
  ): string {
    const id = this.count++;
    const name = this.g.uniqueName(`${op}_${id}`);
    this.g.addTensor({ name, dtype: out.dtype, shape: out.shape, quant: out.quant });
    this.g.nodes.push({ op, name: `n${id}_${op}`, inputs, outputs: [name], attrs, int8 } as Node);
    return name;
  }

  output(...names: string[]): Graph {
    this.g.outputs.push(...names);
    return this.g;
  }
}

const RELU6 = { min: 0, max: 6 };
const convOut = (i: number, k: number, s: number, p: number) => Math.floor((i + 2 * p - k) / s) + 1;

/** A per-channel int8 conv's extra inputs: bias s32, multiplier s32 (Q31), shift s32. */
function s8ConvExtras(b: Builder, channels: number): string[] {
  const bias = b.constant('s32', [channels]);
  const mult = b.constant('s32', [channels], Int32Array.from({ length: channels }, () => randInt(b.r, 1 << 30, 0x7fffffff)));
  const shift = b.constant('s32', [channels], Int32Array.from({ length: channels }, () => randInt(b.r, -10, 0)));
  return [bias, mult, shift];
}

/**
 * MobileNetV2-shaped graph: 3x3/2 stem, inverted-residual blocks (1x1 expand, 3x3 depthwise,
 * 1x1 project, residual add when shapes allow), global mean, reshape, fully_connected, softmax.
 * `int8` builds the quantized form: quantize at the input, per-channel s8 convs, dequantize at the end.
 */
export function mobileNetLike(seed: number, opts: { int8?: boolean; size?: number; blocks?: number } = {}): Graph {
  const b = new Builder(rng(seed));
  const r = b.r;
  const int8 = opts.int8 ?? false;
  const size = opts.size ?? 32;
  const act = int8 ? 's8' : 'f32';
  const q = (): QuantParams | undefined => (int8 ? { scale: [0.02 + r() * 0.05], zeroPoint: [randInt(r, -20, 20)] } : undefined);
  const t = (shape: number[]) => ({ dtype: act as DType, shape, quant: q() });
  const actAttr = int8 ? undefined : RELU6;
  const int8Act = int8 ? { actMin: -128, actMax: 127 } : undefined;

  let x = b.input('image', 'f32', [1, size, size, 3]);
  if (int8) x = b.node('quantize', [x], t([1, size, size, 3]), {});
  let h = size;
  let c = 3;

  const conv = (input: string, cout: number, k: number, s: number, relu: boolean): string => {
    const p = Math.floor(k / 2);
    const oh = convOut(h, k, s, p);
    const w = b.constant(act, [cout, k, k, c], undefined, int8 ? { scale: Array(cout).fill(0.01), zeroPoint: Array(cout).fill(0), axis: 0 } : undefined);
    const extras = int8 ? s8ConvExtras(b, cout) : [b.constant('f32', [cout])];
    const y = b.node(
      'conv2d',
      [input, w, ...extras],
      t([1, oh, oh, cout]),
      { strides: [s, s], dilations: [1, 1], pads: [p, p, p, p], group: 1, activation: relu ? actAttr : undefined },
      int8Act,
    );
    h = oh;
    c = cout;
    return y;
  };
  const dw = (input: string, s: number): string => {
    const oh = convOut(h, 3, s, 1);
    const w = b.constant(act, [3, 3, c]);
    const extras = int8 ? s8ConvExtras(b, c) : [b.constant('f32', [c])];
    const y = b.node(
      'depthwise_conv2d',
      [input, w, ...extras],
      t([1, oh, oh, c]),
      { strides: [s, s], dilations: [1, 1], pads: [1, 1, 1, 1], depthMultiplier: 1, activation: actAttr },
      int8Act,
    );
    h = oh;
    return y;
  };

  x = conv(x, 16, 3, 2, true);
  const blocks = opts.blocks ?? 6;
  for (let i = 0; i < blocks; i++) {
    const stride = i % 3 === 1 ? 2 : 1;
    const cout = stride === 2 ? c * 2 : c;
    const inC = c;
    const inH = h;
    const skip = x;
    let y = conv(x, c * 4, 1, 1, true);
    y = dw(y, stride);
    y = conv(y, cout, 1, 1, false);
    if (stride === 1 && cout === inC && h === inH) {
      const addInt8 = int8
        ? { leftShift: 20, aMult: 1 << 30, aShift: 0, bMult: 1 << 30, bShift: 0, outMult: 1 << 30, outShift: -19, actMin: -128, actMax: 127 }
        : undefined;
      y = b.node('add', [y, skip], t([1, h, h, c]), {}, addInt8);
    }
    x = y;
  }
  const pooled = b.node('mean', [x], t([1, 1, 1, c]), { axes: [1, 2] }, int8 ? { outMult: 1 << 30, outShift: -3 } : undefined);
  const flat = b.g.uniqueName('flat');
  b.g.addTensor({ name: flat, dtype: act, shape: [1, c], quant: b.g.tensor(pooled).quant });
  b.g.nodes.push({ op: 'reshape', name: 'flatten', inputs: [pooled], outputs: [flat], attrs: {} });
  const classes = 10;
  const fcW = b.constant(act, [classes, c]);
  const fcExtras = int8 ? s8ConvExtras(b, classes) : [b.constant('f32', [classes])];
  let logits = b.node('fully_connected', [flat, fcW, ...fcExtras], t([1, classes]), {}, int8Act);
  if (int8) logits = b.node('dequantize', [logits], { dtype: 'f32', shape: [1, classes] }, {});
  const probs = b.node('softmax', [logits], { dtype: 'f32', shape: [1, classes] }, { axis: -1, beta: 1 });
  b.g.meta = { sourceFormat: 'ir', sourceName: `mobilenet-like-${seed}`, labels: Array.from({ length: classes }, (_, i) => `class ${i}`) };
  return b.output(probs);
}

/** A chain of fully_connected / elementwise ops on [1, n] tensors with random widths. */
export function chainGraph(seed: number, length = 20, randomWeights = false): Graph {
  const b = new Builder(rng(seed), !randomWeights);
  const r = b.r;
  let n = randInt(r, 4, 512);
  let x = b.input('x', 'f32', [1, n]);
  for (let i = 0; i < length; i++) {
    if (r() < 0.6) {
      const m = randInt(r, 4, 512);
      x = b.node('fully_connected', [x, b.constant('f32', [m, n]), ''], { dtype: 'f32', shape: [1, m] }, {});
      n = m;
    } else {
      const op = (['sigmoid', 'tanh', 'hard_swish'] as const)[randInt(r, 0, 2)];
      x = b.node(op, [x], { dtype: 'f32', shape: [1, n] }, {});
    }
  }
  return b.output(x);
}

/**
 * A random DAG on [1, n] f32 tensors: fully_connected (size change), unary elementwise, add (same
 * shape or broadcast from [1, 1]), concat, reshape (alias). Several graph outputs, some inputs
 * reused late, so lifetimes interleave.
 */
export function randomDag(seed: number, nodes = 40, randomWeights = false): Graph {
  const b = new Builder(rng(seed), !randomWeights);
  const r = b.r;
  const width = (name: string) => b.g.tensor(name).shape.at(-1)!;
  const live: string[] = [];
  const inputs = randInt(r, 1, 3);
  for (let i = 0; i < inputs; i++) live.push(b.input(`in${i}`, 'f32', [1, randInt(r, 1, 300)]));
  const pick = () => live[Math.floor(Math.pow(r(), 0.5) * live.length)]; // favour recent tensors
  for (let i = 0; i < nodes; i++) {
    const kind = r();
    const a = pick();
    let y: string;
    if (kind < 0.3) {
      const m = randInt(r, 1, 400);
      y = b.node('fully_connected', [a, b.constant('f32', [m, width(a)]), r() < 0.5 ? '' : b.constant('f32', [m])], { dtype: 'f32', shape: [1, m] }, {});
    } else if (kind < 0.5) {
      const op = (['sigmoid', 'tanh', 'clamp', 'leaky_relu'] as const)[randInt(r, 0, 3)];
      const attrs = op === 'clamp' ? { min: -1, max: 1 } : op === 'leaky_relu' ? { alpha: 0.1 } : {};
      y = b.node(op, [a], { dtype: 'f32', shape: [1, width(a)] }, attrs as never);
    } else if (kind < 0.7) {
      const same = live.filter((t) => width(t) === width(a));
      const other = r() < 0.7 ? same[Math.floor(r() * same.length)] : b.constant('f32', [1, 1]);
      const [p, q] = r() < 0.5 ? [a, other] : [other, a];
      y = b.node((['add', 'mul', 'sub'] as const)[randInt(r, 0, 2)], [p, q], { dtype: 'f32', shape: [1, width(a)] }, {});
    } else if (kind < 0.85) {
      const c2 = pick();
      y = b.node('concat', [a, c2], { dtype: 'f32', shape: [1, width(a) + width(c2)] }, { axis: 1 });
    } else {
      y = b.g.uniqueName(`view${i}`);
      b.g.addTensor({ name: y, dtype: 'f32', shape: [width(a), 1] });
      b.g.nodes.push({ op: 'reshape', name: `n_reshape_${i}`, inputs: [a], outputs: [y], attrs: {} });
      // keep later ops on [1, n] tensors: reshape back
      const z = b.g.uniqueName(`flat${i}`);
      b.g.addTensor({ name: z, dtype: 'f32', shape: [1, width(a)] });
      b.g.nodes.push({ op: 'reshape', name: `n_reshape_back_${i}`, inputs: [y], outputs: [z], attrs: {} });
      y = z;
    }
    live.push(y);
  }
  const outs = new Set<string>([live[live.length - 1]]);
  const extra = randInt(r, 0, 3);
  for (let i = 0; i < extra; i++) outs.add(live[randInt(r, inputs, live.length - 1)] ?? live[live.length - 1]);
  return b.output(...outs);
}

/**
 * One node of (nearly) every opcode with non-default attributes, so each param word is exercised.
 * f32: every float op. int8: the int8 forms (quantize in, dequantize out).
 */
export function everyOpGraph(int8: boolean, seed = 11): Graph {
  const b = new Builder(rng(seed));
  const r = b.r;
  if (!int8) {
    const f = (shape: number[]) => ({ dtype: 'f32' as DType, shape });
    const x = b.input('x', 'f32', [1, 8, 8, 4]);
    const c = b.node('conv2d', [x, b.constant('f32', [6, 3, 3, 2]), b.constant('f32', [6])], f([1, 4, 4, 6]),
      { strides: [2, 2], dilations: [1, 1], pads: [1, 0, 1, 1], group: 2, activation: { min: 0, max: 6 } });
    const d = b.node('depthwise_conv2d', [c, b.constant('f32', [3, 3, 12]), ''], f([1, 2, 2, 12]),
      { strides: [2, 2], dilations: [2, 2], pads: [2, 2, 1, 1], depthMultiplier: 2, activation: { min: -1, max: Infinity } });
    const mp = b.node('max_pool2d', [d], f([1, 2, 2, 12]),
      { kernel: [2, 2], strides: [1, 1], dilations: [1, 1], pads: [0, 0, 1, 1], countIncludePad: false });
    const ap = b.node('average_pool2d', [mp], f([1, 1, 1, 12]),
      { kernel: [2, 3], strides: [2, 3], dilations: [1, 1], pads: [0, 1, 0, 0], countIncludePad: true, activation: { min: 0, max: Infinity } });
    const pd = b.node('pad', [ap], f([1, 2, 3, 12]), { mode: 'reflect', value: 0.5, begin: [0, 1, 1, 0], end: [0, 0, 1, 0] });
    const tp = b.node('transpose', [pd], f([1, 12, 2, 3]), { perm: [0, 3, 1, 2] });
    const cc = b.node('concat', [tp, tp], f([1, 12, 2, 6]), { axis: -1 });
    const mn = b.node('mean', [cc], f([1, 12, 1, 1]), { axes: [2, -1] });
    const flat = 'flat';
    b.g.addTensor({ name: flat, dtype: 'f32', shape: [1, 12] });
    b.g.nodes.push({ op: 'reshape', name: 'flatten', inputs: [mn, ''], outputs: [flat], attrs: {} });
    const fc = b.node('fully_connected', [flat, b.constant('f32', [5, 12]), b.constant('f32', [5])], f([1, 5]), { activation: { min: -2, max: 2 } });
    const mm = b.node('matmul', [fc, b.constant('f32', [5, 5])], f([1, 5]), {});
    const ad = b.node('add', [mm, fc], f([1, 5]), { activation: { min: 0, max: Infinity } });
    const sb = b.node('sub', [ad, b.constant('f32', [1])], f([1, 5]), {});
    const ml = b.node('mul', [sb, sb], f([1, 5]), {});
    const dv = b.node('div', [ml, b.constant('f32', [1, 5])], f([1, 5]), { activation: { min: -3, max: 3 } });
    const cl = b.node('clamp', [dv], f([1, 5]), { min: -0.5, max: 0.75 });
    const lr = b.node('leaky_relu', [cl], f([1, 5]), { alpha: 0.125 });
    const sg = b.node('sigmoid', [lr], f([1, 5]), {});
    const th = b.node('tanh', [sg], f([1, 5]), {});
    const hs = b.node('hard_swish', [th], f([1, 5]), {});
    const sm = b.node('softmax', [hs], f([1, 5]), { axis: 1, beta: 0.5 });
    const cp = b.node('copy', [sm], f([1, 5]), {});
    b.g.meta = { sourceFormat: 'ir', sourceName: 'every-op-f32', sourceHash: 'ab'.repeat(32) };
    return b.output(cp, fc);
  }
  const q = () => ({ scale: [0.01 + r() * 0.1], zeroPoint: [randInt(r, -30, 30)] });
  const s = (shape: number[]) => ({ dtype: 's8' as DType, shape, quant: q() });
  const perChannel = (n: number) => ({ scale: Array.from({ length: n }, () => 0.001 + r() * 0.01), zeroPoint: Array(n).fill(0), axis: 0 });
  const x = b.input('x', 'f32', [1, 6, 6, 3]);
  const qx = b.node('quantize', [x], s([1, 6, 6, 3]), {});
  const c = b.node('conv2d', [qx, b.constant('s8', [4, 3, 3, 3], undefined, perChannel(4)), ...s8ConvExtras(b, 4)], s([1, 6, 6, 4]),
    { strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], group: 1, activation: { min: 0, max: Infinity } }); // act bounds from quant
  const d = b.node('depthwise_conv2d', [c, b.constant('s8', [3, 3, 4]), '', ...s8ConvExtras(b, 4).slice(1)], s([1, 3, 3, 4]),
    { strides: [2, 2], dilations: [1, 1], pads: [1, 1, 0, 0], depthMultiplier: 1 }, { actMin: -100, actMax: 90 });
  const same = (of: string, shape: number[]) => ({ dtype: 's8' as DType, shape, quant: b.g.tensor(of).quant });
  const mp = b.node('max_pool2d', [d], same(d, [1, 2, 2, 4]),
    { kernel: [2, 2], strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], countIncludePad: false }, { actMin: -128, actMax: 127 });
  const ad = b.node('add', [mp, mp], s([1, 2, 2, 4]), {},
    { leftShift: 20, aMult: 1518500250, aShift: -1, bMult: 1073741824, bShift: 0, outMult: 2003021809, outShift: -18, actMin: -120, actMax: 127 });
  const ml = b.node('mul', [ad, b.constant('s8', [4], undefined, q())], s([1, 2, 2, 4]), {}, { outMult: 1234567890, outShift: -7 });
  const cl = b.node('clamp', [ml], same(ml, [1, 2, 2, 4]), { min: -1, max: 1 });
  const lut = b.node('lut', [cl, b.constant('s8', [256])], s([1, 2, 2, 4]), {});
  const mn = b.node('mean', [lut], s([1, 1, 1, 4]), { axes: [1, 2] }, { outMult: 1431655765, outShift: -1 });
  const pd = b.node('pad', [mn], same(mn, [1, 1, 2, 4]), { mode: 'constant', value: 0.25, begin: [0, 0, 1, 0], end: [0, 0, 0, 0] });
  const tp = b.node('transpose', [pd], same(pd, [1, 4, 1, 2]), { perm: [0, 3, 1, 2] });
  const cc = b.node('concat', [tp, tp], same(tp, [1, 4, 2, 2]), { axis: 2 }); // s8 concat keeps its inputs' params
  const rq = b.node('requantize', [cc], s([1, 4, 2, 2]), {}, { outMult: 1900000000, outShift: 2 });
  const fc = b.node('fully_connected', [rq, b.constant('s8', [3, 16]), ...s8ConvExtras(b, 3)], s([1, 3]), {});
  const sm = b.node('softmax', [fc], s([1, 3]), { axis: -1, beta: 1 }, { inputMultiplier: 1717986918, inputLeftShift: 22, diffMin: -248 });
  const dq = b.node('dequantize', [sm], { dtype: 'f32', shape: [1, 3] }, {});
  b.g.meta = { sourceFormat: 'ir', sourceName: 'every-op-s8', labels: ['a', 'b', 'c'] };
  return b.output(dq);
}
