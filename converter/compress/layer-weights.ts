// Per-layer weight storage choices — what the compression search varies and what a recipe's
// "weights" section records: magnitude sparsity, clustering k (palette bits) and binary weights,
// each per layer. Applied in Deep Compression's order (prune, then share, then binarize) by the
// same passes the global flags use, so a per-layer recipe and a global flag give identical bytes.
import { ConvertError } from '../errors.js';
import type { Graph, Node, TensorData } from '../ir/graph.js';
import { runGraph } from '../reference/interpreter.js';
import { binarizeWeights } from '../passes/binarize.js';
import { clusterWeights } from '../passes/cluster.js';
import { pruneMagnitude } from '../passes/prune-magnitude.js';
import { weightedLayers, type LayerCompression } from '../codec/weighted-layers.js';
import { meanOutputShift } from '../passes/quantize/bias-correction.js';

export interface LayerWeightChoice {
  /** Fraction of the layer's weights zeroed by magnitude, in [0, 1). */
  prune?: number;
  /** k-means centroids (2..16); absent = plain int8 (256 levels). */
  cluster?: number;
  /** sign(W)·α per output channel (overrides cluster). */
  binarize?: boolean;
  /** int8 only: after quantization, at most this many int8 values (2..16) for the whole layer,
   * one palette shared by every channel (compress/shared-levels.ts). */
  levels?: number;
}

export type LayerWeights = Record<string, LayerWeightChoice>;

/** Bits per stored index for a cluster count (the palette's index width). */
export const clusterBits = (k: number | undefined) => (k === undefined ? 8 : Math.ceil(Math.log2(k)));

/**
 * With `samples` (calibration inputs), the expected output shift each changed layer's weight error
 * causes, ΔW·E[x], is subtracted from its bias (the empirical bias correction of Nagel et al.,
 * applied to the pruning/clustering error instead of int8 rounding).
 */
export function applyLayerWeights(g: Graph, spec: LayerWeights, perChannel = true, samples?: TensorData[][]): LayerCompression[] {
  const all = weightedLayers(g);
  const names = all.map((l) => l.node.name);
  for (const name of Object.keys(spec)) {
    if (!names.includes(name)) throw new ConvertError(`weights.layers: no conv/fully-connected layer named '${name}' (layers: ${names.join(', ')})`);
  }
  const changed = all.filter((l) => spec[l.node.name] && ((spec[l.node.name].prune ?? 0) > 0 || spec[l.node.name].cluster !== undefined || spec[l.node.name].binarize));
  const before = new Map(changed.map((l) => [l.node.name, Float32Array.from(l.data)]));
  const means = samples?.length ? inputMeans(g, changed.map((l) => l.node), samples) : undefined;
  const out = applyChoices(g, spec, names, perChannel);
  if (means) {
    for (const l of changed) correctBias(g, l.node, l.shape, before.get(l.node.name)!, l.data, means.get(l.node.inputs[0])!);
    g.removeUnusedTensors();
  }
  return out;
}

/** Per-channel (last axis) means of each node's input over the samples, on the float graph. */
function inputMeans(g: Graph, nodes: Node[], samples: TensorData[][]): Map<string, Float64Array> {
  const acc = new Map<string, { sum: Float64Array; count: number }>();
  for (const n of nodes) {
    const shape = g.tensor(n.inputs[0]).shape;
    acc.set(n.inputs[0], { sum: new Float64Array(shape[shape.length - 1]), count: 0 });
  }
  for (const sample of samples) {
    runGraph(g, sample, {
      observe(name, value) {
        const a = acc.get(name);
        if (!a || !(value.data instanceof Float32Array)) return;
        const C = a.sum.length;
        for (let i = 0; i < value.data.length; i++) a.sum[i % C] += value.data[i];
        a.count += value.data.length / C;
      },
    });
  }
  return new Map([...acc].map(([k, a]) => [k, a.sum.map((v) => v / Math.max(1, a.count))]));
}

function correctBias(g: Graph, n: Node, shape: number[], was: Float32Array, now: Float32Array, mu: Float64Array) {
  const channels = shape[n.op === 'depthwise_conv2d' ? shape.length - 1 : 0];
  const delta = meanOutputShift(g, n, Float64Array.from(now, (v, i) => v - was[i]), mu);
  // A fresh bias tensor: the old one may be shared with another layer.
  const old = n.inputs[2] ? (g.tensor(n.inputs[2]).data as Float32Array) : new Float32Array(channels);
  const name = g.uniqueName(`${n.name}_bias_compensated`);
  g.addTensor({ name, dtype: 'f32', shape: [channels], data: Float32Array.from(old, (b, c) => b - delta[c]) });
  n.inputs[2] = name;
}

function applyChoices(g: Graph, spec: LayerWeights, names: string[], perChannel: boolean): LayerCompression[] {
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
