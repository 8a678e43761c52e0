// Helpers shared by the 16x8 reference kernels (int16 activations, int8 weights): typed access to
// s16 inputs and outputs and the quantized activation bounds of an s16 node. The integer
// parameters live in node.int8 like the s8 kernels' (the field holds a node's integer parameters
// whatever the activation width); prepareInt16 (converter/passes/quantize/prepare16.ts) fills them.
import type { Node, Tensor } from '../../ir/graph.js';
import { kernelError } from '../tensor-util.js';
import type { RefValue } from '../types.js';

export type S16Value = RefValue & { data: Int16Array };

export const S16_MIN = -32768;
export const S16_MAX = 32767;

/** Input `i`, required present and s16. */
export function requireS16(node: Node, inputs: (RefValue | undefined)[], i: number, what: string): S16Value {
  const v = inputs[i];
  if (!v) throw kernelError(node, `input ${i} (${what}) is missing`);
  if (!(v.data instanceof Int16Array)) throw kernelError(node, `input ${i} (${what}) must be s16, got ${v.dtype}`);
  return v as S16Value;
}

/** The output tensor `i`, required to be s16. */
export function requireS16Output(node: Node, outputs: Tensor[], i = 0): Tensor {
  const t = outputs[i];
  if (!t || t.dtype !== 's16') throw kernelError(node, `output ${i} must be s16, got ${t?.dtype}`);
  return t;
}

/** Quantized activation bounds of an s16 node ([-32768, 32767] when it has none). */
export function actBounds16(node: Node): [number, number] {
  const lo = node.int8?.actMin ?? S16_MIN;
  const hi = node.int8?.actMax ?? S16_MAX;
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < S16_MIN || hi > S16_MAX || lo > hi) {
    throw kernelError(node, `int16 activation bounds [${lo}, ${hi}] must be integers with -32768 <= min <= max <= 32767`);
  }
  return [lo, hi];
}

export function clamp16(v: number, lo = S16_MIN, hi = S16_MAX): number {
  return v < lo ? lo : v > hi ? hi : v;
}
