// The ONNX importer on small models built here with onnx-proto. Each model runs in ONNX Runtime
// (the independent oracle) and through importOnnx + optimize + the reference interpreter; the
// outputs must agree. Then the error paths: every unsupported construct names op, node and opset.
import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ConvertError } from '../converter/errors.js';
import { importOnnx } from '../converter/import/onnx.js';
import { tensorFromProto } from '../converter/import/onnx-tensor.js';
import { optimize } from '../converter/passes/index.js';
import { runGraph } from '../converter/reference/interpreter.js';
import {
  FLOAT, INT8, INT64, type ModelSpec, agreesWithOrt, importError, ai, af, ais, as, buildModel, init, initProto, onnx, ops, values,
} from './support/onnx-model.js';

// ---- numerics against ONNX Runtime ---------------------------------------------------------------

describe('ONNX import agrees with ONNX Runtime', () => {
  it('depthwise Conv (group = C, multiplier 2) with SAME_UPPER, stride 2, then Relu', async () => {
    const g = await agreesWithOrt({
      opset: 13,
      inputs: [{ name: 'x', shape: [1, 4, 7, 7] }],
      outputs: [{ name: 'y' }],
      inits: [init('w', [8, 1, 3, 3], 1), init('b', [8], 2)],
      nodes: [
        { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { group: ai(4), strides: ais([2, 2]), auto_pad: as('SAME_UPPER') } },
        { op: 'Relu', inputs: ['c'], outputs: ['y'] },
      ],
    });
    expect(ops(g)).toContain('depthwise_conv2d');
    expect(ops(g)).not.toContain('clamp'); // fused
  });

  it('grouped Conv with dilations, asymmetric pads, no bias; SAME_LOWER Conv', async () => {
    await agreesWithOrt({
      opset: 11,
      inputs: [{ name: 'x', shape: [1, 4, 8, 7] }],
      outputs: [{ name: 'y' }],
      inits: [init('w', [6, 2, 3, 3], 3), init('w2', [2, 6, 2, 2], 4, -0.5, 0.5)],
      nodes: [
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { group: ai(2), dilations: ais([2, 1]), pads: ais([1, 0, 2, 1]) } },
        { op: 'Conv', inputs: ['c', 'w2'], outputs: ['y'], attrs: { auto_pad: as('SAME_LOWER'), strides: ais([2, 2]) } },
      ],
    });
  });

  it('1-D Conv and MaxPool run as 2-D with H = 1', async () => {
    await agreesWithOrt({
      opset: 13,
      inputs: [{ name: 'x', shape: [1, 2, 11] }],
      outputs: [{ name: 'y' }],
      inits: [init('w', [3, 2, 3], 5), init('b', [3], 6)],
      nodes: [
        { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { strides: ais([2]), pads: ais([1, 1]) } },
        { op: 'MaxPool', inputs: ['c'], outputs: ['y'], attrs: { kernel_shape: ais([2]), ceil_mode: ai(1), strides: ais([2]) } },
      ],
    });
  });

  it('Conv → BatchNormalization → Relu → MaxPool(ceil) → GlobalAveragePool → Flatten → Gemm → Softmax', async () => {
    const g = await agreesWithOrt({
      opset: 13,
      inputs: [{ name: 'image', shape: ['batch', 3, 9, 9] }],
      outputs: [{ name: 'probs' }],
      inits: [
        init('w', [5, 3, 3, 3], 7), init('scale', [5], 8), init('bias', [5], 9), init('mean', [5], 10), init('var', [5], 11, 0.5, 2),
        init('fc_w', [4, 5], 12), { ...init('fc_b', [4], 13), typed: true },
      ],
      nodes: [
        { op: 'Conv', inputs: ['image', 'w'], outputs: ['c'], attrs: { pads: ais([1, 1, 1, 1]) } },
        { op: 'BatchNormalization', inputs: ['c', 'scale', 'bias', 'mean', 'var'], outputs: ['bn'], attrs: { epsilon: af(1e-3) } },
        { op: 'Relu', inputs: ['bn'], outputs: ['r'] },
        { op: 'MaxPool', inputs: ['r'], outputs: ['p'], attrs: { kernel_shape: ais([2, 2]), strides: ais([2, 2]), ceil_mode: ai(1) } },
        { op: 'GlobalAveragePool', inputs: ['p'], outputs: ['gap'] },
        { op: 'Flatten', inputs: ['gap'], outputs: ['flat'] },
        { op: 'Gemm', inputs: ['flat', 'fc_w', 'fc_b'], outputs: ['logits'], attrs: { transB: ai(1) } },
        { op: 'Softmax', inputs: ['logits'], outputs: ['probs'] },
      ],
    });
    expect(ops(g)).not.toContain('batch_norm');
    expect(ops(g).filter((o) => o === 'transpose').length).toBeLessThanOrEqual(1);
  });

  it('AveragePool with count_include_pad, and with ceil_mode; GlobalMaxPool', async () => {
    await agreesWithOrt({
      opset: 13,
      inputs: [{ name: 'x', shape: [1, 3, 7, 6] }],
      outputs: [{ name: 'a' }, { name: 'b' }, { name: 'm' }],
      nodes: [
        { op: 'AveragePool', inputs: ['x'], outputs: ['a'], attrs: { kernel_shape: ais([3, 3]), pads: ais([1, 1, 1, 1]), count_include_pad: ai(1), strides: ais([2, 2]) } },
        { op: 'AveragePool', inputs: ['x'], outputs: ['b'], attrs: { kernel_shape: ais([2, 3]), strides: ais([2, 2]), ceil_mode: ai(1) } },
        { op: 'GlobalMaxPool', inputs: ['x'], outputs: ['m'] },
      ],
    });
  });

  it('Gemm with computed B, transA, alpha, beta and a matrix C', async () => {
    await agreesWithOrt({
      opset: 13,
      inputs: [{ name: 'a', shape: [4, 3] }, { name: 'b', shape: [4, 5] }],
      outputs: [{ name: 'y' }],
      inits: [init('c', [3, 5], 14)],
      nodes: [{ op: 'Gemm', inputs: ['a', 'b', 'c'], outputs: ['y'], attrs: { transA: ai(1), alpha: af(0.5), beta: af(2) } }],
    });
  });

  it('Gemm with constant B and scalar C; MatMul of a 3-D input by a constant becomes fully_connected', async () => {
    const g = await agreesWithOrt({
      opset: 13,
      inputs: [{ name: 'x', shape: [2, 3, 4] }, { name: 'v', shape: [2, 4] }],
      outputs: [{ name: 'y' }, { name: 'z' }],
      inits: [init('w', [4, 6], 15), init('k', [4, 3], 16), init('s', [1], 17)],
      nodes: [
        { op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] },
        { op: 'Gemm', inputs: ['v', 'k', 's'], outputs: ['z'], attrs: { alpha: af(1.5), beta: af(-1) } },
      ],
    });
    expect(ops(g).filter((o) => o === 'fully_connected').length).toBe(2);
    expect(ops(g)).not.toContain('matmul');
  });

  it('opset-11 attribute forms: Softmax flattens at axis, Clip, Squeeze/Unsqueeze, ReduceMean(keepdims=0), Pad', async () => {
    await agreesWithOrt({
      opset: 11,
      inputs: [{ name: 'x', shape: [2, 3, 4] }],
      outputs: [{ name: 's' }, { name: 'c' }, { name: 'q' }, { name: 'm' }],
      inits: [{ name: 'pads', shape: [6], data: [0, 1, 2, 0, 1, 1], type: INT64 }, init('lo', [], 18, -0.5, -0.4)],
      nodes: [
        { op: 'Softmax', inputs: ['x'], outputs: ['s'], attrs: { axis: ai(1) } },
        { op: 'Clip', inputs: ['x', 'lo', ''], outputs: ['c'] },
        { op: 'Unsqueeze', inputs: ['x'], outputs: ['u'], attrs: { axes: ais([0, 3]) } },
        { op: 'Squeeze', inputs: ['u'], outputs: ['q'], attrs: { axes: ais([0]) } },
        { op: 'Pad', inputs: ['x', 'pads'], outputs: ['p'], attrs: { mode: as('reflect') } },
        { op: 'ReduceMean', inputs: ['p'], outputs: ['m'], attrs: { axes: ais([-1, 1]), keepdims: ai(0) } },
      ],
    });
  });

  it('opset-10 Clip attributes, Reshape with 0 and -1, Transpose, Concat, Identity output, Dropout', async () => {
    const spec: ModelSpec = {
      opset: 10,
      inputs: [{ name: 'x', shape: [2, 3, 4] }],
      outputs: [{ name: 'y' }, { name: 'id' }],
      inits: [{ name: 'shape', shape: [2], data: [0, -1], type: INT64 }],
      nodes: [
        { op: 'Clip', inputs: ['x'], outputs: ['c'], attrs: { min: af(-0.5), max: af(1) } },
        { op: 'Transpose', inputs: ['c'], outputs: ['t'], attrs: { perm: ais([2, 0, 1]) } },
        { op: 'Reshape', inputs: ['t', 'shape'], outputs: ['r'] },
        { op: 'Dropout', inputs: ['r'], outputs: ['d'] },
        { op: 'Sigmoid', inputs: ['d'], outputs: ['s'] },
        { op: 'Concat', inputs: ['s', 'd'], outputs: ['y'], attrs: { axis: ai(1) } },
        { op: 'Identity', inputs: ['s'], outputs: ['id'] },
      ],
    };
    await agreesWithOrt(spec);
  });

  it('PyTorch-style flatten (Shape → Gather → Unsqueeze → Concat → Reshape) and constant Slice are computed at import', async () => {
    const g = await agreesWithOrt({
      opset: 13,
      inputs: [{ name: 'x', shape: [2, 3, 2, 2] }],
      outputs: [{ name: 'y' }],
      inits: [
        { name: 'zero', shape: [], data: [0], type: INT64 },
        { name: 'ax0', shape: [1], data: [0], type: INT64 },
        { name: 'minus1', shape: [1], data: [-1], type: INT64 },
        init('table', [4, 12], 21),
        { name: 'st', shape: [1], data: [1], type: INT64 },
        { name: 'en', shape: [1], data: [1000], type: INT64 },
        { name: 'sax', shape: [1], data: [0], type: INT64 },
        { name: 'stp', shape: [1], data: [2], type: INT64 },
      ],
      nodes: [
        { op: 'Shape', inputs: ['x'], outputs: ['s'] },
        { op: 'Gather', inputs: ['s', 'zero'], outputs: ['n'] },
        { op: 'Unsqueeze', inputs: ['n', 'ax0'], outputs: ['n1'] },
        { op: 'Concat', inputs: ['n1', 'minus1'], outputs: ['shape'], attrs: { axis: ai(0) } },
        { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['flat'] },
        { op: 'Slice', inputs: ['table', 'st', 'en', 'sax', 'stp'], outputs: ['rows'] }, // rows 1 and 3
        { op: 'Gemm', inputs: ['flat', 'rows'], outputs: ['y'], attrs: { transB: ai(1) } },
      ],
    });
    expect(ops(g)).toEqual(['reshape', 'fully_connected']);
  });

  it('HardSigmoid and PRelu (per-channel slope and single slope)', async () => {
    await agreesWithOrt({
      opset: 13,
      inputs: [{ name: 'x', shape: [1, 3, 2, 2] }],
      outputs: [{ name: 'h' }, { name: 'p' }, { name: 'q' }],
      inits: [init('slope', [3, 1, 1], 22), init('one', [1], 23)],
      nodes: [
        { op: 'HardSigmoid', inputs: ['x'], outputs: ['h'], attrs: { alpha: af(0.3), beta: af(0.4) } },
        { op: 'PRelu', inputs: ['x', 'slope'], outputs: ['p'] },
        { op: 'PRelu', inputs: ['x', 'one'], outputs: ['q'] },
      ],
    });
  });

  it('Constant node, Sub/Div broadcasting, LeakyRelu, Tanh, HardSwish (opset 14)', async () => {
    const value = { name: 'value', type: 4, t: { dims: [4], dataType: FLOAT, floatData: [0.5, -1, 2, 3] } };
    const spec: ModelSpec = {
      opset: 14,
      inputs: [{ name: 'x', shape: [3, 4] }, { name: 'z', shape: [1, 4] }],
      outputs: [{ name: 'y' }],
      nodes: [
        { op: 'Constant', inputs: [], outputs: ['k'] },
        { op: 'Sub', inputs: ['x', 'k'], outputs: ['a'] },
        { op: 'Div', inputs: ['a', 'k'], outputs: ['b'] },
        { op: 'LeakyRelu', inputs: ['b'], outputs: ['l'], attrs: { alpha: af(0.2) } },
        { op: 'Tanh', inputs: ['l'], outputs: ['t'] },
        { op: 'Mul', inputs: ['t', 'z'], outputs: ['m'] },
        { op: 'HardSwish', inputs: ['m'], outputs: ['y'] },
      ],
    };
    // Constant's value is a tensor attribute, which the builder's AttrValue does not cover.
    const model = onnx.ModelProto.decode(buildModel(spec));
    model.graph!.node![0].attribute = [value];
    const bytes = onnx.ModelProto.encode(model).finish();
    const session = await ort.InferenceSession.create(bytes);
    const x = values(12, 1, -3, 3);
    const z = values(4, 2, -3, 3);
    const want = (await session.run({ x: new ort.Tensor('float32', x, [3, 4]), z: new ort.Tensor('float32', z, [1, 4]) })).y.data as Float32Array;
    const g = importOnnx(bytes);
    optimize(g);
    const [got] = runGraph(g, [x, z]) as Float32Array[];
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want[i])));
  });
});

