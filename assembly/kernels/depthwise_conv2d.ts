// depthwise_conv2d, NHWC, weights [KH, KW, C*M] (or [1, KH, KW, C*M]); output channel
// oc = c*M + m reads input channel c. Padded taps are skipped.
import { STORAGE_EMPTY } from '../../format/format';
import { opIn, opOut, opParam, opParamF, tdim, trank, tptr, tzp, tstorage, opInCount } from '../state';
import { mbqmInline, clampi } from '../fixedpoint';
import { requantStore8, requantStore16 } from '../requant_simd';
import { fastPrepare, requantFastStore8, requantFastStore16, f32ScreenW } from '../requant_fast';
import { depthwise_s8_pairs, magicPrepare, magicBegin, f32Prepare, f32Tab, f32Lim, f32Relu, f32LimBits } from './depthwise_pairs';
import { depthwise3x3_s8_scalar } from './depthwise_scalar';
import { kernelBuilt } from '../features';
import { KERNEL_DW_PAIRS, KERNEL_DW_C1M8, KERNEL_DW_3X3_SCALAR, KERNEL_DW_GENERAL, KERNEL_DW_F32_RELU, KERNEL_DW_F32_CLAMP } from '../../format/runtime-features';

export function depthwise_conv2d_f32(op: usize): void {
  const x = opIn(op, 0), w = opIn(op, 1), y = opOut(op, 0);
  const hasBias = opInCount(op) > 2 && tstorage(opIn(op, 2)) != STORAGE_EMPTY;
  const xp = tptr(x), wp = tptr(w), yp = tptr(y), bp = hasBias ? tptr(opIn(op, 2)) : 0;
  const N = tdim(x, 0), H = tdim(x, 1), W = tdim(x, 2), C = tdim(x, 3);
  const wr = trank(w);
  const KH = tdim(w, wr - 3), KW = tdim(w, wr - 2), OC = tdim(w, wr - 1);
  const OH = tdim(y, 1), OW = tdim(y, 2);
  const sh = opParam(op, 0), sw = opParam(op, 1), dh = opParam(op, 2), dw = opParam(op, 3);
  const pt = opParam(op, 4), pl = opParam(op, 5), M = opParam(op, 8);
  const lo = opParamF(op, 9), hi = opParamF(op, 10);
  let out = yp;
  for (let n = 0; n < N; n++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        let oc0 = 0;
        if (ASC_FEATURE_SIMD) {
          // Four channels per lane group (M == 1); each lane sums its taps in the scalar order,
          // so both builds give identical f32 results.
          if (M == 1) {
            const vlo = f32x4.splat(lo), vhi = f32x4.splat(hi);
            for (; oc0 + 4 <= OC; oc0 += 4) {
              let acc = hasBias ? v128.load(bp + (<usize>oc0 << 2)) : f32x4.splat(0);
              for (let ky = 0; ky < KH; ky++) {
                const iy = oy * sh - pt + ky * dh;
                if (iy < 0 || iy >= H) continue;
                for (let kx = 0; kx < KW; kx++) {
                  const ix = ox * sw - pl + kx * dw;
                  if (ix < 0 || ix >= W) continue;
                  acc = f32x4.add(acc, f32x4.mul(
                    v128.load(xp + (<usize>(((n * H + iy) * W + ix) * C + oc0) << 2)),
                    v128.load(wp + (<usize>((ky * KW + kx) * OC + oc0) << 2)),
                  ));
                }
              }
              // Clamp as the scalar code does (x < lo ? lo : x; x > hi ? hi : x), NaN passing through.
              acc = v128.bitselect(vlo, acc, f32x4.lt(acc, vlo));
              acc = v128.bitselect(vhi, acc, f32x4.gt(acc, vhi));
              v128.store(out + (<usize>oc0 << 2), acc);
            }
          }
        }
        for (let oc = oc0; oc < OC; oc++) {
          const c = oc / M;
          let acc: f32 = hasBias ? load<f32>(bp + (<usize>oc << 2)) : 0;
          for (let ky = 0; ky < KH; ky++) {
            const iy = oy * sh - pt + ky * dh;
            if (iy < 0 || iy >= H) continue;
            for (let kx = 0; kx < KW; kx++) {
              const ix = ox * sw - pl + kx * dw;
              if (ix < 0 || ix >= W) continue;
              acc += load<f32>(xp + (<usize>(((n * H + iy) * W + ix) * C + c) << 2)) *
                load<f32>(wp + (<usize>((ky * KW + kx) * OC + oc) << 2));
            }
          }
          acc = acc < lo ? lo : acc;
          acc = acc > hi ? hi : acc;
          store<f32>(out + (<usize>oc << 2), acc);
        }
        out += <usize>OC << 2;
      }
    }
  }
}

