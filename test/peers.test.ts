// The peer runtimes the bench compares Mote with, checked against independent data so that the
// bench measures engines that compute the right thing:
// - TFLite 2.x wasm (both builds, loaded from @tensorflow/tfjs-tflite) must reproduce
//   tflm_refs/*/outputs_tflite_xnnpack.npy, which were made with this runtime: exactly.
// - ONNX Runtime (node and web/wasm) must reproduce mnist-8's reference outputs (ONNX test data).
// - The bench's generated single-op .tflite files must mean what their spec says: TFLite runs them
//   within 1 LSB of a plain loop written from the op definitions (real-valued requantization), and
//   Mote's importer counts the MACs the spec does.
// - The GEMM peak micro-loops must compute the int8 dot products a plain JS loop computes.
// No timing is asserted anywhere.
import { readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { tensorFromProto } from '../converter/import/onnx-tensor.js';
import { readNpy } from '../host/npy.js';
import { K, TILE_M, TILE_N, loadGemmPeak } from '../bench/gemm-peak/peak.js';
import { SINGLE_OPS, buildSingleOp, sameOut, singleOpMacs, type SingleOpModel, type SingleOpSpec } from '../bench/synthetic/single-op.js';
import { importTflite } from '../converter/import/tflite.js';
import { nodeMacs } from '../converter/macs.js';
import { prepareInt8 } from '../converter/passes/quantize/index.js';
import { runGraph } from '../converter/reference/interpreter.js';
import type { TensorData } from '../converter/ir/graph.js';
import { sliceNode } from '../bench/profile.js';
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

/** conv / depthwise / fc on int8 data, NHWC, SAME padding (odd pixel at the end), real requantization. */
function naiveSingleOp(s: SingleOpSpec, m: SingleOpModel): Int8Array {
  const oh = sameOut(s.h, s.stride);
  const ow = sameOut(s.w, s.stride);
  const padTop = Math.floor(Math.max(0, (oh - 1) * s.stride + s.k - s.h) / 2);
  const padLeft = Math.floor(Math.max(0, (ow - 1) * s.stride + s.k - s.w) / 2);
  const x = (y: number, xx: number, c: number) => (y < 0 || y >= s.h || xx < 0 || xx >= s.w ? 0 : m.input[(y * s.w + xx) * s.c + c] - m.inZp);
  const requant = (acc: number, ch: number) => {
    const ws = m.weightScales[m.weightScales.length === 1 ? 0 : ch];
    const v = Math.round((acc * m.inScale * ws) / m.outScale) + m.outZp;
    return Math.max(-128, Math.min(127, v));
  };
  if (s.kind === 'fc') {
    return Int8Array.from({ length: s.o }, (_, o) => {
      let acc = m.bias[o];
      for (let i = 0; i < s.c; i++) acc += (m.input[i] - m.inZp) * m.weights[o * s.c + i];
      return requant(acc, o);
    });
  }
  const out = new Int8Array(oh * ow * s.o);
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      for (let o = 0; o < s.o; o++) {
        let acc = m.bias[o];
        for (let ky = 0; ky < s.k; ky++) {
          for (let kx = 0; kx < s.k; kx++) {
            const iy = oy * s.stride + ky - padTop;
            const ix = ox * s.stride + kx - padLeft;
            if (s.kind === 'conv') {
              for (let c = 0; c < s.c; c++) acc += x(iy, ix, c) * m.weights[((o * s.k + ky) * s.k + kx) * s.c + c];
            } else {
              acc += x(iy, ix, o) * m.weights[(ky * s.k + kx) * s.c + o];
            }
          }
        }
        out[(oy * ow + ox) * s.o + o] = requant(acc, o);
      }
    }
  }
  return out;
}

describe('generated single-op models (bench/synthetic)', () => {
  const picks = ['conv3x3_s2_48x48x3_o16', 'conv1x1_16x16x32_o64', 'dw3x3_s2_32x32x64', 'fc_640_o128'];
  for (const id of picks) {
    it(`${id}: TFLite wasm within 1 LSB of the op definition; importTflite counts the spec's MACs`, async () => {
      const spec = SINGLE_OPS.find((s) => s.id === id)!;
      const m = buildSingleOp(spec);
      const tfl = await loadTfliteWasm({ simd: true });
      const runner = tfl.createRunner(m.bytes);
      try {
        expect(runner.inputs[0]).toMatchObject({ dtype: 'int8', shape: m.inputShape });
        expect(runner.outputs[0]).toMatchObject({ dtype: 'int8', shape: m.outputShape });
        const got = runner.run([m.input])[0] as Int8Array;
        const want = naiveSingleOp(spec, m);
        let maxDiff = 0;
        let saturated = 0;
        for (let i = 0; i < want.length; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
          if (want[i] === 127 || want[i] === -128) saturated++;
        }
        expect(maxDiff).toBeLessThanOrEqual(1);
        expect(saturated / want.length).toBeLessThan(0.05); // outputs use the range, so the check has teeth
      } finally {
        runner.dispose();
      }
      const g = importTflite(m.bytes, `${id}.tflite`);
      expect(g.nodes.reduce((sum, node) => sum + nodeMacs(g, node), 0)).toBe(singleOpMacs(spec));
    });
  }
});

describe.skipIf(!haveShared)('per-op profile slices (bench/profile.ts)', () => {
  it('every one-node slice of KWS computes, on the reference interpreter, what that node computes inside the whole model', () => {
    const g = importTflite(readFileSync(sharedPath('mlperf_tiny/kws/kws_ref_model.tflite')), 'kws');
    prepareInt8(g);
    const x = npy('tflm_refs/kws_int8/inputs.npy');
    const seen = new Map<string, TensorData>();
    runGraph(g, [rows(x.data as Int8Array, x.shape, 0, 1)[0]], { observe: (name, v) => seen.set(name, v.data) });
    let checked = 0;
    for (const node of g.nodes) {
      const slice = sliceNode(g, node);
      expect(slice.nodes).toHaveLength(1);
      expect(slice.outputs).toEqual(node.outputs);
      const got = runGraph(slice, slice.inputs.map((name) => seen.get(name)!));
      node.outputs.forEach((name, i) => expect(Array.from(got[i] as Int8Array)).toEqual(Array.from(seen.get(name) as Int8Array)));
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(12);
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
