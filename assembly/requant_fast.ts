// TFLM-exact MultiplyByQuantizedMultiplier in f64, for accumulators with a proven bound (SIMD
// build). ~20 SIMD instructions per 4 outputs instead of ~50 for requant4Simd's i64 form.
//
// With N = acc * 2^left * M and R = right shift (shift = left - R, left*R == 0), TFLM computes
//   r = SRDHM(acc * 2^left, M) = floor((N + 2^30) / 2^31)             (round half up, M >= 0)
//   result = RoundingDivideByPOT(r, R) = floor((r + 2^(R-1) - [r < 0]) / 2^R)   (R >= 1)
// and floor(floor(A) + k) / 2^R) = floor((A + k) / 2^R) for integer k, so for R >= 1
//   result = floor((N + 2^30 + 2^(30+R) - [N < 0] * 2^31) / 2^(31+R))
// ([r < 0] may be replaced by [N < 0]: for -2^30 <= N < 0 both forms give 0). For R = 0 it is
// floor((N + 2^30) / 2^31). Dividing through by 2^(31+R):
//   result = floor(acc * S + pos - [acc * S < 0] * d),
//   S = M * 2^(shift-31),  pos = 1/2 + 2^-(R+1) [R >= 1],  d = 2^-R [R >= 1]   (both 1/2, 0 if R = 0).
// Every value above is an integer below 2^53 times a power of two when
//   |acc| * 2^left * M <= 2^52, |acc| * 2^left < 2^31 (no i32 wrap in the reference), R <= 20,
// so f64 computes each step exactly. Kernels prove |acc| <= |bias| + max|x - zp| * sum|w| per
// channel before choosing this path (fastChannel), else they keep requant4Simd.
import { requant4General } from './requant_simd';
import { mbqmCall } from './fixedpoint';
import { kernelBuilt } from './features';
import { KERNEL_CONV_F32, KERNEL_CONV_F32_RELU, KERNEL_CONV_F32_4X8 } from '../format/runtime-features';

// The table lives in the running op's scratch (format/kernel-scratch.ts, assembly/scratch.ts):
// FAST_CAP channels (0: no table; those ops keep the general requantization), 24 bytes each, in
// blocks of four channels: their four S, then four pos, then four d (f64 each), so a reader of
// channels c..c+3 (c a multiple of 4) finds every column at a constant offset from fastEntry(c).
export let FAST_CAP: i32 = 0;
export let fastTable: usize = 0;
export const FAST_POS: usize = 32;
export const FAST_D: usize = 64;

/** Points the table at `channels` (a multiple of 16) entries from `at` (scratch.ts, before each op). */
export function useFastTable(at: usize, channels: i32): void {
  fastTable = at;
  FAST_CAP = channels;
  // Each op starts without the f32 screen (useF32Table turns it on for the op that has a table).
  f32LimBits = 0;
}

/** Address of channel c's S; its pos and d are FAST_POS and FAST_D bytes after it. */
@inline export function fastEntry(c: i32): usize {
  return fastTable + <usize>(c >> 2) * 96 + (<usize>(c & 3) << 3);
}

const TWO52: f64 = 4503599627370496.0;

/**
 * Writes channel c's S, pos, d for (mult, shift) when |acc| <= accBound makes the f64 form exact;
 * returns false (table untouched) otherwise.
 */
export function fastChannel(c: i32, mult: i32, shift: i32, accBound: f64): bool {
  if (c >= FAST_CAP) return false;
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  if (mult < 0 || right > 20 || left > 30) return false;
  const scaled = accBound * <f64>(1 << left);
  if (scaled > 2147483647.0 || scaled * <f64>mult > TWO52) return false;
  const p = fastEntry(c);
  store<f64>(p, <f64>mult * pow2(shift - 31));
  store<f64>(p, right > 0 ? 0.5 + pow2(-right - 1) : 0.5, FAST_POS);
  store<f64>(p, right > 0 ? pow2(-right) : 0.0, FAST_D);
  return true;
}

/** 2^e for e in [-62, 62], exactly (built from the exponent bits). */
@inline function pow2(e: i32): f64 {
  return reinterpret<f64>(<i64>(1023 + e) << 52);
}

