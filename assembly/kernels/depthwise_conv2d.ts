// depthwise_conv2d, NHWC, weights [KH, KW, C*M] (or [1, KH, KW, C*M]); output channel
// oc = c*M + m reads input channel c. Padded taps are skipped.
import { STORAGE_EMPTY } from '../../format/format';
import { opIn, opOut, opParam, opParamF, tdim, trank, tptr, tzp, tstorage, opInCount } from '../state';
import { mbqmInline, clampi } from '../fixedpoint';
import { requantStore8, requantStore16 } from '../requant_simd';
import { fastPrepare, requantFastStore8, requantFastStore16 } from '../requant_fast';
import { depthwise_s8_pairs } from './depthwise_pairs';

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

export function depthwise_conv2d_s8_simd(op: usize): void {
  const w = opIn(op, 1);
  const done = depthwise_s8_pairs(op);
  if (done < tdim(w, trank(w) - 1)) depthwise_conv2d_s8_impl(op, true, done);
}
export function depthwise_conv2d_s8_scalar(op: usize): void {
  const w = opIn(op, 1);
  const done = depthwise_s8_pairs(op);
  if (done < tdim(w, trank(w) - 1)) depthwise_conv2d_s8_impl(op, false, done);
}
