// fully_connected, s8 (TFLite Micro reference_integer_ops::FullyConnectedPerChannel): x read as
// [numel/K, K], s8 weights [N,K] quantized per output row (zero point 0), optional s32 bias [N],
// per-channel Q31 multiplier and shift (inputs 3 and 4).
import { multiplyByQuantizedMultiplier } from '../fixedpoint.js';
import { fullyConnectedOutputShape } from '../float/fully-connected.js';
import { kernelError } from '../tensor-util.js';
import type { RefKernel } from '../types.js';
import { perChannelRequant, requireS8 } from './common.js';

export const fully_connected_s8_ref: RefKernel = (node, inputs, outputs) => {
  const x = requireS8(node, inputs, 0, 'x');
  const w = requireS8(node, inputs, 1, 'weights');
  fullyConnectedOutputShape(node, [x.shape, w.shape]);
  if (w.shape.length !== 2) throw kernelError(node, `weights must be [N,K], got [${w.shape}]`);
  const [nOut, k] = w.shape;
  const rows = x.data.length / k;
  const { bias, mult, shift, inZp, outZp, lo, hi } = perChannelRequant(node, inputs, outputs, x, nOut);
  const xd = x.data;
  const wd = w.data;
  const out = new Int8Array(rows * nOut);
  for (let r = 0; r < rows; r++) {
    for (let oc = 0; oc < nOut; oc++) {
      let acc = 0;
      for (let d = 0; d < k; d++) acc = (acc + wd[oc * k + d] * (xd[r * k + d] - inZp)) | 0;
      if (bias) acc = (acc + bias.data[oc]) | 0;
      let v = multiplyByQuantizedMultiplier(acc, mult[oc], shift[oc]) + outZp;
      v = v < lo ? lo : v > hi ? hi : v;
      out[r * nOut + oc] = v;
    }
  }
  return [out];
};
