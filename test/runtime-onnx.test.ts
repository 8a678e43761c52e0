// The whole float pipeline on a real ONNX model: mnist-8 converted to an f32 blob runs on both WASM
// builds and reproduces the model zoo's reference outputs (ONNX runner tolerances rtol 1e-3,
// atol 1e-5 on logits) and the reference interpreter on the converted graph (1e-5). Needs ../shared.
import { readFileSync } from 'node:fs';
import { describe, expect, it, beforeAll } from 'vitest';
import onnxProto from 'onnx-proto';
import { convert } from '../converter/convert.js';
import { tensorFromProto } from '../converter/import/onnx-tensor.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { haveShared, noticeIfNoShared, sharedPath } from './support/shared.js';
import { BUILDS, ensureWasmBuilt, freshRuntime } from './runtime-harness.js';

const { onnx } = onnxProto;

beforeAll(async () => {
  await ensureWasmBuilt();
}, 120_000);

function readPb(path: string): Float32Array {
  return tensorFromProto(onnx.TensorProto.decode(readFileSync(path)), path).data as Float32Array;
}

describe.skipIf(!haveShared)('runtime on ONNX mnist-8, f32 (needs ../shared)', () => {
  noticeIfNoShared('runtime mnist-8');
  it('both builds reproduce the zoo reference outputs and the reference interpreter', async () => {
    const { graph, blob } = convert(readFileSync(sharedPath('onnx_mnist8/model.onnx')), 'model.onnx', { precision: 'f32' });
    for (const build of BUILDS) {
      const model = (await freshRuntime(build)).load(blob);
      expect(model.inputs[0].dtype).toBe('f32');
      for (let s = 0; s < 3; s++) {
        const dir = sharedPath(`onnx_mnist8/test_data_set_${s}`);
        const x = readPb(`${dir}/input_0.pb`);
        const want = readPb(`${dir}/output_0.pb`);
        const [y] = model.run([x]) as Float32Array[];
        const [ref] = runGraph(graph, [x]) as Float32Array[];
        expect(y.length).toBe(want.length);
        for (let i = 0; i < want.length; i++) {
          expect(Math.abs(y[i] - want[i]), `${build} set ${s} logit ${i}`).toBeLessThanOrEqual(1e-5 + 1e-3 * Math.abs(want[i]));
          expect(Math.abs(y[i] - ref[i]), `${build} set ${s} logit ${i} vs reference`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(ref[i])));
        }
      }
    }
  });
});
