// compare, logical and select end to end: the runtime kernels (both builds) against the reference
// kernels on one-op graphs (every function, NaN, broadcasting of two and three operands, bool graph
// inputs and outputs); the s8 compare against an independent loop of TFLM's arithmetic; ONNX
// Equal / Less / LessOrEqual / Greater / GreaterOrEqual / Not / And / Or / Xor / Where against ONNX
// Runtime in f32 and after int8 PTQ; TFLite's comparisons, LOGICAL_*, SELECT and SELECT_V2 against
// desktop TFLite (int8 byte for byte); constant folding; and the refusals, at convert time (naming
// the node or operator) and at load (naming the op).
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeTflite, type TflModel, type TflTensor } from '../bench/synthetic/tflite-writer.js';
import { convert } from '../converter/convert.js';
import { builtinCode } from '../converter/import/tflite-opnames.js';
import { encodeOnnxModel, type OnnxModelSpec } from '../converter/demo/onnx-build.js';
import { emitBlob } from '../converter/emit/index.js';
import { ConvertError } from '../converter/errors.js';
import { COMPARE_FUNCTIONS, type CompareFunction, type Graph, LOGICAL_FUNCTIONS, type TensorData, numel } from '../converter/ir/graph.js';
import { compareParams } from '../converter/passes/quantize/qparams.js';
import { foldConstants } from '../converter/passes/fold-constants.js';
import { planMemory } from '../converter/plan/index.js';
import { runGraph } from '../converter/reference/interpreter.js';
import * as F from '../format/format.js';
import { readBlob } from '../host/blob-reader.js';
import { loadTfliteWasm, type TfliteWasm } from './support/tflite-wasm.js';
import { BUILDS, blobOf, editTensor, ensureWasmBuilt, expectBlobsMatch, expectLoadRefused, fixCrc, oneOpGraph, randS8, rng, runBlob, u32, setU32 } from './runtime-harness.js';

beforeAll(async () => {
  await ensureWasmBuilt();
}, 120_000);

/** f32 values on a coarse grid (multiples of 1/2 in [-2, 2]), so operands often tie. */
function coarseF32(r: () => number, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => Math.floor(r() * 9 - 4) / 2);
}
const bools = (r: () => number, n: number) => Uint8Array.from({ length: n }, () => (r() < 0.5 ? 1 : 0));

// Two-operand shapes: equal, a trailing vector, both broadcasting, a scalar, rank 5.
const PAIRS: [number[], number[]][] = [
  [[2, 3, 4], [2, 3, 4]],
  [[2, 3, 4], [4]],
  [[1, 3, 1], [2, 1, 5]],
  [[], [3, 2]],
  [[2, 1, 3, 1, 2], [1, 2, 1, 4, 1]],
];

/** An independent statement of each predicate, from the ONNX / TFLite definitions. */
const PREDICATE: Record<CompareFunction, (a: number, b: number) => boolean> = {
  equal: (a, b) => a === b,
  not_equal: (a, b) => !(a === b),
  less: (a, b) => a < b,
  less_equal: (a, b) => a <= b,
  greater: (a, b) => a > b,
  greater_equal: (a, b) => a >= b,
};

