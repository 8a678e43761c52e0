// ONNX elementwise math ops → the `unary` op (format.ts UNARY_*): one node each, float only (PTQ
// turns each into a `lut`). Pow with a constant scalar exponent becomes the function it names;
// LogSoftmax is lowered onto reduce_max, sub, exp, reduce_sum and log.
import type { UnaryAttrs, UnaryFunction } from '../ir/graph.js';
import type { OnnxImporter, OnnxNodeContext } from './onnx.js';

type Lowering = (imp: OnnxImporter, ctx: OnnxNodeContext) => void;

function emitUnary(imp: OnnxImporter, ctx: OnnxNodeContext, attrs: UnaryAttrs): void {
  const x = imp.requireInput(ctx, 0, 'X');
  imp.requireFloat(ctx, x);
  imp.emit(ctx, 'unary', [x], ctx.node.output![0], attrs);
}

const plain = (fn: UnaryFunction): Lowering => (imp, ctx) => emitUnary(imp, ctx, { fn });

// Selu's defaults, as the ONNX spec gives them (float32 values).
const SELU_ALPHA = 1.67326319217681884765625;
const SELU_GAMMA = 1.05070102214813232421875;

const celu: Lowering = (imp, ctx) => {
  const alpha = imp.attrFloat(ctx, 'alpha', 1);
  if (alpha === 0) imp.fail(ctx, 'alpha 0 (Celu divides by alpha)');
  emitUnary(imp, ctx, { fn: 'celu', alpha });
};

const gelu: Lowering = (imp, ctx) => {
  const approximate = imp.attrString(ctx, 'approximate', 'none');
  if (approximate !== 'none' && approximate !== 'tanh') imp.fail(ctx, `approximate '${approximate}' (the spec has 'none' and 'tanh')`);
  emitUnary(imp, ctx, { fn: approximate === 'tanh' ? 'gelu_tanh' : 'gelu' });
};

/** Pow(x, e) for a constant scalar e the runtime has a function for; x^1 is x. */
const POW_FUNCTIONS = new Map<number, UnaryFunction>([[2, 'square'], [0.5, 'sqrt'], [-1, 'reciprocal'], [-0.5, 'rsqrt']]);
const pow: Lowering = (imp, ctx) => {
  const x = imp.requireInput(ctx, 0, 'X');
  imp.requireFloat(ctx, x);
  const yName = imp.requireInput(ctx, 1, 'Y');
  if (!imp.g.isConstant(yName)) imp.unsupported(ctx, 'Pow with a non-constant exponent (a constant scalar 2, 0.5, -1, -0.5 or 1 is supported)');
  const e = imp.constScalar(ctx, yName, 'exponent Y');
  if (e === 1) {
    imp.setAlias(ctx.node.output![0], x);
    return;
  }
  const fn = POW_FUNCTIONS.get(e);
  if (!fn) imp.unsupported(ctx, `Pow with exponent ${e} (supported: 2, 0.5, -1, -0.5, 1)`);
  imp.emit(ctx, 'unary', [x], ctx.node.output![0], { fn: fn! });
};

/**
 * LogSoftmax → x − m − log Σ exp(x − m), m = max over the axes (reduce_max, sub, unary exp,
 * reduce_sum, unary log, sub): each step exact to f32 rounding, which keeps the result within the
 * conformance tolerance even for large inputs (the ONNX function body is the same sequence). From
 * opset 13 one axis; before, the axes from `axis` on (the input flattened to 2-D there).
 */
const logSoftmax: Lowering = (imp, ctx) => {
  const x = imp.requireInput(ctx, 0, 'input');
  imp.requireFloat(ctx, x);
  const rank = imp.shape(x).length;
  const axis = imp.attrInt(ctx, 'axis', imp.opset >= 13 ? -1 : 1);
  const a = axis < 0 ? axis + rank : axis;
  if (!(a >= 0 && a < rank)) imp.fail(ctx, `axis ${axis} is out of range for rank ${rank}`);
  const axes = imp.opset >= 13 ? [a] : Array.from({ length: rank - a }, (_, i) => a + i);
  const step = <K extends 'reduce_max' | 'sub' | 'unary' | 'reduce_sum'>(op: K, inputs: string[], name: string, attrs: unknown) =>
    imp.emit(ctx, op, inputs, imp.tmp(ctx, name), attrs as never, { suffix: name });
  const m = step('reduce_max', [x], 'max', { axes });
  const d = step('sub', [x, m], 'shifted', {});
  const e = step('unary', [d], 'exp', { fn: 'exp' });
  const s = step('reduce_sum', [e], 'sum', { axes });
  const l = step('unary', [s], 'log', { fn: 'log' });
  imp.emit(ctx, 'sub', [d, l], ctx.node.output![0], {});
};

export const mathLowerings: Record<string, Lowering> = {
  Exp: plain('exp'),
  Log: plain('log'),
  Sqrt: plain('sqrt'),
  Abs: plain('abs'),
  Neg: plain('neg'),
  Reciprocal: plain('reciprocal'),
  Erf: plain('erf'),
  Softplus: plain('softplus'),
  Elu: (imp, ctx) => emitUnary(imp, ctx, { fn: 'elu', alpha: imp.attrFloat(ctx, 'alpha', 1) }),
  Selu: (imp, ctx) => emitUnary(imp, ctx, { fn: 'selu', alpha: imp.attrFloat(ctx, 'alpha', SELU_ALPHA), gamma: imp.attrFloat(ctx, 'gamma', SELU_GAMMA) }),
  Celu: celu,
  Gelu: gelu,
  Mish: plain('mish'),
  Softsign: plain('softsign'),
  Floor: plain('floor'),
  Ceil: plain('ceil'),
  Round: plain('round'),
  Sin: plain('sin'),
  Cos: plain('cos'),
  Pow: pow,
  LogSoftmax: logSoftmax,
};
