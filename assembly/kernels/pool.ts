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

export function pool_s8(op: usize, isMax: bool): void {
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
          for (let c = 0; c < cn; c++) store<i32>(poolAcc + (<usize>c << 2), init);
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
                for (let c = 0; c < cn; c++) {
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
