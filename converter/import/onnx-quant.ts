// Lowerings of ONNX's quantized ops: QuantizeLinear, DequantizeLinear, QLinearConv, QLinearMatMul,
// ConvInteger, MatMulInteger.
//
// One idea carries all of them: a quantized op is "dequantize the inputs, run the float op,
// quantize the output". So QLinearConv becomes DequantizeLinear(x) → Conv → QuantizeLinear(y), the
// float op lowered by the ordinary float lowering, and the fold-qdq pass (converter/passes/
// fold-qdq.ts) later folds every such DQ → op → Q island into one int8 IR op, exactly as it folds
// the QDQ models ONNX Runtime's quantize_static writes. Constants are dequantized here, at import;
// their integer data and scales are noted on the graph (noteDequantizedConstant) so fold-qdq can
// take the original integers back instead of re-quantizing floats.
//
// uint8: Mote's integer activations are s8. An ONNX uint8 activation is held exactly as s8 with
// data − 128 and zero point − 128; graph inputs/outputs affected are listed in
// g.meta.onnxUint8AsInt8 (feed input − 128, read output + 128).
// ConvInteger / MatMulInteger: the int32 result is computed in f32 from exact integer operands,
// checked at import to stay below 2^24 (so every partial sum is exact); the graph output is f32
// holding the int32 values, listed in g.meta.onnxInt32AsFloat. An exact s32 path needs an
// s8-in/s32-out conv/matmul kernel variant in the runtime (not there yet).
import type { DType, Tensor, TensorData } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import { noteDequantizedConstant } from '../passes/fold-qdq.js';
import type { OnnxImporter, OnnxNodeContext } from './onnx.js';
import { dtypeDisplay } from './onnx.js';
import { dtypeFromOnnx, onnxDtypeName } from './onnx-tensor.js';

type Lowering = (imp: OnnxImporter, ctx: OnnxNodeContext) => void;

/** Per-tensor or per-axis quantization of one ONNX Q/DQ site, in the ONNX integer domain. */
interface OnnxQuant {
  scale: number[];
  zeroPoint: number[];
  /** Normalized axis (per-axis only). */
  axis?: number;
  /** Integer dtype of the quantized side: 's8' or 'u8' (others are rejected before). */
  dtype: 's8' | 'u8';
}

const U8_SHIFT = 128;

function out(ctx: OnnxNodeContext, i = 0): string {
  return (ctx.node.output ?? [])[i];
}

// ---- bookkeeping on the graph ------------------------------------------------------------------

/** IR s8 activations that stand for ONNX uint8 values (data − 128). */
const shiftedU8 = new WeakMap<object, Set<string>>();

function shiftedSet(imp: OnnxImporter): Set<string> {
  let s = shiftedU8.get(imp.g);
  if (!s) shiftedU8.set(imp.g, (s = new Set()));
  return s;
}

function noteMetaList(imp: OnnxImporter, key: 'onnxUint8AsInt8' | 'onnxInt32AsFloat', name: string): void {
  const list = (imp.g.meta[key] as string[] | undefined) ?? [];
  if (!list.includes(name)) list.push(name);
  imp.g.meta[key] = list;
}

// ---- reading scales and zero points ------------------------------------------------------------

function quantDtype(imp: OnnxImporter, ctx: OnnxNodeContext, d: DType, what: string): 's8' | 'u8' {
  if (d === 's8' || d === 'u8') return d;
  return imp.unsupported(ctx, `${dtypeDisplay(d)} ${what} (Mote's integer path is int8/uint8)`);
}

/**
 * Scale and zero point inputs of a Q/DQ-like site. `dataRank` is the rank of the quantized tensor;
 * `axisAttr` its per-axis axis (ONNX default 1). Scales must be constant float32.
 */
