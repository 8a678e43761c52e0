// Kernel scratch (TFLite Micro's scratch buffers): the converter plans each op's kernel buffers as
// the op's scratch tensor, sized by format/kernel-scratch.ts; here, before each op, the runtime
// points the kernels' buffers (requant_fast.ts's table, gemm.ts's pack, the depthwise and pool
// accumulators, the add tables) into it, laid out by the same functions: they cannot drift. A part
// the tensor does not hold (a blob planned when the kernels needed less) is not bound, and its
// kernels run their no-scratch path, with the same output bytes.
import {
  DTYPE_S8, DTYPE_SIGN8, OP_CONV2D, OP_DEPTHWISE_CONV2D, OP_FULLY_CONNECTED, OP_MAX_POOL2D,
  OP_AVERAGE_POOL2D, OP_ADD, OP_SUB, O_SCRATCH_TENSOR,
} from '../format/format';
import {
  KS_ADD_TABLES, ksFastChannels, ksSmallkBytes, ksRowPackBytes, ksDwPairChannels, ksDwPackBytes, ksAccChannels, ksDwF32Bytes,
} from '../format/kernel-scratch';
import { opIn, tdim, trank, tdtype, tptr, tbytes } from './state';
import { useFastTable } from './requant_fast';
import { useSmallkPack } from './kernels/gemm';
import { useRowPack } from './kernels/gemm_packed';
import { useDwPairs, useDwF32 } from './kernels/depthwise_pairs';
import { useDwAcc } from './kernels/depthwise_conv2d';
import { usePoolAcc } from './kernels/pool';
import { useAddTables } from './kernels/binary';

// Accumulators for int8 depthwise / pool ops without a scratch tensor (blobs planned before kernel
// scratch, hand-built blobs): 16 channels at a time, no requantization table or packed copies.
const FALLBACK_CHANNELS: i32 = 16;
const fallbackAcc: usize = memory.data(FALLBACK_CHANNELS * 4, 16);

// The op's kernelScratchBytes arguments (format/kernel-scratch.ts), read by opFields.
let fInt8: i32 = 0;
let fC: i32 = 0;
let fO: i32 = 0;
let fK: i32 = 0;
let fKh: i32 = 1;
let fKw: i32 = 1;
let fCg: i32 = 0;

/** Reads the op's shape fields; false when the op has no kernel scratch (not an int8 conv/FC/pool/add/sub). */
function opFields(op: usize, code: i32): bool {
  if (code != OP_CONV2D && code != OP_DEPTHWISE_CONV2D && code != OP_FULLY_CONNECTED && code != OP_MAX_POOL2D && code != OP_AVERAGE_POOL2D && code != OP_ADD && code != OP_SUB) return false;
  // Runs once per op and run (a few record reads): the state.ts accessors stay calls.
  const x = opIn(op, 0);
  const dt = tdtype(x);
  if (dt != DTYPE_S8 && dt != DTYPE_SIGN8) return false;
  fInt8 = 1;
  fC = tdim(x, trank(x) - 1);
  fO = 0; fK = 0; fKh = 1; fKw = 1; fCg = fC;
  if (code == OP_MAX_POOL2D || code == OP_AVERAGE_POOL2D || code == OP_ADD || code == OP_SUB) return true;
  const w = opIn(op, 1);
  if (code == OP_CONV2D) {
    fO = tdim(w, 0); fKh = tdim(w, 1); fKw = tdim(w, 2); fCg = tdim(w, 3);
  } else if (code == OP_FULLY_CONNECTED) {
    fO = tdim(w, 0); fK = tdim(w, 1);
  } else {
    const wr = trank(w);
    fKh = tdim(w, wr - 3); fKw = tdim(w, wr - 2); fO = tdim(w, wr - 1);
  }
  return true;
}

/** Before the op runs: its kernels' buffers into its scratch tensor (or the fallbacks). */
export function bindScratch(op: usize, code: i32): void {
  if (!opFields(op, code)) return;
  const s = load<i32>(op, O_SCRATCH_TENSOR);
  if (s < 0) {
    // Validated: without a scratch tensor every kernel takes its path that needs none.
    useFastTable(0, 0);
    useSmallkPack(0, 0);
    useRowPack(0, 0);
    useDwPairs(0, 0, 0);
    useDwF32(0, 0);
    useDwAcc(fallbackAcc, FALLBACK_CHANNELS);
    usePoolAcc(fallbackAcc, FALLBACK_CHANNELS);
    useAddTables(0);
    return;
  }
  // Each part binds only when the tensor holds it, in kernelScratchBytes' order; a part that does
  // not fit leaves its kernels on their no-scratch path (same output bytes). So a blob planned by
  // an older converter, whose kernels then needed less, loads and runs on a newer runtime.
  const base = tptr(s);
  const end = base + <usize>tbytes(s);
  if (code == OP_ADD || code == OP_SUB) {
    useAddTables(base + <usize>KS_ADD_TABLES <= end ? base : 0);
    return;
  }
  if (code == OP_MAX_POOL2D || code == OP_AVERAGE_POOL2D) {
    const acc = ksAccChannels(code, fInt8, fC, fO);
    if (base + (<usize>acc << 2) <= end) usePoolAcc(base, acc);
    else usePoolAcc(fallbackAcc, FALLBACK_CHANNELS);
    return;
  }
  let at = base;
  let fast = ksFastChannels(code, fInt8, fO);
  if (at + <usize>fast * 24 > end) fast = 0;
  useFastTable(at, fast);
  at += <usize>fast * 24;
  if (code == OP_DEPTHWISE_CONV2D) {
    let pair = ksDwPairChannels(code, fInt8, fC, fO, fKh, fKw);
    let pack = ksDwPackBytes(code, fInt8, fC, fO, fKh, fKw);
    if (at + <usize>(pair * 5 + pack) > end) { pair = 0; pack = 0; }
    useDwPairs(at, pair, pack);
    at += <usize>(pair * 5 + pack);
    const acc = ksAccChannels(code, fInt8, fC, fO);
    if (at + (<usize>acc << 2) <= end) useDwAcc(at, acc);
    else useDwAcc(fallbackAcc, FALLBACK_CHANNELS);
    at += <usize>((acc * 4 + 15) & ~15);
    const f32 = ksDwF32Bytes(code, fInt8, fC, fO, fKh, fKw);
    if (at + <usize>f32 <= end) useDwF32(at, f32 >> 3);
    else useDwF32(0, 0);
  } else {
    const k = code == OP_CONV2D ? fCg : fK;
    let smallk = ksSmallkBytes(code, fInt8, fO, k, fKh, fKw, fCg, fC);
    if (at + <usize>smallk > end) smallk = 0;
    useSmallkPack(at, smallk);
    at += <usize>((smallk + 15) & ~15);
    const rows = ksRowPackBytes(code, fInt8, fO, fKh, fKw, fCg, fC);
    useRowPack(at, at + <usize>rows <= end ? rows : 0);
  }
}
