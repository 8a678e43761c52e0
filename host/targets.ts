// RAM budgets of a blob on a microcontroller target (`mote inspect --target esp32|esp32s3|esp32c3`):
// WASM linear memory exactly as the runtime grows it, WAMR's own memory (pool), against the chip's
// usable SRAM from devices/profiles. Node-only (reads the profile and the runtime module).
import * as F from '../format/format.js';
import { loadDeviceProfile, memoryBytes } from './energy/device-profiles.js';

export const WASM_PAGE = 65536;

/** Chips `--target` accepts: the ESP32 family the scalar runtime runs on under WAMR. */
export const TARGETS = ['esp32', 'esp32s3', 'esp32c3'] as const;
export type TargetName = (typeof TARGETS)[number];

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

const align16 = (n: number) => Math.ceil(n / 16) * 16;

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
    ...(external ? { residentSize: u32(F.H_WEIGHTS_OFFSET), scratchSize: u32(F.H_WEIGHTS_SCRATCH_SIZE) } : {}),
  };
}

/**
 * The same blob with its weights streamed (`mote convert --weights external`), computed from a
 * blob with resident weights: the part copied in is everything before the weights section (the
 * weights and the metadata after them stay outside), the scratch the largest span of weights one
 * op reads (at least 16 bytes). Undefined when the blob's weights are stored encoded (those cannot
 * be streamed) or already streamed.
 */
export function streamedMemoryOf(blob: Uint8Array): BlobMemory | undefined {
  const m = blobMemoryOf(blob);
  if (m.residentSize !== undefined || (m.expandedSize ?? 0) > 0) return undefined;
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const u32 = (at: number) => dv.getUint32(at, true);
  const tensors = u32(F.H_TENSOR_TABLE_OFFSET);
  const index = u32(F.H_INDEX_OFFSET);
  let scratch = F.SECTION_ALIGN;
  for (let i = 0, n = u32(F.H_OP_COUNT); i < n; i++) {
    const op = u32(F.H_OP_TABLE_OFFSET) + i * F.OP_RECORD_SIZE;
    const io = u32(op + F.O_IO_INDEX);
    let lo = Infinity;
    let hi = 0;
    for (let j = 0, nin = dv.getUint16(op + F.O_INPUT_COUNT, true); j < nin; j++) {
      const rec = tensors + u32(index + 4 * (io + j)) * F.TENSOR_RECORD_SIZE;
      if (dv.getUint8(rec + F.T_STORAGE) !== F.STORAGE_WEIGHTS) continue;
      lo = Math.min(lo, u32(rec + F.T_OFFSET));
      hi = Math.max(hi, u32(rec + F.T_OFFSET) + u32(rec + F.T_BYTE_SIZE));
    }
    if (hi > 0) scratch = Math.max(scratch, align16(hi - lo));
  }
  return { blobSize: blob.length, arenaSize: m.arenaSize, expandedSize: 0, residentSize: u32(F.H_WEIGHTS_OFFSET), scratchSize: scratch };
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

/** The initial pages and mote_heap_base() of a runtime module (instantiated once to ask it). */
export function runtimeLayout(wasm: Uint8Array): RuntimeLayout {
  const initialPages = wasmInitialPages(wasm);
  const module = new WebAssembly.Module(wasm as BufferSource);
  // Stream builds import mote_read_weights; mote_heap_base never calls it.
  const imports: WebAssembly.Imports = WebAssembly.Module.imports(module).some((i) => i.name === 'mote_read_weights')
    ? { env: { mote_read_weights: () => 1 } }
    : {};
  const ex = new WebAssembly.Instance(module, imports).exports as { mote_heap_base?: () => number };
  if (typeof ex.mote_heap_base !== 'function') throw new Error('runtime module: no mote_heap_base export (an older runtime build?)');
  return { initialPages, heapBase: ex.mote_heap_base() };
}

/** The initial (minimum) page count of a wasm module's first memory, read from its binary. */
export function wasmInitialPages(wasm: Uint8Array): number {
  const bad = (why: string): never => {
    throw new Error(`runtime module: ${why}`);
  };
  if (wasm.length < 8 || wasm[0] !== 0 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) bad('not a WebAssembly binary');
  let p = 8;
  const leb = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      if (p >= wasm.length) bad('truncated LEB128 number');
      const b = wasm[p++];
      v += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return v;
      shift += 7;
      if (shift > 35) bad('LEB128 number too long');
    }
  };
  while (p < wasm.length) {
    const id = wasm[p++];
    const size = leb();
    const end = p + size;
    if (end > wasm.length) bad(`section ${id} runs past the end`);
    if (id === 5) {
      if (leb() < 1) bad('the memory section declares no memory');
      const flags = leb();
      if (flags > 1) bad(`unsupported memory flags ${flags} (shared or 64-bit memory)`);
      return leb();
    }
    p = end;
  }
  // Imported memory would be declared in the import section; the Mote runtime defines its own.
  return bad('no memory section (the Mote runtime defines its own memory)');
}

