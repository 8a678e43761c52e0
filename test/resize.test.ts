// resize end to end, against independent references:
//  - TFLite: single-op RESIZE_NEAREST_NEIGHBOR / RESIZE_BILINEAR files (bench/synthetic/tflite-writer.ts)
//    in every flag combination, odd sizes, upscaling and downscaling, f32 and int8, converted by Mote
//    and run on both WASM builds, against the TFLite wasm runtime (@tensorflow/tfjs-tflite); the
//    blob's output must also equal Mote's reference interpreter bit for bit.
//  - int8 bilinear against values derived by hand from TFLM's ResizeBilinearInteger formulas.
//  - ONNX: Conv → Resize (2x, nearest and linear) → Conv through the whole pipeline against
//    onnxruntime-node.
import onnxProto from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { TFL_OP, TFL_OPTIONS, TFL_TYPE, writeTflite } from '../bench/synthetic/tflite-writer.js';
import { convert } from '../converter/convert.js';
import type { Graph, Node, TensorData } from '../converter/ir/graph.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { resize_s8_ref } from '../converter/reference/int8/resize.js';
import * as F from '../format/format.js';
import { readBlob } from '../host/blob-reader.js';
import { BUILDS, ensureWasmBuilt, expectLoadRefused, fixCrc, rng, runBlob } from './runtime-harness.js';
import { createOrtSession } from './support/ort.js';
import { loadTfliteWasm, type TfliteWasm } from './support/tflite-wasm.js';

const { onnx } = onnxProto;

// ---- TFLite single-op models -----------------------------------------------------------------------

interface TflCase {
  mode: 'nearest' | 'bilinear';
  align: boolean;
  half: boolean;
  int8: boolean;
  /** int16 (nearest only: TFLite Micro's bilinear has no int16 form). */
  int16?: boolean;
  h: number;
  w: number;
  oh: number;
  ow: number;
}

const C = 3;
const Q = { scale: [0.0473], zeroPoint: [-7] };
const Q16 = { scale: [0.00061], zeroPoint: [0] };
const NO_Q = { scale: [], zeroPoint: [] };

function resizeTflite(k: TflCase): Uint8Array {
  const type = k.int16 ? TFL_TYPE.INT16 : k.int8 ? TFL_TYPE.INT8 : TFL_TYPE.FLOAT32;
  const q = k.int16 ? Q16 : k.int8 ? Q : NO_Q;
  const bilinear = k.mode === 'bilinear';
  // ResizeBilinearOptions: align_corners 2, half_pixel_centers 3; ResizeNearestNeighborOptions: 0, 1.
  const first = bilinear ? 2 : 0;
  return writeTflite({
    tensors: [
      { name: 'x', type, shape: [1, k.h, k.w, C], quant: q },
      { name: 'size', type: TFL_TYPE.INT32, shape: [2], data: new Uint8Array(Int32Array.of(k.oh, k.ow).buffer), quant: NO_Q },
      { name: 'y', type, shape: [1, k.oh, k.ow, C], quant: q },
    ],
    ops: [{
      code: bilinear ? TFL_OP.RESIZE_BILINEAR : TFL_OP.RESIZE_NEAREST_NEIGHBOR,
      version: 3,
      inputs: [0, 1],
      outputs: [2],
      optionsType: bilinear ? TFL_OPTIONS.ResizeBilinear : TFL_OPTIONS.ResizeNearestNeighbor,
      options: [[first, 1, k.align ? 1 : 0], [first + 1, 1, k.half ? 1 : 0]],
    }],
    inputs: [0],
    outputs: [2],
    description: 'resize test',
  });
}

const SIZES: [number, number, number, number][] = [
  [4, 4, 8, 8], // 2x up
  [3, 5, 7, 4], // odd: up in H, down in W
  [7, 9, 3, 4], // down
  [5, 6, 1, 1], // to one pixel (align_corners' out = 1 case)
  [1, 1, 3, 2], // from one pixel
  [2, 3, 11, 13], // large odd up
];
const FLAGS: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];

function cases(): TflCase[] {
  const out: TflCase[] = [];
  for (const mode of ['nearest', 'bilinear'] as const) {
    // TFLite refuses bilinear with both flags (tested below); nearest takes them together.
    for (const [align, half] of FLAGS.filter(([al, hf]) => mode === 'nearest' || !(al && hf))) {
      for (const int8 of [false, true]) {
        for (const [h, w, oh, ow] of SIZES) out.push({ mode, align, half, int8, h, w, oh, ow });
      }
    }
  }
  return out;
}

