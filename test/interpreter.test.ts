// The reference interpreter: a hand-built multi-node graph equals the kernels composed by hand;
// bad inputs are rejected naming the input; observe sees every tensor; evaluateNode folds a node.
import { describe, expect, it } from 'vitest';
import { Graph, type Node, type OpName, type AttrsByOp, type Tensor, type TensorData, numel } from '../converter/ir/graph.js';
import { floatKernels } from '../converter/reference/float/index.js';
import { evaluateNode, runGraph } from '../converter/reference/interpreter.js';
import type { RefValue } from '../converter/reference/types.js';

function rand(seed: number) {
  let s = seed >>> 0;
  return (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

function randomData(seed: number, n: number): Float32Array {
  const r = rand(seed);
  return Float32Array.from({ length: n }, r);
}

function addNode<K extends OpName>(g: Graph, op: K, name: string, inputs: string[], output: Tensor, attrs: AttrsByOp[K]): void {
  g.addTensor(output);
  g.nodes.push({ op, name, inputs, outputs: [output.name], attrs } as Node);
}

/** x[1,6,6,2] → conv2d(relu) → max_pool2d → reshape → fully_connected → add(bias2, input b) → softmax. */
function buildGraph(): Graph {
  const g = new Graph();
  g.addTensor({ name: 'x', dtype: 'f32', shape: [1, 6, 6, 2] });
  g.addTensor({ name: 'b', dtype: 'f32', shape: [5] });
  g.inputs = ['x', 'b'];
  g.addTensor({ name: 'w1', dtype: 'f32', shape: [4, 3, 3, 2], data: randomData(1, 72) });
  g.addTensor({ name: 'bias1', dtype: 'f32', shape: [4], data: randomData(2, 4) });
  g.addTensor({ name: 'w2', dtype: 'f32', shape: [5, 36], data: randomData(3, 180) });
  addNode(g, 'conv2d', 'conv', ['x', 'w1', 'bias1'], { name: 'c', dtype: 'f32', shape: [1, 6, 6, 4] }, {
    strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], group: 1, activation: { min: 0, max: Infinity },
  });
  addNode(g, 'max_pool2d', 'pool', ['c'], { name: 'p', dtype: 'f32', shape: [1, 3, 3, 4] }, {
    kernel: [2, 2], strides: [2, 2], dilations: [1, 1], pads: [0, 0, 0, 0], countIncludePad: false,
  });
  addNode(g, 'reshape', 'flatten', ['p'], { name: 'r', dtype: 'f32', shape: [1, 36] }, {});
  addNode(g, 'fully_connected', 'fc', ['r', 'w2', ''], { name: 'f', dtype: 'f32', shape: [1, 5] }, {});
  addNode(g, 'add', 'plus_b', ['f', 'b'], { name: 'a', dtype: 'f32', shape: [1, 5] }, {});
  addNode(g, 'softmax', 'prob', ['a'], { name: 'y', dtype: 'f32', shape: [1, 5] }, { axis: -1, beta: 1 });
  g.outputs = ['y', 'c'];
  return g;
}

/** Calls a float kernel directly (the composition the interpreter must reproduce). */
function call(op: OpName, attrs: object, inputs: (RefValue | undefined)[], shape: number[]): RefValue {
  const node = { op, name: op, inputs: [], outputs: ['o'], attrs } as unknown as Node;
  const [data] = floatKernels[op]!(node, inputs, [{ name: 'o', dtype: 'f32', shape }]);
  return { data, shape, dtype: 'f32' };
}

describe('runGraph', () => {
  const x = randomData(10, 72);
  const b = randomData(11, 5);

  it('equals the kernels composed by hand, for every graph output', () => {
    const g = buildGraph();
    const [y, c] = runGraph(g, [x, b]);
    const v = (name: string): RefValue => ({ data: g.tensor(name).data!, shape: g.tensor(name).shape, dtype: 'f32' });
    const n = (name: string) => g.nodes.find((nd) => nd.name === name)!.attrs;
    const cRef = call('conv2d', n('conv'), [{ data: x, shape: [1, 6, 6, 2], dtype: 'f32' }, v('w1'), v('bias1')], [1, 6, 6, 4]);
    const pRef = call('max_pool2d', n('pool'), [cRef], [1, 3, 3, 4]);
    const fRef = call('fully_connected', {}, [{ ...pRef, shape: [1, 36] }, v('w2'), undefined], [1, 5]);
    const aRef = call('add', {}, [fRef, { data: b, shape: [5], dtype: 'f32' }], [1, 5]);
    const yRef = call('softmax', { axis: -1, beta: 1 }, [aRef], [1, 5]);
    expect(Array.from(c as Float32Array)).toEqual(Array.from(cRef.data as Float32Array));
    expect(Array.from(y as Float32Array)).toEqual(Array.from(yRef.data as Float32Array));
    // An independent sanity check on the last step: probabilities summing to 1.
    expect(Array.from(y as Float32Array).reduce((s, q) => s + q, 0)).toBeCloseTo(1, 5);
  });

  it('observe sees each graph input and every produced tensor once, in order, with its shape', () => {
    const g = buildGraph();
    const seen: [string, number[], number][] = [];
    runGraph(g, [x, b], { observe: (name, value) => seen.push([name, value.shape, value.data.length]) });
    const expectedNames = [...g.inputs, ...g.nodes.flatMap((nd) => nd.outputs)];
    expect(seen.map((s) => s[0])).toEqual(expectedNames);
    for (const [name, shape, length] of seen) {
      expect(shape).toEqual(g.tensor(name).shape);
      expect(length).toBe(numel(shape));
    }
  });

  it('rejects a wrong number of inputs, naming the graph inputs', () => {
    expect(() => runGraph(buildGraph(), [x])).toThrow(/has 2 inputs \(x, b\), got 1/);
  });

  it('rejects a wrong dtype, naming the input', () => {
    expect(() => runGraph(buildGraph(), [x, new Int8Array(5)])).toThrow(/input 1 'b' must be f32 \(Float32Array\), got Int8Array/);
  });

  it('rejects a wrong length, naming the input and its shape', () => {
    expect(() => runGraph(buildGraph(), [new Float32Array(71), b])).toThrow(/input 0 'x' has shape \[1,6,6,2\] \(72 elements\), got 71/);
  });

  it('rejects a declared shape that the inputs contradict, naming node and tensor', () => {
    const g = buildGraph();
    g.tensor('p').shape = [1, 2, 2, 4];
    expect(() => runGraph(g, [x, b])).toThrow(/max_pool2d 'pool'.*'p' is declared \[1,2,2,4\] but its inputs give \[1,3,3,4\]/);
  });

  it('rejects a constant whose data does not fill its shape, naming the tensor', () => {
    const g = buildGraph();
    g.tensor('bias1').data = new Float32Array(5);
    expect(() => runGraph(g, [x, b])).toThrow(/constant 'bias1' holds Float32Array\(5\), but f32 \[4\] needs Float32Array\(4\)/);
  });

  it('names op, node and dtype when no kernel exists', () => {
    const g = new Graph();
    g.addTensor({ name: 'x', dtype: 'f32', shape: [4] });
    g.inputs = ['x'];
    addNode(g, 'lut', 'table', ['x', ''], { name: 'y', dtype: 'f32', shape: [4] }, {});
    g.outputs = ['y'];
    expect(() => runGraph(g, [new Float32Array(4)])).toThrow(/lut 'table'.*no float reference kernel for op 'lut' on f32/);

    const q = new Graph();
    q.addTensor({ name: 'x', dtype: 's8', shape: [4], quant: { scale: [0.1], zeroPoint: [0] } });
    q.inputs = ['x'];
    addNode(q, 'sigmoid', 'sig', ['x'], { name: 'y', dtype: 's8', shape: [4], quant: { scale: [1 / 256], zeroPoint: [-128] } }, {});
    q.outputs = ['y'];
    expect(() => runGraph(q, [new Int8Array(4)])).toThrow(/sigmoid 'sig'.*no int8 reference kernel for op 'sigmoid' on s8/);
  });

  it('runs s8 data movement and the dtype conversions: quantize → transpose(s8) → copy → dequantize', () => {
    const g = new Graph();
    const quant = { scale: [0.05], zeroPoint: [3] };
    g.addTensor({ name: 'x', dtype: 'f32', shape: [2, 3] });
    g.inputs = ['x'];
    addNode(g, 'quantize', 'q', ['x'], { name: 'q', dtype: 's8', shape: [2, 3], quant }, {});
    addNode(g, 'transpose', 't', ['q'], { name: 't', dtype: 's8', shape: [3, 2], quant }, { perm: [1, 0] });
    addNode(g, 'copy', 'cp', ['t'], { name: 'c', dtype: 's8', shape: [3, 2], quant }, {});
    addNode(g, 'dequantize', 'dq', ['c'], { name: 'y', dtype: 'f32', shape: [3, 2] }, {});
    g.outputs = ['y'];
    const input = Float32Array.from([0.1, -0.33, 1.2, 2.07, -1, 0]);
    const [y] = runGraph(g, [input]);
    // Element (i, j) of y is x[j, i] rounded to the quantization grid.
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 2; j++) {
        const v = input[j * 3 + i];
        expect(Math.abs((y as Float32Array)[i * 2 + j] - v)).toBeLessThanOrEqual(0.025 + 1e-6);
      }
  });

  it('a graph output may be a graph input or a constant', () => {
    const g = new Graph();
    g.addTensor({ name: 'x', dtype: 'f32', shape: [2] });
    g.addTensor({ name: 'k', dtype: 'f32', shape: [1], data: Float32Array.from([7]) });
    g.inputs = ['x'];
    g.outputs = ['x', 'k'];
    const out = runGraph(g, [Float32Array.from([1, 2])]);
    expect(out.map((d) => Array.from(d as Float32Array))).toEqual([[1, 2], [7]]);
  });
});

