// Compact storage for the per-channel int8 requantization tables of conv2d / depthwise_conv2d /
// fully_connected (bias, Q31 multiplier, shift: three s32[C] constants, 12 B per output channel).
// On a small model they are a quarter of the int8 bytes (KWS DS-CNN: 7,056 B next to 22,016 B of
// weights), and they carry far less information than 32 bits per value:
//   * ENC_PACKED (bias, shift): frame-of-reference bit packing. Shifts span a few values per layer
//     (2 bits), biases rarely need more than 16 bits.
//   * ENC_REQUANT (multiplier): the f32 input and output scales and the per-channel weight scales
//     the quantizer derived it from, the latter as bfloat16 (2 bytes; `mote convert --tables
//     compact` makes the quantizer round weight scales up to bfloat16). The runtime recomputes
//     TFLite's QuantizeMultiplier at load. A stream is only written when that recomputation
//     reproduces every stored multiplier and shift exactly, so the decoded tables are the same
//     integers the raw tensors would hold.
// Both decode once at load into the expanded-weights region: RAM after load is unchanged.
import * as F from '../../format/format.js';
import type { Node, Tensor } from '../ir/graph.js';
import { quantizeMultiplier } from '../passes/quantize/multiplier.js';

export const TABLE_ENCODING_NAME: Record<number, string> = { [F.ENC_PACKED]: 'packed', [F.ENC_REQUANT]: 'requant' };

const TABLE_OPS = new Set(['conv2d', 'depthwise_conv2d', 'fully_connected']);

/**
 * Compact streams for the requantization tables of the s8 conv2d / depthwise_conv2d /
 * fully_connected steps, keyed by constant name (the root constant, after `rootOf` resolves
 * aliases). A table whose stream would not be smaller, or whose multipliers the f32 scales do not
 * reproduce, is left out (stored plain).
 */
export function requantTableStreams(steps: readonly Node[], lookup: (name: string) => Tensor, rootOf: (name: string) => string | undefined): Map<string, { code: number; bytes: Uint8Array }> {
  const out = new Map<string, { code: number; bytes: Uint8Array }>();
  const s32 = (name: string | undefined) => {
    const root = name ? rootOf(name) : undefined;
    const t = root !== undefined ? lookup(root) : undefined;
    return t && t.dtype === 's32' && t.data instanceof Int32Array ? { root: root!, data: t.data } : undefined;
  };
  const packed = (name: string | undefined) => {
    const t = s32(name);
    if (!t || out.has(t.root)) return;
    const bytes = encodePacked(t.data);
    if (bytes) out.set(t.root, { code: F.ENC_PACKED, bytes });
  };
  for (const node of steps) {
    if (!TABLE_OPS.has(node.op) || node.inputs.length !== 5 || lookup(node.inputs[1]).dtype !== 's8') continue;
    const bias = node.inputs[2], mult = s32(node.inputs[3]), shift = s32(node.inputs[4]);
    if (bias) packed(bias);
    if (mult && shift && !out.has(mult.root)) {
      const x = lookup(node.inputs[0]).quant, y = lookup(node.outputs[0]).quant, w = lookup(node.inputs[1]).quant;
      const bytes = x?.scale.length === 1 && y?.scale.length === 1 && w ? encodeRequant(x.scale[0], y.scale[0], w.scale, mult.data, shift.data) : undefined;
      if (bytes) out.set(mult.root, { code: F.ENC_REQUANT, bytes });
    }
    packed(node.inputs[4]);
  }
  return out;
}

/** The packed stream of s32 `values`, or undefined when it is not smaller than the raw bytes. */
export function encodePacked(values: Int32Array): Uint8Array | undefined {
  const n = values.length;
  if (n === 0) return undefined;
  let lo = values[0], hi = values[0];
  for (const v of values) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const span = hi - lo; // exact in doubles: at most 2^32 - 1
  const bits = span === 0 ? 0 : Math.floor(Math.log2(span)) + 1;
  const length = F.ENC_HEADER_SIZE + Math.ceil((n * bits) / 8);
  if (length >= n * 4) return undefined;
  const out = new Uint8Array(length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, length, true);
  out[4] = bits;
  out[5] = 4;
  dv.setInt32(8, lo, true);
  for (let i = 0; i < n; i++) {
    const field = values[i] - lo;
    for (let b = 0; b < bits; b++) {
      if (Math.floor(field / 2 ** b) % 2) {
        const bit = i * bits + b;
        out[F.ENC_HEADER_SIZE + (bit >> 3)] |= 1 << (bit & 7);
      }
    }
  }
  return out;
}

/** Bytes of an f32's bit pattern that matter: 4 minus its trailing zero bytes (at least 2). */
function scaleWidth(x: number): number {
  const v = new DataView(new ArrayBuffer(4));
  v.setFloat32(0, x);
  const bits = v.getUint32(0);
  return bits % 65536 === 0 ? 2 : bits % 256 === 0 ? 3 : 4;
}

