// Load-time validation of the blob's header, sections, tensor records and the generic part of the
// op records (opcode, index/param ranges, tensor ids). validate_ops.ts then checks each op's
// arity, dtypes, shapes and params. Together they guarantee that the kernels, which read memory
// without checks, stay inside the blob and the arena for any input bytes.
import {
  MAGIC, FORMAT_VERSION, SECTION_ALIGN, H_MAGIC, H_VERSION, H_CRC32, H_TOTAL_SIZE, H_HEADER_SIZE,
  H_ARENA_SIZE, H_ARENA_LOWER_BOUND, H_TENSOR_COUNT, H_TENSOR_TABLE_OFFSET, H_OP_COUNT,
  H_OP_TABLE_OFFSET, H_INDEX_OFFSET, H_INDEX_COUNT, H_PARAMS_OFFSET, H_PARAMS_COUNT,
  H_WEIGHTS_OFFSET, H_WEIGHTS_SIZE, H_META_OFFSET, H_META_SIZE, H_INPUT_COUNT, H_INPUTS_INDEX,
  H_OUTPUT_COUNT, H_OUTPUTS_INDEX, HEADER_SIZE, CRC_START, TENSOR_RECORD_SIZE, T_DTYPE, T_RANK,
  T_STORAGE, T_DIMS, T_OFFSET, T_BYTE_SIZE, T_ZERO_POINT, T_SCALE, T_RESERVED, MAX_RANK, DTYPE_S8, DTYPE_COUNT,
  STORAGE_ARENA, STORAGE_WEIGHTS, STORAGE_EMPTY, STORAGE_ENCODED, STORAGE_DIRECT, STORAGE_COUNT, T_FLAGS, T_STREAM_OFFSET, ENC_COUNT, DTYPE_SIGN8,
  OP_RECORD_SIZE, O_OPCODE, O_INPUT_COUNT,
  O_OUTPUT_COUNT, O_IO_INDEX, O_PARAMS_INDEX, O_PARAMS_COUNT, O_SCRATCH_TENSOR, O_FLAGS, OPF_IN_PLACE, OPF_PACKED_W16, OPCODE_COUNT, IN_PLACE_OPCODES,
  OK, ERR_TOO_SMALL, ERR_BAD_MAGIC, ERR_BAD_VERSION, ERR_BAD_CRC, ERR_BAD_HEADER, ERR_BAD_TENSOR,
  ERR_BAD_OP, H_FLAGS, H_EXPANDED_SIZE, H_WEIGHTS_SCRATCH_SIZE, H_RESERVED0, H_RESERVED1,
  FLAG_WEIGHTS_EXTERNAL, FLAG_KNOWN, ENC_FLAG_PACK_W16,
} from '../format/format';
import { DECODER_PACK_W16 } from '../format/runtime-features';
import { packedW16GroupBytes } from './decode/pack_w16';
import { crc32 } from './crc32';
import { STREAM, crcOfWeights, lastCrc, streamOpWeights, readWeights } from './stream';
import { validateDirectInputs } from './kernels/direct';
import { str, say, say1, say2, text, textAt, opPrefix, clear } from './message';
import {
  blobPtr, setSections, tensorCount, trec, dtypeSize, opCount, oprec, indexBase, indexCount, paramsCount, weightsBase, graphInputCount, graphOutputCount, graphInput, graphOutput, setExpandedSize, weightsExternal, scratchPtr,
} from './state';
import { tstorage, tbytes } from './state_cold';
import { validateOp } from './validate_ops';
import { SUBSET, BUILT_DIRECT, BUILT_DECODERS, decoderBuilt, directBuilt, encodingNotBuilt, packW16NotBuilt, packW16Unfit, packW16Reader } from './features';

@inline function hdr(off: i32): u32 {
  return load<u32>(blobPtr + <usize>off);
}

function headerFail(): i32 {
  str('header: ');
  return ERR_BAD_HEADER;
}

