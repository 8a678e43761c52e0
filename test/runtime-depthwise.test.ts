// The tap-pair depthwise kernel (assembly/kernels/depthwise_pairs.ts: folded zero-point bias,
// zero-point row for padded taps, 16/8-channel blocks plus the generic kernel for the C % 8 tail)
// and the vectorised same-shape int8 add (assembly/kernels/binary.ts), on both WASM builds, against
// the plain-TS reference interpreter: exact bytes, and SIMD == scalar byte for byte.
// No timings here: speed is measured by `npm run bench`.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Int8Params, Node, OpName } from '../converter/ir/graph.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { quantizeMultiplier } from '../converter/passes/quantize/multiplier.js';
import { addParams, subParams } from '../converter/passes/quantize/qparams.js';
import { blobOf, ensureWasmBuilt, oneOpGraph, randInt, randS8, rng, type TensorSpec, type Int8OpCase, expectBlobsMatch, int8Feeds } from './runtime-harness.js';

beforeAll(async () => {
  await ensureWasmBuilt();
}, 120_000);

interface Case extends Int8OpCase {
  /** Input values to draw from (default: all of int8). */
  xRange?: [number, number];
}

async function check(c: Case, r: () => number): Promise<void> {
  const g = oneOpGraph(c.op, c.inputs, c.out, c.attrs, c.int8);
  const [lo, hi] = c.xRange ?? [-128, 127];
  const feeds = int8Feeds(c, r, lo, hi);
  const [want] = runGraph(g, feeds);
  await expectBlobsMatch(c.label, [['', blobOf(g)]], feeds, want);
}

type Scales = 'normal' | 'large bias' | 'tiny' | 'huge' | 'mixed' | 'pow2' | 'outlier' | 'coarse' | 'small' | 'wide' | 'constant';

