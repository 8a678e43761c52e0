// Mote's one graph IR. Importers (ONNX, TFLite) produce it, passes rewrite it, the planner and the
// emitter serialize it, and the reference interpreter executes it.
//
// The IR speaks the runtime's vocabulary from the start: every node's `op` is one of the opcodes in
// format/format.ts (lower-case), so there is exactly one name per op across converter, reference
// kernels and runtime kernels. Importers lower source ops (ONNX Conv on NCHW, Gemm, Relu, ...) into
// these ops; the only IR-only ops are `reshape` (becomes an alias: no copy, no kernel) and
// `batch_norm` (always folded away or lowered to mul+add before emission).
//
// Layout: spatial ops (conv2d, depthwise_conv2d, pools) read NHWC. ONNX's NCHW models get explicit
// `transpose` nodes around them at import; the sink-transposes pass cancels the pairs.

export type DType = 'f32' | 's8' | 's32' | 'u8' | 's16' | 'i64' | 'bool';
// i64 exists only at import time (shape tensors): it is folded away before emission. bool (one
// byte per element, 0 or 1, in a Uint8Array) is what compare and logical write and logical and
// select read; it is never quantized.

export type TensorData = Float32Array | Int8Array | Int32Array | Uint8Array | Int16Array | BigInt64Array;

/** Quantization: real = scale * (q - zeroPoint). Per-tensor when scale.length === 1, else per-axis. */
export interface QuantParams {
  scale: number[];
  zeroPoint: number[];
  /** Axis of the per-channel parameters (only when scale.length > 1). */
  axis?: number;
}

export interface Tensor {
  name: string;
  dtype: DType;
  shape: number[];
  /** Present for constants (weights, biases, tables). Row-major, length = product(shape). */
  data?: TensorData;
  quant?: QuantParams;
}

export type OpName =
  | 'conv2d'
  | 'depthwise_conv2d'
  | 'fully_connected'
  | 'matmul'
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'clamp'
  | 'leaky_relu'
  | 'sigmoid'
  | 'tanh'
  | 'hard_swish'
  | 'lut'
  | 'max_pool2d'
  | 'average_pool2d'
  | 'mean'
  | 'concat'
  | 'pad'
  | 'transpose'
  | 'softmax'
  | 'quantize'
  | 'dequantize'
  | 'requantize'
  | 'copy'
  | 'strided_slice'
  | 'transpose_conv2d'
  | 'lstm'
  | 'binarize'
  | 'maximum'
  | 'minimum'
  | 'arg_max'
  | 'arg_min'
  | 'reduce_max'
  | 'reduce_min'
  | 'resize'
  | 'unary'
  | 'reduce_sum'
  | 'log_softmax'
  | 'compare'
  | 'logical'
  | 'select'
  // IR-only:
  | 'reshape'
  | 'batch_norm';

/** A fused activation, as the float interval the output is clamped to (Relu = [0, +inf)). */
export type Activation = { min: number; max: number };

/** Attributes per op. Spatial vectors are [h, w]; pads are [top, left, bottom, right]. */
export interface Conv2dAttrs {
  strides: [number, number];
  dilations: [number, number];
  pads: [number, number, number, number];
  group: number;
  activation?: Activation;
}
export interface DepthwiseConv2dAttrs {
  strides: [number, number];
  dilations: [number, number];
  pads: [number, number, number, number];
  depthMultiplier: number;
  activation?: Activation;
}
export interface Pool2dAttrs {
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  pads: [number, number, number, number];
  /** average_pool2d only: divide by the full window (true) or by the taps inside the input (false). */
  countIncludePad: boolean;
  activation?: Activation;
}
export interface ActivationAttrs {
  activation?: Activation;
}
export interface ClampAttrs {
  min: number;
  max: number;
}
export interface LeakyReluAttrs {
  alpha: number;
}
/** The elementwise math functions of the `unary` op (format.ts UNARY_*; docs/FORMAT.md). */
export const UNARY_FUNCTIONS = [
  'exp', 'log', 'sqrt', 'rsqrt', 'abs', 'neg', 'reciprocal', 'square', 'erf', 'softplus', 'elu', 'selu', 'celu',
  'gelu', 'gelu_tanh', 'mish', 'softsign', 'floor', 'ceil', 'round', 'sin', 'cos',
] as const;
export type UnaryFunction = (typeof UNARY_FUNCTIONS)[number];
export interface UnaryAttrs {
  fn: UnaryFunction;
  /** elu / celu / selu alpha (ONNX's defaults filled in by the importer). */
  alpha?: number;
  /** selu gamma. */
  gamma?: number;
}
/** mean, reduce_max, reduce_min, reduce_sum. */
export interface MeanAttrs {
  /** Axes reduced; the output keeps them as size-1 dims (a reshape follows when the source drops them). */
  axes: number[];
}
export interface ConcatAttrs {
  axis: number;
}
export type PadMode = 'constant' | 'edge' | 'reflect' | 'wrap';
export interface PadAttrs {
  mode: PadMode;
  /** Constant value in the real (float) domain. */
  value: number;
  /** Per dimension, elements added before and after. Non-negative. */
  begin: number[];
  end: number[];
}
export interface TransposeAttrs {
  perm: number[];
}
/**
 * strided_slice: per dimension, `size[d]` elements taken from `begin[d]` every `strides[d]`
 * (resolved: begin in range, strides non-zero, negative strides walk backwards). The output has
 * the input's rank; dims a source op drops (TFLite shrink_axis) become a reshape after it.
 */
