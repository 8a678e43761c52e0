// compare and logical (two operands, or logical_not's one) and select (three), with numpy
// broadcasting: the output is walked as rows of its last dim, each operand's row found from the
// row index (rowOffset) and stepped by 1, or 0 where it broadcasts. Bools are one byte: read, any
// non-zero byte is true; written, 0 or 1. Cold code: plain loops, one walk for the three ops.
import { DTYPE_F32, DTYPE_S8 } from '../../format/format';
import { opIn, opOut, opParam, opInCount, tptr, tnumel, tdim, dtypeSize } from '../state';
import { trank, tzp, tdtype } from '../state_cold';
import { mbqmCall as mbqm } from '../fixedpoint';
import { dtypeBuilt } from '../features';

// Which outcomes make each compare function true, a nibble per function in COMPARE_* order (bit 0:
// a < b, 1: a == b, 2: a > b, 3: unordered, a NaN operand): equal 2, not_equal 13, less 1,
// less_equal 3, greater 4, greater_equal 6.
const COMPARE_TRUTH: u32 = 0x6431d2;
// logical: bit 2a + b of each function's nibble is y, in LOGICAL_* order: and 8, or 14, xor 6, and
// not 1 (its b is a).
const LOGICAL_TRUTH: u32 = 0x16e8;

/** Element offset in `t` of the start of output row `row` (the output's dims but the last). */
function rowOffset(t: i32, y: i32, row: i32): usize {
  const ry = trank(y), rt = trank(t);
  let off = 0, stride = rt > 0 ? tdim(t, rt - 1) : 1;
  for (let i = ry - 2, ti = rt - 2; i >= 0 && ti >= 0; i--, ti--) {
    const d = tdim(y, i), k = row % d;
    row /= d;
    const dt = tdim(t, ti);
    if (dt != 1) off += k * stride;
    stride *= dt;
  }
  return <usize>off;
}
/** 1 when `t` runs along the output's last dim, 0 when it broadcasts there. */
function lastStep(t: i32): usize {
  const rt = trank(t);
  return rt > 0 && tdim(t, rt - 1) != 1 ? 1 : 0;
}
/** Elements per output row (the last dim; 1 for a scalar). */
function rowLength(y: i32): i32 {
  const r = trank(y);
  return r > 0 ? tdim(y, r - 1) : 1;
}

/**
 * compare (f32, bool, or s8 as TFLM: each operand rescaled to MBQM((x − zp) << left_shift, mult,
 * shift) before comparing) and logical: each pair of operands gives an outcome bit, and the
 * function's truth nibble says whether y is true for it.
 */
export function compare_logical(op: usize, isLogical: bool): void {
  const a = opIn(op, 0), b = opInCount(op) > 1 ? opIn(op, 1) : a, y = opOut(op, 0);
  const fn = opParam(op, 0);
  const truth = ((isLogical ? LOGICAL_TRUTH : COMPARE_TRUTH) >> (<u32>fn << 2)) & 15;
  const dt = tdtype(a);
  const isF32 = dtypeBuilt(DTYPE_F32) && dt == DTYPE_F32;
  const s8 = dtypeBuilt(DTYPE_S8) && dt == DTYPE_S8;
  const lg: usize = isF32 ? 2 : 0;
  const ls = s8 ? opParam(op, 1) : 0, az = s8 ? tzp(a) : 0, bz = s8 ? tzp(b) : 0;
  const am = s8 ? opParam(op, 2) : 0, ash = s8 ? opParam(op, 3) : 0, bm = s8 ? opParam(op, 4) : 0, bsh = s8 ? opParam(op, 5) : 0;
  const n = rowLength(y), rows = tnumel(y) / n;
  const sa = lastStep(a) << lg, sb = lastStep(b) << lg;
  let yp = tptr(y);
  for (let row = 0; row < rows; row++) {
    let pa = tptr(a) + (rowOffset(a, y, row) << lg), pb = tptr(b) + (rowOffset(b, y, row) << lg);
    for (let i = 0; i < n; i++) {
      let outcome: u32;
      if (isF32) {
        const u = load<f32>(pa), v = load<f32>(pb);
        outcome = u < v ? 1 : u == v ? 2 : u > v ? 4 : 8;
      } else {
        let u = <i32>load<i8>(pa), v = <i32>load<i8>(pb);
        if (s8) {
          u = mbqm((u - az) << ls, am, ash);
          v = mbqm((v - bz) << ls, bm, bsh);
        } else {
          u = u != 0 ? 1 : 0; // bools
          v = v != 0 ? 1 : 0;
        }
        outcome = isLogical ? <u32>1 << <u32>(u * 2 + v) : u < v ? 1 : u == v ? 2 : 4;
      }
      store<u8>(yp, (truth & outcome) != 0 ? 1 : 0);
      yp++;
      pa += sa;
      pb += sb;
    }
  }
}

/** select: y = cond ? a : b, elements of y's dtype size (s8 operands share y's scale and zero point). */
export function select_any(op: usize): void {
  const c = opIn(op, 0), a = opIn(op, 1), b = opIn(op, 2), y = opOut(op, 0);
  const es = dtypeSize(tdtype(y));
  const n = rowLength(y), rows = tnumel(y) / n;
  const sc = lastStep(c), sa = lastStep(a) * <usize>es, sb = lastStep(b) * <usize>es;
  let yp = tptr(y);
  for (let row = 0; row < rows; row++) {
    let pc = tptr(c) + rowOffset(c, y, row);
    let pa = tptr(a) + rowOffset(a, y, row) * <usize>es, pb = tptr(b) + rowOffset(b, y, row) * <usize>es;
    for (let i = 0; i < n; i++) {
      const p = load<u8>(pc) != 0 ? pa : pb;
      if (es == 4) store<u32>(yp, load<u32>(p));
      else if (es == 2) store<u16>(yp, load<u16>(p));
      else store<u8>(yp, load<u8>(p));
      yp += <usize>es;
      pc += sc;
      pa += sa;
      pb += sb;
    }
  }
}