function readQuant(
  imp: OnnxImporter,
  ctx: OnnxNodeContext,
  scaleName: string,
  zpName: string | undefined,
  dtype: 's8' | 'u8',
  dataShape: number[],
  axisAttr: number,
  what: string,
): OnnxQuant {
  const scale = Array.from(imp.constFloats(ctx, scaleName, `${what} scale`));
  const st = imp.g.tensor(scaleName);
  let zeroPoint = zpName !== undefined ? imp.constInts(ctx, zpName, `${what} zero point`) : scale.map(() => 0);
  if (zpName !== undefined && zeroPoint.length !== scale.length) {
    imp.fail(ctx, `${what} zero point has ${zeroPoint.length} values, scale has ${scale.length}`);
  }
  if (scale.some((s) => !(s > 0) || !Number.isFinite(s))) imp.fail(ctx, `${what} scale must be positive and finite, got [${scale}]`);
  if (scale.length === 1 && numel(st.shape) === 1) return { scale, zeroPoint, dtype };
  const rank = dataShape.length;
  const axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
  if (!(axis >= 0 && axis < rank)) imp.fail(ctx, `axis ${axisAttr} is out of range for rank ${rank}`);
  if (scale.length !== dataShape[axis]) {
    imp.fail(ctx, `${what} scale has ${scale.length} values, axis ${axis} of [${dataShape}] has ${dataShape[axis]}`);
  }
  zeroPoint = zeroPoint.length === 1 ? scale.map(() => zeroPoint[0]) : zeroPoint;
  return { scale, zeroPoint, axis, dtype };
}

/** Integer data of a constant as numbers. */
function intValues(data: TensorData): number[] {
  return Array.from(data as ArrayLike<number | bigint>, (v) => Number(v));
}

/** Channel index of flat element `i` along `axis` of `shape` (0 for per-tensor). */
function channelOf(i: number, shape: number[], axis: number | undefined): number {
  if (axis === undefined) return 0;
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  return Math.floor(i / inner) % shape[axis];
}

/** ONNX DequantizeLinear on constant data: f32((f32(q) − zp) · scale), as the reference computes. */
function dequantizeData(data: TensorData, shape: number[], q: OnnxQuant): Float32Array {
  const ints = intValues(data);
  const outData = new Float32Array(ints.length);
  for (let i = 0; i < ints.length; i++) {
    const c = channelOf(i, shape, q.axis);
    outData[i] = Math.fround(Math.fround(ints[i] - q.zeroPoint[c]) * Math.fround(q.scale[c]));
  }
  return outData;
}

/** Round half to even (ONNX QuantizeLinear's rounding). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** ONNX QuantizeLinear on constant data: saturate(round_half_even(x / scale) + zp). */
function quantizeData(data: Float32Array, shape: number[], q: OnnxQuant): Int8Array | Uint8Array {
  const [lo, hi] = q.dtype === 'u8' ? [0, 255] : [-128, 127];
  const outData = q.dtype === 'u8' ? new Uint8Array(data.length) : new Int8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const c = channelOf(i, shape, q.axis);
    const v = roundHalfEven(Math.fround(data[i] / Math.fround(q.scale[c]))) + q.zeroPoint[c];
    outData[i] = Math.min(hi, Math.max(lo, v));
  }
  return outData;
}

/** A constant's dequantized f32 copy, noted for fold-qdq. Returns the new tensor's name. */
function dequantizeConstant(imp: OnnxImporter, ctx: OnnxNodeContext, name: string, q: OnnxQuant, outName?: string): string {
  const t = imp.g.tensor(name);
  const values = dequantizeData(t.data!, t.shape, q);
  const result = outName ?? imp.fresh(`${name}/dequantized`);
  imp.g.addTensor({ name: result, dtype: 'f32', shape: [...t.shape], data: values });
  noteDequantizedConstant(imp.g, {
    ints: Int32Array.from(intValues(t.data!)),
    shape: [...t.shape],
    scale: q.scale.map((s) => Math.fround(s)),
    zeroPoint: q.zeroPoint,
    axis: q.axis,
    values,
  });
  void ctx;
  return result;
}

