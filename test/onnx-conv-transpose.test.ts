// ONNX ConvTranspose → transpose_conv2d, against ONNX Runtime, through the real convert() pipeline:
// strides, explicit pads, output_padding, output_shape (including one pixel past the full size),
// auto_pad SAME_UPPER / SAME_LOWER / VALID with odd total padding, 1-D, bias or not, a fused Relu;
// f32 on the reference interpreter and both WASM builds (float rounding apart), and int8 PTQ of
// ConvTranspose alone and of Conv → ConvTranspose(stride 2) → Conv: both builds give the int8
// reference's bytes, and the result is ORT's within the int8 conformance tests' derived bound
// (test/support/int8-bound.ts); a QDQ ConvTranspose folds to s8 within 1 LSB of ORT; Huffman-coded
// weights decode at load to the same bytes. A bias Add, BatchNormalization and Relu after it fold
// into it. Groups (depthwise included) and dilations: f32, int8 PTQ and QDQ against ORT, the 9-word
// params and their load refusals, a per-model build. Then the import refusals.
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { convert } from '../converter/convert.js';
import { encodeOnnxModel, type OnnxInitializer, type OnnxModelSpec } from '../converter/demo/onnx-build.js';
import { type Graph, type TensorData, numel } from '../converter/ir/graph.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { readBlob } from '../host/blob-reader.js';
import { MoteRuntime } from '../host/runtime.js';
import { buildRuntimeFor } from '../host/runtime-build.js';
import { blobFeatures } from '../host/runtime-features.js';
import * as F from '../format/format.js';
import { BUILDS, ensureWasmBuilt, expectLoadRefused, fixCrc, rng, runBlob } from './runtime-harness.js';
import { BoundPropagator, codeToReal, qpOf, quantizeValues } from './support/int8-bound.js';

type Attrs = NonNullable<OnnxModelSpec['nodes'][number]['attrs']>;

interface Case {
  label: string;
  x: number[];
  /** ConvTranspose weights [C, M, k...]. */
  w: number[];
  bias: boolean;
  attrs: Attrs;
  relu?: boolean;
}

