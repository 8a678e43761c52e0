// log_softmax, s8 over the last axis: TFLite Micro's int8 LOG_SOFTMAX (reference_ops::
// LogSoftmaxQuantized). Differences to the row max are rescaled into Q5.26; those at or above
// diff_min add their gemmlowp exp (rounded to Q12.19) to the sum; an output is (diff − ln sum)
// rounded to Q4 + 127 where diff lies above adjusted_diff_min (the reverse scaling keeps diff − ln
// sum inside i32), else −128. Output scale 16/256, zero point 127.
import { LOG_SOFTMAX_OUTPUT_ZERO_POINT } from '../../format/format';
import { opIn, opOut, opParam, tdim, trank, tptr, tnumel } from '../state';
import { srdhmCall as srdhm, rdbpot, expOnNegativeValues, logQ12ToQ5 } from '../fixedpoint';

/** A diff rescaled into Q5.26: MultiplyByQuantizedMultiplier with a left shift. */
@inline function toQ5(diff: i32, mult: i32, leftShift: i32): i32 {
  return srdhm(diff * (1 << leftShift), mult);
}

export function log_softmax_s8(op: usize): void {
  const x = opIn(op, 0), y = opOut(op, 0);
  const mult = opParam(op, 0), leftShift = opParam(op, 1);
  const reverseMult = opParam(op, 2), reverseShift = opParam(op, 3), diffMin = opParam(op, 4);
  const depth = tdim(x, trank(x) - 1);
  const rows = tnumel(x) / depth;
  const xp = tptr(x), yp = tptr(y);
  for (let row = 0; row < rows; row++) {
    const xr = xp + <usize>(row * depth), yr = yp + <usize>(row * depth);
    // The row max and the sum of exps as softmax_s8 computes them (written out again here: sharing
    // them would change the code softmax_s8 compiles to, and with it every per-model build).
    let mx = -128;
    for (let c = 0; c < depth; c++) {
      const v = <i32>load<i8>(xr + <usize>c);
      mx = v > mx ? v : mx;
    }
    let sumOfExps = 0; // Q12.19
    for (let c = 0; c < depth; c++) {
      const diff = <i32>load<i8>(xr + <usize>c) - mx;
      if (diff >= diffMin) sumOfExps += rdbpot(expOnNegativeValues(toQ5(diff, mult, leftShift)), 12);
    }
    const logSum = logQ12ToQ5(sumOfExps); // Q5.26
    const reverse = rdbpot(srdhm(logSum + i32.MIN_VALUE, reverseMult), reverseShift);
    const adjustedDiffMin = reverse > diffMin - 1 ? reverse : diffMin - 1;
    for (let c = 0; c < depth; c++) {
      const diff = <i32>load<i8>(xr + <usize>c) - mx;
      let out = -128;
      if (diff > adjustedDiffMin) {
        // Q5.26 → Q4 (31 − 5 − 4 = 22 bits).
        out = rdbpot(toQ5(diff, mult, leftShift) - logSum, 22) + LOG_SOFTMAX_OUTPUT_ZERO_POINT;
        out = out < -128 ? -128 : out > 127 ? 127 : out;
      }
      store<i8>(yr + <usize>c, <i8>out);
    }
  }
}
