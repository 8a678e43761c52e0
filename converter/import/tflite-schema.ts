// The subset of the TFLite FlatBuffer schema (tensorflow/lite/schema/schema.fbs, file identifier
// "TFL3", schema version 3) that Mote reads, written by hand against tflite-flatbuffer.ts.
//
// Field ids are the declaration order of each table's fields in schema.fbs; a union field takes two
// ids (its `_type` byte, then the value). Enum values are the schema's. Only subgraph 0 is decoded
// (the main graph); Mote supports no control-flow ops that would call the others.
import { ConvertError } from '../errors.js';
import { corrupt, FbFile, FbTable } from './tflite-flatbuffer.js';

// ---- enums ----------------------------------------------------------------------------------

/** TensorType. */
export const TensorType = {
  FLOAT32: 0, FLOAT16: 1, INT32: 2, UINT8: 3, INT64: 4, STRING: 5, BOOL: 6, INT16: 7,
  COMPLEX64: 8, INT8: 9, FLOAT64: 10, COMPLEX128: 11, UINT64: 12, RESOURCE: 13, VARIANT: 14,
  UINT32: 15, UINT16: 16, INT4: 17,
} as const;

export function tensorTypeName(t: number): string {
  for (const [k, v] of Object.entries(TensorType)) if (v === t) return k;
  return `type ${t}`;
}

/** Padding. */
export const Padding = { SAME: 0, VALID: 1 } as const;

/** ActivationFunctionType. */
export const ActivationFunction = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3, TANH: 4, SIGN_BIT: 5 } as const;

/** The BuiltinOptions union's member numbers for the option tables read here (NONE = 0). */
export const BuiltinOptionsType = {
  NONE: 0,
  Conv2DOptions: 1,
  DepthwiseConv2DOptions: 2,
  Pool2DOptions: 5,
  FullyConnectedOptions: 8,
  SoftmaxOptions: 9,
  ConcatenationOptions: 10,
  AddOptions: 11,
  ReshapeOptions: 17,
  MulOptions: 21,
  PadOptions: 22,
  TransposeOptions: 26,
  ReducerOptions: 27,
  SubOptions: 28,
  DivOptions: 29,
  SqueezeOptions: 30,
  StridedSliceOptions: 32,
  DequantizeOptions: 38,
  PadV2Options: 43,
  ExpandDimsOptions: 52,
  ResizeBilinearOptions: 15,
  ResizeNearestNeighborOptions: 74,
  LeakyReluOptions: 75,
  MirrorPadOptions: 77,
  QuantizeOptions: 89,
  HardSwishOptions: 91,
} as const;

// ---- decoded model --------------------------------------------------------------------------

export interface TfliteOperatorCode {
  /** max(deprecated_builtin_code, builtin_code), as TFLite's GetBuiltinCode does. */
  builtinCode: number;
  customCode: string | null;
  version: number;
}

export interface TfliteQuantization {
  min: number[] | null;
  max: number[] | null;
  scale: number[] | null;
  zeroPoint: number[] | null;
  quantizedDimension: number;
  /** A QuantizationDetails union member is set (custom quantization): unsupported. */
  hasDetails: boolean;
}

export interface TfliteTensor {
  index: number;
  shape: number[];
  type: number;
  buffer: number;
  name: string;
  quantization: TfliteQuantization | null;
  isVariable: boolean;
  isSparse: boolean;
  shapeSignature: number[] | null;
}

export interface TfliteOperator {
  index: number;
  opcodeIndex: number;
  /** -1 marks an absent optional input. */
  inputs: number[];
  outputs: number[];
  builtinOptionsType: number;
  builtinOptions: FbTable | null;
  customOptions: Uint8Array | null;
  intermediates: number[];
}

export interface TfliteSubGraph {
  tensors: TfliteTensor[];
  inputs: number[];
  outputs: number[];
  operators: TfliteOperator[];
  name: string;
}

export interface TfliteBuffer {
  /** A view into the file (not copied, not aligned). Empty when the buffer holds nothing. */
  data: Uint8Array;
  /** Set (> 1) only in >2GB models that keep buffers outside the FlatBuffer. */
  offset: bigint;
  size: bigint;
}

