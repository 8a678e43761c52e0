// Weights read as stored (STORAGE_DIRECT, assembly/kernels/direct.ts): sparse-rows and palette
// streams read by the fully_connected / conv2d direct kernels must give exactly the bytes of the
// same graph run with dense weights (plain and expanded at load), and of the reference
// interpreter, on both builds — for random shapes, densities and palette sizes, including empty
// rows, all-zero tensors, density 1.0, gaps past 255 columns and odd sizes. Corrupt direct streams
// and direct weights where no direct kernel exists must give typed load errors, never a trap.
import { beforeAll, describe, expect, it } from 'vitest';
import * as F from '../format/format.js';
import type { Graph, Node, TensorData } from '../converter/ir/graph.js';
import { crc32, emitBlob } from '../converter/emit/index.js';
import { planMemory } from '../converter/plan/index.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { decodeWeights, encodeSparseRows, type DirectEncoding } from '../converter/codec/streams.js';
import { quantizeMultiplier } from '../converter/passes/quantize/multiplier.js';
import { MoteError, MoteRuntime, type MoteBuild, type MoteTypedArray } from '../host/runtime.js';
import { BUILDS, oneOpGraph, randInt, randS8, repoRoot, rng, wasmModule, type TensorSpec } from './runtime-harness.js';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { convertCommand } from '../host/cli/convert.js';
import { inspectCommand } from '../host/cli/inspect.js';
import { initCnn } from '../converter/demo/cnn.js';
import { cnnToOnnx } from '../converter/demo/export.js';
import { convert } from '../converter/convert.js';
import { readIdx } from '../converter/data/idx.js';
import { decidePlacement, expectedRatio, MEASURED_DIRECT_SPEED, type PlacementCandidate } from '../converter/plan/weights-placement.js';
import { haveShared, noticeIfNoShared, sharedPath } from './support/shared.js';

const modules = new Map<MoteBuild, WebAssembly.Module>();
beforeAll(async () => {
  for (const b of BUILDS) modules.set(b, await wasmModule(b));
}, 120_000);
const load = (build: MoteBuild, blob: Uint8Array) => MoteRuntime.fromModule(build, modules.get(build)!).load(blob);
const bytesOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Weights [rows, K] with about `density` non-zeros; row `emptyRow` (if any) all zero. */
function sparseWeights(r: () => number, rows: number, K: number, density: number, emptyRow = -1): Int8Array {
  return Int8Array.from({ length: rows * K }, (_, i) => {
    if (Math.floor(i / K) === emptyRow || r() >= density) return 0;
    let v = 0;
    while (v === 0) v = randInt(r, -127, 127);
    return v;
  });
}

/** Weights [rows, K] taking k distinct values per row (perChannel) or per tensor. */
function paletteWeights(r: () => number, rows: number, K: number, k: number, perChannel: boolean): Int8Array {
  const book = () => Array.from({ length: k }, () => randInt(r, -127, 127));
  let b = book();
  const out = new Int8Array(rows * K);
  for (let n = 0; n < rows; n++) {
    if (perChannel) b = book();
    for (let j = 0; j < K; j++) out[n * K + j] = b[randInt(r, 0, k - 1)];
  }
  return out;
}

function requant(r: () => number, o: number, inScale: number, outScale: number): TensorSpec[] {
  const mult = new Int32Array(o), shift = new Int32Array(o);
  for (let i = 0; i < o; i++) {
    const m = quantizeMultiplier((inScale * (0.002 + r() * 0.01)) / outScale);
    mult[i] = m.multiplier;
    shift[i] = m.shift;
  }
  return [{ dtype: 's32', shape: [o], data: mult }, { dtype: 's32', shape: [o], data: shift }];
}

function fcGraph(r: () => number, rows: number, n: number, k: number, w: Int8Array): Graph {
  const xq = { scale: 0.02 + r() * 0.05, zeroPoint: randInt(r, -100, 100) };
  const oq = { scale: xq.scale * 0.02 * Math.sqrt(k), zeroPoint: randInt(r, -20, 20) };
  const bias: TensorSpec | null = r() < 0.8 ? { dtype: 's32', shape: [n], data: Int32Array.from({ length: n }, () => randInt(r, -3000, 3000)) } : null;
  return oneOpGraph('fully_connected', [
    { dtype: 's8', shape: [rows, k], quant: xq },
    { dtype: 's8', shape: [n, k], data: w },
    bias,
    ...requant(r, n, xq.scale, oq.scale),
  ], { dtype: 's8', quant: oq }, {}, { actMin: r() < 0.5 ? Math.max(-128, oq.zeroPoint) : -128, actMax: 127 });
}

