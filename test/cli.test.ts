// The `mote` command end to end (spawned like a user runs it), checked against ONNX Runtime:
// convert / run / inspect on a model the demo trainer makes, on mnist-8 from ../shared, and the
// error paths (clear message, non-zero exit, no stack trace).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { accuracy, initCnn, trainCnn } from '../converter/demo/cnn.js';
import { DEMO_CLASSES, makeDataset } from '../converter/demo/data.js';
import { cnnToOnnx, DEMO_INPUT, DEMO_OUTPUT } from '../converter/demo/export.js';
import { encodeOnnxModel } from '../converter/demo/onnx-build.js';
import { tensorFromProto } from '../converter/import/onnx-tensor.js';
import { readNpy, writeNpy } from '../host/npy.js';
import { parseProfile } from '../host/profile-format.js';
import { haveShared, noticeIfNoShared, sharedPath } from './support/shared.js';
import { ensureBuilt, hasStackTrace, mote, tempDir } from './support/mote-cli.js';

const { onnx } = onnxProto;
const CLASSES = DEMO_CLASSES.length;

beforeAll(() => ensureBuilt(), 600_000);

async function ortRun(model: Uint8Array | string, inputName: string, x: Float32Array, shape: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model as Uint8Array);
  const out = await session.run({ [inputName]: new ort.Tensor('float32', x, shape) });
  return out[session.outputNames[0]].data as Float32Array;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function argmaxRows(x: ArrayLike<number>, cols: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length / cols; r++) {
    let best = 0;
    for (let j = 1; j < cols; j++) if (x[r * cols + j] > x[r * cols + best]) best = j;
    out.push(best);
  }
  return out;
}

function readF32(path: string) {
  const a = readNpy(readFileSync(path), path);
  expect(a.dtype).toBe('f32');
  return { data: a.data as Float32Array, shape: a.shape };
}