/**
 * The requant stream for a layer's multipliers, or undefined when it is not smaller than the raw
 * table or the scales do not reproduce `mult` and `shift` exactly (tables that came from elsewhere).
 */
export function encodeRequant(inScale: number, outScale: number, wScales: ArrayLike<number>, mult: Int32Array, shift: Int32Array): Uint8Array | undefined {
  const n = mult.length;
  if (n === 0 || shift.length !== n || (wScales.length !== n && wScales.length !== 1)) return undefined;
  const ok = (x: number) => x > 0 && x < Infinity && Math.fround(x) === x;
  if (!ok(inScale) || !ok(outScale)) return undefined;
  const w = Array.from({ length: n }, (_, c) => (wScales.length === 1 ? wScales[0] : wScales[c]));
  if (!w.every(ok)) return undefined;
  const width = Math.max(...w.map(scaleWidth));
  const length = F.ENC_HEADER_SIZE + width * n;
  if (length >= 4 * n) return undefined;
  const out = new Uint8Array(length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, length, true);
  dv.setFloat32(4, inScale, true);
  dv.setFloat32(8, outScale, true);
  const f = new DataView(new ArrayBuffer(4));
  for (let c = 0; c < n; c++) {
    const m = derivedMultiplier(inScale, w[c], outScale);
    if (m.multiplier !== mult[c] || m.shift !== shift[c]) return undefined;
    f.setFloat32(0, w[c], true);
    for (let b = 0; b < width; b++) out[F.ENC_HEADER_SIZE + width * c + b] = f.getUint8(4 - width + b);
  }
  return out;
}

/** What the runtime computes per channel (assembly/quantize_multiplier.ts), for finite positive f32 scales. */
export function derivedMultiplier(inScale: number, wScale: number, outScale: number): { multiplier: number; shift: number } {
  return quantizeMultiplier((inScale * wScale) / outScale);
}

/** Decodes a packed or requant stream into `byteSize` bytes (TS mirror of assembly/decode/requant_tables.ts). */
export function decodeTable(code: number, stream: Uint8Array, byteSize: number): Uint8Array {
  const name = TABLE_ENCODING_NAME[code] ?? `encoding ${code}`;
  const fail = (msg: string): never => { throw new RangeError(`${name} stream: ${msg}`); };
  if (code !== F.ENC_PACKED && code !== F.ENC_REQUANT) fail('not a table encoding');
  if (stream.length < F.ENC_HEADER_SIZE) fail(`${stream.length} bytes, shorter than the header`);
  const dv = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  const length = dv.getUint32(0, true);
  if (length > stream.length) fail(`length ${length} runs past the ${stream.length} bytes available`);
  const out = new Uint8Array(byteSize);
  const ov = new DataView(out.buffer);
  if (code === F.ENC_PACKED) {
    const bits = stream[4], es = stream[5];
    if (bits > 32) fail(`bits ${bits} must be at most 32`);
    if (es !== 1 && es !== 2 && es !== 4) fail(`element size ${es} must be 1, 2 or 4`);
    if (dv.getUint16(6, true) !== 0) fail('reserved bytes must be 0');
    if (byteSize % es !== 0) fail(`${byteSize} bytes are not whole ${es}-byte elements`);
    const n = byteSize / es;
    const need = F.ENC_HEADER_SIZE + Math.ceil((n * bits) / 8);
    if (need !== length) fail(`length ${length} != ${need} bytes for ${n} ${bits}-bit fields`);
    const base = dv.getInt32(8, true);
    for (let i = 0; i < n; i++) {
      let field = 0;
      for (let b = 0; b < bits; b++) {
        const bit = i * bits + b;
        if ((stream[F.ENC_HEADER_SIZE + (bit >> 3)] >> (bit & 7)) & 1) field += 2 ** b;
      }
      const v = (base + field) | 0;
      if (es === 4) ov.setInt32(i * 4, v, true);
      else if (es === 2) ov.setInt16(i * 2, v, true);
      else ov.setInt8(i, v);
    }
    return out;
  }
  if (byteSize % 4 !== 0) fail(`${byteSize} bytes are not whole s32 elements`);
  const n = byteSize / 4;
  const width = n > 0 ? (length - F.ENC_HEADER_SIZE) / n : 0;
  if (width !== 2 && width !== 3 && width !== 4) fail(`length ${length} is not 12 + 2, 3 or 4 bytes for each of ${n} scales`);
  const inScale = dv.getFloat32(4, true), outScale = dv.getFloat32(8, true);
  const f = new DataView(new ArrayBuffer(4));
  for (let c = 0; c < n; c++) {
    for (let b = 0; b < 4; b++) f.setUint8(b, b < 4 - width ? 0 : stream[F.ENC_HEADER_SIZE + width * c + b - (4 - width)]);
    const w = f.getFloat32(0, true);
    const ok = (x: number) => x > 0 && x < Infinity;
    if (!ok(inScale) || !ok(outScale) || !ok(w)) fail(`channel ${c}: scales must be finite and positive`);
    ov.setInt32(c * 4, derivedMultiplier(inScale, w, outScale).multiplier, true);
  }
  return out;
}
