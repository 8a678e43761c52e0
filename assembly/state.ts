// Where the loaded blob and the arena live, and accessors for its records.
//
// The accessors are plain calls, not @inline: they run in validation and in kernels' per-op setup,
// never per element (kernels copy what their loops need into locals or scratch arrays first), and
// a call site is 3-5 bytes where the inlined load with its address arithmetic is 10-16. Inlining
// them everywhere cost ~9 KB of code in each build (issue #4).
//
// Everything here reads raw memory without checks: blob.ts and validate_ops.ts prove at load time
// that every record, index word, param word and tensor byte range these helpers touch is in bounds.
import {
  TENSOR_RECORD_SIZE, T_DTYPE, T_RANK, T_STORAGE, T_DIMS, T_OFFSET, T_BYTE_SIZE, T_SCALE,
  T_ZERO_POINT, STORAGE_WEIGHTS, STORAGE_ENCODED, T_STREAM_OFFSET, OP_RECORD_SIZE, O_OPCODE, O_INPUT_COUNT, O_OUTPUT_COUNT,
  O_IO_INDEX, O_PARAMS_INDEX, O_PARAMS_COUNT, DTYPE_F32, DTYPE_S32, DTYPE_S16,
} from '../format/format';

// Set by mote_blob_alloc.
export let blobPtr: usize = 0;
export let blobCapacity: u32 = 0;
// Set by mote_load once the header is validated.
export let arenaPtr: usize = 0;
export let arenaSize: u32 = 0;
export let loaded: bool = false;
// The expanded-weights region: STORAGE_ENCODED tensors decoded once at load (assembly/decode/).
// expandedSize is what the tensor records need (set by validateTensors); expandedCapacity what was
// reserved.
export let expandedPtr: usize = 0;
export let expandedSize: u32 = 0;
export let expandedCapacity: u32 = 0;

// Streamed weights (FLAG_WEIGHTS_EXTERNAL, stream builds only): the weights section stays with the
// host; before an op runs (or is validated) its weights span is read into the scratch region and
// weightsBase is pointed so that weightsBase + T_OFFSET lands inside the scratch copy.
export let weightsExternal: bool = false;
export let weightsFileOffset: u32 = 0;
export let scratchPtr: usize = 0;
export let scratchSize: u32 = 0;

export let tensorTable: usize = 0;
export let tensorCount: i32 = 0;
export let opTable: usize = 0;
export let opCount: i32 = 0;
export let indexBase: usize = 0;
export let indexCount: u32 = 0;
export let paramsBase: usize = 0;
export let paramsCount: u32 = 0;
export let weightsBase: usize = 0;
export let weightsSize: u32 = 0;
export let metaBase: usize = 0;
export let metaSize: u32 = 0;
export let graphInputCount: i32 = 0;
export let graphInputsIndex: u32 = 0;
export let graphOutputCount: i32 = 0;
export let graphOutputsIndex: u32 = 0;

export function setBlob(ptr: usize, capacity: u32): void {
  blobPtr = ptr;
  blobCapacity = capacity;
}
export function setArena(ptr: usize, size: u32): void {
  arenaPtr = ptr;
  arenaSize = size;
}
export function setExpandedSize(size: u32): void {
  expandedSize = size;
}
export function setExpanded(ptr: usize, capacity: u32): void {
  expandedPtr = ptr;
  expandedCapacity = capacity;
}
export function setStreaming(external: bool, fileOffset: u32, ptr: usize, size: u32): void {
  weightsExternal = external;
  weightsFileOffset = fileOffset;
  scratchPtr = ptr;
  scratchSize = size;
}
export function setWeightsBase(p: usize): void {
  weightsBase = p;
}
export function setLoaded(v: bool): void {
  loaded = v;
}
export function setSections(
  tt: usize, tc: i32, ot: usize, oc: i32, ib: usize, ic: u32, pb: usize, pc: u32,
  wb: usize, ws: u32, mb: usize, ms: u32, gic: i32, gii: u32, goc: i32, goi: u32,
): void {
  tensorTable = tt; tensorCount = tc; opTable = ot; opCount = oc;
  indexBase = ib; indexCount = ic; paramsBase = pb; paramsCount = pc;
  weightsBase = wb; weightsSize = ws; metaBase = mb; metaSize = ms;
  graphInputCount = gic; graphInputsIndex = gii; graphOutputCount = goc; graphOutputsIndex = goi;
}

