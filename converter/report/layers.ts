// The per-layer compression report: for every weighted layer of the float graph (after the float
// passes, before any compression) — the methods applied, weight bytes before (float32) and after
// (as stored in the final graph's constants), the weight SNR in dB of the original float weights vs
// the weights the final graph effectively uses (dequantized, low-rank factors multiplied back,
// pruned channels scattered back as zeros), and MACs before/after.
import type { Graph, Node, Tensor } from '../ir/graph.js';
import { dtypeBytes, numel } from '../ir/graph.js';
import { nodeMacs } from '../macs.js';
import type { LowRankReport } from '../passes/lowrank.js';
import type { PruneReport } from '../passes/prune-filters.js';
import { WEIGHTED_OPS } from '../codec/weighted-layers.js';

export interface LayerSnapshot {
  name: string;
  op: string;
  shape: number[];
  weights: Float32Array;
  bytes: number;
  macs: number;
}

export interface LayerRow {
  name: string;
  op: string;
  methods: string[];
  bytesBefore: number;
  bytesAfter: number;
  /** dB; null when the weights are reproduced exactly (infinite SNR) or cannot be reconstructed. */
  snrDb: number | null;
  macsBefore: number;
  macsAfter: number;
}

export interface LayerReport {
  rows: LayerRow[];
  totals: { bytesBefore: number; bytesAfter: number; macsBefore: number; macsAfter: number };
}

function constBytes(g: Graph, node: Node): number {
  let b = 0;
  for (const t of node.inputs) {
    const tensor = t ? g.tensors.get(t) : undefined;
    if (tensor?.data) b += numel(tensor.shape) * dtypeBytes(tensor.dtype);
  }
  return b;
}

/** The float weighted layers of `g` (copies), before compression. */
export function snapshotLayers(g: Graph): LayerSnapshot[] {
  return g.nodes
    .filter((n) => WEIGHTED_OPS.has(n.op) && g.isConstant(n.inputs[1]) && g.tensor(n.inputs[1]).dtype === 'f32')
    .map((n) => {
      const w = g.tensor(n.inputs[1]);
      const bytes = numel(w.shape) * 4 + (n.inputs[2] && g.isConstant(n.inputs[2]) ? numel(g.tensor(n.inputs[2]).shape) * 4 : 0);
      return { name: n.name, op: n.op, shape: [...w.shape], weights: (w.data as Float32Array).slice(), bytes, macs: nodeMacs(g, n) };
    });
}

/** Real values of a weight tensor (f32 as is; s8 per-tensor or per-axis dequantized). */
export function realWeights(t: Tensor): Float64Array | undefined {
  if (t.dtype === 'f32') return Float64Array.from(t.data as Float32Array);
  if (t.dtype !== 's8' || !t.quant) return undefined;
  const q = t.quant;
  const d = t.data as Int8Array;
  if (q.scale.length === 1) return Float64Array.from(d, (v) => q.scale[0] * (v - q.zeroPoint[0]));
  const axis = q.axis ?? 0;
  const channels = t.shape[axis];
  const inner = numel(t.shape.slice(axis + 1));
  return Float64Array.from(d, (v, i) => {
    const c = Math.floor(i / inner) % channels;
    return q.scale[c] * (v - q.zeroPoint[c]);
  });
}

/** Product of the low-rank pair: second [N,r] · first [r,K]. */
function multiply(second: Float64Array, first: Float64Array, N: number, r: number, K: number): Float64Array {
  const out = new Float64Array(N * K);
  for (let i = 0; i < N; i++) for (let k = 0; k < r; k++) {
    const a = second[i * r + k];
    if (a === 0) continue;
    for (let j = 0; j < K; j++) out[i * K + j] += a * first[k * K + j];
  }
  return out;
}

