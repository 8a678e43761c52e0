// Low-rank factorisation: the Jacobi SVD against closed-form identities (‖W‖_F² = Σσ², a matrix
// built from known orthonormal factors and singular values, orthogonality of U and V, truncation
// error ‖W − W_r‖_F = √(Σ discarded σ²)), and the factorised graph against the original through the
// reference interpreter within the bound σ_{r+1}·‖x‖ the discarded singular values imply.
import { describe, expect, it } from 'vitest';
import { Graph, type Node } from '../converter/ir/graph.js';
import { inferShapes } from '../converter/ir/shapes.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { factors, lowRank, rankForEnergy, svd } from '../converter/passes/lowrank.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}
const randMat = (m: number, n: number, seed: number) => { const r = rng(seed); return Float64Array.from({ length: m * n }, r); };

function gramSchmidt(m: number, k: number, seed: number): Float64Array {
  const q = randMat(m, k, seed); // columns j: q[i*k+j]
  for (let j = 0; j < k; j++) {
    for (let l = 0; l < j; l++) {
      let d = 0;
      for (let i = 0; i < m; i++) d += q[i * k + j] * q[i * k + l];
      for (let i = 0; i < m; i++) q[i * k + j] -= d * q[i * k + l];
    }
    let nrm = 0;
    for (let i = 0; i < m; i++) nrm += q[i * k + j] ** 2;
    for (let i = 0; i < m; i++) q[i * k + j] /= Math.sqrt(nrm);
  }
  return q;
}

function maxOrthoError(q: Float64Array, rows: number, cols: number, upto = cols): number {
  let e = 0;
  for (let a = 0; a < upto; a++) for (let b = 0; b < upto; b++) {
    let d = 0;
    for (let i = 0; i < rows; i++) d += q[i * cols + a] * q[i * cols + b];
    e = Math.max(e, Math.abs(d - (a === b ? 1 : 0)));
  }
  return e;
}

function truncationError(w: ArrayLike<number>, m: number, n: number, r: number): number {
  const d = svd(w, m, n);
  let e = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < r; k++) s += d.u[i * d.p + k] * d.s[k] * d.v[j * d.p + k];
    e += (w[i * n + j] - s) ** 2;
  }
  return Math.sqrt(e);
}

describe('Jacobi SVD', () => {
  it('recovers known singular values and orthonormal factors', () => {
    const m = 9, n = 6, sv = [5, 3, 2, 0.5, 1e-3, 0];
    const U = gramSchmidt(m, n, 1), V = gramSchmidt(n, n, 2);
    const w = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) w[i * n + j] += U[i * n + k] * sv[k] * V[j * n + k];
    for (const [rows, cols, a] of [[m, n, w], [n, m, Float64Array.from({ length: m * n }, (_, x) => w[(x % m) * n + Math.floor(x / m)])]] as const) {
      const d = svd(a, rows, cols);
      sv.forEach((s, k) => expect(Math.abs(d.s[k] - s)).toBeLessThan(1e-12));
      expect(maxOrthoError(d.u, rows, d.p, 5)).toBeLessThan(1e-12);
      expect(maxOrthoError(d.v, cols, d.p, 5)).toBeLessThan(1e-12);
    }
  });

  it('Σσ² = ‖W‖_F², and ‖W − W_r‖_F = √(Σ discarded σ²) for every r, both orientations', () => {
    for (const [m, n, seed] of [[20, 7, 3], [7, 20, 4], [16, 16, 5]]) {
      const w = randMat(m, n, seed);
      const d = svd(w, m, n);
      const fro2 = w.reduce((a, x) => a + x * x, 0);
      expect(Math.abs(d.s.reduce((a, s) => a + s * s, 0) - fro2)).toBeLessThan(1e-12 * fro2);
      for (let k = 1; k < d.p; k++) expect(d.s[k]).toBeLessThanOrEqual(d.s[k - 1]);
      for (const r of [1, 3, d.p - 1]) {
        let tail = 0;
        for (let k = r; k < d.p; k++) tail += d.s[k] ** 2;
        expect(Math.abs(truncationError(w, m, n, r) - Math.sqrt(tail))).toBeLessThan(1e-10);
      }
    }
  });

  it('rank by energy and bad input', () => {
    expect(rankForEnergy([3, 2, 1], 9 / 14)).toBe(1);
    expect(rankForEnergy([3, 2, 1], 13 / 14)).toBe(2);
    expect(rankForEnergy([3, 2, 1], 0.93)).toBe(3);
    expect(rankForEnergy([3, 2, 1], 1)).toBe(3);
    expect(() => rankForEnergy([1], 0)).toThrow(/energy 0/);
    expect(() => svd([1, 2, 3], 2, 2)).toThrow(/3 values for a 2×2/);
  });
});

