// Pre-quantized ONNX ops (QuantizeLinear, DequantizeLinear, QLinearConv, QLinearMatMul,
// ConvInteger, MatMulInteger) against ONNX's own backend node tests (../shared/models/onnx_node):
// import → optimize (fold-qdq) → prepareInt8 → the reference interpreter, and the same graph
// planned, emitted and run on both WASM builds. Integer outputs must match exactly, float outputs
// (DequantizeLinear) within the ONNX runner's rtol 1e-3 / atol 1e-7.
//
// Node tests feed scales, zero points and weights as graph inputs; a real model has them as
// initializers, so every input but the data input is frozen into an initializer with the test's
// own value. QLinearMatMul also runs with b left as a run-time input (the float matmul path).
// uint8 data is fed as int8 (value − 128) and read back + 128, as g.meta.onnxUint8AsInt8 says;
// int32 outputs listed in g.meta.onnxInt32AsFloat come back as exact f32 integers.
// Variants with dtypes Mote has no integer path for (float8, float16 scales, int4, int2, float4,
// int16, uint16, blocked quantization) must fail to import with a clear reason; they are counted.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConvertError } from '../converter/errors.js';
import { importOnnx } from '../converter/import/onnx.js';
import { type DecodedTensor, tensorFromProto } from '../converter/import/onnx-tensor.js';
import type { Graph, TensorData } from '../converter/ir/graph.js';
import { validateGraph } from '../converter/ir/validate.js';
import { optimize } from '../converter/passes/index.js';
import { prepareInt8 } from '../converter/passes/quantize/index.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { multiplyByQuantizedMultiplier } from '../converter/reference/fixedpoint.js';
import { quantizeMultiplier } from '../converter/passes/quantize/index.js';
import type { MoteTypedArray } from '../host/runtime.js';
import { BUILDS, blobOf, freshRuntime } from './runtime-harness.js';
import { haveShared, noticeIfNoShared, sharedPath } from './support/shared.js';

const { onnx } = onnxProto;
const RTOL = 1e-3;
const ATOL = 1e-7;
const OPS = /^test_(quantizelinear|dequantizelinear|qlinearconv|qlinearmatmul|convinteger|matmulinteger)/;

interface Case {
  name: string;
  dir: string;
  /** Indices of the ONNX inputs fed at run time (the rest are frozen). */
  runtimeInputs: number[];
}

function listPb(dir: string, prefix: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.pb'))
    .sort((a, b) => Number(a.slice(prefix.length, -3)) - Number(b.slice(prefix.length, -3)))
    .map((f) => join(dir, f));
}

/** The model with every graph input not in `keep` turned into an initializer holding its test value. */
function freeze(bytes: Uint8Array, inputPbs: string[], keep: number[]): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph!;
  const inputs = graph.input ?? [];
  const initializers = [...(graph.initializer ?? [])];
  inputs.forEach((vi, i) => {
    if (keep.includes(i)) return;
    const t = onnx.TensorProto.decode(readFileSync(inputPbs[i]));
    t.name = vi.name ?? '';
    initializers.push(t);
  });
  graph.initializer = initializers;
  graph.input = inputs.filter((_, i) => keep.includes(i));
  return onnx.ModelProto.encode(model).finish();
}

/** ONNX value → what Mote's graph input takes (uint8 → int8 by − 128). */
function toMote(t: DecodedTensor, asInt8: boolean): TensorData {
  if (!asInt8) return t.data;
  return Int8Array.from(t.data as Uint8Array, (v) => v - 128);
}

/** Mote's output → the ONNX dtype of the expected value. */
function fromMote(data: TensorData, expected: DecodedTensor, u8: boolean, i32: boolean): TensorData {
  if (u8) return Uint8Array.from(data as Int8Array, (v) => v + 128);
  if (i32) {
    const f = data as Float32Array;
    for (const v of f) if (!Number.isInteger(v)) throw new Error(`int32-as-float output holds ${v}`);
    return Int32Array.from(f);
  }
  void expected;
  return data;
}

interface Prepared {
  graph: Graph;
  inputs: TensorData[];
  expected: DecodedTensor[];
  u8Out: boolean[];
  i32Out: boolean[];
}

