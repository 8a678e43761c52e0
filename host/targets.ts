// RAM budgets of a blob on a microcontroller target (`mote inspect --target esp32|esp32s3|esp32c3`):
// WASM linear memory exactly as the runtime grows it, WAMR's own memory (pool), against the chip's
// usable SRAM from devices/profiles. Node-only (reads the profile and the runtime module).
import { loadDeviceProfile, memoryBytes } from './energy/device-profiles.js';

export const WASM_PAGE = 65536;

/** Chips `--target` accepts: the ESP32 family the scalar runtime runs on under WAMR. */
export const TARGETS = ['esp32', 'esp32s3', 'esp32c3'] as const;
export type TargetName = (typeof TARGETS)[number];

export interface LinearMemoryPlan {
  initialPages: number;
  blobPages: number;
  arenaPages: number;
  /** Pages after mote_load (initial + blob + arena); memory never grows after that. */
  pages: number;
  bytes: number;
  /**
   * The most bytes held at once while memory grows. WAMR without hardware bound checks (every
   * 32-bit target, ESP-IDF included) grows linear memory by allocating the new size, copying and
   * freeing the old block (os_mremap_slow), so during mote_load's grow old and new coexist.
   */
  peakDuringLoadBytes: number;
}

/**
 * Linear memory for a blob, computed as the runtime does (docs/ABI.md, assembly/abi.ts):
 * mote_blob_alloc grows ceil(blob / 64 KiB) pages, mote_load max(1, ceil(arena / 64 KiB)) pages,
 * on top of the module's initial pages (1 for both builds: static data and the shadow stack).
 */
export function linearMemoryPlan(blobSize: number, arenaSize: number, initialPages = 1): LinearMemoryPlan {
  if (!(Number.isInteger(blobSize) && blobSize > 0)) throw new Error(`blob size must be a positive integer, got ${blobSize}`);
  if (!(Number.isInteger(arenaSize) && arenaSize >= 0)) throw new Error(`arena size must be a non-negative integer, got ${arenaSize}`);
  const blobPages = Math.ceil(blobSize / WASM_PAGE);
  const arenaPages = Math.max(1, Math.ceil(arenaSize / WASM_PAGE));
  const pages = initialPages + blobPages + arenaPages;
  const afterBlob = initialPages + blobPages;
  // Two grows: initial → afterBlob (old + new held at once), then afterBlob → pages.
  const peakPages = Math.max(initialPages + afterBlob, afterBlob + pages);
  return { initialPages, blobPages, arenaPages, pages, bytes: pages * WASM_PAGE, peakDuringLoadBytes: peakPages * WASM_PAGE };
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
  // Imported memory would be declared in the import section; the Mote runtime imports nothing.
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

export interface BudgetInput {
  blobSize: number;
  arenaSize: number;
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
  const memory = linearMemoryPlan(input.blobSize, input.arenaSize, wasmInitialPages(input.runtimeWasm));
  const stack = input.stackBytes ?? DEFAULT_WASM_STACK;
  const m = WAMR_MEASURED[input.interpreter ?? 'fast'];
  const scale = input.runtimeWasm.length / m.moduleBytes;
  const module = Math.ceil(m.loadedModule * scale);
  const loadPeak = Math.ceil(m.loadPeak * scale);
  const instance = m.instance + stack;
  const lines: RamBudgetLine[] = [
    {
      what: 'WASM linear memory',
      bytes: memory.bytes,
      note: `${memory.pages} pages × 64 KiB = ${memory.initialPages} initial + ${memory.blobPages} blob + ${memory.arenaPages} arena; one contiguous heap block`,
    },
    { what: `WAMR module (${m.interpreter} interpreter)`, bytes: module, note: `runtime module ${input.runtimeWasm.length} B; ${m.source}` },
    { what: 'WAMR instance + stacks', bytes: instance, note: `instance ${m.instance} B + ${stack} B exec-env stack` },
  ];
  const steady = memory.bytes + module + instance;
  // Loading the module happens before any linear memory beyond the initial pages exists; the grow
  // copy in mote_load happens with the module and instance in place.
  const peak = Math.max(loadPeak + memory.initialPages * WASM_PAGE, memory.peakDuringLoadBytes + module + instance);
  const margin = usable.bytes - Math.max(steady, peak);
  const notes = [
    `usable SRAM ${usable.bytes} B: ${usable.provenance}`,
    `linear memory grows by copy on WAMR without hardware bound checks: during mote_load old and new memory coexist (${memory.peakDuringLoadBytes} B)`,
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
