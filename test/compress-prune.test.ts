// Filter pruning: the pruned graph validates, its shapes shrink where they should, and it computes
// exactly (bit for bit, reference interpreter) what the original computes with the removed filters
// zeroed — an independent check of every propagation rule (conv → pool → conv, NHWC flatten → FC,
// depthwise, per-channel constants, concat offsets). Residual adds and graph outputs are refused.
import { describe, expect, it } from 'vitest';
import { Graph, type Node, type TensorData } from '../converter/ir/graph.js';
import { inferShapes } from '../converter/ir/shapes.js';
import { cloneGraph } from '../converter/ir/clone.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { filterNorms, planFilterPrune, pruneFilters, removeFilterChannels, weakestChannels, zeroFilterChannels } from '../converter/passes/prune-filters.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}

class Builder {
  g = new Graph();
  r = rng(7);
  input(name: string, shape: number[]) {
    this.g.addTensor({ name, dtype: 'f32', shape });
    this.g.inputs.push(name);
    return name;
  }
  const(name: string, shape: number[], fill?: (i: number) => number) {
    const n = shape.reduce((a, b) => a * b, 1);
    this.g.addTensor({ name, dtype: 'f32', shape, data: Float32Array.from({ length: n }, (_, i) => (fill ? fill(i) : this.r())) });
    return name;
  }
  node(op: Node['op'], name: string, inputs: string[], attrs: object, outShape: number[] = []) {
    const out = `${name}_out`;
    this.g.addTensor({ name: out, dtype: 'f32', shape: outShape });
    this.g.nodes.push({ op, name, inputs, outputs: [out], attrs } as Node);
    return out;
  }
  conv(name: string, x: string, cin: number, cout: number, k: number, relu = true) {
    return this.node('conv2d', name, [x, this.const(`${name}_w`, [cout, k, k, cin]), this.const(`${name}_b`, [cout])], {
      strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], group: 1, ...(relu ? { activation: { min: 0, max: Infinity } } : {}),
    });
  }
  fc(name: string, x: string, k: number, n: number) {
    return this.node('fully_connected', name, [x, this.const(`${name}_w`, [n, k]), this.const(`${name}_b`, [n])], {});
  }
  done(out: string) {
    this.g.outputs.push(out);
    inferShapes(this.g);
    return this.g;
  }
}

const clone = cloneGraph;

function randomInput(g: Graph, seed: number): TensorData[] {
  const r = rng(seed);
  return g.inputs.map((n) => Float32Array.from({ length: g.tensor(n).shape.reduce((a, b) => a * b, 1) }, () => 2 * r()));
}

/** A small CNN: conv → maxpool → conv → flatten → fc (hidden, relu via clamp) → fc (output). */
function smallCnn(): Graph {
  const b = new Builder();
  const x = b.input('x', [1, 8, 8, 3]);
  let t = b.conv('c1', x, 3, 8, 3);
  t = b.node('max_pool2d', 'p1', [t], { kernel: [2, 2], strides: [2, 2], dilations: [1, 1], pads: [0, 0, 0, 0], countIncludePad: false });
  t = b.conv('c2', t, 8, 6, 3);
  const flat = 'flat';
  b.g.addTensor({ name: flat, dtype: 'f32', shape: [1, 4 * 4 * 6] });
  b.g.nodes.push({ op: 'reshape', name: 'flatten', inputs: [t], outputs: [flat], attrs: {} });
  t = b.fc('f1', flat, 96, 12);
  t = b.node('clamp', 'relu', [t], { min: 0, max: Infinity });
  t = b.fc('f2', t, 12, 5);
  return b.done(t);
}