function convGraph(
  r: () => number, x: [number, number, number, number], o: number, kh: number, kw: number, w: Int8Array,
  attrs: { strides: [number, number]; dilations: [number, number]; pads: [number, number, number, number] },
): Graph {
  const c = x[3];
  const xq = { scale: 0.02 + r() * 0.05, zeroPoint: randInt(r, -100, 100) };
  const oq = { scale: xq.scale * 0.018 * Math.sqrt(kh * kw * c), zeroPoint: randInt(r, -20, 20) };
  return oneOpGraph('conv2d', [
    { dtype: 's8', shape: x, quant: xq },
    { dtype: 's8', shape: [o, kh, kw, c], data: w },
    { dtype: 's32', shape: [o], data: Int32Array.from({ length: o }, () => randInt(r, -3000, 3000)) },
    ...requant(r, o, xq.scale, oq.scale),
  ], { dtype: 's8', quant: oq }, { ...attrs, group: 1 } as Node['attrs'], { actMin: -128, actMax: 127 });
}

function storageOf(blob: Uint8Array, id: number): number {
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  return dv.getUint8(dv.getUint32(F.H_TENSOR_TABLE_OFFSET, true) + id * F.TENSOR_RECORD_SIZE + F.T_STORAGE);
}

/** The weights record (input 1 of the one op) of a blob. */
function weightRecord(blob: Uint8Array): { at: number; streamAt: number; id: number } {
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const op = dv.getUint32(F.H_OP_TABLE_OFFSET, true);
  const id = dv.getUint32(dv.getUint32(F.H_INDEX_OFFSET, true) + 4 * (dv.getUint32(op + F.O_IO_INDEX, true) + 1), true);
  const at = dv.getUint32(F.H_TENSOR_TABLE_OFFSET, true) + id * F.TENSOR_RECORD_SIZE;
  return { at, id, streamAt: dv.getUint32(F.H_WEIGHTS_OFFSET, true) + dv.getUint32(at + F.T_STREAM_OFFSET, true) };
}

/** Runs g's blob dense, expanded-at-load and direct on both builds: all equal the reference bytes. */
function expectDirectLikeDense(g: Graph, encoding: DirectEncoding, feeds: TensorData[][], what: string): void {
  const plan = planMemory(g);
  const dense = emitBlob(g, plan);
  const expanded = emitBlob(g, plan, {}, { encodeWeights: [encoding === 'sparse-rows' ? 'sparse' : 'palette'] });
  const direct = emitBlob(g, plan, {}, { directWeights: new Map([['in1', encoding]]) });
  const rec = weightRecord(direct);
  expect(storageOf(direct, rec.id), `${what}: weights stored direct`).toBe(F.STORAGE_DIRECT);
  // The stream holds the weights exactly (TS decoder).
  const w = g.tensor('in1').data as Int8Array;
  expect(bytesOf(decodeWeights(direct[rec.at + F.T_FLAGS], direct.subarray(rec.streamAt), w.length)).equals(bytesOf(w)), `${what}: stream`).toBe(true);
  for (const x of feeds) {
    const [want] = runGraph(g, x);
    for (const build of BUILDS) {
      for (const [kind, blob] of [['dense', dense], ['expanded', expanded], ['direct', direct]] as const) {
        const [y] = load(build, blob).run(x as MoteTypedArray[]);
        expect(bytesOf(y).equals(bytesOf(want as ArrayBufferView)), `${what}: ${kind} on ${build}`).toBe(true);
      }
    }
  }
}

