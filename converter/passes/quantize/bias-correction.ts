// Bias correction (Nagel et al., "Data-Free Quantization", §4.2, empirical variant): int8 weights
// W_q = W + ΔW shift every output channel's expectation by E[ΔW·x] = ΔW·E[x]. With the per-channel
// input means from the calibration samples, that shift is subtracted from the float bias before
// quantization, so the int8 layer is unbiased on data like the calibration set.
//
// Runs on the float graph, before quantize(); it reproduces the quantizer's weight rounding
// (per-channel symmetric, scale = max|w|/127, round half away from zero, ±127) to know ΔW.
//   fully_connected  δ[n] = Σ_k ΔW[n,k]·μ[k]              (x read as rows of K)
//   conv2d           δ[o] = Σ_{kh,kw,c} ΔW[o,kh,kw,c]·μ[g·C/g + c] (μ over batch and positions;
//                    padding ignored; g = o's group)
//   depthwise_conv2d δ[j] = Σ_{kh,kw} ΔW[kh,kw,j]·μ[⌊j/M⌋]
//   transpose_conv2d δ[o] = Σ_{kh,kw,c} ΔW[o,kh,kw,c]·μ[g·C/g + c]·f[kh,kw]: an output pixel sees
//                    only the taps of its phase, and f is the share of output pixels tap (kh, kw)
//                    reaches (counted exactly, edges included), so δ is the shift's mean over them
import type { Graph, Node, TensorData } from '../../ir/graph.js';
import { runGraph } from '../../reference/interpreter.js';
import { checkSamples } from './calibrate.js';
import { roundHalfAway } from './multiplier.js';

export interface BiasCorrectionLayer {
  name: string;
  op: string;
  /** Largest |δ| subtracted from a channel's bias. */
  maxShift: number;
}

export interface BiasCorrectionReport {
  samples: number;
  layers: BiasCorrectionLayer[];
}

const OPS = new Set(['conv2d', 'depthwise_conv2d', 'fully_connected', 'transpose_conv2d']);

/** How many of `inSize` input rows tap k (offset k·d) sends inside an output of `outSize` rows. */
function rowsReached(inSize: number, outSize: number, stride: number, pad: number, offset: number): number {
  let n = 0;
  for (let i = 0; i < inSize; i++) {
    const o = i * stride - pad + offset;
    if (o >= 0 && o < outSize) n++;
  }
  return n;
}

/**
 * The expected shift ΔW·E[x] of each output channel of weighted node `n` (its mean over output
 * positions), for a weight change `dw` (laid out as the node's weights) and the per-channel means
 * `mu` of its input (the last axis).
 */
export function meanOutputShift(g: Graph, n: Node, dw: ArrayLike<number>, mu: ArrayLike<number>): Float64Array {
  const shape = g.tensor(n.inputs[1]).shape;
  if (n.op === 'depthwise_conv2d') {
    const channels = shape[shape.length - 1];
    const M = (n as Node<'depthwise_conv2d'>).attrs.depthMultiplier;
    const delta = new Float64Array(channels);
    for (let i = 0; i < dw.length; i++) delta[i % channels] += dw[i] * mu[Math.floor((i % channels) / M)];
    return delta;
  }
  const channels = shape[0];
  const delta = new Float64Array(channels);
  if (n.op === 'fully_connected') {
    const K = dw.length / channels;
    for (let o = 0; o < channels; o++) for (let k = 0; k < K; k++) delta[o] += dw[o * K + k] * mu[k];
    return delta;
  }
  // conv2d / transpose_conv2d: [O,KH,KW,C/group]; output channel o reads group ⌊o / (O/group)⌋.
  const [, kh, kw, cg] = shape;
  const og = channels / (mu.length / cg);
  const share = new Float64Array(kh * kw).fill(1);
  if (n.op === 'transpose_conv2d') {
    const a = (n as Node<'transpose_conv2d'>).attrs;
    const [, h, w] = g.tensor(n.inputs[0]).shape;
    const [oh, ow] = a.outputSize;
    const [dh, dwl] = a.dilations ?? [1, 1];
    for (let y = 0; y < kh; y++) {
      for (let x = 0; x < kw; x++) {
        share[y * kw + x] = (rowsReached(h, oh, a.strides[0], a.pads[0], y * dh) * rowsReached(w, ow, a.strides[1], a.pads[1], x * dwl)) / (oh * ow);
      }
    }
  }
  for (let o = 0; o < channels; o++) {
    const base = Math.floor(o / og) * cg;
    for (let t = 0; t < kh * kw; t++) {
      for (let c = 0; c < cg; c++) delta[o] += dw[(o * kh * kw + t) * cg + c] * mu[base + c] * share[t];
    }
  }
  return delta;
}

