// The compression steps of `convert()`, kept here so convert.ts only needs three hook lines:
//   withRecipe(opts)           merges a recipe into the options (explicit options win);
//   startCompression(...)      snapshots the float layers, prunes filters, factorises, and corrects
//                              biases (it needs the calibration samples) — all before quantization;
//   state.layerReport(graph)   the per-layer table after quantization and planning;
//   distillTeacher(...)        with `distill`, a copy of the float graph before any compression, the
//                              teacher compress/distill.ts refits the compressed layers against.
import type { WeightScales } from '../passes/quantize/quantize.js';
import { ConvertError } from '../errors.js';
import type { Graph, TensorData } from '../ir/graph.js';
import type { LowRankOptions } from '../passes/lowrank.js';
import type { PruneOptions } from '../passes/prune-filters.js';
import { biasCorrection, type BiasCorrectionReport } from '../passes/quantize/bias-correction.js';
import type { RangeMethod } from '../passes/quantize/ranges.js';
import { layerReport, snapshotLayers, type LayerReport } from '../report/layers.js';
import { compressGraph, type CompressionResult } from './apply.js';
import { cloneGraph } from '../ir/clone.js';
import type { LayerWeights } from './layer-weights.js';
import type { Recipe } from './recipe.js';

/** The options convert() takes that this module reads. */
export interface CompressionConvertOptions {
  precision: 'f32' | 'int8';
  calibration?: TensorData[][];
  calibrationMethod?: RangeMethod;
  percentile?: number;
  keepFloat?: string[];
  recipe?: Recipe;
  prune?: PruneOptions;
  lowrank?: LowRankOptions;
  biasCorrection?: boolean;
  /** Compute the per-layer report even without compression. */
  layerReport?: boolean;
  /** Per-layer weight storage (sparsity, cluster k, binary): recipe "weights.layers". */
  layerWeights?: LayerWeights;
  clusterPerChannel?: boolean;
  entropy?: 'huffman';
  /** 'compact': requantization tables stored as ENC_PACKED / ENC_REQUANT streams (recipe "weights.tables"). */
  tables?: 'raw' | 'compact';
  /** int8: per-channel weight scales rounded up to 'f24' or 'bf16' values (QuantizeOptions), so
   * compact tables store 3 or 2 bytes per channel for the multipliers (recipe "weights.scales"). */
  weightScales?: WeightScales;
  /** With layerWeights: fold each changed layer's expected output shift (ΔW·E[x], calibration means) into its bias. */
  compensateBias?: boolean;
  /** Refit each compressed layer's free parameters to the float model's outputs on the calibration
   * samples (layer-wise distillation, compress/distill.ts; recipe "distill"). */
  distill?: boolean;
}

export function withRecipe<T extends CompressionConvertOptions>(opts: T): T {
  const r = opts.recipe;
  if (!r) return opts;
  return {
    ...opts,
    prune: opts.prune ?? r.prune,
    lowrank: opts.lowrank ?? r.lowrank,
    calibrationMethod: opts.calibrationMethod ?? r.calibration?.method,
    percentile: opts.percentile ?? r.calibration?.percentile,
    biasCorrection: opts.biasCorrection ?? r.calibration?.biasCorrection,
    keepFloat: opts.keepFloat ?? r.keepFloat,
    layerWeights: opts.layerWeights ?? r.weights?.layers,
    clusterPerChannel: opts.clusterPerChannel ?? r.weights?.clusterPerChannel,
    entropy: opts.entropy ?? r.weights?.entropy,
    tables: opts.tables ?? r.weights?.tables,
    weightScales: opts.weightScales ?? r.weights?.scales,
    compensateBias: opts.compensateBias ?? r.weights?.compensateBias,
    distill: opts.distill ?? r.distill,
  };
}

export interface CompressionState {
  result: CompressionResult;
  biasCorrection?: BiasCorrectionReport;
  layerReport(final: Graph): LayerReport;
}

/** Undefined when nothing was asked for. */
export function startCompression(graph: Graph, opts: CompressionConvertOptions, preQuantized: boolean, filename: string): CompressionState | undefined {
  const wanted = opts.prune !== undefined || opts.lowrank !== undefined || opts.biasCorrection === true;
  if (!wanted && !opts.layerReport) return undefined;
  if (preQuantized && wanted) throw new ConvertError(`${filename} is already int8: filter pruning, low-rank and bias correction work on float models`);
  const snapshot = snapshotLayers(graph);
  // On request, pruned channels are replaced by their calibration means (folded into the readers'
  // biases); 32 samples are plenty for means. Measured on mnist-8 it helps at 25 % and hurts at 50 %
  // (conv readers' borders), so it is not the default.
  if (opts.prune?.meanCompensation && !opts.calibration?.length) throw new ConvertError('prune meanCompensation needs calibration samples');
  const prune = opts.prune && { ...opts.prune, samples: opts.prune.samples ?? (opts.prune.meanCompensation ? opts.calibration?.slice(0, 32) : undefined) };
  const result = compressGraph(graph, { prune, lowrank: opts.lowrank });
  let bc: BiasCorrectionReport | undefined;
  if (opts.biasCorrection) {
    if (opts.precision !== 'int8' || !opts.calibration?.length) throw new ConvertError('bias correction needs an int8 conversion with calibration samples');
    bc = biasCorrection(graph, opts.calibration);
  }
  return { result, biasCorrection: bc, layerReport: (final) => layerReport(snapshot, final, result) };
}

/** The teacher for distillation (a copy of the float graph before compression), when asked for. */
export function distillTeacher(graph: Graph, opts: CompressionConvertOptions, preQuantized: boolean, filename: string): Graph | undefined {
  if (!opts.distill) return undefined;
  if (preQuantized) throw new ConvertError(`${filename} is already int8: distillation refits the compressed layers of a float model`);
  if (!opts.calibration?.length) throw new ConvertError('distillation needs calibration samples (the teacher\'s outputs are matched on them)');
  return cloneGraph(graph);
}
