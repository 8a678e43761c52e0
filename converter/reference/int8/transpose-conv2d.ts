// transpose_conv2d, s8 (TFLite Micro reference_integer_ops::TransposeConv): NHWC s8 input, s8 weights
// [O,KH,KW,C] quantized per output channel (zero point 0), optional s32 bias [O], per-channel
// multiplier and shift (inputs 3 and 4). Every input pixel scatters (x − in_zp)·w into an int32
// buffer of the output's size; then per output element
//   y = clamp(MBQM(acc + bias[o], mult[o], shift[o]) + out_zp, act_min, act_max)
import { multiplyByQuantizedMultiplier } from '../fixedpoint.js';
import { forEachTransposeTap, transposeConv2dOutputShape } from '../float/transpose-conv2d.js';
import type { RefKernel } from '../types.js';
import { perChannelRequant, requireS8 } from './common.js';

export const transpose_conv2d_s8_ref: RefKernel = (node, inputs, outputs) => {
  const x = requireS8(node, inputs, 0, 'x');
  const w = requireS8(node, inputs, 1, 'weights');
  const [shape] = transposeConv2dOutputShape(node, [x.shape, w.shape]);
  const o = shape[3];
  const { bias, mult, shift, inZp, outZp, lo, hi } = perChannelRequant(node, inputs, outputs, x, o);
  // The scratch buffer: | 0 after each product wraps as TFLM's int32 accumulator does.
  const acc = new Int32Array(shape.reduce((p, d) => p * d, 1));
  forEachTransposeTap(node, x.shape, w.shape, (oi, xi, wi) => {
    acc[oi] = (acc[oi] + (x.data[xi] - inZp) * w.data[wi]) | 0;
  });
  const out = new Int8Array(acc.length);
  for (let i = 0; i < acc.length; i++) {
    const oc = i % o;
    const v = multiplyByQuantizedMultiplier(bias ? (acc[i] + bias.data[oc]) | 0 : acc[i], mult[oc], shift[oc]) + outZp;
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return [out];
};
