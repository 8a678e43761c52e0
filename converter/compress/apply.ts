// Runs the graph-changing compression methods on a float graph, in the order that composes:
// filter pruning first (it shrinks layers, including the inputs of the next ones), then low-rank
// factorisation of what is left. Quantization (and its calibration choices) comes after, in convert.
import type { Graph } from '../ir/graph.js';
import { lowRank, type LowRankOptions, type LowRankReport } from '../passes/lowrank.js';
import { pruneFilters, type PruneOptions, type PruneReport } from '../passes/prune-filters.js';

export interface CompressionOptions {
  prune?: PruneOptions;
  lowrank?: LowRankOptions;
}

export interface CompressionResult {
  prune?: PruneReport;
  lowrank?: LowRankReport;
}

export function compressGraph(g: Graph, opts: CompressionOptions): CompressionResult {
  const result: CompressionResult = {};
  if (opts.prune) result.prune = pruneFilters(g, opts.prune);
  if (opts.lowrank) result.lowrank = lowRank(g, opts.lowrank);
  return result;
}
