// Each float pass on small hand-built graphs: the reference interpreter must give the same outputs
// before and after the pass (random inputs, 1e-5), plus structural checks that the pass did its job.
import { describe, expect, it } from 'vitest';
import { type AttrsByOp, Graph, type Node, type OpName, type TensorData, numel } from '../converter/ir/graph.js';
import { inferNodeShapes, inferShapes } from '../converter/ir/shapes.js';
import { validateGraph } from '../converter/ir/validate.js';
import {
  foldBatchNorm,
  foldBiasAdd,
  foldConstants,
  fuseActivation,
  lowerBatchNorm,
  optimize,
  removeIdentity,
  sinkTransposes,
} from '../converter/passes/index.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { mulberry32 } from '../converter/util/random.js';

const rng = mulberry32;

class Builder {
  g = new Graph();
  private rand = rng(1234);
  private count = 0;

  random(n: number, lo = -1, hi = 1): Float32Array {
    return Float32Array.from({ length: n }, () => lo + (hi - lo) * this.rand());
  }
  input(shape: number[], name = `in${this.g.inputs.length}`): string {
    this.g.addTensor({ name, dtype: 'f32', shape });
    this.g.inputs.push(name);
    return name;
  }
  constant(shape: number[], data?: Float32Array, lo = -1, hi = 1): string {
    const name = this.g.uniqueName(`c${this.count++}`);
    this.g.addTensor({ name, dtype: 'f32', shape, data: data ?? this.random(numel(shape), lo, hi) });
    return name;
  }
  node<K extends OpName>(op: K, inputs: string[], attrs: AttrsByOp[K], outShape?: number[]): string {
    const out = this.g.uniqueName(`t${this.count++}`);
    this.g.addTensor({ name: out, dtype: 'f32', shape: outShape ?? [] });
    const node = { op, name: `${op}_${this.count}`, inputs, outputs: [out], attrs: structuredClone(attrs) } as Node;
    this.g.nodes.push(node);
    inferNodeShapes(this.g, node);
    return out;
  }
  output(name: string): this {
    this.g.outputs.push(name);
    return this;
  }
}

function cloneGraph(g: Graph): Graph {
  const c = new Graph();
  for (const [name, t] of g.tensors) c.tensors.set(name, { ...t, shape: [...t.shape], data: t.data?.slice() as TensorData | undefined });
  c.nodes = g.nodes.map((n) => structuredClone(n));
  c.inputs = [...g.inputs];
  c.outputs = [...g.outputs];
  c.meta = { ...g.meta };
  return c;
}

function randomInputs(g: Graph, seed = 7): TensorData[] {
  const r = rng(seed);
  return g.inputs.map((name) => Float32Array.from({ length: numel(g.tensor(name).shape) }, () => 2 * r() - 1));
}

/** Runs `pass` on g and checks the outputs are unchanged on random inputs; returns the new graph. */
function checkPreserves(g: Graph, pass: (g: Graph) => unknown): Graph {
  validateGraph(g);
  const before = cloneGraph(g);
  pass(g);
  validateGraph(g);
  inferShapes(g);
  for (const seed of [1, 2, 3]) {
    const inputs = randomInputs(before, seed);
    const want = runGraph(before, inputs);
    const got = runGraph(g, inputs);
    expect(got.length).toBe(want.length);
    got.forEach((o, i) => {
      const a = o as Float32Array;
      const e = want[i] as Float32Array;
      expect(a.length).toBe(e.length);
      for (let j = 0; j < e.length; j++) {
        const err = Math.abs(a[j] - e[j]);
        if (!(err <= 1e-5 * (1 + Math.abs(e[j])))) expect.fail(`output ${i}[${j}] = ${a[j]}, before the pass ${e[j]}`);
      }
    });
  }
  return g;
}

const ops = (g: Graph) => g.nodes.map((n) => n.op);
const TO_NCHW = { perm: [0, 3, 1, 2] };
const TO_NHWC = { perm: [0, 2, 3, 1] };
const conv = { strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], group: 1 } as AttrsByOp['conv2d'];

