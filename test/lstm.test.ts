// UNIDIRECTIONAL_SEQUENCE_LSTM (issue 3 stretch): the TFLM mnist_lstm float model through the real
// pipeline (TFLite import → IR lstm → reference interpreter, and convert → blob → WASM runtime on
// both builds), checked against
//   - the labels of the 10 sample PNGs (desktop TFLite float: 9/10, sample9 → 3),
//   - a plain-JS forward pass written here straight from the flatbuffer's weights (read with the
//     importer's schema reader, so none of Mote's IR, lowering or kernels is involved),
//   - desktop TFLite's own float LSTM kernel (the tfjs-tflite wasm), a fresh interpreter per sample
//     (TFLite keeps variable tensors across Invoke; Mote starts every inference from zero state).
// Plus one-op lstm graphs with the forms the model does not use (time-major, batch > 1, cell clip,
// other activations) on the runtime vs the reference kernel, the PNG decoder vs a PNG encoded here,
// and clear errors for what is not supported.
import { readFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { convert } from '../converter/convert.js';
import { importTflite } from '../converter/import/tflite.js';
import { FbFile } from '../converter/import/tflite-flatbuffer.js';
import { readTfliteModel } from '../converter/import/tflite-schema.js';
import { prepareInt8 } from '../converter/passes/quantize/index.js';
import { lstmInt8Params, logisticS16, tanhS16 } from '../converter/reference/int8/lstm.js';
import type { LstmActivation, LstmAttrs } from '../converter/ir/graph.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { BUILDS, blobOf, ensureWasmBuilt, oneOpGraph, randF32, rng, runBlob } from './runtime-harness.js';
import { decodeGrayPng } from './support/png.js';
import { haveShared, noticeIfNoShared, sharedPath } from './support/shared.js';
import { loadTfliteWasm } from './support/tflite-wasm.js';

const DIR = 'tflm/mnist_lstm';
const argmax = (v: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
};
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

// ---- PNG: a tiny encoder, so the decoder is checked against bytes with known pixels --------------
function chunk(type: string, body: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, crc]);
}
/** 8-bit grayscale PNG; row y uses filter type y % 5 so all five filters are exercised. */
function encodeGrayPng(w: number, h: number, px: Uint8Array): Uint8Array {
  const raw = new Uint8Array(h * (w + 1));
  const at = (x: number, y: number) => (x >= 0 && y >= 0 ? px[y * w + x] : 0);
  for (let y = 0; y < h; y++) {
    const f = y % 5;
    raw[y * (w + 1)] = f;
    for (let x = 0; x < w; x++) {
      const a = at(x - 1, y), b = at(x, y - 1), c = at(x - 1, y - 1);
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][f];
      raw[y * (w + 1) + 1 + x] = (px[y * w + x] - pred) & 0xff;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

describe('test/support/png.ts', () => {
  it('decodes all five scanline filters of an 8-bit grayscale PNG encoded here', () => {
    const r = rng(7);
    const w = 13, h = 11;
    const px = Uint8Array.from({ length: w * h }, () => Math.floor(r() * 256));
    const img = decodeGrayPng(encodeGrayPng(w, h, px));
    expect([img.width, img.height]).toEqual([w, h]);
    expect(Array.from(img.pixels)).toEqual(Array.from(px));
  });
  it('rejects a bad CRC and a non-PNG with a message naming the file', () => {
    const bytes = encodeGrayPng(2, 2, new Uint8Array(4));
    bytes[20] ^= 1; // inside IHDR's body
    expect(() => decodeGrayPng(bytes, 'x.png')).toThrow(/x\.png: chunk IHDR .* bad CRC/);
    expect(() => decodeGrayPng(new Uint8Array(10), 'y.png')).toThrow(/y\.png: not a PNG/);
  });
});

// ---- an independent forward pass, straight from the flatbuffer -----------------------------------
interface PlainModel {
  /** Per gate (i, f, c, o): W [H][I], R [H][H], b [H]. */
  w: number[][][];
  r: number[][][];
  b: number[][];
  fcW: number[][];
  fcB: number[];
  hidden: number;
  /** The operator's cell_clip (UnidirectionalSequenceLSTMOptions field 1; 0 = none). */
  cellClip: number;
}

function plainModel(bytes: Uint8Array): PlainModel {
  const m = readTfliteModel(bytes);
  const floats = (i: number) => {
    const t = m.main.tensors[i];
    const d = m.buffers[t.buffer].data;
    const f = new Float32Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength));
    return { shape: t.shape, data: Array.from(f) };
  };
  const rows = (i: number) => {
    const { shape, data } = floats(i);
    return Array.from({ length: shape[0] }, (_, j) => data.slice(j * shape[1], (j + 1) * shape[1]));
  };
  const [lstm, , fc] = m.main.operators;
  const ins = lstm.inputs; // TFLite's fixed order: 1..4 input weights, 5..8 recurrent, 12..15 biases
  return {
    w: [1, 2, 3, 4].map((k) => rows(ins[k])),
    r: [5, 6, 7, 8].map((k) => rows(ins[k])),
    b: [12, 13, 14, 15].map((k) => floats(ins[k]).data),
    fcW: rows(fc.inputs[1]),
    fcB: floats(fc.inputs[2]).data,
    hidden: floats(ins[1]).shape[0],
    cellClip: lstm.builtinOptions?.float32(1, 'cell_clip') ?? 0,
  };
}

