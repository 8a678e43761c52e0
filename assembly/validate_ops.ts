// Per-opcode validation: arity, dtypes, ranks, shape relations and params. Every relation a
// kernel relies on to stay in bounds is checked here, so kernels can run without checks.
//
// What most ops share (input/output counts, dtypes, ranks, param count and ranges) is data: one
// row per opcode and input-0 dtype form (the ROWS_* tables), read by checkRow(). What is genuinely one op's
// (window sizes, broadcasting, weights against channels, per-channel requantization) is code, in
// the switch of validateOp after the row has passed.
import {
  OK, ERR_BAD_OP, DTYPE_F32, DTYPE_S8, DTYPE_S32, DTYPE_U8, DTYPE_S16, DTYPE_SIGN8, DTYPE_COUNT,
  STORAGE_EMPTY, STORAGE_WEIGHTS, STORAGE_ENCODED, STORAGE_DIRECT, MAX_RANK, O_FLAGS, OPF_PACKED_W16, PACKED_K_MAX,
  OP_CONV2D, OP_DEPTHWISE_CONV2D, OP_FULLY_CONNECTED, OP_MATMUL, OP_ADD, OP_SUB, OP_MUL, OP_DIV,
  OP_CLAMP, OP_LEAKY_RELU, OP_SIGMOID, OP_TANH, OP_HARD_SWISH, OP_LUT, OP_MAX_POOL2D,
  OP_AVERAGE_POOL2D, OP_MEAN, OP_CONCAT, OP_PAD, OP_TRANSPOSE, OP_SOFTMAX, OP_QUANTIZE,
  OP_DEQUANTIZE, OP_REQUANTIZE, OP_COPY, PAD_MODE_CONSTANT, PAD_MODE_WRAP,
  OP_STRIDED_SLICE, OP_TRANSPOSE_CONV2D, OP_LSTM, O_SCRATCH_TENSOR, OP_BINARIZE,
  OP_MAXIMUM, OP_MINIMUM, OP_ARG_MAX, OP_ARG_MIN, OP_REDUCE_MAX, OP_REDUCE_MIN,
  OP_RESIZE, OP_UNARY, OP_REDUCE_SUM, OP_LOG_SOFTMAX, OP_COMPARE, OP_LOGICAL, OP_SELECT, DTYPE_BOOL,
} from '../format/format';
import { vResize, vUnary, vTransposeConvParamCount, vTransposeConvGroups, vLogSoftmax, vCompare, vLogical, vSelect } from './validate_high';
import { str, say, say1, say2, text, textAt, Text, opPrefix, dtypeName } from './message';
import {
  opInCount, opOutCount, opParamCount, opIn, opOut, opParam, tdim, tnumel,
  tscale, tptr, opParamF, tensorCount,
} from './state';
import { tdtype, trank, tstorage, tzp, tbytes } from './state_cold';
import { SUBSET, BUILT_OPS, BUILT_OPS_HIGH, opBuilt, dtypeBuilt, kernelBuilt, opNotBuilt, formNotBuilt, packedNotBuilt, plainNotBuilt, plainConvNotBuilt, dwGeneralNotBuilt, packedConvNotBuilt } from './features';
import { KERNEL_PACKED, KERNEL_S8_PLAIN, KERNEL_S8_PLAIN_CONV, KERNEL_DW_GENERAL, KERNEL_DW_PAIRS, KERNEL_DW_C1M8, KERNEL_PACKED_SPATIAL, KERNEL_DW_PIXELS } from '../format/runtime-features';
import { ksDwPairsCoverAll, ksDwSweeps } from '../format/kernel-scratch';

// ---- The table ---------------------------------------------------------------------------------
// Dtype sets are bit masks (bit dt); M_IN0 in an output column means "input 0's dtype".
const M_IN0: u8 = 1;
const M_F32: u8 = <u8><i32>(1 << DTYPE_F32);
const M_S8: u8 = <u8><i32>(1 << DTYPE_S8);
const M_S32: u8 = <u8><i32>(1 << DTYPE_S32);
const M_S16: u8 = <u8><i32>(1 << DTYPE_S16);
const M_SIGN8: u8 = <u8><i32>(1 << DTYPE_SIGN8);
const M_BOOL: u8 = <u8><i32>(1 << DTYPE_BOOL);
const M_ANY: u8 = <u8><i32>((1 << DTYPE_F32) | (1 << DTYPE_S8) | (1 << DTYPE_S32) | (1 << DTYPE_U8) | (1 << DTYPE_S16) | (1 << DTYPE_SIGN8) | (1 << DTYPE_BOOL));
const M_INT: u8 = <u8><i32>(M_S8 | M_S16 | M_S32);
const M_Q8: u8 = <u8><i32>(M_S8 | M_SIGN8); // s8 forms also read binarized (sign8) activations
// Rank columns: 0 unchecked, 1..MAX_RANK exact, R_IN0 the rank of input 0.
const R_IN0: u8 = <u8><i32>(MAX_RANK + 1);
// Input-count column: MANY means no upper bound.
const MANY: u8 = 255;
// Param-count column: VAR_PARAMS means the op's code checks the count (and every param).
const VAR_PARAMS: u8 = 255;
// Flags.
const SAME_NUMEL: u8 = 1; // output 0 has input 0's element count
const SAME_SHAPE: u8 = 2; // output 0 has input 0's shape
const PACKABLE: u8 = 4; // may carry OPF_PACKED_W16 weights (checked by the op's code)
const END: u8 = 255;

// Param ranges [lo, hi]: RANGES items, then (from G_OTHER) OTHER_RANGES items, which only ops
// outside the conv / depthwise / fully_connected / pool / softmax tables use (rangeOf, as
// paramName); lo = PREV means "param k - 1" (act_max >= act_min).
const G_GE1: u8 = 0, G_S8: u8 = 1, G_S8_MAX: u8 = 2, G_S16: u8 = 3, G_S16_MAX: u8 = 4, G_BOOL: u8 = 5,
  G_0_31: u8 = 6, G_OTHER: u8 = 7, G_GE0: u8 = 7, G_SHIFT: u8 = 8, G_0_30: u8 = 9, G_0_15: u8 = 10,
  G_PAD_MODE: u8 = 11, G_ACT: u8 = 12, G_TANH: u8 = 13, G_CELL_POW: u8 = 14, G_CELL_CLIP: u8 = 15, G_THRESHOLD: u8 = 16;
const PREV: i32 = i32.MIN_VALUE;
const RANGES: usize = memory.data<i32>([
  1, i32.MAX_VALUE, -128, 127, PREV, 127, -32768, 32767, PREV, 32767, 0, 1, 0, 31,
]);
const OTHER_RANGES: usize = memory.data<i32>([
  // A TFLite-style shift: the fixed-point helpers accept [-31, 31].
  0, i32.MAX_VALUE, -31, 31, 0, 30, 0, 15, PAD_MODE_CONSTANT, PAD_MODE_WRAP,
  0, 4, 4, 4, -26, 0, 0, 32767, -128, 128,
]);
/** Where range `g` (a G_*) is: two i32s, lo and hi. */
function rangeOf(g: i32): usize {
  if (OTHER_BUILT && g >= <i32>G_OTHER) return OTHER_RANGES + (<usize>(g - <i32>G_OTHER) << 3);
  return RANGES + (<usize>g << 3);
}
// Param names: PARAM_NAMES items, then (from N_OTHER) OTHER_PARAM_NAMES items, which only ops
// outside the conv / depthwise / fully_connected / pool / softmax tables name, so a per-model
// build of those stores none of them (both @lazy; paramName). The spatial eight are consecutive:
// spatial() indexes them.
const N_GROUP: u8 = 0, N_DEPTH_MULT: u8 = 1, N_ACT_MIN: u8 = 2, N_ACT_MAX: u8 = 3, N_KERNEL_H: u8 = 4,
  N_KERNEL_W: u8 = 5, N_COUNT_PAD: u8 = 6, N_IN_LEFT_SHIFT: u8 = 7, N_STRIDE_H: u8 = 8, N_STRIDE_W: u8 = 9,
  N_PAD_TOP: u8 = 12, N_PAD_LEFT: u8 = 13, N_AXIS: u8 = 16, N_SOFTMAX_AXIS: u8 = 17, N_OTHER: u8 = 18,
  N_LEFT_SHIFT: u8 = 18, N_A_SHIFT: u8 = 19, N_B_SHIFT: u8 = 20, N_OUT_SHIFT: u8 = 21, N_SHIFT: u8 = 22,
  N_ID_SHIFT: u8 = 23, N_ALPHA_SHIFT: u8 = 24, N_MODE: u8 = 25, N_VALUE: u8 = 26, N_TIME_MAJOR: u8 = 27,
  N_ACTIVATION: u8 = 28, N_LSTM_TANH: u8 = 29, N_CELL_POW: u8 = 30, N_CELL_CLIP: u8 = 31, N_THRESHOLD: u8 = 32,
  N_BEGIN: u8 = 33, N_END: u8 = 34;