describe('fold-constants', () => {
  it('evaluates all-constant nodes and keeps the rest', () => {
    const b = new Builder();
    const x = b.input([2, 3]);
    const k = b.node('add', [b.constant([2, 3]), b.constant([3])], {});
    const s = b.node('sigmoid', [k], {});
    b.output(b.node('mul', [x, s], {}));
    const g = checkPreserves(b.g, foldConstants);
    expect(ops(g)).toEqual(['mul']);
    expect(g.isConstant(g.nodes[0].inputs[1])).toBe(true);
  });

  it('never folds a graph output', () => {
    const b = new Builder();
    b.input([1]);
    b.output(b.node('tanh', [b.constant([4])], {}));
    const g = checkPreserves(b.g, foldConstants);
    expect(ops(g)).toEqual(['tanh']);
  });
});

describe('sink-transposes', () => {
  it('cancels the NCHW round trip around elementwise ops with constants', () => {
    const b = new Builder();
    const x = b.input([1, 5, 5, 3]);
    const c1 = b.node('conv2d', [x, b.constant([4, 3, 3, 3]), b.constant([4])], conv);
    let t = b.node('transpose', [c1], TO_NCHW); // back to "NCHW" after the conv
    t = b.node('add', [t, b.constant([4, 1, 1])], {}); // per-channel bias, NCHW-shaped
    t = b.node('clamp', [t], { min: 0, max: 6 });
    t = b.node('mul', [b.constant([1]), t], {});
    t = b.node('leaky_relu', [t], { alpha: 0.1 });
    t = b.node('transpose', [t], TO_NHWC); // into the next conv
    const c2 = b.node('conv2d', [t, b.constant([2, 3, 3, 4]), b.constant([2])], conv);
    b.output(b.node('transpose', [c2], TO_NCHW));
    const g = checkPreserves(b.g, sinkTransposes);
    // Only the boundary transpose at the output is left.
    expect(ops(g).filter((o) => o === 'transpose')).toEqual(['transpose']);
    expect(g.producer(g.outputs[0])!.op).toBe('transpose');
  });

  it('moves through binary ops whose operands are transposed alike, batch_norm, mean, softmax, pad and concat', () => {
    const b = new Builder();
    const x = b.input([1, 4, 4, 3]);
    const y = b.input([1, 4, 4, 3]);
    const tx = b.node('transpose', [x], TO_NCHW);
    const ty = b.node('transpose', [y], TO_NCHW);
    let s = b.node('add', [tx, ty], {});
    s = b.node('batch_norm', [s, b.constant([3]), b.constant([3]), b.constant([3]), b.constant([3], undefined, 0.5, 2)], { epsilon: 1e-3, axis: 1 });
    s = b.node('pad', [s], { mode: 'constant', value: 0.5, begin: [0, 1, 2, 0], end: [0, 0, 1, 1] });
    const sm = b.node('softmax', [s], { axis: 1, beta: 1 });
    const cat = b.node('concat', [b.node('transpose', [b.input([1, 4, 4, 3], 'z')], TO_NCHW), b.node('tanh', [b.node('transpose', [b.input([1, 4, 4, 2], 'w')], TO_NCHW)], {})], { axis: 1 });
    b.output(b.node('mean', [sm], { axes: [2, 3] }));
    b.output(b.node('transpose', [cat], TO_NHWC));
    const g = checkPreserves(b.g, sinkTransposes);
    // The concat branch cancels entirely; the mean branch keeps one transpose (a reshape: it only moves 1s).
    expect(g.nodes.filter((n) => n.op === 'transpose').length).toBeLessThanOrEqual(1);
    expect(g.nodes.find((n) => n.op === 'batch_norm')!.attrs).toMatchObject({ axis: 3 });
  });

  it('resolves residual blocks (a value read by a conv and by an add) to NHWC', () => {
    const b = new Builder();
    const x = b.input([1, 3, 5, 5]); // NCHW input, as ONNX gives it
    let cur = x;
    for (let i = 0; i < 3; i++) {
      let t = b.node('transpose', [cur], TO_NHWC);
      t = b.node('conv2d', [t, b.constant([3, 3, 3, 3]), b.constant([3])], conv);
      t = b.node('transpose', [t], TO_NCHW);
      t = b.node('add', [t, cur], {});
      cur = b.node('clamp', [t], { min: 0, max: Infinity });
    }
    b.output(cur);
    const g = checkPreserves(b.g, sinkTransposes);
    // One transpose at the input boundary and one at the output; none inside.
    expect(ops(g).filter((o) => o === 'transpose').length).toBe(2);
    expect(ops(g)[0]).toBe('transpose');
    expect(ops(g)[ops(g).length - 1]).toBe('transpose');
  });

  it('folds the transpose before a flatten into the fully_connected weights', () => {
    const b = new Builder();
    const x = b.input([1, 3, 2, 4]);
    const t = b.node('transpose', [x], TO_NCHW); // [1,4,3,2]
    const r = b.node('reshape', [t], {}, [1, 24]);
    b.output(b.node('fully_connected', [r, b.constant([5, 24]), b.constant([5])], {}));
    const g = checkPreserves(b.g, sinkTransposes);
    expect(ops(g)).toEqual(['reshape', 'fully_connected']);
  });

  it('leaves a transpose with several consumers alone when it cannot be removed', () => {
    const b = new Builder();
    const x = b.input([1, 2, 2, 3]);
    const t = b.node('transpose', [x], TO_NCHW);
    b.output(b.node('sigmoid', [t], {}));
    b.output(b.node('tanh', [t], {}));
    const g = checkPreserves(b.g, sinkTransposes);
    expect(ops(g).filter((o) => o === 'transpose').length).toBe(1);
  });
});

