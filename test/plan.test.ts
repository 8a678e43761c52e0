// The static memory planner, checked against an independent brute-force model of liveness built
// here from the graph alone: no two tensors that are both live at some step may share bytes unless
// they are reshape views of each other or the legal in-place pair of that step's elementwise op.
import { describe, expect, it } from 'vitest';
import { Graph, numel, type Node } from '../converter/ir/graph.js';
import { checkPlan, formatPlan, planMemory, type MemoryPlan } from '../converter/plan/index.js';
import { Builder, chainGraph, mobileNetLike, randomDag, rng } from './support/ir-graphs.js';

const ELEMENTWISE = new Set(['add', 'sub', 'mul', 'div', 'clamp', 'leaky_relu', 'sigmoid', 'tanh', 'hard_swish', 'lut', 'quantize', 'dequantize', 'requantize']);
const BYTES: Record<string, number> = { f32: 4, s32: 4, s8: 1, u8: 1, s16: 2 };
const align16 = (n: number) => Math.ceil(n / 16) * 16;

/** Independent liveness: per tensor (reshape views folded into their source), the steps it must hold bytes. */
function independentLiveness(g: Graph, plan: MemoryPlan) {
  const viewOf = new Map<string, string>();
  for (const n of g.nodes) if (n.op === 'reshape') viewOf.set(n.outputs[0], n.inputs[0]);
  const root = (t: string): string => (viewOf.has(t) ? root(viewOf.get(t)!) : t);
  const steps = plan.steps;
  expect(steps.map((s) => s.name).slice(0, g.nodes.filter((n) => n.op !== 'reshape').length)).toEqual(
    g.nodes.filter((n) => n.op !== 'reshape').map((n) => n.name),
  );
  const first = new Map<string, number>();
  const last = new Map<string, number>();
  const touch = (t: string, s: number) => {
    if (t === '' || g.isConstant(root(t))) return;
    const r = root(t);
    if (!first.has(r)) first.set(r, s);
    first.set(r, Math.min(first.get(r)!, s));
    last.set(r, Math.max(last.get(r) ?? s, s));
  };
  for (const i of g.inputs) touch(i, 0);
  steps.forEach((n, s) => [...n.inputs, ...n.outputs].forEach((t) => touch(t, s)));
  for (const o of plan.outputs) touch(o, Math.max(steps.length - 1, 0));
  for (const [node, sc] of plan.scratch) {
    const s = steps.findIndex((n) => n.name === node);
    first.set(sc.tensorName, s);
    last.set(sc.tensorName, s);
  }
  return { root, first, last };
}

/** Brute force over steps and tensor pairs; returns violations as text. */
function bruteForceOverlaps(g: Graph, plan: MemoryPlan): string[] {
  const { root, first, last } = independentLiveness(g, plan);
  const place = (t: string) => plan.buffers.get(t)!;
  const problems: string[] = [];
  const roots = [...first.keys()];
  for (const t of roots) if (!plan.buffers.has(t)) problems.push(`'${t}' is live but has no placement`);
  for (let s = 0; s < Math.max(plan.steps.length, 1); s++) {
    const live = roots.filter((t) => first.get(t)! <= s && s <= last.get(t)!);
    const node: Node | undefined = plan.steps[s];
    for (let i = 0; i < live.length; i++) {
      for (let j = i + 1; j < live.length; j++) {
        const a = place(live[i]);
        const b = place(live[j]);
        if (!(a.offset < b.offset + b.size && b.offset < a.offset + a.size)) continue;
        // Legal only as the in-place pair of this step.
        const pair =
          node &&
          plan.inPlace.has(node.name) &&
          node.outputs.some((o) => root(o) === live[i] || root(o) === live[j]) &&
          node.inputs.some((x) => x !== '' && (root(x) === live[i] || root(x) === live[j])) &&
          a.offset === b.offset &&
          a.size === b.size;
        if (!pair) problems.push(`step ${s}: '${live[i]}' and '${live[j]}' overlap`);
      }
    }
  }
  return problems;
}

