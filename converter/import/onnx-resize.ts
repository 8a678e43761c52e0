// ONNX Resize (opsets 10, 11, 13, 18, 19) and the deprecated Upsample (7, 9) → IR resize, on rank-3
// or rank-4 inputs of which at most two axes change (NCHW's H and W, an NHWC input's, or a rank-3
// [N, C, W]'s W): transposes to NHWC around it, which the sink-transposes pass cancels between
// spatial ops. The output size and the per-axis scale follow
// ONNX's reference implementation (onnx/reference/ops/op_resize.py): from `scales`,
// floor(scale·in); from `sizes`, the sizes with scale = size/in (or one common scale under
// keep_aspect_ratio_policy). Resize-10 and Upsample map input coordinates asymmetrically
// (x / scale) and, for nearest, take the floor. cubic (cubic_coeff_a, exclude_outside), antialias
// and tf_crop_and_resize (roi, extrapolation_value) become the filter table (resize-coords.ts).
import type { ResizeAttrs, ResizeCoordinates, ResizeMode, ResizeNearestRounding } from '../ir/graph.js';
import type { OnnxImporter, OnnxNodeContext } from './onnx.js';

type Lowering = (imp: OnnxImporter, ctx: OnnxNodeContext) => void;

const COORDINATES: readonly ResizeCoordinates[] = [
  'half_pixel', 'half_pixel_symmetric', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn', 'tf_crop_and_resize',
];
const ROUNDINGS: readonly ResizeNearestRounding[] = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];

function modeOf(imp: OnnxImporter, ctx: OnnxNodeContext): ResizeMode {
  const mode = imp.attrString(ctx, 'mode', 'nearest');
  if (mode === 'nearest') return 'nearest';
  if (mode === 'linear' || (ctx.opType === 'Upsample' && mode === 'bilinear')) return 'bilinear';
  if (mode === 'cubic' && ctx.opType === 'Resize') return 'cubic';
  return imp.fail(ctx, `unknown mode '${mode}'`);
}

/** tf_crop_and_resize's roi per axis of the input (0 and 1 on the axes it does not name). */
interface Crop {
  start: number[];
  end: number[];
}

/**
 * The IR resize once the output dims and per-axis scales are known. The IR resizes the middle two
 * axes of NHWC, so a rank-3 [N, C, W] gains a unit H, and the axes that change (dims, scale or crop;
 * at most two) move to the middle with the other two outside: NCHW's H and W by [0, 2, 3, 1], an
 * NHWC input's with no transpose at all; the output goes back the same way. Axes resample
 * independently (the coordinate of each depends on its own scale and roi only), so the order of
 * the two is free.
 */
function emitResize(imp: OnnxImporter, ctx: OnnxNodeContext, x: string, outDims: number[], scales: number[], a: Omit<ResizeAttrs, 'size' | 'scales'>, crop?: Crop): void {
  if (outDims.some((d) => !Number.isInteger(d) || d < 1)) imp.fail(ctx, `the output shape [${outDims}] has an empty or invalid dimension`);
  const rank3 = imp.shape(x).length === 3;
  const unitH = <T>(v: T[], unit: T): T[] => (rank3 ? [v[0], v[1], unit, v[2]] : v);
  const xs = unitH(imp.shape(x), 1), dims = unitH(outDims, 1), sc = unitH(scales, 1);
  const c = crop && { start: unitH(crop.start, 0), end: unitH(crop.end, 1) };
  const changes = (i: number) => dims[i] !== xs[i] || sc[i] !== 1 || (c !== undefined && xs[i] > 1 && (c.start[i] !== 0 || c.end[i] !== 1));
  const resized = [0, 1, 2, 3].filter(changes);
  if (resized.length > 2) {
    imp.unsupported(ctx, `resizing ${resized.length} axes ([${imp.shape(x)}] → [${outDims}], scales [${scales}]; Mote resizes two axes at a time)`);
  }
  const spatial = resized.every((i) => i >= 2) ? [2, 3] : resized.length === 2 ? resized : [resized[0], 3];
  const kept = [0, 1, 2, 3].filter((i) => !spatial.includes(i));
  const perm = [kept[0], spatial[0], spatial[1], kept[1]];
  const moved = perm.some((p, i) => p !== i);
  const output = (ctx.node.output ?? [])[0];
  let nhwc = rank3 ? imp.reshape(ctx, x, xs) : x;
  if (moved) nhwc = imp.transpose(ctx, nhwc, perm, undefined, 'to_nhwc');
  const [h, w] = spatial;
  const attrs: ResizeAttrs = { ...a, size: [dims[h], dims[w]], scales: [sc[h], sc[w]] };
  if (c) attrs.roi = [c.start[h], c.start[w], c.end[h], c.end[w]];
  let y = imp.emit(ctx, 'resize', [nhwc], moved || rank3 ? imp.tmp(ctx, 'nhwc') : output, attrs);
  if (moved) y = imp.transpose(ctx, y, perm.map((_, i) => perm.indexOf(i)), rank3 ? undefined : output, 'to_input_layout');
  if (rank3) imp.reshape(ctx, y, outDims, output);
}

