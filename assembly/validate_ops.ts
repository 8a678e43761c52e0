// Per-opcode validation: arity, dtypes, ranks, shape relations and params. Every relation a
// kernel relies on to stay in bounds is checked here, so kernels can run without checks.
import {
  OK, ERR_BAD_OP, DTYPE_F32, DTYPE_S8, DTYPE_S32, STORAGE_EMPTY, STORAGE_WEIGHTS, STORAGE_ENCODED, MAX_RANK,
  O_FLAGS, OPF_PACKED_W16, PACKED_K_MAX,
  OP_CONV2D, OP_DEPTHWISE_CONV2D, OP_FULLY_CONNECTED, OP_MATMUL, OP_ADD, OP_SUB, OP_MUL, OP_DIV,
  OP_CLAMP, OP_LEAKY_RELU, OP_SIGMOID, OP_TANH, OP_HARD_SWISH, OP_LUT, OP_MAX_POOL2D,
  OP_AVERAGE_POOL2D, OP_MEAN, OP_CONCAT, OP_PAD, OP_TRANSPOSE, OP_SOFTMAX, OP_QUANTIZE,
  OP_DEQUANTIZE, OP_REQUANTIZE, OP_COPY, PAD_MODE_CONSTANT, PAD_MODE_WRAP,
  OP_STRIDED_SLICE, OP_TRANSPOSE_CONV2D, DTYPE_S16, OP_LSTM, O_SCRATCH_TENSOR,
  DTYPE_SIGN8, OP_BINARIZE,
} from '../format/format';
import { str, int, text, Text, opName, dtypeName } from './message';
import {
  opInCount, opOutCount, opParamCount, opIn, opOut, opParam, tdtype, trank, tdim, tnumel,
  tstorage, tscale, tzp, tptr, opParamF, tbytes, tensorCount,
} from './state';

let curIndex: i32 = 0;
let curCode: i32 = 0;
let curOp: usize = 0;

function prefix(): void {
  str('op '); int(curIndex); str(' ('); text(opName(curCode)); str('): ');
}
function fail(what: Text): i32 {
  prefix(); text(what);
  return ERR_BAD_OP;
}
function failIn(j: i32, what: Text): i32 {
  prefix(); str('input '); int(j); str(' '); text(what);
  return ERR_BAD_OP;
}
function failOut(j: i32, what: Text): i32 {
  prefix(); str('output '); int(j); str(' '); text(what);
  return ERR_BAD_OP;
}

function arity(minIn: i32, maxIn: i32, nOut: i32, nParams: i32): i32 {
  const nin = opInCount(curOp);
  if (nin < minIn || nin > maxIn) {
    prefix(); str('takes '); int(minIn);
    if (maxIn != minIn) { if (maxIn > 0x7fff) str('+'); else { str('..'); int(maxIn); } }
    str(' inputs, got '); int(nin);
    return ERR_BAD_OP;
  }
  if (opOutCount(curOp) != nOut) {
    prefix(); str('takes '); int(nOut); str(' outputs, got '); int(opOutCount(curOp));
    return ERR_BAD_OP;
  }
  if (nParams >= 0 && opParamCount(curOp) != nParams) {
    prefix(); str('takes '); int(nParams); str(' params, got '); int(opParamCount(curOp));
    return ERR_BAD_OP;
  }
  return OK;
}

