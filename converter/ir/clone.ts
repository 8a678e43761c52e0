// A deep copy of a graph: tensors (constant data included, since passes edit weights in place),
// nodes and their attributes. Distillation keeps one as the float teacher.
import { Graph, type TensorData } from './graph.js';

export function cloneGraph(g: Graph): Graph {
  const c = new Graph();
  for (const [k, t] of g.tensors) {
    c.tensors.set(k, { ...t, shape: [...t.shape], data: t.data ? (t.data.slice() as TensorData) : undefined, ...(t.quant ? { quant: structuredClone(t.quant) } : {}) });
  }
  c.nodes = g.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs], attrs: structuredClone(n.attrs) }));
  c.inputs = [...g.inputs];
  c.outputs = [...g.outputs];
  c.meta = structuredClone(g.meta);
  return c;
}
