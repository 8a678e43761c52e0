// The weight-compression passes on transposed convolutions (transpose_conv2d weights
// [O,KH,KW,C/group], output channels on axis 0): k-means clustering per layer and per output
// channel, magnitude pruning, per-layer int8 levels, binary weights, and bias correction (int8
// rounding and the compression error). A small decoder (Conv → ConvTranspose s2 → Relu → depthwise
// ConvTranspose, dilated → Conv 1x1) converted with each: the weights take the form the pass
// promises, and the blob gives the reference interpreter's bytes (run on the converted graph) on
// both builds. The bias shift of a transposed conv is checked against the float reference kernel:
// the mean over output pixels of the layer run with ΔW on a constant input of the channel means.
import { beforeAll, describe, expect, it } from 'vitest';
import { convert, type ConvertOptions } from '../converter/convert.js';
import { encodeOnnxModel, type OnnxInitializer } from '../converter/demo/onnx-build.js';
import { Graph, type Node, type TensorData, numel } from '../converter/ir/graph.js';
import { inferShapes } from '../converter/ir/shapes.js';
import { importModel } from '../converter/source.js';
import { optimize } from '../converter/passes/index.js';
import { clusterWeights } from '../converter/passes/cluster.js';
import { pruneMagnitude } from '../converter/passes/prune-magnitude.js';
import { weightedLayers } from '../converter/codec/weighted-layers.js';
import { biasCorrection, meanOutputShift } from '../converter/passes/quantize/bias-correction.js';
import { quantize } from '../converter/passes/quantize/index.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { forEachTransposeTap } from '../converter/reference/float/transpose-conv2d.js';
import { nodeMacs } from '../converter/macs.js';
import { BUILDS, ensureWasmBuilt, rng, runBlob } from './runtime-harness.js';

const floats = (r: () => number, n: number, scale: number) => Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);

/** x [1,3,6,5] → Conv 3x3 (6) → ConvTranspose k4 s2 p1 (8) → Relu → depthwise ConvTranspose k3 dil 2 (group 8) → Conv 1x1 (3). */
function decoder(seed: number): Uint8Array {
  const r = rng(seed);
  const inits: OnnxInitializer[] = [
    { name: 'w1', dims: [6, 3, 3, 3], data: floats(r, 162, 0.4) },
    { name: 'b1', dims: [6], data: floats(r, 6, 0.2) },
    { name: 'wt', dims: [6, 8, 4, 4], data: floats(r, 6 * 8 * 16, 0.3) },
    { name: 'bt', dims: [8], data: floats(r, 8, 0.2) },
    { name: 'wd', dims: [8, 1, 3, 3], data: floats(r, 72, 0.5) },
    { name: 'bd', dims: [8], data: floats(r, 8, 0.2) },
    { name: 'w2', dims: [3, 8, 1, 1], data: floats(r, 24, 0.4) },
    { name: 'b2', dims: [3], data: floats(r, 3, 0.2) },
  ];
  return encodeOnnxModel({
    graphName: 'decoder',
    nodes: [
      { op: 'Conv', name: 'enc', inputs: ['x', 'w1', 'b1'], outputs: ['h'], attrs: { pads: [1, 1, 1, 1] } },
      { op: 'ConvTranspose', name: 'up', inputs: ['h', 'wt', 'bt'], outputs: ['u'], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] } },
      { op: 'Relu', name: 'relu', inputs: ['u'], outputs: ['v'] },
      { op: 'ConvTranspose', name: 'dw_up', inputs: ['v', 'wd', 'bd'], outputs: ['d'], attrs: { group: 8, dilations: [2, 2], pads: [2, 2, 2, 2] } },
      { op: 'Conv', name: 'dec', inputs: ['d', 'w2', 'b2'], outputs: ['y'] },
    ],
    initializers: inits,
    inputs: [{ name: 'x', dims: [1, 3, 6, 5] }],
    outputs: [{ name: 'y', dims: ['n', 'c', 'h', 'w'] }],
    opset: 17,
  });
}

const MODEL = decoder(1);
const X_DIMS = [1, 3, 6, 5];
const calibration = Array.from({ length: 6 }, (_, i) => [floats(rng(100 + i), numel(X_DIMS), 2)]);
const TCONVS = ['up', 'dw_up'];

function floatGraph(): Graph {
  const g = importModel(MODEL, 'decoder.onnx');
  optimize(g);
  return g;
}

/** The weights of node `name` in g. */
const weightsOf = (g: Graph, name: string) => g.tensor(g.nodes.find((n) => n.name === name)!.inputs[1]);

