// CONV2D and FULLY_CONNECTED with 1-bit weights read in place from their ENC_BINARY stream
// (STORAGE_DIRECT; format/format.ts has the layout): w[c][k] = a_c if sign bit k of channel c is
// set, else -a_c. With u = x + 128 (the input byte as u8) and off = -zero_point,
//   sum_k (x_k + off) * w_ck = a_c * (2 * (U_c + (off - 128) * P_c) - S),
//   U_c = sum over set bits of u_k = sum_j 2^j * popcount(bits_c & plane_j),  P_c = popcount(bits_c),
//   S = sum_k x_k + K * off,
// where plane_j holds bit j of every u_k of one input row (or conv patch), built once per row and
// shared by all output channels. Every step is an integer identity, so the int32 accumulator is the
// dense kernel's, bit for bit (wrapping included), on both builds.
//
// XNOR form: when the input is DTYPE_SIGN8 (values -1/+1, written by OP_BINARIZE), the planes are
// neg (x < 0) and live (x != 0; 0 only for conv padding), and
//   sum_k x_k * w_ck = a_c * (2 * popcount((bits_c ^ neg) & live) - popcount(live)).
import {
  OK, ERR_BAD_ENCODING, BINARY_HEADER_SIZE, T_DIMS, T_RANK,
} from '../../format/format';
import { opIn, opOut, opParam, tptr, tnumel, trec } from '../state';
import { store4s8 } from '../requant_simd';
import { FAST_CAP, fastChannel, requant4Either } from '../requant_fast';
import { str, say } from '../message';
import { PATCH_CAP, patchBuf } from './conv2d';
import { out1, out1Inline } from './sparse_rows';

// The patch (K bytes) and the 8 planes of ceil(K/32) words (at most K + 31 bytes) share conv2d's
// patch buffer; ops never run concurrently.
/** Largest K (weights per output channel) the kernels take. */
export const BINARY_K_CAP: i32 = (PATCH_CAP - 32) / 2;
const planeBuf: usize = patchBuf + <usize>(BINARY_K_CAP + 16);
const tailBuf: usize = memory.data(16, 16);
const acc4: usize = memory.data(16, 16);

// ---- Stream geometry and load-time checks -----------------------------------------------------

@inline function channels4(o: u32): u32 {
  return (o + 3) & ~3;
}
@inline function signsOffset(o: u32): u32 {
  return <u32>BINARY_HEADER_SIZE + ((channels4(o) + 15) & ~15);
}
@inline export function binaryStreamLength(o: u32, k: u32): u64 {
  return <u64>signsOffset(o) + <u64>channels4(o) * <u64>((k + 31) >> 5) * 4;
}

function binFail(id: i32): i32 {
  say(txt('tensor $ (binary stream): '), id);
  return ERR_BAD_ENCODING;
}

/**
 * Checks binary stream s (len bytes, already proven to lie in the weights section) against tensor
 * id's dense shape: geometry, length, magnitudes <= 127, and every bit past K or of a zero or
 * padding channel clear. After this, kernels read it without checks.
 */
