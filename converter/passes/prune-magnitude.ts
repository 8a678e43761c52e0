// Unstructured magnitude pruning: the `ratio` smallest |w| of each layer (or of all layers at once
// with scope 'global') become exactly 0. The zeros survive int8 quantization (symmetric, zero point
// 0), and the emitter stores the weights sparse (relative indices) or Huffman-coded.
import { ConvertError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { snrDb, weightedLayers, type LayerCompression } from '../codec/weighted-layers.js';

export interface PruneOptions {
  ratio: number;
  scope?: 'layer' | 'global';
  /** Per-layer ratios (scope 'layer' only): when given, only these layers are pruned, each at its own ratio. */
  layers?: Record<string, number>;
}

/** The magnitude below which `ratio` of the values fall (the k-th smallest |v|, k = floor(ratio·n)). */
function threshold(mags: Float32Array, ratio: number): { t: number; k: number } {
  const k = Math.floor(ratio * mags.length);
  const sorted = Float32Array.from(mags).sort();
  return { t: k > 0 ? sorted[k - 1] : -1, k };
}

export function pruneMagnitude(g: Graph, opts: PruneOptions): LayerCompression[] {
  if (!(opts.ratio >= 0 && opts.ratio < 1)) {
    throw new ConvertError(`--prune-magnitude: the ratio must be in [0, 1), got ${opts.ratio}`);
  }
  const layers = opts.layers ? weightedLayers(g).filter((l) => opts.layers![l.node.name] !== undefined) : weightedLayers(g);
  const globalT = opts.scope === 'global'
    ? threshold(Float32Array.from(layers.flatMap((l) => Array.from(l.data, Math.abs))), opts.ratio)
    : undefined;
  const report: LayerCompression[] = [];
  for (const layer of layers) {
    const before = Float32Array.from(layer.data);
    const mags = Float32Array.from(before, Math.abs);
    const { t, k } = globalT ?? threshold(mags, opts.layers?.[layer.node.name] ?? opts.ratio);
    // Exactly k zeros per layer (ties at the threshold broken by position), or per model when global.
    let budget = globalT ? Infinity : k;
    let zeroed = 0;
    for (let i = 0; i < before.length && budget > 0; i++) {
      if (mags[i] < t) { layer.data[i] = 0; zeroed++; budget--; }
    }
    for (let i = 0; i < before.length && budget > 0; i++) {
      if (mags[i] === t && layer.data[i] !== 0) { layer.data[i] = 0; zeroed++; budget--; }
    }
    report.push({
      layer: layer.node.name,
      weights: layer.weights,
      method: 'prune-magnitude',
      elements: before.length,
      detail: { zeroed, ratio: zeroed / before.length },
      snrDb: snrDb(before, layer.data),
    });
  }
  return report;
}