export interface StridedSliceAttrs {
  begin: number[];
  strides: number[];
  size: number[];
}
/**
 * transpose_conv2d (TFLite TRANSPOSE_CONV, ONNX ConvTranspose): weights [O,KH,KW,C/group]; each input
 * pixel scatters into the output at (y·stride − pad_top + ky·dilation, x·stride − pad_left +
 * kx·dilation). pads are [top, left, bottom, right] (bottom/right informational); outputSize
 * [OH, OW] is given, not inferred. With group g, output channel o reads the input channels of group
 * ⌊o / (O/g)⌋, [⌊o / (O/g)⌋·C/g, +C/g) (as conv2d). dilations and group default to 1.
 */
export interface TransposeConv2dAttrs {
  strides: [number, number];
  pads: [number, number, number, number];
  outputSize: [number, number];
  dilations?: [number, number];
  group?: number;
  activation?: Activation;
}
/** The activation of an lstm's cell input and cell output (TFLite's fused_activation_function). */
export type LstmActivation = 'none' | 'relu' | 'relu_n1_to_1' | 'relu6' | 'tanh';
/**
 * lstm (TFLite UNIDIRECTIONAL_SEQUENCE_LSTM without CIFG, peephole, projection or layer norm), the
 * whole sequence in one node, from zero state (h0 = c0 = 0: TFLM resets variable tensors).
 * Inputs: x, then per gate in the order input, forget, cell, output: 4 input weights [H,I],
 * 4 recurrent weights [H,H], 4 biases [H] (13 in all). x is [B,T,I] (timeMajor false) or [T,B,I];
 * the output is h at every step in the same layout, [B,T,H] or [T,B,H].
 *   i = σ(Wi·x + Ri·h + bi), f = σ(…), g = act(…), o = σ(…); c = f⊙c + i⊙g (clipped to ±cellClip
 *   when cellClip > 0); h = o⊙act(c).
 */
export interface LstmAttrs {
  timeMajor: boolean;
  activation: LstmActivation;
  /** > 0: the cell state is clamped to [-cellClip, cellClip] after each update; 0: no clipping. */
  cellClip: number;
  /** s8 form only (TFLM's integer LSTM): the scale of the int16 cell state, a power of two. */
  cellScale?: number;
}
export interface SoftmaxAttrs {
  axis: number;
  beta: number;
}
/**
 * binarize (s8 only): y = x >= threshold ? +1 : -1, threshold in x's quantized units. y is s8 with
 * zero point 0 and scale beta (the magnitude the +-1 stand for); the blob stores it as sign8.
 */
export interface BinarizeAttrs {
  threshold: number;
}
/**
 * arg_max / arg_min: the index (s32) of the largest (smallest) element along `axis`; the output
 * keeps the axis as size 1 (a reshape follows when the source drops it). Ties give the first index,
 * or the last with selectLastIndex (ONNX select_last_index).
 */
export interface ArgAttrs {
  axis: number;
  selectLastIndex: boolean;
}
export type ResizeMode = 'nearest' | 'bilinear' | 'cubic';
/** ONNX's coordinate_transformation_mode values (TFLite's align_corners / half_pixel_centers map onto them). */
export type ResizeCoordinates =
  | 'half_pixel'
  | 'half_pixel_symmetric'
  | 'pytorch_half_pixel'
  | 'align_corners'
  | 'asymmetric'
  | 'tf_half_pixel_for_nn'
  | 'tf_crop_and_resize';