export const N_MODE_PARAM = N_MODE; // (validate_high.ts)
export const N_GROUP_PARAM = N_GROUP, N_DILATION_H_PARAM: u8 = 10; // (validate_high.ts; dilation_w follows)
@lazy const PARAM_NAMES: Text = txtList('group|depth_multiplier|act_min|act_max|kernel_h|kernel_w|count_include_pad|input_left_shift|stride_h|stride_w|dilation_h|dilation_w|pad_top|pad_left|pad_bottom|pad_right|axis|axis (s8 softmax runs over the last axis)');
@lazy const OTHER_PARAM_NAMES: Text = txtList('left_shift|a_shift|b_shift|out_shift|shift|identity shift|alpha shift|mode|value|time_major|activation|activation (the integer LSTM runs tanh)|cell_scale_power|quantized_cell_clip|threshold|begin|end');
// Some op outside the conv / depthwise / fully_connected / pool / softmax tables is built (every
// opcode of the high mask is such an op).
const OTHER_BUILT: bool = (BUILT_OPS & ~((1 << OP_CONV2D) | (1 << OP_DEPTHWISE_CONV2D) | (1 << OP_FULLY_CONNECTED)
  | (1 << OP_MAX_POOL2D) | (1 << OP_AVERAGE_POOL2D) | (1 << OP_SOFTMAX))) != 0 || BUILT_OPS_HIGH != 0;
function paramName(name: i32): Text {
  if (OTHER_BUILT && name >= <i32>N_OTHER) return textAt(OTHER_PARAM_NAMES, name - <i32>N_OTHER);
  return textAt(PARAM_NAMES, name);
}

// One row per opcode and form (the dtype of input 0; sub, average_pool2d, tanh and hard_swish
// use the rows of add, max_pool2d and sigmoid); the first row of the opcode whose input-0
// set holds that dtype applies. The rows of the ops most models run have a table each, the rest
// share one (rowsOf); each table ends with a 0 byte. scripts/build-wasm.mjs makes the tables
// @lazy, so a per-model build holds only the tables of its ops (all are ~0.7 KB).
// Columns (ROW_*): opcode, input-0 dtypes, inputs min, max, params
// (fixed + per rank of input 0), input-1 dtypes (0: unchecked), output dtypes, ranks of input 0,
// input 1 and output 0, flags; then (param, range, name) triples up to END. Every op has one
// output. Inputs with a dtype or rank column must be present.
const ROW_IN0 = 1, ROW_MIN_IN = 2, ROW_MAX_IN = 3, ROW_PARAMS = 4, ROW_PARAMS_PER_RANK = 5, ROW_IN1 = 6,
  ROW_OUT = 7, ROW_RANK0 = 8, ROW_RANK1 = 9, ROW_RANK_OUT = 10, ROW_FLAGS = 11, ROW_CHECKS = 12;
