// fully_connected: x read as [rows = numel/K, K] with K from w [N, K], optional bias [N]; y [rows, N].
import { STORAGE_EMPTY, O_FLAGS, OPF_PACKED_W16 } from '../../format/format';
import { opIn, opOut, opParam, opParamF, tdim, tptr, tzp, tstorage, tnumel, opInCount } from '../state';
import { dot_f32 } from './dot';
import { gemm_s8_rows } from './gemm';
import { packedBegin, packedUseFast, gemm_s8_packed, xwA } from './gemm_packed';
import { PF_X, PF_Y, PF_W, PF_BIAS, PF_N, PF_K, PF_ROWS, PF_IN_OFF, PF_OUT_ZP, PF_MIN, PF_MAX, PF_MULT, PF_SHIFT, PF_FAST, PF_F32_LIM, PF_TAIL_BIAS } from '../prepared';
import { PREPARED_FC_ARGS } from '../../format/prepared';
import { useFastTable, f32ScreenW } from '../requant_fast';
import { requantStore16 } from '../requant_simd';
import { mbqmCall } from '../fixedpoint';
import { kernelBuilt } from '../features';
import { KERNEL_PACKED, KERNEL_S8_PLAIN, KERNEL_FC_ROW } from '../../format/runtime-features';

export function fully_connected_f32(op: usize): void {
  const x = opIn(op, 0), w = opIn(op, 1), y = opOut(op, 0);
  const hasBias = opInCount(op) > 2 && tstorage(opIn(op, 2)) != STORAGE_EMPTY;
  const xp = tptr(x), wp = tptr(w), bp = hasBias ? tptr(opIn(op, 2)) : 0;
  const K = tdim(w, 1), N = tdim(w, 0), rows = tnumel(x) / K;
  const lo = opParamF(op, 0), hi = opParamF(op, 1);
  let out = tptr(y);
  for (let r = 0; r < rows; r++) {
    const xr = xp + (<usize>(r * K) << 2);
    for (let n = 0; n < N; n++) {
      let acc: f32 = dot_f32(xr, wp + (<usize>(n * K) << 2), K);
      if (hasBias) acc += load<f32>(bp + (<usize>n << 2));
      acc = acc < lo ? lo : acc;
      acc = acc > hi ? hi : acc;
      store<f32>(out, acc);
      out += 4;
    }
  }
}

/**
 * int8: the rows of x are the GEMM rows (kernels/gemm.ts: 2x4 SIMD tiles, 1x4 scalar blocks). The
 * record reads are inlined here (inline.always; state.ts accessors are calls): small FC-only models
 * such as ad run this setup per op often enough that ~20 calls showed as ~2% of their latency.
 */
function fully_connected_s8(op: usize): void {
  const x = inline.always(opIn(op, 0)), w = inline.always(opIn(op, 1)), y = inline.always(opOut(op, 0));
  const hasBias = inline.always(tstorage(opIn(op, 2))) != STORAGE_EMPTY;
  const K = inline.always(tdim(w, 1)), N = inline.always(tdim(w, 0)), rows = tnumel(x) / K;
  const xp = inline.always(tptr(x)), wp = inline.always(tptr(w)), bp = hasBias ? inline.always(tptr(opIn(op, 2))) : 0;
  const mp = inline.always(tptr(opIn(op, 3))), sp = inline.always(tptr(opIn(op, 4)));
  const zx = inline.always(tzp(x)), zy = inline.always(tzp(y)), a0 = inline.always(opParam(op, 0)), a1 = inline.always(opParam(op, 1)), yp = inline.always(tptr(y));
  if (kernelBuilt(KERNEL_PACKED) && (load<u16>(op, O_FLAGS) & OPF_PACKED_W16)) {
    packedBegin(wp, N, K, bp, mp, sp, -zx, zy, a0, a1, rows);
    gemm_s8_packed(xp, rows, K, -zx, yp);
    return;
  }
  if (!kernelBuilt(KERNEL_S8_PLAIN)) return; // a per-model build whose int8 layers are all packed
  gemm_s8_rows(xp, rows, K, wp, N, bp, mp, sp, -zx, zy, a0, a1, yp);
}

/**
 * A fully_connected prepared at load (prepared.ts: packed int8 weights, fewer than 4 rows): its
 * arguments from the prepared record instead of the op and tensor records, its requantization
 * through the prepared table (when its bound allowed one: one row, fcRow's f32 table; two or three,
 * the f64 one) instead of the general form. No kernel scratch (dispatch.ts skips the binding).
 */
