// fold-qdq: folds the QDQ pattern (dequantize → float op → quantize) into one int8 IR op on s8
// tensors that carry the pattern's scales and zero points. This is the form ONNX Runtime's
// quantize_static writes, and the form the ONNX importer gives QLinearConv / QLinearMatMul
// (converter/import/onnx-quant.ts). prepareInt8 then computes the integer parameters.
//
// Steps, repeated until nothing changes:
//  1. layout ops (transpose, reshape) move across Q/DQ, which commute with them: a dequantize
//     sinks below them, a quantize rises above them, so s8 data flows through the layout op; a
//     dequantize also sinks below a strided_slice (Split, Slice, Gather), whose s8 form keeps the
//     scale (a quantize does not rise above one: it would then convert the whole input);
//  2. an op whose data inputs all come from dequantize nodes and whose only reader is a quantize
//     becomes int8: conv2d / depthwise_conv2d / fully_connected / transpose_conv2d take back the
//     original int8 weights and int32 bias (noted by the importer), the others are retyped;
//  3. dequantize → quantize becomes nothing (same parameters; a copy into a graph output) or a
//     requantize; requantizes rise above layout ops, so the transposes around them can cancel.
// Whatever does not match stays as explicit quantize/dequantize nodes around float ops (mixed
// precision). Weights are taken back only when the f32 weights are bit-exactly scale·q for int8
// q, so a folded batch norm or a Gemm alpha ≠ 1 leaves the op float rather than changing it.
import type { Graph, Node, OpName, QuantParams, Tensor } from '../ir/graph.js';
import { inferNodeShapes } from '../ir/shapes.js';
import { addConstant, insertAfter, isGraphOutput, removeNode, replaceUses, soleConsumer, uniqueNodeName } from './util.js';

/** A constant the importer dequantized: its integers, parameters and the f32 values it became. */
export interface DequantizedConstant {
  ints: Int32Array;
  shape: number[];
  scale: number[];
  zeroPoint: number[];
  axis?: number;
  values: Float32Array;
}

const notes = new WeakMap<Graph, DequantizedConstant[]>();

/** Called by the importer for every constant it dequantizes (weights, int32 biases). */
export function noteDequantizedConstant(g: Graph, c: DequantizedConstant): void {
  let list = notes.get(g);
  if (!list) notes.set(g, (list = []));
  list.push(c);
}

export function dequantizedConstants(g: Graph): readonly DequantizedConstant[] {
  return notes.get(g) ?? [];
}

const LAYOUT = new Set<OpName>(['transpose', 'reshape']);
/** Ops a dequantize sinks below: the layout ops and slices. */
const DEQUANTIZE_SINKS = new Set<OpName>([...LAYOUT, 'strided_slice']);
/** Ops whose s8 kernel needs the output to share the input's scale and zero point. */
const SAME_QUANT = new Set<OpName>(['max_pool2d', 'average_pool2d', 'pad', 'clamp', 'concat', 'resize', 'maximum', 'minimum', 'reduce_max', 'reduce_min']);
/** SAME_QUANT ops with several inputs, each brought to the output's parameters first: concat copies
 * bytes, maximum / minimum compare raw codes. */
const INPUTS_ON_OUTPUT_GRID = new Set<OpName>(['concat', 'maximum', 'minimum']);
/** Ops retyped as they are (their s8 kernels rescale, or prepareInt8 makes a table). */
const RESCALING = new Set<OpName>(['add', 'sub', 'mul', 'mean', 'sigmoid', 'tanh', 'hard_swish', 'leaky_relu', 'unary', 'reduce_sum']);
const WEIGHTED = new Set<OpName>(['conv2d', 'depthwise_conv2d', 'fully_connected', 'transpose_conv2d']);

function perTensor(q: QuantParams | undefined): q is QuantParams {
  return !!q && q.scale.length === 1 && q.zeroPoint.length === 1;
}

function sameQuant(a: QuantParams, b: QuantParams): boolean {
  return Math.fround(a.scale[0]) === Math.fround(b.scale[0]) && a.zeroPoint[0] === b.zeroPoint[0];
}

function producerOp(g: Graph, name: string, op: OpName): Node | undefined {
  const p = g.producer(name);
  return p && p.op === op ? p : undefined;
}

/** A dequantize node reading a per-tensor s8 tensor. */
function dequantizeOf(g: Graph, name: string): Node | undefined {
  const d = producerOp(g, name, 'dequantize');
  if (!d) return undefined;
  const src = g.tensor(d.inputs[0]);
  return src.dtype === 's8' && perTensor(src.quant) ? d : undefined;
}

