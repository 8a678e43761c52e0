// resize, NHWC over H and W. nearest copies the source pixel (any dtype: the bytes move unchanged);
// bilinear (f32) is TFLite's reference formula evaluated in f32, term by term:
//   x[lo_y,lo_x]·(1-fy)·(1-fx) + x[hi_y,lo_x]·fy·(1-fx) + x[lo_y,hi_x]·(1-fy)·fx + x[hi_y,hi_x]·fy·fx
// with the per-axis taps of resize-coords.ts. cubic, antialias and tf_crop_and_resize (the filter
// table: K taps per output row and column) sum x[first_y + i, first_x + j]·wy[i]·wx[j] over j, then
// i, in f32 from −0 (the bilinear term order again; −0 keeps a sum of −0 terms −0); a row or column
// outside the crop gives extrapolation_value.
import type { Node, ResizeAttrs } from '../../ir/graph.js';
import {
  bilinearTaps, filterTableF32, nearestSources, needsFilterTable, type FilterTable, type ResizeAxis, type ResizeTaps,
} from '../resize-coords.js';
import type { RefKernel, RefValue } from '../types.js';
import { type AnyElements, type ShapeFn, allocTensor, inputShape, kernelError } from '../tensor-util.js';

const RESIZE_MODES = ['nearest', 'bilinear', 'cubic'];

/** Checks the attributes against the NHWC input shape; an error naming the problem otherwise. */
export function checkResize(node: Node, x: readonly number[]): ResizeAttrs {
  const a = (node as Node<'resize'>).attrs;
  if (x.length !== 4) throw kernelError(node, `input must be NHWC (rank 4), got [${x}]`);
  if (!RESIZE_MODES.includes(a.mode)) throw kernelError(node, `mode '${a.mode}' is not nearest, bilinear or cubic`);
  if (a.coordinates === 'tf_crop_and_resize' && !(a.roi?.length === 4 && a.roi.every(Number.isFinite))) {
    throw kernelError(node, `tf_crop_and_resize needs a finite roi [start_h, start_w, end_h, end_w], got [${a.roi}]`);
  }
  for (const axis of [0, 1]) {
    if (!Number.isInteger(a.size[axis]) || a.size[axis] < 1) throw kernelError(node, `output size [${a.size}] must be integers >= 1`);
    if (!(a.scales[axis] > 0) || !Number.isFinite(a.scales[axis])) throw kernelError(node, `scales [${a.scales}] must be finite and > 0`);
    if (x[1 + axis] < 1) throw kernelError(node, `input [${x}] has an empty spatial axis`);
  }
  return a;
}

export const resizeOutputShape: ShapeFn = (node, shapes) => {
  const x = inputShape(node, shapes, 0, 'x');
  const a = checkResize(node, x);
  return [[x[0], a.size[0], a.size[1], x[3]]];
};

/** Nearest: every output pixel is a copy of the source pixel, for any dtype. */
export function resizeNearest(node: Node, x: RefValue, outDtype = x.dtype): RefValue['data'] {
  const a = checkResize(node, x.shape);
  const [n, h, w, c] = x.shape;
  const rows = nearestSources(a, 0, h), cols = nearestSources(a, 1, w);
  const [oh, ow] = a.size;
  const src = x.data as unknown as AnyElements;
  const out = allocTensor(outDtype, n * oh * ow * c);
  const dst = out as unknown as { [i: number]: number | bigint };
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        const base = ((b * h + rows[y]) * w + cols[xo]) * c;
        for (let ch = 0; ch < c; ch++) dst[o++] = src[base + ch];
      }
    }
  }
  return out;
}

/**
 * Bilinear over the per-axis taps: `blend(v00, v10, v01, v11, fy, fx)` gives one output value from
 * the four neighbours (rows lo/hi, columns lo/hi) and the two fractions.
 */
