// 1-bit weights (ENC_BINARY) read in place by the conv2d / fully_connected kernels
// (assembly/kernels/binary_weights.ts, STORAGE_DIRECT). The first check of every direct kernel: the
// same graph emitted with the weights read in place, expanded at load from the same stream, and
// stored plain gives the same int8 bytes on both builds, and equals the reference interpreter on
// the dense graph. Shapes are random, with K not a multiple of 32 or 128, channel counts not a
// multiple of 4, zero-magnitude channels, padding, strides, dilations and 1x1 in-place pixels.
// Corrupt binary streams must fail to load with a typed error naming the tensor.
import { beforeAll, describe, expect, it } from 'vitest';
import * as F from '../format/format.js';
import { crc32, emitBlob } from '../converter/emit/index.js';
import { planMemory } from '../converter/plan/index.js';
import { runGraph } from '../converter/reference/interpreter.js';
import type { Graph, Int8Params, TensorData } from '../converter/ir/graph.js';
import { quantizeMultiplier } from '../converter/passes/quantize/multiplier.js';
import { binaryLayout, checkBinaryStream, decodeBinaryWeights, encodeBinaryWeights, signWordAt } from '../converter/codec/binary-weights.js';
import { conv2dBinaryRef, fullyConnectedBinaryRef } from '../converter/reference/int8/binary.js';
import { MoteError, MoteRuntime, type MoteBuild, type MoteTypedArray } from '../host/runtime.js';
import { BUILDS, oneOpGraph, randInt, randS8, rng, wasmModule, type TensorSpec } from './runtime-harness.js';

const modules = new Map<MoteBuild, WebAssembly.Module>();
beforeAll(async () => {
  for (const b of BUILDS) modules.set(b, await wasmModule(b));
}, 180_000);
const load = (build: MoteBuild, blob: Uint8Array) => MoteRuntime.fromModule(build, modules.get(build)!).load(blob);
const bytesOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Int8 weights [o, k] with w[c] in {-a_c, +a_c}; some channels a_c = 0 when `zeros`. */
export function binaryWeights(r: () => number, o: number, k: number, zeros = true): Int8Array {
  const w = new Int8Array(o * k);
  for (let c = 0; c < o; c++) {
    const a = zeros && r() < 0.1 ? 0 : r() < 0.5 ? 127 : randInt(r, 1, 127);
    for (let i = 0; i < k; i++) w[c * k + i] = r() < 0.5 ? a : -a;
  }
  return w;
}

function requantInputs(r: () => number, o: number, inScale: number, outScale: number): TensorSpec[] {
  const mult = new Int32Array(o), shift = new Int32Array(o);
  for (let c = 0; c < o; c++) {
    const m = quantizeMultiplier((inScale * (0.0005 + r() * 0.004)) / outScale);
    mult[c] = m.multiplier;
    shift[c] = m.shift;
  }
  return [{ dtype: 's32', shape: [o], data: mult }, { dtype: 's32', shape: [o], data: shift }];
}

interface BinCase { label: string; g: Graph; inputs: TensorData[][] }

/** The emitter option that stores the (last) weighted op's weights as a binary stream read in place. */
const directBinary = (g: Graph) => new Map([[g.nodes[g.nodes.length - 1].inputs[1], 'binary' as const]]);

