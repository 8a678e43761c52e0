// ONNX Split, Slice and Gather on tensors computed at run time, DepthToSpace and SpaceToDepth: they
// lower onto strided_slice / concat / reshape / transpose, so they need no kernel of their own.
// Each model runs in ONNX Runtime (the oracle) and through import + optimize on the reference
// interpreter and on both WASM builds. The NCHW case PyTorch exports all the time, Conv → Split on
// the channel axis → Convs → Concat, must also come out NHWC end to end (the slices read the
// conv's NHWC output directly) and, after int8 PTQ, keep the producer's scale on every slice (no
// requantize), with the runtime's int8 bytes equal to the reference interpreter's.
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { importOnnx } from '../converter/import/onnx.js';
import { type Graph, type Node, numel } from '../converter/ir/graph.js';
import { optimize } from '../converter/passes/index.js';
import { quantize } from '../converter/passes/quantize/index.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { BUILDS, blobOf, ensureWasmBuilt, runBlob } from './runtime-harness.js';
import { INT64, type ModelSpec, agreesWithOrt, importError, ai, ais, as, buildModel, init, ops, values } from './support/onnx-model.js';

beforeAll(async () => {
  await ensureWasmBuilt();
}, 180_000);

/** The inputs agreesWithOrt feeds (its seeds), so the blob runs on the same values. */
function inputsOf(spec: ModelSpec): Float32Array[] {
  return spec.inputs.map((v, i) => values(numel(v.shape!.map((d) => (typeof d === 'number' ? d : 1))), 100 + i, -2, 2));
}

/** ORT's outputs for the spec's inputs. */
async function ortOutputs(spec: ModelSpec): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(buildModel(spec));
  const feeds: Record<string, ort.Tensor> = {};
  inputsOf(spec).forEach((data, i) => {
    feeds[spec.inputs[i].name] = new ort.Tensor('float32', data, spec.inputs[i].shape as number[]);
  });
  const out = await session.run(feeds);
  return spec.outputs.map((o) => out[o.name].data as Float32Array);
}

/** The optimized f32 graph on both WASM builds agrees with ORT. */
async function blobAgreesWithOrt(spec: ModelSpec, g: Graph, tol = 1e-4): Promise<void> {
  const want = await ortOutputs(spec);
  const blob = blobOf(g);
  for (const build of BUILDS) {
    const got = await runBlob(build, blob, inputsOf(spec));
    want.forEach((w, k) => {
      const a = got[k] as Float32Array;
      expect(a.length, `${build} output ${k}`).toBe(w.length);
      for (let i = 0; i < w.length; i++) {
        if (!(Math.abs(a[i] - w[i]) <= tol * (1 + Math.abs(w[i])))) expect.fail(`${build} output ${k}[${i}] = ${a[i]}, ORT ${w[i]}`);
      }
    });
  }
}

const slices = (g: Graph) => g.nodes.filter((n): n is Node<'strided_slice'> => n.op === 'strided_slice');

