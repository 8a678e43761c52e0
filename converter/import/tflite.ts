// TFLite (.tflite) → Mote IR.
//
// Decodes the FlatBuffer with a bounds-checked reader (tflite-schema.ts), turns the tensors of
// subgraph 0 into IR tensors (constants from the model's buffers, quantization kept exactly as the
// file has it: an int8 model stays an s8 graph) and lowers each operator into IR ops
// (tflite-ops.ts). TFLite is NHWC like the IR, so no transposes are needed. Every node's inferred
// output shape is checked against the shape the file declares, which catches a wrong lowering or a
// corrupted file at the operator that caused it.
//
// int8 models: node.int8 (quantized activation bounds, multipliers) is NOT computed here; the
// shared int8 prepare step of the quantizer fills it from the tensor scales after import.
import { createHash } from 'node:crypto';
import { ConvertError } from '../errors.js';
import { Graph, numel } from '../ir/graph.js';
import type { AttrsByOp, DType, Node, OpName, QuantParams, TensorData } from '../ir/graph.js';
import { inferNodeShapes } from '../ir/shapes.js';
import { builtinName } from './tflite-opnames.js';
import { lowerings } from './tflite-ops.js';
import { refuseIndexConsumers } from './index-outputs.js';
import { readTfliteModel } from './tflite-schema.js';
import type { TfliteModel, TfliteOperator, TfliteTensor } from './tflite-schema.js';
import { irDtype, irQuant, tensorTypeName, tfliteElementBytes, typedArrayFromBytes } from './tflite-tensor.js';

/** BuiltinOperator.CUSTOM: the op is named by the operator code's custom_code. */
const CUSTOM = 32;

/** Rank beyond which a shape is treated as a defect (the blob format stops at 6). */
const MAX_IMPORT_RANK = 8;

/** What a lowering knows about the operator it translates. */
export interface TfliteOpContext {
  op: TfliteOperator;
  /** Builtin name, e.g. "CONV_2D". */
  opName: string;
  /** "TFLite CONV_2D (operator 3)", the IR nodes' `source` and the prefix of errors. */
  source: string;
}

/** A constant read from the file, before it becomes (or instead of becoming) an IR tensor. */
export interface TfliteConstant {
  tensor: TfliteTensor;
  dtype: DType;
  shape: number[];
  data: TensorData;
  quant?: QuantParams;
}

export class TfliteImporter {
  readonly g = new Graph();
  /** TFLite tensor index → IR tensor name, once the tensor has been materialized. */
  private irName = new Map<number, string>();
  /** TFLite tensor index → the operator that writes it (graph inputs and constants: none). */
  private writtenBy = new Map<number, number>();
  private fileTensorNames = new Set<string>();
  private nodeNames = new Set<string>();

  constructor(readonly model: TfliteModel) {}

  private get tensors(): TfliteTensor[] {
    return this.model.main.tensors;
  }

  // ---- errors -------------------------------------------------------------------------------

  fail(ctx: TfliteOpContext, msg: string): never {
    throw new ConvertError(`${ctx.source}: ${msg}`);
  }

  unsupported(ctx: TfliteOpContext, what: string): never {
    throw new ConvertError(`${ctx.source}: unsupported ${what}`);
  }

  private tensorWhere(i: number): string {
    const t = this.tensors[i];
    return `TFLite tensor ${i}${t?.name ? ` '${t.name}'` : ''}`;
  }

  // ---- tensors ------------------------------------------------------------------------------

  rawTensor(i: number, where: string): TfliteTensor {
    const t = this.tensors[i];
    if (!Number.isInteger(i) || !t) throw new ConvertError(`${where}: tensor index ${i} out of range (subgraph has ${this.tensors.length} tensors)`);
    return t;
  }

  /** The shape the file declares, validated (no negative dims, bounded rank). */
  private declaredShape(t: TfliteTensor): number[] {
    if (t.shape.length > MAX_IMPORT_RANK) {
      throw new ConvertError(`${this.tensorWhere(t.index)}: rank ${t.shape.length} is larger than ${MAX_IMPORT_RANK}`);
    }
    for (const d of t.shape) {
      if (!(d >= 0)) throw new ConvertError(`${this.tensorWhere(t.index)}: shape [${t.shape}] has a negative (dynamic) dimension`);
    }
    return [...t.shape];
  }

  private dtypeOf(t: TfliteTensor): DType {
    const d = irDtype(t.type);
    if (!d) throw new ConvertError(`${this.tensorWhere(t.index)}: unsupported tensor type ${tensorTypeName(t.type)}`);
    return d;
  }