/** Distinct values of each slice along axis 0. */
function distinctPerChannel(data: ArrayLike<number>, channels: number): number[] {
  const per = data.length / channels;
  return Array.from({ length: channels }, (_, o) => new Set(Array.from({ length: per }, (_, i) => data[o * per + i])).size);
}

/** int8 conversion with `opts`: both builds give the reference interpreter's bytes on the converted graph. */
async function convertAndRun(opts: Partial<ConvertOptions>) {
  const res = convert(MODEL, 'decoder.onnx', { precision: 'int8', calibration, ...opts });
  const g = res.graph;
  for (const name of TCONVS) expect(g.tensor(g.nodes.find((n) => n.name === name && n.op === 'transpose_conv2d')!.inputs[1]).dtype, name).toBe('s8');
  const t = g.tensor(g.inputs[0]);
  const x = Int8Array.from(floats(rng(7), numel(X_DIMS), 2), (v) => Math.max(-128, Math.min(127, Math.round(v / t.quant!.scale[0]) + t.quant!.zeroPoint[0])));
  const [ref] = runGraph(g, [x]) as Int8Array[];
  for (const build of BUILDS) expect(Array.from((await runBlob(build, res.blob, [x]))[0] as Int8Array), build).toEqual(Array.from(ref));
  return res;
}

beforeAll(async () => {
  await ensureWasmBuilt();
}, 180_000);

describe('transposed conv weights in the compression passes', () => {
  it('are weighted layers, output channels on axis 0', () => {
    const layers = weightedLayers(floatGraph());
    for (const name of TCONVS) {
      const l = layers.find((k) => k.node.name === name)!;
      expect(l.node.op, name).toBe('transpose_conv2d');
      expect(l.channelAxis).toBe(0);
    }
  });

  it('cluster k=4 per layer: <= 4 float values per layer, <= 4 int8 values per output channel, palette-coded; both builds = reference', async () => {
    const g = floatGraph();
    const report = clusterWeights(g, { k: 4 });
    for (const name of TCONVS) {
      expect(report.some((r) => r.layer === name), name).toBe(true);
      expect(new Set(weightsOf(g, name).data as Float32Array).size, name).toBeLessThanOrEqual(4);
    }
    const res = await convertAndRun({ cluster: 4 });
    for (const name of TCONVS) {
      const w = weightsOf(res.graph, name);
      expect(Math.max(...distinctPerChannel(w.data as Int8Array, w.shape[0])), name).toBeLessThanOrEqual(4);
      expect(res.report.encodedWeights.find((e) => e.tensor === w.name)?.encoding, name).toMatch(/palette/);
    }
  });

  it('cluster k=3 per output channel (axis 0): <= 3 values in each, more across the layer', async () => {
    const g = floatGraph();
    clusterWeights(g, { k: 3, perChannel: true });
    for (const name of TCONVS) {
      const w = weightsOf(g, name);
      expect(Math.max(...distinctPerChannel(w.data as Float32Array, w.shape[0])), name).toBeLessThanOrEqual(3);
      expect(new Set(w.data as Float32Array).size, `${name}: per channel, not per layer`).toBeGreaterThan(3);
    }
    await convertAndRun({ cluster: 3, clusterPerChannel: true });
  });

  it('magnitude pruning 60 %: exactly that share of zeros, the smallest |w|, kept through int8; both builds = reference', async () => {
    const g = floatGraph();
    const before = new Map(TCONVS.map((n) => [n, Float32Array.from(weightsOf(g, n).data as Float32Array)]));
    pruneMagnitude(g, { ratio: 0.6 });
    for (const name of TCONVS) {
      const was = before.get(name)!, now = weightsOf(g, name).data as Float32Array;
      const zeroed = now.filter((v) => v === 0).length;
      expect(zeroed, name).toBe(Math.floor(0.6 * was.length));
      // Every zeroed weight is no larger in magnitude than every kept one.
      const maxZeroed = Math.max(...Array.from(was).filter((_, i) => now[i] === 0).map(Math.abs));
      const minKept = Math.min(...Array.from(was).filter((_, i) => now[i] !== 0).map(Math.abs));
      expect(maxZeroed, name).toBeLessThanOrEqual(minKept);
    }
    const res = await convertAndRun({ pruneMagnitude: 0.6 });
    for (const name of TCONVS) {
      const w = weightsOf(res.graph, name).data as Int8Array;
      expect(w.filter((v) => v === 0).length, name).toBeGreaterThanOrEqual(Math.floor(0.6 * w.length));
    }
  });

  it('per-layer int8 levels 4: <= 4 int8 values across all channels, each weight at its nearest level; both builds = reference', async () => {
    const plain = convert(MODEL, 'decoder.onnx', { precision: 'int8', calibration });
    const res = await convertAndRun({ layerWeights: Object.fromEntries(TCONVS.map((n) => [n, { levels: 4 }])) });
    for (const name of TCONVS) {
      const w = weightsOf(res.graph, name).data as Int8Array, was = weightsOf(plain.graph, name).data as Int8Array;
      const levels = [...new Set(w)];
      expect(levels.length, name).toBeLessThanOrEqual(4);
      for (let i = 0; i < w.length; i++) expect(Math.abs(w[i] - was[i]), `${name}[${i}]`).toBe(Math.min(...levels.map((l) => Math.abs(l - was[i]))));
    }
  });

  it('binary weights: two values per output channel; both builds = reference', async () => {
    const res = await convertAndRun({ binarize: TCONVS });
    for (const name of TCONVS) {
      const w = weightsOf(res.graph, name);
      expect(Math.max(...distinctPerChannel(w.data as Int8Array, w.shape[0])), name).toBeLessThanOrEqual(2);
    }
  });

  it('the per-layer compression report has a row for each transposed conv (method, finite SNR, MACs)', () => {
    const res = convert(MODEL, 'decoder.onnx', { precision: 'int8', calibration, cluster: 4, layerReport: true });
    for (const name of TCONVS) {
      const row = res.report.layers!.rows.find((r) => r.name === name)!;
      expect(row.op, name).toBe('transpose_conv2d');
      expect(row.methods, name).toContain('int8');
      expect(Number.isFinite(row.snrDb), name).toBe(true);
      expect(row.macsBefore, name).toBeGreaterThan(0);
      expect(row.bytesAfter, name).toBeLessThan(row.bytesBefore);
    }
  });

  it('bias correction and compensated layer weights take the transposed convs too; both builds = reference', async () => {
    const bc = convert(MODEL, 'decoder.onnx', { precision: 'int8', calibration, biasCorrection: true });
    expect(bc.graph.nodes.filter((n) => n.op === 'transpose_conv2d').every((n) => n.inputs[2].includes('bias_corrected'))).toBe(true);
    await convertAndRun({ biasCorrection: true });
    const res = await convertAndRun({ layerWeights: Object.fromEntries(TCONVS.map((n) => [n, { cluster: 4 }])), compensateBias: true });
    expect(res.graph.nodes.filter((n) => n.op === 'transpose_conv2d').every((n) => n.inputs[2].includes('bias_compensated'))).toBe(true);
  });
});

