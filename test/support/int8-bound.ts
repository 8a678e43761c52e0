// The int8 error bound of test/onnx-conformance-int8.test.ts (its header states the rules): per
// tensor of an int8 graph, a per-element bound on |dequantized int8 value − exact float value|,
// propagated from the quantization parameters and the float graph's values only. Shared with the
// tests that check other ONNX models after PTQ against ONNX Runtime within the same bound.
// transpose_conv2d takes conv2d's rule: the same sums, over the taps that reach each output.
import { type Activation, type Graph, type Node, type OpName, type ResizeAttrs, type Tensor, type TensorData, type UnaryAttrs, numel } from '../../converter/ir/graph.js';
import { filterTable, needsFilterTable } from '../../converter/reference/resize-coords.js';
import { floatKernels } from '../../converter/reference/float/index.js';
import { unaryFunction } from '../../converter/reference/float/unary-math.js';
import { meanMultiplier } from '../../converter/reference/int8/mean.js';
import { broadcastStrides } from '../../converter/reference/tensor-util.js';

// Quantization helpers (TFLite's formulas; only scales and zero points enter the bound)

interface Qp {
  scale: number;
  zeroPoint: number;
}

export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

export function qpOf(t: Tensor): Qp {
  if (!t.quant || t.quant.scale.length !== 1) throw new Error(`tensor '${t.name}' is not quantized per tensor`);
  return { scale: Math.fround(t.quant.scale[0]), zeroPoint: t.quant.zeroPoint[0] };
}

export const codeToReal = (q: Qp, code: number) => q.scale * (code - q.zeroPoint);

export function quantizeValues(x: Float32Array, q: Qp): Int8Array {
  return Int8Array.from(x, (v) => Math.max(-128, Math.min(127, roundHalfAway(Math.fround(v / q.scale)) + q.zeroPoint)));
}

/** A float clamp bound as int8 represents it (TFLite's CalculateActivationRangeQuantized). */
function boundAsInt8(f: number, q: Qp, saturated: number): number {
  if (!Number.isFinite(f)) return codeToReal(q, saturated);
  const code = q.zeroPoint + roundHalfAway(Math.fround(f / q.scale));
  return codeToReal(q, Math.max(-128, Math.min(127, code)));
}

// ---------------------------------------------------------------------------------------------
// Running the float reference kernels on bound arrays (they compute Σ|w|·e etc. over the exact
// receptive fields, with the exact padding and broadcasting of each op).

interface Arr {
  data: Float32Array;
  shape: number[];
}

function kernel(op: OpName, attrs: unknown, inputs: (Arr | undefined)[], outShape: number[]): Float32Array {
  const k = floatKernels[op];
  if (!k) throw new Error(`no float kernel for '${op}'`);
  const node = { op, name: `bound_${op}`, inputs: inputs.map((v, i) => (v ? `i${i}` : '')), outputs: ['o'], attrs } as Node;
  const values = inputs.map((v) => v && { data: v.data, shape: v.shape, dtype: 'f32' as const });
  return k(node, values, [{ name: 'o', dtype: 'f32', shape: outShape }])[0] as Float32Array;
}

const map = (a: Float32Array, f: (v: number, i: number) => number) => Float32Array.from(a, f);
const abs = (a: Float32Array) => map(a, Math.abs);
const plus = (a: Float32Array, b: Float32Array) => map(a, (v, i) => v + b[i]);
const filled = (n: number, v: number) => new Float32Array(n).fill(v);
const withoutActivation = (attrs: unknown) => ({ ...(attrs as object), activation: undefined });

/** The per-element double-rounding bound s·(½ + ½·2^−k) of a TFLM requantization with `shift`. */
const roundingOf = (scale: number, shift: number) => scale * (0.5 + 0.5 * 2 ** -Math.max(0, -shift));

/** Lipschitz constants and table errors of the unary ops that become a lookup table. */
function unaryRule(node: Node, outScale: number): { lipschitz: number; table: (y: number, ex: number) => number } {
  switch (node.op) {
    case 'sigmoid':
      return { lipschitz: 0.25, table: () => 0.5 * outScale + 2 ** -14 };
    case 'tanh':
      return { lipschitz: 1, table: () => 0.5 * outScale + 2 ** -14 };
    case 'hard_swish':
      return { lipschitz: 1.5, table: () => 0.5 * outScale };
    case 'leaky_relu': {
      const l = Math.max(1, Math.abs((node as Node<'leaky_relu'>).attrs.alpha));
      return { lipschitz: l, table: (y, ex) => outScale + 2 ** -30 * (Math.abs(y) + l * ex) };
    }
    default:
      throw new Error(`no lookup-table rule for '${node.op}'`);
  }
}

