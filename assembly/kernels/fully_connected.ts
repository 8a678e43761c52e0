// fully_connected: x read as [rows = numel/K, K] with K from w [N, K], optional bias [N]; y [rows, N].
import { STORAGE_EMPTY, O_FLAGS, OPF_PACKED_W16 } from '../../format/format';
import { opIn, opOut, opParam, opParamF, tdim, tptr, tzp, tstorage, tnumel, opInCount } from '../state';
import { dot_f32 } from './dot';
import { gemm_s8_rows } from './gemm';
import { packedBegin, gemm_s8_packed } from './gemm_packed';
import { kernelBuilt } from '../features';
import { KERNEL_PACKED, KERNEL_S8_PLAIN } from '../../format/runtime-features';

export function fully_connected_f32(op: usize): void {
  const x = opIn(op, 0), w = opIn(op, 1), y = opOut(op, 0);
  const hasBias = opInCount(op) > 2 && tstorage(opIn(op, 2)) != STORAGE_EMPTY;
  const xp = tptr(x), wp = tptr(w), bp = hasBias ? tptr(opIn(op, 2)) : 0;
  const K = tdim(w, 1), N = tdim(w, 0), rows = tnumel(x) / K;
  const lo = opParamF(op, 0), hi = opParamF(op, 1);
  let out = tptr(y);
  for (let r = 0; r < rows; r++) {
    const xr = xp + (<usize>(r * K) << 2);
    for (let n = 0; n < N; n++) {
      let acc: f32 = dot_f32(xr, wp + (<usize>(n * K) << 2), K);
      if (hasBias) acc += load<f32>(bp + (<usize>n << 2));
      acc = acc < lo ? lo : acc;
      acc = acc > hi ? hi : acc;
      store<f32>(out, acc);
      out += 4;
    }
  }
}

/**
 * int8: the rows of x are the GEMM rows (kernels/gemm.ts: 2x4 SIMD tiles, 1x4 scalar blocks). The
 * record reads are inlined here (inline.always; state.ts accessors are calls): small FC-only models
 * such as ad run this setup per op often enough that ~20 calls showed as ~2% of their latency.
 */
function fully_connected_s8(op: usize): void {
  const x = inline.always(opIn(op, 0)), w = inline.always(opIn(op, 1)), y = inline.always(opOut(op, 0));
  const hasBias = inline.always(tstorage(opIn(op, 2))) != STORAGE_EMPTY;
  const K = inline.always(tdim(w, 1)), N = inline.always(tdim(w, 0)), rows = tnumel(x) / K;
  const xp = inline.always(tptr(x)), wp = inline.always(tptr(w)), bp = hasBias ? inline.always(tptr(opIn(op, 2))) : 0;
  const mp = inline.always(tptr(opIn(op, 3))), sp = inline.always(tptr(opIn(op, 4)));
  const zx = inline.always(tzp(x)), zy = inline.always(tzp(y)), a0 = inline.always(opParam(op, 0)), a1 = inline.always(opParam(op, 1)), yp = inline.always(tptr(y));
  if (kernelBuilt(KERNEL_PACKED) && (load<u16>(op, O_FLAGS) & OPF_PACKED_W16)) {
    packedBegin(wp, N, K, bp, mp, sp, -zx, zy, a0, a1, rows);
    gemm_s8_packed(xp, rows, K, -zx, yp);
    return;
  }
  if (!kernelBuilt(KERNEL_S8_PLAIN)) return; // a per-model build whose int8 layers are all packed
  gemm_s8_rows(xp, rows, K, wp, N, bp, mp, sp, -zx, zy, a0, a1, yp);
}

export function fully_connected_s8_simd(op: usize): void {
  fully_connected_s8(op);
}
export function fully_connected_s8_scalar(op: usize): void {
  fully_connected_s8(op);
}
