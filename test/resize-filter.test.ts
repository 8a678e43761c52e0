// resize's filter table (format.ts RESIZE_TAPS: ONNX cubic, antialias, tf_crop_and_resize), against
// independent references:
//  - onnxruntime-node on generated single-op Resize models beyond the conformance cases (odd sizes,
//    non-integer scales, N and C > 1), f32: the reference interpreter within 1e-4 of ORT, both WASM
//    builds equal to the reference interpreter bit for bit;
//  - the same models in QDQ form (int8): the folded s8 resize on both builds equals the reference
//    interpreter, and is within one quantization step (plus the Q10 weights' rounding) of ORT;
//  - other layouts (NHWC, a resized channel axis, rank 3), against ORT directly or, where ORT has
//    no kernel for the layout (cubic off NCHW's H and W), on the transposed equivalent it has;
//  - the s8 arithmetic (Q10 weights summing to 1024, the Q20 sum rounded half away from zero and
//    saturated) worked by hand on a cubic case;
//  - the runtime's load checks of the table, and the importer's refusals.
import onnxProto from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { convert } from '../converter/convert.js';
import type { Graph, Node, ResizeAttrs } from '../converter/ir/graph.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { q10Weights } from '../converter/reference/resize-coords.js';
import * as F from '../format/format.js';
import { readBlob } from '../host/blob-reader.js';
import { BUILDS, ensureWasmBuilt, expectLoadRefused, fixCrc, rng, runBlob } from './runtime-harness.js';
import { createOrtSession } from './support/ort.js';

const { onnx } = onnxProto;
type INode = onnxProto.onnx.INodeProto;
type Attr = onnxProto.onnx.IAttributeProto;
const FLOAT = 1, INT8 = 3, INT64 = 7;
const AT = onnx.AttributeProto.AttributeType;

interface Case {
  what: string;
  /** NCHW unless the scales / sizes / roi name every axis. */
  x: number[];
  mode: 'linear' | 'cubic' | 'nearest';
  coordinates?: string;
  /** Two values: H and W of NCHW; one per axis otherwise. */
  scales?: number[];
  sizes?: number[];
  /** [start_h, start_w, end_h, end_w], or start and end of every axis. */
  roi?: number[];
  a?: number;
  excludeOutside?: boolean;
  antialias?: boolean;
  extrapolation?: number;
  /** The resized axes are already the middle two of a rank-4 input: no transpose around them. */
  inPlaceLayout?: boolean;
  /** ONNX Runtime resizes cubic only over NCHW's H and W, linear over NCHW's or NHWC's: the same
   * resize as ORT runs it, on x transposed by `perm` (or reshaped to `x`), its output brought back. */
  ort?: Pick<Case, 'x' | 'scales' | 'sizes'> & { perm?: number[] };
}

