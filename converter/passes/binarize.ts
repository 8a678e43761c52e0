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

// ---- Binarized activations (XNOR-Net's input binarization, after int8 PTQ) -----------------------
//
// For a chosen int8 conv2d / fully_connected layer with binary weights, its input x (s8, scale s_x,
// zero point z) is replaced by y = binarize(x) = x_q >= θ_q ? +1 : −1, which stands for the real
// value x̂ = c + β·y. θ_q, c and β are the 1-bit Lloyd–Max quantizer of x's calibration histogram:
// for every threshold the two sides' means m_lo, m_hi give c = (m_hi + m_lo)/2, β = (m_hi − m_lo)/2,
// and the threshold with the smallest squared error wins. The layer then computes
//   Σ x·w ≈ c·Σw + β·Σ y·w,
// so its bias absorbs c·Σ_k w_ck and its requantization scale becomes β·s_w/s_out: the integer
// accumulator is bias' + Σ y·w_q, which the XNOR-popcount kernels compute exactly. Approximation
// beyond the binarization itself: a padded conv tap is a real 0, but the bias counts it as c.
import { quantizeMultiplier } from './quantize/multiplier.js';
import { runGraph } from '../reference/interpreter.js';
import type { Node, TensorData } from '../ir/graph.js';
import { encodeBinaryWeights } from '../codec/binary-weights.js';

export interface ActivationBinarization {
  layer: string;
  /** The layer's original input and the new sign tensor. */
  input: string;
  output: string;
  /** Threshold in the input's quantized units (y = x_q >= threshold ? +1 : −1). */
  threshold: number;
  /** Real value of the ±1 midpoint and magnitude: x̂ = center + beta·y. */
  center: number;
  beta: number;
  /** Squared reconstruction error relative to the input's variance (calibration data). */
  relativeError: number;
}

/** Quantizes a float calibration sample for an s8 graph input (or passes it through). */
function graphInputValue(g: Graph, name: string, v: TensorData): TensorData {
  const t = g.tensor(name);
  if (t.dtype !== 's8' || !(v instanceof Float32Array)) return v;
  const { scale, zeroPoint } = t.quant!;
  return Int8Array.from(v, (x) => Math.max(-128, Math.min(127, Math.round(x / scale[0]) + zeroPoint[0])));
}

