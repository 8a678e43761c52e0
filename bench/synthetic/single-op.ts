// Generated single-op int8 models: conv 3x3 / 1x1, depthwise 3x3 and fully connected at a few
// shapes, quantized the way the TFLite converter does it (per-channel symmetric weights, int32 bias
// with scale in·w, asymmetric int8 activations). Seeded, so every run measures the same models.
import { TFL_OP, TFL_OPTIONS, TFL_TYPE, writeTflite, type TflTensor } from './tflite-writer.js';

export type SingleOpKind = 'conv' | 'depthwise' | 'fc';

export interface SingleOpSpec {
  id: string;
  kind: SingleOpKind;
  /** conv / depthwise: input H, W, C; fc: input features in `c`. */
  h: number;
  w: number;
  c: number;
  /** Output channels (conv, fc); depthwise keeps c. */
  o: number;
  k: number;
  stride: number;
  /** Mote's weight layout (convert's weightLayout) when not its default 'auto'. */
  layout?: 'packed' | 'plain';
}

const SAME = 0;

export const SINGLE_OPS: SingleOpSpec[] = [
  { id: 'conv3x3_32x32x16_o16', kind: 'conv', h: 32, w: 32, c: 16, o: 16, k: 3, stride: 1 },
  { id: 'conv3x3_16x16x32_o32', kind: 'conv', h: 16, w: 16, c: 32, o: 32, k: 3, stride: 1 },
  { id: 'conv3x3_s2_48x48x3_o16', kind: 'conv', h: 48, w: 48, c: 3, o: 16, k: 3, stride: 2 },
  { id: 'conv1x1_16x16x32_o64', kind: 'conv', h: 16, w: 16, c: 32, o: 64, k: 1, stride: 1 },
  { id: 'conv1x1_8x8x128_o128', kind: 'conv', h: 8, w: 8, c: 128, o: 128, k: 1, stride: 1 },
  // IC ResNet-8's op6 alone (the 16 -> 32 shortcut), the one in-model conv under 70 % of the peak,
  // so both engines run that layer by itself: once with the weights packed as in IC, once as
  // `convert` stores them for a one-layer model (weightLayout 'auto' keeps them plain: packing adds
  // 25 % to this model's weight bytes, past PACK_AUTO_OVERHEAD), which takes the plain-layout kernels.
  { id: 'conv1x1_s2_32x32x16_o32_packed', kind: 'conv', h: 32, w: 32, c: 16, o: 32, k: 1, stride: 2, layout: 'packed' },
  { id: 'conv1x1_s2_32x32x16_o32', kind: 'conv', h: 32, w: 32, c: 16, o: 32, k: 1, stride: 2 },
  { id: 'dw3x3_32x32x64', kind: 'depthwise', h: 32, w: 32, c: 64, o: 64, k: 3, stride: 1 },
  { id: 'dw3x3_16x16x128', kind: 'depthwise', h: 16, w: 16, c: 128, o: 128, k: 3, stride: 1 },
  { id: 'dw3x3_s2_32x32x64', kind: 'depthwise', h: 32, w: 32, c: 64, o: 64, k: 3, stride: 2 },
  { id: 'fc_256_o256', kind: 'fc', h: 1, w: 1, c: 256, o: 256, k: 1, stride: 1 },
  { id: 'fc_640_o128', kind: 'fc', h: 1, w: 1, c: 640, o: 128, k: 1, stride: 1 },
  { id: 'fc_1024_o512', kind: 'fc', h: 1, w: 1, c: 1024, o: 512, k: 1, stride: 1 },
];

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

function hashId(id: string): number {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return h >>> 0;
}

