// A minimal .tflite writer (flatbuffers Builder) for the bench's single-op int8 models, so that the
// same file feeds Mote (through importTflite) and the TFLite wasm peers. Field ids follow
// tensorflow/lite/schema/schema.fbs: Model{version 0, operator_codes 1, subgraphs 2, description 3,
// buffers 4}, SubGraph{tensors 0, inputs 1, outputs 2, operators 3, name 4}, Tensor{shape 0, type 1,
// buffer 2, name 3, quantization 4}, QuantizationParameters{scale 2, zero_point 3,
// quantized_dimension 6}, Operator{opcode_index 0, inputs 1, outputs 2, builtin_options_type 3,
// builtin_options 4}, OperatorCode{deprecated_builtin_code 0, version 2, builtin_code 3}.
import { Builder } from 'flatbuffers';

export const TFL_TYPE = { FLOAT32: 0, INT32: 2, INT16: 7, INT8: 9 } as const;
export const TFL_OP = { CONV_2D: 3, DEPTHWISE_CONV_2D: 4, FULLY_CONNECTED: 9, RESIZE_BILINEAR: 23, RESIZE_NEAREST_NEIGHBOR: 97 } as const;
export const TFL_OPTIONS = { Conv2D: 1, DepthwiseConv2D: 2, FullyConnected: 8, ResizeBilinear: 15, ResizeNearestNeighbor: 74 } as const;

export interface TflTensor {
  name: string;
  type: number;
  shape: number[];
  /** Constant contents (little-endian bytes); absent for activations. */
  data?: Uint8Array;
  quant: { scale: number[]; zeroPoint: number[]; dim?: number };
}

export interface TflOp {
  code: number;
  version: number;
  inputs: number[];
  outputs: number[];
  optionsType: number;
  /** [field id, bytes (1 or 4), value] of the builtin options table. */
  options: [number, 1 | 4, number][];
}

export interface TflModel {
  tensors: TflTensor[];
  ops: TflOp[];
  inputs: number[];
  outputs: number[];
  description: string;
}

export function writeTflite(m: TflModel): Uint8Array {
  const b = new Builder(4096);
  const vecI32 = (v: number[]) => {
    b.startVector(4, v.length, 4);
    for (let i = v.length - 1; i >= 0; i--) b.addInt32(v[i]);
    return b.endVector();
  };
  const vecF32 = (v: number[]) => {
    b.startVector(4, v.length, 4);
    for (let i = v.length - 1; i >= 0; i--) b.addFloat32(v[i]);
    return b.endVector();
  };
  const vecI64 = (v: number[]) => {
    b.startVector(8, v.length, 8);
    for (let i = v.length - 1; i >= 0; i--) b.addInt64(BigInt(v[i]));
    return b.endVector();
  };
  const vecOffsets = (v: number[]) => {
    b.startVector(4, v.length, 4);
    for (let i = v.length - 1; i >= 0; i--) b.addOffset(v[i]);
    return b.endVector();
  };

  // Buffer 0 is the empty sentinel every activation points to.
  b.startObject(1);
  const buffers = [b.endObject()];
  const bufferIndex = m.tensors.map((t) => {
    if (!t.data) return 0;
    b.startVector(1, t.data.length, 16);
    for (let i = t.data.length - 1; i >= 0; i--) b.addInt8(t.data[i]);
    const data = b.endVector();
    b.startObject(1);
    b.addFieldOffset(0, data, 0);
    return buffers.push(b.endObject()) - 1;
  });

  const tensors = m.tensors.map((t, i) => {
    const shape = vecI32(t.shape);
    const name = b.createString(t.name);
    const scale = vecF32(t.quant.scale);
    const zp = vecI64(t.quant.zeroPoint);
    b.startObject(7);
    b.addFieldOffset(2, scale, 0);
    b.addFieldOffset(3, zp, 0);
    b.addFieldInt32(6, t.quant.dim ?? 0, 0);
    const quant = b.endObject();
    b.startObject(5);
    b.addFieldOffset(0, shape, 0);
    b.addFieldInt8(1, t.type, -1);
    b.addFieldInt32(2, bufferIndex[i], -1);
    b.addFieldOffset(3, name, 0);
    b.addFieldOffset(4, quant, 0);
    return b.endObject();
  });

  const codes: { code: number; version: number }[] = [];
  const ops = m.ops.map((op) => {
    let index = codes.findIndex((c) => c.code === op.code && c.version === op.version);
    if (index < 0) index = codes.push({ code: op.code, version: op.version }) - 1;
    const inputs = vecI32(op.inputs);
    const outputs = vecI32(op.outputs);
    b.startObject(8);
    for (const [id, size, value] of op.options) {
      if (size === 1) b.addFieldInt8(id, value, -1);
      else b.addFieldInt32(id, value, -1);
    }
    const options = b.endObject();
    b.startObject(5);
    b.addFieldInt32(0, index, -1);
    b.addFieldOffset(1, inputs, 0);
    b.addFieldOffset(2, outputs, 0);
    b.addFieldInt8(3, op.optionsType, -1);
    b.addFieldOffset(4, options, 0);
    return b.endObject();
  });

  const tensorVec = vecOffsets(tensors);
  const opVec = vecOffsets(ops);
  const gin = vecI32(m.inputs);
  const gout = vecI32(m.outputs);
  const sgName = b.createString('main');
  b.startObject(5);
  b.addFieldOffset(0, tensorVec, 0);
  b.addFieldOffset(1, gin, 0);
  b.addFieldOffset(2, gout, 0);
  b.addFieldOffset(3, opVec, 0);
  b.addFieldOffset(4, sgName, 0);
  const subgraph = b.endObject();

  const codeOffsets = codes.map((c) => {
    b.startObject(4);
    b.addFieldInt8(0, c.code, -1);
    b.addFieldInt32(2, c.version, -1);
    b.addFieldInt32(3, c.code, -1);
    return b.endObject();
  });
  const opcodes = vecOffsets(codeOffsets);
  const subgraphs = vecOffsets([subgraph]);
  const bufferVec = vecOffsets(buffers);
  const description = b.createString(m.description);
  b.startObject(5);
  b.addFieldInt32(0, 3, -1);
  b.addFieldOffset(1, opcodes, 0);
  b.addFieldOffset(2, subgraphs, 0);
  b.addFieldOffset(3, description, 0);
  b.addFieldOffset(4, bufferVec, 0);
  b.finish(b.endObject(), 'TFL3');
  return b.asUint8Array().slice();
}
