// The int8 post-training quantization pass. In place on a float graph:
//   1. calibrate: run the float graph on the samples and collect every f32 tensor's range;
//   2. choose each node's precision: int8 when TFLite Micro has an int8 kernel for it (the reference
//      int8 kernels mirror those), else f32 with the reason (reported);
//   3. choose qparams: activations asymmetric per tensor; ops that must share qparams (pools, clamp,
//      reshape, copy, transpose, pad, concat, maximum, minimum, reduce_max, reduce_min, select's
//      value operands) are grouped and get the union of their ranges; sigmoid, tanh and softmax
//      outputs take TFLite's fixed parameters; bool tensors (compare's outputs, logical's and
//      select's conditions) stay bool, never quantized;
//   4. rewrite: weights → per-channel symmetric s8, bias → s32, per-channel multiplier/shift → s32
//      inputs 3 and 4; unary float functions → `lut`; TFLM Prepare's integer params in node.int8;
//      f32 islands wrapped in dequantize/quantize. Graph inputs and outputs become s8.
import type { Graph, Node, OpName, Tensor, TensorData } from '../../ir/graph.js';
import { dtypeBytes, numel } from '../../ir/graph.js';
import { floatKernels } from '../../reference/float/index.js';
import { FILTER_Q10_WEIGHT_BOUND, largestQ10WeightSum, needsFilterTable } from '../../reference/resize-coords.js';
import { calibrate, checkSamples } from './calibrate.js';
import { logSoftmaxInt8, quantizeMultiplier, roundHalfAway, softmaxParams } from './multiplier.js';
import { fuseLogSoftmax } from './fuse-log-softmax.js';
import {
  type Qp, LOG_SOFTMAX_QP, SIGMOID_QP, SOFTMAX_QP, TANH_QP, activationBounds, activationQp, addParams, compareParams, ratioMultiplier, subParams,
} from './qparams.js';
import type { Range, RangeMethod } from './ranges.js';
import { unaryTable } from './tflm-luts.js';

export interface QuantizeOptions {
  /** Calibration inputs: each sample holds one Float32Array per graph input. */
  samples: TensorData[][];
  method: RangeMethod;
  /** For 'percentile': the percentile of each tensor's values kept in range (default 99.99). */
  percentile?: number;
  onProgress?: (done: number, total: number) => void;
  /** Names of nodes to leave in f32. */
  keepFloat?: string[];
  /**
   * Per-channel weight scales rounded up to f32 values whose low bytes are zero: 'bf16' keeps the
   * top 2 bytes (8 significant bits), 'f24' the top 3 (16 bits). Compact requantization tables
   * (ENC_REQUANT) then store 2 or 3 bytes per channel, from which the runtime rebuilds each Q31
   * multiplier. Rounding up keeps every weight within ±127. Default 'f32' (unchanged).
   */
  weightScales?: WeightScales;
}

export interface TensorRangeReport {
  min: number;
  max: number;
  scale: number;
  zeroPoint: number;
}

export interface QuantizeReport {
  method: RangeMethod;
  percentile?: number;
  samples: number;
  /** Calibrated range and chosen qparams of every s8 activation tensor. */
  ranges: Record<string, TensorRangeReport>;
  nodes: { name: string; op: OpName; precision: 'int8' | 'f32' }[];
  keptFloat: { name: string; op: OpName; reason: string }[];
  weightBytesBefore: number;
  weightBytesAfter: number;
}

/** Ops whose output must carry the input's qparams: one group per chain (TFLM requires it). */
const SHARED_QP_OPS = new Set<OpName>([
  'max_pool2d', 'average_pool2d', 'clamp', 'reshape', 'copy', 'transpose', 'pad', 'concat', 'strided_slice', 'maximum', 'minimum', 'reduce_max',
  'reduce_min', 'resize', 'select',
]);
/** Shared-qparams ops whose every input (not only input 0) joins the output's group: concat copies
 * bytes, maximum / minimum compare raw codes, select copies the chosen operand's code (TFLM's
 * SELECT_V2 converts nothing: its value operands and output must share one grid). */