describe('mote convert / run / inspect on a demo-trained CNN', () => {
  const dir = tempDir('cli-demo');
  const onnxPath = join(dir, 'cnn.onnx');
  const testPath = join(dir, 'test.npy');
  const calibDir = join(dir, 'calib');
  const test = makeDataset(64, 22);
  let onnxBytes: Uint8Array;

  beforeAll(() => {
    // A short training run: the test needs a real, non-trivial network, not a good one.
    const train = makeDataset(300, 21);
    const p = initCnn({ size: 16, c1: 8, c2: 16, classes: CLASSES }, 23);
    trainCnn(p, train, { epochs: 2, batchSize: 32, learningRate: 0.01, seed: 24 });
    onnxBytes = cnnToOnnx(p, DEMO_CLASSES);
    writeFileSync(onnxPath, onnxBytes);
    writeFileSync(testPath, writeNpy(test.images, [test.count, 1, 16, 16]));
    // Calibration as a directory: one batched file and single-sample files.
    mkdirSync(calibDir);
    const pix = 256;
    writeFileSync(join(calibDir, 'a_batch.npy'), writeNpy(train.images.slice(0, 40 * pix), [40, 1, 16, 16]));
    for (let i = 40; i < 50; i++) {
      writeFileSync(join(calibDir, `s${i}.npy`), writeNpy(train.images.slice(i * pix, (i + 1) * pix), [1, 1, 16, 16]));
    }
  });

  it('f32: convert, then run a batch; outputs match ONNX Runtime within 1e-4', async () => {
    const blob = join(dir, 'cnn.f32.mote');
    const c = mote(['convert', onnxPath, '-o', blob, '--precision', 'f32']);
    expect(c.stderr).toBe('');
    expect(c.status).toBe(0);
    expect(c.stdout).toMatch(/arena/);
    const r = mote(['run', blob, '--input', testPath, '-o', join(dir, 'y32.npy')]);
    expect(r.status, r.stderr).toBe(0);
    const y = readF32(join(dir, 'y32.npy'));
    expect(y.shape).toEqual([test.count, CLASSES]);
    const ref = new Float32Array(test.count * CLASSES);
    const session = await ort.InferenceSession.create(onnxBytes);
    for (let i = 0; i < test.count; i++) {
      const out = await session.run({ [DEMO_INPUT]: new ort.Tensor('float32', test.images.slice(i * 256, (i + 1) * 256), [1, 1, 16, 16]) });
      ref.set(out[DEMO_OUTPUT].data as Float32Array, i * CLASSES);
    }
    expect(maxAbsDiff(y.data, ref)).toBeLessThan(1e-4);

    // The scalar build gives the same bits.
    const s = mote(['run', blob, '--input', testPath, '-o', join(dir, 'y32s.npy'), '--build', 'scalar']);
    expect(s.status, s.stderr).toBe(0);
    expect(Buffer.from(readFileSync(join(dir, 'y32s.npy'))).equals(readFileSync(join(dir, 'y32.npy')))).toBe(true);
  });

  it('int8: --calibration DIR, run agrees with ONNX Runtime; --raw gives the int8 values behind the floats', async () => {
    const blob = join(dir, 'cnn.int8.mote');
    const c = mote(['convert', onnxPath, '-o', blob, '--precision', 'int8', '--calibration', calibDir, '--json']);
    expect(c.status, c.stderr).toBe(0);
    const report = JSON.parse(c.stdout);
    expect(report.precision).toBe('int8');
    // Float32 weights vs blob weights: int8 storage is about 4× smaller (biases stay 32-bit).
    expect(report.sizeRatio).toBeGreaterThan(2.5);
    expect(report.floatWeightBytes).toBe(report.parameters * 4);

    const r = mote(['run', blob, '--input', testPath, '-o', join(dir, 'y8.npy')]);
    expect(r.status, r.stderr).toBe(0);
    const y = readF32(join(dir, 'y8.npy'));
    const ref = new Float32Array(test.count * CLASSES);
    for (let i = 0; i < test.count; i++) {
      ref.set(await ortRun(onnxBytes, DEMO_INPUT, test.images.slice(i * 256, (i + 1) * 256), [1, 1, 16, 16]), i * CLASSES);
    }
    const same = argmaxRows(y.data, CLASSES).filter((c, i) => c === argmaxRows(ref, CLASSES)[i]).length;
    expect(same / test.count).toBeGreaterThanOrEqual(0.9);
    // Logit error of int8 is bounded by a fraction of the logit range.
    const range = Math.max(...ref) - Math.min(...ref);
    expect(maxAbsDiff(y.data, ref)).toBeLessThan(0.15 * range);

    // --raw: native output values; dequantizing them with the blob's output scale/zp gives the floats.
    const raw = mote(['run', blob, '--input', testPath, '-o', join(dir, 'y8raw.npy'), '--raw']);
    expect(raw.status, raw.stderr).toBe(0);
    const q = readNpy(readFileSync(join(dir, 'y8raw.npy')));
    const inspect = JSON.parse(mote(['inspect', blob, '--json']).stdout);
    const outT = inspect.tensors.find((t: { name: string }) => t.name === inspect.outputs[0]);
    if (outT.dtype === 's8') {
      expect(q.dtype).toBe('s8');
      const deq = Array.from(q.data as Int8Array, (v) => outT.scale * (v - outT.zeroPoint));
      expect(maxAbsDiff(deq, y.data)).toBeLessThan(1e-6);
    } else {
      expect(q.dtype).toBe('f32');
    }
  });

  it('int8 --keep-float leaves the named node in float32 and the blob still runs', () => {
    const blob = join(dir, 'cnn.keep.mote');
    const c = mote(['convert', onnxPath, '-o', blob, '--calibration', calibDir, '--keep-float', 'fc', '--json']);
    expect(c.status, c.stderr).toBe(0);
    const report = JSON.parse(c.stdout);
    expect(report.keptFloat.map((k: { name: string }) => k.name)).toEqual(['fc']);
    const inspect = JSON.parse(mote(['inspect', blob, '--json']).stdout);
    const fc = inspect.ops.find((o: { name: string }) => o.name === 'fc');
    expect(inspect.tensors.find((t: { name: string }) => t.name === fc.inputs[1]).dtype).toBe('f32');
    const r = mote(['run', blob, '--input', testPath, '-o', join(dir, 'ykeep.npy')]);
    expect(r.status, r.stderr).toBe(0);
    expect(readF32(join(dir, 'ykeep.npy')).shape).toEqual([test.count, CLASSES]);
    const bad = mote(['convert', onnxPath, '-o', blob, '--calibration', calibDir, '--keep-float', 'no_such_node']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/no_such_node/);
  });

  it('inspect --json: arena within 1.05× of the lower bound, conv/fc MACs by the closed form', () => {
    const r = mote(['inspect', join(dir, 'cnn.f32.mote'), '--json']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.header.crcOk).toBe(true);
    expect(j.arena.size).toBeLessThanOrEqual(1.05 * j.arena.lowerBound);
    const macsOf = (op: string) => j.ops.filter((o: { op: string }) => o.op === op).reduce((s: number, o: { macs: number }) => s + o.macs, 0);
    // conv1: 16·16 outputs × 8 channels × 3·3·1; conv2: 8·8 × 16 × 3·3·8; gemm: 16 × 5.
    expect(macsOf('conv2d')).toBe(16 * 16 * 8 * 9 + 8 * 8 * 16 * 9 * 8);
    expect(macsOf('fully_connected')).toBe(16 * CLASSES);
    // Every arena tensor fits in the arena.
    for (const p of j.plan) expect(p.offset + p.size).toBeLessThanOrEqual(j.arena.size);
    const human = mote(['inspect', join(dir, 'cnn.f32.mote')]);
    expect(human.status).toBe(0);
    expect(human.stdout).toMatch(/CRC 0x[0-9a-f]{8} ok/);
    expect(human.stdout).toMatch(/Arena plan/);
  });

  it('run --profile writes a per-op profile (docs/PROFILE.md) that mote energy reads', () => {
    const blob = join(dir, 'cnn.f32.mote');
    const prof = join(dir, 'profile.jsonl');
    const r = mote(['run', blob, '--input', testPath, '-o', join(dir, 'yprof.npy'), '--profile', prof, '--build', 'scalar']);
    expect(r.status, r.stderr).toBe(0);
    // Profiling runs op by op; the outputs are the same as a plain run.
    expect(Buffer.from(readFileSync(join(dir, 'yprof.npy'))).equals(readFileSync(join(dir, 'y32.npy')))).toBe(true);
    const profile = parseProfile(readFileSync(prof, 'utf8'));
    expect(profile.runs.length).toBe(test.count);
    const inspect = JSON.parse(mote(['inspect', blob, '--json']).stdout);
    for (const run of profile.runs) {
      expect(run.run).toMatchObject({ model: 'cnn.f32.mote', build: 'scalar', host: 'node' });
      expect(run.ops.map((o) => [o.op, o.name, o.macs])).toEqual(inspect.ops.map((o: { op: string; name: string; macs: number }) => [o.op, o.name, o.macs]));
      const sum = run.ops.reduce((t, o) => t + o.t_us, 0);
      expect(sum).toBeLessThanOrEqual(run.run.t_us);
    }
    const e = mote(['energy', '--profile', 'esp32s3', '--from', prof, '--json']);
    expect(e.status, e.stderr).toBe(0);
  });

  it('inspect --target and export c are wired into the command line', () => {
    const blob = join(dir, 'cnn.f32.mote');
    const j = mote(['inspect', blob, '--target', 'esp32s3', '--json']);
    expect(j.status, j.stderr).toBe(0);
    const budget = JSON.parse(j.stdout).ramBudget;
    expect(typeof budget.fits).toBe('boolean');
    const bad = mote(['inspect', blob, '--target', 'esp8266']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--target must be one of/);
    const header = join(dir, 'model.h');
    const e = mote(['export', 'c', blob, '-o', header]);
    expect(e.status, e.stderr).toBe(0);
    // The header's byte array holds the blob: its sha256 is in the header comment.
    const sha = createHash('sha256').update(readFileSync(blob)).digest('hex');
    expect(readFileSync(header, 'utf8')).toContain(sha);
  });

  it('run without -o prints the outputs; a 3-D input without the batch dim is accepted', () => {
    const one = join(dir, 'one.npy');
    writeFileSync(one, writeNpy(test.images.slice(0, 256), [1, 16, 16]));
    const r = mote(['run', join(dir, 'cnn.f32.mote'), '--input', one]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${DEMO_OUTPUT} \\[1, ${CLASSES}\\]`));
  });

  describe('errors: a clear message, a non-zero exit, no stack trace', () => {
    it('int8 without calibration exits 2', () => {
      const r = mote(['convert', onnxPath, '-o', join(dir, 'x.mote'), '--precision', 'int8']);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/int8 conversion needs calibration data/);
      expect(hasStackTrace(r.stderr)).toBe(false);
    });

    it('an unsupported ONNX op names the op and the node', () => {
      const bad = join(dir, 'unsupported.onnx');
      writeFileSync(
        bad,
        encodeOnnxModel({
          graphName: 'bad',
          inputs: [{ name: 'x', dims: [1, 4] }],
          outputs: [{ name: 'y', dims: [1, 4] }],
          initializers: [],
          nodes: [
            { op: 'Relu', name: 'ok', inputs: ['x'], outputs: ['h'] },
            { op: 'Tan', name: 'the_tan', inputs: ['h'], outputs: ['y'] },
          ],
        }),
      );
      const r = mote(['convert', bad, '-o', join(dir, 'bad.mote'), '--precision', 'f32']);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/Tan/);
      expect(r.stderr).toMatch(/the_tan/);
      expect(hasStackTrace(r.stderr)).toBe(false);
      expect(readdirSync(dir)).not.toContain('bad.mote');
      // With MOTE_DEBUG=1 the stack is shown.
      expect(hasStackTrace(mote(['convert', bad, '-o', join(dir, 'bad.mote'), '--precision', 'f32'], { MOTE_DEBUG: '1' }).stderr)).toBe(true);
    });

    it('a truncated or corrupted blob is rejected by inspect and run', () => {
      const whole = readFileSync(join(dir, 'cnn.f32.mote'));
      const cut = join(dir, 'cut.mote');
      writeFileSync(cut, whole.subarray(0, whole.length - 100));
      for (const args of [['inspect', cut], ['run', cut, '--input', testPath]]) {
        const r = mote(args);
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(/^mote: .*cut\.mote: header: total_size \d+ but the blob has only \d+ bytes/m);
        expect(hasStackTrace(r.stderr)).toBe(false);
      }
      const flipped = Buffer.from(whole);
      flipped[flipped.length - 200] ^= 0x55;
      const bad = join(dir, 'flipped.mote');
      writeFileSync(bad, flipped);
      const r = mote(['inspect', bad]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/flipped\.mote: .*CRC-32 .*does not match/);
      expect(hasStackTrace(r.stderr)).toBe(false);
    });

    it('a wrong input shape or dtype names the input', () => {
      const wrong = join(dir, 'wrong.npy');
      writeFileSync(wrong, writeNpy(new Float32Array(2 * 15 * 15), [2, 1, 15, 15]));
      const r = mote(['run', join(dir, 'cnn.f32.mote'), '--input', wrong]);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(new RegExp(`input '${DEMO_INPUT}'.*\\[2, 1, 15, 15\\].*\\[1, 1, 16, 16\\]`));
      expect(hasStackTrace(r.stderr)).toBe(false);

      const ints = join(dir, 'ints.npy');
      writeFileSync(ints, writeNpy(new Int16Array(256), [1, 1, 16, 16]));
      const blob = join(dir, 'cnn.int8.mote');
      const inspect = JSON.parse(mote(['inspect', blob, '--json']).stdout);
      const inT = inspect.tensors.find((t: { name: string }) => t.name === inspect.inputs[0]);
      if (inT.dtype === 's8') {
        const q = mote(['run', blob, '--input', ints]);
        expect(q.status).not.toBe(0);
        expect(q.stderr).toMatch(new RegExp(`input '${DEMO_INPUT}'.*int16.*float32`));
      }
    });

    it('missing files and bad options are reported plainly', () => {
      const r = mote(['convert', join(dir, 'nope.onnx'), '-o', join(dir, 'n.mote'), '--precision', 'f32']);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/model '.*nope\.onnx' does not exist/);
      const b = mote(['run', join(dir, 'cnn.f32.mote'), '--input', testPath, '--build', 'gpu']);
      expect(b.status).toBe(2);
      expect(b.stderr).toMatch(/--build must be simd or scalar/);
      const nowhere = mote(['convert', onnxPath, '-o', join(dir, 'no', 'such', 'dir', 'x.mote'), '--precision', 'f32']);
      expect(nowhere.status).toBe(1);
      expect(nowhere.stderr).toMatch(/cannot write '.*x\.mote': its directory does not exist/);
      const notOnnx = join(dir, 'garbage.onnx');
      writeFileSync(notOnnx, Buffer.from('this is not a protobuf at all \xff\xff\xff'));
      const g = mote(['convert', notOnnx, '-o', join(dir, 'g.mote'), '--precision', 'f32']);
      expect(g.status).toBe(1);
      expect(hasStackTrace(g.stderr)).toBe(false);
    });
  });
});

// ---- several inputs and outputs ----------------------------------------------------------------

describe('mote with two inputs and two outputs (NAME=PATH, -o DIR)', () => {
  const dir = tempDir('cli-multi');
  const onnxPath = join(dir, 'two.onnx');
  const n = 16;
  const a = Float32Array.from({ length: n * 8 }, (_, i) => Math.sin(i * 0.7) * 3);
  const b = Float32Array.from({ length: n * 8 }, (_, i) => Math.cos(i * 1.3) * 2);

  beforeAll(() => {
    writeFileSync(
      onnxPath,
      encodeOnnxModel({
        graphName: 'two',
        inputs: [{ name: 'a', dims: [1, 8] }, { name: 'b', dims: [1, 8] }],
        outputs: [{ name: 'sum', dims: [1, 8] }, { name: 'prod', dims: [1, 8] }],
        initializers: [],
        nodes: [
          { op: 'Add', name: 'add', inputs: ['a', 'b'], outputs: ['sum'] },
          { op: 'Mul', name: 'mul', inputs: ['a', 'b'], outputs: ['prod'] },
        ],
      }),
    );
    writeFileSync(join(dir, 'a.npy'), writeNpy(a, [n, 1, 8]));
    writeFileSync(join(dir, 'b.npy'), writeNpy(b, [n, 1, 8]));
  });

  it('f32: -o DIR writes NAME.npy per output, equal to a+b and a·b', () => {
    const blob = join(dir, 'two.f32.mote');
    expect(mote(['convert', onnxPath, '-o', blob, '--precision', 'f32']).status).toBe(0);
    const out = join(dir, 'out32');
    const r = mote(['run', blob, '--input', `b=${join(dir, 'b.npy')}`, '--input', `a=${join(dir, 'a.npy')}`, '-o', out + '/']);
    expect(r.status, r.stderr).toBe(0);
    const sum = readF32(join(out, 'sum.npy'));
    const prod = readF32(join(out, 'prod.npy'));
    expect(sum.shape).toEqual([n, 8]);
    expect(Array.from(sum.data)).toEqual(Array.from(a, (v, i) => Math.fround(v + b[i])));
    expect(Array.from(prod.data)).toEqual(Array.from(a, (v, i) => Math.fround(v * b[i])));
    // One output file for a two-output model is refused, naming the outputs.
    const one = mote(['run', blob, '--input', `a=${join(dir, 'a.npy')}`, '--input', `b=${join(dir, 'b.npy')}`, '-o', join(dir, 'y.npy')]);
    expect(one.status).toBe(2);
    expect(one.stderr).toMatch(/2 outputs \(sum, prod\): give -o DIR/);
  });

  it('int8: --calibration NAME=PATH per input; results within the quantization step', () => {
    const blob = join(dir, 'two.int8.mote');
    const missing = mote(['convert', onnxPath, '-o', blob, '--calibration', `a=${join(dir, 'a.npy')}`]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/no calibration data for input 'b'/);
    const c = mote(['convert', onnxPath, '-o', blob, '--calibration', `a=${join(dir, 'a.npy')}`, '--calibration', `b=${join(dir, 'b.npy')}`, '--json']);
    expect(c.status, c.stderr).toBe(0);
    const out = join(dir, 'out8');
    const r = mote(['run', blob, '--input', `a=${join(dir, 'a.npy')}`, '--input', `b=${join(dir, 'b.npy')}`, '-o', out + '/']);
    expect(r.status, r.stderr).toBe(0);
    const sum = readF32(join(out, 'sum.npy')).data;
    const prod = readF32(join(out, 'prod.npy')).data;
    // Calibrated ranges: |a| <= 3, |b| <= 2, so |a+b| <= 5 and |a·b| <= 6; each int8 tensor has a
    // step of at most range/255, and the error stays within a few steps of the inputs' and output's.
    for (let i = 0; i < a.length; i++) {
      expect(Math.abs(sum[i] - (a[i] + b[i]))).toBeLessThan(3 * (10 / 255));
      expect(Math.abs(prod[i] - a[i] * b[i])).toBeLessThan(3 * (12 / 255) + 3 * (6 / 255) * 3);
    }
  });
});

// ---- an ONNX QDQ model ---------------------------------------------------------------------------

describe('mote on an ONNX QDQ model (already quantized)', () => {
  const dir = tempDir('cli-qdq');
  const onnxPath = join(dir, 'qdq.onnx');
  let bytes: Uint8Array;

  beforeAll(() => {
    // x → QuantizeLinear → DequantizeLinear → MaxPool 2×2 → QuantizeLinear → DequantizeLinear → y:
    // the form ONNX Runtime's quantize_static writes.
    bytes = encodeOnnxModel({
      graphName: 'qdq',
      inputs: [{ name: 'x', dims: [1, 2, 4, 4] }],
      outputs: [{ name: 'y', dims: [1, 2, 2, 2] }],
      initializers: [
        { name: 's', dims: [], data: new Float32Array([0.05]) },
        { name: 'zp', dims: [], data: new Int8Array([3]) },
      ],
      nodes: [
        { op: 'QuantizeLinear', name: 'q1', inputs: ['x', 's', 'zp'], outputs: ['xq'] },
        { op: 'DequantizeLinear', name: 'dq1', inputs: ['xq', 's', 'zp'], outputs: ['xd'] },
        { op: 'MaxPool', name: 'pool', inputs: ['xd'], outputs: ['p'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
        { op: 'QuantizeLinear', name: 'q2', inputs: ['p', 's', 'zp'], outputs: ['pq'] },
        { op: 'DequantizeLinear', name: 'dq2', inputs: ['pq', 's', 'zp'], outputs: ['y'] },
      ],
    });
    writeFileSync(onnxPath, bytes);
  });

  it('converts without calibration, keeps int8, and matches ONNX Runtime on the same QDQ model', async () => {
    const blob = join(dir, 'qdq.mote');
    const c = mote(['convert', onnxPath, '-o', blob, '--json']);
    expect(c.status, c.stderr).toBe(0);
    const report = JSON.parse(c.stdout);
    expect(report.source.preQuantized).toBe(true);
    expect(report.ops.max_pool2d).toBe(1);
    const inspect = JSON.parse(mote(['inspect', blob, '--json']).stdout);
    const pool = inspect.ops.find((o: { op: string }) => o.op === 'max_pool2d');
    expect(inspect.tensors.find((t: { name: string }) => t.name === pool.outputs[0]).dtype).toBe('s8');

    const n = 6;
    const x = Float32Array.from({ length: n * 32 }, (_, i) => Math.sin(i * 0.37) * 5);
    writeFileSync(join(dir, 'x.npy'), writeNpy(x, [n, 2, 4, 4]));
    const r = mote(['run', blob, '--input', join(dir, 'x.npy'), '-o', join(dir, 'y.npy')]);
    expect(r.status, r.stderr).toBe(0);
    const y = readF32(join(dir, 'y.npy'));
    expect(y.shape).toEqual([n, 2, 2, 2]);
    for (let i = 0; i < n; i++) {
      const ref = await ortRun(bytes, 'x', x.slice(i * 32, (i + 1) * 32), [1, 2, 4, 4]);
      // Both compute on the same int8 grid: equal to float rounding.
      expect(maxAbsDiff(y.data.subarray(i * 8, (i + 1) * 8), ref)).toBeLessThan(1e-6);
    }
    // Already quantized: f32 and calibration are refused.
    expect(mote(['convert', onnxPath, '-o', blob, '--precision', 'f32']).status).toBe(2);
  });
});

// ---- mnist-8 from ../shared ---------------------------------------------------------------------

function readIdx(path: string): { dims: number[]; data: Uint8Array } {
  const b = gunzipSync(readFileSync(path));
  const rank = b[3];
  const dims = Array.from({ length: rank }, (_, i) => b.readUInt32BE(4 + 4 * i));
  return { dims, data: new Uint8Array(b.buffer, b.byteOffset + 4 + 4 * rank, dims.reduce((a, c) => a * c, 1)) };
}

describe.skipIf(!haveShared)('mote on mnist-8 (../shared)', () => {
  noticeIfNoShared('CLI tests on mnist-8 and the TFLite models');
  const dir = tempDir('cli-mnist');
  const model = sharedPath('onnx_mnist8/model.onnx');
  const f32Blob = join(dir, 'mnist.f32.mote');
  const int8Blob = join(dir, 'mnist.int8.mote');

  it('f32 outputs match ONNX Runtime within 1e-4 (relative) on the three reference inputs', async () => {
    const c = mote(['convert', model, '-o', f32Blob, '--precision', 'f32']);
    expect(c.status, c.stderr).toBe(0);
    for (let k = 0; k < 3; k++) {
      const t = tensorFromProto(onnx.TensorProto.decode(readFileSync(sharedPath(`onnx_mnist8/test_data_set_${k}/input_0.pb`))));
      const inPath = join(dir, `in${k}.npy`);
      writeFileSync(inPath, writeNpy(t.data as Float32Array, t.shape));
      const r = mote(['run', f32Blob, '--input', inPath, '-o', join(dir, `out${k}.npy`)]);
      expect(r.status, r.stderr).toBe(0);
      const y = readF32(join(dir, `out${k}.npy`));
      const ref = await ortRun(readFileSync(model), 'Input3', t.data as Float32Array, t.shape);
      expect(y.shape).toEqual([1, 10]);
      // mnist-8 takes raw 0–255 pixels, so its logits are in the thousands: compare relatively.
      for (let j = 0; j < 10; j++) expect(Math.abs(y.data[j] - ref[j])).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(ref[j])));
    }
  });

  it('int8 calibrated on the first 200 test images is within 0.3 pp of float on the other 9,800', async () => {
    const images = readIdx(sharedPath('datasets/mnist/t10k-images-idx3-ubyte.gz'));
    const labels = readIdx(sharedPath('datasets/mnist/t10k-labels-idx1-ubyte.gz'));
    expect(images.dims).toEqual([10000, 28, 28]);
    // mnist-8 takes raw 0–255 pixel values as float32.
    const pixels = Float32Array.from(images.data);
    const calib = join(dir, 'calib.npy');
    writeFileSync(calib, writeNpy(pixels.slice(0, 200 * 784), [200, 1, 28, 28]));
    const evalPath = join(dir, 'eval.npy');
    writeFileSync(evalPath, writeNpy(pixels.slice(200 * 784), [9800, 1, 28, 28]));
    const truth = labels.data.subarray(200);

    const c = mote(['convert', model, '-o', int8Blob, '--calibration', calib]);
    expect(c.status, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/200 samples/);

    const acc = (blob: string, out: string) => {
      const r = mote(['run', blob, '--input', evalPath, '-o', out]);
      expect(r.status, r.stderr).toBe(0);
      const y = readF32(out);
      expect(y.shape).toEqual([9800, 10]);
      const pred = argmaxRows(y.data, 10);
      return pred.filter((p, i) => p === truth[i]).length / truth.length;
    };
    // The float model's accuracy on the same 9,800 images, from ONNX Runtime (9891/10000 on the
    // whole set per ../shared's README).
    const session = await ort.InferenceSession.create(readFileSync(model));
    let floatRight = 0;
    for (let i = 0; i < truth.length; i++) {
      const x = pixels.subarray((200 + i) * 784, (201 + i) * 784);
      const y = (await session.run({ Input3: new ort.Tensor('float32', x, [1, 1, 28, 28]) }))[session.outputNames[0]].data as Float32Array;
      if (argmaxRows(y, 10)[0] === truth[i]) floatRight++;
    }
    const floatAcc = floatRight / truth.length;
    expect(floatAcc).toBeGreaterThan(0.985);
    const int8Acc = acc(int8Blob, join(dir, 'int8.npy'));
    console.info(`[mote] mnist-8 on test images 200..9999: float (ONNX Runtime) ${(100 * floatAcc).toFixed(2)}%, int8 .mote ${(100 * int8Acc).toFixed(2)}%`);
    expect(Math.abs(int8Acc - floatAcc)).toBeLessThanOrEqual(0.003);
    // Same check through the independent argmax helper in converter/demo (labels as Uint8Array).
    expect(accuracy(readF32(join(dir, 'int8.npy')).data, truth, 10)).toBeCloseTo(int8Acc, 10);
  });

  it('inspect --json: both blobs have arenas within 1.05× of the lower bound', () => {
    for (const blob of [f32Blob, int8Blob]) {
      const j = JSON.parse(mote(['inspect', blob, '--json']).stdout);
      expect(j.arena.size).toBeLessThanOrEqual(1.05 * j.arena.lowerBound);
      // mnist-8: conv 5×5 1→8 on 28×28 and 5×5 8→16 on 14×14, same padding; FC 256→10.
      const conv = j.ops.filter((o: { op: string }) => o.op === 'conv2d').reduce((s: number, o: { macs: number }) => s + o.macs, 0);
      expect(conv).toBe(28 * 28 * 8 * 25 + 14 * 14 * 16 * 25 * 8);
    }
  });
});

// ---- TFLite from ../shared ----------------------------------------------------------------------

describe.skipIf(!haveShared)('mote on TFLite models (../shared)', () => {
  noticeIfNoShared('TFLite CLI tests');
  const dir = tempDir('cli-tflite');

  it("an int8 .tflite keeps its quantization: outputs equal TFLite Micro's byte for byte (--raw)", () => {
    for (const [ref, model] of [
      ['hello_world_int8', 'tflm/hello_world/hello_world_int8.tflite'],
      ['kws_int8', 'mlperf_tiny/kws/kws_ref_model.tflite'],
    ]) {
      const blob = join(dir, `${ref}.mote`);
      const c = mote(['convert', sharedPath(model), '-o', blob, '--json']);
      expect(c.status, c.stderr).toBe(0);
      const report = JSON.parse(c.stdout);
      expect(report.source).toMatchObject({ format: 'tflite', preQuantized: true });
      expect(report.quantization).toBeUndefined();
      // The first 32 reference inputs (int8, the model's native dtype, passed through as is).
      const ins = readNpy(readFileSync(sharedPath(`tflm_refs/${ref}/inputs.npy`)));
      const outs = readNpy(readFileSync(sharedPath(`tflm_refs/${ref}/outputs.npy`)));
      const n = Math.min(32, ins.shape[0]);
      const per = ins.data.length / ins.shape[0];
      const inPath = join(dir, `${ref}_in.npy`);
      writeFileSync(inPath, writeNpy((ins.data as Int8Array).slice(0, n * per), [n, ...ins.shape.slice(1)]));
      const r = mote(['run', blob, '--input', inPath, '-o', join(dir, `${ref}_out.npy`), '--raw']);
      expect(r.status, r.stderr).toBe(0);
      const y = readNpy(readFileSync(join(dir, `${ref}_out.npy`)));
      expect(y.dtype).toBe('s8');
      const perOut = outs.data.length / outs.shape[0];
      expect(Array.from(y.data as Int8Array)).toEqual(Array.from((outs.data as Int8Array).subarray(0, n * perOut)));
    }
  });

  it('an int8 .tflite refuses --precision f32 and --calibration (exit 2)', () => {
    const model = sharedPath('tflm/hello_world/hello_world_int8.tflite');
    const f = mote(['convert', model, '-o', join(dir, 'x.mote'), '--precision', 'f32']);
    expect(f.status).toBe(2);
    expect(f.stderr).toMatch(/already quantized \(int8 or 16x8\)/);
    const c = mote(['convert', model, '-o', join(dir, 'x.mote'), '--calibration', join(dir, 'none.npy')]);
    expect(c.status).toBe(2);
    expect(c.stderr).toMatch(/--calibration is not used/);
  });

  it('a float .tflite converts to f32 and, calibrated, to int8 that tracks sin(x)', () => {
    const model = sharedPath('tflm/hello_world/hello_world_float.tflite');
    const calib = join(dir, 'hw_calib.npy');
    writeFileSync(calib, writeNpy(Float32Array.from({ length: 200 }, (_, i) => (2 * Math.PI * i) / 200), [200, 1]));
    const xs = Float32Array.from({ length: 64 }, (_, i) => (2 * Math.PI * (i + 0.5)) / 64);
    const xPath = join(dir, 'hw_x.npy');
    writeFileSync(xPath, writeNpy(xs, [64, 1]));
    for (const args of [['--precision', 'f32'], ['--calibration', calib]]) {
      const blob = join(dir, `hw_${args[0].slice(2)}.mote`);
      const c = mote(['convert', model, '-o', blob, ...args]);
      expect(c.status, c.stderr).toBe(0);
      const r = mote(['run', blob, '--input', xPath, '-o', join(dir, 'hw_y.npy')]);
      expect(r.status, r.stderr).toBe(0);
      const y = readF32(join(dir, 'hw_y.npy')).data;
      // ../shared's README: the float model's max error against sin is 0.039; int8 adds a little.
      for (let i = 0; i < xs.length; i++) expect(Math.abs(y[i] - Math.sin(xs[i]))).toBeLessThan(0.06);
    }
  });
});
