// log_softmax (opcode 37): TFLite int8 LOG_SOFTMAX in TFLite Micro's fixed point, end to end.
//  - The fixed-point ln (log_x_for_x_greater_than_or_equal_to_1, Q12.19 → Q5.26) against Math.log.
//  - Generated single-op int8 LOG_SOFTMAX .tflite files against desktop TFLite (its int8 kernel,
//    reference_integer_ops::LogSoftmax, is TFLM's arithmetic): the reference kernel byte for byte,
//    both WASM builds equal to the reference; random rows of several lengths and input scales, and
//    the edges: all-equal rows, the full code range, diffs around diff_min (the cut-off) and the
//    outputs below adjusted_diff_min (−128).
//  - The reference within ½ output step of the exact log-softmax of the dequantized input where
//    that lies in the output range [−255/16, 0].
//  - Refusals: a wrong output scale / zero point, a last axis past 4095, bad shifts at load.
//  - int8 PTQ of ONNX LogSoftmax: the lowered chain becomes one log_softmax when its calibrated
//    output lies inside [−255/16, 0] (else, or off the last axis, or with a chain node kept float,
//    the chain stays); both builds equal the int8 reference, and the result is within the
//    conformance tests' int8 bound of ONNX Runtime.
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeTflite } from '../bench/synthetic/tflite-writer.js';
import { convert } from '../converter/convert.js';
import { builtinCode } from '../converter/import/tflite-opnames.js';
import { numel } from '../converter/ir/graph.js';
import { logSoftmaxParams } from '../converter/passes/quantize/multiplier.js';
import { logXForXGreaterThanOrEqualTo1 } from '../converter/reference/fixedpoint.js';
import { runGraph } from '../converter/reference/interpreter.js';
import * as F from '../format/format.js';
import { BUILDS, ensureWasmBuilt, expectLoadRefused, fixCrc, rng, runBlob } from './runtime-harness.js';
import { loadTfliteWasm, type TfliteWasm } from './support/tflite-wasm.js';
import { BoundPropagator, qpOf, quantizeValues } from './support/int8-bound.js';
import { ai, buildModel } from './support/onnx-model.js';
import type { TensorData } from '../converter/ir/graph.js';

const TFL_INT8 = 9;
const OUT_Q = { scale: F.LOG_SOFTMAX_OUTPUT_SCALE, zeroPoint: F.LOG_SOFTMAX_OUTPUT_ZERO_POINT };

function logSoftmaxTflite(shape: number[], qx: { scale: number; zeroPoint: number }, qy = OUT_Q): Uint8Array {
  const t = (name: string, q: { scale: number; zeroPoint: number }) => ({ name, type: TFL_INT8, shape, quant: { scale: [q.scale], zeroPoint: [q.zeroPoint] } });
  return writeTflite({
    tensors: [t('x', qx), t('y', qy)],
    ops: [{ code: builtinCode('LOG_SOFTMAX'), version: 2, inputs: [0], outputs: [1], optionsType: 0, options: [] }],
    inputs: [0],
    outputs: [1],
    description: 'LOG_SOFTMAX int8 test',
  });
}

beforeAll(async () => {
  await ensureWasmBuilt();
}, 120_000);

describe('fixed-point ln (log_x_for_x_greater_than_or_equal_to_1<5>, Q12.19 in)', () => {
  it('within 2^-24 of Math.log over [1, 4096)', () => {
    let worst = 0;
    for (let raw = 1 << 19; raw < 2 ** 31 - 1; raw = Math.floor(raw * 1.0009) + 1) {
      worst = Math.max(worst, Math.abs(logXForXGreaterThanOrEqualTo1(raw, 5, 12) / 2 ** 26 - Math.log(raw / 2 ** 19)));
    }
    expect(worst).toBeLessThan(2 ** -24);
    expect(logXForXGreaterThanOrEqualTo1(1 << 19, 5, 12), 'ln 1').toBeLessThanOrEqual(2);
  });
});

