// Parses and fully validates a .mote blob in TypeScript: the same structural checks the WASM runtime
// performs at load, plus the metadata JSON. Used by the host API and `mote inspect`, and by tests as
// an independent reader of what the emitter wrote. Any defect is a BlobError whose `code` is the
// format's ERR_* value and whose message names the place ("tensor 7 ('conv1_out'): ...").
import * as F from '../format/format.js';
import { opcodeName } from './opcodes.js';

export class BlobError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'BlobError';
  }
}

export interface BlobHeader {
  magic: number;
  version: number;
  flags: number;
  crc32: number;
  totalSize: number;
  headerSize: number;
  arenaSize: number;
  arenaLowerBound: number;
  tensorCount: number;
  tensorTableOffset: number;
  opCount: number;
  opTableOffset: number;
  indexOffset: number;
  indexCount: number;
  paramsOffset: number;
  paramsCount: number;
  weightsOffset: number;
  weightsSize: number;
  metaOffset: number;
  metaSize: number;
  inputCount: number;
  inputsIndex: number;
  outputCount: number;
  outputsIndex: number;
  /** Bytes of the expanded-weights region (encoded weights); 0 without. */
  expandedSize: number;
  /** Streamed weights (flags & FLAG_WEIGHTS_EXTERNAL): the per-op weights scratch region; else 0. */
  weightsScratchSize: number;
}

export interface BlobTensor {
  id: number;
  /** From the metadata's `tensors` list ('' for the empty record, `t<id>` when metadata lacks it). */
  name: string;
  dtype: number;
  /** 'f32' | 's8' | 's32' | 'u8' | 's16' */
  dtypeName: string;
  shape: number[];
  storage: number;
  /** 'arena' | 'weights' | 'empty' */
  storageName: string;
  offset: number;
  byteSize: number;
  scale: number;
  zeroPoint: number;
  /** STORAGE_ENCODED flagged ENC_FLAG_PACK_W16: plain bytes decoded, then packed at load (OPF_PACKED_W16 layout). */
  packedAtLoad?: boolean;
}

export interface BlobOp {
  index: number;
  opcode: number;
  opName: string;
  /** From the metadata's `ops` list (`op<index>` when metadata lacks it). */
  name: string;
  flags: number;
  inPlace: boolean;
  inputs: number[];
  outputs: number[];
  params: Int32Array;
  /** Tensor id of the scratch buffer, or -1. */
  scratch: number;
}

export interface BlobView {
  header: BlobHeader;
  version: number;
  arenaSize: number;
  arenaLowerBound: number;
  tensors: BlobTensor[];
  ops: BlobOp[];
  /** Tensor ids of the graph inputs and outputs. */
  inputs: number[];
  outputs: number[];
  meta: Record<string, unknown>;
  /** The weights section (a view into the blob). */
  weightsBytes: Uint8Array;
  /** The whole blob (a view of [0, total_size)). */
  bytes: Uint8Array;
}

export const DTYPE_NAMES: Record<number, string> = {
  [F.DTYPE_F32]: 'f32',
  [F.DTYPE_S8]: 's8',
  [F.DTYPE_S32]: 's32',
  [F.DTYPE_U8]: 'u8',
  [F.DTYPE_S16]: 's16',
  [F.DTYPE_SIGN8]: 'sign8',
  [F.DTYPE_BOOL]: 'bool',
};
export const DTYPE_SIZES: Record<number, number> = {
  [F.DTYPE_F32]: 4,
  [F.DTYPE_S8]: 1,
  [F.DTYPE_S32]: 4,
  [F.DTYPE_U8]: 1,
  [F.DTYPE_S16]: 2,
  [F.DTYPE_SIGN8]: 1,
  [F.DTYPE_BOOL]: 1,
};
const STORAGE_NAMES: Record<number, string> = {
  [F.STORAGE_ARENA]: 'arena',
  [F.STORAGE_WEIGHTS]: 'weights',
  [F.STORAGE_EMPTY]: 'empty',
  [F.STORAGE_ENCODED]: 'encoded',
  [F.STORAGE_DIRECT]: 'direct',
};

// The same table as converter/emit/crc32.ts, kept separate so the reader checks the writer.
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

