// Every runtime kernel, on both WASM builds, against the plain-TS reference interpreter: one-op IR
// graphs with random shapes are planned and emitted by the real converter, run on the SIMD and the
// scalar runtime, and compared with runGraph (f32: 1e-5 relative; s8: exact, TFLite Micro
// arithmetic). The two builds' outputs must also be byte-identical (s8 and f32). Channel counts straddle
// the SIMD tiles (8 and 16 lanes) at tile-1, tile and tile+1.
import { describe, expect, it, beforeAll } from 'vitest';
import type { Activation, Int8Params, Node, OpName, TensorData } from '../converter/ir/graph.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { quantizeMultiplier, softmaxParams } from '../converter/passes/quantize/multiplier.js';
import { addParams, subParams, ratioMultiplier } from '../converter/passes/quantize/qparams.js';
import {
  BUILDS, blobOf, ensureWasmBuilt, oneOpGraph, randF32, randInt, randS8, rng, runBlob, type TensorSpec,
} from './runtime-harness.js';

beforeAll(async () => {
  await ensureWasmBuilt();
}, 120_000);

interface Case {
  label: string;
  op: OpName;
  inputs: (TensorSpec | null)[];
  out: { dtype: 'f32' | 's8'; quant?: { scale: number; zeroPoint: number } };
  attrs: Node['attrs'];
  int8?: Int8Params;
}

/** Runs a case on both builds and checks them against the reference (and each other for s8). */
async function check(c: Case, r: () => number): Promise<void> {
  const g = oneOpGraph(c.op, c.inputs, c.out, c.attrs, c.int8);
  const feeds: TensorData[] = c.inputs
    .filter((s): s is TensorSpec => !!s && !s.data)
    .map((s) => {
      const n = s.shape.reduce((a, b) => a * b, 1);
      return s.dtype === 's8' ? randS8(r, n) : randF32(r, n, 3);
    });
  const [want] = runGraph(g, feeds);
  const blob = blobOf(g);
  const got: TensorData[] = [];
  for (const build of BUILDS) {
    const [y] = await runBlob(build, blob, feeds);
    got.push(y);
    const where = `${c.label} on ${build}`;
    expect(y.length, where).toBe(want.length);
    if (c.out.dtype === 's8') {
      const mism = firstMismatch(y, want, () => 0);
      expect(mism, `${where}: first mismatch`).toBe('');
    } else {
      const mism = firstMismatch(y, want, (ref) => 1e-5 * Math.max(1, Math.abs(ref)));
      expect(mism, `${where}: first mismatch`).toBe('');
    }
  }
  // s8 must be bit-identical across builds; f32 is too, because every f32 kernel (SIMD or not)
  // sums each output in the same order.
  expect(Buffer.from(got[0].buffer).equals(Buffer.from(got[1].buffer)), `${c.label}: simd == scalar, byte for byte`).toBe(true);
}