export function checkBinaryStream(id: i32, s: usize, len: u32): i32 {
  if (len < <u32>BINARY_HEADER_SIZE) {
    const e = binFail(id); say(txt('length $ is shorter than the header'), len);
    return e;
  }
  const o = load<u32>(s, 4), k = load<u32>(s, 8);
  const rec = trec(id);
  const rank = <i32>load<u8>(rec, T_RANK);
  let numel: u64 = 1;
  for (let i = 0; i < rank; i++) numel *= <u64>load<i32>(rec + T_DIMS + (<usize>i << 2));
  const dim0 = rank > 0 ? <u32>load<i32>(rec, T_DIMS) : 1;
  if (load<u32>(s, 12) != 0) {
    const e = binFail(id); str('reserved word must be 0');
    return e;
  }
  if (o != dim0 || <u64>o * <u64>k != numel) {
    const e = binFail(id); say(txt('$ channels x $'), o, k); str(' weights do not match the tensor\'s ');
    say(txt('$ elements with dim 0 = $'), <i64>numel, dim0);
    return e;
  }
  const need = binaryStreamLength(o, k);
  if (need != <u64>len) {
    const e = binFail(id); say(txt('length $ != $ bytes for its magnitudes and sign words'), len, <i64>need);
    return e;
  }
  const o4 = channels4(o), words = (k + 31) >> 5;
  const lastLive: u32 = (k & 31) == 0 ? 0xffffffff : (<u32>1 << (k & 31)) - 1;
  const signs = s + <usize>signsOffset(o);
  for (let c: u32 = 0; c < o4; c++) {
    const a = <u32>load<u8>(s + <usize>BINARY_HEADER_SIZE + <usize>c);
    if (c >= o ? a != 0 : a > 127) {
      const e = binFail(id); say(txt('channel $: magnitude $'), c, a);
      if (c >= o) str(' of a padding channel must be 0');
      else str(' exceeds 127');
      return e;
    }
    for (let i: u32 = 0; i < words; i++) {
      const word = load<u32>(signs + (<usize>((c >> 2) * words + i) << 4) + (<usize>(c & 3) << 2));
      const live: u32 = a == 0 ? 0 : i + 1 < words ? 0xffffffff : lastLive;
      if ((word & ~live) != 0) {
        const e = binFail(id); say(txt('channel $ sign word $'), c, i);
        if (a == 0) str(' must be 0 (zero or padding channel)');
        else str(' has bits set past the channel\'s weights');
        return e;
      }
    }
  }
  for (let p = <u32>BINARY_HEADER_SIZE + o4; p < signsOffset(o); p++) {
    if (load<u8>(s + <usize>p) != 0) {
      const e = binFail(id); say(txt('padding byte $ must be 0'), p);
      return e;
    }
  }
  return OK;
}

/** STORAGE_ENCODED form: checks the stream, then writes the dense int8 weights to out. */
export function decodeBinary(id: i32, s: usize, len: u32, out: usize, byteSize: u32): i32 {
  const e = checkBinaryStream(id, s, len);
  if (e) return e;
  const o = load<u32>(s, 4), k = load<u32>(s, 8);
  if (<u64>byteSize != <u64>o * <u64>k) {
    const e2 = binFail(id); say(txt('$ bytes are not its $ int8 weights'), byteSize, <i64>o * <i64>k);
    return e2;
  }
  const words = (k + 31) >> 5;
  const signs = s + <usize>signsOffset(o);
  for (let c: u32 = 0; c < o; c++) {
    const a = <i32>load<u8>(s + <usize>BINARY_HEADER_SIZE + <usize>c);
    const row = out + <usize>c * <usize>k;
    const base = signs + (<usize>((c >> 2) * words) << 4) + (<usize>(c & 3) << 2);
    for (let j: u32 = 0; j < k; j++) {
      const bit = (load<u32>(base + (<usize>(j >> 5) << 4)) >> (j & 31)) & 1;
      store<i8>(row + <usize>j, <i8>(bit ? a : -a));
    }
  }
  return OK;
}

// ---- Input planes ------------------------------------------------------------------------------

/**
 * int8 planes of K bytes at src into planeBuf (plane j at j * stride bytes); returns sum of x.
 * Bits past K in the last word are left as they are: the weights' bits there are 0.
 */
function planesS8(src: usize, K: i32, stride: usize): i32 {
  let k = 0;
  let sum = 0;
  if (ASC_FEATURE_SIMD) {
    const flip = i8x16.splat(-128);
    let acc = i32x4.splat(0);
    for (; k + 16 <= K; k += 16) {
      const v = v128.load(src + <usize>k);
      acc = i32x4.add(acc, i32x4.extadd_pairwise_i16x8_s(i16x8.extadd_pairwise_i8x16_s(v)));
      planes16(v128.xor(v, flip), planeBuf + (<usize>k >> 3), stride);
    }
    if (k < K) {
      v128.store(tailBuf, i32x4.splat(0));
      for (let i = k; i < K; i++) store<u8>(tailBuf + <usize>(i - k), load<u8>(src + <usize>i));
      const v = v128.load(tailBuf);
      acc = i32x4.add(acc, i32x4.extadd_pairwise_i16x8_s(i16x8.extadd_pairwise_i8x16_s(v)));
      planes16(v128.xor(v, flip), planeBuf + (<usize>k >> 3), stride);
    }
    return i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
  }
  for (let i = 0; i < K; i++) sum += <i32>load<i8>(src + <usize>i);
  for (; k + 8 <= K; k += 8) planes8(load<u64>(src + <usize>k) ^ 0x8080808080808080, planeBuf + (<usize>k >> 3), stride);
  if (k < K) {
    let v: u64 = 0;
    for (let i = k; i < K; i++) v |= <u64>load<u8>(src + <usize>i) << (<u64>(i - k) << 3);
    planes8(v ^ 0x8080808080808080, planeBuf + (<usize>k >> 3), stride);
  }
  return sum;
}

