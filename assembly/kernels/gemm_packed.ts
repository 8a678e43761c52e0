// Int8 conv2d (group 1) / fully_connected on weights the converter packed (OPF_PACKED_W16,
// format/format.ts: 16 output channels x 2 taps per 32-byte step). Every output pixel (conv) or
// row (FC) is first written to a fixed buffer as i16 values x + input_offset, padded taps as 0
// (exactly TFLM's skipped taps: (zp + input_offset) * w = 0); the micro-kernels then broadcast one
// tap pair per step (v128.load32_splat) into i32x4.dot_i16x8_s against the packed weights, so the
// four accumulators of 16 channels need no reduction and the weights stream with constant offsets.
// Integer sums are exact in any order: both builds give TFLM's bytes.
import { PACKED_K_MAX } from '../../format/format';
import { requantStore8, requantStore16 } from '../requant_simd';
import { fastPrepare, fastPreparePacked, requantFastStore8, requantFastStore8Relu, requantFastStore16, requantFastStore16Relu, requantFastStore16x2, requantFastStore16x2Relu, f32Ready4x8, requantF32Store4x8Relu, f32TableAt } from '../requant_fast';
import { kernelBuilt } from '../features';
import { KERNEL_CONV_F32, KERNEL_CONV_F32_RELU, KERNEL_CONV1X1_COLS, KERNEL_CONV1X1_STRIDED } from '../../format/runtime-features';
import { rqStore2 } from './requant_scalar';

// Two widened rows (pixels) of up to PACKED_K_MAX taps, at a constant distance so the 2-row tile
// addresses both with one pointer. conv2d.ts's patch buffer (16 KB) is the same region.
export const XW_STRIDE: usize = (<usize>PACKED_K_MAX << 1) + 64;
export const xwA: usize = memory.data(<i32>XW_STRIDE * 2, 16);
const xwB: usize = xwA + XW_STRIDE;

// Per-op state, set by packedBegin (one op runs at a time).
let pkW: usize = 0;
let pkK2: i32 = 0;
let pkN: i32 = 0;
let pkBias: usize = 0;
let pkMp: usize = 0;
let pkShp: usize = 0;
let pkFast: bool = false;
// K of plain-layout (OHWI) weights at pkW, which only packedRowRepack reads; 0: packed.
let pkPlainK: i32 = 0;
let pkZp: i32 = 0;
let pkMin: i32 = 0;
let pkMax: i32 = 0;
// The last partial group of 16 channels: bias / multiplier / shift copied and zero-padded to 16,
// outputs staged here and copied out (the kernels read and write whole groups).
const tailBias: usize = memory.data(64, 16);
const tailMult: usize = memory.data(64, 16);
const tailShift: usize = memory.data(64, 16);
const tailOut: usize = memory.data(32, 16);

// Ops with at most 8 channels run four rows at once, at a quarter of the buffer each (K <= Q_K_MAX).
const XQ: usize = XW_STRIDE >> 1;
export const Q_K_MAX: i32 = <i32>(XQ >> 1) - 32;

/** Widened row j of the buffer: 0 or 1 (two-row tiles), or with `quad` 0..3 (four-row tile). */
@inline export function xwRow(j: i32, quad: bool = false): usize {
  return xwA + <usize>j * (quad ? XQ : XW_STRIDE);
}

/**
 * Zeros at least `bytes` bytes at dst; the SIMD build writes whole 16-byte steps (up to 15 bytes
 * more), so callers write what follows afterwards. (memory.fill costs a runtime call per use.)
 */
@inline export function zeroOver(dst: usize, bytes: usize): void {
  if (ASC_FEATURE_SIMD) {
    const z = i32x4.splat(0);
    for (let i: usize = 0; i < bytes; i += 16) v128.store(dst + i, z);
  } else {
    for (let i: usize = 0; i < bytes; i += 4) store<i32>(dst + i, 0);
  }
}

/** dst[i] = x[i] + off as i16 for i < n. */
export function widenRun(dst: usize, src: usize, n: i32, off: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const o = i16x8.splat(<i16>off);
    for (; i + 8 <= n; i += 8) v128.store(dst + (<usize>i << 1), i16x8.add(v128.load8x8_s(src + <usize>i), o));
  }
  if (!ASC_FEATURE_SIMD && !(src & 3)) {
    // Scalar: four values per aligned i32 load, stored as two i32s of i16 pairs.
    for (; i + 4 <= n; i += 4) {
      const v = load<i32>(src + <usize>i), d = dst + (<usize>i << 1);
      store<i32>(d, ((((v << 24) >> 24) + off) & 0xFFFF) | ((((v << 16) >> 24) + off) << 16));
      store<i32>(d, ((((v << 8) >> 24) + off) & 0xFFFF) | (((v >> 24) + off) << 16), 4);
    }
  }
  for (; i < n; i++) store<i16>(dst + (<usize>i << 1), <i16>(<i32>load<i8>(src + <usize>i) + off));
}

/**
 * widenRun for a run that may be followed by other data in dst (SIMD build): whole 8-value steps
 * when the source has 8 readable bytes past every step, writing up to 7 values past n — callers
 * write what follows afterwards (or leave it past K, where the packed weights are 0).
 */
@inline export function widenRunOver(dst: usize, src: usize, n: i32, off: i32, memEnd: usize): void {
  if (ASC_FEATURE_SIMD && src + <usize>((n + 7) & ~7) <= memEnd) {
    const o = i16x8.splat(<i16>off);
    for (let i = 0; i < n; i += 8) v128.store(dst + (<usize>i << 1), i16x8.add(v128.load8x8_s(src + <usize>i), o));
  } else {
    widenRun(dst, src, n, off);
  }
}

/**
 * Sets up one op: weights packed for n channels of k taps at wp; bias at bp (0: none); per-channel
 * multipliers and shifts; `pixels` rows or pixels will be run.
 */
export function packedBegin(
  wp: usize, n: i32, k: i32, bp: usize, mp: usize, shp: usize, inOff: i32, outZp: i32, amin: i32, amax: i32, pixels: i32,
  plain: bool = false,
): void {
  pkW = wp; pkK2 = ((k + 3) >> 2) << 1; pkN = n; pkBias = bp; pkMp = mp; pkShp = shp; pkPlainK = plain ? k : 0;
  pkZp = outZp; pkMin = amin; pkMax = amax;
  pkFast = false;
  // The exact f64 table costs ~7 ns per channel, and saves ~0.5 ns per output against the general
  // requantization: worth it from ~16 rows or pixels on (vww's 3x3-pixel 128 -> 256 and 256 -> 256
  // 1x1 convs ran 1.02-1.05x as long with it, once the wider bound admitted them; ad's one-row
  // layers 1.01x -> 0.66-0.91x without it).
  const sums = wp + (<usize>((n + 15) >> 4) * <usize>pkK2 << 5);
  if (ASC_FEATURE_SIMD) {
    pkFast = pixels >= 16 && (plain ? fastPrepare(n, wp, k, 1, k, bp, mp, shp, inOff) : fastPreparePacked(n, sums, bp, mp, shp, inOff));
  }
  const n0 = n & ~15;
  if (n0 < n) {
    for (let j = 0; j < 16; j++) {
      const c = n0 + j, o = <usize>j << 2, src = <usize>c << 2;
      store<i32>(tailBias + o, c < n && bp ? load<i32>(bp + src) : 0);
      store<i32>(tailMult + o, c < n ? load<i32>(mp + src) : 0);
      store<i32>(tailShift + o, c < n ? load<i32>(shp + src) : 0);
    }
  }
  // (The steps past K read stale buffer values, all finite i16, against packed zero weights.)
}

/** After packedBegin: requantize through the table useFastTable bound (prepared at load). */
export function packedUseFast(): void {
  pkFast = true;
}

// Row-padded weights (format/kernel-scratch.ts ksRowPackBytes), in the op's scratch.
let rowPack: usize = 0;
let ROWPACK_CAP: i32 = 0;
export function useRowPack(at: usize, bytes: i32): void {
  rowPack = at;
  ROWPACK_CAP = bytes;
}

/** Whether packedRowRepack has room for n channels of KH rows of kwc taps (this op's scratch). */
export function rowPackFits(n: i32, KH: i32, kwc: i32): bool {
  return ((n + 15) >> 4) * KH * ((kwc + 1) >> 1) * 32 <= ROWPACK_CAP;
}

