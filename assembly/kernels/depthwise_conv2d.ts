// depthwise_conv2d, NHWC, weights [KH, KW, C*M] (or [1, KH, KW, C*M]); output channel
// oc = c*M + m reads input channel c. Padded taps are skipped.
import { STORAGE_EMPTY } from '../../format/format';
import { opIn, opOut, opParam, opParamF, tdim, trank, tptr, tzp, tstorage, opInCount } from '../state';
import { mbqmInline, clampi } from '../fixedpoint';
import { requantStore8, requantStore16 } from '../requant_simd';
import { fastPrepare, requantFastStore8, requantFastStore16 } from '../requant_fast';
import { depthwise_s8_pairs, magicPrepare, store8Magic } from './depthwise_pairs';
import { depthwise3x3_s8_scalar } from './depthwise_scalar';
import { kernelBuilt } from '../features';
import { KERNEL_DW_PAIRS, KERNEL_DW_C1M8, KERNEL_DW_3X3_SCALAR } from '../../format/runtime-features';

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

/** (x - zp) of the tap at (iy, ix) of a one-channel image, 0 for a padded tap (TFLM skips it). */
@inline function tapC1(xImg: usize, iy: i32, ix: i32, H: i32, W: i32, inOff: i32): i32 {
  return iy >= 0 && iy < H && ix >= 0 && ix < W ? <i32>load<i8>(xImg + <usize>(iy * W + ix)) + inOff : 0;
}

