/// <reference path="./as-types.d.ts" />
// Kernel scratch: the bytes an op's kernels need while it runs (TFLite Micro's "scratch buffers"),
// which the converter plans as the op's scratch tensor (O_SCRATCH_TENSOR, an arena tensor live only
// during that op) instead of the runtime reserving them statically for the largest op it supports.
//
// Compiled twice, like format.ts: by TypeScript (converter/plan asks how big each op's scratch
// tensor must be) and by AssemblyScript (assembly/scratch.ts points the kernels' buffers into the
// blob's scratch tensor before the op runs, binding each part in this order only when the tensor
// holds it: kernels whose part is missing run their no-scratch path, so blobs planned when a part
// was smaller or absent keep working). One function on both sides, so the planned size and what
// the kernels use cannot drift. Keep to the common subset: functions
// of i32 arguments using + * & >> and comparisons on values below 2^31 (no division: TS would not
// truncate), no other types. (TypeScript reads `i32` from as-types.d.ts, the reference above.)
//
// An op's scratch is a row of parts, each a multiple of 16 bytes (so every part starts aligned):
//   conv2d, fully_connected (int8): [requant table][small-K weight pack][row-padded weight pack]
//   depthwise_conv2d (int8):        [requant table][folded bias][zero-point row][i16 tap pairs][accumulators][f32 requant table]
//   max/average pool2d (int8):      [accumulators]
//   add, sub (int8):                [a's rescale table][b's rescale table]
// Parts only a SIMD build uses are reserved too: a blob runs on either build.
import {
  OP_CONV2D, OP_DEPTHWISE_CONV2D, OP_FULLY_CONNECTED, OP_MAX_POOL2D, OP_AVERAGE_POOL2D, OP_ADD, OP_SUB,
} from './format';

// requant_fast.ts: the exact f64 requantization table, three f64 (S, pos, d) = 24 bytes per
// output channel, channels rounded up to 16 (the 16-channel stores read whole groups). Ops
// with more channels keep the integer requantization.
export const KS_FAST_MAX_CHANNELS = 512;
// gemm.ts: small-K 1x1 conv / fully_connected weights as i16 pairs, N*K <= this (N % 16 == 0,
// K % 8 == 0, K <= 32).
export const KS_SMALLK_MAX = 2048;
// gemm_packed.ts: packed conv weights re-laid with each kernel row's KW*C taps padded to an even
// count (group-1 convs whose KW*C is not a multiple of 4: first convs with C = 1 / 3), at most
// this many bytes.
export const KS_ROWPACK_MAX = 4096;
// depthwise_pairs.ts: at most this many channels and taps, and this many bytes of i16 tap pairs.
export const KS_DW_MAX_CHANNELS = 512;
export const KS_DW_MAX_TAPS = 32;
export const KS_DW_PACK_MAX = 10240;
// depthwise_conv2d.ts / pool.ts: channel accumulators (i32) in chunks of at most this many.
export const KS_DW_ACC_CHUNK = 256;
export const KS_POOL_CHUNK = 512;
// binary.ts: int8 add/sub's two tables of the 256 rescaled input values (i32 each).
export const KS_ADD_TABLES = 2048;

function up16(n: i32): i32 {
  return (n + 15) & ~15;
}

/** Channels of the requantization table (0: none) for an op with `o` output channels. */
export function ksFastChannels(code: i32, int8: i32, o: i32): i32 {
  if (int8 == 0 || (code != OP_CONV2D && code != OP_FULLY_CONNECTED && code != OP_DEPTHWISE_CONV2D)) return 0;
  const n = up16(o);
  return n <= KS_FAST_MAX_CHANNELS ? n : 0;
}

/** Bytes of the small-K weight pack: gemm.ts's condition, N = o output channels, K = k taps. */
export function ksSmallkBytes(code: i32, int8: i32, o: i32, k: i32, kh: i32, kw: i32, cg: i32, c: i32): i32 {
  if (int8 == 0) return 0;
  // conv2d reaches the GEMM only as a 1x1 group-1 conv (K = C).
  if (code == OP_CONV2D && (kh != 1 || kw != 1 || cg != c)) return 0;
  if (code != OP_CONV2D && code != OP_FULLY_CONNECTED) return 0;
  if ((k & 7) != 0 || k > 32 || (o & 15) != 0 || o * k > KS_SMALLK_MAX) return 0;
  return o * k * 2;
}

/**
 * Bytes of gemm_packed.ts's row-padded weights for a conv2d (o output channels, kh x kw kernel,
 * cg = c input channels): ceil(o / 16) groups of kh * (kw*c rounded up to even) taps as 32-byte
 * pairs of 16 channels. 0 when kw*c is a multiple of 4 (the packed layout serves as is), for
 * grouped convs, or past KS_ROWPACK_MAX.
 */
export function ksRowPackBytes(code: i32, int8: i32, o: i32, kh: i32, kw: i32, cg: i32, c: i32): i32 {
  if (int8 == 0 || code != OP_CONV2D || cg != c || ((kw * c) & 3) == 0) return 0;
  const bytes = ((o + 15) >> 4) * 16 * kh * ((kw * c + 1) & ~1);
  return bytes <= KS_ROWPACK_MAX ? bytes : 0;
}

/** Channels the tap-pair depthwise kernel covers (0: it does not run): multiplier 1, 8..512
 * channels, at most 32 taps. */
export function ksDwPairChannels(code: i32, int8: i32, c: i32, o: i32, kh: i32, kw: i32): i32 {
  if (int8 == 0 || code != OP_DEPTHWISE_CONV2D || o != c || c < 8 || c > KS_DW_MAX_CHANNELS) return 0;
  if (kh * kw > KS_DW_MAX_TAPS) return 0;
  return up16(c);
}

