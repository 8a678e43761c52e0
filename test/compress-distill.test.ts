// Layer-wise distillation (converter/compress/distill.ts): the ridge solver against an independent
// least-squares solution (Jacobi SVD of the stacked system, no normal equations); exact recovery of
// a teacher layer that the compressed structure can represent (masked, shared per layer and per
// channel, binary, and a filter-pruning reader); on a MobileNet-shaped graph with few samples, the
// reported errors recomputed with the reference kernels, never higher after than before, and the
// compressed structure kept; a held-out accuracy check on mnist-8 (needs ../shared).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { convert } from '../converter/convert.js';
import { parseRecipe } from '../converter/compress/recipe.js';
import { recipeOf } from '../converter/compress/search.js';
import { distillLayers, type DistillInputs } from '../converter/compress/distill.js';
import { ridgeSolve } from '../converter/compress/least-squares.js';
import { cloneGraph } from '../converter/ir/clone.js';
import { Graph, numel, type Node, type TensorData } from '../converter/ir/graph.js';
import { inferShapes } from '../converter/ir/shapes.js';
import { svd } from '../converter/passes/lowrank.js';
import { pruneFilters } from '../converter/passes/prune-filters.js';
import { pruneMagnitude } from '../converter/passes/prune-magnitude.js';
import { clusterWeights } from '../converter/passes/cluster.js';
import { binarizeWeights } from '../converter/passes/binarize.js';
import { evaluateNode, runGraph } from '../converter/reference/interpreter.js';
import type { LayerCompression } from '../converter/codec/weighted-layers.js';
import { openDataset } from '../host/data/dataset.js';
import { formatConvertReport } from '../host/cli/convert.js';
import { initCnn } from '../converter/demo/cnn.js';
import { DEMO_CLASSES } from '../converter/demo/data.js';
import { cnnToOnnx } from '../converter/demo/export.js';
import { argmax, modelInput } from '../host/data/evaluate.js';
import { ensureWasmBuilt, freshRuntime } from './runtime-harness.js';
import { mobileNetLike, rng } from './support/ir-graphs.js';
import { haveShared, noticeIfNoShared, sharedPath } from './support/shared.js';

const r = rng(11);
const noise = () => 2 * r() - 1;
const inputsFor = (g: Graph, n: number): TensorData[][] =>
  Array.from({ length: n }, () => g.inputs.map((name) => Float32Array.from({ length: numel(g.tensor(name).shape) }, noise)));

describe('ridge least squares', () => {
  it('equals the SVD solution of the stacked system [A; √(ρD)]θ = [y; √(ρD)θ₀], rank-deficient A included', () => {
    const rows = 40, n = 12, m = 3;
    const a = Float64Array.from({ length: rows * n }, noise);
    for (let i = 0; i < rows; i++) a[i * n + 5] = a[i * n + 2]; // two equal columns: AᵀA is singular
    const y = Float64Array.from({ length: rows * m }, noise);
    const theta0 = Float64Array.from({ length: n * m }, noise);
    const h = new Float64Array(n * n), rhs = new Float64Array(n * m);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) for (let k = 0; k < rows; k++) h[i * n + j] += a[k * n + i] * a[k * n + j];
      for (let c = 0; c < m; c++) for (let k = 0; k < rows; k++) rhs[i * m + c] += a[k * n + i] * y[k * m + c];
    }
    for (const rho of [1e-3, 0.3]) {
      const got = ridgeSolve(h, n, rhs, theta0, rho, m)!;
      expect(got).toBeDefined();
      // Independent: the stacked least-squares problem solved by its SVD pseudo-inverse.
      const trace = Array.from({ length: n }, (_, i) => h[i * n + i]).reduce((s, v) => s + v, 0);
      const d = Array.from({ length: n }, (_, i) => rho * (h[i * n + i] + 1e-12 * (trace / n)));
      const stacked = new Float64Array((rows + n) * n);
      stacked.set(a);
      for (let i = 0; i < n; i++) stacked[(rows + i) * n + i] = Math.sqrt(d[i]);
      const dec = svd(stacked, rows + n, n);
      for (let c = 0; c < m; c++) {
        const b = Array.from({ length: rows + n }, (_, k) => (k < rows ? y[k * m + c] : Math.sqrt(d[k - rows]) * theta0[(k - rows) * m + c]));
        for (let j = 0; j < n; j++) {
          let want = 0;
          for (let p = 0; p < dec.p; p++) {
            if (dec.s[p] <= 1e-12 * dec.s[0]) continue;
            let ub = 0;
            for (let k = 0; k < rows + n; k++) ub += dec.u[k * dec.p + p] * b[k];
            want += (dec.v[j * dec.p + p] * ub) / dec.s[p];
          }
          expect(got[j * m + c]).toBeCloseTo(want, 8);
        }
      }
    }
  });

  it('a parameter whose input never varies (H_jj = 0, or a negative rounding residue) keeps θ₀; the others solve as without it', () => {
    const n = 4;
    const a = Float64Array.from({ length: 20 * 3 }, noise);
    const full = new Float64Array(n * n), reduced = new Float64Array(9);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 20; k++) reduced[i * 3 + j] += a[k * 3 + i] * a[k * 3 + j];
    // Parameter 1 is the dead one: its row and column are 0, its diagonal a centring residue.
    const at = [0, 2, 3];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) full[at[i] * n + at[j]] = reduced[i * 3 + j];
    full[1 * n + 1] = -1e-13;
    const r = Float64Array.from([0.3, 1e-9, -0.2, 0.5]), t0 = Float64Array.from([0.1, 0.7, -0.4, 0.2]);
    const got = ridgeSolve(full, n, r, t0, 0.01)!;
    const want = ridgeSolve(reduced, 3, Float64Array.from(at, (i) => r[i]), Float64Array.from(at, (i) => t0[i]), 0.01)!;
    expect(got[1]).toBe(0.7);
    at.forEach((i, j) => expect(got[i]).toBeCloseTo(want[j], 12));
  });

  it('reports failure instead of a solution when the system is not positive definite', () => {
    expect(ridgeSolve(Float64Array.from([1, 1, 1, 1]), 2, Float64Array.from([1, 2]), new Float64Array(2), 0)).toBeUndefined();
  });
});

