// Prepared state (format/prepared.ts): per-op tables the SIMD build derives once at mote_load into
// memory past the regions mote_blob_alloc reserved, kept across runs. The scalar build prepares
// nothing (ASC_FEATURE_SIMD folds every path here away).
import {
  OP_FULLY_CONNECTED, OP_DEPTHWISE_CONV2D, OP_CONV2D, DTYPE_S8, DTYPE_SIGN8, O_FLAGS, OPF_PACKED_W16, OP_RECORD_SIZE, STORAGE_EMPTY, STORAGE_DIRECT,
} from '../format/format';
import { preparedFcBytes, preparedDwBytes, preparedConvBytes, PREPARED_CONV_HEAD, PREPARED_FC_ARGS, preparedFcTableBytes, PREPARED_RANKS, preparedRank, preparedIndexBytes } from '../format/prepared';
import { KERNEL_PACKED, KERNEL_DW_PAIRS, KERNEL_FC_ROW } from '../format/runtime-features';
import { dwPrepare } from './kernels/depthwise_pairs';
import { opCount, oprec, opcode, opIn, opInCount, tbytes, opOut, opParam, tdim, trank, tdtype, tnumel, tptr, tstorage, tzp, opTable, weightsExternal } from './state';
import { opBuilt, kernelBuilt } from './features';
import { useFastTable, magicChannel, fastPreparePacked, f32Begin, f32Finish, f32Built } from './requant_fast';
import { fcF32Entry, fcF32Lim, fcRowLayout } from './kernels/fully_connected';
import { packPlain } from './decode/pack_w16';

// 0: nothing prepared. Else the region: one u32 per op (its table's offset, 0 = none), then tables.
let region: usize = 0;
let regionBytes: u32 = 0;
// mote_set_prepare_budget: the most bytes the region may take (format/prepared.ts preparedRank);
// a host short of memory trades the rest for the per-run paths (same bytes). Default: no limit.
let budget: u32 = 0xffffffff;

export function setPrepareBudget(bytes: u32): void {
  if (ASC_FEATURE_SIMD) budget = bytes;
}

export function preparedBytes(): u32 {
  return regionBytes;
}

/** Table bytes op `op` gets (0: none); the region layout follows format/prepared.ts. */
function opTableBytes(op: usize): i32 {
  if (opBuilt(OP_DEPTHWISE_CONV2D) && kernelBuilt(KERNEL_DW_PAIRS) && opcode(op) == OP_DEPTHWISE_CONV2D) {
    const x = opIn(op, 0), dt = tdtype(x);
    if (dt != DTYPE_S8 && dt != DTYPE_SIGN8) return 0;
    const w = opIn(op, 1), wr = trank(w);
    return preparedDwBytes(tdim(x, 3), opParam(op, 8), tdim(w, wr - 3), tdim(w, wr - 2));
  }
  if (opBuilt(OP_CONV2D) && kernelBuilt(KERNEL_PACKED) && opcode(op) == OP_CONV2D) {
    const dt = tdtype(opIn(op, 0));
    if ((dt != DTYPE_S8 && dt != DTYPE_SIGN8) || (load<u16>(op, O_FLAGS) & OPF_PACKED_W16) == 0) return 0;
    return preparedConvBytes(tdim(opIn(op, 1), 0));
  }
  if (!opBuilt(OP_FULLY_CONNECTED) || !kernelBuilt(KERNEL_PACKED) || opcode(op) != OP_FULLY_CONNECTED) return 0;
  const x = opIn(op, 0), dt = tdtype(x);
  if (dt != DTYPE_S8 && dt != DTYPE_SIGN8) return 0;
  const packed = (load<u16>(op, O_FLAGS) & OPF_PACKED_W16) != 0;
  const w = opIn(op, 1);
  // Plain weights: int8 bytes read in place (not the direct / binarized forms).
  const plain = !packed && tdtype(w) == DTYPE_S8 && tstorage(w) != STORAGE_DIRECT;
  return preparedFcBytes(packed ? 1 : plain ? 2 : 0, tdim(w, 0), tdim(w, 1), tnumel(x));
}

/**
 * After validation: sizes the region within the budget, grows memory for it past `from` (the end
 * of what mote_blob_alloc reserved) and builds the chosen ops' tables. Without memory (the grow
 * fails) or on the scalar build, with streamed weights, or with a budget of 0, nothing is prepared
 * and the kernels keep their per-run paths (same output bytes).
 */
