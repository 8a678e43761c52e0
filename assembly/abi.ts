// The exported C ABI (docs/ABI.md). Only i32/f32 parameters and results, so a C host on WAMR can
// call it as easily as JavaScript. One blob per instance.
import {
  OK, ERR_ARENA, ERR_NOT_LOADED, ERR_BAD_INDEX, ERR_TOO_SMALL, ERR_BAD_HEADER, H_ARENA_SIZE, FORMAT_VERSION,
  STORAGE_EMPTY, STORAGE_WEIGHTS, HEADER_SIZE, H_FLAGS, H_EXPANDED_SIZE, H_WEIGHTS_SCRATCH_SIZE,
  H_WEIGHTS_OFFSET, FLAG_WEIGHTS_EXTERNAL, SECTION_ALIGN,
} from '../format/format';
import {
  blobPtr, blobCapacity, loaded, setBlob, setArena, setLoaded, tensorCount, tdim, tscale, tptr, graphInputCount, graphOutputCount, graphInput, graphOutput, metaBase, metaSize, dtypeSize, opCount, oprec, opcode, setExpanded, setStreaming, weightsExternal, weightsSize,
} from './state';
import { tdtype, trank, tzp, tbytes, tstorage } from './state_cold';
import { decodeEncodedTensors } from './decode/index';
import { validateAllocHeader, validateHeader, validateTensors, validateOps } from './blob';
import { messagePtr, messageLen, str, say, say1, say2, text, Text, clear } from './message';
import { runOp } from './dispatch';
import { prepareOps, preparedBytes, setPrepareBudget } from './prepared';
import { STREAM, streamOpWeights } from './stream';
import { BUILT_DECODERS } from './features';

const PAGE: u64 = 65536;

let lastError: i32 = OK;
function setError(code: i32): i32 {
  lastError = code;
  return code;
}

// The host copies the blob's first HEADER_SIZE bytes here before mote_blob_alloc, so the one
// memory.grow can be sized before the blob itself is copied in (docs/ABI.md, "Life cycle").
const headerBuf: usize = memory.data(HEADER_SIZE, SECTION_ALIGN);
// Bytes of the blob the host copies to mote_blob_alloc's pointer (all of it, or the part before
// streamed weights).
let copySize: u32 = 0;
// Where mote_load puts the expanded weights and the arena: reserved by mote_blob_alloc.
let expandedAt: usize = 0;
let arenaAt: usize = 0;
// End of the regions mote_blob_alloc reserved: prepared state (prepared.ts) goes after it.
let reservedEnd: usize = 0;

@inline function align16(n: u64): u64 {
  return (n + <u64>SECTION_ALIGN - 1) & ~(<u64>SECTION_ALIGN - 1);
}

export function mote_header_buffer(): i32 {
  return <i32>headerBuf;
}

/** First byte after the runtime's static data: the load regions start at the next 16-byte boundary. */
export function mote_heap_base(): i32 {
  return <i32>__heap_base;
}

/** Bytes the host copies to mote_blob_alloc's pointer (0 before a successful mote_blob_alloc). */
export function mote_blob_copy_size(): i32 {
  return <i32>copySize;
}

/**
 * Reads the header the host copied to mote_header_buffer(), validates it against `size`, and
 * reserves, with at most one memory.grow, everything the model needs: the blob (or its part before
 * streamed weights), the expanded-weights region, the arena and the weights scratch region, one
 * after the other from the first free byte of the initial memory. Returns where the host copies
 * mote_blob_copy_size() blob bytes, or 0 (mote_last_error, message).
 */
export function mote_blob_alloc(size: i32): i32 {
  clear();
  if (blobPtr != 0) {
    str('a blob was already allocated in this instance (one model per instance)');
    setError(ERR_ARENA);
    return 0;
  }
  if (size < HEADER_SIZE) {
    say2(txt('blob is $ bytes, shorter than the $-byte header'), size, HEADER_SIZE);
    setError(ERR_TOO_SMALL);
    return 0;
  }
  const e = validateAllocHeader(headerBuf, <u32>size);
  if (e) {
    setError(e);
    return 0;
  }
  // validateAllocHeader rejected streamed blobs in the default builds; there `external` is a constant
  // false, so weightsExternal is never set and binaryen drops the streaming paths behind it.
  const external = STREAM && (load<u32>(headerBuf + H_FLAGS) & FLAG_WEIGHTS_EXTERNAL) != 0;
  const resident = external ? load<u32>(headerBuf + H_WEIGHTS_OFFSET) : <u32>size;
  const arenaBytes = load<u32>(headerBuf + H_ARENA_SIZE);
  const expandedBytes = load<u32>(headerBuf + H_EXPANDED_SIZE);
  const scratchBytes = load<u32>(headerBuf + H_WEIGHTS_SCRATCH_SIZE);
  // Regions, each 16-byte aligned: blob | expanded weights | arena | weights scratch.
  const blobAt = align16(<u64>__heap_base);
  const expAt = align16(blobAt + <u64>resident);
  const arAt = align16(expAt + <u64>expandedBytes);
  const scrAt = align16(arAt + <u64>arenaBytes);
  const end = scrAt + <u64>scratchBytes;
  const have = <u64>memory.size() * PAGE;
  if (end > have) {
    const pages = (end - have + PAGE - 1) / PAGE;
    if (end > (<u64>1 << 32) || memory.grow(<i32>pages) < 0) {
      say(txt('cannot grow memory by $ bytes for the blob ($), expanded weights ($)'), <i64>(pages * PAGE), resident, expandedBytes);
      say2(txt(', arena ($) and weights scratch ($)'), arenaBytes, scratchBytes);
      setError(ERR_ARENA);
      return 0;
    }
  }
  setBlob(<usize>blobAt, <u32>size);
  expandedAt = <usize>expAt;
  arenaAt = <usize>arAt;
  reservedEnd = <usize>end;
  setStreaming(external, load<u32>(headerBuf + H_WEIGHTS_OFFSET), <usize>scrAt, scratchBytes);
  copySize = resident;
  return <i32>blobAt;
}

