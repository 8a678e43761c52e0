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
  // TFLite GetNearestNeighbor: floor((x + offset)·scale), or round half away (align_corners).
  const scale = tfliteScale(a, axis, inSize);
  const half = a.coordinates === 'tf_half_pixel_for_nn';
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
