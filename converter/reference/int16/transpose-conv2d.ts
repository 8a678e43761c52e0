// transpose_conv2d, 16x8 (TFLite Micro reference_integer_ops::TransposeConv, int16 input, int64
// scratch accumulator): every product scattered into an int64 buffer, then per output
//   y = clamp(MBQM64(acc + bias[o], mult[o], shift[o]), act_min, act_max)
// with the same int64 MultiplyByQuantizedMultiplier as the 16x8 conv. Inputs as conv2d after
// prepareInt16: x, weights [O,KH,KW,C] (s8 per channel), bias?, mult[O], shift[O].
import { transposeConv2dOutputShape, forEachTransposeTap } from '../float/transpose-conv2d.js';
import { kernelError } from '../tensor-util.js';
import type { RefKernel } from '../types.js';
import { checkMultiplier, perTensorQuant, requireS32, requireS8 } from '../int8/common.js';
import { actBounds16, requireS16, requireS16Output } from './common.js';
import { biasValues, multiplyByQuantizedMultiplier64 } from './conv2d.js';

export const transpose_conv2d_s16_ref: RefKernel = (node, inputs, outputs) => {
  const x = requireS16(node, inputs, 0, 'x');
  const w = requireS8(node, inputs, 1, 'weights');
  const [shape] = transposeConv2dOutputShape(node, [x.shape, w.shape]);
  const o = shape[3];
  const bias = biasValues(node, inputs, 2, o);
  const mult = requireS32(node, inputs, 3, 'multiplier', o).data;
  const shift = requireS32(node, inputs, 4, 'shift', o).data;
  for (let c = 0; c < o; c++) checkMultiplier(node, mult[c], shift[c], `channel ${c}`);
  if (perTensorQuant(node, x.quant, 'input x').zeroPoint !== 0) throw kernelError(node, 'an int16 input must have zero point 0');
  if (perTensorQuant(node, requireS16Output(node, outputs).quant, 'output').zeroPoint !== 0) throw kernelError(node, 'an int16 output must have zero point 0');
  const [lo, hi] = actBounds16(node);
  // Sums are exact in float64: |x·w| < 2^22 and far fewer than 2^30 contributions per output.
  const acc = new Float64Array(shape.reduce((p, d) => p * d, 1));
  forEachTransposeTap(node, x.shape, w.shape, (oi, xi, wi) => {
    acc[oi] += x.data[xi] * w.data[wi];
  });
  const out = new Int16Array(acc.length);
  for (let i = 0; i < acc.length; i++) {
    const oc = i % o;
    let v = multiplyByQuantizedMultiplier64(acc[i] + (bias ? bias[oc] : 0), mult[oc], shift[oc]);
    v = v < lo ? lo : v > hi ? hi : v;
    out[i] = v;
  }
  return [out];
};
