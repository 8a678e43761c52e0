// ENC_BINARY: 1-bit weights w[c, k] = ±a_c (one int8 magnitude per output channel), laid out for
// the kernels that read them directly (assembly/kernels/binary_weights.ts): sign bits in 32-bit
// words, four channels' word i side by side so that one v128 load serves four channels (the SIMD
// kernel keeps channels in lanes). format/format.ts has the byte layout; this file is its encoder,
// a decoder to dense int8 (tests, hosts) and the checks the runtime makes at load, in TS.
import * as F from '../../format/format.js';

/** Geometry of a binary stream for O channels of K weights each. */
export interface BinaryLayout {
  channels: number;
  k: number;
  /** Channels rounded up to a multiple of 4 (the padding channels have magnitude 0, no bits). */
  channels4: number;
  /** 32-bit sign words per channel: ceil(K / 32). */
  words: number;
  /** Byte offset of the sign block from the stream start (16-byte aligned). */
  signsAt: number;
  length: number;
}

export function binaryLayout(channels: number, k: number): BinaryLayout {
  const channels4 = Math.ceil(channels / 4) * 4;
  const words = Math.ceil(k / 32);
  const signsAt = F.BINARY_HEADER_SIZE + Math.ceil(channels4 / 16) * 16;
  return { channels, k, channels4, words, signsAt, length: signsAt + channels4 * words * 4 };
}

/** Byte offset (from the stream start) of channel c's sign word i. */
export const signWordAt = (l: BinaryLayout, c: number, i: number) => l.signsAt + (((c >> 2) * l.words + i) * 4 + (c & 3)) * 4;

/**
 * The stream for int8 weights [O, ...] whose every output channel holds only ±a_c (a_c in 0..127),
 * or undefined when some channel holds other values (then the weights are not binary).
 */
export function encodeBinaryWeights(w: Int8Array, shape: number[]): Uint8Array | undefined {
  const channels = shape[0];
  if (!(channels >= 1) || w.length === 0 || w.length % channels !== 0) return undefined;
  const k = w.length / channels;
  const l = binaryLayout(channels, k);
  const out = new Uint8Array(l.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, l.length, true);
  dv.setUint32(4, channels, true);
  dv.setUint32(8, k, true);
  for (let c = 0; c < channels; c++) {
    const row = w.subarray(c * k, (c + 1) * k);
    let a = 0;
    for (const v of row) if (v !== 0) { a = Math.abs(v); break; }
    if (a > 127) return undefined;
    out[F.BINARY_HEADER_SIZE + c] = a;
    if (a === 0) continue;
    for (let i = 0; i < l.words; i++) {
      let word = 0;
      for (let b = 0; b < 32 && i * 32 + b < k; b++) {
        const v = row[i * 32 + b];
        if (v === a) word |= 1 << b;
        else if (v !== -a) return undefined;
      }
      dv.setUint32(signWordAt(l, c, i), word >>> 0, true);
    }
  }
  return out;
}

/**
 * Checks a binary stream against the dense shape it stands for, as the runtime does at load;
 * returns the layout or throws a RangeError naming the problem.
 */
export function checkBinaryStream(stream: Uint8Array, shape: number[]): BinaryLayout {
  const fail = (msg: string): never => { throw new RangeError(`binary stream: ${msg}`); };
  if (stream.length < F.BINARY_HEADER_SIZE) fail(`${stream.length} bytes, shorter than the ${F.BINARY_HEADER_SIZE}-byte header`);
  const dv = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  const length = dv.getUint32(0, true), channels = dv.getUint32(4, true), k = dv.getUint32(8, true);
  if (length > stream.length) fail(`length ${length} runs past the ${stream.length} bytes available`);
  if (dv.getUint32(12, true) !== 0) fail('reserved word must be 0');
  const numel = shape.reduce((a, b) => a * b, 1);
  if (channels !== shape[0] || channels * k !== numel) fail(`${channels} channels x ${k} weights do not match the tensor's shape [${shape}]`);
  const l = binaryLayout(channels, k);
  if (length !== l.length) fail(`length ${length} != ${l.length} bytes for ${channels} channels of ${k} sign bits`);
  for (let c = 0; c < l.channels4; c++) {
    const a = stream[F.BINARY_HEADER_SIZE + c];
    if (c >= channels ? a !== 0 : a > 127) fail(`channel ${c}: magnitude ${a} ${c >= channels ? 'of a padding channel must be 0' : 'exceeds 127'}`);
    for (let i = 0; i < l.words; i++) {
      const word = dv.getUint32(signWordAt(l, c, i), true);
      const live = a === 0 ? 0 : i < l.words - 1 || k % 32 === 0 ? 0xffffffff : 2 ** (k % 32) - 1;
      if ((word & ~live) !== 0) fail(`channel ${c} sign word ${i}: bits set past the ${a === 0 ? '0 (zero-magnitude channel)' : k} weights`);
    }
  }
  for (let p = F.BINARY_HEADER_SIZE + l.channels4; p < l.signsAt; p++) if (stream[p] !== 0) fail(`padding byte ${p} must be 0`);
  return l;
}

/** The dense int8 weights a (checked) binary stream stands for. */
export function decodeBinaryWeights(stream: Uint8Array, shape: number[]): Int8Array {
  const l = checkBinaryStream(stream, shape);
  const dv = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  const out = new Int8Array(l.channels * l.k);
  for (let c = 0; c < l.channels; c++) {
    const a = stream[F.BINARY_HEADER_SIZE + c];
    for (let j = 0; j < l.k; j++) {
      const bit = (dv.getUint32(signWordAt(l, c, j >> 5), true) >>> (j & 31)) & 1;
      out[c * l.k + j] = bit ? a : -a;
    }
  }
  return out;
}
