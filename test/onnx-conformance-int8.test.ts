// ONNX backend node tests (../shared/models/onnx_node) after int8 post-training quantization, against
// the outputs ONNX ships with each test, within a quantization-error bound derived per output element.
//
// Per test: the graph the f32 conformance test runs (Gemm/MatMul with B and C frozen into
// initializers, the form an exported model has, so their weights get the int8 FC path) is optimized
// and quantized with `quantize(g, { method: 'minmax', samples })`. The calibration set is the test's
// own input plus K = 4 seeded perturbations of it (each element + up to ±5 % of the input's largest
// magnitude). The unperturbed input is one of the samples, so with minmax every tensor's calibrated
// range covers its values on the test input: nothing is clipped except by the fixed output
// parameters TFLite imposes (sigmoid/softmax 1/256, tanh 1/128), and the bound accounts for that.
// The int8 graph runs on the reference interpreter and on both WASM builds (SIMD and scalar), whose
// output bytes must equal the reference interpreter's; the dequantized outputs are then compared
// with the expected float outputs.
//
// THE BOUND. For every tensor t of the int8 graph we carry a per-element bound e_t on |t̂ − t|, where
// t̂ is the dequantized int8 value and t the exact float value (the f32 reference interpreter on the
// test input). Only the quantization parameters (scales, zero points, requantization shifts) and
// the float data enter it, never the quantized weights or tables themselves, so a wrong weight,
// bias, bound or table cannot widen its own allowance. s_t is t's scale, [L_t, H_t] its representable
// interval s_t·([−128, 127] − zp_t), dist(y, [A, B]) = |clamp(y, A, B) − y|, and ‖·‖ runs over each
// output element's receptive field (the float kernel itself evaluates these sums, on |values|):
//   graph input      e = ½·s + dist(x, [L, H])
//   quantize (f32 → s8 at an f32 island's exit) e = e_in + ½·s + dist(y, [L, H])
//   requantizing ops add r = s_out·(½ + ½·2^−k) for TFLM's double rounding (SRDHM, then a rounding
//     right shift by k = max(0, −shift)) and 2^−30·|acc| for the Q31 multiplier (relative error
//     ≤ 2^−31), plus the activation/saturation term c = |clamp(z, A, B) − y|, where z is the
//     pre-activation float value, y = act(z) the float output, and [A, B] the fused activation
//     interval as int8 represents it (each finite bound quantized as TFLite does, else L or H);
//   conv2d / depthwise / fully_connected   e = Σ e_x·(|w| + ½·s_w[c])      (input rounding)
//                                             + Σ |x|·½·s_w[c]             (weight rounding)
//                                             + ½·s_x·s_w[c]               (int32 bias rounding)
//                                             + r + 2^−30·Σ(|x|+e_x)(|w|+½s_w) + c
//   add / sub        e = e_a + e_b + r + (½ + ½·2^−k_a + ½ + ½·2^−k_b)·2·max(s_a, s_b)/2^20 (TFLM's
//                    two input rescales at 20 bits of headroom) + 2^−30·(|a|+e_a+|b|+e_b) + c
//   mul              e = e_a·(|b|+e_b) + |a|·e_b + r + 2^−30·(|a|+e_a)(|b|+e_b) + c
//                    (a constant operand quantized per tensor has e = ½·s_const)
//   max_pool2d       e = max over the window of e_x + c        (max is 1-Lipschitz in ∞-norm)
//   average_pool2d   e = mean over the in-bounds taps of e_x + ½·s_out + c (rounded division)
//   mean             e = mean of e_x + r + 2^−28·mean(|x|+e_x) (TFLM folds 1/n into the multiplier,
//                    truncating: relative error ≤ 2^−29) + c
//   clamp            e = e_x + c                               (shared qparams, no rounding)
//   transpose, strided_slice, reshape, copy, concat  e moves with the data; concat's constant operands ½·s;
//   pad              padded elements: |deq(q(value)) − value| (0 for value 0), edge/reflect copy e
//   lut (sigmoid, tanh, hard_swish, leaky_relu)  e = τ + λ·e_x + dist(y, [L, H]) with the Lipschitz
//                    constants λ = ¼ (sigmoid), 1 (tanh), 3/2 (hard_swish: d/dx = (2x+3)/6 on
//                    [−3, 3]), max(1, |α|) (leaky_relu), and the table's own error τ: ½·s_out for
//                    a table sampled from f (hard_swish, TFLite's LUTPopulate), ½·s_out + 2^−14
//                    for TFLM's fixed-point logistic/tanh (gemmlowp's approximations are ~1e−6),
//                    s_out + 2^−30·(|y|+λe_x) for TFLM's leaky_relu (one double-rounded MBQM);
//   softmax (int8)   e = ½·β·max_row(e_x) + ½·s_out + 2^−14 + N·2^−19 + dist(y, [0, 255/256]):
//                    the Jacobian row of softmax has ℓ1 norm 2σ_i(1−σ_i) ≤ ½ for an ∞-norm
//                    perturbation of the logits; the fixed-point exp (≈1e−5 relative), the
//                    reciprocal and the Q12.19 sum of N exps (≤ 2^−19 each) stay within
//                    2^−14 + N·2^−19; the row max maps to ≈1 which saturates at 255/256.
//   f32 islands (mixed precision: the op has no int8 form here) run the float op on dequantized
//   inputs: dequantize keeps e; div e = (e_a|b| + |a|e_b)/(|b|(|b| − e_b)) (required |b| > e_b);
//   matmul e = Σ e_a(|b|+e_b) + Σ|a|e_b; pools and softmax as above without rounding terms.
// Every term is computed per element from the test's data. Finally the bound gets a slack for f32
// evaluation: B = e·(1 + 2^−12) + 2^−20·(|y| + s_out). Asserted for every output element:
//   |ŷ − y_onnx| ≤ B + |y_f32 − y_onnx|      (y_f32: the f32 reference, itself asserted within the
//                                             ONNX runner's tolerance rtol 1e-3, atol 1e-7)
// and every B must be finite. A graph with a zero-sized tensor (reshape_allowzero_reordered) cannot
// become a blob: there the test checks that the planner refuses it plainly. A test is skipped only
// for a structural reason (the f32 path cannot import it: an unsupported op or attribute, or a
// non-float dtype); ops without an int8 kernel stay f32 (mixed precision) and are listed in the
// summary. docs/QUANTIZATION.md states the same bound.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecodedTensor } from '../converter/import/onnx-tensor.js';
import {
  type Activation, type Graph, type Node, type OpName, type Tensor, type TensorData, numel,
} from '../converter/ir/graph.js';
import { validateGraph } from '../converter/ir/validate.js';
import { optimize } from '../converter/passes/index.js';
import { quantize, type QuantizeReport } from '../converter/passes/quantize/index.js';
import { floatKernels } from '../converter/reference/float/index.js';
import { meanMultiplier } from '../converter/reference/int8/mean.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { planMemory } from '../converter/plan/index.js';
import { emitBlob } from '../converter/emit/index.js';
import type { MoteTypedArray } from '../host/runtime.js';
import { BUILDS, ensureWasmBuilt, freshRuntime, rng } from './runtime-harness.js';
import { type SupportedNodeTest, type UnsupportedNodeTest, nodeTestDirs, nodeTestOps, prepareNodeTest } from './support/onnx-node.js';
import { haveShared, noticeIfNoShared } from './support/shared.js';