export function fully_connected_s8_prepared(rec: usize): void {
  const N = load<i32>(rec + PF_N), K = load<i32>(rec + PF_K), inOff = load<i32>(rec + PF_IN_OFF);
  let fast = load<i32>(rec + PF_FAST);
  const rows = load<i32>(rec + PF_ROWS);
  if (rows == 1) {
    // The one-row table is fcRow's f32 one (format/prepared.ts); without fcRow linked (a per-model
    // build of a model whose one-row ops have < 16 channels) the op requantizes the general way.
    if (ASC_FEATURE_SIMD && kernelBuilt(KERNEL_FC_ROW) && fast) {
      fcRow(rec, N, K, inOff);
      return;
    }
    fast = 0;
  }
  packedBegin(
    load<u32>(rec + PF_W), N, K, load<u32>(rec + PF_BIAS), load<u32>(rec + PF_MULT), load<u32>(rec + PF_SHIFT),
    inOff, load<i32>(rec + PF_OUT_ZP), load<i32>(rec + PF_MIN), load<i32>(rec + PF_MAX), 0,
  );
  if (fast) {
    useFastTable(rec + PREPARED_FC_ARGS, (N + 15) & ~15);
    packedUseFast();
  }
  gemm_s8_packed(load<u32>(rec + PF_X), rows, K, inOff, load<u32>(rec + PF_Y));
}

export function fully_connected_s8_simd(op: usize): void {
  fully_connected_s8(op);
}
export function fully_connected_s8_scalar(op: usize): void {
  fully_connected_s8(op);
}

// ---- the one-row prepared path (SIMD): ad's ten layers, the last FC of kws, vww, ic ----

// Per group of 16 channels, 16 f32 multipliers S then 16 rounding terms e (128 bytes), after the
// op's f64 table (format/prepared.ts).
@inline function fcF32At(tab: usize, c: i32): usize {
  return tab + (<usize>(c >> 4) << 7) + (<usize>(c & 15) << 2);
}

/** Channel c's f32 entries: S (the f64 table's, rounded to f32) and e = 2^-(R+1) (0 when R = 0). */
export function fcF32Entry(tab: usize, c: i32, s: f64, e: f64): void {
  const p = fcF32At(tab, c);
  store<f32>(p, <f32>s);
  store<f32>(p, <f32>e, 64);
}

const U32: f64 = 5.9604644775390625e-8; // 2^-24, the unit roundoff of f32

/**
 * The f32 store's screen threshold for an op whose accumulators are at most accMax in magnitude
 * and whose |acc * S| are at most yMax; 0 (f32 store off) past |acc| <= 2^24 (exact in f32) or
 * |y| <= 2^20 (the magic add keeps the rounded value in its low bits).
 *
 * Why the screen is exact (the same argument as depthwise_pairs.ts f32Prepare): fcStoreF32
 * computes w = fl(fl(acc * fl(S)) + copysign(e, .)) where TFLM's result is floor(v),
 * v - 1/2 = y + copysign(e, y) (y = acc * S, requant_fast.ts). The three roundings, each 2^-24
 * relative, give |w - (v - 1/2)| <= |y| * 3.01u + e * u < tau = (3.02 * yMax + 1) * u (e <= 1/4).
 * With n = round(w) (the magic add) and |w - n| < lim = 1/2 - 2 tau, v - 1/2 lies strictly within
 * 1/2 of n, so floor(v) = n. A group with a lane nearer a tie takes the exact f64 form.
 */
export function fcF32Lim(accMax: f64, yMax: f64): f32 {
  if (accMax > 16777216.0 || yMax > 1048576.0) return 0;
  return <f32>(0.5 - 2.0 * (3.02 * yMax + 1.0) * U32);
}

// A partial last group's 16 outputs, before its N % 16 are copied out.
const fcTail: usize = memory.data(16, 16);

/**
 * fcRow's weight layout, written in place over an op's packed weights at load (prepared.ts
 * prepareFc): per 16 bytes (one tap pair of 8 channels c..c+7, OPF_PACKED_W16's c..c+3 then
 * c+4..c+7) eight i16 words, word 2j + t = w[c+4+j][t] * 256 + (w[c+j][t] + 128). One
 * i32x4.dot_i16x8_s of the input pair with the words sums both channels' products as
 * 256 * hi + (lo + 128 * x), and one with the words shifted right by 8 gives hi alone: 16 MACs per
 * load, shift and two dot-adds instead of two sign extensions and two dot-adds (the loop runs at
 * the rate of its vector operations). Every step wraps mod 2^32 (|x| <= 255, so no dot lane
 * overflows past it) and the true sums fit in i32, so lo = A - 256 * H - 128 * sum(x) exactly.
 */