// ORT and ONNX's reference differ where ORT sizes align_corners by the rounded output length (so
// align_corners cases use sizes) and in antialias (below): the cases keep to the forms where the two
// agree, which the f32 check against ORT then confirms.
const CASES: Case[] = [
  { what: 'cubic half_pixel up, odd sizes', x: [2, 3, 5, 7], mode: 'cubic', sizes: [9, 12] },
  { what: 'cubic half_pixel, non-integer scales (up H, down W)', x: [1, 2, 6, 9], mode: 'cubic', scales: [1.7, 0.6] },
  { what: 'cubic align_corners, sizes', x: [1, 3, 4, 6], mode: 'cubic', coordinates: 'align_corners', sizes: [7, 5] },
  { what: 'cubic asymmetric, A = -0.5, exclude_outside', x: [1, 2, 5, 5], mode: 'cubic', coordinates: 'asymmetric', scales: [2.5, 1.6], a: -0.5, excludeOutside: true },
  { what: 'cubic pytorch_half_pixel down', x: [1, 2, 9, 8], mode: 'cubic', coordinates: 'pytorch_half_pixel', sizes: [4, 3] },
  { what: 'cubic half_pixel_symmetric, exclude_outside', x: [1, 1, 7, 6], mode: 'cubic', coordinates: 'half_pixel_symmetric', scales: [1.5, 0.7], excludeOutside: true },
  { what: 'cubic from a 2-pixel axis (taps folded to the input)', x: [1, 2, 2, 3], mode: 'cubic', sizes: [5, 4] },
  { what: 'linear antialias down, odd sizes', x: [1, 3, 9, 13], mode: 'linear', antialias: true, sizes: [4, 5] },
  { what: 'linear antialias down in W only, non-integer scale', x: [2, 2, 5, 11], mode: 'linear', antialias: true, scales: [1, 0.45] },
  { what: 'cubic antialias down, scales', x: [1, 2, 10, 12], mode: 'cubic', antialias: true, scales: [0.6, 0.35] },
  { what: 'cubic antialias, down in H, up in W', x: [1, 3, 11, 4], mode: 'cubic', antialias: true, sizes: [4, 7] },
  { what: 'tf_crop_and_resize linear, roi inside', x: [1, 3, 6, 7], mode: 'linear', coordinates: 'tf_crop_and_resize', sizes: [5, 4], roi: [0.2, 0.1, 0.9, 0.7] },
  { what: 'tf_crop_and_resize linear, roi past the input, extrapolation 2.5', x: [2, 2, 5, 5], mode: 'linear', coordinates: 'tf_crop_and_resize', sizes: [6, 7], roi: [-0.3, 0.4, 0.8, 1.4], extrapolation: 2.5 },
  { what: 'tf_crop_and_resize cubic, one output row', x: [1, 2, 6, 6], mode: 'cubic', coordinates: 'tf_crop_and_resize', sizes: [1, 5], roi: [0.25, 0, 0.75, 1] },
  { what: 'tf_crop_and_resize nearest, extrapolation -1', x: [1, 2, 5, 6], mode: 'nearest', coordinates: 'tf_crop_and_resize', sizes: [7, 4], roi: [-0.2, 0.1, 1.1, 0.9], extrapolation: -1 },
  // Other layouts: the two changing axes move to the middle of NHWC.
  { what: 'NHWC input: cubic over axes 1 and 2', x: [1, 5, 6, 3], mode: 'cubic', sizes: [1, 8, 4, 3], inPlaceLayout: true,
    ort: { x: [1, 3, 5, 6], sizes: [8, 4], perm: [0, 3, 1, 2] } },
  { what: 'NHWC tf_crop_and_resize linear over axes 1 and 2', x: [2, 5, 5, 2], mode: 'linear', coordinates: 'tf_crop_and_resize', sizes: [2, 6, 4, 2],
    roi: [0, -0.1, 0.2, 0, 1, 0.9, 1.2, 1], extrapolation: 1.5, inPlaceLayout: true },
  { what: 'NCHW channels and W (H kept), linear', x: [1, 4, 3, 5], mode: 'linear', sizes: [1, 6, 3, 7], ort: { x: [1, 3, 4, 5], sizes: [6, 7], perm: [0, 2, 1, 3] } },
  { what: 'rank 3 [N, C, W]: linear up, non-integer scale', x: [2, 3, 7], mode: 'linear', scales: [1, 1, 2.3] },
  { what: 'rank 3: cubic antialias down', x: [1, 4, 17], mode: 'cubic', antialias: true, sizes: [1, 4, 6], ort: { x: [1, 4, 1, 17], sizes: [1, 6] } },
  { what: 'rank 3: nearest up', x: [1, 2, 5], mode: 'nearest', scales: [1, 1, 3] },
];

const fullScales = (k: Case) => (k.scales!.length === k.x.length ? k.scales! : [...k.x.slice(0, -2).map(() => 1), ...k.scales!]);
const fullSizes = (k: Case) => (k.sizes!.length === k.x.length ? k.sizes! : [...k.x.slice(0, -2), ...k.sizes!]);
function fullRoi(k: Case): number[] {
  if (k.roi!.length === 2 * k.x.length) return k.roi!;
  const lead = k.x.length - 2;
  return [...Array(lead).fill(0), k.roi![0], k.roi![1], ...Array(lead).fill(1), k.roi![2], k.roi![3]];
}
const outShape = (k: Case) => (k.sizes ? fullSizes(k) : k.x.map((d, i) => Math.floor(d * fullScales(k)[i])));