// fastPrepare / fastPreparePacked (the conv, GEMM and generic depthwise stores below) rewrite
// each accepted channel's pos and d for the cheaper "magic" form: q = e + g/2, 2e, with
// g = 2^-(31+R) and e = 2^-(R+1) (0 when R = 0); fastChannel's other callers (sparse_rows,
// binary_weights: fast2, requant4Fast) keep the floor entries.
// Why it is exact: TFLM's result is floor(v), v = y + 1/2 + e - [y < 0] * 2e, y = acc * S = N * g
// (N = acc * 2^left * M, an integer). On the grid g, floor(v) = round-to-nearest(v - 1/2 + g/2),
// and t = v - 1/2 + g/2 = y + q - [y < 0] * 2e is an odd multiple of g/2, never a tie:
// t / (g/2) = 2N + 2^31 + 1 (y >= 0) or 2N - 2^31 + 1 (y < 0). With |N| <= 2^52 - 2^31 that is an
// integer of magnitude < 2^53, so every partial sum of t is exact in f64 (same ulp g/2), and
// adding 2^52 + 2^51 + zp rounds t (|t| < 2^31) to the nearest integer: no floor per f64 pair.
// The limit is fastChannel's 2^52 less 2^31 (the N < 2^53 products compare exactly in f64).
//
// Past that limit the form is still exact after the int8 clamp when R <= MAGIC_WIDE_R and
// |N| * g <= 2^30 for every accumulator of the bound (the K >= 64 1x1 convs of vww and
// person_detect, whose bounds reach N ~ 2^53). Per accumulator: either |N| <= 2^52 - 2^31 and the
// above holds, or |y| = |N| * g > (2^52 - 2^31) * 2^-(31+R) >= 511; then TFLM's result
// r = floor(v) has |r| >= |y| - 3/2 > 509 with the sign of y, and the computed y' = fl(acc * S)
// (relative error 2^-53, the same sign, so the same [y < 0] term), the two adds and the magic
// rounding land within 3 of y: with |zp| <= 128 both r + zp and the computed value lie beyond the
// same int8 bound, so the clamp gives the same byte. |y| <= 2^30 keeps the computed value + zp
// inside the i32 lane the magic add leaves. (Every reader of these entries clamps to int8.)
const MAGIC_LIMIT: f64 = 4503599627370496.0 - 2147483648.0;
const MAGIC_WIDE_R: i32 = 12;

/**
 * Channel c's magic entries for (mult, shift) when every |acc| <= accBound gives TFLM's bytes after
 * the int8 clamp (see above); false (table unusable) otherwise.
 */
export function magicChannel(c: i32, mult: i32, shift: i32, accBound: f64): bool {
  if (c >= FAST_CAP) return false;
  const left = shift > 0 ? shift : 0;
  const R = shift > 0 ? 0 : -shift;
  if (mult < 0 || R > 20 || left > 30) return false;
  const scaled = accBound * <f64>(1 << left);
  if (scaled > 2147483647.0) return false;
  const nMax = scaled * <f64>mult;
  if (nMax > MAGIC_LIMIT && (R > MAGIC_WIDE_R || nMax * pow2(-31 - R) > 1073741824.0)) return false;
  const e = R > 0 ? pow2(-R - 1) : 0.0;
  const p = fastEntry(c);
  store<f64>(p, <f64>mult * pow2(shift - 31));
  store<f64>(p, e + pow2(-32 - R), FAST_POS);
  store<f64>(p, e + e, FAST_D);
  return true;
}

/**
 * Channel c of an op whose weights for it are all zero: every accumulator is the bias, so the
 * output is the constant r = mbqm(bias, M, shift) whatever the multiplier and shift; S = 0, q = r,
 * d = 0 make the magic form give exactly r (t = +-0 + r). vww's K >= 64 1x1 convs have up to 234
 * of 256 such channels (bias ~2^30, right shifts 25-31), which no accumulator bound admits.
 */
export function magicConstChannel(c: i32, bias: i32, mult: i32, shift: i32): bool {
  if (c >= FAST_CAP) return false;
  const p = fastEntry(c);
  store<f64>(p, 0.0);
  store<f64>(p, <f64>mbqmCall(bias, mult, shift), FAST_POS);
  store<f64>(p, 0.0, FAST_D);
  return true;
}

/** Two lanes: floor(a * S + pos - [a * S < 0] * d) as f64. */
@inline export function fast2(a: v128, s: v128, pos: v128, d: v128): v128 {
  const y = f64x2.mul(a, s);
  return f64x2.floor(f64x2.sub(f64x2.add(y, pos), v128.and(f64x2.lt(y, f64x2.splat(0)), d)));
}

/**
 * clamp(mbqm(acc, M_c, shift_c) + zp, lo, hi) for channels c..c+3 (c % 4 == 0) of a table of
 * fastChannel's floor entries.
 * The floored values are integers with |v + zp| < 2^51, so adding 2^52 + 2^51 + zp is exact and
 * leaves v + zp in the low 32 bits (cheaper than a saturating f64 -> i32 conversion, ~5 x64
 * instructions per pair).
 */
