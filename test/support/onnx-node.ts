// Loading of the ONNX backend node tests (../shared/models/onnx_node), shared by the f32 and int8
// conformance tests: the model, its test_data_set_0 inputs and expected outputs, and the import.
//
// Node tests feed weights, shapes and bounds as graph inputs. Mote needs those constant, so when a
// plain import fails, the loader retries with every input but the first frozen into an initializer
// (their values are the test's own input_N.pb), the form a real exported model has. `freeze:
// 'always'` freezes them up front (the int8 test does so for Gemm/MatMul, whose B is a weight).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { ConvertError } from '../../converter/errors.js';
import { importOnnx } from '../../converter/import/onnx.js';
import { type DecodedTensor, tensorFromProto } from '../../converter/import/onnx-tensor.js';
import type { Graph, TensorData } from '../../converter/ir/graph.js';
import { haveShared, sharedPath } from './shared.js';

const { onnx } = onnxProto;

export interface SupportedNodeTest {
  dir: string;
  graph: Graph;
  /** The graph's runtime inputs (after freezing: the first input only). */
  inputs: TensorData[];
  expected: DecodedTensor[];
  frozen: boolean;
}
export interface UnsupportedNodeTest {
  dir: string;
  reason: string;
}
export type NodeTest = SupportedNodeTest | UnsupportedNodeTest;

export function readTensor(path: string): DecodedTensor {
  return tensorFromProto(onnx.TensorProto.decode(readFileSync(path)), path);
}

function listPb(dir: string, prefix: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.pb'))
    .sort((a, b) => Number(a.slice(prefix.length, -3)) - Number(b.slice(prefix.length, -3)))
    .map((f) => join(dir, f));
}

/** A short grouping key for an unsupported reason. */
export function reasonKey(msg: string): string {
  const op = /^unsupported ONNX op '([^']+)'/.exec(msg);
  if (op) return `op ${op[1]}`;
  if (/not supported \(float32 only\)|dtype|must be float32/.test(msg)) return 'non-float dtype';
  const attr = /unsupported (.+?) in ONNX op '([^']+)'/.exec(msg);
  if (attr) return `${attr[2]}: ${attr[1].replace(/\('.*?'\)/g, '').trim()}`;
  return msg.replace(/'[^']*'/g, "'…'").slice(0, 80);
}

/** Moves graph inputs 1.. into initializers holding the test's input data. */
function freezeWeights(bytes: Uint8Array, inputPbs: string[]): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph!;
  const initNames = new Set((graph.initializer ?? []).map((t) => t.name));
  const runtimeInputs = (graph.input ?? []).filter((vi) => !initNames.has(vi.name));
  runtimeInputs.forEach((vi, i) => {
    if (i === 0 || !inputPbs[i]) return;
    const t = onnx.TensorProto.decode(readFileSync(inputPbs[i]));
    t.name = vi.name ?? '';
    graph.initializer = [...(graph.initializer ?? []), t];
  });
  return onnx.ModelProto.encode(model).finish();
}

/** The ONNX op types of a node test's model. */
export function nodeTestOps(dir: string): string[] {
  const model = onnx.ModelProto.decode(readFileSync(join(sharedPath(join('onnx_node', dir)), 'model.onnx')));
  return [...new Set((model.graph?.node ?? []).map((n) => n.opType ?? ''))];
}

export interface PrepareOptions {
  /** 'on-failure' (default): freeze inputs 1.. only when the plain import fails; 'always': up front. */
  freeze?: 'on-failure' | 'always';
}

/** Loads and imports one node test (a fresh Graph each call). */
export function prepareNodeTest(dir: string, opts: PrepareOptions = {}): NodeTest {
  const path = sharedPath(join('onnx_node', dir));
  const bytes = readFileSync(join(path, 'model.onnx'));
  const inputPbs = listPb(join(path, 'test_data_set_0'), 'input_');
  const outputPbs = listPb(join(path, 'test_data_set_0'), 'output_');
  let inputs: DecodedTensor[];
  let expected: DecodedTensor[];
  try {
    inputs = inputPbs.map(readTensor);
    expected = outputPbs.map(readTensor);
  } catch (e) {
    return { dir, reason: e instanceof ConvertError ? reasonKey(e.message) : String(e) };
  }

  let graph: Graph | undefined;
  let frozen = false;
  if (opts.freeze === 'always' && inputPbs.length > 1) {
    try {
      graph = importOnnx(freezeWeights(bytes, inputPbs), dir);
      frozen = true;
    } catch (e) {
      if (!(e instanceof ConvertError)) throw e;
    }
  }
  if (!graph) {
    try {
      graph = importOnnx(bytes, dir);
    } catch (first) {
      if (!(first instanceof ConvertError)) throw first;
      try {
        graph = importOnnx(freezeWeights(bytes, inputPbs), dir);
        frozen = true;
      } catch (second) {
        if (!(second instanceof ConvertError)) throw second;
        return { dir, reason: reasonKey(second.message) };
      }
    }
  }
  const runtime = frozen ? inputs.slice(0, 1) : inputs;
  // Mote computes in float32: integer-typed activations (or outputs) are out of scope.
  if ([...runtime, ...expected].some((t) => t.dtype !== 'f32')) return { dir, reason: 'non-float dtype' };
  return { dir, graph, inputs: runtime.map((t) => t.data), expected, frozen };
}

/** Every node test directory, sorted (empty without ../shared). */
export function nodeTestDirs(): string[] {
  return haveShared
    ? readdirSync(sharedPath('onnx_node'))
        .filter((d) => statSync(sharedPath(join('onnx_node', d))).isDirectory())
        .sort()
    : [];
}
