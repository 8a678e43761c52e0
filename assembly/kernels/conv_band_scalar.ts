// Scalar build: int8 conv2d (group 1, dilation_w 1) with few input channels: the first convs (vww's
// 3x3 stride-2 C = 3, kws's 10x4 C = 1). Their patches are short (K = 27 / 40), so the general
// kernels spent as long gathering and widening each pixel's patch, and setting up each channel's
// requantization, as multiplying (the C = 3 conv ran at 1.2-1.5 GMAC/s, 36-45 % of the scalar loop).
//
// Here, per op, the weights are copied (from either layout) to [O/8][K][8] so a 2-pixel x 8-channel
// tile reads one tap's eight weights at constant offsets, and each channel's requantization
// constants are prepared once. Per output row the KH input rows are copied as int8 into a band
// with the padding columns (and padded rows) set to the input zero point; the tile reads every
// pixel's taps from it in place with no bounds checks. With padding holding zp,
//   sum over all taps of (x - zp) * w = sum(x * w) - zp * sum(w),
// and a padded tap adds (zp - zp) * w = 0, as TFLM's skipped tap does; so x is used as loaded and
// -zp * sum(w) goes into the bias once per channel (i32 arithmetic wraps consistently, and the
// total is TFLM's accumulator). Same bytes as the reference kernels.
//
// Integer only, no f64 anywhere: the two pixels' sums share i64 multiply-adds (tile2x8), and each
// output is one i64 multiply-add-shift (requant_scalar.ts).
import { STORAGE_EMPTY, O_FLAGS, OPF_PACKED_W16 } from '../../format/format';
import { opIn, opOut, opParam, tdim, tptr, tzp, tstorage } from '../state';
import { xwA, XW_STRIDE } from './gemm_packed';
import { rqLeft, rqBase, rqNeg, rqShift } from './requant_scalar';
import { kernelBuilt } from '../features';
import { KERNEL_PACKED, KERNEL_S8_PLAIN } from '../../format/runtime-features';

// The packed kernels' widened-row buffer (gemm_packed.ts), unused while this op runs: the
// per-channel table, then the weight copy, then the band.
const REGION: usize = xwA;
const REGION_BYTES: i32 = <i32>XW_STRIDE * 2;
// Per channel: bias - zp*sum(w) (i32, +0), left shift (+4), multiplier (+8), right shift (+12),
// rounding base (i64, +16), negative correction (i64, +24).
const T_BYTES: i32 = 32;

/**
 * Whether conv2d_s8_band_scalar takes this op: the scalar build's group-1 convs with C < 16 and at
 * most 16 channels (kws's 64-channel 10x4 first conv ran 1.4x as long here as gathered: ten kernel
 * rows of 4 taps each are short loops, and its patch cost is spread over 64 channels), and 1x1
 * convs with K <= 32 (vww's and person_detect's small-K layers, per-channel requantization set-up
 * otherwise paid per pixel pair). Everything must fit the region.
 */
@inline function bandTakes(C: i32, O: i32, K: i32, KH: i32, KW: i32, bandRow: i32, G: i32, dw: i32): bool {
  const O8 = (O + 7) & ~7;
  const shape = (C < 16 && O <= 16) || (KH == 1 && KW == 1 && C <= 32);
  return G == 1 && dw == 1 && shape && O8 * (T_BYTES + K) + KH * bandRow + 8 <= REGION_BYTES;
}

