// Int8 dot products shared by conv2d and fully_connected: sum of (x[i] + offset) * w[i], int32.
// Integer sums are exact (wrapping) in any order, so both variants give identical bits.

export function dot_s8_scalar(x: usize, w: usize, n: i32, offset: i32): i32 {
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += (<i32>load<i8>(x + <usize>i) + offset) * <i32>load<i8>(w + <usize>i);
  }
  return acc;
}

// x + offset lies in [-255, 255] and w in [-128, 127], so i16 lanes hold both factors exactly and
// each i32x4.dot_i16x8_s pair sum stays far below 2^31.
export function dot_s8_simd(x: usize, w: usize, n: i32, offset: i32): i32 {
  const off = i16x8.splat(<i16>offset);
  let acc0 = i32x4.splat(0);
  let acc1 = i32x4.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = x + <usize>i, q = w + <usize>i;
    acc0 = i32x4.add(acc0, i32x4.dot_i16x8_s(i16x8.add(v128.load8x8_s(p), off), v128.load8x8_s(q)));
    acc1 = i32x4.add(acc1, i32x4.dot_i16x8_s(i16x8.add(v128.load8x8_s(p, 8), off), v128.load8x8_s(q, 8)));
  }
  if (i + 8 <= n) {
    acc0 = i32x4.add(acc0, i32x4.dot_i16x8_s(i16x8.add(v128.load8x8_s(x + <usize>i), off), v128.load8x8_s(w + <usize>i)));
    i += 8;
  }
  acc0 = i32x4.add(acc0, acc1);
  let acc = i32x4.extract_lane(acc0, 0) + i32x4.extract_lane(acc0, 1) + i32x4.extract_lane(acc0, 2) + i32x4.extract_lane(acc0, 3);
  for (; i < n; i++) {
    acc += (<i32>load<i8>(x + <usize>i) + offset) * <i32>load<i8>(w + <usize>i);
  }
  return acc;
}

/** The SIMD dot when this build has SIMD and the caller asks for it, else the scalar one. */
@inline export function dotS8(simd: bool, x: usize, w: usize, n: i32, offset: i32): i32 {
  if (ASC_FEATURE_SIMD && simd) return dot_s8_simd(x, w, n, offset);
  return dot_s8_scalar(x, w, n, offset);
}

// f32 dot products in one fixed order that both builds follow exactly: four interleaved partial
// sums s_j over i = j (mod 4) for the first n & ~3 elements, combined as (s0 + s1) + (s2 + s3), then
// the tail added in index order. The SIMD variant keeps s0..s3 in the lanes of one f32x4; the scalar
// variant in four locals — the same IEEE operations, so identical results.
export function dot_f32_scalar(x: usize, w: usize, n: i32): f32 {
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const xp = x + (<usize>i << 2), wp = w + (<usize>i << 2);
    s0 += load<f32>(xp) * load<f32>(wp);
    s1 += load<f32>(xp, 4) * load<f32>(wp, 4);
    s2 += load<f32>(xp, 8) * load<f32>(wp, 8);
    s3 += load<f32>(xp, 12) * load<f32>(wp, 12);
  }
  let acc = (s0 + s1) + (s2 + s3);
  for (; i < n; i++) acc += load<f32>(x + (<usize>i << 2)) * load<f32>(w + (<usize>i << 2));
  return acc;
}

export function dot_f32_simd(x: usize, w: usize, n: i32): f32 {
  let s = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    s = f32x4.add(s, f32x4.mul(v128.load(x + (<usize>i << 2)), v128.load(w + (<usize>i << 2))));
  }
  let acc = (f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1)) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
  for (; i < n; i++) acc += load<f32>(x + (<usize>i << 2)) * load<f32>(w + (<usize>i << 2));
  return acc;
}

@inline export function dot_f32(x: usize, w: usize, n: i32): f32 {
  if (ASC_FEATURE_SIMD) return dot_f32_simd(x, w, n);
  return dot_f32_scalar(x, w, n);
}

/**
 * Four dot products sharing x: out[j] += sum of (x[i] + offset) * w[j*ws + i], j = 0..3. The x
 * bytes are widened once for all four weight rows (a 1x4 GEMM micro-kernel).
 */