describe('fold-batchnorm', () => {
  const bnInputs = (b: Builder, c: number) => [b.constant([c]), b.constant([c]), b.constant([c]), b.constant([c], undefined, 0.2, 3)];

  it('folds into conv2d, depthwise_conv2d and fully_connected', () => {
    const b = new Builder();
    const x = b.input([1, 5, 5, 3]);
    let t = b.node('conv2d', [x, b.constant([4, 3, 3, 3]), b.constant([4])], conv);
    t = b.node('batch_norm', [t, ...bnInputs(b, 4)], { epsilon: 1e-5, axis: 3 });
    t = b.node('depthwise_conv2d', [t, b.constant([3, 3, 8]), ''], { strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], depthMultiplier: 2 });
    t = b.node('batch_norm', [t, ...bnInputs(b, 8)], { epsilon: 1e-3, axis: 3 });
    t = b.node('reshape', [t], {}, [1, 72]);
    t = b.node('fully_connected', [t, b.constant([6, 72]), ''], {});
    b.output(b.node('batch_norm', [t, ...bnInputs(b, 6)], { epsilon: 1e-5, axis: 1 }));
    const g = checkPreserves(b.g, foldBatchNorm);
    expect(ops(g)).toEqual(['conv2d', 'depthwise_conv2d', 'reshape', 'fully_connected']);
  });

  it('does not fold when the conv output has another reader; lower-batchnorm turns it into mul + add', () => {
    const b = new Builder();
    const x = b.input([1, 4, 4, 2]);
    const c = b.node('conv2d', [x, b.constant([3, 3, 3, 2]), ''], conv);
    b.output(b.node('batch_norm', [c, ...bnInputs(b, 3)], { epsilon: 1e-5, axis: 3 }));
    b.output(b.node('sigmoid', [c], {}));
    let g = checkPreserves(b.g, foldBatchNorm);
    expect(ops(g)).toContain('batch_norm');
    g = checkPreserves(g, lowerBatchNorm);
    expect(ops(g)).toEqual(['conv2d', 'mul', 'add', 'sigmoid']);
  });

  it('lowers an NCHW batch_norm (axis 1) on a graph input', () => {
    const b = new Builder();
    const x = b.input([2, 3, 4, 5]);
    b.output(b.node('batch_norm', [x, ...bnInputs(b, 3)], { epsilon: 1e-5, axis: 1 }));
    const g = checkPreserves(b.g, lowerBatchNorm);
    expect(ops(g)).toEqual(['mul', 'add']);
  });
});

