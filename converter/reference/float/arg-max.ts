// arg_max / arg_min: per position outside `axis`, the index along it of the largest (smallest)
// value, as an s32 tensor keeping the axis as size 1. Ties: the first index (TFLite, ONNX default)
// or, with selectLastIndex, the last (ONNX select_last_index). A candidate replaces the current
// extreme only when it compares strictly greater (smaller), or equal for the last index, so a NaN
// never replaces anything. Dtype-generic: s8 compares raw codes, which orders the real values
// for any per-tensor scale (> 0).
import type { ArgAttrs, Node } from '../../ir/graph.js';
import type { RefKernel } from '../types.js';
import { type AnyElements, type ShapeFn, inputShape, kernelError } from '../tensor-util.js';

function checkedAxis(node: Node, shape: readonly number[]): number {
  const { axis } = node.attrs as ArgAttrs;
  if (!Number.isInteger(axis) || axis < 0 || axis >= shape.length) throw kernelError(node, `axis ${axis} is out of range for rank ${shape.length}`);
  if (shape[axis] === 0) throw kernelError(node, `axis ${axis} is empty`);
  return axis;
}

export const argOutputShape: ShapeFn = (node, shapes) => {
  const x = inputShape(node, shapes, 0, 'x');
  const axis = checkedAxis(node, x);
  return [x.map((d, i) => (i === axis ? 1 : d))];
};

function argKernel(isMax: boolean): RefKernel {
  return (node, inputs) => {
    const x = inputs[0];
    if (!x) throw kernelError(node, 'input 0 (x) is missing');
    if (x.dtype !== 'f32' && x.dtype !== 's8') throw kernelError(node, `input 0 (x) must be f32 or s8, got ${x.dtype}`);
    const axis = checkedAxis(node, x.shape);
    const last = (node.attrs as ArgAttrs).selectLastIndex;
    const n = x.shape[axis];
    const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const v = x.data as AnyElements;
    const out = new Int32Array(outer * inner);
    const better = (a: number, b: number) => (isMax ? (last ? a >= b : a > b) : last ? a <= b : a < b);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * n * inner + i;
        let best = Number(v[base]);
        let at = 0;
        for (let k = 1; k < n; k++) {
          const c = Number(v[base + k * inner]);
          if (better(c, best)) {
            best = c;
            at = k;
          }
        }
        out[o * inner + i] = at;
      }
    }
    return [out];
  };
}

export const arg_max_ref = argKernel(true);
export const arg_min_ref = argKernel(false);
