// maximum / minimum end to end: the runtime kernels (both builds) against the reference kernels on
// one-op graphs (broadcasting, ties, constant operands); TFLite MAXIMUM / MINIMUM files against
// desktop TFLite (wasm) byte for byte in int8 and float; ONNX Max / Min (variadic) against ONNX
// Runtime, in f32 and after int8 PTQ (where the operands must share one scale); and the refusals:
// int8 operands on different grids (converter and runtime load), int16.
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeTflite, type TflModel, type TflTensor } from '../bench/synthetic/tflite-writer.js';
import { convert } from '../converter/convert.js';
import { encodeOnnxModel, type OnnxModelSpec } from '../converter/demo/onnx-build.js';
import { emitBlob } from '../converter/emit/index.js';
import { ConvertError } from '../converter/errors.js';
import { builtinCode } from '../converter/import/tflite-opnames.js';
import { type Graph, type TensorData, numel } from '../converter/ir/graph.js';
import { planMemory } from '../converter/plan/index.js';
import { runGraph } from '../converter/reference/interpreter.js';
import * as F from '../format/format.js';
import { BUILDS, blobOf, editTensor, ensureWasmBuilt, expectBlobsMatch, expectLoadRefused, fixCrc, oneOpGraph, randS8, rng, runBlob, type TensorSpec } from './runtime-harness.js';
import { loadTfliteWasm, type TfliteWasm } from './support/tflite-wasm.js';

beforeAll(async () => {
  await ensureWasmBuilt();
}, 120_000);

/** f32 values on a coarse grid (multiples of 1/4 in [-2, 2]), so operands often tie. */
function coarseF32(r: () => number, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => Math.floor(r() * 17 - 8) / 4);
}

/** `f` throws a ConvertError whose message matches `pattern` (conversions are cheap: run twice). */
function expectConvertError(f: () => unknown, pattern: RegExp): void {
  expect(f).toThrow(ConvertError);
  expect(f).toThrow(pattern);
}

// The broadcast pairs: equal shapes, a trailing vector, both sides broadcasting, a scalar, rank 5.
const SHAPES: [number[], number[]][] = [
  [[2, 3, 4], [2, 3, 4]],
  [[2, 3, 4], [4]],
  [[1, 3, 1], [2, 1, 5]],
  [[], [3, 2]],
  [[2, 1, 3, 1, 2], [1, 2, 1, 4, 1]],
];

