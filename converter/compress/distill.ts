// Layer-wise distillation from the float model (the teacher) on the calibration samples, after the
// compression passes and before quantization. No training loop: each compressed layer's remaining
// free parameters are refit by ridge least squares so that its pre-activation outputs match the
// teacher's for the same sample, the layer reading the *student's* own input (the compressed
// model's activations up to it, earlier refits included), so errors do not accumulate. This is the
// reconstruction step of He et al.'s channel pruning and ThiNet, and Zhang et al.'s asymmetric
// reconstruction for low rank; docs/COMPRESSION.md ("Distillation") has the references.
//
// What is free keeps the compressed structure, so the blob's size does not change:
//   dense   filter-pruning readers and pruned layers (every remaining weight), low rank's second
//           factor given the first: all weights of each output row, and the bias;
//   masked  magnitude pruning: the surviving weights of each output row (zeros stay zero), bias;
//   shared  weight sharing: the centroids (per layer or per output channel, as clustered), bias;
//   binary  binary weights: the per-channel α (signs fixed), bias.
// The bias is fit without ridge (the rows are centred); a layer without bias gets none.
//
// Guards against few samples and ill-conditioning: ridge toward the current values (least-squares.ts),
// ρ chosen on held-out calibration samples (every 4th), and a refit is only kept when it lowers
// the held-out error and the error over all calibration samples; otherwise the old values stay.
import type { Graph, Node, TensorData } from '../ir/graph.js';
import type { RefValue } from '../reference/types.js';
import { evaluateNode } from '../reference/interpreter.js';
import type { LayerCompression } from '../codec/weighted-layers.js';
import type { PruneReport } from '../passes/prune-filters.js';
import { LINEAR_OPS, linearLayer, type LinearLayer } from './layer-rows.js';
import { ridgeSolve } from './least-squares.js';

export type FreeParameters = 'dense' | 'masked' | 'shared' | 'binary';

export interface DistilledLayer {
  layer: string;
  op: string;
  free: FreeParameters;
  /** Free parameters (weights and biases) the refit could change. */
  parameters: number;
  /** Output rows the fit saw (output positions × calibration samples). */
  rows: number;
  /** Relative squared error ‖ŷ − y‖² / ‖y‖² of the layer's pre-activation outputs vs the teacher's,
   * over all calibration samples: before and after the refit (equal when the old values were kept). */
  before: number;
  after: number;
  /** The same on the held-out calibration samples, for the refit fit without them. */
  heldOutBefore?: number;
  heldOutAfter?: number;
  /** The ridge ρ chosen. */
  ridge?: number;
  /** Why the old values were kept. */
  kept?: string;
}

export interface DistillReport {
  samples: number;
  heldOutSamples: number;
  layers: DistilledLayer[];
}

/** What the compression passes did, to know which parameters of which layer are free. */
export interface DistillInputs {
  weightCompression: LayerCompression[];
  prune?: PruneReport;
}

/** Ridge strengths tried, relative to each parameter's own curvature (least-squares.ts). */
export const RIDGE_GRID = [1e-6, 1e-4, 1e-3, 1e-2, 0.03, 0.1, 0.3, 1, 3, 10];
/** ρ used when there are too few samples to hold any out. */
const DEFAULT_RIDGE = 0.01;

interface Target {
  node: Node;
  teacher: Node;
  free: FreeParameters;
  perChannel: boolean;
}

/** The student layers to refit (graph order): those whose weights a compression pass changed. */
export function distillTargets(teacher: Graph, student: Graph, inputs: DistillInputs): Target[] {
  const methods = new Map<string, LayerCompression[]>();
  for (const c of inputs.weightCompression) methods.set(c.layer, [...(methods.get(c.layer) ?? []), c]);
  const out: Target[] = [];
  for (const node of student.nodes) {
    if (!LINEAR_OPS.has(node.op) || !student.isConstant(node.inputs[1]) || student.tensor(node.inputs[1]).dtype !== 'f32') continue;
    const t = teacher.nodes.find((n) => n.name === node.name && n.op === node.op);
    if (!t) continue;
    const m = methods.get(node.name) ?? [];
    const has = (k: LayerCompression['method']) => m.find((c) => c.method === k);
    const cluster = has('cluster');
    let free: FreeParameters | undefined;
    if (has('binarize')) free = 'binary';
    else if (cluster) free = 'shared';
    else if (has('prune-magnitude')) free = 'masked';
    else if (String(student.tensor(node.inputs[1]).shape) !== String(teacher.tensor(t.inputs[1]).shape)) free = 'dense';
    if (free) out.push({ node, teacher: t, free, perChannel: cluster?.detail.perChannel === 1 });
  }
  return out;
}