const floatInit = (name: string, dims: number[], data: Float32Array) => ({ name, dataType: FLOAT, dims, rawData: new Uint8Array(data.buffer.slice(0)) });
const str = (name: string, v: string): Attr => ({ name, s: new TextEncoder().encode(v), type: AT.STRING });
const int = (name: string, v: number): Attr => ({ name, i: v, type: AT.INT });
const flt = (name: string, v: number): Attr => ({ name, f: v, type: AT.FLOAT });
const vi = (name: string, dims: number[]) => ({ name, type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });

/** Resize (opset 19) on x, optionally wrapped in QuantizeLinear / DequantizeLinear pairs (int8). */
function resizeModel(k: Case, qdq?: { scale: number; zp: number }): Uint8Array {
  const y = outShape(k);
  const attrs: Attr[] = [str('mode', k.mode), str('coordinate_transformation_mode', k.coordinates ?? 'half_pixel')];
  if (k.a !== undefined) attrs.push(flt('cubic_coeff_a', k.a));
  if (k.excludeOutside) attrs.push(int('exclude_outside', 1));
  if (k.antialias) attrs.push(int('antialias', 1));
  if (k.extrapolation !== undefined) attrs.push(flt('extrapolation_value', k.extrapolation));
  const roi = k.roi ? Float32Array.from(fullRoi(k)) : new Float32Array(0);
  const inits: object[] = [floatInit('roi', [roi.length], roi)];
  let inputs = ['xr', 'roi'];
  if (k.sizes) {
    inits.push({ name: 'sizes', dataType: INT64, dims: [y.length], rawData: new Uint8Array(BigInt64Array.from(y, BigInt).buffer) });
    inputs = [...inputs, '', 'sizes'];
  } else {
    inits.push(floatInit('scales', [y.length], Float32Array.from(fullScales(k))));
    inputs = [...inputs, 'scales'];
  }
  const nodes: INode[] = [{ opType: 'Resize', input: inputs, output: [qdq ? 'r' : 'y'], name: 'resize', attribute: attrs }];
  if (qdq) {
    inits.push(
      { name: 'q_scale', dataType: FLOAT, dims: [], rawData: new Uint8Array(Float32Array.of(qdq.scale).buffer) },
      { name: 'q_zp', dataType: INT8, dims: [], rawData: new Uint8Array(Int8Array.of(qdq.zp).buffer) },
    );
    nodes.unshift(
      { opType: 'QuantizeLinear', input: ['x', 'q_scale', 'q_zp'], output: ['xq'], name: 'q0' },
      { opType: 'DequantizeLinear', input: ['xq', 'q_scale', 'q_zp'], output: ['xr'], name: 'dq0' },
    );
    nodes.push(
      { opType: 'QuantizeLinear', input: ['r', 'q_scale', 'q_zp'], output: ['rq'], name: 'q1' },
      { opType: 'DequantizeLinear', input: ['rq', 'q_scale', 'q_zp'], output: ['y'], name: 'dq1' },
    );
  } else {
    nodes[0].input![0] = 'x';
  }
  const model = onnx.ModelProto.create({
    irVersion: 9,
    producerName: 'mote-test',
    opsetImport: [{ domain: '', version: 19 }],
    graph: { name: 'resize', node: nodes, initializer: inits, input: [vi('x', k.x)], output: [vi('y', y)] },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** A 4-D tensor's data with its axes permuted (y axis i is x axis perm[i]). */
function permute(data: Float32Array, shape: number[], perm: number[]): Float32Array {
  const out = new Float32Array(data.length);
  const ys = perm.map((p) => shape[p]);
  const stride = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  let o = 0;
  for (let a = 0; a < ys[0]; a++) for (let b = 0; b < ys[1]; b++) for (let c = 0; c < ys[2]; c++) for (let d = 0; d < ys[3]; d++) {
    const idx = [a, b, c, d];
    out[o++] = data[perm.reduce((acc, p, i) => acc + idx[i] * stride[p], 0)];
  }
  return out;
}

/** ONNX Runtime's output for the case's model (or for its `ort` equivalent, brought back). */
async function ort(k: Case, x: Float32Array, qdq?: { scale: number; zp: number }): Promise<Float32Array> {
  const run = async (c: Case, data: Float32Array) => {
    const session = await createOrtSession('node', resizeModel(c, qdq));
    const [y] = (await session.run([{ data, shape: c.x }])) as Float32Array[];
    await session.release();
    return y;
  };
  if (!k.ort) return run(k, x);
  const { perm, ...form } = k.ort;
  const twin: Case = { ...k, ...form };
  if (!perm) return run(twin, x);
  const back = perm.map((_, i) => perm.indexOf(i));
  return permute(await run(twin, permute(x, k.x, perm)), outShape(twin), back);
}

const inputOf = (k: Case, seed: number) => {
  const r = rng(seed);
  return Float32Array.from({ length: k.x.reduce((p, d) => p * d, 1) }, () => (r() * 2 - 1) * 4);
};

describe('resize filter table: f32 against onnxruntime-node', () => {
  beforeAll(async () => {
    await ensureWasmBuilt();
  }, 180_000);

  CASES.forEach((k, n) => {
    it(k.what, async () => {
      const bytes = resizeModel(k);
      const { graph, blob } = convert(bytes, 'resize.onnx', { precision: 'f32' });
      const resize = graph.nodes.find((node: Node) => node.op === 'resize')!;
      expect((resize.attrs as ResizeAttrs).mode).toBe(k.mode === 'linear' ? 'bilinear' : k.mode);
      if (k.inPlaceLayout) expect(graph.nodes.map((node: Node) => node.op)).toEqual(['resize']);
      const x = inputOf(k, 31 * n + 7);
      const want = await ort(k, x);
      const [ref] = runGraph(graph as Graph, [x]) as Float32Array[];
      expect(ref.length).toBe(want.length);
      readBlob(blob); // the host reader (mote run / inspect) takes the filter table too
      for (let i = 0; i < want.length; i++) {
        expect(Math.abs(ref[i] - want[i]), `element ${i}: ${ref[i]} vs ORT ${want[i]}`).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(want[i])));
      }
      for (const build of BUILDS) {
        const [got] = await runBlob(build, blob, [x]);
        expect(Array.from(got as Float32Array), `${build} vs reference`).toEqual(Array.from(ref));
      }
    });
  });
});

describe('resize filter table: int8 (QDQ) against onnxruntime-node', () => {
  beforeAll(async () => {
    await ensureWasmBuilt();
  }, 180_000);

  CASES.forEach((k, n) => {
    it(k.what, async () => {
      const q = { scale: 0.04, zp: -5 };
      const bytes = resizeModel(k, q);
      const { graph, blob } = convert(bytes, 'resize_qdq.onnx', { precision: 'int8' });
      const resize = graph.nodes.find((node: Node) => node.op === 'resize')!;
      expect(graph.tensor(resize.inputs[0]).dtype).toBe('s8');
      const x = inputOf(k, 17 * n + 3);
      const want = await ort(k, x, q);
      const [ref] = runGraph(graph as Graph, [x]) as Float32Array[];
      readBlob(blob);
      for (const build of BUILDS) expect(Array.from((await runBlob(build, blob, [x]))[0] as Float32Array), build).toEqual(Array.from(ref));
      // One step for the final rounding, and the Q10 weights' rounding: at most (K + ½)·2^−10 per
      // axis of the window sum, times the largest code (|code| <= 128 steps): under one more step
      // for K <= 3, two for the wider antialias windows.
      const steps = Array.from(ref, (v, i) => Math.round(Math.abs(v - want[i]) / q.scale));
      expect(Math.max(...steps), 'steps from ORT').toBeLessThanOrEqual(k.antialias ? 2 : 1);
    });
  });
});

describe('resize filter table: the s8 arithmetic worked by hand', () => {
  beforeAll(async () => {
    await ensureWasmBuilt();
  }, 180_000);

  it('Q10 weights: rounded half away from zero, the residual on the largest', () => {
    // 0.3·1024 = 307.2 → 307, 0.45·1024 = 460.8 → 461, 0.25·1024 = 256: sum 1024 already.
    expect(q10Weights([0.3, 0.45, 0.25])).toEqual([307, 461, 256]);
    // Cubic at r = 0.5, A = −0.75: −0.09375 → −96, 0.59375 → 608 (exact): sum 1024.
    expect(q10Weights([-0.09375, 0.59375, 0.59375, -0.09375])).toEqual([-96, 608, 608, -96]);
    // Thirds: 341.33 → 341 each (1023): the residual 1 goes to the first largest.
    expect(q10Weights([1 / 3, 1 / 3, 1 / 3])).toEqual([342, 341, 341]);
  });

  it('cubic 1x2 -> 1x4 (asymmetric, A = -0.75): saturation and rounding', async () => {
    // Output columns at x = 0, 0.5, 1, 1.5 over [−128, 127] (edge-padded). x = 0 and 1 are the
    // pixels themselves. x = 0.5: taps at −1, 0, 1, 2 → columns 0, 0, 1, 1 weighted −96, 608, 608,
    // −96 → 512 on each: (−128·512 + 127·512)·1024 = −524288 → (−524288 − 2^19) / 2^20 = −1 exactly
    // (half away from zero). x = 1.5: r = 0.5 from 1, taps 0, 1, 2, 3 → columns 0, 1, 1, 1:
    // −96 on −128, 608 + 608 − 96 = 1120 on 127: (12288 + 142240)·1024 / 2^20 = 150.9 → saturates
    // to 127.
    const k: Case = { what: 'hand', x: [1, 1, 1, 2], mode: 'cubic', coordinates: 'asymmetric', scales: [1, 2] };
    const scale = 0.05;
    const { graph, blob } = convert(resizeModel(k, { scale, zp: 0 }), 'hand.onnx', { precision: 'int8' });
    const x = Float32Array.of(-128 * scale, 127 * scale);
    const want = [-128, -1, 127, 127].map((c) => Math.fround(c * scale));
    expect(Array.from(runGraph(graph as Graph, [x])[0] as Float32Array), 'reference').toEqual(want);
    for (const build of BUILDS) expect(Array.from((await runBlob(build, blob, [x]))[0] as Float32Array), build).toEqual(want);
  });
});

describe('resize filter table: int8 post-training quantization', () => {
  beforeAll(async () => {
    await ensureWasmBuilt();
  }, 180_000);

  it('a cubic resize runs in s8 (both builds equal the reference); cubic_coeff_a = -3 stays f32, with the reason', async () => {
    const k: Case = { what: 'ptq', x: [1, 2, 5, 6], mode: 'cubic', sizes: [8, 9] };
    const calibration = [0, 1, 2].map((s) => [inputOf(k, 100 + s)]);
    const x = inputOf(k, 7);
    const int8 = convert(resizeModel(k), 'ptq.onnx', { precision: 'int8', calibration });
    const resize = int8.graph.nodes.find((node: Node) => node.op === 'resize')!;
    expect(int8.graph.tensor(resize.inputs[0]).dtype).toBe('s8');
    // The int8 graph's input is s8 codes.
    const r = rng(5);
    const codes = Int8Array.from(x, () => Math.floor(r() * 256) - 128);
    const [ref] = runGraph(int8.graph as Graph, [codes]);
    for (const build of BUILDS) expect(Array.from((await runBlob(build, int8.blob, [codes]))[0] as Int8Array), build).toEqual(Array.from(ref as Int8Array));
    // A = −3: at r = ½ the weights are −0.375, 0.875, 0.875, −0.375 (Σ|w| = 2.5).
    const wide = convert(resizeModel({ ...k, a: -3 }), 'ptq.onnx', { precision: 'int8', calibration });
    expect(wide.graph.nodes.find((node: Node) => node.op === 'resize')!.inputs.map((t) => wide.graph.tensor(t).dtype)).toEqual(['f32']);
    expect(wide.report.quantization!.keptFloat.map((r) => r.reason)).toEqual([expect.stringMatching(/resize filter weights of one position sum past 2\.0 in magnitude \(cubic_coeff_a -3\): no s8 form/)]);
  });
});

// ---- load-time validation and import refusals -------------------------------------------------------

/** The blob with param k of its resize op set to v. */
function withResizeParam(blob: Uint8Array, k: number, v: number): Uint8Array {
  const b = blob.slice();
  const d = new DataView(b.buffer);
  const table = d.getUint32(F.H_OP_TABLE_OFFSET, true);
  const count = d.getUint32(F.H_OP_COUNT, true);
  for (let i = 0; i < count; i++) {
    const op = table + i * F.OP_RECORD_SIZE;
    if (d.getUint16(op + F.O_OPCODE, true) !== F.OP_RESIZE) continue;
    d.setInt32(d.getUint32(F.H_PARAMS_OFFSET, true) + 4 * (d.getUint32(op + F.O_PARAMS_INDEX, true) + k), v, true);
    fixCrc(b);
    return b;
  }
  throw new Error('no resize op');
}

describe('resize filter table: the runtime refuses a table that would leave the input', () => {
  beforeAll(async () => {
    await ensureWasmBuilt();
  }, 180_000);

  it('taps, windows, weights and the extrapolation code, naming the entry', async () => {
    // 1x1x5x5 → 6x7 crop, linear: ky = kx = 2; rows are entries 0..5 (3 words each from param 4),
    // columns 6..12.
    const k = CASES[12];
    const f32 = convert(resizeModel({ ...k, x: [1, 1, 5, 5] }), 'r.onnx', { precision: 'f32' }).blob;
    const s8 = convert(resizeModel({ ...k, x: [1, 1, 5, 5] }, { scale: 0.04, zp: -5 }), 'r.onnx', { precision: 'int8' }).blob;
    await expectLoadRefused(withResizeParam(f32, 2, 6), /resize\): filter taps 6 x 2 are outside 1 \.\. the input size/);
    await expectLoadRefused(withResizeParam(f32, 2, 0), /resize\): filter taps 0 x 2 are outside/);
    await expectLoadRefused(withResizeParam(f32, 4 + 3 * 2, 4), /resize\): filter entry 2 reads from index 4, outside the input/);
    await expectLoadRefused(withResizeParam(f32, 4 + 3 * 8, -2), /resize\): filter entry 8 reads from index -2, outside the input/);
    await expectLoadRefused(withResizeParam(s8, 1, 128), /resize\): extrapolation code 128 is outside the s8 range/);
    await expectLoadRefused(withResizeParam(s8, 4 + 3 * 7 + 1, 2049), /resize\): filter entry 7: its Q10 weights sum to \d+ in magnitude, over 2048/);
    await expectLoadRefused(withResizeParam(f32, 0, 3), /resize\).*must be in \[0, 2\], got 3/);
    // The host reader checks the mode, the taps and the count.
    expect(() => readBlob(withResizeParam(f32, 0, 3))).toThrow(/resize\): param 0 \(mode\) is 3; must be in \[0, 2\]/);
    expect(() => readBlob(withResizeParam(f32, 3, 6))).toThrow(/resize\): param 3 \(kx\) is 6; must be in \[1, 5\]/);
    expect(() => readBlob(withResizeParam(f32, 2, 1))).toThrow(/resize\): has \d+ param words; expected \d+/);
  });
});

