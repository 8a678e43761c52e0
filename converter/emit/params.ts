// Lowers one node's attributes (and, for int8 nodes, its `node.int8` parameters) into the i32 param
// words of its op record, in exactly the order format/format.ts lists for the opcode.
//
// Float ops store f32 values as raw bits; an absent activation is (-Infinity, +Infinity). An op runs
// in int8 when its first input is s8 — the same rule the runtime uses to pick a kernel — and then
// its activation bounds are node.int8.actMin/actMax (default -128/127), as in the int8 reference.
import { PAD_MODE_CONSTANT, PAD_MODE_EDGE, PAD_MODE_REFLECT, PAD_MODE_WRAP } from '../../format/format.js';
import * as F from '../../format/format.js';
import { ConvertError } from '../errors.js';
import { lstmInt8Params, type LstmInt8Params } from '../reference/int8/lstm.js';
import { resizeParams } from './resize-table.js';
import type {
  Activation,
  ActivationAttrs,
  ArgAttrs,
  CompareAttrs,
  LogicalAttrs,
  ClampAttrs,
  ConcatAttrs,
  Conv2dAttrs,
  DepthwiseConv2dAttrs,
  Int8Params,
  LeakyReluAttrs,
  LstmAttrs,
  MeanAttrs,
  Node,
  PadAttrs,
  PadMode,
  Pool2dAttrs,
  SoftmaxAttrs,
  StridedSliceAttrs,
  Tensor,
  TransposeAttrs,
  TransposeConv2dAttrs,
  UnaryAttrs,
} from '../ir/graph.js';

const F32 = new Float32Array(1);
const F32_BITS = new Int32Array(F32.buffer);

/** The raw IEEE-754 bits of `v` rounded to f32, as an i32 word. */
export function f32Bits(v: number): number {
  F32[0] = v;
  return F32_BITS[0];
}

const PAD_MODES: Record<PadMode, number> = {
  constant: PAD_MODE_CONSTANT,
  edge: PAD_MODE_EDGE,
  reflect: PAD_MODE_REFLECT,
  wrap: PAD_MODE_WRAP,
};

type Lookup = (name: string) => Tensor;

function where(node: Node): string {
  return `${node.op} node '${node.name}'${node.source ? ` (from ${node.source})` : ''}`;
}

function fail(node: Node, msg: string): never {
  throw new ConvertError(`emit: ${where(node)}: ${msg}`);
}

function int(node: Node, what: string, v: unknown, min = -0x80000000, max = 0x7fffffff): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(node, `${what} is ${String(v)}; expected an integer in [${min}, ${max}]`);
  }
  return v;
}

function ints(node: Node, what: string, v: unknown, length: number, min?: number): number[] {
  if (!Array.isArray(v) || v.length !== length) fail(node, `${what} must have ${length} entries, got ${JSON.stringify(v)}`);
  return v.map((x, i) => int(node, `${what}[${i}]`, x, min));
}

function rankOf(lookup: Lookup, name: string): number {
  return lookup(name).shape.length;
}

function normAxis(node: Node, axis: unknown, rank: number): number {
  const a = int(node, 'axis', axis, -rank, rank - 1);
  return a < 0 ? a + rank : a;
}

