// Weight packing for the runtime's int8 conv2d / fully_connected micro-kernels (OPF_PACKED_W16,
// format/format.ts). The kernels keep 16 output channels in four i32x4 accumulators and add two
// taps per i32x4.dot_i16x8_s: each step broadcasts one (x[2j], x[2j+1]) pair and needs, for 16
// channels, the 32 bytes w[c][2j], w[c][2j+1] side by side — which is this layout, so the inner
// loop reads the weights as one forward stream with constant offsets.
import * as F from '../../format/format.js';
import type { Node, Tensor } from '../ir/graph.js';

/** Tap pairs per channel in the packed layout: even, so the kernels can take two per step. */
export function packedPairs(k: number): number {
  return 2 * Math.ceil(k / 4);
}

/** Bytes of the packed weights of n rows of k int8 weights (without the per-channel sums). */
export function packedW16Bytes(n: number, k: number): number {
  return Math.ceil(n / 16) * 32 * packedPairs(k);
}

/**
 * Packs row-major w[n][k] (OHWI flattens to rows of K = KH*KW*C) into the OPF_PACKED_W16 layout:
 * the packed weights, then each channel's sum of |w| as a little-endian i32.
 */
export function packW16(w: Int8Array, n: number, k: number): Int8Array {
  if (w.length !== n * k) throw new Error(`packW16: ${w.length} weights are not ${n} x ${k}`);
  const k2 = packedPairs(k);
  const bytes = packedW16Bytes(n, k);
  const out = new Int8Array(bytes + 4 * n);
  const sums = new DataView(out.buffer, bytes);
  for (let c = 0; c < n; c++) {
    const base = (c >> 4) * k2 * 32 + (c & 15) * 2;
    const row = c * k;
    let sum = 0;
    for (let i = 0; i < k; i++) {
      out[base + (i >> 1) * 32 + (i & 1)] = w[row + i];
      sum += Math.abs(w[row + i]);
    }
    sums.setInt32(4 * c, sum, true);
  }
  return out;
}

/**
 * The [rows n, row length k] of a node's weights when the runtime takes them packed: int8
 * conv2d with group 1 and fully_connected, s8 activations, K within PACKED_K_MAX; else null.
 */
export function packableW16(node: Node, lookup: (name: string) => Tensor, weightData: unknown): { n: number; k: number } | null {
  if (node.op !== 'conv2d' && node.op !== 'fully_connected') return null;
  if (!(weightData instanceof Int8Array) || node.inputs.length < 5) return null;
  const x = lookup(node.inputs[0]);
  const w = lookup(node.inputs[1]);
  const y = lookup(node.outputs[0]);
  if (x.dtype !== 's8' || w.dtype !== 's8' || y.dtype !== 's8') return null;
  if (node.op === 'conv2d') {
    if ((node.attrs as { group?: number }).group !== 1 || w.shape.length !== 4) return null;
  } else if (w.shape.length !== 2) {
    return null;
  }
  const n = w.shape[0];
  const k = w.shape.slice(1).reduce((a, b) => a * b, 1);
  if (n * k !== weightData.length || k > F.PACKED_K_MAX) return null;
  return { n, k };
}
