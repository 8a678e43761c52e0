// The ONNX op → IR lowerings, one function per ONNX op type. Each reads its attributes the way its
// opset defines them (several moved from attributes to inputs over the years) and emits IR nodes
// in the runtime's vocabulary. Spatial ops get NCHW⇄NHWC transposes around them; the
// sink-transposes pass cancels those between consecutive spatial ops.
import type { DType, PadMode, TensorData } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import type { OnnxImporter, OnnxNodeContext } from './onnx.js';
import { dtypeDisplay } from './onnx.js';
import { dtypeFromOnnx, onnxDtypeName, tensorFromProto, toNumber } from './onnx-tensor.js';
import { quantLowerings } from './onnx-quant.js';
import { mathLowerings } from './onnx-math.js';
import { depthToSpacePlan, spaceToDepthPlan } from './space-depth.js';
import { MAX_GATHER_RUNS, indexRuns } from './index-runs.js';
import { resizeLowerings } from './onnx-resize.js';
import { fromNhwc, spatialAttrs, toNhwc } from './onnx-spatial.js';
import { poolLowerings } from './onnx-pool.js';
import { logicLowerings } from './onnx-logic.js';

type Lowering = (imp: OnnxImporter, ctx: OnnxNodeContext) => void;

function out(ctx: OnnxNodeContext, i = 0): string {
  return (ctx.node.output ?? [])[i];
}

/** Rejects a node whose extra outputs (e.g. MaxPool's Indices) are used. */
function singleOutput(imp: OnnxImporter, ctx: OnnxNodeContext, what: string): void {
  if ((ctx.node.output ?? []).slice(1).some((o) => o !== '')) imp.unsupported(ctx, what);
}

function normAxis(imp: OnnxImporter, ctx: OnnxNodeContext, axis: number, rank: number, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!(a >= 0 && a < rank)) imp.fail(ctx, `${what} ${axis} is out of range for rank ${rank}`);
  return a;
}

// ---- ops ----------------------------------------------------------------------------------------

/** Conv / ConvTranspose operands: X (float), constant W of X's rank matching kernel_shape, B?, group. */
function convOperands(imp: OnnxImporter, ctx: OnnxNodeContext) {
  const x = imp.requireInput(ctx, 0, 'X');
  const w = imp.requireInput(ctx, 1, 'W');
  imp.requireFloat(ctx, x);
  const b = imp.input(ctx, 2);
  const xs = imp.shape(x);
  const ws = imp.shape(w);
  const wData = imp.constFloats(ctx, w, 'weights');
  if (ws.length !== xs.length) imp.fail(ctx, `weights rank ${ws.length} does not match input rank ${xs.length}`);
  const kernelAttr = imp.attrInts(ctx, 'kernel_shape');
  if (kernelAttr && kernelAttr.some((k, i) => k !== ws[2 + i])) imp.fail(ctx, `kernel_shape [${kernelAttr}] does not match weights [${ws}]`);
  return { x, b, xs, ws, wData, group: imp.attrInt(ctx, 'group', 1) };
}

const conv: Lowering = (imp, ctx) => {
  const { x, b, xs, wData, group, ws: wShape } = convOperands(imp, ctx);
  let ws = wShape;
  const cIn = xs[1];
  if (group < 1 || ws[1] * group !== cIn) imp.fail(ctx, `weights [${ws}] with group ${group} do not fit ${cIn} input channels`);
  const { nhwc, spatial } = toNhwc(imp, ctx, x);
  const a = spatialAttrs(imp, ctx, spatial, ws.slice(2));
  if (spatial.length === 1) ws = [ws[0], ws[1], 1, ws[2]];
  const [o, cg, kh, kw] = ws;
  let bias: string | undefined;
  if (b !== undefined) {
    const bData = imp.constFloats(ctx, b, 'bias');
    if (bData.length !== o) imp.fail(ctx, `bias has ${bData.length} values, expected ${o}`);
    bias = imp.addConstant(`${ctx.name}/bias`, 'f32', [o], bData.slice());
  }
  let y: string;
  if (group > 1 && group === cIn) {
    // Depthwise: ONNX output channel oc uses input channel oc / M, the runtime's [KH,KW,C*M] layout.
    const dw = new Float32Array(kh * kw * o);
    for (let oc = 0; oc < o; oc++) for (let i = 0; i < kh * kw; i++) dw[i * o + oc] = wData[oc * kh * kw + i];
    const wt = imp.addConstant(`${ctx.name}/weights`, 'f32', [kh, kw, o], dw);
    y = imp.emit(ctx, 'depthwise_conv2d', [nhwc, wt, bias], imp.tmp(ctx, 'nhwc'), {
      strides: a.strides, dilations: a.dilations, pads: a.pads, depthMultiplier: o / group,
    });
  } else {
    // OIHW → OHWI.
    const oh = new Float32Array(o * kh * kw * cg);
    for (let oc = 0; oc < o; oc++)
      for (let c = 0; c < cg; c++)
        for (let i = 0; i < kh * kw; i++) oh[(oc * kh * kw + i) * cg + c] = wData[(oc * cg + c) * kh * kw + i];
    const wt = imp.addConstant(`${ctx.name}/weights`, 'f32', [o, kh, kw, cg], oh);
    y = imp.emit(ctx, 'conv2d', [nhwc, wt, bias], imp.tmp(ctx, 'nhwc'), {
      strides: a.strides, dilations: a.dilations, pads: a.pads, group,
    });
  }
  fromNhwc(imp, ctx, y, spatial.length);
};

/**
 * ConvTranspose (opsets 1, 11, 22): X [N,C,H,W] (or [N,C,L]), W [C,M/group,KH,KW], B [M]? →
 * transpose_conv2d in NHWC with weights [M,KH,KW,C/group]: input pixel iy scatters into output rows
 * iy·stride − pad_begin + ky·dilation. Per axis the full size is stride·(in − 1) + output_padding +
 * (k − 1)·dilation + 1; the output is that less the pads, or output_shape (its total padding split
 * as the spec says: the odd pixel at the end for SAME_UPPER, at the start otherwise; past the full
 * size by less than a stride, rows only the bias reaches at the end, as ONNX Runtime), or in·stride
 * for auto_pad SAME_*. group g: output channel g'·M/g + m reads input channels [g'·C/g, +C/g)
 * (group = C with M/g = 1 is the depthwise deconvolution).
 */