describe('direct sparse-rows and palette kernels equal the dense kernels byte for byte (both builds)', () => {
  it('fully_connected: random shapes and densities, empty rows, all zero, density 1.0, long gaps', () => {
    const r = rng(606);
    const shapes: [number, number, number][] = [[1, 1, 1], [1, 10, 256], [2, 7, 33], [3, 5, 9], [4, 16, 64], [5, 3, 300], [7, 9, 17], [1, 4, 700]];
    for (const [rows, n, k] of shapes) {
      for (const density of [0, 0.03, 0.2, 0.55, 1]) {
        const w = sparseWeights(r, n, k, density, n > 2 ? 1 : -1);
        const g = fcGraph(r, rows, n, k, w);
        const feeds = [0, 1].map(() => [randS8(r, rows * k)]);
        expectDirectLikeDense(g, 'sparse-rows', feeds, `fc x[${rows},${k}] n${n} density ${density}`);
      }
    }
  });

  it('fully_connected: palettes of k = 2..16 per channel and per tensor (1, 2 and 4-bit indices), odd K, K % 16 tails, N % 4 tails', () => {
    const r = rng(707);
    for (const [rows, n, k] of [[1, 10, 256], [2, 5, 33], [3, 4, 15], [1, 3, 16], [6, 8, 48], [1, 1, 7], [2, 6, 40], [1, 7, 100]] as const) {
      for (const kk of [2, 3, 4, 7, 16]) {
        for (const perChannel of [true, false]) {
          const g = fcGraph(r, rows, n, k, paletteWeights(r, n, k, kk, perChannel));
          const feeds = [[randS8(r, rows * k)]];
          expectDirectLikeDense(g, 'palette', feeds, `fc x[${rows},${k}] n${n} k${kk}${perChannel ? ' per channel' : ''}`);
        }
      }
    }
  });

  it('sparse-rows tiles (>= 8 rows): requantization on both sides of the exact-f64 bound, count- and sum-based', () => {
    const r = rng(818);
    // rows: < 32 takes only the 128 * count bound, >= 32 also sums |w|; biasMax / density move the
    // accumulator bound across the f64 form's limit (then the general requantization serves).
    for (const [rows, n, k, density, biasMax] of [
      [8, 6, 64, 0.3, 3000], [9, 5, 600, 0.9, 3000], [40, 7, 600, 0.9, 3000], [40, 4, 600, 0.05, 3000],
      [40, 6, 300, 0.5, 3000], [33, 3, 48, 0.5, 1 << 20], [12, 9, 100, 0.2, 1 << 19],
    ] as const) {
      const w = sparseWeights(r, n, k, density);
      const xq = { scale: 0.02 + r() * 0.05, zeroPoint: randInt(r, -128, 127) };
      // Outputs mostly inside the int8 range (|acc| ~ sqrt(non-zeros) * 64 * 74), so a wrong path shows.
      const oq = { scale: xq.scale * 0.007 * Math.sqrt(k * density + 1) * 94 * (biasMax > 3000 ? 4 : 1), zeroPoint: randInt(r, -20, 20) };
      const g = oneOpGraph('fully_connected', [
        { dtype: 's8', shape: [rows, k], quant: xq },
        { dtype: 's8', shape: [n, k], data: w },
        { dtype: 's32', shape: [n], data: Int32Array.from({ length: n }, () => randInt(r, -biasMax, biasMax)) },
        ...requant(r, n, xq.scale, oq.scale),
      ], { dtype: 's8', quant: oq }, {}, { actMin: -128, actMax: 127 });
      expectDirectLikeDense(g, 'sparse-rows', [[randS8(r, rows * k)]], `fc x[${rows},${k}] n${n} density ${density} |bias| <= ${biasMax}`);
    }
  });

  it('conv2d: 1x1 rows, gathered patches with padding, strides and dilation', () => {
    const r = rng(808);
    const s1 = { strides: [1, 1] as [number, number], dilations: [1, 1] as [number, number] };
    const convs: [[number, number, number, number], number, number, number, Parameters<typeof convGraph>[6]][] = [
      [[1, 3, 3, 17], 7, 1, 1, { ...s1, pads: [0, 0, 0, 0] }],
      [[2, 2, 3, 8], 16, 1, 1, { ...s1, pads: [0, 0, 0, 0] }],
      [[1, 6, 5, 3], 5, 3, 3, { strides: [2, 2], dilations: [1, 1], pads: [1, 1, 1, 1] }],
      [[1, 7, 7, 16], 9, 3, 3, { ...s1, pads: [1, 1, 1, 1] }],
      [[1, 6, 7, 4], 4, 3, 3, { strides: [1, 1], dilations: [2, 2], pads: [2, 1, 2, 1] }],
      [[1, 5, 5, 2], 3, 1, 1, { strides: [2, 2], dilations: [1, 1], pads: [0, 0, 0, 0] }],
    ];
    for (const [x, o, kh, kw, attrs] of convs) {
      const K = kh * kw * x[3];
      for (const [enc, w] of [
        ['sparse-rows', sparseWeights(r, o, K, 0.3, o > 3 ? 2 : -1)],
        ['sparse-rows', sparseWeights(r, o, K, 1)],
        ['palette', paletteWeights(r, o, K, 4, true)],
        ['palette', paletteWeights(r, o, K, 13, false)],
      ] as const) {
        const g = convGraph(r, x, o, kh, kw, w, attrs);
        expectDirectLikeDense(g, enc, [[randS8(r, x.reduce((a, b) => a * b, 1))]], `conv x[${x}] o${o} ${kh}x${kw} ${JSON.stringify(attrs)} ${enc}`);
      }
    }
  });
});

