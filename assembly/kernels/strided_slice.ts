// STRIDED_SLICE: y[i...] = x[begin[d] + i_d·stride[d] ...], any dtype (1, 2 or 4-byte elements).
// Validation proved every index the walk reaches is inside x.
import { MAX_RANK } from '../../format/format';
import { opIn, opOut, opParam, tdim, trank, tptr, tdtype, tnumel, dtypeSize } from '../state';

// Per-axis walk state: the byte step of one output step and the output dims, copied once from the
// op and tensor records (their accessors are calls; the walk runs per element).
const counter: usize = memory.data(MAX_RANK * 4);
const step: usize = memory.data(MAX_RANK * 4);
const outDim: usize = memory.data(MAX_RANK * 4);

export function strided_slice_any(op: usize): void {
  const x = opIn(op, 0), y = opOut(op, 0);
  const r = trank(x), es = dtypeSize(tdtype(x));
  let stride = es;
  let off = 0; // byte offset of the current source element
  for (let i = r - 1; i >= 0; i--) {
    store<i32>(step + (<usize>i << 2), opParam(op, r + i) * stride);
    store<i32>(outDim + (<usize>i << 2), tdim(y, i));
    store<i32>(counter + (<usize>i << 2), 0);
    off += opParam(op, i) * stride;
    stride *= tdim(x, i);
  }
  const n = tnumel(y);
  const xp = tptr(x);
  let yp = tptr(y);
  for (let k = 0; k < n; k++) {
    const src = xp + <usize>off;
    if (es == 4) store<u32>(yp, load<u32>(src));
    else if (es == 2) store<u16>(yp, load<u16>(src));
    else store<u8>(yp, load<u8>(src));
    yp += <usize>es;
    for (let i = r - 1; i >= 0; i--) {
      const s = load<i32>(step + (<usize>i << 2));
      const c = load<i32>(counter + (<usize>i << 2)) + 1;
      if (c < load<i32>(outDim + (<usize>i << 2))) {
        store<i32>(counter + (<usize>i << 2), c);
        off += s;
        break;
      }
      store<i32>(counter + (<usize>i << 2), 0);
      off -= s * (c - 1);
    }
  }
}