/** Student output channel → teacher output channel (filter pruning removed some). */
function channelMap(t: Target, prune: PruneReport | undefined, channels: number): number[] {
  const axis = t.node.op === 'depthwise_conv2d' ? 2 : 0;
  const kept = prune?.cuts[t.node.name]?.kept[axis];
  return kept ?? Array.from({ length: channels }, (_, i) => i);
}

export function distillLayers(teacher: Graph, student: Graph, samples: TensorData[][], inputs: DistillInputs): DistillReport {
  const heldOut = (s: number) => samples.length >= 4 && s % 4 === 3;
  const report: DistillReport = { samples: samples.length, heldOutSamples: samples.filter((_, s) => heldOut(s)).length, layers: [] };
  const sw = new Walker(student, samples);
  let tw = new Walker(teacher, samples);
  for (const target of distillTargets(teacher, student, inputs)) {
    const { node } = target;
    const layer = linearLayer(student, node);
    const tLayer = linearLayer(teacher, target.teacher);
    const entry: DistilledLayer = { layer: node.name, op: node.op, free: target.free, parameters: 0, rows: layer.positions * samples.length, before: NaN, after: NaN };
    report.layers.push(entry);
    if (student.consumers(node.inputs[1]).length > 1) {
      entry.kept = 'its weights are shared with another layer';
      continue;
    }
    if (tLayer.positions !== layer.positions) {
      entry.kept = `${layer.positions} output positions, the teacher's layer has ${tLayer.positions}`;
      continue;
    }
    const map = channelMap(target, inputs.prune, layer.channels);
    sw.advance(student.nodes.indexOf(node));
    const ti = teacher.nodes.indexOf(target.teacher);
    if (ti < tw.position) tw = new Walker(teacher, samples);
    tw.advance(ti);
    const fit = new Stats(layer), val = new Stats(layer);
    const preActivation: Node = { ...target.teacher, attrs: { ...target.teacher.attrs, activation: undefined } } as Node;
    samples.forEach((_, s) => {
      const x = sw.value(s, node.inputs[0]).data as Float32Array;
      const y = evaluateNode(teacher, preActivation, tw.inputsOf(s, target.teacher))[0].data as Float32Array;
      (heldOut(s) ? val : fit).add(x, y, map, tLayer.channels);
    });
    refit(student, node, layer, target, fit, val, entry);
  }
  return report;
}

// ---- statistics: Gram matrices of the rows augmented with a constant 1 (for the bias) ----------

class Stats {
  readonly k1: number;
  /** Per group: Σ x̄x̄ᵀ, (k+1)² (x̄ = [row, 1]). */
  readonly gram: Float64Array[];
  /** Per output channel: Σ x̄·y, k+1. */
  readonly cross: Float64Array[];
  /** Per output channel: Σ y². */
  readonly yy: Float64Array;
  private symmetric = false;

  constructor(readonly layer: LinearLayer) {
    this.k1 = layer.k + 1;
    this.gram = layer.groups.map(() => new Float64Array(this.k1 * this.k1));
    this.cross = Array.from({ length: layer.channels }, () => new Float64Array(this.k1));
    this.yy = new Float64Array(layer.channels);
  }

  /** One sample: student input x, teacher pre-activation output y (tChannels per position). */
  add(x: Float32Array, y: Float32Array, map: number[], tChannels: number): void {
    const { k1, layer } = this;
    const row = new Float64Array(k1);
    row[k1 - 1] = 1;
    // Patches of ReLU outputs are mostly zeros: only the non-zero entries' products are summed.
    const nz = new Int32Array(k1);
    for (let r = 0; r < layer.positions; r++) {
      for (let gi = 0; gi < layer.groups.length; gi++) {
        const group = layer.groups[gi];
        group.fill(x, r, row);
        let count = 0;
        for (let i = 0; i < k1; i++) if (row[i] !== 0) nz[count++] = i;
        const gram = this.gram[gi];
        for (let a = 0; a < count; a++) {
          const i = nz[a], xi = row[i], base = i * k1;
          for (let b = a; b < count; b++) gram[base + nz[b]] += xi * row[nz[b]];
        }
        for (const o of group.outputs) {
          const v = y[r * tChannels + map[o]];
          if (v === 0) continue;
          const c = this.cross[o];
          for (let a = 0; a < count; a++) c[nz[a]] += row[nz[a]] * v;
          this.yy[o] += v * v;
        }
      }
    }
  }

