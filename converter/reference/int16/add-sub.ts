// add / sub, 16x8 (TFLite Micro's int16 add and sub: the general-scale path, AddElementwise /
// SubElementwise with left_shift 15; TFLM always passes pot_scale = false for int16), numpy
// broadcasting. Same formula as the s8 kernels, in int32 arithmetic:
//   a' = MBQM<1((a − a_zp)·2^15, a_mult, a_shift)   (same for b)
//   y  = clamp(MBQM<1(a' ± b', out_mult, out_shift) + out_zp, act_min, act_max)
import { type AddSubWidth, addSubKernelOf } from '../int8/add.js';
import type { RefKernel } from '../types.js';
import { actBounds16, requireS16, requireS16Output } from './common.js';

const S16_WIDTH: AddSubWidth = {
  maxLeftShift: 15,
  requireInput: requireS16,
  requireOutput: (node, outputs) => requireS16Output(node, outputs),
  bounds: actBounds16,
  alloc: (n) => new Int16Array(n),
};

export const add_s16_ref: RefKernel = addSubKernelOf(1, S16_WIDTH);
export const sub_s16_ref: RefKernel = addSubKernelOf(-1, S16_WIDTH);
