// `mote eval` and host/data: accuracy on a tiny synthetic labelled set (.npy files written here) vs a
// hand count with plain-TS math, MSE for an autoencoder-like identity model vs a hand sum, clear
// errors for bad specs, and mnist-8 int8 on a 500-image subset (images 0..499 of t10k) vs the
// reference interpreter's predictions on the same int8 graph.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { convert } from '../converter/convert.js';
import { readIdx } from '../converter/data/idx.js';
import { emitBlob } from '../converter/emit/index.js';
import { Graph, type Node } from '../converter/ir/graph.js';
import { inferShapes } from '../converter/ir/shapes.js';
import { planMemory } from '../converter/plan/index.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { evalCommand } from '../host/cli/eval.js';
import { openDataset } from '../host/data/dataset.js';
import { argmax, evaluateBlob } from '../host/data/evaluate.js';
import { writeNpy } from '../host/npy.js';
import { haveShared, noticeIfNoShared, sharedPath } from './support/shared.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}

const K = 6, N = 4;
const r = rng(3);
const W = Float32Array.from({ length: N * K }, r);
const B = Float32Array.from({ length: N }, r);

function fcBlob(): Uint8Array {
  const g = new Graph();
  g.addTensor({ name: 'x', dtype: 'f32', shape: [1, K] });
  g.inputs.push('x');
  g.addTensor({ name: 'w', dtype: 'f32', shape: [N, K], data: W });
  g.addTensor({ name: 'b', dtype: 'f32', shape: [N], data: B });
  g.addTensor({ name: 'y', dtype: 'f32', shape: [] });
  g.nodes.push({ op: 'fully_connected', name: 'fc', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: {} } as Node);
  g.outputs.push('y');
  inferShapes(g);
  return emitBlob(g, planMemory(g));
}

const dir = join(tmpdir(), `mote-eval-${process.pid}`);
mkdirSync(dir, { recursive: true });