/** The quantize node that is the only reader of `name` (per-tensor, s8). */
function quantizeReader(g: Graph, name: string): Node | undefined {
  const q = soleConsumer(g, name);
  if (!q || q.op !== 'quantize') return undefined;
  const t = g.tensor(q.outputs[0]);
  return t.dtype === 's8' && perTensor(t.quant) ? q : undefined;
}

function newTensor(g: Graph, base: string, like: Omit<Tensor, 'name'>): string {
  const name = g.uniqueName(base);
  g.addTensor({ name, ...like });
  return name;
}

function dropIfDead(g: Graph, node: Node): void {
  if (node.outputs.every((o) => !isGraphOutput(g, o) && g.consumers(o).length === 0)) {
    removeNode(g, node);
    for (const o of node.outputs) g.tensors.delete(o);
  }
}

// ---- 1. Q/DQ across layout ops -----------------------------------------------------------------

function sinkDequantize(g: Graph): boolean {
  let changed = false;
  for (const layout of [...g.nodes]) {
    if (!DEQUANTIZE_SINKS.has(layout.op) || !g.nodes.includes(layout)) continue;
    const dq = dequantizeOf(g, layout.inputs[0]);
    if (!dq) continue;
    const src = g.tensor(dq.inputs[0]);
    const out = g.tensor(layout.outputs[0]);
    // layout(s8) → dequantize writes the layout op's old output.
    const moved = newTensor(g, `${out.name}/s8`, { dtype: 's8', shape: [...out.shape], quant: { ...src.quant!, scale: [...src.quant!.scale], zeroPoint: [...src.quant!.zeroPoint] } });
    const s8Layout: Node = { ...layout, name: uniqueNodeName(g, `${layout.name}/s8`), inputs: [src.name], outputs: [moved] };
    const newDq: Node = { ...dq, name: uniqueNodeName(g, `${dq.name}/after_${layout.op}`), inputs: [moved], outputs: [out.name] };
    const at = g.nodes.indexOf(layout);
    g.nodes.splice(at, 1, s8Layout, newDq);
    dropIfDead(g, dq);
    changed = true;
  }
  return changed;
}

function raiseQuantize(g: Graph): boolean {
  let changed = false;
  for (const layout of [...g.nodes]) {
    if (!LAYOUT.has(layout.op) || !g.nodes.includes(layout)) continue;
    const q = quantizeReader(g, layout.outputs[0]);
    if (!q) continue;
    const x = g.tensor(layout.inputs[0]);
    if (x.dtype !== 'f32') continue;
    const qOut = g.tensor(q.outputs[0]);
    const pre = newTensor(g, `${x.name}/s8`, { dtype: 's8', shape: [...x.shape], quant: qOut.quant });
    const newQ: Node = { ...q, name: uniqueNodeName(g, `${q.name}/before_${layout.op}`), inputs: [x.name], outputs: [pre] };
    const old = layout.outputs[0];
    layout.inputs = [pre];
    layout.outputs = [qOut.name];
    removeNode(g, q);
    g.nodes.splice(g.nodes.indexOf(layout), 0, newQ);
    g.tensors.delete(old);
    changed = true;
  }
  return changed;
}

/** layout(x) → requantize becomes requantize(x) → layout, so layout ops meet again (concat inputs). */
function raiseRequantize(g: Graph): boolean {
  let changed = false;
  for (const rq of [...g.nodes]) {
    if (rq.op !== 'requantize' || !g.nodes.includes(rq)) continue;
    const layout = g.producer(rq.inputs[0]);
    if (!layout || !LAYOUT.has(layout.op) || soleConsumer(g, layout.outputs[0]) !== rq) continue;
    const x = g.tensor(layout.inputs[0]);
    const y = g.tensor(rq.outputs[0]);
    const mid = newTensor(g, `${x.name}/requantized`, { dtype: 's8', shape: [...x.shape], quant: y.quant });
    const old = layout.outputs[0];
    rq.inputs = [x.name];
    rq.outputs = [mid];
    layout.inputs = [mid];
    layout.outputs = [y.name];
    removeNode(g, rq);
    g.nodes.splice(g.nodes.indexOf(layout), 0, rq);
    g.tensors.delete(old);
    changed = true;
  }
  return changed;
}

// ---- 2. float op → int8 op ---------------------------------------------------------------------

/** Output-channel axis of a weighted op's IR weights. */
function channelAxis(node: Node, w: Tensor): number {
  return node.op === 'depthwise_conv2d' ? w.shape.length - 1 : 0;
}

function channelIndex(i: number, shape: number[], axis: number): number {
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  return Math.floor(i / inner) % shape[axis];
}

/** Output channels per group: ONNX ConvTranspose's per-channel weight axis 1 of [C, M/group, k...]
 * has M/group scales, output channel o taking scale o mod M/group. */
