// resize on s8: input and output share scale and zero point (resize never changes the range), so
// nearest copies codes and bilinear interpolates codes in TFLM's ResizeBilinearInteger fixed point:
// Q10 fractions (resize-coords.ts bilinearTapsQ10), the four products summed in Q20, then
// (sum ± 2^19) / 2^20 truncated (round half away from zero; TFLM's default double rounding).
import type { RefKernel, RefValue } from '../types.js';
import { resizeBilinearWith, resizeNearest, checkResize } from '../float/resize.js';
import { bilinearTapsQ10 } from '../resize-coords.js';
import { sameQuantKernel } from './data-movement.js';

const ONE = 1024;

function blendQ10(v00: number, v10: number, v01: number, v11: number, fy: number, fx: number): number {
  const sum = v00 * (ONE - fy) * (ONE - fx) + v10 * fy * (ONE - fx) + v01 * (ONE - fy) * fx + v11 * fy * fx;
  return Math.trunc((sum + (sum > 0 ? 1 << 19 : -(1 << 19))) / (1 << 20));
}

export const resize_s8_ref: RefKernel = sameQuantKernel((node, inputs) => {
  const x = inputs[0] as RefValue & { data: Int8Array };
  const a = checkResize(node, x.shape);
  if (a.mode === 'nearest') return [resizeNearest(node, x, 's8')];
  const out = new Int8Array(x.shape[0] * a.size[0] * a.size[1] * x.shape[3]);
  resizeBilinearWith(node, x, bilinearTapsQ10, out, blendQ10);
  return [out];
});