export interface TfliteModel {
  version: number;
  operatorCodes: TfliteOperatorCode[];
  subgraphCount: number;
  /** Subgraph 0, the main graph. */
  main: TfliteSubGraph;
  description: string | null;
  buffers: TfliteBuffer[];
  metadata: { name: string; buffer: number }[];
}

// ---- decoding -------------------------------------------------------------------------------

/** Decodes the parts of a .tflite file the importer reads; throws ConvertError on any defect. */
export function readTfliteModel(bytes: Uint8Array): TfliteModel {
  const file = new FbFile(bytes);
  const model = file.root('TFL3', 'model');
  // Model: version 0, operator_codes 1, subgraphs 2, description 3, buffers 4,
  // metadata_buffer 5, metadata 6, signature_defs 7.
  const version = model.uint32(0, 'version');
  if (version !== 3) {
    throw new ConvertError(`unsupported TFLite schema version ${version} (Mote reads version 3, every TFLite 2.x file)`);
  }
  const operatorCodes = (model.tableVector(1, 'operator_codes', (i) => `operator code ${i}`) ?? []).map(readOperatorCode);
  const subgraphs = model.tableVector(2, 'subgraphs', (i) => `subgraph ${i}`) ?? [];
  if (subgraphs.length === 0) corrupt('model', 'no subgraphs');
  const description = model.string(3, 'description');
  const buffers = (model.tableVector(4, 'buffers', (i) => `buffer ${i}`) ?? []).map(readBuffer);
  const metadata = (model.tableVector(6, 'metadata', (i) => `metadata ${i}`) ?? []).map((t) => ({
    name: t.string(0, 'name') ?? '',
    buffer: t.uint32(1, 'buffer'),
  }));
  return {
    version,
    operatorCodes,
    subgraphCount: subgraphs.length,
    main: readSubGraph(subgraphs[0]),
    description,
    buffers,
    metadata,
  };
}

function readOperatorCode(t: FbTable): TfliteOperatorCode {
  // OperatorCode: deprecated_builtin_code 0 (byte), custom_code 1, version 2 (default 1),
  // builtin_code 3 (int32). Old files only set the byte; new ones set both; codes >= 127 only
  // fit the int32 field, and the byte then holds PLACEHOLDER_FOR_GREATER_OP_CODES (127).
  const deprecated = t.int8(0, 'deprecated_builtin_code');
  const extended = t.int32(3, 'builtin_code');
  return {
    builtinCode: Math.max(deprecated, extended),
    customCode: t.string(1, 'custom_code'),
    version: t.int32(2, 'version', 1),
  };
}

function readBuffer(t: FbTable): TfliteBuffer {
  // Buffer: data 0, offset 1, size 2.
  return {
    data: t.bytes(0, 'data') ?? new Uint8Array(0),
    offset: t.uint64(1, 'offset'),
    size: t.uint64(2, 'size'),
  };
}

function readSubGraph(t: FbTable): TfliteSubGraph {
  // SubGraph: tensors 0, inputs 1, outputs 2, operators 3, name 4.
  const where = t.where;
  const tensors = (t.tableVector(0, 'tensors', (i) => `${where}, tensor ${i}`) ?? []).map(readTensor);
  const operators = (t.tableVector(3, 'operators', (i) => `${where}, operator ${i}`) ?? []).map(readOperator);
  return {
    tensors,
    inputs: t.int32Vector(1, 'inputs') ?? [],
    outputs: t.int32Vector(2, 'outputs') ?? [],
    operators,
    name: t.string(4, 'name') ?? '',
  };
}

function readTensor(t: FbTable, index: number): TfliteTensor {
  // Tensor: shape 0, type 1, buffer 2, name 3, quantization 4, is_variable 5, sparsity 6,
  // shape_signature 7, has_rank 8, variant_tensors 9.
  const q = t.table(4, 'quantization');
  return {
    index,
    shape: t.int32Vector(0, 'shape') ?? [],
    type: t.int8(1, 'type'),
    buffer: t.uint32(2, 'buffer'),
    name: t.string(3, 'name') ?? '',
    quantization: q ? readQuantization(q) : null,
    isVariable: t.bool(5, 'is_variable'),
    isSparse: t.has(6, 'sparsity'),
    shapeSignature: t.int32Vector(7, 'shape_signature'),
  };
}