@inline export function requant4Fast(acc: v128, c: i32, zp: i32, lo: i32, hi: i32): v128 {
  const p = fastEntry(c);
  const m = f64x2.splat(6755399441055744.0 + <f64>zp);
  const rl = fast2(f64x2.convert_low_i32x4_s(acc), v128.load(p), v128.load(p, FAST_POS), v128.load(p, FAST_D));
  const rh = fast2(
    f64x2.convert_low_i32x4_s(i32x4.shuffle(acc, acc, 2, 3, 2, 3)),
    v128.load(p, 16), v128.load(p, FAST_POS + 16), v128.load(p, FAST_D + 16),
  );
  const r = i32x4.shuffle(f64x2.add(rl, m), f64x2.add(rh, m), 0, 2, 4, 6);
  return i32x4.min_s(i32x4.max_s(r, i32x4.splat(lo)), i32x4.splat(hi));
}

/** Two lanes of the magic form: a * S + q - [a * S < 0] * 2e + 2^52 + 2^51 + zp (m). */
@inline function magic2(a: v128, s: v128, q: v128, d: v128, m: v128): v128 {
  const y = f64x2.mul(a, s);
  return f64x2.add(f64x2.sub(f64x2.add(y, q), v128.and(f64x2.lt(y, f64x2.splat(0)), d)), m);
}

/** requant4Fast for a table fastPrepare* wrote (magic entries). */
@inline export function requant4Prepared(acc: v128, c: i32, zp: i32, lo: i32, hi: i32): v128 {
  return i32x4.min_s(i32x4.max_s(requant4FastRaw(acc, c, zp), i32x4.splat(lo)), i32x4.splat(hi));
}

/** requant4Prepared without the clamp (the stores clamp once per 8 or 16 narrowed bytes). */
@inline function requant4FastRaw(acc: v128, c: i32, zp: i32): v128 {
  const p = fastEntry(c);
  const m = f64x2.splat(6755399441055744.0 + <f64>zp);
  const rl = magic2(f64x2.convert_low_i32x4_s(acc), v128.load(p), v128.load(p, FAST_POS), v128.load(p, FAST_D), m);
  const rh = magic2(
    f64x2.convert_low_i32x4_s(i32x4.shuffle(acc, acc, 2, 3, 2, 3)),
    v128.load(p, 16), v128.load(p, FAST_POS + 16), v128.load(p, FAST_D + 16), m,
  );
  return i32x4.shuffle(rl, rh, 0, 2, 4, 6);
}

// Saturating narrowing to s8 then the clamp equals clamping first: lo and hi are int8 bounds.
@inline function clamp8(b: v128, lo: i32, hi: i32): v128 {
  return i8x16.min_s(i8x16.max_s(b, i8x16.splat(<i8>lo)), i8x16.splat(<i8>hi));
}

/** Requantizes and stores 16 channels c..c+15 (four i32x4 sums) through the prepared table. */
export function requantFastStore16(out: usize, a0: v128, a1: v128, a2: v128, a3: v128, c: i32, zp: i32, lo: i32, hi: i32): void {
  const r0 = requant4FastRaw(a0, c, zp), r1 = requant4FastRaw(a1, c + 4, zp);
  const r2 = requant4FastRaw(a2, c + 8, zp), r3 = requant4FastRaw(a3, c + 12, zp);
  v128.store(out, clamp8(i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(r0, r1), i16x8.narrow_i32x4_s(r2, r3)), lo, hi));
}

/**
 * requantFastStore16 for ops whose lower clamp is at or above the output zero point (a fused ReLU,
 * ReLU6): without the sign term. A sum with acc * S < 0 has TFLM result <= 0 (clamped to lo, as
 * lo >= zp); dropped, the magic sum acc * S + q (q <= 1/4 + 2^-32, an exact multiple of g/2, so
 * the rounding is as in magic2) rounds to <= 0 as well, clamped to the same lo. Sums >= 0 are
 * unchanged (past MAGIC_LIMIT, |y| > 511 clamps either way; constant channels: t = q = r exactly).
 * Three f64 operations per lane pair instead of six.
 */
@inline export function requantFastStore16Relu(out: usize, a0: v128, a1: v128, a2: v128, a3: v128, c: i32, zp: i32, lo: i32, hi: i32): void {
  const m = f64x2.splat(6755399441055744.0 + <f64>zp);
  const r0 = reluRaw(a0, fastEntry(c), m), r1 = reluRaw(a1, fastEntry(c + 4), m);
  const r2 = reluRaw(a2, fastEntry(c + 8), m), r3 = reluRaw(a3, fastEntry(c + 12), m);
  v128.store(out, clamp8(i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(r0, r1), i16x8.narrow_i32x4_s(r2, r3)), lo, hi));
}

