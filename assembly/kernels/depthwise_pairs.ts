// int8 depthwise (M == 1, C >= 8) with taps in pairs: per output pixel a table of tap addresses
// (a padded tap points at a row of input zero points), weights re-packed once per op run as i16
// tap pairs so i32x4.dot_i16x8_s does 2 taps x 4 channels per instruction (SIMD build; the scalar
// build reads them in place), and the input zero-point term folded into the bias.
//
// Why folding is exact at the borders too: TFLM skips padded taps, i.e. adds 0 for them; with the
// raw x and bias' = bias - zp * sum(w) a tap contributes x * w - zp * w = (x - zp) * w, which is 0
// when x is read from the zero-point row. So every pixel takes the same code and the same i32 sum
// TFLM computes (integer sums are exact in any order); requantization is TFLM's.
//
// 3x3 stride 1 / 2 (SIMD) instead sweeps each output row per 8 channels (dwRow3x3): every input
// column is loaded and interleaved once for the pixels that read it, through row pointers, and
// the row's sums are requantized after the sweep.
import { STORAGE_EMPTY } from '../../format/format';
import { opIn, opOut, opParam, tdim, trank, tptr, tzp, tstorage } from '../state';
import { mbqmInline, mbqmCall, clampi } from '../fixedpoint';
import { requantStore16, requantStore8 } from '../requant_simd';
import { fastChannel, fastEntry, useFastTable, f32ScreenW, FAST_CAP, FAST_POS as POS_OFF, FAST_D as D_OFF } from '../requant_fast';
import { PREPARED_DW_HEAD } from '../../format/prepared';
import { preparedTable } from '../prepared';
import { kernelBuilt } from '../features';
import { xwA } from './gemm_packed';
import { KERNEL_DW_F32_RELU, KERNEL_DW_F32_CLAMP, KERNEL_DW_COLS, KERNEL_DW_PIXELS } from '../../format/runtime-features';

/** Most taps an op may have here; larger ops take the generic kernel. The channel buffers live in
 * the op's scratch (format/kernel-scratch.ts: set by useDwPairs before the op runs): DW_CAP
 * channels (0: the op does not fit this kernel), PACK_BYTES of packed copy (SIMD build; 0: too
 * many for it). */
const TAP_CAP: i32 = 32;
let DW_CAP: i32 = 0;
let PACK_BYTES: i32 = 0;
// i16 tap pairs, [16-channel block][pair][4 quads of 4 channels x 2 taps] (SIMD build only).
let packed: usize = 0;
let biasFold: usize = 0;
let zpRow: usize = 0;
// Per pixel: the input address of each tap (padded taps: zpRow); one spare for an odd count.
const tapAddr: usize = memory.data((TAP_CAP + 1) * 4, 16);
// Interior pixels: each tap's byte offset from the pixel's first tap.
const tapOff: usize = memory.data((TAP_CAP + 1) * 4, 16);
// Sum of |w| over the taps of 16 channels (i16 lanes), for the requantization bound.
const sumAbs: usize = ASC_FEATURE_SIMD ? memory.data(32, 16) : 0;
// 8-channel groups (bit g: channels 8g..8g+7) holding a channel whose bound rules out the magic
// requantization while the op's others allow it (vww has a few with biases near 2^26 and right
// shifts past 20): those groups take the integer requantization, the rest keep the magic one.
let badGroups: u64 = 0;

/** Channel c failed magicPrepare: its group leaves the magic form (false: no table at all). */
function markBad(c: i32): bool {
  if (c >= FAST_CAP) return false;
  badGroups |= <u64>1 << <u64>(c >> 3);
  return true;
}

// The f32-screened requantization (store8x2Fast, SIMD): per 8-channel group [S x8][e x8] as f32
// (64 bytes), in the op's scratch (useDwF32) or, for depthwise_c1m8_3x3 (8 channels), in the
// unused half of its 16-channel f64 table. f32Lim is the running op's screen threshold (<= 0: off).
export let f32Tab: usize = 0;
let F32_CAP: i32 = 0;
export let f32Lim: f32 = 0;
// The running op's output zero point and lower clamp are -128, its upper one 127: see f32ScreenW.
export let f32Relu: bool = false;
// (bits of f32Lim << 1) - 1: |w - n| >= f32Lim when absBits(w - n) > this (see absBits).
export let f32LimBits: i32 = 0;
// Largest accumulator bound and |acc * S| bound over the channels magicPrepare* accepted.
let boundMax: f64 = 0;
let yMax: f64 = 0;
// magicPrepare4's lanes of the same, f64x2 each (folded into boundMax / yMax by f32Prepare).
const maxLanes: usize = ASC_FEATURE_SIMD ? memory.data(32, 16) : 0;

/** The op's f32 table: `channels` (a multiple of 16) entries of 8 bytes from `at` (scratch.ts). */
export function useDwF32(at: usize, channels: i32): void {
  f32Tab = at;
  F32_CAP = channels;
}

/** The op's buffers: `channels` (a multiple of 16) of folded bias and zero-point row from `at`,
 * then `packBytes` of tap pairs (scratch.ts). */
export function useDwPairs(at: usize, channels: i32, packBytes: i32): void {
  DW_CAP = channels;
  PACK_BYTES = packBytes;
  biasFold = at;
  zpRow = at + (<usize>channels << 2);
  packed = zpRow + <usize>channels;
}

// A depthwise op prepared at load (format/prepared.ts preparedDwBytes; prepared.ts): a header,
// then requant_fast.ts's table, the folded bias, the zero-point row, the packed weights and the
// f32 table (C16 channels each).
const DR_FAST = 0, DR_BAD = 8, DR_LIM = 16, DR_LIM_BITS = 20, DR_RELU = 24;

function bindRecord(rec: usize, C16: i32, PS: i32): void {
  const at = rec + <usize>PREPARED_DW_HEAD;
  useFastTable(at, C16);
  useDwPairs(at + <usize>C16 * 24, C16, C16 * PS * 4);
  useDwF32(packed + <usize>PACK_BYTES, C16);
}

/**
 * 3x3 stride 1 (SIMD) swept down the columns instead of along the rows: images at least twice as
 * tall as wide (KWS's 25 x 5), where a row sweep would pay its start-up every few pixels. The same
 * conditions as dwRow3x3 with x and y swapped; the weights are paired for it (slotTap).
 */
function dwTransposed(op: usize): bool {
  const x = opIn(op, 0), y = opOut(op, 0);
  const H = tdim(x, 1), OH = tdim(y, 1), OW = tdim(y, 2), pt = opParam(op, 4);
  return ASC_FEATURE_SIMD && kernelBuilt(KERNEL_DW_COLS) && opParam(op, 0) == 1 && opParam(op, 1) == 1 && OW * 2 <= OH && pt >= 0 && pt <= 1 && OH + 1 - pt <= H;
}

/**
 * At load: op's per-run preparation (dwSetup) into its record at rec, and the state the run reads
 * back. The op is int8, M == 1, C % 8 == 0, C >= 8, at most TAP_CAP taps (prepared.ts).
 */
export function dwPrepare(op: usize, rec: usize): void {
  const x = opIn(op, 0), w = opIn(op, 1), y = opOut(op, 0);
  const C = tdim(x, 3);
  const wr = trank(w);
  const KH = tdim(w, wr - 3), KW = tdim(w, wr - 2);
  const K = KH * KW, P = (K + 1) >> 1, C16 = (C + 15) & ~15;
  bindRecord(rec, C16, P);
  const k9 = KH == 3 && KW == 3;
  const sw = opParam(op, 1);
  const pairs = k9 && (sw == 1 || sw == 2) && opParam(op, 3) == 1 && opParam(op, 2) == 1;
  const hasBias = tstorage(opIn(op, 2)) != STORAGE_EMPTY;
  const amin = opParam(op, 9), amax = opParam(op, 10);
  badGroups = 0;
  const fast = dwSetup(C, K, P, C16, k9, pairs && dwTransposed(op), sw == 2, tptr(w), hasBias ? tptr(opIn(op, 2)) : 0, hasBias,
    tptr(opIn(op, 3)), tptr(opIn(op, 4)), tzp(x), tzp(y), amin, amax, C & ~7);
  store<i32>(rec, fast ? 1 : 0, DR_FAST);
  store<u64>(rec, badGroups, DR_BAD);
  store<f32>(rec, f32Lim, DR_LIM);
  store<i32>(rec, f32LimBits, DR_LIM_BITS);
  store<i32>(rec, f32Relu ? 1 : 0, DR_RELU);
}

const MAGIC: f64 = 6755399441055744.0; // 2^52 + 2^51: x + MAGIC holds integer x in its low 32 bits

/**
 * Channel c's table entry of requant_fast.ts, rewritten for requant4Magic (after fastChannel
 * accepted the channel with twice the accumulator bound, so |acc * 2^left * M| <= 2^51):
 * pos column q = e + g/2, d column 2e, with g = 2^-(31+R) and e = 2^-(R+1) (0 when R = 0).
 *
 * Why: TFLM's result is floor(v), v = y + 1/2 + e - [y < 0] * 2e, y = acc * S a multiple of g.
 * For v on the grid g, floor(v) = round-to-nearest(v - 1/2 + g/2), and v - 1/2 + g/2 = y + q -
 * [y < 0] * 2e is an odd multiple of g/2, never a tie. With |y| <= 2^(20-R) (the halved bound)
 * that sum needs at most 53 bits at g/2, so f64 computes it exactly, and adding 2^52 + 2^51 + zp
 * rounds it to the nearest integer: one add instead of floor plus add.
 */
function magicChannel(c: i32, shift: i32): void {
  const R = shift > 0 ? 0 : -shift;
  const halfG = reinterpret<f64>(<i64>(1023 - 32 - R) << 52);
  const e = R > 0 ? reinterpret<f64>(<i64>(1023 - R - 1) << 52) : 0.0;
  const p = fastEntry(c);
  store<f64>(p, e + halfG, POS_OFF);
  store<f64>(p, e + e, D_OFF);
}

/**
 * Accepts channel c for the magic requantization (see magicChannel). A call: its callers run once
 * per op (at load when prepared), and each inlined copy cost ~100 B.
 */
export function magicPrepare(c: i32, mult: i32, shift: i32, accBound: f64): bool {
  if (!fastChannel(c, mult, shift, accBound + accBound)) return false;
  magicChannel(c, shift);
  if (ASC_FEATURE_SIMD) trackBound(accBound, accBound * load<f64>(fastEntry(c)));
  return true;
}