export function fcRowLayout(wp: usize, bytes: usize): void {
  if (!ASC_FEATURE_SIMD) return;
  const flip = i8x16.splat(-128);
  for (let q = wp; q < wp + bytes; q += 16) {
    const v = v128.load(q);
    v128.store(q, i8x16.shuffle(v128.xor(v, flip), v, 0, 24, 1, 25, 2, 26, 3, 27, 4, 28, 5, 29, 6, 30, 7, 31));
  }
}

/**
 * The row widened into xwA with the taps up to the next multiple of 4 (which the dot loops read)
 * set to 0; returns the sum of the widened values (fcRowLayout's 128 * sum(x) term).
 */
function fcWiden(src: usize, K: i32, off: i32): i32 {
  const o = i16x8.splat(<i16>off), one = i16x8.splat(1);
  let s = i32x4.splat(0);
  let i = 0;
  for (; i + 8 <= K; i += 8) {
    const v = i16x8.add(v128.load8x8_s(src + <usize>i), o);
    v128.store(xwA + (<usize>i << 1), v);
    s = i32x4.add(s, i32x4.dot_i16x8_s(v, one));
  }
  let t = i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1) + i32x4.extract_lane(s, 2) + i32x4.extract_lane(s, 3);
  for (; i < K; i++) {
    const v = <i32>load<i8>(src + <usize>i) + off;
    store<i16>(xwA + (<usize>i << 1), <i16>v);
    t += v;
  }
  for (; i & 3; i++) store<i16>(xwA + (<usize>i << 1), 0);
  return t;
}

/**
 * One row of a prepared op whose every channel took the f32 table (PF_FAST): the row widened once,
 * then per 32 (last: 16) channels the single-row dot loop over fcRowLayout's words and the
 * f32-screened store, without packedBegin's per-op state (the record holds the arguments and the
 * padded last bias). ad's ten layers: the f32 store takes its last layer's requantization (no
 * ReLU: the sign term stays) from ~13 to ~7 ns per 16 channels.
 */
function fcRow(rec: usize, N: i32, K: i32, inOff: i32): void {
  const corr = i32x4.splat(-128 * fcWiden(load<u32>(rec + PF_X), K, inOff));
  const f32Tab = rec + PREPARED_FC_ARGS;
  const lim = load<f32>(rec + PF_F32_LIM);
  const limBits = (reinterpret<i32>(lim) << 1) - 1;
  const zp = load<i32>(rec + PF_OUT_ZP), lo = load<i32>(rec + PF_MIN), hi = load<i32>(rec + PF_MAX);
  const relu = lo >= zp;
  const y = load<u32>(rec + PF_Y), bias = load<u32>(rec + PF_BIAS);
  const mp = load<u32>(rec + PF_MULT), shp = load<u32>(rec + PF_SHIFT);
  const K2 = ((K + 3) >> 2) << 1;
  const gStride = <usize>K2 << 5;
  let w = load<u32>(rec + PF_W);
  let n = 0;
  for (; n + 32 <= N; n += 32) {
    fcTile2(w, K2, gStride, bias ? bias + (<usize>n << 2) : 0, corr, f32Tab + (<usize>n << 3), limBits, mp, shp, n, zp, lo, hi, relu, y + <usize>n);
    w += gStride << 1;
  }
  for (; n < N; n += 16) {
    const full = n + 16 <= N;
    const bp = full ? (bias ? bias + (<usize>n << 2) : 0) : rec + PF_TAIL_BIAS;
    fcTile(w, K2, bp, corr, f32Tab + (<usize>n << 3), limBits, mp, shp, n, full ? 16 : N - n, zp, lo, hi, relu, full ? y + <usize>n : fcTail);
    if (!full) for (let j = 0; j < N - n; j++) store<i8>(y + <usize>(n + j), load<i8>(fcTail + <usize>j));
    w += gStride;
  }
}