// ---- tensors ----
@inline export function trec(id: i32): usize {
  return tensorTable + <usize>id * TENSOR_RECORD_SIZE;
}
export function tdtype(id: i32): i32 {
  return <i32>load<u8>(trec(id), T_DTYPE);
}
export function trank(id: i32): i32 {
  return <i32>load<u8>(trec(id), T_RANK);
}
export function tstorage(id: i32): i32 {
  return <i32>load<u8>(trec(id), T_STORAGE);
}
/** Dimension i (0-based, i < MAX_RANK). */
export function tdim(id: i32, i: i32): i32 {
  return load<i32>(trec(id) + T_DIMS + (<usize>i << 2));
}
/** Dimension counted from the end: tdimr(id, 1) is the last one. */
export function tdimr(id: i32, fromEnd: i32): i32 {
  return tdim(id, trank(id) - fromEnd);
}
export function tbytes(id: i32): u32 {
  return load<u32>(trec(id), T_BYTE_SIZE);
}
export function tscale(id: i32): f32 {
  return load<f32>(trec(id), T_SCALE);
}
export function tzp(id: i32): i32 {
  return load<i32>(trec(id), T_ZERO_POINT);
}
export function tptr(id: i32): usize {
  const rec = trec(id);
  const storage = load<u8>(rec, T_STORAGE);
  const base = storage == STORAGE_WEIGHTS ? weightsBase : storage == STORAGE_ENCODED ? expandedPtr : arenaPtr;
  return base + <usize>load<u32>(rec, T_OFFSET);
}
/**
 * A STORAGE_DIRECT record's stream (its u32 length word first), which only the direct kernels of
 * its encoding read (kernels/direct.ts). tptr is not for direct records: kept out of it so every
 * other kernel's inlined tptr stays one select shorter.
 */
export function tstream(id: i32): usize {
  return weightsBase + <usize>load<u32>(trec(id), T_STREAM_OFFSET);
}
/** Element count (validated at load to fit in i32 and in the tensor's bytes). */
export function tnumel(id: i32): i32 {
  const r = trank(id);
  let n = 1;
  for (let i = 0; i < r; i++) n *= tdim(id, i);
  return n;
}
/** Product of dims [from, to). */
export function tprod(id: i32, from: i32, to: i32): i32 {
  let n = 1;
  for (let i = from; i < to; i++) n *= tdim(id, i);
  return n;
}
export function dtypeSize(dt: i32): i32 {
  if (dt == DTYPE_F32 || dt == DTYPE_S32) return 4;
  if (dt == DTYPE_S16) return 2;
  return 1;
}

// ---- ops ----
@inline export function oprec(i: i32): usize {
  return opTable + <usize>i * OP_RECORD_SIZE;
}
export function opcode(op: usize): i32 {
  return <i32>load<u16>(op, O_OPCODE);
}
export function opInCount(op: usize): i32 {
  return <i32>load<u16>(op, O_INPUT_COUNT);
}
export function opOutCount(op: usize): i32 {
  return <i32>load<u16>(op, O_OUTPUT_COUNT);
}
export function opParamCount(op: usize): i32 {
  return <i32>load<u32>(op, O_PARAMS_COUNT);
}
/** Tensor id of input j. */
export function opIn(op: usize, j: i32): i32 {
  return load<i32>(indexBase + ((<usize>load<u32>(op, O_IO_INDEX) + <usize>j) << 2));
}
/** Tensor id of output j. */
export function opOut(op: usize, j: i32): i32 {
  return opIn(op, opInCount(op) + j);
}
export function opParam(op: usize, k: i32): i32 {
  return load<i32>(paramsBase + ((<usize>load<u32>(op, O_PARAMS_INDEX) + <usize>k) << 2));
}
export function opParamF(op: usize, k: i32): f32 {
  return load<f32>(paramsBase + ((<usize>load<u32>(op, O_PARAMS_INDEX) + <usize>k) << 2));
}
/** Tensor id of graph input i / output i. */
export function graphInput(i: i32): i32 {
  return load<i32>(indexBase + ((<usize>graphInputsIndex + <usize>i) << 2));
}
export function graphOutput(i: i32): i32 {
  return load<i32>(indexBase + ((<usize>graphOutputsIndex + <usize>i) << 2));
}
