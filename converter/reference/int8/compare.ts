// compare and select on s8 (TFLite Micro's comparisons and SELECT_V2).
//   compare: TFLM never compares the raw codes; each input is rescaled first (ComparisonWithScaling):
//     x' = MBQM<1((x − zp_x)·2^left_shift, x_mult, x_shift), x_mult / x_shift the input's own scale
//     as a multiplier below one (QuantizeMultiplierSmallerThanOneExp), left_shift 8; then y = a' <fn> b'.
//     So two codes whose rescaled values round together compare equal, as on the MCU.
//   select: the chosen operand's code is copied (TFLM converts nothing), so a, b and the output
//     must share one scale and zero point for the codes to mean the same values.
import type { CompareAttrs, Node } from '../../ir/graph.js';
import { numel } from '../../ir/graph.js';
import { multiplyByQuantizedMultiplierSmallerThanOneExp as mbqmSmall } from '../fixedpoint.js';
import { comparePredicate, select_ref, selectOperands } from '../float/compare.js';
import { broadcastShapes, broadcastStrides, forEachBroadcast, kernelError } from '../tensor-util.js';
import type { RefKernel } from '../types.js';
import { checkMultiplier, int8Param, perTensorQuant, requireS8, requireS8Output } from './common.js';
import { requireSameQuant } from './data-movement.js';

export const compare_s8_ref: RefKernel = (node: Node, inputs) => {
  const a = requireS8(node, inputs, 0, 'a');
  const b = requireS8(node, inputs, 1, 'b');
  const leftShift = int8Param(node, 'leftShift');
  if (leftShift < 0 || leftShift > 23) throw kernelError(node, `left_shift ${leftShift} must be in 0..23`);
  const rescale = (x: typeof a, mult: number, shift: number, what: string) => {
    checkMultiplier(node, mult, shift, `${what} rescale`);
    if (shift > 0) throw kernelError(node, `${what} rescale shift ${shift} must be <= 0 (a multiplier below one)`);
    const zp = perTensorQuant(node, x.quant, `input ${what}`).zeroPoint;
    return (code: number) => mbqmSmall(Math.imul(code - zp, 1 << leftShift), mult, shift);
  };
  const ra = rescale(a, int8Param(node, 'aMult'), int8Param(node, 'aShift'), 'a');
  const rb = rescale(b, int8Param(node, 'bMult'), int8Param(node, 'bShift'), 'b');
  const p = comparePredicate((node.attrs as CompareAttrs).fn);
  const shape = broadcastShapes(node, a.shape, b.shape);
  const y = new Uint8Array(numel(shape));
  forEachBroadcast(shape, broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape), (o, ia, ib) => {
    y[o] = p(ra(a.data[ia]), rb(b.data[ib])) ? 1 : 0;
  });
  return [y];
};

export const select_s8_ref: RefKernel = (node, inputs, outputs) => {
  const [, a, b] = selectOperands(node, inputs);
  if (a.dtype !== 's8') throw kernelError(node, `the int8 form selects s8 operands, got ${a.dtype}`);
  const out = requireS8Output(node, outputs);
  requireSameQuant(node, a.quant, out, 'input 1 (a)');
  requireSameQuant(node, b.quant, out, 'input 2 (b)');
  return select_ref(node, inputs, outputs);
};
