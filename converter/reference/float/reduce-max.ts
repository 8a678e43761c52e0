// reduce_max / reduce_min over a list of axes, each reduced dim kept as size 1 (a reshape follows
// when the source drops them), TFLite Micro's reduction: start from -inf (reduce_min: +inf; its
// lowest() is -FLT_MAX, which differs only when every element is -inf or NaN) and take an element
// only when it is strictly larger (smaller). An empty reduction gives the start (ONNX's rule too);
// a NaN never wins. The s8 form (int8/min-max.ts) runs this on raw codes from -128 (127).
import type { MeanAttrs, Node } from '../../ir/graph.js';
import { numel } from '../../ir/graph.js';
import type { RefKernel, RefValue } from '../types.js';
import { type AnyElements, forEachBroadcast, kernelError, normalizeAxis, stridesOf } from '../tensor-util.js';
import { meanOutputShape } from './mean.js';

/** The extreme along the node's axes; `start` is what an empty reduction gives. */
export function reduceExtreme(node: Node, x: RefValue, isMax: boolean, start: number): number[] {
  const axes = new Set((node.attrs as MeanAttrs).axes.map((a) => normalizeAxis(node, a, x.shape.length, 'axes entry')));
  const [outShape] = meanOutputShape(node, [x.shape]);
  const acc = new Array<number>(numel(outShape)).fill(start);
  const outStrides = stridesOf(outShape).map((s, i) => (axes.has(i) ? 0 : s));
  const v = x.data as AnyElements;
  forEachBroadcast(x.shape, stridesOf(x.shape), outStrides, (_, i, o) => {
    const e = Number(v[i]);
    if (isMax ? e > acc[o] : e < acc[o]) acc[o] = e;
  });
  return acc;
}

function f32Kernel(isMax: boolean): RefKernel {
  return (node, inputs) => {
    const x = inputs[0];
    if (!x || x.dtype !== 'f32') throw kernelError(node, `input 0 (x) must be f32, got ${x?.dtype ?? 'nothing'}`);
    return [Float32Array.from(reduceExtreme(node, x, isMax, isMax ? -Infinity : Infinity))];
  };
}

export const reduce_max_f32_ref = f32Kernel(true);
export const reduce_min_f32_ref = f32Kernel(false);
