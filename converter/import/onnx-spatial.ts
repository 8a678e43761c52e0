// Spatial helpers of the ONNX window ops (Conv, ConvTranspose, the pools, SpaceToDepth): the
// kernel / strides / dilations / pads / auto_pad / ceil_mode attributes per spatial axis, and the
// NCHW ⇄ NHWC transposes around the runtime's NHWC ops (the sink-transposes pass cancels those
// between consecutive spatial ops).
import type { OnnxImporter, OnnxNodeContext } from './onnx.js';

const TO_NHWC = [0, 2, 3, 1];
const TO_NCHW = [0, 3, 1, 2];

/** One window per spatial axis i: pads[i] before it, pads[i + n] after it (ONNX's order). */
export interface WindowAxes {
  kernel: number[];
  strides: number[];
  dilations: number[];
  pads: number[];
}

export interface Spatial2d {
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  pads: [number, number, number, number];
}

/**
 * Reads strides/dilations/pads/auto_pad of a window op over `inSpatial` with `kernel`, per axis.
 * `ceil` adds end padding so the output size follows ceil_mode.
 */
export function windowAxes(
  imp: OnnxImporter,
  ctx: OnnxNodeContext,
  inSpatial: number[],
  kernel: number[],
  opts: { ceil?: boolean } = {},
): WindowAxes {
  const n = inSpatial.length;
  const strides = imp.attrInts(ctx, 'strides') ?? new Array(n).fill(1);
  const dilations = imp.attrInts(ctx, 'dilations') ?? new Array(n).fill(1);
  let pads = imp.attrInts(ctx, 'pads') ?? new Array(2 * n).fill(0);
  if (strides.length !== n) imp.fail(ctx, `attribute strides has ${strides.length} values, expected ${n}`);
  if (dilations.length !== n) imp.fail(ctx, `attribute dilations has ${dilations.length} values, expected ${n}`);
  if (pads.length !== 2 * n) imp.fail(ctx, `attribute pads has ${pads.length} values, expected ${2 * n}`);
  if (pads.some((p) => p < 0)) imp.unsupported(ctx, `negative value in attribute pads [${pads}]`);
  if (strides.some((s) => s < 1) || dilations.some((d) => d < 1)) imp.fail(ctx, 'strides and dilations must be >= 1');
  const autoPad = imp.attrString(ctx, 'auto_pad', 'NOTSET');
  if (autoPad === 'VALID') pads = new Array(2 * n).fill(0);
  else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = new Array(2 * n).fill(0);
    for (let i = 0; i < n; i++) {
      const span = (kernel[i] - 1) * dilations[i] + 1;
      const outSize = Math.ceil(inSpatial[i] / strides[i]);
      const total = Math.max(0, (outSize - 1) * strides[i] + span - inSpatial[i]);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[i + n] = total - pads[i];
    }
  } else if (autoPad !== 'NOTSET') imp.unsupported(ctx, `attribute auto_pad='${autoPad}'`);

  if (opts.ceil) {
    for (let i = 0; i < n; i++) {
      const span = (kernel[i] - 1) * dilations[i] + 1;
      const padded = inSpatial[i] + pads[i] + pads[i + n];
      let outSize = Math.ceil((padded - span) / strides[i]) + 1;
      // ONNX (like PyTorch) drops a last window that would start inside the end padding.
      if ((outSize - 1) * strides[i] >= inSpatial[i] + pads[i]) outSize--;
      const extra = (outSize - 1) * strides[i] + span - padded;
      if (extra > 0) pads[i + n] += extra;
    }
  }
  return { kernel, strides, dilations, pads };
}

/**
 * The runtime's 2-D window over a 4-D NHWC view: its height and width take the windows of the given
 * spatial axes (undefined: a view axis the window leaves alone, kernel 1).
 */
export function viewWindow(w: WindowAxes, axes: [number | undefined, number | undefined]): Spatial2d {
  const n = w.kernel.length;
  const pick = (v: number[], k: 0 | 1, dflt: number, offset = 0) => (axes[k] === undefined ? dflt : v[axes[k]! + offset]);
  return {
    kernel: [pick(w.kernel, 0, 1), pick(w.kernel, 1, 1)],
    strides: [pick(w.strides, 0, 1), pick(w.strides, 1, 1)],
    dilations: [pick(w.dilations, 0, 1), pick(w.dilations, 1, 1)],
    pads: [pick(w.pads, 0, 0), pick(w.pads, 1, 0), pick(w.pads, 0, 0, n), pick(w.pads, 1, 0, n)],
  };
}

/** The NHWC view axes of a 1-D (H = 1) or 2-D window op. */
export function nhwcAxes(spatialRank: number): [number | undefined, number | undefined] {
  return spatialRank === 1 ? [undefined, 0] : [0, 1];
}

/** windowAxes for a 1-D or 2-D window op, as the runtime's 2-D attributes (1-D ops get H = 1). */
export function spatialAttrs(
  imp: OnnxImporter,
  ctx: OnnxNodeContext,
  inSpatial: number[],
  kernel: number[],
  opts: { ceil?: boolean } = {},
): Spatial2d {
  return viewWindow(windowAxes(imp, ctx, inSpatial, kernel, opts), nhwcAxes(inSpatial.length));
}

/** NCHW (or NCL) input → NHWC IR tensor; returns the name and the original spatial dims. */
export function toNhwc(imp: OnnxImporter, ctx: OnnxNodeContext, x: string): { nhwc: string; spatial: number[] } {
  const shape = imp.shape(x);
  const spatial = shape.slice(2);
  if (shape.length < 3) imp.fail(ctx, `input must be N,C,spatial... (rank >= 3), got [${shape}]`);
  if (spatial.length > 2) imp.unsupported(ctx, `${spatial.length}-D input (only 1-D and 2-D are supported)`);
  let x4 = x;
  if (spatial.length === 1) x4 = imp.reshape(ctx, x, [shape[0], shape[1], 1, shape[2]]);
  return { nhwc: imp.transpose(ctx, x4, TO_NHWC, undefined, 'to_nhwc'), spatial };
}

/** NHWC IR tensor → the ONNX output in NCHW (or NCL for 1-D). */
export function fromNhwc(imp: OnnxImporter, ctx: OnnxNodeContext, y: string, spatialRank: number): void {
  const output = (ctx.node.output ?? [])[0];
  if (spatialRank === 2) {
    imp.transpose(ctx, y, TO_NCHW, output, 'to_nchw');
    return;
  }
  const nchw = imp.transpose(ctx, y, TO_NCHW, undefined, 'to_nchw');
  const s = imp.shape(nchw);
  imp.reshape(ctx, nchw, [s[0], s[1], s[3]], output);
}
