// Helpers the TFLite lowerings share (tflite-ops.ts, tflite-data-movement.ts): the options table,
// quantization comparisons and the reshape into a file tensor.
import type { DType, QuantParams } from '../ir/graph.js';
import type { FbTable } from './tflite-flatbuffer.js';
import type { TfliteImporter, TfliteOpContext } from './tflite.js';
import { BuiltinOptionsType } from './tflite-schema.js';

/** The operator's options table (null = absent: schema defaults), checked to be the expected kind. */
export function options(im: TfliteImporter, ctx: TfliteOpContext, expected: number): FbTable | null {
  const t = ctx.op.builtinOptionsType;
  if (t === BuiltinOptionsType.NONE) return null;
  if (t !== expected) im.fail(ctx, `builtin_options holds union member ${t}, expected ${expected}`);
  return ctx.op.builtinOptions;
}

export function isQuantizedDtype(d: DType): boolean {
  return d === 's8' || d === 'u8' || d === 's16';
}

export function sameQuant(a: QuantParams | undefined, b: QuantParams | undefined): boolean {
  if (!a || !b) return a === b;
  return (
    a.scale.length === b.scale.length &&
    a.scale.every((s, i) => s === b.scale[i] && a.zeroPoint[i] === b.zeroPoint[i]) &&
    a.axis === b.axis
  );
}

/** Writes `src` (a temporary) into the file tensor `out` through a reshape. */
export function reshapeInto(im: TfliteImporter, ctx: TfliteOpContext, src: string, out: string): void {
  im.emit(ctx, 'reshape', [src], out, {});
}
