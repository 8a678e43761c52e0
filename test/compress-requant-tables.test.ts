// Compact requantization tables (`--tables compact`: ENC_PACKED biases and shifts, ENC_REQUANT
// multipliers rebuilt at load from scales; converter/emit/requant-tables.ts, assembly/decode/
// requant_tables.ts):
//  * the runtime's QuantizeMultiplier (assembly/quantize_multiplier.ts, compiled with each build's
//    flags) equals the converter's on random and edge values, bit for bit;
//  * blobs with compact tables run on both builds exactly like the same graph emitted with raw
//    tables and like the reference interpreter (int8 bytes);
//  * the emitter only writes a requant stream when the scales reproduce the stored integers;
//  * corrupt table streams give typed load errors.
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import asc from 'assemblyscript/asc';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as F from '../format/format.js';
import { readSource } from '../scripts/build-wasm.mjs';
import { convert, type ConvertOptions, type ConvertResult } from '../converter/convert.js';
import { crc32, emitBlob } from '../converter/emit/index.js';
import { decodeTable, encodePacked, encodeRequant } from '../converter/emit/requant-tables.js';
import { quantizeMultiplier } from '../converter/passes/quantize/multiplier.js';
import { f32RoundUp } from '../converter/passes/quantize/quantize.js';
import { parseRecipe } from '../converter/compress/recipe.js';
import { runGraph } from '../converter/reference/interpreter.js';
import type { Graph, TensorData } from '../converter/ir/graph.js';
import { initCnn } from '../converter/demo/cnn.js';
import { cnnToOnnx } from '../converter/demo/export.js';
import { makeDataset } from '../converter/demo/data.js';
import { MoteError, MoteRuntime, type MoteBuild, type MoteTypedArray } from '../host/runtime.js';
import { randInt, repoRoot, rng, wasmModule } from './runtime-harness.js';
import { haveShared, noticeIfNoShared, sharedPath } from './support/shared.js';
import { convertCommand } from '../host/cli/convert.js';
import { evalCommand } from '../host/cli/eval.js';

const BUILDS: MoteBuild[] = ['simd', 'scalar'];
const modules = new Map<MoteBuild, WebAssembly.Module>();
type Probe = { probe_qm(real: number): number; probe_qm_shift(): number };
const FLAGS = {
  simd: ['--enable', 'simd'],
  scalar: ['--disable', 'sign-extension,bulk-memory,nontrapping-f2i,mutable-globals'],
};
const probes = new Map<string, Probe>();

beforeAll(async () => {
  for (const b of BUILDS) modules.set(b, await wasmModule(b));
  const dir = mkdtempSync(join(tmpdir(), 'mote-qm-'));
  for (const [build, flags] of Object.entries(FLAGS)) {
    const out = join(dir, `${build}.wasm`);
    const { error } = await asc.main(
      [join(repoRoot, 'assembly/testing/requant-tables-probe.ts'), '-o', out, '-O1', '--runtime', 'stub', '--use', 'abort=', ...flags],
      { stdout: { write: () => true }, stderr: { write: () => true }, readFile: readSource },
    );
    if (error) throw error;
    const { instance } = await WebAssembly.instantiate(readFileSync(out), {});
    probes.set(build, instance.exports as unknown as Probe);
  }
}, 180_000);

const load = (build: MoteBuild, blob: Uint8Array) => MoteRuntime.fromModule(build, modules.get(build)!).load(blob);
const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const sameBytes = (a: ArrayBufferView, b: ArrayBufferView) => Buffer.from(bytesOf(a)).equals(Buffer.from(bytesOf(b)));