// Channel accumulators of the chunked (scalar) path: ACC_CHUNK of them in the op's scratch
// (format/kernel-scratch.ts, set by useDwAcc before the op runs).
let ACC_CHUNK: i32 = 0;
let accBuf: usize = 0;
export function useDwAcc(at: usize, channels: i32): void {
  accBuf = at;
  ACC_CHUNK = channels;
}

/** First tap index k in [0, K) with start + k*step >= 0. */
@inline function firstInside(start: i32, step: i32, K: i32): i32 {
  let k = 0;
  while (k < K && start + k * step < 0) k++;
  return k;
}
/** One past the last tap index in [from, K) with start + k*step < size. */
@inline function endInside(start: i32, step: i32, size: i32, from: i32, K: i32): i32 {
  let k = K;
  while (k > from && start + (k - 1) * step >= size) k--;
  return k;
}

@inline function requant1(acc: i32, out: usize, ch: i32, mp: usize, shp: usize, outZp: i32, amin: i32, amax: i32): void {
  const o = <usize>ch << 2;
  store<i8>(out + <usize>ch, <i8>clampi(mbqmInline(acc, load<i32>(mp + o), load<i32>(shp + o)) + outZp, amin, amax));
}

/** Output channels [ocStart, OC) of every pixel (depthwise_pairs.ts ran the ones before). */
function depthwise_conv2d_s8_impl(op: usize, simd: bool, ocStart: i32): void {
  const x = opIn(op, 0), w = opIn(op, 1), y = opOut(op, 0);
  const hasBias = tstorage(opIn(op, 2)) != STORAGE_EMPTY;
  const xp = tptr(x), wp = tptr(w), yp = tptr(y), bp = hasBias ? tptr(opIn(op, 2)) : 0;
  const mp = tptr(opIn(op, 3)), shp = tptr(opIn(op, 4));
  const N = tdim(x, 0), H = tdim(x, 1), W = tdim(x, 2), C = tdim(x, 3);
  const wr = trank(w);
  const KH = tdim(w, wr - 3), KW = tdim(w, wr - 2), OC = tdim(w, wr - 1);
  const OH = tdim(y, 1), OW = tdim(y, 2);
  const sh = opParam(op, 0), sw = opParam(op, 1), dh = opParam(op, 2), dw = opParam(op, 3);
  const pt = opParam(op, 4), pl = opParam(op, 5), M = opParam(op, 8);
  const amin = opParam(op, 9), amax = opParam(op, 10);
  const inOff = -tzp(x), outZp = tzp(y);
  // The SIMD path handles 16 then 8 channels at a time when channels map 1:1 (M == 1).
  const vec = simd && M == 1;
  // Accumulator bounds proven from the weights let the requantization run in exact f64 (requant_fast.ts).
  let fast = false;
  if (ASC_FEATURE_SIMD) {
    if (simd && (M == 1 || C == 1)) fast = fastPrepare(OC, wp, KH * KW, OC, 1, bp, mp, shp, inOff);
  }
  let out = yp;
  for (let n = 0; n < N; n++) {
    const xImg = xp + <usize>(n * H * W) * <usize>C;
    for (let oy = 0; oy < OH; oy++) {
      const iy0 = oy * sh - pt;
      const kyA = firstInside(iy0, dh, KH);
      const kyB = endInside(iy0, dh, H, kyA, KH);
      for (let ox = 0; ox < OW; ox++) {
        const ix0 = ox * sw - pl;
        const kxA = firstInside(ix0, dw, KW);
        const kxB = endInside(ix0, dw, W, kxA, KW);
        let oc = ocStart;
        if (ASC_FEATURE_SIMD) {
          if (simd && C == 1) {
            // One input channel, OC = M outputs (a conv of a single channel): the x tap is a
            // splat, eight output channels per i16x8.
            const off = inOff;
            for (; oc + 8 <= OC; oc += 8) {
              const bo = bp + (<usize>oc << 2);
              let lo = hasBias ? v128.load(bo) : i32x4.splat(0);
              let hi = hasBias ? v128.load(bo, 16) : i32x4.splat(0);
              for (let ky = kyA; ky < kyB; ky++) {
                const xRow = xImg + <usize>((iy0 + ky * dh) * W);
                const wRow = wp + <usize>(ky * KW) * <usize>OC + <usize>oc;
                for (let kx = kxA; kx < kxB; kx++) {
                  const xv = i16x8.splat(<i16>(<i32>load<i8>(xRow + <usize>(ix0 + kx * dw)) + off));
                  const wv = v128.load8x8_s(wRow + <usize>(kx * OC));
                  lo = i32x4.add(lo, i32x4.extmul_low_i16x8_s(xv, wv));
                  hi = i32x4.add(hi, i32x4.extmul_high_i16x8_s(xv, wv));
                }
              }
              if (fast) requantFastStore8(out + <usize>oc, lo, hi, oc, outZp, amin, amax);
              else requantStore8(out + <usize>oc, lo, hi, mp + (<usize>oc << 2), shp + (<usize>oc << 2), outZp, amin, amax);
            }
          }
          if (vec) {
            const off = i16x8.splat(<i16>inOff);
            for (; oc + 16 <= OC; oc += 16) {
              const bo = bp + (<usize>oc << 2);
              let a0 = hasBias ? v128.load(bo) : i32x4.splat(0);
              let a1 = hasBias ? v128.load(bo, 16) : i32x4.splat(0);
              let a2 = hasBias ? v128.load(bo, 32) : i32x4.splat(0);
              let a3 = hasBias ? v128.load(bo, 48) : i32x4.splat(0);
              for (let ky = kyA; ky < kyB; ky++) {
                const xRow = xImg + <usize>((iy0 + ky * dh) * W) * <usize>C + <usize>oc;
                const wRow = wp + <usize>(ky * KW) * <usize>OC + <usize>oc;
                for (let kx = kxA; kx < kxB; kx++) {
                  const xv = v128.load(xRow + <usize>((ix0 + kx * dw) * C));
                  const wv = v128.load(wRow + <usize>(kx * OC));
                  const xl = i16x8.add(i16x8.extend_low_i8x16_s(xv), off);
                  const xh = i16x8.add(i16x8.extend_high_i8x16_s(xv), off);
                  const wl = i16x8.extend_low_i8x16_s(wv);
                  const wh = i16x8.extend_high_i8x16_s(wv);
                  a0 = i32x4.add(a0, i32x4.extmul_low_i16x8_s(xl, wl));
                  a1 = i32x4.add(a1, i32x4.extmul_high_i16x8_s(xl, wl));
                  a2 = i32x4.add(a2, i32x4.extmul_low_i16x8_s(xh, wh));
                  a3 = i32x4.add(a3, i32x4.extmul_high_i16x8_s(xh, wh));
                }
              }
              if (fast) requantFastStore16(out + <usize>oc, a0, a1, a2, a3, oc, outZp, amin, amax);
              else requantStore16(out + <usize>oc, a0, a1, a2, a3, mp + (<usize>oc << 2), shp + (<usize>oc << 2), outZp, amin, amax);
            }
            for (; oc + 8 <= OC; oc += 8) {
              const bo = bp + (<usize>oc << 2);
              let lo = hasBias ? v128.load(bo) : i32x4.splat(0);
              let hi = hasBias ? v128.load(bo, 16) : i32x4.splat(0);
              for (let ky = kyA; ky < kyB; ky++) {
                const xRow = xImg + <usize>((iy0 + ky * dh) * W) * <usize>C + <usize>oc;
                const wRow = wp + <usize>(ky * KW) * <usize>OC + <usize>oc;
                for (let kx = kxA; kx < kxB; kx++) {
                  const xv = i16x8.add(v128.load8x8_s(xRow + <usize>((ix0 + kx * dw) * C)), off);
                  const wv = v128.load8x8_s(wRow + <usize>(kx * OC));
                  lo = i32x4.add(lo, i32x4.extmul_low_i16x8_s(xv, wv));
                  hi = i32x4.add(hi, i32x4.extmul_high_i16x8_s(xv, wv));
                }
              }
              if (fast) requantFastStore8(out + <usize>oc, lo, hi, oc, outZp, amin, amax);
              else requantStore8(out + <usize>oc, lo, hi, mp + (<usize>oc << 2), shp + (<usize>oc << 2), outZp, amin, amax);
            }
          }
        }
        // Remaining channels (all of them in the scalar build): accumulate tap by tap over a
        // chunk of channels in accBuf, so x and w are read contiguously.
        while (oc < OC) {
          const end = OC - oc > ACC_CHUNK ? oc + ACC_CHUNK : OC;
          for (let k = oc; k < end; k++) {
            store<i32>(accBuf + (<usize>(k - oc) << 2), hasBias ? load<i32>(bp + (<usize>k << 2)) : 0);
          }
          for (let ky = kyA; ky < kyB; ky++) {
            const xRow = xImg + <usize>((iy0 + ky * dh) * W) * <usize>C;
            const wRow = wp + <usize>(ky * KW) * <usize>OC;
            for (let kx = kxA; kx < kxB; kx++) {
              const xPix = xRow + <usize>((ix0 + kx * dw) * C);
              const wTap = wRow + <usize>(kx * OC);
              if (M == 1) {
                for (let k = oc; k < end; k++) {
                  const a = accBuf + (<usize>(k - oc) << 2);
                  store<i32>(a, load<i32>(a) + (<i32>load<i8>(xPix + <usize>k) + inOff) * <i32>load<i8>(wTap + <usize>k));
                }
              } else {
                for (let k = oc; k < end; k++) {
                  const a = accBuf + (<usize>(k - oc) << 2);
                  store<i32>(a, load<i32>(a) + (<i32>load<i8>(xPix + <usize>(k / M)) + inOff) * <i32>load<i8>(wTap + <usize>k));
                }
              }
            }
          }
          for (let k = oc; k < end; k++) requant1(load<i32>(accBuf + (<usize>(k - oc) << 2)), out, k, mp, shp, outZp, amin, amax);
          oc = end;
        }
        out += <usize>OC;
      }
    }
  }
}

