// Reader for the idx format (MNIST's): big-endian magic 0x0000TTRR (TT = element type, RR = rank),
// RR big-endian u32 dims, then the elements row-major, big-endian. Gzip input is unpacked first.
import { gunzipSync } from 'node:zlib';

export interface IdxArray {
  shape: number[];
  /** Elements as numbers (u8/s8/s16/s32/f32/f64 all fit exactly). */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, { name: string; bytes: number; read: (v: DataView, o: number) => number; make: (n: number) => IdxArray['data'] }> = {
  0x08: { name: 'u8', bytes: 1, read: (v, o) => v.getUint8(o), make: (n) => new Uint8Array(n) },
  0x09: { name: 's8', bytes: 1, read: (v, o) => v.getInt8(o), make: (n) => new Int8Array(n) },
  0x0b: { name: 's16', bytes: 2, read: (v, o) => v.getInt16(o), make: (n) => new Int16Array(n) },
  0x0c: { name: 's32', bytes: 4, read: (v, o) => v.getInt32(o), make: (n) => new Int32Array(n) },
  0x0d: { name: 'f32', bytes: 4, read: (v, o) => v.getFloat32(o), make: (n) => new Float32Array(n) },
  0x0e: { name: 'f64', bytes: 8, read: (v, o) => v.getFloat64(o), make: (n) => new Float64Array(n) },
};

/** Parses idx bytes (gzip-compressed or not); `what` names the source in errors. */
export function readIdx(bytes: Uint8Array, what = 'idx data'): IdxArray {
  let raw = bytes;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = gunzipSync(raw);
    } catch (e) {
      throw new Error(`${what}: bad gzip data (${(e as Error).message})`);
    }
  }
  if (raw.length < 4) throw new Error(`${what}: ${raw.length} bytes is too short for an idx header`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (raw[0] !== 0 || raw[1] !== 0) throw new Error(`${what}: not idx data (magic ${view.getUint32(0).toString(16)})`);
  const type = TYPES[raw[2]];
  if (!type) throw new Error(`${what}: unknown idx element type 0x${raw[2].toString(16)}`);
  const rank = raw[3];
  const header = 4 + 4 * rank;
  if (raw.length < header) throw new Error(`${what}: truncated header (rank ${rank})`);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const count = shape.reduce((a, b) => a * b, 1);
  const need = header + count * type.bytes;
  if (raw.length < need) throw new Error(`${what}: ${raw.length} bytes, expected ${need} for ${type.name} [${shape}]`);
  const data = type.make(count);
  if (type.bytes === 1) {
    data.set(type.name === 'u8' ? raw.subarray(header, need) : new Int8Array(raw.buffer, raw.byteOffset + header, count));
  } else {
    for (let i = 0; i < count; i++) data[i] = type.read(view, header + i * type.bytes);
  }
  return { shape, data };
}