// ---- activations -------------------------------------------------------------------------------

/**
 * The IR s8 tensor holding an ONNX int8/uint8 activation `name` with per-tensor quantization `q`.
 * A uint8 graph input is retyped to s8 in place (the caller feeds data − 128). When the tensor
 * already carries different quantization (dequantized twice with different parameters), an alias
 * with the new parameters is made (reshape: same bytes, no kernel).
 */
function s8Activation(imp: OnnxImporter, ctx: OnnxNodeContext, name: string, q: { scale: number; zeroPoint: number; dtype: 's8' | 'u8' }): string {
  const t = imp.g.tensor(name);
  const shifted = shiftedSet(imp);
  if (t.dtype === 'u8') {
    if (!imp.g.inputs.includes(name)) imp.unsupported(ctx, `uint8 tensor '${name}' computed by a non-quantized op`);
    t.dtype = 's8';
    shifted.add(name);
    noteMetaList(imp, 'onnxUint8AsInt8', name);
  } else if (t.dtype !== 's8') {
    imp.unsupported(ctx, `${dtypeDisplay(t.dtype)} quantized tensor '${name}'`);
  }
  const isU8 = shifted.has(name);
  if (isU8 !== (q.dtype === 'u8')) {
    imp.fail(ctx, `tensor '${name}' is ${isU8 ? 'uint8' : 'int8'} but its zero point is ${q.dtype === 'u8' ? 'uint8' : 'int8'}`);
  }
  const want = { scale: [q.scale], zeroPoint: [q.zeroPoint - (isU8 ? U8_SHIFT : 0)] };
  if (!t.quant) {
    t.quant = want;
    return name;
  }
  if (t.quant.scale.length === 1 && Math.fround(t.quant.scale[0]) === Math.fround(want.scale[0]) && t.quant.zeroPoint[0] === want.zeroPoint[0]) {
    return name;
  }
  const alias = imp.tmp(ctx, 'requant_view');
  imp.emit(ctx, 'reshape', [name], alias, {}, { dtype: 's8', shape: [...t.shape], suffix: 'view' });
  imp.g.tensor(alias).quant = want;
  if (isU8) shifted.add(alias);
  return alias;
}

/** DequantizeLinear of an activation → f32 tensor `output` (per-tensor: one `dequantize` node). */
function dequantizeActivation(imp: OnnxImporter, ctx: OnnxNodeContext, x: string, q: OnnxQuant, output: string): string {
  if (q.axis === undefined) {
    const xs8 = s8Activation(imp, ctx, x, { scale: q.scale[0], zeroPoint: q.zeroPoint[0], dtype: q.dtype });
    return imp.emit(ctx, 'dequantize', [xs8], output, {}, { dtype: 'f32' });
  }
  // Per-axis: (x − zp[c]) · scale[c]. dequantize with scale 1, zp 0 gives x exactly in f32; the sub
  // is exact (small integers) and the mul rounds once, as ONNX's (x − zp) · scale does.
  const isU8 = q.dtype === 'u8';
  const xs8 = s8Activation(imp, ctx, x, { scale: 1, zeroPoint: isU8 ? U8_SHIFT : 0, dtype: q.dtype });
  const xf = imp.emit(ctx, 'dequantize', [xs8], imp.tmp(ctx, 'int_values'), {}, { dtype: 'f32', suffix: 'dequantize' });
  const shape = axisShape(imp.shape(x), q.axis);
  const zp = imp.addConstant(`${ctx.name}/zero_point`, 'f32', shape, Float32Array.from(q.zeroPoint.map((z) => z - (isU8 ? U8_SHIFT : 0))));
  const sc = imp.addConstant(`${ctx.name}/scale`, 'f32', shape, Float32Array.from(q.scale));
  const centered = imp.emit(ctx, 'sub', [xf, zp], imp.tmp(ctx, 'centered'), {}, { suffix: 'sub_zero_point' });
  return imp.emit(ctx, 'mul', [centered, sc], output, {}, { suffix: 'scale' });
}

