// Turns a dropped input file into the model input's typed array: a .npy (any numeric dtype, cast or
// quantized as needed) or raw little-endian bytes already in the input's dtype.
import { readNpy } from '../host/npy.js';
import type { MoteTypedArray, TensorInfo } from '../devices/react-native/src/protocol.js';

const CTORS = { f32: Float32Array, s8: Int8Array, s32: Int32Array, u8: Uint8Array, s16: Int16Array, bool: Uint8Array } as const;
const RANGES: Record<string, [number, number]> = { s8: [-128, 127], u8: [0, 255], bool: [0, 1], s16: [-32768, 32767], s32: [-2147483648, 2147483647] };

export interface PreparedInput {
  data: MoteTypedArray;
  /** What was done to the file's values, for the page to show. */
  note: string;
}

const describe = (t: TensorInfo) => `${t.dtype}[${t.shape.join(', ')}]`;

export function prepareInput(fileName: string, bytes: Uint8Array, info: TensorInfo, index: number): PreparedInput {
  const n = info.shape.reduce((a, b) => a * b, 1);
  const ctor = CTORS[info.dtype];
  const where = `input ${index} ('${info.name}', ${describe(info)}) from ${fileName}`;
  if (!fileName.toLowerCase().endsWith('.npy')) {
    if (bytes.length !== n * ctor.BYTES_PER_ELEMENT) {
      throw new Error(`${where}: a raw file must hold exactly ${n * ctor.BYTES_PER_ELEMENT} bytes (${n} × ${info.dtype}), this one has ${bytes.length}`);
    }
    const copy = new Uint8Array(bytes); // aligned, owned copy
    return { data: new ctor(copy.buffer, 0, n), note: `raw ${info.dtype} bytes` };
  }
  const arr = readNpy(bytes, fileName);
  if (arr.dtype === 'i64') throw new Error(`${where}: int64 .npy files are not supported; save it as int32 or float32`);
  const values = arr.data as Exclude<typeof arr.data, BigInt64Array>;
  if (values.length < n || values.length % n !== 0) {
    throw new Error(`${where}: the .npy holds ${values.length} values (shape [${arr.shape.join(', ')}]); the input needs ${n}`);
  }
  const samples = values.length / n;
  const first = values.subarray(0, n);
  const notes: string[] = [`${arr.dtype}[${arr.shape.join(', ')}]`];
  if (samples > 1) notes.push(`sample 0 of ${samples}`);
  const floatFile = arr.dtype === 'f32' || arr.dtype === 'f64';
  let data: MoteTypedArray;
  if (info.dtype === 'f32') {
    data = Float32Array.from(first as ArrayLike<number>);
  } else if (floatFile && info.scale > 0) {
    // Float values for a quantized input: q = round(x / scale) + zero_point, saturated.
    const [lo, hi] = RANGES[info.dtype];
    data = new ctor(n);
    for (let i = 0; i < n; i++) data[i] = Math.max(lo, Math.min(hi, Math.round(first[i] / info.scale) + info.zeroPoint));
    notes.push(`quantized with scale ${info.scale}, zero point ${info.zeroPoint}`);
  } else {
    const [lo, hi] = RANGES[info.dtype];
    for (let i = 0; i < n; i++) {
      const v = first[i];
      if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`${where}: value ${v} at ${i} does not fit ${info.dtype}`);
    }
    data = (ctor as unknown as { from(v: ArrayLike<number>): MoteTypedArray }).from(first as ArrayLike<number>);
  }
  return { data, note: notes.join(', ') };
}
