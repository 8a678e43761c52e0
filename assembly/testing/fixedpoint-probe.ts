// Test-only entry point (not part of the runtime builds): exports the fixed-point helpers so
// test/runtime-fixedpoint.test.ts can compare them with the TypeScript reference directly.
import { srdhm, rdbpot, mbqm, expOnNegativeValues, reciprocal, reciprocalBitsOverUnit } from '../fixedpoint';
import { requant4Simd } from '../requant_simd';
import { fillSigmoidTable, sigmoidEntry } from '../kernels/lstm';

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

// SIMD requantization (SIMD flags only): lanes read from / written to this buffer as
// acc[4], mult[4], shift[4] -> out[4] (i32), unclamped (zero point 0, full i32 bounds).
const lanes: usize = memory.data(64, 16);
export function probe_lanes_ptr(): usize {
  return lanes;
}
export function probe_requant4(): i32 {
  if (ASC_FEATURE_SIMD) {
    const r = requant4Simd(v128.load(lanes), v128.load(lanes, 16), v128.load(lanes, 32), 0, i32.MIN_VALUE, i32.MAX_VALUE);
    v128.store(lanes, r, 48);
    return 1;
  }
  return 0;
}

// The integer LSTM's sigmoid table, built at run time (kernels/lstm.ts): entry i.
export function probe_sigmoid_table(i: i32): i32 {
  fillSigmoidTable();
  return <i32>sigmoidEntry(<u32>i);
}
