// Int8 GEMM over rows: y[r, n] = requant(bias[n] + sum_k (x[r, k] + inOff) * w[n, k]). Shared by
// fully_connected and the 1x1 stride-1 unpadded conv2d (pixels are rows, no im2col).
//
// SIMD micro-kernel tile_s8_2x4_simd: two x rows times four weight rows per step. Each K step of 8
// widens two x runs (+ offset) and four weight runs once and feeds eight i32x4.dot_i16x8_s, so one
// load serves four (x) or two (w) products instead of one. Integer sums are exact in any order,
// so results are bit-identical with the scalar path and the reference.
import { mbqm, clampi } from '../fixedpoint';
import { requant4General, store4s8 } from '../requant_simd';
import { fastPrepare, requant4Prepared, requantFastStore16x2, requantFastStore16x2Relu, f32Begin, f32Finish, useF32Table, f32Built } from '../requant_fast';
import { xwA } from './gemm_packed';
import { dotS8, dot4_s8_scalar } from './dot';
import { rqStore2 } from './requant_scalar';
import { kernelBuilt } from '../features';
import { KERNEL_SMALLK } from '../../format/runtime-features';

const acc4: usize = memory.data(16, 16);

/** Lane j = sum of the four lanes of aj (transpose-and-add). */
@inline function reduce4(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const s01 = i32x4.add(i32x4.shuffle(a0, a1, 0, 4, 2, 6), i32x4.shuffle(a0, a1, 1, 5, 3, 7));
  const s23 = i32x4.add(i32x4.shuffle(a2, a3, 0, 4, 2, 6), i32x4.shuffle(a2, a3, 1, 5, 3, 7));
  return i32x4.add(i32x4.shuffle(s01, s23, 0, 1, 4, 5), i32x4.shuffle(s01, s23, 2, 3, 6, 7));
}

/** K % 8 leftover of one x row against four weight rows, as one i32x4 (lane j = weight row j). */
@inline function tail1x4(x: usize, w: usize, ws: usize, from: i32, K: i32, offset: i32): v128 {
  let t = i32x4.splat(0);
  for (let i = from; i < K; i++) {
    const p = w + <usize>i;
    let wv = i32x4.splat(<i32>load<i8>(p));
    wv = i32x4.replace_lane(wv, 1, <i32>load<i8>(p + ws));
    wv = i32x4.replace_lane(wv, 2, <i32>load<i8>(p + 2 * ws));
    wv = i32x4.replace_lane(wv, 3, <i32>load<i8>(p + 3 * ws));
    t = i32x4.add(t, i32x4.mul(i32x4.splat(<i32>load<i8>(x + <usize>i) + offset), wv));
  }
  return t;
}

/**
 * The 2x4 tile: two x runs (x0, x1) against four weight runs (w + j*ws), over `rows` kernel rows
 * (run r at x + r*xStride, w + r*wStride; one row for a plain GEMM); bias, requant and store of 4
 * outputs to y0 and 4 to y1.
 */
