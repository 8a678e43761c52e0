// The .mote blob format: every constant the converter, the host and the WASM runtime share.
//
// This file is compiled twice: by TypeScript (converter/, host/) and by AssemblyScript (assembly/).
// Keep it to the common subset: `export const NAME = <integer literal>;` and comments only — no
// arrays, strings, enums or functions, so both compilers read the same numbers and the three parts
// of Mote can never drift apart. docs/FORMAT.md explains the layout in prose.
//
// Layout (all little-endian; every section starts on a 16-byte boundary so SIMD loads of weights
// and activations are aligned):
//
//   +--------------------+ 0
//   | header (HEADER_SIZE)|
//   +--------------------+ tensor_table_offset
//   | tensor records      |  TENSOR_RECORD_SIZE each
//   +--------------------+ op_table_offset
//   | op records          |  OP_RECORD_SIZE each, in execution order (the schedule)
//   +--------------------+ index_offset
//   | u32 index words     |  tensor ids: each op's inputs then outputs; graph inputs; graph outputs
//   +--------------------+ params_offset
//   | i32 param words     |  per-op scalars (strides, pads, multipliers...); f32 stored as raw bits
//   +--------------------+ weights_offset
//   | weights             |  constant tensors, each 16-byte aligned, packed as the kernels read them
//   +--------------------+ meta_offset
//   | metadata (UTF-8 JSON)|
//   +--------------------+ total_size

// ---- Header ---------------------------------------------------------------------------------
export const MAGIC = 0x45544f4d; // "MOTE" read as a little-endian u32
export const FORMAT_VERSION = 2; // bumped on any incompatible change; the runtime accepts exactly this
// (2: the header grew to 112 bytes with expanded_size and weights_scratch_size, read before the
// blob is copied in so the runtime grows memory once)
export const SECTION_ALIGN = 16;

// Byte offsets of the u32 header fields.
export const H_MAGIC = 0;
export const H_VERSION = 4;
export const H_FLAGS = 8;
export const H_CRC32 = 12; // CRC-32 (IEEE, as zlib) of bytes [CRC_START, total_size)
export const H_TOTAL_SIZE = 16;
export const H_HEADER_SIZE = 20;
export const H_ARENA_SIZE = 24; // bytes of activation memory the planner assigned
export const H_ARENA_LOWER_BOUND = 28; // max over schedule steps of the bytes live at that step
export const H_TENSOR_COUNT = 32;
export const H_TENSOR_TABLE_OFFSET = 36;
export const H_OP_COUNT = 40;
export const H_OP_TABLE_OFFSET = 44;
export const H_INDEX_OFFSET = 48;
export const H_INDEX_COUNT = 52; // number of u32 words
export const H_PARAMS_OFFSET = 56;
export const H_PARAMS_COUNT = 60; // number of i32 words
export const H_WEIGHTS_OFFSET = 64;
export const H_WEIGHTS_SIZE = 68;
export const H_META_OFFSET = 72;
export const H_META_SIZE = 76;
export const H_INPUT_COUNT = 80;
export const H_INPUTS_INDEX = 84; // first index word of the graph inputs
export const H_OUTPUT_COUNT = 88;
export const H_OUTPUTS_INDEX = 92; // first index word of the graph outputs
export const H_EXPANDED_SIZE = 96; // bytes of the expanded-weights region (STORAGE_ENCODED), 0 without encoded weights
export const H_WEIGHTS_SCRATCH_SIZE = 100; // FLAG_WEIGHTS_EXTERNAL: bytes of the per-op weights scratch region; else 0
export const H_RESERVED0 = 104; // 0
export const H_RESERVED1 = 108; // 0
export const HEADER_SIZE = 112;
export const CRC_START = 16; // magic, version, flags and the CRC itself are checked directly

// Header flags.
export const FLAG_NONE = 0;
// The weights section is the blob's last section and stays outside linear memory: the host copies
// only bytes [0, weights_offset) in, and the stream builds of the runtime read each op's weights
// through the env.mote_read_weights import into the scratch region (docs/FORMAT.md, docs/ABI.md).
export const FLAG_WEIGHTS_EXTERNAL = 1;
export const FLAG_KNOWN = 1; // every defined flag bit