/** Broadcast shape of a per-axis parameter vector for data of `shape`. */
function axisShape(shape: number[], axis: number): number[] {
  return shape.map((d, i) => (i === axis ? d : 1));
}

/** QuantizeLinear of an f32 activation → s8 tensor `output` carrying the quantization. */
function quantizeActivation(imp: OnnxImporter, ctx: OnnxNodeContext, x: string, q: OnnxQuant, output: string): string {
  const isU8 = q.dtype === 'u8';
  const shift = isU8 ? U8_SHIFT : 0;
  let src = x;
  let quant = { scale: [q.scale[0]], zeroPoint: [q.zeroPoint[0] - shift] };
  if (q.axis !== undefined) {
    // Per-axis: x / scale[c] + zp[c] in f32, then quantize with scale 1 (the IR quantizes activations
    // per tensor). The add happens before rounding: it differs from ONNX's round(x / s) + zp only
    // when the add itself rounds (|x / s + zp| ≥ 2^22) or on exact .5 ties (see quantize below).
    const shape = axisShape(imp.shape(x), q.axis);
    const sc = imp.addConstant(`${ctx.name}/scale`, 'f32', shape, Float32Array.from(q.scale));
    const zp = imp.addConstant(`${ctx.name}/zero_point`, 'f32', shape, Float32Array.from(q.zeroPoint.map((z) => z - shift)));
    const scaled = imp.emit(ctx, 'div', [x, sc], imp.tmp(ctx, 'scaled'), {}, { suffix: 'div_scale' });
    src = imp.emit(ctx, 'add', [scaled, zp], imp.tmp(ctx, 'shifted'), {}, { suffix: 'add_zero_point' });
    quant = { scale: [1], zeroPoint: [0] };
  }
  imp.emit(ctx, 'quantize', [src], output, {}, { dtype: 's8', suffix: q.axis !== undefined ? 'quantize' : undefined });
  imp.g.tensor(output).quant = quant;
  if (isU8) {
    shiftedSet(imp).add(output);
    // Graph outputs are only known at the end of the import; note the candidate now.
    noteMetaList(imp, 'onnxUint8AsInt8', output);
  }
  return output;
}

// ---- attribute checks --------------------------------------------------------------------------

function rejectBlocked(imp: OnnxImporter, ctx: OnnxNodeContext): void {
  const bs = imp.attrInt(ctx, 'block_size', 0);
  if (bs > 0) imp.unsupported(ctx, `blocked quantization (block_size=${bs})`);
}

function rejectOutputDtype(imp: OnnxImporter, ctx: OnnxNodeContext, allowed: (d: DType) => boolean): DType | undefined {
  const a = imp.attr(ctx, 'output_dtype');
  if (!a) return undefined;
  const code = imp.attrInt(ctx, 'output_dtype', 0);
  if (code === 0) return undefined;
  const d = dtypeFromOnnx(code);
  if (!d || !allowed(d)) imp.unsupported(ctx, `output_dtype ${onnxDtypeName(code)}`);
  return d;
}

// ---- the ops (function declarations: quantLowerings may run before this module's body does,
// when the import cycle onnx-ops ⇄ onnx-quant is entered here) -----------------------------------------------------------------------------------

