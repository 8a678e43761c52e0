// reduce_sum over the axes in axes_mask (reduced dims kept as 1), on mean's walk (mean.ts setup /
// step). f32: summed in f32 in input order. s8: TFLite Micro's SUM (reference_ops
// QuantizedMeanOrSum with compute_sum): the int32 sum of the raw values, then
// y = MBQM(sum − zp_in·n, mult, shift) + zp_out, saturated (mult, shift: in_scale / out_scale;
// no 1/n folded in, unlike mean).
import { opIn, opOut, opParam, tptr, tnumel } from '../state';
import { trank, tzp } from '../state_cold';
import { mbqmCall as mbqm, clampi } from '../fixedpoint';
import { setup, step, redDims, redCounter, outDims, outCounter } from './mean';

export function reduce_sum(op: usize, isF32: bool): void {
  const x = opIn(op, 0), y = opOut(op, 0);
  const r = trank(x);
  const count = setup(x, opParam(op, 0));
  const xp = tptr(x), yp = tptr(y), ny = tnumel(y);
  const inZp = isF32 ? 0 : tzp(x), outZp = isF32 ? 0 : tzp(y);
  let base = 0;
  for (let o = 0; o < ny; o++) {
    let off = base;
    if (isF32) {
      let acc: f32 = 0;
      for (let k = 0; k < count; k++) {
        acc += load<f32>(xp + (<usize>off << 2));
        off += step(redDims, redCounter, r);
      }
      store<f32>(yp + (<usize>o << 2), acc);
    } else {
      let acc = 0;
      for (let k = 0; k < count; k++) {
        acc += <i32>load<i8>(xp + <usize>off);
        off += step(redDims, redCounter, r);
      }
      acc = mbqm(acc - inZp * count, opParam(op, 1), opParam(op, 2)) + outZp;
      store<i8>(yp + <usize>o, <i8>clampi(acc, -128, 127));
    }
    base += step(outDims, outCounter, r);
  }
}
