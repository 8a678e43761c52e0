// Serializes a planned graph into one .mote blob, laid out exactly as format/format.ts describes:
// header, tensor table, op table (the schedule), index words, param words, weights, metadata, with
// a CRC-32 over everything after the CRC field. docs/FORMAT.md is the prose spec.
import * as F from '../../format/format.js';
import { opcodeOf } from '../../host/opcodes.js';
import { ConvertError } from '../errors.js';
import type { DType, Graph, Node, Tensor, TensorData } from '../ir/graph.js';
import type { MemoryPlan } from '../plan/types.js';
import { crc32 } from './crc32.js';
import { converterIdentity, type IoMeta } from './metadata.js';
import { lowerParams } from './params.js';
import { ENCODING_CODE, encodeDirect, encodeWeights, type DirectEncoding, type WeightEncoding } from '../codec/streams.js';
import { requantTableStreams } from './requant-tables.js';
import { packableW16, packedW16Bytes, packW16 } from './pack-conv.js';

export { crc32 } from './crc32.js';
export { writeFileAtomic } from './write-file.js';
export { f32Bits, lowerParams } from './params.js';

const DTYPE_CODE: Partial<Record<DType, number>> = {
  f32: F.DTYPE_F32,
  s8: F.DTYPE_S8,
  s32: F.DTYPE_S32,
  u8: F.DTYPE_U8,
  s16: F.DTYPE_S16,
  bool: F.DTYPE_BOOL,
};
const DTYPE_SIZE: Record<number, number> = {
  [F.DTYPE_SIGN8]: 1,
  [F.DTYPE_F32]: 4,
  [F.DTYPE_S8]: 1,
  [F.DTYPE_S32]: 4,
  [F.DTYPE_U8]: 1,
  [F.DTYPE_S16]: 2,
  [F.DTYPE_BOOL]: 1,
};
type DataClass = Float32ArrayConstructor | Int8ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor | Int16ArrayConstructor;
const DATA_CLASS: Record<number, DataClass> = {
  [F.DTYPE_F32]: Float32Array,
  [F.DTYPE_S8]: Int8Array,
  [F.DTYPE_S32]: Int32Array,
  [F.DTYPE_U8]: Uint8Array,
  [F.DTYPE_S16]: Int16Array,
  [F.DTYPE_BOOL]: Uint8Array,
};

const EMPTY = '';

interface TensorRecord {
  name: string;
  dtype: number;
  shape: number[];
  storage: number;
  offset: number;
  byteSize: number;
  scale: number;
  zeroPoint: number;
  /** STORAGE_ENCODED / STORAGE_DIRECT only: the ENC_* code (T_FLAGS) and the stream's weights offset (T_STREAM_OFFSET). */
  encoding?: number;
  streamOffset?: number;
}

export interface EmitOptions {
  /** Encodings the weights of conv2d / depthwise_conv2d / fully_connected may be stored in; each
   * such constant takes the smallest stream, or stays plain when no stream is smaller. */
  encodeWeights?: readonly WeightEncoding[];
  /**
   * 'external' (F.FLAG_WEIGHTS_EXTERNAL): the weights section and the metadata after it stay
   * outside the runtime's linear memory; the header's weights_scratch_size is the largest span of
   * weights one op reads (the stream builds copy that span in before running the op).
   */
  weights?: 'internal' | 'external';
  /**
   * Constants (by name) stored as a stream that a direct kernel reads as stored (STORAGE_DIRECT),
   * with the encoding; they must be the weights (input 1) of s8 fully_connected / group-1 conv2d
   * only (converter/plan/weights-placement.ts decides which).
   */
  directWeights?: ReadonlyMap<string, DirectEncoding>;
  /** Store the int8 requantization tables (bias, multiplier, shift) of conv2d / depthwise_conv2d /
   * fully_connected compactly (ENC_PACKED, ENC_REQUANT; converter/emit/requant-tables.ts). */
  compactTables?: boolean;
  /** false: keep conv2d / fully_connected weights in OHWI / [N, K] order instead of the packed
   * layout the runtime's int8 micro-kernels read (OPF_PACKED_W16). 'auto': pack a layer only when
   * the packed form (channels padded to 16, K to whole pairs, plus a 4-byte |w| sum per channel)
   * is at most PACK_AUTO_OVERHEAD larger than the plain one, or adds at most PACK_AUTO_SLACK
   * bytes while the model's packed weights stay within PACK_AUTO_OVERHEAD (packAutoChoice), so layers whose padding would dominate (e.g. a 2-channel FC over 256 inputs)
   * keep their flash size. Default true. */
  packWeights?: boolean | 'auto';
}

