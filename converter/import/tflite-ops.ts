// TFLite builtin operators → IR ops, one lowering per builtin code.
//
// TFLite is NHWC and its weight layouts are the IR's (CONV_2D [O,KH,KW,I], FULLY_CONNECTED [N,K]),
// except DEPTHWISE_CONV_2D's [1,KH,KW,C*M], whose leading 1 is dropped. SAME/VALID padding becomes
// explicit [top, left, bottom, right] pads with TFLite's rule (the odd pixel goes bottom/right).
// Fused activations become float intervals in node.attrs.activation.
import type { Activation, TensorData } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import type { TfliteImporter, TfliteOpContext } from './tflite.js';
import { lowerUnidirectionalSequenceLstm } from './tflite-lstm.js';
import { type AxisSlice, DATA_MOVEMENT_MAPPING, dataMovementLowerings, sliceInto } from './tflite-data-movement.js';
import { MATH_MAPPING, mathLowerings } from './tflite-math.js';
import { LOGIC_MAPPING, logicLowerings } from './tflite-logic.js';
import { isQuantizedDtype, options, reshapeInto, sameQuant } from './tflite-op-util.js';
import { builtinCode } from './tflite-opnames.js';
import {
  ActivationFunction,
  BuiltinOptionsType,
  MirrorPadMode,
  Padding,
  readConcatenationOptions,
  readConv2DOptions,
  readDepthwiseConv2DOptions,
  readFullyConnectedOptions,
  readFusedActivation,
  readLeakyReluAlpha,
  readMirrorPadMode,
  readPool2DOptions,
  readResizeOptions,
  readReducerKeepDims,
  readSoftmaxBeta,
  readStridedSliceOptions,
  TensorType,
} from './tflite-schema.js';
import type { StridedSliceOptions } from './tflite-schema.js';
import { dequantizeData, float16ToFloat32 } from './tflite-tensor.js';

type Lowering = (im: TfliteImporter, ctx: TfliteOpContext) => void;

// ---- shared helpers ---------------------------------------------------------------------------

/** A fused activation as the float interval the output is clamped to. */
function activationOf(im: TfliteImporter, ctx: TfliteOpContext, code: number): Activation | undefined {
  switch (code) {
    case ActivationFunction.NONE:
      return undefined;
    case ActivationFunction.RELU:
      return { min: 0, max: Infinity };
    case ActivationFunction.RELU_N1_TO_1:
      return { min: -1, max: 1 };
    case ActivationFunction.RELU6:
      return { min: 0, max: 6 };
    case ActivationFunction.TANH:
      return im.unsupported(ctx, 'fused activation TANH');
    case ActivationFunction.SIGN_BIT:
      return im.unsupported(ctx, 'fused activation SIGN_BIT');
  }
  return im.fail(ctx, `unknown fused activation code ${code}`);
}

/** `{ activation }` when there is one, else `{}` (attrs carry no undefined keys). */
function withActivation(act: Activation | undefined): { activation?: Activation } {
  return act ? { activation: act } : {};
}

function checkWindowParams(im: TfliteImporter, ctx: TfliteOpContext, params: Record<string, number>): void {
  for (const [k, v] of Object.entries(params)) {
    if (!(Number.isInteger(v) && v >= 1)) im.fail(ctx, `${k} is ${v}, must be an integer >= 1`);
  }
}

/**
 * TFLite's explicit padding for one spatial axis: SAME keeps ceil(in/stride) outputs and puts the
 * odd pixel at the end (bottom/right); VALID pads nothing.
 */