describe('compare / logical / select: runtime (both builds) = reference kernels', () => {
  it('compare f32, every function: broadcasting, ties, NaN (false but for not_equal)', async () => {
    const r = rng(1);
    for (const fn of COMPARE_FUNCTIONS) {
      for (const [sa, sb] of PAIRS) {
        const g = oneOpGraph('compare', [{ dtype: 'f32', shape: sa }, { dtype: 'f32', shape: sb }], { dtype: 'bool' }, { fn });
        const feeds = [coarseF32(r, numel(sa)), coarseF32(r, numel(sb))];
        if (feeds[0].length > 2) feeds[0][1] = NaN;
        const [want] = runGraph(g, feeds);
        if (sa.join() === sb.join()) expect(Array.from(want as Uint8Array), fn).toEqual(Array.from(feeds[0], (v, i) => (PREDICATE[fn](v, feeds[1][i]) ? 1 : 0)));
        await expectBlobsMatch(`compare ${fn} f32 [${sa}] x [${sb}]`, [['', blobOf(g)]], feeds, want);
      }
    }
  });

  it('compare of bools (equal, not_equal) and logical and / or / xor / not, broadcasting', async () => {
    const r = rng(2);
    for (const [sa, sb] of PAIRS) {
      for (const fn of ['equal', 'not_equal'] as const) {
        const g = oneOpGraph('compare', [{ dtype: 'bool', shape: sa }, { dtype: 'bool', shape: sb }], { dtype: 'bool' }, { fn });
        const feeds = [bools(r, numel(sa)), bools(r, numel(sb))];
        await expectBlobsMatch(`compare ${fn} bool [${sa}] x [${sb}]`, [['', blobOf(g)]], feeds, runGraph(g, feeds)[0]);
      }
      for (const fn of LOGICAL_FUNCTIONS) {
        const specs = fn === 'not' ? [{ dtype: 'bool' as const, shape: sa }] : [{ dtype: 'bool' as const, shape: sa }, { dtype: 'bool' as const, shape: sb }];
        const g = oneOpGraph('logical', specs, { dtype: 'bool' }, { fn });
        const feeds = specs.map((s) => bools(r, numel(s.shape)));
        const [want] = runGraph(g, feeds);
        if (fn === 'not') expect(Array.from(want as Uint8Array)).toEqual(Array.from(feeds[0], (v) => 1 - v));
        await expectBlobsMatch(`logical ${fn} [${sa}] x [${sb}]`, [['', blobOf(g)]], feeds, want);
      }
    }
    // Any non-zero byte reads as true (a host may write 255); outputs are 0 / 1.
    const g = oneOpGraph('logical', [{ dtype: 'bool', shape: [4] }, { dtype: 'bool', shape: [4] }], { dtype: 'bool' }, { fn: 'xor' });
    for (const build of BUILDS) {
      const [y] = await runBlob(build, blobOf(g), [Uint8Array.from([0, 255, 2, 0]), Uint8Array.from([0, 1, 0, 7])]);
      expect(Array.from(y), build).toEqual([0, 0, 1, 1]);
    }
  });

  it('select: f32, s8, bool and s32 values, the three operands broadcast, a constant condition', async () => {
    const r = rng(3);
    const triples: [number[], number[], number[]][] = [
      [[2, 3, 4], [2, 3, 4], [2, 3, 4]],
      [[3, 1], [1, 4], [2, 3, 4]],
      [[], [2, 2], [1]],
      [[2, 1, 3, 1, 2], [1, 2, 1, 4, 1], [2]],
      [[4], [], []],
    ];
    const q = { scale: 0.25, zeroPoint: 3 };
    for (const [sc, sa, sb] of triples) {
      for (const dtype of ['f32', 's8', 'bool', 's32'] as const) {
        const quant = dtype === 's8' ? q : undefined;
        const g = oneOpGraph('select', [{ dtype: 'bool', shape: sc }, { dtype, shape: sa, quant }, { dtype, shape: sb, quant }], { dtype, quant }, {});
        const val = (n: number): TensorData =>
          dtype === 'f32' ? coarseF32(r, n) : dtype === 's8' ? randS8(r, n) : dtype === 'bool' ? bools(r, n) : Int32Array.from({ length: n }, () => Math.floor((r() - 0.5) * 2 ** 31));
        const feeds = [bools(r, numel(sc)), val(numel(sa)), val(numel(sb))];
        await expectBlobsMatch(`select ${dtype} [${sc}] [${sa}] [${sb}]`, [['', blobOf(g)]], feeds, runGraph(g, feeds)[0]);
      }
    }
    // An independent check of the rule on equal shapes: y = cond ? a : b.
    const g = oneOpGraph('select', [{ dtype: 'bool', shape: [5], data: Uint8Array.from([1, 0, 0, 1, 1]) }, { dtype: 'f32', shape: [5] }, { dtype: 'f32', shape: [5] }], { dtype: 'f32' }, {});
    const a = Float32Array.from([1, 2, 3, 4, 5]), b = Float32Array.from([-1, -2, -3, -4, -5]);
    for (const build of BUILDS) expect(Array.from((await runBlob(build, blobOf(g), [a, b]))[0]), build).toEqual([1, -2, -3, 4, 5]);
  });

  it('compare s8 is TFLM\'s: each input rescaled to MBQM((x − zp)·2^8, its scale), then compared (an independent loop)', async () => {
    const r = rng(4);
    // Different grids, one grid, and a fine scale (below 2^-8, where neighbouring codes rescale to
    // one value and compare equal, as on the MCU).
    const grids: [{ scale: number; zeroPoint: number }, { scale: number; zeroPoint: number }][] = [
      [{ scale: 0.05, zeroPoint: 9 }, { scale: 0.02, zeroPoint: -30 }],
      [{ scale: 0.0625, zeroPoint: -7 }, { scale: 0.0625, zeroPoint: -7 }],
      [{ scale: 0.001, zeroPoint: 0 }, { scale: 0.003, zeroPoint: 5 }],
    ];
    for (const [qa, qb] of grids) {
      const p = compareParams(qa.scale, qb.scale);
      for (const fn of COMPARE_FUNCTIONS) {
        for (const [sa, sb] of PAIRS.slice(0, 3)) {
          const g = oneOpGraph('compare', [{ dtype: 's8', shape: sa, quant: qa }, { dtype: 's8', shape: sb, quant: qb }], { dtype: 'bool' }, { fn }, p);
          const feeds = [randS8(r, numel(sa)), randS8(r, numel(sb))];
          const [want] = runGraph(g, feeds);
          if (sa.join() === sb.join()) {
            // TFLM: scaled = RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x·256, mult), -shift).
            const scaled = (x: number, zp: number, m: number, s: number) => {
              const prod = BigInt((x - zp) * 256) * BigInt(m);
              const nudge = prod >= 0n ? 1n << 30n : 1n - (1n << 30n);
              const hi = Number((prod + nudge) / (1n << 31n));
              const e = -s, mask = (1 << e) - 1, rem = hi & mask, th = (mask >> 1) + (hi < 0 ? 1 : 0);
              return (hi >> e) + (rem > th ? 1 : 0);
            };
            const mine = feeds[0].map((x, i) => (PREDICATE[fn](scaled(x, qa.zeroPoint, p.aMult, p.aShift), scaled(feeds[1][i], qb.zeroPoint, p.bMult, p.bShift)) ? 1 : 0));
            expect(Array.from(want as Uint8Array), `${fn} ${qa.scale}/${qb.scale}`).toEqual(Array.from(mine));
          }
          await expectBlobsMatch(`compare ${fn} s8 [${sa}] x [${sb}]`, [['', blobOf(g)]], feeds, want);
        }
      }
    }
    // With scale 0.001 the codes 0 and 1 rescale to 0 both: equal (TFLM's result, not the real one).
    const qf = { scale: 0.001, zeroPoint: 0 };
    const g = oneOpGraph('compare', [{ dtype: 's8', shape: [2], quant: qf }, { dtype: 's8', shape: [2], quant: qf }], { dtype: 'bool' }, { fn: 'equal' }, compareParams(0.001, 0.001));
    expect(Array.from(runGraph(g, [Int8Array.from([0, 0]), Int8Array.from([1, 4])])[0] as Uint8Array)).toEqual([1, 0]);
  });

  it('bool graph inputs and outputs: the blob reader, the host and the planner take them', async () => {
    const g = oneOpGraph('logical', [{ dtype: 'bool', shape: [2, 3] }], { dtype: 'bool' }, { fn: 'not' });
    const blob = blobOf(g);
    const view = readBlob(blob);
    expect(view.tensors[view.inputs[0]].dtypeName).toBe('bool');
    expect(view.tensors[view.outputs[0]].dtypeName).toBe('bool');
    for (const build of BUILDS) {
      const rt = await (await import('./runtime-harness.js')).freshRuntime(build);
      const model = rt.load(blob);
      expect(model.inputs[0].dtype).toBe('bool');
      expect(model.outputs[0].dtype).toBe('bool');
      const [y] = model.run([Uint8Array.from([1, 0, 0, 1, 1, 0])]);
      expect(y).toBeInstanceOf(Uint8Array);
      expect(Array.from(y)).toEqual([0, 1, 1, 0, 0, 1]);
    }
  });

  it('load refuses a non-bool condition, operands off the output dtype or grid, bad shapes, unknown functions', async () => {
    const sel = oneOpGraph('select', [{ dtype: 'bool', shape: [2, 3] }, { dtype: 'f32', shape: [2, 3] }, { dtype: 'f32', shape: [3] }], { dtype: 'f32' }, {});
    const cond = editNamed(emitBlob(sel, planMemory(sel)), 'in0', (d, at) => d.setUint8(at + F.T_DTYPE, F.DTYPE_U8));
    await expectLoadRefused(cond, /op 0 \(select\): input 0 must be bool, got u8/);
    const mixed = editNamed(emitBlob(sel, planMemory(sel)), 'in2', (d, at) => d.setUint8(at + F.T_DTYPE, F.DTYPE_U8));
    await expectLoadRefused(mixed, /op 0 \(select\): input 2 must have the output dtype/);
    const wide = editNamed(emitBlob(sel, planMemory(sel)), 'in2', (d, at) => { d.setInt32(at + F.T_DIMS, 2, true); d.setUint32(at + F.T_BYTE_SIZE, 8, true); });
    await expectLoadRefused(wide, /op 0 \(select\): input shapes do not broadcast at output dim 1/);
    const cond3 = editNamed(emitBlob(sel, planMemory(sel)), 'in0', (d, at) => { d.setUint8(at + F.T_RANK, 3); d.setInt32(at + F.T_DIMS, 1, true); d.setInt32(at + F.T_DIMS + 4, 2, true); d.setInt32(at + F.T_DIMS + 8, 3, true); });
    await expectLoadRefused(cond3, /op 0 \(select\): input 0 has a higher rank than the output/);
    const q = { scale: 0.25, zeroPoint: 3 };
    const s8 = oneOpGraph('select', [{ dtype: 'bool', shape: [3] }, { dtype: 's8', shape: [3], quant: q }, { dtype: 's8', shape: [3], quant: { ...q, zeroPoint: 0 } }], { dtype: 's8', quant: q }, {});
    expect(() => runGraph(s8, [new Uint8Array(3), new Int8Array(3), new Int8Array(3)])).toThrow(/input 2 \(b\).*must share the output's/);
    await expectLoadRefused(emitBlob(s8, planMemory(s8)), /op 0 \(select\): input 2 must share the output scale and zero point/);

    const cmp = oneOpGraph('compare', [{ dtype: 'f32', shape: [2, 3] }, { dtype: 'f32', shape: [2, 3] }], { dtype: 'bool' }, { fn: 'less' });
    const bad = editNamed(emitBlob(cmp, planMemory(cmp)), 'in1', (d, at) => d.setInt32(at + F.T_DIMS + 4, 2, true));
    await expectLoadRefused(bad, /op 0 \(compare\): input shapes do not broadcast at output dim 1/);
    const outU8 = editNamed(emitBlob(cmp, planMemory(cmp)), 'out', (d, at) => d.setUint8(at + F.T_DTYPE, F.DTYPE_U8));
    await expectLoadRefused(outU8, /op 0 \(compare\): output 0 must be bool, got u8/);
    const fnCode = paramEdit(emitBlob(cmp, planMemory(cmp)), 0, 6);
    await expectLoadRefused(fnCode, /op 0 \(compare\): unknown function code 6 \(format.ts COMPARE_\*: 0..5\)/);
    const s8cmp = oneOpGraph('compare', [{ dtype: 's8', shape: [3], quant: q }, { dtype: 's8', shape: [3], quant: q }], { dtype: 'bool' }, { fn: 'less' }, compareParams(0.25, 0.25));
    await expectLoadRefused(paramEdit(emitBlob(s8cmp, planMemory(s8cmp)), 3, 1), /op 0 \(compare\): input 0 rescale: multiplier \d+ must be >= 0 and shift 1 in \[-31, 0\]/);
    await expectLoadRefused(paramEdit(emitBlob(s8cmp, planMemory(s8cmp)), 1, 24), /op 0 \(compare\): left_shift 24 is outside \[0, 23\]/);

    const not = oneOpGraph('logical', [{ dtype: 'bool', shape: [3] }], { dtype: 'bool' }, { fn: 'not' });
    await expectLoadRefused(paramEdit(emitBlob(not, planMemory(not)), 0, F.LOGICAL_AND), /op 0 \(logical\): takes 2 inputs with this function, got 1/);
    const and = oneOpGraph('logical', [{ dtype: 'bool', shape: [3] }, { dtype: 'bool', shape: [3] }], { dtype: 'bool' }, { fn: 'and' });
    const f32in = editNamed(emitBlob(and, planMemory(and)), 'in1', (d, at) => { d.setUint8(at + F.T_DTYPE, F.DTYPE_F32); d.setUint32(at + F.T_BYTE_SIZE, 12, true); });
    await expectLoadRefused(f32in, /op 0 \(logical\): input 1 must be bool/);
  });
});

/** The blob's tensor id of the tensor named `name`. */
function idOf(blob: Uint8Array, name: string): number {
  return readBlob(blob).tensors.find((t) => t.name === name)!.id;
}
/** `blob` with the record of the tensor named `name` edited. */
function editNamed(blob: Uint8Array, name: string, edit: (d: DataView, at: number) => void): Uint8Array {
  return editTensor(blob, idOf(blob, name), edit);
}

/** The blob with op 0's param k set to v (CRC fixed). */
function paramEdit(blob: Uint8Array, k: number, v: number): Uint8Array {
  const b = blob.slice();
  const op = u32(b, F.H_OP_TABLE_OFFSET);
  const first = u32(b, op + F.O_PARAMS_INDEX);
  setU32(b, u32(b, F.H_PARAMS_OFFSET) + 4 * (first + k), v);
  fixCrc(b);
  return b;
}

// ---- ONNX against ONNX Runtime --------------------------------------------------------------------

const BOOL = 9;

function onnxModel(nodes: OnnxModelSpec['nodes'], inputs: [string, number[], number?][], output: [string, number[], number?], initializers: OnnxModelSpec['initializers'] = []): Uint8Array {
  return encodeOnnxModel({
    graphName: 'logic',
    nodes,
    initializers,
    inputs: inputs.map(([name, dims, elemType]) => ({ name, dims, elemType })),
    outputs: [{ name: output[0], dims: output[1], elemType: output[2] }],
    opset: 13,
  });
}

async function ortRun(bytes: Uint8Array, inputs: [string, number[], number?][], feeds: TensorData[]): Promise<TensorData> {
  const session = await ort.InferenceSession.create(bytes);
  const res = await session.run(Object.fromEntries(inputs.map(([n, dims, t], i) => [n, new ort.Tensor(t === BOOL ? 'bool' : 'float32', feeds[i] as Float32Array, dims)])));
  return Object.values(res)[0].data as TensorData;
}

describe('ONNX comparisons, logic and Where = ONNX Runtime', () => {
  // A masked blend that uses every op: y = Where((a < b) xor not(a >= c) or (a == b) and (b > c) or (b <= c), a, b·c) …
  const nodes: OnnxModelSpec['nodes'] = [
    { op: 'Less', name: 'lt', inputs: ['a', 'b'], outputs: ['m1'] },
    { op: 'GreaterOrEqual', name: 'ge', inputs: ['a', 'c'], outputs: ['m2'] },
    { op: 'Not', name: 'not', inputs: ['m2'], outputs: ['m3'] },
    { op: 'Xor', name: 'xor', inputs: ['m1', 'm3'], outputs: ['m4'] },
    { op: 'Equal', name: 'eq', inputs: ['a', 'b'], outputs: ['m5'] },
    { op: 'Greater', name: 'gt', inputs: ['b', 'c'], outputs: ['m6'] },
    { op: 'And', name: 'and', inputs: ['m5', 'm6'], outputs: ['m7'] },
    { op: 'LessOrEqual', name: 'le', inputs: ['b', 'c'], outputs: ['m8'] },
    { op: 'Or', name: 'or1', inputs: ['m4', 'm7'], outputs: ['m9'] },
    { op: 'Or', name: 'or2', inputs: ['m9', 'm8'], outputs: ['m10'] },
    { op: 'Mul', name: 'mul', inputs: ['b', 'c'], outputs: ['bc'] },
    { op: 'Where', name: 'where', inputs: ['m10', 'a', 'bc'], outputs: ['y'] },
  ];
  const inputs: [string, number[]][] = [['a', [2, 3, 4]], ['b', [3, 1]], ['c', [4]]];

  it('f32 on the reference and both builds equals ORT; the bool masks too', async () => {
    const bytes = onnxModel(nodes, inputs, ['y', [2, 3, 4]]);
    const r = rng(5);
    for (let trial = 0; trial < 3; trial++) {
      const feeds = inputs.map(([, d]) => coarseF32(r, numel(d)));
      const want = await ortRun(bytes, inputs, feeds);
      const f = convert(bytes, 'logic.onnx', { precision: 'f32' });
      expect(Array.from(runGraph(f.graph, feeds)[0] as Float32Array)).toEqual(Array.from(want as Float32Array));
      for (const build of BUILDS) expect(Array.from((await runBlob(build, f.blob, feeds))[0]), build).toEqual(Array.from(want as Float32Array));
    }
    // A bool output (the mask itself) and a bool graph input.
    const maskBytes = onnxModel([{ op: 'Less', name: 'lt', inputs: ['a', 'b'], outputs: ['m'] }, { op: 'And', name: 'and', inputs: ['m', 'k'], outputs: ['y'] }], [['a', [2, 3, 4]], ['b', [3, 1]], ['k', [4], BOOL]], ['y', [2, 3, 4], BOOL]);
    const feeds = [coarseF32(r, 24), coarseF32(r, 3), bools(r, 4)];
    const want = await ortRun(maskBytes, [['a', [2, 3, 4]], ['b', [3, 1]], ['k', [4], BOOL]], feeds);
    const f = convert(maskBytes, 'mask.onnx', { precision: 'f32' });
    for (const build of BUILDS) expect(Array.from((await runBlob(build, f.blob, feeds))[0]), build).toEqual(Array.from(want as Uint8Array, Number));
  });

  it('int8 PTQ: comparisons run in int8 (TFLM\'s), bools stay bool, Where\'s values share one grid; equals the int8 reference on both builds', async () => {
    const bytes = onnxModel(nodes, inputs, ['y', [2, 3, 4]]);
    const r = rng(6);
    const calibration = [0, 1, 2, 3, 4].map(() => inputs.map(([, d]) => Float32Array.from({ length: numel(d) }, () => (r() * 2 - 1) * 2)));
    const q = convert(bytes, 'logic.onnx', { precision: 'int8', calibration });
    const g: Graph = q.graph;
    const ops = g.nodes.map((n) => n.op);
    expect(ops.filter((o) => o === 'compare').length).toBe(5);
    expect(g.nodes.filter((n) => n.op === 'compare').every((n) => n.int8 && g.tensor(n.inputs[0]).dtype === 's8')).toBe(true);
    for (const t of g.tensors.values()) if (t.dtype === 'bool') expect(t.quant, t.name).toBeUndefined();
    const sel = g.nodes.find((n) => n.op === 'select')!;
    expect(g.tensor(sel.inputs[0]).dtype).toBe('bool');
    expect(new Set(sel.inputs.slice(1).concat(sel.outputs).map((t) => JSON.stringify(g.tensor(t).quant))).size).toBe(1);
    const xq = g.inputs.map((t) => g.tensor(t).quant!);
    const qfeeds = calibration[0].map((x, i) => Int8Array.from(x, (v) => Math.max(-128, Math.min(127, Math.round(v / xq[i].scale[0]) + xq[i].zeroPoint[0]))));
    await expectBlobsMatch('logic int8', [['', q.blob]], qfeeds, runGraph(g, qfeeds)[0]);
  });

  it('constant comparisons and Where fold at import (int64 shape arithmetic included)', () => {
    const i64 = (v: number[]) => BigInt64Array.from(v.map(BigInt));
    const bytes = onnxModel(
      [
        { op: 'Less', name: 'clt', inputs: ['k1', 'k2'], outputs: ['m'] },
        { op: 'Where', name: 'cw', inputs: ['m', 'k1', 'k2'], outputs: ['lo'] },
        { op: 'Equal', name: 'ieq', inputs: ['s1', 's2'], outputs: ['same'] },
        { op: 'Not', name: 'inot', inputs: ['same'], outputs: ['diff'] },
        { op: 'Where', name: 'mix', inputs: ['m', 'x', 'lo'], outputs: ['y'] },
      ],
      [['x', [3]]],
      ['y', [3]],
      [
        { name: 'k1', dims: [3], data: Float32Array.from([1, 5, -2]) },
        { name: 'k2', dims: [3], data: Float32Array.from([2, 4, -2]) },
        { name: 's1', dims: [2], data: i64([1, 3]) },
        { name: 's2', dims: [2], data: i64([1, 4]) },
      ],
    );
    const { graph, blob } = convert(bytes, 'fold.onnx', { precision: 'f32' });
    expect(graph.nodes.map((n) => n.op)).toEqual(['select']);
    expect(Array.from(graph.tensor(graph.nodes[0].inputs[0]).data as Uint8Array)).toEqual([1, 0, 0]);
    expect(readBlob(blob).ops.length).toBe(1);
  });

  it('fold-constants computes compare / logical / select of constants (the optimizer pass, not only the importer)', () => {
    const g = oneOpGraph('select', [{ dtype: 'bool', shape: [3] }, { dtype: 'f32', shape: [3] }, { dtype: 'f32', shape: [3], data: Float32Array.from([7, 8, 9]) }], { dtype: 'f32' }, {});
    // cond = not(k1 < k2), computed from constants by two nodes in front of the select.
    g.addTensor({ name: 'k1', dtype: 'f32', shape: [3], data: Float32Array.from([1, 5, -2]) });
    g.addTensor({ name: 'k2', dtype: 'f32', shape: [1], data: Float32Array.from([2]) });
    g.addTensor({ name: 'lt', dtype: 'bool', shape: [3] });
    g.inputs = g.inputs.filter((t) => t !== 'in0');
    g.tensors.delete('in0');
    g.addTensor({ name: 'in0', dtype: 'bool', shape: [3] });
    g.nodes.unshift(
      { op: 'compare', name: 'lt', inputs: ['k1', 'k2'], outputs: ['lt'], attrs: { fn: 'less' } },
      { op: 'logical', name: 'not', inputs: ['lt'], outputs: ['in0'], attrs: { fn: 'not' } },
    );
    expect(foldConstants(g)).toBe(true);
    expect(g.nodes.map((n) => n.op)).toEqual(['select']);
    expect(Array.from(g.tensor('in0').data as Uint8Array)).toEqual([0, 1, 0]);
  });

  it('refuses, naming the node: a non-bool condition, int32 comparisons, logic on floats, shapes that do not broadcast', () => {
    const cases: [OnnxModelSpec['nodes'], [string, number[], number?][], [string, number[], number?], RegExp][] = [
      [[{ op: 'Where', name: 'w', inputs: ['c', 'a', 'b'], outputs: ['y'] }], [['c', [3]], ['a', [3]], ['b', [3]]], ['y', [3]], /Where node 'w'.*condition 'c' is float32; Where takes a bool condition/],
      [[{ op: 'Less', name: 'ilt', inputs: ['a', 'b'], outputs: ['y'] }], [['a', [3], 6], ['b', [3], 6]], ['y', [3], BOOL], /unsupported input 0 \(A\) of dtype int32 \(float32 only\) in ONNX op 'Less' \(node 'ilt'/],
      [[{ op: 'And', name: 'fand', inputs: ['a', 'b'], outputs: ['y'] }], [['a', [3]], ['b', [3]]], ['y', [3], BOOL], /unsupported input 0 \(A\) of dtype float32 \(bool only\) in ONNX op 'And' \(node 'fand'/],
      [[{ op: 'Greater', name: 'gt', inputs: ['a', 'b'], outputs: ['y'] }], [['a', [2, 3]], ['b', [2]]], ['y', [2, 3], BOOL], /greater|compare node 'gt'.*shapes \[2,3\] and \[2\] do not broadcast/],
      [[{ op: 'Where', name: 'w3', inputs: ['c', 'a', 'b'], outputs: ['y'] }], [['c', [4], BOOL], ['a', [3]], ['b', [3]]], ['y', [3]], /select node 'w3'.*shapes \[4\], \[3\] and \[3\] do not broadcast/],
    ];
    for (const [n, ins, out, pattern] of cases) {
      const f = () => convert(onnxModel(n, ins, out), 'bad.onnx', { precision: 'f32' });
      expect(f).toThrow(ConvertError);
      expect(f).toThrow(pattern);
    }
  });
});

// ---- TFLite files against desktop TFLite -----------------------------------------------------------

const TFL_FLOAT32 = 0;
const TFL_BOOL = 6;
const TFL_INT8 = 9;
type Q = { scale: number; zeroPoint: number };

function tflTensor(name: string, type: number, shape: number[], q?: Q, data?: Uint8Array): TflTensor {
  return { name, type, shape, data, quant: q ? { scale: [q.scale], zeroPoint: [q.zeroPoint] } : { scale: [], zeroPoint: [] } };
}

/** One operator on graph inputs (those without data) and constants. */
function oneOpTflite(opName: string, ins: TflTensor[], out: TflTensor, version = 1): Uint8Array {
  const m: TflModel = {
    tensors: [...ins, out],
    ops: [{ code: builtinCode(opName), version, inputs: ins.map((_, i) => i), outputs: [ins.length], optionsType: 0, options: [] }],
    inputs: ins.flatMap((t, i) => (t.data ? [] : [i])),
    outputs: [ins.length],
    description: `${opName} test`,
  };
  return writeTflite(m);
}

const broadcastOf = (...shapes: number[][]) => {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, i) => Math.max(...shapes.map((s) => s[s.length - rank + i] ?? 1)));
};

describe('TFLite comparisons, logic and select = desktop TFLite (wasm)', () => {
  let tfl: TfliteWasm;
  beforeAll(async () => {
    tfl = await loadTfliteWasm({ simd: true });
  });

  async function expectSameAsTflite(label: string, bytes: Uint8Array, feeds: TensorData[], precision: 'int8' | 'f32'): Promise<void> {
    const runner = tfl.createRunner(bytes);
    const want = runner.run(feeds as Int8Array[])[0];
    runner.dispose();
    const { blob } = convert(bytes, 'op.tflite', { precision });
    for (const build of BUILDS) {
      const [got] = await runBlob(build, blob, feeds);
      expect(Array.from(got as Int8Array, Number), `${label} on ${build}`).toEqual(Array.from(want as Int8Array, Number));
    }
  }

  const CMP_OPS: [string, CompareFunction][] = [['EQUAL', 'equal'], ['NOT_EQUAL', 'not_equal'], ['LESS', 'less'], ['LESS_EQUAL', 'less_equal'], ['GREATER', 'greater'], ['GREATER_EQUAL', 'greater_equal']];

  it('comparisons int8, byte for byte: inputs on different grids, one grid, a fine scale, broadcasting, a constant', async () => {
    const r = rng(7);
    const grids: [Q, Q][] = [
      [{ scale: 0.05, zeroPoint: 9 }, { scale: 0.02, zeroPoint: -30 }],
      [{ scale: 0.0625, zeroPoint: -7 }, { scale: 0.0625, zeroPoint: -7 }],
      [{ scale: 0.001, zeroPoint: 0 }, { scale: 0.003, zeroPoint: 5 }],
    ];
    for (const [opName] of CMP_OPS) {
      for (const [qa, qb] of grids) {
        for (const [sa, sb] of [[[1, 4, 4, 3], [1, 4, 4, 3]], [[2, 3, 4], [4]], [[1, 3, 1], [2, 1, 5]]] as [number[], number[]][]) {
          const bytes = oneOpTflite(opName, [tflTensor('a', TFL_INT8, sa, qa), tflTensor('b', TFL_INT8, sb, qb)], tflTensor('y', TFL_BOOL, broadcastOf(sa, sb)), 2);
          await expectSameAsTflite(`${opName} ${qa.scale}/${qb.scale} [${sa}] x [${sb}]`, bytes, [randS8(r, numel(sa)), randS8(r, numel(sb))], 'int8');
        }
      }
      const c = new Uint8Array(Int8Array.from([-100, 9, 50]).buffer);
      const bytes = oneOpTflite(opName, [tflTensor('a', TFL_INT8, [2, 2, 3], grids[0][0]), tflTensor('b', TFL_INT8, [3], grids[0][1], c)], tflTensor('y', TFL_BOOL, [2, 2, 3]), 2);
      await expectSameAsTflite(`${opName} with a constant`, bytes, [randS8(r, 12)], 'int8');
    }
  });

  it('comparisons float32 (NaN included) and EQUAL / NOT_EQUAL of bools equal desktop TFLite exactly', async () => {
    const r = rng(8);
    for (const [opName, fn] of CMP_OPS) {
      const bytes = oneOpTflite(opName, [tflTensor('a', TFL_FLOAT32, [2, 3, 4]), tflTensor('b', TFL_FLOAT32, [3, 1])], tflTensor('y', TFL_BOOL, [2, 3, 4]));
      const a = coarseF32(r, 24);
      a[5] = NaN;
      await expectSameAsTflite(`${opName} f32`, bytes, [a, coarseF32(r, 3)], 'f32');
      if (fn === 'equal' || fn === 'not_equal') {
        const bb = oneOpTflite(opName, [tflTensor('a', TFL_BOOL, [2, 4]), tflTensor('b', TFL_BOOL, [4])], tflTensor('y', TFL_BOOL, [2, 4]));
        await expectSameAsTflite(`${opName} bool`, bb, [bools(r, 8), bools(r, 4)], 'f32');
      }
    }
  });

  it('LOGICAL_AND / LOGICAL_OR (broadcasting) and LOGICAL_NOT', async () => {
    const r = rng(9);
    for (const opName of ['LOGICAL_AND', 'LOGICAL_OR']) {
      const bytes = oneOpTflite(opName, [tflTensor('a', TFL_BOOL, [2, 3, 4]), tflTensor('b', TFL_BOOL, [3, 1])], tflTensor('y', TFL_BOOL, [2, 3, 4]));
      await expectSameAsTflite(opName, bytes, [bools(r, 24), bools(r, 3)], 'f32');
    }
    await expectSameAsTflite('LOGICAL_NOT', oneOpTflite('LOGICAL_NOT', [tflTensor('a', TFL_BOOL, [5, 2])], tflTensor('y', TFL_BOOL, [5, 2])), [bools(r, 10)], 'f32');
  });

  it('SELECT_V2 (three-way broadcasting) and SELECT (a rank-1 condition picks rows), float32 and int8 byte for byte', async () => {
    const r = rng(10);
    const q = { scale: 0.05, zeroPoint: 9 };
    for (const [type, precision, q8] of [[TFL_FLOAT32, 'f32', undefined], [TFL_INT8, 'int8', q]] as const) {
      const val = (n: number) => (type === TFL_INT8 ? randS8(r, n) : coarseF32(r, n));
      for (const [sc, sx, sy] of [[[2, 3, 4], [2, 3, 4], [2, 3, 4]], [[3, 1], [1, 4], [2, 3, 4]], [[4], [2, 1, 4], [1]]] as [number[], number[], number[]][]) {
        const bytes = oneOpTflite('SELECT_V2', [tflTensor('c', TFL_BOOL, sc), tflTensor('x', type, sx, q8), tflTensor('y', type, sy, q8)], tflTensor('out', type, broadcastOf(sc, sx, sy), q8));
        await expectSameAsTflite(`SELECT_V2 ${precision} [${sc}] [${sx}] [${sy}]`, bytes, [bools(r, numel(sc)), val(numel(sx)), val(numel(sy))], precision);
      }
      for (const sc of [[3, 2, 2], [3]]) {
        const bytes = oneOpTflite('SELECT', [tflTensor('c', TFL_BOOL, sc), tflTensor('x', type, [3, 2, 2], q8), tflTensor('y', type, [3, 2, 2], q8)], tflTensor('out', type, [3, 2, 2], q8));
        await expectSameAsTflite(`SELECT ${precision} [${sc}]`, bytes, [bools(r, numel(sc)), val(12), val(12)], precision);
      }
    }
  });

  it('refuses, naming the operator: int8 scales of 1 or more, SELECT operands off the output grid, non-bool logic', () => {
    const q = { scale: 0.05, zeroPoint: 9 };
    const bad = (bytes: Uint8Array, pattern: RegExp) => {
      const f = () => convert(bytes, 'bad.tflite', { precision: 'int8' });
      expect(f).toThrow(ConvertError);
      expect(f).toThrow(pattern);
    };
    bad(oneOpTflite('LESS', [tflTensor('a', TFL_INT8, [4], { scale: 1, zeroPoint: 0 }), tflTensor('b', TFL_INT8, [4], q)], tflTensor('y', TFL_BOOL, [4])),
      /TFLite LESS \(operator 0\): unsupported LESS int8 input 0 of scale 1|int8 input 0 of scale 1: TFLite Micro's comparison takes the scale as a multiplier below one/);
    bad(oneOpTflite('SELECT_V2', [tflTensor('c', TFL_BOOL, [4]), tflTensor('x', TFL_INT8, [4], q), tflTensor('y', TFL_INT8, [4], { scale: 0.1, zeroPoint: 9 })], tflTensor('out', TFL_INT8, [4], q)),
      /TFLite SELECT_V2 \(operator 0\).*int8 input 2 whose scale \/ zero point differ from the output's/);
    bad(oneOpTflite('LOGICAL_AND', [tflTensor('a', TFL_FLOAT32, [4]), tflTensor('b', TFL_FLOAT32, [4])], tflTensor('y', TFL_BOOL, [4])),
      /TFLite LOGICAL_AND \(operator 0\).*LOGICAL_AND input 0 of type f32 \(bool only\)/);
    bad(oneOpTflite('SELECT', [tflTensor('c', TFL_BOOL, [2]), tflTensor('x', TFL_FLOAT32, [3, 2]), tflTensor('y', TFL_FLOAT32, [3, 2])], tflTensor('out', TFL_FLOAT32, [3, 2])),
      /TFLite SELECT \(operator 0\).*condition \[2\] must be x's shape \[3,2\] or \[3\]/);
  });
});
