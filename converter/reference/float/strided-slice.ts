// strided_slice: out[i0..] = x[begin[0] + i0·strides[0], ...] over size[d] elements per dim (the
// attributes are already resolved by the importer: begin in range, strides non-zero). Pure data
// movement, so it serves every dtype (quantized data keeps its scale and zero point).
import type { Node, StridedSliceAttrs } from '../../ir/graph.js';
import { numel } from '../../ir/graph.js';
import type { RefKernel } from '../types.js';
import { type AnyElements, type ShapeFn, allocTensor, inputShape, kernelError, stridesOf } from '../tensor-util.js';

/** Checks the attributes against the input shape; an error naming the dim otherwise. */
export function checkStridedSlice(node: Node, x: readonly number[]): StridedSliceAttrs {
  const a = (node as Node<'strided_slice'>).attrs;
  if (a.begin.length !== x.length || a.strides.length !== x.length || a.size.length !== x.length) {
    throw kernelError(node, `begin/strides/size have ${a.begin.length}/${a.strides.length}/${a.size.length} entries, input has rank ${x.length}`);
  }
  x.forEach((d, i) => {
    const [b, s, n] = [a.begin[i], a.strides[i], a.size[i]];
    if (!Number.isInteger(b) || !Number.isInteger(s) || !Number.isInteger(n) || s === 0 || n < 0) {
      throw kernelError(node, `dim ${i}: begin ${b}, stride ${s}, size ${n} must be integers, stride non-zero, size >= 0`);
    }
    const last = b + (n - 1) * s;
    if (n > 0 && (b < 0 || b >= d || last < 0 || last >= d)) {
      throw kernelError(node, `dim ${i}: elements ${b}..${last} (stride ${s}) fall outside the input's ${d}`);
    }
  });
  return a;
}

export const stridedSliceOutputShape: ShapeFn = (node, shapes) => {
  const x = inputShape(node, shapes, 0, 'x');
  return [[...checkStridedSlice(node, x).size]];
};

export const strided_slice_ref: RefKernel = (node, inputs, outputs) => {
  const x = inputs[0];
  if (!x) throw kernelError(node, 'input 0 (x) is missing');
  const a = checkStridedSlice(node, x.shape);
  const rank = x.shape.length;
  const inStrides = stridesOf(x.shape);
  const count = numel(a.size);
  const out = allocTensor(outputs[0]?.dtype ?? x.dtype, count) as unknown as AnyElements;
  const src = x.data as unknown as AnyElements;
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < count; o++) {
    let s = 0;
    for (let d = 0; d < rank; d++) s += (a.begin[d] + idx[d] * a.strides[d]) * inStrides[d];
    out[o] = src[s];
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < a.size[d]) break;
      idx[d] = 0;
    }
  }
  return [out as never];
};
