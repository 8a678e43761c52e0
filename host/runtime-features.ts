// What a per-model runtime build must link for a set of blobs (format/runtime-features.ts): the
// opcodes, the dtype forms (input 0's dtype per op), the weight decoders and direct kernels the
// tensor records name, and the specialised kernels. Required parts come from the blob's contents
// (a packed op needs the packed kernel); optional kernels (a general kernel gives the same bytes)
// are kept when some op of the blob would run them, by the same conditions as the runtime
// (format/kernel-scratch.ts), so the trimmed build is as fast as the full one on its blobs.
import * as F from '../format/format.js';
import * as RF from '../format/runtime-features.js';
import { ksSmallkBytes, ksDwPairChannels, ksDwPairsCoverAll, ksDwSweeps } from '../format/kernel-scratch.js';
import { preparedFcBytes } from '../format/prepared.js';
import type { BlobView } from './blob-reader.js';
import { OPCODE_NAMES } from './opcodes.js';

export interface RuntimeFeatures {
  /** Bit OP_* per opcode below RF.OPS_LOW_BITS. */
  ops: number;
  /** Bit OP_* - RF.OPS_LOW_BITS per opcode from RF.OPS_LOW_BITS on. */
  opsHigh: number;
  /** Bit DTYPE_* per op form (input 0's dtype; sign8 counts as s8). */
  dtypes: number;
  /** Bit ENC_* per decoder of STORAGE_ENCODED weights. */
  decoders: number;
  /** Bit ENC_* per direct kernel (STORAGE_DIRECT weights). */
  direct: number;
  /** Bit KERNEL_* per specialised kernel. */
  kernels: number;
}

export const KERNEL_NAMES: Record<number, string> = {
  [RF.KERNEL_PACKED]: 'packed',
  [RF.KERNEL_SMALLK]: 'smallk',
  [RF.KERNEL_DW_PAIRS]: 'dw-pairs',
  [RF.KERNEL_DW_C1M8]: 'dw-c1m8',
  [RF.KERNEL_DW_3X3_SCALAR]: 'dw-3x3-scalar',
  [RF.KERNEL_S8_PLAIN]: 's8-plain',
  [RF.KERNEL_DW_F32_RELU]: 'dw-f32-relu',
  [RF.KERNEL_DW_F32_CLAMP]: 'dw-f32-clamp',
  [RF.KERNEL_S8_PLAIN_CONV]: 's8-plain-conv',
  [RF.KERNEL_DW_GENERAL]: 'dw-general',
  [RF.KERNEL_PACKED_SPATIAL]: 'packed-spatial',
  [RF.KERNEL_CONV_F32_RELU]: 'conv-f32-relu',
  [RF.KERNEL_CONV_F32]: 'conv-f32',
  [RF.KERNEL_FC_ROW]: 'fc-row',
  [RF.KERNEL_DW_COLS]: 'dw-cols',
  [RF.KERNEL_CONV_F32_4X8]: 'conv-f32-4x8',
  [RF.KERNEL_DW_PIXELS]: 'dw-pixels',
  [RF.KERNEL_CONV1X1_COLS]: 'conv1x1-cols',
  [RF.KERNEL_CONV1X1_STRIDED]: 'conv1x1-strided',
};
export const ENCODING_NAMES: Record<number, string> = {
  [F.ENC_PALETTE]: 'palette',
  [F.ENC_SPARSE]: 'sparse',
  [F.ENC_HUFFMAN]: 'huffman',
  [F.ENC_PALETTE_HUFFMAN]: 'palette_huffman',
  [F.ENC_SPARSE_ROWS]: 'sparse_rows',
  [F.ENC_BINARY]: 'binary',
  [F.ENC_PACKED]: 'packed',
  [F.ENC_REQUANT]: 'requant',
  [RF.DECODER_PACK_W16]: 'pack-w16',
};
const DTYPE_NAMES: Record<number, string> = { [F.DTYPE_F32]: 'f32', [F.DTYPE_S8]: 's8', [F.DTYPE_S32]: 's32', [F.DTYPE_U8]: 'u8', [F.DTYPE_S16]: 's16', [F.DTYPE_BOOL]: 'bool' };

