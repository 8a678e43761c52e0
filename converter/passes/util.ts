// Small graph-rewriting helpers shared by the passes.
import type { Graph, Node, Tensor, TensorData } from '../ir/graph.js';

export function isGraphOutput(g: Graph, name: string): boolean {
  return g.outputs.includes(name);
}

/** The only node reading `name`, when there is exactly one and `name` is not a graph output. */
export function soleConsumer(g: Graph, name: string): Node | undefined {
  if (isGraphOutput(g, name)) return undefined;
  const cs = g.consumers(name);
  if (cs.length !== 1) return undefined;
  // A node reading the tensor twice (add(x, x)) counts as one consumer, but only if it is one node.
  return cs[0];
}

/** Points every reader of `from` at `to`. */
export function replaceUses(g: Graph, from: string, to: string): void {
  for (const n of g.nodes) n.inputs = n.inputs.map((i) => (i === from ? to : i));
}

export function removeNode(g: Graph, node: Node): void {
  const i = g.nodes.indexOf(node);
  if (i >= 0) g.nodes.splice(i, 1);
}

/** Inserts `node` right after `after` in the schedule. */
export function insertAfter(g: Graph, after: Node, node: Node): void {
  g.nodes.splice(g.nodes.indexOf(after) + 1, 0, node);
}

/** A node name not used yet. */
export function uniqueNodeName(g: Graph, base: string): string {
  const names = new Set(g.nodes.map((n) => n.name));
  if (!names.has(base)) return base;
  for (let i = 1; ; i++) if (!names.has(`${base}_${i}`)) return `${base}_${i}`;
}

/** A new constant tensor; returns its name. */
export function addConstant(g: Graph, base: string, t: Omit<Tensor, 'name'> & { data: TensorData }): string {
  const name = g.uniqueName(base);
  g.addTensor({ ...t, name });
  return name;
}

export function isIdentityPerm(perm: readonly number[]): boolean {
  return perm.every((p, i) => p === i);
}

export function invertPerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/** Float data of a constant f32 tensor, or undefined. */
export function constF32(g: Graph, name: string | undefined): Float32Array | undefined {
  if (!name) return undefined;
  const d = g.tensors.get(name)?.data;
  return d instanceof Float32Array ? d : undefined;
}

/** Row-major transpose of any typed array. */
export function transposeData(data: TensorData, shape: number[], perm: number[]): { shape: number[]; data: TensorData } {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const inStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1] * shape[i + 1];
  const n = data.length;
  const out = new (data.constructor as { new (n: number): TensorData })(n);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < n; o++) {
    let src = 0;
    for (let d = 0; d < rank; d++) src += idx[d] * inStrides[perm[d]];
    (out as Float32Array)[o] = (data as Float32Array)[src];
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < outShape[d]) break;
      idx[d] = 0;
    }
  }
  return { shape: outShape, data: out };
}