const K_PERTURBATIONS = 4;
const PERTURBATION = 0.05;
const RTOL = 1e-3;
const ATOL = 1e-7;

// ---------------------------------------------------------------------------------------------
// Calibration

/** The test input plus K seeded perturbations (each element ± up to 5 % of the input's max |x|). */
function calibrationSamples(inputs: Float32Array[], seed: number): Float32Array[][] {
  const samples = [inputs];
  for (let k = 1; k <= K_PERTURBATIONS; k++) {
    const r = rng(seed * 7919 + k);
    samples.push(
      inputs.map((x) => {
        let amax = 0;
        for (const v of x) if (Number.isFinite(v)) amax = Math.max(amax, Math.abs(v));
        const amp = PERTURBATION * (amax || 1);
        return Float32Array.from(x, (v) => v + amp * (2 * r() - 1));
      }),
    );
  }
  return samples;
}

// ---------------------------------------------------------------------------------------------
// Quantization helpers (TFLite's formulas; only scales and zero points enter the bound)

interface Qp {
  scale: number;
  zeroPoint: number;
}

function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

function qpOf(t: Tensor): Qp {
  if (!t.quant || t.quant.scale.length !== 1) throw new Error(`tensor '${t.name}' is not quantized per tensor`);
  return { scale: Math.fround(t.quant.scale[0]), zeroPoint: t.quant.zeroPoint[0] };
}

