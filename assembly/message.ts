// The last error message, built in a fixed static buffer (no allocation, so loading a bad blob can
// never grow memory). Text is ASCII; the host reads it with mote_error_message/_len.
import {
  OP_CONV2D, OP_DEPTHWISE_CONV2D, OP_FULLY_CONNECTED, OP_MATMUL, OP_ADD, OP_SUB, OP_MUL, OP_DIV,
  OP_CLAMP, OP_LEAKY_RELU, OP_SIGMOID, OP_TANH, OP_HARD_SWISH, OP_LUT, OP_MAX_POOL2D,
  OP_AVERAGE_POOL2D, OP_MEAN, OP_CONCAT, OP_PAD, OP_TRANSPOSE, OP_SOFTMAX, OP_QUANTIZE,
  OP_DEQUANTIZE, OP_REQUANTIZE, OP_COPY, OP_STRIDED_SLICE, OP_TRANSPOSE_CONV2D, OP_LSTM, DTYPE_F32, DTYPE_S8, DTYPE_S32, DTYPE_U8, DTYPE_S16,
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
// ASCII text stored as plain bytes (1 byte a character instead of a UTF-16 string object with its
// header). scripts/build-wasm.mjs rewrites each `str('literal')` into
// `moteStrBytes(memory.data<u8>([...]), length)`, which roughly halves the message text in the
// data section; @global so the rewritten call needs no import in each file.
@global export function moteStrBytes(p: usize, n: i32): void {
  for (let i = 0; i < n; i++) putByte(<i32>load<u8>(p + <usize>i));
}
/**
 * A message fragment passed between the validators' helpers: a pointer to a length byte followed by
 * that many ASCII bytes. Write one as `txt('literal')`; scripts/build-wasm.mjs turns each into
 * `memory.data<u8>([length, ...bytes])` while compiling (there is no runtime txt function, so the
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

export function opName(code: i32): string {
  switch (code) {
    case OP_CONV2D: return 'conv2d';
    case OP_DEPTHWISE_CONV2D: return 'depthwise_conv2d';
    case OP_FULLY_CONNECTED: return 'fully_connected';
    case OP_MATMUL: return 'matmul';
    case OP_ADD: return 'add';
    case OP_SUB: return 'sub';
    case OP_MUL: return 'mul';
    case OP_DIV: return 'div';
    case OP_CLAMP: return 'clamp';
    case OP_LEAKY_RELU: return 'leaky_relu';
    case OP_SIGMOID: return 'sigmoid';
    case OP_TANH: return 'tanh';
    case OP_HARD_SWISH: return 'hard_swish';
    case OP_LUT: return 'lut';
    case OP_MAX_POOL2D: return 'max_pool2d';
    case OP_AVERAGE_POOL2D: return 'average_pool2d';
    case OP_MEAN: return 'mean';
    case OP_CONCAT: return 'concat';
    case OP_PAD: return 'pad';
    case OP_TRANSPOSE: return 'transpose';
    case OP_SOFTMAX: return 'softmax';
    case OP_QUANTIZE: return 'quantize';
    case OP_DEQUANTIZE: return 'dequantize';
    case OP_REQUANTIZE: return 'requantize';
    case OP_COPY: return 'copy';
    case OP_STRIDED_SLICE: return 'strided_slice';
    case OP_TRANSPOSE_CONV2D: return 'transpose_conv2d';
    case OP_LSTM: return 'lstm';
  }
  return 'unknown';
}

export function dtypeName(dt: i32): string {
  switch (dt) {
    case DTYPE_F32: return 'f32';
    case DTYPE_S8: return 's8';
    case DTYPE_S32: return 's32';
    case DTYPE_U8: return 'u8';
    case DTYPE_S16: return 's16';
  }
  return 'invalid dtype';
}