// ---- Tensor records -------------------------------------------------------------------------
export const TENSOR_RECORD_SIZE = 48;
export const T_DTYPE = 0; // u8, one of DTYPE_*
export const T_RANK = 1; // u8, 0..MAX_RANK
export const T_STORAGE = 2; // u8, one of STORAGE_*
export const T_FLAGS = 3; // u8, reserved (0)
export const T_DIMS = 4; // MAX_RANK i32 dims, unused ones 1
export const T_OFFSET = 28; // u32 byte offset within the arena or the weights section
export const T_BYTE_SIZE = 32; // u32, = product(dims) * dtype size (weights may be larger when packed)
export const T_SCALE = 36; // f32 quantization scale (0 for float tensors)
export const T_ZERO_POINT = 40; // i32 quantization zero point
export const T_RESERVED = 44;
export const MAX_RANK = 6;

export const DTYPE_F32 = 1;
export const DTYPE_S8 = 2;
export const DTYPE_S32 = 3;
export const DTYPE_U8 = 4;
export const DTYPE_S16 = 5;
// Binarized activations: int8 bytes holding only -1 and +1 (scale = the per-tensor magnitude beta,
// zero point 0). Only OP_BINARIZE writes them; CONV2D and FULLY_CONNECTED read them (with binary
// direct weights: the XNOR-popcount kernels). Never a graph input.
export const DTYPE_SIGN8 = 6;
// Booleans: one byte per element, 0 (false) or 1 (true). compare and logical write them (only 0 and
// 1); logical and select read them, any non-zero byte as true. Never quantized (scale 0, zero point 0).
export const DTYPE_BOOL = 7;
export const DTYPE_COUNT = 8; // one past the last dtype code