const CASES: Case[] = [
  { label: 'stride 2, k3, pads 1, output_padding 1 (the 2x upsampling layer)', x: [1, 3, 5, 4], w: [3, 4, 3, 3], bias: true, attrs: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] } },
  { label: 'stride 1, k2, no pads, no bias', x: [2, 2, 4, 3], w: [2, 3, 2, 2], bias: false, attrs: {} },
  { label: 'strides [3,2], pads [1,2,1,2]', x: [1, 1, 3, 3], w: [1, 2, 3, 3], bias: true, attrs: { strides: [3, 2], pads: [1, 2, 1, 2] } },
  { label: 'strides [3,2], output_shape [10,8] (one pixel past the full size: bias only there)', x: [1, 1, 3, 3], w: [1, 2, 3, 3], bias: true, attrs: { strides: [3, 2], output_shape: [10, 8] } },
  { label: 'stride 2, k4, output_shape [7,9] (odd total padding, NOTSET)', x: [1, 2, 4, 5], w: [2, 3, 4, 4], bias: true, attrs: { strides: [2, 2], output_shape: [7, 9] } },
  { label: 'auto_pad SAME_UPPER, stride 2, k3 (odd total padding)', x: [1, 2, 3, 5], w: [2, 2, 3, 3], bias: true, attrs: { strides: [2, 2], auto_pad: 'SAME_UPPER' } },
  { label: 'auto_pad SAME_LOWER, stride 2, k3 (odd total padding)', x: [1, 2, 3, 5], w: [2, 2, 3, 3], bias: true, attrs: { strides: [2, 2], auto_pad: 'SAME_LOWER' } },
  { label: 'auto_pad VALID, stride 3, k4x2', x: [1, 4, 3, 2], w: [4, 5, 4, 2], bias: false, attrs: { strides: [3, 3], auto_pad: 'VALID' } },
  { label: '1-D: stride 2, k5, pads [2,1], output_padding 1', x: [1, 3, 7], w: [3, 2, 5], bias: true, attrs: { strides: [2], pads: [2, 1], output_padding: [1] } },
  { label: 'stride 2, k2, then Relu (fused)', x: [1, 8, 3, 3], w: [8, 6, 2, 2], bias: true, attrs: { strides: [2, 2] }, relu: true },
  // Groups (W [C, M/group, k...]) and dilations: the 9-word transpose_conv2d.
  { label: 'group 2, stride 2, k3, pads 1, output_padding 1', x: [1, 4, 5, 4], w: [4, 3, 3, 3], bias: true, attrs: { group: 2, strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] } },
  { label: 'depthwise (group = C = 6), stride 2, k4, pads 1', x: [1, 6, 5, 5], w: [6, 1, 4, 4], bias: true, attrs: { group: 6, strides: [2, 2], pads: [1, 1, 1, 1] } },
  { label: 'depthwise with multiplier 2 (group = C = 3, M = 6), stride 2, k3, no bias', x: [1, 3, 4, 3], w: [3, 2, 3, 3], bias: false, attrs: { group: 3, strides: [2, 2] } },
  { label: 'dilations [2,2], stride 1, k3', x: [1, 2, 4, 5], w: [2, 3, 3, 3], bias: true, attrs: { dilations: [2, 2] } },
  { label: 'dilations [2,3], strides [2,2] (one shares a factor with the stride), pads [1,2,0,1]', x: [1, 3, 4, 4], w: [3, 2, 3, 3], bias: true, attrs: { dilations: [2, 3], strides: [2, 2], pads: [1, 2, 0, 1] } },
  { label: 'group 3, dilations [3,2], strides [2,3], output_padding [1,2]', x: [1, 3, 3, 4], w: [3, 2, 3, 2], bias: true, attrs: { group: 3, dilations: [3, 2], strides: [2, 3], output_padding: [1, 2] } },
  { label: 'group 2, dilations 2, auto_pad SAME_UPPER, stride 2 (odd total padding)', x: [1, 4, 3, 5], w: [4, 1, 3, 3], bias: true, attrs: { group: 2, dilations: [2, 2], strides: [2, 2], auto_pad: 'SAME_UPPER' } },
  { label: 'group 2, dilations 2, output_shape [9,12], stride 2', x: [1, 2, 4, 5], w: [2, 2, 3, 3], bias: false, attrs: { group: 2, dilations: [2, 2], strides: [2, 2], output_shape: [9, 12] } },
  { label: '1-D depthwise: group 4, dilation 3, stride 2, pads [2,1]', x: [1, 4, 6], w: [4, 1, 3], bias: true, attrs: { group: 4, dilations: [3], strides: [2], pads: [2, 1] } },
  // Past the full size by less than a stride: ONNX Runtime adds rows only the bias reaches, at the end, whatever auto_pad says.
  { label: 'output_shape one pixel past the full size with auto_pad SAME_UPPER', x: [1, 1, 4, 4], w: [1, 2, 3, 3], bias: true, attrs: { strides: [2, 2], output_shape: [10, 10], auto_pad: 'SAME_UPPER' } },
  { label: 'stride 3, output_shape [11,10]: two and one pixels past the full size 9', x: [1, 2, 3, 3], w: [2, 2, 3, 3], bias: true, attrs: { strides: [3, 3], output_shape: [11, 10] } },
  { label: 'output_shape two pixels past with auto_pad SAME_LOWER, stride 3, group 2', x: [1, 2, 3, 4], w: [2, 1, 2, 2], bias: true, attrs: { group: 2, strides: [3, 3], output_shape: [10, 13], auto_pad: 'SAME_LOWER' } },
  { label: 'group 2, dilations 2, then Relu (fused)', x: [1, 4, 3, 3], w: [4, 2, 2, 2], bias: true, attrs: { group: 2, dilations: [2, 2], strides: [2, 2] }, relu: true },
];

function floats(r: () => number, n: number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
}

function modelOf(nodes: OnnxModelSpec['nodes'], initializers: OnnxInitializer[], x: number[], yRank: number): Uint8Array {
  return encodeOnnxModel({
    graphName: 'convtranspose',
    nodes,
    initializers,
    inputs: [{ name: 'x', dims: x }],
    outputs: [{ name: 'y', dims: Array.from({ length: yRank }, (_, i) => `d${i}`) }],
    opset: 17,
  });
}