/**
 * For the in-place band kernels when a kernel row's taps (kwc = KW*C) are not whole tap pairs:
 * copies the op's packed weights (after packedBegin) into the scratch with each of the KH rows
 * padded by one zero tap to an even count, and points the kernels at the copy. The padded tap
 * meets the next input value of the band (finite, times 0). False without room (old blobs).
 */
export function packedRowRepack(KH: i32, kwc: i32): bool {
  const half = (kwc + 1) >> 1;
  const groups = (pkN + 15) >> 4;
  const K2 = KH * half;
  if (groups * K2 * 32 > ROWPACK_CAP) return false;
  for (let g = 0; g < groups; g++) {
    const src = pkW + <usize>(g * pkK2) * 32;
    let dst = rowPack + <usize>(g * K2) * 32;
    for (let r = 0; r < KH; r++) {
      for (let t = 0; t < half; t++) {
        for (let e = 0; e < 2; e++) {
          const i = 2 * t + e, k = r * kwc + i;
          const from = src + <usize>(k >> 1) * 32 + <usize>(k & 1);
          for (let ch = 0; ch < 16; ch++) {
            const c = 16 * g + ch;
            let v: i8 = 0;
            if (i < kwc) {
              if (pkPlainK == 0) v = load<i8>(from + <usize>(ch * 2));
              else if (c < pkN) v = load<i8>(pkW + <usize>c * <usize>pkPlainK + <usize>k);
            }
            store<i8>(dst + <usize>(ch * 2 + e), v);
          }
        }
        dst += 32;
      }
    }
  }
  pkW = rowPack;
  pkK2 = K2;
  pkPlainK = 0;
  return true;
}

/** SIMD: both buffered rows (at x and x + XW_STRIDE) against 16 channels at w; biases at bp (0: none). */
function tile2x16(w: usize, K2: i32, bp: usize, fc: i32, mp: usize, shp: usize, y0: usize, y1: usize, x: usize = xwA): void {
  let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  if (bp) { a0 = v128.load(bp); a1 = v128.load(bp, 16); a2 = v128.load(bp, 32); a3 = v128.load(bp, 48); }
  let b0 = a0, b1 = a1, b2 = a2, b3 = a3;
  let p = x;
  // One tap pair per step: with two, V8 kept four broadcasts and the eight sums live and spilled
  // sums to the stack every step (it unrolls this loop by two itself).
  const end = x + (<usize>K2 << 2);
  while (p < end) {
    const u = v128.load32_splat(p), v = v128.load32_splat(p, XW_STRIDE);
    let q = v128.load8x8_s(w);
    a0 = i32x4.add(a0, i32x4.dot_i16x8_s(u, q));
    b0 = i32x4.add(b0, i32x4.dot_i16x8_s(v, q));
    q = v128.load8x8_s(w, 8);
    a1 = i32x4.add(a1, i32x4.dot_i16x8_s(u, q));
    b1 = i32x4.add(b1, i32x4.dot_i16x8_s(v, q));
    q = v128.load8x8_s(w, 16);
    a2 = i32x4.add(a2, i32x4.dot_i16x8_s(u, q));
    b2 = i32x4.add(b2, i32x4.dot_i16x8_s(v, q));
    q = v128.load8x8_s(w, 24);
    a3 = i32x4.add(a3, i32x4.dot_i16x8_s(u, q));
    b3 = i32x4.add(b3, i32x4.dot_i16x8_s(v, q));
    p += 4;
    w += 32;
  }
  if (fc >= 0) {
    if (pkMin >= pkZp) requantFastStore16x2Relu(y0, y1, a0, a1, a2, a3, b0, b1, b2, b3, fc, pkZp, pkMin, pkMax);
    else requantFastStore16x2(y0, y1, a0, a1, a2, a3, b0, b1, b2, b3, fc, pkZp, pkMin, pkMax);
  } else {
    requantStore16(y0, a0, a1, a2, a3, mp, shp, pkZp, pkMin, pkMax);
    requantStore16(y1, b0, b1, b2, b3, mp, shp, pkZp, pkMin, pkMax);
  }
}

/** SIMD: buffered row 0 against 16 channels (a single row or the odd last pixel). */
function tile1x16(w: usize, K2: i32, bp: usize, fc: i32, mp: usize, shp: usize, y0: usize): void {
  let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  if (bp) { a0 = v128.load(bp); a1 = v128.load(bp, 16); a2 = v128.load(bp, 32); a3 = v128.load(bp, 48); }
  let p = xwA;
  const end = xwA + (<usize>K2 << 2);
  while (p < end) {
    const u = v128.load32_splat(p), v = v128.load32_splat(p, 4);
    a0 = i32x4.add(a0, i32x4.dot_i16x8_s(u, v128.load8x8_s(w)));
    a1 = i32x4.add(a1, i32x4.dot_i16x8_s(u, v128.load8x8_s(w, 8)));
    a2 = i32x4.add(a2, i32x4.dot_i16x8_s(u, v128.load8x8_s(w, 16)));
    a3 = i32x4.add(a3, i32x4.dot_i16x8_s(u, v128.load8x8_s(w, 24)));
    a0 = i32x4.add(a0, i32x4.dot_i16x8_s(v, v128.load8x8_s(w, 32)));
    a1 = i32x4.add(a1, i32x4.dot_i16x8_s(v, v128.load8x8_s(w, 40)));
    a2 = i32x4.add(a2, i32x4.dot_i16x8_s(v, v128.load8x8_s(w, 48)));
    a3 = i32x4.add(a3, i32x4.dot_i16x8_s(v, v128.load8x8_s(w, 56)));
    p += 8;
    w += 64;
  }
  if (fc >= 0) {
    if (pkMin >= pkZp) requantFastStore16Relu(y0, a0, a1, a2, a3, fc, pkZp, pkMin, pkMax);
    else requantFastStore16(y0, a0, a1, a2, a3, fc, pkZp, pkMin, pkMax);
  } else {
    requantStore16(y0, a0, a1, a2, a3, mp, shp, pkZp, pkMin, pkMax);
  }
}

/**
 * SIMD, two pixels read in place from a widened band of input rows (no patch gather): kernel row
 * r's taps are the `run` (a multiple of 4) values at xa / xb + r * rowBytes, and its packed tap
 * pairs follow row r - 1's.
 */
function tileRows2x16(
  w: usize, xa: usize, xb: usize, rowBytes: usize, rows: i32, run: i32, bp: usize, fc: i32, mp: usize, shp: usize,
  y0: usize, y1: usize,
): void {
  let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  if (bp) { a0 = v128.load(bp); a1 = v128.load(bp, 16); a2 = v128.load(bp, 32); a3 = v128.load(bp, 48); }
  let b0 = a0, b1 = a1, b2 = a2, b3 = a3;
  const runBytes = <usize>run << 1;
  for (let r = 0; r < rows; r++) {
    let p = xa + <usize>r * rowBytes, q = xb + <usize>r * rowBytes;
    const end = p + runBytes;
    // One tap pair per step (rows of an odd count, row-padded weights, need no tail): with two, V8
    // kept four broadcasts and the eight sums live and spilled sums to the stack every step.
    while (p < end) {
      const u = v128.load32_splat(p), v = v128.load32_splat(q);
      let t = v128.load8x8_s(w);
      a0 = i32x4.add(a0, i32x4.dot_i16x8_s(u, t));
      b0 = i32x4.add(b0, i32x4.dot_i16x8_s(v, t));
      t = v128.load8x8_s(w, 8);
      a1 = i32x4.add(a1, i32x4.dot_i16x8_s(u, t));
      b1 = i32x4.add(b1, i32x4.dot_i16x8_s(v, t));
      t = v128.load8x8_s(w, 16);
      a2 = i32x4.add(a2, i32x4.dot_i16x8_s(u, t));
      b2 = i32x4.add(b2, i32x4.dot_i16x8_s(v, t));
      t = v128.load8x8_s(w, 24);
      a3 = i32x4.add(a3, i32x4.dot_i16x8_s(u, t));
      b3 = i32x4.add(b3, i32x4.dot_i16x8_s(v, t));
      p += 4;
      q += 4;
      w += 32;
    }
  }
  if (fc >= 0) {
    if (pkMin >= pkZp) requantFastStore16x2Relu(y0, y1, a0, a1, a2, a3, b0, b1, b2, b3, fc, pkZp, pkMin, pkMax);
    else requantFastStore16x2(y0, y1, a0, a1, a2, a3, b0, b1, b2, b3, fc, pkZp, pkMin, pkMax);
  } else {
    requantStore16(y0, a0, a1, a2, a3, mp, shp, pkZp, pkMin, pkMax);
    requantStore16(y1, b0, b1, b2, b3, mp, shp, pkZp, pkMin, pkMax);
  }
}

