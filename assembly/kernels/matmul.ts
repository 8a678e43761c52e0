// matmul (f32): a[.., M, K] x b[.., K, N] with numpy broadcasting of the batch dims.
import { opIn, opOut, tdim, tptr } from '../state';
import { trank } from '../state_cold';
import { broadcastSetup, broadcastStart, broadcastNext, offA, offB } from '../broadcast';

export function matmul_f32(op: usize): void {
  const a = opIn(op, 0), b = opIn(op, 1), y = opOut(op, 0);
  const ra = trank(a), rb = trank(b), ry = trank(y);
  const M = tdim(a, ra - 2), K = tdim(a, ra - 1), N = tdim(b, rb - 1);
  const ap = tptr(a), bp = tptr(b);
  let yp = tptr(y);
  // Batch strides count whole matrices; offA/offB are scaled by the matrix sizes below.
  const batches = broadcastSetup(a, b, y, ry - 2, false);
  broadcastStart();
  for (let t = 0; t < batches; t++) {
    const pa = ap + (<usize>offA * <usize>(M * K) << 2);
    const pb = bp + (<usize>offB * <usize>(K * N) << 2);
    for (let m = 0; m < M; m++) {
      let n0 = 0;
      if (ASC_FEATURE_SIMD) {
        // Four columns per vector; each lane sums over k in the scalar order (identical results).
        for (; n0 + 4 <= N; n0 += 4) {
          let acc = f32x4.splat(0);
          for (let k = 0; k < K; k++) {
            acc = f32x4.add(acc, f32x4.mul(
              f32x4.splat(load<f32>(pa + (<usize>(m * K + k) << 2))),
              v128.load(pb + (<usize>(k * N + n0) << 2)),
            ));
          }
          v128.store(yp + (<usize>n0 << 2), acc);
        }
      }
      for (let n = n0; n < N; n++) {
        let acc: f32 = 0;
        for (let k = 0; k < K; k++) {
          acc += load<f32>(pa + (<usize>(m * K + k) << 2)) * load<f32>(pb + (<usize>(k * N + n) << 2));
        }
        store<f32>(yp + (<usize>n << 2), acc);
      }
      yp += <usize>N << 2;
    }
    broadcastNext();
  }
}
