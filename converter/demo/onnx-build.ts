// A minimal ONNX model writer (onnx-proto encode): enough to save the demo's trained CNN as a real
// .onnx file, and for tests to build tiny models (e.g. with an unsupported op).
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export type AttrValue = number | number[] | string | { float: number } | { floats: number[] };

export interface OnnxNodeSpec {
  op: string;
  name: string;
  inputs: string[];
  outputs: string[];
  /** Integers (and integer lists) are INT/INTS; use { float } / { floats } for FLOAT/FLOATS. */
  attrs?: Record<string, AttrValue>;
}

export interface OnnxInitializer {
  name: string;
  dims: number[];
  /** The ONNX element type follows the array: FLOAT, UINT8, INT8, INT32 or INT64. */
  data: Float32Array | Uint8Array | Int8Array | Int32Array | BigInt64Array;
}

export interface OnnxValueSpec {
  name: string;
  /** Dimensions; a string is a symbolic dimension (dim_param). */
  dims: (number | string)[];
  elemType?: number; // ONNX TensorProto.DataType; FLOAT (1) by default
}

export interface OnnxModelSpec {
  graphName: string;
  nodes: OnnxNodeSpec[];
  initializers: OnnxInitializer[];
  inputs: OnnxValueSpec[];
  outputs: OnnxValueSpec[];
  opset?: number;
  docString?: string;
}

function attribute(name: string, v: AttrValue) {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return { name, type: A.INT, i: v };
  if (typeof v === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: A.INTS, ints: v };
  if ('float' in v) return { name, type: A.FLOAT, f: v.float };
  return { name, type: A.FLOATS, floats: v.floats };
}

function valueInfo(v: OnnxValueSpec) {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: v.elemType ?? onnx.TensorProto.DataType.FLOAT,
        shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function elemTypeOf(data: OnnxInitializer['data']): number {
  const T = onnx.TensorProto.DataType;
  if (data instanceof Float32Array) return T.FLOAT;
  if (data instanceof Uint8Array) return T.UINT8;
  if (data instanceof Int8Array) return T.INT8;
  if (data instanceof Int32Array) return T.INT32;
  return T.INT64;
}

function tensor(t: OnnxInitializer) {
  return {
    name: t.name,
    dims: t.dims,
    dataType: elemTypeOf(t.data),
    rawData: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
  };
}

/** Serialized ModelProto bytes (IR version 7, default domain at `opset`, 13 unless given). */
export function encodeOnnxModel(spec: OnnxModelSpec): Uint8Array {
  const model = onnx.ModelProto.fromObject({
    irVersion: 7,
    producerName: 'mote',
    producerVersion: '0.1.0',
    docString: spec.docString ?? '',
    opsetImport: [{ domain: '', version: spec.opset ?? 13 }],
    graph: {
      name: spec.graphName,
      node: spec.nodes.map((n) => ({
        opType: n.op,
        name: n.name,
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
      })),
      initializer: spec.initializers.map(tensor),
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