describe('evaluateNode', () => {
  it('folds a node whose declared output shape is still unknown, computing the shape', () => {
    const g = new Graph();
    g.addTensor({ name: 'a', dtype: 'f32', shape: [2, 1], data: Float32Array.from([1, 2]) });
    g.addTensor({ name: 'b', dtype: 'f32', shape: [3], data: Float32Array.from([10, 20, 30]) });
    g.addTensor({ name: 'y', dtype: 'f32', shape: [-1, -1] });
    const node: Node = { op: 'mul', name: 'm', inputs: ['a', 'b'], outputs: ['y'], attrs: {} };
    g.nodes.push(node);
    const value = (n: string): RefValue => ({ data: g.tensor(n).data as TensorData, shape: g.tensor(n).shape, dtype: 'f32' });
    const [y] = evaluateNode(g, node, [value('a'), value('b')]);
    expect(y.shape).toEqual([2, 3]);
    const expected = [1, 2].flatMap((p) => [10, 20, 30].map((q) => p * q));
    expect(Array.from(y.data as Float32Array)).toEqual(expected);
  });

  it('folds a reshape to its declared shape and rejects an impossible one', () => {
    const g = new Graph();
    g.addTensor({ name: 'y', dtype: 'f32', shape: [3, 2] });
    const node: Node = { op: 'reshape', name: 'r', inputs: ['x'], outputs: ['y'], attrs: {} };
    const x: RefValue = { data: Float32Array.from([1, 2, 3, 4, 5, 6]), shape: [2, 3], dtype: 'f32' };
    const [y] = evaluateNode(g, node, [x]);
    expect(y.shape).toEqual([3, 2]);
    expect(Array.from(y.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    g.tensor('y').shape = [4, 2];
    expect(() => evaluateNode(g, node, [x])).toThrow(/reshape 'r'.*\[4,2\].*6 elements/);
  });
});
