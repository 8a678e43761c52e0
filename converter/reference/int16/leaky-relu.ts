// leaky_relu, int16 (TFLite Micro QuantizeLeakyRelu): two requantizations, identity for x >= 0 and
// alpha for x < 0, each MultiplyByQuantizedMultiplier (int32, double rounding):
//   d = x − in_zp;  y = clamp(out_zp + MBQM(d, d >= 0 ? id_mult : alpha_mult, ... shift))
// identity = outMult/outShift, alpha = alphaMult/alphaShift of node.int8.
import { multiplyByQuantizedMultiplier } from '../fixedpoint.js';
import type { RefKernel } from '../types.js';
import { checkMultiplier, int8Param, perTensorQuant } from '../int8/common.js';
import { clamp16, requireS16, requireS16Output } from './common.js';

export const leaky_relu_s16_ref: RefKernel = (node, inputs, outputs) => {
  const x = requireS16(node, inputs, 0, 'x');
  const inZp = perTensorQuant(node, x.quant, 'input x').zeroPoint;
  const outZp = perTensorQuant(node, requireS16Output(node, outputs).quant, 'output').zeroPoint;
  const idMult = int8Param(node, 'outMult');
  const idShift = int8Param(node, 'outShift');
  const alphaMult = int8Param(node, 'alphaMult');
  const alphaShift = int8Param(node, 'alphaShift');
  checkMultiplier(node, idMult, idShift, 'identity rescale');
  checkMultiplier(node, alphaMult, alphaShift, 'alpha rescale');
  const out = new Int16Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const d = x.data[i] - inZp;
    const v = d >= 0 ? multiplyByQuantizedMultiplier(d, idMult, idShift) : multiplyByQuantizedMultiplier(d, alphaMult, alphaShift);
    out[i] = clamp16(outZp + v);
  }
  return [out];
};
