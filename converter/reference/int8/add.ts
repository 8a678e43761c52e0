// add, s8 (TFLite Micro reference_integer_ops AddFunc), numpy broadcasting. Both inputs are moved to
// a common scale with 20 bits of headroom, summed, then rescaled to the output:
//   a' = MBQM<1((a − a_zp)·2^left_shift, a_mult, a_shift)   (same for b)
//   y  = clamp(MBQM<1(a' ± b', out_mult, out_shift) + out_zp, act_min, act_max)
// sub (sub.ts) is the same with a' − b'; the parameters come from node.int8 (the quantizer computes
// them as TFLite Micro's Prepare does).
import type { Node, Tensor } from '../../ir/graph.js';
import { multiplyByQuantizedMultiplierSmallerThanOneExp as mbqmSmall } from '../fixedpoint.js';
import { broadcastOutputShape } from '../float/elementwise-binary.js';
import { broadcastStrides, forEachBroadcast, kernelError } from '../tensor-util.js';
import type { RefKernel, RefValue } from '../types.js';
import { actBounds, checkMultiplier, int8Param, perTensorQuant, requireS8, requireS8Output } from './common.js';

/** How add/sub reads and writes one activation width (s8 here; s16 in ../int16/add-sub.ts). */
export interface AddSubWidth {
  /** The largest left_shift accepted (TFLite Micro uses 20 for int8 and 15 for int16). */
  maxLeftShift: number;
  requireInput(node: Node, inputs: (RefValue | undefined)[], i: number, what: string): RefValue & { data: Int8Array | Int16Array };
  requireOutput(node: Node, outputs: Tensor[]): Tensor;
  bounds(node: Node): [number, number];
  alloc(n: number): Int8Array | Int16Array;
}

/** Reads add/sub's parameters from node.int8, validating each. */
function addSubParams(node: Node, maxLeftShift: number) {
  const p = {
    leftShift: int8Param(node, 'leftShift'),
    aMult: int8Param(node, 'aMult'),
    aShift: int8Param(node, 'aShift'),
    bMult: int8Param(node, 'bMult'),
    bShift: int8Param(node, 'bShift'),
    outMult: int8Param(node, 'outMult'),
    outShift: int8Param(node, 'outShift'),
  };
  if (p.leftShift < 0 || p.leftShift > maxLeftShift) throw kernelError(node, `left_shift ${p.leftShift} must be in 0..${maxLeftShift}`);
  for (const [m, s, what] of [[p.aMult, p.aShift, 'a'], [p.bMult, p.bShift, 'b'], [p.outMult, p.outShift, 'output']] as const) {
    checkMultiplier(node, m, s, `${what} rescale`);
    if (s > 0) throw kernelError(node, `${what} rescale shift ${s} must be <= 0 (a multiplier below one)`);
  }
  return p;
}

/** add (sign 1) or sub (sign -1) for one activation width. */
export function addSubKernelOf(sign: 1 | -1, width: AddSubWidth): RefKernel {
  return (node, inputs: (RefValue | undefined)[], outputs: Tensor[]) => {
    const a = width.requireInput(node, inputs, 0, 'a');
    const b = width.requireInput(node, inputs, 1, 'b');
    const [outShape] = broadcastOutputShape(node, [a.shape, b.shape]);
    const p = addSubParams(node, width.maxLeftShift);
    const aOff = -perTensorQuant(node, a.quant, 'input a').zeroPoint;
    const bOff = -perTensorQuant(node, b.quant, 'input b').zeroPoint;
    const outZp = perTensorQuant(node, width.requireOutput(node, outputs).quant, 'output').zeroPoint;
    const [lo, hi] = width.bounds(node);
    const scale = 1 << p.leftShift;
    const out = width.alloc(outShape.reduce((n, d) => n * d, 1));
    const ad = a.data;
    const bd = b.data;
    forEachBroadcast(outShape, broadcastStrides(a.shape, outShape), broadcastStrides(b.shape, outShape), (o, ia, ib) => {
      const sa = mbqmSmall(Math.imul(aOff + ad[ia], scale), p.aMult, p.aShift);
      const sb = mbqmSmall(Math.imul(bOff + bd[ib], scale), p.bMult, p.bShift);
      const raw = (sign > 0 ? sa + sb : sa - sb) | 0;
      let v = mbqmSmall(raw, p.outMult, p.outShift) + outZp;
      v = v < lo ? lo : v > hi ? hi : v;
      out[o] = v;
    });
    return [out];
  };
}

const S8_WIDTH: AddSubWidth = {
  maxLeftShift: 24,
  requireInput: requireS8,
  requireOutput: (node, outputs) => requireS8Output(node, outputs),
  bounds: actBounds,
  alloc: (n) => new Int8Array(n),
};

export function addSubKernel(sign: 1 | -1): RefKernel {
  return addSubKernelOf(sign, S8_WIDTH);
}

export const add_s8_ref: RefKernel = addSubKernel(1);
