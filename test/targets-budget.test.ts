// The microcontroller RAM budget (host/targets.ts, `mote inspect --target`) against its parts:
// linear memory as the runtime really grows it (Node host), WAMR's pool and module copy from the
// 32-bit measurement (WAMR_MEASURED), per-op timers from the blob's header. With ../shared, the
// real MLPerf Tiny models through the `mote` command, and `mote export c`'s LINEAR_PAGES against
// the budget's pages. The pool figure itself is checked against a real WAMR build in
// test/device-host.test.ts (MOTE_WAMR_DIR).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { convert } from '../converter/convert.js';
import { loadDeviceProfile, memoryBytes } from '../host/energy/device-profiles.js';
import {
  blobMemoryOf,
  DEFAULT_WASM_STACK,
  LINEAR_MEMORY_HEADER,
  linearMemoryPlan,
  POOL_HEADROOM,
  ramBudget,
  runtimeLayout,
  streamedMemoryOf,
  TARGETS,
  WAMR_MEASURED,
  wamrNeeds,
  wasmCodeStats,
  WASM_PAGE,
} from '../host/targets.js';
import { int8Model } from './runtime-models.js';
import { blobOf, ensureWasmBuilt, freshRuntime, repoRoot } from './runtime-harness.js';
import { mobileNetLike } from './support/ir-graphs.js';
import { ensureBuilt, mote, tempDir } from './support/mote-cli.js';
import { haveShared, noticeIfNoShared, sharedPath } from './support/shared.js';

const align16 = (n: number) => Math.ceil(n / 16) * 16;
const scalarWasm = () => readFileSync(join(repoRoot, 'build', 'mote.scalar.wasm'));

/** A wasm binary with the given code-section size and function count, padded to `total` bytes by a custom section. */
function syntheticModule(codeBytes: number, functions: number, total: number): Uint8Array {
  const leb = (v: number) => {
    const out: number[] = [];
    do {
      let b = v & 0x7f;
      v = Math.floor(v / 128);
      if (v) b |= 0x80;
      out.push(b);
    } while (v);
    return out;
  };
  const count = leb(functions);
  const code = [10, ...leb(codeBytes), ...count, ...new Array(codeBytes - count.length).fill(0)];
  const head = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0];
  // Custom section: id 0, size, name length 0, padding. Its size LEB is 1-3 bytes; solve for it.
  for (let lebLen = 1; lebLen <= 3; lebLen++) {
    const body = total - head.length - code.length - 1 - lebLen;
    if (leb(body).length === lebLen) return Uint8Array.from([...head, 0, ...leb(body), 0, ...new Array(body - 1).fill(0), ...code]);
  }
  throw new Error('cannot pad');
}

describe('WAMR figures (wamrNeeds)', () => {
  it('reads code bytes and functions from a module; the measured module gets the measured pool exactly', () => {
    for (const interp of ['fast', 'classic'] as const) {
      for (const r of WAMR_MEASURED[interp].modules) {
        const m = { ...WAMR_MEASURED[interp], ...r };
        const same = syntheticModule(m.codeBytes, m.functions, m.moduleBytes);
        expect(same.length).toBe(m.moduleBytes);
        expect(wasmCodeStats(same)).toEqual({ codeBytes: m.codeBytes, functions: m.functions });
        const n = wamrNeeds(same, interp, m.stackBytes);
        expect(n.exact).toBe(true);
        expect(n.poolBytes).toBe(m.poolMin + POOL_HEADROOM);
        expect(n.moduleCopyBytes).toBe(m.moduleBytes);
        // The pool holds the running figure (what wasm_runtime_get_mem_alloc_info reported).
        expect(n.poolBytes).toBeGreaterThan(m.poolRunning);
        expect(m.poolRunning).toBeGreaterThan(m.poolLoaded);
        // The stack is in the pool: 4 KiB more stack, 4 KiB more pool.
        expect(wamrNeeds(same, interp, m.stackBytes + 4096).poolBytes).toBe(n.poolBytes + 4096);
        // The budgeted stack is at least twice the measured high-water mark.
        expect(DEFAULT_WASM_STACK).toBeGreaterThanOrEqual(2 * m.wasmStackHighWater);
      }
    }
    // Another module: scaled by its code, plus the scaling's error.
    const f = { ...WAMR_MEASURED.fast, ...WAMR_MEASURED.fast.modules[0] };
    const bigger = wamrNeeds(syntheticModule(f.codeBytes + 10_000, f.functions, f.moduleBytes + 10_000), 'fast', f.stackBytes);
    expect(bigger.exact).toBe(false);
    const nearest = WAMR_MEASURED.fast.modules.reduce((a, r) => (r.codeBytes > a.codeBytes ? r : a));
    expect(bigger.reference).toEqual(nearest);
    expect(bigger.poolBytes).toBe(Math.ceil((nearest.poolMin + f.poolPerCodeByte * (f.codeBytes + 10_000 - nearest.codeBytes) + f.scaleUncertainty) / 1024) * 1024 + POOL_HEADROOM);
    expect(() => wamrNeeds(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8))).toThrow(/not a WebAssembly binary/);
    expect(() => wamrNeeds(scalarWasm(), 'fast', 100)).toThrow(/WASM stack must be an integer of at least 1024 bytes, got 100/);
  });
});