describe('maximum / minimum: runtime (both builds) = reference kernels', () => {
  for (const op of ['maximum', 'minimum'] as const) {
    it(`${op} f32: broadcasting, ties`, async () => {
      const r = rng(op === 'maximum' ? 11 : 12);
      for (const [sa, sb] of SHAPES) {
        const g = oneOpGraph(op, [{ dtype: 'f32', shape: sa }, { dtype: 'f32', shape: sb }], { dtype: 'f32' }, {});
        const feeds = [coarseF32(r, numel(sa)), coarseF32(r, numel(sb))];
        const [want] = runGraph(g, feeds);
        // The reference is TFLite's rule; on non-NaN values it is numpy's (checked once here).
        const pick = op === 'maximum' ? Math.max : Math.min;
        if (sa.join() === sb.join()) expect(Array.from(want as Float32Array)).toEqual(Array.from(feeds[0], (v, i) => pick(v, feeds[1][i])));
        await expectBlobsMatch(`${op} f32 [${sa}] x [${sb}]`, [['', blobOf(g)]], feeds, want);
      }
    });

    it(`${op} s8: raw codes on one grid, broadcasting, a constant operand`, async () => {
      const r = rng(op === 'maximum' ? 21 : 22);
      const quant = { scale: 0.0625, zeroPoint: -7 };
      for (const [sa, sb] of SHAPES) {
        const g = oneOpGraph(op, [{ dtype: 's8', shape: sa, quant }, { dtype: 's8', shape: sb, quant }], { dtype: 's8', quant }, {});
        const feeds = [randS8(r, numel(sa), -20, 20), randS8(r, numel(sb), -20, 20)];
        const [want] = runGraph(g, feeds);
        await expectBlobsMatch(`${op} s8 [${sa}] x [${sb}]`, [['', blobOf(g)]], feeds, want);
      }
      const c: TensorSpec = { dtype: 's8', shape: [4], quant, data: Int8Array.from([-128, -7, 0, 127]) };
      const g = oneOpGraph(op, [{ dtype: 's8', shape: [3, 4], quant }, c], { dtype: 's8', quant }, {});
      const feeds = [randS8(r, 12)];
      await expectBlobsMatch(`${op} s8 with a constant`, [['', blobOf(g)]], feeds, runGraph(g, feeds)[0]);
    });
  }

  it('load refuses s8 operands off the output grid, mixed dtypes, shapes that do not broadcast', async () => {
    const q = { scale: 0.0625, zeroPoint: -7 };
    const off = oneOpGraph('minimum', [{ dtype: 's8', shape: [4], quant: q }, { dtype: 's8', shape: [4], quant: { ...q, zeroPoint: 0 } }], { dtype: 's8', quant: q }, {});
    expect(() => runGraph(off, [new Int8Array(4), new Int8Array(4)])).toThrow(/input 1 \(b\).*must share the output's/);
    await expectLoadRefused(emitBlob(off, planMemory(off)), /op 0 \(minimum\): input 1 must share the output scale and zero point/);
    const scaled = oneOpGraph('maximum', [{ dtype: 's8', shape: [4], quant: { ...q, scale: 0.125 } }, { dtype: 's8', shape: [4], quant: q }], { dtype: 's8', quant: q }, {});
    await expectLoadRefused(emitBlob(scaled, planMemory(scaled)), /op 0 \(maximum\): input 0 must share the output scale and zero point/);
    // Mixed dtypes and bad broadcasts, written by editing a valid blob's tensor records.
    const g = oneOpGraph('maximum', [{ dtype: 'f32', shape: [2, 3] }, { dtype: 'f32', shape: [2, 3] }], { dtype: 'f32' }, {});
    const mixed = editTensor(emitBlob(g, planMemory(g)), 1, (d, at) => d.setUint8(at + F.T_DTYPE, F.DTYPE_S8));
    await expectLoadRefused(mixed, /op 0 \(maximum\): input 1 must be f32, got s8/);
    const wide = editTensor(emitBlob(g, planMemory(g)), 1, (d, at) => d.setInt32(at + F.T_DIMS + 4, 2, true));
    await expectLoadRefused(wide, /op 0 \(maximum\): input shapes do not broadcast at output dim 1/);
  });
});

// ---- TFLite files against desktop TFLite --------------------------------------------------------

const TFL_FLOAT32 = 0;
const TFL_INT8 = 9;

function tflTensor(name: string, type: number, shape: number[], q?: { scale: number; zeroPoint: number }, data?: Uint8Array): TflTensor {
  return { name, type, shape, data, quant: q ? { scale: [q.scale], zeroPoint: [q.zeroPoint] } : { scale: [], zeroPoint: [] } };
}

/** One binary op: a (input), b (input or constant) → y. */
function binaryTflite(opName: 'MAXIMUM' | 'MINIMUM', type: number, sa: number[], sb: number[], qa?: { scale: number; zeroPoint: number }, qb = qa, qy = qa, bData?: Uint8Array): Uint8Array {
  const out = SHAPE_OF(sa, sb);
  const m: TflModel = {
    tensors: [tflTensor('a', type, sa, qa), tflTensor('b', type, sb, qb, bData), tflTensor('y', type, out, qy)],
    ops: [{ code: builtinCode(opName), version: type === TFL_INT8 ? 2 : 1, inputs: [0, 1], outputs: [2], optionsType: 0, options: [] }],
    inputs: bData ? [0] : [0, 1],
    outputs: [2],
    description: `${opName} test`,
  };
  return writeTflite(m);
}

function SHAPE_OF(a: number[], b: number[]): number[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, i) => Math.max(a[a.length - rank + i] ?? 1, b[b.length - rank + i] ?? 1));
}

