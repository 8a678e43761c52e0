// Where each compressed weight tensor lives at run time: expanded once at load into RAM (dense,
// the fastest dense kernel) or read directly from its stream by a direct kernel (RAM = the stream
// only; assembly/kernels/direct.ts). Decided per tensor from a RAM budget and the measured speed of
// the direct kernels relative to the dense ones (bench/sparse-crossover.ts, docs/COMPRESSION.md).
//
// Rules, in order:
//   1. a tensor whose direct kernel is expected to be at least as fast as dense goes direct (it
//      also saves RAM);
//   2. the rest stay expanded (or plain) while the model fits the budget (no budget: always);
//   3. over budget, tensors move to direct in order of expected extra latency per byte of RAM
//      saved (MACs × (ratio − 1) / bytes), until the model fits or none is left.
import * as F from '../../format/format.js';
import type { Graph, Node } from '../ir/graph.js';
import type { MemoryPlan } from './types.js';
import { encodeDirect, encodeWeights, type DirectEncoding, type WeightEncoding } from '../codec/streams.js';
import { nodeMacs } from '../macs.js';

export type Isa = 'simd' | 'scalar';
export type PlacementMode = 'auto' | 'expand' | 'direct';

/**
 * Measured direct ÷ dense latency (p10 ratios of the same run), the worst over the shapes measured
 * in each regime: one x row (a batch-1 fully connected layer) or many (batched rows, conv pixels:
 * the SIMD sparse kernel's eight-row tiles). Sparse-rows as (density, ratio) points, interpolated
 * linearly; palette per index width (1 and 8 bits: the generic lookup, taken as the 2-bit figure).
 * Source: bench/sparse-crossover.ts; docs/COMPRESSION.md "Direct weights" has the run.
 */
type Regime = { sparseRows: [number, number][]; palette: Record<number, number> };
export const MEASURED_DIRECT_SPEED: Record<Isa, { oneRow: Regime; manyRows: Regime; binary: number; xnor: number }> = {
  // bench/sparse-crossover.ts, 2026-11-22 09:52 UTC (docs/COMPRESSION.md has the per-shape table);
  // SIMD 2-bit palette re-measured 12:15 UTC (--quick) after its kernel moved to nibble-pair tables.
  // 1- and 8-bit palettes (the generic scalar lookup) keep the earlier, slower 2-bit figure.
  simd: {
    oneRow: { sparseRows: [[0, 1.23], [0.05, 1.23], [0.1, 2.26], [0.2, 4.93], [0.3, 7.36], [0.5, 12.2], [0.7, 16.85], [1, 23.19]], palette: { 1: 8.56, 2: 3.6, 4: 2.67, 8: 8.56 } },
    manyRows: { sparseRows: [[0, 1.08], [0.05, 1.08], [0.1, 1.24], [0.2, 1.61], [0.3, 1.98], [0.5, 2.73], [0.7, 3.19], [1, 4.21]], palette: { 1: 9.56, 2: 5.77, 4: 4.88, 8: 9.56 } },
    // ENC_BINARY, worst over the shapes of bench/binary-layers.ts: the 1-bit x int8 bit-plane
    // kernel, and XNOR (vs the dense kernel on the same ±1 input) when the input is binarized.
    binary: 2.41,
    xnor: 0.94,
  },
  scalar: {
    oneRow: { sparseRows: [[0, 0.33], [0.05, 0.33], [0.1, 0.39], [0.2, 0.49], [0.3, 0.65], [0.5, 1.05], [0.7, 1.45], [1, 2.05]], palette: { 1: 1.81, 2: 1.81, 4: 1.91, 8: 1.81 } },
    manyRows: { sparseRows: [[0, 0.34], [0.05, 0.34], [0.1, 0.41], [0.2, 0.61], [0.3, 0.8], [0.5, 1.25], [0.7, 1.74], [1, 2.39]], palette: { 1: 2.2, 2: 2.2, 4: 2.25, 8: 2.2 } },
    binary: 0.83,
    xnor: 0.79,
  },
};

/** Expected direct ÷ dense latency of one layer; `rows`: x rows (fully connected) or output pixels (conv). */
export function expectedRatio(isa: Isa, encoding: DirectEncoding, p: { density?: number; bits?: number; rows?: number; xnor?: boolean }): number {
  if (encoding === 'binary') return p.xnor ? MEASURED_DIRECT_SPEED[isa].xnor : MEASURED_DIRECT_SPEED[isa].binary;
  const m = MEASURED_DIRECT_SPEED[isa][(p.rows ?? 1) >= 4 ? 'manyRows' : 'oneRow'];
  if (encoding === 'palette') return m.palette[p.bits ?? 8] ?? m.palette[8];
  const d = Math.min(1, Math.max(0, p.density ?? 1));
  const pts = m.sparseRows;
  for (let i = 1; i < pts.length; i++) {
    if (d <= pts[i][0]) {
      const [d0, r0] = pts[i - 1], [d1, r1] = pts[i];
      return r0 + ((d - d0) / (d1 - d0)) * (r1 - r0);
    }
  }
  return pts[pts.length - 1][1];
}