export function readBlob(input: Uint8Array): BlobView {
  if (!(input instanceof Uint8Array)) throw new BlobError(F.ERR_TOO_SMALL, 'blob: expected a Uint8Array');
  if (input.length < F.HEADER_SIZE) {
    throw new BlobError(F.ERR_TOO_SMALL, `blob: ${input.length} bytes is shorter than the ${F.HEADER_SIZE}-byte header`);
  }
  const dv = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const u32 = (at: number) => dv.getUint32(at, true);

  const magic = u32(F.H_MAGIC);
  if (magic !== F.MAGIC) throw new BlobError(F.ERR_BAD_MAGIC, `header: magic ${hex(magic)} is not "MOTE" (${hex(F.MAGIC)})`);
  const version = u32(F.H_VERSION);
  if (version !== F.FORMAT_VERSION) {
    throw new BlobError(F.ERR_BAD_VERSION, `header: format version ${version}; this reader accepts only ${F.FORMAT_VERSION}`);
  }
  const totalSize = u32(F.H_TOTAL_SIZE);
  if (totalSize > input.length) {
    throw new BlobError(F.ERR_TOO_SMALL, `header: total_size ${totalSize} but the blob has only ${input.length} bytes (truncated?)`);
  }
  if (totalSize !== input.length) {
    // The runtime loads exactly total_size bytes; trailing bytes mean a wrong file or a bad size.
    throw new BlobError(F.ERR_BAD_HEADER, `header: total_size ${totalSize} does not match the ${input.length}-byte blob`);
  }
  const storedCrc = u32(F.H_CRC32);
  const actualCrc = crc32(input, F.CRC_START, totalSize);
  if (storedCrc !== actualCrc) {
    throw new BlobError(F.ERR_BAD_CRC, `header: CRC-32 ${hex(storedCrc)} does not match the content (${hex(actualCrc)}); the blob is corrupt`);
  }

  const header: BlobHeader = {
    magic,
    version,
    flags: u32(F.H_FLAGS),
    crc32: storedCrc,
    totalSize,
    headerSize: u32(F.H_HEADER_SIZE),
    arenaSize: u32(F.H_ARENA_SIZE),
    arenaLowerBound: u32(F.H_ARENA_LOWER_BOUND),
    tensorCount: u32(F.H_TENSOR_COUNT),
    tensorTableOffset: u32(F.H_TENSOR_TABLE_OFFSET),
    opCount: u32(F.H_OP_COUNT),
    opTableOffset: u32(F.H_OP_TABLE_OFFSET),
    indexOffset: u32(F.H_INDEX_OFFSET),
    indexCount: u32(F.H_INDEX_COUNT),
    paramsOffset: u32(F.H_PARAMS_OFFSET),
    paramsCount: u32(F.H_PARAMS_COUNT),
    weightsOffset: u32(F.H_WEIGHTS_OFFSET),
    weightsSize: u32(F.H_WEIGHTS_SIZE),
    metaOffset: u32(F.H_META_OFFSET),
    metaSize: u32(F.H_META_SIZE),
    inputCount: u32(F.H_INPUT_COUNT),
    inputsIndex: u32(F.H_INPUTS_INDEX),
    outputCount: u32(F.H_OUTPUT_COUNT),
    outputsIndex: u32(F.H_OUTPUTS_INDEX),
    expandedSize: u32(F.H_EXPANDED_SIZE),
    weightsScratchSize: u32(F.H_WEIGHTS_SCRATCH_SIZE),
  };
  if (u32(F.H_RESERVED0) !== 0 || u32(F.H_RESERVED1) !== 0) {
    throw new BlobError(F.ERR_BAD_HEADER, 'header: reserved words must be 0');
  }
  checkHeader(header);
  const h = header;
  const bytes = input.subarray(0, totalSize);

  const meta = parseMeta(bytes.subarray(h.metaOffset, h.metaOffset + h.metaSize));
  const tensorNames = namesFrom(meta.tensors, h.tensorCount);
  const opNames = namesFrom(meta.ops, h.opCount);

  // ---- Tensor records.
  const tensors: BlobTensor[] = [];
  for (let id = 0; id < h.tensorCount; id++) {
    const at = h.tensorTableOffset + id * F.TENSOR_RECORD_SIZE;
    const name = tensorNames?.[id] ?? `t${id}`;
    const fail = (msg: string): never => {
      throw new BlobError(F.ERR_BAD_TENSOR, `tensor ${id} ('${name}'): ${msg}`);
    };
    const dtype = dv.getUint8(at + F.T_DTYPE);
    const rank = dv.getUint8(at + F.T_RANK);
    const storage = dv.getUint8(at + F.T_STORAGE);
    if (!(dtype in DTYPE_NAMES)) fail(`dtype code ${dtype} is unknown`);
    if (rank > F.MAX_RANK) fail(`rank ${rank} exceeds ${F.MAX_RANK}`);
    if (!(storage in STORAGE_NAMES)) fail(`storage code ${storage} is unknown`);
    // Encoded weights (docs/FORMAT.md): flags = encoding, reserved word = stream offset.
    // Direct weights: the same stream fields; the kernel reads the stream (offset 0, no RAM copy).
    const encoded = storage === F.STORAGE_ENCODED || storage === F.STORAGE_DIRECT;
    if (storage === F.STORAGE_DIRECT && u32(at + F.T_OFFSET) !== 0) fail(`direct weights need offset 0`);
    if (encoded) {
      const flags = dv.getUint8(at + F.T_FLAGS);
      const enc = storage === F.STORAGE_ENCODED ? flags & ~F.ENC_FLAG_PACK_W16 : flags;
      if (enc < 1 || enc >= F.ENC_COUNT) fail(`weight encoding ${flags} is unknown`);
      const so = u32(at + F.T_STREAM_OFFSET);
      if (so % 4 !== 0 || so + 4 > h.weightsSize || so + u32(h.weightsOffset + so) > h.weightsSize) {
        fail(`encoded stream at ${so} does not lie inside the ${h.weightsSize}-byte weights section`);
      }
    } else {
      if (dv.getUint8(at + F.T_FLAGS) !== 0) fail(`flags byte must be 0`);
      if (u32(at + F.T_RESERVED) !== 0) fail(`reserved word must be 0`);
    }
    const shape: number[] = [];
    let numel = 1;
    for (let d = 0; d < F.MAX_RANK; d++) {
      const dim = dv.getInt32(at + F.T_DIMS + 4 * d, true);
      if (d < rank) {
        if (dim < 1) fail(`dim ${d} is ${dim}; dims must be >= 1`);
        shape.push(dim);
        numel *= dim;
      } else if (dim !== 1) {
        fail(`unused dim ${d} is ${dim}; unused dims must be 1`);
      }
    }
    const offset = u32(at + F.T_OFFSET);
    const byteSize = u32(at + F.T_BYTE_SIZE);
    const scale = dv.getFloat32(at + F.T_SCALE, true);
    const zeroPoint = dv.getInt32(at + F.T_ZERO_POINT, true);
    if (!Number.isFinite(scale) || scale < 0) fail(`scale ${scale} is not a finite non-negative number`);
    if (dtype === F.DTYPE_S8 && (zeroPoint < -128 || zeroPoint > 127)) fail(`s8 zero point ${zeroPoint} is outside [-128, 127]`);
    if (dtype === F.DTYPE_U8 && (zeroPoint < 0 || zeroPoint > 255)) fail(`u8 zero point ${zeroPoint} is outside [0, 255]`);
    const exact = numel * DTYPE_SIZES[dtype];
    if (storage !== F.STORAGE_EMPTY && numel >= 2 ** 31) fail(`${numel} elements; at most 2^31 - 1`);
    if (byteSize >= 2 ** 31) fail(`byte size ${byteSize}; at most 2^31 - 1`);
    if (storage === F.STORAGE_EMPTY) {
      if (rank !== 0 || offset !== 0 || byteSize !== 0) fail(`an empty tensor needs rank 0, offset 0 and byte size 0`);
    } else {
      if (offset % F.SECTION_ALIGN !== 0) fail(`offset ${offset} is not ${F.SECTION_ALIGN}-byte aligned`);
      if (storage === F.STORAGE_ARENA && byteSize !== exact) {
        fail(`byte size ${byteSize} != ${shape.join('x') || 'scalar'} x ${DTYPE_SIZES[dtype]} = ${exact}`);
      }
      if ((storage === F.STORAGE_WEIGHTS || encoded) && byteSize < exact) {
        fail(`byte size ${byteSize} < ${shape.join('x') || 'scalar'} x ${DTYPE_SIZES[dtype]} = ${exact}`);
      }
      const [limit, where] = storage === F.STORAGE_ARENA ? [h.arenaSize, 'arena'] : [h.weightsSize, 'weights section'];
      if (!encoded && offset + byteSize > limit) fail(`offset ${offset} + size ${byteSize} exceeds ${where} ${limit}`);
    }
    const packedAtLoad = storage === F.STORAGE_ENCODED && (dv.getUint8(at + F.T_FLAGS) & F.ENC_FLAG_PACK_W16) !== 0;
    if (packedAtLoad) {
      // format.ts ENC_FLAG_PACK_W16: [dims[0], numel / dims[0]] rows, their packed layout and sums in byte_size.
      const n = shape[0] ?? 1, k = numel / n;
      if (dtype !== F.DTYPE_S8) fail(`weights packed at load (encoding flag ${F.ENC_FLAG_PACK_W16}) must be s8`);
      if (k > F.PACKED_K_MAX) fail(`weights packed at load: K = ${k} exceeds ${F.PACKED_K_MAX}`);
      const need = Math.ceil(n / 16) * 64 * Math.ceil(k / 4) + 4 * n;
      if (byteSize < need) fail(`weights packed at load: byte size ${byteSize} < the ${need} bytes of the packed layout`);
      if (Math.min(n, 16) * k > h.arenaSize) fail(`weights packed at load need ${Math.min(n, 16) * k} arena bytes to pack them in, the arena has ${h.arenaSize}`);
    }
    tensors.push({
      id,
      name,
      dtype,
      dtypeName: DTYPE_NAMES[dtype],
      shape,
      storage,
      storageName: STORAGE_NAMES[storage],
      offset,
      byteSize,
      scale,
      zeroPoint,
      ...(packedAtLoad ? { packedAtLoad } : {}),
    });
  }

  // ---- Index words.
  const index = new Uint32Array(h.indexCount);
  for (let i = 0; i < h.indexCount; i++) index[i] = u32(h.indexOffset + 4 * i);
  const params = new Int32Array(h.paramsCount);
  for (let i = 0; i < h.paramsCount; i++) params[i] = dv.getInt32(h.paramsOffset + 4 * i, true);

  // Graph inputs are written by the host: arena tensors. Outputs are read: any stored tensor.
  const graphIo = (first: number, count: number, what: string, ok: (storage: number) => boolean): number[] => {
    const ids = Array.from(index.subarray(first, first + count));
    ids.forEach((id, k) => {
      if (id >= h.tensorCount) throw new BlobError(F.ERR_BAD_TENSOR, `graph ${what} ${k}: tensor id ${id} >= tensor count ${h.tensorCount}`);
      if (!ok(tensors[id].storage)) {
        throw new BlobError(F.ERR_BAD_TENSOR, `graph ${what} ${k}: tensor ${id} ('${tensors[id].name}') is ${tensors[id].storageName} storage`);
      }
    });
    return ids;
  };
  const inputs = graphIo(h.inputsIndex, h.inputCount, 'input', (st) => st === F.STORAGE_ARENA);
  const outputs = graphIo(h.outputsIndex, h.outputCount, 'output', (st) => st !== F.STORAGE_EMPTY && st !== F.STORAGE_DIRECT);
  // Binarized (sign8) tensors are internal: only binarize writes them, only conv / FC read them.
  for (const [what, ids] of [['input', inputs], ['output', outputs]] as const) {
    ids.forEach((id, k) => {
      if (tensors[id].dtype === F.DTYPE_SIGN8) throw new BlobError(F.ERR_BAD_TENSOR, `graph ${what} ${k}: tensor ${id} ('${tensors[id].name}') is sign8 (binarized activations are internal)`);
    });
  }

  // ---- Op records.
  const ops: BlobOp[] = [];
  for (let i = 0; i < h.opCount; i++) {
    const at = h.opTableOffset + i * F.OP_RECORD_SIZE;
    const name = opNames?.[i] ?? `op${i}`;
    const opcode = dv.getUint16(at + F.O_OPCODE, true);
    const opName = opcodeName(opcode) ?? `opcode ${opcode}`;
    const fail = (msg: string): never => {
      throw new BlobError(F.ERR_BAD_OP, `op ${i} ('${name}', ${opName}): ${msg}`);
    };
    if (opcodeName(opcode) === undefined) fail(`opcode ${opcode} is not in [1, ${F.OPCODE_COUNT})`);
    const flags = dv.getUint16(at + F.O_FLAGS, true);
    if ((flags & ~(F.OPF_IN_PLACE | F.OPF_PACKED_W16)) !== 0) fail(`unknown flag bits ${flags}`);
    const inCount = dv.getUint16(at + F.O_INPUT_COUNT, true);
    const outCount = dv.getUint16(at + F.O_OUTPUT_COUNT, true);
    const ioIndex = u32(at + F.O_IO_INDEX);
    const paramsIndex = u32(at + F.O_PARAMS_INDEX);
    const paramsCount = u32(at + F.O_PARAMS_COUNT);
    const scratch = dv.getInt32(at + F.O_SCRATCH_TENSOR, true);
    if (ioIndex + inCount + outCount > h.indexCount) {
      fail(`io words [${ioIndex}, +${inCount + outCount}) exceed the ${h.indexCount} index words`);
    }
    if (paramsIndex + paramsCount > h.paramsCount) {
      fail(`param words [${paramsIndex}, +${paramsCount}) exceed the ${h.paramsCount} param words`);
    }
    const ioIds = Array.from(index.subarray(ioIndex, ioIndex + inCount + outCount));
    ioIds.forEach((id, k) => {
      if (id >= h.tensorCount) fail(`${k < inCount ? `input ${k}` : `output ${k - inCount}`} is tensor id ${id} >= tensor count ${h.tensorCount}`);
      if (k < inCount && tensors[id].packedAtLoad && !(k === 1 && (flags & F.OPF_PACKED_W16) !== 0)) {
        fail(`input ${k} holds weights packed at load (encoding flag ${F.ENC_FLAG_PACK_W16}): only a packed op's (op flag ${F.OPF_PACKED_W16}) weights may`);
      }
    });
    if (scratch !== -1) {
      if (scratch < 0 || scratch >= h.tensorCount) fail(`scratch tensor id ${scratch} is neither -1 nor < ${h.tensorCount}`);
      if (tensors[scratch].storage !== F.STORAGE_ARENA) fail(`scratch tensor ${scratch} is not an arena tensor`);
    }
    const op: BlobOp = {
      index: i,
      opcode,
      opName,
      name,
      flags,
      inPlace: (flags & F.OPF_IN_PLACE) !== 0,
      inputs: ioIds.slice(0, inCount),
      outputs: ioIds.slice(inCount),
      params: params.slice(paramsIndex, paramsIndex + paramsCount),
      scratch,
    };
    checkOp(op, tensors, fail);
    ops.push(op);
  }

  return {
    header,
    version,
    arenaSize: h.arenaSize,
    arenaLowerBound: h.arenaLowerBound,
    tensors,
    ops,
    inputs,
    outputs,
    meta,
    weightsBytes: bytes.subarray(h.weightsOffset, h.weightsOffset + h.weightsSize),
    bytes,
  };
}