function singleOp(c: Case, seed: number): Uint8Array {
  const r = rng(seed);
  const m = c.w[1] * Number(c.attrs.group ?? 1);
  const inits: OnnxInitializer[] = [{ name: 'w', dims: c.w, data: floats(r, numel(c.w), 0.5) }];
  if (c.bias) inits.push({ name: 'b', dims: [m], data: floats(r, m, 0.5) });
  const nodes: OnnxModelSpec['nodes'] = [{ op: 'ConvTranspose', name: 'up', inputs: c.bias ? ['x', 'w', 'b'] : ['x', 'w'], outputs: [c.relu ? 't' : 'y'], attrs: c.attrs }];
  if (c.relu) nodes.push({ op: 'Relu', name: 'relu', inputs: ['t'], outputs: ['y'] });
  return modelOf(nodes, inits, c.x, c.x.length);
}

/** Conv(3x3, s1) → ConvTranspose(4x4, s2, pads 1: 2x up) → Relu → Conv(3x3, s1): a decoder stage. */
function decoder(seed: number): Uint8Array {
  const r = rng(seed);
  const inits: OnnxInitializer[] = [
    { name: 'w1', dims: [6, 3, 3, 3], data: floats(r, 6 * 27, 0.4) },
    { name: 'b1', dims: [6], data: floats(r, 6, 0.2) },
    { name: 'wt', dims: [6, 4, 4, 4], data: floats(r, 6 * 4 * 16, 0.3) },
    { name: 'bt', dims: [4], data: floats(r, 4, 0.2) },
    { name: 'w2', dims: [2, 4, 3, 3], data: floats(r, 2 * 36, 0.4) },
    { name: 'b2', dims: [2], data: floats(r, 2, 0.2) },
  ];
  const nodes: OnnxModelSpec['nodes'] = [
    { op: 'Conv', name: 'enc', inputs: ['x', 'w1', 'b1'], outputs: ['h'], attrs: { pads: [1, 1, 1, 1] } },
    { op: 'ConvTranspose', name: 'up', inputs: ['h', 'wt', 'bt'], outputs: ['u'], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] } },
    { op: 'Relu', name: 'relu', inputs: ['u'], outputs: ['v'] },
    { op: 'Conv', name: 'dec', inputs: ['v', 'w2', 'b2'], outputs: ['y'], attrs: { pads: [1, 1, 1, 1] } },
  ];
  return modelOf(nodes, inits, [1, 3, 6, 5], 4);
}

async function ortRun(bytes: Uint8Array, x: Float32Array, dims: number[]): Promise<{ data: Float32Array; dims: number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const res = await session.run({ x: new ort.Tensor('float32', x, dims) });
    const y = res[session.outputNames[0]];
    return { data: y.data as Float32Array, dims: [...y.dims] };
  } finally {
    await session.release();
  }
}

function expectClose(got: ArrayLike<number>, want: Float32Array, who: string): void {
  expect(got.length, `${who}: element count`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (Math.abs(got[i] - want[i]) > 1e-5 * (1 + Math.abs(want[i]))) expect(got[i], `${who} element ${i}`).toBe(want[i]);
  }
}

beforeAll(async () => {
  await ensureWasmBuilt();
}, 180_000);

describe('ONNX ConvTranspose f32 = ONNX Runtime (convert(), reference interpreter, both WASM builds)', () => {
  CASES.forEach((c, i) => {
    it(c.label, async () => {
      const bytes = singleOp(c, 10 + i);
      const x = floats(rng(50 + i), numel(c.x), 2);
      const want = await ortRun(bytes, x, c.x);
      const f = convert(bytes, 'convtranspose.onnx', { precision: 'f32' });
      expect(f.graph.nodes.filter((n) => n.op === 'transpose_conv2d').length).toBe(1);
      if (c.relu) expect(f.graph.nodes.some((n) => n.op === 'clamp'), 'Relu fused into transpose_conv2d').toBe(false);
      expect(f.graph.tensor(f.graph.outputs[0]).shape, 'output shape').toEqual(want.dims);
      expectClose(runGraph(f.graph, [x])[0] as Float32Array, want.data, 'reference');
      for (const build of BUILDS) expectClose((await runBlob(build, f.blob, [x]))[0] as Float32Array, want.data, build);
    });
  });
});