const convTranspose: Lowering = (imp, ctx) => {
  const { x, b, xs, ws, wData, group } = convOperands(imp, ctx);
  if (!(group >= 1) || xs[1] % group !== 0) imp.fail(ctx, `attribute group=${group} does not divide X's ${xs[1]} channels`);
  if (ws[0] !== xs[1]) imp.fail(ctx, `weights [${ws}] take ${ws[0]} input channels, X has ${xs[1]}`);
  const { nhwc, spatial } = toNhwc(imp, ctx, x);
  const n = spatial.length;
  const kernel = ws.slice(2);
  const ints = (name: string, length: number, dflt: number) => {
    const v = imp.attrInts(ctx, name) ?? new Array(length).fill(dflt);
    if (v.length !== length) imp.fail(ctx, `attribute ${name} has ${v.length} values, expected ${length}`);
    return v;
  };
  const strides = ints('strides', n, 1);
  const dilations = ints('dilations', n, 1);
  const pads = ints('pads', 2 * n, 0);
  const outputPadding = ints('output_padding', n, 0);
  if (strides.some((v) => v < 1)) imp.fail(ctx, `strides [${strides}] must be >= 1`);
  if (dilations.some((d) => d < 1)) imp.fail(ctx, `dilations [${dilations}] must be >= 1`);
  if (pads.some((v) => v < 0) || outputPadding.some((v) => v < 0)) imp.fail(ctx, `pads [${pads}] and output_padding [${outputPadding}] must be >= 0`);
  outputPadding.forEach((v, i) => {
    const bound = Math.max(strides[i], dilations[i]);
    if (v >= bound) imp.fail(ctx, `output_padding [${outputPadding}] on spatial axis ${i}: ${v} must be less than max(stride, dilation) = ${bound}`);
  });
  // output_shape holds the spatial dims (some exporters write all of N, C, spatial).
  let outputShape = imp.attrInts(ctx, 'output_shape');
  if (outputShape && outputShape.length === n + 2) outputShape = outputShape.slice(2);
  if (outputShape && outputShape.length !== n) imp.fail(ctx, `attribute output_shape [${outputShape}] does not have ${n} spatial dims`);
  const autoPad = imp.attrString(ctx, 'auto_pad', 'NOTSET');
  if (!['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'].includes(autoPad)) imp.unsupported(ctx, `attribute auto_pad='${autoPad}'`);
  const begin: number[] = [];
  const end: number[] = [];
  const size: number[] = [];
  for (let i = 0; i < n; i++) {
    const full = strides[i] * (spatial[i] - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1;
    const target = outputShape ? outputShape[i] : autoPad.startsWith('SAME') ? spatial[i] * strides[i] : undefined;
    if (target === undefined) {
      const [pb, pe] = autoPad === 'VALID' ? [0, 0] : [pads[i], pads[i + n]];
      begin.push(pb);
      end.push(pe);
      size.push(full - pb - pe);
    } else {
      const total = full - target;
      if (total < 0 && !outputShape) {
        // The kernel span (with output_padding) is shorter than the stride: the spec's SAME output
        // in·stride and ONNX Runtime's (the full size) differ.
        imp.unsupported(ctx, `auto_pad ${autoPad} on spatial axis ${i} with a kernel span ${full - strides[i] * (spatial[i] - 1)} (output_padding included) shorter than the stride ${strides[i]}: the spec's output ${target} and ONNX Runtime's ${full} differ`);
      }
      if (total <= -strides[i]) imp.fail(ctx, `output_shape ${target} on spatial axis ${i} is ${-total} pixels past the full transposed size ${full}: at most stride - 1 = ${strides[i] - 1} more fit input size ${spatial[i]} (ONNX Runtime refuses it too)`);
      // Past the full size (by less than a stride): rows only the bias reaches, at the end, as
      // ONNX Runtime has it whatever auto_pad says.
      const half = Math.floor(total / 2);
      const pb = total < 0 ? 0 : autoPad === 'SAME_UPPER' ? half : total - half;
      begin.push(pb);
      end.push(Math.max(0, total - pb));
      size.push(target);
    }
    if (size[i] < 1) imp.fail(ctx, `spatial axis ${i}: output size ${size[i]} (input ${spatial[i]}, kernel ${kernel[i]}, stride ${strides[i]}, pads ${begin[i]}+${end[i]})`);
  }
  // 1-D: the NHWC form has H = 1.
  const [kh, kw] = n === 1 ? [1, kernel[0]] : kernel;
  const two = (v: number[], h: number) => (n === 1 ? [h, v[0]] : v) as [number, number];
  // [C,M/g,KH,KW] → [M,KH,KW,C/g]: W[gi·C/g + ci][mi] is output channel gi·M/g + mi's input ci.
  const [c, mg] = [ws[0], ws[1]];
  const cg = c / group;
  const m = mg * group;
  const wt = new Float32Array(m * kh * kw * cg);
  for (let ci = 0; ci < c; ci++)
    for (let mi = 0; mi < mg; mi++) {
      const o = Math.floor(ci / cg) * mg + mi;
      for (let k = 0; k < kh * kw; k++) wt[(o * kh * kw + k) * cg + (ci % cg)] = wData[(ci * mg + mi) * kh * kw + k];
    }
  const weights = imp.addConstant(`${ctx.name}/weights`, 'f32', [m, kh, kw, cg], wt);
  let bias: string | undefined;
  if (b !== undefined) {
    const bData = imp.constFloats(ctx, b, 'bias');
    if (bData.length !== m) imp.fail(ctx, `bias has ${bData.length} values, expected ${m}`);
    bias = imp.addConstant(`${ctx.name}/bias`, 'f32', [m], bData.slice());
  }
  const [pt, pl] = two(begin, 0);
  const [pb, pr] = two(end, 0);
  const y = imp.emit(ctx, 'transpose_conv2d', [nhwc, weights, bias], imp.tmp(ctx, 'nhwc'), {
    strides: two(strides, 1), pads: [pt, pl, pb, pr], outputSize: two(size, 1),
    ...(group !== 1 || dilations.some((d) => d !== 1) ? { dilations: two(dilations, 1), group } : {}),
  });
  fromNhwc(imp, ctx, y, n);
};

const globalAveragePool: Lowering = (imp, ctx) => {
  const x = imp.requireInput(ctx, 0, 'X');
  imp.requireFloat(ctx, x);
  const rank = imp.shape(x).length;
  if (rank < 3) imp.fail(ctx, `input must have rank >= 3, got [${imp.shape(x)}]`);
  const axes = Array.from({ length: rank - 2 }, (_, i) => i + 2);
  imp.emit(ctx, 'mean', [x], out(ctx), { axes });
};

function binary(op: 'add' | 'sub' | 'mul' | 'div'): Lowering {
  return (imp, ctx) => {
    const a = imp.requireInput(ctx, 0, 'A');
    const b = imp.requireInput(ctx, 1, 'B');
    imp.requireFloat(ctx, a);
    imp.requireFloat(ctx, b);
    if (imp.opset < 7 && imp.attrInt(ctx, 'broadcast', 0) !== 0 && imp.attr(ctx, 'axis')) {
      imp.unsupported(ctx, 'legacy attribute axis (opset < 7 broadcast)');
    }
    imp.emit(ctx, op, [a, b], out(ctx), {});
  };
}

/** Max / Min: variadic (1..N inputs, numpy broadcasting), a chain of binary maximum / minimum nodes. */
function variadicMinMax(op: 'maximum' | 'minimum'): Lowering {
  return (imp, ctx) => {
    const inputs = (ctx.node.input ?? []).map((_, i) => imp.requireInput(ctx, i, `data_${i}`));
    if (inputs.length === 0) imp.fail(ctx, 'needs at least one input');
    for (const x of inputs) imp.requireFloat(ctx, x);
    if (inputs.length === 1) {
      imp.setAlias(out(ctx), inputs[0]);
      return;
    }
    let acc = inputs[0];
    for (let k = 1; k < inputs.length; k++) {
      const last = k === inputs.length - 1;
      acc = imp.emit(ctx, op, [acc, inputs[k]], last ? out(ctx) : imp.tmp(ctx, `${op}${k}`), {}, last ? {} : { suffix: `${op}${k}` });
    }
  };
}

/**
 * ArgMax / ArgMin: axis, keepdims, select_last_index (opset 12+). ONNX's int64 indices become s32
 * (an index never exceeds a dim); without keepdims a reshape drops the axis.
 */
function argMinMax(op: 'arg_max' | 'arg_min'): Lowering {
  return (imp, ctx) => {
    const x = imp.requireInput(ctx, 0, 'data');
    imp.requireFloat(ctx, x);
    const s = imp.shape(x);
    const axis = normAxis(imp, ctx, imp.attrInt(ctx, 'axis', 0), s.length);
    if (s[axis] === 0) imp.fail(ctx, `axis ${axis} is empty: there is no index to return`);
    const attrs = { axis, selectLastIndex: imp.attrInt(ctx, 'select_last_index', 0) !== 0 };
    if (imp.attrInt(ctx, 'keepdims', 1) !== 0) {
      imp.emit(ctx, op, [x], out(ctx), attrs, { dtype: 's32' });
      return;
    }
    const y = imp.emit(ctx, op, [x], imp.tmp(ctx, op), attrs, { dtype: 's32', suffix: op });
    imp.reshape(ctx, y, s.filter((_, i) => i !== axis), out(ctx));
  };
}

function unary(op: 'sigmoid' | 'tanh' | 'hard_swish'): Lowering {
  return (imp, ctx) => {
    const x = imp.requireInput(ctx, 0, 'X');
    imp.requireFloat(ctx, x);
    imp.emit(ctx, op, [x], out(ctx), {});
  };
}

const relu: Lowering = (imp, ctx) => {
  const x = imp.requireInput(ctx, 0, 'X');
  imp.requireFloat(ctx, x);
  imp.emit(ctx, 'clamp', [x], out(ctx), { min: 0, max: Infinity });
};

const clip: Lowering = (imp, ctx) => {
  const x = imp.requireInput(ctx, 0, 'input');
  imp.requireFloat(ctx, x);
  let min = -Infinity;
  let max = Infinity;
  if (imp.opset < 11) {
    min = imp.attrFloat(ctx, 'min', -Infinity);
    max = imp.attrFloat(ctx, 'max', Infinity);
  } else {
    const lo = imp.input(ctx, 1);
    const hi = imp.input(ctx, 2);
    if (lo !== undefined) min = imp.constScalar(ctx, lo, 'min');
    if (hi !== undefined) max = imp.constScalar(ctx, hi, 'max');
  }
  // ONNX computes min(max(x, lo), hi): with lo > hi every value becomes hi. Say so explicitly, so
  // no kernel has to agree on what an inverted interval means.
  if (min > max) min = max;
  imp.emit(ctx, 'clamp', [x], out(ctx), { min, max });
};

const leakyRelu: Lowering = (imp, ctx) => {
  const x = imp.requireInput(ctx, 0, 'X');
  imp.requireFloat(ctx, x);
  imp.emit(ctx, 'leaky_relu', [x], out(ctx), { alpha: imp.attrFloat(ctx, 'alpha', 0.01) });
};

/** HardSigmoid: clamp(alpha * x + beta, 0, 1). */
const hardSigmoid: Lowering = (imp, ctx) => {
  const x = imp.requireInput(ctx, 0, 'X');
  imp.requireFloat(ctx, x);
  const alpha = imp.addConstant(`${ctx.name}/alpha`, 'f32', [], new Float32Array([imp.attrFloat(ctx, 'alpha', 0.2)]));
  const beta = imp.addConstant(`${ctx.name}/beta`, 'f32', [], new Float32Array([imp.attrFloat(ctx, 'beta', 0.5)]));
  const ax = imp.emit(ctx, 'mul', [x, alpha], imp.tmp(ctx, 'scaled'), {}, { suffix: 'mul' });
  const axb = imp.emit(ctx, 'add', [ax, beta], imp.tmp(ctx, 'shifted'), {}, { suffix: 'add' });
  imp.emit(ctx, 'clamp', [axb], out(ctx), { min: 0, max: 1 });
};

/** PRelu: leaky_relu for one slope; else clamp(x, 0, inf) + slope * clamp(x, -inf, 0). */
const pRelu: Lowering = (imp, ctx) => {
  const x = imp.requireInput(ctx, 0, 'X');
  const slope = imp.requireInput(ctx, 1, 'slope');
  imp.requireFloat(ctx, x);
  imp.requireFloat(ctx, slope);
  const sd = imp.g.tensor(slope).data;
  if (sd && sd.length === 1) {
    imp.emit(ctx, 'leaky_relu', [x], out(ctx), { alpha: Number(sd[0]) });
    return;
  }
  const pos = imp.emit(ctx, 'clamp', [x], imp.tmp(ctx, 'pos'), { min: 0, max: Infinity }, { suffix: 'pos' });
  const neg = imp.emit(ctx, 'clamp', [x], imp.tmp(ctx, 'neg'), { min: -Infinity, max: 0 }, { suffix: 'neg' });
  const scaled = imp.emit(ctx, 'mul', [neg, slope], imp.tmp(ctx, 'scaled'), {}, { suffix: 'mul' });
  imp.emit(ctx, 'add', [pos, scaled], out(ctx), {});
};

const gemm: Lowering = (imp, ctx) => {
  let a = imp.requireInput(ctx, 0, 'A');
  const b = imp.requireInput(ctx, 1, 'B');
  const c = imp.input(ctx, 2);
  imp.requireFloat(ctx, a);
  imp.requireFloat(ctx, b);
  const alpha = imp.attrFloat(ctx, 'alpha', 1);
  const beta = imp.attrFloat(ctx, 'beta', 1);
  const transA = imp.attrInt(ctx, 'transA', 0) !== 0;
  const transB = imp.attrInt(ctx, 'transB', 0) !== 0;
  const as = imp.shape(a);
  const bs = imp.shape(b);
  if (as.length !== 2 || bs.length !== 2) imp.fail(ctx, `A and B must be 2-D, got [${as}] and [${bs}]`);
  if (transA) a = imp.transpose(ctx, a, [1, 0], undefined, 'transpose_a');
  const [m, k] = imp.shape(a);
  const [kb, n] = transB ? [bs[1], bs[0]] : bs;
  if (k !== kb) imp.fail(ctx, `inner dimensions differ: A is [${m},${k}], B gives [${kb},${n}]`);

  // C: folded into the bias when it is a constant that broadcasts as [N].
  let cData: Float32Array | undefined;
  let cShape: number[] = [];
  if (c !== undefined) {
    imp.requireFloat(ctx, c);
    cShape = imp.shape(c);
    const ct = imp.g.tensor(c);
    if (ct.data) cData = ct.data as Float32Array;
  }
  const cIsVector = cData !== undefined && (numel(cShape) === 1 || (cShape[cShape.length - 1] === n && numel(cShape) === n));

  const noC = c === undefined || beta === 0;
  const target = (last: boolean) => (last ? out(ctx) : imp.tmp(ctx, 'gemm'));
  let y: string;
  let addC = !noC;
  if (imp.g.isConstant(b)) {
    // w[N,K] = alpha * (transB ? B : Bᵀ); a constant vector C becomes the bias.
    const bData = imp.constFloats(ctx, b, 'B');
    const w = new Float32Array(n * k);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < k; j++) w[i * k + j] = alpha * (transB ? bData[i * k + j] : bData[j * n + i]);
    const wt = imp.addConstant(`${ctx.name}/weights`, 'f32', [n, k], w);
    let bias: string | undefined;
    if (!noC && cIsVector) {
      const bv = new Float32Array(n);
      for (let i = 0; i < n; i++) bv[i] = beta * cData![cData!.length === 1 ? 0 : i];
      bias = imp.addConstant(`${ctx.name}/bias`, 'f32', [n], bv);
      addC = false;
    }
    y = imp.emit(ctx, 'fully_connected', [a, wt, bias], target(!addC), {});
  } else {
    const bm = transB ? imp.transpose(ctx, b, [1, 0], undefined, 'transpose_b') : b;
    y = imp.emit(ctx, 'matmul', [a, bm], target(!addC && alpha === 1), {}, { suffix: 'matmul' });
    if (alpha !== 1) {
      const al = imp.addConstant(`${ctx.name}/alpha`, 'f32', [], new Float32Array([alpha]));
      y = imp.emit(ctx, 'mul', [y, al], target(!addC), {}, { suffix: 'alpha' });
    }
  }
  if (!addC) return;
  // beta * C, added after (C broadcasts to [M,N]).
  let cScaled = c!;
  if (beta !== 1) {
    if (cData) {
      cScaled = imp.addConstant(`${ctx.name}/c`, 'f32', cShape, cData.map((v) => beta * v));
    } else {
      const bt = imp.addConstant(`${ctx.name}/beta`, 'f32', [], new Float32Array([beta]));
      cScaled = imp.emit(ctx, 'mul', [c!, bt], imp.tmp(ctx, 'beta_c'), {}, { suffix: 'beta' });
    }
  }
  imp.emit(ctx, 'add', [y, cScaled], out(ctx), {}, { suffix: 'c' });
};

