// The last error message, built in a fixed static buffer (no allocation, so loading a bad blob can
// never grow memory). Text is ASCII; the host reads it with mote_error_message/_len.
import {
  OP_CONV2D, OP_DEPTHWISE_CONV2D, OP_FULLY_CONNECTED, OP_MATMUL, OP_ADD, OP_SUB, OP_MUL, OP_DIV,
  OP_CLAMP, OP_LEAKY_RELU, OP_SIGMOID, OP_TANH, OP_HARD_SWISH, OP_LUT, OP_MAX_POOL2D,
  OP_AVERAGE_POOL2D, OP_MEAN, OP_CONCAT, OP_PAD, OP_TRANSPOSE, OP_SOFTMAX, OP_QUANTIZE,
  OP_DEQUANTIZE, OP_REQUANTIZE, OP_COPY, OP_STRIDED_SLICE, OP_TRANSPOSE_CONV2D, OP_LSTM, DTYPE_F32, DTYPE_S8, DTYPE_S32, DTYPE_U8, DTYPE_S16, DTYPE_SIGN8, OP_BINARIZE,
} from '../format/format';

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
      putByte(b);
      continue;
    }
    let q = phrases;
    for (let k = b - 0x80; k > 0; k--) q += <usize>load<u8>(q) + 1;
    for (let j: usize = 1, m = <usize>load<u8>(q); j <= m; j++) putByte(<i32>load<u8>(q + j));
  }
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

// Names as Text fragments, not `string`s: a string literal is a UTF-16 object with a 20-byte header.
export function opName(code: i32): Text {
  switch (code) {
    case OP_CONV2D: return txt('conv2d');
    case OP_DEPTHWISE_CONV2D: return txt('depthwise_conv2d');
    case OP_FULLY_CONNECTED: return txt('fully_connected');
    case OP_MATMUL: return txt('matmul');
    case OP_ADD: return txt('add');
    case OP_SUB: return txt('sub');
    case OP_MUL: return txt('mul');
    case OP_DIV: return txt('div');
    case OP_CLAMP: return txt('clamp');
    case OP_LEAKY_RELU: return txt('leaky_relu');
    case OP_SIGMOID: return txt('sigmoid');
    case OP_TANH: return txt('tanh');
    case OP_HARD_SWISH: return txt('hard_swish');
    case OP_LUT: return txt('lut');
    case OP_MAX_POOL2D: return txt('max_pool2d');
    case OP_AVERAGE_POOL2D: return txt('average_pool2d');
    case OP_MEAN: return txt('mean');
    case OP_CONCAT: return txt('concat');
    case OP_PAD: return txt('pad');
    case OP_TRANSPOSE: return txt('transpose');
    case OP_SOFTMAX: return txt('softmax');
    case OP_QUANTIZE: return txt('quantize');
    case OP_DEQUANTIZE: return txt('dequantize');
    case OP_REQUANTIZE: return txt('requantize');
    case OP_COPY: return txt('copy');
    case OP_STRIDED_SLICE: return txt('strided_slice');
    case OP_TRANSPOSE_CONV2D: return txt('transpose_conv2d');
    case OP_LSTM: return txt('lstm');
    case OP_BINARIZE: return txt('binarize');
  }
  return txt('unknown');
}

export function dtypeName(dt: i32): Text {
  switch (dt) {
    case DTYPE_F32: return txt('f32');
    case DTYPE_S8: return txt('s8');
    case DTYPE_S32: return txt('s32');
    case DTYPE_U8: return txt('u8');
    case DTYPE_S16: return txt('s16');
    case DTYPE_SIGN8: return txt('sign8');
  }
  return txt('invalid dtype');
}