describe('corrupt direct streams and direct weights without a kernel: typed load errors', () => {
  const r = rng(909);
  const sparseG = fcGraph(r, 2, 6, 40, sparseWeights(r, 6, 40, 0.3));
  const paletteG = fcGraph(r, 2, 6, 40, paletteWeights(r, 6, 40, 4, true));
  const directBlob = (g: Graph, enc: DirectEncoding) => emitBlob(g, planMemory(g), {}, { directWeights: new Map([['in1', enc]]) });
  const sealed = (b: Uint8Array) => {
    new DataView(b.buffer, b.byteOffset).setUint32(F.H_CRC32, crc32(b, F.CRC_START, b.length), true);
    return b;
  };
  const mutate = (g: Graph, enc: DirectEncoding, f: (b: Uint8Array, s: number, dv: DataView, rec: number) => void) => {
    const b = directBlob(g, enc).slice();
    const rec = weightRecord(b);
    f(b, rec.streamAt, new DataView(b.buffer), rec.at);
    return sealed(b);
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

  it('targeted corruptions name the problem', () => {
    const E = F.ERR_BAD_ENCODING;
    const len = (dv: DataView, s: number) => dv.getUint32(s, true);
    // sparse-rows: header fields, row count, entry counts vs length, a column past K.
    expectLoadError(mutate(sparseG, 'sparse-rows', (b, s) => { b[s + 4] = 4; }), E, /sparse-rows stream\): gap bits/);
    expectLoadError(mutate(sparseG, 'sparse-rows', (b, s, dv) => dv.setUint32(s + 8, 5, true)), E, /5 rows, but the weights have 6/);
    expectLoadError(mutate(sparseG, 'sparse-rows', (b, s, dv) => dv.setUint16(s + 12, dv.getUint16(s + 12, true) + 1, true)), E, /length \d+ != \d+ bytes for \d+ entries/);
    expectLoadError(mutate(sparseG, 'sparse-rows', (b, s, dv) => dv.setUint32(s, 14, true)), E, /shorter than its 6 row counts/);
    expectLoadError(mutate(sparseG, 'sparse-rows', (b, s, dv) => { b[s + len(dv, s) - 2] = 0xff; }), E, /row 5 entry \d+ lands at column \d+, past K = 40/);
    // palette: bits, mode, codebooks not dividing the rows, length.
    expectLoadError(mutate(paletteG, 'palette', (b, s) => { b[s + 4] = 3; }), E, /palette stream\): index bits 3/);
    expectLoadError(mutate(paletteG, 'palette', (b, s) => { b[s + 6] = 1; }), E, /mode 0/);
    expectLoadError(mutate(paletteG, 'palette', (b, s, dv) => dv.setUint32(s + 8, 4, true)), E, /4 codebooks do not divide the 6 output channels/);
    expectLoadError(mutate(paletteG, 'palette', (b, s, dv) => dv.setUint32(s, len(dv, s) - 1, true)), E, /palette stream\): length/);
    // Record level: offset must be 0, the stream must lie in the weights section.
    expectLoadError(mutate(sparseG, 'sparse-rows', (b, s, dv, at) => dv.setUint32(at + F.T_OFFSET, 16, true)), F.ERR_BAD_TENSOR, /direct weights offset 16 must be 0/);
    expectLoadError(mutate(sparseG, 'sparse-rows', (b, s, dv) => dv.setUint32(s, 0x7fffffff, true)), F.ERR_BAD_TENSOR, /runs past the .*weights section/);
    // An encoding without a direct kernel, and direct weights where no op reads them directly.
    expectLoadError(mutate(sparseG, 'sparse-rows', (b, s, dv, at) => { b[at + F.T_FLAGS] = F.ENC_HUFFMAN; }), F.ERR_BAD_OP, /op 0 \(fully_connected\): input 1 is direct weights in encoding 3/);
  });

  it('direct weights as a bias, or read by an op without a direct kernel, are rejected', () => {
    const b = directBlob(sparseG, 'sparse-rows').slice();
    const dv = new DataView(b.buffer);
    // Make the multiplier tensor (input 3) a direct record pointing at the weights stream.
    const op = dv.getUint32(F.H_OP_TABLE_OFFSET, true);
    const io = dv.getUint32(F.H_INDEX_OFFSET, true) + 4 * dv.getUint32(op + F.O_IO_INDEX, true);
    const w = weightRecord(b);
    const multAt = dv.getUint32(F.H_TENSOR_TABLE_OFFSET, true) + dv.getUint32(io + 12, true) * F.TENSOR_RECORD_SIZE;
    b[multAt + F.T_STORAGE] = F.STORAGE_DIRECT;
    b[multAt + F.T_FLAGS] = F.ENC_SPARSE_ROWS;
    dv.setUint32(multAt + F.T_OFFSET, 0, true);
    dv.setUint32(multAt + F.T_STREAM_OFFSET, dv.getUint32(w.at + F.T_STREAM_OFFSET, true), true);
    expectLoadError(sealed(b), F.ERR_BAD_OP, /input 3 (\(multiplier\) must be a constant|is direct weights)/);
    // The emitter refuses to write what the runtime would reject.
    const dwG = oneOpGraph('depthwise_conv2d', [
      { dtype: 's8', shape: [1, 4, 4, 3], quant: { scale: 0.1, zeroPoint: 0 } },
      { dtype: 's8', shape: [3, 3, 3], data: sparseWeights(r, 9, 3, 0.5) },
      null,
      ...requant(r, 3, 0.1, 0.2),
    ], { dtype: 's8', quant: { scale: 0.2, zeroPoint: 0 } }, { strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], depthMultiplier: 1 } as Node['attrs'], { actMin: -128, actMax: 127 });
    expect(() => emitBlob(dwG, planMemory(dwG), {}, { directWeights: new Map([['in1', 'sparse-rows']]) })).toThrow(/no direct kernel/);
  });

  it('random bit flips in direct streams: a load succeeds (and then runs) or fails with an ERR_* code', () => {
    const rr = rng(31);
    let failures = 0;
    for (const [g, enc] of [[sparseG, 'sparse-rows'], [paletteG, 'palette']] as const) {
      const good = directBlob(g, enc);
      for (let t = 0; t < 40; t++) {
        const b = good.slice();
        const dv = new DataView(b.buffer);
        const s = weightRecord(b).streamAt;
        const n = dv.getUint32(s, true);
        if (t % 4 === 0) dv.setUint32(s, Math.floor(rr() * n), true);
        else for (let k = 0; k < 3; k++) b[s + Math.floor(rr() * n)] ^= 1 << Math.floor(rr() * 8);
        sealed(b);
        for (const build of BUILDS) {
          try {
            load(build, b).run([randS8(rr, 80)]);
          } catch (e) {
            expect(e, `${enc} trial ${t} on ${build}: ${(e as Error).message}`).toBeInstanceOf(MoteError);
            expect((e as MoteError).code).toBeGreaterThan(0);
            failures++;
          }
        }
      }
    }
    expect(failures).toBeGreaterThan(20);
  });
});

