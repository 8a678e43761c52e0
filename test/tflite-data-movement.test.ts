// TFLite SPLIT, SPLIT_V, SLICE, GATHER, PACK, UNPACK, DEPTH_TO_SPACE and SPACE_TO_DEPTH: generated
// single-op .tflite files (bench/synthetic/tflite-writer.ts), int8 and float32, run by desktop
// TFLite (the tfjs-tflite wasm runtime) and by Mote (import → int8 prepare → reference
// interpreter; the blob `convert` writes, on both WASM builds). The ops only move data, so every
// output must equal TFLite's exactly: the same bytes in int8, the same floats in f32. Then the
// refusals: an int8 output on another grid than its input, and malformed parameters, each naming
// the operator.
import { beforeAll, describe, expect, it } from 'vitest';
import { TFL_TYPE, type TflModel, type TflTensor, writeTflite } from '../bench/synthetic/tflite-writer.js';
import { convert } from '../converter/convert.js';
import { ConvertError } from '../converter/errors.js';
import { importTflite } from '../converter/import/tflite.js';
import { numel, type TensorData } from '../converter/ir/graph.js';
import { prepareInt8 } from '../converter/passes/quantize/index.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { BUILDS, ensureWasmBuilt, rng, runBlob } from './runtime-harness.js';
import { loadTfliteWasm, type TfliteTypedArray, type TfliteWasm } from './support/tflite-wasm.js';

const FLOAT32 = 0;
const OP = { DEPTH_TO_SPACE: 5, SPACE_TO_DEPTH: 26, GATHER: 36, SPLIT: 49, SLICE: 65, PACK: 83, UNPACK: 88, SPLIT_V: 102 } as const;
const OPT = { SpaceToDepth: 19, Gather: 23, Split: 35, Slice: 48, Pack: 59, Unpack: 64, SplitV: 79, DepthToSpace: 94 } as const;

type Kind = 'int8' | 'f32';
const Q = { scale: [0.05], zeroPoint: [-3] };
const NO_Q = { scale: [], zeroPoint: [] };

/** An activation tensor of the kind under test. */
function act(kind: Kind, name: string, shape: number[], quant = Q): TflTensor {
  return kind === 'int8' ? { name, type: TFL_TYPE.INT8, shape, quant } : { name, type: FLOAT32, shape, quant: NO_Q };
}
function int32Const(name: string, shape: number[], values: number[]): TflTensor {
  return { name, type: TFL_TYPE.INT32, shape, data: new Uint8Array(Int32Array.from(values).buffer), quant: NO_Q };
}

interface OpCase {
  label: string;
  code: number;
  optionsType: number;
  options: [number, 1 | 4, number][];
  /** Activations first (graph inputs), then constants, then outputs. */
  ins: TflTensor[];
  consts?: TflTensor[];
  outs: TflTensor[];
  /** Operator input order, as indices into [...ins, ...consts]. */
  order?: number[];
}

function modelOf(c: OpCase): TflModel {
  const consts = c.consts ?? [];
  const tensors = [...c.ins, ...consts, ...c.outs];
  const inIdx = c.ins.map((_, i) => i);
  const outIdx = c.outs.map((_, i) => c.ins.length + consts.length + i);
  const opInputs = c.order ?? [...inIdx, ...consts.map((_, i) => c.ins.length + i)];
  return {
    tensors,
    ops: [{ code: c.code, version: c.ins[0].type === TFL_TYPE.INT8 ? 2 : 1, inputs: opInputs, outputs: outIdx, optionsType: c.optionsType, options: c.options }],
    inputs: inIdx,
    outputs: outIdx,
    description: c.label,
  };
}

