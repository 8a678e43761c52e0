// host/npy.ts against the NPY spec (numpy/lib/format.py): files written by the writer are taken
// apart by hand here, and files assembled by hand here are read by the reader.
import { describe, expect, it } from 'vitest';
import { NpyError, readNpy, writeNpy, type NpyData, type NpyDType } from '../host/npy.js';

// A deterministic pseudo-random source so the test data is not hand-picked.
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const shape = [2, 3, 5];
const n = 30;

function sample(dtype: NpyDType, rnd: () => number): NpyData {
  switch (dtype) {
    case 'f32': return Float32Array.from({ length: n }, () => (rnd() - 0.5) * 1e3);
    case 'f64': return Float64Array.from({ length: n }, () => (rnd() - 0.5) * 1e300);
    case 's8': return Int8Array.from({ length: n }, () => Math.floor(rnd() * 256) - 128);
    case 'u8': return Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
    case 'bool': return Uint8Array.from({ length: n }, () => (rnd() < 0.5 ? 1 : 0));
    case 's16': return Int16Array.from({ length: n }, () => Math.floor(rnd() * 65536) - 32768);
    case 'u16': return Uint16Array.from({ length: n }, () => Math.floor(rnd() * 65536));
    case 's32': return Int32Array.from({ length: n }, () => Math.floor(rnd() * 2 ** 32) - 2 ** 31);
    case 'u32': return Uint32Array.from({ length: n }, () => Math.floor(rnd() * 2 ** 32));
    case 'i64': return BigInt64Array.from({ length: n }, () => BigInt(Math.floor(rnd() * 2 ** 53)) * (rnd() < 0.5 ? -3n : 5n));
  }
}

// What numpy writes as descr for each dtype on a little-endian machine.
const NUMPY_DESCR: Record<NpyDType, string> = {
  f32: '<f4', f64: '<f8', s8: '|i1', u8: '|u1', bool: '|b1', s16: '<i2', u16: '<u2', s32: '<i4', u32: '<u4', i64: '<i8',
};

/** Takes a v1.0 file apart per the spec, independently of the reader. */
function parseByHand(bytes: Uint8Array) {
  const magic = Array.from(bytes.subarray(0, 6));
  const version = [bytes[6], bytes[7]];
  const headerLen = bytes[8] | (bytes[9] << 8);
  const header = Buffer.from(bytes.subarray(10, 10 + headerLen)).toString('latin1');
  return { magic, version, headerLen, header, dataOffset: 10 + headerLen };
}

/** A hand-assembled .npy file (any version, any header text). */
function assemble(header: string, payload: Uint8Array, major = 1): Uint8Array {
  const lenBytes = major === 1 ? 2 : 4;
  const out = new Uint8Array(8 + lenBytes + header.length + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, header.length, true);
  else dv.setUint32(8, header.length, true);
  for (let k = 0; k < header.length; k++) out[8 + lenBytes + k] = header.charCodeAt(k);
  out.set(payload, 8 + lenBytes + header.length);
  return out;
}

const ALL: NpyDType[] = ['f32', 'f64', 's8', 'u8', 'bool', 's16', 'u16', 's32', 'u32', 'i64'];

describe('npy writer follows the spec', () => {
  for (const dtype of ALL) {
    it(`writes ${dtype} with a spec-conformant header and raw little-endian data`, () => {
      const data = sample(dtype, lcg(ALL.indexOf(dtype) + 1));
      const bytes = writeNpy(data, shape, dtype);
      const p = parseByHand(bytes);
      expect(p.magic).toEqual([0x93, ...Buffer.from('NUMPY')]);
      expect(p.version).toEqual([1, 0]);
      expect(p.dataOffset % 64).toBe(0); // the spec pads the header so that data is 64-aligned
      expect(p.header.endsWith('\n')).toBe(true);
      const dict = p.header.trim();
      expect(dict).toMatch(new RegExp(`'descr':\\s*'${NUMPY_DESCR[dtype].replace('|', '\\|')}'`));
      expect(dict).toMatch(/'fortran_order':\s*False/);
      expect(dict).toMatch(/'shape':\s*\(2,\s*3,\s*5\)/);
      // The payload is the typed array's bytes, unchanged.
      const payload = bytes.subarray(p.dataOffset);
      expect(Buffer.from(payload).equals(Buffer.from(data.buffer, data.byteOffset, data.byteLength))).toBe(true);
    });
  }

  it('writes 1-D shapes as a one-tuple and scalars as ()', () => {
    expect(parseByHand(writeNpy(new Float32Array(4), [4])).header).toMatch(/'shape':\s*\(4,\)/);
    expect(parseByHand(writeNpy(new Float32Array(1), [])).header).toMatch(/'shape':\s*\(\)/);
  });
});