export function tile_s8_2x4_simd(
  x0: usize, x1: usize, xStride: usize, w: usize, wStride: usize, ws: usize, rows: i32, K: i32,
  off: v128, offset: i32, bias: v128, mp: usize, shp: usize, fc: i32, outZp: i32, amin: i32, amax: i32,
  y0: usize, y1: usize,
): void {
  let a00 = i32x4.splat(0), a01 = i32x4.splat(0), a02 = i32x4.splat(0), a03 = i32x4.splat(0);
  let a10 = i32x4.splat(0), a11 = i32x4.splat(0), a12 = i32x4.splat(0), a13 = i32x4.splat(0);
  let s0 = bias, s1 = bias;
  const kEnd = <usize>(K & ~7);
  for (let r = 0; r < rows; r++) {
    const xa = x0 + <usize>r * xStride, xb = x1 + <usize>r * xStride;
    const w0 = w + <usize>r * wStride, w1 = w0 + ws, w2 = w1 + ws, w3 = w2 + ws;
    for (let i: usize = 0; i < kEnd; i += 8) {
      const u = i16x8.add(v128.load8x8_s(xa + i), off);
      const v = i16x8.add(v128.load8x8_s(xb + i), off);
      const q0 = v128.load8x8_s(w0 + i);
      a00 = i32x4.add(a00, i32x4.dot_i16x8_s(u, q0));
      a10 = i32x4.add(a10, i32x4.dot_i16x8_s(v, q0));
      const q1 = v128.load8x8_s(w1 + i);
      a01 = i32x4.add(a01, i32x4.dot_i16x8_s(u, q1));
      a11 = i32x4.add(a11, i32x4.dot_i16x8_s(v, q1));
      const q2 = v128.load8x8_s(w2 + i);
      a02 = i32x4.add(a02, i32x4.dot_i16x8_s(u, q2));
      a12 = i32x4.add(a12, i32x4.dot_i16x8_s(v, q2));
      const q3 = v128.load8x8_s(w3 + i);
      a03 = i32x4.add(a03, i32x4.dot_i16x8_s(u, q3));
      a13 = i32x4.add(a13, i32x4.dot_i16x8_s(v, q3));
    }
    if (<i32>kEnd < K) {
      s0 = i32x4.add(s0, tail1x4(xa, w0, ws, <i32>kEnd, K, offset));
      s1 = i32x4.add(s1, tail1x4(xb, w0, ws, <i32>kEnd, K, offset));
    }
  }
  s0 = i32x4.add(s0, reduce4(a00, a01, a02, a03));
  s1 = i32x4.add(s1, reduce4(a10, a11, a12, a13));
  // fc >= 0: channels fc..fc+3 of the prepared exact-f64 table (requant_fast.ts).
  if (fc >= 0) {
    store4s8(y0, requant4Prepared(s0, fc, outZp, amin, amax));
    store4s8(y1, requant4Prepared(s1, fc, outZp, amin, amax));
  } else {
    store4s8(y0, requant4General(s0, mp, shp, outZp, amin, amax));
    store4s8(y1, requant4General(s1, mp, shp, outZp, amin, amax));
  }
}

/**
 * Scalar 2x4 tile: rows x0 and x0 + xs against weight rows w + j*K (j < 4); eight sums in locals,
 * then bias (bp = 0: none), requant and store to y0[0..3] and y0 + ys [0..3].
 */
function tile_s8_2x4_scalar(
  x0: usize, xs: usize, w: usize, K: i32, offset: i32, bp: usize, mp: usize, shp: usize,
  outZp: i32, amin: i32, amax: i32, y0: usize, ys: usize,
): void {
  const ws = <usize>K;
  const x1 = x0 + xs;
  const w1 = w + ws, w2 = w1 + ws, w3 = w2 + ws;
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
  // Four taps per step with constant load offsets (one address add per run per step).
  const k4 = ws & ~3;
  let i: usize = 0;
  for (; i < k4; i += 4) {
    const xa = x0 + i, xb = x1 + i, p0 = w + i, p1 = w1 + i, p2 = w2 + i, p3 = w3 + i;
    let u = <i32>load<i8>(xa) + offset, v = <i32>load<i8>(xb) + offset;
    let q0 = <i32>load<i8>(p0), q1 = <i32>load<i8>(p1), q2 = <i32>load<i8>(p2), q3 = <i32>load<i8>(p3);
    a0 += u * q0; a1 += u * q1; a2 += u * q2; a3 += u * q3;
    b0 += v * q0; b1 += v * q1; b2 += v * q2; b3 += v * q3;
    u = <i32>load<i8>(xa, 1) + offset; v = <i32>load<i8>(xb, 1) + offset;
    q0 = <i32>load<i8>(p0, 1); q1 = <i32>load<i8>(p1, 1); q2 = <i32>load<i8>(p2, 1); q3 = <i32>load<i8>(p3, 1);
    a0 += u * q0; a1 += u * q1; a2 += u * q2; a3 += u * q3;
    b0 += v * q0; b1 += v * q1; b2 += v * q2; b3 += v * q3;
    u = <i32>load<i8>(xa, 2) + offset; v = <i32>load<i8>(xb, 2) + offset;
    q0 = <i32>load<i8>(p0, 2); q1 = <i32>load<i8>(p1, 2); q2 = <i32>load<i8>(p2, 2); q3 = <i32>load<i8>(p3, 2);
    a0 += u * q0; a1 += u * q1; a2 += u * q2; a3 += u * q3;
    b0 += v * q0; b1 += v * q1; b2 += v * q2; b3 += v * q3;
    u = <i32>load<i8>(xa, 3) + offset; v = <i32>load<i8>(xb, 3) + offset;
    q0 = <i32>load<i8>(p0, 3); q1 = <i32>load<i8>(p1, 3); q2 = <i32>load<i8>(p2, 3); q3 = <i32>load<i8>(p3, 3);
    a0 += u * q0; a1 += u * q1; a2 += u * q2; a3 += u * q3;
    b0 += v * q0; b1 += v * q1; b2 += v * q2; b3 += v * q3;
  }
  for (; i < ws; i++) {
    const u = <i32>load<i8>(x0 + i) + offset, v = <i32>load<i8>(x1 + i) + offset;
    const q0 = <i32>load<i8>(w + i), q1 = <i32>load<i8>(w1 + i), q2 = <i32>load<i8>(w2 + i), q3 = <i32>load<i8>(w3 + i);
    a0 += u * q0; a1 += u * q1; a2 += u * q2; a3 += u * q3;
    b0 += v * q0; b1 += v * q1; b2 += v * q2; b3 += v * q3;
  }
  const y1 = y0 + ys;
  rqOut(a0, b0, 0, bp, mp, shp, outZp, amin, amax, y0, y1);
  rqOut(a1, b1, 1, bp, mp, shp, outZp, amin, amax, y0, y1);
  rqOut(a2, b2, 2, bp, mp, shp, outZp, amin, amax, y0, y1);
  rqOut(a3, b3, 3, bp, mp, shp, outZp, amin, amax, y0, y1);
}

