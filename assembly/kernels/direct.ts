// Weights read as stored (STORAGE_DIRECT): which (op, encoding) pairs have a kernel, the load-time
// check of each direct stream against the op that reads it, and the dispatch to the kernels.
//
// Every direct kernel computes the int8 GEMM rows y[r, n] = requant(bias[n] + sum_k (x[r, k] +
// inOff) * w[n, k]) with w[n, k] taken from the stream: the same integer sums as the dense kernels
// on the expanded weights, so results are bit-identical. fully_connected rows are x's rows; a 1x1
// stride-1 unpadded conv's rows are its pixels; any other group-1 conv gathers each pixel's patch
// (conv2d.ts's gatherPatch, padded taps = input zero point) and runs it as one row.
//
// A new direct kernel: accept its (op, encoding) pair in validateDirectInputs with a complete
// check of its stream, and dispatch it in runDirect; kernels find the stream with tstream(id)
// (state.ts), never tptr, which does not know direct records.
import {
  OK, ERR_BAD_OP, ERR_BAD_ENCODING, DTYPE_S8, STORAGE_DIRECT, STORAGE_EMPTY, T_FLAGS, OP_CONV2D,
  OP_FULLY_CONNECTED, ENC_SPARSE_ROWS, ENC_PALETTE, ENC_HEADER_SIZE, ENC_BINARY, DTYPE_SIGN8,
} from '../../format/format';
import {
  opIn, opOut, opInCount, opParam, tdim, tptr, tnumel, trec, tstream,
} from '../state';
import { tzp, tstorage, tdtype } from '../state_cold';
import { str, say, opPrefix } from '../message';
import { PATCH_CAP, patchBuf, gatherPatch } from './conv2d';
import { sparse_rows_gemm_s8, sparse_tile8_simd, sparseTileBegin, tileFits, tileLane } from './sparse_rows';
import { palette_gemm_s8 } from './palette_rows';
import { BINARY_K_CAP, checkBinaryStream, binaryBegin, binary_gemm_s8 } from './binary_weights';
import { directBuilt } from '../features';

@inline function encOf(id: i32): i32 {
  return <i32>load<u8>(trec(id), T_FLAGS);
}

/** A 1x1, stride-1, unpadded, group-1 conv: its pixels are GEMM rows read in place. */
function convIsRows(op: usize): bool {
  const x = opIn(op, 0), w = opIn(op, 1), y = opOut(op, 0);
  return tdim(w, 1) == 1 && tdim(w, 2) == 1 && opParam(op, 0) == 1 && opParam(op, 1) == 1 &&
    opParam(op, 4) == 0 && opParam(op, 5) == 0 && opParam(op, 8) == 1 &&
    tdim(y, 1) == tdim(x, 1) && tdim(y, 2) == tdim(x, 2);
}

function failOp(index: i32, code: i32): i32 {
  opPrefix(index, code);
  return ERR_BAD_OP;
}
function failStream(id: i32, sparse: bool): i32 {
  say(txt('tensor $'), id);
  if (sparse) str(' (direct sparse-rows stream): ');
  else str(' (direct palette stream): ');
  return ERR_BAD_ENCODING;
}

/**
 * Checks every STORAGE_DIRECT input of op `index` (after validateOp proved its shapes): it must be
 * the weights of an op and encoding with a direct kernel, and its stream must be well formed for
 * the weights' shape, so the kernels can read it without checks.
 */