const bytesOf = (a: Int8Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Output spatial size of a SAME-padded window. */
export function sameOut(size: number, stride: number): number {
  return Math.ceil(size / stride);
}

/** Multiply-accumulates of one inference (conv/fc/depthwise definition, as converter/macs.ts). */
export function singleOpMacs(s: SingleOpSpec): number {
  const oh = sameOut(s.h, s.stride);
  const ow = sameOut(s.w, s.stride);
  if (s.kind === 'conv') return oh * ow * s.o * s.k * s.k * s.c;
  if (s.kind === 'depthwise') return oh * ow * s.c * s.k * s.k;
  return s.o * s.c;
}

/** The .tflite bytes of one spec, a seeded int8 input, and the numbers inside the file. */
export interface SingleOpModel {
  bytes: Uint8Array;
  input: Int8Array;
  inputShape: number[];
  outputShape: number[];
  /** What the file holds, for an independent reference computation. */
  weights: Int8Array;
  bias: Int32Array;
  weightScales: number[];
  inScale: number;
  inZp: number;
  outScale: number;
  outZp: number;
}

export function buildSingleOp(s: SingleOpSpec): SingleOpModel {
  const rand = lcg(hashId(s.id));
  const inScale = 0.05;
  const inZp = -3;
  const depth = s.kind === 'depthwise' ? s.k * s.k : s.kind === 'conv' ? s.k * s.k * s.c : s.c;
  const channels = s.kind === 'fc' ? 1 : s.o; // fc: per-tensor weights (what every runtime takes)
  const wScales = Array.from({ length: channels }, () => 0.004 + 0.004 * rand());
  const nW = s.kind === 'depthwise' ? s.k * s.k * s.c : s.kind === 'conv' ? s.o * s.k * s.k * s.c : s.o * s.c;
  const weights = Int8Array.from({ length: nW }, () => Math.round(rand() * 254) - 127);
  const bias = Int32Array.from({ length: s.o }, () => Math.round((rand() - 0.5) * 4000));
  // One bias scale per weight scale: XNNPACK refuses a per-channel bias beside per-tensor weights.
  const biasScales = wScales.map((ws) => inScale * ws);
  // Output scale from the accumulator's spread (uniform int8 x, w: sd ~ 73 each), so outputs use the
  // int8 range without saturating much and the peers' rounding differences stay visible.
  const outScale = (inScale * wScales[0] * Math.sqrt(depth) * 73 * 73 * 3) / 127;
  const outZp = 5;
  const oh = sameOut(s.h, s.stride);
  const ow = sameOut(s.w, s.stride);

  const inShape = s.kind === 'fc' ? [1, s.c] : [1, s.h, s.w, s.c];
  const outShape = s.kind === 'fc' ? [1, s.o] : [1, oh, ow, s.o];
  const wShape = s.kind === 'fc' ? [s.o, s.c] : s.kind === 'conv' ? [s.o, s.k, s.k, s.c] : [1, s.k, s.k, s.c];
  const tensors: TflTensor[] = [
    { name: 'input', type: TFL_TYPE.INT8, shape: inShape, quant: { scale: [inScale], zeroPoint: [inZp] } },
    {
      name: 'weights',
      type: TFL_TYPE.INT8,
      shape: wShape,
      data: bytesOf(weights),
      quant: { scale: wScales, zeroPoint: wScales.map(() => 0), dim: s.kind === 'depthwise' ? 3 : 0 },
    },
    { name: 'bias', type: TFL_TYPE.INT32, shape: [s.o], data: bytesOf(bias), quant: { scale: biasScales, zeroPoint: biasScales.map(() => 0) } },
    { name: 'output', type: TFL_TYPE.INT8, shape: outShape, quant: { scale: [outScale], zeroPoint: [outZp] } },
  ];
  const op =
    s.kind === 'conv'
      ? { code: TFL_OP.CONV_2D, version: 3, optionsType: TFL_OPTIONS.Conv2D, options: [[0, 1, SAME], [1, 4, s.stride], [2, 4, s.stride]] as [number, 1 | 4, number][] }
      : s.kind === 'depthwise'
        ? { code: TFL_OP.DEPTHWISE_CONV_2D, version: 3, optionsType: TFL_OPTIONS.DepthwiseConv2D, options: [[0, 1, SAME], [1, 4, s.stride], [2, 4, s.stride], [3, 4, 1]] as [number, 1 | 4, number][] }
        : { code: TFL_OP.FULLY_CONNECTED, version: 4, optionsType: TFL_OPTIONS.FullyConnected, options: [] as [number, 1 | 4, number][] };
  const bytes = writeTflite({
    tensors,
    ops: [{ ...op, inputs: [0, 1, 2], outputs: [3] }],
    inputs: [0],
    outputs: [3],
    description: `mote bench single op ${s.id}`,
  });
  const n = inShape.reduce((a, b) => a * b, 1);
  const input = Int8Array.from({ length: n }, () => Math.round(rand() * 255) - 128);
  return { bytes, input, inputShape: inShape, outputShape: outShape, weights, bias, weightScales: wScales, inScale, inZp, outScale, outZp };
}
