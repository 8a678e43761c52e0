// The last error message, built in a fixed static buffer (no allocation, so loading a bad blob can
// never grow memory). Text is ASCII; the host reads it with mote_error_message/_len.
// The name tables below are in format code order: OP_CONV2D = 1 ... the last opcode = OPCODE_COUNT - 1,
// DTYPE_F32 = 1 ... DTYPE_SIGN8 = DTYPE_COUNT - 1 (test/wasm-build.test.ts checks them against format.ts).
import { OPCODE_COUNT, DTYPE_COUNT, DTYPE_BOOL, FIRST_LATE_OPCODE } from '../format/format';
import { LATE_OPS_BUILT, lateOpName, BOOL_BUILT, boolName } from './features';

const MSG_CAP: i32 = 400;
const msgBuf: usize = memory.data(MSG_CAP);
let msgLen: i32 = 0;

export function messagePtr(): usize {
  return msgBuf;
}
export function messageLen(): i32 {
  return msgLen;
}
export function clear(): void {
  msgLen = 0;
}
// A call, not inlined: the message writers (putChar, int) are cold and each copy cost ~25 bytes.
function putByte(b: i32): void {
  if (msgLen < MSG_CAP) {
    store<u8>(msgBuf + <usize>msgLen, <u8>b);
    msgLen++;
  }
}
export function str(s: string): void {
  for (let i = 0, n = s.length; i < n; i++) putByte(s.charCodeAt(i) & 0x7f);
}
// Phrases shared by the messages (scripts/build-wasm.mjs picks them from all message literals and
// puts the table here): each a Text fragment (symbol count, coded bits) of plain characters.
// @ts-ignore: MOTE_TEXT_DICTIONARY is replaced by the table while compiling
const phrases: usize = MOTE_TEXT_DICTIONARY;
// The canonical Huffman code of the symbols: 16 counts of codes of length 1..16, then the symbols in
// code order (scripts/build-wasm.mjs textCode).
// @ts-ignore: MOTE_TEXT_CODE is replaced by the table while compiling
const codeTable: usize = MOTE_TEXT_CODE;
const CODE_SYMBOLS: usize = 16;

/**
 * Decodes n symbols from the bits at p; with `put`, each goes into the message (a character, or
 * 0x80 + k: phrase k). Returns the address past the last byte read (textAt skips fragments so).
 */
function decode(p: usize, n: i32, put: bool): usize {
  let bit: u32 = 0;
  for (let i = 0; i < n; i++) {
    // Canonical decoding, one bit at a time: `c` is the code so far, `first` the first code of
    // its length, `index` where that length's symbols start.
    let c = 0, first = 0, index = 0;
    for (let len: usize = 0; ; len++) {
      c |= (<i32>load<u8>(p + <usize>(bit >> 3)) >> (bit & 7)) & 1;
      bit++;
      const count = <i32>load<u8>(codeTable + len);
      if (c - first < count) break;
      index += count;
      first = (first + count) << 1;
      c <<= 1;
    }
    const s = <i32>load<u8>(codeTable + CODE_SYMBOLS + <usize>(index + c - first));
    if (!put) continue;
    if (s < 0x80) {
      putChar(s);
    } else {
      // Phrases are plain characters, so this recursion is one level deep.
      const q = textAt(phrases, s - 0x80);
      decode(q + 1, <i32>load<u8>(q), true);
    }
  }
  return p + <usize>((bit + 7) >> 3);
}
// ASCII text stored coded (phrases, then a Huffman code), not as a UTF-16 string object with its
// header. scripts/build-wasm.mjs rewrites each str() of a literal into
// `moteStrBytes(memory.data<u8>([symbols, ...]))`, a Text fragment: one argument per call site
// rather than the bits and their count apart. @global so the rewritten call needs no import in
// each file.
@global export function moteStrBytes(t: usize): void {
  text(t);
}
// A '$' in a say() text stands for its next integer argument: one call and one coded text per
// message instead of a str() call around every number.
let sayA: i64 = 0, sayB: i64 = 0, sayC: i64 = 0;
let sayNext: i32 = 0;
function putChar(c: i32): void {
  if (c == 0x24) {
    const k = sayNext++;
    int(k == 0 ? sayA : k == 1 ? sayB : sayC);
  } else {
    putByte(c);
  }
}
// say1/say2: the same without passing unused zeros at every call.
export function say1(t: Text, a: i64): void {
  sayA = a;
  sayNext = 0;
  text(t);
}
export function say2(t: Text, a: i64, b: i64): void {
  sayA = a; sayB = b;
  sayNext = 0;
  text(t);
}
export function say(t: Text, a: i64 = 0, b: i64 = 0, c: i64 = 0): void {
  sayA = a; sayB = b; sayC = c;
  sayNext = 0;
  text(t);
}
/**
 * A message fragment passed between the validators' helpers: a pointer to a symbol count followed
 * by the coded bits of that many symbols (as moteStrBytes reads them). Write one as txt() of a literal;
 * scripts/build-wasm.mjs turns each into `memory.data<u8>([symbols, ...bits])` while compiling (there is no runtime txt function, so the
 * runtime must be built through that script).
 */
export type Text = usize;
export function text(t: Text): void {
  decode(t + 1, <i32>load<u8>(t), true);
}
export function int(v: i64): void {
  if (v < 0) {
    putByte(45); // '-'
    v = -v;
  }
  // Digits from the leading one: first the largest power of ten not above v.
  let p: i64 = 1;
  while (v / p >= 10) p *= 10;
  do {
    putByte(48 + <i32>(v / p));
    v %= p;
    p /= 10;
  } while (p > 0);
}

/** Item k of a txtList('a|b|...') table (consecutive Text fragments); the caller keeps k in range. */
export function textAt(list: Text, k: i32): Text {
  for (; k > 0; k--) list = decode(list + 1, <i32>load<u8>(list), false);
  return list;
}

// Names as Text fragments, not `string`s (a string literal is a UTF-16 object with a 20-byte
// header), in one table indexed by the format code rather than a switch of returns.
// Opcodes from FIRST_LATE_OPCODE on have their names in a second table (features.ts lateOpName),
// linked only into builds with one of those ops (LATE_OPS_BUILT), so per-model builds of models
// without them keep their size; such a build calls a later opcode 'unknown' when it refuses it.
export function opName(code: i32): Text {
  if (code < 1 || code >= (LATE_OPS_BUILT ? OPCODE_COUNT : FIRST_LATE_OPCODE)) return txt('unknown');
  if (!LATE_OPS_BUILT || code < FIRST_LATE_OPCODE) {
    return textAt(txtList('conv2d|depthwise_conv2d|fully_connected|matmul|add|sub|mul|div|clamp|leaky_relu|sigmoid|tanh|hard_swish|lut|max_pool2d|average_pool2d|mean|concat|pad|transpose|softmax|quantize|dequantize|requantize|copy|strided_slice|transpose_conv2d|lstm|binarize'), code - 1);
  }
  return lateOpName(code - FIRST_LATE_OPCODE);
}

/** "op i (name): ", the start of every message about op i. */
export function opPrefix(i: i32, code: i32): void {
  say1(txt('op $ ('), i); text(opName(code)); str('): ');
}

export function dtypeName(dt: i32): Text {
  if (dt < 1 || dt >= (BOOL_BUILT ? DTYPE_COUNT : DTYPE_BOOL)) return txt('invalid dtype');
  if (BOOL_BUILT && dt == DTYPE_BOOL) return boolName();
  return textAt(txtList('f32|s8|s32|u8|s16|sign8'), dt - 1);
}