// Second-pixel outputs of a lone last pixel (tileRows2x16 always writes two).
const spareOut: usize = memory.data(16, 16);

/**
 * SIMD: all channels of the band pixels at xa and (when `two`) xb, as packedRun does with the
 * buffered rows; rows / run / rowBytes as tileRows2x16.
 */
export function packedRunRows(two: bool, xa: usize, xb: usize, rowBytes: usize, rows: i32, run: i32, y0: usize, y1: usize): void {
  const N = pkN;
  const gStride = <usize>pkK2 << 5;
  let w = pkW;
  for (let n = 0; n < N; n += 16) {
    const full = n + 16 <= N;
    const c = <usize>n << 2;
    const bp = full ? (pkBias ? pkBias + c : 0) : tailBias;
    const mp = full ? pkMp + c : tailMult, shp = full ? pkShp + c : tailShift;
    const o0 = full ? y0 + <usize>n : tailOut, o1 = !two ? spareOut : full ? y1 + <usize>n : tailOut + 16;
    tileRows2x16(w, xa, two ? xb : xa, rowBytes, rows, run, bp, pkFast ? n : -1, mp, shp, o0, o1);
    if (!full) {
      for (let j = 0; j < N - n; j++) {
        store<i8>(y0 + <usize>(n + j), load<i8>(tailOut + <usize>j));
        if (two) store<i8>(y1 + <usize>(n + j), load<i8>(tailOut + 16 + <usize>j));
      }
    }
    w += gStride;
  }
}

/** The 4x8 tiles' epilogue: four pixels' 8 channels requantized (the fast table when fc >= 0) to
 * y0 + j*ys. */
@inline function store4x8(
  fc: i32, mp: usize, shp: usize, y0: usize, ys: usize,
  a0: v128, a1: v128, b0: v128, b1: v128, c0: v128, c1: v128, d0: v128, d1: v128,
): void {
  if (fc >= 0 && pkMin >= pkZp) {
    if (f32Ready4x8() && requantF32Store4x8Relu(y0, ys, a0, a1, b0, b1, c0, c1, d0, d1, pkZp, pkMin, pkMax)) return;
    requantFastStore8Relu(y0, a0, a1, 0, pkZp, pkMin, pkMax);
    requantFastStore8Relu(y0 + ys, b0, b1, 0, pkZp, pkMin, pkMax);
    requantFastStore8Relu(y0 + 2 * ys, c0, c1, 0, pkZp, pkMin, pkMax);
    requantFastStore8Relu(y0 + 3 * ys, d0, d1, 0, pkZp, pkMin, pkMax);
  } else if (fc >= 0) {
    requantFastStore8(y0, a0, a1, 0, pkZp, pkMin, pkMax);
    requantFastStore8(y0 + ys, b0, b1, 0, pkZp, pkMin, pkMax);
    requantFastStore8(y0 + 2 * ys, c0, c1, 0, pkZp, pkMin, pkMax);
    requantFastStore8(y0 + 3 * ys, d0, d1, 0, pkZp, pkMin, pkMax);
  } else {
    requantStore8(y0, a0, a1, mp, shp, pkZp, pkMin, pkMax);
    requantStore8(y0 + ys, b0, b1, mp, shp, pkZp, pkMin, pkMax);
    requantStore8(y0 + 2 * ys, c0, c1, mp, shp, pkZp, pkMin, pkMax);
    requantStore8(y0 + 3 * ys, d0, d1, mp, shp, pkZp, pkMin, pkMax);
  }
}

/**
 * SIMD, at most 8 channels: four band pixels (xa + j * pstep) as tileRows2x16 reads two, one tap
 * pair per step (first convs: rows of 2 to 6 pairs); outputs 8 bytes each to y0 + j*ys.
 */
function tileRows4x8(
  w: usize, xa: usize, pstep: usize, rowBytes: usize, rows: i32, run: i32, bp: usize, fc: i32, mp: usize, shp: usize,
  y0: usize, ys: usize,
): void {
  let a0 = i32x4.splat(0), a1 = a0;
  if (bp) { a0 = v128.load(bp); a1 = v128.load(bp, 16); }
  let b0 = a0, b1 = a1, c0 = a0, c1 = a1, d0 = a0, d1 = a1;
  const runBytes = <usize>run << 1;
  for (let r = 0; r < rows; r++) {
    let p = xa + <usize>r * rowBytes;
    const end = p + runBytes;
    while (p < end) {
      const q0 = v128.load8x8_s(w), q1 = v128.load8x8_s(w, 8);
      let u = v128.load32_splat(p);
      a0 = i32x4.add(a0, i32x4.dot_i16x8_s(u, q0));
      a1 = i32x4.add(a1, i32x4.dot_i16x8_s(u, q1));
      u = v128.load32_splat(p + pstep);
      b0 = i32x4.add(b0, i32x4.dot_i16x8_s(u, q0));
      b1 = i32x4.add(b1, i32x4.dot_i16x8_s(u, q1));
      u = v128.load32_splat(p + 2 * pstep);
      c0 = i32x4.add(c0, i32x4.dot_i16x8_s(u, q0));
      c1 = i32x4.add(c1, i32x4.dot_i16x8_s(u, q1));
      u = v128.load32_splat(p + 3 * pstep);
      d0 = i32x4.add(d0, i32x4.dot_i16x8_s(u, q0));
      d1 = i32x4.add(d1, i32x4.dot_i16x8_s(u, q1));
      p += 4;
      w += 32;
    }
  }
  store4x8(fc, mp, shp, y0, ys, a0, a1, b0, b1, c0, c1, d0, d1);
}

/**
 * SIMD, N <= 8: `count` (1..4) band pixels from xa, pstep bytes apart, into y0 + j*N. Four pixels
 * of 8 channels straight to the outputs, else through the tail buffer.
 */
export function packedRunRows4(xa: usize, pstep: usize, rowBytes: usize, rows: i32, run: i32, count: i32, y0: usize): void {
  const N = pkN;
  const full = N == 8;
  const bp = full ? pkBias : tailBias, mp = full ? pkMp : tailMult, shp = full ? pkShp : tailShift;
  const fc = pkFast ? 0 : -1;
  if (count == 4) {
    if (full) {
      tileRows4x8(pkW, xa, pstep, rowBytes, rows, run, bp, fc, mp, shp, y0, 8);
      return;
    }
    tileRows4x8(pkW, xa, pstep, rowBytes, rows, run, bp, fc, mp, shp, tailOut, 8);
  } else {
    // A row's last 1..3 pixels one at a time (all four lanes on the same pixel).
    for (let j = 0; j < count; j++) {
      tileRows4x8(pkW, xa + <usize>j * pstep, 0, rowBytes, rows, run, bp, fc, mp, shp, tailOut + <usize>(j * 8), 0);
    }
  }
  for (let j = 0; j < count; j++) {
    for (let c = 0; c < N; c++) store<i8>(y0 + <usize>(j * N + c), load<i8>(tailOut + <usize>(j * 8 + c)));
  }
}

/**
 * SIMD, at most 8 channels (the first half of each 32-byte step; the rest is padding): the four
 * quarter-buffer rows against them, outputs 8 bytes each to y0 + j*ys.
 */
