// The TFLite importer on small models written here with the flatbuffers Builder, one op family at a
// time, for the ops and options the shared models do not exercise. Each imported graph runs on the
// reference interpreter and is compared with a naive loop written from the TFLite op definition
// (NHWC indexing, SAME padding with the odd pixel at the end, depthwise channel c*M+m, paddings
// [rank,2], strided-slice masks, ...), so the importer's attribute choices are checked against the
// op's meaning rather than against themselves. Malformed models check the error messages.
import { Builder } from 'flatbuffers';
import { describe, expect, it } from 'vitest';
import { ConvertError } from '../converter/errors.js';
import { importTflite } from '../converter/import/tflite.js';
import type { Graph, TensorData } from '../converter/ir/graph.js';
import { runGraph } from '../converter/reference/interpreter.js';

// ---- a minimal .tflite writer (schema field ids as in tflite-schema.ts) ----------------------------

const T = { FLOAT32: 0, FLOAT16: 1, INT32: 2, UINT8: 3, INT64: 4, INT8: 9 } as const;
const OP = {
  ADD: 0, AVERAGE_POOL_2D: 1, CONCATENATION: 2, CONV_2D: 3, DEPTHWISE_CONV_2D: 4, DEQUANTIZE: 6, FULLY_CONNECTED: 9,
  LOGISTIC: 14, MAX_POOL_2D: 17, MUL: 18, RELU: 19, RELU_N1_TO_1: 20, RELU6: 21, RESHAPE: 22, SOFTMAX: 25, TANH: 28,
  CUSTOM: 32, PAD: 34, TRANSPOSE: 39, MEAN: 40, SUB: 41, DIV: 42, SQUEEZE: 43, STRIDED_SLICE: 45, PADV2: 60,
  EXPAND_DIMS: 70, LEAKY_RELU: 98, QUANTIZE: 114, HARD_SWISH: 117, DYNAMIC_UPDATE_SLICE: 151,
} as const;
const OPT = {
  Conv2D: 1, DepthwiseConv2D: 2, Pool2D: 5, FullyConnected: 8, Softmax: 9, Concatenation: 10, Add: 11, Mul: 21,
  Reducer: 27, Sub: 28, Div: 29, StridedSlice: 32, LeakyRelu: 75,
} as const;
const SAME = 0;
const VALID = 1;
const RELU = 1;
const RELU6 = 3;
const TANH = 4;

type Field = [id: number, kind: 'i8' | 'i32' | 'f32' | 'bool', value: number];
interface TensorSpec {
  name: string;
  type: number;
  shape: number[];
  data?: Uint8Array;
  quant?: { scale: number[]; zeroPoint: number[]; dim?: number };
  /** Write Buffer.offset/size instead of data (the >2GB layout). */
  externalBuffer?: boolean;
}
interface OpSpec {
  code: number;
  custom?: string;
  inputs: number[];
  outputs: number[];
  optionsType?: number;
  options?: Field[];
  /** Override the operator's opcode_index. */
  opcodeIndex?: number;
}
interface ModelSpec {
  tensors: TensorSpec[];
  ops: OpSpec[];
  inputs: number[];
  outputs: number[];
  version?: number;
  /** 'both' (what converters write), or only one of the two builtin-code fields. */
  codeFields?: 'both' | 'deprecated' | 'extended';
}

function f32(...v: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(v).buffer);
}
function i32(...v: number[]): Uint8Array {
  return new Uint8Array(Int32Array.from(v).buffer);
}
function i8(...v: number[]): Uint8Array {
  return new Uint8Array(Int8Array.from(v).buffer);
}