/** Channel j of the scalar tile, both rows (requant_scalar.ts: inline integer requantization). */
@inline function rqOut(a: i32, b: i32, j: usize, bp: usize, mp: usize, shp: usize, outZp: i32, amin: i32, amax: i32, y0: usize, y1: usize): void {
  const c = j << 2;
  rqStore2(a, b, true, bp != 0 ? load<i32>(bp + c) : 0, load<i32>(mp + c), load<i32>(shp + c), outZp, amin, amax, y0 + j, y1 + j);
}

// gemm_s8_smallk_16ch_simd: K <= 32 (a multiple of 8), N a multiple of 16. Output channels sit in
// lanes: weights are packed once per op as i16 pairs (w[n][2j], w[n][2j+1]) for four channels per
// vector, each pixel's x is widened (+ offset) once, and x pair j is broadcast with load32_splat,
// so one i32x4.dot_i16x8_s adds two taps to four channels with no reduction shuffles.
// The pack lives in the op's scratch (format/kernel-scratch.ts): SMALLK_PACK_CAP i16 values, 0
// when the op has none (set by useSmallkPack before the op runs).
let SMALLK_PACK_CAP: i32 = 0;
let smallkPack: usize = 0;
export function useSmallkPack(at: usize, bytes: i32): void {
  smallkPack = at;
  SMALLK_PACK_CAP = bytes >> 1;
}
// Two widened rows (K <= 32 i16 each, 64 bytes apart), and the outputs of a lone last row's twin.
const smallkX: usize = memory.data(128, 16);
const smallkSpare: usize = memory.data(16, 16);

