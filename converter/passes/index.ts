// The float optimization pipeline. Order matters: transposes are sunk first so batch_norm and bias
// adds sit directly after their conv in NHWC; batch_norm folds before it is lowered; activations
// fuse last, onto whatever op ends up producing the clamp's input.
import type { Graph } from '../ir/graph.js';
import { inferShapes } from '../ir/shapes.js';
import { foldBatchNorm } from './fold-batchnorm.js';
import { foldBiasAdd } from './fold-bias-add.js';
import { foldConstants } from './fold-constants.js';
import { foldQdq } from './fold-qdq.js';
import { fuseActivation } from './fuse-activation.js';
import { fuseSoftmax } from './fuse-softmax.js';
import { lowerBatchNorm } from './lower-batchnorm.js';
import { removeIdentity } from './remove-identity.js';
import { sinkTransposes } from './sink-transposes.js';

export { foldBatchNorm, foldBiasAdd, foldConstants, fuseActivation, lowerBatchNorm, removeIdentity, sinkTransposes };

/** Runs the float passes on `g` in place. Afterwards: no batch_norm, all shapes known, topological order. */
export function optimize(g: Graph): void {
  inferShapes(g);
  foldConstants(g);
  removeIdentity(g);
  if (fuseSoftmax(g)) removeIdentity(g);
  for (let round = 0; round < 20; round++) {
    let changed = sinkTransposes(g);
    changed = foldConstants(g) || changed;
    changed = foldBatchNorm(g) || changed;
    changed = foldBiasAdd(g) || changed;
    if (!changed) break;
  }
  lowerBatchNorm(g);
  // Lowered batch_norms may now sit next to transposes or constants again.
  sinkTransposes(g);
  foldConstants(g);
  foldBiasAdd(g);
  fuseActivation(g);
  // Pre-quantized models: DQ → op → Q islands become int8 ops; their s8 transposes then cancel.
  if (foldQdq(g)) sinkTransposes(g);
  removeIdentity(g);
  inferShapes(g);
}