export function prepareOps(from: usize): void {
  region = 0;
  regionBytes = 0;
  // Streamed weights reach memory only while their op runs: nothing to derive from at load.
  if (!ASC_FEATURE_SIMD || weightsExternal) return;
  const head = <u32>preparedIndexBytes(opCount);
  const bytes = placeOps(0, head);
  if (bytes == head) return;
  const at = (from + 15) & ~(<usize>15);
  const end = <u64>at + <u64>bytes;
  const have = <u64>memory.size() << 16;
  if (end > have) {
    const pages = (end - have + 65535) >> 16;
    if (end > (<u64>1 << 32) || memory.grow(<i32>pages) < 0) return;
  }
  placeOps(at, head);
  region = at;
  regionBytes = bytes;
}

/**
 * The region's bytes: ops in rank order while they fit the budget (format/prepared.ts
 * preparedRank), tables from `head` on; with `at`, builds each table there and sets its op's offset.
 */
function placeOps(at: usize, head: u32): u32 {
  let next = head;
  let full = false;
  for (let r = 0; r < PREPARED_RANKS; r++) {
    for (let i = 0; i < opCount; i++) {
      const op = oprec(i);
      // Building: every op's offset starts at 0 (none), on the first pass.
      if (at && r == 0) store<u32>(at + (<usize>i << 2), 0);
      const b = <u32>opTableBytes(op);
      if (full || b == 0 || preparedRank(opcode(op)) != r) continue;
      // The first op that does not fit ends the region (so it only grows with the budget).
      if (<u64>next + <u64>b > <u64>budget) { full = true; continue; }
      if (at) {
        // opBuilt: a per-model build without the op links none of its preparation.
        if (opcode(op) == OP_DEPTHWISE_CONV2D) { if (opBuilt(OP_DEPTHWISE_CONV2D)) dwPrepare(op, at + <usize>next); }
        else if (opcode(op) == OP_CONV2D) { if (opBuilt(OP_CONV2D)) prepareConv(op, at + <usize>next); }
        else if (opBuilt(OP_FULLY_CONNECTED)) prepareFc(op, at + <usize>next);
        store<u32>(at + (<usize>i << 2), next);
      }
      next += b;
    }
  }
  return next;
}

// A prepared fully_connected (fully_connected.ts fully_connected_s8_prepared reads it): its
// arguments at these byte offsets, the last partial group's bias padded to 16 at PF_TAIL_BIAS, then
// at PREPARED_FC_ARGS the requantization table and after it the f32 table (fully_connected.ts
// fcF32Entries).
export const PF_X = 0, PF_Y = 4, PF_W = 8, PF_BIAS = 12, PF_N = 16, PF_K = 20, PF_ROWS = 24, PF_IN_OFF = 28;
export const PF_OUT_ZP = 32, PF_MIN = 36, PF_MAX = 40, PF_MULT = 44, PF_SHIFT = 48, PF_FAST = 52;
export const PF_F32_LIM = 56, PF_TAIL_BIAS = 64;

/**
 * The op's arguments and its requantization table at rec. PF_FAST = 0 when a channel's bound does
 * not allow the table: the op then requantizes the general way (its arguments are still read from
 * here).
 */