  /** Fills the lower triangles (add() only accumulates the upper). */
  done(): this {
    if (this.symmetric) return this;
    for (const g of this.gram) for (let i = 0; i < this.k1; i++) for (let j = 0; j < i; j++) g[i * this.k1 + j] = g[j * this.k1 + i];
    this.symmetric = true;
    return this;
  }

  plus(o: Stats): Stats {
    const s = new Stats(this.layer);
    this.done(); o.done();
    s.gram.forEach((g, i) => g.forEach((_, j) => (g[j] = this.gram[i][j] + o.gram[i][j])));
    s.cross.forEach((c, i) => c.forEach((_, j) => (c[j] = this.cross[i][j] + o.cross[i][j])));
    s.yy.forEach((_, i) => (s.yy[i] = this.yy[i] + o.yy[i]));
    s.symmetric = true;
    return s;
  }

  rows(gi = 0): number {
    return this.gram[gi][this.k1 * this.k1 - 1];
  }

  /** Σ_o ‖x̄·[w_o; b_o] − y_o‖² (w: channels × k in (o, k) order) and Σ_o ‖y_o‖². */
  error(w: Float64Array, b: Float64Array): { err: number; energy: number } {
    this.done();
    const { k1, layer } = this;
    const k = k1 - 1;
    let err = 0, energy = 0;
    const wb = new Float64Array(k1);
    layer.groups.forEach((group, gi) => {
      const g = this.gram[gi];
      for (const o of group.outputs) {
        for (let i = 0; i < k; i++) wb[i] = w[o * k + i];
        wb[k] = b[o];
        let quad = 0, lin = 0;
        for (let i = 0; i < k1; i++) {
          if (wb[i] === 0) continue;
          let s = 0;
          for (let j = 0; j < k1; j++) s += g[i * k1 + j] * wb[j];
          quad += wb[i] * s;
          lin += wb[i] * this.cross[o][i];
        }
        err += quad - 2 * lin + this.yy[o];
        energy += this.yy[o];
      }
    });
    return { err: Math.max(0, err), energy };
  }

  /** Centred normal equations of group gi (bias eliminated): Σ(x−μ)(x−μ)ᵀ and per output Σ(x−μ)(y−ȳ).
   * Without a bias: the raw Σxxᵀ, Σxy, μ = 0. */
  centred(gi: number, withBias: boolean): { h: Float64Array; mu: Float64Array; c: (o: number) => Float64Array; ybar: (o: number) => number } {
    this.done();
    const { k1 } = this;
    const k = k1 - 1, g = this.gram[gi], n = withBias ? this.rows(gi) : 0;
    const mu = new Float64Array(k);
    if (n > 0) for (let i = 0; i < k; i++) mu[i] = g[i * k1 + k] / n;
    const h = new Float64Array(k * k);
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) h[i * k + j] = g[i * k1 + j] - n * mu[i] * mu[j];
    const ybar = (o: number) => (n > 0 ? this.cross[o][k] / n : 0);
    const c = (o: number) => Float64Array.from({ length: k }, (_, i) => this.cross[o][i] - n * mu[i] * ybar(o));
    return { h, mu, c, ybar };
  }
}

// ---- the refit -----------------------------------------------------------------------------------

/** Free parameters θ: weight (o, k) = coef · θ[pid], or a fixed 0 where pid = −1. */
interface Parameters {
  theta0: Float64Array;
  pid: Int32Array;
  coef: Float64Array;
  /** Outputs whose parameters are solved together (disjoint parameter sets). */
  blocks: number[][];
  /** Every weight free (pid = o·k + i): the outputs of a group share one matrix, solved once. */
  dense?: boolean;
}

function parameters(t: Target, layer: LinearLayer, w0: Float64Array): Parameters {
  const { k, channels } = layer;
  const pid = new Int32Array(channels * k).fill(-1);
  const coef = new Float64Array(channels * k).fill(1);
  const theta: number[] = [];
  const perOutput = Array.from({ length: channels }, (_, o) => [o]);
  if (t.free === 'dense' || t.free === 'masked') {
    for (let i = 0; i < w0.length; i++) {
      if (t.free === 'masked' && w0[i] === 0) continue;
      pid[i] = theta.length;
      theta.push(w0[i]);
    }
    return { theta0: Float64Array.from(theta), pid, coef, blocks: perOutput, dense: t.free === 'dense' };
  }
  if (t.free === 'binary') {
    for (let o = 0; o < channels; o++) {
      const alpha = Math.abs(w0[o * k]);
      if (alpha === 0) continue; // an all-zero channel has no signs left to scale
      for (let i = 0; i < k; i++) {
        pid[o * k + i] = theta.length;
        coef[o * k + i] = w0[o * k + i] < 0 ? -1 : 1;
      }
      theta.push(alpha);
    }
    return { theta0: Float64Array.from(theta), pid, coef, blocks: perOutput };
  }
  // shared: every distinct non-zero value is a centroid (per channel, or one set per layer).
  let ids = new Map<number, number>();
  for (let o = 0; o < channels; o++) {
    if (t.perChannel) ids = new Map();
    for (let i = 0; i < k; i++) {
      const v = w0[o * k + i];
      if (v === 0) continue;
      let id = ids.get(v);
      if (id === undefined) ids.set(v, (id = theta.push(v) - 1));
      pid[o * k + i] = id;
    }
  }
  return { theta0: Float64Array.from(theta), pid, coef, blocks: t.perChannel ? perOutput : [Array.from({ length: channels }, (_, o) => o)] };
}

