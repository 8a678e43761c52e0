// Shape inference for the IR: every node's output shapes from its input shapes and attributes.
// Importers call `inferNodeShapes` as they add nodes (later lowering steps need the shapes), and
// passes call `inferShapes` after rewriting. A node whose inputs do not fit its op is a ConvertError
// naming the node, so a malformed model fails here rather than in the planner or the runtime.
import { ConvertError } from '../errors.js';
import type {
  ArgAttrs,
  ConcatAttrs,
  Conv2dAttrs,
  DepthwiseConv2dAttrs,
  Graph,
  MeanAttrs,
  Node,
  PadAttrs,
  Pool2dAttrs,
  TransposeAttrs,
  SoftmaxAttrs,
  StridedSliceAttrs,
  TransposeConv2dAttrs,
  BatchNormAttrs,
  LstmAttrs,
  ResizeAttrs,
  LogicalAttrs,
} from './graph.js';
import { numel } from './graph.js';

/** Fills the shape of every node output, in schedule order. */
export function inferShapes(g: Graph): void {
  for (const node of g.nodes) inferNodeShapes(g, node);
}

function where(node: Node): string {
  return `${node.op} node '${node.name}'${node.source ? ` (from ${node.source})` : ''}`;
}

function fail(node: Node, msg: string): never {
  throw new ConvertError(`${where(node)}: ${msg}`);
}

/** numpy-style broadcast of two shapes, or undefined when they do not broadcast. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Output size of a sliding window along one spatial axis (conv and pool). */
export function windowOutputSize(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  padBegin: number,
  padEnd: number,
): number {
  const span = (kernel - 1) * dilation + 1;
  return Math.floor((size + padBegin + padEnd - span) / stride) + 1;
}

function spatialOut(node: Node, x: number[], kernel: [number, number], a: { strides: number[]; dilations: number[]; pads: number[] }) {
  const oh = windowOutputSize(x[1], kernel[0], a.strides[0], a.dilations[0], a.pads[0], a.pads[2]);
  const ow = windowOutputSize(x[2], kernel[1], a.strides[1], a.dilations[1], a.pads[1], a.pads[3]);
  if (!(oh >= 1 && ow >= 1)) fail(node, `window ${kernel.join('x')} does not fit input ${x.join('x')} with the given pads`);
  if (a.strides.some((s) => !(s >= 1)) || a.dilations.some((d) => !(d >= 1))) fail(node, 'strides and dilations must be >= 1');
  return [oh, ow];
}