export type ResizeNearestRounding = 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil';
/**
 * resize: NHWC x[N,H,W,C] → y[N, size[0], size[1], C], each output row / column read from the
 * source coordinate the transform gives (nearest: rounded and clamped; bilinear: the two
 * neighbours, edge-clamped). converter/reference/resize-coords.ts computes them.
 */
export interface ResizeAttrs {
  mode: ResizeMode;
  coordinates: ResizeCoordinates;
  /** nearest only. */
  nearestRounding: ResizeNearestRounding;
  /** [OH, OW]. */
  size: [number, number];
  /** [h, w]: ONNX's scale (output / input: the given scales, or size / input) the transforms divide by. */
  scales: [number, number];
  /**
   * Whose arithmetic gives the coordinates: 'onnx' (ONNX's reference: f64, coordinates clamped) or
   * 'tflite' (TFLite's: f32 products with in/out; the s8 bilinear in TFLM's Q10 fixed point).
   */
  arithmetic: 'onnx' | 'tflite';
  /** cubic: the kernel's a (ONNX cubic_coeff_a; -0.75 when absent). */
  cubicCoeffA?: number;
  /** cubic: taps outside the input get weight 0 and the rest are renormalized (ONNX exclude_outside). */
  excludeOutside?: boolean;
  /** bilinear / cubic: when downsampling, the filter widens by 1/scale (ONNX antialias). */
  antialias?: boolean;
  /** tf_crop_and_resize: [start_h, start_w, end_h, end_w], normalized to the input (ONNX roi). */
  roi?: [number, number, number, number];
  /** tf_crop_and_resize: the value of an output whose source lies outside the input. */
  extrapolationValue?: number;
  /** TFLite nearest with align_corners and half_pixel_centers both set: align_corners's scale and
   * rounding applied to x + 0.5 (TFLite's GetNearestNeighbor). */
  tfliteHalfPixelCenters?: boolean;
}
/** compare's predicates (format.ts COMPARE_*, in code order): y = a <fn> b, a bool. */
export const COMPARE_FUNCTIONS = ['equal', 'not_equal', 'less', 'less_equal', 'greater', 'greater_equal'] as const;
export type CompareFunction = (typeof COMPARE_FUNCTIONS)[number];
export interface CompareAttrs {
  fn: CompareFunction;
}
/** logical's functions (format.ts LOGICAL_*, in code order) on bools; 'not' takes one input. */
export const LOGICAL_FUNCTIONS = ['and', 'or', 'xor', 'not'] as const;
export type LogicalFunction = (typeof LOGICAL_FUNCTIONS)[number];
export interface LogicalAttrs {
  fn: LogicalFunction;
}
export interface BatchNormAttrs {
  epsilon: number;
  /** Channel axis of the input (1 for ONNX NCHW). Inputs: x, scale, bias, mean, var. */
  axis: number;
}

export interface AttrsByOp {
  conv2d: Conv2dAttrs;
  depthwise_conv2d: DepthwiseConv2dAttrs;
  fully_connected: ActivationAttrs;
  matmul: Record<string, never>;
  add: ActivationAttrs;
  sub: ActivationAttrs;
  mul: ActivationAttrs;
  div: ActivationAttrs;
  clamp: ClampAttrs;
  leaky_relu: LeakyReluAttrs;
  sigmoid: Record<string, never>;
  tanh: Record<string, never>;
  hard_swish: Record<string, never>;
  lut: Record<string, never>;
  max_pool2d: Pool2dAttrs;
  average_pool2d: Pool2dAttrs;
  mean: MeanAttrs;
  concat: ConcatAttrs;
  pad: PadAttrs;
  transpose: TransposeAttrs;
  softmax: SoftmaxAttrs;
  quantize: Record<string, never>;
  dequantize: Record<string, never>;
  requantize: Record<string, never>;
  copy: Record<string, never>;
  strided_slice: StridedSliceAttrs;
  transpose_conv2d: TransposeConv2dAttrs;
  lstm: LstmAttrs;
  binarize: BinarizeAttrs;
  maximum: Record<string, never>;
  minimum: Record<string, never>;
  arg_max: ArgAttrs;
  arg_min: ArgAttrs;
  reduce_max: MeanAttrs;
  reduce_min: MeanAttrs;
  resize: ResizeAttrs;
  unary: UnaryAttrs;
  reduce_sum: MeanAttrs;
  /** Over the last axis; s8 only (TFLite Micro's int8 LOG_SOFTMAX). */
  log_softmax: Record<string, never>;
  compare: CompareAttrs;
  logical: LogicalAttrs;
  /** select: inputs cond (bool), a, b; y = cond ? a : b, numpy broadcasting of all three. */
  select: Record<string, never>;
  reshape: Record<string, never>;
  batch_norm: BatchNormAttrs;
}

