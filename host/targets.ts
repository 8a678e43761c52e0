// RAM budgets of a blob on a microcontroller target (`mote inspect --target esp32|esp32s3|esp32c3`):
// WASM linear memory exactly as the runtime grows it, WAMR's own memory (pool, module copy) as
// measured on a 32-bit WAMR build (WAMR_MEASURED), against the chip's usable SRAM from
// devices/profiles. Node-only (reads the profile and the runtime module).
import * as F from '../format/format.js';
import { loadDeviceProfile, memoryBytes } from './energy/device-profiles.js';
import { WASM_PAGE, align16, blobMemoryOf, linearMemoryPlan, type BlobMemory, type LinearMemoryPlan, type RuntimeLayout } from './memory-plan.js';

export { WASM_PAGE, blobMemoryOf, linearMemoryPlan, type BlobMemory, type LinearMemoryPlan, type RuntimeLayout } from './memory-plan.js';

/** Chips `--target` accepts: the ESP32 family the scalar runtime runs on under WAMR. */
export const TARGETS = ['esp32', 'esp32s3', 'esp32c3'] as const;
export type TargetName = (typeof TARGETS)[number];

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
  return { blobSize: blob.length, arenaSize: m.arenaSize, expandedSize: 0, residentSize: u32(F.H_WEIGHTS_OFFSET), scratchSize: scratch, opCount: m.opCount };
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

export type WamrInterpreter = 'fast' | 'classic';

/**
 * WAMR's RAM for the Mote runtime module, measured on a 32-bit build (see WAMR_MEASURED). The pool
 * is WAMR's own allocator (Alloc_With_Pool): the host allocates it once at boot as one heap block
 * (devices/esp32 MOTE_WAMR_POOL_KB), so its full size counts, not its use.
 */
/** WAMR's pool for one runtime module build, measured. */
export interface WamrModuleFigures {
  /** The build measured (build/mote.<build>.wasm at the time) and its size. */
  build: string;
  moduleBytes: number;
  /** Its code section's bytes and function count. */
  codeBytes: number;
  functions: number;
  /** Pool in use after wasm_runtime_load_ex: the loaded module (fast: its compiled code). */
  poolLoaded: number;
  /** Pool in use after instantiation and exec-env creation (the running figure). */
  poolRunning: number;
  /** Smallest pool that loads, instantiates and runs (1 KiB steps): in-use plus the allocator's fragmentation. */
  poolMin: number;
}

export interface WamrMeasurement {
  interpreter: WamrInterpreter;
  /** WAMR release and commit measured. */
  wamr: string;
  /** The runtime builds measured (scalar and scalar.stream of one commit). */
  modules: WamrModuleFigures[];
  /** WASM stack (instance + exec env) the pool figures were measured with. */
  stackBytes: number;
  /** Extra pool bytes per code-section byte (fast: compiled code), fitted over several runtime builds. */
  poolPerCodeByte: number;
  /** The fit's largest residual: added to a scaled (not measured) module's pool. */
  scaleUncertainty: number;
  /** Highest WASM stack use over the MLPerf Tiny models (WAMR memory profiling, max_wasm_stack_used). */
  wasmStackHighWater: number;
  /** Native (C) stack the host used on the 32-bit x86 build (glibc printf): WAMR's interpreter loop, host. */
  nativeStackHighWater: number;
  /** The same on RV32 (rv32imac, qemu, picolibc printf), from main's frame: the ESP32-C3's ISA and ABI. */
  nativeStackHighWaterRv32: number;
  /**
   * The runtime module's own bytes in the system heap: the fast interpreter's copy lives only
   * while loading (freed before linear memory exists); the classic interpreter runs the bytecode
   * in place and keeps its copy.
   */
  moduleCopy: 'during-load' | 'kept';
  source: string;
}

