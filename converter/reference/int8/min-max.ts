// maximum / minimum on s8 (TFLite Micro's MAXIMUM / MINIMUM): numpy broadcasting, then the raw
// int8 codes compared with TFLite's rule, a > b ? a : b (a < b ? a : b). reduce_max / reduce_min
// (TFLite Micro's REDUCE_MAX / REDUCE_MIN): the extreme raw code from -128 (127). Comparing codes
// compares the real values only when the operands and the output share one scale and zero point,
// so that is required (TFLite Micro checks it for the reductions; the converter gives them one in
// PTQ and refuses TFLite files where they differ).
import type { Node } from '../../ir/graph.js';
import { numel } from '../../ir/graph.js';
import { broadcastShapes, broadcastStrides, forEachBroadcast } from '../tensor-util.js';
import type { RefKernel } from '../types.js';
import { requireS8, requireS8Output } from './common.js';
import { requireSameQuant } from './data-movement.js';
import { reduceExtreme } from '../float/reduce-max.js';

function minMaxKernel(pick: (a: number, b: number) => number): RefKernel {
  return (node: Node, inputs, outputs) => {
    const a = requireS8(node, inputs, 0, 'a');
    const b = requireS8(node, inputs, 1, 'b');
    const out = requireS8Output(node, outputs);
    requireSameQuant(node, a.quant, out, 'input 0 (a)');
    requireSameQuant(node, b.quant, out, 'input 1 (b)');
    const shape = broadcastShapes(node, a.shape, b.shape);
    const y = new Int8Array(numel(shape));
    forEachBroadcast(shape, broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape), (o, ia, ib) => {
      y[o] = pick(a.data[ia], b.data[ib]);
    });
    return [y];
  };
}

export const maximum_s8_ref = minMaxKernel((a, b) => (a > b ? a : b));
export const minimum_s8_ref = minMaxKernel((a, b) => (a < b ? a : b));

function reduceKernel(isMax: boolean): RefKernel {
  return (node, inputs, outputs) => {
    const x = requireS8(node, inputs, 0, 'x');
    requireSameQuant(node, x.quant, requireS8Output(node, outputs), 'input 0 (x)');
    return [Int8Array.from(reduceExtreme(node, x, isMax, isMax ? -128 : 127))];
  };
}

export const reduce_max_s8_ref = reduceKernel(true);
export const reduce_min_s8_ref = reduceKernel(false);
