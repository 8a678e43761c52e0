// fold-bias-add: add (or sub) of a constant that varies only along the output channel, right
// after conv2d / depthwise_conv2d / fully_connected / transpose_conv2d, becomes part of that node's bias (ONNX
// exports often write Conv → Add and MatMul → Add).
import type { ActivationAttrs, Graph } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import { addConstant, constF32, removeNode, replaceUses, soleConsumer } from './util.js';

const WITH_BIAS = ['conv2d', 'depthwise_conv2d', 'fully_connected', 'transpose_conv2d'];

/** Per-channel values of a constant that broadcasts along the last dim only, or undefined. */
function channelVector(shape: number[], data: Float32Array, outShape: number[], channels: number): Float32Array | undefined {
  if (shape.length > outShape.length) return undefined;
  const inner = shape.slice(0, -1);
  if (inner.some((d) => d !== 1)) return undefined;
  const last = shape.length === 0 ? 1 : shape[shape.length - 1];
  if (last === channels) return data;
  if (last === 1 && numel(shape) === 1) return new Float32Array(channels).fill(data[0]);
  return undefined;
}

export function foldBiasAdd(g: Graph): boolean {
  let changed = false;
  for (const node of [...g.nodes]) {
    if (node.op !== 'add' && node.op !== 'sub') continue;
    if ((node.attrs as ActivationAttrs).activation) continue;
    for (const side of [0, 1]) {
      if (node.op === 'sub' && side === 1) break; // c - y is not a bias
      const y = node.inputs[side];
      const c = node.inputs[1 - side];
      const producer = g.producer(y);
      const cData = constF32(g, c);
      if (!producer || !WITH_BIAS.includes(producer.op) || !cData) continue;
      if ((producer.attrs as ActivationAttrs).activation) continue;
      if (soleConsumer(g, y) !== node) continue;
      const outShape = g.tensor(y).shape;
      // The add must not broadcast y to a bigger shape.
      const sumShape = g.tensor(node.outputs[0]).shape;
      if (sumShape.length !== outShape.length || sumShape.some((d, i) => d !== outShape[i])) continue;
      const channels = outShape[outShape.length - 1];
      const vec = channelVector(g.tensor(c).shape, cData, outShape, channels);
      if (!vec) continue;
      const oldBias = producer.inputs[2] ? constF32(g, producer.inputs[2]) : undefined;
      if (producer.inputs[2] && !oldBias) continue;
      const sign = node.op === 'sub' ? -1 : 1;
      const nb = new Float32Array(channels);
      for (let i = 0; i < channels; i++) nb[i] = (oldBias ? oldBias[i] : 0) + sign * vec[i];
      producer.inputs[2] = addConstant(g, `${producer.name}/bias_add`, { dtype: 'f32', shape: [channels], data: nb });
      const old = producer.outputs[0];
      producer.outputs = [node.outputs[0]];
      replaceUses(g, old, node.outputs[0]);
      removeNode(g, node);
      g.tensors.delete(old);
      changed = true;
      break;
    }
  }
  return changed;
}
