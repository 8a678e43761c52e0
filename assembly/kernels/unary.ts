// Elementwise unary ops: clamp (f32, s8), leaky_relu, sigmoid, tanh, hard_swish (f32), lut (s8).
import { OP_LEAKY_RELU, OP_SIGMOID, OP_TANH, OP_HARD_SWISH } from '../../format/format';
import { opIn, opOut, opParam, opParamF, tptr, tnumel } from '../state';

export function clamp_f32(op: usize): void {
  const x = opIn(op, 0);
  const xp = tptr(x), yp = tptr(opOut(op, 0)), n = tnumel(x);
  const lo = opParamF(op, 0), hi = opParamF(op, 1);
  for (let i = 0; i < n; i++) {
    let v = load<f32>(xp + (<usize>i << 2));
    v = v < lo ? lo : v;
    v = v > hi ? hi : v;
    store<f32>(yp + (<usize>i << 2), v);
  }
}

export function clamp_s8(op: usize): void {
  const x = opIn(op, 0);
  const xp = tptr(x), yp = tptr(opOut(op, 0)), n = tnumel(x);
  const lo = opParam(op, 0), hi = opParam(op, 1);
  for (let i = 0; i < n; i++) {
    let v = <i32>load<i8>(xp + <usize>i);
    v = v < lo ? lo : v;
    v = v > hi ? hi : v;
    store<i8>(yp + <usize>i, <i8>v);
  }
}

/**
 * tanh from Mathf.exp, which the runtime has anyway (sigmoid, softmax): Mathf.tanh would add
 * expm1 and itself, ~0.6 KB. Below |x| = 1/16, where 1 - 2/(e^2|x| + 1) would cancel, the odd
 * series to x^5 (truncation < 3e-10); above, a few f32 ulps of error on a result >= 0.06.
 */
export function tanh32(x: f32): f32 {
  const a = abs<f32>(x);
  if (a < <f32>0.0625) {
    const x2 = x * x;
    return x * (<f32>1 - x2 * (<f32>(1.0 / 3.0) - x2 * <f32>(2.0 / 15.0)));
  }
  const t = <f32>1 - <f32>2 / (Mathf.exp(a + a) + <f32>1);
  return x < 0 ? -t : t;
}

export function unary_f32(op: usize, code: i32): void {
  const x = opIn(op, 0);
  const xp = tptr(x), yp = tptr(opOut(op, 0)), n = tnumel(x);
  const alpha: f32 = code == OP_LEAKY_RELU ? opParamF(op, 0) : 0;
  for (let i = 0; i < n; i++) {
    const v = load<f32>(xp + (<usize>i << 2));
    let z: f32;
    if (code == OP_LEAKY_RELU) z = v >= 0 ? v : v * alpha;
    else if (code == OP_SIGMOID) z = <f32>1 / (<f32>1 + Mathf.exp(-v));
    else if (code == OP_TANH) z = tanh32(v);
    else {
      // hard_swish: x * relu6(x + 3) / 6
      let r = v + 3;
      r = r < 0 ? 0 : r;
      r = r > 6 ? 6 : r;
      z = (v * r) / 6;
    }
    store<f32>(yp + (<usize>i << 2), z);
  }
}

export function lut_s8(op: usize): void {
  const x = opIn(op, 0);
  const xp = tptr(x), tp = tptr(opIn(op, 1)), yp = tptr(opOut(op, 0)), n = tnumel(x);
  for (let i = 0; i < n; i++) {
    store<i8>(yp + <usize>i, load<i8>(tp + <usize>(<i32>load<i8>(xp + <usize>i) + 128)));
  }
}
