// TFLite builtins that only move data, lowered onto strided_slice, concat, reshape and transpose (no
// kernel of their own): SPLIT, SPLIT_V, SLICE, GATHER (constant indices), PACK, UNPACK,
// DEPTH_TO_SPACE, SPACE_TO_DEPTH; plus the slice helpers STRIDED_SLICE shares.
//
// Quantized tensors: TFLite Micro's int8 kernels of all eight copy bytes and never compare the
// input's and output's quantization (micro/kernels/split.cc, split_v.cc, slice.cc, gather.cc,
// pack.cc, unpack.cc, depth_to_space.cc, space_to_depth.cc); the TFLite converter gives them equal
// parameters. An output on another grid than its input would reinterpret the copied bytes, which
// no model means to do: it is refused, naming the operator.
import type { StridedSliceAttrs, TensorData } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import type { TfliteImporter, TfliteOpContext } from './tflite.js';
import { MAX_GATHER_RUNS, indexRuns } from './index-runs.js';
import { depthToSpacePlan, spaceToDepthPlan } from './space-depth.js';
import { isQuantizedDtype, options, reshapeInto, sameQuant } from './tflite-op-util.js';

type Lowering = (im: TfliteImporter, ctx: TfliteOpContext) => void;

/** BuiltinOptions union members (tensorflow/lite/schema/schema.fbs). */
const OPTIONS = {
  SpaceToDepth: 19, Gather: 23, Split: 35, Slice: 48, Pack: 59, Unpack: 64, SplitV: 79, DepthToSpace: 94,
} as const;

// ---- slices --------------------------------------------------------------------------------------

/** One axis of a slice: `count` elements from `start` every `step`; `shrink` drops the axis. */
export interface AxisSlice {
  start: number;
  step: number;
  count: number;
  shrink: boolean;
}

