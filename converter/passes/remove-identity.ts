// remove-identity: drops nodes that do not change their input (a reshape to the same shape, a
// transpose by the identity perm, a copy), merges reshape chains, removes dead nodes, then drops
// tensors nothing mentions any more.
import type { Graph, Node, TransposeAttrs } from '../ir/graph.js';
import { isGraphOutput, isIdentityPerm, removeNode, replaceUses } from './util.js';

function isNoOp(g: Graph, n: Node): boolean {
  if (n.op === 'copy') return true;
  if (n.op === 'transpose') return isIdentityPerm((n.attrs as TransposeAttrs).perm);
  if (n.op === 'reshape') {
    const a = g.tensor(n.inputs[0]).shape;
    const b = g.tensor(n.outputs[0]).shape;
    return a.length === b.length && a.every((d, i) => d === b[i]);
  }
  return false;
}

/** Removes one no-op node when that keeps graph input/output names intact; true if removed. */
function bypass(g: Graph, n: Node): boolean {
  const src = n.inputs[0];
  const dst = n.outputs[0];
  if (!isGraphOutput(g, dst)) {
    replaceUses(g, dst, src);
    removeNode(g, n);
    return true;
  }
  // dst is a graph output: rename src to dst instead, when src is a plain intermediate.
  const producer = g.producer(src);
  if (!producer || g.inputs.includes(src) || isGraphOutput(g, src) || g.isConstant(src)) return false;
  producer.outputs = producer.outputs.map((o) => (o === src ? dst : o));
  replaceUses(g, src, dst);
  removeNode(g, n);
  return true;
}

export function removeIdentity(g: Graph): boolean {
  let changed = false;
  for (const n of [...g.nodes]) {
    if (isNoOp(g, n) && bypass(g, n)) changed = true;
  }
  // reshape(reshape(x)) → reshape(x): only the last shape matters.
  for (const n of g.nodes) {
    if (n.op !== 'reshape') continue;
    const p = g.producer(n.inputs[0]);
    if (p && p.op === 'reshape') {
      n.inputs = [p.inputs[0]];
      changed = true;
    }
  }
  changed = removeDeadNodes(g) || changed;
  g.removeUnusedTensors();
  return changed;
}

/** Removes nodes none of whose outputs is read or is a graph output. */
export function removeDeadNodes(g: Graph): boolean {
  let changed = false;
  const live = new Set<string>(g.outputs);
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i];
    if (n.outputs.some((o) => live.has(o))) {
      for (const inp of n.inputs) if (inp) live.add(inp);
    } else {
      g.nodes.splice(i, 1);
      changed = true;
    }
  }
  return changed;
}
