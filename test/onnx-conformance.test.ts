// ONNX backend node tests (../shared/models/onnx_node) through import + optimize, then the reference
// interpreter AND the blob on both WASM builds (SIMD and scalar), against the outputs ONNX ships with
// each test (rtol 1e-3, atol 1e-7, the ONNX runner's defaults). Tests Mote cannot import (an op it does not support, a non-float dtype) are
// listed as skipped with the reason; every imported one must match. Also mnist-8 end to end.
//
// Node tests feed weights, shapes and bounds as graph inputs. Mote needs those constant, so when a
// plain import fails, the loader (support/onnx-node.ts) retries with every input but the first
// frozen into an initializer (their values are the test's own input_N.pb), the form a real exported
// model has.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emitBlob } from '../converter/emit/index.js';
import { planMemory } from '../converter/plan/index.js';
import type { MoteTypedArray } from '../host/runtime.js';
import { BUILDS, ensureWasmBuilt, freshRuntime } from './runtime-harness.js';
import { importOnnx } from '../converter/import/onnx.js';
import type { DecodedTensor } from '../converter/import/onnx-tensor.js';
import type { TensorData } from '../converter/ir/graph.js';
import { validateGraph } from '../converter/ir/validate.js';
import { optimize } from '../converter/passes/index.js';
import { runGraph } from '../converter/reference/interpreter.js';
import {
  type SupportedNodeTest as Supported, type UnsupportedNodeTest as Unsupported, nodeTestDirs, prepareNodeTest as prepare, readTensor,
} from './support/onnx-node.js';
import { haveShared, noticeIfNoShared, sharedPath } from './support/shared.js';

const RTOL = 1e-3;
const ATOL = 1e-7;

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

const dirs = nodeTestDirs();

describe.skipIf(!haveShared)('ONNX node conformance', () => {
  noticeIfNoShared('ONNX conformance tests');
  beforeAll(async () => {
    await ensureWasmBuilt();
  }, 180_000);
  const prepared = dirs.map((dir) => prepare(dir));
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
  const notOnWasm: string[] = [];
  afterAll(() => {
    console.log(
      `[onnx-conformance] supported ${supported.length}, passed ${passed.length} (reference interpreter and both WASM builds), failed ${supported.length - passed.length}, unsupported ${unsupported.length}`,
    );
    if (notOnWasm.length) console.log(`[onnx-conformance] reference only (zero-sized tensors cannot be planned): ${notOnWasm.join(', ')}`);
  });

  for (const p of prepared) {
    if ('reason' in p) {
      it.skip(`${p.dir} — unsupported: ${p.reason}`, () => {});
      continue;
    }
    it(p.dir, async () => {
      optimize(p.graph);
      validateGraph(p.graph);
      expect(p.graph.nodes.some((n) => n.op === 'batch_norm')).toBe(false);
      const outputs = runGraph(p.graph, p.inputs);
      expect(outputs.length).toBe(p.expected.length);
      outputs.forEach((o, i) => compare(o, p.expected[i], `${p.dir} output ${i}`));
      const empty = [...p.graph.tensors.values()].find((t) => t.shape.includes(0));
      if (empty) {
        // A blob holds no zero-sized tensor: the planner refuses it plainly, naming the tensor.
        expect(() => planMemory(p.graph)).toThrow(/every dim must be a positive integer/);
        notOnWasm.push(`${p.dir} ('${empty.name}' [${empty.shape}])`);
      } else {
        const blob = emitBlob(p.graph, planMemory(p.graph));
        for (const build of BUILDS) {
          const model = (await freshRuntime(build)).load(blob);
          const wasmOut = model.run(p.inputs as MoteTypedArray[]);
          expect(wasmOut.length).toBe(p.expected.length);
          wasmOut.forEach((o, i) => compare(o as TensorData, p.expected[i], `${p.dir} output ${i} (${build} build)`));
        }
      }
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
