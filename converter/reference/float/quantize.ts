// quantize (f32 → integer) and dequantize (integer → f32), with the scale and zero point of the
// quantized tensor (the output of quantize, the input of dequantize), per tensor or per axis.
//
// quantize follows TFLite (AffineQuantize), not ONNX QuantizeLinear: the division is done in f32,
// ties round HALF AWAY FROM ZERO (ONNX rounds half to even), then the zero point is added and the
// result is clamped to the dtype's range:  q = clamp(round_half_away(f32(x / scale)) + zp).
// NaN quantizes to the zero point. The runtime's QUANTIZE must match this bit for bit.
//
// dequantize: y = f32(scale * (q - zp)); scale is the f32 stored in the blob, and the product of an
// f32 and a small integer is exact in float64, so this is the correctly rounded f32 product.
import type { DType, Node, QuantParams } from '../../ir/graph.js';
import { numel } from '../../ir/graph.js';
import type { RefKernel } from '../types.js';
import type { RefValue } from '../types.js';
import { allocTensor, clampTo, kernelError, normalizeAxis, quantRange, requireF32, roundHalfAwayFromZero } from '../tensor-util.js';

const INTEGER_DTYPES: DType[] = ['s8', 'u8', 's16', 's32'];

/**
 * For a tensor of `shape` quantized with `q`: the scale (as the f32 the blob stores) and zero point
 * of each flat element index, via (index / inner) % channels for per-axis parameters.
 */
function quantLookup(node: Node, q: QuantParams | undefined, shape: readonly number[], what: string) {
  if (!q || q.scale.length === 0 || q.scale.length !== q.zeroPoint.length) {
    throw kernelError(node, `${what} needs quantization parameters (scale and zero point of equal length)`);
  }
  const scales = q.scale.map((s) => Math.fround(s));
  if (scales.some((s) => !(s > 0) || !Number.isFinite(s))) throw kernelError(node, `${what} has a non-positive or non-finite scale [${q.scale}]`);
  if (scales.length === 1) return { channel: (_: number) => 0, scales, zeroPoints: q.zeroPoint };
  const axis = normalizeAxis(node, q.axis ?? -1, shape.length, `${what} quantization axis`);
  if (shape[axis] !== scales.length) {
    throw kernelError(node, `${what} has ${scales.length} scales but dim ${axis} is ${shape[axis]}`);
  }
  const inner = numel(shape.slice(axis + 1));
  const channels = shape[axis];
  return { channel: (i: number) => Math.floor(i / inner) % channels, scales, zeroPoints: q.zeroPoint };
}

export const quantize_ref: RefKernel = (node, inputs, outputs) => {
  const x = requireF32(node, inputs, 0, 'x');
  const { dtype, quant } = outputs[0];
  if (!INTEGER_DTYPES.includes(dtype)) throw kernelError(node, `output must be an integer dtype, got ${dtype}`);
  const { channel, scales, zeroPoints } = quantLookup(node, quant, x.shape, 'the output');
  const [lo, hi] = quantRange(dtype);
  const out = allocTensor(dtype, x.data.length) as Int8Array;
  for (let i = 0; i < out.length; i++) {
    const c = channel(i);
    const scaled = Math.fround(x.data[i] / scales[c]);
    out[i] = Number.isNaN(scaled) ? zeroPoints[c] : clampTo(roundHalfAwayFromZero(scaled) + zeroPoints[c], lo, hi);
  }
  return [out];
};

export const dequantize_ref: RefKernel = (node, inputs) => {
  const x: RefValue | undefined = inputs[0];
  if (!x) throw kernelError(node, 'input 0 (x) is missing');
  if (!INTEGER_DTYPES.includes(x.dtype)) throw kernelError(node, `input must be an integer dtype, got ${x.dtype}`);
  const { channel, scales, zeroPoints } = quantLookup(node, x.quant, x.shape, 'the input');
  const data = x.data as Int8Array;
  const out = new Float32Array(data.length);
  for (let i = 0; i < out.length; i++) {
    const c = channel(i);
    out[i] = scales[c] * (data[i] - zeroPoints[c]);
  }
  return [out];
};