/** One weighted node on x [1,H,W,C] with zero bias: its float output under the reference kernels. */
function oneLayer(op: 'transpose_conv2d' | 'conv2d', xs: number[], w: Float32Array, wShape: number[], attrs: object): { g: Graph; node: Node } {
  const g = new Graph();
  g.addTensor({ name: 'x', dtype: 'f32', shape: xs });
  g.inputs.push('x');
  g.addTensor({ name: 'w', dtype: 'f32', shape: wShape, data: w });
  g.addTensor({ name: 'y', dtype: 'f32', shape: [] });
  const node = { op, name: 'layer', inputs: ['x', 'w'], outputs: ['y'], attrs } as Node;
  g.nodes.push(node);
  g.outputs.push('y');
  inferShapes(g);
  return { g, node };
}

describe('meanOutputShift: the mean over output pixels of ΔW applied to the input means', () => {
  const cases: [string, 'transpose_conv2d' | 'conv2d', number[], number[], object][] = [
    ['transpose_conv2d k4 s2 pads 1', 'transpose_conv2d', [1, 5, 4, 3], [4, 4, 4, 3], { strides: [2, 2], pads: [1, 1, 1, 1], outputSize: [10, 8] }],
    ['transpose_conv2d group 2, dilations [2,3], strides [2,3], odd output', 'transpose_conv2d', [1, 4, 3, 4], [6, 3, 2, 2], { strides: [2, 3], pads: [1, 0, 0, 0], outputSize: [10, 10], dilations: [2, 3], group: 2 }],
    ['depthwise transpose_conv2d (group 4), stride 3 past the kernel: pixels no tap reaches', 'transpose_conv2d', [1, 3, 3, 4], [4, 2, 2, 1], { strides: [3, 3], pads: [0, 0, 0, 0], outputSize: [9, 9], group: 4 }],
    ['grouped conv2d (group 3), no padding', 'conv2d', [1, 5, 6, 6], [9, 3, 3, 2], { strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], group: 3 }],
  ];
  for (const [label, op, xs, ws, attrs] of cases) {
    it(label, () => {
      const r = rng(xs.length * 31 + ws[0]);
      const dw = floats(r, numel(ws), 0.01);
      const mu = floats(r, xs[3], 3);
      const { g, node } = oneLayer(op, xs, dw, ws, attrs);
      const x = Float32Array.from({ length: numel(xs) }, (_, i) => mu[i % xs[3]]);
      const y = runGraph(g, [x])[0] as Float32Array;
      const channels = ws[0];
      const want = new Float64Array(channels);
      for (let i = 0; i < y.length; i++) want[i % channels] += y[i] / (y.length / channels);
      const got = meanOutputShift(g, node, dw, mu);
      for (let o = 0; o < channels; o++) expect(got[o], `channel ${o}`).toBeCloseTo(want[o], 6);
    });
  }
});