export interface DirectOption {
  encoding: DirectEncoding;
  /** Stream bytes in the weights section (flash and, for direct, RAM). */
  streamBytes: number;
  density?: number;
  bits?: number;
  /** Expected direct ÷ dense latency of the layer. */
  ratio: number;
}

export interface PlacementCandidate {
  /** The weight constant (the emitter's key) and the layer reading it. */
  tensor: string;
  layer: string;
  op: string;
  macs: number;
  denseBytes: number;
  /** How it is stored when not direct: the smallest encoded stream (expanded at load), or plain. */
  expand: { encoding?: WeightEncoding; streamBytes: number };
  /** The fastest direct option (undefined: none). */
  direct?: DirectOption;
}

export interface PlacementChoice {
  tensor: string;
  layer: string;
  op: string;
  choice: 'plain' | 'expand' | 'direct';
  encoding: string;
  /** RAM (weights section + expanded copy) and flash (weights section) bytes, each way. */
  ramBytesExpanded: number;
  ramBytesDirect?: number;
  flashBytesExpanded: number;
  flashBytesDirect?: number;
  density?: number;
  bits?: number;
  /** Expected direct ÷ dense latency (direct options only). */
  expectedRatio?: number;
  reason: string;
}

export interface PlacementReport {
  isa: Isa;
  mode: PlacementMode;
  /** Bytes of RAM the loaded model may take (resident blob + expanded weights + arena + scratch). */
  ramBudget?: number;
  ramBudgetSource?: string;
  /** The same sum for the chosen placement. */
  ramBytes: number;
  fits: boolean;
  layers: PlacementChoice[];
}

const GATHER_CAP = 16384; // assembly/kernels/conv2d.ts PATCH_CAP: the direct conv's patch buffer
const BINARY_K_CAP = (GATHER_CAP - 32) / 2; // assembly/kernels/binary_weights.ts: patch + 8 bit planes

/** Weight constants (input 1 of s8 fully_connected / group-1 conv2d) a direct kernel could read. */
export function placementCandidates(g: Graph, plan: MemoryPlan, encodings: readonly WeightEncoding[], isa: Isa): PlacementCandidate[] {
  const rootOf = (name: string) => (g.tensors.get(name)?.data !== undefined ? name : plan.weightAliases.get(name));
  const uses = new Map<string, { node: Node; pos: number }[]>();
  for (const node of plan.steps) {
    node.inputs.forEach((name, pos) => {
      const root = name === '' ? undefined : rootOf(name);
      if (root !== undefined) uses.set(root, [...(uses.get(root) ?? []), { node, pos }]);
    });
  }
  const eligible = (node: Node, pos: number, wShape: number[]) => {
    if (pos !== 1 || node.inputs.length !== 5 || g.tensor(node.inputs[0]).dtype !== 's8') return false;
    if (node.op === 'fully_connected') return true;
    if (node.op !== 'conv2d') return false;
    const a = node.attrs as { group?: number };
    return (a.group ?? 1) === 1 && wShape.length === 4 && wShape[1] * wShape[2] * wShape[3] <= GATHER_CAP;
  };
  const out: PlacementCandidate[] = [];
  const seen = new Set<string>();
  for (const node of plan.steps) {
    if (node.op !== 'fully_connected' && node.op !== 'conv2d') continue;
    const root = rootOf(node.inputs[1] ?? '');
    if (root === undefined || seen.has(root)) continue;
    seen.add(root);
    const w = g.tensor(root);
    const viewShape = g.tensor(node.inputs[1]).shape;
    if (w.dtype !== 's8' || !(w.data instanceof Int8Array)) continue;
    if (!(uses.get(root) ?? []).every((u) => eligible(u.node, u.pos, g.tensor(u.node.inputs[1]).shape) && g.tensor(u.node.inputs[1]).shape[0] === viewShape[0])) continue;
    const bytes = new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength);
    const enc = encodeWeights(bytes, 1, w.shape, encodings);
    // Rows the kernel runs: fully connected x rows, or conv output pixels.
    const y = g.tensor(node.outputs[0]).shape;
    const rows = y.reduce((a, b) => a * b, 1) / viewShape[0];
    const options: DirectOption[] = [];
    if (encodings.includes('sparse')) {
      const s = encodeDirect('sparse-rows', bytes, viewShape);
      let nnz = 0;
      for (const v of w.data) if (v !== 0) nnz++;
      const density = nnz / w.data.length;
      if (s) options.push({ encoding: 'sparse-rows', streamBytes: s.length, density, ratio: expectedRatio(isa, 'sparse-rows', { density, rows }) });
    }
    if (encodings.includes('palette')) {
      const s = encodeDirect('palette', bytes, viewShape);
      if (s && s[4] <= 4) options.push({ encoding: 'palette', streamBytes: s.length, bits: s[4], ratio: expectedRatio(isa, 'palette', { bits: s[4], rows }) });
    }
    const k = viewShape.slice(1).reduce((a, b) => a * b, 1);
    if (encodings.includes('binary') && k <= BINARY_K_CAP) {
      const s = encodeDirect('binary', bytes, viewShape);
      // A binarized input (a binarize node's output) runs the XNOR-popcount form.
      const xnor = plan.steps.some((n) => n.op === 'binarize' && n.outputs[0] === node.inputs[0]);
      if (s) options.push({ encoding: 'binary', streamBytes: s.length, bits: 1, ratio: expectedRatio(isa, 'binary', { xnor }) });
    }
    // Only streams smaller than the dense bytes (as for encoded weights); the fastest, then the smaller.
    options.splice(0, options.length, ...options.filter((o) => o.streamBytes < bytes.length));
    options.sort((a, b) => a.ratio - b.ratio || a.streamBytes - b.streamBytes);
    out.push({
      tensor: root,
      layer: node.name,
      op: node.op,
      macs: nodeMacs(g, node),
      denseBytes: bytes.length,
      expand: enc ? { encoding: enc.encoding, streamBytes: enc.bytes.length } : { streamBytes: bytes.length },
      direct: options[0],
    });
  }
  return out;
}

