// The whole converter pipeline, as one call: ONNX or TFLite bytes → IR → float passes → (int8 PTQ)
// → static memory plan → .mote blob, plus a report of what came out (sizes, arena, MACs, what
// stayed float). A TFLite model that is already int8 keeps its own quantization.
// `mote convert` and `mote demo` are thin shells around it.
import * as F from '../format/format.js';
import { emitBlob } from './emit/index.js';
import { ConvertError } from './errors.js';
import type { Graph, TensorData } from './ir/graph.js';
import { nodeMacs } from './macs.js';
import { optimize } from './passes/index.js';
import { prepareInt8, quantize, type QuantizeReport } from './passes/quantize/index.js';
import { prepareInt16 } from './passes/quantize/prepare16.js';
import { planMemory, type MemoryPlan } from './plan/index.js';
import { distillTeacher, startCompression, withRecipe, type CompressionConvertOptions } from './compress/pipeline.js';
import { distillLayers, type DistillReport } from './compress/distill.js';
import type { CompressionResult } from './compress/apply.js';
import type { LayerReport } from './report/layers.js';
import type { RangeMethod } from './passes/quantize/ranges.js';
import { clusterWeights } from './passes/cluster.js';
import { binarizeActivations, binarizeWeights, type ActivationBinarization } from './passes/binarize.js';
import { pruneMagnitude } from './passes/prune-magnitude.js';
import { applyLayerWeights } from './compress/layer-weights.js';
import { shareInt8Levels } from './compress/shared-levels.js';
import type { LayerCompression } from './codec/weighted-layers.js';
import { ENCODING_NAME, type DirectEncoding, type WeightEncoding } from './codec/streams.js';
import { decidePlacement, modelRamBytes, placementCandidates, type Isa, type PlacementMode, type PlacementReport } from './plan/weights-placement.js';
import { TABLE_ENCODING_NAME } from './emit/requant-tables.js';
import { importModel, isPreQuantized, summarizeSource, type SourceFormat } from './source.js';

export type Precision = 'f32' | 'int8';
export type CalibrationMethod = RangeMethod;

export interface ConvertOptions extends CompressionConvertOptions {
  precision: Precision;
  /** int8 only: calibration samples, each one value per graph input (in the model's input layout). */
  calibration?: TensorData[][];
  calibrationMethod?: CalibrationMethod;
  /** Percentile (e.g. 99.99) for calibrationMethod 'percentile'. */
  percentile?: number;
  /** Calibration progress: samples done of total. */
  onProgress?(done: number, total: number): void;
  /** int8 only: names of nodes (after the float passes) to leave in float32. */
  keepFloat?: string[];
  /** Weight sharing: k-means with k (2..16) centroids per layer, stored as 4-bit (or fewer) indices. */
  cluster?: number;
  /** With cluster: one k-means per output channel instead of per layer. */
  clusterPerChannel?: boolean;
  /** Binary weights (α·sign(W) per output channel) for these layers, or 'auto' (all but first and last). */
  binarize?: string[] | 'auto';
  /**
   * int8 only: binarize the input activations of these layers (which need binary weights): x is
   * replaced by sign(x − θ) · β (XNOR-Net), computed by XNOR-popcount kernels. docs/COMPRESSION.md.
   */
  binarizeActivations?: string[];
  /** Unstructured magnitude pruning: this fraction of each layer's weights (or of all, scope 'global') → 0. */
  pruneMagnitude?: number;
  pruneScope?: 'layer' | 'global';
  /** Entropy-code the weights (canonical Huffman over their bytes), decoded at load. */
  entropy?: 'huffman';
  /**
   * 'external': the weights section goes last and stays outside the runtime's linear memory; the
   * stream builds read each op's weights through the host (docs/ABI.md, "Streamed weights").
   */
  weights?: 'internal' | 'external';
  /**
   * int8 conv2d / fully_connected weights: 'packed' in the layout the runtime's fastest
   * micro-kernels read (16 output channels x tap pairs, plus each channel's |w| sum: more flash when
   * the channel count is not a multiple of 16), 'plain' OHWI / [N, K] order (smallest blob, the
   * unpacked kernels; same outputs), or 'auto' (default): packed where that adds at most 12.5 % or 512 bytes per layer.
   */
  weightLayout?: 'auto' | 'packed' | 'plain';
  /**
   * Compressed int8 weights of fully_connected / conv2d: expanded at load or read directly by a
   * direct kernel (converter/plan/weights-placement.ts). 'auto' (default) decides per tensor from
   * ramBudget and the measured kernel speeds on `isa`.
   */
  placement?: PlacementMode;
  /** Bytes of RAM the loaded model may take (resident blob + expanded weights + arena + scratch). */
  ramBudget?: number;
  /** Where ramBudget came from, for the report (e.g. a --target chip). */
  ramBudgetSource?: string;
  /** The runtime build the placement optimizes for: 'simd' (Node, browsers; default) or 'scalar' (MCUs). */
  isa?: Isa;
}