const ALL_INPUTS_SHARED = new Set<OpName>(['concat', 'maximum', 'minimum', 'select']);
/** The inputs of a shared-qparams op that take its output's qparams (select: not its bool condition). */
function sharedInputs(node: Node): string[] {
  if (node.op === 'select') return node.inputs.slice(1);
  return ALL_INPUTS_SHARED.has(node.op) ? node.inputs.filter((t) => t !== '') : node.inputs.slice(0, 1);
}
const LUT_OPS = new Set<OpName>(['sigmoid', 'tanh', 'hard_swish', 'leaky_relu', 'unary']);
const INT8_OPS = new Set<OpName>([
  'conv2d', 'depthwise_conv2d', 'fully_connected', 'add', 'sub', 'mul', 'clamp', 'sigmoid', 'tanh', 'hard_swish', 'leaky_relu',
  'max_pool2d', 'average_pool2d', 'mean', 'concat', 'pad', 'transpose', 'softmax', 'reshape', 'copy', 'strided_slice', 'maximum', 'minimum',
  'transpose_conv2d',
  'arg_max', 'arg_min', 'reduce_max', 'reduce_min', 'resize', 'unary', 'reduce_sum', 'log_softmax', 'compare', 'select',
]);
/** Ops whose output is an s32 index tensor: it stays s32 (no qparams) when the op runs in int8. */
const INDEX_OPS = new Set<OpName>(['arg_max', 'arg_min']);
/** Weighted ops: input 1 = weights, 2 = bias; per-channel axis of the weights. */
const WEIGHTED_OPS: Partial<Record<OpName, (rank: number) => number>> = {
  conv2d: () => 0,
  fully_connected: () => 0,
  depthwise_conv2d: (rank) => rank - 1,
  transpose_conv2d: () => 0,
};

export function quantize(g: Graph, opts: QuantizeOptions): QuantizeReport {
  checkSamples(g, opts?.samples);
  const weightBytesBefore = constantBytes(g);
  const ranges = calibrate(g, opts.samples, opts);
  const keep = new Set(opts.keepFloat ?? []);
  for (const name of keep) {
    if (!g.nodes.some((n) => n.name === name)) throw new Error(`keepFloat: no node named '${name}'`);
  }
  fuseLogSoftmax(g, ranges, keep);

  // 2. precision per node (nodes on bools only, logical and compare of bools, have none: they stay)
  const reasons = new Map<Node, string>();
  const boolOnly = new Set(g.nodes.filter((n) => [...dataInputs(g, n), ...n.outputs].every((t) => g.tensor(t).dtype === 'bool')));
  for (const node of g.nodes) {
    if (boolOnly.has(node)) continue;
    const reason = keep.has(node.name) ? 'kept float on request (keepFloat)' : int8Obstacle(g, node);
    if (reason) reasons.set(node, reason);
  }
  const isInt8 = (n: Node) => !reasons.has(n) && !boolOnly.has(n);

  // Which activation tensors become s8: graph inputs/outputs and every tensor an int8 node touches,
  // but the s32 index tensors (arg_max / arg_min outputs, graph outputs or reshaped to them) and
  // the bools.
  const unquantized = (t: string) => g.tensor(t).dtype === 's32' || g.tensor(t).dtype === 'bool';
  const s8 = new Set<string>([...g.inputs, ...g.outputs].filter((t) => !unquantized(t)));
  for (const node of g.nodes) {
    if (!isInt8(node)) continue;
    for (const t of dataInputs(g, node)) if (g.tensor(t).dtype !== 'bool') s8.add(t);
    if (!INDEX_OPS.has(node.op)) for (const t of node.outputs) if (g.tensor(t).dtype !== 'bool') s8.add(t);
  }
  for (const name of s8) {
    const t = g.tensor(name);
    if (t.dtype !== 'f32') throw new Error(`quantize: tensor '${name}' is ${t.dtype}; only f32 activations can become int8`);
  }

  // 3. qparams
  const qp = assignQparams(g, s8, isInt8, ranges);
  // TFLM's int8 comparisons take each input's scale as a multiplier below one (its Prepare aborts
  // otherwise): a compare whose operand has a scale of 1 or more stays f32.
  for (const node of g.nodes) {
    if (node.op !== 'compare' || !isInt8(node)) continue;
    const big = dataInputs(g, node).find((t) => !(qp.get(t)!.scale < 1));
    if (big) reasons.set(node, `TFLite Micro's int8 comparison needs input scales below 1; '${big}' has ${qp.get(big)!.scale}`);
  }

  // 4. rewrite
  const rewriter = new Rewriter(g, qp, opts.weightScales === 'bf16' ? 2 : opts.weightScales === 'f24' ? 3 : 4);
  const newNodes: Node[] = [];
  for (const node of g.nodes) {
    if (isInt8(node)) newNodes.push(...rewriter.int8Node(node));
    else newNodes.push(...rewriter.floatNode(node, s8));
  }
  g.nodes = newNodes;
  for (const name of s8) {
    const t = g.tensor(name);
    const p = qp.get(name)!;
    t.dtype = 's8';
    t.quant = { scale: [p.scale], zeroPoint: [p.zeroPoint] };
  }
  g.removeUnusedTensors();

  const report: QuantizeReport = {
    method: opts.method,
    percentile: opts.method === 'percentile' ? (opts.percentile ?? 99.99) : undefined,
    samples: opts.samples.length,
    ranges: {},
    nodes: [],
    keptFloat: [],
    weightBytesBefore,
    weightBytesAfter: constantBytes(g),
  };
  for (const name of [...s8].sort()) {
    const r = ranges.get(name) ?? { min: 0, max: 0 };
    const p = qp.get(name)!;
    report.ranges[name] = { min: r.min, max: r.max, scale: p.scale, zeroPoint: p.zeroPoint };
  }
  for (const node of g.nodes) report.nodes.push({ name: node.name, op: node.op, precision: node.int8 ? 'int8' : 'f32' });
  for (const [node, reason] of reasons) report.keptFloat.push({ name: node.name, op: node.op, reason });
  return report;
}