/** Max over steps of live aligned bytes, from the independent liveness (an in-place input is
 * released at its step: its bytes are the output's). */
function independentLowerBound(g: Graph, plan: MemoryPlan): number {
  const { root, first, last } = independentLiveness(g, plan);
  let best = 0;
  for (let s = 0; s < Math.max(plan.steps.length, 1); s++) {
    const node = plan.steps[s];
    let released: string | undefined;
    if (node && plan.inPlace.has(node.name)) {
      const out = plan.buffers.get(node.outputs[0])!;
      released = node.inputs.map((x) => (x ? root(x) : '')).find((x) => x && plan.buffers.get(x)?.offset === out.offset && last.get(x) === s);
    }
    let sum = 0;
    for (const [t, f] of first) if (f <= s && s <= last.get(t)! && t !== released) sum += align16(plan.buffers.get(t)!.size);
    best = Math.max(best, sum);
  }
  return best;
}

function checkInPlaceLegal(g: Graph, plan: MemoryPlan): void {
  const { root, last } = independentLiveness(g, plan);
  const inputRoots = new Set(g.inputs);
  const outputRoots = new Set(plan.outputs.map(root));
  plan.steps.forEach((node, s) => {
    if (!plan.inPlace.has(node.name)) return;
    expect(ELEMENTWISE.has(node.op), `${node.name} is ${node.op}`).toBe(true);
    const out = plan.buffers.get(node.outputs[0])!;
    const shared = node.inputs.filter((x) => x !== '' && plan.buffers.get(x)?.offset === out.offset);
    expect(shared.length, `${node.name} overwrites an input`).toBeGreaterThan(0);
    for (const x of shared) {
      const t = g.tensor(x);
      expect(inputRoots.has(root(x)), `${node.name}: '${x}' is a graph input`).toBe(false);
      expect(outputRoots.has(root(x)), `${node.name}: '${x}' is a graph output`).toBe(false);
      expect(last.get(root(x)), `${node.name}: '${x}' is read later`).toBe(s);
      expect(numel(t.shape) * BYTES[t.dtype]).toBe(out.size);
      expect(numel(t.shape)).toBe(numel(g.tensor(node.outputs[0]).shape));
    }
  });
}

function checkAll(g: Graph, plan: MemoryPlan): void {
  expect(checkPlan(plan)).toEqual([]);
  expect(bruteForceOverlaps(g, plan)).toEqual([]);
  expect(plan.arenaSize).toBeGreaterThanOrEqual(plan.lowerBound);
  expect(plan.lowerBound).toBe(independentLowerBound(g, plan));
  for (const n of g.nodes) {
    if (n.op !== 'reshape') continue;
    const a = plan.buffers.get(n.inputs[0]);
    const b = plan.buffers.get(n.outputs[0]);
    expect(b?.offset, `reshape '${n.name}' is a view`).toBe(a?.offset);
  }
  checkInPlaceLegal(g, plan);
  for (const o of plan.outputs) expect(plan.buffers.has(o), `output '${o}' lives in the arena`).toBe(true);
}

