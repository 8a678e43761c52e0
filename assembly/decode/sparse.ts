// ENC_SPARSE: relative-index sparse (Deep Compression): values of the non-zero elements plus 4- or
// 8-bit gaps; everything else decodes to zero bytes.
import { OK, ENC_HEADER_SIZE } from '../../format/format';
import { encFail, field, zeroBytes } from './stream';

export function decodeSparse(id: i32, s: usize, len: u32, out: usize, byteSize: u32): i32 {
  if (len < <u32>ENC_HEADER_SIZE) {
    return encFail(id, txt('sparse'), txt('length $ is shorter than the header'), len);
  }
  const bits = <u32>load<u8>(s, 4), es = <u32>load<u8>(s, 5), m = load<u32>(s, 8);
  if (bits != 4 && bits != 8) {
    return encFail(id, txt('sparse'), txt('gap bits $ must be 4 or 8'), bits);
  }
  if (es != 1 && es != 2 && es != 4) {
    return encFail(id, txt('sparse'), txt('element size $ must be 1, 2 or 4'), es);
  }
  if (load<u16>(s, 6) != 0) {
    return encFail(id, txt('sparse'), txt('reserved bytes must be 0'));
  }
  if (byteSize % es != 0) {
    return encFail(id, txt('sparse'), txt('$ bytes are not whole elements of $'), byteSize, es);
  }
  const need = <u64>ENC_HEADER_SIZE + <u64>m * es + ((<u64>m * bits + 7) >> 3);
  if (need != <u64>len) {
    return encFail(id, txt('sparse'), txt('length $ != $ bytes for $ entries'), len, <i64>need, m);
  }
  const n = <u64>(byteSize / es);
  const values = s + ENC_HEADER_SIZE;
  const gaps = values + <usize>m * es;
  zeroBytes(out, byteSize);
  let pos: i64 = -1;
  for (let j: u32 = 0; j < m; j++) {
    pos += <i64>field(gaps, j, bits) + 1;
    if (<u64>pos >= n) {
      return encFail(id, txt('sparse'), txt('entry $ lands at element $, past the $ elements'), j, pos, <i64>n);
    }
    const src = values + <usize>j * es, dst = out + <usize>pos * es;
    if (es == 1) store<u8>(dst, load<u8>(src));
    else if (es == 2) store<u16>(dst, load<u16>(src));
    else store<u32>(dst, load<u32>(src));
  }
  return OK;
}
