// sink-transposes: the importer wraps every NCHW spatial op in NCHW→NHWC and NHWC→NCHW
// transposes. This pass moves each transpose down past ops that do not care about the layout
// (elementwise ops, binary ops with a constant or an equally transposed operand, batch_norm, mean,
// reduce_max / reduce_min, softmax, pad, concat, strided_slice), adjusting their constants and axes, and cancels a transpose
// with the one that follows it. A transpose read only by slices (an NCHW Split) is first copied per
// slice, so each copy can sink below its slice. An NCHW model then runs NHWC end to end. What is left:
//  - a transpose before a flatten that feeds a fully_connected is folded into the FC's weight
//    columns (the flatten then reads NHWC order);
//  - a transpose that only moves size-1 dims is a reshape (no data moves);
//  - at most one transpose at each graph boundary.
import type {
  BatchNormAttrs,
  ConcatAttrs,
  Graph,
  MeanAttrs,
  Node,
  PadAttrs,
  SoftmaxAttrs,
  StridedSliceAttrs,
  TransposeAttrs,
} from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import { broadcastShapes, inferNodeShapes } from '../ir/shapes.js';
import { removeDeadNodes, removeIdentity } from './remove-identity.js';
import { addConstant, constF32, insertAfter, invertPerm, isGraphOutput, removeNode, soleConsumer, transposeData, uniqueNodeName } from './util.js';

const UNARY = new Set(['clamp', 'leaky_relu', 'sigmoid', 'tanh', 'hard_swish', 'copy', 'unary']);
const BINARY = new Set(['add', 'sub', 'mul', 'div', 'maximum', 'minimum']);

function permOf(n: Node): number[] {
  return (n.attrs as TransposeAttrs).perm;
}