describe('planMemory on random DAGs', () => {
  it('never overlaps live tensors; arena >= lower bound; in-place only where legal (150 seeded DAGs)', () => {
    const ratios: number[] = [];
    for (let seed = 1; seed <= 150; seed++) {
      const g = randomDag(seed, 10 + (seed % 50));
      const plan = planMemory(g);
      checkAll(g, plan);
      ratios.push(plan.arenaSize / plan.lowerBound);
    }
    ratios.sort((a, b) => a - b);
    const q = (p: number) => ratios[Math.min(ratios.length - 1, Math.floor(p * ratios.length))].toFixed(3);
    console.log(`random DAG arena/lower-bound: min ${q(0)} median ${q(0.5)} p90 ${q(0.9)} max ${q(1)}`);
  });

  it('with scratch buffers, scratch never overlaps anything live at its step', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const g = randomDag(seed, 30);
      const plan = planMemory(g, { scratchBytes: (n) => (n.op === 'fully_connected' || n.op === 'concat' ? 40 + seed * 7 : 0) });
      expect(plan.scratch.size).toBe(plan.steps.filter((n) => n.op === 'fully_connected' || n.op === 'concat').length);
      for (const [node, s] of plan.scratch) {
        const step = plan.steps.findIndex((n) => n.name === node);
        const p = plan.buffers.get(s.tensorName)!;
        expect([p.firstStep, p.lastStep, p.offset, p.size]).toEqual([step, step, s.offset, 40 + seed * 7]);
      }
      checkAll(g, plan);
    }
  });

  it('plain greedy in each order is also sound, and the order search never does worse', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const g = randomDag(seed, 40);
      const bySize = planMemory(g, { orders: ['size'], searchBudget: 0 });
      const byStart = planMemory(g, { orders: ['start'], searchBudget: 0 });
      checkAll(g, bySize);
      checkAll(g, byStart);
      expect(planMemory(g).arenaSize).toBeLessThanOrEqual(Math.min(bySize.arenaSize, byStart.arenaSize));
    }
  });
});

describe('planMemory is near the lower bound on chains and CNNs', () => {
  it('chains: arena <= 1.05 x lower bound', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const g = chainGraph(seed, 5 + (seed % 40));
      const plan = planMemory(g);
      checkAll(g, plan);
      expect(plan.arenaSize, formatPlan(plan)).toBeLessThanOrEqual(1.05 * plan.lowerBound);
    }
  });

  it('MobileNet-shaped CNNs (f32 and int8): arena <= 1.05 x lower bound', () => {
    for (let seed = 1; seed <= 12; seed++) {
      for (const int8 of [false, true]) {
        const g = mobileNetLike(seed, { int8, size: 16 + 8 * (seed % 4), blocks: 3 + (seed % 5) });
        const plan = planMemory(g);
        checkAll(g, plan);
        expect(plan.arenaSize, formatPlan(plan)).toBeLessThanOrEqual(1.05 * plan.lowerBound);
      }
    }
  });
});