describe.each(Object.keys(FLAGS))('QuantizeMultiplier at load (%s flags) vs the converter', (build) => {
  const check = (real: number) => {
    const p = probes.get(build)!;
    const want = quantizeMultiplier(real);
    const got = { multiplier: p.probe_qm(real), shift: p.probe_qm_shift() };
    expect(got, `real ${real}`).toEqual(want);
  };

  it('edge values: rounding ties, the 2^31 carry, flush below 2^-32, subnormals, huge', () => {
    const edges = [
      0, 1, 0.5, 0.25, 0.75, 2, 3, 1 - 2 ** -53, 1 - 2 ** -32, 1 - 2 ** -33, (2 ** 30 + 0.5) / 2 ** 31, (2 ** 31 - 0.5) / 2 ** 31,
      (2 ** 31 - 1.5) / 2 ** 31, 2 ** -31, 2 ** -32, 2 ** -32 * (1 - 2 ** -40), 2 ** -33, 2 ** -1074, 2 ** -1022 * 0.75, 2 ** -1022,
      Number.MAX_VALUE, 2 ** 200, 1e-10, 0.1, 1 / 3, -0.3, -(2 ** 31 - 0.5) / 2 ** 31,
    ];
    for (const x of edges) check(x);
  });

  it('20,000 scale triples as the quantizer makes them (f32 in · f32 w / f32 out, in double)', () => {
    const r = rng(build === 'simd' ? 7 : 11);
    const f32 = () => Math.fround((0.5 + r()) * 2 ** randInt(r, -40, 12));
    for (let i = 0; i < 20_000; i++) {
      const w = i % 3 === 0 ? f32RoundUp(f32(), 2) : i % 3 === 1 ? f32RoundUp(f32(), 3) : f32();
      check((f32() * w) / f32());
    }
  });
});

describe('table streams (TS encoder and decoder)', () => {
  it('packed: round trip at every width, none for a full 32-bit span', () => {
    const r = rng(3);
    for (const span of [0, 1, 2, 3, 7, 255, 1000, 65535, 2 ** 20, 2 ** 31 - 1]) {
      const base = randInt(r, -(2 ** 31), 2 ** 31 - 1 - span);
      const v = Int32Array.from({ length: 37 }, () => base + Math.floor(r() * (span + 1)));
      const s = encodePacked(v);
      if (!s) {
        expect(span).toBeGreaterThan(2 ** 28); // the only case not smaller than 4 bytes each
        continue;
      }
      expect(s.length).toBeLessThan(v.byteLength);
      expect(sameBytes(decodeTable(F.ENC_PACKED, s, v.byteLength), v), `span ${span}`).toBe(true);
    }
    expect(encodePacked(Int32Array.of(-2147483648, 2147483647, 0, 5))).toBeUndefined();
  });

  it('requant: only when the scales reproduce multiplier and shift, and only when smaller', () => {
    const r = rng(5);
    const n = 24;
    const inS = Math.fround(0.031), outS = Math.fround(0.057);
    for (const bytes of [2, 3, 4]) {
      const w = Array.from({ length: n }, () => f32RoundUp(Math.fround(r() * 0.02 + 1e-4), bytes));
      const q = w.map((s) => quantizeMultiplier((inS * s) / outS));
      const mult = Int32Array.from(q, (m) => m.multiplier), shift = Int32Array.from(q, (m) => m.shift);
      const s = encodeRequant(inS, outS, w, mult, shift);
      if (bytes === 4) {
        expect(s).toBeUndefined(); // 12 + 4n is not smaller than the raw table
        continue;
      }
      expect(s!.length).toBe(12 + bytes * n);
      expect(sameBytes(decodeTable(F.ENC_REQUANT, s!, 4 * n), mult)).toBe(true);
      const off = mult.slice();
      off[5] += 1;
      expect(encodeRequant(inS, outS, w, off, shift)).toBeUndefined();
      const offShift = shift.slice();
      offShift[0] -= 1;
      expect(encodeRequant(inS, outS, w, mult, offShift)).toBeUndefined();
      expect(encodeRequant(0.1, outS, w, mult, shift)).toBeUndefined(); // 0.1 is not an f32
    }
  });
});

