// conv2d, NHWC activations, OHWI weights (w[O, KH, KW, C/group]), optional bias, grouped.
// Padded taps are skipped (they contribute 0, as TFLite Micro's bounds check does).
import { STORAGE_EMPTY, O_FLAGS, OPF_PACKED_W16 } from '../../format/format';
import { preparedTable } from '../prepared';
import { PREPARED_CONV_HEAD } from '../../format/prepared';
import { useFastTable, useF32Table } from '../requant_fast';
import { packedBegin, packedUseFast, packedRun, packedRunRows, packedRunRows4, packedRowRepack, rowPackFits, packedRun4, gemm_s8_packed, widenRun, widenRunOver, zeroOver, xwA, xwRow, Q_K_MAX, colsReady, colsSampled, gemmCols } from './gemm_packed';
import { opIn, opOut, opParam, opParamF, tdim, tptr, tzp, tstorage, opInCount } from '../state';
import { dotS8, dot4_s8_scalar, dot4rows_s8_scalar, dot_f32 } from './dot';

const acc4: usize = memory.data(16, 16);

// Patch buffer of the gathered paths: one output pixel's receptive field (s8 bytes or f32 values).
// Shares the packed kernels' widened-row buffer (never in use at the same time): one static
// region for both keeps the linear memory small (direct.ts's kernels use it too).
export const PATCH_CAP: i32 = 16384;
export const patchBuf: usize = xwA;
import { mbqm, mbqmInline, clampi } from '../fixedpoint';
import { fastPrepare } from '../requant_fast';
import { gemm_s8_rows, tile_s8_2x4_simd } from './gemm';
import { kernelBuilt } from '../features';
import { KERNEL_S8_PLAIN_CONV, KERNEL_PACKED_SPATIAL, KERNEL_CONV1X1_STRIDED } from '../../format/runtime-features';
import { KERNEL_PACKED, KERNEL_S8_PLAIN } from '../../format/runtime-features';
import { conv2d_s8_band_scalar } from './conv_band_scalar';


/**
 * f32: each output pixel's receptive field is gathered into patchBuf (padded taps as 0.0, which add
 * nothing for finite weights), then every output channel is one contiguous dot product of
 * KH*KW*C/group values; larger patches fall back to per-tap dot products.
 */
export function conv2d_f32(op: usize): void {
  const x = opIn(op, 0), w = opIn(op, 1), y = opOut(op, 0);
  const hasBias = opInCount(op) > 2 && tstorage(opIn(op, 2)) != STORAGE_EMPTY;
  const xp = tptr(x), wp = tptr(w), yp = tptr(y), bp = hasBias ? tptr(opIn(op, 2)) : 0;
  const N = tdim(x, 0), H = tdim(x, 1), W = tdim(x, 2), C = tdim(x, 3);
  const O = tdim(w, 0), KH = tdim(w, 1), KW = tdim(w, 2), CG = tdim(w, 3);
  const OH = tdim(y, 1), OW = tdim(y, 2);
  const sh = opParam(op, 0), sw = opParam(op, 1), dh = opParam(op, 2), dw = opParam(op, 3);
  const pt = opParam(op, 4), pl = opParam(op, 5), G = opParam(op, 8);
  const lo = opParamF(op, 9), hi = opParamF(op, 10);
  const OG = O / G;
  const K = KH * KW * CG;
  const gather = K * 4 <= PATCH_CAP;
  let out = yp;
  for (let n = 0; n < N; n++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        const iy0 = oy * sh - pt, ix0 = ox * sw - pl;
        for (let o = 0; o < O; o++) {
          const g = o / OG;
          const cBase = g * CG;
          let acc: f32 = 0;
          if (gather) {
            // One gather per group (the first output channel of each group).
            if (o % OG == 0) gatherPatchF32(xp, n, H, W, C, CG, cBase, KH, KW, iy0, ix0, dh, dw);
            acc = dot_f32(patchBuf, wp + (<usize>o * <usize>K << 2), K);
          } else {
            for (let ky = 0; ky < KH; ky++) {
              const iy = iy0 + ky * dh;
              if (iy < 0 || iy >= H) continue;
              for (let kx = 0; kx < KW; kx++) {
                const ix = ix0 + kx * dw;
                if (ix < 0 || ix >= W) continue;
                const xo = xp + ((<usize>((n * H + iy) * W + ix) * <usize>C + <usize>cBase) << 2);
                const wo = wp + ((<usize>((o * KH + ky) * KW + kx) * <usize>CG) << 2);
                acc += dot_f32(xo, wo, CG);
              }
            }
          }
          if (hasBias) acc += load<f32>(bp + (<usize>o << 2));
          acc = acc < lo ? lo : acc;
          acc = acc > hi ? hi : acc;
          store<f32>(out, acc);
          out += 4;
        }
      }
    }
  }
}

