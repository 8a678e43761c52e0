// Scalar build: int8 3x3 depthwise, dilation 1, stride 1 or 2, any depth multiplier (output
// channel oc reads input channel oc / M). Row-wise: per output row and channel the nine weights,
// the folded bias and the requantization constants sit in locals, and the row is swept column by
// column: each input column (three rows) is loaded once and its dot products with the three weight
// columns go into the running sums of the outputs it feeds, so each output pixel loads one new
// column (stride 1) or two (stride 2) instead of nine taps and nine weights, and only one or two
// sums stay live instead of a nine-value window (fewer register spills). Pixels whose columns are
// all inside the row run a loop without padding checks.
//
// Padding without per-tap checks: a padded row is read from a valid row against zero weights, a
// padded column holds the input zero point, and the bias is folded once per row and channel as
// bias - zp * (sum of that row set's weights). A padded tap then adds (zp - zp) * w or x * 0, the
// 0 TFLM adds by skipping it; integer sums are exact in any order (both sides wrap alike in i32).
// Requantization: requant_scalar.ts (integer, TFLM-exact).
import { STORAGE_EMPTY } from '../../format/format';
import { opIn, opOut, opParam, tdim, trank, tptr, tzp, tstorage } from '../state';
import { rqApply, rqLeft, rqBase, rqNeg, rqShift } from './requant_scalar';

