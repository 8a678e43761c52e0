// Int8 GEMM rows against ENC_SPARSE_ROWS weights read as stored (STORAGE_DIRECT): for each output
// channel n only its non-zero weights are visited, as (u8 gap, i8 value) pairs, so the work is
// proportional to the non-zeros instead of N*K. Sums are exact integers in any order, so every
// output is bit-identical with the dense kernels on the expanded weights.
//
// Stream (format/format.ts): u32 length, u8 8, u8 1, u16 0, u32 R = N, R u16 counts, then the
// entries row after row. Validated once at load (kernels/direct.ts): every column lands in [0, K).
import { ENC_HEADER_SIZE } from '../../format/format';
import { mbqmCall, clampi } from '../fixedpoint';
import { PATCH_CAP, patchBuf } from './conv2d';
import { requant4General } from '../requant_simd';
import { FAST_CAP, FAST_POS, FAST_D, fastEntry, fastChannel, fast2 } from '../requant_fast';

// Channel n's multiplier and shift in all four lanes (requant4General reads them from memory).
const splat4: usize = memory.data(32, 16);

/** One output: bias, requant, clamp, store (a call: per-output work, shared by the direct kernels). */
export function out1(acc: i32, n: i32, bp: usize, mp: usize, shp: usize, outZp: i32, amin: i32, amax: i32, y: usize): void {
  out1Inline(acc, n, bp, mp, shp, outZp, amin, amax, y);
}
/** out1 for kernels with little work per output (the scalar 1-bit kernels), where a call costs ~10 %. */
@inline export function out1Inline(acc: i32, n: i32, bp: usize, mp: usize, shp: usize, outZp: i32, amin: i32, amax: i32, y: usize): void {
  const c = <usize>n << 2;
  const sum = acc + (bp != 0 ? load<i32>(bp + c) : 0);
  store<i8>(y, <i8>clampi(mbqmCall(sum, load<i32>(mp + c), load<i32>(shp + c)) + outZp, amin, amax));
}

/**
 * y[r, n] = requant(bias[n] + sum over the row's entries (x[r, col] + inOff) * value), for `rows`
 * x rows of K bytes (row stride K) and N output channels (output row stride N).
 */
export function sparse_rows_gemm_s8(
  xp: usize, rows: i32, K: i32, s: usize, N: i32, bp: usize, mp: usize, shp: usize,
  inOff: i32, outZp: i32, amin: i32, amax: i32, yp: usize,
): void {
  const counts = s + ENC_HEADER_SIZE;
  const entries0 = counts + (<usize>N << 1);
  const xs = <usize>K, ys = <usize>N;
  let r = 0;
  if (ASC_FEATURE_SIMD && rows >= 4 && tileFits(K)) {
    sparseTileBegin(rows, s, N, inOff, bp, mp, shp);
    for (; r < rows; r += 8) {
      const nr = rows - r < 8 ? rows - r : 8;
      for (let i = 0; i < 8; i++) tileLane(xp + <usize>(r + (i < nr ? i : 0)) * xs, K, inOff, i);
      sparse_tile8_simd(K, s, N, bp, mp, shp, outZp, amin, amax, yp + <usize>r * ys, ys, nr);
    }
    return;
  }
  // Four x rows share each decoded entry.
  for (; r + 4 <= rows; r += 4) {
    const x0 = xp + <usize>r * xs - 1;
    const y0 = yp + <usize>r * ys;
    let e = entries0;
    for (let n = 0; n < N; n++) {
      const c = <i32>load<u16>(counts + (<usize>n << 1));
      let p = x0;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (let j = 0; j < c; j++) {
        const v = <i32>load<i16>(e); // value in the high byte, sign-extended by the load
        e += 2;
        p += <usize>(v & 255) + 1;
        const w = v >> 8;
        a0 += (<i32>load<i8>(p) + inOff) * w;
        a1 += (<i32>load<i8>(p + xs) + inOff) * w;
        a2 += (<i32>load<i8>(p + 2 * xs) + inOff) * w;
        a3 += (<i32>load<i8>(p + 3 * xs) + inOff) * w;
      }
      const y = y0 + <usize>n;
      out1(a0, n, bp, mp, shp, outZp, amin, amax, y);
      out1(a1, n, bp, mp, shp, outZp, amin, amax, y + ys);
      out1(a2, n, bp, mp, shp, outZp, amin, amax, y + 2 * ys);
      out1(a3, n, bp, mp, shp, outZp, amin, amax, y + 3 * ys);
    }
  }
  for (; r < rows; r++) {
    const x0 = xp + <usize>r * xs - 1;
    const y0 = yp + <usize>r * ys;
    let e = entries0;
    for (let n = 0; n < N; n++) {
      const c = <i32>load<u16>(counts + (<usize>n << 1));
      let p = x0;
      let a0 = 0, a1 = 0;
      let j = 0;
      // Two independent sums shorten the add chain; the column walk stays serial.
      for (; j + 2 <= c; j += 2) {
        const v = <i32>load<i16>(e), u = <i32>load<i16>(e, 2);
        e += 4;
        p += <usize>(v & 255) + 1;
        a0 += (<i32>load<i8>(p) + inOff) * (v >> 8);
        p += <usize>(u & 255) + 1;
        a1 += (<i32>load<i8>(p) + inOff) * (u >> 8);
      }
      if (j < c) {
        const v = <i32>load<i16>(e);
        e += 2;
        p += <usize>(v & 255) + 1;
        a0 += (<i32>load<i8>(p) + inOff) * (v >> 8);
      }
      out1(a0 + a1, n, bp, mp, shp, outZp, amin, amax, y0 + <usize>n);
    }
  }
}