/**
 * Integer parameters of an int8 (s8) node, computed by the quantizer and written by the emitter in
 * the order format/format.ts gives for that opcode. Multipliers are Q31, shifts follow TFLite
 * (> 0 left, <= 0 right). Per-channel multipliers/shifts are not here: they are s32 constant
 * input tensors of the node (conv2d, depthwise_conv2d, fully_connected inputs 3 and 4).
 */
export interface Int8Params {
  /** Quantized activation bounds, within [-128, 127]. */
  actMin?: number;
  actMax?: number;
  // add / sub, compare (TFLM's input rescaling: left shift, then each input's multiplier)
  leftShift?: number;
  aMult?: number;
  aShift?: number;
  bMult?: number;
  bShift?: number;
  // add / sub / mul / mean / requantize
  outMult?: number;
  outShift?: number;
  // leaky_relu on s16 (TFLite Micro): the x < 0 rescale (the x >= 0 one is outMult/outShift)
  alphaMult?: number;
  alphaShift?: number;
  // softmax (TFLite Micro)
  inputMultiplier?: number;
  inputLeftShift?: number;
  diffMin?: number;
  // log_softmax (TFLite Micro): the inverse of the input rescale, its right shift (>= 0)
  reverseScalingDivisor?: number;
  reverseScalingRightShift?: number;
}

export interface Node<K extends OpName = OpName> {
  op: K;
  /** Unique, human-readable (the source node's name when it had one). */
  name: string;
  /** Tensor names; '' marks an absent optional input (e.g. no bias). */
  inputs: string[];
  outputs: string[];
  attrs: AttrsByOp[K];
  /** Set by the quantizer on nodes that run in int8. */
  int8?: Int8Params;
  /** Where the node came from, for error messages and reports (e.g. "ONNX Conv 'conv1' (opset 13)"). */
  source?: string;
}

export interface GraphMeta {
  /** sha256 hex of the source model file. */
  sourceHash?: string;
  sourceFormat?: 'onnx' | 'tflite' | 'ir';
  sourceName?: string;
  labels?: string[];
  [key: string]: unknown;
}

export class Graph {
  tensors = new Map<string, Tensor>();
  /** In a valid topological (execution) order after every pass. */
  nodes: Node[] = [];
  inputs: string[] = [];
  outputs: string[] = [];
  meta: GraphMeta = {};

  tensor(name: string): Tensor {
    const t = this.tensors.get(name);
    if (!t) throw new Error(`IR: no tensor named '${name}'`);
    return t;
  }

  addTensor(t: Tensor): Tensor {
    if (this.tensors.has(t.name)) throw new Error(`IR: tensor '${t.name}' defined twice`);
    this.tensors.set(t.name, t);
    return t;
  }

  /** A tensor name not used yet, derived from `base`. */
  uniqueName(base: string): string {
    if (!this.tensors.has(base)) return base;
    for (let i = 1; ; i++) {
      const n = `${base}_${i}`;
      if (!this.tensors.has(n)) return n;
    }
  }

  isConstant(name: string): boolean {
    return name !== '' && this.tensors.get(name)?.data !== undefined;
  }

  /** The node producing `name`, or undefined for graph inputs and constants. */
  producer(name: string): Node | undefined {
    return this.nodes.find((n) => n.outputs.includes(name));
  }

  /** Nodes reading `name`. */
  consumers(name: string): Node[] {
    return this.nodes.filter((n) => n.inputs.includes(name));
  }

  /** Drops tensors that no node, input or output mentions. */
  removeUnusedTensors(): void {
    const used = new Set<string>([...this.inputs, ...this.outputs]);
    for (const n of this.nodes) for (const t of [...n.inputs, ...n.outputs]) used.add(t);
    for (const name of [...this.tensors.keys()]) if (!used.has(name)) this.tensors.delete(name);
  }
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function dtypeBytes(dtype: DType): number {
  switch (dtype) {
    case 'f32':
    case 's32':
      return 4;
    case 's8':
    case 'u8':
    case 'bool':
      return 1;
    case 's16':
      return 2;
    case 'i64':
      return 8;
  }
}