const fmtRatio = (r: number) => `×${r.toFixed(2)}`;

/**
 * The placement of every candidate. `baseRamBytes` is the model's RAM with every candidate expanded
 * (or plain): resident blob + expanded region + arena + scratch, as emitted.
 */
export function decidePlacement(
  cands: readonly PlacementCandidate[],
  opts: { isa: Isa; mode?: PlacementMode; ramBudget?: number; baseRamBytes: number },
): PlacementReport {
  const mode = opts.mode ?? 'auto';
  const ramExpanded = (c: PlacementCandidate) => c.expand.streamBytes + (c.expand.encoding ? c.denseBytes : 0);
  const choices: PlacementChoice[] = cands.map((c) => ({
    tensor: c.tensor,
    layer: c.layer,
    op: c.op,
    choice: c.expand.encoding ? 'expand' : 'plain',
    encoding: c.expand.encoding ?? 'int8',
    ramBytesExpanded: ramExpanded(c),
    flashBytesExpanded: c.expand.streamBytes,
    ...(c.direct ? {
      ramBytesDirect: c.direct.streamBytes,
      flashBytesDirect: c.direct.streamBytes,
      density: c.direct.density,
      bits: c.direct.bits,
      expectedRatio: c.direct.ratio,
    } : {}),
    reason: c.direct ? '' : 'no direct stream is smaller than the dense weights',
  }));
  let ram = opts.baseRamBytes;
  const goDirect = (i: number, reason: string) => {
    const c = cands[i], ch = choices[i];
    ram -= ch.ramBytesExpanded - c.direct!.streamBytes;
    ch.choice = 'direct';
    ch.encoding = c.direct!.encoding;
    ch.reason = reason;
  };
  cands.forEach((c, i) => {
    if (!c.direct) return;
    const saved = choices[i].ramBytesExpanded - c.direct.streamBytes;
    if (mode === 'direct') goDirect(i, 'placement forced direct');
    else if (mode === 'expand') choices[i].reason = `placement forced ${choices[i].choice}`;
    else if (c.direct.ratio <= 1) goDirect(i, `direct is faster (expected ${fmtRatio(c.direct.ratio)} of dense) and saves ${saved} B of RAM`);
    else choices[i].reason = `dense is faster (direct expected ${fmtRatio(c.direct.ratio)})${opts.ramBudget !== undefined ? ' and the model fits the RAM budget' : ''}`;
  });
  if (mode === 'auto' && opts.ramBudget !== undefined && ram > opts.ramBudget) {
    const order = cands
      .map((c, i) => ({ c, i, saved: choices[i].ramBytesExpanded - (c.direct?.streamBytes ?? Infinity) }))
      .filter((e) => choices[e.i].choice !== 'direct' && e.c.direct && e.saved > 0)
      .sort((a, b) => (a.c.macs * (a.c.direct!.ratio - 1)) / a.saved - (b.c.macs * (b.c.direct!.ratio - 1)) / b.saved);
    for (const { c, i, saved } of order) {
      if (ram <= opts.ramBudget) break;
      goDirect(i, `RAM budget: saves ${saved} B at an expected ${fmtRatio(c.direct!.ratio)} of this layer's dense time`);
    }
  }
  return {
    isa: opts.isa,
    mode,
    ...(opts.ramBudget !== undefined ? { ramBudget: opts.ramBudget } : {}),
    ramBytes: ram,
    fits: opts.ramBudget === undefined || ram <= opts.ramBudget,
    layers: choices,
  };
}

/** RAM a loaded blob takes besides the runtime: resident blob + expanded weights + arena + scratch. */
export function modelRamBytes(blob: Uint8Array): number {
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const u32 = (at: number) => dv.getUint32(at, true);
  const a16 = (n: number) => Math.ceil(n / 16) * 16;
  const external = (u32(F.H_FLAGS) & F.FLAG_WEIGHTS_EXTERNAL) !== 0;
  return a16(external ? u32(F.H_WEIGHTS_OFFSET) : blob.length) + a16(u32(F.H_EXPANDED_SIZE)) + a16(u32(F.H_ARENA_SIZE)) + u32(F.H_WEIGHTS_SCRATCH_SIZE);
}