function tile4x8(w: usize, K2: i32, bp: usize, fc: i32, mp: usize, shp: usize, y0: usize, ys: usize): void {
  let a0 = i32x4.splat(0), a1 = a0;
  if (bp) { a0 = v128.load(bp); a1 = v128.load(bp, 16); }
  let b0 = a0, b1 = a1, c0 = a0, c1 = a1, d0 = a0, d1 = a1;
  let p = xwA;
  const end = xwA + (<usize>K2 << 2);
  while (p < end) {
    let q0 = v128.load8x8_s(w), q1 = v128.load8x8_s(w, 8);
    let u = v128.load32_splat(p);
    a0 = i32x4.add(a0, i32x4.dot_i16x8_s(u, q0));
    a1 = i32x4.add(a1, i32x4.dot_i16x8_s(u, q1));
    u = v128.load32_splat(p, XQ);
    b0 = i32x4.add(b0, i32x4.dot_i16x8_s(u, q0));
    b1 = i32x4.add(b1, i32x4.dot_i16x8_s(u, q1));
    u = v128.load32_splat(p, 2 * XQ);
    c0 = i32x4.add(c0, i32x4.dot_i16x8_s(u, q0));
    c1 = i32x4.add(c1, i32x4.dot_i16x8_s(u, q1));
    u = v128.load32_splat(p, 3 * XQ);
    d0 = i32x4.add(d0, i32x4.dot_i16x8_s(u, q0));
    d1 = i32x4.add(d1, i32x4.dot_i16x8_s(u, q1));
    q0 = v128.load8x8_s(w, 32);
    q1 = v128.load8x8_s(w, 40);
    u = v128.load32_splat(p, 4);
    a0 = i32x4.add(a0, i32x4.dot_i16x8_s(u, q0));
    a1 = i32x4.add(a1, i32x4.dot_i16x8_s(u, q1));
    u = v128.load32_splat(p, XQ + 4);
    b0 = i32x4.add(b0, i32x4.dot_i16x8_s(u, q0));
    b1 = i32x4.add(b1, i32x4.dot_i16x8_s(u, q1));
    u = v128.load32_splat(p, 2 * XQ + 4);
    c0 = i32x4.add(c0, i32x4.dot_i16x8_s(u, q0));
    c1 = i32x4.add(c1, i32x4.dot_i16x8_s(u, q1));
    u = v128.load32_splat(p, 3 * XQ + 4);
    d0 = i32x4.add(d0, i32x4.dot_i16x8_s(u, q0));
    d1 = i32x4.add(d1, i32x4.dot_i16x8_s(u, q1));
    p += 8;
    w += 64;
  }
  store4x8(fc, mp, shp, y0, ys, a0, a1, b0, b1, c0, c1, d0, d1);
}

/**
 * SIMD, N <= 8: the four quarter-buffer rows into y0 + j*N. Eight channels straight to the
 * outputs when N is 8 and y is not the last row block, else through the tail buffers.
 */
export function packedRun4(y0: usize): void {
  const N = pkN;
  if (N == 8) {
    // The fourth row's 8-byte store ends exactly at its last output.
    tile4x8(pkW, pkK2, pkBias, pkFast ? 0 : -1, pkMp, pkShp, y0, 8);
    return;
  }
  tile4x8(pkW, pkK2, tailBias, pkFast ? 0 : -1, tailMult, tailShift, tailOut, 8);
  for (let j = 0; j < 4; j++) {
    for (let c = 0; c < N; c++) store<i8>(y0 + <usize>(j * N + c), load<i8>(tailOut + <usize>(j * 8 + c)));
  }
}

// Scalar: two rows (pixels) in one i64 multiply. Tap k of both rows sits in one i64 of the pair
// buffer, U = u + (v << 32) (u, v: row 0's and row 1's x + input_offset), and each weight w is
// loaded sign-extended to i64, so U * w = u*w + (v*w << 32) and one i64 multiply-add does two MACs.
// Over K taps the sum is A + (B << 32) mod 2^64 with A, B the two rows' exact sums; |A| <= K * 255
// * 128 < 2^31 for K <= PACKED_K_MAX, so A = wrap32(sum) and B = wrap32((sum + 2^31) >> 32): both
// exactly TFLM's i32 accumulators. In WAMR's interpreter (the MCU path) a tap pair of 4 channels is
// 26 instructions instead of 48 with i32 byte loads; V8 halves its multiplies.
//
// The pair buffer lies in row 0's half of the widened-row buffer (8 bytes a tap), so it holds
// PAIR_TAPS taps (K <= 1032; larger K runs the one-row tile on each row).
const PAIR_TAPS: i32 = <i32>(XW_STRIDE >> 3);

/**
 * Scalar: widens rows xa and xb (n taps each) into the pair buffer. The tile reads up to 3 taps
 * past n, stale values against packed zero weights.
 */
function widenPair(xa: usize, xb: usize, n: i32, off: i32): void {
  const o = <i64>off;
  const end = <usize>n;
  for (let i: usize = 0; i < end; i++) {
    store<i64>(xwA + (i << 3), (i64.load8_s(xa + i) + o) + ((i64.load8_s(xb + i) + o) << 32));
  }
}

/**
 * Scalar: the two widened i16 rows (xwA, xwB: 2*K2 taps each) into the pair buffer, in place: tap
 * k's i64 overwrites row 0's taps 4k..4k+3, which the descending loop has read already; row 1's
 * half lies past the buffer (PAIR_TAPS).
 */
function interleavePair(K2: i32): void {
  for (let i = <usize>(K2 << 1); i-- > 0;) {
    store<i64>(xwA + (i << 3), i64.load16_s(xwA + (i << 1)) + (i64.load16_s(xwB + (i << 1)) << 32));
  }
}

/**
 * Scalar: the pair buffer against 8 channels whose byte pairs sit at w (+ 32 per tap pair);
 * requantizes `count` (1..8) of them from channel n on into y0 (row 0) and y1 (row 1).
 */
function tilePair(w: usize, K2: i32, n: i32, count: i32, y0: usize, y1: usize): void {
  let a0: i64 = 0, a1: i64 = 0, a2: i64 = 0, a3: i64 = 0, a4: i64 = 0, a5: i64 = 0, a6: i64 = 0, a7: i64 = 0;
  const end = xwA + (<usize>K2 << 4);
  for (let p = xwA; p < end; p += 16) {
    const u = load<i64>(p), v = load<i64>(p, 8);
    a0 += u * i64.load8_s(w) + v * i64.load8_s(w, 1);
    a1 += u * i64.load8_s(w, 2) + v * i64.load8_s(w, 3);
    a2 += u * i64.load8_s(w, 4) + v * i64.load8_s(w, 5);
    a3 += u * i64.load8_s(w, 6) + v * i64.load8_s(w, 7);
    a4 += u * i64.load8_s(w, 8) + v * i64.load8_s(w, 9);
    a5 += u * i64.load8_s(w, 10) + v * i64.load8_s(w, 11);
    a6 += u * i64.load8_s(w, 12) + v * i64.load8_s(w, 13);
    a7 += u * i64.load8_s(w, 14) + v * i64.load8_s(w, 15);
    w += 32;
  }
  // Requantized in a loop over the stored sums: eight inline copies of the store cost 1.2 KB.
  store<i64>(pairSums, a0); store<i64>(pairSums, a1, 8); store<i64>(pairSums, a2, 16); store<i64>(pairSums, a3, 24);
  store<i64>(pairSums, a4, 32); store<i64>(pairSums, a5, 40); store<i64>(pairSums, a6, 48); store<i64>(pairSums, a7, 56);
  for (let j = 0; j < count; j++) {
    const s = load<i64>(pairSums + (<usize>j << 3));
    scalarOut(<i32>s, <i32>((s + 0x80000000) >> 32), n + j, true, y0, y1);
  }
}
const pairSums: usize = ASC_FEATURE_SIMD ? 0 : memory.data(64, 8);

/**
 * Scalar: the widened row at x against the 16 channels of one packed group at w (K2 tap pairs,
 * 32 bytes each); requantizes `count` (1..16) of them from channel n on into y0. corr is
 * 128 * (the sum of the row's 2 * K2 buffered values), rowCorr's.
 *
 * Two MACs per i64 multiply, from the packed layout as it is: one i64 load of a tap pair's 8 bytes
 * holds channels c..c+3 as (tap 0, tap 1) byte pairs, so channels c and c+2 sit 32 bits apart.
 * XOR 0x80 per byte makes each weight w + 128 (0..255, unsigned), and a mask of bytes 0 and 4
 * (after a shift by 0 / 8 / 16 / 24) gives one tap of two channels as W = (w_c + 128) +
 * (w_c+2 + 128) * 2^32; u * W (u the tap's value as i64) is both channels' products. Over the
 * row, the i64 sum is A + B * 2^32 (mod 2^64) with A, B the two channels' sums of u * (w + 128):
 * |u| <= 255 (x + input offset; a padded tap's stale buffer value is any i16, against weight 0, so
 * w + 128 = 128) and |w + 128| <= 255, so |A| <= 4096 * 255 * 255 + 3 * 32768 * 128 < 2^31, hence
 * A = wrap32(sum) and B = wrap32((sum + 2^31) >> 32) (tilePair's split). Each channel's TFLM sum
 * is then A - 128 * (sum of u) = A - corr, in i32 with its wrap. V8: 4 multiplies per 8 MACs
 * instead of 8 (the one-row loop was bound by the multiplier), 16 channels a pass.
 */