function checkHeader(h: BlobHeader): void {
  const bad = (msg: string): never => {
    throw new BlobError(F.ERR_BAD_HEADER, `header: ${msg}`);
  };
  if (h.headerSize !== F.HEADER_SIZE) bad(`header_size ${h.headerSize} != ${F.HEADER_SIZE}`);
  if ((h.flags & ~F.FLAG_KNOWN) !== 0) bad(`unknown flags ${hex(h.flags)}`);
  if (h.flags & F.FLAG_WEIGHTS_EXTERNAL) {
    // Streamed weights: the runtime copies only [0, weights_offset) in; the metadata follows the weights.
    const resident = [h.tensorTableOffset + h.tensorCount * F.TENSOR_RECORD_SIZE, h.opTableOffset + h.opCount * F.OP_RECORD_SIZE, h.indexOffset + 4 * h.indexCount, h.paramsOffset + 4 * h.paramsCount];
    if (Math.max(...resident) > h.weightsOffset) bad(`with streamed weights the tables, index and params must precede the weights section at ${h.weightsOffset}`);
    if (h.metaSize > 0 && h.metaOffset < h.weightsOffset) bad('with streamed weights the metadata must follow the weights section');
    if (h.weightsScratchSize < F.SECTION_ALIGN) bad(`weights_scratch_size ${h.weightsScratchSize} must be at least ${F.SECTION_ALIGN} with streamed weights`);
  } else if (h.weightsScratchSize !== 0) bad(`weights_scratch_size ${h.weightsScratchSize} must be 0 unless the weights are streamed`);
  // Each section aligned, after the header and inside total_size; no two non-empty ones overlap
  // (writers put them in the order below, readers accept any order).
  const sections: [string, number, number][] = [
    ['tensor table', h.tensorTableOffset, h.tensorCount * F.TENSOR_RECORD_SIZE],
    ['op table', h.opTableOffset, h.opCount * F.OP_RECORD_SIZE],
    ['index words', h.indexOffset, h.indexCount * 4],
    ['param words', h.paramsOffset, h.paramsCount * 4],
    ['weights', h.weightsOffset, h.weightsSize],
    ['metadata', h.metaOffset, h.metaSize],
  ];
  for (const [what, offset, size] of sections) {
    if (offset % F.SECTION_ALIGN !== 0) bad(`${what} offset ${offset} is not ${F.SECTION_ALIGN}-byte aligned`);
    if (offset < F.HEADER_SIZE) bad(`${what} at ${offset} overlaps the ${F.HEADER_SIZE}-byte header`);
    if (offset + size > h.totalSize) bad(`${what} [${offset}, +${size}) runs past total_size ${h.totalSize}`);
  }
  for (let a = 0; a < sections.length; a++) {
    for (let b = a + 1; b < sections.length; b++) {
      const [na, oa, sa] = sections[a];
      const [nb, ob, sb] = sections[b];
      if (sa > 0 && sb > 0 && oa < ob + sb && ob < oa + sa) bad(`${na} [${oa}, +${sa}) overlaps ${nb} [${ob}, +${sb})`);
    }
  }
  if (h.arenaSize % F.SECTION_ALIGN !== 0) bad(`arena_size ${h.arenaSize} is not a multiple of ${F.SECTION_ALIGN}`);
  if (h.arenaLowerBound > h.arenaSize) bad(`arena lower bound ${h.arenaLowerBound} exceeds arena_size ${h.arenaSize}`);
  if (h.outputCount < 1) bad(`the graph has no outputs`);
  if (h.inputsIndex + h.inputCount > h.indexCount) {
    bad(`graph inputs [${h.inputsIndex}, +${h.inputCount}) exceed the ${h.indexCount} index words`);
  }
  if (h.outputsIndex + h.outputCount > h.indexCount) {
    bad(`graph outputs [${h.outputsIndex}, +${h.outputCount}) exceed the ${h.indexCount} index words`);
  }
}