/** Input j is present (not an absent optional tensor). */
function present(j: i32): bool {
  return j < opInCount(curOp) && tstorage(opIn(curOp, j)) != STORAGE_EMPTY;
}
function needPresent(j: i32): i32 {
  if (!present(j)) return failIn(j, txt('is required but absent'));
  return OK;
}
function inDtype(j: i32, dt: i32): i32 {
  const e = needPresent(j); if (e) return e;
  const got = tdtype(opIn(curOp, j));
  if (got != dt) {
    failIn(j, txt('must be ')); text(dtypeName(dt)); str(', got '); text(dtypeName(got));
    return ERR_BAD_OP;
  }
  return OK;
}
function outDtype(j: i32, dt: i32): i32 {
  const got = tdtype(opOut(curOp, j));
  if (got != dt) {
    failOut(j, txt('must be ')); text(dtypeName(dt)); str(', got '); text(dtypeName(got));
    return ERR_BAD_OP;
  }
  return OK;
}
function inRank(j: i32, r: i32): i32 {
  const got = trank(opIn(curOp, j));
  if (got != r) {
    failIn(j, txt('must have rank ')); int(r); str(', got '); int(got);
    return ERR_BAD_OP;
  }
  return OK;
}
function outRank(j: i32, r: i32): i32 {
  const got = trank(opOut(curOp, j));
  if (got != r) {
    failOut(j, txt('must have rank ')); int(r); str(', got '); int(got);
    return ERR_BAD_OP;
  }
  return OK;
}
function inNumel(j: i32, n: i32, what: Text): i32 {
  const got = tnumel(opIn(curOp, j));
  if (got != n) {
    failIn(j, what); str(' must have '); int(n); str(' elements, got '); int(got);
    return ERR_BAD_OP;
  }
  return OK;
}
function outDimIs(j: i32, d: i32, want: i64): i32 {
  const got = tdim(opOut(curOp, j), d);
  if (<i64>got != want) {
    failOut(j, txt('dim ')); int(d); str(' must be '); int(want); str(', got '); int(got);
    return ERR_BAD_OP;
  }
  return OK;
}
/** Output 0 has exactly input j's element count. */
function sameNumel(j: i32): i32 {
  const a = tnumel(opIn(curOp, j)), b = tnumel(opOut(curOp, 0));
  if (a != b) {
    failOut(0, txt('must have as many elements as input ')); int(j); str(' ('); int(a); str('), got '); int(b);
    return ERR_BAD_OP;
  }
  return OK;
}
/** Output 0 has exactly input j's shape. */
function sameShape(j: i32): i32 {
  const x = opIn(curOp, j), y = opOut(curOp, 0);
  const r = trank(x);
  let same = trank(y) == r;
  for (let i = 0; same && i < r; i++) same = tdim(x, i) == tdim(y, i);
  if (!same) {
    failOut(0, txt('must have the shape of input ')); int(j);
    return ERR_BAD_OP;
  }
  return OK;
}
function paramAtLeast(k: i32, min: i32, name: Text): i32 {
  const v = opParam(curOp, k);
  if (v < min) {
    prefix(); text(name); str(' must be >= '); int(min); str(', got '); int(v);
    return ERR_BAD_OP;
  }
  return OK;
}
function paramIn(k: i32, lo: i32, hi: i32, name: Text): i32 {
  const v = opParam(curOp, k);
  if (v < lo || v > hi) {
    prefix(); text(name); str(' must be in ['); int(lo); str(', '); int(hi); str('], got '); int(v);
    return ERR_BAD_OP;
  }
  return OK;
}
/** Quantized activation bounds at params k, k+1. */
function actBoundsS8(k: i32): i32 {
  let e = paramIn(k, -128, 127, txt('act_min')); if (e) return e;
  e = paramIn(k + 1, opParam(curOp, k), 127, txt('act_max')); if (e) return e;
  return OK;
}
/** A TFLite-style shift at param k: the fixed-point helpers accept [-31, 31]. */
function shiftParam(k: i32, name: Text): i32 {
  return paramIn(k, -31, 31, name);
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
  let e = paramAtLeast(k, 1, txt('stride_h')); if (e) return e;
  e = paramAtLeast(k + 1, 1, txt('stride_w')); if (e) return e;
  e = paramAtLeast(k + 2, 1, txt('dilation_h')); if (e) return e;
  e = paramAtLeast(k + 3, 1, txt('dilation_w')); if (e) return e;
  e = paramAtLeast(k + 4, 0, txt('pad_top')); if (e) return e;
  e = paramAtLeast(k + 5, 0, txt('pad_left')); if (e) return e;
  e = paramAtLeast(k + 6, 0, txt('pad_bottom')); if (e) return e;
  e = paramAtLeast(k + 7, 0, txt('pad_right')); if (e) return e;
  const x = opIn(curOp, 0);
  const oh = windowOut(tdim(x, 1), opParam(curOp, k + 4), opParam(curOp, k + 6), kh, opParam(curOp, k), opParam(curOp, k + 2));
  const ow = windowOut(tdim(x, 2), opParam(curOp, k + 5), opParam(curOp, k + 7), kw, opParam(curOp, k + 1), opParam(curOp, k + 3));
  if (oh < 1 || ow < 1) return fail(txt('the window is larger than the padded input (or sizes overflow)'));
  e = outDimIs(0, 0, tdim(x, 0)); if (e) return e;
  e = outDimIs(0, 1, oh); if (e) return e;
  e = outDimIs(0, 2, ow); if (e) return e;
  return OK;
}

@inline function isConstant(id: i32): bool {
  const st = tstorage(id);
  return st == STORAGE_WEIGHTS || st == STORAGE_ENCODED;
}

/** Optional bias at input 2 and, for s8, per-channel mult/shift at inputs 3, 4; all with n elements. */
function biasAndRequant(isS8: bool, n: i32): i32 {
  let e: i32;
  if (present(2)) {
    e = inDtype(2, isS8 ? DTYPE_S32 : DTYPE_F32); if (e) return e;
    e = inNumel(2, n, txt('(bias)')); if (e) return e;
  }
  if (isS8) {
    e = inDtype(3, DTYPE_S32); if (e) return e;
    e = inNumel(3, n, txt('(multiplier)')); if (e) return e;
    e = inDtype(4, DTYPE_S32); if (e) return e;
    e = inNumel(4, n, txt('(shift)')); if (e) return e;
    // Constants, stored plain or compact (ENC_PACKED / ENC_REQUANT, decoded before this check).
    if (!isConstant(opIn(curOp, 3))) return failIn(3, txt('(multiplier) must be a constant (weights) tensor'));
    if (!isConstant(opIn(curOp, 4))) return failIn(4, txt('(shift) must be a constant (weights) tensor'));
    // The values too: the kernels (and the SIMD requantization) assume TFLite's ranges.
    const mp = tptr(opIn(curOp, 3)), sp = tptr(opIn(curOp, 4));
    for (let c = 0; c < n; c++) {
      const m = load<i32>(mp + (<usize>c << 2)), sh = load<i32>(sp + (<usize>c << 2));
      if (m < 0) {
        failIn(3, txt('(multiplier) channel ')); int(c); str(': '); int(m); str(' is negative');
        return ERR_BAD_OP;
      }
      if (sh < -31 || sh > 30) {
        failIn(4, txt('(shift) channel ')); int(c); str(': '); int(sh); str(' is outside [-31, 30]');
        return ERR_BAD_OP;
      }
    }
  }
  return OK;
}

