// add, sub, mul, div with numpy broadcasting (f32), and TFLite's int8 add/sub/mul.
import { OP_ADD, OP_SUB, OP_MUL, OP_DIV } from '../../format/format';
import { opIn, opOut, opParam, opParamF, tptr, tzp, trank } from '../state';
import { broadcastSetup, broadcastStart, broadcastNext, rowLen, rowStrideA, rowStrideB, offA, offB } from '../broadcast';
import { mbqmInline, clampi } from '../fixedpoint';

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

// Same-stride int8 add/sub in f64 lanes (SIMD build), exact: TFLM's double rounding
// RDBPOT(SRDHM(N, M), R) equals floor((N + 2^30 + 2^(30+R) - [N < 0] * 2^31) / 2^(31+R)) for
// R >= 1 and floor((N + 2^30) / 2^31) for R = 0 (requant_fast.ts has the proof).
//  - inputs: N = X * M * 2^(ls+left) with X = x - zp in [-255, 255] (40 significant bits), so
//    floor(X * S + pos - [X < 0] * d), S = M * 2^(ls+shift-31), is exact (requant_fast.ts's form);
//  - output: N = raw * M (left shift 0) has up to 61 bits, so M = Mh * 2^16 + Ml and
//    N + C = (raw*Mh + KR) * 2^16 + T with T = raw*Ml + 2^30 - [raw < 0] * 2^31 (R >= 1) and
//    KR = 2^(14+R); every term is an integer below 2^53, and floor((A*2^16 + T) / 2^(31+R)) =
//    floor((A + floor(T / 2^16)) / 2^(15+R)) for integer A.
// |u|, |v| < 2^30 (ls + left <= 22), so u + v does not wrap in the reference either.
// Per-op lane constants, f64x2 each: a S/pos/d, b S/pos/d, out Mh/Ml/2^30/2^31/KR/2^-(15+R).
const addK: usize = ASC_FEATURE_SIMD ? memory.data(12 * 16, 16) : 0;
const MAGIC: f64 = 6755399441055744.0; // 2^52 + 2^51: x + MAGIC holds integer x in its low 32 bits

/** 2^e for e in [-1022, 1023] from the exponent bits. */
@inline function pow2(e: i32): f64 {
  return reinterpret<f64>(<i64>(1023 + e) << 52);
}

/** Sets lane constants k, k+1, k+2 for an input (mult, shift); false when the form is not exact. */
function addInputConsts(k: i32, mult: i32, shift: i32, ls: i32): bool {
  const left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  if (mult < 0 || ls < 0 || ls + left > 22 || right > 31) return false;
  const p = addK + (<usize>k << 4);
  v128.store(p, f64x2.splat(<f64>mult * pow2(ls + shift - 31)));
  v128.store(p, f64x2.splat(right > 0 ? 0.5 + pow2(-right - 1) : 0.5), 16);
  v128.store(p, f64x2.splat(right > 0 ? pow2(-right) : 0.0), 32);
  return true;
}

/** floor(X * S + pos - [X < 0] * d) for two lanes of X (f64), constants at lane slot k. */
@inline function addInput2(xf: v128, k: usize): v128 {
  const y = f64x2.mul(xf, v128.load(addK + (k << 4)));
  const neg = v128.and(f64x2.lt(xf, f64x2.splat(0)), v128.load(addK + (k << 4), 32));
  return f64x2.floor(f64x2.sub(f64x2.add(y, v128.load(addK + (k << 4), 16)), neg));
}

/** mbqm(raw, oM, oS) for two lanes of raw (integral f64), as integral f64. */
@inline function addOutput2(raw: v128): v128 {
  const k = addK + 6 * 16;
  const neg = v128.and(f64x2.lt(raw, f64x2.splat(0)), v128.load(k, 48));
  const t = f64x2.sub(f64x2.add(f64x2.mul(raw, v128.load(k, 16)), v128.load(k, 32)), neg);
  const a = f64x2.add(f64x2.mul(raw, v128.load(k)), v128.load(k, 64));
  return f64x2.floor(f64x2.mul(f64x2.add(a, f64x2.floor(f64x2.mul(t, f64x2.splat(1.0 / 65536.0)))), v128.load(k, 80)));
}