function tileRow(x: usize, w: usize, K2: i32, n: i32, count: i32, y0: usize, corr: i32): void {
  const end = x + (<usize>K2 << 2);
  const M: i64 = 0x000000FF000000FF, F: i64 = 0x8080808080808080;
  let a0: i64 = 0, a1: i64 = 0, a2: i64 = 0, a3: i64 = 0, a4: i64 = 0, a5: i64 = 0, a6: i64 = 0, a7: i64 = 0;
  for (let p = x; p < end; p += 4) {
    const u0 = i64.load16_s(p), u1 = i64.load16_s(p, 2);
    let v = load<i64>(w) ^ F;
    a0 += u0 * (v & M) + u1 * ((v >> 8) & M);
    a1 += u0 * ((v >> 16) & M) + u1 * ((v >> 24) & M);
    v = load<i64>(w, 8) ^ F;
    a2 += u0 * (v & M) + u1 * ((v >> 8) & M);
    a3 += u0 * ((v >> 16) & M) + u1 * ((v >> 24) & M);
    v = load<i64>(w, 16) ^ F;
    a4 += u0 * (v & M) + u1 * ((v >> 8) & M);
    a5 += u0 * ((v >> 16) & M) + u1 * ((v >> 24) & M);
    v = load<i64>(w, 24) ^ F;
    a6 += u0 * (v & M) + u1 * ((v >> 8) & M);
    a7 += u0 * ((v >> 16) & M) + u1 * ((v >> 24) & M);
    w += 32;
  }
  // Accumulator i holds channels c, c + 2 with c = (i & 1) + 4 * (i >> 1).
  rowSplit(a0, 0, corr); rowSplit(a1, 4, corr); rowSplit(a2, 16, corr); rowSplit(a3, 20, corr);
  rowSplit(a4, 32, corr); rowSplit(a5, 36, corr); rowSplit(a6, 48, corr); rowSplit(a7, 52, corr);
  // requant_scalar.ts's rqApply with each channel's (base, neg, shift) from its shift in fewer
  // operations: neg = [R > 0] * 2^31 and base = 2^30 + neg * 2^(R-1) (an i64 shift by R - 1 = -1
  // is by 63, of neg = 0).
  const c0 = <usize>n << 2;
  // The bias is added here, channel by channel: a partial group reads none past N.
  const bias = pkBias ? pkBias + c0 : rowZero;
  const mp = pkMp + c0, shp = pkShp + c0, zp = pkZp, lo = pkMin, hi = pkMax;
  const e = <usize>count << 2;
  let out = y0 + <usize>n;
  for (let j: usize = 0; j < e; j += 4) {
    const sh = load<i32>(shp + j), left = sh > 0 ? sh : 0, r = left - sh;
    // The i32 shift in an i32 local: inside <i64>(...), AssemblyScript loads load<i32> as i64
    // (contextual type) and would shift in i64, losing the reference's i32 wrap.
    const acc: i32 = (load<i32>(rowSums + j) + load<i32>(bias + j)) << left;
    const v = <i64>acc * <i64>load<i32>(mp + j);
    const neg = <i64>(r != 0) << 31;
    let u = <i32>((v + ((<i64>1 << 30) + (neg << <i64>(r - 1))) - ((v >> 63) & neg)) >> <i64>(31 + r)) + zp;
    u = u < lo ? lo : u;
    store<i8>(out, <i8>(u > hi ? hi : u));
    out++;
  }
}

/** One i64 accumulator of tileRow: its two channels' i32 sums, less corr, into rowSums + o (+ 8). */
@inline function rowSplit(s: i64, o: usize, corr: i32): void {
  store<i32>(rowSums + o, <i32>s - corr);
  store<i32>(rowSums + o, <i32>((s + 0x80000000) >> 32) - corr, 8);
}

/** 128 * the sum of the 2 * K2 i16 values at x (tileRow's corr). */
function rowCorr(x: usize, K2: i32): i32 {
  const end = x + (<usize>K2 << 2);
  let s = 0;
  for (let p = x; p < end; p += 4) s += <i32>load<i16>(p) + <i32>load<i16>(p, 2);
  return s << 7;
}
const rowSums: usize = ASC_FEATURE_SIMD ? 0 : memory.data(64, 16);
const rowZero: usize = ASC_FEATURE_SIMD ? 0 : memory.data(64, 16);

@inline function scalarOut(a: i32, b: i32, n: i32, two: bool, y0: usize, y1: usize): void {
  const c = <usize>n << 2;
  rqStore2(a, b, two, pkBias ? load<i32>(pkBias + c) : 0, load<i32>(pkMp + c), load<i32>(pkShp + c), pkZp, pkMin, pkMax, y0 + <usize>n, y1 + <usize>n);
}

/** Scalar: every channel, by groups of 4: the pair buffer (pair) or the widened row at x. */
function scalarRun(pair: bool, x: usize, y0: usize, y1: usize): void {
  const N = pkN, K2 = pkK2;
  const gStride = <usize>K2 << 5;
  let w = pkW;
  const corr = pair ? 0 : rowCorr(x, K2);
  for (let n = 0; n < N; n += 16) {
    if (pair) {
      for (let q = 0; q < 16 && n + q < N; q += 8) {
        const left = N - n - q;
        tilePair(w + (<usize>q << 1), K2, n + q, left < 8 ? left : 8, y0, y1);
      }
    } else {
      const left = N - n;
      tileRow(x, w, K2, n, left < 16 ? left : 16, y0, corr);
    }
    w += gStride;
  }
}

/**
 * All channels of the buffered row 0 (into y0) and, when `two`, row 1 (into y1): full groups of
 * 16 straight to the outputs, a last partial group through the tail buffers.
 */
export function packedRun(two: bool, y0: usize, y1: usize): void {
  if (!ASC_FEATURE_SIMD) {
    if (two && (pkK2 << 1) <= PAIR_TAPS) {
      interleavePair(pkK2);
      scalarRun(true, 0, y0, y1);
    } else {
      scalarRun(false, xwA, y0, y0);
      if (two) scalarRun(false, xwB, y1, y1);
    }
    return;
  }
  const N = pkN, K2 = pkK2;
  const gStride = <usize>K2 << 5;
  let w = pkW;
  for (let n = 0; n < N; n += 16) {
    if (ASC_FEATURE_SIMD) {
      const full = n + 16 <= N;
      const c = <usize>n << 2;
      const bp = full ? (pkBias ? pkBias + c : 0) : tailBias;
      const mp = full ? pkMp + c : tailMult, shp = full ? pkShp + c : tailShift;
      const o0 = full ? y0 + <usize>n : tailOut, o1 = full ? y1 + <usize>n : tailOut + 16;
      if (two) tile2x16(w, K2, bp, pkFast ? n : -1, mp, shp, o0, o1);
      else tile1x16(w, K2, bp, pkFast ? n : -1, mp, shp, o0);
      if (!full) {
        for (let j = 0; j < N - n; j++) {
          store<i8>(y0 + <usize>(n + j), load<i8>(tailOut + <usize>j));
          if (two) store<i8>(y1 + <usize>(n + j), load<i8>(tailOut + 16 + <usize>j));
        }
      }
    }
    w += gStride;
  }
}

