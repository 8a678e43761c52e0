// mul, s8 (TFLite Micro reference_integer_ops MulElementwise / BroadcastMul6DSlow), numpy broadcasting:
//   y = clamp(MBQM((a − a_zp)·(b − b_zp), out_mult, out_shift) + out_zp, act_min, act_max)
import { multiplyByQuantizedMultiplier } from '../fixedpoint.js';
import { broadcastOutputShape } from '../float/elementwise-binary.js';
import { broadcastStrides, forEachBroadcast } from '../tensor-util.js';
import type { RefKernel } from '../types.js';
import { actBounds, checkMultiplier, int8Param, perTensorQuant, requireS8, requireS8Output } from './common.js';

export const mul_s8_ref: RefKernel = (node, inputs, outputs) => {
  const a = requireS8(node, inputs, 0, 'a');
  const b = requireS8(node, inputs, 1, 'b');
  const [outShape] = broadcastOutputShape(node, [a.shape, b.shape]);
  const mult = int8Param(node, 'outMult');
  const shift = int8Param(node, 'outShift');
  checkMultiplier(node, mult, shift, 'output rescale');
  const aZp = perTensorQuant(node, a.quant, 'input a').zeroPoint;
  const bZp = perTensorQuant(node, b.quant, 'input b').zeroPoint;
  const outZp = perTensorQuant(node, requireS8Output(node, outputs).quant, 'output').zeroPoint;
  const [lo, hi] = actBounds(node);
  const out = new Int8Array(outShape.reduce((n, d) => n * d, 1));
  const ad = a.data;
  const bd = b.data;
  forEachBroadcast(outShape, broadcastStrides(a.shape, outShape), broadcastStrides(b.shape, outShape), (o, ia, ib) => {
    let v = multiplyByQuantizedMultiplier((ad[ia] - aZp) * (bd[ib] - bZp), mult, shift) + outZp;
    v = v < lo ? lo : v > hi ? hi : v;
    out[o] = v;
  });
  return [out];
};
