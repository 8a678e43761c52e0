// resize's params (format.ts RESIZE): the mode, then the source table the runtime kernel looks up:
// per output row, then per output column, the nearest source index or the bilinear taps lo, hi,
// frac (f32 bits for the float form, a Q10 integer for s8). resize-coords.ts computes them.
import { RESIZE_BILINEAR, RESIZE_NEAREST } from '../../format/format.js';
import type { Node, ResizeAttrs, Tensor } from '../ir/graph.js';
import { bilinearTaps, bilinearTapsQ10, nearestSources, type ResizeAxis } from '../reference/resize-coords.js';
import { f32Bits } from './params.js';

export function resizeParams(node: Node, x: Tensor, y: Tensor, fail: (msg: string) => never): number[] {
  const a = node.attrs as ResizeAttrs;
  if (x.dtype !== 'f32' && x.dtype !== 's8') fail(`has no ${x.dtype} form in the runtime (f32 and s8 only)`);
  if (x.shape.length !== 4 || y.shape.length !== 4) fail(`needs NHWC (rank 4) input and output, got [${x.shape}] → [${y.shape}]`);
  if (y.shape[1] !== a.size[0] || y.shape[2] !== a.size[1]) fail(`output [${y.shape}] does not have the size [${a.size}]`);
  if (x.dtype === 's8') {
    const [qx, qy] = [x.quant, y.quant];
    if (!qx || !qy || Math.fround(qx.scale[0]) !== Math.fround(qy.scale[0]) || qx.zeroPoint[0] !== qy.zeroPoint[0]) {
      fail('s8 input and output must share scale and zero point');
    }
  }
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
