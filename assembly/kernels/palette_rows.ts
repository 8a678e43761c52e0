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

// SIMD, 4-bit indices, byte-aligned row: 16 weights per step come from 8 index bytes, split into
// nibbles, put back in element order and looked up in the 16-entry codebook with one swizzle.
function dotPalette4Simd(x: usize, K: i32, inOff: i32, book: usize, p: usize): i32 {
  const cb = v128.load(book);
  const off = i16x8.splat(<i16>inOff);
  const lo4 = i8x16.splat(15);
  let a0 = i32x4.splat(0), a1 = i32x4.splat(0);
  let k = 0;
  for (; k + 16 <= K; k += 16) {
    const v = v128.load64_zero(p + <usize>(k >> 1));
    const lo = v128.and(v, lo4), hi = i8x16.shr_u(v, 4);
    const ix = i8x16.shuffle(lo, hi, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const wv = i8x16.swizzle(cb, ix);
    const xa = x + <usize>k;
    a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.add(v128.load8x8_s(xa), off), i16x8.extend_low_i8x16_s(wv)));
    a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.add(v128.load8x8_s(xa, 8), off), i16x8.extend_high_i8x16_s(wv)));
  }
  a0 = i32x4.add(a0, a1);
  let acc = i32x4.extract_lane(a0, 0) + i32x4.extract_lane(a0, 1) + i32x4.extract_lane(a0, 2) + i32x4.extract_lane(a0, 3);
  if (k < K) acc += dotPaletteScalar(x + <usize>k, K - k, inOff, book, p + <usize>(k >> 1), 0, 4);
  return acc;
}

// SIMD, 2-bit indices, byte-aligned row: 16 weights from 4 index bytes; the four 2-bit fields of
// each byte are interleaved back into element order with two shuffles.
function dotPalette2Simd(x: usize, K: i32, inOff: i32, book: usize, p: usize): i32 {
  const cb = v128.load32_zero(book);
  const off = i16x8.splat(<i16>inOff);
  const m2 = i8x16.splat(3);
  let a0 = i32x4.splat(0), a1 = i32x4.splat(0);
  let k = 0;
  for (; k + 16 <= K; k += 16) {
    const v = v128.load32_zero(p + <usize>(k >> 2));
    const c0 = v128.and(v, m2), c1 = v128.and(i8x16.shr_u(v, 2), m2);
    const c2 = v128.and(i8x16.shr_u(v, 4), m2), c3 = i8x16.shr_u(v, 6);
    const a = i8x16.shuffle(c0, c1, 0, 16, 1, 17, 2, 18, 3, 19, 0, 0, 0, 0, 0, 0, 0, 0);
    const b = i8x16.shuffle(c2, c3, 0, 16, 1, 17, 2, 18, 3, 19, 0, 0, 0, 0, 0, 0, 0, 0);
    const ix = i8x16.shuffle(a, b, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
    const wv = i8x16.swizzle(cb, ix);
    const xa = x + <usize>k;
    a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.add(v128.load8x8_s(xa), off), i16x8.extend_low_i8x16_s(wv)));
    a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.add(v128.load8x8_s(xa, 8), off), i16x8.extend_high_i8x16_s(wv)));
  }
  a0 = i32x4.add(a0, a1);
  let acc = i32x4.extract_lane(a0, 0) + i32x4.extract_lane(a0, 1) + i32x4.extract_lane(a0, 2) + i32x4.extract_lane(a0, 3);
  if (k < K) acc += dotPaletteScalar(x + <usize>k, K - k, inOff, book, p + <usize>(k >> 2), 0, 2);
  return acc;
}

/** Lane j = the sum of aj's four lanes (transpose-and-add). */
@inline function reduce4(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const s01 = i32x4.add(i32x4.shuffle(a0, a1, 0, 4, 2, 6), i32x4.shuffle(a0, a1, 1, 5, 3, 7));
  const s23 = i32x4.add(i32x4.shuffle(a2, a3, 0, 4, 2, 6), i32x4.shuffle(a2, a3, 1, 5, 3, 7));
  return i32x4.add(i32x4.shuffle(s01, s23, 0, 1, 4, 5), i32x4.shuffle(s01, s23, 2, 3, 6, 7));
}