function randomCase(r: () => number, kind: 'conv' | 'conv1x1' | 'fc', c: number, o: number): BinCase {
  const xq = { scale: 0.02 + r() * 0.05, zeroPoint: randInt(r, -100, 100) };
  const act: Int8Params = r() < 0.5 ? { actMin: -128, actMax: 127 } : { actMin: randInt(r, -128, 0), actMax: randInt(r, 30, 127) };
  const bias = (n: number): TensorSpec | null => (r() < 0.8 ? { dtype: 's32', shape: [n], data: Int32Array.from({ length: n }, () => randInt(r, -40000, 40000)) } : null);
  if (kind === 'fc') {
    const rows = randInt(r, 1, 3);
    const oq = { scale: xq.scale * 0.004 * Math.sqrt(c) * 20, zeroPoint: randInt(r, -20, 20) };
    const g = oneOpGraph('fully_connected', [
      { dtype: 's8', shape: [rows, c], quant: xq },
      { dtype: 's8', shape: [o, c], data: binaryWeights(r, o, c) },
      bias(o),
      ...requantInputs(r, o, xq.scale, oq.scale),
    ], { dtype: 's8', quant: oq }, {}, act);
    return { label: `fully_connected x[${rows},${c}] n${o}`, g, inputs: [0, 1].map(() => [randS8(r, rows * c)]) };
  }
  const n = randInt(r, 1, 2), h = randInt(r, 1, 6), w = randInt(r, 1, 6);
  let attrs = { strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], group: 1 };
  let kh = 1, kw = 1;
  if (kind === 'conv') {
    kh = randInt(r, 1, 3);
    kw = randInt(r, 1, 3);
    for (;;) {
      const strides = [randInt(r, 1, 2), randInt(r, 1, 2)], dilations = [randInt(r, 1, 2), randInt(r, 1, 2)];
      const eh = dilations[0] * (kh - 1) + 1, ew = dilations[1] * (kw - 1) + 1;
      const pads = [randInt(r, 0, Math.min(2, eh - 1)), randInt(r, 0, Math.min(2, ew - 1)), randInt(r, 0, Math.min(2, eh - 1)), randInt(r, 0, Math.min(2, ew - 1))];
      if (h + pads[0] + pads[2] >= eh && w + pads[1] + pads[3] >= ew) { attrs = { strides, dilations, pads, group: 1 }; break; }
    }
  }
  const k = kh * kw * c;
  const oq = { scale: xq.scale * 0.004 * Math.sqrt(k) * 20, zeroPoint: randInt(r, -20, 20) };
  const g = oneOpGraph('conv2d', [
    { dtype: 's8', shape: [n, h, w, c], quant: xq },
    { dtype: 's8', shape: [o, kh, kw, c], data: binaryWeights(r, o, k) },
    bias(o),
    ...requantInputs(r, o, xq.scale, oq.scale),
  ], { dtype: 's8', quant: oq }, attrs as never, act);
  return { label: `conv2d x[${n},${h},${w},${c}] w[${o},${kh},${kw},${c}] ${JSON.stringify(attrs)}`, g, inputs: [0, 1].map(() => [randS8(r, n * h * w * c)]) };
}

function cases(): BinCase[] {
  const r = rng(6001);
  const out: BinCase[] = [];
  // K around the 32-bit word and 128-bit vector edges, channel counts around the 4-channel groups.
  for (const c of [1, 3, 8, 31, 32, 33, 64, 100, 127, 128, 129, 300]) {
    for (const o of [1, 4, 5, 11]) {
      out.push(randomCase(r, 'fc', c, o));
    }
  }
  for (const c of [1, 2, 5, 8, 13, 16, 32, 33]) out.push(randomCase(r, 'conv', c, randInt(r, 1, 9)), randomCase(r, 'conv', c, 8));
  for (const c of [3, 32, 64, 70]) out.push(randomCase(r, 'conv1x1', c, randInt(r, 1, 17)));
  // Long rows: u16 lane accumulators in the SIMD kernel are flushed every 256 words (8192 bits).
  out.push(randomCase(r, 'fc', 8176, 6));
  return out;
}

const storage = (blob: Uint8Array, kind: number) => {
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  let n = 0;
  for (let id = 0; id < dv.getUint32(F.H_TENSOR_COUNT, true); id++) {
    if (dv.getUint8(dv.getUint32(F.H_TENSOR_TABLE_OFFSET, true) + id * F.TENSOR_RECORD_SIZE + F.T_STORAGE) === kind) n++;
  }
  return n;
};