const label = (k: TflCase) =>
  `${k.mode} ${k.int8 ? 'int8' : 'f32'} ${k.h}x${k.w} -> ${k.oh}x${k.ow}${k.align ? ' align_corners' : ''}${k.half ? ' half_pixel_centers' : ''}`;

function inputOf(k: TflCase, seed: number): Float32Array | Int8Array | Int16Array {
  const r = rng(seed);
  const n = k.h * k.w * C;
  if (k.int16) return Int16Array.from({ length: n }, () => Math.floor(r() * 65536) - 32768);
  if (k.int8) return Int8Array.from({ length: n }, () => Math.floor(r() * 256) - 128);
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * 3);
}

describe('resize: TFLite single-op models against the TFLite wasm runtime', () => {
  let tfl: TfliteWasm;
  beforeAll(async () => {
    await ensureWasmBuilt();
    tfl = await loadTfliteWasm({ simd: true });
  }, 180_000);

  for (const k of cases()) {
    it(label(k), async () => {
      const bytes = resizeTflite(k);
      const { graph, blob } = convert(bytes, 'resize.tflite', { precision: k.int8 ? 'int8' : 'f32' });
      expect(graph.nodes.map((n) => n.op)).toEqual(['resize']);
      const x = inputOf(k, k.h * 100 + k.oh);
      const [ref] = runGraph(graph, [x]);
      const runner = tfl.createRunner(bytes);
      const [want] = runner.run([x]);
      runner.dispose();
      for (const build of BUILDS) {
        const [got] = await runBlob(build, blob, [x]);
        // The runtime kernel equals the reference interpreter bit for bit.
        expect(Array.from(got as TensorData as Float32Array), `${build} vs reference`).toEqual(Array.from(ref as Float32Array));
      }
      if (k.mode === 'nearest') {
        expect(Array.from(ref as Float32Array), 'nearest vs TFLite').toEqual(Array.from(want as Float32Array));
      } else if (!k.int8) {
        const r = ref as Float32Array, t = want as Float32Array;
        for (let i = 0; i < r.length; i++) expect(Math.abs(r[i] - t[i]), `element ${i}: ${r[i]} vs TFLite ${t[i]}`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(t[i])));
      } else {
        // Desktop TFLite hands int8 RESIZE_BILINEAR to its XNNPACK delegate (the wasm runtime's
        // profile shows TfLiteXNNPackDelegate), whose fixed point is not TFLM's Q10 one: codes
        // may differ by one (the hand-derived TFLM cases below pin the arithmetic itself).
        const r = ref as Int8Array, t = want as Int8Array;
        for (let i = 0; i < r.length; i++) expect(Math.abs(r[i] - t[i]), `element ${i}: ${r[i]} vs TFLite ${t[i]}`).toBeLessThanOrEqual(1);
      }
    });
  }
});

describe('resize: TFLite int16 RESIZE_NEAREST_NEIGHBOR (16x8) against the TFLite wasm runtime', () => {
  let tfl: TfliteWasm;
  beforeAll(async () => {
    await ensureWasmBuilt();
    tfl = await loadTfliteWasm({ simd: true });
  }, 180_000);

  for (const [align, half] of FLAGS) {
    for (const [h, w, oh, ow] of SIZES) {
      const k: TflCase = { mode: 'nearest', align, half, int8: false, int16: true, h, w, oh, ow };
      it(label(k).replace('f32', 'int16'), async () => {
        const bytes = resizeTflite(k);
        const { graph, blob } = convert(bytes, 'resize.tflite', { precision: 'int8' });
        expect(graph.nodes.map((n) => [n.op, graph.tensor(n.inputs[0]).dtype])).toEqual([['resize', 's16']]);
        const x = inputOf(k, k.h * 10 + k.ow);
        const runner = tfl.createRunner(bytes);
        const [want] = runner.run([x]);
        runner.dispose();
        expect(Array.from(runGraph(graph, [x])[0] as Int16Array), 'reference').toEqual(Array.from(want as Int16Array));
        readBlob(blob);
        for (const build of BUILDS) expect(Array.from((await runBlob(build, blob, [x]))[0] as Int16Array), build).toEqual(Array.from(want as Int16Array));
      });
    }
  }

  it('the runtime and the host reader refuse an s16 resize that is not nearest', async () => {
    const k: TflCase = { mode: 'nearest', align: false, half: false, int8: false, int16: true, h: 2, w: 3, oh: 4, ow: 5 };
    const blob = withParam(convert(resizeTflite(k), 'resize.tflite', { precision: 'int8' }).blob, 0, 1);
    await expectLoadRefused(blob, /op 0 \(resize\): has no s16 form but nearest \(mode 1\)/);
    expect(() => readBlob(blob)).toThrow(/resize\): has no int16 form but nearest/);
  });

  it('refuses int16 RESIZE_BILINEAR, naming the operator', () => {
    const k: TflCase = { mode: 'bilinear', align: false, half: false, int8: false, int16: true, h: 2, w: 2, oh: 4, ow: 4 };
    expect(() => convert(resizeTflite(k), 'resize.tflite', { precision: 'int8' })).toThrow(/RESIZE_BILINEAR \(operator 0\).*on s16 \(float32 and int8; int16 for nearest\)/);
  });
});