// ---- SIMD: eight x rows per pass ----
// The non-zeros are scattered, so one x row gives nothing to vectorise; eight rows do. The rows are
// transposed once into i16 lanes (xT[k] = the eight rows' x[., k] + inOff, 16 bytes a column) and
// each entry then costs one 16-byte load, a splat and two widening multiplies for eight products:
// (x + inOff) * w fits i16 exactly (|x + inOff| <= 255, |w| <= 128), the sums are i32.
// The tile lives in conv2d's patch buffer (never in use at the same time), after one gathered
// patch of K bytes: columns [TILE_AT(K), +16 K).

/** Where the transposed tile starts in patchBuf (after room for one K-byte patch). */
@inline export function tileAt(K: i32): usize {
  return patchBuf + ((<usize>K + 15) & ~15);
}
/** Whether a K-column tile (and the patch before it) fits patchBuf. */
@inline export function tileFits(K: i32): bool {
  return ((<usize>K + 15) & ~15) + (<usize>K << 4) <= <usize>PATCH_CAP;
}

/** Lane r of the tile: x[0..K) + inOff as i16, one every 16 bytes. */
export function tileLane(x: usize, K: i32, inOff: i32, r: i32): void {
  const t = tileAt(K) + (<usize>r << 1);
  for (let k = 0; k < K; k++) store<i16>(t + (<usize>k << 4), <i16>(<i32>load<i8>(x + <usize>k) + inOff));
}

// Set per op run by sparseTileBegin.
let tileFast = false;

/**
 * Per op run of the tile kernel: prepares requant_fast.ts's exact f64 requantization when every
 * channel qualifies, from the bound |acc| <= |bias_n| + max|x + inOff| * sum|w_n|, with sum|w_n|
 * first bounded by 128 * count_n (no pass over the entries) and summed only when that is too loose
 * and there are at least 32 rows (the pass costs about as much as one 8-row tile).
 */
export function sparseTileBegin(rows: i32, s: usize, N: i32, inOff: i32, bp: usize, mp: usize, shp: usize): void {
  tileFast = false;
  if (rows < 8 || N > FAST_CAP) return;
  const counts = s + ENC_HEADER_SIZE;
  let e = counts + (<usize>N << 1);
  const maxX = <f64>(inOff < 0 ? 128 - inOff : 127 + inOff);
  for (let n = 0; n < N; n++) {
    const c = <i32>load<u16>(counts + (<usize>n << 1));
    const o = <usize>n << 2;
    const b = bp ? Math.abs(<f64>load<i32>(bp + o)) : 0.0;
    const m = load<i32>(mp + o), sh = load<i32>(shp + o);
    if (!fastChannel(n, m, sh, b + maxX * <f64>(c << 7))) {
      if (rows < 32) return;
      let sum = 0;
      for (let j = 0; j < c; j++) {
        const v = <i32>load<i16>(e + (<usize>j << 1)) >> 8;
        sum += v < 0 ? -v : v;
      }
      if (!fastChannel(n, m, sh, b + maxX * <f64>sum)) return;
    }
    e += <usize>c << 1;
  }
  tileFast = true;
}

