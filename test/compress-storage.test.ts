// Compressed weight storage end to end: models converted with k-means clustering, binary weights,
// magnitude pruning and Huffman coding run on BOTH wasm builds, whose load-time decoders
// (assembly/decode/) must reproduce the dense weights exactly: the outputs equal the reference
// interpreter run on the converter's dense graph bit for bit (int8). Corrupt encoded streams must
// give a typed load error, never a trap. On mnist-8 (../shared) the accuracy on 1,000 test images
// and the stored sizes vs float32 are measured and printed.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { convertCommand } from '../host/cli/convert.js';
import * as F from '../format/format.js';
import { convert, type ConvertOptions, type ConvertResult } from '../converter/convert.js';
import { crc32, emitBlob } from '../converter/emit/index.js';
import { planMemory } from '../converter/plan/index.js';
import { runGraph } from '../converter/reference/interpreter.js';
import type { Graph, TensorData } from '../converter/ir/graph.js';
import { importModel } from '../converter/source.js';
import { optimize } from '../converter/passes/index.js';
import { binarizeWeights } from '../converter/passes/binarize.js';
import { pruneMagnitude } from '../converter/passes/prune-magnitude.js';
import { clusterWeights } from '../converter/passes/cluster.js';
import { decodeWeights, encodeHuffman } from '../converter/codec/streams.js';
import { initCnn } from '../converter/demo/cnn.js';
import { cnnToOnnx } from '../converter/demo/export.js';
import { makeDataset } from '../converter/demo/data.js';
import { readIdx } from '../converter/data/idx.js';
import { MoteError, MoteRuntime, type MoteBuild, type MoteTypedArray } from '../host/runtime.js';
import { wasmModule } from './runtime-harness.js';
import { mobileNetLike, rng } from './support/ir-graphs.js';
import { haveShared, noticeIfNoShared, sharedPath } from './support/shared.js';

const BUILDS: MoteBuild[] = ['simd', 'scalar'];
const modules = new Map<MoteBuild, WebAssembly.Module>();
beforeAll(async () => {
  for (const b of BUILDS) modules.set(b, await wasmModule(b)); // rebuilds build/ when assembly/ is newer
}, 120_000);
const load = (build: MoteBuild, blob: Uint8Array) => MoteRuntime.fromModule(build, modules.get(build)!).load(blob);

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const sameBytes = (a: ArrayBufferView, b: ArrayBufferView) => Buffer.from(bytesOf(a)).equals(Buffer.from(bytesOf(b)));

/** Quantizes a float input the way the graph's (s8) input expects, or passes it through. */
function graphInput(g: Graph, x: Float32Array): MoteTypedArray {
  const t = g.tensor(g.inputs[0]);
  if (t.dtype !== 's8') return x;
  const { scale, zeroPoint } = t.quant!;
  return Int8Array.from(x, (v) => Math.max(-128, Math.min(127, Math.round(v / scale[0]) + zeroPoint[0])));
}

