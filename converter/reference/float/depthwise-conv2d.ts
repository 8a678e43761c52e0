// depthwise_conv2d, f32: NHWC input [N,H,W,C], weights [KH,KW,C*M], optional bias [C*M]. Output
// channel c*M+m reads input channel c only (TFLite's layout). Zero padding, fused activation clamp,
// float64 accumulation rounded to f32 at the output.
import type { DepthwiseConv2dAttrs, Node } from '../../ir/graph.js';
import type { RefKernel } from '../types.js';
import {
  type ShapeFn, activationBounds, clampTo, inputShape, kernelError, optionalF32, requireF32, windowOutputSize,
} from '../tensor-util.js';

export const depthwiseConv2dOutputShape: ShapeFn = (node, shapes) => {
  const x = inputShape(node, shapes, 0, 'x');
  const w = inputShape(node, shapes, 1, 'weights');
  if (x.length !== 4) throw kernelError(node, `x must be NHWC (rank 4), got [${x}]`);
  if (w.length !== 3) throw kernelError(node, `weights must be [KH,KW,C*M], got [${w}]`);
  const a = (node as Node<'depthwise_conv2d'>).attrs;
  const m = a.depthMultiplier;
  if (!Number.isInteger(m) || m < 1) throw kernelError(node, `depthMultiplier ${m} must be an integer >= 1`);
  const [n, h, wd, c] = x;
  const [kh, kw, cm] = w;
  if (cm !== c * m) throw kernelError(node, `weights [${w}] have ${cm} channels, expected C*M = ${c}*${m} = ${c * m}`);
  const oh = windowOutputSize(node, 'height', h, kh, a.strides[0], a.dilations[0], a.pads[0], a.pads[2]);
  const ow = windowOutputSize(node, 'width', wd, kw, a.strides[1], a.dilations[1], a.pads[1], a.pads[3]);
  return [[n, oh, ow, cm]];
};

export const depthwise_conv2d_f32_ref: RefKernel = (node, inputs) => {
  const x = requireF32(node, inputs, 0, 'x');
  const w = requireF32(node, inputs, 1, 'weights');
  const bias = optionalF32(node, inputs, 2, 'bias');
  const [[, oh, ow, cm]] = depthwiseConv2dOutputShape(node, [x.shape, w.shape]);
  if (bias && bias.data.length !== cm) throw kernelError(node, `bias has ${bias.data.length} values, expected ${cm}`);
  const a = node.attrs as DepthwiseConv2dAttrs;
  const [n, h, wd, c] = x.shape;
  const [kh, kw] = w.shape;
  const m = a.depthMultiplier;
  const [sh, sw] = a.strides;
  const [dh, dw] = a.dilations;
  const [pt, pl] = a.pads;
  const [lo, hi] = activationBounds(a.activation);
  const xd = x.data;
  const wdata = w.data;
  const out = new Float32Array(n * oh * ow * cm);
  let p = 0;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        for (let oc = 0; oc < cm; oc++) {
          const ic = Math.floor(oc / m);
          let acc = bias ? bias.data[oc] : 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = y * sh - pt + ky * dh;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = xo * sw - pl + kx * dw;
              if (ix < 0 || ix >= wd) continue;
              acc += xd[((b * h + iy) * wd + ix) * c + ic] * wdata[(ky * kw + kx) * cm + oc];
            }
          }
          out[p++] = clampTo(acc, lo, hi);
        }
      }
    }
  }
  return [out];
};
