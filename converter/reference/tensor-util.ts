// Shared helpers of the reference kernels: strides, numpy broadcasting, typed-array allocation by
// dtype, axis normalization and the error every kernel throws. Kept free of any op knowledge.
import { ConvertError } from '../errors.js';
import { type Activation, type DType, type Node, type TensorData, numel } from '../ir/graph.js';
import type { RefValue } from './types.js';

/** Row-major strides, in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** A zero-filled array of `length` elements of `dtype` (bool is stored as one byte per element). */
export function allocTensor(dtype: DType, length: number): TensorData {
  switch (dtype) {
    case 'f32':
      return new Float32Array(length);
    case 's8':
      return new Int8Array(length);
    case 's32':
      return new Int32Array(length);
    case 'u8':
    case 'bool':
      return new Uint8Array(length);
    case 's16':
      return new Int16Array(length);
    case 'i64':
      return new BigInt64Array(length);
  }
}

/** The typed-array class that holds `dtype`, by name, for error messages and checks. */
export function arrayKindOf(dtype: DType): string {
  return allocTensor(dtype, 0).constructor.name;
}

/** True when `data` is the typed-array kind that holds `dtype`. */
export function dataMatchesDtype(data: TensorData, dtype: DType): boolean {
  return data.constructor === allocTensor(dtype, 0).constructor;
}

/** The error of a kernel: names the op and the node, so a user can find it in their model. */
export function kernelError(node: Node, message: string): ConvertError {
  const where = node.source ? ` (${node.source})` : '';
  return new ConvertError(`${node.op} '${node.name}'${where}: ${message}`);
}

/** `axis` in [-rank, rank) made non-negative; an error naming the node otherwise. */
export function normalizeAxis(node: Node, axis: number, rank: number, what = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw kernelError(node, `${what} ${axis} is out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Numpy broadcasting of two shapes (aligned at the right). */
export function broadcastShapes(node: Node, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw kernelError(node, `shapes [${a}] and [${b}] do not broadcast (dim ${i}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides for reading a tensor of `shape` while iterating over the broadcast `outShape`: the
 * tensor's own strides, 0 on dims it broadcasts along, and 0 for the leading dims it lacks.
 */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = stridesOf(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_, i) => {
    const j = i - offset;
    return j < 0 || shape[j] === 1 ? 0 : own[j];
  });
}

/**
 * Calls visit(outIndex, aIndex, bIndex) for every element of outShape in row-major order, with the
 * flat indices of the broadcast operands. An odometer over the dims: no per-element allocation.
 */
export function forEachBroadcast(
  outShape: readonly number[],
  aStrides: readonly number[],
  bStrides: readonly number[],
  visit: (o: number, a: number, b: number) => void,
): void {
  const total = numel(outShape);
  if (total === 0) return;
  const rank = outShape.length;
  const counter = new Array<number>(rank).fill(0);
  let ia = 0;
  let ib = 0;
  for (let o = 0; o < total; o++) {
    visit(o, ia, ib);
    // Advance the odometer, carrying into outer dims.
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]++;
      ia += aStrides[d];
      ib += bStrides[d];
      if (counter[d] < outShape[d]) break;
      ia -= aStrides[d] * outShape[d];
      ib -= bStrides[d] * outShape[d];
      counter[d] = 0;
    }
  }
}

/** Input `i` of a kernel, required to be present and f32. */
export function requireF32(node: Node, inputs: (RefValue | undefined)[], i: number, what: string): RefValue & { data: Float32Array } {
  const v = inputs[i];
  if (!v) throw kernelError(node, `input ${i} (${what}) is missing`);
  if (!(v.data instanceof Float32Array)) {
    throw kernelError(node, `input ${i} (${what}) must be f32, got ${v.dtype}`);
  }
  return v as RefValue & { data: Float32Array };
}

/** Optional input `i`: undefined when absent, else required to be f32. */
export function optionalF32(node: Node, inputs: (RefValue | undefined)[], i: number, what: string): (RefValue & { data: Float32Array }) | undefined {
  return inputs[i] ? requireF32(node, inputs, i, what) : undefined;
}

/** An error unless `value` has exactly `rank` dims. */
export function requireRank(node: Node, value: RefValue, rank: number, what: string): void {
  if (value.shape.length !== rank) {
    throw kernelError(node, `${what} must have rank ${rank}, got shape [${value.shape}]`);
  }
}

/** Clamp to a fused activation's interval (no activation: identity). */
export function activationBounds(activation: Activation | undefined): [number, number] {
  return activation ? [activation.min, activation.max] : [-Infinity, Infinity];
}

/**
 * min(max(x, lo), hi), as numpy.clip and ONNX Clip: when lo > hi the result is hi. NaN stays NaN
 * (as WASM's f32.min/f32.max give).
 */
export function clampTo(x: number, lo: number, hi: number): number {
  const y = x < lo ? lo : x;
  return y > hi ? hi : y;
}

/** Integer range of a quantized dtype. */
export function quantRange(dtype: DType): [number, number] {
  switch (dtype) {
    case 's8':
      return [-128, 127];
    case 'u8':
      return [0, 255];
    case 's16':
      return [-32768, 32767];
    case 's32':
      return [-2147483648, 2147483647];
    default:
      throw new Error(`quantRange: ${dtype} is not an integer dtype`);
  }
}

/** Round half away from zero (C's round(), TFLite's TfLiteRound), not JS's Math.round. */
export function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** Checks that a produced array matches its declared output shape; an error naming the node otherwise. */
export function requireOutputShape(node: Node, declared: readonly number[] | undefined, computed: readonly number[], index = 0): void {
  if (!declared) return;
  if (declared.length !== computed.length || declared.some((d, i) => d !== computed[i])) {
    throw kernelError(node, `output ${index} '${node.outputs[index]}' is declared [${declared}] but the inputs give [${computed}]`);
  }
}

/**
 * Output shapes of a node computed from its input shapes and attributes (one per output). Shared by
 * the f32 and s8 kernels, since an op's shapes do not depend on its dtype.
 */
export type ShapeFn = (node: Node, inputShapes: (readonly number[] | undefined)[]) => number[][];

/** Shape of input `i`, required to be present. */
export function inputShape(node: Node, shapes: (readonly number[] | undefined)[], i: number, what: string): readonly number[] {
  const s = shapes[i];
  if (!s) throw kernelError(node, `input ${i} (${what}) is missing`);
  return s;
}

/** Index access to any TensorData element without caring which typed array it is (data-movement ops). */
export type AnyElements = { [i: number]: number | bigint; readonly length: number };

/** Output size of a sliding window along one spatial dim (floor mode; pads already include any extra). */
export function windowOutputSize(node: Node, what: string, size: number, kernel: number, stride: number, dilation: number, padBegin: number, padEnd: number): number {
  for (const [name, v, min] of [['kernel', kernel, 1], ['stride', stride, 1], ['dilation', dilation, 1], ['pad', padBegin, 0], ['pad', padEnd, 0]] as const) {
    if (!Number.isInteger(v) || v < min) throw kernelError(node, `${what} ${name} ${v} must be an integer >= ${min}`);
  }
  const span = dilation * (kernel - 1) + 1;
  const padded = size + padBegin + padEnd;
  if (padded < span) {
    throw kernelError(node, `${what}: the window (${span}) is larger than the padded input (${padded})`);
  }
  return Math.floor((padded - span) / stride) + 1;
}