/**
 * conv2d / depthwise_conv2d / fully_connected input 0: f32, s8, or sign8 (binarized activations,
 * zero point 0), which runs as s8; returns the dtype (sign8 as s8), or -1 after the message.
 */
function convInput(): i32 {
  if (present(0) && tdtype(opIn(curOp, 0)) == DTYPE_SIGN8) {
    if (tzp(opIn(curOp, 0)) != 0) { failIn(0, txt('(sign8) must have zero point 0')); return -1; }
    return DTYPE_S8;
  }
  return floatOrS8(0);
}

/** Input 0 is f32 or s8; returns the dtype, or -1 after writing the message. */
function floatOrS8(j: i32): i32 {
  if (needPresent(j)) return -1;
  const dt = tdtype(opIn(curOp, j));
  if (dt != DTYPE_F32 && dt != DTYPE_S8) {
    failIn(j, txt('must be f32 or s8, got ')); text(dtypeName(dt));
    return -1;
  }
  return dt;
}

// ---- 16x8 forms (s16 activations, s8 weights; kernels/int16.ts) ------------------------------

function isS16In(j: i32): bool {
  return present(j) && tdtype(opIn(curOp, j)) == DTYPE_S16;
}
function actBoundsS16(k: i32): i32 {
  let e = paramIn(k, -32768, 32767, txt('act_min')); if (e) return e;
  return paramIn(k + 1, opParam(curOp, k), 32767, txt('act_max'));
}
/** Per-channel shifts of a 16x8 conv: the int64 requantization needs 15 - shift >= 1. */
function shiftsAtMost14(n: i32): i32 {
  const sp = tptr(opIn(curOp, 4));
  for (let c = 0; c < n; c++) {
    if (load<i32>(sp + (<usize>c << 2)) > 14) { failIn(4, txt('(shift) channel ')); int(c); str(' must be <= 14 for int16'); return ERR_BAD_OP; }
  }
  return OK;
}
function vConvS16(): i32 {
  let e = arity(5, 5, 1, 11); if (e) return e;
  e = inDtype(1, DTYPE_S8); if (e) return e;
  e = outDtype(0, DTYPE_S16); if (e) return e;
  e = inRank(0, 4); if (e) return e;
  e = inRank(1, 4); if (e) return e;
  e = outRank(0, 4); if (e) return e;
  const x = opIn(curOp, 0), w = opIn(curOp, 1);
  e = paramAtLeast(8, 1, txt('group')); if (e) return e;
  const g = opParam(curOp, 8), c = tdim(x, 3), oc = tdim(w, 0);
  if (c % g != 0 || oc % g != 0 || tdim(w, 3) != c / g) return fail(txt('weights do not match the input channels and group'));
  e = spatial(0, tdim(w, 1), tdim(w, 2)); if (e) return e;
  e = outDimIs(0, 3, oc); if (e) return e;
  e = biasAndRequant(true, oc); if (e) return e;
  e = shiftsAtMost14(oc); if (e) return e;
  return actBoundsS16(9);
}
function vTransposeConvS16(): i32 {
  let e = arity(5, 5, 1, 6); if (e) return e;
  e = inDtype(0, DTYPE_S16); if (e) return e;
  e = inDtype(1, DTYPE_S8); if (e) return e;
  e = outDtype(0, DTYPE_S16); if (e) return e;
  e = inRank(0, 4); if (e) return e;
  e = inRank(1, 4); if (e) return e;
  e = outRank(0, 4); if (e) return e;
  const x = opIn(curOp, 0), w = opIn(curOp, 1);
  if (tdim(w, 3) != tdim(x, 3)) return failIn(1, txt('(weights) dim 3 must equal the input channels'));
  e = paramAtLeast(0, 1, txt('stride_h')); if (e) return e;
  e = paramAtLeast(1, 1, txt('stride_w')); if (e) return e;
  e = paramAtLeast(2, 0, txt('pad_top')); if (e) return e;
  e = paramAtLeast(3, 0, txt('pad_left')); if (e) return e;
  e = outDimIs(0, 0, tdim(x, 0)); if (e) return e;
  e = outDimIs(0, 3, tdim(w, 0)); if (e) return e;
  // Index arithmetic stays in i32: bound every term.
  if (<i64>tdim(opOut(curOp, 0), 1) + <i64>opParam(curOp, 2) >= 0x40000000 || <i64>tdim(opOut(curOp, 0), 2) + <i64>opParam(curOp, 3) >= 0x40000000) return fail(txt('sizes overflow'));
  e = biasAndRequant(true, tdim(w, 0)); if (e) return e;
  e = shiftsAtMost14(tdim(w, 0)); if (e) return e;
  return actBoundsS16(4);
}
function vAddSubS16(): i32 {
  let e = arity(2, 2, 1, 9); if (e) return e;
  e = paramIn(0, 0, 15, txt('left_shift')); if (e) return e;
  e = shiftParam(2, txt('a_shift')); if (e) return e;
  e = shiftParam(4, txt('b_shift')); if (e) return e;
  e = shiftParam(6, txt('out_shift')); if (e) return e;
  e = actBoundsS16(7); if (e) return e;
  e = inDtype(1, DTYPE_S16); if (e) return e;
  e = outDtype(0, DTYPE_S16); if (e) return e;
  return broadcastShapes();
}
function vLeakyReluS16(): i32 {
  let e = vUnary(DTYPE_S16, 5); if (e) return e;
  e = shiftParam(2, txt('identity shift')); if (e) return e;
  return shiftParam(4, txt('alpha shift'));
}
function isIntDtype(dt: i32): bool {
  return dt == DTYPE_S8 || dt == DTYPE_S16 || dt == DTYPE_S32;
}
function vRequantize(): i32 {
  let e = arity(1, 1, 1, 2); if (e) return e;
  e = needPresent(0); if (e) return e;
  if (!isIntDtype(tdtype(opIn(curOp, 0)))) return failIn(0, txt('must be s8, s16 or s32'));
  if (!isIntDtype(tdtype(opOut(curOp, 0)))) return failOut(0, txt('must be s8, s16 or s32'));
  e = sameNumel(0); if (e) return e;
  return shiftParam(1, txt('shift'));
}
function vStridedSlice(): i32 {
  let e = needPresent(0); if (e) return e;
  const x = opIn(curOp, 0), y = opOut(curOp, 0);
  const r = trank(x);
  e = arity(1, 1, 1, 2 * r); if (e) return e;
  e = outDtype(0, tdtype(x)); if (e) return e;
  e = outRank(0, r); if (e) return e;
  for (let i = 0; i < r; i++) {
    const b = opParam(curOp, i), st = opParam(curOp, r + i), n = tdim(y, i);
    if (st == 0) return fail(txt('stride 0'));
    const last = <i64>b + <i64>(n - 1) * <i64>st;
    if (n > 0 && (b < 0 || b >= tdim(x, i) || last < 0 || last >= <i64>tdim(x, i))) {
      prefix(); str('dim '); int(i); str(': the slice leaves the input');
      return ERR_BAD_OP;
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
    failIn(1, txt('(packed weights) K = ')); int(k); str(' exceeds '); int(PACKED_K_MAX);
    return ERR_BAD_OP;
  }
  const k2 = ((k + 3) >> 2) << 1;
  const packed = <u64>((n + 15) >> 4) * 32 * <u64>k2;
  const need = packed + 4 * <u64>n;
  if (<u64>tbytes(opIn(curOp, 1)) < need) {
    failIn(1, txt('(packed weights) byte_size ')); int(tbytes(opIn(curOp, 1))); str(' is less than the ');
    int(<i64>need); str(' bytes the packing needs');
    return ERR_BAD_OP;
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
      failIn(1, txt('(packed weights) channel ')); int(c); str(': stored |w| sum '); int(stored);
      str(', the weights give '); int(sum);
      return ERR_BAD_OP;
    }
  }
  return OK;
}
function isPacked(): bool {
  return (load<u16>(curOp, O_FLAGS) & OPF_PACKED_W16) != 0;
}