function buildTflite(m: ModelSpec): Uint8Array {
  const b = new Builder(1024);
  const intVec = (v: number[]) => {
    b.startVector(4, v.length, 4);
    for (let i = v.length - 1; i >= 0; i--) b.addInt32(v[i]);
    return b.endVector();
  };
  const floatVec = (v: number[]) => {
    b.startVector(4, v.length, 4);
    for (let i = v.length - 1; i >= 0; i--) b.addFloat32(v[i]);
    return b.endVector();
  };
  const longVec = (v: number[]) => {
    b.startVector(8, v.length, 8);
    for (let i = v.length - 1; i >= 0; i--) b.addInt64(BigInt(v[i]));
    return b.endVector();
  };
  const offsetVec = (v: number[]) => {
    b.startVector(4, v.length, 4);
    for (let i = v.length - 1; i >= 0; i--) b.addOffset(v[i]);
    return b.endVector();
  };
  const table = (fields: Field[]) => {
    b.startObject(16);
    for (const [id, kind, value] of fields) {
      if (kind === 'i8' || kind === 'bool') b.addFieldInt8(id, value, null);
      else if (kind === 'i32') b.addFieldInt32(id, value, null);
      else b.addFieldFloat32(id, value, null);
    }
    return b.endObject();
  };

  // Buffers: 0 is the empty sentinel, then one per constant tensor.
  const bufferOffsets: number[] = [];
  const emptyBuffer = (() => {
    b.startObject(3);
    return b.endObject();
  })();
  bufferOffsets.push(emptyBuffer);
  const bufferOf = m.tensors.map((t) => {
    if (!t.data && !t.externalBuffer) return 0;
    let data = 0;
    if (t.data) {
      b.startVector(1, t.data.length, 16);
      for (let i = t.data.length - 1; i >= 0; i--) b.addInt8(t.data[i]);
      data = b.endVector();
    }
    b.startObject(3);
    if (t.data) b.addFieldOffset(0, data, 0);
    if (t.externalBuffer) {
      b.addFieldInt64(1, 4096n, 0n);
      b.addFieldInt64(2, 64n, 0n);
    }
    bufferOffsets.push(b.endObject());
    return bufferOffsets.length - 1;
  });

  const tensorOffsets = m.tensors.map((t, i) => {
    const shape = intVec(t.shape);
    const name = b.createString(t.name);
    let quant = 0;
    if (t.quant) {
      const scale = floatVec(t.quant.scale);
      const zp = longVec(t.quant.zeroPoint);
      b.startObject(7);
      b.addFieldOffset(2, scale, 0);
      b.addFieldOffset(3, zp, 0);
      b.addFieldInt32(6, t.quant.dim ?? 0, null);
      quant = b.endObject();
    }
    b.startObject(10);
    b.addFieldOffset(0, shape, 0);
    b.addFieldInt8(1, t.type, null);
    b.addFieldInt32(2, bufferOf[i], null);
    b.addFieldOffset(3, name, 0);
    if (quant) b.addFieldOffset(4, quant, 0);
    return b.endObject();
  });

  const codes: { code: number; custom?: string }[] = [];
  const codeIndex = (op: OpSpec) => {
    let k = codes.findIndex((c) => c.code === op.code && c.custom === op.custom);
    if (k < 0) k = codes.push({ code: op.code, custom: op.custom }) - 1;
    return k;
  };
  const opOffsets = m.ops.map((op) => {
    const inputs = intVec(op.inputs);
    const outputs = intVec(op.outputs);
    const options = op.options ? table(op.options) : 0;
    const index = op.opcodeIndex ?? codeIndex(op);
    b.startObject(13);
    b.addFieldInt32(0, index, null);
    b.addFieldOffset(1, inputs, 0);
    b.addFieldOffset(2, outputs, 0);
    if (op.optionsType) {
      b.addFieldInt8(3, op.optionsType, null);
      b.addFieldOffset(4, options, 0);
    }
    return b.endObject();
  });
  const tensors = offsetVec(tensorOffsets);
  const ops = offsetVec(opOffsets);
  const gin = intVec(m.inputs);
  const gout = intVec(m.outputs);
  const sgName = b.createString('main');
  b.startObject(5);
  b.addFieldOffset(0, tensors, 0);
  b.addFieldOffset(1, gin, 0);
  b.addFieldOffset(2, gout, 0);
  b.addFieldOffset(3, ops, 0);
  b.addFieldOffset(4, sgName, 0);
  const subgraph = b.endObject();

  const style = m.codeFields ?? 'both';
  const codeOffsets = codes.map((c) => {
    const custom = c.custom !== undefined ? b.createString(c.custom) : 0;
    b.startObject(4);
    if (style !== 'extended') b.addFieldInt8(0, Math.min(c.code, 127), null);
    if (custom) b.addFieldOffset(1, custom, 0);
    b.addFieldInt32(2, 1, null);
    if (style !== 'deprecated') b.addFieldInt32(3, c.code, null);
    return b.endObject();
  });
  const opcodes = offsetVec(codeOffsets);
  const subgraphs = offsetVec([subgraph]);
  const buffers = offsetVec(bufferOffsets);
  const description = b.createString('synthetic test model');
  b.startObject(8);
  b.addFieldInt32(0, m.version ?? 3, null);
  b.addFieldOffset(1, opcodes, 0);
  b.addFieldOffset(2, subgraphs, 0);
  b.addFieldOffset(3, description, 0);
  b.addFieldOffset(4, buffers, 0);
  b.finish(b.endObject(), 'TFL3');
  return b.asUint8Array().slice();
}

// ---- naive TFLite semantics -----------------------------------------------------------------------

function seq(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.round((s / 2 ** 32 - 0.5) * 64) / 16; // multiples of 1/16: sums are exact in f32
  });
}