describe('fold-bias-add', () => {
  it('folds per-channel adds and subs after conv2d and fully_connected into the bias', () => {
    const b = new Builder();
    const x = b.input([1, 4, 4, 2]);
    let t = b.node('conv2d', [x, b.constant([3, 3, 3, 2]), ''], conv);
    t = b.node('add', [b.constant([1, 1, 3]), t], {});
    t = b.node('reshape', [t], {}, [1, 48]);
    t = b.node('fully_connected', [t, b.constant([4, 48]), b.constant([4])], {});
    b.output(b.node('sub', [t, b.constant([4])], {}));
    const g = checkPreserves(b.g, foldBiasAdd);
    expect(ops(g)).toEqual(['conv2d', 'reshape', 'fully_connected']);
  });

  it('keeps an add that varies along other dims, or that broadcasts the output up', () => {
    const b = new Builder();
    const x = b.input([1, 4, 4, 2]);
    const t = b.node('conv2d', [x, b.constant([3, 3, 3, 2]), ''], conv);
    b.output(b.node('add', [t, b.constant([4, 1, 3])], {}));
    const f = b.node('fully_connected', [b.input([1, 3], 'v'), b.constant([2, 3]), ''], {});
    b.output(b.node('add', [f, b.constant([3, 1, 2])], {}));
    const g = checkPreserves(b.g, foldBiasAdd);
    expect(ops(g).filter((o) => o === 'add').length).toBe(2);
  });
});

describe('fuse-activation', () => {
  it('fuses clamps into conv, pool and binary ops, intersecting intervals', () => {
    const b = new Builder();
    const x = b.input([1, 4, 4, 2]);
    let t = b.node('conv2d', [x, b.constant([3, 3, 3, 2]), b.constant([3])], conv);
    t = b.node('clamp', [t], { min: 0, max: Infinity });
    t = b.node('clamp', [t], { min: -1, max: 0.5 });
    t = b.node('max_pool2d', [t], { kernel: [2, 2], strides: [2, 2], dilations: [1, 1], pads: [0, 0, 0, 0], countIncludePad: false });
    t = b.node('clamp', [t], { min: 0.1, max: 6 });
    t = b.node('add', [t, b.constant([3])], {});
    b.output(b.node('clamp', [t], { min: -0.2, max: 0.3 }));
    const g = checkPreserves(b.g, fuseActivation);
    expect(ops(g)).toEqual(['conv2d', 'max_pool2d', 'add']);
    expect((g.nodes[0].attrs as AttrsByOp['conv2d']).activation).toEqual({ min: 0, max: 0.5 });
  });

  it('does not fuse when the producer output is read elsewhere or is a graph output', () => {
    const b = new Builder();
    const x = b.input([2, 3]);
    const s = b.node('add', [x, b.constant([3])], {});
    b.output(b.node('clamp', [s], { min: 0, max: 1 }));
    b.output(s);
    const g = checkPreserves(b.g, fuseActivation);
    expect(ops(g)).toEqual(['add', 'clamp']);
  });
});

describe('remove-identity', () => {
  it('drops same-shape reshapes, identity transposes, copies and dead nodes; merges reshape chains', () => {
    const b = new Builder();
    const x = b.input([2, 3, 4]);
    let t = b.node('reshape', [x], {}, [2, 3, 4]);
    t = b.node('transpose', [t], { perm: [0, 1, 2] });
    t = b.node('sigmoid', [t], {});
    b.node('tanh', [t], {}); // dead
    t = b.node('reshape', [t], {}, [6, 4]);
    t = b.node('reshape', [t], {}, [24]);
    t = b.node('copy', [t], {});
    b.output(t);
    const g = checkPreserves(b.g, removeIdentity);
    expect(ops(g)).toEqual(['sigmoid', 'reshape']);
    expect(g.outputs[0]).toBe(t); // the graph output keeps its name
    expect([...g.tensors.keys()].sort()).toEqual([x, ...g.nodes.flatMap((n) => n.outputs)].sort());
  });

  it('keeps a copy from a graph input to a graph output', () => {
    const b = new Builder();
    const x = b.input([3]);
    b.output(b.node('copy', [x], {}));
    const g = checkPreserves(b.g, removeIdentity);
    expect(ops(g)).toEqual(['copy']);
  });
});

