// Binary weights (XNOR-Net's BWN): W ≈ α·sign(W) with α = mean |W| per output channel, which
// minimises ||W − α·B||² for B ∈ {−1, +1}. Without retraining the accuracy loss can be large; the
// convert report carries each layer's SNR. Stored as a 1-bit palette (codebook {−α, +α} per
// channel) and decoded to int8/f32 at load: the int8 kernels run unchanged (1-bit × int8 and
// XNOR-popcount kernels are a later step).
import { ConvertError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { channelOf, snrDb, weightedLayers, type LayerCompression } from '../codec/weighted-layers.js';

export interface BinarizeOptions {
  /** Layer (node) names, or 'auto': every weighted layer except the first and the last. */
  layers: string[] | 'auto';
}

export function binarizeWeights(g: Graph, opts: BinarizeOptions): LayerCompression[] {
  const all = weightedLayers(g);
  let chosen = all;
  if (opts.layers === 'auto') {
    chosen = all.slice(1, -1);
  } else {
    const names = new Set(opts.layers);
    chosen = all.filter((l) => names.has(l.node.name));
    const missing = [...names].filter((n) => !all.some((l) => l.node.name === n));
    if (missing.length > 0) {
      throw new ConvertError(
        `--binarize: no conv/fully-connected layer named ${missing.map((n) => `'${n}'`).join(', ')} ` +
          `(layers: ${all.map((l) => l.node.name).join(', ')})`,
      );
    }
  }
  const report: LayerCompression[] = [];
  for (const layer of chosen) {
    const before = Float32Array.from(layer.data);
    const channels = layer.shape[layer.channelAxis];
    const ch = channelOf(layer.shape, layer.channelAxis);
    const sum = new Float64Array(channels), count = new Float64Array(channels);
    for (let i = 0; i < before.length; i++) { sum[ch(i)] += Math.abs(before[i]); count[ch(i)]++; }
    const alpha = Float32Array.from(sum, (s, c) => s / count[c]);
    for (let i = 0; i < before.length; i++) layer.data[i] = before[i] < 0 ? -alpha[ch(i)] : alpha[ch(i)];
    report.push({
      layer: layer.node.name,
      weights: layer.weights,
      method: 'binarize',
      elements: before.length,
      detail: { channels },
      snrDb: snrDb(before, layer.data),
    });
  }
  return report;
}