// The six sections, in the order of the names below: header field of the offset, header field of
// the count, bytes per counted item. The first four lie in the resident part of a streamed blob.
const SECTIONS: usize = memory.data<u8>([
  <u8>H_TENSOR_TABLE_OFFSET, <u8>H_TENSOR_COUNT, <u8>TENSOR_RECORD_SIZE,
  <u8>H_OP_TABLE_OFFSET, <u8>H_OP_COUNT, <u8>OP_RECORD_SIZE,
  <u8>H_INDEX_OFFSET, <u8>H_INDEX_COUNT, 4,
  <u8>H_PARAMS_OFFSET, <u8>H_PARAMS_COUNT, 4,
  <u8>H_WEIGHTS_OFFSET, <u8>H_WEIGHTS_SIZE, 1,
  <u8>H_META_OFFSET, <u8>H_META_SIZE, 1,
]);
// Offset and length of each section (u64 pairs), for the pairwise overlap check.
const sectionSpans: usize = memory.data(6 * 16, 8);

const MAX_REGION: u32 = 0x7fffffff;

/**
 * Checks the header the host put in mote_header_buffer before mote_blob_alloc reserves memory from
 * it: magic, version, header_size, total_size against `size`, flags, reserved words, region sizes
 * (each < 2^31), and for streamed weights a weights section that is the blob's tail. The full
 * checks (CRC, sections, records) run in mote_load once the blob is in memory.
 */
export function validateAllocHeader(h: usize, size: u32): i32 {
  const magic = load<u32>(h + H_MAGIC);
  if (magic != <u32>MAGIC) {
    str('bad magic: not a .mote blob');
    if (magic == 0) {
      say1(txt(' (mote_header_buffer holds zeros: copy the blob\'s first $ bytes there before mote_blob_alloc)'), HEADER_SIZE);
    }
    return ERR_BAD_MAGIC;
  }
  const version = load<u32>(h + H_VERSION);
  if (version != <u32>FORMAT_VERSION) {
    say2(txt('format version $ is not supported (this runtime reads version $)'), version, FORMAT_VERSION);
    return ERR_BAD_VERSION;
  }
  if (load<u32>(h + H_HEADER_SIZE) != <u32>HEADER_SIZE) {
    headerFail(); say2(txt('header_size $ must be $'), load<u32>(h + H_HEADER_SIZE), HEADER_SIZE);
    return ERR_BAD_HEADER;
  }
  const total = load<u32>(h + H_TOTAL_SIZE);
  if (total > size) {
    say2(txt('blob is truncated: header says $ bytes, mote_blob_alloc got $'), total, size);
    return ERR_TOO_SMALL;
  }
  if (total != size) {
    headerFail(); say2(txt('total_size $ does not match the blob size $ given to mote_blob_alloc'), total, size);
    return ERR_BAD_HEADER;
  }
  const flags = load<u32>(h + H_FLAGS);
  if (flags & ~FLAG_KNOWN) {
    headerFail(); say1(txt('unknown flags $'), flags);
    return ERR_BAD_HEADER;
  }
  if (load<u32>(h + H_RESERVED0) != 0 || load<u32>(h + H_RESERVED1) != 0) {
    headerFail(); str('reserved words must be 0');
    return ERR_BAD_HEADER;
  }
  const arena = load<u32>(h + H_ARENA_SIZE);
  const expanded = load<u32>(h + H_EXPANDED_SIZE);
  const scratch = load<u32>(h + H_WEIGHTS_SCRATCH_SIZE);
  if (arena > MAX_REGION || expanded > MAX_REGION || scratch > MAX_REGION) {
    headerFail(); say(txt('arena_size $, expanded_size $ and weights_scratch_size $ must each be below 2^31'), arena, expanded, scratch);
    return ERR_BAD_HEADER;
  }
  const wOff = <u64>load<u32>(h + H_WEIGHTS_OFFSET), wLen = <u64>load<u32>(h + H_WEIGHTS_SIZE);
  if (flags & FLAG_WEIGHTS_EXTERNAL) {
    if (!STREAM) {
      str('this blob streams its weights (FLAG_WEIGHTS_EXTERNAL): load it with a stream build of the runtime (mote.*.stream.wasm)');
      return ERR_BAD_HEADER;
    }
    if (wOff % SECTION_ALIGN != 0 || wOff < <u64>HEADER_SIZE || wOff + wLen > <u64>total) {
      headerFail(); say(txt('streamed weights section [offset $, $ bytes) must be 16-byte aligned and inside the $-byte blob after the header'), wOff, wLen, total);
      return ERR_BAD_HEADER;
    }
    if (scratch < <u32>SECTION_ALIGN) {
      headerFail(); say1(txt('streamed weights need a weights scratch region of at least 16 bytes (weights_scratch_size is $)'), scratch);
      return ERR_BAD_HEADER;
    }
  } else if (scratch != 0) {
    headerFail(); say1(txt('weights_scratch_size $ must be 0 unless the weights are streamed'), scratch);
    return ERR_BAD_HEADER;
  }
  return OK;
}

