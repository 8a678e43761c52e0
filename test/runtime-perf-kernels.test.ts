// The fast int8 kernel variants (assembly/kernels/gemm.ts tile_s8_2x4_simd and its users: the
// fully_connected / 1x1-conv GEMM rows, conv2d_s8_rows_2x4_simd, conv2d_s8_gathered_2x4_simd, and
// the vectorised int8 add), on both WASM builds, against the plain-TS reference interpreter: exact
// bytes, and SIMD == scalar byte for byte. Shapes sit at tile-1 / tile / tile+1 of every blocking
// dimension (2 rows or pixels, 4 output channels, K steps of 8) plus odd sizes and padded borders.
// No timings here: speed is measured by `npm run bench`.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Int8Params, Node, OpName, TensorData } from '../converter/ir/graph.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { quantizeMultiplier } from '../converter/passes/quantize/multiplier.js';
import { addParams, subParams } from '../converter/passes/quantize/qparams.js';
import { BUILDS, blobOf, ensureWasmBuilt, oneOpGraph, randInt, randS8, rng, runBlob, type TensorSpec } from './runtime-harness.js';

beforeAll(async () => {
  await ensureWasmBuilt();
}, 120_000);

interface Case {
  label: string;
  op: OpName;
  inputs: (TensorSpec | null)[];
  out: { dtype: 's8'; quant: { scale: number; zeroPoint: number } };
  attrs: Node['attrs'];
  int8: Int8Params;
}

