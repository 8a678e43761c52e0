// 16x8 kernels (s16 activations, s8 weights): TFLite Micro's int16 reference arithmetic, scalar in
// both builds (int64 accumulators; these ops are not hot in the shipped int8 models). Validation at
// load (validate_ops.ts) proved every access in range.
import { opIn, opOut, opInCount, opParam, opParamCount, tdim, tptr, tnumel } from '../state';
import { tzp, trank, tdtype, tstorage } from '../state_cold';
// Cold op: one shared MBQM copy (mbqmCall), not one inlined per call site, in both builds.
import { mbqmCall as mbqm, clampi } from '../fixedpoint';
import { broadcastSetup, broadcastStart, broadcastNext, rowLen, rowStrideA, rowStrideB, offA, offB } from '../broadcast';
import { DTYPE_S16, DTYPE_S32, STORAGE_EMPTY } from '../../format/format';

/** TFLite MultiplyByQuantizedMultiplier(int64 x, int32 multiplier, int shift): Q15-reduced multiplier, one rounding. */
@inline export function mbqm64(x: i64, mult: i32, shift: i32): i32 {
  const reduced: i64 = mult < 0x7fff0000 ? <i64>((mult + (1 << 15)) >> 16) : 0x7fff;
  const total = <i64>(15 - shift);
  const round: i64 = (<i64>1) << (total - 1);
  return <i32>((x * reduced + round) >> total);
}

@inline function ld16(base: usize, i: i32): i32 {
  return <i32>load<i16>(base + (<usize>i << 1));
}

/**
 * CONV2D s16 (NHWC x, w [O,KH,KW,C/group] s8, bias s32?, per-channel mult/shift; int64 accumulator)
 * and TRANSPOSE_CONV2D s16 (TFLM reference_integer_ops::TransposeConv), one loop: for each output
 * element, the sum over the taps and input pixels that reach it. A transposed conv gathers what
 * TFLM scatters into its scratch buffer: input row iy feeds output row oy when
 * oy = iy·stride − pad + ky. Then bias, MBQM64, clamp. One body for both (cold ops: the per-tap
 * branch costs nothing that matters, a second copy of the loop ~0.6 KB).
 */
function conv_s16(op: usize, transposed: bool): void {
  const x = opIn(op, 0), w = opIn(op, 1), y = opOut(op, 0);
  const hasBias = opInCount(op) > 2 && tstorage(opIn(op, 2)) != STORAGE_EMPTY;
  const bp = hasBias ? tptr(opIn(op, 2)) : 0;
  const mp = tptr(opIn(op, 3)), sp = tptr(opIn(op, 4));
  // conv params: stride h/w, dilation h/w, pads t/l/b/r, group, act_min/max; transposed: stride
  // h/w, pads t/l, act_min/max, then optionally dilation h/w, group (else 1, 1, 1).
  const sh = opParam(op, 0), sw = opParam(op, 1);
  const ext = transposed && opParamCount(op) > 6;
  const dh = transposed ? (ext ? opParam(op, 6) : 1) : opParam(op, 2), dw = transposed ? (ext ? opParam(op, 7) : 1) : opParam(op, 3);
  const pt = opParam(op, transposed ? 2 : 4), pl = opParam(op, transposed ? 3 : 5);
  const group = transposed ? (ext ? opParam(op, 8) : 1) : opParam(op, 8);
  const amin = opParam(op, transposed ? 4 : 9), amax = opParam(op, transposed ? 5 : 10);
  const n = tdim(x, 0), h = tdim(x, 1), wd = tdim(x, 2), c = tdim(x, 3);
  const oc = tdim(w, 0), kh = tdim(w, 1), kw = tdim(w, 2), cg = tdim(w, 3);
  const oh = tdim(y, 1), ow = tdim(y, 2);
  const og = oc / group;
  const xp = tptr(x), wp = tptr(w);
  let yp = tptr(y);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let o = 0; o < oc; o++) {
          const g = o / og;
          let acc: i64 = 0;
          for (let ky = 0; ky < kh; ky++) {
            let iy = oy * sh - pt + ky * dh;
            if (transposed) {
              const ty = oy + pt - ky * dh;
              if (ty < 0 || ty % sh != 0) continue;
              iy = ty / sh;
            }
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              let ix = ox * sw - pl + kx * dw;
              if (transposed) {
                const tx = ox + pl - kx * dw;
                if (tx < 0 || tx % sw != 0) continue;
                ix = tx / sw;
              }
              if (ix < 0 || ix >= wd) continue;
              const xb = xp + ((<usize>((b * h + iy) * wd + ix) * <usize>c + <usize>(g * cg)) << 1);
              const wb = wp + <usize>(((o * kh + ky) * kw + kx) * cg);
              let part: i32 = 0; // |Σ| < cg·2^22: fits i32 for cg < 512, else flush per 256 below
              for (let ci = 0; ci < cg; ci++) {
                part += <i32>load<i16>(xb + (<usize>ci << 1)) * <i32>load<i8>(wb + <usize>ci);
                if ((ci & 255) == 255) { acc += <i64>part; part = 0; }
              }
              acc += <i64>part;
            }
          }
          if (hasBias) acc += <i64>load<i32>(bp + (<usize>o << 2));
          const v = mbqm64(acc, load<i32>(mp + (<usize>o << 2)), load<i32>(sp + (<usize>o << 2)));
          store<i16>(yp, <i16>clampi(v, amin, amax));
          yp += 2;
        }
      }
    }
  }
}
export function conv2d_s16(op: usize): void {
  conv_s16(op, false);
}
export function transpose_conv2d_s16(op: usize): void {
  conv_s16(op, true);
}