/** f32 patch of one output pixel for one group's CG channels, OHWI tap order, padding as 0.0. */
function gatherPatchF32(
  xp: usize, n: i32, H: i32, W: i32, C: i32, CG: i32, cBase: i32, KH: i32, KW: i32,
  iy0: i32, ix0: i32, dh: i32, dw: i32,
): void {
  let dst = patchBuf;
  const bytes = <usize>CG << 2;
  for (let ky = 0; ky < KH; ky++) {
    const iy = iy0 + ky * dh;
    for (let kx = 0; kx < KW; kx++) {
      const ix = ix0 + kx * dw;
      if (iy >= 0 && iy < H && ix >= 0 && ix < W) {
        memory.copy(dst, xp + ((<usize>((n * H + iy) * W + ix) * <usize>C + <usize>cBase) << 2), bytes);
      } else {
        memory.fill(dst, 0, bytes);
      }
      dst += bytes;
    }
  }
}

/** Requantizes the four accumulators in acc4 (channels o..o+3) into out[0..3] (scalar blocks). */
@inline function requantBlock4(out: usize, o: i32, mp: usize, shp: usize, outZp: i32, amin: i32, amax: i32): void {
  const ch = <usize>o << 2;
  for (let j: usize = 0; j < 4; j++) {
    const acc = load<i32>(acc4 + (j << 2));
    const c = ch + (j << 2);
    store<i8>(out + j, <i8>clampi(mbqmInline(acc, load<i32>(mp + c), load<i32>(shp + c)) + outZp, amin, amax));
  }
}


/**
 * Copies one output pixel's receptive field into patchBuf in OHWI tap order. Padded taps are filled
 * with the input zero point, so they contribute (zp + input_offset) * w = 0, exactly as skipping them.
 * A call, not inlined: once per output pixel, shared with the direct-weights conv (kernels/direct.ts).
 */
export function gatherPatch(
  xImg: usize, H: i32, W: i32, C: i32, KH: i32, KW: i32, iy0: i32, ix0: i32, dh: i32, dw: i32, zp: i32,
): void {
  let dst = patchBuf;
  const c = <usize>C;
  const rowBytes = <usize>KW * c;
  // In-bounds kx range (used when dilation_w is 1: one copy per kernel row).
  const kxA = ix0 < 0 ? (-ix0 < KW ? -ix0 : KW) : 0;
  const kxB = W - ix0 < KW ? (W - ix0 > kxA ? W - ix0 : kxA) : KW;
  for (let ky = 0; ky < KH; ky++) {
    const iy = iy0 + ky * dh;
    if (iy < 0 || iy >= H) {
      memory.fill(dst, <u8>zp, rowBytes);
    } else {
      const xRow = xImg + <usize>(iy * W) * c;
      if (dw == 1) {
        const a = <usize>kxA * c, b = <usize>kxB * c;
        if (a > 0) memory.fill(dst, <u8>zp, a);
        if (b > a) memory.copy(dst + a, xRow + <usize>(ix0 + kxA) * c, b - a);
        if (rowBytes > b) memory.fill(dst + b, <u8>zp, rowBytes - b);
      } else {
        for (let kx = 0; kx < KW; kx++) {
          const ix = ix0 + kx * dw;
          if (ix >= 0 && ix < W) memory.copy(dst + <usize>kx * c, xRow + <usize>ix * c, c);
          else memory.fill(dst + <usize>kx * c, <u8>zp, c);
        }
      }
    }
    dst += rowBytes;
  }
}

/** Scalar, group 1 with few channels or dilation_w > 1: one contiguous dot product of KH*KW*C per channel. */
@inline function conv2d_s8_gathered(op: usize): void {
  const x = opIn(op, 0), w = opIn(op, 1), y = opOut(op, 0);
  const hasBias = tstorage(opIn(op, 2)) != STORAGE_EMPTY;
  const xp = tptr(x), wp = tptr(w), yp = tptr(y), bp = hasBias ? tptr(opIn(op, 2)) : 0;
  const mp = tptr(opIn(op, 3)), shp = tptr(opIn(op, 4));
  const N = tdim(x, 0), H = tdim(x, 1), W = tdim(x, 2), C = tdim(x, 3);
  const O = tdim(w, 0), KH = tdim(w, 1), KW = tdim(w, 2);
  const OH = tdim(y, 1), OW = tdim(y, 2);
  const sh = opParam(op, 0), sw = opParam(op, 1), dh = opParam(op, 2), dw = opParam(op, 3);
  const pt = opParam(op, 4), pl = opParam(op, 5);
  const amin = opParam(op, 9), amax = opParam(op, 10);
  const zp = tzp(x), inOff = -zp, outZp = tzp(y);
  const K = KH * KW * C;
  let out = yp;
  for (let n = 0; n < N; n++) {
    const xImg = xp + <usize>(n * H * W) * <usize>C;
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        gatherPatch(xImg, H, W, C, KH, KW, oy * sh - pt, ox * sw - pl, dh, dw, zp);
        let o = 0;
        for (; o + 4 <= O; o += 4) {
          for (let j = 0; j < 4; j++) {
            store<i32>(acc4 + (<usize>j << 2), hasBias ? load<i32>(bp + (<usize>(o + j) << 2)) : 0);
          }
          const wo = wp + <usize>o * <usize>K;
          dot4_s8_scalar(patchBuf, wo, <usize>K, K, inOff, acc4);
          requantBlock4(out, o, mp, shp, outZp, amin, amax);
          out += 4;
        }
        for (; o < O; o++) {
          let acc = dotS8(false, patchBuf, wp + <usize>o * <usize>K, K, inOff);
          if (hasBias) acc += load<i32>(bp + (<usize>o << 2));
          const ch = <usize>o << 2;
          store<i8>(out, <i8>clampi(mbqm(acc, load<i32>(mp + ch), load<i32>(shp + ch)) + outZp, amin, amax));
          out += 1;
        }
      }
    }
  }
}