function depthwise(
  r: () => number, h: number, w: number, c: number, kh: number, kw: number, s: [number, number],
  d: [number, number], p: [number, number, number, number], scales: Scales = 'normal', n = 1,
): Case {
  const xq = { scale: 0.02 + r() * 0.05, zeroPoint: randInt(r, -128, 127) };
  const oq = { scale: xq.scale * 0.05 * Math.sqrt(kh * kw), zeroPoint: randInt(r, -30, 30) };
  const mult = new Int32Array(c), shift = new Int32Array(c);
  for (let i = 0; i < c; i++) {
    // Per-channel effective scales: ordinary; tiny (right shifts past 20, the general requant);
    // huge (left shifts); or a mix of all three with the extreme Q31 multipliers.
    const kind = scales === 'mixed' ? ['normal', 'tiny', 'huge'][i % 3] : scales;
    let real = (0.002 + r() * 0.01) * xq.scale / oq.scale;
    if (kind === 'tiny') real *= 2 ** -14;
    if (kind === 'huge') real *= 2 ** 6;
    const m = quantizeMultiplier(real);
    mult[i] = m.multiplier;
    shift[i] = m.shift;
    if (scales === 'mixed' && i % 5 === 0) mult[i] = i % 2 ? 2147483647 : 1073741824;
    // M = 1/2 and small shifts: both TFLM roundings meet exact halves in many lanes (the f64
    // forms' ties and sign-dependent nudges).
    if (scales === 'pow2') {
      mult[i] = 1073741824;
      shift[i] = (i % 9) - 7;
    }
    // Multipliers with their low 20 bits clear and right shifts 2-9: many outputs fall exactly on
    // or within 2^-20 of a rounding boundary, where the f32-screened requantization
    // (depthwise_pairs.ts, store8x2Fast) must hand the block to the exact form.
    if (scales === 'coarse') {
      mult[i] = (1024 + randInt(r, 0, 1023)) * 1048576;
      shift[i] = -2 - (i % 8);
    }
    // M = 1/2, right shifts 3-5 with small accumulators (below): outputs within a few steps of the
    // zero point, many on the interval where TFLM's sign-dependent nudge decides between zp - 1 and zp.
    if (scales === 'small') {
      mult[i] = 1073741824;
      shift[i] = -3 - (i % 3);
    }
    // Outputs |y| = |acc * S| spread over ~0..2,000 (random full-range inputs): many exact ties
    // (M = 1/2, even channels) and near-ties (low 20 bits clear, odd ones) on both sides of
    // |y| = 258, where depthwise_pairs.ts f32Prepare caps the screen's bound (past it TFLM and the
    // f32 form clamp alike), with the every-7th extreme channels bounding |y| near 2,300.
    if (scales === 'wide') {
      mult[i] = i % 2 ? (1024 + randInt(r, 0, 1023)) * 1048576 : 1073741824;
      shift[i] = -5 - (i % 3 === 0 ? 1 : 0);
    }
  }
  const wts = randS8(r, kh * kw * c, -127, 127);
  // A few channels with every weight at an extreme: the largest tap-pair products.
  if (scales === 'small') for (let i = 0; i < wts.length; i++) wts[i] = randInt(r, -8, 8);
  else for (let i = 0; i < c; i += 7) for (let t = 0; t < kh * kw; t++) wts[t * c + i] = i % 2 ? -127 : 127;
  const big = scales === 'large bias';
  const outlier = scales === 'outlier';
  const bias: TensorSpec | null = r() < 0.15 && !big && !outlier && scales !== 'constant' ? null
    : { dtype: 's32', shape: [c], data: Int32Array.from({ length: c }, () => (big ? randInt(r, -8000000, 8000000) : scales === 'small' ? randInt(r, -40, 40) : randInt(r, -3000, 3000))) };
  // Two channels with biases near 2^26 (as in vww): their bound rules out the f64 requantization,
  // the other channels' does not, so 8-channel groups of both kinds run in one op.
  if (outlier && bias) {
    (bias.data as Int32Array)[3] = 90000000;
    (bias.data as Int32Array)[c - 2] = -70000000;
  }
  // vww's constant channels: biases near +-2^26 with M = 1/2, right shift 22 (S = 2^-23), so y
  // stays within ~0.04 of +-10.7 (one output for every input: depthwise_pairs.ts constChannel), and
  // every 10th channel at 10.5 (+-0.04: not constant, its group keeps the integer requantization).
  const constant = scales === 'constant';
  if (constant) {
    for (let i = 3; i < c; i += 5) {
      mult[i] = 1073741824;
      shift[i] = -22;
      (bias!.data as Int32Array)[i] = i % 10 === 8 ? 88080384 : i % 2 ? 90000000 : -90000000;
    }
  }
  return {
    label: `depthwise x[${n},${h},${w},${c}] k${kh}x${kw} s${s} d${d} p${p} ${scales}`,
    op: 'depthwise_conv2d',
    inputs: [
      { dtype: 's8', shape: [n, h, w, c], quant: xq },
      { dtype: 's8', shape: [kh, kw, c], data: wts },
      bias,
      { dtype: 's32', shape: [c], data: mult },
      { dtype: 's32', shape: [c], data: shift },
    ],
    out: { dtype: 's8', quant: oq },
    attrs: { strides: s, dilations: d, pads: p, depthMultiplier: 1 },
    int8: r() < 0.5 ? { actMin: Math.max(-128, oq.zeroPoint), actMax: 127 } : { actMin: -128, actMax: 127 },
    // 'small': inputs within 4 of their zero point (|acc| of a few dozen).
    ...(scales === 'small' ? { xRange: [Math.max(-128, xq.zeroPoint - 4), Math.min(127, xq.zeroPoint + 4)] as [number, number] } : {}),
  };
}

// One input channel, depth multiplier 8, 3x3 (person_detect's first layer: its own SIMD kernel).
function c1m8(r: () => number, h: number, w: number, s: [number, number], d: [number, number], p: [number, number, number, number], scales: Scales = 'normal', n = 1): Case {
  const base = depthwise(r, h, w, 8, 3, 3, s, d, p, scales, n);
  const [x, wt, ...rest] = base.inputs;
  return {
    ...base,
    label: `depthwise c1 m8 x[${n},${h},${w},1] k3x3 s${s} d${d} p${p} ${scales}`,
    inputs: [{ ...x!, shape: [n, h, w, 1] }, wt, ...rest],
    attrs: { strides: s, dilations: d, pads: p, depthMultiplier: 8 },
  };
}