/** Depthwise, a per-channel add (lowered batch norm), a concat, and a residual add. */
function branchyNet(): Graph {
  const b = new Builder();
  const x = b.input('x', [1, 6, 6, 4]);
  const a = b.conv('ca', x, 4, 6, 3);
  const dw = b.node('depthwise_conv2d', 'dw', [a, b.const('dw_w', [3, 3, 12]), b.const('dw_b', [12])], {
    strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], depthMultiplier: 2, activation: { min: 0, max: 6 },
  });
  const bn = b.node('add', 'bn_add', [dw, b.const('bn_c', [12])], {});
  const cb = b.conv('cb', x, 4, 5, 3);
  const cat = b.node('concat', 'cat', [bn, cb], { axis: 3 });
  const cc = b.conv('cc', cat, 17, 7, 3, false);
  // residual: cd + ce
  const cd = b.conv('cd', cc, 7, 7, 3);
  const ce = b.conv('ce', cc, 7, 7, 3);
  const sum = b.node('add', 'res', [cd, ce], {});
  const m = b.node('mean', 'gap', [sum], { axes: [1, 2] });
  const flat = 'flat';
  b.g.addTensor({ name: flat, dtype: 'f32', shape: [1, 7] });
  b.g.nodes.push({ op: 'reshape', name: 'squeeze', inputs: [m], outputs: [flat], attrs: {} });
  return b.done(b.fc('head', flat, 7, 3));
}

function expectExact(pruned: Graph, zeroed: Graph, seeds: number[]) {
  for (const s of seeds) {
    const xs = randomInput(zeroed, s);
    const a = runGraph(pruned, xs)[0] as Float32Array;
    const b = runGraph(zeroed, xs)[0] as Float32Array;
    expect(Array.from(a)).toEqual(Array.from(b));
  }
}