/**
 * Fast patch gather (SIMD build): in-bounds kernel rows with dilation_w 1 are copied in 16-byte
 * chunks (the overrun is overwritten by the next row or by the zero-point tail), others as
 * gatherPatch does. Then the patch is padded with the zero point up to a multiple of 8, so the
 * micro-kernel needs no K tail: padded x is zp, and (zp + input_offset) * w = 0.
 */
@inline function gatherPatchFast(
  dst0: usize, xImg: usize, H: i32, W: i32, C: i32, KH: i32, KW: i32, iy0: i32, ix0: i32, dh: i32, dw: i32,
  zp: i32, K: i32, memEnd: usize,
): void {
  const c = <usize>C;
  const rowBytes = <usize>KW * c;
  const interiorX = dw == 1 && ix0 >= 0 && ix0 + KW <= W;
  let dst = dst0;
  for (let ky = 0; ky < KH; ky++) {
    const iy = iy0 + ky * dh;
    const src = xImg + <usize>(iy * W + ix0) * c;
    if (interiorX && iy >= 0 && iy < H && src + rowBytes + 16 <= memEnd) {
      for (let i: usize = 0; i < rowBytes; i += 16) v128.store(dst + i, v128.load(src + i));
    } else {
      gatherRow(dst, xImg, H, W, C, KW, iy, ix0, dw, zp);
    }
    dst += rowBytes;
  }
  const z = i8x16.splat(<i8>zp);
  v128.store(dst0 + <usize>K, z);
}

/** One kernel row of gatherPatch (padding as the zero point). */
function gatherRow(dst: usize, xImg: usize, H: i32, W: i32, C: i32, KW: i32, iy: i32, ix0: i32, dw: i32, zp: i32): void {
  const c = <usize>C;
  const rowBytes = <usize>KW * c;
  if (iy < 0 || iy >= H) {
    memory.fill(dst, <u8>zp, rowBytes);
    return;
  }
  const xRow = xImg + <usize>(iy * W) * c;
  for (let kx = 0; kx < KW; kx++) {
    const ix = ix0 + kx * dw;
    if (ix >= 0 && ix < W) memory.copy(dst + <usize>kx * c, xRow + <usize>ix * c, c);
    else memory.fill(dst + <usize>kx * c, <u8>zp, c);
  }
}

/**
 * conv2d_s8_gathered_2x4_simd: every plain-layout group-1 conv whose patch fits (SIMD). Two
 * output pixels' patches are gathered (zero-point padded to K8 = K rounded up to 8) and run through the 2x4 tile
 * with K8: the weight rows are read K8 bytes from each row start; the bytes past a row's K belong to
 * the next row (or lie within memory past the tensor: checked by the caller) and meet x = zp, adding 0.
 */
