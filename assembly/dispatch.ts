// The interpreter loop: one switch per op over (opcode, dtype). No checks here: validation at
// load proved every access in range.
import {
  DTYPE_S8, OP_CONV2D, OP_DEPTHWISE_CONV2D, OP_FULLY_CONNECTED, OP_MATMUL, OP_ADD, OP_SUB, OP_MUL,
  OP_DIV, OP_CLAMP, OP_LEAKY_RELU, OP_SIGMOID, OP_TANH, OP_HARD_SWISH, OP_LUT, OP_MAX_POOL2D,
  OP_AVERAGE_POOL2D, OP_MEAN, OP_CONCAT, OP_PAD, OP_TRANSPOSE, OP_SOFTMAX, OP_QUANTIZE,
  OP_DEQUANTIZE, OP_REQUANTIZE, OP_COPY, OP_STRIDED_SLICE, OP_TRANSPOSE_CONV2D, DTYPE_S16, OP_LSTM,
  STORAGE_DIRECT, DTYPE_SIGN8, OP_BINARIZE,
} from '../format/format';
import { opCount, oprec, opcode, opIn, opOut, tdtype, tstorage } from './state';
import { runDirect } from './kernels/direct';
import { conv2d_f32, conv2d_s8_simd, conv2d_s8_scalar } from './kernels/conv2d';
import { depthwise_conv2d_f32, depthwise_conv2d_s8_simd, depthwise_conv2d_s8_scalar } from './kernels/depthwise_conv2d';
import { fully_connected_f32, fully_connected_s8_simd, fully_connected_s8_scalar } from './kernels/fully_connected';
import { matmul_f32 } from './kernels/matmul';
import { binary_f32, add_sub_s8, mul_s8 } from './kernels/binary';
import { clamp_f32, clamp_s8, unary_f32, lut_s8 } from './kernels/unary';
import { pool_f32, pool_s8 } from './kernels/pool';
import { mean_f32, mean_s8 } from './kernels/mean';
import { copy_any, concat_any, pad_any, transpose_any } from './kernels/copy';
import { softmax_f32, softmax_s8 } from './kernels/softmax';
import { quantize_f32_s8, dequantize_s8_f32, requantize_s8 } from './kernels/quantize';
import { conv2d_s16, transpose_conv2d_s16, add_sub_s16, leaky_relu_s16, requantize_int } from './kernels/int16';
import { strided_slice_any } from './kernels/strided_slice';
import { lstm_f32, lstm_s8 } from './kernels/lstm';
import { binarize_s8 } from './kernels/binary_weights';
import { bindScratch } from './scratch';

// The per-op path of every model: its record reads stay inlined (state.ts accessors are calls).
export function runOp(op: usize): void {
  const code = inline.always(opcode(op));
  const dt0 = inline.always(tdtype(opIn(op, 0)));
  const sign = dt0 == DTYPE_SIGN8; // binarized activations: s8 bytes of -1/+1
  const s8 = dt0 == DTYPE_S8 || sign;
  const s16 = dt0 == DTYPE_S16; // 16x8 forms (kernels/int16.ts)
  bindScratch(op, code);
  switch (code) {
    case OP_CONV2D:
      if (tstorage(opIn(op, 1)) == STORAGE_DIRECT) runDirect(op, code);
      else if (s16) conv2d_s16(op);
      else if (!s8) conv2d_f32(op);
      else if (ASC_FEATURE_SIMD) conv2d_s8_simd(op);
      else conv2d_s8_scalar(op);
      break;
    case OP_DEPTHWISE_CONV2D:
      if (!s8) depthwise_conv2d_f32(op);
      else if (ASC_FEATURE_SIMD) depthwise_conv2d_s8_simd(op);
      else depthwise_conv2d_s8_scalar(op);
      break;
    case OP_FULLY_CONNECTED:
      if (tstorage(opIn(op, 1)) == STORAGE_DIRECT) runDirect(op, code);
      else if (!s8) fully_connected_f32(op);
      else if (ASC_FEATURE_SIMD) fully_connected_s8_simd(op);
      else fully_connected_s8_scalar(op);
      break;
    case OP_MATMUL: matmul_f32(op); break;
    case OP_ADD:
    case OP_SUB:
      if (s16) add_sub_s16(op, code == OP_SUB);
      else if (s8) add_sub_s8(op, code == OP_SUB);
      else binary_f32(op, code);
      break;
    case OP_MUL:
      if (s8) mul_s8(op);
      else binary_f32(op, code);
      break;
    case OP_DIV: binary_f32(op, code); break;
    case OP_CLAMP:
      if (s8) clamp_s8(op);
      else clamp_f32(op);
      break;
    case OP_LEAKY_RELU:
      if (s16) leaky_relu_s16(op);
      else unary_f32(op, code);
      break;
    case OP_SIGMOID:
    case OP_TANH:
    case OP_HARD_SWISH: unary_f32(op, code); break;
    case OP_LUT: lut_s8(op); break;
    case OP_MAX_POOL2D:
    case OP_AVERAGE_POOL2D:
      if (s8) pool_s8(op, code == OP_MAX_POOL2D);
      else pool_f32(op, code == OP_MAX_POOL2D);
      break;
    case OP_MEAN:
      if (s8) mean_s8(op);
      else mean_f32(op);
      break;
    case OP_CONCAT: concat_any(op); break;
    case OP_PAD: pad_any(op); break;
    case OP_TRANSPOSE: transpose_any(op); break;
    case OP_SOFTMAX:
      if (s8) softmax_s8(op);
      else softmax_f32(op);
      break;
    case OP_QUANTIZE: quantize_f32_s8(op); break;
    case OP_DEQUANTIZE: dequantize_s8_f32(op); break;
    case OP_REQUANTIZE:
      if (s8 && tdtype(opOut(op, 0)) == DTYPE_S8) requantize_s8(op);
      else requantize_int(op);
      break;
    case OP_STRIDED_SLICE: strided_slice_any(op); break;
    case OP_TRANSPOSE_CONV2D: transpose_conv2d_s16(op); break;
    case OP_LSTM:
      if (s8) lstm_s8(op);
      else lstm_f32(op);
      break;
    case OP_BINARIZE: binarize_s8(op); break;
    case OP_COPY: copy_any(op); break;
  }
}

export function runAll(): void {
  const n = opCount;
  for (let i = 0; i < n; i++) runOp(oprec(i));
}