export function resizeBilinearWith(
  node: Node,
  x: RefValue & { data: ArrayLike<number> },
  taps: (a: ResizeAttrs, axis: ResizeAxis, inSize: number) => ResizeTaps,
  out: { [i: number]: number; length: number },
  blend: (v00: number, v10: number, v01: number, v11: number, fy: number, fx: number) => number,
): void {
  const a = checkResize(node, x.shape);
  const [n, h, w, c] = x.shape;
  const ty = taps(a, 0, h), tx = taps(a, 1, w);
  const [oh, ow] = a.size;
  const at = (b: number, yy: number, xx: number, ch: number) => x.data[((b * h + yy) * w + xx) * c + ch];
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        for (let ch = 0; ch < c; ch++) {
          out[o++] = blend(
            at(b, ty.lo[y], tx.lo[xo], ch), at(b, ty.hi[y], tx.lo[xo], ch),
            at(b, ty.lo[y], tx.hi[xo], ch), at(b, ty.hi[y], tx.hi[xo], ch),
            ty.frac[y], tx.frac[xo],
          );
        }
      }
    }
  }
}

const f = Math.fround;

/** TFLite's float bilinear term order, each product and sum rounded to f32. */
function blendF32(v00: number, v10: number, v01: number, v11: number, fy: number, fx: number): number {
  const gy = f(1 - fy), gx = f(1 - fx);
  const t00 = f(f(v00 * gy) * gx), t10 = f(f(v10 * fy) * gx), t01 = f(f(v01 * gy) * fx), t11 = f(f(v11 * fy) * fx);
  return f(f(f(t00 + t10) + t01) + t11);
}

/**
 * The filter table form: `blend(x, base, wy, wx, ty, tx, iy, ix, c)` gives one output value from the
 * window at `base` (x's element index of the window's top-left pixel, channel 0), or `outside` when
 * the row or column lies outside the crop.
 */
export function resizeFilterWith(
  node: Node,
  x: RefValue & { data: ArrayLike<number> },
  tables: (a: ResizeAttrs, axis: ResizeAxis, inSize: number) => FilterTable,
  out: { [i: number]: number; length: number },
  outside: number,
  blend: (x: ArrayLike<number>, at: (i: number, j: number) => number, wy: (i: number) => number, wx: (j: number) => number, ky: number, kx: number) => number,
): void {
  const a = checkResize(node, x.shape);
  const [n, h, w, c] = x.shape;
  const ty = tables(a, 0, h), tx = tables(a, 1, w);
  const [oh, ow] = a.size;
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        for (let ch = 0; ch < c; ch++) {
          if (ty.first[y] < 0 || tx.first[xo] < 0) {
            out[o++] = outside;
            continue;
          }
          const at = (i: number, j: number) => ((b * h + ty.first[y] + i) * w + tx.first[xo] + j) * c + ch;
          out[o++] = blend(x.data, at, (i) => ty.weights[y * ty.taps + i], (j) => tx.weights[xo * tx.taps + j], ty.taps, tx.taps);
        }
      }
    }
  }
}

/** Σ over column taps j, then row taps i, of x·wy·wx, each product and sum rounded to f32, from −0. */
function blendFilterF32(x: ArrayLike<number>, at: (i: number, j: number) => number, wy: (i: number) => number, wx: (j: number) => number, ky: number, kx: number): number {
  let acc = -0;
  for (let j = 0; j < kx; j++) {
    for (let i = 0; i < ky; i++) acc = f(acc + f(f(x[at(i, j)] * wy(i)) * wx(j)));
  }
  return acc;
}

export const resize_ref: RefKernel = (node, inputs, outputs) => {
  const x = inputs[0];
  if (!x) throw kernelError(node, 'input 0 (x) is missing');
  const a = checkResize(node, x.shape);
  if (needsFilterTable(a)) {
    if (!(x.data instanceof Float32Array)) throw kernelError(node, `${a.mode} input must be f32, got ${x.dtype}`);
    const out = new Float32Array(x.shape[0] * a.size[0] * a.size[1] * x.shape[3]);
    resizeFilterWith(node, x as RefValue & { data: Float32Array }, filterTableF32, out, f(a.extrapolationValue ?? 0), blendFilterF32);
    return [out];
  }
  if (a.mode === 'nearest') return [resizeNearest(node, x, outputs[0]?.dtype ?? x.dtype)];
  if (!(x.data instanceof Float32Array)) throw kernelError(node, `bilinear input must be f32, got ${x.dtype}`);
  const out = new Float32Array(x.shape[0] * a.size[0] * a.size[1] * x.shape[3]);
  resizeBilinearWith(node, x as RefValue & { data: Float32Array }, bilinearTaps, out, blendF32);
  return [out];
};