function conv2d_s8_gathered_2x4_simd(op: usize): void {
  const x = opIn(op, 0), w = opIn(op, 1), y = opOut(op, 0);
  const hasBias = tstorage(opIn(op, 2)) != STORAGE_EMPTY;
  const xp = tptr(x), wp = tptr(w), yp = tptr(y), bp = hasBias ? tptr(opIn(op, 2)) : 0;
  const mp = tptr(opIn(op, 3)), shp = tptr(opIn(op, 4));
  const N = tdim(x, 0), H = tdim(x, 1), W = tdim(x, 2), C = tdim(x, 3);
  const O = tdim(w, 0), KH = tdim(w, 1), KW = tdim(w, 2);
  const OH = tdim(y, 1), OW = tdim(y, 2);
  const sh = opParam(op, 0), sw = opParam(op, 1), dh = opParam(op, 2), dw = opParam(op, 3);
  const pt = opParam(op, 4), pl = opParam(op, 5);
  const amin = opParam(op, 9), amax = opParam(op, 10);
  const zp = tzp(x), inOff = -zp, outZp = tzp(y);
  const off = i16x8.splat(<i16>inOff);
  const K = KH * KW * C;
  const K8 = (K + 7) & ~7;
  const memEnd = <usize>memory.size() << 16;
  const pA = patchBuf, pB = patchBuf + <usize>(PATCH_CAP / 2);
  const O4 = O & ~3;
  const P = OH * OW;
  const fast = fastPrepare(O, wp, K, 1, K, bp, mp, shp, inOff);
  for (let n = 0; n < N; n++) {
    const xImg = xp + <usize>(n * H * W) * <usize>C;
    const yImg = yp + <usize>(n * P) * <usize>O;
    for (let p = 0; p < P; p += 2) {
      // Pixels p and p + 1 (row-major over the output image); the last odd pixel pairs with itself.
      const q = p + 1 < P ? p + 1 : p;
      const oyA = p / OW, oxA = p - oyA * OW, oyB = q / OW, oxB = q - oyB * OW;
      gatherPatchFast(pA, xImg, H, W, C, KH, KW, oyA * sh - pt, oxA * sw - pl, dh, dw, zp, K, memEnd);
      gatherPatchFast(pB, xImg, H, W, C, KH, KW, oyB * sh - pt, oxB * sw - pl, dh, dw, zp, K, memEnd);
      const y0 = yImg + <usize>p * <usize>O, y1 = yImg + <usize>q * <usize>O;
      for (let o = 0; o < O4; o += 4) {
        const ch = <usize>o << 2;
        const bias = hasBias ? v128.load(bp + ch) : i32x4.splat(0);
        tile_s8_2x4_simd(
          pA, pB, 0, wp + <usize>o * <usize>K, 0, <usize>K, 1, K8, off, inOff,
          bias, mp + ch, shp + ch, fast ? o : -1, outZp, amin, amax, y0 + <usize>o, y1 + <usize>o,
        );
      }
      for (let o = O4; o < O; o++) {
        const ch = <usize>o << 2;
        const m = load<i32>(mp + ch), s = load<i32>(shp + ch), b = hasBias ? load<i32>(bp + ch) : 0;
        const wr = wp + <usize>o * <usize>K;
        store<i8>(y0 + <usize>o, <i8>clampi(mbqm(dotS8(true, pA, wr, K, inOff) + b, m, s) + outZp, amin, amax));
        store<i8>(y1 + <usize>o, <i8>clampi(mbqm(dotS8(true, pB, wr, K, inOff) + b, m, s) + outZp, amin, amax));
      }
    }
  }
}

/**
 * One output pixel's receptive field into dst as i16 x + inOff in OHWI tap order, padded taps 0
 * (what skipping them adds), for the packed-weight kernels.
 */
function gatherWiden(
  dst: usize, xImg: usize, H: i32, W: i32, C: i32, KH: i32, KW: i32, iy0: i32, ix0: i32, dh: i32, dw: i32, inOff: i32,
  memEnd: usize,
): void {
  const c = <usize>C;
  const rowLen = <usize>KW * c;
  const kxA = ix0 < 0 ? (-ix0 < KW ? -ix0 : KW) : 0;
  const kxB = W - ix0 < KW ? (W - ix0 > kxA ? W - ix0 : kxA) : KW;
  for (let ky = 0; ky < KH; ky++) {
    const iy = iy0 + ky * dh;
    // Pieces are written in order, so each one's overrun (zeroOver, widenRunOver) is overwritten
    // by what follows it; the last one's lands past K, against packed zero weights.
    if (iy < 0 || iy >= H) {
      zeroOver(dst, rowLen << 1);
    } else {
      const xRow = xImg + <usize>(iy * W) * c;
      if (dw == 1) {
        const a = <usize>kxA * c, b = <usize>kxB * c;
        if (a > 0) zeroOver(dst, a << 1);
        if (b > a) widenRunOver(dst + (a << 1), xRow + <usize>(ix0 + kxA) * c, <i32>(b - a), inOff, memEnd);
        if (rowLen > b) zeroOver(dst + (b << 1), (rowLen - b) << 1);
      } else {
        for (let kx = 0; kx < KW; kx++) {
          const ix = ix0 + kx * dw;
          const d = dst + ((<usize>kx * c) << 1);
          if (ix >= 0 && ix < W) widenRun(d, xRow + <usize>ix * c, C, inOff);
          else zeroOver(d, c << 1);
        }
      }
    }
    dst += rowLen << 1;
  }
}

/**
 * The KH input rows of one output row (first input row iy0, rows dh apart), widened to i16 x + inOff
 * and zero-padded by pl / pr pixels, rowBytes apart at dst (SIMD band kernels).
 */
function widenBand(
  dst: usize, xImg: usize, H: i32, W: i32, C: i32, KH: i32, iy0: i32, dh: i32, pl: i32, pr: i32, rowBytes: usize,
  inOff: i32, memEnd: usize,
): void {
  for (let ky = 0; ky < KH; ky++) {
    const iy = iy0 + ky * dh;
    // In order, so each piece's overrun is overwritten by the next one.
    if (iy < 0 || iy >= H) {
      zeroOver(dst, rowBytes);
    } else {
      if (pl > 0) zeroOver(dst, (<usize>(pl * C)) << 1);
      widenRunOver(dst + ((<usize>(pl * C)) << 1), xImg + <usize>(iy * W) * <usize>C, W * C, inOff, memEnd);
      if (pr > 0) zeroOver(dst + ((<usize>((pl + W) * C)) << 1), (<usize>(pr * C)) << 1);
    }
    dst += rowBytes;
  }
}