/** SIMD: the widened row against 16 channels at w (count of them stored), through the f32 screen. */
@inline function fcTile(w: usize, K2: i32, bp: usize, corr: v128, f: usize, limBits: i32, mp: usize, shp: usize, c: i32, count: i32, zp: i32, lo: i32, hi: i32, relu: bool, out: usize): void {
  let l0 = corr, l1 = corr, h0 = i32x4.splat(0), h1 = h0;
  let p = xwA;
  const end = xwA + (<usize>K2 << 2);
  if (count <= 8) {
    // At most 8 channels (ad's 128 -> 8): one word vector per tap pair; the group's upper 8 lanes
    // are padding, stored to fcTail only.
    while (p < end) {
      const u = v128.load32_splat(p), v = v128.load32_splat(p, 4);
      const q = v128.load(w), r = v128.load(w, 32);
      l0 = i32x4.add(l0, i32x4.dot_i16x8_s(u, q));
      h0 = i32x4.add(h0, i32x4.dot_i16x8_s(u, i16x8.shr_s(q, 8)));
      l0 = i32x4.add(l0, i32x4.dot_i16x8_s(v, r));
      h0 = i32x4.add(h0, i32x4.dot_i16x8_s(v, i16x8.shr_s(r, 8)));
      p += 8;
      w += 64;
    }
  }
  while (p < end) {
    const u = v128.load32_splat(p), v = v128.load32_splat(p, 4);
    const q0 = v128.load(w), q1 = v128.load(w, 16), r0 = v128.load(w, 32), r1 = v128.load(w, 48);
    l0 = i32x4.add(l0, i32x4.dot_i16x8_s(u, q0));
    h0 = i32x4.add(h0, i32x4.dot_i16x8_s(u, i16x8.shr_s(q0, 8)));
    l1 = i32x4.add(l1, i32x4.dot_i16x8_s(u, q1));
    h1 = i32x4.add(h1, i32x4.dot_i16x8_s(u, i16x8.shr_s(q1, 8)));
    l0 = i32x4.add(l0, i32x4.dot_i16x8_s(v, r0));
    h0 = i32x4.add(h0, i32x4.dot_i16x8_s(v, i16x8.shr_s(r0, 8)));
    l1 = i32x4.add(l1, i32x4.dot_i16x8_s(v, r1));
    h1 = i32x4.add(h1, i32x4.dot_i16x8_s(v, i16x8.shr_s(r1, 8)));
    p += 8;
    w += 64;
  }
  let a0 = i32x4.sub(l0, i32x4.shl(h0, 8)), a2 = i32x4.sub(l1, i32x4.shl(h1, 8));
  if (bp) {
    a0 = i32x4.add(a0, v128.load(bp)); h0 = i32x4.add(h0, v128.load(bp, 16));
    a2 = i32x4.add(a2, v128.load(bp, 32)); h1 = i32x4.add(h1, v128.load(bp, 48));
  }
  fcStore(out, a0, h0, a2, h1, f, limBits, mp, shp, c, count, zp, lo, hi, relu);
}

/** The 16 sums requantized through the f32 screen, or the exact general form when a lane is near a tie. */
@inline function fcStore(
  out: usize, a0: v128, a1: v128, a2: v128, a3: v128, f: usize, limBits: i32, mp: usize, shp: usize, c: i32, count: i32, zp: i32, lo: i32, hi: i32, relu: bool,
): void {
  const mg = f32x4.splat(12582912.0);
  const w0 = f32ScreenW(a0, v128.load(f), v128.load(f, 64), relu), w1 = f32ScreenW(a1, v128.load(f, 16), v128.load(f, 80), relu);
  const w2 = f32ScreenW(a2, v128.load(f, 32), v128.load(f, 96), relu), w3 = f32ScreenW(a3, v128.load(f, 48), v128.load(f, 112), relu);
  const t0 = f32x4.add(w0, mg), t1 = f32x4.add(w1, mg), t2 = f32x4.add(w2, mg), t3 = f32x4.add(w3, mg);
  // |w - n| per lane as the bits of |d| shifted left (their order is the floats' order): one max
  // tree and one compare for the 16.
  const d0 = i32x4.shl(f32x4.sub(w0, f32x4.sub(t0, mg)), 1), d1 = i32x4.shl(f32x4.sub(w1, f32x4.sub(t1, mg)), 1);
  const d2 = i32x4.shl(f32x4.sub(w2, f32x4.sub(t2, mg)), 1), d3 = i32x4.shl(f32x4.sub(w3, f32x4.sub(t3, mg)), 1);
  if (!v128.any_true(i32x4.gt_s(i32x4.max_s(i32x4.max_s(d0, d1), i32x4.max_s(d2, d3)), i32x4.splat(limBits)))) {
    // The rounded w + 1.5 * 2^23 holds n in its low bits: bits = 0x4B400000 + n.
    const k = i32x4.splat(0x4B400000 - zp);
    const b = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(i32x4.sub(t0, k), i32x4.sub(t1, k)), i16x8.narrow_i32x4_s(i32x4.sub(t2, k), i32x4.sub(t3, k)));
    v128.store(out, i8x16.min_s(i8x16.max_s(b, i8x16.splat(<i8>lo)), i8x16.splat(<i8>hi)));
    return;
  }
  fcStoreExact(out, a0, a1, a2, a3, mp, shp, c, count, zp, lo, hi);
}

