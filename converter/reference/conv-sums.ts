// The integer core shared by the int8 and 16x8 reference conv2d kernels: per output pixel, the
// receptive field is gathered once as (x − in_zp), 0 for padded taps (TFLM skips them, which adds
// the same nothing), then each output channel is one contiguous dot product with its weights.
// Sums are exact in float64 (|terms| < 2^23 and far fewer than 2^30 of them); each kernel applies
// its own accumulator width, bias and requantization in `visit`.
import type { Conv2dAttrs } from '../ir/graph.js';

export interface ConvOperand {
  shape: readonly number[];
  data: ArrayLike<number>;
}

/**
 * Calls visit(sum, oc) for every output element in NHWC order: sum = Σ w[oc]·(x − inZp) over the
 * receptive field of output channel oc's group. x is [N,H,W,C], w is [O,KH,KW,C/group].
 */
export function forEachConvSum(
  x: ConvOperand, inZp: number, w: ConvOperand, attrs: Conv2dAttrs, outShape: readonly number[],
  visit: (sum: number, oc: number) => void,
): void {
  const [n, oh, ow, o] = outShape;
  const [, h, wd, c] = x.shape;
  const [, kh, kw, cg] = w.shape;
  const [sh, sw] = attrs.strides;
  const [dh, dw] = attrs.dilations;
  const [pt, pl] = attrs.pads;
  const groups = attrs.group;
  const og = o / groups;
  const xd = x.data, wdata = w.data;
  const patchLen = kh * kw * cg;
  const patch = new Int32Array(patchLen * groups);
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
          let sum = 0;
          for (let i = 0; i < patchLen; i++) sum += wdata[wBase + i] * patch[pBase + i];
          visit(sum, oc);
        }
      }
    }
  }
}