function vConv(depthwise: bool): i32 {
  if (isPacked() && (depthwise || isS16In(0))) return fail(txt('packed weights need the s8 form with group 1'));
  if (!depthwise && isS16In(0)) return vConvS16();
  const dt = convInput(); if (dt < 0) return ERR_BAD_OP;
  const s8 = dt == DTYPE_S8;
  let e = arity(2, s8 ? 5 : 3, 1, 11); if (e) return e;
  if (s8 && opInCount(curOp) != 5) return fail(txt('s8 form takes 5 inputs (x, w, bias, multiplier, shift)'));
  e = inDtype(1, dt); if (e) return e;
  e = outDtype(0, dt); if (e) return e;
  e = inRank(0, 4); if (e) return e;
  e = outRank(0, 4); if (e) return e;
  const x = opIn(curOp, 0), w = opIn(curOp, 1);
  const c = tdim(x, 3);
  let kh: i32, kw: i32, oc: i32;
  if (!depthwise) {
    e = inRank(1, 4); if (e) return e;
    e = paramAtLeast(8, 1, txt('group')); if (e) return e;
    const g = opParam(curOp, 8);
    oc = tdim(w, 0); kh = tdim(w, 1); kw = tdim(w, 2);
    if (c % g != 0 || oc % g != 0) return fail(txt('input channels and output channels must divide by group'));
    if (tdim(w, 3) != c / g) {
      failIn(1, txt('(weights) dim 3 must be channels/group = ')); int(c / g); str(', got '); int(tdim(w, 3));
      return ERR_BAD_OP;
    }
  } else {
    // [KH, KW, C*M], or [1, KH, KW, C*M] as TFLite writes it.
    const wr = trank(w);
    if (wr != 3 && !(wr == 4 && tdim(w, 0) == 1)) return failIn(1, txt('(weights) must be [KH, KW, C*M]'));
    e = paramAtLeast(8, 1, txt('depth_multiplier')); if (e) return e;
    kh = tdim(w, wr - 3); kw = tdim(w, wr - 2); oc = tdim(w, wr - 1);
    if (<i64>c * <i64>opParam(curOp, 8) != <i64>oc) {
      failIn(1, txt('(weights) last dim must be channels*depth_multiplier = ')); int(<i64>c * <i64>opParam(curOp, 8));
      return ERR_BAD_OP;
    }
  }
  e = spatial(0, kh, kw); if (e) return e;
  e = outDimIs(0, 3, oc); if (e) return e;
  e = biasAndRequant(s8, oc); if (e) return e;
  if (s8) { e = actBoundsS8(9); if (e) return e; }
  if (isPacked()) {
    if (depthwise || !s8 || opParam(curOp, 8) != 1) return fail(txt('packed weights need the s8 form with group 1'));
    e = packedWeights(oc, kh * kw * c); if (e) return e;
  }
  return OK;
}