function prepareFc(op: usize, rec: usize): void {
  const x = opIn(op, 0), w = opIn(op, 1), y = opOut(op, 0);
  const N = tdim(w, 0), K = tdim(w, 1);
  const channels = (N + 15) & ~15;
  const b = opIn(op, 2);
  const bp = tstorage(b) != STORAGE_EMPTY ? tptr(b) : 0;
  const mp = tptr(opIn(op, 3)), shp = tptr(opIn(op, 4));
  const table = rec + PREPARED_FC_ARGS;
  let wp = tptr(w);
  if ((load<u16>(op, O_FLAGS) & OPF_PACKED_W16) == 0) {
    // Plain weights: the packed copy after the table (format/prepared.ts).
    const pack = table + <usize>preparedFcTableBytes(N, K, tnumel(x));
    packPlain(wp, N, K, pack);
    wp = pack;
  }
  const rows = tnumel(x) / K;
  let fast = false;
  if (rows == 1) {
    if (kernelBuilt(KERNEL_FC_ROW)) {
      fast = fcF32Table(wp, N, K, bp, mp, shp, -tzp(x), table);
      // fcRow reads its own weight layout, rewritten here in place: the packed copy above, or the
      // blob's bytes (one model per instance, loaded once) unless another op reads them too (that
      // op then keeps the general path: same output bytes).
      const wBytes = <usize>(channels >> 4) * <usize>(((K + 3) >> 2) << 1) << 5;
      if (fast && wp == tptr(w) && readByOther(op, wp, wBytes)) fast = false;
      if (fast) fcRowLayout(wp, wBytes);
      // fcRow's last partial group reads its bias padded with zeros (the packing's zero weights:
      // those lanes come out as the zero point and are not stored).
      const n0 = N & ~15;
      for (let c = n0; c < channels; c++) store<i32>(rec + PF_TAIL_BIAS + (<usize>(c - n0) << 2), c < N && bp ? load<i32>(bp + (<usize>c << 2)) : 0);
    }
  } else {
    useFastTable(table, channels);
    fast = packedTable(wp, N, K, bp, mp, shp, -tzp(x));
    useFastTable(0, 0);
  }
  store<u32>(rec + PF_X, <u32>tptr(x));
  store<u32>(rec + PF_Y, <u32>tptr(y));
  store<u32>(rec + PF_W, <u32>wp);
  store<u32>(rec + PF_BIAS, <u32>bp);
  store<i32>(rec + PF_N, N);
  store<i32>(rec + PF_K, K);
  store<i32>(rec + PF_ROWS, rows);
  store<i32>(rec + PF_IN_OFF, -tzp(x));
  store<i32>(rec + PF_OUT_ZP, tzp(y));
  store<i32>(rec + PF_MIN, opParam(op, 0));
  store<i32>(rec + PF_MAX, opParam(op, 1));
  store<u32>(rec + PF_MULT, <u32>mp);
  store<u32>(rec + PF_SHIFT, <u32>shp);
  store<i32>(rec + PF_FAST, fast ? 1 : 0);
}

/**
 * Whether bytes [p, p + n) of op's weights (input 1) are also read through another tensor: an
 * input of any op other than this one's weights that overlaps them (the same tensor shared by two
 * ops, or records over the same bytes).
 */
function readByOther(op: usize, p: usize, n: usize): bool {
  for (let i = 0; i < opCount; i++) {
    const o = oprec(i);
    for (let j = 0; j < opInCount(o); j++) {
      if (o == op && j == 1) continue;
      const t = opIn(o, j), st = tstorage(t);
      if (st == STORAGE_EMPTY || st == STORAGE_DIRECT) continue;
      const q = tptr(t);
      if (q < p + n && p < q + <usize>tbytes(t)) return true;
    }
  }
  return false;
}

/**
 * A packed conv2d's requantization table (the one packedBegin builds per run from 16 pixels on),
 * from the per-channel sums of |w| after the weights, and its f32 table; the header's first i32
 * says whether every channel took the f64 table, the second holds the f32 screen's threshold bits.
 */
function prepareConv(op: usize, rec: usize): void {
  const w = opIn(op, 1), b = opIn(op, 2);
  const O = tdim(w, 0);
  const K = tdim(w, 1) * tdim(w, 2) * tdim(w, 3);
  const sums = tptr(w) + (<usize>((O + 15) >> 4) * <usize>(((K + 3) >> 2) << 1) << 5);
  const c16 = (O + 15) & ~15;
  useFastTable(rec + PREPARED_CONV_HEAD, c16);
  if (f32Built()) f32Begin(rec + PREPARED_CONV_HEAD + <usize>c16 * 24);
  const fast = fastPreparePacked(O, sums, tstorage(b) != STORAGE_EMPTY ? tptr(b) : 0, tptr(opIn(op, 3)), tptr(opIn(op, 4)), -tzp(opIn(op, 0)));
  const f32 = f32Finish();
  useFastTable(0, 0);
  store<i32>(rec, fast ? 1 : 0);
  store<i32>(rec, fast ? f32 : 0, 4);
}