function parseMeta(bytes: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new BlobError(F.ERR_BAD_META, `metadata: not UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BlobError(F.ERR_BAD_META, `metadata: expected a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** A metadata name list, used only when it matches the table it names. */
function namesFrom(list: unknown, count: number): string[] | undefined {
  if (!Array.isArray(list) || list.length !== count || !list.every((n) => typeof n === 'string')) return undefined;
  return list as string[];
}

// ---- Per-opcode arity and params ---------------------------------------------------------------

interface Arity {
  min: number;
  max: number;
  /** Input positions that may be STORAGE_EMPTY (absent optional inputs). */
  optional?: number[];
}

const BIAS_F32: Arity = { min: 2, max: 3, optional: [2] };
const BIAS_S8: Arity = { min: 5, max: 5, optional: [2] };

/** `quantized`: input 0 is s8, sign8 or s16 (the forms with per-channel requantization inputs). */
function arityOf(opcode: number, quantized: boolean): Arity {
  switch (opcode) {
    case F.OP_CONV2D:
    case F.OP_DEPTHWISE_CONV2D:
    case F.OP_FULLY_CONNECTED:
      return quantized ? BIAS_S8 : BIAS_F32;
    case F.OP_TRANSPOSE_CONV2D:
      return quantized ? BIAS_S8 : BIAS_F32;
    case F.OP_LSTM:
      return { min: 13, max: 13 };
    case F.OP_MATMUL:
    case F.OP_ADD:
    case F.OP_SUB:
    case F.OP_MUL:
    case F.OP_DIV:
    case F.OP_LUT:
    case F.OP_MAXIMUM:
    case F.OP_MINIMUM:
      return { min: 2, max: 2 };
    case F.OP_CONCAT:
      return { min: 1, max: 0xffff };
    case F.OP_COMPARE:
      return { min: 2, max: 2 };
    case F.OP_LOGICAL:
      return { min: 1, max: 2 };
    case F.OP_SELECT:
      return { min: 3, max: 3 };
    default:
      return { min: 1, max: 1 };
  }
}

function f32(bits: number): number {
  const b = new Int32Array([bits]);
  return new Float32Array(b.buffer)[0];
}

function checkOp(op: BlobOp, tensors: BlobTensor[], fail: (msg: string) => never): void {
  const { opcode, inputs, outputs } = op;
  const first = tensors[inputs[0]] as BlobTensor | undefined;
  // The integer forms (validate_ops.ts): int8 (binarized sign8 activations take the s8 form) and
  // 16x8 (s16 activations); each has its own param count and activation range.
  const s8 = first?.dtype === F.DTYPE_S8 || first?.dtype === F.DTYPE_SIGN8;
  const s16 = first?.dtype === F.DTYPE_S16;
  const form = s8 ? 'int8' : s16 ? 'int16' : 'float';
  const rank = first?.shape.length ?? 0;

  // Arity and storage of the operands.
  const arity = arityOf(opcode, s8 || s16);
  if (inputs.length < arity.min || inputs.length > arity.max) {
    fail(`has ${inputs.length} inputs; expected ${arity.min === arity.max ? arity.min : `${arity.min}..${arity.max}`}`);
  }
  if (outputs.length !== 1) fail(`has ${outputs.length} outputs; expected 1`);
  inputs.forEach((id, k) => {
    if (tensors[id].storage === F.STORAGE_EMPTY && !arity.optional?.includes(k)) fail(`input ${k} is absent but required`);
  });
  const out = tensors[outputs[0]];
  if (out.storage !== F.STORAGE_ARENA) fail(`output tensor ${out.id} ('${out.name}') is not an arena tensor`);
  // An output may share bytes with an input only as an exact in-place alias of an alias-safe
  // elementwise op (format.ts IN_PLACE_OPCODES); the scratch tensor shares bytes with neither
  // (blob.ts checkOverlaps refuses the same at load).
  const meet = (a: BlobTensor, b: BlobTensor): boolean =>
    a.storage === F.STORAGE_ARENA && b.storage === F.STORAGE_ARENA && a.byteSize > 0 && b.byteSize > 0 &&
    a.offset < b.offset + b.byteSize && b.offset < a.offset + a.byteSize;
  // opcode < 32: a shift count wraps mod 32, so opcode 38 would read bit 6 (sub).
  const aliasOk = op.inPlace && opcode < 32 && (F.IN_PLACE_OPCODES >> opcode) % 2 === 1;
  for (const id of inputs) {
    const t = tensors[id];
    if (!meet(t, out)) continue;
    const exact = t.offset === out.offset && t.byteSize === out.byteSize;
    if (!aliasOk || !exact) {
      fail(`output '${out.name}' overlaps input '${t.name}' (not an exact in-place alias of an elementwise op)`);
    }
  }
  if (op.scratch >= 0) {
    const scratch = tensors[op.scratch];
    for (const id of [...inputs, ...outputs]) {
      if (meet(scratch, tensors[id])) fail(`scratch tensor ${op.scratch} overlaps tensor ${id} ('${tensors[id].name}')`);
    }
  }

  // Param count and ranges, per opcode (format.ts lists the order).
  const p = op.params;
  const count = (n: number) => {
    if (p.length !== n) fail(`has ${p.length} param words; expected ${n}${s8 || s16 ? ` (${form} form)` : ''}`);
  };
  const atLeast = (k: number, min: number, what: string) => {
    if (p[k] < min) fail(`param ${k} (${what}) is ${p[k]}; must be >= ${min}`);
  };
  const inRange = (k: number, lo: number, hi: number, what: string) => {
    if (p[k] < lo || p[k] > hi) fail(`param ${k} (${what}) is ${p[k]}; must be in [${lo}, ${hi}]`);
  };
  const act = (k: number) => {
    if (s8 || s16) {
      const [lo, hi] = s8 ? [-128, 127] : [-32768, 32767];
      inRange(k, lo, hi, 'act_min');
      inRange(k + 1, lo, hi, 'act_max');
      if (p[k] > p[k + 1]) fail(`act_min ${p[k]} > act_max ${p[k + 1]}`);
    } else {
      const lo = f32(p[k]);
      const hi = f32(p[k + 1]);
      if (!(lo <= hi)) fail(`act_min ${lo} > act_max ${hi} (or NaN)`);
    }
  };
  const mult = (k: number, what: string) => atLeast(k, 0, what);
  const shift = (k: number, what: string) => inRange(k, -31, 31, what);
  const floatOnly = () => {
    if (s8 || s16) fail(`has no ${form} form`);
  };

  switch (opcode) {
    case F.OP_CONV2D:
    case F.OP_DEPTHWISE_CONV2D:
      count(11);
      for (let k = 0; k < 4; k++) atLeast(k, 1, k < 2 ? 'stride' : 'dilation');
      for (let k = 4; k < 8; k++) atLeast(k, 0, 'pad');
      atLeast(8, 1, opcode === F.OP_CONV2D ? 'group' : 'depth_multiplier');
      act(9);
      break;
    case F.OP_FULLY_CONNECTED:
      count(2);
      act(0);
      break;
    case F.OP_MATMUL:
      floatOnly();
      count(0);
      break;
    case F.OP_ADD:
    case F.OP_SUB:
      if (s8 || s16) {
        count(9);
        inRange(0, 0, 31, 'left_shift');
        mult(1, 'a_mult');
        shift(2, 'a_shift');
        mult(3, 'b_mult');
        shift(4, 'b_shift');
        mult(5, 'out_mult');
        shift(6, 'out_shift');
        act(7);
      } else {
        count(2);
        act(0);
      }
      break;
    case F.OP_MUL:
      if (s8) {
        count(4);
        mult(0, 'out_mult');
        shift(1, 'out_shift');
        act(2);
      } else {
        count(2);
        act(0);
      }
      break;
    case F.OP_DIV:
      floatOnly();
      count(2);
      act(0);
      break;
    case F.OP_CLAMP:
      count(2);
      act(0);
      break;
    case F.OP_LEAKY_RELU:
      if (s16) {
        // alpha (f32 bits), identity multiplier and shift, alpha multiplier and shift (docs/FORMAT.md)
        count(5);
        shift(2, 'identity shift');
        shift(4, 'alpha shift');
        break;
      }
      floatOnly();
      count(1);
      if (Number.isNaN(f32(p[0]))) fail(`alpha is NaN`);
      break;
    case F.OP_SIGMOID:
    case F.OP_TANH:
    case F.OP_HARD_SWISH:
      floatOnly();
      count(0);
      break;
    case F.OP_LUT: {
      count(0);
      const table = tensors[inputs[1]];
      if (!s8 || table.dtype !== F.DTYPE_S8 || table.byteSize < 256) fail(`needs an s8 input and an s8[256] table`);
      break;
    }
    case F.OP_MAX_POOL2D:
    case F.OP_AVERAGE_POOL2D:
      count(13);
      for (let k = 0; k < 6; k++) atLeast(k, 1, k < 2 ? 'kernel' : k < 4 ? 'stride' : 'dilation');
      for (let k = 6; k < 10; k++) atLeast(k, 0, 'pad');
      inRange(10, 0, 1, 'count_include_pad');
      act(11);
      break;
    case F.OP_MEAN:
    case F.OP_REDUCE_SUM:
      if (s16 && opcode === F.OP_REDUCE_SUM) fail(`has no int16 form`);
      count(s8 ? 3 : 1);
      inRange(0, 0, (1 << rank) - 1, 'axes_mask');
      if (s8) {
        mult(1, 'mult');
        shift(2, 'shift');
      }
      break;
    case F.OP_CONCAT:
      count(1);
      inRange(0, 0, out.shape.length - 1, 'axis');
      break;
    case F.OP_PAD:
      count(2 + 2 * rank);
      inRange(0, F.PAD_MODE_CONSTANT, F.PAD_MODE_WRAP, 'mode');
      if (s8) inRange(1, -128, 127, 'value');
      else if (s16) inRange(1, -32768, 32767, 'value');
      else if (Number.isNaN(f32(p[1]))) fail(`pad value is NaN`);
      for (let k = 2; k < p.length; k++) atLeast(k, 0, k < 2 + rank ? 'begin' : 'end');
      break;
    case F.OP_TRANSPOSE: {
      count(rank);
      const seen = new Set<number>();
      for (let k = 0; k < rank; k++) {
        inRange(k, 0, rank - 1, 'perm');
        seen.add(p[k]);
      }
      if (seen.size !== rank) fail(`perm [${Array.from(p)}] is not a permutation`);
      break;
    }
    case F.OP_SOFTMAX:
      if (s8) {
        count(4);
        inRange(0, rank - 1, rank - 1, 'axis (the int8 kernel needs the last axis)');
        mult(1, 'input_multiplier');
        shift(2, 'input_left_shift');
      } else {
        count(2);
        inRange(0, 0, rank - 1, 'axis');
        if (Number.isNaN(f32(p[1]))) fail(`beta is NaN`);
      }
      break;
    case F.OP_QUANTIZE:
    case F.OP_DEQUANTIZE:
    case F.OP_COPY:
      count(0);
      break;
    case F.OP_REQUANTIZE:
      count(2);
      mult(0, 'mult');
      shift(1, 'shift');
      break;
    case F.OP_STRIDED_SLICE:
      count(2 * rank);
      break;
    case F.OP_TRANSPOSE_CONV2D:
      if (p.length !== 6 && p.length !== 9) fail(`has ${p.length} param words; expected 6, or 9 with dilation_h dilation_w group`);
      for (let k = 0; k < 2; k++) atLeast(k, 1, 'stride');
      for (let k = 2; k < 4; k++) atLeast(k, 0, 'pad');
      act(4);
      for (let k = 6; k < p.length; k++) atLeast(k, 1, k < 8 ? 'dilation' : 'group');
      break;
    case F.OP_LSTM:
      count(s8 ? 27 : 3);
      break;
    case F.OP_BINARIZE:
      count(1);
      break;
    case F.OP_MAXIMUM:
    case F.OP_MINIMUM:
      if (s16) fail(`has no int16 form`);
      count(0);
      break;
    case F.OP_REDUCE_MAX:
    case F.OP_REDUCE_MIN:
      if (s16) fail(`has no int16 form`);
      count(1);
      inRange(0, 0, (1 << rank) - 1, 'axes_mask');
      break;
    case F.OP_ARG_MAX:
    case F.OP_ARG_MIN:
      if (s16) fail(`has no int16 form`);
      count(2);
      inRange(0, 0, rank - 1, 'axis');
      inRange(1, 0, 1, 'mode');
      break;
    case F.OP_RESIZE:
      // The mode, then per output row and column one source entry (nearest) or three (bilinear);
      // the filter table (taps): extrapolation, ky, kx, then per row 1 + ky and per column 1 + kx.
      inRange(0, F.RESIZE_NEAREST, F.RESIZE_TAPS, 'mode');
      if (s16 && p[0] !== F.RESIZE_NEAREST) fail(`has no ${form} form but nearest`);
      if (p[0] === F.RESIZE_TAPS) {
        if (p.length < 4) count(4);
        inRange(2, 1, first!.shape[1], 'ky');
        inRange(3, 1, first!.shape[2], 'kx');
        count(4 + out.shape[1] * (1 + p[2]) + out.shape[2] * (1 + p[3]));
      } else {
        count(1 + (out.shape[1] + out.shape[2]) * (p[0] === F.RESIZE_BILINEAR ? 3 : 1));
      }
      break;
    case F.OP_UNARY:
      // The function (format.ts UNARY_*) and its two f32 constants.
      floatOnly();
      count(3);
      inRange(0, 0, F.UNARY_FUNCTION_COUNT - 1, 'function');
      break;
    case F.OP_LOG_SOFTMAX:
      // TFLite Micro's int8 params: input multiplier / left shift, reverse divisor / right shift, diff_min.
      if (!s8) fail(`has no ${form} form`);
      count(5);
      inRange(1, 0, 31, 'input_left_shift');
      inRange(3, 0, 31, 'reverse_scaling_right_shift');
      if ((first?.shape[rank - 1] ?? 0) > F.LOG_SOFTMAX_MAX_DEPTH) fail(`last axis of ${first?.shape[rank - 1]} elements exceeds ${F.LOG_SOFTMAX_MAX_DEPTH}`);
      break;
    case F.OP_COMPARE:
      // The function (format.ts COMPARE_*); s8 adds TFLM's rescaling of both inputs.
      if (s16) fail(`has no ${form} form`);
      count(s8 ? 6 : 1);
      inRange(0, 0, F.COMPARE_FUNCTION_COUNT - 1, 'function');
      if (s8) {
        inRange(1, 0, F.COMPARE_S8_LEFT_SHIFT_MAX, 'left_shift');
        for (const k of [2, 4]) atLeast(k, 0, 'multiplier');
        for (const k of [3, 5]) inRange(k, -31, 0, 'shift');
      }
      break;
    case F.OP_LOGICAL:
      count(1);
      inRange(0, 0, F.LOGICAL_FUNCTION_COUNT - 1, 'function');
      if (inputs.length !== (p[0] === F.LOGICAL_NOT ? 1 : 2)) fail(`has ${inputs.length} inputs; function ${p[0]} takes ${p[0] === F.LOGICAL_NOT ? 1 : 2}`);
      break;
    case F.OP_SELECT:
      count(0);
      break;
  }
}