export const STORAGE_ARENA = 0; // activation: lives in the planned arena
export const STORAGE_WEIGHTS = 1; // constant: lives in the weights section of the blob
export const STORAGE_EMPTY = 2; // optional input that is absent (e.g. no bias): one shared record, rank 0, offset 0, byte_size 0
export const STORAGE_ENCODED = 3; // constant stored encoded in the weights section, decoded once at load
//   into the "expanded weights" RAM region (docs/FORMAT.md, "Encoded weights"). For these records
//   T_FLAGS holds the encoding (ENC_*), T_OFFSET/T_BYTE_SIZE place the decoded bytes in the expanded
//   region (records in table order, non-overlapping), T_STREAM_OFFSET is the stream's offset in the
//   weights section; a stream starts with its own u32 length in bytes.
export const STORAGE_DIRECT = 4; // constant whose ENC_* stream stays in the weights section and is read
//   as stored by a kernel that understands its encoding (no expansion; docs/FORMAT.md "Direct
//   weights"). T_FLAGS = ENC_*, T_STREAM_OFFSET as for STORAGE_ENCODED, T_OFFSET 0, T_DIMS and
//   T_BYTE_SIZE the logical dense tensor. Only the weights (input 1) of ops with a direct kernel.
export const STORAGE_COUNT = 5; // one past the last storage kind
export const T_STREAM_OFFSET = 44; // = T_RESERVED, only for STORAGE_ENCODED and STORAGE_DIRECT records
export const ENC_PALETTE = 1; // per-group codebook + 1/2/4/8-bit packed indices (k-means clusters, binary weights)
export const ENC_SPARSE = 2; // relative-index sparse: non-zero elements + 4/8-bit gaps (filler zeros on overflow)
export const ENC_HUFFMAN = 3; // canonical Huffman over the bytes, code lengths <= HUFFMAN_MAX_BITS
export const ENC_PALETTE_HUFFMAN = 4; // palette whose indices are Huffman-coded (Deep Compression)
export const ENC_SPARSE_ROWS = 5; // per-output-row sparse int8 for the direct kernels (layout below)
export const ENC_BINARY = 7; // 1-bit weights ±a_c: per-channel int8 magnitude + sign-bit rows (read directly by kernels)
// Codes 6 and 8 are reserved for other storage kinds. 9 and 10 store the per-channel int8
// requantization tables of conv2d / depthwise_conv2d / fully_connected (bias, multiplier, shift)
// in fewer bytes than raw s32 (docs/FORMAT.md, "Compact requantization tables"):
export const ENC_PACKED = 9; // frame-of-reference bit packing: element = base + an unsigned bits-wide field
export const ENC_REQUANT = 10; // Q31 multipliers derived at load from f32 scales stored in 2-4 bytes (TFLite's QuantizeMultiplier)
export const ENC_COUNT = 11; // one past the last encoding
// T_FLAGS bit of a STORAGE_ENCODED s8 record (with its ENC_* in the low bits): the stream holds the
// plain OHWI / [N, K] bytes (N = dims[0], K = numel / N <= PACKED_K_MAX), and the runtime packs them
// at load into the OPF_PACKED_W16 layout, |w| sums included, which fills the record's byte_size
// (the packed size): encoded weights run on the packed kernels at no flash cost. Only input 1 of
// an OPF_PACKED_W16 op reads such a record. The runtime repacks in place, one group of 16 rows at a
// time through the arena (free at load), so arena_size >= min(N, 16) * K. (docs/FORMAT.md,
// "Encoded weights packed at load")
export const ENC_FLAG_PACK_W16 = 0x80;
export const HUFFMAN_MAX_BITS = 15;
// Stream layouts (byte offsets from the stream start; every stream is 4-byte aligned):
//   palette: u32 length, u8 bits (1|2|4|8), u8 element size (1|2|4), u8 mode (0: G contiguous groups
//            of n/G elements, 1: element i is in group i % G), u8 0, u32 G, then G * 2^bits codebook
//            entries (element bytes), then ceil(n * bits / 8) index bytes, LSB first.
//   sparse:  u32 length, u8 gap bits (4|8), u8 element size, u16 0, u32 m entries, then m element
//            values, then ceil(m * gapBits / 8) gap bytes, LSB first; entry j sits gap_j + 1 elements
//            after entry j-1 (the first at gap_0); every other element is zero bytes.
//   palette-huffman: the palette header and codebooks, then 128 bytes of code lengths and the
//            code bits (as huffman below) of the n index bytes, to the end of the stream.
//   sparse-rows: u32 length, u8 8 (gap bits), u8 1 (element size), u16 0, u32 R rows (= dims[0]),
//            then R u16 entry counts, then per row its entries as (u8 gap, i8 value) pairs: entry
//            j of a row sits at column c_j = c_{j-1} + gap + 1 (c_{-1} = -1), < K = n / R; longer
//            gaps are bridged by filler entries of value 0. Length = 12 + 2R + 2 * total entries.
//   huffman: u32 length, then 128 bytes of code lengths (symbol 2s in the low nibble, 2s+1 in the
//            high; 0 = unused), then the canonical code bits, MSB of each code first, bytes filled
//            from their most significant bit.
//   packed:  u32 length, u8 bits (0..32), u8 element size (1|2|4), u16 0, i32 base, then
//            ceil(n * bits / 8) bytes of fields, LSB first (a field may straddle bytes); element i
//            is (base + field_i) truncated to the element size.
//   requant: u32 length, f32 input scale, f32 output scale, then the n per-channel f32 weight
//            scales w_i in W = (length - 12) / n bytes each (W = 2, 3 or 4): the high W bytes of
//            each f32 (its other bytes are 0), little-endian. Element i (s32) is the Q31 multiplier
//            of double(in)·double(w_i)/double(out), as TFLite's QuantizeMultiplier computes it (its
//            shift is stored in the shift tensor).
//   binary:  u32 length, u32 O (output channels = dim 0), u32 K (weights per channel), u32 0, then
//            O4 = O rounded up to 4 magnitude bytes a_c (0..127; padding channels 0), zero bytes up
//            to BINARY_HEADER_SIZE + O4 rounded up to 16, then the sign block: for each group of
//            four channels q and word i < ceil(K/32), four u32 words (channels 4q..4q+3), bit b of
//            channel c's word i = 1 iff w[c][32i + b] = +a_c (else -a_c). Bits past K, the words of
//            padding channels and of channels with a_c = 0 are 0.
export const ENC_HEADER_SIZE = 12; // palette, sparse, packed and requant header bytes
export const BINARY_HEADER_SIZE = 16;
export const HUFFMAN_HEADER_SIZE = 132;