/** A solver of one stats split: ρ → weights and biases (undefined when a system fails). */
function solver(layer: LinearLayer, p: Parameters, st: Stats, withBias: boolean, b0: Float64Array): (rho: number) => { w: Float64Array; b: Float64Array } | undefined {
  const { k, channels } = layer;
  const groupOf = new Int32Array(channels);
  layer.groups.forEach((g, gi) => g.outputs.forEach((o) => (groupOf[o] = gi)));
  const centred = layer.groups.map((_, gi) => st.centred(gi, withBias));
  // Normal equations per block, built once; solved for every ρ.
  const systems = p.dense ? denseSystems(layer, centred, p.theta0) : p.blocks.map((outs) => {
    const local = new Map<number, number>();
    for (const o of outs) for (let i = 0; i < k; i++) if (p.pid[o * k + i] >= 0 && !local.has(p.pid[o * k + i])) local.set(p.pid[o * k + i], local.size);
    const m = local.size;
    const h = new Float64Array(m * m), r = new Float64Array(m), t0 = new Float64Array(m);
    for (const [id, a] of local) t0[a] = p.theta0[id];
    for (const o of outs) {
      const { h: g } = centred[groupOf[o]];
      const c = centred[groupOf[o]].c(o);
      const terms: number[] = [];
      for (let i = 0; i < k; i++) if (p.pid[o * k + i] >= 0) terms.push(i);
      for (const i of terms) {
        const a = local.get(p.pid[o * k + i])!, ci = p.coef[o * k + i];
        r[a] += ci * c[i];
        for (const j of terms) h[a * m + local.get(p.pid[o * k + j])!] += ci * p.coef[o * k + j] * g[i * k + j];
      }
    }
    return { local, h, r, t0, m, rhs: 1 };
  });
  return (rho) => {
    const theta = Float64Array.from(p.theta0);
    // A block whose system fails keeps its old values; the layer fails only when every block does.
    let solved = 0;
    for (const s of systems) {
      if (s.m === 0) continue;
      const sol = ridgeSolve(s.h, s.m, s.r, s.t0, rho, s.rhs);
      if (!sol) continue;
      solved++;
      for (const [id, a] of s.local) theta[id] = sol[a];
    }
    if (solved === 0 && systems.some((s) => s.m > 0)) return undefined;
    const w = new Float64Array(channels * k);
    for (let i = 0; i < w.length; i++) if (p.pid[i] >= 0) w[i] = p.coef[i] * theta[p.pid[i]];
    const b = Float64Array.from(b0);
    if (withBias) {
      for (let o = 0; o < channels; o++) {
        const { mu, ybar } = centred[groupOf[o]];
        let s = ybar(o);
        for (let i = 0; i < k; i++) s -= mu[i] * w[o * k + i];
        b[o] = s;
      }
    }
    return { w, b };
  };
}

/** Dense refits: per group one K×K system, the group's output rows as its right-hand sides
 * (θ = the weights in (o, k) order, so parameter o·k + i is row i, column j of the solution). */
function denseSystems(layer: LinearLayer, centred: ReturnType<Stats['centred']>[], theta0: Float64Array) {
  const { k } = layer;
  return layer.groups.map((g, gi) => {
    const m = g.outputs.length;
    const r = new Float64Array(k * m), t0 = new Float64Array(k * m);
    const local = new Map<number, number>();
    g.outputs.forEach((o, j) => {
      const c = centred[gi].c(o);
      for (let i = 0; i < k; i++) {
        r[i * m + j] = c[i];
        t0[i * m + j] = theta0[o * k + i];
        local.set(o * k + i, i * m + j);
      }
    });
    return { local, h: centred[gi].h, r, t0, m: k, rhs: m };
  });
}