/**
 * Validates the header, sections and tensor records of the blob of `size` bytes at blobPtr, and
 * records the section addresses in state.ts. `arenaSizeOut` is not needed: read H_ARENA_SIZE.
 */
export function validateHeader(size: u32): i32 {
  clear();
  // mote_load runs this only on a blob whose header is byte for byte the one validateAllocHeader
  // accepted with this size: magic, version, header_size, total_size == size, flags, reserved
  // words and region sizes hold already.
  const total = size;
  // Streamed weights: the resident prefix from memory, then the tail (weights, metadata) through
  // the host.
  const resident = weightsExternal ? hdr(H_WEIGHTS_OFFSET) : total;
  let crc = crc32(blobPtr + CRC_START, resident - CRC_START);
  if (weightsExternal) {
    const e = crcOfWeights(crc, total - resident);
    if (e) return e;
    crc = lastCrc();
  }
  if (crc != hdr(H_CRC32)) {
    say2(txt('CRC-32 mismatch: blob is corrupt (stored $, computed $)'), hdr(H_CRC32), crc);
    return ERR_BAD_CRC;
  }
  // Each section lies inside the blob after the header and is 16-byte aligned. With streamed
  // weights, the tables, index and params lie in the part of the blob that is in memory, before
  // the weights; the weights and the metadata stay outside.
  for (let k = 0; k < 6; k++) {
    const d = SECTIONS + <usize>(k * 3), span = sectionSpans + <usize>(k << 4);
    const off = <u64>hdr(load<u8>(d)), len = <u64>hdr(load<u8>(d, 1)) * <u64>load<u8>(d, 2);
    const end = <u64>(k < 4 ? resident : total);
    if (off % SECTION_ALIGN != 0 || off < <u64>HEADER_SIZE || off + len > end) {
      headerFail();
      text(textAt(txtList('tensor table|op table|index|params|weights|metadata'), k));
      say(txt(' section [offset $, $ bytes) must be 16-byte aligned and inside the $-byte blob after the header'), off, len, end);
      return ERR_BAD_HEADER;
    }
    store<u64>(span, off);
    store<u64>(span, len, 8);
  }
  const mOff = load<u64>(sectionSpans, 80), mLen = load<u64>(sectionSpans, 88);
  if (weightsExternal && mLen > 0 && mOff < <u64>resident) {
    headerFail(); str('with streamed weights the metadata must follow the weights section');
    return ERR_BAD_HEADER;
  }
  // Every pair of the six sections.
  for (let a: usize = 0; a < 96; a += 16) {
    for (let b = a + 16; b < 96; b += 16) {
      const ao = load<u64>(sectionSpans + a), al = load<u64>(sectionSpans + a, 8);
      const bo = load<u64>(sectionSpans + b), bl = load<u64>(sectionSpans + b, 8);
      if (al > 0 && bl > 0 && ao < bo + bl && bo < ao + al) {
        headerFail(); str('sections overlap');
        return ERR_BAD_HEADER;
      }
    }
  }
  if (hdr(H_ARENA_LOWER_BOUND) > hdr(H_ARENA_SIZE)) {
    headerFail(); say2(txt('arena_lower_bound $ exceeds arena_size $'), hdr(H_ARENA_LOWER_BOUND), hdr(H_ARENA_SIZE));
    return ERR_BAD_HEADER;
  }
  const ic = <u64>hdr(H_INDEX_COUNT);
  const gic = <u64>hdr(H_INPUT_COUNT), gii = <u64>hdr(H_INPUTS_INDEX);
  const goc = <u64>hdr(H_OUTPUT_COUNT), goi = <u64>hdr(H_OUTPUTS_INDEX);
  if (gii + gic > ic || goi + goc > ic) {
    headerFail(); say1(txt('graph input/output index words run past the $-word index'), ic);
    return ERR_BAD_HEADER;
  }
  if (goc == 0) {
    headerFail(); str('the graph has no outputs');
    return ERR_BAD_HEADER;
  }
  setSections(
    blobPtr + <usize>hdr(H_TENSOR_TABLE_OFFSET), <i32>hdr(H_TENSOR_COUNT), blobPtr + <usize>hdr(H_OP_TABLE_OFFSET), <i32>hdr(H_OP_COUNT),
    blobPtr + <usize>hdr(H_INDEX_OFFSET), <u32>ic, blobPtr + <usize>hdr(H_PARAMS_OFFSET), hdr(H_PARAMS_COUNT),
    blobPtr + <usize>hdr(H_WEIGHTS_OFFSET), hdr(H_WEIGHTS_SIZE), weightsExternal ? 0 : blobPtr + <usize>mOff, weightsExternal ? 0 : <u32>mLen,
    <i32>gic, <u32>gii, <i32>goc, <u32>goi,
  );
  return OK;
}