interface LstmState {
  h: number[];
  c: number[];
}

/**
 * LSTM over the 28 rows (tanh, cell clip), flatten, dense, softmax, in float64. From zero state, or
 * from `state` (what a desktop interpreter that is not reset carries over), which is updated.
 */
function plainForward(pm: PlainModel, x: Float32Array, state?: LstmState): number[] {
  const H = pm.hidden;
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const clip = pm.cellClip > 0 ? pm.cellClip : Infinity;
  let h = state ? [...state.h] : new Array<number>(H).fill(0);
  const c = state ? [...state.c] : new Array<number>(H).fill(0);
  const flat: number[] = [];
  for (let t = 0; t < 28; t++) {
    const xt = Array.from(x.subarray(t * 28, t * 28 + 28));
    const pre = (k: number, j: number) =>
      pm.b[k][j] + pm.w[k][j].reduce((s, v, i) => s + v * xt[i], 0) + pm.r[k][j].reduce((s, v, i) => s + v * h[i], 0);
    const hn: number[] = [];
    for (let j = 0; j < H; j++) {
      const i = sig(pre(0, j)), f = sig(pre(1, j)), g = Math.tanh(pre(2, j)), o = sig(pre(3, j));
      c[j] = Math.min(clip, Math.max(-clip, f * c[j] + i * g));
      hn.push(o * Math.tanh(c[j]));
    }
    h = hn;
    flat.push(...h);
  }
  if (state) {
    state.h = h;
    state.c = [...c];
  }
  const logits = pm.fcW.map((row, n) => pm.fcB[n] + row.reduce((s, v, i) => s + v * flat[i], 0));
  const mx = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - mx));
  const sum = e.reduce((s, v) => s + v, 0);
  return e.map((v) => v / sum);
}