describe('ONNX ConvTranspose: a following bias Add, BatchNormalization and Relu fold into it', () => {
  it('ConvTranspose (no bias) → Add [1,M,1,1] → BatchNormalization → Relu is one transpose_conv2d = ORT', async () => {
    const r = rng(90);
    const m = 5;
    const inits: OnnxInitializer[] = [
      { name: 'w', dims: [3, m, 3, 3], data: floats(r, 3 * m * 9, 0.5) },
      { name: 'c', dims: [1, m, 1, 1], data: floats(r, m, 0.5) },
      { name: 'scale', dims: [m], data: Float32Array.from({ length: m }, () => 0.5 + r()) },
      { name: 'shift', dims: [m], data: floats(r, m, 0.3) },
      { name: 'mean', dims: [m], data: floats(r, m, 0.3) },
      { name: 'var', dims: [m], data: Float32Array.from({ length: m }, () => 0.2 + r()) },
    ];
    const bytes = modelOf([
      { op: 'ConvTranspose', name: 'up', inputs: ['x', 'w'], outputs: ['t'], attrs: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] } },
      { op: 'Add', name: 'bias', inputs: ['t', 'c'], outputs: ['u'] },
      { op: 'BatchNormalization', name: 'bn', inputs: ['u', 'scale', 'shift', 'mean', 'var'], outputs: ['v'] },
      { op: 'Relu', name: 'relu', inputs: ['v'], outputs: ['y'] },
    ], inits, [1, 3, 4, 5], 4);
    const x = floats(r, 60, 2);
    const want = await ortRun(bytes, x, [1, 3, 4, 5]);
    const f = convert(bytes, 'folded.onnx', { precision: 'f32' });
    expect(f.graph.nodes.map((n) => n.op).filter((op) => op !== 'transpose')).toEqual(['transpose_conv2d']);
    expectClose(runGraph(f.graph, [x])[0] as Float32Array, want.data, 'reference');
    for (const build of BUILDS) expectClose((await runBlob(build, f.blob, [x]))[0] as Float32Array, want.data, build);
  });
});

/** int8 PTQ through convert(): both builds = the int8 reference; the result within the bound of ORT's. */
async function checkInt8(bytes: Uint8Array, xDims: number[], seed: number): Promise<void> {
  const r = rng(seed);
  const x = floats(r, numel(xDims), 2);
  const want = await ortRun(bytes, x, xDims);
  const calibration = [[x], ...[0, 1, 2, 3].map(() => [floats(r, numel(xDims), 2)])];
  const f = convert(bytes, 'model.onnx', { precision: 'f32' });
  const q = convert(bytes, 'model.onnx', { precision: 'int8', calibration });
  const g: Graph = q.graph;
  const tconvs = g.nodes.filter((n) => n.op === 'transpose_conv2d');
  expect(tconvs.length).toBe(1);
  expect(tconvs[0].int8, 'transpose_conv2d runs in int8').toBeDefined();
  expect(g.tensor(tconvs[0].inputs[1]).dtype).toBe('s8');
  // NCHW ⇄ NHWC transposes between the spatial ops cancel (sink-transposes): only the graph's edges keep one.
  expect(g.nodes.filter((n) => n.op === 'transpose').length, g.nodes.map((n) => n.op).join(' ')).toBeLessThanOrEqual(2);
  const xq = quantizeValues(x, qpOf(g.tensor(g.inputs[0])));
  const [ref] = runGraph(g, [xq]) as Int8Array[];
  for (const build of BUILDS) expect(Array.from((await runBlob(build, q.blob, [xq]))[0] as Int8Array), `${build} bytes`).toEqual(Array.from(ref));

  const floatValues = new Map<string, TensorData>();
  const [yF32] = runGraph(f.graph, [x], { observe: (name, v) => floatValues.set(name, v.data) }) as Float32Array[];
  expectClose(yF32, want.data, 'f32 reference');
  const [bound] = new BoundPropagator(f.graph, g, floatValues).run();
  const qp = qpOf(g.tensor(g.outputs[0]));
  let worst = 0;
  for (let i = 0; i < want.data.length; i++) {
    const b = bound[i] * (1 + 2 ** -12) + 2 ** -20 * (Math.abs(yF32[i]) + qp.scale);
    expect(Number.isFinite(b), `element ${i}: finite bound`).toBe(true);
    const err = Math.abs(codeToReal(qp, ref[i]) - want.data[i]);
    const f32Dev = Math.abs(yF32[i] - want.data[i]);
    if (!(err <= b + f32Dev)) expect.fail(`element ${i}: int8 ${codeToReal(qp, ref[i])} vs ORT ${want.data[i]}: error ${err} exceeds the bound ${b} (+ f32 deviation ${f32Dev})`);
    worst = Math.max(worst, err / b);
  }
  // The bound is not vacuous: the int8 result uses a real part of it somewhere.
  expect(worst).toBeGreaterThan(0.01);
}

