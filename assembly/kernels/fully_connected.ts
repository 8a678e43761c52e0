// fully_connected: x read as [rows = numel/K, K] with K from w [N, K], optional bias [N]; y [rows, N].
import { STORAGE_EMPTY } from '../../format/format';
import { opIn, opOut, opParam, opParamF, tdim, tptr, tzp, tstorage, tnumel, opInCount } from '../state';
import { dotS8, dot4_s8_scalar, dot4rows_s8_simdv, dot_f32 } from './dot';

const acc4: usize = memory.data(16, 16);
import { mbqm, clampi } from '../fixedpoint';
import { requant4Simd, store4s8 } from '../requant_simd';

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

@inline function fully_connected_s8_impl(op: usize, simd: bool): void {
  const x = opIn(op, 0), w = opIn(op, 1), y = opOut(op, 0);
  const hasBias = tstorage(opIn(op, 2)) != STORAGE_EMPTY;
  const xp = tptr(x), wp = tptr(w), bp = hasBias ? tptr(opIn(op, 2)) : 0;
  const mp = tptr(opIn(op, 3)), shp = tptr(opIn(op, 4));
  const K = tdim(w, 1), N = tdim(w, 0), rows = tnumel(x) / K;
  const amin = opParam(op, 0), amax = opParam(op, 1);
  const inOff = -tzp(x), outZp = tzp(y);
  let out = tptr(y);
  for (let r = 0; r < rows; r++) {
    const xr = xp + <usize>(r * K);
    let n = 0;
    if (ASC_FEATURE_SIMD && simd) {
      for (; n + 4 <= N; n += 4) {
        let acc = hasBias ? v128.load(bp + (<usize>n << 2)) : i32x4.splat(0);
        acc = i32x4.add(acc, dot4rows_s8_simdv(xr, 0, wp + <usize>(n * K), 0, <usize>K, 1, K, inOff));
        const chn = <usize>n << 2;
        store4s8(out, requant4Simd(acc, v128.load(mp + chn), v128.load(shp + chn), outZp, amin, amax));
        out += 4;
      }
    }
    for (; n + 4 <= N; n += 4) {
      for (let j = 0; j < 4; j++) {
        store<i32>(acc4 + (<usize>j << 2), hasBias ? load<i32>(bp + (<usize>(n + j) << 2)) : 0);
      }
      dot4_s8_scalar(xr, wp + <usize>(n * K), <usize>K, K, inOff, acc4);
      const chn = <usize>n << 2;
      for (let j: usize = 0; j < 4; j++) {
        const c = chn + (j << 2);
        const acc = load<i32>(acc4 + (j << 2));
        store<i8>(out + j, <i8>clampi(mbqm(acc, load<i32>(mp + c), load<i32>(shp + c)) + outZp, amin, amax));
      }
      out += 4;
    }
    for (; n < N; n++) {
      let acc = dotS8(simd, xr, wp + <usize>(n * K), K, inOff);
      if (hasBias) acc += load<i32>(bp + (<usize>n << 2));
      const m = load<i32>(mp + (<usize>n << 2)), s = load<i32>(shp + (<usize>n << 2));
      store<i8>(out, <i8>clampi(mbqm(acc, m, s) + outZp, amin, amax));
      out += 1;
    }
  }
}

export function fully_connected_s8_simd(op: usize): void {
  fully_connected_s8_impl(op, true);
}
export function fully_connected_s8_scalar(op: usize): void {
  fully_connected_s8_impl(op, false);
}