function readQuantization(t: FbTable): TfliteQuantization {
  // QuantizationParameters: min 0, max 1, scale 2, zero_point 3 ([long]), details_type 4,
  // details 5, quantized_dimension 6.
  return {
    min: t.float32Vector(0, 'min'),
    max: t.float32Vector(1, 'max'),
    scale: t.float32Vector(2, 'scale'),
    zeroPoint: t.int64Vector(3, 'zero_point'),
    hasDetails: t.uint8(4, 'details_type') !== 0,
    quantizedDimension: t.int32(6, 'quantized_dimension'),
  };
}

function readOperator(t: FbTable, index: number): TfliteOperator {
  // Operator: opcode_index 0, inputs 1, outputs 2, builtin_options_type 3, builtin_options 4,
  // custom_options 5, custom_options_format 6, mutating_variable_inputs 7, intermediates 8,
  // large_custom_options_offset 9, large_custom_options_size 10, builtin_options_2_type 11,
  // builtin_options_2 12.
  const builtinOptionsType = t.uint8(3, 'builtin_options_type');
  return {
    index,
    opcodeIndex: t.uint32(0, 'opcode_index'),
    inputs: t.int32Vector(1, 'inputs') ?? [],
    outputs: t.int32Vector(2, 'outputs') ?? [],
    builtinOptionsType,
    builtinOptions: builtinOptionsType !== 0 ? t.table(4, 'builtin_options') : null,
    customOptions: t.bytes(5, 'custom_options'),
    intermediates: t.int32Vector(8, 'intermediates') ?? [],
  };
}

// ---- builtin option tables ------------------------------------------------------------------
// Each reader takes the operator's options table (null when absent: every field takes its schema
// default, as TFLite does) and returns plain values.

export interface Conv2DOptions {
  padding: number;
  strideW: number;
  strideH: number;
  activation: number;
  dilationW: number;
  dilationH: number;
}
export function readConv2DOptions(t: FbTable | null): Conv2DOptions {
  // padding 0, stride_w 1, stride_h 2, fused_activation_function 3, dilation_w_factor 4 (=1),
  // dilation_h_factor 5 (=1), quantized_bias_type 6.
  return {
    padding: t?.int8(0, 'padding') ?? 0,
    strideW: t?.int32(1, 'stride_w') ?? 0,
    strideH: t?.int32(2, 'stride_h') ?? 0,
    activation: t?.int8(3, 'fused_activation_function') ?? 0,
    dilationW: t?.int32(4, 'dilation_w_factor', 1) ?? 1,
    dilationH: t?.int32(5, 'dilation_h_factor', 1) ?? 1,
  };
}

export interface DepthwiseConv2DOptions extends Conv2DOptions {
  depthMultiplier: number;
}
export function readDepthwiseConv2DOptions(t: FbTable | null): DepthwiseConv2DOptions {
  // padding 0, stride_w 1, stride_h 2, depth_multiplier 3, fused_activation_function 4,
  // dilation_w_factor 5 (=1), dilation_h_factor 6 (=1).
  return {
    padding: t?.int8(0, 'padding') ?? 0,
    strideW: t?.int32(1, 'stride_w') ?? 0,
    strideH: t?.int32(2, 'stride_h') ?? 0,
    depthMultiplier: t?.int32(3, 'depth_multiplier') ?? 0,
    activation: t?.int8(4, 'fused_activation_function') ?? 0,
    dilationW: t?.int32(5, 'dilation_w_factor', 1) ?? 1,
    dilationH: t?.int32(6, 'dilation_h_factor', 1) ?? 1,
  };
}

export interface Pool2DOptions {
  padding: number;
  strideW: number;
  strideH: number;
  filterWidth: number;
  filterHeight: number;
  activation: number;
}
export function readPool2DOptions(t: FbTable | null): Pool2DOptions {
  // padding 0, stride_w 1, stride_h 2, filter_width 3, filter_height 4, fused_activation_function 5.
  return {
    padding: t?.int8(0, 'padding') ?? 0,
    strideW: t?.int32(1, 'stride_w') ?? 0,
    strideH: t?.int32(2, 'stride_h') ?? 0,
    filterWidth: t?.int32(3, 'filter_width') ?? 0,
    filterHeight: t?.int32(4, 'filter_height') ?? 0,
    activation: t?.int8(5, 'fused_activation_function') ?? 0,
  };
}