// Longest kernel-row run (taps) the band kernels copy into a patch instead of reading in place.
const BAND_PATCH_RUN: i32 = 16;

/**
 * One pixel's KH row runs of runBytes (rowBytes apart in the band at src) back to back at dst, in
 * 16-byte steps: each step's overrun is overwritten by the next row, the last one's lies past the
 * patch's taps (read against packed zero weights, or not at all).
 */
@inline function copyRuns(dst: usize, src: usize, rowBytes: usize, KH: i32, runBytes: usize): void {
  for (let r = 0; r < KH; r++) {
    for (let i: usize = 0; i < runBytes; i += 16) v128.store(dst + i, v128.load(src + i));
    src += rowBytes;
    dst += runBytes;
  }
}

/**
 * A 1x1 unpadded conv with strides (sh, sw), C a multiple of 16, on gemm_packed.ts's column sweep
 * (whole groups of 16 channels, the f32 table): each sampled pixel is widened straight into the
 * sweep's rows (colsSampled), which then run as a stride-1 1x1 conv's (the band's 2-pixel tiles ran
 * ic's shortcuts at 11-18 GMAC/s; copying the sampled pixels to contiguous rows first cost ~7 % of
 * its 16 -> 32 one, and without the sweep the copy gained 0-4 % over the band). False (nothing
 * done) without the sweep or when a sampled pixel lies outside the input.
 */
function stridedRows(xp: usize, N: i32, H: i32, W: i32, C: i32, O: i32, OH: i32, OW: i32, sh: i32, sw: i32, inOff: i32, yp: usize): bool {
  if (!colsReady() || (OH - 1) * sh >= H || (OW - 1) * sw >= W) return false;
  const c = <usize>C;
  const P = OH * OW;
  const xs = <usize>sw * c, ys = <usize>(sh * W) * c;
  colsSampled(OW, xs, ys);
  for (let n = 0; n < N; n++) {
    const xImg = xp + <usize>(n * H * W) * c;
    const yImg = yp + <usize>(n * P) * <usize>O;
    const r = gemmCols(xImg, 0, P, C, inOff, yImg, 0);
    if (r < P) {
      // An odd last pixel (r = P - 1).
      widenRun(xwA, xImg + <usize>(r / OW) * ys + <usize>(r % OW) * xs, C, inOff);
      const y = yImg + <usize>r * <usize>O;
      packedRun(false, y, y);
    }
  }
  colsSampled(0, 0, 0);
  return true;
}

/**
 * conv2d on OPF_PACKED_W16 weights (group 1): output pixels in pairs through gemm_packed.ts. With
 * `plain` (OHWI weights, SIMD) only the band kernels on row-padded weights run (returns false,
 * having done nothing, when they cannot): first convs whose layout auto left plain (a one-layer
 * model's packing budget) ran 1.6x as long gathered.
 */