  private quantOf(t: TfliteTensor, shape: number[], dtype: DType): QuantParams | undefined {
    if (t.quantization?.hasDetails) throw new ConvertError(`${this.tensorWhere(t.index)}: custom quantization (QuantizationDetails) is not supported`);
    // Float tensors sometimes carry min/max or stray scales; only integer tensors are quantized.
    if (dtype === 'f32' || dtype === 'bool') return undefined;
    return irQuant(t.quantization, shape, (msg) => {
      throw new ConvertError(`${this.tensorWhere(t.index)}: ${msg}`);
    });
  }

  /** The raw bytes of a tensor's buffer, or undefined when the tensor holds no constant data. */
  private bufferBytes(t: TfliteTensor): Uint8Array | undefined {
    if (t.buffer === 0) return undefined; // buffer 0 is the empty sentinel
    const b = this.model.buffers[t.buffer];
    if (!b) throw new ConvertError(`${this.tensorWhere(t.index)}: buffer index ${t.buffer} out of range (model has ${this.model.buffers.length} buffers)`);
    if (b.offset > 1n) {
      throw new ConvertError(
        `${this.tensorWhere(t.index)}: the data lives outside the FlatBuffer (a >2GB model layout, buffer ${t.buffer}); not supported`,
      );
    }
    return b.data.length > 0 ? b.data : undefined;
  }

  isConstantInput(i: number): boolean {
    return i >= 0 && this.tensors[i] !== undefined && this.bufferBytes(this.tensors[i]) !== undefined;
  }

  /** Reads a constant tensor's data, decoded to the IR dtype (FLOAT16 constants: `float16Constant`). */
  constant(i: number, where: string): TfliteConstant | undefined {
    const t = this.rawTensor(i, where);
    const bytes = this.bufferBytes(t);
    if (!bytes) return undefined;
    if (t.isSparse) throw new ConvertError(`${this.tensorWhere(i)}: sparse constant tensors are not supported`);
    const shape = this.declaredShape(t);
    const dtype = this.dtypeOf(t);
    const elem = tfliteElementBytes(t.type)!;
    if (bytes.length !== numel(shape) * elem) {
      throw new ConvertError(
        `${this.tensorWhere(i)}: buffer ${t.buffer} holds ${bytes.length} bytes, shape [${shape}] of ${tensorTypeName(t.type)} needs ${numel(shape) * elem}`,
      );
    }
    return { tensor: t, dtype, shape, data: typedArrayFromBytes(dtype, bytes), quant: this.quantOf(t, shape, dtype) };
  }

  /** Raw bytes and shape of a FLOAT16 constant (only DEQUANTIZE reads these). */
  float16Constant(i: number, where: string): { bytes: Uint8Array; shape: number[] } | undefined {
    const t = this.rawTensor(i, where);
    const bytes = this.bufferBytes(t);
    if (!bytes) return undefined;
    const shape = this.declaredShape(t);
    if (bytes.length !== numel(shape) * 2) throw new ConvertError(`${this.tensorWhere(i)}: buffer size ${bytes.length} does not match FLOAT16 [${shape}]`);
    return { bytes, shape };
  }

  /** The IR tensor for TFLite tensor `i`, created on first use (constants get their data). */
  tensor(i: number, where: string): string {
    const known = this.irName.get(i);
    if (known !== undefined) return known;
    const t = this.rawTensor(i, where);
    const name = this.g.uniqueName(t.name || `tensor_${i}`);
    const c = this.constant(i, where);
    if (c) {
      this.g.addTensor({ name, dtype: c.dtype, shape: c.shape, data: c.data, ...(c.quant ? { quant: c.quant } : {}) });
    } else {
      const shape = this.declaredShape(t);
      const dtype = this.dtypeOf(t);
      const quant = this.quantOf(t, shape, dtype);
      this.g.addTensor({ name, dtype, shape, ...(quant ? { quant } : {}) });
    }
    this.irName.set(i, name);
    this.fileTensorNames.add(name);
    return name;
  }

  /** Registers a new IR constant (a derived weight layout, a folded result). */
  addConstant(base: string, dtype: DType, shape: number[], data: TensorData, quant?: QuantParams): string {
    const name = this.g.uniqueName(base);
    this.g.addTensor({ name, dtype, shape, data, ...(quant ? { quant } : {}) });
    return name;
  }

  /** A fresh intermediate tensor (between the IR nodes one TFLite operator becomes). */
  addTemp(base: string, dtype: DType, quant?: QuantParams): string {
    const name = this.g.uniqueName(base);
    this.g.addTensor({ name, dtype, shape: [], ...(quant ? { quant: structuredClone(quant) } : {}) });
    return name;
  }