function tensorFail(id: i32): void {
  say1(txt('tensor $: '), id);
}

/** Validates every tensor record against the arena size and the weights section. */
export function validateTensors(arenaSize: u32, weightsSize: u32): i32 {
  const n = tensorCount;
  // Encoded tensors decode into the expanded region, which ends at the furthest one. (Records
  // naming the same bytes — aliases of one constant — decode the same stream twice: harmless.)
  let expandedEnd: u64 = 0;
  for (let id = 0; id < n; id++) {
    const rec = trec(id);
    const dt = <i32>load<u8>(rec, T_DTYPE);
    const rank = <i32>load<u8>(rec, T_RANK);
    const storage = <i32>load<u8>(rec, T_STORAGE);
    const off = <u64>load<u32>(rec, T_OFFSET);
    const bytes = <u64>load<u32>(rec, T_BYTE_SIZE);
    if (storage >= STORAGE_COUNT) {
      tensorFail(id); say1(txt('unknown storage kind $'), storage);
      return ERR_BAD_TENSOR;
    }
    if (storage == STORAGE_EMPTY) {
      if (bytes != 0) {
        tensorFail(id); str('an absent (empty) tensor must have byte_size 0');
        return ERR_BAD_TENSOR;
      }
      continue;
    }
    if (dt < 1 || dt >= DTYPE_COUNT) {
      tensorFail(id); say1(txt('unknown dtype $'), dt);
      return ERR_BAD_TENSOR;
    }
    if (rank > MAX_RANK) {
      tensorFail(id); say2(txt('rank $ exceeds $'), rank, MAX_RANK);
      return ERR_BAD_TENSOR;
    }
    let numel: u64 = 1;
    for (let i = 0; i < MAX_RANK; i++) {
      const d = load<i32>(rec + T_DIMS + (<usize>i << 2));
      if (i < rank ? d < 1 : d != 1) {
        tensorFail(id); say2(txt('dim $ is $'), i, d);
        if (i < rank) str(' (dims must be >= 1)'); else str(' (dims past the rank must be 1)');
        return ERR_BAD_TENSOR;
      }
      numel *= <u64>d;
      if (numel > 0x7fffffff) {
        tensorFail(id); str('more than 2^31 elements');
        return ERR_BAD_TENSOR;
      }
    }
    if (bytes > 0x7fffffff) {
      tensorFail(id); say1(txt('byte_size $ exceeds 2^31 - 1'), bytes);
      return ERR_BAD_TENSOR;
    }
    const esize = <u64>dtypeSize(dt);
    // Arena tensors are exactly their elements (the planner's sizes); constants may be larger (a
    // packed layout's padding and sums).
    if (storage == STORAGE_ARENA ? numel * esize != bytes : numel * esize > bytes) {
      tensorFail(id); say(txt('byte_size $ does not fit the $ bytes its $ elements need'), bytes, numel * esize, numel);
      return ERR_BAD_TENSOR;
    }
    // Hosts quantize inputs with the scale (mote_tensor_scale) and the quantize kernel divides by it.
    const scale = load<f32>(rec, T_SCALE);
    if (!(scale >= 0) || scale == Infinity) {
      tensorFail(id); str('scale must be finite and >= 0');
      return ERR_BAD_TENSOR;
    }
    if (off % esize != 0) {
      tensorFail(id); say1(txt('offset $ is not aligned to its element size'), off);
      return ERR_BAD_TENSOR;
    }
    if (storage == STORAGE_ENCODED && weightsExternal) {
      tensorFail(id); str('encoded weights cannot be streamed (FLAG_WEIGHTS_EXTERNAL)');
      return ERR_BAD_TENSOR;
    }
    if (storage == STORAGE_ENCODED || storage == STORAGE_DIRECT) {
      let e = validateEncodedRecord(id, rec, off, weightsSize, storage == STORAGE_DIRECT);
      if (e) return e;
      // (A build without decoders refused every encoded record above.)
      if (BUILT_DECODERS != 0 && storage == STORAGE_ENCODED && (load<u8>(rec, T_FLAGS) & ENC_FLAG_PACK_W16)) {
        e = validatePackW16(id, rec, numel, bytes, arenaSize);
        if (e) return e;
      }
    } else if (load<u8>(rec, T_FLAGS) != 0 || load<u32>(rec, T_RESERVED) != 0) {
      // Reserved for later format additions: a runtime that predates one refuses it here.
      tensorFail(id); str('flags byte and reserved word must be 0');
      return ERR_BAD_TENSOR;
    }
    if (storage == STORAGE_ENCODED) {
      const end = (off + bytes + SECTION_ALIGN - 1) / SECTION_ALIGN * SECTION_ALIGN;
      if (end > expandedEnd) expandedEnd = end;
    }
    const limit = storage == STORAGE_ARENA ? <u64>arenaSize : storage == STORAGE_WEIGHTS ? <u64>weightsSize : expandedEnd;
    if (storage != STORAGE_DIRECT && off + bytes > limit) {
      tensorFail(id); say2(txt('bytes [$, $) run past the '), off, off + bytes);
      say1(storage == STORAGE_ARENA ? txt('arena of $ bytes') : txt('weights section of $ bytes'), limit);
      return ERR_BAD_TENSOR;
    }
    if (dt == DTYPE_S8) {
      const zp = load<i32>(rec, T_ZERO_POINT);
      if (zp < -128 || zp > 127) {
        tensorFail(id); say1(txt('s8 zero point $ is outside [-128, 127]'), zp);
        return ERR_BAD_TENSOR;
      }
    }
    // Binarized activations are -1/+1 with zero point 0 (format.ts DTYPE_SIGN8); the XNOR kernels rely on it.
    if (dt == DTYPE_SIGN8 && load<i32>(rec, T_ZERO_POINT) != 0) {
      tensorFail(id); str('sign8 zero point must be 0');
      return ERR_BAD_TENSOR;
    }
  }
  if (expandedEnd > <u64>hdr(H_EXPANDED_SIZE)) {
    say2(txt('encoded weights expand to $ bytes, more than the header\'s expanded_size $'), expandedEnd, hdr(H_EXPANDED_SIZE));
    return ERR_BAD_TENSOR;
  }
  setExpandedSize(<u32>expandedEnd);
  for (let i = 0; i < graphInputCount; i++) {
    const id = graphInput(i);
    if (id < 0 || id >= n || tstorage(id) != STORAGE_ARENA || load<u8>(trec(id), T_DTYPE) == DTYPE_SIGN8) {
      say2(txt('graph input $: tensor id $ must name an arena tensor (not sign8: only binarize writes those)'), i, id);
      return ERR_BAD_TENSOR;
    }
  }
  for (let i = 0; i < graphOutputCount; i++) {
    const id = graphOutput(i);
    // Not sign8 either: binarize's output is internal, and hosts read outputs as the public dtypes.
    if (id < 0 || id >= n || tstorage(id) == STORAGE_EMPTY || tstorage(id) == STORAGE_DIRECT || load<u8>(trec(id), T_DTYPE) == DTYPE_SIGN8) {
      say2(txt('graph output $: tensor id $ must name a stored tensor (not sign8)'), i, id);
      return ERR_BAD_TENSOR;
    }
  }
  return OK;
}

