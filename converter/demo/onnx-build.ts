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
  data: Float32Array | BigInt64Array;
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

function tensor(t: OnnxInitializer) {
  const isInt64 = t.data instanceof BigInt64Array;
  return {
    name: t.name,
    dims: t.dims,
    dataType: isInt64 ? onnx.TensorProto.DataType.INT64 : onnx.TensorProto.DataType.FLOAT,
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
