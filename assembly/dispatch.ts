// The interpreter loop: one switch per op over (opcode, dtype). No checks here: validation at
// load proved every access in range.
//
// Per-model builds (features.ts): every kernel call sits behind its op's `opBuilt(OP_X)` and its
// form's flag (f32 / s8 / s16 below fold to false when the build leaves that dtype out), so a
// left-out kernel is never linked. A new kernel call goes behind the same flags.
import {
  DTYPE_S8, OP_CONV2D, OP_DEPTHWISE_CONV2D, OP_FULLY_CONNECTED, OP_MATMUL, OP_ADD, OP_SUB, OP_MUL,
  OP_DIV, OP_CLAMP, OP_LEAKY_RELU, OP_SIGMOID, OP_TANH, OP_HARD_SWISH, OP_LUT, OP_MAX_POOL2D,
  OP_AVERAGE_POOL2D, OP_MEAN, OP_CONCAT, OP_PAD, OP_TRANSPOSE, OP_SOFTMAX, OP_QUANTIZE,
  OP_DEQUANTIZE, OP_REQUANTIZE, OP_COPY, OP_STRIDED_SLICE, OP_TRANSPOSE_CONV2D, DTYPE_S16, OP_LSTM,
  STORAGE_DIRECT, O_FLAGS, OPF_PACKED_W16, DTYPE_SIGN8, OP_BINARIZE, DTYPE_F32,
  OP_MAXIMUM, OP_MINIMUM, OP_ARG_MAX, OP_ARG_MIN, OP_REDUCE_MAX, OP_REDUCE_MIN,
  OP_RESIZE, RESIZE_NEAREST, RESIZE_BILINEAR,
  OP_UNARY, OP_REDUCE_SUM, OP_LOG_SOFTMAX,
  OP_COMPARE, OP_LOGICAL, OP_SELECT,
} from '../format/format';
import { opCount, oprec, opcode, opIn, opOut, opParam, tdtype, tstorage } from './state';
import { runDirect } from './kernels/direct';
import { conv2d_f32, conv2d_s8_simd, conv2d_s8_scalar } from './kernels/conv2d';
import { depthwise_conv2d_f32, depthwise_conv2d_s8_simd, depthwise_conv2d_s8_scalar } from './kernels/depthwise_conv2d';
import { fully_connected_f32, fully_connected_s8_simd, fully_connected_s8_scalar, fully_connected_s8_prepared } from './kernels/fully_connected';
import { preparedTable } from './prepared';
import { matmul_f32 } from './kernels/matmul';
import { binary_f32, add_sub_s8, mul_s8 } from './kernels/binary';
import { clamp_f32, clamp_s8, unary_f32, lut_s8 } from './kernels/unary';
import { pool_f32, pool_s8 } from './kernels/pool';
import { mean_f32, mean_s8 } from './kernels/mean';
import { copy_any, concat_any, pad_any, transpose_any, strided_slice_any } from './kernels/copy';
import { softmax_f32, softmax_s8 } from './kernels/softmax';
import { quantize_f32_s8, dequantize_s8_f32, requantize_s8 } from './kernels/quantize';
import { conv2d_s16, transpose_conv2d_s16, add_sub_s16, leaky_relu_s16, requantize_int } from './kernels/int16';
import { lstm_f32, lstm_s8 } from './kernels/lstm';
import { binarize_s8 } from './kernels/binary_weights';
import { maximum_minimum, arg_max_min, reduce_max_min } from './kernels/min_max';
import { unary_math_f32 } from './kernels/unary_math';
import { reduce_sum } from './kernels/reduce_sum';
import { transpose_conv2d_f32, transpose_conv2d_s8 } from './kernels/transpose_conv2d';
import { resize_nearest, resize_bilinear, resize_taps } from './kernels/resize';
import { log_softmax_s8 } from './kernels/log_softmax';
import { compare_logical, select_any } from './kernels/compare';
import { bindScratch } from './scratch';
import { opBuilt, dtypeBuilt, BUILT_DIRECT } from './features';

