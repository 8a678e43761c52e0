// The whole pipeline on a real ONNX model. f32: mnist-8 converted to an f32 blob runs on both WASM
// builds and reproduces the model zoo's reference outputs (ONNX runner tolerances rtol 1e-3,
// atol 1e-5 on logits) and the reference interpreter on the converted graph (1e-4 of the largest
// logit: f32 vs f64 accumulation). int8: the
// quantizer's graph (calibrated on MNIST test images) runs bit-exact with the reference
// interpreter's int8 kernels on both builds. Needs ../shared.
import { readFileSync } from 'node:fs';
import { describe, expect, it, beforeAll } from 'vitest';
import onnxProto from 'onnx-proto';
import { convert } from '../converter/convert.js';
import { readIdx } from '../converter/data/idx.js';
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
        // The reference accumulates in f64, the runtime in f32: over three layers fed raw 0..255
        // pixels the f32 rounding reaches ~1e-5 of the largest logit, so allow 1e-4 of it.
        const scale = Math.max(1, ...Array.from(ref, Math.abs));
        expect(y.length).toBe(want.length);
        for (let i = 0; i < want.length; i++) {
          expect(Math.abs(y[i] - want[i]), `${build} set ${s} logit ${i}`).toBeLessThanOrEqual(1e-5 + 1e-3 * Math.abs(want[i]));
          expect(Math.abs(y[i] - ref[i]), `${build} set ${s} logit ${i} vs reference`).toBeLessThanOrEqual(1e-4 * scale);
        }
      }
    }
  });

  it('int8: both builds equal the reference interpreter on the quantized graph, byte for byte', async () => {
    const images = readIdx(readFileSync(sharedPath('datasets/mnist/t10k-images-idx3-ubyte.gz')), 'mnist images');
    const pixels = 28 * 28;
    const image = (i: number) => Float32Array.from(images.data.subarray(i * pixels, (i + 1) * pixels) as ArrayLike<number>);
    const calibration = Array.from({ length: 32 }, (_, i) => [image(i)]);
    const { graph, blob } = convert(readFileSync(sharedPath('onnx_mnist8/model.onnx')), 'model.onnx', { precision: 'int8', calibration });
    const models = await Promise.all(BUILDS.map(async (b) => (await freshRuntime(b)).load(blob)));
    const { dtype, scale, zeroPoint } = models[0].inputs[0];
    expect(dtype).toBe('s8');
    // The graph input is s8: quantize the pixels with its parameters (any rounding will do, both
    // sides get the same bytes).
    const quantize = (v: Float32Array) => Int8Array.from(v, (p) => Math.max(-128, Math.min(127, Math.round(p / scale) + zeroPoint)));
    for (let i = 100; i < 140; i++) {
      const x = quantize(image(i));
      const [ref] = runGraph(graph, [x]);
      for (const [k, m] of models.entries()) {
        const [y] = m.run([x]);
        expect(Array.from(y), `${BUILDS[k]} image ${i}`).toEqual(Array.from(ref as ArrayLike<number>));
      }
    }
  });
});