/**
 * An encoded or direct record: known encoding, 16-byte aligned place in the expanded region (direct:
 * offset 0, no place), and a 4-byte aligned stream whose length word and bytes lie in the weights
 * section. The stream's contents are checked by its decoder (assembly/decode/) or, for direct
 * records, by the op that reads it (kernels/direct.ts).
 */
function validateEncodedRecord(id: i32, rec: usize, off: u64, weightsSize: u32, direct: bool): i32 {
  // Encoded records may carry ENC_FLAG_PACK_W16 (validatePackW16); direct ones hold a bare ENC_*.
  // Builds without decoders refuse a flagged record as an unknown encoding (and keep their bytes).
  const enc = <i32>load<u8>(rec, T_FLAGS) & (direct || BUILT_DECODERS == 0 ? 0xff : ~ENC_FLAG_PACK_W16);
  if (enc < 1 || enc >= ENC_COUNT) {
    tensorFail(id); say1(txt('unknown weight encoding $'), enc);
    return ERR_BAD_TENSOR;
  }
  if (SUBSET && !(direct ? directBuilt(enc) : decoderBuilt(enc))) return encodingNotBuilt(id, enc, direct);
  if (direct ? off != 0 : off % SECTION_ALIGN != 0) {
    tensorFail(id);
    say1(direct ? txt('direct weights offset $ must be 0') : txt('expanded offset $ must be 16-byte aligned'), off);
    return ERR_BAD_TENSOR;
  }
  const so = <u64>load<u32>(rec, T_STREAM_OFFSET);
  if (so % 4 != 0 || so + 4 > <u64>weightsSize) {
    tensorFail(id); say2(txt('stream offset $ must be 4-byte aligned with its length word inside the $-byte weights section'), so, weightsSize);
    return ERR_BAD_TENSOR;
  }
  // Streamed (direct only): the length word comes through the host.
  let lp = weightsBase + <usize>so;
  if (weightsExternal) {
    const e = readWeights(<u32>so, scratchPtr, 4);
    if (e) return e;
    lp = scratchPtr;
  }
  const len = <u64>load<u32>(lp);
  if (so + len > <u64>weightsSize) {
    tensorFail(id); say(txt('stream of $ bytes at $ runs past the $-byte weights section'), len, so, weightsSize);
    return ERR_BAD_TENSOR;
  }
  return OK;
}

