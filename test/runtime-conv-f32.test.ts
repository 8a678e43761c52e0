// The conv / GEMM f32-screened 2-pixel stores (assembly/requant_fast.ts store16x2F32) against the
// plain-TS TFLM-exact reference interpreter, on both builds (the scalar build has no f32 form: its
// bytes are the control), packed weights (the table prepared at load) and plain ones (the small-K
// GEMM's per-run table). The scales put many outputs on or next to TFLM's rounding ties, where the
// f32 value alone rounds the wrong way and only the screen's exact f64 fallback gives the right byte:
//   pow2    multiplier 2^30, right shifts 2..6: S = e = 2^-(R+1), so one accumulator in 2^(R+1) is
//           an exact tie (round half up or away from zero in TFLM, to even in the f32 magic add);
//   coarse  multipliers with their low 24 bits clear: ties on a finer grid (one in 2^8..2^12);
//   small   inputs within 4 of their zero point and M = 1/2: accumulators of a few dozen, outputs
//           around the zero point where the sign term decides (negative ties away from zero);
//   clamped wide outputs (|y| up to ~1,000, past the screen's 258 cap: those lanes clamp alike);
//   random  ordinary multipliers over 4,096 pixels (lanes a few 1e-5 from a tie without being one).
// Each under a fused ReLU (the store without the sign term) and without, with zero points at the
// int8 ends, channel tails (O % 16 != 0: the padded table entries) and all-zero weight channels
// (the constant entries). No timings: speed is measured by the bench.
import { beforeAll, describe, it } from 'vitest';
import type { Int8Params } from '../converter/ir/graph.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { quantizeMultiplier } from '../converter/passes/quantize/multiplier.js';
import { emitBlob } from '../converter/emit/index.js';
import { planMemory } from '../converter/plan/index.js';
import { blobOf, ensureWasmBuilt, oneOpGraph, randInt, randS8, rng, expectBlobsMatch, type Int8OpCase } from './runtime-harness.js';

beforeAll(async () => {
  await ensureWasmBuilt();
}, 120_000);

type Scale = 'pow2' | 'coarse' | 'small' | 'clamped' | 'random' | 'tiny' | 'mixed';

interface Shape {
  x: [number, number, number, number];
  o: number;
  k: number;
  stride: number;
  pad: number;
}

function scales(r: () => number, kind: Scale, o: number): [Int32Array, Int32Array] {
  const mult = new Int32Array(o), shift = new Int32Array(o);
  for (let i = 0; i < o; i++) {
    if (kind === 'tiny' || (kind === 'mixed' && i % 2 === 1)) {
      // Right shifts 13..15: e = 2^-(R+1) is not on the column sweep's 2^-13 grid (gemm_packed.ts).
      mult[i] = 1 << 30;
      shift[i] = -randInt(r, 13, 15);
    } else if (kind === 'pow2' || kind === 'small' || kind === 'mixed') {
      mult[i] = 1 << 30;
      shift[i] = -randInt(r, kind === 'small' ? 3 : 2, kind === 'small' ? 5 : 6);
    } else if (kind === 'coarse') {
      mult[i] = randInt(r, 64, 127) << 24;
      shift[i] = -randInt(r, 1, 5);
    } else {
      const m = quantizeMultiplier((kind === 'clamped' ? 0.02 : 0.002) + r() * 0.004);
      mult[i] = m.multiplier;
      shift[i] = m.shift;
    }
  }
  return [mult, shift];
}