// ---- metadata, names, shapes -------------------------------------------------------------------

describe('ONNX import: graph metadata and shapes', () => {
  const spec: ModelSpec = {
    opset: 13,
    inputs: [{ name: 'input:0', shape: ['N', 3] }],
    outputs: [{ name: 'out/y' }],
    nodes: [{ op: 'Sigmoid', inputs: ['input:0'], outputs: ['out/y'] }],
  };

  it('keeps input/output names, records source hash/format/name, and reads a symbolic batch dim as 1', () => {
    const bytes = buildModel(spec);
    const g = importOnnx(bytes, 'tiny.onnx');
    expect(g.inputs).toEqual(['input:0']);
    expect(g.outputs).toEqual(['out/y']);
    expect(g.tensor('input:0').shape).toEqual([1, 3]);
    expect(g.meta.sourceFormat).toBe('onnx');
    expect(g.meta.sourceName).toBe('tiny.onnx');
    expect(g.meta.sourceHash).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('decodes raw_data and typed-field initializers to the same values', () => {
    const data = values(6, 3);
    for (const typed of [false, true]) {
      const t = tensorFromProto(onnx.TensorProto.create(initProto({ name: 'w', shape: [2, 3], data, typed })));
      expect(t.dtype).toBe('f32');
      expect(t.shape).toEqual([2, 3]);
      expect(Array.from(t.data as Float32Array)).toEqual(Array.from(data));
    }
    const i = tensorFromProto(onnx.TensorProto.create(initProto({ name: 's', shape: [3], data: [1, -1, 5], type: INT64 })));
    expect(i.data).toEqual(BigInt64Array.from([1n, -1n, 5n]));
  });
});

// ---- errors ------------------------------------------------------------------------------------

describe('ONNX import: clear errors', () => {
  const x = [{ name: 'x', shape: [1, 2, 4, 4] }];
  const y = [{ name: 'y' }];

  it('names an unsupported op with its node and opset', () => {
    const msg = importError({
      opset: 13, inputs: x, outputs: y,
      nodes: [{ op: 'Tan', name: 'tan_3', inputs: ['x'], outputs: ['y'] }],
    });
    expect(msg).toBe("unsupported ONNX op 'Tan' (node 'tan_3', opset 13)");
    // Gather's indices must be constant (the data may be computed at run time).
    expect(importError({
      opset: 13, inputs: [...x, { name: 'idx', shape: [1], type: INT64 }], outputs: y,
      nodes: [{ op: 'Gather', name: 'gather_3', inputs: ['x', 'idx'], outputs: ['y'] }],
    })).toBe("unsupported Gather with indices computed at run time in ONNX op 'Gather' (node 'gather_3', opset 13)");
  });

  it('rejects integer arithmetic', () => {
    const msg = importError({
      opset: 14, inputs: [{ name: 'a', shape: [2], type: INT8 }, { name: 'b', shape: [2], type: INT8 }], outputs: y,
      nodes: [{ op: 'Add', name: 'add0', inputs: ['a', 'b'], outputs: ['y'] }],
    });
    expect(msg).toContain('Add on int8 tensors is not supported (float32 only)');
    expect(msg).toContain("'add0'");
  });

  it('rejects Conv weights computed at run time, 3-D Conv, MaxPool Indices', () => {
    expect(importError({
      opset: 13, inputs: [...x, { name: 'w', shape: [2, 2, 3, 3] }], outputs: y,
      nodes: [{ op: 'Conv', name: 'conv', inputs: ['x', 'w'], outputs: ['y'] }],
    })).toMatch(/non-constant weights \('w'\).*'Conv'.*'conv'/);
    expect(importError({
      opset: 13, inputs: [{ name: 'x', shape: [1, 2, 3, 3, 3] }], outputs: y, inits: [init('w', [2, 2, 1, 1, 1], 1)],
      nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'] }],
    })).toContain('3-D input');
    expect(importError({
      opset: 13, inputs: x, outputs: y,
      nodes: [{ op: 'MaxPool', inputs: ['x'], outputs: ['y', 'idx'], attrs: { kernel_shape: ais([2, 2]) } }],
    })).toContain('Indices');
  });

  it('rejects unsupported attribute values, naming the attribute', () => {
    expect(importError({
      opset: 13, inputs: x, outputs: y, inits: [init('w', [2, 2, 1, 1], 1)],
      nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: { auto_pad: as('WEIRD') } }],
    })).toContain("auto_pad='WEIRD'");
    expect(importError({
      opset: 13, inputs: x, outputs: y, inits: [{ name: 'p', shape: [8], data: [0, 0, -1, 0, 0, 0, 0, 0], type: INT64 }],
      nodes: [{ op: 'Pad', inputs: ['x', 'p'], outputs: ['y'] }],
    })).toContain('negative pads');
  });

  it('rejects dynamic non-batch dims, external data and bytes that are not ONNX', () => {
    expect(importError({
      opset: 13, inputs: [{ name: 'seq', shape: [1, 'T'] }], outputs: y,
      nodes: [{ op: 'Relu', inputs: ['seq'], outputs: ['y'] }],
    })).toMatch(/'seq'.*dynamic dimension 1/);

    const model = onnx.ModelProto.decode(buildModel({
      opset: 13, inputs: x, outputs: y, inits: [init('w', [2, 2, 1, 1], 1)],
      nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'] }],
    }));
    const w = model.graph!.initializer![0];
    w.rawData = new Uint8Array(0);
    w.dataLocation = 1;
    w.externalData = [{ key: 'location', value: 'weights.bin' }];
    expect(() => importOnnx(onnx.ModelProto.encode(model).finish())).toThrow(/'w' uses external data/);

    expect(() => importOnnx(new Uint8Array([0xff, 0xff, 0xff, 0x07, 1, 2, 3]), 'junk.onnx')).toThrow(ConvertError);
  });

  it('rejects a graph whose node reads an undefined value', () => {
    expect(importError({
      opset: 13, inputs: x, outputs: y,
      nodes: [{ op: 'Relu', name: 'r', inputs: ['nope'], outputs: ['y'] }],
    })).toContain("input 'nope' is not produced");
  });

  it('corrupt tensors are ConvertErrors: dims asking for 10^22 elements, a Constant value attribute without its tensor', () => {
    // Found by flipping bytes of the onnx/backend node models: a RangeError from the array
    // allocation, and a TypeError reading the absent tensor.
    const model = onnx.ModelProto.decode(buildModel({
      opset: 13, inputs: x, outputs: y, inits: [init('w', [2, 2, 1, 1], 1)],
      nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'] }],
    }));
    const w = model.graph!.initializer![0];
    w.dims = [100000, 100000, 100000, 100000];
    expect(() => importOnnx(onnx.ModelProto.encode(model).finish())).toThrow(/initializer 'w': raw_data has 16 bytes, shape \[100000,100000,100000,100000\] needs 4(e\+20|0{20})/);
    w.rawData = new Uint8Array(0);
    expect(() => importOnnx(onnx.ModelProto.encode(model).finish())).toThrow(/initializer 'w': has 0 values, shape .* needs 1(e\+20|0{20})/);

    const constant = onnx.ModelProto.decode(buildModel({
      opset: 13, inputs: x, outputs: y,
      nodes: [{ op: 'Constant', name: 'k', inputs: [], outputs: ['c'], attrs: { value: ai(0) } }, { op: 'Add', inputs: ['x', 'c'], outputs: ['y'] }],
    }));
    const attr = constant.graph!.node![0].attribute![0];
    attr.type = 4; // TENSOR, but no t
    expect(() => importOnnx(onnx.ModelProto.encode(constant).finish())).toThrow(/Constant node 'k'.*: attribute value holds no tensor/);
  });
});
