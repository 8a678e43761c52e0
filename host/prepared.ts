// The prepared state a SIMD runtime builds at load for a blob (format/prepared.ts), computed from
// the blob alone: `mote inspect` reports it next to the arena; MoteModel.preparedBytes reads the
// loaded runtime's own count (equal on the full SIMD build, 0 on the scalar build).
import * as F from '../format/format.js';
import { preparedFcBytes, preparedDwBytes, preparedConvBytes, PREPARED_RANKS, preparedRank, preparedIndexBytes } from '../format/prepared.js';
import type { BlobView } from './blob-reader.js';

/** Bytes of each op's prepared table (0: none), in schedule order. */
export function preparedOpBytes(view: BlobView): number[] {
  // Streamed weights are not in memory at load: nothing is prepared.
  if (view.header.flags & F.FLAG_WEIGHTS_EXTERNAL) return view.ops.map(() => 0);
  return view.ops.map((op) => {
    const x = view.tensors[op.inputs[0]], w = view.tensors[op.inputs[1]];
    if (op.opcode === F.OP_DEPTHWISE_CONV2D) {
      if (x.dtype !== F.DTYPE_S8 && x.dtype !== F.DTYPE_SIGN8) return 0;
      const r = w.shape.length;
      return preparedDwBytes(x.shape[3], op.params[8], w.shape[r - 3], w.shape[r - 2]);
    }
    if (op.opcode === F.OP_CONV2D) {
      return (x.dtype === F.DTYPE_S8 || x.dtype === F.DTYPE_SIGN8) && (op.flags & F.OPF_PACKED_W16) !== 0 ? preparedConvBytes(w.shape[0]) : 0;
    }
    if (op.opcode !== F.OP_FULLY_CONNECTED || (x.dtype !== F.DTYPE_S8 && x.dtype !== F.DTYPE_SIGN8)) return 0;
    const packed = (op.flags & F.OPF_PACKED_W16) !== 0;
    const plain = !packed && w.dtype === F.DTYPE_S8 && w.storage !== F.STORAGE_DIRECT;
    const numel = x.shape.reduce((a, b) => a * b, 1);
    return preparedFcBytes(packed ? 1 : plain ? 2 : 0, w.shape[0], w.shape[1], numel);
  });
}

/**
 * Which ops the runtime prepares within `budget` bytes (format/prepared.ts: rank order, schedule
 * order within a rank, up to the first op that does not fit) and the region's bytes (0: none).
 */
export function preparedPlan(view: BlobView, budget = Infinity): { bytes: number; ops: number[] } {
  const sizes = preparedOpBytes(view);
  const head = preparedIndexBytes(view.ops.length);
  let next = head;
  const ops: number[] = [];
  outer: for (let r = 0; r < PREPARED_RANKS; r++) {
    for (let i = 0; i < sizes.length; i++) {
      if (sizes[i] === 0 || preparedRank(view.ops[i].opcode) !== r) continue;
      if (next + sizes[i] > budget) break outer;
      ops.push(i);
      next += sizes[i];
    }
  }
  return { bytes: ops.length > 0 ? next : 0, ops };
}

export function preparedBytesOf(view: BlobView, budget = Infinity): number {
  return preparedPlan(view, budget).bytes;
}

/** Table bytes per rank (format/prepared.ts preparedRank: conv2d, fully_connected, depthwise), the order a budget takes them in. */
export function preparedRankBytes(view: BlobView): number[] {
  const sizes = preparedOpBytes(view);
  const out = new Array<number>(PREPARED_RANKS).fill(0);
  sizes.forEach((b, i) => (out[preparedRank(view.ops[i].opcode)] += b));
  return out;
}
