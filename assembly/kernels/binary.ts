// add, sub, mul, div with numpy broadcasting (f32), and TFLite's int8 add/sub/mul.
import { OP_ADD, OP_SUB, OP_MUL, OP_DIV } from '../../format/format';
import { opIn, opOut, opParam, opParamF, tptr, tzp, trank } from '../state';
import { broadcastSetup, broadcastStart, broadcastNext, rowLen, rowStrideA, rowStrideB, offA, offB } from '../broadcast';
import { mbqmInline, mbqmCall, clampi } from '../fixedpoint';

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

// int8 add/sub, bit-exact with TFLM's reference kernel in every path:
//   u = mbqm((x - zp_a) << ls, M_a, S_a),  v = mbqm((y - zp_b) << ls, M_b, S_b),
//   out = clamp(mbqm(u +- v, M_o, S_o) + zp_o).
// TFLM's double rounding RDBPOT(SRDHM(N, M), R) equals floor((N + 2^30 + 2^(30+R) - [N < 0] * 2^31)
// / 2^(31+R)) for R >= 1 and floor((N + 2^30) / 2^31) for R = 0 (requant_fast.ts has the proof).
//
// SIMD build, both operands contiguous along the row (the common residual add):
//  1. a fixed-point screen, 16 outputs per step: out = floor(w) with w = (u +- v) * m +
//     c/2^(31+R) (m = M_o * 2^(S_o-31)) the exact rational. z = x * alpha + y * beta + gamma is
//     w's value without the two input roundings (|u - t| <= 3/4 for the unrounded t: pos - d lies
//     in [1/4, 3/4]) and without the sign term of c (at most 2^-(R+1)): |z - w| <= 1.5 m +
//     2^-(R+1). t = x * A + y * B + G in i32 (alpha, beta, gamma * 2^k rounded) is within 130 of
//     z * 2^k; with E above both errors in units of 2^-k, when every lane's t is more than E from
//     a multiple of 2^k, t >> k = floor(w): those 16 outputs are exact. (Until session 8 this
//     screen ran in f32: 1.4-1.6x the time, eight converts and multiplies where two i16 dot
//     products per four lanes do.)
//  2. otherwise (rare: a lane within eps of a rounding boundary) the 16 run exactly: inputs in
//     i32 lanes, N = X * M * 2^L with X = x - zp in [-255, 255], L = ls + left <= 22; dividing
//     by 2^L, u = floor((X * M + C - [X < 0] * J) / 2^s), s = 31 + R - L >= 9, C = 2^(30-L) +
//     2^(30+R-L), J = 2^(31-L) (R >= 1; R = 0: C = 2^(30-L), J = 0), and with M = Mh * 2^9 + Ml
//     (Ml < 2^9) u = floor((X * Mh + floor((X * Ml + C - [X < 0] * J) / 2^9)) / 2^(s-9)), every
//     term below 2^31 when C < 2^30 ([X < 0] may stand for [N < 0]: M = 0 gives 0 both ways);
//     the output in f64 lanes: N = raw * M has up to 61 bits, so M = Mh * 2^16 + Ml and
//     N + C = (raw*Mh + KR) * 2^16 + T with T = raw*Ml + 2^30 - [raw < 0] * 2^31 (R >= 1),
//     KR = 2^(14+R), every term an integer below 2^53, and floor((A*2^16 + T) / 2^(31+R)) =
//     floor((A + floor(T / 2^16)) / 2^(15+R)) for integer A.
// |u|, |v| < 2^30 (L <= 22), so u + v does not wrap in the reference either.
// Other rows (broadcast) and the scalar build: per-op tables of u and v (below).
const MAGIC: f64 = 6755399441055744.0; // 2^52 + 2^51: x + MAGIC holds integer x in its low 32 bits

/** 2^e for e in [-1022, 1023] from the exponent bits. */
@inline function pow2(e: i32): f64 {
  return reinterpret<f64>(<i64>(1023 + e) << 52);
}

// The exact vector step's per-op constants (v128 slots): a Mh, Ml, C, J; b Mh, Ml, C, J; zero
// points a, b; out Mh, Ml, neg, KR, 1/2^(15+R), MAGIC + zp, min, max. Shifts in addSh, addShB.
const addK: usize = ASC_FEATURE_SIMD ? memory.data(18 * 16, 16) : 0;
let addSh: i32 = 0;
let addShB: i32 = 0;