describe('filter pruning', () => {
  it('conv → pool → conv → flatten → fc: pruned == original with the filters zeroed (bit exact)', () => {
    for (const [layer, channels] of [['c1', [0, 3, 7]], ['c2', [1, 5]], ['f1', [2, 3, 11]]] as const) {
      const g = smallCnn();
      const ref = clone(g);
      const node = g.nodes.find((n) => n.name === layer)!;
      removeFilterChannels(g, node, [...channels]);
      zeroFilterChannels(ref, ref.nodes.find((n) => n.name === layer)!, [...channels]);
      const w = g.tensor(`${layer}_w`);
      expect(w.shape[0]).toBe(ref.tensor(`${layer}_w`).shape[0] - channels.length);
      expectExact(g, ref, [1, 2, 3]);
    }
  });

  it('flatten → FC drops every column k with k % C = c (NHWC)', () => {
    const g = smallCnn();
    const before = g.tensor('f1_w').data!.slice() as Float32Array;
    removeFilterChannels(g, g.nodes.find((n) => n.name === 'c2')!, [4]);
    const after = g.tensor('f1_w');
    expect(after.shape).toEqual([12, 16 * 5]);
    expect(g.tensor('flat').shape).toEqual([1, 80]);
    // independent recomputation of the kept columns
    const kept = Array.from({ length: 96 }, (_, k) => k).filter((k) => k % 6 !== 4);
    const expected = Array.from({ length: 12 }, (_, n) => kept.map((k) => before[n * 96 + k])).flat();
    expect(Array.from(after.data as Float32Array)).toEqual(expected);
  });

  it('depthwise, per-channel add and concat offsets propagate; residual adds and outputs are refused with a reason', () => {
    const g = branchyNet();
    const ref = clone(g);
    removeFilterChannels(g, g.nodes.find((n) => n.name === 'ca')!, [1, 4]);
    zeroFilterChannels(ref, ref.nodes.find((n) => n.name === 'ca')!, [1, 4]);
    expect(g.tensor('dw_w').shape).toEqual([3, 3, 8]);
    expect(g.tensor('bn_c').shape).toEqual([8]);
    expect(g.tensor('cc_w').shape).toEqual([7, 3, 3, 13]);
    expectExact(g, ref, [4, 5]);
    // the second concat input: channels offset by the first input's width
    const ref2 = clone(g);
    removeFilterChannels(g, g.nodes.find((n) => n.name === 'cb')!, [0, 2]);
    zeroFilterChannels(ref2, ref2.nodes.find((n) => n.name === 'cb')!, [0, 2]);
    expect(g.tensor('cc_w').shape).toEqual([7, 3, 3, 11]);
    expectExact(g, ref2, [6, 7]);
    // residual add: cd and ce drop the same channels together, exact vs zeroing both
    const cd = planFilterPrune(g, g.nodes.find((n) => n.name === 'cd')!, [0]);
    expect('members' in cd && cd.members.map((m) => m.name)).toEqual(['cd', 'ce']);
    const ref3 = clone(g);
    removeFilterChannels(g, g.nodes.find((n) => n.name === 'cd')!, [2, 5]);
    zeroFilterChannels(ref3, ref3.nodes.find((n) => n.name === 'cd')!, [2, 5]);
    expect(g.tensor('ce_w').shape[0]).toBe(5);
    expect(g.tensor('head_w').shape).toEqual([3, 5]);
    expectExact(g, ref3, [8, 9]);
    const head = planFilterPrune(g, g.nodes.find((n) => n.name === 'head')!, [0]);
    expect('reason' in head && head.reason).toMatch(/graph output/);
  });

  it('a residual add whose other input cannot drop channels (a graph input) is refused with the reason', () => {
    const b = new Builder();
    const x = b.input('x', [1, 5, 5, 4]);
    const a = b.conv('ca', x, 4, 4, 3);
    const sum = b.node('add', 'skip', [a, x], {});
    const g = b.done(b.conv('cz', sum, 4, 2, 3));
    const plan = planFilterPrune(g, g.nodes.find((n) => n.name === 'ca')!, [1]);
    expect('reason' in plan && plan.reason).toMatch(/residual add 'skip': its other input 'x' is a graph input/);
    const rep = pruneFilters(g, { ratio: 0.5 });
    expect(rep.layers.find((l) => l.name === 'ca')!.skipped).toMatch(/graph input/);
  });

  it('pruneFilters: ratio per layer by L1 norm, skipped layers reported, still exact vs zeroing', () => {
    const g = smallCnn();
    const ref = clone(g);
    const norms = filterNorms(g.tensor('c1_w').data as Float32Array, 8, 'l1');
    const report = pruneFilters(g, { ratio: 0.5, norm: 'l1' });
    const c1 = report.layers.find((l) => l.name === 'c1')!;
    expect(c1.channelsAfter).toBe(4);
    // the removed channels are the 4 smallest L1 norms (independent sort)
    const sorted = [...norms].sort((a, b) => a - b);
    for (const c of c1.removed) expect(norms[c]).toBeLessThanOrEqual(sorted[3]);
    expect(report.layers.find((l) => l.name === 'f2')!.skipped).toMatch(/graph output/);
    for (const l of report.layers) if (l.removed.length) zeroFilterChannels(ref, ref.nodes.find((n) => n.name === l.name)!, l.removed);
    expectExact(g, ref, [8, 9]);
    expect(weakestChannels(Float64Array.from([3, 1, 2, 1]), 2)).toEqual([1, 3]);
  });

  it('mean compensation: a removed channel reads its calibration mean (FC reader: exact)', () => {
    const g = smallCnn();
    const ref = clone(g);
    const samples = [10, 11, 12, 13].map((s) => randomInput(g, s));
    // independent means of the clamp output (what f2 reads), channel by channel
    const mean = new Float64Array(12);
    for (const xs of samples) {
      runGraph(ref, xs, { observe: (name, v) => { if (name === 'relu_out') (v.data as Float32Array).forEach((x, i) => (mean[i] += x / samples.length)); } });
    }
    const report = pruneFilters(g, { perLayer: { f1: 0.25 }, samples });
    const removed = report.layers.find((l) => l.name === 'f1')!.removed;
    expect(report.layers.find((l) => l.name === 'f1')!.meanCompensated).toBe(true);
    zeroFilterChannels(ref, ref.nodes.find((n) => n.name === 'f1')!, removed);
    const w2 = ref.tensor('f2_w').data as Float32Array;
    const b2 = ref.tensor('f2_b').data as Float32Array;
    ref.tensor('f2_b').data = Float32Array.from(b2, (b, n) => b + removed.reduce((s, c) => s + w2[n * 12 + c] * mean[c], 0));
    for (const s of [20, 21]) {
      const xs = randomInput(ref, s);
      const a = runGraph(g, xs)[0] as Float32Array;
      const b = runGraph(ref, xs)[0] as Float32Array;
      a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThan(1e-5));
    }
  });

  it('bad ratios and unknown layers are clear errors', () => {
    expect(() => pruneFilters(smallCnn(), { ratio: 1 })).toThrow(/ratio 1 must be in \[0, 1\)/);
    expect(() => pruneFilters(smallCnn(), { perLayer: { nope: 0.5 } })).toThrow(/no layer named 'nope'/);
    expect(() => pruneFilters(smallCnn(), { perLayer: { p1: 0.5 } })).toThrow(/max_pool2d/);
  });
});