export function sliceData(data: TensorData, xs: number[], axes: AxisSlice[]): TensorData {
  const outCount = axes.reduce((n, a) => n * a.count, 1);
  const out = new (data.constructor as new (n: number) => TensorData)(outCount);
  const inStrides = xs.map((_, i) => xs.slice(i + 1).reduce((a, b) => a * b, 1));
  const idx = axes.map(() => 0);
  for (let o = 0; o < outCount; o++) {
    let src = 0;
    for (let d = 0; d < axes.length; d++) src += (axes[d].start + idx[d] * axes[d].step) * inStrides[d];
    (out as unknown as ArrayLike<unknown> & Record<number, unknown>)[o] = data[src];
    for (let d = axes.length - 1; d >= 0; d--) {
      if (++idx[d] < axes[d].count) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** The whole input but `count` elements from `start` (every `step`) along `axis`. */
function alongAxis(xs: number[], axis: number, start: number, count: number, step = 1, shrink = false): AxisSlice[] {
  return xs.map((n, d) => (d === axis ? { start, step, count, shrink } : { start: 0, step: 1, count: n, shrink: false }));
}

function sliceAttrs(axes: AxisSlice[]): StridedSliceAttrs {
  return { begin: axes.map((a) => a.start), strides: axes.map((a) => a.step), size: axes.map((a) => a.count) };
}

/** The output must have the input's dtype and, when quantized, its grid: the bytes are copied. */
function requireSameGrid(im: TfliteImporter, ctx: TfliteOpContext, x: string, out: string): void {
  const xt = im.g.tensor(x);
  const ot = im.g.tensor(out);
  if (xt.dtype !== ot.dtype) im.fail(ctx, `output '${out}' is ${ot.dtype}, the input '${x}' ${xt.dtype}`);
  if (isQuantizedDtype(xt.dtype) && !sameQuant(xt.quant, ot.quant)) {
    im.unsupported(ctx, `${ctx.opName} whose output quantization differs from its input ('${out}' vs '${x}')`);
  }
}

function normAxis(im: TfliteImporter, ctx: TfliteOpContext, axis: number, rank: number, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!(Number.isInteger(a) && a >= 0 && a < rank)) im.fail(ctx, `${what} ${axis} is out of range for rank ${rank}`);
  return a;
}

/** A constant input holding exactly one integer (SPLIT's and SPLIT_V's axis). */
function constScalar(im: TfliteImporter, ctx: TfliteOpContext, k: number, what: string): number {
  const v = im.constInts(ctx, k, what);
  if (v.length !== 1) im.fail(ctx, `${what} must hold one value, got ${v.length}`);
  return v[0];
}

/**
 * Output `outK` is input `inK` sliced per axis: folded for a constant input; a reshape when every
 * element stays in order; else a strided_slice, plus a reshape when the file's output drops axes.
 */
export function sliceInto(im: TfliteImporter, ctx: TfliteOpContext, inK: number, axes: AxisSlice[], outK: number): void {
  if (im.isConstantInput(im.inputIndex(ctx, inK))) {
    const c = im.constInput(ctx, inK, 'input');
    im.defineFoldedOutput(ctx, outK, c.dtype, sliceData(c.data, c.shape, axes));
    return;
  }
  const x = im.input(ctx, inK, 'input');
  const xs = im.shape(x);
  const out = im.output(ctx, outK);
  requireSameGrid(im, ctx, x, out);
  if (axes.every((a, d) => a.start === 0 && a.step === 1 && a.count === xs[d])) {
    reshapeInto(im, ctx, x, out);
    return;
  }
  if (axes.every((a) => !a.shrink) && im.shape(out).length === xs.length) {
    im.emit(ctx, 'strided_slice', [x], out, sliceAttrs(axes));
    return;
  }
  const outT = im.g.tensor(out);
  const tmp = im.addTemp(`${out}/slice`, outT.dtype, outT.quant);
  im.emit(ctx, 'strided_slice', [x], tmp, sliceAttrs(axes));
  reshapeInto(im, ctx, tmp, out);
}

/** A temporary holding x viewed as `shape` (a reshape: no data moves). */
function viewAs(im: TfliteImporter, ctx: TfliteOpContext, x: string, shape: number[], base: string): string {
  const xt = im.g.tensor(x);
  const tmp = im.addTemp(base, xt.dtype, xt.quant);
  im.g.tensor(tmp).shape = shape;
  im.emit(ctx, 'reshape', [x], tmp, {});
  return tmp;
}

// ---- the lowerings ---------------------------------------------------------------------------------

/** SPLIT: inputs axis (constant), input; num_splits equal parts along the axis. */
const split: Lowering = (im, ctx) => {
  const n = options(im, ctx, OPTIONS.Split)?.int32(0, 'num_splits') ?? 0;
  const xs = im.shape(im.input(ctx, 1, 'input'));
  const axis = normAxis(im, ctx, constScalar(im, ctx, 0, 'axis'), xs.length);
  const outs = ctx.op.outputs.length;
  if (n !== outs) im.fail(ctx, `num_splits is ${n} but the operator has ${outs} outputs`);
  if (n < 1 || xs[axis] % n !== 0) im.fail(ctx, `dimension ${xs[axis]} of axis ${axis} does not split into ${n} equal parts`);
  const size = xs[axis] / n;
  for (let k = 0; k < n; k++) sliceInto(im, ctx, 1, alongAxis(xs, axis, k * size, size), k);
};

/** SPLIT_V: inputs input, size_splits (constant, one entry may be −1: the rest), axis (constant). */
const splitV: Lowering = (im, ctx) => {
  const n = options(im, ctx, OPTIONS.SplitV)?.int32(0, 'num_splits') ?? 0;
  const xs = im.shape(im.input(ctx, 0, 'input'));
  const sizes = im.constInts(ctx, 1, 'size_splits');
  const axis = normAxis(im, ctx, constScalar(im, ctx, 2, 'axis'), xs.length);
  const outs = ctx.op.outputs.length;
  if (n !== outs || sizes.length !== outs) im.fail(ctx, `num_splits ${n} and size_splits [${sizes}] do not match the ${outs} outputs`);
  const dim = xs[axis];
  const unknown = sizes.filter((s) => s === -1).length;
  const known = sizes.reduce((sum, s) => (s === -1 ? sum : sum + s), 0);
  const resolved = sizes.map((s) => (s === -1 ? dim - known : s));
  if (unknown > 1 || resolved.some((s) => s < 0) || resolved.reduce((a, b) => a + b, 0) !== dim) {
    im.fail(ctx, `size_splits [${sizes}] do not add up to dimension ${dim} of axis ${axis}`);
  }
  let start = 0;
  resolved.forEach((s, k) => {
    sliceInto(im, ctx, 0, alongAxis(xs, axis, start, s), k);
    start += s;
  });
};

/** SLICE: inputs input, begin, size (constants; size −1 = to the end of the axis). */
const slice: Lowering = (im, ctx) => {
  options(im, ctx, OPTIONS.Slice);
  const xs = im.shape(im.input(ctx, 0, 'input'));
  const begin = im.constInts(ctx, 1, 'begin');
  const size = im.constInts(ctx, 2, 'size');
  if (begin.length !== xs.length || size.length !== xs.length) {
    im.fail(ctx, `begin [${begin}] and size [${size}] must have one entry per input dim (rank ${xs.length})`);
  }
  const axes = xs.map((dim, d) => {
    const count = size[d] === -1 ? dim - begin[d] : size[d];
    if (!(begin[d] >= 0 && count >= 0 && begin[d] + count <= dim)) im.fail(ctx, `axis ${d}: begin ${begin[d]} and size ${size[d]} do not fit the input's ${dim}`);
    return { start: begin[d], step: 1, count, shrink: false };
  });
  sliceInto(im, ctx, 0, axes, 0);
};

/**
 * GATHER with constant indices (batch_dims 0): each run of equally spaced indices is a strided_slice
 * along the axis, several runs are concatenated, and a reshape gives the output the indices' shape.
 */
const gather: Lowering = (im, ctx) => {
  const o = options(im, ctx, OPTIONS.Gather);
  const batchDims = o?.int32(1, 'batch_dims') ?? 0;
  if (batchDims !== 0) im.unsupported(ctx, `GATHER with batch_dims ${batchDims}`);
  const x = im.input(ctx, 0, 'params');
  const xs = im.shape(x);
  const axis = normAxis(im, ctx, o?.int32(0, 'axis') ?? 0, xs.length);
  const idx = im.constInts(ctx, 1, 'indices');
  const dim = xs[axis];
  for (const v of idx) if (!(v >= 0 && v < dim)) im.fail(ctx, `index ${v} is out of range for dimension ${dim} of axis ${axis}`);
  if (idx.length === 0) im.unsupported(ctx, 'GATHER with no indices (an empty output)');
  const xt = im.g.tensor(x);
  if (xt.data) {
    const inner = numel(xs.slice(axis + 1));
    const outer = numel(xs.slice(0, axis));
    const data = new (xt.data.constructor as new (n: number) => TensorData)(outer * idx.length * inner);
    for (let a = 0; a < outer; a++) {
      idx.forEach((v, j) => {
        for (let i = 0; i < inner; i++) (data as Float32Array)[(a * idx.length + j) * inner + i] = (xt.data as Float32Array)[(a * dim + v) * inner + i];
      });
    }
    im.defineFoldedOutput(ctx, 0, xt.dtype, data);
    return;
  }
  const runs = indexRuns(idx);
  if (runs.length > MAX_GATHER_RUNS) im.unsupported(ctx, `GATHER of ${idx.length} indices in ${runs.length} runs of equally spaced values (at most ${MAX_GATHER_RUNS})`);
  if (runs.length === 1) {
    sliceInto(im, ctx, 0, alongAxis(xs, axis, runs[0].start, runs[0].count, runs[0].step), 0);
    return;
  }
  const out = im.output(ctx, 0);
  requireSameGrid(im, ctx, x, out);
  const parts = runs.map((r, k) => {
    const t = im.addTemp(`${out}/run${k}`, xt.dtype, xt.quant);
    im.emit(ctx, 'strided_slice', [x], t, sliceAttrs(alongAxis(xs, axis, r.start, r.count, r.step)));
    return t;
  });
  if (im.shape(out).length === xs.length) {
    im.emit(ctx, 'concat', parts, out, { axis });
    return;
  }
  const gathered = im.addTemp(`${out}/gathered`, xt.dtype, xt.quant);
  im.emit(ctx, 'concat', parts, gathered, { axis });
  reshapeInto(im, ctx, gathered, out);
};

/** PACK: values_count tensors of one shape stacked along a new axis: each gets a size-1 axis, then concat. */
const pack: Lowering = (im, ctx) => {
  const o = options(im, ctx, OPTIONS.Pack);
  const n = ctx.op.inputs.length;
  const count = o?.int32(0, 'values_count') ?? 0;
  if (count !== n || n === 0) im.fail(ctx, `values_count is ${count} but the operator has ${n} inputs`);
  const xs = ctx.op.inputs.map((_, k) => im.input(ctx, k, `input ${k}`));
  const shape = im.shape(xs[0]);
  const axis = normAxis(im, ctx, o?.int32(1, 'axis') ?? 0, shape.length + 1);
  xs.forEach((x, k) => {
    const s = im.shape(x);
    if (s.length !== shape.length || s.some((d, i) => d !== shape[i])) im.fail(ctx, `input ${k} is [${s}], input 0 [${shape}]`);
  });
  const constant = xs.map((x) => im.g.isConstant(x));
  if (constant.every((c) => c)) {
    const first = im.g.tensor(xs[0]);
    const inner = numel(shape.slice(axis));
    const outer = numel(shape.slice(0, axis));
    const data = new (first.data!.constructor as new (m: number) => TensorData)(outer * n * inner);
    xs.forEach((x, k) => {
      const src = im.g.tensor(x).data as Float32Array;
      for (let a = 0; a < outer; a++) for (let i = 0; i < inner; i++) (data as Float32Array)[(a * n + k) * inner + i] = src[a * inner + i];
    });
    im.defineFoldedOutput(ctx, 0, first.dtype, data);
    return;
  }
  if (constant.some((c) => c)) im.unsupported(ctx, 'PACK of constant and computed tensors together');
  const out = im.output(ctx, 0);
  for (const x of xs) requireSameGrid(im, ctx, x, out);
  const unit = [...shape.slice(0, axis), 1, ...shape.slice(axis)];
  if (n === 1) {
    reshapeInto(im, ctx, xs[0], out);
    return;
  }
  im.emit(ctx, 'concat', xs.map((x, k) => viewAs(im, ctx, x, unit, `${out}/in${k}`)), out, { axis });
};

/** UNPACK: output k is index k along the axis, the axis dropped (a slice + reshape). */
const unpack: Lowering = (im, ctx) => {
  const o = options(im, ctx, OPTIONS.Unpack);
  const xs = im.shape(im.input(ctx, 0, 'input'));
  const axis = normAxis(im, ctx, o?.int32(1, 'axis') ?? 0, xs.length);
  const num = o?.int32(0, 'num') ?? 0;
  if (num !== xs[axis] || ctx.op.outputs.length !== num) {
    im.fail(ctx, `num is ${num}, axis ${axis} has ${xs[axis]} entries and the operator ${ctx.op.outputs.length} outputs`);
  }
  for (let k = 0; k < num; k++) sliceInto(im, ctx, 0, alongAxis(xs, axis, k, 1, 1, true), k);
};

/** DEPTH_TO_SPACE (DCR) and SPACE_TO_DEPTH: reshape → transpose → reshape (space-depth.ts). */
function spaceDepth(kind: 'DEPTH_TO_SPACE' | 'SPACE_TO_DEPTH'): Lowering {
  return (im, ctx) => {
    const block = options(im, ctx, kind === 'DEPTH_TO_SPACE' ? OPTIONS.DepthToSpace : OPTIONS.SpaceToDepth)?.int32(0, 'block_size') ?? 0;
    const x = im.input(ctx, 0, 'input');
    if (im.g.isConstant(x)) im.unsupported(ctx, `${kind} of a constant`);
    const xs = im.shape(x);
    const plan = kind === 'DEPTH_TO_SPACE' ? depthToSpacePlan(xs, block, 'DCR') : spaceToDepthPlan(xs, block);
    if (typeof plan === 'string') return im.fail(ctx, plan);
    const out = im.output(ctx, 0);
    requireSameGrid(im, ctx, x, out);
    const view = viewAs(im, ctx, x, plan.view, `${out}/view`);
    const xt = im.g.tensor(x);
    const moved = im.addTemp(`${out}/shuffled`, xt.dtype, xt.quant);
    im.emit(ctx, 'transpose', [view], moved, { perm: plan.perm });
    reshapeInto(im, ctx, moved, out);
  };
}

export const dataMovementLowerings: Record<string, Lowering> = {
  SPLIT: split,
  SPLIT_V: splitV,
  SLICE: slice,
  GATHER: gather,
  PACK: pack,
  UNPACK: unpack,
  DEPTH_TO_SPACE: spaceDepth('DEPTH_TO_SPACE'),
  SPACE_TO_DEPTH: spaceDepth('SPACE_TO_DEPTH'),
};

/** What each becomes (TFLITE_OP_MAPPING, docs/MODELS.md). */
export const DATA_MOVEMENT_MAPPING: Record<string, string> = {
  SPLIT: 'strided_slice per output (equal parts; constant axis)',
  SPLIT_V: 'strided_slice per output (size_splits, one may be -1; constant axis)',
  SLICE: 'strided_slice (constant begin/size, size -1 = to the end); folded for a constant input',
  GATHER: 'strided_slice per run of equally spaced constant indices (+ concat, at most 64 runs; + reshape); batch_dims 0',
  PACK: 'reshape (size-1 axis) per input + concat',
  UNPACK: 'strided_slice + reshape per output',
  DEPTH_TO_SPACE: 'reshape → transpose → reshape (DCR)',
  SPACE_TO_DEPTH: 'reshape → transpose → reshape',
};