const WAMR_COMMIT = 'WAMR-2.4.4 (8c18e3f68b16c4bcaf05996b2636f6ed2b4cf629)';
const HOW =
  'devices/host-core POSIX host built for i386 (WAMR_BUILD_TARGET=X86_32, -m32 -malign-double: 4-byte pointers, 8-byte-aligned 64-bit fields as on Xtensa and RV32) with ' +
  '-DWASM_CPU_SUPPORTS_UNALIGNED_ADDR_ACCESS=0 (4-byte fast-interpreter labels, as WAMR builds for Xtensa and RISC-V), no SIMD/AOT/JIT/WASI/libc-builtin; ' +
  'pool figures from wasm_runtime_get_mem_alloc_info, poolMin by bisecting --pool-kb, stack high-water from WAMR memory profiling; ' +
  'all five MLPerf Tiny int8 models, weights resident and streamed (devices/esp32/README.md, "Measuring WAMR"); ' +
  'cross-checked on RV32 (rv32imac ILP32, the ESP32-C3 ISA, WAMR_BUILD_TARGET=RISCV32_ILP32, qemu-system-riscv32 virt with picolibc): identical pool figures and WASM stack high-water marks for every model in both interpreters';

/**
 * WAMR's own memory for the Mote runtime on a 32-bit target, measured. The pool does not depend on
 * the model (the same runtime module runs every blob; measured equal for all five MLPerf Tiny
 * models in both weight modes); it depends on the runtime module. For another build of it the
 * budget moves the nearest measured figures by poolPerCodeByte (a least-squares slope of the pool
 * after loading against code bytes over nine builds, 41,323 to 53,741 code bytes: the fast
 * interpreter holds 3.6-3.9 B per code byte) and adds scaleUncertainty, the largest error of that
 * prediction from the reference to the other builds: a scaled budget is safe, not tight.
 */
export const WAMR_MEASURED: Record<WamrInterpreter, WamrMeasurement> = {
  fast: {
    interpreter: 'fast',
    wamr: WAMR_COMMIT,
    modules: [
      { build: 'scalar', moduleBytes: 56585, codeBytes: 49833, functions: 213, poolLoaded: 178864, poolRunning: 191832, poolMin: 196 * 1024 },
      { build: 'scalar.stream', moduleBytes: 57448, codeBytes: 50643, functions: 215, poolLoaded: 182920, poolRunning: 196136, poolMin: 199 * 1024 },
    ],
    stackBytes: 4096,
    poolPerCodeByte: 3.52,
    scaleUncertainty: 18 * 1024,
    wasmStackHighWater: 1536,
    nativeStackHighWater: 6764,
    nativeStackHighWaterRv32: 3148,
    moduleCopy: 'during-load',
    source: `measured: ${WAMR_COMMIT}, fast interpreter; ${HOW}`,
  },
  classic: {
    interpreter: 'classic',
    wamr: WAMR_COMMIT,
    modules: [
      { build: 'scalar', moduleBytes: 56585, codeBytes: 49833, functions: 213, poolLoaded: 14448, poolRunning: 28088, poolMin: 35 * 1024 },
      { build: 'scalar.stream', moduleBytes: 57448, codeBytes: 50643, functions: 215, poolLoaded: 14856, poolRunning: 28736, poolMin: 36 * 1024 },
    ],
    stackBytes: 4096,
    poolPerCodeByte: 0.22,
    scaleUncertainty: 2 * 1024,
    wasmStackHighWater: 2364,
    nativeStackHighWater: 6764,
    nativeStackHighWaterRv32: 2972,
    moduleCopy: 'kept',
    source: `measured: ${WAMR_COMMIT}, classic interpreter; ${HOW}`,
  },
};

/** Pool above the measured minimum (1 KiB steps), for allocator differences between the measuring build and the chip's. */
export const POOL_HEADROOM = 1024;

/** WASM stack the device host gives the instance (devices/esp32 Kconfig MOTE_WASM_STACK_SIZE): at least 2× the measured high-water mark, in 1 KiB steps. */
export const DEFAULT_WASM_STACK = 5120;

/**
 * ESP-IDF's os_mmap (WAMR's esp-idf platform) allocates linear memory with heap_caps_malloc of
 * the size + 4 + sizeof(void *) bytes, to align it to 8 and remember the block.
 */
export const LINEAR_MEMORY_HEADER = 8;