describe('ONNX Conv → Split(axis 1) → Convs → Concat: the NCHW channel split', () => {
  const spec: ModelSpec = {
    opset: 13,
    inputs: [{ name: 'x', shape: [1, 4, 6, 6] }],
    outputs: [{ name: 'y' }],
    inits: [
      init('w0', [8, 4, 3, 3], 1), init('b0', [8], 2),
      { name: 'parts', shape: [2], data: [3, 5], type: INT64 },
      init('wa', [4, 3, 1, 1], 3), init('wb', [6, 5, 3, 3], 4), init('bb', [6], 5),
    ],
    nodes: [
      { op: 'Conv', inputs: ['x', 'w0', 'b0'], outputs: ['c0'], attrs: { pads: ais([1, 1, 1, 1]) } },
      { op: 'Relu', inputs: ['c0'], outputs: ['r0'] },
      { op: 'Split', inputs: ['r0', 'parts'], outputs: ['sa', 'sb'], attrs: { axis: ai(1) } },
      { op: 'Conv', inputs: ['sa', 'wa'], outputs: ['ca'] },
      { op: 'Conv', inputs: ['sb', 'wb', 'bb'], outputs: ['cb'], attrs: { pads: ais([1, 1, 1, 1]) } },
      { op: 'Concat', inputs: ['ca', 'cb'], outputs: ['y'], attrs: { axis: ai(1) } },
    ],
  };

  it('matches ORT on the reference and both WASM builds; the slices cut the NHWC channel axis and no inner transpose is left', async () => {
    const g = await agreesWithOrt(spec);
    expect(ops(g).filter((o) => o === 'transpose')).toHaveLength(2); // graph input and output only
    expect(g.nodes[0].op).toBe('transpose');
    expect(g.nodes[g.nodes.length - 1].op).toBe('transpose');
    expect(slices(g).map((n) => n.attrs)).toEqual([
      { begin: [0, 0, 0, 0], strides: [1, 1, 1, 1], size: [1, 6, 6, 3] },
      { begin: [0, 0, 0, 3], strides: [1, 1, 1, 1], size: [1, 6, 6, 5] },
    ]);
    for (const s of slices(g)) expect(g.producer(s.inputs[0])!.op).toBe('conv2d');
    await blobAgreesWithOrt(spec, g);
  });

  it('int8 PTQ: each slice keeps its producer\'s scale and zero point (no requantize); both builds give the reference\'s bytes', async () => {
    const g = importOnnx(buildModel(spec));
    optimize(g);
    const samples = [0, 1, 2, 3].map((k) => [values(4 * 36, 200 + k, -2, 2)]);
    quantize(g, { samples, method: 'minmax' });
    expect(ops(g)).not.toContain('requantize');
    expect(slices(g)).toHaveLength(2);
    for (const s of slices(g)) {
      const [x, y] = [g.tensor(s.inputs[0]), g.tensor(s.outputs[0])];
      expect(s.int8).toBeDefined();
      expect(y.dtype).toBe('s8');
      expect(y.quant).toEqual(x.quant);
    }
    const xq = g.tensor(g.inputs[0]).quant!;
    const x = Int8Array.from(inputsOf(spec)[0], (v) => Math.max(-128, Math.min(127, Math.round(v / xq.scale[0]) + xq.zeroPoint[0])));
    const [want] = runGraph(g, [x]) as Int8Array[];
    const blob = blobOf(g);
    for (const build of BUILDS) {
      const [got] = await runBlob(build, blob, [x]);
      expect([...(got as Int8Array)], build).toEqual([...want]);
    }
  });
});

describe('ONNX Gather and Slice on the channel axis between Convs (NCHW) also run NHWC end to end', () => {
  it('Conv → Gather(axis 1, [5,1,2]) and Slice(axis 1, step −2) → Conv: only the boundary transposes are left', async () => {
    const spec: ModelSpec = {
      opset: 13,
      inputs: [{ name: 'x', shape: [1, 3, 5, 4] }],
      outputs: [{ name: 'y' }, { name: 'z' }],
      inits: [
        init('w0', [6, 3, 3, 3], 1),
        { name: 'idx', shape: [3], data: [5, 1, 2], type: INT64 },
        { name: 's', shape: [1], data: [-1], type: INT64 }, { name: 'e', shape: [1], data: [-100], type: INT64 },
        { name: 'ax', shape: [1], data: [1], type: INT64 }, { name: 'st', shape: [1], data: [-2], type: INT64 },
        init('w1', [2, 3, 1, 1], 2), init('w2', [4, 3, 3, 3], 3),
      ],
      nodes: [
        { op: 'Conv', inputs: ['x', 'w0'], outputs: ['c0'], attrs: { pads: ais([1, 1, 1, 1]) } },
        { op: 'Gather', inputs: ['c0', 'idx'], outputs: ['g'], attrs: { axis: ai(1) } },
        { op: 'Conv', inputs: ['g', 'w1'], outputs: ['y'] },
        { op: 'Slice', inputs: ['c0', 's', 'e', 'ax', 'st'], outputs: ['r'] },
        { op: 'Conv', inputs: ['r', 'w2'], outputs: ['z'], attrs: { pads: ais([1, 1, 1, 1]) } },
      ],
    };
    const g = await agreesWithOrt(spec);
    const perms = g.nodes.filter((n): n is Node<'transpose'> => n.op === 'transpose').map((n) => n.attrs.perm.join(''));
    expect(perms.sort()).toEqual(['0231', '0312', '0312']);
    // Gather [5,1,2] = runs [5,1] (step −4) and [2] along the NHWC channels; the reversal steps by
    // −2 from channel 5.
    expect(slices(g).map((n) => [n.attrs.begin[3], n.attrs.strides[3], n.attrs.size[3]])).toEqual([[5, -4, 2], [2, 1, 1], [5, -2, 3]]);
    await blobAgreesWithOrt(spec, g);
  });
});