describe('codec: sparse-rows', () => {
  it('round-trips and bridges gaps over 255 columns with filler entries', () => {
    const r = rng(5);
    for (const [rows, K] of [[1, 1], [3, 600], [4, 17]] as const) {
      const w = sparseWeights(r, rows, K, 0.01);
      const s = encodeSparseRows(new Uint8Array(w.buffer), [rows, K])!;
      expect(bytesOf(decodeWeights(F.ENC_SPARSE_ROWS, s, w.length)).equals(bytesOf(w))).toBe(true);
    }
    // One non-zero at column 599: two fillers (at 255 and 511), then the entry.
    const w = new Int8Array(600);
    w[599] = -5;
    const s = encodeSparseRows(new Uint8Array(w.buffer), [1, 600])!;
    expect(new DataView(s.buffer).getUint16(12, true)).toBe(3);
    expect([...s.subarray(14)]).toEqual([255, 0, 255, 0, 599 - 512, 251]);
  });
});

describe('placement decision: expand at load or direct', () => {
  const cand = (tensor: string, macs: number, dense: number, stream: number, ratio?: number): PlacementCandidate => ({
    tensor, layer: `L_${tensor}`, op: 'fully_connected', macs, denseBytes: dense,
    expand: ratio !== undefined ? { encoding: 'sparse', streamBytes: stream } : { streamBytes: dense },
    direct: ratio !== undefined ? { encoding: 'sparse-rows', streamBytes: stream + 8, density: 0.3, ratio } : undefined,
  });
  // d: a plain layer with no direct stream smaller than its dense bytes.
  const cands = [cand('a', 1000, 4000, 1500, 0.6), cand('b', 100000, 8000, 3000, 3), cand('c', 2000, 6000, 2000, 3), cand('d', 500, 500, 500)];
  const base = 50000;

  it('direct when it is faster; dense otherwise while the model fits', () => {
    const p = decidePlacement(cands, { isa: 'scalar', baseRamBytes: base });
    expect(p.layers.map((l) => l.choice)).toEqual(['direct', 'expand', 'expand', 'plain']);
    expect(p.layers[0].reason).toMatch(/direct is faster \(expected ×0.60 of dense\) and saves 3992 B of RAM/);
    expect(p.layers[1].reason).toMatch(/dense is faster/);
    // RAM of a: 1500 + 4000 expanded → 1508 direct.
    expect(p.ramBytes).toBe(base - (5500 - 1508));
    expect(p.fits).toBe(true);
  });

  it('over budget: moves the layers with the least extra latency per byte saved first, until it fits', () => {
    // c costs 2000 MACs × 2 / 5992 B, b 100000 × 2 / 8992 B: c goes first; d has no direct option.
    const after = base - 3992;
    const p1 = decidePlacement(cands, { isa: 'scalar', baseRamBytes: base, ramBudget: after - 1000 });
    expect(p1.layers.map((l) => l.choice)).toEqual(['direct', 'expand', 'direct', 'plain']);
    expect(p1.layers[2].reason).toMatch(/RAM budget: saves 5992 B at an expected ×3.00/);
    expect(p1.fits).toBe(true);
    const p2 = decidePlacement(cands, { isa: 'scalar', baseRamBytes: base, ramBudget: after - 6000 });
    expect(p2.layers.map((l) => l.choice)).toEqual(['direct', 'direct', 'direct', 'plain']);
    expect(p2.fits).toBe(true);
    const p3 = decidePlacement(cands, { isa: 'scalar', baseRamBytes: base, ramBudget: 1000 });
    expect(p3.layers.map((l) => l.choice)).toEqual(['direct', 'direct', 'direct', 'plain']);
    expect(p3.fits).toBe(false);
  });

  it('forced modes, and the measured ratio table', () => {
    expect(decidePlacement(cands, { isa: 'simd', baseRamBytes: base, mode: 'direct' }).layers.map((l) => l.choice)).toEqual(['direct', 'direct', 'direct', 'plain']);
    expect(decidePlacement(cands, { isa: 'simd', baseRamBytes: base, mode: 'expand' }).layers.map((l) => l.choice)).toEqual(['expand', 'expand', 'expand', 'plain']);
    for (const isa of ['simd', 'scalar'] as const) {
      for (const [regime, rows] of [['oneRow', 1], ['manyRows', 64]] as const) {
        const pts = MEASURED_DIRECT_SPEED[isa][regime].sparseRows;
        for (const [d, r] of pts) expect(expectedRatio(isa, 'sparse-rows', { density: d, rows })).toBeCloseTo(r, 10);
        for (let d = 0; d < 1; d += 0.05) {
          expect(expectedRatio(isa, 'sparse-rows', { density: d + 0.05, rows })).toBeGreaterThanOrEqual(expectedRatio(isa, 'sparse-rows', { density: d, rows }));
        }
      }
    }
  });
});

