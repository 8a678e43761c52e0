// pad on s16: data movement (the dtype-generic kernel), after TFLM's check that input and output
// share scale and zero point; the constant is the real value on that grid (PAD: the zero point).
import { pad_ref } from '../float/pad.js';
import { kernelError } from '../tensor-util.js';
import type { RefKernel } from '../types.js';
import { perTensorQuant } from '../int8/common.js';
import { requireS16, requireS16Output } from './common.js';

export const pad_s16_ref: RefKernel = (node, inputs, outputs) => {
  const x = requireS16(node, inputs, 0, 'x');
  const a = perTensorQuant(node, x.quant, 'input x');
  const b = perTensorQuant(node, requireS16Output(node, outputs).quant, 'output');
  if (a.scale !== b.scale || a.zeroPoint !== b.zeroPoint) throw kernelError(node, `input (scale ${a.scale}, zero point ${a.zeroPoint}) must share the output's (${b.scale}, ${b.zeroPoint})`);
  return pad_ref(node, inputs, outputs);
};
