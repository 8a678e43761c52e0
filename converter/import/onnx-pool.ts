// ONNX MaxPool, AveragePool and GlobalMaxPool over 1, 2 or 3 spatial axes → the runtime's 2-D
// max_pool2d / average_pool2d.
//
// 1-D and 2-D pools run in NHWC between transposes (1-D as H = 1). A 3-D pool (N, C, D, H, W) is
// separable and runs as two 2-D pools on reshaped views of the NCDHW tensor itself, no transpose:
//   depth  [N·C, D, 1, H·W]   window (kd, 1): D is the view's height, H·W its channels
//   plane  [N·C·OD, H, W, 1]  window (kh, kw)
// A window of the 3-D pool is the product of its per-axis windows, so
// - max: the max over the plane of the maxes over depth is the 3-D max (exact; padded taps are
//   ignored in both stages, and a window with no tap inside the input is empty in both);
// - average: with count_include_pad = 0 the 3-D divisor (the taps inside the input) is the product
//   of the per-axis counts, with count_include_pad = 1 it is kd·kh·kw; either way the mean of the
//   means is the 3-D mean, in f32 up to rounding. In int8 each stage rounds its division (TFLite
//   Micro's integer average pool), so Mote's int8 3-D average pool is DEFINED as this two-stage
//   lowering: within one output step of the one-rounding result. TFLite has no int8 3-D pool to
//   follow (its AveragePool3D / MaxPool3D custom ops are float only).
//
// ceil_mode extends the end padding (windowAxes). ONNX counts no tap of that extension even with
// count_include_pad = 1; where the extension meets count_include_pad the declared pads become an
// explicit zero `pad` and the pool divides by the taps inside the padded input.
// MaxPool's Indices output is refused; storage_order only orders those indices, so it is ignored.
import type { OnnxImporter, OnnxNodeContext } from './onnx.js';
import { type Spatial2d, type WindowAxes, fromNhwc, nhwcAxes, toNhwc, viewWindow, windowAxes } from './onnx-spatial.js';

type Lowering = (imp: OnnxImporter, ctx: OnnxNodeContext) => void;
type PoolKind = 'max' | 'average';

/** The window and its ceil_mode-free pads (the declared ones), which count_include_pad counts. */
interface PoolWindow {
  axes: WindowAxes;
  declaredPads: number[];
  countIncludePad: boolean;
}

/** One 2-D pool over a 4-D NHWC view, its window taken from the given spatial axes. */
function poolStage(
  imp: OnnxImporter,
  ctx: OnnxNodeContext,
  kind: PoolKind,
  x: string,
  w: PoolWindow,
  axes: [number | undefined, number | undefined],
  suffix?: string,
): string {
  const view = viewWindow(w.axes, axes);
  const declared = viewWindow({ ...w.axes, pads: w.declaredPads }, axes).pads;
  let input = x;
  let pads = view.pads;
  let countIncludePad = w.countIncludePad;
  if (countIncludePad && pads.some((p, i) => p !== declared[i])) {
    // ceil_mode's extension is not counted: pad the declared pads explicitly, count the taps inside.
    if (declared.some((p) => p !== 0)) {
      input = imp.emit(ctx, 'pad', [x], imp.tmp(ctx, `${suffix ?? 'pool'}_pad`), {
        mode: 'constant', value: 0, begin: [0, declared[0], declared[1], 0], end: [0, declared[2], declared[3], 0],
      }, { suffix: `${suffix ?? 'pool'}_pad` });
    }
    pads = pads.map((p, i) => p - declared[i]) as Spatial2d['pads'];
    countIncludePad = false;
  }
  const op = kind === 'max' ? 'max_pool2d' : 'average_pool2d';
  return imp.emit(ctx, op, [input], imp.tmp(ctx, suffix ?? 'nhwc'), { ...view, pads, countIncludePad }, suffix ? { suffix } : {});
}