describe('ONNX ConvTranspose int8 PTQ = ONNX Runtime within the derived int8 bound (both WASM builds = reference)', () => {
  it('ConvTranspose alone (stride 2, pads, output_padding, bias)', async () => {
    await checkInt8(singleOp(CASES[0], 70), CASES[0].x, 71);
  });
  it('ConvTranspose with auto_pad SAME_LOWER and a fused Relu', async () => {
    const c: Case = { ...CASES[6], relu: true };
    await checkInt8(singleOp(c, 72), c.x, 73);
  });
  it('Conv → ConvTranspose(stride 2) → Relu → Conv (a decoder stage)', async () => {
    await checkInt8(decoder(74), [1, 3, 6, 5], 75);
  });
  const byLabel = (start: string) => CASES.find((c) => c.label.startsWith(start))!;
  for (const start of ['depthwise (group = C = 6)', 'group 3, dilations [3,2]', 'group 2, dilations 2, then Relu', '1-D depthwise']) {
    it(`ConvTranspose ${start}...`, async () => {
      const c = byLabel(start);
      await checkInt8(singleOp(c, 76), c.x, 77);
    });
  }
});

describe('ONNX ConvTranspose int8 with entropy-coded weights (decoded at load)', () => {
  it('the huffman-coded blob gives the plain blob\'s bytes on both builds', async () => {
    const r = rng(77);
    // Peaked weights (a cube of uniform values), so their int8 codes have entropy to spare.
    const w = Float32Array.from({ length: 16 * 16 * 16 }, () => (2 * r() - 1) ** 3);
    const bytes = modelOf([{ op: 'ConvTranspose', name: 'up', inputs: ['x', 'w'], outputs: ['y'], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] } }],
      [{ name: 'w', dims: [16, 16, 4, 4], data: w }], [1, 16, 5, 4], 4);
    const xDims = [1, 16, 5, 4];
    const calibration = [0, 1, 2, 3].map(() => [floats(r, numel(xDims), 2)]);
    const plain = convert(bytes, 'model.onnx', { precision: 'int8', calibration });
    const coded = convert(bytes, 'model.onnx', { precision: 'int8', calibration, entropy: 'huffman' });
    const tconv = coded.graph.nodes.find((n) => n.op === 'transpose_conv2d')!;
    expect(coded.report.encodedWeights.map((e) => e.tensor), 'the transpose conv weights are encoded').toContain(tconv.inputs[1]);
    expect(coded.blob.length).toBeLessThan(plain.blob.length);
    const xq = quantizeValues(floats(r, numel(xDims), 2), qpOf(plain.graph.tensor(plain.graph.inputs[0])));
    for (const build of BUILDS) {
      const want = (await runBlob(build, plain.blob, [xq]))[0] as Int8Array;
      expect(Array.from((await runBlob(build, coded.blob, [xq]))[0] as Int8Array), build).toEqual(Array.from(want));
    }
  });
});

interface QdqCase {
  label: string;
  /** X channels, output channels M (W is [c, m/group, 3, 3]), group. */
  c: number; m: number; group: number;
  attrs: Attrs;
  /** X's spatial dims and Y's (ONNX Runtime's shape for the attributes). */
  hw: [number, number]; out: [number, number];
}

const QDQ_CASES: QdqCase[] = [
  { label: 'group 1, stride 2, pads 1, output_padding 1', c: 3, m: 4, group: 1, attrs: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }, hw: [5, 4], out: [10, 8] },
  // Grouped: the axis-1 scales (M/group of them) repeat per group of output channels.
  { label: 'group 2 (M/group = 3 scales), dilations 2, stride 2', c: 4, m: 6, group: 2, attrs: { group: 2, dilations: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1] }, hw: [4, 5], out: [9, 11] },
  { label: 'depthwise, multiplier 2 (group = C = 4, 2 scales), stride 2', c: 4, m: 8, group: 4, attrs: { group: 4, strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }, hw: [4, 4], out: [8, 8] },
];

