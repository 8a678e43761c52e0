// resize's source coordinates, per axis (0: rows, 1: columns), from the spec formulas. The reference
// kernels read them and the emitter stores them as the op's params (format.ts RESIZE): the runtime
// kernel only looks them up, so every coordinate rule lives here, once.
//
// Two arithmetics (ResizeAttrs.arithmetic):
//  - 'onnx': ONNX's reference implementation (onnx/reference/ops/op_resize.py, which produced the
//    conformance data): f64, x_original from coordinate_transformation_mode with the scale and the
//    unrounded output length scale·in; nearest rounds by nearest_mode (an integer stays itself);
//    linear takes floor(x) and floor(x) + 1 with edge clamping.
//  - 'tflite': TFLite's reference kernels (reference_ops::ResizeNearestNeighbor / ResizeBilinear,
//    TFLM's too): f32 products with scale = in/out ((in-1)/(out-1) for align_corners); the s8
//    bilinear in TFLM's ResizeBilinearInteger Q10 fixed point.
import type { ResizeAttrs } from '../ir/graph.js';

export type ResizeAxis = 0 | 1;

/** Bilinear taps of one axis: output position i reads lo[i] and hi[i], weighted 1 - frac[i] and frac[i]. */
export interface ResizeTaps {
  lo: number[];
  hi: number[];
  /** f32 values (float form) or Q10 integers (s8 form). */
  frac: number[];
}

const f32 = Math.fround;

function clampIndex(i: number, inSize: number): number {
  return Math.min(Math.max(i, 0), inSize - 1);
}

/** ONNX's x_original for output position x (op_resize.py _compute_x_ori), f64. */
export function onnxSourceCoordinate(a: ResizeAttrs, axis: ResizeAxis, inSize: number, x: number): number {
  const scale = a.scales[axis];
  const outLength = scale * inSize; // unrounded, as the reference uses it
  switch (a.coordinates) {
    case 'align_corners':
      return outLength === 1 ? 0 : (x * (inSize - 1)) / (outLength - 1);
    case 'asymmetric':
      return x / scale;
    case 'pytorch_half_pixel':
      return outLength === 1 ? -0.5 : (x + 0.5) / scale - 0.5;
    case 'half_pixel':
      return (x + 0.5) / scale - 0.5;
    case 'half_pixel_symmetric': {
      const offset = (inSize / 2) * (1 - a.size[axis] / outLength);
      return offset + (x + 0.5) / scale - 0.5;
    }
    case 'tf_half_pixel_for_nn':
      return (x + 0.5) / scale;
    case 'tf_crop_and_resize': {
      // The reference's roi is f32 and numpy keeps f32 where no f64 enters: end − start and
      // start·(in − 1) (and the whole of the one-pixel case) round to f32, as ONNX Runtime's do.
      const [start, end] = [a.roi![axis], a.roi![2 + axis]];
      const offset = f32(start * (inSize - 1));
      if (outLength === 1) return f32(f32(f32(f32(end - start) * (inSize - 1)) / 2) + offset);
      return (x * f32(end - start) * (inSize - 1)) / (outLength - 1) + offset;
    }
  }
}

/** TFLite's scale for one axis: in/out, or (in-1)/(out-1) for align_corners, as an f32. */
function tfliteScale(a: ResizeAttrs, axis: ResizeAxis, inSize: number): number {
  const out = a.size[axis];
  return a.coordinates === 'align_corners' && out > 1 ? f32((inSize - 1) / (out - 1)) : f32(inSize / out);
}

function onnxNearest(a: ResizeAttrs, v: number): number {
  const fl = Math.floor(v);
  if (fl === v) return v;
  const r = v - fl;
  switch (a.nearestRounding) {
    case 'round_prefer_floor':
      return r <= 0.5 ? fl : fl + 1;
    case 'round_prefer_ceil':
      return r < 0.5 ? fl : fl + 1;
    case 'floor':
      return fl;
    case 'ceil':
      return fl + 1;
  }
}

