// Encoded weight streams (STORAGE_ENCODED records; format/format.ts has the byte layouts): encoders
// that choose the smallest stream for a tensor, and a TS decoder that mirrors the runtime's
// (assembly/decode/) — used by tests and by hosts that want the dense weights back.
import * as F from '../../format/format.js';
import { packBits, unpackBits } from './bits.js';
import { huffmanDecode, huffmanEncode } from './huffman.js';
import { decodeBinaryWeights, encodeBinaryWeights } from './binary-weights.js';

export type WeightEncoding = 'palette' | 'sparse' | 'huffman' | 'palette-huffman' | 'sparse-rows' | 'binary';
/** Encodings the runtime's direct kernels read as stored (STORAGE_DIRECT). */
export type DirectEncoding = 'sparse-rows' | 'palette' | 'binary';
export const ENCODING_CODE: Record<WeightEncoding, number> = {
  palette: F.ENC_PALETTE,
  sparse: F.ENC_SPARSE,
  huffman: F.ENC_HUFFMAN,
  'palette-huffman': F.ENC_PALETTE_HUFFMAN,
  'sparse-rows': F.ENC_SPARSE_ROWS,
  binary: F.ENC_BINARY,
};
export const ENCODING_NAME: Record<number, WeightEncoding> = {
  [F.ENC_PALETTE]: 'palette',
  [F.ENC_SPARSE]: 'sparse',
  [F.ENC_HUFFMAN]: 'huffman',
  [F.ENC_PALETTE_HUFFMAN]: 'palette-huffman',
  [F.ENC_SPARSE_ROWS]: 'sparse-rows',
  [F.ENC_BINARY]: 'binary',
};

export interface EncodedStream {
  encoding: WeightEncoding;
  code: number;
  bytes: Uint8Array;
}

function header(length: number, b4: number, b5: number, b6: number, b7: number, word2: number): Uint8Array {
  const h = new Uint8Array(F.ENC_HEADER_SIZE);
  const dv = new DataView(h.buffer);
  dv.setUint32(0, length, true);
  h[4] = b4; h[5] = b5; h[6] = b6; h[7] = b7;
  dv.setUint32(8, word2, true);
  return h;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** Element i's bytes as a number key (es = 1, 2 or 4). */
function elementKeys(data: Uint8Array, es: number): Uint32Array {
  const n = data.length / es;
  const keys = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let k = 0;
    for (let b = es - 1; b >= 0; b--) k = k * 256 + data[i * es + b];
    keys[i] = k;
  }
  return keys;
}

const PALETTE_BITS = [1, 2, 4, 8];
/** Palette grouping: mode 0 = G contiguous groups of n/G; mode 1 = element i in group i % G. */
interface Grouping { mode: number; groups: number }

/**
 * Palette stream: per group a codebook of 2^bits elements and one index per element. The shape
 * proposes groupings (whole tensor, per leading-dim row — conv/fc output channels —, per last-dim
 * column — depthwise channels); the smallest valid one wins. Undefined when some group has more
 * than 256 distinct values.
 */
