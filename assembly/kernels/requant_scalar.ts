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
// Per channel the kernel keeps (left, M, base, neg, S) from rqPrepare in locals; rqApply is the
// per-output part.

// rqPrepare's results (read right after the call; the kernels copy them to locals).
export let rqLeft: i32 = 0;
export let rqBase: i64 = 0;
export let rqNeg: i64 = 0;
export let rqShift: i64 = 0;

@inline export function rqPrepare(shift: i32): void {
  const right = shift > 0 ? 0 : -shift;
  rqLeft = shift > 0 ? shift : 0;
  rqBase = right > 0 ? (<i64>1 << 30) + (<i64>1 << (30 + right)) : <i64>1 << 30;
  rqNeg = right > 0 ? <i64>1 << 31 : 0;
  rqShift = 31 + right;
}

/** mbqm(acc, mult, shift) from rqPrepare(shift)'s values. */
@inline export function rqApply(acc: i32, left: i32, mult: i64, base: i64, neg: i64, sh: i64): i32 {
  const n = <i64>(acc << left) * mult;
  return <i32>((n + base - ((n >> 63) & neg)) >> sh);
}