// The sums of a partial group, for fcStoreExact's per-channel form.
const fcSums: usize = memory.data(64, 16);

/**
 * The exact general requantization of channels c..c+count-1 (out of line: its calls would make V8
 * save the sums in the tile); a partial group channel by channel, so it reads no multiplier or
 * shift past the op's N.
 */
function fcStoreExact(out: usize, a0: v128, a1: v128, a2: v128, a3: v128, mp: usize, shp: usize, c: i32, count: i32, zp: i32, lo: i32, hi: i32): void {
  const o = <usize>c << 2;
  if (count == 16) {
    requantStore16(out, a0, a1, a2, a3, mp + o, shp + o, zp, lo, hi);
    return;
  }
  v128.store(fcSums, a0); v128.store(fcSums, a1, 16); v128.store(fcSums, a2, 32); v128.store(fcSums, a3, 48);
  for (let j = 0; j < count; j++) {
    const q = <usize>j << 2;
    const v = mbqmCall(load<i32>(fcSums + q), load<i32>(mp + o + q), load<i32>(shp + o + q)) + zp;
    store<i8>(out + <usize>j, <i8>(v < lo ? lo : v > hi ? hi : v));
  }
}

/** SIMD: fcTile for 32 channels (two groups, their words gs bytes apart): one broadcast per tap pair for both. */
@inline function fcTile2(w: usize, K2: i32, gs: usize, bp: usize, corr: v128, f: usize, limBits: i32, mp: usize, shp: usize, c: i32, zp: i32, lo: i32, hi: i32, relu: bool, out: usize): void {
  let l0 = corr, l1 = corr, m0 = corr, m1 = corr, h0 = i32x4.splat(0), h1 = h0, g0 = h0, g1 = h0;
  let p = xwA;
  const end = xwA + (<usize>K2 << 2);
  let x = w + gs;
  // One tap pair per step: eight sums and one broadcast stay in registers.
  while (p < end) {
    const u = v128.load32_splat(p);
    const q0 = v128.load(w), q1 = v128.load(w, 16), s0 = v128.load(x), s1 = v128.load(x, 16);
    l0 = i32x4.add(l0, i32x4.dot_i16x8_s(u, q0));
    h0 = i32x4.add(h0, i32x4.dot_i16x8_s(u, i16x8.shr_s(q0, 8)));
    l1 = i32x4.add(l1, i32x4.dot_i16x8_s(u, q1));
    h1 = i32x4.add(h1, i32x4.dot_i16x8_s(u, i16x8.shr_s(q1, 8)));
    m0 = i32x4.add(m0, i32x4.dot_i16x8_s(u, s0));
    g0 = i32x4.add(g0, i32x4.dot_i16x8_s(u, i16x8.shr_s(s0, 8)));
    m1 = i32x4.add(m1, i32x4.dot_i16x8_s(u, s1));
    g1 = i32x4.add(g1, i32x4.dot_i16x8_s(u, i16x8.shr_s(s1, 8)));
    p += 4;
    w += 32;
    x += 32;
  }
  // One inlined copy of the store for both halves (+0.6 KB per copy).
  for (let h = 0; h < 32; h += 16) {
    const second = h != 0;
    const ll0 = second ? m0 : l0, hh0 = second ? g0 : h0, ll1 = second ? m1 : l1, hh1 = second ? g1 : h1;
    let a0 = i32x4.sub(ll0, i32x4.shl(hh0, 8)), a1 = hh0, a2 = i32x4.sub(ll1, i32x4.shl(hh1, 8)), a3 = hh1;
    if (bp) {
      const b = bp + (<usize>h << 2);
      a0 = i32x4.add(a0, v128.load(b)); a1 = i32x4.add(a1, v128.load(b, 16));
      a2 = i32x4.add(a2, v128.load(b, 32)); a3 = i32x4.add(a3, v128.load(b, 48));
    }
    fcStore(out + <usize>h, a0, a1, a2, a3, f + (<usize>h << 3), limBits, mp, shp, c + h, 16, zp, lo, hi, relu);
  }
}