describe('TFLite int8 LOG_SOFTMAX = desktop TFLite (wasm), byte for byte', () => {
  let tfl: TfliteWasm;
  beforeAll(async () => {
    tfl = await loadTfliteWasm({ simd: true });
  });

  async function check(label: string, shape: number[], qx: { scale: number; zeroPoint: number }, x: Int8Array): Promise<Int8Array> {
    const bytes = logSoftmaxTflite(shape, qx);
    const runner = tfl.createRunner(bytes);
    const desktop = runner.run([x])[0] as Int8Array;
    runner.dispose();
    const { blob, graph } = convert(bytes, 'lsm.tflite', { precision: 'int8' });
    expect(graph.nodes.map((n) => n.op), label).toEqual(['log_softmax']);
    const [ref] = runGraph(graph, [x]) as Int8Array[];
    expect(Array.from(ref), `${label}: reference vs desktop TFLite`).toEqual(Array.from(desktop));
    for (const build of BUILDS) expect(Array.from((await runBlob(build, blob, [x]))[0]), `${label} on ${build}`).toEqual(Array.from(ref));
    return ref;
  }

  it('random rows: depths 1..1000, input scales 2^-10..4', async () => {
    const r = rng(31);
    const scales = [2 ** -10, 0.0123, 0.05, 1 / 16, 0.21, 0.5, 1.7, 4];
    const shapes = [[1], [2, 2], [3, 10], [1, 4, 3, 7], [5, 100], [2, 1000]];
    for (const scale of scales) {
      for (const shape of shapes) {
        const zeroPoint = Math.floor(r() * 200) - 100;
        const x = Int8Array.from({ length: numel(shape) }, () => Math.floor(r() * 256) - 128);
        await check(`[${shape}] scale ${scale} zp ${zeroPoint}`, shape, { scale, zeroPoint }, x);
      }
    }
  });

  it('edges: equal rows, the full code range, diffs around diff_min, outputs cut to −128', async () => {
    // All equal: every output is −ln(depth).
    for (const depth of [1, 2, 7, 4095]) {
      const y = await check(`equal row of ${depth}`, [depth], { scale: 0.1, zeroPoint: 0 }, new Int8Array(depth).fill(-37));
      const want = Math.round(-Math.log(depth) * 16) + 127;
      expect(Math.abs(y[0] - Math.max(-128, want)), `equal row of ${depth}`).toBeLessThanOrEqual(1);
    }
    // Scale 0.5: diff_min = −31 codes (−15.5). Rows with diffs −29..−34 from the max.
    const p = logSoftmaxParams(0.5);
    expect(p.diffMin).toBe(-31);
    const row = Int8Array.from([100, 71, 70, 69, 68, 67, 66, 100 - 34]);
    const y = await check('diff_min cut-off at scale 0.5', [row.length], { scale: 0.5, zeroPoint: 0 }, row);
    // Outputs of diffs below diff_min are −128; those just above land near −15.5·… within the range.
    expect(y[row.length - 1]).toBe(-128);
    // Large spread: scale 4, the codes −128 and 127 are 1020 apart; every non-max output is −128.
    const wide = Int8Array.from([127, -128, 0, 126, 120, -1]);
    const yw = await check('spread of 1020 at scale 4', [wide.length], { scale: 4, zeroPoint: 0 }, wide);
    expect(yw[1]).toBe(-128);
    // Every code against the max code, at a scale where diff_min lies inside the code range.
    const all = Int8Array.from({ length: 256 }, (_, i) => i - 128);
    await check('all 256 codes, scale 0.25', [256], { scale: 0.25, zeroPoint: 3 }, all);
    await check('all 256 codes, scale 0.05', [2, 128], { scale: 0.05, zeroPoint: -3 }, all);
  });
});

describe('the int8 reference against the exact log-softmax', () => {
  it('within ½ output step + 2^-20 where the exact value lies in [−255/16, 0]', () => {
    const r = rng(5);
    for (const scale of [0.01, 0.07, 0.3, 2]) {
      const p = logSoftmaxParams(scale);
      const bytes = logSoftmaxTflite([64, 12], { scale, zeroPoint: 0 });
      const { graph } = convert(bytes, 'lsm.tflite', { precision: 'int8' });
      expect(graph.nodes[0].int8).toEqual(p);
      const x = Int8Array.from({ length: 64 * 12 }, () => Math.floor(r() * 256) - 128);
      const [y] = runGraph(graph, [x]) as Int8Array[];
      let checked = 0;
      for (let row = 0; row < 64; row++) {
        const v = Array.from(x.subarray(row * 12, row * 12 + 12), (c) => c * scale);
        const m = Math.max(...v);
        const lse = m + Math.log(v.reduce((s, t) => s + Math.exp(t - m), 0));
        v.forEach((t, i) => {
          const exact = t - lse;
          if (exact < -255 / 16) return;
          checked++;
          expect(Math.abs((y[row * 12 + i] - 127) / 16 - exact), `scale ${scale} row ${row} [${i}]`).toBeLessThanOrEqual(1 / 32 + 2 ** -20);
        });
      }
      expect(checked, "at least each row's max").toBeGreaterThanOrEqual(64);
    }
  });
});