/**
 * ENC_FLAG_PACK_W16 (format.ts): byte_size holds the packed layout of the record's
 * [dims[0], numel / dims[0]] rows with their sums, and the arena one group of up to 16 rows while
 * decode/pack_w16.ts packs them at load. (Dtype and K are the checks of the packed op, the only
 * reader validateOps allows.)
 */
function validatePackW16(id: i32, rec: usize, numel: u64, bytes: u64, arenaSize: u32): i32 {
  if (SUBSET && !decoderBuilt(DECODER_PACK_W16)) return packW16NotBuilt(id);
  const n = load<i32>(rec, T_DIMS), k = numel / <u64>n;
  const need = packedW16GroupBytes(n, <i32>k) + 4 * <u64>n;
  const rows: u64 = n < 16 ? <u64>n : 16;
  if (bytes < need || rows * k > <u64>arenaSize) return packW16Unfit(id, bytes, need, arenaSize, rows * k);
  return OK;
}

/** Records flagged ENC_FLAG_PACK_W16 hold the packed layout: only a packed op's weights read them. */
function packedAtLoad(id: i32): bool {
  return tstorage(id) == STORAGE_ENCODED && (load<u8>(trec(id), T_FLAGS) & ENC_FLAG_PACK_W16) != 0;
}

function arenaOffset(id: i32): u32 {
  return load<u32>(trec(id), T_OFFSET);
}
/** Tensors a and b share arena bytes (validateTensors has kept every offset + size inside the arena). */
function meet(a: i32, b: i32): bool {
  return tstorage(a) == STORAGE_ARENA && tstorage(b) == STORAGE_ARENA && tbytes(a) != 0 && tbytes(b) != 0 &&
    arenaOffset(a) < arenaOffset(b) + tbytes(b) && arenaOffset(b) < arenaOffset(a) + tbytes(a);
}

/**
 * Kernels read their inputs while they write the output, so an op's output may share arena bytes
 * with an input only as the planner's exact in-place alias (OPF_IN_PLACE on an alias-safe
 * elementwise op, format.ts IN_PLACE_OPCODES), and its scratch tensor with neither. Any other
 * overlap stays in bounds but gives wrong results, so it is refused here.
 */
