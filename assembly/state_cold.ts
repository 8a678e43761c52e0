// Tensor-record accessors for code that runs once per load or only in ops none of the shipped
// models use (validation, ABI queries, cold kernels' setup). The SIMD build (shrinkLevel 1) inlines
// every function of at most 6 expression nodes at each call site, which is what the kernels want
// from state.ts's one-field readers; here each reads through one out-of-line function per field
// width (a 7-node body, so it stays a call): about 5 bytes less per call site. The scalar build
// inlines none of state.ts's readers, so it keeps them.
import { T_DTYPE, T_RANK, T_STORAGE, T_ZERO_POINT, T_BYTE_SIZE } from '../format/format';
import { trec, tdtype as tdtypeS, trank as trankS, tstorage as tstorageS, tzp as tzpS, tbytes as tbytesS } from './state';

function recU8(id: i32, field: usize): i32 {
  return <i32>load<u8>(trec(id) + field);
}
function recI32(id: i32, field: usize): i32 {
  return load<i32>(trec(id) + field);
}
@inline export function tdtype(id: i32): i32 {
  return ASC_FEATURE_SIMD ? recU8(id, T_DTYPE) : tdtypeS(id);
}
@inline export function trank(id: i32): i32 {
  return ASC_FEATURE_SIMD ? recU8(id, T_RANK) : trankS(id);
}
@inline export function tstorage(id: i32): i32 {
  return ASC_FEATURE_SIMD ? recU8(id, T_STORAGE) : tstorageS(id);
}
@inline export function tzp(id: i32): i32 {
  return ASC_FEATURE_SIMD ? recI32(id, T_ZERO_POINT) : tzpS(id);
}
@inline export function tbytes(id: i32): u32 {
  return ASC_FEATURE_SIMD ? <u32>recI32(id, T_BYTE_SIZE) : tbytesS(id);
}
