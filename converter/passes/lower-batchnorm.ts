// lower-batchnorm: every batch_norm left after fold-batchnorm becomes mul + add with per-channel
// constants shaped to broadcast along its axis ([C, 1, ..., 1]).
import type { BatchNormAttrs, Graph, Node } from '../ir/graph.js';
import { ConvertError } from '../errors.js';
import { batchNormAffine } from './fold-batchnorm.js';
import { addConstant, uniqueNodeName } from './util.js';

export function lowerBatchNorm(g: Graph): boolean {
  let changed = false;
  for (const bn of [...g.nodes]) {
    if (bn.op !== 'batch_norm') continue;
    const affine = batchNormAffine(g, bn);
    if (!affine) throw new ConvertError(`batch_norm node '${bn.name}': scale, bias, mean and var must be float32 constants`);
    const x = g.tensor(bn.inputs[0]);
    const { axis } = bn.attrs as BatchNormAttrs;
    const cShape = [affine.mul.length, ...new Array(x.shape.length - 1 - axis).fill(1)];
    const mul = addConstant(g, `${bn.name}/scale`, { dtype: 'f32', shape: cShape, data: affine.mul });
    const add = addConstant(g, `${bn.name}/offset`, { dtype: 'f32', shape: [...cShape], data: affine.add });
    const mid = g.uniqueName(`${bn.name}/scaled`);
    g.addTensor({ name: mid, dtype: 'f32', shape: [...x.shape] });
    const mulNode: Node = { op: 'mul', name: uniqueNodeName(g, `${bn.name}/mul`), inputs: [bn.inputs[0], mul], outputs: [mid], attrs: {}, source: bn.source };
    const addNode: Node = { op: 'add', name: uniqueNodeName(g, `${bn.name}/add`), inputs: [mid, add], outputs: [bn.outputs[0]], attrs: {}, source: bn.source };
    g.nodes.splice(g.nodes.indexOf(bn), 1, mulNode, addNode);
    changed = true;
  }
  return changed;
}
