// Per-layer int8 codebooks ("levels"): after int8 quantization a layer's weights, already scaled
// per output channel, are k-means-clustered as integers across all its channels, so the whole
// layer holds at most k distinct int8 values and the emitter stores one k-entry palette for it
// (16 codebook bytes and 4-bit indices) instead of a codebook per channel. The per-channel scales
// stay as quantized. Depthwise layers have 9 weights per channel, where a per-channel palette
// cannot pay for its codebook; a per-layer one can.
import { ConvertError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { kmeans1d } from '../codec/kmeans.js';
import { WEIGHTED_OPS, type LayerCompression } from '../codec/weighted-layers.js';
import type { LayerWeights } from './layer-weights.js';

/** Applies `levels` of each listed layer to its s8 weights (in place); returns one report row per layer. */
export function shareInt8Levels(g: Graph, spec: LayerWeights, seed = 1): LayerCompression[] {
  const wanted = Object.entries(spec).filter(([, c]) => c.levels !== undefined);
  const out: LayerCompression[] = [];
  const done = new Set<string>();
  for (const [name, choice] of wanted) {
    const node = g.nodes.find((n) => n.name === name && WEIGHTED_OPS.has(n.op));
    const t = node ? g.tensors.get(node.inputs[1]) : undefined;
    if (!node || !t || t.dtype !== 's8' || !(t.data instanceof Int8Array)) {
      throw new ConvertError(`weights.layers.${name}.levels: '${name}' has no int8 weights after quantization (levels need an int8 conversion of a float model)`);
    }
    if (done.has(t.name)) continue;
    done.add(t.name);
    const k = choice.levels!;
    const before = Int8Array.from(t.data);
    // Exact zeros (pruned weights) stay zero; the others share k - 1 levels then, as in cluster.ts.
    const hasZeros = before.some((v) => v === 0) && (choice.prune ?? 0) > 0;
    const values = hasZeros ? before.filter((v) => v !== 0) : before;
    const { centroids } = kmeans1d(values, hasZeros ? k - 1 : k, { seed, maxIterations: 100 });
    const levels = [...new Set(Array.from(centroids, (c) => Math.max(-127, Math.min(127, Math.round(c)))))].sort((a, b) => a - b);
    const nearest = (v: number) => levels.reduce((best, l) => (Math.abs(l - v) < Math.abs(best - v) ? l : best), levels[0]);
    const data = Int8Array.from(before, (v) => (hasZeros && v === 0 ? 0 : nearest(v)));
    t.data = data;
    let se = 0, ss = 0;
    for (let i = 0; i < data.length; i++) { se += (data[i] - before[i]) ** 2; ss += before[i] ** 2; }
    out.push({
      layer: name, weights: t.name, method: 'cluster', elements: data.length,
      detail: { k, centroids: levels.length + (hasZeros ? 1 : 0), perLayerInt8: 1 },
      // SNR of the int8 values (the per-channel scales are unchanged).
      snrDb: se === 0 ? Infinity : 10 * Math.log10(ss / se),
    });
  }
  return out;
}
