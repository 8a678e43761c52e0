// The fast int8 kernel variants (assembly/kernels/gemm.ts tile_s8_2x4_simd and its users: the
// fully_connected / 1x1-conv GEMM rows, conv2d_s8_rows_2x4_simd, conv2d_s8_gathered_2x4_simd, and
// the vectorised int8 add), on both WASM builds, against the plain-TS reference interpreter: exact
// bytes, and SIMD == scalar byte for byte. Shapes sit at tile-1 / tile / tile+1 of every blocking
// dimension (2 rows or pixels, 4 output channels, K steps of 8) plus odd sizes and padded borders.
// No timings here: speed is measured by `npm run bench`.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import asc from 'assemblyscript/asc';
import { readSource } from '../scripts/build-wasm.mjs';
import { multiplyByQuantizedMultiplier } from '../converter/reference/fixedpoint.js';
import type { Graph, Int8Params, Node, OpName } from '../converter/ir/graph.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { quantizeMultiplier } from '../converter/passes/quantize/multiplier.js';
import { addParams, subParams } from '../converter/passes/quantize/qparams.js';
import { emitBlob } from '../converter/emit/index.js';
import { planMemory } from '../converter/plan/index.js';
import { BUILDS, freshRuntime, blobOf, ensureWasmBuilt, oneOpGraph, randInt, randS8, repoRoot, rng, type TensorSpec, type Int8OpCase, expectBlobsMatch, int8Feeds } from './runtime-harness.js';

beforeAll(async () => {
  await ensureWasmBuilt();
}, 120_000);

type Case = Int8OpCase;

