// copy, concat, pad, transpose and strided_slice: data movement, dtype-agnostic (element size 1, 2 or 4).
import { MAX_RANK, PAD_MODE_CONSTANT, PAD_MODE_EDGE, PAD_MODE_REFLECT, DTYPE_F32 } from '../../format/format';
import { opIn, opOut, opInCount, opParam, tdim, tptr, tnumel, dtypeSize } from '../state';
import { trank, tdtype } from '../state_cold';

/** Byte copy that compiles to a plain loop in the MVP build (no bulk memory). */
@inline function copyBytes(dst: usize, src: usize, n: usize): void {
  memory.copy(dst, src, n);
}

export function copy_any(op: usize): void {
  const x = opIn(op, 0), y = opOut(op, 0);
  const n = <usize>tnumel(x) * <usize>dtypeSize(tdtype(x));
  const src = tptr(x), dst = tptr(y);
  if (src != dst) copyBytes(dst, src, n);
}

export function concat_any(op: usize): void {
  const y = opOut(op, 0);
  const r = trank(y), axis = opParam(op, 0);
  const es = dtypeSize(tdtype(y));
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= tdim(y, i);
  let inner = es;
  for (let i = axis + 1; i < r; i++) inner *= tdim(y, i);
  const yp = tptr(y);
  const yRow = <usize>tdim(y, axis) * <usize>inner;
  const nin = opInCount(op);
  let col: usize = 0;
  for (let j = 0; j < nin; j++) {
    const x = opIn(op, j);
    const chunk = <usize>tdim(x, axis) * <usize>inner;
    const xp = tptr(x);
    for (let o = 0; o < outer; o++) {
      copyBytes(yp + <usize>o * yRow + col, xp + <usize>o * chunk, chunk);
    }
    col += chunk;
  }
}

// Per-axis walk state. The walks read output dims (and pad's begins and input dims) from here, not
// from the tensor and op records: those accessors are calls (state.ts) and the walk runs per element.
const counter: usize = memory.data(MAX_RANK * 4);
const inStride: usize = memory.data(MAX_RANK * 4);
const outStride: usize = memory.data(MAX_RANK * 4);
const outDim: usize = memory.data(MAX_RANK * 4);
const inDim: usize = memory.data(MAX_RANK * 4);
const padBegin: usize = memory.data(MAX_RANK * 4);

@inline function geti(base: usize, i: i32): i32 {
  return load<i32>(base + (<usize>i << 2));
}
@inline function seti(base: usize, i: i32, v: i32): void {
  store<i32>(base + (<usize>i << 2), v);
}

@inline function moveElem(dst: usize, src: usize, es: i32): void {
  if (es == 4) store<u32>(dst, load<u32>(src));
  else if (es == 2) store<u16>(dst, load<u16>(src));
  else store<u8>(dst, load<u8>(src));
}

/**
 * y in order, n elements of es bytes, from x at byte offset `off`: one output step along axis i
 * moves x by outStride[i] bytes (the caller sets outStride, outDim and zeroes counter for axes
 * 0..r-1). Transpose and strided_slice are both this walk.
 */
export function stridedWalk(xp: usize, off: i32, yp: usize, n: i32, r: i32, es: i32): void {
  for (let k = 0; k < n; k++) {
    moveElem(yp, xp + <usize>off, es);
    yp += <usize>es;
    for (let i = r - 1; i >= 0; i--) {
      const c = geti(counter, i) + 1;
      if (c < geti(outDim, i)) {
        seti(counter, i, c);
        off += geti(outStride, i);
        break;
      }
      seti(counter, i, 0);
      off -= (c - 1) * geti(outStride, i);
    }
  }
}

/** y[i0..ir] = x[i_perm...]: walks y in order, x with permuted strides. */
export function transpose_any(op: usize): void {
  const x = opIn(op, 0), y = opOut(op, 0);
  const r = trank(x), es = dtypeSize(tdtype(x));
  let stride = es;
  for (let i = r - 1; i >= 0; i--) {
    seti(inStride, i, stride);
    stride *= tdim(x, i);
  }
  // outStride[i] = x stride of the axis that output axis i reads.
  for (let i = 0; i < r; i++) {
    seti(outStride, i, geti(inStride, opParam(op, i)));
    seti(outDim, i, tdim(y, i));
    seti(counter, i, 0);
  }
  stridedWalk(tptr(x), 0, tptr(y), tnumel(y), r, es);
}

/** STRIDED_SLICE: y[i...] = x[begin[d] + i_d * stride[d] ...] (validation proved every index the walk reaches is inside x). */
export function strided_slice_any(op: usize): void {
  const x = opIn(op, 0), y = opOut(op, 0);
  const r = trank(x), es = dtypeSize(tdtype(x));
  let stride = es;
  let off = 0; // byte offset of the first source element
  for (let i = r - 1; i >= 0; i--) {
    seti(outStride, i, opParam(op, r + i) * stride);
    seti(outDim, i, tdim(y, i));
    seti(counter, i, 0);
    off += opParam(op, i) * stride;
    stride *= tdim(x, i);
  }
  stridedWalk(tptr(x), off, tptr(y), tnumel(y), r, es);
}

/** Source index along one axis for output coordinate o, or -1 for constant padding. */
@inline function padSource(o: i32, begin: i32, n: i32, mode: i32): i32 {
  let i = o - begin;
  if (i >= 0 && i < n) return i;
  if (mode == PAD_MODE_CONSTANT) return -1;
  if (mode == PAD_MODE_EDGE) return i < 0 ? 0 : n - 1;
  if (mode == PAD_MODE_REFLECT) {
    if (n == 1) return 0;
    const period = 2 * (n - 1);
    i = i % period;
    if (i < 0) i += period;
    return i < n ? i : period - i;
  }
  // wrap
  i = i % n;
  return i < 0 ? i + n : i;
}

export function pad_any(op: usize): void {
  const x = opIn(op, 0), y = opOut(op, 0);
  const r = trank(x), dt = tdtype(x), es = dtypeSize(dt);
  const mode = opParam(op, 0), value = opParam(op, 1);
  let stride = es;
  for (let i = r - 1; i >= 0; i--) {
    seti(inStride, i, stride);
    stride *= tdim(x, i);
    seti(inDim, i, tdim(x, i));
    seti(outDim, i, tdim(y, i));
    seti(padBegin, i, opParam(op, 2 + i));
    seti(counter, i, 0);
  }
  const n = tnumel(y);
  const xp = tptr(x);
  let yp = tptr(y);
  for (let k = 0; k < n; k++) {
    let off = 0;
    let inside = true;
    for (let i = 0; i < r; i++) {
      const s = padSource(geti(counter, i), geti(padBegin, i), geti(inDim, i), mode);
      if (s < 0) {
        inside = false;
        break;
      }
      off += s * geti(inStride, i);
    }
    if (inside) moveElem(yp, xp + <usize>off, es);
    else if (dt == DTYPE_F32) store<i32>(yp, value); // f32 value stored as raw bits
    else if (es == 4) store<i32>(yp, value);
    else if (es == 2) store<i16>(yp, <i16>value);
    else store<i8>(yp, <i8>value);
    yp += <usize>es;
    for (let i = r - 1; i >= 0; i--) {
      const c = geti(counter, i) + 1;
      if (c < geti(outDim, i)) {
        seti(counter, i, c);
        break;
      }
      seti(counter, i, 0);
    }
  }
}