export interface OpMacs {
  name: string;
  op: string;
  macs: number;
}

export interface ConvertReport {
  /** version: the ONNX opset or the TFLite schema version. preQuantized: an int8 TFLite or QDQ ONNX
   * model, whose own quantization is kept (no calibration). */
  source: { name: string; format: SourceFormat; bytes: number; version: number; preQuantized: boolean };
  precision: Precision;
  /** Node counts by source op type (ONNX op_type, TFLite builtin name). */
  sourceOps: Record<string, number>;
  /** Op counts by Mote op in the emitted schedule. */
  ops: Record<string, number>;
  /** Elements of the source's weight tensors (ONNX: FLOAT initializers and Constants; TFLite: every
   * constant tensor). */
  parameters: number;
  /** parameters × 4: the bytes of those weights as float32 (an ONNX float model's own size). */
  floatWeightBytes: number;
  /** Bytes the weights take in the source file. */
  sourceWeightBytes: number;
  /** Bytes of the blob's weights section (after folding, quantization, packing and alignment). */
  weightBytes: number;
  blobBytes: number;
  arenaBytes: number;
  arenaLowerBound: number;
  /** arenaBytes / arenaLowerBound (1 = the planner met the liveness bound). */
  arenaRatio: number;
  /** floatWeightBytes / weightBytes: about 4 for int8, about 1 for f32. */
  sizeRatio: number;
  /** Compute nodes that stayed float32 in an int8 conversion, with the quantizer's reason (empty for f32). */
  keptFloat: { name: string; op: string; reason?: string }[];
  totalMacs: number;
  macs: OpMacs[];
  inputs: { name: string; dtype: string; shape: number[] }[];
  outputs: { name: string; dtype: string; shape: number[] }[];
  /** The quantizer's own report (int8 only): calibrated ranges, per-node precision. */
  quantization?: QuantizeReport;
  /** Filter pruning / low-rank results, when asked for (converter/compress). */
  compression?: CompressionResult;
  /** Per-layer table (method, bytes, weight SNR, MACs) vs the float graph, when compressing or asked for. */
  layers?: LayerReport;
  /** Bytes the weights take in the blob (flash / OTA size): = weightBytes, encoded streams included. */
  storedWeightBytes: number;
  /** Bytes of RAM the runtime reserves at load to decode encoded weights into (0 without encodings). */
  ramWeightBytes: number;
  /** Per-layer results of the weight-compression passes (prune, cluster, binarize), in that order. */
  weightCompression: LayerCompression[];
  /** Encoded weight tensors: encoding, stream bytes and decoded bytes; direct: read as stored (no RAM copy). */
  /** decodedBytes: the RAM the tensor takes at load (weights packed at load: the packed layout's size). */
  encodedWeights: { tensor: string; encoding: string; streamBytes: number; decodedBytes: number; direct?: boolean; packedAtLoad?: boolean }[];
  /** Expand-at-load vs direct, per compressed int8 fc/conv weight tensor (when weights are encoded). */
  weightPlacement?: PlacementReport;
  /** Layers whose input activations were binarized (threshold, center, beta), when asked for. */
  activationBinarization?: ActivationBinarization[];
  /** Layer-wise distillation (`distill`): per refit layer, its reconstruction error before / after. */
  distillation?: DistillReport;
}

export interface ConvertResult {
  graph: Graph;
  plan: MemoryPlan;
  blob: Uint8Array;
  report: ConvertReport;
}