/** Non-constant, non-empty inputs: the activations a node reads. */
function dataInputs(g: Graph, node: Node): string[] {
  const names = node.op === 'reshape' ? node.inputs.slice(0, 1) : node.inputs;
  return names.filter((t) => t !== '' && !g.isConstant(t));
}

/** Why `node` cannot run in int8 (undefined when it can). */
function int8Obstacle(g: Graph, node: Node): string | undefined {
  if (!INT8_OPS.has(node.op)) return `no int8 kernel for ${node.op}`;
  // (compare writes a bool; select reads one, its condition.)
  const boolAt = (t: string) => (node.op === 'compare' && node.outputs.includes(t)) || (node.op === 'select' && t === node.inputs[0]);
  for (const t of [...dataInputs(g, node), ...(INDEX_OPS.has(node.op) ? [] : node.outputs)]) {
    if (boolAt(t) ? g.tensor(t).dtype !== 'bool' : g.tensor(t).dtype !== 'f32') return `tensor '${t}' is ${g.tensor(t).dtype}, not ${boolAt(t) ? 'bool' : 'f32'}`;
  }
  const weightAxis = WEIGHTED_OPS[node.op];
  if (weightAxis) {
    if (!g.isConstant(node.inputs[1])) return 'weights are not constant';
    if (node.inputs[2] && !g.isConstant(node.inputs[2])) return 'bias is not constant';
    if (g.tensor(node.inputs[1]).dtype !== 'f32') return 'weights are not f32';
  }
  if (WEIGHTED_OPS[node.op]) {
    if (dataInputs(g, node).length !== 1) return 'input x must be an activation';
  }
  if (node.op === 'max_pool2d' || node.op === 'average_pool2d') {
    const a = (node as Node<'max_pool2d'>).attrs;
    if (a.dilations[0] !== 1 || a.dilations[1] !== 1) return 'TFLite Micro has no dilated int8 pooling';
    if (node.op === 'average_pool2d' && a.countIncludePad && a.pads.some((p) => p !== 0)) {
      return "count_include_pad with padding: TFLite Micro's int8 average pool divides by the in-bounds taps only";
    }
  }
  if (node.op === 'softmax') {
    const rank = g.tensor(node.inputs[0]).shape.length;
    const axis = (node as Node<'softmax'>).attrs.axis;
    if ((axis < 0 ? axis + rank : axis) !== rank - 1) return 'int8 softmax runs over the last axis only';
  }
  if (node.op === 'resize') {
    const a = (node as Node<'resize'>).attrs, xs = g.tensor(node.inputs[0]).shape;
    if (needsFilterTable(a) && xs.length === 4 && largestQ10WeightSum(a, xs[1], xs[2]) > FILTER_Q10_WEIGHT_BOUND) {
      return `resize filter weights of one position sum past 2.0 in magnitude (cubic_coeff_a ${a.cubicCoeffA}): no s8 form`;
    }
  }
  const constantsAllowed = weightAxis || node.op === 'add' || node.op === 'sub' || node.op === 'mul' || node.op === 'compare' || ALL_INPUTS_SHARED.has(node.op);
  const operands = node.op === 'reshape' ? node.inputs.slice(0, 1) : node.inputs;
  if (!constantsAllowed && operands.some((t) => g.isConstant(t))) return 'a constant operand (not folded)';
  if (dataInputs(g, node).length === 0) return 'every operand is constant';
  return undefined;
}