/** x [1,6,6,3] → c1 conv 3×3 (8, relu) → c2 conv 3×3 (6, relu) → flatten → f1 (216 → 5). */
function smallCnn(): Graph {
  const g = new Graph();
  const add = (name: string, shape: number[], data?: Float32Array) => g.addTensor({ name, dtype: 'f32', shape, ...(data ? { data } : {}) }).name;
  const rand = (shape: number[], amp: number) => Float32Array.from({ length: numel(shape) }, () => amp * noise());
  g.inputs.push(add('x', [1, 6, 6, 3]));
  const conv = (name: string, x: string, cin: number, cout: number) => {
    const out = add(`${name}_out`, []);
    g.nodes.push({ op: 'conv2d', name, inputs: [x, add(`${name}_w`, [cout, 3, 3, cin], rand([cout, 3, 3, cin], 0.4)), add(`${name}_b`, [cout], rand([cout], 0.1))], outputs: [out],
      attrs: { strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], group: 1, activation: { min: 0, max: Infinity } } } as Node);
    return out;
  };
  const c2 = conv('c2', conv('c1', 'x', 3, 8), 8, 6);
  const flat = add('flat', [1, 216]);
  g.nodes.push({ op: 'reshape', name: 'flatten', inputs: [c2], outputs: [flat], attrs: {} } as Node);
  const y = add('y', []);
  g.nodes.push({ op: 'fully_connected', name: 'f1', inputs: [flat, add('f1_w', [5, 216], rand([5, 216], 0.1)), add('f1_b', [5], rand([5], 0.1))], outputs: [y], attrs: {} } as Node);
  g.outputs.push(y);
  inferShapes(g);
  return g;
}

