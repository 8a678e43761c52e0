// Structured (filter) pruning on a float graph: removes whole output channels of conv2d (group 1)
// and fully_connected layers, chosen by the L1 or L2 norm of their filters, and propagates the
// removal to every reader so the graph stays consistent and the dense layers really get smaller.
//
// From the pruned layer's output the channels are traced forward (NHWC: channels are the last axis)
// through ops that map a zero channel to a zero channel without mixing channels:
//   clamp (0 inside), relu-like LUT ops (tanh, hard_swish, leaky_relu), max/average pool, pad
//   (not on the channel axis), copy, mean (not over channels), add/sub/mul with a constant (its
//   per-channel values are removed too), depthwise_conv2d (its channels, weights and bias go too),
//   concat on the channel axis (indices shift by the input's offset), reshape that keeps the last
//   axis or flattens trailing axes (NHWC flatten → FC: every column k with k % C = c goes);
// and end at the consumers that shrink: conv2d input channels, fully_connected input columns.
// A residual add of two activations keeps a channel unless every input drops it: the layers on the
// other side (found walking back through channel-wise ops and earlier adds) join the pruning group
// and lose the same channels, ranked by their summed normalised norms.
// Anything else (a graph output, sigmoid (σ(0) ≠ 0), softmax, transpose, a residual whose other
// side starts at a graph input, grouped conv, shared weights) stops the layer from being pruned,
// with the reason.
//
// Exactness: the pruned graph computes exactly what the original computes when the removed
// filters, their biases and the per-channel constants met on the way are set to zero
// (`zeroFilterChannels` builds that reference; test/compress-prune.test.ts checks it).
import type { Graph, Node, TensorData } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import { inferShapes } from '../ir/shapes.js';
import { validateGraph } from '../ir/validate.js';
import { runGraph } from '../reference/interpreter.js';

export type NormKind = 'l1' | 'l2';

export interface PruneOptions {
  /** Fraction of output channels to remove from every prunable layer (0 ≤ ratio < 1). */
  ratio?: number;
  /** Per-layer ratios by node name; overrides `ratio` for those layers. */
  perLayer?: Record<string, number>;
  /** Filter ranking norm (default l1). */
  norm?: NormKind;
  /**
   * Calibration samples (one array per graph input): when given, each removed channel is replaced
   * by its mean over these samples, folded into the reader's bias (exact for fully_connected
   * readers; conv2d readers ignore the zero padding at the borders). Without them the channel reads 0.
   */
  samples?: TensorData[][];
  /** Ask convert() to pass its calibration samples as `samples` (recipe "meanCompensation": true). */
  meanCompensation?: boolean;
}

export interface PrunedLayer {
  name: string;
  op: string;
  channelsBefore: number;
  channelsAfter: number;
  /** Removed output channels (indices in the original layer). */
  removed: number[];
  /** Why the layer was left alone (no channels removed). */
  skipped?: string;
  /** The removed channels' calibration means were folded into the readers' biases. */
  meanCompensated?: boolean;
  /** Layers pruned together because residual adds join their outputs (same channels removed). */
  group?: string[];
}

/** Kept original indices along each cut axis of a layer's weights (for reconstructing them in the original layout). */
export type WeightCuts = Record<string, { shape: number[]; kept: Record<number, number[]> }>;

export interface PruneReport {
  norm: NormKind;
  layers: PrunedLayer[];
  /** By layer (node) name: the weights' original shape and, per cut axis, the original indices kept. */
  cuts: WeightCuts;
}

/** Notes which original weight indices survive `trace` (weights = input 1 of the reading node). */
function recordCuts(g: Graph, trace: ChannelTrace, cuts: WeightCuts): void {
  for (const e of trace.edits) {
    const reader = g.consumers(e.tensor)[0];
    if (!reader || reader.inputs[1] !== e.tensor) continue;
    const shape = g.tensor(e.tensor).shape;
    const entry = (cuts[reader.name] ??= { shape: [...shape], kept: {} });
    const kept = entry.kept[e.axis] ?? Array.from({ length: entry.shape[e.axis] }, (_, i) => i);
    const drop = new Set(e.indices);
    entry.kept[e.axis] = kept.filter((_, pos) => !drop.has(pos));
  }
}

