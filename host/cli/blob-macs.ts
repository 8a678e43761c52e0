// MACs of a blob's op, from its tensor records (the same counting as the converter's report).
import * as F from '../../format/format.js';
import { opMacs } from '../../converter/macs.js';
import type { BlobOp, BlobView } from '../blob-reader.js';

export function opcodeMacs(view: BlobView, op: BlobOp): number {
  const shape = (id: number) => {
    const t = view.tensors[id];
    return !t || t.storage === F.STORAGE_EMPTY ? undefined : t.shape;
  };
  const isPool = op.opcode === F.OP_MAX_POOL2D || op.opcode === F.OP_AVERAGE_POOL2D;
  return opMacs(op.opName, {
    inputs: op.inputs.map(shape),
    outputs: op.outputs.map((id) => view.tensors[id]?.shape ?? []),
    kernel: isPool ? [op.params[0], op.params[1]] : undefined,
  });
}
