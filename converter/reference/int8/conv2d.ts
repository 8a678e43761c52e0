// conv2d, s8 (TFLite Micro reference_integer_ops::ConvPerChannel): NHWC s8 input, s8 weights
// [O,KH,KW,C/group] quantized per output channel (zero point 0), optional s32 bias [O], per-channel
// Q31 multiplier and shift (inputs 3 and 4). Taps in the padding are skipped (they are real zero).
//   acc = Σ w·(x − in_zp) (+ bias), int32 wrapping;  y = clamp(MBQM(acc, mult[o], shift[o]) + out_zp)
import type { Conv2dAttrs } from '../../ir/graph.js';
import { multiplyByQuantizedMultiplier } from '../fixedpoint.js';
import { conv2dOutputShape } from '../float/conv2d.js';
import type { RefKernel } from '../types.js';
import { perChannelRequant, requireS8 } from './common.js';

export const conv2d_s8_ref: RefKernel = (node, inputs, outputs) => {
  const x = requireS8(node, inputs, 0, 'x');
  const w = requireS8(node, inputs, 1, 'weights');
  const [[n, oh, ow, o]] = conv2dOutputShape(node, [x.shape, w.shape]);
  const { bias, mult, shift, inZp, outZp, lo, hi } = perChannelRequant(node, inputs, outputs, x, o);
  const a = node.attrs as Conv2dAttrs;
  const [, h, wd, c] = x.shape;
  const [, kh, kw, cg] = w.shape;
  const [sh, sw] = a.strides;
  const [dh, dw] = a.dilations;
  const [pt, pl] = a.pads;
  const og = o / a.group;
  const xd = x.data;
  const wdata = w.data;
  const out = new Int8Array(n * oh * ow * o);
  // Gather each receptive field once as (x − in_zp), with 0 for padded taps (TFLM skips them, which
  // adds the same nothing), then take one contiguous dot product per output channel. Integer sums
  // are exact in float64 here (|terms| < 2^15, far fewer than 2^38 of them), and | 0 at the end
  // wraps them to int32 exactly as TFLM's int32 accumulator does.
  const groups = a.group;
  const patchLen = kh * kw * cg;
  const patch = new Int32Array(patchLen * groups);
  let p = 0;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        for (let gi = 0; gi < groups; gi++) {
          let k = gi * patchLen;
          for (let ky = 0; ky < kh; ky++) {
            const iy = y * sh - pt + ky * dh;
            for (let kx = 0; kx < kw; kx++) {
              const ix = xo * sw - pl + kx * dw;
              if (iy < 0 || iy >= h || ix < 0 || ix >= wd) {
                for (let ci = 0; ci < cg; ci++) patch[k++] = 0;
              } else {
                const xBase = ((b * h + iy) * wd + ix) * c + gi * cg;
                for (let ci = 0; ci < cg; ci++) patch[k++] = xd[xBase + ci] - inZp;
              }
            }
          }
        }
        for (let oc = 0; oc < o; oc++) {
          const pBase = Math.floor(oc / og) * patchLen;
          const wBase = oc * patchLen;
          let acc = 0;
          for (let i = 0; i < patchLen; i++) acc += wdata[wBase + i] * patch[pBase + i];
          acc |= 0;
          if (bias) acc = (acc + bias.data[oc]) | 0;
          let v = multiplyByQuantizedMultiplier(acc, mult[oc], shift[oc]) + outZp;
          v = v < lo ? lo : v > hi ? hi : v;
          out[p++] = v;
        }
      }
    }
  }
  return [out];
};