/** One constant slice edit: remove (or zero) `indices` along `axis` of constant `tensor`. */
interface ConstEdit {
  tensor: string;
  axis: number;
  indices: number[];
  /** Part of the removed channels' own computation (zeroed in the reference), not a reader's input slice. */
  producerSide: boolean;
  /** Reader edits: the reading node and the activation it reads (for mean compensation). */
  reader?: Node;
  activation?: string;
}

export interface ChannelTrace {
  /** The layers losing the channels: the requested one, plus every layer feeding the other side of
   * a residual add on the way (an add keeps a channel unless all its inputs drop it). */
  members: Node[];
  /** Residual adds met: the other operand must be reached by the trace too. */
  joins: { node: Node; other: string }[];
  edits: ConstEdit[];
  /** Activation tensors whose last axis shrinks, with the indices removed from it. */
  shapes: { tensor: string; indices: number[] }[];
}

const ZERO_PRESERVING_UNARY = new Set(['tanh', 'hard_swish', 'leaky_relu', 'copy']);

function isPrunable(g: Graph, n: Node): boolean {
  if (n.op === 'conv2d') return (n as Node<'conv2d'>).attrs.group === 1 && g.isConstant(n.inputs[1]);
  if (n.op === 'fully_connected') return g.isConstant(n.inputs[1]);
  return false;
}

class TraceError extends Error {}

/** Traces removal of `channels` (output channels of `node`); throws TraceError with the reason. */
function traceFrom(g: Graph, node: Node, channels: number[]): ChannelTrace {
  const members = [node];
  for (let round = 0; round < 64; round++) {
    const trace: ChannelTrace = { members: [...members], joins: [], edits: [], shapes: [] };
    for (const m of members) {
      trace.edits.push({ tensor: m.inputs[1], axis: 0, indices: channels, producerSide: true });
      if (m.inputs[2]) trace.edits.push({ tensor: m.inputs[2], axis: 0, indices: channels, producerSide: true });
      const act = (m.attrs as { activation?: { min: number; max: number } }).activation;
      if (act && !(act.min <= 0 && (act.max === null || act.max >= 0))) throw new TraceError(`${m.op} '${m.name}': its fused activation does not keep 0 at 0`);
      follow(g, m.outputs[0], channels, trace);
    }
    const missing = trace.joins.filter((j) => !trace.shapes.some((s) => s.tensor === j.other));
    if (missing.length === 0) return checkEdits(g, trace);
    // The other side of each residual add must drop the same channels: its layers join the group.
    for (const j of missing) {
      for (const p of branchProducers(g, j.other, j.node)) if (!members.includes(p)) members.push(p);
    }
  }
  throw new TraceError('residual adds chain beyond 64 layers');
}

const BACKWARD_UNARY = new Set(['clamp', 'max_pool2d', 'average_pool2d', 'pad', 'copy', 'tanh', 'hard_swish', 'leaky_relu']);

/** The prunable layers whose channels reach `t` through channel-wise ops (walking backwards). */
function branchProducers(g: Graph, t: string, add: Node): Node[] {
  const p = g.producer(t);
  const why = `residual ${add.op} '${add.name}': its other input '${t}'`;
  if (!p) throw new TraceError(`${why} is a graph input or constant, which cannot drop channels`);
  if (isPrunable(g, p)) return [p];
  if (BACKWARD_UNARY.has(p.op)) return branchProducers(g, p.inputs[0], add);
  if (p.op === 'depthwise_conv2d' && (p as Node<'depthwise_conv2d'>).attrs.depthMultiplier === 1) return branchProducers(g, p.inputs[0], add);
  if (p.op === 'add' || p.op === 'sub' || p.op === 'mul') {
    const acts = p.inputs.filter((x) => x !== '' && !g.isConstant(x));
    return acts.flatMap((x) => branchProducers(g, x, add));
  }
  throw new TraceError(`${why} comes from ${p.op} '${p.name}', which cannot drop channels`);
}