function conv2d_s8_packed(op: usize, plain: bool = false): bool {
  const x = opIn(op, 0), w = opIn(op, 1), y = opOut(op, 0);
  const hasBias = tstorage(opIn(op, 2)) != STORAGE_EMPTY;
  const xp = tptr(x), yp = tptr(y);
  const N = tdim(x, 0), H = tdim(x, 1), W = tdim(x, 2), C = tdim(x, 3);
  const O = tdim(w, 0), KH = tdim(w, 1), KW = tdim(w, 2);
  const OH = tdim(y, 1), OW = tdim(y, 2);
  const sh = opParam(op, 0), sw = opParam(op, 1), dh = opParam(op, 2), dw = opParam(op, 3);
  const pt = opParam(op, 4), pl = opParam(op, 5);
  const inOff = -tzp(x);
  const K = KH * KW * C;
  const P = OH * OW;
  const pr = opParam(op, 7);
  const bandLen = <usize>(W + pl + pr) * <usize>C;
  const bandFits = dw == 1 && <usize>KH * bandLen * 2 + 16 <= <usize>(PATCH_CAP);
  if (plain && !(bandFits && (KW * C) & 3 && rowPackFits(O, KH, KW * C))) return false;
  // Prepared at load (prepared.ts): the requantization table from the op's record, also under 16
  // pixels (the late 3x3-pixel layers), instead of building it per run.
  const rec = ASC_FEATURE_SIMD && !plain ? preparedTable(op) : 0;
  if (ASC_FEATURE_SIMD) useF32Table(0, 0);
  packedBegin(
    tptr(w), O, K, hasBias ? tptr(opIn(op, 2)) : 0, tptr(opIn(op, 3)), tptr(opIn(op, 4)),
    inOff, tzp(y), opParam(op, 9), opParam(op, 10), rec ? 0 : N * P, plain,
  );
  if (rec && load<i32>(rec) != 0) {
    const c16 = (O + 15) & ~15;
    useFastTable(rec + <usize>PREPARED_CONV_HEAD, c16);
    useF32Table(rec + <usize>PREPARED_CONV_HEAD + <usize>c16 * 24, load<i32>(rec, 4));
    packedUseFast();
  }
  // 1x1, stride 1, unpadded: every pixel is a GEMM row of C bytes.
  if (!plain && KH == 1 && KW == 1 && sh == 1 && sw == 1 && OH == H && OW == W && pt == 0 && pl == 0) {
    gemm_s8_packed(xp, N * H * W, C, inOff, yp);
    return true;
  }
  // 1x1 strided, unpadded (ResNet shortcuts): the sampled pixels as the column sweep's rows.
  if (ASC_FEATURE_SIMD && kernelBuilt(KERNEL_CONV1X1_STRIDED) && !plain && KH == 1 && KW == 1 && pt == 0 && pl == 0 && (C & 15) == 0 && stridedRows(xp, N, H, W, C, O, OH, OW, sh, sw, inOff, yp)) {
    return true;
  }
  // Packed: validate_ops.ts refused spatial ops without it; plain: the gathered path runs instead.
  if (!kernelBuilt(KERNEL_PACKED_SPATIAL)) return !plain;
  const x0 = xwRow(0), x1 = xwRow(1);
  const memEnd = <usize>memory.size() << 16;
  // Dilation_w 1: widen the KH input rows of each output row once, zero-padded left and right, and
  // read every pixel's row runs in place (the per-pixel gather cost ~9 % of ic's 16-64 channel 3x3
  // layers, most of the C = 3 first convs' time). Kernel rows must be whole tap pairs pairs (KW*C a
  // multiple of 4), else the weights are re-laid with each row padded to an even tap count.
  let run = KW * C;
  let band = false;
  if (ASC_FEATURE_SIMD && bandFits) {
    // (Also ahead of the quad path's one-load patch rows below: mnist-8's 5x5 C = 1 first conv
    // 15.3 vs 20.2 us, interleaved A/B of the two on one runtime.)
    if ((run & 3) == 0) band = O > 8;
    else if (packedRowRepack(KH, run)) {
      band = true;
      run = (run + 1) & ~1;
    }
  }
  if (ASC_FEATURE_SIMD && band) {
    const rowBytes = bandLen << 1;
    const step = (<usize>(sw * C)) << 1;
    const bandBytes = (<usize>KH * rowBytes + 15) & ~15;
    // Short kernel rows (run <= BAND_PATCH_RUN) over more than one group of 16 channels: each
    // pixel's row runs are copied out of the band into one patch, so every group's tile runs one
    // contiguous loop instead of a short one per kernel row, and pixels pair across two output
    // rows (KWS's 10x4 C = 1 first conv, 5 pixels a row: a lone pixel per row cost a whole
    // 2-pixel tile; 0.75x of the in-place band). With one group the copy does not pay (ic's and
    // the generated C = 3 first convs, 16 channels: 1.11-1.14x).
    const patchBytes = ((<usize>(KH * run) << 1) + 31) & ~15;
    const patches = O > 16 && run <= BAND_PATCH_RUN && (bandBytes + patchBytes) * 2 + 16 <= <usize>PATCH_CAP;
    if (patches) {
      const x1b = x0 + bandBytes, pA = x0 + bandBytes * 2, pB = pA + patchBytes;
      const runBytes = <usize>run << 1;
      const kp = KH * run;
      for (let n = 0; n < N; n++) {
        const xImg = xp + <usize>(n * H * W) * <usize>C;
        for (let oy = 0; oy < OH; oy += 2) {
          const rows = OH - oy >= 2 ? 2 : 1;
          widenBand(x0, xImg, H, W, C, KH, oy * sh - pt, dh, pl, pr, rowBytes, inOff, memEnd);
          if (rows == 2) widenBand(x1b, xImg, H, W, C, KH, (oy + 1) * sh - pt, dh, pl, pr, rowBytes, inOff, memEnd);
          const cnt = rows * OW;
          const yBlk = yp + <usize>((n * OH + oy) * OW) * <usize>O;
          for (let p = 0; p < cnt; p += 2) {
            const two = p + 1 < cnt;
            copyRuns(pA, p < OW ? x0 + <usize>p * step : x1b + <usize>(p - OW) * step, rowBytes, KH, runBytes);
            if (two) {
              const q = p + 1;
              copyRuns(pB, q < OW ? x0 + <usize>q * step : x1b + <usize>(q - OW) * step, rowBytes, KH, runBytes);
            }
            const y0 = yBlk + <usize>p * <usize>O;
            packedRunRows(two, pA, pB, 0, 1, kp, y0, y0 + <usize>O);
          }
        }
      }
      return true;
    }
    // Several output rows per band when their input rows overlap (dilation 1, stride <= KH): the
    // band holds every input row they read once, so each is widened once per band instead of once
    // per output row reading it (3x at stride 1, 1.5x at stride 2 for 3x3).
    let bandRows = 1;
    if (dh == 1 && sh <= KH) {
      bandRows = ((PATCH_CAP - 16) / <i32>rowBytes - KH) / sh + 1;
      if (bandRows > OH) bandRows = OH;
    }
    for (let n = 0; n < N; n++) {
      const xImg = xp + <usize>(n * H * W) * <usize>C;
      for (let oy0 = 0; oy0 < OH; oy0 += bandRows) {
        const rows = OH - oy0 < bandRows ? OH - oy0 : bandRows;
        if (bandRows > 1) widenBand(x0, xImg, H, W, C, (rows - 1) * sh + KH, oy0 * sh - pt, 1, pl, pr, rowBytes, inOff, memEnd);
        else widenBand(x0, xImg, H, W, C, KH, oy0 * sh - pt, dh, pl, pr, rowBytes, inOff, memEnd);
        for (let i = 0; i < rows; i++) {
          const xb = x0 + <usize>(i * sh) * rowBytes;
          const yRow = yp + <usize>((n * OH + oy0 + i) * OW) * <usize>O;
          let ox = 0;
          if (O <= 8) {
            for (; ox < OW; ox += 4) {
              packedRunRows4(xb + <usize>ox * step, step, rowBytes, KH, run, OW - ox < 4 ? OW - ox : 4, yRow + <usize>ox * <usize>O);
            }
            continue;
          }
          for (; ox + 2 <= OW; ox += 2) {
            const xa = xb + <usize>ox * step;
            const y0 = yRow + <usize>ox * <usize>O;
            packedRunRows(true, xa, xa + step, rowBytes, KH, run, y0, y0 + <usize>O);
          }
          if (ox < OW) {
            const y0 = yRow + <usize>ox * <usize>O;
            packedRunRows(false, xb + <usize>ox * step, 0, rowBytes, KH, run, y0, y0);
          }
        }
      }
    }
    return true;
  }
  const quad = ASC_FEATURE_SIMD && O <= 8 && K <= Q_K_MAX;
  for (let n = 0; n < N; n++) {
    const xImg = xp + <usize>(n * H * W) * <usize>C;
    const yImg = yp + <usize>(n * P) * <usize>O;
    let p = 0;
    if (quad) {
      // At most 8 channels: four pixels per tile (the 16-channel tiles would be half padding).
      for (; p + 4 <= P; p += 4) {
        for (let j = 0; j < 4; j++) {
          const q = p + j, oy = q / OW, ox = q - oy * OW;
          gatherWiden(xwRow(j, true), xImg, H, W, C, KH, KW, oy * sh - pt, ox * sw - pl, dh, dw, inOff, memEnd);
        }
        packedRun4(yImg + <usize>p * <usize>O);
      }
    }
    for (; p < P; p += 2) {
      const oyA = p / OW, oxA = p - oyA * OW;
      gatherWiden(x0, xImg, H, W, C, KH, KW, oyA * sh - pt, oxA * sw - pl, dh, dw, inOff, memEnd);
      const y0 = yImg + <usize>p * <usize>O;
      if (p + 1 < P) {
        const q = p + 1, oyB = q / OW, oxB = q - oyB * OW;
        gatherWiden(x1, xImg, H, W, C, KH, KW, oyB * sh - pt, oxB * sw - pl, dh, dw, inOff, memEnd);
        packedRun(true, y0, y0 + <usize>O);
      } else {
        packedRun(false, y0, y0);
      }
    }
  }
  return true;
}

