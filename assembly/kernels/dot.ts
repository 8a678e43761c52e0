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

@inline export function dot_s8(x: usize, w: usize, n: i32, offset: i32): i32 {
  if (ASC_FEATURE_SIMD) return dot_s8_simd(x, w, n, offset);
  return dot_s8_scalar(x, w, n, offset);
}

/** f32 dot in index order (the same order in both builds, so results are identical). */
export function dot_f32(x: usize, w: usize, n: i32): f32 {
  let acc: f32 = 0;
  for (let i = 0; i < n; i++) {
    acc += load<f32>(x + (<usize>i << 2)) * load<f32>(w + (<usize>i << 2));
  }
  return acc;
}