function checkEdits(g: Graph, trace: ChannelTrace): ChannelTrace {
  // Each constant may be edited only from one place, and only when this trace is its only user.
  const seen = new Set<string>();
  for (const e of trace.edits) {
    if (seen.has(e.tensor)) throw new TraceError(`constant '${e.tensor}' would be cut twice`);
    seen.add(e.tensor);
    if (g.consumers(e.tensor).length !== 1) throw new TraceError(`constant '${e.tensor}' is shared by several nodes`);
  }
  return trace;
}

function follow(g: Graph, tensor: string, idx: number[], trace: ChannelTrace): void {
  if (g.outputs.includes(tensor)) throw new TraceError(`its channels reach graph output '${tensor}'`);
  const seen = trace.shapes.find((s) => s.tensor === tensor);
  if (seen) {
    // Both sides of a residual add arrive at its output: fine when they drop the same channels.
    if (seen.indices.length === idx.length && seen.indices.every((v, i) => v === idx[i])) return;
    throw new TraceError(`tensor '${tensor}' is reached twice with different channels`);
  }
  trace.shapes.push({ tensor, indices: idx });
  const shape = g.tensor(tensor).shape;
  const C = shape[shape.length - 1];
  for (const c of g.consumers(tensor)) {
    const where = `${c.op} '${c.name}'`;
    const out = c.outputs[0];
    switch (c.op) {
      case 'clamp': {
        const a = (c as Node<'clamp'>).attrs;
        if (!(a.min <= 0 && a.max >= 0)) throw new TraceError(`${where} does not keep 0 at 0`);
        follow(g, out, idx, trace);
        break;
      }
      case 'max_pool2d':
      case 'average_pool2d': {
        const act = (c as Node<'max_pool2d'>).attrs.activation;
        if (act && !(act.min <= 0 && (act.max === null || act.max >= 0))) throw new TraceError(`${where}: its activation does not keep 0 at 0`);
        follow(g, out, idx, trace);
        break;
      }
      case 'tanh':
      case 'hard_swish':
      case 'leaky_relu':
      case 'copy':
        if (!ZERO_PRESERVING_UNARY.has(c.op)) throw new TraceError(`${where} does not keep 0 at 0`);
        follow(g, out, idx, trace);
        break;
      case 'pad': {
        const a = (c as Node<'pad'>).attrs;
        const last = a.begin.length - 1;
        if (a.begin[last] !== 0 || a.end[last] !== 0) throw new TraceError(`${where} pads the channel axis`);
        if (a.mode === 'constant' && a.value !== 0) throw new TraceError(`${where} pads with ${a.value}, not 0`);
        follow(g, out, idx, trace);
        break;
      }
      case 'mean': {
        const rank = shape.length;
        const axes = (c as Node<'mean'>).attrs.axes.map((a) => (a < 0 ? a + rank : a));
        if (axes.includes(rank - 1)) throw new TraceError(`${where} averages over channels`);
        follow(g, out, idx, trace);
        break;
      }
      case 'reshape': {
        const outShape = g.tensor(out).shape;
        const L = outShape[outShape.length - 1];
        if (L === C) {
          follow(g, out, idx, trace);
        } else if (L % C === 0 && trailingProduct(shape, L)) {
          // NHWC flatten: element k of the flattened axis is channel k % C.
          const remove = new Set(idx);
          const flat: number[] = [];
          for (let k = 0; k < L; k++) if (remove.has(k % C)) flat.push(k);
          follow(g, out, flat, trace);
        } else {
          throw new TraceError(`${where} reshapes [${shape}] to [${outShape}], which mixes the channel axis`);
        }
        break;
      }
      case 'depthwise_conv2d': {
        if (c.inputs[0] !== tensor) throw new TraceError(`${where} reads it as weights`);
        const a = (c as Node<'depthwise_conv2d'>).attrs;
        if (a.activation && !(a.activation.min <= 0 && (a.activation.max === null || a.activation.max >= 0))) {
          throw new TraceError(`${where}: its activation does not keep 0 at 0`);
        }
        if (!g.isConstant(c.inputs[1])) throw new TraceError(`${where} has non-constant weights`);
        const M = a.depthMultiplier;
        const outIdx = idx.flatMap((ch) => Array.from({ length: M }, (_, m) => ch * M + m));
        const wRank = g.tensor(c.inputs[1]).shape.length;
        trace.edits.push({ tensor: c.inputs[1], axis: wRank - 1, indices: outIdx, producerSide: true });
        if (c.inputs[2]) trace.edits.push({ tensor: c.inputs[2], axis: 0, indices: outIdx, producerSide: true });
        follow(g, out, outIdx, trace);
        break;
      }
      case 'conv2d': {
        if (c.inputs[0] !== tensor) throw new TraceError(`${where} reads it as weights`);
        if ((c as Node<'conv2d'>).attrs.group !== 1) throw new TraceError(`${where} is a grouped convolution`);
        if (!g.isConstant(c.inputs[1])) throw new TraceError(`${where} has non-constant weights`);
        trace.edits.push({ tensor: c.inputs[1], axis: 3, indices: idx, producerSide: false, reader: c, activation: tensor });
        break;
      }
      case 'fully_connected': {
        if (c.inputs[0] !== tensor) throw new TraceError(`${where} reads it as weights`);
        if (!g.isConstant(c.inputs[1])) throw new TraceError(`${where} has non-constant weights`);
        if (g.tensor(c.inputs[1]).shape[1] !== C) throw new TraceError(`${where} reads [${shape}] as rows of ${g.tensor(c.inputs[1]).shape[1]}`);
        trace.edits.push({ tensor: c.inputs[1], axis: 1, indices: idx, producerSide: false, reader: c, activation: tensor });
        break;
      }
      case 'add':
      case 'sub':
      case 'mul': {
        const other = c.inputs[0] === tensor ? c.inputs[1] : c.inputs[0];
        if (other === tensor) throw new TraceError(`${where} reads the tensor twice`);
        if (!g.isConstant(other)) {
          if (c.op === 'mul') throw new TraceError(`${where} multiplies it with another activation ('${other}')`);
          // A residual add: the channel goes only if every input drops it (checked by traceFrom).
          trace.joins.push({ node: c, other });
          const act = (c.attrs as { activation?: { min: number; max: number } }).activation;
          if (act && !(act.min <= 0 && (act.max === null || act.max >= 0))) throw new TraceError(`${where}: its activation does not keep 0 at 0`);
          if (g.tensor(out).shape[g.tensor(out).shape.length - 1] !== C) throw new TraceError(`${where} broadcasts the channel axis`);
          follow(g, out, idx, trace);
          break;
        }
        const os = g.tensor(other).shape;
        if (numel(os) === 1 && c.op !== 'mul' && (g.tensor(other).data as Float32Array)[0] !== 0) {
          throw new TraceError(`${where} adds a nonzero scalar, so a removed channel would not read 0`);
        }
        if (numel(os) !== 1) {
          if (os[os.length - 1] !== C || numel(os) !== C) throw new TraceError(`${where}: constant '${other}' of shape [${os}] is not per-channel`);
          trace.edits.push({ tensor: other, axis: os.length - 1, indices: idx, producerSide: c.op !== 'mul' });
        }
        if (g.tensor(out).shape[g.tensor(out).shape.length - 1] !== C) throw new TraceError(`${where} broadcasts the channel axis`);
        const act = (c.attrs as { activation?: { min: number; max: number } }).activation;
        if (act && !(act.min <= 0 && (act.max === null || act.max >= 0))) throw new TraceError(`${where}: its activation does not keep 0 at 0`);
        follow(g, out, idx, trace);
        break;
      }
      case 'concat': {
        const rank = shape.length;
        const a = (c as Node<'concat'>).attrs;
        const axis = a.axis < 0 ? a.axis + rank : a.axis;
        if (axis !== rank - 1) throw new TraceError(`${where} concatenates along axis ${a.axis}, not channels`);
        if (c.inputs.filter((t) => t === tensor).length !== 1) throw new TraceError(`${where} reads the tensor twice`);
        let offset = 0;
        for (const t of c.inputs) {
          if (t === tensor) break;
          if (t === '') continue;
          const s = g.tensor(t).shape;
          offset += s[s.length - 1];
        }
        follow(g, out, idx.map((i) => i + offset), trace);
        break;
      }
      default:
        throw new TraceError(`${where} reads it (no channel-wise rule for ${c.op})`);
    }
  }
}