function firstMismatch(got: TensorData, want: TensorData, tol: (ref: number) => number): string {
  for (let i = 0; i < want.length; i++) {
    const a = Number(got[i]), b = Number(want[i]);
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    if (!(Math.abs(a - b) <= tol(b)) && a !== b) return `index ${i}: got ${a}, want ${b}`;
  }
  return '';
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const relu6: Activation = { min: 0, max: 6 };

/** Spatial params whose window fits the padded input. */
function window(r: () => number, h: number, w: number, kh: number, kw: number) {
  for (;;) {
    const strides: [number, number] = [randInt(r, 1, 2), randInt(r, 1, 2)];
    const dilations: [number, number] = [randInt(r, 1, 2), randInt(r, 1, 2)];
    const effH = dilations[0] * (kh - 1) + 1, effW = dilations[1] * (kw - 1) + 1;
    const pads: [number, number, number, number] = [
      randInt(r, 0, Math.min(2, effH - 1)), randInt(r, 0, Math.min(2, effW - 1)),
      randInt(r, 0, Math.min(2, effH - 1)), randInt(r, 0, Math.min(2, effW - 1)),
    ];
    if (h + pads[0] + pads[2] >= effH && w + pads[1] + pads[3] >= effW) return { strides, dilations, pads };
  }
}

const qp = (r: () => number, lo = 0.01, hi = 0.1) => ({ scale: lo + r() * (hi - lo), zeroPoint: randInt(r, -100, 100) });

// ---------------------------------------------------------------- f32
function convF32(r: () => number, depthwise: boolean): Case {
  const n = randInt(r, 1, 2), h = randInt(r, 1, 8), w = randInt(r, 1, 8);
  const kh = randInt(r, 1, 3), kw = randInt(r, 1, 3);
  const win = window(r, h, w, kh, kw);
  const act = r() < 0.5 ? relu6 : undefined;
  if (depthwise) {
    const c = pick(r, [1, 3, 7, 8, 9, 16, 17]), m = pick(r, [1, 1, 2, 3]);
    return {
      label: `depthwise_conv2d f32 x[${n},${h},${w},${c}] k${kh}x${kw} m${m} ${JSON.stringify(win)}`,
      op: 'depthwise_conv2d',
      inputs: [
        { dtype: 'f32', shape: [n, h, w, c] },
        { dtype: 'f32', shape: [kh, kw, c * m], data: randF32(r, kh * kw * c * m) },
        r() < 0.7 ? { dtype: 'f32', shape: [c * m], data: randF32(r, c * m) } : null,
      ],
      out: { dtype: 'f32' },
      attrs: { ...win, depthMultiplier: m, activation: act },
    };
  }
  const group = pick(r, [1, 1, 2, 3]), cg = pick(r, [1, 3, 7, 8, 9]), og = randInt(r, 1, 4);
  const c = group * cg, o = group * og;
  return {
    label: `conv2d f32 x[${n},${h},${w},${c}] w[${o},${kh},${kw},${cg}] g${group} ${JSON.stringify(win)}`,
    op: 'conv2d',
    inputs: [
      { dtype: 'f32', shape: [n, h, w, c] },
      { dtype: 'f32', shape: [o, kh, kw, cg], data: randF32(r, o * kh * kw * cg) },
      r() < 0.7 ? { dtype: 'f32', shape: [o], data: randF32(r, o) } : null,
    ],
    out: { dtype: 'f32' },
    attrs: { ...win, group, activation: act },
  };
}

/** Random broadcast-compatible shapes up to rank 6. */
function broadcastPair(r: () => number): [number[], number[]] {
  const rank = randInt(r, 1, 6);
  const out = Array.from({ length: rank }, () => randInt(r, 1, rank > 4 ? 3 : 5));
  const mk = () => {
    const drop = randInt(r, 0, rank - 1);
    return out.slice(drop).map((d) => (r() < 0.3 ? 1 : d));
  };
  const a = r() < 0.2 ? [...out] : mk();
  const b = r() < 0.2 ? [1] : mk();
  return r() < 0.5 ? [a, b] : [b, a];
}

function f32Cases(r: () => number): Case[] {
  const cases: Case[] = [];
  for (let i = 0; i < 6; i++) cases.push(convF32(r, false), convF32(r, true));
  for (let i = 0; i < 4; i++) {
    const k = pick(r, [1, 7, 8, 9, 16, 17]), nOut = randInt(r, 1, 9);
    const xShape = r() < 0.5 ? [randInt(r, 1, 3), k] : [2, randInt(r, 1, 3), k];
    cases.push({
      label: `fully_connected f32 x[${xShape}] n${nOut}`,
      op: 'fully_connected',
      inputs: [
        { dtype: 'f32', shape: xShape },
        { dtype: 'f32', shape: [nOut, k], data: randF32(r, nOut * k) },
        r() < 0.7 ? { dtype: 'f32', shape: [nOut], data: randF32(r, nOut) } : null,
      ],
      out: { dtype: 'f32' },
      attrs: { activation: r() < 0.5 ? relu6 : undefined },
    });
    const m = randInt(r, 1, 4), kk = randInt(r, 1, 5), nn = randInt(r, 1, 4);
    const batchA = pick(r, [[], [2], [3, 1], [1, 2]]), batchB = pick(r, [[], [2], [1], [3, 2]]);
    const compatible = (() => {
      const len = Math.max(batchA.length, batchB.length);
      for (let j = 1; j <= len; j++) {
        const x = batchA[batchA.length - j] ?? 1, y = batchB[batchB.length - j] ?? 1;
        if (x !== y && x !== 1 && y !== 1) return false;
      }
      return true;
    })();
    if (compatible) {
      cases.push({
        label: `matmul f32 a[${[...batchA, m, kk]}] b[${[...batchB, kk, nn]}]`,
        op: 'matmul',
        inputs: [{ dtype: 'f32', shape: [...batchA, m, kk] }, { dtype: 'f32', shape: [...batchB, kk, nn] }],
        out: { dtype: 'f32' },
        attrs: {},
      });
    }
  }
  // x's last dim need not be K: x is read as [numel/K, K].
  cases.push({
    label: 'fully_connected f32 x[2,3,4] read as [2,12]',
    op: 'fully_connected',
    inputs: [{ dtype: 'f32', shape: [2, 3, 4] }, { dtype: 'f32', shape: [5, 12], data: randF32(r, 60) }, null],
    out: { dtype: 'f32' },
    attrs: {},
  });
  for (const op of ['add', 'sub', 'mul', 'div'] as const) {
    for (let i = 0; i < 4; i++) {
      const [a, b] = broadcastPair(r);
      cases.push({
        label: `${op} f32 [${a}] [${b}]`,
        op,
        inputs: [{ dtype: 'f32', shape: a }, { dtype: 'f32', shape: b }],
        out: { dtype: 'f32' },
        attrs: { activation: i === 0 ? relu6 : undefined },
      });
    }
  }
  const shape = [2, 3, 5];
  cases.push({ label: 'clamp f32', op: 'clamp', inputs: [{ dtype: 'f32', shape }], out: { dtype: 'f32' }, attrs: { min: -0.5, max: 1.25 } });
  cases.push({ label: 'leaky_relu f32', op: 'leaky_relu', inputs: [{ dtype: 'f32', shape }], out: { dtype: 'f32' }, attrs: { alpha: 0.1 } });
  for (const op of ['sigmoid', 'tanh', 'hard_swish'] as const) {
    cases.push({ label: `${op} f32`, op, inputs: [{ dtype: 'f32', shape: [3, 17] }], out: { dtype: 'f32' }, attrs: {} });
  }
  for (const op of ['max_pool2d', 'average_pool2d'] as const) {
    for (let i = 0; i < 4; i++) {
      const h = randInt(r, 1, 7), w = randInt(r, 1, 7), c = pick(r, [1, 3, 8, 9]);
      const kernel: [number, number] = [randInt(r, 1, 3), randInt(r, 1, 3)];
      const win = window(r, h, w, kernel[0], kernel[1]);
      cases.push({
        label: `${op} f32 x[1,${h},${w},${c}] k${kernel} ${JSON.stringify(win)}`,
        op,
        inputs: [{ dtype: 'f32', shape: [1, h, w, c] }],
        out: { dtype: 'f32' },
        attrs: { kernel, ...win, countIncludePad: r() < 0.5, activation: i === 0 ? relu6 : undefined },
      });
    }
  }
  for (let i = 0; i < 4; i++) {
    const rank = randInt(r, 1, 4);
    const s = Array.from({ length: rank }, () => randInt(r, 1, 5));
    const axes = s.map((_, j) => j).filter(() => r() < 0.5);
    if (axes.length === 0) axes.push(rank - 1);
    cases.push({ label: `mean f32 [${s}] axes ${axes}`, op: 'mean', inputs: [{ dtype: 'f32', shape: s }], out: { dtype: 'f32' }, attrs: { axes } });
    const axis = randInt(r, 0, rank - 1);
    const parts = randInt(r, 1, 3);
    cases.push({
      label: `concat f32 [${s}] x${parts} axis ${axis}`,
      op: 'concat',
      inputs: Array.from({ length: parts }, () => ({ dtype: 'f32' as const, shape: s.map((d, j) => (j === axis ? randInt(r, 1, 4) : d)) })),
      out: { dtype: 'f32' },
      attrs: { axis },
    });
    const perm = s.map((_, j) => j).sort(() => r() - 0.5);
    cases.push({ label: `transpose f32 [${s}] perm ${perm}`, op: 'transpose', inputs: [{ dtype: 'f32', shape: s }], out: { dtype: 'f32' }, attrs: { perm } });
    cases.push({
      label: `softmax f32 [${s}] axis ${axis}`,
      op: 'softmax',
      inputs: [{ dtype: 'f32', shape: s }],
      out: { dtype: 'f32' },
      attrs: { axis, beta: pick(r, [1, 0.5, 2]) },
    });
  }
  for (const mode of ['constant', 'edge', 'reflect', 'wrap'] as const) {
    const s = [randInt(r, 2, 4), randInt(r, 2, 5), randInt(r, 1, 3)];
    const begin = s.map((d) => randInt(r, 0, mode === 'reflect' ? d - 1 : 3));
    const end = s.map((d) => randInt(r, 0, mode === 'reflect' ? d - 1 : 3));
    cases.push({ label: `pad f32 ${mode} [${s}] ${begin}/${end}`, op: 'pad', inputs: [{ dtype: 'f32', shape: s }], out: { dtype: 'f32' }, attrs: { mode, value: 0.75, begin, end } });
  }
  cases.push({ label: 'copy f32', op: 'copy', inputs: [{ dtype: 'f32', shape: [4, 5] }], out: { dtype: 'f32' }, attrs: {} });
  return cases;
}

// ---------------------------------------------------------------- s8
/** Per-channel multiplier/shift constants for a conv-like op with `o` output channels. */
function requant(r: () => number, o: number, inScale: number, outScale: number) {
  const ws = Array.from({ length: o }, () => 0.002 + r() * 0.01);
  const mult = new Int32Array(o), shift = new Int32Array(o);
  ws.forEach((s, i) => {
    const m = quantizeMultiplier((inScale * s) / outScale);
    mult[i] = m.multiplier;
    shift[i] = m.shift;
  });
  return [
    { dtype: 's32' as const, shape: [o], data: mult },
    { dtype: 's32' as const, shape: [o], data: shift },
  ];
}

function actS8(r: () => number, zp: number): Int8Params {
  return r() < 0.5 ? { actMin: Math.max(-128, zp), actMax: 127 } : { actMin: -128, actMax: 127 };
}

function convS8(r: () => number, kind: 'conv' | 'depthwise' | 'fc', channels: number): Case {
  const xq = qp(r);
  if (kind === 'fc') {
    const k = channels, nOut = randInt(r, 1, 6), rows = randInt(r, 1, 3);
    const oq = { scale: xq.scale * 0.006 * Math.sqrt(k) * 3, zeroPoint: randInt(r, -20, 20) };
    return {
      label: `fully_connected s8 x[${rows},${k}] n${nOut}`,
      op: 'fully_connected',
      inputs: [
        { dtype: 's8', shape: [rows, k], quant: xq },
        { dtype: 's8', shape: [nOut, k], data: randS8(r, nOut * k, -127, 127) },
        r() < 0.8 ? { dtype: 's32', shape: [nOut], data: Int32Array.from({ length: nOut }, () => randInt(r, -3000, 3000)) } : null,
        ...requant(r, nOut, xq.scale, oq.scale),
      ],
      out: { dtype: 's8', quant: oq },
      attrs: {},
      int8: actS8(r, oq.zeroPoint),
    };
  }
  const n = randInt(r, 1, 2), h = randInt(r, 1, 7), w = randInt(r, 1, 7);
  const kh = randInt(r, 1, 3), kw = randInt(r, 1, 3);
  const win = window(r, h, w, kh, kw);
  if (kind === 'depthwise') {
    const m = channels > 9 ? 1 : pick(r, [1, 1, 2]);
    const c = channels, oc = c * m;
    const oq = { scale: xq.scale * 0.006 * kh * kw, zeroPoint: randInt(r, -20, 20) };
    return {
      label: `depthwise_conv2d s8 x[${n},${h},${w},${c}] k${kh}x${kw} m${m} ${JSON.stringify(win)}`,
      op: 'depthwise_conv2d',
      inputs: [
        { dtype: 's8', shape: [n, h, w, c], quant: xq },
        { dtype: 's8', shape: [kh, kw, oc], data: randS8(r, kh * kw * oc, -127, 127) },
        r() < 0.8 ? { dtype: 's32', shape: [oc], data: Int32Array.from({ length: oc }, () => randInt(r, -3000, 3000)) } : null,
        ...requant(r, oc, xq.scale, oq.scale),
      ],
      out: { dtype: 's8', quant: oq },
      attrs: { ...win, depthMultiplier: m },
      int8: actS8(r, oq.zeroPoint),
    };
  }
  const group = channels % 2 === 0 && r() < 0.3 ? 2 : 1;
  const c = channels, cg = c / group, o = group * randInt(r, 1, 4);
  const oq = { scale: xq.scale * 0.006 * Math.sqrt(kh * kw * cg) * 3, zeroPoint: randInt(r, -20, 20) };
  return {
    label: `conv2d s8 x[${n},${h},${w},${c}] w[${o},${kh},${kw},${cg}] g${group} ${JSON.stringify(win)}`,
    op: 'conv2d',
    inputs: [
      { dtype: 's8', shape: [n, h, w, c], quant: xq },
      { dtype: 's8', shape: [o, kh, kw, cg], data: randS8(r, o * kh * kw * cg, -127, 127) },
      r() < 0.8 ? { dtype: 's32', shape: [o], data: Int32Array.from({ length: o }, () => randInt(r, -3000, 3000)) } : null,
      ...requant(r, o, xq.scale, oq.scale),
    ],
    out: { dtype: 's8', quant: oq },
    attrs: { ...win, group },
    int8: actS8(r, oq.zeroPoint),
  };
}

const TILE_CHANNELS = [1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33];

function s8Cases(r: () => number): Case[] {
  const cases: Case[] = [];
  for (const c of TILE_CHANNELS) cases.push(convS8(r, 'conv', c), convS8(r, 'depthwise', c), convS8(r, 'fc', c));
  // Each int8 conv path explicitly: row runs with dilation_h 2 (C >= 16), the patch gather with
  // dilation_w 2, and grouped (per-tap dot products).
  for (const [c, dil, group] of [[24, [2, 1], 1], [24, [1, 2], 1], [32, [1, 1], 2], [5, [2, 2], 1]] as const) {
    const xq = qp(r), oq = { scale: xq.scale * 0.2, zeroPoint: -3 };
    const o = 8, cg = c / group;
    cases.push({
      label: `conv2d s8 c${c} dilation ${dil} group ${group}`,
      op: 'conv2d',
      inputs: [
        { dtype: 's8', shape: [1, 7, 6, c], quant: xq },
        { dtype: 's8', shape: [o, 3, 3, cg], data: randS8(r, o * 9 * cg, -127, 127) },
        { dtype: 's32', shape: [o], data: Int32Array.from({ length: o }, () => randInt(r, -500, 500)) },
        ...requant(r, o, xq.scale, oq.scale),
      ],
      out: { dtype: 's8', quant: oq },
      attrs: { strides: [1, 1], dilations: [...dil] as [number, number], pads: [2, 1, 1, 2], group },
      int8: { actMin: -128, actMax: 127 },
    });
  }
  // Depthwise with more channels than the scalar path's 256-channel accumulator chunk.
  for (const [c, m] of [[300, 1], [150, 2]] as const) {
    const xq = qp(r), oq = { scale: xq.scale * 0.05, zeroPoint: 1 };
    cases.push({
      label: `depthwise_conv2d s8 c${c} m${m} (chunked accumulators)`,
      op: 'depthwise_conv2d',
      inputs: [
        { dtype: 's8', shape: [1, 4, 3, c], quant: xq },
        { dtype: 's8', shape: [3, 3, c * m], data: randS8(r, 9 * c * m, -127, 127) },
        { dtype: 's32', shape: [c * m], data: Int32Array.from({ length: c * m }, () => randInt(r, -500, 500)) },
        ...requant(r, c * m, xq.scale, oq.scale),
      ],
      out: { dtype: 's8', quant: oq },
      attrs: { strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], depthMultiplier: m },
      int8: { actMin: -128, actMax: 127 },
    });
  }
  // 1x1 convolutions (the GEMM case) at tile boundaries.
  for (const c of [7, 8, 9, 16, 17]) {
    const xq = qp(r), oq = { scale: xq.scale * 0.05, zeroPoint: 3 };
    cases.push({
      label: `conv2d s8 1x1 c${c}`,
      op: 'conv2d',
      inputs: [
        { dtype: 's8', shape: [1, 3, 4, c], quant: xq },
        { dtype: 's8', shape: [5, 1, 1, c], data: randS8(r, 5 * c, -127, 127) },
        { dtype: 's32', shape: [5], data: Int32Array.from({ length: 5 }, () => randInt(r, -500, 500)) },
        ...requant(r, 5, xq.scale, oq.scale),
      ],
      out: { dtype: 's8', quant: oq },
      attrs: { strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], group: 1 },
      int8: { actMin: -128, actMax: 127 },
    });
  }
  for (let i = 0; i < 4; i++) {
    const [a, b] = broadcastPair(r);
    const aq = qp(r), bq = qp(r), oq = qp(r, 0.05, 0.2);
    cases.push({
      label: `add s8 [${a}] [${b}]`, op: 'add',
      inputs: [{ dtype: 's8', shape: a, quant: aq }, { dtype: 's8', shape: b, quant: bq }],
      out: { dtype: 's8', quant: oq }, attrs: {},
      int8: { ...addParams(aq.scale, bq.scale, oq.scale), ...actS8(r, oq.zeroPoint) },
    });
    cases.push({
      label: `sub s8 [${a}] [${b}]`, op: 'sub',
      inputs: [{ dtype: 's8', shape: a, quant: aq }, { dtype: 's8', shape: b, quant: bq }],
      out: { dtype: 's8', quant: oq }, attrs: {},
      int8: { ...subParams(aq.scale, bq.scale, oq.scale), ...actS8(r, oq.zeroPoint) },
    });
    const mq = { scale: aq.scale * bq.scale * 60, zeroPoint: randInt(r, -10, 10) };
    cases.push({
      label: `mul s8 [${a}] [${b}]`, op: 'mul',
      inputs: [{ dtype: 's8', shape: a, quant: aq }, { dtype: 's8', shape: b, quant: bq }],
      out: { dtype: 's8', quant: mq }, attrs: {},
      int8: { ...ratioMultiplier(aq.scale * bq.scale, mq.scale), ...actS8(r, mq.zeroPoint) },
    });
  }
  const q = qp(r);
  cases.push({ label: 'clamp s8', op: 'clamp', inputs: [{ dtype: 's8', shape: [3, 11], quant: q }], out: { dtype: 's8', quant: q }, attrs: { min: -0.5, max: 0.5 }, int8: { actMin: -20, actMax: 40 } });
  cases.push({
    label: 'lut s8', op: 'lut',
    inputs: [{ dtype: 's8', shape: [4, 9], quant: q }, { dtype: 's8', shape: [256], data: randS8(r, 256) }],
    out: { dtype: 's8', quant: qp(r) }, attrs: {},
  });
  for (const op of ['max_pool2d', 'average_pool2d'] as const) {
    for (let i = 0; i < 4; i++) {
      const h = randInt(r, 1, 7), w = randInt(r, 1, 7), c = pick(r, [1, 3, 8, 9, 17]);
      const kernel: [number, number] = [randInt(r, 1, 3), randInt(r, 1, 3)];
      const win = { ...window(r, h, w, kernel[0], kernel[1]), dilations: [1, 1] as [number, number] };
      win.pads = [Math.min(win.pads[0], kernel[0] - 1), Math.min(win.pads[1], kernel[1] - 1), Math.min(win.pads[2], kernel[0] - 1), Math.min(win.pads[3], kernel[1] - 1)];
      if (h + win.pads[0] + win.pads[2] < kernel[0] || w + win.pads[1] + win.pads[3] < kernel[1]) continue;
      cases.push({
        label: `${op} s8 x[1,${h},${w},${c}] k${kernel} ${JSON.stringify(win)}`, op,
        inputs: [{ dtype: 's8', shape: [2, h, w, c], quant: q }],
        out: { dtype: 's8', quant: q },
        attrs: { kernel, ...win, countIncludePad: false },
        int8: actS8(r, q.zeroPoint),
      });
    }
  }
  for (let i = 0; i < 4; i++) {
    const rank = randInt(r, 1, 4);
    const s = Array.from({ length: rank }, () => randInt(r, 1, 5));
    const axes = s.map((_, j) => j).filter(() => r() < 0.5);
    if (axes.length === 0) axes.push(0);
    const oq = qp(r);
    cases.push({
      label: `mean s8 [${s}] axes ${axes}`, op: 'mean', inputs: [{ dtype: 's8', shape: s, quant: q }],
      out: { dtype: 's8', quant: oq }, attrs: { axes }, int8: ratioMultiplier(q.scale, oq.scale),
    });
    const axis = randInt(r, 0, rank - 1);
    cases.push({
      label: `concat s8 [${s}] axis ${axis}`, op: 'concat',
      inputs: [0, 1].map(() => ({ dtype: 's8' as const, shape: s.map((d, j) => (j === axis ? randInt(r, 1, 4) : d)), quant: q })),
      out: { dtype: 's8', quant: q }, attrs: { axis },
    });
    const perm = s.map((_, j) => j).sort(() => r() - 0.5);
    cases.push({ label: `transpose s8 [${s}] perm ${perm}`, op: 'transpose', inputs: [{ dtype: 's8', shape: s, quant: q }], out: { dtype: 's8', quant: q }, attrs: { perm } });
    const beta = pick(r, [1, 0.5, 2]);
    const sq = { scale: 0.02 + r() * 0.2, zeroPoint: randInt(r, -20, 20) };
    cases.push({
      label: `softmax s8 [${s}] beta ${beta} scale ${sq.scale.toFixed(3)}`, op: 'softmax',
      inputs: [{ dtype: 's8', shape: s, quant: sq }],
      out: { dtype: 's8', quant: { scale: 1 / 256, zeroPoint: -128 } },
      attrs: { axis: rank - 1, beta }, int8: softmaxParams(beta, sq.scale),
    });
  }
  for (const mode of ['constant', 'edge', 'reflect', 'wrap'] as const) {
    const s = [randInt(r, 2, 4), randInt(r, 2, 5), randInt(r, 1, 3)];
    const begin = s.map((d) => randInt(r, 0, mode === 'reflect' ? d - 1 : 3));
    const end = s.map((d) => randInt(r, 0, mode === 'reflect' ? d - 1 : 3));
    cases.push({ label: `pad s8 ${mode}`, op: 'pad', inputs: [{ dtype: 's8', shape: s, quant: q }], out: { dtype: 's8', quant: q }, attrs: { mode, value: 0.1, begin, end } });
  }
  const oq = qp(r);
  cases.push({ label: 'quantize', op: 'quantize', inputs: [{ dtype: 'f32', shape: [5, 13] }], out: { dtype: 's8', quant: oq }, attrs: {} });
  cases.push({ label: 'requantize', op: 'requantize', inputs: [{ dtype: 's8', shape: [5, 13], quant: q }], out: { dtype: 's8', quant: oq }, attrs: {}, int8: ratioMultiplier(q.scale, oq.scale) });
  cases.push({ label: 'copy s8', op: 'copy', inputs: [{ dtype: 's8', shape: [3, 7], quant: q }], out: { dtype: 's8', quant: q }, attrs: {} });
  return cases;
}

