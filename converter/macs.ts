// Multiply-accumulate counts per op, for `mote convert`'s report and `mote inspect`. Works from
// shapes alone (IR layout: NHWC for spatial ops), so the same numbers come from a Graph and from a
// blob's tensor table.
//
//   conv2d            N·OH·OW·O · KH·KW·(C/group)      (w is [O, KH, KW, C/group])
//   depthwise_conv2d  N·OH·OW·(C·M) · KH·KW            (w is [KH, KW, C·M])
//   transpose_conv2d  N·H·W·O · KH·KW·(C/group)        (each input pixel scatters into every tap; the
//                                                       taps that fall outside y included, as conv2d's padding)
//   fully_connected   rows·N·K                          (x read as [rows, K], w is [N, K])
//   matmul            numel(y)·K                        (a is [.., M, K])
//   average/max pool  numel(y)·KH·KW                    (one accumulate or compare per tap)
//   mean              numel(x)                          (one accumulate per input element)
//   mul, div          numel(y)                          (one multiply per element)
// Every other op (add, clamp, transpose, copy, quantize, lut, ...) does no multiply-accumulate: 0.
import type { Graph, Node, Pool2dAttrs } from './ir/graph.js';
import { numel } from './ir/graph.js';

export interface MacShapes {
  inputs: (number[] | undefined)[];
  outputs: number[][];
  /** Pool window [kh, kw] (pools only). */
  kernel?: [number, number];
}

/** MACs of one op from its operand shapes; 0 when a needed shape is missing. */
export function opMacs(op: string, s: MacShapes): number {
  const y = s.outputs[0];
  if (!y) return 0;
  const x = s.inputs[0];
  const w = s.inputs[1];
  switch (op) {
    case 'conv2d':
      return w && w.length === 4 ? numel(y) * w[1] * w[2] * w[3] : 0;
    case 'depthwise_conv2d':
      return w && w.length === 3 ? numel(y) * w[0] * w[1] : 0;
    case 'transpose_conv2d':
      return x && x.length === 4 && w && w.length === 4 ? (numel(x) / x[3]) * numel(w) : 0;
    case 'fully_connected':
    case 'matmul': {
      const k = x ? x[x.length - 1] : 0;
      return numel(y) * k;
    }
    case 'max_pool2d':
    case 'average_pool2d':
      return s.kernel ? numel(y) * s.kernel[0] * s.kernel[1] : 0;
    case 'mean':
      return x ? numel(x) : 0;
    case 'mul':
    case 'div':
      return numel(y);
    default:
      return 0;
  }
}

/** MACs of a graph node (shapes from the graph's tensors). */
export function nodeMacs(g: Graph, node: Node): number {
  const shapeOf = (name: string) => (name === '' ? undefined : g.tensors.get(name)?.shape);
  const kernel = node.op === 'max_pool2d' || node.op === 'average_pool2d' ? (node.attrs as Pool2dAttrs).kernel : undefined;
  return opMacs(node.op, {
    inputs: node.inputs.map(shapeOf),
    outputs: node.outputs.map((o) => g.tensors.get(o)?.shape ?? []),
    kernel,
  });
}
