// add, sub, mul, div with numpy broadcasting (f32), and TFLite's int8 add/sub/mul.
import { OP_ADD, OP_SUB, OP_MUL, OP_DIV } from '../../format/format';
import { opIn, opOut, opParam, opParamF, tptr, tzp, trank } from '../state';
import { broadcastSetup, broadcastStart, broadcastNext, rowLen, rowStrideA, rowStrideB, offA, offB } from '../broadcast';
import { mbqmInline, clampi } from '../fixedpoint';
import { requant4Simd } from '../requant_simd';

export function binary_f32(op: usize, code: i32): void {
  const a = opIn(op, 0), b = opIn(op, 1), y = opOut(op, 0);
  const ap = tptr(a), bp = tptr(b);
  let yp = tptr(y);
  const lo = opParamF(op, 0), hi = opParamF(op, 1);
  const rows = broadcastSetup(a, b, y, trank(y), true);
  const n = rowLen, sa = <usize>rowStrideA << 2, sb = <usize>rowStrideB << 2;
  broadcastStart();
  for (let r = 0; r < rows; r++) {
    let pa = ap + (<usize>offA << 2), pb = bp + (<usize>offB << 2);
    for (let i = 0; i < n; i++) {
      const u = load<f32>(pa), v = load<f32>(pb);
      let z: f32;
      if (code == OP_ADD) z = u + v;
      else if (code == OP_SUB) z = u - v;
      else if (code == OP_MUL) z = u * v;
      else z = u / v;
      z = z < lo ? lo : z;
      z = z > hi ? hi : z;
      store<f32>(yp, z);
      yp += 4;
      pa += sa;
      pb += sb;
    }
    broadcastNext();
  }
}

/** Eight int8 add/sub results (the low 8 bytes of the vector), each exactly as the scalar loop. */
function addSub8Simd(
  pa: usize, pb: usize, ls: i32, aOff: i32, bOff: i32, aM: i32, aS: i32, bM: i32, bS: i32,
  oM: i32, oS: i32, oZp: i32, amin: i32, amax: i32, subtract: bool,
): v128 {
  const a = v128.load8x8_s(pa), b = v128.load8x8_s(pb);
  const aO = i32x4.splat(aOff), bO = i32x4.splat(bOff);
  const am = i32x4.splat(aM), as = i32x4.splat(aS), bm = i32x4.splat(bM), bs = i32x4.splat(bS);
  const om = i32x4.splat(oM), os = i32x4.splat(oS);
  const full = i32.MIN_VALUE, top = i32.MAX_VALUE;
  const uL = requant4Simd(i32x4.shl(i32x4.add(i32x4.extend_low_i16x8_s(a), aO), ls), am, as, 0, full, top);
  const uH = requant4Simd(i32x4.shl(i32x4.add(i32x4.extend_high_i16x8_s(a), aO), ls), am, as, 0, full, top);
  const vL = requant4Simd(i32x4.shl(i32x4.add(i32x4.extend_low_i16x8_s(b), bO), ls), bm, bs, 0, full, top);
  const vH = requant4Simd(i32x4.shl(i32x4.add(i32x4.extend_high_i16x8_s(b), bO), ls), bm, bs, 0, full, top);
  const rL = subtract ? i32x4.sub(uL, vL) : i32x4.add(uL, vL);
  const rH = subtract ? i32x4.sub(uH, vH) : i32x4.add(uH, vH);
  const yL = requant4Simd(rL, om, os, oZp, amin, amax);
  const yH = requant4Simd(rH, om, os, oZp, amin, amax);
  const w = i16x8.narrow_i32x4_s(yL, yH);
  return i8x16.narrow_i16x8_s(w, w);
}

/** TFLite integer add/sub: both inputs rescaled to a common scale (left_shift), then the output. */
export function add_sub_s8(op: usize, subtract: bool): void {
  const a = opIn(op, 0), b = opIn(op, 1), y = opOut(op, 0);
  const ap = tptr(a), bp = tptr(b);
  let yp = tptr(y);
  const ls = opParam(op, 0);
  const aM = opParam(op, 1), aS = opParam(op, 2), bM = opParam(op, 3), bS = opParam(op, 4);
  const oM = opParam(op, 5), oS = opParam(op, 6), amin = opParam(op, 7), amax = opParam(op, 8);
  const aOff = -tzp(a), bOff = -tzp(b), oZp = tzp(y);
  const rows = broadcastSetup(a, b, y, trank(y), true);
  const n = rowLen, sa = <usize>rowStrideA, sb = <usize>rowStrideB;
  // SIMD rows when both operands are contiguous along the row and the parameters are in the range
  // requant4Simd is exact for (multipliers >= 0, shifts <= 30; validation bounds them below).
  const vec = ASC_FEATURE_SIMD && sa == 1 && sb == 1 && aM >= 0 && bM >= 0 && oM >= 0 && aS <= 30 && bS <= 30 && oS <= 30;
  broadcastStart();
  for (let r = 0; r < rows; r++) {
    let pa = ap + <usize>offA, pb = bp + <usize>offB;
    let i = 0;
    if (ASC_FEATURE_SIMD && vec) {
      for (; i + 8 <= n; i += 8) {
        store<i64>(yp, i64x2.extract_lane(addSub8Simd(pa, pb, ls, aOff, bOff, aM, aS, bM, bS, oM, oS, oZp, amin, amax, subtract), 0));
        yp += 8;
        pa += 8;
        pb += 8;
      }
    }
    for (; i < n; i++) {
      const u = mbqmInline((<i32>load<i8>(pa) + aOff) * (1 << ls), aM, aS);
      const v = mbqmInline((<i32>load<i8>(pb) + bOff) * (1 << ls), bM, bS);
      const raw = subtract ? u - v : u + v;
      store<i8>(yp, <i8>clampi(mbqmInline(raw, oM, oS) + oZp, amin, amax));
      yp += 1;
      pa += sa;
      pb += sb;
    }
    broadcastNext();
  }
}

export function mul_s8(op: usize): void {
  const a = opIn(op, 0), b = opIn(op, 1), y = opOut(op, 0);
  const ap = tptr(a), bp = tptr(b);
  let yp = tptr(y);
  const oM = opParam(op, 0), oS = opParam(op, 1), amin = opParam(op, 2), amax = opParam(op, 3);
  const aOff = -tzp(a), bOff = -tzp(b), oZp = tzp(y);
  const rows = broadcastSetup(a, b, y, trank(y), true);
  const n = rowLen, sa = <usize>rowStrideA, sb = <usize>rowStrideB;
  broadcastStart();
  for (let r = 0; r < rows; r++) {
    let pa = ap + <usize>offA, pb = bp + <usize>offB;
    for (let i = 0; i < n; i++) {
      const prod = (<i32>load<i8>(pa) + aOff) * (<i32>load<i8>(pb) + bOff);
      store<i8>(yp, <i8>clampi(mbqmInline(prod, oM, oS) + oZp, amin, amax));
      yp += 1;
      pa += sa;
      pb += sb;
    }
    broadcastNext();
  }
}