function samePerm(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Moves transpose `t` (already disconnected from its old consumer) below `u`: u now reads the
 * untransposed value, and `t` transposes u's result into u's old output tensor. */
function moveBelow(g: Graph, t: Node, u: Node): void {
  const uOut = u.outputs[0];
  const ut = g.tensor(uOut);
  const pre = g.uniqueName(`${uOut}/pre_transpose`);
  g.addTensor({ name: pre, dtype: ut.dtype, shape: [], quant: ut.quant });
  u.outputs = [pre];
  inferNodeShapes(g, u);
  const y = t.outputs[0];
  t.inputs = [pre];
  t.outputs = [uOut];
  removeNode(g, t);
  insertAfter(g, u, t);
  g.tensors.delete(y);
}

/** A constant operand of a binary op, re-laid-out for the untransposed operand. */
function permuteConstant(g: Graph, c: string, perm: number[], outRank: number): string | undefined {
  const t = g.tensor(c);
  if (!t.data || t.shape.length > outRank) return undefined;
  const full = [...new Array(outRank - t.shape.length).fill(1), ...t.shape];
  const { shape, data } = transposeData(t.data, full, invertPerm(perm));
  return addConstant(g, `${c}/nhwc`, { dtype: t.dtype, shape, data, quant: t.quant });
}

/** Tries to move `t` below its only consumer `u`. */
function trySink(g: Graph, t: Node, u: Node): boolean {
  if (u.outputs.length !== 1) return false;
  const p = permOf(t);
  const x = t.inputs[0];
  const y = t.outputs[0];
  const rank = p.length;

  if (UNARY.has(u.op)) {
    u.inputs = [x];
  } else if (BINARY.has(u.op)) {
    const yShape = g.tensor(y).shape;
    const outShape = broadcastShapes(g.tensor(u.inputs[0]).shape, g.tensor(u.inputs[1]).shape);
    if (!outShape || !samePerm(outShape, yShape)) return false; // the op would broadcast y itself
    const newInputs: string[] = [];
    const extraDead: Node[] = [];
    for (const inp of u.inputs) {
      if (inp === y) {
        newInputs.push(x);
        continue;
      }
      const other = g.producer(inp);
      if (other && other.op === 'transpose' && samePerm(permOf(other), p) && soleConsumer(g, inp) === u) {
        newInputs.push(other.inputs[0]);
        extraDead.push(other);
        continue;
      }
      if (!g.isConstant(inp)) {
        // A residual input that is also transposed back elsewhere (x → to_nhwc → conv, and x →
        // add): reuse that transpose, so the add can run in the transposed layout for free.
        const inv = invertPerm(p);
        const uIndex = g.nodes.indexOf(u);
        const back = g.nodes.find(
          (n, i) => i < uIndex && n.op === 'transpose' && n.inputs[0] === inp && samePerm(permOf(n), inv),
        );
        if (!back || g.tensor(inp).shape.length !== rank) return false;
        newInputs.push(back.outputs[0]);
        continue;
      }
      const c = permuteConstant(g, inp, p, rank);
      if (!c) return false;
      newInputs.push(c);
    }
    u.inputs = newInputs;
    for (const d of extraDead) removeNode(g, d);
  } else if (u.op === 'batch_norm') {
    if (u.inputs[0] !== y) return false;
    u.inputs = [x, ...u.inputs.slice(1)];
    const a = u.attrs as BatchNormAttrs;
    u.attrs = { ...a, axis: p[a.axis] };
  } else if (u.op === 'mean' || u.op === 'reduce_max' || u.op === 'reduce_min' || u.op === 'reduce_sum') {
    u.inputs = [x];
    const a = u.attrs as MeanAttrs;
    u.attrs = { ...a, axes: a.axes.map((ax) => p[ax]).sort((i, j) => i - j) };
  } else if (u.op === 'softmax') {
    u.inputs = [x];
    const a = u.attrs as SoftmaxAttrs;
    u.attrs = { ...a, axis: p[a.axis] };
  } else if (u.op === 'pad') {
    u.inputs = [x];
    const a = u.attrs as PadAttrs;
    const begin = new Array<number>(rank);
    const end = new Array<number>(rank);
    p.forEach((src, i) => {
      begin[src] = a.begin[i];
      end[src] = a.end[i];
    });
    u.attrs = { ...a, begin, end };
  } else if (u.op === 'strided_slice') {
    u.inputs = [x];
    const a = u.attrs as StridedSliceAttrs;
    const begin = new Array<number>(rank);
    const strides = new Array<number>(rank);
    const size = new Array<number>(rank);
    p.forEach((src, i) => {
      begin[src] = a.begin[i];
      strides[src] = a.strides[i];
      size[src] = a.size[i];
    });
    u.attrs = { begin, strides, size };
  } else if (u.op === 'concat') {
    // Every input must be transposed the same way (and read only here).
    const producers = u.inputs.map((i) => g.producer(i));
    if (!producers.every((q, k) => q && q.op === 'transpose' && samePerm(permOf(q), p) && soleConsumer(g, u.inputs[k]) === u)) return false;
    u.inputs = producers.map((q) => q!.inputs[0]);
    for (const q of producers) if (q !== t) removeNode(g, q!);
    const a = u.attrs as ConcatAttrs;
    u.attrs = { ...a, axis: p[a.axis] };
  } else {
    return false;
  }
  moveBelow(g, t, u);
  return true;
}

/**
 * A transpose read only by strided_slices (each once): every slice after the first gets its own
 * copy of the transpose, so each can sink below its slice. The copies move no more bytes in total
 * than the one transpose when the slices do not overlap, and usually cancel against the next op's.
 */
function fanOutToSlices(g: Graph, t: Node): boolean {
  const y = t.outputs[0];
  if (isGraphOutput(g, y)) return false;
  const readers = g.consumers(y);
  if (readers.length < 2 || !readers.every((n) => n.op === 'strided_slice' && n.inputs.length === 1)) return false;
  const yt = g.tensor(y);
  for (const r of readers.slice(1)) {
    const copy = g.uniqueName(`${y}/for_${r.name}`);
    g.addTensor({ name: copy, dtype: yt.dtype, shape: [...yt.shape], quant: yt.quant });
    const tc: Node = { ...t, name: uniqueNodeName(g, `${t.name}/for_${r.name}`), outputs: [copy], attrs: { perm: [...permOf(t)] } };
    insertAfter(g, t, tc);
    r.inputs = [copy];
  }
  return true;
}

/** One rewrite; true when something changed. */
function sinkStep(g: Graph): boolean {
  for (const t of g.nodes) {
    if (t.op !== 'transpose') continue;
    const producer = g.producer(t.inputs[0]);
    if (producer && producer.op === 'transpose') {
      // transpose(transpose(x, p0), p1) = transpose(x, p0∘p1).
      const p0 = permOf(producer);
      t.inputs = [producer.inputs[0]];
      t.attrs = { perm: permOf(t).map((i) => p0[i]) };
      return true;
    }
    const u = soleConsumer(g, t.outputs[0]);
    if (u && trySink(g, t, u)) return true;
    if (fanOutToSlices(g, t)) return true;
  }
  return false;
}

/**
 * transpose(x, p) with p[0] = 0 → reshape to [rows, K] → fully_connected: drop the transpose and
 * permute the FC weight columns instead, so the FC reads x's order directly.
 */
function foldTransposeIntoFc(g: Graph): boolean {
  let changed = false;
  for (const fc of [...g.nodes]) {
    if (fc.op !== 'fully_connected') continue;
    const r = g.producer(fc.inputs[0]);
    if (!r || r.op !== 'reshape' || soleConsumer(g, fc.inputs[0]) !== fc) continue;
    const t = g.producer(r.inputs[0]);
    if (!t || t.op !== 'transpose' || soleConsumer(g, r.inputs[0]) !== r) continue;
    const p = permOf(t);
    const w = constF32(g, fc.inputs[1]);
    if (p[0] !== 0 || !w) continue;
    const yShape = g.tensor(t.outputs[0]).shape;
    const xShape = g.tensor(t.inputs[0]).shape;
    const [n, k] = g.tensor(fc.inputs[1]).shape;
    if (numel(yShape.slice(1)) !== k) continue;
    const q = invertPerm(p);
    const { data } = transposeData(w, [n, ...yShape.slice(1)], q);
    fc.inputs[1] = addConstant(g, `${fc.name}/weights_nhwc`, { dtype: 'f32', shape: [n, k], data });
    r.inputs = [t.inputs[0]];
    if (numel(xShape) !== numel(g.tensor(r.outputs[0]).shape)) throw new Error('internal: FC transpose fold changed size');
    changed = true;
  }
  return changed;
}

/** A transpose that keeps the order of all dims larger than 1 moves no data: make it a reshape. */
function trivialTransposesToReshapes(g: Graph): boolean {
  let changed = false;
  for (const t of g.nodes) {
    if (t.op !== 'transpose') continue;
    const s = g.tensor(t.inputs[0]).shape;
    const moved = permOf(t).filter((i) => s[i] !== 1);
    if (moved.every((v, i) => i === 0 || moved[i - 1] < v)) {
      t.op = 'reshape';
      t.attrs = {};
      changed = true;
    }
  }
  return changed;
}

export function sinkTransposes(g: Graph): boolean {
  let changed = false;
  for (let guard = 0; guard < 100_000; guard++) {
    const stepped = sinkStep(g);
    const cleaned = removeIdentity(g);
    if (!stepped && !cleaned) break;
    changed = true;
  }
  if (foldTransposeIntoFc(g)) changed = true;
  if (trivialTransposesToReshapes(g)) changed = true;
  removeDeadNodes(g);
  removeIdentity(g);
  return changed;
}
