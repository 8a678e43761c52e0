// Per-op profiles of a Mote model, two ways:
// - in the model (preferred): MoteModel.profile() runs the schedule one op at a time
//   (mote_run_op) and times each op with the host clock; the median over repeated profiled runs.
// - by slices (when the runtime has no per-op entry): every node of the converted graph is cut out
//   into a one-node graph (its activations become graph inputs, its constants and int8 parameters
//   stay), emitted as its own blob and timed alone. A slice pays one host call (~1 µs), so the sum
//   of the slices is a little above the model's time.
import { emitBlob } from '../converter/emit/index.js';
import { Graph, type Node, type Tensor } from '../converter/ir/graph.js';
import { numel } from '../converter/ir/graph.js';
import { nodeMacs } from '../converter/macs.js';
import { planMemory } from '../converter/plan/index.js';
import { MoteModel, MoteRuntime, type MoteBuild, type MoteTypedArray } from '../host/runtime.js';
import type { MoteConversion } from './engines/mote.js';
import { moteModule } from './engines/mote.js';
import { quantile } from './measure.js';
import { peakSentinel, SENTINEL_MACS } from './gemm-peak/peak.js';
import * as F from '../format/format.js';
import { readBlob } from '../host/blob-reader.js';

export interface OpProfile {
  index: number;
  op: string;
  name: string;
  macs: number;
  /** Median µs per build; absent when the slice could not be built or run (see error). */
  us: Partial<Record<MoteBuild, number>>;
  /** 10th-percentile µs per build (in-model profiles): the op's time when the machine left it alone. */
  usP10?: Partial<Record<MoteBuild, number>>;
  /** Input and output channels of a conv2d / depthwise / fully_connected step (issue 4's "≥ 16 channels" rule). */
  channels?: { in: number; out: number };
  error?: string;
}

const ARRAY_OF = { f32: Float32Array, s8: Int8Array, s32: Int32Array, u8: Uint8Array, s16: Int16Array, bool: Uint8Array } as const;

/** The one-node graph of `node`: non-constant inputs become graph inputs. */
export function sliceNode(g: Graph, node: Node): Graph {
  const s = new Graph();
  s.meta = { ...g.meta, sourceName: `${g.meta.sourceName ?? 'model'}#${node.name}` };
  const copy = (t: Tensor): Tensor => ({ name: t.name, dtype: t.dtype, shape: [...t.shape], data: t.data, quant: t.quant });
  for (const name of node.inputs) {
    if (name === '' || s.tensors.has(name)) continue;
    const t = g.tensor(name);
    s.addTensor(copy(t));
    if (t.data === undefined) s.inputs.push(name);
  }
  for (const name of node.outputs) {
    if (s.tensors.has(name)) continue;
    const t = g.tensor(name);
    s.addTensor({ name, dtype: t.dtype, shape: [...t.shape], quant: t.quant });
    s.outputs.push(name);
  }
  s.nodes.push({ ...node, inputs: [...node.inputs], outputs: [...node.outputs] });
  return s;
}

function seededInput(dtype: keyof typeof ARRAY_OF, n: number, seed: number): MoteTypedArray {
  const a = new ARRAY_OF[dtype](n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = dtype === 'f32' ? (s / 4294967296) * 2 - 1 : (s >>> 24) - 128;
  }
  return a;
}

async function timeSlice(build: MoteBuild, blob: Uint8Array, budgetMs: number): Promise<number> {
  const rt = MoteRuntime.fromModule(build, await moteModule(build));
  const model = rt.load(blob);
  const inputs = model.inputs.map((t, i) => seededInput(t.dtype, numel(t.shape), 17 + i));
  const outputs = model.outputs.map((t) => new ARRAY_OF[t.dtype](numel(t.shape)));
  const warmEnd = performance.now() + budgetMs / 3;
  let warm = 0;
  while (warm < 20 || performance.now() < warmEnd) {
    model.runInto(inputs, outputs);
    if (++warm > 5000) break;
  }
  const samples: number[] = [];
  const end = performance.now() + budgetMs;
  while (samples.length < 5 || performance.now() < end) {
    const t0 = performance.now();
    model.runInto(inputs, outputs);
    samples.push(performance.now() - t0);
    if (samples.length > 20000) break;
  }
  samples.sort((a, b) => a - b);
  return quantile(samples, 0.5) * 1000;
}

export type ProfileMethod = 'in-model' | 'slices';

/** Whether this runtime can time ops inside a whole-model run. */
export function runtimeCanProfile(): boolean {
  return typeof (MoteModel.prototype as { profile?: unknown }).profile === 'function';
}

/** Input / output channels of each step that has them (NHWC activations; FC: K and N). */
export function stepChannels(blob: Uint8Array): ({ in: number; out: number } | undefined)[] {
  const view = readBlob(blob);
  return view.ops.map((op) => {
    const x = view.tensors[op.inputs[0]], y = view.tensors[op.outputs[0]];
    if (op.opcode === F.OP_CONV2D || op.opcode === F.OP_DEPTHWISE_CONV2D) return { in: x.shape[x.shape.length - 1], out: y.shape[y.shape.length - 1] };
    if (op.opcode === F.OP_FULLY_CONNECTED) {
      const w = view.tensors[op.inputs[1]];
      return { in: w.shape[w.shape.length - 1], out: w.shape[0] };
    }
    return undefined;
  });
}

// Whole-model runs before the profiled ones: V8 swaps in optimized wasm code compiled in the
// background, and a profile taken before that (the bench's first version warmed up for 10 ms)
// reads the baseline tier. The models' own cases ran earlier in the process, so this mostly settles
// the profiled path's JS-to-wasm calls.
const PROFILE_WARMUP_MS = 300;

