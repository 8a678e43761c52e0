// What the converter reads: ONNX or TFLite, told apart by content (a TFLite FlatBuffer carries the
// identifier "TFL3" at bytes 4..8; an ONNX file is a protobuf without one), plus a summary of the
// source model for the conversion report.
import onnxProto from 'onnx-proto';
import { ConvertError } from './errors.js';
import type { Graph } from './ir/graph.js';
import { numel } from './ir/graph.js';
import { importOnnx } from './import/onnx.js';
import { toNumber } from './import/onnx-tensor.js';
import { importTflite } from './import/tflite.js';
import { builtinName } from './import/tflite-opnames.js';
import { readTfliteModel } from './import/tflite-schema.js';

const { onnx } = onnxProto;

export type SourceFormat = 'onnx' | 'tflite';

export interface SourceSummary {
  format: SourceFormat;
  /** ONNX: the default-domain opset; TFLite: the schema version. */
  version: number;
  /** Node counts by source op type (ONNX op_type, TFLite builtin name). */
  ops: Record<string, number>;
  /** Elements of the weight tensors: ONNX FLOAT initializers and Constants; TFLite constant tensors. */
  parameters: number;
  /** Bytes those weight tensors take in the source file. */
  weightBytes: number;
}

export function detectFormat(bytes: Uint8Array, filename: string): SourceFormat {
  const tfl3 = bytes.length >= 8 && bytes[4] === 0x54 && bytes[5] === 0x46 && bytes[6] === 0x4c && bytes[7] === 0x33;
  if (tfl3 || filename.toLowerCase().endsWith('.tflite')) return 'tflite';
  return 'onnx';
}

/** The model as Mote IR (throws ConvertError naming the place of anything unsupported). */
export function importModel(bytes: Uint8Array, filename: string): Graph {
  return detectFormat(bytes, filename) === 'tflite' ? importTflite(bytes, filename) : importOnnx(bytes, filename);
}

/**
 * True when the graph already computes in integers: an int8 TFLite model, a 16x8 (int16
 * activations) TFLite model, or a QDQ / QLinear ONNX one.
 */
export function isPreQuantized(g: Graph): boolean {
  // Any activation (a non-constant tensor a node reads or writes) in s8 or s16 marks it.
  return g.nodes.some((n) => [...n.inputs, ...n.outputs].some((name) => {
    const t = name ? g.tensors.get(name) : undefined;
    return t !== undefined && t.data === undefined && (t.dtype === 's8' || t.dtype === 's16');
  }));
}

function onnxSummary(bytes: Uint8Array, filename: string): SourceSummary {
  let model: InstanceType<typeof onnx.ModelProto>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new ConvertError(`${filename}: not a valid ONNX file (${(e as Error).message})`);
  }
  const ops: Record<string, number> = {};
  let parameters = 0;
  const countTensor = (t: onnxProto.onnx.ITensorProto | null | undefined) => {
    if (!t || t.dataType !== onnx.TensorProto.DataType.FLOAT) return;
    parameters += numel((t.dims ?? []).map((d) => toNumber(d)));
  };
  for (const n of model.graph?.node ?? []) {
    const op = n.opType ?? '?';
    ops[op] = (ops[op] ?? 0) + 1;
    if (op === 'Constant') for (const a of n.attribute ?? []) countTensor(a.t);
  }
  for (const t of model.graph?.initializer ?? []) countTensor(t);
  const opset = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  return { format: 'onnx', version: opset ? toNumber(opset.version) : 1, ops, parameters, weightBytes: parameters * 4 };
}

function tfliteSummary(bytes: Uint8Array): SourceSummary {
  const model = readTfliteModel(bytes);
  const ops: Record<string, number> = {};
  const sub = model.main;
  for (const op of sub.operators) {
    const code = model.operatorCodes[op.opcodeIndex];
    const name = code ? (code.customCode ?? builtinName(code.builtinCode)) : '?';
    ops[name] = (ops[name] ?? 0) + 1;
  }
  let parameters = 0;
  let weightBytes = 0;
  for (const t of sub.tensors) {
    const data = model.buffers[t.buffer]?.data;
    if (!data || data.length === 0) continue;
    parameters += numel(t.shape);
    weightBytes += data.length;
  }
  return { format: 'tflite', version: model.version, ops, parameters, weightBytes };
}

export function summarizeSource(bytes: Uint8Array, filename: string): SourceSummary {
  return detectFormat(bytes, filename) === 'tflite' ? tfliteSummary(bytes) : onnxSummary(bytes, filename);
}
