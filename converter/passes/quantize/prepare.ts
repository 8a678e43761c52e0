// prepareInt8: fills in the integer parameters of a graph that is already int8 (tensors carry their
// scales and zero points, e.g. an int8 .tflite import), computing them from the f32 scales exactly
// as TFLite Micro's Prepare functions do. Per-channel multiplier and shift become s32 constant
// inputs 3 and 4 of conv2d / depthwise_conv2d / fully_connected / transpose_conv2d; unary float functions on s8
// tensors become `lut` nodes. Nodes that already carry `int8` are left alone.
//
// LOGISTIC, TANH and LEAKY_RELU tables come from TFLM's own integer algorithms (tflm-luts.ts), so
// they match TFLM exactly; HARD_SWISH uses a table of the float function, which can differ from
// TFLM's integer hard-swish by one code on some inputs.
import type { Graph, Node, QuantParams, Tensor } from '../../ir/graph.js';
import { floatKernels } from '../../reference/float/index.js';
import { logSoftmaxInt8, quantizeMultiplier, softmaxParams } from './multiplier.js';
import { unaryTable } from './tflm-luts.js';
import { type Qp, activationBounds, addParams, compareParams, ratioMultiplier, subParams } from './qparams.js';

function perTensor(g: Graph, name: string, node: Node): Qp {
  const q = g.tensor(name).quant;
  if (!q || q.scale.length !== 1) throw new Error(`prepareInt8: ${node.op} '${node.name}': tensor '${name}' needs one scale and zero point`);
  return { scale: Math.fround(q.scale[0]), zeroPoint: q.zeroPoint[0] };
}

/** True when the node computes on s8 data (its first input or output is s8). */
function isS8Node(g: Graph, node: Node): boolean {
  const first = (names: string[]) => (names[0] ? g.tensors.get(names[0])?.dtype : undefined);
  return first(node.inputs) === 's8' || first(node.outputs) === 's8';
}

function addConstant(g: Graph, base: string, t: Omit<Tensor, 'name'>): string {
  const name = g.uniqueName(base);
  g.addTensor({ name, ...t });
  return name;
}

/** conv2d / depthwise_conv2d / fully_connected / transpose_conv2d (TFLM: PopulateConvolutionQuantizationParams
 * with the weights' dim 0 as the channel): mult/shift inputs from in·w/out per channel. */
function prepareWeighted(g: Graph, node: Node): void {
  const [x, wName, bias] = node.inputs;
  const w = g.tensor(wName);
  if (w.dtype !== 's8' || !w.quant) throw new Error(`prepareInt8: ${node.op} '${node.name}': weights '${wName}' must be quantized s8`);
  const channels = node.op === 'depthwise_conv2d' ? w.shape[w.shape.length - 1] : w.shape[0];
  const wq: QuantParams = w.quant;
  if (wq.zeroPoint.some((z) => z !== 0)) throw new Error(`prepareInt8: ${node.op} '${node.name}': weights must be symmetric (zero point 0)`);
  if (wq.scale.length !== 1 && wq.scale.length !== channels) {
    throw new Error(`prepareInt8: ${node.op} '${node.name}': ${wq.scale.length} weight scales for ${channels} channels`);
  }
  const inS = perTensor(g, x, node).scale;
  const out = perTensor(g, node.outputs[0], node);
  const mult = new Int32Array(channels);
  const shift = new Int32Array(channels);
  for (let c = 0; c < channels; c++) {
    const ws = Math.fround(wq.scale.length === 1 ? wq.scale[0] : wq.scale[c]);
    // TFLM: per-channel (and conv's broadcast per-tensor) multiply in double; per-tensor
    // fully_connected multiplies the two f32 scales in f32 first (GetQuantizedConvolutionMultipler).
    const product = node.op === 'fully_connected' && wq.scale.length === 1 ? Math.fround(inS * ws) : inS * ws;
    const m = quantizeMultiplier(product / out.scale);
    // The runtime refuses left shifts past 30 at load (validate_ops.ts): say so here, naming the layer.
    if (m.shift > 30) {
      throw new Error(`prepareInt8: ${node.op} '${node.name}': channel ${c}: input scale × weight scale / output scale = ${product / out.scale} is too large to requantize (a left shift of ${m.shift}, at most 30): are the scales corrupt?`);
    }
    mult[c] = m.multiplier;
    shift[c] = m.shift;
  }
  node.inputs = [
    x, wName, bias ?? '',
    addConstant(g, `${node.name}_mult`, { dtype: 's32', shape: [channels], data: mult }),
    addConstant(g, `${node.name}_shift`, { dtype: 's32', shape: [channels], data: shift }),
  ];
  node.int8 = activationBounds((node.attrs as { activation?: { min: number; max: number } }).activation, out);
}

