// The f32 unary ops: clamp, leaky_relu, sigmoid, tanh, hard_swish. Each is evaluated in float64 and
// rounded to f32 once; the output has the input's shape.
import type { ClampAttrs, LeakyReluAttrs, Node } from '../../ir/graph.js';
import type { RefKernel } from '../types.js';
import { type ShapeFn, clampTo, inputShape, requireF32 } from '../tensor-util.js';

/** Shape of input 0: every elementwise unary op (and quantize, dequantize, softmax, ...). */
export const sameAsInputShape: ShapeFn = (node, shapes) => [[...inputShape(node, shapes, 0, 'x')]];

function unaryKernel(makeOp: (node: Node) => (x: number) => number): RefKernel {
  return (node, inputs) => {
    const x = requireF32(node, inputs, 0, 'x');
    const op = makeOp(node);
    const out = new Float32Array(x.data.length);
    for (let i = 0; i < out.length; i++) out[i] = op(x.data[i]);
    return [out];
  };
}

export const clamp_f32_ref = unaryKernel((node) => {
  const { min, max } = node.attrs as ClampAttrs;
  return (x) => clampTo(x, min, max);
});

/** x for x >= 0, alpha * x below (ONNX LeakyRelu, TFLite LEAKY_RELU). */
export const leaky_relu_f32_ref = unaryKernel((node) => {
  const { alpha } = node.attrs as LeakyReluAttrs;
  return (x) => (x >= 0 ? x : alpha * x);
});

/** 1 / (1 + e^-x); exp overflow for very negative x gives 1/Infinity = 0, the right limit. */
export const sigmoid_f32_ref = unaryKernel(() => (x) => 1 / (1 + Math.exp(-x)));

export const tanh_f32_ref = unaryKernel(() => Math.tanh);

/** x * relu6(x + 3) / 6 (MobileNetV3's h-swish, ONNX HardSwish). */
export const hard_swish_f32_ref = unaryKernel(() => (x) => (x * clampTo(x + 3, 0, 6)) / 6);
