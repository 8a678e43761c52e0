// resize on s16 (TFLite Micro's int16 RESIZE_NEAREST_NEIGHBOR): nearest moves codes, so input and
// output share scale and zero point; TFLite Micro has no int16 bilinear (nor Mote a filter table).
import { checkResize, resizeNearest } from '../float/resize.js';
import { needsFilterTable } from '../resize-coords.js';
import { kernelError } from '../tensor-util.js';
import type { RefKernel } from '../types.js';
import { perTensorQuant } from '../int8/common.js';
import { requireS16, requireS16Output } from './common.js';

export const resize_s16_ref: RefKernel = (node, inputs, outputs) => {
  const x = requireS16(node, inputs, 0, 'x');
  const a = checkResize(node, x.shape);
  if (a.mode !== 'nearest' || needsFilterTable(a)) throw kernelError(node, `has no s16 form of ${a.mode} resize (nearest only)`);
  const q = perTensorQuant(node, x.quant, 'input x'), out = perTensorQuant(node, requireS16Output(node, outputs).quant, 'output');
  if (q.scale !== out.scale || q.zeroPoint !== out.zeroPoint) throw kernelError(node, `input (scale ${q.scale}, zero point ${q.zeroPoint}) must share the output's (${out.scale}, ${out.zeroPoint})`);
  return [resizeNearest(node, x, 's16')];
};
