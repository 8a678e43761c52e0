// The peer runtimes the bench compares Mote with, checked against independent data so that the
// bench measures engines that compute the right thing:
// - TFLite 2.x wasm (both builds, loaded from @tensorflow/tfjs-tflite) must reproduce
//   tflm_refs/*/outputs_tflite_xnnpack.npy, which were made with this runtime: exactly.
// - ONNX Runtime (node and web/wasm) must reproduce mnist-8's reference outputs (ONNX test data).
// - The GEMM peak micro-loops must compute the int8 dot products a plain JS loop computes.
// No timing is asserted anywhere.
import { readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { tensorFromProto } from '../converter/import/onnx-tensor.js';
import { readNpy } from '../host/npy.js';
import { K, TILE_M, TILE_N, loadGemmPeak } from '../bench/gemm-peak/peak.js';
import { createOrtSession, type OrtKind } from './support/ort.js';
import { haveShared, noticeIfNoShared, sharedPath } from './support/shared.js';
import { fixQuantizedDimension, loadTfliteWasm, type TfliteRunner } from './support/tflite-wasm.js';

const { onnx } = onnxProto;

function npy(rel: string) {
  return readNpy(readFileSync(sharedPath(rel)), rel);
}

/** Rows [first, first+count) of a sample-major .npy array, as Int8Arrays. */
function rows(data: Int8Array, shape: number[], first: number, count: number): Int8Array[] {
  const size = shape.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: count }, (_, i) => data.slice((first + i) * size, (first + i + 1) * size));
}

describe.skipIf(!haveShared)('TFLite wasm peer (tfjs-tflite 0.0.1-alpha.10)', () => {
  noticeIfNoShared('TFLite wasm peer tests');
  const runners: TfliteRunner[] = [];
  afterAll(() => runners.forEach((r) => r.dispose()));

  for (const simd of [true, false]) {
    const build = simd ? 'SIMD' : 'non-SIMD';

    it(`${build}: hello_world_int8 over all 256 int8 codes equals outputs_tflite_xnnpack.npy`, async () => {
      const tfl = await loadTfliteWasm({ simd });
      const runner = tfl.createRunner(readFileSync(sharedPath('tflm/hello_world/hello_world_int8.tflite')));
      runners.push(runner);
      expect(runner.inputs).toEqual([expect.objectContaining({ dtype: 'int8', shape: [1, 1] })]);
      const x = npy('tflm_refs/hello_world_int8/inputs.npy');
      const want = npy('tflm_refs/hello_world_int8/outputs_tflite_xnnpack.npy');
      expect(x.shape).toEqual([256, 1]);
      const got = new Int8Array(256);
      for (let i = 0; i < 256; i++) got[i] = (runner.run([(x.data as Int8Array).subarray(i, i + 1)])[0] as Int8Array)[0];
      expect(Array.from(got)).toEqual(Array.from(want.data as Int8Array));
    });

    it(`${build}: KWS int8 on 8 eembc samples equals outputs_tflite_xnnpack.npy`, async () => {
      const tfl = await loadTfliteWasm({ simd });
      const runner = tfl.createRunner(readFileSync(sharedPath('mlperf_tiny/kws/kws_ref_model.tflite')));
      runners.push(runner);
      expect(runner.inputs[0]).toMatchObject({ dtype: 'int8', shape: [1, 49, 10, 1] });
      expect(runner.outputs[0]).toMatchObject({ dtype: 'int8', shape: [1, 12] });
      const x = npy('tflm_refs/kws_int8/inputs.npy');
      const want = npy('tflm_refs/kws_int8/outputs_tflite_xnnpack.npy');
      const first = 17; // any window of the 500 samples; not the first, to avoid a lucky start
      const xs = rows(x.data as Int8Array, x.shape, first, 8);
      const ys = rows(want.data as Int8Array, want.shape, first, 8);
      xs.forEach((xi, i) => expect(Array.from(runner.run([xi])[0])).toEqual(Array.from(ys[i])));
      // runInto (the bench's path) gives the same bytes as run.
      const into = new Int8Array(12);
      runner.runInto([xs[3]], [into]);
      expect(Array.from(into)).toEqual(Array.from(ys[3]));
    });
  }

  it('person_detect: refused as is (quantized_dimension 3); with the per-tensor dimension cleared it matches the XNNPACK bmp outputs', async () => {
    const tfl = await loadTfliteWasm({ simd: true });
    const original = readFileSync(sharedPath('tflm/person_detection/person_detect.tflite'));
    expect(() => tfl.createRunner(original)).toThrow(/quantized_dimension must be in range/);
    const fixed = fixQuantizedDimension(original);
    expect(fixed.patched).toBeGreaterThan(0);
    expect(fixed.bytes.length).toBe(original.length);
    const runner = tfl.createRunner(fixed.bytes);
    runners.push(runner);
    const x = npy('tflm_refs/person_detect_int8/bmp_inputs.npy');
    const want = npy('tflm_refs/person_detect_int8/bmp_outputs_tflite_xnnpack.npy');
    const xs = rows(x.data as Int8Array, x.shape, 0, 2);
    const ys = rows(want.data as Int8Array, want.shape, 0, 2);
    xs.forEach((xi, i) => expect(Array.from(runner.run([xi])[0])).toEqual(Array.from(ys[i])));
  });

  it('bad input: garbage model bytes and wrong input arrays give clear errors', async () => {
    const tfl = await loadTfliteWasm({ simd: true });
    expect(() => tfl.createRunner(new Uint8Array(64).fill(7))).toThrow(/tflite-wasm \(simd\): cannot create the interpreter/);
    expect(() => tfl.createRunner(new Uint8Array(0))).toThrow(/must be the bytes of a \.tflite file/);
    const runner = tfl.createRunner(readFileSync(sharedPath('tflm/hello_world/hello_world_int8.tflite')));
    runners.push(runner);
    expect(() => runner.run([new Float32Array(1)])).toThrow(/input 0 .* must be Int8Array\(1\)/);
    expect(() => runner.run([])).toThrow(/takes 1 input\(s\), got 0/);
  });
});

