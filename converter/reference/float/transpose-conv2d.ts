// transpose_conv2d (TFLite TRANSPOSE_CONV, ONNX ConvTranspose): NHWC input [N,H,W,C], weights
// [O,KH,KW,C/group], optional bias [O]. Each input pixel scatters x·w into the output at
// (y·stride − pad_top + ky·dilation, x·stride − pad_left + kx·dilation); taps outside the output
// are dropped. With group g, output channel o (of group ⌊o / (O/g)⌋) takes only that group's C/g
// input channels (ONNX ConvTranspose's group). The output size is an attribute (it is not a
// function of the input: several sizes give the same input). f32: float64 sums, rounded to f32
// once, then bias and the fused activation.
import type { Node } from '../../ir/graph.js';
import type { RefKernel } from '../types.js';
import { type ShapeFn, activationBounds, clampTo, inputShape, kernelError, optionalF32, requireF32 } from '../tensor-util.js';

/** The node's dilations and group (1 when absent). */
export function transposeConvLayout(node: Node): { dilations: [number, number]; group: number } {
  const a = (node as Node<'transpose_conv2d'>).attrs;
  return { dilations: a.dilations ?? [1, 1], group: a.group ?? 1 };
}

export const transposeConv2dOutputShape: ShapeFn = (node, shapes) => {
  const x = inputShape(node, shapes, 0, 'x');
  const w = inputShape(node, shapes, 1, 'weights');
  if (x.length !== 4) throw kernelError(node, `x must be NHWC (rank 4), got [${x}]`);
  if (w.length !== 4) throw kernelError(node, `weights must be [O,KH,KW,C/group], got [${w}]`);
  const a = (node as Node<'transpose_conv2d'>).attrs;
  const { dilations, group } = transposeConvLayout(node);
  if (!Number.isInteger(group) || group < 1) throw kernelError(node, `group ${group} must be a positive integer`);
  if (w[3] * group !== x[3] || w[0] % group !== 0) {
    throw kernelError(node, `weights [${w}] with group ${group} do not fit x's ${x[3]} channels (need C/group = ${x[3] / group} and O a multiple of ${group})`);
  }
  const [oh, ow] = a.outputSize;
  if (![oh, ow, ...a.strides, ...dilations].every((v) => Number.isInteger(v) && v >= 1)) {
    throw kernelError(node, `output size [${a.outputSize}], strides [${a.strides}] and dilations [${dilations}] must be positive integers`);
  }
  if (!a.pads.every((p) => Number.isInteger(p) && p >= 0)) throw kernelError(node, `pads [${a.pads}] must be non-negative integers`);
  return [[x[0], oh, ow, w[0]]];
};

/** Calls fn(outIndex, xIndex, wIndex) for every (input pixel, tap, channels) product that lands in the output. */
export function forEachTransposeTap(node: Node, xs: readonly number[], ws: readonly number[], fn: (o: number, xi: number, wi: number) => void): void {
  const a = (node as Node<'transpose_conv2d'>).attrs;
  const { dilations: [dh, dw], group } = transposeConvLayout(node);
  const [n, h, wd, c] = xs;
  const [o, kh, kw, cg] = ws;
  const og = o / group;
  const [oh, ow] = a.outputSize;
  const [sh, sw] = a.strides;
  const [pt, pl] = a.pads;
  for (let b = 0; b < n; b++)
    for (let iy = 0; iy < h; iy++)
      for (let ix = 0; ix < wd; ix++)
        for (let ky = 0; ky < kh; ky++) {
          const oy = iy * sh - pt + ky * dh;
          if (oy < 0 || oy >= oh) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ox = ix * sw - pl + kx * dw;
            if (ox < 0 || ox >= ow) continue;
            const xBase = ((b * h + iy) * wd + ix) * c;
            const oBase = ((b * oh + oy) * ow + ox) * o;
            for (let oc = 0; oc < o; oc++) {
              const wBase = ((oc * kh + ky) * kw + kx) * cg;
              const xGroup = xBase + Math.floor(oc / og) * cg;
              for (let ci = 0; ci < cg; ci++) fn(oBase + oc, xGroup + ci, wBase + ci);
            }
          }
        }
}

export const transpose_conv2d_f32_ref: RefKernel = (node, inputs) => {
  const x = requireF32(node, inputs, 0, 'x');
  const w = requireF32(node, inputs, 1, 'weights');
  const [shape] = transposeConv2dOutputShape(node, [x.shape, w.shape]);
  const o = shape[3];
  const bias = optionalF32(node, inputs, 2, 'bias');
  if (bias && bias.data.length !== o) throw kernelError(node, `bias has ${bias.data.length} values, expected ${o}`);
  const acc = new Float64Array(shape.reduce((p, d) => p * d, 1));
  forEachTransposeTap(node, x.shape, w.shape, (oi, xi, wi) => {
    acc[oi] += x.data[xi] * w.data[wi];
  });
  const [lo, hi] = activationBounds((node as Node<'transpose_conv2d'>).attrs.activation);
  const out = new Float32Array(acc.length);
  for (let i = 0; i < acc.length; i++) out[i] = clampTo(Math.fround(acc[i]) + (bias ? bias.data[i % o] : 0), lo, hi);
  return [out];
};