/** Runs the op when bandTakes; false (nothing done) otherwise. */
export function conv2d_s8_band_scalar(op: usize): bool {
  const x = opIn(op, 0), w = opIn(op, 1), y = opOut(op, 0);
  const H = tdim(x, 1), W = tdim(x, 2), C = tdim(x, 3);
  const O = tdim(w, 0), KH = tdim(w, 1), KW = tdim(w, 2);
  const sh = opParam(op, 0), sw = opParam(op, 1), dh = opParam(op, 2), dw = opParam(op, 3);
  const pt = opParam(op, 4), pl = opParam(op, 5), pr = opParam(op, 7), G = opParam(op, 8);
  const K = KH * KW * C;
  const bandRow = (W + pl + pr) * C;
  if (!bandTakes(C, O, K, KH, KW, bandRow, G, dw)) return false;
  const packed = (load<u16>(op, O_FLAGS) & OPF_PACKED_W16) != 0;
  if (packed ? !kernelBuilt(KERNEL_PACKED) : !kernelBuilt(KERNEL_S8_PLAIN)) return false;

  const N = tdim(x, 0), OH = tdim(y, 1), OW = tdim(y, 2);
  const zx = tzp(x), zy = tzp(y), lo = opParam(op, 9), hi = opParam(op, 10);
  const O8 = (O + 7) & ~7;
  const tbl = REGION;
  const wc = tbl + <usize>(O8 * T_BYTES);
  const band = wc + <usize>(O8 * K);
  prepare(op, packed, O, O8, K, zx, tbl, wc);

  const xp = tptr(x), yp = tptr(y);
  const rowIn = <usize>(W * C);
  const pxStep = <usize>(sw * C);
  const run = KW * C;
  for (let n = 0; n < N; n++) {
    const xImg = xp + <usize>(n * H) * rowIn;
    for (let oy = 0; oy < OH; oy++) {
      // Unpadded columns and every kernel row inside the image: the rows are read in place
      // (1x1 convs, valid convs, interior rows); else copied into the zero-point-padded band.
      const iy0 = oy * sh - pt;
      let rows = band, rowStep = bandRow;
      if (pl == 0 && pr == 0 && iy0 >= 0 && iy0 + (KH - 1) * dh < H) {
        rows = xImg + <usize>iy0 * rowIn;
        rowStep = dh * <i32>rowIn;
      } else {
        fillBand(band, xImg, rowIn, H, C, KH, bandRow, iy0, dh, pl, pr, zx);
      }
      const yRow = yp + <usize>((n * OH + oy) * OW) * <usize>O;
      let ox = 0;
      for (; ox + 2 <= OW; ox += 2) {
        const xa = rows + <usize>ox * pxStep;
        const y0 = yRow + <usize>(ox * O);
        for (let c = 0; c < O; c += 8) {
          tile2x8(xa, pxStep, wc + <usize>(c * K), KH, rowStep, run, tbl + <usize>(c * T_BYTES), O - c < 8 ? O - c : 8, true, zy, lo, hi, y0 + <usize>c, y0 + <usize>(O + c));
        }
      }
      if (ox < OW) {
        const xa = rows + <usize>ox * pxStep;
        const y0 = yRow + <usize>(ox * O);
        for (let c = 0; c < O; c += 8) {
          tile2x8(xa, 0, wc + <usize>(c * K), KH, rowStep, run, tbl + <usize>(c * T_BYTES), O - c < 8 ? O - c : 8, false, zy, lo, hi, y0 + <usize>c, y0 + <usize>c);
        }
      }
    }
  }
  return true;
}

/** The weight copy ([O8/8][K][8], channels past O zero) and the per-channel table. */
function prepare(op: usize, packed: bool, O: i32, O8: i32, K: i32, zx: i32, tbl: usize, wc: usize): void {
  const wp = tptr(opIn(op, 1));
  const bp = tstorage(opIn(op, 2)) != STORAGE_EMPTY ? tptr(opIn(op, 2)) : 0;
  const mp = tptr(opIn(op, 3)), shp = tptr(opIn(op, 4));
  // Packed (format.ts OPF_PACKED_W16): tap k of channel c at ((g*K2 + k/2)*16 + c%16)*2 + k%2.
  const K2 = ((K + 3) >> 2) << 1;
  for (let c = 0; c < O8; c++) {
    let sum = 0;
    const dst = wc + <usize>((c >> 3) * K * 8 + (c & 7));
    for (let k = 0; k < K; k++) {
      let v = 0;
      if (c < O) {
        if (packed) v = <i32>load<i8>(wp + <usize>((((c >> 4) * K2 + (k >> 1)) * 16 + (c & 15)) * 2 + (k & 1)));
        else v = <i32>load<i8>(wp + <usize>(c * K + k));
      }
      store<i8>(dst + <usize>(k << 3), <i8>v);
      sum += v;
    }
    const t = tbl + <usize>(c * T_BYTES);
    const s = c < O ? load<i32>(shp + (<usize>c << 2)) : 0;
    store<i32>(t, (c < O && bp ? load<i32>(bp + (<usize>c << 2)) : 0) - zx * sum);
    store<i32>(t, rqLeft(s), 4);
    store<i32>(t, c < O ? load<i32>(mp + (<usize>c << 2)) : 0, 8);
    store<i32>(t, <i32>rqShift(s), 12);
    store<i64>(t, rqBase(s), 16);
    store<i64>(t, rqNeg(s), 24);
  }
}

/**
 * The KH input rows of one output row (iy0 + r*dh) into band rows of bandRow bytes: pl / pr zero-
 * point columns around each row, rows outside the image all zero point.
 */