function vFullyConnected(): i32 {
  const dt = convInput(); if (dt < 0) return ERR_BAD_OP;
  const s8 = dt == DTYPE_S8;
  let e = arity(2, s8 ? 5 : 3, 1, 2); if (e) return e;
  if (s8 && opInCount(curOp) != 5) return fail(txt('s8 form takes 5 inputs (x, w, bias, multiplier, shift)'));
  e = inDtype(1, dt); if (e) return e;
  e = outDtype(0, dt); if (e) return e;
  e = inRank(1, 2); if (e) return e;
  const x = opIn(curOp, 0), w = opIn(curOp, 1), y = opOut(curOp, 0);
  // x is read as [numel/K, K] with K from the weights (the reference's rule).
  const k = tdim(w, 1), n = tdim(w, 0);
  if (tnumel(x) % k != 0) {
    failIn(0, txt('has ')); int(tnumel(x)); str(' elements, not a multiple of the weights\' K = '); int(k);
    return ERR_BAD_OP;
  }
  const rows = tnumel(x) / k;
  if (<i64>tnumel(y) != <i64>rows * <i64>n || trank(y) < 1 || tdim(y, trank(y) - 1) != n) {
    failOut(0, txt('must be [')); int(rows); str(', '); int(n); str(']');
    return ERR_BAD_OP;
  }
  e = biasAndRequant(s8, n); if (e) return e;
  if (s8) { e = actBoundsS8(0); if (e) return e; }
  if (isPacked()) {
    if (!s8) return fail(txt('packed weights need the s8 form'));
    e = packedWeights(n, k); if (e) return e;
  }
  return OK;
}

function vMatmul(): i32 {
  let e = arity(2, 2, 1, 0); if (e) return e;
  e = inDtype(0, DTYPE_F32); if (e) return e;
  e = inDtype(1, DTYPE_F32); if (e) return e;
  e = outDtype(0, DTYPE_F32); if (e) return e;
  const a = opIn(curOp, 0), b = opIn(curOp, 1), y = opOut(curOp, 0);
  const ra = trank(a), rb = trank(b), ry = trank(y);
  if (ra < 2 || rb < 2) return fail(txt('inputs must have rank >= 2'));
  const r = ra > rb ? ra : rb;
  if (ry != r) { failOut(0, txt('must have rank ')); int(r); return ERR_BAD_OP; }
  if (tdim(a, ra - 1) != tdim(b, rb - 2)) return fail(txt('inner dimensions differ'));
  let err = outDimIs(0, r - 2, tdim(a, ra - 2)); if (err) return err;
  err = outDimIs(0, r - 1, tdim(b, rb - 1)); if (err) return err;
  for (let i = 0; i < r - 2; i++) {
    const da = i - (r - ra) >= 0 ? tdim(a, i - (r - ra)) : 1;
    const db = i - (r - rb) >= 0 ? tdim(b, i - (r - rb)) : 1;
    if (da != db && da != 1 && db != 1) return fail(txt('batch dimensions do not broadcast'));
    err = outDimIs(0, i, da > db ? da : db); if (err) return err;
  }
  return OK;
}