// ---- int8 bilinear: TFLM's ResizeBilinearInteger worked by hand --------------------------------------
//
// scale_10 = (1024·in + out/2) / out (integer division; (in-1)/(out-1) for align_corners), the source
// row of output y is y·scale_10 (+ scale_10/2 − 512 with half_pixel_centers), y0 = max(src/1024, 0),
// y1 = min((src + 1023)/1024, in − 1), fy = src − 1024·y0; the four products sum in Q20 and
// (sum ± 2^19) / 2^20 truncates (half away from zero).
const HAND: { what: string; k: TflCase; x: number[]; want: number[] }[] = [
  {
    // scale_10 = 512: rows and columns (y0, y1, fy) = (0,0,0) (0,1,512) (1,1,0) (1,1,512).
    // (−128 + 127)/2 = −0.5 → −1; (−128 + 127 + 0 + 50)/4 = 12.25 → 12; (127 + 50)/2 = 88.5 → 89.
    what: '2x2 -> 4x4: half-way values round away from zero',
    k: { mode: 'bilinear', align: false, half: false, int8: true, h: 2, w: 2, oh: 4, ow: 4 },
    x: [-128, 127, 0, 50],
    want: [-128, -1, 127, 127, -64, 12, 89, 89, 0, 25, 50, 50, 0, 25, 50, 50],
  },
  {
    // half_pixel_centers: scale_10 = 683, src = 683·y − 171: y = 0 → (0, 0, −171), the one pixel
    // weighted 1195 and −171 (exact); y = 1 → (0, 1, 512); y = 2 → (1, 1, 171).
    what: '2x2 -> 3x3 half_pixel_centers: the negative first fraction stays exact',
    k: { mode: 'bilinear', align: false, half: true, int8: true, h: 2, w: 2, oh: 3, ow: 3 },
    x: [10, -20, 30, 100],
    want: [10, -5, -20, 20, 30, 40, 30, 65, 100],
  },
  {
    // scale_10 = 683 (not 2/3 exactly): x = 1 → (0, 1, 683): (−128·341 + 127·683)·1024 / 2^20
    // = 42.08 → 42; x = 2 → src 1366 → (1, 1, 342): 127.
    what: '1x2 -> 1x3: a Q10 fraction that is not exact',
    k: { mode: 'bilinear', align: false, half: false, int8: true, h: 1, w: 2, oh: 1, ow: 3 },
    x: [-128, 127],
    want: [-128, 42, 127],
  },
  {
    // align_corners: scale_10 = (1024·1 + 2)/4 = 256 over 2 → 5 columns: fractions 0, 256, 512, 768, 0.
    // (−100·768 + 28·256)/1024 = −68 exactly; −36; (−100·256 + 28·768)/1024 = −4.
    what: '1x2 -> 1x5 align_corners: quarter steps',
    k: { mode: 'bilinear', align: true, half: false, int8: true, h: 1, w: 2, oh: 1, ow: 5 },
    x: [-100, 28],
    want: [-100, -68, -36, -4, 28],
  },
];