describe('TFLite MAXIMUM / MINIMUM = desktop TFLite (wasm)', () => {
  let tfl: TfliteWasm;
  beforeAll(async () => {
    tfl = await loadTfliteWasm({ simd: true });
  });

  async function expectSameAsTflite(label: string, bytes: Uint8Array, feeds: TensorData[]): Promise<void> {
    const runner = tfl.createRunner(bytes);
    const want = runner.run(feeds as Int8Array[])[0];
    runner.dispose();
    const { blob } = convert(bytes, 'op.tflite', { precision: 'int8' });
    for (const build of BUILDS) {
      const [got] = await runBlob(build, blob, feeds);
      expect(Array.from(got), `${label} on ${build}`).toEqual(Array.from(want));
    }
  }

  for (const opName of ['MAXIMUM', 'MINIMUM'] as const) {
    it(`${opName} int8, byte for byte: equal shapes, broadcasting, a constant operand`, async () => {
      const r = rng(opName === 'MAXIMUM' ? 31 : 32);
      const q = { scale: 0.05, zeroPoint: 9 };
      for (const [sa, sb] of [[[1, 4, 4, 3], [1, 4, 4, 3]], [[2, 3, 4], [4]], [[1, 3, 1], [2, 1, 5]]] as [number[], number[]][]) {
        await expectSameAsTflite(`${opName} [${sa}] x [${sb}]`, binaryTflite(opName, TFL_INT8, sa, sb, q), [randS8(r, numel(sa)), randS8(r, numel(sb))]);
      }
      const c = new Uint8Array(Int8Array.from([-100, 9, 50]).buffer);
      await expectSameAsTflite(`${opName} with a constant`, binaryTflite(opName, TFL_INT8, [2, 2, 3], [3], q, q, q, c), [randS8(r, 12)]);
    });

    it(`${opName} float32 equals desktop TFLite exactly`, async () => {
      const r = rng(opName === 'MAXIMUM' ? 41 : 42);
      const bytes = binaryTflite(opName, TFL_FLOAT32, [2, 3, 4], [3, 1]);
      const feeds = [coarseF32(r, 24), coarseF32(r, 3)];
      const runner = tfl.createRunner(bytes);
      const want = runner.run(feeds)[0];
      runner.dispose();
      const { blob } = convert(bytes, 'op.tflite', { precision: 'f32' });
      for (const build of BUILDS) expect(Array.from((await runBlob(build, blob, feeds))[0]), build).toEqual(Array.from(want));
    });
  }

  it('refuses int8 operands whose scale or zero point differ from the output, naming the operator', () => {
    const q = { scale: 0.05, zeroPoint: 9 };
    expectConvertError(() => convert(binaryTflite('MAXIMUM', TFL_INT8, [4], [4], q, { scale: 0.1, zeroPoint: 9 }, q), 'op.tflite', { precision: 'int8' }),
      /TFLite MAXIMUM \(operator 0\): unsupported int8 input 1 whose scale \/ zero point differ from the output's/);
    expectConvertError(() => convert(binaryTflite('MINIMUM', TFL_INT8, [4], [4], q, q, { scale: 0.05, zeroPoint: 0 }), 'op.tflite', { precision: 'int8' }),
      /TFLite MINIMUM \(operator 0\): unsupported int8 input 0 whose scale \/ zero point differ/);
  });
});

// ---- ONNX Max / Min against ONNX Runtime ----------------------------------------------------------

function onnxModel(nodes: OnnxModelSpec['nodes'], inputs: [string, number[]][], output: [string, number[]], opset = 13): Uint8Array {
  return encodeOnnxModel({
    graphName: 'minmax',
    nodes,
    initializers: [],
    inputs: inputs.map(([name, dims]) => ({ name, dims })),
    outputs: [{ name: output[0], dims: output[1] }],
    opset,
  });
}

async function ortRun(bytes: Uint8Array, inputs: [string, number[]][], feeds: Float32Array[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const res = await session.run(Object.fromEntries(inputs.map(([n, dims], i) => [n, new ort.Tensor('float32', feeds[i], dims)])));
  return Object.values(res)[0].data as Float32Array;
}

describe('ONNX Max / Min = ONNX Runtime', () => {
  const inputs: [string, number[]][] = [['a', [2, 3, 4]], ['b', [4]], ['c', [3, 1]]];
  const cases: [string, OnnxModelSpec['nodes'], [string, number[]][], number[]][] = [
    ['Max of three (broadcast)', [{ op: 'Max', name: 'max3', inputs: ['a', 'b', 'c'], outputs: ['y'] }], inputs, [2, 3, 4]],
    ['Min of two', [{ op: 'Min', name: 'min2', inputs: ['a', 'c'], outputs: ['y'] }], [inputs[0], inputs[2]], [2, 3, 4]],
    ['Max of one, then Min', [
      { op: 'Max', name: 'max1', inputs: ['a'], outputs: ['m'] },
      { op: 'Min', name: 'min', inputs: ['m', 'b'], outputs: ['y'] },
    ], [inputs[0], inputs[1]], [2, 3, 4]],
  ];
  for (const [label, nodes, ins, outShape] of cases) {
    it(`${label}: f32 on both builds equals ORT; int8 PTQ equals the int8 reference and ORT within a step`, async () => {
      const bytes = onnxModel(nodes, ins, ['y', outShape]);
      const r = rng(label.length);
      const feeds = ins.map(([, d]) => Float32Array.from({ length: numel(d) }, () => (r() * 2 - 1) * 3));
      const want = await ortRun(bytes, ins, feeds);
      const f = convert(bytes, 'minmax.onnx', { precision: 'f32' });
      for (const build of BUILDS) expect(Array.from((await runBlob(build, f.blob, feeds))[0]), build).toEqual(Array.from(want));

      const calibration = [...[0, 1, 2, 3].map(() => ins.map(([, d]) => Float32Array.from({ length: numel(d) }, () => (r() * 2 - 1) * 3))), feeds];
      const q = convert(bytes, 'minmax.onnx', { precision: 'int8', calibration });
      const g: Graph = q.graph;
      expect(g.nodes.filter((n) => n.op === 'maximum' || n.op === 'minimum').every((n) => n.int8), 'the max/min nodes run in int8').toBe(true);
      // Every operand and the output of each max/min share one scale and zero point.
      for (const n of g.nodes.filter((m) => m.op === 'maximum' || m.op === 'minimum')) {
        const qs = [...n.inputs, ...n.outputs].map((t) => JSON.stringify(g.tensor(t).quant));
        expect(new Set(qs).size, n.name).toBe(1);
      }
      const yq = g.tensor(g.outputs[0]).quant!;
      const xq = g.inputs.map((t) => g.tensor(t).quant!);
      const qfeeds = feeds.map((x, i) => Int8Array.from(x, (v) => Math.max(-128, Math.min(127, Math.round(v / xq[i].scale[0]) + xq[i].zeroPoint[0]))));
      const [ref] = runGraph(g, qfeeds);
      await expectBlobsMatch(`${label} int8`, [['', q.blob]], qfeeds, ref);
      // The int8 result is ORT's up to the input and output rounding (one step of the shared scale each).
      const s = yq.scale[0];
      for (let i = 0; i < want.length; i++) {
        const v = s * ((ref as Int8Array)[i] - yq.zeroPoint[0]);
        expect(Math.abs(v - want[i]), `element ${i}`).toBeLessThanOrEqual(1.01 * s + 1e-6);
      }
    });
  }

  it('Max / Min on int32 inputs and with no inputs are refused with the node named', () => {
    const bytes = encodeOnnxModel({
      graphName: 'bad', nodes: [{ op: 'Max', name: 'imax', inputs: ['a', 'b'], outputs: ['y'] }], initializers: [],
      inputs: [{ name: 'a', dims: [2], elemType: 6 }, { name: 'b', dims: [2], elemType: 6 }], outputs: [{ name: 'y', dims: [2], elemType: 6 }],
    });
    expectConvertError(() => convert(bytes, 'bad.onnx', { precision: 'f32' }), /Max on int32 tensors is not supported \(float32 only\) \(node 'imax'/);
    const empty = onnxModel([{ op: 'Min', name: 'nothing', inputs: [], outputs: ['y'] }], [['a', [2]]], ['y', [2]]);
    expectConvertError(() => convert(empty, 'bad.onnx', { precision: 'f32' }), /'nothing'.*needs at least one input/);
  });
});

// ---- arg_max / arg_min ------------------------------------------------------------------------

/** An independent loop over one axis: the first (or last) index of the extreme value. */
function naiveArg(x: ArrayLike<number>, shape: number[], axis: number, isMax: boolean, last: boolean): number[] {
  const n = shape[axis];
  const inner = numel(shape.slice(axis + 1));
  const outer = numel(shape.slice(0, axis));
  const out: number[] = [];
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const col = Array.from({ length: n }, (_, k) => x[(o * n + k) * inner + i]);
      const best = isMax ? Math.max(...col) : Math.min(...col);
      out.push(last ? col.lastIndexOf(best) : col.indexOf(best));
    }
  return out;
}

describe('arg_max / arg_min: runtime (both builds) = reference kernels = a naive loop', () => {
  for (const op of ['arg_max', 'arg_min'] as const) {
    it(`${op} f32 and s8: every axis of rank 1..4, first and last index on ties`, async () => {
      const r = rng(op === 'arg_max' ? 51 : 52);
      const quant = { scale: 0.1, zeroPoint: 4 };
      for (const shape of [[7], [3, 5], [2, 4, 3], [2, 3, 2, 5]]) {
        for (let axis = 0; axis < shape.length; axis++) {
          for (const selectLastIndex of [false, true]) {
            for (const dtype of ['f32', 's8'] as const) {
              const g = oneOpGraph(op, [{ dtype, shape, quant: dtype === 's8' ? quant : undefined }], { dtype: 's32' }, { axis, selectLastIndex });
              const x = dtype === 'f32' ? coarseF32(r, numel(shape)) : randS8(r, numel(shape), -4, 4);
              const [want] = runGraph(g, [x]);
              expect(Array.from(want as Int32Array), `${op} ${dtype} [${shape}] axis ${axis}`).toEqual(naiveArg(x, shape, axis, op === 'arg_max', selectLastIndex));
              await expectBlobsMatch(`${op} ${dtype} [${shape}] axis ${axis} last ${selectLastIndex}`, [['', blobOf(g)]], [x], want);
            }
          }
        }
      }
    });
  }

  it('load refuses an axis past the rank, a mode other than 0 / 1, a non-s32 output', async () => {
    const g = oneOpGraph('arg_max', [{ dtype: 'f32', shape: [2, 3] }], { dtype: 's32' }, { axis: 1, selectLastIndex: false });
    const blob = emitBlob(g, planMemory(g));
    const param = (b: Uint8Array, k: number, v: number) => {
      const c = b.slice();
      const d = new DataView(c.buffer);
      d.setInt32(d.getUint32(F.H_PARAMS_OFFSET, true) + 4 * k, v, true);
      fixCrc(c);
      return c;
    };
    await expectLoadRefused(param(blob, 0, 2), /op 0 \(arg_max\): axis must be in \[0, 1\], got 2/);
    await expectLoadRefused(param(blob, 1, 2), /op 0 \(arg_max\): mode must be in \[0, 1\], got 2/);
    const f = oneOpGraph('arg_min', [{ dtype: 'f32', shape: [2, 3] }], { dtype: 'f32' }, { axis: 0, selectLastIndex: false });
    await expectLoadRefused(emitBlob(f, planMemory(f)), /op 0 \(arg_min\): output 0 must be s32, got f32/);
  });
});

describe('TFLite ARG_MAX / ARG_MIN = desktop TFLite (wasm)', () => {
  let tfl: TfliteWasm;
  beforeAll(async () => {
    tfl = await loadTfliteWasm({ simd: true });
  });
  const TFL_INT32 = 2;
  const argTflite = (opName: 'ARG_MAX' | 'ARG_MIN', type: number, shape: number[], axis: number, q?: { scale: number; zeroPoint: number }) =>
    writeTflite({
      tensors: [
        tflTensor('x', type, shape, q),
        tflTensor('axis', TFL_INT32, [1], undefined, new Uint8Array(Int32Array.from([axis]).buffer)),
        tflTensor('y', TFL_INT32, shape.filter((_, i) => i !== (axis < 0 ? axis + shape.length : axis))),
      ],
      ops: [{ code: builtinCode(opName), version: type === TFL_INT8 ? 2 : 1, inputs: [0, 1], outputs: [2], optionsType: opName === 'ARG_MAX' ? 40 : 57, options: [[0, 1, TFL_INT32]] }],
      inputs: [0],
      outputs: [2],
      description: `${opName} test`,
    });

  for (const opName of ['ARG_MAX', 'ARG_MIN'] as const) {
    it(`${opName} int8 and float32: int32 indices equal TFLite's on every axis (ties included)`, async () => {
      const r = rng(opName === 'ARG_MAX' ? 61 : 62);
      const shape = [2, 5, 4];
      for (const axis of [0, 1, 2, -1]) {
        for (const [type, precision] of [[TFL_INT8, 'int8'], [TFL_FLOAT32, 'f32']] as const) {
          const bytes = argTflite(opName, type, shape, axis, type === TFL_INT8 ? { scale: 0.1, zeroPoint: -3 } : undefined);
          const x = type === TFL_INT8 ? randS8(r, numel(shape), -5, 5) : coarseF32(r, numel(shape));
          const runner = tfl.createRunner(bytes);
          const want = runner.run([x])[0];
          runner.dispose();
          expect(want).toBeInstanceOf(Int32Array);
          const { blob, graph } = convert(bytes, 'arg.tflite', { precision });
          expect(graph.tensor(graph.outputs[0]).dtype).toBe('s32');
          for (const build of BUILDS) {
            const [got] = await runBlob(build, blob, [x]);
            expect(got, `${opName} ${precision} axis ${axis} on ${build}`).toBeInstanceOf(Int32Array);
            expect(Array.from(got), `${opName} ${precision} axis ${axis} on ${build}`).toEqual(Array.from(want));
          }
        }
      }
    });
  }

  it('indices fed to another op are refused, naming both operators', () => {
    const bytes = writeTflite({
      tensors: [
        tflTensor('x', TFL_FLOAT32, [3, 4]),
        tflTensor('axis', TFL_INT32, [1], undefined, new Uint8Array(Int32Array.from([1]).buffer)),
        tflTensor('i', TFL_INT32, [3]),
        tflTensor('y', TFL_INT32, [3]),
      ],
      ops: [
        { code: builtinCode('ARG_MAX'), version: 1, inputs: [0, 1], outputs: [2], optionsType: 40, options: [[0, 1, TFL_INT32]] },
        { code: builtinCode('ADD'), version: 1, inputs: [2, 2], outputs: [3], optionsType: 11, options: [] },
      ],
      inputs: [0],
      outputs: [3],
      description: 'arg into add',
    });
    expectConvertError(() => convert(bytes, 'bad.tflite', { precision: 'f32' }), /TFLite ADD \(operator 1\) reads the indices of TFLite ARG_MAX \(operator 0\)/);
  });
});

describe('ONNX ArgMax / ArgMin = ONNX Runtime', () => {
  const shape = [2, 3, 4];
  const cases: [string, 'ArgMax' | 'ArgMin', Record<string, number>][] = [
    ['ArgMax axis 1, keepdims', 'ArgMax', { axis: 1, keepdims: 1 }],
    ['ArgMin axis -1, no keepdims', 'ArgMin', { axis: -1, keepdims: 0 }],
    ['ArgMax axis 0, select_last_index', 'ArgMax', { axis: 0, keepdims: 0, select_last_index: 1 }],
    ['ArgMin default axis 0, select_last_index', 'ArgMin', { select_last_index: 1 }],
  ];
  for (const [label, opType, attrs] of cases) {
    it(`${label}: f32 blobs give ORT's indices; after int8 PTQ the int8 reference's, each an extreme within one step`, async () => {
      const axis = ((attrs.axis ?? 0) + shape.length) % shape.length;
      const outShape = shape.map((d, i) => (i === axis ? 1 : d)).filter((_, i) => i !== axis || attrs.keepdims !== 0);
      const bytes = encodeOnnxModel({
        graphName: 'arg', nodes: [{ op: opType, name: 'arg', inputs: ['x'], outputs: ['y'], attrs }], initializers: [],
        inputs: [{ name: 'x', dims: shape }], outputs: [{ name: 'y', dims: outShape, elemType: 7 }], opset: 13,
      });
      const r = rng(label.length + 70);
      const x = coarseF32(r, numel(shape));
      const session = await ort.InferenceSession.create(bytes);
      const res = await session.run({ x: new ort.Tensor('float32', x, shape) });
      const want = Array.from(res.y.data as BigInt64Array, Number);
      expect([...res.y.dims]).toEqual(outShape);
      const f = convert(bytes, 'arg.onnx', { precision: 'f32' });
      expect(f.graph.tensor('y').shape).toEqual(outShape);
      for (const build of BUILDS) expect(Array.from((await runBlob(build, f.blob, [x]))[0]), build).toEqual(want);

      const calibration = [[x], [coarseF32(r, numel(shape))]];
      const q = convert(bytes, 'arg.onnx', { precision: 'int8', calibration });
      const node = q.graph.nodes.find((n) => n.op === (opType === 'ArgMax' ? 'arg_max' : 'arg_min'))!;
      expect(q.graph.tensor(node.inputs[0]).dtype).toBe('s8');
      expect(q.graph.tensor('y').dtype).toBe('s32');
      const xq = q.graph.tensor(q.graph.inputs[0]).quant!;
      const s = xq.scale[0];
      const x8 = Int8Array.from(x, (v) => Math.max(-128, Math.min(127, Math.round(v / s) + xq.zeroPoint[0])));
      const [ref] = runGraph(q.graph, [x8]);
      await expectBlobsMatch(`${label} int8`, [['', q.blob]], [x8], ref);
      // Each int8 index points at a value within one quantization step of the float extreme.
      const inner = numel(shape.slice(axis + 1));
      (ref as Int32Array).forEach((k, j) => {
        const o = Math.floor(j / inner), i = j % inner;
        const col = Array.from({ length: shape[axis] }, (_, m) => x[(o * shape[axis] + m) * inner + i]);
        const best = opType === 'ArgMax' ? Math.max(...col) : Math.min(...col);
        expect(Math.abs(col[k] - best), `position ${j}`).toBeLessThanOrEqual(s + 1e-6);
      });
    });
  }

  it('a bad axis and an empty axis are refused with the node named', () => {
    const model = (attrs: Record<string, number>, dims: number[]) => encodeOnnxModel({
      graphName: 'arg', nodes: [{ op: 'ArgMax', name: 'am', inputs: ['x'], outputs: ['y'], attrs }], initializers: [],
      inputs: [{ name: 'x', dims }], outputs: [{ name: 'y', dims: [1], elemType: 7 }], opset: 13,
    });
    expectConvertError(() => convert(model({ axis: 3 }, [2, 3, 4]), 'bad.onnx', { precision: 'f32' }), /'am'.*axis 3 is out of range for rank 3/);
    expectConvertError(() => convert(model({ axis: 1 }, [2, 0]), 'bad.onnx', { precision: 'f32' }), /'am'.*axis 1 is empty/);
  });
});

// ---- reduce_max / reduce_min ------------------------------------------------------------------------

/** An independent loop: the extreme over `axes` (kept as 1), from ±inf (f32) or -128 / 127 (s8). */
function naiveReduce(x: ArrayLike<number>, shape: number[], axes: number[], isMax: boolean, start: number): number[] {
  const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = new Array<number>(numel(outShape)).fill(start);
  const idx = new Array<number>(shape.length).fill(0);
  for (let f = 0; f < numel(shape); f++) {
    let o = 0;
    for (let d = 0; d < shape.length; d++) o = o * outShape[d] + (axes.includes(d) ? 0 : idx[d]);
    if (isMax ? x[f] > out[o] : x[f] < out[o]) out[o] = x[f];
    for (let d = shape.length - 1; d >= 0 && ++idx[d] === shape[d]; d--) idx[d] = 0;
  }
  return out;
}

describe('reduce_max / reduce_min: runtime (both builds) = reference kernels = a naive loop', () => {
  for (const op of ['reduce_max', 'reduce_min'] as const) {
    it(`${op} f32 and s8: every subset of axes of a rank-3 and a rank-4 tensor`, async () => {
      const r = rng(op === 'reduce_max' ? 81 : 82);
      const quant = { scale: 0.02, zeroPoint: -9 };
      for (const shape of [[3, 4, 5], [2, 3, 2, 4]]) {
        for (let mask = 0; mask < 1 << shape.length; mask++) {
          const axes = shape.map((_, i) => i).filter((i) => mask & (1 << i));
          for (const dtype of ['f32', 's8'] as const) {
            const g = oneOpGraph(op, [{ dtype, shape, quant: dtype === 's8' ? quant : undefined }], { dtype, quant: dtype === 's8' ? quant : undefined }, { axes });
            const x = dtype === 'f32' ? coarseF32(r, numel(shape)) : randS8(r, numel(shape));
            const [want] = runGraph(g, [x]);
            const start = dtype === 'f32' ? (op === 'reduce_max' ? -Infinity : Infinity) : op === 'reduce_max' ? -128 : 127;
            expect(Array.from(want as Float32Array), `${op} ${dtype} [${shape}] axes [${axes}]`).toEqual(naiveReduce(x, shape, axes, op === 'reduce_max', start));
            await expectBlobsMatch(`${op} ${dtype} [${shape}] axes [${axes}]`, [['', blobOf(g)]], [x], want);
          }
        }
      }
    });
  }

  it('load refuses an s8 output off the input grid and an axes_mask past the rank', async () => {
    const q = { scale: 0.02, zeroPoint: -9 };
    const off = oneOpGraph('reduce_min', [{ dtype: 's8', shape: [2, 3], quant: q }], { dtype: 's8', quant: { ...q, scale: 0.04 } }, { axes: [1] });
    expect(() => runGraph(off, [new Int8Array(6)])).toThrow(/input 0 \(x\).*must share the output's/);
    await expectLoadRefused(emitBlob(off, planMemory(off)), /op 0 \(reduce_min\): input 0 must share the output scale and zero point/);
    const g = oneOpGraph('reduce_max', [{ dtype: 'f32', shape: [2, 3] }], { dtype: 'f32' }, { axes: [1] });
    const b = emitBlob(g, planMemory(g)).slice();
    const d = new DataView(b.buffer);
    d.setInt32(d.getUint32(F.H_PARAMS_OFFSET, true), 0b110, true);
    fixCrc(b);
    await expectLoadRefused(b, /op 0 \(reduce_max\): axes_mask names an axis past the input rank/);
  });
});

describe('TFLite REDUCE_MAX / REDUCE_MIN = desktop TFLite (wasm)', () => {
  let tfl: TfliteWasm;
  beforeAll(async () => {
    tfl = await loadTfliteWasm({ simd: true });
  });
  const TFL_INT32 = 2;
  const REDUCER_OPTIONS = 27;
  const reduceTflite = (opName: 'REDUCE_MAX' | 'REDUCE_MIN', type: number, shape: number[], axes: number[], keep: boolean, qx?: { scale: number; zeroPoint: number }, qy = qx) => {
    const norm = axes.map((a) => (a < 0 ? a + shape.length : a));
    const out = keep ? shape.map((d, i) => (norm.includes(i) ? 1 : d)) : shape.filter((_, i) => !norm.includes(i));
    return writeTflite({
      tensors: [
        tflTensor('x', type, shape, qx),
        tflTensor('axes', TFL_INT32, [axes.length], undefined, new Uint8Array(Int32Array.from(axes).buffer)),
        tflTensor('y', type, out, qy),
      ],
      ops: [{ code: builtinCode(opName), version: type === TFL_INT8 ? 2 : 1, inputs: [0, 1], outputs: [2], optionsType: REDUCER_OPTIONS, options: [[0, 1, keep ? 1 : 0]] }],
      inputs: [0],
      outputs: [2],
      description: `${opName} test`,
    });
  };

  for (const opName of ['REDUCE_MAX', 'REDUCE_MIN'] as const) {
    it(`${opName} int8 byte for byte and float32 exactly, with and without keep_dims`, async () => {
      const r = rng(opName === 'REDUCE_MAX' ? 91 : 92);
      const shape = [1, 4, 5, 3];
      for (const [axes, keep] of [[[1, 2], true], [[1, 2], false], [[-1], false], [[0, 1, 2, 3], true], [[3, 1], true]] as [number[], boolean][]) {
        for (const [type, precision] of [[TFL_INT8, 'int8'], [TFL_FLOAT32, 'f32']] as const) {
          const q = { scale: 0.1, zeroPoint: 7 };
          const bytes = reduceTflite(opName, type, shape, axes, keep, type === TFL_INT8 ? q : undefined);
          const x = type === TFL_INT8 ? randS8(r, numel(shape)) : coarseF32(r, numel(shape));
          const runner = tfl.createRunner(bytes);
          const want = runner.run([x])[0];
          runner.dispose();
          const { blob } = convert(bytes, 'reduce.tflite', { precision });
          for (const build of BUILDS) {
            expect(Array.from((await runBlob(build, blob, [x]))[0]), `${opName} ${precision} axes [${axes}] keep ${keep} on ${build}`).toEqual(Array.from(want));
          }
        }
      }
    });
  }

  it('refuses an int8 output whose scale or zero point differ from the input (TFLite Micro requires them equal)', () => {
    const bytes = reduceTflite('REDUCE_MAX', TFL_INT8, [2, 3], [1], false, { scale: 0.1, zeroPoint: 7 }, { scale: 0.1, zeroPoint: 6 });
    expectConvertError(() => convert(bytes, 'bad.tflite', { precision: 'int8' }),
      /TFLite REDUCE_MAX \(operator 0\): unsupported int8 REDUCE_MAX whose output scale \/ zero point differ from the input's/);
  });
});

describe('ONNX ReduceMax / ReduceMin = ONNX Runtime', () => {
  const shape = [2, 3, 4];
  // [label, op, opset, attrs, axes input (opset 18), reduced axes]
  const cases: [string, 'ReduceMax' | 'ReduceMin', number, Record<string, number | number[]>, number[] | undefined, number[]][] = [
    ['ReduceMax axes [1] (attribute, opset 13), keepdims', 'ReduceMax', 13, { axes: [1], keepdims: 1 }, undefined, [1]],
    ['ReduceMin axes [-1, 0] (attribute), no keepdims', 'ReduceMin', 13, { axes: [-1, 0], keepdims: 0 }, undefined, [0, 2]],
    ['ReduceMax all axes (no axes attribute)', 'ReduceMax', 13, { keepdims: 0 }, undefined, [0, 1, 2]],
    ['ReduceMin axes [2] as an input (opset 18)', 'ReduceMin', 18, { keepdims: 1 }, [2], [2]],
    ['ReduceMax empty axes input, noop_with_empty_axes (opset 18)', 'ReduceMax', 18, { noop_with_empty_axes: 1 }, [], []],
  ];
  for (const [label, opType, opset, attrs, axesInput, reduced] of cases) {
    it(`${label}: f32 on both builds equals ORT; int8 PTQ equals the int8 reference and ORT within a step`, async () => {
      const keep = attrs.keepdims !== 0;
      const outShape = reduced.length === 0 ? shape : keep ? shape.map((d, i) => (reduced.includes(i) ? 1 : d)) : shape.filter((_, i) => !reduced.includes(i));
      const bytes = encodeOnnxModel({
        graphName: 'reduce',
        nodes: [{ op: opType, name: 'red', inputs: axesInput ? ['x', 'axes'] : ['x'], outputs: ['y'], attrs }],
        initializers: axesInput ? [{ name: 'axes', dims: [axesInput.length], data: BigInt64Array.from(axesInput.map(BigInt)) }] : [],
        inputs: [{ name: 'x', dims: shape }], outputs: [{ name: 'y', dims: outShape }], opset,
      });
      const r = rng(label.length + 90);
      const x = Float32Array.from({ length: numel(shape) }, () => (r() * 2 - 1) * 4);
      const want = await ortRun(bytes, [['x', shape]], [x]);
      const f = convert(bytes, 'reduce.onnx', { precision: 'f32' });
      for (const build of BUILDS) expect(Array.from((await runBlob(build, f.blob, [x]))[0]), build).toEqual(Array.from(want));
      if (reduced.length === 0) return; // an identity: nothing to quantize

      const q = convert(bytes, 'reduce.onnx', { precision: 'int8', calibration: [[x], [Float32Array.from(x, (v) => -v)]] });
      const node = q.graph.nodes.find((n) => n.op === (opType === 'ReduceMax' ? 'reduce_max' : 'reduce_min'))!;
      expect(node.int8).toBeDefined();
      expect(q.graph.tensor(node.inputs[0]).quant).toEqual(q.graph.tensor(node.outputs[0]).quant);
      const xq = q.graph.tensor(q.graph.inputs[0]).quant!;
      const s = xq.scale[0], zp = xq.zeroPoint[0];
      const x8 = Int8Array.from(x, (v) => Math.max(-128, Math.min(127, Math.round(v / s) + zp)));
      const [ref] = runGraph(q.graph, [x8]);
      await expectBlobsMatch(`${label} int8`, [['', q.blob]], [x8], ref);
      (ref as Int8Array).forEach((c, i) => expect(Math.abs(s * (c - zp) - want[i]), `element ${i}`).toBeLessThanOrEqual(0.5 * s + 1e-6));
    });
  }

  it('NCHW: Conv -> ReduceMax over H, W keepdims -> Conv runs NHWC (the transposes sink through), equal to ORT', async () => {
    const w1 = Float32Array.from({ length: 4 * 3 * 3 * 3 }, (_, i) => Math.sin(i * 0.7) * 0.5);
    const w2 = Float32Array.from({ length: 2 * 4 }, (_, i) => Math.cos(i * 0.3));
    const bytes = encodeOnnxModel({
      graphName: 'nchw',
      nodes: [
        { op: 'Conv', name: 'c1', inputs: ['x', 'w1'], outputs: ['h'], attrs: { pads: [1, 1, 1, 1] } },
        { op: 'ReduceMax', name: 'gmax', inputs: ['h'], outputs: ['m'], attrs: { axes: [2, 3], keepdims: 1 } },
        { op: 'Conv', name: 'c2', inputs: ['m', 'w2'], outputs: ['y'] },
      ],
      initializers: [{ name: 'w1', dims: [4, 3, 3, 3], data: w1 }, { name: 'w2', dims: [2, 4, 1, 1], data: w2 }],
      inputs: [{ name: 'x', dims: [1, 3, 6, 5] }], outputs: [{ name: 'y', dims: [1, 2, 1, 1] }],
    });
    const r = rng(99);
    const x = Float32Array.from({ length: 90 }, () => r() * 2 - 1);
    const want = await ortRun(bytes, [['x', [1, 3, 6, 5]]], [x]);
    const f = convert(bytes, 'nchw.onnx', { precision: 'f32' });
    expect(f.graph.nodes.filter((n) => n.op === 'transpose').length, f.graph.nodes.map((n) => n.op).join(' ')).toBeLessThanOrEqual(1);
    expect((f.graph.nodes.find((n) => n.op === 'reduce_max')!.attrs as { axes: number[] }).axes).toEqual([1, 2]);
    for (const build of BUILDS) {
      const [got] = await runBlob(build, f.blob, [x]);
      got.forEach((v, i) => expect(Math.abs(v - want[i]), `${build} element ${i}`).toBeLessThanOrEqual(1e-5));
    }
  });
});
