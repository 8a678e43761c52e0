// Graph consistency checks: every tensor a node reads exists and is defined before it (the
// schedule is a topological order), every tensor has one producer, names are unique, constant
// data matches its shape. Passes call it in tests; a failure is an internal bug, named precisely.
import { ConvertError } from '../errors.js';
import type { Graph } from './graph.js';
import { numel } from './graph.js';

export function validateGraph(g: Graph): void {
  const defined = new Set<string>();
  for (const [name, t] of g.tensors) {
    if (t.data) {
      if (t.data.length !== numel(t.shape)) throw new ConvertError(`IR: constant '${name}' has ${t.data.length} values for shape [${t.shape}]`);
      defined.add(name);
    }
  }
  for (const i of g.inputs) {
    if (!g.tensors.has(i)) throw new ConvertError(`IR: graph input '${i}' has no tensor`);
    defined.add(i);
  }
  const nodeNames = new Set<string>();
  for (const n of g.nodes) {
    if (nodeNames.has(n.name)) throw new ConvertError(`IR: node name '${n.name}' is used twice`);
    nodeNames.add(n.name);
    for (const i of n.inputs) {
      if (i === '') continue;
      if (!g.tensors.has(i)) throw new ConvertError(`IR: ${n.op} node '${n.name}' reads missing tensor '${i}'`);
      if (!defined.has(i)) throw new ConvertError(`IR: ${n.op} node '${n.name}' reads '${i}' before it is produced`);
    }
    for (const o of n.outputs) {
      if (!g.tensors.has(o)) throw new ConvertError(`IR: ${n.op} node '${n.name}' writes missing tensor '${o}'`);
      if (defined.has(o)) throw new ConvertError(`IR: tensor '${o}' is produced twice (again by ${n.op} node '${n.name}')`);
      if (g.tensors.get(o)!.data) throw new ConvertError(`IR: ${n.op} node '${n.name}' writes constant '${o}'`);
      defined.add(o);
    }
  }
  for (const o of g.outputs) if (!defined.has(o)) throw new ConvertError(`IR: graph output '${o}' is never produced`);
}