/**
 * One input channel, 8 output channels, 3x3 (person_detect's first layer, SIMD build): per output
 * pixel the nine (x - zp) in pairs of i16 splat over the lanes, against weights interleaved once
 * per op run as (w_t0, w_t1) per output channel, so one i32x4.dot_i16x8_s does 2 taps x 4 channels
 * (the general C = 1 path widens and multiplies one tap at a time). Exact f64 requantization when
 * the accumulator bound allows it (depthwise_pairs.ts's magic form).
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
  for (let oc = 0; oc < 8; oc++) {
    let sa = 0;
    for (let t = 0; t < 9; t++) {
      const v = <i32>load<i8>(wp + <usize>(t * 8 + oc));
      sa += v < 0 ? -v : v;
    }
    const o = <usize>oc << 2;
    const b = hasBias ? Math.abs(<f64>load<i32>(bp + o)) : 0.0;
    if (fast) fast = magicPrepare(oc, load<i32>(mp + o), load<i32>(shp + o), b + maxX * <f64>sa);
  }
  const zero = i32x4.splat(0);
  const t0 = v128.load8x8_s(wp), t1 = v128.load8x8_s(wp, 8), t2 = v128.load8x8_s(wp, 16);
  const t3 = v128.load8x8_s(wp, 24), t4 = v128.load8x8_s(wp, 32), t5 = v128.load8x8_s(wp, 40);
  const t6 = v128.load8x8_s(wp, 48), t7 = v128.load8x8_s(wp, 56), t8 = v128.load8x8_s(wp, 64);
  const w01l = i16x8.shuffle(t0, t1, 0, 8, 1, 9, 2, 10, 3, 11), w01h = i16x8.shuffle(t0, t1, 4, 12, 5, 13, 6, 14, 7, 15);
  const w23l = i16x8.shuffle(t2, t3, 0, 8, 1, 9, 2, 10, 3, 11), w23h = i16x8.shuffle(t2, t3, 4, 12, 5, 13, 6, 14, 7, 15);
  const w45l = i16x8.shuffle(t4, t5, 0, 8, 1, 9, 2, 10, 3, 11), w45h = i16x8.shuffle(t4, t5, 4, 12, 5, 13, 6, 14, 7, 15);
  const w67l = i16x8.shuffle(t6, t7, 0, 8, 1, 9, 2, 10, 3, 11), w67h = i16x8.shuffle(t6, t7, 4, 12, 5, 13, 6, 14, 7, 15);
  const w8l = i16x8.shuffle(t8, zero, 0, 8, 1, 9, 2, 10, 3, 11), w8h = i16x8.shuffle(t8, zero, 4, 12, 5, 13, 6, 14, 7, 15);
  const bl = hasBias ? v128.load(bp) : zero, bh = hasBias ? v128.load(bp, 16) : zero;
  const rs = dh * W;
  let out = tptr(y);
  for (let n = 0; n < N; n++) {
    const xImg = xp + <usize>(n * H * W);
    for (let oy = 0; oy < OH; oy++) {
      const iy0 = oy * sh - pt;
      const rowIn = iy0 >= 0 && iy0 + 2 * dh < H;
      for (let ox = 0; ox < OW; ox++) {
        const ix0 = ox * sw - pl;
        let x0: i32, x1: i32, x2: i32, x3: i32, x4: i32, x5: i32, x6: i32, x7: i32, x8: i32;
        if (rowIn && ix0 >= 0 && ix0 + 2 * dw < W) {
          const r = xImg + <usize>(iy0 * W + ix0);
          const r1 = r + <usize>rs, r2 = r1 + <usize>rs;
          const d1 = <usize>dw, d2 = d1 + d1;
          x0 = <i32>load<i8>(r) + inOff; x1 = <i32>load<i8>(r + d1) + inOff; x2 = <i32>load<i8>(r + d2) + inOff;
          x3 = <i32>load<i8>(r1) + inOff; x4 = <i32>load<i8>(r1 + d1) + inOff; x5 = <i32>load<i8>(r1 + d2) + inOff;
          x6 = <i32>load<i8>(r2) + inOff; x7 = <i32>load<i8>(r2 + d1) + inOff; x8 = <i32>load<i8>(r2 + d2) + inOff;
        } else {
          const iy1 = iy0 + dh, iy2 = iy1 + dh, ix1 = ix0 + dw, ix2 = ix1 + dw;
          x0 = tapC1(xImg, iy0, ix0, H, W, inOff); x1 = tapC1(xImg, iy0, ix1, H, W, inOff); x2 = tapC1(xImg, iy0, ix2, H, W, inOff);
          x3 = tapC1(xImg, iy1, ix0, H, W, inOff); x4 = tapC1(xImg, iy1, ix1, H, W, inOff); x5 = tapC1(xImg, iy1, ix2, H, W, inOff);
          x6 = tapC1(xImg, iy2, ix0, H, W, inOff); x7 = tapC1(xImg, iy2, ix1, H, W, inOff); x8 = tapC1(xImg, iy2, ix2, H, W, inOff);
        }
        const s01 = i32x4.splat((x0 & 0xffff) | (x1 << 16)), s23 = i32x4.splat((x2 & 0xffff) | (x3 << 16));
        const s45 = i32x4.splat((x4 & 0xffff) | (x5 << 16)), s67 = i32x4.splat((x6 & 0xffff) | (x7 << 16));
        const s8 = i32x4.splat(x8 & 0xffff);
        let lo = i32x4.add(bl, i32x4.dot_i16x8_s(s01, w01l)), hi = i32x4.add(bh, i32x4.dot_i16x8_s(s01, w01h));
        lo = i32x4.add(lo, i32x4.dot_i16x8_s(s23, w23l)); hi = i32x4.add(hi, i32x4.dot_i16x8_s(s23, w23h));
        lo = i32x4.add(lo, i32x4.dot_i16x8_s(s45, w45l)); hi = i32x4.add(hi, i32x4.dot_i16x8_s(s45, w45h));
        lo = i32x4.add(lo, i32x4.dot_i16x8_s(s67, w67l)); hi = i32x4.add(hi, i32x4.dot_i16x8_s(s67, w67h));
        lo = i32x4.add(lo, i32x4.dot_i16x8_s(s8, w8l)); hi = i32x4.add(hi, i32x4.dot_i16x8_s(s8, w8h));
        if (fast) store8Magic(out, lo, hi, 0, outZp, amin, amax);
        else requantStore8(out, lo, hi, mp, shp, outZp, amin, amax);
        out += 8;
      }
    }
  }
}

export function depthwise_conv2d_s8_simd(op: usize): void {
  const w = opIn(op, 1);
  const wr = trank(w);
  if (kernelBuilt(KERNEL_DW_C1M8) && tdim(opIn(op, 0), 3) == 1 && tdim(w, wr - 1) == 8 && tdim(w, wr - 3) == 3 && tdim(w, wr - 2) == 3) {
    depthwise_c1m8_3x3(op);
    return;
  }
  const done = kernelBuilt(KERNEL_DW_PAIRS) ? depthwise_s8_pairs(op) : 0;
  if (done < tdim(w, trank(w) - 1)) depthwise_conv2d_s8_impl(op, true, done);
}
// Scalar build: 3x3 (dilation 1, stride 1 or 2) row-wise in depthwise_scalar.ts, every other
// shape in the chunked generic kernel.
export function depthwise_conv2d_s8_scalar(op: usize): void {
  if (!(kernelBuilt(KERNEL_DW_3X3_SCALAR) && depthwise3x3_s8_scalar(op))) depthwise_conv2d_s8_impl(op, false, 0);
}
