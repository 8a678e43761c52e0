// Integer fixed-point arithmetic exactly as TFLite Micro's default (double-rounding) build computes
// it: gemmlowp's SaturatingRoundingDoublingHighMul / RoundingDivideByPOT / exp / reciprocal and
// TFLite's MultiplyByQuantizedMultiplier family. These are the oracle for the runtime's int8
// kernels, so every function here is bit-exact int32 arithmetic (wrapping where C++ wraps).
//
// JS numbers hold integers exactly only up to 2^53, and the int32 x int32 product needs 62 bits, so
// srdhm splits one factor into 16-bit halves; each partial product stays below 2^47 and is exact.

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;
const TWO_31 = 2147483648;

/**
 * gemmlowp SaturatingRoundingDoublingHighMul (ARM VQRDMULH): (a*b + nudge) / 2^31 truncated toward
 * zero, nudge = 2^30 for a*b >= 0 and 1 - 2^30 otherwise; INT32_MIN * INT32_MIN saturates to INT32_MAX.
 */
export function srdhm(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  // a*b = p1 * 2^16 + p0 with bl in [0, 2^16) and bh in [-2^15, 2^15).
  const bl = b & 0xffff;
  const bh = (b - bl) / 65536;
  const p1 = a * bh; // |p1| < 2^46, exact
  const p0 = a * bl; // |p0| < 2^47, exact
  // p1 * 2^16 = q1 * 2^31 + r1 * 2^16 with r1 in [0, 2^15).
  const q1 = Math.floor(p1 / 32768);
  const r1 = p1 - q1 * 32768;
  const negative = (a < 0 && b > 0) || (a > 0 && b < 0);
  const s = r1 * 65536 + p0 + (negative ? 1 - (1 << 30) : 1 << 30); // |s| < 2^48, exact
  const fl = Math.floor(s / TWO_31);
  const rem = s - fl * TWO_31;
  // floor((ab+nudge)/2^31) = q1 + fl; C++ integer division truncates toward zero instead.
  return q1 + fl + (negative && rem !== 0 ? 1 : 0);
}

/** gemmlowp RoundingDivideByPOT: arithmetic right shift by `exponent` (0..31), rounding half away from zero. */
export function roundingDivideByPOT(x: number, exponent: number): number {
  if (exponent === 0) return x | 0;
  const mask = exponent === 31 ? 0x7fffffff : (1 << exponent) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return ((x >> exponent) + (remainder > threshold ? 1 : 0)) | 0;
}

/**
 * gemmlowp SaturatingRoundingMultiplyByPOT<exponent>: a saturating left shift for exponent > 0, a
 * rounding right shift for exponent < 0.
 */
export function saturatingRoundingMultiplyByPOT(x: number, exponent: number): number {
  if (exponent === 0) return x;
  if (exponent < 0) return roundingDivideByPOT(x, -exponent);
  const threshold = (1 << (31 - exponent)) - 1;
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return x << exponent;
}

/** TFLite MultiplyByQuantizedMultiplier (double rounding): x * mult * 2^(shift-31), shift > 0 left. */
export function multiplyByQuantizedMultiplier(x: number, multiplier: number, shift: number): number {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  return roundingDivideByPOT(srdhm(Math.imul(x, 1 << left), multiplier), right);
}

/** TFLite MultiplyByQuantizedMultiplierSmallerThanOneExp (shift <= 0). */
export function multiplyByQuantizedMultiplierSmallerThanOneExp(x: number, multiplier: number, leftShift: number): number {
  return roundingDivideByPOT(srdhm(x, multiplier), -leftShift);
}

/** TFLite MultiplyByQuantizedMultiplierGreaterThanOne (shift >= 0). */
export function multiplyByQuantizedMultiplierGreaterThanOne(x: number, multiplier: number, leftShift: number): number {
  return srdhm(Math.imul(x, 1 << leftShift), multiplier);
}

/** gemmlowp RoundingHalfSum for int32: (a + b + sign) / 2, truncated toward zero. */
export function roundingHalfSum(a: number, b: number): number {
  const sum = a + b; // exact in float64
  return Math.trunc((sum + (sum >= 0 ? 1 : -1)) / 2);
}

/** Raw value of FixedPoint<int32, integerBits>::One(). */
function fixedOne(integerBits: number): number {
  return integerBits === 0 ? INT32_MAX : 1 << (31 - integerBits);
}

/** gemmlowp exp_on_interval_between_negative_one_quarter_and_0_excl, Q0.31 in and out. */
export function expOnIntervalBetweenNegativeOneQuarterAnd0Excl(a: number): number {
  const constantTerm = 1895147668; // exp(-1/8)
  const constant1Over3 = 715827883;
  const x = (a + (1 << 28)) | 0; // a + 1/8
  const x2 = srdhm(x, x);
  const x3 = srdhm(x2, x);
  const x4 = srdhm(x2, x2);
  const x4Over4 = saturatingRoundingMultiplyByPOT(x4, -2);
  const poly = saturatingRoundingMultiplyByPOT((srdhm((x4Over4 + x3) | 0, constant1Over3) + x2) | 0, -1);
  return (constantTerm + srdhm(constantTerm, (x + poly) | 0)) | 0;
}

