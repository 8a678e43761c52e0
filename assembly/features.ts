// What this runtime build links: the full runtime by default, or the subset a per-model build names
// (format/runtime-features.ts; `mote runtime` derives the masks from the blobs and compiles with
// `--use MOTE_SUBSET=1 --use MOTE_OPS=... ...`). The masks are compile-time constants, so a guard
// `if (opBuilt(OP_X)) kernel(op)` folds away and the kernel is never linked.
//
// Load-time rule: everything a blob needs that the build lacks is refused at mote_load with
// ERR_NOT_BUILT (validate_ops.ts for ops, dtype forms and packed weights; blob.ts for encodings),
// so a guarded-out kernel is unreachable at run time. Optional kernels (KERNEL_SMALLK, the
// depthwise ones) have a general fallback giving the same bytes and are never refused.
import { ERR_NOT_BUILT, ERR_BAD_TENSOR, ERR_BAD_OP, FIRST_LATE_OPCODE, DTYPE_BOOL, OP_COMPARE, OP_LOGICAL, OP_SELECT } from '../format/format';
import { OPS_LOW_BITS } from '../format/runtime-features';
import { str, say, say1, say2, text, textAt, opPrefix, dtypeName, Text } from './message';

// @ts-ignore: defined by asc `--use MOTE_SUBSET=1` in per-model builds only
export const SUBSET: bool = isDefined(MOTE_SUBSET);
// @ts-ignore: per-model builds define every mask
export const BUILT_OPS: u32 = isDefined(MOTE_OPS) ? <u32>MOTE_OPS : 0xffffffff;
// @ts-ignore: opcodes from OPS_LOW_BITS on, bit (code - OPS_LOW_BITS): asc reads a `--use` value
// as an i32, and the host keeps each mask below 2^31 (host/runtime-features.ts)
export const BUILT_OPS_HIGH: u32 = isDefined(MOTE_OPS_HIGH) ? <u32>MOTE_OPS_HIGH : 0xffffffff;
// Some opcode from FIRST_LATE_OPCODE on is built (message.ts opName links their names only then).
export const LATE_OPS_BUILT: bool = ((BUILT_OPS >>> <u32>FIRST_LATE_OPCODE) | BUILT_OPS_HIGH) != 0;
/** The name of opcode FIRST_LATE_OPCODE + k (k in range). Here, not in message.ts, because this
 * file's literals stay out of the message-text coding (scripts/build-wasm.mjs OUT_OF_DICTIONARY): builds
 * without these ops do not see them at all. */
export function lateOpName(k: i32): Text {
  return textAt(txtList('maximum|minimum|arg_max|arg_min|reduce_max|reduce_min|resize|log_softmax|unary|reduce_sum|compare|logical|select'), k);
}
// @ts-ignore
export const BUILT_DTYPES: u32 = isDefined(MOTE_DTYPES) ? <u32>MOTE_DTYPES : 0xffffffff;
// @ts-ignore
export const BUILT_DECODERS: u32 = isDefined(MOTE_DECODERS) ? <u32>MOTE_DECODERS : 0xffffffff;
// @ts-ignore
export const BUILT_DIRECT: u32 = isDefined(MOTE_DIRECT) ? <u32>MOTE_DIRECT : 0xffffffff;
// @ts-ignore
export const BUILT_KERNELS: u32 = isDefined(MOTE_KERNELS) ? <u32>MOTE_KERNELS : 0xffffffff;

// @ts-ignore: decorator
@inline export function opBuilt(code: i32): bool {
  return code < OPS_LOW_BITS
    ? (BUILT_OPS & (<u32>1 << <u32>code)) != 0
    : (BUILT_OPS_HIGH & (<u32>1 << <u32>(code - OPS_LOW_BITS))) != 0;
}
/** The forms whose input 0 has dtype `dt` (DTYPE_S8 also covers sign8 activations). */
// @ts-ignore: decorator
@inline export function dtypeBuilt(dt: i32): bool {
  return (BUILT_DTYPES & (<u32>1 << <u32>dt)) != 0;
}
// @ts-ignore: decorator
@inline export function decoderBuilt(enc: i32): bool {
  return (BUILT_DECODERS & (<u32>1 << <u32>enc)) != 0;
}
// @ts-ignore: decorator
@inline export function directBuilt(enc: i32): bool {
  return (BUILT_DIRECT & (<u32>1 << <u32>enc)) != 0;
}
// @ts-ignore: decorator
@inline export function kernelBuilt(k: i32): bool {
  return (BUILT_KERNELS & (<u32>1 << <u32>k)) != 0;
}