describe('npy reader', () => {
  for (const dtype of ALL) {
    it(`round-trips ${dtype}`, () => {
      const data = sample(dtype, lcg(100 + ALL.indexOf(dtype)));
      const back = readNpy(writeNpy(data, shape, dtype));
      expect(back.dtype).toBe(dtype);
      expect(back.shape).toEqual(shape);
      expect(Array.from(back.data as ArrayLike<number | bigint>)).toEqual(Array.from(data as ArrayLike<number | bigint>));
    });
  }

  it('reads a hand-made file with double quotes, different key order and an unaligned header', () => {
    const values = new Float32Array([1.5, -2, 3.25]);
    const bytes = assemble(`{"shape": (3,), "fortran_order": False, "descr": "<f4"}\n`, new Uint8Array(values.buffer));
    const a = readNpy(bytes);
    expect(a.shape).toEqual([3]);
    expect(Array.from(a.data as Float32Array)).toEqual([1.5, -2, 3.25]);
  });

  it('reads format 2.0 (u32 header length)', () => {
    const values = new Int32Array([7, -8]);
    const a = readNpy(assemble(`{'descr': '<i4', 'fortran_order': False, 'shape': (1, 2), }\n`, new Uint8Array(values.buffer), 2));
    expect(a.shape).toEqual([1, 2]);
    expect(Array.from(a.data as Int32Array)).toEqual([7, -8]);
  });

  it('byte-swaps big-endian data', () => {
    const dv = new DataView(new ArrayBuffer(8));
    dv.setFloat32(0, 3.5, false);
    dv.setFloat32(4, -1.25, false);
    const a = readNpy(assemble(`{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }\n`, new Uint8Array(dv.buffer)));
    expect(Array.from(a.data as Float32Array)).toEqual([3.5, -1.25]);
  });

  it('rejects Fortran order with a clear message', () => {
    const bytes = assemble(`{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }\n`, new Uint8Array(16));
    expect(() => readNpy(bytes, 'x.npy')).toThrow(/x\.npy: Fortran-ordered/);
  });

  it('rejects bad magic, bad headers, unknown dtypes and truncated data, naming the file', () => {
    expect(() => readNpy(new Uint8Array(20), 'a.npy')).toThrow(NpyError);
    expect(() => readNpy(new Uint8Array(20), 'a.npy')).toThrow(/a\.npy: not a \.npy file/);
    expect(() => readNpy(assemble(`{'descr': '<f4', 'shape': (2,), }\n`, new Uint8Array(8)), 'b.npy')).toThrow(/b\.npy.*fortran_order/);
    expect(() => readNpy(assemble(`{'descr': '<f4' 'fortran_order': False}\n`, new Uint8Array(8)), 'c.npy')).toThrow(/c\.npy: bad \.npy header/);
    expect(() => readNpy(assemble(`{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }\n`, new Uint8Array(16)), 'd.npy')).toThrow(/'<c8' is not supported/);
    expect(() => readNpy(assemble(`{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }\n`, new Uint8Array(8)), 'e.npy')).toThrow(/e\.npy: truncated .npy data/);
    const huge = assemble(`{}`, new Uint8Array(0));
    new DataView(huge.buffer).setUint16(8, 5000, true);
    expect(() => readNpy(huge, 'f.npy')).toThrow(/f\.npy: truncated \.npy header/);
  });

  it('writer rejects a shape that does not match the data', () => {
    expect(() => writeNpy(new Float32Array(5), [2, 3])).toThrow(/holds 6 values/);
  });
});