/**
 * fastPreparePacked with the exact range of each channel's sum instead of |bias| + max|x| * sum|w|:
 * with inputs x + inOff in [lo, hi], tap k adds at most max(w_k lo, w_k hi) and at least
 * min(w_k lo, w_k hi), so acc lies in [bias + sum of the minima, bias + sum of the maxima]. (Load
 * time can afford the pass over the weights; the bound is often half the per-run one, which lets
 * layers like ad's first, with an input zero point of 89, take the table.)
 */
function packedTable(wp: usize, n: i32, k: i32, bp: usize, mp: usize, shp: usize, inOff: i32): bool {
  for (let c = 0; c < n; c++) {
    const o = <usize>c << 2;
    if (!magicChannel(c, load<i32>(mp + o), load<i32>(shp + o), channelBound(wp, c, k, bp, inOff))) return false;
  }
  return true;
}

/**
 * Largest |acc| of channel c: with inputs x + inOff in [lo, hi], tap k adds at most
 * max(w_k lo, w_k hi) and at least min(w_k lo, w_k hi), so acc lies in
 * [bias + sum of the minima, bias + sum of the maxima].
 */
function channelBound(wp: usize, c: i32, k: i32, bp: usize, inOff: i32): f64 {
  const lo = -128 + inOff, hi = 127 + inOff;
  const K2 = ((k + 3) >> 2) << 1;
  // Channel c's taps: byte pairs at (c % 16) * 2 in each 32-byte step of its group (format.ts).
  let p = wp + <usize>(c >> 4) * <usize>K2 * 32 + (<usize>(c & 15) << 1);
  let most: i64 = 0, least: i64 = 0;
  for (let t = 0; t < K2; t++) {
    for (let e = 0; e < 2; e++) {
      const v = <i32>load<i8>(p + <usize>e);
      const a = v * lo, z = v * hi;
      most += <i64>(a > z ? a : z);
      least += <i64>(a < z ? a : z);
    }
    p += 32;
  }
  const bias = bp ? <i64>load<i32>(bp + (<usize>c << 2)) : 0;
  const top = bias + most, bottom = bias + least;
  const up = top < 0 ? -top : top, down = bottom < 0 ? -bottom : bottom;
  return <f64>(up > down ? up : down);
}

/**
 * A one-row op's f32 table at tab (fully_connected.ts fcF32Entry) and its screen threshold in the
 * record's PF_F32_LIM, when every channel's bound allows the f32 store (fcF32Lim); false (the op
 * requantizes the general way) otherwise.
 */
function fcF32Table(wp: usize, n: i32, k: i32, bp: usize, mp: usize, shp: usize, inOff: i32, tab: usize): bool {
  const channels = (n + 15) & ~15;
  // Channels past n (a padded last group): S = e = 0, their lanes come out as the zero point.
  for (let c = n; c < channels; c++) fcF32Entry(tab, c, 0, 0);
  let yMax: f64 = 0, accMax: f64 = 0;
  for (let c = 0; c < n; c++) {
    const o = <usize>c << 2;
    const mult = load<i32>(mp + o), shift = load<i32>(shp + o);
    const bound = channelBound(wp, c, k, bp, inOff);
    const left = shift > 0 ? shift : 0;
    // TFLM's acc * 2^left must not wrap in i32 (the f32 form does not model the wrap).
    if (mult < 0 || left > 30 || bound * <f64>(1 << left) > 2147483647.0) return false;
    // S = M * 2^(shift - 31) exactly in f64 (M < 2^31); e = 2^-(R + 1) for a right shift R >= 1.
    const s = <f64>mult * reinterpret<f64>(<i64>(1023 + shift - 31) << 52);
    fcF32Entry(tab, c, s, shift < 0 ? reinterpret<f64>(<i64>(1022 + shift) << 52) : 0);
    if (bound > accMax) accMax = bound;
    if (bound * s > yMax) yMax = bound * s;
  }
  const lim = fcF32Lim(accMax, yMax);
  store<f32>(tab - PREPARED_FC_ARGS + PF_F32_LIM, lim);
  return lim > 0;
}

/** The op's prepared record (0: none): dispatch.ts runs such an op from it. */
@inline export function preparedTable(op: usize): usize {
  if (!ASC_FEATURE_SIMD || region == 0) return 0;
  const off = load<u32>(region + (<usize>(<u32>(op - opTable) / OP_RECORD_SIZE) << 2));
  return off ? region + <usize>off : 0;
}