/** Ops that only move data between float and int8 or alias memory: not "kept float" compute. */
const BOUNDARY_OPS = new Set(['quantize', 'dequantize', 'requantize', 'reshape', 'copy', 'transpose']);

function io(g: Graph, names: string[]) {
  return names.map((name) => {
    const t = g.tensor(name);
    return { name, dtype: t.dtype, shape: [...t.shape] };
  });
}

export function convert(bytes: Uint8Array, filename: string, options: ConvertOptions): ConvertResult {
  const opts = withRecipe(options);
  if (opts.precision !== 'f32' && opts.precision !== 'int8') {
    throw new ConvertError(`unknown precision '${opts.precision}' (use f32 or int8)`);
  }
  const graph = importModel(bytes, filename);
  const src = summarizeSource(bytes, filename);
  // The float passes run on everything except an already-int8 TFLite graph. For ONNX they also fold
  // QDQ patterns (QuantizeLinear/DequantizeLinear, QLinearConv, ...) into int8 ops.
  if (!(src.format === 'tflite' && isPreQuantized(graph))) optimize(graph);
  const preQuantized = isPreQuantized(graph);
  const teacher = distillTeacher(graph, opts, preQuantized, filename);
  const compression = startCompression(graph, opts, preQuantized, filename);
  const weightCompression = compressWeights(graph, opts, preQuantized, filename);
  const distillation = teacher && distillLayers(teacher, graph, opts.calibration!, { weightCompression, prune: compression?.result.prune });
  let quantization: QuantizeReport | undefined;
  if (preQuantized) {
    // A quantized model (int8 TFLite, or QDQ ONNX): keep its scales and zero points; derive the
    // kernels' integer parameters (multipliers, shifts, LUTs) from them, as TFLite Micro's Prepare
    // does.
    if (opts.precision !== 'int8') {
      throw new ConvertError(`${filename} is already quantized (int8 or 16x8); convert it with precision int8 (it needs no calibration)`);
    }
    if (opts.calibration && opts.calibration.length > 0) {
      throw new ConvertError(`${filename} is already quantized (int8 or 16x8); calibration data is not used for it`);
    }
    // 16x8 nodes first (int16 activations, int8 weights), then the int8 ones; each skips nodes
    // the other has prepared.
    prepareInt16(graph);
    prepareInt8(graph);
  } else {
    if (opts.precision === 'int8' && !(opts.calibration && opts.calibration.length > 0)) {
      throw new ConvertError('int8 conversion needs calibration samples (representative inputs) to choose activation scales');
    }
  }
  if (!preQuantized && opts.precision === 'int8') {
    quantization = quantize(graph, {
      samples: opts.calibration!,
      method: opts.calibrationMethod ?? 'minmax',
      percentile: opts.percentile,
      onProgress: opts.onProgress,
      keepFloat: opts.keepFloat,
      weightScales: opts.weightScales,
    });
  }
  let activationBinarization: ActivationBinarization[] | undefined;
  if (opts.binarizeActivations && opts.binarizeActivations.length > 0) {
    if (opts.precision !== 'int8' || preQuantized) throw new ConvertError('binarized activations need an int8 conversion of a float model (with calibration)');
    activationBinarization = binarizeActivations(graph, opts.binarizeActivations, opts.calibration!);
  }
  // Per-layer int8 levels (recipe weights.layers.L.levels) act on the quantized weights.
  if (opts.layerWeights && Object.values(opts.layerWeights).some((c) => c.levels !== undefined)) {
    if (opts.precision !== 'int8' || preQuantized) throw new ConvertError('weights.layers.*.levels needs an int8 conversion of a float model');
    weightCompression.push(...shareInt8Levels(graph, opts.layerWeights));
  }
  const plan = planMemory(graph);
  if (opts.weightScales !== undefined && !['f32', 'f24', 'bf16'].includes(opts.weightScales)) {
    throw new ConvertError(`unknown weight scale storage '${opts.weightScales}' (use f32, f24 or bf16)`);
  }
  if (opts.tables !== undefined && opts.tables !== 'raw' && opts.tables !== 'compact') {
    throw new ConvertError(`unknown requantization table storage '${opts.tables}' (use raw or compact)`);
  }
  const layout = opts.weightLayout ?? 'auto';
  if (layout !== 'auto' && layout !== 'packed' && layout !== 'plain') {
    throw new ConvertError(`unknown weight layout '${layout}' (use auto, packed or plain)`);
  }
  const packWeights = layout === 'auto' ? 'auto' : layout === 'packed';
  const encodings = weightEncodings(opts);
  let blob = emitBlob(graph, plan, {}, { encodeWeights: encodings, weights: opts.weights, compactTables: opts.tables === 'compact', packWeights });
  let weightPlacement: PlacementReport | undefined;
  if ((encodings.length > 0 || opts.ramBudget !== undefined) && opts.weights !== 'external') {
    const isa = opts.isa ?? 'simd';
    const cands = placementCandidates(graph, plan, encodings, isa);
    weightPlacement = decidePlacement(cands, { isa, mode: opts.placement, ramBudget: opts.ramBudget, baseRamBytes: modelRamBytes(blob) });
    const direct = new Map<string, DirectEncoding>();
    weightPlacement.layers.forEach((l, i) => { if (l.choice === 'direct') direct.set(l.tensor, cands[i].direct!.encoding); });
    // Re-emitted (with the decision in the metadata for mote inspect) only when it changes
    // something or was asked for: otherwise the blob stays byte for byte what it was without it.
    if (direct.size > 0 || opts.ramBudget !== undefined || (opts.placement ?? 'auto') !== 'auto') {
      const meta = { weightPlacement: weightPlacement.layers.map((l) => ({ tensor: l.tensor, layer: l.layer, choice: l.choice, encoding: l.encoding, reason: l.reason })) };
      blob = emitBlob(graph, plan, meta, { encodeWeights: encodings, weights: opts.weights, compactTables: opts.tables === 'compact', directWeights: direct, packWeights });
    }
    weightPlacement.ramBytes = modelRamBytes(blob);
    weightPlacement.fits = opts.ramBudget === undefined || weightPlacement.ramBytes <= opts.ramBudget;
    if (opts.ramBudgetSource) weightPlacement.ramBudgetSource = opts.ramBudgetSource;
  }
  const { encodedWeights, expandedBytes } = describeEncodedWeights(blob);

  const header = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const weightBytes = header.getUint32(F.H_WEIGHTS_SIZE, true);

  const ops: Record<string, number> = {};
  const macs: OpMacs[] = [];
  for (const node of plan.steps) {
    ops[node.op] = (ops[node.op] ?? 0) + 1;
    macs.push({ name: node.name, op: node.op, macs: nodeMacs(graph, node) });
  }
  const keptFloat = quantization ? quantization.keptFloat.filter((k) => !BOUNDARY_OPS.has(k.op)) : [];
  const floatWeightBytes = src.parameters * 4;
  const report: ConvertReport = {
    source: { name: filename, format: src.format, bytes: bytes.length, version: src.version, preQuantized },
    precision: opts.precision,
    sourceOps: src.ops,
    ops,
    parameters: src.parameters,
    floatWeightBytes,
    sourceWeightBytes: src.weightBytes,
    weightBytes,
    blobBytes: blob.length,
    arenaBytes: plan.arenaSize,
    arenaLowerBound: plan.lowerBound,
    arenaRatio: plan.lowerBound > 0 ? plan.arenaSize / plan.lowerBound : 1,
    sizeRatio: weightBytes > 0 ? floatWeightBytes / weightBytes : 0,
    keptFloat,
    totalMacs: macs.reduce((s, m) => s + m.macs, 0),
    macs,
    inputs: io(graph, graph.inputs),
    outputs: io(graph, graph.outputs),
    quantization,
    compression: compression?.result,
    layers: compression?.layerReport(graph),
    storedWeightBytes: weightBytes,
    ramWeightBytes: expandedBytes,
    weightCompression,
    encodedWeights,
    ...(weightPlacement ? { weightPlacement } : {}),
    ...(activationBinarization ? { activationBinarization } : {}),
    ...(distillation ? { distillation } : {}),
  };
  return { graph, plan, blob, report };
}

