// The 16x8 reference kernels (int16 activations, int8 weights), by op: TFLite Micro's
// reference_integer_ops arithmetic for int16, bit for bit. The interpreter runs them for every node
// whose first input or output is s16; data-movement ops without an entry here (concat, transpose,
// strided_slice) fall back to the dtype-generic kernels.
import type { OpName } from '../../ir/graph.js';
import type { RefKernel } from '../types.js';
import { add_s16_ref, sub_s16_ref } from './add-sub.js';
import { conv2d_s16_ref } from './conv2d.js';
import { leaky_relu_s16_ref } from './leaky-relu.js';
import { pad_s16_ref } from './pad.js';
import { requantize_int_ref } from './requantize.js';
import { resize_s16_ref } from './resize.js';
import { transpose_conv2d_s16_ref } from './transpose-conv2d.js';

export const int16Kernels: Partial<Record<OpName, RefKernel>> = {
  conv2d: conv2d_s16_ref,
  add: add_s16_ref,
  sub: sub_s16_ref,
  leaky_relu: leaky_relu_s16_ref,
  pad: pad_s16_ref,
  requantize: requantize_int_ref,
  resize: resize_s16_ref,
  transpose_conv2d: transpose_conv2d_s16_ref,
};

export { add_s16_ref, conv2d_s16_ref, leaky_relu_s16_ref, pad_s16_ref, requantize_int_ref, resize_s16_ref, sub_s16_ref, transpose_conv2d_s16_ref };
