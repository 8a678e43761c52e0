// max_pool2d / average_pool2d, s8 (TFLite Micro reference_integer_ops::MaxPool / AveragePool). Input
// and output share scale and zero point (TFLM's Prepare requires it), so both work on the raw
// integers. Only in-bounds taps take part; the average divides their sum by their count, rounding
// half away from zero:  acc > 0 ? (acc + n/2) / n : (acc − n/2) / n  (C division truncates).
// TFLM has no dilated or count-include-pad pooling, so those are rejected here.
import type { Node, Pool2dAttrs, Tensor } from '../../ir/graph.js';
import { pool2dOutputShape } from '../float/pool2d.js';
import { kernelError } from '../tensor-util.js';
import type { RefKernel, RefValue } from '../types.js';
import { actBounds, perTensorQuant, requireS8, requireS8Output } from './common.js';

type Reduce = (x: Int8Array, base: number, c: number, wd: number, y0: number, y1: number, x0: number, x1: number) => number;

function poolKernel(reduce: Reduce, isAverage: boolean): RefKernel {
  return (node: Node, inputs: (RefValue | undefined)[], outputs: Tensor[]) => {
    const x = requireS8(node, inputs, 0, 'x');
    const a = node.attrs as Pool2dAttrs;
    if (a.dilations[0] !== 1 || a.dilations[1] !== 1) throw kernelError(node, `int8 pooling has no dilation (got [${a.dilations}])`);
    if (isAverage && a.countIncludePad && a.pads.some((p) => p !== 0)) {
      throw kernelError(node, 'int8 average pooling divides by the in-bounds taps only (count_include_pad with padding is not supported)');
    }
    const [[n, oh, ow, c]] = pool2dOutputShape(node, [x.shape]);
    const qi = perTensorQuant(node, x.quant, 'input x');
    const qo = perTensorQuant(node, requireS8Output(node, outputs).quant, 'output');
    if (Math.abs(qi.scale - qo.scale) > 1e-6 || qi.zeroPoint !== qo.zeroPoint) {
      throw kernelError(node, `input and output must share scale and zero point (input ${qi.scale}/${qi.zeroPoint}, output ${qo.scale}/${qo.zeroPoint})`);
    }
    const [lo, hi] = actBounds(node);
    const [, h, wd] = x.shape;
    const [kh, kw] = a.kernel;
    const [sh, sw] = a.strides;
    const [pt, pl] = a.pads;
    const out = new Int8Array(n * oh * ow * c);
    for (let b = 0; b < n; b++) {
      for (let y = 0; y < oh; y++) {
        for (let xo = 0; xo < ow; xo++) {
          const iy0 = y * sh - pt;
          const ix0 = xo * sw - pl;
          const fy0 = Math.max(0, -iy0);
          const fy1 = Math.min(kh, h - iy0);
          const fx0 = Math.max(0, -ix0);
          const fx1 = Math.min(kw, wd - ix0);
          for (let ch = 0; ch < c; ch++) {
            const base = b * h * wd * c + ch;
            let v = reduce(x.data, base, c, wd, iy0 + fy0, iy0 + fy1, ix0 + fx0, ix0 + fx1);
            if (Number.isNaN(v)) throw kernelError(node, `output (${y}, ${xo}) has no in-bounds tap`);
            v = v < lo ? lo : v > hi ? hi : v;
            out[((b * oh + y) * ow + xo) * c + ch] = v;
          }
        }
      }
    }
    return [out];
  };
}

export const max_pool2d_s8_ref: RefKernel = poolKernel((x, base, c, wd, y0, y1, x0, x1) => {
  let m = -128;
  for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) m = Math.max(m, x[base + (iy * wd + ix) * c]);
  return m;
}, false);

export const average_pool2d_s8_ref: RefKernel = poolKernel((x, base, c, wd, y0, y1, x0, x1) => {
  let acc = 0;
  let count = 0;
  for (let iy = y0; iy < y1; iy++) {
    for (let ix = x0; ix < x1; ix++) {
      acc += x[base + (iy * wd + ix) * c];
      count++;
    }
  }
  if (count === 0) return NaN; // TFLM returns an error for an empty window
  const half = Math.trunc(count / 2);
  return acc > 0 ? Math.trunc((acc + half) / count) : Math.trunc((acc - half) / count);
}, true);
