// The last error message, built in a fixed static buffer (no allocation, so loading a bad blob can
// never grow memory). Text is ASCII; the host reads it with mote_error_message/_len.
// The name tables below are in format code order: OP_CONV2D = 1 ... OP_BINARIZE = OPCODE_COUNT - 1,
// DTYPE_F32 = 1 ... DTYPE_SIGN8 = DTYPE_COUNT - 1 (test/wasm-build.test.ts checks them against format.ts).
import { OPCODE_COUNT, DTYPE_COUNT } from '../format/format';

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
@inline function putByte(b: i32): void {
  if (msgLen < MSG_CAP) {
    store<u8>(msgBuf + <usize>msgLen, <u8>b);
    msgLen++;
  }
}
export function str(s: string): void {
  for (let i = 0, n = s.length; i < n; i++) putByte(s.charCodeAt(i) & 0x7f);
}
// Phrases shared by the messages (scripts/build-wasm.mjs picks them from all message literals and
// puts the table here): each a length byte then its text.
// @ts-ignore: MOTE_TEXT_DICTIONARY is replaced by the table while compiling
const phrases: usize = MOTE_TEXT_DICTIONARY;
// ASCII text stored as coded bytes, not as a UTF-16 string object with its header: each byte is a
// character, or 0x80 + k for phrase k. scripts/build-wasm.mjs rewrites each str() of a literal
// into `moteStrBytes(memory.data<u8>([...]), length)`; @global so the rewritten call needs no
// import in each file.
@global export function moteStrBytes(p: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const b = <i32>load<u8>(p + <usize>i);
    if (b < 0x80) {
      putChar(b);
    } else {
      // Phrases are plain ASCII, so this recursion is one level deep.
      const q = textAt(phrases, b - 0x80);
      moteStrBytes(q + 1, <i32>load<u8>(q));
    }
  }
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
 * A message fragment passed between the validators' helpers: a pointer to a length byte followed by
 * that many coded bytes (as moteStrBytes reads them). Write one as txt() of a literal;
 * scripts/build-wasm.mjs turns each into `memory.data<u8>([length, ...bytes])` while compiling (there is no runtime txt function, so the
 * runtime must be built through that script).
 */
export type Text = usize;
export function text(t: Text): void {
  moteStrBytes(t + 1, <i32>load<u8>(t));
}
export function int(v: i64): void {
  if (v < 0) {
    putByte(45); // '-'
    v = -v;
  }
  // Largest i64 has 19 digits; find the leading power of ten.
  let p: i64 = 1;
  while (v / p >= 10) p *= 10;
  while (p > 0) {
    putByte(48 + <i32>((v / p) % 10));
    p /= 10;
  }
}

/** Item k of a txtList('a|b|...') table (consecutive Text fragments); the caller keeps k in range. */
export function textAt(list: Text, k: i32): Text {
  for (; k > 0; k--) list += <usize>load<u8>(list) + 1;
  return list;
}

// Names as Text fragments, not `string`s (a string literal is a UTF-16 object with a 20-byte
// header), in one table indexed by the format code rather than a switch of returns.
export function opName(code: i32): Text {
  if (code < 1 || code >= OPCODE_COUNT) return txt('unknown');
  return textAt(txtList('conv2d|depthwise_conv2d|fully_connected|matmul|add|sub|mul|div|clamp|leaky_relu|sigmoid|tanh|hard_swish|lut|max_pool2d|average_pool2d|mean|concat|pad|transpose|softmax|quantize|dequantize|requantize|copy|strided_slice|transpose_conv2d|lstm|binarize'), code - 1);
}

/** "op i (name): ", the start of every message about op i. */
export function opPrefix(i: i32, code: i32): void {
  say1(txt('op $ ('), i); text(opName(code)); str('): ');
}

export function dtypeName(dt: i32): Text {
  if (dt < 1 || dt >= DTYPE_COUNT) return txt('invalid dtype');
  return textAt(txtList('f32|s8|s32|u8|s16|sign8'), dt - 1);
}