const ROWS_CONV2D: usize = memory.data<u8>([
  <u8>OP_CONV2D, M_F32, 2, 3, 11, 0, M_F32, M_F32, 4, 4, 4, 0, 8, G_GE1, N_GROUP, END,
  <u8>OP_CONV2D, M_Q8, 5, 5, 11, 0, M_S8, M_S8, 4, 4, 4, PACKABLE,
  8, G_GE1, N_GROUP, 9, G_S8, N_ACT_MIN, 10, G_S8_MAX, N_ACT_MAX, END,
  // 16x8: s16 activations, s8 weights (kernels/int16.ts).
  <u8>OP_CONV2D, M_S16, 5, 5, 11, 0, M_S8, M_S16, 4, 4, 4, 0,
  8, G_GE1, N_GROUP, 9, G_S16, N_ACT_MIN, 10, G_S16_MAX, N_ACT_MAX, END,
  0,
]);
const ROWS_DEPTHWISE_CONV2D: usize = memory.data<u8>([
  <u8>OP_DEPTHWISE_CONV2D, M_F32, 2, 3, 11, 0, M_F32, M_F32, 4, 0, 4, 0, 8, G_GE1, N_DEPTH_MULT, END,
  <u8>OP_DEPTHWISE_CONV2D, M_Q8, 5, 5, 11, 0, M_S8, M_S8, 4, 0, 4, 0,
  8, G_GE1, N_DEPTH_MULT, 9, G_S8, N_ACT_MIN, 10, G_S8_MAX, N_ACT_MAX, END,
  0,
]);
const ROWS_FULLY_CONNECTED: usize = memory.data<u8>([
  <u8>OP_FULLY_CONNECTED, M_F32, 2, 3, 2, 0, M_F32, M_F32, 0, 2, 0, 0, END,
  <u8>OP_FULLY_CONNECTED, M_Q8, 5, 5, 2, 0, M_S8, M_S8, 0, 2, 0, PACKABLE, 0, G_S8, N_ACT_MIN, 1, G_S8_MAX, N_ACT_MAX, END,
  0,
]);
const ROWS_ADD: usize = memory.data<u8>([
  <u8>OP_ADD, M_F32, 2, 2, 2, 0, M_F32, M_F32, 0, 0, 0, 0, END,
  <u8>OP_ADD, M_S8, 2, 2, 9, 0, M_S8, M_S8, 0, 0, 0, 0, 0, G_0_30, N_LEFT_SHIFT, 2, G_SHIFT, N_A_SHIFT,
  4, G_SHIFT, N_B_SHIFT, 6, G_SHIFT, N_OUT_SHIFT, 7, G_S8, N_ACT_MIN, 8, G_S8_MAX, N_ACT_MAX, END,
  <u8>OP_ADD, M_S16, 2, 2, 9, 0, M_S16, M_S16, 0, 0, 0, 0, 0, G_0_15, N_LEFT_SHIFT, 2, G_SHIFT, N_A_SHIFT,
  4, G_SHIFT, N_B_SHIFT, 6, G_SHIFT, N_OUT_SHIFT, 7, G_S16, N_ACT_MIN, 8, G_S16_MAX, N_ACT_MAX, END,
  0,
]);
const ROWS_POOL2D: usize = memory.data<u8>([
  // Pools (average_pool2d too): kernel h, w, count_include_pad at 0, 1, 10; spatial params at 2..9 (spatial()).
  <u8>OP_MAX_POOL2D, M_F32, 1, 1, 13, 0, 0, M_F32, 4, 0, 4, 0,
  0, G_GE1, N_KERNEL_H, 1, G_GE1, N_KERNEL_W, 10, G_BOOL, N_COUNT_PAD, END,
  <u8>OP_MAX_POOL2D, M_S8, 1, 1, 13, 0, 0, M_S8, 4, 0, 4, 0,
  0, G_GE1, N_KERNEL_H, 1, G_GE1, N_KERNEL_W, 10, G_BOOL, N_COUNT_PAD, 11, G_S8, N_ACT_MIN, 12, G_S8_MAX, N_ACT_MAX, END,
  0,
]);
const ROWS_SOFTMAX: usize = memory.data<u8>([
  <u8>OP_SOFTMAX, M_F32, 1, 1, 2, 0, 0, M_F32, 0, 0, 0, SAME_SHAPE, END,
  <u8>OP_SOFTMAX, M_S8, 1, 1, 4, 0, 0, M_S8, 0, 0, 0, SAME_SHAPE, 2, G_0_31, N_IN_LEFT_SHIFT, END,
  0,
]);
// The other ops' rows, in one table: per-model builds of the common models need none of them.
const ROWS_OTHER: usize = memory.data<u8>([
  <u8>OP_MATMUL, M_F32, 2, 2, 0, 0, M_F32, M_F32, 0, 0, 0, 0, END,
  <u8>OP_MUL, M_F32, 2, 2, 2, 0, M_F32, M_F32, 0, 0, 0, 0, END,
  <u8>OP_MUL, M_S8, 2, 2, 4, 0, M_S8, M_S8, 0, 0, 0, 0, 1, G_SHIFT, N_OUT_SHIFT, 2, G_S8, N_ACT_MIN, 3, G_S8_MAX, N_ACT_MAX, END,
  <u8>OP_DIV, M_F32, 2, 2, 2, 0, M_F32, M_F32, 0, 0, 0, 0, END,
  <u8>OP_CLAMP, M_F32, 1, 1, 2, 0, 0, M_F32, 0, 0, 0, SAME_NUMEL, END,
  <u8>OP_CLAMP, M_S8, 1, 1, 2, 0, 0, M_S8, 0, 0, 0, SAME_NUMEL, 0, G_S8, N_ACT_MIN, 1, G_S8_MAX, N_ACT_MAX, END,
  <u8>OP_LEAKY_RELU, M_F32, 1, 1, 1, 0, 0, M_F32, 0, 0, 0, SAME_NUMEL, END,
  <u8>OP_LEAKY_RELU, M_S16, 1, 1, 5, 0, 0, M_S16, 0, 0, 0, SAME_NUMEL, 2, G_SHIFT, N_ID_SHIFT, 4, G_SHIFT, N_ALPHA_SHIFT, END,
  <u8>OP_SIGMOID, M_F32, 1, 1, 0, 0, 0, M_F32, 0, 0, 0, SAME_NUMEL, END,
  <u8>OP_LUT, M_S8, 2, 2, 0, 0, M_S8, M_S8, 0, 0, 0, SAME_NUMEL, END,
  <u8>OP_MEAN, M_F32, 1, 1, 1, 0, 0, M_F32, 0, 0, R_IN0, 0, END,
  <u8>OP_MEAN, M_S8, 1, 1, 3, 0, 0, M_S8, 0, 0, R_IN0, 0, 2, G_SHIFT, N_SHIFT, END,
  <u8>OP_CONCAT, M_ANY, 1, MANY, 1, 0, 0, 0, 0, 0, 0, 0, END,
  // Pad: mode, value, then per axis begin and end.
  <u8>OP_PAD, M_F32, 1, 1, 2, 2, 0, M_F32, 0, 0, R_IN0, 0, 0, G_PAD_MODE, N_MODE, END,
  <u8>OP_PAD, M_S8, 1, 1, 2, 2, 0, M_S8, 0, 0, R_IN0, 0, 0, G_PAD_MODE, N_MODE, 1, G_S8, N_VALUE, END,
  <u8>OP_PAD, M_S16, 1, 1, 2, 2, 0, M_S16, 0, 0, R_IN0, 0, 0, G_PAD_MODE, N_MODE, 1, G_S16, N_VALUE, END,
  <u8>OP_TRANSPOSE, M_ANY, 1, 1, 0, 1, 0, M_IN0, 0, 0, R_IN0, 0, END,
  <u8>OP_QUANTIZE, M_F32, 1, 1, 0, 0, 0, M_S8, 0, 0, 0, SAME_NUMEL, END,
  <u8>OP_DEQUANTIZE, M_S8, 1, 1, 0, 0, 0, M_F32, 0, 0, 0, SAME_NUMEL, END,
  <u8>OP_REQUANTIZE, M_INT, 1, 1, 2, 0, 0, M_INT, 0, 0, 0, SAME_NUMEL, 1, G_SHIFT, N_SHIFT, END,
  <u8>OP_COPY, M_ANY, 1, 1, 0, 0, 0, M_IN0, 0, 0, 0, SAME_NUMEL, END,
  // Strided slice: per axis begin, then per axis stride.
  <u8>OP_STRIDED_SLICE, M_ANY, 1, 1, 0, 2, 0, M_IN0, 0, 0, R_IN0, 0, END,
  // Transpose conv: stride h, w, pad top, left, act bounds (f32 bits in the f32 form).
  <u8>OP_TRANSPOSE_CONV2D, M_F32, 2, 3, 6, 0, M_F32, M_F32, 4, 4, 4, 0, 0, G_GE1, N_STRIDE_H, 1, G_GE1, N_STRIDE_W,
  2, G_GE0, N_PAD_TOP, 3, G_GE0, N_PAD_LEFT, END,
  <u8>OP_TRANSPOSE_CONV2D, M_S8, 5, 5, 6, 0, M_S8, M_S8, 4, 4, 4, 0, 0, G_GE1, N_STRIDE_H, 1, G_GE1, N_STRIDE_W,
  2, G_GE0, N_PAD_TOP, 3, G_GE0, N_PAD_LEFT, 4, G_S8, N_ACT_MIN, 5, G_S8_MAX, N_ACT_MAX, END,
  <u8>OP_TRANSPOSE_CONV2D, M_S16, 5, 5, 6, 0, M_S8, M_S16, 4, 4, 4, 0, 0, G_GE1, N_STRIDE_H, 1, G_GE1, N_STRIDE_W,
  2, G_GE0, N_PAD_TOP, 3, G_GE0, N_PAD_LEFT, 4, G_S16, N_ACT_MIN, 5, G_S16_MAX, N_ACT_MAX, END,
  // LSTM: time_major, activation, cell_clip (f32); s8 adds TFLM's integer Prepare results.
  <u8>OP_LSTM, M_F32, 13, 13, 3, 0, M_F32, M_F32, 3, 2, 3, 0, 0, G_BOOL, N_TIME_MAJOR, 1, G_ACT, N_ACTIVATION, END,
  <u8>OP_LSTM, M_S8, 13, 13, 27, 0, M_S8, M_S8, 3, 2, 3, 0, 0, G_BOOL, N_TIME_MAJOR, 1, G_TANH, N_LSTM_TANH,
  3, G_CELL_POW, N_CELL_POW, 4, G_CELL_CLIP, N_CELL_CLIP, END,
  <u8>OP_BINARIZE, M_S8, 1, 1, 1, 0, 0, M_SIGN8, 0, 0, 0, SAME_NUMEL, 0, G_THRESHOLD, N_THRESHOLD, END,
  // maximum (minimum uses its rows): a, b of one dtype.
  <u8>OP_MAXIMUM, M_F32, 2, 2, 0, 0, M_F32, M_F32, 0, 0, 0, 0, END,
  <u8>OP_MAXIMUM, M_S8, 2, 2, 0, 0, M_S8, M_S8, 0, 0, 0, 0, END,
  // arg_max (arg_min uses its row): axis (checked by vArg), mode 0 / 1; s32 indices.
  <u8>OP_ARG_MAX, <u8>(M_F32 | M_S8), 1, 1, 2, 0, 0, M_S32, 0, 0, R_IN0, 0, 1, G_BOOL, N_MODE, END,
  // reduce_max (reduce_min uses its row): axes_mask, as mean (vMean).
  <u8>OP_REDUCE_MAX, <u8>(M_F32 | M_S8), 1, 1, 1, 0, 0, M_IN0, 0, 0, R_IN0, 0, END,
  0,
]);

// Resize: the mode and the source table, counted and checked by vResize.
const ROWS_RESIZE: usize = memory.data<u8>([
  <u8>OP_RESIZE, <u8><i32>(M_F32 | M_S8 | M_S16), 1, 1, VAR_PARAMS, 0, 0, M_IN0, 4, 0, 4, 0, END,
  0,
]);