@inline function trackBound(a: f64, y: f64): void {
  if (a > boundMax) boundMax = a;
  if (y > yMax) yMax = y;
}

/** Starts an op's magicPrepare* calls (their bounds feed f32Prepare). */
export function magicBegin(): void {
  boundMax = 0;
  yMax = 0;
  if (ASC_FEATURE_SIMD) {
    v128.store(maxLanes, i64x2.splat(0));
    v128.store(maxLanes, i64x2.splat(0), 16);
  }
  f32Lim = 0;
}

const U32: f64 = 5.9604644775390625e-8; // 2^-24, the unit roundoff of f32

/**
 * After an op's magicPrepare* calls: the f32 table of channels [0, count) (count % 8 == 0), from
 * the f64 one, and the screen threshold, when every accepted channel's bounds allow it
 * (|acc| <= 2^24: exact in f32; |acc * S| <= 2^20: the rounded value fits store8x2F32's magic
 * add). c1m8: the C = 1 kernel's static table instead of the op's scratch. relu: the op's output
 * zero point and lower clamp are -128, its upper clamp 127 (the stores drop the sign term and the
 * clamp, f32ScreenW).
 *
 * Why the screen is exact: store8x2F32 computes w = fl(fl(acc * fl(S)) + copysign(e, .)) where
 * TFLM's result is floor(v), v - 1/2 = y + copysign(e, y) (y = acc * S; see magicChannel; e = 0
 * when R = 0). With u = 2^-24 the three roundings give |w - (v - 1/2)| <= |y| * 3.01u + e*u <
 * tau = (3.02 * yMax + 1) * u (e <= 1/4). Let n = round(w) (the magic add); when |w - n| <= lim
 * <= 1/2 - tau, v - 1/2 lies strictly within 1/2 of n, so floor(v) = n. Lanes nearer a tie than
 * that (a few per thousand at most) make the 16 outputs take the exact f64 form.
 *
 * The threshold only has to hold for lanes with |y| < 258 (yMax is capped there: vww / person_detect
 * have channels with bounds of |y| in the thousands, which loosened lim for all of them). For
 * |y| >= 258, TFLM's r = floor(v) lies within 3/4 of y (|v - 1/2 - y| = e <= 1/4), so |r| >= 258 - 3/4,
 * |r| >= 258 as an integer; the f32 n (within 1/2 of w, w within tau < 0.19 of v - 1/2 for
 * yMax <= 2^20) lies within 0.94 of y, |n| >= 258 with the same sign. With any zero point in
 * [-128, 127] both r + zp and n + zp lie past the same end of the int8 range, and the clamp (or
 * the narrowing's saturation in the `relu` form) gives the same byte whether or not the lane passed
 * the screen.
 */
export function f32Prepare(count: i32, c1m8: bool, relu: bool): void {
  f32Lim = 0;
  f32Relu = relu;
  if (c1m8 ? FAST_CAP < 16 : count > F32_CAP || count > FAST_CAP) return;
  const bm = v128.load(maxLanes), ym = v128.load(maxLanes, 16);
  trackBound(f64x2.extract_lane(bm, 0), f64x2.extract_lane(ym, 0));
  trackBound(f64x2.extract_lane(bm, 1), f64x2.extract_lane(ym, 1));
  if (boundMax > 16777216.0 || yMax > 1048576.0) return;
  if (c1m8) f32Tab = fastEntry(8);
  const tab = f32Tab;
  const half = f64x2.splat(0.5);
  for (let c = 0; c < count; c += 4) {
    const p = fastEntry(c);
    const q = tab + (<usize>(c >> 3) << 6) + (<usize>(c & 4) << 2);
    v128.store(q, i32x4.shuffle(f32x4.demote_f64x2_zero(v128.load(p)), f32x4.demote_f64x2_zero(v128.load(p, 16)), 0, 1, 4, 5));
    v128.store(q, i32x4.shuffle(
      f32x4.demote_f64x2_zero(f64x2.mul(v128.load(p, D_OFF), half)),
      f32x4.demote_f64x2_zero(f64x2.mul(v128.load(p, D_OFF + 16), half)), 0, 1, 4, 5), 32);
  }
  // Only lanes with |y| < 258 need the tight threshold (see above); past it both forms clamp alike.
  const yCap = yMax < 258.0 ? yMax : 258.0;
  f32Lim = <f32>(0.5 - 2.0 * (3.02 * yCap + 1.0) * U32);
  f32LimBits = (reinterpret<i32>(f32Lim) << 1) - 1;
}

// One f32x4 of the f32 stores is requant_fast.ts f32ScreenW (its comment: why the `relu` form,
// taken when the op's output zero point and lower clamp are -128 and its upper one 127, may drop
// the sign term; with lo = -128 and hi = 127 the clamp itself is the narrowing's saturation, so
// `relu` stores skip it too).

/**
 * The bits of |d| shifted left by one, as i32 lanes: for the non-negative floats below 2^31 >> 1
 * bits (|d| <= 1/2 here) their order is the floats' order, so the largest |w - n| of a block is one
 * signed max tree and its screen one compare against f32LimBits.
 */
@inline function absBits(d: v128): v128 {
  return i32x4.shl(d, 1);
}

/** store8x2Fast's f32 form for one `relu` (see f32ScreenW); false: a lane near a tie, nothing stored. */
@inline function store8x2F32(outA: usize, outB: usize, a0: v128, a1: v128, b0: v128, b1: v128, c: i32, zp: i32, lo: i32, hi: i32, relu: bool): bool {
  const p = f32Tab + (<usize>c << 3);
  const s0 = v128.load(p), s1 = v128.load(p, 16), e0 = v128.load(p, 32), e1 = v128.load(p, 48);
  const mg = f32x4.splat(12582912.0);
  const wa0 = f32ScreenW(a0, s0, e0, relu), wa1 = f32ScreenW(a1, s1, e1, relu);
  const wb0 = f32ScreenW(b0, s0, e0, relu), wb1 = f32ScreenW(b1, s1, e1, relu);
  const ta0 = f32x4.add(wa0, mg), ta1 = f32x4.add(wa1, mg), tb0 = f32x4.add(wb0, mg), tb1 = f32x4.add(wb1, mg);
  // w - n per lane; the screen needs the largest |w - n| (absBits: one integer compare).
  const da0 = f32x4.sub(wa0, f32x4.sub(ta0, mg)), da1 = f32x4.sub(wa1, f32x4.sub(ta1, mg));
  const db0 = f32x4.sub(wb0, f32x4.sub(tb0, mg)), db1 = f32x4.sub(wb1, f32x4.sub(tb1, mg));
  const m = i32x4.max_s(i32x4.max_s(absBits(da0), absBits(da1)), i32x4.max_s(absBits(db0), absBits(db1)));
  if (v128.any_true(i32x4.gt_s(m, i32x4.splat(f32LimBits)))) return false;
  const k = i32x4.splat(0x4B400000 - zp);
  let b = i8x16.narrow_i16x8_s(
    i16x8.narrow_i32x4_s(i32x4.sub(ta0, k), i32x4.sub(ta1, k)),
    i16x8.narrow_i32x4_s(i32x4.sub(tb0, k), i32x4.sub(tb1, k)));
  if (!relu) b = i8x16.min_s(i8x16.max_s(b, i8x16.splat(<i8>lo)), i8x16.splat(<i8>hi));
  v128.store64_lane(outA, b, 0);
  v128.store64_lane(outB, b, 1);
  return true;
}

/**
 * store8x2Magic through the f32 table when f32Prepare made one: 4 lanes per instruction instead of 2, no
 * sign compare. The rounded w + 1.5 * 2^23 holds n in its low bits (bits = 0x4B400000 + n).
 */
@inline export function store8x2Fast(outA: usize, outB: usize, a0: v128, a1: v128, b0: v128, b1: v128, c: i32, zp: i32, lo: i32, hi: i32): void {
  if (f32Lim > 0) {
    // A per-model build links only the forms its ops take (host/runtime-features.ts).
    if (f32Relu ? kernelBuilt(KERNEL_DW_F32_RELU) && store8x2F32(outA, outB, a0, a1, b0, b1, c, zp, lo, hi, true)
      : kernelBuilt(KERNEL_DW_F32_CLAMP) && store8x2F32(outA, outB, a0, a1, b0, b1, c, zp, lo, hi, false)) return;
  }
  store8x2Slow(outA, outB, a0, a1, b0, b1, c, zp, lo, hi);
}

/** store16Fast's f32 form for one `relu` (see f32ScreenW). */
@inline function store16F32(out: usize, a0: v128, a1: v128, a2: v128, a3: v128, c: i32, zp: i32, lo: i32, hi: i32, relu: bool): bool {
  const p = f32Tab + (<usize>c << 3);
  const mg = f32x4.splat(12582912.0);
  const w0 = f32ScreenW(a0, v128.load(p), v128.load(p, 32), relu), w1 = f32ScreenW(a1, v128.load(p, 16), v128.load(p, 48), relu);
  const w2 = f32ScreenW(a2, v128.load(p, 64), v128.load(p, 96), relu), w3 = f32ScreenW(a3, v128.load(p, 80), v128.load(p, 112), relu);
  const t0 = f32x4.add(w0, mg), t1 = f32x4.add(w1, mg), t2 = f32x4.add(w2, mg), t3 = f32x4.add(w3, mg);
  const d0 = f32x4.sub(w0, f32x4.sub(t0, mg)), d1 = f32x4.sub(w1, f32x4.sub(t1, mg));
  const d2 = f32x4.sub(w2, f32x4.sub(t2, mg)), d3 = f32x4.sub(w3, f32x4.sub(t3, mg));
  const m = i32x4.max_s(i32x4.max_s(absBits(d0), absBits(d1)), i32x4.max_s(absBits(d2), absBits(d3)));
  if (v128.any_true(i32x4.gt_s(m, i32x4.splat(f32LimBits)))) return false;
  const k = i32x4.splat(0x4B400000 - zp);
  const b = i8x16.narrow_i16x8_s(
    i16x8.narrow_i32x4_s(i32x4.sub(t0, k), i32x4.sub(t1, k)),
    i16x8.narrow_i32x4_s(i32x4.sub(t2, k), i32x4.sub(t3, k)));
  v128.store(out, relu ? b : i8x16.min_s(i8x16.max_s(b, i8x16.splat(<i8>lo)), i8x16.splat(<i8>hi)));
  return true;
}