/**
 * Validates the blob the host copied to mote_blob_alloc's pointer and places the arena and the
 * expanded weights in the memory mote_blob_alloc reserved (no memory.grow). Returns OK or an ERR_*
 * code; mote_error_message explains.
 */
export function mote_load(): i32 {
  clear();
  if (blobPtr == 0) {
    str('mote_blob_alloc was not called');
    return setError(ERR_NOT_LOADED);
  }
  if (loaded) return setError(OK);
  // The sizes reserved came from the header buffer: the copied blob must carry the same header.
  if (!sameHeader()) {
    str('header: the copied blob\'s header differs from the one in mote_header_buffer at mote_blob_alloc');
    return setError(ERR_BAD_HEADER);
  }
  let e = validateHeader(blobCapacity);
  if (e) return setError(e);
  const arenaBytes = load<u32>(blobPtr + H_ARENA_SIZE);
  e = validateTensors(arenaBytes, weightsSize);
  if (e) return setError(e);
  // Encoded weights are decoded once, before the op checks (which may read weight values). A build
  // without decoders has refused every encoded record already (validateTensors).
  setExpanded(expandedAt, load<u32>(blobPtr + H_EXPANDED_SIZE));
  if (BUILT_DECODERS != 0) {
    e = decodeEncodedTensors(arenaAt);
    if (e) return setError(e);
  }
  setArena(arenaAt, arenaBytes);
  e = validateOps();
  if (e) return setError(e);
  prepareOps(reservedEnd);
  setLoaded(true);
  return setError(OK);
}

/** The copied blob starts with the header in headerBuf (a word loop: memory.compare links ~170 B). */
function sameHeader(): bool {
  for (let k: usize = 0; k < <usize>HEADER_SIZE; k += 4) if (load<u32>(blobPtr + k) != load<u32>(headerBuf + k)) return false;
  return true;
}

/** Runs the whole schedule once on the current input tensors. */
export function mote_run(): i32 {
  if (!loaded) {
    clear();
    str('mote_run before a successful mote_load');
    return setError(ERR_NOT_LOADED);
  }
  const n = opCount;
  for (let i = 0; i < n; i++) {
    const e = runStep(i);
    if (e) return e;
  }
  return OK;
}

/** One schedule step: streamed weights first (a no-op for resident weights), then the kernel. */
function runStep(i: i32): i32 {
  const op = oprec(i);
  if (weightsExternal) {
    clear();
    const e = streamOpWeights(i, op, opcode(op));
    if (e) return setError(e);
  }
  runOp(op);
  return OK;
}

// ---- one op at a time: lets a host time each op with its own clock (no import needed) ----
export function mote_op_count(): i32 {
  return loaded ? opCount : 0;
}
/** Opcode (OP_*) of schedule step i, or -1. */
export function mote_op_opcode(i: i32): i32 {
  return loaded && i >= 0 && i < opCount ? opcode(oprec(i)) : -1;
}
/** Runs schedule step i alone; steps 0..n-1 in order equal one mote_run. */
export function mote_run_op(i: i32): i32 {
  if (!loaded) {
    clear();
    str('mote_run_op before a successful mote_load');
    return setError(ERR_NOT_LOADED);
  }
  if (i < 0 || i >= opCount) {
    clear();
    say2(txt('op $ out of range (the schedule has $ ops)'), i, opCount);
    return setError(ERR_BAD_INDEX);
  }
  return runStep(i);
}