// unary: the function and its two f32 constants (vUnary checks the function).
const ROWS_UNARY: usize = memory.data<u8>([
  <u8>OP_UNARY, M_F32, 1, 1, 3, 0, 0, M_F32, 0, 0, 0, SAME_SHAPE, END,
  0,
]);

// reduce_sum: axes_mask (vMean), s8 adds TFLM's output multiplier and shift.
const ROWS_REDUCE_SUM: usize = memory.data<u8>([
  <u8>OP_REDUCE_SUM, M_F32, 1, 1, 1, 0, 0, M_F32, 0, 0, R_IN0, 0, END,
  <u8>OP_REDUCE_SUM, M_S8, 1, 1, 3, 0, 0, M_S8, 0, 0, R_IN0, 0, 2, G_SHIFT, N_SHIFT, END,
  0,
]);

// log_softmax: s8 only, TFLM's five params (vLogSoftmax checks the shifts and the depth).
const ROWS_LOG_SOFTMAX: usize = memory.data<u8>([
  <u8>OP_LOG_SOFTMAX, M_S8, 1, 1, 5, 0, 0, M_S8, 0, 0, 0, SAME_SHAPE, END,
  0,
]);

// compare: the function; s8 adds TFLM's input rescaling (vCompare checks them). bool y.
const ROWS_COMPARE: usize = memory.data<u8>([
  <u8>OP_COMPARE, M_F32, 2, 2, 1, 0, M_F32, M_BOOL, 0, 0, 0, 0, END,
  <u8>OP_COMPARE, M_BOOL, 2, 2, 1, 0, M_BOOL, M_BOOL, 0, 0, 0, 0, END,
  <u8>OP_COMPARE, M_S8, 2, 2, 6, 0, M_S8, M_BOOL, 0, 0, 0, 0, END,
  0,
]);

// logical: the function (vLogical: not takes one input, the others two).
const ROWS_LOGICAL: usize = memory.data<u8>([
  <u8>OP_LOGICAL, M_BOOL, 1, 2, 1, 0, 0, M_BOOL, 0, 0, 0, 0, END,
  0,
]);

// select: a bool condition; vSelect checks a, b and y.
const ROWS_SELECT: usize = memory.data<u8>([
  <u8>OP_SELECT, M_BOOL, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, END,
  0,
]);

/** The table holding opcode `key`'s rows (0: none in this build; validateOp refused the op). */
function rowsOf(key: i32): usize {
  // (An opcode of the high mask: tested apart, so that builds without it keep their switch.)
  if (opBuilt(OP_RESIZE) && key == OP_RESIZE) return ROWS_RESIZE;
  if (opBuilt(OP_UNARY) && key == OP_UNARY) return ROWS_UNARY;
  if (opBuilt(OP_REDUCE_SUM) && key == OP_REDUCE_SUM) return ROWS_REDUCE_SUM;
  if (opBuilt(OP_LOG_SOFTMAX) && key == OP_LOG_SOFTMAX) return ROWS_LOG_SOFTMAX;
  if (opBuilt(OP_COMPARE) && key == OP_COMPARE) return ROWS_COMPARE;
  if (opBuilt(OP_LOGICAL) && key == OP_LOGICAL) return ROWS_LOGICAL;
  if (opBuilt(OP_SELECT) && key == OP_SELECT) return ROWS_SELECT;
  switch (key) {
    case OP_CONV2D: return opBuilt(OP_CONV2D) ? ROWS_CONV2D : 0;
    case OP_DEPTHWISE_CONV2D: return opBuilt(OP_DEPTHWISE_CONV2D) ? ROWS_DEPTHWISE_CONV2D : 0;
    case OP_FULLY_CONNECTED: return opBuilt(OP_FULLY_CONNECTED) ? ROWS_FULLY_CONNECTED : 0;
    case OP_ADD: return opBuilt(OP_ADD) || opBuilt(OP_SUB) ? ROWS_ADD : 0;
    case OP_MAX_POOL2D: return opBuilt(OP_MAX_POOL2D) || opBuilt(OP_AVERAGE_POOL2D) ? ROWS_POOL2D : 0;
    case OP_SOFTMAX: return opBuilt(OP_SOFTMAX) ? ROWS_SOFTMAX : 0;
  }
  return (BUILT_OPS & ~OPS_WITH_TABLE) != 0 || BUILT_OPS_HIGH != 0 ? ROWS_OTHER : 0;
}
const OPS_WITH_TABLE: u32 = (1 << OP_CONV2D) | (1 << OP_DEPTHWISE_CONV2D) | (1 << OP_FULLY_CONNECTED) | (1 << OP_ADD) | (1 << OP_SUB)
  | (1 << OP_MAX_POOL2D) | (1 << OP_AVERAGE_POOL2D) | (1 << OP_SOFTMAX);

let curIndex: i32 = 0;
let curCode: i32 = 0;
let curOp: usize = 0;
let curDt: i32 = 0; // input 0's dtype

// Messages: '$' in a text is the next number argument (message.ts say()).
function prefix(): void {
  opPrefix(curIndex, curCode);
}
export function fail(what: Text, a: i64 = 0, b: i64 = 0): i32 {
  prefix(); say2(what, a, b);
  return ERR_BAD_OP;
}
/** "op i (name): input j " or "output j " then `what`. */
function failIo(isOut: bool, j: i32, what: Text, a: i64 = 0, b: i64 = 0, c: i64 = 0): i32 {
  prefix(); say1(isOut ? txt('output $ ') : txt('input $ '), j); say(what, a, b, c);
  return ERR_BAD_OP;
}
export function failIn(j: i32, what: Text, a: i64 = 0, b: i64 = 0): i32 {
  return failIo(false, j, what, a, b, 0);
}
function failOut(j: i32, what: Text, a: i64 = 0, b: i64 = 0): i32 {
  return failIo(true, j, what, a, b, 0);
}

/** Input j is present (not an absent optional tensor). */
function present(j: i32): bool {
  return j < opInCount(curOp) && tstorage(opIn(curOp, j)) != STORAGE_EMPTY;
}
export function needPresent(j: i32): i32 {
  if (!present(j)) return failIn(j, txt('is required but absent'));
  return OK;
}
/** "f32", "f32 or s8", "s8, s16 or s32": the dtypes of a mask. */
function dtypeList(mask: i32): void {
  let left = popcnt(mask);
  for (let dt = 1; dt < DTYPE_COUNT; dt++) {
    if (!(mask & (1 << dt))) continue;
    text(dtypeName(dt));
    if (--left > 1) str(', '); else if (left == 1) str(' or ');
  }
}
/** Tensor `id` (input or output j) has a dtype in `mask`. */
function dtypeIn(id: i32, isOut: bool, j: i32, mask: i32): i32 {
  const got = tdtype(id);
  if (!(mask & (1 << got))) {
    failIo(isOut, j, txt('must be '));
    dtypeList(mask); str(', got '); text(dtypeName(got));
    return ERR_BAD_OP;
  }
  return OK;
}
function inDtype(j: i32, dt: i32): i32 {
  const e = needPresent(j); if (e) return e;
  return dtypeIn(opIn(curOp, j), false, j, 1 << dt);
}
/** Tensor `id` (input or output j) has rank r. */
function rankIs(id: i32, isOut: bool, j: i32, r: i32): i32 {
  const got = trank(id);
  if (got != r) return failIo(isOut, j, txt('must have rank $, got $'), r, got);
  return OK;
}
function inNumel(j: i32, n: i32, what: Text): i32 {
  const got = tnumel(opIn(curOp, j));
  if (got != n) {
    failIn(j, what); say2(txt(' must have $ elements, got $'), n, got);
    return ERR_BAD_OP;
  }
  return OK;
}
export function outDimIs(j: i32, d: i32, want: i64): i32 {
  const got = tdim(opOut(curOp, j), d);
  if (<i64>got != want) return failIo(true, j, txt('dim $ must be $, got $'), d, want, got);
  return OK;
}
/** Param k in [lo, hi] (hi = i32.MAX_VALUE: at least lo); `name` is an N_* (paramName). */
export function paramIn(k: i32, lo: i32, hi: i32, name: i32): i32 {
  const v = opParam(curOp, k);
  if (v < lo || v > hi) {
    prefix(); text(paramName(name));
    if (hi == i32.MAX_VALUE) say2(txt(' must be >= $, got $'), lo, v); else say(txt(' must be in [$, $], got $'), lo, hi, v);
    return ERR_BAD_OP;
  }
  return OK;
}
function isPacked(): bool {
  return (load<u16>(curOp, O_FLAGS) & OPF_PACKED_W16) != 0;
}
/** A per-model build without the plain-weights int8 kernels takes conv2d / fully_connected only
 * with packed or direct weights (direct.ts checks those). */