export function encodePalette(data: Uint8Array, es: number, shape: number[], huffmanIndices = false, direct = false): Uint8Array | undefined {
  const n = data.length / es;
  if (n === 0) return undefined;
  const keys = elementKeys(data, es);
  const candidates: Grouping[] = [{ mode: 0, groups: 1 }];
  if (shape.length >= 2 && shape[0] > 1) candidates.push({ mode: 0, groups: shape[0] });
  // The direct kernels read one codebook per output-channel row: mode 0 with G = 1 or dims[0].
  if (!direct && shape.length >= 2 && shape[shape.length - 1] > 1) candidates.push({ mode: 1, groups: shape[shape.length - 1] });
  let best: Uint8Array | undefined;
  for (const { mode, groups } of candidates) {
    if (n % groups !== 0) continue;
    const per = n / groups;
    const group = (i: number) => (mode === 0 ? Math.floor(i / per) : i % groups);
    const books: Map<number, number>[] = Array.from({ length: groups }, () => new Map());
    let maxDistinct = 0;
    for (let i = 0; i < n; i++) {
      const book = books[group(i)];
      if (!book.has(keys[i])) {
        book.set(keys[i], book.size);
        maxDistinct = Math.max(maxDistinct, book.size);
      }
    }
    const bits = PALETTE_BITS.find((b) => 1 << b >= maxDistinct);
    if (bits === undefined) continue;
    // Renumber each codebook by frequency (most common value first, ties by value), so the index
    // statistics line up across groups (e.g. a pruned zero is index 0 everywhere) for Huffman.
    const counts: Map<number, number>[] = books.map(() => new Map());
    for (let i = 0; i < n; i++) {
      const c = counts[group(i)];
      c.set(keys[i], (c.get(keys[i]) ?? 0) + 1);
    }
    books.forEach((book, g) => {
      const order = [...book.keys()].sort((a, b) => counts[g].get(b)! - counts[g].get(a)! || a - b);
      order.forEach((key, j) => book.set(key, j));
    });
    const entries = 1 << bits;
    const codebook = new Uint8Array(groups * entries * es);
    books.forEach((book, g) => {
      for (const [key, j] of book) {
        let k = key;
        for (let b = 0; b < es; b++) { codebook[(g * entries + j) * es + b] = k % 256; k = Math.floor(k / 256); }
      }
    });
    const idx = new Uint8Array(n);
    for (let i = 0; i < n; i++) idx[i] = books[group(i)].get(keys[i])!;
    // Huffman-coded indices: the code table (without its own length word), then the code bits.
    const packed = huffmanIndices ? encodeHuffman(idx).subarray(4) : packBits(idx, bits);
    const length = F.ENC_HEADER_SIZE + codebook.length + packed.length;
    if (!best || length < best.length) best = concat([header(length, bits, es, mode, 0, groups), codebook, packed]);
  }
  return best;
}

/** Relative-index sparse stream (Deep Compression): non-zero elements with 4- or 8-bit gaps. */
export function encodeSparse(data: Uint8Array, es: number): Uint8Array {
  const keys = elementKeys(data, es);
  let best: Uint8Array | undefined;
  for (const gapBits of [4, 8]) {
    const maxGap = (1 << gapBits) - 1;
    const positions: number[] = [];
    const gaps: number[] = [];
    let prev = -1;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === 0) continue;
      // A gap too long for the index bits gets filler entries (stored zeros) in between.
      while (i - prev - 1 > maxGap) {
        prev += maxGap + 1;
        positions.push(prev);
        gaps.push(maxGap);
      }
      gaps.push(i - prev - 1);
      positions.push(i);
      prev = i;
    }
    const values = new Uint8Array(positions.length * es);
    positions.forEach((p, j) => values.set(data.subarray(p * es, (p + 1) * es), j * es));
    const packed = packBits(gaps, gapBits);
    const length = F.ENC_HEADER_SIZE + values.length + packed.length;
    if (!best || length < best.length) best = concat([header(length, gapBits, es, 0, 0, positions.length), values, packed]);
  }
  return best!;
}

/**
 * Per-row sparse int8 for the direct kernels (ENC_SPARSE_ROWS): rows = dims[0], per row its entry
 * count, then (u8 gap, i8 value) pairs; gaps over 255 columns get filler entries of value 0.
 * Undefined when a row would need more than 65535 entries (its count is a u16).
 */
export function encodeSparseRows(data: Uint8Array, shape: number[]): Uint8Array | undefined {
  const R = shape.length === 0 ? 1 : shape[0];
  if (data.length === 0 || data.length % R !== 0) return undefined;
  const K = data.length / R;
  const counts: number[] = [];
  const pairs: number[] = [];
  for (let r = 0; r < R; r++) {
    let prev = -1;
    let c = 0;
    for (let k = 0; k < K; k++) {
      const v = data[r * K + k];
      if (v === 0) continue;
      while (k - prev - 1 > 255) {
        prev += 256;
        pairs.push(255, 0);
        c++;
      }
      pairs.push(k - prev - 1, v);
      prev = k;
      c++;
    }
    if (c > 0xffff) return undefined;
    counts.push(c);
  }
  const length = F.ENC_HEADER_SIZE + 2 * R + pairs.length;
  const out = new Uint8Array(length);
  out.set(header(length, 8, 1, 0, 0, R));
  const dv = new DataView(out.buffer);
  counts.forEach((c, r) => dv.setUint16(F.ENC_HEADER_SIZE + 2 * r, c, true));
  out.set(pairs, F.ENC_HEADER_SIZE + 2 * R);
  return out;
}