// C input channels, depth multiplier m (output channel oc reads input channel oc / m), 3x3.
function cm(r: () => number, h: number, w: number, c: number, m: number, s: [number, number], p: [number, number, number, number], scales: Scales = 'normal'): Case {
  const base = depthwise(r, h, w, c * m, 3, 3, s, [1, 1], p, scales);
  const [x, ...rest] = base.inputs;
  return {
    ...base,
    label: `depthwise c${c} m${m} x[1,${h},${w},${c}] k3x3 s${s} p${p} ${scales}`,
    inputs: [{ ...x!, shape: [1, h, w, c] }, ...rest],
    attrs: { strides: s, dilations: [1, 1], pads: p, depthMultiplier: m },
  };
}

function cases(): Case[] {
  const r = rng(9090);
  const out: Case[] = [];
  const same = (k: number): [number, number, number, number] => [k >> 1, k >> 1, k >> 1, k >> 1];
  // Channel counts: the 8-channel minimum, 16/8 blocks, C % 8 tails left to the generic kernel.
  for (const c of [8, 9, 15, 16, 17, 24, 31, 33, 40, 64]) {
    out.push(depthwise(r, 5, 6, c, 3, 3, [1, 1], [1, 1], same(3)));
    out.push(depthwise(r, 7, 6, c, 3, 3, [2, 2], [1, 1], same(3)));
  }
  // 1-pixel images, all-border images, one row / one column, asymmetric and no padding.
  for (const [h, w, c, pads] of [
    [1, 1, 16, [1, 1, 1, 1]], [1, 1, 24, [1, 1, 1, 1]], [2, 2, 16, [1, 1, 1, 1]], [1, 7, 16, [1, 1, 1, 1]],
    [6, 1, 32, [1, 1, 1, 1]], [3, 3, 48, [0, 0, 0, 0]], [5, 4, 16, [0, 1, 2, 1]], [4, 4, 8, [2, 2, 2, 2]],
  ] as const) {
    out.push(depthwise(r, h, w, c, 3, 3, [1, 1], [1, 1], [...pads]));
    out.push(depthwise(r, h, w, c, 3, 3, [2, 2], [1, 1], [...pads]));
  }
  // Rows wider than the SIMD row sweep's 64-pixel chunk (depthwise_pairs.ts dwRow3x3): chunk
  // seams with and without padding, odd and even widths, a screen-heavy scale across the seams.
  out.push(depthwise(r, 3, 70, 16, 3, 3, [1, 1], [1, 1], same(3)));
  out.push(depthwise(r, 4, 131, 8, 3, 3, [1, 1], [1, 1], [0, 0, 0, 0]));
  out.push(depthwise(r, 3, 130, 24, 3, 3, [1, 1], [1, 1], [1, 0, 1, 2]));
  out.push(depthwise(r, 3, 129, 16, 3, 3, [1, 1], [1, 1], same(3), 'pow2'));
  out.push(depthwise(r, 3, 130, 8, 3, 3, [1, 1], [1, 1], [1, 1, 1, 0], 'coarse'));
  // Whole rows of small maps swept together into one requantization loop (dwRow3x3 `lines`): 2, 3,
  // 5 and 10 rows per chunk, a last chunk of fewer rows, stride 2 with SAME padding at the bottom /
  // right only, batch 2, and tie-heavy scales over chunks of several rows (one screen per chunk,
  // then the rescan of a failed chunk).
  out.push(depthwise(r, 5, 32, 8, 3, 3, [1, 1], [1, 1], same(3)));
  out.push(depthwise(r, 7, 21, 16, 3, 3, [1, 1], [1, 1], same(3), 'pow2'));
  out.push(depthwise(r, 12, 12, 24, 3, 3, [1, 1], [1, 1], same(3), 'wide'));
  out.push(depthwise(r, 24, 24, 16, 3, 3, [2, 2], [1, 1], [0, 0, 1, 1], 'coarse'));
  out.push(depthwise(r, 6, 6, 32, 3, 3, [1, 1], [1, 1], same(3), 'wide', 2));
  out.push(depthwise(r, 6, 6, 32, 3, 3, [2, 2], [1, 1], [0, 0, 1, 1], 'wide'));
  out.push(depthwise(r, 3, 3, 64, 3, 3, [1, 1], [1, 1], same(3), 'wide'));
  out.push(depthwise(r, 11, 9, 24, 3, 3, [2, 2], [1, 1], same(3), 'pow2', 2));
  // The stride-2 sweep's last pixel (its third column the right padding column or a real one) and
  // the folded bias added by the row stores: maps 1..7 wide and high, both strides, padding on
  // every side or bottom / right only, 8 to 256 channels, ReLU-style and clamped outputs.
  for (let w = 1; w <= 7; w++) {
    const c = [8, 16, 24, 128, 256][w % 5];
    // (Bottom / right padding only needs 2 rows and columns for the 3 x 3 window.)
    const br = w >= 2 && w <= 6;
    out.push(depthwise(r, 8 - w, w, c, 3, 3, [2, 2], [1, 1], w % 2 || !br ? same(3) : [0, 0, 1, 1], w > 4 ? 'wide' : 'normal'));
    out.push(depthwise(r, w, 8 - w, c, 3, 3, [2, 2], [1, 1], w % 2 && br ? [0, 0, 1, 1] : same(3), w % 3 ? 'normal' : 'pow2'));
    out.push(depthwise(r, w, 8 - w, c, 3, 3, [1, 1], [1, 1], same(3), w % 3 ? 'normal' : 'wide'));
  }
  // Images at least twice as tall as wide: the column sweep (dwTransposed), KWS's shape, a column
  // past the 64-pixel chunk, no padding, batch 2.
  out.push(depthwise(r, 25, 5, 64, 3, 3, [1, 1], [1, 1], same(3)));
  out.push(depthwise(r, 70, 3, 16, 3, 3, [1, 1], [1, 1], same(3), 'pow2'));
  out.push(depthwise(r, 131, 4, 8, 3, 3, [1, 1], [1, 1], [0, 0, 0, 0], 'coarse'));
  out.push(depthwise(r, 12, 5, 24, 3, 3, [1, 1], [1, 1], [1, 0, 0, 1], 'normal', 2));
  // Other kernels (odd and even tap counts), dilation, unequal strides, batch 2.
  out.push(depthwise(r, 6, 6, 16, 5, 5, [1, 1], [1, 1], same(5)));
  out.push(depthwise(r, 5, 7, 24, 2, 2, [1, 1], [1, 1], [0, 0, 1, 1]));
  out.push(depthwise(r, 7, 7, 16, 3, 3, [1, 1], [2, 2], [2, 2, 2, 2]));
  out.push(depthwise(r, 6, 8, 16, 1, 3, [2, 1], [1, 1], [0, 1, 0, 1]));
  out.push(depthwise(r, 4, 5, 24, 3, 3, [1, 1], [1, 1], same(3), 'normal', 2));
  // Requantization: large biases and tiny/huge/extreme per-channel scales (the general form),
  // and 520 channels (past the packed buffer: the generic kernel).
  out.push(depthwise(r, 4, 4, 16, 3, 3, [1, 1], [1, 1], same(3), 'large bias'));
  out.push(depthwise(r, 4, 4, 24, 3, 3, [1, 1], [1, 1], same(3), 'tiny'));
  out.push(depthwise(r, 4, 4, 24, 3, 3, [2, 2], [1, 1], same(3), 'huge'));
  out.push(depthwise(r, 5, 5, 40, 3, 3, [1, 1], [1, 1], same(3), 'mixed'));
  out.push(depthwise(r, 3, 3, 520, 3, 3, [1, 1], [1, 1], same(3)));
  out.push(depthwise(r, 6, 7, 48, 3, 3, [1, 1], [1, 1], same(3), 'pow2'));
  out.push(depthwise(r, 6, 7, 24, 3, 3, [2, 2], [1, 1], same(3), 'pow2'));
  for (const sc of ['pow2', 'coarse'] as const) {
    out.push(depthwise(r, 9, 10, 8, 3, 3, [1, 1], [1, 1], same(3), sc));
    out.push(depthwise(r, 8, 9, 24, 3, 3, [1, 1], [1, 1], same(3), sc));
    out.push(depthwise(r, 9, 10, 16, 3, 3, [2, 2], [1, 1], same(3), sc));
    out.push(c1m8(r, 9, 9, [1, 1], [1, 1], [1, 1, 1, 1], sc));
    out.push(c1m8(r, 9, 9, [2, 2], [1, 1], [1, 1, 1, 1], sc));
  }
  // Fused activations at the output zero point. With zero point and lower clamp -128 and upper
  // clamp 127 (TFLite's ReLU / ReLU6 outputs) the f32 stores drop the sign term and the clamp
  // (depthwise_pairs.ts, screen4); each of the other rows breaks one part of that condition and
  // fails when the kernel ignores it: zero point -127 with lo = -128 (sign term needed; 'small'
  // puts many outputs at zp - 1 vs zp), lo = -127 (clamp needed), hi = -104 (clamp needed), and
  // random zero points with lo = zp (hi 127 or 100), lo = zp + 3, lo = zp - 1.
  const act = (c: Case, zp: number | null, lo: number | null, hi: number): Case => {
    const z = zp ?? c.out.quant.zeroPoint, l = lo ?? z;
    return {
      ...c, out: { ...c.out, quant: { ...c.out.quant, zeroPoint: z } }, int8: { actMin: l, actMax: hi },
      label: `${c.label} zp ${z} act [${l}, ${hi}]`,
    };
  };
  for (const [zp, lo, hi] of [[-128, -128, 127], [-127, -128, 127], [-128, -127, 127], [-128, -128, -104], [null, null, 127], [null, null, 100]] as [number | null, number | null, number][]) {
    for (const sc of ['small', 'coarse'] as const) {
      out.push(act(depthwise(r, 8, 9, 24, 3, 3, [1, 1], [1, 1], same(3), sc), zp, lo, hi));
      out.push(act(depthwise(r, 9, 10, 16, 3, 3, [2, 2], [1, 1], same(3), sc), zp, lo, hi));
      out.push(act(depthwise(r, 5, 7, 32, 3, 3, [1, 1], [1, 1], same(3), sc), zp, lo, hi));
      out.push(act(c1m8(r, 9, 9, [1, 1], [1, 1], [1, 1, 1, 1], sc), zp, lo, hi));
    }
  }
  for (const [zp, lo, hi] of [[-128, -128, 127], [null, null, 127], [null, null, 100]] as [number | null, number | null, number][]) {
    out.push(act(depthwise(r, 6, 6, 128, 3, 3, [1, 1], [1, 1], same(3), 'constant'), zp, lo, hi));
    out.push(act(depthwise(r, 6, 6, 128, 3, 3, [2, 2], [1, 1], [0, 0, 1, 1], 'constant'), zp, lo, hi));
    out.push(act(depthwise(r, 5, 7, 48, 3, 3, [1, 1], [1, 1], same(3), 'constant'), zp, lo, hi));
  }
  for (const d of [3, -1]) {
    out.push(act(depthwise(r, 8, 9, 24, 3, 3, [1, 1], [1, 1], same(3), 'small'), null, null, 127));
    const c = out[out.length - 1]!;
    out[out.length - 1] = { ...c, int8: { actMin: c.out.quant.zeroPoint + d, actMax: 127 }, label: `${c.label} lo zp${d > 0 ? '+' : ''}${d}` };
  }
  // Near-ties around |y| = 258 (the f32 screen's cap) at both int8 ends: zero points -128 (the
  // ReLU form), 127 and 0 (the clamp form); past the 64-pixel row chunk, stride 2 and the column
  // sweep's tall narrow shape.
  for (const zp of [-128, 127, 0]) {
    out.push(act(depthwise(r, 6, 70, 32, 3, 3, [1, 1], [1, 1], same(3), 'wide'), zp, -128, 127));
    out.push(act(depthwise(r, 9, 20, 16, 3, 3, [2, 2], [1, 1], same(3), 'wide'), zp, -128, 127));
    out.push(act(depthwise(r, 25, 5, 24, 3, 3, [1, 1], [1, 1], same(3), 'wide'), zp, -128, 127));
  }
  out.push(depthwise(r, 6, 6, 32, 3, 3, [1, 1], [1, 1], same(3), 'outlier'));
  out.push(depthwise(r, 5, 5, 40, 3, 3, [1, 1], [1, 1], same(3), 'outlier'));
  out.push(depthwise(r, 7, 7, 24, 3, 3, [2, 2], [1, 1], same(3), 'outlier'));
  for (const [h, w, s, p] of [[9, 9, 2, [0, 0, 1, 1]], [9, 9, 2, [1, 1, 1, 1]], [5, 6, 1, [1, 1, 1, 1]], [2, 2, 1, [1, 1, 1, 1]], [4, 7, 1, [0, 0, 0, 0]]] as const) {
    out.push(c1m8(r, h, w, [s, s], [1, 1], [...p]));
  }
  out.push(c1m8(r, 7, 7, [1, 1], [2, 2], [2, 2, 2, 2]));
  // The stride-2 four-pixel step (quadC1S2): rows wide enough for several steps, then pairs and an
  // odd last pixel; person_detect's padding (bottom / right only) and both sides; near-tie scales
  // at both requantization forms (ReLU zero point and the clamp form); the 16-byte load ending
  // exactly at the image's end (15 x 24, no padding: the last row's second step).
  for (const sc of ['small', 'coarse', 'wide', 'pow2'] as const) {
    out.push(c1m8(r, 11, 24, [2, 2], [1, 1], [0, 0, 1, 1], sc));
    out.push(c1m8(r, 9, 27, [2, 2], [1, 1], [1, 1, 1, 1], sc));
    out.push(act(c1m8(r, 12, 30, [2, 2], [1, 1], [0, 0, 1, 1], sc), -128, -128, 127));
    out.push(act(c1m8(r, 10, 21, [2, 2], [1, 1], [1, 1, 1, 1], sc), 0, -128, 127));
  }
  out.push(c1m8(r, 15, 24, [2, 2], [1, 1], [0, 0, 0, 0]));
  // Stride 2 runs every pixel through quadC1S2: at the image's edges from rows staged with the zero
  // point (top / bottom padding, a row end's padded or missing taps, left padding), and 1-3 pixels
  // left in a row through a side buffer. Images 1-9 pixels wide and high (1-5 outputs per row) at
  // VALID, SAME-at-the-end (TFLite's stride-2 form), both sides, left / top only and a wide left
  // pad; rows with 1, 2, 3 pixels after the last full step at both ends of the image; person_detect's
  // 96 x 96 with its padding; dilated rows; batch 2; the ReLU and clamp stores.
  const pads: [number, number, number, number][] = [[0, 0, 0, 0], [0, 0, 1, 1], [1, 1, 1, 1], [1, 1, 0, 0], [0, 2, 1, 0]];
  for (let w = 1; w <= 9; w++) {
    for (const [k, p] of pads.entries()) {
      const h = 1 + ((w + 2 * k) % 9);
      // VALID needs the 3x3 window to fit.
      if (p[0] + p[2] + h < 3 || p[1] + p[3] + w < 3) continue;
      const sc = (['normal', 'coarse', 'small'] as const)[(w + k) % 3];
      out.push(k % 2 ? act(c1m8(r, h, w, [2, 2], [1, 1], p, sc), -128, -128, 127) : c1m8(r, h, w, [2, 2], [1, 1], p, sc));
    }
  }
  // 18 and 34 at VALID: the last row's last in-place step reads its 10 bytes up to the image's
  // end; 33: one byte past it, so that step is staged.
  for (const w of [18, 25, 27, 29, 31, 32, 33, 34]) {
    out.push(c1m8(r, 7, w, [2, 2], [1, 1], [0, 0, 1, 1], 'coarse'));
    out.push(act(c1m8(r, 6, w, [2, 2], [1, 1], [1, 1, 1, 1], 'wide'), 0, -128, 100));
    out.push(c1m8(r, 5, w, [2, 2], [1, 1], [0, 0, 0, 0], 'pow2'));
  }
  out.push(act(c1m8(r, 96, 96, [2, 2], [1, 1], [0, 0, 1, 1]), -128, -128, 127));
  out.push(c1m8(r, 96, 96, [2, 2], [1, 1], [0, 0, 1, 1], 'coarse'));
  out.push(c1m8(r, 11, 19, [2, 2], [2, 1], [2, 1, 2, 1], 'coarse'));
  // Dilated rows with a bottom row whose kernel row 2 is padding, and the even-width row ends'
  // column-8 step, both read in place (quadC1S2's pad bits).
  out.push(c1m8(r, 12, 26, [2, 2], [2, 1], [0, 0, 2, 1], 'coarse'));
  out.push(act(c1m8(r, 13, 42, [2, 2], [3, 1], [0, 0, 3, 1]), -128, -128, 127));
  out.push(c1m8(r, 9, 13, [2, 2], [1, 1], [0, 0, 1, 1], 'normal', 2));
  for (const xr of [[-128, -128], [127, 127]] as [number, number][]) {
    out.push({ ...c1m8(r, 9, 18, [2, 2], [1, 1], [1, 1, 1, 1]), xRange: xr, label: `depthwise c1 m8 s2 x all ${xr[0]}` });
  }
  out.push(c1m8(r, 13, 26, [2, 2], [2, 1], [1, 1, 1, 1]));
  out.push(c1m8(r, 5, 5, [2, 1], [1, 1], [1, 1, 1, 1], 'normal', 2));
  out.push(c1m8(r, 6, 6, [1, 1], [1, 1], [1, 1, 1, 1], 'large bias'));
  out.push(c1m8(r, 6, 6, [1, 1], [1, 1], [1, 1, 1, 1], 'pow2'));
  out.push(c1m8(r, 6, 6, [2, 2], [1, 1], [1, 1, 1, 1], 'mixed'));
  for (const xr of [[-128, -128], [127, 127]] as [number, number][]) {
    out.push({ ...c1m8(r, 5, 5, [1, 1], [1, 1], [1, 1, 1, 1]), xRange: xr, label: `depthwise c1 m8 x all ${xr[0]}` });
  }
  // Fewer than 8 channels and other depth multipliers (the scalar build's row-wise 3x3 kernel
  // takes every 3x3 stride-1/2 shape; the SIMD build the generic kernel).
  for (const [h, w, c, m, s, p] of [
    [5, 6, 3, 1, 1, [1, 1, 1, 1]], [7, 7, 4, 1, 2, [0, 0, 1, 1]], [6, 5, 3, 2, 1, [1, 1, 1, 1]],
    [7, 6, 2, 3, 2, [1, 1, 1, 1]], [3, 8, 5, 2, 1, [0, 2, 2, 0]], [1, 1, 2, 4, 1, [1, 1, 1, 1]],
  ] as const) {
    out.push(cm(r, h, w, c, m, [s, s], [...p]));
  }
  out.push(cm(r, 6, 6, 3, 2, [1, 1], [1, 1, 1, 1], 'mixed'));
  out.push(cm(r, 6, 6, 3, 2, [2, 2], [1, 1, 1, 1], 'pow2'));
  // Input at the int8 extremes (largest |x * w|): all -128, all 127.
  for (const xr of [[-128, -128], [127, 127]] as [number, number][]) {
    out.push({ ...depthwise(r, 4, 5, 24, 3, 3, [1, 1], [1, 1], same(3)), xRange: xr, label: `depthwise x all ${xr[0]}` });
  }
  return out;
}

