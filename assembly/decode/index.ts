// Load-time decoding of STORAGE_ENCODED weight tensors into the expanded-weights region. Runs once
// in mote_load, after blob.ts proved each stream's length word and bytes lie in the weights section
// and each output range lies in the expanded region; inference then reads dense weights as usual.
// Records flagged ENC_FLAG_PACK_W16 decode their plain bytes and are packed in place (pack_w16.ts).
import {
  OK, ERR_BAD_ENCODING, T_FLAGS, T_OFFSET, T_BYTE_SIZE, T_STREAM_OFFSET, STORAGE_ENCODED, ENC_FLAG_PACK_W16,
  ENC_PALETTE, ENC_SPARSE, ENC_HUFFMAN, ENC_PALETTE_HUFFMAN, ENC_PACKED, ENC_REQUANT, ENC_BINARY,
} from '../../format/format';
import { tensorCount, trec, weightsBase, expandedPtr, tdim, tnumel } from '../state';
import { tstorage } from '../state_cold';
import { say2 } from '../message';
import { decodePalette, decodePaletteHuffman } from './palette';
import { decodeSparse } from './sparse';
import { decodeHuffman } from './huffman';
import { decodePacked, decodeRequant } from './requant_tables';
import { decodeBinary } from '../kernels/binary_weights';
import { decoderBuilt } from '../features';
import { DECODER_PACK_W16 } from '../../format/runtime-features';
import { packW16InPlace } from './pack_w16';

/** `arena`: the arena's first bytes, free at load, hold one group of rows while it is packed. */
export function decodeEncodedTensors(arena: usize): i32 {
  for (let id = 0; id < tensorCount; id++) {
    if (tstorage(id) != STORAGE_ENCODED) continue;
    const rec = trec(id);
    // (A build without the packing at load refused flagged records: blob.ts.)
    const pack = decoderBuilt(DECODER_PACK_W16) && (load<u8>(rec, T_FLAGS) & ENC_FLAG_PACK_W16) != 0;
    const enc = <i32>load<u8>(rec, T_FLAGS) & ~ENC_FLAG_PACK_W16;
    const s = weightsBase + <usize>load<u32>(rec, T_STREAM_OFFSET);
    const len = load<u32>(s);
    const out = expandedPtr + <usize>load<u32>(rec, T_OFFSET);
    const bytes = pack ? <u32>tnumel(id) : load<u32>(rec, T_BYTE_SIZE);
    let e = OK;
    // Per-model builds link only the decoders their blobs use (blob.ts refused the others).
    if (decoderBuilt(ENC_PALETTE) && enc == ENC_PALETTE) e = decodePalette(id, s, len, out, bytes);
    else if (decoderBuilt(ENC_SPARSE) && enc == ENC_SPARSE) e = decodeSparse(id, s, len, out, bytes);
    else if (decoderBuilt(ENC_HUFFMAN) && enc == ENC_HUFFMAN) e = decodeHuffman(id, s, len, out, bytes);
    else if (decoderBuilt(ENC_PALETTE_HUFFMAN) && enc == ENC_PALETTE_HUFFMAN) e = decodePaletteHuffman(id, s, len, out, bytes);
    else if (decoderBuilt(ENC_PACKED) && enc == ENC_PACKED) e = decodePacked(id, s, len, out, bytes);
    else if (decoderBuilt(ENC_REQUANT) && enc == ENC_REQUANT) e = decodeRequant(id, s, len, out, bytes);
    else if (decoderBuilt(ENC_BINARY) && enc == ENC_BINARY) e = decodeBinary(id, s, len, out, bytes);
    else {
      say2(txt('tensor $: unknown weight encoding $'), id, enc);
      e = ERR_BAD_ENCODING;
    }
    if (e) return e;
    if (pack) packW16InPlace(out, tdim(id, 0), tnumel(id) / tdim(id, 0), arena);
  }
  return OK;
}
