// Low-rank factorisation of fully_connected weights (and 1×1 conv2d): W[N,K] ≈ (U·√Σ)·(√Σ·Vᵀ), a
// truncated SVD, emitted as two layers — first [r,K] without bias or activation, then [N,r] with the
// original bias and activation — only when that is smaller, r·(N+K) < N·K, which for these layers
// is the same condition as fewer MACs. The rank is the smallest that keeps a fraction `energy` of
// Σσ², or a per-layer target. The singular values are split evenly (√σ on each side) so both
// factors have similar ranges for int8.
//
// The SVD is one-sided Jacobi in float64 (Hestenes): rotate column pairs until all are orthogonal;
// column norms are the singular values. Accurate to roughly machine precision relative to σ₁,
// which the tests check against ‖W − U_r Σ_r V_rᵀ‖_F = √(Σ discarded σ²).
import type { Conv2dAttrs, Graph, Node } from '../ir/graph.js';
import { inferShapes } from '../ir/shapes.js';
import { validateGraph } from '../ir/validate.js';
import { uniqueNodeName } from './util.js';

export interface Svd {
  /** m×p, row-major, orthonormal columns. */
  u: Float64Array;
  /** p singular values, descending. */
  s: Float64Array;
  /** n×p, row-major, orthonormal columns. */
  v: Float64Array;
  m: number;
  n: number;
  p: number;
}

/** Thin SVD of the row-major m×n matrix `a`: a = u · diag(s) · vᵀ. */
export function svd(a: ArrayLike<number>, m: number, n: number): Svd {
  if (a.length !== m * n) throw new Error(`svd: ${a.length} values for a ${m}×${n} matrix`);
  if (m < n) {
    // Work on aᵀ (n×m, more rows than columns) and swap the factors.
    const t = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j];
    const r = svd(t, n, m);
    return { u: r.v, s: r.s, v: r.u, m, n, p: r.p };
  }
  const p = n;
  // Column-major copy: columns are contiguous, which is what the rotations touch.
  const cols = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) cols[j * m + i] = a[i * n + j];
  const vc = new Float64Array(n * n);
  for (let j = 0; j < n; j++) vc[j * n + j] = 1;
  const eps = 1e-15;
  for (let sweep = 0; sweep < 80; sweep++) {
    let rotated = false;
    for (let pI = 0; pI < n - 1; pI++) {
      for (let q = pI + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        const po = pI * m;
        const qo = q * m;
        for (let i = 0; i < m; i++) {
          const x = cols[po + i];
          const y = cols[qo + i];
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= eps * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < m; i++) {
          const x = cols[po + i];
          const y = cols[qo + i];
          cols[po + i] = c * x - s * y;
          cols[qo + i] = s * x + c * y;
        }
        const pv = pI * n;
        const qv = q * n;
        for (let i = 0; i < n; i++) {
          const x = vc[pv + i];
          const y = vc[qv + i];
          vc[pv + i] = c * x - s * y;
          vc[qv + i] = s * x + c * y;
        }
      }
    }
    if (!rotated) break;
  }
  const norms = Array.from({ length: n }, (_, j) => {
    let s = 0;
    for (let i = 0; i < m; i++) s += cols[j * m + i] ** 2;
    return Math.sqrt(s);
  });
  const order = norms.map((_, j) => j).sort((x, y) => norms[y] - norms[x]);
  const u = new Float64Array(m * p);
  const v = new Float64Array(n * p);
  const sv = new Float64Array(p);
  order.forEach((j, k) => {
    sv[k] = norms[j];
    for (let i = 0; i < m; i++) u[i * p + k] = norms[j] > 0 ? cols[j * m + i] / norms[j] : 0;
    for (let i = 0; i < n; i++) v[i * p + k] = vc[j * n + i];
  });
  // Columns of u for zero singular values are left zero (they multiply σ = 0).
  return { u, s: sv, v, m, n, p };
}

/** Smallest rank keeping at least `energy` (0 < energy ≤ 1) of Σσ². */
export function rankForEnergy(s: ArrayLike<number>, energy: number): number {
  if (!(energy > 0 && energy <= 1)) throw new Error(`lowrank: energy ${energy} must be in (0, 1]`);
  let total = 0;
  for (let i = 0; i < s.length; i++) total += s[i] * s[i];
  if (total === 0) return 1;
  let acc = 0;
  for (let r = 0; r < s.length; r++) {
    acc += s[r] * s[r];
    if (acc >= energy * total * (1 - 1e-12)) return r + 1;
  }
  return s.length;
}

export interface LowRankOptions {
  /** Retained energy fraction Σ_{i<r}σ²/Σσ² for every eligible layer (e.g. 0.99). */
  energy?: number;
  /** Per layer by node name: a fixed rank or its own energy. Overrides `energy`. */
  perLayer?: Record<string, { rank?: number; energy?: number }>;
}

export interface LowRankLayer {
  name: string;
  op: string;
  n: number;
  k: number;
  rank: number;
  /** Fraction of Σσ² kept at `rank`. */
  retainedEnergy: number;
  /** √(Σ discarded σ²) = ‖W − W_r‖_F. */
  errorFrobenius: number;
  /** Factorised (true), or left dense because r·(N+K) ≥ N·K. */
  applied: boolean;
  reason?: string;
  /** The new first layer's node name (the second keeps the original name). */
  firstNode?: string;
}

