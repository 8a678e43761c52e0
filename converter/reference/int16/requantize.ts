// requantize between integer widths (TFLite Micro QUANTIZE with an integer input: Requantize):
// s16 → s16/s32/s8 and s32 → s16/s8, per tensor:
//   y = clamp(MBQM(x − in_zp, mult, shift) + out_zp, range of the output type)
// mult/shift are node.int8.outMult/outShift (QuantizeMultiplier of in_scale / out_scale in double).
import { multiplyByQuantizedMultiplier } from '../fixedpoint.js';
import { kernelError, quantRange } from '../tensor-util.js';
import type { RefKernel } from '../types.js';
import { checkMultiplier, int8Param, perTensorQuant } from '../int8/common.js';

export const requantize_int_ref: RefKernel = (node, inputs, outputs) => {
  const x = inputs[0];
  if (!x) throw kernelError(node, 'input 0 (x) is missing');
  if (!(x.data instanceof Int16Array || x.data instanceof Int32Array || x.data instanceof Int8Array)) {
    throw kernelError(node, `input 0 (x) must be s8, s16 or s32, got ${x.dtype}`);
  }
  const outT = outputs[0];
  if (!outT || !['s8', 's16', 's32'].includes(outT.dtype)) throw kernelError(node, `output 0 must be s8, s16 or s32, got ${outT?.dtype}`);
  const inZp = perTensorQuant(node, x.quant, 'input x').zeroPoint;
  const outZp = perTensorQuant(node, outT.quant, 'output').zeroPoint;
  const mult = int8Param(node, 'outMult');
  const shift = int8Param(node, 'outShift');
  checkMultiplier(node, mult, shift, 'rescale');
  const [lo, hi] = quantRange(outT.dtype);
  const n = x.data.length;
  const out = outT.dtype === 's32' ? new Int32Array(n) : outT.dtype === 's16' ? new Int16Array(n) : new Int8Array(n);
  const xd = x.data as ArrayLike<number>;
  for (let i = 0; i < n; i++) {
    // int32 arithmetic as in C++: the subtraction and the left shift wrap.
    const v = multiplyByQuantizedMultiplier((xd[i] - inZp) | 0, mult, shift) + outZp;
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return [out];
};
