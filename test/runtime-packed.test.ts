// Packed-weight int8 conv2d / fully_connected (OPF_PACKED_W16: converter/emit/pack-conv.ts,
// assembly/kernels/gemm_packed.ts) on both WASM builds against the plain-TS reference interpreter:
// exact bytes, SIMD == scalar, and packed == unpacked blobs. Shapes: C = 1 / 3 / 16+, odd K, N
// around the 16-channel group, padding on every side (also wider than the kernel reach), strides,
// dilations, batches with odd pixel counts, extreme multipliers and shifts, biases that force the
// general requantization; the validator's checks of the flag and of the packed size.
import { beforeAll, describe, expect, it } from 'vitest';
import { crc32 as zlibCrc32 } from 'node:zlib';
import * as F from '../format/format.js';
import { emitBlob } from '../converter/emit/index.js';
import { packedPairs, packedW16Bytes, packW16 } from '../converter/emit/pack-conv.js';
import type { Int8Params, Node, OpName } from '../converter/ir/graph.js';
import { planMemory } from '../converter/plan/index.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { quantizeMultiplier } from '../converter/passes/quantize/multiplier.js';
import { readBlob } from '../host/blob-reader.js';
import { MoteError } from '../host/runtime.js';
import { BUILDS, ensureWasmBuilt, freshRuntime, oneOpGraph, randInt, randS8, rng, runBlob, type TensorSpec, type Int8OpCase, expectBlobsMatch, int8Feeds } from './runtime-harness.js';

beforeAll(async () => {
  await ensureWasmBuilt();
}, 120_000);

type Case = Int8OpCase;

type Requant = 'random' | 'extreme' | 'big-bias';

function requant(r: () => number, o: number, inScale: number, outScale: number, kind: Requant): TensorSpec[] {
  const mult = new Int32Array(o), shift = new Int32Array(o);
  // The ends of the ranges load-time validation accepts (multiplier >= 0, shift in [-31, 30]).
  const edges: [number, number][] = [[2147483647, -31], [2147483647, 0], [1073741824, 30], [0, 0], [1, -31], [1073741824, -20], [1518500250, 1]];
  for (let i = 0; i < o; i++) {
    if (kind === 'extreme' && i % 2 === 0) {
      [mult[i], shift[i]] = edges[(i >> 1) % edges.length];
    } else {
      const m = quantizeMultiplier((inScale * (0.002 + r() * 0.01)) / outScale);
      mult[i] = m.multiplier;
      shift[i] = m.shift;
    }
  }
  return [{ dtype: 's32', shape: [o], data: mult }, { dtype: 's32', shape: [o], data: shift }];
}

function bias(r: () => number, o: number, kind: Requant): TensorSpec | null {
  if (kind !== 'big-bias' && r() < 0.2) return null;
  const big = kind === 'big-bias';
  return { dtype: 's32', shape: [o], data: Int32Array.from({ length: o }, () => (big ? randInt(r, -6000000, 6000000) : randInt(r, -3000, 3000))) };
}

function conv(
  r: () => number, x: [number, number, number, number], o: number, kh: number, kw: number,
  strides: [number, number], dilations: [number, number], pads: [number, number, number, number], kind: Requant = 'random',
): Case {
  const c = x[3];
  const xq = { scale: 0.02 + r() * 0.05, zeroPoint: randInt(r, -128, 127) };
  const oq = { scale: xq.scale * 0.018 * Math.sqrt(kh * kw * c), zeroPoint: randInt(r, -20, 20) };
  return {
    label: `conv2d x[${x}] w[${o},${kh},${kw},${c}] s${strides} d${dilations} p${pads} ${kind}`,
    op: 'conv2d',
    inputs: [
      { dtype: 's8', shape: x, quant: xq },
      { dtype: 's8', shape: [o, kh, kw, c], data: randS8(r, o * kh * kw * c, -128, 127) },
      bias(r, o, kind),
      ...requant(r, o, xq.scale, oq.scale, kind),
    ],
    out: { dtype: 's8', quant: oq },
    attrs: { strides, dilations, pads, group: 1 },
    int8: r() < 0.5 ? { actMin: Math.max(-128, oq.zeroPoint), actMax: 127 } : { actMin: -128, actMax: 127 },
  };
}