describe('1-bit x int8 kernels (direct) == the same weights expanded == plain == reference', () => {
  for (const tc of cases()) {
    it(tc.label, () => {
      const plan = planMemory(tc.g);
      const direct = emitBlob(tc.g, plan, {}, { directWeights: directBinary(tc.g) });
      const expanded = emitBlob(tc.g, plan, {}, { encodeWeights: ['binary'] });
      const plain = emitBlob(tc.g, plan);
      expect(storage(direct, F.STORAGE_DIRECT), 'weights read in place').toBe(1);
      // (Expanded only when the stream is smaller than the dense bytes, else stored plain.)
      expect(storage(expanded, F.STORAGE_DIRECT) + storage(plain, F.STORAGE_DIRECT), 'nothing else read in place').toBe(0);
      for (const x of tc.inputs) {
        const want = bytesOf(runGraph(tc.g, x)[0] as Int8Array);
        for (const build of BUILDS) {
          for (const [what, blob] of [['direct', direct], ['expanded', expanded], ['plain', plain]] as const) {
            const got = load(build, blob).run(x as MoteTypedArray[])[0];
            expect(bytesOf(got).equals(want), `${build} ${what}`).toBe(true);
          }
        }
      }
    });
  }
});

describe('ENC_BINARY stream', () => {
  it('round-trips through encode, check and decode; non-binary weights are not encoded', () => {
    const r = rng(17);
    for (const [o, k] of [[1, 1], [3, 31], [4, 32], [5, 33], [9, 200]]) {
      const w = binaryWeights(r, o, k);
      const s = encodeBinaryWeights(w, [o, k])!;
      expect(s.length).toBe(binaryLayout(o, k).length);
      expect(Buffer.from(decodeBinaryWeights(s, [o, k])).equals(Buffer.from(w))).toBe(true);
    }
    const w = binaryWeights(r, 4, 16, false);
    w[5] = w[5] === 127 ? 126 : 1;
    expect(encodeBinaryWeights(w, [4, 16])).toBeUndefined();
  });

  /** A blob whose only weights are one direct binary stream; returns it and the stream's offset. */
  function directBlob(): { blob: Uint8Array; at: number; o: number; k: number } {
    const tc = randomCase(rng(99), 'fc', 45, 6);
    const blob = emitBlob(tc.g, planMemory(tc.g), {}, { directWeights: directBinary(tc.g) });
    const dv = new DataView(blob.buffer);
    for (let id = 0; id < dv.getUint32(F.H_TENSOR_COUNT, true); id++) {
      const rec = dv.getUint32(F.H_TENSOR_TABLE_OFFSET, true) + id * F.TENSOR_RECORD_SIZE;
      if (dv.getUint8(rec + F.T_STORAGE) === F.STORAGE_DIRECT) {
        return { blob, at: dv.getUint32(F.H_WEIGHTS_OFFSET, true) + dv.getUint32(rec + F.T_STREAM_OFFSET, true), o: 6, k: 45 };
      }
    }
    throw new Error('no direct record');
  }

  const corruptions: [string, (b: Uint8Array, dv: DataView, at: number, o: number, k: number) => void, RegExp][] = [
    ['length word', (b, dv, at) => dv.setUint32(at, dv.getUint32(at, true) - 4, true), /length \d+ != \d+ bytes/],
    ['channel count', (b, dv, at) => dv.setUint32(at + 4, 5, true), /5 channels x 45 weights do not match/],
    ['reserved word', (b, dv, at) => dv.setUint32(at + 12, 1, true), /reserved word must be 0/],
    ['magnitude over 127', (b, dv, at) => (b[at + F.BINARY_HEADER_SIZE + 2] = 200), /channel 2: magnitude 200 exceeds 127/],
    ['padding channel magnitude', (b, dv, at) => (b[at + F.BINARY_HEADER_SIZE + 7] = 1), /channel 7: magnitude 1 of a padding channel/],
    ['bit past K', (b, dv, at, o, k) => dv.setUint32(at + signWordAt(binaryLayout(o, k), 1, 1), 1 << 20, true), /channel 1 sign word 1/],
    ['padding channel bits', (b, dv, at, o, k) => dv.setUint32(at + signWordAt(binaryLayout(o, k), 7, 0), 1, true), /channel 7 sign word 0 must be 0/],
  ];
  for (const [what, corrupt, message] of corruptions) {
    it(`corrupt ${what}: typed load error on both builds, and the TS check agrees`, () => {
      const { blob, at, o, k } = directBlob();
      const b = blob.slice();
      const dv = new DataView(b.buffer);
      corrupt(b, dv, at, o, k);
      dv.setUint32(F.H_CRC32, crc32(b, F.CRC_START, b.length), true);
      expect(() => checkBinaryStream(b.subarray(at), [o, k])).toThrow(RangeError);
      for (const build of BUILDS) {
        let err: unknown;
        try {
          load(build, b);
        } catch (e) {
          err = e;
        }
        expect(err, build).toBeInstanceOf(MoteError);
        expect((err as MoteError).code, build).toBe(F.ERR_BAD_ENCODING);
        expect((err as Error).message, build).toMatch(/tensor \d+ \(binary stream\)/);
        expect((err as Error).message, build).toMatch(message);
      }
    });
  }
});

