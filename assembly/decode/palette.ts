// ENC_PALETTE: per-group codebooks + packed indices (k-means weight sharing, binary weights).
// ENC_PALETTE_HUFFMAN: the same codebooks, indices Huffman-coded (Deep Compression's last stage).
import { OK, ENC_HEADER_SIZE, HUFFMAN_HEADER_SIZE } from '../../format/format';
import { encFail, field } from './stream';
import { huffmanDecodeInto } from './huffman';

export function decodePalette(id: i32, s: usize, len: u32, out: usize, byteSize: u32): i32 {
  return decodeAnyPalette(id, s, len, out, byteSize, false);
}
export function decodePaletteHuffman(id: i32, s: usize, len: u32, out: usize, byteSize: u32): i32 {
  return decodeAnyPalette(id, s, len, out, byteSize, true);
}

function decodeAnyPalette(id: i32, s: usize, len: u32, out: usize, byteSize: u32, coded: bool): i32 {
  const what = coded ? txt('palette-huffman') : txt('palette');
  if (len < <u32>ENC_HEADER_SIZE) {
    return encFail(id, what, txt('length $ is shorter than the header'), len);
  }
  const bits = <u32>load<u8>(s, 4), es = <u32>load<u8>(s, 5), mode = <u32>load<u8>(s, 6);
  const groups = load<u32>(s, 8);
  if (bits != 1 && bits != 2 && bits != 4 && bits != 8) {
    return encFail(id, what, txt('index bits $ must be 1, 2, 4 or 8'), bits);
  }
  if (es != 1 && es != 2 && es != 4) {
    return encFail(id, what, txt('element size $ must be 1, 2 or 4'), es);
  }
  if (mode > 1 || load<u8>(s, 7) != 0) {
    return encFail(id, what, txt('grouping mode $ must be 0 or 1'), mode);
  }
  if (byteSize % es != 0) {
    return encFail(id, what, txt('$ bytes are not whole elements of $'), byteSize, es);
  }
  const n = byteSize / es;
  if (groups == 0 || n % groups != 0) {
    return encFail(id, what, txt('$ groups do not divide $ elements'), groups, n);
  }
  const entries = <u64>1 << bits;
  const bookBytes = <u64>groups * entries * <u64>es;
  const book = s + ENC_HEADER_SIZE;
  const idx = book + <usize>bookBytes;
  if (coded) {
    // Codebooks, then the 128 code-length bytes, then code bits to the end of the stream.
    const head = <u64>ENC_HEADER_SIZE + bookBytes + <u64>(HUFFMAN_HEADER_SIZE - 4);
    if (head > <u64>len) {
      return encFail(id, what, txt('length $ is shorter than its codebooks and code table ($)'), len, <i64>head);
    }
    // Indices are decoded as bytes into the last n bytes of the output, then expanded forward
    // through the codebook: element i's bytes never overwrite an index not yet read.
    const idxOut = out + <usize>(byteSize - n);
    const e = huffmanDecodeInto(id, what, idx, idx + <usize>(HUFFMAN_HEADER_SIZE - 4), len - <u32>head, idxOut, n);
    if (e) return e;
    const per = n / groups;
    for (let i: u32 = 0; i < n; i++) {
      const k = <u32>load<u8>(idxOut + <usize>i);
      if (<u64>k >= entries) {
        return encFail(id, what, txt('index $ of element $ exceeds the $-entry codebook'), k, i, <i64>entries);
      }
      const g = mode == 0 ? i / per : i % groups;
      copyElement(book + <usize>((g << bits) + k) * es, out + <usize>i * es, es);
    }
    return OK;
  }
  const need = <u64>ENC_HEADER_SIZE + bookBytes + ((<u64>n * bits + 7) >> 3);
  if (need != <u64>len) {
    return encFail(id, what, txt('length $ != $ bytes for its codebooks and indices'), len, <i64>need);
  }
  const per = n / groups;
  // Everything is in bounds now: index < 2^bits and group < groups by construction.
  for (let i: u32 = 0; i < n; i++) {
    const g = mode == 0 ? i / per : i % groups;
    const src = book + <usize>((g << bits) + field(idx, i, bits)) * es;
    const dst = out + <usize>i * es;
    if (es == 1) store<u8>(dst, load<u8>(src));
    else if (es == 2) store<u16>(dst, load<u16>(src));
    else store<u32>(dst, load<u32>(src));
  }
  return OK;
}

@inline function copyElement(src: usize, dst: usize, es: u32): void {
  if (es == 1) store<u8>(dst, load<u8>(src));
  else if (es == 2) store<u16>(dst, load<u16>(src));
  else store<u32>(dst, load<u32>(src));
}
