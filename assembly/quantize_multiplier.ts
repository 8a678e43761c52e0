// TFLite's QuantizeMultiplier (tensorflow/lite/kernels/internal/quantization_util.cc) on a double,
// bit for bit as the converter's converter/passes/quantize/multiplier.ts computes it: frexp by
// bits, the significand scaled by 2^31 (exact) and rounded half away from zero. ENC_REQUANT
// streams rely on it to rebuild the Q31 multipliers at load from f32 scales. No imports, so the
// test probe (assembly/testing/requant-tables-probe.ts) compiles exactly this code.

/** The shift of the last quantizeMultiplier call (TFLite convention: > 0 left, <= 0 right). */
export let qmShift: i32 = 0;

/**
 * Q31 multiplier of a finite `real` (callers reject NaN and infinities). 0 → (0, 0); a value
 * whose shift would fall below -31 flushes to (0, 0), as TFLite does.
 */
export function quantizeMultiplier(real: f64): i32 {
  qmShift = 0;
  if (real == 0) return 0;
  let bits = reinterpret<u64>(real);
  let biased = <i32>((bits >> 52) & 0x7ff);
  let scaleBack = 0;
  if (biased == 0) {
    // Subnormal: scale into the normal range first (2^64 is exact).
    bits = reinterpret<u64>(real * 18446744073709551616.0);
    biased = <i32>((bits >> 52) & 0x7ff);
    scaleBack = 64;
  }
  let shift = biased - 1022 - scaleBack;
  const q = reinterpret<f64>((bits & 0x800fffffffffffff) | (<u64>1022 << 52));
  const x = q * 2147483648.0; // |x| in [2^30, 2^31): exact, and in range of i64
  const t = trunc(x);
  const frac = x - t; // exact
  let fixed = <i64>t;
  if (frac >= 0.5) fixed++;
  else if (frac <= -0.5) fixed--;
  if (fixed == 2147483648) {
    fixed = 1073741824;
    shift++;
  }
  if (shift < -31) return 0;
  qmShift = shift;
  return <i32>fixed;
}