/** Median and p10 per-op times of profiled runs of the whole model, per build, for about budgetMs each. */
async function profileInModel(conv: MoteConversion, builds: MoteBuild[], budgetMs: number): Promise<{ rows: OpProfile[]; peakDuringProfile: number }> {
  const rows: OpProfile[] = [];
  const channels = stepChannels(conv.blob);
  // The SIMD peak loop, run between the profiled runs: how fast the host ran meanwhile (a slow
  // phase over the whole profile shows in no op's spread, only in this loop's rate).
  const sentinel = peakSentinel();
  const sentinelMs: number[] = [];
  for (const build of builds) {
    const rt = MoteRuntime.fromModule(build, await moteModule(build));
    const model = rt.load(conv.blob);
    const inputs = model.inputs.map((t, i) => seededInput(t.dtype, numel(t.shape), 17 + i));
    const samples: number[][] = [];
    const warmEnd = performance.now() + Math.min(PROFILE_WARMUP_MS, budgetMs);
    while (performance.now() < warmEnd) model.run(inputs);
    for (let i = 0; i < 5; i++) model.profile(inputs);
    const end = performance.now() + budgetMs;
    let ops: ReturnType<MoteModel['profile']>['ops'] = [];
    while (samples.length === 0 || samples[0].length < 5 || performance.now() < end) {
      ops = model.profile(inputs).ops;
      ops.forEach((o, i) => (samples[i] ??= []).push(o.ms));
      const t0 = performance.now();
      sentinel.run();
      sentinelMs.push(performance.now() - t0);
      if (samples[0].length > 5000) break;
    }
    ops.forEach((o, i) => {
      const row = (rows[i] ??= { index: o.index, op: o.op, name: o.name, macs: conv.stepMacs[i] ?? 0, us: {}, usP10: {}, ...(channels[o.index] ? { channels: channels[o.index] } : {}) });
      const sorted = samples[i].sort((a, b) => a - b);
      row.us[build] = quantile(sorted, 0.5) * 1000;
      row.usP10![build] = quantile(sorted, 0.1) * 1000;
    });
  }
  return { rows, peakDuringProfile: SENTINEL_MACS / (quantile(sentinelMs.sort((a, b) => a - b), 0.1) * 1e6) };
}

/** Per-op profile of a converted model on the given builds. */
export async function profileMote(conv: MoteConversion, builds: MoteBuild[], budgetMs: number): Promise<{ method: ProfileMethod; rows: OpProfile[]; peakDuringProfile?: number }> {
  if (runtimeCanProfile()) return { method: 'in-model', ...(await profileInModel(conv, builds, budgetMs)) };
  return { method: 'slices', rows: await profileSlices(conv.graph, builds, budgetMs) };
}

/** Times every node of `g` alone (reshapes excluded: they alias memory and cost nothing). */
export async function profileSlices(g: Graph, builds: MoteBuild[], budgetMs: number): Promise<OpProfile[]> {
  const rows: OpProfile[] = [];
  let index = 0;
  for (const node of g.nodes) {
    if (node.op === 'reshape') continue;
    const row: OpProfile = { index: index++, op: node.op, name: node.name, macs: nodeMacs(g, node), us: {} };
    try {
      const slice = sliceNode(g, node);
      const blob = emitBlob(slice, planMemory(slice));
      for (const build of builds) row.us[build] = await timeSlice(build, blob, budgetMs);
    } catch (e) {
      row.error = (e as Error).message.split('\n')[0];
    }
    rows.push(row);
  }
  return rows;
}

/** The profile as a table sorted by SIMD time, with GMAC/s and the share of the summed time. */
export function profileTable(rows: OpProfile[], peak: { simdGmacs: number; scalarGmacs: number }): string {
  const total = (b: MoteBuild) => (rows.some((r) => r.us[b] !== undefined) ? rows.reduce((s, r) => s + (r.us[b] ?? 0), 0) : undefined);
  const tSimd = total('simd');
  const tScalar = total('scalar');
  const sorted = [...rows].sort((a, b) => (b.us.simd ?? 0) - (a.us.simd ?? 0));
  const cells: string[][] = [['#', 'op', 'name', 'MMAC', 'SIMD µs', 'share', 'GMAC/s', '% peak', 'scalar µs', 'GMAC/s', '% peak']];
  const gm = (macs: number, us: number | undefined) => (us && macs ? macs / (us * 1e3) : undefined);
  const f = (v: number | undefined, d = 2) => (v === undefined ? '—' : v.toFixed(d));
  for (const r of sorted) {
    const gs = gm(r.macs, r.us.simd);
    const gc = gm(r.macs, r.us.scalar);
    cells.push([
      String(r.index),
      r.op,
      r.name.length > 28 ? `${r.name.slice(0, 25)}...` : r.name,
      f(r.macs / 1e6, 3),
      r.error ? `ERROR ${r.error.slice(0, 40)}` : f(r.us.simd, 1),
      r.us.simd !== undefined && tSimd ? `${((100 * r.us.simd) / tSimd).toFixed(0)}%` : '—',
      f(gs),
      gs === undefined ? '—' : `${((100 * gs) / peak.simdGmacs).toFixed(0)}%`,
      f(r.us.scalar, 1),
      f(gc),
      gc === undefined ? '—' : `${((100 * gc) / peak.scalarGmacs).toFixed(0)}%`,
    ]);
  }
  cells.push(['', 'sum', '', f(rows.reduce((s, r) => s + r.macs, 0) / 1e6, 3), f(tSimd, 1), '100%', '', '', f(tScalar, 1), '', '']);
  const widths = cells[0].map((_, i) => Math.max(...cells.map((c) => c[i].length)));
  return cells.map((c) => c.map((v, i) => (i === 1 || i === 2 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ')).join('\n');
}

