// fully_connected: x read as [rows = numel/K, K] with K from w [N, K], optional bias [N]; y [rows, N].
import { STORAGE_EMPTY, O_FLAGS, OPF_PACKED_W16 } from '../../format/format';
import { opIn, opOut, opParam, opParamF, tdim, tptr, tzp, tstorage, tnumel, opInCount } from '../state';
import { dot_f32 } from './dot';
import { gemm_s8_rows } from './gemm';
import { packedBegin, packedUseFast, gemm_s8_packed } from './gemm_packed';
import { PF_X, PF_Y, PF_W, PF_BIAS, PF_N, PF_K, PF_ROWS, PF_IN_OFF, PF_OUT_ZP, PF_MIN, PF_MAX, PF_MULT, PF_SHIFT, PF_FAST } from '../prepared';
import { PREPARED_FC_ARGS } from '../../format/prepared';
import { useFastTable } from '../requant_fast';
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

/**
 * A fully_connected prepared at load (prepared.ts: packed int8 weights, fewer than 4 rows): its
 * arguments from the prepared record instead of the op and tensor records, its requantization
 * through the prepared table (when its bound allowed one) instead of the general form. No kernel scratch (dispatch.ts skips the
 * binding): the packed single-row path uses none besides the table.
 */
export function fully_connected_s8_prepared(rec: usize): void {
  const N = load<i32>(rec + PF_N), K = load<i32>(rec + PF_K), inOff = load<i32>(rec + PF_IN_OFF);
  packedBegin(
    load<u32>(rec + PF_W), N, K, load<u32>(rec + PF_BIAS), load<u32>(rec + PF_MULT), load<u32>(rec + PF_SHIFT),
    inOff, load<i32>(rec + PF_OUT_ZP), load<i32>(rec + PF_MIN), load<i32>(rec + PF_MAX), 0,
  );
  if (load<i32>(rec + PF_FAST)) {
    useFastTable(rec + PREPARED_FC_ARGS, (N + 15) & ~15);
    packedUseFast();
  }
  gemm_s8_packed(load<u32>(rec + PF_X), load<i32>(rec + PF_ROWS), K, inOff, load<u32>(rec + PF_Y));
}

export function fully_connected_s8_simd(op: usize): void {
  fully_connected_s8(op);
}
export function fully_connected_s8_scalar(op: usize): void {
  fully_connected_s8(op);
}
