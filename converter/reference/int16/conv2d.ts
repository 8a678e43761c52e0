// conv2d, 16x8 (TFLite Micro reference_integer_ops::ConvPerChannel<int64_t>): NHWC s16 input
// (zero point 0), s8 weights [O,KH,KW,C/group] per output channel, optional bias [O] (TFLite
// stores int64; prepareInt16 narrows it to s32 when every value fits, the arithmetic is the same),
// per-channel Q31 multiplier and shift (inputs 3 and 4). The accumulator is int64:
//   acc = Σ w·x (+ bias);  y = clamp(MBQM64(acc, mult[o], shift[o]), act_min, act_max)
// with TFLM's int64 MultiplyByQuantizedMultiplier (multiplier rounded to 16 bits, one rounding).
// JS doubles hold the sums exactly: |w·x| < 2^22 and far fewer than 2^30 taps, and MBQM64's
// product stays below 2^53 for every accumulator that fits TFLM's own int32 result.
import type { Conv2dAttrs, Node } from '../../ir/graph.js';
import { conv2dOutputShape } from '../float/conv2d.js';
import { kernelError } from '../tensor-util.js';
import type { RefKernel, RefValue } from '../types.js';
import { forEachConvSum } from '../conv-sums.js';
import { checkMultiplier, perTensorQuant, requireS32, requireS8 } from '../int8/common.js';
import { actBounds16, requireS16, requireS16Output } from './common.js';

/**
 * TFLite MultiplyByQuantizedMultiplier(int64_t x, int32_t multiplier, int shift): the Q31
 * multiplier is reduced to Q15 (rounded), then one rounding shift by 15 - shift.
 */
export function multiplyByQuantizedMultiplier64(x: number, multiplier: number, shift: number): number {
  const reduced = multiplier < 0x7fff0000 ? Math.floor((multiplier + 32768) / 65536) : 0x7fff;
  const totalShift = 15 - shift;
  const product = x * reduced;
  if (!Number.isSafeInteger(product)) throw new Error(`multiplyByQuantizedMultiplier64: ${x} * ${reduced} exceeds 2^53`);
  // floor((x·m + 2^(s-1)) / 2^s): an arithmetic right shift of the rounded product.
  return Math.floor((product + 2 ** (totalShift - 1)) / 2 ** totalShift);
}

/** Bias values (s32 or i64) as numbers, or undefined when absent. */
export function biasValues(node: Node, inputs: (RefValue | undefined)[], i: number, length: number): number[] | undefined {
  const b = inputs[i];
  if (!b) return undefined;
  if (!(b.data instanceof Int32Array) && !(b.data instanceof BigInt64Array)) throw kernelError(node, `input ${i} (bias) must be s32 or i64, got ${b.dtype}`);
  if (b.data.length !== length) throw kernelError(node, `input ${i} (bias) has ${b.data.length} values, expected ${length}`);
  return Array.from(b.data as ArrayLike<number | bigint>, (v) => Number(v));
}

export const conv2d_s16_ref: RefKernel = (node, inputs, outputs) => {
  const x = requireS16(node, inputs, 0, 'x');
  const w = requireS8(node, inputs, 1, 'weights');
  const [[n, oh, ow, o]] = conv2dOutputShape(node, [x.shape, w.shape]);
  const bias = biasValues(node, inputs, 2, o);
  const mult = requireS32(node, inputs, 3, 'multiplier', o).data;
  const shift = requireS32(node, inputs, 4, 'shift', o).data;
  for (let c = 0; c < o; c++) {
    checkMultiplier(node, mult[c], shift[c], `channel ${c}`);
    if (shift[c] > 14) throw kernelError(node, `channel ${c}: shift ${shift[c]} too large for the 16x8 requantization`);
  }
  if (perTensorQuant(node, x.quant, 'input x').zeroPoint !== 0) throw kernelError(node, 'an int16 input must have zero point 0');
  if (perTensorQuant(node, requireS16Output(node, outputs).quant, 'output').zeroPoint !== 0) throw kernelError(node, 'an int16 output must have zero point 0');
  const [lo, hi] = actBounds16(node);
  const out = new Int16Array(n * oh * ow * o);
  let p = 0;
  // The int64 accumulator: the exact sum, no wrapping.
  forEachConvSum(x, 0, w, node.attrs as Conv2dAttrs, [n, oh, ow, o], (sum, oc) => {
    const v = multiplyByQuantizedMultiplier64(bias ? sum + bias[oc] : sum, mult[oc], shift[oc]);
    out[p++] = v < lo ? lo : v > hi ? hi : v;
  });
  return [out];
};
