// softmax, f32, over one axis: y = exp(beta*x - max(beta*x)) / sum(exp(beta*x - max(beta*x))).
// Subtracting the max keeps exp from overflowing; the result is the same in exact arithmetic.
// Float64 throughout, rounded to f32 once.
import type { SoftmaxAttrs } from '../../ir/graph.js';
import { numel } from '../../ir/graph.js';
import type { RefKernel } from '../types.js';
import { normalizeAxis, requireF32 } from '../tensor-util.js';

export const softmax_f32_ref: RefKernel = (node, inputs) => {
  const x = requireF32(node, inputs, 0, 'x');
  const { axis: rawAxis, beta } = node.attrs as SoftmaxAttrs;
  const axis = normalizeAxis(node, rawAxis, x.shape.length);
  const outer = numel(x.shape.slice(0, axis));
  const len = x.shape[axis];
  const inner = numel(x.shape.slice(axis + 1));
  const out = new Float32Array(x.data.length);
  const z = new Float64Array(len);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let max = -Infinity;
      for (let k = 0; k < len; k++) {
        z[k] = beta * x.data[base + k * inner];
        if (z[k] > max) max = z[k];
      }
      let sum = 0;
      for (let k = 0; k < len; k++) {
        z[k] = Math.exp(z[k] - max);
        sum += z[k];
      }
      for (let k = 0; k < len; k++) out[base + k * inner] = z[k] / sum;
    }
  }
  return [out];
};