/** store16Magic through the f32 table when there is one (c % 16 == 0; single output pixels). */
function store16Fast(out: usize, a0: v128, a1: v128, a2: v128, a3: v128, c: i32, zp: i32, lo: i32, hi: i32): void {
  if (f32Lim > 0) {
    if (f32Relu ? kernelBuilt(KERNEL_DW_F32_RELU) && store16F32(out, a0, a1, a2, a3, c, zp, lo, hi, true)
      : kernelBuilt(KERNEL_DW_F32_CLAMP) && store16F32(out, a0, a1, a2, a3, c, zp, lo, hi, false)) return;
  }
  store16Magic(out, a0, a1, a2, a3, c, zp, lo, hi);
}

/** store8x2Fast's exact fallback, out of line: its calls would make V8 save the inputs. */
function store8x2Slow(outA: usize, outB: usize, a0: v128, a1: v128, b0: v128, b1: v128, c: i32, zp: i32, lo: i32, hi: i32): void {
  store8x2Magic(outA, outB, a0, a1, b0, b1, c, zp, lo, hi);
}


/** 2^k per lane for integer k in [-1022, 1023] (lanes 0-1 of k, or 2-3 when `high`), exactly. */
@inline function pow2x2(k: v128, high: bool): v128 {
  const b = i32x4.add(k, i32x4.splat(1023));
  return i64x2.shl(high ? i64x2.extend_high_i32x4_s(b) : i64x2.extend_low_i32x4_s(b), 52);
}

/**
 * magicPrepare for channels c..c+3 (c % 4 == 0) at once, from their multipliers, shifts and
 * accumulator bounds (lo: channels c, c+1; hi: c+2, c+3): the same checks as fastChannel and the
 * same table entries as magicChannel, in f64x2 lanes (late layers, 3x3 pixels x 256 channels,
 * spent about as long preparing the table channel by channel as running the op).
 */
function magicPrepare4(c: i32, mult: v128, shift: v128, boundLo: v128, boundHi: v128): bool {
  if (c + 4 > FAST_CAP) return false;
  const zero = i32x4.splat(0);
  const left = i32x4.max_s(shift, zero), right = i32x4.max_s(i32x4.neg(shift), zero);
  if (v128.any_true(v128.or(i32x4.lt_s(mult, zero), v128.or(i32x4.gt_s(right, i32x4.splat(20)), i32x4.gt_s(left, i32x4.splat(30)))))) return false;
  const p = fastEntry(c);
  const rIn = i32x4.gt_s(right, zero);
  for (let h = 0; h < 2; h++) {
    const high = h == 1;
    const m = high ? f64x2.convert_low_i32x4_s(i32x4.shuffle(mult, mult, 2, 3, 2, 3)) : f64x2.convert_low_i32x4_s(mult);
    const bound = high ? boundHi : boundLo;
    // fastChannel with twice the bound: |acc| * 2^left < 2^31, |acc| * 2^left * M <= 2^52.
    const scaled = f64x2.mul(f64x2.add(bound, bound), pow2x2(left, high));
    if (v128.any_true(v128.or(f64x2.gt(scaled, f64x2.splat(2147483647.0)), f64x2.gt(f64x2.mul(scaled, m), f64x2.splat(4503599627370496.0))))) return false;
    const o = <usize>(h << 4);
    const S = f64x2.mul(m, pow2x2(i32x4.sub(shift, i32x4.splat(31)), high));
    v128.store(p + o, S);
    v128.store(maxLanes, f64x2.pmax(v128.load(maxLanes), bound));
    v128.store(maxLanes, f64x2.pmax(v128.load(maxLanes, 16), f64x2.mul(bound, S)), 16);
    const nr = i32x4.neg(right);
    const e = v128.and(pow2x2(i32x4.sub(nr, i32x4.splat(1)), high), high ? i64x2.extend_high_i32x4_s(rIn) : i64x2.extend_low_i32x4_s(rIn));
    v128.store(p + o, f64x2.add(e, pow2x2(i32x4.sub(nr, i32x4.splat(32)), high)), POS_OFF);
    v128.store(p + o, f64x2.add(e, e), D_OFF);
  }
  return true;
}

/**
 * mbqm(acc, M_c, shift_c) + zp for channels c..c+3 (not clamped: the i8 narrowing and clamp of the
 * caller follow) from the table magicChannel prepared, as the low 32 bits of y + q - [y < 0] * 2e
 * + 2^52 + 2^51 + zp. A call, like requant4Magic2: four inlined copies spilled in store16Magic
 * (no slower as calls in kws/vww, SIMD -0.9 KB).
 */
function requant4Magic(acc: v128, c: i32, magicZp: v128): v128 {
  const p = fastEntry(c);
  const zero = f64x2.splat(0);
  const yl = f64x2.mul(f64x2.convert_low_i32x4_s(acc), v128.load(p));
  const yh = f64x2.mul(f64x2.convert_low_i32x4_s(i32x4.shuffle(acc, acc, 2, 3, 2, 3)), v128.load(p, 16));
  const rl = f64x2.add(f64x2.sub(f64x2.add(yl, v128.load(p, POS_OFF)), v128.and(f64x2.lt(yl, zero), v128.load(p, D_OFF))), magicZp);
  const rh = f64x2.add(f64x2.sub(f64x2.add(yh, v128.load(p, POS_OFF + 16)), v128.and(f64x2.lt(yh, zero), v128.load(p, D_OFF + 16))), magicZp);
  return i32x4.shuffle(rl, rh, 0, 2, 4, 6);
}

// The clamp runs on the narrowed i8 lanes: both narrowings saturate, which keeps the order, and
// the activation bounds lie inside [-128, 127].
function store16Magic(out: usize, a0: v128, a1: v128, a2: v128, a3: v128, c: i32, zp: i32, lo: i32, hi: i32): void {
  const z = f64x2.splat(MAGIC + <f64>zp);
  const r0 = requant4Magic(a0, c, z), r1 = requant4Magic(a1, c + 4, z);
  const r2 = requant4Magic(a2, c + 8, z), r3 = requant4Magic(a3, c + 12, z);
  const b = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(r0, r1), i16x8.narrow_i32x4_s(r2, r3));
  v128.store(out, i8x16.min_s(i8x16.max_s(b, i8x16.splat(<i8>lo)), i8x16.splat(<i8>hi)));
}

/**
 * requant4Magic of two pixels' sums for the same channels c..c+3, the table read once. Not inlined:
 * V8 schedules the loads of a block first and its arithmetic late, so two inlined copies (16 f64
 * pairs in flight) spilled ~50 vectors per call of store8x2Magic; a call per quad keeps each in
 * registers (depthwise 0.95x in kws, vww, person_detect).
 */
function requant4Magic2(accA: v128, accB: v128, c: i32, magicZp: v128): v128 {
  const p = fastEntry(c);
  const zero = f64x2.splat(0);
  const s0 = v128.load(p), s1 = v128.load(p, 16);
  const q0 = v128.load(p, POS_OFF), q1 = v128.load(p, POS_OFF + 16);
  const d0 = v128.load(p, D_OFF), d1 = v128.load(p, D_OFF + 16);
  let y = f64x2.mul(f64x2.convert_low_i32x4_s(accA), s0);
  const al = f64x2.add(f64x2.sub(f64x2.add(y, q0), v128.and(f64x2.lt(y, zero), d0)), magicZp);
  y = f64x2.mul(f64x2.convert_low_i32x4_s(i32x4.shuffle(accA, accA, 2, 3, 2, 3)), s1);
  const ah = f64x2.add(f64x2.sub(f64x2.add(y, q1), v128.and(f64x2.lt(y, zero), d1)), magicZp);
  y = f64x2.mul(f64x2.convert_low_i32x4_s(accB), s0);
  const bl = f64x2.add(f64x2.sub(f64x2.add(y, q0), v128.and(f64x2.lt(y, zero), d0)), magicZp);
  y = f64x2.mul(f64x2.convert_low_i32x4_s(i32x4.shuffle(accB, accB, 2, 3, 2, 3)), s1);
  const bh = f64x2.add(f64x2.sub(f64x2.add(y, q1), v128.and(f64x2.lt(y, zero), d1)), magicZp);
  // Lanes 0-3: pixel A, 4-7: pixel B (as i16 after the caller's narrowing).
  return i16x8.narrow_i32x4_s(i32x4.shuffle(al, ah, 0, 2, 4, 6), i32x4.shuffle(bl, bh, 0, 2, 4, 6));
}

/** Channels c..c+7 of two pixels (sums a0 a1 and b0 b1), stored at outA and outB. */
@inline export function store8x2Magic(outA: usize, outB: usize, a0: v128, a1: v128, b0: v128, b1: v128, c: i32, zp: i32, lo: i32, hi: i32): void {
  const z = f64x2.splat(MAGIC + <f64>zp);
  const r0 = requant4Magic2(a0, b0, c, z), r1 = requant4Magic2(a1, b1, c + 4, z);
  // r0 = A0-3 B0-3, r1 = A4-7 B4-7: narrow to A0-3 B0-3 A4-7 B4-7, then A's 8 bytes, B's 8 bytes.
  let b = i8x16.narrow_i16x8_s(r0, r1);
  b = i8x16.min_s(i8x16.max_s(b, i8x16.splat(<i8>lo)), i8x16.splat(<i8>hi));
  b = i8x16.shuffle(b, b, 0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15);
  v128.store64_lane(outA, b, 0);
  v128.store64_lane(outB, b, 1);
}

export function store8Magic(out: usize, a0: v128, a1: v128, c: i32, zp: i32, lo: i32, hi: i32): void {
  const z = f64x2.splat(MAGIC + <f64>zp);
  const r0 = requant4Magic(a0, c, z), r1 = requant4Magic(a1, c + 4, z);
  const w = i16x8.narrow_i32x4_s(r0, r1);
  const b = i8x16.narrow_i16x8_s(w, w);
  v128.store64_lane(out, i8x16.min_s(i8x16.max_s(b, i8x16.splat(<i8>lo)), i8x16.splat(<i8>hi)), 0);
}

/**
 * The tap of slot i: taps are read in pairs of slots (2p, 2p + 1). A 3x3 kernel in the SIMD build
 * pairs each column's rows 0 and 1, (0,3) (1,4) (2,5), then (6,7) (-,8): the row sweep
 * (dwRow3x3) interleaves each input column's rows 0-1 once for the three pixels that read it.
 */
@inline function slotTap(i: i32, k9: bool, tr: bool): i32 {
  // Transposed (dwTransposed): the sweep runs down the columns, so pairs are (0,1) (3,4) (6,7), (2,5), (-,8).
  if (kernelBuilt(KERNEL_DW_COLS) && tr) return i < 6 ? (i >> 1) * 3 + (i & 1) : i == 6 ? 2 : i == 7 ? 5 : i;
  return k9 && i < 6 ? (i >> 1) + (i & 1) * 3 : i;
}