function dequantizeLinear(imp: OnnxImporter, ctx: OnnxNodeContext): void {
  rejectBlocked(imp, ctx);
  rejectOutputDtype(imp, ctx, (d) => d === 'f32');
  const x = imp.requireInput(ctx, 0, 'x');
  const scale = imp.requireInput(ctx, 1, 'x_scale');
  const zp = imp.input(ctx, 2);
  const xt = imp.g.tensor(x);
  if (xt.data && xt.dtype === 's32') {
    // int32 bias: dequantized at import (zero point 0 by the spec).
    const q = readQuant(imp, ctx, scale, zp, 's8', xt.shape, imp.attrInt(ctx, 'axis', 1), 'x');
    dequantizeConstant(imp, ctx, x, q, out(ctx));
    return;
  }
  const isShifted = !xt.data && shiftedSet(imp).has(x);
  const dtype = quantDtype(imp, ctx, isShifted ? 'u8' : xt.dtype, 'DequantizeLinear input');
  const q = readQuant(imp, ctx, scale, zp, dtype, xt.shape, imp.attrInt(ctx, 'axis', 1), 'x');
  if (zp !== undefined && imp.dtype(zp) !== dtype) imp.fail(ctx, `zero point is ${dtypeDisplay(imp.dtype(zp))}, x is ${dtypeDisplay(dtype)}`);
  if (xt.data) dequantizeConstant(imp, ctx, x, q, out(ctx));
  else dequantizeActivation(imp, ctx, x, q, out(ctx));
}

function quantizeLinear(imp: OnnxImporter, ctx: OnnxNodeContext): void {
  rejectBlocked(imp, ctx);
  const x = imp.requireInput(ctx, 0, 'x');
  const scale = imp.requireInput(ctx, 1, 'y_scale');
  const zp = imp.input(ctx, 2);
  imp.requireFloat(ctx, x);
  const outDtype = rejectOutputDtype(imp, ctx, () => true);
  // Output type: the zero point's, else output_dtype, else uint8 (the spec's default).
  const target = zp !== undefined ? imp.dtype(zp) : outDtype ?? 'u8';
  if (outDtype && zp !== undefined && outDtype !== target) imp.fail(ctx, 'output_dtype and the zero point dtype differ');
  const dtype = quantDtype(imp, ctx, target, 'QuantizeLinear output');
  const xt = imp.g.tensor(x);
  const q = readQuant(imp, ctx, scale, zp, dtype, xt.shape, imp.attrInt(ctx, 'axis', 1), 'y');
  if (xt.data) {
    imp.g.addTensor({ name: out(ctx), dtype, shape: [...xt.shape], data: quantizeData(xt.data as Float32Array, xt.shape, q) });
    return;
  }
  quantizeActivation(imp, ctx, x, q, out(ctx));
}

/** The integer dtype of input `i`, taking retyped uint8 activations into account. */
function onnxIntDtype(imp: OnnxImporter, ctx: OnnxNodeContext, name: string, what: string): 's8' | 'u8' {
  const t = imp.g.tensor(name);
  if (!t.data && shiftedSet(imp).has(name)) return 'u8';
  return quantDtype(imp, ctx, t.dtype, what);
}

/** Dequantizes input `name` (constant at import, activation by a node) into an f32 tensor. */
function dequantizeInput(imp: OnnxImporter, ctx: OnnxNodeContext, name: string, q: OnnxQuant, what: string): string {
  if (imp.g.tensor(name).data) return dequantizeConstant(imp, ctx, name, q);
  if (q.axis !== undefined) imp.unsupported(ctx, `per-axis quantization of the ${what} computed at run time`);
  return dequantizeActivation(imp, ctx, name, q, imp.tmp(ctx, `${what}_f32`));
}

/**
 * Lowers the float op `opType` on f32 inputs by the ordinary float lowering, with this node's
 * attributes (Conv's pads/strides/group/...), into `output`.
 */
function lowerFloatOp(
  imp: OnnxImporter,
  ctx: OnnxNodeContext,
  lowerFloat: Lowering,
  opType: string,
  inputs: (string | undefined)[],
  output: string,
): void {
  const node = { ...ctx.node, opType, input: inputs.map((i) => i ?? ''), output: [output] };
  lowerFloat(imp, { ...ctx, node, opType, source: ctx.source });
}