/** Table records (packed, requant) of a blob, read straight from format.ts's layout. */
function tableRecords(blob: Uint8Array) {
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const meta = JSON.parse(new TextDecoder().decode(blob.subarray(dv.getUint32(F.H_META_OFFSET, true), dv.getUint32(F.H_META_OFFSET, true) + dv.getUint32(F.H_META_SIZE, true))));
  const out: { at: number; enc: number; streamAt: number; byteSize: number; name: string }[] = [];
  for (let id = 0; id < dv.getUint32(F.H_TENSOR_COUNT, true); id++) {
    const at = dv.getUint32(F.H_TENSOR_TABLE_OFFSET, true) + id * F.TENSOR_RECORD_SIZE;
    const enc = dv.getUint8(at + F.T_FLAGS);
    if (dv.getUint8(at + F.T_STORAGE) !== F.STORAGE_ENCODED || (enc !== F.ENC_PACKED && enc !== F.ENC_REQUANT)) continue;
    out.push({ at, enc, name: meta.tensors[id], streamAt: dv.getUint32(F.H_WEIGHTS_OFFSET, true) + dv.getUint32(at + F.T_STREAM_OFFSET, true), byteSize: dv.getUint32(at + F.T_BYTE_SIZE, true) });
  }
  return out;
}
const weightsSize = (blob: Uint8Array) => new DataView(blob.buffer, blob.byteOffset).getUint32(F.H_WEIGHTS_SIZE, true);

/** Compact and raw emissions of one converted graph run identically, on both builds, to the reference. */
function expectSameAsRaw(r: ConvertResult, inputs: MoteTypedArray[][], what: string) {
  const raw = emitBlob(r.graph, r.plan, {}, {});
  for (const rec of tableRecords(r.blob)) {
    expect(sameBytes(decodeTable(rec.enc, r.blob.subarray(rec.streamAt), rec.byteSize), r.graph.tensor(rec.name).data! as Int32Array), rec.name).toBe(true);
  }
  for (const build of BUILDS) {
    const compact = load(build, r.blob), plain = load(build, raw);
    for (const x of inputs) {
      const a = compact.run(x), b = plain.run(x), want = runGraph(r.graph as Graph, x as TensorData[]);
      a.forEach((y, k) => {
        expect(sameBytes(y, b[k]), `${what} ${build} output ${k} vs raw tables`).toBe(true);
        expect(sameBytes(y, want[k] as ArrayBufferView), `${what} ${build} output ${k} vs reference`).toBe(true);
      });
    }
  }
  return raw;
}

/** A float sample in the graph input's dtype (quantized when the input is s8). */
function graphInput(x: Float32Array, g: Graph): MoteTypedArray {
  const t = g.tensor(g.inputs[0]);
  if (t.dtype !== 's8') return x;
  return Int8Array.from(x, (v) => Math.max(-128, Math.min(127, Math.round(v / t.quant!.scale[0]) + t.quant!.zeroPoint[0])));
}