@inline function reluRaw(acc: v128, p: usize, m: v128): v128 {
  const rl = f64x2.add(f64x2.add(f64x2.mul(f64x2.convert_low_i32x4_s(acc), v128.load(p)), v128.load(p, FAST_POS)), m);
  const rh = f64x2.add(f64x2.add(f64x2.mul(f64x2.convert_low_i32x4_s(i32x4.shuffle(acc, acc, 2, 3, 2, 3)), v128.load(p, 16)), v128.load(p, FAST_POS + 16)), m);
  return i32x4.shuffle(rl, rh, 0, 2, 4, 6);
}

// Two pixels' 16 channels of sums, requantized in place to i32 lanes, then narrowed: a loop over
// the four channel blocks keeps one copy of the requantization (+0.3 KB instead of +1.2 KB inline).
const pairBuf: usize = memory.data(128, 16);

/**
 * requantFastStore16 for two pixels (a*: into outA, b*: into outB) sharing each table load: the
 * 2-pixel tiles requantize 32 outputs per call.
 */
export function requantFastStore16x2(
  outA: usize, outB: usize, a0: v128, a1: v128, a2: v128, a3: v128, b0: v128, b1: v128, b2: v128, b3: v128,
  c: i32, zp: i32, lo: i32, hi: i32,
): void {
  // A per-model build links only the forms its ops take (host/runtime-features.ts).
  if (kernelBuilt(KERNEL_CONV_F32) && f32LimBits != 0 && store16x2F32(false, outA, outB, a0, a1, a2, a3, b0, b1, b2, b3, c, zp, lo, hi)) return;
  store16x2(false, outA, outB, a0, a1, a2, a3, b0, b1, b2, b3, c, zp, lo, hi);
}

/**
 * requantFastStore16x2 for ops whose lower clamp is at or above the output zero point (a fused
 * ReLU / ReLU6: vww's, person_detect's and kws's convs), without the sign term as
 * requantFastStore16Relu (its proof): four f64 operations per lane pair instead of seven.
 */
export function requantFastStore16x2Relu(
  outA: usize, outB: usize, a0: v128, a1: v128, a2: v128, a3: v128, b0: v128, b1: v128, b2: v128, b3: v128,
  c: i32, zp: i32, lo: i32, hi: i32,
): void {
  if (kernelBuilt(KERNEL_CONV_F32_RELU) && f32LimBits != 0 && store16x2F32(true, outA, outB, a0, a1, a2, a3, b0, b1, b2, b3, c, zp, lo, hi)) return;
  store16x2(true, outA, outB, a0, a1, a2, a3, b0, b1, b2, b3, c, zp, lo, hi);
}

/** Two lanes of the magic form (relu: without the sign term, see requantFastStore16Relu). */
@inline function magicOr2(relu: bool, a: v128, s: v128, q: v128, d: v128, m: v128): v128 {
  if (relu) return f64x2.add(f64x2.add(f64x2.mul(a, s), q), m);
  return magic2(a, s, q, d, m);
}

@inline function store16x2(
  relu: bool, outA: usize, outB: usize, a0: v128, a1: v128, a2: v128, a3: v128, b0: v128, b1: v128, b2: v128, b3: v128,
  c: i32, zp: i32, lo: i32, hi: i32,
): void {
  v128.store(pairBuf, a0); v128.store(pairBuf, a1, 16); v128.store(pairBuf, a2, 32); v128.store(pairBuf, a3, 48);
  v128.store(pairBuf, b0, 64); v128.store(pairBuf, b1, 80); v128.store(pairBuf, b2, 96); v128.store(pairBuf, b3, 112);
  const m = f64x2.splat(6755399441055744.0 + <f64>zp);
  for (let i = 0; i < 4; i++) {
    const p = fastEntry(c + 4 * i), at = pairBuf + (<usize>i << 4);
    const sl = v128.load(p), pl = v128.load(p, FAST_POS);
    const sh = v128.load(p, 16), ph = v128.load(p, FAST_POS + 16);
    const dl = relu ? sl : v128.load(p, FAST_D), dh = relu ? sh : v128.load(p, FAST_D + 16);
    const a = v128.load(at), b = v128.load(at, 64);
    v128.store(at, i32x4.shuffle(
      magicOr2(relu, f64x2.convert_low_i32x4_s(a), sl, pl, dl, m),
      magicOr2(relu, f64x2.convert_low_i32x4_s(i32x4.shuffle(a, a, 2, 3, 2, 3)), sh, ph, dh, m), 0, 2, 4, 6,
    ));
    v128.store(at, i32x4.shuffle(
      magicOr2(relu, f64x2.convert_low_i32x4_s(b), sl, pl, dl, m),
      magicOr2(relu, f64x2.convert_low_i32x4_s(i32x4.shuffle(b, b, 2, 3, 2, 3)), sh, ph, dh, m), 0, 2, 4, 6,
    ), 64);
  }
  v128.store(outA, clamp8(i8x16.narrow_i16x8_s(
    i16x8.narrow_i32x4_s(v128.load(pairBuf), v128.load(pairBuf, 16)),
    i16x8.narrow_i32x4_s(v128.load(pairBuf, 32), v128.load(pairBuf, 48)),
  ), lo, hi));
  v128.store(outB, clamp8(i8x16.narrow_i16x8_s(
    i16x8.narrow_i32x4_s(v128.load(pairBuf, 64), v128.load(pairBuf, 80)),
    i16x8.narrow_i32x4_s(v128.load(pairBuf, 96), v128.load(pairBuf, 112)),
  ), lo, hi));
}

