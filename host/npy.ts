// NumPy .npy files (format versions 1.0, 2.0 and 3.0): the CLI's way to take inputs and calibration
// samples and to hand outputs back. Spec: numpy/lib/format.py ("NPY format").
//
//   "\x93NUMPY" major minor  header_len (u16 LE for 1.0, u32 LE for 2.0/3.0)  header  data
//
// The header is a Python dict literal, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (1, 28, 28), }
// padded with spaces and a final '\n' so that the data starts on a 64-byte boundary.

export type NpyDType = 'f32' | 'f64' | 's8' | 'u8' | 's16' | 'u16' | 's32' | 'u32' | 'i64' | 'bool';

export type NpyData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array;

export interface NpyArray {
  dtype: NpyDType;
  shape: number[];
  data: NpyData;
}

export class NpyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NpyError';
  }
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

interface DTypeInfo {
  dtype: NpyDType;
  size: number;
  make(buf: ArrayBuffer, n: number): NpyData;
}

// Keyed by (kind, itemsize) of the descr, e.g. '<f4' → f4.
const BY_KIND: Record<string, DTypeInfo> = {
  f4: { dtype: 'f32', size: 4, make: (b, n) => new Float32Array(b, 0, n) },
  f8: { dtype: 'f64', size: 8, make: (b, n) => new Float64Array(b, 0, n) },
  i1: { dtype: 's8', size: 1, make: (b, n) => new Int8Array(b, 0, n) },
  u1: { dtype: 'u8', size: 1, make: (b, n) => new Uint8Array(b, 0, n) },
  i2: { dtype: 's16', size: 2, make: (b, n) => new Int16Array(b, 0, n) },
  u2: { dtype: 'u16', size: 2, make: (b, n) => new Uint16Array(b, 0, n) },
  i4: { dtype: 's32', size: 4, make: (b, n) => new Int32Array(b, 0, n) },
  u4: { dtype: 'u32', size: 4, make: (b, n) => new Uint32Array(b, 0, n) },
  i8: { dtype: 'i64', size: 8, make: (b, n) => new BigInt64Array(b, 0, n) },
  b1: { dtype: 'bool', size: 1, make: (b, n) => new Uint8Array(b, 0, n) },
};

const DESCR_OF: Record<NpyDType, string> = {
  f32: '<f4',
  f64: '<f8',
  s8: '|i1',
  u8: '|u1',
  s16: '<i2',
  u16: '<u2',
  s32: '<i4',
  u32: '<u4',
  i64: '<i8',
  bool: '|b1',
};

/** The .npy dtype of a typed array (Uint8Array is u8; pass 'bool' to writeNpy for booleans). */
export function npyDtypeOf(data: NpyData): NpyDType {
  if (data instanceof Float32Array) return 'f32';
  if (data instanceof Float64Array) return 'f64';
  if (data instanceof Int8Array) return 's8';
  if (data instanceof Uint8Array) return 'u8';
  if (data instanceof Int16Array) return 's16';
  if (data instanceof Uint16Array) return 'u16';
  if (data instanceof Int32Array) return 's32';
  if (data instanceof Uint32Array) return 'u32';
  return 'i64';
}

// ---- Header dict parsing ----------------------------------------------------------------------

type PyValue = string | boolean | number | number[];

/** Parses the small subset of Python literals an NPY header uses: str, bool, int, tuple of ints. */
function parseHeaderDict(text: string, where: string): Record<string, PyValue> {
  let i = 0;
  const fail = (what: string): never => {
    throw new NpyError(`${where}: bad .npy header (${what} at character ${i}): ${JSON.stringify(text.trim())}`);
  };
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const expect = (ch: string) => {
    ws();
    if (text[i] !== ch) fail(`expected '${ch}'`);
    i++;
  };
  const str = (): string => {
    ws();
    const q = text[i];
    if (q !== "'" && q !== '"') fail('expected a string');
    const end = text.indexOf(q, i + 1);
    if (end < 0) fail('unterminated string');
    const s = text.slice(i + 1, end);
    i = end + 1;
    return s;
  };
  const int = (): number => {
    ws();
    const m = /^\d+/.exec(text.slice(i));
    if (!m) fail('expected a non-negative integer');
    i += m![0].length;
    // Python 2 era files may write longs as 3L.
    if (text[i] === 'L') i++;
    return Number(m![0]);
  };
  const value = (): PyValue => {
    ws();
    if (text[i] === "'" || text[i] === '"') return str();
    if (text.startsWith('True', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('False', i)) {
      i += 5;
      return false;
    }
    if (text[i] === '(') {
      i++;
      const items: number[] = [];
      ws();
      while (text[i] !== ')') {
        items.push(int());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== ')') fail("expected ',' or ')' in the shape");
        ws();
      }
      i++;
      return items;
    }
    return int();
  };

  const dict: Record<string, PyValue> = {};
  expect('{');
  ws();
  while (text[i] !== '}') {
    const key = str();
    expect(':');
    dict[key] = value();
    ws();
    if (text[i] === ',') i++;
    else if (text[i] !== '}') fail("expected ',' or '}'");
    ws();
    if (i >= text.length) fail("missing '}'");
  }
  return dict;
}

