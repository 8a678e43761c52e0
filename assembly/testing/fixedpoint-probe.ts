// Test-only entry point (not part of the runtime builds): exports the fixed-point helpers so
// test/runtime-fixedpoint.test.ts can compare them with the TypeScript reference directly.
import { srdhm, rdbpot, mbqm, expOnNegativeValues, reciprocal, reciprocalBitsOverUnit } from '../fixedpoint';

export function probe_srdhm(a: i32, b: i32): i32 {
  return srdhm(a, b);
}
export function probe_rdbpot(x: i32, e: i32): i32 {
  return rdbpot(x, e);
}
export function probe_mbqm(x: i32, m: i32, s: i32): i32 {
  return mbqm(x, m, s);
}
export function probe_exp(a: i32): i32 {
  return expOnNegativeValues(a);
}
export function probe_reciprocal(x: i32, digits: i32): i32 {
  return reciprocal(x, digits);
}
export function probe_bits_over_unit(): i32 {
  return reciprocalBitsOverUnit();
}