/** WAMR's pool use for the Mote runtime module, measured (see WAMR_MEASURED). */
export interface WamrFigures {
  interpreter: WamrInterpreter;
  wamrVersion: string;
  /** Size of the mote.scalar.wasm the figures were measured with. */
  moduleBytes: number;
  /** Pool in use after wasm_runtime_load_ex (fast: its pre-compiled code; classic: the kept bytecode copy + tables). */
  loadedModule: number;
  /** Highest pool use during loading (loader scratch + the module copy). */
  loadPeak: number;
  /** Instance without its stack (memory/function/global instances, exports). */
  instance: number;
  source: string;
}

export type WamrInterpreter = 'fast' | 'classic';

/**
 * WAMR's own RAM for the Mote runtime module, WAMR 2.4.4, measured with devices/host-core's POSIX
 * host (`# mote: WAMR pool ...` lines, i.e. wasm_runtime_get_mem_alloc_info) running
 * mlperf_tiny KWS, WAMR built with -DWASM_CPU_SUPPORTS_UNALIGNED_ADDR_ACCESS=0 (the 4-byte
 * fast-interpreter label layout 32-bit targets use), no SIMD/AOT/WASI, --stack 4096. Other WAMR
 * structures hold 8-byte pointers on that 64-bit build, so on the chip the figures are somewhat
 * smaller: an upper estimate. Scaled linearly with the module size (code grows with bytecode).
 * `instance` = pool after instantiation − loadedModule − the one 4 KiB exec-env stack in the pool
 * (growing --stack by 4 KiB grew pool use by exactly 4 KiB).
 */
export const WAMR_MEASURED: Record<WamrInterpreter, WamrFigures> = {
  fast: {
    interpreter: 'fast',
    wamrVersion: '2.4.4',
    moduleBytes: 45418,
    loadedModule: 178432,
    loadPeak: 225512,
    instance: 190816 - 178432 - 4096,
    source: 'measured: devices/host-core POSIX host on WAMR 2.4.4, fast interpreter (32-bit label layout), wasm_runtime_get_mem_alloc_info',
  },
  classic: {
    interpreter: 'classic',
    wamrVersion: '2.4.4',
    moduleBytes: 45418,
    loadedModule: 83104,
    loadPeak: 91624,
    instance: 98560 - 83104 - 4096,
    source: 'measured: devices/host-core POSIX host on WAMR 2.4.4, classic interpreter (bytecode kept in the pool), wasm_runtime_get_mem_alloc_info',
  },
};

/** Stack the host gives the instance and its exec env (devices/esp32 Kconfig MOTE_WASM_STACK_SIZE default). */
export const DEFAULT_WASM_STACK = 8192;

export interface RamBudgetLine {
  what: string;
  bytes: number;
  note: string;
}

export interface RamBudget {
  target: string;
  title: string;
  interpreter: WamrInterpreter;
  usableBytes: number;
  usableSource: string;
  totalSramBytes?: number;
  memory: LinearMemoryPlan;
  lines: RamBudgetLine[];
  /** Everything held while running. */
  steadyBytes: number;
  /** The most held at once while loading (grow copy, loader scratch). */
  peakBytes: number;
  fits: boolean;
  /** usable − max(steady, peak): negative when it does not fit. */
  marginBytes: number;
  notes: string[];
}

export interface BudgetInput extends BlobMemory {
  runtimeWasm: Uint8Array;
  stackBytes?: number;
  /** WAMR's interpreter (devices/esp32 sdkconfig.defaults: fast). */
  interpreter?: WamrInterpreter;
}

