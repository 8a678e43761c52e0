// ONNX backend node tests (../shared/models/onnx_node) after int8 post-training quantization, against
// the outputs ONNX ships with each test, within a quantization-error bound derived per output element.
//
// Per test: the graph the f32 conformance test runs (Gemm/MatMul with B and C frozen into
// initializers, the form an exported model has, so their weights get the int8 FC path) is optimized
// and quantized with `quantize(g, { method: 'minmax', samples })`. The calibration set is the test's
// own input plus K = 4 seeded perturbations of it (each element + up to ±5 % of the input's largest
// magnitude). The unperturbed input is one of the samples, so with minmax every tensor's calibrated
// range covers its values on the test input: nothing is clipped except by the fixed output
// parameters TFLite imposes (sigmoid/softmax 1/256, tanh 1/128), and the bound accounts for that.
// The int8 graph runs on the reference interpreter and on both WASM builds (SIMD and scalar), whose
// output bytes must equal the reference interpreter's; the dequantized outputs are then compared
// with the expected float outputs.
//
// THE BOUND. For every tensor t of the int8 graph we carry a per-element bound e_t on |t̂ − t|, where
// t̂ is the dequantized int8 value and t the exact float value (the f32 reference interpreter on the
// test input). Only the quantization parameters (scales, zero points, requantization shifts) and
// the float data enter it, never the quantized weights or tables themselves, so a wrong weight,
// bias, bound or table cannot widen its own allowance. s_t is t's scale, [L_t, H_t] its representable
// interval s_t·([−128, 127] − zp_t), dist(y, [A, B]) = |clamp(y, A, B) − y|, and ‖·‖ runs over each
// output element's receptive field (the float kernel itself evaluates these sums, on |values|):
//   graph input      e = ½·s + dist(x, [L, H])
//   quantize (f32 → s8 at an f32 island's exit) e = e_in + ½·s + dist(y, [L, H])
//   requantizing ops add r = s_out·(½ + ½·2^−k) for TFLM's double rounding (SRDHM, then a rounding
//     right shift by k = max(0, −shift)) and 2^−30·|acc| for the Q31 multiplier (relative error
//     ≤ 2^−31), plus the activation/saturation term c = |clamp(z, A, B) − y|, where z is the
//     pre-activation float value, y = act(z) the float output, and [A, B] the fused activation
//     interval as int8 represents it (each finite bound quantized as TFLite does, else L or H);
//   conv2d / depthwise / fully_connected / transpose_conv2d (Σ over the taps reaching each output)
//                                          e = Σ e_x·(|w| + ½·s_w[c])      (input rounding)
//                                             + Σ |x|·½·s_w[c]             (weight rounding)
//                                             + ½·s_x·s_w[c]               (int32 bias rounding)
//                                             + r + 2^−30·Σ(|x|+e_x)(|w|+½s_w) + c
//   add / sub        e = e_a + e_b + r + (½ + ½·2^−k_a + ½ + ½·2^−k_b)·2·max(s_a, s_b)/2^20 (TFLM's
//                    two input rescales at 20 bits of headroom) + 2^−30·(|a|+e_a+|b|+e_b) + c
//   mul              e = e_a·(|b|+e_b) + |a|·e_b + r + 2^−30·(|a|+e_a)(|b|+e_b) + c
//                    (a constant operand quantized per tensor has e = ½·s_const)
//   max_pool2d       e = max over the window of e_x + c        (max is 1-Lipschitz in ∞-norm)
//   average_pool2d   e = mean over the in-bounds taps of e_x + ½·s_out + c (rounded division)
//   mean             e = mean of e_x + r + 2^−28·mean(|x|+e_x) (TFLM folds 1/n into the multiplier,
//                    truncating: relative error ≤ 2^−29) + c
//   clamp            e = e_x + c                               (shared qparams, no rounding)
//   transpose, strided_slice, reshape, copy, concat  e moves with the data; concat's constant operands ½·s;
//   resize           nearest: e moves with the data; bilinear: the blend of e_x + 2^−9·max(|x| + e_x)
//                    (Q10 fractions within 2^−11 of ONNX's, per axis) + ½·s_out (final rounding);
//                    filter table (cubic, antialias, crop; k taps, exact weights w): Σ|wy||wx|·e_x
//                    + max(|x| + e_x)·(Δy·(Σ|wx| + Δx) + Σ|wy|·Δx), Δ = (k + ½)·2^−10 (the Q10
//                    weights), + ½·s_out + dist(y, [L, H]) (saturation); outside the crop the
//                    quantized extrapolation value's error
//   pad              padded elements: |deq(q(value)) − value| (0 for value 0), edge/reflect copy e
//   lut (sigmoid, tanh, hard_swish, leaky_relu)  e = τ + λ·e_x + dist(y, [L, H]) with the Lipschitz
//                    constants λ = ¼ (sigmoid), 1 (tanh), 3/2 (hard_swish: d/dx = (2x+3)/6 on
//                    [−3, 3]), max(1, |α|) (leaky_relu), and the table's own error τ: ½·s_out for
//                    a table sampled from f (hard_swish, TFLite's LUTPopulate), ½·s_out + 2^−14
//                    for TFLM's fixed-point logistic/tanh (gemmlowp's approximations are ~1e−6),
//                    s_out + 2^−30·(|y|+λe_x) for TFLM's leaky_relu (one double-rounded MBQM);
//   softmax (int8)   e = ½·β·max_row(e_x) + ½·s_out + 2^−14 + N·2^−19 + dist(y, [0, 255/256]):
//                    the Jacobian row of softmax has ℓ1 norm 2σ_i(1−σ_i) ≤ ½ for an ∞-norm
//                    perturbation of the logits; the fixed-point exp (≈1e−5 relative), the
//                    reciprocal and the Q12.19 sum of N exps (≤ 2^−19 each) stay within
//                    2^−14 + N·2^−19; the row max maps to ≈1 which saturates at 255/256.
//   log_softmax (int8; the quantizer fuses a LogSoftmax's lowered chain into it, see
//                    passes/quantize/fuse-log-softmax.ts)  e_i = e_x,i + max_row(e_x) + ½·s_out
//                    + 2^−14 + N·2^−19 + dist(y, [−255/16, 0]): y_i = x_i − LSE(x) and LSE is
//                    1-Lipschitz in the ∞-norm; exp, the Q12.19 sum (≥ 1, so a relative error) and
//                    the fixed-point ln (within 4e−8) stay within 2^−14 + N·2^−19.
//   compare, logical, select  a bool carries a flag per element (0: surely the float graph's value,
//                    1: may differ): compare 0 iff |a − b| > e_a + e_b + m (m = 0 in f32; TFLM's int8
//                    rescale to round(x·2^8): m = 2·2^−8 + 2^−29·(|a| + |b| + e_a + e_b)); logical 1
//                    where an operand is 1; select e = the chosen operand's e where the condition is
//                    sure, else max(e_a, e_b) + |a − b| (no rounding: codes copied on one grid)
//   f32 islands (mixed precision: the op has no int8 form here) run the float op on dequantized
//   inputs: dequantize keeps e; div e = (e_a|b| + |a|e_b)/(|b|(|b| − e_b)) (required |b| > e_b);
//   matmul e = Σ e_a(|b|+e_b) + Σ|a|e_b; pools and softmax as above without rounding terms.
// Every term is computed per element from the test's data. Finally the bound gets a slack for f32
// evaluation: B = e·(1 + 2^−12) + 2^−20·(|y| + s_out). Asserted for every output element:
//   |ŷ − y_onnx| ≤ B + |y_f32 − y_onnx|      (y_f32: the f32 reference, itself asserted within the
//                                             ONNX runner's tolerance rtol 1e-3, atol 1e-7)
// and every B must be finite. A graph with a zero-sized tensor (reshape_allowzero_reordered) cannot
// become a blob: there the test checks that the planner refuses it plainly. A test is skipped only
// for a structural reason (the f32 path cannot import it: an unsupported op or attribute, or a
// non-float dtype); ops without an int8 kernel stay f32 (mixed precision) and are listed in the
// summary. docs/QUANTIZATION.md states the same bound. The propagation is test/support/int8-bound.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecodedTensor } from '../converter/import/onnx-tensor.js';
import type { Graph, TensorData } from '../converter/ir/graph.js';
import { validateGraph } from '../converter/ir/validate.js';
import { optimize } from '../converter/passes/index.js';
import { quantize, type QuantizeReport } from '../converter/passes/quantize/index.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { planMemory } from '../converter/plan/index.js';
import { emitBlob } from '../converter/emit/index.js';
import type { MoteTypedArray } from '../host/runtime.js';
import { BUILDS, ensureWasmBuilt, freshRuntime, rng } from './runtime-harness.js';
import { BoundPropagator, codeToReal, qpOf, quantizeValues } from './support/int8-bound.js';
import { type SupportedNodeTest, type UnsupportedNodeTest, nodeTestDirs, nodeTestOps, prepareNodeTest } from './support/onnx-node.js';
import { haveShared, noticeIfNoShared } from './support/shared.js';