/** Union-find over tensor names. */
class Groups {
  private parent = new Map<string, string>();
  find(x: string): string {
    let p = this.parent.get(x) ?? x;
    if (p !== x) {
      p = this.find(p);
      this.parent.set(x, p);
    }
    return p;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(ra, rb);
  }
}

/** The qparams of every s8 tensor (and of constants joined to a shared group, e.g. concat inputs). */
function assignQparams(g: Graph, s8: Set<string>, isInt8: (n: Node) => boolean, ranges: Map<string, Range>): Map<string, Qp> {
  const fixed = new Map<string, Qp>();
  for (const node of g.nodes) {
    if (!isInt8(node)) continue;
    if (node.op === 'sigmoid') fixed.set(node.outputs[0], SIGMOID_QP);
    if (node.op === 'tanh') fixed.set(node.outputs[0], TANH_QP);
    if (node.op === 'softmax') fixed.set(node.outputs[0], SOFTMAX_QP);
    if (node.op === 'log_softmax') fixed.set(node.outputs[0], LOG_SOFTMAX_QP);
  }
  const isolated = new Set<Node>();
  for (;;) {
    const groups = new Groups();
    for (const node of g.nodes) {
      if (!isInt8(node) || !SHARED_QP_OPS.has(node.op)) continue;
      for (const t of sharedInputs(node)) groups.union(t, node.outputs[0]);
    }
    // A group may hold at most one fixed-qparams tensor, and none when a concat (maximum, minimum)
    // joins it to others.
    const fixedByGroup = new Map<string, Qp[]>();
    for (const [t, p] of fixed) {
      const r = groups.find(t);
      fixedByGroup.set(r, [...(fixedByGroup.get(r) ?? []), p]);
    }
    const conflicting = g.nodes.filter(
      (n) => isInt8(n) && ALL_INPUTS_SHARED.has(n.op) && !isolated.has(n) && fixedByGroup.has(groups.find(n.outputs[0])),
    );
    if (conflicting.length === 0) return groupQparams(g, groups, s8, fixed, ranges);
    for (const n of conflicting) {
      isolated.add(n);
      n.inputs = n.inputs.map((t) => (t !== '' && reachesFixed(g, t, fixed, isInt8) ? insertRequantizePlaceholder(g, n, t, s8) : t));
    }
  }
}

/** True when `t` carries fixed qparams: it is fixed, or a shared-qparams op passes a fixed tensor to it. */
function reachesFixed(g: Graph, t: string, fixed: Map<string, Qp>, isInt8: (n: Node) => boolean): boolean {
  if (fixed.has(t)) return true;
  const p = g.producer(t);
  if (!p || !isInt8(p) || !SHARED_QP_OPS.has(p.op)) return false;
  return sharedInputs(p).some((x) => reachesFixed(g, x, fixed, isInt8));
}

/**
 * Puts a requantize node in front of a concat input (its multiplier is computed in the rewrite), so
 * the concat's group no longer contains a fixed-qparams tensor.
 */
function insertRequantizePlaceholder(g: Graph, concat: Node, input: string, s8: Set<string>): string {
  const src = g.tensor(input);
  const name = g.uniqueName(`${input}_requant`);
  g.addTensor({ name, dtype: src.dtype, shape: [...src.shape] });
  const rq: Node<'requantize'> = { op: 'requantize', name: g.uniqueName(`${concat.name}_requant_${input}`), inputs: [input], outputs: [name], attrs: {}, source: concat.source };
  g.nodes.splice(g.nodes.indexOf(concat), 0, rq);
  s8.add(name);
  return name;
}

function constantRange(t: Tensor): Range {
  let min = 0;
  let max = 0;
  const d = t.data as Float32Array;
  for (let i = 0; i < d.length; i++) {
    if (d[i] < min) min = d[i];
    if (d[i] > max) max = d[i];
  }
  return { min, max };
}

