// log_softmax, s8 → s8 over the last axis: TFLite Micro's int8 LOG_SOFTMAX (reference_ops::
// LogSoftmaxQuantized, the same arithmetic as desktop TFLite's reference_integer_ops::LogSoftmax).
// Per row: differences to the row max are rescaled into Q5.26 (input_multiplier, input_left_shift);
// those at or above diff_min add exp(diff) (gemmlowp exp_on_negative_values, rounded to Q12.19) to
// the sum; ln(sum) comes from log_x_for_x_greater_than_or_equal_to_1 in Q5.26. An output is
// (diff_q5 − ln sum) rounded to Q4 (4 integer bits: scale 16/256) + 127, saturated, where diff lies
// above adjusted_diff_min = max(diff_min − 1, the diff whose Q5.26 value minus ln sum would pass
// INT32_MIN, through the reverse scaling); at or below it the output is −128.
import { INT32_MIN, logXForXGreaterThanOrEqualTo1, multiplyByQuantizedMultiplier, roundingDivideByPOT } from '../fixedpoint.js';
import { kernelError } from '../tensor-util.js';
import type { RefKernel } from '../types.js';
import { int8Param, requireS8 } from './common.js';
import { rowMax, sumOfExpsQ12 } from './softmax.js';

const INPUT_INTEGER_BITS = 5;
const ACCUMULATION_INTEGER_BITS = 12;
const OUTPUT_INTEGER_BITS = 4;
const OUTPUT_ZERO_POINT = 127;

export const log_softmax_s8_ref: RefKernel = (node, inputs) => {
  const x = requireS8(node, inputs, 0, 'x');
  const rank = x.shape.length;
  if (rank < 1) throw kernelError(node, 'input must have rank >= 1');
  const inputMultiplier = int8Param(node, 'inputMultiplier');
  const inputLeftShift = int8Param(node, 'inputLeftShift');
  const reverseDivisor = int8Param(node, 'reverseScalingDivisor');
  const reverseRightShift = int8Param(node, 'reverseScalingRightShift');
  const diffMin = int8Param(node, 'diffMin');
  if (inputLeftShift < 0 || inputLeftShift > 31) throw kernelError(node, `input_left_shift ${inputLeftShift} must be in 0..31`);
  if (reverseRightShift < 0 || reverseRightShift > 31) throw kernelError(node, `reverse_scaling_right_shift ${reverseRightShift} must be in 0..31`);
  const depth = x.shape[rank - 1];
  const outer = depth === 0 ? 0 : x.data.length / depth;
  const xd = x.data;
  const out = new Int8Array(xd.length);
  const toQ5 = (diff: number) => multiplyByQuantizedMultiplier(diff, inputMultiplier, inputLeftShift);
  for (let i = 0; i < outer; i++) {
    const row = i * depth;
    const maxInRow = rowMax(xd, row, depth);
    const sumOfExps = sumOfExpsQ12(xd, row, depth, maxInRow, inputMultiplier, inputLeftShift, diffMin); // Q12.19
    const logSum = logXForXGreaterThanOrEqualTo1(sumOfExps, INPUT_INTEGER_BITS, ACCUMULATION_INTEGER_BITS); // Q5.26
    const shiftedLogSum = (logSum + INT32_MIN) | 0;
    const adjustedDiffMin = Math.max(diffMin - 1, multiplyByQuantizedMultiplier(shiftedLogSum, reverseDivisor, -reverseRightShift));
    for (let c = 0; c < depth; c++) {
      const diff = xd[row + c] - maxInRow;
      if (diff > adjustedDiffMin) {
        const v = roundingDivideByPOT((toQ5(diff) - logSum) | 0, 31 - INPUT_INTEGER_BITS - OUTPUT_INTEGER_BITS) + OUTPUT_ZERO_POINT;
        out[row + c] = v > 127 ? 127 : v < -128 ? -128 : v;
      } else {
        out[row + c] = -128;
      }
    }
  }
  return [out];
};
