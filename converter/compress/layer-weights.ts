// Per-layer weight storage choices — what the compression search varies and what a recipe's
// "weights" section records: magnitude sparsity, clustering k (palette bits) and binary weights,
// each per layer. Applied in Deep Compression's order (prune, then share, then binarize) by the
// same passes the global flags use, so a per-layer recipe and a global flag give identical bytes.
import { ConvertError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { binarizeWeights } from '../passes/binarize.js';
import { clusterWeights } from '../passes/cluster.js';
import { pruneMagnitude } from '../passes/prune-magnitude.js';
import { weightedLayers, type LayerCompression } from '../codec/weighted-layers.js';

export interface LayerWeightChoice {
  /** Fraction of the layer's weights zeroed by magnitude, in [0, 1). */
  prune?: number;
  /** k-means centroids (2..16); absent = plain int8 (256 levels). */
  cluster?: number;
  /** sign(W)·α per output channel (overrides cluster). */
  binarize?: boolean;
}

export type LayerWeights = Record<string, LayerWeightChoice>;

/** Bits per stored index for a cluster count (the palette's index width). */
export const clusterBits = (k: number | undefined) => (k === undefined ? 8 : Math.ceil(Math.log2(k)));

export function applyLayerWeights(g: Graph, spec: LayerWeights, perChannel = true): LayerCompression[] {
  const all = weightedLayers(g);
  const names = all.map((l) => l.node.name);
  for (const name of Object.keys(spec)) {
    if (!names.includes(name)) throw new ConvertError(`weights.layers: no conv/fully-connected layer named '${name}' (layers: ${names.join(', ')})`);
  }
  const out: LayerCompression[] = [];
  const pruned = Object.fromEntries(Object.entries(spec).filter(([, c]) => c.prune !== undefined && c.prune > 0).map(([n, c]) => [n, c.prune!]));
  if (Object.keys(pruned).length > 0) out.push(...pruneMagnitude(g, { ratio: 0, layers: pruned }));
  // One clustering pass per distinct k, every other layer skipped: the pass's own k-means and seed.
  const byK = new Map<number, string[]>();
  for (const [n, c] of Object.entries(spec)) if (c.cluster !== undefined && !c.binarize) byK.set(c.cluster, [...(byK.get(c.cluster) ?? []), n]);
  for (const [k, layers] of byK) out.push(...clusterWeights(g, { k, perChannel, skip: names.filter((n) => !layers.includes(n)) }));
  const binary = Object.entries(spec).filter(([, c]) => c.binarize).map(([n]) => n);
  if (binary.length > 0) out.push(...binarizeWeights(g, { layers: binary }));
  return out;
}
