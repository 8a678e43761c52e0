// Per-layer int8 levels (recipe weights.layers.L.levels, converter/compress/shared-levels.ts):
// after quantization each listed layer holds at most k int8 values shared by all its channels,
// every weight at its nearest level; the emitter stores one palette for the layer; the blob runs
// on both builds exactly like the reference interpreter on the converted graph.
import { beforeAll, describe, expect, it } from 'vitest';
import * as F from '../format/format.js';
import { convert } from '../converter/convert.js';
import { importModel } from '../converter/source.js';
import { optimize } from '../converter/passes/index.js';
import { weightedLayers } from '../converter/codec/weighted-layers.js';
import { runGraph } from '../converter/reference/interpreter.js';
import type { Graph, TensorData } from '../converter/ir/graph.js';
import { parseRecipe } from '../converter/compress/recipe.js';
import { initCnn } from '../converter/demo/cnn.js';
import { cnnToOnnx } from '../converter/demo/export.js';
import { makeDataset } from '../converter/demo/data.js';
import { MoteRuntime, type MoteBuild, type MoteTypedArray } from '../host/runtime.js';
import { wasmModule } from './runtime-harness.js';

const BUILDS: MoteBuild[] = ['simd', 'scalar'];
const modules = new Map<MoteBuild, WebAssembly.Module>();
beforeAll(async () => {
  for (const b of BUILDS) modules.set(b, await wasmModule(b));
}, 120_000);

const onnx = cnnToOnnx(initCnn({ size: 16, c1: 8, c2: 16, classes: 5 }, 9), ['a', 'b', 'c', 'd', 'e']);
const ds = makeDataset(16, 4);
const image = (i: number) => ds.images.slice(i * 256, (i + 1) * 256);
const calibration = Array.from({ length: 10 }, (_, i) => [image(i)]);
const layers = (() => {
  const g = importModel(onnx, 'demo.onnx');
  optimize(g);
  return weightedLayers(g).map((l) => l.node.name);
})();

function input(g: Graph, x: Float32Array): MoteTypedArray {
  const t = g.tensor(g.inputs[0]);
  if (t.dtype !== 's8') return x;
  return Int8Array.from(x, (v) => Math.max(-128, Math.min(127, Math.round(v / t.quant!.scale[0]) + t.quant!.zeroPoint[0])));
}

describe('per-layer int8 levels', () => {
  for (const k of [2, 4, 16]) {
    it(`levels ${k} on every layer: <= ${k} shared int8 values, nearest level, one palette, exact on both builds`, () => {
      const plain = convert(onnx, 'demo.onnx', { precision: 'int8', calibration });
      const r = convert(onnx, 'demo.onnx', {
        precision: 'int8', calibration, layerWeights: Object.fromEntries(layers.map((l) => [l, { levels: k }])),
      });
      expect(layers.length).toBeGreaterThan(1);
      for (const name of layers) {
        const node = r.graph.nodes.find((n) => n.name === name)!;
        const w = r.graph.tensor(node.inputs[1]).data as Int8Array;
        const was = plain.graph.tensor(plain.graph.nodes.find((n) => n.name === name)!.inputs[1]).data as Int8Array;
        // Same per-channel scales as plain int8: only the integer values moved.
        expect(r.graph.tensor(node.inputs[1]).quant!.scale).toEqual(plain.graph.tensor(plain.graph.nodes.find((n) => n.name === name)!.inputs[1]).quant!.scale);
        const levels = [...new Set(w)];
        expect(levels.length, name).toBeLessThanOrEqual(k);
        for (let i = 0; i < w.length; i++) {
          const best = Math.min(...levels.map((l) => Math.abs(l - was[i])));
          expect(Math.abs(w[i] - was[i]), `${name}[${i}]`).toBe(best);
        }
      }
      const enc = r.report.encodedWeights.filter((e) => e.encoding === 'palette');
      expect(enc.length).toBe(layers.length);
      // One codebook per layer: the stream is the 12-byte header, 2^bits entries and the indices.
      const dv = new DataView(r.blob.buffer, r.blob.byteOffset);
      for (let id = 0; id < dv.getUint32(F.H_TENSOR_COUNT, true); id++) {
        const at = dv.getUint32(F.H_TENSOR_TABLE_OFFSET, true) + id * F.TENSOR_RECORD_SIZE;
        if (dv.getUint8(at + F.T_STORAGE) !== F.STORAGE_ENCODED || dv.getUint8(at + F.T_FLAGS) !== F.ENC_PALETTE) continue;
        const s = dv.getUint32(F.H_WEIGHTS_OFFSET, true) + dv.getUint32(at + F.T_STREAM_OFFSET, true);
        expect(dv.getUint32(s + 8, true)).toBe(1);
      }
      expect(r.report.storedWeightBytes).toBeLessThan(plain.report.storedWeightBytes);
      for (const build of BUILDS) {
        const model = MoteRuntime.fromModule(build, modules.get(build)!).load(r.blob);
        for (const i of [11, 12, 13]) {
          const x = input(r.graph, image(i));
          const got = model.run([x])[0], want = runGraph(r.graph, [x as TensorData])[0] as ArrayBufferView;
          expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(want.buffer, want.byteOffset, want.byteLength)), `${build} image ${i}`).toBe(true);
        }
      }
    });
  }

  it('recipes check levels; a float conversion refuses them', () => {
    expect(parseRecipe('{"weights": {"layers": {"c": {"levels": 16}}}}').weights!.layers).toEqual({ c: { levels: 16 } });
    expect(() => parseRecipe('{"weights": {"layers": {"c": {"levels": 17}}}}')).toThrow(/levels.*2\.\.16/);
    expect(() => convert(onnx, 'demo.onnx', { precision: 'f32', layerWeights: { [layers[0]]: { levels: 4 } } })).toThrow(/levels needs an int8 conversion/);
  });
});