// ---- XNOR: binarize (s8 → sign8) then conv2d / fully_connected with binary weights ----------------

/** x (s8) → binarize(threshold) → the case's op, whose input becomes the sign8 tensor (scale beta, zp 0). */
function withBinarizedInput(tc: BinCase, r: () => number): BinCase {
  const g = tc.g;
  const node = g.nodes[0];
  const x = g.tensor(node.inputs[0]);
  const threshold = randInt(r, -20, 20) + x.quant!.zeroPoint[0];
  g.addTensor({ name: 'xb', dtype: 's8', shape: [...x.shape], quant: { scale: [0.5 + r()], zeroPoint: [0] } });
  g.nodes.unshift({ op: 'binarize', name: 'binarize_node', inputs: [node.inputs[0]], outputs: ['xb'], attrs: { threshold } } as never);
  node.inputs = ['xb', ...node.inputs.slice(1)];
  return { ...tc, label: `binarize(t=${threshold}) → ${tc.label}` };
}

function xnorCases(): BinCase[] {
  const r = rng(7007);
  const out: BinCase[] = [];
  for (const c of [1, 5, 32, 33, 64, 127, 128, 200, 1000]) out.push(withBinarizedInput(randomCase(r, 'fc', c, randInt(r, 1, 9)), r));
  for (const c of [1, 3, 8, 16, 33]) out.push(withBinarizedInput(randomCase(r, 'conv', c, randInt(r, 1, 9)), r));
  for (const c of [16, 64, 65]) out.push(withBinarizedInput(randomCase(r, 'conv1x1', c, 8), r));
  return out;
}

/** The weights' binary stream and the op node of a case (the last node). */
function streamOf(g: Graph): Uint8Array {
  const node = g.nodes[g.nodes.length - 1];
  const w = g.tensor(node.inputs[1]);
  return encodeBinaryWeights(w.data as Int8Array, w.shape)!;
}

/** Runs the case's weighted op with the popcount reference kernel on the dense graph's own input value. */
function popcountReference(g: Graph, x: TensorData[], sign: boolean): Int8Array {
  const node = g.nodes[g.nodes.length - 1];
  let input: Int8Array | undefined;
  runGraph(g, x, { observe: (name, v) => { if (name === node.inputs[0]) input = v.data as Int8Array; } });
  const values = node.inputs.map((name) => {
    if (!name) return undefined;
    const t = g.tensor(name);
    return { data: name === node.inputs[0] ? input! : t.data!, shape: t.shape, dtype: t.dtype, quant: t.quant };
  });
  const outputs = node.outputs.map((n) => g.tensor(n));
  return node.op === 'conv2d'
    ? conv2dBinaryRef(node, values, outputs, streamOf(g), sign)
    : fullyConnectedBinaryRef(node, values, outputs, streamOf(g), sign);
}

