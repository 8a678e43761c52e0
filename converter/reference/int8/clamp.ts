// clamp, s8: y = min(max(x, act_min), act_max) on the integers. The bounds are node.int8.actMin /
// actMax (the quantizer quantizes the float bounds with the tensor's scale); input and output share
// their quantization parameters.
import type { RefKernel } from '../types.js';
import { actBounds, requireS8 } from './common.js';

export const clamp_s8_ref: RefKernel = (node, inputs) => {
  const x = requireS8(node, inputs, 0, 'x');
  const [lo, hi] = actBounds(node);
  const out = new Int8Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = x.data[i];
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return [out];
};