// ---- Op records (the schedule) --------------------------------------------------------------
export const OP_RECORD_SIZE = 24;
export const O_OPCODE = 0; // u16
export const O_FLAGS = 2; // u16, OPF_* bits; every other bit 0
export const O_INPUT_COUNT = 4; // u16
export const O_OUTPUT_COUNT = 6; // u16
export const O_IO_INDEX = 8; // u32, first index word: inputs, then outputs
export const O_PARAMS_INDEX = 12; // u32, first param word
export const O_PARAMS_COUNT = 16; // u32
export const O_SCRATCH_TENSOR = 20; // i32 tensor id of a planner-sized scratch buffer, or -1

// Op flags (O_FLAGS). OPF_IN_PLACE: the planner gave the output the same arena bytes as one input
// (exact aliasing, same offset and size). Only elementwise ops get it; their kernels must read each
// element before writing it. Informational: kernels must be alias-safe whether or not it is set.
export const OPF_IN_PLACE = 1;
// The opcodes whose kernels are alias-safe (each element read before it is written), so the only
// ones whose output may be an exact in-place alias of an input (converter/plan/lifetimes.ts
// IN_PLACE_INPUTS); any other overlap of an op's output, inputs and scratch is refused at load.
// One bit per opcode below 32 (readers test code < 32 first: shift counts wrap mod 32).
// Defined after the opcodes below.
// OPF_PACKED_W16 (conv2d group 1 / fully_connected, s8): the weights (input 1) are stored packed
// for the SIMD dot_i16x8 micro-kernels instead of OHWI / [N, K]: with K = KH*KW*C (OHWI tap order)
// and K2 = 2 * ceil(K / 4) tap pairs (even: the kernels take two per step), byte
// ((g * K2 + k2) * 16 + c) * 2 + t holds w[16g + c][2*k2 + t], 0 past N
// or K; then N i32 values, channel c's sum of |w| (the kernels' accumulator bound for the exact f64
// requantization; the runtime checks them at load). The record keeps the logical shape; its
// byte_size is ceil(N / 16) * 32 * K2 + 4 * N. K is at most PACKED_K_MAX (the runtime widens
// one patch or row of K values into a fixed buffer).
export const OPF_PACKED_W16 = 2;
export const PACKED_K_MAX = 4096;

