// unary (f32): one elementwise math function per op, chosen by param 0 (format.ts UNARY_*). The
// int8 form of every function is a `lut` op the converter computes, so only f32 lives here. Cold
// code: one plain loop; each function in f32 arithmetic on the Mathf functions the runtime has
// (exp, for sigmoid and softmax), plus Mathf.log and a small sine, linked only with this op.
import {
  UNARY_EXP, UNARY_LOG, UNARY_SQRT, UNARY_RSQRT, UNARY_ABS, UNARY_NEG, UNARY_RECIPROCAL, UNARY_SQUARE,
  UNARY_ERF, UNARY_SOFTPLUS, UNARY_ELU, UNARY_SELU, UNARY_CELU, UNARY_GELU, UNARY_GELU_TANH, UNARY_MISH,
  UNARY_SOFTSIGN, UNARY_FLOOR, UNARY_CEIL, UNARY_ROUND, UNARY_SIN,
} from '../../format/format';
import { opIn, opOut, opParam, opParamF, tptr, tnumel } from '../state';
import { tanh32 } from './unary';

/** log(1 + u) for u >= 0 without losing u when it is tiny next to 1 (Goldberg's correction: the
 * rounding of 1 + u divided out). */
function log1p32(u: f32): f32 {
  const w = <f32>1 + u;
  if (w == <f32>1) return u;
  return Mathf.log(w) * (u / (w - <f32>1));
}

/** log(1 + e^x), stable on both sides: max(x, 0) + log1p(e^-|x|). */
function softplus32(x: f32): f32 {
  return (x > 0 ? x : <f32>0) + log1p32(Mathf.exp(-abs<f32>(x)));
}

/**
 * erfc(z) for z >= 0: the Chebyshev fit of Numerical Recipes' erfcc (fractional error below
 * 1.2e-7 for every z >= 0), so erfc keeps its relative accuracy far into the tail, where GELU of a
 * negative input needs it.
 */
function erfcPos(z: f32): f32 {
  const t = <f32>1 / (<f32>1 + <f32>0.5 * z);
  const p = <f32>-1.26551223 + t * (<f32>1.00002368 + t * (<f32>0.37409196 + t * (<f32>0.09678418 + t * (<f32>-0.18628806
    + t * (<f32>0.27886807 + t * (<f32>-1.13520398 + t * (<f32>1.48851587 + t * (<f32>-0.82215223 + t * <f32>0.17087277))))))));
  return t * Mathf.exp(p - z * z);
}
/** erfc on all reals: erfc(−z) = 2 − erfc(z). */
function erfc32(z: f32): f32 {
  return z >= 0 ? erfcPos(z) : <f32>2 - erfcPos(-z);
}
/** erf: below |x| = 0.5 its Maclaurin series (where 1 − erfc would cancel), else 1 − erfc. */
function erf32(x: f32): f32 {
  if (abs<f32>(x) < <f32>0.5) {
    // 2/√π · (x − x³/3 + x⁵/10 − x⁷/42 + x⁹/216 − x¹¹/1320); the next term is below 2e-9 here.
    const x2 = x * x;
    const s = <f32>1 - x2 * (<f32>(1.0 / 3) - x2 * (<f32>0.1 - x2 * (<f32>(1.0 / 42) - x2 * (<f32>(1.0 / 216) - x2 * <f32>(1.0 / 1320)))));
    return <f32>1.1283791670955126 * x * s;
  }
  const e = <f32>1 - erfcPos(abs<f32>(x));
  return x < 0 ? -e : e;
}

/**
 * sin (cos: sine of x + π/2, one quadrant on) without Mathf.sin / cos, whose exact Payne-Hanek
 * reduction costs ~1.2 KB: x − k·π/2 in f64 with π/2 in two parts (k·hi exact for |k| < 2^20),
 * then Taylor polynomials on |r| <= π/4 (truncation < 3e-14). Error: a few 1e-8 up to |x| ~ 1e9,
 * growing with ulp(x) beyond (where an f32 x is already 64 or more apart from its neighbours).
 */
function sinQuadrant(x: f32, quadrant: i32): f32 {
  const v = <f64>x;
  const k = nearest<f64>(v * 0.6366197723675814);
  const r = v - k * 1.5707963267341256 - k * 6.077100506506192e-11;
  // The quadrant as an f64 in [0, 4) (an integer conversion would trap on NaN / Inf in the MVP build).
  const kq = k + <f64>quadrant;
  const q = kq - 4 * floor<f64>(kq * 0.25);
  const r2 = r * r;
  let y: f64;
  if (q == 1 || q == 3) {
    y = 1 - r2 * (0.5 - r2 * (1.0 / 24 - r2 * (1.0 / 720 - r2 * (1.0 / 40320 - r2 * (1.0 / 3628800 - r2 * (1.0 / 479001600 - r2 * (1.0 / 87178291200)))))));
  } else {
    y = r * (1 - r2 * (1.0 / 6 - r2 * (1.0 / 120 - r2 * (1.0 / 5040 - r2 * (1.0 / 362880 - r2 * (1.0 / 39916800 - r2 * (1.0 / 6227020800)))))));
  }
  return <f32>(q >= 2 ? -y : y);
}

/** e^x − 1 as the ONNX / TFLite float kernels compute it (exp, then subtract). */
function expm1(x: f32): f32 {
  return Mathf.exp(x) - <f32>1;
}

function apply(fn: i32, x: f32, a: f32, b: f32): f32 {
  switch (fn) {
    case UNARY_EXP: return Mathf.exp(x);
    case UNARY_LOG: return Mathf.log(x);
    case UNARY_SQRT: return sqrt<f32>(x);
    case UNARY_RSQRT: return <f32>1 / sqrt<f32>(x);
    case UNARY_ABS: return abs<f32>(x);
    case UNARY_NEG: return -x;
    case UNARY_RECIPROCAL: return <f32>1 / x;
    case UNARY_SQUARE: return x * x;
    case UNARY_ERF: return erf32(x);
    case UNARY_SOFTPLUS: return softplus32(x);
    case UNARY_ELU: return x > 0 ? x : a * expm1(x);
    case UNARY_SELU: return b * (x > 0 ? x : a * expm1(x));
    case UNARY_CELU: return (x > 0 ? x : <f32>0) + min<f32>(<f32>0, a * expm1(x / a));
    case UNARY_GELU: return <f32>0.5 * x * erfc32(x * <f32>-0.70710678118654752);
    case UNARY_GELU_TANH: return <f32>0.5 * x * (<f32>1 + tanh32(<f32>0.79788456080286536 * (x + <f32>0.044715 * x * x * x)));
    case UNARY_MISH: return x * tanh32(softplus32(x));
    case UNARY_SOFTSIGN: return x / (<f32>1 + abs<f32>(x));
    case UNARY_FLOOR: return floor<f32>(x);
    case UNARY_CEIL: return ceil<f32>(x);
    case UNARY_ROUND: return nearest<f32>(x); // f32.nearest: half to even
    case UNARY_SIN: return sinQuadrant(x, 0);
  }
  return sinQuadrant(x, 1); // UNARY_COS (validation admits no other code)
}

export function unary_math_f32(op: usize): void {
  const x = opIn(op, 0);
  const xp = tptr(x), yp = tptr(opOut(op, 0)), n = tnumel(x);
  const fn = opParam(op, 0), a = opParamF(op, 1), b = opParamF(op, 2);
  for (let i = 0; i < n; i++) {
    const p = <usize>i << 2;
    store<f32>(yp + p, apply(fn, load<f32>(xp + p), a, b));
  }
}
