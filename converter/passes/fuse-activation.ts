// fuse-activation: a clamp right after an op that has a fused activation becomes that op's
// `activation` (the intersection of the two intervals), so the runtime clamps while writing.
import type { ActivationAttrs, ClampAttrs, Graph, OpName } from '../ir/graph.js';
import { removeNode, replaceUses, soleConsumer } from './util.js';

const FUSABLE = new Set<OpName>([
  'conv2d', 'depthwise_conv2d', 'fully_connected', 'add', 'sub', 'mul', 'div', 'max_pool2d', 'average_pool2d', 'transpose_conv2d',
]);

export function fuseActivation(g: Graph): boolean {
  let changed = false;
  for (const clamp of [...g.nodes]) {
    if (clamp.op !== 'clamp') continue;
    const { min, max } = clamp.attrs as ClampAttrs;
    if (!(min <= max)) continue; // clamp with min > max is a constant fill, not an interval
    const producer = g.producer(clamp.inputs[0]);
    if (!producer || !FUSABLE.has(producer.op) || producer.outputs.length !== 1) continue;
    if (soleConsumer(g, clamp.inputs[0]) !== clamp) continue;
    if (g.tensor(producer.outputs[0]).dtype !== 'f32') continue;
    const attrs = producer.attrs as ActivationAttrs;
    const lo = Math.max(min, attrs.activation?.min ?? -Infinity);
    const hi = Math.min(max, attrs.activation?.max ?? Infinity);
    if (!(lo <= hi)) continue;
    attrs.activation = { min: lo, max: hi };
    // The producer now writes the clamp's output directly.
    const old = producer.outputs[0];
    producer.outputs = [clamp.outputs[0]];
    replaceUses(g, old, clamp.outputs[0]);
    removeNode(g, clamp);
    g.tensors.delete(old);
    changed = true;
  }
  return changed;
}