/** packWeights 'auto': the largest packed ÷ plain weight bytes still packed, per layer and model-wide
 * (converter/emit/pack-conv.ts). */
export const PACK_AUTO_OVERHEAD = 1.125;
/**
 * packWeights 'auto': a layer whose packed form adds at most this many bytes may be packed whatever
 * the ratio. The small layers this takes (first convs with C = 1 or 3, narrow FCs) run 0.4-0.9x as
 * long packed, and packing them leaves the runtime one SIMD kernel family to keep fast (the
 * plain-layout kernels are for --weight-layout plain). On a small model those
 * few hundred bytes would be a large share of its flash, so the slack is also capped model-wide:
 * see packAutoChoice.
 */
export const PACK_AUTO_SLACK = 512;

/** One packable conv2d / fully_connected layer: n rows of k int8 weights. (Small-K 1x1 convs are
 * candidates too: since session 8 the packed column sweep runs vww's 8->16 and 16->32 ones in
 * 0.81x / 0.90x the time of the plain small-K GEMM, assembly/kernels/gemm.ts, which now serves
 * plain layouts only.) */
export interface PackCandidate { n: number; k: number }

/** Extra flash bytes of a layer's packed form over its plain n*k bytes. */
export function packExtraBytes(n: number, k: number): number {
  return packedW16Bytes(n, k) + 4 * n - n * k;
}

/**
 * packWeights 'auto': which layers of a model are stored packed. A layer whose packed form is at
 * most PACK_AUTO_OVERHEAD of its plain bytes always is. Layers that only the slack
 * admits are packed cheapest first while the model's packed weights stay within PACK_AUTO_OVERHEAD
 * of its plain weights, so the speed never costs a small model more than that share of its flash
 * (a 2 KB model keeps its int8 ratio; KWS packs every such layer for +0.7 %).
 */
export function packAutoChoice(layers: readonly PackCandidate[]): boolean[] {
  const chosen = layers.map(({ n, k }) => packExtraBytes(n, k) <= (PACK_AUTO_OVERHEAD - 1) * n * k);
  const plainTotal = layers.reduce((s, l) => s + l.n * l.k, 0);
  let budget = (PACK_AUTO_OVERHEAD - 1) * plainTotal -
    layers.reduce((s, l, i) => s + (chosen[i] ? packExtraBytes(l.n, l.k) : 0), 0);
  const slack = layers.map((l, i) => i)
    .filter((i) => !chosen[i] && packExtraBytes(layers[i].n, layers[i].k) <= PACK_AUTO_SLACK)
    .sort((a, b) => packExtraBytes(layers[a].n, layers[a].k) - packExtraBytes(layers[b].n, layers[b].k) || a - b);
  for (const i of slack) {
    const extra = packExtraBytes(layers[i].n, layers[i].k);
    if (extra > budget) break;
    chosen[i] = true;
    budget -= extra;
  }
  return chosen;
}

/** Ops whose input 1 the runtime can read as STORAGE_DIRECT (assembly/kernels/direct.ts). */
export const DIRECT_WEIGHT_OPS = new Set(['conv2d', 'fully_connected']);

/** Ops whose input 1 (the weights) may be stored encoded. */
const ENCODABLE_WEIGHT_OPS = new Set(['conv2d', 'depthwise_conv2d', 'fully_connected', 'transpose_conv2d']);

interface OpRecord {
  node: Node;
  opcode: number;
  flags: number;
  inputs: number[];
  outputs: number[];
  params: number[];
  scratch: number;
}

const align = (n: number) => Math.ceil(n / F.SECTION_ALIGN) * F.SECTION_ALIGN;

