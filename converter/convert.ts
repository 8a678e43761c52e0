// The whole converter pipeline, as one call: ONNX bytes → IR → float passes → (int8 PTQ) → static
// memory plan → .mote blob, plus a report of what came out (sizes, arena, MACs, what stayed float).
// `mote convert` and `mote demo` are thin shells around it.
import onnxProto from 'onnx-proto';
import * as F from '../format/format.js';
import { emitBlob } from './emit/index.js';
import { ConvertError } from './errors.js';
import type { Graph, TensorData } from './ir/graph.js';
import { numel } from './ir/graph.js';
import { importOnnx } from './import/onnx.js';
import { toNumber } from './import/onnx-tensor.js';
import { nodeMacs } from './macs.js';
import { optimize } from './passes/index.js';
import { quantize, type QuantizeReport } from './passes/quantize/index.js';
import { planMemory, type MemoryPlan } from './plan/index.js';

const { onnx } = onnxProto;

export type Precision = 'f32' | 'int8';
export type CalibrationMethod = 'minmax' | 'percentile';

export interface ConvertOptions {
  precision: Precision;
  /** int8 only: calibration samples, each one value per graph input (in the model's input layout). */
  calibration?: TensorData[][];
  calibrationMethod?: CalibrationMethod;
  /** Percentile (e.g. 99.99) for calibrationMethod 'percentile'. */
  percentile?: number;
  /** Calibration progress: samples done of total. */
  onProgress?(done: number, total: number): void;
}

export interface OpMacs {
  name: string;
  op: string;
  macs: number;
}

export interface ConvertReport {
  source: { name: string; format: 'onnx'; bytes: number; opset: number };
  precision: Precision;
  /** Node counts by ONNX op type in the source model. */
  sourceOps: Record<string, number>;
  /** Op counts by Mote op in the emitted schedule. */
  ops: Record<string, number>;
  /** Number of float parameters (elements of FLOAT initializers and Constant tensors) in the source. */
  parameters: number;
  /** Bytes of float32 weights in the source model. */
  floatWeightBytes: number;
  /** Bytes of the blob's weights section (after folding, quantization, packing and alignment). */
  weightBytes: number;
  blobBytes: number;
  arenaBytes: number;
  arenaLowerBound: number;
  /** arenaBytes / arenaLowerBound (1 = the planner met the liveness bound). */
  arenaRatio: number;
  /** floatWeightBytes / weightBytes: about 4 for int8, about 1 for f32. */
  sizeRatio: number;
  /** Compute nodes that stayed float32 in an int8 conversion, with the quantizer's reason (empty for f32). */
  keptFloat: { name: string; op: string; reason?: string }[];
  totalMacs: number;
  macs: OpMacs[];
  inputs: { name: string; dtype: string; shape: number[] }[];
  outputs: { name: string; dtype: string; shape: number[] }[];
  /** The quantizer's own report (int8 only): calibrated ranges, per-node precision. */
  quantization?: QuantizeReport;
}

export interface ConvertResult {
  graph: Graph;
  plan: MemoryPlan;
  blob: Uint8Array;
  report: ConvertReport;
}

/** Ops that only move data between float and int8 or alias memory: not "kept float" compute. */
const BOUNDARY_OPS = new Set(['quantize', 'dequantize', 'requantize', 'reshape', 'copy', 'transpose']);

function sourceSummary(bytes: Uint8Array, filename: string) {
  let model: InstanceType<typeof onnx.ModelProto>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new ConvertError(`${filename}: not a valid ONNX file (${(e as Error).message})`);
  }
  const sourceOps: Record<string, number> = {};
  let parameters = 0;
  const countTensor = (t: onnxProto.onnx.ITensorProto | null | undefined) => {
    if (!t || t.dataType !== onnx.TensorProto.DataType.FLOAT) return;
    parameters += numel((t.dims ?? []).map((d) => toNumber(d)));
  };
  for (const n of model.graph?.node ?? []) {
    const op = n.opType ?? '?';
    sourceOps[op] = (sourceOps[op] ?? 0) + 1;
    if (op === 'Constant') for (const a of n.attribute ?? []) countTensor(a.t);
  }
  for (const t of model.graph?.initializer ?? []) countTensor(t);
  const opset = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  return { sourceOps, parameters, opset: opset ? toNumber(opset.version) : 1 };
}

function io(g: Graph, names: string[]) {
  return names.map((name) => {
    const t = g.tensor(name);
    return { name, dtype: t.dtype, shape: [...t.shape] };
  });
}

export function convert(bytes: Uint8Array, filename: string, opts: ConvertOptions): ConvertResult {
  if (opts.precision !== 'f32' && opts.precision !== 'int8') {
    throw new ConvertError(`unknown precision '${opts.precision}' (use f32 or int8)`);
  }
  if (opts.precision === 'int8' && !(opts.calibration && opts.calibration.length > 0)) {
    throw new ConvertError('int8 conversion needs calibration samples (representative inputs) to choose activation scales');
  }
  const src = sourceSummary(bytes, filename);

  const graph = importOnnx(bytes, filename);
  optimize(graph);
  let quantization: QuantizeReport | undefined;
  if (opts.precision === 'int8') {
    quantization = quantize(graph, {
      samples: opts.calibration!,
      method: opts.calibrationMethod ?? 'minmax',
      percentile: opts.percentile,
      onProgress: opts.onProgress,
    });
  }
  const plan = planMemory(graph);
  const blob = emitBlob(graph, plan);

  const header = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const weightBytes = header.getUint32(F.H_WEIGHTS_SIZE, true);

  const ops: Record<string, number> = {};
  const macs: OpMacs[] = [];
  for (const node of plan.steps) {
    ops[node.op] = (ops[node.op] ?? 0) + 1;
    macs.push({ name: node.name, op: node.op, macs: nodeMacs(graph, node) });
  }
  const keptFloat = quantization ? quantization.keptFloat.filter((k) => !BOUNDARY_OPS.has(k.op)) : [];
  const floatWeightBytes = src.parameters * 4;
  const report: ConvertReport = {
    source: { name: filename, format: 'onnx', bytes: bytes.length, opset: src.opset },
    precision: opts.precision,
    sourceOps: src.sourceOps,
    ops,
    parameters: src.parameters,
    floatWeightBytes,
    weightBytes,
    blobBytes: blob.length,
    arenaBytes: plan.arenaSize,
    arenaLowerBound: plan.lowerBound,
    arenaRatio: plan.lowerBound > 0 ? plan.arenaSize / plan.lowerBound : 1,
    sizeRatio: weightBytes > 0 ? floatWeightBytes / weightBytes : 0,
    keptFloat,
    totalMacs: macs.reduce((s, m) => s + m.macs, 0),
    macs,
    inputs: io(graph, graph.inputs),
    outputs: io(graph, graph.outputs),
    quantization,
  };
  return { graph, plan, blob, report };
}