function channelsPerScaleGroup(node: Node, channels: number): number {
  return node.op === 'transpose_conv2d' ? channels / ((node as Node<'transpose_conv2d'>).attrs.group ?? 1) : channels;
}

/**
 * The int8 form of f32 weights: per channel, a noted scale s with every value exactly f32(s·q),
 * q in [-128, 127]. Undefined when no noted scale reproduces the weights bit for bit.
 */
function recoverWeights(g: Graph, node: Node, w: Tensor): { q: Int8Array; scale: number[] } | undefined {
  const data = w.data as Float32Array;
  const axis = channelAxis(node, w);
  const channels = w.shape[axis];
  const perGroup = channelsPerScaleGroup(node, channels);
  const tried = new Set<string>();
  for (const c of dequantizedConstants(g)) {
    if (c.scale.length !== 1 && c.scale.length !== channels && c.scale.length !== perGroup) continue;
    const key = c.scale.join(',');
    if (tried.has(key)) continue;
    tried.add(key);
    const scaleOf = (ch: number) => (c.scale.length === 1 ? c.scale[0] : c.scale[ch % c.scale.length]);
    const q = new Int8Array(data.length);
    let ok = true;
    for (let i = 0; i < data.length && ok; i++) {
      const s = scaleOf(channelIndex(i, w.shape, axis));
      const v = Math.round(data[i] / s);
      ok = v >= -128 && v <= 127 && Math.fround(Math.fround(v) * s) === data[i];
      q[i] = v;
    }
    if (ok) return { q, scale: Array.from({ length: channels }, (_, ch) => scaleOf(ch)) };
  }
  return undefined;
}

/** int32 bias for accumulator scale inScale·wScale[c]: the noted integers when they are the bias. */
function recoverBias(g: Graph, b: Tensor, inScale: number, wScale: number[]): Int32Array {
  const data = b.data as Float32Array;
  const accScale = (c: number) => inScale * wScale[c];
  for (const c of dequantizedConstants(g)) {
    if (c.values.length !== data.length || !c.values.every((v, i) => v === data[i])) continue;
    if (c.zeroPoint.some((z) => z !== 0)) continue;
    const scaleOf = (ch: number) => (c.scale.length === 1 ? c.scale[0] : c.scale[ch]);
    // The noted integers are exact when their scale is the accumulator's (ONNX Runtime's rule).
    if (data.every((_, ch) => Math.abs(scaleOf(ch) / accScale(ch) - 1) < 1e-6)) return Int32Array.from(c.ints);
  }
  return Int32Array.from(data, (v, ch) => Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(v / accScale(ch)))));
}

function foldWeighted(g: Graph, node: Node, x: Tensor): boolean {
  const w = g.tensor(node.inputs[1]);
  if (!(w.data instanceof Float32Array)) return false;
  const rec = recoverWeights(g, node, w);
  if (!rec) return false;
  const axis = channelAxis(node, w);
  const wName = addConstant(g, `${w.name}/s8`, {
    dtype: 's8', shape: [...w.shape], data: rec.q,
    quant: { scale: rec.scale, zeroPoint: rec.scale.map(() => 0), axis },
  });
  let bName = '';
  const bias = node.inputs[2] ? g.tensor(node.inputs[2]) : undefined;
  if (bias) {
    if (!(bias.data instanceof Float32Array)) return false;
    const ints = recoverBias(g, bias, Math.fround(x.quant!.scale[0]), rec.scale);
    bName = addConstant(g, `${bias.name}/s32`, { dtype: 's32', shape: [...bias.shape], data: ints });
  }
  node.inputs = [node.inputs[0], wName, bName];
  return true;
}

/** TFLM's int8 softmax writes scale 1/256, zero point −128, over the last axis (ONNX Runtime's
 * quantizer gives Softmax exactly these output parameters). Other softmaxes stay float. */
function foldableSoftmax(g: Graph, node: Node, q: Node | undefined): boolean {
  if (!q) return false;
  const yq = g.tensor(q.outputs[0]).quant!;
  const rank = g.tensor(node.inputs[0]).shape.length;
  return (node as Node<'softmax'>).attrs.axis === rank - 1 && Math.fround(yq.scale[0]) === Math.fround(1 / 256) && yq.zeroPoint[0] === -128;
}

