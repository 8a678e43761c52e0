// Binarized activations and 1-bit weights, the plain-TS oracle.
//
// binarize (s8 → sign8): y = x >= threshold ? +1 : -1, threshold in x's quantized units. The
// output is an s8 tensor with zero point 0 and scale beta; every consumer may read it as s8.
//
// conv2d / fully_connected with ENC_BINARY weights (w[c][k] = ±a_c; converter/codec/binary-weights.ts)
// computed as the runtime's direct kernels do, by popcounts over 32-bit sign words, but written
// for clarity: the sums must equal the dense s8 kernels' on the decoded weights exactly.
//   s8 input (offset off = -zp, u_k = x_k + 128):
//     sum_k (x_k + off) w_ck = a_c (2 (U_c + (off - 128) P_c) - S),
//     U_c = sum_j 2^j popcount(bits_c & plane_j(u)),  P_c = popcount(bits_c),  S = sum_k (x_k + off)
//   sign input (x_k in {-1, +1}, 0 for a padded conv tap):
//     sum_k x_k w_ck = a_c (2 popcount((bits_c ^ neg) & live) - popcount(live)),
//     neg_k = [x_k < 0], live_k = [x_k != 0]
import type { BinarizeAttrs, Conv2dAttrs, Node, Tensor } from '../../ir/graph.js';
import { binaryLayout, checkBinaryStream, signWordAt } from '../../codec/binary-weights.js';
import * as F from '../../../format/format.js';
import { multiplyByQuantizedMultiplier } from '../fixedpoint.js';
import { conv2dOutputShape } from '../float/conv2d.js';
import { kernelError } from '../tensor-util.js';
import type { RefKernel, RefValue } from '../types.js';
import { perChannelRequant, requireS8 } from './common.js';

export const binarize_s8_ref: RefKernel = (node, inputs) => {
  const x = requireS8(node, inputs, 0, 'x');
  const t = (node.attrs as BinarizeAttrs).threshold;
  if (!Number.isInteger(t) || t < -128 || t > 128) throw kernelError(node, `threshold must be an integer in [-128, 128], got ${t}`);
  return [Int8Array.from(x.data, (v) => (v >= t ? 1 : -1))];
};

function popcount(v: number): number {
  v >>>= 0;
  let n = 0;
  while (v) {
    v &= v - 1;
    n++;
  }
  return n;
}

/** 32-bit words of bit `bit(k)` over k < K. */
function packWords(K: number, bit: (k: number) => number): Uint32Array {
  const words = new Uint32Array(Math.ceil(K / 32));
  for (let k = 0; k < K; k++) if (bit(k)) words[k >> 5] |= 1 << (k & 31);
  return words;
}

/**
 * Per output channel c: sum_k x'_k w_ck for one row of K input bytes, from the binary stream.
 * sign = false: x' = x + off (int8 input); sign = true: x' = x (values -1, 0, +1).
 */
export function binaryRowSums(stream: Uint8Array, row: Int8Array, off: number, sign: boolean): Int32Array {
  const dv = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  const O = dv.getUint32(4, true), K = dv.getUint32(8, true);
  if (row.length !== K) throw new RangeError(`binaryRowSums: row of ${row.length} for K = ${K}`);
  const l = binaryLayout(O, K);
  const out = new Int32Array(O);
  if (sign) {
    const neg = packWords(K, (k) => (row[k] < 0 ? 1 : 0));
    const live = packWords(K, (k) => (row[k] !== 0 ? 1 : 0));
    const liveCount = live.reduce((s, w) => s + popcount(w), 0);
    for (let c = 0; c < O; c++) {
      let agree = 0;
      for (let i = 0; i < l.words; i++) agree += popcount((dv.getUint32(signWordAt(l, c, i), true) ^ neg[i]) & live[i]);
      out[c] = Math.imul(stream[F.BINARY_HEADER_SIZE + c], 2 * agree - liveCount);
    }
    return out;
  }
  const planes = Array.from({ length: 8 }, (_, j) => packWords(K, (k) => ((row[k] + 128) >> j) & 1));
  let S = 0;
  for (let k = 0; k < K; k++) S += row[k] + off;
  for (let c = 0; c < O; c++) {
    let U = 0, P = 0;
    for (let i = 0; i < l.words; i++) {
      const w = dv.getUint32(signWordAt(l, c, i), true);
      P += popcount(w);
      for (let j = 0; j < 8; j++) U += popcount(w & planes[j][i]) << j;
    }
    out[c] = Math.imul(stream[F.BINARY_HEADER_SIZE + c], (2 * (U + (off - 128) * P) - S) | 0);
  }
  return out;
}

