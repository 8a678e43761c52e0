// add, sub, mul, div, maximum, minimum, f32: numpy broadcasting of a and b, then the fused
// activation clamp. The op is computed in float64 and rounded to f32 once, which equals the f32
// operation (IEEE division by zero gives +-Infinity or NaN, as in f32). maximum / minimum follow
// TFLite's rule, a > b ? a : b (a < b ? a : b): with a NaN operand the result is b.
import type { ActivationAttrs, Node } from '../../ir/graph.js';
import { numel } from '../../ir/graph.js';
import type { RefKernel } from '../types.js';
import {
  type ShapeFn, activationBounds, broadcastShapes, broadcastStrides, clampTo, forEachBroadcast, inputShape, requireF32,
} from '../tensor-util.js';

export const broadcastOutputShape: ShapeFn = (node, shapes) => [
  broadcastShapes(node, inputShape(node, shapes, 0, 'a'), inputShape(node, shapes, 1, 'b')),
];

function binaryKernel(op: (a: number, b: number) => number): RefKernel {
  return (node: Node, inputs) => {
    const a = requireF32(node, inputs, 0, 'a');
    const b = requireF32(node, inputs, 1, 'b');
    const shape = broadcastShapes(node, a.shape, b.shape);
    const [lo, hi] = activationBounds((node.attrs as ActivationAttrs).activation);
    const out = new Float32Array(numel(shape));
    const ad = a.data;
    const bd = b.data;
    forEachBroadcast(shape, broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape), (o, ia, ib) => {
      out[o] = clampTo(op(ad[ia], bd[ib]), lo, hi);
    });
    return [out];
  };
}

export const add_f32_ref = binaryKernel((a, b) => a + b);
export const sub_f32_ref = binaryKernel((a, b) => a - b);
export const mul_f32_ref = binaryKernel((a, b) => a * b);
export const div_f32_ref = binaryKernel((a, b) => a / b);
export const maximum_f32_ref = binaryKernel((a, b) => (a > b ? a : b));
export const minimum_f32_ref = binaryKernel((a, b) => (a < b ? a : b));