/** Requantizes and stores 8 channels c..c+7 (two i32x4 sums) through the prepared table. */
export function requantFastStore8(out: usize, a0: v128, a1: v128, c: i32, zp: i32, lo: i32, hi: i32): void {
  const r0 = requant4FastRaw(a0, c, zp), r1 = requant4FastRaw(a1, c + 4, zp);
  const b = clamp8(i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(r0, r1), r0), lo, hi);
  store<i64>(out, i64x2.extract_lane(b, 0));
}

/** requantFastStore8 without the sign term, for lo >= zp (requantFastStore16Relu's proof). */
export function requantFastStore8Relu(out: usize, a0: v128, a1: v128, c: i32, zp: i32, lo: i32, hi: i32): void {
  const m = f64x2.splat(6755399441055744.0 + <f64>zp);
  const r0 = reluRaw(a0, fastEntry(c), m), r1 = reluRaw(a1, fastEntry(c + 4), m);
  const b = clamp8(i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(r0, r1), r0), lo, hi);
  store<i64>(out, i64x2.extract_lane(b, 0));
}

/**
 * Prepares the table for channels 0..count-1 whose weights are terms int8 values each, channel c's
 * term k at wp + c*chanStride + k*termStride; bias at bp (0: none); multipliers/shifts at mp/shp;
 * inputs (after the zero-point offset inOff) within [-128 + inOff, 127 + inOff]. Returns whether
 * every channel's bound allows the magic form (magicChannel) (false also when count > FAST_CAP).
 */
export function fastPrepare(
  count: i32, wp: usize, terms: i32, termStride: i32, chanStride: i32, bp: usize, mp: usize, shp: usize, inOff: i32,
): bool {
  if (count > FAST_CAP) return false;
  const lo = -128 + inOff, hi = 127 + inOff;
  const maxX = <f64>(lo < 0 ? (-lo > hi ? -lo : hi) : hi);
  for (let c = 0; c < count; c++) {
    let sum = 0;
    let p = wp + <usize>c * <usize>chanStride;
    for (let k = 0; k < terms; k++) {
      const v = <i32>load<i8>(p);
      sum += v < 0 ? -v : v;
      p += <usize>termStride;
    }
    const o = <usize>c << 2;
    const bi = bp ? load<i32>(bp + o) : 0;
    const m = load<i32>(mp + o), sh = load<i32>(shp + o);
    const bound = Math.abs(<f64>bi) + maxX * <f64>sum;
    if (!(sum == 0 ? magicConstChannel(c, bi, m, sh) : magicChannel(c, m, sh, bound))) return false;
    if (f32Built() && f32Want) f32Entry(c, bi, sum == 0, bound);
  }
  if (f32Built() && f32Want) f32Pad(count);
  return true;
}

/**
 * fastPrepare for OPF_PACKED_W16 weights (format.ts), from the per-channel sums of |w| stored
 * after them (sums: n i32, checked at load). The table must hold whole groups of 16.
 */
export function fastPreparePacked(n: i32, sums: usize, bp: usize, mp: usize, shp: usize, inOff: i32): bool {
  if (((n + 15) & ~15) > FAST_CAP) return false;
  const lo = -128 + inOff, hi = 127 + inOff;
  const maxX = <f64>(lo < 0 ? (-lo > hi ? -lo : hi) : hi);
  for (let c = 0; c < n; c++) {
    const o = <usize>c << 2;
    const sum = load<i32>(sums + o);
    const bi = bp ? load<i32>(bp + o) : 0;
    const m = load<i32>(mp + o), sh = load<i32>(shp + o);
    const bound = Math.abs(<f64>bi) + maxX * <f64>sum;
    if (!(sum == 0 ? magicConstChannel(c, bi, m, sh) : magicChannel(c, m, sh, bound))) return false;
    if (f32Built() && f32Want) f32Entry(c, bi, sum == 0, bound);
  }
  if (f32Built() && f32Want) f32Pad(n);
  return true;
}

