// Canonical Huffman coding of bytes, code lengths limited to HUFFMAN_MAX_BITS (15), as stored in an
// ENC_HUFFMAN weight stream (format/format.ts). Only the 256 code lengths are stored; both sides
// rebuild the same canonical codes from them (shorter codes first, then by symbol).
import { HUFFMAN_MAX_BITS } from '../../format/format.js';

/** Huffman code lengths for the given symbol frequencies (0 = symbol unused), none longer than maxBits. */
export function huffmanLengths(freq: ArrayLike<number>, maxBits = HUFFMAN_MAX_BITS): Uint8Array {
  const n = freq.length;
  if (n > 1 << maxBits) throw new RangeError(`huffman: ${n} symbols cannot have codes of at most ${maxBits} bits`);
  let f = Array.from(freq, (v) => (v > 0 ? v : 0));
  for (;;) {
    const lengths = unlimitedLengths(f);
    if (lengths.every((l) => l <= maxBits)) return lengths;
    // Too deep: flatten the distribution (halve counts, keeping used symbols used) and rebuild.
    // Each round lowers the ratio between the largest and smallest count, so this terminates.
    f = f.map((v) => (v > 0 ? Math.max(1, Math.floor(v / 2)) : 0));
  }
}

function unlimitedLengths(freq: number[]): Uint8Array {
  const lengths = new Uint8Array(freq.length);
  const used = freq.map((v, s) => ({ v, s })).filter((x) => x.v > 0);
  if (used.length === 0) return lengths;
  if (used.length === 1) {
    lengths[used[0].s] = 1; // one symbol still needs one bit per occurrence
    return lengths;
  }
  // Merge the two lightest nodes until one is left; a symbol's length is its depth.
  interface Item { w: number; syms: number[] }
  let items: Item[] = used.map((x) => ({ w: x.v, syms: [x.s] }));
  while (items.length > 1) {
    items.sort((a, b) => a.w - b.w || a.syms[0] - b.syms[0]);
    const [a, b] = items;
    for (const s of a.syms) lengths[s]++;
    for (const s of b.syms) lengths[s]++;
    items = [{ w: a.w + b.w, syms: a.syms.concat(b.syms) }, ...items.slice(2)];
  }
  return lengths;
}

/** Canonical codes (as in DEFLATE) for the given lengths; throws when the lengths over-subscribe. */
export function canonicalCodes(lengths: Uint8Array): Uint32Array {
  const maxLen = Math.max(0, ...lengths);
  const count = new Uint32Array(maxLen + 1);
  for (const l of lengths) if (l) count[l]++;
  let kraft = 0;
  for (let l = 1; l <= maxLen; l++) kraft += count[l] / 2 ** l;
  if (kraft > 1) throw new RangeError('huffman: code lengths over-subscribe the code space');
  const next = new Uint32Array(maxLen + 2);
  let code = 0;
  for (let l = 1; l <= maxLen; l++) {
    code = (code + count[l - 1]) << 1;
    next[l] = code;
  }
  const codes = new Uint32Array(lengths.length);
  for (let s = 0; s < lengths.length; s++) if (lengths[s]) codes[s] = next[lengths[s]]++;
  return codes;
}

/** Bytes → { lengths (256), code bits }, MSB of each code first, bytes filled from their top bit. */
export function huffmanEncode(data: Uint8Array): { lengths: Uint8Array; bits: Uint8Array } {
  const freq = new Float64Array(256);
  for (const b of data) freq[b]++;
  const lengths = huffmanLengths(freq);
  const codes = canonicalCodes(lengths);
  let totalBits = 0;
  for (let s = 0; s < 256; s++) totalBits += freq[s] * lengths[s];
  const bits = new Uint8Array(Math.ceil(totalBits / 8));
  let pos = 0;
  for (const b of data) {
    const len = lengths[b], code = codes[b];
    for (let i = len - 1; i >= 0; i--, pos++) if ((code >> i) & 1) bits[pos >> 3] |= 0x80 >> (pos & 7);
  }
  return { lengths, bits };
}

/** Decodes `count` bytes; throws a RangeError naming the problem on any malformed input. */
export function huffmanDecode(lengths: Uint8Array, bits: Uint8Array, count: number): Uint8Array {
  if (lengths.length !== 256) throw new RangeError(`huffman: need 256 code lengths, got ${lengths.length}`);
  if (lengths.some((l) => l > HUFFMAN_MAX_BITS)) throw new RangeError(`huffman: a code length exceeds ${HUFFMAN_MAX_BITS}`);
  canonicalCodes(lengths); // Kraft check
  const count_ = new Uint32Array(HUFFMAN_MAX_BITS + 1);
  for (const l of lengths) if (l) count_[l]++;
  const symbols: number[] = [];
  for (let l = 1; l <= HUFFMAN_MAX_BITS; l++) for (let s = 0; s < 256; s++) if (lengths[s] === l) symbols.push(s);
  const out = new Uint8Array(count);
  let pos = 0;
  const totalBits = bits.length * 8;
  for (let k = 0; k < count; k++) {
    // Walk the canonical code one bit at a time (as zlib's puff does): `first` is the first code of
    // the current length, `index` the first symbol with that length.
    let code = 0, first = 0, index = 0, found = -1;
    for (let l = 1; l <= HUFFMAN_MAX_BITS; l++) {
      if (pos >= totalBits) throw new RangeError(`huffman: bit stream ends after ${k} of ${count} symbols`);
      code |= (bits[pos >> 3] >> (7 - (pos & 7))) & 1;
      pos++;
      const c = count_[l];
      if (code - first < c) { found = symbols[index + code - first]; break; }
      index += c;
      first = (first + c) << 1;
      code <<= 1;
    }
    if (found < 0) throw new RangeError(`huffman: symbol ${k} has no code (incomplete code table)`);
    out[k] = found;
  }
  return out;
}