describe('resize filter table: import refusals name the node and the problem', () => {
  it('a third changing axis (a roi cropping the channels besides H and W)', () => {
    const bytes = resizeModel({ what: '', x: [1, 3, 4, 4], mode: 'linear', coordinates: 'tf_crop_and_resize', sizes: [3, 3], roi: [0, 0, 1, 1] });
    // Rewrite the roi initializer so the channel axis is cropped.
    const m = onnx.ModelProto.decode(bytes);
    const roi = m.graph!.initializer!.find((t) => t.name === 'roi')!;
    roi.rawData = new Uint8Array(Float32Array.of(0, 0.5, 0, 0, 1, 1, 1, 1).buffer);
    expect(() => convert(onnx.ModelProto.encode(m).finish(), 'r.onnx', { precision: 'f32' })).toThrow(/unsupported resizing 3 axes \(\[1,3,4,4\] → \[1,3,3,3\], scales \[1,1,0\.75,0\.75\]; Mote resizes two axes at a time\) in ONNX op 'Resize' \(node 'resize', opset 19\)/);
  });

  it('tf_crop_and_resize with scales and a cropping roi', () => {
    const bytes = resizeModel({ what: '', x: [1, 1, 4, 4], mode: 'linear', coordinates: 'tf_crop_and_resize', scales: [2, 2], roi: [0.1, 0, 0.9, 1] });
    expect(() => convert(bytes, 'r.onnx', { precision: 'f32' })).toThrow(/unsupported tf_crop_and_resize with scales and roi .*give sizes\) in ONNX op 'Resize' \(node 'resize'/);
  });
});