const weightsOf = (g: Graph, layer: string) => g.tensor(g.nodes.find((n) => n.name === layer)!.inputs[1]).data as Float32Array;
const biasOf = (g: Graph, layer: string) => g.tensor(g.nodes.find((n) => n.name === layer)!.inputs[2]).data as Float32Array;
const entry = (layer: string, method: LayerCompression['method'], detail: Record<string, number> = {}): LayerCompression =>
  ({ layer, weights: '', method, elements: 0, detail, snrDb: 0 });
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('exact recovery: a teacher the compressed structure can represent is refit exactly', () => {
  // The teacher's layer is made representable, the student's free parameters are perturbed; with
  // the student's input equal to the teacher's (layers before it untouched), the refit must land on
  // the teacher's values.
  const recover = (layer: string, make: (w: Float32Array, shape: number[]) => void, perturb: (w: Float32Array, shape: number[]) => void, inputs: DistillInputs) => {
    const teacher = smallCnn();
    const tw = teacher.tensor(teacher.nodes.find((n) => n.name === layer)!.inputs[1]);
    make(tw.data as Float32Array, tw.shape);
    const student = cloneGraph(teacher);
    perturb(weightsOf(student, layer), tw.shape);
    biasOf(student, layer).forEach((_, i, b) => (b[i] += 0.05 * noise()));
    const report = distillLayers(teacher, student, inputsFor(teacher, 16), inputs);
    const e = report.layers.find((l) => l.layer === layer)!;
    expect(e.kept).toBeUndefined();
    expect(e.before).toBeGreaterThan(1e-3);
    expect(e.after).toBeLessThan(1e-9);
    expect(maxDiff(weightsOf(student, layer), weightsOf(teacher, layer))).toBeLessThan(1e-4);
    expect(maxDiff(biasOf(student, layer), biasOf(teacher, layer))).toBeLessThan(1e-4);
  };

  it('masked (magnitude pruning): the surviving weights of each row', () => {
    recover('c2', (w) => w.forEach((_, i) => { if (i % 2 === 0) w[i] = 0; }), (w) => w.forEach((v, i) => (w[i] = v === 0 ? 0 : v * (1 + 0.3 * noise()))),
      { weightCompression: [entry('c2', 'prune-magnitude')] });
  });

  it('shared per layer (weight sharing): the centroids', () => {
    const centroids = [-0.3, -0.1, 0.2, 0.5];
    recover('f1', (w) => w.forEach((_, i) => (w[i] = centroids[i % 4])), (w) => w.forEach((v, i) => (w[i] = centroids[i % 4] + [0.05, -0.02, 0.1, -0.07][i % 4])),
      { weightCompression: [entry('f1', 'cluster', { perChannel: 0 })] });
  });

  it('shared per output channel: each channel its own centroids', () => {
    const value = (o: number, j: number) => 0.1 * (o + 1) * (j - 1);
    recover('c1', (w, s) => w.forEach((_, i) => (w[i] = value(Math.floor(i / (w.length / s[0])), i % 3))),
      (w, s) => w.forEach((_, i) => (w[i] = value(Math.floor(i / (w.length / s[0])), i % 3) * 1.2 + 0.01 * (i % 3))),
      { weightCompression: [entry('c1', 'cluster', { perChannel: 1 })] });
  });

  it('binary: the per-channel α', () => {
    const per = 72;
    recover('c2', (w) => w.forEach((v, i) => (w[i] = (v < 0 ? -1 : 1) * 0.1 * (1 + Math.floor(i / per)))),
      (w) => w.forEach((v, i) => (w[i] = v * (1.5 + 0.1 * Math.floor(i / per)))),
      { weightCompression: [entry('c2', 'binarize')] });
  });

  it('dense (filter pruning): the reader of the pruned channels, on the kept input channels', () => {
    const teacher = smallCnn();
    // Two dead filters in c1 (zero weights and bias): pruning them changes nothing the teacher computes.
    const w1 = weightsOf(teacher, 'c1'), b1 = biasOf(teacher, 'c1');
    for (const dead of [2, 5]) {
      w1.fill(0, dead * 27, (dead + 1) * 27);
      b1[dead] = 0;
    }
    const student = cloneGraph(teacher);
    const prune = pruneFilters(student, { perLayer: { c1: 0.25 } });
    expect(prune.layers.find((l) => l.name === 'c1')!.removed).toEqual([2, 5]);
    const w2 = weightsOf(student, 'c2');
    w2.forEach((v, i) => (w2[i] = v * (1 + 0.3 * noise())));
    const report = distillLayers(teacher, student, inputsFor(teacher, 16), { weightCompression: [], prune });
    const e = report.layers.find((l) => l.layer === 'c2')!;
    expect(e.free).toBe('dense');
    expect(e.after).toBeLessThan(1e-9);
    const kept = prune.cuts.c2.kept[3];
    const want = weightsOf(teacher, 'c2'), got = weightsOf(student, 'c2');
    for (let o = 0; o < 6; o++) for (let t = 0; t < 9; t++) kept.forEach((c, j) => expect(got[(o * 9 + t) * 6 + j]).toBeCloseTo(want[(o * 9 + t) * 8 + c], 4));
  });
});

const runs = new WeakMap<Graph, WeakMap<TensorData[], Map<string, TensorData>>>();
/** Every value of one run of g on `sample` (cached: the graphs do not change once distilled). */
function observed(g: Graph, sample: TensorData[]): Map<string, TensorData> {
  const byGraph = runs.get(g) ?? runs.set(g, new WeakMap()).get(g)!;
  let values = byGraph.get(sample);
  if (!values) {
    const got = new Map<string, TensorData>();
    runGraph(g, sample, { observe: (name, v) => got.set(name, v.data) });
    byGraph.set(sample, (values = got));
  }
  return values;
}