/** Channels c..c+3: through the prepared table when fast, else requant4Simd from mp/shp. */
@inline export function requant4Either(acc: v128, fast: bool, c: i32, mp: usize, shp: usize, zp: i32, lo: i32, hi: i32): v128 {
  if (fast) return requant4Fast(acc, c, zp, lo, hi);
  const o = <usize>c << 2;
  return requant4General(acc, mp + o, shp + o, zp, lo, hi);
}

// The f32-screened conv / GEMM stores (SIMD): depthwise_pairs.ts's session-5 screen on the magic
// table's channels. Table: per 8-channel group [S x8][e x8] as f32 (64 bytes; 8 bytes a channel),
// written next to the f64 one by fastPrepare / fastPreparePacked between f32Begin and f32Finish;
// f32LimBits is the running op's screen threshold (0: no f32 table, the f64 stores run).
let f32Tab: usize = 0;
let f32LimBits: i32 = 0;
// Preparation state: the table being written (0: none), whether every channel admits the f32
// form, and the largest |acc * S| bound over the channels.
let f32Want: usize = 0;
let f32Ok: bool = false;
let f32YMax: f64 = 0;

const U32: f64 = 5.9604644775390625e-8; // 2^-24, the unit roundoff of f32

/** Whether this build has an f32 store form (a per-model build without one links no table code). */
@inline export function f32Built(): bool {
  return ASC_FEATURE_SIMD && (kernelBuilt(KERNEL_CONV_F32) || kernelBuilt(KERNEL_CONV_F32_RELU) || kernelBuilt(KERNEL_CONV_F32_4X8));
}
const F32_CLAMPED: f64 = 258.0;

/** Starts an f32 table at `at` (channel count rounded up to 16, 8 bytes each) for the next fastPrepare*. */
export function f32Begin(at: usize): void {
  f32Want = at;
  f32Ok = true;
  f32YMax = 0;
}

/**
 * Channel c's f32 entries after magicChannel / magicConstChannel accepted it: S = fl(S) and
 * e = 2^-(R+1) (d / 2 of the magic entries), when |acc| <= bound <= 2^24 (exact in f32). A
 * channel of zero weights (`constant`: acc is the bias, the output the constant r of
 * magicConstChannel) gets S = 0 with the sign of the bias, so acc * S = +0 in both forms and
 * w = +0 + r = r (|r| <= 2^20 for the magic add).
 */
function f32Entry(c: i32, bias: i32, constant: bool, bound: f64): void {
  const p = fastEntry(c);
  const q = f32Want + (<usize>(c >> 3) << 6) + (<usize>(c & 7) << 2);
  if (constant) {
    const r = load<f64>(p, FAST_POS);
    if (Math.abs(r) > 1048576.0) f32Ok = false;
    store<f32>(q, bias < 0 ? -0.0 : 0.0);
    store<f32>(q, <f32>r, 32);
    return;
  }
  const S = load<f64>(p);
  if (bound > 16777216.0) f32Ok = false;
  if (bound * S > f32YMax) f32YMax = bound * S;
  store<f32>(q, <f32>S);
  store<f32>(q, <f32>(load<f64>(p, FAST_D) * 0.5), 32);
}

/** Zero entries for channels n..(rounded up to 16): padded lanes (zero weights and bias) pass the screen. */
function f32Pad(n: i32): void {
  for (let c = n; c & 15; c++) {
    const q = f32Want + (<usize>(c >> 3) << 6) + (<usize>(c & 7) << 2);
    store<f32>(q, 0);
    store<f32>(q, 0, 32);
  }
}

/**
 * Ends f32Begin's table: the screen threshold's bits for useF32Table, 0 when a channel does not
 * admit the f32 form (or the fastPrepare* call failed: the caller then has no table at all).
 *
 * Why the screen is exact (depthwise_pairs.ts f32Prepare, for these entries): TFLM's result is
 * floor(v), v - 1/2 = y + copysign(e, y), y = acc * S (magicChannel). The store computes
 * w = fl(fl(acc * fl(S)) + copysign(e, .)): acc is exact in f32 (|acc| <= 2^24), fl keeps the sign
 * of y, and with u = 2^-24 the three roundings give |w - (v - 1/2)| <= 3.01u|y| + u*e <
 * tau = (3.02 * yMax + 1) * u (e <= 1/4). n = round(w) (the magic add 1.5 * 2^23, exact while
 * |w| < 2^22: yMax <= 2^20); when |w - n| < lim = 1/2 - 2 * tau, v - 1/2 lies strictly within 1/2
 * of n, so floor(v) = n. A block with any lane nearer a tie takes the exact f64 form.
 *
 * The screen only needs lanes with |y| < F32_CLAMPED = 258 (so yMax is capped there; vww's 1x1
 * convs have bounds of |y| up to ~2^12, which sent 3-11 % of blocks to f64): past it TFLM's
 * r = floor(v) (within 3/4 of y) has |r| >= 256, and the f32 n (within 1/2 + 0.19 of v - 1/2, by
 * the bound above with |y| <= 2^20) has |n| >= 257 with the same sign, so with any zero point in
 * [-128, 127] both r + zp and n + zp lie beyond the same end of the int8 range and clamp alike.
 */