function plainBuilt(): bool {
  return kernelBuilt(KERNEL_S8_PLAIN) || curDt == DTYPE_F32 || curDt == DTYPE_S16 || isPacked() || tstorage(opIn(curOp, 1)) == STORAGE_DIRECT;
}
/** Plain int8 conv2d other than 1x1 stride-1 unpadded group-1 GEMM rows (conv2d.ts's condition)
 * needs KERNEL_S8_PLAIN_CONV. */
function plainConvBuilt(kh: i32, kw: i32, g: i32): bool {
  // Without KERNEL_S8_PLAIN plainBuilt refused these ops already (and this folds away).
  if (kernelBuilt(KERNEL_S8_PLAIN_CONV) || !kernelBuilt(KERNEL_S8_PLAIN) || curDt == DTYPE_F32 || curDt == DTYPE_S16 || isPacked() || tstorage(opIn(curOp, 1)) == STORAGE_DIRECT) return true;
  return rowsConv(kh, kw, g);
}
/** conv2d.ts's 1x1 stride-1 unpadded group-1 condition (GEMM rows). */
function rowsConv(kh: i32, kw: i32, g: i32): bool {
  const x = opIn(curOp, 0), y = opOut(curOp, 0);
  return kh == 1 && kw == 1 && g == 1 && opParam(curOp, 0) == 1 && opParam(curOp, 1) == 1 && opParam(curOp, 4) == 0 && opParam(curOp, 5) == 0
    && tdim(y, 1) == tdim(x, 1) && tdim(y, 2) == tdim(x, 2);
}
/** An int8 depthwise in a SIMD build without KERNEL_DW_GENERAL: depthwise_conv2d_s8_simd must run
 * it whole with dw-c1m8 or dw-pairs (the pairs' buffers as scratch.ts binds them). */
function dwGeneralBuilt(c: i32, oc: i32, kh: i32, kw: i32): bool {
  if (!ASC_FEATURE_SIMD || kernelBuilt(KERNEL_DW_GENERAL) || !opBuilt(OP_DEPTHWISE_CONV2D) || (curDt != DTYPE_S8 && curDt != DTYPE_SIGN8)) return true;
  if (kernelBuilt(KERNEL_DW_C1M8) && c == 1 && oc == 8 && kh == 3 && kw == 3) return true;
  const s = load<i32>(curOp, O_SCRATCH_TENSOR);
  if (!kernelBuilt(KERNEL_DW_PAIRS) || ksDwPairsCoverAll(c, oc, kh, kw, s < 0 ? -1 : <i32>tbytes(s)) == 0) return false;
  // Without its per-pixel path the pair kernel runs only row sweeps (params: stride h, w, dilation h, w, pad top, left).
  const op = curOp;
  return kernelBuilt(KERNEL_DW_PIXELS) || ksDwSweeps(c, oc, kh, kw, opParam(op, 1), opParam(op, 2), opParam(op, 3), opParam(op, 5), tdim(opIn(op, 0), 2), tdim(opOut(op, 0), 2)) != 0;
}

/** The checks a row describes, in column order. */
function checkRow(row: usize): i32 {
  const op = curOp, x = opIn(op, 0);
  const nin = opInCount(op);
  const minIn = <i32>load<u8>(row, ROW_MIN_IN), maxRaw = <i32>load<u8>(row, ROW_MAX_IN);
  const maxIn = maxRaw == MANY ? 0xffff : maxRaw;
  if (nin < minIn || nin > maxIn) {
    prefix(); say1(txt('takes $'), minIn);
    if (maxIn != minIn) { if (maxRaw == MANY) str('+'); else say1(txt('..$'), maxIn); }
    say1(txt(' inputs, got $'), nin);
    return ERR_BAD_OP;
  }
  if (opOutCount(op) != 1) return fail(txt('takes 1 outputs, got $'), opOutCount(op));
  const y = opOut(op, 0);
  const r0 = trank(x);
  const np = <i32>load<u8>(row, ROW_PARAMS) + <i32>load<u8>(row, ROW_PARAMS_PER_RANK) * r0;
  let e: i32;
  if (!(opBuilt(OP_RESIZE) && load<u8>(row, ROW_PARAMS) == VAR_PARAMS) && opParamCount(op) != np) {
    // transpose_conv2d takes 6 words or 9 (with dilation and group): validate_high.ts.
    if (!(opBuilt(OP_TRANSPOSE_CONV2D) && curCode == OP_TRANSPOSE_CONV2D)) return fail(txt('takes $ params, got $'), np, opParamCount(op));
    e = vTransposeConvParamCount(op, np); if (e) return e;
  }
  const in1 = <i32>load<u8>(row, ROW_IN1);
  if (in1) {
    e = needPresent(1); if (e) return e;
    e = dtypeIn(opIn(op, 1), false, 1, in1); if (e) return e;
  }
  const out = <i32>load<u8>(row, ROW_OUT);
  if (out) { e = dtypeIn(y, true, 0, out == M_IN0 ? 1 << curDt : out); if (e) return e; }
  let r = <i32>load<u8>(row, ROW_RANK0);
  if (r) { e = rankIs(x, false, 0, r); if (e) return e; }
  r = <i32>load<u8>(row, ROW_RANK1);
  if (r) { e = rankIs(opIn(op, 1), false, 1, r); if (e) return e; }
  r = <i32>load<u8>(row, ROW_RANK_OUT);
  if (r) { e = rankIs(y, true, 0, r == R_IN0 ? r0 : r); if (e) return e; }
  const flags = <i32>load<u8>(row, ROW_FLAGS);
  if (flags & SAME_NUMEL) {
    const a = tnumel(x), b = tnumel(y);
    if (a != b) return failOut(0, txt('must have as many elements as input 0 ($), got $'), a, b);
  }
  if (flags & SAME_SHAPE) {
    let same = trank(y) == r0;
    for (let i = 0; same && i < r0; i++) same = tdim(x, i) == tdim(y, i);
    if (!same) return failOut(0, txt('must have the shape of input 0'));
  }
  if (isPacked() && !(flags & PACKABLE)) return fail(txt('packed weights (op flag 2) need an s8 conv2d or fully_connected'));
  for (let p = row + ROW_CHECKS; load<u8>(p) != END; p += 3) {
    const k = <i32>load<u8>(p), g = rangeOf(<i32>load<u8>(p, 1));
    let lo = load<i32>(g);
    if (lo == PREV) lo = opParam(op, k - 1);
    e = paramIn(k, lo, load<i32>(g, 4), <i32>load<u8>(p, 2)); if (e) return e;
  }
  return OK;
}

/** Output spatial size of a sliding window, or -1 when the window never fits. */
function windowOut(inSize: i32, padA: i32, padB: i32, kernel: i32, stride: i32, dil: i32): i64 {
  const eff = <i64>dil * <i64>(kernel - 1) + 1;
  const padded = <i64>inSize + <i64>padA + <i64>padB;
  // Kernels do their window arithmetic in i32: keep every intermediate below 2^31.
  if (padded + eff >= 0x7fffffff) return -1;
  const span = padded - eff;
  if (span < 0) return -1;
  return span / <i64>stride + 1;
}