  /**
   * Makes TFLite output k of the operator a constant (constant folding at import). It keeps the
   * shape and, for integer data, the quantization the file declares for that output.
   */
  defineFoldedOutput(ctx: TfliteOpContext, k: number, dtype: DType, data: TensorData): void {
    const i = this.outputIndex(ctx, k);
    const t = this.tensors[i];
    const declared = this.declaredShape(t);
    if (numel(declared) !== data.length) this.fail(ctx, `folded output has ${data.length} values, the file declares [${declared}]`);
    const quant = this.quantOf(t, declared, dtype);
    const name = this.g.uniqueName(t.name || `tensor_${i}`);
    this.g.addTensor({ name, dtype, shape: declared, data, ...(quant ? { quant } : {}) });
    this.irName.set(i, name);
    this.fileTensorNames.add(name);
  }

  // ---- operator inputs and outputs ----------------------------------------------------------

  inputIndex(ctx: TfliteOpContext, k: number): number {
    return ctx.op.inputs[k] ?? -1;
  }

  hasInput(ctx: TfliteOpContext, k: number): boolean {
    return this.inputIndex(ctx, k) >= 0;
  }

  /** IR name of required input k; it must be a constant, a graph input or an earlier op's output. */
  input(ctx: TfliteOpContext, k: number, what = `input ${k}`): string {
    const i = this.inputIndex(ctx, k);
    if (i < 0) this.fail(ctx, `required ${what} is missing`);
    this.rawTensor(i, `${ctx.source}, ${what}`);
    if (!this.irName.has(i) && !this.isConstantInput(i)) {
      this.fail(ctx, `${what} (${this.tensorWhere(i)}) is read before any operator writes it`);
    }
    return this.tensor(i, `${ctx.source}, ${what}`);
  }

  /** IR name of optional input k, or '' when absent (-1 or past the end). */
  optionalInput(ctx: TfliteOpContext, k: number, what = `input ${k}`): string {
    return this.hasInput(ctx, k) ? this.input(ctx, k, what) : '';
  }

  /** The constant data of input k, or a clear error when it is computed at run time. */
  constInput(ctx: TfliteOpContext, k: number, what: string): TfliteConstant {
    const i = this.inputIndex(ctx, k);
    if (i < 0) this.fail(ctx, `required ${what} (input ${k}) is missing`);
    const c = this.constant(i, `${ctx.source}, ${what}`);
    if (!c) this.unsupported(ctx, `non-constant ${what} (${this.tensorWhere(i)})`);
    return c;
  }

  constInts(ctx: TfliteOpContext, k: number, what: string): number[] {
    const c = this.constInput(ctx, k, what);
    if (c.dtype !== 's32' && c.dtype !== 'i64') this.fail(ctx, `${what} must be int32 or int64, got ${c.dtype}`);
    return Array.from(c.data as ArrayLike<number | bigint>, (v) => Number(v));
  }

  private outputIndex(ctx: TfliteOpContext, k: number): number {
    const i = ctx.op.outputs[k] ?? -1;
    if (i < 0) this.fail(ctx, `output ${k} is missing`);
    this.rawTensor(i, `${ctx.source}, output ${k}`);
    const writer = this.writtenBy.get(i);
    if (writer !== undefined && writer !== ctx.op.index) this.fail(ctx, `output ${this.tensorWhere(i)} is also written by operator ${writer}`);
    if (this.g.inputs.includes(this.irName.get(i) ?? '\0')) this.fail(ctx, `output ${this.tensorWhere(i)} is a graph input`);
    if (this.isConstantInput(i)) this.fail(ctx, `output ${this.tensorWhere(i)} has constant data`);
    this.writtenBy.set(i, ctx.op.index);
    return i;
  }

  /** IR name of output k (created from the file's declaration). */
  output(ctx: TfliteOpContext, k: number): string {
    return this.tensor(this.outputIndex(ctx, k), `${ctx.source}, output ${k}`);
  }

  shape(name: string): number[] {
    return this.g.tensor(name).shape;
  }

  dtype(name: string): DType {
    return this.g.tensor(name).dtype;
  }

  // ---- nodes --------------------------------------------------------------------------------

  private nodeName(base: string): string {
    let name = base;
    for (let n = 1; this.nodeNames.has(name); n++) name = `${base}_${n}`;
    this.nodeNames.add(name);
    return name;
  }

  /**
   * Appends one IR node, infers its output shape and checks it against the shape the file declares
   * for that output (temporaries, which have no declaration, just take the inferred shape).
   */
  emit<K extends OpName>(ctx: TfliteOpContext, op: K, inputs: string[], output: string, attrs: AttrsByOp[K]): Node<K> {
    const out = this.g.tensor(output);
    const declared = out.shape;
    const isTemp = !this.isFileTensor(output);
    const node: Node<K> = {
      op,
      name: this.nodeName(`op${ctx.op.index}_${ctx.opName.toLowerCase()}${isTemp ? `_${op}` : ''}`),
      inputs,
      outputs: [output],
      attrs,
      source: ctx.source,
    };
    this.g.nodes.push(node as Node);
    inferNodeShapes(this.g, node as Node);
    if (!isTemp && (out.shape.length !== declared.length || out.shape.some((d, j) => d !== declared[j]))) {
      this.fail(ctx, `${op} computes output shape [${out.shape}] but the file declares [${declared}] for '${output}'`);
    }
    return node;
  }