// Same-shape int8 add/sub (the f64 lanes): lengths around the 8-lane step, scale ratios that give
// output right shifts from 1 to past 25 and input shifts near 0, zero points at the extremes.
function addCases(): Case[] {
  const r = rng(5151);
  const out: Case[] = [];
  const mk = (shape: number[], sub: boolean, aS: number, bS: number, oS: number, zps?: [number, number, number], p?: Partial<Int8Params>): Case => {
    const [za, zb, zo] = zps ?? [randInt(r, -128, 127), randInt(r, -128, 127), randInt(r, -128, 127)];
    const aq = { scale: aS, zeroPoint: za }, bq = { scale: bS, zeroPoint: zb }, oq = { scale: oS, zeroPoint: zo };
    const q = sub ? subParams(aS, bS, oS) : addParams(aS, bS, oS);
    return {
      label: `${sub ? 'sub' : 'add'} s8 [${shape}] scales ${aS.toPrecision(3)} ${bS.toPrecision(3)} -> ${oS.toPrecision(3)} zp ${za} ${zb} ${zo}${p ? ' ' + JSON.stringify(p) : ''}`,
      op: sub ? 'sub' : 'add',
      inputs: [{ dtype: 's8', shape, quant: aq }, { dtype: 's8', shape, quant: bq }],
      out: { dtype: 's8', quant: oq },
      attrs: {},
      int8: { ...q, actMin: r() < 0.5 ? Math.max(-128, zo) : -128, actMax: 127, ...p },
    };
  };
  for (const n of [1, 7, 8, 9, 16, 31, 64, 1000]) {
    for (const sub of [false, true]) out.push(mk([n], sub, 0.02 + r() * 0.1, 0.02 + r() * 0.1, 0.03 + r() * 0.2));
  }
  out.push(mk([2, 8, 8, 16], false, 0.05, 0.07, 0.09));
  // Scale ratios: output much finer / coarser than the inputs (output right shift 1 ... > 25), one
  // input much finer than the other (its shift far right), equal scales (input shift -1).
  for (const [aS, bS, oS] of [[0.05, 0.05, 0.05], [0.05, 0.05, 1e-6], [0.05, 0.05, 50], [1e-4, 0.5, 0.3], [0.5, 1e-5, 0.2], [0.1, 0.1, 200000]]) {
    out.push(mk([3, 40], false, aS, bS, oS));
    out.push(mk([3, 40], true, aS, bS, oS));
  }
  for (const zps of [[-128, -128, -128], [127, 127, 127], [-128, 127, 0]] as [number, number, number][]) {
    out.push(mk([77], false, 0.03, 0.04, 0.05, zps));
  }
  // Hand-made parameters: a zero output multiplier, the largest multipliers, input shift 0 (R = 0),
  // a smaller left shift.
  const base = addParams(0.05, 0.06, 0.07);
  out.push(mk([40], false, 0.05, 0.06, 0.07, undefined, { outMult: 0 }));
  out.push(mk([40], false, 0.05, 0.06, 0.07, undefined, { aMult: 2147483647, bMult: 2147483647, outMult: 2147483647 }));
  out.push(mk([40], true, 0.05, 0.06, 0.07, undefined, { aShift: 0, bShift: 0, outShift: base.outShift - 2 }));
  out.push(mk([40], false, 0.05, 0.06, 0.07, undefined, { leftShift: 10, outShift: Math.min(0, base.outShift + 10) }));
  // No left shift and right shifts of 1-2 everywhere: rounding ties (where TFLM's sign-dependent
  // nudge decides) in a large share of the lanes, outputs unsaturated.
  for (const sub of [false, true]) {
    out.push(mk([200], sub, 0.05, 0.06, 0.07, undefined, {
      leftShift: 0, aMult: 1073741824 + randInt(r, 0, 1 << 20), aShift: -1, bMult: 1073741824, bShift: -2,
      outMult: 1073741824 + randInt(r, 0, 1 << 24), outShift: -1,
    }));
  }
  return out;
}

describe('int8 add/sub vs the reference, both builds', () => {
  for (const [i, c] of addCases().entries()) {
    it(c.label, async () => check(c, rng(7000 + i)));
  }
});

describe('tap-pair depthwise vs the reference, both builds', () => {
  const all = cases();
  for (const [i, c] of all.entries()) {
    it(c.label, async () => check(c, rng(3000 + i)));
  }
});