/** A QDQ ConvTranspose as quantize_static writes it: per-channel weights on axis 1 of [C,M/group,3,3], int32 bias. */
function qdqModel(q: QdqCase, r: () => number): Uint8Array {
  const mg = q.m / q.group;
  const wf = floats(r, q.c * mg * 9, 0.5);
  // Symmetric per axis-1 channel mi: over every input channel (all groups) and tap.
  const wScale = Float32Array.from({ length: mg }, (_, mi) => {
    let amax = 0;
    for (let ci = 0; ci < q.c; ci++) for (let k = 0; k < 9; k++) amax = Math.max(amax, Math.abs(wf[(ci * mg + mi) * 9 + k]));
    return Math.fround(amax / 127);
  });
  const wq = Int8Array.from(wf, (v, i) => Math.round(v / wScale[Math.floor(i / 9) % mg]));
  const [xScale, xZp, yScale, yZp] = [Math.fround(4 / 255), 0, Math.fround(0.03), -5];
  // Output channel o = g·M/group + mi has weight scale wScale[mi].
  const bScale = Float32Array.from({ length: q.m }, (_, o) => Math.fround(xScale * wScale[o % mg]));
  const bq = Int32Array.from({ length: q.m }, () => Math.round((r() - 0.5) * 200));
  const inits: OnnxInitializer[] = [
    { name: 'x_s', dims: [], data: new Float32Array([xScale]) }, { name: 'x_zp', dims: [], data: new Int8Array([xZp]) },
    { name: 'y_s', dims: [], data: new Float32Array([yScale]) }, { name: 'y_zp', dims: [], data: new Int8Array([yZp]) },
    { name: 'w_q', dims: [q.c, mg, 3, 3], data: wq }, { name: 'w_s', dims: [mg], data: wScale }, { name: 'w_zp', dims: [mg], data: new Int8Array(mg) },
    { name: 'b_q', dims: [q.m], data: bq }, { name: 'b_s', dims: [q.m], data: bScale }, { name: 'b_zp', dims: [q.m], data: new Int32Array(q.m) },
  ];
  return encodeOnnxModel({
    graphName: 'qdq_convtranspose',
    nodes: [
      { op: 'QuantizeLinear', name: 'xq', inputs: ['x', 'x_s', 'x_zp'], outputs: ['x_q'] },
      { op: 'DequantizeLinear', name: 'xdq', inputs: ['x_q', 'x_s', 'x_zp'], outputs: ['x_dq'] },
      { op: 'DequantizeLinear', name: 'wdq', inputs: ['w_q', 'w_s', 'w_zp'], outputs: ['w_dq'], attrs: { axis: 1 } },
      { op: 'DequantizeLinear', name: 'bdq', inputs: ['b_q', 'b_s', 'b_zp'], outputs: ['b_dq'], attrs: { axis: 0 } },
      { op: 'ConvTranspose', name: 'up', inputs: ['x_dq', 'w_dq', 'b_dq'], outputs: ['t'], attrs: q.attrs },
      { op: 'QuantizeLinear', name: 'yq', inputs: ['t', 'y_s', 'y_zp'], outputs: ['y'] },
    ],
    initializers: inits,
    inputs: [{ name: 'x', dims: [1, q.c, ...q.hw] }],
    outputs: [{ name: 'y', dims: [1, q.m, ...q.out], elemType: 3 }],
    opset: 17,
  });
}

describe('QDQ ConvTranspose (the form ONNX Runtime\'s quantize_static writes) folds to an s8 transpose_conv2d', () => {
  QDQ_CASES.forEach((qc, i) => {
    it(`${qc.label}: int8 per-channel weights (DequantizeLinear axis 1: the output channels of [C,M/group,KH,KW]), int32 bias; within 1 LSB of ONNX Runtime`, async () => {
      const r = rng(95 + i);
      const xs = [1, qc.c, ...qc.hw];
      const bytes = qdqModel(qc, r);
      const x = Float32Array.from({ length: numel(xs) }, () => r() * 4 - 2);
      const session = await ort.InferenceSession.create(bytes);
      const want = (await session.run({ x: new ort.Tensor('float32', x, xs) })).y.data as Int8Array;
      await session.release();
      const q = convert(bytes, 'qdq.onnx', { precision: 'int8' });
      const tconv = q.graph.nodes.find((n) => n.op === 'transpose_conv2d')!;
      expect(q.graph.tensor(tconv.inputs[0]).dtype, 'the folded op reads s8').toBe('s8');
      expect(q.graph.tensor(tconv.inputs[1]).dtype).toBe('s8');
      expect(q.graph.nodes.filter((n) => n.op === 'dequantize').length, 'no float island').toBe(0);
      const [ref] = runGraph(q.graph, [x]) as Int8Array[];
      expect(ref.length).toBe(want.length);
      for (const build of BUILDS) expect(Array.from((await runBlob(build, q.blob, [x]))[0] as Int8Array), `${build} bytes`).toEqual(Array.from(ref));
      // ONNX Runtime requantizes in float (round half to even), Mote in TFLM's fixed point.
      let off = 0;
      for (let k = 0; k < want.length; k++) {
        expect(Math.abs(ref[k] - want[k]), `element ${k}`).toBeLessThanOrEqual(1);
        if (ref[k] !== want[k]) off++;
      }
      expect(off, 'elements 1 LSB off').toBeLessThan(want.length / 10);
      expect(new Set(ref).size, 'distinct output codes').toBeGreaterThan(8);
    });
  });
});