describe('log_softmax refusals', () => {
  it('a wrong output scale or zero point, a last axis past 4095 (convert time)', () => {
    expect(() => convert(logSoftmaxTflite([4], { scale: 0.05, zeroPoint: 0 }, { scale: 1 / 256, zeroPoint: -128 }), 'op.tflite', { precision: 'int8' }))
      .toThrow(/TFLite LOG_SOFTMAX \(operator 0\).*scale 16\/256 and zero point 127/);
    expect(() => convert(logSoftmaxTflite([2, 4096], { scale: 0.05, zeroPoint: 0 }), 'op.tflite', { precision: 'int8' }))
      .toThrow(/TFLite LOG_SOFTMAX \(operator 0\): unsupported int8 LOG_SOFTMAX over 4096 elements/);
  });

  it('shifts out of [0, 31] at load', async () => {
    const { blob, graph } = convert(logSoftmaxTflite([3, 5], { scale: 0.05, zeroPoint: 0 }), 'op.tflite', { precision: 'int8' });
    const p = graph.nodes[0].int8!;
    // The params are the blob's last words of the op: find input_left_shift and make it 40.
    const words = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const at: number[] = [];
    for (let o = 0; o + 20 <= blob.length; o += 4) {
      if (words.getInt32(o, true) === p.inputMultiplier && words.getInt32(o + 4, true) === p.inputLeftShift
        && words.getInt32(o + 8, true) === p.reverseScalingDivisor) at.push(o);
    }
    expect(at.length).toBe(1);
    for (const [k, v] of [[1, 40], [3, -1]]) {
      const bad = blob.slice();
      new DataView(bad.buffer).setInt32(at[0] + 4 * k, v, true);
      fixCrc(bad);
      await expectLoadRefused(bad, /log_softmax.*param \d \(a shift\) must be in \[0, 31\]/);
    }
  });
});

describe('int8 PTQ of ONNX LogSoftmax = ONNX Runtime within the int8 bound', () => {
  const gaussian = (r: () => number, n: number, sd: number) => Float32Array.from({ length: n }, () => {
    let v = 0;
    for (let k = 0; k < 12; k++) v += r();
    return (v - 6) * sd;
  });
  const cases: { label: string; shape: number[]; axis: number; sd: number; fused: boolean; keepFloat?: string[] }[] = [
    { label: 'logits [8, 10], sd 2', shape: [8, 10], axis: -1, sd: 2, fused: true },
    { label: 'rank 3 [2, 5, 37], sd 1', shape: [2, 5, 37], axis: 2, sd: 1, fused: true },
    { label: 'wide [8, 10], sd 8: the output passes -255/16, the chain stays', shape: [8, 10], axis: -1, sd: 8, fused: false },
    { label: 'axis 0 [6, 4]: the chain stays', shape: [6, 4], axis: 0, sd: 1, fused: false },
    { label: 'a chain node kept float: the chain stays', shape: [8, 10], axis: -1, sd: 2, fused: false, keepFloat: ['lsm/exp'] },
  ];
  for (const c of cases) {
    it(c.label, async () => {
      const bytes = buildModel({
        opset: 13, inputs: [{ name: 'x', shape: c.shape }], outputs: [{ name: 'y' }],
        nodes: [{ op: 'LogSoftmax', name: 'lsm', inputs: ['x'], outputs: ['y'], attrs: { axis: ai(c.axis) } }],
      });
      const r = rng(c.label.length);
      const n = numel(c.shape);
      const x = gaussian(r, n, c.sd);
      const session = await ort.InferenceSession.create(bytes);
      const want = (await session.run({ x: new ort.Tensor('float32', x, c.shape) })).y.data as Float32Array;
      const calibration = [0, 1, 2, 3, 4, 5].map(() => [gaussian(r, n, c.sd)]).concat([[x]]);
      const f = convert(bytes, 'lsm.onnx', { precision: 'f32' });
      const q = convert(bytes, 'lsm.onnx', { precision: 'int8', calibration, keepFloat: c.keepFloat });
      const g = q.graph;
      expect(g.nodes.some((nd) => nd.op === 'log_softmax'), 'fused into log_softmax').toBe(c.fused);
      if (c.fused) expect(g.nodes.map((nd) => nd.op)).toEqual(['log_softmax']);
      const xq = quantizeValues(x, qpOf(g.tensor(g.inputs[0])));
      const [ref] = runGraph(g, [xq]) as Int8Array[];
      for (const build of BUILDS) expect(Array.from((await runBlob(build, q.blob, [xq]))[0]), `${c.label} on ${build}`).toEqual(Array.from(ref));
      if (c.keepFloat) return; // (the bound has no rule for a float exp)
      const values = new Map<string, TensorData>();
      runGraph(f.graph, [x], { observe: (name, v) => values.set(name, v.data) });
      const bound = new BoundPropagator(f.graph, g, values).run()[0];
      const yq = qpOf(g.tensor(g.outputs[0]));
      if (c.fused) expect(yq).toEqual({ scale: 1 / 16, zeroPoint: 127 });
      let worst = 0;
      for (let i = 0; i < want.length; i++) {
        const got = yq.scale * (ref[i] - yq.zeroPoint);
        const b = bound[i] * (1 + 2 ** -12) + 2 ** -20 * (Math.abs(want[i]) + yq.scale) + 1e-6 * (1 + Math.abs(want[i]));
        if (!(Math.abs(got - want[i]) <= b)) expect.fail(`${c.label} element ${i}: ${got} vs ORT ${want[i]}, bound ${b}`);
        worst = Math.max(worst, Math.abs(got - want[i]));
      }
      expect(worst).toBeGreaterThan(0);
    });
  }
});