/** Spatial params at k..k+7 (stride h,w dilation h,w pads t,l,b,r) and NHWC x/y dims. */
function spatial(k: i32, kh: i32, kw: i32): i32 {
  for (let i = 0; i < 8; i++) {
    const e = paramIn(k + i, i < 4 ? 1 : 0, i32.MAX_VALUE, N_STRIDE_H + i); if (e) return e;
  }
  const x = opIn(curOp, 0);
  const oh = windowOut(tdim(x, 1), opParam(curOp, k + 4), opParam(curOp, k + 6), kh, opParam(curOp, k), opParam(curOp, k + 2));
  const ow = windowOut(tdim(x, 2), opParam(curOp, k + 5), opParam(curOp, k + 7), kw, opParam(curOp, k + 1), opParam(curOp, k + 3));
  if (oh < 1 || ow < 1) return fail(txt('the window is larger than the padded input (or sizes overflow)'));
  let e = outDimIs(0, 0, tdim(x, 0)); if (e) return e;
  e = outDimIs(0, 1, oh); if (e) return e;
  return outDimIs(0, 2, ow);
}

@inline function isConstant(id: i32): bool {
  const st = tstorage(id);
  return st == STORAGE_WEIGHTS || st == STORAGE_ENCODED;
}

/**
 * Optional bias at input 2 and, for the integer forms, per-channel mult/shift at inputs 3, 4; all
 * with n elements. 16x8 (s16 input 0): the int64 requantization needs 15 - shift >= 1.
 */
function biasAndRequant(n: i32): i32 {
  const quant = curDt != DTYPE_F32;
  let e: i32;
  if (present(2)) {
    e = inDtype(2, quant ? DTYPE_S32 : DTYPE_F32); if (e) return e;
    e = inNumel(2, n, txt('(bias)')); if (e) return e;
  }
  if (quant) {
    e = inDtype(3, DTYPE_S32); if (e) return e;
    e = inNumel(3, n, txt('(multiplier)')); if (e) return e;
    e = inDtype(4, DTYPE_S32); if (e) return e;
    e = inNumel(4, n, txt('(shift)')); if (e) return e;
    // Constants, stored plain or compact (ENC_PACKED / ENC_REQUANT, decoded before this check).
    if (!isConstant(opIn(curOp, 3))) return failIn(3, txt('(multiplier) must be a constant (weights) tensor'));
    if (!isConstant(opIn(curOp, 4))) return failIn(4, txt('(shift) must be a constant (weights) tensor'));
    // The values too: the kernels (and the SIMD requantization) assume TFLite's ranges.
    const mp = tptr(opIn(curOp, 3)), sp = tptr(opIn(curOp, 4));
    const maxShift = curDt == DTYPE_S16 ? 14 : 30;
    for (let c = 0; c < n; c++) {
      const m = load<i32>(mp + (<usize>c << 2)), sh = load<i32>(sp + (<usize>c << 2));
      if (m < 0) return failIn(3, txt('(multiplier) channel $: $ is negative'), c, m);
      if (sh < -31 || sh > maxShift) {
        failIo(false, 4, txt('(shift) channel $: $ is outside [-31, $]'), c, sh, maxShift);
        if (maxShift == 14) str(' (int16)');
        return ERR_BAD_OP;
      }
    }
  }
  return OK;
}

/**
 * OPF_PACKED_W16 (format.ts): the weights' bytes are the 16-channel dot_i16x8 packing of n rows of
 * k values; the kernels read all of it without bounds checks.
 */
function packedWeights(n: i32, k: i32): i32 {
  if (k > PACKED_K_MAX) {
    return failIn(1, txt('(packed weights) K = $ exceeds $'), k, PACKED_K_MAX);
  }
  const k2 = ((k + 3) >> 2) << 1;
  const packed = <u64>((n + 15) >> 4) * 32 * <u64>k2;
  const need = packed + 4 * <u64>n;
  if (<u64>tbytes(opIn(curOp, 1)) < need) {
    return failIn(1, txt('(packed weights) byte_size $ is less than the $ bytes the packing needs'), tbytes(opIn(curOp, 1)), <i64>need);
  }
  // The stored per-channel sums bound the accumulators for the exact requantization: check them.
  const wp = tptr(opIn(curOp, 1));
  for (let c = 0; c < n; c++) {
    let sum = 0;
    let p = wp + <usize>(c >> 4) * (<usize>k2 << 5) + (<usize>(c & 15) << 1);
    for (let j = 0; j < k2; j++) {
      const v0 = <i32>load<i8>(p), v1 = <i32>load<i8>(p, 1);
      sum += (v0 < 0 ? -v0 : v0) + (v1 < 0 ? -v1 : v1);
      p += 32;
    }
    const stored = load<i32>(wp + <usize>packed + (<usize>c << 2));
    if (stored != sum) {
      return failIo(false, 1, txt('(packed weights) channel $: stored |w| sum $, the weights give $'), c, stored, sum);
    }
  }
  return OK;
}

// ---- What is one op's own -----------------------------------------------------------------------

/** conv2d / depthwise_conv2d (f32, s8, sign8 and for conv2d s16): weights against channels, window, requantization. */
function vConv(): i32 {
  const x = opIn(curOp, 0), w = opIn(curOp, 1);
  const c = tdim(x, 3), g = opParam(curOp, 8);
  let kh: i32, kw: i32, oc: i32, e: i32;
  if (curCode == OP_CONV2D) {
    oc = tdim(w, 0); kh = tdim(w, 1); kw = tdim(w, 2);
    if (c % g != 0 || oc % g != 0) return fail(txt('input channels and output channels must divide by group'));
    if (tdim(w, 3) != c / g) return failIn(1, txt('(weights) dim 3 must be channels/group = $, got $'), c / g, tdim(w, 3));
  } else {
    // [KH, KW, C*M], or [1, KH, KW, C*M] as TFLite writes it; g is the depth multiplier.
    const wr = trank(w);
    if (wr != 3 && !(wr == 4 && tdim(w, 0) == 1)) return failIn(1, txt('(weights) must be [KH, KW, C*M]'));
    kh = tdim(w, wr - 3); kw = tdim(w, wr - 2); oc = tdim(w, wr - 1);
    if (<i64>c * <i64>g != <i64>oc) return failIn(1, txt('(weights) last dim must be channels*depth_multiplier = $'), <i64>c * <i64>g);
  }
  e = spatial(0, kh, kw); if (e) return e;
  e = outDimIs(0, 3, oc); if (e) return e;
  e = biasAndRequant(oc); if (e) return e;
  if (curCode == OP_CONV2D && !plainBuilt()) return plainNotBuilt(curIndex, curCode);
  if (curCode == OP_CONV2D && !plainConvBuilt(kh, kw, g)) return plainConvNotBuilt(curIndex, curCode);
  if (curCode == OP_DEPTHWISE_CONV2D && !dwGeneralBuilt(c, oc, kh, kw)) return dwGeneralNotBuilt(curIndex, curCode);
  if (isPacked()) {
    if (!kernelBuilt(KERNEL_PACKED)) return packedNotBuilt(curIndex, curCode);
    if (g != 1) return fail(txt('packed weights need the s8 form with group 1'));
    if (!kernelBuilt(KERNEL_PACKED_SPATIAL) && !rowsConv(kh, kw, g)) return packedConvNotBuilt(curIndex, curCode);
    e = packedWeights(oc, kh * kw * c); if (e) return e;
  }
  return OK;
}

function vFullyConnected(): i32 {
  const x = opIn(curOp, 0), w = opIn(curOp, 1), y = opOut(curOp, 0);
  // x is read as [numel/K, K] with K from the weights (the reference's rule).
  const k = tdim(w, 1), n = tdim(w, 0);
  if (tnumel(x) % k != 0) return failIn(0, txt('has $ elements, not a multiple of the weights\' K = $'), tnumel(x), k);
  const rows = tnumel(x) / k;
  if (<i64>tnumel(y) != <i64>rows * <i64>n || trank(y) < 1 || tdim(y, trank(y) - 1) != n) return failOut(0, txt('must be [$, $]'), rows, n);
  const e = biasAndRequant(n); if (e) return e;
  if (!plainBuilt()) return plainNotBuilt(curIndex, curCode);
  if (!isPacked()) return OK;
  if (!kernelBuilt(KERNEL_PACKED)) return packedNotBuilt(curIndex, curCode);
  return packedWeights(n, k);
}

