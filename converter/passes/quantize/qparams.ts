// Quantization parameters and the integer op parameters TFLite Micro's Prepare functions compute,
// from f32 scales. Scales are always f32 values (the blob stores f32), and every multiplier is
// computed from them with the same float/double steps TFLM uses, so the integers match TFLM's.
import { LOG_SOFTMAX_OUTPUT_SCALE, LOG_SOFTMAX_OUTPUT_ZERO_POINT } from '../../../format/format.js';
import type { Activation } from '../../ir/graph.js';
import { quantizeMultiplier, quantizeMultiplierSmallerThanOneExp, roundHalfAway } from './multiplier.js';
import type { Range } from './ranges.js';

export interface Qp {
  scale: number;
  zeroPoint: number;
}

/** Asymmetric int8 parameters for a real range (widened to include 0). */
export function activationQp(range: Range): Qp {
  let min = Math.min(range.min, 0);
  let max = Math.max(range.max, 0);
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new Error(`range [${range.min}, ${range.max}] is not finite`);
  if (max - min === 0) {
    // An all-zero tensor: any scale represents it; [0, 1] keeps downstream multipliers ordinary.
    min = 0;
    max = 1;
  }
  const scale = Math.fround((max - min) / 255);
  const zp = roundHalfAway(-128 - min / scale);
  return { scale, zeroPoint: Math.max(-128, Math.min(127, zp)) };
}

/** Fixed output parameters TFLite uses for these ops. */
export const SIGMOID_QP: Qp = { scale: 1 / 256, zeroPoint: -128 };
export const SOFTMAX_QP: Qp = { scale: 1 / 256, zeroPoint: -128 };
export const LOG_SOFTMAX_QP: Qp = { scale: LOG_SOFTMAX_OUTPUT_SCALE, zeroPoint: LOG_SOFTMAX_OUTPUT_ZERO_POINT };
export const TANH_QP: Qp = { scale: 1 / 128, zeroPoint: 0 };

/** TFLite's Quantize helper of CalculateActivationRangeQuantized: zp + round(f32(f / scale)), saturated. */
function quantizeBound(f: number, qp: Qp): number {
  const q = roundHalfAway(Math.fround(f / Math.fround(qp.scale)));
  return qp.zeroPoint + Math.max(-1e9, Math.min(1e9, q));
}

/** Quantized clamp bounds of a fused activation (or a clamp) on an output with `qp`. */
export function activationBounds(activation: Activation | undefined, qp: Qp): { actMin: number; actMax: number } {
  let actMin = -128;
  let actMax = 127;
  if (activation && activation.min > -Infinity) actMin = Math.max(-128, Math.min(127, quantizeBound(activation.min, qp)));
  if (activation && activation.max < Infinity) actMax = Math.min(127, Math.max(-128, quantizeBound(activation.max, qp)));
  if (actMin > actMax) actMax = actMin; // a degenerate interval: the output is constant
  return { actMin, actMax };
}

export interface AddSubParams {
  leftShift: number;
  aMult: number;
  aShift: number;
  bMult: number;
  bShift: number;
  outMult: number;
  outShift: number;
}

/** TFLM CalculateOpDataAdd (int8): in double precision. */
export function addParams(a: number, b: number, out: number): AddSubParams {
  const leftShift = 20;
  const twiceMax = 2 * Math.max(a, b);
  const m1 = quantizeMultiplierSmallerThanOneExp(a / twiceMax);
  const m2 = quantizeMultiplierSmallerThanOneExp(b / twiceMax);
  const mo = quantizeMultiplierSmallerThanOneExp(twiceMax / ((1 << leftShift) * out));
  return { leftShift, aMult: m1.multiplier, aShift: m1.shift, bMult: m2.multiplier, bShift: m2.shift, outMult: mo.multiplier, outShift: mo.shift };
}

/** TFLM CalculateOpDataSub (int8): the same formulas, but evaluated in f32 before widening. */
export function subParams(a: number, b: number, out: number): AddSubParams {
  const f = Math.fround;
  const leftShift = 20;
  const twiceMax = f(2 * Math.max(f(a), f(b)));
  const m1 = quantizeMultiplierSmallerThanOneExp(f(f(a) / twiceMax));
  const m2 = quantizeMultiplierSmallerThanOneExp(f(f(b) / twiceMax));
  const mo = quantizeMultiplierSmallerThanOneExp(f(twiceMax / f((1 << leftShift) * f(out))));
  return { leftShift, aMult: m1.multiplier, aShift: m1.shift, bMult: m2.multiplier, bShift: m2.shift, outMult: mo.multiplier, outShift: mo.shift };
}

/**
 * TFLM ComparisonsPrepare (int8): left shift 8, then each input's own f32 scale as a multiplier
 * below one (QuantizeMultiplierSmallerThanOneExp of the scale widened to double). TFLM aborts on a
 * scale of 1 or more; so does this, with the scale named.
 */
export function compareParams(a: number, b: number): { leftShift: number; aMult: number; aShift: number; bMult: number; bShift: number } {
  const ma = quantizeMultiplierSmallerThanOneExp(Math.fround(a));
  const mb = quantizeMultiplierSmallerThanOneExp(Math.fround(b));
  return { leftShift: 8, aMult: ma.multiplier, aShift: ma.shift, bMult: mb.multiplier, bShift: mb.shift };
}

/** TFLM mul / mean / requantize: QuantizeMultiplier of a double ratio of f32 scales. */
export function ratioMultiplier(numerator: number, denominator: number): { outMult: number; outShift: number } {
  const m = quantizeMultiplier(numerator / denominator);
  return { outMult: m.multiplier, outShift: m.shift };
}

/**
 * TFLite's LUTPopulate for int8: table[q + 128] = clamp(round(f32(f(f32(in_scale·(q − in_zp))) · (1/out_scale))) + out_zp).
 */
export function lutTable(fn: (x: Float32Array) => Float32Array, input: Qp, output: Qp): Int8Array {
  const f = Math.fround;
  const xs = new Float32Array(256);
  for (let q = -128; q <= 127; q++) xs[q + 128] = f(f(input.scale) * (q - input.zeroPoint));
  const ys = fn(xs);
  const inverse = f(1 / f(output.scale));
  const table = new Int8Array(256);
  for (let i = 0; i < 256; i++) {
    const q = roundHalfAway(f(ys[i] * inverse)) + output.zeroPoint;
    table[i] = Number.isNaN(q) ? output.zeroPoint : Math.max(-128, Math.min(127, q));
  }
  return table;
}