describe('RAM budget against its parts', () => {
  beforeAll(() => ensureWasmBuilt(), 120_000);

  it('linear memory as the runtime grows it, plus the pool, module copy and op timers; peaks of load and grow', async () => {
    const wasm = scalarWasm();
    const blob = blobOf(mobileNetLike(3, { int8: true, size: 32, blocks: 3 }));
    const mem = blobMemoryOf(blob);
    const rt = await freshRuntime('scalar');
    rt.load(blob);
    for (const target of TARGETS) {
      const usable = memoryBytes(loadDeviceProfile(target), 'sram_usable_app')!.bytes;
      for (const interpreter of ['classic', 'fast'] as const) {
        const b = ramBudget(target, { ...mem, runtimeWasm: wasm, interpreter });
        const w = wamrNeeds(wasm, interpreter);
        // Linear memory: exactly the Node host's after mote_load, plus ESP-IDF's os_mmap header.
        expect(b.memory.bytes).toBe(rt.memoryBytes());
        const line = (what: RegExp) => b.lines.find((l) => what.test(l.what))?.bytes;
        expect(line(/linear memory/)).toBe(rt.memoryBytes() + LINEAR_MEMORY_HEADER);
        expect(line(/WAMR pool/)).toBe(w.poolBytes);
        expect(line(/per-op timers/)).toBe(8 * mem.opCount!);
        expect(line(/module copy/)).toBe(interpreter === 'classic' ? wasm.length : undefined);
        expect(b.steadyBytes).toBe(b.lines.reduce((s, l) => s + l.bytes, 0));
        // Fast: the module's heap copy lives while loading, with the pool but before linear memory.
        expect(b.peakBytes).toBe(Math.max(b.steadyBytes, w.poolBytes + wasm.length));
        expect(b.largestBlockBytes).toBe(Math.max(w.poolBytes, rt.memoryBytes() + LINEAR_MEMORY_HEADER));
        expect(b.usableBytes).toBe(usable);
        // Fits when the total fits the usable heap and the largest block the chip's largest region.
        const region = memoryBytes(loadDeviceProfile(target), 'heap_region_max')!.bytes;
        expect(b.heapRegionMaxBytes).toBe(region);
        expect(b.marginBytes).toBe(Math.min(usable - Math.max(b.steadyBytes, b.peakBytes), region - b.largestBlockBytes));
        expect(b.fits).toBe(b.marginBytes >= 0);
        // A host that leaves the initial pages grows once: old and new block at once.
        const grows = ramBudget(target, { ...mem, runtimeWasm: wasm, interpreter, startAtFinalSize: false });
        expect(b.memory.grownPages).toBeGreaterThan(0);
        expect(grows.steadyBytes).toBe(b.steadyBytes);
        expect(grows.peakBytes).toBe(Math.max(b.steadyBytes + b.memory.initialPages * WASM_PAGE + LINEAR_MEMORY_HEADER, w.poolBytes + wasm.length));
        expect(grows.startPages).toBe(b.memory.initialPages);
        expect(b.startPages).toBe(b.memory.pages);
      }
    }
    // The classic interpreter's pool is far smaller than the fast one's compiled code.
    expect(wamrNeeds(wasm, 'classic').poolBytes + wasm.length).toBeLessThan(wamrNeeds(wasm, 'fast').poolBytes);
  });

  it('a blob that fits the initial pages never grows; a blob as large as the usable SRAM never fits', () => {
    const wasm = scalarWasm();
    const layout = runtimeLayout(wasm);
    const small = blobMemoryOf(blobOf(int8Model()));
    const plan = linearMemoryPlan(small, layout);
    if (plan.grownPages === 0) {
      const b = ramBudget('esp32', { ...small, runtimeWasm: wasm, startAtFinalSize: false });
      expect(b.peakBytes).toBe(Math.max(b.steadyBytes, b.wamr.poolBytes + b.wamr.moduleCopyBytes));
    }
    for (const target of TARGETS) {
      const usable = memoryBytes(loadDeviceProfile(target), 'sram_usable_app')!.bytes;
      expect(ramBudget(target, { blobSize: usable, arenaSize: 0, runtimeWasm: wasm }).fits).toBe(false);
      // Linear memory one byte over the largest heap region: never fits, even with the total in reach.
      const region = memoryBytes(loadDeviceProfile(target), 'heap_region_max')!.bytes;
      const pages = Math.floor(region / WASM_PAGE);
      const justOver = ramBudget(target, { blobSize: 16, arenaSize: pages * WASM_PAGE - align16(layout.heapBase) - 16, runtimeWasm: wasm });
      expect(justOver.memory.pages).toBe(pages);
      expect(justOver.largestBlockBytes).toBe(pages * WASM_PAGE + LINEAR_MEMORY_HEADER);
      expect(justOver.fits).toBe(justOver.largestBlockBytes <= region && justOver.marginBytes >= 0);
      if (pages * WASM_PAGE + LINEAR_MEMORY_HEADER > region) expect(justOver.fits).toBe(false);
    }
  });
});