describe('planMemory specifics', () => {
  it('elementwise after a conv runs in place; not over a graph input, a later-read tensor, or a broadcast operand', () => {
    const b = new Builder(rng(3));
    const x = b.input('x', 'f32', [1, 64]);
    const s0 = b.node('sigmoid', [x], { dtype: 'f32', shape: [1, 64] }, {}); // over a graph input: no
    const f = b.node('fully_connected', [s0, b.constant('f32', [64, 64]), ''], { dtype: 'f32', shape: [1, 64] }, {});
    const s1 = b.node('tanh', [f], { dtype: 'f32', shape: [1, 64] }, {}); // f read later: no
    const small = b.node('fully_connected', [s1, b.constant('f32', [1, 64]), ''], { dtype: 'f32', shape: [1, 1] }, {});
    const sum = b.node('add', [small, f], { dtype: 'f32', shape: [1, 64] }, {}); // f dies here: yes (input 1); small is broadcast
    const s2 = b.node('sigmoid', [sum], { dtype: 'f32', shape: [1, 64] }, {}); // yes
    const g = b.output(s2);
    const plan = planMemory(g);
    checkAll(g, plan);
    const names = (t: string) => g.producer(t)!.name;
    expect(plan.inPlace.has(names(s0))).toBe(false);
    expect(plan.inPlace.has(names(s1))).toBe(false);
    expect(plan.inPlace.has(names(sum))).toBe(true);
    expect(plan.buffers.get(sum)!.offset).toBe(plan.buffers.get(f)!.offset);
    expect(plan.inPlace.has(names(s2))).toBe(true);
    expect(plan.buffers.get(s2)!.offset).toBe(plan.buffers.get(f)!.offset);
  });

  it('outputs that are constants or views of inputs get a copy step into the arena', () => {
    const b = new Builder(rng(4));
    const x = b.input('x', 'f32', [2, 3]);
    const k = b.constant('f32', [4]);
    b.g.addTensor({ name: 'xv', dtype: 'f32', shape: [6] });
    b.g.nodes.push({ op: 'reshape', name: 'view', inputs: [x], outputs: ['xv'], attrs: {} });
    const y = b.node('sigmoid', [x], { dtype: 'f32', shape: [2, 3] }, {});
    const g = b.output(x, k, 'xv', y);
    const plan = planMemory(g);
    checkAll(g, plan);
    expect(plan.steps.map((s) => s.op)).toEqual(['sigmoid', 'copy', 'copy', 'copy']);
    expect(plan.outputs[3]).toBe(y);
    plan.steps.slice(1).forEach((s, i) => {
      expect(s.inputs).toEqual([g.outputs[i]]);
      expect(s.outputs).toEqual([plan.outputs[i]]);
      expect(plan.extraTensors.get(plan.outputs[i])!.shape).toEqual(g.tensor(g.outputs[i]).shape);
    });
    expect(g.nodes.length).toBe(2); // the graph itself is untouched
  });

  it('reshape of a constant is a weights alias, not an arena buffer', () => {
    const b = new Builder(rng(5));
    const x = b.input('x', 'f32', [1, 6]);
    const k = b.constant('f32', [2, 3]);
    b.g.addTensor({ name: 'kv', dtype: 'f32', shape: [1, 6] });
    b.g.nodes.push({ op: 'reshape', name: 'kview', inputs: [k], outputs: ['kv'], attrs: {} });
    const y = b.node('add', [x, 'kv'], { dtype: 'f32', shape: [1, 6] }, {});
    const g = b.output(y);
    const plan = planMemory(g);
    checkAll(g, plan);
    expect(plan.weightAliases.get('kv')).toBe(k);
    expect(plan.buffers.has('kv')).toBe(false);
  });

  it('rejects out-of-order nodes and size-changing reshapes, naming the node', () => {
    const b = new Builder(rng(6));
    const x = b.input('x', 'f32', [1, 4]);
    const y = b.node('sigmoid', [x], { dtype: 'f32', shape: [1, 4] }, {});
    const z = b.node('tanh', [y], { dtype: 'f32', shape: [1, 4] }, {});
    const g = b.output(z);
    g.nodes.reverse();
    expect(() => planMemory(g)).toThrow(/tanh.*reads tensor/);
    const b2 = new Builder(rng(7));
    const x2 = b2.input('x', 'f32', [1, 4]);
    b2.g.addTensor({ name: 'v', dtype: 'f32', shape: [5] });
    b2.g.nodes.push({ op: 'reshape', name: 'badview', inputs: [x2], outputs: ['v'], attrs: {} });
    expect(() => planMemory(b2.output('v'))).toThrow(/badview/);
  });

  it('formatPlan lists every buffer with its offset, size and steps', () => {
    const g = mobileNetLike(1, { blocks: 2, size: 16 });
    const plan = planMemory(g);
    const text = formatPlan(plan);
    for (const [name, p] of plan.buffers) {
      expect(text).toMatch(new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+${p.offset}\\s+${p.size}\\s+${p.firstStep}\\.\\.${p.lastStep}`, 'm'));
    }
  });

  it('checkPlan catches an overlap planted in a sound plan', () => {
    const g = chainGraph(9, 6);
    const plan = planMemory(g);
    expect(checkPlan(plan)).toEqual([]);
    const [a, b] = [...plan.buffers.values()].filter((p, _, all) => all.some((q) => q !== p && q.buffer !== p.buffer && q.firstStep <= p.lastStep && p.firstStep <= q.lastStep));
    b.offset = a.offset;
    expect(checkPlan(plan).join('\n')).toMatch(/overlaps/);
  });
});