const codeToReal = (q: Qp, code: number) => q.scale * (code - q.zeroPoint);

function quantizeValues(x: Float32Array, q: Qp): Int8Array {
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

// ---------------------------------------------------------------------------------------------
// Bound propagation over the int8 graph

/** Error-bound propagation. `floatValues`: every tensor of the optimized float graph on the test input. */
class BoundPropagator {
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
      } else {
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
        return this.weightedRule(node, twin!, zOf());
      case 'lut': {
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

// ---------------------------------------------------------------------------------------------
// The tests

interface Int8Case {
  test: SupportedNodeTest;
  onnxOps: string[];
  floatGraph: Graph;
  int8Graph: Graph;
  report: QuantizeReport;
}

/** ONNX op types whose B input is a weight: frozen up front so the int8 FC path gets them. */
const WEIGHT_INPUT_OPS = new Set(['Gemm', 'MatMul']);

function prepareInt8(dir: string, index: number): Int8Case | UnsupportedNodeTest {
  const onnxOps = nodeTestOps(dir);
  const freeze = onnxOps.some((o) => WEIGHT_INPUT_OPS.has(o)) ? 'always' : 'on-failure';
  const test = prepareNodeTest(dir, { freeze });
  if ('reason' in test) return test;
  const second = prepareNodeTest(dir, { freeze }) as SupportedNodeTest;
  optimize(test.graph);
  optimize(second.graph);
  const samples = calibrationSamples(test.inputs as Float32Array[], index + 1);
  const report = quantize(second.graph, { samples, method: 'minmax' });
  validateGraph(second.graph);
  return { test, onnxOps, floatGraph: test.graph, int8Graph: second.graph, report };
}

interface Outcome {
  dir: string;
  family: string;
  int8Nodes: number;
  keptFloat: string[];
  ratio: number;
  worst: string;
}

describe.skipIf(!haveShared)('ONNX node conformance after int8 PTQ', () => {
  noticeIfNoShared('ONNX int8 conformance tests');
  beforeAll(async () => {
    await ensureWasmBuilt();
  }, 120_000);

  const dirs = nodeTestDirs();
  const outcomes: Outcome[] = [];
  const emptyTensors: string[] = [];
  let skipped = 0;
  afterAll(() => {
    if (outcomes.length === 0) return;
    const byFamily = new Map<string, Outcome[]>();
    for (const o of outcomes) byFamily.set(o.family, [...(byFamily.get(o.family) ?? []), o]);
    const mixed = outcomes.filter((o) => o.keptFloat.length > 0);
    const lines = [
      `[onnx-conformance-int8] ${outcomes.length} tests quantized and within their bound (${outcomes.length - mixed.length} all-int8, ${mixed.length} mixed precision), ${skipped} skipped (not importable by the f32 path)`,
      `  calibration: the test input + ${K_PERTURBATIONS} perturbations (±${PERTURBATION * 100} % of max|x|), minmax`,
      '  family (ONNX ops)                tests  max |ŷ−y|/bound  worst test',
      ...[...byFamily]
        .sort((a, b) => a[0].localeCompare(b[0]))
        .map(([family, os]) => {
          const worst = os.reduce((m, o) => (o.ratio > m.ratio ? o : m));
          return `  ${family.padEnd(32)} ${String(os.length).padStart(5)}  ${worst.ratio.toFixed(3).padStart(15)}  ${worst.dir.replace(/^test_/, '')}`;
        }),
      `  not run on the WASM builds (a blob holds no zero-sized tensor; the planner refuses it plainly): ${emptyTensors.join(', ') || 'none'}`,
      '  mixed precision (kept f32 by the quantizer):',
      ...mixed.map((o) => `    ${o.dir.replace(/^test_/, '')}: ${o.keptFloat.join('; ')}`),
    ];
    console.log(lines.join('\n'));
  });

  dirs.forEach((dir, index) => {
    const prepared = prepareInt8(dir, index);
    if ('reason' in prepared) {
      skipped++;
      it.skip(`${dir} — not importable (f32 path): ${prepared.reason}`, () => {});
      return;
    }
    it(dir, async () => {
      const { test, floatGraph, int8Graph, report } = prepared;
      const floatValues = new Map<string, TensorData>();
      const yF32 = runGraph(floatGraph, test.inputs, { observe: (name, v) => floatValues.set(name, v.data) }) as Float32Array[];
      expect(yF32.length).toBe(test.expected.length);

      // int8: quantize the test input with the graph input's parameters, run the reference and both builds.
      const xq = test.inputs.map((x, i) => quantizeValues(x as Float32Array, qpOf(int8Graph.tensor(int8Graph.inputs[i]))));
      const refOut = runGraph(int8Graph, xq) as Int8Array[];
      const empty = [...int8Graph.tensors.values()].find((t) => t.shape.includes(0));
      if (empty) {
        // A blob holds no zero-sized tensor: the planner must refuse it plainly, naming the tensor.
        expect(() => planMemory(int8Graph)).toThrow(/tensor '[^']+' has shape \[[\d,]*\]; every dim must be a positive integer/);
        emptyTensors.push(`${dir.replace(/^test_/, '')}: '${empty.name}' [${empty.shape}]`);
      } else {
        const blob = emitBlob(int8Graph, planMemory(int8Graph));
        for (const build of BUILDS) {
          const model = (await freshRuntime(build)).load(blob);
          const outs = model.run(xq as MoteTypedArray[]);
          outs.forEach((o, k) => expect(Array.from(o), `${build} output ${k} bytes`).toEqual(Array.from(refOut[k])));
        }
      }

      const bounds = new BoundPropagator(floatGraph, int8Graph, floatValues).run();
      let ratio = 0;
      let worst = '';
      refOut.forEach((q, k) => {
        const name = int8Graph.outputs[k];
        const qp = qpOf(int8Graph.tensor(name));
        const expected = test.expected[k] as DecodedTensor;
        const e = expected.data as Float32Array;
        const y = yF32[k];
        expect(q.length, `output ${k} element count`).toBe(e.length);
        for (let i = 0; i < e.length; i++) {
          const f32Dev = Math.abs(y[i] - e[i]);
          expect(f32Dev, `f32 reference vs ONNX, output ${k} element ${i}`).toBeLessThanOrEqual(ATOL + RTOL * Math.abs(e[i]));
          const bound = bounds[k][i] * (1 + 2 ** -12) + 2 ** -20 * (Math.abs(y[i]) + qp.scale);
          const yHat = codeToReal(qp, q[i]);
          if (!Number.isFinite(bound)) expect.fail(`output ${k} element ${i}: the derived bound is not finite (${bound})`);
          const err = Math.abs(yHat - e[i]);
          if (!(err <= bound + f32Dev)) {
            expect.fail(`output ${k} element ${i}: int8 ${yHat} (code ${q[i]}, scale ${qp.scale}, zp ${qp.zeroPoint}) vs expected ${e[i]}: error ${err} exceeds the bound ${bound} (+ f32 deviation ${f32Dev})`);
          }
          const r = Math.abs(yHat - y[i]) / bound;
          if (r > ratio) {
            ratio = r;
            worst = `output ${k}[${i}]`;
          }
        }
      });
      outcomes.push({
        dir,
        family: [...prepared.onnxOps].sort().join('+'),
        int8Nodes: int8Graph.nodes.filter((n) => n.int8).length,
        keptFloat: report.keptFloat.map((k) => `${k.op} (${k.reason})`),
        ratio,
        worst,
      });
    });
  });
});
