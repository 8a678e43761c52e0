// The reference interpreter: runs a Graph node by node with the plain-TS reference kernels. It is
// the oracle the runtime is compared with, the engine of calibration (through `observe`) and of the
// importer's constant folding (through `evaluateNode`).
//
// Kernel choice per node: an s8 node (it has `int8` params, or its first input or output is s8)
// runs int8Kernels[op]; when int8Kernels has none and the op's float kernel is dtype-generic (data
// movement, quantize, dequantize), the float kernel runs it. An s16 node (first input or output s16)
// runs int16Kernels[op] (16x8), with the same dtype-generic fallback. Every other node runs floatKernels[op].
// `reshape` and `copy` are done here: the data is unchanged, only the shape is the declared one.
import { ConvertError } from '../errors.js';
import { type Graph, type Node, type Tensor, type TensorData, numel } from '../ir/graph.js';
import { dtypeGenericOps, floatKernels, outputShapeFns } from './float/index.js';
import { int16Kernels } from './int16/index.js';
import { int8Kernels } from './int8/index.js';
import { arrayKindOf, dataMatchesDtype, kernelError } from './tensor-util.js';
import type { RefKernel, RefValue } from './types.js';

export interface RunOptions {
  /** Called with every graph input and every tensor a node produces, in execution order. */
  observe?: (name: string, value: RefValue) => void;
}

/** True when the node runs in int8 arithmetic. */
export function isInt8Node(g: Graph, node: Node): boolean {
  if (node.int8) return true;
  const first = (names: string[]) => (names[0] ? g.tensors.get(names[0])?.dtype : undefined);
  return first(node.inputs) === 's8' || first(node.outputs) === 's8';
}

/** True when the node runs in 16x8 arithmetic (its first input or output is s16). */
export function isInt16Node(g: Graph, node: Node): boolean {
  const first = (names: string[]) => (names[0] ? g.tensors.get(names[0])?.dtype : undefined);
  return first(node.inputs) === 's16' || first(node.outputs) === 's16';
}

/** The reference kernel that runs `node`; an error naming op, node and dtype when there is none. */
export function kernelFor(g: Graph, node: Node): RefKernel {
  if (isInt16Node(g, node)) {
    const k16 = int16Kernels[node.op] ?? (dtypeGenericOps.has(node.op) ? floatKernels[node.op] : undefined);
    if (!k16) throw kernelError(node, `no int16 reference kernel for op '${node.op}'`);
    return k16;
  }
  const int8 = isInt8Node(g, node);
  const kernel = int8
    ? (int8Kernels[node.op] ?? (dtypeGenericOps.has(node.op) ? floatKernels[node.op] : undefined))
    : floatKernels[node.op];
  if (!kernel) {
    const dtype = g.tensors.get(node.inputs[0] ?? '')?.dtype ?? '?';
    throw kernelError(node, `no ${int8 ? 'int8' : 'float'} reference kernel for op '${node.op}' on ${dtype} input`);
  }
  return kernel;
}

