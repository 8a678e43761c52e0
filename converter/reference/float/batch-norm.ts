// batch_norm (IR-only, f32; always folded or lowered before emission): inputs x, scale, bias, mean,
// var, each of the last four with one value per channel of x's `axis`:
//   y = (x - mean) / sqrt(var + epsilon) * scale + bias
// Float64, rounded to f32 once. Lets constant folding and the folding passes be tested against it.
import type { BatchNormAttrs } from '../../ir/graph.js';
import { numel } from '../../ir/graph.js';
import type { RefKernel } from '../types.js';
import { kernelError, normalizeAxis, requireF32 } from '../tensor-util.js';

export const batch_norm_f32_ref: RefKernel = (node, inputs) => {
  const x = requireF32(node, inputs, 0, 'x');
  const [scale, bias, mean, variance] = ['scale', 'bias', 'mean', 'var'].map((what, i) => requireF32(node, inputs, i + 1, what));
  const { epsilon, axis: rawAxis } = node.attrs as BatchNormAttrs;
  const axis = normalizeAxis(node, rawAxis, x.shape.length);
  const channels = x.shape[axis];
  for (const [what, v] of [['scale', scale], ['bias', bias], ['mean', mean], ['var', variance]] as const) {
    if (v.data.length !== channels) throw kernelError(node, `${what} has ${v.data.length} values, dim ${axis} of x is ${channels}`);
  }
  const inner = numel(x.shape.slice(axis + 1));
  const out = new Float32Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const c = Math.floor(i / inner) % channels;
    out[i] = ((x.data[i] - mean.data[c]) / Math.sqrt(variance.data[c] + epsilon)) * scale.data[c] + bias.data[c];
  }
  return [out];
};