describe('resize: int8 bilinear against TFLM formulas worked by hand', () => {
  beforeAll(async () => {
    await ensureWasmBuilt();
  }, 180_000);

  for (const c of HAND) {
    it(c.what, async () => {
      // One channel: the hand values are per pixel.
      const bytes = writeTflite({
        tensors: [
          { name: 'x', type: TFL_TYPE.INT8, shape: [1, c.k.h, c.k.w, 1], quant: Q },
          { name: 'size', type: TFL_TYPE.INT32, shape: [2], data: new Uint8Array(Int32Array.of(c.k.oh, c.k.ow).buffer), quant: NO_Q },
          { name: 'y', type: TFL_TYPE.INT8, shape: [1, c.k.oh, c.k.ow, 1], quant: Q },
        ],
        ops: [{
          code: TFL_OP.RESIZE_BILINEAR, version: 3, inputs: [0, 1], outputs: [2], optionsType: TFL_OPTIONS.ResizeBilinear,
          options: [[2, 1, c.k.align ? 1 : 0], [3, 1, c.k.half ? 1 : 0]],
        }],
        inputs: [0],
        outputs: [2],
        description: 'resize hand case',
      });
      const { graph, blob } = convert(bytes, 'resize.tflite', { precision: 'int8' });
      const x = Int8Array.from(c.x);
      expect(Array.from(runGraph(graph, [x])[0] as Int8Array), 'reference').toEqual(c.want);
      for (const build of BUILDS) expect(Array.from((await runBlob(build, blob, [x]))[0] as Int8Array), build).toEqual(c.want);
    });
  }

  it('refuses an s8 resize whose output has other quantization than its input', () => {
    const node = { op: 'resize', name: 'r', inputs: ['x'], outputs: ['y'], attrs: { mode: 'bilinear', coordinates: 'asymmetric', nearestRounding: 'floor', size: [2, 2], scales: [2, 2], arithmetic: 'tflite' } } as Node;
    const x = { data: new Int8Array(1), shape: [1, 1, 1, 1], dtype: 's8' as const, quant: { scale: [0.1], zeroPoint: [0] } };
    expect(() => resize_s8_ref(node, [x], [{ name: 'y', dtype: 's8', shape: [1, 2, 2, 1], quant: { scale: [0.2], zeroPoint: [0] } }])).toThrow(/must share the output's/);
  });

  it('refuses TFLite align_corners together with half_pixel_centers, naming the op', () => {
    const k: TflCase = { mode: 'bilinear', align: true, half: true, int8: false, h: 2, w: 2, oh: 4, ow: 4 };
    expect(() => convert(resizeTflite(k), 'resize.tflite', { precision: 'f32' })).toThrow(/RESIZE_BILINEAR \(operator 0\).*both align_corners and half_pixel_centers \(TFLite and TFLite Micro refuse the pair\)/);
  });
});

// ---- ONNX: Conv → Resize → Conv against onnxruntime-node ------------------------------------------

type INode = onnxProto.onnx.INodeProto;
const FLOAT = 1;

function floatInit(name: string, dims: number[], data: Float32Array) {
  return { name, dataType: FLOAT, dims, rawData: new Uint8Array(data.buffer.slice(0)) };
}

function convResizeConv(mode: 'nearest' | 'linear', opset: number, seed: number): Uint8Array {
  const r = rng(seed);
  const rand = (n: number) => Float32Array.from({ length: n }, () => r() * 2 - 1);
  const attr = (name: string, v: number[] | string) =>
    typeof v === 'string'
      ? { name, s: new TextEncoder().encode(v), type: onnx.AttributeProto.AttributeType.STRING }
      : { name, ints: v, type: onnx.AttributeProto.AttributeType.INTS };
  const conv = (x: string, w: string, b: string, y: string): INode => ({ opType: 'Conv', input: [x, w, b], output: [y], name: y, attribute: [attr('pads', [1, 1, 1, 1])] });
  // opset 13: scales (roi ''); opset 11: sizes (roi and scales empty).
  const resizeInputs = opset >= 13 ? ['a', '', 'scales'] : ['a', 'roi', 'empty', 'sizes'];
  const nodes: INode[] = [
    conv('x', 'w1', 'b1', 'a'),
    { opType: 'Resize', input: resizeInputs, output: ['u'], name: 'up', attribute: [attr('mode', mode)] },
    conv('u', 'w2', 'b2', 'y'),
  ];
  const inits = [
    floatInit('w1', [4, 3, 3, 3], rand(108)), floatInit('b1', [4], rand(4)),
    floatInit('w2', [2, 4, 3, 3], rand(72)), floatInit('b2', [2], rand(2)),
    floatInit('scales', [4], Float32Array.of(1, 1, 2, 2)),
    floatInit('roi', [0], new Float32Array(0)), floatInit('empty', [0], new Float32Array(0)),
    { name: 'sizes', dataType: 7, dims: [4], rawData: new Uint8Array(BigInt64Array.of(1n, 4n, 10n, 14n).buffer) },
  ];
  const vi = (name: string, dims: number[]) => ({ name, type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'mote-test',
    opsetImport: [{ domain: '', version: opset }],
    graph: { name: 'conv_resize_conv', node: nodes, initializer: inits, input: [vi('x', [1, 3, 5, 7])], output: [vi('y', [1, 2, 10, 14])] },
  });
  return onnx.ModelProto.encode(model).finish();
}

describe('resize: ONNX Conv → Resize (2x) → Conv against onnxruntime-node', () => {
  beforeAll(async () => {
    await ensureWasmBuilt();
  }, 180_000);

  for (const mode of ['nearest', 'linear'] as const) {
    for (const opset of [11, 13]) {
      it(`${mode}, opset ${opset} (${opset >= 13 ? 'scales' : 'sizes'})`, async () => {
        const bytes = convResizeConv(mode, opset, opset * 7 + mode.length);
        const { graph, blob } = convert(bytes, 'conv_resize_conv.onnx', { precision: 'f32' });
        // The NCHW transposes between the convs and the resize cancel: only the graph's own remain.
        expect(graph.nodes.filter((n: Node) => n.op === 'transpose').length).toBeLessThanOrEqual(2);
        expect(graph.nodes.some((n: Node) => n.op === 'resize')).toBe(true);
        const r = rng(opset + 1);
        const x = Float32Array.from({ length: 3 * 5 * 7 }, () => r() * 2 - 1);
        const session = await createOrtSession('node', bytes);
        const [want] = (await session.run([{ data: x, shape: [1, 3, 5, 7] }])) as Float32Array[];
        await session.release();
        const check = (got: Float32Array, what: string) => {
          expect(got.length, what).toBe(want.length);
          for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i]), `${what} element ${i}: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(want[i])));
        };
        check(runGraph(graph as Graph, [x])[0] as Float32Array, 'reference');
        for (const build of BUILDS) check((await runBlob(build, blob, [x]))[0] as Float32Array, build);
      });
    }
  }
});

// ---- ONNX QDQ: DequantizeLinear → Resize → QuantizeLinear folds to an s8 resize ---------------------

function qdqResize(mode: 'nearest' | 'linear', coordinates: string, scale: number, zp: number, hw: [number, number]): Uint8Array {
  const INT8 = 3;
  const q = (name: string) => [
    { name: `${name}_scale`, dataType: FLOAT, dims: [], rawData: new Uint8Array(Float32Array.of(scale).buffer) },
    { name: `${name}_zp`, dataType: INT8, dims: [], rawData: new Uint8Array(Int8Array.of(zp).buffer) },
  ];
  const str = (name: string, v: string) => ({ name, s: new TextEncoder().encode(v), type: onnx.AttributeProto.AttributeType.STRING });
  const nodes: INode[] = [
    { opType: 'QuantizeLinear', input: ['x', 'a_scale', 'a_zp'], output: ['xq'], name: 'q0' },
    { opType: 'DequantizeLinear', input: ['xq', 'a_scale', 'a_zp'], output: ['xd'], name: 'dq0' },
    { opType: 'Resize', input: ['xd', '', 'scales'], output: ['r'], name: 'up', attribute: [str('mode', mode), str('coordinate_transformation_mode', coordinates)] },
    { opType: 'QuantizeLinear', input: ['r', 'b_scale', 'b_zp'], output: ['rq'], name: 'q1' },
    { opType: 'DequantizeLinear', input: ['rq', 'b_scale', 'b_zp'], output: ['y'], name: 'dq1' },
  ];
  const vi = (name: string, dims: number[]) => ({ name, type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'mote-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'qdq_resize', node: nodes,
      initializer: [...q('a'), ...q('b'), floatInit('scales', [4], Float32Array.of(1, 1, hw[0], hw[1]))],
      input: [vi('x', [1, 2, 3, 5])], output: [vi('y', [1, 2, Math.floor(3 * hw[0]), Math.floor(5 * hw[1])])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

describe('resize: ONNX QDQ Resize (int8) against onnxruntime-node', () => {
  beforeAll(async () => {
    await ensureWasmBuilt();
  }, 180_000);

  // align_corners with scales whose scale·in is an integer: where it is not, ONNX's reference (and
  // Mote, and the conformance data) divides by scale·in − 1, ONNX Runtime by the rounded length − 1.
  const CASES: ['nearest' | 'linear', string, [number, number]][] = [
    ['nearest', 'asymmetric', [2.5, 2]], ['linear', 'half_pixel', [2.5, 2]], ['linear', 'align_corners', [2, 3]],
  ];
  for (const [mode, coordinates, hw] of CASES) {
    it(`${mode} ${coordinates}: folds to an s8 resize; nearest equal to ORT, linear within one step`, async () => {
      const scale = 0.05, zp = -3;
      const bytes = qdqResize(mode, coordinates, scale, zp, hw);
      const { graph, blob } = convert(bytes, 'qdq_resize.onnx', { precision: 'int8' });
      const resize = graph.nodes.find((n: Node) => n.op === 'resize')!;
      expect(graph.tensor(resize.inputs[0]).dtype).toBe('s8');
      const r = rng(mode.length + coordinates.length);
      const x = Float32Array.from({ length: 2 * 3 * 5 }, () => (r() * 2 - 1) * 6);
      const session = await createOrtSession('node', bytes);
      const [want] = (await session.run([{ data: x, shape: [1, 2, 3, 5] }])) as Float32Array[];
      await session.release();
      const [ref] = runGraph(graph as Graph, [x]) as Float32Array[];
      for (const build of BUILDS) expect(Array.from((await runBlob(build, blob, [x]))[0] as Float32Array), build).toEqual(Array.from(ref));
      const steps = Array.from(ref, (v, i) => Math.round(Math.abs(v - want[i]) / scale));
      expect(Math.max(...steps), 'steps from ORT').toBeLessThanOrEqual(mode === 'nearest' ? 0 : 1);
    });
  }
});

// ---- load-time validation of the source table ------------------------------------------------------

/** The blob with param k of op 0 set to v. */
function withParam(blob: Uint8Array, k: number, v: number): Uint8Array {
  const b = blob.slice();
  const d = new DataView(b.buffer);
  const op = d.getUint32(F.H_OP_TABLE_OFFSET, true);
  d.setInt32(d.getUint32(F.H_PARAMS_OFFSET, true) + 4 * (d.getUint32(op + F.O_PARAMS_INDEX, true) + k), v, true);
  fixCrc(b);
  return b;
}

describe('resize: the runtime refuses a source table that would leave the input', () => {
  beforeAll(async () => {
    await ensureWasmBuilt();
  }, 180_000);

  it('an index past the input, a Q10 fraction past ±1024, naming the op and the entry', async () => {
    // 3x5 -> 7x4: rows are entries 0..6, columns 7..10 (bilinear: lo hi frac, from param 1).
    const k: TflCase = { mode: 'bilinear', align: false, half: true, int8: true, h: 3, w: 5, oh: 7, ow: 4 };
    const { blob } = convert(resizeTflite(k), 'resize.tflite', { precision: 'int8' });
    await expectLoadRefused(withParam(blob, 1 + 3 * 2 + 1, 3), /op 0 \(resize\): source table entry 2 reads index 3, outside the input/);
    await expectLoadRefused(withParam(blob, 1 + 3 * 8, -1), /op 0 \(resize\): source table entry 8 reads index -1, outside the input/);
    await expectLoadRefused(withParam(blob, 1 + 3 * 9 + 2, 1025), /op 0 \(resize\): source table entry 9: Q10 fraction 1025 is outside \[-1024, 1024\]/);
    const nearest = convert(resizeTflite({ ...k, mode: 'nearest' }), 'resize.tflite', { precision: 'int8' }).blob;
    // A nearest column index equal to the input width (5).
    await expectLoadRefused(withParam(nearest, 1 + 7 + 3, 5), /op 0 \(resize\): source table entry 10 reads index 5, outside the input/);
  });
});
