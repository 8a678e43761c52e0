// add / sub, 16x8 (TFLite Micro's int16 add and sub: the general-scale path, AddElementwise /
// SubElementwise with left_shift 15; TFLM always passes pot_scale = false for int16), numpy
// broadcasting. Same formula as the s8 kernels, in int32 arithmetic:
//   a' = MBQM<1((a − a_zp)·2^15, a_mult, a_shift)   (same for b)
//   y  = clamp(MBQM<1(a' ± b', out_mult, out_shift) + out_zp, act_min, act_max)
import type { Node, Tensor } from '../../ir/graph.js';
import { multiplyByQuantizedMultiplierSmallerThanOneExp as mbqmSmall } from '../fixedpoint.js';
import { broadcastOutputShape } from '../float/elementwise-binary.js';
import { broadcastStrides, forEachBroadcast, kernelError } from '../tensor-util.js';
import type { RefKernel, RefValue } from '../types.js';
import { checkMultiplier, int8Param, perTensorQuant } from '../int8/common.js';
import { actBounds16, requireS16, requireS16Output } from './common.js';

function params(node: Node) {
  const p = {
    leftShift: int8Param(node, 'leftShift'),
    aMult: int8Param(node, 'aMult'),
    aShift: int8Param(node, 'aShift'),
    bMult: int8Param(node, 'bMult'),
    bShift: int8Param(node, 'bShift'),
    outMult: int8Param(node, 'outMult'),
    outShift: int8Param(node, 'outShift'),
  };
  if (p.leftShift < 0 || p.leftShift > 15) throw kernelError(node, `left_shift ${p.leftShift} must be in 0..15 for int16`);
  for (const [m, s, what] of [[p.aMult, p.aShift, 'a'], [p.bMult, p.bShift, 'b'], [p.outMult, p.outShift, 'output']] as const) {
    checkMultiplier(node, m, s, `${what} rescale`);
    if (s > 0) throw kernelError(node, `${what} rescale shift ${s} must be <= 0 (a multiplier below one)`);
  }
  return p;
}

function addSubS16(sign: 1 | -1): RefKernel {
  return (node, inputs: (RefValue | undefined)[], outputs: Tensor[]) => {
    const a = requireS16(node, inputs, 0, 'a');
    const b = requireS16(node, inputs, 1, 'b');
    const [outShape] = broadcastOutputShape(node, [a.shape, b.shape]);
    const p = params(node);
    const aOff = -perTensorQuant(node, a.quant, 'input a').zeroPoint;
    const bOff = -perTensorQuant(node, b.quant, 'input b').zeroPoint;
    const outZp = perTensorQuant(node, requireS16Output(node, outputs).quant, 'output').zeroPoint;
    const [lo, hi] = actBounds16(node);
    const scale = 1 << p.leftShift;
    const out = new Int16Array(outShape.reduce((n, d) => n * d, 1));
    forEachBroadcast(outShape, broadcastStrides(a.shape, outShape), broadcastStrides(b.shape, outShape), (o, ia, ib) => {
      const sa = mbqmSmall(Math.imul(aOff + a.data[ia], scale), p.aMult, p.aShift);
      const sb = mbqmSmall(Math.imul(bOff + b.data[ib], scale), p.bMult, p.bShift);
      const raw = (sign > 0 ? sa + sb : sa - sb) | 0;
      let v = mbqmSmall(raw, p.outMult, p.outShift) + outZp;
      v = v < lo ? lo : v > hi ? hi : v;
      out[o] = v;
    });
    return [out];
  };
}

export const add_s16_ref: RefKernel = addSubS16(1);
export const sub_s16_ref: RefKernel = addSubS16(-1);