function refit(g: Graph, node: Node, layer: LinearLayer, t: Target, fit: Stats, val: Stats, entry: DistilledLayer): void {
  const { k, channels } = layer;
  const wt = g.tensor(node.inputs[1]);
  const wData = wt.data as Float32Array;
  const w0 = new Float64Array(channels * k);
  for (let o = 0; o < channels; o++) for (let i = 0; i < k; i++) w0[o * k + i] = wData[layer.widx(o, i)];
  const withBias = Boolean(node.inputs[2]) && g.isConstant(node.inputs[2]);
  const b0 = withBias ? Float64Array.from(g.tensor(node.inputs[2]).data as Float32Array) : new Float64Array(channels);
  const p = parameters(t, layer, w0);
  entry.parameters = p.theta0.length + (withBias ? channels : 0);
  const all = fit.plus(val);
  const rel = (st: Stats, w: Float64Array, b: Float64Array) => {
    const { err, energy } = st.error(w, b);
    return energy > 0 ? err / energy : 0;
  };
  entry.before = entry.after = rel(all, w0, b0);
  if (entry.before === 0) {
    entry.kept = 'it already matches the teacher';
    return;
  }
  let rho = DEFAULT_RIDGE;
  if (val.rows() > 0) {
    const solveFit = solver(layer, p, fit, withBias, b0);
    let best = { rho: NaN, err: Infinity };
    for (const r of RIDGE_GRID) {
      const s = solveFit(r);
      const e = s ? rel(val, s.w, s.b) : Infinity;
      if (e < best.err) best = { rho: r, err: e };
    }
    entry.heldOutBefore = rel(val, w0, b0);
    if (!(best.err < entry.heldOutBefore)) {
      entry.kept = Number.isFinite(best.err) ? 'the refit did not lower the held-out error' : 'the normal equations are not positive definite';
      return;
    }
    entry.heldOutAfter = best.err;
    rho = best.rho;
  }
  entry.ridge = rho;
  const s = solver(layer, p, all, withBias, b0)(rho);
  if (!s) {
    entry.kept = 'the normal equations are not positive definite';
    return;
  }
  const after = rel(all, s.w, s.b);
  if (!(after < entry.before)) {
    entry.kept = 'the refit did not lower the calibration error';
    return;
  }
  entry.after = after;
  const w = Float32Array.from(wData);
  for (let o = 0; o < channels; o++) for (let i = 0; i < k; i++) w[layer.widx(o, i)] = s.w[o * k + i];
  // The weights are this layer's alone (checked before); the bias may be shared, then it gets a copy.
  wt.data = w;
  if (withBias) {
    const bias = Float32Array.from(s.b);
    if (g.consumers(node.inputs[2]).length === 1) g.tensor(node.inputs[2]).data = bias;
    else node.inputs[2] = g.addTensor({ name: g.uniqueName(`${node.name}_bias_distilled`), dtype: 'f32', shape: [channels], data: bias }).name;
  }
}

// ---- running a graph node by node over every sample at once -------------------------------------

/** Runs a graph's nodes in order on all samples together, so the refit of layer L (before L runs)
 * reaches every later layer's inputs; values are dropped after their last reader. */
class Walker {
  position = 0;
  private values: Map<string, RefValue>[];
  private last = new Map<string, number>();

  constructor(private g: Graph, samples: TensorData[][]) {
    g.nodes.forEach((n, i) => n.inputs.forEach((name) => name && this.last.set(name, i)));
    this.values = samples.map((s) => new Map(g.inputs.map((name, i) => {
      const t = g.tensor(name);
      return [name, { data: s[i], shape: t.shape, dtype: t.dtype, quant: t.quant }];
    })));
  }

  /** Runs the nodes before `index`. */
  advance(index: number): void {
    for (; this.position < index; this.position++) {
      const node = this.g.nodes[this.position];
      this.values.forEach((vals, s) => {
        const out = evaluateNode(this.g, node, this.inputsOf(s, node));
        node.outputs.forEach((name, i) => vals.set(name, out[i]));
        for (const name of node.inputs) if (this.last.get(name) === this.position) vals.delete(name);
      });
    }
  }

  inputsOf(s: number, node: Node): (RefValue | undefined)[] {
    return node.inputs.map((name) => (name === '' ? undefined : this.value(s, name)));
  }

  value(s: number, name: string): RefValue {
    const v = this.values[s].get(name);
    if (v) return v;
    const t = this.g.tensor(name);
    if (!t.data) throw new Error(`distill: tensor '${name}' has no value at node ${this.position}`);
    return { data: t.data, shape: t.shape, dtype: t.dtype, quant: t.quant };
  }
}