const matMul: Lowering = (imp, ctx) => {
  const a = imp.requireInput(ctx, 0, 'A');
  const b = imp.requireInput(ctx, 1, 'B');
  imp.requireFloat(ctx, a);
  imp.requireFloat(ctx, b);
  const as = imp.shape(a);
  const bs = imp.shape(b);
  if (as.length === 0 || bs.length === 0) imp.fail(ctx, 'operands must not be scalars');
  const k = as[as.length - 1];
  const kb = bs.length === 1 ? bs[0] : bs[bs.length - 2];
  if (k !== kb) imp.fail(ctx, `inner dimensions differ: [${as}] x [${bs}]`);

  if (imp.g.isConstant(b) && bs.length === 2) {
    const n = bs[1];
    const bData = imp.constFloats(ctx, b, 'B');
    const w = new Float32Array(n * k);
    for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) w[i * k + j] = bData[j * n + i];
    const wt = imp.addConstant(`${ctx.name}/weights`, 'f32', [n, k], w);
    const want = [...as.slice(0, -1), n];
    if (as.length === 2) {
      imp.emit(ctx, 'fully_connected', [a, wt, undefined], out(ctx), {});
    } else {
      const y = imp.emit(ctx, 'fully_connected', [a, wt, undefined], imp.tmp(ctx, 'fc'), {});
      imp.reshape(ctx, y, want, out(ctx));
    }
    return;
  }
  // General case: numpy matmul; 1-D operands are promoted to matrices and the added dim removed.
  const a2 = as.length === 1 ? imp.reshape(ctx, a, [1, k]) : a;
  const b2 = bs.length === 1 ? imp.reshape(ctx, b, [k, 1]) : b;
  if (as.length >= 2 && bs.length >= 2) {
    imp.emit(ctx, 'matmul', [a2, b2], out(ctx), {});
    return;
  }
  const y = imp.emit(ctx, 'matmul', [a2, b2], imp.tmp(ctx, 'matmul'), {});
  const ys = imp.shape(y);
  let want = ys;
  if (as.length === 1) want = [...want.slice(0, -2), want[want.length - 1]];
  if (bs.length === 1) want = want.slice(0, -1);
  imp.reshape(ctx, y, want, out(ctx));
};

