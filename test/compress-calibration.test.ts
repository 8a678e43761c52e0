// Searched calibration ranges and bias correction:
//   mse: the chosen range's *true* int8 error (fake-quantizing every value with the real qparams)
//        is within 2 % of a brute-force search over a fine 2-D grid of clipping ranges;
//   kl:  the threshold equals a naive re-implementation of TensorRT's search that builds P and Q
//        from the per-value data directly;
//   bias correction: on a synthetic FC with a large input mean, the int8 graph's mean output error
//        (vs the float graph, reference interpreter) shrinks.
import { describe, expect, it } from 'vitest';
import { Graph, type Node } from '../converter/ir/graph.js';
import { inferShapes } from '../converter/ir/shapes.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { activationQp } from '../converter/passes/quantize/qparams.js';
import { histogram, klThreshold, mseRange, MseCollector } from '../converter/passes/quantize/ranges-mse.js';
import { quantize } from '../converter/passes/quantize/index.js';
import { biasCorrection } from '../converter/passes/quantize/bias-correction.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
}
function gaussian(r: () => number) {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

/** True mean squared error of int8 fake quantization with the real qparams of [a, b]. */
function trueMse(xs: Float32Array, a: number, b: number): number {
  const qp = activationQp({ min: a, max: b });
  let e = 0;
  for (const x of xs) {
    const q = Math.max(-128, Math.min(127, Math.round(x / qp.scale) + qp.zeroPoint));
    e += (x - qp.scale * (q - qp.zeroPoint)) ** 2;
  }
  return e / xs.length;
}

describe('MSE range search', () => {
  const cases: [string, () => Float32Array][] = [
    ['gaussian with outliers', () => { const r = rng(1); return Float32Array.from({ length: 4000 }, (_, i) => (i % 500 === 0 ? 40 * (r() - 0.3) : gaussian(r))); }],
    ['post-ReLU laplace', () => { const r = rng(2); return Float32Array.from({ length: 4000 }, () => Math.max(0, -Math.log(r() + 1e-12) * (r() < 0.5 ? -1 : 1))); }],
  ];
  for (const [name, make] of cases) {
    it(`${name}: within 2 % of the brute-force optimum of the true error, and better than min/max`, () => {
      const xs = make();
      const c = new MseCollector();
      c.add(xs);
      const r = c.range();
      let lo = 0, hi = 0;
      for (const x of xs) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
      let best = Infinity;
      const G = 60;
      for (let i = 1; i <= G; i++) for (let j = 1; j <= G; j++) {
        const a = lo < 0 ? (lo * i) / G : 0;
        const b = (hi * j) / G;
        best = Math.min(best, trueMse(xs, a, b));
        if (lo >= 0) break;
      }
      const got = trueMse(xs, r.min, r.max);
      expect(got).toBeLessThanOrEqual(best * 1.02);
      expect(got).toBeLessThan(trueMse(xs, lo, hi));
    });
  }
  it('a degenerate histogram is harmless', () => {
    expect(mseRange(histogram([0, 0, 0], 0, 0))).toEqual({ min: 0, max: 0 });
  });
});

/** Naive TensorRT KL: P, Q built value by value. */
function naiveKl(absValues: number[], amax: number, bins: number, levels: number): number {
  const width = amax / bins;
  const binOf = (v: number) => Math.min(bins - 1, Math.floor(v / width));
  let bestI = bins, best = Infinity;
  for (let i = levels; i <= bins; i++) {
    const p = new Array(i).fill(0);
    for (const v of absValues) p[Math.min(i - 1, binOf(v))] += 1;
    const hist = new Array(bins).fill(0);
    for (const v of absValues) hist[binOf(v)] += 1;
    const q = new Array(i).fill(0);
    for (let g = 0; g < levels; g++) {
      const members: number[] = [];
      for (let j = Math.floor((g * i) / levels); j < Math.floor(((g + 1) * i) / levels); j++) members.push(j);
      const nz = members.filter((j) => hist[j] > 0);
      const sum = members.reduce((s, j) => s + hist[j], 0);
      for (const j of nz) q[j] = sum / nz.length;
    }
    const sp = p.reduce((a, b) => a + b, 0), sq = q.reduce((a, b) => a + b, 0);
    let d = 0;
    for (let j = 0; j < i; j++) if (p[j] > 0) d += q[j] > 0 ? (p[j] / sp) * Math.log((p[j] / sp) / (q[j] / sq)) : Infinity;
    if (d < best) { best = d; bestI = i; }
  }
  return bestI * width;
}

describe('KL threshold', () => {
  it('matches a naive value-by-value implementation on small histograms', () => {
    for (const seed of [3, 4, 5]) {
      const r = rng(seed);
      const vals = Array.from({ length: 600 }, (_, i) => Math.abs(i % 97 === 0 ? 8 * r() : gaussian(r)));
      const amax = Math.max(...vals);
      const bins = 64, levels = 16;
      const hist = new Float64Array(bins);
      for (const v of vals) hist[Math.min(bins - 1, Math.floor(v / (amax / bins)))]++;
      expect(klThreshold(hist, amax, levels)).toBeCloseTo(naiveKl(vals, amax, bins, levels), 12);
    }
  });
});

describe('bias correction', () => {
  it('reduces the mean output error of an int8 FC with a large input mean', () => {
    const K = 64, N = 16;
    const build = () => {
      const g = new Graph();
      const r = rng(9);
      g.addTensor({ name: 'x', dtype: 'f32', shape: [1, K] });
      g.inputs.push('x');
      // A few large weights per row make the per-channel scale coarse for the rest.
      g.addTensor({ name: 'w', dtype: 'f32', shape: [N, K], data: Float32Array.from({ length: N * K }, (_, i) => (i % K === 0 ? 3 : 0.05 * gaussian(r))) });
      g.addTensor({ name: 'b', dtype: 'f32', shape: [N], data: new Float32Array(N) });
      g.addTensor({ name: 'y', dtype: 'f32', shape: [] });
      g.nodes.push({ op: 'fully_connected', name: 'fc', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: {} } as Node);
      g.outputs.push('y');
      inferShapes(g);
      return g;
    };
    const r = rng(10);
    const sample = () => [Float32Array.from({ length: K }, (_, k) => (k === 0 ? 0 : 4 + 0.5 * gaussian(r)))];
    const calib = Array.from({ length: 32 }, sample);
    const evalSet = Array.from({ length: 32 }, sample);
    const floatG = build();
    const meanErr = (g: Graph) => {
      const err = new Float64Array(N);
      for (const [x] of evalSet) {
        const yf = runGraph(floatG, [x])[0] as Float32Array;
        const qp = g.tensor(g.inputs[0]).quant!;
        const xq = Int8Array.from(x, (v) => Math.max(-128, Math.min(127, Math.round(v / qp.scale[0]) + qp.zeroPoint[0])));
        const yq = runGraph(g, [xq])[0] as Int8Array;
        const oq = g.tensor(g.outputs[0]).quant!;
        for (let n = 0; n < N; n++) err[n] += (oq.scale[0] * (yq[n] - oq.zeroPoint[0]) - yf[n]) / evalSet.length;
      }
      return err.reduce((s, e) => s + Math.abs(e), 0) / N;
    };
    const plain = build();
    quantize(plain, { samples: calib, method: 'minmax' });
    const corrected = build();
    const rep = biasCorrection(corrected, calib);
    expect(rep.layers[0].name).toBe('fc');
    quantize(corrected, { samples: calib, method: 'minmax' });
    const before = meanErr(plain), after = meanErr(corrected);
    console.info(`[mote] bias correction: mean |E[y_int8 − y_f32]| per channel ${before.toExponential(3)} → ${after.toExponential(3)}`);
    expect(after).toBeLessThan(before * 0.7);
  });
});