function requantRow(sums: Int32Array, rq: ReturnType<typeof perChannelRequant>, out: Int8Array, at: number): void {
  for (let c = 0; c < sums.length; c++) {
    let acc = sums[c];
    if (rq.bias) acc = (acc + rq.bias.data[c]) | 0;
    const v = multiplyByQuantizedMultiplier(acc, rq.mult[c], rq.shift[c]) + rq.outZp;
    out[at + c] = v < rq.lo ? rq.lo : v > rq.hi ? rq.hi : v;
  }
}

/**
 * fully_connected (s8 or sign input) with weights given as an ENC_BINARY stream; inputs as the s8
 * kernel's (input 1 gives the dense shape), `sign`: x holds -1/+1.
 */
export function fullyConnectedBinaryRef(node: Node, inputs: (RefValue | undefined)[], outputs: Tensor[], stream: Uint8Array, sign: boolean): Int8Array {
  const x = requireS8(node, inputs, 0, 'x');
  const wShape = inputs[1]!.shape;
  checkBinaryStream(stream, wShape);
  const [nOut, k] = wShape;
  const rq = perChannelRequant(node, inputs, outputs, x, nOut);
  const rows = x.data.length / k;
  const out = new Int8Array(rows * nOut);
  for (let r = 0; r < rows; r++) requantRow(binaryRowSums(stream, x.data.subarray(r * k, (r + 1) * k), -rq.inZp, sign), rq, out, r * nOut);
  return out;
}

/** conv2d (group 1) as fullyConnectedBinaryRef: each pixel's patch, padded taps as the zero point. */
export function conv2dBinaryRef(node: Node, inputs: (RefValue | undefined)[], outputs: Tensor[], stream: Uint8Array, sign: boolean): Int8Array {
  const x = requireS8(node, inputs, 0, 'x');
  const wShape = inputs[1]!.shape;
  checkBinaryStream(stream, wShape);
  const a = node.attrs as Conv2dAttrs;
  if (a.group !== 1) throw kernelError(node, `binary weights need group 1, got ${a.group}`);
  const [[n, oh, ow, o]] = conv2dOutputShape(node, [x.shape, wShape]);
  const rq = perChannelRequant(node, inputs, outputs, x, o);
  const [, h, wd, c] = x.shape;
  const [, kh, kw] = wShape;
  const patch = new Int8Array(kh * kw * c);
  const out = new Int8Array(n * oh * ow * o);
  let at = 0;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        let p = 0;
        for (let ky = 0; ky < kh; ky++) {
          const iy = y * a.strides[0] - a.pads[0] + ky * a.dilations[0];
          for (let kx = 0; kx < kw; kx++) {
            const ix = xo * a.strides[1] - a.pads[1] + kx * a.dilations[1];
            const inside = iy >= 0 && iy < h && ix >= 0 && ix < wd;
            for (let ci = 0; ci < c; ci++) patch[p++] = inside ? x.data[((b * h + iy) * wd + ix) * c + ci] : rq.inZp;
          }
        }
        requantRow(binaryRowSums(stream, patch, -rq.inZp, sign), rq, out, at);
        at += o;
      }
    }
  }
  return out;
}
