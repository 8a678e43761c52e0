// ONNX backend node tests (../shared/models/onnx_node) through import + optimize + the reference
// interpreter, against the outputs ONNX ships with each test (rtol 1e-3, atol 1e-7, the ONNX
// runner's defaults). Tests Mote cannot import (an op it does not support, a non-float dtype) are
// listed as skipped with the reason; every imported one must match. Also mnist-8 end to end.
//
// Node tests feed weights, shapes and bounds as graph inputs. Mote needs those constant, so when a
// plain import fails, the test retries with every input but the first frozen into an initializer
// (their values are the test's own input_N.pb), the form a real exported model has.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { ConvertError } from '../converter/errors.js';
import { importOnnx } from '../converter/import/onnx.js';
import { type DecodedTensor, tensorFromProto } from '../converter/import/onnx-tensor.js';
import type { Graph, TensorData } from '../converter/ir/graph.js';
import { validateGraph } from '../converter/ir/validate.js';
import { optimize } from '../converter/passes/index.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { haveShared, noticeIfNoShared, sharedPath } from './support/shared.js';

const { onnx } = onnxProto;
const RTOL = 1e-3;
const ATOL = 1e-7;

interface Supported {
  dir: string;
  graph: Graph;
  inputs: TensorData[];
  expected: DecodedTensor[];
  frozen: boolean;
}
interface Unsupported {
  dir: string;
  reason: string;
}

function readTensor(path: string): DecodedTensor {
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
function reasonKey(msg: string): string {
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

function prepare(dir: string): Supported | Unsupported {
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

  let graph: Graph;
  let frozen = false;
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
  const runtime = frozen ? inputs.slice(0, 1) : inputs;
  // Mote computes in float32: integer-typed activations (or outputs) are out of scope.
  if ([...runtime, ...expected].some((t) => t.dtype !== 'f32')) return { dir, reason: 'non-float dtype' };
  return { dir, graph, inputs: runtime.map((t) => t.data), expected, frozen };
}

function compare(actual: TensorData, expected: DecodedTensor, what: string): void {
  expect(actual.length, `${what}: element count`).toBe(expected.data.length);
  const e = expected.data as Float32Array;
  const a = actual as Float32Array;
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < e.length; i++) {
    if (Number.isNaN(e[i]) && Number.isNaN(a[i])) continue;
    if (e[i] === a[i]) continue;
    const excess = Math.abs(a[i] - e[i]) - (ATOL + RTOL * Math.abs(e[i]));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    expect.fail(`${what}: element ${worst} is ${a[worst]}, expected ${e[worst]} (rtol ${RTOL}, atol ${ATOL})`);
  }
}

const dirs = haveShared
  ? readdirSync(sharedPath('onnx_node'))
      .filter((d) => statSync(sharedPath(join('onnx_node', d))).isDirectory())
      .sort()
  : [];

describe.skipIf(!haveShared)('ONNX node conformance', () => {
  noticeIfNoShared('ONNX conformance tests');
  const prepared = dirs.map(prepare);
  const supported = prepared.filter((p): p is Supported => 'graph' in p);
  const unsupported = prepared.filter((p): p is Unsupported => 'reason' in p);
  const byReason = new Map<string, number>();
  for (const u of unsupported) byReason.set(u.reason, (byReason.get(u.reason) ?? 0) + 1);
  console.log(
    [
      `[onnx-conformance] ${dirs.length} tests: ${supported.length} supported, ${unsupported.length} unsupported`,
      `  supported: ${supported.map((s) => s.dir.replace(/^test_/, '') + (s.frozen ? '*' : '')).join(' ')}`,
      '  (* = weights/shape inputs frozen into initializers)',
      '  unsupported by reason:',
      ...[...byReason].sort((a, b) => b[1] - a[1]).map(([r, n]) => `    ${String(n).padStart(3)}  ${r}`),
    ].join('\n'),
  );

  const passed: string[] = [];
  afterAll(() => {
    console.log(
      `[onnx-conformance] supported ${supported.length}, passed ${passed.length}, failed ${supported.length - passed.length}, unsupported ${unsupported.length}`,
    );
  });

  for (const p of prepared) {
    if ('reason' in p) {
      it.skip(`${p.dir} — unsupported: ${p.reason}`, () => {});
      continue;
    }
    it(p.dir, () => {
      optimize(p.graph);
      validateGraph(p.graph);
      expect(p.graph.nodes.some((n) => n.op === 'batch_norm')).toBe(false);
      const outputs = runGraph(p.graph, p.inputs);
      expect(outputs.length).toBe(p.expected.length);
      outputs.forEach((o, i) => compare(o, p.expected[i], `${p.dir} output ${i}`));
      passed.push(p.dir);
    });
  }
});

describe.skipIf(!haveShared)('mnist-8 (ONNX model zoo)', () => {
  const dir = sharedPath('onnx_mnist8');
  for (const set of [0, 1, 2]) {
    it(`reproduces test_data_set_${set} after import + optimize`, () => {
      const g = importOnnx(readFileSync(join(dir, 'model.onnx')), 'mnist-8.onnx');
      optimize(g);
      validateGraph(g);
      // NCHW → NHWC is fully resolved: no transpose survives in this conv/pool/FC chain.
      expect(g.nodes.filter((n) => n.op === 'transpose')).toEqual([]);
      const x = readTensor(join(dir, `test_data_set_${set}`, 'input_0.pb'));
      const e = readTensor(join(dir, `test_data_set_${set}`, 'output_0.pb'));
      const [y] = runGraph(g, [x.data]);
      compare(y, e, `mnist-8 set ${set}`);
    });
  }
});
