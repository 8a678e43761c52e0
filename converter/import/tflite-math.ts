// TFLite elementwise math builtins → the `unary` op (float32). Quantized forms: TFLite Micro's
// int8 ELU is a 256-entry table of the float function (elu.cc PopulateLookupTable), which the
// converter reproduces as a `lut` (quantize/tflm-luts.ts); the other int8 kernels (ABS, RSQRT:
// requantizing arithmetic) or their absence (EXP, LOG, GELU, ...: float only in TFLM) leave no
// table to copy, so those are refused naming the operator.
import type { UnaryFunction } from '../ir/graph.js';
import type { TfliteImporter, TfliteOpContext } from './tflite.js';
import { options } from './tflite-op-util.js';
import { LOG_SOFTMAX_MAX_DEPTH, LOG_SOFTMAX_OUTPUT_SCALE, LOG_SOFTMAX_OUTPUT_ZERO_POINT } from '../../format/format.js';

type Lowering = (im: TfliteImporter, ctx: TfliteOpContext) => void;

/** BuiltinOptions union member of GeluOptions (schema.fbs). */
const GELU_OPTIONS = 116;

function unaryOf(fn: UnaryFunction | ((im: TfliteImporter, ctx: TfliteOpContext) => UnaryFunction), int8: boolean): Lowering {
  return (im, ctx) => {
    const x = im.input(ctx, 0, 'input');
    const out = im.output(ctx, 0);
    const dx = im.g.tensor(x).dtype, dy = im.g.tensor(out).dtype;
    if (dx !== dy) im.fail(ctx, `input is ${dx}, the output ${dy}`);
    if (dx !== 'f32' && !(int8 && dx === 's8')) {
      im.unsupported(ctx, `${ctx.opName} on ${dx} (${int8 ? 'float32 and int8' : 'float32 only: TFLite Micro has no table-based int8 form of it'})`);
    }
    const f = typeof fn === 'function' ? fn(im, ctx) : fn;
    im.emit(ctx, 'unary', [x], out, f === 'elu' ? { fn: f, alpha: 1 } : { fn: f });
  };
}

/** GeluOptions: approximate (field 0, bool, default false). */
function geluFunction(im: TfliteImporter, ctx: TfliteOpContext): UnaryFunction {
  const t = options(im, ctx, GELU_OPTIONS);
  return t?.bool(0, 'approximate') ? 'gelu_tanh' : 'gelu';
}

/**
 * LOG_SOFTMAX over the last axis. float32: x − m − log Σ exp(x − m), as ONNX LogSoftmax is lowered
 * (onnx-math.ts). int8: the log_softmax op (TFLite Micro's fixed-point arithmetic), whose output
 * TFLite fixes at scale 16/256, zero point 127 (LogSoftmaxPrepare checks them).
 */
const logSoftmax: Lowering = (im, ctx) => {
  const x = im.input(ctx, 0, 'input');
  const out = im.output(ctx, 0);
  const dx = im.g.tensor(x).dtype, dy = im.g.tensor(out).dtype;
  const rank = im.shape(x).length;
  if (rank === 0) im.fail(ctx, 'log_softmax of a scalar');
  if (dx === 's8' && dy === 's8') {
    const q = im.g.tensor(out).quant;
    if (!q || q.scale.length !== 1 || Math.fround(q.scale[0]) !== LOG_SOFTMAX_OUTPUT_SCALE || q.zeroPoint[0] !== LOG_SOFTMAX_OUTPUT_ZERO_POINT) {
      im.fail(ctx, `int8 output must have scale 16/256 and zero point 127 (TFLite's LogSoftmaxPrepare), got ${q?.scale[0]} / ${q?.zeroPoint[0]}`);
    }
    const depth = im.shape(x)[rank - 1];
    if (depth > LOG_SOFTMAX_MAX_DEPTH) im.unsupported(ctx, `int8 ${ctx.opName} over ${depth} elements (at most ${LOG_SOFTMAX_MAX_DEPTH}: TFLite Micro's Q12.19 sum of exps)`);
    im.emit(ctx, 'log_softmax', [x], out, {});
    return;
  }
  if (dx !== 'f32') im.unsupported(ctx, `${ctx.opName} on ${dx} (float32 and int8)`);
  const axes = [rank - 1];
  const tmp = (name: string) => im.addTemp(`${out}/${name}`, 'f32');
  const m = tmp('max'), d = tmp('shifted'), e = tmp('exp'), s = tmp('sum'), l = tmp('log');
  im.emit(ctx, 'reduce_max', [x], m, { axes });
  im.emit(ctx, 'sub', [x, m], d, {});
  im.emit(ctx, 'unary', [d], e, { fn: 'exp' });
  im.emit(ctx, 'reduce_sum', [e], s, { axes });
  im.emit(ctx, 'unary', [s], l, { fn: 'log' });
  im.emit(ctx, 'sub', [d, l], out, {});
};

export const mathLowerings: Record<string, Lowering> = {
  EXP: unaryOf('exp', false),
  LOG: unaryOf('log', false),
  SQRT: unaryOf('sqrt', false),
  RSQRT: unaryOf('rsqrt', false),
  ABS: unaryOf('abs', false),
  NEG: unaryOf('neg', false),
  SQUARE: unaryOf('square', false),
  ELU: unaryOf('elu', true),
  GELU: unaryOf(geluFunction, false),
  FLOOR: unaryOf('floor', false),
  CEIL: unaryOf('ceil', false),
  ROUND: unaryOf('round', false),
  SIN: unaryOf('sin', false),
  COS: unaryOf('cos', false),
  LOG_SOFTMAX: logSoftmax,
};

export const MATH_MAPPING: Record<string, string> = Object.fromEntries(
  Object.keys(mathLowerings).map((k) => [
    k,
    k === 'ELU' ? 'unary elu (float32; int8 as TFLite Micro\'s table, a lut)'
      : k === 'LOG_SOFTMAX' ? 'reduce_max, sub, unary exp, reduce_sum, unary log, sub (float32, last axis); int8: log_softmax'
      : `unary ${k === 'GELU' ? 'gelu / gelu_tanh' : k.toLowerCase()} (float32)`,
  ]),
);
