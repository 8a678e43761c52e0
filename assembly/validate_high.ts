// Validation of the opcodes of the high mask (format/runtime-features.ts OPS_LOW_BITS on): resize,
// unary, log_softmax, compare, logical, select; and the checks transpose_conv2d's 9-word form
// (dilation, group) added after its opcode.
// (Their names are features.ts highOpName.) Its message literals stay out of the text dictionary (scripts/build-wasm.mjs
// OUT_OF_DICTIONARY) and their code sits behind opBuilt, so a per-model build without these ops
// keeps every byte it had before they were added.
import {
  OK, DTYPE_S8, DTYPE_S16, DTYPE_SIGN8, RESIZE_NEAREST, RESIZE_TAPS, RESIZE_BILINEAR, RESIZE_Q10_ONE, UNARY_FUNCTION_COUNT, LOG_SOFTMAX_MAX_DEPTH,
  COMPARE_FUNCTION_COUNT, COMPARE_S8_LEFT_SHIFT_MAX, LOGICAL_FUNCTION_COUNT, LOGICAL_NOT,
} from '../format/format';
import { opIn, opOut, opParam, opParamCount, opInCount, tdim, trank } from './state';
import { tdtype } from './state_cold';
import {
  fail, failIn, paramIn, outDimIs, needPresent, broadcastShapes, sameQuantAsOutput, N_MODE_PARAM, N_GROUP_PARAM, N_DILATION_H_PARAM,
} from './validate_ops';

/** resize: batch and channels kept; param 0 the mode, then one source entry per output row and
 * column (nearest: an index; bilinear: lo, hi, frac), every index inside the input and, for s8,
 * every Q10 fraction within [-1024, 1024] (the kernel's i32 sum stays below 2^31). */
export function vResize(op: usize, dt: i32): i32 {
  const x = opIn(op, 0), y = opOut(op, 0);
  let e = outDimIs(0, 0, tdim(x, 0)); if (e) return e;
  e = outDimIs(0, 3, tdim(x, 3)); if (e) return e;
  if (opParamCount(op) < 1) return fail(txt('takes the mode and a source table, got $ params'), opParamCount(op));
  e = paramIn(0, RESIZE_NEAREST, RESIZE_TAPS, N_MODE_PARAM); if (e) return e;
  if (dt == DTYPE_S16 && opParam(op, 0) != RESIZE_NEAREST) return fail(txt('has no s16 form but nearest (mode $)'), opParam(op, 0));
  if (opParam(op, 0) == RESIZE_TAPS) return vResizeTaps(op, dt);
  const k = opParam(op, 0) == RESIZE_BILINEAR ? 3 : 1;
  const oh = tdim(y, 1), ow = tdim(y, 2);
  const entries = <i64>oh + <i64>ow;
  if (<i64>opParamCount(op) != 1 + entries * k) return fail(txt('takes $ params (the mode and the source table), got $'), 1 + entries * k, opParamCount(op));
  for (let i = 0; i < <i32>entries; i++) {
    const limit = i < oh ? tdim(x, 1) : tdim(x, 2);
    const p = 1 + i * k;
    for (let j = 0; j < (k == 3 ? 2 : 1); j++) {
      const v = opParam(op, p + j);
      if (v < 0 || v >= limit) return fail(txt('source table entry $ reads index $, outside the input'), i, v);
    }
    if (k == 3 && dt == DTYPE_S8) {
      const f = opParam(op, p + 2);
      if (f < -RESIZE_Q10_ONE || f > RESIZE_Q10_ONE) return fail(txt('source table entry $: Q10 fraction $ is outside [-1024, 1024]'), i, f);
    }
  }
  return OK;
}

/** resize's filter table (RESIZE_TAPS): extrapolation ky kx, then OH row and OW column entries of
 * first and k weights; k from 1 to the axis' input size, first −1 (outside the crop) or a window
 * inside the input; for s8 the extrapolation an s8 code and each entry's |Q10 weights| summing to at
 * most 2048 (so the kernel's i32 sum stays below 2^30). */