export function binarizeActivations(g: Graph, layers: string[], calibration: TensorData[][]): ActivationBinarization[] {
  const nodes: Node[] = layers.map((name) => {
    const node = g.nodes.find((n) => n.name === name);
    const choices = () => g.nodes.filter((n) => n.op === 'conv2d' || n.op === 'fully_connected').map((n) => n.name).join(', ');
    if (!node || (node.op !== 'conv2d' && node.op !== 'fully_connected')) {
      throw new ConvertError(`--binarize-activations: no conv2d/fully_connected layer named '${name}' (layers: ${choices()})`);
    }
    const w = g.tensor(node.inputs[1]);
    if (!node.int8 || g.tensor(node.inputs[0]).dtype !== 's8' || w.dtype !== 's8' || node.inputs.length < 5) {
      throw new ConvertError(`--binarize-activations: layer '${name}' is not an int8 layer`);
    }
    if ((node.attrs as { group?: number }).group !== undefined && (node.attrs as { group: number }).group !== 1) {
      throw new ConvertError(`--binarize-activations: layer '${name}' is grouped; the XNOR kernels need group 1`);
    }
    if (!encodeBinaryWeights(w.data as Int8Array, w.shape)) {
      throw new ConvertError(`--binarize-activations: layer '${name}' needs binary weights (give it to --binarize too)`);
    }
    return node;
  });
  // Histograms of the chosen layers' int8 inputs over the calibration samples.
  const hist = new Map<string, Float64Array>(nodes.map((n) => [n.inputs[0], new Float64Array(256)]));
  for (const sample of calibration) {
    const inputs = g.inputs.map((name, i) => graphInputValue(g, name, sample[i]));
    runGraph(g, inputs, {
      observe: (name, value) => {
        const h = hist.get(name);
        if (h) for (const v of value.data as Int8Array) h[v + 128]++;
      },
    });
  }
  const out: ActivationBinarization[] = [];
  for (const node of nodes) {
    const xName = node.inputs[0];
    const x = g.tensor(xName);
    const sx = x.quant!.scale[0], zx = x.quant!.zeroPoint[0];
    const h = hist.get(xName)!;
    // Prefix sums of count, Σq and Σq² over the histogram: each threshold's error in O(1).
    const n = new Float64Array(257), s1 = new Float64Array(257), s2 = new Float64Array(257);
    for (let i = 0; i < 256; i++) {
      const q = i - 128;
      n[i + 1] = n[i] + h[i];
      s1[i + 1] = s1[i] + h[i] * q;
      s2[i + 1] = s2[i] + h[i] * q * q;
    }
    const total = n[256];
    const variance = total > 0 ? s2[256] / total - (s1[256] / total) ** 2 : 0;
    let best = { t: zx + 1, err: Infinity, lo: zx, hi: zx + 1 };
    for (let i = 1; i < 256; i++) {
      // threshold q_t = i - 128: below = bins [0, i), above = [i, 256).
      const nl = n[i], nh = total - n[i];
      if (nl === 0 || nh === 0) continue;
      const ml = s1[i] / nl, mh = (s1[256] - s1[i]) / nh;
      const err = (s2[i] - nl * ml * ml) + (s2[256] - s2[i] - nh * mh * mh);
      if (err < best.err) best = { t: i - 128, err, lo: ml, hi: mh };
    }
    if (!Number.isFinite(best.err)) {
      throw new ConvertError(`--binarize-activations: layer '${node.name}': its input took a single value on the calibration data; nothing to binarize`);
    }
    const center = sx * ((best.hi + best.lo) / 2 - zx);
    const beta = sx * (best.hi - best.lo) / 2;
    // The layer: y (sign8, scale beta) instead of x; bias' = (bias·s_x + center·Σw)/beta; M' = beta·s_w/s_out.
    const w = g.tensor(node.inputs[1]);
    const wd = w.data as Int8Array;
    const channels = w.shape[0], k = wd.length / channels;
    const biasOld = node.inputs[2] ? (g.tensor(node.inputs[2]).data as Int32Array) : undefined;
    const wScale = w.quant!.scale;
    const outScale = g.tensor(node.outputs[0]).quant!.scale[0];
    const bias = new Int32Array(channels), mult = new Int32Array(channels), shift = new Int32Array(channels);
    for (let c = 0; c < channels; c++) {
      let sumW = 0;
      for (let i = 0; i < k; i++) sumW += wd[c * k + i];
      const b = ((biasOld ? biasOld[c] : 0) * sx + center * sumW) / beta;
      bias[c] = Math.max(-2147483648, Math.min(2147483647, Math.round(b)));
      const m = quantizeMultiplier((beta * (wScale.length === 1 ? wScale[0] : wScale[c])) / outScale);
      mult[c] = m.multiplier;
      shift[c] = m.shift;
    }
    const yName = g.uniqueName(`${xName}_sign`);
    g.addTensor({ name: yName, dtype: 's8', shape: [...x.shape], quant: { scale: [beta], zeroPoint: [0] } });
    const add = (base: string, data: Int32Array) => {
      const name = g.uniqueName(`${node.name}_${base}`);
      g.addTensor({ name, dtype: 's32', shape: [channels], data });
      return name;
    };
    node.inputs = [yName, node.inputs[1], add('xnor_bias', bias), add('xnor_mult', mult), add('xnor_shift', shift)];
    const at = g.nodes.indexOf(node);
    g.nodes.splice(at, 0, { op: 'binarize', name: g.uniqueName(`${node.name}_binarize`), inputs: [xName], outputs: [yName], attrs: { threshold: best.t }, int8: {} } as Node);
    out.push({ layer: node.name, input: xName, output: yName, threshold: best.t, center, beta, relativeError: variance > 0 ? best.err / total / variance : 0 });
  }
  return out;
}