describe('popcount reference kernels == dense reference kernels', () => {
  it('1-bit x int8 (bit planes): every case of the runtime table', () => {
    for (const tc of cases()) {
      for (const x of tc.inputs) {
        expect(Buffer.from(popcountReference(tc.g, x, false)).equals(bytesOf(runGraph(tc.g, x)[0] as Int8Array)), tc.label).toBe(true);
      }
    }
  });
  it('XNOR (sign input, padded taps 0)', () => {
    for (const tc of xnorCases()) {
      for (const x of tc.inputs) {
        expect(Buffer.from(popcountReference(tc.g, x, true)).equals(bytesOf(runGraph(tc.g, x)[0] as Int8Array)), tc.label).toBe(true);
      }
    }
  });
});

describe('XNOR-popcount kernels (sign8 input, direct binary weights) == expanded == plain == reference', () => {
  for (const tc of xnorCases()) {
    it(tc.label, () => {
      const plan = planMemory(tc.g);
      const direct = emitBlob(tc.g, plan, {}, { directWeights: directBinary(tc.g) });
      const plain = emitBlob(tc.g, plan);
      expect(storage(direct, F.STORAGE_DIRECT)).toBe(1);
      for (const x of tc.inputs) {
        const want = Buffer.from(popcountReference(tc.g, x, true));
        expect(want.equals(bytesOf(runGraph(tc.g, x)[0] as Int8Array))).toBe(true);
        for (const build of BUILDS) {
          for (const [what, blob] of [['direct (XNOR)', direct], ['plain', plain]] as const) {
            const got = load(build, blob).run(x as MoteTypedArray[])[0];
            expect(bytesOf(got).equals(want), `${build} ${what}`).toBe(true);
          }
        }
      }
    });
  }

  it('binarize writes sign8; a sign8 graph input is refused at load', () => {
    const tc = xnorCases()[0];
    const blob = emitBlob(tc.g, planMemory(tc.g));
    const dv = new DataView(blob.buffer);
    let sign8 = -1;
    for (let id = 0; id < dv.getUint32(F.H_TENSOR_COUNT, true); id++) {
      if (dv.getUint8(dv.getUint32(F.H_TENSOR_TABLE_OFFSET, true) + id * F.TENSOR_RECORD_SIZE + F.T_DTYPE) === F.DTYPE_SIGN8) sign8 = id;
    }
    expect(sign8).toBeGreaterThanOrEqual(0);
    // Point the graph input at the sign8 tensor.
    const b = blob.slice();
    const bv = new DataView(b.buffer);
    bv.setUint32(bv.getUint32(F.H_INDEX_OFFSET, true) + 4 * bv.getUint32(F.H_INPUTS_INDEX, true), sign8, true);
    bv.setUint32(F.H_CRC32, crc32(b, F.CRC_START, b.length), true);
    for (const build of BUILDS) expect(() => load(build, b)).toThrow(/graph input 0: .*not sign8/);
  });
});