/** Numpy broadcasting of inputs 0 and 1 to output 0. */
function broadcastShapes(): i32 {
  const a = opIn(curOp, 0), b = opIn(curOp, 1), y = opOut(curOp, 0);
  const ra = trank(a), rb = trank(b), r = trank(y);
  if (ra > r || rb > r) return failOut(0, txt('rank is below an input rank'));
  for (let i = 0; i < r; i++) {
    const da = i - (r - ra) >= 0 ? tdim(a, i - (r - ra)) : 1;
    const db = i - (r - rb) >= 0 ? tdim(b, i - (r - rb)) : 1;
    if (da != db && da != 1 && db != 1) {
      prefix(); str('input shapes do not broadcast at output dim '); int(i);
      return ERR_BAD_OP;
    }
    const e = outDimIs(0, i, da > db ? da : db); if (e) return e;
  }
  return OK;
}

function vBinary(): i32 {
  if ((curCode == OP_ADD || curCode == OP_SUB) && isS16In(0)) return vAddSubS16();
  const dt = floatOrS8(0); if (dt < 0) return ERR_BAD_OP;
  let e: i32;
  if (dt == DTYPE_F32) {
    e = arity(2, 2, 1, 2); if (e) return e;
  } else if (curCode == OP_ADD || curCode == OP_SUB) {
    e = arity(2, 2, 1, 9); if (e) return e;
    e = paramIn(0, 0, 30, txt('left_shift')); if (e) return e;
    e = shiftParam(2, txt('a_shift')); if (e) return e;
    e = shiftParam(4, txt('b_shift')); if (e) return e;
    e = shiftParam(6, txt('out_shift')); if (e) return e;
    e = actBoundsS8(7); if (e) return e;
  } else if (curCode == OP_MUL) {
    e = arity(2, 2, 1, 4); if (e) return e;
    e = shiftParam(1, txt('out_shift')); if (e) return e;
    e = actBoundsS8(2); if (e) return e;
  } else {
    return fail(txt('has no s8 form'));
  }
  e = inDtype(1, dt); if (e) return e;
  e = outDtype(0, dt); if (e) return e;
  return broadcastShapes();
}

/** One input, one output of the same shape; dtype fixed by `dt` (or f32/s8 when dt < 0). */
function vUnary(dt: i32, nParams: i32): i32 {
  let e = arity(1, 1, 1, nParams); if (e) return e;
  if (dt < 0) { dt = floatOrS8(0); if (dt < 0) return ERR_BAD_OP; }
  e = inDtype(0, dt); if (e) return e;
  e = outDtype(0, dt); if (e) return e;
  return sameNumel(0);
}

function vPool(): i32 {
  const dt = floatOrS8(0); if (dt < 0) return ERR_BAD_OP;
  let e = arity(1, 1, 1, 13); if (e) return e;
  e = outDtype(0, dt); if (e) return e;
  e = inRank(0, 4); if (e) return e;
  e = outRank(0, 4); if (e) return e;
  e = paramAtLeast(0, 1, txt('kernel_h')); if (e) return e;
  e = paramAtLeast(1, 1, txt('kernel_w')); if (e) return e;
  e = paramIn(10, 0, 1, txt('count_include_pad')); if (e) return e;
  e = spatial(2, opParam(curOp, 0), opParam(curOp, 1)); if (e) return e;
  e = outDimIs(0, 3, tdim(opIn(curOp, 0), 3)); if (e) return e;
  if (dt == DTYPE_S8) { e = actBoundsS8(11); if (e) return e; }
  return OK;
}

function vMean(): i32 {
  const dt = floatOrS8(0); if (dt < 0) return ERR_BAD_OP;
  const s8 = dt == DTYPE_S8;
  let e = arity(1, 1, 1, s8 ? 3 : 1); if (e) return e;
  e = outDtype(0, dt); if (e) return e;
  const x = opIn(curOp, 0);
  const r = trank(x);
  e = outRank(0, r); if (e) return e;
  const mask = opParam(curOp, 0);
  if (mask & ~((1 << r) - 1)) return fail(txt('axes_mask names an axis past the input rank'));
  for (let i = 0; i < r; i++) {
    e = outDimIs(0, i, mask & (1 << i) ? 1 : tdim(x, i)); if (e) return e;
  }
  if (s8) { e = shiftParam(2, txt('shift')); if (e) return e; }
  return OK;
}

function vConcat(): i32 {
  const nin = opInCount(curOp);
  let e = arity(1, 0xffff, 1, 1); if (e) return e;
  const y = opOut(curOp, 0);
  const dt = tdtype(y), r = trank(y);
  e = paramIn(0, 0, r - 1, txt('axis')); if (e) return e;
  const axis = opParam(curOp, 0);
  let sum: i64 = 0;
  for (let j = 0; j < nin; j++) {
    e = inDtype(j, dt); if (e) return e;
    e = inRank(j, r); if (e) return e;
    const x = opIn(curOp, j);
    for (let i = 0; i < r; i++) {
      if (i != axis && tdim(x, i) != tdim(y, i)) {
        failIn(j, txt('dim ')); int(i); str(' must match the output ('); int(tdim(y, i)); str(')');
        return ERR_BAD_OP;
      }
    }
    if (dt == DTYPE_S8 && (tzp(x) != tzp(y) || tscale(x) != tscale(y))) {
      return failIn(j, txt('must share the output scale and zero point'));
    }
    sum += tdim(x, axis);
  }
  return outDimIs(0, axis, sum);
}