// Opcodes. The same name is used for the IR op (converter/ir), the plain-TS reference kernel
// (converter/reference) and the runtime kernels (assembly/kernels/<name>.ts). Params are i32 words;
// "f" marks an f32 stored as raw bits. Activation bounds (act_min, act_max) are f32 for float ops
// and quantized integers for int8 ops. Per-channel requantization (int8) comes as two s32 weight
// tensors: multiplier (Q31) and shift (TFLite convention: >0 left, <=0 right).
//
// CONV2D           in: x[N,H,W,C] w[O,KH,KW,C/group] bias[O]? (mult[O] shift[O] for s8)  out: y[N,OH,OW,O]
//                  params: stride_h stride_w dilation_h dilation_w pad_top pad_left pad_bottom
//                          pad_right group act_min act_max
// DEPTHWISE_CONV2D in: x[N,H,W,C] w[KH,KW,C*M] bias[C*M]? (mult shift for s8)  out: y[N,OH,OW,C*M]
//                  params: stride_h stride_w dilation_h dilation_w pad_top pad_left pad_bottom
//                          pad_right depth_multiplier act_min act_max
// FULLY_CONNECTED  in: x[..,K] (read as [numel/K, K]) w[N,K] bias[N]? (mult shift for s8)
//                  out: y[numel/K, N]   params: act_min act_max
// MATMUL           in: a[..,M,K] b[..,K,N] (numpy batch broadcast)  out: y[..,M,N]  params: (none)
// ADD, SUB, MUL, DIV  in: a b (numpy broadcast)  out: y
//                  f32 params: act_min(f) act_max(f)
//                  s8 ADD/SUB params: left_shift a_mult a_shift b_mult b_shift out_mult out_shift
//                          act_min act_max   (TFLite's add: inputs rescaled to a common scale)
//                  s8 MUL params: out_mult out_shift act_min act_max
// CLAMP            in: x out: y  params: min max (f for f32, integer for s8)
// LEAKY_RELU       in: x out: y  params: alpha(f)            (f32)
// SIGMOID, TANH, HARD_SWISH  in: x out: y  params: (none)     (f32)
// LUT              in: x(s8) table(s8[256], indexed by x+128) out: y(s8)  params: (none)
//                  int8 form of any elementwise unary op; the converter computes the table.
// MAX_POOL2D, AVERAGE_POOL2D  in: x[N,H,W,C] out: y[N,OH,OW,C]
//                  params: kernel_h kernel_w stride_h stride_w dilation_h dilation_w pad_top
//                          pad_left pad_bottom pad_right count_include_pad act_min act_max
// MEAN             in: x out: y (reduced dims kept as 1 in the out shape)
//                  params: axes_mask (bit i = reduce dim i)   s8 adds: mult shift
// CONCAT           in: x0..xn out: y  params: axis   (s8: every input shares the output's scale/zp)
// PAD              in: x out: y  params: mode, value(f for f32, integer for s8), then
//                          begin[rank] end[rank] (non-negative)
// TRANSPOSE        in: x out: y  params: perm[rank]
// SOFTMAX          in: x out: y  over one axis
//                  f32 params: axis beta(f)
//                  s8 params: axis input_multiplier input_left_shift diff_min   (TFLite Micro's;
//                          the s8 kernel requires axis = rank-1)
// QUANTIZE         in: x(f32) out: y(s8)   params: (none; scale and zero point from the tensors)
// DEQUANTIZE       in: x(s8) out: y(f32)   params: (none)
// REQUANTIZE       in: x(s8) out: y(s8)    params: mult shift
// COPY             in: x out: y (same bytes)  params: (none)
// STRIDED_SLICE    in: x out: y (same rank; y dims = the element counts)  params: begin[rank]
//                          stride[rank] (begin in range, stride non-zero; any dtype, bytes move)
// TRANSPOSE_CONV2D in: x[N,H,W,C] w[O,KH,KW,C/group] bias[O]? (mult[O] shift[O] for s8 / s16)
//                  out: y[N,OH,OW,O]   params: stride_h stride_w pad_top pad_left act_min act_max
//                          (f for f32; OH, OW from y; f32, s8 and s16 (16x8) forms), then
//                          optionally dilation_h dilation_w group (9 words; 6 words mean 1 1 1,
//                          the only form runtimes before the 9-word one take: they refuse 9)
// int16 (16x8: s16 activations, s8 weights, TFLite Micro's int16 kernels) forms:
//   CONV2D s16     as s8 (x, w(s8), bias(s32)?, mult, shift; int64 accumulator), act bounds int16
//   ADD, SUB s16   as s8 (left_shift 15), act bounds int16
//   LEAKY_RELU s16 params: alpha(f) id_mult id_shift alpha_mult alpha_shift
//   PAD s16        value is an int16
//   REQUANTIZE     in/out any of s8, s16, s32: mult shift
// LSTM             in: x[B,T,I] (or [T,B,I]) Wi Wf Wg Wo[H,I] Ri Rf Rg Ro[H,H] bi bf bg bo[H] (f32)
//                  out: y[B,T,H] (or [T,B,H])   params: time_major activation cell_clip(f)
//                  (activation: 0 none 1 relu 2 relu_n1_to_1 3 relu6 4 tanh, TFLite's codes;
//                  cell_clip 0 = off; zero initial state; scratch: B*H f32 cell state)
//   LSTM s8        (TFLM integer LSTM: x, W, R, h s8 per-tensor; biases s32; int16 cell state)
//                  params: as f32 (activation 4), then cell_scale_power quantized_cell_clip, per
//                  gate i f g o: in_mult in_shift rec_mult rec_shift, then forget_cell_mult/shift
//                  input_mul_mult/shift output_mul_mult/shift (27 in all); scratch: B*H int16
// BINARIZE         in: x(s8) out: y(sign8, same shape, zero point 0)  params: threshold
//                  y = x >= threshold ? +1 : -1   (threshold in x's quantized units, -128..128)
// MAXIMUM, MINIMUM in: a b (numpy broadcast)  out: y   params: (none)
//                  y = a > b ? a : b (MINIMUM: a < b ? a : b), TFLite's rule; s8 compares the raw
//                  codes, so a, b and y share one scale and zero point
// ARG_MAX, ARG_MIN in: x (f32 or s8) out: y (s32, x's shape with dim axis = 1): the index along
//                  axis of the largest (smallest) element   params: axis mode (0: the first such
//                  index, as TFLite; 1: the last, ONNX select_last_index); s8 compares raw codes
// REDUCE_MAX, REDUCE_MIN in: x out: y (reduced dims kept as 1)   params: axes_mask (as MEAN)
//                  y = the largest (smallest) element, from -inf (+inf) for f32 and -128 (127)
//                  for s8, replaced only by a strictly larger (smaller) one: an empty reduction
//                  gives that start, a NaN never wins (TFLite Micro's rule, from -inf instead of
//                  -FLT_MAX); s8 compares raw codes, so x and y share one scale and zero point
// RESIZE           in: x[N,H,W,C] out: y[N,OH,OW,C] (f32, or s8 sharing x's scale and zero point)
//                  params: mode, then the source table: per output row (OH entries) then per
//                  output column (OW entries), the converter's source coordinates (docs/FORMAT.md):
//                  RESIZE_NEAREST: src (the row / column copied; 1 word an entry)
//                  RESIZE_BILINEAR: lo hi frac (3 words): y = lerp(x[lo], x[hi], frac) per axis,
//                  frac an f32 (f32 form) or a Q10 integer (s8 form: TFLM's ResizeBilinearInteger,
//                  |frac| <= 1024, rounded half away from zero at the end)
//                  RESIZE_TAPS (cubic, antialias, tf_crop_and_resize): mode extrapolation ky kx,
//                  then per row first w[ky], per column first w[kx]: y = Σ_j Σ_i
//                  x[first_y + i, first_x + j]·wy[i]·wx[j] (f32 from −0; s8: Q10 weights, the Q20
//                  sum rounded half away from zero and saturated); first = −1: the extrapolation
//                  value (f32 bits, or an s8 code). Runtimes before it refuse mode 2 at load.
// UNARY            in: x out: y (same shape)   params: function a(f) b(f)   (f32 only; the int8
//                  form of each function is a LUT the converter computes)
//                  function: a UNARY_* code below; a, b its constants (elu / celu alpha in a,
//                  selu alpha in a and gamma in b; 0 when unused)
// REDUCE_SUM       in: x out: y (reduced dims kept as 1)   params: axes_mask (as MEAN)
//                  s8 adds: mult shift   y = MBQM(sum - zp_in*n, mult, shift) + zp_out (TFLM SUM)
// LOG_SOFTMAX      in: x out: y (same shape), over the last axis; s8 only (TFLite Micro's int8
//                  LOG_SOFTMAX; float log-softmax is lowered onto other ops), y scale 16/256, zp 127
//                  params: input_multiplier input_left_shift reverse_scaling_divisor
//                          reverse_scaling_right_shift diff_min
// COMPARE          in: a b (numpy broadcast; f32, s8 or bool, one dtype)  out: y (bool)
//                  params: function (a COMPARE_* code)   s8 adds: left_shift a_mult a_shift b_mult
//                  b_shift: TFLM's comparisons compare MBQM((x - zp_x) << left_shift, x_mult, x_shift)
//                  of each input (its scale as a Q31 multiplier, shift <= 0), not the raw codes
// LOGICAL          in: a (bool) b (bool; absent for LOGICAL_NOT)  out: y (bool, numpy broadcast)
//                  params: function (a LOGICAL_* code)
// SELECT           in: cond (bool) a b (one dtype; s8: a, b and y share one scale and zero point)
//                  out: y = cond ? a : b, the three numpy-broadcast to y   params: (none)
export const OP_CONV2D = 1;
export const OP_DEPTHWISE_CONV2D = 2;
export const OP_FULLY_CONNECTED = 3;
export const OP_MATMUL = 4;
export const OP_ADD = 5;
export const OP_SUB = 6;
export const OP_MUL = 7;
export const OP_DIV = 8;
export const OP_CLAMP = 9;
export const OP_LEAKY_RELU = 10;
export const OP_SIGMOID = 11;
export const OP_TANH = 12;
export const OP_HARD_SWISH = 13;
export const OP_LUT = 14;
export const OP_MAX_POOL2D = 15;
export const OP_AVERAGE_POOL2D = 16;
export const OP_MEAN = 17;
export const OP_CONCAT = 18;
export const OP_PAD = 19;
export const OP_TRANSPOSE = 20;
export const OP_SOFTMAX = 21;
export const OP_QUANTIZE = 22;
export const OP_DEQUANTIZE = 23;
export const OP_REQUANTIZE = 24;
export const OP_COPY = 25;
export const OP_STRIDED_SLICE = 26;
export const OP_TRANSPOSE_CONV2D = 27;
export const OP_LSTM = 28;
export const OP_BINARIZE = 29;
// Opcodes from FIRST_LATE_OPCODE on (session 11 and later) keep their names in a second table
// that only runtime builds with one of them link (assembly/features.ts lateOpName).
export const FIRST_LATE_OPCODE = 30;
export const OP_MAXIMUM = 30;
export const OP_MINIMUM = 31;
export const OP_ARG_MAX = 32;
export const OP_ARG_MIN = 33;
export const OP_REDUCE_MAX = 34;
export const OP_REDUCE_MIN = 35;
export const OP_RESIZE = 36;
export const OP_LOG_SOFTMAX = 37;
export const OP_UNARY = 38;
export const OP_REDUCE_SUM = 39;
export const OP_COMPARE = 40;
export const OP_LOGICAL = 41;
export const OP_SELECT = 42;
export const OPCODE_COUNT = 43; // one past the last opcode: kernel tables are checked against it
export const IN_PLACE_OPCODES = (1 << OP_ADD) | (1 << OP_SUB) | (1 << OP_MUL) | (1 << OP_DIV) | (1 << OP_CLAMP) |
  (1 << OP_LEAKY_RELU) | (1 << OP_SIGMOID) | (1 << OP_TANH) | (1 << OP_HARD_SWISH) | (1 << OP_LUT) |
  (1 << OP_QUANTIZE) | (1 << OP_DEQUANTIZE) | (1 << OP_REQUANTIZE);