/** Bytes of the tap-pair kernel's i16 weight pairs (SIMD), 0 when they exceed KS_DW_PACK_MAX:
 * ceil(taps / 2) 64-byte slots per 16 channels. (Until session 7, 3x3 kept one slot more, the
 * former pixel-pair kernel's (w7, w8), unread since the row sweep replaced it: blobs planned then
 * have 64 B per 16 channels more scratch than this, which the kernels leave unused.) */
export function ksDwPackBytes(code: i32, int8: i32, c: i32, o: i32, kh: i32, kw: i32): i32 {
  const n = ksDwPairChannels(code, int8, c, o, kh, kw);
  const slots = (kh * kw + 1) >> 1;
  if (n == 0 || n * slots * 4 > KS_DW_PACK_MAX) return 0;
  return n * slots * 4;
}

/** 1 when the SIMD tap-pair kernel runs every channel of an int8 depthwise op (c input, o output
 * channels) whose scratch tensor holds `scratch` bytes (< 0: none), as scratch.ts binds the parts
 * (the kernel leaves C % 8 channels to the general depthwise); 0 otherwise. Per-model builds
 * without the general depthwise refuse ops where this is 0 (host/runtime-features.ts). */
export function ksDwPairsCoverAll(c: i32, o: i32, kh: i32, kw: i32, scratch: i32): i32 {
  const pair = ksDwPairChannels(OP_DEPTHWISE_CONV2D, 1, c, o, kh, kw);
  const pack = ksDwPackBytes(OP_DEPTHWISE_CONV2D, 1, c, o, kh, kw);
  if (scratch < 0 || pair == 0 || pack == 0 || (c & 7) != 0) return 0;
  let fast = ksFastChannels(OP_DEPTHWISE_CONV2D, 1, o) * 24;
  if (fast > scratch) fast = 0;
  return fast + pair * 5 + pack <= scratch ? 1 : 0;
}

/** 1 when the SIMD tap-pair depthwise runs an op whole as row sweeps (depthwise_pairs.ts dwRow3x3):
 * 3x3, stride (w) 1 or 2, dilation 1, at most one padding column a side (left pad pl; the last
 * pixel's right column at most the input width w), with its packing; 0: the op takes its
 * per-pixel path (KERNEL_DW_PIXELS). ow: output width. */
export function ksDwSweeps(c: i32, o: i32, kh: i32, kw: i32, sw: i32, dh: i32, dw: i32, pl: i32, w: i32, ow: i32): i32 {
  if (kh != 3 || kw != 3 || dh != 1 || dw != 1 || (sw != 1 && sw != 2) || pl < 0 || pl > 1) return 0;
  if ((sw == 1 ? ow + 1 - pl : 2 * ow - pl) > w) return 0;
  return ksDwPackBytes(OP_DEPTHWISE_CONV2D, 1, c, o, kh, kw) > 0 ? 1 : 0;
}

/** Bytes of the tap-pair kernel's f32 requantization table (depthwise_pairs.ts, SIMD; 3x3 only,
 * the row sweep's and the C = 1 kernel's): 8 bytes per channel. */
export function ksDwF32Bytes(code: i32, int8: i32, c: i32, o: i32, kh: i32, kw: i32): i32 {
  if (kh != 3 || kw != 3) return 0;
  return ksDwPairChannels(code, int8, c, o, kh, kw) * 8;
}

/** Accumulator chunk (channels) of the depthwise (o output channels) and pool (c channels) kernels. */
export function ksAccChannels(code: i32, int8: i32, c: i32, o: i32): i32 {
  if (int8 == 0) return 0;
  if (code == OP_DEPTHWISE_CONV2D) return o < KS_DW_ACC_CHUNK ? o : KS_DW_ACC_CHUNK;
  if (code == OP_MAX_POOL2D || code == OP_AVERAGE_POOL2D) return c < KS_POOL_CHUNK ? c : KS_POOL_CHUNK;
  return 0;
}

/**
 * Bytes of scratch an op needs (0: none). code: OP_*; int8: 1 when input 0 is s8 or sign8;
 * c: input channels (x's last dim); o: output channels (conv2d / fully_connected: w's dim 0;
 * depthwise: w's last dim); k: fully_connected's K (w's dim 1), else unused; kh, kw: kernel
 * taps (conv2d: w dims 1, 2; depthwise: w's dims rank-3, rank-2; else 1); cg: conv2d's w dim 3
 * (C / group), else c.
 */
export function kernelScratchBytes(code: i32, int8: i32, c: i32, o: i32, k: i32, kh: i32, kw: i32, cg: i32): i32 {
  if (code == OP_ADD || code == OP_SUB) return int8 != 0 ? KS_ADD_TABLES : 0;
  const fast = ksFastChannels(code, int8, o) * 24;
  if (code == OP_CONV2D) return fast + up16(ksSmallkBytes(code, int8, o, cg, kh, kw, cg, c)) + ksRowPackBytes(code, int8, o, kh, kw, cg, c);
  if (code == OP_FULLY_CONNECTED) return fast + ksSmallkBytes(code, int8, o, k, 1, 1, c, c);
  if (code == OP_DEPTHWISE_CONV2D) {
    const pair = ksDwPairChannels(code, int8, c, o, kh, kw);
    return fast + pair * 5 + ksDwPackBytes(code, int8, c, o, kh, kw) + up16(ksAccChannels(code, int8, c, o) * 4) + ksDwF32Bytes(code, int8, c, o, kh, kw);
  }
  return up16(ksAccChannels(code, int8, c, o) * 4);
}
