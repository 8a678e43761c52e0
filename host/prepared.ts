// The prepared state a SIMD runtime builds at load for a blob (format/prepared.ts), computed from
// the blob alone: `mote inspect` reports it next to the arena; MoteModel.preparedBytes reads the
// loaded runtime's own count (equal on the full SIMD build, 0 on the scalar build).
import * as F from '../format/format.js';
import { preparedFcBytes, preparedDwBytes, preparedConvBytes, preparedRegionBytes } from '../format/prepared.js';
import type { BlobView } from './blob-reader.js';

export function preparedBytesOf(view: BlobView): number {
  // Streamed weights are not in memory at load: nothing is prepared.
  if (view.header.flags & F.FLAG_WEIGHTS_EXTERNAL) return 0;
  let tables = 0;
  for (const op of view.ops) {
    if (op.opcode === F.OP_DEPTHWISE_CONV2D) {
      const x = view.tensors[op.inputs[0]], w = view.tensors[op.inputs[1]];
      if (x.dtype !== F.DTYPE_S8 && x.dtype !== F.DTYPE_SIGN8) continue;
      const r = w.shape.length;
      tables += preparedDwBytes(x.shape[3], op.params[8], w.shape[r - 3], w.shape[r - 2]);
      continue;
    }
    if (op.opcode === F.OP_CONV2D) {
      const x = view.tensors[op.inputs[0]], w = view.tensors[op.inputs[1]];
      if ((x.dtype === F.DTYPE_S8 || x.dtype === F.DTYPE_SIGN8) && (op.flags & F.OPF_PACKED_W16) !== 0) tables += preparedConvBytes(w.shape[0]);
      continue;
    }
    if (op.opcode !== F.OP_FULLY_CONNECTED) continue;
    const x = view.tensors[op.inputs[0]], w = view.tensors[op.inputs[1]];
    if (x.dtype !== F.DTYPE_S8 && x.dtype !== F.DTYPE_SIGN8) continue;
    const packed = (op.flags & F.OPF_PACKED_W16) !== 0;
    const plain = !packed && w.dtype === F.DTYPE_S8 && w.storage !== F.STORAGE_DIRECT;
    const numel = x.shape.reduce((a, b) => a * b, 1);
    tables += preparedFcBytes(packed ? 1 : plain ? 2 : 0, w.shape[0], w.shape[1], numel);
  }
  return preparedRegionBytes(view.ops.length, tables);
}
