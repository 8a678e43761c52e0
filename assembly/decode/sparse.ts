// ENC_SPARSE: relative-index sparse (Deep Compression): values of the non-zero elements plus 4- or
// 8-bit gaps; everything else decodes to zero bytes.
import { OK, ENC_HEADER_SIZE } from '../../format/format';
import { str, int } from '../message';
import { encFail, field, zeroBytes } from './stream';

export function decodeSparse(id: i32, s: usize, len: u32, out: usize, byteSize: u32): i32 {
  if (len < <u32>ENC_HEADER_SIZE) {
    const e = encFail(id, txt('sparse')); str('length '); int(len); str(' is shorter than the header');
    return e;
  }
  const bits = <u32>load<u8>(s, 4), es = <u32>load<u8>(s, 5), m = load<u32>(s, 8);
  if (bits != 4 && bits != 8) {
    const e = encFail(id, txt('sparse')); str('gap bits '); int(bits); str(' must be 4 or 8');
    return e;
  }
  if (es != 1 && es != 2 && es != 4) {
    const e = encFail(id, txt('sparse')); str('element size '); int(es); str(' must be 1, 2 or 4');
    return e;
  }
  if (load<u16>(s, 6) != 0) {
    const e = encFail(id, txt('sparse')); str('reserved bytes must be 0');
    return e;
  }
  if (byteSize % es != 0) {
    const e = encFail(id, txt('sparse')); int(byteSize); str(' bytes are not whole elements of '); int(es);
    return e;
  }
  const need = <u64>ENC_HEADER_SIZE + <u64>m * es + ((<u64>m * bits + 7) >> 3);
  if (need != <u64>len) {
    const e = encFail(id, txt('sparse')); str('length '); int(len); str(' != '); int(<i64>need);
    str(' bytes for '); int(m); str(' entries');
    return e;
  }
  const n = <u64>(byteSize / es);
  const values = s + ENC_HEADER_SIZE;
  const gaps = values + <usize>m * es;
  zeroBytes(out, byteSize);
  let pos: i64 = -1;
  for (let j: u32 = 0; j < m; j++) {
    pos += <i64>field(gaps, j, bits) + 1;
    if (<u64>pos >= n) {
      const e = encFail(id, txt('sparse')); str('entry '); int(j); str(' lands at element '); int(pos);
      str(', past the '); int(<i64>n); str(' elements');
      return e;
    }
    const src = values + <usize>j * es, dst = out + <usize>pos * es;
    if (es == 1) store<u8>(dst, load<u8>(src));
    else if (es == 2) store<u16>(dst, load<u16>(src));
    else store<u32>(dst, load<u32>(src));
  }
  return OK;
}