const concat: Lowering = (imp, ctx) => {
  const inputs = (ctx.node.input ?? []).map((_, i) => imp.requireInput(ctx, i, `input ${i}`));
  if (inputs.length === 0) imp.fail(ctx, 'needs at least one input');
  const axisAttr = imp.attr(ctx, 'axis');
  if (!axisAttr && imp.opset >= 4) imp.fail(ctx, 'attribute axis is required');
  const rank = imp.shape(inputs[0]).length;
  const axis = normAxis(imp, ctx, axisAttr ? toNumber(axisAttr.i) : 1, rank);
  if (inputs.every((i) => imp.g.isConstant(i))) {
    // Shape arithmetic (e.g. PyTorch's Shape → Gather → Concat → Reshape): compute it now.
    const ts = inputs.map((i) => imp.g.tensor(i));
    if (ts.some((t) => t.dtype !== ts[0].dtype || t.shape.length !== rank)) imp.fail(ctx, 'inputs differ in dtype or rank');
    const shape = [...ts[0].shape];
    shape[axis] = ts.reduce((sum, t) => sum + t.shape[axis], 0);
    const starts = ts.map((_, k) => ts.slice(0, k).reduce((sum, t) => sum + t.shape[axis], 0));
    const data = mapConstant(ts[0].data!, shape, (c) => {
      let k = 0;
      while (k + 1 < ts.length && c[axis] >= starts[k + 1]) k++;
      const local = [...c];
      local[axis] -= starts[k];
      return { src: ts[k].data!, index: flatIndex(local, ts[k].shape) };
    });
    imp.g.addTensor({ name: out(ctx), dtype: ts[0].dtype, shape, data });
    return;
  }
  for (const i of inputs) imp.requireFloat(ctx, i);
  imp.emit(ctx, 'concat', inputs, out(ctx), { axis });
};

function flatIndex(coords: number[], shape: number[]): number {
  let idx = 0;
  for (let d = 0; d < shape.length; d++) idx = idx * shape[d] + coords[d];
  return idx;
}

/** Builds a constant of `shape` whose element at each coordinate is read from `pick(coords)`. */
function mapConstant(like: TensorData, shape: number[], pick: (coords: number[]) => { src: TensorData; index: number }): TensorData {
  const n = numel(shape);
  const outData = new (like.constructor as { new (n: number): TensorData })(n);
  const coords = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < n; o++) {
    const { src, index } = pick(coords);
    (outData as Float32Array)[o] = (src as Float32Array)[index];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++coords[d] < shape[d]) break;
      coords[d] = 0;
    }
  }
  return outData;
}