function gemm_s8_smallk_16ch_simd(
  xp: usize, rows: i32, K: i32, wp: usize, N: i32, outZp: i32, amin: i32, amax: i32, yp: usize, bp: usize, inOff: i32,
): void {
  const half = K >> 1;
  for (let q = 0; q < N >> 2; q++) {
    for (let j = 0; j < half; j++) {
      const dst = smallkPack + (<usize>(q * half + j) << 4);
      for (let c = 0; c < 4; c++) {
        const src = wp + <usize>((4 * q + c) * K + 2 * j);
        store<i16>(dst + (<usize>c << 2), <i16>load<i8>(src));
        store<i16>(dst + (<usize>c << 2) + 2, <i16>load<i8>(src + 1));
      }
    }
  }
  const off = i16x8.splat(<i16>inOff);
  const qStride = <usize>half << 4;
  // Rows in pairs: each packed weight vector feeds both, and the requantization reads its table
  // once for both (a lone last row runs as its own twin into smallkSpare).
  for (let r = 0; r < rows; r += 2) {
    const two = r + 1 < rows;
    const xr = xp + <usize>r * <usize>K, xs2 = two ? xr + <usize>K : xr;
    for (let k = 0; k < K; k += 8) {
      v128.store(smallkX + (<usize>k << 1), i16x8.add(v128.load8x8_s(xr + <usize>k), off));
      v128.store(smallkX + 64 + (<usize>k << 1), i16x8.add(v128.load8x8_s(xs2 + <usize>k), off));
    }
    const y = yp + <usize>r * <usize>N;
    for (let n = 0; n < N; n += 16) {
      const bo = bp + (<usize>n << 2);
      let a0 = bp ? v128.load(bo) : i32x4.splat(0), a1 = bp ? v128.load(bo, 16) : i32x4.splat(0);
      let a2 = bp ? v128.load(bo, 32) : i32x4.splat(0), a3 = bp ? v128.load(bo, 48) : i32x4.splat(0);
      let b0 = a0, b1 = a1, b2 = a2, b3 = a3;
      let w0 = smallkPack + (<usize>(n >> 2)) * qStride;
      for (let j = 0; j < half; j++) {
        const xa = v128.load32_splat(smallkX + (<usize>j << 2));
        const xb = v128.load32_splat(smallkX + 64 + (<usize>j << 2));
        let q = v128.load(w0);
        a0 = i32x4.add(a0, i32x4.dot_i16x8_s(xa, q));
        b0 = i32x4.add(b0, i32x4.dot_i16x8_s(xb, q));
        q = v128.load(w0 + qStride);
        a1 = i32x4.add(a1, i32x4.dot_i16x8_s(xa, q));
        b1 = i32x4.add(b1, i32x4.dot_i16x8_s(xb, q));
        q = v128.load(w0 + 2 * qStride);
        a2 = i32x4.add(a2, i32x4.dot_i16x8_s(xa, q));
        b2 = i32x4.add(b2, i32x4.dot_i16x8_s(xb, q));
        q = v128.load(w0 + 3 * qStride);
        a3 = i32x4.add(a3, i32x4.dot_i16x8_s(xa, q));
        b3 = i32x4.add(b3, i32x4.dot_i16x8_s(xb, q));
        w0 += 16;
      }
      const yb = two ? y + <usize>(N + n) : smallkSpare;
      if (amin >= outZp) requantFastStore16x2Relu(y + <usize>n, yb, a0, a1, a2, a3, b0, b1, b2, b3, n, outZp, amin, amax);
      else requantFastStore16x2(y + <usize>n, yb, a0, a1, a2, a3, b0, b1, b2, b3, n, outZp, amin, amax);
    }
  }
}

/**
 * rows x [rows, K] (row stride K) times w [N, K]; y [rows, N]. bp = 0: no bias. mp/shp: per-channel
 * multiplier and shift.
 */
