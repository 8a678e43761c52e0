// ONNX → Mote IR. Decodes the model with onnx-proto, turns initializers and Constant nodes into
// constant tensors, and lowers each ONNX node into IR ops (converter/import/onnx-ops.ts), inferring
// shapes as it goes so later lowerings can depend on them. Only static shapes are accepted.
import { createHash } from 'node:crypto';
import onnxProto from 'onnx-proto';
import { ConvertError } from '../errors.js';
import { Graph, numel } from '../ir/graph.js';
import type { AttrsByOp, DType, Node, OpName, TensorData } from '../ir/graph.js';
import { inferNodeShapes } from '../ir/shapes.js';
import { dtypeFromOnnx, onnxDtypeName, tensorFromProto, toNumber } from './onnx-tensor.js';
import { lowerOnnxNode } from './onnx-ops.js';
import { refuseIndexConsumers } from './index-outputs.js';
import { transposeData } from '../passes/util.js';

const { onnx } = onnxProto;
export type OnnxNode = onnxProto.onnx.INodeProto;
type OnnxAttribute = onnxProto.onnx.IAttributeProto;

/** Everything a lowering needs to know about the ONNX node it is translating. */
export interface OnnxNodeContext {
  node: OnnxNode;
  opType: string;
  /** The ONNX node name, or a generated one when the model left it empty. */
  name: string;
  opset: number;
  /** "ONNX Conv 'conv1' (opset 13)", used as the IR nodes' `source`. */
  source: string;
}

const DTYPE_DISPLAY: Record<DType, string> = {
  f32: 'float32', s8: 'int8', u8: 'uint8', s16: 'int16', s32: 'int32', i64: 'int64', bool: 'bool',
};

export function dtypeDisplay(d: DType): string {
  return DTYPE_DISPLAY[d];
}

/** Import state: the graph being built and the ONNX-name → IR-tensor mapping. */
export class OnnxImporter {
  readonly g = new Graph();
  /** ONNX tensor names that are aliases of another IR tensor (Identity, Dropout). */
  private alias = new Map<string, string>();
  private nodeNames = new Set<string>();

  constructor(readonly opset: number) {}

  // ---- errors -------------------------------------------------------------------------------

  fail(ctx: OnnxNodeContext, msg: string): never {
    throw new ConvertError(`ONNX ${ctx.opType} node '${ctx.name}' (opset ${ctx.opset}): ${msg}`);
  }

  unsupported(ctx: OnnxNodeContext, what?: string): never {
    if (!what) throw new ConvertError(`unsupported ONNX op '${ctx.opType}' (node '${ctx.name}', opset ${ctx.opset})`);
    throw new ConvertError(`unsupported ${what} in ONNX op '${ctx.opType}' (node '${ctx.name}', opset ${ctx.opset})`);
  }

  // ---- attributes ---------------------------------------------------------------------------

  attr(ctx: OnnxNodeContext, name: string): OnnxAttribute | undefined {
    return (ctx.node.attribute ?? []).find((a) => a.name === name);
  }

  attrInt(ctx: OnnxNodeContext, name: string, dflt: number): number {
    const a = this.attr(ctx, name);
    return a ? toNumber(a.i) : dflt;
  }

  attrFloat(ctx: OnnxNodeContext, name: string, dflt: number): number {
    const a = this.attr(ctx, name);
    return a ? a.f ?? dflt : dflt;
  }

  attrInts(ctx: OnnxNodeContext, name: string): number[] | undefined {
    const a = this.attr(ctx, name);
    return a ? (a.ints ?? []).map((v) => toNumber(v)) : undefined;
  }

  attrString(ctx: OnnxNodeContext, name: string, dflt: string): string {
    const a = this.attr(ctx, name);
    return a && a.s ? new TextDecoder().decode(a.s) : dflt;
  }

  // ---- tensors ------------------------------------------------------------------------------

  /** The IR tensor name for an ONNX value name. */
  resolve(name: string): string {
    return this.alias.get(name) ?? name;
  }

  setAlias(onnxName: string, irName: string): void {
    this.alias.set(onnxName, irName);
  }

  /** The IR tensor for ONNX input `i` of the node (undefined when absent or ''). */
  input(ctx: OnnxNodeContext, i: number): string | undefined {
    const raw = (ctx.node.input ?? [])[i];
    if (raw === undefined || raw === '') return undefined;
    const name = this.resolve(raw);
    if (!this.g.tensors.has(name)) this.fail(ctx, `input '${raw}' is not produced by any earlier node, initializer or graph input`);
    return name;
  }

  requireInput(ctx: OnnxNodeContext, i: number, what: string): string {
    const name = this.input(ctx, i);
    if (name === undefined) this.fail(ctx, `required input ${i} (${what}) is missing`);
    return name;
  }

  shape(name: string): number[] {
    return this.g.tensor(name).shape;
  }