/** Two lanes: a/b rescaled, summed (or subtracted), requantized, + MAGIC + zp. */
@inline function addSub2(xa: v128, xb: v128, subtract: bool, magicZp: v128): v128 {
  const u = addInput2(xa, 0), v = addInput2(xb, 3);
  return f64x2.add(addOutput2(subtract ? f64x2.sub(u, v) : f64x2.add(u, v)), magicZp);
}

/** Four int8 results as i32 lanes, clamped. */
@inline function addSub4(a: v128, b: v128, subtract: bool, magicZp: v128, lo: v128, hi: v128): v128 {
  const rl = addSub2(f64x2.convert_low_i32x4_s(a), f64x2.convert_low_i32x4_s(b), subtract, magicZp);
  const rh = addSub2(
    f64x2.convert_low_i32x4_s(i32x4.shuffle(a, a, 2, 3, 2, 3)),
    f64x2.convert_low_i32x4_s(i32x4.shuffle(b, b, 2, 3, 2, 3)), subtract, magicZp,
  );
  return i32x4.min_s(i32x4.max_s(i32x4.shuffle(rl, rh, 0, 2, 4, 6), lo), hi);
}

/** Eight int8 add/sub results from pa, pb (the low 8 bytes of the vector). */
function addSub8F64(pa: usize, pb: usize, aOff: v128, bOff: v128, subtract: bool, magicZp: v128, lo: v128, hi: v128): v128 {
  const a = v128.load8x8_s(pa), b = v128.load8x8_s(pb);
  const al = i32x4.add(i32x4.extend_low_i16x8_s(a), aOff), ah = i32x4.add(i32x4.extend_high_i16x8_s(a), aOff);
  const bl = i32x4.add(i32x4.extend_low_i16x8_s(b), bOff), bh = i32x4.add(i32x4.extend_high_i16x8_s(b), bOff);
  const w = i16x8.narrow_i32x4_s(addSub4(al, bl, subtract, magicZp, lo, hi), addSub4(ah, bh, subtract, magicZp, lo, hi));
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
  // The f64 rows when both operands are contiguous along the row and the parameters keep every
  // step exact (multipliers >= 0, no output left shift, input left shifts within i32).
  let vec = false;
  if (ASC_FEATURE_SIMD) {
    vec = sa == 1 && sb == 1 && oM >= 0 && oS <= 0 && addInputConsts(0, aM, aS, ls) && addInputConsts(3, bM, bS, ls);
    if (vec) {
      const k = addK + 6 * 16, r = -oS;
      v128.store(k, f64x2.splat(<f64>(oM >>> 16)));
      v128.store(k, f64x2.splat(<f64>(oM & 0xffff)), 16);
      v128.store(k, f64x2.splat(1073741824.0), 32);
      v128.store(k, f64x2.splat(r > 0 ? 2147483648.0 : 0.0), 48);
      v128.store(k, f64x2.splat(r > 0 ? pow2(14 + r) : 0.0), 64);
      v128.store(k, f64x2.splat(pow2(-15 - r)), 80);
    }
  }
  broadcastStart();
  for (let r = 0; r < rows; r++) {
    let pa = ap + <usize>offA, pb = bp + <usize>offB;
    let i = 0;
    if (ASC_FEATURE_SIMD && vec) {
      const ao = i32x4.splat(aOff), bo = i32x4.splat(bOff), mz = f64x2.splat(MAGIC + <f64>oZp);
      const lo = i32x4.splat(amin), hi = i32x4.splat(amax);
      for (; i + 8 <= n; i += 8) {
        v128.store64_lane(yp, addSub8F64(pa, pb, ao, bo, subtract, mz, lo, hi), 0);
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