// exp(-2^k) in Q0.31 for k = -2..4: the barrel shifter of exp_on_negative_values.
const EXP_BARREL: ReadonlyArray<[number, number]> = [
  [-2, 1672461947],
  [-1, 1302514674],
  [0, 790015084],
  [1, 290630308],
  [2, 39332535],
  [3, 720401],
  [4, 242],
];

/** gemmlowp exp_on_negative_values: `a` is FixedPoint<int32, integerBits> (a <= 0); result Q0.31. */
export function expOnNegativeValues(a: number, integerBits: number): number {
  const fractionalBits = 31 - integerBits;
  const oneQuarter = 1 << (fractionalBits - 2);
  const mask = oneQuarter - 1;
  const aModQuarterMinusOneQuarter = ((a & mask) - oneQuarter) | 0;
  let result = expOnIntervalBetweenNegativeOneQuarterAnd0Excl(
    saturatingRoundingMultiplyByPOT(aModQuarterMinusOneQuarter, integerBits),
  );
  const remainder = (aModQuarterMinusOneQuarter - a) | 0;
  for (const [exponent, multiplier] of EXP_BARREL) {
    if (integerBits > exponent) {
      const shiftAmount = fractionalBits + exponent;
      if (remainder & (1 << shiftAmount)) result = srdhm(result, multiplier);
    }
  }
  if (integerBits > 5) {
    const clamp = -(1 << (36 - integerBits)); // -32.0
    if (a < clamp) result = 0;
  }
  if (a === 0) result = INT32_MAX;
  return result;
}

/** gemmlowp one_over_one_plus_x_for_x_in_0_1: Q0.31 in and out, Newton-Raphson in Q2.29. */
export function oneOverOnePlusXForXIn01(a: number): number {
  const halfDenominator = roundingHalfSum(a, INT32_MAX);
  const constant48Over17 = 1515870810;
  const constantNeg32Over17 = -1010580540;
  const oneQ2 = fixedOne(2);
  let x = (constant48Over17 + srdhm(halfDenominator, constantNeg32Over17)) | 0;
  for (let i = 0; i < 3; i++) {
    const halfDenominatorTimesX = srdhm(halfDenominator, x);
    const oneMinus = (oneQ2 - halfDenominatorTimesX) | 0;
    x = (x + saturatingRoundingMultiplyByPOT(srdhm(x, oneMinus), 2)) | 0;
  }
  return saturatingRoundingMultiplyByPOT(x, 1);
}

/** Leading zeros of x read as uint32 (32 for 0). */
export function countLeadingZeros32(x: number): number {
  return Math.clz32(x);
}

/**
 * TFLite GetReciprocal: for x in Q(xIntegerDigits), returns 1/x as a Q0.31 raw value scaled by
 * 2^-numBitsOverUnit, and numBitsOverUnit.
 */
export function getReciprocal(x: number, xIntegerDigits: number): { reciprocal: number; numBitsOverUnit: number } {
  const headroomPlusOne = Math.clz32(x);
  const numBitsOverUnit = xIntegerDigits - headroomPlusOne;
  const shifted = headroomPlusOne >= 32 ? 0 : (x << headroomPlusOne) >>> 0;
  const shiftedSumMinusOne = (shifted - TWO_31) | 0;
  return { reciprocal: oneOverOnePlusXForXIn01(shiftedSumMinusOne), numBitsOverUnit };
}

/** Saturates to int8. */
export function clampS8(x: number): number {
  return x < -128 ? -128 : x > 127 ? 127 : x;
}

/** gemmlowp one_minus_x_over_one_plus_x_for_x_in_0_1: (1 − x) / (1 + x), Q0.31 in and out. */
export function oneMinusXOverOnePlusXForXIn01(a: number): number {
  const halfDenominator = roundingHalfSum(a, INT32_MAX);
  const oneQ2 = fixedOne(2);
  let x = (1515870810 + srdhm(halfDenominator, -1010580540)) | 0;
  for (let i = 0; i < 3; i++) {
    const halfDenominatorTimesX = srdhm(halfDenominator, x);
    const oneMinus = (oneQ2 - halfDenominatorTimesX) | 0;
    x = (x + saturatingRoundingMultiplyByPOT(srdhm(x, oneMinus), 2)) | 0;
  }
  return saturatingRoundingMultiplyByPOT((x - oneQ2) | 0, 2);
}