/** x of the tap at (iy, ix) of a one-channel image, the zero point for a padded tap (c1m8B's bias
 * subtracts zp per tap: a padded tap adds 0, as TFLM skips it). */
@inline function tapC1(xImg: usize, iy: i32, ix: i32, H: i32, W: i32, inOff: i32): i32 {
  return iy >= 0 && iy < H && ix >= 0 && ix < W ? <i32>load<i8>(xImg + <usize>(iy * W + ix)) : -inOff;
}

// depthwise_c1m8_3x3's weights as i16 pairs (channels 0-3, then 4-7; 32 bytes each), w_rc the tap at
// kernel row r, column c: (w00, w01), (w10, w11), (w20, w21), (w22, 0), (w02, w12) (quadC1S2's five
// in order), then (w02, 0), (w12, 0) for the pair path (SIMD build).
const c1m8W: usize = ASC_FEATURE_SIMD ? memory.data(224, 16) : 0;
// The 8 channels' bias less zp * (the channel's weight sum): the kernel multiplies x itself, so
// sum (x - zp) * w = sum x * w - zp * sum w needs no offset add per tap.
const c1m8B: usize = ASC_FEATURE_SIMD ? memory.data(32, 16) : 0;
// quadC1S2's rows at the image's edges (3 x 16 bytes, padding as the zero point), its output when
// fewer than four pixels are left in the row (32), and its five (x - zp) pair vectors (80).
const c1m8S: usize = ASC_FEATURE_SIMD ? memory.data(160, 16) : 0;