/** Sixteen u8 lanes: bit j of every lane as 16 bits at p + j * stride (i8x16.bitmask reads bit 7). */
@inline function planes16(u: v128, p: usize, stride: usize): void {
  store<u16>(p + 7 * stride, <u16>i8x16.bitmask(u)); u = i8x16.shl(u, 1);
  store<u16>(p + 6 * stride, <u16>i8x16.bitmask(u)); u = i8x16.shl(u, 1);
  store<u16>(p + 5 * stride, <u16>i8x16.bitmask(u)); u = i8x16.shl(u, 1);
  store<u16>(p + 4 * stride, <u16>i8x16.bitmask(u)); u = i8x16.shl(u, 1);
  store<u16>(p + 3 * stride, <u16>i8x16.bitmask(u)); u = i8x16.shl(u, 1);
  store<u16>(p + 2 * stride, <u16>i8x16.bitmask(u)); u = i8x16.shl(u, 1);
  store<u16>(p + stride, <u16>i8x16.bitmask(u)); u = i8x16.shl(u, 1);
  store<u16>(p, <u16>i8x16.bitmask(u));
}

/**
 * Eight bytes: bit j of every byte as one byte at p + j * stride. (v >> j) & 0x01..01 leaves one
 * bit per byte; multiplying by 0x0102040810204080 moves byte i's bit to bit 56 + i and nothing
 * else into bits 56..63 (every partial product lands on its own bit, so no carries).
 */
@inline function planes8(u: u64, p: usize, stride: usize): void {
  const M: u64 = 0x0102040810204080, L: u64 = 0x0101010101010101;
  store<u8>(p, <u8>(((u & L) * M) >> 56));
  store<u8>(p + stride, <u8>((((u >> 1) & L) * M) >> 56));
  store<u8>(p + 2 * stride, <u8>((((u >> 2) & L) * M) >> 56));
  store<u8>(p + 3 * stride, <u8>((((u >> 3) & L) * M) >> 56));
  store<u8>(p + 4 * stride, <u8>((((u >> 4) & L) * M) >> 56));
  store<u8>(p + 5 * stride, <u8>((((u >> 5) & L) * M) >> 56));
  store<u8>(p + 6 * stride, <u8>((((u >> 6) & L) * M) >> 56));
  store<u8>(p + 7 * stride, <u8>((((u >> 7) & L) * M) >> 56));
}

/**
 * Sign-tensor planes (values -1, +1, and 0 for conv padding) of K bytes at src: plane 0 = neg
 * (x < 0), plane 1 = live (x != 0), with every bit past K cleared. Returns popcount(live).
 */
function planesSign(src: usize, K: i32, stride: usize): i32 {
  const words = (K + 31) >> 5;
  // The last word may be written only in part below; its other bits must read as 0.
  store<u32>(planeBuf + (<usize>(words - 1) << 2), 0);
  store<u32>(planeBuf + stride + (<usize>(words - 1) << 2), 0);
  const step = ASC_FEATURE_SIMD ? 16 : 8;
  let k = 0;
  while (k < K) {
    let v = src + <usize>k;
    if (K - k < step) {
      // The tail through a zeroed copy: its zero bytes are neither negative nor live.
      store<u64>(tailBuf, 0);
      store<u64>(tailBuf, 0, 8);
      for (let i = k; i < K; i++) store<u8>(tailBuf + <usize>(i - k), load<u8>(src + <usize>i));
      v = tailBuf;
    }
    const p = planeBuf + (<usize>k >> 3);
    if (ASC_FEATURE_SIMD) {
      const x = v128.load(v);
      store<u16>(p, <u16>i8x16.bitmask(x));
      store<u16>(p + stride, <u16>i8x16.bitmask(i8x16.ne(x, i8x16.splat(0))));
    } else {
      planesSign8(load<u64>(v), p, stride);
    }
    k += step;
  }
  let live = 0;
  for (let i = 0; i < words; i++) live += <i32>popcnt(load<u32>(planeBuf + stride + (<usize>i << 2)));
  return live;
}

