// fold-constants: a node whose inputs are all constants is evaluated once, here, by the reference
// interpreter, and its outputs become constants. Graph outputs are never folded, so the schedule
// always produces them.
import type { Graph, Node, TensorData } from '../ir/graph.js';
import { evaluateNode } from '../reference/interpreter.js';
import type { RefValue } from '../reference/types.js';
import { isGraphOutput, removeNode } from './util.js';

/** Evaluates one all-constant node; undefined when there is no kernel or the kernel refuses it. */
export function evaluateConstantNode(g: Graph, node: Node): TensorData[] | undefined {
  const inputs: (RefValue | undefined)[] = node.inputs.map((name) => {
    if (name === '') return undefined;
    const t = g.tensor(name);
    return { data: t.data!, shape: t.shape, dtype: t.dtype, quant: t.quant };
  });
  try {
    return evaluateNode(g, node, inputs).map((v) => v.data);
  } catch {
    return undefined; // no kernel for this op/dtype (e.g. an i64 shape computation): keep the node
  }
}

export function foldConstants(g: Graph): boolean {
  let changed = false;
  for (const node of [...g.nodes]) {
    if (node.int8) continue;
    const inputs = node.inputs.filter((i) => i !== '');
    if (inputs.length === 0 || !inputs.every((i) => g.isConstant(i))) continue;
    if (node.outputs.some((o) => isGraphOutput(g, o))) continue;
    const values = evaluateConstantNode(g, node);
    if (!values) continue;
    node.outputs.forEach((o, i) => (g.tensor(o).data = values[i]));
    removeNode(g, node);
    changed = true;
  }
  return changed;
}
