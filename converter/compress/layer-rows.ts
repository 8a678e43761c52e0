// A weighted layer as a linear map on rows, for the distillation refits: every output value of a
// conv2d, depthwise_conv2d or fully_connected (before its fused activation) is
//   y[r, o] = Σ_k row_g(r)[k] · w[widx(o, k)] + b[o]
// where r is an output position (FC: a row of x; conv: batch × OH × OW, NHWC order), g the group
// that output channel o belongs to, and row_g(r) the group's input patch at r (zero where the
// window reads padding). Groups: conv2d has `group` of them (one for a plain conv), each output
// channel of depthwise_conv2d reads one input channel (group = input channel, M outputs each), a
// fully_connected layer is one group.
import type { Conv2dAttrs, DepthwiseConv2dAttrs, Graph, Node } from '../ir/graph.js';

export interface RowGroup {
  /** Output channels computed from this group's rows. */
  outputs: number[];
  /** Fills `row` (length k) with the group's patch at output position r of input x. */
  fill(x: Float32Array, r: number, row: Float64Array): void;
}

export interface LinearLayer {
  /** Weights per row (the same for every group). */
  k: number;
  /** Output channels. */
  channels: number;
  /** Output positions per sample. */
  positions: number;
  groups: RowGroup[];
  /** Index into the weight tensor's data of output o's k-th weight. */
  widx(o: number, k: number): number;
}

export const LINEAR_OPS = new Set(['conv2d', 'depthwise_conv2d', 'fully_connected']);

/** The layer's row view, from its (student or teacher) graph's shapes. */
export function linearLayer(g: Graph, node: Node): LinearLayer {
  const xs = g.tensor(node.inputs[0]).shape;
  const ws = g.tensor(node.inputs[1]).shape;
  if (node.op === 'fully_connected') {
    const [n, k] = ws;
    const rows = xs.reduce((a, b) => a * b, 1) / k;
    return {
      k, channels: n, positions: rows, widx: (o, i) => o * k + i,
      groups: [{ outputs: range(0, n), fill: (x, r, row) => { for (let i = 0; i < k; i++) row[i] = x[r * k + i]; } }],
    };
  }
  const [, h, w, c] = xs;
  const ys = g.tensor(node.outputs[0]).shape;
  const [nb, oh, ow] = ys;
  const a = node.attrs as Conv2dAttrs | DepthwiseConv2dAttrs;
  const [sh, sw] = a.strides, [dh, dw] = a.dilations, [pt, pl] = a.pads;
  // Input offset of tap (ky, kx) at output position r, or -1 in the padding.
  const at = (r: number, ky: number, kx: number) => {
    const xo = r % ow, y = Math.floor(r / ow) % oh, b = Math.floor(r / (ow * oh));
    const iy = y * sh - pt + ky * dh, ix = xo * sw - pl + kx * dw;
    return iy < 0 || iy >= h || ix < 0 || ix >= w ? -1 : ((b * h + iy) * w + ix) * c;
  };
  if (node.op === 'conv2d') {
    const [o, kh, kw, cg] = ws;
    const groups = (a as Conv2dAttrs).group, og = o / groups;
    return {
      k: kh * kw * cg, channels: o, positions: nb * oh * ow, widx: (oc, i) => oc * kh * kw * cg + i,
      groups: Array.from({ length: groups }, (_, gi) => ({
        outputs: range(gi * og, (gi + 1) * og),
        fill: (x: Float32Array, r: number, row: Float64Array) => {
          for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
            const base = at(r, ky, kx), t = (ky * kw + kx) * cg;
            for (let ci = 0; ci < cg; ci++) row[t + ci] = base < 0 ? 0 : x[base + gi * cg + ci];
          }
        },
      })),
    };
  }
  // depthwise_conv2d: weights [KH, KW, C·M]; output channel ch·M + m reads input channel ch.
  const [kh, kw, om] = ws;
  const m = (a as DepthwiseConv2dAttrs).depthMultiplier;
  return {
    k: kh * kw, channels: om, positions: nb * oh * ow, widx: (oc, i) => i * om + oc,
    groups: Array.from({ length: c }, (_, ch) => ({
      outputs: range(ch * m, (ch + 1) * m),
      fill: (x: Float32Array, r: number, row: Float64Array) => {
        for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
          const base = at(r, ky, kx);
          row[ky * kw + kx] = base < 0 ? 0 : x[base + ch];
        }
      },
    })),
  };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