const MLPERF: [string, string][] = [
  ['kws', 'mlperf_tiny/kws/kws_ref_model.tflite'],
  ['vww', 'mlperf_tiny/vww/vww_96_int8.tflite'],
  ['ic', 'mlperf_tiny/ic/pretrainedResnet_quant.tflite'],
  ['ad', 'mlperf_tiny/ad/ad01_int8.tflite'],
  ['sww', 'mlperf_tiny/sww/str_ww_ref_model.tflite'],
];

describe.skipIf(!haveShared)('mote inspect --target on MLPerf Tiny models (../shared)', () => {
  noticeIfNoShared('MLPerf Tiny RAM budget tests');
  const dir = tempDir('targets');
  beforeAll(() => ensureBuilt(), 300_000);

  it.each(MLPERF)('%s: inspect --target prints the budget of both weight modes; export c writes the same pages', async (name, file) => {
    const blob = convert(readFileSync(sharedPath(file)), file, { precision: 'int8' }).blob;
    const path = join(dir, `${name}.mote`);
    writeFileSync(path, blob);
    const rt = await freshRuntime('scalar');
    rt.load(blob);
    for (const target of TARGETS) {
      const j = mote(['inspect', path, '--target', target, '--json']);
      expect(j.status, j.stderr).toBe(0);
      const budget = JSON.parse(j.stdout).ramBudget;
      expect(budget.interpreter).toBe('classic');
      expect(budget.memory.bytes).toBe(rt.memoryBytes());
      expect(budget.steadyBytes).toBe(budget.lines.reduce((s: number, l: { bytes: number }) => s + l.bytes, 0));
      expect(budget.fits).toBe(budget.marginBytes >= 0);
      expect(budget.fastInterpreter.interpreter).toBe('fast');
      expect(budget.fastInterpreter.memory.bytes).toBe(budget.memory.bytes);
      // Streamed (the stream build): computed from the same blob.
      const streamed = streamedMemoryOf(blob)!;
      expect(budget.otherWeightsMode.weights).toBe('streamed');
      expect(budget.otherWeightsMode.memory.residentBytes).toBe(streamed.residentSize);
      expect(budget.otherWeightsMode.memory.bytes).toBeLessThanOrEqual(budget.memory.bytes);
      const t = mote(['inspect', path, '--target', target]);
      expect(t.status, t.stderr).toBe(0);
      const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
      expect(t.stdout).toContain(`RAM budget on ${target}`);
      expect(t.stdout).toContain(`MOTE_WAMR_POOL_KB=${budget.wamr.poolBytes / 1024}:`);
      expect(t.stdout).toMatch(new RegExp(`running\\s+${kib(budget.steadyBytes).replace('.', '\\.')}`));
      expect(t.stdout).toContain(budget.fits ? `fits: ${kib(budget.marginBytes)} to spare` : `does NOT fit: ${kib(-budget.marginBytes)} over`);
      expect(t.stdout).toMatch(/with WAMR's fast interpreter .*: (fits|does NOT fit)/);
      expect(t.stdout).toMatch(/weights resident here .*; streamed .*: (fits|does NOT fit)/);
    }
    const header = join(dir, `${name}.h`);
    const e = mote(['export', 'c', path, '-o', header]);
    expect(e.status, e.stderr).toBe(0);
    const pages = Number(/#define MOTE_MODEL_LINEAR_PAGES (\d+)u/.exec(readFileSync(header, 'utf8'))?.[1]);
    expect(pages * WASM_PAGE).toBe(rt.memoryBytes());
  }, 300_000);
});
