// ENC_PALETTE: per-group codebooks + packed indices (k-means weight sharing, binary weights).
import { OK, ENC_HEADER_SIZE } from '../../format/format';
import { str, int } from '../message';
import { encFail, field } from './stream';

export function decodePalette(id: i32, s: usize, len: u32, out: usize, byteSize: u32): i32 {
  if (len < <u32>ENC_HEADER_SIZE) {
    const e = encFail(id, 'palette'); str('length '); int(len); str(' is shorter than the header');
    return e;
  }
  const bits = <u32>load<u8>(s, 4), es = <u32>load<u8>(s, 5), mode = <u32>load<u8>(s, 6);
  const groups = load<u32>(s, 8);
  if (bits != 1 && bits != 2 && bits != 4 && bits != 8) {
    const e = encFail(id, 'palette'); str('index bits '); int(bits); str(' must be 1, 2, 4 or 8');
    return e;
  }
  if (es != 1 && es != 2 && es != 4) {
    const e = encFail(id, 'palette'); str('element size '); int(es); str(' must be 1, 2 or 4');
    return e;
  }
  if (mode > 1 || load<u8>(s, 7) != 0) {
    const e = encFail(id, 'palette'); str('grouping mode '); int(mode); str(' must be 0 or 1');
    return e;
  }
  if (byteSize % es != 0) {
    const e = encFail(id, 'palette'); int(byteSize); str(' bytes are not whole elements of '); int(es);
    return e;
  }
  const n = byteSize / es;
  if (groups == 0 || n % groups != 0) {
    const e = encFail(id, 'palette'); int(groups); str(' groups do not divide '); int(n); str(' elements');
    return e;
  }
  const entries = <u64>1 << bits;
  const bookBytes = <u64>groups * entries * <u64>es;
  const need = <u64>ENC_HEADER_SIZE + bookBytes + ((<u64>n * bits + 7) >> 3);
  if (need != <u64>len) {
    const e = encFail(id, 'palette'); str('length '); int(len); str(' != '); int(<i64>need);
    str(' bytes for its codebooks and indices');
    return e;
  }
  const book = s + ENC_HEADER_SIZE;
  const idx = book + <usize>bookBytes;
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