/** The input row / column each output position copies (nearest). */
export function nearestSources(a: ResizeAttrs, axis: ResizeAxis, inSize: number): number[] {
  const out: number[] = [];
  if (a.arithmetic === 'onnx') {
    for (let x = 0; x < a.size[axis]; x++) out.push(clampIndex(onnxNearest(a, onnxSourceCoordinate(a, axis, inSize, x)), inSize));
    return out;
  }
  // TFLite GetNearestNeighbor: floor((x + offset)·scale), or round half away (align_corners);
  // the offset is ½ under half_pixel_centers, with or without align_corners.
  const scale = tfliteScale(a, axis, inSize);
  const half = a.coordinates === 'tf_half_pixel_for_nn' || a.tfliteHalfPixelCenters === true;
  for (let x = 0; x < a.size[axis]; x++) {
    const v = f32(f32(x + (half ? 0.5 : 0)) * scale);
    const i = a.coordinates === 'align_corners' ? Math.floor(v + 0.5) : Math.floor(v);
    out.push(half ? Math.max(0, Math.min(i, inSize - 1)) : Math.min(i, inSize - 1));
  }
  return out;
}

/** Bilinear taps with f32 fractions (the float form). */
export function bilinearTaps(a: ResizeAttrs, axis: ResizeAxis, inSize: number): ResizeTaps {
  const t: ResizeTaps = { lo: [], hi: [], frac: [] };
  const scale = a.arithmetic === 'tflite' ? tfliteScale(a, axis, inSize) : 0;
  for (let x = 0; x < a.size[axis]; x++) {
    if (a.arithmetic === 'onnx') {
      const v = onnxSourceCoordinate(a, axis, inSize, x);
      const fl = Math.floor(v);
      const lo = clampIndex(fl, inSize), hi = clampIndex(fl + 1, inSize);
      t.lo.push(lo);
      t.hi.push(hi);
      t.frac.push(lo === hi ? 0 : f32(v - fl));
    } else {
      // ComputeInterpolationValues: the fraction is v - lo with lo clamped at 0 (TFLite's own weights).
      const v = a.coordinates === 'half_pixel' ? f32(f32(f32(x + 0.5) * scale) - 0.5) : f32(x * scale);
      const lo = Math.max(Math.floor(v), 0);
      t.lo.push(lo);
      t.hi.push(Math.min(Math.ceil(v), inSize - 1));
      t.frac.push(f32(v - lo));
    }
  }
  return t;
}

/** C's integer division (truncates toward zero), as TFLM's. */
function truncDiv(n: number, d: number): number {
  return Math.trunc(n / d);
}

/**
 * Bilinear taps with Q10 fractions (the s8 form). TFLite: TFLM's ResizeBilinearInteger (scale_10 =
 * round(1024·in/out), source = x·scale_10 (+ scale_10/2 − 512 for half_pixel), lo / hi by truncating
 * division, clamped). ONNX: the same fixed point from ONNX's own coordinate, clamped to the input.
 */
export function bilinearTapsQ10(a: ResizeAttrs, axis: ResizeAxis, inSize: number): ResizeTaps {
  const t: ResizeTaps = { lo: [], hi: [], frac: [] };
  const out = a.size[axis];
  if (a.arithmetic === 'onnx') {
    for (let x = 0; x < out; x++) {
      const v = Math.min(Math.max(onnxSourceCoordinate(a, axis, inSize, x), 0), inSize - 1);
      const scaled = Math.floor(v * 1024 + 0.5);
      const lo = Math.floor(scaled / 1024);
      t.lo.push(lo);
      t.hi.push(Math.min(lo + 1, inSize - 1));
      t.frac.push(scaled - lo * 1024);
    }
    return t;
  }
  const aligned = a.coordinates === 'align_corners' && out > 1;
  const num = aligned ? inSize - 1 : inSize, den = aligned ? out - 1 : out;
  const scale10 = truncDiv(1024 * num + truncDiv(den, 2), den);
  const half = a.coordinates === 'half_pixel';
  for (let x = 0; x < out; x++) {
    const scaled = half ? x * scale10 + truncDiv(scale10, 2) - 512 : x * scale10;
    const lo = Math.max(truncDiv(scaled, 1024), 0);
    // TFLM leaves lo unclamped above: past in - 1 (outputs ~1000x the input) it would read out of
    // bounds; here such a position reads the last row, the value its upper neighbour has.
    const past = lo > inSize - 1;
    t.lo.push(past ? inSize - 1 : lo);
    t.hi.push(Math.min(truncDiv(scaled + 1023, 1024), inSize - 1));
    t.frac.push(past ? 0 : scaled - 1024 * lo);
  }
  return t;
}

