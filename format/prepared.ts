/// <reference path="./as-types.d.ts" />
// Prepared state: per-op data the SIMD runtime derives from the weights once, at mote_load, into
// memory it owns beyond the converter-planned arena and keeps across runs (TFLite Micro's
// persistent arena at Prepare). It is not in the blob and not planned by the converter; the scalar
// build prepares none. The host reads the bytes a loaded runtime holds from mote_prepared_bytes();
// `mote inspect` computes the same number from the blob with these functions.
//
// Compiled by TypeScript (host) and AssemblyScript (assembly/prepared.ts), like kernel-scratch.ts:
// functions of i32 arguments using + * & >> and comparisons, no division.
//
// Region: [one u32 per op: its table's offset in the region, 0 = none][tables, 16-byte aligned].
//   fully_connected, s8, fewer than 4 rows, packed weights (OPF_PACKED_W16): the kernel's
//   arguments read from the op and tensor records and the last partial group's bias padded to 16
//   channels (128 bytes), then its requantization table: for one row the f32 table of the
//   screened one-row store (assembly/kernels/fully_connected.ts: 8 bytes per output channel), for
//   two or three rows the exact f64 table (requant_fast.ts: 24 bytes per channel); channels
//   rounded up to 16. With 4 or more rows the op builds the f64 table in its kernel scratch per
//   run, which costs about as much as requantizing a few rows the general way: one row cannot pay
//   for it, a load can.
//   The same op with plain [N, K] weights (the converter leaves few-channel layers unpacked for
//   their padding) when a packed copy takes at most PREPARED_PACK_MAX bytes: arguments, table,
//   then that copy (the OPF_PACKED_W16 layout without the sums), so it runs the packed one-row tile.
import { PACKED_K_MAX, OP_CONV2D, OP_FULLY_CONNECTED } from './format';

// The fully_connected arguments ahead of its table (assembly/prepared.ts writes and reads them).
export const PREPARED_FC_ARGS = 128;
export const PREPARED_PACK_MAX = 4096;

/** Bytes of a packed copy of plain [n, k] weights: groups of 16 channels x tap pairs x 32 bytes. */
export function preparedPackBytes(n: i32, k: i32): i32 {
  return ((n + 15) >> 4) * (((k + 3) >> 2) << 1) * 32;
}

/** Bytes of a prepared fully_connected's requantization table: f32 for one row, else f64. */
export function preparedFcTableBytes(n: i32, k: i32, xNumel: i32): i32 {
  return ((n + 15) & ~15) * (xNumel < 2 * k ? 8 : 24);
}

/** Bytes an op prepares, 0 for none: layout 1 for an int8 fully_connected with packed weights, 2
 *  with plain s8 weights (0: any other op); n output channels, k taps per row, xNumel input
 *  values (rows = xNumel / k). */
export function preparedFcBytes(layout: i32, n: i32, k: i32, xNumel: i32): i32 {
  if (layout == 0 || xNumel >= 4 * k) return 0;
  const table = PREPARED_FC_ARGS + preparedFcTableBytes(n, k, xNumel);
  if (layout == 1) return table;
  const pack = preparedPackBytes(n, k);
  return k <= PACKED_K_MAX && pack <= PREPARED_PACK_MAX ? table + pack : 0;
}

/** Bytes of the region's op index for `ops` ops: one u32 each, then 16-byte aligned tables. */
export function preparedIndexBytes(ops: i32): i32 {
  return (ops * 4 + 15) & ~15;
}

// An int8 depthwise_conv2d (depth multiplier 1, C % 8 == 0, C >= 8, at most 32 taps): a header
// of PREPARED_DW_HEAD bytes, then per channel (rounded up to 16) the f64 requantization table
// (24 bytes), folded bias (4), zero-point row (1), f32 table (8) and the i16 tap-pair weights
// (4 bytes per pair; until session 7 one slot more, the former pixel-pair kernel's): what
// assembly/kernels/depthwise_pairs.ts otherwise derives in the op's scratch on every run (about
// 2 % of vww's run, a third of its 3x3-pixel layers).
export const PREPARED_DW_HEAD = 32;

/** Bytes a depthwise op prepares (0: none): c channels, depth multiplier m, kh x kw taps. */
export function preparedDwBytes(c: i32, m: i32, kh: i32, kw: i32): i32 {
  if (m != 1 || c < 8 || (c & 7) != 0 || kh * kw > 32) return 0;
  const c16 = (c + 15) & ~15;
  return PREPARED_DW_HEAD + c16 * (37 + 4 * ((kh * kw + 1) >> 1));
}

// An int8 conv2d with packed weights (OPF_PACKED_W16): a 16-byte header (whether the table holds
// every channel; the f32 screen's threshold bits, 0 for none), the f64 requantization table (24
// bytes per output channel, rounded up to 16), which assembly/kernels/gemm_packed.ts otherwise
// builds per run (~7 ns per channel) or, under 16 pixels, does without, then the f32 table of the
// screened stores (requant_fast.ts f32Begin: 8 bytes per channel).
export const PREPARED_CONV_HEAD = 16;

/** Bytes a packed int8 conv2d prepares: o output channels. */
export function preparedConvBytes(o: i32): i32 {
  return PREPARED_CONV_HEAD + ((o + 15) & ~15) * 32;
}

// A budget (mote_set_prepare_budget, MoteLoadOptions.prepareBudget) caps the region: the runtime
// takes ops in rank order (0 first; schedule order within a rank) while the region, op index
// included, stays within it, and stops at the first op that does not fit, so the bytes prepared
// only grow with the budget. Ops left out run their per-run paths (same output bytes). The ranks
// follow the time saved per prepared byte, measured per op on vww / person_detect / kws / ad (bench/
// README session 7 "prep"): packed conv2d 0.3-7 ns per run per byte (it also gets the f32-screened
// stores; the most on early layers with many pixels, which come first in the schedule),
// fully_connected 0.05-0.5, depthwise 0.1-0.14 (57 bytes per channel of a 3x3 op).
export const PREPARED_RANKS = 3;

/** An op's rank in the budget's order (format/prepared.ts above): conv2d, fully_connected, depthwise. */
export function preparedRank(opcode: i32): i32 {
  return opcode == OP_CONV2D ? 0 : opcode == OP_FULLY_CONNECTED ? 1 : 2;
}