function vPad(): i32 {
  const dt = isS16In(0) ? DTYPE_S16 : floatOrS8(0); if (dt < 0) return ERR_BAD_OP;
  const x = opIn(curOp, 0);
  const r = trank(x);
  let e = arity(1, 1, 1, 2 + 2 * r); if (e) return e;
  e = outDtype(0, dt); if (e) return e;
  e = outRank(0, r); if (e) return e;
  e = paramIn(0, PAD_MODE_CONSTANT, PAD_MODE_WRAP, txt('mode')); if (e) return e;
  if (dt == DTYPE_S8) { e = paramIn(1, -128, 127, txt('value')); if (e) return e; }
  if (dt == DTYPE_S16) { e = paramIn(1, -32768, 32767, txt('value')); if (e) return e; }
  for (let i = 0; i < r; i++) {
    e = paramAtLeast(2 + i, 0, txt('begin')); if (e) return e;
    e = paramAtLeast(2 + r + i, 0, txt('end')); if (e) return e;
    e = outDimIs(0, i, <i64>tdim(x, i) + <i64>opParam(curOp, 2 + i) + <i64>opParam(curOp, 2 + r + i));
    if (e) return e;
  }
  return OK;
}

function vTranspose(): i32 {
  let e = needPresent(0); if (e) return e;
  const x = opIn(curOp, 0);
  const r = trank(x);
  e = arity(1, 1, 1, r); if (e) return e;
  e = outDtype(0, tdtype(x)); if (e) return e;
  e = outRank(0, r); if (e) return e;
  let seen = 0;
  for (let i = 0; i < r; i++) {
    const p = opParam(curOp, i);
    if (p < 0 || p >= r || (seen & (1 << p))) return fail(txt('perm is not a permutation of the input axes'));
    seen |= 1 << p;
    e = outDimIs(0, i, tdim(x, p)); if (e) return e;
  }
  return OK;
}

function vSoftmax(): i32 {
  const dt = floatOrS8(0); if (dt < 0) return ERR_BAD_OP;
  let e = arity(1, 1, 1, dt == DTYPE_S8 ? 4 : 2); if (e) return e;
  e = outDtype(0, dt); if (e) return e;
  e = sameShape(0); if (e) return e;
  const r = trank(opIn(curOp, 0));
  if (r < 1) return failIn(0, txt('must have rank >= 1'));
  if (dt == DTYPE_S8) {
    e = paramIn(0, r - 1, r - 1, txt('axis (s8 softmax runs over the last axis)')); if (e) return e;
    e = paramIn(2, 0, 31, txt('input_left_shift')); if (e) return e;
  } else {
    e = paramIn(0, 0, r - 1, txt('axis')); if (e) return e;
  }
  return OK;
}

function vQuantize(inDt: i32, outDt: i32, nParams: i32): i32 {
  let e = arity(1, 1, 1, nParams); if (e) return e;
  e = inDtype(0, inDt); if (e) return e;
  e = outDtype(0, outDt); if (e) return e;
  return sameNumel(0);
}

/** LSTM (f32 or s8): x, 4 input weights [H,I], 4 recurrent weights [H,H], 4 biases [H]; y [d0,d1,H];
 * params time_major, activation (0..4), cell_clip (f32 >= 0) (+ 24 integer params for s8); a
 * scratch of B*H f32 (or int16 for s8) cell state. */