export function emitBlob(g: Graph, plan: MemoryPlan, meta: Record<string, unknown> = {}, opts: EmitOptions = {}): Uint8Array {
  const lookup = (name: string): Tensor => {
    const t = plan.extraTensors.get(name) ?? g.tensors.get(name);
    if (!t) throw new ConvertError(`emit: no tensor named '${name}' (was the graph changed after planning?)`);
    return t;
  };

  // ---- Tensor table and weights layout, in first-reference order.
  const records: TensorRecord[] = [];
  const ids = new Map<string, number>();
  const weightOffsets = new Map<string, number>(); // constant name → offset in the weights section
  const weightData: { offset: number; data: TensorData }[] = [];
  let weightsSize = 0;

  // ---- Encoded weights (STORAGE_ENCODED): streams in the weights section, decoded at load into the
  // expanded region.
  const encodings = opts.encodeWeights ?? [];
  const directWeights = opts.directWeights ?? new Map<string, DirectEncoding>();
  const external = opts.weights === 'external';
  if (external && encodings.length > 0) {
    throw new ConvertError('emit: external (streamed) weights cannot be stored encoded; drop the weight encodings or keep weights internal');
  }
  const encodable = new Set<string>();
  if (encodings.length > 0) {
    for (const node of plan.steps) {
      if (!ENCODABLE_WEIGHT_OPS.has(node.op) || node.inputs.length < 2) continue;
      const w = node.inputs[1];
      const root = g.tensors.get(w)?.data !== undefined ? w : plan.weightAliases.get(w);
      if (root !== undefined) encodable.add(root);
    }
  }
  if (external && opts.compactTables) {
    throw new ConvertError('emit: external (streamed) weights cannot have compact requantization tables (they are decoded in RAM)');
  }
  const encoded = new Map<string, { code: number; streamOffset: number; offset: number } | null>();
  let expandedSize = 0;
  // Compact requantization tables: streams need only 4-byte alignment, which matters next to
  // 12-byte headers and 64-channel tables.
  const tableStreams = opts.compactTables ? requantTableStreams(plan.steps, lookup, (n) => (g.tensors.get(n)?.data !== undefined ? n : plan.weightAliases.get(n))) : new Map();
  const placeTable = (name: string, byteLength: number) => {
    if (encoded.has(name)) return encoded.get(name)!;
    const t = tableStreams.get(name)!;
    const streamOffset = Math.ceil(weightsSize / 4) * 4;
    weightsSize = streamOffset + t.bytes.length;
    weightData.push({ offset: streamOffset, data: t.bytes });
    const placed = { code: t.code, streamOffset, offset: expandedSize };
    expandedSize = align(expandedSize + byteLength);
    encoded.set(name, placed);
    return placed;
  };
  // A constant's stream (the smallest of the allowed encodings, or null: none is smaller), placed
  // once; the plain record and the packed-at-load one of the same constant share it.
  const streams = new Map<string, { code: number; streamOffset: number } | null>();
  const encodeStream = (t: Tensor, dtype: number) => {
    if (streams.has(t.name)) return streams.get(t.name)!;
    let placed: { code: number; streamOffset: number } | null = null;
    const data = t.data;
    if ((dtype === F.DTYPE_S8 || dtype === F.DTYPE_F32) && data instanceof DATA_CLASS[dtype]) {
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      const stream = encodeWeights(bytes, DTYPE_SIZE[dtype], t.shape, encodings);
      if (stream) {
        const streamOffset = align(weightsSize);
        weightsSize = streamOffset + stream.bytes.length;
        weightData.push({ offset: streamOffset, data: stream.bytes });
        placed = { code: stream.code, streamOffset };
      }
    }
    streams.set(t.name, placed);
    return placed;
  };
  // The plain decoded bytes' place in the expanded region.
  const encodeConstant = (t: Tensor, dtype: number) => {
    if (encoded.has(t.name)) return encoded.get(t.name)!;
    const stream = encodeStream(t, dtype);
    const placed = stream && { ...stream, offset: expandedSize };
    if (placed) expandedSize = align(expandedSize + t.data!.byteLength);
    encoded.set(t.name, placed);
    return placed;
  };
  // Encoded weights packed at load (format.ts ENC_FLAG_PACK_W16): one expanded slot of the packed
  // size per constant, and the arena must hold one group of 16 rows while the runtime packs them.
  const packedSlots = new Map<string, number>();
  let packArena = 0;

  // Direct streams, one per (constant, row count): the kernels read rows = dims[0] of the record.
  const directStreams = new Map<string, { code: number; streamOffset: number }>();
  const directConstant = (root: Tensor, shape: number[], encoding: DirectEncoding) => {
    const key = `${root.name}\u0000${shape[0]}`;
    const known = directStreams.get(key);
    if (known) return known;
    const data = root.data;
    if (root.dtype !== 's8' || !(data instanceof Int8Array)) {
      throw new ConvertError(`emit: direct weights '${root.name}' must be an s8 constant, got ${root.dtype}`);
    }
    const stream = encodeDirect(encoding, new Uint8Array(data.buffer, data.byteOffset, data.byteLength), shape);
    if (!stream) throw new ConvertError(`emit: constant '${root.name}' [${shape}] has no ${encoding} stream for a direct kernel`);
    const streamOffset = align(weightsSize);
    weightsSize = streamOffset + stream.length;
    weightData.push({ offset: streamOffset, data: stream });
    const placed = { code: ENCODING_CODE[encoding], streamOffset };
    directStreams.set(key, placed);
    return placed;
  };

  const placeConstant = (t: Tensor, dtype: number): number => {
    const known = weightOffsets.get(t.name);
    if (known !== undefined) return known;
    const data = t.data!;
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (!(data instanceof DATA_CLASS[dtype]) || data.length !== n) {
      throw new ConvertError(
        `emit: constant '${t.name}' (${t.dtype}[${t.shape}]) holds ${data.constructor.name}(${data.length}); ` +
          `expected ${DATA_CLASS[dtype].name}(${n})`,
      );
    }
    const offset = align(weightsSize);
    weightsSize = offset + data.byteLength;
    weightOffsets.set(t.name, offset);
    weightData.push({ offset, data });
    return offset;
  };

  // Packed weights (pack-conv.ts), stored packed or, when encoded, stored as the plain bytes'
  // stream and packed at load: a record of their own (the same constant may also be read unpacked
  // by another op), keyed apart from the plain one.
  const packedId = (name: string, root: string, n: number, k: number, encoded: boolean): number => {
    const key = `${name}\u0000packed16`;
    const known = ids.get(key);
    if (known !== undefined) return known;
    const t = lookup(name);
    const q = t.quant;
    const rec: TensorRecord = {
      name,
      dtype: F.DTYPE_S8,
      shape: [...t.shape],
      storage: F.STORAGE_WEIGHTS,
      offset: 0,
      byteSize: 0,
      scale: q !== undefined && q.scale.length === 1 ? q.scale[0] : 0,
      zeroPoint: q !== undefined && q.scale.length === 1 ? q.zeroPoint[0] : 0,
    };
    const stream = encoded ? encodeStream(lookup(root), F.DTYPE_S8) : null;
    if (stream) {
      const size = packedW16Bytes(n, k) + 4 * n;
      let slot = packedSlots.get(root);
      if (slot === undefined) {
        slot = expandedSize;
        expandedSize = align(expandedSize + size);
        packedSlots.set(root, slot);
      }
      packArena = Math.max(packArena, Math.min(n, 16) * k);
      Object.assign(rec, { storage: F.STORAGE_ENCODED, offset: slot, byteSize: size, encoding: stream.code | F.ENC_FLAG_PACK_W16, streamOffset: stream.streamOffset });
      ids.set(key, records.length);
      records.push(rec);
      return records.length - 1;
    }
    const rootKey = `${root}\u0000packed16`;
    let offset = weightOffsets.get(rootKey);
    const data = packW16(lookup(root).data as Int8Array, n, k);
    if (offset === undefined) {
      offset = align(weightsSize);
      weightsSize = offset + data.byteLength;
      weightOffsets.set(rootKey, offset);
      weightData.push({ offset, data });
    }
    rec.offset = offset;
    rec.byteSize = data.byteLength;
    ids.set(key, records.length);
    records.push(rec);
    return records.length - 1;
  };

  const tensorId = (name: string, user: string): number => {
    const known = ids.get(name);
    if (known !== undefined) return known;
    const rec = name === EMPTY ? emptyRecord() : describeTensor(name, user);
    ids.set(name, records.length);
    records.push(rec);
    return records.length - 1;
  };

  const emptyRecord = (): TensorRecord => ({
    name: EMPTY,
    dtype: F.DTYPE_U8,
    shape: [],
    storage: F.STORAGE_EMPTY,
    offset: 0,
    byteSize: 0,
    scale: 0,
    zeroPoint: 0,
  });

  const describeTensor = (name: string, user: string): TensorRecord => {
    const t = lookup(name);
    const dtype = DTYPE_CODE[t.dtype];
    if (dtype === undefined) {
      throw new ConvertError(`emit: tensor '${name}' (used by ${user}) has dtype ${t.dtype}, which blobs cannot hold`);
    }
    if (t.shape.length > F.MAX_RANK) {
      throw new ConvertError(`emit: tensor '${name}' (used by ${user}) has rank ${t.shape.length} > ${F.MAX_RANK}`);
    }
    let numel = 1;
    for (const d of t.shape) {
      if (!Number.isInteger(d) || d <= 0) {
        throw new ConvertError(`emit: tensor '${name}' (used by ${user}) has shape [${t.shape}]; dims must be positive`);
      }
      numel *= d;
    }
    const byteSize = numel * DTYPE_SIZE[dtype];
    // A binarize output holds only -1/+1: sign8, so conv2d / fully_connected may run it as XNOR.
    const sign8 = dtype === F.DTYPE_S8 && g.nodes.some((n) => n.op === 'binarize' && n.outputs[0] === name);
    if (byteSize > 0xffffffff) throw new ConvertError(`emit: tensor '${name}' is ${byteSize} bytes, over 4 GiB`);
    const q = t.quant;
    const perTensor = q !== undefined && q.scale.length === 1;
    const rec: TensorRecord = {
      name,
      dtype: sign8 ? F.DTYPE_SIGN8 : dtype,
      shape: [...t.shape],
      storage: F.STORAGE_ARENA,
      offset: 0,
      byteSize,
      // Per-axis params live in the node's multiplier/shift tensors; the record holds 0, 0.
      scale: perTensor ? q.scale[0] : 0,
      zeroPoint: perTensor ? q.zeroPoint[0] : 0,
    };
    const constRoot = t.data !== undefined ? name : plan.weightAliases.get(name);
    if (constRoot !== undefined) {
      const root = lookup(constRoot);
      const direct = directWeights.get(constRoot);
      if (direct !== undefined) {
        const placed = directConstant(root, rec.shape, direct);
        rec.storage = F.STORAGE_DIRECT;
        rec.encoding = placed.code;
        rec.streamOffset = placed.streamOffset;
        return rec;
      }
      const enc = tableStreams.has(constRoot) ? placeTable(constRoot, byteSize)
        : encodable.has(constRoot) ? encodeConstant(root, DTYPE_CODE[root.dtype] ?? dtype) : null;
      if (enc) {
        rec.storage = F.STORAGE_ENCODED;
        rec.offset = enc.offset;
        rec.encoding = enc.code;
        rec.streamOffset = enc.streamOffset;
        return rec;
      }
      rec.storage = F.STORAGE_WEIGHTS;
      rec.offset = placeConstant(root, DTYPE_CODE[root.dtype] ?? dtype);
      return rec;
    }
    const placed = plan.buffers.get(name);
    if (!placed) throw new ConvertError(`emit: tensor '${name}' (used by ${user}) has no arena placement in the plan`);
    if (placed.size !== byteSize) {
      throw new ConvertError(`emit: tensor '${name}' is ${byteSize} bytes but was planned as ${placed.size}`);
    }
    rec.offset = placed.offset;
    return rec;
  };

  if (g.outputs.length === 0) throw new ConvertError('emit: the graph has no outputs');
  if (plan.outputs.length !== g.outputs.length) {
    throw new ConvertError(`emit: the plan has ${plan.outputs.length} outputs, the graph ${g.outputs.length} (plan is stale)`);
  }
  for (const name of g.inputs) {
    if (g.isConstant(name)) throw new ConvertError(`emit: graph input '${name}' is a constant`);
    tensorId(name, 'the graph inputs');
  }

  // ---- Which conv / FC weights are stored packed (OPF_PACKED_W16): decided for the whole model
  // first, because 'auto' caps the packing overhead model-wide (packAutoChoice).
  // Weights stored encoded are packed too: the runtime decodes their plain bytes and packs them at
  // load (ENC_FLAG_PACK_W16), so packing costs them no flash, only the expanded region's growth
  // (padding and sums) in RAM.
  const packable = new Map<Node, PackCandidate & { root: string; encoded: boolean }>();
  if (opts.packWeights !== false) {
    for (const node of plan.steps) {
      const n = node.inputs[1];
      if (n === undefined || n === EMPTY || opcodeOf(node.op) === undefined) continue;
      const root = g.tensors.get(n)?.data !== undefined ? n : plan.weightAliases.get(n);
      // Not read in place (direct weights keep their own kernels).
      if (root === undefined || directWeights.has(root)) continue;
      const shape = packableW16(node, lookup, lookup(root).data);
      if (!shape) continue;
      const encoded = encodable.has(root) && encodeStream(lookup(root), DTYPE_CODE[lookup(root).dtype] ?? F.DTYPE_S8) !== null;
      packable.set(node, { root, n: shape.n, k: shape.k, encoded });
    }
  }
  const candidates = [...packable.keys()];
  // 'auto' caps what packing adds where it lands: flash for weights stored plain, the expanded
  // region (RAM) for encoded ones, each by packAutoChoice's rule; and an encoded layer whose packing
  // at load would need a larger arena than the plan's stays plain.
  const packChosen = new Set<Node>();
  for (const encoded of [false, true]) {
    const layers = candidates.filter((c) => packable.get(c)!.encoded === encoded &&
      !(opts.packWeights === 'auto' && encoded && Math.min(packable.get(c)!.n, 16) * packable.get(c)!.k > plan.arenaSize));
    const autoChoice = opts.packWeights === 'auto' ? packAutoChoice(layers.map((c) => packable.get(c)!)) : null;
    layers.forEach((c, i) => { if (autoChoice === null || autoChoice[i]) packChosen.add(c); });
  }

  // ---- Ops (the schedule).
  const ops: OpRecord[] = plan.steps.map((node) => {
    const opcode = opcodeOf(node.op);
    if (node.op === 'reshape' || node.op === 'batch_norm' || opcode === undefined) {
      // lowerParams names the problem (IR-only or unknown op).
      lowerParams(node, lookup);
      throw new ConvertError(`emit: node '${node.name}' has op '${node.op}', which has no opcode`);
    }
    const user = `node '${node.name}'`;
    let packed = false;
    const inputs = node.inputs.map((n, j) => {
      const pack = j === 1 ? packable.get(node) : undefined;
      if (pack && packChosen.has(node)) {
        packed = true;
        return packedId(n, pack.root, pack.n, pack.k, pack.encoded);
      }
      return tensorId(n, user);
    });
    const outputs = node.outputs.map((n) => {
      if (n === EMPTY) throw new ConvertError(`emit: node '${node.name}' has an unnamed output`);
      const id = tensorId(n, user);
      if (records[id].storage !== F.STORAGE_ARENA) {
        throw new ConvertError(`emit: node '${node.name}' writes '${n}', which is not an arena tensor`);
      }
      return id;
    });
    const scratchInfo = plan.scratch.get(node.name);
    const scratch = scratchInfo ? tensorId(scratchInfo.tensorName, user) : -1;
    return {
      node,
      opcode,
      flags: (plan.inPlace.has(node.name) ? F.OPF_IN_PLACE : 0) | (packed ? F.OPF_PACKED_W16 : 0),
      inputs,
      outputs,
      params: lowerParams(node, lookup),
      scratch,
    };
  });
  for (const op of ops) {
    op.inputs.forEach((id, j) => {
      if (records[id].storage === F.STORAGE_DIRECT && !(j === 1 && DIRECT_WEIGHT_OPS.has(op.node.op))) {
        throw new ConvertError(`emit: direct weights '${records[id].name}' are input ${j} of node '${op.node.name}' (${op.node.op}), which has no direct kernel`);
      }
    });
  }
  const outputIds = plan.outputs.map((name) => {
    const id = tensorId(name, 'the graph outputs');
    if (records[id].storage !== F.STORAGE_ARENA) throw new ConvertError(`emit: graph output '${name}' is not in the arena`);
    return id;
  });
  const inputIds = g.inputs.map((name) => ids.get(name)!);

  // ---- Index and param words.
  const index: number[] = [];
  const params: number[] = [];
  const opIo: { io: number; params: number }[] = [];
  for (const op of ops) {
    opIo.push({ io: index.length, params: params.length });
    index.push(...op.inputs, ...op.outputs);
    params.push(...op.params);
  }
  const inputsIndex = index.length;
  index.push(...inputIds);
  const outputsIndex = index.length;
  index.push(...outputIds);

  // ---- Metadata.
  const ioMeta = (name: string, displayName: string): IoMeta => {
    const t = lookup(name);
    const q = t.quant;
    const perTensor = q !== undefined && q.scale.length === 1;
    return {
      name: displayName,
      dtype: t.dtype,
      shape: [...t.shape],
      scale: perTensor ? q.scale[0] : 0,
      zeroPoint: perTensor ? q.zeroPoint[0] : 0,
    };
  };
  const metaJson = {
    ...meta,
    converter: converterIdentity(),
    formatVersion: F.FORMAT_VERSION,
    sourceName: g.meta.sourceName ?? null,
    sourceFormat: g.meta.sourceFormat ?? null,
    sourceHash: g.meta.sourceHash ?? null,
    inputs: g.inputs.map((n) => ioMeta(n, n)),
    outputs: plan.outputs.map((n, i) => ioMeta(n, g.outputs[i] ?? n)),
    tensors: records.map((r) => r.name),
    ops: ops.map((o) => o.node.name),
    ...(g.meta.labels ? { labels: g.meta.labels } : {}),
    ...(expandedSize > 0 ? { expandedWeightBytes: expandedSize } : {}),
  };
  const metaBytes = new TextEncoder().encode(JSON.stringify(metaJson));

  // ---- Layout.
  const tensorTableOffset = align(F.HEADER_SIZE);
  const opTableOffset = align(tensorTableOffset + records.length * F.TENSOR_RECORD_SIZE);
  const indexOffset = align(opTableOffset + ops.length * F.OP_RECORD_SIZE);
  const paramsOffset = align(indexOffset + index.length * 4);
  const weightsOffset = align(paramsOffset + params.length * 4);
  const metaOffset = align(weightsOffset + weightsSize);
  const totalSize = metaOffset + metaBytes.length;
  // External weights: the same layout; the runtime copies in only [0, weights_offset) and reads
  // the weights into a scratch region sized here: per op, the span from its lowest to its highest
  // weights byte (an op's constants are laid out together, in first-reference order). At least 16
  // bytes: the runtime also reads the tail through it to check the CRC.
  let weightsScratch = external ? F.SECTION_ALIGN : 0;
  if (external) {
    for (const op of ops) {
      let lo = Infinity;
      let hi = 0;
      for (const id of op.inputs) {
        const r = records[id];
        if (r.storage === F.STORAGE_DIRECT) {
          // The runtime reads the stream itself (its length word first).
          const d = weightData.find((w) => w.offset === r.streamOffset)!;
          lo = Math.min(lo, r.streamOffset!);
          hi = Math.max(hi, r.streamOffset! + d.data.byteLength);
          continue;
        }
        if (r.storage !== F.STORAGE_WEIGHTS) continue;
        lo = Math.min(lo, r.offset);
        hi = Math.max(hi, r.offset + r.byteSize);
      }
      if (hi > 0) weightsScratch = Math.max(weightsScratch, align(hi - lo));
    }
  }

  const blob = new Uint8Array(totalSize);
  const view = new DataView(blob.buffer);
  const u32 = (at: number, v: number) => view.setUint32(at, v, true);

  u32(F.H_MAGIC, F.MAGIC);
  u32(F.H_VERSION, F.FORMAT_VERSION);
  u32(F.H_FLAGS, external ? F.FLAG_WEIGHTS_EXTERNAL : F.FLAG_NONE);
  u32(F.H_TOTAL_SIZE, totalSize);
  u32(F.H_HEADER_SIZE, F.HEADER_SIZE);
  // (Raised only by --weight-layout packed: 'auto' leaves such layers plain.)
  u32(F.H_ARENA_SIZE, Math.max(plan.arenaSize, align(packArena)));
  u32(F.H_ARENA_LOWER_BOUND, plan.lowerBound);
  u32(F.H_TENSOR_COUNT, records.length);
  u32(F.H_TENSOR_TABLE_OFFSET, tensorTableOffset);
  u32(F.H_OP_COUNT, ops.length);
  u32(F.H_OP_TABLE_OFFSET, opTableOffset);
  u32(F.H_INDEX_OFFSET, indexOffset);
  u32(F.H_INDEX_COUNT, index.length);
  u32(F.H_PARAMS_OFFSET, paramsOffset);
  u32(F.H_PARAMS_COUNT, params.length);
  u32(F.H_WEIGHTS_OFFSET, weightsOffset);
  u32(F.H_WEIGHTS_SIZE, weightsSize);
  u32(F.H_META_OFFSET, metaOffset);
  u32(F.H_META_SIZE, metaBytes.length);
  u32(F.H_INPUT_COUNT, inputIds.length);
  u32(F.H_INPUTS_INDEX, inputsIndex);
  u32(F.H_OUTPUT_COUNT, outputIds.length);
  u32(F.H_OUTPUTS_INDEX, outputsIndex);
  u32(F.H_EXPANDED_SIZE, expandedSize);
  u32(F.H_WEIGHTS_SCRATCH_SIZE, weightsScratch);

  records.forEach((r, i) => {
    const at = tensorTableOffset + i * F.TENSOR_RECORD_SIZE;
    view.setUint8(at + F.T_DTYPE, r.dtype);
    view.setUint8(at + F.T_RANK, r.shape.length);
    view.setUint8(at + F.T_STORAGE, r.storage);
    view.setUint8(at + F.T_FLAGS, r.encoding ?? 0);
    for (let d = 0; d < F.MAX_RANK; d++) view.setInt32(at + F.T_DIMS + 4 * d, d < r.shape.length ? r.shape[d] : 1, true);
    u32(at + F.T_OFFSET, r.offset);
    u32(at + F.T_BYTE_SIZE, r.byteSize);
    view.setFloat32(at + F.T_SCALE, r.scale, true);
    view.setInt32(at + F.T_ZERO_POINT, r.zeroPoint, true);
    u32(at + F.T_RESERVED, r.streamOffset ?? 0); // T_STREAM_OFFSET for encoded records
  });
  ops.forEach((op, i) => {
    const at = opTableOffset + i * F.OP_RECORD_SIZE;
    view.setUint16(at + F.O_OPCODE, op.opcode, true);
    view.setUint16(at + F.O_FLAGS, op.flags, true);
    view.setUint16(at + F.O_INPUT_COUNT, op.inputs.length, true);
    view.setUint16(at + F.O_OUTPUT_COUNT, op.outputs.length, true);
    u32(at + F.O_IO_INDEX, opIo[i].io);
    u32(at + F.O_PARAMS_INDEX, opIo[i].params);
    u32(at + F.O_PARAMS_COUNT, op.params.length);
    view.setInt32(at + F.O_SCRATCH_TENSOR, op.scratch, true);
  });
  index.forEach((w, i) => u32(indexOffset + 4 * i, w));
  params.forEach((w, i) => view.setInt32(paramsOffset + 4 * i, w, true));
  for (const { offset, data } of weightData) {
    // Typed arrays are little-endian on every platform Node runs on, which is the blob's order.
    blob.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), weightsOffset + offset);
  }
  blob.set(metaBytes, metaOffset);
  u32(F.H_CRC32, crc32(blob, F.CRC_START, totalSize));
  return blob;
}
