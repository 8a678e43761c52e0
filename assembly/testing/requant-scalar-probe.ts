// Test-only entry point (scalar-build flags): the scalar kernels' integer requantization
// (assembly/kernels/requant_scalar.ts: one i64 multiply, add and shift) against fixedpoint.ts's
// mbqm (itself checked against the TS reference in test/runtime-fixedpoint.test.ts), swept inside
// WASM over accumulator ranges.
import { mbqm } from '../fixedpoint';
import { rqApply, rqLeft, rqBase, rqNeg, rqShift, rqStore2 } from '../kernels/requant_scalar';

/** rqApply of one accumulator. */
export function probe_rq(acc: i32, mult: i32, shift: i32): i32 {
  return rqApply(acc, rqLeft(shift), <i64>mult, rqBase(shift), rqNeg(shift), rqShift(shift));
}

/** rqStore2's two stored bytes (a at byte 0, b at byte 1) with output zero point and clamp. */
const out2: usize = memory.data(8, 8);
export function probe_store2(a: i32, b: i32, bias: i32, mult: i32, shift: i32, zp: i32, lo: i32, hi: i32): i32 {
  rqStore2(a, b, true, bias, mult, shift, zp, lo, hi, out2, out2 + 1);
  return <i32>load<u16>(out2);
}

let firstBad: i32 = 0;
export function probe_first_bad(): i32 {
  return firstBad;
}
/**
 * Mismatches between rqApply and mbqm over `count` accumulators from `from` in steps of `step`
 * (i32 wrapping); the first mismatching accumulator is left in firstBad.
 */
export function probe_rq_sweep(from: i32, count: i32, step: i32, mult: i32, shift: i32): i32 {
  const left = rqLeft(shift), m = <i64>mult, base = rqBase(shift), neg = rqNeg(shift), sh = rqShift(shift);
  let bad = 0;
  let a = from;
  for (let i = 0; i < count; i++) {
    if (rqApply(a, left, m, base, neg, sh) != mbqm(a, mult, shift)) {
      if (bad == 0) firstBad = a;
      bad++;
    }
    a += step;
  }
  return bad;
}
