// Numpy broadcasting of two inputs to an output of rank <= MAX_RANK, as rows: the output is walked
// as rows of its last dimension, each input advancing by its own (possibly 0) element stride.
import { MAX_RANK } from '../format/format';
import { tdim, trank, tnumel } from './state';

// Output dims and per-input element strides, left-padded to MAX_RANK (static, no allocation).
const dims: usize = memory.data(MAX_RANK * 4);
const strideA: usize = memory.data(MAX_RANK * 4);
const strideB: usize = memory.data(MAX_RANK * 4);
const counter: usize = memory.data(MAX_RANK * 4);

@inline function geti(base: usize, i: i32): i32 {
  return load<i32>(base + (<usize>i << 2));
}
@inline function seti(base: usize, i: i32, v: i32): void {
  store<i32>(base + (<usize>i << 2), v);
}

/** Strides of `t` broadcast to the first `r` dims of `y` (left-padded to MAX_RANK). */
function fillStrides(t: i32, y: i32, r: i32, out: usize): void {
  // Only t's leading dims take part (matmul drops its two matrix dims).
  const rt = trank(t) - (trank(y) - r);
  let stride = 1;
  for (let i = MAX_RANK - 1; i >= 0; i--) {
    const yi = i - (MAX_RANK - r); // index into y's dims
    const ti = yi - (r - rt); // index into t's dims
    if (yi < 0 || ti < 0) {
      seti(out, i, 0);
      continue;
    }
    const d = tdim(t, ti);
    seti(out, i, d == 1 ? 0 : stride);
    stride *= d;
  }
}

export let rowLen: i32 = 0;
export let rowStrideA: i32 = 0;
export let rowStrideB: i32 = 0;
let rowCount: i32 = 0;

/**
 * Prepares the walk of output y over its first `r` dims (r = rank(y) for elementwise ops, rank - 2
 * for matmul's batch dims, where rows have length 1). Returns the number of rows.
 */
export function broadcastSetup(a: i32, b: i32, y: i32, r: i32, rowsOfLastDim: bool): i32 {
  for (let i = 0; i < MAX_RANK; i++) {
    const yi = i - (MAX_RANK - r);
    seti(dims, i, yi < 0 ? 1 : tdim(y, yi));
    seti(counter, i, 0);
  }
  fillStrides(a, y, r, strideA);
  fillStrides(b, y, r, strideB);
  const na = tnumel(a), nb = tnumel(b), ny = tnumel(y);
  if (rowsOfLastDim && ((na == ny && nb == ny) || (na == ny && nb == 1) || (na == 1 && nb == ny))) {
    // Whole tensor as one row: same shapes, or one side a scalar.
    rowLen = ny;
    rowStrideA = na == 1 ? 0 : 1;
    rowStrideB = nb == 1 ? 0 : 1;
    rowCount = 1;
    return 1;
  }
  if (rowsOfLastDim) {
    rowLen = geti(dims, MAX_RANK - 1);
    rowStrideA = geti(strideA, MAX_RANK - 1);
    rowStrideB = geti(strideB, MAX_RANK - 1);
    seti(dims, MAX_RANK - 1, 1);
  } else {
    rowLen = 1;
    rowStrideA = 0;
    rowStrideB = 0;
  }
  let rows = 1;
  for (let i = 0; i < MAX_RANK; i++) rows *= geti(dims, i);
  rowCount = rows;
  return rows;
}

// Element offsets of the current row in a and b; advanced by broadcastNext().
export let offA: i32 = 0;
export let offB: i32 = 0;

export function broadcastStart(): void {
  offA = 0;
  offB = 0;
  for (let i = 0; i < MAX_RANK; i++) seti(counter, i, 0);
}

/** Advances the odometer to the next row. */
export function broadcastNext(): void {
  for (let i = MAX_RANK - 1; i >= 0; i--) {
    const c = geti(counter, i) + 1;
    if (c < geti(dims, i)) {
      seti(counter, i, c);
      offA += geti(strideA, i);
      offB += geti(strideB, i);
      return;
    }
    seti(counter, i, 0);
    offA -= (c - 1) * geti(strideA, i);
    offB -= (c - 1) * geti(strideB, i);
  }
}