/** True when the last `L` elements per row of `shape` are a product of its trailing dims. */
function trailingProduct(shape: number[], L: number): boolean {
  let p = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    p *= shape[d];
    if (p === L) return true;
    if (p > L) return false;
  }
  return false;
}

/** The channel trace for pruning `channels` of `node`, or the reason it cannot be pruned. */
export function planFilterPrune(g: Graph, node: Node, channels: number[]): ChannelTrace | { reason: string } {
  if (!isPrunable(g, node)) return { reason: `${node.op} is not a prunable layer (conv2d group 1 or fully_connected with constant weights)` };
  try {
    return traceFrom(g, node, channels);
  } catch (e) {
    if (e instanceof TraceError) return { reason: e.message };
    throw e;
  }
}

/** Copy of `data` (shape `shape`) without the `indices` along `axis`. */
export function removeSlices(data: TensorData, shape: number[], axis: number, indices: number[]): { data: TensorData; shape: number[] } {
  const drop = new Set(indices);
  const outer = numel(shape.slice(0, axis));
  const n = shape[axis];
  const inner = numel(shape.slice(axis + 1));
  const keep = Array.from({ length: n }, (_, i) => i).filter((i) => !drop.has(i));
  const out = new (data.constructor as { new (n: number): TensorData })(outer * keep.length * inner) as Float32Array;
  const src = data as Float32Array;
  let o = 0;
  for (let a = 0; a < outer; a++) {
    for (const k of keep) {
      const base = (a * n + k) * inner;
      for (let i = 0; i < inner; i++) out[o++] = src[base + i];
    }
  }
  const newShape = [...shape];
  newShape[axis] = keep.length;
  return { data: out, shape: newShape };
}