@inline function lookup4(p: usize, cb: v128): v128 {
  const v = v128.load64_zero(p);
  const ix = i8x16.shuffle(v128.and(v, i8x16.splat(15)), i8x16.shr_u(v, 4), 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  return i8x16.swizzle(cb, ix);
}

@inline function lookup2(p: usize, cb: v128): v128 {
  const v = v128.load32_zero(p);
  const m2 = i8x16.splat(3);
  const a = i8x16.shuffle(v128.and(v, m2), v128.and(i8x16.shr_u(v, 2), m2), 0, 16, 1, 17, 2, 18, 3, 19, 0, 0, 0, 0, 0, 0, 0, 0);
  const b = i8x16.shuffle(v128.and(i8x16.shr_u(v, 4), m2), i8x16.shr_u(v, 6), 0, 16, 1, 17, 2, 18, 3, 19, 0, 0, 0, 0, 0, 0, 0, 0);
  return i8x16.swizzle(cb, i8x16.shuffle(a, b, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23));
}

/**
 * SIMD, 2- or 4-bit indices, four output channels n..n+3 (rows byte-aligned): each x step is
 * widened once for the four rows, as the dense 1x4 block does; lane j of the result is row j's sum
 * over k < K & ~15 (the caller adds the tail).
 */
function dotPaletteX4Simd(x: usize, K: i32, inOff: i32, bits: u32, b0: usize, b1: usize, b2: usize, b3: usize, p0: usize, rowBytes: usize): v128 {
  if (bits == 2) return dotPalette2x4Simd(x, K, inOff, b0, b1, b2, b3, p0, rowBytes);
  const c0 = v128.load(b0), c1 = v128.load(b1), c2 = v128.load(b2), c3 = v128.load(b3);
  const off = i16x8.splat(<i16>inOff);
  let a0 = i32x4.splat(0), a1 = i32x4.splat(0), a2 = i32x4.splat(0), a3 = i32x4.splat(0);
  for (let k = 0; k + 16 <= K; k += 16) {
    const xa = x + <usize>k;
    const xl = i16x8.add(v128.load8x8_s(xa), off), xh = i16x8.add(v128.load8x8_s(xa, 8), off);
    const p = p0 + <usize>(k >> 1);
    let w = lookup4(p, c0);
    a0 = i32x4.add(a0, i32x4.add(i32x4.dot_i16x8_s(xl, i16x8.extend_low_i8x16_s(w)), i32x4.dot_i16x8_s(xh, i16x8.extend_high_i8x16_s(w))));
    w = lookup4(p + rowBytes, c1);
    a1 = i32x4.add(a1, i32x4.add(i32x4.dot_i16x8_s(xl, i16x8.extend_low_i8x16_s(w)), i32x4.dot_i16x8_s(xh, i16x8.extend_high_i8x16_s(w))));
    w = lookup4(p + 2 * rowBytes, c2);
    a2 = i32x4.add(a2, i32x4.add(i32x4.dot_i16x8_s(xl, i16x8.extend_low_i8x16_s(w)), i32x4.dot_i16x8_s(xh, i16x8.extend_high_i8x16_s(w))));
    w = lookup4(p + 3 * rowBytes, c3);
    a3 = i32x4.add(a3, i32x4.add(i32x4.dot_i16x8_s(xl, i16x8.extend_low_i8x16_s(w)), i32x4.dot_i16x8_s(xh, i16x8.extend_high_i8x16_s(w))));
  }
  return reduce4(a0, a1, a2, a3);
}

function dotPalette2x4Simd(x: usize, K: i32, inOff: i32, b0: usize, b1: usize, b2: usize, b3: usize, p0: usize, rowBytes: usize): v128 {
  const c0 = v128.load32_zero(b0), c1 = v128.load32_zero(b1), c2 = v128.load32_zero(b2), c3 = v128.load32_zero(b3);
  const off = i16x8.splat(<i16>inOff);
  let a0 = i32x4.splat(0), a1 = i32x4.splat(0), a2 = i32x4.splat(0), a3 = i32x4.splat(0);
  for (let k = 0; k + 16 <= K; k += 16) {
    const xa = x + <usize>k;
    const xl = i16x8.add(v128.load8x8_s(xa), off), xh = i16x8.add(v128.load8x8_s(xa, 8), off);
    const p = p0 + <usize>(k >> 2);
    let w = lookup2(p, c0);
    a0 = i32x4.add(a0, i32x4.add(i32x4.dot_i16x8_s(xl, i16x8.extend_low_i8x16_s(w)), i32x4.dot_i16x8_s(xh, i16x8.extend_high_i8x16_s(w))));
    w = lookup2(p + rowBytes, c1);
    a1 = i32x4.add(a1, i32x4.add(i32x4.dot_i16x8_s(xl, i16x8.extend_low_i8x16_s(w)), i32x4.dot_i16x8_s(xh, i16x8.extend_high_i8x16_s(w))));
    w = lookup2(p + 2 * rowBytes, c2);
    a2 = i32x4.add(a2, i32x4.add(i32x4.dot_i16x8_s(xl, i16x8.extend_low_i8x16_s(w)), i32x4.dot_i16x8_s(xh, i16x8.extend_high_i8x16_s(w))));
    w = lookup2(p + 3 * rowBytes, c3);
    a3 = i32x4.add(a3, i32x4.add(i32x4.dot_i16x8_s(xl, i16x8.extend_low_i8x16_s(w)), i32x4.dot_i16x8_s(xh, i16x8.extend_high_i8x16_s(w))));
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
  for (let r = 0; r < rows; r++) {
    const x = xp + <usize>r * <usize>K;
    const y = yp + <usize>r * <usize>N;
    let n0 = 0;
    // Whole-byte rows (K * bits a multiple of 8): four channels per x step.
    if (ASC_FEATURE_SIMD && (bits == 4 || bits == 2) && ((<u32>K * bits) & 7) == 0) {
      const rowBytes = <usize>((<u32>K * bits) >> 3), kv = K & ~15;
      for (; n0 + 4 <= N; n0 += 4) {
        const p = idx + <usize>n0 * rowBytes;
        const v = dotPaletteX4Simd(
          x, K, inOff, bits, books + (<usize>(n0 / perBook) << bits), books + (<usize>((n0 + 1) / perBook) << bits),
          books + (<usize>((n0 + 2) / perBook) << bits), books + (<usize>((n0 + 3) / perBook) << bits), p, rowBytes,
        );
        for (let j = 0; j < 4; j++) {
          const n = n0 + j;
          let acc = i32x4.extract_lane(v, 0);
          if (j == 1) acc = i32x4.extract_lane(v, 1);
          else if (j == 2) acc = i32x4.extract_lane(v, 2);
          else if (j == 3) acc = i32x4.extract_lane(v, 3);
          if (kv < K) acc += dotPaletteScalar(x + <usize>kv, K - kv, inOff, books + (<usize>(n / perBook) << bits), p + <usize>j * rowBytes + <usize>((<u32>kv * bits) >> 3), 0, bits);
          out1(acc, n, bp, mp, shp, outZp, amin, amax, y + <usize>n);
        }
      }
    }
    for (let n = n0; n < N; n++) {
      const book = books + (<usize>(n / perBook) << bits);
      const bit0 = <u64>n * <u64>K * <u64>bits;
      let acc: i32;
      if (ASC_FEATURE_SIMD && bits == 4 && (bit0 & 7) == 0) acc = dotPalette4Simd(x, K, inOff, book, idx + <usize>(bit0 >> 3));
      else if (ASC_FEATURE_SIMD && bits == 2 && (bit0 & 7) == 0) acc = dotPalette2Simd(x, K, inOff, book, idx + <usize>(bit0 >> 3));
      else acc = dotPaletteScalar(x, K, inOff, book, idx, bit0, bits);
      out1(acc, n, bp, mp, shp, outZp, amin, amax, y + <usize>n);
    }
  }
}