/** c1m8W's entry at `at`: channel-interleaved (a, b) i16 pairs from two taps' 8 weights each. */
@inline function pairC1(at: usize, a: v128, b: v128): void {
  v128.store(at, i16x8.shuffle(a, b, 0, 8, 1, 9, 2, 10, 3, 11));
  v128.store(at, i16x8.shuffle(a, b, 4, 12, 5, 13, 6, 14, 7, 15), 16);
}

/**
 * Columns [ix, ix + 10) of image row iy for quadC1S2 at dst, the zero point for padded taps
 * ((x - zp) = 0: TFLM skips them) and for the bytes past them: a row inside the image by one
 * select on a 16-byte load when that is inside the tensor (every row end of a right-padded image;
 * the byte loop it replaced cost person_detect's op 0 ~4 %).
 */
function stageRowC1(xImg: usize, iy: i32, ix: i32, H: i32, W: i32, z: v128, dst: usize): void {
  v128.store(dst, z);
  if (iy >= 0 && iy < H) {
    const at = iy * W + ix;
    if (ix >= 0 && at + 16 <= H * W) {
      const keep = i8x16.gt_s(i8x16.splat(<i8>max(min(W - ix, 16), 0)), i8x16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
      v128.store(dst, v128.bitselect(v128.load(xImg + <usize>at), z, keep));
    } else {
      const c1 = W - ix < 10 ? W - ix : 10;
      for (let c = ix < 0 ? -ix : 0; c < c1; c++) store<i8>(dst + <usize>c, load<i8>(xImg + <usize>(at + c)));
    }
  }
}

/** quadC1S2's three rows staged at c1m8S (one call: V8 saves its vector registers per call). */
function stageC1(xImg: usize, iy0: i32, dh: i32, ix: i32, H: i32, W: i32, zp: i8): void {
  const z = i8x16.splat(zp);
  stageRowC1(xImg, iy0, ix, H, W, z, c1m8S);
  stageRowC1(xImg, iy0 + dh, ix, H, W, z, c1m8S + 16);
  stageRowC1(xImg, iy0 + 2 * dh, ix, H, W, z, c1m8S + 32);
}

/** Kernel row r's three (x - zp) of one output pixel as i16 lanes 0-2 (lane 3 is multiplied by 0). */
@inline function rowC1(xImg: usize, iy: i32, ix0: i32, dw: i32, H: i32, W: i32, inOff: i32): v128 {
  let v = i16x8.replace_lane(i16x8.splat(0), 0, <i16>tapC1(xImg, iy, ix0, H, W, inOff));
  v = i16x8.replace_lane(v, 1, <i16>tapC1(xImg, iy, ix0 + dw, H, W, inOff));
  return i16x8.replace_lane(v, 2, <i16>tapC1(xImg, iy, ix0 + 2 * dw, H, W, inOff));
}

/**
 * One input channel, 8 output channels, 3x3 (person_detect's first layer, SIMD build): tap pairs as
 * i16 lanes splat over the lanes by one shuffle each, against weights interleaved once per op run
 * into (w_a, w_b) pairs (c1m8W), so one i32x4.dot_i16x8_s does 2 taps x 4 channels. Stride 2
 * (dilation 1 along the row) runs every output pixel through quadC1S2, four per step; other strides
 * and dilations go two pixels per step, tap by tap (no model here has them). The row loop keeps V8
 * from loading every weight of the step up front (it spilled them).
 */
function depthwise_c1m8_3x3(op: usize): void {
  const x = opIn(op, 0), w = opIn(op, 1), y = opOut(op, 0);
  const hasBias = tstorage(opIn(op, 2)) != STORAGE_EMPTY;
  const xp = tptr(x), wp = tptr(w), bp = hasBias ? tptr(opIn(op, 2)) : 0;
  const mp = tptr(opIn(op, 3)), shp = tptr(opIn(op, 4));
  const N = tdim(x, 0), H = tdim(x, 1), W = tdim(x, 2);
  const OH = tdim(y, 1), OW = tdim(y, 2);
  const sh = opParam(op, 0), sw = opParam(op, 1), dh = opParam(op, 2), dw = opParam(op, 3);
  const pt = opParam(op, 4), pl = opParam(op, 5);
  const amin = opParam(op, 9), amax = opParam(op, 10);
  const inOff = -tzp(x), outZp = tzp(opOut(op, 0));
  const maxX = <f64>(-128 + inOff < 0 ? (128 - inOff > 127 + inOff ? 128 - inOff : 127 + inOff) : 127 + inOff);
  let fast = true;
  magicBegin();
  for (let oc = 0; oc < 8; oc++) {
    let sa = 0, sw = 0;
    for (let t = 0; t < 9; t++) {
      const v = <i32>load<i8>(wp + <usize>(t * 8 + oc));
      sa += v < 0 ? -v : v;
      sw += v;
    }
    const o = <usize>oc << 2;
    const bias = hasBias ? load<i32>(bp + o) : 0;
    store<i32>(c1m8B + o, bias + inOff * sw);
    if (fast) fast = magicPrepare(oc, load<i32>(mp + o), load<i32>(shp + o), Math.abs(<f64>bias) + maxX * <f64>sa);
  }
  if (fast) f32Prepare(8, true, outZp == -128 && amin == -128 && amax == 127);
  const zero = i32x4.splat(0);
  for (let r = 0; r < 3; r++) {
    const t = wp + <usize>(r * 24);
    pairC1(c1m8W + <usize>(r * 32), v128.load8x8_s(t), v128.load8x8_s(t + 8));
    pairC1(c1m8W + <usize>(r == 2 ? 96 : 160 + r * 32), v128.load8x8_s(t + 16), zero);
  }
  pairC1(c1m8W + 128, v128.load8x8_s(wp + 16), v128.load8x8_s(wp + 40));
  const bl = v128.load(c1m8B), bh = v128.load(c1m8B, 16);
  let out = tptr(y);
  for (let n = 0; n < N; n++) {
    const xImg = xp + <usize>(n * H * W);
    for (let oy = 0; oy < OH; oy++) {
      const iy0 = oy * sh - pt;
      let ox = 0;
      if (sw == 2 && dw == 1) {
        // A step reads its rows in place, for ox in [qLo, qHi), while its 9 taps per row are inside
        // the image, its four pixels inside the row and each row's 10 bytes read inside the tensor
        // (the last row read bounds the others'). Two edges are read in place too, their padded taps
        // then set to the zero point in the step's pair vectors (quadC1S2's `pad`): a bottom row whose
        // kernel row 2 is padding (bit 0; rows 0 and 1 inside), and the step at qCol whose only padded
        // tap is its column 8 (bit 1: every row end of an even-width image TFLite pads on the right
        // at stride 2). Else, and for the 1-3 pixels a row may end with, the rows are staged
        // (stageC1), the output through the side buffer.
        let qLo = 0, qHi = 0, qCol = -1, rows = 0;
        const last = iy0 + 2 * dh < H ? iy0 + 2 * dh : iy0 + dh;
        if (iy0 >= 0 && last < H) {
          rows = last == iy0 + dh ? 1 : 0;
          // 2 ox - pl >= 0, ox + 3 < OW, 2 ox - pl + 8 < W, last W + 2 ox - pl + 10 <= H W.
          const qEnd = ((H * W - last * W - 10 + pl) >> 1) + 1;
          qLo = (pl + 1) >> 1;
          qHi = min(min(OW - 3, ((W - 9 + pl) >> 1) + 1), qEnd);
          // 2 qCol - pl + 8 == W.
          const c = (W - 8 + pl) >> 1;
          if (((W - 8 + pl) & 1) == 0 && c >= qLo && c + 3 < OW && c < qEnd) qCol = c;
        }
        const xz = <i8>(-inOff);
        const d2 = <usize>(rows ? 0 : W * dh);
        for (; ox < OW; ox += 4) {
          const ix4 = ox * 2 - pl;
          let p0 = xImg + <usize>(iy0 * W + ix4);
          let p1 = p0 + <usize>(W * dh), p2 = p1 + d2;
          let pad = rows;
          if (ox < qLo || ox >= qHi) {
            if (ox == qCol) {
              pad |= 2;
            } else {
              stageC1(xImg, iy0, dh, ix4, H, W, xz);
              p0 = c1m8S;
              p1 = c1m8S + 16;
              p2 = c1m8S + 32;
              pad = 0;
            }
          }
          const n = OW - ox < 4 ? OW - ox : 4;
          quadC1S2(p0, p1, p2, pad, xz, n == 4 ? out : c1m8S + 48, bl, bh, fast, mp, shp, outZp, amin, amax);
          for (let k = 0; k < n * 8 && n < 4; k += 8) store<u64>(out + <usize>k, load<u64>(c1m8S + 48 + <usize>k));
          out += <usize>(n * 8);
        }
      }
      while (ox < OW) {
        // Pixel B is the next one, or A again (stored twice) for an odd last pixel.
        const oxB = ox + 1 < OW ? ox + 1 : ox;
        const ixA = ox * sw - pl, ixB = oxB * sw - pl;
        let a0 = bl, a1 = bh, b0 = bl, b1 = bh;
        let iy = iy0;
        for (let r = 0; r < 3; r++) {
          const q = c1m8W + <usize>(r * 32), q2 = c1m8W + <usize>(r == 2 ? 96 : 160 + r * 32);
          const xa = rowC1(xImg, iy, ixA, dw, H, W, inOff), xb = rowC1(xImg, iy, ixB, dw, H, W, inOff);
          const w0 = v128.load(q), w1 = v128.load(q, 16), w2 = v128.load(q2), w3 = v128.load(q2, 16);
          let s = i32x4.shuffle(xa, xa, 0, 0, 0, 0);
          a0 = i32x4.add(a0, i32x4.dot_i16x8_s(s, w0));
          a1 = i32x4.add(a1, i32x4.dot_i16x8_s(s, w1));
          s = i32x4.shuffle(xa, xa, 1, 1, 1, 1);
          a0 = i32x4.add(a0, i32x4.dot_i16x8_s(s, w2));
          a1 = i32x4.add(a1, i32x4.dot_i16x8_s(s, w3));
          s = i32x4.shuffle(xb, xb, 0, 0, 0, 0);
          b0 = i32x4.add(b0, i32x4.dot_i16x8_s(s, w0));
          b1 = i32x4.add(b1, i32x4.dot_i16x8_s(s, w1));
          s = i32x4.shuffle(xb, xb, 1, 1, 1, 1);
          b0 = i32x4.add(b0, i32x4.dot_i16x8_s(s, w2));
          b1 = i32x4.add(b1, i32x4.dot_i16x8_s(s, w3));
          iy += dh;
        }
        // The exact integer form: no model here takes this path, and the f32 stores' inlined
        // copies cost person_detect's build ~0.3 KB.
        requantStore8(out, a0, a1, mp, shp, outZp, amin, amax);
        requantStore8(out + <usize>((oxB - ox) * 8), b0, b1, mp, shp, outZp, amin, amax);
        out += <usize>((oxB - ox + 1) * 8);
        ox += 2;
      }
    }
  }
}

/**
 * depthwise_c1m8_3x3's stride-2 step: output pixels j = 0..3 of one row, kernel row r's taps from
 * the 10 bytes at p_r (its first tap first). Widened to i16, pixel j's (x[2j], x[2j+1]) is i32 lane
 * j of a row; its third taps pair across kernel rows: (x0[2j+2], x1[2j+2]) (rows 0 and 1 read 2 on,
 * row 1's shifted into the high halves) and row 2's (x2[2j+2], x2[2j+3]) against (w22, 0), which is
 * lane j + 1, pixel j + 1's first pair. 10 i32x4.dot_i16x8_s per pixel (9 taps x 8 channels in
 * 4-lane pairs, one half-used) instead of 12 with every row's third tap against a 0.
 */
@inline function quadC1S2(p0: usize, p1: usize, p2: usize, pad: i32, zp: i8, out: usize, bl: v128, bh: v128, fast: bool,
  mp: usize, shp: usize, outZp: i32, amin: i32, amax: i32): void {
  // The five pair vectors go through memory so that the loop below (one pair vector and its two
  // weight vectors per iteration) stays a loop: straight-line, V8 loaded every weight up front and
  // spilled (1.07x slower).
  const buf = c1m8S + 80;
  v128.store(buf, v128.load8x8_s(p0));
  v128.store(buf, v128.load8x8_s(p1), 16);
  v128.store(buf, v128.load8x8_s(p2), 32);
  v128.store(buf, v128.load8x8_s(p2 + 2), 48);
  v128.store(buf, v128.or(v128.and(v128.load8x8_s(p0 + 2), i32x4.splat(0xFFFF)), i32x4.shl(v128.load8x8_s(p1 + 2), 16)), 64);
  if (pad) {
    const z = i16x8.splat(<i16>zp);
    if (pad & 1) {
      v128.store(buf, z, 32);
      v128.store(buf, z, 48);
    }
    if (pad & 2) {
      // Pixel 3's column 8: (x2[8], x2[9]) (the x2[9] against a 0) and (x0[8], x1[8]).
      store<i16>(buf, <i16>zp, 60);
      store<i32>(buf, i32x4.extract_lane(z, 0), 76);
    }
  }
  let a0 = bl, a1 = bh, b0 = bl, b1 = bh, c0 = bl, c1 = bh, d0 = bl, d1 = bh;
  // Counted by its pointers (buf, c1m8W: constants), not an index V8 shifts twice per iteration;
  // each pixel's pair splat by its load (one instruction instead of a load and a shuffle: 0.98x).
  for (let v = buf, q = c1m8W; v < buf + 80; v += 16, q += 32) {
    const w0 = v128.load(q), w1 = v128.load(q, 16);
    let s = v128.load32_splat(v);
    a0 = i32x4.add(a0, i32x4.dot_i16x8_s(s, w0));
    a1 = i32x4.add(a1, i32x4.dot_i16x8_s(s, w1));
    s = v128.load32_splat(v, 4);
    b0 = i32x4.add(b0, i32x4.dot_i16x8_s(s, w0));
    b1 = i32x4.add(b1, i32x4.dot_i16x8_s(s, w1));
    s = v128.load32_splat(v, 8);
    c0 = i32x4.add(c0, i32x4.dot_i16x8_s(s, w0));
    c1 = i32x4.add(c1, i32x4.dot_i16x8_s(s, w1));
    s = v128.load32_splat(v, 12);
    d0 = i32x4.add(d0, i32x4.dot_i16x8_s(s, w0));
    d1 = i32x4.add(d1, i32x4.dot_i16x8_s(s, w1));
  }
  // A per-model build links only the forms its ops take (host/runtime-features.ts). The ReLU
  // form stores four pixels before one screen; the clamp form (no model here) two at a time through
  // depthwise_pairs.ts (the two forms inlined alike, binaryen merged them into one with a branch per
  // vector: 1.06x slower).
  if (fast && f32Lim > 0) {
    if (f32Relu) {
      if (kernelBuilt(KERNEL_DW_F32_RELU) && quadF32(out, a0, a1, b0, b1, c0, c1, d0, d1, outZp, amin, amax, true)) return;
    } else if (kernelBuilt(KERNEL_DW_F32_CLAMP)) {
      const p = f32Tab;
      const s0 = v128.load(p), s1 = v128.load(p, 16), e0 = v128.load(p, 32), e1 = v128.load(p, 48);
      if (pairOk(pairF32(out, a0, a1, b0, b1, s0, s1, e0, e1, outZp, amin, amax, false))
        && pairOk(pairF32(out + 16, c0, c1, d0, d1, s0, s1, e0, e1, outZp, amin, amax, false))) return;
    }
  }
  quadExact(out, bl, bh, mp, shp, outZp, amin, amax);
}

/**
 * Two pixels' 8 channels (sums a0 a1, b0 b1) through the f32 table into 16 bytes at out (see
 * depthwise_pairs.ts f32Prepare and requant_fast.ts f32ScreenW); returns the largest |w - n| as
 * float bits shifted left by one, for the caller's one screen per step.
 */
@inline function pairF32(out: usize, a0: v128, a1: v128, b0: v128, b1: v128, s0: v128, s1: v128, e0: v128, e1: v128,
  zp: i32, lo: i32, hi: i32, relu: bool): v128 {
  const mg = f32x4.splat(12582912.0);
  const wa0 = f32ScreenW(a0, s0, e0, relu), wa1 = f32ScreenW(a1, s1, e1, relu);
  const wb0 = f32ScreenW(b0, s0, e0, relu), wb1 = f32ScreenW(b1, s1, e1, relu);
  const ta0 = f32x4.add(wa0, mg), ta1 = f32x4.add(wa1, mg), tb0 = f32x4.add(wb0, mg), tb1 = f32x4.add(wb1, mg);
  // t's bits are 0x4B400000 + n: n + zp by one integer subtract.
  const k = i32x4.splat(0x4B400000 - zp);
  let b = i8x16.narrow_i16x8_s(
    i16x8.narrow_i32x4_s(i32x4.sub(ta0, k), i32x4.sub(ta1, k)),
    i16x8.narrow_i32x4_s(i32x4.sub(tb0, k), i32x4.sub(tb1, k)));
  if (!relu) b = i8x16.min_s(i8x16.max_s(b, i8x16.splat(<i8>lo)), i8x16.splat(<i8>hi));
  v128.store(out, b);
  const da0 = f32x4.sub(wa0, f32x4.sub(ta0, mg)), da1 = f32x4.sub(wa1, f32x4.sub(ta1, mg));
  const db0 = f32x4.sub(wb0, f32x4.sub(tb0, mg)), db1 = f32x4.sub(wb1, f32x4.sub(tb1, mg));
  return i32x4.max_s(i32x4.max_s(i32x4.shl(da0, 1), i32x4.shl(da1, 1)), i32x4.max_s(i32x4.shl(db0, 1), i32x4.shl(db1, 1)));
}

/**
 * quadC1S2's four pixels through the f32 table, stored before one screen for all 32 outputs (two
 * per pixel pair cost ~10 % of the op more); false: a lane near a tie, quadExact rewrites them.
 * Nothing after it needs the sums, so V8 keeps no copy of them for the exact form.
 */
@inline function quadF32(out: usize, a0: v128, a1: v128, b0: v128, b1: v128, c0: v128, c1: v128, d0: v128, d1: v128,
  zp: i32, lo: i32, hi: i32, relu: bool): bool {
  const p = f32Tab;
  const s0 = v128.load(p), s1 = v128.load(p, 16), e0 = v128.load(p, 32), e1 = v128.load(p, 48);
  return pairOk(i32x4.max_s(pairF32(out, a0, a1, b0, b1, s0, s1, e0, e1, zp, lo, hi, relu), pairF32(out + 16, c0, c1, d0, d1, s0, s1, e0, e1, zp, lo, hi, relu)));
}

/** The screen: every lane of m (pairF32's |w - n| bits) within f32Lim. */
@inline function pairOk(m: v128): bool {
  return !v128.any_true(i32x4.gt_s(m, i32x4.splat(f32LimBits)));
}

/**
 * quadC1S2's step again from its pair vectors (still at c1m8S + 80), through the exact integer
 * form: after a failed screen (a few steps in a thousand), or for every step of an op without the
 * f32 table (bounds past 2^24 / 2^20: a bias near 2^24) or its form in this build. Recomputing
 * keeps V8 from saving the eight sums across the f32 stores.
 */
function quadExact(out: usize, bl: v128, bh: v128, mp: usize, shp: usize, zp: i32, lo: i32, hi: i32): void {
  const buf = c1m8S + 80;
  let a0 = bl, a1 = bh, b0 = bl, b1 = bh, c0 = bl, c1 = bh, d0 = bl, d1 = bh;
  for (let v = buf, q = c1m8W; v < buf + 80; v += 16, q += 32) {
    const w0 = v128.load(q), w1 = v128.load(q, 16);
    let s = v128.load32_splat(v);
    a0 = i32x4.add(a0, i32x4.dot_i16x8_s(s, w0));
    a1 = i32x4.add(a1, i32x4.dot_i16x8_s(s, w1));
    s = v128.load32_splat(v, 4);
    b0 = i32x4.add(b0, i32x4.dot_i16x8_s(s, w0));
    b1 = i32x4.add(b1, i32x4.dot_i16x8_s(s, w1));
    s = v128.load32_splat(v, 8);
    c0 = i32x4.add(c0, i32x4.dot_i16x8_s(s, w0));
    c1 = i32x4.add(c1, i32x4.dot_i16x8_s(s, w1));
    s = v128.load32_splat(v, 12);
    d0 = i32x4.add(d0, i32x4.dot_i16x8_s(s, w0));
    d1 = i32x4.add(d1, i32x4.dot_i16x8_s(s, w1));
  }
  requantStore8(out, a0, a1, mp, shp, zp, lo, hi);
  requantStore8(out + 8, b0, b1, mp, shp, zp, lo, hi);
  requantStore8(out + 16, c0, c1, mp, shp, zp, lo, hi);
  requantStore8(out + 24, d0, d1, mp, shp, zp, lo, hi);
}

export function depthwise_conv2d_s8_simd(op: usize): void {
  const w = opIn(op, 1);
  const wr = trank(w);
  if (kernelBuilt(KERNEL_DW_C1M8) && tdim(opIn(op, 0), 3) == 1 && tdim(w, wr - 1) == 8 && tdim(w, wr - 3) == 3 && tdim(w, wr - 2) == 3) {
    depthwise_c1m8_3x3(op);
    return;
  }
  const done = kernelBuilt(KERNEL_DW_PAIRS) ? depthwise_s8_pairs(op) : 0;
  // Without KERNEL_DW_GENERAL, validate_ops.ts admitted only ops the kernels above run whole.
  if (kernelBuilt(KERNEL_DW_GENERAL) && done < tdim(w, trank(w) - 1)) depthwise_conv2d_s8_impl(op, true, done);
}
// Scalar build: 3x3 (dilation 1, stride 1 or 2) row-wise in depthwise_scalar.ts, every other
// shape in the chunked generic kernel.
export function depthwise_conv2d_s8_scalar(op: usize): void {
  if (!(kernelBuilt(KERNEL_DW_3X3_SCALAR) && depthwise3x3_s8_scalar(op))) depthwise_conv2d_s8_impl(op, false, 0);
}
