// Int8 PTQ of a float log-softmax: the chain every importer lowers it to,
//   m = reduce_max(x, [last]); d = x − m; s = reduce_sum(exp(d), [last]); y = d − log(s),
// becomes one log_softmax node (TFLite Micro's int8 LOG_SOFTMAX), whose output has the fixed
// qparams 16/256 and 127, i.e. the range [−255/16, 0]. Measured on random logits (rows of 3 to
// 1000, spreads 0.5 to 8): where the calibrated output lies inside that range the fused op's worst
// error is its ½ output step (1/32) while the quantized chain (exp and log as luts, each step on
// its own grid) reaches 0.17 to 1.4, with a similar mean; past it the fixed range clips (errors of
// several units), so a chain whose calibrated output goes below −255/16 stays as it is. Chain
// nodes named in keepFloat, or whose middle tensors are read elsewhere, are left alone too.
import { LOG_SOFTMAX_MAX_DEPTH, LOG_SOFTMAX_OUTPUT_SCALE } from '../../../format/format.js';
import type { Graph, MeanAttrs, Node, UnaryAttrs } from '../../ir/graph.js';
import { onlyFeeding } from '../fuse-softmax.js';
import { removeNode } from '../util.js';
import type { Range } from './ranges.js';

/** The lowest value the fixed output represents: code −128 at scale 16/256, zero point 127. */
const OUTPUT_MIN = -255 * LOG_SOFTMAX_OUTPUT_SCALE;
const MIN_INPUT_RANGE = 255 * 2 ** -25;

const overLastAxis = (g: Graph, n: Node) => {
  const { axes } = n.attrs as MeanAttrs;
  const rank = g.tensor(n.inputs[0]).shape.length;
  return axes.length === 1 && (axes[0] === rank - 1 || axes[0] === -1);
};
const isUnary = (n: Node | undefined, fn: string) => n !== undefined && (n.attrs as UnaryAttrs).fn === fn;
const noActivation = (n: Node) => !(n.attrs as { activation?: unknown }).activation;

/** Fuses every eligible chain; returns the fused nodes. */
export function fuseLogSoftmax(g: Graph, ranges: Map<string, Range>, keepFloat: Set<string>): Node[] {
  const fused: Node[] = [];
  for (const out of [...g.nodes]) {
    if (out.op !== 'sub' || !noActivation(out)) continue;
    const [d, l] = out.inputs;
    const log = onlyFeeding(g, l, 'unary', [out]);
    if (!isUnary(log, 'log')) continue;
    const sum = onlyFeeding(g, log!.inputs[0], 'reduce_sum', [log!]);
    if (!sum) continue;
    const exp = onlyFeeding(g, sum.inputs[0], 'unary', [sum]);
    if (!isUnary(exp, 'exp') || exp!.inputs[0] !== d) continue;
    const shifted = onlyFeeding(g, d, 'sub', [exp!, out]);
    if (!shifted || !noActivation(shifted)) continue;
    const x = shifted.inputs[0];
    const max = onlyFeeding(g, shifted.inputs[1], 'reduce_max', [shifted]);
    if (!max || max.inputs[0] !== x || !overLastAxis(g, max) || !overLastAxis(g, sum)) continue;
    const chain = [max, shifted, exp!, sum, log!, out];
    if (chain.some((n) => keepFloat.has(n.name))) continue;
    const xt = g.tensor(x);
    if (xt.dtype !== 'f32' || g.isConstant(x) || xt.shape.length === 0 || xt.shape[xt.shape.length - 1] > LOG_SOFTMAX_MAX_DEPTH) continue;
    const rx = ranges.get(x), ry = ranges.get(out.outputs[0]);
    if (!rx || !ry || ry.min < OUTPUT_MIN) continue;
    // TFLM needs input_scale · 2^26 > 1: a calibrated range of at least 255 · 2^-25 keeps a margin.
    if (Math.max(rx.max, 0) - Math.min(rx.min, 0) < MIN_INPUT_RANGE) continue;
    for (const n of chain.slice(0, -1)) removeNode(g, n);
    const node = out as Node;
    node.op = 'log_softmax';
    // A name of its own: the float graph's `sub` keeps the chain's (reports and bounds tell them apart).
    const names = new Set(g.nodes.map((n) => n.name));
    let name = `${out.name}/log_softmax`;
    for (let i = 1; names.has(name); i++) name = `${out.name}/log_softmax_${i}`;
    node.name = name;
    node.inputs = [x];
    node.attrs = {} as never;
    node.source = node.source ?? `log-softmax '${out.name}'`;
    fused.push(node);
  }
  return fused;
}