/** True when the window leaves spatial axis i alone (kernel 1, stride 1, no padding). */
function identityAxis(w: WindowAxes, i: number): boolean {
  const n = w.kernel.length;
  return w.kernel[i] === 1 && w.strides[i] === 1 && w.pads[i] === 0 && w.pads[i + n] === 0;
}

/** Pools x (N, C, spatial…) into the node's output. */
function lowerPool(imp: OnnxImporter, ctx: OnnxNodeContext, kind: PoolKind, x: string, w: PoolWindow): void {
  const output = (ctx.node.output ?? [])[0];
  const spatialRank = imp.shape(x).length - 2;
  if (spatialRank <= 2) {
    const { nhwc } = toNhwc(imp, ctx, x);
    fromNhwc(imp, ctx, poolStage(imp, ctx, kind, nhwc, w, nhwcAxes(spatialRank)), spatialRank);
    return;
  }
  if (spatialRank > 3) imp.unsupported(ctx, `${spatialRank}-D input (only 1-D, 2-D and 3-D are supported)`);
  const [n, c, d, h, wd] = imp.shape(x);
  let y = x;
  let od = d;
  if (!identityAxis(w.axes, 0)) {
    y = poolStage(imp, ctx, kind, imp.reshape(ctx, x, [n * c, d, 1, h * wd]), w, [0, undefined], 'depth');
    od = imp.shape(y)[1];
  }
  let [oh, ow] = [h, wd];
  if (!identityAxis(w.axes, 1) || !identityAxis(w.axes, 2)) {
    y = poolStage(imp, ctx, kind, imp.reshape(ctx, y, [n * c * od, h, wd, 1]), w, [1, 2], 'plane');
    [, oh, ow] = imp.shape(y);
  }
  imp.reshape(ctx, y, [n, c, od, oh, ow], output);
}

function pool(kind: PoolKind): Lowering {
  return (imp, ctx) => {
    const x = imp.requireInput(ctx, 0, 'X');
    imp.requireFloat(ctx, x);
    if ((ctx.node.output ?? []).slice(1).some((o) => o !== '')) {
      imp.unsupported(ctx, 'output Indices (Mote computes the pooled values, not their positions)');
    }
    const kernel = imp.attrInts(ctx, 'kernel_shape') ?? imp.fail(ctx, 'attribute kernel_shape is required');
    const shape = imp.shape(x);
    if (shape.length < 3) imp.fail(ctx, `input must be N,C,spatial... (rank >= 3), got [${shape}]`);
    const spatial = shape.slice(2);
    if (kernel.length !== spatial.length) imp.fail(ctx, `kernel_shape [${kernel}] does not match ${spatial.length} spatial dims`);
    const ceil = imp.attrInt(ctx, 'ceil_mode', 0) !== 0;
    const countIncludePad = kind === 'average' && imp.attrInt(ctx, 'count_include_pad', 0) !== 0;
    const axes = windowAxes(imp, ctx, spatial, kernel, { ceil });
    const declaredPads = ceil ? windowAxes(imp, ctx, spatial, kernel).pads : axes.pads;
    lowerPool(imp, ctx, kind, x, { axes, declaredPads, countIncludePad });
  };
}

/** GlobalMaxPool: one window over all spatial axes. */
const globalMaxPool: Lowering = (imp, ctx) => {
  const x = imp.requireInput(ctx, 0, 'X');
  imp.requireFloat(ctx, x);
  const shape = imp.shape(x);
  if (shape.length < 3) imp.fail(ctx, `input must be N,C,spatial... (rank >= 3), got [${shape}]`);
  const spatial = shape.slice(2);
  const ones = spatial.map(() => 1);
  const axes: WindowAxes = { kernel: spatial, strides: ones, dilations: ones, pads: [...spatial, ...spatial].map(() => 0) };
  lowerPool(imp, ctx, 'max', x, { axes, declaredPads: axes.pads, countIncludePad: false });
};

export const poolLowerings: Record<string, Lowering> = {
  MaxPool: pool('max'),
  AveragePool: pool('average'),
  GlobalMaxPool: globalMaxPool,
};
