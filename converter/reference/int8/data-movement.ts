// concat, pad and transpose on s8: pure data movement, delegated to the dtype-generic kernels, after
// checking the quantization constraint TFLite Micro imposes (concat: every input has the output's
// scale and zero point; pad and transpose: input and output share them, so the bytes move unchanged).
import type { Node, QuantParams, Tensor } from '../../ir/graph.js';
import { concat_ref } from '../float/concat.js';
import { pad_ref } from '../float/pad.js';
import { transpose_ref } from '../float/transpose.js';
import { kernelError } from '../tensor-util.js';
import type { RefKernel, RefValue } from '../types.js';
import { perTensorQuant, requireS8, requireS8Output } from './common.js';

/** An error unless `q` is per tensor and equal to the output's scale and zero point. */
export function requireSameQuant(node: Node, q: QuantParams | undefined, out: Tensor, what: string): void {
  const a = perTensorQuant(node, q, what);
  const b = perTensorQuant(node, out.quant, 'output');
  if (a.scale !== b.scale || a.zeroPoint !== b.zeroPoint) {
    throw kernelError(node, `${what} (scale ${a.scale}, zero point ${a.zeroPoint}) must share the output's (scale ${b.scale}, zero point ${b.zeroPoint})`);
  }
}

/** `generic` on s8 inputs that share the output's scale and zero point (TFLite Micro's constraint). */
export function sameQuantKernel(generic: RefKernel): RefKernel {
  return (node: Node, inputs: (RefValue | undefined)[], outputs: Tensor[]) => {
    const out = requireS8Output(node, outputs);
    inputs.forEach((v, i) => {
      if (!v) throw kernelError(node, `input ${i} is missing`);
      requireS8(node, inputs, i, `input ${i}`);
      requireSameQuant(node, v.quant, out, `input ${i}`);
    });
    return generic(node, inputs, outputs);
  };
}

export const concat_s8_ref: RefKernel = sameQuantKernel(concat_ref);
export const transpose_s8_ref: RefKernel = sameQuantKernel(transpose_ref);
export const pad_s8_ref: RefKernel = sameQuantKernel(pad_ref);