/** Each case, for an activation kind. Shapes are small but not square, so axis mix-ups show. */
function cases(kind: Kind): OpCase[] {
  const a = (name: string, shape: number[]) => act(kind, name, shape);
  return [
    {
      label: 'SPLIT axis 3 into 2', code: OP.SPLIT, optionsType: OPT.Split, options: [[0, 4, 2]],
      ins: [a('x', [1, 4, 6, 8])], consts: [int32Const('axis', [], [3])], order: [1, 0],
      outs: [a('y0', [1, 4, 6, 4]), a('y1', [1, 4, 6, 4])],
    },
    {
      label: 'SPLIT axis −2 into 3', code: OP.SPLIT, optionsType: OPT.Split, options: [[0, 4, 3]],
      ins: [a('x', [2, 6, 5])], consts: [int32Const('axis', [1], [-2])], order: [1, 0],
      outs: [a('y0', [2, 2, 5]), a('y1', [2, 2, 5]), a('y2', [2, 2, 5])],
    },
    {
      label: 'SPLIT_V [3, −1, 2] on axis 1', code: OP.SPLIT_V, optionsType: OPT.SplitV, options: [[0, 4, 3]],
      ins: [a('x', [2, 10, 3])], consts: [int32Const('sizes', [3], [3, -1, 2]), int32Const('axis', [], [1])],
      outs: [a('y0', [2, 3, 3]), a('y1', [2, 5, 3]), a('y2', [2, 2, 3])],
    },
    {
      label: 'SLICE begin [0,1,2,1] size [−1,3,−1,2]', code: OP.SLICE, optionsType: OPT.Slice, options: [],
      ins: [a('x', [1, 5, 6, 4])], consts: [int32Const('begin', [4], [0, 1, 2, 1]), int32Const('size', [4], [-1, 3, -1, 2])],
      outs: [a('y', [1, 3, 4, 2])],
    },
    {
      label: 'GATHER axis 1, indices [5,1,2,3,3] (three runs + concat)', code: OP.GATHER, optionsType: OPT.Gather, options: [[0, 4, 1]],
      ins: [a('x', [4, 6, 3])], consts: [int32Const('idx', [5], [5, 1, 2, 3, 3])],
      outs: [a('y', [4, 5, 3])],
    },
    {
      label: 'GATHER axis 0, indices [[2,0],[1,1]] (rank-2 indices: + reshape)', code: OP.GATHER, optionsType: OPT.Gather, options: [],
      ins: [a('x', [3, 4])], consts: [int32Const('idx', [2, 2], [2, 0, 1, 1])],
      outs: [a('y', [2, 2, 4])],
    },
    {
      label: 'GATHER axis 2, scalar index 3 (axis dropped)', code: OP.GATHER, optionsType: OPT.Gather, options: [[0, 4, 2]],
      ins: [a('x', [2, 3, 5])], consts: [int32Const('idx', [], [3])],
      outs: [a('y', [2, 3])],
    },
    {
      label: 'GATHER axis 1, indices [4,2,0] (one slice of stride −2)', code: OP.GATHER, optionsType: OPT.Gather, options: [[0, 4, 1]],
      ins: [a('x', [2, 5, 3])], consts: [int32Const('idx', [3], [4, 2, 0])],
      outs: [a('y', [2, 3, 3])],
    },
    {
      label: 'PACK 3 × [2,3] on axis 1', code: OP.PACK, optionsType: OPT.Pack, options: [[0, 4, 3], [1, 4, 1]],
      ins: [a('x0', [2, 3]), a('x1', [2, 3]), a('x2', [2, 3])],
      outs: [a('y', [2, 3, 3])],
    },
    {
      label: 'PACK 2 × [4] on axis 0', code: OP.PACK, optionsType: OPT.Pack, options: [[0, 4, 2]],
      ins: [a('x0', [4]), a('x1', [4])],
      outs: [a('y', [2, 4])],
    },
    {
      label: 'UNPACK [3,4,2] on axis 1', code: OP.UNPACK, optionsType: OPT.Unpack, options: [[0, 4, 4], [1, 4, 1]],
      ins: [a('x', [3, 4, 2])],
      outs: [a('y0', [3, 2]), a('y1', [3, 2]), a('y2', [3, 2]), a('y3', [3, 2])],
    },
    {
      label: 'DEPTH_TO_SPACE block 2', code: OP.DEPTH_TO_SPACE, optionsType: OPT.DepthToSpace, options: [[0, 4, 2]],
      ins: [a('x', [1, 3, 4, 8])], outs: [a('y', [1, 6, 8, 2])],
    },
    {
      label: 'SPACE_TO_DEPTH block 2', code: OP.SPACE_TO_DEPTH, optionsType: OPT.SpaceToDepth, options: [[0, 4, 2]],
      ins: [a('x', [1, 6, 8, 3])], outs: [a('y', [1, 3, 4, 12])],
    },
  ];
}

function feedsFor(kind: Kind, c: OpCase, seed: number): TensorData[] {
  const r = rng(seed);
  return c.ins.map((t) => {
    const n = numel(t.shape);
    return kind === 'int8' ? Int8Array.from({ length: n }, () => Math.floor(r() * 256) - 128) : Float32Array.from({ length: n }, () => r() * 8 - 4);
  });
}