/** Runs the op when it has this kernel's shape (returns false otherwise, having done nothing). */
export function depthwise3x3_s8_scalar(op: usize): bool {
  const x = opIn(op, 0), w = opIn(op, 1), y = opOut(op, 0);
  const wr = trank(w);
  const KH = tdim(w, wr - 3), KW = tdim(w, wr - 2), OC = tdim(w, wr - 1);
  const sh = opParam(op, 0), sw = opParam(op, 1), dh = opParam(op, 2), dw = opParam(op, 3);
  if (KH != 3 || KW != 3 || dh != 1 || dw != 1 || sw > 2) return false;
  const hasBias = tstorage(opIn(op, 2)) != STORAGE_EMPTY;
  const xp = tptr(x), wp = tptr(w), bp = hasBias ? tptr(opIn(op, 2)) : 0;
  const mp = tptr(opIn(op, 3)), shp = tptr(opIn(op, 4));
  const N = tdim(x, 0), H = tdim(x, 1), W = tdim(x, 2), C = tdim(x, 3);
  const OH = tdim(y, 1), OW = tdim(y, 2);
  const pt = opParam(op, 4), pl = opParam(op, 5), M = opParam(op, 8);
  const amin = opParam(op, 9), amax = opParam(op, 10);
  const zp = tzp(x), outZp = tzp(y);
  const s1 = sw == 1;
  const rowBytes = <usize>W * <usize>C, col = <usize>C;
  const o1 = <usize>OC, o2 = o1 + o1, o3 = o2 + o1, o4 = o3 + o1, o5 = o4 + o1, o6 = o5 + o1, o7 = o6 + o1, o8 = o7 + o1;
  // Pixels [oxLo, oxHi) load only columns inside the row (oxLo = -1: none do).
  const first = pl - (s1 ? 2 : 1), last = W - 3 + pl;
  let oxLo = first <= 0 ? 0 : (first + sw - 1) / sw;
  let oxHi = last < 0 ? 0 : last / sw + 1;
  if (oxHi > OW) oxHi = OW;
  if (oxHi <= oxLo) oxLo = -1;
  const yp = tptr(y);
  const rowOut = <usize>OW * o1;
  // Channel-outer: each channel's weights, bias fold and requantization constants are set up once
  // for all its rows, not per row (the late 3x3 / 6x6-pixel layers spent as long on that set-up as
  // on their few outputs); a row with a padded kernel row zeroes those weights and refolds the bias.
  for (let n = 0; n < N; n++) {
    const xImg = xp + <usize>n * <usize>H * rowBytes;
    const yImg = yp + <usize>(n * OH) * rowOut;
    for (let oc = 0; oc < OC; oc++) {
      const wo = wp + <usize>oc;
      const f0 = <i32>load<i8>(wo), f1 = <i32>load<i8>(wo + o1), f2 = <i32>load<i8>(wo + o2);
      const f3 = <i32>load<i8>(wo + o3), f4 = <i32>load<i8>(wo + o4), f5 = <i32>load<i8>(wo + o5);
      const f6 = <i32>load<i8>(wo + o6), f7 = <i32>load<i8>(wo + o7), f8 = <i32>load<i8>(wo + o8);
      const bo = <usize>oc << 2;
      const b0 = hasBias ? load<i32>(bp + bo) : 0;
      const fullBias = b0 - zp * (f0 + f1 + f2 + f3 + f4 + f5 + f6 + f7 + f8);
      const mult = <i64>load<i32>(mp + bo);
      const shift = load<i32>(shp + bo);
      const left = rqLeft(shift), base = rqBase(shift), neg = rqNeg(shift), rs = rqShift(shift);
      const c = <usize>(M == 1 ? oc : oc / M);
      for (let oy = 0; oy < OH; oy++) {
        const iy0 = oy * sh - pt;
        const v0 = <u32>iy0 < <u32>H, v1 = <u32>(iy0 + 1) < <u32>H, v2 = <u32>(iy0 + 2) < <u32>H;
        const p0 = xImg + (v0 ? <usize>iy0 * rowBytes : 0) + c;
        const p1 = xImg + (v1 ? <usize>(iy0 + 1) * rowBytes : 0) + c;
        const p2 = xImg + (v2 ? <usize>(iy0 + 2) * rowBytes : 0) + c;
        let w0 = f0, w1 = f1, w2 = f2, w3 = f3, w4 = f4, w5 = f5, w6 = f6, w7 = f7, w8 = f8;
        let bias = fullBias;
        if (!(v0 && v1 && v2)) {
          if (!v0) { w0 = 0; w1 = 0; w2 = 0; }
          if (!v1) { w3 = 0; w4 = 0; w5 = 0; }
          if (!v2) { w6 = 0; w7 = 0; w8 = 0; }
          bias = b0 - zp * (w0 + w1 + w2 + w3 + w4 + w5 + w6 + w7 + w8);
        }
        let ix = -pl;
        let x0 = zp, x1 = zp, x2 = zp;
        if (<u32>ix < <u32>W) {
          const o = <usize>ix * col;
          x0 = <i32>load<i8>(p0 + o); x1 = <i32>load<i8>(p1 + o); x2 = <i32>load<i8>(p2 + o);
        }
        let acc = bias + w0 * x0 + w3 * x1 + w6 * x2, nxt = 0;
        if (s1) {
          x0 = zp; x1 = zp; x2 = zp;
          if (<u32>(ix + 1) < <u32>W) {
            const o = <usize>(ix + 1) * col;
            x0 = <i32>load<i8>(p0 + o); x1 = <i32>load<i8>(p1 + o); x2 = <i32>load<i8>(p2 + o);
          }
          acc += w1 * x0 + w4 * x1 + w7 * x2;
          nxt = bias + w0 * x0 + w3 * x1 + w6 * x2;
        }
        let out = yImg + <usize>oy * rowOut + <usize>oc;
        for (let ox = 0; ox < OW; ox++) {
          if (ox == oxLo) {
            // Interior run: every column these pixels load is inside the row, so no padding checks.
            for (; ox < oxHi; ox++) {
              let o = <usize>(ix + 2) * col;
              if (!s1) {
                const q = o - col;
                acc += w1 * <i32>load<i8>(p0 + q) + w4 * <i32>load<i8>(p1 + q) + w7 * <i32>load<i8>(p2 + q);
              }
              x0 = <i32>load<i8>(p0 + o); x1 = <i32>load<i8>(p1 + o); x2 = <i32>load<i8>(p2 + o);
              let v = rqApply(acc + w2 * x0 + w5 * x1 + w8 * x2, left, mult, base, neg, rs) + outZp;
              const head = bias + w0 * x0 + w3 * x1 + w6 * x2;
              if (s1) {
                acc = nxt + w1 * x0 + w4 * x1 + w7 * x2;
                nxt = head;
              } else {
                acc = head;
              }
              v = v < amin ? amin : v;
              store<i8>(out, <i8>(v > amax ? amax : v));
              out += o1;
              ix += sw;
            }
            if (ox == OW) break;
          }
          if (!s1) {
            x0 = zp; x1 = zp; x2 = zp;
            if (<u32>(ix + 1) < <u32>W) {
              const o = <usize>(ix + 1) * col;
              x0 = <i32>load<i8>(p0 + o); x1 = <i32>load<i8>(p1 + o); x2 = <i32>load<i8>(p2 + o);
            }
            acc += w1 * x0 + w4 * x1 + w7 * x2;
          }
          x0 = zp; x1 = zp; x2 = zp;
          if (<u32>(ix + 2) < <u32>W) {
            const o = <usize>(ix + 2) * col;
            x0 = <i32>load<i8>(p0 + o); x1 = <i32>load<i8>(p1 + o); x2 = <i32>load<i8>(p2 + o);
          }
          let v = rqApply(acc + w2 * x0 + w5 * x1 + w8 * x2, left, mult, base, neg, rs) + outZp;
          const head = bias + w0 * x0 + w3 * x1 + w6 * x2;
          if (s1) {
            acc = nxt + w1 * x0 + w4 * x1 + w7 * x2;
            nxt = head;
          } else {
            acc = head;
          }
          v = v < amin ? amin : v;
          v = v > amax ? amax : v;
          store<i8>(out, <i8>v);
          out += o1;
          ix += sw;
        }
      }
    }
  }
  return true;
}