const K_PERTURBATIONS = 4;
const PERTURBATION = 0.05;
const RTOL = 1e-3;
const ATOL = 1e-7;

// ---------------------------------------------------------------------------------------------
// Calibration

/** The test input plus K seeded perturbations (each element ± up to 5 % of the input's max |x|). */
function calibrationSamples(inputs: Float32Array[], seed: number): Float32Array[][] {
  const samples = [inputs];
  for (let k = 1; k <= K_PERTURBATIONS; k++) {
    const r = rng(seed * 7919 + k);
    samples.push(
      inputs.map((x) => {
        let amax = 0;
        for (const v of x) if (Number.isFinite(v)) amax = Math.max(amax, Math.abs(v));
        const amp = PERTURBATION * (amax || 1);
        return Float32Array.from(x, (v) => v + amp * (2 * r() - 1));
      }),
    );
  }
  return samples;
}

// ---------------------------------------------------------------------------------------------
// The tests

interface Int8Case {
  test: SupportedNodeTest;
  onnxOps: string[];
  floatGraph: Graph;
  int8Graph: Graph;
  report: QuantizeReport;
}

/** ONNX op types whose B input is a weight: frozen up front so the int8 FC path gets them. */
const WEIGHT_INPUT_OPS = new Set(['Gemm', 'MatMul']);