describe('bias correction of an int8 transposed conv', () => {
  it('reduces the mean output error of a stride-2 transposed conv with a large input mean', () => {
    const [C, O] = [16, 8];
    const build = () => {
      const r = rng(21);
      // A few large weights per output channel make its scale coarse for the rest.
      const w = Float32Array.from({ length: O * 16 * C }, (_, i) => (i % 37 === 0 ? 2.5 : 0.03 * (r() * 2 - 1)));
      const { g } = oneLayer('transpose_conv2d', [1, 4, 4, C], w, [O, 4, 4, C], { strides: [2, 2], pads: [1, 1, 1, 1], outputSize: [8, 8] });
      g.addTensor({ name: 'b', dtype: 'f32', shape: [O], data: new Float32Array(O) });
      g.nodes[0].inputs.push('b');
      return g;
    };
    const sample = (s: number) => { const r = rng(s); return [Float32Array.from({ length: 16 * C }, () => 4 + 0.5 * (r() * 2 - 1))]; };
    const calib = Array.from({ length: 16 }, (_, i) => sample(300 + i));
    const evalSet = Array.from({ length: 16 }, (_, i) => sample(400 + i));
    const floatG = build();
    const meanErr = (g: Graph) => {
      const err = new Float64Array(O);
      for (const [x] of evalSet) {
        const yf = runGraph(floatG, [x])[0] as Float32Array;
        const qp = g.tensor(g.inputs[0]).quant!;
        const xq = Int8Array.from(x as Float32Array, (v) => Math.max(-128, Math.min(127, Math.round(v / qp.scale[0]) + qp.zeroPoint[0])));
        const yq = runGraph(g, [xq as TensorData])[0] as Int8Array;
        const oq = g.tensor(g.outputs[0]).quant!;
        for (let i = 0; i < yq.length; i++) err[i % O] += (oq.scale[0] * (yq[i] - oq.zeroPoint[0]) - yf[i]) / (yq.length / O) / evalSet.length;
      }
      return err.reduce((s, e) => s + Math.abs(e), 0) / O;
    };
    const plain = build();
    quantize(plain, { samples: calib, method: 'minmax' });
    const corrected = build();
    const rep = biasCorrection(corrected, calib);
    expect(rep.layers.map((l) => l.op)).toEqual(['transpose_conv2d']);
    quantize(corrected, { samples: calib, method: 'minmax' });
    const before = meanErr(plain), after = meanErr(corrected);
    console.info(`[mote] transpose_conv2d bias correction: mean |E[y_int8 − y_f32]| per channel ${before.toExponential(3)} → ${after.toExponential(3)}`);
    expect(after).toBeLessThan(before * 0.7);
  });
});

describe('transpose_conv2d MACs (convert report, mote inspect)', () => {
  it('every input pixel times every weight: the products the reference makes when none falls outside (VALID)', () => {
    // x [2,3,4,6], group 2, weights [4,3,2,3], strides [2,1], dilations [1,2]: full size 2·2+3 = 7, 1·3+2·2+1 = 8.
    const { g, node } = oneLayer('transpose_conv2d', [2, 3, 4, 6], new Float32Array(72), [4, 3, 2, 3], { strides: [2, 1], pads: [0, 0, 0, 0], outputSize: [7, 8], dilations: [1, 2], group: 2 });
    let products = 0;
    forEachTransposeTap(node, [2, 3, 4, 6], [4, 3, 2, 3], () => products++);
    expect(nodeMacs(g, node)).toBe(products);
  });
});
