// quantize (f32 → s8), dequantize (s8 → f32) and requantize (s8 → s8), per tensor, as TFLite Micro:
//   quantize:   q = clamp(round_half_away(f32(x / scale)) + zp)           (AffineQuantize; a NaN quotient gives zp)
//   dequantize: y = f32(scale · (q − zp))                                  (Dequantize)
//   requantize: y = clamp(MBQM(q − in_zp, mult, shift) + out_zp)          (Requantize; node.int8.outMult/outShift)
import { numel } from '../../ir/graph.js';
import { multiplyByQuantizedMultiplier } from '../fixedpoint.js';
import { requireF32 } from '../tensor-util.js';
import type { RefKernel } from '../types.js';
import { checkMultiplier, int8Param, perTensorQuant, requireS8, requireS8Output } from './common.js';

/** round half away from zero, as C's round(). */
function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

export const quantize_s8_ref: RefKernel = (node, inputs, outputs) => {
  const x = requireF32(node, inputs, 0, 'x');
  const { scale, zeroPoint } = perTensorQuant(node, requireS8Output(node, outputs).quant, 'output');
  const out = new Int8Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    // A NaN quotient (a NaN input, or 0 / 0 on a zero scale) gives the zero point.
    const f = Math.fround(x.data[i] / scale);
    if (Number.isNaN(f)) {
      out[i] = zeroPoint;
      continue;
    }
    const q = roundHalfAway(f) + zeroPoint;
    out[i] = q < -128 ? -128 : q > 127 ? 127 : q;
  }
  return [out];
};

export const dequantize_s8_ref: RefKernel = (node, inputs) => {
  const x = requireS8(node, inputs, 0, 'x');
  const { scale, zeroPoint } = perTensorQuant(node, x.quant, 'input x');
  const out = new Float32Array(numel(x.shape));
  for (let i = 0; i < out.length; i++) out[i] = scale * (x.data[i] - zeroPoint);
  return [out];
};

export const requantize_s8_ref: RefKernel = (node, inputs, outputs) => {
  const x = requireS8(node, inputs, 0, 'x');
  const inZp = perTensorQuant(node, x.quant, 'input x').zeroPoint;
  const outZp = perTensorQuant(node, requireS8Output(node, outputs).quant, 'output').zeroPoint;
  const mult = int8Param(node, 'outMult');
  const shift = int8Param(node, 'outShift');
  checkMultiplier(node, mult, shift, 'rescale');
  const out = new Int8Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = multiplyByQuantizedMultiplier(x.data[i] - inZp, mult, shift) + outZp;
    out[i] = v < -128 ? -128 : v > 127 ? 127 : v;
  }
  return [out];
};