describe.skipIf(!haveShared)('ONNX Runtime peers (single-threaded)', () => {
  noticeIfNoShared('ONNX Runtime peer tests');
  const readPb = (rel: string) => tensorFromProto(onnx.TensorProto.decode(readFileSync(sharedPath(rel))), rel);

  for (const kind of ['node', 'web'] as OrtKind[]) {
    it(`onnxruntime-${kind}: mnist-8 reproduces the ONNX reference outputs of test sets 0..2`, async () => {
      const session = await createOrtSession(kind, readFileSync(sharedPath('onnx_mnist8/model.onnx')));
      try {
        for (let set = 0; set < 3; set++) {
          const x = readPb(`onnx_mnist8/test_data_set_${set}/input_0.pb`);
          const want = readPb(`onnx_mnist8/test_data_set_${set}/output_0.pb`).data as Float32Array;
          const [y] = (await session.run([{ data: x.data as Float32Array, shape: x.shape }])) as Float32Array[];
          expect(y.length).toBe(want.length);
          // mnist-8's logits reach ~1e3, so the tolerance is relative (ONNX runner rtol 1e-3).
          y.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1e-3 * Math.abs(want[i]) + 1e-4));
        }
      } finally {
        await session.release();
      }
    });
  }

  it('bad input: a non-ONNX file names the runtime and the problem', async () => {
    await expect(createOrtSession('node', new Uint8Array([1, 2, 3, 4]))).rejects.toThrow(/onnxruntime-node: cannot create a session/);
  });
});

describe('GEMM peak micro-loops (bench/gemm-peak)', () => {
  it('the SIMD (dot_i16x8_s) and scalar 4x2 tiles equal a plain int8 dot product', () => {
    const k = loadGemmPeak();
    let seed = 12345;
    const next = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) % 256 - 128; // full int8 range
    const a = Int8Array.from({ length: TILE_M * K }, next);
    const b = Int8Array.from({ length: TILE_N * K }, next);
    a[0] = -128; b[0] = -128; // the extreme product must not overflow the i16 pair sums
    k.setOperands(a, b);
    const want = new Int32Array(TILE_M * TILE_N);
    for (let m = 0; m < TILE_M; m++) {
      for (let n = 0; n < TILE_N; n++) {
        let s = 0;
        for (let i = 0; i < K; i++) s += a[m * K + i] * b[n * K + i];
        want[m * TILE_N + n] = s;
      }
    }
    const total = want.reduce((s, v) => (s + v) | 0, 0);
    expect(k.simd(3)).toBe(total);
    expect(Array.from(k.tile())).toEqual(Array.from(want));
    new Int32Array(k.memory.buffer, 8192, 8).fill(0);
    expect(k.scalar(2)).toBe(total);
    expect(Array.from(k.tile())).toEqual(Array.from(want));
  });

  it('rejects operands of the wrong size', () => {
    const k = loadGemmPeak();
    expect(() => k.setOperands(new Int8Array(3), new Int8Array(TILE_N * K))).toThrow(/A must be int8\[4\*K\]/);
  });
});