// UNARY's functions (its param 0). Rounding: ROUND is half to even (ONNX Round, TFLite ROUND).
export const UNARY_EXP = 0;
export const UNARY_LOG = 1;
export const UNARY_SQRT = 2;
export const UNARY_RSQRT = 3;
export const UNARY_ABS = 4;
export const UNARY_NEG = 5;
export const UNARY_RECIPROCAL = 6;
export const UNARY_SQUARE = 7;
export const UNARY_ERF = 8;
export const UNARY_SOFTPLUS = 9; // log(1 + e^x)
export const UNARY_ELU = 10; // x > 0 ? x : a·(e^x − 1)
export const UNARY_SELU = 11; // b·(x > 0 ? x : a·(e^x − 1))
export const UNARY_CELU = 12; // max(0, x) + min(0, a·(e^(x/a) − 1))
export const UNARY_GELU = 13; // x·Φ(x) = x/2·(1 + erf(x/√2))
export const UNARY_GELU_TANH = 14; // x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
export const UNARY_MISH = 15; // x·tanh(softplus(x))
export const UNARY_SOFTSIGN = 16; // x / (1 + |x|)
export const UNARY_FLOOR = 17;
export const UNARY_CEIL = 18;
export const UNARY_ROUND = 19;
export const UNARY_SIN = 20;
export const UNARY_COS = 21;
export const UNARY_FUNCTION_COUNT = 22;