/**
 * One slice of x: per dim, size[d] elements from begin[d] every step[d] (resolved, in range). A
 * constant is sliced now; a run-time tensor gets an IR strided_slice, or is the same tensor when the
 * slice keeps every element in order.
 */
function sliceOf(imp: OnnxImporter, ctx: OnnxNodeContext, x: string, begin: number[], step: number[], size: number[], output: string, suffix = 'slice'): string {
  const t = imp.g.tensor(x);
  if (t.data) {
    const src = t.data;
    const data = mapConstant(src, size, (c) => ({ src, index: flatIndex(c.map((v, d) => begin[d] + v * step[d]), t.shape) }));
    imp.g.addTensor({ name: output, dtype: t.dtype, shape: size, data });
    return output;
  }
  imp.requireFloat(ctx, x);
  if (t.shape.every((d, i) => size[i] === d && (begin[i] === 0 || d === 0) && (step[i] === 1 || d <= 1))) {
    return imp.reshape(ctx, x, [...size], output);
  }
  return imp.emit(ctx, 'strided_slice', [x], output, { begin, strides: step, size }, { suffix });
}

/** The whole of x but `count` elements from `start` along `axis`. */
function axisSlice(imp: OnnxImporter, ctx: OnnxNodeContext, x: string, axis: number, start: number, count: number, step: number, output: string, suffix?: string): string {
  const s = imp.shape(x);
  const begin = s.map((_, d) => (d === axis ? start : 0));
  const steps = s.map((_, d) => (d === axis ? step : 1));
  const size = s.map((n, d) => (d === axis ? count : n));
  return sliceOf(imp, ctx, x, begin, steps, size, output, suffix);
}

/**
 * Gather with constant indices. Constant data is computed at import; on a run-time tensor each run
 * of equally spaced indices is a strided_slice along the axis (several are concatenated), then a
 * reshape gives the output its indices' shape (a scalar index drops the axis). Data moves, values
 * and (after PTQ) the scale are kept.
 */
const gather: Lowering = (imp, ctx) => {
  const data = imp.requireInput(ctx, 0, 'data');
  const indices = imp.requireInput(ctx, 1, 'indices');
  const dt = imp.g.tensor(data);
  if (!imp.g.isConstant(indices)) imp.unsupported(ctx, 'Gather with indices computed at run time');
  const it = imp.g.tensor(indices);
  const rank = dt.shape.length;
  const axis = normAxis(imp, ctx, imp.attrInt(ctx, 'axis', 0), rank);
  const dim = dt.shape[axis];
  const idx = imp.constInts(ctx, indices, 'indices').map((v) => {
    const i = v < 0 ? v + dim : v;
    if (!(i >= 0 && i < dim)) imp.fail(ctx, `index ${v} is out of range for dimension ${dim}`);
    return i;
  });
  const ir = it.shape.length;
  const shape = [...dt.shape.slice(0, axis), ...it.shape, ...dt.shape.slice(axis + 1)];
  if (dt.data) {
    const src = dt.data;
    const outData = mapConstant(src, shape, (c) => {
      const sel = idx[flatIndex(c.slice(axis, axis + ir), it.shape)];
      return { src, index: flatIndex([...c.slice(0, axis), sel, ...c.slice(axis + ir)], dt.shape) };
    });
    imp.g.addTensor({ name: out(ctx), dtype: dt.dtype, shape, data: outData });
    return;
  }
  imp.requireFloat(ctx, data);
  if (idx.length === 0) imp.unsupported(ctx, 'Gather with no indices (an empty output)');
  const runs = indexRuns(idx);
  if (runs.length > MAX_GATHER_RUNS) {
    imp.unsupported(ctx, `Gather of ${idx.length} indices in ${runs.length} runs of equally spaced values (at most ${MAX_GATHER_RUNS})`);
  }
  // Indices of rank 1 keep the input's rank: the gathered tensor is the output itself.
  const gatheredShape = dt.shape.map((n, d) => (d === axis ? idx.length : n));
  const direct = gatheredShape.length === shape.length && gatheredShape.every((d, i) => d === shape[i]);
  const gathered = direct ? out(ctx) : imp.tmp(ctx, 'gathered');
  if (runs.length === 1) {
    axisSlice(imp, ctx, data, axis, runs[0].start, runs[0].count, runs[0].step, gathered);
  } else {
    const parts = runs.map((r, k) => axisSlice(imp, ctx, data, axis, r.start, r.count, r.step, imp.tmp(ctx, `run${k}`), `run${k}`));
    imp.emit(ctx, 'concat', parts, gathered, { axis });
  }
  if (!direct) imp.reshape(ctx, gathered, shape, out(ctx));
};

/** Slice: constant starts/ends/axes/steps (negative indices count from the end, then clamped). */
const slice: Lowering = (imp, ctx) => {
  const data = imp.requireInput(ctx, 0, 'data');
  const dt = imp.g.tensor(data);
  const rank = dt.shape.length;
  let starts: number[];
  let ends: number[];
  let axes: number[] | undefined;
  let steps: number[] | undefined;
  if (imp.opset < 10) {
    starts = imp.attrInts(ctx, 'starts') ?? imp.fail(ctx, 'attribute starts is required');
    ends = imp.attrInts(ctx, 'ends') ?? imp.fail(ctx, 'attribute ends is required');
    axes = imp.attrInts(ctx, 'axes');
  } else {
    starts = imp.constInts(ctx, imp.requireInput(ctx, 1, 'starts'), 'starts');
    ends = imp.constInts(ctx, imp.requireInput(ctx, 2, 'ends'), 'ends');
    const ax = imp.input(ctx, 3);
    const st = imp.input(ctx, 4);
    if (ax !== undefined) axes = imp.constInts(ctx, ax, 'axes');
    if (st !== undefined) steps = imp.constInts(ctx, st, 'steps');
  }
  if (ends.length !== starts.length) imp.fail(ctx, `starts has ${starts.length} values, ends ${ends.length}`);
  if (axes && axes.length !== starts.length) imp.fail(ctx, `axes has ${axes.length} values, starts ${starts.length}`);
  if (steps && steps.length !== starts.length) imp.fail(ctx, `steps has ${steps.length} values, starts ${starts.length}`);
  axes = (axes ?? starts.map((_, i) => i)).map((a) => normAxis(imp, ctx, a, rank));
  if (new Set(axes).size !== axes.length) imp.fail(ctx, `axes [${axes}] repeat an axis`);
  const begin = dt.shape.map(() => 0);
  const step = dt.shape.map(() => 1);
  const shape = [...dt.shape];
  axes.forEach((a, k) => {
    const dim = dt.shape[a];
    const st = steps?.[k] ?? 1;
    if (st === 0) imp.fail(ctx, 'steps must not be 0');
    let s = starts[k] < 0 ? starts[k] + dim : starts[k];
    let e = ends[k] < 0 ? ends[k] + dim : ends[k];
    if (st > 0) {
      s = Math.min(Math.max(s, 0), dim);
      e = Math.min(Math.max(e, 0), dim);
    } else {
      s = Math.min(Math.max(s, 0), dim - 1);
      e = Math.min(Math.max(e, -1), dim - 1);
    }
    const count = Math.max(0, Math.ceil((e - s) / st));
    begin[a] = count > 0 ? s : 0;
    step[a] = st;
    shape[a] = count;
  });
  sliceOf(imp, ctx, data, begin, step, shape, out(ctx));
};