/** TFLite's SAME padding on one axis: [before, after] with the odd pixel after. */
function samePad(size: number, k: number, stride: number, dil: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + (k - 1) * dil + 1 - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function run(bytes: Uint8Array, inputs: TensorData[]): { g: Graph; y: Float32Array[] } {
  const g = importTflite(bytes, 'synthetic.tflite');
  return { g, y: runGraph(g, inputs) as Float32Array[] };
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(actual[i] - expected[i]) > tol * Math.max(1, Math.abs(expected[i]))) {
      throw new Error(`element ${i}: got ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

function expectConvertError(f: () => unknown, pattern: RegExp): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConvertError);
  expect((err as Error).message).toMatch(pattern);
}

// ---- ops ----------------------------------------------------------------------------------------------

describe('TFLite import (synthetic models): spatial ops', () => {
  it('CONV_2D, SAME, stride 2, dilation 1, RELU6: odd padding goes bottom/right', () => {
    const [N, H, W, C, O, K] = [1, 5, 6, 2, 3, 3];
    const x = seq(N * H * W * C, 1);
    const w = seq(O * K * K * C, 2);
    const bias = [0.5, -0.25, 1];
    const bytes = buildTflite({
      tensors: [
        { name: 'x', type: T.FLOAT32, shape: [N, H, W, C] },
        { name: 'w', type: T.FLOAT32, shape: [O, K, K, C], data: f32(...w) },
        { name: 'b', type: T.FLOAT32, shape: [O], data: f32(...bias) },
        { name: 'y', type: T.FLOAT32, shape: [N, 3, 3, O] },
      ],
      ops: [{ code: OP.CONV_2D, inputs: [0, 1, 2], outputs: [3], optionsType: OPT.Conv2D, options: [[0, 'i8', SAME], [1, 'i32', 2], [2, 'i32', 2], [3, 'i8', RELU6]] }],
      inputs: [0],
      outputs: [3],
    });
    const { g, y } = run(bytes, [Float32Array.from(x)]);
    expect(g.nodes[0].attrs).toMatchObject({ pads: [1, 0, 1, 1], strides: [2, 2], group: 1, activation: { min: 0, max: 6 } });
    const [pt] = samePad(H, K, 2, 1);
    const [pl] = samePad(W, K, 2, 1);
    const expected: number[] = [];
    for (let oy = 0; oy < 3; oy++)
      for (let ox = 0; ox < 3; ox++)
        for (let o = 0; o < O; o++) {
          let s = bias[o];
          for (let ky = 0; ky < K; ky++)
            for (let kx = 0; kx < K; kx++) {
              const iy = oy * 2 - pt + ky;
              const ix = ox * 2 - pl + kx;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              for (let c = 0; c < C; c++) s += x[(iy * W + ix) * C + c] * w[((o * K + ky) * K + kx) * C + c];
            }
          expected.push(Math.min(Math.max(s, 0), 6));
        }
    expectClose(y[0], expected);
  });

  it('DEPTHWISE_CONV_2D, depth multiplier 2, dilation 2, SAME: output channel c*M+m reads input channel c', () => {
    const [H, W, C, M, K, D] = [4, 5, 2, 2, 3, 2];
    const x = seq(H * W * C, 3);
    const w = seq(K * K * C * M, 4);
    const bytes = buildTflite({
      tensors: [
        { name: 'x', type: T.FLOAT32, shape: [1, H, W, C] },
        { name: 'w', type: T.FLOAT32, shape: [1, K, K, C * M], data: f32(...w) },
        { name: 'y', type: T.FLOAT32, shape: [1, H, W, C * M] },
      ],
      ops: [{
        code: OP.DEPTHWISE_CONV_2D, inputs: [0, 1, -1], outputs: [2], optionsType: OPT.DepthwiseConv2D,
        options: [[0, 'i8', SAME], [1, 'i32', 1], [2, 'i32', 1], [3, 'i32', M], [5, 'i32', D], [6, 'i32', D]],
      }],
      inputs: [0],
      outputs: [2],
    });
    const { g, y } = run(bytes, [Float32Array.from(x)]);
    expect(g.tensor(g.nodes[0].inputs[1]).shape).toEqual([K, K, C * M]);
    expect(g.nodes[0].inputs[2]).toBe('');
    const [pt] = samePad(H, K, 1, D);
    const [pl] = samePad(W, K, 1, D);
    const expected: number[] = [];
    for (let oy = 0; oy < H; oy++)
      for (let ox = 0; ox < W; ox++)
        for (let c = 0; c < C; c++)
          for (let m = 0; m < M; m++) {
            let s = 0;
            for (let ky = 0; ky < K; ky++)
              for (let kx = 0; kx < K; kx++) {
                const iy = oy - pt + ky * D;
                const ix = ox - pl + kx * D;
                if (iy >= 0 && iy < H && ix >= 0 && ix < W) s += x[(iy * W + ix) * C + c] * w[(ky * K + kx) * C * M + c * M + m];
              }
            expected.push(s);
          }
    expectClose(y[0], expected);
  });

  it('MAX_POOL_2D SAME and AVERAGE_POOL_2D SAME (edge windows average only the taps inside)', () => {
    const [H, W] = [5, 5];
    const x = seq(H * W, 5);
    for (const [code, isMax] of [[OP.MAX_POOL_2D, true], [OP.AVERAGE_POOL_2D, false]] as const) {
      const bytes = buildTflite({
        tensors: [
          { name: 'x', type: T.FLOAT32, shape: [1, H, W, 1] },
          { name: 'y', type: T.FLOAT32, shape: [1, 3, 3, 1] },
        ],
        ops: [{ code, inputs: [0], outputs: [1], optionsType: OPT.Pool2D, options: [[0, 'i8', SAME], [1, 'i32', 2], [2, 'i32', 2], [3, 'i32', 3], [4, 'i32', 3]] }],
        inputs: [0],
        outputs: [1],
      });
      const { y } = run(bytes, [Float32Array.from(x)]);
      const [p] = samePad(H, 3, 2, 1);
      const expected: number[] = [];
      for (let oy = 0; oy < 3; oy++)
        for (let ox = 0; ox < 3; ox++) {
          const taps: number[] = [];
          for (let ky = 0; ky < 3; ky++)
            for (let kx = 0; kx < 3; kx++) {
              const iy = oy * 2 - p + ky;
              const ix = ox * 2 - p + kx;
              if (iy >= 0 && iy < H && ix >= 0 && ix < W) taps.push(x[iy * W + ix]);
            }
          expected.push(isMax ? Math.max(...taps) : taps.reduce((a, b) => a + b, 0) / taps.length);
        }
      expectClose(y[0], expected);
    }
  });

  it('FULLY_CONNECTED with keep_num_dims: [2,3,4] x w[5,4] → [2,3,5] through a reshape', () => {
    const x = seq(24, 6);
    const w = seq(20, 7);
    const bias = seq(5, 8);
    const bytes = buildTflite({
      tensors: [
        { name: 'x', type: T.FLOAT32, shape: [2, 3, 4] },
        { name: 'w', type: T.FLOAT32, shape: [5, 4], data: f32(...w) },
        { name: 'b', type: T.FLOAT32, shape: [5], data: f32(...bias) },
        { name: 'y', type: T.FLOAT32, shape: [2, 3, 5] },
      ],
      ops: [{ code: OP.FULLY_CONNECTED, inputs: [0, 1, 2], outputs: [3], optionsType: OPT.FullyConnected, options: [[0, 'i8', RELU], [2, 'bool', 1]] }],
      inputs: [0],
      outputs: [3],
    });
    const { g, y } = run(bytes, [Float32Array.from(x)]);
    expect(g.nodes.map((n) => n.op)).toEqual(['fully_connected', 'reshape']);
    expect(g.tensor(g.outputs[0]).shape).toEqual([2, 3, 5]);
    const expected: number[] = [];
    for (let r = 0; r < 6; r++)
      for (let n = 0; n < 5; n++) {
        let s = bias[n];
        for (let k = 0; k < 4; k++) s += x[r * 4 + k] * w[n * 4 + k];
        expected.push(Math.max(s, 0));
      }
    expectClose(y[0], expected);
  });

  it('hybrid FULLY_CONNECTED (float input, int8 per-channel weights) runs as float with dequantized weights', () => {
    const wq = [3, -7, 12, 0, -128, 127];
    const scales = [0.5, 0.25];
    const x = [1.5, -2, 0.25];
    const bytes = buildTflite({
      tensors: [
        { name: 'x', type: T.FLOAT32, shape: [1, 3] },
        { name: 'w', type: T.INT8, shape: [2, 3], data: i8(...wq), quant: { scale: scales, zeroPoint: [0, 0], dim: 0 } },
        { name: 'y', type: T.FLOAT32, shape: [1, 2] },
      ],
      ops: [{ code: OP.FULLY_CONNECTED, inputs: [0, 1, -1], outputs: [2] }],
      inputs: [0],
      outputs: [2],
    });
    const { y } = run(bytes, [Float32Array.from(x)]);
    const expected = [0, 1].map((n) => x.reduce((s, xi, k) => s + xi * scales[n] * wq[n * 3 + k], 0));
    expectClose(y[0], expected);
  });
});

describe('TFLite import (synthetic models): shape and data-movement ops', () => {
  it('PAD (paddings [rank,2]) then MEAN over axes [1,2] without keep_dims; PADV2 with a constant', () => {
    const x = seq(2 * 2 * 3, 9);
    const paddings = [0, 0, 1, 2, 0, 1, 0, 0];
    for (const padValue of [undefined, 2.5]) {
      const bytes = buildTflite({
        tensors: [
          { name: 'x', type: T.FLOAT32, shape: [1, 2, 2, 3] },
          { name: 'paddings', type: T.INT32, shape: [4, 2], data: i32(...paddings) },
          { name: 'padded', type: T.FLOAT32, shape: [1, 5, 3, 3] },
          { name: 'axes', type: T.INT32, shape: [2], data: i32(1, -2) },
          { name: 'y', type: T.FLOAT32, shape: [1, 3] },
          { name: 'value', type: T.FLOAT32, shape: [], data: f32(padValue ?? 0) },
        ],
        ops: [
          padValue === undefined
            ? { code: OP.PAD, inputs: [0, 1], outputs: [2] }
            : { code: OP.PADV2, inputs: [0, 1, 5], outputs: [2] },
          { code: OP.MEAN, inputs: [2, 3], outputs: [4], optionsType: OPT.Reducer, options: [[0, 'bool', 0]] },
        ],
        inputs: [0],
        outputs: [2, 4],
      });
      const { y } = run(bytes, [Float32Array.from(x)]);
      const padded: number[] = [];
      for (let h = 0; h < 5; h++)
        for (let w = 0; w < 3; w++)
          for (let c = 0; c < 3; c++) {
            const ih = h - 1;
            const iw = w;
            padded.push(ih >= 0 && ih < 2 && iw < 2 ? x[(ih * 2 + iw) * 3 + c] : (padValue ?? 0));
          }
      expectClose(y[0], padded);
      expectClose(y[1], [0, 1, 2].map((c) => padded.filter((_, i) => i % 3 === c).reduce((a, b) => a + b, 0) / 15));
    }
  });

  it('CONCATENATION on axis -1, TRANSPOSE, SQUEEZE and EXPAND_DIMS', () => {
    const a = seq(6, 10);
    const b = seq(4, 11);
    const bytes = buildTflite({
      tensors: [
        { name: 'a', type: T.FLOAT32, shape: [1, 2, 3] },
        { name: 'b', type: T.FLOAT32, shape: [1, 2, 2] },
        { name: 'cat', type: T.FLOAT32, shape: [1, 2, 5] },
        { name: 'perm', type: T.INT32, shape: [3], data: i32(0, 2, 1) },
        { name: 't', type: T.FLOAT32, shape: [1, 5, 2] },
        { name: 'sq', type: T.FLOAT32, shape: [5, 2] },
        { name: 'dim', type: T.INT32, shape: [1], data: i32(1) },
        { name: 'ex', type: T.FLOAT32, shape: [5, 1, 2] },
      ],
      ops: [
        { code: OP.CONCATENATION, inputs: [0, 1], outputs: [2], optionsType: OPT.Concatenation, options: [[0, 'i32', -1]] },
        { code: OP.TRANSPOSE, inputs: [2, 3], outputs: [4] },
        { code: OP.SQUEEZE, inputs: [4], outputs: [5] },
        { code: OP.EXPAND_DIMS, inputs: [5, 6], outputs: [7] },
      ],
      inputs: [0, 1],
      outputs: [7],
    });
    const { g, y } = run(bytes, [Float32Array.from(a), Float32Array.from(b)]);
    expect(g.nodes.map((n) => n.op)).toEqual(['concat', 'transpose', 'reshape', 'reshape']);
    const cat = (r: number, k: number) => (k < 3 ? a[r * 3 + k] : b[r * 2 + k - 3]);
    const expected: number[] = [];
    for (let k = 0; k < 5; k++) for (let r = 0; r < 2; r++) expected.push(cat(r, k));
    expectClose(y[0], expected);
  });

  it('STRIDED_SLICE: constant input folded (masks, negative index, stride 2, shrink); whole-tensor slice → reshape', () => {
    const table = seq(3 * 4, 12);
    const x = seq(3, 13);
    const bytes = buildTflite({
      tensors: [
        { name: 'table', type: T.FLOAT32, shape: [3, 4], data: f32(...table) },
        { name: 'begin', type: T.INT32, shape: [2], data: i32(-1, 1) },
        { name: 'end', type: T.INT32, shape: [2], data: i32(0, 0) },
        { name: 'strides', type: T.INT32, shape: [2], data: i32(1, 2) },
        { name: 'row', type: T.FLOAT32, shape: [2] }, // table[-1, 1::2] (shrink axis 0, end_mask axis 1)
        { name: 'x', type: T.FLOAT32, shape: [1, 3] },
        { name: 'xs', type: T.FLOAT32, shape: [1, 3] },
        { name: 'b2', type: T.INT32, shape: [2], data: i32(0, 0) },
        { name: 'e2', type: T.INT32, shape: [2], data: i32(1, 3) },
        { name: 's2', type: T.INT32, shape: [2], data: i32(1, 1) },
        { name: 'y', type: T.FLOAT32, shape: [1, 3] },
        { name: 'first', type: T.FLOAT32, shape: [1] },
      ],
      ops: [
        { code: OP.STRIDED_SLICE, inputs: [0, 1, 2, 3], outputs: [4], optionsType: OPT.StridedSlice, options: [[1, 'i32', 2], [4, 'i32', 1]] },
        { code: OP.STRIDED_SLICE, inputs: [5, 7, 8, 9], outputs: [6] },
        { code: OP.ADD, inputs: [6, 11], outputs: [10] }, // reads 'first', written only by the next op
        { code: OP.STRIDED_SLICE, inputs: [4, 7, 8, 9], outputs: [11] },
      ],
      inputs: [5],
      outputs: [10],
    });
    // TFLite stores operators in execution order: reading a later operator's output is a defect.
    expectConvertError(() => importTflite(bytes), /TFLite ADD \(operator 2\): input 1 .* is read before any operator writes it/);
    const ok = buildTflite({
      tensors: [
        { name: 'table', type: T.FLOAT32, shape: [3, 4], data: f32(...table) },
        { name: 'begin', type: T.INT32, shape: [2], data: i32(-1, 1) },
        { name: 'end', type: T.INT32, shape: [2], data: i32(0, 0) },
        { name: 'strides', type: T.INT32, shape: [2], data: i32(1, 2) },
        { name: 'row', type: T.FLOAT32, shape: [2] },
        { name: 'x', type: T.FLOAT32, shape: [1, 2] },
        { name: 'xs', type: T.FLOAT32, shape: [1, 2] },
        { name: 'b2', type: T.INT32, shape: [2], data: i32(0, 0) },
        { name: 'e2', type: T.INT32, shape: [2], data: i32(1, 2) },
        { name: 's2', type: T.INT32, shape: [2], data: i32(1, 1) },
        { name: 'y', type: T.FLOAT32, shape: [1, 2] },
      ],
      ops: [
        { code: OP.STRIDED_SLICE, inputs: [0, 1, 2, 3], outputs: [4], optionsType: OPT.StridedSlice, options: [[1, 'i32', 2], [4, 'i32', 1]] },
        { code: OP.STRIDED_SLICE, inputs: [5, 7, 8, 9], outputs: [6] },
        { code: OP.ADD, inputs: [6, 4], outputs: [10] },
      ],
      inputs: [5],
      outputs: [10],
    });
    const { g, y } = run(ok, [Float32Array.from(x.slice(0, 2))]);
    expect(g.nodes.map((n) => n.op)).toEqual(['reshape', 'add']);
    expectClose(y[0], [x[0] + table[2 * 4 + 1], x[1] + table[2 * 4 + 3]]);
  });
});

describe('TFLite import (synthetic models): elementwise, activations and quantization', () => {
  it('SUB/MUL/DIV with broadcasting and fused RELU; LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU, RELU, RELU6, RELU_N1_TO_1', () => {
    const x = seq(8, 14).map((v) => v * 2);
    const c = [0.5, -1.5, 2, 4];
    const ops: [number, number, (v: number, k: number) => number, Field[]?][] = [
      [OP.SUB, OPT.Sub, (v, k) => Math.max(v - c[k % 4], 0), [[0, 'i8', RELU]]],
      [OP.MUL, OPT.Mul, (v, k) => v * c[k % 4]],
      [OP.DIV, OPT.Div, (v, k) => Math.max(v / c[k % 4], 0), [[0, 'i8', RELU]]],
      [OP.LOGISTIC, 0, (v) => 1 / (1 + Math.exp(-v))],
      [OP.TANH, 0, (v) => Math.tanh(v)],
      [OP.HARD_SWISH, 0, (v) => (v * Math.min(Math.max(v + 3, 0), 6)) / 6],
      [OP.LEAKY_RELU, OPT.LeakyRelu, (v) => (v >= 0 ? v : 0.2 * v), [[0, 'f32', 0.2]]],
      [OP.RELU, 0, (v) => Math.max(v, 0)],
      [OP.RELU6, 0, (v) => Math.min(Math.max(v, 0), 6)],
      [OP.RELU_N1_TO_1, 0, (v) => Math.min(Math.max(v, -1), 1)],
    ];
    for (const [code, optionsType, f, options] of ops) {
      const binary = code === OP.SUB || code === OP.MUL || code === OP.DIV;
      const bytes = buildTflite({
        tensors: [
          { name: 'x', type: T.FLOAT32, shape: [2, 4] },
          { name: 'c', type: T.FLOAT32, shape: [4], data: f32(...c) },
          { name: 'y', type: T.FLOAT32, shape: [2, 4] },
        ],
        ops: [{ code, inputs: binary ? [0, 1] : [0], outputs: [2], optionsType: optionsType || undefined, options }],
        inputs: [0],
        outputs: [2],
      });
      const { y } = run(bytes, [Float32Array.from(x)]);
      expectClose(y[0], x.map(f));
    }
  });

  it('SOFTMAX with beta over the last axis', () => {
    const x = seq(6, 15);
    const bytes = buildTflite({
      tensors: [
        { name: 'x', type: T.FLOAT32, shape: [2, 3] },
        { name: 'y', type: T.FLOAT32, shape: [2, 3] },
      ],
      ops: [{ code: OP.SOFTMAX, inputs: [0], outputs: [1], optionsType: OPT.Softmax, options: [[0, 'f32', 0.5]] }],
      inputs: [0],
      outputs: [1],
    });
    const { y } = run(bytes, [Float32Array.from(x)]);
    const expected: number[] = [];
    for (let r = 0; r < 2; r++) {
      const e = x.slice(r * 3, r * 3 + 3).map((v) => Math.exp(0.5 * v));
      const s = e.reduce((a, b) => a + b, 0);
      expected.push(...e.map((v) => v / s));
    }
    expectClose(y[0], expected);
  });

  it('QUANTIZE → DEQUANTIZE round trip on the file scale; DEQUANTIZE of float16 and int8 constants is folded', () => {
    const x = [0.3, -1.26, 5, -40, 0.05];
    const halves = [0x3800, 0xc000, 0x3d00]; // 0.5, -2, 1.25
    const bytes = buildTflite({
      tensors: [
        { name: 'x', type: T.FLOAT32, shape: [5] },
        { name: 'q', type: T.INT8, shape: [5], quant: { scale: [0.25], zeroPoint: [3] } },
        { name: 'dq', type: T.FLOAT32, shape: [5] },
        { name: 'h', type: T.FLOAT16, shape: [3], data: new Uint8Array(Uint16Array.from(halves).buffer) },
        { name: 'hf', type: T.FLOAT32, shape: [3] },
        { name: 'x3', type: T.FLOAT32, shape: [3] },
        { name: 'y', type: T.FLOAT32, shape: [3] },
      ],
      ops: [
        { code: OP.QUANTIZE, inputs: [0], outputs: [1] },
        { code: OP.DEQUANTIZE, inputs: [1], outputs: [2] },
        { code: OP.DEQUANTIZE, inputs: [3], outputs: [4] },
        { code: OP.ADD, inputs: [5, 4], outputs: [6] },
      ],
      inputs: [0, 5],
      outputs: [2, 6],
    });
    const { g, y } = run(bytes, [Float32Array.from(x), Float32Array.of(1, 1, 1)]);
    expect(g.nodes.map((n) => n.op)).toEqual(['quantize', 'dequantize', 'add']);
    // TFLite: q = clamp(round(x / scale) + zp, -128, 127); real = scale * (q - zp).
    expectClose(y[0], x.map((v) => 0.25 * (Math.min(Math.max(Math.round(v / 0.25) + 3, -128), 127) - 3)));
    expectClose(y[1], [1.5, -1, 2.25]);
  });

  it('int8 CONCATENATION with inputs on other grids gets requantize nodes onto the output grid', () => {
    const q = (scale: number, zp: number) => ({ scale: [scale], zeroPoint: [zp] });
    const bytes = buildTflite({
      tensors: [
        { name: 'a', type: T.INT8, shape: [1, 2], quant: q(0.1, 0) },
        { name: 'b', type: T.INT8, shape: [1, 3], quant: q(0.2, -5) },
        { name: 'y', type: T.INT8, shape: [1, 5], quant: q(0.2, -5) },
      ],
      ops: [{ code: OP.CONCATENATION, inputs: [0, 1], outputs: [2], optionsType: OPT.Concatenation, options: [[0, 'i32', 1]] }],
      inputs: [0, 1],
      outputs: [2],
    });
    const g = importTflite(bytes);
    expect(g.nodes.map((n) => n.op)).toEqual(['requantize', 'concat']);
    const r = g.tensor(g.nodes[0].outputs[0]);
    expect([r.dtype, r.quant]).toEqual(['s8', { scale: [Math.fround(0.2)], zeroPoint: [-5] }]);
    expect(g.nodes[1].inputs[1]).toBe('b');
  });
});

describe('TFLite import (synthetic models): errors name the op and the place', () => {
  const addModel = (over: Partial<ModelSpec> = {}, addOptions?: Field[]) =>
    buildTflite({
      tensors: [
        { name: 'x', type: T.FLOAT32, shape: [4] },
        { name: 'c', type: T.FLOAT32, shape: [4], data: f32(1, 2, 3, 4) },
        { name: 'y', type: T.FLOAT32, shape: [4] },
      ],
      ops: [{ code: OP.ADD, inputs: [0, 1], outputs: [2], optionsType: addOptions ? OPT.Add : undefined, options: addOptions }],
      inputs: [0],
      outputs: [2],
      ...over,
    });

  it('builtin codes: max of deprecated_builtin_code and builtin_code, either field alone', () => {
    for (const codeFields of ['both', 'deprecated', 'extended'] as const) {
      const bytes = buildTflite({
        tensors: [
          { name: 'x', type: T.FLOAT32, shape: [4] },
          { name: 'y', type: T.FLOAT32, shape: [4] },
        ],
        ops: [{ code: OP.RELU6, inputs: [0], outputs: [1] }],
        inputs: [0],
        outputs: [1],
        codeFields,
      });
      expect(importTflite(bytes).nodes[0].attrs).toEqual({ min: 0, max: 6 });
    }
    const dus = buildTflite({
      tensors: [{ name: 'x', type: T.FLOAT32, shape: [4] }, { name: 'y', type: T.FLOAT32, shape: [4] }],
      ops: [{ code: OP.DYNAMIC_UPDATE_SLICE, inputs: [0], outputs: [1] }],
      inputs: [0],
      outputs: [1],
    });
    expectConvertError(() => importTflite(dus), /^unsupported TFLite op 'DYNAMIC_UPDATE_SLICE' \(builtin 151, operator 0\)$/);
  });

  it('custom ops, fused TANH, version, opcode and tensor indices, external buffers, dynamic shapes, bad sizes', () => {
    const custom = buildTflite({
      tensors: [{ name: 'x', type: T.FLOAT32, shape: [4] }, { name: 'm', type: T.FLOAT32, shape: [4] }, { name: 'y', type: T.FLOAT32, shape: [4] }],
      ops: [{ code: OP.RELU, inputs: [0], outputs: [1] }, { code: OP.CUSTOM, custom: 'MyOp', inputs: [1], outputs: [2] }],
      inputs: [0],
      outputs: [2],
    });
    expectConvertError(() => importTflite(custom), /^unsupported TFLite op 'MyOp' \(custom, operator 1\)$/);
    expectConvertError(() => importTflite(addModel({}, [[0, 'i8', TANH]])), /^TFLite ADD \(operator 0\): unsupported fused activation TANH/);
    expectConvertError(() => importTflite(addModel({ version: 2 })), /unsupported TFLite schema version 2/);
    const badIndex = addModel({ ops: [{ code: OP.ADD, inputs: [0, 1], outputs: [2], opcodeIndex: 5 }] });
    expectConvertError(() => importTflite(badIndex), /TFLite operator 0: opcode_index 5 out of range \(model has 0 operator codes\)/);
    const badTensor = addModel({ ops: [{ code: OP.ADD, inputs: [0, 9], outputs: [2] }] });
    expectConvertError(() => importTflite(badTensor), /TFLite ADD \(operator 0\).*tensor index 9 out of range/);
    const external = addModel({ tensors: [{ name: 'x', type: T.FLOAT32, shape: [4] }, { name: 'c', type: T.FLOAT32, shape: [4], externalBuffer: true }, { name: 'y', type: T.FLOAT32, shape: [4] }] });
    expectConvertError(() => importTflite(external), /TFLite tensor 1 'c': the data lives outside the FlatBuffer/);
    const dynamic = addModel({ tensors: [{ name: 'x', type: T.FLOAT32, shape: [-1, 4] }, { name: 'c', type: T.FLOAT32, shape: [4], data: f32(1, 2, 3, 4) }, { name: 'y', type: T.FLOAT32, shape: [-1, 4] }] });
    expectConvertError(() => importTflite(dynamic), /TFLite tensor 0 'x': shape \[-1,4\] has a negative \(dynamic\) dimension/);
    const shortData = addModel({ tensors: [{ name: 'x', type: T.FLOAT32, shape: [4] }, { name: 'c', type: T.FLOAT32, shape: [4], data: f32(1, 2, 3) }, { name: 'y', type: T.FLOAT32, shape: [4] }] });
    expectConvertError(() => importTflite(shortData), /TFLite tensor 1 'c': buffer 1 holds 12 bytes, shape \[4\] of FLOAT32 needs 16/);
    const half = addModel({ tensors: [{ name: 'x', type: T.FLOAT16, shape: [4] }, { name: 'c', type: T.FLOAT32, shape: [4], data: f32(1, 2, 3, 4) }, { name: 'y', type: T.FLOAT32, shape: [4] }] });
    expectConvertError(() => importTflite(half), /TFLite tensor 0 'x': unsupported tensor type FLOAT16/);
    const perAxis = addModel({
      tensors: [
        { name: 'x', type: T.INT8, shape: [4], quant: { scale: [1], zeroPoint: [0] } },
        { name: 'c', type: T.INT8, shape: [2, 2], data: i8(1, 2, 3, 4), quant: { scale: [1, 2, 3], zeroPoint: [0, 0, 0], dim: 1 } },
        { name: 'y', type: T.INT8, shape: [4], quant: { scale: [1], zeroPoint: [0] } },
      ],
    });
    expectConvertError(() => importTflite(perAxis), /TFLite tensor 1 'c': per-axis quantization has 3 scales, dimension 1 of \[2,2\] has 2/);
  });

  it('a declared output shape that contradicts the op is reported at the operator', () => {
    const bytes = buildTflite({
      tensors: [
        { name: 'x', type: T.FLOAT32, shape: [1, 4, 4, 1] },
        { name: 'y', type: T.FLOAT32, shape: [1, 3, 3, 1] },
      ],
      ops: [{ code: OP.MAX_POOL_2D, inputs: [0], outputs: [1], optionsType: OPT.Pool2D, options: [[0, 'i8', VALID], [1, 'i32', 1], [2, 'i32', 1], [3, 'i32', 3], [4, 'i32', 3]] }],
      inputs: [0],
      outputs: [1],
    });
    expectConvertError(() => importTflite(bytes), /^TFLite MAX_POOL_2D \(operator 0\): max_pool2d computes output shape \[1,2,2,1\] but the file declares \[1,3,3,1\] for 'y'$/);
    const zeroStride = buildTflite({
      tensors: [{ name: 'x', type: T.FLOAT32, shape: [1, 4, 4, 1] }, { name: 'y', type: T.FLOAT32, shape: [1, 2, 2, 1] }],
      ops: [{ code: OP.AVERAGE_POOL_2D, inputs: [0], outputs: [1], optionsType: OPT.Pool2D, options: [[0, 'i8', VALID], [3, 'i32', 3], [4, 'i32', 3]] }],
      inputs: [0],
      outputs: [1],
    });
    expectConvertError(() => importTflite(zeroStride), /^TFLite AVERAGE_POOL_2D \(operator 0\): stride_h is 0, must be an integer >= 1$/);
  });
});
