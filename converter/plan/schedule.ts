// The schedule the planner and emitter share: the graph's nodes minus reshapes (they become aliases),
// plus a `copy` step for each graph output that would otherwise not live in the arena of its own
// (a constant, or a view of a graph input). The graph itself is not modified.
import { ConvertError } from '../errors.js';
import { dtypeBytes, type Graph, type Node, type Tensor } from '../ir/graph.js';

export interface Schedule {
  steps: Node[];
  /** Tensor names holding the graph outputs at run time. */
  outputs: string[];
  extraTensors: Map<string, Tensor>;
  /** Reshape output → reshape input, for every reshape node. */
  reshapeSource: Map<string, string>;
}

/** Follows reshape sources to the tensor that owns the bytes. */
export function aliasRoot(name: string, reshapeSource: Map<string, string>): string {
  let cur = name;
  for (let guard = 0; reshapeSource.has(cur); guard++) {
    if (guard > reshapeSource.size) throw new ConvertError(`plan: reshape cycle through tensor '${name}'`);
    cur = reshapeSource.get(cur)!;
  }
  return cur;
}

export function buildSchedule(g: Graph): Schedule {
  const steps: Node[] = [];
  const reshapeSource = new Map<string, string>();
  const defined = new Set<string>(g.inputs);
  for (const [name, t] of g.tensors) if (t.data !== undefined) defined.add(name);

  for (const node of g.nodes) {
    for (const inp of node.inputs) {
      // Reshape's optional second input (an ONNX shape tensor) is not data flow we plan.
      if (inp === '' || defined.has(inp)) continue;
      if (node.op === 'reshape' && inp !== node.inputs[0]) continue;
      throw new ConvertError(
        `plan: node '${node.name}' (${node.op}) reads tensor '${inp}' before any node produces it ` +
          `(nodes must be in execution order)`,
      );
    }
    for (const out of node.outputs) defined.add(out);
    if (node.op === 'reshape') {
      if (node.outputs.length !== 1 || !node.inputs[0]) {
        throw new ConvertError(`plan: reshape node '${node.name}' needs one data input and one output`);
      }
      const src = g.tensor(node.inputs[0]);
      const dst = g.tensor(node.outputs[0]);
      if (src.dtype !== dst.dtype || byteSizeOf(src) !== byteSizeOf(dst)) {
        throw new ConvertError(
          `plan: reshape node '${node.name}' changes the byte size or dtype ` +
            `(${src.dtype}[${src.shape}] → ${dst.dtype}[${dst.shape}]); a reshape must be a pure view`,
        );
      }
      reshapeSource.set(node.outputs[0], node.inputs[0]);
      continue;
    }
    steps.push(node);
  }

  // Graph outputs that would not own arena bytes get a copy step appended.
  const inputSet = new Set(g.inputs);
  const extraTensors = new Map<string, Tensor>();
  const outputs: string[] = [];
  const usedNodeNames = new Set(g.nodes.map((n) => n.name));
  const taken = (n: string) => g.tensors.has(n) || extraTensors.has(n);
  for (const out of g.outputs) {
    if (!defined.has(out)) throw new ConvertError(`plan: graph output '${out}' is never produced`);
    const root = aliasRoot(out, reshapeSource);
    const needsCopy = inputSet.has(root) || g.isConstant(root);
    if (!needsCopy) {
      outputs.push(out);
      continue;
    }
    const t = g.tensor(out);
    const copyName = freshName(`${out}:output`, taken);
    extraTensors.set(copyName, { name: copyName, dtype: t.dtype, shape: [...t.shape], quant: t.quant });
    const nodeName = freshName(`${out}:output_copy`, (n) => usedNodeNames.has(n));
    usedNodeNames.add(nodeName);
    steps.push({ op: 'copy', name: nodeName, inputs: [out], outputs: [copyName], attrs: {} });
    outputs.push(copyName);
  }
  return { steps, outputs, extraTensors, reshapeSource };
}

export function freshName(base: string, taken: (n: string) => boolean): string {
  if (!taken(base)) return base;
  for (let i = 1; ; i++) if (!taken(`${base}_${i}`)) return `${base}_${i}`;
}

/** numel * dtype size; throws a ConvertError naming the tensor when a dim is not a positive integer. */
export function byteSizeOf(t: Tensor): number {
  let n = 1;
  for (const d of t.shape) {
    if (!Number.isInteger(d) || d <= 0) {
      throw new ConvertError(`plan: tensor '${t.name}' has shape [${t.shape}]; every dim must be a positive integer`);
    }
    n *= d;
  }
  return n * dtypeBytes(t.dtype);
}
