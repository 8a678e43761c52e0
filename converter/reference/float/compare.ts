// compare, logical and select: the ops of masks (ONNX Equal / Less / ... / Not / And / Or / Xor /
// Where, TFLite's comparisons, LOGICAL_*, SELECT / SELECT_V2), numpy broadcasting of their operands.
// Bools are one byte each, 0 or 1 (Uint8Array); read, any non-zero byte is true.
//   compare (f32 or bool operands): y = a <fn> b, IEEE on f32, so a NaN operand makes every
//     predicate false but not_equal (its int8 form, TFLM's rescaled one, is ../int8/compare.ts);
//   logical: and, or, xor of two bools, not of one;
//   select: y = cond ? a : b, any dtype (the bytes of the chosen operand).
import type { CompareAttrs, CompareFunction, LogicalAttrs, LogicalFunction, Node, TensorData } from '../../ir/graph.js';
import { numel } from '../../ir/graph.js';
import type { RefKernel, RefValue } from '../types.js';
import { type ShapeFn, allocTensor, broadcastShapes, broadcastStrides, forEachBroadcast, inputShape, kernelError } from '../tensor-util.js';

/** The predicate of a compare function, on numbers (IEEE comparisons, so NaN fails all but not_equal). */
export function comparePredicate(fn: CompareFunction): (a: number, b: number) => boolean {
  switch (fn) {
    case 'equal': return (a, b) => a === b;
    case 'not_equal': return (a, b) => a !== b;
    case 'less': return (a, b) => a < b;
    case 'less_equal': return (a, b) => a <= b;
    case 'greater': return (a, b) => a > b;
    case 'greater_equal': return (a, b) => a >= b;
  }
}

function input(node: Node, inputs: (RefValue | undefined)[], i: number, what: string): RefValue {
  const v = inputs[i];
  if (!v) throw kernelError(node, `input ${i} (${what}) is missing`);
  return v;
}

function requireBool(node: Node, inputs: (RefValue | undefined)[], i: number, what: string): RefValue {
  const v = input(node, inputs, i, what);
  if (v.dtype !== 'bool') throw kernelError(node, `input ${i} (${what}) must be bool, got ${v.dtype}`);
  return v;
}

/** y = pick(a[i], b[i]) over the broadcast shape, written as bools (i64 values compare as bigints). */
function boolBinary(a: RefValue, b: RefValue, shape: number[], pick: (x: number, y: number) => boolean): Uint8Array {
  const y = new Uint8Array(numel(shape));
  const ad = a.data as ArrayLike<number>, bd = b.data as ArrayLike<number>;
  forEachBroadcast(shape, broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape), (o, ia, ib) => {
    y[o] = pick(ad[ia], bd[ib]) ? 1 : 0;
  });
  return y;
}

export const compare_ref: RefKernel = (node, inputs) => {
  const a = input(node, inputs, 0, 'a');
  const b = input(node, inputs, 1, 'b');
  if (a.dtype !== b.dtype) throw kernelError(node, `operands must have one dtype, got ${a.dtype} and ${b.dtype}`);
  if (a.dtype === 's8') throw kernelError(node, 's8 operands take the int8 form (TFLM rescales them first)');
  // (Integer dtypes only for constant folding: the runtime compares f32 and bool.)
  const truth = (v: number) => (a.dtype === 'bool' ? (v !== 0 ? 1 : 0) : v);
  const p = comparePredicate((node.attrs as CompareAttrs).fn);
  return [boolBinary(a, b, broadcastShapes(node, a.shape, b.shape), (x, y) => p(truth(x), truth(y)))];
};

function logicalOp(fn: LogicalFunction): (a: boolean, b: boolean) => boolean {
  switch (fn) {
    case 'and': return (a, b) => a && b;
    case 'or': return (a, b) => a || b;
    case 'xor': return (a, b) => a !== b;
    case 'not': return (a) => !a;
  }
}

export const logical_ref: RefKernel = (node, inputs) => {
  const fn = (node.attrs as LogicalAttrs).fn;
  const a = requireBool(node, inputs, 0, 'a');
  const b = fn === 'not' ? a : requireBool(node, inputs, 1, 'b');
  const op = logicalOp(fn);
  return [boolBinary(a, b, broadcastShapes(node, a.shape, b.shape), (x, y) => op(x !== 0, y !== 0))];
};

export const logicalOutputShape: ShapeFn = (node, shapes) => {
  const a = inputShape(node, shapes, 0, 'a');
  return [(node.attrs as LogicalAttrs).fn === 'not' ? [...a] : broadcastShapes(node, a, inputShape(node, shapes, 1, 'b'))];
};

export const selectOutputShape: ShapeFn = (node, shapes) => {
  const ca = broadcastShapes(node, inputShape(node, shapes, 0, 'cond'), inputShape(node, shapes, 1, 'a'));
  return [broadcastShapes(node, ca, inputShape(node, shapes, 2, 'b'))];
};

/** select's operands after the checks every form shares (cond bool, a and b of one dtype). */
export function selectOperands(node: Node, inputs: (RefValue | undefined)[]): [RefValue, RefValue, RefValue] {
  const c = requireBool(node, inputs, 0, 'cond');
  const a = input(node, inputs, 1, 'a');
  const b = input(node, inputs, 2, 'b');
  if (a.dtype !== b.dtype) throw kernelError(node, `inputs 1 and 2 (a, b) must have one dtype, got ${a.dtype} and ${b.dtype}`);
  return [c, a, b];
}

/** y = cond ? a : b over the three operands broadcast to one shape (any dtype). */
export const select_ref: RefKernel = (node, inputs) => {
  const [c, a, b] = selectOperands(node, inputs);
  const [shape] = selectOutputShape(node, [c.shape, a.shape, b.shape]);
  const sc = broadcastStrides(c.shape, shape), sa = broadcastStrides(a.shape, shape), sb = broadcastStrides(b.shape, shape);
  const y = allocTensor(a.dtype, numel(shape)) as TensorData & { [i: number]: number | bigint };
  const ad = a.data as ArrayLike<number | bigint>, bd = b.data as ArrayLike<number | bigint>, cd = c.data as ArrayLike<number>;
  for (let o = 0; o < y.length; o++) {
    // Flat index → coordinates → each operand's element.
    let rest = o, ic = 0, ia = 0, ib = 0;
    for (let d = shape.length - 1; d >= 0; d--) {
      const k = rest % shape[d];
      rest = (rest - k) / shape[d];
      ic += k * sc[d];
      ia += k * sa[d];
      ib += k * sb[d];
    }
    y[o] = cd[ic] !== 0 ? ad[ia] : bd[ib];
  }
  return [y];
};