/** ΔW = dequant(quant(W)) − W for per-channel symmetric int8 along `axis`. */
export function weightQuantError(w: Float32Array, shape: number[], axis: number): Float64Array {
  const channels = shape[axis];
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  const amax = new Float64Array(channels);
  for (let i = 0; i < w.length; i++) {
    const c = Math.floor(i / inner) % channels;
    amax[c] = Math.max(amax[c], Math.abs(w[i]));
  }
  const scales = Array.from(amax, (m) => (m > 0 ? Math.fround(m / 127) : 1));
  const dw = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const c = Math.floor(i / inner) % channels;
    const q = Math.max(-127, Math.min(127, roundHalfAway(w[i] / scales[c])));
    dw[i] = q * scales[c] - w[i];
  }
  return dw;
}

/** Corrects the biases of every f32 conv2d / depthwise_conv2d / fully_connected / transpose_conv2d in place. */
export function biasCorrection(g: Graph, samples: TensorData[][]): BiasCorrectionReport {
  checkSamples(g, samples);
  const nodes = g.nodes.filter((n) => OPS.has(n.op) && g.isConstant(n.inputs[1]) && g.tensor(n.inputs[1]).dtype === 'f32' && !g.isConstant(n.inputs[0]));
  const watch = new Map<string, { sum: Float64Array; count: number }>();
  for (const n of nodes) {
    const shape = g.tensor(n.inputs[0]).shape;
    watch.set(n.inputs[0], { sum: new Float64Array(shape[shape.length - 1]), count: 0 });
  }
  samples.forEach((sample, s) => {
    try {
      runGraph(g, sample, {
        observe(name, value) {
          const acc = watch.get(name);
          if (!acc || !(value.data instanceof Float32Array)) return;
          const C = acc.sum.length;
          const d = value.data;
          for (let i = 0; i < d.length; i++) acc.sum[i % C] += d[i];
          acc.count += d.length / C;
        },
      });
    } catch (e) {
      throw new Error(`bias correction, sample ${s}: the float graph failed: ${(e as Error).message}`);
    }
  });
  const layers: BiasCorrectionLayer[] = [];
  for (const n of nodes) {
    const acc = watch.get(n.inputs[0])!;
    const mu = Array.from(acc.sum, (v) => v / Math.max(1, acc.count));
    const wt = g.tensor(n.inputs[1]);
    const shape = wt.shape;
    const axis = n.op === 'depthwise_conv2d' ? shape.length - 1 : 0;
    const dw = weightQuantError(wt.data as Float32Array, shape, axis);
    const channels = shape[axis];
    const delta = meanOutputShift(g, n, dw, mu);
    // A fresh bias tensor: the old one may be shared with another layer.
    const old = n.inputs[2] ? (g.tensor(n.inputs[2]).data as Float32Array) : new Float32Array(channels);
    const name = g.uniqueName(`${n.name}_bias_corrected`);
    g.addTensor({ name, dtype: 'f32', shape: [channels], data: Float32Array.from(old, (b, c) => b - delta[c]) });
    n.inputs[2] = name;
    layers.push({ name: n.name, op: n.op, maxShift: delta.reduce((m, v) => Math.max(m, Math.abs(v)), 0) });
  }
  g.removeUnusedTensors();
  return { samples: samples.length, layers };
}
