// conv2d, f32: NHWC input, weights [O, KH, KW, C/group], optional bias [O], zero padding
// [top, left, bottom, right], grouped channels, fused activation clamp. Accumulates in float64 and
// rounds to f32 once at the output.
import type { Conv2dAttrs, Node } from '../../ir/graph.js';
import type { RefKernel } from '../types.js';
import {
  type ShapeFn, activationBounds, clampTo, inputShape, kernelError, optionalF32, requireF32, windowOutputSize,
} from '../tensor-util.js';

export const conv2dOutputShape: ShapeFn = (node, shapes) => {
  const x = inputShape(node, shapes, 0, 'x');
  const w = inputShape(node, shapes, 1, 'weights');
  if (x.length !== 4) throw kernelError(node, `x must be NHWC (rank 4), got [${x}]`);
  if (w.length !== 4) throw kernelError(node, `weights must be [O,KH,KW,C/group], got [${w}]`);
  const a = (node as Node<'conv2d'>).attrs;
  const [n, h, wd, c] = x;
  const [o, kh, kw, cg] = w;
  if (!Number.isInteger(a.group) || a.group < 1 || c % a.group !== 0 || o % a.group !== 0) {
    throw kernelError(node, `group ${a.group} must divide the input channels (${c}) and the output channels (${o})`);
  }
  if (cg !== c / a.group) {
    throw kernelError(node, `weights [${w}] hold ${cg} channels per group, the input gives ${c}/${a.group} = ${c / a.group}`);
  }
  const oh = windowOutputSize(node, 'height', h, kh, a.strides[0], a.dilations[0], a.pads[0], a.pads[2]);
  const ow = windowOutputSize(node, 'width', wd, kw, a.strides[1], a.dilations[1], a.pads[1], a.pads[3]);
  return [[n, oh, ow, o]];
};

export const conv2d_f32_ref: RefKernel = (node, inputs) => {
  const x = requireF32(node, inputs, 0, 'x');
  const w = requireF32(node, inputs, 1, 'weights');
  const bias = optionalF32(node, inputs, 2, 'bias');
  const [[, oh, ow, o]] = conv2dOutputShape(node, [x.shape, w.shape]);
  if (bias && bias.data.length !== o) throw kernelError(node, `bias has ${bias.data.length} values, expected ${o}`);
  const a = node.attrs as Conv2dAttrs;
  const [n, h, wd, c] = x.shape;
  const [, kh, kw, cg] = w.shape;
  const [sh, sw] = a.strides;
  const [dh, dw] = a.dilations;
  const [pt, pl] = a.pads;
  const og = o / a.group; // output channels per group
  const [lo, hi] = activationBounds(a.activation);
  const xd = x.data;
  const wdata = w.data;
  const out = new Float32Array(n * oh * ow * o);
  let p = 0;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        for (let oc = 0; oc < o; oc++) {
          const cBase = Math.floor(oc / og) * cg; // first input channel of this output's group
          let acc = bias ? bias.data[oc] : 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = y * sh - pt + ky * dh;
            if (iy < 0 || iy >= h) continue; // zero padding contributes nothing
            for (let kx = 0; kx < kw; kx++) {
              const ix = xo * sw - pl + kx * dw;
              if (ix < 0 || ix >= wd) continue;
              const xBase = ((b * h + iy) * wd + ix) * c + cBase;
              const wBase = ((oc * kh + ky) * kw + kx) * cg;
              for (let ci = 0; ci < cg; ci++) acc += xd[xBase + ci] * wdata[wBase + ci];
            }
          }
          out[p++] = clampTo(acc, lo, hi);
        }
      }
    }
  }
  return [out];
};