/** Output dims r - 1 - i for i < n from numpy broadcasting of a and b's trailing dims. */
function broadcastDims(a: i32, b: i32, r: i32, n: i32, skipA: i32, skipB: i32): i32 {
  const ra = trank(a) - skipA, rb = trank(b) - skipB;
  for (let i = 0; i < n; i++) {
    const da = i < ra ? tdim(a, ra - 1 - i) : 1;
    const db = i < rb ? tdim(b, rb - 1 - i) : 1;
    if (da != db && da != 1 && db != 1) return fail(txt('input shapes do not broadcast at output dim $'), r - 1 - i);
    const e = outDimIs(0, r - 1 - i, da > db ? da : db); if (e) return e;
  }
  return OK;
}

function vMatmul(): i32 {
  const a = opIn(curOp, 0), b = opIn(curOp, 1);
  const ra = trank(a), rb = trank(b);
  if (ra < 2 || rb < 2) return fail(txt('inputs must have rank >= 2'));
  const r = ra > rb ? ra : rb;
  let e = rankIs(opOut(curOp, 0), true, 0, r); if (e) return e;
  if (tdim(a, ra - 1) != tdim(b, rb - 2)) return fail(txt('inner dimensions differ'));
  e = outDimIs(0, r - 2, tdim(a, ra - 2)); if (e) return e;
  e = outDimIs(0, r - 1, tdim(b, rb - 1)); if (e) return e;
  // The batch dims broadcast.
  return broadcastDims(a, b, r - 2, r - 2, 2, 2);
}

/** Numpy broadcasting of inputs 0 and 1 to output 0. */
export function broadcastShapes(): i32 {
  const a = opIn(curOp, 0), b = opIn(curOp, 1), r = trank(opOut(curOp, 0));
  if (trank(a) > r || trank(b) > r) return failOut(0, txt('rank is below an input rank'));
  return broadcastDims(a, b, r, r, 0, 0);
}

function vMean(): i32 {
  const x = opIn(curOp, 0);
  const r = trank(x);
  const mask = opParam(curOp, 0);
  if (mask & ~((1 << r) - 1)) return fail(txt('axes_mask names an axis past the input rank'));
  for (let i = 0; i < r; i++) {
    const e = outDimIs(0, i, mask & (1 << i) ? 1 : tdim(x, i)); if (e) return e;
  }
  return OK;
}

/** Input j has output 0's scale and zero point (s8 ops that move or compare raw codes). */
export function sameQuantAsOutput(j: i32): i32 {
  const x = opIn(curOp, j), y = opOut(curOp, 0);
  if (tzp(x) != tzp(y) || tscale(x) != tscale(y)) return failIn(j, txt('must share the output scale and zero point'));
  return OK;
}

function vConcat(): i32 {
  const nin = opInCount(curOp);
  const y = opOut(curOp, 0);
  const dt = tdtype(y), r = trank(y);
  let e = paramIn(0, 0, r - 1, N_AXIS); if (e) return e;
  const axis = opParam(curOp, 0);
  let sum: i64 = 0;
  for (let j = 0; j < nin; j++) {
    e = inDtype(j, dt); if (e) return e;
    const x = opIn(curOp, j);
    e = rankIs(x, false, j, r); if (e) return e;
    for (let i = 0; i < r; i++) {
      if (i != axis && tdim(x, i) != tdim(y, i)) return failIn(j, txt('dim $ must match the output ($)'), i, tdim(y, i));
    }
    if (dt == DTYPE_S8) { e = sameQuantAsOutput(j); if (e) return e; }
    sum += tdim(x, axis);
  }
  return outDimIs(0, axis, sum);
}

function vPad(): i32 {
  const x = opIn(curOp, 0);
  const r = trank(x);
  for (let i = 0; i < r; i++) {
    let e = paramIn(2 + i, 0, i32.MAX_VALUE, N_BEGIN); if (e) return e;
    e = paramIn(2 + r + i, 0, i32.MAX_VALUE, N_END); if (e) return e;
    e = outDimIs(0, i, <i64>tdim(x, i) + <i64>opParam(curOp, 2 + i) + <i64>opParam(curOp, 2 + r + i));
    if (e) return e;
  }
  return OK;
}

function vTranspose(): i32 {
  const x = opIn(curOp, 0);
  const r = trank(x);
  let seen = 0;
  for (let i = 0; i < r; i++) {
    const p = opParam(curOp, i);
    if (p < 0 || p >= r || (seen & (1 << p))) return fail(txt('perm is not a permutation of the input axes'));
    seen |= 1 << p;
    const e = outDimIs(0, i, tdim(x, p)); if (e) return e;
  }
  return OK;
}

function vSoftmax(): i32 {
  const r = trank(opIn(curOp, 0));
  if (r < 1) return failIn(0, txt('must have rank >= 1'));
  // s8 softmax runs over the last axis only.
  return curDt == DTYPE_S8 ? paramIn(0, r - 1, r - 1, N_SOFTMAX_AXIS) : paramIn(0, 0, r - 1, N_AXIS);
}

function vStridedSlice(): i32 {
  const x = opIn(curOp, 0), y = opOut(curOp, 0);
  const r = trank(x);
  for (let i = 0; i < r; i++) {
    const b = opParam(curOp, i), st = opParam(curOp, r + i), n = tdim(y, i);
    if (st == 0) return fail(txt('stride 0'));
    const last = <i64>b + <i64>(n - 1) * <i64>st;
    if (n > 0 && (b < 0 || b >= tdim(x, i) || last < 0 || last >= <i64>tdim(x, i))) return fail(txt('dim $: the slice leaves the input'), i);
  }
  return OK;
}

/** transpose_conv2d (f32, s8, s16): weights against channels, output dims, bias and requantization
 * (the 9-word form's dilations and group: validate_high.ts). */
function vTransposeConv(): i32 {
  const x = opIn(curOp, 0), w = opIn(curOp, 1), y = opOut(curOp, 0);
  let e: i32;
  if (opParamCount(curOp) > 6) { e = vTransposeConvGroups(curOp); if (e) return e; }
  else if (tdim(w, 3) != tdim(x, 3)) return failIn(1, txt('(weights) dim 3 must equal the input channels'));
  e = outDimIs(0, 0, tdim(x, 0)); if (e) return e;
  e = outDimIs(0, 3, tdim(w, 0)); if (e) return e;
  // Index arithmetic stays in i32: bound every term.
  if (<i64>tdim(y, 1) + <i64>opParam(curOp, 2) >= 0x40000000 || <i64>tdim(y, 2) + <i64>opParam(curOp, 3) >= 0x40000000) return fail(txt('sizes overflow'));
  return biasAndRequant(tdim(w, 0));
}

/** LSTM (f32 or s8): x, 4 input weights [H,I], 4 recurrent weights [H,H], 4 biases [H]; y [d0,d1,H];
 * params time_major, activation (0..4), cell_clip (f32 >= 0) (+ 24 integer params for s8); a
 * scratch of B*H f32 (or int16 for s8) cell state. */