function requireRank3Or4(imp: OnnxImporter, ctx: OnnxNodeContext, x: string): number[] {
  imp.requireFloat(ctx, x);
  const xs = imp.shape(x);
  if (xs.length !== 3 && xs.length !== 4) imp.unsupported(ctx, `rank-${xs.length} input [${xs}] (Mote resizes rank-3 and rank-4 tensors)`);
  return xs;
}

/** Output dims and per-axis scales from full-rank scales: floor(scale · in), as ONNX's reference. */
function fromScales(imp: OnnxImporter, ctx: OnnxNodeContext, xs: number[], scales: number[]): { dims: number[]; scales: number[] } {
  if (scales.some((s) => !(s > 0) || !Number.isFinite(s))) imp.fail(ctx, `scales [${scales}] must be finite and > 0`);
  return { dims: xs.map((d, i) => Math.floor(scales[i] * d)), scales };
}

const resize: Lowering = (imp, ctx) => {
  const x = imp.requireInput(ctx, 0, 'X');
  const xs = requireRank3Or4(imp, ctx, x);
  const rank = xs.length, all = xs.map((_, i) => i);
  const mode = modeOf(imp, ctx);
  if (ctx.opset < 11) {
    // Resize-10: X, scales; asymmetric coordinates, like Upsample.
    const scales = Array.from(imp.constFloats(ctx, imp.requireInput(ctx, 1, 'scales'), 'scales'));
    if (scales.length !== rank) imp.fail(ctx, `scales has ${scales.length} values for a rank-${rank} input`);
    lowerAsymmetric(imp, ctx, x, xs, mode, scales);
    return;
  }
  const coordinates = imp.attrString(ctx, 'coordinate_transformation_mode', 'half_pixel');
  if (!(COORDINATES as readonly string[]).includes(coordinates)) imp.fail(ctx, `unknown coordinate_transformation_mode '${coordinates}'`);
  const rounding = imp.attrString(ctx, 'nearest_mode', 'round_prefer_floor');
  if (!(ROUNDINGS as readonly string[]).includes(rounding)) imp.fail(ctx, `unknown nearest_mode '${rounding}'`);
  // roi and extrapolation_value are read only by tf_crop_and_resize; exclude_outside only changes
  // cubic and antialias (a 2-tap linear or nearest tap outside the input has the edge's value, the
  // same as renormalizing without it).

  // Inputs: X, roi, scales, sizes (one of the last two); opset 18 adds the axes attribute.
  const scalesIn = imp.input(ctx, 2), sizesIn = imp.input(ctx, 3);
  const scaleValues = scalesIn ? Array.from(imp.constFloats(ctx, scalesIn, 'scales')) : [];
  const sizeValues = sizesIn ? imp.constInts(ctx, sizesIn, 'sizes') : [];
  if ((scaleValues.length > 0) === (sizeValues.length > 0)) imp.fail(ctx, 'exactly one of scales and sizes must be given (non-empty)');
  const axes = (imp.attrInts(ctx, 'axes') ?? all).map((ax) => (ax < 0 ? ax + rank : ax));
  if (axes.some((ax) => ax < 0 || ax >= rank) || new Set(axes).size !== axes.length) {
    imp.fail(ctx, `axes [${imp.attrInts(ctx, 'axes')}] must be distinct axes of a rank-${rank} input`);
  }
  const given = scaleValues.length || sizeValues.length;
  if (given !== axes.length) imp.fail(ctx, `${scaleValues.length ? 'scales' : 'sizes'} has ${given} values for ${axes.length} axes`);

  let dims: number[], scales: number[];
  if (scaleValues.length) {
    const full = all.map(() => 1);
    axes.forEach((ax, i) => (full[ax] = scaleValues[i]));
    ({ dims, scales } = fromScales(imp, ctx, xs, full));
  } else {
    dims = [...xs];
    axes.forEach((ax, i) => (dims[ax] = sizeValues[i]));
    if (dims.some((d) => !Number.isInteger(d) || d < 1)) imp.fail(ctx, `sizes [${sizeValues}] must be >= 1`);
    scales = dims.map((d, i) => d / xs[i]);
    const policy = imp.attrString(ctx, 'keep_aspect_ratio_policy', 'stretch');
    if (policy !== 'stretch') {
      if (policy !== 'not_larger' && policy !== 'not_smaller') imp.fail(ctx, `unknown keep_aspect_ratio_policy '${policy}'`);
      const ratios = axes.map((ax) => scales[ax]);
      const s = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
      scales = xs.map((_, i) => (axes.includes(i) ? s : 1));
      dims = xs.map((d, i) => (axes.includes(i) ? Math.floor(s * d + 0.5) : d));
    }
  }
  // antialias widens the linear / cubic filter only where an axis shrinks (ONNX's reference
  // normalizes the scale-1 filter, which is the plain one); nearest ignores it.
  const antialias = imp.attrInt(ctx, 'antialias', 0) !== 0 && mode !== 'nearest' && scales.some((v) => v < 1);
  const filter = mode === 'cubic' || antialias;
  const a: Omit<ResizeAttrs, 'size' | 'scales'> = {
    mode,
    coordinates: coordinates as ResizeCoordinates,
    nearestRounding: rounding as ResizeNearestRounding,
    arithmetic: 'onnx',
  };
  if (mode === 'cubic') a.cubicCoeffA = imp.attrFloat(ctx, 'cubic_coeff_a', -0.75);
  if (filter && imp.attrInt(ctx, 'exclude_outside', 0) !== 0) a.excludeOutside = true;
  if (antialias) a.antialias = true;
  let crop: Crop | undefined;
  if (coordinates === 'tf_crop_and_resize') {
    crop = cropRoi(imp, ctx, xs, axes, scaleValues.length > 0);
    a.extrapolationValue = imp.attrFloat(ctx, 'extrapolation_value', 0);
  }
  emitResize(imp, ctx, x, dims, scales, a, crop);
};

