// concat along one axis. Pure data movement, so it serves every dtype (f32, s8 with one shared
// scale/zero point, and the i64/s32 shape tensors that constant folding meets).
import type { ConcatAttrs, Node } from '../../ir/graph.js';
import { numel } from '../../ir/graph.js';
import type { RefKernel } from '../types.js';
import { type AnyElements, type ShapeFn, allocTensor, kernelError, normalizeAxis } from '../tensor-util.js';

export const concatOutputShape: ShapeFn = (node, shapes) => {
  if (shapes.length === 0) throw kernelError(node, 'concat needs at least one input');
  shapes.forEach((s, i) => {
    if (!s) throw kernelError(node, `input ${i} is missing`);
  });
  const first = shapes[0] as readonly number[];
  const axis = normalizeAxis(node, (node as Node<'concat'>).attrs.axis, first.length);
  const out = [...first];
  out[axis] = 0;
  shapes.forEach((s, i) => {
    const shape = s as readonly number[];
    if (shape.length !== first.length || shape.some((d, j) => j !== axis && d !== first[j])) {
      throw kernelError(node, `input ${i} has shape [${shape}], which differs from input 0 [${first}] outside axis ${axis}`);
    }
    out[axis] += shape[axis];
  });
  return [out];
};

export const concat_ref: RefKernel = (node, inputs, outputs) => {
  const [outShape] = concatOutputShape(node, inputs.map((v) => v?.shape));
  const dtype = outputs[0].dtype;
  inputs.forEach((v, i) => {
    if (v && v.dtype !== dtype) throw kernelError(node, `input ${i} is ${v.dtype} but the output is ${dtype}`);
  });
  const axis = normalizeAxis(node, (node.attrs as ConcatAttrs).axis, outShape.length);
  const outer = numel(outShape.slice(0, axis));
  const inner = numel(outShape.slice(axis + 1));
  const out = allocTensor(dtype, numel(outShape));
  const rowOut = outShape[axis] * inner;
  let offset = 0; // where the current input's block starts within each output row
  for (const v of inputs) {
    const src = v!.data as unknown as AnyElements;
    const dst = out as unknown as AnyElements;
    const block = v!.shape[axis] * inner;
    for (let r = 0; r < outer; r++) {
      for (let i = 0; i < block; i++) dst[r * rowOut + offset + i] = src[r * block + i];
    }
    offset += block;
  }
  return [out];
};
