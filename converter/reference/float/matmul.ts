// matmul, f32, with numpy semantics: a[..., M, K] @ b[..., K, N] with the batch dims broadcast; a
// 1-D a is [1, K] and a 1-D b is [K, 1], and the added dim is removed from the output (as
// numpy.matmul and ONNX MatMul do). Float64 accumulation, rounded to f32 once.
import type { Node } from '../../ir/graph.js';
import { numel } from '../../ir/graph.js';
import type { RefKernel } from '../types.js';
import {
  type ShapeFn, broadcastShapes, broadcastStrides, forEachBroadcast, inputShape, kernelError, requireF32,
} from '../tensor-util.js';

interface MatmulPlan {
  m: number;
  k: number;
  n: number;
  aBatch: number[];
  bBatch: number[];
  batch: number[];
  out: number[];
}

function planMatmul(node: Node, aShape: readonly number[], bShape: readonly number[]): MatmulPlan {
  if (aShape.length === 0 || bShape.length === 0) {
    throw kernelError(node, `matmul needs operands of rank >= 1, got [${aShape}] and [${bShape}]`);
  }
  const a2 = aShape.length === 1 ? [1, aShape[0]] : [...aShape];
  const b2 = bShape.length === 1 ? [bShape[0], 1] : [...bShape];
  const [m, k] = a2.slice(-2);
  const [k2, n] = b2.slice(-2);
  if (k !== k2) throw kernelError(node, `inner dims differ: a [${aShape}] has K = ${k}, b [${bShape}] has K = ${k2}`);
  const aBatch = a2.slice(0, -2);
  const bBatch = b2.slice(0, -2);
  const batch = broadcastShapes(node, aBatch, bBatch);
  const out = [...batch];
  if (aShape.length > 1) out.push(m);
  if (bShape.length > 1) out.push(n);
  return { m, k, n, aBatch, bBatch, batch, out };
}

export const matmulOutputShape: ShapeFn = (node, shapes) => [
  planMatmul(node, inputShape(node, shapes, 0, 'a'), inputShape(node, shapes, 1, 'b')).out,
];

export const matmul_f32_ref: RefKernel = (node, inputs) => {
  const a = requireF32(node, inputs, 0, 'a');
  const b = requireF32(node, inputs, 1, 'b');
  const { m, k, n, aBatch, bBatch, batch } = planMatmul(node, a.shape, b.shape);
  const out = new Float32Array(numel(batch) * m * n);
  // Strides over the batch dims in units of whole matrices, 0 where an operand is broadcast.
  const aStrides = broadcastStrides(aBatch, batch).map((s) => s * m * k);
  const bStrides = broadcastStrides(bBatch, batch).map((s) => s * k * n);
  forEachBroadcast(batch, aStrides, bStrides, (o, ao, bo) => {
    const oo = o * m * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let t = 0; t < k; t++) acc += a.data[ao + i * k + t] * b.data[bo + t * n + j];
        out[oo + i * n + j] = acc;
      }
    }
  });
  return [out];
};