function prepareNode(g: Graph, node: Node): void {
  const inQ = () => perTensor(g, node.inputs[0], node);
  const outQ = () => perTensor(g, node.outputs[0], node);
  const act = () => (node.attrs as { activation?: { min: number; max: number } }).activation;
  switch (node.op) {
    case 'conv2d':
    case 'depthwise_conv2d':
    case 'fully_connected':
    case 'transpose_conv2d':
      prepareWeighted(g, node);
      return;
    case 'add':
    case 'sub': {
      const a = inQ().scale;
      const b = perTensor(g, node.inputs[1], node).scale;
      node.int8 = { ...(node.op === 'add' ? addParams(a, b, outQ().scale) : subParams(a, b, outQ().scale)), ...activationBounds(act(), outQ()) };
      return;
    }
    case 'compare': {
      const a = inQ().scale, b = perTensor(g, node.inputs[1], node).scale;
      if (!(a < 1 && b < 1)) throw new Error(`prepareInt8: compare '${node.name}': TFLite Micro's int8 comparison needs input scales below 1, got ${a} and ${b}`);
      node.int8 = compareParams(a, b);
      return;
    }
    case 'mul':
      node.int8 = { ...ratioMultiplier(inQ().scale * perTensor(g, node.inputs[1], node).scale, outQ().scale), ...activationBounds(act(), outQ()) };
      return;
    case 'clamp': {
      const a = (node as Node<'clamp'>).attrs;
      node.int8 = activationBounds({ min: a.min, max: a.max }, outQ());
      return;
    }
    case 'max_pool2d':
    case 'average_pool2d':
      node.int8 = activationBounds(act(), outQ());
      return;
    case 'mean':
    case 'reduce_sum':
    case 'requantize':
      node.int8 = ratioMultiplier(inQ().scale, outQ().scale);
      return;
    case 'softmax':
      node.int8 = softmaxParams((node as Node<'softmax'>).attrs.beta, inQ().scale);
      return;
    case 'log_softmax':
      node.int8 = logSoftmaxInt8(node, inQ(), outQ());
      return;
    case 'sigmoid':
    case 'tanh':
    case 'hard_swish':
    case 'leaky_relu':
    case 'unary': {
      const kernel = floatKernels[node.op]!;
      const fn = (xs: Float32Array) => kernel(node, [{ data: xs, shape: [256], dtype: 'f32' }], [{ name: 'lut', dtype: 'f32', shape: [256] }])[0] as Float32Array;
      const table = unaryTable(node, fn, inQ(), outQ());
      const tableName = addConstant(g, `${node.name}_lut`, { dtype: 's8', shape: [256], data: table });
      node.source = node.source ?? `${node.op} '${node.name}'`;
      (node as Node).op = 'lut';
      node.attrs = {} as never;
      node.inputs = [node.inputs[0], tableName];
      node.int8 = {};
      return;
    }
    default:
      node.int8 = {};
  }
}

/** Computes node.int8 (and the per-channel multiplier/shift inputs) of every s8 node lacking them. */
export function prepareInt8(g: Graph): void {
  for (const node of g.nodes) {
    if (node.int8 || !isS8Node(g, node)) continue;
    try {
      prepareNode(g, node);
    } catch (e) {
      const msg = (e as Error).message;
      throw new Error(msg.startsWith('prepareInt8:') ? msg : `prepareInt8: ${node.op} '${node.name}'${node.source ? ` (${node.source})` : ''}: ${msg}`);
    }
  }
}