// The column sweep (SIMD, whole groups of 16 channels, f32 table): up to COL_PAIRS pixel pairs are
// widened at once (pair i's rows at xwA / xwB + i * rb), then each channel group runs down them with
// its f32 store inline. Per 2x16 tile the store's constants (magic, zero point, clamps, threshold)
// and the call with 8 v128 arguments (spilled around the exact fallback) were about a third of the
// store's time at K = 32; here they are set once per group and chunk. 16 pairs (2 KB of widened
// rows at K = 32) keep the chunk, its outputs and the weights in L1: a whole 16x16 map at once
// (16 KB widened, 16 KB of outputs written in 16-byte pieces) ran 1.17x as long as the 2x16 tiles.
export const COL_PAIRS: i32 = 16;

// The sweep's weights as i16 (16 channels x 2 taps per 64 bytes) when all of the op's groups fit
// (widened once per call): the multiply loop then loads them instead of widening each one again per
// pixel pair (load8x8_s takes a vector pipe, a plain load does not; vww's 1x1 convs with
// K <= 32 ran 0.94-0.96x as long). Larger ops read the packed bytes: widened per chunk, vww's
// 3x3-pixel 128 -> 256 and 256 -> 256 convs (4 pairs a chunk) ran 1.02-1.03x as long. The copy
// lives in the second half of xwA's row buffer, past the rows a chunk widens there (kernel
// buffers are not static data: test/kernel-scratch.test.ts).
const WIDE_CAP: i32 = <i32>(XW_STRIDE >> 1) - 16;
const wideW: usize = xwA + (XW_STRIDE >> 1);

/** `bytes` packed weight bytes at src as i16 at dst (bytes a multiple of 32). */
function widenWeights(dst: usize, src: usize, bytes: i32): void {
  for (let i = 0; i < bytes; i += 8) v128.store(dst + (<usize>i << 1), v128.load8x8_s(src + <usize>i));
}

// The ReLU store on a 2^-13 grid (GRID_J). With C = MG + 1/2 + e' (MG = 1.5 * 2^10, e' the entry e
// rounded to the grid) t = fl(fl(acc * S) + C) lies in [2^10, 2^11), whose f32 ulp is 2^-13 = D, so
// t = MG + g with g the grid value nearest z = y + 1/2 + e', and the integer part and the grid
// fraction of g are t's bits: n = floor(g) = (bits(t) >> 13) - (bits(MG) >> 13), f = bits(t) & 8191.
// One f32 add, a shift and an integer subtract instead of f32Store16's five f32 operations
// (f32 adds and conversions share two of the four vector pipes the multiply loop needs), and the
// screen is two integer operations per vector.
// Why it is exact. TFLM's result is floor(zx), zx = y_x + 1/2 + e (y_x = acc * S exactly, e =
// 2^-(R+1); the sign term dropped under the ReLU clamp, f32ScreenW's proof: for y_x < 0 here
// z <= 1/2 + e' + D and g < 1, so n <= 0 clamps to lo >= zp as TFLM's does). acc is exact in f32
// (|acc| <= 2^24, f32Entry), so |y - y_x| <= (2u + u^2)|y_x| < 3.08e-5 < D / 2 while
// |y_x| < 258 (u = 2^-24); past 258 both results are beyond the int8 range on the same side
// (f32Finish's cap argument: |zx - g| stays far below 1). When every entry e is a multiple of D
// (R <= 12, or a constant channel's r below 512), e' = e and |zx - g| < D / 2 + D / 2 = D, so
// floor(zx) = floor(g) unless f = 0. Otherwise (|e - e'| <= D / 2) C also carries + D and
// zx - g lies in (-3D, D): exact unless f <= 2D. A pair with a lane at f <= gridLim takes the
// exact f64 store. Outside [2^10, 2^11) (|z| > 512: a clamped lane) bits(t) still orders as t for
// t > 0, and t <= 0 gives bits(t) >> 13 <= 0: n lands past the same int8 end as TFLM's result.
// Constant channels (S = +-0, e = r): t = C, n = r (|r| < 512) with f = 1/2 (+ D).
//
// The signed store (no ReLU clamp) on the same grid keeps the sign term: TFLM's zx is
// y_x + 1/2 + e for acc >= 0 and y_x + 1/2 - e for acc < 0 (requant_fast.ts magicChannel's
// [y < 0]; y_x = acc * S has the sign of acc, S > 0). Such a lane adds C- = fl(gridK - e) =
// MG + 1/2 - e'' (+ D) instead of C, with |e - e''| <= D / 2 as for e' (the same grid), so every
// step above holds with -e'' for e' (none used the sign of y or of e'; the ReLU clamp argument is
// not needed: past |y_x| = 258 both results clamp at the same end, t <= 0 or t < 2^10 being the
// low one). C and C- both lie in [2^10, 2^11), so the per-lane select is integer arithmetic on
// their bits, C - ((acc >> 31) & dC) with dC = bits(C) - bits(C-), and the add is still one exact
// f32 add of a grid value. Channels with S = +-0 have dC = 0: zero weights (e = r, the output
// itself, whatever the sign of the bias) and a zero multiplier (y_x = 0, never negative).
// Against f32Store16's form (the sign or, the magic add and the screen's two subtracts: six f32
// operations a vector) this is three f32 operations and three integer ones, ic's op6 0.985-0.996x.
// Each pixel loads its own table vectors: shared by both pixels as in the ReLU store, V8 loaded all
// twelve up front and spilled ~12 vectors a pair (1.03x as long as the old store); shared with the
// select rebuilt from C alone (C- = 2 gridK - C in bits, no dC loads) it ran ~1.02x as long as this.
const GRID_J: i32 = 13;
const GRID_MG: f32 = 1536.0;
const GRID_MG_BITS: i32 = 0x44C00000;
const GRID_D: f32 = 1.220703125e-4; // 2^-13
// The running group's four C vectors (per chunk), then its four dC vectors (the signed store), and
// the op's screen limit (0 or 2, gridPrepare).
const gridC: usize = memory.data(128, 16);
let gridLim: i32 = 0;
let gridK: f32 = 0;

/**
 * Sets gridLim / gridK for the running op (N channels of f32 entries at tab): whether every entry e
 * is exact on the grid decides the form (see above).
 */
function gridPrepare(tab: usize, N: i32): void {
  const k = f32x4.splat(GRID_MG + 0.5);
  let bad = i32x4.splat(0);
  for (let c = 0; c < N; c += 8) {
    for (let h: usize = 0; h < 2; h++) {
      const e = v128.load(tab + (<usize>c << 3) + 32 + (h << 4));
      bad = v128.or(bad, v128.not(f32x4.eq(f32x4.sub(f32x4.add(e, k), k), e)));
    }
  }
  const exact = !v128.any_true(bad);
  gridLim = exact ? 0 : 2;
  gridK = exact ? GRID_MG + 0.5 : GRID_MG + 0.5 + GRID_D;
}

@inline function gridT(acc: v128, s: v128, c: v128): v128 {
  return f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(acc), s), c);
}

/** gridT with the sign term: C's bits less dC where acc < 0 (gridChunk). */
@inline function gridTSigned(acc: v128, s: v128, c: v128, dc: v128): v128 {
  return f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(acc), s), i32x4.sub(c, v128.and(i32x4.shr_s(acc, 31), dc)));
}

/** One pixel's 16 channels by gridTSigned to out (n + zp = (t >> 13) - kz); returns min f. */
@inline function gridPixelSigned(a0: v128, a1: v128, a2: v128, a3: v128, tab: usize, kz: v128, lo: v128, hi: v128, out: usize): v128 {
  const t0 = gridTSigned(a0, v128.load(tab), v128.load(gridC), v128.load(gridC, 64));
  const t1 = gridTSigned(a1, v128.load(tab, 16), v128.load(gridC, 16), v128.load(gridC, 80));
  const m = i32x4.splat((1 << GRID_J) - 1);
  const f01 = i32x4.min_u(v128.and(t0, m), v128.and(t1, m));
  const q01 = i16x8.narrow_i32x4_s(i32x4.sub(i32x4.shr_s(t0, GRID_J), kz), i32x4.sub(i32x4.shr_s(t1, GRID_J), kz));
  const t2 = gridTSigned(a2, v128.load(tab, 64), v128.load(gridC, 32), v128.load(gridC, 96));
  const t3 = gridTSigned(a3, v128.load(tab, 80), v128.load(gridC, 48), v128.load(gridC, 112));
  v128.store(out, i8x16.min_s(i8x16.max_s(i8x16.narrow_i16x8_s(q01,
    i16x8.narrow_i32x4_s(i32x4.sub(i32x4.shr_s(t2, GRID_J), kz), i32x4.sub(i32x4.shr_s(t3, GRID_J), kz))), lo), hi));
  return i32x4.min_u(f01, i32x4.min_u(v128.and(t2, m), v128.and(t3, m)));
}