/**
 * Split into consecutive parts along `axis`: sizes from the `split` attribute (opset < 13) or input
 * (13+), else equal parts (opset 18: num_outputs parts of ceil(dim / n), the last one smaller).
 */
const split: Lowering = (imp, ctx) => {
  const x = imp.requireInput(ctx, 0, 'input');
  const s = imp.shape(x);
  const axis = normAxis(imp, ctx, imp.attrInt(ctx, 'axis', 0), s.length);
  const dim = s[axis];
  const outputs = ctx.node.output ?? [];
  let sizes: number[] | undefined;
  if (imp.opset < 13) sizes = imp.attrInts(ctx, 'split');
  else {
    const sp = imp.input(ctx, 1);
    if (sp !== undefined) sizes = imp.constInts(ctx, sp, 'split');
  }
  if (!sizes) {
    const n = imp.opset >= 18 ? imp.attrInt(ctx, 'num_outputs', 0) : outputs.length;
    if (imp.opset >= 18 && n === 0) imp.fail(ctx, 'needs the split input or attribute num_outputs');
    if (n !== outputs.length) imp.fail(ctx, `num_outputs is ${n} but the node has ${outputs.length} outputs`);
    if (imp.opset < 18 && dim % n !== 0) imp.fail(ctx, `dimension ${dim} of axis ${axis} does not split into ${n} equal parts`);
    const chunk = Math.ceil(dim / n);
    sizes = outputs.map((_, k) => Math.max(0, Math.min(chunk, dim - k * chunk)));
  }
  if (sizes.length !== outputs.length) imp.fail(ctx, `split has ${sizes.length} sizes for ${outputs.length} outputs`);
  if (sizes.some((n) => n < 0) || sizes.reduce((a, b) => a + b, 0) !== dim) {
    imp.fail(ctx, `split sizes [${sizes}] do not add up to dimension ${dim} of axis ${axis}`);
  }
  let start = 0;
  sizes.forEach((n, k) => {
    if (outputs[k]) axisSlice(imp, ctx, x, axis, n > 0 ? start : 0, n, 1, outputs[k], `split${k}`);
    start += n;
  });
};

/**
 * DepthToSpace (modes DCR and CRD) and SpaceToDepth: NCHW → NHWC, the reshape → transpose → reshape
 * of converter/import/space-depth.ts, → NCHW. The layout transposes cancel against neighbours.
 */
function spaceDepth(kind: 'DepthToSpace' | 'SpaceToDepth'): Lowering {
  return (imp, ctx) => {
    const x = imp.requireInput(ctx, 0, 'input');
    imp.requireFloat(ctx, x);
    if (imp.shape(x).length !== 4) imp.fail(ctx, `input must be N,C,H,W, got [${imp.shape(x)}]`);
    const block = imp.attrInt(ctx, 'blocksize', 0);
    const mode = kind === 'DepthToSpace' ? imp.attrString(ctx, 'mode', 'DCR') : 'DCR';
    if (mode !== 'DCR' && mode !== 'CRD') imp.fail(ctx, `attribute mode='${mode}' is neither DCR nor CRD`);
    const { nhwc } = toNhwc(imp, ctx, x);
    const xs = imp.shape(nhwc);
    const plan = kind === 'DepthToSpace' ? depthToSpacePlan(xs, block, mode as 'DCR' | 'CRD') : spaceToDepthPlan(xs, block);
    if (typeof plan === 'string') return imp.fail(ctx, plan);
    const view = imp.reshape(ctx, nhwc, plan.view);
    const moved = imp.transpose(ctx, view, plan.perm, undefined, 'shuffle');
    fromNhwc(imp, ctx, imp.reshape(ctx, moved, plan.output), 2);
  };
}

const pad: Lowering = (imp, ctx) => {
  const x = imp.requireInput(ctx, 0, 'data');
  imp.requireFloat(ctx, x);
  const rank = imp.shape(x).length;
  const mode = imp.attrString(ctx, 'mode', 'constant');
  if (!['constant', 'edge', 'reflect', 'wrap'].includes(mode)) imp.unsupported(ctx, `attribute mode='${mode}'`);
  let pads: number[];
  let value = 0;
  let axes = Array.from({ length: rank }, (_, i) => i);
  if (imp.opset < 11) {
    pads = imp.attrInts(ctx, imp.opset < 2 ? 'paddings' : 'pads') ?? imp.fail(ctx, 'attribute pads is required');
    value = imp.attrFloat(ctx, 'value', 0);
  } else {
    pads = imp.constInts(ctx, imp.requireInput(ctx, 1, 'pads'), 'pads');
    const cv = imp.input(ctx, 2);
    if (cv !== undefined) value = imp.constScalar(ctx, cv, 'constant_value');
    const ax = imp.input(ctx, 3);
    if (ax !== undefined) axes = imp.constInts(ctx, ax, 'axes').map((a) => normAxis(imp, ctx, a, rank, 'pad axis'));
  }
  if (pads.length !== 2 * axes.length) imp.fail(ctx, `pads has ${pads.length} values, expected ${2 * axes.length}`);
  if (pads.some((p) => p < 0)) imp.unsupported(ctx, `negative pads [${pads}] (cropping)`);
  const begin = new Array(rank).fill(0);
  const end = new Array(rank).fill(0);
  axes.forEach((a, i) => {
    begin[a] = pads[i];
    end[a] = pads[i + axes.length];
  });
  imp.emit(ctx, 'pad', [x], out(ctx), { mode: mode as PadMode, value, begin, end });
};

