// Real multipliers → (Q31 multiplier, shift) pairs exactly as TFLite computes them
// (tensorflow/lite/kernels/internal/quantization_util.cc), plus the softmax preprocessing. The
// runtime only ever sees the integers, so matching TFLite here is what makes Mote's int8 output
// equal TFLite Micro's for the same scales.
import { LOG_SOFTMAX_OUTPUT_SCALE, LOG_SOFTMAX_OUTPUT_ZERO_POINT } from '../../../format/format.js';

/** C's frexp: x = fraction * 2^exponent with |fraction| in [0.5, 1) (0 → [0, 0]). Exact, by bits. */
export function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  let biased = (view.getUint16(0) >> 4) & 0x7ff;
  let scaleBack = 0;
  if (biased === 0) {
    // Subnormal: scale into the normal range first (2^64 is exact).
    view.setFloat64(0, x * 18446744073709551616);
    biased = (view.getUint16(0) >> 4) & 0x7ff;
    scaleBack = 64;
  }
  const exponent = biased - 1022;
  // Replace the exponent by 1022 (→ [0.5, 1)), keeping sign and mantissa.
  const hi = view.getUint16(0);
  view.setUint16(0, (hi & 0x800f) | (1022 << 4));
  return [view.getFloat64(0), exponent - scaleBack];
}

/** TfLiteRound (C++ std::round): half away from zero. */
export function roundHalfAway(x: number): number {
  const t = Math.trunc(x);
  const frac = x - t; // exact
  if (frac >= 0.5) return t + 1;
  if (frac <= -0.5) return t - 1;
  return t;
}

export interface QuantizedMultiplier {
  /** Q31 significand in [2^30, 2^31) (or 0). */
  multiplier: number;
  /** Power of two: > 0 shifts left, <= 0 right (TFLite convention). */
  shift: number;
}

/** TFLite QuantizeMultiplier: real ≈ multiplier * 2^(shift - 31). */
export function quantizeMultiplier(real: number): QuantizedMultiplier {
  if (real === 0) return { multiplier: 0, shift: 0 };
  if (!Number.isFinite(real)) throw new Error(`quantizeMultiplier: ${real} is not a finite multiplier`);
  let [q, shift] = frexp(real);
  let qFixed = roundHalfAway(q * 2147483648);
  if (Math.abs(qFixed) > 2147483648) throw new Error(`quantizeMultiplier: internal rounding error for ${real}`);
  if (qFixed === 2147483648) {
    qFixed /= 2;
    shift++;
  }
  if (shift < -31) {
    // Flushed to zero, as TFLite does (every bit would be shifted out).
    return { multiplier: 0, shift: 0 };
  }
  if (qFixed > 2147483647) throw new Error(`quantizeMultiplier: ${real} does not fit a Q31 multiplier`);
  return { multiplier: qFixed, shift };
}

/** TFLite QuantizeMultiplierSmallerThanOneExp: requires 0 < real < 1. */
export function quantizeMultiplierSmallerThanOneExp(real: number): QuantizedMultiplier {
  if (!(real < 1 && real > 0)) throw new Error(`multiplier ${real} must be in (0, 1)`);
  const m = quantizeMultiplier(real);
  if (m.shift > 0) throw new Error(`multiplier ${real} rounds to a left shift`);
  return m;
}

/** TFLite QuantizeMultiplierGreaterThanOne: requires real > 1 (shift >= 0). */
export function quantizeMultiplierGreaterThanOne(real: number): QuantizedMultiplier {
  if (!(real > 1)) throw new Error(`multiplier ${real} must be > 1`);
  const m = quantizeMultiplier(real);
  if (m.shift < 0) throw new Error(`multiplier ${real} rounds to a right shift`);
  return m;
}

/** TFLite Micro's int8 softmax parameters (kScaledDiffIntegerBits = 5), from f32 beta and input scale. */
export const SOFTMAX_SCALED_DIFF_INTEGER_BITS = 5;

export function softmaxParams(beta: number, inputScale: number): { inputMultiplier: number; inputLeftShift: number; diffMin: number } {
  const intBits = SOFTMAX_SCALED_DIFF_INTEGER_BITS;
  // PreprocessSoftmaxScaling (double-rounding build): min(beta * scale * 2^(31 - intBits), 2^31 - 1).
  const real = Math.min(Math.fround(beta) * Math.fround(inputScale) * 2 ** (31 - intBits), 2147483647);
  const m = quantizeMultiplierGreaterThanOne(real);
  return { inputMultiplier: m.multiplier, inputLeftShift: m.shift, diffMin: -calculateInputRadius(intBits, m.shift, 31) };
}

/** TFLite CalculateInputRadius (float build). */
export function calculateInputRadius(inputIntegerBits: number, inputLeftShift: number, totalSignedBits = 31): number {
  const maxInputRescaled = (1.0 * (2 ** inputIntegerBits - 1) * 2 ** (totalSignedBits - inputIntegerBits)) / 2 ** inputLeftShift;
  return Math.floor(maxInputRescaled);
}

export interface LogSoftmaxParams {
  inputMultiplier: number;
  inputLeftShift: number;
  /** The inverse of the input rescale (QuantizeMultiplierSmallerThanOneExp) and its right shift >= 0. */
  reverseScalingDivisor: number;
  reverseScalingRightShift: number;
  diffMin: number;
}

/**
 * TFLite Micro's int8 LOG_SOFTMAX parameters (log_softmax.cc CalculateOpData: beta 1,
 * PreprocessLogSoftmaxScalingExp with 5 integer bits, the reverse shift negated to a right shift).
 * The input rescale must exceed 1 (scale·2^26 > 1), as TFLite's QuantizeMultiplierGreaterThanOne checks.
 */
/** log_softmax's int8 params for the given input / output qparams; the output must be TFLite's fixed one. */
export function logSoftmaxInt8(node: { name: string }, inQ: { scale: number }, outQ: { scale: number; zeroPoint: number }): LogSoftmaxParams {
  if (Math.fround(outQ.scale) !== LOG_SOFTMAX_OUTPUT_SCALE || outQ.zeroPoint !== LOG_SOFTMAX_OUTPUT_ZERO_POINT) {
    throw new Error(`log_softmax '${node.name}': the output must have scale 16/256 and zero point 127 (TFLite Micro's), got ${outQ.scale} / ${outQ.zeroPoint}`);
  }
  if (!(Math.fround(inQ.scale) * 2 ** (31 - SOFTMAX_SCALED_DIFF_INTEGER_BITS) > 1)) {
    throw new Error(`log_softmax '${node.name}': input scale ${inQ.scale} is at most 2^-26, too small for TFLite Micro's Q5.26 rescale`);
  }
  return logSoftmaxParams(inQ.scale);
}

export function logSoftmaxParams(inputScale: number): LogSoftmaxParams {
  const intBits = SOFTMAX_SCALED_DIFF_INTEGER_BITS;
  const real = Math.min(Math.fround(inputScale) * 2 ** (31 - intBits), 2147483647);
  const m = quantizeMultiplierGreaterThanOne(real);
  const reverse = quantizeMultiplierSmallerThanOneExp(2 ** (31 - m.shift) / m.multiplier);
  return {
    inputMultiplier: m.multiplier,
    inputLeftShift: m.shift,
    reverseScalingDivisor: reverse.multiplier,
    reverseScalingRightShift: -reverse.shift,
    diffMin: -calculateInputRadius(intBits, m.shift, 31),
  };
}