// COMPARE's functions (its param 0). f32: IEEE, so a NaN operand makes every one false but NOT_EQUAL.
export const COMPARE_EQUAL = 0;
export const COMPARE_NOT_EQUAL = 1;
export const COMPARE_LESS = 2;
export const COMPARE_LESS_EQUAL = 3;
export const COMPARE_GREATER = 4;
export const COMPARE_GREATER_EQUAL = 5;
export const COMPARE_FUNCTION_COUNT = 6;
export const COMPARE_S8_LEFT_SHIFT_MAX = 23; // (x - zp) << left_shift stays an i32 (|x - zp| <= 255)

// LOGICAL's functions (its param 0); LOGICAL_NOT takes one input.
export const LOGICAL_AND = 0;
export const LOGICAL_OR = 1;
export const LOGICAL_XOR = 2;
export const LOGICAL_NOT = 3;
export const LOGICAL_FUNCTION_COUNT = 4;

export const PAD_MODE_CONSTANT = 0;
export const PAD_MODE_EDGE = 1;
export const PAD_MODE_REFLECT = 2;
export const PAD_MODE_WRAP = 3;

// LOG_SOFTMAX's longest last axis: 4095 exps of at most 1.0 in Q12.19 stay below 2^31 (TFLM: "safe
// in 2^12 steps"; 4096 equal elements would wrap).
export const LOG_SOFTMAX_MAX_DEPTH = 4095;
// Its s8 output's fixed quantization (TFLite's LogSoftmaxPrepare requires it): [-255/16, 0].
export const LOG_SOFTMAX_OUTPUT_SCALE = 16.0 / 256;
export const LOG_SOFTMAX_OUTPUT_ZERO_POINT = 127;