function zeroSlices(data: TensorData, shape: number[], axis: number, indices: number[]): void {
  const outer = numel(shape.slice(0, axis));
  const n = shape[axis];
  const inner = numel(shape.slice(axis + 1));
  const d = data as Float32Array;
  for (let a = 0; a < outer; a++) for (const k of indices) d.fill(0, (a * n + k) * inner, (a * n + k + 1) * inner);
}

function applyTrace(g: Graph, trace: ChannelTrace): void {
  for (const e of trace.edits) {
    const t = g.tensor(e.tensor);
    const r = removeSlices(t.data!, t.shape, e.axis, e.indices);
    t.data = r.data;
    t.shape = r.shape;
    t.quant = undefined;
  }
  for (const s of trace.shapes) {
    const t = g.tensor(s.tensor);
    t.shape = [...t.shape.slice(0, -1), t.shape[t.shape.length - 1] - s.indices.length];
  }
}

/** Per-channel (last axis) means of `tensors` over the samples, from the float graph. */
function channelMeans(g: Graph, tensors: string[], samples: TensorData[][]): Map<string, Float64Array> {
  const acc = new Map<string, { sum: Float64Array; rows: number }>();
  for (const t of tensors) {
    const shape = g.tensor(t).shape;
    acc.set(t, { sum: new Float64Array(shape[shape.length - 1]), rows: 0 });
  }
  samples.forEach((sample, s) => {
    try {
      runGraph(g, sample, {
        observe(name, value) {
          const a = acc.get(name);
          if (!a || !(value.data instanceof Float32Array)) return;
          const C = a.sum.length;
          for (let i = 0; i < value.data.length; i++) a.sum[i % C] += value.data[i];
          a.rows += value.data.length / C;
        },
      });
    } catch (e) {
      throw new Error(`prune: calibration sample ${s}: the float graph failed: ${(e as Error).message}`);
    }
  });
  return new Map([...acc].map(([t, a]) => [t, a.sum.map((v) => v / Math.max(1, a.rows))]));
}