function caseOf(r: () => number, kind: Scale, s: Shape, relu: boolean, outZp: number, zeroChannels: boolean, actMax = 127): Int8OpCase {
  const c = s.x[3];
  const inZp = randInt(r, -100, 100);
  const taps = s.o * s.k * s.k * c;
  // Small weights keep y = acc * S within the int8 range for the pow2 / coarse shifts.
  const wmax = kind === 'random' || kind === 'clamped' ? 127 : kind === 'small' ? 40 : 6;
  // tiny / mixed: inputs near the zero point (check's `small`) and biases next to the ties of the
  // large right shifts, (2k + 1) * 2^R - 1 (outputs k + 1/2 +- e), so many sums land within the
  // f32 error of a tie; mixed also has channels with small shifts (every pow2 sum a candidate).
  const w = randS8(r, taps, -wmax, wmax);
  const bias = Int32Array.from({ length: s.o }, () => randInt(r, -300, 300));
  const [mult, shift] = scales(r, kind, s.o);
  if (kind === 'tiny' || kind === 'mixed') {
    for (let ch = 0; ch < s.o; ch++) {
      const R = -shift[ch]!;
      if (R >= 13) bias[ch] = (2 * randInt(r, -40, 40) + 1) * 2 ** R - 1 + randInt(r, -60, 60);
    }
  }
  if (zeroChannels) {
    for (let ch = 1; ch < s.o; ch += 5) {
      w.fill(0, ch * s.k * s.k * c, (ch + 1) * s.k * s.k * c);
      bias[ch] = randInt(r, -2_000_000, 2_000_000);
    }
  }
  const int8: Int8Params = relu ? { actMin: outZp, actMax } : { actMin: -128, actMax };
  return {
    label: `${kind}${relu ? ' relu' : ''}${actMax < 127 ? ` max ${actMax}` : ''} zp ${outZp}${zeroChannels ? ' zero channels' : ''}: conv2d x[${s.x}] w[${s.o},${s.k},${s.k},${c}] s${s.stride} p${s.pad}`,
    op: 'conv2d',
    inputs: [
      { dtype: 's8', shape: s.x, quant: { scale: 0.05, zeroPoint: inZp } },
      { dtype: 's8', shape: [s.o, s.k, s.k, c], data: w },
      { dtype: 's32', shape: [s.o], data: bias },
      { dtype: 's32', shape: [s.o], data: mult },
      { dtype: 's32', shape: [s.o], data: shift },
    ],
    out: { dtype: 's8', quant: { scale: 0.1, zeroPoint: outZp } },
    attrs: { strides: [s.stride, s.stride], dilations: [1, 1], pads: [s.pad, s.pad, s.pad, s.pad], group: 1 },
    int8,
  };
}

async function check(c: Int8OpCase, r: () => number, small: boolean): Promise<void> {
  const g = oneOpGraph(c.op, c.inputs, c.out, c.attrs, c.int8);
  const inZp = c.inputs[0]!.quant!.zeroPoint;
  const feeds = c.inputs.filter((s) => !!s && !s.data).map((s) => {
    const n = s!.shape.reduce((a, b) => a * b, 1);
    return small ? randS8(r, n, Math.max(-128, inZp - 4), Math.min(127, inZp + 4)) : randS8(r, n, -128, 127);
  });
  const [want] = runGraph(g, feeds);
  const blobs: [string, Uint8Array][] = [['packed', blobOf(g)], ['plain', emitBlob(g, planMemory(g), {}, { packWeights: false })]];
  await expectBlobsMatch(c.label, blobs, feeds, want);
}

// 1x1 K = 8 / 16 / 32 (the small-K GEMM on plain weights, the packed column sweep on packed ones),
// an odd pixel count, K = 64 with a channel tail, a 3x3 band conv (C = 16), a band-patch first
// conv (C = 1, 40 channels) and the 4x8 tiles.
const SHAPES: Shape[] = [
  { x: [1, 16, 16, 32], o: 64, k: 1, stride: 1, pad: 0 },
  { x: [1, 6, 7, 16], o: 32, k: 1, stride: 1, pad: 0 },
  { x: [1, 5, 9, 8], o: 16, k: 1, stride: 1, pad: 0 },
  { x: [1, 4, 6, 64], o: 40, k: 1, stride: 1, pad: 0 },
  { x: [1, 7, 8, 16], o: 24, k: 3, stride: 1, pad: 1 },
  { x: [1, 13, 10, 1], o: 40, k: 3, stride: 2, pad: 1 },
  // At most 8 channels (the 4x8 tiles; f32 in the ReLU form): a vww-like 3 -> 8 stride-2 first
  // conv with 11 output columns (a row's last 3 pixels one at a time), a 5-channel one (the tail
  // buffers) and 1x1 rows (four at a time).
  { x: [1, 21, 22, 3], o: 8, k: 3, stride: 2, pad: 1 },
  { x: [1, 9, 9, 3], o: 5, k: 3, stride: 1, pad: 1 },
  { x: [1, 5, 6, 16], o: 8, k: 1, stride: 1, pad: 0 },
  // The column sweep (gemm_packed.ts gemmCols: whole 16-channel groups, chunks of 16 pixel pairs):
  // 63 pixels (a full chunk, a partial one, the odd last pixel on the 2x16 tiles) at K = 12 (each
  // widened row's 8-value steps run into the next row's), K = 600 (6 pairs a chunk), one pair at
  // K = 4 (one tap pair step).
  { x: [1, 9, 7, 12], o: 48, k: 1, stride: 1, pad: 0 },
  { x: [1, 3, 11, 600], o: 16, k: 1, stride: 1, pad: 0 },
  { x: [1, 1, 2, 4], o: 32, k: 1, stride: 1, pad: 0 },
];