/** The relative error of `layer`'s pre-activation output vs the teacher's, recomputed with the
 * reference kernels: each graph run to the layer's input, the layer evaluated without activation. */
function layerError(teacher: Graph, student: Graph, layer: string, samples: TensorData[][], weights: string, bias: string): number {
  const inputOf = (g: Graph, node: Node, sample: TensorData[]) => ({ data: observed(g, sample).get(node.inputs[0])!, shape: g.tensor(node.inputs[0]).shape, dtype: 'f32' as const });
  const pre = (g: Graph, node: Node, x: ReturnType<typeof inputOf>, w: string, b: string) => {
    const c = (name: string) => ({ data: g.tensor(name).data!, shape: g.tensor(name).shape, dtype: 'f32' as const });
    return evaluateNode(g, { ...node, attrs: { ...node.attrs, activation: undefined } } as Node, [x, c(w), c(b)])[0].data as Float32Array;
  };
  const tn = teacher.nodes.find((n) => n.name === layer)!, sn = student.nodes.find((n) => n.name === layer)!;
  let err = 0, energy = 0;
  for (const s of samples) {
    const want = pre(teacher, tn, inputOf(teacher, tn, s), tn.inputs[1], tn.inputs[2]);
    const got = pre(student, sn, inputOf(student, sn, s), weights, bias);
    want.forEach((v, i) => { err += (got[i] - v) ** 2; energy += v * v; });
  }
  return err / energy;
}

describe('refits never make a layer worse', () => {
  it('MobileNet-shaped graph, 6 samples (fewer rows than weights in the FC layer): errors recomputed independently, structure kept', () => {
    for (const method of ['prune-magnitude', 'cluster', 'binarize'] as const) {
      const teacher = mobileNetLike(3, { size: 12, blocks: 2 });
      const student = cloneGraph(teacher);
      const weightCompression = method === 'prune-magnitude' ? pruneMagnitude(student, { ratio: 0.7 })
        : method === 'cluster' ? clusterWeights(student, { k: 3 }) : binarizeWeights(student, { layers: 'auto' });
      const before = cloneGraph(student);
      const samples = inputsFor(teacher, 6);
      const report = distillLayers(teacher, student, samples, { weightCompression });
      expect(report.heldOutSamples).toBe(1);
      expect(report.layers.length).toBe(weightCompression.length);
      for (const l of report.layers) {
        expect(l.after).toBeLessThanOrEqual(l.before);
        const sn = student.nodes.find((n) => n.name === l.layer)!;
        const bn = before.nodes.find((n) => n.name === l.layer)!;
        const w = student.tensor(sn.inputs[1]).data as Float32Array, w0 = before.tensor(bn.inputs[1]).data as Float32Array;
        if (l.kept) expect(Array.from(w)).toEqual(Array.from(w0));
        // The reported errors, recomputed: after on the final graph, before with the layer's old weights.
        expect(layerError(teacher, student, l.layer, samples, sn.inputs[1], sn.inputs[2])).toBeCloseTo(l.after, 5);
        const old = student.addTensor({ ...before.tensor(bn.inputs[1]), name: student.uniqueName('old_w') }).name;
        const oldB = student.addTensor({ ...before.tensor(bn.inputs[2]), name: student.uniqueName('old_b') }).name;
        expect(layerError(teacher, student, l.layer, samples, old, oldB)).toBeCloseTo(l.before, 5);
        // Structure: zeros stay zeros, no new distinct values, binary channels stay ±α with the same
        // signs (all flipped when the refit α is negative: still one magnitude and its sign bits).
        if (method === 'prune-magnitude') w0.forEach((v, i) => v === 0 && expect(w[i]).toBe(0));
        if (method === 'cluster') expect(new Set(w).size).toBeLessThanOrEqual(new Set(w0).size);
        if (method === 'binarize') {
          const channels = before.tensor(bn.inputs[1]).shape[sn.op === 'depthwise_conv2d' ? 2 : 0];
          const per = w.length / channels;
          for (let o = 0; o < channels; o++) {
            const at = (i: number) => (sn.op === 'depthwise_conv2d' ? i * channels + o : o * per + i);
            for (let i = 0; i < per; i++) {
              expect(Math.abs(w[at(i)])).toBe(Math.abs(w[at(0)]));
              expect(Math.sign(w[at(i)] * w0[at(i)])).toBe(Math.sign(w[at(0)] * w0[at(0)]));
            }
          }
        }
      }
      expect(report.layers.some((l) => !l.kept && l.after < l.before)).toBe(true);
    }
  });
});