function groupQparams(g: Graph, groups: Groups, s8: Set<string>, fixed: Map<string, Qp>, ranges: Map<string, Range>): Map<string, Qp> {
  // Members of each group: the s8 tensors plus constants that a shared-qparams op reads.
  const members = new Map<string, string[]>();
  const all = new Set<string>(s8);
  for (const t of g.tensors.keys()) if (groups.find(t) !== t) all.add(t);
  for (const t of all) {
    const r = groups.find(t);
    members.set(r, [...(members.get(r) ?? []), t]);
  }
  const result = new Map<string, Qp>();
  for (const [, names] of members) {
    const fixedQp = names.map((n) => fixed.get(n)).find((p) => p !== undefined);
    let qp: Qp;
    if (fixedQp) {
      qp = fixedQp;
    } else {
      const range = { min: 0, max: 0 };
      for (const n of names) {
        const r = g.isConstant(n) ? constantRange(g.tensor(n)) : ranges.get(n);
        if (!r) continue;
        range.min = Math.min(range.min, r.min);
        range.max = Math.max(range.max, r.max);
      }
      try {
        qp = activationQp(range);
      } catch (e) {
        throw new Error(`quantize: tensor '${names[0]}'${names.length > 1 ? ` (and ${names.length - 1} sharing its qparams)` : ''}: ${(e as Error).message}`);
      }
    }
    for (const n of names) result.set(n, qp);
  }
  // Requantize placeholders read their source's qparams; their own output joins the concat group.
  for (const t of s8) if (!result.has(t)) result.set(t, activationQp(ranges.get(t) ?? { min: 0, max: 0 }));
  return result;
}

function constantBytes(g: Graph): number {
  let bytes = 0;
  const used = new Set<string>();
  for (const n of g.nodes) for (const t of n.inputs) used.add(t);
  for (const t of used) {
    const tensor = g.tensors.get(t);
    if (tensor?.data) bytes += numel(tensor.shape) * dtypeBytes(tensor.dtype);
  }
  return bytes;
}

export type WeightScales = 'f32' | 'f24' | 'bf16';

/** The smallest f32 >= a positive finite f32 `x` whose low 4 - `bytes` bytes are zero. */
export function f32RoundUp(x: number, bytes: number): number {
  if (bytes >= 4) return x;
  const v = new DataView(new ArrayBuffer(4));
  v.setFloat32(0, x);
  const drop = 8 * (4 - bytes);
  const bits = v.getUint32(0);
  const low = bits % 2 ** drop;
  if (low === 0) return x;
  v.setUint32(0, bits - low + 2 ** drop); // a carry into the exponent is still the next value up
  return v.getFloat32(0);
}

/** Builds the int8 graph's nodes and constants. */
class Rewriter {
  /** s8 tensor → an f32 tensor holding the same values (the f32 producer's output, or a dequantize). */
  private readonly floatOf = new Map<string, string>();
  private readonly quantizedWeights = new Map<string, { name: string; scales: number[] }>();

  constructor(private readonly g: Graph, private readonly qp: Map<string, Qp>, private readonly scaleBytes = 4) {}

  private q(name: string): Qp {
    const p = this.qp.get(name);
    if (!p) throw new Error(`quantize: internal error, no qparams for '${name}'`);
    return p;
  }

  private addConstant(base: string, dtype: 's8' | 's32', shape: number[], data: Int8Array | Int32Array, quant?: Tensor['quant']): string {
    const name = this.g.uniqueName(base);
    this.g.addTensor({ name, dtype, shape, data, quant });
    return name;
  }

  /** A constant operand of an int8 op as s8 with `qp` (per tensor). */
  private quantizeConstant(name: string, qp: Qp): string {
    const t = this.g.tensor(name);
    const src = t.data as Float32Array;
    const data = new Int8Array(src.length);
    for (let i = 0; i < src.length; i++) {
      data[i] = Math.max(-128, Math.min(127, roundHalfAway(Math.fround(src[i] / qp.scale)) + qp.zeroPoint));
    }
    return this.addConstant(`${name}_s8`, 's8', [...t.shape], data, { scale: [qp.scale], zeroPoint: [qp.zeroPoint] });
  }