/** The s8 LSTM's integer params (format.ts LSTM s8): TFLM's Prepare from the tensors' scales. */
function lstmS8Params(node: Node, lookup: Lookup): number[] {
  const a = node.attrs as LstmAttrs;
  if (a.activation !== 'tanh') fail(node, `the integer LSTM runs only tanh, got '${a.activation}'`);
  if (!(a.cellScale !== undefined && a.cellScale > 0)) fail(node, 'the integer LSTM needs attrs.cellScale');
  const scale = (name: string) => {
    const q = lookup(name).quant;
    if (!q || q.scale.length !== 1) fail(node, `tensor '${name}' must be quantized per tensor`);
    return { scale: Math.fround(q.scale[0]) };
  };
  let p: LstmInt8Params;
  try {
    p = lstmInt8Params(
      scale(node.inputs[0]),
      node.inputs.slice(1, 5).map(scale),
      node.inputs.slice(5, 9).map(scale),
      scale(node.outputs[0]),
      a.cellScale,
      a.cellClip,
    );
  } catch (e) {
    return fail(node, (e as Error).message);
  }
  const ms = (m: { multiplier: number; shift: number }) => [m.multiplier, m.shift];
  return [
    p.cellScalePower,
    p.quantizedCellClip,
    ...[0, 1, 2, 3].flatMap((k) => [...ms(p.inputFc[k]), ...ms(p.recurrentFc[k])]),
    ...ms(p.forgetCellMul),
    ...ms(p.inputMul),
    ...ms(p.outputMul),
  ];
}

/** format.ts LSTM activation codes (TFLite's ActivationFunctionType numbers). */
const LSTM_ACTIVATION_CODES: Record<string, number> = { none: 0, relu: 1, relu_n1_to_1: 2, relu6: 3, tanh: 4 };

function actF32(act: Activation | undefined): number[] {
  return [f32Bits(act?.min ?? -Infinity), f32Bits(act?.max ?? Infinity)];
}

/** The pad value for an s8 output: the reference rule, clamp(round_half_away(v / f32(scale)) + zp). */
function quantizeS8(node: Node, t: Tensor, v: number): number {
  const q = t.quant;
  if (!q || q.scale.length !== 1 || !(q.scale[0] > 0)) {
    fail(node, `tensor '${t.name}' needs per-tensor quantization to express ${v} in int8`);
  }
  const x = v / Math.fround(q.scale[0]);
  const r = Math.sign(x) * Math.round(Math.abs(x));
  return Math.max(-128, Math.min(127, r + q.zeroPoint[0]));
}

/** s8 act_min, act_max: node.int8's (the quantizer quantizes the float activation), else the full
 * int8 range — the same rule as the int8 reference kernels. */
function actS8(node: Node): number[] {
  const lo = node.int8?.actMin ?? -128;
  const hi = node.int8?.actMax ?? 127;
  int(node, 'int8.actMin', lo, -128, 127);
  int(node, 'int8.actMax', hi, -128, 127);
  if (lo > hi) fail(node, `int8.actMin ${lo} > int8.actMax ${hi}`);
  return [lo, hi];
}

/** s16 (16x8) act_min, act_max: node.int8's, else the full int16 range. */
function actS16(node: Node): number[] {
  const lo = node.int8?.actMin ?? -32768;
  const hi = node.int8?.actMax ?? 32767;
  int(node, 'int8.actMin', lo, -32768, 32767);
  int(node, 'int8.actMax', hi, -32768, 32767);
  if (lo > hi) fail(node, `int8.actMin ${lo} > int8.actMax ${hi}`);
  return [lo, hi];
}

/** The pad value for an s16 output (same rule as quantizeS8, int16 range). */
function quantizeS16(node: Node, t: Tensor, v: number): number {
  const q = t.quant;
  if (!q || q.scale.length !== 1 || !(q.scale[0] > 0)) fail(node, `tensor '${t.name}' needs per-tensor quantization to express ${v} in int16`);
  const x = v / Math.fround(q.scale[0]);
  return Math.max(-32768, Math.min(32767, Math.sign(x) * Math.round(Math.abs(x)) + q.zeroPoint[0]));
}

function need(node: Node, field: keyof Int8Params, min?: number, max?: number): number {
  const v = node.int8?.[field];
  if (v === undefined) fail(node, `int8 node lacks int8.${field} (set by the quantizer)`);
  return int(node, `int8.${field}`, v, min, max);
}

const mult = (node: Node, f: keyof Int8Params) => need(node, f, 0);
const shift = (node: Node, f: keyof Int8Params) => need(node, f, -31, 31);