describe('convert: binary layers and binarized activations end to end (demo CNN)', () => {
  it('placement direct: binary layers read in place, XNOR on the binarized input; both builds equal the reference interpreter', async () => {
    const { initCnn } = await import('../converter/demo/cnn.js');
    const { cnnToOnnx } = await import('../converter/demo/export.js');
    const { makeDataset } = await import('../converter/demo/data.js');
    const { convert } = await import('../converter/convert.js');
    const onnx = cnnToOnnx(initCnn({ size: 16, c1: 8, c2: 16, classes: 5 }, 3), ['a', 'b', 'c', 'd', 'e']);
    const ds = makeDataset(24, 1);
    const image = (i: number) => ds.images.slice(i * 256, (i + 1) * 256);
    const calibration = Array.from({ length: 12 }, (_, i) => [image(i)]);
    const probe = convert(onnx, 'demo.onnx', { precision: 'int8', calibration, binarize: 'auto' });
    const inner = probe.report.weightCompression.filter((c) => c.method === 'binarize').map((c) => c.layer);
    expect(inner.length).toBeGreaterThan(0);
    const r = convert(onnx, 'demo.onnx', { precision: 'int8', calibration, binarize: 'auto', binarizeActivations: inner, placement: 'direct' });
    expect(r.report.encodedWeights.filter((e) => e.direct && e.encoding === 'binary').length).toBe(inner.length);
    expect(r.report.activationBinarization!.map((a) => a.layer)).toEqual(inner);
    for (const a of r.report.activationBinarization!) {
      expect(a.beta).toBeGreaterThan(0);
      expect(a.relativeError).toBeGreaterThan(0);
      expect(a.relativeError).toBeLessThan(1);
    }
    const g = r.graph;
    const x = g.tensor(g.inputs[0]);
    for (const i of [12, 17, 23]) {
      const input = x.dtype === 's8'
        ? Int8Array.from(image(i), (v) => Math.max(-128, Math.min(127, Math.round(v / x.quant!.scale[0]) + x.quant!.zeroPoint[0])))
        : image(i);
      const want = bytesOf(runGraph(g, [input])[0] as ArrayBufferView);
      for (const build of BUILDS) expect(bytesOf(load(build, r.blob).run([input as MoteTypedArray])[0]).equals(want), build).toBe(true);
    }
  });
});

describe('mote convert --binarize-activations', () => {
  it('reaches the converter (report lists the XNOR layers, weights read in place); without --binarize it is a usage error', async () => {
    const { mkdtempSync, rmSync, writeFileSync, mkdirSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { vi } = await import('vitest');
    const { convertCommand } = await import('../host/cli/convert.js');
    const { writeNpy } = await import('../host/npy.js');
    const { initCnn } = await import('../converter/demo/cnn.js');
    const { cnnToOnnx } = await import('../converter/demo/export.js');
    const { makeDataset } = await import('../converter/demo/data.js');
    const dir = mkdtempSync(join(tmpdir(), 'mote-xnor-'));
    try {
      const model = join(dir, 'demo.onnx');
      writeFileSync(model, cnnToOnnx(initCnn({ size: 16, c1: 8, c2: 16, classes: 5 }, 3), ['a', 'b', 'c', 'd', 'e']));
      const ds = makeDataset(8, 2);
      const calib = join(dir, 'calib');
      mkdirSync(calib);
      for (let i = 0; i < 8; i++) writeFileSync(join(calib, `${i}.npy`), writeNpy(ds.images.slice(i * 256, (i + 1) * 256), [1, 1, 16, 16]));
      const out = join(dir, 'demo.mote');
      const base = { output: out, precision: 'int8', calibration: [calib], calibrationMethod: 'minmax', binarize: 'auto', placement: 'direct', json: true };
      let text = '';
      const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((text += String(chunk)), true));
      let layer: string;
      try {
        await convertCommand(model, base);
        layer = JSON.parse(text).weightCompression.find((c: { method: string }) => c.method === 'binarize').layer;
        text = '';
        await convertCommand(model, { ...base, binarizeActivations: layer });
      } finally {
        spy.mockRestore();
      }
      const report = JSON.parse(text);
      expect(report.activationBinarization.map((a: { layer: string }) => a.layer)).toEqual([layer]);
      expect(report.encodedWeights.some((e: { direct?: boolean; encoding: string }) => e.direct && e.encoding === 'binary')).toBe(true);
      await expect(convertCommand(model, { ...base, binarize: undefined, binarizeActivations: layer })).rejects.toThrow(/--binarize-activations LAYERS needs .* --binarize/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
