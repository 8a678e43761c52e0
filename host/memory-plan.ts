// A blob's linear-memory layout, computed as the runtime computes it (docs/ABI.md, assembly/abi.ts
// mote_blob_alloc), from its header alone. Browser-safe: the host runtime checks
// MoteLoadOptions.maxMemoryBytes with it before the runtime grows memory; host/targets.ts
// (Node-only) builds the microcontroller budgets on it.
import * as F from '../format/format.js';

export const WASM_PAGE = 65536;

/** What a blob asks of linear memory (its header's sizes). */
export interface BlobMemory {
  /** The blob file's size. */
  blobSize: number;
  arenaSize: number;
  /** Expanded-weights region (header expanded_size; encoded weights). */
  expandedSize?: number;
  /** Streamed weights (FLAG_WEIGHTS_EXTERNAL): bytes the host copies in (weights_offset). */
  residentSize?: number;
  /** Streamed weights: the scratch region (header weights_scratch_size). */
  scratchSize?: number;
  /** Ops in the blob (header op_count): the device host keeps one timer per op. */
  opCount?: number;
}

/** Where the runtime module starts placing a blob: its initial pages and mote_heap_base(). */
export interface RuntimeLayout {
  initialPages: number;
  heapBase: number;
}

export interface LinearMemoryPlan {
  initialPages: number;
  heapBase: number;
  /** Byte offsets of the regions mote_blob_alloc reserves, each 16-byte aligned, and their end. */
  blobAt: number;
  expandedAt: number;
  arenaAt: number;
  scratchAt: number;
  endBytes: number;
  /** Bytes of the blob copied into linear memory (all of it, or the part before streamed weights). */
  residentBytes: number;
  /** Pages the one memory.grow in mote_blob_alloc adds (0 when the initial pages have room). */
  grownPages: number;
  /** Pages after mote_blob_alloc; memory never grows after that. */
  pages: number;
  bytes: number;
  /**
   * The most bytes held at once while memory grows. WAMR without hardware bound checks (every
   * 32-bit target, ESP-IDF included) grows linear memory by allocating the new size, copying and
   * freeing the old block (os_mremap_slow); the one grow happens before the blob is copied in, so
   * the old block is only the initial pages.
   */
  peakDuringLoadBytes: number;
}

export const align16 = (n: number): number => Math.ceil(n / 16) * 16;

/** A blob's memory needs, read from its header (format/format.ts). */
export function blobMemoryOf(blob: Uint8Array): BlobMemory {
  if (blob.length < F.HEADER_SIZE) throw new Error(`blob is ${blob.length} bytes, shorter than the ${F.HEADER_SIZE}-byte header`);
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const u32 = (at: number) => dv.getUint32(at, true);
  const external = (u32(F.H_FLAGS) & F.FLAG_WEIGHTS_EXTERNAL) !== 0;
  return {
    blobSize: blob.length,
    arenaSize: u32(F.H_ARENA_SIZE),
    expandedSize: u32(F.H_EXPANDED_SIZE),
    opCount: u32(F.H_OP_COUNT),
    ...(external ? { residentSize: u32(F.H_WEIGHTS_OFFSET), scratchSize: u32(F.H_WEIGHTS_SCRATCH_SIZE) } : {}),
  };
}

/**
 * Linear memory for a blob, computed as the runtime does (docs/ABI.md, assembly/abi.ts
 * mote_blob_alloc): from the first 16-byte boundary at or after mote_heap_base(), the blob (or its
 * resident part), the expanded weights, the arena and the weights scratch, each 16-byte aligned;
 * one memory.grow to cover the end when the initial pages are too small.
 */
export function linearMemoryPlan(blob: BlobMemory, layout: RuntimeLayout): LinearMemoryPlan {
  const { blobSize, arenaSize } = blob;
  const expanded = blob.expandedSize ?? 0;
  const scratch = blob.scratchSize ?? 0;
  const resident = blob.residentSize ?? blobSize;
  if (!(Number.isInteger(blobSize) && blobSize > 0)) throw new Error(`blob size must be a positive integer, got ${blobSize}`);
  for (const [what, v] of [['arena size', arenaSize], ['expanded size', expanded], ['scratch size', scratch], ['resident size', resident]] as const) {
    if (!(Number.isInteger(v) && v >= 0)) throw new Error(`${what} must be a non-negative integer, got ${v}`);
  }
  const { initialPages, heapBase } = layout;
  const blobAt = align16(heapBase);
  const expandedAt = align16(blobAt + resident);
  const arenaAt = align16(expandedAt + expanded);
  const scratchAt = align16(arenaAt + arenaSize);
  const endBytes = scratchAt + scratch;
  const pages = Math.max(initialPages, Math.ceil(endBytes / WASM_PAGE));
  const grownPages = pages - initialPages;
  const peakPages = grownPages > 0 ? initialPages + pages : pages;
  return {
    initialPages, heapBase, blobAt, expandedAt, arenaAt, scratchAt, endBytes, residentBytes: resident, grownPages,
    pages, bytes: pages * WASM_PAGE, peakDuringLoadBytes: peakPages * WASM_PAGE,
  };
}