export function f32Finish(): i32 {
  const ok = f32Ok && f32Want != 0 && f32YMax <= 1048576.0;
  f32Want = 0;
  if (!ok) return 0;
  const y = f32YMax < F32_CLAMPED ? f32YMax : F32_CLAMPED;
  const lim = <f32>(0.5 - 2.0 * (3.02 * y + 1.0) * U32);
  return (reinterpret<i32>(lim) << 1) - 1;
}

/** The running op's f32 table, 0 when it has none (gemm_packed.ts's column tiles). */
@inline export function f32TableAt(): usize {
  return f32LimBits != 0 ? f32Tab : 0;
}
/** The running op's screen threshold bits (f32Finish). */
@inline export function f32Lim(): i32 {
  return f32LimBits;
}

/** The running op's f32 table (after useFastTable): f32Finish's bits, 0 for none. */
export function useF32Table(at: usize, limBits: i32): void {
  f32Tab = at;
  f32LimBits = limBits;
}

/**
 * One f32x4 of the f32-screened requantization (conv / GEMM, depthwise and one-row FC stores):
 * w = y + copysign(e, y) with y = acc * S (the sign bit of y or-ed into e >= 0; a constant
 * channel's e = r keeps its own sign as y = +0), or y + e when `relu` (the op's lower clamp is at
 * or above its output zero point, as for TFLite's ReLU / ReLU6 int8 outputs).
 *
 * Why dropping the sign term is exact then: it only changes lanes with y < 0 (acc = 0 gives
 * y = +0 in both forms). There TFLM's n = floor(y + 1/2 - e) <= 0 (y < 0, e >= 0), and the f32
 * form's w = fl(fl(acc * S) + e) <= e <= 1/4 (fl keeps the sign of a negative product and is
 * monotone), so round(w) <= 0 too. Either way n + zp <= zp <= lo, and both clamp to lo. The screen
 * still runs on those lanes; it can only send a block to the exact form.
 */
@inline export function f32ScreenW(acc: v128, s: v128, e: v128, relu: bool): v128 {
  const y = f32x4.mul(f32x4.convert_i32x4_s(acc), s);
  return f32x4.add(y, relu ? e : v128.or(v128.and(y, i32x4.splat(0x80000000)), e));
}

/**
 * 16 channels of one pixel in f32 to `out` (c % 16 == 0, table entries at p); returns the block's
 * largest |w - n| as float bits shifted left by one (non-negative floats below 2 order as their
 * bits: the screen is one signed compare). The bytes are stored before the screen: a failed block
 * is rewritten by the f64 form.
 */
@inline function f32Store16(out: usize, a0: v128, a1: v128, a2: v128, a3: v128, p: usize, zp: i32, lo: i32, hi: i32, relu: bool): v128 {
  const mg = f32x4.splat(12582912.0);
  const w0 = f32ScreenW(a0, v128.load(p), v128.load(p, 32), relu), w1 = f32ScreenW(a1, v128.load(p, 16), v128.load(p, 48), relu);
  const w2 = f32ScreenW(a2, v128.load(p, 64), v128.load(p, 96), relu), w3 = f32ScreenW(a3, v128.load(p, 80), v128.load(p, 112), relu);
  const t0 = f32x4.add(w0, mg), t1 = f32x4.add(w1, mg), t2 = f32x4.add(w2, mg), t3 = f32x4.add(w3, mg);
  const d0 = f32x4.sub(w0, f32x4.sub(t0, mg)), d1 = f32x4.sub(w1, f32x4.sub(t1, mg));
  const d2 = f32x4.sub(w2, f32x4.sub(t2, mg)), d3 = f32x4.sub(w3, f32x4.sub(t3, mg));
  // t's bits are 0x4B400000 + n: n + zp by one integer subtract.
  const k = i32x4.splat(0x4B400000 - zp);
  v128.store(out, clamp8(i8x16.narrow_i16x8_s(
    i16x8.narrow_i32x4_s(i32x4.sub(t0, k), i32x4.sub(t1, k)),
    i16x8.narrow_i32x4_s(i32x4.sub(t2, k), i32x4.sub(t3, k))), lo, hi));
  return i32x4.max_s(i32x4.max_s(i32x4.shl(d0, 1), i32x4.shl(d1, 1)), i32x4.max_s(i32x4.shl(d2, 1), i32x4.shl(d3, 1)));
}

