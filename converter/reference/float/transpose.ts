// transpose: output dim i is input dim perm[i]. Pure data movement, so it serves every dtype.
import type { Node, TransposeAttrs } from '../../ir/graph.js';
import { numel } from '../../ir/graph.js';
import type { RefKernel } from '../types.js';
import { type AnyElements, type ShapeFn, allocTensor, forEachBroadcast, inputShape, kernelError, stridesOf } from '../tensor-util.js';

function checkPerm(node: Node, perm: readonly number[], rank: number): void {
  const seen = new Set(perm);
  if (perm.length !== rank || seen.size !== rank || perm.some((p) => !Number.isInteger(p) || p < 0 || p >= rank)) {
    throw kernelError(node, `perm [${perm}] is not a permutation of 0..${rank - 1}`);
  }
}

export const transposeOutputShape: ShapeFn = (node, shapes) => {
  const x = inputShape(node, shapes, 0, 'x');
  const { perm } = (node as Node<'transpose'>).attrs;
  checkPerm(node, perm, x.length);
  return [perm.map((p) => x[p])];
};

export const transpose_ref: RefKernel = (node, inputs, outputs) => {
  const x = inputs[0];
  if (!x) throw kernelError(node, 'input 0 (x) is missing');
  const [outShape] = transposeOutputShape(node, [x.shape]);
  const { perm } = node.attrs as TransposeAttrs;
  if (x.dtype !== outputs[0].dtype) throw kernelError(node, `input is ${x.dtype} but the output is ${outputs[0].dtype}`);
  const inStrides = stridesOf(x.shape);
  // Walking the output in order, output dim i advances the input by the stride of its dim perm[i].
  const readStrides = perm.map((p) => inStrides[p]);
  const out = allocTensor(outputs[0].dtype, numel(outShape));
  const src = x.data as unknown as AnyElements;
  const dst = out as unknown as AnyElements;
  forEachBroadcast(outShape, readStrides, readStrides, (o, i) => {
    dst[o] = src[i];
  });
  return [out];
};
