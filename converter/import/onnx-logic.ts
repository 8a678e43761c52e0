// ONNX comparisons, logic and Where → compare, logical and select (numpy broadcasting, bool
// tensors of one byte each). Equal, Less, LessOrEqual, Greater, GreaterOrEqual compare float32
// tensors (Equal also bools); Not, And, Or, Xor take bools; Where's condition is bool and its two
// values float32. When every input is a constant (shape and mask arithmetic of exported graphs,
// int64 included) the result is computed here, by the reference kernel, and becomes a constant.
import type { AttrsByOp, CompareFunction, DType, LogicalFunction, Node } from '../ir/graph.js';
import { floatKernels } from '../reference/float/index.js';
import { outputShapeFns } from '../reference/float/output-shapes.js';
import type { OnnxImporter, OnnxNodeContext } from './onnx.js';
import { dtypeDisplay } from './onnx.js';

type Lowering = (imp: OnnxImporter, ctx: OnnxNodeContext) => void;
type LogicOp = 'compare' | 'logical' | 'select';

/** The op on `inputs`, or its value when they are all constants. */
function emitOrFold<K extends LogicOp>(imp: OnnxImporter, ctx: OnnxNodeContext, op: K, inputs: string[], attrs: AttrsByOp[K], dtype: DType): void {
  const output = ctx.node.output![0];
  if (inputs.every((t) => imp.g.isConstant(t))) {
    const node = { op, name: ctx.name, inputs, outputs: [output], attrs, source: ctx.source } as Node;
    const values = inputs.map((t) => ({ ...imp.g.tensor(t), data: imp.g.tensor(t).data! }));
    const [shape] = outputShapeFns[op]!(node, values.map((v) => v.shape));
    const [data] = floatKernels[op]!(node, values, [{ name: output, dtype, shape }]);
    imp.g.addTensor({ name: output, dtype, shape, data });
    return;
  }
  imp.emit(ctx, op, inputs, output, attrs, { dtype });
}

/** Input i, of one of the dtypes `allowed` (the runtime's). */
function operand(imp: OnnxImporter, ctx: OnnxNodeContext, i: number, what: string, allowed: DType[]): string {
  const t = imp.requireInput(ctx, i, what);
  const d = imp.dtype(t);
  if (!allowed.includes(d) && !imp.g.isConstant(t)) {
    imp.unsupported(ctx, `input ${i} (${what}) of dtype ${dtypeDisplay(d)} (${allowed.map(dtypeDisplay).join(' or ')} only)`);
  }
  return t;
}

/** Two operands of one dtype (ONNX's type constraint; a mismatch is a malformed model). */
function sameDtype(imp: OnnxImporter, ctx: OnnxNodeContext, a: string, b: string): void {
  if (imp.dtype(a) !== imp.dtype(b)) imp.fail(ctx, `operands have different dtypes (${dtypeDisplay(imp.dtype(a))} and ${dtypeDisplay(imp.dtype(b))})`);
}

function comparison(fn: CompareFunction): Lowering {
  return (imp, ctx) => {
    const allowed: DType[] = fn === 'equal' ? ['f32', 'bool'] : ['f32'];
    const a = operand(imp, ctx, 0, 'A', allowed);
    const b = operand(imp, ctx, 1, 'B', allowed);
    sameDtype(imp, ctx, a, b);
    emitOrFold(imp, ctx, 'compare', [a, b], { fn }, 'bool');
  };
}

function logic(fn: LogicalFunction): Lowering {
  return (imp, ctx) => {
    const a = operand(imp, ctx, 0, fn === 'not' ? 'X' : 'A', ['bool']);
    const inputs = fn === 'not' ? [a] : [a, operand(imp, ctx, 1, 'B', ['bool'])];
    for (const t of inputs) if (imp.dtype(t) !== 'bool') imp.fail(ctx, `input '${t}' is ${dtypeDisplay(imp.dtype(t))}; ${ctx.opType} takes bool tensors`);
    emitOrFold(imp, ctx, 'logical', inputs, { fn }, 'bool');
  };
}

const where: Lowering = (imp, ctx) => {
  const c = imp.requireInput(ctx, 0, 'condition');
  if (imp.dtype(c) !== 'bool') imp.fail(ctx, `condition '${c}' is ${dtypeDisplay(imp.dtype(c))}; Where takes a bool condition`);
  const x = operand(imp, ctx, 1, 'X', ['f32']);
  const y = operand(imp, ctx, 2, 'Y', ['f32']);
  sameDtype(imp, ctx, x, y);
  emitOrFold(imp, ctx, 'select', [c, x, y], {}, imp.dtype(x));
};

export const logicLowerings: Record<string, Lowering> = {
  Equal: comparison('equal'),
  Less: comparison('less'),
  LessOrEqual: comparison('less_equal'),
  Greater: comparison('greater'),
  GreaterOrEqual: comparison('greater_equal'),
  Not: logic('not'),
  And: logic('and'),
  Or: logic('or'),
  Xor: logic('xor'),
  Where: where,
};