/**
 * The running group's C vectors into gridC (16 channels, f32 entries at tab) and, for the signed
 * store, each lane's dC = bits(C) - bits(C-) at gridC + 64, C- = fl(gridK - e) (0 where S = +-0).
 */
@inline function gridChunk(relu: bool, tab: usize): void {
  const g = f32x4.splat(gridK);
  for (let j: usize = 0; j < 4; j++) {
    const o = ((j & 1) << 4) + ((j >> 1) << 6);
    const e = v128.load(tab + o, 32), c = f32x4.add(e, g);
    v128.store(gridC + (j << 4), c);
    if (!relu) {
      v128.store(gridC + (j << 4), v128.andnot(i32x4.sub(c, f32x4.sub(g, e)), f32x4.eq(v128.load(tab + o), f32x4.splat(0))), 64);
    }
  }
}

/** One pixel's 16 channels from gridT's t vectors to out (n + zp = (t >> 13) - kz); returns min f. */
@inline function gridPixel(t0: v128, t1: v128, t2: v128, t3: v128, kz: v128, lo: v128, hi: v128, out: usize): v128 {
  v128.store(out, i8x16.min_s(i8x16.max_s(i8x16.narrow_i16x8_s(
    i16x8.narrow_i32x4_s(i32x4.sub(i32x4.shr_s(t0, GRID_J), kz), i32x4.sub(i32x4.shr_s(t1, GRID_J), kz)),
    i16x8.narrow_i32x4_s(i32x4.sub(i32x4.shr_s(t2, GRID_J), kz), i32x4.sub(i32x4.shr_s(t3, GRID_J), kz))), lo), hi));
  const m = i32x4.splat((1 << GRID_J) - 1);
  return i32x4.min_u(i32x4.min_u(v128.and(t0, m), v128.and(t1, m)), i32x4.min_u(v128.and(t2, m), v128.and(t3, m)));
}

/**
 * Channels c..c+15 (i16 weights at w0, f32 entries at tab) of `pairs` widened pixel pairs (pair
 * i's at xwA / xwB + i * rb) to y + i * ys and y + (pairs + i) * ys; a pair with a lane near a tie
 * takes the exact 2-pixel store. `relu`: the grid store above without the sign term; else with it.
 */
@inline function colsF32(relu: bool, wide: bool, w0: usize, K2: i32, rb: usize, pairs: i32, bp: usize, c: i32, tab: usize, y: usize, ys: usize): bool {
  let x = xwA;
  const lim = i32x4.splat(gridLim);
  const k = i32x4.splat((GRID_MG_BITS >> GRID_J) - pkZp);
  const lo = i8x16.splat(<i8>pkMin), hi = i8x16.splat(<i8>pkMax);
  gridChunk(relu, tab);
  const y0 = y;
  let yb = y + <usize>pairs * ys;
  // Each pair's screen result goes to colBad; colsRedo runs the flagged pairs again through the 2x16
  // tile (its exact store) after the sweep: a call inside this loop, even never taken, cost vww's
  // 16 -> 32 1x1 conv ~10 % (V8 kept the loop's values on the stack around it).
  let bad = i32x4.splat(0);
  for (let i = 0; i < pairs; i++) {
    let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    if (bp) { a0 = v128.load(bp); a1 = v128.load(bp, 16); a2 = v128.load(bp, 32); a3 = v128.load(bp, 48); }
    let b0 = a0, b1 = a1, b2 = a2, b3 = a3;
    // tile2x16's multiply loop, written out again: its eight accumulators must stay in registers,
    // and AssemblyScript can neither return them from a shared helper nor pass them by reference.
    // One tap pair per step: with two, V8 interleaved their loads and kept four broadcasts and the
    // eight sums live at once, spilling three sums to the stack per step (vww's 1x1 convs with
    // K <= 64 ran 1.25x as long; it unrolls this loop by two itself without spilling).
    let p = x, w = w0;
    if (wide) {
      const end = w0 + (<usize>K2 << 6);
      while (w < end) {
        const u = v128.load32_splat(p), v = v128.load32_splat(p, XW_STRIDE);
        let q = v128.load(w);
        a0 = i32x4.add(a0, i32x4.dot_i16x8_s(u, q));
        b0 = i32x4.add(b0, i32x4.dot_i16x8_s(v, q));
        q = v128.load(w, 16);
        a1 = i32x4.add(a1, i32x4.dot_i16x8_s(u, q));
        b1 = i32x4.add(b1, i32x4.dot_i16x8_s(v, q));
        q = v128.load(w, 32);
        a2 = i32x4.add(a2, i32x4.dot_i16x8_s(u, q));
        b2 = i32x4.add(b2, i32x4.dot_i16x8_s(v, q));
        q = v128.load(w, 48);
        a3 = i32x4.add(a3, i32x4.dot_i16x8_s(u, q));
        b3 = i32x4.add(b3, i32x4.dot_i16x8_s(v, q));
        p += 4;
        w += 64;
      }
    } else {
      const end = w0 + (<usize>K2 << 5);
      while (w < end) {
        const u = v128.load32_splat(p), v = v128.load32_splat(p, XW_STRIDE);
        let q = v128.load8x8_s(w);
        a0 = i32x4.add(a0, i32x4.dot_i16x8_s(u, q));
        b0 = i32x4.add(b0, i32x4.dot_i16x8_s(v, q));
        q = v128.load8x8_s(w, 8);
        a1 = i32x4.add(a1, i32x4.dot_i16x8_s(u, q));
        b1 = i32x4.add(b1, i32x4.dot_i16x8_s(v, q));
        q = v128.load8x8_s(w, 16);
        a2 = i32x4.add(a2, i32x4.dot_i16x8_s(u, q));
        b2 = i32x4.add(b2, i32x4.dot_i16x8_s(v, q));
        q = v128.load8x8_s(w, 24);
        a3 = i32x4.add(a3, i32x4.dot_i16x8_s(u, q));
        b3 = i32x4.add(b3, i32x4.dot_i16x8_s(v, q));
        p += 4;
        w += 32;
      }
    }
    let m: v128;
    if (relu) {
      // C (the channels' constants) from gridC, S shared by both pixels as below.
      let s = v128.load(tab), g = v128.load(gridC);
      const ta0 = gridT(a0, s, g), tb0 = gridT(b0, s, g);
      s = v128.load(tab, 16); g = v128.load(gridC, 16);
      const ta1 = gridT(a1, s, g), tb1 = gridT(b1, s, g);
      s = v128.load(tab, 64); g = v128.load(gridC, 32);
      const ta2 = gridT(a2, s, g), tb2 = gridT(b2, s, g);
      s = v128.load(tab, 80); g = v128.load(gridC, 48);
      const ta3 = gridT(a3, s, g), tb3 = gridT(b3, s, g);
      m = i32x4.le_u(i32x4.min_u(gridPixel(ta0, ta1, ta2, ta3, k, lo, hi, y), gridPixel(tb0, tb1, tb2, tb3, k, lo, hi, yb)), lim);
    } else {
      // The signed grid store, one pixel after the other (each loads its own table vectors).
      const fa = gridPixelSigned(a0, a1, a2, a3, tab, k, lo, hi, y);
      m = i32x4.le_u(i32x4.min_u(fa, gridPixelSigned(b0, b1, b2, b3, tab, k, lo, hi, yb)), lim);
    }
    v128.store(colBad + (<usize>i << 4), m);
    bad = v128.or(bad, m);
    x += rb;
    y += ys;
    yb += ys;
  }
  return v128.any_true(bad);
}

// Per pair of the running sweep: its screen result (any lane set: redo the pair).
const colBad: usize = memory.data(COL_PAIRS << 4, 16);

/** Runs the pairs colBad flags again through the 2x16 tile and its exact store. */
function colsRedo(wn: usize, K2: i32, rb: usize, pairs: i32, bp: usize, c: i32, y: usize, ys: usize): void {
  for (let i = 0; i < pairs; i++) {
    if (!v128.any_true(v128.load(colBad + (<usize>i << 4)))) continue;
    const o = y + <usize>i * ys;
    tile2x16(wn, K2, bp, c, 0, 0, o, o + <usize>pairs * ys, xwA + <usize>i * rb);
  }
}

