// The compression search (`mote compress`): the Pareto front against an independent dominance
// check; on a small trained demo CNN, the search keeps its accuracy budget, and its recipe,
// re-applied with convert's `recipe` (what `mote convert --recipe` passes), reproduces the reported
// stored size, blob and validation accuracy measured here on the runtime directly; worker-thread and
// in-thread evaluation agree; the splits are disjoint; bad flags are usage errors.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseRecipe } from '../converter/compress/recipe.js';
import { paretoFront } from '../converter/compress/pareto.js';
import { EvalPool, Evaluator, type EvalSetup } from '../converter/compress/worker.js';
import { convert } from '../converter/convert.js';
import { initCnn, trainCnn } from '../converter/demo/cnn.js';
import { makeDataset } from '../converter/demo/data.js';
import { cnnToOnnx } from '../converter/demo/export.js';
import { argmax } from '../host/data/evaluate.js';
import { MoteRuntime } from '../host/runtime.js';
import { writeNpy } from '../host/npy.js';
import { compressCommand, splitIndices } from '../host/cli/compress.js';
import { CliError } from '../host/cli/errors.js';
import { convertCommand } from '../host/cli/convert.js';

function mulberry(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('Pareto front', () => {
  it('equals the brute-force non-dominated set on random points (with ties)', () => {
    const rnd = mulberry(7);
    for (let trial = 0; trial < 40; trial++) {
      const n = 1 + Math.floor(rnd() * 60);
      // Coarse values so that ties and duplicates happen.
      const pts = Array.from({ length: n }, () => ({ size: Math.floor(rnd() * 10), acc: Math.floor(rnd() * 10), lat: Math.floor(rnd() * 4) }));
      const front = new Set(paretoFront(pts, [
        { value: (p) => p.size, sense: 'min' },
        { value: (p) => p.acc, sense: 'max' },
        { value: (p) => p.lat, sense: 'min' },
      ]));
      // Independent: q dominates p iff no worse everywhere and different somewhere.
      const dom = (q: (typeof pts)[0], p: (typeof pts)[0]) =>
        q.size <= p.size && q.acc >= p.acc && q.lat <= p.lat && (q.size !== p.size || q.acc !== p.acc || q.lat !== p.lat);
      pts.forEach((p, i) => expect(front.has(i)).toBe(!pts.some((q) => dom(q, p))));
    }
  });

  it('two objectives: matches a sort-and-sweep staircase', () => {
    const rnd = mulberry(11);
    for (let trial = 0; trial < 30; trial++) {
      const pts = Array.from({ length: 50 }, () => ({ size: rnd(), acc: rnd() }));
      const front = paretoFront(pts, [{ value: (p) => p.size, sense: 'min' }, { value: (p) => p.acc, sense: 'max' }]).sort((a, b) => a - b);
      const order = pts.map((_, i) => i).sort((a, b) => pts[a].size - pts[b].size);
      const sweep: number[] = [];
      let bestAcc = -Infinity;
      for (const i of order) if (pts[i].acc > bestAcc) { sweep.push(i); bestAcc = pts[i].acc; }
      expect(front).toEqual(sweep.sort((a, b) => a - b));
    }
  });
});

describe('splits', () => {
  it('are disjoint, inside the data, and the interleaved calibration takes every (N/C)-th sample', () => {
    for (const mode of ['contiguous', 'interleaved'] as const) {
      const s = splitIndices(500, mode, 100);
      const all = [...s.calibration, ...s.validation, ...s.test];
      expect(new Set(all).size).toBe(all.length);
      expect(all.every((i) => i >= 0 && i < 500)).toBe(true);
      expect(s.calibration.length).toBe(100);
      expect(all.length).toBe(500);
      if (mode === 'interleaved') expect(s.calibration).toEqual(Array.from({ length: 100 }, (_, k) => 5 * k));
    }
    const c = splitIndices(1000, 'contiguous', 200, 300, 100);
    expect([c.validation[0], c.validation.length, c.test[0], c.test.length]).toEqual([200, 300, 500, 100]);
  });
});

describe('search on a trained demo CNN', () => {
  const size = 12, count = 360;
  let dir: string, onnx: Uint8Array, images: Float32Array, labels: Uint8Array;
  const x = (i: number) => images.slice(i * size * size, (i + 1) * size * size);

  beforeAll(() => {
    const p = initCnn({ size, c1: 6, c2: 12, classes: 5 }, 3);
    trainCnn(p, makeDataset(400, 1, size), { epochs: 4, batchSize: 32, learningRate: 0.01, seed: 2 });
    onnx = cnnToOnnx(p, ['a', 'b', 'c', 'd', 'e']);
    const data = makeDataset(count, 99, size);
    images = data.images;
    labels = data.labels;
    dir = mkdtempSync(join(tmpdir(), 'mote-compress-'));
    writeFileSync(join(dir, 'demo.onnx'), onnx);
    writeFileSync(join(dir, 'x.npy'), writeNpy(images, [count, 1, size, size]));
    writeFileSync(join(dir, 'y.npy'), writeNpy(Int32Array.from(labels), [count]));
  });

  it('worker-thread and in-thread evaluation give identical predictions', async () => {
    const setup: EvalSetup = { model: onnx, filename: 'demo.onnx', calibration: Array.from({ length: 16 }, (_, i) => [x(i)]), dataSpec: `npy:${join(dir, 'x.npy')},${join(dir, 'y.npy')}` };
    const jobs = [{ precision: 'int8' as const }, { precision: 'int8' as const, layerWeights: { conv2: { prune: 0.6, cluster: 4 } }, entropy: 'huffman' as const }, { precision: 'f32' as const }];
    const indices = Array.from({ length: 80 }, (_, i) => 100 + i);
    const single = new Evaluator(setup);
    const a = [];
    for (const options of jobs) a.push(await single.run({ options, indices }));
    const pool = new EvalPool(setup, 2);
    try {
      const b = await Promise.all(jobs.map((options) => pool.run({ options, indices })));
      for (let k = 0; k < jobs.length; k++) {
        expect(b[k].predictions).toEqual(a[k].predictions);
        expect(b[k].storedWeightBytes).toBe(a[k].storedWeightBytes);
      }
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('keeps the budget; the recipe reproduces size, blob and accuracy; CLI JSON shape', async () => {
    const out = join(dir, 'out');
    const writes: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { writes.push(String(s)); return true; });
    let result;
    try {
      result = await compressCommand(join(dir, 'demo.onnx'), {
        data: `npy:${join(dir, 'x.npy')},${join(dir, 'y.npy')}`, split: 'contiguous', calibCount: '40', valCount: '160',
        target: 'size', budget: '2', workers: '2', out, json: true,
      });
    } finally {
      spy.mockRestore();
    }
    const budget = 0.02;
    expect(result.best.val.accuracy).toBeGreaterThanOrEqual(result.float.val.accuracy - budget - 1e-9);
    expect(result.best.storedWeightBytes).toBeLessThanOrEqual(result.int8.storedWeightBytes);
    // Every verified candidate within the budget is at least as large as the answer.
    for (const c of result.candidates) if (c.options.precision === 'int8' && c.accuracy >= result.float.val.accuracy - budget) expect(c.storedWeightBytes).toBeGreaterThanOrEqual(result.best.storedWeightBytes);

    // Re-apply the written recipe the way `mote convert --recipe` does, and measure it here.
    const recipe = parseRecipe(readFileSync(join(out, 'best.recipe.json'), 'utf8'), 'best.recipe.json');
    const calibration = Array.from({ length: 40 }, (_, i) => [x(i)]);
    const r = convert(onnx, 'demo.onnx', { precision: 'int8', calibration, recipe });
    expect(r.report.storedWeightBytes).toBe(result.best.storedWeightBytes);
    expect(r.report.blobBytes).toBe(result.best.blobBytes);
    expect(Buffer.compare(Buffer.from(r.blob), readFileSync(join(out, 'best.mote')))).toBe(0);
    const m = (await MoteRuntime.create('simd')).load(r.blob);
    const q = m.inputs[0];
    let correct = 0;
    for (let i = 40; i < 200; i++) {
      const xi = Int8Array.from(x(i), (v) => Math.max(-128, Math.min(127, Math.round(v / q.scale) + q.zeroPoint)));
      if (argmax(m.run([q.dtype === 'f32' ? x(i) : xi])[0] as ArrayLike<number>) === labels[i]) correct++;
    }
    expect(correct).toBe(result.best.val.correct);
    // And through the CLI: `mote convert --recipe best.recipe.json --calibration cal.npy`.
    writeFileSync(join(dir, 'cal.npy'), writeNpy(images.slice(0, 40 * size * size), [40, 1, size, size]));
    const spyOut = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await convertCommand(join(dir, 'demo.onnx'), { output: join(dir, 'cli.mote'), precision: 'int8', calibration: [join(dir, 'cal.npy')], calibrationMethod: 'minmax', recipe: join(out, 'best.recipe.json'), json: true });
    } finally {
      spyOut.mockRestore();
    }
    expect(Buffer.compare(readFileSync(join(dir, 'cli.mote')), readFileSync(join(out, 'best.mote')))).toBe(0);
    expect(result.best.test.samples).toBe(count - 200);

    const json = JSON.parse(writes.join(''));
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['model', 'splits', 'sizeMeasure', 'float', 'int8', 'best', 'sensitivity', 'pareto', 'floatWeightBytes']));
    expect(json.splits).toEqual({ mode: 'contiguous', calibration: 40, validation: 160, test: count - 200 });
    expect(json.best.ratioVsFloat32).toBeCloseTo(json.floatWeightBytes / json.best.storedWeightBytes, 9);
    const front = JSON.parse(readFileSync(join(out, 'pareto.json'), 'utf8')).pareto;
    expect(front.length).toBeGreaterThan(0);
    const svg = readFileSync(join(out, 'pareto.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect((svg.match(/<circle /g) ?? []).length).toBeGreaterThanOrEqual(result.candidates.length - 1);
  }, 120_000);

  it('bad flags are usage errors naming the flag', async () => {
    const base = { data: `npy:${join(dir, 'x.npy')},${join(dir, 'y.npy')}`, split: 'contiguous', calibCount: '40', target: 'size', budget: '1', out: join(dir, 'bad') };
    await expect(compressCommand(join(dir, 'demo.onnx'), { ...base, target: 'speed' })).rejects.toThrow(/--target must be size or accuracy/);
    await expect(compressCommand(join(dir, 'demo.onnx'), { ...base, target: 'accuracy' })).rejects.toThrow(/--size-budget/);
    await expect(compressCommand(join(dir, 'demo.onnx'), { ...base, budget: 'x' })).rejects.toThrow(CliError);
    await expect(compressCommand(join(dir, 'demo.onnx'), { ...base, split: 'random' })).rejects.toThrow(/--split/);
    await expect(compressCommand(join(dir, 'demo.onnx'), { ...base, calibCount: '9999' })).rejects.toThrow(/--calib-count 9999/);
  });

  afterAll(() => {});
});
