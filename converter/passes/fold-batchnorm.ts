// fold-batchnorm: batch_norm right after conv2d / depthwise_conv2d / fully_connected, over that
// op's output channels, is folded into its weights and bias:
//   y = (W x + b - mean) * s + beta,  s = scale / sqrt(var + eps)
//     = (s W) x + ((b - mean) * s + beta)
import type { BatchNormAttrs, Graph, Node } from '../ir/graph.js';
import { addConstant, constF32, removeNode, replaceUses, soleConsumer } from './util.js';

/** Per-channel multiplier and offset of a batch_norm with constant parameters. */
export function batchNormAffine(g: Graph, bn: Node): { mul: Float32Array; add: Float32Array } | undefined {
  const [scale, bias, mean, variance] = bn.inputs.slice(1, 5).map((n) => constF32(g, n));
  if (!scale || !bias || !mean || !variance) return undefined;
  const { epsilon } = bn.attrs as BatchNormAttrs;
  const c = scale.length;
  const mul = new Float32Array(c);
  const add = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    const s = scale[i] / Math.sqrt(variance[i] + epsilon);
    mul[i] = s;
    add[i] = bias[i] - mean[i] * s;
  }
  return { mul, add };
}

export function foldBatchNorm(g: Graph): boolean {
  let changed = false;
  for (const bn of [...g.nodes]) {
    if (bn.op !== 'batch_norm') continue;
    const producer = g.producer(bn.inputs[0]);
    if (!producer || !['conv2d', 'depthwise_conv2d', 'fully_connected', 'transpose_conv2d'].includes(producer.op)) continue;
    if (soleConsumer(g, bn.inputs[0]) !== bn) continue;
    if ((producer.attrs as { activation?: unknown }).activation) continue; // BN after a fused clamp is not affine
    const outShape = g.tensor(producer.outputs[0]).shape;
    if ((bn.attrs as BatchNormAttrs).axis !== outShape.length - 1) continue; // not over the channels
    const affine = batchNormAffine(g, bn);
    const w = constF32(g, producer.inputs[1]);
    if (!affine || !w) continue;
    const wShape = g.tensor(producer.inputs[1]).shape;
    const channels = affine.mul.length;
    const oldBias = constF32(g, producer.inputs[2]);
    if (producer.inputs[2] && !oldBias) continue;

    // Output channel is dim 0 for conv2d and transpose_conv2d [O,KH,KW,I] and fully_connected [N,K], the last dim for
    // depthwise [KH,KW,C*M].
    const nw = new Float32Array(w.length);
    if (producer.op === 'depthwise_conv2d') {
      for (let i = 0; i < w.length; i++) nw[i] = w[i] * affine.mul[i % channels];
    } else {
      const per = w.length / channels;
      for (let i = 0; i < w.length; i++) nw[i] = w[i] * affine.mul[Math.floor(i / per)];
    }
    const nb = new Float32Array(channels);
    for (let c = 0; c < channels; c++) nb[c] = (oldBias ? oldBias[c] : 0) * affine.mul[c] + affine.add[c];

    producer.inputs[1] = addConstant(g, `${producer.name}/weights_bn`, { dtype: 'f32', shape: [...wShape], data: nw });
    producer.inputs[2] = addConstant(g, `${producer.name}/bias_bn`, { dtype: 'f32', shape: [channels], data: nb });
    const old = producer.outputs[0];
    producer.outputs = [bn.outputs[0]];
    replaceUses(g, old, bn.outputs[0]);
    removeNode(g, bn);
    g.tensors.delete(old);
    changed = true;
  }
  return changed;
}