describe('demo CNN with compact tables runs like raw tables and the reference', () => {
  const onnx = cnnToOnnx(initCnn({ size: 16, c1: 8, c2: 16, classes: 5 }, 3), ['a', 'b', 'c', 'd', 'e']);
  const ds = makeDataset(16, 1);
  const image = (i: number) => ds.images.slice(i * 256, (i + 1) * 256);
  const calibration = Array.from({ length: 10 }, (_, i) => [image(i)]);
  for (const weightScales of ['f32', 'f24', 'bf16'] as const) {
    for (const extra of [{}, { cluster: 8, clusterPerChannel: true, entropy: 'huffman' as const }]) {
      it(`${weightScales} scales${'cluster' in extra ? ', k=8 per channel + huffman' : ''}`, () => {
        const opts: ConvertOptions = { precision: 'int8', calibration, tables: 'compact', weightScales, ...extra };
        const r = convert(onnx, 'demo.onnx', opts);
        const encodings = new Set(r.report.encodedWeights.map((e) => e.encoding));
        expect(encodings.has('packed')).toBe(true);
        expect(encodings.has('requant')).toBe(weightScales !== 'f32');
        const raw = expectSameAsRaw(r, [12, 13, 14, 15].map((i) => [graphInput(image(i), r.graph)]), weightScales);
        expect(r.report.storedWeightBytes).toBeLessThan(weightsSize(raw));
        // The weight scales are what was asked for.
        for (const rec of tableRecords(r.blob).filter((t) => t.enc === F.ENC_REQUANT)) {
          const width = (new DataView(r.blob.buffer).getUint32(rec.streamAt, true) - 12) / (rec.byteSize / 4);
          expect(width).toBe(weightScales === 'bf16' ? 2 : 3);
        }
      });
    }
  }

  it('a multiplier the scales do not reproduce stays raw (and still runs exactly)', () => {
    const r = convert(onnx, 'demo.onnx', { precision: 'int8', calibration, weightScales: 'bf16' });
    const node = r.plan.steps.find((n) => n.op === 'conv2d')!;
    const mult = r.graph.tensor(node.inputs[3]).data as Int32Array;
    mult[0] += 1;
    const blob = emitBlob(r.graph, r.plan, {}, { compactTables: true });
    const recs = tableRecords(blob);
    expect(recs.some((t) => t.name === node.inputs[3])).toBe(false);
    expect(recs.some((t) => t.enc === F.ENC_REQUANT)).toBe(true);
    expectSameAsRaw({ ...r, blob }, [[graphInput(image(3), r.graph)]], 'tampered');
  });

  it('recipes and options check their values', () => {
    expect(parseRecipe('{"weights": {"tables": "compact", "scales": "bf16"}}').weights).toEqual({ tables: 'compact', scales: 'bf16' });
    expect(() => parseRecipe('{"weights": {"tables": "small"}}')).toThrow(/weights\.tables.*"raw" or "compact"/);
    expect(() => parseRecipe('{"weights": {"scales": "f16"}}')).toThrow(/weights\.scales.*"f32", "f24" or "bf16"/);
    expect(() => convert(onnx, 'demo.onnx', { precision: 'int8', calibration, tables: 'compact', weights: 'external' })).toThrow(/external.*compact requantization tables/);
  });
});

