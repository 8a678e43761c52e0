// TFLite tensor types and constant data → IR dtypes, typed arrays and quantization.
import type { DType, QuantParams, TensorData } from '../ir/graph.js';
import { TensorType, tensorTypeName } from './tflite-schema.js';
import type { TfliteQuantization } from './tflite-schema.js';

const DTYPE_OF: Partial<Record<number, DType>> = {
  [TensorType.FLOAT32]: 'f32',
  [TensorType.INT8]: 's8',
  [TensorType.INT32]: 's32',
  [TensorType.UINT8]: 'u8',
  [TensorType.INT16]: 's16',
  [TensorType.INT64]: 'i64',
  [TensorType.BOOL]: 'bool',
};

/** The IR dtype of a TFLite tensor type, or undefined when the IR has none (FLOAT16, STRING, ...). */
export function irDtype(type: number): DType | undefined {
  return DTYPE_OF[type];
}

export { tensorTypeName };

/** Bytes per element of the TFLite types whose constants can be read. */
export function tfliteElementBytes(type: number): number | undefined {
  switch (type) {
    case TensorType.FLOAT32:
    case TensorType.INT32:
      return 4;
    case TensorType.INT8:
    case TensorType.UINT8:
    case TensorType.BOOL:
      return 1;
    case TensorType.INT16:
    case TensorType.FLOAT16:
      return 2;
    case TensorType.INT64:
      return 8;
  }
  return undefined;
}

/**
 * A typed array holding a copy of `bytes` (little-endian, as TFLite stores it). The copy starts a
 * fresh ArrayBuffer, so it is aligned whatever the buffer's offset inside the file was.
 */
export function typedArrayFromBytes(dtype: DType, bytes: Uint8Array): TensorData {
  // Not bytes.slice(): on a Node Buffer that is a view of the same memory, not a copy.
  const own = new Uint8Array(bytes.length);
  own.set(bytes);
  const copy = own.buffer;
  switch (dtype) {
    case 'f32':
      return new Float32Array(copy);
    case 's8':
      return new Int8Array(copy);
    case 's32':
      return new Int32Array(copy);
    case 'u8':
    case 'bool':
      return new Uint8Array(copy);
    case 's16':
      return new Int16Array(copy);
    case 'i64':
      return new BigInt64Array(copy);
  }
}

/** IEEE half-precision (little-endian) → float32. */
export function float16ToFloat32(bytes: Uint8Array): Float32Array {
  const n = bytes.length >> 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const h = bytes[2 * i] | (bytes[2 * i + 1] << 8);
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) out[i] = sign * frac * 2 ** -24;
    else if (exp === 31) out[i] = frac ? NaN : sign * Infinity;
    else out[i] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return out;
}

/**
 * Quantization parameters in IR form, or undefined when the tensor has no scale (TFLite's
 * kTfLiteNoQuantization). One scale means per-tensor and quantized_dimension is ignored. Like
 * TFLite Micro (and unlike desktop TFLite) this accepts an out-of-range quantized_dimension on a
 * rank-1 tensor whose scale count equals its length. `fail` reports a real inconsistency.
 */
export function irQuant(q: TfliteQuantization | null, shape: number[], fail: (msg: string) => never): QuantParams | undefined {
  if (!q || !q.scale || q.scale.length === 0) return undefined;
  const scale = q.scale;
  const zeroPoint = q.zeroPoint && q.zeroPoint.length > 0 ? q.zeroPoint : scale.map(() => 0);
  if (zeroPoint.length !== scale.length) fail(`quantization has ${scale.length} scales but ${zeroPoint.length} zero points`);
  for (const s of scale) if (!(Number.isFinite(s) && s >= 0)) fail(`quantization scale ${s} is not a finite non-negative number`);
  if (scale.length === 1) return { scale: [scale[0]], zeroPoint: [zeroPoint[0]] };
  let axis = q.quantizedDimension;
  // person_detect.tflite gives its rank-1 per-channel biases the filter's quantized_dimension (3).
  // TFLite Micro never reads it for biases; the only axis a rank-1 tensor has is 0, so use that.
  if (shape.length === 1 && axis >= 1 && shape[0] === scale.length) axis = 0;
  if (!(axis >= 0 && axis < shape.length)) fail(`per-axis quantization on dimension ${axis}, tensor has rank ${shape.length}`);
  if (shape[axis] !== scale.length) {
    fail(`per-axis quantization has ${scale.length} scales, dimension ${axis} of [${shape}] has ${shape[axis]}`);
  }
  return { scale: [...scale], zeroPoint: [...zeroPoint], axis };
}

/** real = scale * (q - zeroPoint), per tensor or along `quant.axis`. */
export function dequantizeData(data: TensorData, shape: number[], quant: QuantParams): Float32Array {
  const out = new Float32Array(data.length);
  if (quant.scale.length === 1 || quant.axis === undefined) {
    const s = quant.scale[0];
    const z = quant.zeroPoint[0];
    for (let i = 0; i < data.length; i++) out[i] = s * (Number(data[i]) - z);
    return out;
  }
  let inner = 1;
  for (let d = quant.axis + 1; d < shape.length; d++) inner *= shape[d];
  const channels = shape[quant.axis];
  for (let i = 0; i < data.length; i++) {
    const c = Math.floor(i / inner) % channels;
    out[i] = quant.scale[c] * (Number(data[i]) - quant.zeroPoint[c]);
  }
  return out;
}