  /** True for IR tensors that stand for a TFLite tensor (false for importer temporaries). */
  private isFileTensor(name: string): boolean {
    return this.fileTensorNames.has(name);
  }

  // ---- the whole model ----------------------------------------------------------------------

  opContext(op: TfliteOperator): TfliteOpContext {
    const code = this.model.operatorCodes[op.opcodeIndex];
    if (!code) {
      throw new ConvertError(`TFLite operator ${op.index}: opcode_index ${op.opcodeIndex} out of range (model has ${this.model.operatorCodes.length} operator codes)`);
    }
    const opName = code.builtinCode === CUSTOM ? (code.customCode ?? '(unnamed custom op)') : builtinName(code.builtinCode);
    return { op, opName, source: `TFLite ${opName} (operator ${op.index})` };
  }

  /** Fails on the first operator Mote cannot lower, naming every other unsupported op as well. */
  checkSupported(): void {
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const op of this.model.main.operators) {
      const code = this.model.operatorCodes[op.opcodeIndex];
      if (!code) this.opContext(op); // throws the out-of-range error
      if (code.builtinCode === CUSTOM) {
        const n = code.customCode ?? '(unnamed)';
        if (!seen.has(n)) problems.push(`'${n}' (custom, operator ${op.index})`);
        seen.add(n);
      } else if (!lowerings[code.builtinCode]) {
        const n = builtinName(code.builtinCode);
        if (!seen.has(n)) problems.push(`'${n}' (builtin ${code.builtinCode}, operator ${op.index})`);
        seen.add(n);
      }
    }
    if (problems.length === 1) throw new ConvertError(`unsupported TFLite op ${problems[0]}`);
    if (problems.length > 1) throw new ConvertError(`unsupported TFLite op ${problems[0]}; also unsupported: ${problems.slice(1).join(', ')}`);
  }

  run(): void {
    const sub = this.model.main;
    this.checkSupported();
    for (const i of sub.inputs) {
      const where = `graph input ${this.tensorWhere(i)}`;
      this.rawTensor(i, where);
      if (this.isConstantInput(i)) throw new ConvertError(`${where} has constant data`);
      const name = this.tensor(i, where);
      if (this.g.inputs.includes(name)) throw new ConvertError(`${where} is listed twice`);
      this.g.inputs.push(name);
    }
    for (const op of sub.operators) {
      const ctx = this.opContext(op);
      const code = this.model.operatorCodes[op.opcodeIndex];
      try {
        lowerings[code.builtinCode]!(this, ctx);
      } catch (e) {
        if (e instanceof ConvertError) throw e;
        // A defect no check anticipated: still name the operator rather than surface a bare TypeError.
        throw new ConvertError(`${ctx.source}: cannot import (${(e as Error)?.message ?? String(e)})`);
      }
    }
    for (const i of sub.outputs) {
      const where = `graph output ${this.tensorWhere(i)}`;
      this.rawTensor(i, where);
      const name = this.irName.get(i);
      if (name === undefined) throw new ConvertError(`${where} is not written by any operator`);
      if (this.g.isConstant(name)) throw new ConvertError(`${where} is a constant (every operator producing it was folded at import); not supported`);
      this.g.outputs.push(name);
    }
    if (this.g.outputs.length === 0) throw new ConvertError('TFLite subgraph 0 has no outputs');
    this.g.removeUnusedTensors();
  }
}

/** Imports a .tflite model (subgraph 0) as a Mote IR graph. Throws ConvertError on bad input. */
export function importTflite(bytes: Uint8Array, name?: string): Graph {
  let model: TfliteModel;
  try {
    model = readTfliteModel(bytes);
  } catch (e) {
    if (e instanceof ConvertError) throw e;
    throw new ConvertError(`corrupt TFLite file: ${(e as Error)?.message ?? String(e)}`);
  }
  const im = new TfliteImporter(model);
  im.run();
  const g = im.g;
  refuseIndexConsumers(g);
  g.meta = {
    sourceFormat: 'tflite',
    sourceHash: createHash('sha256').update(bytes).digest('hex'),
    ...(name !== undefined ? { sourceName: name } : {}),
    ...(model.description ? { description: model.description } : {}),
    tfliteSchemaVersion: model.version,
  };
  return g;
}