/** The stream a direct kernel reads for an int8 weight tensor, or undefined when it has none. */
export function encodeDirect(encoding: DirectEncoding, data: Uint8Array, shape: number[]): Uint8Array | undefined {
  if (encoding === 'sparse-rows') return encodeSparseRows(data, shape);
  if (encoding === 'binary') return encodeBinaryWeights(new Int8Array(data.buffer, data.byteOffset, data.length), shape);
  return encodePalette(data, 1, shape, false, true);
}

export function encodeHuffman(data: Uint8Array): Uint8Array {
  const { lengths, bits } = huffmanEncode(data);
  const out = new Uint8Array(F.HUFFMAN_HEADER_SIZE + bits.length);
  new DataView(out.buffer).setUint32(0, out.length, true);
  for (let s = 0; s < 256; s++) out[4 + (s >> 1)] |= lengths[s] << ((s & 1) * 4);
  out.set(bits, F.HUFFMAN_HEADER_SIZE);
  return out;
}

/**
 * The smallest stream among the allowed encodings for a tensor's bytes, or undefined when none is
 * smaller than the raw bytes (then the tensor is stored plain).
 */
export function encodeWeights(data: Uint8Array, es: number, shape: number[], allowed: readonly WeightEncoding[]): EncodedStream | undefined {
  if (data.length === 0 || data.length % es !== 0) return undefined;
  let best: EncodedStream | undefined;
  const consider = (encoding: WeightEncoding, bytes: Uint8Array | undefined) => {
    if (bytes && bytes.length < data.length && (!best || bytes.length < best.bytes.length)) {
      best = { encoding, code: ENCODING_CODE[encoding], bytes };
    }
  };
  if (allowed.includes('palette')) consider('palette', encodePalette(data, es, shape));
  if (allowed.includes('palette-huffman')) consider('palette-huffman', encodePalette(data, es, shape, true));
  if (allowed.includes('sparse')) consider('sparse', encodeSparse(data, es));
  if (allowed.includes('huffman')) consider('huffman', encodeHuffman(data));
  if (allowed.includes('binary') && es === 1) consider('binary', encodeBinaryWeights(new Int8Array(data.buffer, data.byteOffset, data.length), shape));
  return best;
}