/** ADD / SUB s16: TFLM's general-scale int16 path (left_shift 15), numpy broadcast. */
export function add_sub_s16(op: usize, subtract: bool): void {
  const a = opIn(op, 0), b = opIn(op, 1), y = opOut(op, 0);
  const ap = tptr(a), bp = tptr(b);
  let yp = tptr(y);
  const ls = opParam(op, 0);
  const aM = opParam(op, 1), aS = opParam(op, 2), bM = opParam(op, 3), bS = opParam(op, 4);
  const oM = opParam(op, 5), oS = opParam(op, 6), amin = opParam(op, 7), amax = opParam(op, 8);
  const aOff = -tzp(a), bOff = -tzp(b), oZp = tzp(y);
  const rows = broadcastSetup(a, b, y, trank(y), true);
  const n = rowLen, sa = rowStrideA, sb = rowStrideB;
  broadcastStart();
  for (let r = 0; r < rows; r++) {
    let ia = offA, ib = offB;
    for (let i = 0; i < n; i++) {
      const u = mbqm((ld16(ap, ia) + aOff) * (1 << ls), aM, aS);
      const v = mbqm((ld16(bp, ib) + bOff) * (1 << ls), bM, bS);
      const raw = subtract ? u - v : u + v;
      store<i16>(yp, <i16>clampi(mbqm(raw, oM, oS) + oZp, amin, amax));
      yp += 2;
      ia += sa;
      ib += sb;
    }
    broadcastNext();
  }
}

/** LEAKY_RELU s16 (TFLM QuantizeLeakyRelu): identity rescale for x >= 0, alpha rescale below. */
export function leaky_relu_s16(op: usize): void {
  const x = opIn(op, 0), y = opOut(op, 0);
  const idM = opParam(op, 1), idS = opParam(op, 2), alM = opParam(op, 3), alS = opParam(op, 4);
  const inZp = tzp(x), outZp = tzp(y);
  const xp = tptr(x), yp = tptr(y);
  const n = tnumel(x);
  for (let i = 0; i < n; i++) {
    const d = ld16(xp, i) - inZp;
    const v = d >= 0 ? mbqm(d, idM, idS) : mbqm(d, alM, alS);
    store<i16>(yp + (<usize>i << 1), <i16>clampi(outZp + v, -32768, 32767));
  }
}

@inline function loadInt(p: usize, i: i32, dt: i32): i32 {
  if (dt == DTYPE_S16) return <i32>load<i16>(p + (<usize>i << 1));
  if (dt == DTYPE_S32) return load<i32>(p + (<usize>i << 2));
  return <i32>load<i8>(p + <usize>i);
}

/** REQUANTIZE between integer widths (s8/s16/s32 in and out): TFLM Requantize. */
export function requantize_int(op: usize): void {
  const x = opIn(op, 0), y = opOut(op, 0);
  const idt = tdtype(x), odt = tdtype(y);
  const m = opParam(op, 0), s = opParam(op, 1);
  const inZp = tzp(x), outZp = tzp(y);
  const xp = tptr(x), yp = tptr(y);
  const n = tnumel(x);
  for (let i = 0; i < n; i++) {
    const v = mbqm(loadInt(xp, i, idt) - inZp, m, s) + outZp;
    if (odt == DTYPE_S16) store<i16>(yp + (<usize>i << 1), <i16>clampi(v, -32768, 32767));
    else if (odt == DTYPE_S32) store<i32>(yp + (<usize>i << 2), v);
    else store<i8>(yp + <usize>i, <i8>clampi(v, -128, 127));
  }
}
