// max_pool2d and average_pool2d, NHWC. Padded taps are skipped; average_pool2d divides by the
// in-bounds tap count, or by the whole window with count_include_pad (padding reads as zero,
// which for s8 is the zero point).
import { opIn, opOut, opParam, opParamF, tdim, tptr, tzp } from '../state';
import { clampi } from '../fixedpoint';

export function pool_f32(op: usize, isMax: bool): void {
  const x = opIn(op, 0), y = opOut(op, 0);
  const xp = tptr(x);
  let yp = tptr(y);
  const N = tdim(x, 0), H = tdim(x, 1), W = tdim(x, 2), C = tdim(x, 3);
  const OH = tdim(y, 1), OW = tdim(y, 2);
  const KH = opParam(op, 0), KW = opParam(op, 1), sh = opParam(op, 2), sw = opParam(op, 3);
  const dh = opParam(op, 4), dw = opParam(op, 5), pt = opParam(op, 6), pl = opParam(op, 7);
  const includePad = opParam(op, 10) != 0;
  const lo = opParamF(op, 11), hi = opParamF(op, 12);
  for (let n = 0; n < N; n++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        for (let c = 0; c < C; c++) {
          let acc: f32 = isMax ? -Infinity : 0;
          let count = 0;
          for (let ky = 0; ky < KH; ky++) {
            const iy = oy * sh - pt + ky * dh;
            if (iy < 0 || iy >= H) continue;
            for (let kx = 0; kx < KW; kx++) {
              const ix = ox * sw - pl + kx * dw;
              if (ix < 0 || ix >= W) continue;
              const v = load<f32>(xp + (<usize>(((n * H + iy) * W + ix) * C + c) << 2));
              if (isMax) acc = v > acc ? v : acc;
              else acc += v;
              count++;
            }
          }
          if (!isMax) {
            const div = includePad ? KH * KW : count;
            acc = div > 0 ? acc / <f32>div : 0;
          }
          acc = acc < lo ? lo : acc;
          acc = acc > hi ? hi : acc;
          store<f32>(yp, acc);
          yp += 4;
        }
      }
    }
  }
}

// Channel accumulators of pool_s8: taps outer, channels inner, so every tap reads a contiguous
// run of channels (the window bounds are checked once per tap, not once per channel and tap).
// POOL_CHUNK of them in the op's scratch (format/kernel-scratch.ts, set by usePoolAcc before the op).
let POOL_CHUNK: i32 = 0;
let poolAcc: usize = 0;
export function usePoolAcc(at: usize, channels: i32): void {
  poolAcc = at;
  POOL_CHUNK = channels;
}

/** Max of `KH x KW` taps (those in bounds) for 16 channels at c (SIMD), clamped, to y. */
@inline function maxTaps16(xp: usize, y: usize, c: usize, iy0: i32, ix0: i32, KH: i32, KW: i32, dh: i32, dw: i32, H: i32, W: i32, rowBytes: usize, C: usize, lo: v128, hi: v128, half: bool): void {
  let acc = i8x16.splat(-128);
  for (let ky = 0; ky < KH; ky++) {
    const iy = iy0 + ky * dh;
    if (<u32>iy >= <u32>H) continue;
    const row = xp + <usize>iy * rowBytes + c;
    for (let kx = 0; kx < KW; kx++) {
      const ix = ix0 + kx * dw;
      if (<u32>ix >= <u32>W) continue;
      const p = row + <usize>ix * C;
      acc = i8x16.max_s(acc, half ? v128.load64_zero(p) : v128.load(p));
    }
  }
  acc = i8x16.min_s(i8x16.max_s(acc, lo), hi);
  if (half) v128.store64_lane(y + c, acc, 0);
  else v128.store(y + c, acc);
}

/**
 * int8 max pool (SIMD build): 16 (then 8) channels per vector, the window's maximum kept in a
 * register across taps; channels past the last multiple of 8 take the scalar loop.
 */
