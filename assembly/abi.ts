// The exported C ABI (docs/ABI.md). Only i32/f32 parameters and results, so a C host on WAMR can
// call it as easily as JavaScript. One blob per instance.
import {
  OK, ERR_ARENA, ERR_NOT_LOADED, ERR_BAD_INDEX, ERR_TOO_SMALL, H_ARENA_SIZE, FORMAT_VERSION, STORAGE_EMPTY,
} from '../format/format';
import {
  blobPtr, blobCapacity, arenaPtr, loaded, setBlob, setArena, setLoaded, tensorCount, tdtype,
  trank, tdim, tscale, tzp, tptr, tbytes, tstorage, graphInputCount, graphOutputCount, graphInput,
  graphOutput, weightsSize, metaBase, metaSize, dtypeSize, opCount, oprec, opcode,
  expandedSize, expandedCapacity, setExpanded,
} from './state';
import { decodeEncodedTensors } from './decode/index';
import { validateHeader, validateTensors, validateOps } from './blob';
import { messagePtr, messageLen, str, int, clear } from './message';
import { runAll, runOp } from './dispatch';

const PAGE: u32 = 65536;

let lastError: i32 = OK;
function setError(code: i32): i32 {
  lastError = code;
  return code;
}

/** Grows memory by whole pages and returns the start of the new region, or 0. */
function growBytes(bytes: u32): usize {
  const pages = <i32>((<u64>bytes + PAGE - 1) / PAGE);
  const before = memory.grow(pages);
  if (before < 0) return 0;
  return <usize>before * PAGE;
}

/**
 * Reserves `size` bytes for the blob (one memory.grow) and returns where the host must copy it,
 * or 0 when memory cannot grow or a blob was already allocated in this instance.
 */
export function mote_blob_alloc(size: i32): i32 {
  clear();
  if (blobPtr != 0) {
    str('a blob was already allocated in this instance (one model per instance)');
    setError(ERR_ARENA);
    return 0;
  }
  if (size <= 0) {
    str('blob size must be positive');
    setError(ERR_TOO_SMALL);
    return 0;
  }
  const p = growBytes(<u32>size);
  if (p == 0) {
    str('cannot grow memory by '); int(size); str(' bytes for the blob');
    setError(ERR_ARENA);
    return 0;
  }
  setBlob(p, <u32>size);
  return <i32>p;
}

/**
 * Validates the blob the host copied to mote_blob_alloc's pointer, then reserves the arena (one
 * more memory.grow). Returns OK or an ERR_* code; mote_error_message explains.
 */
export function mote_load(): i32 {
  clear();
  if (blobPtr == 0) {
    str('mote_blob_alloc was not called');
    return setError(ERR_NOT_LOADED);
  }
  if (loaded) return setError(OK);
  let e = validateHeader(blobCapacity);
  if (e) return setError(e);
  const arenaBytes = load<u32>(blobPtr + H_ARENA_SIZE);
  e = validateTensors(arenaBytes, weightsSize);
  if (e) return setError(e);
  // Encoded weights are decoded once, before the op checks (which may read weight values).
  if (expandedSize > expandedCapacity) {
    const p = growBytes(expandedSize);
    if (p == 0) {
      str('cannot grow memory by '); int(expandedSize); str(' bytes for the expanded weights');
      return setError(ERR_ARENA);
    }
    setExpanded(p, expandedSize);
  }
  e = decodeEncodedTensors();
  if (e) return setError(e);
  e = validateOps();
  if (e) return setError(e);
  if (arenaPtr == 0) {
    // At least one page, so the arena pointer is never 0 even for an empty arena.
    const p = growBytes(arenaBytes > 0 ? arenaBytes : 1);
    if (p == 0) {
      str('cannot grow memory by '); int(arenaBytes); str(' bytes for the arena');
      return setError(ERR_ARENA);
    }
    setArena(p, arenaBytes);
  }
  setLoaded(true);
  return setError(OK);
}

/** Runs the whole schedule once on the current input tensors. */
export function mote_run(): i32 {
  if (!loaded) {
    clear();
    str('mote_run before a successful mote_load');
    return setError(ERR_NOT_LOADED);
  }
  runAll();
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
    str('op '); int(i); str(' out of range (the schedule has '); int(opCount); str(' ops)');
    return setError(ERR_BAD_INDEX);
  }
  runOp(oprec(i));
  return OK;
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
  if (!loaded || i < 0 || i >= graphInputCount) return badIndex('input', i);
  return graphInput(i);
}
export function mote_output_tensor(i: i32): i32 {
  if (!loaded || i < 0 || i >= graphOutputCount) return badIndex('output', i);
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

function badIndex(kind: string, i: i32): i32 {
  clear();
  if (!loaded) str('no model loaded');
  else { str(kind); str(' '); int(i); str(' out of range'); }
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
  return validId(id) && tstorage(id) != STORAGE_EMPTY ? <i32>tptr(id) : 0;
}
export function mote_tensor_bytes(id: i32): i32 {
  return validId(id) ? <i32>tbytes(id) : -1;
}

// ---- metadata (UTF-8 JSON section) ----
export function mote_meta_ptr(): i32 {
  return loaded ? <i32>metaBase : 0;
}
export function mote_meta_len(): i32 {
  return loaded ? <i32>metaSize : 0;
}
