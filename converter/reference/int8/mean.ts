// mean and reduce_sum, s8 (TFLite Micro reduce: reference_ops::QuantizedMeanOrSum, the path TFLM
// takes for every int8 mean and sum). Sums the raw s8 values over the axes (int32, wrapping); the
// quantizer's multiplier is QuantizeMultiplier(in_scale / out_scale). mean folds 1/n into it
// exactly as TFLM does (SUM, compute_sum, leaves it as it is):
//   s = min(floor(log2 n), 32, 31 + shift);  mult' = (mult << s) / n (int64, truncating);  shift' = shift − s
//   y = clamp(MBQM(sum − in_zp·n, mult', shift') + out_zp)
import type { MeanAttrs } from '../../ir/graph.js';
import { numel } from '../../ir/graph.js';
import { multiplyByQuantizedMultiplier } from '../fixedpoint.js';
import { meanOutputShape } from '../float/mean.js';
import { forEachBroadcast, normalizeAxis, stridesOf } from '../tensor-util.js';
import type { RefKernel } from '../types.js';
import { checkMultiplier, int8Param, perTensorQuant, requireS8, requireS8Output } from './common.js';

/** TFLM's per-call adjustment of the output multiplier for a mean over n elements. */
export function meanMultiplier(multiplier: number, shift: number, n: number): { multiplier: number; shift: number } {
  let s = 63 - (n >= 2 ** 32 ? Math.clz32(Math.floor(n / 2 ** 32)) : 32 + Math.clz32(n));
  s = Math.min(s, 32, 31 + shift);
  const m = (BigInt(multiplier) << BigInt(s)) / BigInt(n); // truncating, like C's int64 division
  return { multiplier: Number(BigInt.asIntN(32, m)), shift: shift - s };
}

const reduceS8 = (mean: boolean): RefKernel => (node, inputs, outputs) => {
  const x = requireS8(node, inputs, 0, 'x');
  const axes = new Set((node.attrs as MeanAttrs).axes.map((a) => normalizeAxis(node, a, x.shape.length, 'axes entry')));
  const [outShape] = meanOutputShape(node, [x.shape]);
  const mult = int8Param(node, 'outMult');
  const shift = int8Param(node, 'outShift');
  checkMultiplier(node, mult, shift, 'output rescale');
  const inZp = perTensorQuant(node, x.quant, 'input x').zeroPoint;
  const outZp = perTensorQuant(node, requireS8Output(node, outputs).quant, 'output').zeroPoint;
  const sums = new Int32Array(numel(outShape));
  const outStrides = stridesOf(outShape).map((s, i) => (axes.has(i) ? 0 : s));
  forEachBroadcast(x.shape, stridesOf(x.shape), outStrides, (_, i, o) => {
    sums[o] = (sums[o] + x.data[i]) | 0;
  });
  const n = x.shape.reduce((acc, d, i) => (axes.has(i) ? acc * d : acc), 1);
  const out = new Int8Array(sums.length);
  if (numel(x.shape) === 0 || n === 0) return [out];
  const adj = mean ? meanMultiplier(mult, shift, n) : { multiplier: mult, shift };
  for (let i = 0; i < out.length; i++) {
    const shifted = Number(BigInt.asIntN(32, BigInt(sums[i]) - BigInt(inZp) * BigInt(n)));
    let v = multiplyByQuantizedMultiplier(shifted, adj.multiplier, adj.shift) + outZp;
    v = v < -128 ? -128 : v > 127 ? 127 : v;
    out[i] = v;
  }
  return [out];
};

export const mean_s8_ref = reduceS8(true);
export const reduce_sum_s8_ref = reduceS8(false);