export function dot4_s8_scalar(x: usize, w: usize, ws: usize, n: i32, offset: i32, out: usize): void {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let i = 0; i < n; i++) {
    const xv = <i32>load<i8>(x + <usize>i) + offset;
    const p = w + <usize>i;
    s0 += xv * <i32>load<i8>(p);
    s1 += xv * <i32>load<i8>(p + ws);
    s2 += xv * <i32>load<i8>(p + 2 * ws);
    s3 += xv * <i32>load<i8>(p + 3 * ws);
  }
  store<i32>(out, load<i32>(out) + s0);
  store<i32>(out, load<i32>(out, 4) + s1, 4);
  store<i32>(out, load<i32>(out, 8) + s2, 8);
  store<i32>(out, load<i32>(out, 12) + s3, 12);
}

/**
 * dot4 over `rows` runs: run r reads x at x + r*xStride and the four weight rows at
 * w + r*wStride (+ j*ws) — the conv kernel's in-bounds kernel rows.
 */
export function dot4rows_s8_scalar(
  x: usize, xStride: usize, w: usize, wStride: usize, ws: usize, rows: i32, n: i32, offset: i32, out: usize,
): void {
  for (let r = 0; r < rows; r++) {
    dot4_s8_scalar(x + <usize>r * xStride, w + <usize>r * wStride, ws, n, offset, out);
  }
}

/**
 * SIMD dot4rows: the four sums as one i32x4 (lane j = weight row j), accumulated across all rows
 * and reduced once with shuffles; integer sums, so the order does not change the bits.
 */
export function dot4rows_s8_simdv(
  x: usize, xStride: usize, w: usize, wStride: usize, ws: usize, rows: i32, n: i32, offset: i32,
): v128 {
  const off = i16x8.splat(<i16>offset);
  let a0 = i32x4.splat(0), a1 = i32x4.splat(0), a2 = i32x4.splat(0), a3 = i32x4.splat(0);
  const vEnd = n & ~7;
  let tail = i32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * xStride;
    const w0 = w + <usize>r * wStride, w1 = w0 + ws, w2 = w0 + 2 * ws, w3 = w0 + 3 * ws;
    let i = 0;
    for (; i < vEnd; i += 8) {
      const xv = i16x8.add(v128.load8x8_s(xr + <usize>i), off);
      a0 = i32x4.add(a0, i32x4.dot_i16x8_s(xv, v128.load8x8_s(w0 + <usize>i)));
      a1 = i32x4.add(a1, i32x4.dot_i16x8_s(xv, v128.load8x8_s(w1 + <usize>i)));
      a2 = i32x4.add(a2, i32x4.dot_i16x8_s(xv, v128.load8x8_s(w2 + <usize>i)));
      a3 = i32x4.add(a3, i32x4.dot_i16x8_s(xv, v128.load8x8_s(w3 + <usize>i)));
    }
    for (; i < n; i++) {
      // Tail: x splat times the four weights gathered into one vector.
      const xv = i32x4.splat(<i32>load<i8>(xr + <usize>i) + offset);
      let wv = i32x4.splat(<i32>load<i8>(w0 + <usize>i));
      wv = i32x4.replace_lane(wv, 1, <i32>load<i8>(w1 + <usize>i));
      wv = i32x4.replace_lane(wv, 2, <i32>load<i8>(w2 + <usize>i));
      wv = i32x4.replace_lane(wv, 3, <i32>load<i8>(w3 + <usize>i));
      tail = i32x4.add(tail, i32x4.mul(xv, wv));
    }
  }
  // Transpose-and-add: lane j = sum of aj's lanes.
  const s01 = i32x4.add(i32x4.shuffle(a0, a1, 0, 4, 2, 6), i32x4.shuffle(a0, a1, 1, 5, 3, 7));
  const s23 = i32x4.add(i32x4.shuffle(a2, a3, 0, 4, 2, 6), i32x4.shuffle(a2, a3, 1, 5, 3, 7));
  const sums = i32x4.add(i32x4.shuffle(s01, s23, 0, 1, 4, 5), i32x4.shuffle(s01, s23, 2, 3, 6, 7));
  return i32x4.add(sums, tail);
}