function checkOverlaps(i: i32, op: usize, code: i32, io: usize, nin: i32, nout: i32, scratch: i32): i32 {
  // code < 32: a shift count wraps mod 32, so opcode 38 would read bit 6 (sub).
  const aliasOk = (load<u16>(op, O_FLAGS) & OPF_IN_PLACE) != 0 && code < 32 && ((IN_PLACE_OPCODES >> code) & 1) != 0;
  for (let j = 0; j < nin + nout; j++) {
    const id = load<i32>(indexBase + ((io + <usize>j) << 2));
    if (scratch >= 0 && meet(scratch, id)) {
      opPrefix(i, code); say2(txt('scratch tensor $ overlaps tensor $'), scratch, id);
      return ERR_BAD_OP;
    }
    for (let k = nin; j < nin && k < nin + nout; k++) {
      const out = load<i32>(indexBase + ((io + <usize>k) << 2));
      if (meet(id, out) && !(aliasOk && arenaOffset(id) == arenaOffset(out) && tbytes(id) == tbytes(out))) {
        opPrefix(i, code); say2(txt('output tensor $ overlaps input tensor $ (not an exact in-place alias of an elementwise op)'), out, id);
        return ERR_BAD_OP;
      }
    }
  }
  return OK;
}

/** Generic op-record checks, then the per-opcode checks of validate_ops.ts. */
export function validateOps(): i32 {
  const n = opCount;
  for (let i = 0; i < n; i++) {
    const op = oprec(i);
    const code = <i32>load<u16>(op, O_OPCODE);
    if (code < 1 || code >= OPCODE_COUNT) {
      say2(txt('op $: unknown opcode $'), i, code);
      return ERR_BAD_OP;
    }
    const nin = <u64>load<u16>(op, O_INPUT_COUNT), nout = <u64>load<u16>(op, O_OUTPUT_COUNT);
    const io = <u64>load<u32>(op, O_IO_INDEX);
    if (io + nin + nout > <u64>indexCount) {
      opPrefix(i, code); str('input/output index words run past the index section');
      return ERR_BAD_OP;
    }
    if (<u64>load<u32>(op, O_PARAMS_INDEX) + <u64>load<u32>(op, O_PARAMS_COUNT) > <u64>paramsCount) {
      opPrefix(i, code); str('param words run past the params section');
      return ERR_BAD_OP;
    }
    for (let j: i32 = 0; j < <i32>(nin + nout); j++) {
      const id = load<i32>(indexBase + ((<usize>io + <usize>j) << 2));
      const isOut = j >= <i32>nin;
      if (id < 0 || id >= tensorCount) {
        opPrefix(i, code); say1(isOut ? txt('output $') : txt('input $'), isOut ? j - <i32>nin : j);
        say2(txt(': tensor id $ out of range (the blob has $ tensors)'), id, tensorCount);
        return ERR_BAD_OP;
      }
      if (isOut && tstorage(id) != STORAGE_ARENA) {
        opPrefix(i, code); say1(txt('output $ must be an arena tensor'), j - <i32>nin);
        return ERR_BAD_OP;
      }
      if (decoderBuilt(DECODER_PACK_W16) && !isOut && packedAtLoad(id) && !(j == 1 && (load<u16>(op, O_FLAGS) & OPF_PACKED_W16))) {
        return packW16Reader(i, code, j);
      }
    }
    if (load<u16>(op, O_FLAGS) & ~(OPF_IN_PLACE | OPF_PACKED_W16)) {
      opPrefix(i, code); say1(txt('unknown op flags $'), load<u16>(op, O_FLAGS));
      return ERR_BAD_OP;
    }
    const scratch = load<i32>(op, O_SCRATCH_TENSOR);
    if (scratch != -1 && (scratch < 0 || scratch >= tensorCount || tstorage(scratch) != STORAGE_ARENA)) {
      opPrefix(i, code); say1(txt('scratch tensor id $ must be -1 or an arena tensor'), scratch);
      return ERR_BAD_OP;
    }
    let e = checkOverlaps(i, op, code, <usize>io, <i32>nin, <i32>nout, scratch);
    if (e) return e;
    // Streamed weights: the op's weights span must fit the scratch region; read it in so the
    // per-op checks below can look at weight values (multipliers, shifts) as usual.
    e = streamOpWeights(i, op, code);
    if (e) return e;
    e = validateOp(i, op, code);
    if (e) return e;
    // Without direct kernels no record is STORAGE_DIRECT (validateEncodedRecord refused it).
    if (BUILT_DIRECT != 0) {
      e = validateDirectInputs(i, op, code);
      if (e) return e;
    }
  }
  return OK;
}