/** Eight sign bytes: neg bits (bit 7) to p, live bits (byte != 0) to p + stride. */
@inline function planesSign8(v: u64, p: usize, stride: usize): void {
  const M: u64 = 0x0102040810204080, L: u64 = 0x0101010101010101;
  store<u8>(p, <u8>((((v >> 7) & L) * M) >> 56));
  // A byte is non-zero iff some bit is: fold its bits down to bit 0.
  let nz = v | (v >> 4);
  nz |= nz >> 2;
  nz |= nz >> 1;
  store<u8>(p + stride, <u8>(((nz & L) * M) >> 56));
}

// ---- Channel groups ------------------------------------------------------------------------------

/**
 * Channels 4q..4q+3 (sign words at sg, 16 bytes per word) against the int8 planes: lane c =
 * 2 * (U_c + offm * P_c) - S. Popcounts are per byte (i8x16.popcnt); planes 0-3 and 4-7 are first
 * combined in bytes (at most 8 * 15 = 120), then pairs widened to u16 lanes, which hold 256 words
 * (240 per word) before going to i32.
 */
@inline function groupS8Simd(sg: usize, words: i32, stride: usize, offm: i32, S: i32): v128 {
  let uLo = i32x4.splat(0), uHi = i32x4.splat(0), pc = i32x4.splat(0);
  let i = 0;
  while (i < words) {
    const end = words - i > 256 ? i + 256 : words;
    let lo = i16x8.splat(0), hi = i16x8.splat(0), p = i16x8.splat(0);
    for (; i < end; i++) {
      const w = v128.load(sg + (<usize>i << 4));
      const pl = planeBuf + (<usize>i << 2);
      const c0 = i8x16.popcnt(v128.and(w, v128.load32_splat(pl)));
      const c1 = i8x16.popcnt(v128.and(w, v128.load32_splat(pl + stride)));
      const c2 = i8x16.popcnt(v128.and(w, v128.load32_splat(pl + 2 * stride)));
      const c3 = i8x16.popcnt(v128.and(w, v128.load32_splat(pl + 3 * stride)));
      const c4 = i8x16.popcnt(v128.and(w, v128.load32_splat(pl + 4 * stride)));
      const c5 = i8x16.popcnt(v128.and(w, v128.load32_splat(pl + 5 * stride)));
      const c6 = i8x16.popcnt(v128.and(w, v128.load32_splat(pl + 6 * stride)));
      const c7 = i8x16.popcnt(v128.and(w, v128.load32_splat(pl + 7 * stride)));
      let t = i8x16.add(i8x16.add(c3, c3), c2);
      t = i8x16.add(i8x16.add(t, t), c1);
      t = i8x16.add(i8x16.add(t, t), c0);
      let h = i8x16.add(i8x16.add(c7, c7), c6);
      h = i8x16.add(i8x16.add(h, h), c5);
      h = i8x16.add(i8x16.add(h, h), c4);
      lo = i16x8.add(lo, i16x8.extadd_pairwise_i8x16_u(t));
      hi = i16x8.add(hi, i16x8.extadd_pairwise_i8x16_u(h));
      p = i16x8.add(p, i16x8.extadd_pairwise_i8x16_u(i8x16.popcnt(w)));
    }
    uLo = i32x4.add(uLo, i32x4.extadd_pairwise_i16x8_u(lo));
    uHi = i32x4.add(uHi, i32x4.extadd_pairwise_i16x8_u(hi));
    pc = i32x4.add(pc, i32x4.extadd_pairwise_i16x8_u(p));
  }
  const u = i32x4.add(uLo, i32x4.shl(uHi, 4));
  const t = i32x4.add(u, i32x4.mul(pc, i32x4.splat(offm)));
  return i32x4.sub(i32x4.add(t, t), i32x4.splat(S));
}