/**
 * Two pixels' 16 channels through the f32 table; false: a lane near a tie (the caller's f64 form
 * rewrites all 32). Inline in each 2-pixel store: through pairBuf and a shared call it ran
 * 1.02-1.06x as long as the f64 stores on vww's 1x1 convs instead of 0.91-0.98x.
 */
@inline function store16x2F32(
  relu: bool, outA: usize, outB: usize, a0: v128, a1: v128, a2: v128, a3: v128, b0: v128, b1: v128, b2: v128, b3: v128,
  c: i32, zp: i32, lo: i32, hi: i32,
): bool {
  const p = f32Tab + (<usize>c << 3);
  const m = i32x4.max_s(f32Store16(outA, a0, a1, a2, a3, p, zp, lo, hi, relu), f32Store16(outB, b0, b1, b2, b3, p, zp, lo, hi, relu));
  return !v128.any_true(i32x4.gt_s(m, i32x4.splat(f32LimBits)));
}

/** Whether the running op's 4x8 tiles take the f32 ReLU store (per-model switch, f32 table). */
@inline export function f32Ready4x8(): bool {
  return kernelBuilt(KERNEL_CONV_F32_4X8) && f32LimBits != 0;
}

/** Two pixels' 8 channels (table entries at p) in f32 to outA / outB; returns f32Store16's screen value. */
@inline function f32Store8x2(outA: usize, outB: usize, a0: v128, a1: v128, b0: v128, b1: v128, p: usize, zp: i32, lo: i32, hi: i32, relu: bool): v128 {
  const mg = f32x4.splat(12582912.0);
  const s0 = v128.load(p), s1 = v128.load(p, 16), e0 = v128.load(p, 32), e1 = v128.load(p, 48);
  const w0 = f32ScreenW(a0, s0, e0, relu), w1 = f32ScreenW(a1, s1, e1, relu), w2 = f32ScreenW(b0, s0, e0, relu), w3 = f32ScreenW(b1, s1, e1, relu);
  const t0 = f32x4.add(w0, mg), t1 = f32x4.add(w1, mg), t2 = f32x4.add(w2, mg), t3 = f32x4.add(w3, mg);
  const d0 = f32x4.sub(w0, f32x4.sub(t0, mg)), d1 = f32x4.sub(w1, f32x4.sub(t1, mg));
  const d2 = f32x4.sub(w2, f32x4.sub(t2, mg)), d3 = f32x4.sub(w3, f32x4.sub(t3, mg));
  const k = i32x4.splat(0x4B400000 - zp);
  const b = clamp8(i8x16.narrow_i16x8_s(
    i16x8.narrow_i32x4_s(i32x4.sub(t0, k), i32x4.sub(t1, k)),
    i16x8.narrow_i32x4_s(i32x4.sub(t2, k), i32x4.sub(t3, k))), lo, hi);
  v128.store64_lane(outA, b, 0);
  v128.store64_lane(outB, b, 1);
  return i32x4.max_s(i32x4.max_s(i32x4.shl(d0, 1), i32x4.shl(d1, 1)), i32x4.max_s(i32x4.shl(d2, 1), i32x4.shl(d3, 1)));
}

/**
 * The f32 form of the 4x8 tiles' stores (four pixels' channels 0..7 to y0 + j * ys). Only the ReLU
 * form: the 4x8 tiles serve first convs (at most 8 channels), which end in ReLU in the bench models
 * (vww's 3 -> 8 first conv 0.80-0.91x); a signed form would add ~0.9 KB for none of them.
 */
@inline function store4x8F32(
  relu: bool, y0: usize, ys: usize, a0: v128, a1: v128, b0: v128, b1: v128, c0: v128, c1: v128, d0: v128, d1: v128,
  zp: i32, lo: i32, hi: i32,
): bool {
  const p = f32Tab;
  const m = i32x4.max_s(
    f32Store8x2(y0, y0 + ys, a0, a1, b0, b1, p, zp, lo, hi, relu),
    f32Store8x2(y0 + 2 * ys, y0 + 3 * ys, c0, c1, d0, d1, p, zp, lo, hi, relu));
  return !v128.any_true(i32x4.gt_s(m, i32x4.splat(f32LimBits)));
}

/**
 * Four pixels' channels 0..7 (the 4x8 tiles of ops with at most 8 channels) to y0 + j * ys through
 * the f32 table without the sign term (lo >= zp, after f32Ready4x8(); f32ScreenW's proof); false: a lane
 * near a tie, redo them in f64.
 */
export function requantF32Store4x8Relu(
  y0: usize, ys: usize, a0: v128, a1: v128, b0: v128, b1: v128, c0: v128, c1: v128, d0: v128, d1: v128, zp: i32, lo: i32, hi: i32,
): bool {
  return store4x8F32(true, y0, ys, a0, a1, b0, b1, c0, c1, d0, d1, zp, lo, hi);
}