/** Code-section bytes and function count of a wasm module. */
export function wasmCodeStats(wasm: Uint8Array): { codeBytes: number; functions: number } {
  let p = 8;
  const leb = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      if (p >= wasm.length) throw new Error('runtime module: truncated LEB128 number');
      const b = wasm[p++];
      v += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return v;
      shift += 7;
      if (shift > 35) throw new Error('runtime module: LEB128 number too long');
    }
  };
  if (wasm.length < 8 || wasm[0] !== 0 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) throw new Error('runtime module: not a WebAssembly binary');
  while (p < wasm.length) {
    const id = wasm[p++];
    const size = leb();
    const end = p + size;
    if (end > wasm.length) throw new Error(`runtime module: section ${id} runs past the end`);
    if (id === 10) return { codeBytes: size, functions: leb() };
    p = end;
  }
  throw new Error('runtime module: no code section');
}

/** WAMR's pool and heap needs for a runtime module, from the measurement. */
export interface WamrNeeds {
  interpreter: WamrInterpreter;
  /** MOTE_WAMR_POOL_KB × 1024: the pool to configure (a heap block held from boot): the measured minimum, scaled, + POOL_HEADROOM. */
  poolBytes: number;
  /** The runtime module's heap copy: while loading only (fast) or kept (classic). */
  moduleCopyBytes: number;
  moduleCopy: WamrMeasurement['moduleCopy'];
  stackBytes: number;
  /** True when the module is one measured (same size, code and functions): no scaling. */
  exact: boolean;
  measurement: WamrMeasurement;
  /** The measured module the figures come from (itself, or the nearest in code size). */
  reference: WamrModuleFigures;
}

export function wamrNeeds(runtimeWasm: Uint8Array, interpreter: WamrInterpreter = 'classic', stackBytes = DEFAULT_WASM_STACK): WamrNeeds {
  if (!(Number.isInteger(stackBytes) && stackBytes >= 1024)) throw new Error(`WASM stack must be an integer of at least 1024 bytes, got ${stackBytes}`);
  const m = WAMR_MEASURED[interpreter];
  const { codeBytes, functions } = wasmCodeStats(runtimeWasm);
  const same = m.modules.find((r) => r.moduleBytes === runtimeWasm.length && r.codeBytes === codeBytes && r.functions === functions);
  const ref = same ?? m.modules.reduce((a, r) => (Math.abs(r.codeBytes - codeBytes) < Math.abs(a.codeBytes - codeBytes) ? r : a));
  // The stack is allocated in the pool with the exec env: one more byte of stack, one more of pool.
  const raw = ref.poolMin + (same ? 0 : m.poolPerCodeByte * (codeBytes - ref.codeBytes) + m.scaleUncertainty) + (stackBytes - m.stackBytes);
  return {
    interpreter,
    poolBytes: Math.ceil(raw / 1024) * 1024 + POOL_HEADROOM,
    moduleCopyBytes: runtimeWasm.length,
    moduleCopy: m.moduleCopy,
    stackBytes,
    exact: same !== undefined,
    measurement: m,
    reference: ref,
  };
}

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
  wamr: WamrNeeds;
  /** Linear memory's starting pages: the final size (the host raises the module's initial memory) or the module's own. */
  startPages: number;
  lines: RamBudgetLine[];
  /** Everything held while running. */
  steadyBytes: number;
  /** The most held at once: loading the module (fast: its heap copy) or a memory grow (old + new block). */
  peakBytes: number;
  /** The largest single heap block needed (pool or linear memory): compare with heap_caps_get_largest_free_block. */
  largestBlockBytes: number;
  /** The chip's largest contiguous heap region (profile memory.heap_region_max): no block can be larger. */
  heapRegionMaxBytes?: number;
  fits: boolean;
  /** min(usable − max(steady, peak), heap region − largest block): negative when it does not fit. */
  marginBytes: number;
  notes: string[];
}

export interface BudgetInput extends BlobMemory {
  runtimeWasm: Uint8Array;
  stackBytes?: number;
  /** WAMR's interpreter (devices/esp32 sdkconfig.defaults: classic). */
  interpreter?: WamrInterpreter;
  /** Ops in the blob: the host's per-op timers (8 bytes each) when it times ops. */
  opCount?: number;
  /**
   * false: the host leaves the module's initial memory as it is (no initial_pages), so memory
   * grows once at load and WAMR's grow-by-copy holds the old and the new block at once.
   */
  startAtFinalSize?: boolean;
}