const transpose: Lowering = (imp, ctx) => {
  const x = imp.requireInput(ctx, 0, 'data');
  const rank = imp.shape(x).length;
  const perm = imp.attrInts(ctx, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const sorted = [...perm].sort((p, q) => p - q);
  if (perm.length !== rank || sorted.some((p, i) => p !== i)) imp.fail(ctx, `perm [${perm}] is not a permutation of rank ${rank}`);
  if (!imp.g.isConstant(x)) imp.requireFloat(ctx, x);
  imp.transpose(ctx, x, perm, out(ctx), 'transpose');
};

const reshape: Lowering = (imp, ctx) => {
  const x = imp.requireInput(ctx, 0, 'data');
  const inShape = imp.shape(x);
  const requested = imp.opset < 5
    ? imp.attrInts(ctx, 'shape') ?? imp.fail(ctx, 'attribute shape is required')
    : imp.constInts(ctx, imp.requireInput(ctx, 1, 'shape'), 'shape');
  const allowZero = imp.attrInt(ctx, 'allowzero', 0) !== 0;
  const shape = requested.map((d, i) => {
    if (d === 0 && !allowZero) {
      if (i >= inShape.length) imp.fail(ctx, `shape [${requested}] copies dim ${i}, input has rank ${inShape.length}`);
      return inShape[i];
    }
    return d;
  });
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1) imp.fail(ctx, `shape [${requested}] has more than one -1`);
  if (shape.some((d) => d < -1)) imp.fail(ctx, `shape [${requested}] has an invalid dimension`);
  if (unknown === 1) {
    const known = numel(shape.filter((d) => d !== -1));
    const total = numel(inShape);
    if (known === 0 || total % known !== 0) imp.fail(ctx, `cannot reshape [${inShape}] to [${requested}]`);
    shape[shape.indexOf(-1)] = total / known;
  }
  if (!imp.g.isConstant(x)) imp.requireFloat(ctx, x);
  imp.reshape(ctx, x, shape, out(ctx));
};

const flatten: Lowering = (imp, ctx) => {
  const x = imp.requireInput(ctx, 0, 'input');
  const s = imp.shape(x);
  const axisRaw = imp.attrInt(ctx, 'axis', 1);
  const axis = axisRaw < 0 ? axisRaw + s.length : axisRaw;
  if (!(axis >= 0 && axis <= s.length)) imp.fail(ctx, `axis ${axisRaw} is out of range for rank ${s.length}`);
  if (!imp.g.isConstant(x)) imp.requireFloat(ctx, x);
  imp.reshape(ctx, x, [numel(s.slice(0, axis)), numel(s.slice(axis))], out(ctx));
};

const squeeze: Lowering = (imp, ctx) => {
  const x = imp.requireInput(ctx, 0, 'data');
  const s = imp.shape(x);
  let axes: number[] | undefined;
  if (imp.opset < 13) axes = imp.attrInts(ctx, 'axes');
  else {
    const ax = imp.input(ctx, 1);
    if (ax !== undefined) axes = imp.constInts(ctx, ax, 'axes');
  }
  const drop = new Set((axes ?? s.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) => normAxis(imp, ctx, a, s.length)));
  for (const a of drop) if (s[a] !== 1) imp.fail(ctx, `cannot squeeze axis ${a} of size ${s[a]}`);
  if (!imp.g.isConstant(x)) imp.requireFloat(ctx, x);
  imp.reshape(ctx, x, s.filter((_, i) => !drop.has(i)), out(ctx));
};

const unsqueeze: Lowering = (imp, ctx) => {
  const x = imp.requireInput(ctx, 0, 'data');
  const s = imp.shape(x);
  const axes = imp.opset < 13
    ? imp.attrInts(ctx, 'axes') ?? imp.fail(ctx, 'attribute axes is required')
    : imp.constInts(ctx, imp.requireInput(ctx, 1, 'axes'), 'axes');
  const rank = s.length + axes.length;
  const added = new Set(axes.map((a) => normAxis(imp, ctx, a, rank)));
  if (added.size !== axes.length) imp.fail(ctx, `axes [${axes}] has duplicates`);
  const shape: number[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) shape.push(added.has(i) ? 1 : s[j++]);
  if (!imp.g.isConstant(x)) imp.requireFloat(ctx, x);
  imp.reshape(ctx, x, shape, out(ctx));
};

const softmax: Lowering = (imp, ctx) => {
  const x = imp.requireInput(ctx, 0, 'input');
  imp.requireFloat(ctx, x);
  const s = imp.shape(x);
  if (imp.opset >= 13) {
    const axis = normAxis(imp, ctx, imp.attrInt(ctx, 'axis', -1), s.length);
    imp.emit(ctx, 'softmax', [x], out(ctx), { axis, beta: 1 });
    return;
  }
  // Before opset 13, Softmax flattens the input to 2-D at `axis` and normalizes each row.
  const axis = imp.attrInt(ctx, 'axis', 1);
  const a = axis < 0 ? axis + s.length : axis;
  if (!(a >= 0 && a <= s.length)) imp.fail(ctx, `axis ${axis} is out of range for rank ${s.length}`);
  const flat = [numel(s.slice(0, a)), numel(s.slice(a))];
  if (s.length === 2 && a === 1) {
    imp.emit(ctx, 'softmax', [x], out(ctx), { axis: 1, beta: 1 });
    return;
  }
  const x2 = imp.reshape(ctx, x, flat);
  const y2 = imp.emit(ctx, 'softmax', [x2], imp.tmp(ctx, 'softmax'), { axis: 1, beta: 1 });
  imp.reshape(ctx, y2, [...s], out(ctx));
};

/**
 * ReduceMean, ReduceMax, ReduceMin, ReduceSum: axes as an attribute before opset 18 (ReduceSum: 13),
 * as an input from then on;
 * keepdims (a reshape drops the reduced dims); no axes reduce all of them unless
 * noop_with_empty_axes makes the op an identity.
 */
const reduce = (op: 'mean' | 'reduce_max' | 'reduce_min' | 'reduce_sum', axesInputFrom = 18): Lowering => (imp, ctx) => {
  const x = imp.requireInput(ctx, 0, 'data');
  imp.requireFloat(ctx, x);
  const s = imp.shape(x);
  let axes: number[] | undefined;
  if (imp.opset < axesInputFrom) axes = imp.attrInts(ctx, 'axes');
  else {
    const ax = imp.input(ctx, 1);
    if (ax !== undefined) axes = imp.constInts(ctx, ax, 'axes');
  }
  const keep = imp.attrInt(ctx, 'keepdims', 1) !== 0;
  if ((axes === undefined || axes.length === 0) && imp.attrInt(ctx, 'noop_with_empty_axes', 0) !== 0) {
    imp.reshape(ctx, x, [...s], out(ctx));
    return;
  }
  const norm = [...new Set((axes && axes.length > 0 ? axes : s.map((_, i) => i)).map((a) => normAxis(imp, ctx, a, s.length)))].sort();
  if (keep) {
    imp.emit(ctx, op, [x], out(ctx), { axes: norm });
    return;
  }
  const y = imp.emit(ctx, op, [x], imp.tmp(ctx, op), { axes: norm });
  imp.reshape(ctx, y, s.filter((_, i) => !norm.includes(i)), out(ctx));
};

const batchNormalization: Lowering = (imp, ctx) => {
  if (imp.attrInt(ctx, 'training_mode', 0) !== 0) imp.unsupported(ctx, 'attribute training_mode=1');
  singleOutput(imp, ctx, 'training outputs (running mean/var)');
  if (imp.opset < 9 && imp.attrInt(ctx, 'spatial', 1) !== 1) imp.unsupported(ctx, 'attribute spatial=0');
  const x = imp.requireInput(ctx, 0, 'X');
  imp.requireFloat(ctx, x);
  const names = ['scale', 'B', 'input_mean', 'input_var'];
  const params = names.map((n, i) => imp.requireInput(ctx, i + 1, n));
  const s = imp.shape(x);
  if (s.length < 2) imp.fail(ctx, `input must have rank >= 2, got [${s}]`);
  params.forEach((p, i) => {
    const d = imp.constFloats(ctx, p, names[i]);
    if (d.length !== s[1]) imp.fail(ctx, `${names[i]} has ${d.length} values, expected ${s[1]} channels`);
  });
  imp.emit(ctx, 'batch_norm', [x, ...params], out(ctx), { epsilon: imp.attrFloat(ctx, 'epsilon', 1e-5), axis: 1 });
};