export function validateDirectInputs(index: i32, op: usize, code: i32): i32 {
  const nin = opInCount(op);
  for (let j = 0; j < nin; j++) {
    const w = opIn(op, j);
    if (tstorage(w) != STORAGE_DIRECT) continue;
    const enc = encOf(w);
    // A sign8 input (binarized activations) has a direct kernel with binary weights only (XNOR).
    const xdt = tdtype(opIn(op, 0));
    let ok = j == 1 && (code == OP_FULLY_CONNECTED || code == OP_CONV2D) && (xdt == DTYPE_S8 || (xdt == DTYPE_SIGN8 && enc == ENC_BINARY)) &&
      tdtype(w) == DTYPE_S8 && (enc == ENC_SPARSE_ROWS || enc == ENC_PALETTE || enc == ENC_BINARY);
    // 1-bit kernels (binary_weights.ts): group 1, K within their patch and plane buffers.
    if (ok && enc == ENC_BINARY) ok = (code == OP_FULLY_CONNECTED || opParam(op, 8) == 1) && tnumel(w) / tdim(w, 0) <= BINARY_K_CAP;
    else if (ok && code == OP_CONV2D) {
      ok = opParam(op, 8) == 1 && (convIsRows(op) || tnumel(w) / tdim(w, 0) <= PATCH_CAP);
    }
    if (!ok) {
      failOp(index, code); say(txt('input $ is direct weights in encoding $: no direct kernel (only s8 fully_connected / group-1 conv2d weights, sparse-rows, palette or binary)'), j, enc);
      return ERR_BAD_OP;
    }
    const e = directBuilt(ENC_SPARSE_ROWS) && enc == ENC_SPARSE_ROWS ? checkSparseRows(w)
      : directBuilt(ENC_BINARY) && enc == ENC_BINARY ? checkBinaryStream(w, tstream(w), load<u32>(tstream(w)))
      : directBuilt(ENC_PALETTE) ? checkPalette(w) : OK;
    if (e) return e;
  }
  return OK;
}

function checkSparseRows(w: i32): i32 {
  const s = tstream(w);
  const len = <u64>load<u32>(s);
  const R = tdim(w, 0), K = tnumel(w) / R;
  if (len < <u64>ENC_HEADER_SIZE) {
    const e = failStream(w, true); say(txt('length $ is shorter than the header'), <i64>len);
    return e;
  }
  if (load<u8>(s, 4) != 8 || load<u8>(s, 5) != 1 || load<u16>(s, 6) != 0) {
    const e = failStream(w, true); say(txt('gap bits, element size and reserved bytes must be 8, 1, 0; got $, $, $'), load<u8>(s, 4), load<u8>(s, 5), load<u16>(s, 6));
    return e;
  }
  if (load<u32>(s, 8) != <u32>R) {
    const e = failStream(w, true); say(txt('$ rows, but the weights have $'), load<u32>(s, 8), R);
    return e;
  }
  const head = <u64>ENC_HEADER_SIZE + (<u64>R << 1);
  if (head > len) {
    const e = failStream(w, true); say(txt('length $ is shorter than its $ row counts'), <i64>len, R);
    return e;
  }
  const counts = s + ENC_HEADER_SIZE;
  let m: u64 = 0;
  for (let n = 0; n < R; n++) m += <u64>load<u16>(counts + (<usize>n << 1));
  if (head + (m << 1) != len) {
    const e = failStream(w, true); say(txt('length $ != $ bytes for $ entries'), <i64>len, <i64>(head + (m << 1)), <i64>m);
    return e;
  }
  let p = counts + (<usize>R << 1);
  for (let n = 0; n < R; n++) {
    const c = <i32>load<u16>(counts + (<usize>n << 1));
    let col = -1;
    for (let j = 0; j < c; j++) {
      col += <i32>load<u8>(p) + 1;
      p += 2;
      if (col >= K) {
        const e = failStream(w, true); say(txt('row $ entry $ lands at column $'), n, j, col); say(txt(', past K = $'), K);
        return e;
      }
    }
  }
  return OK;
}

function checkPalette(w: i32): i32 {
  const s = tstream(w);
  const len = <u64>load<u32>(s);
  const R = tdim(w, 0), n = <u64>tnumel(w);
  if (len < <u64>ENC_HEADER_SIZE) {
    const e = failStream(w, false); say(txt('length $ is shorter than the header'), <i64>len);
    return e;
  }
  const bits = <u32>load<u8>(s, 4), G = load<u32>(s, 8);
  if ((bits != 1 && bits != 2 && bits != 4 && bits != 8) || load<u8>(s, 5) != 1 || load<u16>(s, 6) != 0) {
    const e = failStream(w, false); say(txt('index bits $ must be 1, 2, 4 or 8, element size 1 and mode 0 (contiguous groups)'), bits);
    return e;
  }
  if (G == 0 || <u32>R % G != 0) {
    const e = failStream(w, false); say(txt('$ codebooks do not divide the $ output channels'), G, R);
    return e;
  }
  const need = <u64>ENC_HEADER_SIZE + (<u64>G << bits) + ((n * bits + 7) >> 3);
  if (need != len) {
    const e = failStream(w, false); say(txt('length $ != $ bytes for its codebooks and indices'), <i64>len, <i64>need);
    return e;
  }
  return OK;
}