function qlinearConv(lowerFloat: Lowering): Lowering {
  return (imp, ctx) => {
    const [x, xs, xzp, w, ws, wzp, ys, yzp] = [0, 1, 2, 3, 4, 5, 6, 7].map((i) =>
      i === 2 || i === 5 || i === 7 ? imp.input(ctx, i) : imp.requireInput(ctx, i, ['x', 'x_scale', '', 'w', 'w_scale', '', 'y_scale'][i]),
    ) as string[];
    const b = imp.input(ctx, 8);
    const xq = readQuant(imp, ctx, xs, xzp, onnxIntDtype(imp, ctx, x, 'x'), imp.shape(x), 1, 'x');
    if (xq.axis !== undefined) imp.unsupported(ctx, 'per-axis x_scale');
    if (!imp.g.isConstant(w)) imp.unsupported(ctx, `non-constant weights ('${w}')`);
    const wq = readQuant(imp, ctx, ws, wzp, quantDtype(imp, ctx, imp.dtype(w), 'weights'), imp.shape(w), 0, 'w');
    const yq = readQuant(imp, ctx, ys, yzp, quantDtype(imp, ctx, yzp !== undefined ? imp.dtype(yzp) : imp.dtype(x), 'y'), [], 0, 'y');
    const xf = dequantizeInput(imp, ctx, x, xq, 'x');
    const wf = dequantizeConstant(imp, ctx, w, wq);
    let bf: string | undefined;
    if (b !== undefined) {
      const bt = imp.g.tensor(b);
      if (!bt.data || bt.dtype !== 's32') imp.fail(ctx, `bias must be a constant int32 tensor, got ${dtypeDisplay(bt.dtype)}`);
      // The bias is added to the int32 accumulator: its scale is x_scale · w_scale (per channel).
      const scale = wq.scale.map((s) => Math.fround(Math.fround(xq.scale[0]) * Math.fround(s)));
      bf = dequantizeConstant(imp, ctx, b, { scale, zeroPoint: scale.map(() => 0), axis: scale.length > 1 ? 0 : undefined, dtype: 's8' });
    }
    const yf = imp.tmp(ctx, 'conv_f32');
    lowerFloatOp(imp, ctx, lowerFloat, 'Conv', [xf, wf, bf], yf);
    quantizeActivation(imp, ctx, yf, yq, out(ctx));
  };
}

function qlinearMatMul(lowerFloat: Lowering): Lowering {
  return (imp, ctx) => {
    const names = ['a', 'a_scale', 'a_zero_point', 'b', 'b_scale', 'b_zero_point', 'y_scale', 'y_zero_point'];
    const [a, as, azp, b, bs, bzp, ys, yzp] = names.map((n, i) => (n.endsWith('zero_point') ? imp.input(ctx, i) : imp.requireInput(ctx, i, n))) as string[];
    const aq = readQuant(imp, ctx, as, azp, onnxIntDtype(imp, ctx, a, 'a'), imp.shape(a), 0, 'a');
    if (aq.axis !== undefined) imp.unsupported(ctx, 'per-row a_scale');
    const bShape = imp.shape(b);
    // b's per-column scales run along its last axis.
    const bq = readQuant(imp, ctx, bs, bzp, onnxIntDtype(imp, ctx, b, 'b'), bShape, bShape.length - 1, 'b');
    const yq = readQuant(imp, ctx, ys, yzp, quantDtype(imp, ctx, yzp !== undefined ? imp.dtype(yzp) : imp.dtype(a), 'y'), [], 0, 'y');
    const af = dequantizeInput(imp, ctx, a, aq, 'a');
    const bf = dequantizeInput(imp, ctx, b, bq, 'b');
    const yf = imp.tmp(ctx, 'matmul_f32');
    lowerFloatOp(imp, ctx, lowerFloat, 'MatMul', [af, bf], yf);
    quantizeActivation(imp, ctx, yf, yq, out(ctx));
  };
}