@inline function conv2d_s8_impl(op: usize, simd: bool): void {
  if (kernelBuilt(KERNEL_PACKED) && (load<u16>(op, O_FLAGS) & OPF_PACKED_W16)) {
    conv2d_s8_packed(op);
    return;
  }
  if (!kernelBuilt(KERNEL_S8_PLAIN)) return; // a per-model build whose int8 convs are all packed
  const x = opIn(op, 0), w = opIn(op, 1), y = opOut(op, 0);
  const hasBias = tstorage(opIn(op, 2)) != STORAGE_EMPTY;
  const xp = tptr(x), wp = tptr(w), yp = tptr(y), bp = hasBias ? tptr(opIn(op, 2)) : 0;
  const mp = tptr(opIn(op, 3)), shp = tptr(opIn(op, 4));
  const N = tdim(x, 0), H = tdim(x, 1), W = tdim(x, 2), C = tdim(x, 3);
  const O = tdim(w, 0), KH = tdim(w, 1), KW = tdim(w, 2), CG = tdim(w, 3);
  const OH = tdim(y, 1), OW = tdim(y, 2);
  const sh = opParam(op, 0), sw = opParam(op, 1), dh = opParam(op, 2), dw = opParam(op, 3);
  const pt = opParam(op, 4), pl = opParam(op, 5), G = opParam(op, 8);
  const amin = opParam(op, 9), amax = opParam(op, 10);
  const inOff = -tzp(x), outZp = tzp(y);
  const OG = O / G;
  const K = KH * KW * C;
  // 1x1, stride 1, unpadded: every pixel is a GEMM row of C bytes, read in place (no im2col).
  if (KH == 1 && KW == 1 && sh == 1 && sw == 1 && G == 1 && OH == H && OW == W && pt == 0 && pl == 0) {
    gemm_s8_rows(xp, N * H * W, C, wp, O, bp, mp, shp, inOff, outZp, amin, amax, yp);
    return;
  }
  if (!kernelBuilt(KERNEL_S8_PLAIN_CONV)) return; // a per-model build whose plain convs are all GEMM rows (validate_ops.ts)
  // SIMD: plain-layout group-1 convs whose kernel rows are not whole tap-pair pairs (first convs
  // that auto left plain) run the packed band kernels on a row-padded copy when the scratch has
  // room; every other group-1 conv whose patch fits runs through the one gathered 2x4 path
  // (plain weights only: the converter packs the layers where speed matters, OPF_PACKED_W16);
  // others take the per-tap loop below.
  if (ASC_FEATURE_SIMD && simd) {
    if (G == 1 && kernelBuilt(KERNEL_PACKED) && conv2d_s8_packed(op, true)) return;
    if (G == 1 && K + 32 <= PATCH_CAP / 2 && wp + <usize>O * <usize>K + 8 <= (<usize>memory.size() << 16)) {
      conv2d_s8_gathered_2x4_simd(op);
      return;
    }
  }
  // Scalar: small channel counts make short row runs; gather the patch instead (see gatherPatch).
  const gather = !(ASC_FEATURE_SIMD && simd) && G == 1 && (C < 16 || dw != 1) && K <= PATCH_CAP;
  const rowRuns = !(ASC_FEATURE_SIMD && simd) && !gather && G == 1 && dw == 1;
  if (gather) {
    conv2d_s8_gathered(op);
    return;
  }
  let out = yp;
  for (let n = 0; n < N; n++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        const ix0 = ox * sw - pl;
        const iy0 = oy * sh - pt;
        // In-bounds ky range (contiguous: rows step by dilation_h).
        let kyA = 0;
        while (kyA < KH && iy0 + kyA * dh < 0) kyA++;
        let kyB = KH;
        while (kyB > kyA && iy0 + (kyB - 1) * dh >= H) kyB--;
        // In-bounds kx range for dilation_w == 1 rows.
        const kxA = ix0 < 0 ? -ix0 : 0;
        const kxB = W - ix0 < KW ? W - ix0 : KW;
        let o = 0;
        if (rowRuns) {
          // Four output channels at a time share each widened x run.
          const run = (kxB - kxA) * C;
          const wStride = <usize>(KH * KW) * <usize>C;
          const xRowStride = <usize>(dh * W) * <usize>C;
          const wRowStride = <usize>KW * <usize>C;
          for (; o + 4 <= O; o += 4) {
            for (let j = 0; j < 4; j++) {
              store<i32>(acc4 + (<usize>j << 2), hasBias ? load<i32>(bp + (<usize>(o + j) << 2)) : 0);
            }
            if (run > 0 && kyB > kyA) {
              const xRun = xp + (<usize>((n * H + iy0 + kyA * dh) * W + ix0 + kxA)) * <usize>C;
              const wRun = wp + <usize>((o * KH + kyA) * KW + kxA) * <usize>C;
              dot4rows_s8_scalar(xRun, xRowStride, wRun, wRowStride, wStride, kyB - kyA, run, inOff, acc4);
            }
            requantBlock4(out, o, mp, shp, outZp, amin, amax);
            out += 4;
          }
        }
        for (; o < O; o++) {
          const cBase = (o / OG) * CG;
          let acc = hasBias ? load<i32>(bp + (<usize>o << 2)) : 0;
          for (let ky = 0; ky < KH; ky++) {
            const iy = oy * sh - pt + ky * dh;
            if (iy < 0 || iy >= H) continue;
            const xRow = xp + <usize>((n * H + iy) * W) * <usize>C;
            const wRow = wp + <usize>((o * KH + ky) * KW) * <usize>CG;
            if (rowRuns) {
              if (kxB > kxA) {
                acc += dotS8(simd, xRow + <usize>(ix0 + kxA) * <usize>C, wRow + <usize>kxA * <usize>C, (kxB - kxA) * C, inOff);
              }
            } else {
              for (let kx = 0; kx < KW; kx++) {
                const ix = ix0 + kx * dw;
                if (ix < 0 || ix >= W) continue;
                acc += dotS8(simd, xRow + <usize>ix * <usize>C + <usize>cBase, wRow + <usize>kx * <usize>CG, CG, inOff);
              }
            }
          }
          const m = load<i32>(mp + (<usize>o << 2)), s = load<i32>(shp + (<usize>o << 2));
          store<i8>(out, <i8>clampi(mbqm(acc, m, s) + outZp, amin, amax));
          out += 1;
        }
      }
    }
  }
}

export function conv2d_s8_simd(op: usize): void {
  conv2d_s8_impl(op, true);
}
export function conv2d_s8_scalar(op: usize): void {
  // Few input channels (first convs): a band of int8 rows and a weight copy (conv_band_scalar.ts).
  if (conv2d_s8_band_scalar(op)) return;
  conv2d_s8_impl(op, false);
}
