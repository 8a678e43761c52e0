// Int8 GEMM rows against ENC_SPARSE_ROWS weights read as stored (STORAGE_DIRECT): for each output
// channel n only its non-zero weights are visited, as (u8 gap, i8 value) pairs, so the work is
// proportional to the non-zeros instead of N*K. Sums are exact integers in any order, so every
// output is bit-identical with the dense kernels on the expanded weights.
//
// Stream (format/format.ts): u32 length, u8 8, u8 1, u16 0, u32 R = N, R u16 counts, then the
// entries row after row. Validated once at load (kernels/direct.ts): every column lands in [0, K).
import { ENC_HEADER_SIZE } from '../../format/format';
import { mbqmCall, clampi } from '../fixedpoint';

/** One output: bias, requant, clamp, store (a call: per-output work, shared by the direct kernels). */
export function out1(acc: i32, n: i32, bp: usize, mp: usize, shp: usize, outZp: i32, amin: i32, amax: i32, y: usize): void {
  const c = <usize>n << 2;
  const sum = acc + (bp != 0 ? load<i32>(bp + c) : 0);
  store<i8>(y, <i8>clampi(mbqmCall(sum, load<i32>(mp + c), load<i32>(shp + c)) + outZp, amin, amax));
}

/**
 * y[r, n] = requant(bias[n] + sum over the row's entries (x[r, col] + inOff) * value), for `rows`
 * x rows of K bytes (row stride K) and N output channels (output row stride N).
 */
export function sparse_rows_gemm_s8(
  xp: usize, rows: i32, K: i32, s: usize, N: i32, bp: usize, mp: usize, shp: usize,
  inOff: i32, outZp: i32, amin: i32, amax: i32, yp: usize,
): void {
  const counts = s + ENC_HEADER_SIZE;
  const entries0 = counts + (<usize>N << 1);
  const xs = <usize>K, ys = <usize>N;
  let r = 0;
  // Four x rows share each decoded entry.
  for (; r + 4 <= rows; r += 4) {
    const x0 = xp + <usize>r * xs - 1;
    const y0 = yp + <usize>r * ys;
    let e = entries0;
    for (let n = 0; n < N; n++) {
      const c = <i32>load<u16>(counts + (<usize>n << 1));
      let p = x0;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (let j = 0; j < c; j++) {
        const v = <i32>load<i16>(e); // value in the high byte, sign-extended by the load
        e += 2;
        p += <usize>(v & 255) + 1;
        const w = v >> 8;
        a0 += (<i32>load<i8>(p) + inOff) * w;
        a1 += (<i32>load<i8>(p + xs) + inOff) * w;
        a2 += (<i32>load<i8>(p + 2 * xs) + inOff) * w;
        a3 += (<i32>load<i8>(p + 3 * xs) + inOff) * w;
      }
      const y = y0 + <usize>n;
      out1(a0, n, bp, mp, shp, outZp, amin, amax, y);
      out1(a1, n, bp, mp, shp, outZp, amin, amax, y + ys);
      out1(a2, n, bp, mp, shp, outZp, amin, amax, y + 2 * ys);
      out1(a3, n, bp, mp, shp, outZp, amin, amax, y + 3 * ys);
    }
  }
  for (; r < rows; r++) {
    const x0 = xp + <usize>r * xs - 1;
    const y0 = yp + <usize>r * ys;
    let e = entries0;
    for (let n = 0; n < N; n++) {
      const c = <i32>load<u16>(counts + (<usize>n << 1));
      let p = x0;
      let a0 = 0, a1 = 0;
      let j = 0;
      // Two independent sums shorten the add chain; the column walk stays serial.
      for (; j + 2 <= c; j += 2) {
        const v = <i32>load<i16>(e), u = <i32>load<i16>(e, 2);
        e += 4;
        p += <usize>(v & 255) + 1;
        a0 += (<i32>load<i8>(p) + inOff) * (v >> 8);
        p += <usize>(u & 255) + 1;
        a1 += (<i32>load<i8>(p) + inOff) * (u >> 8);
      }
      if (j < c) {
        const v = <i32>load<i16>(e);
        e += 2;
        p += <usize>(v & 255) + 1;
        a0 += (<i32>load<i8>(p) + inOff) * (v >> 8);
      }
      out1(a0 + a1, n, bp, mp, shp, outZp, amin, amax, y0 + <usize>n);
    }
  }
}
