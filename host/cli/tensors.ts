// Moving arrays between .npy files and a model's inputs/outputs: batch splitting and stacking,
// float ⇄ int8 conversion with a tensor's scale and zero point (TFLite's arithmetic).
import type { TensorData } from '../../converter/ir/graph.js';
import type { NpyArray, NpyData } from '../npy.js';
import { CliError } from './errors.js';

export interface IoSpec {
  name: string;
  /** 'f32' | 's8' | 'u8' | 's16' | 's32' | 'bool' */
  dtype: string;
  shape: number[];
  scale: number;
  zeroPoint: number;
}

export const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;

function numel(s: readonly number[]): number {
  return s.reduce((a, b) => a * b, 1);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * How many samples `arrayShape` holds for a model input of `modelShape`: the exact shape (1), the
 * shape without the model's leading batch dim of 1 (1), that shape with any leading count N (N), or
 * N whole samples stacked ([N, ...modelShape]).
 * Throws a CliError naming the input otherwise.
 */
export function sampleCount(arrayShape: readonly number[], modelShape: readonly number[], what: string): number {
  if (sameShape(arrayShape, modelShape)) return 1;
  if (modelShape.length > 0 && modelShape[0] === 1) {
    const per = modelShape.slice(1);
    if (sameShape(arrayShape, per)) return 1;
    if (arrayShape.length === modelShape.length && sameShape(arrayShape.slice(1), per)) return arrayShape[0];
  }
  // A stack of whole samples: [N, ...modelShape].
  if (arrayShape.length === modelShape.length + 1 && sameShape(arrayShape.slice(1), modelShape)) return arrayShape[0];
  const batched = modelShape[0] === 1 ? ` (or [N, ${modelShape.slice(1).join(', ')}] for a batch of N)` : '';
  throw new CliError(`${what}: shape ${shapeText(arrayShape)} does not match the model's ${shapeText(modelShape)}${batched}`);
}

/** Round half away from zero, as TFLite's quantize (std::round) does. */
export function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

const INT_RANGE: Record<string, [number, number]> = {
  s8: [-128, 127],
  u8: [0, 255],
  s16: [-32768, 32767],
  s32: [-2147483648, 2147483647],
};

/** q = clamp(round(x / scale) + zero_point) into the dtype's range. */
export function quantizeValues(x: ArrayLike<number>, spec: IoSpec): TensorData {
  const [lo, hi] = INT_RANGE[spec.dtype];
  const out = allocate(spec.dtype, x.length);
  for (let i = 0; i < x.length; i++) {
    const q = roundHalfAwayFromZero(x[i] / spec.scale) + spec.zeroPoint;
    (out as Int8Array)[i] = q < lo ? lo : q > hi ? hi : q;
  }
  return out;
}

/** real = scale · (q − zero_point). */
export function dequantizeValues(q: ArrayLike<number>, spec: IoSpec): Float32Array {
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = spec.scale * (q[i] - spec.zeroPoint);
  return out;
}

export function allocate(dtype: string, n: number): TensorData {
  switch (dtype) {
    case 'f32': return new Float32Array(n);
    case 's8': return new Int8Array(n);
    case 'u8':
    case 'bool': return new Uint8Array(n);
    case 's16': return new Int16Array(n);
    case 's32': return new Int32Array(n);
  }
  throw new CliError(`unsupported tensor dtype '${dtype}'`);
}

const NPY_NAMES: Record<string, string> = {
  f32: 'float32', f64: 'float64', s8: 'int8', u8: 'uint8', s16: 'int16', u16: 'uint16', s32: 'int32', u32: 'uint32', i64: 'int64', bool: 'bool',
};
export const npyDtypeName = (d: string) => NPY_NAMES[d] ?? d;

const isFloatNpy = (d: string) => d === 'f32' || d === 'f64';
const isIntNpy = (d: string) => !isFloatNpy(d);

/**
 * The values of one .npy array in the model input's native dtype: float arrays are quantized with
 * the input's scale and zero point when the input is integer; arrays already in the native dtype
 * pass through; integer arrays for a float input are converted to float.
 */
export function toNative(arr: NpyArray, spec: IoSpec, what: string): TensorData {
  const src = arr.data;
  if (spec.dtype === 'f32') {
    if (arr.dtype === 'f32') return src as Float32Array;
    if (arr.dtype === 'i64') return Float32Array.from(src as BigInt64Array, (v) => Number(v));
    return Float32Array.from(src as ArrayLike<number>);
  }
  if (arr.dtype === spec.dtype) return src as TensorData;
  if (isFloatNpy(arr.dtype)) {
    if (!(spec.scale > 0)) throw new CliError(`${what}: the model input is ${spec.dtype} without a quantization scale; give ${npyDtypeName(spec.dtype)} values`);
    return quantizeValues(src as ArrayLike<number>, spec);
  }
  if (isIntNpy(arr.dtype)) {
    throw new CliError(
      `${what}: the array is ${npyDtypeName(arr.dtype)}, the model input is ${npyDtypeName(spec.dtype)} ` +
        `(scale ${spec.scale}, zero point ${spec.zeroPoint}); give float32 (quantized for you) or ${npyDtypeName(spec.dtype)}`,
    );
  }
  throw new CliError(`${what}: unsupported array dtype ${arr.dtype}`);
}

/** Sample `i` of a batch of `count` samples (a view, no copy). */
export function sampleOf(data: TensorData, count: number, i: number): TensorData {
  const per = data.length / count;
  return data.subarray(i * per, (i + 1) * per) as TensorData;
}

/** Stacks per-sample outputs of `shape` into one array; the leading batch dim of 1 becomes N. */
export function stack(parts: NpyData[], shape: readonly number[]): { data: NpyData; shape: number[] } {
  const n = parts.length;
  const outShape = n === 1 ? [...shape] : shape[0] === 1 ? [n, ...shape.slice(1)] : [n, ...shape];
  if (n === 1) return { data: parts[0], shape: outShape };
  const per = numel(shape);
  const Ctor = parts[0].constructor as new (n: number) => NpyData;
  const data = new Ctor(per * n);
  parts.forEach((p, i) => (data as Float32Array).set(p as Float32Array, i * per));
  return { data, shape: outShape };
}
