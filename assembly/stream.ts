// Streamed weights (FLAG_WEIGHTS_EXTERNAL): the blob's weights section stays with the host (flash on
// a device) and each op's weights are read into the scratch region right before the op runs.
//
// Only the stream builds (build/mote.*.stream.wasm, compiled with `--use MOTE_STREAM=1`) import
// env.mote_read_weights; in the default builds STREAM is false, every branch that calls the import
// is compiled away and the module keeps importing nothing.
import { OK, ERR_WEIGHTS_READ, ERR_BAD_OP, STORAGE_WEIGHTS, STORAGE_DIRECT, T_STREAM_OFFSET } from '../format/format';
import {
  weightsExternal, weightsFileOffset, scratchPtr, scratchSize, opInCount, opIn, tstorage, trec,
  setWeightsBase,
} from './state';
import { T_OFFSET, T_BYTE_SIZE } from '../format/format';
import { say2, opPrefix } from './message';
import { crc32Update } from './crc32';

// @ts-ignore: defined by asc `--use MOTE_STREAM=1` in the stream builds only
export const STREAM: bool = isDefined(MOTE_STREAM);

/**
 * The host copies bytes [offset, offset + len) of the blob FILE (offsets count from the blob's first
 * byte, so they fall in its weights section) to linear memory at `dst`; returns 0 on success.
 */
// @ts-ignore: decorator
@external('env', 'mote_read_weights')
declare function host_read_weights(offset: i32, dst: i32, len: i32): i32;

/** Reads [offset, offset + len) of the weights section to dst, or sets ERR_WEIGHTS_READ's message. */
export function readWeights(offset: u32, dst: usize, len: u32): i32 {
  if (len == 0) return OK;
  const fileOffset = weightsFileOffset + offset; // validated at alloc: the section ends by 4 GiB
  if (STREAM) {
    if (host_read_weights(<i32>fileOffset, <i32>dst, <i32>len) == 0) return OK;
  }
  say2(txt('mote_read_weights(offset $, $ bytes) failed'), fileOffset, len);
  return ERR_WEIGHTS_READ;
}

/**
 * Continues `crc` over the `size` bytes of the blob from the weights section on (weights, then the
 * metadata), read through the host in scratch-sized chunks (load time only: the scratch region is
 * free then).
 */
let crcOut: u32 = 0;
export function crcOfWeights(crc: u32, size: u32): i32 {
  let c = crc;
  if (scratchSize == 0) return ERR_WEIGHTS_READ; // excluded at mote_blob_alloc
  for (let at: u32 = 0; at < size; ) {
    const n = min(size - at, scratchSize);
    const e = readWeights(at, scratchPtr, n);
    if (e) return e;
    c = crc32Update(c, scratchPtr, n);
    at += n;
  }
  crcOut = c;
  return OK;
}
export function lastCrc(): u32 {
  return crcOut;
}

/**
 * Makes op `op`'s weights readable: reads the span from its lowest to its highest weights byte into
 * the scratch region and points weightsBase at it. `index` names the op in messages. Validated
 * blobs (validateOps calls this first, with checks) always fit.
 */
export function streamOpWeights(index: i32, op: usize, code: i32): i32 {
  if (!weightsExternal) return OK;
  let lo: u64 = 0xffffffff, hi: u64 = 0;
  const n = opInCount(op);
  for (let j = 0; j < n; j++) {
    const id = opIn(op, j);
    const st = tstorage(id);
    if (st != STORAGE_WEIGHTS && st != STORAGE_DIRECT) continue;
    let off = <u64>load<u32>(trec(id), T_OFFSET);
    let end = off + <u64>load<u32>(trec(id), T_BYTE_SIZE);
    if (st == STORAGE_DIRECT) {
      // The stream is what the kernel reads; its length word (checked at load) gives the span.
      off = <u64>load<u32>(trec(id), T_STREAM_OFFSET);
      const e = readWeights(<u32>off, scratchPtr, 4);
      if (e) return e;
      end = off + <u64>load<u32>(scratchPtr);
    }
    if (off < lo) lo = off;
    if (end > hi) hi = end;
  }
  if (hi == 0) return OK;
  if (hi - lo > <u64>scratchSize) {
    opPrefix(index, code); say2(txt('its weights span $ bytes, more than the $-byte weights scratch region the header reserves'), hi - lo, scratchSize);
    return ERR_BAD_OP;
  }
  const e = readWeights(<u32>lo, scratchPtr, <u32>(hi - lo));
  if (e) return e;
  setWeightsBase(scratchPtr - <usize>lo);
  return OK;
}