describe.skipIf(!haveShared)('mnist-8, pruned + clustered recipe: direct == expanded on both builds (needs ../shared)', () => {
  noticeIfNoShared('mnist-8 direct weights');
  it('the same int8 outputs with every compressed layer read directly as with all expanded; RAM falls', () => {
    const PIXELS = 784;
    const images = readIdx(readFileSync(sharedPath('datasets/mnist/t10k-images-idx3-ubyte.gz'))).data as Uint8Array;
    const onnx = readFileSync(sharedPath('onnx_mnist8/model.onnx'));
    const image = (i: number) => Float32Array.from(images.subarray(i * PIXELS, (i + 1) * PIXELS));
    const calibration = Array.from({ length: 50 }, (_, i) => [image(9000 + i)]);
    // The 1 pp recipe of docs/COMPRESSION.md plus pruning on conv2, so both direct kernels run.
    const base = { precision: 'int8' as const, calibration, layerWeights: { Convolution110: { prune: 0.6 }, Times212: { prune: 0.65, cluster: 6 } }, clusterPerChannel: true };
    const expanded = convert(onnx, 'mnist-8.onnx', { ...base, placement: 'expand' });
    const direct = convert(onnx, 'mnist-8.onnx', { ...base, placement: 'direct' });
    const kinds = direct.report.weightPlacement!.layers.filter((l) => l.choice === 'direct').map((l) => `${l.layer}:${l.encoding}`);
    expect(kinds.sort()).toEqual(['Convolution110:sparse-rows', 'Times212:palette']);
    expect(direct.report.encodedWeights.filter((e) => e.direct).length).toBe(2);
    expect(direct.report.ramWeightBytes).toBeLessThan(expanded.report.ramWeightBytes);
    expect(direct.report.weightPlacement!.ramBytes).toBeLessThan(expanded.report.weightPlacement!.ramBytes);
    const x = (g: typeof direct.graph, i: number) => {
      const t = g.tensor(g.inputs[0]);
      return Int8Array.from(image(i), (v) => Math.max(-128, Math.min(127, Math.round(v / t.quant!.scale[0]) + t.quant!.zeroPoint[0])));
    };
    for (const build of BUILDS) {
      const a = load(build, expanded.blob), b = load(build, direct.blob);
      for (let i = 0; i < 40; i++) {
        const ya = a.run([x(expanded.graph, i)])[0], yb = b.run([x(direct.graph, i)])[0];
        expect(bytesOf(yb).equals(bytesOf(ya)), `image ${i} on ${build}`).toBe(true);
      }
    }
    // A RAM budget below the all-expanded model makes 'auto' read layers in place, and it fits.
    const budget = expanded.report.weightPlacement!.ramBytes - 1000;
    const auto = convert(onnx, 'mnist-8.onnx', { ...base, ramBudget: budget });
    expect(auto.report.weightPlacement!.fits).toBe(true);
    expect(auto.report.weightPlacement!.ramBytes).toBeLessThanOrEqual(budget);
    expect(auto.report.weightPlacement!.layers.some((l) => l.choice === 'direct' && /RAM budget/.test(l.reason))).toBe(true);
  });
});