const identity: Lowering = (imp, ctx) => {
  const x = imp.requireInput(ctx, 0, 'input');
  imp.setAlias(out(ctx), x);
};

const dropout: Lowering = (imp, ctx) => {
  const x = imp.requireInput(ctx, 0, 'data');
  if ((ctx.node.output ?? [])[1]) imp.unsupported(ctx, 'output mask');
  const tm = imp.input(ctx, 2);
  if (tm !== undefined && imp.constScalar(ctx, tm, 'training_mode') !== 0) imp.unsupported(ctx, 'training_mode=true');
  imp.setAlias(out(ctx), x);
};

const constant: Lowering = (imp, ctx) => {
  const attrs = ctx.node.attribute ?? [];
  const a = attrs[0];
  if (!a || attrs.length !== 1) imp.fail(ctx, 'needs exactly one value attribute');
  const name = out(ctx);
  switch (a.name) {
    case 'value': {
      const t = tensorFromProto(a.t ?? imp.fail(ctx, 'attribute value holds no tensor'), `Constant '${ctx.name}' value`);
      imp.g.addTensor({ name, dtype: t.dtype, shape: t.shape, data: t.data });
      return;
    }
    case 'value_float':
      imp.g.addTensor({ name, dtype: 'f32', shape: [], data: new Float32Array([a.f ?? 0]) });
      return;
    case 'value_floats':
      imp.g.addTensor({ name, dtype: 'f32', shape: [(a.floats ?? []).length], data: Float32Array.from(a.floats ?? []) });
      return;
    case 'value_int':
      imp.g.addTensor({ name, dtype: 'i64', shape: [], data: BigInt64Array.from([BigInt((a.i ?? 0).toString())]) });
      return;
    case 'value_ints':
      imp.g.addTensor({ name, dtype: 'i64', shape: [(a.ints ?? []).length], data: BigInt64Array.from((a.ints ?? []).map((v) => BigInt(v.toString()))) });
      return;
  }
  imp.unsupported(ctx, `attribute ${a.name}`);
};

/** Cast and CastLike: a no-op between equal dtypes; computed at import time on constants. */
function cast(likeInput: boolean): Lowering {
  return (imp, ctx) => {
    const x = imp.requireInput(ctx, 0, 'input');
    let to: DType;
    if (likeInput) to = imp.dtype(imp.requireInput(ctx, 1, 'target_type'));
    else {
      const code = imp.attrInt(ctx, 'to', 0);
      to = dtypeFromOnnx(code) ?? imp.unsupported(ctx, `cast to ${onnxDtypeName(code)}`);
    }
    const from = imp.dtype(x);
    if (from === to) {
      imp.setAlias(out(ctx), x);
      return;
    }
    const t = imp.g.tensor(x);
    const data = t.data ?? imp.unsupported(ctx, `cast of a computed tensor from ${dtypeDisplay(from)} to ${dtypeDisplay(to)}`);
    imp.g.addTensor({ name: out(ctx), dtype: to, shape: [...t.shape], data: castData(data, to) });
  };
}

function castData(src: TensorData, to: DType): TensorData {
  const values = Array.from(src as ArrayLike<number | bigint>, (v) => Number(v));
  switch (to) {
    case 'f32': return Float32Array.from(values);
    case 's8': return Int8Array.from(values.map(Math.trunc));
    case 'u8': return Uint8Array.from(values.map(Math.trunc));
    case 'bool': return Uint8Array.from(values.map((v) => (v !== 0 ? 1 : 0)));
    case 's16': return Int16Array.from(values.map(Math.trunc));
    case 's32': return Int32Array.from(values.map(Math.trunc));
    case 'i64': return BigInt64Array.from(values.map((v) => BigInt(Math.trunc(v))));
  }
}

/** Shape of a statically shaped tensor: a constant. */
const shapeOp: Lowering = (imp, ctx) => {
  const x = imp.requireInput(ctx, 0, 'data');
  const s = imp.shape(x);
  let start = imp.attrInt(ctx, 'start', 0);
  let end = imp.attrInt(ctx, 'end', s.length);
  const clampIdx = (i: number) => Math.min(s.length, Math.max(0, i < 0 ? i + s.length : i));
  start = clampIdx(start);
  end = clampIdx(end);
  const dims = s.slice(start, Math.max(start, end));
  imp.g.addTensor({ name: out(ctx), dtype: 'i64', shape: [dims.length], data: BigInt64Array.from(dims.map((d) => BigInt(d))) });
};

const LOWERINGS: Record<string, Lowering> = {
  Conv: conv,
  ConvTranspose: convTranspose,
  GlobalAveragePool: globalAveragePool,
  Gemm: gemm,
  MatMul: matMul,
  Add: binary('add'),
  Sub: binary('sub'),
  Mul: binary('mul'),
  Div: binary('div'),
  Max: variadicMinMax('maximum'),
  Min: variadicMinMax('minimum'),
  ArgMax: argMinMax('arg_max'),
  ArgMin: argMinMax('arg_min'),
  Relu: relu,
  Clip: clip,
  LeakyRelu: leakyRelu,
  Sigmoid: unary('sigmoid'),
  Tanh: unary('tanh'),
  HardSwish: unary('hard_swish'),
  HardSigmoid: hardSigmoid,
  PRelu: pRelu,
  ReduceMean: reduce('mean'),
  ReduceMax: reduce('reduce_max'),
  ReduceSum: reduce('reduce_sum', 13),
  ReduceMin: reduce('reduce_min'),
  Concat: concat,
  Pad: pad,
  Transpose: transpose,
  Reshape: reshape,
  Flatten: flatten,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Softmax: softmax,
  BatchNormalization: batchNormalization,
  Identity: identity,
  Dropout: dropout,
  Constant: constant,
  Cast: cast(false),
  CastLike: cast(true),
  Shape: shapeOp,
  Gather: gather,
  Slice: slice,
  Split: split,
  DepthToSpace: spaceDepth('DepthToSpace'),
  SpaceToDepth: spaceDepth('SpaceToDepth'),
  ...quantLowerings(lowerOnnxNode),
  ...resizeLowerings,
  ...poolLowerings,
  ...mathLowerings,
  ...logicLowerings,
};

/** Lowers one ONNX node, or throws ConvertError naming it when the op is not supported. */
export function lowerOnnxNode(imp: OnnxImporter, ctx: OnnxNodeContext): void {
  const lower = LOWERINGS[ctx.opType];
  if (!lower) imp.unsupported(ctx);
  lower(imp, ctx);
}

export const SUPPORTED_ONNX_OPS = Object.keys(LOWERINGS);