export const NO_FEATURES: RuntimeFeatures = { ops: 0, opsHigh: 0, dtypes: 0, decoders: 0, direct: 0, kernels: 0 };

const bit = (n: number): number => 2 ** n;
const has = (mask: number, n: number): boolean => Math.floor(mask / bit(n)) % 2 === 1;
// Masks stay below 2^31: asc reads `--use NAME=value` as an i32 constant.
function setBit(mask: number, n: number, what: string): number {
  if (n < 0 || n > 30) throw new Error(`${what} ${n} does not fit a per-model build's 31-bit mask (format/runtime-features.ts)`);
  return has(mask, n) ? mask : mask + bit(n);
}

/** The features the blob needs (readBlob's view of a valid blob). */
export function blobFeatures(view: BlobView): RuntimeFeatures {
  const f = { ...NO_FEATURES };
  const dv = new DataView(view.bytes.buffer, view.bytes.byteOffset, view.bytes.byteLength);
  const encOf = (id: number): number => dv.getUint8(view.header.tensorTableOffset + id * F.TENSOR_RECORD_SIZE + F.T_FLAGS);
  for (const t of view.tensors) {
    if (t.storage === F.STORAGE_ENCODED) f.decoders = setBit(f.decoders, encOf(t.id) & ~F.ENC_FLAG_PACK_W16, 'encoding');
    // Packed at load (the op that reads it is packed: KERNEL_PACKED below).
    if (t.packedAtLoad) f.decoders = setBit(f.decoders, RF.DECODER_PACK_W16, 'decoder');
    if (t.storage === F.STORAGE_DIRECT) f.direct = setBit(f.direct, encOf(t.id), 'encoding');
  }
  for (const op of view.ops) {
    if (op.opcode < RF.OPS_LOW_BITS) f.ops = setBit(f.ops, op.opcode, 'opcode');
    else f.opsHigh = setBit(f.opsHigh, op.opcode - RF.OPS_LOW_BITS, 'opcode');
    const x = view.tensors[op.inputs[0]];
    const int8 = x.dtype === F.DTYPE_S8 || x.dtype === F.DTYPE_SIGN8;
    f.dtypes = setBit(f.dtypes, x.dtype === F.DTYPE_SIGN8 ? F.DTYPE_S8 : x.dtype, 'dtype');
    if (!int8) continue;
    const w = op.inputs.length > 1 ? view.tensors[op.inputs[1]] : undefined;
    if (op.opcode === F.OP_DEPTHWISE_CONV2D && w) {
      // validate_ops.ts dwGeneralBuilt's rule (the SIMD build; the scalar one links it anyway).
      const [kh, kw, o] = w.shape.slice(-3), c = x.shape[3];
      const scratch = op.scratch < 0 ? -1 : view.tensors[op.scratch].byteSize;
      if (!(c === 1 && o === 8 && kh === 3 && kw === 3) && !ksDwPairsCoverAll(c, o, kh, kw, scratch)) f.kernels = setBit(f.kernels, RF.KERNEL_DW_GENERAL, 'kernel');
    }
    // conv2d.ts's 1x1 stride-1 unpadded group-1 condition (GEMM rows); params as docs/FORMAT.md.
    const rowsConv = (): boolean => {
      const y = view.tensors[op.outputs[0]], p = op.params, [, kh, kw] = w!.shape;
      return kh === 1 && kw === 1 && p[8] === 1 && p[0] === 1 && p[1] === 1 && p[4] === 0 && p[5] === 0 && y.shape[1] === x.shape[1] && y.shape[2] === x.shape[2];
    };
    // conv2d.ts stridedRows' condition (packed weights, SIMD; it runs on the column sweep): 1x1
    // unpadded, whole groups of 16 channels, not GEMM rows already.
    const stridedRowsConv = (): boolean => {
      const p = op.params, [o, kh, kw] = w!.shape;
      return kh === 1 && kw === 1 && p[8] === 1 && p[4] === 0 && p[5] === 0 && x.shape[3] % 16 === 0 && o % 16 === 0 && !rowsConv();
    };
    const yOut = view.tensors[op.outputs[0]];
    const pairs = op.opcode === F.OP_CONV2D ? yOut.shape[0] * yOut.shape[1] * yOut.shape[2] >= 2 : yOut.shape.reduce((a, b) => a * b, 1) >= 2 * (w?.shape[0] ?? 1);
    if ((op.opcode === F.OP_CONV2D || op.opcode === F.OP_FULLY_CONNECTED) && w && w.storage !== F.STORAGE_DIRECT && pairs) {
      // The f32 2-pixel (2-row) store form its kernels pick (requant_fast.ts): amin (conv param
      // 9, FC param 0) at or above the output zero point.
      const amin = op.params[op.opcode === F.OP_CONV2D ? 9 : 0];
      const relu = amin >= view.tensors[op.outputs[0]].zeroPoint;
      f.kernels = setBit(f.kernels, relu ? RF.KERNEL_CONV_F32_RELU : RF.KERNEL_CONV_F32, 'kernel');
      // Packed convs of at most 8 channels run the 4x8 tiles (their f32 table is prepared at load).
      if (relu && op.opcode === F.OP_CONV2D && (op.flags & F.OPF_PACKED_W16) && w.shape[0] <= 8) f.kernels = setBit(f.kernels, RF.KERNEL_CONV_F32_4X8, 'kernel');
      // Packed 1x1 GEMM-row convs of whole groups of 16 take gemm_packed.ts's column sweep, and so
      // do unpadded strided 1x1 ones over C % 16 == 0 channels (conv2d.ts stridedRows).
      if (op.opcode === F.OP_CONV2D && (op.flags & F.OPF_PACKED_W16) && w.shape[0] % 16 === 0 && (rowsConv() || stridedRowsConv())) f.kernels = setBit(f.kernels, RF.KERNEL_CONV1X1_COLS, 'kernel');
    }
    if (op.opcode === F.OP_FULLY_CONNECTED && w && w.shape[0] >= 16) {
      // A one-row op the SIMD build prepares (assembly/prepared.ts: packed weights, or plain s8 ones
      // it packs a copy of) runs fcRow.
      const packed = (op.flags & F.OPF_PACKED_W16) !== 0, plain = !packed && w.dtype === F.DTYPE_S8 && w.storage !== F.STORAGE_DIRECT;
      const numel = x.shape.reduce((a, b) => a * b, 1), k = w.shape[1];
      if (numel < 2 * k && preparedFcBytes(packed ? 1 : plain ? 2 : 0, w.shape[0], k, numel) > 0) f.kernels = setBit(f.kernels, RF.KERNEL_FC_ROW, 'kernel');
    }
    if (op.flags & F.OPF_PACKED_W16) {
      f.kernels = setBit(f.kernels, RF.KERNEL_PACKED, 'kernel');
      if (op.opcode === F.OP_CONV2D && !rowsConv()) f.kernels = setBit(f.kernels, RF.KERNEL_PACKED_SPATIAL, 'kernel');
      if (op.opcode === F.OP_CONV2D && stridedRowsConv()) f.kernels = setBit(f.kernels, RF.KERNEL_CONV1X1_STRIDED, 'kernel');
      continue;
    }
    if (!w || w.storage === F.STORAGE_DIRECT) continue;
    const c = x.shape[x.shape.length - 1] ?? 1;
    if (op.opcode === F.OP_CONV2D || op.opcode === F.OP_FULLY_CONNECTED) {
      // Plain int8 weights: the general kernels are required.
      f.kernels = setBit(f.kernels, RF.KERNEL_S8_PLAIN, 'kernel');
      const [o, kh, kw, cg] = op.opcode === F.OP_CONV2D ? w.shape : [w.shape[0], 1, 1, c];
      const k = op.opcode === F.OP_CONV2D ? kh * kw * cg : w.shape[1];
      if (ksSmallkBytes(op.opcode, 1, o, k, kh, kw, cg, c) > 0) f.kernels = setBit(f.kernels, RF.KERNEL_SMALLK, 'kernel');
      // Params: stride h, w, dilation h, w, pad top, left, bottom, right, group (docs/FORMAT.md).
      const y = view.tensors[op.outputs[0]], p = op.params;
      const rows = kh === 1 && kw === 1 && p[8] === 1 && p[0] === 1 && p[1] === 1 && p[4] === 0 && p[5] === 0 && y.shape[1] === x.shape[1] && y.shape[2] === x.shape[2];
      // (Spatial plain convs may take the packed band kernel on row-padded weights.)
      if (op.opcode === F.OP_CONV2D && !rows) f.kernels = setBit(setBit(f.kernels, RF.KERNEL_S8_PLAIN_CONV, 'kernel'), RF.KERNEL_PACKED_SPATIAL, 'kernel');
    }
    if (op.opcode === F.OP_DEPTHWISE_CONV2D) {
      // Params: stride h, w, dilation h, w (docs/FORMAT.md); the conditions are the kernels' own.
      const [kh, kw, o] = w.shape.slice(-3);
      const [, sw, dh, dw] = op.params;
      const pairs = ksDwPairChannels(op.opcode, 1, c, o, kh, kw) > 0, c1m8 = c === 1 && o === 8 && kh === 3 && kw === 3;
      if (pairs) f.kernels = setBit(f.kernels, RF.KERNEL_DW_PAIRS, 'kernel');
      // depthwise_pairs.ts dwTransposed (params: stride h, w, dilation h, w, pad top).
      const yDw = view.tensors[op.outputs[0]], [sh, , , , pt] = op.params;
      if (pairs && kh === 3 && kw === 3 && sh === 1 && sw === 1 && dh === 1 && dw === 1 && yDw.shape[2] * 2 <= yDw.shape[1] && pt >= 0 && pt <= 1 && yDw.shape[1] + 1 - pt <= x.shape[1]) {
        f.kernels = setBit(f.kernels, RF.KERNEL_DW_COLS, 'kernel');
      }
      if (c1m8) f.kernels = setBit(f.kernels, RF.KERNEL_DW_C1M8, 'kernel');
      // The pair kernel's per-pixel path: ops it does not run as row sweeps (params: pad left 5).
      if (pairs && !ksDwSweeps(c, o, kh, kw, sw, dh, dw, op.params[5], x.shape[2], yDw.shape[2])) f.kernels = setBit(f.kernels, RF.KERNEL_DW_PIXELS, 'kernel');
      if (pairs || c1m8) {
        // The f32 store form f32Prepare picks (amin, amax: params 9, 10).
        const relu = view.tensors[op.outputs[0]].zeroPoint === -128 && op.params[9] === -128 && op.params[10] === 127;
        f.kernels = setBit(f.kernels, relu ? RF.KERNEL_DW_F32_RELU : RF.KERNEL_DW_F32_CLAMP, 'kernel');
      }
      if (kh === 3 && kw === 3 && dh === 1 && dw === 1 && sw <= 2) f.kernels = setBit(f.kernels, RF.KERNEL_DW_3X3_SCALAR, 'kernel');
    }
  }
  return f;
}