function fc(r: () => number, rows: number, k: number, n: number, kind: Requant = 'random'): Case {
  const xq = { scale: 0.02 + r() * 0.05, zeroPoint: randInt(r, -128, 127) };
  const oq = { scale: xq.scale * 0.02 * Math.sqrt(k), zeroPoint: randInt(r, -20, 20) };
  return {
    label: `fully_connected x[${rows},${k}] n${n} ${kind}`,
    op: 'fully_connected',
    inputs: [
      { dtype: 's8', shape: [rows, k], quant: xq },
      { dtype: 's8', shape: [n, k], data: randS8(r, n * k, -128, 127) },
      bias(r, n, kind),
      ...requant(r, n, xq.scale, oq.scale, kind),
    ],
    out: { dtype: 's8', quant: oq },
    attrs: {},
    int8: { actMin: -128, actMax: 127 },
  };
}

function cases(): Case[] {
  const r = rng(777);
  const one: [number, number] = [1, 1];
  const out: Case[] = [];
  // Tiny C: kws's first layer (C = 1, 10x4, stride 2, SAME), ic/vww's (C = 3, 3x3, stride 1/2).
  out.push(conv(r, [1, 13, 6, 1], 17, 10, 4, [2, 2], one, [4, 1, 5, 2]));
  out.push(conv(r, [1, 7, 7, 1], 16, 3, 3, one, one, [1, 1, 1, 1]));
  out.push(conv(r, [1, 9, 8, 3], 16, 3, 3, [2, 2], one, [0, 0, 1, 1]));
  out.push(conv(r, [1, 6, 5, 3], 8, 3, 3, one, one, [1, 1, 1, 1]));
  // N around the 16-channel group, odd and even K, odd pixel counts.
  for (const n of [1, 5, 15, 16, 17, 33]) out.push(conv(r, [1, 5, 3, 16], n, 3, 3, one, one, [1, 1, 1, 1]));
  out.push(conv(r, [1, 3, 5, 7], 20, 3, 3, one, one, [1, 1, 1, 1]));
  // Padding wider than the kernel's reach on every side (whole kernel rows and columns outside),
  // asymmetric padding, dilation in h and in w, stride 3.
  out.push(conv(r, [1, 2, 3, 5], 18, 3, 3, one, one, [3, 2, 3, 4]));
  out.push(conv(r, [1, 6, 7, 20], 9, 3, 3, one, [2, 2], [2, 1, 2, 3]));
  out.push(conv(r, [1, 7, 6, 4], 16, 3, 2, [3, 2], [1, 3], [1, 2, 0, 1]));
  // 1x1 as a GEMM (stride 1, unpadded), strided and padded 1x1, batch 2 with odd pixel counts.
  out.push(conv(r, [1, 5, 5, 32], 64, 1, 1, one, one, [0, 0, 0, 0]));
  out.push(conv(r, [2, 3, 3, 9], 17, 1, 1, one, one, [0, 0, 0, 0]));
  out.push(conv(r, [1, 7, 7, 16], 32, 1, 1, [2, 2], one, [0, 0, 0, 0]));
  out.push(conv(r, [1, 3, 4, 8], 16, 1, 1, one, one, [1, 0, 1, 1]));
  out.push(conv(r, [2, 5, 3, 16], 24, 3, 3, [2, 1], one, [1, 1, 1, 1]));
  // Requantization edges (both the exact-f64 and the general form) and large biases.
  out.push(conv(r, [1, 4, 5, 16], 32, 3, 3, one, one, [1, 1, 1, 1], 'extreme'));
  out.push(conv(r, [1, 4, 5, 3], 16, 3, 3, one, one, [1, 1, 1, 1], 'big-bias'));
  out.push(conv(r, [1, 4, 4, 24], 40, 1, 1, one, one, [0, 0, 0, 0], 'extreme'));
  // Band path (KW*C a multiple of 4, dilation_w 1, more than 8 channels): rows widened once per
  // output row, zero-padded; odd widths, asymmetric and oversized padding, dilation_h, strides, KW 1.
  out.push(conv(r, [1, 5, 7, 16], 9, 3, 3, one, one, [1, 1, 1, 1]));
  out.push(conv(r, [2, 4, 5, 4], 17, 3, 3, [2, 2], [2, 1], [2, 0, 3, 2], 'extreme'));
  out.push(conv(r, [1, 3, 3, 8], 20, 2, 2, one, one, [2, 3, 1, 2]));
  out.push(conv(r, [1, 6, 5, 32], 33, 3, 1, [1, 2], one, [1, 0, 1, 0], 'big-bias'));
  out.push(conv(r, [1, 7, 3, 12], 16, 5, 3, [1, 1], [1, 1], [2, 1, 2, 1]));
  // At most 8 channels: four pixels per tile (vww's first layer: C = 3, 3x3 stride 2, 8 channels).
  out.push(conv(r, [1, 11, 9, 3], 8, 3, 3, [2, 2], one, [0, 0, 1, 1]));
  out.push(conv(r, [2, 3, 3, 5], 7, 3, 3, one, one, [1, 1, 1, 1]));
  out.push(conv(r, [1, 4, 5, 8], 8, 1, 1, one, one, [0, 0, 0, 0], 'extreme'));
  out.push(conv(r, [1, 5, 2, 4], 3, 1, 1, one, one, [0, 0, 0, 0], 'big-bias'));
  for (const [rows, k, n] of [[6, 24, 8], [9, 5, 3], [4, 33, 1], [8, 16, 8]] as const) out.push(fc(r, rows, k, n));
  // fully_connected: one row (no pairs), odd rows, odd K, N around 16, K = 1.
  for (const [rows, k, n] of [[1, 64, 16], [1, 33, 5], [2, 1, 3], [3, 17, 17], [5, 40, 48], [4, 7, 31], [6, 256, 32]] as const) out.push(fc(r, rows, k, n));
  out.push(fc(r, 4, 24, 20, 'extreme'));
  out.push(fc(r, 5, 16, 16, 'big-bias'));
  out.push(fc(r, 1, 30, 9, 'extreme'));
  return out;
}