function axisPads(im: TfliteImporter, ctx: TfliteOpContext, padding: number, size: number, kernel: number, stride: number, dilation: number): [number, number] {
  if (padding === Padding.VALID) return [0, 0];
  if (padding !== Padding.SAME) im.fail(ctx, `unknown padding code ${padding}`);
  const out = Math.ceil(size / stride);
  const span = (kernel - 1) * dilation + 1;
  const total = Math.max((out - 1) * stride + span - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

function spatialPads(
  im: TfliteImporter,
  ctx: TfliteOpContext,
  padding: number,
  xs: number[],
  kernel: [number, number],
  strides: [number, number],
  dilations: [number, number],
): [number, number, number, number] {
  const [top, bottom] = axisPads(im, ctx, padding, xs[1], kernel[0], strides[0], dilations[0]);
  const [left, right] = axisPads(im, ctx, padding, xs[2], kernel[1], strides[1], dilations[1]);
  return [top, left, bottom, right];
}

function requireRank(im: TfliteImporter, ctx: TfliteOpContext, name: string, rank: number, what: string): number[] {
  const s = im.shape(name);
  if (s.length !== rank) im.fail(ctx, `${what} must have rank ${rank}, got [${s}]`);
  return s;
}

/**
 * A weight input for a float op: dynamic-range ("hybrid") models keep int8 weights with a scale
 * beside float activations; they become float constants so the op is an ordinary f32 op.
 */
function weightFor(im: TfliteImporter, ctx: TfliteOpContext, x: string, k: number, what: string): string {
  const name = im.input(ctx, k, what);
  const t = im.g.tensor(name);
  if (im.dtype(x) === 'f32' && t.data && t.quant && isQuantizedDtype(t.dtype)) {
    return im.addConstant(`${name}/dequantized`, 'f32', t.shape, dequantizeData(t.data, t.shape, t.quant));
  }
  return name;
}

// ---- convolutions and dense layers ------------------------------------------------------------

const conv2d: Lowering = (im, ctx) => {
  const o = readConv2DOptions(options(im, ctx, BuiltinOptionsType.Conv2DOptions));
  checkWindowParams(im, ctx, { stride_h: o.strideH, stride_w: o.strideW, dilation_h: o.dilationH, dilation_w: o.dilationW });
  const x = im.input(ctx, 0, 'input');
  const w = weightFor(im, ctx, x, 1, 'filter');
  const bias = im.optionalInput(ctx, 2, 'bias');
  const xs = requireRank(im, ctx, x, 4, 'input');
  const ws = requireRank(im, ctx, w, 4, 'filter [O,KH,KW,I]');
  if (!(ws[3] > 0 && xs[3] % ws[3] === 0)) im.fail(ctx, `input has ${xs[3]} channels, filter expects a multiple of ${ws[3]}`);
  const strides: [number, number] = [o.strideH, o.strideW];
  const dilations: [number, number] = [o.dilationH, o.dilationW];
  const act = activationOf(im, ctx, o.activation);
  const out = im.output(ctx, 0);
  im.emit(ctx, 'conv2d', [x, w, bias], out, {
    strides,
    dilations,
    pads: spatialPads(im, ctx, o.padding, xs, [ws[1], ws[2]], strides, dilations),
    group: xs[3] / ws[3],
    ...withActivation(act),
  });
};

const depthwiseConv2d: Lowering = (im, ctx) => {
  const o = readDepthwiseConv2DOptions(options(im, ctx, BuiltinOptionsType.DepthwiseConv2DOptions));
  checkWindowParams(im, ctx, { stride_h: o.strideH, stride_w: o.strideW, dilation_h: o.dilationH, dilation_w: o.dilationW });
  const x = im.input(ctx, 0, 'input');
  const xs = requireRank(im, ctx, x, 4, 'input');
  const f = im.constInput(ctx, 1, 'filter');
  if (f.shape.length !== 4 || f.shape[0] !== 1) im.fail(ctx, `filter must be [1,KH,KW,C*M], got [${f.shape}]`);
  const [, kh, kw, cm] = f.shape;
  // depth_multiplier in the options is redundant (newer TFLite ignores it); derive it from shapes.
  if (!(xs[3] > 0 && cm % xs[3] === 0)) im.fail(ctx, `filter has ${cm} channels, not a multiple of the input's ${xs[3]}`);
  // Drop the leading 1: [1,KH,KW,C*M] → IR [KH,KW,C*M]; a per-channel axis 3 becomes axis 2.
  let dtype = f.dtype;
  let data: TensorData = f.data;
  let quant = f.quant;
  if (quant?.axis !== undefined) {
    if (quant.axis !== 3) im.fail(ctx, `filter is quantized per-axis on dimension ${quant.axis}, expected 3`);
    quant = { ...quant, axis: 2 };
  }
  if (im.dtype(x) === 'f32' && quant && isQuantizedDtype(dtype)) {
    data = dequantizeData(data, [kh, kw, cm], quant);
    dtype = 'f32';
    quant = undefined;
  }
  const w = im.addConstant(f.tensor.name || `tensor_${f.tensor.index}`, dtype, [kh, kw, cm], data, quant);
  const bias = im.optionalInput(ctx, 2, 'bias');
  const strides: [number, number] = [o.strideH, o.strideW];
  const dilations: [number, number] = [o.dilationH, o.dilationW];
  const act = activationOf(im, ctx, o.activation);
  const out = im.output(ctx, 0);
  im.emit(ctx, 'depthwise_conv2d', [x, w, bias], out, {
    strides,
    dilations,
    pads: spatialPads(im, ctx, o.padding, xs, [kh, kw], strides, dilations),
    depthMultiplier: cm / xs[3],
    ...withActivation(act),
  });
};

const fullyConnected: Lowering = (im, ctx) => {
  const o = readFullyConnectedOptions(options(im, ctx, BuiltinOptionsType.FullyConnectedOptions));
  if (o.weightsFormat !== 0) im.unsupported(ctx, `weights_format ${o.weightsFormat} (shuffled weights)`);
  const x = im.input(ctx, 0, 'input');
  const w = weightFor(im, ctx, x, 1, 'weights');
  const bias = im.optionalInput(ctx, 2, 'bias');
  const ws = requireRank(im, ctx, w, 2, 'weights [N,K]');
  const [n, k] = ws;
  const total = numel(im.shape(x));
  if (!(k > 0 && total % k === 0)) im.fail(ctx, `input [${im.shape(x)}] is not a whole number of rows of K=${k}`);
  const act = activationOf(im, ctx, o.activation);
  const out = im.output(ctx, 0);
  const declared = im.shape(out);
  const rows = total / k;
  // IR fully_connected writes [rows, N]; keep_num_dims (or any other declared form) gets a reshape.
  if (declared.length === 2 && declared[0] === rows && declared[1] === n) {
    im.emit(ctx, 'fully_connected', [x, w, bias], out, withActivation(act));
    return;
  }
  if (numel(declared) !== rows * n) im.fail(ctx, `output declared [${declared}], expected ${rows}x${n} values`);
  const outT = im.g.tensor(out);
  const tmp = im.addTemp(`${out}/fc`, outT.dtype, outT.quant);
  im.emit(ctx, 'fully_connected', [x, w, bias], tmp, withActivation(act));
  reshapeInto(im, ctx, tmp, out);
};

/** TransposeConvOptions (BuiltinOptions union member 49): padding 0, stride_w 1, stride_h 2, fused_activation_function 3. */
const TRANSPOSE_CONV_OPTIONS = 49;

/**
 * TRANSPOSE_CONV: inputs output_shape, weights [O,KH,KW,C], input, bias?. The output size is the
 * file's declared output shape (a run-time output_shape input must equal it; a constant one is
 * checked here). Padding as TFLM: ComputePaddingHeightWidth on the output size.
 */
const transposeConv: Lowering = (im, ctx) => {
  const t = options(im, ctx, TRANSPOSE_CONV_OPTIONS);
  const padding = t?.int8(0, 'padding') ?? 0;
  const strideW = t?.int32(1, 'stride_w') ?? 0;
  const strideH = t?.int32(2, 'stride_h') ?? 0;
  const act = activationOf(im, ctx, t?.int8(3, 'fused_activation_function') ?? 0);
  checkWindowParams(im, ctx, { stride_h: strideH, stride_w: strideW });
  const x = im.input(ctx, 2, 'input');
  const w = weightFor(im, ctx, x, 1, 'weights');
  const bias = im.optionalInput(ctx, 3, 'bias');
  requireRank(im, ctx, x, 4, 'input');
  const ws = requireRank(im, ctx, w, 4, 'weights [O,KH,KW,C]');
  const out = im.output(ctx, 0);
  const os = requireRank(im, ctx, out, 4, 'output');
  if (im.isConstantInput(im.inputIndex(ctx, 0))) {
    const shape = im.constInts(ctx, 0, 'output_shape');
    if (shape.join(',') !== os.join(',')) im.fail(ctx, `output_shape [${shape}] differs from the declared output [${os}]`);
  }
  const strides: [number, number] = [strideH, strideW];
  // TFLM: ComputePaddingHeightWidth with the transpose conv's output as the "input" size.
  const [top, bottom] = axisPads(im, ctx, padding, os[1], ws[1], strideH, 1);
  const [left, right] = axisPads(im, ctx, padding, os[2], ws[2], strideW, 1);
  im.emit(ctx, 'transpose_conv2d', [x, w, bias], out, {
    strides,
    pads: [top, left, bottom, right],
    outputSize: [os[1], os[2]],
    ...withActivation(act),
  });
};

// ---- pooling -----------------------------------------------------------------------------------

function pool(op: 'max_pool2d' | 'average_pool2d'): Lowering {
  return (im, ctx) => {
    const o = readPool2DOptions(options(im, ctx, BuiltinOptionsType.Pool2DOptions));
    checkWindowParams(im, ctx, { filter_height: o.filterHeight, filter_width: o.filterWidth, stride_h: o.strideH, stride_w: o.strideW });
    const x = im.input(ctx, 0, 'input');
    const xs = requireRank(im, ctx, x, 4, 'input');
    const kernel: [number, number] = [o.filterHeight, o.filterWidth];
    const strides: [number, number] = [o.strideH, o.strideW];
    const act = activationOf(im, ctx, o.activation);
    const out = im.output(ctx, 0);
    im.emit(ctx, op, [x], out, {
      kernel,
      strides,
      dilations: [1, 1],
      pads: spatialPads(im, ctx, o.padding, xs, kernel, strides, [1, 1]),
      // TFLite averages over the taps inside the input only.
      countIncludePad: false,
      ...withActivation(act),
    });
  };
}

// ---- resizing ----------------------------------------------------------------------------------

/**
 * RESIZE_NEAREST_NEIGHBOR / RESIZE_BILINEAR (constant size [OH, OW]): resize in TFLite's arithmetic.
 * align_corners is ONNX's align_corners (nearest rounds half away: round_prefer_ceil on the
 * non-negative coordinates); half_pixel_centers is half_pixel (bilinear) or tf_half_pixel_for_nn
 * (nearest, floor); neither is asymmetric (floor). Nearest takes both at once (align_corners's scale
 * and rounding on x + ½), as TFLite and TFLite Micro do; bilinear refuses the pair, as they do.
 */
function resizeLowering(mode: 'nearest' | 'bilinear'): Lowering {
  return (im, ctx) => {
    const bilinear = mode === 'bilinear';
    const name = bilinear ? 'RESIZE_BILINEAR' : 'RESIZE_NEAREST_NEIGHBOR';
    const kind = bilinear ? BuiltinOptionsType.ResizeBilinearOptions : BuiltinOptionsType.ResizeNearestNeighborOptions;
    const o = readResizeOptions(options(im, ctx, kind), bilinear);
    if (bilinear && o.alignCorners && o.halfPixelCenters) {
      im.unsupported(ctx, `${name} with both align_corners and half_pixel_centers (TFLite and TFLite Micro refuse the pair)`);
    }
    const x = im.input(ctx, 0, 'input');
    const xs = requireRank(im, ctx, x, 4, 'input');
    const dt = im.dtype(x);
    // TFLite Micro's nearest also moves int16 (its bytes, like int8's); its bilinear has no int16 form.
    if (dt !== 'f32' && dt !== 's8' && !(dt === 's16' && !bilinear)) im.unsupported(ctx, `${name} on ${dt} (float32 and int8; int16 for nearest)`);
    const size = im.constInts(ctx, 1, 'size');
    if (size.length !== 2 || size.some((d) => !Number.isInteger(d) || d < 1)) im.fail(ctx, `size [${size}] must be two integers >= 1`);
    const out = im.output(ctx, 0);
    if (dt !== 'f32' && !sameQuant(im.g.tensor(x).quant, im.g.tensor(out).quant)) im.unsupported(ctx, `${name} whose output quantization differs from its input`);
    const coordinates = o.alignCorners ? 'align_corners' : !o.halfPixelCenters ? 'asymmetric' : bilinear ? 'half_pixel' : 'tf_half_pixel_for_nn';
    im.emit(ctx, 'resize', [x], out, {
      mode,
      coordinates,
      nearestRounding: o.alignCorners ? 'round_prefer_ceil' : 'floor',
      size: [size[0], size[1]],
      scales: [size[0] / xs[1], size[1] / xs[2]],
      arithmetic: 'tflite',
      ...(o.alignCorners && o.halfPixelCenters ? { tfliteHalfPixelCenters: true } : {}),
    });
  };
}

// ---- shape ops ---------------------------------------------------------------------------------

/** RESHAPE, SQUEEZE, EXPAND_DIMS: the file declares the output shape, which is all a reshape needs. */
const reshapeLike: Lowering = (im, ctx) => {
  const i = im.inputIndex(ctx, 0);
  if (im.isConstantInput(i)) {
    const c = im.constInput(ctx, 0, 'input');
    if (c.quant?.axis === undefined) {
      im.defineFoldedOutput(ctx, 0, c.dtype, c.data);
      return;
    }
  }
  const x = im.input(ctx, 0, 'input');
  reshapeInto(im, ctx, x, im.output(ctx, 0));
};

const transpose: Lowering = (im, ctx) => {
  const x = im.input(ctx, 0, 'input');
  const rank = im.shape(x).length;
  const perm = im.constInts(ctx, 1, 'perm').map((p) => (p < 0 ? p + rank : p));
  im.emit(ctx, 'transpose', [x], im.output(ctx, 0), { perm });
};

const concatenation: Lowering = (im, ctx) => {
  const o = readConcatenationOptions(options(im, ctx, BuiltinOptionsType.ConcatenationOptions));
  if (ctx.op.inputs.length === 0) im.fail(ctx, 'no inputs');
  const out = im.output(ctx, 0);
  const outT = im.g.tensor(out);
  const rank = outT.shape.length;
  const axis = o.axis < 0 ? o.axis + rank : o.axis;
  // The IR's int8 concat copies bytes, so every input must already be on the output's grid;
  // TFLite allows other scales and requantizes them, which becomes explicit requantize nodes here.
  const inputs = ctx.op.inputs.map((_, k) => {
    const x = im.input(ctx, k, `input ${k}`);
    const t = im.g.tensor(x);
    if (isQuantizedDtype(t.dtype) && !sameQuant(t.quant, outT.quant)) {
      const r = im.addTemp(`${x}/requantized`, outT.dtype, outT.quant);
      im.emit(ctx, 'requantize', [x], r, {});
      return r;
    }
    return x;
  });
  const act = activationOf(im, ctx, o.activation);
  if (!act) {
    im.emit(ctx, 'concat', inputs, out, { axis });
    return;
  }
  const tmp = im.addTemp(`${out}/concat`, outT.dtype, outT.quant);
  im.emit(ctx, 'concat', inputs, tmp, { axis });
  im.emit(ctx, 'clamp', [tmp], out, { min: act.min, max: act.max });
};

function padLowering(kind: 'PAD' | 'PADV2' | 'MIRROR_PAD'): Lowering {
  return (im, ctx) => {
    const x = im.input(ctx, 0, 'input');
    const xs = im.shape(x);
    const p = im.constInts(ctx, 1, 'paddings');
    if (p.length !== 2 * xs.length) im.fail(ctx, `paddings have ${p.length} values, expected [${xs.length},2]`);
    const begin = xs.map((_, d) => p[2 * d]);
    const end = xs.map((_, d) => p[2 * d + 1]);
    if ([...begin, ...end].some((v) => v < 0)) im.unsupported(ctx, `negative paddings [${p}]`);
    let value = 0; // PAD fills with real 0 (the zero point, for quantized tensors)
    let mode: 'constant' | 'reflect' = 'constant';
    if (kind === 'PADV2' && im.hasInput(ctx, 2)) {
      const c = im.constInput(ctx, 2, 'constant_values');
      if (c.data.length !== 1) im.fail(ctx, `constant_values must hold one value, got [${c.shape}]`);
      const q = c.quant ?? im.g.tensor(x).quant;
      value = isQuantizedDtype(c.dtype) && q ? q.scale[0] * (Number(c.data[0]) - q.zeroPoint[0]) : Number(c.data[0]);
    }
    if (kind === 'MIRROR_PAD') {
      const m = readMirrorPadMode(options(im, ctx, BuiltinOptionsType.MirrorPadOptions));
      if (m !== MirrorPadMode.REFLECT) im.unsupported(ctx, 'MIRROR_PAD mode SYMMETRIC');
      mode = 'reflect';
    }
    im.emit(ctx, 'pad', [x], im.output(ctx, 0), { mode, value, begin, end });
  };
}

/**
 * MEAN, REDUCE_MAX, REDUCE_MIN: constant axes, keep_dims (without it a reshape drops the reduced
 * dims, as the file's output does). TFLite Micro's int8 REDUCE_MAX / REDUCE_MIN compare raw codes
 * and require the output to share the input's scale and zero point: other files are refused.
 */
const reducer = (op: 'mean' | 'reduce_max' | 'reduce_min' | 'reduce_sum'): Lowering => (im, ctx) => {
  const keepDims = readReducerKeepDims(options(im, ctx, BuiltinOptionsType.ReducerOptions));
  const x = im.input(ctx, 0, 'input');
  const rank = im.shape(x).length;
  const axes = [...new Set(im.constInts(ctx, 1, 'axes').map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
  for (const a of axes) if (!(a >= 0 && a < rank)) im.fail(ctx, `axis ${a} out of range for rank ${rank}`);
  const out = im.output(ctx, 0);
  const outT = im.g.tensor(out);
  if (op === 'reduce_max' || op === 'reduce_min') {
    const xt = im.g.tensor(x);
    if (xt.dtype !== 'f32' && xt.dtype !== 's8') im.unsupported(ctx, `${ctx.opName} on ${xt.dtype} (the runtime runs float32 and int8)`);
    if (xt.dtype === 's8' && !sameQuant(xt.quant, outT.quant)) im.unsupported(ctx, `int8 ${ctx.opName} whose output scale / zero point differ from the input's (TFLite Micro requires them equal)`);
  }
  // The IR keeps reduced dims as 1; without keep_dims the file's output drops them: reshape.
  if (keepDims) {
    im.emit(ctx, op, [x], out, { axes });
    return;
  }
  const tmp = im.addTemp(`${out}/${op}`, outT.dtype, outT.quant);
  im.emit(ctx, op, [x], tmp, { axes });
  reshapeInto(im, ctx, tmp, out);
};

// ---- strided slice -------------------------------------------------------------------------------

/** TFLite's begin/end resolution per axis (masks, negative indices, clamping, shrink_axis). */
function resolveSlice(im: TfliteImporter, ctx: TfliteOpContext, xs: number[], begin: number[], end: number[], strides: number[], o: StridedSliceOptions): AxisSlice[] {
  if (o.ellipsisMask !== 0 || o.newAxisMask !== 0) im.unsupported(ctx, 'STRIDED_SLICE with ellipsis_mask or new_axis_mask');
  if (begin.length !== end.length || begin.length !== strides.length || begin.length > xs.length) {
    im.fail(ctx, `begin/end/strides have lengths ${begin.length}/${end.length}/${strides.length} for rank ${xs.length}`);
  }
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  return xs.map((dim, i) => {
    if (i >= begin.length) return { start: 0, step: 1, count: dim, shrink: false };
    const step = strides[i];
    if (step === 0) im.fail(ctx, `stride 0 on axis ${i}`);
    const bit = 1 << i;
    let start: number;
    if (o.beginMask & bit) start = step > 0 ? 0 : dim - 1;
    else {
      start = begin[i] < 0 ? begin[i] + dim : begin[i];
      start = step > 0 ? clamp(start, 0, dim) : clamp(start, -1, dim - 1);
    }
    const shrink = (o.shrinkAxisMask & bit) !== 0;
    if (shrink) {
      if (!(start >= 0 && start < dim)) im.fail(ctx, `shrink_axis index ${begin[i]} out of range on axis ${i} (size ${dim})`);
      return { start, step: 1, count: 1, shrink: true };
    }
    let stop: number;
    if (o.endMask & bit) stop = step > 0 ? dim : -1;
    else {
      stop = o.offset ? begin[i] + end[i] : end[i];
      stop = stop < 0 ? stop + dim : stop;
      stop = step > 0 ? clamp(stop, 0, dim) : clamp(stop, -1, dim - 1);
    }
    const count = step > 0 ? Math.max(0, Math.ceil((stop - start) / step)) : Math.max(0, Math.ceil((start - stop) / -step));
    return { start, step, count, shrink: false };
  });
}

/**
 * STRIDED_SLICE: a constant input is folded here; a slice that keeps every element is a reshape;
 * anything else is an IR strided_slice (begin/strides/size resolved per dim) followed by a reshape
 * when shrink_axis drops dims.
 */
const stridedSlice: Lowering = (im, ctx) => {
  const o = readStridedSliceOptions(options(im, ctx, BuiltinOptionsType.StridedSliceOptions));
  const begin = im.constInts(ctx, 1, 'begin');
  const end = im.constInts(ctx, 2, 'end');
  const strides = im.hasInput(ctx, 3) ? im.constInts(ctx, 3, 'strides') : begin.map(() => 1);
  const xs = im.shape(im.input(ctx, 0, 'input'));
  sliceInto(im, ctx, 0, resolveSlice(im, ctx, xs, begin, end, strides, o), 0);
};

// ---- elementwise -----------------------------------------------------------------------------------

function binary(op: 'add' | 'sub' | 'mul' | 'div', optionsType: number): Lowering {
  return (im, ctx) => {
    const act = activationOf(im, ctx, readFusedActivation(options(im, ctx, optionsType)));
    const a = im.input(ctx, 0, 'input 0');
    const b = im.input(ctx, 1, 'input 1');
    im.emit(ctx, op, [a, b], im.output(ctx, 0), withActivation(act));
  };
}

/**
 * MAXIMUM / MINIMUM: TFLite Micro compares the raw int8 codes, which is the comparison of the real
 * values only when both inputs and the output share one scale and zero point; other files are refused.
 */
function minMax(op: 'maximum' | 'minimum'): Lowering {
  return (im, ctx) => {
    const a = im.input(ctx, 0, 'input 0');
    const b = im.input(ctx, 1, 'input 1');
    const out = im.output(ctx, 0);
    const outT = im.g.tensor(out);
    if (outT.dtype !== 'f32' && outT.dtype !== 's8') im.unsupported(ctx, `${ctx.opName} on ${outT.dtype} (the runtime runs float32 and int8)`);
    for (const [k, x] of [a, b].entries()) {
      const t = im.g.tensor(x);
      if (t.dtype !== outT.dtype) im.fail(ctx, `input ${k} is ${t.dtype}, the output ${outT.dtype}`);
      if (outT.dtype === 's8' && !sameQuant(t.quant, outT.quant)) {
        im.unsupported(ctx, `int8 input ${k} whose scale / zero point differ from the output's (TFLite Micro compares raw int8 codes)`);
      }
    }
    im.emit(ctx, op, [a, b], out, {});
  };
}

const ARG_MAX_OPTIONS = 40;
const ARG_MIN_OPTIONS = 57;

/**
 * ARG_MAX / ARG_MIN: one constant axis, int32 indices (as TFLite Micro; an int64 output is refused); float32 or int8 input (int8 compares raw codes, as TFLite Micro). The IR op keeps the
 * axis as size 1; a reshape drops it, as the file's output does.
 */
function argMinMax(op: 'arg_max' | 'arg_min'): Lowering {
  return (im, ctx) => {
    // The options hold output_type, which the output tensor's own type repeats: that is read.
    options(im, ctx, op === 'arg_max' ? ARG_MAX_OPTIONS : ARG_MIN_OPTIONS);
    const x = im.input(ctx, 0, 'input');
    const xs = im.shape(x);
    const xt = im.g.tensor(x);
    if (xt.dtype !== 'f32' && xt.dtype !== 's8') im.unsupported(ctx, `${ctx.opName} on ${xt.dtype} (the runtime runs float32 and int8)`);
    const axes = im.constInts(ctx, 1, 'axis');
    if (axes.length !== 1) im.fail(ctx, `axis must hold one value, got ${axes.length}`);
    const axis = axes[0] < 0 ? axes[0] + xs.length : axes[0];
    if (!(axis >= 0 && axis < xs.length)) im.fail(ctx, `axis ${axes[0]} out of range for rank ${xs.length}`);
    const out = im.output(ctx, 0);
    const outT = im.g.tensor(out);
    if (outT.dtype !== 's32') im.unsupported(ctx, `${ctx.opName} output type ${outT.dtype} (the runtime writes int32 indices, as TFLite Micro)`);
    const tmp = im.addTemp(`${out}/${op}`, 's32');
    im.emit(ctx, op, [x], tmp, { axis, selectLastIndex: false });
    reshapeInto(im, ctx, tmp, out);
  };
}

function unary(op: 'sigmoid' | 'tanh' | 'hard_swish'): Lowering {
  return (im, ctx) => {
    im.emit(ctx, op, [im.input(ctx, 0, 'input')], im.output(ctx, 0), {});
  };
}

/** RELU, RELU6, RELU_N1_TO_1, RELU_0_TO_1 → clamp (then requantize when TFLite changes the scale). */
function clampTo(min: number, max: number): Lowering {
  return (im, ctx) => {
    const x = im.input(ctx, 0, 'input');
    const out = im.output(ctx, 0);
    const xt = im.g.tensor(x);
    const outT = im.g.tensor(out);
    if (isQuantizedDtype(xt.dtype) && !sameQuant(xt.quant, outT.quant)) {
      const tmp = im.addTemp(`${out}/clamped`, xt.dtype, xt.quant);
      im.emit(ctx, 'clamp', [x], tmp, { min, max });
      im.emit(ctx, 'requantize', [tmp], out, {});
      return;
    }
    im.emit(ctx, 'clamp', [x], out, { min, max });
  };
}

const leakyRelu: Lowering = (im, ctx) => {
  const alpha = readLeakyReluAlpha(options(im, ctx, BuiltinOptionsType.LeakyReluOptions));
  im.emit(ctx, 'leaky_relu', [im.input(ctx, 0, 'input')], im.output(ctx, 0), { alpha });
};

const softmax: Lowering = (im, ctx) => {
  const beta = readSoftmaxBeta(options(im, ctx, BuiltinOptionsType.SoftmaxOptions));
  const x = im.input(ctx, 0, 'input');
  const rank = im.shape(x).length;
  if (rank === 0) im.fail(ctx, 'softmax of a scalar');
  im.emit(ctx, 'softmax', [x], im.output(ctx, 0), { axis: rank - 1, beta });
};

// ---- quantization ----------------------------------------------------------------------------------

const quantize: Lowering = (im, ctx) => {
  const x = im.input(ctx, 0, 'input');
  // QUANTIZE from float is a quantize; from an integer type it changes scale/zero point/width.
  im.emit(ctx, im.dtype(x) === 'f32' ? 'quantize' : 'requantize', [x], im.output(ctx, 0), {});
};

const dequantize: Lowering = (im, ctx) => {
  const i = im.inputIndex(ctx, 0);
  if (i >= 0 && im.isConstantInput(i)) {
    // Constant weights stored as float16 or int8 behind a DEQUANTIZE: fold into float constants.
    if (im.rawTensor(i, ctx.source).type === TensorType.FLOAT16) {
      const h = im.float16Constant(i, ctx.source)!;
      im.defineFoldedOutput(ctx, 0, 'f32', float16ToFloat32(h.bytes));
      return;
    }
    const c = im.constInput(ctx, 0, 'input');
    if (c.dtype === 'f32') im.defineFoldedOutput(ctx, 0, 'f32', c.data);
    else if (c.quant) im.defineFoldedOutput(ctx, 0, 'f32', dequantizeData(c.data, c.shape, c.quant));
    else im.fail(ctx, `constant ${c.dtype} input has no quantization parameters`);
    return;
  }
  im.emit(ctx, 'dequantize', [im.input(ctx, 0, 'input')], im.output(ctx, 0), {});
};

// ---- the table -------------------------------------------------------------------------------------

const byName: Record<string, Lowering> = {
  CONV_2D: conv2d,
  DEPTHWISE_CONV_2D: depthwiseConv2d,
  FULLY_CONNECTED: fullyConnected,
  TRANSPOSE_CONV: transposeConv,
  AVERAGE_POOL_2D: pool('average_pool2d'),
  MAX_POOL_2D: pool('max_pool2d'),
  RESHAPE: reshapeLike,
  SQUEEZE: reshapeLike,
  EXPAND_DIMS: reshapeLike,
  TRANSPOSE: transpose,
  CONCATENATION: concatenation,
  PAD: padLowering('PAD'),
  PADV2: padLowering('PADV2'),
  MIRROR_PAD: padLowering('MIRROR_PAD'),
  MEAN: reducer('mean'),
  REDUCE_MAX: reducer('reduce_max'),
  SUM: reducer('reduce_sum'),
  REDUCE_MIN: reducer('reduce_min'),
  STRIDED_SLICE: stridedSlice,
  ADD: binary('add', BuiltinOptionsType.AddOptions),
  SUB: binary('sub', BuiltinOptionsType.SubOptions),
  MUL: binary('mul', BuiltinOptionsType.MulOptions),
  DIV: binary('div', BuiltinOptionsType.DivOptions),
  LOGISTIC: unary('sigmoid'),
  TANH: unary('tanh'),
  HARD_SWISH: unary('hard_swish'),
  RELU: clampTo(0, Infinity),
  RELU6: clampTo(0, 6),
  RELU_N1_TO_1: clampTo(-1, 1),
  RELU_0_TO_1: clampTo(0, 1),
  LEAKY_RELU: leakyRelu,
  SOFTMAX: softmax,
  QUANTIZE: quantize,
  DEQUANTIZE: dequantize,
  UNIDIRECTIONAL_SEQUENCE_LSTM: lowerUnidirectionalSequenceLstm,
  ...dataMovementLowerings,
  ...mathLowerings,
  MAXIMUM: minMax('maximum'),
  MINIMUM: minMax('minimum'),
  ARG_MAX: argMinMax('arg_max'),
  ARG_MIN: argMinMax('arg_min'),
  RESIZE_NEAREST_NEIGHBOR: resizeLowering('nearest'),
  RESIZE_BILINEAR: resizeLowering('bilinear'),
  ...logicLowerings,
};

/** Lowering per builtin operator code; a code without an entry is unsupported. */
export const lowerings: Partial<Record<number, Lowering>> = Object.fromEntries(
  Object.entries(byName).map(([name, fn]) => [builtinCode(name), fn]),
);

/** The IR op(s) each supported TFLite builtin becomes (for reports and docs). */
export const TFLITE_OP_MAPPING: Record<string, string> = {
  CONV_2D: 'conv2d',
  DEPTHWISE_CONV_2D: 'depthwise_conv2d (filter [1,KH,KW,C*M] → [KH,KW,C*M])',
  FULLY_CONNECTED: 'fully_connected (+ reshape when the declared output is not [rows,N])',
  TRANSPOSE_CONV: 'transpose_conv2d (output size from the declared output; output_shape input not read; bias, fused activation; f32, int8, 16x8)',
  AVERAGE_POOL_2D: 'average_pool2d (countIncludePad false)',
  MAX_POOL_2D: 'max_pool2d',
  RESHAPE: 'reshape (folded when the input is constant)',
  SQUEEZE: 'reshape',
  EXPAND_DIMS: 'reshape',
  TRANSPOSE: 'transpose',
  CONCATENATION: 'concat (+ requantize of off-grid int inputs, + clamp for a fused activation)',
  PAD: 'pad constant 0',
  PADV2: 'pad constant (value dequantized)',
  MIRROR_PAD: 'pad reflect (SYMMETRIC unsupported)',
  MEAN: 'mean (+ reshape without keep_dims)',
  STRIDED_SLICE: 'strided_slice (+ reshape for shrink_axis); folded for a constant input, reshape when it keeps every element',
  ADD: 'add',
  SUB: 'sub',
  MUL: 'mul',
  DIV: 'div',
  LOGISTIC: 'sigmoid',
  TANH: 'tanh',
  HARD_SWISH: 'hard_swish',
  RELU: 'clamp [0, inf)',
  RELU6: 'clamp [0, 6]',
  RELU_N1_TO_1: 'clamp [-1, 1]',
  RELU_0_TO_1: 'clamp [0, 1]',
  LEAKY_RELU: 'leaky_relu',
  SOFTMAX: 'softmax (last axis, beta)',
  QUANTIZE: 'quantize (from float) or requantize (from int)',
  DEQUANTIZE: 'dequantize (folded for constant int8/float16 inputs)',
  UNIDIRECTIONAL_SEQUENCE_LSTM: 'lstm (float32; zero initial state; no CIFG, peephole, projection or layer norm)',
  ...DATA_MOVEMENT_MAPPING,
  ...MATH_MAPPING,
  MAXIMUM: 'maximum (float32, int8 with one scale / zero point for both inputs and the output)',
  MINIMUM: 'minimum (float32, int8 with one scale / zero point for both inputs and the output)',
  ARG_MAX: 'arg_max (+ reshape dropping the axis); int32 output, float32 or int8 input',
  ARG_MIN: 'arg_min (+ reshape dropping the axis); int32 output, float32 or int8 input',
  SUM: 'reduce_sum (+ reshape without keep_dims); int8 as TFLite Micro (int32 sum, one output rescale)',
  REDUCE_MAX: 'reduce_max (+ reshape without keep_dims); int8 with the input\'s scale / zero point on the output',
  REDUCE_MIN: 'reduce_min (+ reshape without keep_dims); int8 with the input\'s scale / zero point on the output',
  RESIZE_NEAREST_NEIGHBOR: 'resize nearest (size input constant; TFLite arithmetic)',
  RESIZE_BILINEAR: 'resize bilinear (size input constant; int8 in TFLM fixed point)',
  ...LOGIC_MAPPING,
};