function vResizeTaps(op: usize, dt: i32): i32 {
  const x = opIn(op, 0), y = opOut(op, 0);
  const s8 = dt == DTYPE_S8;
  if (opParamCount(op) < 4) return fail(txt('takes the mode, the extrapolation, ky, kx and the filter table, got $ params'), opParamCount(op));
  const ky = opParam(op, 2), kx = opParam(op, 3);
  if (ky < 1 || ky > tdim(x, 1) || kx < 1 || kx > tdim(x, 2)) return fail(txt('filter taps $ x $ are outside 1 .. the input size'), ky, kx);
  const oh = tdim(y, 1);
  const count = 4 + <i64>oh * (1 + <i64>ky) + <i64>tdim(y, 2) * (1 + <i64>kx);
  if (<i64>opParamCount(op) != count) return fail(txt('takes $ params (the mode, extrapolation, taps and the filter table), got $'), <i32>count, opParamCount(op));
  const ev = opParam(op, 1);
  if (s8 && (ev < -128 || ev > 127)) return fail(txt('extrapolation code $ is outside the s8 range'), ev);
  let p = 4;
  for (let i = 0; i < oh + tdim(y, 2); i++) {
    const k = i < oh ? ky : kx;
    const first = opParam(op, p);
    if (first != -1 && (first < 0 || first > (i < oh ? tdim(x, 1) : tdim(x, 2)) - k)) return fail(txt('filter entry $ reads from index $, outside the input'), i, first);
    let sum: i64 = 0;
    for (let j = 1; j <= k; j++) {
      const v = <i64>opParam(op, p + j);
      sum += v < 0 ? -v : v;
    }
    if (s8 && sum > 2 * RESIZE_Q10_ONE) return fail(txt('filter entry $: its Q10 weights sum to $ in magnitude, over 2048'), i, <i32>min<i64>(sum, 0x7fffffff));
    p += 1 + k;
  }
  return OK;
}

/** unary: param 0 names a function the kernel has (its constants a, b are any f32). */
export function vUnary(op: usize): i32 {
  const fn = opParam(op, 0);
  if (fn < 0 || fn >= UNARY_FUNCTION_COUNT) return fail(txt('unknown function code $ (format.ts UNARY_*: 0..$)'), fn, UNARY_FUNCTION_COUNT - 1);
  return OK;
}

/** transpose_conv2d: 6 param words, or 9 (dilation_h, dilation_w, group appended); np is 6. */
export function vTransposeConvParamCount(op: usize, np: i32): i32 {
  if (opParamCount(op) != np + 3) return fail(txt('takes 6 params, or 9 with dilation_h dilation_w group, got $'), opParamCount(op));
  return OK;
}

/** transpose_conv2d's 9-word form: dilations and group >= 1; weights [O,KH,KW,C/group] with O a
 * multiple of group; the dilated kernel's span below 2^30 (the kernel's tap offsets stay in i32). */
export function vTransposeConvGroups(op: usize): i32 {
  let e = paramIn(6, 1, i32.MAX_VALUE, N_DILATION_H_PARAM); if (e) return e;
  e = paramIn(7, 1, i32.MAX_VALUE, N_DILATION_H_PARAM + 1); if (e) return e;
  e = paramIn(8, 1, i32.MAX_VALUE, N_GROUP_PARAM); if (e) return e;
  const x = opIn(op, 0), w = opIn(op, 1), g = opParam(op, 8);
  if (<i64>tdim(w, 3) * <i64>g != <i64>tdim(x, 3)) return fail(txt('input 1 (weights) dim 3 times group $ must equal the input channels ($)'), g, tdim(x, 3));
  if (tdim(w, 0) % g != 0) return fail(txt('output channels ($) must be a multiple of group ($)'), tdim(w, 0), g);
  if (<i64>(tdim(w, 1) - 1) * <i64>opParam(op, 6) >= 0x40000000 || <i64>(tdim(w, 2) - 1) * <i64>opParam(op, 7) >= 0x40000000) return fail(txt('dilated kernel too large'));
  return OK;
}

/** log_softmax: input_left_shift and reverse_scaling_right_shift in [0, 31] (shift counts); the
 * last axis at most LOG_SOFTMAX_MAX_DEPTH long (the Q12.19 sum of exps, each up to 1, stays below 2^31). */
