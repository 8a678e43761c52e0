// Small multi-op graphs (f32 and int8) used by the runtime validation and host tests.
import { Graph, type Node, type Tensor } from '../converter/ir/graph.js';
import { inferShapes } from '../converter/ir/shapes.js';
import { quantizeMultiplier, softmaxParams } from '../converter/passes/quantize/multiplier.js';
import { addParams } from '../converter/passes/quantize/qparams.js';
import { randF32, randInt, randS8, rng } from './runtime-harness.js';

function tensor(g: Graph, t: Partial<Tensor> & { name: string; dtype: Tensor['dtype'] }, q?: [number, number]): string {
  g.addTensor({ shape: [], ...t, quant: q ? { scale: [q[0]], zeroPoint: [q[1]] } : undefined } as Tensor);
  return t.name;
}

function node(g: Graph, n: Omit<Node, 'attrs'> & { attrs?: Node['attrs'] }): void {
  g.nodes.push({ attrs: {}, ...n } as Node);
}

/** f32: conv (relu6) -> max_pool -> transpose -> pad -> fully_connected -> softmax, plus a concat output. */
export function floatModel(): Graph {
  const r = rng(11);
  const g = new Graph();
  g.meta.sourceName = 'float-test';
  g.inputs.push(tensor(g, { name: 'image', dtype: 'f32', shape: [1, 6, 6, 3] }));
  tensor(g, { name: 'w1', dtype: 'f32', shape: [8, 3, 3, 3], data: randF32(r, 216, 0.5) });
  tensor(g, { name: 'b1', dtype: 'f32', shape: [8], data: randF32(r, 8, 0.1) });
  for (const n of ['c1', 'p1', 't1', 'pd', 'fc', 'probs', 'cat']) tensor(g, { name: n, dtype: 'f32' });
  tensor(g, { name: 'wf', dtype: 'f32', shape: [5, 80], data: randF32(r, 400, 0.2) });
  node(g, { op: 'conv2d', name: 'conv', inputs: ['image', 'w1', 'b1'], outputs: ['c1'], attrs: { strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], group: 1, activation: { min: 0, max: 6 } } });
  node(g, { op: 'max_pool2d', name: 'pool', inputs: ['c1'], outputs: ['p1'], attrs: { kernel: [2, 2], strides: [2, 2], dilations: [1, 1], pads: [0, 0, 0, 0], countIncludePad: false } });
  node(g, { op: 'transpose', name: 'tr', inputs: ['p1'], outputs: ['t1'], attrs: { perm: [0, 3, 1, 2] } });
  node(g, { op: 'pad', name: 'pad', inputs: ['t1'], outputs: ['pd'], attrs: { mode: 'reflect', value: 0, begin: [0, 1, 0, 0], end: [0, 1, 1, 1] } });
  node(g, { op: 'fully_connected', name: 'fc', inputs: ['pd', 'wf', ''], outputs: ['fc'] as string[], attrs: {} });
  node(g, { op: 'softmax', name: 'softmax', inputs: ['fc'], outputs: ['probs'], attrs: { axis: 1, beta: 1 } });
  node(g, { op: 'concat', name: 'concat', inputs: ['fc', 'probs'], outputs: ['cat'], attrs: { axis: 1 } });
  g.outputs.push('probs', 'cat');
  inferShapes(g);
  return g;
}