describe('mote convert --placement / --ram-budget / --target', () => {
  it('reaches the converter, reports each layer\'s choice and why; bad values are usage errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mote-direct-'));
    const capture = async (f: () => Promise<void>) => {
      let text = '';
      const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((text += String(chunk)), true));
      try { await f(); } finally { spy.mockRestore(); }
      return text;
    };
    try {
      const model = join(dir, 'demo.onnx');
      writeFileSync(model, cnnToOnnx(initCnn({ size: 16, c1: 8, c2: 16, classes: 5 }, 8), ['a', 'b', 'c', 'd', 'e']));
      const calib = join(dir, 'calib.npy');
      // One batched .npy of 4 random images [4, 1, 16, 16] (float32).
      const r = rng(3);
      const data = Float32Array.from({ length: 4 * 256 }, () => r());
      const hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 1, 16, 16), }";
      const pad = 64 - ((10 + hdr.length + 1) % 64);
      const head = Buffer.from(`\x93NUMPY\x01\x00${String.fromCharCode((hdr.length + pad + 1) & 255, (hdr.length + pad + 1) >> 8)}${hdr}${' '.repeat(pad)}\n`, 'latin1');
      writeFileSync(calib, Buffer.concat([head, Buffer.from(data.buffer)]));
      const out = join(dir, 'demo.mote');
      const base = { output: out, precision: 'int8', calibration: [calib], calibrationMethod: 'minmax', pruneMagnitude: '0.7' };
      const json = JSON.parse(await capture(() => convertCommand(model, { ...base, placement: 'direct', json: true })));
      expect(json.weightPlacement.mode).toBe('direct');
      expect(json.weightPlacement.layers.some((l: { choice: string }) => l.choice === 'direct')).toBe(true);
      expect(load('scalar', new Uint8Array(readFileSync(out))).outputs.length).toBe(1);
      const text = await capture(() => convertCommand(model, { ...base, target: 'esp32' }));
      expect(text).toMatch(/placement +auto, scalar kernels; model RAM [\d,.]+ \w+ \(blob \+ expanded weights \+ arena\), budget [\d,.]+ \w+ \(esp32: usable SRAM minus WAMR .*: fits\n/);
      expect(text).toMatch(/: (direct|expand) \((sparse-rows|sparse)\) — RAM \d+ B expanded \/ \d+ B direct, expected ×[\d.]+ latency direct; /);
      // mote inspect shows the decision the converter wrote to the metadata, and direct storage.
      const shown = await capture(() => inspectCommand(out, {}));
      expect(shown).toMatch(/Weights placement \(compressed fc\/conv weights/);
      expect(shown).toMatch(/conv2 +\S+ +direct +sparse-rows +direct is faster/);
      expect(shown).toMatch(/ direct /);
      const tight = JSON.parse(await capture(() => convertCommand(model, { ...base, ramBudget: '100', json: true })));
      expect(tight.weightPlacement.fits).toBe(false);
      expect(tight.weightPlacement.layers.filter((l: { choice: string; ramBytesDirect?: number }) => l.choice !== 'direct' && l.ramBytesDirect !== undefined)).toEqual([]);
      for (const [flags, msg] of [[{ ramBudget: 'lots' }, /--ram-budget must be a byte count/], [{ placement: 'both' }, /--placement must be auto, expand or direct/], [{ target: 'esp8266' }, /--target must be one of/]] as const) {
        await expect(convertCommand(model, { ...base, ...flags })).rejects.toThrow(msg);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('direct weights with streamed weights (FLAG_WEIGHTS_EXTERNAL): the stream is what each op reads', () => {
  const streamModules = new Map<MoteBuild, WebAssembly.Module>();
  beforeAll(async () => {
    const { buildWasm } = await import('../scripts/build-wasm.mjs');
    for (const build of BUILDS) {
      const path = join(repoRoot, 'build', `mote.${build}.stream.wasm`);
      // Rebuilt when older than the default build (which the harness keeps fresh).
      if (!existsSync(path) || statSync(path).mtimeMs < statSync(join(repoRoot, 'build', `mote.${build}.wasm`)).mtimeMs) await buildWasm(`${build}.stream`);
      streamModules.set(build, await WebAssembly.compile(readFileSync(path)));
    }
  }, 600_000);
  it('runs on both stream builds exactly like the resident blob', () => {
    const r = rng(1212);
    const g = fcGraph(r, 3, 12, 70, sparseWeights(r, 12, 70, 0.3));
    const plan = planMemory(g);
    const resident = emitBlob(g, plan, {}, { directWeights: new Map([['in1', 'sparse-rows']]) });
    const external = emitBlob(g, plan, {}, { weights: 'external', directWeights: new Map([['in1', 'sparse-rows']]) });
    expect(new DataView(external.buffer).getUint32(F.H_FLAGS, true)).toBe(F.FLAG_WEIGHTS_EXTERNAL);
    const x = [randS8(r, 3 * 70)];
    const [want] = runGraph(g, x);
    for (const build of BUILDS) {
      const m = streamModules.get(build)!;
      for (const blob of [resident, external]) {
        const [y] = MoteRuntime.fromModule(build, m).load(blob).run(x as MoteTypedArray[]);
        expect(bytesOf(y).equals(bytesOf(want as ArrayBufferView)), `${build} stream build`).toBe(true);
      }
    }
  });
});