async function check(c: Case, r: () => number): Promise<void> {
  const g = oneOpGraph(c.op, c.inputs, c.out, c.attrs, c.int8);
  const feeds = int8Feeds(c, r);
  const [want] = runGraph(g, feeds);
  const packed = emitBlob(g, planMemory(g));
  const plain = emitBlob(g, planMemory(g), {}, { packWeights: false });
  expect(readBlob(packed).ops[0].flags & F.OPF_PACKED_W16, 'the converter packed the weights').toBe(F.OPF_PACKED_W16);
  expect(readBlob(plain).ops[0].flags & F.OPF_PACKED_W16).toBe(0);
  await expectBlobsMatch(c.label, [['packed', packed], ['unpacked', plain]], feeds, want);
}

describe('packed int8 conv2d / fully_connected vs the reference, both builds', () => {
  for (const [i, c] of cases().entries()) {
    it(c.label, async () => check(c, rng(5000 + i)));
  }
});

describe('OPF_PACKED_W16 layout and validation', () => {
  it('packs as format.ts describes: byte ((g*K2 + k2)*16 + c)*2 + t = w[16g + c][2*k2 + t], zeros past N and K, then the |w| sums', () => {
    const n = 19, k = 9, k2 = 6; // K2 = 2 * ceil(9 / 4)
    expect(packedPairs(k)).toBe(k2);
    const w = Int8Array.from({ length: n * k }, (_, i) => ((i * 37) % 256) - 128);
    const p = packW16(w, n, k);
    expect(packedW16Bytes(n, k)).toBe(32 * 2 * k2);
    expect(p.length).toBe(32 * 2 * k2 + 4 * n);
    const sums = new DataView(p.buffer, p.byteOffset + 32 * 2 * k2);
    for (let c = 0; c < n; c++) {
      let want = 0;
      for (let i = 0; i < k; i++) want += Math.abs(w[c * k + i]);
      expect(sums.getInt32(4 * c, true), `sum ${c}`).toBe(want);
    }
    for (let g = 0; g < 2; g++) {
      for (let j = 0; j < k2; j++) {
        for (let c = 0; c < 16; c++) {
          for (let t = 0; t < 2; t++) {
            const ch = 16 * g + c, tap = 2 * j + t;
            const want = ch < n && tap < k ? w[ch * k + tap] : 0;
            expect(p[((g * k2 + j) * 16 + c) * 2 + t], `g${g} k2 ${j} c${c} t${t}`).toBe(want);
          }
        }
      }
    }
  });

  it('K past PACKED_K_MAX stays unpacked and still runs exactly', async () => {
    const c = fc(rng(9), 2, F.PACKED_K_MAX + 1, 3);
    const g = oneOpGraph(c.op, c.inputs, c.out, c.attrs, c.int8);
    const blob = emitBlob(g, planMemory(g));
    expect(readBlob(blob).ops[0].flags & F.OPF_PACKED_W16).toBe(0);
    const x = randS8(rng(10), 2 * (F.PACKED_K_MAX + 1));
    const [want] = runGraph(g, [x]);
    for (const build of BUILDS) expect(Array.from((await runBlob(build, blob, [x]))[0])).toEqual(Array.from(want as Int8Array));
  });

  // A loaded packed conv blob, edited and resealed (CRC), must fail load with a typed error that names the problem.
  const reseal = (bytes: Uint8Array): Uint8Array => {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    dv.setUint32(F.H_CRC32, zlibCrc32(bytes.subarray(F.CRC_START, dv.getUint32(F.H_TOTAL_SIZE, true))), true);
    return bytes;
  };
  const loadError = async (blob: Uint8Array, build: 'simd' | 'scalar'): Promise<MoteError | null> => {
    try {
      (await freshRuntime(build)).load(blob);
      return null;
    } catch (e) {
      if (!(e instanceof MoteError)) throw e;
      return e;
    }
  };

  it('the runtime refuses a packed tensor smaller than the packing, and the flag on other ops', async () => {
    const c = conv(rng(11), [1, 5, 5, 16], 20, 3, 3, [1, 1], [1, 1], [1, 1, 1, 1]);
    const g = oneOpGraph(c.op, c.inputs, c.out, c.attrs, c.int8);
    const blob = emitBlob(g, planMemory(g));
    const view = readBlob(blob);
    const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const wRec = view.header.tensorTableOffset + view.ops[0].inputs[1] * F.TENSOR_RECORD_SIZE;
    const size = packedW16Bytes(20, 144) + 4 * 20;
    expect(dv.getUint32(wRec + F.T_BYTE_SIZE, true)).toBe(size);
    // Still >= the logical 20*3*3*16 bytes, so only the packed-size check can catch it.
    const short = blob.slice();
    new DataView(short.buffer).setUint32(wRec + F.T_BYTE_SIZE, size - 4, true);
    reseal(short);
    // A stored |w| sum that does not match the weights (it would let the exact requantization run
    // past its proven range).
    const badSum = blob.slice();
    const sumAt = view.header.weightsOffset + dv.getUint32(wRec + F.T_OFFSET, true) + packedW16Bytes(20, 144) + 4 * 7;
    const bdv = new DataView(badSum.buffer);
    bdv.setInt32(sumAt, bdv.getInt32(sumAt, true) - 1, true);
    reseal(badSum);
    // A grouped conv (the converter leaves it unpacked) with the flag set by hand.
    const r = rng(12);
    const xq = { scale: 0.03, zeroPoint: 5 };
    const gg = oneOpGraph('conv2d', [
      { dtype: 's8', shape: [1, 4, 4, 16], quant: xq },
      { dtype: 's8', shape: [20, 3, 3, 8], data: randS8(r, 20 * 72, -127, 127) },
      null,
      ...requant(r, 20, xq.scale, 0.5, 'random'),
    ], { dtype: 's8', quant: { scale: 0.5, zeroPoint: 0 } }, { strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], group: 2 }, { actMin: -128, actMax: 127 });
    const grouped = emitBlob(gg, planMemory(gg));
    expect(readBlob(grouped).ops[0].flags & F.OPF_PACKED_W16).toBe(0);
    new DataView(grouped.buffer, grouped.byteOffset).setUint16(readBlob(grouped).header.opTableOffset + F.O_FLAGS, F.OPF_PACKED_W16, true);
    reseal(grouped);
    for (const build of BUILDS) {
      const e1 = await loadError(short, build);
      expect(e1?.code, build).toBe(F.ERR_BAD_OP);
      expect(e1?.message).toMatch(/packed weights.*byte_size/);
      const e3 = await loadError(badSum, build);
      expect(e3?.code, build).toBe(F.ERR_BAD_OP);
      expect(e3?.message).toMatch(/channel 7: stored \|w\| sum/);
      const e2 = await loadError(grouped, build);
      expect(e2?.code, build).toBe(F.ERR_BAD_OP);
      expect(e2?.message).toMatch(/packed weights need the s8 form with group 1/);
    }
  });

  it('the flag on an op without weights is refused', async () => {
    const xq = { scale: 0.05, zeroPoint: 3 };
    const g = oneOpGraph('max_pool2d', [{ dtype: 's8', shape: [1, 4, 4, 8], quant: xq }], { dtype: 's8', quant: xq }, { kernel: [2, 2], strides: [2, 2], dilations: [1, 1], pads: [0, 0, 0, 0], countIncludePad: false } as Node['attrs'], { actMin: -128, actMax: 127 });
    const blob = emitBlob(g, planMemory(g));
    const view = readBlob(blob);
    new DataView(blob.buffer, blob.byteOffset).setUint16(view.header.opTableOffset + F.O_FLAGS, F.OPF_PACKED_W16, true);
    reseal(blob);
    for (const build of BUILDS) {
      const e = await loadError(blob, build);
      expect(e?.code, build).toBe(F.ERR_BAD_OP);
      expect(e?.message).toMatch(/packed weights/);
    }
  });
});
