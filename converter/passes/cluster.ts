// Weight sharing by k-means (Deep Compression): each layer's float weights are replaced by the
// nearest of k centroids (k <= 16 → 4-bit indices). Per layer, k-means++ seeded, Lloyd iterations.
// The int8 quantizer then maps the centroids per output channel, so each channel holds at most k
// distinct int8 values and the emitter stores them as a palette stream (codebook + packed indices).
import { ConvertError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { kmeans1d } from '../codec/kmeans.js';
import { channelOf, snrDb, weightedLayers, type LayerCompression } from '../codec/weighted-layers.js';

/** Replaces `values` (in place) by their k-means centroids; exact zeros (pruned) stay zero. */
function shareValues(values: Float32Array, k: number, seed: number, maxIterations: number): { centroids: number; iterations: number } {
  // Pruned weights (exact zeros) stay zero, as in Deep Compression: the other values share k − 1
  // centroids, so there are still at most k distinct values.
  const hasZeros = values.some((v) => v === 0);
  const nonzero = hasZeros ? values.filter((v) => v !== 0) : values;
  const { centroids, assignments, iterations } = kmeans1d(nonzero, hasZeros ? k - 1 : k, { seed, maxIterations });
  for (let i = 0, j = 0; i < values.length; i++) {
    if (hasZeros && values[i] === 0) continue;
    values[i] = centroids[assignments[j++]];
  }
  return { centroids: centroids.length + (hasZeros ? 1 : 0), iterations };
}

export interface ClusterOptions {
  k: number;
  seed?: number;
  maxIterations?: number;
  /** Layer (node) names to leave alone. */
  skip?: string[];
  /** One k-means per output channel instead of per layer (k values per channel; more accurate,
   * same 4-bit indices, since int8 stores a codebook per channel anyway). */
  perChannel?: boolean;
}

export function clusterWeights(g: Graph, opts: ClusterOptions): LayerCompression[] {
  if (!Number.isInteger(opts.k) || opts.k < 2 || opts.k > 16) {
    throw new ConvertError(`--cluster: k must be an integer in 2..16 (4-bit indices at most), got ${opts.k}`);
  }
  const report: LayerCompression[] = [];
  for (const layer of weightedLayers(g)) {
    if (opts.skip?.includes(layer.node.name)) continue;
    const before = Float32Array.from(layer.data);
    const seed = opts.seed ?? 1, maxIt = opts.maxIterations ?? 60;
    let centroids = 0, iterations = 0;
    if (opts.perChannel) {
      const channels = layer.shape[layer.channelAxis];
      const ch = channelOf(layer.shape, layer.channelAxis);
      const members: number[][] = Array.from({ length: channels }, () => []);
      for (let i = 0; i < before.length; i++) members[ch(i)].push(i);
      for (const idx of members) {
        const v = Float32Array.from(idx, (i) => before[i]);
        const r = shareValues(v, opts.k, seed, maxIt);
        idx.forEach((i, j) => (layer.data[i] = v[j]));
        centroids = Math.max(centroids, r.centroids);
        iterations = Math.max(iterations, r.iterations);
      }
    } else {
      ({ centroids, iterations } = shareValues(layer.data, opts.k, seed, maxIt));
    }
    report.push({
      layer: layer.node.name,
      weights: layer.weights,
      method: 'cluster',
      elements: before.length,
      detail: { k: opts.k, centroids, iterations, perChannel: opts.perChannel ? 1 : 0 },
      snrDb: snrDb(before, layer.data),
    });
  }
  return report;
}