function foldOp(g: Graph, node: Node): boolean {
  const isWeighted = WEIGHTED.has(node.op);
  const isSoftmax = node.op === 'softmax';
  if (!isWeighted && !isSoftmax && !SAME_QUANT.has(node.op) && !RESCALING.has(node.op)) return false;
  if (node.outputs.length !== 1 || g.tensor(node.outputs[0]).dtype !== 'f32') return false;
  const dataInputs = isWeighted ? [0] : node.inputs.map((_, i) => i).filter((i) => node.inputs[i] !== '');
  const dqs = dataInputs.map((i) => dequantizeOf(g, node.inputs[i]));
  if (dqs.some((d) => !d)) return false;
  const q = quantizeReader(g, node.outputs[0]);
  if (!q || (isSoftmax && !foldableSoftmax(g, node, q))) return false;
  const xs = dqs.map((d) => g.tensor(d!.inputs[0]));
  const yt = g.tensor(q.outputs[0]);
  const oldOut = node.outputs[0];
  if (isWeighted && !foldWeighted(g, node, xs[0])) return false;

  dataInputs.forEach((i, k) => (node.inputs[i] = xs[k].name));
  if (INPUTS_ON_OUTPUT_GRID.has(node.op)) {
    // TFLM's s8 concat copies bytes, maximum / minimum compare them: every input is first brought
    // to the output's parameters.
    dataInputs.forEach((i, k) => {
      if (!sameQuant(xs[k].quant!, yt.quant!)) node.inputs[i] = requantizeBefore(g, node, xs[k], yt.quant!);
    });
  }
  removeNode(g, q);
  if (SAME_QUANT.has(node.op) && !INPUTS_ON_OUTPUT_GRID.has(node.op) && !sameQuant(xs[0].quant!, yt.quant!)) {
    // The op keeps its input's parameters; a requantize then brings them to the quantize's.
    const mid = newTensor(g, `${oldOut}/s8`, { dtype: 's8', shape: [...yt.shape], quant: xs[0].quant });
    node.outputs = [mid];
    insertAfter(g, node, { op: 'requantize', name: uniqueNodeName(g, `${node.name}/requantize`), inputs: [mid], outputs: [yt.name], attrs: {}, source: node.source });
  } else {
    node.outputs = [yt.name];
  }
  g.tensors.delete(oldOut);
  inferNodeShapes(g, node);
  for (const d of dqs) if (g.nodes.includes(d!)) dropIfDead(g, d!);
  return true;
}

function requantizeBefore(g: Graph, node: Node, x: Tensor, quant: QuantParams): string {
  const y = newTensor(g, `${x.name}/requantized`, { dtype: 's8', shape: [...x.shape], quant: { scale: [...quant.scale], zeroPoint: [...quant.zeroPoint] } });
  g.nodes.splice(g.nodes.indexOf(node), 0, { op: 'requantize', name: uniqueNodeName(g, `${node.name}/requantize_${x.name}`), inputs: [x.name], outputs: [y], attrs: {}, source: node.source });
  return y;
}

// ---- 3. dequantize → quantize ------------------------------------------------------------------

function foldRoundTrips(g: Graph): boolean {
  let changed = false;
  for (const q of [...g.nodes]) {
    if (q.op !== 'quantize' || !g.nodes.includes(q)) continue;
    const dq = dequantizeOf(g, q.inputs[0]);
    const yt = g.tensor(q.outputs[0]);
    if (!dq || !perTensor(yt.quant)) continue;
    const src = g.tensor(dq.inputs[0]);
    if (sameQuant(src.quant!, yt.quant) && !isGraphOutput(g, yt.name) && !g.inputs.includes(yt.name)) {
      replaceUses(g, yt.name, src.name);
      removeNode(g, q);
      g.tensors.delete(yt.name);
    } else {
      // A graph output keeps its name: on the same parameters the bytes are only copied (and
      // remove-identity renames the producer's output where it can).
      q.op = sameQuant(src.quant!, yt.quant) ? 'copy' : 'requantize';
      q.inputs = [src.name];
    }
    dropIfDead(g, dq);
    changed = true;
  }
  return changed;
}

/** Folds QDQ islands into int8 ops; true when the graph changed. */
export function foldQdq(g: Graph): boolean {
  let any = false;
  for (let round = 0; round < 50; round++) {
    let changed = sinkDequantize(g);
    changed = raiseQuantize(g) || changed;
    for (const node of [...g.nodes]) if (g.nodes.includes(node) && foldOp(g, node)) changed = true;
    changed = foldRoundTrips(g) || changed;
    changed = raiseRequantize(g) || changed;
    if (!changed) break;
    any = true;
  }
  // uint8 views the importer noted: only graph inputs and outputs matter to a caller.
  const u8 = g.meta.onnxUint8AsInt8 as string[] | undefined;
  if (u8) g.meta.onnxUint8AsInt8 = u8.filter((n) => g.inputs.includes(n) || g.outputs.includes(n));
  return any;
}