export function vLogSoftmax(op: usize): i32 {
  const x = opIn(op, 0);
  const depth = tdim(x, trank(x) - 1);
  if (depth > LOG_SOFTMAX_MAX_DEPTH) return fail(txt('the last axis has $ elements; the Q12.19 sum of exps holds at most $'), depth, LOG_SOFTMAX_MAX_DEPTH);
  for (let k = 1; k <= 3; k += 2) {
    const v = opParam(op, k);
    if (v < 0 || v > 31) return fail(txt('param $ (a shift) must be in [0, 31], got $'), k, v);
  }
  return OK;
}

/** compare: a known function, a and b broadcast to y; s8: TFLM's rescaling (left shift, then each
 * input's multiplier below one: shift <= 0, multiplier >= 0). */
export function vCompare(op: usize, dt: i32): i32 {
  const fn = opParam(op, 0);
  if (fn < 0 || fn >= COMPARE_FUNCTION_COUNT) return fail(txt('unknown function code $ (format.ts COMPARE_*: 0..$)'), fn, COMPARE_FUNCTION_COUNT - 1);
  let e = broadcastShapes(); if (e) return e;
  if (dt != DTYPE_S8) return OK;
  const ls = opParam(op, 1);
  if (ls < 0 || ls > COMPARE_S8_LEFT_SHIFT_MAX) return fail(txt('left_shift $ is outside [0, $]'), ls, COMPARE_S8_LEFT_SHIFT_MAX);
  for (let j = 0; j < 2; j++) {
    const m = opParam(op, 2 + 2 * j), s = opParam(op, 3 + 2 * j);
    if (m < 0 || s < -31 || s > 0) return failIn(j, txt('rescale: multiplier $ must be >= 0 and shift $ in [-31, 0]'), m, s);
  }
  return OK;
}

/** logical: a known function; not takes one input (y has its shape), the others two bools. */
export function vLogical(op: usize): i32 {
  const fn = opParam(op, 0);
  if (fn < 0 || fn >= LOGICAL_FUNCTION_COUNT) return fail(txt('unknown function code $ (format.ts LOGICAL_*: 0..$)'), fn, LOGICAL_FUNCTION_COUNT - 1);
  const want = fn == LOGICAL_NOT ? 1 : 2;
  if (opInCount(op) != want) return fail(txt('takes $ inputs with this function, got $'), want, opInCount(op));
  if (fn == LOGICAL_NOT) {
    const x = opIn(op, 0), y = opOut(op, 0), r = trank(x);
    if (trank(y) != r) return fail(txt('not: the output must have the input shape'));
    for (let i = 0; i < r; i++) {
      const e = outDimIs(0, i, tdim(x, i)); if (e) return e;
    }
    return OK;
  }
  const e = needPresent(1); if (e) return e;
  if (tdtype(opIn(op, 1)) != tdtype(opIn(op, 0))) return failIn(1, txt('must be bool'));
  return broadcastShapes();
}

/** select: a and b of y's dtype (not sign8; s8 on y's scale and zero point), and cond, a, b
 * broadcast to y: every dim of each is 1 or y's, and y's is the largest. */
export function vSelect(op: usize): i32 {
  const y = opOut(op, 0), dt = tdtype(y), r = trank(y);
  if (dt == DTYPE_SIGN8) return fail(txt('cannot select sign8 values'));
  for (let j = 1; j < 3; j++) {
    let e = needPresent(j); if (e) return e;
    if (tdtype(opIn(op, j)) != dt) return failIn(j, txt('must have the output dtype'));
    if (dt == DTYPE_S8) { e = sameQuantAsOutput(j); if (e) return e; }
  }
  for (let j = 0; j < 3; j++) if (trank(opIn(op, j)) > r) return failIn(j, txt('has a higher rank than the output'));
  for (let i = 0; i < r; i++) {
    let want = 1;
    for (let j = 0; j < 3; j++) {
      const t = opIn(op, j), rt = trank(t);
      const d = i < rt ? tdim(t, rt - 1 - i) : 1;
      if (d == 1) continue;
      if (want != 1 && d != want) return fail(txt('input shapes do not broadcast at output dim $'), r - 1 - i);
      want = d;
    }
    const e = outDimIs(0, r - 1 - i, want); if (e) return e;
  }
  return OK;
}