/** int8: quantize -> conv s8 -> depthwise s8 -> add s8 (with a second input) -> mean s8 -> fc s8 -> softmax s8 -> dequantize. */
export function int8Model(): Graph {
  const r = rng(22);
  const g = new Graph();
  g.meta.sourceName = 'int8-test';
  const xq: [number, number] = [0.05, 3];
  const cq: [number, number] = [0.08, -10];
  const dq: [number, number] = [0.1, 5];
  const aq: [number, number] = [0.12, -2];
  const mq: [number, number] = [0.07, 1];
  const fq: [number, number] = [0.2, 0];
  g.inputs.push(tensor(g, { name: 'x', dtype: 'f32', shape: [1, 5, 5, 4] }));
  g.inputs.push(tensor(g, { name: 'skip', dtype: 's8', shape: [1, 5, 5, 9] }, [0.1, 0]));
  tensor(g, { name: 'xq', dtype: 's8' }, xq);
  const perChannel = (o: number, inS: number, outS: number, prefix: string) => {
    const m = new Int32Array(o), s = new Int32Array(o);
    for (let i = 0; i < o; i++) {
      const q = quantizeMultiplier((inS * (0.004 + 0.002 * (i % 3))) / outS);
      m[i] = q.multiplier;
      s[i] = q.shift;
    }
    tensor(g, { name: `${prefix}_m`, dtype: 's32', shape: [o], data: m });
    tensor(g, { name: `${prefix}_s`, dtype: 's32', shape: [o], data: s });
    return [`${prefix}_m`, `${prefix}_s`];
  };
  tensor(g, { name: 'w1', dtype: 's8', shape: [9, 3, 3, 4], data: randS8(r, 324, -127, 127) });
  tensor(g, { name: 'b1', dtype: 's32', shape: [9], data: Int32Array.from({ length: 9 }, () => randInt(r, -2000, 2000)) });
  tensor(g, { name: 'c1', dtype: 's8' }, cq);
  tensor(g, { name: 'wd', dtype: 's8', shape: [3, 3, 9], data: randS8(r, 81, -127, 127) });
  tensor(g, { name: 'd1', dtype: 's8' }, dq);
  tensor(g, { name: 'a1', dtype: 's8' }, aq);
  tensor(g, { name: 'm1', dtype: 's8' }, mq);
  tensor(g, { name: 'wf', dtype: 's8', shape: [6, 9], data: randS8(r, 54, -127, 127) });
  tensor(g, { name: 'f1', dtype: 's8' }, fq);
  tensor(g, { name: 'sm', dtype: 's8' }, [1 / 256, -128]);
  tensor(g, { name: 'probs', dtype: 'f32' });
  node(g, { op: 'quantize', name: 'quant', inputs: ['x'], outputs: ['xq'] });
  node(g, { op: 'conv2d', name: 'conv', inputs: ['xq', 'w1', 'b1', ...perChannel(9, xq[0], cq[0], 'c')], outputs: ['c1'], attrs: { strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], group: 1 }, int8: { actMin: cq[1], actMax: 127 } });
  node(g, { op: 'depthwise_conv2d', name: 'dw', inputs: ['c1', 'wd', '', ...perChannel(9, cq[0], dq[0], 'd')], outputs: ['d1'], attrs: { strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], depthMultiplier: 1 }, int8: { actMin: -128, actMax: 127 } });
  node(g, { op: 'add', name: 'add', inputs: ['d1', 'skip'], outputs: ['a1'], int8: { ...addParams(dq[0], 0.1, aq[0]), actMin: -128, actMax: 127 } });
  const mm = quantizeMultiplier(aq[0] / mq[0]);
  node(g, { op: 'mean', name: 'mean', inputs: ['a1'], outputs: ['m1'], attrs: { axes: [1, 2] }, int8: { outMult: mm.multiplier, outShift: mm.shift } });
  tensor(g, { name: 'm1r', dtype: 's8', shape: [1, 9] }, mq);
  node(g, { op: 'reshape', name: 'flatten', inputs: ['m1'], outputs: ['m1r'] });
  node(g, { op: 'fully_connected', name: 'fc', inputs: ['m1r', 'wf', '', ...perChannel(6, mq[0], fq[0], 'f')], outputs: ['f1'], int8: { actMin: -128, actMax: 127 } });
  node(g, { op: 'softmax', name: 'softmax', inputs: ['f1'], outputs: ['sm'], attrs: { axis: 1, beta: 1 }, int8: softmaxParams(1, fq[0]) });
  node(g, { op: 'dequantize', name: 'dequant', inputs: ['sm'], outputs: ['probs'] });
  g.outputs.push('probs', 'a1');
  inferShapes(g);
  return g;
}

/** f32 elementwise chain the planner runs in place: sigmoid -> mul (b broadcast) -> clamp -> sub (a - t). */
export function elementwiseModel(): Graph {
  const g = new Graph();
  g.meta.sourceName = 'elementwise-test';
  g.inputs.push(tensor(g, { name: 'a', dtype: 'f32', shape: [2, 3, 4] }), tensor(g, { name: 'b', dtype: 'f32', shape: [4] }));
  for (const n of ['s', 'm', 'c', 'd']) tensor(g, { name: n, dtype: 'f32' });
  node(g, { op: 'sigmoid', name: 'sig', inputs: ['a'], outputs: ['s'] });
  node(g, { op: 'mul', name: 'mul', inputs: ['s', 'b'], outputs: ['m'] });
  node(g, { op: 'clamp', name: 'clamp', inputs: ['m'], outputs: ['c'], attrs: { min: -0.25, max: 0.5 } });
  node(g, { op: 'sub', name: 'sub', inputs: ['b', 'c'], outputs: ['d'] });
  g.outputs.push('d');
  inferShapes(g);
  return g;
}
