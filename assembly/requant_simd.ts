// MultiplyByQuantizedMultiplier for four lanes with per-lane multiplier and shift (SIMD build only),
// bit-exact with fixedpoint.ts's scalar mbqm for multipliers >= 0 and shifts in [-31, 30] — the
// range load-time validation enforces on the per-channel tensors.
//
//   left shift: x * 2^left, with 2^left made from f32 exponent bits (wraps like the scalar code);
//   SaturatingRoundingDoublingHighMul: exact i64 products, nudge, truncating /2^31 by shifts
//     (the INT32_MIN * INT32_MIN saturation cannot occur: multipliers are >= 0);
//   RoundingDivideByPOT: r / 2^right is exact in f64 (|r| < 2^31, a power-of-two scale), and
//     round-half-away-from-zero is trunc(t + copysign(0.5, t)), exact because t carries at most
//     32 significant bits.

// p = a*b (i64 lanes), neg = all-ones where p < 0. q = p + (p >= 0 ? 2^30 : 1 - 2^30) has p's
// sign; trunc(q / 2^31) = (q + (q < 0 ? 2^31 - 1 : 0)) >> 31, and only the low 32 bits are kept, so
// a logical shift serves (x64 SIMD has no 64-bit arithmetic shift).
@inline function srdhmHalf(p: v128, neg: v128): v128 {
  const q = i64x2.add(p, i64x2.add(i64x2.splat(1 << 30), v128.and(neg, i64x2.splat(1 - (<i64>1 << 31)))));
  return i64x2.shr_u(i64x2.add(q, v128.and(neg, i64x2.splat(0x7fffffff))), 31);
}

@inline function roundHalfAway(t: v128): v128 {
  return f64x2.trunc(f64x2.add(t, v128.or(f64x2.splat(0.5), v128.and(t, i64x2.splat(i64.MIN_VALUE)))));
}

/** clamp(mbqm(acc, mult, shift) + zp, lo, hi) on four i32 lanes. */
@inline export function requant4Simd(acc: v128, mult: v128, shift: v128, zp: i32, lo: i32, hi: i32): v128 {
  const zero = i32x4.splat(0);
  const left = i32x4.max_s(shift, zero);
  const right = i32x4.max_s(i32x4.neg(shift), zero);
  // 2^left as f32 bits ((127 + left) << 23), converted exactly to i32 (left <= 30).
  const pow = i32x4.trunc_sat_f32x4_s(i32x4.shl(i32x4.add(left, i32x4.splat(127)), 23));
  const x = i32x4.mul(acc, pow);
  // x*mult < 0 exactly when x < 0 and mult > 0 (multipliers are >= 0).
  const neg = v128.and(i32x4.lt_s(x, zero), i32x4.gt_s(mult, zero));
  const lo64 = srdhmHalf(i64x2.extmul_low_i32x4_s(x, mult), i64x2.extend_low_i32x4_s(neg));
  const hi64 = srdhmHalf(i64x2.extmul_high_i32x4_s(x, mult), i64x2.extend_high_i32x4_s(neg));
  const r = i32x4.shuffle(lo64, hi64, 0, 2, 4, 6);
  // 2^-right as f64 bits ((1023 - right) << 52), per 64-bit lane.
  const e = i32x4.sub(i32x4.splat(1023), right);
  const scaleLo = i64x2.shl(i64x2.extend_low_i32x4_s(e), 52);
  const scaleHi = i64x2.shl(i64x2.extend_high_i32x4_s(e), 52);
  const tLo = roundHalfAway(f64x2.mul(f64x2.convert_low_i32x4_s(r), scaleLo));
  const tHi = roundHalfAway(f64x2.mul(f64x2.convert_low_i32x4_s(i32x4.shuffle(r, r, 2, 3, 2, 3)), scaleHi));
  const res = i32x4.shuffle(i32x4.trunc_sat_f64x2_s_zero(tLo), i32x4.trunc_sat_f64x2_s_zero(tHi), 0, 1, 4, 5);
  return i32x4.min_s(i32x4.max_s(i32x4.add(res, i32x4.splat(zp)), i32x4.splat(lo)), i32x4.splat(hi));
}

/** Stores four already-clamped i32 lanes as s8 bytes. */
@inline export function store4s8(out: usize, v: v128): void {
  const b = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(v, v), v);
  store<i32>(out, i32x4.extract_lane(b, 0));
}

/** Stores sixteen already-clamped i32 lanes (four vectors) as s8 bytes. */
@inline export function store16s8(out: usize, a: v128, b: v128, c: v128, d: v128): void {
  v128.store(out, i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(a, b), i16x8.narrow_i32x4_s(c, d)));
}

/**
 * Requantizes and stores 16 channels (four i32x4 sums; multipliers and shifts at mp/shp). The four
 * requantizations stay inline: the packed 1x1 layers whose sums have no f64 bound (vww's and
 * person_detect's K >= 64) run ~15 % longer with them behind a shared call or loop.
 */
export function requantStore16(out: usize, a0: v128, a1: v128, a2: v128, a3: v128, mp: usize, shp: usize, zp: i32, lo: i32, hi: i32): void {
  store16s8(
    out,
    requant4Simd(a0, v128.load(mp), v128.load(shp), zp, lo, hi),
    requant4Simd(a1, v128.load(mp, 16), v128.load(shp, 16), zp, lo, hi),
    requant4Simd(a2, v128.load(mp, 32), v128.load(shp, 32), zp, lo, hi),
    requant4Simd(a3, v128.load(mp, 48), v128.load(shp, 48), zp, lo, hi),
  );
}

/**
 * requant4Simd as a call, for the general path of everything else (plain-layout kernels, the
 * 8-channel store): one copy of its ~0.5 KB instead of one per site.
 */
export function requant4General(acc: v128, mp: usize, shp: usize, zp: i32, lo: i32, hi: i32): v128 {
  return requant4Simd(acc, v128.load(mp), v128.load(shp), zp, lo, hi);
}

/** Requantizes and stores 8 channels (two i32x4 sums), as requantStore16. */
export function requantStore8(out: usize, a0: v128, a1: v128, mp: usize, shp: usize, zp: i32, lo: i32, hi: i32): void {
  store4s8(out, requant4General(a0, mp, shp, zp, lo, hi));
  store4s8(out + 4, requant4General(a1, mp + 16, shp + 16, zp, lo, hi));
}