// dwRow3x3's sums: 8 channels (32 bytes) per pixel of a row chunk of at most ROW_CHUNK pixels,
// after two slots the priming columns write. rowStoreF32 keeps each pixel's screen value
// ROW_SCREEN bytes past its sums.
const ROW_CHUNK = 64;
const ROW_SCREEN = (ROW_CHUNK + 2) * 32;
// Both live in the conv / GEMM row buffer (gemm_packed.ts xwA, 16.5 KB, free while a depthwise op
// runs: every user of it fills it anew per call; 6.2 KB of it here) rather than in static data of their own, which
// every model would pay for (test/kernel-scratch.test.ts bounds the runtime's static data).
const rowAcc: usize = ASC_FEATURE_SIMD ? xwA : 0;
// dwRow3x3's lines: row pointers, steps and sums slot (32 bytes each).
const lineTab: usize = ASC_FEATURE_SIMD ? xwA + ROW_SCREEN * 2 : 0;
// Where dwRow3x3's last pair stores its second pixel when the chunk is odd.
const spare: usize = ASC_FEATURE_SIMD ? memory.data(16, 16) : 0;

/**
 * Pixels ox0..ox0+n-1 (n <= ROW_CHUNK) of one output row of a 3x3 stride-1 dilation-1 depthwise
 * for channels c..c+7, sliding along x: each input column (three rows) is loaded once and feeds the
 * three output pixels that read it, through three row pointers instead of per-tap address tables.
 * pr: row r's input at ix = 0, channel c, advancing sr bytes per column (a padded row: the
 * zero-point row zc, step 0); ix0 = ox0 - pl in [-1, W - 1] and the last column ox0 + n + 1 - pl
 * at most W: a column at -1 or W is padding, its taps' products are (zp - zp) * w = 0 with the
 * folded bias, i.e. zc's.
 *
 * Rows 0-1 of column j interleaved (u) feed pixel j - 2 with weight pair (w2, w5), j - 1 with
 * (w1, w4), j with (w0, w3); row 2 of columns j - 1, j interleaved (v) feeds pixel j - 2 with
 * (0, w8) and pixel j - 1 with (w6, w7). So per pixel and 8 channels: 3 loads, 4 interleaves,
 * 10 dot_i16x8_s. The sums (without the bias: dwRowStore adds it) go to rowAcc and are requantized
 * after the sweep: a store call inside
 * the sweep would make V8 spill every vector live across it.
 */
@inline function dwRowGroup(p0: usize, p1: usize, p2: usize, s0: usize, s1: usize, s2: usize, ix0: i32, W: i32, n: i32, zc: usize,
  wq: usize, q: usize): void {
  const zero = i32x4.splat(0);
  let a0 = zero, a1 = zero, e0 = zero, e1 = zero;
  let r2 = zero;
  // The first two columns only prime the sweep: their stores land in the two slots before q.
  q -= 64;
  let ix = ix0;
  if (ix < 0) {
    // The padding column: its rows 0-1 start pixel ox0 with (w0, w3), its row 2 waits in r2.
    const z = v128.load8x8_s(zc);
    e0 = i32x4.dot_i16x8_s(z, v128.load(wq));
    e1 = i32x4.dot_i16x8_s(z, v128.load(wq, 16));
    r2 = z;
    q += 32;
    ix = 0;
  } else {
    p0 += <usize>ix * s0;
    p1 += <usize>ix * s1;
    p2 += <usize>ix * s2;
  }
  let last = ix0 + n + 1;
  const pad = last == W;
  if (pad) last--;
  // Counted by q: a loop counter is one more register V8 spills.
  for (const qEnd = q + (<usize>(last - ix + 1) << 5); q < qEnd;) {
    const x0 = v128.load8x8_s(p0), x1 = v128.load8x8_s(p1), xn = v128.load8x8_s(p2);
    const u0 = i16x8.shuffle(x0, x1, 0, 8, 1, 9, 2, 10, 3, 11), u1 = i16x8.shuffle(x0, x1, 4, 12, 5, 13, 6, 14, 7, 15);
    const v0 = i16x8.shuffle(r2, xn, 0, 8, 1, 9, 2, 10, 3, 11), v1 = i16x8.shuffle(r2, xn, 4, 12, 5, 13, 6, 14, 7, 15);
    v128.store(q, i32x4.add(a0, i32x4.add(i32x4.dot_i16x8_s(u0, v128.load(wq, 128)), i32x4.dot_i16x8_s(v0, v128.load(wq, 256)))));
    v128.store(q, i32x4.add(a1, i32x4.add(i32x4.dot_i16x8_s(u1, v128.load(wq, 144)), i32x4.dot_i16x8_s(v1, v128.load(wq, 272)))), 16);
    a0 = i32x4.add(e0, i32x4.add(i32x4.dot_i16x8_s(u0, v128.load(wq, 64)), i32x4.dot_i16x8_s(v0, v128.load(wq, 192))));
    a1 = i32x4.add(e1, i32x4.add(i32x4.dot_i16x8_s(u1, v128.load(wq, 80)), i32x4.dot_i16x8_s(v1, v128.load(wq, 208))));
    e0 = i32x4.dot_i16x8_s(u0, v128.load(wq));
    e1 = i32x4.dot_i16x8_s(u1, v128.load(wq, 16));
    r2 = xn;
    p0 += s0;
    p1 += s1;
    p2 += s2;
    q += 32;
  }
  if (pad) {
    // The padding column at W finishes the last pixel: (w2, w5) and, with row 2's last column, (0, w8).
    const z = v128.load8x8_s(zc);
    const v0 = i16x8.shuffle(r2, z, 0, 8, 1, 9, 2, 10, 3, 11), v1 = i16x8.shuffle(r2, z, 4, 12, 5, 13, 6, 14, 7, 15);
    v128.store(q, i32x4.add(a0, i32x4.add(i32x4.dot_i16x8_s(z, v128.load(wq, 128)), i32x4.dot_i16x8_s(v0, v128.load(wq, 256)))));
    v128.store(q, i32x4.add(a1, i32x4.add(i32x4.dot_i16x8_s(z, v128.load(wq, 144)), i32x4.dot_i16x8_s(v1, v128.load(wq, 272)))), 16);
  }
}

/**
 * dwRow3x3 for stride 2: pixel k reads columns L = 2k + ix0 (shared with pixel k - 1), A = L + 1
 * and B = L + 2 (shared with pixel k + 1). Rows 0-1 interleaved per column: A's with (w1, w4), B's
 * with (w2, w5) and, for pixel k + 1, (w0, w3). Row 2 interleaved once per pixel as (B, B + 1):
 * with (w8, 0) it finishes pixel k, and as pixel k + 1's (L, A) with (w6, w7) it starts the next
 * (dwSetup packs slot 4 as (w8, 0) for stride 2): 6 interleaves per pixel instead of 8. Row
 * pointers 0-1 step to A then B; row 2's to B then B + 1. ix0 = -pl in [-1, W - 1]; column B of
 * the last pixel may be W (padding: zc), and its B + 1 is never read (the last pixel is peeled).
 */
@inline function dwRowGroupS2(p0: usize, p1: usize, p2: usize, s0: usize, s1: usize, s2: usize, ix0: i32, W: i32, n: i32, zc: usize,
  wq: usize, q: usize): void {
  let a0: v128, a1: v128, l2: v128;
  if (ix0 < 0) {
    const z = v128.load8x8_s(zc);
    a0 = i32x4.dot_i16x8_s(z, v128.load(wq));
    a1 = i32x4.dot_i16x8_s(z, v128.load(wq, 16));
    l2 = z;
  } else {
    p0 += <usize>ix0 * s0;
    p1 += <usize>ix0 * s1;
    p2 += <usize>ix0 * s2;
    const x0 = v128.load8x8_s(p0), x1 = v128.load8x8_s(p1);
    a0 = i32x4.dot_i16x8_s(i16x8.shuffle(x0, x1, 0, 8, 1, 9, 2, 10, 3, 11), v128.load(wq));
    a1 = i32x4.dot_i16x8_s(i16x8.shuffle(x0, x1, 4, 12, 5, 13, 6, 14, 7, 15), v128.load(wq, 16));
    l2 = v128.load8x8_s(p2);
    p0 += s0;
    p1 += s1;
    p2 += s2;
  }
  // Pixel 0's (L, A) of row 2; row 2's pointer then at B.
  const xa = v128.load8x8_s(p2);
  let r0 = i16x8.shuffle(l2, xa, 0, 8, 1, 9, 2, 10, 3, 11), r1 = i16x8.shuffle(l2, xa, 4, 12, 5, 13, 6, 14, 7, 15);
  p2 += s2;
  for (const qEnd = q + (<usize>(n - 1) << 5); q < qEnd;) {
    const xa0 = v128.load8x8_s(p0), xa1 = v128.load8x8_s(p1);
    p0 += s0;
    p1 += s1;
    const xb0 = v128.load8x8_s(p0), xb1 = v128.load8x8_s(p1), xb2 = v128.load8x8_s(p2);
    p0 += s0;
    p1 += s1;
    p2 += s2;
    const xn2 = v128.load8x8_s(p2);
    p2 += s2;
    // Channels 0-3, then 4-7.
    const ua0 = i16x8.shuffle(xa0, xa1, 0, 8, 1, 9, 2, 10, 3, 11), ub0 = i16x8.shuffle(xb0, xb1, 0, 8, 1, 9, 2, 10, 3, 11);
    const t0 = i16x8.shuffle(xb2, xn2, 0, 8, 1, 9, 2, 10, 3, 11);
    v128.store(q, i32x4.add(i32x4.add(a0, i32x4.add(i32x4.dot_i16x8_s(ua0, v128.load(wq, 64)), i32x4.dot_i16x8_s(ub0, v128.load(wq, 128)))),
      i32x4.add(i32x4.dot_i16x8_s(r0, v128.load(wq, 192)), i32x4.dot_i16x8_s(t0, v128.load(wq, 256)))));
    a0 = i32x4.dot_i16x8_s(ub0, v128.load(wq));
    r0 = t0;
    const ua1 = i16x8.shuffle(xa0, xa1, 4, 12, 5, 13, 6, 14, 7, 15), ub1 = i16x8.shuffle(xb0, xb1, 4, 12, 5, 13, 6, 14, 7, 15);
    const t1 = i16x8.shuffle(xb2, xn2, 4, 12, 5, 13, 6, 14, 7, 15);
    v128.store(q, i32x4.add(i32x4.add(a1, i32x4.add(i32x4.dot_i16x8_s(ua1, v128.load(wq, 80)), i32x4.dot_i16x8_s(ub1, v128.load(wq, 144)))),
      i32x4.add(i32x4.dot_i16x8_s(r1, v128.load(wq, 208)), i32x4.dot_i16x8_s(t1, v128.load(wq, 272)))), 16);
    a1 = i32x4.dot_i16x8_s(ub1, v128.load(wq, 16));
    r1 = t1;
    q += 32;
  }
  // The last pixel, whose B may be the padding column W (B + 1 is not read).
  const xa0 = v128.load8x8_s(p0), xa1 = v128.load8x8_s(p1);
  const ua0 = i16x8.shuffle(xa0, xa1, 0, 8, 1, 9, 2, 10, 3, 11), ua1 = i16x8.shuffle(xa0, xa1, 4, 12, 5, 13, 6, 14, 7, 15);
  let ub0: v128, ub1: v128, t0: v128, t1: v128;
  if (ix0 + n + n == W) {
    // zc's (zp - zp) * w terms are 0 with the folded bias; its lanes are all zp, so it is its own
    // interleave (the small maps of vww / person_detect all end so: no shuffles for B).
    ub0 = ub1 = t0 = t1 = v128.load8x8_s(zc);
  } else {
    // Row 2's B pairs with itself, the second weight being 0.
    const xb0 = v128.load8x8_s(p0 + s0), xb1 = v128.load8x8_s(p1 + s1), xb2 = v128.load8x8_s(p2);
    ub0 = i16x8.shuffle(xb0, xb1, 0, 8, 1, 9, 2, 10, 3, 11);
    ub1 = i16x8.shuffle(xb0, xb1, 4, 12, 5, 13, 6, 14, 7, 15);
    t0 = i16x8.shuffle(xb2, xb2, 0, 8, 1, 9, 2, 10, 3, 11);
    t1 = i16x8.shuffle(xb2, xb2, 4, 12, 5, 13, 6, 14, 7, 15);
  }
  v128.store(q, i32x4.add(i32x4.add(a0, i32x4.add(i32x4.dot_i16x8_s(ua0, v128.load(wq, 64)), i32x4.dot_i16x8_s(ub0, v128.load(wq, 128)))),
    i32x4.add(i32x4.dot_i16x8_s(r0, v128.load(wq, 192)), i32x4.dot_i16x8_s(t0, v128.load(wq, 256)))));
  v128.store(q, i32x4.add(i32x4.add(a1, i32x4.add(i32x4.dot_i16x8_s(ua1, v128.load(wq, 80)), i32x4.dot_i16x8_s(ub1, v128.load(wq, 144)))),
    i32x4.add(i32x4.dot_i16x8_s(r1, v128.load(wq, 208)), i32x4.dot_i16x8_s(t1, v128.load(wq, 272)))), 16);
}