  /** Per-channel symmetric s8 weights (zero point 0, ±127), shared by every node using the tensor. */
  private weights(name: string, axis: number): { name: string; scales: number[] } {
    const cached = this.quantizedWeights.get(`${name}@${axis}`);
    if (cached) return cached;
    const t = this.g.tensor(name);
    const src = t.data as Float32Array;
    const channels = t.shape[axis];
    const inner = numel(t.shape.slice(axis + 1));
    const amax = new Float64Array(channels);
    for (let i = 0; i < src.length; i++) {
      const c = Math.floor(i / inner) % channels;
      amax[c] = Math.max(amax[c], Math.abs(src[i]));
    }
    const scales = Array.from(amax, (m) => (m > 0 ? f32RoundUp(Math.fround(m / 127), this.scaleBytes) : 1));
    const data = new Int8Array(src.length);
    for (let i = 0; i < src.length; i++) {
      const c = Math.floor(i / inner) % channels;
      data[i] = Math.max(-127, Math.min(127, roundHalfAway(src[i] / scales[c])));
    }
    const out = {
      name: this.addConstant(`${name}_s8`, 's8', [...t.shape], data, { scale: scales, zeroPoint: scales.map(() => 0), axis }),
      scales,
    };
    this.quantizedWeights.set(`${name}@${axis}`, out);
    return out;
  }

  int8Node(node: Node): Node[] {
    try {
      this.rewriteInt8(node);
    } catch (e) {
      throw new Error(`quantize: ${node.op} '${node.name}'${node.source ? ` (${node.source})` : ''}: ${(e as Error).message}`);
    }
    return [node];
  }

