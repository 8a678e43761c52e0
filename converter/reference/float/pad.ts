// pad: begin[d] / end[d] elements added around each dim. Modes follow numpy.pad (= ONNX Pad):
//   constant  the value
//   edge      the nearest edge element repeated
//   reflect   mirrored without repeating the edge (1 2 3 → 3 2 | 1 2 3 | 2 1), periodic if the pad
//             is longer than the dim
//   wrap      the dim repeated periodically (1 2 3 → 2 3 | 1 2 3 | 1 2)
// Pure data movement, so it serves every dtype. The value is in the real (float) domain: for a
// quantized output it is stored as clamp(round_half_away_from_zero(value / scale) + zero_point).
import type { DType, Node, PadAttrs, QuantParams } from '../../ir/graph.js';
import { numel } from '../../ir/graph.js';
import type { RefKernel } from '../types.js';
import {
  type AnyElements, type ShapeFn, allocTensor, clampTo, inputShape, kernelError, quantRange, roundHalfAwayFromZero, stridesOf,
} from '../tensor-util.js';

export const padOutputShape: ShapeFn = (node, shapes) => {
  const x = inputShape(node, shapes, 0, 'x');
  const { begin, end, mode } = (node as Node<'pad'>).attrs;
  if (begin.length !== x.length || end.length !== x.length) {
    throw kernelError(node, `begin [${begin}] and end [${end}] must have one entry per dim of x [${x}]`);
  }
  for (const p of [...begin, ...end]) {
    if (!Number.isInteger(p) || p < 0) throw kernelError(node, `pads must be non-negative integers, got begin [${begin}] end [${end}]`);
  }
  if (!['constant', 'edge', 'reflect', 'wrap'].includes(mode)) throw kernelError(node, `unknown pad mode '${mode}'`);
  x.forEach((d, i) => {
    if (d === 0 && mode !== 'constant' && begin[i] + end[i] > 0) {
      throw kernelError(node, `mode '${mode}' cannot pad dim ${i}, which is empty`);
    }
  });
  return [x.map((d, i) => d + begin[i] + end[i])];
};

/** Input index read by output position `j - begin` along a dim of `size`, or -1 for the constant. */
function sourceIndex(mode: PadAttrs['mode'], i: number, size: number): number {
  if (i >= 0 && i < size) return i;
  switch (mode) {
    case 'constant':
      return -1;
    case 'edge':
      return i < 0 ? 0 : size - 1;
    case 'wrap':
      return ((i % size) + size) % size;
    case 'reflect': {
      if (size === 1) return 0;
      const period = 2 * (size - 1);
      const r = ((i % period) + period) % period;
      return r < size ? r : period - r;
    }
  }
}

/** The pad value as stored in `dtype`. */
function storedValue(node: Node, value: number, dtype: DType, quant: QuantParams | undefined): number | bigint {
  if (dtype === 'f32') return value;
  if (dtype === 'i64') return BigInt(Math.trunc(value));
  if (dtype === 'bool') return value ? 1 : 0;
  if (quant && quant.scale.length !== 1) throw kernelError(node, 'a padded quantized tensor must be quantized per tensor');
  const q = quant ? roundHalfAwayFromZero(value / Math.fround(quant.scale[0])) + quant.zeroPoint[0] : roundHalfAwayFromZero(value);
  const [lo, hi] = quantRange(dtype);
  return clampTo(q, lo, hi);
}

export const pad_ref: RefKernel = (node, inputs, outputs) => {
  const x = inputs[0];
  if (!x) throw kernelError(node, 'input 0 (x) is missing');
  const [outShape] = padOutputShape(node, [x.shape]);
  const { begin, mode, value } = node.attrs as PadAttrs;
  const dtype = outputs[0].dtype;
  if (x.dtype !== dtype) throw kernelError(node, `input is ${x.dtype} but the output is ${dtype}`);
  const fill = storedValue(node, value, dtype, outputs[0].quant);
  // Per dim, the input offset (index * stride) each output position reads, or -1 for the constant.
  const inStrides = stridesOf(x.shape);
  const maps = outShape.map((d, dim) =>
    Array.from({ length: d }, (_, j) => {
      const s = sourceIndex(mode, j - begin[dim], x.shape[dim]);
      return s < 0 ? -1 : s * inStrides[dim];
    }),
  );
  const out = allocTensor(dtype, numel(outShape));
  const src = x.data as unknown as AnyElements;
  const dst = out as unknown as AnyElements;
  let p = 0;
  const rank = outShape.length;
  const walk = (dim: number, offset: number): void => {
    if (dim === rank) {
      dst[p++] = offset < 0 ? fill : src[offset];
      return;
    }
    for (const s of maps[dim]) walk(dim + 1, offset < 0 || s < 0 ? -1 : offset + s);
  };
  if (numel(outShape) > 0) walk(0, 0);
  return [out];
};
