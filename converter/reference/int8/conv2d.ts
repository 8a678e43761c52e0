// conv2d, s8 (TFLite Micro reference_integer_ops::ConvPerChannel): NHWC s8 input, s8 weights
// [O,KH,KW,C/group] quantized per output channel (zero point 0), optional s32 bias [O], per-channel
// Q31 multiplier and shift (inputs 3 and 4). Taps in the padding are skipped (they are real zero).
//   acc = Σ w·(x − in_zp) (+ bias), int32 wrapping;  y = clamp(MBQM(acc, mult[o], shift[o]) + out_zp)
import type { Conv2dAttrs } from '../../ir/graph.js';
import { multiplyByQuantizedMultiplier } from '../fixedpoint.js';
import { conv2dOutputShape } from '../float/conv2d.js';
import type { RefKernel } from '../types.js';
import { forEachConvSum } from '../conv-sums.js';
import { perChannelRequant, requireS8 } from './common.js';

export const conv2d_s8_ref: RefKernel = (node, inputs, outputs) => {
  const x = requireS8(node, inputs, 0, 'x');
  const w = requireS8(node, inputs, 1, 'weights');
  const [[n, oh, ow, o]] = conv2dOutputShape(node, [x.shape, w.shape]);
  const { bias, mult, shift, inZp, outZp, lo, hi } = perChannelRequant(node, inputs, outputs, x, o);
  const out = new Int8Array(n * oh * ow * o);
  let p = 0;
  forEachConvSum(x, inZp, w, node.attrs as Conv2dAttrs, [n, oh, ow, o], (sum, oc) => {
    // | 0 wraps the exact sum to int32 as TFLM's int32 accumulator does.
    let acc = sum | 0;
    if (bias) acc = (acc + bias.data[oc]) | 0;
    const v = multiplyByQuantizedMultiplier(acc, mult[oc], shift[oc]) + outZp;
    out[p++] = v < lo ? lo : v > hi ? hi : v;
  });
  return [out];
};
