// The fixed-point helpers against BigInt-exact transcriptions of gemmlowp / TFLite's definitions,
// over random and edge inputs; QuantizeMultiplier round trips; gemmlowp exp and reciprocal against
// the real functions within their documented accuracy.
import { describe, expect, it } from 'vitest';
import {
  INT32_MAX, INT32_MIN, expOnNegativeValues, getReciprocal, logistic, multiplyByQuantizedMultiplier, oneMinusXOverOnePlusXForXIn01,
  oneOverOnePlusXForXIn01, tanh,
  roundingDivideByPOT, saturatingRoundingMultiplyByPOT, srdhm,
} from '../converter/reference/fixedpoint.js';
import { calculateInputRadius, frexp, quantizeMultiplier, softmaxParams } from '../converter/passes/quantize/multiplier.js';
import { mulberry32 } from '../converter/util/random.js';

// ---- BigInt oracles (literal transcriptions of the C++) ----
function srdhmBig(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return Number((ab + nudge) / (1n << 31n)); // BigInt division truncates toward zero, like C++
}
function rdbpBig(x: number, e: number): number {
  const mask = (1n << BigInt(e)) - 1n;
  const bx = BigInt(x);
  const remainder = bx & mask;
  const threshold = (mask >> 1n) + (bx < 0n ? 1n : 0n);
  return Number((bx >> BigInt(e)) + (remainder > threshold ? 1n : 0n));
}
function mbqmBig(x: number, m: number, shift: number): number {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  const shifted = Number(BigInt.asIntN(32, BigInt(x) << BigInt(left)));
  return rdbpBig(srdhmBig(shifted, m), right);
}

const rng = mulberry32;
const EDGES = [INT32_MIN, INT32_MIN + 1, -(2 ** 30), -65536, -65535, -32768, -2, -1, 0, 1, 2, 32767, 32768, 65535, 65536, 2 ** 30, INT32_MAX - 1, INT32_MAX];

function randInt32(r: () => number): number {
  // Mix magnitudes: full range, 16-bit and small values.
  const k = r();
  if (k < 0.4) return (Math.floor(r() * 4294967296) - 2147483648) | 0;
  if (k < 0.7) return Math.floor(r() * 131072) - 65536;
  return Math.floor(r() * 512) - 256;
}

describe('SaturatingRoundingDoublingHighMul', () => {
  it('equals the BigInt definition on every edge pair and 200k random pairs', () => {
    for (const a of EDGES) for (const b of EDGES) expect(srdhm(a, b)).toBe(srdhmBig(a, b));
    const r = rng(1);
    for (let i = 0; i < 200000; i++) {
      const a = randInt32(r);
      const b = randInt32(r);
      const got = srdhm(a, b);
      if (got !== srdhmBig(a, b)) expect([a, b, got]).toEqual([a, b, srdhmBig(a, b)]);
    }
  });
  it('saturates INT32_MIN * INT32_MIN and rounds ties away from zero', () => {
    expect(srdhm(INT32_MIN, INT32_MIN)).toBe(INT32_MAX);
    // VQRDMULH rounds ties upward: +0.5 → 1, −0.5 → 0 (the negative nudge is 1 − 2^30).
    expect(srdhm(2 ** 30, 1)).toBe(1);
    expect(srdhm(-(2 ** 30), 1)).toBe(0);
    expect(srdhm(-(2 ** 30) - 1, 1)).toBe(-1);
    expect(srdhm(2 ** 30 - 1, 1)).toBe(0);
  });
});

describe('RoundingDivideByPOT', () => {
  it('equals the BigInt definition for every exponent 0..31', () => {
    const r = rng(2);
    for (let e = 0; e <= 31; e++) {
      for (const x of EDGES) expect(rdbpBig(x, e)).toBe(roundingDivideByPOT(x, e));
      for (let i = 0; i < 3000; i++) {
        const x = randInt32(r);
        expect(roundingDivideByPOT(x, e)).toBe(rdbpBig(x, e));
      }
    }
  });
  it('rounds ties away from zero', () => {
    expect(roundingDivideByPOT(5, 1)).toBe(3);
    expect(roundingDivideByPOT(-5, 1)).toBe(-3);
    expect(roundingDivideByPOT(6, 2)).toBe(2);
    expect(roundingDivideByPOT(-6, 2)).toBe(-2);
    expect(roundingDivideByPOT(-7, 2)).toBe(-2);
  });
});

describe('MultiplyByQuantizedMultiplier', () => {
  it('equals the BigInt definition for random x, multipliers and shifts -31..10', () => {
    const r = rng(3);
    for (let i = 0; i < 100000; i++) {
      const x = randInt32(r);
      const m = 2 ** 30 + Math.floor(r() * 2 ** 30);
      const shift = Math.floor(r() * 42) - 31;
      const got = multiplyByQuantizedMultiplier(x, m, shift);
      const want = mbqmBig(x, m, shift);
      if (got !== want) expect([x, m, shift, got]).toEqual([x, m, shift, want]);
    }
  });
  it('approximates x * real within one unit when no saturation occurs', () => {
    const r = rng(4);
    for (let i = 0; i < 20000; i++) {
      const real = 2 ** (r() * 16 - 12);
      const { multiplier, shift } = quantizeMultiplier(real);
      const x = Math.floor(r() * 2 ** 20) - 2 ** 19;
      if (Math.abs(x * real) > 2 ** 30) continue;
      expect(Math.abs(multiplyByQuantizedMultiplier(x, multiplier, shift) - x * real)).toBeLessThanOrEqual(1 + Math.abs(x * real) * 2 ** -30);
    }
  });
});

