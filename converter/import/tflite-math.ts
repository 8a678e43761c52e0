// TFLite elementwise math builtins → the `unary` op (float32). Quantized forms: TFLite Micro's
// int8 ELU is a 256-entry table of the float function (elu.cc PopulateLookupTable), which the
// converter reproduces as a `lut` (quantize/tflm-luts.ts); the other int8 kernels (ABS, RSQRT:
// requantizing arithmetic) or their absence (EXP, LOG, GELU, ...: float only in TFLM) leave no
// table to copy, so those are refused naming the operator.
import type { UnaryFunction } from '../ir/graph.js';
import type { TfliteImporter, TfliteOpContext } from './tflite.js';
import { options } from './tflite-op-util.js';

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
};

export const MATH_MAPPING: Record<string, string> = Object.fromEntries(
  Object.keys(mathLowerings).map((k) => [k, k === 'ELU' ? 'unary elu (float32; int8 as TFLite Micro\'s table, a lut)' : `unary ${k === 'GELU' ? 'gelu / gelu_tanh' : k.toLowerCase()} (float32)`]),
);