interface EncodedRecord { id: number; at: number; enc: number; streamAt: number; byteSize: number; name: string }
/** Encoded tensor records of a blob, read straight from format.ts's layout. */
function encodedRecords(blob: Uint8Array): EncodedRecord[] {
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const meta = JSON.parse(new TextDecoder().decode(blob.subarray(dv.getUint32(F.H_META_OFFSET, true), dv.getUint32(F.H_META_OFFSET, true) + dv.getUint32(F.H_META_SIZE, true))));
  const out: EncodedRecord[] = [];
  for (let id = 0; id < dv.getUint32(F.H_TENSOR_COUNT, true); id++) {
    const at = dv.getUint32(F.H_TENSOR_TABLE_OFFSET, true) + id * F.TENSOR_RECORD_SIZE;
    if (dv.getUint8(at + F.T_STORAGE) !== F.STORAGE_ENCODED) continue;
    // Weights packed at load (format.ts ENC_FLAG_PACK_W16): the stream holds the plain bytes.
    const packed = (dv.getUint8(at + F.T_FLAGS) & F.ENC_FLAG_PACK_W16) !== 0;
    let numel = 1;
    for (let d = 0; d < dv.getUint8(at + F.T_RANK); d++) numel *= dv.getInt32(at + F.T_DIMS + 4 * d, true);
    out.push({
      id, at, enc: dv.getUint8(at + F.T_FLAGS) & ~F.ENC_FLAG_PACK_W16, name: meta.tensors[id],
      streamAt: dv.getUint32(F.H_WEIGHTS_OFFSET, true) + dv.getUint32(at + F.T_STREAM_OFFSET, true),
      byteSize: packed ? numel : dv.getUint32(at + F.T_BYTE_SIZE, true),
    });
  }
  return out;
}
const resealed = (blob: Uint8Array) => {
  new DataView(blob.buffer, blob.byteOffset).setUint32(F.H_CRC32, crc32(blob, F.CRC_START, blob.length), true);
  return blob;
};

/** Runs the blob on both builds and the reference interpreter on the dense graph; int8: bit for bit. */
function expectRunsLikeReference(g: Graph, blob: Uint8Array, inputs: MoteTypedArray[][], exact: boolean, what: string) {
  for (const build of BUILDS) {
    const model = load(build, blob);
    for (const x of inputs) {
      const got = model.run(x);
      const want = runGraph(g, x as TensorData[]);
      got.forEach((y, k) => {
        if (exact) {
          expect(sameBytes(y, want[k] as ArrayBufferView), `${what} ${build} output ${k}`).toBe(true);
        } else {
          const w = want[k] as Float32Array;
          for (let i = 0; i < w.length; i++) expect(Math.abs(Number(y[i]) - w[i]), `${what} ${build}`).toBeLessThan(2e-3 * (1 + Math.abs(w[i])));
        }
      });
    }
  }
}

/** Every encoded stream, decoded by the TS decoder, equals the dense constant the graph holds. */
function expectStreamsDecodeToGraph(r: ConvertResult) {
  for (const rec of encodedRecords(r.blob)) {
    const data = r.graph.tensor(rec.name).data!;
    const stream = r.blob.subarray(rec.streamAt);
    expect(sameBytes(decodeWeights(rec.enc, stream, rec.byteSize), data), rec.name).toBe(true);
  }
}