/** Scalar groupS8Simd: the four lanes to acc4[0..3]; the eight plane words are loaded once per word. */
function groupS8Scalar(sg: usize, words: i32, stride: usize, offm: i32, S: i32): void {
  let u0 = 0, u1 = 0, u2 = 0, u3 = 0, p0 = 0, p1 = 0, p2 = 0, p3 = 0;
  for (let i = 0; i < words; i++) {
    const pl = planeBuf + (<usize>i << 2);
    const q0 = load<u32>(pl), q1 = load<u32>(pl + stride), q2 = load<u32>(pl + 2 * stride), q3 = load<u32>(pl + 3 * stride);
    const q4 = load<u32>(pl + 4 * stride), q5 = load<u32>(pl + 5 * stride), q6 = load<u32>(pl + 6 * stride), q7 = load<u32>(pl + 7 * stride);
    const wp = sg + (<usize>i << 4);
    let w = load<u32>(wp);
    p0 += <i32>popcnt(w);
    u0 += weighted8(w, q0, q1, q2, q3, q4, q5, q6, q7);
    w = load<u32>(wp, 4);
    p1 += <i32>popcnt(w);
    u1 += weighted8(w, q0, q1, q2, q3, q4, q5, q6, q7);
    w = load<u32>(wp, 8);
    p2 += <i32>popcnt(w);
    u2 += weighted8(w, q0, q1, q2, q3, q4, q5, q6, q7);
    w = load<u32>(wp, 12);
    p3 += <i32>popcnt(w);
    u3 += weighted8(w, q0, q1, q2, q3, q4, q5, q6, q7);
  }
  store<i32>(acc4, 2 * (u0 + offm * p0) - S);
  store<i32>(acc4, 2 * (u1 + offm * p1) - S, 4);
  store<i32>(acc4, 2 * (u2 + offm * p2) - S, 8);
  store<i32>(acc4, 2 * (u3 + offm * p3) - S, 12);
}

@inline function weighted8(w: u32, q0: u32, q1: u32, q2: u32, q3: u32, q4: u32, q5: u32, q6: u32, q7: u32): i32 {
  return <i32>(
    popcnt(w & q0) + (popcnt(w & q1) << 1) + (popcnt(w & q2) << 2) + (popcnt(w & q3) << 3) +
    (popcnt(w & q4) << 4) + (popcnt(w & q5) << 5) + (popcnt(w & q6) << 6) + (popcnt(w & q7) << 7)
  );
}

/** XNOR group: lane c = 2 * popcount((bits_c ^ neg) & live) - live_count. */
@inline function groupSignSimd(sg: usize, words: i32, stride: usize, liveCount: i32): v128 {
  let acc = i32x4.splat(0);
  let i = 0;
  while (i < words) {
    // u16 lanes gain at most 16 per word.
    const end = words - i > 4096 ? i + 4096 : words;
    let a = i16x8.splat(0);
    for (; i < end; i++) {
      const w = v128.load(sg + (<usize>i << 4));
      const pl = planeBuf + (<usize>i << 2);
      const m = v128.and(v128.xor(w, v128.load32_splat(pl)), v128.load32_splat(pl + stride));
      a = i16x8.add(a, i16x8.extadd_pairwise_i8x16_u(i8x16.popcnt(m)));
    }
    acc = i32x4.add(acc, i32x4.extadd_pairwise_i16x8_u(a));
  }
  return i32x4.sub(i32x4.add(acc, acc), i32x4.splat(liveCount));
}

function groupSignScalar(sg: usize, words: i32, stride: usize, liveCount: i32): void {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  for (let i = 0; i < words; i++) {
    const pl = planeBuf + (<usize>i << 2);
    const neg = load<u32>(pl), live = load<u32>(pl + stride);
    const wp = sg + (<usize>i << 4);
    a0 += <i32>popcnt((load<u32>(wp) ^ neg) & live);
    a1 += <i32>popcnt((load<u32>(wp, 4) ^ neg) & live);
    a2 += <i32>popcnt((load<u32>(wp, 8) ^ neg) & live);
    a3 += <i32>popcnt((load<u32>(wp, 12) ^ neg) & live);
  }
  store<i32>(acc4, 2 * a0 - liveCount);
  store<i32>(acc4, 2 * a1 - liveCount, 4);
  store<i32>(acc4, 2 * a2 - liveCount, 8);
  store<i32>(acc4, 2 * a3 - liveCount, 12);
}

// ---- Rows (FC rows, 1x1 conv pixels, or one gathered conv patch) ---------------------------------

// Set once per op run by binaryBegin (the op's rows may come one gathered patch at a time).
let rowsSign = false, rowsFast = false;

/**
 * Per op run: sign = the input is a sign tensor (XNOR form). In the SIMD build, with at least 4
 * rows, prepares requant_fast.ts's exact f64 requantization when every channel qualifies, with the
 * bound |acc| <= |bias_c| + a_c * K * max|x'| (|w| = a_c).
 */