function vLstm(): i32 {
  const s8 = curDt == DTYPE_S8;
  let e: i32;
  for (let j = 2; j < 13; j++) { e = inDtype(j, s8 ? (j < 9 ? DTYPE_S8 : DTYPE_S32) : DTYPE_F32); if (e) return e; }
  // The integer LSTM's shifts (TFLM's Prepare results).
  if (s8) for (let k = 6; k < 27; k += 2) { e = paramIn(k, -31, 31, N_SHIFT); if (e) return e; }
  const x = opIn(curOp, 0), y = opOut(curOp, 0);
  const inSize = tdim(x, 2), hidden = tdim(y, 2);
  e = outDimIs(0, 0, tdim(x, 0)); if (e) return e;
  e = outDimIs(0, 1, tdim(x, 1)); if (e) return e;
  for (let k = 0; k < 4; k++) {
    const w = opIn(curOp, 1 + k), r = opIn(curOp, 5 + k);
    if (trank(w) != 2 || tdim(w, 0) != hidden || tdim(w, 1) != inSize) return failIn(1 + k, txt('must be [$, $] (input weights)'), hidden, inSize);
    if (trank(r) != 2 || tdim(r, 0) != hidden || tdim(r, 1) != hidden) return failIn(5 + k, txt('must be [$, $] (recurrent weights)'), hidden, hidden);
    e = inNumel(9 + k, hidden, txt('bias')); if (e) return e;
  }
  const clip = opParamF(curOp, 2);
  if (!(clip >= 0) || !isFinite(clip)) return fail(txt('cell_clip must be a finite value >= 0'));
  const batch = opParam(curOp, 0) != 0 ? tdim(x, 1) : tdim(x, 0);
  const s = load<i32>(curOp, O_SCRATCH_TENSOR);
  const need = <u64>batch * <u64>hidden * (s8 ? 2 : 4);
  if (s < 0 || s >= tensorCount || <u64>tbytes(s) < need) return fail(txt('needs a scratch tensor of $ bytes (the cell state)'), <i64>need);
  return OK;
}

/** maximum / minimum: a and b broadcast to y; s8 compares raw codes, so all three share scale and zero point. */
function vMaximumMinimum(): i32 {
  const e = broadcastShapes(); if (e) return e;
  if (curDt != DTYPE_S8) return OK;
  for (let j = 0; j < 2; j++) {
    const e = sameQuantAsOutput(j); if (e) return e;
  }
  return OK;
}

/** arg_max / arg_min: axis in range, y = x's shape with dim axis 1, and the axis not empty. */
function vArg(): i32 {
  const x = opIn(curOp, 0);
  const r = trank(x);
  let e = paramIn(0, 0, r - 1, N_AXIS); if (e) return e;
  const axis = opParam(curOp, 0);
  for (let i = 0; i < r; i++) {
    e = outDimIs(0, i, i == axis ? 1 : tdim(x, i)); if (e) return e;
  }
  // An empty axis has no index to return.
  return tdim(x, axis) < 1 ? failIn(0, txt('dim $ is $'), axis, tdim(x, axis)) : OK;
}

export function validateOp(index: i32, op: usize, code: i32): i32 {
  curIndex = index;
  curCode = code;
  curOp = op;
  let e = needPresent(0); if (e) return e;
  curDt = tdtype(opIn(op, 0));
  // A per-model build refuses what it left out before anything reaches a missing kernel.
  if (SUBSET) {
    if (!opBuilt(code)) return opNotBuilt(index, code);
    if (!dtypeBuilt(curDt == DTYPE_SIGN8 ? DTYPE_S8 : curDt)) return formNotBuilt(index, code, curDt);
  }
  // The opcode's row for input 0's dtype; without one, the dtypes its rows take.
  let row: usize = 0, forms = 0;
  // Ops that share another's rows.
  const key = code == OP_SUB ? OP_ADD : code == OP_AVERAGE_POOL2D ? OP_MAX_POOL2D : code == OP_TANH || code == OP_HARD_SWISH ? OP_SIGMOID
    : opBuilt(OP_MINIMUM) && code == OP_MINIMUM ? OP_MAXIMUM : opBuilt(OP_ARG_MIN) && code == OP_ARG_MIN ? OP_ARG_MAX
    : opBuilt(OP_REDUCE_MIN) && code == OP_REDUCE_MIN ? OP_REDUCE_MAX : code;
  for (let p = rowsOf(key); p && load<u8>(p); p += ROW_CHECKS) {
    if (<i32>load<u8>(p) == key) {
      const m = <i32>load<u8>(p, ROW_IN0);
      forms |= m;
      if (!row && (m & (1 << curDt))) row = p;
    }
    while (load<u8>(p, ROW_CHECKS) != END) p += 3;
    p++;
  }
  if (!row) {
    if (!forms) return fail(txt('unknown opcode'));
    return dtypeIn(opIn(op, 0), false, 0, forms);
  }
  e = checkRow(row); if (e) return e;
  // The per-op checks of ops this build has (opBuilt folds to true in the full build).
  // Each test folds away when the build leaves its ops out (opBuilt is a constant).
  if ((opBuilt(OP_CONV2D) || opBuilt(OP_DEPTHWISE_CONV2D)) && (code == OP_CONV2D || code == OP_DEPTHWISE_CONV2D)) return vConv();
  if (opBuilt(OP_FULLY_CONNECTED) && code == OP_FULLY_CONNECTED) return vFullyConnected();
  if ((opBuilt(OP_MAX_POOL2D) || opBuilt(OP_AVERAGE_POOL2D)) && (code == OP_MAX_POOL2D || code == OP_AVERAGE_POOL2D)) {
    e = spatial(2, opParam(op, 0), opParam(op, 1)); if (e) return e;
    return outDimIs(0, 3, tdim(opIn(op, 0), 3));
  }
  if (opBuilt(OP_SOFTMAX) && code == OP_SOFTMAX) return vSoftmax();
  if ((opBuilt(OP_ADD) || opBuilt(OP_SUB) || opBuilt(OP_MUL) || opBuilt(OP_DIV)) && code >= OP_ADD && code <= OP_DIV) return broadcastShapes();
  if (opBuilt(OP_MATMUL) && code == OP_MATMUL) return vMatmul();
  if (opBuilt(OP_LUT) && code == OP_LUT) return inNumel(1, 256, txt('(table)'));
  if (opBuilt(OP_MEAN) && code == OP_MEAN) return vMean();
  if (opBuilt(OP_CONCAT) && code == OP_CONCAT) return vConcat();
  if (opBuilt(OP_PAD) && code == OP_PAD) return vPad();
  if (opBuilt(OP_TRANSPOSE) && code == OP_TRANSPOSE) return vTranspose();
  if (opBuilt(OP_STRIDED_SLICE) && code == OP_STRIDED_SLICE) return vStridedSlice();
  if (opBuilt(OP_TRANSPOSE_CONV2D) && code == OP_TRANSPOSE_CONV2D) return vTransposeConv();
  if (opBuilt(OP_LSTM) && code == OP_LSTM) return vLstm();
  if (opBuilt(OP_UNARY) && code == OP_UNARY) return vUnary(op);
  if (opBuilt(OP_REDUCE_SUM) && code == OP_REDUCE_SUM) return vMean();
  if ((opBuilt(OP_MAXIMUM) || opBuilt(OP_MINIMUM)) && (code == OP_MAXIMUM || code == OP_MINIMUM)) return vMaximumMinimum();
  if ((opBuilt(OP_ARG_MAX) || opBuilt(OP_ARG_MIN)) && (code == OP_ARG_MAX || code == OP_ARG_MIN)) return vArg();
  if ((opBuilt(OP_REDUCE_MAX) || opBuilt(OP_REDUCE_MIN)) && (code == OP_REDUCE_MAX || code == OP_REDUCE_MIN)) {
    e = vMean(); if (e) return e;
    return curDt == DTYPE_S8 ? sameQuantAsOutput(0) : OK;
  }
  if (opBuilt(OP_RESIZE) && code == OP_RESIZE) return vResize(op, curDt);
  if (opBuilt(OP_LOG_SOFTMAX) && code == OP_LOG_SOFTMAX) return vLogSoftmax(op);
  if (opBuilt(OP_COMPARE) && code == OP_COMPARE) return vCompare(op, curDt);
  if (opBuilt(OP_LOGICAL) && code == OP_LOGICAL) return vLogical(op);
  if (opBuilt(OP_SELECT) && code == OP_SELECT) return vSelect(op);
  return OK;
}
// MAX_RANK bounds every rank loop above (tensor records are validated before ops).
export const VALIDATED_MAX_RANK = MAX_RANK;