/** Kernels with a general fallback that gives the same bytes (only speed depends on them). */
export const OPTIONAL_KERNELS: readonly number[] = [RF.KERNEL_SMALLK, RF.KERNEL_DW_PAIRS, RF.KERNEL_DW_C1M8, RF.KERNEL_DW_3X3_SCALAR, RF.KERNEL_DW_F32_RELU, RF.KERNEL_DW_F32_CLAMP, RF.KERNEL_CONV_F32_RELU, RF.KERNEL_CONV_F32, RF.KERNEL_FC_ROW, RF.KERNEL_DW_COLS, RF.KERNEL_CONV_F32_4X8, RF.KERNEL_DW_PIXELS, RF.KERNEL_CONV1X1_COLS, RF.KERNEL_CONV1X1_STRIDED];

/**
 * Optional kernels a per-model build drops, in this order, while it exceeds its size budget
 * (host/runtime-build.ts RUNTIME_BUDGET): conv1x1-cols adds ~1.8 KB to a SIMD build (vww 45,669 ->
 * 47,505 B at its landing, for its 1x1 convs in 0.88-0.95x the time: bench/README session 7), so a
 * model with less room keeps the 2x16 tiles instead of failing its budget.
 */
export const SIZE_OPTIONAL_KERNELS: readonly number[] = [RF.KERNEL_CONV1X1_COLS];

