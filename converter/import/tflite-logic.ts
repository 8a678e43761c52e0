// TFLite comparisons, logic and select → compare, logical and select (numpy broadcasting, bool
// tensors of one byte each).
//   EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL: float32, int8 (TFLM's: each input
//     rescaled by its own scale with an 8-bit left shift, so the inputs may sit on different grids;
//     TFLM's Prepare aborts on a scale of 1 or more, refused here) and, for the two equalities, bool.
//   LOGICAL_AND, LOGICAL_OR, LOGICAL_NOT: bool.
//   SELECT_V2: condition bool, x and y float32 or int8 broadcast together; TFLM copies the chosen
//     code, so int8 x, y and the output must share one scale and zero point (other files refused).
//   SELECT (v1, desktop TFLite only): x and y of one shape, the condition of that shape or rank 1
//     picking whole rows along dim 0 (a reshape to [n, 1, ...] then broadcasts it).
import type { CompareFunction, DType, LogicalFunction } from '../ir/graph.js';
import type { TfliteImporter, TfliteOpContext } from './tflite.js';
import { sameQuant } from './tflite-op-util.js';

type Lowering = (im: TfliteImporter, ctx: TfliteOpContext) => void;

function requireDtype(im: TfliteImporter, ctx: TfliteOpContext, name: string, what: string, allowed: DType[]): DType {
  const d = im.dtype(name);
  if (!allowed.includes(d)) im.unsupported(ctx, `${ctx.opName} ${what} of type ${d} (${allowed.join(' or ')} only)`);
  return d;
}

function comparison(fn: CompareFunction): Lowering {
  return (im, ctx) => {
    const a = im.input(ctx, 0, 'input 0');
    const b = im.input(ctx, 1, 'input 1');
    const out = im.output(ctx, 0);
    const d = requireDtype(im, ctx, a, 'input 0', fn === 'equal' || fn === 'not_equal' ? ['f32', 's8', 'bool'] : ['f32', 's8']);
    if (im.dtype(b) !== d) im.fail(ctx, `input 1 is ${im.dtype(b)}, input 0 ${d}`);
    requireDtype(im, ctx, out, 'output', ['bool']);
    if (d === 's8') {
      for (const [k, x] of [a, b].entries()) {
        const q = im.g.tensor(x).quant;
        if (!q || q.scale.length !== 1) im.unsupported(ctx, `int8 input ${k} without one scale and zero point`);
        const s = Math.fround(q!.scale[0]);
        if (!(s > 0 && s < 1)) im.unsupported(ctx, `int8 input ${k} of scale ${s}: TFLite Micro's comparison takes the scale as a multiplier below one`);
      }
    }
    im.emit(ctx, 'compare', [a, b], out, { fn });
  };
}

function logic(fn: LogicalFunction): Lowering {
  return (im, ctx) => {
    const inputs = fn === 'not' ? [im.input(ctx, 0, 'input')] : [im.input(ctx, 0, 'input 0'), im.input(ctx, 1, 'input 1')];
    inputs.forEach((t, k) => requireDtype(im, ctx, t, `input ${k}`, ['bool']));
    const out = im.output(ctx, 0);
    requireDtype(im, ctx, out, 'output', ['bool']);
    im.emit(ctx, 'logical', inputs, out, { fn });
  };
}

function select(v2: boolean): Lowering {
  return (im, ctx) => {
    let c = im.input(ctx, 0, 'condition');
    const x = im.input(ctx, 1, 'x');
    const y = im.input(ctx, 2, 'y');
    const out = im.output(ctx, 0);
    requireDtype(im, ctx, c, 'condition', ['bool']);
    const d = requireDtype(im, ctx, x, 'x', ['f32', 's8']);
    if (im.dtype(y) !== d || im.dtype(out) !== d) im.fail(ctx, `x is ${d}, y ${im.dtype(y)}, the output ${im.dtype(out)}`);
    if (d === 's8') {
      for (const [k, t] of [x, y].entries()) {
        if (!sameQuant(im.g.tensor(t).quant, im.g.tensor(out).quant)) {
          im.unsupported(ctx, `int8 input ${k + 1} whose scale / zero point differ from the output's (TFLite Micro copies the chosen int8 code)`);
        }
      }
    }
    if (!v2) {
      const cs = im.shape(c), xs = im.shape(x);
      if (xs.join() !== im.shape(y).join()) im.fail(ctx, `x [${xs}] and y [${im.shape(y)}] must have one shape (SELECT; SELECT_V2 broadcasts)`);
      if (cs.join() !== xs.join()) {
        if (cs.length !== 1 || xs.length < 2 || cs[0] !== xs[0]) im.fail(ctx, `condition [${cs}] must be x's shape [${xs}] or [${xs[0]}] (one per row)`);
        // A rank-1 condition picks whole rows: [n] → [n, 1, ...].
        const rows = im.addTemp(`${out}/rows`, 'bool');
        im.g.tensor(rows).shape = [cs[0], ...xs.slice(1).map(() => 1)];
        im.emit(ctx, 'reshape', [c], rows, {});
        c = rows;
      }
    }
    im.emit(ctx, 'select', [c, x, y], out, {});
  };
}

export const logicLowerings: Record<string, Lowering> = {
  EQUAL: comparison('equal'),
  NOT_EQUAL: comparison('not_equal'),
  LESS: comparison('less'),
  LESS_EQUAL: comparison('less_equal'),
  GREATER: comparison('greater'),
  GREATER_EQUAL: comparison('greater_equal'),
  LOGICAL_AND: logic('and'),
  LOGICAL_OR: logic('or'),
  LOGICAL_NOT: logic('not'),
  SELECT: select(false),
  SELECT_V2: select(true),
};

const COMPARISON = 'compare (float32; int8 rescaled as TFLite Micro, input scales below 1';
export const LOGIC_MAPPING: Record<string, string> = {
  EQUAL: `${COMPARISON}; bool) → bool`,
  NOT_EQUAL: `${COMPARISON}; bool) → bool`,
  LESS: `${COMPARISON}) → bool`,
  LESS_EQUAL: `${COMPARISON}) → bool`,
  GREATER: `${COMPARISON}) → bool`,
  GREATER_EQUAL: `${COMPARISON}) → bool`,
  LOGICAL_AND: 'logical and (bool)',
  LOGICAL_OR: 'logical or (bool)',
  LOGICAL_NOT: 'logical not (bool)',
  SELECT: 'select (x, y of one shape; a rank-1 condition picks rows through a reshape); int8 x, y, output on one grid',
  SELECT_V2: 'select (numpy broadcasting of all three); float32, int8 x, y, output on one grid',
};