/**
 * Pixels ox0..ox0+n-1 of `lines` output rows, channels [0, done) in groups of 8 (dwRowGroup /
 * dwRowGroupS2 by stride): xr is input row iy0 at ix = 0, rs bytes per input row, lineStep input
 * rows between output rows, H the image's height (rows outside it read the zero-point row);
 * ix0 = ox0 * stride - pl, W the row's width; step and ostep the bytes per input and output pixel
 * along the row. More than one line only when n is the whole output row (their outputs then
 * follow each other): the lines' sums share one requantization loop, which on small maps (6 x 6)
 * cost as much per row as the sweep. A transposed sweep (dwTransposed) passes a column instead:
 * rs = C, step = W * C, one line, the image's width as H and its height as W.
 */
function dwRow3x3(s2x: bool, xr: usize, rs: usize, step: usize, ostep: usize, iy0: i32, H: i32, lineStep: i32, lines: i32, ix0: i32, W: i32, n: i32, done: i32, PS: i32,
  fast: bool, out: usize, outZp: i32, amin: i32, amax: i32, mp: usize, shp: usize): void {
  const col = ostep;
  const lineBytes = <usize>lineStep * rs;
  // Each line's row pointers (channel 0; a padded row: the zero-point row) and steps, set once for
  // all channel groups: per group and line they were ~25 instructions of compares and selects,
  // paid 96 times per 6 x 6 x 128 op.
  for (let l = 0; l < lines; l++) {
    const top = iy0 + l * lineStep;
    const in0 = top >= 0 && top < H, in1 = top + 1 >= 0 && top + 1 < H, in2 = top + 2 >= 0 && top + 2 < H;
    const cb = xr + <usize>l * lineBytes, e = lineTab + (<usize>l << 5);
    store<usize>(e, in0 ? cb : zpRow);
    store<usize>(e, in1 ? cb + rs : zpRow, 4);
    store<usize>(e, in2 ? cb + rs + rs : zpRow, 8);
    store<usize>(e, in0 ? step : 0, 12);
    store<usize>(e, in1 ? step : 0, 16);
    store<usize>(e, in2 ? step : 0, 20);
    store<usize>(e, rowAcc + 64 + <usize>(l * n) * 32, 24);
  }
  const odd = (lines * n & 1) != 0;
  for (let c = 0; c < done; c += 8) {
    const wq = packed + <usize>((c >> 4) * PS) * 64 + <usize>(c & 15) * 4;
    const f = fast && (badGroups >> <u64>(c >> 3) & 1) == 0;
    const zc = zpRow + <usize>c;
    // Last line first: a stride-1 sweep's two priming stores land in the previous line's last slots.
    for (let e = lineTab + (<usize>(lines - 1) << 5); e >= lineTab; e -= 32) {
      const p0 = load<usize>(e) + <usize>c, p1 = load<usize>(e, 4) + <usize>c, p2 = load<usize>(e, 8) + <usize>c;
      const s0 = load<usize>(e, 12), s1 = load<usize>(e, 16), s2 = load<usize>(e, 20), q = load<usize>(e, 24);
      if (s2x) dwRowGroupS2(p0, p1, p2, s0, s1, s2, ix0, W, n, zc, wq, q);
      else dwRowGroup(p0, p1, p2, s0, s1, s2, ix0, W, n, zc, wq, q);
    }
    const o = out + <usize>c, end = o + <usize>(lines * n) * col;
    if (kernelBuilt(KERNEL_DW_F32_CLAMP) && odd) {
      // rowStoreF32x2's last pair reads one slot past the chunk: the last pixel again (its second
      // output goes to spare), so that slot's screen is a real pixel's.
      const last = rowAcc + 32 + (<usize>(lines * n) << 5);
      v128.store(last, v128.load(last), 32);
      v128.store(last, v128.load(last, 16), 48);
    }
    // The common store called directly (dwRowStore's tests per group were a call level more).
    if (kernelBuilt(KERNEL_DW_F32_RELU) && f && f32Relu && f32Lim > 0) rowStoreRelu(rowAcc + 64, o, end, col, c, outZp, amin, amax);
    else dwRowStore(rowAcc + 64, o, end, col, c, f, outZp, amin, amax, mp, shp);
  }
}

/**
 * The row stores' constants for the running op (kept in memory: as values V8 rebuilds each splat
 * inside the loop): the grid magic, its top bits less the zero point (gridN), the clamp bounds and
 * the sign mask.
 *
 * The row stores round w (store8x2F32's f32 value, |w - (v - 1/2)| <= tau for TFLM's floor(v); see
 * f32Prepare) on a 2^-12 grid instead of to integers: t = fl(w + 3072.5). While w + 1/2 lies in
 * [-1024, 1024), t lies in [2048, 4096), where f32 steps by 2^-12, so t = 3072 + Z / 4096 with Z
 * the nearest integer to (w + 1/2) * 4096, and as bits t = 0x45400000 + Z: its top 20 bits less
 * 0x45400 are floor(Z / 4096) and its low 12 bits Z mod 4096 (gridN, gridFlag). When Z mod 4096 != 0,
 * Z / 4096 lies at least 2^-12 from every integer, so w + 1/2 at least 2^-13 and v (within tau of
 * w + 1/2) at least 2^-13 - tau > 0 from it: floor(v) = floor(Z / 4096), the stored n. tau needs
 * only hold for |y| < 258 (f32Prepare: past it both forms saturate alike), where it is at most
 * (3.02 * 258 + 1) * 2^-24 < 2^-14 for every op. Lanes with Z mod 4096 == 0 (1 in 4096) take the
 * exact form. Past the interval |y| > 258 and t's bits still order like t (t >= 0), or are
 * negative as i32 (t < 0) and stay so through the arithmetic shift: n + zp lies past the same end
 * of [-128, 127] as TFLM's result, and the narrowings saturate alike. Per 4 lanes this is an add,
 * two shifts, a subtract and the screen's min against the integer magic's add, two subtracts, a
 * shift, a max and a subtract: depthwise 0.93-0.96x.
 */
function rowConsts(zp: i32, lo: i32, hi: i32): void {
  v128.store(rowK, f32x4.splat(3072.5));
  v128.store(rowK, i32x4.splat(0x45400 - zp), 16);
  v128.store(rowK, i8x16.splat(<i8>lo), 32);
  v128.store(rowK, i8x16.splat(<i8>hi), 48);
  v128.store(rowK, i32x4.splat(0x80000000), 64);
}

/** n + zp of t = fl(w + 3072.5) (rowConsts; k: its 0x45400 - zp). */
@inline function gridN(t: v128, k: v128): v128 {
  return i32x4.sub(i32x4.shr_s(t, 12), k);
}

/** t's low 12 bits at the top: 0 when w + 1/2 fell on an integer of the grid (rowConsts). A
 * block's screen is the unsigned min of its lanes' (0: some lane takes the exact form). */
@inline function gridFlag(t: v128): v128 {
  return i32x4.shl(t, 20);
}

/**
 * Requantizes dwRow3x3's sums (from q, 32 bytes per pixel) plus the folded bias into the pixels
 * out, out + col, ... < end. The bias is added here, from registers, rather than per pixel in the
 * sweeps: there it cost two loads per column and V8 carried the sum's inputs across the loop's
 * back edge through the stack (6 spill moves per two columns).
 */