describe('runtime kernels vs the reference interpreter (both builds)', () => {
  const fr = rng(0xf32);
  for (const c of f32Cases(fr)) {
    it(c.label, async () => check(c, rng(c.label.length * 7919 + 1)));
  }
  const sr = rng(0x58);
  for (const c of s8Cases(sr)) {
    it(c.label, async () => check(c, rng(c.label.length * 104729 + 3)));
  }
  it('quantize on a zero scale (a degenerate blob the format allows): 0 / 0 gives the zero point, no trap in the scalar build', async () => {
    // Found by the session-12 audit: the scalar build (no non-trapping float-to-int) trapped on it.
    const g = oneOpGraph('quantize', [{ dtype: 'f32', shape: [6] }], { dtype: 's8', quant: { scale: 0, zeroPoint: 5 } }, {});
    const x = Float32Array.from([0, -0, 1, -1, NaN, Infinity]);
    const [want] = runGraph(g, [x]);
    expect(Array.from(want as Int8Array)).toEqual([5, 5, 127, -128, 5, 127]);
    for (const build of BUILDS) expect(Array.from((await runBlob(build, blobOf(g), [x]))[0] as Int8Array), build).toEqual(Array.from(want as Int8Array));
  });

  it('dequantize', async () => {
    const q = { scale: 0.037, zeroPoint: -7 };
    await check({ label: 'dequantize', op: 'dequantize', inputs: [{ dtype: 's8', shape: [4, 64], quant: q }], out: { dtype: 'f32' }, attrs: {} }, rng(5));
  });
});