function fillBand(
  band: usize, xImg: usize, rowIn: usize, H: i32, C: i32, KH: i32, bandRow: i32, iy0: i32, dh: i32, pl: i32, pr: i32, zx: i32,
): void {
  const z = <i8>zx;
  const left = <usize>(pl * C), right = <usize>(pr * C);
  let dst = band;
  for (let r = 0; r < KH; r++) {
    const iy = iy0 + r * dh;
    if (iy < 0 || iy >= H) {
      for (let i: usize = 0; i < <usize>bandRow; i++) store<i8>(dst + i, z);
    } else {
      for (let i: usize = 0; i < left; i++) store<i8>(dst + i, z);
      const src = xImg + <usize>iy * rowIn;
      const d = dst + left;
      // Four bytes per step (unaligned i32 moves are plain loads / stores in wasm).
      let i: usize = 0;
      for (; i + 4 <= rowIn; i += 4) store<i32>(d + i, load<i32>(src + i));
      for (; i < rowIn; i++) store<i8>(d + i, load<i8>(src + i));
      const e = d + rowIn;
      for (let j: usize = 0; j < right; j++) store<i8>(e + j, z);
    }
    dst += <usize>bandRow;
  }
}

/**
 * Pixels at xa and xa + step (when `two`) against 8 channels of the weight copy at w (taps of
 * kernel row r: `run` bytes at xa + r*bandRow); `count` channels requantized from table t into y0
 * (and y1). Both pixels in one i64 multiply (as gemm_packed.ts's tilePair): per tap X = x_a +
 * (x_b << 32) and each weight loaded as i64, so X * w holds both products and each channel's sum
 * is A + (B << 32) with |A| <= K * 128 * 128 < 2^31: A = wrap32(sum), B = wrap32((sum + 2^31) >> 32),
 * exactly. Eight channels share each X (built per tap: four channels a pass cost WAMR's
 * interpreter as many instructions on a 32-bit host as the i32 form); the weights' eight bytes at
 * constant offsets per tap. One tap per step (the C = 3 rows are 9 taps).
 */
function tile2x8(
  xa: usize, step: usize, w: usize, KH: i32, bandRow: i32, run: i32, t: usize, count: i32, two: bool,
  zy: i32, lo: i32, hi: i32, y0: usize, y1: usize,
): void {
  let a0: i64 = 0, a1: i64 = 0, a2: i64 = 0, a3: i64 = 0, a4: i64 = 0, a5: i64 = 0, a6: i64 = 0, a7: i64 = 0;
  const runU = <usize>run;
  for (let r = 0; r < KH; r++) {
    let p = xa + <usize>(r * bandRow);
    const end = p + runU;
    // (A lone pixel reads itself twice: one loop for both cases keeps the code small.)
    for (; p < end; p++) {
      const u = i64.load8_s(p) + (i64.load8_s(p + step) << 32);
      a0 += u * i64.load8_s(w); a1 += u * i64.load8_s(w, 1); a2 += u * i64.load8_s(w, 2); a3 += u * i64.load8_s(w, 3);
      a4 += u * i64.load8_s(w, 4); a5 += u * i64.load8_s(w, 5); a6 += u * i64.load8_s(w, 6); a7 += u * i64.load8_s(w, 7);
      w += 8;
    }
  }
  // Requantized in a loop over the stored sums (eight inline copies of bandOut cost 1 KB).
  store<i64>(bandSums, a0); store<i64>(bandSums, a1, 8); store<i64>(bandSums, a2, 16); store<i64>(bandSums, a3, 24);
  store<i64>(bandSums, a4, 32); store<i64>(bandSums, a5, 40); store<i64>(bandSums, a6, 48); store<i64>(bandSums, a7, 56);
  for (let j = 0; j < count; j++) {
    bandOut(load<i64>(bandSums + (<usize>j << 3)), t + <usize>(j * T_BYTES), two, zy, lo, hi, y0 + <usize>j, y1 + <usize>j);
  }
}
const bandSums: usize = ASC_FEATURE_SIMD ? 0 : memory.data(64, 8);

/**
 * One channel of one or two outputs from its table entry (requant_scalar.ts's rqApply). Inline: out
 * of line it saved 340 B but cost 5-7 % of the C = 3 convs (a call per 2 x 27 MACs; calls are
 * dearer still in WAMR's interpreter).
 */
@inline function bandOut(s: i64, t: usize, two: bool, zy: i32, lo: i32, hi: i32, y0: usize, y1: usize): void {
  const a = <i32>s, b = <i32>((s + 0x80000000) >> 32);
  const bias = load<i32>(t), left = load<i32>(t, 4), m = <i64>load<i32>(t, 8), sh = <i64>load<u32>(t, 12);
  const base = load<i64>(t, 16), neg = load<i64>(t, 24);
  let n = <i64>((a + bias) << left) * m;
  let u = <i32>((n + base - ((n >> 63) & neg)) >> sh) + zy;
  u = u < lo ? lo : u;
  store<i8>(y0, <i8>(u > hi ? hi : u));
  if (two) {
    n = <i64>((b + bias) << left) * m;
    let v = <i32>((n + base - ((n >> 63) & neg)) >> sh) + zy;
    v = v < lo ? lo : v;
    store<i8>(y1, <i8>(v > hi ? hi : v));
  }
}