/** Largest |q − zp| of a tensor: its integer range after removing the zero point. */
function maxMagnitude(t: Tensor, q: OnnxQuant): number {
  if (!t.data) return q.dtype === 'u8' ? 255 : 128;
  let m = 0;
  intValues(t.data).forEach((v, i) => (m = Math.max(m, Math.abs(v - q.zeroPoint[channelOf(i, t.shape, q.axis)]))));
  return m;
}

/**
 * ConvInteger / MatMulInteger: int32 = Σ (x − x_zp)(w − w_zp). Lowered to f32 on exact integer
 * operands; accepted only when the worst-case |sum| stays below 2^24, where f32 is exact.
 */
function integerOp(lowerFloat: Lowering, kind: 'Conv' | 'MatMul'): Lowering {
  return (imp, ctx) => {
    const x = imp.requireInput(ctx, 0, kind === 'Conv' ? 'x' : 'A');
    const w = imp.requireInput(ctx, 1, kind === 'Conv' ? 'w' : 'B');
    const xzp = imp.input(ctx, 2);
    const wzp = imp.input(ctx, 3);
    const unit = (name: string, zp: string | undefined, axisDefault: number, what: string): OnnxQuant => {
      const dtype = onnxIntDtype(imp, ctx, name, what);
      const zeros = zp !== undefined ? imp.constInts(ctx, zp, `${what} zero point`) : [0];
      const shape = imp.shape(name);
      if (zeros.length === 1) return { scale: [1], zeroPoint: zeros, dtype };
      const axis = axisDefault < 0 ? shape.length + axisDefault : axisDefault;
      if (zeros.length !== shape[axis]) imp.fail(ctx, `${what} zero point has ${zeros.length} values, axis ${axis} of [${shape}] has ${shape[axis]}`);
      return { scale: zeros.map(() => 1), zeroPoint: zeros, axis, dtype };
    };
    const xq = unit(x, xzp, 0, kind === 'Conv' ? 'x' : 'A');
    if (xq.axis !== undefined) imp.unsupported(ctx, 'per-row zero point of the data input');
    const wq = unit(w, wzp, kind === 'Conv' ? 0 : -1, kind === 'Conv' ? 'w' : 'B');
    const ws = imp.shape(w);
    const depth = kind === 'Conv' ? numel(ws.slice(1)) : ws[ws.length - 2] ?? ws[0];
    const bound = depth * maxMagnitude(imp.g.tensor(x), xq) * maxMagnitude(imp.g.tensor(w), wq);
    if (bound >= 2 ** 24) {
      imp.unsupported(ctx, `int32 sums up to ${bound} (Mote computes ${ctx.opType} in f32, exact only below 2^24; an s32-output integer kernel is needed)`);
    }
    const xf = dequantizeInput(imp, ctx, x, xq, 'x');
    const wf = dequantizeInput(imp, ctx, w, wq, 'w');
    lowerFloatOp(imp, ctx, lowerFloat, kind, [xf, wf], out(ctx));
    noteMetaList(imp, 'onnxInt32AsFloat', out(ctx));
  };
}

/**
 * The quantized-op lowerings, keyed by ONNX op type. `lowerFloat` lowers an ONNX node with the
 * float lowerings (onnx-ops.ts passes its lowerOnnxNode), used for the op inside Q/DQ.
 */
export function quantLowerings(lowerFloat: Lowering): Record<string, Lowering> {
  return {
    QuantizeLinear: quantizeLinear,
    DequantizeLinear: dequantizeLinear,
    QLinearConv: qlinearConv(lowerFloat),
    QLinearMatMul: qlinearMatMul(lowerFloat),
    ConvInteger: integerOp(lowerFloat, 'Conv'),
    MatMulInteger: integerOp(lowerFloat, 'MatMul'),
  };
}
