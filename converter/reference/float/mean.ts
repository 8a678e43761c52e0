// mean and reduce_sum, f32: the average (sum) over a list of axes; the output keeps each reduced
// dim as size 1 (a reshape follows when the source model drops them). An empty axes list reduces
// nothing. Float64 accumulation, rounded to f32 once.
import type { MeanAttrs, Node } from '../../ir/graph.js';
import { numel } from '../../ir/graph.js';
import type { RefKernel } from '../types.js';
import { type ShapeFn, forEachBroadcast, inputShape, normalizeAxis, requireF32, stridesOf } from '../tensor-util.js';

function reducedAxes(node: Node, rank: number): Set<number> {
  return new Set((node.attrs as MeanAttrs).axes.map((ax) => normalizeAxis(node, ax, rank, 'axes entry')));
}

export const meanOutputShape: ShapeFn = (node, shapes) => {
  const x = inputShape(node, shapes, 0, 'x');
  const axes = reducedAxes(node, x.length);
  return [x.map((d, i) => (axes.has(i) ? 1 : d))];
};

const reduceF32 = (mean: boolean): RefKernel => (node, inputs) => {
  const x = requireF32(node, inputs, 0, 'x');
  const axes = reducedAxes(node, x.shape.length);
  const [outShape] = meanOutputShape(node, [x.shape]);
  const sums = new Float64Array(numel(outShape));
  // Walk the input in order; each element lands on the output index with the reduced dims zeroed.
  const outStrides = stridesOf(outShape).map((s, i) => (axes.has(i) ? 0 : s));
  const inStrides = stridesOf(x.shape);
  forEachBroadcast(x.shape, inStrides, outStrides, (_, i, o) => {
    sums[o] += x.data[i];
  });
  const count = x.shape.reduce((n, d, i) => (axes.has(i) ? n * d : n), 1);
  const out = new Float32Array(sums.length);
  for (let i = 0; i < out.length; i++) out[i] = !mean ? sums[i] : count === 0 ? NaN : sums[i] / count;
  return [out];
};

export const mean_f32_ref = reduceF32(true);
export const reduce_sum_f32_ref = reduceF32(false);