function prepare(c: Case): Prepared {
  const path = sharedPath(join('onnx_node', c.dir));
  const inputPbs = listPb(join(path, 'test_data_set_0'), 'input_');
  const expected = listPb(join(path, 'test_data_set_0'), 'output_').map((p) => tensorFromProto(onnx.TensorProto.decode(readFileSync(p)), p));
  const bytes = freeze(readFileSync(join(path, 'model.onnx')), inputPbs, c.runtimeInputs);
  const graph = importOnnx(bytes, c.dir);
  optimize(graph);
  prepareInt8(graph);
  validateGraph(graph);
  const u8 = new Set((graph.meta.onnxUint8AsInt8 as string[] | undefined) ?? []);
  const i32 = new Set((graph.meta.onnxInt32AsFloat as string[] | undefined) ?? []);
  const inputs = c.runtimeInputs.map((idx, k) => {
    const t = tensorFromProto(onnx.TensorProto.decode(readFileSync(inputPbs[idx])), inputPbs[idx]);
    return toMote(t, u8.has(graph.inputs[k]));
  });
  return { graph, inputs, expected, u8Out: graph.outputs.map((o) => u8.has(o)), i32Out: graph.outputs.map((o) => i32.has(o)) };
}

function check(p: Prepared, outputs: TensorData[], what: string): void {
  expect(outputs.length, what).toBe(p.expected.length);
  outputs.forEach((raw, i) => {
    const e = p.expected[i];
    const a = fromMote(raw, e, p.u8Out[i], p.i32Out[i]);
    expect(a.constructor.name, `${what} output ${i} dtype`).toBe(e.data.constructor.name);
    if (e.data instanceof Float32Array) {
      const av = a as Float32Array;
      e.data.forEach((ev, j) => {
        const ok = av[j] === ev || Math.abs(av[j] - ev) <= ATOL + RTOL * Math.abs(ev);
        if (!ok) expect.fail(`${what} output ${i}[${j}] = ${av[j]}, expected ${ev}`);
      });
    } else {
      const diffs = Array.from(e.data as ArrayLike<number>).flatMap((ev, j) => ((a as ArrayLike<number>)[j] === ev ? [] : [`[${j}] ${(a as ArrayLike<number>)[j]} ≠ ${ev}`]));
      expect(diffs, `${what} output ${i}: elements differing from ONNX`).toEqual([]);
    }
  });
}

const dirs = haveShared ? readdirSync(sharedPath('onnx_node')).filter((d) => OPS.test(d) && !d.endsWith('_expanded')).sort() : [];
const cases: Case[] = dirs.flatMap((dir) => {
  const base = { name: dir, dir, runtimeInputs: [0] };
  if (!dir.startsWith('test_qlinearmatmul')) return [base];
  return [base, { name: `${dir} (b at run time)`, dir, runtimeInputs: [0, 3] }];
});

/** What a reason for not importing must say, by the variant's name. */
const EXPECTED_UNSUPPORTED: [RegExp, RegExp][] = [
  [/e4m3fn|e5m2/, /FLOAT8|FLOAT16/],
  [/float4e2m1/, /FLOAT4E2M1/],
  [/_u?int4$/, /U?INT4/],
  // onnx-tensor.ts names dtype 25 'INT2' and has no name for 26: ONNX has UINT2 = 25, INT2 = 26.
  [/_u?int2$/, /U?INT2|type 26/],
  [/_u?int16$/, /int16|uint16|UINT16/],
  [/float16/, /FLOAT16/],
  [/blocked/, /block_size/],
];