export interface LowRankReport {
  layers: LowRankLayer[];
}

function eligible(g: Graph, n: Node): { N: number; K: number } | undefined {
  if (!g.isConstant(n.inputs[1]) || g.tensor(n.inputs[1]).dtype !== 'f32') return undefined;
  const shape = g.tensor(n.inputs[1]).shape;
  if (n.op === 'fully_connected' && shape.length === 2) return { N: shape[0], K: shape[1] };
  if (n.op === 'conv2d' && shape.length === 4 && shape[1] === 1 && shape[2] === 1 && (n.attrs as Conv2dAttrs).group === 1) {
    return { N: shape[0], K: shape[3] };
  }
  return undefined;
}

/** Replaces eligible layers by two thinner ones where that is smaller. In place. */
export function lowRank(g: Graph, opts: LowRankOptions): LowRankReport {
  for (const [name, spec] of Object.entries(opts.perLayer ?? {})) {
    const node = g.nodes.find((x) => x.name === name);
    if (!node) throw new Error(`lowrank: no layer named '${name}' (names as \`mote inspect\` shows)`);
    if (!eligible(g, node)) throw new Error(`lowrank: layer '${name}' is a ${node.op}; only fully_connected and 1×1 conv2d with constant f32 weights`);
    if (spec.rank !== undefined && !(Number.isInteger(spec.rank) && spec.rank >= 1)) throw new Error(`lowrank: layer '${name}': rank ${spec.rank} must be a positive integer`);
  }
  if (opts.energy !== undefined && !(opts.energy > 0 && opts.energy <= 1)) throw new Error(`lowrank: energy ${opts.energy} must be in (0, 1]`);
  const layers: LowRankLayer[] = [];
  for (const node of [...g.nodes]) {
    const dims = eligible(g, node);
    const spec = opts.perLayer?.[node.name] ?? (opts.energy !== undefined ? { energy: opts.energy } : undefined);
    if (!dims || !spec) continue;
    const { N, K } = dims;
    const w = g.tensor(node.inputs[1]).data as Float32Array;
    const d = svd(w, N, K);
    const rank = Math.min(d.p, spec.rank ?? rankForEnergy(d.s, spec.energy ?? 1));
    let total = 0;
    let kept = 0;
    for (let i = 0; i < d.p; i++) {
      total += d.s[i] ** 2;
      if (i < rank) kept += d.s[i] ** 2;
    }
    const entry: LowRankLayer = {
      name: node.name, op: node.op, n: N, k: K, rank,
      retainedEnergy: total > 0 ? kept / total : 1,
      errorFrobenius: Math.sqrt(Math.max(0, total - kept)),
      applied: false,
    };
    layers.push(entry);
    if (rank * (N + K) >= N * K) {
      entry.reason = `rank ${rank}: ${rank}·(${N}+${K}) = ${rank * (N + K)} ≥ ${N * K} weights, no smaller or faster`;
      continue;
    }
    entry.firstNode = factorise(g, node, d, rank);
    entry.applied = true;
  }
  g.removeUnusedTensors();
  inferShapes(g);
  validateGraph(g);
  return { layers };
}

/** The two factors of rank `r`, as float32: first [r,K] = √Σ·Vᵀ, second [N,r] = U·√Σ. */
export function factors(d: Svd, r: number): { first: Float32Array; second: Float32Array } {
  const { m: N, n: K, p } = d;
  const first = new Float32Array(r * K);
  const second = new Float32Array(N * r);
  for (let j = 0; j < r; j++) {
    const root = Math.sqrt(d.s[j]);
    for (let k = 0; k < K; k++) first[j * K + k] = root * d.v[k * p + j];
    for (let i = 0; i < N; i++) second[i * r + j] = d.u[i * p + j] * root;
  }
  return { first, second };
}

function factorise(g: Graph, node: Node, d: Svd, r: number): string {
  const { first, second } = factors(d, r);
  const { m: N, n: K } = d;
  const isConv = node.op === 'conv2d';
  const w1 = g.uniqueName(`${node.inputs[1]}_lr_v`);
  const w2 = g.uniqueName(`${node.inputs[1]}_lr_u`);
  g.addTensor({ name: w1, dtype: 'f32', shape: isConv ? [r, 1, 1, K] : [r, K], data: first });
  g.addTensor({ name: w2, dtype: 'f32', shape: isConv ? [N, 1, 1, r] : [N, r], data: second });
  const mid = g.uniqueName(`${node.outputs[0]}_lr`);
  const outShape = g.tensor(node.outputs[0]).shape;
  g.addTensor({ name: mid, dtype: 'f32', shape: [...outShape.slice(0, -1), r] });
  const a = node.attrs as Conv2dAttrs;
  const firstNode: Node = {
    op: node.op,
    name: uniqueNodeName(g, `${node.name}_lr_v`),
    inputs: [node.inputs[0], w1, ''],
    outputs: [mid],
    // The first factor carries the original geometry (stride, padding) and no activation.
    attrs: isConv ? { strides: a.strides, dilations: a.dilations, pads: a.pads, group: 1 } : {},
    source: node.source,
  } as Node;
  g.nodes.splice(g.nodes.indexOf(node), 0, firstNode);
  node.inputs = [mid, w2, node.inputs[2] ?? ''];
  if (isConv) node.attrs = { ...a, strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0] } as never;
  return firstNode.name;
}