describe('demo CNN: every method runs on both builds exactly like the dense graph', () => {
  const params = initCnn({ size: 16, c1: 8, c2: 16, classes: 5 }, 3);
  const onnx = cnnToOnnx(params, ['a', 'b', 'c', 'd', 'e']);
  const ds = makeDataset(24, 1);
  const image = (i: number) => ds.images.slice(i * 256, (i + 1) * 256);
  const calibration = Array.from({ length: 12 }, (_, i) => [image(i)]);
  const configs: [string, Partial<ConvertOptions>, string[]][] = [
    ['cluster k=16', { cluster: 16 }, ['palette']],
    ['cluster k=4 per channel', { cluster: 4, clusterPerChannel: true }, ['palette']],
    ['cluster k=4 + huffman', { cluster: 4, entropy: 'huffman' }, ['palette', 'huffman', 'palette-huffman']],
    ['prune 50% + cluster k=16 + huffman', { pruneMagnitude: 0.5, cluster: 16, entropy: 'huffman' }, ['palette', 'sparse', 'huffman', 'palette-huffman']],
    ['prune 50%', { pruneMagnitude: 0.5 }, ['sparse']],
    ['prune 60% + huffman', { pruneMagnitude: 0.6, entropy: 'huffman' }, ['sparse', 'huffman']],
    // int8: the 1-bit stream the direct kernels read in place (f32: the 1-bit palette).
    ['binarize auto', { binarize: 'auto' }, ['palette', 'binary']],
    ['prune 50% + cluster k=8', { pruneMagnitude: 0.5, cluster: 8 }, ['palette', 'sparse']],
  ];
  for (const precision of ['int8', 'f32'] as const) {
    for (const [what, opts, allowed] of configs) {
      it(`${precision} ${what}`, () => {
        const r = convert(onnx, 'demo.onnx', { precision, calibration: precision === 'int8' ? calibration : undefined, ...opts });
        expect(r.report.encodedWeights.length, 'some weights are stored encoded').toBeGreaterThan(0);
        for (const e of r.report.encodedWeights) {
          expect(allowed).toContain(e.encoding);
          expect(e.streamBytes).toBeLessThan(e.decodedBytes);
        }
        expect(r.report.ramWeightBytes).toBeGreaterThanOrEqual(r.report.encodedWeights.filter((e) => !e.direct).reduce((s, e) => s + e.decodedBytes, 0));
        expectStreamsDecodeToGraph(r);
        const inputs = [12, 17, 23].map((i) => [graphInput(r.graph, image(i))]);
        expectRunsLikeReference(r.graph, r.blob, inputs, precision === 'int8', `${precision} ${what}`);
        // The runtime reserved room for the expanded region on top of the blob and the arena
        // (however it groups its memory.grow calls).
        const rt = MoteRuntime.fromModule('scalar', modules.get('scalar')!);
        // (Regions start after the runtime's static data, mote_heap_base(), and may use the rest of
        // the initial memory.)
        rt.load(r.blob);
        expect(rt.memoryBytes()).toBeGreaterThanOrEqual(rt.exports.mote_heap_base() + r.blob.length + r.report.arenaBytes + r.report.ramWeightBytes);
      });
    }
  }
});

