// The 256-entry tables of TFLite Micro's int8 LOGISTIC and TANH. TFLM evaluates both with gemmlowp
// fixed point from the input's scale and zero point only (reference_integer_ops::Logistic / Tanh,
// Prepare in logistic_common.cc / tanh.cc), so running that arithmetic over every int8 code gives a
// lookup table that reproduces TFLM bit for bit. Outputs: logistic 1/256 with zero point −128,
// tanh 1/128 with zero point 0 (the parameters TFLM requires).
import { logistic, multiplyByQuantizedMultiplier, roundingDivideByPOT, tanh } from '../../reference/fixedpoint.js';
import type { Node } from '../../ir/graph.js';
import { calculateInputRadius, frexp, quantizeMultiplier, roundHalfAway } from './multiplier.js';
import { type Qp, SIGMOID_QP, TANH_QP, lutTable } from './qparams.js';

const INPUT_INTEGER_BITS = 4;

/** TFLM's Prepare for int8 logistic/tanh: a frexp-based multiplier (no 2^31 carry handling). */
function inputParams(inputScale: number) {
  const real = Math.fround(inputScale) * 2 ** (31 - INPUT_INTEGER_BITS);
  const [q, leftShift] = frexp(real);
  let multiplier = roundHalfAway(q * 2147483648);
  if (multiplier === 2147483648) multiplier = -2147483648; // static_cast<int32_t> on x86
  return { multiplier, leftShift, radius: calculateInputRadius(INPUT_INTEGER_BITS, leftShift, 31) };
}

function table(inputScale: number, inputZeroPoint: number, fn: (inputQ4: number) => number): Int8Array {
  const p = inputParams(inputScale);
  const out = new Int8Array(256);
  for (let code = -128; code <= 127; code++) {
    const input = code - inputZeroPoint;
    let v: number;
    if (input <= -p.radius) v = -128;
    else if (input >= p.radius) v = 127;
    else v = fn(multiplyByQuantizedMultiplier(input, p.multiplier, p.leftShift));
    out[code + 128] = Math.max(-128, Math.min(127, v));
  }
  return out;
}

/** TFLM int8 LOGISTIC as a table indexed by code + 128 (output 1/256, zero point −128). */
export function tflmLogisticTable(inputScale: number, inputZeroPoint: number): Int8Array {
  return table(inputScale, inputZeroPoint, (x) => roundingDivideByPOT(logistic(x, INPUT_INTEGER_BITS), 31 - 8) - 128);
}

/** TFLM int8 TANH as a table indexed by code + 128 (output 1/128, zero point 0). */
export function tflmTanhTable(inputScale: number, inputZeroPoint: number): Int8Array {
  return table(inputScale, inputZeroPoint, (x) => roundingDivideByPOT(tanh(x, INPUT_INTEGER_BITS), 31 - 7));
}

/**
 * TFLM int8 LEAKY_RELU as a table (leaky_relu_common.cc + reference_ops::QuantizeLeakyRelu): two
 * multipliers, in/out for x >= 0 and in·alpha/out below, each product and ratio taken in f32 first.
 */
export function tflmLeakyReluTable(input: Qp, output: Qp, alpha: number): Int8Array {
  const f = Math.fround;
  const a = quantizeMultiplier(f(f(f(input.scale) * f(alpha)) / f(output.scale)));
  const id = quantizeMultiplier(f(f(input.scale) / f(output.scale)));
  const negativeAlpha = a.multiplier < 0;
  const safeAlpha = Math.abs(a.multiplier);
  const out = new Int8Array(256);
  for (let code = -128; code <= 127; code++) {
    const v = code - input.zeroPoint;
    let y = output.zeroPoint;
    if (v >= 0) {
      y += multiplyByQuantizedMultiplier(v, id.multiplier, id.shift);
    } else {
      const scaled = multiplyByQuantizedMultiplier(v, safeAlpha, a.shift);
      y += negativeAlpha ? -scaled : scaled;
    }
    out[code + 128] = Math.max(-128, Math.min(127, y));
  }
  return out;
}

/**
 * TFLM int8 ELU (elu.cc): PopulateLookupTable of x < 0 ? exp(x) - 1 : x, evaluated in f32 (expf
 * rounded, then the f32 subtraction), then TFLite's LUT rounding (lutTable).
 */
export function tflmEluTable(input: Qp, output: Qp): Int8Array {
  const f = Math.fround;
  return lutTable((xs) => xs.map((x) => (x < 0 ? f(f(Math.exp(x)) - 1) : x)), input, output);
}

const sameQp = (a: Qp, b: Qp) => Math.fround(a.scale) === Math.fround(b.scale) && a.zeroPoint === b.zeroPoint;

/**
 * The s8 table of a unary op: TFLM's own integer LOGISTIC / TANH (when the output has the parameters
 * TFLM requires), LEAKY_RELU and ELU (alpha 1, TFLite's), else (hard_swish, the other unary
 * functions) the float function sampled at the 256 dequantized codes (TFLite's LUTPopulate).
 */
export function unaryTable(node: Node, fn: (x: Float32Array) => Float32Array, input: Qp, output: Qp): Int8Array {
  if (node.op === 'sigmoid' && sameQp(output, SIGMOID_QP)) return tflmLogisticTable(input.scale, input.zeroPoint);
  if (node.op === 'tanh' && sameQp(output, TANH_QP)) return tflmTanhTable(input.scale, input.zeroPoint);
  if (node.op === 'leaky_relu') return tflmLeakyReluTable(input, output, (node as Node<'leaky_relu'>).attrs.alpha);
  if (node.op === 'unary') {
    const a = (node as Node<'unary'>).attrs;
    if (a.fn === 'elu' && a.alpha === 1) return tflmEluTable(input, output);
  }
  return lutTable(fn, input, output);
}