describe('ONNX ConvTranspose: what the runtime cannot run is refused naming the node', () => {
  const refusal = (attrs: Attrs, w = [2, 2, 3, 3]) => {
    const bytes = modelOf([{ op: 'ConvTranspose', name: 'up', inputs: ['x', 'w'], outputs: ['y'], attrs }], [{ name: 'w', dims: w, data: new Float32Array(numel(w)) }], [1, 2, 4, 4], 4);
    return () => convert(bytes, 'bad.onnx', { precision: 'f32' });
  };
  it('a group that does not divide the channels, weights that do not fit it, 3-D, output_padding past the spec\'s bound, output_shape a stride past the full size, SAME with a kernel shorter than the stride', () => {
    expect(refusal({ group: 3 }, [2, 1, 3, 3])).toThrow("ONNX ConvTranspose node 'up' (opset 17): attribute group=3 does not divide X's 2 channels");
    expect(refusal({ group: 2 }, [3, 1, 3, 3])).toThrow("ONNX ConvTranspose node 'up' (opset 17): weights [3,1,3,3] take 3 input channels, X has 2");
    expect(refusal({ dilations: [0, 1] })).toThrow("ONNX ConvTranspose node 'up' (opset 17): dilations [0,1] must be >= 1");
    // The spec's bound (ONNX Runtime refuses it too).
    expect(refusal({ strides: [2, 2], dilations: [1, 3], output_padding: [1, 3] })).toThrow("ONNX ConvTranspose node 'up' (opset 17): output_padding [1,3] on spatial axis 1: 3 must be less than max(stride, dilation) = 3");
    const volume = encodeOnnxModel({
      graphName: 'convtranspose3d', nodes: [{ op: 'ConvTranspose', name: 'up', inputs: ['x', 'w'], outputs: ['y'] }],
      initializers: [{ name: 'w', dims: [2, 2, 3, 3, 3], data: new Float32Array(108) }], inputs: [{ name: 'x', dims: [1, 2, 4, 4, 4] }],
      outputs: [{ name: 'y', dims: ['a', 'b', 'c', 'd', 'e'] }], opset: 17,
    });
    expect(() => convert(volume, 'bad.onnx', { precision: 'f32' })).toThrow("unsupported 3-D input (only 1-D and 2-D are supported) in ONNX op 'ConvTranspose' (node 'up', opset 17)");
    // Full size 2·3 + 3 = 9 per axis; 11 is a stride past it (ONNX Runtime: inconsistent with the input size).
    expect(refusal({ strides: [2, 2], output_shape: [11, 11] })).toThrow("ONNX ConvTranspose node 'up' (opset 17): output_shape 11 on spatial axis 0 is 2 pixels past the full transposed size 9: at most stride - 1 = 1 more fit input size 4 (ONNX Runtime refuses it too)");
    // SAME with a 1x1 kernel and stride 2: the spec says 4·2 = 8, ONNX Runtime gives the full size 2·3 + 1 = 7.
    expect(refusal({ strides: [2, 2], auto_pad: 'SAME_UPPER' }, [2, 2, 1, 1])).toThrow("unsupported auto_pad SAME_UPPER on spatial axis 0 with a kernel span 1 (output_padding included) shorter than the stride 2: the spec's output 8 and ONNX Runtime's 7 differ in ONNX op 'ConvTranspose' (node 'up', opset 17)");
  });
});