/** sup |g(t) − y| over |t − x| <= e: endpoints and 256 steps between, with 1/64 slack. */
export function unaryVariation(g: (v: number) => number, x: number, e: number, y: number): number {
  const fx = y;
  let m = 0;
  for (let k = 0; k <= 256; k++) m = Math.max(m, Math.abs(g(x - e + (2 * e * k) / 256) - fx));
  return m * (1 + 2 ** -6);
}

/** max of `e` along `axis` (kept as size 1), broadcast back over the axis. */
function rowMaxAlong(e: Float32Array, shape: number[], axis: number): Float32Array {
  const ax = axis < 0 ? axis + shape.length : axis;
  const len = shape[ax];
  const inner = numel(shape.slice(ax + 1));
  const outer = numel(shape.slice(0, ax));
  const out = new Float32Array(e.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let m = 0;
      for (let k = 0; k < len; k++) m = Math.max(m, e[base + k * inner]);
      for (let k = 0; k < len; k++) out[base + k * inner] = m;
    }
  }
  return out;
}

/** For each element of `outShape`, the flat index into an operand of each of `shapes` (numpy broadcasting). */
function broadcastIndex(outShape: number[], shapes: number[][]): Int32Array[] {
  const n = numel(outShape);
  return shapes.map((s) => {
    const st = broadcastStrides(s, outShape);
    return Int32Array.from({ length: n }, (_, o) => {
      let rest = o, k = 0;
      for (let d = outShape.length - 1; d >= 0; d--) {
        const c = rest % outShape[d];
        rest = (rest - c) / outShape[d];
        k += c * st[d];
      }
      return k;
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Bound propagation over the int8 graph

/** Error-bound propagation. `floatValues`: every tensor of the optimized float graph on the test input. */
export class BoundPropagator {
  private readonly err = new Map<string, Float32Array>();
  /** int8-graph tensor name → the float graph's tensor holding the same real values. */
  private readonly alias = new Map<string, string>();
  private readonly floatNodes: Map<string, Node>;

  constructor(private readonly fg: Graph, private readonly qg: Graph, private readonly floatValues: Map<string, TensorData>) {
    this.floatNodes = new Map(fg.nodes.map((n) => [n.name, n]));
  }

  /** Bounds of every graph output. */
  run(): Float32Array[] {
    for (const name of this.qg.inputs) {
      const x = this.val(name);
      const q = qpOf(this.qg.tensor(name));
      const [lo, hi] = [codeToReal(q, -128), codeToReal(q, 127)];
      this.err.set(name, map(x, (v) => 0.5 * q.scale + Math.max(0, lo - v, v - hi)));
    }
    for (const node of this.qg.nodes) {
      const twin = this.floatNodes.get(node.name);
      if (twin) {
        node.inputs.forEach((t, i) => t && t !== twin.inputs[i] && this.alias.set(t, twin.inputs[i]));
        node.outputs.forEach((t, i) => t !== twin.outputs[i] && this.alias.set(t, twin.outputs[i]));
      } else if (node.op === 'dequantize' || node.op === 'quantize' || node.op === 'requantize') {
        this.alias.set(node.outputs[0], this.alias.get(node.inputs[0]) ?? node.inputs[0]);
      } else if (node.op !== 'log_softmax') {
        // (log_softmax: the quantizer fused the float graph's chain; its input and output keep their names.)
        throw new Error(`bound: int8 node '${node.name}' (${node.op}) has no float counterpart`);
      }
      try {
        this.err.set(node.outputs[0], node.int8 || this.isS8(node.outputs[0]) && node.op !== 'quantize' ? this.int8Rule(node, twin) : this.floatRule(node, twin));
      } catch (e) {
        throw new Error(`bound for ${node.op} '${node.name}': ${(e as Error).message}`);
      }
    }
    return this.qg.outputs.map((o) => this.errOf(o));
  }

  private isS8(name: string): boolean {
    return this.qg.tensor(name).dtype === 's8';
  }

  private shape(name: string): number[] {
    return (this.qg.tensors.get(name) ?? this.fg.tensor(name)).shape;
  }

  /** The exact float value of an int8-graph tensor (or constant). */
  val(name: string): Float32Array {
    const f = this.alias.get(name) ?? name;
    const v = this.floatValues.get(f) ?? this.fg.tensors.get(f)?.data;
    if (!(v instanceof Float32Array)) throw new Error(`no float value for '${name}'`);
    return v;
  }

  private arr(name: string, data = this.val(name)): Arr {
    return { data, shape: this.shape(name) };
  }

  private errOf(name: string): Float32Array {
    const e = this.err.get(name);
    if (e) return e;
    const t = this.qg.tensor(name);
    if (!t.data) throw new Error(`no bound for '${name}' yet`);
    // A constant operand: s8 per tensor rounds to ½·s (its range is inside its qparams); f32 is exact.
    const n = numel(t.shape);
    return t.dtype === 's8' ? filled(n, 0.5 * qpOf(t).scale) : filled(n, 0);
  }

  /** The exact value of a bool tensor (0 / 1 bytes) of the float graph. */
  private boolVal(name: string): Uint8Array {
    const f = this.alias.get(name) ?? name;
    const v = this.floatValues.get(f) ?? this.fg.tensors.get(f)?.data;
    if (!(v instanceof Uint8Array)) throw new Error(`no bool value for '${name}'`);
    return v;
  }

  /**
   * compare, logical and select. A bool tensor's "bound" is a flag per element: 0 when its value is
   * the float graph's for sure, 1 when it may differ (the operands lie too close to decide).
   *   compare: certain when |a − b| > e_a + e_b + m, m = 0 for the f32 op; for TFLM's int8 op,
   *            which compares each operand rescaled to round(x·2^8) (its multiplier the scale, double
   *            rounding: ≤ 2^−8 per operand, plus 2^−31 relative for the Q31 multiplier),
   *            m = 2·2^−8 + 2^−29·(|a| + |b| + e_a + e_b);
   *   logical: uncertain where an operand is;
   *   select:  certain condition: the chosen operand's e; else max(e_a, e_b) + |a − b| (either may
   *            be chosen); the codes are copied on one grid, so no rounding is added.
   */
  private logicRule(node: Node): Float32Array {
    const outShape = this.shape(node.outputs[0]);
    const idx = broadcastIndex(outShape, node.inputs.map((t) => this.shape(t)));
    const n = numel(outShape);
    switch (node.op) {
      case 'compare': {
        const [a, b] = node.inputs;
        const [ia, ib] = idx;
        const av = this.val(a), bv = this.val(b), ea = this.errOf(a), eb = this.errOf(b);
        return Float32Array.from({ length: n }, (_, o) => {
          const spread = ea[ia[o]] + eb[ib[o]];
          const x = av[ia[o]], y = bv[ib[o]];
          const m = node.int8 ? 2 * 2 ** -8 + 2 ** -29 * (Math.abs(x) + Math.abs(y) + spread) : 0;
          return Math.abs(x - y) > spread + m ? 0 : 1;
        });
      }
      case 'logical':
        return Float32Array.from({ length: n }, (_, o) => (node.inputs.some((t, j) => this.errOf(t)[idx[j][o]] !== 0) ? 1 : 0));
      case 'select': {
        const [c, a, b] = node.inputs;
        const [ic, ia, ib] = idx;
        const cv = this.boolVal(c), fc = this.errOf(c), av = this.val(a), bv = this.val(b), ea = this.errOf(a), eb = this.errOf(b);
        return Float32Array.from({ length: n }, (_, o) => {
          if (fc[ic[o]] === 0) return cv[ic[o]] !== 0 ? ea[ia[o]] : eb[ib[o]];
          return Math.max(ea[ia[o]], eb[ib[o]]) + Math.abs(av[ia[o]] - bv[ib[o]]);
        });
      }
      default:
        throw new Error(`no logic rule for '${node.op}'`);
    }
  }

  private earr(name: string): Arr {
    return { data: this.errOf(name), shape: this.shape(name) };
  }

  /** |clamp(z, A, B) − y| with [A, B] the activation interval `act` as int8 represents it on `out`. */
  private activationTerm(out: string, z: Float32Array, act: Activation | undefined): Float32Array {
    const q = qpOf(this.qg.tensor(out));
    const a = boundAsInt8(act?.min ?? -Infinity, q, -128);
    const b = boundAsInt8(act?.max ?? Infinity, q, 127);
    const y = this.val(out);
    return map(z, (v, i) => Math.abs(Math.min(Math.max(v, a), b) - y[i]));
  }

  private int8Rule(node: Node, twin: Node | undefined): Float32Array {
    if (node.op === 'compare' || node.op === 'select') return this.logicRule(node);
    const out = node.outputs[0];
    const outShape = this.shape(out);
    const sOut = this.isS8(out) ? qpOf(this.qg.tensor(out)).scale : 0;
    const y = this.val(out);
    const act = (node.attrs as { activation?: Activation }).activation;
    const zOf = () => (act ? kernel(node.op, withoutActivation(twin!.attrs), twin!.inputs.map((t) => (t ? this.arr(t) : undefined)), outShape) : y);
    const x0 = node.inputs[0];
    switch (node.op) {
      case 'reshape':
      case 'copy':
        return this.errOf(x0);
      case 'transpose':
      case 'strided_slice':
        return kernel(node.op, node.attrs, [this.earr(x0)], outShape);
      case 'concat':
        return kernel('concat', node.attrs, node.inputs.map((t) => this.earr(t)), outShape);
      case 'maximum':
      case 'minimum':
        // |max(a + ea, b + eb) − max(a, b)| <= max(|ea|, |eb|), and so for min; the operands share
        // the output's grid, so the op adds no rounding.
        return kernel('maximum', {}, node.inputs.map((t) => this.earr(t)), outShape);
      case 'reduce_max':
      case 'reduce_min':
        // |max_i (x_i + e_i) − max_i x_i| <= max_i |e_i| (so for min), on the input's grid; an
        // empty reduction gives the start value both ways (error 0).
        return map(kernel('reduce_max', node.attrs, [this.earr(x0)], outShape), (v) => Math.max(v, 0));
      case 'pad': {
        const a = (node as Node<'pad'>).attrs;
        const q = qpOf(this.qg.tensor(out));
        const code = Math.max(-128, Math.min(127, roundHalfAway(a.value / q.scale) + q.zeroPoint));
        return kernel('pad', { ...a, value: Math.abs(codeToReal(q, code) - a.value) }, [this.earr(x0)], outShape);
      }
      case 'clamp': {
        const a = (twin as Node<'clamp'>).attrs;
        const c = this.activationTerm(out, this.val(x0), { min: a.min, max: a.max });
        return plus(this.errOf(x0), c);
      }
      case 'resize': {
        // nearest: e moves with the data. bilinear (TFLM's Q10 fixed point): the blend of e_x,
        // plus the Q10 fractions' rounding (≤ 2^−11 per axis, each moving the value by at most
        // |v_hi − v_lo| ≤ 2·max|x̂|: 2^−9·max|x̂| for both axes), plus ½·s_out for the final rounding.
        if (needsFilterTable(node.attrs as ResizeAttrs)) {
          return resizeFilterBound(node.attrs as ResizeAttrs, this.arr(x0), this.errOf(x0), qpOf(this.qg.tensor(out)), this.activationTerm(out, y, undefined));
        }
        const e = kernel('resize', node.attrs, [this.earr(x0)], outShape);
        if ((node as Node<'resize'>).attrs.mode === 'nearest') return e;
        const ex = this.errOf(x0), x = this.val(x0);
        const maxX = x.reduce((m, v, i) => Math.max(m, Math.abs(v) + ex[i]), 0);
        return map(e, (v) => v + 2 ** -9 * maxX + 0.5 * sOut);
      }
      case 'max_pool2d':
        return plus(kernel('max_pool2d', withoutActivation(node.attrs), [this.earr(x0)], outShape), this.activationTerm(out, zOf(), act));
      case 'average_pool2d': {
        const e = kernel('average_pool2d', withoutActivation(node.attrs), [this.earr(x0)], outShape);
        const c = this.activationTerm(out, zOf(), act);
        return map(e, (v, i) => v + 0.5 * sOut + c[i]);
      }
      case 'mean': {
        const n = numel(this.shape(x0)) / numel(outShape);
        const adj = meanMultiplier(node.int8!.outMult!, node.int8!.outShift!, n);
        const e = kernel('mean', node.attrs, [this.earr(x0)], outShape);
        const mag = kernel('mean', node.attrs, [this.arr(x0, plus(abs(this.val(x0)), this.errOf(x0)))], outShape);
        const c = this.activationTerm(out, y, undefined);
        return map(e, (v, i) => v + roundingOf(sOut, adj.shift) + 2 ** -28 * mag[i] + c[i]);
      }
      case 'reduce_sum': {
        // As mean, without the 1/n: e = Σ e_x + the output rounding (TFLM's multiplier unchanged).
        const e = kernel('reduce_sum', node.attrs, [this.earr(x0)], outShape);
        const mag = kernel('reduce_sum', node.attrs, [this.arr(x0, plus(abs(this.val(x0)), this.errOf(x0)))], outShape);
        const c = this.activationTerm(out, y, undefined);
        return map(e, (v, i) => v + roundingOf(sOut, node.int8!.outShift!) + 2 ** -28 * mag[i] + c[i]);
      }
      case 'requantize': {
        const e = this.errOf(x0);
        const x = this.val(x0);
        const c = this.activationTerm(out, y, undefined);
        return map(e, (v, i) => v + roundingOf(sOut, node.int8!.outShift!) + 2 ** -30 * (Math.abs(x[i]) + v) + c[i]);
      }
      case 'add':
      case 'sub': {
        const [a, b] = node.inputs;
        const p = node.int8!;
        const sa = this.operandScale(a);
        const sb = this.operandScale(b);
        const unit = (2 * Math.max(sa, sb)) / 2 ** 20;
        const inter = unit * (roundingOf(1, p.aShift!) + roundingOf(1, p.bShift!));
        const e = kernel('add', {}, [this.earr(a), this.earr(b)], outShape);
        const mag = kernel('add', {}, [this.arr(a, plus(abs(this.val(a)), this.errOf(a))), this.arr(b, plus(abs(this.val(b)), this.errOf(b)))], outShape);
        const c = this.activationTerm(out, zOf(), act);
        return map(e, (v, i) => v + roundingOf(sOut, p.outShift!) + inter + 2 ** -30 * mag[i] + c[i]);
      }
      case 'mul': {
        const [a, b] = node.inputs;
        const absA = abs(this.val(a));
        const absB = abs(this.val(b));
        const ea = this.errOf(a);
        const eb = this.errOf(b);
        const e1 = kernel('mul', {}, [this.arr(a, ea), this.arr(b, plus(absB, eb))], outShape);
        const e2 = kernel('mul', {}, [this.arr(a, absA), this.arr(b, eb)], outShape);
        const mag = kernel('mul', {}, [this.arr(a, plus(absA, ea)), this.arr(b, plus(absB, eb))], outShape);
        const c = this.activationTerm(out, zOf(), act);
        return map(e1, (v, i) => v + e2[i] + roundingOf(sOut, node.int8!.outShift!) + 2 ** -30 * mag[i] + c[i]);
      }
      case 'conv2d':
      case 'depthwise_conv2d':
      case 'fully_connected':
      case 'transpose_conv2d':
        return this.weightedRule(node, twin!, zOf());
      case 'lut': {
        if (twin!.op === 'unary') {
          // The table holds g(x̂) = f(x̂) clamped to the output's range (NaN: the zero point, 0),
          // rounded: |ŷ − y| <= sup over |t − x| <= e_x of |g(t) − y| (sampled; the functions are
          // smooth or monotone; the clamp included) + ½·s_out.
          const a = twin!.attrs as UnaryAttrs;
          const f = unaryFunction(a.fn, a.alpha ?? 0, a.gamma ?? 0);
          const q = qpOf(this.qg.tensor(out));
          const [lo, hi] = [codeToReal(q, -128), codeToReal(q, 127)];
          const g = (t: number) => {
            const v = f(t);
            return Number.isNaN(v) ? 0 : Math.min(Math.max(v, lo), hi);
          };
          const xs = this.val(x0);
          return map(this.errOf(x0), (v, i) => unaryVariation(g, xs[i], v, y[i]) + 0.5 * sOut);
        }
        const rule = unaryRule(twin!, sOut);
        const ex = this.errOf(x0);
        const c = this.activationTerm(out, y, undefined);
        return map(ex, (v, i) => rule.table(y[i], v) + rule.lipschitz * v + c[i]);
      }
      case 'softmax': {
        const a = (node as Node<'softmax'>).attrs;
        const shape = this.shape(x0);
        const rows = rowMaxAlong(this.errOf(x0), shape, a.axis);
        const n = shape[a.axis < 0 ? a.axis + shape.length : a.axis];
        const c = this.activationTerm(out, y, undefined);
        return map(rows, (v, i) => 0.5 * a.beta * v + 0.5 * sOut + 2 ** -14 + n * 2 ** -19 + c[i]);
      }
      case 'log_softmax': {
        const shape = this.shape(x0);
        const ex = this.errOf(x0);
        const rows = rowMaxAlong(ex, shape, -1);
        const n = shape[shape.length - 1];
        const c = this.activationTerm(out, y, undefined);
        return map(rows, (v, i) => ex[i] + v + 0.5 * sOut + 2 ** -14 + n * 2 ** -19 + c[i]);
      }
      default:
        throw new Error(`no int8 error rule for '${node.op}'`);
    }
  }

  /** Scale of an add/sub operand (an activation or a constant quantized per tensor). */
  private operandScale(name: string): number {
    return qpOf(this.qg.tensor(name)).scale;
  }

  private weightedRule(node: Node, twin: Node, z: Float32Array): Float32Array {
    const out = node.outputs[0];
    const outShape = this.shape(out);
    const [x0, wq] = node.inputs;
    const qw = this.qg.tensor(wq).quant!;
    const axis = qw.axis ?? 0;
    const w = this.val(twin.inputs[1]);
    const wShape = this.shape(wq);
    const inner = numel(wShape.slice(axis + 1));
    const channels = wShape[axis];
    const halfSw = map(w, (_, i) => 0.5 * qw.scale[Math.floor(i / inner) % channels]);
    const wAbsPlus = plus(abs(w), halfSw);
    const sx = qpOf(this.qg.tensor(x0)).scale;
    const hasBias = twin.inputs[2] !== '' && twin.inputs[2] !== undefined;
    const biasErr = Float32Array.from(qw.scale, (s) => (hasBias ? 0.5 * sx * s : 0));
    const attrs = withoutActivation(node.attrs);
    const ex = this.errOf(x0);
    const absX = abs(this.val(x0));
    const warr = (data: Float32Array) => ({ data, shape: wShape });
    const barr = (data: Float32Array) => ({ data, shape: [channels] });
    const prop = kernel(node.op, attrs, [this.arr(x0, ex), warr(wAbsPlus), barr(biasErr)], outShape);
    const wRound = kernel(node.op, attrs, [this.arr(x0, absX), warr(halfSw)], outShape);
    const absB = hasBias ? abs(this.val(twin.inputs[2])) : new Float32Array(channels);
    const mag = kernel(node.op, attrs, [this.arr(x0, plus(absX, ex)), warr(wAbsPlus), barr(plus(absB, biasErr))], outShape);
    const sOut = qpOf(this.qg.tensor(out)).scale;
    const shifts = this.qg.tensor(node.inputs[4]).data as Int32Array;
    const outChannels = outShape[outShape.length - 1];
    if (shifts.length !== outChannels) throw new Error(`${shifts.length} shifts for ${outChannels} output channels`);
    const c = this.activationTerm(out, z, (node.attrs as { activation?: Activation }).activation);
    return map(prop, (v, i) => v + wRound[i] + roundingOf(sOut, shifts[i % outChannels]) + 2 ** -30 * mag[i] + c[i]);
  }

  /** Dequantize, quantize and the f32 ops of a mixed-precision graph. */
  private floatRule(node: Node, twin: Node | undefined): Float32Array {
    const out = node.outputs[0];
    const outShape = this.shape(out);
    const x0 = node.inputs[0];
    switch (node.op) {
      case 'compare':
      case 'logical':
      case 'select':
        return this.logicRule(node);
      case 'dequantize':
        return this.errOf(x0);
      case 'quantize': {
        const q = qpOf(this.qg.tensor(out));
        const c = this.activationTerm(out, this.val(out), undefined);
        return map(this.errOf(x0), (v, i) => v + 0.5 * q.scale + c[i]);
      }
      case 'reshape':
      case 'copy':
        return this.errOf(x0);
      case 'transpose':
      case 'strided_slice':
      case 'max_pool2d':
      case 'average_pool2d':
      case 'mean':
        // Linear with non-negative weights (or a max): the op applied to the bounds bounds the error;
        // a fused activation is the same clamp on both sides (1-Lipschitz).
        return kernel(node.op, withoutActivation(node.attrs), [this.earr(x0)], outShape);
      case 'matmul': {
        const [a, b] = node.inputs;
        const e1 = kernel('matmul', {}, [this.earr(a), this.arr(b, plus(abs(this.val(b)), this.errOf(b)))], outShape);
        const e2 = kernel('matmul', {}, [this.arr(a, abs(this.val(a))), this.earr(b)], outShape);
        return plus(e1, e2);
      }
      case 'div': {
        const [a, b] = node.inputs;
        const absB = abs(this.val(b));
        const eb = this.errOf(b);
        const num = plus(
          kernel('mul', {}, [this.earr(a), this.arr(b, absB)], outShape),
          kernel('mul', {}, [this.arr(a, abs(this.val(a))), this.earr(b)], outShape),
        );
        const den = map(absB, (v, i) => v * Math.max(0, v - eb[i]));
        return kernel('div', {}, [{ data: num, shape: outShape }, this.arr(b, den)], outShape);
      }
      case 'softmax': {
        const a = (node as Node<'softmax'>).attrs;
        return map(rowMaxAlong(this.errOf(x0), this.shape(x0), a.axis), (v) => 0.5 * a.beta * v);
      }
      default:
        throw new Error(`no f32 error rule for '${node.op}'${twin ? '' : ' (no float counterpart)'}`);
    }
  }
}

/**
 * resize's filter table (cubic, antialias, tf_crop_and_resize) in Q10: with the exact weights w of
 * each axis (ONNX's, f64) and n taps an axis, e = Σ|wy||wx|·e_x (the input's error through the
 * filter) + M·(Δy·(Σ|wx| + Δx) + Σ|wy|·Δx) (the Q10 weights: each rounded within 2^−11 and the
 * position's residual, at most (n + 1)/2 steps, put on one, so Σ|ŵ − w| ≤ Δ = (n + ½)·2^−10; M =
 * max(|x| + e_x)) + ½·s_out (the final rounding) + dist(y, [L, H]) (saturation, where cubic
 * overshoots). A position outside the crop is the quantized extrapolation value: |deq − value|.
 */
function resizeFilterBound(a: ResizeAttrs, x: Arr, ex: Float32Array, q: Qp, saturation: Float32Array): Float32Array {
  const [n, h, w, c] = x.shape;
  const ty = filterTable(a, 0, h), tx = filterTable(a, 1, w);
  const [oh, ow] = a.size;
  const maxX = x.data.reduce((m, v, i) => Math.max(m, Math.abs(v) + ex[i]), 0);
  const sumAbs = (t: typeof ty, i: number) => t.weights.slice(i * t.taps, (i + 1) * t.taps).reduce((p, v) => p + Math.abs(v), 0);
  const dy = (ty.taps + 0.5) * 2 ** -10, dx = (tx.taps + 0.5) * 2 ** -10;
  const ev = a.extrapolationValue ?? 0;
  const outside = Math.abs(codeToReal(q, Math.max(-128, Math.min(127, roundHalfAway(ev / q.scale) + q.zeroPoint))) - ev);
  const e = new Float32Array(n * oh * ow * c);
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let yy = 0; yy < oh; yy++) {
      for (let xx = 0; xx < ow; xx++) {
        const sy = sumAbs(ty, yy), sx = sumAbs(tx, xx);
        for (let ch = 0; ch < c; ch++, o++) {
          if (ty.first[yy] < 0 || tx.first[xx] < 0) {
            e[o] = outside;
            continue;
          }
          let prop = 0;
          for (let i = 0; i < ty.taps; i++) {
            for (let j = 0; j < tx.taps; j++) {
              const k = ((b * h + ty.first[yy] + i) * w + tx.first[xx] + j) * c + ch;
              prop += Math.abs(ty.weights[yy * ty.taps + i] * tx.weights[xx * tx.taps + j]) * ex[k];
            }
          }
          e[o] = prop + maxX * (dy * (sx + dx) + sy * dx) + 0.5 * q.scale + saturation[o];
        }
      }
    }
  }
  return e;
}
