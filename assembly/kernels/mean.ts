// mean over the axes in axes_mask (reduced dims kept as 1); s8 as TFLite Micro (see mean_s8). The
// walk (setup, step) is shared with reduce_max / reduce_min (min_max.ts).
import { MAX_RANK } from '../../format/format';
import { opIn, opOut, opParam, tdim, tptr, tnumel } from '../state';
import { trank, tzp } from '../state_cold';
// Cold op: one shared MBQM copy (mbqmCall), not one inlined per call site, in both builds.
import { mbqmCall as mbqm, clampi } from '../fixedpoint';

const inStride: usize = memory.data(MAX_RANK * 4);
export const redDims: usize = memory.data(MAX_RANK * 4);
export const redCounter: usize = memory.data(MAX_RANK * 4);
export const outDims: usize = memory.data(MAX_RANK * 4);
export const outCounter: usize = memory.data(MAX_RANK * 4);

@inline function geti(base: usize, i: i32): i32 {
  return load<i32>(base + (<usize>i << 2));
}
@inline function seti(base: usize, i: i32, v: i32): void {
  store<i32>(base + (<usize>i << 2), v);
}

/** Odometer step over `dims` with `counter`; returns the change of the input offset. */
export function step(dims: usize, counter: usize, r: i32): i32 {
  let delta = 0;
  for (let i = r - 1; i >= 0; i--) {
    const c = geti(counter, i) + 1;
    if (c < geti(dims, i)) {
      seti(counter, i, c);
      return delta + geti(inStride, i);
    }
    seti(counter, i, 0);
    delta -= (c - 1) * geti(inStride, i);
  }
  return delta;
}

/** Sets up reduced/kept dims; returns the number of reduced elements per output. */
export function setup(x: i32, mask: i32): i32 {
  const r = trank(x);
  let stride = 1;
  let count = 1;
  for (let i = r - 1; i >= 0; i--) {
    const d = tdim(x, i);
    seti(inStride, i, stride);
    stride *= d;
    const reduced = (mask & (1 << i)) != 0;
    seti(redDims, i, reduced ? d : 1);
    seti(outDims, i, reduced ? 1 : d);
    seti(redCounter, i, 0);
    seti(outCounter, i, 0);
    if (reduced) count *= d;
  }
  return count;
}

export function mean_f32(op: usize): void {
  const x = opIn(op, 0), y = opOut(op, 0);
  const r = trank(x);
  const count = setup(x, opParam(op, 0));
  const xp = tptr(x), yp = tptr(y), ny = tnumel(y);
  let base = 0;
  for (let o = 0; o < ny; o++) {
    let acc: f32 = 0;
    let off = base;
    for (let k = 0; k < count; k++) {
      acc += load<f32>(xp + (<usize>off << 2));
      off += step(redDims, redCounter, r);
    }
    store<f32>(yp + (<usize>o << 2), acc / <f32>count);
    base += step(outDims, outCounter, r);
  }
}

/**
 * TFLite Micro's QuantizedMeanOrSum: the raw values are summed, then 1/count is folded into the
 * multiplier (s = min(floor(log2 count), 32, 31 + shift); mult' = (mult << s) / count, truncating;
 * shift' = shift - s) and y = MBQM(sum - zp_in * count, mult', shift') + zp_out, saturated.
 */
export function mean_s8(op: usize): void {
  const x = opIn(op, 0), y = opOut(op, 0);
  const r = trank(x);
  const count = setup(x, opParam(op, 0));
  const mult = opParam(op, 1), shift = opParam(op, 2);
  let s = 31 - <i32>clz<u32>(<u32>count);
  if (s > 32) s = 32;
  if (s > 31 + shift) s = 31 + shift;
  const adjMult = <i32>((<i64>mult << <i64>s) / <i64>count);
  const adjShift = shift - s;
  const inZp = tzp(x), outZp = tzp(y);
  const xp = tptr(x), yp = tptr(y), ny = tnumel(y);
  let base = 0;
  for (let o = 0; o < ny; o++) {
    let acc = 0;
    let off = base;
    for (let k = 0; k < count; k++) {
      acc += <i32>load<i8>(xp + <usize>off);
      off += step(redDims, redCounter, r);
    }
    acc = mbqm(acc - inZp * count, adjMult, adjShift) + outZp;
    store<i8>(yp + <usize>o, <i8>clampi(acc, -128, 127));
    base += step(outDims, outCounter, r);
  }
}