export interface FullyConnectedOptions {
  activation: number;
  weightsFormat: number;
  keepNumDims: boolean;
}
export function readFullyConnectedOptions(t: FbTable | null): FullyConnectedOptions {
  // fused_activation_function 0, weights_format 1 (DEFAULT 0, SHUFFLED4x16INT8 1), keep_num_dims 2,
  // asymmetric_quantize_inputs 3, quantized_bias_type 4.
  return {
    activation: t?.int8(0, 'fused_activation_function') ?? 0,
    weightsFormat: t?.int8(1, 'weights_format') ?? 0,
    keepNumDims: t?.bool(2, 'keep_num_dims') ?? false,
  };
}

/** SoftmaxOptions: beta 0 (float, default 0 in the schema; converters always write it). */
export function readSoftmaxBeta(t: FbTable | null): number {
  return t?.float32(0, 'beta') ?? 0;
}

/** ConcatenationOptions: axis 0, fused_activation_function 1. */
export function readConcatenationOptions(t: FbTable | null): { axis: number; activation: number } {
  return { axis: t?.int32(0, 'axis') ?? 0, activation: t?.int8(1, 'fused_activation_function') ?? 0 };
}

/** Add/Sub/Mul/DivOptions: fused_activation_function is field 0 in all four. */
export function readFusedActivation(t: FbTable | null): number {
  return t?.int8(0, 'fused_activation_function') ?? 0;
}

/** ReshapeOptions: new_shape 0. */
export function readReshapeNewShape(t: FbTable | null): number[] | null {
  return t?.int32Vector(0, 'new_shape') ?? null;
}

/** ReducerOptions: keep_dims 0. */
export function readReducerKeepDims(t: FbTable | null): boolean {
  return t?.bool(0, 'keep_dims') ?? false;
}

/** SqueezeOptions: squeeze_dims 0. */
export function readSqueezeDims(t: FbTable | null): number[] {
  return t?.int32Vector(0, 'squeeze_dims') ?? [];
}

export interface StridedSliceOptions {
  beginMask: number;
  endMask: number;
  ellipsisMask: number;
  newAxisMask: number;
  shrinkAxisMask: number;
  offset: boolean;
}
export function readStridedSliceOptions(t: FbTable | null): StridedSliceOptions {
  // begin_mask 0, end_mask 1, ellipsis_mask 2, new_axis_mask 3, shrink_axis_mask 4, offset 5.
  return {
    beginMask: t?.int32(0, 'begin_mask') ?? 0,
    endMask: t?.int32(1, 'end_mask') ?? 0,
    ellipsisMask: t?.int32(2, 'ellipsis_mask') ?? 0,
    newAxisMask: t?.int32(3, 'new_axis_mask') ?? 0,
    shrinkAxisMask: t?.int32(4, 'shrink_axis_mask') ?? 0,
    offset: t?.bool(5, 'offset') ?? false,
  };
}

/** ResizeBilinearOptions: new_height 0, new_width 1 (deprecated), align_corners 2, half_pixel_centers 3;
 * ResizeNearestNeighborOptions: align_corners 0, half_pixel_centers 1. */
export function readResizeOptions(t: FbTable | null, bilinear: boolean): { alignCorners: boolean; halfPixelCenters: boolean } {
  const first = bilinear ? 2 : 0;
  return { alignCorners: t?.bool(first, 'align_corners') ?? false, halfPixelCenters: t?.bool(first + 1, 'half_pixel_centers') ?? false };
}

/** LeakyReluOptions: alpha 0. */
export function readLeakyReluAlpha(t: FbTable | null): number {
  return t?.float32(0, 'alpha') ?? 0;
}

/** MirrorPadOptions: mode 0 (REFLECT 0: borders not repeated, SYMMETRIC 1: repeated). */
export const MirrorPadMode = { REFLECT: 0, SYMMETRIC: 1 } as const;
export function readMirrorPadMode(t: FbTable | null): number {
  return t?.int8(0, 'mode') ?? 0;
}
