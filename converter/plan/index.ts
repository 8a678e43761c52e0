// Static memory planning: one arena for every activation, offsets fixed at convert time, so the
// runtime allocates exactly `arenaSize` bytes once and never again.
import * as F from '../../format/format.js';
import { kernelScratchBytes } from '../../format/kernel-scratch.js';
import { opcodeOf } from '../../host/opcodes.js';
import type { Graph, Node } from '../ir/graph.js';
import { liveBytesLowerBound, placementOrder, searchPlacement, type Interval } from './arena.js';
import { computeLifetimes } from './lifetimes.js';
import { buildSchedule } from './schedule.js';
import type { BufferPlacement, MemoryPlan, PlacementOrder, PlanOptions, ScratchPlacement } from './types.js';

export type { BufferPlacement, MemoryPlan, PlacementOrder, PlanOptions, ScratchPlacement } from './types.js';
export { alignUp } from './arena.js';

/** Scratch bytes a node needs while it runs (the runtime reads the size from the scratch tensor).
 * lstm: its f32 cell state, one [B,H] row set (h lives in the output's previous step). int8
 * conv2d / depthwise_conv2d / fully_connected / pools: their kernels' buffers, as
 * format/kernel-scratch.ts (shared with the runtime, which checks it at load) sizes them. */
export function scratchBytes(node: Node, g: Graph): number {
  if (node.op === 'lstm') {
    const y = g.tensor(node.outputs[0]).shape;
    const timeMajor = (node.attrs as { timeMajor?: boolean }).timeMajor === true;
    return (timeMajor ? y[1] : y[0]) * y[2] * 4;
  }
  return kernelScratch(node, g);
}

/** kernelScratchBytes of the op the node becomes, from the shapes the emitter writes unchanged. */
export function kernelScratch(node: Node, g: Graph): number {
  const code = opcodeOf(node.op);
  if (code === undefined || node.inputs.length === 0) return 0;
  const x = g.tensor(node.inputs[0]);
  if (x.dtype !== 's8') return 0;
  const c = x.shape[x.shape.length - 1];
  let o = 0, k = 0, kh = 1, kw = 1, cg = c;
  if (code === F.OP_CONV2D || code === F.OP_FULLY_CONNECTED || code === F.OP_DEPTHWISE_CONV2D) {
    const w = g.tensor(node.inputs[1]).shape;
    if (code === F.OP_CONV2D) [o, kh, kw, cg] = [w[0], w[1], w[2], w[3]];
    else if (code === F.OP_FULLY_CONNECTED) [o, k] = [w[0], w[1]];
    else [kh, kw, o] = [w[w.length - 3], w[w.length - 2], w[w.length - 1]];
  }
  return kernelScratchBytes(code, 1, c, o, k, kh, kw, cg);
}

const ALL_ORDERS: PlacementOrder[] = ['size', 'start'];

export function planMemory(g: Graph, opts: PlanOptions = {}): MemoryPlan {
  const sched = buildSchedule(g);
  const life = computeLifetimes(g, sched, opts.scratchBytes ?? scratchBytes);
  const items: Interval[] = life.buffers;

  // Greedy placement from each start order (the first wins ties), then a local search on the order.
  const lowerBound = liveBytesLowerBound(items, life.stepCount);
  const orders = (opts.orders ?? ALL_ORDERS).map((o) => placementOrder(items, o));
  const best = searchPlacement(items, orders, lowerBound, opts.searchBudget);
  const offsets = best.offsets;

  const buffers = new Map<string, BufferPlacement>();
  life.buffers.forEach((b, i) => {
    for (const m of b.members) {
      buffers.set(m, { offset: offsets[i], size: b.size, firstStep: b.firstStep, lastStep: b.lastStep, buffer: b.id });
    }
  });
  const scratch = new Map<string, ScratchPlacement>();
  for (const [nodeName, tensorName] of life.scratchTensor) {
    const p = buffers.get(tensorName)!;
    scratch.set(nodeName, { tensorName, offset: p.offset, size: p.size });
  }
  return {
    arenaSize: best.arenaSize,
    lowerBound,
    buffers,
    steps: sched.steps,
    inPlace: life.inPlace,
    scratch,
    outputs: sched.outputs,
    extraTensors: sched.extraTensors,
    weightAliases: life.weightAliases,
  };
}

/**
 * Problems with a plan: two different buffers whose lifetimes intersect and whose bytes overlap,
 * misaligned offsets, or bytes past the arena. Returns human-readable findings (empty = sound).
 */
export function checkPlan(plan: MemoryPlan): string[] {
  const problems: string[] = [];
  // One representative per physical buffer.
  const reps = new Map<number, [string, BufferPlacement]>();
  for (const [name, p] of plan.buffers) {
    if (p.offset % 16 !== 0) problems.push(`'${name}': offset ${p.offset} is not 16-byte aligned`);
    if (p.offset + p.size > plan.arenaSize) {
      problems.push(`'${name}': bytes [${p.offset}, ${p.offset + p.size}) exceed the arena (${plan.arenaSize})`);
    }
    const rep = reps.get(p.buffer);
    if (!rep) reps.set(p.buffer, [name, p]);
    else if (rep[1].offset !== p.offset || rep[1].firstStep !== p.firstStep || rep[1].lastStep !== p.lastStep) {
      problems.push(`'${name}' and '${rep[0]}' share buffer ${p.buffer} but disagree on offset or lifetime`);
    }
  }
  const list = [...reps.values()];
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const [na, a] = list[i];
      const [nb, b] = list[j];
      const live = a.firstStep <= b.lastStep && b.firstStep <= a.lastStep;
      const bytes = a.offset < b.offset + b.size && b.offset < a.offset + a.size;
      if (live && bytes) {
        problems.push(
          `'${na}' [${a.offset}, +${a.size}) steps ${a.firstStep}..${a.lastStep} overlaps ` +
            `'${nb}' [${b.offset}, +${b.size}) steps ${b.firstStep}..${b.lastStep}`,
        );
      }
    }
  }
  if (plan.lowerBound > plan.arenaSize) problems.push(`lower bound ${plan.lowerBound} exceeds arena ${plan.arenaSize}`);
  return problems;
}

/** ASCII table of the plan, sorted by offset: tensor, offset, size, lifetime. */
export function formatPlan(plan: MemoryPlan): string {
  const rows = [...plan.buffers].sort((a, b) => a[1].offset - b[1].offset || a[1].firstStep - b[1].firstStep);
  const head = ['tensor', 'offset', 'size', 'steps', 'buffer'];
  const body = rows.map(([name, p]) => [
    name,
    String(p.offset),
    String(p.size),
    `${p.firstStep}..${p.lastStep}`,
    `#${p.buffer}`,
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  const ratio = plan.lowerBound > 0 ? (plan.arenaSize / plan.lowerBound).toFixed(3) : '-';
  return [
    line(head),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
    `arena ${plan.arenaSize} bytes, lower bound ${plan.lowerBound} (x${ratio}), ` +
      `${plan.steps.length} steps, ${plan.inPlace.size} in place`,
  ].join('\n');
}