export function mote_last_error(): i32 {
  return lastError;
}
export function mote_error_message(): i32 {
  return <i32>messagePtr();
}
export function mote_error_message_len(): i32 {
  return messageLen();
}
export function mote_format_version(): i32 {
  return FORMAT_VERSION;
}
export function mote_has_simd(): i32 {
  return ASC_FEATURE_SIMD ? 1 : 0;
}
/**
 * Bytes of prepared state mote_load built past the reserved regions (format/prepared.ts; SIMD
 * build only, 0 on the scalar build or when nothing was prepared).
 */
export function mote_prepared_bytes(): i32 {
  return <i32>preparedBytes();
}
/**
 * 0: the next mote_load prepares nothing (no memory beyond the reserved regions; every op runs its
 * per-run path, same output bytes); else it prepares everything (the default). The scalar build
 * prepares nothing either way.
 */
export function mote_set_prepare(enabled: i32): void {
  setPrepareBudget(enabled ? 0xffffffff : 0);
}
/**
 * The most bytes of prepared state the next mote_load may keep (an unsigned 32-bit count;
 * 0xffffffff, the default, for no limit): it prepares ops in format/prepared.ts's order while they
 * fit; the others run their per-run paths (same output bytes).
 */
export function mote_set_prepare_budget(bytes: i32): void {
  setPrepareBudget(<u32>bytes);
}
export function mote_memory_bytes(): i32 {
  return <i32>(<u32>memory.size() * PAGE);
}

// ---- graph inputs / outputs: counts, pointers and byte sizes ----
export function mote_input_count(): i32 {
  return loaded ? graphInputCount : 0;
}
export function mote_output_count(): i32 {
  return loaded ? graphOutputCount : 0;
}
/** Tensor id of graph input i, or -1 (ERR_BAD_INDEX set) when out of range. */
export function mote_input_tensor(i: i32): i32 {
  if (!loaded || i < 0 || i >= graphInputCount) return badIndex(txt('input'), i);
  return graphInput(i);
}
export function mote_output_tensor(i: i32): i32 {
  if (!loaded || i < 0 || i >= graphOutputCount) return badIndex(txt('output'), i);
  return graphOutput(i);
}
export function mote_input_ptr(i: i32): i32 {
  const id = mote_input_tensor(i);
  return id < 0 ? 0 : <i32>tptr(id);
}
export function mote_output_ptr(i: i32): i32 {
  const id = mote_output_tensor(i);
  return id < 0 ? 0 : <i32>tptr(id);
}
export function mote_input_bytes(i: i32): i32 {
  const id = mote_input_tensor(i);
  return id < 0 ? -1 : usedBytes(id);
}
export function mote_output_bytes(i: i32): i32 {
  const id = mote_output_tensor(i);
  return id < 0 ? -1 : usedBytes(id);
}

function badIndex(kind: Text, i: i32): i32 {
  clear();
  if (!loaded) str('no model loaded');
  else { text(kind); say1(txt(' $ out of range'), i); }
  setError(loaded ? ERR_BAD_INDEX : ERR_NOT_LOADED);
  return -1;
}

/** Bytes of the tensor's elements (byte_size may include packing padding for weights). */
function usedBytes(id: i32): i32 {
  let n = 1;
  const r = trank(id);
  for (let d = 0; d < r; d++) n *= tdim(id, d);
  return n * dtypeSize(tdtype(id));
}

// ---- tensor info by tensor id (from mote_input_tensor / mote_output_tensor) ----
function validId(id: i32): bool {
  return loaded && id >= 0 && id < tensorCount;
}
export function mote_tensor_count(): i32 {
  return loaded ? tensorCount : 0;
}
export function mote_tensor_dtype(id: i32): i32 {
  return validId(id) ? tdtype(id) : -1;
}
export function mote_tensor_rank(id: i32): i32 {
  return validId(id) ? trank(id) : -1;
}
export function mote_tensor_dim(id: i32, d: i32): i32 {
  return validId(id) && d >= 0 && d < trank(id) ? tdim(id, d) : -1;
}
export function mote_tensor_scale(id: i32): f32 {
  return validId(id) ? tscale(id) : 0;
}
export function mote_tensor_zero_point(id: i32): i32 {
  return validId(id) ? tzp(id) : 0;
}
export function mote_tensor_storage(id: i32): i32 {
  return validId(id) ? tstorage(id) : -1;
}
export function mote_tensor_ptr(id: i32): i32 {
  // Streamed weights have no stable address (they pass through the scratch region).
  if (!validId(id) || tstorage(id) == STORAGE_EMPTY || (weightsExternal && tstorage(id) == STORAGE_WEIGHTS)) return 0;
  return <i32>tptr(id);
}
export function mote_tensor_bytes(id: i32): i32 {
  return validId(id) ? <i32>tbytes(id) : -1;
}

// ---- metadata (UTF-8 JSON section; with streamed weights it stays outside linear memory: 0, 0) ----
export function mote_meta_ptr(): i32 {
  return loaded ? <i32>metaBase : 0;
}
export function mote_meta_len(): i32 {
  return loaded ? <i32>metaSize : 0;
}