/** Folds the removed input channels' means into each reader's bias: b[o] += Σ_taps W[o,…,c]·mean[c]. */
function compensateWithMeans(g: Graph, trace: ChannelTrace, samples: TensorData[][]): void {
  const readers = trace.edits.filter((e) => e.reader && e.activation);
  if (readers.length === 0) return;
  const means = channelMeans(g, [...new Set(readers.map((e) => e.activation!))], samples);
  for (const e of readers) {
    const node = e.reader!;
    const w = g.tensor(e.tensor);
    const data = w.data as Float32Array;
    const O = w.shape[0];
    const C = w.shape[w.shape.length - 1];
    const per = data.length / O;
    const m = means.get(e.activation!)!;
    const shift = new Float64Array(O);
    for (const c of e.indices) {
      if (m[c] === 0) continue;
      for (let o = 0; o < O; o++) {
        let s = 0;
        for (let i = c; i < per; i += C) s += data[o * per + i];
        shift[o] += s * m[c];
      }
    }
    const old = node.inputs[2] ? (g.tensor(node.inputs[2]).data as Float32Array) : new Float32Array(O);
    const name = g.uniqueName(`${node.name}_bias_pruned`);
    g.addTensor({ name, dtype: 'f32', shape: [O], data: Float32Array.from(old, (b, o) => b + shift[o]) });
    node.inputs[2] = name;
  }
}

/** Per-output-channel norms of a conv2d [O,KH,KW,C] or fully_connected [N,K] weight. */
export function filterNorms(w: Float32Array, outChannels: number, norm: NormKind): Float64Array {
  const per = w.length / outChannels;
  const out = new Float64Array(outChannels);
  for (let o = 0; o < outChannels; o++) {
    let s = 0;
    for (let i = o * per; i < (o + 1) * per; i++) s += norm === 'l1' ? Math.abs(w[i]) : w[i] * w[i];
    out[o] = norm === 'l1' ? s : Math.sqrt(s);
  }
  return out;
}

/** The `count` channels with the smallest norms (ties: lower index first), ascending. */
export function weakestChannels(norms: Float64Array, count: number): number[] {
  const order = Array.from(norms.keys()).sort((a, b) => norms[a] - norms[b] || a - b);
  return order.slice(0, count).sort((a, b) => a - b);
}

/** Removes `channels` of `node` and everything that reads them; throws when it cannot. */
export function removeFilterChannels(g: Graph, node: Node, channels: number[]): void {
  const plan = planFilterPrune(g, node, channels);
  if ('reason' in plan) throw new Error(`prune: ${node.op} '${node.name}': ${plan.reason}`);
  applyTrace(g, plan);
  inferShapes(g);
  validateGraph(g);
}

/**
 * The exactness reference: zeroes (in place) the removed channels' filters, biases and the
 * per-channel constants on their way, without changing any shape.
 */