  dtype(name: string): DType {
    return this.g.tensor(name).dtype;
  }

  /** Checks that a data input is float32: the only dtype Mote computes in before quantization. */
  requireFloat(ctx: OnnxNodeContext, name: string): void {
    const d = this.dtype(name);
    if (d !== 'f32') {
      throw new ConvertError(
        `${ctx.opType} on ${dtypeDisplay(d)} tensors is not supported (float32 only) (node '${ctx.name}', opset ${ctx.opset})`,
      );
    }
  }

  /** The data of a constant input, or a clear error when it is computed at run time. */
  constData(ctx: OnnxNodeContext, name: string, what: string): TensorData {
    const t = this.g.tensor(name);
    if (!t.data) this.unsupported(ctx, `non-constant ${what} ('${name}')`);
    return t.data;
  }

  constInts(ctx: OnnxNodeContext, name: string, what: string): number[] {
    const data = this.constData(ctx, name, what);
    return Array.from(data as ArrayLike<number | bigint>, (v) => Number(v));
  }

  constFloats(ctx: OnnxNodeContext, name: string, what: string): Float32Array {
    const data = this.constData(ctx, name, what);
    if (!(data instanceof Float32Array)) this.fail(ctx, `${what} must be float32, got ${dtypeDisplay(this.dtype(name))}`);
    return data;
  }

  constScalar(ctx: OnnxNodeContext, name: string, what: string): number {
    const data = this.constData(ctx, name, what);
    if (data.length !== 1) this.fail(ctx, `${what} must be a scalar, got shape [${this.shape(name)}]`);
    return Number(data[0]);
  }

  /** ONNX value names still to come: generated names must not take them. */
  readonly reserved = new Set<string>();

  /** A tensor name used neither in the graph so far nor by any ONNX value. */
  fresh(base: string): string {
    let name = this.g.uniqueName(base);
    for (let i = 1; this.reserved.has(name); i++) name = this.g.uniqueName(`${base}_${i}`);
    return name;
  }

  addConstant(base: string, dtype: DType, shape: number[], data: TensorData): string {
    if (data.length !== numel(shape)) throw new Error(`internal: constant '${base}' has ${data.length} values for shape [${shape}]`);
    const name = this.fresh(base);
    this.g.addTensor({ name, dtype, shape, data });
    return name;
  }

  /** A fresh intermediate tensor name derived from the ONNX node. */
  tmp(ctx: OnnxNodeContext, suffix: string): string {
    return this.fresh(`${ctx.name}/${suffix}`);
  }

  private nodeName(base: string): string {
    let name = base;
    for (let i = 1; this.nodeNames.has(name); i++) name = `${base}_${i}`;
    this.nodeNames.add(name);
    return name;
  }

  /**
   * Adds one IR node writing `output` (created here with `dtype`), infers its shape and returns the
   * output name. A reshape's output shape must be given (it is the op's only attribute).
   */
  emit<K extends OpName>(
    ctx: OnnxNodeContext,
    op: K,
    inputs: (string | undefined)[],
    output: string,
    attrs: AttrsByOp[K],
    opts: { dtype?: DType; shape?: number[]; suffix?: string } = {},
  ): string {
    const dtype = opts.dtype ?? this.dtype(inputs[0]!);
    if (this.g.tensors.has(output)) this.fail(ctx, `output '${output}' is defined twice`);
    this.g.addTensor({ name: output, dtype, shape: opts.shape ?? [] });
    const node: Node<K> = {
      op,
      name: this.nodeName(opts.suffix ? `${ctx.name}/${opts.suffix}` : ctx.name),
      inputs: inputs.map((i) => i ?? ''),
      outputs: [output],
      attrs,
      source: ctx.source,
    };
    this.g.nodes.push(node as Node);
    inferNodeShapes(this.g, node as Node);
    return output;
  }

  /** reshape, computed at once when the input is constant (shape subgraphs, weights). */
  reshape(ctx: OnnxNodeContext, x: string, shape: number[], output?: string): string {
    const t = this.g.tensor(x);
    if (numel(shape) !== numel(t.shape)) this.fail(ctx, `cannot reshape [${t.shape}] to [${shape}]`);
    const out = output ?? this.tmp(ctx, 'reshape');
    if (t.data) {
      this.g.addTensor({ name: out, dtype: t.dtype, shape, data: t.data.slice() as TensorData });
      return out;
    }
    return this.emit(ctx, 'reshape', [x], out, {}, { shape, suffix: 'reshape' });
  }

  /** transpose, computed at once when the input is constant. */
  transpose(ctx: OnnxNodeContext, x: string, perm: number[], output?: string, suffix = 'transpose'): string {
    const t = this.g.tensor(x);
    const out = output ?? this.tmp(ctx, suffix);
    if (t.data) {
      const { shape, data } = transposeData(t.data, t.shape, perm);
      this.g.addTensor({ name: out, dtype: t.dtype, shape, data });
      return out;
    }
    return this.emit(ctx, 'transpose', [x], out, { perm }, { suffix });
  }
}

