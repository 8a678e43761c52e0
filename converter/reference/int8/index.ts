// The s8 reference kernels, by op: TFLite Micro's int8 arithmetic (default build, double rounding),
// bit for bit. They are the oracle the runtime's int8 kernels are tested against.
import type { OpName } from '../../ir/graph.js';
import type { RefKernel } from '../types.js';
import { add_s8_ref } from './add.js';
import { clamp_s8_ref } from './clamp.js';
import { conv2d_s8_ref } from './conv2d.js';
import { concat_s8_ref, pad_s8_ref, transpose_s8_ref } from './data-movement.js';
import { depthwise_conv2d_s8_ref } from './depthwise-conv2d.js';
import { fully_connected_s8_ref } from './fully-connected.js';
import { lstm_s8_ref } from './lstm.js';
import { lut_s8_ref } from './lut.js';
import { mean_s8_ref, reduce_sum_s8_ref } from './mean.js';
import { log_softmax_s8_ref } from './log-softmax.js';
import { mul_s8_ref } from './mul.js';
import { average_pool2d_s8_ref, max_pool2d_s8_ref } from './pool2d.js';
import { dequantize_s8_ref, quantize_s8_ref, requantize_s8_ref } from './quantize.js';
import { softmax_s8_ref } from './softmax.js';
import { sub_s8_ref } from './sub.js';
import { binarize_s8_ref } from './binary.js';
import { compare_s8_ref, select_s8_ref } from './compare.js';
import { maximum_s8_ref, minimum_s8_ref, reduce_max_s8_ref, reduce_min_s8_ref } from './min-max.js';
import { transpose_conv2d_s8_ref } from './transpose-conv2d.js';
import { resize_s8_ref } from './resize.js';

export const int8Kernels: Partial<Record<OpName, RefKernel>> = {
  conv2d: conv2d_s8_ref,
  depthwise_conv2d: depthwise_conv2d_s8_ref,
  fully_connected: fully_connected_s8_ref,
  add: add_s8_ref,
  sub: sub_s8_ref,
  mul: mul_s8_ref,
  clamp: clamp_s8_ref,
  lut: lut_s8_ref,
  lstm: lstm_s8_ref,
  max_pool2d: max_pool2d_s8_ref,
  average_pool2d: average_pool2d_s8_ref,
  mean: mean_s8_ref,
  reduce_sum: reduce_sum_s8_ref,
  log_softmax: log_softmax_s8_ref,
  concat: concat_s8_ref,
  pad: pad_s8_ref,
  transpose: transpose_s8_ref,
  softmax: softmax_s8_ref,
  quantize: quantize_s8_ref,
  dequantize: dequantize_s8_ref,
  requantize: requantize_s8_ref,
  binarize: binarize_s8_ref,
  maximum: maximum_s8_ref,
  compare: compare_s8_ref,
  select: select_s8_ref,
  minimum: minimum_s8_ref,
  reduce_max: reduce_max_s8_ref,
  reduce_min: reduce_min_s8_ref,
  transpose_conv2d: transpose_conv2d_s8_ref,
  resize: resize_s8_ref,
};

export {
  add_s8_ref, average_pool2d_s8_ref, clamp_s8_ref, concat_s8_ref, conv2d_s8_ref, depthwise_conv2d_s8_ref,
  dequantize_s8_ref, fully_connected_s8_ref, lut_s8_ref, max_pool2d_s8_ref, mean_s8_ref, mul_s8_ref, pad_s8_ref,
  quantize_s8_ref, requantize_s8_ref, softmax_s8_ref, sub_s8_ref, transpose_conv2d_s8_ref, transpose_s8_ref,
};