describe('mote eval on synthetic data', () => {
  const count = 40;
  const X = Float32Array.from({ length: count * K }, () => 4 * r());
  // labels: the true argmax for most samples, a wrong class for every 3rd
  const handPred = Array.from({ length: count }, (_, i) => {
    const y = Array.from({ length: N }, (_, n) => B[n] + Array.from({ length: K }, (_, k) => W[n * K + k] * X[i * K + k]).reduce((a, b) => a + b, 0));
    return y.indexOf(Math.max(...y));
  });
  const labels = BigInt64Array.from(handPred, (p, i) => BigInt(i % 3 === 0 ? (p + 1) % N : p));
  const handCorrect = handPred.filter((p, i) => Number(labels[i]) === p).length;
  writeFileSync(join(dir, 'x.npy'), writeNpy(X, [count, K]));
  writeFileSync(join(dir, 'y.npy'), writeNpy(labels, [count]));
  writeFileSync(join(dir, 'model.mote'), fcBlob());

  it('accuracy equals the hand count (both builds), --limit counts only the first N', async () => {
    const data = openDataset(`npy:${join(dir, 'x.npy')},${join(dir, 'y.npy')}`);
    for (const build of ['simd', 'scalar'] as const) {
      const res = await evaluateBlob(fcBlob(), data, { build });
      expect(res.correct).toBe(handCorrect);
      expect(res.predictions).toEqual(handPred);
    }
    const lim = await evaluateBlob(fcBlob(), data, { limit: 10 });
    expect(lim.samples).toBe(10);
    expect(lim.correct).toBe(handPred.slice(0, 10).filter((p, i) => Number(labels[i]) === p).length);
  });

  it('the command prints JSON with the same numbers', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
    try {
      await evalCommand(join(dir, 'model.mote'), { data: `npy:${join(dir, 'x.npy')},${join(dir, 'y.npy')}`, json: true, build: 'simd', metric: 'accuracy' });
    } finally {
      spy.mockRestore();
    }
    const j = JSON.parse(out.join(''));
    expect(j.correct).toBe(handCorrect);
    expect(j.accuracy).toBeCloseTo(handCorrect / count, 12);
  });

  it('mse metric: mean squared error vs targets equals a hand sum', async () => {
    const T = Float32Array.from({ length: count * N }, r);
    writeFileSync(join(dir, 't.npy'), writeNpy(T, [count, N]));
    const res = await evaluateBlob(fcBlob(), openDataset(`npy:${join(dir, 'x.npy')},${join(dir, 't.npy')}`), { metric: 'mse' });
    let hand = 0;
    for (let i = 0; i < count; i++) {
      let e = 0;
      for (let n = 0; n < N; n++) {
        let y = B[n];
        for (let k = 0; k < K; k++) y += W[n * K + k] * X[i * K + k];
        e += (y - T[i * N + n]) ** 2;
      }
      hand += e / N / count;
    }
    expect(res.mse!).toBeCloseTo(hand, 4);
  });

  it('kws01 layout: int8 .bin files + y_labels.csv, dequantized with ?scale&zp for a float model', async () => {
    const kdir = join(dir, 'kws');
    mkdirSync(kdir, { recursive: true });
    const scale = 0.05, zp = 3;
    const rows: string[] = [];
    let hand = 0;
    for (let i = 0; i < 12; i++) {
      const q = Int8Array.from({ length: K }, () => Math.round(100 * r()));
      writeFileSync(join(kdir, `s${i}.bin`), new Uint8Array(q.buffer));
      const x = Array.from(q, (v) => scale * (v - zp));
      const y = Array.from({ length: N }, (_, n) => B[n] + x.reduce((s, v, k) => s + W[n * K + k] * v, 0));
      const p = y.indexOf(Math.max(...y));
      const label = i % 4 === 0 ? (p + 1) % N : p;
      if (label === p) hand++;
      rows.push(`s${i}.bin,${N},${label}`);
    }
    writeFileSync(join(kdir, 'y_labels.csv'), rows.join('\n') + '\n');
    const res = await evaluateBlob(fcBlob(), openDataset(`kws01:${kdir}?scale=${scale}&zp=${zp}`));
    expect(res.correct).toBe(hand);
    await expect(evaluateBlob(fcBlob(), openDataset(`kws01:${kdir}`))).rejects.toThrow(/int8 data for a float model: give its quantization/);
    writeFileSync(join(kdir, 'y_labels.csv'), 's0.bin,4\n');
    expect(() => openDataset(`kws01:${kdir}`)).toThrow(/y_labels.csv:1: expected 'file,classes,label'/);
  });

  it('bad specs are clear errors naming the problem', async () => {
    expect(() => openDataset('foo')).toThrow(/expected mnist:IMAGES,LABELS/);
    expect(() => openDataset('csv:a')).toThrow(/unknown kind 'csv'/);
    expect(() => openDataset('npy:/nope.npy')).toThrow(/inputs '\/nope.npy' cannot be read: ENOENT/);
    expect(() => openDataset('kws01:/nope')).toThrow(/kws01 directory '\/nope' does not exist/);
    expect(() => openDataset(`npy:${join(dir, 'x.npy')}?scale=-1`)).toThrow(/option 'scale=-1'/);
    writeFileSync(join(dir, 'x3.npy'), writeNpy(new Float32Array(3 * 5), [3, 5]));
    await expect(evaluateBlob(fcBlob(), openDataset(`npy:${join(dir, 'x3.npy')}`), { metric: 'mse' })).rejects.toThrow(/sample 0: 5 values, the model input 'x' takes 6/);
  });
});

describe.skipIf(!haveShared)('mote eval on mnist-8 int8 (500 images of t10k)', () => {
  noticeIfNoShared('mote eval on mnist-8');
  it('predictions equal the reference interpreter on the int8 graph', async () => {
    const images = sharedPath('datasets/mnist/t10k-images-idx3-ubyte.gz');
    const labelsPath = sharedPath('datasets/mnist/t10k-labels-idx1-ubyte.gz');
    const img = readIdx(readFileSync(images));
    const lab = readIdx(readFileSync(labelsPath));
    const image = (i: number) => Float32Array.from((img.data as Uint8Array).subarray(i * 784, (i + 1) * 784));
    // calibration on images 9000.., evaluation on 0..499
    const res = convert(readFileSync(sharedPath('onnx_mnist8/model.onnx')), 'model.onnx', {
      precision: 'int8', calibration: Array.from({ length: 16 }, (_, i) => [image(9000 + i)]),
    });
    const ev = await evaluateBlob(res.blob, openDataset(`mnist:${images},${labelsPath}`), { limit: 500 });
    const g = res.graph;
    const qp = g.tensor(g.inputs[0]).quant!;
    const refPred: number[] = [];
    let refCorrect = 0;
    for (let i = 0; i < 500; i++) {
      const xq = Int8Array.from(image(i), (v) => Math.max(-128, Math.min(127, Math.round(v / qp.scale[0]) + qp.zeroPoint[0])));
      const p = argmax(runGraph(g, [xq])[0] as Int8Array);
      refPred.push(p);
      if (p === lab.data[i]) refCorrect++;
    }
    expect(ev.predictions).toEqual(refPred);
    expect(ev.correct).toBe(refCorrect);
    console.info(`[mote] mnist-8 int8 (minmax, 16 calibration images) on t10k 0..499: ${ev.correct}/500`);
  }, 60_000);
});