describe('SaturatingRoundingMultiplyByPOT', () => {
  it('saturates left shifts and rounds right shifts', () => {
    expect(saturatingRoundingMultiplyByPOT(2 ** 29, 2)).toBe(INT32_MAX);
    expect(saturatingRoundingMultiplyByPOT(-(2 ** 29) - 1, 2)).toBe(INT32_MIN);
    expect(saturatingRoundingMultiplyByPOT(12345, 3)).toBe(12345 * 8);
    expect(saturatingRoundingMultiplyByPOT(-12345, 3)).toBe(-12345 * 8);
    expect(saturatingRoundingMultiplyByPOT(7, -1)).toBe(rdbpBig(7, 1));
  });
});

describe('QuantizeMultiplier (frexp based)', () => {
  it('frexp splits exactly, including subnormals', () => {
    for (const x of [1, 0.5, 0.75, 3, 1e-300, 5e-324, 1.7976931348623157e308, -6.5, 2 ** -1074 * 3]) {
      const [f, e] = frexp(x);
      expect(Math.abs(f)).toBeGreaterThanOrEqual(0.5);
      expect(Math.abs(f)).toBeLessThan(1);
      const half = Math.floor(e / 2);
      expect(f * 2 ** half * 2 ** (e - half)).toBe(x);
    }
  });
  it('mult * 2^(shift-31) reproduces the real multiplier within 2^-31 relative', () => {
    const r = rng(5);
    for (let i = 0; i < 20000; i++) {
      const real = 2 ** (r() * 50 - 30) * (1 + r());
      const { multiplier, shift } = quantizeMultiplier(real);
      expect(multiplier).toBeGreaterThanOrEqual(2 ** 30);
      expect(multiplier).toBeLessThan(2 ** 31);
      const back = multiplier * 2 ** (shift - 31);
      expect(Math.abs(back - real) / real).toBeLessThanOrEqual(2 ** -31);
    }
  });
  it('handles the rounding carry (q rounds to 2^31), zero and flush-to-zero like TFLite', () => {
    expect(quantizeMultiplier(1 - 2 ** -40)).toEqual({ multiplier: 2 ** 30, shift: 1 });
    expect(quantizeMultiplier(0)).toEqual({ multiplier: 0, shift: 0 });
    expect(quantizeMultiplier(2 ** -40)).toEqual({ multiplier: 0, shift: 0 });
    expect(quantizeMultiplier(1)).toEqual({ multiplier: 2 ** 30, shift: 1 });
    expect(quantizeMultiplier(0.25)).toEqual({ multiplier: 2 ** 30, shift: -1 });
  });
});

describe('gemmlowp exp and reciprocal', () => {
  it('exp_on_negative_values (Q5.26 in) is within 1e-6 of exp()', () => {
    const r = rng(6);
    for (let i = 0; i < 5000; i++) {
      const raw = -Math.floor(r() * 2 ** 31);
      const got = expOnNegativeValues(raw, 5) / 2 ** 31;
      expect(Math.abs(got - Math.exp(raw / 2 ** 26))).toBeLessThan(1e-6);
    }
    expect(expOnNegativeValues(0, 5)).toBe(INT32_MAX);
  });
  it('one_over_one_plus_x is within 1e-8 of 1/(1+x) on [0, 1)', () => {
    const r = rng(7);
    for (let i = 0; i < 5000; i++) {
      const raw = Math.floor(r() * 2 ** 31);
      const got = oneOverOnePlusXForXIn01(raw) / 2 ** 31;
      expect(Math.abs(got - 1 / (1 + raw / 2 ** 31))).toBeLessThan(1e-8);
    }
  });
  it('logistic and tanh (Q4.27 in) are within 1e-6 of the real functions', () => {
    const r = rng(8);
    for (let i = 0; i < 5000; i++) {
      const raw = Math.floor((r() * 2 - 1) * 2 ** 31);
      const x = raw / 2 ** 27;
      expect(Math.abs(logistic(raw, 4) / 2 ** 31 - 1 / (1 + Math.exp(-x)))).toBeLessThan(1e-6);
      expect(Math.abs(tanh(raw, 4) / 2 ** 31 - Math.tanh(x))).toBeLessThan(1e-6);
    }
    expect(logistic(0, 4)).toBe(2 ** 30);
    expect(tanh(0, 4)).toBe(0);
    const x = 2 ** 30;
    expect(Math.abs(oneMinusXOverOnePlusXForXIn01(x) / 2 ** 31 - 1 / 3)).toBeLessThan(1e-8);
  });
  it('GetReciprocal inverts a Q12.19 sum', () => {
    for (const sum of [1 << 19, 3 << 19, 12345678, 2 ** 30 + 17]) {
      const { reciprocal, numBitsOverUnit } = getReciprocal(sum, 12);
      const recip = (reciprocal / 2 ** 31) * 2 ** -numBitsOverUnit;
      expect(Math.abs(recip * (sum / 2 ** 19) - 1)).toBeLessThan(1e-6);
    }
  });
  it('softmax params follow PreprocessSoftmaxScaling / CalculateInputRadius', () => {
    const p = softmaxParams(1, 0.1);
    const back = p.inputMultiplier * 2 ** (p.inputLeftShift - 31);
    expect(Math.abs(back - Math.fround(0.1) * 2 ** 26) / (Math.fround(0.1) * 2 ** 26)).toBeLessThan(2 ** -30);
    expect(p.diffMin).toBe(-Math.floor((31 * 2 ** 26) / 2 ** p.inputLeftShift));
    expect(calculateInputRadius(5, 0)).toBe(31 * 2 ** 26);
  });
});