// The column sweep's chunks (since session 8: 2h rows widened as two runs, rows r.. at xwA and
// r + h.. at xwB, pair i = rows r + i and r + h + i) at the small K of vww's / person_detect's 1x1
// convs, which the converter now packs: 75 pixels at K = 8, N = 16 (two full chunks of 16 pairs,
// one of 5, the odd last pixel), 49 at K = 16, N = 32 (16 pairs, 8, odd), 35 at K = 32, N = 64
// (16 pairs, one pair, odd), 34 at K = 6 (each row's taps are read to 8: the next row's first two,
// against packed zero weights; no odd pixel).
const SWEEP_SHAPES: Shape[] = [
  { x: [1, 5, 15, 8], o: 16, k: 1, stride: 1, pad: 0 },
  { x: [1, 7, 7, 16], o: 32, k: 1, stride: 1, pad: 0 },
  { x: [1, 5, 7, 32], o: 64, k: 1, stride: 1, pad: 0 },
  { x: [1, 2, 17, 6], o: 16, k: 1, stride: 1, pad: 0 },
  // Since session 9 the sweep reads i16 copies of the weights when all groups fit the second half
  // of xwA (4,112 B: gemm_packed.ts WIDE_CAP; the small-K shapes above fit), else the packed bytes:
  // K = 128, N = 16 fills it (4,096 B) with 16-row halves up to its start; K = 200, N = 16 (6,400 B),
  // K = 256, N = 32 and K = 264 do not fit.
  { x: [1, 3, 11, 128], o: 16, k: 1, stride: 1, pad: 0 },
  { x: [1, 3, 7, 200], o: 16, k: 1, stride: 1, pad: 0 },
  { x: [1, 5, 7, 256], o: 32, k: 1, stride: 1, pad: 0 },
  { x: [1, 3, 5, 264], o: 16, k: 1, stride: 1, pad: 0 },
  // ic's strided 1x1 shortcuts (conv2d.ts stridedRows: the sampled pixels widened straight into the
  // sweep), whose signed outputs take the grid store with the sign term since session 10: 16 -> 32
  // stride 2 (K = 16, 7x7 outputs: 16 pairs, 8, the odd last pixel) and 32 -> 64 stride 2 (5x5).
  { x: [1, 14, 13, 16], o: 32, k: 1, stride: 2, pad: 0 },
  { x: [1, 9, 10, 32], o: 64, k: 1, stride: 2, pad: 0 },
];

describe('conv / GEMM f32-screened stores vs the reference on rounding ties, both builds', () => {
  let seed = 9100;
  for (const kind of ['pow2', 'coarse', 'small', 'clamped'] as Scale[]) {
    for (const [i, s] of SHAPES.entries()) {
      for (const relu of [false, true]) {
        const my = seed++;
        const r = rng(my);
        const zp = [-128, 127, 0, -5, 3, -128, 20][(i + (relu ? 1 : 0)) % 7];
        const c = caseOf(r, kind, s, relu, relu && zp === 127 ? 100 : zp, i % 2 === 1);
        it(c.label, async () => check(c, rng(my + 50_000), kind === 'small'), 60_000);
      }
    }
  }
  // The sweep's chunk edges, signed, ReLU and a ReLU6-like clamp (upper bound inside the int8 range).
  for (const kind of ['pow2', 'coarse', 'small', 'clamped', 'tiny', 'mixed'] as Scale[]) {
    for (const [i, s] of SWEEP_SHAPES.entries()) {
      for (const [relu, top] of [[false, 127], [true, 127], [true, 40]] as [boolean, number][]) {
        const my = seed++;
        const r = rng(my);
        // (The strided shapes, i >= 8: signed zero points that leave most negative outputs unclamped.)
        const zp = relu ? [-128, -20, 0, 5][i % 4] : i >= 8 ? [7, -3][i % 2] : [7, -128, 127, -3][i % 4];
        const c = caseOf(r, kind, s, relu, zp, i % 2 === 1, top === 127 ? 127 : zp + top);
        it(c.label, async () => check(c, rng(my + 50_000), kind === 'small' || kind === 'tiny' || kind === 'mixed'), 60_000);
      }
    }
  }
  // Many outputs with ordinary multipliers: lanes within the f32 error of a tie without being one.
  for (const relu of [false, true]) {
    const my = seed++;
    const c = caseOf(rng(my), 'random', { x: [1, 64, 64, 32], o: 64, k: 1, stride: 1, pad: 0 }, relu, relu ? -128 : 7, false);
    it(c.label, async () => check(c, rng(my + 50_000), false), 120_000);
  }
});