/** `f` without its optional kernels: the smallest build that still runs the same blobs. */
export function withoutOptionalKernels(f: RuntimeFeatures): RuntimeFeatures {
  let kernels = f.kernels;
  // Ops the depthwise pair / C = 1 kernels ran whole then need the general depthwise.
  if (has(kernels, RF.KERNEL_DW_PAIRS) || has(kernels, RF.KERNEL_DW_C1M8)) kernels = setBit(kernels, RF.KERNEL_DW_GENERAL, 'kernel');
  for (const k of OPTIONAL_KERNELS) if (has(kernels, k)) kernels -= bit(k);
  return { ...f, kernels };
}

/** What several blobs need together. */
export function unionFeatures(list: RuntimeFeatures[]): RuntimeFeatures {
  const or = (a: number, b: number): number => Number(BigInt(a) | BigInt(b));
  return list.reduce(
    (a, b) => ({ ops: or(a.ops, b.ops), opsHigh: or(a.opsHigh, b.opsHigh), dtypes: or(a.dtypes, b.dtypes), decoders: or(a.decoders, b.decoders), direct: or(a.direct, b.direct), kernels: or(a.kernels, b.kernels) }),
    { ...NO_FEATURES },
  );
}

/** The asc flags of a per-model build (scripts/build-wasm.mjs buildWasm's `args`). */
export function featureAscArgs(f: RuntimeFeatures): string[] {
  return [
    '--use', 'MOTE_SUBSET=1',
    '--use', `MOTE_OPS=${f.ops}`,
    '--use', `MOTE_OPS_HIGH=${f.opsHigh}`,
    '--use', `MOTE_DTYPES=${f.dtypes}`,
    '--use', `MOTE_DECODERS=${f.decoders}`,
    '--use', `MOTE_DIRECT=${f.direct}`,
    '--use', `MOTE_KERNELS=${f.kernels}`,
  ];
}

/** A stable key of the feature set (cache names, build ids). */
export function featureKey(f: RuntimeFeatures): string {
  return [f.ops, f.opsHigh, f.dtypes, f.decoders, f.direct, f.kernels].map((m) => m.toString(16)).join('-');
}

function names(mask: number, table: Record<number, string> | readonly string[], first = 0): string[] {
  const out: string[] = [];
  for (let n = 0; n < 31; n++) if (has(mask, n)) out.push((table as Record<number, string>)[first + n] ?? String(first + n));
  return out;
}

/** Human-readable lists of the feature set (CLI output, docs). */
export function describeFeatures(f: RuntimeFeatures): { ops: string[]; dtypes: string[]; decoders: string[]; direct: string[]; kernels: string[] } {
  return {
    ops: [...names(f.ops, OPCODE_NAMES), ...names(f.opsHigh, OPCODE_NAMES, RF.OPS_LOW_BITS)],
    dtypes: names(f.dtypes, DTYPE_NAMES),
    decoders: names(f.decoders, ENCODING_NAMES),
    direct: names(f.direct, ENCODING_NAMES),
    kernels: names(f.kernels, KERNEL_NAMES),
  };
}
