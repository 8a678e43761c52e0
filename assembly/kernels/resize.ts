// resize, NHWC over H and W. The converter computed every source coordinate (format.ts RESIZE: the
// mode, then per output row and per output column its source entry), so the kernels only look the
// table up: nearest copies source pixels (any dtype, the bytes move unchanged), bilinear blends the
// four neighbours, f32 in TFLite's term order, s8 in TFLM's Q10 fixed point, and the filter table
// (cubic, antialias, crop) sums its taps the same ways. Validation proved every index inside the
// input, every bilinear Q10 fraction within [-1024, 1024] and every filter position's |Q10 weights|
// summing to at most 2048.
import { O_PARAMS_INDEX, RESIZE_Q10_ONE } from '../../format/format';
import { opIn, opOut, tdim, tptr, dtypeSize, paramsBase } from '../state';
import { tdtype } from '../state_cold';

/** Address of the op's source table (param 1 on). */
@inline function sourceTable(op: usize): usize {
  return paramsBase + ((<usize>load<u32>(op, O_PARAMS_INDEX) + 1) << 2);
}

/** Nearest: each output pixel is the C elements of its source pixel. */
export function resize_nearest(op: usize): void {
  const x = opIn(op, 0), y = opOut(op, 0);
  const n = tdim(x, 0), h = tdim(x, 1), w = tdim(x, 2);
  const oh = tdim(y, 1), ow = tdim(y, 2);
  const pixel = <usize>tdim(x, 3) * <usize>dtypeSize(tdtype(x));
  const rows = sourceTable(op), cols = rows + (<usize>oh << 2);
  const xp = tptr(x);
  let dst = tptr(y);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const srcRow = xp + (<usize>(b * h + load<i32>(rows + (<usize>oy << 2))) * <usize>w) * pixel;
      for (let ox = 0; ox < ow; ox++) {
        memory.copy(dst, srcRow + <usize>load<i32>(cols + (<usize>ox << 2)) * pixel, pixel);
        dst += pixel;
      }
    }
  }
}

/**
 * Bilinear: rows (lo, hi, frac) then columns (lo, hi, frac), 12 bytes an entry. `s8`: Q10 integer
 * fractions; else f32 ones.
 */
export function resize_bilinear(op: usize, s8: bool): void {
  const x = opIn(op, 0), y = opOut(op, 0);
  const n = tdim(x, 0), h = tdim(x, 1), w = tdim(x, 2), c = tdim(x, 3);
  const oh = tdim(y, 1), ow = tdim(y, 2);
  const es: usize = s8 ? 1 : 4;
  const rowBytes = <usize>w * <usize>c * es, pixel = <usize>c * es;
  const rows = sourceTable(op), cols = rows + <usize>oh * 12;
  const xp = tptr(x);
  let dst = tptr(y);
  for (let b = 0; b < n; b++) {
    const image = xp + <usize>(b * h) * rowBytes;
    for (let oy = 0; oy < oh; oy++) {
      const r = rows + <usize>oy * 12;
      const top = image + <usize>load<i32>(r) * rowBytes, bottom = image + <usize>load<i32>(r, 4) * rowBytes;
      for (let ox = 0; ox < ow; ox++) {
        const e = cols + <usize>ox * 12;
        const left = <usize>load<i32>(e) * pixel, right = <usize>load<i32>(e, 4) * pixel;
        if (s8) {
          blendRowS8(dst, top + left, bottom + left, top + right, bottom + right, load<i32>(r, 8), load<i32>(e, 8), c);
        } else {
          blendRowF32(dst, top + left, bottom + left, top + right, bottom + right, load<f32>(r, 8), load<f32>(e, 8), c);
        }
        dst += pixel;
      }
    }
  }
}

/** TFLite's float bilinear, term by term: v00·(1-fy)·(1-fx) + v10·fy·(1-fx) + v01·(1-fy)·fx + v11·fy·fx. */
function blendRowF32(dst: usize, p00: usize, p10: usize, p01: usize, p11: usize, fy: f32, fx: f32, c: i32): void {
  const gy: f32 = 1 - fy, gx: f32 = 1 - fx;
  for (let i = 0; i < c; i++) {
    const k = <usize>i << 2;
    const v = load<f32>(p00 + k) * gy * gx + load<f32>(p10 + k) * fy * gx + load<f32>(p01 + k) * gy * fx + load<f32>(p11 + k) * fy * fx;
    store<f32>(dst + k, v);
  }
}

