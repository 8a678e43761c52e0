// `mote demo` (what `npm start` runs), spawned as a user would: its trained model must be a real
// classifier, int8 must stay close to float, the SIMD and scalar builds must agree bit for bit —
// and its claims are re-checked independently with ONNX Runtime on the files it wrote.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { readNpy } from '../host/npy.js';
import { ensureBuilt, mote, tempDir } from './support/mote-cli.js';

describe('mote demo', () => {
  const out = tempDir('demo');
  let summary: any;
  let seconds = 0;

  beforeAll(() => {
    ensureBuilt();
    const t0 = performance.now();
    const r = mote(['demo', '--out', out, '--json']);
    seconds = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`mote demo failed (${r.status}):\n${r.stderr}`);
    summary = JSON.parse(r.stdout);
  }, 600_000);

  it('finishes well under a minute', () => {
    expect(seconds).toBeLessThan(60);
  });

  it('trains a classifier that reaches >= 90% on its held-out set, and int8 stays within 2 pp', () => {
    expect(summary.f32.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(Math.abs(summary.int8.accuracy - summary.f32.accuracy)).toBeLessThanOrEqual(0.02);
    expect(summary.int8.sizeRatio).toBeGreaterThan(2.5);
  });

  it('SIMD and scalar builds are bit-identical for float32 and int8', () => {
    expect(summary.f32.simdScalarIdentical).toBe(true);
    expect(summary.int8.simdScalarIdentical).toBe(true);
    expect(summary.int8.scalarAccuracy).toBe(summary.int8.accuracy);
  });

  it("the written ONNX model and test set reproduce the demo's float accuracy in ONNX Runtime", async () => {
    const images = readNpy(readFileSync(join(out, 'test_images.npy')));
    const labels = readNpy(readFileSync(join(out, 'test_labels.npy')));
    const [n, , h, w] = images.shape;
    const session = await ort.InferenceSession.create(join(out, 'demo.onnx'));
    const data = images.data as Float32Array;
    const all = new Float32Array(n * 5);
    let right = 0;
    for (let i = 0; i < n; i++) {
      const x = new ort.Tensor('float32', data.slice(i * h * w, (i + 1) * h * w), [1, 1, h, w]);
      const y = (await session.run({ [session.inputNames[0]]: x }))[session.outputNames[0]].data as Float32Array;
      all.set(y, i * 5);
      let best = 0;
      for (let j = 1; j < y.length; j++) if (y[j] > y[best]) best = j;
      if (best === (labels.data as Uint8Array)[i]) right++;
    }
    // The f32 blob computes the same logits up to float rounding, so the same argmax on (nearly) all.
    expect(Math.abs(right / n - summary.f32.accuracy)).toBeLessThanOrEqual(1 / n + 1e-9);

    // And `mote run` on the demo's f32 blob agrees with ONNX Runtime to 1e-4.
    const r = mote(['run', join(out, 'demo.f32.mote'), '--input', join(out, 'test_images.npy'), '-o', join(out, 'y.npy')]);
    expect(r.status, r.stderr).toBe(0);
    const y = readNpy(readFileSync(join(out, 'y.npy'))).data as Float32Array;
    let maxDiff = 0;
    for (let i = 0; i < all.length; i++) maxDiff = Math.max(maxDiff, Math.abs(all[i] - y[i]));
    expect(maxDiff).toBeLessThan(1e-4);
  });
});