function dwRowStore(q: usize, out: usize, end: usize, col: usize, c: i32, fast: bool, zp: i32, lo: i32, hi: i32, mp: usize, shp: usize): void {
  if (fast && f32Lim > 0) {
    if (f32Relu) {
      if (kernelBuilt(KERNEL_DW_F32_RELU)) { rowStoreRelu(q, out, end, col, c, zp, lo, hi); return; }
    } else if (kernelBuilt(KERNEL_DW_F32_CLAMP)) { rowStoreClamp(q, out, end, col, c, zp, lo, hi); return; }
  }
  const bo = biasFold + (<usize>c << 2), b0 = v128.load(bo), b1 = v128.load(bo, 16);
  for (let o = out; o < end; o += col << 1) {
    const ob = o + col < end ? o + col : spare;
    const x0 = i32x4.add(v128.load(q), b0), x1 = i32x4.add(v128.load(q, 16), b1);
    const y0 = i32x4.add(v128.load(q, 32), b0), y1 = i32x4.add(v128.load(q, 48), b1);
    if (fast) {
      store8x2Slow(o, ob, x0, x1, y0, y1, c, zp, lo, hi);
    } else {
      requantStore8(o, x0, x1, mp + (<usize>c << 2), shp + (<usize>c << 2), zp, lo, hi);
      requantStore8(ob, y0, y1, mp + (<usize>c << 2), shp + (<usize>c << 2), zp, lo, hi);
    }
    q += 64;
  }
}


const rowK: usize = ASC_FEATURE_SIMD ? memory.data(80, 16) : 0;

/**
 * store8x2F32's ReLU form over a row of pixel pairs of one 8-channel group, without calls: the
 * table and constants stay in registers, every pair stores its f32 result and one whose screen
 * failed is listed and stored again by the exact form after the row (a call in the loop would make
 * V8 spill and rebuild them per pair).
 */
function rowStoreRelu(q: usize, out: usize, end: usize, col: usize, c: i32, zp: i32, lo: i32, hi: i32): void {
  rowStoreF32(q, out, end, col, c, zp, lo, hi, true);
}

function rowStoreClamp(q: usize, out: usize, end: usize, col: usize, c: i32, zp: i32, lo: i32, hi: i32): void {
  // Without an activation (lo -128, hi 127) the clamp is the narrowings' saturation: its own copy
  // of the loop skips it and its two invariants (depthwise ops with no activation 0.96x).
  if (lo == -128 && hi == 127) rowStoreF32x2(q, out, end, col, c, zp, lo, hi, false);
  else rowStoreF32x2(q, out, end, col, c, zp, lo, hi, true);
}

@inline function rowStoreF32(q: usize, out: usize, end: usize, col: usize, c: i32, zp: i32, lo: i32, hi: i32, relu: bool): void {
  const p = f32Tab + (<usize>c << 3);
  const s0 = v128.load(p), s1 = v128.load(p, 16), e0 = v128.load(p, 32), e1 = v128.load(p, 48);
  const bo = biasFold + (<usize>c << 2), b0 = v128.load(bo), b1 = v128.load(bo, 16);
  // rowConsts, set per op.
  const mg = v128.load(rowK), k = v128.load(rowK, 16);
  const vlo = v128.load(rowK, 32), vhi = v128.load(rowK, 48), sm = v128.load(rowK, 64);
  // The screen over the whole chunk: the min of all its pixels' gridFlag, one test after the loop.
  // Each pixel's own is kept beside its sums (ROW_SCREEN), so a chunk with a lane on a tie
  // (person_detect: ~1 chunk in 8, ~1 lane in it) finds its pixels by one load and test each
  // instead of computing the chunk again.
  let mx = i32x4.splat(-1);
  const q0 = q;
  // One pixel (8 outputs) per iteration: with two, V8 rebuilt the constants in every iteration.
  for (let o = out; o < end; o += col) {
    const y0 = f32x4.mul(f32x4.convert_i32x4_s(i32x4.add(v128.load(q), b0)), s0), y1 = f32x4.mul(f32x4.convert_i32x4_s(i32x4.add(v128.load(q, 16), b1)), s1);
    const w0 = f32x4.add(y0, relu ? e0 : v128.or(v128.and(y0, sm), e0));
    const w1 = f32x4.add(y1, relu ? e1 : v128.or(v128.and(y1, sm), e1));
    const t0 = f32x4.add(w0, mg), t1 = f32x4.add(w1, mg);
    const m = i32x4.min_u(gridFlag(t0), gridFlag(t1));
    v128.store(q, m, ROW_SCREEN);
    mx = i32x4.min_u(mx, m);
    const h = i16x8.narrow_i32x4_s(gridN(t0, k), gridN(t1, k));
    let b = i8x16.narrow_i16x8_s(h, h);
    if (!relu) b = i8x16.min_s(i8x16.max_s(b, vlo), vhi);
    v128.store64_lane(o, b, 0);
    q += 32;
  }
  if (i32x4.all_true(mx)) return;
  // Which pixels: those with a lane on a tie, stored again by the exact form.
  q = q0;
  for (let o = out; o < end; o += col) {
    if (!i32x4.all_true(v128.load(q, ROW_SCREEN))) {
      const x0 = i32x4.add(v128.load(q), b0), x1 = i32x4.add(v128.load(q, 16), b1);
      store8x2Slow(o, spare, x0, x1, x0, x1, c, zp, lo, hi);
    }
    q += 32;
  }
}

/**
 * rowStoreF32's clamp form two pixels (16 outputs) an iteration: the narrowing, clamp, screen store
 * and loop cost are paid per pair, and V8 reloads the invariants it cannot keep in registers (the
 * clamp form has three more than the ReLU one) once per pair instead of per pixel. An odd count's
 * last pair reads the slot after the chunk (dwRow3x3 copies the last pixel's sums there) and
 * stores its second pixel to spare. (The ReLU form keeps one pixel an iteration: as pairs it was
 * no faster in vww and ~230 B larger.)
 */
@inline function rowStoreF32x2(q: usize, out: usize, end: usize, col: usize, c: i32, zp: i32, lo: i32, hi: i32, clamp: bool): void {
  const p = f32Tab + (<usize>c << 3);
  const s0 = v128.load(p), s1 = v128.load(p, 16), e0 = v128.load(p, 32), e1 = v128.load(p, 48);
  const bo = biasFold + (<usize>c << 2), b0 = v128.load(bo), b1 = v128.load(bo, 16);
  // rowConsts, set per op.
  const mg = v128.load(rowK), k = v128.load(rowK, 16);
  const sm = v128.load(rowK, 64);
  let vlo = sm, vhi = sm;
  if (clamp) {
    vlo = v128.load(rowK, 32);
    vhi = v128.load(rowK, 48);
  }
  // The chunk's screen as in rowStoreF32, each pair's kept beside its sums.
  let mx = i32x4.splat(-1);
  const q0 = q, col2 = col << 1;
  for (let o = out; o < end; o += col2) {
    const ob = o + col < end ? o + col : spare;
    let y0 = f32x4.mul(f32x4.convert_i32x4_s(i32x4.add(v128.load(q), b0)), s0), y1 = f32x4.mul(f32x4.convert_i32x4_s(i32x4.add(v128.load(q, 16), b1)), s1);
    let w0 = f32x4.add(y0, v128.or(v128.and(y0, sm), e0));
    let w1 = f32x4.add(y1, v128.or(v128.and(y1, sm), e1));
    let t0 = f32x4.add(w0, mg), t1 = f32x4.add(w1, mg);
    let m = i32x4.min_u(gridFlag(t0), gridFlag(t1));
    const ha = i16x8.narrow_i32x4_s(gridN(t0, k), gridN(t1, k));
    y0 = f32x4.mul(f32x4.convert_i32x4_s(i32x4.add(v128.load(q, 32), b0)), s0);
    y1 = f32x4.mul(f32x4.convert_i32x4_s(i32x4.add(v128.load(q, 48), b1)), s1);
    w0 = f32x4.add(y0, v128.or(v128.and(y0, sm), e0));
    w1 = f32x4.add(y1, v128.or(v128.and(y1, sm), e1));
    t0 = f32x4.add(w0, mg);
    t1 = f32x4.add(w1, mg);
    m = i32x4.min_u(m, i32x4.min_u(gridFlag(t0), gridFlag(t1)));
    v128.store(q, m, ROW_SCREEN);
    mx = i32x4.min_u(mx, m);
    let b = i8x16.narrow_i16x8_s(ha, i16x8.narrow_i32x4_s(gridN(t0, k), gridN(t1, k)));
    if (clamp) b = i8x16.min_s(i8x16.max_s(b, vlo), vhi);
    v128.store64_lane(o, b, 0);
    v128.store64_lane(ob, b, 1);
    q += 64;
  }
  if (i32x4.all_true(mx)) return;
  // Which pairs: those with a lane on a tie, stored again by the exact form.
  q = q0;
  for (let o = out; o < end; o += col2) {
    if (!i32x4.all_true(v128.load(q, ROW_SCREEN))) {
      store8x2Slow(o, o + col < end ? o + col : spare, i32x4.add(v128.load(q), b0), i32x4.add(v128.load(q, 16), b1),
        i32x4.add(v128.load(q, 32), b0), i32x4.add(v128.load(q, 48), b1), c, zp, lo, hi);
    }
    q += 64;
  }
}

/**
 * Channel c when magicPrepare refused it: true when TFLM's mbqm(acc) is the same integer r for
 * every accumulator the op can produce, acc in bias +- spread (spread = max|x - zp| * sum|w|):
 * mbqm is monotonic in acc (mult >= 0), so its two ends decide. vww has such channels (biases
 * near 2^26, right shifts of 18-22: y within 0.1 of 6 or 23), whose bound rules out the magic form
 * and which sent their 8-channel group to the integer requantization. Its entries then give r
 * exactly: S = 0, so y = acc * 0 is +0, or -0 for acc < 0; magic: pos = r, round(y + r) = r (the
 * [y < 0] term is 0 for -0 too); f32: e = d / 2 = r, w = y + r in the `relu` form, and in the
 * clamp form y + (r with y's sign bit or-ed in) = r too, as r has acc's sign or is 0 (mbqm(0) = 0).
 */
function constChannel(c: i32, mult: i32, shift: i32, bias: i32, spread: i32): bool {
  const lo = <i64>bias - <i64>spread, hi = <i64>bias + <i64>spread;
  if (c >= FAST_CAP || mult < 0 || lo < -2147483648 || hi > 2147483647) return false;
  const r = mbqmCall(<i32>lo, mult, shift);
  // |r| <= 2^20: the f32 form's magic add holds it.
  if (r != mbqmCall(<i32>hi, mult, shift) || <u32>(r + 1048576) > 2097152) return false;
  const p = fastEntry(c);
  store<f64>(p, 0.0);
  store<f64>(p, <f64>r, POS_OFF);
  store<f64>(p, <f64>(r + r), D_OFF);
  return true;
}

