// quantize (f32 -> s8), dequantize (s8 -> f32), requantize (s8 -> s8), as TFLite Micro.
import { opIn, opOut, opParam, tptr, tnumel, tscale, tzp } from '../state';
// Cold op: one shared MBQM copy (mbqmCall), not one inlined per call site, in both builds.
import { mbqmCall as mbqm, clampi } from '../fixedpoint';

/** Round half away from zero (C's roundf), without float-to-int conversion. */
@inline function roundHalfAway(v: f32): f32 {
  const t = Mathf.trunc(v);
  const d = v - t;
  if (d >= 0.5) return t + 1;
  if (d <= -0.5) return t - 1;
  return t;
}

export function quantize_f32_s8(op: usize): void {
  const x = opIn(op, 0), y = opOut(op, 0);
  const xp = tptr(x), yp = tptr(y), n = tnumel(x);
  const scale = tscale(y);
  const zp = <f32>tzp(y);
  for (let i = 0; i < n; i++) {
    const q = load<f32>(xp + (<usize>i << 2)) / scale;
    // A NaN quotient (a NaN input, or 0 / 0 on a zero scale) maps to the zero point, as the
    // reference. Saturate in float first: converting NaN or out-of-range floats to int would trap
    // in MVP wasm.
    let v = q != q ? zp : roundHalfAway(q) + zp;
    if (v < -128) v = -128;
    if (v > 127) v = 127;
    store<i8>(yp + <usize>i, <i8><i32>v);
  }
}

export function dequantize_s8_f32(op: usize): void {
  const x = opIn(op, 0), y = opOut(op, 0);
  const xp = tptr(x), yp = tptr(y), n = tnumel(x);
  const scale = tscale(x), zp = tzp(x);
  for (let i = 0; i < n; i++) {
    store<f32>(yp + (<usize>i << 2), scale * <f32>(<i32>load<i8>(xp + <usize>i) - zp));
  }
}

export function requantize_s8(op: usize): void {
  const x = opIn(op, 0), y = opOut(op, 0);
  const xp = tptr(x), yp = tptr(y), n = tnumel(x);
  const mult = opParam(op, 0), shift = opParam(op, 1);
  const inZp = tzp(x), outZp = tzp(y);
  for (let i = 0; i < n; i++) {
    const v = mbqm(<i32>load<i8>(xp + <usize>i) - inZp, mult, shift) + outZp;
    store<i8>(yp + <usize>i, <i8>clampi(v, -128, 127));
  }
}