function maxPoolS8Simd(op: usize): void {
  const x = opIn(op, 0), y = opOut(op, 0);
  const xp = tptr(x);
  let yp = tptr(y);
  const N = tdim(x, 0), H = tdim(x, 1), W = tdim(x, 2), C = tdim(x, 3);
  const OH = tdim(y, 1), OW = tdim(y, 2);
  const KH = opParam(op, 0), KW = opParam(op, 1), sh = opParam(op, 2), sw = opParam(op, 3);
  const dh = opParam(op, 4), dw = opParam(op, 5), pt = opParam(op, 6), pl = opParam(op, 7);
  const amin = opParam(op, 11), amax = opParam(op, 12);
  const lo = i8x16.splat(<i8>amin), hi = i8x16.splat(<i8>amax);
  const rowBytes = <usize>W * <usize>C, c16 = C & ~15, c8 = C & ~7;
  for (let n = 0; n < N; n++) {
    const xn = xp + <usize>n * <usize>H * rowBytes;
    for (let oy = 0; oy < OH; oy++) {
      const iy0 = oy * sh - pt;
      for (let ox = 0; ox < OW; ox++) {
        const ix0 = ox * sw - pl;
        let c = 0;
        for (; c < c16; c += 16) maxTaps16(xn, yp, <usize>c, iy0, ix0, KH, KW, dh, dw, H, W, rowBytes, <usize>C, lo, hi, false);
        if (c < c8) {
          maxTaps16(xn, yp, <usize>c, iy0, ix0, KH, KW, dh, dw, H, W, rowBytes, <usize>C, lo, hi, true);
          c += 8;
        }
        for (; c < C; c++) {
          let m = -128;
          for (let ky = 0; ky < KH; ky++) {
            const iy = iy0 + ky * dh;
            if (<u32>iy >= <u32>H) continue;
            for (let kx = 0; kx < KW; kx++) {
              const ix = ix0 + kx * dw;
              if (<u32>ix >= <u32>W) continue;
              const v = <i32>load<i8>(xn + <usize>iy * rowBytes + <usize>ix * <usize>C + <usize>c);
              m = v > m ? v : m;
            }
          }
          store<i8>(yp + <usize>c, <i8>clampi(m, amin, amax));
        }
        yp += <usize>C;
      }
    }
  }
}

/** Sums of the in-bounds taps for 16 channels from x (SIMD), as i32 to acc. */
function sumTaps16(x: usize, acc: usize, iy0: i32, ix0: i32, KH: i32, KW: i32, dh: i32, dw: i32, H: i32, W: i32, C: i32): void {
  let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  const rowBytes = <usize>W * <usize>C;
  // Up to 256 taps the sums fit i16 (|sum| <= 256 * 128): two adds per tap instead of six
  // (kws's 25x5 global pool), widened once.
  if (KH * KW <= 256) {
    let l = i16x8.splat(0), h = l;
    for (let ky = 0; ky < KH; ky++) {
      const iy = iy0 + ky * dh;
      if (<u32>iy >= <u32>H) continue;
      const row = x + <usize>iy * rowBytes;
      for (let kx = 0; kx < KW; kx++) {
        const ix = ix0 + kx * dw;
        if (<u32>ix >= <u32>W) continue;
        const v = v128.load(row + <usize>ix * <usize>C);
        l = i16x8.add(l, i16x8.extend_low_i8x16_s(v));
        h = i16x8.add(h, i16x8.extend_high_i8x16_s(v));
      }
    }
    v128.store(acc, i32x4.extend_low_i16x8_s(l));
    v128.store(acc, i32x4.extend_high_i16x8_s(l), 16);
    v128.store(acc, i32x4.extend_low_i16x8_s(h), 32);
    v128.store(acc, i32x4.extend_high_i16x8_s(h), 48);
    return;
  }
  for (let ky = 0; ky < KH; ky++) {
    const iy = iy0 + ky * dh;
    if (<u32>iy >= <u32>H) continue;
    const row = x + <usize>iy * rowBytes;
    for (let kx = 0; kx < KW; kx++) {
      const ix = ix0 + kx * dw;
      if (<u32>ix >= <u32>W) continue;
      const v = v128.load(row + <usize>ix * <usize>C);
      const l = i16x8.extend_low_i8x16_s(v), h = i16x8.extend_high_i8x16_s(v);
      a0 = i32x4.add(a0, i32x4.extend_low_i16x8_s(l));
      a1 = i32x4.add(a1, i32x4.extend_high_i16x8_s(l));
      a2 = i32x4.add(a2, i32x4.extend_low_i16x8_s(h));
      a3 = i32x4.add(a3, i32x4.extend_high_i16x8_s(h));
    }
  }
  v128.store(acc, a0);
  v128.store(acc, a1, 16);
  v128.store(acc, a2, 32);
  v128.store(acc, a3, 48);
}

