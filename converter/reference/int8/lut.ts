// lut, s8: y = table[x + 128]. The int8 form of any elementwise unary op (sigmoid, tanh, hard_swish,
// leaky_relu); the converter computes the 256-entry s8 table from the float function.
import { kernelError } from '../tensor-util.js';
import type { RefKernel } from '../types.js';
import { requireS8 } from './common.js';

export const lut_s8_ref: RefKernel = (node, inputs) => {
  const x = requireS8(node, inputs, 0, 'x');
  const table = requireS8(node, inputs, 1, 'table');
  if (table.data.length !== 256) throw kernelError(node, `table must hold 256 s8 values, got ${table.data.length}`);
  const out = new Int8Array(x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = table.data[x.data[i] + 128];
  return [out];
};
