// The layers the weight-compression passes act on: conv2d, depthwise_conv2d, fully_connected and
// transpose_conv2d nodes whose weights (input 1) are a float32 constant, in graph (topological)
// order, with the axis of their output channels (the axis the int8 quantizer gives per-channel
// scales).
import type { Graph, Node } from '../ir/graph.js';

export interface WeightedLayer {
  node: Node;
  /** Name of the weights constant (shared constants are listed once, at their first user). */
  weights: string;
  data: Float32Array;
  shape: number[];
  /** Output-channel axis: 0 for conv2d / transpose_conv2d / fully_connected ([O,...] / [N,K]), last for depthwise. */
  channelAxis: number;
}

/** The ops whose weights (input 1) the compression passes change. */
export const WEIGHTED_OPS: ReadonlySet<string> = new Set(['conv2d', 'depthwise_conv2d', 'fully_connected', 'transpose_conv2d']);

export function weightedLayers(g: Graph): WeightedLayer[] {
  const seen = new Set<string>();
  const out: WeightedLayer[] = [];
  for (const node of g.nodes) {
    if (!WEIGHTED_OPS.has(node.op)) continue;
    const w = node.inputs[1];
    const t = w !== undefined ? g.tensors.get(w) : undefined;
    if (!t || !(t.data instanceof Float32Array) || seen.has(w)) continue;
    seen.add(w);
    out.push({
      node,
      weights: w,
      data: t.data,
      shape: t.shape,
      channelAxis: node.op === 'depthwise_conv2d' ? t.shape.length - 1 : 0,
    });
  }
  return out;
}

/** Channel of element i along `axis` of a row-major tensor. */
export function channelOf(shape: number[], axis: number): (i: number) => number {
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channels = shape[axis];
  return (i) => Math.floor(i / inner) % channels;
}

/** Signal-to-noise ratio (dB) of an approximation of `ref`; Infinity when exact. */
export function snrDb(ref: ArrayLike<number>, approx: ArrayLike<number>): number {
  let s = 0, e = 0;
  for (let i = 0; i < ref.length; i++) {
    s += ref[i] * ref[i];
    e += (ref[i] - approx[i]) ** 2;
  }
  return e === 0 ? Infinity : 10 * Math.log10(s / e);
}

/** Per-layer result of a compression pass, for the convert report. */
export interface LayerCompression {
  layer: string;
  weights: string;
  method: 'cluster' | 'binarize' | 'prune-magnitude';
  elements: number;
  /** cluster: centroids kept; binarize: 2 per channel; prune: elements zeroed. */
  detail: Record<string, number>;
  snrDb: number;
}