// The per-op path of every model: its record reads stay inlined (state.ts accessors are calls).
export function runOp(op: usize): void {
  // Ops prepared at load (prepared.ts, SIMD build) run from their prepared record.
  if (ASC_FEATURE_SIMD) {
    const rec = preparedTable(op);
    // (A prepared depthwise reads its record in its kernel.)
    if (opBuilt(OP_FULLY_CONNECTED) && rec && inline.always(opcode(op)) == OP_FULLY_CONNECTED) {
      fully_connected_s8_prepared(rec);
      return;
    }
  }
  const code = inline.always(opcode(op));
  const dt0 = inline.always(tdtype(opIn(op, 0)));
  const sign = dt0 == DTYPE_SIGN8; // binarized activations: s8 bytes of -1/+1
  const s8 = dtypeBuilt(DTYPE_S8) && (dt0 == DTYPE_S8 || sign);
  const s16 = dtypeBuilt(DTYPE_S16) && dt0 == DTYPE_S16; // 16x8 forms (kernels/int16.ts)
  // The float forms are each op's last branch (validation left no other dtype there): true unless
  // the build leaves f32 out.
  const f32 = dtypeBuilt(DTYPE_F32);
  // The scalar build's packed int8 fully_connected (ad's every layer) reads no kernel scratch
  // (its requantization table is the SIMD build's): no per-op binding, ~10 calls an op.
  if (ASC_FEATURE_SIMD || code != OP_FULLY_CONNECTED || !s8 || !(load<u16>(op, O_FLAGS) & OPF_PACKED_W16)
    || inline.always(tstorage(opIn(op, 1))) == STORAGE_DIRECT) bindScratch(op, code);
  // Opcodes of the high mask are tested apart: a build without them keeps its switch's table.
  if (opBuilt(OP_RESIZE) && code == OP_RESIZE) {
    const mode = opParam(op, 0);
    if (mode == RESIZE_NEAREST) resize_nearest(op);
    else if (mode == RESIZE_BILINEAR) { if (s8) resize_bilinear(op, true); else if (f32) resize_bilinear(op, false); }
    else if (s8) resize_taps(op, true);
    else if (f32) resize_taps(op, false);
    return;
  }
  if (opBuilt(OP_UNARY) && code == OP_UNARY) {
    if (f32) unary_math_f32(op);
    return;
  }
  if (opBuilt(OP_REDUCE_SUM) && code == OP_REDUCE_SUM) {
    if (s8 || f32) reduce_sum(op, !s8);
    return;
  }
  if (opBuilt(OP_LOG_SOFTMAX) && code == OP_LOG_SOFTMAX) {
    if (s8) log_softmax_s8(op);
    return;
  }
  if ((opBuilt(OP_COMPARE) && code == OP_COMPARE) || (opBuilt(OP_LOGICAL) && code == OP_LOGICAL)) {
    // (A constant when the build has one of the two.)
    compare_logical(op, opBuilt(OP_LOGICAL) && (!opBuilt(OP_COMPARE) || code == OP_LOGICAL));
    return;
  }
  if (opBuilt(OP_SELECT) && code == OP_SELECT) {
    select_any(op);
    return;
  }
  switch (code) {
    case OP_CONV2D:
      if (!opBuilt(OP_CONV2D)) break;
      if (BUILT_DIRECT != 0 && tstorage(opIn(op, 1)) == STORAGE_DIRECT) runDirect(op, code);
      else if (s16) conv2d_s16(op);
      else if (s8) {
        if (ASC_FEATURE_SIMD) conv2d_s8_simd(op);
        else conv2d_s8_scalar(op);
      } else if (f32) conv2d_f32(op);
      break;
    case OP_DEPTHWISE_CONV2D:
      if (!opBuilt(OP_DEPTHWISE_CONV2D)) break;
      if (s8) {
        if (ASC_FEATURE_SIMD) depthwise_conv2d_s8_simd(op);
        else depthwise_conv2d_s8_scalar(op);
      } else if (f32) depthwise_conv2d_f32(op);
      break;
    case OP_FULLY_CONNECTED:
      if (!opBuilt(OP_FULLY_CONNECTED)) break;
      if (BUILT_DIRECT != 0 && tstorage(opIn(op, 1)) == STORAGE_DIRECT) runDirect(op, code);
      else if (s8) {
        if (ASC_FEATURE_SIMD) fully_connected_s8_simd(op);
        else fully_connected_s8_scalar(op);
      } else if (f32) fully_connected_f32(op);
      break;
    case OP_MATMUL: if (opBuilt(OP_MATMUL) && f32) matmul_f32(op); break;
    case OP_ADD:
    case OP_SUB:
      if (!opBuilt(OP_ADD) && !opBuilt(OP_SUB)) break;
      if (s16) add_sub_s16(op, code == OP_SUB);
      else if (s8) add_sub_s8(op, code == OP_SUB);
      else if (f32) binary_f32(op, code);
      break;
    case OP_MUL:
      if (!opBuilt(OP_MUL)) break;
      if (s8) mul_s8(op);
      else if (f32) binary_f32(op, code);
      break;
    case OP_DIV: if (opBuilt(OP_DIV) && f32) binary_f32(op, code); break;
    case OP_CLAMP:
      if (!opBuilt(OP_CLAMP)) break;
      if (s8) clamp_s8(op);
      else if (f32) clamp_f32(op);
      break;
    case OP_LEAKY_RELU:
      if (!opBuilt(OP_LEAKY_RELU)) break;
      if (s16) leaky_relu_s16(op);
      else if (f32) unary_f32(op, code);
      break;
    case OP_SIGMOID:
    case OP_TANH:
    case OP_HARD_SWISH: if ((opBuilt(OP_SIGMOID) || opBuilt(OP_TANH) || opBuilt(OP_HARD_SWISH)) && f32) unary_f32(op, code); break;
    case OP_LUT: if (opBuilt(OP_LUT) && s8) lut_s8(op); break;
    case OP_MAX_POOL2D:
    case OP_AVERAGE_POOL2D: {
      if (!opBuilt(OP_MAX_POOL2D) && !opBuilt(OP_AVERAGE_POOL2D)) break;
      // A constant when the build has one of the two (the other's code then folds away).
      const isMax = opBuilt(OP_MAX_POOL2D) && (!opBuilt(OP_AVERAGE_POOL2D) || code == OP_MAX_POOL2D);
      if (s8) pool_s8(op, isMax);
      else if (f32) pool_f32(op, isMax);
      break;
    }
    case OP_MEAN:
      if (!opBuilt(OP_MEAN)) break;
      if (s8) mean_s8(op);
      else if (f32) mean_f32(op);
      break;
    case OP_CONCAT: if (opBuilt(OP_CONCAT)) concat_any(op); break;
    case OP_PAD: if (opBuilt(OP_PAD)) pad_any(op); break;
    case OP_TRANSPOSE: if (opBuilt(OP_TRANSPOSE)) transpose_any(op); break;
    case OP_SOFTMAX:
      if (!opBuilt(OP_SOFTMAX)) break;
      if (s8) softmax_s8(op);
      else if (f32) softmax_f32(op);
      break;
    case OP_QUANTIZE: if (opBuilt(OP_QUANTIZE) && f32) quantize_f32_s8(op); break;
    case OP_DEQUANTIZE: if (opBuilt(OP_DEQUANTIZE) && s8) dequantize_s8_f32(op); break;
    case OP_REQUANTIZE:
      if (!opBuilt(OP_REQUANTIZE)) break;
      if (s8 && tdtype(opOut(op, 0)) == DTYPE_S8) requantize_s8(op);
      else requantize_int(op);
      break;
    case OP_STRIDED_SLICE: if (opBuilt(OP_STRIDED_SLICE)) strided_slice_any(op); break;
    case OP_TRANSPOSE_CONV2D:
      if (!opBuilt(OP_TRANSPOSE_CONV2D)) break;
      if (s16) transpose_conv2d_s16(op);
      else if (s8) transpose_conv2d_s8(op);
      else if (f32) transpose_conv2d_f32(op);
      break;
    case OP_LSTM:
      if (!opBuilt(OP_LSTM)) break;
      if (s8) lstm_s8(op);
      else if (f32) lstm_f32(op);
      break;
    case OP_BINARIZE: if (opBuilt(OP_BINARIZE) && s8) binarize_s8(op); break;
    case OP_COPY: if (opBuilt(OP_COPY)) copy_any(op); break;
    case OP_MAXIMUM:
    case OP_MINIMUM: {
      if (!opBuilt(OP_MAXIMUM) && !opBuilt(OP_MINIMUM)) break;
      // A constant when the build has one of the two (as for the pools).
      const isMax = opBuilt(OP_MAXIMUM) && (!opBuilt(OP_MINIMUM) || code == OP_MAXIMUM);
      if (s8) maximum_minimum(op, isMax, false);
      else if (f32) maximum_minimum(op, isMax, true);
      break;
    }
    case OP_ARG_MAX:
    case OP_ARG_MIN: {
      if (!opBuilt(OP_ARG_MAX) && !opBuilt(OP_ARG_MIN)) break;
      const isMax = opBuilt(OP_ARG_MAX) && (!opBuilt(OP_ARG_MIN) || code == OP_ARG_MAX);
      if (s8 || f32) arg_max_min(op, isMax, !s8);
      break;
    }
    case OP_REDUCE_MAX:
    case OP_REDUCE_MIN: {
      if (!opBuilt(OP_REDUCE_MAX) && !opBuilt(OP_REDUCE_MIN)) break;
      const isMax = opBuilt(OP_REDUCE_MAX) && (!opBuilt(OP_REDUCE_MIN) || code == OP_REDUCE_MAX);
      if (s8 || f32) reduce_max_min(op, isMax, !s8);
      break;
    }
  }
}

export function runAll(): void {
  const n = opCount;
  for (let i = 0; i < n; i++) runOp(oprec(i));
}
