// Int8 GEMM rows against ENC_PALETTE weights read as stored (STORAGE_DIRECT): each weight is its
// group's codebook entry at its packed index (1, 2, 4 or 8 bits, LSB first), looked up while the
// dot product runs; nothing is expanded. Integer sums in any order: bit-identical with the dense
// kernels on the decoded weights.
//
// Stream (format/format.ts): u32 length, u8 bits, u8 1, u8 0 (mode: contiguous groups), u8 0,
// u32 G, G * 2^bits codebook bytes, then the packed indices. Validated at load (kernels/direct.ts):
// G divides N, so output channel n uses codebook n / (N / G) for its whole row.
import { ENC_HEADER_SIZE } from '../../format/format';
import { out1 } from './sparse_rows';

// The four lane sums of a channel group (SIMD), read back one by one.
const lanes4: usize = memory.data(16, 16);

/** Sum over k < K of (x[k] + inOff) * book[index k], indices from bit `bit0` of `idx`. */
function dotPaletteScalar(x: usize, K: i32, inOff: i32, book: usize, idx: usize, bit0: u64, bits: u32): i32 {
  let p = idx + <usize>(bit0 >> 3);
  let sh = <u32>(bit0 & 7);
  const mask = (1 << bits) - 1;
  let acc = 0;
  let k = 0;
  if (bits == 2 && sh == 0) {
    // Four weights a byte.
    for (; k + 4 <= K; k += 4) {
      const b = <u32>load<u8>(p);
      p++;
      const xk = x + <usize>k;
      acc += (<i32>load<i8>(xk) + inOff) * <i32>load<i8>(book + <usize>(b & 3));
      acc += (<i32>load<i8>(xk, 1) + inOff) * <i32>load<i8>(book + <usize>((b >> 2) & 3));
      acc += (<i32>load<i8>(xk, 2) + inOff) * <i32>load<i8>(book + <usize>((b >> 4) & 3));
      acc += (<i32>load<i8>(xk, 3) + inOff) * <i32>load<i8>(book + <usize>(b >> 6));
    }
  }
  if (bits == 4 && sh == 0) {
    // Two weights a byte.
    for (; k + 2 <= K; k += 2) {
      const b = <u32>load<u8>(p);
      p++;
      acc += (<i32>load<i8>(x + <usize>k) + inOff) * <i32>load<i8>(book + <usize>(b & 15));
      acc += (<i32>load<i8>(x + <usize>k + 1) + inOff) * <i32>load<i8>(book + <usize>(b >> 4));
    }
  }
  for (; k < K; k++) {
    const i = (<u32>load<u8>(p) >> sh) & mask;
    acc += (<i32>load<i8>(x + <usize>k) + inOff) * <i32>load<i8>(book + <usize>i);
    sh += bits;
    if (sh == 8) { sh = 0; p++; }
  }
  return acc;
}

// SIMD, 2- or 4-bit indices, byte-aligned rows. Sixteen weights per step:
//   4 bits: 8 index bytes split into nibbles in element order, looked up in the 16-byte codebook
//           with one swizzle;
//   2 bits: 4 index bytes split the same way, each nibble holding two indices (element 2m in its
//           low 2 bits, 2m + 1 in its high 2 bits), looked up in two 16-entry tables made from the
//           4-entry codebook (lo[n] = book[n & 3], hi[n] = book[n >> 2]) and interleaved.