function fcGraph(N: number, K: number, lowRankW: boolean): Graph {
  const g = new Graph();
  const r = rng(11);
  g.addTensor({ name: 'x', dtype: 'f32', shape: [2, K] });
  g.inputs.push('x');
  // A weight with decaying spectrum, so a low rank keeps most of it.
  const U = gramSchmidt(N, Math.min(N, K), 12), V = gramSchmidt(K, Math.min(N, K), 13);
  const p = Math.min(N, K);
  const w = new Float32Array(N * K);
  for (let i = 0; i < N; i++) for (let j = 0; j < K; j++) for (let k = 0; k < p; k++) w[i * K + j] += U[i * p + k] * (lowRankW ? 4 * 0.5 ** k : 1) * V[j * p + k];
  g.addTensor({ name: 'w', dtype: 'f32', shape: [N, K], data: w });
  g.addTensor({ name: 'b', dtype: 'f32', shape: [N], data: Float32Array.from({ length: N }, r) });
  g.addTensor({ name: 'y', dtype: 'f32', shape: [] });
  g.nodes.push({ op: 'fully_connected', name: 'fc', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { activation: { min: 0, max: Infinity } } } as Node);
  g.outputs.push('y');
  inferShapes(g);
  return g;
}

describe('lowRank pass', () => {
  it('FC → two FCs; outputs within σ_{r+1}·‖x‖ of the original (ReLU is 1-Lipschitz)', () => {
    const N = 24, K = 40;
    const g = fcGraph(N, K, true);
    const orig = fcGraph(N, K, true);
    const d = svd(orig.tensor('w').data as Float32Array, N, K);
    const report = lowRank(g, { energy: 0.999 });
    const L = report.layers[0];
    expect(L.applied).toBe(true);
    expect(L.rank).toBe(rankForEnergy(d.s, 0.999));
    expect(g.nodes.map((n) => n.op)).toEqual(['fully_connected', 'fully_connected']);
    expect(g.nodes[0].inputs[2]).toBe('');
    expect(g.nodes[0].attrs).toEqual({});
    expect(g.tensor(g.nodes[1].inputs[1]).shape).toEqual([N, L.rank]);
    const r = rng(5);
    for (let t = 0; t < 3; t++) {
      const x = Float32Array.from({ length: 2 * K }, () => 4 * r());
      const a = runGraph(orig, [x])[0] as Float32Array, b = runGraph(g, [x])[0] as Float32Array;
      for (let row = 0; row < 2; row++) {
        let e = 0, xn = 0;
        for (let i = 0; i < N; i++) e += (a[row * N + i] - b[row * N + i]) ** 2;
        for (let k = 0; k < K; k++) xn += x[row * K + k] ** 2;
        expect(Math.sqrt(e)).toBeLessThanOrEqual(d.s[L.rank] * Math.sqrt(xn) + 1e-4);
      }
    }
    // the factors multiply back to the truncated W
    const f = factors(d, L.rank);
    let e2 = 0;
    const w = orig.tensor('w').data as Float32Array;
    for (let i = 0; i < N; i++) for (let j = 0; j < K; j++) {
      let s = 0;
      for (let k = 0; k < L.rank; k++) s += f.second[i * L.rank + k] * f.first[k * K + j];
      e2 += (w[i * K + j] - s) ** 2;
    }
    expect(Math.abs(Math.sqrt(e2) - L.errorFrobenius)).toBeLessThan(1e-4);
  });

  it('a full-spectrum layer stays dense when factorising would not be smaller, and says why', () => {
    const g = fcGraph(8, 8, false);
    const rep = lowRank(g, { energy: 0.99 });
    expect(rep.layers[0].applied).toBe(false);
    expect(rep.layers[0].reason).toMatch(/≥ 64 weights/);
    expect(g.nodes.length).toBe(1);
    expect(() => lowRank(g, { perLayer: { nope: { rank: 2 } } })).toThrow(/no layer named 'nope'/);
  });
});