export function zeroFilterChannels(g: Graph, node: Node, channels: number[]): void {
  const plan = planFilterPrune(g, node, channels);
  if ('reason' in plan) throw new Error(`prune: ${node.op} '${node.name}': ${plan.reason}`);
  for (const e of plan.edits) {
    if (!e.producerSide) continue;
    const t = g.tensor(e.tensor);
    t.data = (t.data as Float32Array).slice();
    zeroSlices(t.data, t.shape, e.axis, e.indices);
  }
}

/**
 * Filter pruning over the whole graph: every prunable layer loses round(ratio × channels) of its
 * weakest output channels (at least one channel stays), unless its trace stops somewhere (then it
 * is reported as skipped with the reason).
 */
export function pruneFilters(g: Graph, opts: PruneOptions): PruneReport {
  const norm = opts.norm ?? 'l1';
  if (norm !== 'l1' && norm !== 'l2') throw new Error(`prune: norm must be l1 or l2, not '${String(norm)}'`);
  const check = (r: number, what: string) => {
    if (!(r >= 0 && r < 1)) throw new Error(`prune: ${what} ratio ${r} must be in [0, 1)`);
  };
  if (opts.ratio !== undefined) check(opts.ratio, 'the');
  for (const [name, r] of Object.entries(opts.perLayer ?? {})) {
    check(r, `layer '${name}'`);
    const n = g.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`prune: no layer named '${name}' (names as \`mote inspect\` shows)`);
    if (!isPrunable(g, n)) throw new Error(`prune: layer '${name}' is a ${n.op}; only conv2d (group 1) and fully_connected filters can be pruned`);
  }
  const layers: PrunedLayer[] = [];
  const cuts: WeightCuts = {};
  const done = new Set<string>();
  for (const node of [...g.nodes]) {
    if (!isPrunable(g, node) || done.has(node.name)) continue;
    const ratio = opts.perLayer?.[node.name] ?? opts.ratio ?? 0;
    const C = g.tensor(node.inputs[1]).shape[0];
    const count = Math.min(C - 1, Math.round(ratio * C));
    const entry: PrunedLayer = { name: node.name, op: node.op, channelsBefore: C, channelsAfter: C, removed: [] };
    layers.push(entry);
    if (count <= 0) continue;
    // Probe the group first (layers on the other side of residual adds prune together).
    const probe = planFilterPrune(g, node, []);
    if ('reason' in probe) {
      entry.skipped = probe.reason;
      continue;
    }
    const members = probe.members;
    // Rank channels by the members' norms, each normalised by its mean so no layer dominates.
    const score = new Float64Array(C);
    for (const m of members) {
      const n = filterNorms(g.tensor(m.inputs[1]).data as Float32Array, C, norm);
      const mean = n.reduce((a, b) => a + b, 0) / C || 1;
      n.forEach((v, c) => (score[c] += v / mean));
    }
    const channels = weakestChannels(score, count);
    const plan = planFilterPrune(g, node, channels);
    if ('reason' in plan) {
      entry.skipped = plan.reason;
      continue;
    }
    recordCuts(g, plan, cuts);
    if (opts.samples?.length) {
      compensateWithMeans(g, plan, opts.samples);
      entry.meanCompensated = true;
    }
    applyTrace(g, plan);
    for (const m of members) {
      done.add(m.name);
      const e = m === node ? entry : { name: m.name, op: m.op, channelsBefore: C, channelsAfter: C, removed: [] as number[] };
      if (m !== node) layers.push(e);
      e.removed = channels;
      e.channelsAfter = C - channels.length;
      if (members.length > 1) e.group = members.map((x) => x.name);
      if (entry.meanCompensated) e.meanCompensated = true;
    }
  }
  g.removeUnusedTensors();
  inferShapes(g);
  validateGraph(g);
  return { norm, layers, cuts };
}
