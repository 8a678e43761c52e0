// MNIST end to end: the ONNX model zoo's mnist-8, imported and optimized, quantized to int8 with 200
// calibration images, then evaluated with the int8 reference kernels on the other 9,800 test images.
// Its accuracy must stay within 0.3 percentage points of the float model's on the same images
// (the float accuracy is measured here with ONNX Runtime; shared/models/README.md gives 9,692/9,800).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { readIdx } from '../converter/data/idx.js';
import type { Graph } from '../converter/ir/graph.js';
import { importOnnx } from '../converter/import/onnx.js';
import { optimize } from '../converter/passes/index.js';
import { quantize } from '../converter/passes/quantize/index.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { haveShared, noticeIfNoShared, sharedPath } from './support/shared.js';

const CALIBRATION = 200;
const PIXELS = 28 * 28;

function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

/** An idx file built byte by byte from the format's definition. */
function idxBytes(type: number, shape: number[], body: number[]): Uint8Array {
  const head = [0, 0, type, shape.length];
  for (const d of shape) head.push((d >>> 24) & 255, (d >>> 16) & 255, (d >>> 8) & 255, d & 255);
  return Uint8Array.from([...head, ...body]);
}

describe('idx reader', () => {
  it('reads u8 and big-endian s16 / f32 arrays, gzipped or not', () => {
    const u8 = idxBytes(0x08, [2, 3], [1, 2, 3, 250, 251, 252]);
    for (const bytes of [u8, gzipSync(u8)]) {
      const a = readIdx(bytes);
      expect(a.shape).toEqual([2, 3]);
      expect(Array.from(a.data)).toEqual([1, 2, 3, 250, 251, 252]);
    }
    expect(Array.from(readIdx(idxBytes(0x0b, [2], [0xff, 0xfe, 0x01, 0x00])).data)).toEqual([-2, 256]);
    expect(Array.from(readIdx(idxBytes(0x0d, [1], [0x3f, 0xc0, 0, 0])).data)).toEqual([1.5]);
  });
  it('names the problem in malformed input', () => {
    expect(() => readIdx(Uint8Array.from([1, 2]), 'f.idx')).toThrow(/f.idx: 2 bytes is too short/);
    expect(() => readIdx(idxBytes(0x07, [1], [0]), 'f.idx')).toThrow(/unknown idx element type 0x7/);
    expect(() => readIdx(idxBytes(0x08, [4], [1, 2]), 'f.idx')).toThrow(/f.idx: 10 bytes, expected 12 for u8 \[4\]/);
    expect(() => readIdx(Uint8Array.from([0x1f, 0x8b, 1, 2, 3]), 'f.gz')).toThrow(/f.gz: bad gzip data/);
    expect(() => readIdx(Uint8Array.from([9, 9, 8, 1, 0, 0, 0, 0]), 'f.idx')).toThrow(/not idx data/);
  });
});

describe.skipIf(!haveShared)('mnist-8 int8 (needs ../shared)', () => {
  noticeIfNoShared('mnist-8 int8 accuracy');
  let images: Uint8Array;
  let labels: Uint8Array;
  let count: number;
  const image = (i: number) => Float32Array.from(images.subarray(i * PIXELS, (i + 1) * PIXELS)); // raw 0–255, as the model expects

  beforeAll(() => {
    const img = readIdx(readFileSync(sharedPath('datasets/mnist/t10k-images-idx3-ubyte.gz')), 't10k-images');
    const lab = readIdx(readFileSync(sharedPath('datasets/mnist/t10k-labels-idx1-ubyte.gz')), 't10k-labels');
    images = img.data as Uint8Array;
    labels = lab.data as Uint8Array;
    count = img.shape[0];
  });

  it('reads the idx files as the README describes them', () => {
    expect(count).toBe(10000);
    expect(Array.from(labels.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
    const perClass = new Array(10).fill(0);
    for (const l of labels) perClass[l]++;
    expect(perClass).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  });

  it('int8 accuracy on 9,800 images is within 0.3 pp of float', async () => {
    const bytes = readFileSync(sharedPath('onnx_mnist8/model.onnx'));
    // Float accuracy with ONNX Runtime (fast; the reference interpreter agrees with it to 1e-4, see
    // the import tests).
    const session = await ort.InferenceSession.create(bytes);
    const inputName = session.inputNames[0];
    let floatCorrect = 0;
    for (let i = CALIBRATION; i < count; i++) {
      const out = await session.run({ [inputName]: new ort.Tensor('float32', image(i), [1, 1, 28, 28]) });
      if (argmax(out[session.outputNames[0]].data as Float32Array) === labels[i]) floatCorrect++;
    }
    expect(floatCorrect).toBe(9692); // the README's number for these 9,800 images

    const g: Graph = importOnnx(bytes, 'mnist-8');
    optimize(g);
    const samples = Array.from({ length: CALIBRATION }, (_, i) => [image(i)]);
    const report = quantize(g, { samples, method: 'minmax' });
    expect(report.keptFloat).toEqual([]);

    const q = g.tensor(g.inputs[0]).quant!;
    const [scale, zp] = [Math.fround(q.scale[0]), q.zeroPoint[0]];
    let int8Correct = 0;
    const x = new Int8Array(PIXELS);
    for (let i = CALIBRATION; i < count; i++) {
      for (let p = 0; p < PIXELS; p++) {
        const v = Math.round(Math.fround(images[i * PIXELS + p] / scale)) + zp;
        x[p] = v < -128 ? -128 : v > 127 ? 127 : v;
      }
      const [logits] = runGraph(g, [x]) as Int8Array[];
      if (argmax(logits) === labels[i]) int8Correct++;
    }
    const n = count - CALIBRATION;
    const drop = ((floatCorrect - int8Correct) / n) * 100;
    console.log(`[mote] mnist-8: float ${floatCorrect}/${n}, int8 ${int8Correct}/${n} (drop ${drop.toFixed(2)} pp)`);
    expect(Math.abs(drop)).toBeLessThanOrEqual(0.3);
  }, 300_000);
});