@inline function gemm_s8_rows_impl(
  xp: usize, rows: i32, K: i32, wp: usize, N: i32, bp: usize, mp: usize, shp: usize,
  inOff: i32, outZp: i32, amin: i32, amax: i32, yp: usize, simd: bool,
): void {
  const hasBias = bp != 0;
  const rowBytes = <usize>K, outRow = <usize>N;
  let r = 0;
  // Enough rows to pay for the bound check: requantize in exact f64 (requant_fast.ts).
  let fast = false;
  if (ASC_FEATURE_SIMD && simd) {
    // The small-K kernel's f32 table: in gemm_packed.ts's row buffer, which this path leaves unused.
    const smallk = kernelBuilt(KERNEL_SMALLK) && (K & 7) == 0 && K <= 32 && (N & 15) == 0 && N * K <= SMALLK_PACK_CAP;
    f32Begin(smallk && f32Built() ? xwA : 0);
    fast = rows >= 4 && fastPrepare(N, wp, K, 1, K, bp, mp, shp, inOff);
    const bits = f32Finish();
    useF32Table(xwA, fast && smallk ? bits : 0);
  }
  if (ASC_FEATURE_SIMD && simd) {
    // Plain weights only (--weight-layout plain, decoded weights): since session 8 the converter
    // packs these layers, whose packed column sweep (gemm_packed.ts gemmCols) runs vww's 8->16 and
    // 16->32 1x1 convs in 0.81x / 0.90x this kernel's time.
    if (kernelBuilt(KERNEL_SMALLK) && fast && (K & 7) == 0 && K <= 32 && (N & 15) == 0 && N * K <= SMALLK_PACK_CAP) {
      gemm_s8_smallk_16ch_simd(xp, rows, K, wp, N, outZp, amin, amax, yp, bp, inOff);
      return;
    }
    const off = i16x8.splat(<i16>inOff);
    // Row pairs: the 2x4 tile over channel blocks of four. An odd last row pairs with itself
    // (both results are the same bytes at the same place): one tile instead of a 1x4 variant,
    // for what is at most one row per op.
    for (; r < rows; r += 2) {
      const two = r + 1 < rows;
      const x0 = xp + <usize>r * rowBytes, x1 = two ? x0 + rowBytes : x0;
      const y0 = yp + <usize>r * outRow, y1 = two ? y0 + outRow : y0;
      let n = 0;
      for (; n + 4 <= N; n += 4) {
        const ch = <usize>n << 2;
        const bias = hasBias ? v128.load(bp + ch) : i32x4.splat(0);
        tile_s8_2x4_simd(
          x0, x1, 0, wp + <usize>n * rowBytes, 0, rowBytes, 1, K, off, inOff,
          bias, mp + ch, shp + ch, fast ? n : -1, outZp, amin, amax, y0 + <usize>n, y1 + <usize>n,
        );
      }
      for (; n < N; n++) {
        const ch = <usize>n << 2;
        const m = load<i32>(mp + ch), s = load<i32>(shp + ch), b = hasBias ? load<i32>(bp + ch) : 0;
        const wr = wp + <usize>n * rowBytes;
        store<i8>(y0 + <usize>n, <i8>clampi(mbqm(dotS8(true, x0, wr, K, inOff) + b, m, s) + outZp, amin, amax));
        store<i8>(y1 + <usize>n, <i8>clampi(mbqm(dotS8(true, x1, wr, K, inOff) + b, m, s) + outZp, amin, amax));
      }
    }
    return;
  }
  if (!(ASC_FEATURE_SIMD && simd)) {
    // Scalar build: row pairs through the scalar 2x4 tile (each x and w byte loaded once for two
    // or four products).
    for (; r + 2 <= rows; r += 2) {
      const x0 = xp + <usize>r * rowBytes;
      const y0 = yp + <usize>r * outRow;
      let n = 0;
      for (; n + 4 <= N; n += 4) {
        tile_s8_2x4_scalar(x0, rowBytes, wp + <usize>n * rowBytes, K, inOff, hasBias ? bp + (<usize>n << 2) : 0, mp + (<usize>n << 2), shp + (<usize>n << 2), outZp, amin, amax, y0 + <usize>n, outRow);
      }
      for (; n < N; n++) {
        const ch = <usize>n << 2;
        const m = load<i32>(mp + ch), s = load<i32>(shp + ch), b = hasBias ? load<i32>(bp + ch) : 0;
        const wr = wp + <usize>n * rowBytes;
        store<i8>(y0 + <usize>n, <i8>clampi(mbqm(dotS8(false, x0, wr, K, inOff) + b, m, s) + outZp, amin, amax));
        store<i8>(y0 + outRow + <usize>n, <i8>clampi(mbqm(dotS8(false, x0 + rowBytes, wr, K, inOff) + b, m, s) + outZp, amin, amax));
      }
    }
  }
  // Scalar: the remaining row, 1x4 blocks.
  for (; r < rows; r++) {
    const xr = xp + <usize>r * rowBytes;
    let out = yp + <usize>r * outRow;
    let n = 0;
    for (; n + 4 <= N; n += 4) {
      for (let j = 0; j < 4; j++) {
        store<i32>(acc4 + (<usize>j << 2), hasBias ? load<i32>(bp + (<usize>(n + j) << 2)) : 0);
      }
      dot4_s8_scalar(xr, wp + <usize>n * rowBytes, rowBytes, K, inOff, acc4);
      const chn = <usize>n << 2;
      for (let j: usize = 0; j < 4; j++) {
        const c = chn + (j << 2);
        const acc = load<i32>(acc4 + (j << 2));
        store<i8>(out + j, <i8>clampi(mbqm(acc, load<i32>(mp + c), load<i32>(shp + c)) + outZp, amin, amax));
      }
      out += 4;
    }
    for (; n < N; n++) {
      let acc = dotS8(simd, xr, wp + <usize>n * rowBytes, K, inOff);
      if (hasBias) acc += load<i32>(bp + (<usize>n << 2));
      const m = load<i32>(mp + (<usize>n << 2)), s = load<i32>(shp + (<usize>n << 2));
      store<i8>(out, <i8>clampi(mbqm(acc, m, s) + outZp, amin, amax));
      out += 1;
    }
  }
}

export function gemm_s8_rows(
  xp: usize, rows: i32, K: i32, wp: usize, N: i32, bp: usize, mp: usize, shp: usize,
  inOff: i32, outZp: i32, amin: i32, amax: i32, yp: usize,
): void {
  if (ASC_FEATURE_SIMD) gemm_s8_rows_impl(xp, rows, K, wp, N, bp, mp, shp, inOff, outZp, amin, amax, yp, true);
  else gemm_s8_rows_impl(xp, rows, K, wp, N, bp, mp, shp, inOff, outZp, amin, amax, yp, false);
}