/** TFLM's ResizeBilinearInteger on codes: Q20 sum of the four products, rounded half away from zero.
 * |frac| <= 1024 keeps the sum below 2^31 (128 · 3072²). */
function blendRowS8(dst: usize, p00: usize, p10: usize, p01: usize, p11: usize, fy: i32, fx: i32, c: i32): void {
  const gy = RESIZE_Q10_ONE - fy, gx = RESIZE_Q10_ONE - fx;
  for (let i = 0; i < c; i++) {
    const k = <usize>i;
    const sum = <i32>load<i8>(p00 + k) * gy * gx + <i32>load<i8>(p10 + k) * fy * gx
      + <i32>load<i8>(p01 + k) * gy * fx + <i32>load<i8>(p11 + k) * fy * fx;
    store<i8>(dst + k, <i8>((sum + (sum > 0 ? 1 << 19 : -(1 << 19))) / (1 << 20)));
  }
}

/**
 * The filter table (RESIZE_TAPS: extrapolation ky kx, then per row first w[ky], per column first
 * w[kx]): y = Σ_j Σ_i x[first_y + i, first_x + j]·wy[i]·wx[j], f32 products (x·wy)·wx and sums from
 * −0, s8 a Q20 sum of Q10 weights rounded half away from zero and saturated; a row or column whose
 * first index is −1 lies outside the crop and gives the extrapolation value. Cold code (bilinear
 * keeps its own loop above): one channel at a time.
 */
export function resize_taps(op: usize, s8: bool): void {
  const x = opIn(op, 0), y = opOut(op, 0);
  const n = tdim(x, 0), h = tdim(x, 1), w = tdim(x, 2), c = tdim(x, 3);
  const oh = tdim(y, 1), ow = tdim(y, 2);
  const es: usize = s8 ? 1 : 4;
  const rowBytes = <usize>w * <usize>c * es, pixel = <usize>c * es;
  const params = sourceTable(op);
  const outside = load<i32>(params), ky = load<i32>(params, 4), kx = load<i32>(params, 8);
  const rows = params + 12, rowEntry = (<usize>ky + 1) << 2, colEntry = (<usize>kx + 1) << 2;
  const cols = rows + <usize>oh * rowEntry;
  let dst = tptr(y);
  for (let b = 0; b < n; b++) {
    const image = tptr(x) + <usize>(b * h) * rowBytes;
    for (let oy = 0; oy < oh; oy++) {
      const r = rows + <usize>oy * rowEntry;
      for (let ox = 0; ox < ow; ox++) {
        const e = cols + <usize>ox * colEntry;
        const inside = load<i32>(r) >= 0 && load<i32>(e) >= 0;
        const corner = image + <usize>load<i32>(r) * rowBytes + <usize>load<i32>(e) * pixel;
        for (let ch = 0; ch < c; ch++) {
          let accF: f32 = -0.0, accI = 0;
          for (let j = 0; j < kx && inside; j++) {
            const wx = e + 4 + (<usize>j << 2);
            for (let i = 0; i < ky; i++) {
              const wy = r + 4 + (<usize>i << 2);
              const p = corner + <usize>i * rowBytes + <usize>j * pixel + <usize>ch * es;
              if (s8) accI += <i32>load<i8>(p) * load<i32>(wy) * load<i32>(wx);
              else accF += load<f32>(p) * load<f32>(wy) * load<f32>(wx);
            }
          }
          if (s8) {
            const v = (accI + (accI > 0 ? 1 << 19 : -(1 << 19))) / (1 << 20);
            store<i8>(dst + <usize>ch, <i8>(inside ? (v < -128 ? -128 : v > 127 ? 127 : v) : outside));
          } else {
            store<f32>(dst + (<usize>ch << 2), inside ? accF : reinterpret<f32>(outside));
          }
        }
        dst += pixel;
      }
    }
  }
}