export function pool_s8(op: usize, isMax: bool): void {
  if (ASC_FEATURE_SIMD && isMax) {
    maxPoolS8Simd(op);
    return;
  }
  const x = opIn(op, 0), y = opOut(op, 0);
  const xp = tptr(x);
  let yp = tptr(y);
  const N = tdim(x, 0), H = tdim(x, 1), W = tdim(x, 2), C = tdim(x, 3);
  const OH = tdim(y, 1), OW = tdim(y, 2);
  const KH = opParam(op, 0), KW = opParam(op, 1), sh = opParam(op, 2), sw = opParam(op, 3);
  const dh = opParam(op, 4), dw = opParam(op, 5), pt = opParam(op, 6), pl = opParam(op, 7);
  const includePad = opParam(op, 10) != 0;
  const amin = opParam(op, 11), amax = opParam(op, 12);
  const zp = tzp(x);
  for (let n = 0; n < N; n++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        for (let c0 = 0; c0 < C; c0 += POOL_CHUNK) {
          const cn = C - c0 < POOL_CHUNK ? C - c0 : POOL_CHUNK;
          const init = isMax ? -128 : 0;
          // SIMD average: whole groups of 16 channels summed in registers across the taps.
          let cs = 0;
          if (ASC_FEATURE_SIMD && !isMax) {
            for (; cs + 16 <= cn; cs += 16) sumTaps16(xp + <usize>(n * H * W * C + c0 + cs), poolAcc + (<usize>cs << 2), oy * sh - pt, ox * sw - pl, KH, KW, dh, dw, H, W, C);
          }
          for (let c = cs; c < cn; c++) store<i32>(poolAcc + (<usize>c << 2), init);
          let count = 0;
          for (let ky = 0; ky < KH; ky++) {
            const iy = oy * sh - pt + ky * dh;
            if (iy < 0 || iy >= H) continue;
            for (let kx = 0; kx < KW; kx++) {
              const ix = ox * sw - pl + kx * dw;
              if (ix < 0 || ix >= W) continue;
              const px = xp + <usize>(((n * H + iy) * W + ix) * C + c0);
              if (isMax) {
                for (let c = 0; c < cn; c++) {
                  const a = poolAcc + (<usize>c << 2);
                  const v = <i32>load<i8>(px + <usize>c), m = load<i32>(a);
                  store<i32>(a, v > m ? v : m);
                }
              } else {
                for (let c = cs; c < cn; c++) {
                  const a = poolAcc + (<usize>c << 2);
                  store<i32>(a, load<i32>(a) + <i32>load<i8>(px + <usize>c));
                }
              }
              count++;
            }
          }
          for (let c = 0; c < cn; c++) {
            let acc = load<i32>(poolAcc + (<usize>c << 2));
            if (!isMax) {
              let div = count;
              if (includePad) {
                div = KH * KW;
                acc += (div - count) * zp;
              }
              if (div < 1) div = 1;
              // Round half away from zero, as TFLite Micro's integer average pool.
              acc = acc > 0 ? (acc + div / 2) / div : (acc - div / 2) / div;
            }
            store<i8>(yp + <usize>c, <i8>clampi(acc, amin, amax));
          }
          yp += <usize>cn;
        }
      }
    }
  }
}
