// The switches of a per-model runtime build (`mote runtime`, docs/ABI.md "Per-model runtime
// builds"), shared by the runtime (assembly/features.ts) and the host that derives them from a blob
// (host/runtime-features.ts). A build compiled with `--use MOTE_SUBSET=1` and the six masks below
// links only what the masks name; without MOTE_SUBSET every mask is all ones (the full runtime).
//
//   MOTE_OPS       bit OP_* : the opcodes below OPS_LOW_BITS
//   MOTE_OPS_HIGH  bit OP_* - OPS_LOW_BITS: the opcodes from OPS_LOW_BITS on
//   MOTE_DTYPES    bit DTYPE_*: the forms of every op by its input 0 dtype (f32, s8/sign8, s16, s32)
//   MOTE_DECODERS  bit ENC_* : load-time decoders of STORAGE_ENCODED weights
//   MOTE_DIRECT    bit ENC_* : direct kernels reading STORAGE_DIRECT weights as stored
//   MOTE_KERNELS   bit KERNEL_* below: specialised kernels
//
// asc reads a `--use NAME=value` as an i32 constant, so a mask holds 31 bits; the opcodes span two.
export const OPS_LOW_BITS = 31;

// A KERNEL_* kernel is either required (its blob data has no other reader: KERNEL_PACKED) or
// optional (a general kernel computes the same bytes; the switch only trades size for speed).
// A new kernel adds a bit here, a guard `if (kernelBuilt(KERNEL_X) && ...)` around its call
// (assembly/features.ts), and its rule in host/runtime-features.ts.
export const KERNEL_PACKED = 0; // OPF_PACKED_W16 conv2d / fully_connected (gemm_packed.ts); required by packed ops
export const KERNEL_SMALLK = 1; // gemm.ts small-K 16-channel int8 GEMM (SIMD); optional
export const KERNEL_DW_PAIRS = 2; // depthwise_pairs.ts (int8 depthwise on tap pairs; 3x3 stride 1 / 2 as row sweeps); optional
export const KERNEL_DW_C1M8 = 3; // depthwise_conv2d.ts 1-channel x8 3x3 depthwise (SIMD); optional
export const KERNEL_DW_3X3_SCALAR = 4; // depthwise_scalar.ts row-wise 3x3 int8 depthwise (scalar build); optional
export const KERNEL_S8_PLAIN = 5; // int8 conv2d / fully_connected on plain weights (neither packed nor direct): gemm.ts and conv2d.ts's gathered paths; required by such ops
// The depthwise f32-screened stores (depthwise_pairs.ts store8x2F32 / store16F32, SIMD) in their two
// forms, per op: the ReLU one when the output zero point and lower clamp are -128 and the upper 127,
// the clamped one otherwise; optional (the exact f64 stores give the same bytes).
export const KERNEL_DW_F32_RELU = 6;
export const KERNEL_DW_F32_CLAMP = 7;
// int8 conv2d on plain weights other than a 1x1 stride-1 unpadded group-1 one (which runs as GEMM
// rows under KERNEL_S8_PLAIN): conv2d.ts's gathered / band / per-tap paths; required by such ops.
export const KERNEL_S8_PLAIN_CONV = 8;
// The general int8 depthwise (depthwise_conv2d.ts depthwise_conv2d_s8_impl) in the SIMD build:
// required by ops neither dw-c1m8 nor dw-pairs covers whole (format/kernel-scratch.ts
// ksDwPairsCoverAll); the scalar build always links it.
export const KERNEL_DW_GENERAL = 9;
// Packed int8 conv2d other than 1x1 stride-1 unpadded group-1 GEMM rows (and the band kernel
// plain spatial convs may take): conv2d.ts's band / quad / gathered pixel-pair paths; required by
// such ops.
export const KERNEL_PACKED_SPATIAL = 10;
// The conv / GEMM f32-screened 2-pixel stores (requant_fast.ts store16x2F32, SIMD) in their two
// forms: the ReLU one for int8 conv2d / fully_connected ops whose lower clamp is at or above the
// output zero point, the signed one otherwise; optional (the exact f64 stores give the same bytes).
export const KERNEL_CONV_F32_RELU = 11;
export const KERNEL_CONV_F32 = 12;
// The one-row fully_connected path on the prepared record with the f32-screened store
// (fully_connected.ts fcRow, SIMD): optional (without it such an op requantizes the general way),
// kept for ops of at least 16 channels (below, one group's general requantization costs ~10 ns).
export const KERNEL_FC_ROW = 13;
// The int8 3x3 stride-1 depthwise swept down the columns (depthwise_pairs.ts dwTransposed, SIMD):
// images at least twice as tall as wide (KWS's 25 x 5); optional (without it they take the row
// sweep, same bytes).
export const KERNEL_DW_COLS = 14;
// The ReLU f32-screened store of gemm_packed.ts's 4x8 tiles (requant_fast.ts
// requantF32Store4x8Relu, SIMD): packed int8 conv2d ops of at most 8 channels whose lower clamp is
// at or above the output zero point (first convs); optional.
export const KERNEL_CONV_F32_4X8 = 15;
// gemm_packed.ts's column sweep (gemmCols, SIMD): packed 1x1 stride-1 unpadded convs / GEMM rows of
// whole groups of 16 channels with the f32 table, each group run down up to 32 widened pixels with
// its f32 store inline; optional (without it they take the 2x16 tiles, same bytes).
export const KERNEL_CONV1X1_COLS = 16;
// The SIMD tap-pair depthwise's per-pixel path (depthwise_pairs.ts: address tables, 16 / 8 channels
// per pixel): int8 depthwise ops the row / column sweeps do not take (not 3x3 stride 1 / 2 with at
// most one padding column a side); optional (without it such ops take the general depthwise).
export const KERNEL_DW_PIXELS = 17;
// conv2d.ts stridedRows (SIMD): packed unpadded strided 1x1 convs over C % 16 == 0 input channels
// and whole groups of 16 output channels (ResNet shortcuts) on the 1x1 column sweep, their sampled
// pixels as its rows; optional (without it they take the band tiles, same bytes).
export const KERNEL_CONV1X1_STRIDED = 22;
export const KERNEL_COUNT = 23; // one past the last kernel bit
// MOTE_DECODERS bit (past the ENC_* codes) for the load-time packing of STORAGE_ENCODED records
// flagged ENC_FLAG_PACK_W16 (assembly/decode/pack_w16.ts); required by such records.
export const DECODER_PACK_W16 = 24;
