// maximum / minimum (elementwise, numpy broadcasting), f32 and s8, TFLite's rule: y = a > b ? a : b
// (minimum: a < b ? a : b). The s8 form compares the raw codes: validation made a, b and y share
// one scale and zero point. Cold code: one plain loop for both ops and both dtypes.
import { opIn, opOut, tptr } from '../state';
import { trank } from '../state_cold';
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