describe.skipIf(!haveShared)('pre-quantized ONNX ops vs ONNX node tests', () => {
  noticeIfNoShared('pre-quantized ONNX node tests');
  const prepared = new Map<string, Prepared>();
  const unsupported = new Map<string, string>();
  for (const c of cases) {
    try {
      prepared.set(c.name, prepare(c));
    } catch (e) {
      if (!(e instanceof ConvertError)) throw e;
      unsupported.set(c.name, e.message);
    }
  }
  afterAll(() => {
    console.log(
      [
        `[onnx-quant] ${cases.length} cases: ${prepared.size} run, ${unsupported.size} unsupported`,
        ...[...prepared].map(([n, p]) => `  ran ${n}: ${p.graph.nodes.map((x) => `${x.op}(${p.graph.tensor(x.outputs[0]).dtype})`).join(' ')}`),
        ...[...unsupported].map(([n, r]) => `  unsupported ${n}: ${r}`),
      ].join('\n'),
    );
  });

  it('every case that does not import is a dtype/blocking variant Mote has no path for, with a reason naming it', () => {
    for (const [name, reason] of unsupported) {
      const rule = EXPECTED_UNSUPPORTED.find(([n]) => n.test(name.replace(/ \(.*\)$/, '')));
      expect(rule, `${name} failed to import: ${reason}`).toBeDefined();
      expect(reason, name).toMatch(rule![1]);
    }
  });

  for (const c of cases) {
    it.skipIf(!prepared.has(c.name))(`${c.name}: reference interpreter`, () => {
      const p = prepared.get(c.name)!;
      check(p, runGraph(p.graph, p.inputs), `${c.name} (reference)`);
    });
  }

  for (const build of BUILDS) {
    describe(`runtime (${build})`, () => {
      beforeAll(async () => {
        await freshRuntime(build);
      }, 120_000);
      for (const c of cases) {
        it.skipIf(!prepared.has(c.name))(`${c.name}: ${build} build`, async () => {
          const p = prepared.get(c.name)!;
          const model = (await freshRuntime(build)).load(blobOf(p.graph));
          check(p, model.run(p.inputs as MoteTypedArray[]), `${c.name} (${build})`);
        });
      }
    });
  }
});

// The node tests' QLinearConv/QLinearMatMul weights have non-zero zero points (|w − w_zp| up to 255),
// which TFLM's symmetric int8 kernels cannot hold, so Mote runs them on the float path (DQ → f32
// op → Q) above. Would TFLM's fixed-point requantization (what the folded int8 path runs) also give
// ONNX's bytes? Here: the exact integer accumulators Σ(a − a_zp)(b − b_zp), requantized with
// quantizeMultiplier(a_s·b_s/y_s) and MultiplyByQuantizedMultiplier, against ONNX's outputs.
describe.skipIf(!haveShared)('TFLM fixed-point requantization vs the ONNX QLinear node tests', () => {
  const read = (dir: string, f: string) => tensorFromProto(onnx.TensorProto.decode(readFileSync(sharedPath(join('onnx_node', dir, 'test_data_set_0', `${f}.pb`)))), f);
  const qlinear = dirs.filter((d) => /^test_qlinear(conv|matmul_.*_float32)$/.test(d));
  for (const dir of qlinear) {
    it(`${dir}: every output byte`, () => {
      const [a, as, azp, b, bs, bzp, ys, yzp] = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => read(dir, `input_${i}`));
      const num = (t: DecodedTensor) => Array.from(t.data as ArrayLike<number>, Number);
      const [A, B] = [num(a), num(b)];
      const [az, bz, yz] = [num(azp)[0], num(bzp)[0], num(yzp)[0]];
      const accs: number[] = [];
      if (dir === 'test_qlinearconv') {
        expect(B.length, 'this test is a 1x1 single-channel conv').toBe(1);
        for (const v of A) accs.push((v - az) * (B[0] - bz));
      } else {
        const [k, n] = b.shape.slice(-2);
        const m = a.shape[a.shape.length - 2];
        const batches = A.length / (m * k);
        for (let t = 0; t < batches; t++)
          for (let i = 0; i < m; i++)
            for (let j = 0; j < n; j++) {
              let acc = 0;
              for (let x = 0; x < k; x++) acc += (A[(t * m + i) * k + x] - az) * (B[(b.shape.length > 2 ? t * k * n : 0) + x * n + j] - bz);
              accs.push(acc);
            }
      }
      const { multiplier, shift } = quantizeMultiplier((num(as)[0] * num(bs)[0]) / num(ys)[0]);
      const [lo, hi] = a.dtype === 'u8' ? [0, 255] : [-128, 127];
      const expected = num(read(dir, 'output_0'));
      const got = accs.map((acc) => Math.min(hi, Math.max(lo, multiplyByQuantizedMultiplier(acc, multiplier, shift) + yz)));
      expect(got).toEqual(expected);
    });
  }
});