/** Computes and stores the output shape(s) of one node. */
export function inferNodeShapes(g: Graph, node: Node): void {
  const shapeOf = (i: number): number[] => {
    const name = node.inputs[i];
    if (name === undefined || name === '') fail(node, `input ${i} is missing`);
    const t = g.tensors.get(name);
    if (!t) fail(node, `input tensor '${name}' does not exist`);
    return t.shape;
  };
  const setOut = (shape: number[], i = 0) => {
    const name = node.outputs[i];
    const t = g.tensors.get(name);
    if (!t) fail(node, `output tensor '${name}' does not exist`);
    t.shape = shape;
  };
  const x = () => shapeOf(0);

  switch (node.op) {
    case 'conv2d': {
      const a = node.attrs as Conv2dAttrs;
      const xs = x();
      const w = shapeOf(1);
      if (xs.length !== 4) fail(node, `input must be NHWC rank 4, got [${xs}]`);
      if (w.length !== 4) fail(node, `weights must be [O,KH,KW,C/group], got [${w}]`);
      if (w[3] * a.group !== xs[3]) fail(node, `weights expect ${w[3]}x${a.group} input channels, input has ${xs[3]}`);
      if (w[0] % a.group !== 0) fail(node, `output channels ${w[0]} not divisible by group ${a.group}`);
      checkBias(g, node, w[0]);
      const [oh, ow] = spatialOut(node, xs, [w[1], w[2]], a);
      setOut([xs[0], oh, ow, w[0]]);
      return;
    }
    case 'depthwise_conv2d': {
      const a = node.attrs as DepthwiseConv2dAttrs;
      const xs = x();
      const w = shapeOf(1);
      if (xs.length !== 4) fail(node, `input must be NHWC rank 4, got [${xs}]`);
      if (w.length !== 3) fail(node, `weights must be [KH,KW,C*M], got [${w}]`);
      if (xs[3] * a.depthMultiplier !== w[2]) fail(node, `weights have ${w[2]} channels, input ${xs[3]} x multiplier ${a.depthMultiplier}`);
      checkBias(g, node, w[2]);
      const [oh, ow] = spatialOut(node, xs, [w[0], w[1]], a);
      setOut([xs[0], oh, ow, w[2]]);
      return;
    }
    case 'fully_connected': {
      const xs = x();
      const w = shapeOf(1);
      if (w.length !== 2) fail(node, `weights must be [N,K], got [${w}]`);
      const k = w[1];
      const n = numel(xs);
      if (k === 0 || n % k !== 0) fail(node, `input [${xs}] has ${n} elements, not a multiple of K=${k}`);
      checkBias(g, node, w[0]);
      setOut([n / k, w[0]]);
      return;
    }
    case 'matmul': {
      const a = x();
      const b = shapeOf(1);
      if (a.length < 2 || b.length < 2) fail(node, `operands must have rank >= 2, got [${a}] and [${b}]`);
      const [m, ka] = a.slice(-2);
      const [kb, n] = b.slice(-2);
      if (ka !== kb) fail(node, `inner dimensions differ: [${a}] x [${b}]`);
      const batch = broadcastShapes(a.slice(0, -2), b.slice(0, -2));
      if (!batch) fail(node, `batch dimensions do not broadcast: [${a}] x [${b}]`);
      setOut([...batch, m, n]);
      return;
    }
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
    case 'maximum':
    case 'minimum':
    case 'compare': {
      const out = broadcastShapes(x(), shapeOf(1));
      if (!out) fail(node, `shapes [${x()}] and [${shapeOf(1)}] do not broadcast`);
      setOut(out);
      return;
    }
    case 'logical': {
      if ((node.attrs as LogicalAttrs).fn === 'not') {
        setOut([...x()]);
        return;
      }
      const out = broadcastShapes(x(), shapeOf(1));
      if (!out) fail(node, `shapes [${x()}] and [${shapeOf(1)}] do not broadcast`);
      setOut(out);
      return;
    }
    case 'select': {
      const ca = broadcastShapes(x(), shapeOf(1));
      const out = ca && broadcastShapes(ca, shapeOf(2));
      if (!out) fail(node, `shapes [${x()}], [${shapeOf(1)}] and [${shapeOf(2)}] do not broadcast`);
      setOut(out);
      return;
    }
    case 'clamp':
    case 'leaky_relu':
    case 'sigmoid':
    case 'tanh':
    case 'hard_swish':
    case 'unary':
    case 'lut':
    case 'quantize':
    case 'dequantize':
    case 'requantize':
    case 'copy':
    case 'binarize':
    case 'log_softmax':
      setOut([...x()]);
      return;
    case 'resize': {
      const a = node.attrs as ResizeAttrs;
      const xs = x();
      if (xs.length !== 4) fail(node, `input must be NHWC (rank 4), got [${xs}]`);
      if (!a.size.every((d) => Number.isInteger(d) && d >= 1)) fail(node, `output size [${a.size}] must be integers >= 1`);
      setOut([xs[0], a.size[0], a.size[1], xs[3]]);
      return;
    }
    case 'softmax': {
      const a = node.attrs as SoftmaxAttrs;
      const xs = x();
      if (!(a.axis >= 0 && a.axis < xs.length)) fail(node, `axis ${a.axis} out of range for rank ${xs.length}`);
      setOut([...xs]);
      return;
    }
    case 'batch_norm': {
      const a = node.attrs as BatchNormAttrs;
      const xs = x();
      if (!(a.axis >= 0 && a.axis < xs.length)) fail(node, `axis ${a.axis} out of range for rank ${xs.length}`);
      const c = xs[a.axis];
      for (let i = 1; i <= 4; i++) {
        const s = shapeOf(i);
        if (numel(s) !== c) fail(node, `parameter ${i} has shape [${s}], expected ${c} channels`);
      }
      setOut([...xs]);
      return;
    }
    case 'max_pool2d':
    case 'average_pool2d': {
      const a = node.attrs as Pool2dAttrs;
      const xs = x();
      if (xs.length !== 4) fail(node, `input must be NHWC rank 4, got [${xs}]`);
      const [oh, ow] = spatialOut(node, xs, a.kernel, a);
      setOut([xs[0], oh, ow, xs[3]]);
      return;
    }
    case 'mean':
    case 'reduce_max':
    case 'reduce_min':
    case 'reduce_sum': {
      const a = node.attrs as MeanAttrs;
      const xs = x();
      for (const ax of a.axes) if (!(ax >= 0 && ax < xs.length)) fail(node, `axis ${ax} out of range for rank ${xs.length}`);
      setOut(xs.map((d, i) => (a.axes.includes(i) ? 1 : d)));
      return;
    }
    case 'arg_max':
    case 'arg_min': {
      const a = node.attrs as ArgAttrs;
      const xs = x();
      if (!(Number.isInteger(a.axis) && a.axis >= 0 && a.axis < xs.length)) fail(node, `axis ${a.axis} out of range for rank ${xs.length}`);
      if (xs[a.axis] === 0) fail(node, `axis ${a.axis} is empty: no index to return`);
      setOut(xs.map((d, i) => (i === a.axis ? 1 : d)));
      return;
    }
    case 'concat': {
      const a = node.attrs as ConcatAttrs;
      const first = x();
      if (!(a.axis >= 0 && a.axis < first.length)) fail(node, `axis ${a.axis} out of range for rank ${first.length}`);
      const out = [...first];
      for (let i = 1; i < node.inputs.length; i++) {
        const s = shapeOf(i);
        if (s.length !== first.length || s.some((d, j) => j !== a.axis && d !== first[j])) {
          fail(node, `input ${i} shape [${s}] does not match [${first}] outside axis ${a.axis}`);
        }
        out[a.axis] += s[a.axis];
      }
      setOut(out);
      return;
    }
    case 'pad': {
      const a = node.attrs as PadAttrs;
      const xs = x();
      if (a.begin.length !== xs.length || a.end.length !== xs.length) fail(node, `pads have ${a.begin.length} dims, input has rank ${xs.length}`);
      if ([...a.begin, ...a.end].some((p) => p < 0)) fail(node, 'negative pads are not supported');
      if (a.mode === 'reflect' && xs.some((d, i) => a.begin[i] > d - 1 || a.end[i] > d - 1)) {
        fail(node, `reflect pad larger than the input dimension minus one ([${xs}])`);
      }
      if ((a.mode === 'edge' || a.mode === 'reflect') && xs.some((d, i) => d === 0 && a.begin[i] + a.end[i] > 0)) {
        fail(node, `${a.mode} padding of an empty dimension`);
      }
      setOut(xs.map((d, i) => d + a.begin[i] + a.end[i]));
      return;
    }
    case 'transpose': {
      const a = node.attrs as TransposeAttrs;
      const xs = x();
      const sorted = [...a.perm].sort((p, q) => p - q);
      if (a.perm.length !== xs.length || sorted.some((p, i) => p !== i)) fail(node, `perm [${a.perm}] is not a permutation of rank ${xs.length}`);
      setOut(a.perm.map((p) => xs[p]));
      return;
    }
    case 'transpose_conv2d': {
      const a = node.attrs as TransposeConv2dAttrs;
      const xs = x();
      const ws = shapeOf(1);
      const group = a.group ?? 1;
      if (!Number.isInteger(group) || group < 1) fail(node, `group ${group} must be a positive integer`);
      if (xs.length !== 4 || ws.length !== 4 || ws[3] * group !== xs[3] || ws[0] % group !== 0) {
        fail(node, `input [${xs}] and weights [${ws}] must be NHWC and [O,KH,KW,C/group] (group ${group})`);
      }
      if (![...a.outputSize, ...a.strides, ...(a.dilations ?? [])].every((v) => Number.isInteger(v) && v >= 1)) {
        fail(node, `output size [${a.outputSize}] / strides [${a.strides}] / dilations [${a.dilations ?? [1, 1]}] must be positive`);
      }
      checkBias(g, node, ws[0]);
      setOut([xs[0], a.outputSize[0], a.outputSize[1], ws[0]]);
      return;
    }
    case 'lstm': {
      // x, 4 input weights [H,I], 4 recurrent weights [H,H], 4 biases [H] (gates i, f, g, o).
      const a = node.attrs as LstmAttrs;
      const xs = x();
      if (node.inputs.length !== 13) fail(node, `takes 13 inputs (x, 4 input weights, 4 recurrent weights, 4 biases), got ${node.inputs.length}`);
      if (xs.length !== 3) fail(node, `input must be [${a.timeMajor ? 'T,B' : 'B,T'},I], got [${xs}]`);
      const hidden = shapeOf(1)[0];
      const want = (i: number, shape: number[], what: string) => {
        const s = shapeOf(i);
        if (s.length !== shape.length || s.some((d, j) => d !== shape[j])) fail(node, `${what} (input ${i}) must be [${shape}], got [${s}]`);
      };
      for (let k = 0; k < 4; k++) {
        want(1 + k, [hidden, xs[2]], 'input weights');
        want(5 + k, [hidden, hidden], 'recurrent weights');
        want(9 + k, [hidden], 'bias');
      }
      setOut([xs[0], xs[1], hidden]);
      return;
    }
    case 'strided_slice': {
      const a = node.attrs as StridedSliceAttrs;
      const xs = x();
      if (a.begin.length !== xs.length || a.strides.length !== xs.length || a.size.length !== xs.length) {
        fail(node, `begin/strides/size have ${a.begin.length}/${a.strides.length}/${a.size.length} entries, input has rank ${xs.length}`);
      }
      xs.forEach((d, i) => {
        const last = a.begin[i] + (a.size[i] - 1) * a.strides[i];
        if (a.strides[i] === 0 || a.size[i] < 0 || (a.size[i] > 0 && (a.begin[i] < 0 || a.begin[i] >= d || last < 0 || last >= d))) {
          fail(node, `dim ${i}: ${a.size[i]} elements from ${a.begin[i]} by ${a.strides[i]} do not fit the input's ${d}`);
        }
      });
      setOut([...a.size]);
      return;
    }
    case 'reshape': {
      // The declared output shape is the attribute; only check that it holds the same elements.
      const out = g.tensors.get(node.outputs[0]);
      if (!out) fail(node, `output tensor '${node.outputs[0]}' does not exist`);
      if (numel(out.shape) !== numel(x())) fail(node, `cannot reshape [${x()}] to [${out.shape}]`);
      return;
    }
  }
  fail(node, 'no shape rule for this op');
}

function checkBias(g: Graph, node: Node, channels: number): void {
  const b = node.inputs[2];
  if (b === undefined || b === '') return;
  const t = g.tensors.get(b);
  if (!t) fail(node, `bias tensor '${b}' does not exist`);
  if (numel(t.shape) !== channels) fail(node, `bias has shape [${t.shape}], expected ${channels} channels`);
}
