// softmax, s8 → s8 (TFLite Micro reference_ops::Softmax, int8 in and out), over the last axis.
// Differences to the row max are rescaled by beta·in_scale into Q5.26 (input_multiplier,
// input_left_shift), differences below diff_min are dropped (their exp is 0), exp runs in gemmlowp
// fixed point, the sum in Q12.19, and 1/sum via one_over_one_plus_x. Output scale 1/256, zero point −128.
import type { SoftmaxAttrs } from '../../ir/graph.js';
import {
  expOnNegativeValues, getReciprocal, multiplyByQuantizedMultiplierGreaterThanOne, roundingDivideByPOT,
  saturatingRoundingMultiplyByPOT, srdhm,
} from '../fixedpoint.js';
import { kernelError, normalizeAxis } from '../tensor-util.js';
import type { RefKernel } from '../types.js';
import { int8Param, requireS8 } from './common.js';

const SCALED_DIFF_INTEGER_BITS = 5;
const ACCUMULATION_INTEGER_BITS = 12;

/** The largest code of xd[row .. row + depth). */
export function rowMax(xd: Int8Array, row: number, depth: number): number {
  let m = -128;
  for (let c = 0; c < depth; c++) m = Math.max(m, xd[row + c]);
  return m;
}

/** TFLM's Q12.19 sum of exp over the row's diffs to its max at or above diffMin, each rescaled into
 * Q5.26 (MultiplyByQuantizedMultiplier with a left shift) — softmax and log_softmax. */
export function sumOfExpsQ12(xd: Int8Array, row: number, depth: number, maxInRow: number, multiplier: number, leftShift: number, diffMin: number): number {
  let sum = 0;
  for (let c = 0; c < depth; c++) {
    const diff = xd[row + c] - maxInRow;
    if (diff >= diffMin) {
      const e = expOnNegativeValues(multiplyByQuantizedMultiplierGreaterThanOne(diff, multiplier, leftShift), SCALED_DIFF_INTEGER_BITS);
      sum = (sum + saturatingRoundingMultiplyByPOT(e, -ACCUMULATION_INTEGER_BITS)) | 0;
    }
  }
  return sum;
}

export const softmax_s8_ref: RefKernel = (node, inputs) => {
  const x = requireS8(node, inputs, 0, 'x');
  const rank = x.shape.length;
  if (rank < 1) throw kernelError(node, 'input must have rank >= 1');
  const axis = normalizeAxis(node, (node.attrs as SoftmaxAttrs).axis, rank);
  if (axis !== rank - 1) throw kernelError(node, `int8 softmax runs over the last axis only (axis ${axis} of rank ${rank})`);
  const inputMultiplier = int8Param(node, 'inputMultiplier');
  const inputLeftShift = int8Param(node, 'inputLeftShift');
  const diffMin = int8Param(node, 'diffMin');
  if (inputLeftShift < 0 || inputLeftShift > 31) throw kernelError(node, `input_left_shift ${inputLeftShift} must be in 0..31`);
  const depth = x.shape[rank - 1];
  const outer = depth === 0 ? 0 : x.data.length / depth;
  const xd = x.data;
  const out = new Int8Array(xd.length);
  for (let i = 0; i < outer; i++) {
    const row = i * depth;
    const maxInRow = rowMax(xd, row, depth);
    const sumOfExps = sumOfExpsQ12(xd, row, depth, maxInRow, inputMultiplier, inputLeftShift, diffMin); // Q12.19
    const { reciprocal, numBitsOverUnit } = getReciprocal(sumOfExps, ACCUMULATION_INTEGER_BITS);
    const exponent = numBitsOverUnit + 31 - 8;
    if (exponent < 0 || exponent > 31) throw kernelError(node, `internal: reciprocal exponent ${exponent} out of 0..31`);
    for (let c = 0; c < depth; c++) {
      const diff = xd[row + c] - maxInRow;
      if (diff >= diffMin) {
        const scaled = multiplyByQuantizedMultiplierGreaterThanOne(diff, inputMultiplier, inputLeftShift);
        const e = expOnNegativeValues(scaled, SCALED_DIFF_INTEGER_BITS);
        const unsat = roundingDivideByPOT(srdhm(reciprocal, e), exponent);
        const v = unsat - 128;
        out[row + c] = v > 127 ? 127 : v < -128 ? -128 : v;
      } else {
        out[row + c] = -128;
      }
    }
  }
  return [out];
};
