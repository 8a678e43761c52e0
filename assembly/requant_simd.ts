// MultiplyByQuantizedMultiplier for four lanes with per-lane multiplier and shift (SIMD build only),
// bit-exact with fixedpoint.ts's scalar mbqm for multipliers >= 0 and shifts in [-31, 30] — the
// range load-time validation enforces on the per-channel tensors — for every i32 accumulator.
//
// With x = acc * 2^left (wrapping, as the scalar code), N = x * M (exact i64) and R the right shift:
//   SaturatingRoundingDoublingHighMul: r = floor((N + 2^30) / 2^31) for either sign of N (the
//     C++ truncating division of N + nudge equals this floor), and |r| < 2^31;
//   RoundingDivideByPOT(r, R), R >= 1: floor((r + 2^(R-1) - [r < 0]) / 2^R)
//     = floor(((r - [r < 0]) * 2^(31-R) + 2^30) / 2^31), no overflow in i64 (r - [r < 0] >= -2^31).
// Both are "add 2^30, shift right 31" of an exact i64 product; the i32 result is the low half of a
// logical shift (x64 SIMD has no 64-bit arithmetic shift; the low 32 bits agree). There is no
// per-lane shift, so 2^left and 2^(31-R) are multipliers, made from f32 exponent bits; R = 0 lanes
// keep r (their 2^31 saturates and is discarded). ~30 SIMD instructions per 4 outputs.

// floor((a * b + 2^30) / 2^31) of four i32 lanes, as i32 (the caller knows it fits).
@inline function mulShr31(a: v128, b: v128): v128 {
  const k = i64x2.splat(1 << 30);
  const lo = i64x2.shr_u(i64x2.add(i64x2.extmul_low_i32x4_s(a, b), k), 31);
  const hi = i64x2.shr_u(i64x2.add(i64x2.extmul_high_i32x4_s(a, b), k), 31);
  return i32x4.shuffle(lo, hi, 0, 2, 4, 6);
}

// 2^e for four i32 lanes e in [0, 31] (2^31 saturates to INT32_MAX), from f32 exponent bits.
@inline function pow2i(e: v128): v128 {
  return i32x4.trunc_sat_f32x4_s(i32x4.shl(i32x4.add(e, i32x4.splat(127)), 23));
}

/** clamp(mbqm(acc, mult, shift) + zp, lo, hi) on four i32 lanes. */
@inline export function requant4Simd(acc: v128, mult: v128, shift: v128, zp: i32, lo: i32, hi: i32): v128 {
  const zero = i32x4.splat(0);
  const r = mulShr31(i32x4.mul(acc, pow2i(i32x4.max_s(shift, zero))), mult);
  const d = mulShr31(i32x4.add(r, i32x4.shr_s(r, 31)), pow2i(i32x4.add(i32x4.min_s(shift, zero), i32x4.splat(31))));
  const res = v128.bitselect(d, r, i32x4.lt_s(shift, zero));
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
 * Requantizes and stores 16 channels (four i32x4 sums; multipliers and shifts at mp/shp) through
 * requant4General: every conv / GEMM layer of the six bench models takes the f64 / f32 tables
 * (requant_fast.ts) since session 5's wider bound, so this general form is a cold path (prepare
 * off, ops under 16 pixels without a prepared table, bounds past the tables; in vww it serves 12
 * blocks of one depthwise op's outlier channels a run) and one copy of requant4Simd serves it
 * (1.3 KB less than four inline copies).
 */
export function requantStore16(out: usize, a0: v128, a1: v128, a2: v128, a3: v128, mp: usize, shp: usize, zp: i32, lo: i32, hi: i32): void {
  store16s8(
    out,
    requant4General(a0, mp, shp, zp, lo, hi),
    requant4General(a1, mp + 16, shp + 16, zp, lo, hi),
    requant4General(a2, mp + 32, shp + 32, zp, lo, hi),
    requant4General(a3, mp + 48, shp + 48, zp, lo, hi),
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
