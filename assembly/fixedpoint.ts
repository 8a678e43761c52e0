// TFLite Micro / gemmlowp fixed-point arithmetic, bit-exact with the reference C++ (default build,
// i.e. "double rounding" MultiplyByQuantizedMultiplier). All helpers are branch-light and inlined,
// except srdhm and mbqm in the scalar build (one shared copy each: smaller module for WAMR).

/** gemmlowp SaturatingRoundingDoublingHighMul (a shared call in the scalar build, as mbqm below). */
@inline export function srdhm(a: i32, b: i32): i32 {
  if (!ASC_FEATURE_SIMD) return srdhmCall(a, b);
  return srdhmBody(a, b);
}
export function srdhmCall(a: i32, b: i32): i32 {
  return srdhmBody(a, b);
}
@inline function srdhmBody(a: i32, b: i32): i32 {
  if (a == b && a == i32.MIN_VALUE) return i32.MAX_VALUE;
  const ab = <i64>a * <i64>b;
  const nudge: i64 = ab >= 0 ? 1 << 30 : 1 - (1 << 30);
  // C++ divides by 2^31 truncating toward zero: a shift of the magnitude (|ab| < 2^62, no overflow).
  const q = ab + nudge;
  return <i32>(q >= 0 ? q >> 31 : -((-q) >> 31));
}