/** The RAM budget of one blob on one target chip. */
export function ramBudget(target: string, input: BudgetInput): RamBudget {
  if (!(TARGETS as readonly string[]).includes(target)) {
    throw new Error(`--target must be one of ${TARGETS.join(', ')}, got '${target}'`);
  }
  const profile = loadDeviceProfile(target);
  const usable = memoryBytes(profile, 'sram_usable_app');
  if (!usable) throw new Error(`device profile '${target}' has no memory.sram_usable_app`);
  const total = memoryBytes(profile, 'sram_total');
  const memory = linearMemoryPlan(input, runtimeLayout(input.runtimeWasm));
  const streamed = input.residentSize !== undefined;
  const stack = input.stackBytes ?? DEFAULT_WASM_STACK;
  const m = WAMR_MEASURED[input.interpreter ?? 'fast'];
  const scale = input.runtimeWasm.length / m.moduleBytes;
  const module = Math.ceil(m.loadedModule * scale);
  const loadPeak = Math.ceil(m.loadPeak * scale);
  const instance = m.instance + stack;
  const parts = [
    `${memory.heapBase} B static data`,
    `${memory.residentBytes} B blob${streamed ? ' (weights streamed)' : ''}`,
    ...((input.expandedSize ?? 0) > 0 ? [`${input.expandedSize} B expanded weights`] : []),
    `${input.arenaSize} B arena`,
    ...(streamed ? [`${input.scratchSize ?? 0} B weights scratch`] : []),
  ];
  const lines: RamBudgetLine[] = [
    {
      what: 'WASM linear memory',
      bytes: memory.bytes,
      note: `${memory.pages} pages × 64 KiB (${memory.initialPages} initial${memory.grownPages ? ` + ${memory.grownPages} grown once at load` : ', no grow'}) for ${parts.join(' + ')}; one contiguous heap block`,
    },
    { what: `WAMR module (${m.interpreter} interpreter)`, bytes: module, note: `runtime module ${input.runtimeWasm.length} B; ${m.source}` },
    { what: 'WAMR instance + stacks', bytes: instance, note: `instance ${m.instance} B + ${stack} B exec-env stack` },
  ];
  const steady = memory.bytes + module + instance;
  // Loading the module happens before any linear memory beyond the initial pages exists; the one
  // grow (before the blob is copied in) happens with the module and instance in place.
  const peak = Math.max(loadPeak + memory.initialPages * WASM_PAGE, memory.peakDuringLoadBytes + module + instance);
  const margin = usable.bytes - Math.max(steady, peak);
  const notes = [
    `usable SRAM ${usable.bytes} B: ${usable.provenance}`,
    memory.grownPages > 0
      ? `linear memory grows once, in mote_blob_alloc before the blob is copied in; WAMR grows by copy, so the ${memory.initialPages} initial page(s) and the new ${memory.pages} coexist for that moment (${memory.peakDuringLoadBytes} B)`
      : 'the blob fits the initial memory pages: linear memory never grows',
    ...(streamed ? [`weights streamed: the blob's last ${input.blobSize - memory.residentBytes} B (weights, metadata) stay in flash; weights are read per op through mote_read_weights`] : []),
    `the linear memory needs one free block of ${memory.bytes} B (heap_caps_get_largest_free_block(MALLOC_CAP_8BIT) at boot); ESP32 DRAM is split into regions`,
    'WAMR figures are an upper estimate (measured on a 64-bit build, see host/targets.ts WAMR_MEASURED)',
  ];
  return {
    target,
    title: profile.title,
    interpreter: m.interpreter,
    usableBytes: usable.bytes,
    usableSource: usable.provenance,
    totalSramBytes: total?.bytes,
    memory,
    lines,
    steadyBytes: steady,
    peakBytes: peak,
    fits: margin >= 0,
    marginBytes: margin,
    notes,
  };
}

function kib(n: number): string {
  return `${(n / 1024).toFixed(1)} KiB`;
}

/** The budget as text for `mote inspect --target`. */
export function formatRamBudget(b: RamBudget): string {
  const out: string[] = [];
  out.push(`RAM budget on ${b.target} (${b.title}), WAMR ${b.interpreter} interpreter`);
  const w = Math.max(...b.lines.map((l) => l.what.length));
  for (const l of b.lines) out.push(`  ${l.what.padEnd(w)}  ${kib(l.bytes).padStart(10)}  ${l.note}`);
  out.push(`  ${'running'.padEnd(w)}  ${kib(b.steadyBytes).padStart(10)}`);
  out.push(`  ${'peak while loading'.padEnd(w)}  ${kib(b.peakBytes).padStart(10)}`);
  out.push(`  ${'usable SRAM'.padEnd(w)}  ${kib(b.usableBytes).padStart(10)}${b.totalSramBytes ? ` of ${kib(b.totalSramBytes)} on chip` : ''}`);
  out.push(
    b.fits
      ? `  fits: ${kib(b.marginBytes)} to spare (${b.marginBytes} B)`
      : `  does NOT fit: ${kib(-b.marginBytes)} over (${-b.marginBytes} B)`,
  );
  for (const n of b.notes) out.push(`  note: ${n}`);
  return out.join('\n');
}