export const RESIZE_NEAREST = 0;
export const RESIZE_BILINEAR = 1;
export const RESIZE_TAPS = 2;
export const RESIZE_Q10_ONE = 1024; // the s8 bilinear's fixed-point 1.0 (frac bound, weight sum per axis)

// ---- Runtime error codes (returned by the ABI; docs/ABI.md) ----------------------------------
export const OK = 0;
export const ERR_TOO_SMALL = 1; // blob shorter than its header or than total_size says
export const ERR_BAD_MAGIC = 2;
export const ERR_BAD_VERSION = 3;
export const ERR_BAD_CRC = 4;
export const ERR_BAD_HEADER = 5; // a section offset/size out of bounds, misaligned or overlapping
export const ERR_BAD_TENSOR = 6; // a tensor record out of range (dtype, rank, dims, offset, size)
export const ERR_BAD_OP = 7; // unknown opcode, wrong arity, bad tensor id, bad params
export const ERR_ARENA = 8; // arena or memory could not be set up
export const ERR_NOT_LOADED = 9; // run() before a successful load()
export const ERR_BAD_INDEX = 10; // input/output number out of range
export const ERR_BAD_META = 11; // metadata is not a UTF-8 JSON object (host-side check; the runtime ignores metadata)
export const ERR_BAD_ENCODING = 12; // an encoded weight stream's contents (STORAGE_ENCODED, STORAGE_DIRECT) are malformed, found at load
export const ERR_WEIGHTS_READ = 13; // the host's mote_read_weights import failed (streamed weights)
export const ERR_NOT_BUILT = 14; // the blob needs an op, dtype form, kernel or weight encoding a per-model runtime build left out (format/runtime-features.ts)
