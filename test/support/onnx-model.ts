// A tiny ONNX model builder (onnx-proto) for tests, and the check that ONNX Runtime (the independent
// oracle) and Mote's import + optimize + reference interpreter agree on a model.
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { expect } from 'vitest';
import { ConvertError } from '../../converter/errors.js';
import { importOnnx } from '../../converter/import/onnx.js';
import { type Graph, numel } from '../../converter/ir/graph.js';
import { validateGraph } from '../../converter/ir/validate.js';
import { optimize } from '../../converter/passes/index.js';
import { runGraph } from '../../converter/reference/interpreter.js';

export const { onnx } = onnxProto;
export const FLOAT = 1;
export const INT8 = 3;
export const INT64 = 7;

export type AttrValue = { i: number } | { f: number } | { ints: number[] } | { floats: number[] } | { s: string };
export const ai = (i: number): AttrValue => ({ i });
export const af = (f: number): AttrValue => ({ f });
export const ais = (ints: number[]): AttrValue => ({ ints });
export const as = (s: string): AttrValue => ({ s });

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attrs?: Record<string, AttrValue>;
}
export interface ValueSpec {
  name: string;
  shape?: (number | string)[];
  type?: number;
}
export interface InitSpec {
  name: string;
  shape: number[];
  data: number[] | Float32Array;
  type?: number;
  /** Store floats in float_data instead of raw_data (both encodings must import). */
  typed?: boolean;
}
export interface ModelSpec {
  opset: number;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  inits?: InitSpec[];
  nodes: NodeSpec[];
}

function attrProto(name: string, v: AttrValue) {
  if ('i' in v) return { name, type: 2, i: v.i };
  if ('f' in v) return { name, type: 1, f: v.f };
  if ('ints' in v) return { name, type: 7, ints: v.ints };
  if ('floats' in v) return { name, type: 6, floats: v.floats };
  return { name, type: 3, s: new TextEncoder().encode(v.s) };
}

function valueInfo(v: ValueSpec) {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: v.type ?? FLOAT,
        shape: v.shape ? { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } : undefined,
      },
    },
  };
}

export function initProto(t: InitSpec) {
  const type = t.type ?? FLOAT;
  if (type === INT64) return { name: t.name, dims: t.shape, dataType: INT64, int64Data: Array.from(t.data) };
  if (t.typed) return { name: t.name, dims: t.shape, dataType: FLOAT, floatData: Array.from(t.data) };
  const f = Float32Array.from(t.data);
  return { name: t.name, dims: t.shape, dataType: FLOAT, rawData: new Uint8Array(f.buffer) };
}

export function buildModel(spec: ModelSpec): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: spec.opset }],
    producerName: 'mote-test',
    graph: {
      name: 'g',
      node: spec.nodes.map((n, i) => ({
        opType: n.op,
        name: n.name ?? `${n.op.toLowerCase()}_${i}`,
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attrProto(k, v)),
      })),
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
      initializer: (spec.inits ?? []).map(initProto),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Deterministic pseudo-random values in [lo, hi). */
export function values(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((hi - lo) * s) / 4294967296;
  });
}
export const init = (name: string, shape: number[], seed: number, lo = -1, hi = 1): InitSpec => ({ name, shape, data: values(numel(shape), seed, lo, hi) });

/** ORT and Mote (import + optimize + reference) on the same random inputs; returns the graph. */
export async function agreesWithOrt(spec: ModelSpec, tol = 1e-4): Promise<Graph> {
  const bytes = buildModel(spec);
  const feeds: Record<string, ort.Tensor> = {};
  const inputs = spec.inputs.map((v, i) => {
    const shape = v.shape!.map((d) => (typeof d === 'number' ? d : 1));
    const data = values(numel(shape), 100 + i, -2, 2);
    feeds[v.name] = new ort.Tensor('float32', data, shape);
    return data;
  });
  const session = await ort.InferenceSession.create(bytes);
  const want = await session.run(feeds);
  const g = importOnnx(bytes, 'test.onnx');
  validateGraph(g);
  optimize(g);
  validateGraph(g);
  expect(g.inputs).toEqual(spec.inputs.map((v) => v.name));
  expect(g.outputs).toEqual(spec.outputs.map((v) => v.name));
  const got = runGraph(g, inputs);
  spec.outputs.forEach((o, k) => {
    const e = want[o.name];
    expect([...g.tensor(o.name).shape]).toEqual([...e.dims]);
    const a = got[k] as Float32Array;
    const ed = e.data as Float32Array;
    expect(a.length).toBe(ed.length);
    for (let i = 0; i < ed.length; i++) {
      if (!(Math.abs(a[i] - ed[i]) <= tol * (1 + Math.abs(ed[i])))) expect.fail(`output '${o.name}'[${i}] = ${a[i]}, ORT ${ed[i]}`);
    }
  });
  return g;
}

export const ops = (g: Graph) => g.nodes.map((n) => n.op);

/** The ConvertError message importing the spec gives (fails when it imports). */
export function importError(spec: ModelSpec): string {
  try {
    importOnnx(buildModel(spec));
  } catch (e) {
    expect(e).toBeInstanceOf(ConvertError);
    return (e as Error).message;
  }
  throw new Error('expected a ConvertError');
}
