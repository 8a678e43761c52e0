// fully_connected, f32: x read as [numel/K, K], weights [N, K] (one row per output), optional bias
// [N], fused activation clamp. Output [numel/K, N]. Float64 accumulation, rounded to f32 once.
import type { ActivationAttrs } from '../../ir/graph.js';
import { numel } from '../../ir/graph.js';
import type { RefKernel } from '../types.js';
import {
  type ShapeFn, activationBounds, clampTo, inputShape, kernelError, optionalF32, requireF32,
} from '../tensor-util.js';

export const fullyConnectedOutputShape: ShapeFn = (node, shapes) => {
  const x = inputShape(node, shapes, 0, 'x');
  const w = inputShape(node, shapes, 1, 'weights');
  if (w.length !== 2) throw kernelError(node, `weights must be [N,K], got [${w}]`);
  const [outN, k] = w;
  const total = numel(x);
  if (k === 0 || total % k !== 0) {
    throw kernelError(node, `x [${x}] has ${total} elements, not a multiple of the weights' K = ${k}`);
  }
  return [[total / k, outN]];
};

export const fully_connected_f32_ref: RefKernel = (node, inputs) => {
  const x = requireF32(node, inputs, 0, 'x');
  const w = requireF32(node, inputs, 1, 'weights');
  const bias = optionalF32(node, inputs, 2, 'bias');
  const [[rows, outN]] = fullyConnectedOutputShape(node, [x.shape, w.shape]);
  if (bias && bias.data.length !== outN) throw kernelError(node, `bias has ${bias.data.length} values, expected ${outN}`);
  const k = w.shape[1];
  const [lo, hi] = activationBounds((node.attrs as ActivationAttrs).activation);
  const out = new Float32Array(rows * outN);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < outN; j++) {
      let acc = bias ? bias.data[j] : 0;
      const xb = r * k;
      const wb = j * k;
      for (let i = 0; i < k; i++) acc += x.data[xb + i] * w.data[wb + i];
      out[r * outN + j] = clampTo(acc, lo, hi);
    }
  }
  return [out];
};
