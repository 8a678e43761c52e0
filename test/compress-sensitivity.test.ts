// Sensitivity sweep on the demo CNN (untrained weights, 12×12 inputs; score = agreement of the
// compressed blob's argmax with the float reference interpreter on 24 synthetic images): ratio-0
// pruning and energy-1 low rank reproduce the baseline exactly, more pruning never grows the blob,
// and a layer that cannot be pruned (the classifier, a graph output) says why. Also: pruning runs
// through batch norm folding, global average pooling and flatten of a real ONNX export.
import { describe, expect, it } from 'vitest';
import { layerSensitivity } from '../converter/compress/sensitivity.js';
import { convert } from '../converter/convert.js';
import { initCnn } from '../converter/demo/cnn.js';
import { makeDataset } from '../converter/demo/data.js';
import { cnnToOnnx } from '../converter/demo/export.js';
import { importModel } from '../converter/source.js';
import { optimize } from '../converter/passes/index.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { argmax } from '../host/data/evaluate.js';
import { MoteRuntime } from '../host/runtime.js';

describe('layer sensitivity (demo CNN)', () => {
  it('baseline-preserving settings reproduce the baseline; bytes shrink with the ratio; refusals explained', async () => {
    const size = 12;
    const onnx = cnnToOnnx(initCnn({ size, c1: 6, c2: 8, classes: 4 }, 5), ['a', 'b', 'c', 'd']);
    const data = makeDataset(24, 9, size);
    const x = (i: number) => data.images.slice(i * size * size, (i + 1) * size * size);
    const g = importModel(onnx, 'demo.onnx');
    optimize(g);
    const truth = Array.from({ length: 24 }, (_, i) => argmax(runGraph(g, [x(i)])[0] as Float32Array));
    const module = await WebAssembly.compile((await (await import('../host/node-loader.js')).loadWasmFile('simd')) as BufferSource);
    const score = async (blob: Uint8Array) => {
      const m = MoteRuntime.fromModule('simd', module).load(blob);
      return truth.filter((t, i) => argmax(m.run([x(i)])[0] as Float32Array) === t).length / truth.length;
    };
    const res = await layerSensitivity(onnx, 'demo.onnx', { precision: 'f32' }, score, { pruneRatios: [0, 0.25, 0.5], energies: [1] });
    expect(res.baseline.score).toBe(1);
    const prune = (layer: string, r: number) => res.points.find((p) => p.layer === layer && p.method === 'prune' && p.setting === r)!;
    const convs = [...new Set(res.points.filter((p) => p.method === 'prune' && !p.note).map((p) => p.layer))];
    expect(convs.length).toBe(2);
    for (const c of convs) {
      expect(prune(c, 0).score).toBe(1);
      expect(prune(c, 0).weightBytes).toBe(res.baseline.weightBytes);
      expect(prune(c, 0.25).weightBytes).toBeLessThan(prune(c, 0).weightBytes);
      expect(prune(c, 0.5).weightBytes).toBeLessThan(prune(c, 0.25).weightBytes);
      expect(prune(c, 0.5).macs).toBeLessThan(res.baseline.macs);
    }
    const fcNote = res.points.find((p) => p.method === 'prune' && p.note);
    expect(fcNote?.note).toMatch(/graph output/);
    const lr = res.points.find((p) => p.method === 'lowrank')!;
    expect(lr.score).toBe(1);
    expect(lr.note).toMatch(/no smaller or faster/);
  }, 60_000);

  it('a pruned demo CNN (BN folded, GAP, flatten) runs on WASM and matches the reference on its own graph', async () => {
    const size = 12;
    const onnx = cnnToOnnx(initCnn({ size, c1: 6, c2: 8, classes: 4 }, 6), ['a', 'b', 'c', 'd']);
    const res = convert(onnx, 'demo.onnx', { precision: 'f32', prune: { ratio: 0.5 } });
    expect(res.report.compression!.prune!.layers.filter((l) => l.removed.length > 0).length).toBe(2);
    const m = (await MoteRuntime.create('simd')).load(res.blob);
    const data = makeDataset(4, 3, size);
    for (let i = 0; i < 4; i++) {
      const xi = data.images.slice(i * size * size, (i + 1) * size * size);
      const a = m.run([xi])[0] as Float32Array;
      const b = runGraph(res.graph, [xi])[0] as Float32Array;
      a.forEach((v, k) => expect(Math.abs(v - b[k])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(b[k]))));
    }
  });
});