/** Eight lanes (two i32x4) of one channel through its prepared f64 entries (S, pos, d splat). */
@inline function fast4(a: v128, S: v128, pos: v128, d: v128, zp: i32, amin: i32, amax: i32): v128 {
  const rl = fast2(f64x2.convert_low_i32x4_s(a), S, pos, d);
  const rh = fast2(f64x2.convert_low_i32x4_s(i32x4.shuffle(a, a, 2, 3, 2, 3)), S, pos, d);
  const r = i32x4.shuffle(i32x4.trunc_sat_f64x2_s_zero(rl), i32x4.trunc_sat_f64x2_s_zero(rh), 0, 1, 4, 5);
  return i32x4.min_s(i32x4.max_s(i32x4.add(r, i32x4.splat(zp)), i32x4.splat(amin)), i32x4.splat(amax));
}

/** The `nrows` (<= 8) rows of the tile against every output channel; row r's outputs at y + r*ys. */
export function sparse_tile8_simd(K: i32, s: usize, N: i32, bp: usize, mp: usize, shp: usize, outZp: i32, amin: i32, amax: i32, y: usize, ys: usize, nrows: i32): void {
  const counts = s + ENC_HEADER_SIZE;
  let e = counts + (<usize>N << 1);
  const t0 = tileAt(K) - 16;
  for (let n = 0; n < N; n++) {
    const c = <i32>load<u16>(counts + (<usize>n << 1));
    let p = t0;
    let lo = i32x4.splat(0), hi = i32x4.splat(0);
    for (let j = 0; j < c; j++) {
      const v = <i32>load<i16>(e);
      e += 2;
      p += (<usize>(v & 255) + 1) << 4;
      const w = i16x8.splat(<i16>(v >> 8));
      const xv = v128.load(p);
      lo = i32x4.add(lo, i32x4.extmul_low_i16x8_s(xv, w));
      hi = i32x4.add(hi, i32x4.extmul_high_i16x8_s(xv, w));
    }
    tileStore(lo, hi, n, bp, mp, shp, outZp, amin, amax, y, ys, nrows);
  }
}

/**
 * Channel n of the tile's `nrows` rows (sums lo = rows 0-3, hi = rows 4-7): bias, requantization and
 * the stores (out of the entry loop's function: a separate function keeps that loop's registers).
 */
function tileStore(lo: v128, hi: v128, n: i32, bp: usize, mp: usize, shp: usize, outZp: i32, amin: i32, amax: i32, y: usize, ys: usize, nrows: i32): void {
  // The eight rows share channel n's bias, multiplier and shift: requantized as two vectors.
  const ch = <usize>n << 2;
  const bias = i32x4.splat(bp != 0 ? load<i32>(bp + ch) : 0);
  lo = i32x4.add(lo, bias);
  hi = i32x4.add(hi, bias);
  let ql: v128, qh: v128;
  if (tileFast) {
    const t = fastEntry(n);
    const S = v128.load64_splat(t), pos = v128.load64_splat(t + FAST_POS), d = v128.load64_splat(t + FAST_D);
    ql = fast4(lo, S, pos, d, outZp, amin, amax);
    qh = fast4(hi, S, pos, d, outZp, amin, amax);
  } else {
    v128.store(splat4, i32x4.splat(load<i32>(mp + ch)));
    v128.store(splat4, i32x4.splat(load<i32>(shp + ch)), 16);
    ql = requant4General(lo, splat4, splat4 + 16, outZp, amin, amax);
    qh = requant4General(hi, splat4, splat4 + 16, outZp, amin, amax);
  }
  const q = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(ql, qh), ql);
  const yn = y + <usize>n;
  store<i8>(yn, i8x16.extract_lane_s(q, 0));
  if (nrows > 1) store<i8>(yn + ys, i8x16.extract_lane_s(q, 1));
  if (nrows > 2) store<i8>(yn + 2 * ys, i8x16.extract_lane_s(q, 2));
  if (nrows > 3) store<i8>(yn + 3 * ys, i8x16.extract_lane_s(q, 3));
  if (nrows > 4) store<i8>(yn + 4 * ys, i8x16.extract_lane_s(q, 4));
  if (nrows > 5) store<i8>(yn + 5 * ys, i8x16.extract_lane_s(q, 5));
  if (nrows > 6) store<i8>(yn + 6 * ys, i8x16.extract_lane_s(q, 6));
  if (nrows > 7) store<i8>(yn + 7 * ys, i8x16.extract_lane_s(q, 7));
}