describe('corrupt table streams give typed load errors', () => {
  const onnx = cnnToOnnx(initCnn({ size: 16, c1: 8, c2: 16, classes: 5 }, 5), ['a', 'b', 'c', 'd', 'e']);
  const ds = makeDataset(8, 2);
  const calibration = Array.from({ length: 8 }, (_, i) => [ds.images.slice(i * 256, (i + 1) * 256)]);
  const blob = convert(onnx, 'demo.onnx', { precision: 'int8', calibration, tables: 'compact', weightScales: 'bf16' }).blob;
  const expectLoadError = (b: Uint8Array, code: number, pattern: RegExp) => {
    for (const build of BUILDS) {
      let err: unknown;
      try { load(build, b); } catch (e) { err = e; }
      expect(err, build).toBeInstanceOf(MoteError);
      expect((err as MoteError).code, `${build}: ${(err as Error).message}`).toBe(code);
      expect((err as Error).message).toMatch(pattern);
    }
  };
  const mutate = (enc: number, f: (b: Uint8Array, streamAt: number, dv: DataView) => void) => {
    const b = blob.slice();
    const rec = tableRecords(b).find((x) => x.enc === enc)!;
    const dv = new DataView(b.buffer);
    f(b, rec.streamAt, dv);
    dv.setUint32(F.H_CRC32, crc32(b, F.CRC_START, b.length), true);
    return b;
  };
  const E = F.ERR_BAD_ENCODING;

  it('targeted corruptions name the problem', () => {
    for (const build of BUILDS) expect(() => load(build, blob)).not.toThrow();
    expectLoadError(mutate(F.ENC_PACKED, (b, s) => { b[s + 4] = 33; }), E, /packed stream\): bits 33 must be at most 32/);
    expectLoadError(mutate(F.ENC_PACKED, (b, s) => { b[s + 5] = 3; }), E, /packed stream\): element size 3/);
    expectLoadError(mutate(F.ENC_PACKED, (b, s) => { b[s + 6] = 1; }), E, /packed stream\): reserved bytes/);
    expectLoadError(mutate(F.ENC_PACKED, (b, s) => { b[s + 4] += 1; }), E, /packed stream\): length \d+ != \d+ bytes/);
    expectLoadError(mutate(F.ENC_REQUANT, (b, s, dv) => dv.setUint32(s, dv.getUint32(s, true) - 1, true)), E, /requant stream\): length \d+ is not 12 \+ 2, 3 or 4 bytes/);
    expectLoadError(mutate(F.ENC_REQUANT, (b, s, dv) => dv.setFloat32(s + 4, NaN, true)), E, /requant stream\): channel 0: scales must be finite and positive/);
    expectLoadError(mutate(F.ENC_REQUANT, (b, s, dv) => dv.setFloat32(s + 8, 0, true)), E, /requant stream\): channel 0: scales must be finite/);
    expectLoadError(mutate(F.ENC_REQUANT, (b, s, dv) => dv.setUint16(s + 12 + 2 * 3, 0xff80, true)), E, /requant stream\): channel 3: scales must be finite/);
    // Shift values outside TFLite's range decode fine and are caught by the op checks after decoding.
    const shiftRec = tableRecords(blob).find((x) => x.enc === F.ENC_PACKED && /shift/.test(x.name))!;
    expect(shiftRec).toBeDefined();
    const bad = blob.slice();
    const bdv = new DataView(bad.buffer);
    bdv.setInt32(shiftRec.streamAt + 8, 100, true);
    bdv.setUint32(F.H_CRC32, crc32(bad, F.CRC_START, bad.length), true);
    expectLoadError(bad, F.ERR_BAD_OP, /\(shift\) channel 0: \d+ is outside \[-31, 30\]/);
  });

  it('random byte flips inside table streams: a load either succeeds or fails with an ERR_* code', () => {
    const r = rng(41);
    const recs = tableRecords(blob);
    let failures = 0;
    for (let t = 0; t < 150; t++) {
      const rec = recs[randInt(r, 0, recs.length - 1)];
      const b = blob.slice();
      const dv = new DataView(b.buffer);
      const len = dv.getUint32(rec.streamAt, true);
      b[rec.streamAt + randInt(r, 0, len - 1)] ^= 1 << randInt(r, 0, 7);
      dv.setUint32(F.H_CRC32, crc32(b, F.CRC_START, b.length), true);
      for (const build of BUILDS) {
        try { load(build, b); } catch (e) {
          expect(e, build).toBeInstanceOf(MoteError);
          failures++;
        }
      }
    }
    expect(failures).toBeGreaterThan(0);
  });
});