function colsF32Relu(wide: bool, w: usize, K2: i32, rb: usize, pairs: i32, bp: usize, c: i32, tab: usize, y: usize, ys: usize): bool {
  return colsF32(true, wide, w, K2, rb, pairs, bp, c, tab, y, ys);
}

function colsF32Signed(wide: bool, w: usize, K2: i32, rb: usize, pairs: i32, bp: usize, c: i32, tab: usize, y: usize, ys: usize): bool {
  return colsF32(false, wide, w, K2, rb, pairs, bp, c, tab, y, ys);
}

/**
 * Whether the running op takes the column sweep: whole groups of 16, K <= 256 (its i16 weights),
 * the f32 table, and this build's f32 form of the op's clamp.
 */
@inline export function colsReady(): bool {
  if (!ASC_FEATURE_SIMD || !kernelBuilt(KERNEL_CONV1X1_COLS) || (pkN & 15) != 0 || !pkFast || f32TableAt() == 0) return false;
  return pkMin >= pkZp ? kernelBuilt(KERNEL_CONV_F32_RELU) : kernelBuilt(KERNEL_CONV_F32);
}

// conv2d.ts stridedRows (strided 1x1 convs): gemmCols' row i is then output pixel i, sampled from
// the input at xp + (i / colsOW) * colsYs + (i % colsOW) * colsXs and widened on its own (K a
// multiple of 16); colsOW 0: rows are consecutive runs of K bytes.
let colsOW: i32 = 0;
let colsXs: usize = 0;
let colsYs: usize = 0;
export function colsSampled(ow: i32, xs: usize, ys: usize): void {
  colsOW = ow; colsXs = xs; colsYs = ys;
}

/** h sampled rows from row r on, widened to dst + i * 2K (K a multiple of 16). */
function widenSampled(dst: usize, xp: usize, r: i32, h: i32, K: i32, inOff: i32): void {
  let oy = r / colsOW, ox = r - oy * colsOW;
  const o = i16x8.splat(<i16>inOff);
  const rb = <usize>K << 1;
  // A run of sampled pixels along one output row per pass (no wrap test per pixel).
  while (h > 0) {
    let n = colsOW - ox;
    if (n > h) n = h;
    h -= n;
    let s = xp + <usize>oy * colsYs + <usize>ox * colsXs;
    const end = dst + <usize>n * rb;
    for (; dst < end; dst += rb) {
      for (let j: usize = 0; j < <usize>K; j += 16) {
        const v = v128.load(s + j);
        v128.store(dst + (j << 1), i16x8.add(i16x8.extend_low_i8x16_s(v), o));
        v128.store(dst + (j << 1), i16x8.add(i16x8.extend_high_i8x16_s(v), o), 16);
      }
      s += colsXs;
    }
    ox = 0;
    oy++;
  }
}

/** The column sweep over rows r.. (rows of K bytes from xp) while two remain; returns the next row. */
export function gemmCols(xp: usize, r: i32, rows: i32, K: i32, inOff: i32, yp: usize, memEnd: usize): i32 {
  const N = pkN, K2 = pkK2;
  const gStride = <usize>K2 << 5;
  const tab = f32TableAt();
  const relu = pkMin >= pkZp;
  gridPrepare(tab, N);
  // Every group's i16 weights when they fit (the sweep then loads them), else the packed bytes.
  const rowsMax = <i32>(XW_STRIDE - 32) / (K << 1) < COL_PAIRS ? <i32>(XW_STRIDE - 32) / (K << 1) : COL_PAIRS;
  const once = (N >> 4) * (K2 << 6) <= WIDE_CAP && rowsMax * (K << 1) + 32 <= <i32>(XW_STRIDE >> 1);
  if (once) widenWeights(wideW, pkW, (N >> 4) * (K2 << 5));
  // A chunk of 2h rows is widened as two runs (consecutive input rows are one run of bytes): rows
  // r.. r + h - 1 at xwA, the next h at xwB, row j of a half at + j * 2K, so pair i (rows r + i and
  // r + h + i) keeps the tile's constant XW_STRIDE offset. Two widening loops per chunk instead of
  // two per pair: vww's 8 -> 16 1x1 conv spent ~14 % of its time widening 8 bytes at a time. The
  // tile reads ceil(K / 4) * 4 taps of a row, the next row's first ones past K against packed zero
  // weights; the last row's overread (stale, finite) stays within its half.
  const rb = <usize>K << 1;
  let cap = <i32>((XW_STRIDE - 32) / rb);
  if (cap > COL_PAIRS) cap = COL_PAIRS;
  while (r + 2 <= rows) {
    let h = (rows - r) >> 1;
    if (h > cap) h = cap;
    const x0 = xp + <usize>r * <usize>K, hb = h * K;
    if (ASC_FEATURE_SIMD && kernelBuilt(KERNEL_CONV1X1_STRIDED) && colsOW) {
      widenSampled(xwA, xp, r, h, K, inOff);
      widenSampled(xwB, xp, r + h, h, K, inOff);
    } else {
      widenRunOver(xwA, x0, hb, inOff, memEnd);
      widenRunOver(xwB, x0 + <usize>hb, hb, inOff, memEnd);
    }
    const pix = h << 1;
    const y = yp + <usize>r * <usize>N;
    let w = pkW;
    for (let n = 0; n < N; n += 16) {
      const bp = pkBias ? pkBias + (<usize>n << 2) : 0, t = tab + (<usize>n << 3);
      const ww = once ? wideW + ((<usize>n * <usize>K2) << 2) : w;
      // (colsReady: this build has the op's form; a per-model build links only the forms it uses.)
      let bad = false;
      if (relu) {
        if (kernelBuilt(KERNEL_CONV_F32_RELU)) bad = colsF32Relu(once, ww, K2, rb, h, bp, n, t, y + <usize>n, <usize>N);
      } else if (kernelBuilt(KERNEL_CONV_F32)) {
        bad = colsF32Signed(once, ww, K2, rb, h, bp, n, t, y + <usize>n, <usize>N);
      }
      if (bad) colsRedo(w, K2, rb, h, bp, n, y + <usize>n, <usize>N);
      w += gStride;
    }
    r += pix;
  }
  return r;
}

/** fully_connected / 1x1 stride-1 unpadded conv: rows of K bytes at xp, N outputs per row. */
export function gemm_s8_packed(xp: usize, rows: i32, K: i32, inOff: i32, yp: usize): void {
  const N = pkN;
  let r = 0;
  if (ASC_FEATURE_SIMD && N <= 8 && K <= Q_K_MAX) {
    for (; r + 4 <= rows; r += 4) {
      const x0 = xp + <usize>r * <usize>K;
      for (let j = 0; j < 4; j++) widenRun(xwRow(j, true), x0 + <usize>(j * K), K, inOff);
      packedRun4(yp + <usize>r * <usize>N);
    }
  }
  // Whole 8-value steps (inline): small-K 1x1 convs spend as long widening as multiplying.
  const memEnd = <usize>memory.size() << 16;
  if (!ASC_FEATURE_SIMD && (pkK2 << 1) <= PAIR_TAPS) {
    for (; r + 2 <= rows; r += 2) {
      const x0 = xp + <usize>r * <usize>K;
      widenPair(x0, x0 + <usize>K, K, inOff);
      const y0 = yp + <usize>r * <usize>N;
      scalarRun(true, 0, y0, y0 + <usize>N);
    }
  }
  if (colsReady()) r = gemmCols(xp, r, rows, K, inOff, yp, memEnd);
  for (; r + 2 <= rows; r += 2) {
    const x0 = xp + <usize>r * <usize>K;
    widenRunOver(xwA, x0, K, inOff, memEnd);
    widenRunOver(xwB, x0 + <usize>K, K, inOff, memEnd);
    const y0 = yp + <usize>r * <usize>N;
    packedRun(true, y0, y0 + <usize>N);
  }
  if (r < rows) {
    widenRun(xwA, xp + <usize>r * <usize>K, K, inOff);
    const y0 = yp + <usize>r * <usize>N;
    packedRun(false, y0, y0);
  }
}