async function check(c: Case, r: () => number): Promise<void> {
  const g = oneOpGraph(c.op, c.inputs, c.out, c.attrs, c.int8);
  const feeds: TensorData[] = c.inputs
    .filter((s): s is TensorSpec => !!s && !s.data)
    .map((s) => randS8(r, s.shape.reduce((a, b) => a * b, 1)));
  const [want] = runGraph(g, feeds);
  const blob = blobOf(g);
  const got: TensorData[] = [];
  for (const build of BUILDS) {
    const [y] = await runBlob(build, blob, feeds);
    got.push(y);
    expect(y.length, `${c.label} on ${build}`).toBe(want.length);
    let mism = '';
    for (let i = 0; i < want.length && !mism; i++) if (y[i] !== want[i]) mism = `index ${i}: got ${y[i]}, want ${want[i]}`;
    expect(mism, `${c.label} on ${build}: first mismatch`).toBe('');
  }
  expect(Buffer.from(got[0].buffer).equals(Buffer.from(got[1].buffer)), `${c.label}: simd == scalar`).toBe(true);
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

const bias = (r: () => number, o: number): TensorSpec | null =>
  r() < 0.8 ? { dtype: 's32', shape: [o], data: Int32Array.from({ length: o }, () => randInt(r, -3000, 3000)) } : null;

function conv(
  r: () => number, label: string, x: [number, number, number, number], o: number, kh: number, kw: number,
  attrs: { strides: [number, number]; dilations: [number, number]; pads: [number, number, number, number] },
): Case {
  const c = x[3];
  const xq = { scale: 0.02 + r() * 0.05, zeroPoint: randInt(r, -100, 100) };
  const oq = { scale: xq.scale * 0.018 * Math.sqrt(kh * kw * c), zeroPoint: randInt(r, -20, 20) };
  return {
    label: `${label}: conv2d x[${x}] w[${o},${kh},${kw},${c}] ${JSON.stringify(attrs)}`,
    op: 'conv2d',
    inputs: [
      { dtype: 's8', shape: x, quant: xq },
      { dtype: 's8', shape: [o, kh, kw, c], data: randS8(r, o * kh * kw * c, -127, 127) },
      bias(r, o),
      ...requant(r, o, xq.scale, oq.scale),
    ],
    out: { dtype: 's8', quant: oq },
    attrs: { ...attrs, group: 1 },
    int8: r() < 0.5 ? { actMin: Math.max(-128, oq.zeroPoint), actMax: 127 } : { actMin: -128, actMax: 127 },
  };
}

const s1 = { strides: [1, 1] as [number, number], dilations: [1, 1] as [number, number] };

function cases(): Case[] {
  const r = rng(4242);
  const out: Case[] = [];
  // GEMM rows (fully_connected): rows around the 2-row tile, N around the 4-channel tile, K around 8.
  for (const rows of [1, 2, 3, 5]) {
    for (const n of [3, 4, 5, 9]) {
      for (const k of [7, 8, 9, 16, 17, 40]) {
        if ((rows * 7 + n * 3 + k) % 3 !== 0 && !(rows === 3 && n === 5)) continue; // a spread, not the full cube
        const xq = { scale: 0.02 + r() * 0.05, zeroPoint: randInt(r, -100, 100) };
        const oq = { scale: xq.scale * 0.02 * Math.sqrt(k), zeroPoint: randInt(r, -20, 20) };
        out.push({
          label: `gemm rows: fully_connected x[${rows},${k}] n${n}`,
          op: 'fully_connected',
          inputs: [
            { dtype: 's8', shape: [rows, k], quant: xq },
            { dtype: 's8', shape: [n, k], data: randS8(r, n * k, -127, 127) },
            bias(r, n),
            ...requant(r, n, xq.scale, oq.scale),
          ],
          out: { dtype: 's8', quant: oq },
          attrs: {},
          int8: { actMin: -128, actMax: 127 },
        });
      }
    }
  }
  // 1x1 stride-1 conv as GEMM: odd and even pixel counts, channels around 4 and 8.
  for (const [h, w, c, o] of [[1, 1, 8, 4], [1, 3, 9, 5], [2, 3, 16, 8], [3, 3, 17, 7], [5, 1, 7, 3]] as const) {
    out.push(conv(r, 'gemm 1x1', [1, h, w, c], o, 1, 1, { ...s1, pads: [0, 0, 0, 0] }));
  }
  // Row runs with pixel pairs (C >= 16, dilation_w 1): widths 1..5, borders, strides, tails.
  for (const [h, w, c, o, k, s, p] of [
    [3, 1, 16, 4, 3, 1, 1], [3, 2, 16, 5, 3, 1, 1], [4, 5, 17, 8, 3, 1, 1], [5, 5, 24, 3, 3, 2, 1],
    [4, 6, 16, 9, 3, 2, 0], [3, 7, 32, 4, 2, 1, 0], [6, 4, 16, 7, 5, 1, 2],
  ] as const) {
    out.push(conv(r, 'row runs 2x4', [1, h, w, c], o, k, k, { strides: [s, s], dilations: [1, 1], pads: [p, p, p, p] }));
  }
  out.push(conv(r, 'row runs 2x4 dilation_h 2', [2, 6, 5, 16], 6, 3, 3, { strides: [1, 1], dilations: [2, 1], pads: [2, 1, 2, 1] }));
  // Gathered patches (C < 16 or dilation_w > 1): K = KH*KW*C on both sides of multiples of 8, odd
  // pixel counts (the last pixel pairs with itself), channel tails, padding with the zero point.
  for (const [h, w, c, o, kh, kw, s, p] of [
    [5, 5, 1, 4, 3, 3, 1, 1], [6, 4, 1, 5, 10, 4, 2, 4], [7, 7, 3, 8, 3, 3, 2, 1], [4, 3, 3, 3, 3, 3, 1, 1],
    [5, 6, 8, 9, 3, 3, 1, 1], [3, 3, 7, 4, 1, 1, 1, 0], [5, 5, 2, 16, 2, 2, 1, 0],
  ] as const) {
    out.push(conv(r, 'gathered 2x4', [1, h, w, c], o, kh, kw, { strides: [s, s], dilations: [1, 1], pads: [p, p, p, p] }));
  }
  out.push(conv(r, 'gathered 2x4 dilation_w 2', [1, 6, 7, 20], 5, 3, 3, { strides: [1, 1], dilations: [1, 2], pads: [1, 2, 1, 2] }));
  // Depthwise with one input channel (a single-channel conv: OC = M), the x tap splat over 8 lanes.
  for (const [h, w, m, k, st, p] of [[5, 5, 7, 3, 1, 1], [6, 6, 8, 3, 2, 1], [4, 5, 9, 3, 1, 0], [5, 4, 16, 3, 2, 1], [3, 3, 17, 2, 1, 1]] as const) {
    const xq = { scale: 0.02 + r() * 0.05, zeroPoint: randInt(r, -100, 100) };
    const oq = { scale: xq.scale * 0.05 * k, zeroPoint: randInt(r, -20, 20) };
    out.push({
      label: `depthwise c1 m${m}: x[1,${h},${w},1] k${k} s${st} p${p}`,
      op: 'depthwise_conv2d',
      inputs: [
        { dtype: 's8', shape: [1, h, w, 1], quant: xq },
        { dtype: 's8', shape: [k, k, m], data: randS8(r, k * k * m, -127, 127) },
        bias(r, m),
        ...requant(r, m, xq.scale, oq.scale),
      ],
      out: { dtype: 's8', quant: oq },
      attrs: { strides: [st, st], dilations: [1, 1], pads: [p, p, p, p], depthMultiplier: m },
      int8: { actMin: -128, actMax: 127 },
    });
  }
  // Pools (taps outer, channels inner), channel counts around 16 and past the 512-channel chunk.
  for (const [h, w, c, k, st, p, isMax] of [[5, 5, 16, 5, 1, 0, false], [4, 6, 17, 3, 2, 1, false], [6, 5, 3, 2, 2, 0, true], [3, 3, 600, 3, 1, 1, true], [3, 2, 520, 2, 1, 0, false]] as const) {
    const xq = { scale: 0.05, zeroPoint: randInt(r, -50, 50) };
    out.push({
      label: `${isMax ? 'max' : 'average'}_pool2d x[1,${h},${w},${c}] k${k} s${st} p${p}`,
      op: isMax ? 'max_pool2d' : 'average_pool2d',
      inputs: [{ dtype: 's8', shape: [1, h, w, c], quant: xq }],
      out: { dtype: 's8', quant: xq },
      attrs: { kernel: [k, k], strides: [st, st], dilations: [1, 1], pads: [p, p, p, p], countIncludePad: c % 2 === 0 },
      int8: { actMin: -128, actMax: 127 },
    });
  }
  // int8 add / sub: element counts around the 8- and 16-lane SIMD steps, and a broadcast.
  for (const [a, b] of [[[7], [7]], [[8], [8]], [[17], [17]], [[2, 3, 5, 16], [2, 3, 5, 16]], [[3, 33], [3, 33]], [[4, 9], [9]]] as const) {
    for (const sub of [false, true]) {
      const aq = { scale: 0.02 + r() * 0.08, zeroPoint: randInt(r, -100, 100) };
      const bq = { scale: 0.02 + r() * 0.08, zeroPoint: randInt(r, -100, 100) };
      const oq = { scale: 0.05 + r() * 0.15, zeroPoint: randInt(r, -100, 100) };
      const p = sub ? subParams(aq.scale, bq.scale, oq.scale) : addParams(aq.scale, bq.scale, oq.scale);
      out.push({
        label: `${sub ? 'sub' : 'add'} s8 [${a}] [${b}]`,
        op: sub ? 'sub' : 'add',
        inputs: [{ dtype: 's8', shape: [...a], quant: aq }, { dtype: 's8', shape: [...b], quant: bq }],
        out: { dtype: 's8', quant: oq },
        attrs: {},
        int8: { ...p, actMin: r() < 0.5 ? Math.max(-128, oq.zeroPoint) : -128, actMax: 127 },
      });
    }
  }
  return out;
}

describe('fast int8 kernels vs the reference, both builds', () => {
  const all = cases();
  for (const [i, c] of all.entries()) {
    it(c.label, async () => check(c, rng(1000 + i)));
  }
});
