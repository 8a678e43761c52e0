// Which arena buffers exist and during which schedule steps each must hold its bytes.
//
// A buffer is a set of tensors sharing bytes: a tensor plus its reshape views (alias groups), and an
// elementwise op's output merged into the input it overwrites (in-place). A buffer lives from its
// first write (step 0 for graph inputs) to its last read (the last step for graph outputs).
import type { Graph, Node, OpName, Tensor } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import { aliasRoot, byteSizeOf, freshName, type Schedule } from './schedule.js';

export interface LiveBuffer {
  id: number;
  /** Tensor names sharing these bytes. */
  members: string[];
  /** Byte size of each member (they are equal by construction). */
  size: number;
  firstStep: number;
  lastStep: number;
  holdsGraphInput: boolean;
  holdsGraphOutput: boolean;
  /** Set for a scratch buffer: the node that uses it. */
  scratchOf?: string;
}

export interface Lifetimes {
  buffers: LiveBuffer[];
  bufferOf: Map<string, LiveBuffer>;
  inPlace: Set<string>;
  weightAliases: Map<string, string>;
  /** Node name → scratch tensor name. */
  scratchTensor: Map<string, string>;
  stepCount: number;
}

/** Input positions an op may overwrite with its output (elementwise: output index i reads only input index i). */
const IN_PLACE_INPUTS: Partial<Record<OpName, number[]>> = {
  add: [0, 1],
  sub: [0, 1],
  mul: [0, 1],
  div: [0, 1],
  clamp: [0],
  leaky_relu: [0],
  sigmoid: [0],
  tanh: [0],
  hard_swish: [0],
  lut: [0],
  quantize: [0],
  dequantize: [0],
  requantize: [0],
};

export function computeLifetimes(
  g: Graph,
  sched: Schedule,
  scratchBytes: (node: Node, g: Graph) => number,
): Lifetimes {
  const { steps, reshapeSource } = sched;
  const stepCount = steps.length;
  const lookup = (name: string): Tensor => sched.extraTensors.get(name) ?? g.tensor(name);

  // 1. Alias groups: every mentioned tensor joins the buffer of its reshape root.
  const mentioned: string[] = [...g.inputs];
  for (const s of steps) mentioned.push(...s.inputs, ...s.outputs);
  for (const [out, src] of reshapeSource) mentioned.push(out, src);
  mentioned.push(...sched.outputs);

  const byRoot = new Map<string, LiveBuffer>();
  const bufferOf = new Map<string, LiveBuffer>();
  const weightAliases = new Map<string, string>();
  const buffers: LiveBuffer[] = [];
  const newBuffer = (size: number, firstStep: number, lastStep: number): LiveBuffer => {
    const b: LiveBuffer = {
      id: buffers.length,
      members: [],
      size,
      firstStep,
      lastStep,
      holdsGraphInput: false,
      holdsGraphOutput: false,
    };
    buffers.push(b);
    return b;
  };
  for (const name of mentioned) {
    if (name === '' || bufferOf.has(name) || weightAliases.has(name)) continue;
    const root = aliasRoot(name, reshapeSource);
    if (g.isConstant(root)) {
      if (name !== root) weightAliases.set(name, root);
      continue;
    }
    let b = byRoot.get(root);
    if (!b) {
      b = newBuffer(byteSizeOf(lookup(root)), Infinity, -Infinity);
      byRoot.set(root, b);
    }
    b.members.push(name);
    bufferOf.set(name, b);
  }

  // 2. Lifetimes from the schedule.
  for (const name of g.inputs) {
    const b = bufferOf.get(name)!;
    b.firstStep = 0;
    b.holdsGraphInput = true;
  }
  steps.forEach((node, s) => {
    for (const inp of node.inputs) {
      const b = inp === '' ? undefined : bufferOf.get(inp);
      if (b) b.lastStep = Math.max(b.lastStep, s);
    }
    for (const out of node.outputs) {
      const b = bufferOf.get(out);
      if (!b) continue;
      b.firstStep = Math.min(b.firstStep, s);
      b.lastStep = Math.max(b.lastStep, s);
    }
  });
  for (const name of sched.outputs) {
    const b = bufferOf.get(name)!;
    b.lastStep = Math.max(b.lastStep, stepCount - 1);
    b.holdsGraphOutput = true;
  }
  for (const b of buffers) {
    if (b.firstStep === Infinity) b.firstStep = 0;
    if (b.lastStep < b.firstStep) b.lastStep = b.firstStep; // e.g. an unused graph input
  }

  // 3. In-place: an elementwise op may write over an input whose buffer dies at this op.
  const inPlace = new Set<string>();
  const removed = new Set<LiveBuffer>();
  steps.forEach((node, s) => {
    const candidates = IN_PLACE_INPUTS[node.op];
    if (!candidates || node.outputs.length !== 1) return;
    const out = node.outputs[0];
    const bo = bufferOf.get(out);
    if (!bo) return;
    const outNumel = numel(lookup(out).shape);
    for (const idx of candidates) {
      const inp = node.inputs[idx];
      if (!inp) continue;
      const bi = bufferOf.get(inp);
      if (!bi || bi === bo) continue;
      const legal =
        bi.lastStep === s &&
        !bi.holdsGraphInput &&
        !bi.holdsGraphOutput &&
        bi.size === bo.size &&
        numel(lookup(inp).shape) === outNumel && // not broadcast along this operand
        bo.firstStep === s;
      if (!legal) continue;
      for (const m of bo.members) {
        bi.members.push(m);
        bufferOf.set(m, bi);
      }
      bi.lastStep = bo.lastStep;
      bi.holdsGraphOutput = bo.holdsGraphOutput;
      removed.add(bo);
      inPlace.add(node.name);
      break;
    }
  });

  // 4. Scratch: live only during its op.
  const scratchTensor = new Map<string, string>();
  steps.forEach((node, s) => {
    const bytes = scratchBytes(node, g);
    if (!(bytes > 0)) return;
    const name = freshName(`${node.name}:scratch`, (n) => g.tensors.has(n) || sched.extraTensors.has(n));
    sched.extraTensors.set(name, { name, dtype: 'u8', shape: [Math.ceil(bytes)] });
    const b = newBuffer(Math.ceil(bytes), s, s);
    b.members.push(name);
    b.scratchOf = node.name;
    bufferOf.set(name, b);
    scratchTensor.set(node.name, name);
  });

  const live = buffers.filter((b) => !removed.has(b));
  live.forEach((b, i) => (b.id = i));
  return { buffers: live, bufferOf, inPlace, weightAliases, scratchTensor, stepCount };
}
