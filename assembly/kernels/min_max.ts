// The max/min family, f32 and s8, cold code (plain loops, one function per pair of ops):
// maximum / minimum (elementwise, numpy broadcasting), TFLite's rule y = a > b ? a : b (minimum:
// a < b ? a : b), arg_max / arg_min along one axis, reduce_max / reduce_min over a set of axes.
// The s8 forms compare raw codes: validation made the operands of maximum / minimum and
// reduce_max / reduce_min share the output's scale and zero point.
import { opIn, opOut, opParam, tdim, tnumel, tptr } from '../state';
import { trank } from '../state_cold';
import { setup as reduceSetup, step as reduceStep, redDims, redCounter, outDims, outCounter } from './mean';
import { broadcastSetup, broadcastStart, broadcastNext, rowLen, rowStrideA, rowStrideB, offA, offB } from '../broadcast';

export function maximum_minimum(op: usize, isMax: bool, isF32: bool): void {
  const a = opIn(op, 0), b = opIn(op, 1), y = opOut(op, 0);
  const lg: usize = isF32 ? 2 : 0; // log2 of the element size
  const ap = tptr(a), bp = tptr(b);
  let yp = tptr(y);
  const rows = broadcastSetup(a, b, y, trank(y), true);
  const n = rowLen, sa = <usize>rowStrideA << lg, sb = <usize>rowStrideB << lg;
  broadcastStart();
  for (let r = 0; r < rows; r++) {
    let pa = ap + (<usize>offA << lg), pb = bp + (<usize>offB << lg);
    for (let i = 0; i < n; i++) {
      // y may alias a (in place): both operands are read before y is written.
      if (isF32) {
        const u = load<f32>(pa), v = load<f32>(pb);
        store<f32>(yp, (isMax ? u > v : u < v) ? u : v);
      } else {
        const u = load<i8>(pa), v = load<i8>(pb);
        store<i8>(yp, (isMax ? u > v : u < v) ? u : v);
      }
      yp += <usize>1 << lg;
      pa += sa;
      pb += sb;
    }
    broadcastNext();
  }
}

/**
 * arg_max / arg_min along param 0 (axis) into s32: per (outer, inner) position the index of the
 * largest (smallest) element, the first on ties, or with param 1 (mode) = 1 the last. A candidate
 * replaces the extreme only when strictly greater (smaller), or equal in mode 1 (so a NaN never
 * does). s8 compares raw codes. y never aliases x (the planner gives s32 outputs their own bytes).
 */
export function arg_max_min(op: usize, isMax: bool, isF32: bool): void {
  const x = opIn(op, 0), y = opOut(op, 0);
  const axis = opParam(op, 0), last = opParam(op, 1) != 0;
  const r = trank(x);
  const n = tdim(x, axis);
  let outer = 1, inner = 1;
  for (let i = 0; i < axis; i++) outer *= tdim(x, i);
  for (let i = axis + 1; i < r; i++) inner *= tdim(x, i);
  const lg: usize = isF32 ? 2 : 0;
  const xp = tptr(x);
  let yp = tptr(y);
  const step = <usize>inner << lg;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let p = xp + ((<usize>o * <usize>n * <usize>inner + <usize>i) << lg);
      // Both dtypes compare as f32 (every int8 code is exact in f32).
      let best: f32 = isF32 ? load<f32>(p) : <f32>load<i8>(p);
      let at = 0;
      for (let k = 1; k < n; k++) {
        p += step;
        const c: f32 = isF32 ? load<f32>(p) : <f32>load<i8>(p);
        if (isMax ? (last ? c >= best : c > best) : (last ? c <= best : c < best)) { best = c; at = k; }
      }
      store<i32>(yp, at);
      yp += 4;
    }
  }
}

/**
 * reduce_max / reduce_min over the axes in param 0 (axes_mask; reduced dims kept as 1), mean's
 * walk: the extreme from -inf (+inf) for f32, -128 (127) for s8, replaced only by a strictly larger
 * (smaller) element (TFLite Micro's rule), so an empty reduction writes the start and a NaN never
 * wins. s8 compares raw codes (validation made x and y share one scale and zero point).
 */
export function reduce_max_min(op: usize, isMax: bool, isF32: bool): void {
  const x = opIn(op, 0), y = opOut(op, 0);
  const r = trank(x);
  const count = reduceSetup(x, opParam(op, 0));
  const lg: usize = isF32 ? 2 : 0;
  const xp = tptr(x), yp = tptr(y), ny = tnumel(y);
  const start: f32 = isF32 ? (isMax ? -Infinity : Infinity) : (isMax ? -128 : 127);
  let base = 0;
  for (let o = 0; o < ny; o++) {
    let acc = start;
    let off = base;
    for (let k = 0; k < count; k++) {
      // Both dtypes compare as f32 (every int8 code is exact in f32).
      const v: f32 = isF32 ? load<f32>(xp + (<usize>off << 2)) : <f32>load<i8>(xp + <usize>off);
      if (isMax ? v > acc : v < acc) acc = v;
      off += reduceStep(redDims, redCounter, r);
    }
    if (isF32) store<f32>(yp + (<usize>o << 2), acc);
    else store<i8>(yp + <usize>o, <i8><i32>acc);
    base += reduceStep(outDims, outCounter, r);
  }
}
