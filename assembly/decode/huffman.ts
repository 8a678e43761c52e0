// ENC_HUFFMAN: canonical Huffman over the tensor's bytes (code lengths <= 15, stored as nibbles).
// Decoded bit by bit, as zlib's puff does: small static tables, no allocation.
import { OK, HUFFMAN_HEADER_SIZE, HUFFMAN_MAX_BITS } from '../../format/format';
import { Text } from '../message';
import { encFail } from './stream';

const countTable: usize = memory.data((HUFFMAN_MAX_BITS + 1) * 4);
const offsTable: usize = memory.data((HUFFMAN_MAX_BITS + 2) * 4);
const symbolTable: usize = memory.data(256 * 2);

@inline function codeLength(s: usize, sym: u32): u32 {
  return (<u32>load<u8>(s + 4 + <usize>(sym >> 1)) >> ((sym & 1) * 4)) & 15;
}

export function decodeHuffman(id: i32, s: usize, len: u32, out: usize, byteSize: u32): i32 {
  if (len < <u32>HUFFMAN_HEADER_SIZE) {
    return encFail(id, txt('huffman'), txt('length $ is shorter than the header'), len);
  }
  return huffmanDecodeInto(id, txt('huffman'), s + 4, s + HUFFMAN_HEADER_SIZE, len - <u32>HUFFMAN_HEADER_SIZE, out, byteSize);
}

/**
 * Decodes `count` bytes into `out` from the 128 nibble code lengths at `table` and the `bitsLen`
 * bytes of code bits at `bitsBase` (both inside the stream). `what` names the stream in errors.
 */
export function huffmanDecodeInto(id: i32, what: Text, table: usize, bitsBase: usize, bitsLen: u32, out: usize, count: u32): i32 {
  const s = table - 4; // codeLength() reads at s + 4
  for (let l = 0; l <= HUFFMAN_MAX_BITS; l++) store<u32>(countTable + (<usize>l << 2), 0);
  for (let sym: u32 = 0; sym < 256; sym++) {
    const l = codeLength(s, sym);
    if (l > <u32>HUFFMAN_MAX_BITS) {
      return encFail(id, what, txt('symbol $ has code length $'), sym, l);
    }
    if (l) store<u32>(countTable + (<usize>l << 2), load<u32>(countTable + (<usize>l << 2)) + 1);
  }
  // Kraft: the lengths must not over-subscribe the code space (an incomplete code is allowed; a
  // bit pattern without a symbol is caught while decoding).
  let left: i64 = 1;
  for (let l = 1; l <= HUFFMAN_MAX_BITS; l++) {
    left = (left << 1) - <i64>load<u32>(countTable + (<usize>l << 2));
    if (left < 0) {
      return encFail(id, what, txt('code lengths over-subscribe the code space at length $'), l);
    }
  }
  // Symbols sorted by (length, value): offs[l] = first slot for length l.
  store<u32>(offsTable + 4, 0);
  for (let l = 1; l < HUFFMAN_MAX_BITS; l++) {
    store<u32>(offsTable + (<usize>(l + 1) << 2), load<u32>(offsTable + (<usize>l << 2)) + load<u32>(countTable + (<usize>l << 2)));
  }
  for (let sym: u32 = 0; sym < 256; sym++) {
    const l = codeLength(s, sym);
    if (l == 0) continue;
    const slot = offsTable + (<usize>l << 2);
    const k = load<u32>(slot);
    store<u16>(symbolTable + (<usize>k << 1), <u16>sym);
    store<u32>(slot, k + 1);
  }
  const totalBits = <u64>bitsLen << 3;
  let pos: u64 = 0;
  for (let k: u32 = 0; k < count; k++) {
    let code: i32 = 0, first: i32 = 0, index: i32 = 0, sym: i32 = -1;
    for (let l = 1; l <= HUFFMAN_MAX_BITS; l++) {
      if (pos >= totalBits) {
        return encFail(id, what, txt('bit stream ends after $ of $ symbols'), k, count);
      }
      code |= (<i32>load<u8>(bitsBase + <usize>(pos >> 3)) >> (7 - <i32>(pos & 7))) & 1;
      pos++;
      const c = <i32>load<u32>(countTable + (<usize>l << 2));
      if (code - first < c) {
        sym = <i32>load<u16>(symbolTable + (<usize>(index + code - first) << 1));
        break;
      }
      index += c;
      first = (first + c) << 1;
      code <<= 1;
    }
    if (sym < 0) {
      return encFail(id, what, txt('symbol $ has no code (incomplete code table)'), k);
    }
    store<u8>(out + <usize>k, <u8>sym);
  }
  return OK;
}
