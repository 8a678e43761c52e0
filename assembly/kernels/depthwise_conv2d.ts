// depthwise_conv2d, NHWC, weights [KH, KW, C*M] (or [1, KH, KW, C*M]); output channel
// oc = c*M + m reads input channel c. Padded taps are skipped.
import { STORAGE_EMPTY } from '../../format/format';
import { opIn, opOut, opParam, opParamF, tdim, trank, tptr, tzp, tstorage, opInCount } from '../state';
import { mbqm, clampi } from '../fixedpoint';

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
        for (let oc = 0; oc < OC; oc++) {
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
          store<f32>(out, acc);
          out += 4;
        }
      }
    }
  }
}

/** Scalar accumulation of output channel oc at one output pixel. */
@inline function dwAccScalar(
  xPix: usize, wp: usize, oc: i32, c: i32, C: i32, OC: i32, W: i32, H: i32, KH: i32, KW: i32,
  iy0: i32, ix0: i32, dh: i32, dw: i32, inOff: i32,
): i32 {
  let acc = 0;
  for (let ky = 0; ky < KH; ky++) {
    const iy = iy0 + ky * dh;
    if (iy < 0 || iy >= H) continue;
    for (let kx = 0; kx < KW; kx++) {
      const ix = ix0 + kx * dw;
      if (ix < 0 || ix >= W) continue;
      acc += (<i32>load<i8>(xPix + <usize>((iy * W + ix) * C + c)) + inOff) *
        <i32>load<i8>(wp + <usize>((ky * KW + kx) * OC + oc));
    }
  }
  return acc;
}

const accBuf: usize = memory.data(8 * 4, 16);

function depthwise_conv2d_s8_impl(op: usize, simd: bool): void {
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
  // The SIMD path handles 8 channels at a time when channels map 1:1 (M == 1).
  const vecEnd = simd && M == 1 ? OC & ~7 : 0;
  let out = yp;
  for (let n = 0; n < N; n++) {
    const xImg = xp + <usize>(n * H * W) * <usize>C;
    for (let oy = 0; oy < OH; oy++) {
      const iy0 = oy * sh - pt;
      for (let ox = 0; ox < OW; ox++) {
        const ix0 = ox * sw - pl;
        let oc = 0;
        if (ASC_FEATURE_SIMD) {
          const off = i16x8.splat(<i16>inOff);
          for (; oc < vecEnd; oc += 8) {
            let lo = i32x4.splat(0);
            let hi = i32x4.splat(0);
            for (let ky = 0; ky < KH; ky++) {
              const iy = iy0 + ky * dh;
              if (iy < 0 || iy >= H) continue;
              for (let kx = 0; kx < KW; kx++) {
                const ix = ix0 + kx * dw;
                if (ix < 0 || ix >= W) continue;
                const xv = i16x8.add(v128.load8x8_s(xImg + <usize>((iy * W + ix) * C + oc)), off);
                const wv = v128.load8x8_s(wp + <usize>((ky * KW + kx) * OC + oc));
                lo = i32x4.add(lo, i32x4.extmul_low_i16x8_s(xv, wv));
                hi = i32x4.add(hi, i32x4.extmul_high_i16x8_s(xv, wv));
              }
            }
            v128.store(accBuf, lo);
            v128.store(accBuf, hi, 16);
            for (let l = 0; l < 8; l++) {
              const ch = oc + l;
              let acc = load<i32>(accBuf + (<usize>l << 2));
              if (hasBias) acc += load<i32>(bp + (<usize>ch << 2));
              const m = load<i32>(mp + (<usize>ch << 2)), s = load<i32>(shp + (<usize>ch << 2));
              store<i8>(out + <usize>ch, <i8>clampi(mbqm(acc, m, s) + outZp, amin, amax));
            }
          }
        }
        for (; oc < OC; oc++) {
          let acc = dwAccScalar(xImg, wp, oc, oc / M, C, OC, W, H, KH, KW, iy0, ix0, dh, dw, inOff);
          if (hasBias) acc += load<i32>(bp + (<usize>oc << 2));
          const m = load<i32>(mp + (<usize>oc << 2)), s = load<i32>(shp + (<usize>oc << 2));
          store<i8>(out + <usize>oc, <i8>clampi(mbqm(acc, m, s) + outZp, amin, amax));
        }
        out += <usize>OC;
      }
    }
  }
}

export function depthwise_conv2d_s8_simd(op: usize): void {
  depthwise_conv2d_s8_impl(op, true);
}
export function depthwise_conv2d_s8_scalar(op: usize): void {
  depthwise_conv2d_s8_impl(op, false);
}
