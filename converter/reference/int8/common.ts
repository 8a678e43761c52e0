// Helpers shared by the s8 reference kernels: typed access to s8/s32 inputs, per-tensor quantization
// parameters, and the quantized activation bounds a node carries.
import type { Node, QuantParams, Tensor } from '../../ir/graph.js';
import { kernelError } from '../tensor-util.js';
import type { RefValue } from '../types.js';

export type S8Value = RefValue & { data: Int8Array };
export type S32Value = RefValue & { data: Int32Array };

/** Input `i`, required present and s8. */
export function requireS8(node: Node, inputs: (RefValue | undefined)[], i: number, what: string): S8Value {
  const v = inputs[i];
  if (!v) throw kernelError(node, `input ${i} (${what}) is missing`);
  if (!(v.data instanceof Int8Array)) throw kernelError(node, `input ${i} (${what}) must be s8, got ${v.dtype}`);
  return v as S8Value;
}

/** Input `i`, required present and s32. */
export function requireS32(node: Node, inputs: (RefValue | undefined)[], i: number, what: string, length?: number): S32Value {
  const v = inputs[i];
  if (!v) throw kernelError(node, `input ${i} (${what}) is missing`);
  if (!(v.data instanceof Int32Array)) throw kernelError(node, `input ${i} (${what}) must be s32, got ${v.dtype}`);
  if (length !== undefined && v.data.length !== length) {
    throw kernelError(node, `input ${i} (${what}) has ${v.data.length} values, expected ${length}`);
  }
  return v as S32Value;
}

/** Optional s32 input (bias): undefined when absent. */
export function optionalS32(node: Node, inputs: (RefValue | undefined)[], i: number, what: string, length: number): S32Value | undefined {
  return inputs[i] ? requireS32(node, inputs, i, what, length) : undefined;
}

/** Per-tensor (scale, zero point) of a quantized value or tensor; an error naming the node otherwise. */
export function perTensorQuant(node: Node, q: QuantParams | undefined, what: string): { scale: number; zeroPoint: number } {
  if (!q || q.scale.length !== 1 || q.zeroPoint.length !== 1) {
    throw kernelError(node, `${what} must be quantized per tensor (one scale and zero point)`);
  }
  return { scale: Math.fround(q.scale[0]), zeroPoint: q.zeroPoint[0] };
}

/** Zero point of a per-tensor-quantized value. */
export function zeroPointOf(node: Node, q: QuantParams | undefined, what: string): number {
  return perTensorQuant(node, q, what).zeroPoint;
}

/** The output tensor `i`, required to be s8. */
export function requireS8Output(node: Node, outputs: Tensor[], i = 0): Tensor {
  const t = outputs[i];
  if (!t || t.dtype !== 's8') throw kernelError(node, `output ${i} must be s8, got ${t?.dtype}`);
  return t;
}

/** Quantized activation bounds of an s8 node ([-128, 127] when it has none). */
export function actBounds(node: Node): [number, number] {
  const lo = node.int8?.actMin ?? -128;
  const hi = node.int8?.actMax ?? 127;
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < -128 || hi > 127 || lo > hi) {
    throw kernelError(node, `int8 activation bounds [${lo}, ${hi}] must be integers with -128 <= min <= max <= 127`);
  }
  return [lo, hi];
}

/** A required integer parameter of node.int8. */
export function int8Param(node: Node, key: keyof NonNullable<Node['int8']>): number {
  const v = node.int8?.[key];
  if (v === undefined || !Number.isInteger(v)) throw kernelError(node, `int8 parameter '${key}' is missing or not an integer`);
  return v;
}

/** Checks a Q31 multiplier / shift pair is in the range TFLite's MultiplyByQuantizedMultiplier accepts. */
export function checkMultiplier(node: Node, multiplier: number, shift: number, what: string): void {
  if (!(multiplier >= 0 && multiplier <= 2147483647) || !Number.isInteger(multiplier) || !Number.isInteger(shift) || shift < -31 || shift > 30) {
    throw kernelError(node, `${what}: multiplier ${multiplier} / shift ${shift} out of range (0..2^31-1, -31..30)`);
  }
}

/** What every per-channel requantizing kernel (conv2d, depthwise_conv2d, fully_connected) reads. */
export interface PerChannelRequant {
  bias: S32Value | undefined;
  mult: Int32Array;
  shift: Int32Array;
  inZp: number;
  outZp: number;
  lo: number;
  hi: number;
}

/**
 * Inputs 2–4 (bias, Q31 multiplier, shift: one per output channel) with the input/output zero
 * points and the activation bounds, checked as TFLite Micro's Prepare would.
 */
export function perChannelRequant(
  node: Node, inputs: (RefValue | undefined)[], outputs: Tensor[], x: S8Value, channels: number,
): PerChannelRequant {
  const bias = optionalS32(node, inputs, 2, 'bias', channels);
  const mult = requireS32(node, inputs, 3, 'multiplier', channels).data;
  const shift = requireS32(node, inputs, 4, 'shift', channels).data;
  for (let c = 0; c < channels; c++) checkMultiplier(node, mult[c], shift[c], `channel ${c}`);
  const inZp = perTensorQuant(node, x.quant, 'input x').zeroPoint;
  const outZp = perTensorQuant(node, requireS8Output(node, outputs).quant, 'output').zeroPoint;
  const [lo, hi] = actBounds(node);
  return { bias, mult, shift, inZp, outZp, lo, hi };
}
