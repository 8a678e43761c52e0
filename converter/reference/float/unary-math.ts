// unary, f32: the elementwise math functions (format.ts UNARY_*), each evaluated in float64 from
// its definition and rounded to f32 once. NaN and ±Infinity follow IEEE arithmetic (log 0 = −Inf,
// log of a negative = NaN, sqrt of a negative = NaN, 1/0 = ±Inf).
import type { Node, UnaryAttrs, UnaryFunction } from '../../ir/graph.js';
import type { RefKernel } from '../types.js';
import { kernelError, requireF32 } from '../tensor-util.js';

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * erf by its series of positive terms, erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3···(2n+1))
 * (Abramowitz & Stegun 7.1.6): no cancellation, so float64 keeps ~15 digits; past |x| = 6, erf is
 * ±1 to float64 precision.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a > 6) return Math.sign(x);
  let term = a, sum = a;
  for (let n = 1; term > sum * 1e-17; n++) {
    term *= (2 * a * a) / (2 * n + 1);
    sum += term;
  }
  return Math.sign(x) * Math.min(1, TWO_OVER_SQRT_PI * Math.exp(-a * a) * sum);
}

/** log(1 + e^x) without overflow: max(x, 0) + log1p(e^−|x|). */
function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** Round half to even (ONNX Round, TFLite ROUND); a zero result keeps x's sign, as IEEE rounding does. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  const r = d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
  return r === 0 && (x < 0 || Object.is(x, -0)) ? -0 : r;
}

/** The float64 function of a unary node (alpha, gamma: its constants). */
export function unaryFunction(fn: UnaryFunction, alpha: number, gamma: number): (x: number) => number {
  const elu = (x: number) => (x > 0 ? x : alpha * Math.expm1(x));
  switch (fn) {
    case 'exp': return Math.exp;
    case 'log': return Math.log;
    case 'sqrt': return Math.sqrt;
    case 'rsqrt': return (x) => 1 / Math.sqrt(x);
    case 'abs': return Math.abs;
    case 'neg': return (x) => -x;
    case 'reciprocal': return (x) => 1 / x;
    case 'square': return (x) => x * x;
    case 'erf': return erf;
    case 'softplus': return softplus;
    case 'elu': return elu;
    case 'selu': return (x) => gamma * elu(x);
    case 'celu': return (x) => Math.max(0, x) + Math.min(0, alpha * Math.expm1(x / alpha));
    case 'gelu': return (x) => 0.5 * x * (1 + erf(x / Math.SQRT2));
    case 'gelu_tanh': return (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    case 'mish': return (x) => x * Math.tanh(softplus(x));
    case 'softsign': return (x) => x / (1 + Math.abs(x));
    case 'floor': return Math.floor;
    case 'ceil': return Math.ceil;
    case 'round': return roundHalfEven;
    case 'sin': return Math.sin;
    case 'cos': return Math.cos;
  }
}

export const unary_f32_ref: RefKernel = (node: Node, inputs) => {
  const x = requireF32(node, inputs, 0, 'x');
  const { fn, alpha = 0, gamma = 0 } = node.attrs as UnaryAttrs;
  if (typeof fn !== 'string') throw kernelError(node, `unary has no function`);
  const f = unaryFunction(fn, alpha, gamma);
  if (!f) throw kernelError(node, `unknown unary function '${String(fn)}'`);
  const out = new Float32Array(x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(x.data[i]);
  return [out];
};