function prepareInt8(dir: string, index: number): Int8Case | UnsupportedNodeTest {
  const onnxOps = nodeTestOps(dir);
  const freeze = onnxOps.some((o) => WEIGHT_INPUT_OPS.has(o)) ? 'always' : 'on-failure';
  const test = prepareNodeTest(dir, { freeze });
  if ('reason' in test) return test;
  const second = prepareNodeTest(dir, { freeze }) as SupportedNodeTest;
  optimize(test.graph);
  optimize(second.graph);
  const samples = calibrationSamples(test.inputs as Float32Array[], index + 1);
  const report = quantize(second.graph, { samples, method: 'minmax' });
  validateGraph(second.graph);
  return { test, onnxOps, floatGraph: test.graph, int8Graph: second.graph, report };
}

interface Outcome {
  dir: string;
  family: string;
  int8Nodes: number;
  keptFloat: string[];
  ratio: number;
  worst: string;
}

describe.skipIf(!haveShared)('ONNX node conformance after int8 PTQ', () => {
  noticeIfNoShared('ONNX int8 conformance tests');
  beforeAll(async () => {
    await ensureWasmBuilt();
  }, 120_000);

  const dirs = nodeTestDirs();
  const outcomes: Outcome[] = [];
  const emptyTensors: string[] = [];
  let skipped = 0;
  afterAll(() => {
    if (outcomes.length === 0) return;
    const byFamily = new Map<string, Outcome[]>();
    for (const o of outcomes) byFamily.set(o.family, [...(byFamily.get(o.family) ?? []), o]);
    const mixed = outcomes.filter((o) => o.keptFloat.length > 0);
    const lines = [
      `[onnx-conformance-int8] ${outcomes.length} tests quantized and within their bound (${outcomes.length - mixed.length} all-int8, ${mixed.length} mixed precision), ${skipped} skipped (not importable by the f32 path)`,
      `  calibration: the test input + ${K_PERTURBATIONS} perturbations (±${PERTURBATION * 100} % of max|x|), minmax`,
      '  family (ONNX ops)                tests  max |ŷ−y|/bound  worst test',
      ...[...byFamily]
        .sort((a, b) => a[0].localeCompare(b[0]))
        .map(([family, os]) => {
          const worst = os.reduce((m, o) => (o.ratio > m.ratio ? o : m));
          return `  ${family.padEnd(32)} ${String(os.length).padStart(5)}  ${worst.ratio.toFixed(3).padStart(15)}  ${worst.dir.replace(/^test_/, '')}`;
        }),
      `  not run on the WASM builds (a blob holds no zero-sized tensor; the planner refuses it plainly): ${emptyTensors.join(', ') || 'none'}`,
      '  mixed precision (kept f32 by the quantizer):',
      ...mixed.map((o) => `    ${o.dir.replace(/^test_/, '')}: ${o.keptFloat.join('; ')}`),
    ];
    console.log(lines.join('\n'));
  });

  dirs.forEach((dir, index) => {
    const prepared = prepareInt8(dir, index);
    if ('reason' in prepared) {
      skipped++;
      it.skip(`${dir} — not importable (f32 path): ${prepared.reason}`, () => {});
      return;
    }
    it(dir, async () => {
      const { test, floatGraph, int8Graph, report } = prepared;
      const floatValues = new Map<string, TensorData>();
      const yF32 = runGraph(floatGraph, test.inputs, { observe: (name, v) => floatValues.set(name, v.data) }) as Float32Array[];
      expect(yF32.length).toBe(test.expected.length);

      // int8: quantize the test input with the graph input's parameters, run the reference and both builds.
      const xq = test.inputs.map((x, i) => quantizeValues(x as Float32Array, qpOf(int8Graph.tensor(int8Graph.inputs[i]))));
      const refOut = runGraph(int8Graph, xq) as Int8Array[];
      const empty = [...int8Graph.tensors.values()].find((t) => t.shape.includes(0));
      if (empty) {
        // A blob holds no zero-sized tensor: the planner must refuse it plainly, naming the tensor.
        expect(() => planMemory(int8Graph)).toThrow(/tensor '[^']+' has shape \[[\d,]*\]; every dim must be a positive integer/);
        emptyTensors.push(`${dir.replace(/^test_/, '')}: '${empty.name}' [${empty.shape}]`);
      } else {
        const blob = emitBlob(int8Graph, planMemory(int8Graph));
        for (const build of BUILDS) {
          const model = (await freshRuntime(build)).load(blob);
          const outs = model.run(xq as MoteTypedArray[]);
          outs.forEach((o, k) => expect(Array.from(o), `${build} output ${k} bytes`).toEqual(Array.from(refOut[k])));
        }
      }

      const bounds = new BoundPropagator(floatGraph, int8Graph, floatValues).run();
      let ratio = 0;
      let worst = '';
      refOut.forEach((q, k) => {
        const name = int8Graph.outputs[k];
        const qp = qpOf(int8Graph.tensor(name));
        const expected = test.expected[k] as DecodedTensor;
        const e = expected.data as Float32Array;
        const y = yF32[k];
        expect(q.length, `output ${k} element count`).toBe(e.length);
        for (let i = 0; i < e.length; i++) {
          const f32Dev = Math.abs(y[i] - e[i]);
          expect(f32Dev, `f32 reference vs ONNX, output ${k} element ${i}`).toBeLessThanOrEqual(ATOL + RTOL * Math.abs(e[i]));
          const bound = bounds[k][i] * (1 + 2 ** -12) + 2 ** -20 * (Math.abs(y[i]) + qp.scale);
          const yHat = codeToReal(qp, q[i]);
          if (!Number.isFinite(bound)) expect.fail(`output ${k} element ${i}: the derived bound is not finite (${bound})`);
          const err = Math.abs(yHat - e[i]);
          if (!(err <= bound + f32Dev)) {
            expect.fail(`output ${k} element ${i}: int8 ${yHat} (code ${q[i]}, scale ${qp.scale}, zp ${qp.zeroPoint}) vs expected ${e[i]}: error ${err} exceeds the bound ${bound} (+ f32 deviation ${f32Dev})`);
          }
          const r = Math.abs(yHat - y[i]) / bound;
          if (r > ratio) {
            ratio = r;
            worst = `output ${k}[${i}]`;
          }
        }
      });
      outcomes.push({
        dir,
        family: [...prepared.onnxOps].sort().join('+'),
        int8Nodes: int8Graph.nodes.filter((n) => n.int8).length,
        keptFloat: report.keptFloat.map((k) => `${k.op} (${k.reason})`),
        ratio,
        worst,
      });
    });
  });
});