/** The byte lanes of v's low 8 bytes split into nibbles, low nibble first: 16 indices in element order. */
@inline function nibbles(v: v128): v128 {
  return i8x16.shuffle(v128.and(v, i8x16.splat(15)), i8x16.shr_u(v, 4), 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
}

/** Sixteen weights from 2-bit indices at byte p, through the two tables of their codebook. */
@inline function lookup2(p: usize, lo: v128, hi: v128): v128 {
  const n = nibbles(v128.load32_zero(p));
  return i8x16.shuffle(i8x16.swizzle(lo, n), i8x16.swizzle(hi, n), 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
}

/** lo table of codebook b: the 16 entries (4 bits), or book[n & 3] for n < 16 (2 bits). */
@inline function tableLo(b: usize, bits: u32): v128 {
  if (bits == 4) return v128.load(b);
  const c = v128.load32_zero(b);
  return i8x16.shuffle(c, c, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3);
}
/** hi table of a 2-bit codebook: book[n >> 2] for n < 16. */
@inline function tableHi(b: usize): v128 {
  const c = v128.load32_zero(b);
  return i8x16.shuffle(c, c, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
}

@inline function dot16(a: v128, xl: v128, xh: v128, w: v128): v128 {
  return i32x4.add(a, i32x4.add(i32x4.dot_i16x8_s(xl, i16x8.extend_low_i8x16_s(w)), i32x4.dot_i16x8_s(xh, i16x8.extend_high_i8x16_s(w))));
}

/** Lane j = the sum of aj's four lanes (transpose-and-add). */
@inline function reduce4(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const s01 = i32x4.add(i32x4.shuffle(a0, a1, 0, 4, 2, 6), i32x4.shuffle(a0, a1, 1, 5, 3, 7));
  const s23 = i32x4.add(i32x4.shuffle(a2, a3, 0, 4, 2, 6), i32x4.shuffle(a2, a3, 1, 5, 3, 7));
  return i32x4.add(i32x4.shuffle(s01, s23, 0, 1, 4, 5), i32x4.shuffle(s01, s23, 2, 3, 6, 7));
}

/**
 * Four output channels whose index rows start at p0..p3 and codebooks at b0..b3: each x step is
 * widened once for the four rows, as the dense 1x4 block does; lane j of the result is row j's sum
 * over k < K & ~15 (the caller adds the tail).
 */
function dotPaletteX4Simd(x: usize, K: i32, inOff: i32, bits: u32, b0: usize, b1: usize, b2: usize, b3: usize, p0: usize, p1: usize, p2: usize, p3: usize): v128 {
  const l0 = tableLo(b0, bits), l1 = tableLo(b1, bits), l2 = tableLo(b2, bits), l3 = tableLo(b3, bits);
  const h0 = tableHi(b0), h1 = tableHi(b1), h2 = tableHi(b2), h3 = tableHi(b3);
  const off = i16x8.splat(<i16>inOff);
  const step = <usize>(bits << 1);
  let a0 = i32x4.splat(0), a1 = i32x4.splat(0), a2 = i32x4.splat(0), a3 = i32x4.splat(0);
  let q: usize = 0;
  for (let k = 0; k + 16 <= K; k += 16) {
    const xa = x + <usize>k;
    const xl = i16x8.add(v128.load8x8_s(xa), off), xh = i16x8.add(v128.load8x8_s(xa, 8), off);
    // One test per step for all four rows (the two forms differ only in the index unpacking).
    let w0: v128, w1: v128, w2: v128, w3: v128;
    if (bits == 4) {
      w0 = i8x16.swizzle(l0, nibbles(v128.load64_zero(p0 + q)));
      w1 = i8x16.swizzle(l1, nibbles(v128.load64_zero(p1 + q)));
      w2 = i8x16.swizzle(l2, nibbles(v128.load64_zero(p2 + q)));
      w3 = i8x16.swizzle(l3, nibbles(v128.load64_zero(p3 + q)));
    } else {
      w0 = lookup2(p0 + q, l0, h0);
      w1 = lookup2(p1 + q, l1, h1);
      w2 = lookup2(p2 + q, l2, h2);
      w3 = lookup2(p3 + q, l3, h3);
    }
    a0 = dot16(a0, xl, xh, w0);
    a1 = dot16(a1, xl, xh, w1);
    a2 = dot16(a2, xl, xh, w2);
    a3 = dot16(a3, xl, xh, w3);
    q += step;
  }
  return reduce4(a0, a1, a2, a3);
}

/**
 * y[r, n] = requant(bias[n] + sum_k (x[r, k] + inOff) * book_g[index(n, k)]) for `rows` x rows of
 * K bytes and N output channels.
 */
export function palette_gemm_s8(
  xp: usize, rows: i32, K: i32, s: usize, N: i32, bp: usize, mp: usize, shp: usize,
  inOff: i32, outZp: i32, amin: i32, amax: i32, yp: usize,
): void {
  const bits = <u32>load<u8>(s, 4), G = <i32>load<u32>(s, 8);
  const books = s + ENC_HEADER_SIZE;
  const idx = books + (<usize>G << bits);
  const perBook = N / G;
  const rowBits = <u32>K * bits;
  // Whole-byte rows (K * bits a multiple of 8): four channels per x step.
  const simd = ASC_FEATURE_SIMD && (bits == 4 || bits == 2) && (rowBits & 7) == 0;
  const rowBytes = <usize>(rowBits >> 3), kv = K & ~15, tail = <usize>((<u32>kv * bits) >> 3);
  for (let r = 0; r < rows; r++) {
    const x = xp + <usize>r * <usize>K;
    const y = yp + <usize>r * <usize>N;
    if (ASC_FEATURE_SIMD && simd) {
      for (let n0 = 0; n0 < N; n0 += 4) {
        // The last group's channels past N repeat channel N - 1 and are not stored.
        const n1 = n0 + 1 < N ? n0 + 1 : N - 1, n2 = n0 + 2 < N ? n0 + 2 : N - 1, n3 = n0 + 3 < N ? n0 + 3 : N - 1;
        v128.store(lanes4, dotPaletteX4Simd(
          x, K, inOff, bits, books + (<usize>(n0 / perBook) << bits), books + (<usize>(n1 / perBook) << bits),
          books + (<usize>(n2 / perBook) << bits), books + (<usize>(n3 / perBook) << bits),
          idx + <usize>n0 * rowBytes, idx + <usize>n1 * rowBytes, idx + <usize>n2 * rowBytes, idx + <usize>n3 * rowBytes,
        ));
        const m = N - n0 < 4 ? N - n0 : 4;
        for (let j = 0; j < m; j++) {
          const n = n0 + j;
          let acc = load<i32>(lanes4 + (<usize>j << 2));
          if (kv < K) acc += dotPaletteScalar(x + <usize>kv, K - kv, inOff, books + (<usize>(n / perBook) << bits), idx + <usize>n * rowBytes + tail, 0, bits);
          out1(acc, n, bp, mp, shp, outZp, amin, amax, y + <usize>n);
        }
      }
      continue;
    }
    for (let n = 0; n < N; n++) {
      const acc = dotPaletteScalar(x, K, inOff, books + (<usize>(n / perBook) << bits), idx, <u64>n * <u64>K * <u64>bits, bits);
      out1(acc, n, bp, mp, shp, outZp, amin, amax, y + <usize>n);
    }
  }
}