/**
 * Per op, O(K*C): fold -zp*sum(w) into the bias, pack the weights, fill the zero-point row,
 * prepare the exact f64 requantization (requant_fast.ts's table and bound) and the f32 one, into
 * the bound buffers; returns whether the table holds every channel (else per-group badGroups).
 * Small late layers (3x3 pixels, 256 channels) do about as many MACs as there are weights, so the
 * SIMD build does this 16 channels at a time, and at load (dwPrepare) when it can.
 */
function dwSetup(
  C: i32, K: i32, P: i32, C16: i32, k9: bool, tr: bool, s2: bool, wp: usize, bp: usize, hasBias: bool, mp: usize, shp: usize,
  zpX: i32, outZp: i32, amin: i32, amax: i32, done: i32,
): bool {
  let c0 = 0;
  let fast = ASC_FEATURE_SIMD;
  badGroups = 0;
  if (ASC_FEATURE_SIMD) {
    magicBegin();
    const inOff = -zpX;
    const maxX = <f64>(-128 + inOff < 0 ? (128 - inOff > 127 + inOff ? 128 - inOff : 127 + inOff) : 127 + inOff);
    const zero = i32x4.splat(0);
    for (; c0 + 16 <= C; c0 += 16) {
      let sl = zero, sh = zero, al = zero, ah = zero;
      const at = packed + <usize>((c0 >> 4) * P) * 64;
      for (let p = 0; p < P; p++) {
        const t0 = slotTap(2 * p, k9, tr), t1 = slotTap(2 * p + 1, k9, tr);
        let wa = v128.load(wp + <usize>(t0 * C + c0));
        let wb = t1 < K ? v128.load(wp + <usize>(t1 * C + c0)) : zero;
        // 3x3: slot 4 is (0, w8) as the stride-1 sweeps pair it, (w8, 0) as dwRowGroupS2 does (single
        // pixels read tap 8 twice: either works).
        if (k9 && p == 4 && !s2) { wb = wa; wa = zero; }
        const la = i16x8.extend_low_i8x16_s(wa), ha = i16x8.extend_high_i8x16_s(wa);
        const lb = i16x8.extend_low_i8x16_s(wb), hb = i16x8.extend_high_i8x16_s(wb);
        const q = at + <usize>(p * 64);
        v128.store(q, i16x8.shuffle(la, lb, 0, 8, 1, 9, 2, 10, 3, 11));
        v128.store(q, i16x8.shuffle(la, lb, 4, 12, 5, 13, 6, 14, 7, 15), 16);
        v128.store(q, i16x8.shuffle(ha, hb, 0, 8, 1, 9, 2, 10, 3, 11), 32);
        v128.store(q, i16x8.shuffle(ha, hb, 4, 12, 5, 13, 6, 14, 7, 15), 48);
        // |sum| <= 32 * 128 fits i16 (TAP_CAP taps).
        sl = i16x8.add(sl, i16x8.add(la, lb));
        sh = i16x8.add(sh, i16x8.add(ha, hb));
        al = i16x8.add(al, i16x8.add(i16x8.abs(la), i16x8.abs(lb)));
        ah = i16x8.add(ah, i16x8.add(i16x8.abs(ha), i16x8.abs(hb)));
      }
      const zv = i32x4.splat(zpX);
      const bo = biasFold + (<usize>c0 << 2), bi = bp + (<usize>c0 << 2);
      v128.store(bo, i32x4.sub(hasBias ? v128.load(bi) : zero, i32x4.mul(zv, i32x4.extend_low_i16x8_s(sl))));
      v128.store(bo, i32x4.sub(hasBias ? v128.load(bi, 16) : zero, i32x4.mul(zv, i32x4.extend_high_i16x8_s(sl))), 16);
      v128.store(bo, i32x4.sub(hasBias ? v128.load(bi, 32) : zero, i32x4.mul(zv, i32x4.extend_low_i16x8_s(sh))), 32);
      v128.store(bo, i32x4.sub(hasBias ? v128.load(bi, 48) : zero, i32x4.mul(zv, i32x4.extend_high_i16x8_s(sh))), 48);
      v128.store(zpRow + <usize>c0, i8x16.splat(<i8>zpX));
      // The accumulator bound of requant_fast.ts's fastPrepare: |bias| + max|x - zp| * sum|w|.
      v128.store(sumAbs, al);
      v128.store(sumAbs, ah, 16);
      const mx = f64x2.splat(maxX);
      for (let j = 0; j < 16 && fast; j += 4) {
        const o = <usize>(c0 + j) << 2;
        const b = hasBias ? v128.load(bp + o) : zero;
        const sa = i32x4.extend_low_i16x8_s(v128.load64_zero(sumAbs + (<usize>j << 1)));
        if (magicPrepare4(c0 + j, v128.load(mp + o), v128.load(shp + o),
          f64x2.add(f64x2.abs(f64x2.convert_low_i32x4_s(b)), f64x2.mul(mx, f64x2.convert_low_i32x4_s(sa))),
          f64x2.add(f64x2.abs(f64x2.convert_low_i32x4_s(i32x4.shuffle(b, b, 2, 3, 2, 3))), f64x2.mul(mx, f64x2.convert_low_i32x4_s(i32x4.shuffle(sa, sa, 2, 3, 2, 3)))))) continue;
        // Which of the four failed.
        for (let k = 0; k < 4 && fast; k++) {
          const c = c0 + j + k, ok = <usize>c << 2;
          const bi = hasBias ? load<i32>(bp + ok) : 0, sa = <i32>load<i16>(sumAbs + (<usize>(j + k) << 1));
          const m = load<i32>(mp + ok), sh = load<i32>(shp + ok);
          if (!magicPrepare(c, m, sh, Math.abs(<f64>bi) + maxX * <f64>sa) && !constChannel(c, m, sh, bi, <i32>maxX * sa)) fast = markBad(c);
        }
      }
    }
    // The last C % 16 channels one at a time, lanes past C packed as 0.
    for (let c = c0; c < C16; c++) {
      const at = packed + <usize>(((c >> 4) * P * 4 + (c >> 2 & 3)) * 16 + (c & 3) * 4);
      let sa = 0;
      for (let p = 0; p < P; p++) {
        const t0 = slotTap(2 * p, k9, tr), t1 = slotTap(2 * p + 1, k9, tr);
        let w0 = c < C ? <i32>load<i8>(wp + <usize>(t0 * C + c)) : 0;
        let w1 = c < C && t1 < K ? <i32>load<i8>(wp + <usize>(t1 * C + c)) : 0;
        if (k9 && p == 4 && !s2) { w1 = w0; w0 = 0; }
        store<i32>(at + <usize>(p * 64), (w0 & 0xffff) | (w1 << 16));
        sa += (w0 < 0 ? -w0 : w0) + (w1 < 0 ? -w1 : w1);
      }
      if (c < C && fast) {
        const o = <usize>c << 2;
        const b = hasBias ? Math.abs(<f64>load<i32>(bp + o)) : 0.0;
        if (!magicPrepare(c, load<i32>(mp + o), load<i32>(shp + o), b + maxX * <f64>sa)) fast = markBad(c);
      }
    }
  }
  if (ASC_FEATURE_SIMD && fast) f32Prepare(done, false, outZp == -128 && amin == -128 && amax == 127);
  for (let c = c0; c < C; c++) {
    let s = 0;
    for (let t = 0; t < K; t++) s += <i32>load<i8>(wp + <usize>(t * C + c));
    store<i32>(biasFold + (<usize>c << 2), (hasBias ? load<i32>(bp + (<usize>c << 2)) : 0) - zpX * s);
    store<i8>(zpRow + <usize>c, <i8>zpX);
  }
  return fast;
}

/**
 * Runs the op's channels [0, return value) when it fits this kernel (M == 1, at least 8 channels,
 * within the static buffers); returns 0 when it does not. The SIMD build covers the channels in
 * blocks of 16 and 8 and leaves the last C % 8 to the caller; the scalar build covers all.
 */