function pool(node: Node, s8: boolean): number[] {
  const a = node.attrs as Pool2dAttrs;
  return [
    ...ints(node, 'kernel', a.kernel, 2, 1),
    ...ints(node, 'strides', a.strides, 2, 1),
    ...ints(node, 'dilations', a.dilations, 2, 1),
    ...ints(node, 'pads', a.pads, 4, 0),
    a.countIncludePad ? 1 : 0,
    ...(s8 ? actS8(node) : actF32(a.activation)),
  ];
}

/** unary: the function's format code (UNARY_ + its name in capitals), then alpha and gamma (f32 bits, 0 unused). */
function unaryParams(node: Node<'unary'>): number[] {
  const { fn, alpha = 0, gamma = 0 } = node.attrs as UnaryAttrs;
  const code = (F as unknown as Record<string, unknown>)[`UNARY_${String(fn).toUpperCase()}`];
  if (typeof code !== 'number') fail(node, `unknown unary function '${String(fn)}'`);
  if (!Number.isFinite(alpha) || !Number.isFinite(gamma)) fail(node, `unary ${fn}: alpha ${alpha} / gamma ${gamma} must be finite`);
  return [code as number, f32Bits(alpha), f32Bits(gamma)];
}

/** compare / logical: the function's format code (COMPARE_ / LOGICAL_ + its name in capitals). */
function functionCode(node: Node, prefix: 'COMPARE' | 'LOGICAL', fn: string): number {
  const code = (F as unknown as Record<string, unknown>)[`${prefix}_${fn.toUpperCase()}`];
  if (typeof code !== 'number') fail(node, `unknown ${node.op} function '${fn}'`);
  return code as number;
}