describe('optimize', () => {
  it('turns an NCHW conv-bn-relu-pool-gap-fc network into NHWC with no transposes or batch_norm', () => {
    const b = new Builder();
    const x = b.input([1, 3, 8, 8]); // NCHW graph input
    let t = b.node('transpose', [x], TO_NHWC);
    t = b.node('conv2d', [t, b.constant([4, 3, 3, 3]), ''], conv);
    t = b.node('transpose', [t], TO_NCHW);
    t = b.node('batch_norm', [t, b.constant([4]), b.constant([4]), b.constant([4]), b.constant([4], undefined, 0.5, 2)], { epsilon: 1e-5, axis: 1 });
    t = b.node('clamp', [t], { min: 0, max: Infinity });
    t = b.node('transpose', [t], TO_NHWC);
    t = b.node('average_pool2d', [t], { kernel: [2, 2], strides: [2, 2], dilations: [1, 1], pads: [0, 0, 0, 0], countIncludePad: false });
    t = b.node('transpose', [t], TO_NCHW);
    t = b.node('mean', [t], { axes: [2, 3] });
    t = b.node('reshape', [t], {}, [1, 4]);
    t = b.node('fully_connected', [t, b.constant([3, 4]), b.constant([3])], {});
    b.output(b.node('softmax', [t], { axis: 1, beta: 1 }));
    const g = checkPreserves(b.g, optimize);
    const left = ops(g);
    expect(left).not.toContain('batch_norm');
    expect(left.filter((o) => o === 'transpose').length).toBeLessThanOrEqual(1); // only at the NCHW input
    expect(left).toEqual(expect.arrayContaining(['conv2d', 'average_pool2d', 'mean', 'fully_connected', 'softmax']));
    expect((g.nodes.find((n) => n.op === 'conv2d')!.attrs as AttrsByOp['conv2d']).activation).toEqual({ min: 0, max: Infinity });
  });
});

describe('inferShapes', () => {
  it('computes conv/pool sizes with pads, strides and dilations like the reference kernels', () => {
    const b = new Builder();
    const x = b.input([1, 11, 9, 2]);
    const c = b.node('conv2d', [x, b.constant([4, 3, 2, 2]), ''], { strides: [2, 3], dilations: [2, 1], pads: [1, 0, 2, 1], group: 1 });
    // floor((11 + 1 + 2 - ((3-1)*2+1)) / 2) + 1 = 5; floor((9 + 0 + 1 - 2) / 3) + 1 = 3
    expect(b.g.tensor(c).shape).toEqual([1, 5, 3, 4]);
    const p = b.node('average_pool2d', [c], { kernel: [2, 2], strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 1], countIncludePad: false });
    expect(b.g.tensor(p).shape).toEqual([1, 4, 3, 4]);
    const m = b.node('mean', [p], { axes: [1, 2] });
    expect(b.g.tensor(m).shape).toEqual([1, 1, 1, 4]);
    const f = b.node('fully_connected', [m, b.constant([6, 4]), ''], {});
    expect(b.g.tensor(f).shape).toEqual([1, 6]);
    b.output(f);
    // The kernels agree: running the graph checks every declared shape against the kernel's own.
    expect(runGraph(b.g, randomInputs(b.g))[0].length).toBe(6);
  });

  it('names the node when shapes do not fit', () => {
    const b = new Builder();
    const x = b.input([2, 3]);
    expect(() => b.node('add', [x, b.constant([4])], {})).toThrow(/add node 'add_\d+'.*\[2,3\] and \[4\] do not broadcast/);
    expect(() => b.node('conv2d', [b.input([1, 4, 4, 3]), b.constant([2, 3, 3, 2]), ''], conv)).toThrow(/conv2d node .*input channels/);
    expect(() => b.node('concat', [x, b.constant([2, 2, 1])], { axis: 1 })).toThrow(/concat node/);
  });
});