export function binaryBegin(sign: bool, rows: i32, K: i32, s: usize, O: i32, off: i32, bp: usize, mp: usize, shp: usize): void {
  rowsSign = sign;
  rowsFast = false;
  if (!ASC_FEATURE_SIMD || rows < 4 || O > FAST_CAP) return;
  const mags = s + <usize>BINARY_HEADER_SIZE;
  const lo = -128 + off, hi = 127 + off;
  const maxX: f64 = sign ? 1.0 : <f64>(-lo > hi ? -lo : hi);
  for (let c = 0; c < O; c++) {
    const o = <usize>c << 2;
    const b = bp ? Math.abs(<f64>load<i32>(bp + o)) : 0.0;
    const bound = b + <f64>load<u8>(mags + <usize>c) * <f64>K * maxX;
    if (!fastChannel(c, load<i32>(mp + o), load<i32>(shp + o), bound)) return;
  }
  rowsFast = true;
}

/**
 * y[r, c] = requant(bias_c + a_c * sum_c) for `rows` K-byte x rows (x row stride K, y row stride O),
 * as binaryBegin set up for this op.
 */
export function binary_gemm_s8(
  xp: usize, rows: i32, K: i32, s: usize, O: i32, bp: usize, mp: usize, shp: usize,
  off: i32, outZp: i32, amin: i32, amax: i32, yp: usize,
): void {
  const sign = rowsSign, fast = rowsFast;
  const words = (K + 31) >> 5;
  const stride = <usize>words << 2;
  const mags = s + <usize>BINARY_HEADER_SIZE;
  const signs = s + <usize>signsOffset(<u32>O);
  const offm = off - 128;
  const groups = (O + 3) >> 2;
  for (let r = 0; r < rows; r++) {
    const y = yp + <usize>r * <usize>O;
    let S = 0;
    if (sign) S = planesSign(xp + <usize>r * <usize>K, K, stride);
    else S = planesS8(xp + <usize>r * <usize>K, K, stride) + K * off;
    for (let q = 0; q < groups; q++) {
      const sg = signs + <usize>(q * words) * 16;
      const o = q << 2;
      if (ASC_FEATURE_SIMD) {
        const d = sign ? groupSignSimd(sg, words, stride, S) : groupS8Simd(sg, words, stride, offm, S);
        if (o + 4 <= O) {
          const ch = <usize>o << 2;
          const a = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(mags + <usize>o)));
          let acc = i32x4.mul(a, d);
          if (bp) acc = i32x4.add(acc, v128.load(bp + ch));
          store4s8(y + <usize>o, requant4Either(acc, fast, o, mp, shp, outZp, amin, amax));
          continue;
        }
        v128.store(acc4, d);
      } else {
        if (sign) groupSignScalar(sg, words, stride, S);
        else groupS8Scalar(sg, words, stride, offm, S);
      }
      const n = O - o < 4 ? O - o : 4;
      for (let j = 0; j < n; j++) {
        const acc = load<i32>(acc4 + (<usize>j << 2)) * <i32>load<u8>(mags + <usize>(o + j));
        if (ASC_FEATURE_SIMD) out1(acc, o + j, bp, mp, shp, outZp, amin, amax, y + <usize>(o + j));
        else out1Inline(acc, o + j, bp, mp, shp, outZp, amin, amax, y + <usize>(o + j));
      }
    }
  }
}

/** BINARIZE: y = x >= threshold ? +1 : -1 (x s8, y sign8). */
export function binarize_s8(op: usize): void {
  const x = opIn(op, 0), y = opOut(op, 0);
  const n = tnumel(x), t = opParam(op, 0);
  const xp = tptr(x), yp = tptr(y);
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // x >= t as x > t - 1; t - 1 is in [-129, 127]: -129 means every x passes.
    if (t <= -128) {
      for (; i + 16 <= n; i += 16) v128.store(yp + <usize>i, i8x16.splat(1));
    } else {
      const tv = i8x16.splat(<i8>(t - 1)), one = i8x16.splat(1);
      // Mask lanes are -1 where x > t - 1: (mask & 2) - 1 = +1 there, -1 elsewhere.
      for (; i + 16 <= n; i += 16) {
        const m = i8x16.gt_s(v128.load(xp + <usize>i), tv);
        v128.store(yp + <usize>i, i8x16.sub(v128.and(m, i8x16.splat(2)), one));
      }
    }
  }
  for (; i < n; i++) store<i8>(yp + <usize>i, <i8>(<i32>load<i8>(xp + <usize>i) >= t ? 1 : -1));
}