/** gemmlowp logistic: `a` is FixedPoint<int32, integerBits>; result Q0.31. */
export function logistic(a: number, integerBits: number): number {
  if (a === 0) return 1 << 30; // one half
  const positive = a > 0;
  const absInput = positive ? a : -a | 0;
  const resultIfPositive = oneOverOnePlusXForXIn01(expOnNegativeValues(-absInput | 0, integerBits));
  return positive ? resultIfPositive : (INT32_MAX - resultIfPositive) | 0;
}

/** gemmlowp tanh: `a` is FixedPoint<int32, integerBits>; result Q0.31. */
export function tanh(a: number, integerBits: number): number {
  if (a === 0) return 0;
  const negative = a < 0;
  const n = negative ? a : -a | 0; // −|a|
  // neg_tanh_on_negative_values: ExactMulByPot<1> keeps the raw value, adding one integer bit.
  const t = oneMinusXOverOnePlusXForXIn01(expOnNegativeValues(n, integerBits + 1));
  return negative ? -t | 0 : t;
}

/** TFLite SaturatingAddNonGemmlowp / SaturatingSub for int32: the exact sum / difference, saturated. */
function saturate32(x: number): number {
  return x > INT32_MAX ? INT32_MAX : x < INT32_MIN ? INT32_MIN : x;
}

/** gemmlowp Rescale<to>(FixedPoint<int32, from>): the raw value times 2^(from − to), as
 * SaturatingRoundingMultiplyByPOT does it. */
function rescale(raw: number, fromIntegerBits: number, toIntegerBits: number): number {
  return saturatingRoundingMultiplyByPOT(raw, fromIntegerBits - toIntegerBits);
}

/**
 * TFLite log_x_for_x_greater_than_or_equal_to_1 (internal/common.h, gemmlowp style): ln(x) for a
 * FixedPoint<int32, inputIntegerBits> x >= 1, as FixedPoint<int32, outputIntegerBits>. x = 2^z·m
 * with m in [√½, √2) taken from x's leading zeros (once as is, once premultiplied by √½; the
 * smaller mantissa wins), so ln x = z·ln 2 + ln m, and ln m a rational function of m's offset from
 * ⁴√½ evaluated in Q0.31 (one_over_one_plus_x for its denominator), summed with one integer bit
 * of headroom.
 */
export function logXForXGreaterThanOrEqualTo1(x: number, outputIntegerBits: number, inputIntegerBits: number): number {
  const accumIntegerBits = outputIntegerBits + 1;
  const log2 = 1488522236; // ln 2, Q0.31
  const sqrtSqrtHalf = 1805811301; // ⁴√½
  const sqrtHalf = 1518500250; // √½
  const oneQuarter = 536870912;
  const alphaN = 117049297; // 11/240 · ⁴√2
  const alphaD = 127690142; // 1/20 · ⁴√2
  const alphaI = 1057819769; // 2/⁴√2 − ⁴√2
  const alphaF = 638450708; // 1/4 · ⁴√2
  const shiftedQuarter = rescale(oneQuarter, 0, accumIntegerBits);
  const toAccum = (integer: number) => saturatingRoundingMultiplyByPOT(integer, 31 - accumIntegerBits);

  const zAHeadroomPlus1 = countLeadingZeros32(x);
  const rATmp = saturatingRoundingMultiplyByPOT(x, zAHeadroomPlus1 - 1);
  const rA = saturatingRoundingMultiplyByPOT(srdhm(rATmp, sqrtHalf), 1);
  const zAPow2Adj = saturate32(toAccum(inputIntegerBits - zAHeadroomPlus1) + shiftedQuarter);
  const zB = srdhm(x, sqrtHalf);
  const zBHeadroom = countLeadingZeros32(zB) - 1;
  const rB = saturatingRoundingMultiplyByPOT(x, zBHeadroom);
  const zBPow2Adj = saturate32(toAccum(inputIntegerBits - zBHeadroom) - shiftedQuarter);
  const r = Math.min(rA, rB);
  const zPow2Adj = Math.max(zAPow2Adj, zBPow2Adj);

  const p = roundingHalfSum(r, sqrtSqrtHalf);
  let q = (r - sqrtSqrtHalf) | 0;
  q = (q + q) | 0;
  const commonSq = srdhm(q, q);
  const num = (srdhm(q, r) + srdhm(srdhm(q, commonSq), alphaN)) | 0;
  const denomMinusOne = (srdhm(p, (alphaI + q + srdhm(alphaD, commonSq)) | 0) + srdhm(alphaF, q)) | 0;
  const recipDenom = oneOverOnePlusXForXIn01(denomMinusOne);
  const numScaled = rescale(num, 0, accumIntegerBits);
  return rescale((srdhm(zPow2Adj, log2) + srdhm(numScaled, recipDenom)) | 0, accumIntegerBits, outputIntegerBits);
}