/** gemmlowp RoundingDivideByPOT (round half away from zero), exponent in [0, 31]. */
@inline export function rdbpot(x: i32, exponent: i32): i32 {
  const mask = (1 << exponent) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/**
 * TFLite MultiplyByQuantizedMultiplier(x, multiplier, shift): shift > 0 is left. Inlined in the SIMD
 * build; the scalar build (WAMR on ESP32, where RAM grows with module size) calls one shared copy
 * instead of inlining it at ~35 call sites.
 */
@inline export function mbqm(x: i32, mult: i32, shift: i32): i32 {
  if (!ASC_FEATURE_SIMD) return mbqmCall(x, mult, shift);
  return mbqmBody(x, mult, shift);
}
export function mbqmCall(x: i32, mult: i32, shift: i32): i32 {
  return mbqmBody(x, mult, shift);
}
/** mbqm inlined in every build: for kernels whose per-output work is a few MACs (depthwise,
 * elementwise), where a call per output would cost the scalar build ~30 % speed. */
@inline export function mbqmInline(x: i32, mult: i32, shift: i32): i32 {
  return mbqmBody(x, mult, shift);
}
@inline function mbqmBody(x: i32, mult: i32, shift: i32): i32 {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  return rdbpot(srdhmBody(x * (1 << left), mult), right);
}

@inline export function clampi(v: i32, lo: i32, hi: i32): i32 {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Saturating multiply by 2^exponent (gemmlowp SaturatingRoundingMultiplyByPOT, exponent > 0). */
@inline function satShiftLeft(x: i32, exponent: i32): i32 {
  const threshold = (1 << (31 - exponent)) - 1;
  if (x > threshold) return i32.MAX_VALUE;
  if (x < -threshold) return i32.MIN_VALUE;
  return x << exponent;
}

// The softmax helpers below run once per softmax element (a few per model): they call the shared
// srdhm copy in both builds rather than inlining ~25 copies of it into the SIMD build.
/** gemmlowp exp_on_interval_between_negative_one_quarter_and_0_excl, Q0.31 in and out. */
function expOnIntervalQuarter(a: i32): i32 {
  const constantTerm = 1895147668;
  const oneOverThree = 715827883;
  const x = a + (1 << 28);
  const x2 = srdhmCall(x, x);
  const x3 = srdhmCall(x2, x);
  const x4 = srdhmCall(x2, x2);
  const x4over4 = rdbpot(x4, 2);
  const poly = rdbpot(srdhmCall(x4over4 + x3, oneOverThree) + x2, 1);
  return constantTerm + srdhmCall(constantTerm, x + poly);
}

/** gemmlowp exp_on_negative_values for a Q5.26 input (kIntegerBits = 5); returns Q0.31. */
export function expOnNegativeValues(a: i32): i32 {
  const fractionalBits = 26;
  const oneQuarter = 1 << (fractionalBits - 2);
  const mask = oneQuarter - 1;
  const aModQuarterMinusOneQuarter = (a & mask) - oneQuarter;
  // Rescale<0> from 5 integer bits: a saturating shift left by 5 (never saturates here).
  let result = expOnIntervalQuarter(satShiftLeft(aModQuarterMinusOneQuarter, 5));
  const remainder = aModQuarterMinusOneQuarter - a;
  if (remainder & (1 << 24)) result = srdhmCall(result, 1672461947);
  if (remainder & (1 << 25)) result = srdhmCall(result, 1302514674);
  if (remainder & (1 << 26)) result = srdhmCall(result, 790015084);
  if (remainder & (1 << 27)) result = srdhmCall(result, 290630308);
  if (remainder & (1 << 28)) result = srdhmCall(result, 39332535);
  if (remainder & (1 << 29)) result = srdhmCall(result, 720401);
  if (remainder & (1 << 30)) result = srdhmCall(result, 242);
  return a == 0 ? i32.MAX_VALUE : result;
}

/** gemmlowp one_over_one_plus_x_for_x_in_0_1, Q0.31 in and out. */
function oneOverOnePlusX(a: i32): i32 {
  // RoundingHalfSum(a, One) with One = INT32_MAX.
  const sum = <i64>a + <i64>i32.MAX_VALUE;
  const halfDenominator = <i32>((sum + (sum >= 0 ? 1 : -1)) / 2);
  const c48over17 = 1515870810;
  const cNeg32over17 = -1010580540;
  let x = c48over17 + srdhmCall(halfDenominator, cNeg32over17); // Q2.29
  for (let i = 0; i < 3; i++) {
    const hdx = srdhmCall(halfDenominator, x); // Q2.29
    const oneMinus = (1 << 29) - hdx; // F2::One() - hdx
    x = x + satShiftLeft(srdhmCall(x, oneMinus), 2); // Rescale<2> of a Q4.27 product
  }
  // ExactMulByPot<-1> reinterprets Q2.29 as Q1.30; Rescale<0> shifts left by 1, saturating.
  return satShiftLeft(x, 1);
}

/** TFLite GetReciprocal: returns the Q0.31 reciprocal and stores num_bits_over_unit. */
let bitsOverUnit: i32 = 0;
export function reciprocal(x: i32, integerDigits: i32): i32 {
  const headroomPlusOne = <i32>clz<u32>(<u32>x);
  bitsOverUnit = integerDigits - headroomPlusOne;
  const shiftedSumMinusOne = <i32>((<u32>x << headroomPlusOne) - (<u32>1 << 31));
  return oneOverOnePlusX(shiftedSumMinusOne);
}
export function reciprocalBitsOverUnit(): i32 {
  return bitsOverUnit;
}

/** TFLite SaturatingAddNonGemmlowp for i32. */
@inline function satAdd(a: i32, b: i32): i32 {
  const s = <i64>a + <i64>b;
  return s > <i64>i32.MAX_VALUE ? i32.MAX_VALUE : s < <i64>i32.MIN_VALUE ? i32.MIN_VALUE : <i32>s;
}

/** satShiftLeft, one shared copy for logQ12ToQ5 (softmax's helpers keep theirs inlined). */
function satShl(x: i32, exponent: i32): i32 {
  return satShiftLeft(x, exponent);
}

/**
 * TFLite log_x_for_x_greater_than_or_equal_to_1<5>(x) for a Q12.19 x >= 1 (LOG_SOFTMAX's sum of
 * exps): ln x in Q5.26, accumulated in Q6.25. x = 2^z·m from x's leading zeros (twice: as is and
 * premultiplied by √½, the smaller mantissa wins), ln m a rational function of m − ⁴√½.
 */
export function logQ12ToQ5(x: i32): i32 {
  const log2 = 1488522236, sqrtSqrtHalf = 1805811301, sqrtHalf = 1518500250;
  const alphaN = 117049297, alphaD = 127690142, alphaI = 1057819769, alphaF = 638450708;
  const shiftedQuarter = 1 << 23; // Rescale<6>(1/4)
  const zAHeadroomPlus1 = <i32>clz<u32>(<u32>x);
  const rATmp = satShl(x, zAHeadroomPlus1 - 1);
  const rA = satShl(srdhmCall(rATmp, sqrtHalf), 1);
  // Integer parts (12 − leading zeros) as Q6.25: a shift by 25, never saturating (|v| <= 20).
  const zAPow2Adj = satAdd((12 - zAHeadroomPlus1) << 25, shiftedQuarter);
  const zB = srdhmCall(x, sqrtHalf);
  const zBHeadroom = <i32>clz<u32>(<u32>zB) - 1;
  const rB = satShl(x, zBHeadroom);
  const zBPow2Adj = satAdd((12 - zBHeadroom) << 25, -shiftedQuarter);
  const r = rA < rB ? rA : rB;
  const zPow2Adj = zAPow2Adj > zBPow2Adj ? zAPow2Adj : zBPow2Adj;
  // RoundingHalfSum(r, ⁴√½).
  const sum = <i64>r + <i64>sqrtSqrtHalf;
  const p = <i32>((sum + (sum >= 0 ? 1 : -1)) / 2);
  let q = r - sqrtSqrtHalf;
  q = q + q;
  const commonSq = srdhmCall(q, q);
  const num = srdhmCall(q, r) + srdhmCall(srdhmCall(q, commonSq), alphaN);
  const denomMinusOne = srdhmCall(p, alphaI + q + srdhmCall(alphaD, commonSq)) + srdhmCall(alphaF, q);
  const recipDenom = oneOverOnePlusX(denomMinusOne);
  const numScaled = rdbpot(num, 6); // Rescale<6>
  return satShl(srdhmCall(zPow2Adj, log2) + srdhmCall(numScaled, recipDenom), 1); // Rescale<5> from Q6
}
