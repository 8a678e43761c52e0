// Weight sharing by k-means (Deep Compression): each layer's float weights are replaced by the
// nearest of k centroids (k <= 16 → 4-bit indices). Per layer, k-means++ seeded, Lloyd iterations.
// The int8 quantizer then maps the centroids per output channel, so each channel holds at most k
// distinct int8 values and the emitter stores them as a palette stream (codebook + packed indices).
import { ConvertError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { kmeans1d } from '../codec/kmeans.js';
import { snrDb, weightedLayers, type LayerCompression } from '../codec/weighted-layers.js';

export interface ClusterOptions {
  k: number;
  seed?: number;
  maxIterations?: number;
  /** Layer (node) names to leave alone. */
  skip?: string[];
}

export function clusterWeights(g: Graph, opts: ClusterOptions): LayerCompression[] {
  if (!Number.isInteger(opts.k) || opts.k < 2 || opts.k > 16) {
    throw new ConvertError(`--cluster: k must be an integer in 2..16 (4-bit indices at most), got ${opts.k}`);
  }
  const report: LayerCompression[] = [];
  for (const layer of weightedLayers(g)) {
    if (opts.skip?.includes(layer.node.name)) continue;
    const before = Float32Array.from(layer.data);
    // Pruned weights (exact zeros) stay zero, as in Deep Compression: the other values share k − 1
    // centroids, so the layer still has at most k distinct values.
    const hasZeros = before.some((v) => v === 0);
    const values = hasZeros ? before.filter((v) => v !== 0) : before;
    const { centroids, assignments, iterations } = kmeans1d(values, hasZeros ? opts.k - 1 : opts.k, {
      seed: opts.seed ?? 1,
      maxIterations: opts.maxIterations ?? 60,
    });
    for (let i = 0, j = 0; i < before.length; i++) {
      if (hasZeros && before[i] === 0) continue;
      layer.data[i] = centroids[assignments[j++]];
    }
    report.push({
      layer: layer.node.name,
      weights: layer.weights,
      method: 'cluster',
      elements: before.length,
      detail: { k: opts.k, centroids: centroids.length, iterations },
      snrDb: snrDb(before, layer.data),
    });
  }
  return report;
}
