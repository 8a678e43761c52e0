// softmax. f32 over any axis; s8 over the last axis with TFLite Micro's fixed-point arithmetic
// (gemmlowp exp_on_negative_values, 5 integer bits for the scaled diff, 12 for the sum).
import { opIn, opOut, opParam, opParamF, tdim, trank, tptr, tnumel } from '../state';
import { srdhmCall as srdhm, rdbpot, expOnNegativeValues, reciprocal, reciprocalBitsOverUnit } from '../fixedpoint';

export function softmax_f32(op: usize): void {
  const x = opIn(op, 0), y = opOut(op, 0);
  const axis = opParam(op, 0), beta = opParamF(op, 1);
  const r = trank(x);
  let outer = 1, inner = 1;
  for (let i = 0; i < axis; i++) outer *= tdim(x, i);
  for (let i = axis + 1; i < r; i++) inner *= tdim(x, i);
  const n = tdim(x, axis);
  const xp = tptr(x), yp = tptr(y);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let mx: f32 = -Infinity;
      for (let k = 0; k < n; k++) {
        const v = load<f32>(xp + (<usize>(base + k * inner) << 2));
        mx = v > mx ? v : mx;
      }
      let sum: f32 = 0;
      for (let k = 0; k < n; k++) {
        const p = <usize>(base + k * inner) << 2;
        const e = Mathf.exp((load<f32>(xp + p) - mx) * beta);
        store<f32>(yp + p, e);
        sum += e;
      }
      for (let k = 0; k < n; k++) {
        const p = yp + (<usize>(base + k * inner) << 2);
        store<f32>(p, load<f32>(p) / sum);
      }
    }
  }
}

/** MultiplyByQuantizedMultiplierGreaterThanOne. */
@inline function mulGreaterThanOne(x: i32, mult: i32, leftShift: i32): i32 {
  return srdhm(x * (1 << leftShift), mult);
}

export function softmax_s8(op: usize): void {
  const x = opIn(op, 0), y = opOut(op, 0);
  const mult = opParam(op, 1), leftShift = opParam(op, 2), diffMin = opParam(op, 3);
  const depth = tdim(x, trank(x) - 1);
  const rows = tnumel(x) / depth;
  const xp = tptr(x), yp = tptr(y);
  for (let row = 0; row < rows; row++) {
    const xr = xp + <usize>(row * depth), yr = yp + <usize>(row * depth);
    let mx = -128;
    for (let c = 0; c < depth; c++) {
      const v = <i32>load<i8>(xr + <usize>c);
      mx = v > mx ? v : mx;
    }
    let sumOfExps = 0; // Q12.19
    for (let c = 0; c < depth; c++) {
      const diff = <i32>load<i8>(xr + <usize>c) - mx;
      if (diff >= diffMin) {
        sumOfExps += rdbpot(expOnNegativeValues(mulGreaterThanOne(diff, mult, leftShift)), 12);
      }
    }
    const shiftedScale = reciprocal(sumOfExps, 12);
    const bitsOverUnit = reciprocalBitsOverUnit();
    for (let c = 0; c < depth; c++) {
      const diff = <i32>load<i8>(xr + <usize>c) - mx;
      let out = -128;
      if (diff >= diffMin) {
        const e = expOnNegativeValues(mulGreaterThanOne(diff, mult, leftShift));
        const unsat = rdbpot(srdhm(shiftedScale, e), bitsOverUnit + 31 - 8);
        out = unsat - 128;
        out = out < -128 ? -128 : out > 127 ? 127 : out;
      }
      store<i8>(yr + <usize>c, <i8>out);
    }
  }
}