async function check(c: Case, r: () => number): Promise<void> {
  const g = oneOpGraph(c.op, c.inputs, c.out, c.attrs, c.int8);
  const feeds = int8Feeds(c, r);
  const [want] = runGraph(g, feeds);
  // conv2d / fully_connected: the packed-weight kernels (the converter's default) and the OHWI ones.
  const blobs: [string, Uint8Array][] = [['', blobOf(g)]];
  if (c.op === 'conv2d' || c.op === 'fully_connected') blobs.push(['plain', emitBlob(g, planMemory(g), {}, { packWeights: false })]);
  await expectBlobsMatch(c.label, blobs, feeds, want);
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

// Mostly small biases; one in eight is large enough (|bias| ~ 2^22) that the accumulator bound
// fails and the kernels keep the general i64 requantization instead of the exact f64 form.
const bias = (r: () => number, o: number): TensorSpec | null => {
  const u = r();
  if (u >= 0.8) return null;
  const big = u < 0.1;
  return { dtype: 's32', shape: [o], data: Int32Array.from({ length: o }, () => (big ? randInt(r, -5000000, 5000000) : randInt(r, -3000, 3000))) };
};

function conv(
  r: () => number, label: string, x: [number, number, number, number], o: number, kh: number, kw: number,
  attrs: { strides: [number, number]; dilations: [number, number]; pads: [number, number, number, number] },
  outGain = 0.018,
): Case {
  const c = x[3];
  const xq = { scale: 0.02 + r() * 0.05, zeroPoint: randInt(r, -100, 100) };
  const oq = { scale: xq.scale * outGain * Math.sqrt(kh * kw * c), zeroPoint: randInt(r, -20, 20) };
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
  // Small-K 1x1 conv (gemm_s8_smallk_16ch_simd: K a multiple of 8 up to 32, N a multiple of 16,
  // rows >= 4), and shapes just outside it (K 40, N 20) that keep the 2x4 tile.
  for (const [h, w, c, o] of [[2, 3, 8, 16], [3, 3, 16, 32], [4, 1, 24, 16], [2, 5, 32, 48], [3, 2, 8, 64], [2, 2, 40, 16], [3, 3, 16, 20]] as const) {
    out.push(conv(r, 'small-K 1x1', [1, h, w, c], o, 1, 1, { ...s1, pads: [0, 0, 0, 0] }));
  }
  // C >= 16, dilation_w 1 (the SIMD build gathers these into pixel pairs, the scalar one reads row
  // runs): widths 1..5, borders, strides, tails.
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
  // Small first convs (kernel rows of at most 8 bytes, at most 8 channels): mnist-8's, stride 2,
  // dilation_h 2 with C = 2, one pixel row.
  out.push(conv(r, 'small first conv mnist-8', [1, 28, 28, 1], 8, 5, 5, { strides: [1, 1], dilations: [1, 1], pads: [2, 2, 2, 2] }));
  out.push(conv(r, 'small first conv', [1, 9, 10, 1], 5, 3, 7, { strides: [2, 2], dilations: [1, 1], pads: [1, 3, 2, 3] }));
  out.push(conv(r, 'small first conv dilation_h 2', [1, 8, 7, 2], 8, 3, 4, { strides: [1, 1], dilations: [2, 1], pads: [2, 1, 2, 2] }));
  out.push(conv(r, 'small first conv one row', [1, 1, 13, 1], 3, 1, 5, { strides: [1, 1], dilations: [1, 1], pads: [0, 2, 0, 2] }));
  // Band patches (short kernel rows, more than 16 channels: conv2d.ts copies each pixel's row runs
  // out of the widened band and pairs pixels across two output rows): KWS's 10x4 stride-2 first
  // conv, odd output widths and heights, channel tails, a batch of 2, rows padded to whole tap pairs
  // (C = 3, 3x3), one output row.
  out.push(conv(r, 'band patches kws', [1, 49, 10, 1], 64, 10, 4, { strides: [2, 2], dilations: [1, 1], pads: [4, 1, 5, 1] }));
  out.push(conv(r, 'band patches', [2, 9, 7, 1], 17, 3, 4, { strides: [2, 2], dilations: [1, 1], pads: [1, 1, 1, 2] }));
  out.push(conv(r, 'band patches row-padded', [1, 7, 9, 3], 40, 3, 3, { strides: [2, 2], dilations: [1, 1], pads: [1, 1, 1, 1] }));
  out.push(conv(r, 'band patches C = 2', [1, 5, 6, 2], 33, 2, 4, { strides: [1, 1], dilations: [1, 1], pads: [0, 1, 1, 2] }));
  out.push(conv(r, 'band patches one row', [1, 1, 9, 1], 32, 1, 4, { strides: [1, 1], dilations: [1, 1], pads: [0, 1, 0, 2] }));
  // The scalar build's band kernel (conv_band_scalar.ts: C < 16, at most 16 channels): a batch of
  // two, TF-style asymmetric padding (bottom / right only), a lone last pixel, channel tails.
  out.push(conv(r, 'small first conv batch 2', [2, 7, 9, 3], 6, 3, 3, { strides: [2, 2], dilations: [1, 1], pads: [0, 0, 1, 1] }));
  out.push(conv(r, 'small first conv 16 channels', [1, 6, 5, 3], 16, 3, 3, { strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1] }));
  // Rows read in place (no column padding) next to padded rows, with dilation_h 2.
  out.push(conv(r, 'small first conv rows in place', [1, 9, 6, 2], 7, 3, 2, { strides: [1, 1], dilations: [2, 1], pads: [2, 0, 1, 0] }));
  // Band kernels over several output rows per widened band (conv2d.ts bandRows: as many as the
  // band buffer holds when their input rows overlap): rows wide enough that a band holds only 4
  // (stride 2) or 7 (stride 1) output rows, so images split into bands with a shorter last one;
  // both tiles (8 channels in 4-pixel steps, 16 in pairs), odd and even heights, VALID / SAME /
  // bottom-right padding, stride 3 = KH (adjacent rows), stride 4 > KH (one row per band), vww's
  // 96 x 96 x 3 first conv, ReLU below.
  out.push(conv(r, 'band rows s2', [1, 20, 300, 3], 8, 3, 3, { strides: [2, 2], dilations: [1, 1], pads: [0, 0, 1, 1] }));
  out.push(conv(r, 'band rows s2 odd', [1, 19, 299, 3], 16, 3, 3, { strides: [2, 2], dilations: [1, 1], pads: [1, 1, 1, 1] }));
  out.push(conv(r, 'band rows s1', [1, 17, 300, 3], 8, 3, 3, { strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1] }));
  out.push(conv(r, 'band rows s1 valid', [2, 16, 297, 3], 16, 3, 3, { strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0] }));
  out.push(conv(r, 'band rows s3', [1, 23, 250, 3], 8, 3, 3, { strides: [3, 3], dilations: [1, 1], pads: [1, 1, 1, 1] }));
  out.push(conv(r, 'band rows s4', [1, 13, 41, 3], 8, 3, 3, { strides: [4, 4], dilations: [1, 1], pads: [1, 1, 1, 1] }));
  out.push(conv(r, 'band rows vww', [1, 96, 96, 3], 8, 3, 3, { strides: [2, 2], dilations: [1, 1], pads: [0, 0, 1, 1] }));
  // K >= 64 1x1 convs as in vww / person_detect: sums of |w| near 127 * K (accumulator bounds past
  // the f64 form's 2^52: accepted for right shifts <= 12, exact after the int8 clamp) and channels
  // whose weights are all zero with biases near 2^30 and right shifts of 25-31 (the constant
  // mbqm(bias)); 20 and 36 pixels (the fast table from 16 on), K 128 and 256.
  for (const [h, w, c, o] of [[4, 5, 128, 48], [6, 6, 256, 32]] as const) {
    const xq = { scale: 0.02, zeroPoint: -128 };
    const oq = { scale: 0.02 * 0.018 * Math.sqrt(c), zeroPoint: randInt(r, -128, 127) };
    const wts = Int8Array.from({ length: o * c }, () => (r() < 0.9 ? (r() < 0.5 ? -127 : 127) : randInt(r, -127, 127)));
    const [mult, shift] = requant(r, o, xq.scale, oq.scale);
    const b = Int32Array.from({ length: o }, () => randInt(r, -3000, 3000));
    for (let ch = 3; ch < o; ch += 7) {
      wts.fill(0, ch * c, (ch + 1) * c);
      b[ch] = (r() < 0.5 ? -1 : 1) * ((1 << 30) - randInt(r, 0, 200));
      (shift.data as Int32Array)[ch] = -randInt(r, 25, 31);
    }
    out.push({
      label: `1x1 K >= 64, wide bounds and constant channels: conv2d x[1,${h},${w},${c}] w[${o},1,1,${c}]`,
      op: 'conv2d',
      inputs: [
        { dtype: 's8', shape: [1, h, w, c], quant: xq },
        { dtype: 's8', shape: [o, 1, 1, c], data: wts },
        { dtype: 's32', shape: [o], data: b },
        mult, shift,
      ],
      out: { dtype: 's8', quant: oq },
      attrs: { ...s1, pads: [0, 0, 0, 0], group: 1 },
      int8: { actMin: -128, actMax: 127 },
    });
  }
  // Fused ReLU / ReLU6 (lower clamp at or above the output zero point: the requantization stores
  // without the sign term): small-K 1x1 (8, 16, 32 -> 16..64), packed 1x1 K = 64 over 20 pixels, the
  // band patches, the 4-pixel x 8-channel band tile; a ReLU6-like upper clamp on two of them.
  for (const [i, [h, w, c, o, k, s, p]] of ([
    [4, 6, 8, 16, 1, 1, 0], [5, 5, 16, 32, 1, 1, 0], [3, 7, 32, 64, 1, 1, 0], [4, 5, 64, 64, 1, 1, 0],
    [13, 6, 1, 32, 5, 2, 2], [12, 12, 3, 8, 3, 2, 1], [21, 300, 3, 8, 3, 2, 1], [17, 280, 3, 16, 3, 1, 1],
  ] as const).entries()) {
    const cs = conv(r, 'relu', [1, h, w, c], o, k, k, { strides: [s, s], dilations: [1, 1], pads: [p, p, p, p] });
    const zp = cs.out.quant.zeroPoint;
    cs.int8 = { actMin: Math.max(-128, zp), actMax: i % 3 === 1 ? Math.min(127, zp + 60) : 127 };
    out.push(cs);
  }
  // Unpadded strided 1x1 convs (conv2d.ts stridedRows: sampled pixels widened straight into the
  // column sweep's rows): stride 2 over odd and even sizes, stride 3 and
  // unequal strides, K = 16 / 32 / 48 / 64, N = 16 / 32 / 64 / 48, batch 2, more pixels than one
  // chunk (K = 16 / 32 / 48: 32 pixels a chunk; K = 64 and 11x11 outputs), chunks and their halves
  // starting inside an output row (output widths 7 / 10 / 11 / 13), an odd last pixel, K = 272 / 512
  // (15 / 8 pixel pairs a chunk), no clamp, ReLU and a ReLU6-like clamp; C = 24, 8 channels and
  // the cases drawn with a large bias (the general requantization: no sweep) take the band path.
  for (const [i, [n, h, w, c, o, sh, sw]] of ([
    [1, 7, 7, 16, 32, 2, 2], [1, 8, 8, 32, 64, 2, 2], [1, 6, 9, 64, 16, 2, 2], [1, 5, 6, 16, 64, 3, 3],
    [2, 9, 8, 32, 16, 2, 1], [1, 21, 21, 64, 64, 2, 2], [1, 32, 32, 16, 32, 2, 2], [1, 7, 6, 32, 48, 2, 2],
    [1, 6, 6, 24, 32, 2, 2], [1, 5, 7, 16, 8, 2, 2],
    [1, 17, 19, 16, 32, 2, 2], [1, 11, 13, 48, 32, 2, 2], [1, 9, 9, 48, 48, 2, 2], [2, 15, 15, 32, 32, 3, 2],
    [1, 13, 37, 16, 16, 3, 3], [1, 16, 16, 32, 64, 2, 2], [1, 19, 25, 32, 32, 3, 3], [2, 7, 7, 16, 16, 3, 3],
    [1, 13, 11, 272, 32, 2, 2], [1, 8, 8, 512, 16, 2, 2],
  ] as const).entries()) {
    // An output scale that keeps most outputs inside the int8 range (|y| ~ 60 for the mean weight
    // scale): with the default one most of them clamp, and a wrong input offset in a pixel changed
    // only a few of its bytes.
    const cs = conv(r, 'strided 1x1', [n, h, w, c], o, 1, 1, { strides: [sh, sw], dilations: [1, 1], pads: [0, 0, 0, 0] }, 0.6);
    const zp = cs.out.quant.zeroPoint;
    cs.int8 = i % 3 === 0 ? { actMin: -128, actMax: 127 } : { actMin: Math.max(-128, zp), actMax: i % 3 === 1 ? 127 : Math.min(127, zp + 60) };
    out.push(cs);
  }
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
  // Depthwise M = 1: 16- and 8-channel groups and the scalar tail; stride 1/2, padding; one op with
  // a large bias (the general requantization) and one with a shift right of 21 (likewise).
  for (const [h, w, c, k, st, p, big] of [
    [5, 5, 16, 3, 1, 1, 0], [6, 6, 24, 3, 2, 1, 0], [4, 5, 40, 3, 1, 0, 0], [7, 6, 33, 3, 2, 1, 0], [5, 4, 64, 5, 1, 2, 0],
    [4, 4, 16, 3, 1, 1, 1], [4, 4, 24, 3, 1, 1, 2],
  ] as const) {
    const xq = { scale: 0.02 + r() * 0.05, zeroPoint: randInt(r, -100, 100) };
    const oq = { scale: big === 2 ? xq.scale * 30000 : xq.scale * 0.05 * k, zeroPoint: randInt(r, -20, 20) };
    const b: TensorSpec = { dtype: 's32', shape: [c], data: Int32Array.from({ length: c }, () => big === 1 ? randInt(r, -8000000, 8000000) : randInt(r, -3000, 3000)) };
    out.push({
      label: `depthwise m1: x[1,${h},${w},${c}] k${k} s${st} p${p}${big === 1 ? ' large bias' : big === 2 ? ' shift < -20' : ''}`,
      op: 'depthwise_conv2d',
      inputs: [
        { dtype: 's8', shape: [1, h, w, c], quant: xq },
        { dtype: 's8', shape: [k, k, c], data: randS8(r, k * k * c, -127, 127) },
        b,
        ...requant(r, c, xq.scale, oq.scale),
      ],
      out: { dtype: 's8', quant: oq },
      attrs: { strides: [st, st], dilations: [1, 1], pads: [p, p, p, p], depthMultiplier: 1 },
      int8: r() < 0.5 ? { actMin: Math.max(-128, oq.zeroPoint), actMax: 127 } : { actMin: -128, actMax: 127 },
    });
  }
  // GEMM rows >= 4 (the exact-f64 requantization's row threshold) with and without a large bias.
  for (const [rows, n, k] of [[4, 8, 32], [6, 5, 16], [9, 12, 24]] as const) {
    const xq = { scale: 0.02 + r() * 0.05, zeroPoint: randInt(r, -100, 100) };
    const oq = { scale: xq.scale * 0.02 * Math.sqrt(k), zeroPoint: randInt(r, -20, 20) };
    out.push({
      label: `gemm rows f64 requant: fully_connected x[${rows},${k}] n${n}`,
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
  // Few-row packed fully_connected (the SIMD build prepares their requantization table at load,
  // assembly/prepared.ts): rows 1..4 around the threshold, N around the 16- and 32-channel groups,
  // a fused ReLU (actMin = zero point: the store without the sign term) and none, and a large bias
  // on some (the table refused, the per-run path kept).
  for (const [rows, n, k, relu] of [[1, 16, 24, true], [1, 40, 17, false], [1, 64, 128, true], [2, 33, 8, true], [3, 48, 40, false], [1, 128, 8, true], [4, 20, 16, true], [1, 8, 64, true]] as const) {
    const xq = { scale: 0.02 + r() * 0.05, zeroPoint: randInt(r, -100, 100) };
    const oq = { scale: xq.scale * 0.02 * Math.sqrt(k), zeroPoint: randInt(r, -20, 20) };
    out.push({
      label: `few-row fully_connected x[${rows},${k}] n${n}${relu ? ' relu' : ''}`,
      op: 'fully_connected',
      inputs: [
        { dtype: 's8', shape: [rows, k], quant: xq },
        { dtype: 's8', shape: [n, k], data: randS8(r, n * k, -127, 127) },
        bias(r, n),
        ...requant(r, n, xq.scale, oq.scale),
      ],
      out: { dtype: 's8', quant: oq },
      attrs: {},
      int8: relu ? { actMin: Math.max(-128, oq.zeroPoint), actMax: 127 } : { actMin: -128, actMax: 127 },
    });
  }
  // The scalar build's two-row i64 tile (gemm_packed.ts tilePair: two rows' sums in one i64) up to
  // its buffer's limit (K <= 1032) and the one-row tiles past it, odd rows and channel tails. Sparse
  // +-1 weights and an output scale near the accumulator's unit, so an accumulator off by one
  // (a wrong split of the two sums) changes the output bytes.
  for (const [rows, n, k] of [[5, 21, 1032], [3, 6, 1033], [2, 18, 1500], [4, 7, 333]] as const) {
    const xq = { scale: 0.02, zeroPoint: randInt(r, -100, 100) };
    const oq = { scale: xq.scale * 0.03, zeroPoint: randInt(r, -20, 20) };
    const w = Int8Array.from({ length: n * k }, () => (r() < 12 / k ? (r() < 0.5 ? -1 : 1) : 0));
    out.push({
      label: `scalar pair tile: fully_connected x[${rows},${k}] n${n}`,
      op: 'fully_connected',
      inputs: [
        { dtype: 's8', shape: [rows, k], quant: xq },
        { dtype: 's8', shape: [n, k], data: w },
        null,
        ...requant(r, n, xq.scale, oq.scale),
      ],
      out: { dtype: 's8', quant: oq },
      attrs: {},
      int8: { actMin: -128, actMax: 127 },
    });
  }
  // Pools (taps outer, channels inner), channel counts around 16 and past the 512-channel chunk;
  // max pool's SIMD steps of 16 and 8 channels and scalar tail (25), with a clamp (odd h); global
  // average pools of 256 taps (the SIMD build's i16 sums) and 289 (its i32 sums).
  for (const [h, w, c, k, st, p, isMax] of [[5, 5, 16, 5, 1, 0, false], [4, 6, 17, 3, 2, 1, false], [6, 5, 3, 2, 2, 0, true], [3, 3, 600, 3, 1, 1, true], [3, 2, 520, 2, 1, 0, false], [7, 6, 25, 3, 2, 1, true], [8, 8, 8, 2, 2, 0, true], [16, 16, 16, 16, 1, 0, false], [17, 17, 32, 17, 1, 0, false]] as const) {
    const xq = { scale: 0.05, zeroPoint: randInt(r, -50, 50) };
    out.push({
      label: `${isMax ? 'max' : 'average'}_pool2d x[1,${h},${w},${c}] k${k} s${st} p${p}`,
      op: isMax ? 'max_pool2d' : 'average_pool2d',
      inputs: [{ dtype: 's8', shape: [1, h, w, c], quant: xq }],
      out: { dtype: 's8', quant: xq },
      attrs: { kernel: [k, k], strides: [st, st], dilations: [1, 1], pads: [p, p, p, p], countIncludePad: c % 2 === 0 },
      int8: h % 2 === 1 ? { actMin: Math.max(-128, xq.zeroPoint - 20), actMax: 100 } : { actMin: -128, actMax: 127 },
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

// One-row fully_connected on the SIMD build (prepared at load): requantized in f32 behind a screen
// (assembly/kernels/fully_connected.ts fcF32Lim) that sends every 16-channel group with a lane near
// a rounding tie to the exact form. Power-of-two scales put accumulators exactly on ties (TFLM
// rounds those up; an unscreened f32 round-to-even would not): with a right shift R, one
// accumulator in 2^R is a tie, so groups take the exact path now and then (R = 0..3: most of them)
// and the f32 one otherwise; N = 40 / 8 / 20 also cover the partial last group's exact form. Many
// inputs per instance (the prepared state reused), both builds, against the reference interpreter.
// (Each case fails with the screen disabled.)
describe('one-row fully_connected: the f32-screened store on rounding ties, both builds', () => {
  // Scales keep most outputs inside int8 (a clamped output hides its rounding); shift 0 (no right
  // shift, S = 1/2) with weights in [-1, 1].
  // biasKind: 0 small, 1 none (the tile's zero start and the record's zero tail bias), 2 one bias of
  // 2^30 (past the f32 bound: the op takes the general requantization on every channel).
  for (const [n, k, shift, relu, zp, wmax, biasKind] of [[64, 32, -8, false, 3, 127, 0], [40, 32, -8, true, -128, 127, 0], [40, 128, -9, false, -10, 127, 0], [8, 64, -3, true, -20, 2, 0], [96, 16, -7, false, 0, 127, 0], [48, 8, 0, true, -128, 1, 0], [20, 8, 0, false, 0, 1, 0], [40, 32, -8, false, 5, 127, 1], [40, 32, -8, false, 5, 127, 2]] as const) {
    it(`x[1,${k}] n${n}, S = 2^${shift - 1}${relu ? ' relu' : ''}${['', ', no bias', ', a 2^30 bias'][biasKind]}`, async () => {
      const r = rng(n * 1000 + k * 10 - shift);
      const mult = new Int32Array(n).fill(2 ** 30), sh = new Int32Array(n).fill(shift);
      const xq = { scale: 0.05, zeroPoint: randInt(r, -60, 60) };
      // The kernels take the multipliers and shifts above; the output scale is only recorded.
      const oq = { scale: 0.05 * 2 ** (shift - 1), zeroPoint: zp };
      const g = oneOpGraph('fully_connected', [
        { dtype: 's8', shape: [1, k], quant: xq },
        { dtype: 's8', shape: [n, k], data: randS8(r, n * k, -wmax, wmax) },
        biasKind === 1 ? null : { dtype: 's32', shape: [n], data: Int32Array.from({ length: n }, (_, i) => (biasKind === 2 && i === 0 ? 2 ** 30 : randInt(r, -30 * wmax, 30 * wmax))) },
        { dtype: 's32', shape: [n], data: mult },
        { dtype: 's32', shape: [n], data: sh },
      ], { dtype: 's8', quant: oq }, {}, relu ? { actMin: zp, actMax: 127 } : { actMin: -128, actMax: 127 });
      const blob = blobOf(g);
      const models = await Promise.all(BUILDS.map(async (b) => (await freshRuntime(b)).load(blob)));
      for (let t = 0; t < 100; t++) {
        const x = randS8(r, k);
        const [want] = runGraph(g, [x]);
        for (const [i, m] of models.entries()) {
          const [y] = m.run([x]);
          expect(Array.from(y), `${BUILDS[i]} input ${t}`).toEqual(Array.from(want as Int8Array));
        }
      }
    });
  }
});

/**
 * Runs `g` on both builds for each input set and compares every output byte with the reference
 * interpreter; returns how many reference outputs were inside (-128, 127), so a caller can require
 * that the requantized values themselves, not only the clamps, were compared.
 */
async function matchReferenceOnBothBuilds(g: Parameters<typeof blobOf>[0], inputSets: Int8Array[][]): Promise<number> {
  const blob = blobOf(g);
  const models = await Promise.all(BUILDS.map(async (bd) => (await freshRuntime(bd)).load(blob)));
  let inRange = 0;
  for (const [t, xs] of inputSets.entries()) {
    const [want] = runGraph(g, xs);
    for (const v of want as Int8Array) if (v > -128 && v < 127) inRange++;
    for (const [i, m] of models.entries()) {
      const [y] = m.run(xs);
      expect(Array.from(y), `${BUILDS[i]} input ${t}`).toEqual(Array.from(want as Int8Array));
    }
  }
  return inRange;
}

// One-row fully_connected with every form of TFLite's per-channel requantization, mixed within
// one op: left shifts (1..30, the i32 shift of the accumulator wrapping as in the reference), no
// shift (R = 0: no sign term) and right shifts 1..31, multipliers from 0 to 2^31 - 1 (powers of
// two put accumulators on rounding ties), biases up to 2^30 in magnitude. K and N off every
// blocking step of the scalar one-row tile (4 channels a pass, 16 a group, tap pairs) and of the
// SIMD ones: K = 1 (one tap, its pair padded), odd K, N = 1, partial groups. Both builds, against
// the reference interpreter.
describe('one-row fully_connected: every requantization shift form per channel, both builds', () => {
  // uniform: every channel takes channel 0's multiplier and shift (per-tensor weights, as ad's).
  for (const [k, n, uniform] of [[1, 1, false], [3, 5, false], [7, 17, false], [16, 4, false], [33, 33, false], [130, 21, false], [9, 64, false], [5, 18, true], [24, 7, true], [134, 20, true], [19, 3, true]] as const) {
    it(`x[1,${k}] n${n}${uniform ? ', one multiplier and shift' : ''}`, async () => {
      const r = rng(k * 977 + n);
      const mult = new Int32Array(n), sh = new Int32Array(n), b = new Int32Array(n);
      for (let c = 0; c < n; c++) {
        const form = c % 4;
        sh[c] = form === 0 ? randInt(r, 1, 30) : form === 1 ? 0 : form === 2 ? -randInt(r, 1, 12) : -randInt(r, 13, 31);
        const u = r();
        mult[c] = u < 0.3 ? 2 ** 30 : u < 0.4 ? 2 ** 31 - 1 : u < 0.45 ? 0 : randInt(r, 2 ** 30, 2 ** 31 - 1);
        b[c] = r() < 0.15 ? (r() < 0.5 ? -1 : 1) * (2 ** 30 - randInt(r, 0, 1000)) : randInt(r, -20000, 20000);
      }
      if (uniform) {
        // The four shift forms across the uniform cases (k % 4 = 1, 0, 2, 3: left, none, right, far right).
        const form = k % 4;
        sh.fill(form === 1 ? randInt(r, 1, 30) : form === 0 ? 0 : form === 2 ? -randInt(r, 1, 12) : -randInt(r, 13, 31));
        mult.fill(mult[0]);
      }
      const xq = { scale: 0.05, zeroPoint: randInt(r, -100, 100) };
      const oq = { scale: 0.05, zeroPoint: randInt(r, -30, 30) };
      const relu = n % 2 === 1;
      const g = oneOpGraph('fully_connected', [
        { dtype: 's8', shape: [1, k], quant: xq },
        // Small weights on some channels keep their left-shifted outputs inside int8 now and then.
        { dtype: 's8', shape: [n, k], data: Int8Array.from({ length: n * k }, (_, i) => ((i / k) | 0) % 3 === 0 ? randInt(r, -1, 1) : randInt(r, -127, 127)) },
        k % 2 === 1 ? null : { dtype: 's32', shape: [n], data: b },
        { dtype: 's32', shape: [n], data: mult },
        { dtype: 's32', shape: [n], data: sh },
      ], { dtype: 's8', quant: oq }, {}, relu ? { actMin: oq.zeroPoint, actMax: 127 } : { actMin: -128, actMax: 127 });
      const inRange = await matchReferenceOnBothBuilds(g, Array.from({ length: 40 }, () => [randS8(r, k)]));
      // Not all clamped: the requantized values themselves are compared.
      expect(inRange).toBeGreaterThan(0);
    });
  }
});

// One-row fully_connected at ad's shapes and around the SIMD one-row path's blocks (fcRow: 32
// channels a pass, then 16, a partial group of at most 8 channels through its half tile; K = 8 is
// two tap-pair steps): N = 8 / 16 / 24 / 640 by K = 8 / 128 / 640, ReLU-clamped, narrowly clamped
// and unclamped outputs. Both builds, against the reference interpreter.
describe('one-row fully_connected at ad-like shapes, both builds', () => {
  for (const n of [8, 16, 24, 640]) {
    for (const k of [8, 128, 640]) {
      const clamp = (n + k) % 3; // 0: none, 1: ReLU, 2: a narrow window
      it(`x[1,${k}] n${n}${['', ' relu', ' clamped'][clamp]}`, async () => {
        const r = rng(n * 7919 + k);
        const xq = { scale: 0.05, zeroPoint: randInt(r, -100, 100) };
        const oq = { scale: xq.scale * 0.3 * Math.sqrt(k), zeroPoint: randInt(r, -30, 30) };
        const g = oneOpGraph('fully_connected', [
          { dtype: 's8', shape: [1, k], quant: xq },
          { dtype: 's8', shape: [n, k], data: randS8(r, n * k, -127, 127) },
          k === 128 && n === 24 ? null : { dtype: 's32', shape: [n], data: Int32Array.from({ length: n }, () => randInt(r, -20000, 20000)) },
          ...requant(r, n, xq.scale, oq.scale),
        ], { dtype: 's8', quant: oq }, {}, clamp === 1 ? { actMin: oq.zeroPoint, actMax: 127 } : clamp === 2 ? { actMin: oq.zeroPoint - 40, actMax: oq.zeroPoint + 50 } : { actMin: -128, actMax: 127 });
        const inRange = await matchReferenceOnBothBuilds(g, Array.from({ length: 12 }, () => [randS8(r, k)]));
        expect(inRange).toBeGreaterThan(0);
      });
    }
  }
});

/** Per-channel Q31 multipliers and shifts for real scales scale(c) * U(0.7, 1.3). */
function multipliersOf(n: number, r: () => number, scale: (c: number) => number): { mult: Int32Array; sh: Int32Array } {
  const mult = new Int32Array(n), sh = new Int32Array(n);
  for (let c = 0; c < n; c++) {
    const m = quantizeMultiplier(scale(c) * (0.7 + r() * 0.6));
    mult[c] = m.multiplier;
    sh[c] = m.shift;
  }
  return { mult, sh };
}

/**
 * A one-row int8 fully_connected x[1, K] -> N (input zero point zp, output zero point random)
 * behind a primer: a one-row op of `primerN` channels over K rounded up to 4 (kp) on a second
 * input, first in the graph, which leaves its row in the widening buffer where the later op's
 * padded taps must not pick it up. Inputs: x, then the primer's row.
 */
function oneRowFcAfterPrimer(
  r: () => number, k: number, n: number, zp: number, w: Int8Array, bias: Int32Array | null,
  q: { mult: Int32Array; sh: Int32Array }, primerN: number,
): { g: Graph; kp: number } {
  const xq = { scale: 0.05, zeroPoint: zp };
  const oq = { scale: 0.05, zeroPoint: randInt(r, -10, 10) };
  const g = oneOpGraph('fully_connected', [
    { dtype: 's8', shape: [1, k], quant: xq },
    { dtype: 's8', shape: [n, k], data: w },
    bias ? { dtype: 's32', shape: [n], data: bias } : null,
    { dtype: 's32', shape: [n], data: q.mult },
    { dtype: 's32', shape: [n], data: q.sh },
  ], { dtype: 's8', quant: oq }, {}, { actMin: -128, actMax: 127 });
  const kp = (k + 3) & ~3;
  g.addTensor({ name: 'px', dtype: 's8', shape: [1, kp], quant: { scale: [xq.scale], zeroPoint: [xq.zeroPoint] } });
  g.addTensor({ name: 'pw', dtype: 's8', shape: [primerN, kp], data: randS8(r, primerN * kp, -127, 127) });
  g.addTensor({ name: 'pm', dtype: 's32', shape: [primerN], data: new Int32Array(primerN).fill(q.mult[0]) });
  g.addTensor({ name: 'psh', dtype: 's32', shape: [primerN], data: new Int32Array(primerN).fill(q.sh[0]) });
  g.addTensor({ name: 'pout', dtype: 's8', shape: [1, primerN], quant: { scale: [oq.scale], zeroPoint: [oq.zeroPoint] } });
  g.inputs.push('px');
  g.outputs.push('pout');
  g.nodes.unshift({ op: 'fully_connected', name: 'primer', inputs: ['px', 'pw', '', 'pm', 'psh'], outputs: ['pout'], attrs: {}, int8: { actMin: -128, actMax: 127 } } as Node);
  return { g, kp };
}

// The SIMD one-row path (fcRow) reads its weights rewritten at load (fully_connected.ts
// fcRowLayout): per 8 channels and tap pair, words hi * 256 + (lo + 128), with channels c..c+3 in
// the low bytes and c+4..c+7 in the high ones; the low channels come out as A - 256 * H - 128 *
// sum(x), every step mod 2^32. Here the high channels' sums reach the f32 path's bound (|acc| near
// 2^24: weights +-102 at K = 640 against inputs at their extremes), so A wraps i32 many times,
// while the low channels carry small random weights at a fine output scale: a wrong split, wrap or
// sum(x) term shows in their bytes. K = 637 / 5 end in padded taps that read a row the primer op (K
// rounded up to 4, first in the graph) left in the buffer. N = 40 / 24 / 8: the 32-channel tile,
// the 16-channel one with a partial group, the half tile. Both builds, against the reference.
describe('SIMD one-row fully_connected: the in-place word layout at its sum bound, both builds', () => {
  for (const [k, n, zp] of [[640, 40, -128], [640, 24, 127], [637, 8, -128], [5, 40, 127]] as const) {
    it(`x[1,${k}] n${n}, input zero point ${zp}`, async () => {
      const r = rng(k * 31 + n);
      const isHi = (c: number) => (c & 7) >= 4;
      const big = Math.floor(65793 / k) > 127 ? 127 : Math.floor(65793 / k); // sum |w| * 255 <= 2^24
      const w = Int8Array.from({ length: n * k }, (_, i) => {
        const c = (i / k) | 0;
        return isHi(c) ? ((c >> 3) & 1 ? -big : big) : randInt(r, -3, 3);
      });
      const q = multipliersOf(n, r, (c) => (isHi(c) ? 2 ** -17 : 2 ** -7));
      const { g, kp } = oneRowFcAfterPrimer(r, k, n, zp, w, null, q, 16);
      // Inputs at the extremes (x + input offset 0 or +-255), mostly the one that makes the high
      // channels' sums large.
      const far = zp < 0 ? 127 : -128, near = zp < 0 ? -128 : 127;
      const inputs = Array.from({ length: 16 }, () => [
        Int8Array.from({ length: k }, () => (r() < 0.9 ? far : near)),
        Int8Array.from({ length: kp }, () => (r() < 0.5 ? 127 : -128)),
      ]);
      const inRange = await matchReferenceOnBothBuilds(g, inputs);
      expect(inRange).toBeGreaterThan(n * 4);
    }, 60_000);
  }
  // Two one-row ops reading one weight tensor: the layout is not rewritten under the other op (both
  // keep the general path), and the outputs stay the reference's.
  it('two one-row ops sharing their weights', async () => {
    const r = rng(4242);
    const k = 64, n = 48;
    const xq = { scale: 0.05, zeroPoint: 3 };
    const oq = { scale: 0.05 * 0.3 * Math.sqrt(k), zeroPoint: -5 };
    const g = oneOpGraph('fully_connected', [
      { dtype: 's8', shape: [1, k], quant: xq },
      { dtype: 's8', shape: [n, k], data: randS8(r, n * k, -127, 127) },
      null,
      ...requant(r, n, xq.scale, oq.scale),
    ], { dtype: 's8', quant: oq }, {}, { actMin: -128, actMax: 127 });
    const first = g.nodes[0];
    g.addTensor({ name: 'x2', dtype: 's8', shape: [1, k], quant: { scale: [xq.scale], zeroPoint: [xq.zeroPoint] } });
    g.addTensor({ name: 'y2', dtype: 's8', shape: [1, n], quant: { scale: [oq.scale], zeroPoint: [oq.zeroPoint] } });
    g.inputs.push('x2');
    g.outputs.push('y2');
    g.nodes.push({ ...first, name: 'second', inputs: ['x2', ...first.inputs.slice(1)], outputs: ['y2'] } as Node);
    const blob = blobOf(g);
    const models = await Promise.all(BUILDS.map(async (bd) => (await freshRuntime(bd)).load(blob)));
    for (let t = 0; t < 8; t++) {
      const xs = [randS8(r, k), randS8(r, k)];
      const want = runGraph(g, xs);
      for (const [i, m] of models.entries()) {
        const got = m.run(xs);
        expect(Array.from(got[0]), `${BUILDS[i]} input ${t}`).toEqual(Array.from(want[0] as Int8Array));
        expect(Array.from(got[1]), `${BUILDS[i]} input ${t} (second op)`).toEqual(Array.from(want[1] as Int8Array));
      }
    }
  });
});

// The scalar one-row tile (gemm_packed.ts tileRow) sums two channels (c, c + 2) in one i64 from
// unsigned weights (w + 128) and subtracts 128 * (sum of the row) after: its split is exact only while
// each channel's sum of u * (w + 128) stays inside i32. At K = 4096 (PACKED_K_MAX) with the inputs
// and weights at their extremes (|x + input offset| up to 255, w + 128 at 0 or 255), alternating
// per channel so the two halves of an i64 have opposite signs or extremes; K = 4093 and 1037 end in
// padded taps, which read stale buffer values: a one-row op of K rounded up to 4 runs first in the
// graph, leaving its row there. Biases centre the sums and 1 output unit is 2^13 accumulator units,
// so outputs stay in range while a wrong split or correction (>= 128 units of the sum) shows.
describe('scalar one-row fully_connected: two channels per i64 at the sum bound, both builds', () => {
  for (const [k, n, zp] of [[4096, 20, -128], [4096, 16, 127], [4093, 37, -128], [1037, 21, 127]] as const) {
    it(`x[1,${k}] n${n}, input zero point ${zp}`, async () => {
      const r = rng(k + n);
      const cls = (c: number) => (c >> 1) & 1; // channels c and c + 2 in opposite classes
      const w = Int8Array.from({ length: n * k }, (_, i) => {
        const c = (i / k) | 0;
        return r() < 0.85 ? (cls(c) ? -128 : 127) : randInt(r, -128, 127);
      });
      const pHigh = 0.8;
      // Mean of x + input offset, for x = 127 with probability pHigh and -128 otherwise.
      const meanU = pHigh * (127 - zp) + (1 - pHigh) * (-128 - zp);
      const b = Int32Array.from({ length: n }, (_, c) => {
        let s = 0;
        for (let j = 0; j < k; j++) s += w[c * k + j];
        return -Math.round(s * meanU);
      });
      const q = multipliersOf(n, r, () => 2 ** -13);
      const { g, kp } = oneRowFcAfterPrimer(r, k, n, zp, w, b, q, 1);
      const inputs = Array.from({ length: 20 }, () => [
        Int8Array.from({ length: k }, () => (r() < pHigh ? 127 : -128)),
        Int8Array.from({ length: kp }, () => (r() < 0.5 ? 127 : -128)),
      ]);
      const inRange = await matchReferenceOnBothBuilds(g, inputs);
      expect(inRange).toBeGreaterThan(n * 5);
    }, 60_000);
  }
});

// int8 add / sub over every (a, b) byte pair (65,536 outputs), for scales that put outputs on the
// float screen's rounding boundaries (ratios 1/2, 1, 3/4), a large output right shift, a tiny
// second input (past the i32 rescale's range) and random ones. Three blob forms: contiguous rows
// (float screen, exact vector fallback), a broadcast of [256, 1] against [256] (the per-op tables
// in the kernel scratch), and the contiguous op planned without kernel scratch (older blobs).
describe('int8 add / sub: every input pair, both builds', () => {
  const r = rng(77);
  const scaleSets: [string, number, number, number][] = [
    ['a = b = out/2', 0.05, 0.05, 0.1],
    ['a = b = out', 0.04, 0.04, 0.04],
    ['a = 3/4 out, b = out/2', 0.075, 0.05, 0.1],
    ['out 30x the inputs', 0.01, 0.013, 0.3],
    ['b = a * 2^-22', 0.1, 0.1 * 2 ** -22, 0.05],
    ...Array.from({ length: 8 }, (_, i): [string, number, number, number] => [`random ${i}`, 0.001 + r() * 0.1, 0.001 + r() * 0.1, 0.005 + r() * 0.2]),
  ];
  const all = Int8Array.from({ length: 256 }, (_, i) => i - 128);
  for (const [name, sa, sb, so] of scaleSets) {
    for (const sub of [false, true]) {
      const aq = { scale: sa, zeroPoint: randInt(r, -100, 100) }, bq = { scale: sb, zeroPoint: randInt(r, -100, 100) };
      const oq = { scale: so, zeroPoint: randInt(r, -100, 100) };
      const p = sub ? subParams(sa, sb, so) : addParams(sa, sb, so);
      const int8 = { ...p, actMin: r() < 0.5 ? Math.max(-128, oq.zeroPoint) : -128, actMax: 127 };
      const op = sub ? 'sub' : 'add';
      it(`${op} ${name}`, async () => {
        const rowA = Int8Array.from({ length: 65536 }, (_, i) => all[i >> 8]);
        const rowB = Int8Array.from({ length: 65536 }, (_, i) => all[i & 255]);
        const flat = oneOpGraph(op, [{ dtype: 's8', shape: [256, 256], quant: aq }, { dtype: 's8', shape: [256, 256], quant: bq }], { dtype: 's8', quant: oq }, {}, int8);
        const [want] = runGraph(flat, [rowA, rowB]);
        const noScratch = emitBlob(flat, planMemory(flat, { scratchBytes: () => 0 }));
        await expectBlobsMatch(`${op} ${name}`, [['', blobOf(flat)], ['without kernel scratch', noScratch]], [rowA, rowB], want);
        const bc = oneOpGraph(op, [{ dtype: 's8', shape: [256, 1], quant: aq }, { dtype: 's8', shape: [256], quant: bq }], { dtype: 's8', quant: oq }, {}, int8);
        await expectBlobsMatch(`${op} ${name} broadcast`, [['', blobOf(bc)]], [all, all], want);
      }, 60_000);
    }
  }
});

// The exact f64 requantization (assembly/requant_fast.ts), compiled alone with the SIMD flags: every
// accumulator of the largest range it accepts, for multipliers and shifts at their edges, against
// fixedpoint.ts's mbqm inside WASM, and a random sample against the TS reference here.
type FastProbe = {
  probe_fast_accepts(m: number, s: number, bound: number): number;
  probe_fast4(a: number, b: number, c: number, d: number): number;
  probe_fast_sweep(from: number, to: number, m: number, s: number): number;
  probe_first_bad(): number;
  probe_magic_accepts(m: number, s: number, bound: number): number;
  probe_magic4(a: number, b: number, c: number, d: number): number;
  probe_magic_sweep(from: number, to: number, m: number, s: number): number;
  probe_magic_const(bias: number, m: number, s: number): number;
  probe_magic4c(a: number, b: number, c: number, d: number, zp: number, lo: number, hi: number): number;
  probe_magic_sweep_clamped(from: number, to: number, m: number, s: number, zp: number): number;
  memory: WebAssembly.Memory;
};

describe('exact f64 requantization (requant_fast.ts) vs MultiplyByQuantizedMultiplier', () => {
  let p: FastProbe;
  beforeAll(async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'mote-rqf-')), 'probe.wasm');
    const { error } = await asc.main(
      [join(repoRoot, 'assembly/testing/requant-fast-probe.ts'), '-o', out, '-O3', '--runtime', 'stub', '--use', 'abort=', '--enable', 'simd'],
      { stdout: { write: () => true }, stderr: { write: () => true }, readFile: readSource },
    );
    if (error) throw error;
    p = (await WebAssembly.instantiate(readFileSync(out), {})).instance.exports as unknown as FastProbe;
  }, 300_000); // compiling the probe takes ~60 s on a loaded 2-core machine

  // The largest |acc| the form is proven for: |acc| * 2^left * M <= 2^52 and |acc| * 2^left < 2^31.
  const maxBound = (m: number, s: number) => Math.floor(Math.min(2 ** 52 / Math.max(m, 1), 2147483647) / 2 ** Math.max(s, 0));

  it('accepts exactly the proven range and refuses beyond it', () => {
    for (const [m, s] of [[1073741824, -1], [2147483647, -20], [1518500250, 0], [1073741824, 3]]) {
      const b = maxBound(m, s);
      expect(p.probe_fast_accepts(m, s, b), `${m} ${s} at ${b}`).toBe(1);
      expect(p.probe_fast_accepts(m, s, b + 1), `${m} ${s} past ${b}`).toBe(0);
    }
    expect(p.probe_fast_accepts(1073741824, -21, 10), 'right shift 21').toBe(0);
    expect(p.probe_fast_accepts(-5, -3, 10), 'negative multiplier').toBe(0);
  });

  it('every accumulator of the full range for edge multipliers and shifts', () => {
    const r = rng(777);
    const combos: [number, number][] = [
      [1073741824, 0], [2147483647, -1], [1073741825, -7], [1518500250, -20], [2147483647, 1], [1300000001, 4],
      [0, -5], [1, -3], [randInt(r, 1 << 30, 2147483647), -randInt(r, 2, 12)],
    ];
    for (const [m, s] of combos) {
      const b = Math.min(maxBound(m, s), 1 << 22);
      expect(p.probe_fast_accepts(m, s, b)).toBe(1);
      const bad = p.probe_fast_sweep(-b, b, m, s);
      expect(bad, `mult ${m} shift ${s}: first bad acc ${bad ? p.probe_first_bad() : ''}`).toBe(0);
    }
  });

  // The magic entries fastPrepare* write for the conv/GEMM stores: |acc| * 2^left * M <= 2^52 - 2^31.
  const maxMagic = (m: number, s: number) => Math.floor(Math.min((2 ** 52 - 2 ** 31) / Math.max(m, 1), 2147483647) / 2 ** Math.max(s, 0));

  // Right shifts up to 12 are also accepted past that limit (exact after the int8 clamp), up to
  // |acc| * 2^left < 2^31 and |acc| * 2^left * M <= 2^(61+R).
  const maxWide = (m: number, s: number) => {
    const left = BigInt(Math.max(s, 0)), R = BigInt(Math.max(-s, 0));
    if (R > 12n) return maxMagic(m, s);
    const a = 2147483647n >> left, b = (1n << (61n + R)) / (BigInt(Math.max(m, 1)) << left);
    return Number(a < b ? a : b);
  };
  const clamp8 = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

  it('magic form: accepts exactly its proven range, and every accumulator of it for edge multipliers', () => {
    for (const [m, s] of [[1073741824, -1], [2147483647, -20], [1518500250, 0], [1073741824, 3], [2147483647, 1], [1518500250, -13], [1518500250, -12]]) {
      const b = maxWide(m, s);
      expect(p.probe_magic_accepts(m, s, b), `${m} ${s} at ${b}`).toBe(1);
      // (Past the 2^(61+R) product the refusal is checked a little further out: f64 rounds it.)
      expect(p.probe_magic_accepts(m, s, b + 1 + Math.floor(b / 1e6)), `${m} ${s} past ${b}`).toBe(0);
    }
    const r = rng(778);
    const combos: [number, number][] = [
      [1073741824, 0], [2147483647, -1], [1073741825, -7], [1518500250, -20], [2147483647, 1], [1300000001, 4],
      [0, -5], [1, -3], [randInt(r, 1 << 30, 2147483647), -randInt(r, 2, 12)],
    ];
    for (const [m, s] of combos) {
      const b = maxMagic(m, s);
      expect(p.probe_magic_accepts(m, s, b)).toBe(1);
      // Both ends of the proven range and the middle (the whole range of the larger ones takes minutes).
      for (const [from, to] of [[-b, -b + (1 << 20)], [-(1 << 20), 1 << 20], [b - (1 << 20), b]]) {
        const bad = p.probe_magic_sweep(Math.max(from, -b), Math.min(to, b), m, s);
        expect(bad, `mult ${m} shift ${s}: first bad acc ${bad ? p.probe_first_bad() : ''}`).toBe(0);
      }
    }
  });

  // TFLM's result is floor(v) with v on the grid 2^-(31+R); the magic form rounds v - 1/2 + g/2, so
  // its edge cases are v an integer and v one grid step below one: multipliers chosen so that
  // given accumulators (both signs) land exactly there, for shifts 0 and -1..-20.
  it('magic form: accumulators on the edges of the rounding grid', () => {
    const inv = (a: bigint, mod: bigint) => { // a odd: Newton's inverse mod 2^k
      let x = a;
      for (let i = 0; i < 7; i++) x = (x * (2n - a * x)) % mod;
      return ((x % mod) + mod) % mod;
    };
    let cases = 0;
    for (let R = 0; R <= 20; R++) {
      const mod = 1n << BigInt(31 + R);
      for (const neg of [false, true]) {
        for (const frac of [0n, -1n]) {
          // v * 2^(31+R) = N + 2^(30+R) + (R > 0 ? (y < 0 ? -2^30 : 2^30) : 0), N = acc * M.
          const off = (1n << BigInt(30 + R)) + (R > 0 ? (neg ? -(1n << 30n) : 1n << 30n) : 0n);
          let found = 0;
          for (let a = 1; a < 1 << 20 && found < 2; a += 2) {
            const acc = neg ? -a : a;
            const m = Number((((frac - off) % mod + mod) % mod * inv(((BigInt(acc) % mod) + mod) % mod, mod)) % mod);
            if (m < 2 ** 30 || m >= 2 ** 31 || a > maxMagic(m, -R)) continue;
            found++;
            expect(p.probe_magic_accepts(m, -R, a)).toBe(1);
            const at = p.probe_magic4(acc, acc - 1, acc + 1, -acc);
            const got = Array.from(new Int32Array(p.memory.buffer, at, 4));
            const want = [acc, acc - 1, acc + 1, -acc].map((x) => multiplyByQuantizedMultiplier(x, m, -R));
            expect(got, `acc ${acc} mult ${m} shift ${-R}`).toEqual(want);
            cases++;
          }
        }
      }
    }
    expect(cases).toBeGreaterThan(100);
  });

  it('magic form: random (multiplier, shift, acc) within its bound against the TS reference', () => {
    const r = rng(4712);
    for (let i = 0; i < 3000; i++) {
      const m = randInt(r, 1 << 30, 2147483647), s = randInt(r, -20, 6);
      const b = maxMagic(m, s);
      expect(p.probe_magic_accepts(m, s, b)).toBe(1);
      const accs = [randInt(r, -b, b), randInt(r, -b, b), i % 2 ? b : -b, randInt(r, -1000, 1000)];
      const at = p.probe_magic4(accs[0], accs[1], accs[2], accs[3]);
      const got = new Int32Array(p.memory.buffer, at, 4);
      for (let k = 0; k < 4; k++) expect(got[k], `mbqm(${accs[k]}, ${m}, ${s})`).toBe(multiplyByQuantizedMultiplier(accs[k], m, s));
    }
  });

  it('magic form past 2^52 (right shifts <= 12): every accumulator around the limit and the ends, clamped', () => {
    const r = rng(779);
    const combos: [number, number][] = [
      [1073741824, 0], [2147483647, -1], [1073741825, -7], [1518500250, -12], [2147483647, 1], [1300000001, 4],
      [1900000000, -9], [randInt(r, 1 << 30, 2147483647), -randInt(r, 1, 12)],
    ];
    const W = 1 << 18;
    let unclampedBad = 0;
    for (const [m, s] of combos) {
      const b = maxWide(m, s), b1 = maxMagic(m, s);
      expect(b).toBeGreaterThan(b1);
      expect(p.probe_magic_accepts(m, s, b)).toBe(1);
      for (const zp of [-128, 0, 127]) {
        for (const [from, to] of [[b1 - W, b1 + W], [b - 2 * W, b], [-b1 - W, -b1 + W], [-b, -b + 2 * W], [-W, W]]) {
          const bad = p.probe_magic_sweep_clamped(Math.max(from, -b), Math.min(to, b), m, s, zp);
          expect(bad, `mult ${m} shift ${s} zp ${zp}: first bad acc ${bad ? p.probe_first_bad() : ''}`).toBe(0);
        }
      }
      unclampedBad += p.probe_magic_sweep(b - 2 * W, b, m, s);
    }
    // Unclamped, the same form does miss there: the clamp is what makes it exact.
    expect(unclampedBad).toBeGreaterThan(0);
  });

  it('magic form past 2^52: random (multiplier, shift, acc, zero point, bounds) against the TS reference', () => {
    const r = rng(4713);
    for (let i = 0; i < 3000; i++) {
      const m = randInt(r, 1 << 30, 2147483647), s = randInt(r, -12, 6);
      const b = maxWide(m, s), b1 = maxMagic(m, s);
      expect(p.probe_magic_accepts(m, s, b)).toBe(1);
      const zp = randInt(r, -128, 127), lo = randInt(r, -128, 0), hi = randInt(r, lo, 127);
      const near = Math.min(b, b1 + randInt(r, -1000, 1000));
      const accs = [randInt(r, -b, b), i % 2 ? near : -near, i % 2 ? b : -b, randInt(r, -1000, 1000)];
      const at = p.probe_magic4c(accs[0], accs[1], accs[2], accs[3], zp, lo, hi);
      const got = new Int32Array(p.memory.buffer, at, 4);
      for (let k = 0; k < 4; k++) {
        expect(got[k], `mbqm(${accs[k]}, ${m}, ${s}) + ${zp} in [${lo}, ${hi}]`).toBe(clamp8(multiplyByQuantizedMultiplier(accs[k], m, s) + zp, lo, hi));
      }
    }
  });

  it('magic form: all-zero weight channels give the constant mbqm(bias) for any multiplier and shift', () => {
    const r = rng(4714);
    const biases = [0, 1, -1, 1 << 30, -(1 << 30), 2147483647, -2147483648, 1073741760, -1073741952];
    for (let i = 0; i < 2000; i++) {
      const m = i % 7 === 0 ? randInt(r, 0, 3) : randInt(r, 1 << 30, 2147483647), s = randInt(r, -31, 30);
      // (bias * 2^left stays an int32, as TFLM needs it to.)
      const b0 = i < biases.length ? biases[i] : randInt(r, -2147483648, 2147483647) >> randInt(r, 0, 24);
      const bias = s > 0 ? b0 >> (s + 1) : b0;
      expect(p.probe_magic_const(bias, m, s)).toBe(1);
      const want = multiplyByQuantizedMultiplier(bias, m, s);
      let at = p.probe_magic4(bias, bias, bias, bias);
      expect(Array.from(new Int32Array(p.memory.buffer, at, 4)), `mbqm(${bias}, ${m}, ${s})`).toEqual([want, want, want, want]);
      const zp = randInt(r, -128, 127);
      at = p.probe_magic4c(bias, bias, bias, bias, zp, -128, 127);
      expect(new Int32Array(p.memory.buffer, at, 4)[0]).toBe(clamp8(want + zp, -128, 127));
    }
  });

  it('random (multiplier, shift, acc) within the bound against the TS reference', () => {
    const r = rng(4711);
    for (let i = 0; i < 3000; i++) {
      const m = randInt(r, 1 << 30, 2147483647), s = randInt(r, -20, 6);
      const b = maxBound(m, s);
      expect(p.probe_fast_accepts(m, s, b)).toBe(1);
      const accs = [randInt(r, -b, b), randInt(r, -b, b), i % 2 ? b : -b, randInt(r, -1000, 1000)];
      const at = p.probe_fast4(accs[0], accs[1], accs[2], accs[3]);
      const got = new Int32Array(p.memory.buffer, at, 4);
      for (let k = 0; k < 4; k++) expect(got[k], `mbqm(${accs[k]}, ${m}, ${s})`).toBe(multiplyByQuantizedMultiplier(accs[k], m, s));
    }
  });
});