/** The RAM budget of one blob on one target chip (heap use after boot, on top of ESP-IDF's own). */
export function ramBudget(target: string, input: BudgetInput): RamBudget {
  if (!(TARGETS as readonly string[]).includes(target)) {
    throw new Error(`--target must be one of ${TARGETS.join(', ')}, got '${target}'`);
  }
  const profile = loadDeviceProfile(target);
  const usable = memoryBytes(profile, 'sram_usable_app');
  if (!usable) throw new Error(`device profile '${target}' has no memory.sram_usable_app`);
  const total = memoryBytes(profile, 'sram_total');
  const region = memoryBytes(profile, 'heap_region_max');
  const memory = linearMemoryPlan(input, runtimeLayout(input.runtimeWasm));
  const streamed = input.residentSize !== undefined;
  const wamr = wamrNeeds(input.runtimeWasm, input.interpreter ?? 'classic', input.stackBytes ?? DEFAULT_WASM_STACK);
  const m = wamr.measurement;
  const ref = wamr.reference;
  const atFinal = input.startAtFinalSize ?? true;
  const startPages = atFinal ? memory.pages : memory.initialPages;
  const timers = 8 * (input.opCount ?? 0);
  const linear = memory.bytes + LINEAR_MEMORY_HEADER;
  const parts = [
    `${memory.heapBase} B static data`,
    `${memory.residentBytes} B blob${streamed ? ' (weights streamed)' : ''}`,
    ...((input.expandedSize ?? 0) > 0 ? [`${input.expandedSize} B expanded weights`] : []),
    `${input.arenaSize} B arena`,
    ...(streamed ? [`${input.scratchSize ?? 0} B weights scratch`] : []),
  ];
  const lines: RamBudgetLine[] = [
    {
      what: `WAMR pool (${wamr.interpreter} interpreter)`,
      bytes: wamr.poolBytes,
      note:
        `MOTE_WAMR_POOL_KB=${wamr.poolBytes / 1024}: loaded module, instance, ${wamr.stackBytes} B WASM stack; ` +
        (wamr.exact
          ? `measured for this runtime module (${ref.moduleBytes} B, ${ref.build})`
          : `scaled from the ${ref.moduleBytes}-byte ${ref.build} module measured (code ${ref.codeBytes} B) to this one's code, + ${m.scaleUncertainty} B for the scaling's error: measure it (devices/esp32/README.md)`),
    },
    {
      what: 'WASM linear memory',
      bytes: linear,
      note:
        `${memory.pages} pages × 64 KiB + ${LINEAR_MEMORY_HEADER} B (${atFinal && memory.grownPages ? `allocated at this size: the host raises the module's ${memory.initialPages} initial page(s) to ${memory.pages}` : memory.grownPages ? `${memory.initialPages} initial + ${memory.grownPages} grown once at load` : 'the initial pages, no grow'}) ` +
        `for ${parts.join(' + ')}`,
    },
  ];
  if (wamr.moduleCopy === 'kept') {
    lines.push({ what: 'runtime module copy (heap)', bytes: wamr.moduleCopyBytes, note: 'the classic interpreter runs the bytecode in place and rewrites it: a RAM copy for the instance\'s life' });
  }
  if (timers > 0) lines.push({ what: 'per-op timers', bytes: timers, note: `${input.opCount} ops × 8 B (MOTE_TIME_OPS)` });
  const steady = lines.reduce((sum, l) => sum + l.bytes, 0);
  // The fast interpreter's module copy exists only while loading, before linear memory does; a
  // grow (host without initial_pages) holds the initial block and the grown one at once.
  const loadPeak = wamr.poolBytes + wamr.moduleCopyBytes;
  const growPeak = !atFinal && memory.grownPages > 0 ? steady + memory.initialPages * WASM_PAGE + LINEAR_MEMORY_HEADER : steady;
  const peak = Math.max(loadPeak, growPeak);
  const largest = Math.max(wamr.poolBytes, linear);
  // Both the total and the one largest block must fit: a block larger than the chip's largest
  // contiguous heap region can never be allocated, whatever the total free heap.
  const margin = Math.min(usable.bytes - Math.max(steady, peak), region ? region.bytes - largest : Infinity);
  const notes = [
    `usable SRAM ${usable.bytes} B: ${usable.provenance}`,
    `the pool (${wamr.poolBytes} B) and linear memory (${linear} B) are separate heap blocks: the largest free block at boot (heap_caps_get_largest_free_block(MALLOC_CAP_8BIT)) must hold ${largest} B, and the next one the other`,
    ...(region
      ? [
          largest > region.bytes
            ? `a ${largest}-byte block cannot exist on ${target}: its largest contiguous heap region is at most ${region.bytes} B (${region.provenance})`
            : `the largest contiguous heap region on ${target} is at most ${region.bytes} B, less the app's static data (${region.provenance})`,
        ]
      : []),
    atFinal
      ? memory.grownPages > 0
        ? `linear memory starts at ${memory.pages} pages (mote export c writes MOTE_MODEL_LINEAR_PAGES=${memory.pages}; POSIX host --initial-pages ${memory.pages}), so it never grows; without that the one grow at load would hold ${memory.initialPages} + ${memory.pages} pages at once`
        : 'the blob fits the module\'s initial memory: linear memory never grows'
      : memory.grownPages > 0
        ? `linear memory grows once, in mote_blob_alloc; WAMR grows by copy, so ${memory.initialPages} + ${memory.pages} pages coexist for that moment`
        : 'the blob fits the initial memory pages: linear memory never grows',
    ...(streamed ? [`weights streamed: the blob's last ${input.blobSize - memory.residentBytes} B (weights, metadata) stay in flash; weights are read per op through mote_read_weights`] : []),
    `WAMR figures measured on a 32-bit build of ${m.wamr} (host/targets.ts WAMR_MEASURED): smallest working pool ${ref.poolMin} B for the ${ref.build} build + ${POOL_HEADROOM} B headroom; WASM stack high-water ${m.wasmStackHighWater} B; native stack high-water ${m.nativeStackHighWater} B on x86-32, ${m.nativeStackHighWaterRv32} B on RV32 (the main task's stack is allocated before boot's free-heap figure)`,
  ];
  return {
    target,
    title: profile.title,
    interpreter: wamr.interpreter,
    usableBytes: usable.bytes,
    usableSource: usable.provenance,
    totalSramBytes: total?.bytes,
    memory,
    wamr,
    startPages,
    lines,
    steadyBytes: steady,
    peakBytes: peak,
    largestBlockBytes: largest,
    heapRegionMaxBytes: region?.bytes,
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
  out.push(`  ${'peak (loading)'.padEnd(w)}  ${kib(b.peakBytes).padStart(10)}`);
  out.push(`  ${'largest block'.padEnd(w)}  ${kib(b.largestBlockBytes).padStart(10)}${b.heapRegionMaxBytes ? ` (largest heap region ≤ ${kib(b.heapRegionMaxBytes)})` : ''}`);
  out.push(`  ${'usable SRAM'.padEnd(w)}  ${kib(b.usableBytes).padStart(10)}${b.totalSramBytes ? ` of ${kib(b.totalSramBytes)} on chip` : ''}`);
  out.push(
    b.fits
      ? `  fits: ${kib(b.marginBytes)} to spare (${b.marginBytes} B)`
      : `  does NOT fit: ${kib(-b.marginBytes)} over (${-b.marginBytes} B)`,
  );
  for (const n of b.notes) out.push(`  note: ${n}`);
  return out.join('\n');
}

/**
 * The most bytes a model may ask of linear memory on a target (resident blob + expanded weights +
 * arena + scratch: converter/plan/weights-placement.ts modelRamBytes) for ramBudget() to say it
 * fits: found by bisection on ramBudget itself, so pages, static data, WAMR's module and instance
 * and the grow-by-copy peak all count exactly as `mote inspect --target` counts them.
 */
export function linearMemoryBudget(target: string, runtimeWasm: Uint8Array, interpreter: WamrInterpreter = 'fast'): number {
  const fits = (n: number) => ramBudget(target, { blobSize: n, arenaSize: 0, runtimeWasm, interpreter }).fits;
  if (!fits(16)) return 0;
  let lo = 16, hi = 1 << 26;
  while (hi - lo > 16) {
    const mid = Math.floor((lo + hi) / 32) * 16;
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  // modelRamBytes aligns each region to 16 bytes; linearMemoryPlan adds the same alignment between
  // regions, so leave room for the three boundaries.
  return Math.max(0, lo - 48);
}