/** The float weight-compression passes, in Deep Compression's order: prune, share (cluster), binarize. */
function compressWeights(graph: Graph, opts: ConvertOptions, preQuantized: boolean, filename: string): LayerCompression[] {
  const wanted = opts.pruneMagnitude !== undefined || opts.cluster !== undefined || opts.binarize !== undefined || opts.layerWeights !== undefined;
  if (!wanted) return [];
  if (preQuantized) {
    throw new ConvertError(`${filename} is already int8: pruning, clustering and binarizing work on float models`);
  }
  const out: LayerCompression[] = [];
  if (opts.pruneMagnitude !== undefined) out.push(...pruneMagnitude(graph, { ratio: opts.pruneMagnitude, scope: opts.pruneScope }));
  if (opts.cluster !== undefined) out.push(...clusterWeights(graph, { k: opts.cluster, perChannel: opts.clusterPerChannel }));
  if (opts.binarize !== undefined) out.push(...binarizeWeights(graph, { layers: opts.binarize }));
  // Per-layer choices (recipe "weights", the compression search) on layers the global flags left alone.
  if (opts.layerWeights !== undefined) out.push(...applyLayerWeights(graph, opts.layerWeights, opts.clusterPerChannel ?? true, opts.compensateBias ? opts.calibration : undefined));
  return out;
}