/**
 * tf_crop_and_resize's roi per input axis: the constant input 1, start values then end values over
 * the resized axes (all, or opset 18's axes). A cropped axis counts as resized (emitResize). With
 * scales, ONNX's text sizes the output from the crop (in·(end − start)·scale) and its reference
 * from the whole input: Mote takes a roi other than 0 to 1 only with sizes, where the two agree.
 */
function cropRoi(imp: OnnxImporter, ctx: OnnxNodeContext, xs: number[], axes: number[], fromScales: boolean): Crop {
  const roiIn = imp.input(ctx, 1);
  if (!roiIn) imp.fail(ctx, "coordinate_transformation_mode='tf_crop_and_resize' needs the roi input");
  const values = Array.from(imp.constFloats(ctx, roiIn, 'roi'));
  if (values.length !== 2 * axes.length) imp.fail(ctx, `roi has ${values.length} values for ${axes.length} axes (start and end of each)`);
  if (!values.every(Number.isFinite)) imp.fail(ctx, `roi [${values}] must be finite`);
  const start = xs.map(() => 0), end = xs.map(() => 1);
  axes.forEach((ax, i) => ((start[ax] = values[i]), (end[ax] = values[axes.length + i])));
  if (fromScales && xs.some((d, ax) => d > 1 && (start[ax] !== 0 || end[ax] !== 1))) {
    imp.unsupported(ctx, `tf_crop_and_resize with scales and roi [${values}] (ONNX's spec and reference size the output differently; give sizes)`);
  }
  return { start, end };
}

/** Resize-10 and Upsample: asymmetric coordinates; nearest takes the floor (upsampling only). */
function lowerAsymmetric(imp: OnnxImporter, ctx: OnnxNodeContext, x: string, xs: number[], mode: ResizeMode, scaleValues: number[]): void {
  const { dims, scales } = fromScales(imp, ctx, xs, scaleValues);
  if (mode === 'nearest' && scales.some((v) => v < 1)) {
    imp.unsupported(ctx, `nearest downsampling (scales [${scaleValues}]): before opset 11 ONNX leaves its rounding unspecified`);
  }
  emitResize(imp, ctx, x, dims, scales, { mode, coordinates: 'asymmetric', nearestRounding: 'floor', arithmetic: 'onnx' });
}

const upsample: Lowering = (imp, ctx) => {
  const x = imp.requireInput(ctx, 0, 'X');
  const xs = requireRank3Or4(imp, ctx, x);
  const mode = modeOf(imp, ctx);
  // Upsample-7 and earlier: a scales attribute; Upsample-9: a scales input.
  const attr = imp.attr(ctx, 'scales');
  const scales = ctx.opset < 9 || attr ? (attr?.floats ?? imp.fail(ctx, 'attribute scales is required')).map(Number)
    : Array.from(imp.constFloats(ctx, imp.requireInput(ctx, 1, 'scales'), 'scales'));
  if (scales.length !== xs.length) imp.fail(ctx, `scales has ${scales.length} values for a rank-${xs.length} input`);
  lowerAsymmetric(imp, ctx, x, xs, mode, scales);
};

export const resizeLowerings: Record<string, Lowering> = { Resize: resize, Upsample: upsample };
