// depthwise_conv2d, s8 (TFLite Micro reference_integer_ops::DepthwiseConvPerChannel): NHWC s8
// input, s8 weights [KH,KW,C*M] quantized per output channel (last axis), optional s32 bias [C*M],
// per-channel Q31 multiplier and shift (inputs 3 and 4). Output channel oc = ic·M + m.
import type { DepthwiseConv2dAttrs } from '../../ir/graph.js';
import { multiplyByQuantizedMultiplier } from '../fixedpoint.js';
import { depthwiseConv2dOutputShape } from '../float/depthwise-conv2d.js';
import type { RefKernel } from '../types.js';
import { perChannelRequant, requireS8 } from './common.js';

export const depthwise_conv2d_s8_ref: RefKernel = (node, inputs, outputs) => {
  const x = requireS8(node, inputs, 0, 'x');
  const w = requireS8(node, inputs, 1, 'weights');
  const [[n, oh, ow, o]] = depthwiseConv2dOutputShape(node, [x.shape, w.shape]);
  const { bias, mult, shift, inZp, outZp, lo, hi } = perChannelRequant(node, inputs, outputs, x, o);
  const a = node.attrs as DepthwiseConv2dAttrs;
  const [, h, wd, c] = x.shape;
  const [kh, kw] = w.shape;
  const m = a.depthMultiplier;
  const [sh, sw] = a.strides;
  const [dh, dw] = a.dilations;
  const [pt, pl] = a.pads;
  const xd = x.data;
  const wdata = w.data;
  const out = new Int8Array(n * oh * ow * o);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        for (let ic = 0; ic < c; ic++) {
          for (let mi = 0; mi < m; mi++) {
            const oc = ic * m + mi;
            let acc = 0;
            for (let ky = 0; ky < kh; ky++) {
              const iy = y * sh - pt + ky * dh;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = xo * sw - pl + kx * dw;
                if (ix < 0 || ix >= wd) continue;
                const xv = xd[((b * h + iy) * wd + ix) * c + ic];
                acc = (acc + wdata[(ky * kw + kx) * o + oc] * (xv - inZp)) | 0;
              }
            }
            if (bias) acc = (acc + bias.data[oc]) | 0;
            let v = multiplyByQuantizedMultiplier(acc, mult[oc], shift[oc]) + outZp;
            v = v < lo ? lo : v > hi ? hi : v;
            out[((b * oh + y) * ow + xo) * o + oc] = v;
          }
        }
      }
    }
  }
  return [out];
};
