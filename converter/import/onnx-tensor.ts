// ONNX TensorProto → typed array. Used for initializers and Constant nodes by the importer, and for
// the conformance test data (input_N.pb / output_N.pb) by tests and the CLI.
import onnxProto from 'onnx-proto';
import { ConvertError } from '../errors.js';
import type { DType, TensorData } from '../ir/graph.js';
import { numel } from '../ir/graph.js';

const { onnx } = onnxProto;
type TensorProto = onnxProto.onnx.ITensorProto;

/** ONNX TensorProto.DataType names, for error messages. */
export const ONNX_DTYPE_NAMES: Record<number, string> = {
  0: 'UNDEFINED', 1: 'FLOAT', 2: 'UINT8', 3: 'INT8', 4: 'UINT16', 5: 'INT16', 6: 'INT32', 7: 'INT64',
  8: 'STRING', 9: 'BOOL', 10: 'FLOAT16', 11: 'DOUBLE', 12: 'UINT32', 13: 'UINT64', 14: 'COMPLEX64',
  15: 'COMPLEX128', 16: 'BFLOAT16', 17: 'FLOAT8E4M3FN', 18: 'FLOAT8E4M3FNUZ', 19: 'FLOAT8E5M2',
  20: 'FLOAT8E5M2FNUZ', 21: 'UINT4', 22: 'INT4', 23: 'FLOAT4E2M1', 24: 'UINT2', 25: 'INT2',
};

/** The IR dtype for an ONNX element type, or undefined when Mote has none. */
export function dtypeFromOnnx(elemType: number): DType | undefined {
  switch (elemType) {
    case 1: return 'f32';
    case 2: return 'u8';
    case 3: return 's8';
    case 5: return 's16';
    case 6: return 's32';
    case 7: return 'i64';
    case 9: return 'bool';
  }
  return undefined;
}

export function onnxDtypeName(elemType: number): string {
  return ONNX_DTYPE_NAMES[elemType] ?? `type ${elemType}`;
}

/** A protobuf int64 (number or Long) as a JS number; throws past 2^53. */
export function toNumber(v: number | { toString(): string } | null | undefined): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  const n = Number(v.toString());
  if (!Number.isSafeInteger(n)) throw new ConvertError(`integer ${v.toString()} is too large`);
  return n;
}

function toBigInt(v: number | { toString(): string }): bigint {
  return BigInt(typeof v === 'number' ? v : v.toString());
}

export interface DecodedTensor {
  name: string;
  dtype: DType;
  shape: number[];
  data: TensorData;
}

const BYTES_PER: Record<DType, number> = { f32: 4, s8: 1, u8: 1, bool: 1, s16: 2, s32: 4, i64: 8 };

function allocate(dtype: DType, n: number): TensorData {
  switch (dtype) {
    case 'f32': return new Float32Array(n);
    case 's8': return new Int8Array(n);
    case 'u8':
    case 'bool': return new Uint8Array(n);
    case 's16': return new Int16Array(n);
    case 's32': return new Int32Array(n);
    case 'i64': return new BigInt64Array(n);
  }
}

/** Decodes a TensorProto (raw_data or the typed fields). `place` names where it came from. */
export function tensorFromProto(t: TensorProto, place = 'tensor'): DecodedTensor {
  const name = t.name ?? '';
  const where = `${place} '${name}'`;
  if (t.dataLocation === 1 || (t.externalData && t.externalData.length > 0)) {
    throw new ConvertError(`${where} uses external data (a separate weights file), which is not supported; save the model with weights embedded`);
  }
  if (t.segment) throw new ConvertError(`${where} is a segmented tensor, which is not supported`);
  const dtype = dtypeFromOnnx(t.dataType ?? 0);
  if (!dtype) throw new ConvertError(`${where} has ONNX dtype ${onnxDtypeName(t.dataType ?? 0)}, which is not supported`);
  const shape = (t.dims ?? []).map((d) => toNumber(d));
  if (shape.some((d) => d < 0)) throw new ConvertError(`${where} has a negative dimension [${shape}]`);
  const n = numel(shape);
  // The sizes are checked against the bytes the file holds before anything is allocated: a
  // corrupt dim must not ask for a 10^22-element array.
  if (t.rawData && t.rawData.length > 0) {
    const bytesPer = BYTES_PER[dtype];
    if (t.rawData.length !== n * bytesPer) {
      throw new ConvertError(`${where}: raw_data has ${t.rawData.length} bytes, shape [${shape}] needs ${n * bytesPer}`);
    }
    const data = allocate(dtype, n);
    // Copy into the aligned buffer (raw_data may sit at any offset of the model file). ONNX raw data
    // is little-endian, like every platform Mote runs on.
    new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(t.rawData);
    return { name, dtype, shape, data };
  }

  // Typed fields: FLOAT in float_data; INT64 in int64_data; the small integer types and BOOL in
  // int32_data (one element per entry).
  let src: ArrayLike<number | { toString(): string }>;
  if (dtype === 'f32') src = t.floatData ?? [];
  else if (dtype === 'i64') src = t.int64Data ?? [];
  else src = t.int32Data ?? [];
  if (src.length !== n) {
    throw new ConvertError(`${where}: has ${src.length} values, shape [${shape}] needs ${n}`);
  }
  const data = allocate(dtype, n);
  if (data instanceof BigInt64Array) {
    for (let i = 0; i < n; i++) data[i] = toBigInt(src[i]);
  } else {
    for (let i = 0; i < n; i++) (data as Float32Array)[i] = toNumber(src[i] as number);
  }
  return { name, dtype, shape, data };
}
