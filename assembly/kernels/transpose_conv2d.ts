// TRANSPOSE_CONV2D f32 and s8 (TFLite TRANSPOSE_CONV, ONNX ConvTranspose with dilation and groups;
// s8 is TFLM reference_integer_ops::TransposeConv: per-channel weights, int32 sums, bias, MBQM,
// output zero point, clamp). TFLM scatters every
// input pixel into an output-sized int32 scratch buffer; this kernel gathers instead: for each
// output element, the taps and input pixels that reach it (oy = iy·stride − pad + ky). int32
// addition wraps and is associative, so the s8 results are TFLM's bit for bit, with no scratch
// buffer (the f32 sums differ only in float summation order). Cold code: one plain loop for both
// forms. The s16 form is kernels/int16.ts. Validation at load proved every access in range.
import { opIn, opOut, opInCount, opParam, opParamCount, opParamF, tdim, tptr, tzp } from '../state';
import { tstorage } from '../state_cold';
import { mbqmCall as mbqm, clampi } from '../fixedpoint';
import { STORAGE_EMPTY } from '../../format/format';

/** Σ x·w over one tap's c channels, f32. */
function dotF32(xb: usize, wb: usize, c: i32): f32 {
  let acc: f32 = 0;
  for (let i = 0; i < c; i++) acc += load<f32>(xb + (<usize>i << 2)) * load<f32>(wb + (<usize>i << 2));
  return acc;
}
/** Σ (x + inOff)·w over one tap's c channels, s8 (int32, wrapping as TFLM's accumulator). */
function dotS8(xb: usize, wb: usize, c: i32, inOff: i32): i32 {
  let acc = 0;
  for (let i = 0; i < c; i++) acc += (<i32>load<i8>(xb + <usize>i) + inOff) * <i32>load<i8>(wb + <usize>i);
  return acc;
}

/** The first tap k (< kernel) whose offset k·d is ≡ t mod s, or `kernel` when none is. The taps
 * that reach an output pixel are then k, k + step, ...: step = s / gcd(s, d) (tapStep). */
function firstTap(t: i32, d: i32, s: i32, step: i32, kernel: i32): i32 {
  for (let k = 0; k < step && k < kernel; k++) if ((t - k * d) % s == 0) return k;
  return kernel;
}
/** The tap index step between taps of one phase: s / gcd(s, d). */
function tapStep(s: i32, d: i32): i32 {
  let a = s, b = d;
  while (b) { const r = a % b; a = b; b = r; }
  return s / a;
}

/** One loop for both forms: the per-tap dot and the epilogue differ. */
function transposeConv(op: usize, isF32: bool): void {
  const x = opIn(op, 0), w = opIn(op, 1), y = opOut(op, 0);
  const hasBias = opInCount(op) > 2 && tstorage(opIn(op, 2)) != STORAGE_EMPTY;
  const bp = hasBias ? tptr(opIn(op, 2)) : 0;
  // Params: stride h/w, pad top/left, act_min/max (f32 bits in the f32 form), then optionally
  // dilation h/w and group (1, 1, 1 in the 6-word form).
  const sh = opParam(op, 0), sw = opParam(op, 1), pt = opParam(op, 2), pl = opParam(op, 3);
  const ext = opParamCount(op) > 6;
  const dh = ext ? opParam(op, 6) : 1, dw = ext ? opParam(op, 7) : 1, group = ext ? opParam(op, 8) : 1;
  const n = tdim(x, 0), h = tdim(x, 1), wd = tdim(x, 2), c = tdim(x, 3);
  const oc = tdim(w, 0), kh = tdim(w, 1), kw = tdim(w, 2), cg = tdim(w, 3);
  const og = oc / group;
  const oh = tdim(y, 1), ow = tdim(y, 2);
  const stepY = tapStep(sh, dh), stepX = tapStep(sw, dw);
  const elem: usize = isF32 ? 2 : 0; // log2 of the element size
  const inOff = -tzp(x), outZp = tzp(y);
  const xp = tptr(x), wp = tptr(w);
  let yp = tptr(y);
  // One pass over the output pixels (batch, row, column), then the output channels.
  const pixels = n * oh * ow;
  for (let p = 0; p < pixels; p++) {
    const ox = p % ow, oy = (p / ow) % oh, b = p / (ow * oh);
    // Tap ky reaches output row oy from input row iy = (oy + pt − ky·dh) / sh when that divides
    // exactly: only the taps of one phase, every stepY-th from ky0, with iy falling as ky rises.
    const ty = oy + pt, tx = ox + pl;
    const ky0 = firstTap(ty, dh, sh, stepY, kh), kx0 = firstTap(tx, dw, sw, stepX, kw);
    for (let o = 0; o < oc; o++) {
      let accF: f32 = 0;
      let accI: i32 = 0;
      const cBase = (o / og) * cg; // the first input channel of o's group
      for (let ky = ky0; ky < kh; ky += stepY) {
        const iy = (ty - ky * dh) / sh;
        if (iy < 0) break;
        if (iy >= h) continue;
        for (let kx = kx0; kx < kw; kx += stepX) {
          const ix = (tx - kx * dw) / sw;
          if (ix < 0) break;
          if (ix >= wd) continue;
          const xb = xp + (<usize>(((b * h + iy) * wd + ix) * c + cBase) << elem);
          const wb = wp + (<usize>(((o * kh + ky) * kw + kx) * cg) << elem);
          if (isF32) accF += dotF32(xb, wb, cg);
          else accI += dotS8(xb, wb, cg, inOff);
        }
      }
      const bias = bp + (<usize>o << 2);
      if (isF32) {
        if (hasBias) accF += load<f32>(bias);
        const lo = opParamF(op, 4), hi = opParamF(op, 5);
        accF = accF < lo ? lo : accF;
        store<f32>(yp, accF > hi ? hi : accF);
        yp += 4;
      } else {
        if (hasBias) accI += load<i32>(bias);
        const m = tptr(opIn(op, 3)) + (<usize>o << 2), s = tptr(opIn(op, 4)) + (<usize>o << 2);
        store<i8>(yp, <i8>clampi(mbqm(accI, load<i32>(m), load<i32>(s)) + outZp, opParam(op, 4), opParam(op, 5)));
        yp += 1;
      }
    }
  }
}

export function transpose_conv2d_f32(op: usize): void {
  transposeConv(op, true);
}
export function transpose_conv2d_s8(op: usize): void {
  transposeConv(op, false);
}