function rowsDirect(
  enc: i32, xp: usize, rows: i32, K: i32, s: usize, N: i32, bp: usize, mp: usize, shp: usize,
  inOff: i32, outZp: i32, amin: i32, amax: i32, yp: usize,
): void {
  // Per-model builds link only the direct kernels their blobs use (blob.ts refused the others).
  if (directBuilt(ENC_SPARSE_ROWS) && enc == ENC_SPARSE_ROWS) sparse_rows_gemm_s8(xp, rows, K, s, N, bp, mp, shp, inOff, outZp, amin, amax, yp);
  else if (directBuilt(ENC_PALETTE) && enc == ENC_PALETTE) palette_gemm_s8(xp, rows, K, s, N, bp, mp, shp, inOff, outZp, amin, amax, yp);
  else if (directBuilt(ENC_BINARY)) binary_gemm_s8(xp, rows, K, s, N, bp, mp, shp, inOff, outZp, amin, amax, yp);
}

/** Runs an s8 (or, with binary weights, sign8) fully_connected or conv2d whose weights (input 1) are STORAGE_DIRECT. */
export function runDirect(op: usize, code: i32): void {
  const x = opIn(op, 0), w = opIn(op, 1), y = opOut(op, 0);
  const enc = encOf(w);
  const s = tstream(w), xp = tptr(x), yp = tptr(y);
  const bp = tstorage(opIn(op, 2)) != STORAGE_EMPTY ? tptr(opIn(op, 2)) : 0;
  const mp = tptr(opIn(op, 3)), shp = tptr(opIn(op, 4));
  const zp = tzp(x), inOff = -zp, outZp = tzp(y);
  const O = tdim(w, 0), K = tnumel(w) / O, rows = tnumel(y) / O;
  const fc = code == OP_FULLY_CONNECTED;
  const amin = opParam(op, fc ? 0 : 9), amax = opParam(op, fc ? 1 : 10);
  // sign8 input (binarized activations): the XNOR-popcount form.
  if (directBuilt(ENC_BINARY) && enc == ENC_BINARY) binaryBegin(tdtype(x) == DTYPE_SIGN8, rows, K, s, O, inOff, bp, mp, shp);
  if (fc || convIsRows(op)) {
    rowsDirect(enc, xp, rows, K, s, O, bp, mp, shp, inOff, outZp, amin, amax, yp);
    return;
  }
  const N = tdim(x, 0), H = tdim(x, 1), W = tdim(x, 2), C = tdim(x, 3);
  const KH = tdim(w, 1), KW = tdim(w, 2), OH = tdim(y, 1), OW = tdim(y, 2);
  const sh = opParam(op, 0), sw = opParam(op, 1), dh = opParam(op, 2), dw = opParam(op, 3);
  const pt = opParam(op, 4), pl = opParam(op, 5);
  // SIMD sparse: eight pixels' patches go into the lanes of one transposed tile (sparse_rows.ts).
  const tiles = ASC_FEATURE_SIMD && directBuilt(ENC_SPARSE_ROWS) && enc == ENC_SPARSE_ROWS && tileFits(K);
  if (ASC_FEATURE_SIMD && tiles) sparseTileBegin(rows, s, O, inOff, bp, mp, shp);
  let out = yp, lane = 0;
  for (let n = 0; n < N; n++) {
    const xImg = xp + <usize>(n * H * W) * <usize>C;
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        // Padded taps read as the zero point: (zp + inOff) * w = 0, as skipping them (a sign tensor's zp is 0).
        gatherPatch(xImg, H, W, C, KH, KW, oy * sh - pt, ox * sw - pl, dh, dw, zp);
        if (ASC_FEATURE_SIMD && tiles) {
          tileLane(patchBuf, K, inOff, lane++);
          if (lane == 8) {
            sparse_tile8_simd(K, s, O, bp, mp, shp, outZp, amin, amax, out, <usize>O, 8);
            out += <usize>O << 3;
            lane = 0;
          }
        } else {
          rowsDirect(enc, patchBuf, 1, K, s, O, bp, mp, shp, inOff, outZp, amin, amax, out);
          out += <usize>O;
        }
      }
    }
  }
  if (ASC_FEATURE_SIMD && lane > 0) sparse_tile8_simd(K, s, O, bp, mp, shp, outZp, amin, amax, out, <usize>O, lane);
}
