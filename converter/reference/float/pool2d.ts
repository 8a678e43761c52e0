// max_pool2d and average_pool2d, f32, NHWC. Windows of kernel [KH, KW] with strides, dilations and
// pads [top, left, bottom, right]; output size uses floor (an importer expresses ONNX ceil_mode by
// enlarging the bottom/right pads, see below).
//
// Semantics (the runtime's kernels must match them):
// - max: padded taps are ignored (never compared). A window with no tap inside the input gives
//   -Infinity, which the fused activation clamp then bounds.
// - average, countIncludePad = false: sum over the taps inside the input / their count; a window
//   with no tap inside the input gives 0.
// - average, countIncludePad = true: sum over the taps inside the input / (KH * KW), the full
//   window. With floor-mode output sizes every window lies inside the padded extent, so this equals
//   ONNX's count_include_pad = 1. ONNX ceil_mode's extra end positions are NOT counted by ONNX even
//   with count_include_pad = 1; an importer must therefore lower ceil_mode + count_include_pad = 1
//   as an explicit zero `pad` of the declared pads followed by average_pool2d with
//   countIncludePad = false and the ceil-mode extra as its end pads.
import type { Node, Pool2dAttrs } from '../../ir/graph.js';
import type { RefKernel } from '../types.js';
import {
  type ShapeFn, activationBounds, clampTo, inputShape, kernelError, requireF32, windowOutputSize,
} from '../tensor-util.js';

export const pool2dOutputShape: ShapeFn = (node, shapes) => {
  const x = inputShape(node, shapes, 0, 'x');
  if (x.length !== 4) throw kernelError(node, `x must be NHWC (rank 4), got [${x}]`);
  const a = (node as Node<'max_pool2d'>).attrs;
  const [n, h, w, c] = x;
  const oh = windowOutputSize(node, 'height', h, a.kernel[0], a.strides[0], a.dilations[0], a.pads[0], a.pads[2]);
  const ow = windowOutputSize(node, 'width', w, a.kernel[1], a.strides[1], a.dilations[1], a.pads[1], a.pads[3]);
  return [[n, oh, ow, c]];
};

/**
 * Visits every output position with the range of kernel taps that land inside the input, so the
 * two pools only say how they combine those taps.
 */
function poolKernel(
  combine: (x: Float32Array, base: number, rowStep: number, colStep: number, rows: number, cols: number, a: Pool2dAttrs) => number,
): RefKernel {
  return (node, inputs) => {
    const x = requireF32(node, inputs, 0, 'x');
    const [[n, oh, ow, c]] = pool2dOutputShape(node, [x.shape]);
    const a = node.attrs as Pool2dAttrs;
    const [, h, w] = x.shape;
    const [kh, kw] = a.kernel;
    const [sh, sw] = a.strides;
    const [dh, dw] = a.dilations;
    const [pt, pl] = a.pads;
    const [lo, hi] = activationBounds(a.activation);
    const out = new Float32Array(n * oh * ow * c);
    let p = 0;
    for (let b = 0; b < n; b++) {
      for (let y = 0; y < oh; y++) {
        // First and one-past-last kernel rows whose tap is inside the input.
        const y0 = y * sh - pt;
        const kyBegin = Math.max(0, Math.ceil(-y0 / dh));
        const kyEnd = Math.min(kh, Math.floor((h - 1 - y0) / dh) + 1);
        for (let xo = 0; xo < ow; xo++) {
          const x0 = xo * sw - pl;
          const kxBegin = Math.max(0, Math.ceil(-x0 / dw));
          const kxEnd = Math.min(kw, Math.floor((w - 1 - x0) / dw) + 1);
          const rows = Math.max(0, kyEnd - kyBegin);
          const cols = Math.max(0, kxEnd - kxBegin);
          for (let ch = 0; ch < c; ch++) {
            const base = ((b * h + y0 + kyBegin * dh) * w + x0 + kxBegin * dw) * c + ch;
            out[p++] = clampTo(combine(x.data, base, dh * w * c, dw * c, rows, cols, a), lo, hi);
          }
        }
      }
    }
    return [out];
  };
}

export const max_pool2d_f32_ref = poolKernel((x, base, rowStep, colStep, rows, cols) => {
  let m = -Infinity;
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < cols; q++) {
      const v = x[base + r * rowStep + q * colStep];
      if (v > m) m = v;
    }
  }
  return m;
});

export const average_pool2d_f32_ref = poolKernel((x, base, rowStep, colStep, rows, cols, a) => {
  let sum = 0;
  for (let r = 0; r < rows; r++) for (let q = 0; q < cols; q++) sum += x[base + r * rowStep + q * colStep];
  const count = a.countIncludePad ? a.kernel[0] * a.kernel[1] : rows * cols;
  return count === 0 ? 0 : sum / count;
});