export function depthwise_s8_pairs(op: usize): i32 {
  const x = opIn(op, 0), w = opIn(op, 1), y = opOut(op, 0);
  const N = tdim(x, 0), H = tdim(x, 1), W = tdim(x, 2), C = tdim(x, 3);
  const wr = trank(w);
  const KH = tdim(w, wr - 3), KW = tdim(w, wr - 2);
  const K = KH * KW;
  const P = (K + 1) >> 1;
  const C16 = (C + 15) & ~15;
  const rec = ASC_FEATURE_SIMD ? preparedTable(op) : 0;
  if (rec) bindRecord(rec, C16, P);
  if (opParam(op, 8) != 1 || C < 8 || C > DW_CAP || K > TAP_CAP) return 0;
  if (ASC_FEATURE_SIMD && C16 * P * 4 > PACK_BYTES) return 0;
  const k9 = ASC_FEATURE_SIMD && KH == 3 && KW == 3;
  const hasBias = tstorage(opIn(op, 2)) != STORAGE_EMPTY;
  const xp = tptr(x), wp = tptr(w), yp = tptr(y), bp = hasBias ? tptr(opIn(op, 2)) : 0;
  const mp = tptr(opIn(op, 3)), shp = tptr(opIn(op, 4));
  const OH = tdim(y, 1), OW = tdim(y, 2);
  const sh = opParam(op, 0), sw = opParam(op, 1), dh = opParam(op, 2), dw = opParam(op, 3);
  const pt = opParam(op, 4), pl = opParam(op, 5);
  const amin = opParam(op, 9), amax = opParam(op, 10);
  const zpX = tzp(x), outZp = tzp(y);
  const done = ASC_FEATURE_SIMD ? C & ~7 : C;
  const pairs = k9 && (sw == 1 || sw == 2) && dw == 1 && dh == 1;
  // dwRow3x3: stride 1, at most one padding column on each side.
  // dwRow3x3s2: stride 2, the same with the last pixel's right column at most W.
  const tr = pairs && dwTransposed(op);
  const rows3x3 = pairs && pl >= 0 && pl <= 1 && (sw == 1 ? OW + 1 - pl <= W : 2 * OW - pl <= W);
  // A per-model build without the per-pixel path leaves other ops to the general depthwise.
  if (ASC_FEATURE_SIMD && !rows3x3 && !tr && !kernelBuilt(KERNEL_DW_PIXELS)) return 0;
  if (ASC_FEATURE_SIMD && (rows3x3 || tr)) rowConsts(outZp, amin, amax);

  // Per op run, O(K*C): fold -zp*sum(w) into the bias, pack the weights, fill the zero-point row,
  // prepare the exact f64 requantization (requant_fast.ts's table and bound). Small late layers
  // (3x3 pixels, 256 channels) do about as many MACs as there are weights, so the SIMD build does
  // this 16 channels at a time.
  // Prepared at load (dwPrepare): the buffers and requantization state from the op's record.
  let fast = false;
  if (rec) {
    fast = load<i32>(rec, DR_FAST) != 0;
    badGroups = load<u64>(rec, DR_BAD);
    f32Lim = load<f32>(rec, DR_LIM);
    f32LimBits = load<i32>(rec, DR_LIM_BITS);
    f32Relu = load<i32>(rec, DR_RELU) != 0;
  } else {
    fast = dwSetup(C, K, P, C16, k9, tr, sw == 2, wp, bp, hasBias, mp, shp, zpX, outZp, amin, amax, done);
  }
  // The per-pixel path's tap offsets (the sweeps use none; on late 3 x 3 layers this loop's
  // divisions were a visible part of the op).
  if (!ASC_FEATURE_SIMD || !(rows3x3 || tr)) {
    for (let i = 0; i < K; i++) {
      const t = slotTap(i, k9, tr), ky = t / KW, kx = t - ky * KW;
      store<i32>(tapOff + (<usize>i << 2), (ky * dh * W + kx * dw) * C);
    }
    store<i32>(tapOff + (<usize>K << 2), load<i32>(tapOff + (<usize>(K - 1) << 2)));
  }

  if (ASC_FEATURE_SIMD && kernelBuilt(KERNEL_DW_COLS) && tr) {
    for (let n = 0; n < N; n++) {
      const xImg = xp + <usize>(n * H * W) * <usize>C, yImg = yp + <usize>(n * OH * OW) * <usize>C;
      for (let ox = 0; ox < OW; ox++) {
        const ix0 = ox - pl;
        const xc = xImg + <usize>(ix0 * C);
        for (let oy = 0; oy < OH; oy += ROW_CHUNK) {
          dwRow3x3(false, xc, <usize>C, <usize>(W * C), <usize>(OW * C), ix0, W, 1, 1, oy - pt, H, min(OH - oy, ROW_CHUNK), done, P, fast,
            yImg + <usize>((oy * OW + ox) * C), outZp, amin, amax, mp, shp);
        }
      }
    }
    return done;
  }
  let out = yp;
  // Output rows per row sweep: whole rows of small maps together (dwRow3x3), up to ROW_CHUNK pixels.
  const lines = OW <= ROW_CHUNK ? ROW_CHUNK / OW : 1;
  for (let n = 0; n < N; n++) {
    const xImg = xp + <usize>(n * H * W) * <usize>C;
    for (let oy = 0; oy < OH; oy++) {
      const iy0 = oy * sh - pt;
      const rowIn = iy0 >= 0 && iy0 + (KH - 1) * dh < H;
      if (ASC_FEATURE_SIMD && rows3x3) {
        const xr = xImg + <usize>(iy0 * W) * <usize>C;
        if (lines > 1) {
          const nl = min(OH - oy, lines);
          dwRow3x3(sw == 2, xr, <usize>(W * C), <usize>C, <usize>C, iy0, H, sh, nl, -pl, W, OW, done, P, fast, out, outZp, amin, amax, mp, shp);
          out += <usize>(nl * OW * C);
          oy += nl - 1;
          continue;
        }
        for (let ox = 0; ox < OW; ox += ROW_CHUNK) {
          dwRow3x3(sw == 2, xr, <usize>(W * C), <usize>C, <usize>C, iy0, H, sh, 1, ox * sw - pl, W, min(OW - ox, ROW_CHUNK), done, P, fast,
            out + <usize>(ox * C), outZp, amin, amax, mp, shp);
        }
        out += <usize>(OW * C);
        continue;
      }
      // (Returned 0 above: lets a build without the per-pixel path drop it.)
      if (ASC_FEATURE_SIMD && !kernelBuilt(KERNEL_DW_PIXELS)) break;
      for (let ox = 0; ox < OW; ox++) {
        const ix0 = ox * sw - pl;
        // Interior pixels read tapOff from their first tap; border pixels get absolute addresses.
        let base: usize = 0, tbl = tapAddr;
        if (rowIn && ix0 >= 0 && ix0 + (KW - 1) * dw < W) {
          base = xImg + <usize>(iy0 * W + ix0) * <usize>C;
          tbl = tapOff;
        } else {
          for (let i = 0; i < K; i++) {
            const t = slotTap(i, k9, tr), ky = t / KW, kx = t - ky * KW;
            const iy = iy0 + ky * dh, ix = ix0 + kx * dw;
            store<usize>(tapAddr + (<usize>i << 2),
              iy >= 0 && iy < H && ix >= 0 && ix < W ? xImg + <usize>(iy * W + ix) * <usize>C : zpRow);
          }
          store<usize>(tapAddr + (<usize>K << 2), load<usize>(tapAddr + (<usize>(K - 1) << 2)));
        }
        if (ASC_FEATURE_SIMD) {
          let c = 0;
          for (; c + 16 <= C; c += 16) {
            const bo = biasFold + (<usize>c << 2);
            let a0 = v128.load(bo), a1 = v128.load(bo, 16), a2 = v128.load(bo, 32), a3 = v128.load(bo, 48);
            let wq = packed + <usize>((c >> 4) * P) * 64;
            const cb = base + <usize>c;
            for (let p = 0; p < P; p++) {
              const ta = tbl + (<usize>p << 3);
              const pa = cb + load<usize>(ta), pb = cb + load<usize>(ta, 4);
              const xa0 = v128.load8x8_s(pa), xb0 = v128.load8x8_s(pb);
              const xa1 = v128.load8x8_s(pa, 8), xb1 = v128.load8x8_s(pb, 8);
              a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.shuffle(xa0, xb0, 0, 8, 1, 9, 2, 10, 3, 11), v128.load(wq)));
              a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.shuffle(xa0, xb0, 4, 12, 5, 13, 6, 14, 7, 15), v128.load(wq, 16)));
              a2 = i32x4.add(a2, i32x4.dot_i16x8_s(i16x8.shuffle(xa1, xb1, 0, 8, 1, 9, 2, 10, 3, 11), v128.load(wq, 32)));
              a3 = i32x4.add(a3, i32x4.dot_i16x8_s(i16x8.shuffle(xa1, xb1, 4, 12, 5, 13, 6, 14, 7, 15), v128.load(wq, 48)));
              wq += 64;
            }
            if (fast && (badGroups >> <u64>(c >> 3) & 3) == 0) store16Fast(out + <usize>c, a0, a1, a2, a3, c, outZp, amin, amax);
            else requantStore16(out + <usize>c, a0, a1, a2, a3, mp + (<usize>c << 2), shp + (<usize>c << 2), outZp, amin, amax);
          }
          if (c < done) {
            const bo = biasFold + (<usize>c << 2);
            let a0 = v128.load(bo), a1 = v128.load(bo, 16);
            let wq = packed + <usize>((c >> 4) * P) * 64 + <usize>(c & 15) * 4;
            const cb = base + <usize>c;
            for (let p = 0; p < P; p++) {
              const ta = tbl + (<usize>p << 3);
              const xa = v128.load8x8_s(cb + load<usize>(ta)), xb = v128.load8x8_s(cb + load<usize>(ta, 4));
              a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.shuffle(xa, xb, 0, 8, 1, 9, 2, 10, 3, 11), v128.load(wq)));
              a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.shuffle(xa, xb, 4, 12, 5, 13, 6, 14, 7, 15), v128.load(wq, 16)));
              wq += 64;
            }
            if (fast && (badGroups >> <u64>(c >> 3) & 1) == 0) store8Magic(out + <usize>c, a0, a1, c, outZp, amin, amax);
            else requantStore8(out + <usize>c, a0, a1, mp + (<usize>c << 2), shp + (<usize>c << 2), outZp, amin, amax);
          }
        } else if (K == 9) {
          // 3x3: the nine tap addresses and weight strides in locals, taps unrolled.
          const x0 = base + load<usize>(tbl), x1 = base + load<usize>(tbl, 4), x2 = base + load<usize>(tbl, 8);
          const x3 = base + load<usize>(tbl, 12), x4 = base + load<usize>(tbl, 16), x5 = base + load<usize>(tbl, 20);
          const x6 = base + load<usize>(tbl, 24), x7 = base + load<usize>(tbl, 28), x8 = base + load<usize>(tbl, 32);
          const s1 = <usize>C, s2 = s1 + s1, s3 = s2 + s1, s4 = s3 + s1, s5 = s4 + s1, s6 = s5 + s1, s7 = s6 + s1, s8 = s7 + s1;
          for (let c: usize = 0; c < <usize>C; c++) {
            const wc = wp + c;
            let acc = load<i32>(biasFold + (c << 2));
            acc += <i32>load<i8>(x0 + c) * <i32>load<i8>(wc) + <i32>load<i8>(x1 + c) * <i32>load<i8>(wc + s1);
            acc += <i32>load<i8>(x2 + c) * <i32>load<i8>(wc + s2) + <i32>load<i8>(x3 + c) * <i32>load<i8>(wc + s3);
            acc += <i32>load<i8>(x4 + c) * <i32>load<i8>(wc + s4) + <i32>load<i8>(x5 + c) * <i32>load<i8>(wc + s5);
            acc += <i32>load<i8>(x6 + c) * <i32>load<i8>(wc + s6) + <i32>load<i8>(x7 + c) * <i32>load<i8>(wc + s7);
            acc += <i32>load<i8>(x8 + c) * <i32>load<i8>(wc + s8);
            const o = c << 2;
            store<i8>(out + c, <i8>clampi(mbqmInline(acc, load<i32>(mp + o), load<i32>(shp + o)) + outZp, amin, amax));
          }
        } else {
          for (let c = 0; c < C; c++) {
            let acc = load<i32>(biasFold + (<usize>c << 2));
            let wc = wp + <usize>c;
            const cb = base + <usize>c;
            for (let t = 0; t < K; t++) {
              acc += <i32>load<i8>(cb + load<usize>(tbl + (<usize>t << 2))) * <i32>load<i8>(wc);
              wc += <usize>C;
            }
            const o = <usize>c << 2;
            store<i8>(out + <usize>c, <i8>clampi(mbqmInline(acc, load<i32>(mp + o), load<i32>(shp + o)) + outZp, amin, amax));
          }
        }
        out += <usize>C;
      }
    }
  }
  return done;
}
