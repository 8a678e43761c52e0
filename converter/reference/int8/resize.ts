// resize on s8: input and output share scale and zero point (resize never changes the range), so
// nearest copies codes and bilinear interpolates codes in TFLM's ResizeBilinearInteger fixed point:
// Q10 fractions (resize-coords.ts bilinearTapsQ10), the four products summed in Q20, then
// (sum ± 2^19) / 2^20 truncated (round half away from zero; TFLM's default double rounding).
// TFLM has no cubic, antialias or crop: their filter table (resize-coords.ts filterTableQ10) carries
// Q10 weights that sum to 1024 per position, and the output is the same Q20 sum over all K·K taps,
// rounded the same way and saturated to [−128, 127] (cubic overshoots); a position outside the crop
// is extrapolation_value quantized as a pad value is (round half away from zero, saturated).
import type { RefKernel, RefValue } from '../types.js';
import { resizeBilinearWith, resizeFilterWith, resizeNearest, checkResize } from '../float/resize.js';
import { bilinearTapsQ10, filterTableQ10, needsFilterTable } from '../resize-coords.js';
import { roundHalfAwayFromZero } from '../tensor-util.js';
import { sameQuantKernel } from './data-movement.js';

const ONE = 1024;

function blendQ10(v00: number, v10: number, v01: number, v11: number, fy: number, fx: number): number {
  const sum = v00 * (ONE - fy) * (ONE - fx) + v10 * fy * (ONE - fx) + v01 * (ONE - fy) * fx + v11 * fy * fx;
  return Math.trunc((sum + (sum > 0 ? 1 << 19 : -(1 << 19))) / (1 << 20));
}

/** The Q20 sum over the window, rounded half away from zero to Q0 and saturated. */
function blendFilterQ10(x: ArrayLike<number>, at: (i: number, j: number) => number, wy: (i: number) => number, wx: (j: number) => number, ky: number, kx: number): number {
  let sum = 0;
  for (let j = 0; j < kx; j++) {
    for (let i = 0; i < ky; i++) sum += x[at(i, j)] * wy(i) * wx(j);
  }
  return Math.max(-128, Math.min(127, Math.trunc((sum + (sum > 0 ? 1 << 19 : -(1 << 19))) / (1 << 20))));
}

/** extrapolation_value as an s8 code of x's quantization. */
export function extrapolationCode(value: number, q: { scale: number[]; zeroPoint: number[] }): number {
  return Math.max(-128, Math.min(127, roundHalfAwayFromZero(value / Math.fround(q.scale[0])) + q.zeroPoint[0]));
}

export const resize_s8_ref: RefKernel = sameQuantKernel((node, inputs) => {
  const x = inputs[0] as RefValue & { data: Int8Array };
  const a = checkResize(node, x.shape);
  if (needsFilterTable(a)) {
    const out = new Int8Array(x.shape[0] * a.size[0] * a.size[1] * x.shape[3]);
    resizeFilterWith(node, x, filterTableQ10, out, extrapolationCode(a.extrapolationValue ?? 0, x.quant!), blendFilterQ10);
    return [out];
  }
  if (a.mode === 'nearest') return [resizeNearest(node, x, 's8')];
  const out = new Int8Array(x.shape[0] * a.size[0] * a.size[1] * x.shape[3]);
  resizeBilinearWith(node, x, bilinearTapsQ10, out, blendQ10);
  return [out];
});