function vLstm(): i32 {
  const dt = floatOrS8(0); if (dt < 0) return ERR_BAD_OP;
  const s8 = dt == DTYPE_S8;
  let e = arity(13, 13, 1, s8 ? 27 : 3); if (e) return e;
  for (let j = 1; j < 13; j++) { e = inDtype(j, s8 ? (j < 9 ? DTYPE_S8 : DTYPE_S32) : DTYPE_F32); if (e) return e; }
  e = outDtype(0, dt); if (e) return e;
  if (s8) {
    // The integer LSTM (s8 x/W/R/h, s32 biases, int16 cell state): TFLM's Prepare results.
    e = paramIn(1, 4, 4, txt('activation (the integer LSTM runs tanh)')); if (e) return e;
    e = paramIn(3, -26, 0, txt('cell_scale_power')); if (e) return e;
    e = paramIn(4, 0, 32767, txt('quantized_cell_clip')); if (e) return e;
    for (let k = 6; k < 27; k += 2) { e = shiftParam(k, txt('shift')); if (e) return e; }
  }
  e = inRank(0, 3); if (e) return e;
  e = outRank(0, 3); if (e) return e;
  const x = opIn(curOp, 0), y = opOut(curOp, 0);
  const inSize = tdim(x, 2), hidden = tdim(y, 2);
  e = outDimIs(0, 0, tdim(x, 0)); if (e) return e;
  e = outDimIs(0, 1, tdim(x, 1)); if (e) return e;
  for (let k = 0; k < 4; k++) {
    const w = opIn(curOp, 1 + k), r = opIn(curOp, 5 + k);
    if (trank(w) != 2 || tdim(w, 0) != hidden || tdim(w, 1) != inSize) {
      failIn(1 + k, txt('must be [')); int(hidden); str(', '); int(inSize); str('] (input weights)');
      return ERR_BAD_OP;
    }
    if (trank(r) != 2 || tdim(r, 0) != hidden || tdim(r, 1) != hidden) {
      failIn(5 + k, txt('must be [')); int(hidden); str(', '); int(hidden); str('] (recurrent weights)');
      return ERR_BAD_OP;
    }
    e = inNumel(9 + k, hidden, txt('bias')); if (e) return e;
  }
  e = paramIn(0, 0, 1, txt('time_major')); if (e) return e;
  e = paramIn(1, 0, 4, txt('activation')); if (e) return e;
  const clip = opParamF(curOp, 2);
  if (!(clip >= 0) || !isFinite(clip)) return fail(txt('cell_clip must be a finite value >= 0'));
  const batch = opParam(curOp, 0) != 0 ? tdim(x, 1) : tdim(x, 0);
  const s = load<i32>(curOp, O_SCRATCH_TENSOR);
  const need = <u64>batch * <u64>hidden * (s8 ? 2 : 4);
  if (s < 0 || s >= tensorCount || <u64>tbytes(s) < need) {
    prefix(); str('needs a scratch tensor of '); int(<i64>need); str(' bytes (the cell state)');
    return ERR_BAD_OP;
  }
  return OK;
}

export function validateOp(index: i32, op: usize, code: i32): i32 {
  curIndex = index;
  curCode = code;
  curOp = op;
  if (isPacked() && code != OP_CONV2D && code != OP_FULLY_CONNECTED) return fail(txt('packed weights (op flag 2) on an op that has none'));
  switch (code) {
    case OP_CONV2D: return vConv(false);
    case OP_DEPTHWISE_CONV2D: return vConv(true);
    case OP_FULLY_CONNECTED: return vFullyConnected();
    case OP_MATMUL: return vMatmul();
    case OP_ADD:
    case OP_SUB:
    case OP_MUL:
    case OP_DIV: return vBinary();
    case OP_CLAMP: {
      const e = vUnary(-1, 2); if (e) return e;
      if (tdtype(opIn(op, 0)) == DTYPE_S8) return actBoundsS8(0);
      return OK;
    }
    case OP_LEAKY_RELU: return isS16In(0) ? vLeakyReluS16() : vUnary(DTYPE_F32, 1);
    case OP_SIGMOID:
    case OP_TANH:
    case OP_HARD_SWISH: return vUnary(DTYPE_F32, 0);
    case OP_LUT: {
      let e = arity(2, 2, 1, 0); if (e) return e;
      e = inDtype(0, DTYPE_S8); if (e) return e;
      e = inDtype(1, DTYPE_S8); if (e) return e;
      e = inNumel(1, 256, txt('(table)')); if (e) return e;
      e = outDtype(0, DTYPE_S8); if (e) return e;
      return sameNumel(0);
    }
    case OP_MAX_POOL2D:
    case OP_AVERAGE_POOL2D: return vPool();
    case OP_MEAN: return vMean();
    case OP_CONCAT: return vConcat();
    case OP_PAD: return vPad();
    case OP_TRANSPOSE: return vTranspose();
    case OP_SOFTMAX: return vSoftmax();
    case OP_QUANTIZE: return vQuantize(DTYPE_F32, DTYPE_S8, 0);
    case OP_DEQUANTIZE: return vQuantize(DTYPE_S8, DTYPE_F32, 0);
    case OP_REQUANTIZE: return vRequantize();
    case OP_STRIDED_SLICE: return vStridedSlice();
    case OP_TRANSPOSE_CONV2D: return vTransposeConvS16();
    case OP_LSTM: return vLstm();
    case OP_BINARIZE: {
      let e = arity(1, 1, 1, 1); if (e) return e;
      e = inDtype(0, DTYPE_S8); if (e) return e;
      e = outDtype(0, DTYPE_SIGN8); if (e) return e;
      if (tzp(opOut(op, 0)) != 0) return failOut(0, txt('(sign8) must have zero point 0'));
      e = paramIn(0, -128, 128, txt('threshold')); if (e) return e;
      return sameNumel(0);
    }
    case OP_COPY: {
      let e = arity(1, 1, 1, 0); if (e) return e;
      e = needPresent(0); if (e) return e;
      e = outDtype(0, tdtype(opIn(op, 0))); if (e) return e;
      return sameNumel(0);
    }
  }
  return fail(txt('unknown opcode'));
}
// MAX_RANK bounds every rank loop above (tensor records are validated before ops).
export const VALIDATED_MAX_RANK = MAX_RANK;
