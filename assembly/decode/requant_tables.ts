// Compact requantization tables (converter/emit/requant-tables.ts writes them):
// ENC_PACKED: frame-of-reference bit packing (biases, shifts: a few bits per value).
// ENC_REQUANT: Q31 multipliers recomputed with TFLite's QuantizeMultiplier from the f32 in/out
// scales and per-channel weight scales stored in their high 2, 3 or 4 bytes.
import { OK, ENC_HEADER_SIZE } from '../../format/format';
import { say1 } from '../message';
import { encFail } from './stream';
import { quantizeMultiplier } from '../quantize_multiplier';

export function decodePacked(id: i32, s: usize, len: u32, out: usize, byteSize: u32): i32 {
  if (len < <u32>ENC_HEADER_SIZE) {
    return encFail(id, txt('packed'), txt('length $ is shorter than the header'), len);
  }
  const bits = <u32>load<u8>(s, 4), es = <u32>load<u8>(s, 5);
  if (bits > 32) {
    return encFail(id, txt('packed'), txt('bits $ must be at most 32'), bits);
  }
  if (es != 1 && es != 2 && es != 4) {
    return encFail(id, txt('packed'), txt('element size $ must be 1, 2 or 4'), es);
  }
  if (load<u16>(s, 6) != 0) {
    return encFail(id, txt('packed'), txt('reserved bytes must be 0'));
  }
  if (byteSize % es != 0) {
    return encFail(id, txt('packed'), txt('$ bytes are not whole elements of $'), byteSize, es);
  }
  const n = byteSize / es;
  const need = <u64>ENC_HEADER_SIZE + ((<u64>n * bits + 7) >> 3);
  if (need != <u64>len) {
    const e = encFail(id, txt('packed'), txt('length $ != $ bytes for $'), len, need, n);
    say1(txt(' fields of $ bits'), bits);
    return e;
  }
  const base = load<u32>(s, 8);
  const fields = s + ENC_HEADER_SIZE;
  // A field may straddle up to five bytes: gather it bit by bit (load time only, tables are small).
  let bit: u64 = 0;
  for (let i: u32 = 0; i < n; i++) {
    let field: u32 = 0;
    for (let b: u32 = 0; b < bits; b++, bit++) {
      field |= ((<u32>load<u8>(fields + <usize>(bit >> 3)) >> <u32>(bit & 7)) & 1) << b;
    }
    const v = base + field; // wraps mod 2^32, as the format says
    const dst = out + <usize>i * es;
    if (es == 4) store<u32>(dst, v);
    else if (es == 2) store<u16>(dst, <u16>v);
    else store<u8>(dst, <u8>v);
  }
  return OK;
}

export function decodeRequant(id: i32, s: usize, len: u32, out: usize, byteSize: u32): i32 {
  const n = byteSize >> 2;
  // The scale width W follows from the length: 12 + W·n bytes, W = 2, 3 or 4.
  const body = <u64>len - <u64>ENC_HEADER_SIZE;
  const width: u32 = len < <u32>ENC_HEADER_SIZE || n == 0 ? 0 : body == (<u64>n << 1) ? 2 : body == <u64>n * 3 ? 3 : body == (<u64>n << 2) ? 4 : 0;
  if (byteSize % 4 != 0 || width == 0) {
    return encFail(id, txt('requant'), txt('length $ is not 12 + 2, 3 or 4 bytes for each of $ scales ($ decoded bytes)'), len, n, byteSize);
  }
  const inScale = <f64>load<f32>(s, 4), outScale = <f64>load<f32>(s, 8);
  const drop = (4 - width) << 3;
  for (let c: u32 = 0; c < n; c++) {
    const p = s + ENC_HEADER_SIZE + <usize>(c * width);
    let bits: u32 = 0;
    for (let b: u32 = 0; b < width; b++) bits |= <u32>load<u8>(p + <usize>b) << (b << 3);
    const w = <f64>reinterpret<f32>(bits << drop);
    // Comparisons are false for NaN: every scale must be a finite positive number.
    if (!(inScale > 0 && inScale < Infinity && outScale > 0 && outScale < Infinity && w > 0 && w < Infinity)) {
      return encFail(id, txt('requant'), txt('channel $: scales must be finite and positive'), c);
    }
    // Finite f32 operands cannot overflow a double here (at most 2^128 · 2^128 / 2^-149).
    store<i32>(out + (<usize>c << 2), quantizeMultiplier(inScale * w / outScale));
  }
  return OK;
}