function defaultOpset(model: InstanceType<typeof onnx.ModelProto>): number {
  for (const o of model.opsetImport ?? []) {
    if (o.domain === '' || o.domain === 'ai.onnx' || o.domain === undefined) return toNumber(o.version);
  }
  // A model without an ai.onnx opset import predates opsets (IR version 1-2): opset 1.
  return 1;
}

/** Imports an ONNX model. Throws ConvertError naming the op, node and opset for anything unsupported. */
export function importOnnx(bytes: Uint8Array, name?: string): Graph {
  let model: InstanceType<typeof onnx.ModelProto>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new ConvertError(`${name ?? 'model'}: not a valid ONNX file (${(e as Error).message})`);
  }
  const graphProto = model.graph;
  if (!graphProto) throw new ConvertError(`${name ?? 'model'}: the ONNX file has no graph`);
  const opset = defaultOpset(model);
  const imp = new OnnxImporter(opset);
  const g = imp.g;
  g.meta = {
    sourceFormat: 'onnx',
    sourceHash: createHash('sha256').update(bytes).digest('hex'),
    sourceName: name,
  };

  for (const init of graphProto.initializer ?? []) {
    const t = tensorFromProto(init, 'initializer');
    if (g.tensors.has(t.name)) throw new ConvertError(`initializer '${t.name}' is defined twice`);
    g.addTensor({ name: t.name, dtype: t.dtype, shape: t.shape, data: t.data });
  }
  if ((graphProto.sparseInitializer ?? []).length > 0) throw new ConvertError('sparse initializers are not supported');

  for (const vi of graphProto.input ?? []) {
    const inputName = vi.name ?? '';
    if (g.tensors.has(inputName)) continue; // an initializer listed as input: a constant
    const tt = vi.type?.tensorType;
    if (!tt) throw new ConvertError(`graph input '${vi.name}' is not a tensor (sequences, maps and optionals are not supported)`);
    const dtype = dtypeFromOnnx(tt.elemType ?? 0);
    if (!dtype) throw new ConvertError(`graph input '${vi.name}' has dtype ${onnxDtypeName(tt.elemType ?? 0)}, which is not supported`);
    if (!tt.shape) throw new ConvertError(`graph input '${vi.name}' has no shape; Mote needs static input shapes`);
    const shape = (tt.shape.dim ?? []).map((d, i) => {
      // protobufjs names the set member of the `value` oneof; 0 is a real (empty) dimension.
      if ((d as { value?: string }).value === 'dimValue') {
        const v = toNumber(d.dimValue);
        if (v >= 0) return v;
      }
      // A symbolic or unknown leading dim is the batch: Mote runs one sample at a time.
      if (i === 0) return 1;
      throw new ConvertError(
        `graph input '${vi.name}' has a dynamic dimension ${i} ('${d.dimParam || '?'}'); Mote needs static shapes (only the leading batch dim may be dynamic)`,
      );
    });
    g.addTensor({ name: inputName, dtype, shape });
    g.inputs.push(inputName);
  }

  for (const node of graphProto.node ?? []) for (const o of node.output ?? []) if (o) imp.reserved.add(o);
  for (const vi of graphProto.output ?? []) if (vi.name) imp.reserved.add(vi.name);

  (graphProto.node ?? []).forEach((node, index) => {
    const domain = node.domain ?? '';
    const ctx: OnnxNodeContext = {
      node,
      opType: node.opType ?? '',
      name: node.name || `${node.opType}_${index}`,
      opset,
      source: '',
    };
    ctx.source = `ONNX ${ctx.opType} '${ctx.name}' (opset ${opset})`;
    if (domain !== '' && domain !== 'ai.onnx') {
      throw new ConvertError(`unsupported ONNX op '${domain}.${node.opType}' (node '${ctx.name}', opset ${opset}): custom domains are not supported`);
    }
    lowerOnnxNode(imp, ctx);
  });

  for (const vi of graphProto.output ?? []) {
    const outName = vi.name ?? '';
    const ir = imp.resolve(outName);
    if (!g.tensors.has(ir)) throw new ConvertError(`graph output '${vi.name}' is not produced by any node`);
    if (ir !== outName) {
      // The output is an alias (Identity/Dropout of another value): materialize it under its own
      // name with a copy; remove-identity drops the copy when it can rename the producer instead.
      const t = g.tensor(ir);
      g.addTensor({ name: outName, dtype: t.dtype, shape: [...t.shape] });
      g.nodes.push({ op: 'copy', name: `${outName}/copy`, inputs: [ir], outputs: [outName], attrs: {}, source: `ONNX graph output '${outName}'` });
    }
    g.outputs.push(outName);
  }
  refuseIndexConsumers(g);
  return g;
}