/** Slot k's four i32 rescale constants for (mult, shift) after left shift ls; false when the i32 form is not exact. */
function inputConsts(k: i32, mult: i32, shift: i32, ls: i32): bool {
  const left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift, l = ls + left;
  if (mult < 0 || ls < 0 || l > 22 || right > 31 || 30 + right - l > 29) return false;
  const p = addK + (<usize>k << 4);
  v128.store(p, i32x4.splat(mult >>> 9));
  v128.store(p, i32x4.splat(mult & 511), 16);
  v128.store(p, i32x4.splat(right > 0 ? (1 << (30 - l)) + (1 << (30 + right - l)) : 1 << (30 - l)), 32);
  v128.store(p, i32x4.splat(right > 0 ? 1 << (31 - l) : 0), 48);
  if (k == 0) addSh = 22 + right - l;
  else addShB = 22 + right - l;
  return true;
}

/** Four lanes of X (i32): u for the constants at slot k. */
@inline function rescale4(x: v128, k: usize, sh: i32): v128 {
  const p = addK + (k << 4);
  const t = i32x4.sub(i32x4.add(i32x4.mul(x, v128.load(p, 16)), v128.load(p, 32)), v128.and(i32x4.shr_s(x, 31), v128.load(p, 48)));
  return i32x4.shr_s(i32x4.add(i32x4.mul(x, v128.load(p)), i32x4.shr_s(t, 9)), sh);
}

/** Two lanes of raw (integral f64): mbqm(raw, oM, oS) + MAGIC + zp. */
@inline function output2(raw: v128): v128 {
  const p = addK + 10 * 16;
  const n = v128.and(f64x2.lt(raw, f64x2.splat(0)), v128.load(p, 32));
  const t = f64x2.sub(f64x2.add(f64x2.mul(raw, v128.load(p, 16)), f64x2.splat(1073741824.0)), n);
  const a = f64x2.add(f64x2.mul(raw, v128.load(p)), v128.load(p, 48));
  const q = f64x2.floor(f64x2.mul(f64x2.add(a, f64x2.floor(f64x2.mul(t, f64x2.splat(1.0 / 65536.0)))), v128.load(p, 64)));
  return f64x2.add(q, v128.load(p, 80));
}

/** Four outputs (i32 lanes, clamped) from four lanes of raw. */
@inline function output4(raw: v128): v128 {
  const q0 = output2(f64x2.convert_low_i32x4_s(raw));
  const q1 = output2(f64x2.convert_low_i32x4_s(i32x4.shuffle(raw, raw, 2, 3, 2, 3)));
  const p = addK + 16 * 16;
  return i32x4.min_s(i32x4.max_s(i32x4.shuffle(q0, q1, 0, 2, 4, 6), v128.load(p)), v128.load(p, 16));
}

/** The exact step: eight outputs to yp from pa, pb. */
function addSubExact8(pa: usize, pb: usize, yp: usize, subtract: bool): void {
  const a8 = v128.load8x8_s(pa), b8 = v128.load8x8_s(pb);
  const ao = v128.load(addK, 8 * 16), bo = v128.load(addK, 9 * 16);
  const sh = addSh, shB = addShB;
  const ual = rescale4(i32x4.add(i32x4.extend_low_i16x8_s(a8), ao), 0, sh);
  const uah = rescale4(i32x4.add(i32x4.extend_high_i16x8_s(a8), ao), 0, sh);
  const ubl = rescale4(i32x4.add(i32x4.extend_low_i16x8_s(b8), bo), 4, shB);
  const ubh = rescale4(i32x4.add(i32x4.extend_high_i16x8_s(b8), bo), 4, shB);
  const yl = output4(subtract ? i32x4.sub(ual, ubl) : i32x4.add(ual, ubl));
  const yh = output4(subtract ? i32x4.sub(uah, ubh) : i32x4.add(uah, ubh));
  const w = i16x8.narrow_i32x4_s(yl, yh);
  v128.store64_lane(yp, i8x16.narrow_i16x8_s(w, w), 0);
}

/**
 * Four i32 lanes of the screen from four (x, y) i16 pairs: t = x * A + y * B + G + E with
 * A = Ah * 2^8 + Al (Al in 0..255), one dot product per part.
 */
@inline function screenT(xy: v128, hv: v128, lv: v128, gv: v128): v128 {
  return i32x4.add(i32x4.add(i32x4.shl(i32x4.dot_i16x8_s(xy, hv), 8), i32x4.dot_i16x8_s(xy, lv)), gv);
}

/**
 * Lanes whose t - E is more than E from a multiple of 2^k: (t mod 2^k) > 2E. Then t >> k is
 * floor((t - E) / 2^k), and within E of z * 2^k that is floor(z).
 */
