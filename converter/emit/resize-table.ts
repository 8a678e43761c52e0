// resize's params (format.ts RESIZE): the mode, then the source table the runtime kernel looks up:
// per output row, then per output column, the nearest source index or the bilinear taps lo, hi,
// frac (f32 bits for the float form, a Q10 integer for s8); for cubic, antialias and
// tf_crop_and_resize (RESIZE_TAPS) the extrapolation value, the taps per row and per column, then per
// row and per column the window's first index and its weights. resize-coords.ts computes them.
import { RESIZE_BILINEAR, RESIZE_NEAREST, RESIZE_TAPS } from '../../format/format.js';
import type { Node, ResizeAttrs, Tensor } from '../ir/graph.js';
import { extrapolationCode } from '../reference/int8/resize.js';
import {
  FILTER_Q10_WEIGHT_BOUND, bilinearTaps, bilinearTapsQ10, filterTableF32, filterTableQ10, largestQ10WeightSum, nearestSources,
  needsFilterTable, type ResizeAxis,
} from '../reference/resize-coords.js';
import { f32Bits } from './params.js';

export function resizeParams(node: Node, x: Tensor, y: Tensor, fail: (msg: string) => never): number[] {
  const a = node.attrs as ResizeAttrs;
  const nearest = a.mode === 'nearest' && !needsFilterTable(a);
  if (x.dtype !== 'f32' && x.dtype !== 's8' && !(x.dtype === 's16' && nearest)) fail(`has no ${x.dtype} form in the runtime (f32 and s8; s16 for nearest)`);
  if (x.shape.length !== 4 || y.shape.length !== 4) fail(`needs NHWC (rank 4) input and output, got [${x.shape}] → [${y.shape}]`);
  if (y.shape[1] !== a.size[0] || y.shape[2] !== a.size[1]) fail(`output [${y.shape}] does not have the size [${a.size}]`);
  if (x.dtype !== 'f32') {
    const [qx, qy] = [x.quant, y.quant];
    if (!qx || !qy || Math.fround(qx.scale[0]) !== Math.fround(qy.scale[0]) || qx.zeroPoint[0] !== qy.zeroPoint[0]) {
      fail(`${x.dtype} input and output must share scale and zero point`);
    }
  }
  if (needsFilterTable(a)) return filterParams(a, x, fail);
  const params = [a.mode === 'nearest' ? RESIZE_NEAREST : RESIZE_BILINEAR];
  for (const axis of [0, 1] as ResizeAxis[]) {
    const inSize = x.shape[1 + axis];
    if (a.mode === 'nearest') {
      params.push(...nearestSources(a, axis, inSize));
      continue;
    }
    const s8 = x.dtype === 's8';
    const t = s8 ? bilinearTapsQ10(a, axis, inSize) : bilinearTaps(a, axis, inSize);
    for (let i = 0; i < t.lo.length; i++) params.push(t.lo[i], t.hi[i], s8 ? t.frac[i] : f32Bits(t.frac[i]));
  }
  return params;
}

/** RESIZE_TAPS: extrapolation, ky, kx, then the rows' and the columns' entries (first, weights). */
function filterParams(a: ResizeAttrs, x: Tensor, fail: (msg: string) => never): number[] {
  const s8 = x.dtype === 's8';
  if (s8 && largestQ10WeightSum(a, x.shape[1], x.shape[2]) > FILTER_Q10_WEIGHT_BOUND) {
    fail(`s8 filter weights of one position sum past 2.0 in magnitude (cubic_coeff_a ${a.cubicCoeffA}); it has no s8 form`);
  }
  const ev = a.extrapolationValue ?? 0;
  const tables = ([0, 1] as ResizeAxis[]).map((axis) => (s8 ? filterTableQ10 : filterTableF32)(a, axis, x.shape[1 + axis]));
  const params = [RESIZE_TAPS, s8 ? extrapolationCode(ev, x.quant!) : f32Bits(ev), tables[0].taps, tables[1].taps];
  for (const t of tables) {
    for (let i = 0; i < t.first.length; i++) {
      const w = t.weights.slice(i * t.taps, (i + 1) * t.taps);
      params.push(t.first[i], ...(s8 ? w : w.map(f32Bits)));
    }
  }
  return params;
}
