// fuse-softmax: the expanded softmax some exporters write (ONNX's own Softmax-13 function body,
// older PyTorch / tf2onnx graphs) back into one softmax node:
//   m = reduce_max(x, [a]); e = exp(x − m); y = e / reduce_sum(e, [a])   →   y = softmax(x, a)
// The softmax kernels compute exactly that sequence; one op also keeps int8 PTQ on the softmax
// path (TFLM's int8 softmax), where the expanded form would quantize x − m and e on their own
// grids and divide by a sum whose int8 error bound can reach zero.
import type { ActivationAttrs, Graph, MeanAttrs, Node, UnaryAttrs } from '../ir/graph.js';
import { isGraphOutput, removeNode } from './util.js';

/** The producer of `t` when it is an `op` node whose output only `readers` read (and no graph output). */
export function onlyFeeding(g: Graph, t: string, op: Node['op'], readers: Node[]): Node | undefined {
  const p = g.producer(t);
  if (!p || p.op !== op || isGraphOutput(g, t)) return undefined;
  const cs = g.consumers(t);
  return cs.length === readers.length && cs.every((c) => readers.includes(c)) ? p : undefined;
}

const singleAxis = (n: Node) => ((n.attrs as MeanAttrs).axes.length === 1 ? (n.attrs as MeanAttrs).axes[0] : undefined);

export function fuseSoftmax(g: Graph): boolean {
  let changed = false;
  for (const div of [...g.nodes]) {
    if (div.op !== 'div' || (div.attrs as ActivationAttrs).activation) continue;
    const [e, s] = div.inputs;
    const sum = onlyFeeding(g, s, 'reduce_sum', [div]);
    if (!sum || sum.inputs[0] !== e) continue;
    const exp = onlyFeeding(g, e, 'unary', [sum, div]);
    if (!exp || (exp.attrs as UnaryAttrs).fn !== 'exp') continue;
    const sub = onlyFeeding(g, exp.inputs[0], 'sub', [exp]);
    if (!sub || (sub.attrs as ActivationAttrs).activation) continue;
    const max = onlyFeeding(g, sub.inputs[1], 'reduce_max', [sub]);
    const x = sub.inputs[0];
    if (!max || max.inputs[0] !== x) continue;
    const axis = singleAxis(max);
    if (axis === undefined || singleAxis(sum) !== axis) continue;
    const xs = g.tensor(x).shape, ys = g.tensor(div.outputs[0]).shape;
    if (xs.length !== ys.length || xs.some((d, i) => d !== ys[i])) continue;
    for (const n of [sum, exp, sub, max]) removeNode(g, n);
    const fused = div as Node;
    fused.op = 'softmax';
    fused.inputs = [x];
    fused.attrs = { axis, beta: 1 } as never;
    fused.source = fused.source ?? `expanded softmax '${div.name}'`;
    changed = true;
  }
  return changed;
}