/** Stream encodings the emitter may pick from (the smallest wins per tensor). */
function weightEncodings(opts: ConvertOptions): WeightEncoding[] {
  if (opts.entropy !== undefined && opts.entropy !== 'huffman') {
    throw new ConvertError(`unknown entropy coder '${opts.entropy}' (use huffman)`);
  }
  const out: WeightEncoding[] = [];
  const lw = Object.values(opts.layerWeights ?? {});
  if (opts.cluster !== undefined || opts.binarize !== undefined || lw.some((c) => c.cluster !== undefined || c.levels !== undefined || c.binarize)) out.push('palette');
  // int8 binary weights: the 1-bit stream the direct kernels read (or that expands at load).
  if (opts.precision === 'int8' && (opts.binarize !== undefined || lw.some((c) => c.binarize))) out.push('binary');
  if (opts.pruneMagnitude !== undefined || lw.some((c) => (c.prune ?? 0) > 0)) out.push('sparse');
  if (opts.entropy === 'huffman') out.push('huffman');
  if (opts.entropy === 'huffman' && out.includes('palette')) out.push('palette-huffman');
  return out;
}

function describeEncodedWeights(blob: Uint8Array): { encodedWeights: ConvertReport['encodedWeights']; expandedBytes: number } {
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const meta = JSON.parse(new TextDecoder().decode(blob.subarray(dv.getUint32(F.H_META_OFFSET, true),
    dv.getUint32(F.H_META_OFFSET, true) + dv.getUint32(F.H_META_SIZE, true)))) as { tensors?: string[]; expandedWeightBytes?: number };
  const out: ConvertReport['encodedWeights'] = [];
  const weights = dv.getUint32(F.H_WEIGHTS_OFFSET, true);
  for (let id = 0; id < dv.getUint32(F.H_TENSOR_COUNT, true); id++) {
    const at = dv.getUint32(F.H_TENSOR_TABLE_OFFSET, true) + id * F.TENSOR_RECORD_SIZE;
    const storage = dv.getUint8(at + F.T_STORAGE);
    if (storage !== F.STORAGE_ENCODED && storage !== F.STORAGE_DIRECT) continue;
    const flags = dv.getUint8(at + F.T_FLAGS);
    const packed = storage === F.STORAGE_ENCODED && (flags & F.ENC_FLAG_PACK_W16) !== 0;
    const code = packed ? flags & ~F.ENC_FLAG_PACK_W16 : flags;
    out.push({
      ...(storage === F.STORAGE_DIRECT ? { direct: true } : {}),
      ...(packed ? { packedAtLoad: true } : {}),
      tensor: meta.tensors?.[id] ?? `t${id}`,
      encoding: ENCODING_NAME[code] ?? TABLE_ENCODING_NAME[code],
      streamBytes: dv.getUint32(weights + dv.getUint32(at + F.T_STREAM_OFFSET, true), true),
      decodedBytes: dv.getUint32(at + F.T_BYTE_SIZE, true),
    });
  }
  return { encodedWeights: out, expandedBytes: meta.expandedWeightBytes ?? 0 };
}