// ---- Reading ----------------------------------------------------------------------------------

/** Parses a .npy file. `where` (a path) names the file in error messages. */
export function readNpy(bytes: Uint8Array, where = '.npy file'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, k) => bytes[k] !== b)) {
    throw new NpyError(`${where}: not a .npy file (no \\x93NUMPY magic)`);
  }
  const major = bytes[6];
  const minor = bytes[7];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLen: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new NpyError(`${where}: truncated .npy header`);
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new NpyError(`${where}: .npy format version ${major}.${minor} is not supported (1.0, 2.0, 3.0 are)`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) throw new NpyError(`${where}: truncated .npy header (${headerLen} header bytes announced)`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));
  const dict = parseHeaderDict(header, where);

  const descr = dict.descr;
  if (typeof descr !== 'string') throw new NpyError(`${where}: .npy header has no 'descr' string`);
  const fortran = dict.fortran_order;
  if (typeof fortran !== 'boolean') throw new NpyError(`${where}: .npy header has no 'fortran_order' flag`);
  const shape = dict.shape;
  if (!Array.isArray(shape)) throw new NpyError(`${where}: .npy header has no 'shape' tuple`);
  if (fortran) {
    throw new NpyError(
      `${where}: Fortran-ordered (column-major) arrays are not supported; save a C-ordered copy (np.ascontiguousarray)`,
    );
  }

  const m = /^([<>|=])([a-z])(\d+)$/.exec(descr);
  const info = m ? BY_KIND[m[2] + m[3]] : undefined;
  if (!m || !info) {
    throw new NpyError(
      `${where}: .npy dtype '${descr}' is not supported (float32/64, int8/16/32/64, uint8/16/32, bool are)`,
    );
  }
  const bigEndian = m[1] === '>';

  let n = 1;
  for (const d of shape) n *= d;
  const byteCount = n * info.size;
  if (bytes.length - dataStart < byteCount) {
    throw new NpyError(
      `${where}: truncated .npy data: shape (${shape.join(', ')}) of ${descr} needs ${byteCount} bytes, the file has ${bytes.length - dataStart}`,
    );
  }
  // Copy into a fresh, aligned buffer (the data offset is 64-aligned only in well-formed files).
  const buf = new ArrayBuffer(byteCount);
  const raw = new Uint8Array(buf);
  raw.set(bytes.subarray(dataStart, dataStart + byteCount));
  if (bigEndian && info.size > 1) {
    for (let k = 0; k < byteCount; k += info.size) raw.subarray(k, k + info.size).reverse();
  }
  return { dtype: info.dtype, shape: [...shape], data: info.make(buf, n) };
}

// ---- Writing ----------------------------------------------------------------------------------

/** Serializes an array as a version 1.0 .npy file (C order, little-endian, data 64-byte aligned). */
export function writeNpy(data: NpyData, shape: readonly number[], dtype: NpyDType = npyDtypeOf(data)): Uint8Array {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new NpyError(`writeNpy: bad dimension ${d} in shape [${shape}]`);
    n *= d;
  }
  if (n !== data.length) throw new NpyError(`writeNpy: shape [${shape}] holds ${n} values, the data has ${data.length}`);
  if (dtype === 'bool' && !(data instanceof Uint8Array)) throw new NpyError('writeNpy: bool data must be a Uint8Array');
  if (dtype !== 'bool' && npyDtypeOf(data) !== dtype) {
    throw new NpyError(`writeNpy: dtype ${dtype} does not match the ${data.constructor.name}`);
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${DESCR_OF[dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Pad with spaces so that magic(6) + version(2) + len(2) + header + '\n' is a multiple of 64.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  if (header.length > 0xffff) throw new NpyError('writeNpy: header too long for format 1.0');

  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let k = 0; k < header.length; k++) out[10 + k] = header.charCodeAt(k);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