describe('mote convert flags', () => {
  it('--cluster/--prune-magnitude/--entropy/--binarize reach the converter; --json reports stored vs RAM bytes; bad values are usage errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mote-compress-'));
    try {
      const model = join(dir, 'demo.onnx');
      writeFileSync(model, cnnToOnnx(initCnn({ size: 16, c1: 8, c2: 16, classes: 5 }, 8), ['a', 'b', 'c', 'd', 'e']));
      const out = join(dir, 'demo.mote');
      let text = '';
      const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((text += String(chunk)), true));
      try {
        await convertCommand(model, { output: out, precision: 'f32', calibrationMethod: 'minmax', cluster: '8', pruneMagnitude: '0.3', entropy: 'huffman', binarize: 'auto', json: true });
      } finally {
        spy.mockRestore();
      }
      const report = JSON.parse(text);
      expect(report.weightCompression.map((l: { method: string }) => l.method)).toEqual([
        'prune-magnitude', 'prune-magnitude', 'prune-magnitude', 'cluster', 'cluster', 'cluster', 'binarize',
      ]);
      expect(report.encodedWeights.length).toBeGreaterThan(0);
      expect(report.storedWeightBytes).toBe(report.weightBytes);
      expect(report.ramWeightBytes).toBeGreaterThan(0);
      const blob = new Uint8Array(readFileSync(out));
      expect(load('scalar', blob).outputs.length).toBe(1);
      const bad: [Record<string, string>, RegExp][] = [
        [{ cluster: '17' }, /--cluster must be an integer in 2..16/],
        [{ pruneMagnitude: '1.5' }, /--prune-magnitude must be a ratio/],
        [{ entropy: 'zstd' }, /--entropy must be huffman/],
      ];
      for (const [flags, msg] of bad) {
        await expect(convertCommand(model, { output: out, precision: 'f32', calibrationMethod: 'minmax', ...flags })).rejects.toThrow(msg);
      }
      await expect(convertCommand(model, { output: out, precision: 'f32', calibrationMethod: 'minmax', binarize: 'nope' })).rejects.toThrow(/--binarize: no conv\/fully-connected layer named 'nope'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('palette with Huffman-coded indices, forced', () => {
  it('decodes exactly on both builds (int8 demo CNN, pruned + clustered)', () => {
    const params = initCnn({ size: 16, c1: 8, c2: 16, classes: 5 }, 6);
    const ds = makeDataset(12, 3);
    const image = (i: number) => ds.images.slice(i * 256, (i + 1) * 256);
    const r = convert(cnnToOnnx(params, ['a', 'b', 'c', 'd', 'e']), 'demo.onnx', {
      precision: 'int8', calibration: Array.from({ length: 8 }, (_, i) => [image(i)]), pruneMagnitude: 0.5, cluster: 16,
    });
    const blob = emitBlob(r.graph, r.plan, {}, { encodeWeights: ['palette-huffman'] });
    expect(encodedRecords(blob).filter((x) => x.enc === F.ENC_PALETTE_HUFFMAN).length).toBeGreaterThan(0);
    expectRunsLikeReference(r.graph, blob, [9, 10, 11].map((i) => [graphInput(r.graph, image(i))]), true, 'palette-huffman');
  });
});

describe('MobileNet-shaped int8 graph (depthwise, per-channel palettes in both groupings)', () => {
  it('palette rows (conv/fc), interleaved columns (depthwise), sparse and Huffman decode exactly on both builds', () => {
    const g = mobileNetLike(3, { int8: true, size: 24, blocks: 4 });
    const r = rng(9);
    let dw = 0;
    for (const node of g.nodes) {
      if (node.op !== 'conv2d' && node.op !== 'depthwise_conv2d' && node.op !== 'fully_connected') continue;
      const t = g.tensor(node.inputs[1]);
      const w = t.data as Int8Array;
      const cols = t.shape[t.shape.length - 1];
      const inner = w.length / t.shape[0];
      for (let i = 0; i < w.length; i++) {
        // Depthwise: ±a_c per channel (column), a_c differing between channels, so only the
        // interleaved 1-bit palette is small. Other layers: ≤ 16 values per output row, or 70 %
        // zeros (sparse or Huffman, whichever is smaller).
        const ch = node.op === 'depthwise_conv2d' ? i % cols : Math.floor(i / inner);
        if (node.op === 'depthwise_conv2d') w[i] = (w[i] < 0 ? -1 : 1) * (10 + (ch % 100));
        else w[i] = node.name.length % 2 === 0 ? ((w[i] >> 4) << 3) + (ch % 7) : r() < 0.7 ? 0 : w[i];
      }
      if (node.op === 'depthwise_conv2d') dw++;
    }
    expect(dw).toBeGreaterThan(0);
    const blob = emitBlob(g, planMemory(g), {}, { encodeWeights: ['palette', 'sparse', 'huffman'] });
    const recs = encodedRecords(blob);
    const interleaved = recs.filter((rec) => rec.enc === F.ENC_PALETTE && blob[rec.streamAt + 6] === 1);
    expect(interleaved.length, 'depthwise weights use interleaved palettes').toBeGreaterThan(0);
    expect(new Set(recs.map((x) => x.enc)).size).toBeGreaterThanOrEqual(2);
    const x = Float32Array.from({ length: 24 * 24 * 3 }, () => r() * 2 - 1);
    // The graph ends in float ops whose rounding differs from the reference by ~1e-12 even with
    // plain weights, so: encoded = plain blob bit for bit on each build, and both ≈ the reference.
    const plain = emitBlob(g, planMemory(g));
    for (const build of BUILDS) {
      const got = load(build, blob).run([x]);
      const want = load(build, plain).run([x]);
      got.forEach((y, k) => expect(sameBytes(y, want[k]), `${build} output ${k}`).toBe(true));
    }
    expectRunsLikeReference(g, blob, [[x]], false, 'mobilenet-like');
  });
});

describe('pass invariants against plain references', () => {
  const params = initCnn({ size: 16, c1: 8, c2: 16, classes: 5 }, 4);
  const fresh = () => {
    const g = importModel(cnnToOnnx(params, ['a', 'b', 'c', 'd', 'e']), 'demo.onnx');
    optimize(g);
    return g;
  };
  const weightsOf = (g: Graph) => g.nodes.filter((n) => ['conv2d', 'fully_connected'].includes(n.op)).map((n) => ({ node: n, t: g.tensor(n.inputs[1]) }));

  it('binarize: w = α_c · sign(w) with α_c = mean |w| over output channel c (first and last layer untouched by auto)', () => {
    const before = weightsOf(fresh()).map(({ t }) => Float32Array.from(t.data as Float32Array));
    const g = fresh();
    const report = binarizeWeights(g, { layers: 'auto' });
    const after = weightsOf(g);
    expect(report.map((x) => x.layer)).toEqual([after[1].node.name]);
    expect(sameBytes(after[0].t.data as Float32Array, before[0])).toBe(true);
    expect(sameBytes(after[2].t.data as Float32Array, before[2])).toBe(true);
    const w = after[1].t.data as Float32Array, o = after[1].t.shape[0], per = w.length / o;
    for (let c = 0; c < o; c++) {
      let alpha = 0;
      for (let i = 0; i < per; i++) alpha += Math.abs(before[1][c * per + i]) / per;
      for (let i = 0; i < per; i++) {
        const k = c * per + i;
        expect(w[k]).toBeCloseTo((before[1][k] < 0 ? -1 : 1) * alpha, 6);
      }
    }
  });

  it('prune: exactly floor(ratio·n) zeros per layer, and they are the smallest magnitudes', () => {
    const g = fresh();
    const before = weightsOf(g).map(({ t }) => Float32Array.from(t.data as Float32Array));
    pruneMagnitude(g, { ratio: 0.5 });
    weightsOf(g).forEach(({ t }, j) => {
      const w = t.data as Float32Array;
      const zeros = w.filter((v) => v === 0).length;
      expect(zeros).toBe(Math.floor(0.5 * w.length));
      let maxPruned = 0, minKept = Infinity;
      w.forEach((v, i) => {
        if (v === 0) maxPruned = Math.max(maxPruned, Math.abs(before[j][i]));
        else { minKept = Math.min(minKept, Math.abs(v)); expect(v).toBe(before[j][i]); }
      });
      expect(maxPruned).toBeLessThanOrEqual(minKept);
    });
  });

  it('cluster per channel: at most k values in each output channel, pruned zeros kept', () => {
    const g = fresh();
    pruneMagnitude(g, { ratio: 0.4 });
    const zerosBefore = weightsOf(g).map(({ t }) => (t.data as Float32Array).filter((v) => v === 0).length);
    clusterWeights(g, { k: 4, perChannel: true });
    weightsOf(g).forEach(({ t }, j) => {
      const w = t.data as Float32Array, o = t.shape[0], per = w.length / o;
      expect(w.filter((v) => v === 0).length).toBe(zerosBefore[j]);
      for (let c = 0; c < o; c++) expect(new Set(w.subarray(c * per, (c + 1) * per)).size).toBeLessThanOrEqual(4);
    });
  });

  it('cluster: at most k values per layer, each weight at its nearest value, each value the mean of its weights', () => {
    const g = fresh();
    const before = weightsOf(g).map(({ t }) => Float32Array.from(t.data as Float32Array));
    clusterWeights(g, { k: 16, maxIterations: 1000 });
    weightsOf(g).forEach(({ t }, j) => {
      const w = t.data as Float32Array;
      const centres = [...new Set(w)];
      expect(centres.length).toBeLessThanOrEqual(16);
      w.forEach((v, i) => {
        for (const c of centres) expect(Math.abs(before[j][i] - v)).toBeLessThanOrEqual(Math.abs(before[j][i] - c) + 1e-6);
      });
      for (const c of centres) {
        const members = before[j].filter((_, i) => w[i] === c);
        // float32 storage of a float64 mean: within float32 rounding
        expect(Math.abs(members.reduce((s, x) => s + x, 0) / members.length - c)).toBeLessThanOrEqual(Math.abs(c) * 1e-6 + 1e-9);
      }
    });
  });
});

describe('corrupt encoded streams give typed load errors, never a trap', () => {
  const params = initCnn({ size: 16, c1: 8, c2: 16, classes: 5 }, 5);
  const onnx = cnnToOnnx(params, ['a', 'b', 'c', 'd', 'e']);
  const ds = makeDataset(8, 2);
  const calibration = Array.from({ length: 8 }, (_, i) => [ds.images.slice(i * 256, (i + 1) * 256)]);
  const blobs = {
    palette: convert(onnx, 'demo.onnx', { precision: 'int8', calibration, cluster: 16 }).blob,
    sparse: convert(onnx, 'demo.onnx', { precision: 'int8', calibration, pruneMagnitude: 0.5 }).blob,
    huffman: convert(onnx, 'demo.onnx', { precision: 'int8', calibration, pruneMagnitude: 0.5, entropy: 'huffman' }).blob,
    // Emitted with palette-huffman as the only choice, so that stream is surely present.
    paletteHuffman: (() => {
      const r = convert(onnx, 'demo.onnx', { precision: 'int8', calibration, pruneMagnitude: 0.5, cluster: 16 });
      return emitBlob(r.graph, r.plan, {}, { encodeWeights: ['palette-huffman'] });
    })(),
  };
  const expectLoadError = (blob: Uint8Array, code: number, pattern: RegExp) => {
    for (const build of BUILDS) {
      let err: unknown;
      try { load(build, blob); } catch (e) { err = e; }
      expect(err, build).toBeInstanceOf(MoteError);
      expect((err as MoteError).code, `${build}: ${(err as Error).message}`).toBe(code);
      expect((err as Error).message).toMatch(pattern);
    }
  };
  const mutate = (blob: Uint8Array, enc: number, f: (b: Uint8Array, rec: EncodedRecord, dv: DataView) => void) => {
    const b = blob.slice();
    const rec = encodedRecords(b).find((x) => x.enc === enc)!;
    expect(rec, `a stream with encoding ${enc}`).toBeDefined();
    f(b, rec, new DataView(b.buffer));
    return resealed(b);
  };

  it('targeted corruptions name the problem', () => {
    const E = F.ERR_BAD_ENCODING;
    expectLoadError(mutate(blobs.palette, F.ENC_PALETTE, (b, r) => { b[r.streamAt + 4] = 3; }), E, /palette stream\): index bits 3/);
    expectLoadError(mutate(blobs.palette, F.ENC_PALETTE, (b, r, dv) => dv.setUint32(r.streamAt, dv.getUint32(r.streamAt, true) - 1, true)), E, /palette stream\): length/);
    expectLoadError(mutate(blobs.palette, F.ENC_PALETTE, (b, r, dv) => dv.setUint32(r.streamAt + 8, 7, true)), E, /groups do not divide/);
    expectLoadError(mutate(blobs.sparse, F.ENC_SPARSE, (b, r, dv) => {
      // last gap byte all ones: the last entries land past the end (the length still matches)
      b[r.streamAt + dv.getUint32(r.streamAt, true) - 1] = 0xff;
    }), E, /sparse stream\): entry \d+ lands at element/);
    expectLoadError(mutate(blobs.huffman, F.ENC_HUFFMAN, (b, r) => b.fill(0x11, r.streamAt + 4, r.streamAt + 132)), E, /over-subscribe/);
    expectLoadError(mutate(blobs.huffman, F.ENC_HUFFMAN, (b, r, dv) => dv.setUint32(r.streamAt, 140, true)), E, /huffman stream\): bit stream ends/);
    expectLoadError(mutate(blobs.sparse, F.ENC_SPARSE, (b, r) => { b[r.at + F.T_FLAGS] = F.ENC_COUNT; }), F.ERR_BAD_TENSOR, new RegExp(`unknown weight encoding ${F.ENC_COUNT}`));
    // palette-huffman: give symbol 200 (an index past the 16-entry codebooks) the code of the most
    // frequent index by swapping their code lengths.
    expectLoadError(mutate(blobs.paletteHuffman, F.ENC_PALETTE_HUFFMAN, (b, r, dv) => {
      const table = r.streamAt + 12 + dv.getUint32(r.streamAt + 8, true) * (1 << b[r.streamAt + 4]) * b[r.streamAt + 5];
      const nib = (s: number) => (b[table + (s >> 1)] >> ((s & 1) * 4)) & 15;
      const used = [...Array(16).keys()].filter((s) => nib(s) > 0);
      const s0 = used[0];
      b[table + (200 >> 1)] |= nib(s0) << ((200 & 1) * 4);
      b[table + (s0 >> 1)] &= ~(15 << ((s0 & 1) * 4));
    }), E, /palette-huffman stream\): index 200 of element \d+ exceeds the 16-entry codebook/);
    expectLoadError(mutate(blobs.paletteHuffman, F.ENC_PALETTE_HUFFMAN, (b, r, dv) => dv.setUint32(r.streamAt, 20, true)), E, /palette-huffman stream\): length 20 is shorter/);
    // Record-level problems (encoding code, where the stream lies) are bad tensor records.
    expectLoadError(mutate(blobs.sparse, F.ENC_SPARSE, (b, r, dv) => dv.setUint32(r.at + F.T_STREAM_OFFSET, 0xfffffff0, true)), F.ERR_BAD_TENSOR, /stream offset/);
    expectLoadError(mutate(blobs.sparse, F.ENC_SPARSE, (b, r, dv) => dv.setUint32(r.streamAt, 0x7fffffff, true)), F.ERR_BAD_TENSOR, /runs past the .*weights section/);
    expectLoadError(mutate(blobs.sparse, F.ENC_SPARSE, (b, r, dv) => dv.setUint32(r.at + F.T_OFFSET, 8, true)), F.ERR_BAD_TENSOR, /16-byte aligned/);
    // Without resealing, the CRC catches it first.
    const unsealed = blobs.palette.slice();
    unsealed[encodedRecords(unsealed)[0].streamAt + 20] ^= 1;
    expectLoadError(unsealed, F.ERR_BAD_CRC, /CRC/);
  });

  it('random bit flips and truncated length words: a load either succeeds or fails with an ERR_* code', () => {
    const r = rng(31);
    let failures = 0, trials = 0;
    for (const [name, blob] of Object.entries(blobs)) {
      const recs = encodedRecords(blob);
      for (let t = 0; t < 40; t++) {
        const rec = recs[Math.floor(r() * recs.length)];
        const b = blob.slice();
        const dv = new DataView(b.buffer);
        const len = dv.getUint32(rec.streamAt, true);
        if (t % 4 === 0) dv.setUint32(rec.streamAt, Math.floor(r() * len), true); // truncated
        else for (let k = 0; k < 3; k++) { const at = rec.streamAt + Math.floor(r() * Math.min(len, 160)); b[at] ^= 1 << Math.floor(r() * 8); }
        resealed(b);
        for (const build of BUILDS) {
          trials++;
          try {
            load(build, b);
          } catch (e) {
            expect(e, `${name} trial ${t} on ${build}: ${(e as Error).message}`).toBeInstanceOf(MoteError);
            expect((e as MoteError).code).toBeGreaterThan(0);
            failures++;
          }
        }
      }
    }
    expect(failures).toBeGreaterThan(trials / 4); // the corruptions were real
  });
});