/** Decodes a stream into `byteSize` bytes; throws a RangeError naming the problem when malformed. */
export function decodeWeights(code: number, stream: Uint8Array, byteSize: number): Uint8Array {
  const fail = (msg: string): never => {
    throw new RangeError(`${ENCODING_NAME[code] ?? `encoding ${code}`} stream: ${msg}`);
  };
  if (stream.length < 4) fail(`${stream.length} bytes, shorter than its length word`);
  const dv = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  const length = dv.getUint32(0, true);
  if (length > stream.length) fail(`length ${length} runs past the ${stream.length} bytes available`);
  const s = stream.subarray(0, length);
  if (code === F.ENC_BINARY) {
    const channels = length >= 8 ? dv.getUint32(4, true) : 0;
    if (channels < 1 || byteSize % channels !== 0) fail(`${channels} channels do not divide ${byteSize} bytes`);
    const w = decodeBinaryWeights(s, [channels, byteSize / channels]);
    return new Uint8Array(w.buffer, w.byteOffset, w.byteLength);
  }
  if (code === F.ENC_HUFFMAN) {
    if (length < F.HUFFMAN_HEADER_SIZE) fail(`length ${length} is shorter than the ${F.HUFFMAN_HEADER_SIZE}-byte header`);
    const lengths = new Uint8Array(256);
    for (let i = 0; i < 256; i++) lengths[i] = (s[4 + (i >> 1)] >> ((i & 1) * 4)) & 15;
    return huffmanDecode(lengths, s.subarray(F.HUFFMAN_HEADER_SIZE), byteSize);
  }
  if (code === F.ENC_SPARSE_ROWS) return decodeSparseRows(s, byteSize, fail);
  if (code !== F.ENC_PALETTE && code !== F.ENC_SPARSE && code !== F.ENC_PALETTE_HUFFMAN) fail('unknown encoding');
  if (length < F.ENC_HEADER_SIZE) fail(`length ${length} is shorter than the ${F.ENC_HEADER_SIZE}-byte header`);
  const bits = s[4], es = s[5], mode = s[6], word2 = dv.getUint32(8, true);
  if (es !== 1 && es !== 2 && es !== 4) fail(`element size ${es} must be 1, 2 or 4`);
  if (byteSize % es !== 0) fail(`${byteSize} decoded bytes are not whole ${es}-byte elements`);
  const n = byteSize / es;
  const out = new Uint8Array(byteSize);
  if (code === F.ENC_PALETTE || code === F.ENC_PALETTE_HUFFMAN) {
    if (!PALETTE_BITS.includes(bits)) fail(`index bits ${bits} must be 1, 2, 4 or 8`);
    if (mode > 1 || s[7] !== 0) fail(`grouping mode ${mode} must be 0 or 1`);
    const groups = word2;
    if (groups < 1 || n % groups !== 0) fail(`${groups} groups do not divide ${n} elements`);
    const entries = 1 << bits;
    const bookEnd = F.ENC_HEADER_SIZE + groups * entries * es;
    let idx: Uint8Array;
    if (code === F.ENC_PALETTE_HUFFMAN) {
      const table = bookEnd + F.HUFFMAN_HEADER_SIZE - 4;
      if (table > length) fail(`length ${length} is shorter than its codebooks and code table (${table})`);
      const lengths = new Uint8Array(256);
      for (let i = 0; i < 256; i++) lengths[i] = (s[bookEnd + (i >> 1)] >> ((i & 1) * 4)) & 15;
      idx = huffmanDecode(lengths, s.subarray(table), n);
      idx.forEach((k, i) => { if (k >= entries) fail(`index ${k} of element ${i} exceeds the ${entries}-entry codebook`); });
    } else {
      const need = bookEnd + Math.ceil((n * bits) / 8);
      if (need !== length) fail(`length ${length} != ${need} bytes for ${groups} codebooks and ${n} indices`);
      idx = unpackBits(s.subarray(bookEnd), n, bits);
    }
    const per = n / groups;
    for (let i = 0; i < n; i++) {
      const g = mode === 0 ? Math.floor(i / per) : i % groups;
      const at = F.ENC_HEADER_SIZE + (g * entries + idx[i]) * es;
      out.set(s.subarray(at, at + es), i * es);
    }
    return out;
  }
  if (bits !== 4 && bits !== 8) fail(`gap bits ${bits} must be 4 or 8`);
  if (mode !== 0 || s[7] !== 0) fail('reserved bytes must be 0');
  const m = word2;
  const need = F.ENC_HEADER_SIZE + m * es + Math.ceil((m * bits) / 8);
  if (need !== length) fail(`length ${length} != ${need} bytes for ${m} entries`);
  const gaps = unpackBits(s.subarray(F.ENC_HEADER_SIZE + m * es), m, bits);
  let pos = -1;
  for (let j = 0; j < m; j++) {
    pos += gaps[j] + 1;
    if (pos >= n) fail(`entry ${j} lands at element ${pos}, past the ${n} elements`);
    out.set(s.subarray(F.ENC_HEADER_SIZE + j * es, F.ENC_HEADER_SIZE + (j + 1) * es), pos * es);
  }
  return out;
}

function decodeSparseRows(s: Uint8Array, byteSize: number, fail: (msg: string) => never): Uint8Array {
  const length = s.length;
  if (length < F.ENC_HEADER_SIZE) fail(`length ${length} is shorter than the ${F.ENC_HEADER_SIZE}-byte header`);
  const dv = new DataView(s.buffer, s.byteOffset, s.byteLength);
  if (s[4] !== 8 || s[5] !== 1 || s[6] !== 0 || s[7] !== 0) fail(`gap bits, element size and reserved bytes must be 8, 1, 0`);
  const R = dv.getUint32(8, true);
  if (R < 1 || byteSize % R !== 0) fail(`${R} rows do not divide ${byteSize} elements`);
  const K = byteSize / R;
  const head = F.ENC_HEADER_SIZE + 2 * R;
  if (head > length) fail(`length ${length} is shorter than its ${R} row counts`);
  let m = 0;
  for (let r = 0; r < R; r++) m += dv.getUint16(F.ENC_HEADER_SIZE + 2 * r, true);
  if (head + 2 * m !== length) fail(`length ${length} != ${head + 2 * m} bytes for ${m} entries`);
  const out = new Uint8Array(byteSize);
  let p = head;
  for (let r = 0; r < R; r++) {
    let col = -1;
    for (let j = 0, c = dv.getUint16(F.ENC_HEADER_SIZE + 2 * r, true); j < c; j++, p += 2) {
      col += s[p] + 1;
      if (col >= K) fail(`row ${r} entry ${j} lands at column ${col}, past K = ${K}`);
      out[r * K + col] = s[p + 1];
    }
  }
  return out;
}