let tfl: TfliteWasm;
beforeAll(async () => {
  await ensureWasmBuilt();
  tfl = await loadTfliteWasm({ simd: true });
}, 180_000);

describe.each(['int8', 'f32'] as Kind[])('TFLite data-movement ops (%s) = desktop TFLite exactly, reference and both WASM builds', (kind) => {
  cases(kind).forEach((c, i) => {
    it(c.label, async () => {
      const bytes = writeTflite(modelOf(c));
      const feeds = feedsFor(kind, c, 1000 + i);
      const runner = tfl.createRunner(bytes);
      const want = runner.run(feeds as TfliteTypedArray[]);
      runner.dispose();
      const g = importTflite(bytes, `${c.label}.tflite`);
      if (kind === 'int8') prepareInt8(g);
      // No op of its own: only the IR's data-movement ops.
      for (const n of g.nodes) expect(['strided_slice', 'concat', 'reshape', 'transpose']).toContain(n.op);
      const same = (got: ArrayLike<number>, k: number, who: string) => expect(Array.from(got), `${who} output ${k}`).toEqual(Array.from(want[k]));
      runGraph(g, feeds).forEach((y, k) => same(y as ArrayLike<number>, k, 'reference'));
      // The blob `mote convert` writes (import, float passes, int8 prepare, plan, emit).
      const { blob } = convert(bytes, `${c.label}.tflite`, { precision: kind });
      for (const build of BUILDS) (await runBlob(build, blob, feeds)).forEach((y, k) => same(y as ArrayLike<number>, k, build));
    });
  });
});

function importError(c: OpCase): string {
  try {
    importTflite(writeTflite(modelOf(c)));
  } catch (e) {
    expect(e).toBeInstanceOf(ConvertError);
    return (e as Error).message;
  }
  throw new Error('expected a ConvertError');
}

describe('TFLite data-movement ops: refusals name the operator', () => {
  it('an int8 output on another grid than its input (TFLite Micro would copy the bytes and reinterpret them)', () => {
    for (const c of cases('int8')) {
      const off = { ...c, outs: c.outs.map((t, k) => (k === c.outs.length - 1 ? { ...t, quant: { scale: [0.1], zeroPoint: [0] } } : t)) };
      const name = Object.entries(OP).find(([, v]) => v === c.code)![0];
      expect(importError(off), c.label).toMatch(new RegExp(`^TFLite ${name} \\(operator 0\\): unsupported ${name} whose output quantization differs from its input`));
    }
  });

  it('bad parameters: uneven SPLIT, SPLIT_V sizes, SLICE past the end, GATHER index, batch_dims, PACK count, block size', () => {
    const [split, , splitV, slice, gather] = cases('f32');
    expect(importError({ ...split, options: [[0, 4, 3]], outs: [...split.outs, split.outs[0]] }))
      .toBe('TFLite SPLIT (operator 0): dimension 8 of axis 3 does not split into 3 equal parts');
    expect(importError({ ...splitV, consts: [int32Const('sizes', [3], [3, -1, -1]), splitV.consts![1]] }))
      .toBe('TFLite SPLIT_V (operator 0): size_splits [3,-1,-1] do not add up to dimension 10 of axis 1');
    expect(importError({ ...slice, consts: [int32Const('begin', [4], [0, 3, 2, 1]), slice.consts![1]] }))
      .toBe("TFLite SLICE (operator 0): axis 1: begin 3 and size 3 do not fit the input's 5");
    expect(importError({ ...gather, consts: [int32Const('idx', [5], [5, 1, 6, 3, 3])] }))
      .toBe('TFLite GATHER (operator 0): index 6 is out of range for dimension 6 of axis 1');
    expect(importError({ ...gather, options: [[0, 4, 1], [1, 4, 1]] }))
      .toBe('TFLite GATHER (operator 0): unsupported GATHER with batch_dims 1');
    const [pack] = cases('f32').filter((c) => c.code === OP.PACK);
    expect(importError({ ...pack, options: [[0, 4, 2], [1, 4, 1]] }))
      .toBe('TFLite PACK (operator 0): values_count is 2 but the operator has 3 inputs');
    const [d2s] = cases('f32').filter((c) => c.code === OP.DEPTH_TO_SPACE);
    expect(importError({ ...d2s, options: [[0, 4, 3]] }))
      .toBe('TFLite DEPTH_TO_SPACE (operator 0): 8 channels are not a multiple of block size² (9)');
  });
});