describe.skipIf(!haveShared)('mnist-8: accuracy and size of each storage method (needs ../shared)', () => {
  noticeIfNoShared('mnist-8 compressed storage');
  const PIXELS = 784, EVAL = 1000, CALIB_FROM = 9000, CALIB = 200;
  let images: Uint8Array, labels: Uint8Array, onnx: Uint8Array;
  beforeAll(() => {
    images = readIdx(readFileSync(sharedPath('datasets/mnist/t10k-images-idx3-ubyte.gz'))).data as Uint8Array;
    labels = readIdx(readFileSync(sharedPath('datasets/mnist/t10k-labels-idx1-ubyte.gz'))).data as Uint8Array;
    onnx = readFileSync(sharedPath('onnx_mnist8/model.onnx'));
  });
  const image = (i: number) => Float32Array.from(images.subarray(i * PIXELS, (i + 1) * PIXELS));

  it('int8, k=16 clusters, prune 50 % + Huffman, binary (auto): top-1 on images 0..999 and stored size vs float32', () => {
    const calibration = Array.from({ length: CALIB }, (_, i) => [image(CALIB_FROM + i)]);
    const configs: [string, Partial<ConvertOptions>][] = [
      ['int8', {}],
      ['int8 + cluster k=16', { cluster: 16 }],
      ['int8 + cluster k=16 per channel', { cluster: 16, clusterPerChannel: true }],
      ['int8 + prune 50% + huffman', { pruneMagnitude: 0.5, entropy: 'huffman' }],
      ['int8 + prune 50% + cluster k=16 + huffman', { pruneMagnitude: 0.5, cluster: 16, entropy: 'huffman' }],
      ['int8 + binarize auto', { binarize: 'auto' }],
      ['int8 + prune 70% + cluster k=8 + huffman', { pruneMagnitude: 0.7, cluster: 8, entropy: 'huffman' }],
      ['int8 + prune 60% + cluster k=8/channel + huffman', { pruneMagnitude: 0.6, cluster: 8, clusterPerChannel: true, entropy: 'huffman' }],
    ];
    const rows: Record<string, number | string>[] = [];
    const acc: Record<string, number> = {};
    for (const [what, opts] of configs) {
      const r = convert(onnx, 'mnist-8.onnx', { precision: 'int8', calibration, ...opts });
      // The decoded graph equals the dense reference on a few images, both builds.
      expectRunsLikeReference(r.graph, r.blob, [0, 1].map((i) => [graphInput(r.graph, image(i))]), true, what);
      const model = load('simd', r.blob);
      let correct = 0;
      for (let i = 0; i < EVAL; i++) {
        const y = model.run([graphInput(r.graph, image(i))])[0];
        let best = 0;
        for (let k = 1; k < y.length; k++) if (y[k] > y[best]) best = k;
        if (best === labels[i]) correct++;
      }
      acc[what] = correct / EVAL;
      rows.push({
        method: what,
        top1: `${((100 * correct) / EVAL).toFixed(1)} %`,
        stored: r.report.storedWeightBytes,
        ram: r.report.ramWeightBytes,
        'float32/stored': +(r.report.floatWeightBytes / r.report.storedWeightBytes).toFixed(2),
        blob: r.report.blobBytes,
      });
    }
    console.log(`mnist-8, ${EVAL} test images (calibration: ${CALIB} others)`);
    console.table(rows);
    // Loose sanity only (measured values are printed above).
    expect(acc['int8 + cluster k=16']).toBeGreaterThanOrEqual(0.9);
    expect(acc['int8 + prune 50% + huffman']).toBeGreaterThanOrEqual(0.9);
    const stored = Object.fromEntries(rows.map((r) => [r.method, r.stored as number]));
    expect(stored['int8 + cluster k=16']).toBeLessThan(stored.int8);
    expect(stored['int8 + prune 50% + huffman']).toBeLessThan(stored.int8);
    expect(stored['int8 + binarize auto']).toBeLessThan(stored.int8);
  });
});