// ---- filter taps: cubic, antialias, tf_crop_and_resize (format.ts RESIZE_TAPS) ----------------------
//
// ONNX's reference (op_resize.py _interpolate_1d_with_x) takes, per output position, n coefficients
// from the fractional part r of x_original (r in (0, 1]: an integer coordinate counts as r = 1 of the
// pixel below), applies them to the n input positions nearest x_original (the input padded by its
// edge values, so a position outside reads the edge), zeroes the outside ones and renormalizes
// under exclude_outside, and under tf_crop_and_resize returns extrapolation_value when x_original
// lies outside [0, in − 1]. Here each position's n weights are folded onto the window of the input
// they actually read (clamped positions add up), so every entry is `first` and K weights over input
// first .. first + K − 1, K = min(n, in) alike for every position of the axis.

/** One axis's filter table: K taps a position; `first[i]` is −1 where output position i lies
 * outside the input (tf_crop_and_resize), else its window's first input index. */
export interface FilterTable {
  taps: number;
  first: number[];
  /** weights[i·taps + j] applies to input first[i] + j: f64 values, f32 values or Q10 integers. */
  weights: number[];
}

/** True when the attributes need the filter table (format.ts RESIZE_TAPS) rather than the nearest
 * or bilinear source tables. */
export function needsFilterTable(a: ResizeAttrs): boolean {
  return a.mode === 'cubic' || a.antialias === true || a.coordinates === 'tf_crop_and_resize';
}

/** The cubic convolution kernel with parameter A (Keys), at distance d. */
function cubicKernel(d: number, A: number): number {
  const x = Math.abs(d);
  if (x <= 1) return ((A + 2) * x - (A + 3)) * x * x + 1;
  if (x < 2) return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  return 0;
}

/**
 * The coefficients for fractional part r (in (0, 1]) and the offset of the first one from
 * floor'(x) = x − r: nearest's two by nearest_mode; linear's [1 − r, r]; cubic's four (Keys,
 * a = cubic_coeff_a) at offsets −1 .. 2; antialias (scale < 1) stretches the linear (cubic) kernel
 * to 1/scale (2/scale) input pixels each side and normalizes the weights to sum 1.
 */
function coefficients(a: ResizeAttrs, scale: number, r: number): { offset: number; coeffs: number[] } {
  if (a.mode === 'nearest') {
    if (r === 1) return { offset: 0, coeffs: [0, 1] };
    const up = a.nearestRounding === 'ceil' || (a.nearestRounding === 'round_prefer_floor' ? r > 0.5 : a.nearestRounding === 'round_prefer_ceil' && r >= 0.5);
    return { offset: 0, coeffs: up ? [0, 1] : [1, 0] };
  }
  const A = a.cubicCoeffA ?? -0.75;
  if (!a.antialias) {
    if (a.mode === 'bilinear') return { offset: 0, coeffs: [1 - r, r] };
    return { offset: -1, coeffs: [r + 1, r, 1 - r, 2 - r].map((d) => cubicKernel(d, A)) };
  }
  const s = Math.min(scale, 1);
  const support = a.mode === 'bilinear' ? 1 : 2;
  const offset = Math.floor(-support / s) + 1;
  const coeffs: number[] = [];
  for (let i = offset; i < 2 - offset; i++) {
    const d = s * (i - r);
    coeffs.push(a.mode === 'bilinear' ? Math.min(Math.max(1 - Math.abs(d), 0), 1) : cubicKernel(d, A));
  }
  const sum = coeffs.reduce((p, c) => p + c, 0);
  return { offset, coeffs: coeffs.map((c) => c / sum) };
}

