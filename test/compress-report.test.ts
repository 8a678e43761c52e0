// The per-layer report and the recipe: weight SNR vs an independent computation (per-channel int8
// dequantization; pruned rows counted as all error), MACs before/after vs closed-form counts,
// recipe errors naming the key, and mnist-8 through convert() with a recipe (prune + lowrank + mse
// + bias correction): the WASM runtime's outputs equal the reference interpreter's on the
// compressed int8 graph (images 0..49 of t10k), and the report's totals add up.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { convert } from '../converter/convert.js';
import { parseRecipe } from '../converter/compress/recipe.js';
import { readIdx } from '../converter/data/idx.js';
import { Graph, type Node } from '../converter/ir/graph.js';
import { inferShapes } from '../converter/ir/shapes.js';
import { pruneFilters } from '../converter/passes/prune-filters.js';
import { quantize } from '../converter/passes/quantize/index.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { layerReport, snapshotLayers } from '../converter/report/layers.js';
import { MoteRuntime } from '../host/runtime.js';
import { haveShared, noticeIfNoShared, sharedPath } from './support/shared.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}

function twoFc(): Graph {
  const g = new Graph();
  const r = rng(1);
  g.addTensor({ name: 'x', dtype: 'f32', shape: [1, 12] });
  g.inputs.push('x');
  const fc = (name: string, x: string, k: number, n: number) => {
    g.addTensor({ name: `${name}_w`, dtype: 'f32', shape: [n, k], data: Float32Array.from({ length: n * k }, r) });
    g.addTensor({ name: `${name}_b`, dtype: 'f32', shape: [n], data: Float32Array.from({ length: n }, r) });
    g.addTensor({ name: `${name}_y`, dtype: 'f32', shape: [] });
    g.nodes.push({ op: 'fully_connected', name, inputs: [x, `${name}_w`, `${name}_b`], outputs: [`${name}_y`], attrs: { activation: { min: 0, max: Infinity } } } as Node);
    return `${name}_y`;
  };
  g.outputs.push(fc('f2', fc('f1', 'x', 12, 8), 8, 3));
  inferShapes(g);
  return g;
}

const snrOf = (w: ArrayLike<number>, e: ArrayLike<number>) => {
  let s = 0, n = 0;
  for (let i = 0; i < w.length; i++) { s += w[i] ** 2; n += (w[i] - e[i]) ** 2; }
  return 10 * Math.log10(s / n);
};

describe('per-layer report', () => {
  it('int8 SNR equals per-channel max/127 rounding computed here; MACs are N·K', () => {
    const g = twoFc();
    const w1 = (g.tensor('f1_w').data as Float32Array).slice();
    const snap = snapshotLayers(g);
    const r = rng(2);
    quantize(g, { samples: Array.from({ length: 8 }, () => [Float32Array.from({ length: 12 }, r)]), method: 'minmax' });
    const rep = layerReport(snap, g);
    const deq = new Float64Array(w1.length);
    for (let n = 0; n < 8; n++) {
      const row = w1.subarray(n * 12, (n + 1) * 12);
      const s = Math.fround(Math.max(...row.map(Math.abs)) / 127);
      for (let k = 0; k < 12; k++) deq[n * 12 + k] = s * Math.max(-127, Math.min(127, Math.sign(row[k]) * Math.round(Math.abs(row[k]) / s)));
    }
    const f1 = rep.rows.find((x) => x.name === 'f1')!;
    expect(f1.snrDb!).toBeCloseTo(snrOf(w1, deq), 6);
    expect(f1.methods).toEqual(['int8']);
    expect(f1.macsBefore).toBe(8 * 12);
    expect(f1.bytesBefore).toBe((8 * 12 + 8) * 4);
    // s8 weights + s32 bias + s32 multiplier and shift per channel
    expect(f1.bytesAfter).toBe(8 * 12 + 3 * 8 * 4);
  });

  it('pruned rows count as lost energy; the reader\'s removed inputs too', () => {
    const g = twoFc();
    const w1 = (g.tensor('f1_w').data as Float32Array).slice();
    const w2 = (g.tensor('f2_w').data as Float32Array).slice();
    const snap = snapshotLayers(g);
    const pr = pruneFilters(g, { ratio: 0.25 });
    const rep = layerReport(snap, g, { prune: pr });
    const removed = pr.layers.find((l) => l.name === 'f1')!.removed;
    expect(removed.length).toBe(2);
    const z1 = w1.map((v, i) => (removed.includes(Math.floor(i / 12)) ? 0 : v));
    const z2 = w2.map((v, i) => (removed.includes(i % 8) ? 0 : v));
    const row = (n: string) => rep.rows.find((x) => x.name === n)!;
    expect(row('f1').snrDb!).toBeCloseTo(snrOf(w1, z1), 9);
    expect(row('f2').snrDb!).toBeCloseTo(snrOf(w2, z2), 9);
    expect(row('f1').methods).toEqual(['prune 8→6', 'f32']);
    expect(row('f2').macsAfter).toBe(3 * 6);
    expect(rep.totals.macsAfter).toBe(6 * 12 + 3 * 6);
  });
});