describe('KWS DS-CNN (../shared): compact tables give the same int8 outputs as raw tables', () => {
  it.skipIf(!haveShared)('mse calibration, bf16 and f32 scales, 12 samples, both builds', () => {
    if (noticeIfNoShared('KWS compact tables')) return;
    const model = readFileSync(sharedPath('mlperf_tiny/kws/kws_ref_model_float32.tflite'));
    const dir = sharedPath('eembc_kws01');
    const files = readdirSync(dir).filter((f) => f.endsWith('.bin')).sort();
    const sample = (i: number) => new Int8Array(readFileSync(join(dir, files[i])));
    const real = (q: Int8Array) => Float32Array.from(q, (v) => 0.584703 * (v - 83));
    const calibration = [0, 5, 10, 15, 20, 25, 30, 35].map((i) => [real(sample(i))]);
    for (const weightScales of ['f32', 'bf16'] as const) {
      const r = convert(model, 'kws.tflite', { precision: 'int8', calibration, calibrationMethod: 'mse', tables: 'compact', weightScales });
      const raw = expectSameAsRaw(r, Array.from({ length: 12 }, (_, k) => [graphInput(real(sample(1 + 3 * k)), r.graph)]), `kws ${weightScales}`);
      // 9 weighted layers: bias and shift always packed; the multipliers only from bf16 scales.
      const recs = tableRecords(r.blob);
      expect(recs.filter((t) => t.enc === F.ENC_PACKED).length).toBe(20);
      expect(recs.filter((t) => t.enc === F.ENC_REQUANT).length).toBe(weightScales === 'bf16' ? 10 : 0);
      expect(weightsSize(r.blob)).toBeLessThan(weightsSize(raw));
    }
  }, 120_000);
});

describe('KWS (../shared): the documented command lines (convert --calibration-data, eval --split)', () => {
  it.skipIf(!haveShared)('calibrate on every 5th sample, k=16 per channel + huffman + compact tables; score the other 400', async () => {
    if (noticeIfNoShared('KWS command lines')) return;
    const modelPath = sharedPath('mlperf_tiny/kws/kws_ref_model_float32.tflite');
    const dir = sharedPath('eembc_kws01');
    const spec = `kws01:${dir}?scale=0.584703&zp=83`;
    const out = join(mkdtempSync(join(tmpdir(), 'mote-kws-')), 'kws.mote');
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await convertCommand(modelPath, {
        output: out, precision: 'int8', calibrationMethod: 'mse', calibrationData: spec, calibSplit: 'interleaved', calibCount: '100',
        cluster: '16', clusterPerChannel: true, entropy: 'huffman', tables: 'compact',
      });
      write.mockClear();
      await evalCommand(out, { data: spec, build: 'simd', metric: 'accuracy', split: 'interleaved', calibCount: '100', json: true });
    } finally {
      write.mockRestore();
    }
    const json = JSON.parse(String(write.mock.calls.map((c) => c[0]).join('')));
    // The same blob from the API with calibration samples 0, 5, 10, ... listed by hand.
    const labels = readFileSync(join(dir, 'y_labels.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    const real = (f: string) => Float32Array.from(new Int8Array(readFileSync(join(dir, f))), (v) => 0.584703 * (v - 83));
    const calibration = labels.filter((_, i) => i % 5 === 0).map(([f]) => [real(f)]);
    const api = convert(readFileSync(modelPath), 'kws_ref_model_float32.tflite', {
      precision: 'int8', calibration, calibrationMethod: 'mse', cluster: 16, clusterPerChannel: true, entropy: 'huffman', tables: 'compact',
    });
    expect(sameBytes(readFileSync(out), api.blob)).toBe(true);
    // Held out = the 400 others, alternating validation / test; scored here by a plain loop.
    const model = load('scalar', api.blob);
    const rest = labels.map((row, i) => ({ row, i })).filter(({ i }) => i % 5 !== 0);
    const hits = rest.map(({ row }) => {
      const y = model.run([real(row[0])])[0] as ArrayLike<number>;
      let best = 0;
      for (let k = 1; k < y.length; k++) if (y[k] > y[best]) best = k;
      return best === Number(row[2]);
    });
    const count = (keep: (k: number) => boolean) => hits.filter((h, k) => h && keep(k)).length;
    expect(json.splits.validation).toMatchObject({ samples: 200, correct: count((k) => k % 2 === 0) });
    expect(json.splits.test).toMatchObject({ samples: 200, correct: count((k) => k % 2 === 1) });
    expect(json.splits.heldOut).toMatchObject({ samples: 400, correct: count(() => true) });
  }, 180_000);
});