/** The filter table of one axis in f64 (ONNX arithmetic). */
export function filterTable(a: ResizeAttrs, axis: ResizeAxis, inSize: number): FilterTable {
  const out = a.size[axis];
  const rows: ({ lo: number; coeffs: number[] } | null)[] = [];
  let n = 1;
  for (let x = 0; x < out; x++) {
    const v = onnxSourceCoordinate(a, axis, inSize, x);
    if (a.coordinates === 'tf_crop_and_resize' && (v < 0 || v > inSize - 1)) {
      rows.push(null);
      continue;
    }
    const below = Number.isInteger(v) ? v - 1 : Math.floor(v);
    const r = v - below;
    const { offset, coeffs } = coefficients(a, a.scales[axis], r);
    // The n positions nearest v among the edge-padded input [−pad, in + pad), smaller ones first
    // on a tie: the window from (v − r) + offset, kept inside the padded range.
    const pad = Math.ceil(coeffs.length / 2);
    const lo = Math.min(Math.max(below + offset, -pad), inSize + pad - coeffs.length);
    if (a.excludeOutside) {
      coeffs.forEach((_, j) => (lo + j < 0 || lo + j >= inSize ? (coeffs[j] = 0) : 0));
      const sum = coeffs.reduce((p, c) => p + c, 0);
      coeffs.forEach((c, j) => (coeffs[j] = c / sum));
    }
    rows.push({ lo, coeffs });
    n = Math.max(n, coeffs.length);
  }
  const taps = Math.min(n, inSize);
  const t: FilterTable = { taps, first: [], weights: [] };
  for (const row of rows) {
    const w = new Array<number>(taps).fill(0);
    if (!row) {
      t.first.push(-1);
      t.weights.push(...w);
      continue;
    }
    const { lo, coeffs } = row;
    const first = Math.min(Math.max(lo, 0), inSize - taps);
    coeffs.forEach((c, j) => (w[clampIndex(lo + j, inSize) - first] += c));
    t.first.push(first);
    t.weights.push(...w);
  }
  return t;
}

/** The filter table with f32 weights (the float form). */
export function filterTableF32(a: ResizeAttrs, axis: ResizeAxis, inSize: number): FilterTable {
  const t = filterTable(a, axis, inSize);
  return { ...t, weights: t.weights.map(f32) };
}

/** Q10 weights of one position: each rounded half away from zero, then the difference between
 * round(1024·Σw) and their sum added to the largest (first on a tie), so a constant input stays
 * itself exactly. */
export function q10Weights(w: readonly number[]): number[] {
  const roundHalfAway = (v: number) => Math.sign(v) * Math.floor(Math.abs(v) + 0.5);
  const q = w.map((v) => roundHalfAway(v * RESIZE_Q10));
  let big = 0;
  q.forEach((v, j) => (Math.abs(w[j]) > Math.abs(w[big]) ? (big = j) : 0));
  q[big] += roundHalfAway(w.reduce((p, c) => p + c, 0) * RESIZE_Q10) - q.reduce((p, c) => p + c, 0);
  return q;
}

const RESIZE_Q10 = 1024;

/** The filter table with Q10 integer weights (the s8 form). */
export function filterTableQ10(a: ResizeAttrs, axis: ResizeAxis, inSize: number): FilterTable {
  const t = filterTable(a, axis, inSize);
  const weights: number[] = [];
  for (let i = 0; i < t.first.length; i++) {
    const w = t.weights.slice(i * t.taps, (i + 1) * t.taps);
    weights.push(...(t.first[i] < 0 ? w : q10Weights(w)));
  }
  return { ...t, weights };
}

/** The s8 filter table's bound on one position's Σ|Q10 weight| (2.0: the kernel's i32 sum stays
 * below 2^30); cubic_coeff_a far from −0.5 .. −0.75, or exclude_outside renormalizing a near-zero
 * sum, can pass it, and such a resize has no s8 form. */
export const FILTER_Q10_WEIGHT_BOUND = 2 * RESIZE_Q10;

/** The largest Σ|Q10 weight| of any position of either axis, for input rows h and columns w. */
export function largestQ10WeightSum(a: ResizeAttrs, h: number, w: number): number {
  let most = 0;
  for (const t of [filterTableQ10(a, 0, h), filterTableQ10(a, 1, w)]) {
    for (let i = 0; i < t.first.length; i++) {
      most = Math.max(most, t.weights.slice(i * t.taps, (i + 1) * t.taps).reduce((p, v) => p + Math.abs(v), 0));
    }
  }
  return most;
}