describe.skipIf(!haveShared)('mnist_lstm float (UNIDIRECTIONAL_SEQUENCE_LSTM)', () => {
  noticeIfNoShared('mnist_lstm LSTM tests');
  const samples: { label: number; x: Float32Array }[] = [];
  let modelBytes: Uint8Array;
  let plain: number[][];

  beforeAll(async () => {
    modelBytes = readFileSync(sharedPath(`${DIR}/trained_lstm.tflite`));
    for (let d = 0; d < 10; d++) {
      const img = decodeGrayPng(readFileSync(sharedPath(`${DIR}/samples/sample${d}.png`)), `sample${d}.png`);
      expect([img.width, img.height]).toEqual([28, 28]);
      samples.push({ label: d, x: Float32Array.from(img.pixels, (p) => p / 255) });
    }
    const pm = plainModel(modelBytes);
    plain = samples.map((s) => plainForward(pm, s.x));
    await ensureWasmBuilt();
  }, 120_000);

  it('imports as one lstm node (13 inputs, tanh, batch-major, the file\'s cell clip) + reshape + fully_connected + softmax', () => {
    const g = importTflite(modelBytes);
    expect(g.nodes.map((n) => n.op)).toEqual(['lstm', 'reshape', 'fully_connected', 'softmax']);
    const lstm = g.nodes[0];
    expect(lstm.inputs.length).toBe(13);
    expect(lstm.attrs).toEqual({ timeMajor: false, activation: 'tanh', cellClip: plainModel(modelBytes).cellClip });
    expect(plainModel(modelBytes).cellClip).toBeGreaterThan(0); // this model clips (at 10)
    expect(g.tensor(lstm.outputs[0]).shape).toEqual([1, 28, 20]);
  });

  // From zero state, as TFLM's evaluate_test.py runs it (tflm_interpreter.reset() after each sample).
  it('reference interpreter matches the plain-JS forward pass (1e-6) and classifies all 10 samples', () => {
    const g = importTflite(modelBytes);
    const preds: number[] = [];
    samples.forEach((s, i) => {
      const [y] = runGraph(g, [s.x]);
      expect(maxAbsDiff(y as Float32Array, plain[i])).toBeLessThan(1e-6);
      preds.push(argmax(y as Float32Array));
    });
    expect(preds).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(plain.map(argmax)).toEqual(preds);
  });

  it('WASM runtime (both builds) matches the plain-JS forward pass (1e-5) with the same predictions', async () => {
    const { blob } = convert(modelBytes, 'trained_lstm.tflite', { precision: 'f32' });
    for (const build of BUILDS) {
      for (let i = 0; i < samples.length; i++) {
        const [y] = await runBlob(build, blob, [samples[i].x]);
        expect(maxAbsDiff(y as Float32Array, plain[i]), `${build} sample${i}`).toBeLessThan(1e-5);
        expect(argmax(y as Float32Array)).toBe(argmax(plain[i]));
      }
    }
  });

  it('desktop TFLite (tfjs-tflite wasm, fresh interpreter per sample) agrees within 1e-5', async () => {
    const tfl = await loadTfliteWasm({ simd: true });
    const g = importTflite(modelBytes);
    for (let i = 0; i < samples.length; i++) {
      const runner = tfl.createRunner(modelBytes);
      const [want] = runner.run([samples[i].x]);
      runner.dispose();
      const [got] = runGraph(g, [samples[i].x]);
      expect(maxAbsDiff(got as Float32Array, want as Float32Array), `sample${i}`).toBeLessThan(1e-5);
      expect(maxAbsDiff(plain[i], want as Float32Array), `sample${i} plain`).toBeLessThan(1e-5);
    }
  });

  // The shared README's "desktop TFLite float got 9/10 (sample9 → 3)" is one interpreter run over
  // sample0..9 in order WITHOUT reset_all_variables(): the LSTM state carries from sample to sample.
  // Reproduced here on both sides: the plain-JS pass with carried state gives the same numbers.
  it('desktop TFLite without resets between samples: 9/10 with sample9 → 3, explained by carried state', async () => {
    const tfl = await loadTfliteWasm({ simd: true });
    const runner = tfl.createRunner(modelBytes);
    const pm = plainModel(modelBytes);
    const state: LstmState = { h: new Array(pm.hidden).fill(0), c: new Array(pm.hidden).fill(0) };
    const preds: number[] = [];
    for (let i = 0; i < samples.length; i++) {
      const [got] = runner.run([samples[i].x]);
      const want = plainForward(pm, samples[i].x, state);
      expect(maxAbsDiff(got as Float32Array, want), `sample${i}`).toBeLessThan(1e-5);
      preds.push(argmax(got as Float32Array));
    }
    runner.dispose();
    expect(preds.filter((p, d) => p === d).length).toBe(9);
    expect(preds[9]).toBe(3);
  });

});

// ---- int8: TFLM's integer LSTM on the reference interpreter ----------------------------------------
/** A copy of the model whose graph output is tensor `t` (subgraph 0's outputs vector rewritten). */
function withOutput(bytes: Uint8Array, t: number): Uint8Array {
  const copy = bytes.slice();
  const sub = new FbFile(copy).root('TFL3', 'model').tableVector(2, 'subgraphs', (i) => `subgraph ${i}`)![0];
  const outs = sub.vector(2, 'outputs', 4)!;
  expect(outs.length).toBe(1);
  new DataView(copy.buffer, copy.byteOffset).setInt32(outs.start, t, true);
  return copy;
}