describe('distill option and recipe', () => {
  it('recipe "distill" parses; a wrong type and a conversion without calibration are refused', () => {
    expect(parseRecipe('{"distill": true}').distill).toBe(true);
    expect(() => parseRecipe('{"distill": 1}', 'r.json')).toThrow(/r.json distill: expected true or false/);
    // mote compress --distill: the best candidate's recipe reproduces it.
    expect(recipeOf({ precision: 'int8', distill: true }).distill).toBe(true);
    expect(recipeOf({ precision: 'int8' }).distill).toBeUndefined();
  });

  it('convert: a recipe with filter pruning and "distill" refits the pruned readers, reports them, and keeps the blob size', () => {
    const onnx = cnnToOnnx(initCnn({ size: 16, c1: 8, c2: 16, classes: DEMO_CLASSES.length }, 5), DEMO_CLASSES);
    const calibration = Array.from({ length: 12 }, () => [Float32Array.from({ length: 256 }, () => r() + 0.5)]);
    const recipe = parseRecipe('{"prune": {"ratio": 0.5}, "distill": true}');
    const plain = convert(onnx, 'cnn.onnx', { precision: 'f32', recipe: { prune: recipe.prune } });
    const distilled = convert(onnx, 'cnn.onnx', { precision: 'f32', calibration, recipe });
    expect(distilled.report.blobBytes).toBe(plain.report.blobBytes);
    expect(distilled.blob).not.toEqual(plain.blob);
    const d = distilled.report.distillation!;
    expect(d).toMatchObject({ samples: 12, heldOutSamples: 3 });
    // Every pruned layer and every reader of pruned channels (shape changed) is a dense refit.
    const changed = plain.report.compression!.prune!.layers.filter((l) => l.removed.length > 0).map((l) => l.name);
    for (const name of changed) expect(d.layers.find((l) => l.layer === name)?.free).toBe('dense');
    for (const l of d.layers) expect(l.after).toBeLessThanOrEqual(l.before);
    expect(formatConvertReport(distilled.report, 'x.mote')).toMatch(/distill {5}\d+ compressed layers refit to the float model on 12 samples \(3 held out\)/);
    expect(() => convert(onnx, 'cnn.onnx', { precision: 'f32', recipe })).toThrow(/distillation needs calibration samples/);
  });
});

beforeAll(async () => {
  if (haveShared) await ensureWasmBuilt();
}, 120_000);

describe.skipIf(!haveShared)('mnist-8 held out: distillation recovers magnitude-pruned accuracy (needs ../shared)', () => {
  noticeIfNoShared('mnist-8 distillation accuracy');
  it('80 % magnitude pruning, int8, 64 calibration images, 1,000 test images never seen', async () => {
    const dir = sharedPath('datasets/mnist');
    const data = openDataset(`mnist:${dir}/t10k-images-idx3-ubyte.gz,${dir}/t10k-labels-idx1-ubyte.gz`);
    const bytes = new Uint8Array(readFileSync(sharedPath('onnx_mnist8/model.onnx')));
    const calibration = Array.from({ length: 64 }, (_, i) => [Float32Array.from(data.get(i).input as ArrayLike<number>)]);
    expect(() => convert(bytes, 'mnist-8.onnx', { precision: 'f32', pruneMagnitude: 0.8, distill: true })).toThrow(/distillation needs calibration samples/);
    const accuracy = async (blob: Uint8Array) => {
      const m = (await freshRuntime('simd')).load(blob);
      let ok = 0;
      for (let i = 1000; i < 2000; i++) {
        const s = data.get(i);
        if (argmax(m.run([modelInput(s.input, m.inputs[0], data.quant, `image ${i}`)])[0] as ArrayLike<number>) === s.label) ok++;
      }
      return ok / 1000;
    };
    const opts = { precision: 'int8' as const, calibration, pruneMagnitude: 0.8 };
    const plain = convert(bytes, 'mnist-8.onnx', opts);
    const distilled = convert(bytes, 'mnist-8.onnx', { ...opts, distill: true });
    // Same sparsity in float; in int8 a few refit weights may round to 0 (or away from it): bytes
    // within 1 %.
    expect(Math.abs(distilled.report.storedWeightBytes - plain.report.storedWeightBytes)).toBeLessThanOrEqual(0.01 * plain.report.storedWeightBytes);
    expect(distilled.report.distillation!.layers.map((l) => l.layer)).toEqual(plain.report.weightCompression.map((c) => c.layer));
    const [a0, a1] = [await accuracy(plain.blob), await accuracy(distilled.blob)];
    expect(a0).toBeLessThan(0.8);
    expect(a1).toBeGreaterThan(0.93);
  }, 60_000);
});
