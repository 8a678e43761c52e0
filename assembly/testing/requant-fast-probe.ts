// Test-only entry point (SIMD flags): the exact f64 requantization of assembly/requant_fast.ts
// against fixedpoint.ts's scalar mbqm (itself checked against the TS reference in
// test/runtime-fixedpoint.test.ts), swept inside WASM over whole accumulator ranges.
import { mbqm } from '../fixedpoint';
import { fastChannel, magicChannel, magicConstChannel, requant4Fast, requant4Prepared, useFastTable } from '../requant_fast';

// The table the kernels find in an op's scratch: the probe's own, for 16 channels.
const table: usize = memory.data(16 * 24, 16);

/** 1 when fastChannel accepts (mult, shift) for |acc| <= bound (sets channels 0..3), else 0. */
export function probe_fast_accepts(mult: i32, shift: i32, bound: f64): i32 {
  useFastTable(table, 16);
  let ok = true;
  for (let c = 0; c < 4; c++) ok = ok && fastChannel(c, mult, shift, bound);
  return ok ? 1 : 0;
}

/** requant4Fast of four accumulators (unclamped, zero point 0) after probe_fast_accepts. */
const out4: usize = memory.data(16, 16);
export function probe_fast4(a: i32, b: i32, c: i32, d: i32): usize {
  v128.store(out4, requant4Fast(i32x4(a, b, c, d), 0, 0, i32.MIN_VALUE, i32.MAX_VALUE));
  return out4;
}

/**
 * Mismatches between requant4Fast and mbqm for every acc in [from, to] (after probe_fast_accepts
 * with the same mult/shift); the first mismatching acc is left in firstBad.
 */
let firstBad: i32 = 0;
export function probe_first_bad(): i32 {
  return firstBad;
}
export function probe_fast_sweep(from: i32, to: i32, mult: i32, shift: i32): i32 {
  return sweep(from, to, mult, shift, false);
}

/** probe_fast_sweep for the magic entries (after probe_magic_accepts) and requant4Prepared. */
export function probe_magic_sweep(from: i32, to: i32, mult: i32, shift: i32): i32 {
  return sweep(from, to, mult, shift, true);
}

/** 1 when magicChannel (fastPrepare*'s form) accepts (mult, shift) for |acc| <= bound, else 0. */
export function probe_magic_accepts(mult: i32, shift: i32, bound: f64): i32 {
  useFastTable(table, 16);
  let ok = true;
  for (let c = 0; c < 4; c++) ok = ok && magicChannel(c, mult, shift, bound);
  return ok ? 1 : 0;
}

/** requant4Prepared of four accumulators (unclamped, zero point 0) after probe_magic_accepts. */
export function probe_magic4(a: i32, b: i32, c: i32, d: i32): usize {
  v128.store(out4, requant4Prepared(i32x4(a, b, c, d), 0, 0, i32.MIN_VALUE, i32.MAX_VALUE));
  return out4;
}

@inline function sweep(from: i32, to: i32, mult: i32, shift: i32, magic: bool): i32 {
  let bad = 0;
  for (let a = from; a <= to - 3; a += 4) {
    const x = i32x4(a, a + 1, a + 2, a + 3);
    const r = magic ? requant4Prepared(x, 0, 0, i32.MIN_VALUE, i32.MAX_VALUE) : requant4Fast(x, 0, 0, i32.MIN_VALUE, i32.MAX_VALUE);
    for (let k = 0; k < 4; k++) {
      const want = mbqm(a + k, mult, shift);
      const got = k == 0 ? i32x4.extract_lane(r, 0) : k == 1 ? i32x4.extract_lane(r, 1) : k == 2 ? i32x4.extract_lane(r, 2) : i32x4.extract_lane(r, 3);
      if (got != want) {
        if (bad == 0) firstBad = a + k;
        bad++;
      }
    }
  }
  return bad;
}

/** 1 when magicConstChannel accepts channels 0..3 as the constant mbqm(bias, mult, shift), else 0. */
export function probe_magic_const(bias: i32, mult: i32, shift: i32): i32 {
  useFastTable(table, 16);
  let ok = true;
  for (let c = 0; c < 4; c++) ok = ok && magicConstChannel(c, bias, mult, shift);
  return ok ? 1 : 0;
}

/** requant4Prepared of four accumulators with zero point zp, clamped to [lo, hi] (int8 bounds). */
export function probe_magic4c(a: i32, b: i32, c: i32, d: i32, zp: i32, lo: i32, hi: i32): usize {
  v128.store(out4, requant4Prepared(i32x4(a, b, c, d), 0, zp, lo, hi));
  return out4;
}

/**
 * Mismatches between requant4Prepared and clamp(mbqm + zp, -128, 127) for every acc in [from, to]
 * (after probe_magic_accepts with the same mult/shift): the form past MAGIC_LIMIT is exact only
 * after the int8 clamp.
 */
export function probe_magic_sweep_clamped(from: i32, to: i32, mult: i32, shift: i32, zp: i32): i32 {
  let bad = 0;
  for (let a = from; a <= to - 3; a += 4) {
    const r = requant4Prepared(i32x4(a, a + 1, a + 2, a + 3), 0, zp, -128, 127);
    for (let k = 0; k < 4; k++) {
      let want = mbqm(a + k, mult, shift) + zp;
      want = want < -128 ? -128 : want > 127 ? 127 : want;
      const got = k == 0 ? i32x4.extract_lane(r, 0) : k == 1 ? i32x4.extract_lane(r, 1) : k == 2 ? i32x4.extract_lane(r, 2) : i32x4.extract_lane(r, 3);
      if (got != want) {
        if (bad == 0) firstBad = a + k;
        bad++;
      }
    }
  }
  return bad;
}