describe.skipIf(!haveShared)('mnist_lstm int8 (integer UNIDIRECTIONAL_SEQUENCE_LSTM, reference kernel)', () => {
  noticeIfNoShared('mnist_lstm int8 LSTM tests');
  let bytes: Uint8Array;
  const inputs: Int8Array[] = [];
  beforeAll(() => {
    bytes = new Uint8Array(readFileSync(sharedPath(`${DIR}/trained_lstm_int8.tflite`)));
    const xq = readTfliteModel(bytes).main.tensors[0].quantization!;
    for (let d = 0; d < 10; d++) {
      const img = decodeGrayPng(readFileSync(sharedPath(`${DIR}/samples/sample${d}.png`)), `sample${d}.png`);
      // pixel/255 quantized with the input's own scale and zero point (TFLite's rounding: half away from 0).
      inputs.push(Int8Array.from(img.pixels, (p) => Math.max(-128, Math.min(127, Math.round(p / 255 / xq.scale![0]) + xq.zeroPoint![0]))));
    }
  });

  const imported = (b: Uint8Array) => {
    const g = importTflite(b);
    prepareInt8(g);
    return g;
  };

  it('imports as an s8 lstm with the file\'s int16 cell state scale (2^-12) and cell clip', () => {
    const g = imported(bytes);
    expect(g.nodes.map((n) => n.op)).toEqual(['lstm', 'reshape', 'fully_connected', 'softmax']);
    const m = readTfliteModel(bytes);
    const cellState = m.main.tensors[m.main.operators[0].inputs[19]];
    expect(g.nodes[0].attrs).toMatchObject({ activation: 'tanh', timeMajor: false, cellScale: cellState.quantization!.scale![0] });
    expect(Math.log2((g.nodes[0].attrs as LstmAttrs).cellScale!)).toBe(-12);
    expect(g.tensor(g.nodes[0].inputs[0]).dtype).toBe('s8');
  });

  it('model outputs equal desktop TFLite byte for byte on the 10 samples, all classified correctly', async () => {
    const tfl = await loadTfliteWasm({ simd: true });
    const g = imported(bytes);
    const preds = inputs.map((x, d) => {
      const [got] = runGraph(g, [x]);
      const runner = tfl.createRunner(bytes);
      const [want] = runner.run([x]);
      runner.dispose();
      expect(Array.from(got as Int8Array), `sample${d}`).toEqual(Array.from(want as Int8Array));
      return argmax(got as Int8Array);
    });
    expect(preds).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  // Desktop TFLite's integer LSTM (tensor_utils, gemmlowp-style sigmoid/tanh) is not TFLM's
  // (lstm_eval.h, table-interpolated Logistic/Tanh on int16), so single gate values can differ by 1
  // LSB and the recurrence carries that into later steps. Observed on the LSTM output [1,28,20]:
  // the 10 samples 0 on 93 % of values, ±1 on the rest; 20 seeded random inputs ±1 on 5 %, +2 on
  // 3 of 11200. Asserted: samples |diff| <= 1; random |diff| <= 2 with at most 0.1 % at 2; both
  // under 10 % differing. (TFLM itself is the exactness target; no TFLM output for this model is
  // in the shared material.)
  it('the LSTM output itself vs desktop TFLite: ±1 on the samples, ±2 (rarely) on random inputs', async () => {
    const tfl = await loadTfliteWasm({ simd: true });
    const lstmOut = readTfliteModel(bytes).main.operators[0].outputs[0];
    const cut = withOutput(bytes, lstmOut);
    const g = imported(cut);
    const r = rng(2024);
    const random = Array.from({ length: 20 }, () => Int8Array.from({ length: 784 }, () => Math.floor(r() * 256) - 128));
    for (const [set, bound] of [[inputs, 1], [random, 2]] as const) {
      const count = new Map<number, number>();
      let total = 0;
      for (const x of set) {
        const [got] = runGraph(g, [x]);
        const runner = tfl.createRunner(cut);
        const [want] = runner.run([x]);
        runner.dispose();
        (got as Int8Array).forEach((v, i) => {
          const d = Math.abs(v - (want as Int8Array)[i]);
          count.set(d, (count.get(d) ?? 0) + 1);
        });
        total += (got as Int8Array).length;
      }
      expect(Math.max(...count.keys())).toBeLessThanOrEqual(bound);
      expect((count.get(2) ?? 0) / total).toBeLessThanOrEqual(0.001);
      expect(1 - (count.get(0) ?? 0) / total).toBeLessThan(0.1);
    }
  });

  it('Logistic16 / Tanh16 (TFLM table interpolation) track σ and tanh within 2 LSB of Q0.15', () => {
    for (let x = -32768; x <= 32767; x += 7) {
      const real = x / 4096; // Q3.12
      expect(Math.abs(logisticS16(x) - 32768 / (1 + Math.exp(-real)))).toBeLessThanOrEqual(2);
      expect(Math.abs(tanhS16(x, -12) - 32768 * Math.tanh(real))).toBeLessThanOrEqual(2);
    }
  });

  it('Prepare: each effective multiplier reproduces its real scale ratio', () => {
    const p = lstmInt8Params({ scale: 0.0039 }, [{ scale: 0.01 }], [{ scale: 0.02 }], { scale: 0.0078 }, 2 ** -12, 10);
    const real = (m: { multiplier: number; shift: number }) => m.multiplier * 2 ** (m.shift - 31);
    expect(real(p.inputFc[0]) / ((0.0039 * 0.01) / 2 ** -12)).toBeCloseTo(1, 8);
    expect(real(p.recurrentFc[0]) / ((0.0078 * 0.02) / 2 ** -12)).toBeCloseTo(1, 8);
    expect(real(p.forgetCellMul)).toBe(2 ** -15);
    expect(real(p.inputMul)).toBe(2 ** -18);
    expect(real(p.outputMul) / (2 ** -30 / 0.0078)).toBeCloseTo(1, 8);
    expect(p.cellScalePower).toBe(-12);
    expect(p.quantizedCellClip).toBe(32767); // 10 / 2^-12 = 40960, clamped to int16
  });

  it('WASM runtime (both builds) equals the reference byte for byte: model outputs and the LSTM output', async () => {
    await ensureWasmBuilt();
    const lstmOut = readTfliteModel(bytes).main.operators[0].outputs[0];
    const cut = withOutput(bytes, lstmOut);
    const r = rng(77);
    const random = Array.from({ length: 10 }, () => Int8Array.from({ length: 784 }, () => Math.floor(r() * 256) - 128));
    for (const [b, name] of [[bytes, 'model'], [cut, 'lstm output']] as const) {
      const g = imported(b);
      const { blob } = convert(b, 'trained_lstm_int8.tflite', { precision: 'int8' });
      for (const build of BUILDS) {
        for (const [i, x] of [...inputs, ...random].entries()) {
          const [want] = runGraph(g, [x]);
          const [got] = await runBlob(build, blob, [x]);
          expect(Array.from(got as Int8Array), `${name} ${build} input ${i}`).toEqual(Array.from(want as Int8Array));
        }
      }
    }
  });
});

// ---- one-op lstm graphs: forms the model does not use, runtime vs reference kernel ---------------
function lstmGraph(seed: number, timeMajor: boolean, batch: number, steps: number, inSize: number, hidden: number, attrs: Partial<LstmAttrs>) {
  const r = rng(seed);
  const x = { dtype: 'f32' as const, shape: timeMajor ? [steps, batch, inSize] : [batch, steps, inSize] };
  const c = (shape: number[], scale: number) => ({ dtype: 'f32' as const, shape, data: randF32(r, shape.reduce((a, b) => a * b, 1), scale) });
  const inputs = [
    x,
    ...[0, 1, 2, 3].map(() => c([hidden, inSize], 0.8)),
    ...[0, 1, 2, 3].map(() => c([hidden, hidden], 0.8)),
    ...[0, 1, 2, 3].map(() => c([hidden], 0.5)),
  ];
  const g = oneOpGraph('lstm', inputs, { dtype: 'f32' }, { timeMajor, activation: 'tanh', cellClip: 0, ...attrs });
  return { g, x: randF32(r, x.shape.reduce((a, b) => a * b, 1), 2) };
}

describe('lstm one-op graphs: WASM runtime vs reference kernel', () => {
  beforeAll(() => ensureWasmBuilt(), 120_000);
  const cases: [string, boolean, number, Partial<LstmAttrs>][] = [
    ['batch-major, batch 3, tanh', false, 3, {}],
    ['time-major, batch 2, tanh, cell clip 0.7', true, 2, { cellClip: 0.7 }],
    ...(['none', 'relu', 'relu_n1_to_1', 'relu6'] as LstmActivation[]).map(
      (a, i): [string, boolean, number, Partial<LstmAttrs>] => [`activation ${a}`, i % 2 === 0, 2, { activation: a }],
    ),
  ];
  it.each(cases)('%s', async (_name, timeMajor, batch, attrs) => {
    const { g, x } = lstmGraph(11 + batch, timeMajor, batch, 5, 3, 4, attrs);
    const [want] = runGraph(g, [x]);
    const blob = blobOf(g);
    for (const build of BUILDS) {
      const [got] = await runBlob(build, blob, [x]);
      expect(maxAbsDiff(got as Float32Array, want as Float32Array), build).toBeLessThan(1e-5);
    }
  });

  // s8 (TFLM integer LSTM) forms the model does not use: time-major, batch 2, non-zero input and
  // hidden zero points, another cell scale (2^-11) and an active cell clip.
  it.each([
    ['s8 time-major, batch 2, cell scale 2^-11, clip 0.25', true, 2, 2 ** -11, 0.25],
    ['s8 batch-major, batch 3, cell scale 2^-12, no clip', false, 3, 2 ** -12, 0],
  ] as const)('%s', async (_name, timeMajor, batch, cellScale, cellClip) => {
    const r = rng(batch * 31);
    const [steps, inSize, hidden] = [6, 5, 4];
    const s8 = (shape: number[], scale: number, zp = 0) => ({
      dtype: 's8' as const, shape, quant: { scale, zeroPoint: zp },
      data: Int8Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.floor(r() * 256) - 128),
    });
    const xShape = timeMajor ? [steps, batch, inSize] : [batch, steps, inSize];
    const xq = { scale: 0.02, zeroPoint: -5 };
    const wScales = [0.004, 0.006, 0.005, 0.007];
    const inputs = [
      { dtype: 's8' as const, shape: xShape, quant: xq },
      ...wScales.map((sc) => s8([hidden, inSize], sc)),
      ...wScales.map((sc) => s8([hidden, hidden], sc * 1.3)),
      ...wScales.map((sc) => ({
        dtype: 's32' as const, shape: [hidden], quant: { scale: xq.scale * sc, zeroPoint: 0 },
        data: Int32Array.from({ length: hidden }, () => Math.floor(r() * 4000) - 2000),
      })),
    ];
    const g = oneOpGraph('lstm', inputs, { dtype: 's8', quant: { scale: 1 / 128, zeroPoint: 3 } }, { timeMajor, activation: 'tanh', cellClip, cellScale });
    const x = Int8Array.from({ length: xShape.reduce((a, b) => a * b, 1) }, () => Math.floor(r() * 256) - 128);
    const [want] = runGraph(g, [x]);
    const blob = blobOf(g);
    for (const build of BUILDS) {
      const [got] = await runBlob(build, blob, [x]);
      expect(Array.from(got as Int8Array), build).toEqual(Array.from(want as Int8Array));
    }
    // Not degenerate: the hidden state moves away from its zero point, and the clip bites.
    expect(new Set(want as Int8Array).size).toBeGreaterThan(5);
    if (cellClip > 0) {
      g.nodes[0].attrs = { ...(g.nodes[0].attrs as LstmAttrs), cellClip: 0 };
      const [unclipped] = runGraph(g, [x]);
      expect(Array.from(unclipped as Int8Array)).not.toEqual(Array.from(want as Int8Array));
    }
  });

  it('cell clip is effective (the clipped run differs from the unclipped one)', () => {
    const a = lstmGraph(5, false, 1, 6, 3, 4, {});
    const b = lstmGraph(5, false, 1, 6, 3, 4, { cellClip: 0.05 });
    const [ya] = runGraph(a.g, [a.x]);
    const [yb] = runGraph(b.g, [b.x]);
    expect(maxAbsDiff(ya as Float32Array, yb as Float32Array)).toBeGreaterThan(1e-3);
    // With |c| <= 0.05 and tanh, |h| = |o·tanh(c)| < 0.05.
    expect(Math.max(...Array.from(yb as Float32Array, Math.abs))).toBeLessThan(0.05);
  });
});