describe('transpose_conv2d params: 6 words for group 1 undilated (the form earlier runtimes read), 9 with dilation_h dilation_w group', () => {
  const grouped = () => {
    const c = CASES.find((k) => k.label.startsWith('group 3, dilations [3,2]'))!;
    const { blob } = convert(singleOp(c, 30), 'grouped.onnx', { precision: 'f32' });
    const op = readBlob(blob).ops.find((o) => o.opcode === F.OP_TRANSPOSE_CONV2D)!;
    return { blob, op };
  };
  /** A copy of `blob` with op `index`'s param k (or, with k = -1, its param count) set to v. */
  const edit = (blob: Uint8Array, index: number, k: number, v: number) => {
    const b = blob.slice();
    const d = new DataView(b.buffer);
    const rec = d.getUint32(F.H_OP_TABLE_OFFSET, true) + index * F.OP_RECORD_SIZE;
    if (k < 0) d.setUint32(rec + F.O_PARAMS_COUNT, v, true);
    else d.setInt32(d.getUint32(F.H_PARAMS_OFFSET, true) + 4 * (d.getUint32(rec + F.O_PARAMS_INDEX, true) + k), v, true);
    fixCrc(b);
    return b;
  };
  it('the emitted words', () => {
    const plain = convert(singleOp(CASES[0], 31), 'plain.onnx', { precision: 'f32' });
    expect(readBlob(plain.blob).ops.find((o) => o.opcode === F.OP_TRANSPOSE_CONV2D)!.params.length).toBe(6);
    // x [1,3,3,4] (C 3), w [3,2,3,2] group 3: weights [6,3,2,1]; strides [2,3], dilations [3,2].
    const { op } = grouped();
    expect(Array.from(op.params.slice(0, 2)).concat(Array.from(op.params.slice(6)))).toEqual([2, 3, 3, 2, 3]);
  });
  it('the load refuses a bad 9-word form, and reads the 9 words cut to 6 as group 1 (naming the op)', async () => {
    const { blob, op } = grouped();
    const at = `op ${op.index} \\(transpose_conv2d\\): `;
    await expectLoadRefused(edit(blob, op.index, 8, 0), new RegExp(`${at}group must be >= 1, got 0`));
    await expectLoadRefused(edit(blob, op.index, 8, 2), new RegExp(`${at}input 1 \\(weights\\) dim 3 times group 2 must equal the input channels \\(3\\)`));
    await expectLoadRefused(edit(blob, op.index, 6, 0), new RegExp(`${at}dilation_h must be >= 1, got 0`));
    await expectLoadRefused(edit(blob, op.index, 7, 2 ** 30), new RegExp(`${at}dilated kernel too large`));
    await expectLoadRefused(edit(blob, op.index, -1, 7), new RegExp(`${at}takes 6 params, or 9 with dilation_h dilation_w group, got 7`));
    // Cut to 6 words the op is group 1: its weights [6,3,2,1] no longer fit x's 3 channels.
    await expectLoadRefused(edit(blob, op.index, -1, 6), new RegExp(`${at}input 1 \\(weights\\) dim 3 must equal the input channels`));
    expect(() => readBlob(edit(blob, op.index, 8, 0))).toThrow(/param 8 \(group\) is 0; must be >= 1/);
    expect(() => readBlob(edit(blob, op.index, -1, 7))).toThrow(/has 7 param words; expected 6, or 9 with dilation_h dilation_w group/);
  });
  it('a runtime built for the grouped int8 model (that op and form only) runs it as the full build does', async () => {
    const c = CASES.find((k) => k.label.startsWith('depthwise (group = C = 6)'))!;
    const r = rng(32);
    const calibration = [0, 1, 2].map(() => [floats(r, numel(c.x), 2)]);
    const { blob, graph } = convert(singleOp(c, 33), 'dw.onnx', { precision: 'int8', calibration });
    const xq = quantizeValues(floats(r, numel(c.x), 2), qpOf(graph.tensor(graph.inputs[0])));
    for (const build of BUILDS) {
      const want = (await runBlob(build, blob, [xq]))[0] as Int8Array;
      const wasm = await buildRuntimeFor(blobFeatures(readBlob(blob)), { build });
      const model = MoteRuntime.fromModule(build, await WebAssembly.compile(wasm as BufferSource)).load(blob);
      expect(Array.from(model.run([xq])[0] as Int8Array), build).toEqual(Array.from(want));
    }
  }, 600_000);
});
