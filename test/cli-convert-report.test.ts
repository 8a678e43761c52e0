// converter/convert.ts's report against independent sources: the blob's own header (read back by
// host/blob-reader.ts), the ONNX model's construction, and errors for bad options.
import { describe, expect, it } from 'vitest';
import { convert } from '../converter/convert.js';
import { initCnn } from '../converter/demo/cnn.js';
import { DEMO_CLASSES } from '../converter/demo/data.js';
import { cnnToOnnx } from '../converter/demo/export.js';
import { detectFormat } from '../converter/source.js';
import { readBlob } from '../host/blob-reader.js';
import { inspectBlob } from '../host/cli/inspect.js';

const params = initCnn({ size: 16, c1: 8, c2: 16, classes: DEMO_CLASSES.length }, 5);
const onnx = cnnToOnnx(params, DEMO_CLASSES);
const samples = Array.from({ length: 8 }, (_, k) => [Float32Array.from({ length: 256 }, (_, i) => ((i * 7 + k * 13) % 17) / 17)]);

describe('convert report', () => {
  for (const precision of ['f32', 'int8'] as const) {
    it(`${precision}: sizes, arena and MACs agree with the blob it emitted`, () => {
      const { blob, report } = convert(onnx, 'cnn.onnx', { precision, calibration: precision === 'int8' ? samples : undefined });
      const view = readBlob(blob);
      expect(report.blobBytes).toBe(blob.length);
      expect(report.weightBytes).toBe(view.header.weightsSize);
      expect(report.arenaBytes).toBe(view.arenaSize);
      expect(report.arenaLowerBound).toBe(view.arenaLowerBound);
      expect(report.arenaRatio).toBeCloseTo(view.arenaSize / view.arenaLowerBound, 12);
      // MACs from the converter's graph and from the blob's tensor records.
      expect(report.totalMacs).toBe(inspectBlob(view).totalMacs);
      expect(report.macs.map((m) => m.name)).toEqual(view.ops.map((o) => o.name));
      // The source summary matches how the model was built.
      expect(report.source).toMatchObject({ format: 'onnx', version: 13, preQuantized: false });
      expect(report.sourceOps).toEqual({ Conv: 2, BatchNormalization: 1, Relu: 2, MaxPool: 1, GlobalAveragePool: 1, Flatten: 1, Gemm: 1 });
      const weights = [params.w1, params.b1, params.gamma, params.beta, params.mean, params.variance, params.w2, params.b2, params.w3, params.b3];
      const count = weights.reduce((s, w) => s + w.length, 0);
      expect(report.parameters).toBe(count);
      expect(report.floatWeightBytes).toBe(4 * count);
      expect(report.sizeRatio).toBeCloseTo((4 * count) / view.header.weightsSize, 12);
      expect(report.inputs).toEqual([{ name: 'image', dtype: precision === 'int8' ? view.tensors[view.inputs[0]].dtypeName : 'f32', shape: [1, 1, 16, 16] }]);
      if (precision === 'int8') {
        expect(report.quantization?.samples).toBe(samples.length);
        expect(report.keptFloat).toEqual([]);
      }
    });
  }

  it('refuses int8 without calibration and unknown precisions, naming the problem', () => {
    expect(() => convert(onnx, 'cnn.onnx', { precision: 'int8' })).toThrow(/int8 conversion needs calibration samples/);
    expect(() => convert(onnx, 'cnn.onnx', { precision: 'f16' as never })).toThrow(/unknown precision 'f16'/);
  });

  it('tells TFLite from ONNX by content, not only by name', () => {
    const tflite = new Uint8Array(16);
    tflite.set([0x54, 0x46, 0x4c, 0x33], 4);
    expect(detectFormat(tflite, 'model.bin')).toBe('tflite');
    expect(detectFormat(onnx, 'model.bin')).toBe('onnx');
    expect(detectFormat(onnx, 'model.tflite')).toBe('tflite');
  });
});