  private rewriteInt8(node: Node): void {
    switch (node.op) {
      case 'conv2d':
      case 'depthwise_conv2d':
      case 'fully_connected':
      case 'transpose_conv2d': {
        const x = node.inputs[0];
        const out = node.outputs[0];
        const inQp = this.q(x);
        const outQp = this.q(out);
        const wRank = this.g.tensor(node.inputs[1]).shape.length;
        const axis = WEIGHTED_OPS[node.op]!(wRank);
        const w = this.weights(node.inputs[1], axis);
        const channels = w.scales.length;
        let bias = '';
        if (node.inputs[2]) {
          const b = this.g.tensor(node.inputs[2]).data as Float32Array;
          if (b.length !== channels) throw new Error(`quantize: ${node.op} '${node.name}': bias has ${b.length} values for ${channels} channels`);
          const data = new Int32Array(channels);
          const scales = w.scales.map((s) => inQp.scale * s);
          for (let c = 0; c < channels; c++) data[c] = Math.max(-2147483648, Math.min(2147483647, roundHalfAway(b[c] / scales[c])));
          bias = this.addConstant(`${node.inputs[2]}_s32`, 's32', [channels], data, {
            scale: scales.map((s) => Math.fround(s)), zeroPoint: scales.map(() => 0), axis: 0,
          });
        }
        const mult = new Int32Array(channels);
        const shift = new Int32Array(channels);
        for (let c = 0; c < channels; c++) {
          const m = quantizeMultiplier((inQp.scale * w.scales[c]) / outQp.scale);
          if (m.shift > 30) {
            throw new Error(`quantize: ${node.op} '${node.name}': channel ${c}: input scale × weight scale / output scale = ${(inQp.scale * w.scales[c]) / outQp.scale} is too large to requantize (a left shift of ${m.shift}, at most 30)`);
          }
          mult[c] = m.multiplier;
          shift[c] = m.shift;
        }
        node.inputs = [
          x, w.name, bias,
          this.addConstant(`${node.name}_mult`, 's32', [channels], mult),
          this.addConstant(`${node.name}_shift`, 's32', [channels], shift),
        ];
        node.int8 = activationBounds((node.attrs as { activation?: { min: number; max: number } }).activation, outQp);
        break;
      }
      case 'add':
      case 'sub':
      case 'mul': {
        node.inputs = node.inputs.map((t) => (this.g.isConstant(t) ? this.quantizeConstant(t, activationQp(constantRange(this.g.tensor(t)))) : t));
        const [a, b] = node.inputs.map((t) => (this.g.isConstant(t) ? this.g.tensor(t).quant!.scale[0] : this.q(t).scale));
        const outQp = this.q(node.outputs[0]);
        const bounds = activationBounds((node.attrs as { activation?: { min: number; max: number } }).activation, outQp);
        if (node.op === 'mul') node.int8 = { ...ratioMultiplier(a * b, outQp.scale), ...bounds };
        else node.int8 = { ...(node.op === 'add' ? addParams(a, b, outQp.scale) : subParams(a, b, outQp.scale)), ...bounds };
        break;
      }
      case 'clamp': {
        const a = (node as Node<'clamp'>).attrs;
        node.int8 = activationBounds({ min: a.min, max: a.max }, this.q(node.outputs[0]));
        break;
      }
      case 'sigmoid':
      case 'tanh':
      case 'hard_swish':
      case 'leaky_relu':
      case 'unary': {
        const kernel = floatKernels[node.op]!;
        const fn = (xs: Float32Array) => kernel(node, [{ data: xs, shape: [256], dtype: 'f32' }], [{ name: 'lut', dtype: 'f32', shape: [256] }])[0] as Float32Array;
        const table = unaryTable(node, fn, this.q(node.inputs[0]), this.q(node.outputs[0]));
        const tableName = this.addConstant(`${node.name}_lut`, 's8', [256], table);
        const lut = node as Node<OpName>;
        lut.source = lut.source ?? `${node.op} '${node.name}'`;
        lut.op = 'lut';
        lut.attrs = {} as never;
        lut.inputs = [node.inputs[0], tableName];
        lut.int8 = {};
        break;
      }
      case 'max_pool2d':
      case 'average_pool2d':
        node.int8 = activationBounds((node as Node<'max_pool2d'>).attrs.activation, this.q(node.outputs[0]));
        break;
      case 'mean':
      case 'reduce_sum':
        node.int8 = ratioMultiplier(this.q(node.inputs[0]).scale, this.q(node.outputs[0]).scale);
        break;
      case 'softmax':
        node.int8 = softmaxParams((node as Node<'softmax'>).attrs.beta, this.q(node.inputs[0]).scale);
        break;
      case 'log_softmax':
        node.int8 = logSoftmaxInt8(node, this.q(node.inputs[0]), this.q(node.outputs[0]));
        break;
      case 'concat':
      case 'maximum':
      case 'minimum':
        node.inputs = node.inputs.map((t) => (this.g.isConstant(t) ? this.quantizeConstant(t, this.q(node.outputs[0])) : t));
        node.int8 = {};
        break;
      case 'select':
        // The condition stays bool; constant values take the shared grid.
        node.inputs = node.inputs.map((t, i) => (i > 0 && this.g.isConstant(t) ? this.quantizeConstant(t, this.q(node.outputs[0])) : t));
        node.int8 = {};
        break;
      case 'compare': {
        // A constant operand gets its own parameters (from its values, so they are represented),
        // as TFLM rescales each input by its own scale.
        node.inputs = node.inputs.map((t) => (this.g.isConstant(t) ? this.quantizeConstant(t, activationQp(constantRange(this.g.tensor(t)))) : t));
        const [a, b] = node.inputs.map((t) => (this.g.isConstant(t) ? this.g.tensor(t).quant!.scale[0] : this.q(t).scale));
        node.int8 = compareParams(a, b);
        break;
      }
      case 'requantize':
        node.int8 = ratioMultiplier(this.q(node.inputs[0]).scale, this.q(node.outputs[0]).scale);
        break;
      default:
        node.int8 = {};
    }
  }

  floatNode(node: Node, s8: Set<string>): Node[] {
    // Inputs that are s8 are read through an f32 copy; s8 outputs are written as f32 and quantized.
    const out: Node[] = [];
    node.inputs = node.inputs.map((t) => {
      if (t === '' || !s8.has(t)) return t;
      let f = this.floatOf.get(t);
      if (!f) {
        f = this.g.uniqueName(`${t}_f32`);
        this.g.addTensor({ name: f, dtype: 'f32', shape: [...this.g.tensor(t).shape] });
        out.push({ op: 'dequantize', name: this.g.uniqueName(`${t}_dequantize`), inputs: [t], outputs: [f], attrs: {}, source: node.source });
        this.floatOf.set(t, f);
      }
      return f;
    });
    const after: Node[] = [];
    node.outputs = node.outputs.map((t) => {
      if (!s8.has(t)) return t;
      const f = this.g.uniqueName(`${t}_f32`);
      this.g.addTensor({ name: f, dtype: 'f32', shape: [...this.g.tensor(t).shape] });
      after.push({ op: 'quantize', name: this.g.uniqueName(`${t}_quantize`), inputs: [f], outputs: [t], attrs: {}, source: node.source });
      this.floatOf.set(t, f);
      return f;
    });
    return [...out, node, ...after];
  }
}
