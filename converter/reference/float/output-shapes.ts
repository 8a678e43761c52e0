// Output shapes per op, computed from input shapes and attributes. They do not depend on the dtype,
// so the interpreter uses them for s8 nodes too: to check declared shapes and to give constant
// folding the shapes of values whose tensors have none yet. `reshape` is absent: its shape is the
// declared one (the interpreter handles it).
import type { OpName } from '../../ir/graph.js';
import type { ShapeFn } from '../tensor-util.js';
import { concatOutputShape } from './concat.js';
import { conv2dOutputShape } from './conv2d.js';
import { depthwiseConv2dOutputShape } from './depthwise-conv2d.js';
import { broadcastOutputShape } from './elementwise-binary.js';
import { sameAsInputShape } from './elementwise-unary.js';
import { fullyConnectedOutputShape } from './fully-connected.js';
import { matmulOutputShape } from './matmul.js';
import { meanOutputShape } from './mean.js';
import { padOutputShape } from './pad.js';
import { pool2dOutputShape } from './pool2d.js';
import { lstmOutputShape } from './lstm.js';
import { argOutputShape } from './arg-max.js';
import { stridedSliceOutputShape } from './strided-slice.js';
import { resizeOutputShape } from './resize.js';
import { logicalOutputShape, selectOutputShape } from './compare.js';
import { transposeOutputShape } from './transpose.js';
import { transposeConv2dOutputShape } from './transpose-conv2d.js';

export const outputShapeFns: Partial<Record<OpName, ShapeFn>> = {
  conv2d: conv2dOutputShape,
  depthwise_conv2d: depthwiseConv2dOutputShape,
  fully_connected: fullyConnectedOutputShape,
  matmul: matmulOutputShape,
  add: broadcastOutputShape,
  sub: broadcastOutputShape,
  mul: broadcastOutputShape,
  div: broadcastOutputShape,
  clamp: sameAsInputShape,
  leaky_relu: sameAsInputShape,
  sigmoid: sameAsInputShape,
  tanh: sameAsInputShape,
  hard_swish: sameAsInputShape,
  lut: sameAsInputShape,
  max_pool2d: pool2dOutputShape,
  average_pool2d: pool2dOutputShape,
  mean: meanOutputShape,
  concat: concatOutputShape,
  pad: padOutputShape,
  transpose: transposeOutputShape,
  strided_slice: stridedSliceOutputShape,
  lstm: lstmOutputShape,
  transpose_conv2d: transposeConv2dOutputShape,
  softmax: sameAsInputShape,
  quantize: sameAsInputShape,
  dequantize: sameAsInputShape,
  requantize: sameAsInputShape,
  copy: sameAsInputShape,
  binarize: sameAsInputShape,
  batch_norm: sameAsInputShape,
  maximum: broadcastOutputShape,
  compare: broadcastOutputShape,
  logical: logicalOutputShape,
  select: selectOutputShape,
  minimum: broadcastOutputShape,
  arg_max: argOutputShape,
  arg_min: argOutputShape,
  reduce_max: meanOutputShape,
  reduce_min: meanOutputShape,
  resize: resizeOutputShape,
  unary: sameAsInputShape,
  reduce_sum: meanOutputShape,
  log_softmax: sameAsInputShape,
};