/** The param words of `node`. `lookup` resolves tensor names (graph tensors and planner-made ones). */
export function lowerParams(node: Node, lookup: Lookup): number[] {
  const first = node.inputs[0] ? lookup(node.inputs[0]) : undefined;
  const s8 = first?.dtype === 's8';
  const s16 = first?.dtype === 's16';
  const act = (activation: Activation | undefined) => (s8 ? actS8(node) : s16 ? actS16(node) : actF32(activation));
  const floatOnly = () => {
    if (s16) fail(node, `has no int16 form in the runtime`);
    if (s8) fail(node, `has no int8 form in the runtime (lower it to a lut or keep it in f32)`);
  };
  switch (node.op) {
    case 'conv2d': {
      const a = node.attrs as Conv2dAttrs;
      return [
        ...ints(node, 'strides', a.strides, 2, 1),
        ...ints(node, 'dilations', a.dilations, 2, 1),
        ...ints(node, 'pads', a.pads, 4, 0),
        int(node, 'group', a.group, 1),
        ...act(a.activation),
      ];
    }
    case 'depthwise_conv2d': {
      const a = node.attrs as DepthwiseConv2dAttrs;
      return [
        ...ints(node, 'strides', a.strides, 2, 1),
        ...ints(node, 'dilations', a.dilations, 2, 1),
        ...ints(node, 'pads', a.pads, 4, 0),
        int(node, 'depthMultiplier', a.depthMultiplier, 1),
        ...(s8 ? actS8(node) : actF32(a.activation)),
      ];
    }
    case 'fully_connected': {
      const a = node.attrs as ActivationAttrs;
      return s8 ? actS8(node) : actF32(a.activation);
    }
    case 'matmul':
      floatOnly();
      return [];
    case 'add':
    case 'sub': {
      const a = node.attrs as ActivationAttrs;
      if (!s8 && !s16) return actF32(a.activation);
      return [
        need(node, 'leftShift', 0, 31),
        mult(node, 'aMult'),
        shift(node, 'aShift'),
        mult(node, 'bMult'),
        shift(node, 'bShift'),
        mult(node, 'outMult'),
        shift(node, 'outShift'),
        ...act(a.activation),
      ];
    }
    case 'mul': {
      const a = node.attrs as ActivationAttrs;
      if (!s8) return actF32(a.activation);
      return [mult(node, 'outMult'), shift(node, 'outShift'), ...actS8(node)];
    }
    case 'div':
      floatOnly();
      return actF32((node.attrs as ActivationAttrs).activation);
    case 'clamp': {
      const a = node.attrs as ClampAttrs;
      if (s8) return actS8(node);
      if (!(a.min <= a.max)) fail(node, `clamp min ${a.min} > max ${a.max}`);
      return [f32Bits(a.min), f32Bits(a.max)];
    }
    case 'leaky_relu': {
      const alpha = (node.attrs as LeakyReluAttrs).alpha;
      if (typeof alpha !== 'number' || Number.isNaN(alpha)) fail(node, `alpha is ${String(alpha)}`);
      if (s16) return [f32Bits(alpha), mult(node, 'outMult'), shift(node, 'outShift'), mult(node, 'alphaMult'), shift(node, 'alphaShift')];
      floatOnly();
      return [f32Bits(alpha)];
    }
    case 'sigmoid':
    case 'tanh':
    case 'hard_swish':
      floatOnly();
      return [];
    case 'binarize': {
      const t = (node.attrs as { threshold?: number }).threshold;
      if (!s8 || !Number.isInteger(t) || t! < -128 || t! > 128) fail(node, `binarize needs an s8 input and an integer threshold in [-128, 128], got ${String(t)}`);
      return [t!];
    }
    case 'lut': {
      const table = node.inputs[1] ? lookup(node.inputs[1]) : undefined;
      if (!s8 || !table || table.dtype !== 's8' || table.shape.reduce((x, y) => x * y, 1) !== 256) {
        fail(node, `lut needs an s8 input and an s8[256] table`);
      }
      return [];
    }
    case 'max_pool2d':
    case 'average_pool2d':
      return pool(node, s8);
    case 'mean':
    case 'reduce_max':
    case 'reduce_min':
    case 'reduce_sum': {
      if (node.op !== 'mean' && s16) fail(node, `has no int16 form in the runtime`);
      const rank = first ? first.shape.length : 0;
      let mask = 0;
      for (const ax of (node.attrs as MeanAttrs).axes ?? []) mask |= 1 << normAxis(node, ax, rank);
      return s8 && (node.op === 'mean' || node.op === 'reduce_sum') ? [mask, mult(node, 'outMult'), shift(node, 'outShift')] : [mask];
    }
    case 'concat':
      return [normAxis(node, (node.attrs as ConcatAttrs).axis, rankOf(lookup, node.outputs[0]))];
    case 'pad': {
      const a = node.attrs as PadAttrs;
      const rank = first ? first.shape.length : 0;
      const mode = PAD_MODES[a.mode];
      if (mode === undefined) fail(node, `unknown pad mode '${String(a.mode)}'`);
      const out = lookup(node.outputs[0]);
      const value = s8 ? quantizeS8(node, out, a.value ?? 0) : s16 ? quantizeS16(node, out, a.value ?? 0) : f32Bits(a.value ?? 0);
      return [mode, value, ...ints(node, 'begin', a.begin, rank, 0), ...ints(node, 'end', a.end, rank, 0)];
    }
    case 'transpose': {
      const rank = first ? first.shape.length : 0;
      const perm = ints(node, 'perm', (node.attrs as TransposeAttrs).perm, rank, 0);
      if (new Set(perm).size !== rank || perm.some((p) => p >= rank)) fail(node, `perm [${perm}] is not a permutation`);
      return perm;
    }
    case 'strided_slice': {
      const a = node.attrs as StridedSliceAttrs;
      const rank = first ? first.shape.length : 0;
      const strides = ints(node, 'strides', a.strides, rank);
      if (strides.includes(0)) fail(node, `strides [${strides}] must be non-zero`);
      return [...ints(node, 'begin', a.begin, rank, 0), ...strides];
    }
    case 'transpose_conv2d': {
      const a = node.attrs as TransposeConv2dAttrs;
      const base = [...ints(node, 'strides', a.strides, 2, 1), ...ints(node, 'pads', a.pads.slice(0, 2), 2, 0), ...act(a.activation)];
      const dilations = a.dilations ?? [1, 1];
      const group = a.group ?? 1;
      // The 6-word form (group 1, undilated) is the one runtimes before the 9-word form read.
      if (group === 1 && dilations[0] === 1 && dilations[1] === 1) return base;
      return [...base, ...ints(node, 'dilations', dilations, 2, 1), ...ints(node, 'group', [group], 1, 1)];
    }
    case 'lstm': {
      const a = node.attrs as LstmAttrs;
      if (s16) floatOnly();
      const code = LSTM_ACTIVATION_CODES[a.activation];
      if (code === undefined) fail(node, `unknown activation '${String(a.activation)}'`);
      if (!(a.cellClip >= 0 && Number.isFinite(a.cellClip))) fail(node, `cellClip is ${a.cellClip}; expected a finite value >= 0`);
      const common = [a.timeMajor ? 1 : 0, code, f32Bits(a.cellClip)];
      return s8 ? [...common, ...lstmS8Params(node, lookup)] : common;
    }
    case 'log_softmax':
      if (!s8) fail(node, `has no ${s16 ? 'int16' : 'f32'} form in the runtime (a float log-softmax is lowered: reduce_max, sub, exp, reduce_sum, log, sub)`);
      return [
        mult(node, 'inputMultiplier'), need(node, 'inputLeftShift', 0, 31), mult(node, 'reverseScalingDivisor'),
        need(node, 'reverseScalingRightShift', 0, 31), need(node, 'diffMin', undefined, 0),
      ];
    case 'softmax': {
      const a = node.attrs as SoftmaxAttrs;
      const axis = normAxis(node, a.axis, first ? first.shape.length : 0);
      if (!s8) return [axis, f32Bits(a.beta ?? 1)];
      return [axis, need(node, 'inputMultiplier', 0), need(node, 'inputLeftShift', -31, 31), need(node, 'diffMin')];
    }
    case 'quantize':
    case 'dequantize':
    case 'copy':
      return [];
    case 'requantize':
      return [mult(node, 'outMult'), shift(node, 'outShift')];
    case 'maximum':
    case 'minimum':
      if (s16) fail(node, `has no int16 form in the runtime`);
      return [];
    case 'arg_max':
    case 'arg_min': {
      if (s16) fail(node, `has no int16 form in the runtime`);
      const a = node.attrs as ArgAttrs;
      return [normAxis(node, a.axis, first ? first.shape.length : 0), a.selectLastIndex ? 1 : 0];
    }
    case 'resize':
      return resizeParams(node, first!, lookup(node.outputs[0]), (msg) => fail(node, msg));
    case 'unary':
      floatOnly();
      return unaryParams(node as Node<'unary'>);
    case 'compare': {
      if (s16) fail(node, `has no int16 form in the runtime`);
      const fn = functionCode(node, 'COMPARE', String((node.attrs as CompareAttrs).fn));
      if (!s8) return [fn];
      const ls = need(node, 'leftShift', 0, F.COMPARE_S8_LEFT_SHIFT_MAX);
      return [fn, ls, mult(node, 'aMult'), need(node, 'aShift', -31, 0), mult(node, 'bMult'), need(node, 'bShift', -31, 0)];
    }
    case 'logical':
      return [functionCode(node, 'LOGICAL', String((node.attrs as LogicalAttrs).fn))];
    case 'select':
      return [];
    case 'reshape':
    case 'batch_norm':
      fail(node, `is an IR-only op; it must be folded or lowered before emission`);
    default:
      fail(node, `unknown op`);
  }
}
