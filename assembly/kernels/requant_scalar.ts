// TFLM's MultiplyByQuantizedMultiplier as one i64 multiply, one add and one shift per output, for
// the scalar build's kernels (WAMR on 32-bit MCUs without a double-precision FPU: integer only).
//
// With N = (acc << left) * M (M >= 0, validated) and R the right shift, TFLM computes
//   r = SRDHM(acc << left, M) = floor((N + 2^30) / 2^31)        (round half up; M >= 0 never saturates)
//   result = RoundingDivideByPOT(r, R) = floor((r + 2^(R-1) - [r < 0]) / 2^R)   (R >= 1)
// and floor((floor(A) + k) / 2^R) = floor((A + k) / 2^R) for integer k, so for R >= 1
//   result = floor((N + 2^30 + 2^(30+R) - [N < 0] * 2^31) / 2^(31+R))
// ([r < 0] may be replaced by [N < 0]: for -2^30 <= N < 0 both give 0), and for R = 0
//   result = floor((N + 2^30) / 2^31).
// |N| < 2^62 and R <= 31 (validated), so every step is exact in i64: bit-identical to mbqm, for any
// accumulator. The left shift stays an i32 shift, as in the reference.
//
// Per channel a kernel keeps (left, M, base, neg, S) in locals (rqLeft ... rqShift of the shift);
// rqApply is the per-output part.

@inline export function rqLeft(shift: i32): i32 {
  return shift > 0 ? shift : 0;
}
@inline export function rqBase(shift: i32): i64 {
  return shift < 0 ? (<i64>1 << 30) + (<i64>1 << <i64>(30 - shift)) : <i64>1 << 30;
}
@inline export function rqNeg(shift: i32): i64 {
  return shift < 0 ? <i64>1 << 31 : 0;
}
@inline export function rqShift(shift: i32): i64 {
  return <i64>(shift < 0 ? 31 - shift : 31);
}

/** mbqm(acc, mult, shift) from the shift's rqLeft, rqBase, rqNeg, rqShift. */
@inline export function rqApply(acc: i32, left: i32, mult: i64, base: i64, neg: i64, sh: i64): i32 {
  const n = <i64>(acc << left) * mult;
  return <i32>((n + base - ((n >> 63) & neg)) >> sh);
}

/**
 * One channel of one or two outputs (a, b: sums without bias): bias, TFLM requantization, zero
 * point, clamp, stored at y0 (and y1 when `two`).
 */
@inline export function rqStore2(a: i32, b: i32, two: bool, bias: i32, mult: i32, shift: i32, zp: i32, lo: i32, hi: i32, y0: usize, y1: usize): void {
  const left = rqLeft(shift), m = <i64>mult, base = rqBase(shift), neg = rqNeg(shift), sh = rqShift(shift);
  let u = rqApply(a + bias, left, m, base, neg, sh) + zp;
  u = u < lo ? lo : u;
  store<i8>(y0, <i8>(u > hi ? hi : u));
  if (two) {
    let v = rqApply(b + bias, left, m, base, neg, sh) + zp;
    v = v < lo ? lo : v;
    store<i8>(y1, <i8>(v > hi ? hi : v));
  }
}
