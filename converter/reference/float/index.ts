// The f32 reference kernels by op. Data-movement kernels (concat, pad, transpose) and the dtype
// conversions (quantize, dequantize) work for any dtype; the interpreter falls back to them for s8
// nodes when int8Kernels has no kernel of its own for the op. `reshape` and `copy` are handled by
// the interpreter itself (no data changes).
import type { OpName } from '../../ir/graph.js';
import type { RefKernel } from '../types.js';
import { batch_norm_f32_ref } from './batch-norm.js';
import { unary_f32_ref } from './unary-math.js';
import { reduce_sum_f32_ref } from './mean.js';
import { concat_ref } from './concat.js';
import { conv2d_f32_ref } from './conv2d.js';
import { depthwise_conv2d_f32_ref } from './depthwise-conv2d.js';
import { compare_ref, logical_ref, select_ref } from './compare.js';
import { add_f32_ref, div_f32_ref, maximum_f32_ref, minimum_f32_ref, mul_f32_ref, sub_f32_ref } from './elementwise-binary.js';
import { clamp_f32_ref, hard_swish_f32_ref, leaky_relu_f32_ref, sigmoid_f32_ref, tanh_f32_ref } from './elementwise-unary.js';
import { fully_connected_f32_ref } from './fully-connected.js';
import { matmul_f32_ref } from './matmul.js';
import { mean_f32_ref } from './mean.js';
import { pad_ref } from './pad.js';
import { average_pool2d_f32_ref, max_pool2d_f32_ref } from './pool2d.js';
import { dequantize_ref, quantize_ref } from './quantize.js';
import { softmax_f32_ref } from './softmax.js';
import { lstm_f32_ref } from './lstm.js';
import { arg_max_ref, arg_min_ref } from './arg-max.js';
import { reduce_max_f32_ref, reduce_min_f32_ref } from './reduce-max.js';
import { strided_slice_ref } from './strided-slice.js';
import { resize_ref } from './resize.js';
import { transpose_ref } from './transpose.js';
import { transpose_conv2d_f32_ref } from './transpose-conv2d.js';

export { outputShapeFns } from './output-shapes.js';

export const floatKernels: Partial<Record<OpName, RefKernel>> = {
  conv2d: conv2d_f32_ref,
  depthwise_conv2d: depthwise_conv2d_f32_ref,
  fully_connected: fully_connected_f32_ref,
  matmul: matmul_f32_ref,
  add: add_f32_ref,
  sub: sub_f32_ref,
  mul: mul_f32_ref,
  div: div_f32_ref,
  clamp: clamp_f32_ref,
  leaky_relu: leaky_relu_f32_ref,
  sigmoid: sigmoid_f32_ref,
  tanh: tanh_f32_ref,
  hard_swish: hard_swish_f32_ref,
  max_pool2d: max_pool2d_f32_ref,
  average_pool2d: average_pool2d_f32_ref,
  mean: mean_f32_ref,
  concat: concat_ref,
  pad: pad_ref,
  transpose: transpose_ref,
  strided_slice: strided_slice_ref,
  lstm: lstm_f32_ref,
  transpose_conv2d: transpose_conv2d_f32_ref,
  softmax: softmax_f32_ref,
  quantize: quantize_ref,
  dequantize: dequantize_ref,
  batch_norm: batch_norm_f32_ref,
  maximum: maximum_f32_ref,
  unary: unary_f32_ref,
  reduce_sum: reduce_sum_f32_ref,
  minimum: minimum_f32_ref,
  arg_max: arg_max_ref,
  arg_min: arg_min_ref,
  reduce_max: reduce_max_f32_ref,
  reduce_min: reduce_min_f32_ref,
  resize: resize_ref,
  compare: compare_ref,
  logical: logical_ref,
  select: select_ref,
};

/** Ops whose float kernel is dtype-generic, so it also runs s8 nodes that int8Kernels lacks. */
export const dtypeGenericOps: ReadonlySet<OpName> = new Set<OpName>(['concat', 'pad', 'transpose', 'strided_slice', 'quantize', 'dequantize', 'arg_max', 'arg_min']);