/** Scatters `w` (current shape) into the original shape, zeros where channels were cut. */
function scatter(w: Float64Array, current: number[], original: number[], kept: Record<number, number[]>): Float64Array {
  const rank = original.length;
  const maps = original.map((n, a) => kept[a] ?? Array.from({ length: n }, (_, i) => i));
  const out = new Float64Array(numel(original));
  const oStrides = original.map((_, a) => numel(original.slice(a + 1)));
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < w.length; i++) {
    let o = 0;
    for (let a = 0; a < rank; a++) o += maps[a][idx[a]] * oStrides[a];
    out[o] = w[i];
    for (let a = rank - 1; a >= 0; a--) {
      if (++idx[a] < current[a]) break;
      idx[a] = 0;
    }
  }
  return out;
}

export function snrDb(ref: ArrayLike<number>, approx: ArrayLike<number>): number | null {
  let s = 0;
  let e = 0;
  for (let i = 0; i < ref.length; i++) {
    s += ref[i] * ref[i];
    e += (ref[i] - approx[i]) ** 2;
  }
  if (e === 0) return null;
  return 10 * Math.log10(s / e);
}

export interface CompressionInfo {
  prune?: PruneReport;
  lowrank?: LowRankReport;
}

/** Compares the final graph's layers with the snapshot taken before compression. */
export function layerReport(before: LayerSnapshot[], g: Graph, info: CompressionInfo = {}): LayerReport {
  const rows: LayerRow[] = [];
  for (const snap of before) {
    const node = g.nodes.find((n) => n.name === snap.name);
    const methods: string[] = [];
    const pruned = info.prune?.layers.find((l) => l.name === snap.name && l.removed.length > 0);
    if (pruned) methods.push(`prune ${pruned.channelsBefore}→${pruned.channelsAfter}`);
    else if (info.prune?.cuts[snap.name]) methods.push('inputs pruned');
    const lr = info.lowrank?.layers.find((l) => l.name === snap.name && l.applied);
    const first = lr?.firstNode ? g.nodes.find((n) => n.name === lr.firstNode) : undefined;
    if (lr) methods.push(`lowrank r=${lr.rank}`);
    if (!node) {
      rows.push({ name: snap.name, op: snap.op, methods: [...methods, 'removed'], bytesBefore: snap.bytes, bytesAfter: 0, snrDb: null, macsBefore: snap.macs, macsAfter: 0 });
      continue;
    }
    const wt = g.tensor(node.inputs[1]);
    methods.push(wt.dtype === 'f32' ? 'f32' : wt.dtype === 's8' ? 'int8' : wt.dtype);
    let effective = realWeights(wt);
    let shape = wt.shape;
    if (effective && first) {
      const w1 = realWeights(g.tensor(first.inputs[1]));
      const N = wt.shape[0];
      const r = numel(wt.shape) / N;
      const K = w1 ? w1.length / r : 0;
      effective = w1 ? multiply(effective, w1, N, r, K) : undefined;
      shape = snap.op === 'conv2d' ? [N, 1, 1, K] : [N, K];
    }
    const cut = info.prune?.cuts[snap.name];
    if (effective && cut) effective = scatter(effective, shape, cut.shape, cut.kept);
    const snr = effective && effective.length === snap.weights.length ? snrDb(snap.weights, effective) : null;
    rows.push({
      name: snap.name,
      op: snap.op,
      methods,
      bytesBefore: snap.bytes,
      bytesAfter: constBytes(g, node) + (first ? constBytes(g, first) : 0),
      snrDb: snr,
      macsBefore: snap.macs,
      macsAfter: nodeMacs(g, node) + (first ? nodeMacs(g, first) : 0),
    });
  }
  const sum = (f: (r: LayerRow) => number) => rows.reduce((a, r) => a + f(r), 0);
  return {
    rows,
    totals: { bytesBefore: sum((r) => r.bytesBefore), bytesAfter: sum((r) => r.bytesAfter), macsBefore: sum((r) => r.macsBefore), macsAfter: sum((r) => r.macsAfter) },
  };
}