describe('recipe', () => {
  it('parses and names the bad key', () => {
    const r = parseRecipe('{"prune":{"ratio":0.25,"layers":{"c2":0.5}},"lowrank":{"layers":{"fc":{"rank":4}}},"calibration":{"method":"mse","biasCorrection":true}}');
    expect(r.prune).toEqual({ ratio: 0.25, perLayer: { c2: 0.5 } });
    expect(r.lowrank?.perLayer?.fc).toEqual({ rank: 4 });
    expect(() => parseRecipe('{"prune":{"ratoi":0.2}}', 'r.json')).toThrow(/recipe r.json prune: unknown key 'ratoi'/);
    expect(() => parseRecipe('{"prune":{"ratio":1.5}}', 'r.json')).toThrow(/prune.ratio: expected a ratio in \[0, 1\), got 1.5/);
    expect(() => parseRecipe('{"calibration":{"method":"max"}}', 'r.json')).toThrow(/calibration.method: expected minmax, percentile, mse or kl/);
    expect(() => parseRecipe('{"lowrank":{"layers":{"fc":{}}}}', 'r.json')).toThrow(/lowrank.layers.fc: give rank or energy/);
    expect(() => parseRecipe('{', 'r.json')).toThrow(/r.json: not valid JSON/);
  });
});

describe.skipIf(!haveShared)('mnist-8 with a recipe (../shared)', () => {
  noticeIfNoShared('compressed mnist-8 end to end');
  it('WASM outputs = reference interpreter on the compressed int8 graph; totals add up', async () => {
    const img = readIdx(readFileSync(sharedPath('datasets/mnist/t10k-images-idx3-ubyte.gz')));
    const image = (i: number) => Float32Array.from((img.data as Uint8Array).subarray(i * 784, (i + 1) * 784));
    const recipe = parseRecipe(JSON.stringify({ prune: { ratio: 0.25 }, lowrank: { energy: 0.95 }, calibration: { method: 'mse', biasCorrection: true } }));
    const res = convert(readFileSync(sharedPath('onnx_mnist8/model.onnx')), 'model.onnx', {
      precision: 'int8', calibration: Array.from({ length: 16 }, (_, i) => [image(9000 + i)]), recipe,
    });
    const rows = res.report.layers!.rows;
    expect(rows.map((r) => r.name)).toEqual(['Convolution28', 'Convolution110', 'Times212']);
    expect(rows[0].methods[0]).toBe('prune 8→6');
    expect(res.report.layers!.totals.macsAfter).toBe(rows.reduce((a, r) => a + r.macsAfter, 0));
    expect(res.report.layers!.totals.macsAfter).toBeLessThan(res.report.layers!.totals.macsBefore);
    const model = (await MoteRuntime.create('simd')).load(res.blob);
    const qp = res.graph.tensor(res.graph.inputs[0]).quant!;
    for (let i = 0; i < 50; i++) {
      const xq = Int8Array.from(image(i), (v) => Math.max(-128, Math.min(127, Math.round(v / qp.scale[0]) + qp.zeroPoint[0])));
      expect(Array.from(model.run([xq])[0])).toEqual(Array.from(runGraph(res.graph, [xq])[0] as Int8Array));
    }
  }, 60_000);
});