@inline function clearT(t: v128, mask: v128, twoE: v128): v128 {
  return i32x4.gt_s(v128.and(t, mask), twoE);
}

// Per-op tables of the rescaled inputs: for each of the 256 int8 values v, u(v) as i32, a's 256
// then b's, in the op's kernel scratch (format/kernel-scratch.ts; 0: no scratch, the per-element
// form runs). They leave one requantization per output.
let addTables: usize = 0;
export function useAddTables(at: usize): void {
  addTables = at;
}
// Below this many outputs the 512 table entries cost more than they save.
const ADD_TABLE_MIN: i32 = 512;

/** Table entry v (0..255, read as int8) = mbqm((int8(v) + off) << ls, mult, shift). */
function fillAddTable(t: usize, off: i32, ls: i32, mult: i32, shift: i32): void {
  for (let v = 0; v < 256; v++) {
    store<i32>(t + (<usize>v << 2), mbqmInline((((v << 24) >> 24) + off) * (1 << ls), mult, shift));
  }
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
  const rr = -oS;
  let vec = false;
  if (ASC_FEATURE_SIMD && sa == 1 && sb == 1 && oM >= 0 && oS <= 0) vec = inputConsts(0, aM, aS, ls) && inputConsts(4, bM, bS, ls);
  // The screen's constants: alpha, beta, gamma in fixed point (k fraction bits) and its eps.
  let fast = false, fails = 0, blocks = 0;
  let k = 0, hiAB = 0, loAB = 0, gE = 0, twoE = 0;
  if (ASC_FEATURE_SIMD && vec) {
    v128.store(addK, i32x4.splat(aOff), 8 * 16);
    v128.store(addK, i32x4.splat(bOff), 9 * 16);
    const p = addK + 10 * 16;
    v128.store(p, f64x2.splat(<f64>(oM >>> 16)));
    v128.store(p, f64x2.splat(<f64>(oM & 0xffff)), 16);
    v128.store(p, f64x2.splat(rr > 0 ? 2147483648.0 : 0.0), 32);
    v128.store(p, f64x2.splat(rr > 0 ? pow2(14 + rr) : 0.0), 48);
    v128.store(p, f64x2.splat(pow2(-15 - rr)), 64);
    v128.store(p, f64x2.splat(MAGIC + <f64>oZp), 80);
    v128.store(p, i32x4.splat(amin), 96);
    v128.store(p, i32x4.splat(amax), 112);
    const m = <f64>oM * pow2(oS - 31);
    const alpha = <f64>aM * pow2(ls + aS - 31) * m;
    const beta = (subtract ? -1.0 : 1.0) * <f64>bM * pow2(ls + bS - 31) * m;
    const gamma = 0.5 + <f64>aOff * alpha + <f64>bOff * beta + <f64>oZp;
    const bound = 128 * Math.abs(alpha) + 128 * Math.abs(beta) + Math.abs(gamma);
    // k: bound * 2^k <= 2^29, so |A|, |B| <= 2^22 (their high parts A >> 8 fit i16) and
    // |t| < 2^30 + 2^17 (no i32 wrap). A, B, G are alpha, beta, gamma * 2^k rounded to integers,
    // each within 1/2 + 2^-20 of the exact rational (f64 products carry 2^-52 relative error), so
    // |t - z * 2^k| <= 128 (|dA| + |dB|) + |dG| < 130 for |x|, |y| <= 128.
    k = 29 - (64 - <i32>clz(<i64>Math.ceil(bound)));
    if (k > 30) k = 30;
    const sc = pow2(k);
    const A = <i32>Math.round(alpha * sc), B = <i32>Math.round(beta * sc);
    const E = <i32>Math.ceil((1.5 * m + (rr > 0 ? pow2(-rr - 1) : 0.0)) * sc) + 131;
    // Past 1/16 the screen would rarely pass.
    fast = k >= 12 && E < (1 << (k - 4));
    hiAB = ((A >> 8) & 0xffff) | ((B >> 8) << 16);
    loAB = (A & 255) | ((B & 255) << 16);
    gE = <i32>Math.round(gamma * sc) + E;
    twoE = 2 * E;
  }
  if (!vec && addTables != 0 && oM >= 0 && oS <= 0 && rows * n >= ADD_TABLE_MIN) {
    // One i64 step per output (the floor form above): |raw * M| < 2^62.
    const ta = addTables, tb = addTables + 1024;
    fillAddTable(ta, aOff, ls, aM, aS);
    fillAddTable(tb, bOff, ls, bM, bS);
    const m = <i64>oM;
    const kNudge: i64 = rr > 0 ? (<i64>1 << 30) + (<i64>1 << (30 + rr)) : <i64>1 << 30;
    const kNeg: i64 = rr > 0 ? <i64>1 << 31 : 0;
    const sh = <i64>(31 + rr);
    broadcastStart();
    for (let row = 0; row < rows; row++) {
      let pa = ap + <usize>offA, pb = bp + <usize>offB;
      for (let i = 0; i < n; i++) {
        const u = load<i32>(ta + (<usize>load<u8>(pa) << 2)), v = load<i32>(tb + (<usize>load<u8>(pb) << 2));
        const p = <i64>(subtract ? u - v : u + v) * m;
        const q = <i32>((p + kNudge - ((p >> 63) & kNeg)) >> sh);
        store<i8>(yp, <i8>clampi(q + oZp, amin, amax));
        yp += 1;
        pa += sa;
        pb += sb;
      }
      broadcastNext();
    }
    return;
  }
  broadcastStart();
  for (let r = 0; r < rows; r++) {
    let pa = ap + <usize>offA, pb = bp + <usize>offB;
    let i = 0;
    if (ASC_FEATURE_SIMD && vec) {
      if (fast) {
        const hv = i32x4.splat(hiAB), lv = i32x4.splat(loAB), gv = i32x4.splat(gE);
        const mask = i32x4.splat((1 << k) - 1), ev = i32x4.splat(twoE);
        const lo = i8x16.splat(<i8>amin), hi = i8x16.splat(<i8>amax);
        for (; fast && i + 16 <= n; i += 16) {
          const a16 = v128.load(pa), b16 = v128.load(pb);
          const ab0 = i8x16.shuffle(a16, b16, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
          const ab1 = i8x16.shuffle(a16, b16, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
          const t0 = screenT(i16x8.extend_low_i8x16_s(ab0), hv, lv, gv);
          const t1 = screenT(i16x8.extend_high_i8x16_s(ab0), hv, lv, gv);
          const t2 = screenT(i16x8.extend_low_i8x16_s(ab1), hv, lv, gv);
          const t3 = screenT(i16x8.extend_high_i8x16_s(ab1), hv, lv, gv);
          const ok = v128.and(v128.and(clearT(t0, mask, ev), clearT(t1, mask, ev)), v128.and(clearT(t2, mask, ev), clearT(t3, mask, ev)));
          if (i32x4.all_true(ok)) {
            const w0 = i16x8.narrow_i32x4_s(i32x4.shr_s(t0, k), i32x4.shr_s(t1, k));
            const w1 = i16x8.narrow_i32x4_s(i32x4.shr_s(t2, k), i32x4.shr_s(t3, k));
            v128.store(yp, i8x16.min_s(i8x16.max_s(i8x16.narrow_i16x8_s(w0, w1), lo), hi));
          } else {
            addSubExact8(pa, pb, yp, subtract);
            addSubExact8(pa + 8, pb + 8, yp + 8, subtract);
            // Scales that put many outputs on rounding boundaries (say alpha = beta = 1/2) would
            // pay for both forms: past one step in eight, the rest of the op runs exactly.
            fails++;
            if (fails >= 16 && fails * 8 > blocks) fast = false;
          }
          blocks++;
          yp += 16;
          pa += 16;
          pb += 16;
        }
      }
      for (; i + 8 <= n; i += 8) {
        addSubExact8(pa, pb, yp, subtract);
        yp += 8;
        pa += 8;
        pb += 8;
      }
    }
    // The SIMD build reaches this loop only for row tails (< 8), small ops (< ADD_TABLE_MIN) and
    // blobs without kernel scratch: one shared mbqm there; the scalar build's main loop inlines it.
    for (; i < n; i++) {
      const u = ASC_FEATURE_SIMD ? mbqmCall((<i32>load<i8>(pa) + aOff) * (1 << ls), aM, aS) : mbqmInline((<i32>load<i8>(pa) + aOff) * (1 << ls), aM, aS);
      const v = ASC_FEATURE_SIMD ? mbqmCall((<i32>load<i8>(pb) + bOff) * (1 << ls), bM, bS) : mbqmInline((<i32>load<i8>(pb) + bOff) * (1 << ls), bM, bS);
      const raw = subtract ? u - v : u + v;
      store<i8>(yp, <i8>clampi((ASC_FEATURE_SIMD ? mbqmCall(raw, oM, oS) : mbqmInline(raw, oM, oS)) + oZp, amin, amax));
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