describe('ONNX Split, Slice and Gather on run-time tensors match ONNX Runtime', () => {
  it('Split: opset-11 split attribute, opset-18 num_outputs with a smaller last part, equal parts by output count', async () => {
    const x = [{ name: 'x', shape: [2, 7, 3] }];
    const s11: ModelSpec = {
      opset: 11, inputs: x, outputs: [{ name: 'a' }, { name: 'b' }],
      nodes: [{ op: 'Split', inputs: ['x'], outputs: ['a', 'b'], attrs: { axis: ai(-2), split: ais([2, 5]) } }],
    };
    const s18: ModelSpec = {
      opset: 18, inputs: x, outputs: [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
      nodes: [{ op: 'Split', inputs: ['x'], outputs: ['a', 'b', 'c'], attrs: { axis: ai(1), num_outputs: ai(3) } }],
    };
    const equal: ModelSpec = {
      opset: 13, inputs: x, outputs: [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
      nodes: [{ op: 'Split', inputs: ['x'], outputs: ['a', 'b', 'c'], attrs: { axis: ai(2) } }],
    };
    for (const spec of [s11, s18, equal]) await blobAgreesWithOrt(spec, await agreesWithOrt(spec));
    // num_outputs 3 over 7: parts of ceil(7/3) = 3, 3 and the rest, 1.
    const g = importOnnx(buildModel(s18));
    expect(slices(g).map((n) => n.attrs.size[1])).toEqual([3, 3, 1]);
  });

  it('Slice: negative starts and ends, out-of-range ends clamped, steps 2 and −1 (reversal), opset-9 attributes', async () => {
    const x = [{ name: 'x', shape: [1, 5, 8, 10] }];
    const spec: ModelSpec = {
      opset: 13, inputs: x, outputs: [{ name: 'a' }, { name: 'b' }],
      inits: [
        { name: 's', shape: [2], data: [-7, 1], type: INT64 }, { name: 'e', shape: [2], data: [1000, -1], type: INT64 },
        { name: 'ax', shape: [2], data: [3, -2], type: INT64 }, { name: 'st', shape: [2], data: [2, 1], type: INT64 },
        { name: 'rs', shape: [1], data: [-1], type: INT64 }, { name: 're', shape: [1], data: [-1000], type: INT64 },
        { name: 'rax', shape: [1], data: [1], type: INT64 }, { name: 'rst', shape: [1], data: [-1], type: INT64 },
      ],
      nodes: [
        { op: 'Slice', inputs: ['x', 's', 'e', 'ax', 'st'], outputs: ['a'] },
        { op: 'Slice', inputs: ['x', 'rs', 're', 'rax', 'rst'], outputs: ['b'] },
      ],
    };
    const g = await agreesWithOrt(spec);
    expect(slices(g).map((n) => n.attrs.strides)).toEqual([[1, 1, 1, 2], [1, -1, 1, 1]]);
    await blobAgreesWithOrt(spec, g);
    const v9: ModelSpec = {
      opset: 9, inputs: x, outputs: [{ name: 'y' }],
      nodes: [{ op: 'Slice', inputs: ['x'], outputs: ['y'], attrs: { starts: ais([1, -3]), ends: ais([3, 10]), axes: ais([2, 1]) } }],
    };
    await blobAgreesWithOrt(v9, await agreesWithOrt(v9));
  });

  it('Gather: a scalar index drops the axis; index lists become runs of slices (+ concat), 2-D indices a reshape', async () => {
    const spec: ModelSpec = {
      opset: 13, inputs: [{ name: 'x', shape: [3, 5, 4] }], outputs: [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }],
      inits: [
        { name: 'i0', shape: [], data: [-2], type: INT64 },
        { name: 'i1', shape: [7], data: [3, 1, -4, 0, 0, 2, 3], type: INT64 },
        { name: 'i2', shape: [2, 2], data: [2, 0, 1, 1], type: INT64 },
        { name: 'i3', shape: [3], data: [4, 2, 0], type: INT64 },
      ],
      nodes: [
        { op: 'Gather', inputs: ['x', 'i0'], outputs: ['a'], attrs: { axis: ai(1) } },
        { op: 'Gather', inputs: ['x', 'i1'], outputs: ['b'], attrs: { axis: ai(-1) } },
        { op: 'Gather', inputs: ['x', 'i2'], outputs: ['c'] },
        { op: 'Gather', inputs: ['x', 'i3'], outputs: ['d'], attrs: { axis: ai(1) } },
      ],
    };
    const g = await agreesWithOrt(spec);
    // i3 = [4, 2, 0] is one run of step −2: a single slice, no concat.
    const d = g.producer('d')!;
    expect(d.op).toBe('strided_slice');
    expect((d as Node<'strided_slice'>).attrs).toEqual({ begin: [0, 4, 0], strides: [1, -2, 1], size: [3, 3, 4] });
    await blobAgreesWithOrt(spec, g);
  });

  it('DepthToSpace DCR and CRD and SpaceToDepth between Convs: NHWC reshape/transpose, the layout transposes cancel', async () => {
    const spec: ModelSpec = {
      opset: 13, inputs: [{ name: 'x', shape: [1, 3, 4, 6] }], outputs: [{ name: 'y' }, { name: 'z' }],
      inits: [init('w0', [8, 3, 1, 1], 1), init('w1', [4, 2, 3, 3], 2), init('w2', [2, 16, 1, 1], 3)],
      nodes: [
        { op: 'Conv', inputs: ['x', 'w0'], outputs: ['c0'] },
        { op: 'DepthToSpace', inputs: ['c0'], outputs: ['d0'], attrs: { blocksize: ai(2) } },
        { op: 'Conv', inputs: ['d0', 'w1'], outputs: ['c1'], attrs: { pads: ais([1, 1, 1, 1]) } },
        { op: 'SpaceToDepth', inputs: ['c1'], outputs: ['s1'], attrs: { blocksize: ai(2) } },
        { op: 'Conv', inputs: ['s1', 'w2'], outputs: ['y'] },
        { op: 'DepthToSpace', inputs: ['c0'], outputs: ['z'], attrs: { blocksize: ai(2), mode: as('CRD') } },
      ],
    };
    const g = await agreesWithOrt(spec);
    // Left: the graph input's, the two shuffles of the DCR and SpaceToDepth, the CRD's (rank 5),
    // and one per output.
    const perms = g.nodes.filter((n): n is Node<'transpose'> => n.op === 'transpose').map((n) => n.attrs.perm.join(''));
    expect(perms.sort()).toEqual(['0213', '0213', '0231', '0312', '0312', '03142']);
    await blobAgreesWithOrt(spec, g);
  });
});

describe('ONNX Split, Slice, Gather, DepthToSpace: clear errors', () => {
  const x = [{ name: 'x', shape: [1, 8, 4, 4] }];
  const y = [{ name: 'y' }];
  it('names the node and the problem', () => {
    expect(importError({
      opset: 11, inputs: x, outputs: [{ name: 'a' }, { name: 'b' }],
      nodes: [{ op: 'Split', name: 'sp', inputs: ['x'], outputs: ['a', 'b'], attrs: { axis: ai(1), split: ais([3, 4]) } }],
    })).toBe("ONNX Split node 'sp' (opset 11): split sizes [3,4] do not add up to dimension 8 of axis 1");
    expect(importError({
      opset: 18, inputs: x, outputs: [{ name: 'a' }, { name: 'b' }],
      nodes: [{ op: 'Split', name: 'sp', inputs: ['x'], outputs: ['a', 'b'], attrs: { axis: ai(1) } }],
    })).toBe("ONNX Split node 'sp' (opset 18): needs the split input or attribute num_outputs");
    expect(importError({
      opset: 13, inputs: x, outputs: [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
      nodes: [{ op: 'Split', name: 'sp', inputs: ['x'], outputs: ['a', 'b', 'c'], attrs: { axis: ai(1) } }],
    })).toBe("ONNX Split node 'sp' (opset 13): dimension 8 of axis 1 does not split into 3 equal parts");
    const scattered = Array.from({ length: 130 }, (_, i) => [0, 3, 1][i % 3]); // runs of two: 65
    expect(importError({
      opset: 13, inputs: x, outputs: y,
      inits: [{ name: 'idx', shape: [130], data: scattered, type: INT64 }],
      nodes: [{ op: 'Gather', name: 'g', inputs: ['x', 'idx'], outputs: ['y'], attrs: { axis: ai(1) } }],
    })).toMatch(/^unsupported Gather of 130 indices in 65 runs of equally spaced values \(at most 64\) in ONNX op 'Gather' \(node 'g', opset 13\)$/);
    expect(importError({
      opset: 13, inputs: x, outputs: y,
      nodes: [{ op: 'DepthToSpace', name: 'd2s', inputs: ['x'], outputs: ['y'], attrs: { blocksize: ai(3) } }],
    })).toBe("ONNX DepthToSpace node 'd2s' (opset 13): 8 channels are not a multiple of block size² (9)");
    expect(importError({
      opset: 13, inputs: x, outputs: y,
      nodes: [{ op: 'SpaceToDepth', name: 's2d', inputs: ['x'], outputs: ['y'], attrs: { blocksize: ai(3) } }],
    })).toBe("ONNX SpaceToDepth node 's2d' (opset 13): height 4 and width 4 must be multiples of the block size 3");
  });
});