/** A dim list is known when every dim is a non-negative integer (importers may mark unknown dims -1). */
function isKnownShape(shape: readonly number[]): boolean {
  return shape.every((d) => Number.isInteger(d) && d >= 0);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * The output tensors handed to the kernel: the declared ones, with the shape computed from the
 * inputs. `trustComputed` (constant folding) lets the computed shape replace a declared one that
 * is unknown or stale; otherwise a known declared shape must equal the computed one.
 */
function resolveOutputs(g: Graph, node: Node, inputs: (RefValue | undefined)[], trustComputed: boolean): Tensor[] {
  const declared = node.outputs.map((name) => g.tensor(name));
  if (node.op === 'reshape' || node.op === 'copy') {
    const x = inputs[0];
    if (!x) throw kernelError(node, 'input 0 (x) is missing');
    const shape = node.op === 'copy' ? x.shape : declared[0].shape;
    if (!isKnownShape(shape) || numel(shape) !== x.data.length) {
      throw kernelError(node, `cannot give [${shape}] to the ${x.data.length} elements of input [${x.shape}]`);
    }
    return [{ ...declared[0], shape: [...shape] }];
  }
  const shapeFn = outputShapeFns[node.op];
  if (!shapeFn) return declared;
  const computed = shapeFn(node, inputs.map((v) => v?.shape));
  return declared.map((t, i) => {
    const shape = computed[i] ?? t.shape;
    if (!trustComputed && isKnownShape(t.shape) && !sameShape(t.shape, shape)) {
      throw kernelError(node, `output '${t.name}' is declared [${t.shape}] but its inputs give [${shape}]`);
    }
    return { ...t, shape };
  });
}

/** Runs one node on the given values and checks what its kernel returns. */
function runNode(g: Graph, node: Node, inputs: (RefValue | undefined)[], trustComputed: boolean): RefValue[] {
  const outputs = resolveOutputs(g, node, inputs, trustComputed);
  let data: TensorData[];
  if (node.op === 'reshape' || node.op === 'copy') {
    const x = inputs[0] as RefValue;
    data = [node.op === 'copy' ? (x.data.slice() as TensorData) : x.data];
  } else {
    data = kernelFor(g, node)(node, inputs, outputs);
  }
  if (data.length !== outputs.length) {
    throw kernelError(node, `the kernel returned ${data.length} outputs, the node has ${outputs.length}`);
  }
  return outputs.map((t, i) => {
    const d = data[i];
    if (!dataMatchesDtype(d, t.dtype) || d.length !== numel(t.shape)) {
      throw kernelError(
        node,
        `the kernel returned ${d.constructor.name}(${d.length}) for output '${t.name}', expected ${arrayKindOf(t.dtype)}(${numel(t.shape)}) for ${t.dtype} [${t.shape}]`,
      );
    }
    return { data: d, shape: t.shape, dtype: t.dtype, quant: t.quant };
  });
}

/**
 * Evaluates one node on explicit input values (constant folding). Output shapes are computed from
 * the inputs where the op has a shape function, so the node's declared shapes may still be unknown.
 */
export function evaluateNode(g: Graph, node: Node, inputs: (RefValue | undefined)[]): RefValue[] {
  return runNode(g, node, inputs, true);
}

/** A constant's value, checked: its data must be the dtype's array kind and fill its shape exactly. */
function constantValue(t: Tensor): RefValue {
  const data = t.data as TensorData;
  if (!dataMatchesDtype(data, t.dtype) || data.length !== numel(t.shape)) {
    throw new ConvertError(
      `constant '${t.name}' holds ${data.constructor.name}(${data.length}), but ${t.dtype} [${t.shape}] needs ${arrayKindOf(t.dtype)}(${numel(t.shape)})`,
    );
  }
  return { data, shape: t.shape, dtype: t.dtype, quant: t.quant };
}

/** Checks the caller's inputs against the graph's declared inputs, naming the wrong one. */
function checkInputs(g: Graph, inputs: TensorData[]): RefValue[] {
  if (inputs.length !== g.inputs.length) {
    throw new ConvertError(`runGraph: the graph has ${g.inputs.length} inputs (${g.inputs.join(', ')}), got ${inputs.length}`);
  }
  return g.inputs.map((name, i) => {
    const t = g.tensor(name);
    const data = inputs[i];
    if (!data || !dataMatchesDtype(data, t.dtype)) {
      const got = data ? data.constructor.name : String(data);
      throw new ConvertError(`runGraph: input ${i} '${name}' must be ${t.dtype} (${arrayKindOf(t.dtype)}), got ${got}`);
    }
    if (!isKnownShape(t.shape)) throw new ConvertError(`runGraph: input ${i} '${name}' has no fixed shape ([${t.shape}])`);
    if (data.length !== numel(t.shape)) {
      throw new ConvertError(`runGraph: input ${i} '${name}' has shape [${t.shape}] (${numel(t.shape)} elements), got ${data.length} elements`);
    }
    return { data, shape: t.shape, dtype: t.dtype, quant: t.quant };
  });
}

/** The index of the last node reading each tensor, so values can be dropped once dead. */
function lastUses(g: Graph): Map<string, number> {
  const last = new Map<string, number>();
  g.nodes.forEach((n, i) => n.inputs.forEach((name) => name && last.set(name, i)));
  return last;
}

/** Runs the whole graph and returns the values of g.outputs, in order. */
export function runGraph(g: Graph, inputs: TensorData[], opts: RunOptions = {}): TensorData[] {
  const values = new Map<string, RefValue>();
  checkInputs(g, inputs).forEach((v, i) => {
    values.set(g.inputs[i], v);
    opts.observe?.(g.inputs[i], v);
  });
  const keep = new Set(g.outputs);
  const last = lastUses(g);
  const valueOf = (node: Node, name: string): RefValue | undefined => {
    if (name === '') return undefined;
    const v = values.get(name);
    if (v) return v;
    const t = g.tensors.get(name);
    if (t?.data) return constantValue(t);
    throw kernelError(node, `input '${name}' has no value yet (not a graph input, a constant or an earlier node's output)`);
  };
  g.nodes.forEach((node, index) => {
    const results = runNode(g, node, node.inputs.map((name) => valueOf(node, name)), false);
    node.outputs.forEach((name, i) => {
      opts.observe?.(name, results[i]);
      if (last.has(name) || keep.has(name)) values.set(name, results[i]);
    });
    // Drop values no later node reads (graph outputs stay).
    for (const name of node.inputs) if (last.get(name) === index && !keep.has(name)) values.delete(name);
  });
  return g.outputs.map((name) => {
    const v = values.get(name) ?? (g.tensors.get(name)?.data ? constantValue(g.tensor(name)) : undefined);
    if (!v) throw new ConvertError(`runGraph: graph output '${name}' was never produced`);
    return v.data;
  });
}