// Bool tensors can occur (message.ts dtypeName names DTYPE_BOOL only then, from here, so builds
// without them keep their bytes).
// (Mask arithmetic, not calls, so that asc folds it to a constant.)
export const BOOL_BUILT: bool = (BUILT_DTYPES & (1 << DTYPE_BOOL)) != 0
  || (BUILT_OPS_HIGH & ((1 << (OP_COMPARE - OPS_LOW_BITS)) | (1 << (OP_LOGICAL - OPS_LOW_BITS)) | (1 << (OP_SELECT - OPS_LOW_BITS)))) != 0;
export function boolName(): Text {
  return txt('bool');
}

function subsetNote(): i32 {
  if (!SUBSET) return ERR_NOT_BUILT; // the default build refuses nothing: keep its text out
  str(' is not in this runtime: it is a per-model build for a subset of ops, dtypes, kernels and weight encodings (build one for this blob: mote runtime)');
  return ERR_NOT_BUILT;
}
/** "op i (name): the op" + subsetNote. */
export function opNotBuilt(index: i32, code: i32): i32 {
  if (!SUBSET) return ERR_NOT_BUILT;
  opPrefix(index, code); str('the op');
  return subsetNote();
}
/** "op i (name): its <dtype> form" + subsetNote. */
export function formNotBuilt(index: i32, code: i32, dt: i32): i32 {
  if (!SUBSET) return ERR_NOT_BUILT;
  opPrefix(index, code); str('its '); text(dtypeName(dt)); str(' form');
  return subsetNote();
}
/** "op i (name): its packed-weights kernel" + subsetNote. */
export function packedNotBuilt(index: i32, code: i32): i32 {
  if (!SUBSET) return ERR_NOT_BUILT;
  opPrefix(index, code); str('its packed-weights (OPF_PACKED_W16) kernel');
  return subsetNote();
}
/** "op i (name): its plain-weights int8 kernel" + subsetNote. */
export function plainNotBuilt(index: i32, code: i32): i32 {
  if (!SUBSET) return ERR_NOT_BUILT;
  opPrefix(index, code); str('its int8 kernel for plain (unpacked) weights');
  return subsetNote();
}
/** "op i (name): its int8 kernel for plain weights beyond 1x1 GEMM rows" + subsetNote. */
export function plainConvNotBuilt(index: i32, code: i32): i32 {
  if (!SUBSET) return ERR_NOT_BUILT;
  opPrefix(index, code); str('its int8 kernel for plain (unpacked) weights of a conv other than 1x1 stride-1 unpadded rows');
  return subsetNote();
}
/** "op i (name): its packed-weights kernel beyond 1x1 GEMM rows" + subsetNote. */
export function packedConvNotBuilt(index: i32, code: i32): i32 {
  if (!SUBSET) return ERR_NOT_BUILT;
  opPrefix(index, code); str('its packed-weights kernel for a conv other than 1x1 stride-1 unpadded rows');
  return subsetNote();
}
/** "op i (name): the general int8 depthwise kernel" + subsetNote. */
export function dwGeneralNotBuilt(index: i32, code: i32): i32 {
  if (!SUBSET) return ERR_NOT_BUILT;
  opPrefix(index, code); str('the general int8 depthwise kernel (for channels the pair kernels do not run)');
  return subsetNote();
}
// The load checks of weights packed at load (blob.ts; format.ts ENC_FLAG_PACK_W16), here so that
// their texts stay out of the phrase choice: builds without the packing keep their bytes.
export function packW16Unfit(id: i32, bytes: u64, need: u64, arena: u32, rowsK: u64): i32 {
  say(txt('tensor $: packed at load (flag 128): byte_size $ (needs $)'), id, bytes, need);
  say2(txt(', arena $ (needs $)'), arena, rowsK);
  return ERR_BAD_TENSOR;
}
export function packW16Reader(i: i32, code: i32, j: i32): i32 {
  opPrefix(i, code); say1(txt('input $: weights packed at load (flag 128) are for a packed op\'s input 1'), j);
  return ERR_BAD_OP;
}
/** "tensor i: the packing at load" + subsetNote (format/runtime-features.ts DECODER_PACK_W16). */
export function packW16NotBuilt(id: i32): i32 {
  if (!SUBSET) return ERR_NOT_BUILT;
  say1(txt('tensor $: the packing at load of encoded weights (encoding flag 128)'), id);
  return subsetNote();
}
/** "tensor i: the <encoding> decoder / direct kernel" + subsetNote. */
export function encodingNotBuilt(id: i32, enc: i32, direct: bool): i32 {
  if (!SUBSET) return ERR_NOT_BUILT;
  say1(txt('tensor $: '), id);
  if (direct) str('the direct-weights kernel for encoding '); else str('the decoder for encoding ');
  say1(txt('$ ('), enc);
  text(textAt(txtList('?|palette|sparse|huffman|palette_huffman|sparse_rows|?|binary|?|packed|requant|?'), enc < 12 ? enc : 11));
  str(')');
  return subsetNote();
}
