// `mote export c` and the RAM budget of `mote inspect --target`. The headers are compiled with cc
// into a program that prints the array back; the reference is the exported file itself. The budget
// is checked against the runtime's real memory growth in the Node host.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as F from '../format/format.js';
import { exportCCommand } from '../host/cli/export.js';
import { targetBudget } from '../host/cli/inspect-target.js';
import { loadDeviceProfile, memoryBytes } from '../host/energy/device-profiles.js';
import { blobMemoryOf, linearMemoryPlan, ramBudget, runtimeLayout, TARGETS, wasmInitialPages, WASM_PAGE } from '../host/targets.js';
import { floatModel, int8Model } from './runtime-models.js';
import { blobOf, ensureWasmBuilt, freshRuntime, repoRoot } from './runtime-harness.js';
import { mobileNetLike } from './support/ir-graphs.js';

const haveCC = spawnSync('cc', ['--version']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'mote-export-'));

async function exportQuietly(file: string | undefined, opts: Parameters<typeof exportCCommand>[1]): Promise<void> {
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    await exportCCommand(file, opts);
  } finally {
    spy.mockRestore();
  }
}

/** Compiles a program that includes `header` and prints size, macro, alignment and every byte. */
function dumpHeader(header: string, name: string): { size: number; macro: number; aligned: boolean; bytes: Buffer } {
  const prefix = name.toUpperCase();
  const src = join(dir, `dump_${name}.c`);
  // Included twice: the include guard must make that harmless.
  writeFileSync(
    src,
    `#include <stdio.h>
#include "${header}"
#include "${header}"
int main(void) {
  size_t i;
  printf("%lu %lu %d\\n", (unsigned long)sizeof(${name}), (unsigned long)${prefix}_SIZE, (int)(((unsigned long)(const void *)${name} % ${prefix}_ALIGN) == 0));
  for (i = 0; i < sizeof(${name}); i++) printf("%02x", ${name}[i]);
  printf("\\n");
  return 0;
}
`,
  );
  const exe = join(dir, `dump_${name}`);
  const cc = spawnSync('cc', ['-std=c11', '-Wall', '-Wextra', '-Werror', src, '-o', exe], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`cc failed:\n${cc.stderr}`);
  const out = spawnSync(exe, [], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout.split('\n');
  const [size, macro, aligned] = out[0].split(' ').map(Number);
  return { size, macro, aligned: aligned === 1, bytes: Buffer.from(out[1], 'hex') };
}

describe.skipIf(!haveCC)('mote export c', () => {
  beforeAll(() => ensureWasmBuilt(), 120_000);

  it('a .mote blob: same bytes, NAME_SIZE, 16-byte aligned, include guard; the comment names source and hash', async () => {
    const blob = blobOf(mobileNetLike(3, { int8: true, size: 16, blocks: 2 }));
    const model = join(dir, 'net.mote');
    writeFileSync(model, blob);
    const header = join(dir, 'model_data.h');
    await exportQuietly(model, { output: header });
    const dumped = dumpHeader(header, 'mote_model');
    expect(dumped.size).toBe(blob.length);
    expect(dumped.macro).toBe(blob.length);
    expect(dumped.aligned).toBe(true);
    expect(dumped.bytes.equals(Buffer.from(blob))).toBe(true);
    const text = readFileSync(header, 'utf8');
    const { createHash } = await import('node:crypto');
    expect(text).toContain(`source: net.mote, ${blob.length} bytes, sha256 ${createHash('sha256').update(blob).digest('hex')}`);
    expect(text).toMatch(/static const uint8_t mote_model\[\d+\] __attribute__\(\(aligned\(16\)\)\)/);
    expect(text).not.toContain('DRAM_ATTR ');
  });

  it('the runtime module under a custom name', async () => {
    const header = join(dir, 'mote_runtime.h');
    await exportQuietly(undefined, { runtime: 'scalar', output: header, name: 'rt_wasm' });
    const wasm = readFileSync(join(repoRoot, 'build', 'mote.scalar.wasm'));
    const dumped = dumpHeader(header, 'rt_wasm');
    expect(dumped.size).toBe(wasm.length);
    expect(dumped.macro).toBe(wasm.length);
    expect(dumped.aligned).toBe(true);
    expect(dumped.bytes.equals(wasm)).toBe(true);
  });

  it('refuses bad input with a message naming the problem, and writes nothing', async () => {
    const model = join(dir, 'ok.mote');
    writeFileSync(model, blobOf(int8Model()));
    const corrupt = join(dir, 'corrupt.mote');
    const bad = blobOf(int8Model());
    bad[bad.length - 1] ^= 1;
    writeFileSync(corrupt, bad);
    const out = join(dir, 'never.h');
    const cases: [string | undefined, Parameters<typeof exportCCommand>[1], RegExp][] = [
      [model, { output: out, name: '9lives' }, /--name '9lives' is not a C identifier/],
      [model, { output: out, name: 'static' }, /--name 'static' is a C keyword/],
      [model, {}, /needs -o FILE\.h/],
      [model, { output: out, runtime: 'scalar' }, /either a MODEL\.mote or --runtime/],
      [undefined, { output: out }, /needs a MODEL\.mote or --runtime scalar/],
      [undefined, { output: out, runtime: 'wasm3' }, /--runtime must be one of scalar, simd, scalar.stream, simd.stream, got 'wasm3'/],
      [join(dir, 'missing.mote'), { output: out }, /blob '.*missing\.mote' does not exist/],
      [corrupt, { output: out }, /corrupt\.mote: .*CRC/],
      [model, { output: join(dir, 'no', 'such', 'dir', 'x.h') }, /cannot write '.*x\.h': its directory does not exist/],
    ];
    for (const [file, opts, message] of cases) {
      await expect(exportQuietly(file, opts)).rejects.toThrow(message);
    }
    expect(existsSync(out)).toBe(false);
  });
});

describe('RAM budget (mote inspect --target)', () => {
  beforeAll(() => ensureWasmBuilt(), 120_000);

  it('linear memory pages equal what the runtime grows to, for several blob and arena sizes', async () => {
    const wasm = readFileSync(join(repoRoot, 'build', 'mote.scalar.wasm'));
    const initial = wasmInitialPages(wasm);
    // The module's own initial memory, as an instance reports it before any blob.
    const fresh = await freshRuntime('scalar');
    expect(initial * WASM_PAGE).toBe(fresh.memoryBytes());
    const layout = runtimeLayout(wasm);
    expect(layout.initialPages).toBe(initial);
    for (const g of [int8Model(), floatModel(), mobileNetLike(2, { int8: true, size: 32, blocks: 3 }), mobileNetLike(4, { size: 24 })]) {
      const blob = blobOf(g);
      const rt = await freshRuntime('scalar');
      rt.load(blob);
      const plan = linearMemoryPlan(blobMemoryOf(blob), layout);
      expect(plan.bytes).toBe(rt.memoryBytes());
      expect(plan.pages * WASM_PAGE).toBe(plan.bytes);
    }
  });

  it('the load peak holds the initial pages and the one grown memory; small blobs need no grow', () => {
    // Closed form: regions from the 16-byte boundary at heapBase; one grow 1 → pages.
    const layout = { initialPages: 1, heapBase: 40_001 };
    const p = linearMemoryPlan({ blobSize: 3 * WASM_PAGE + 1, arenaSize: 0 }, layout);
    expect([p.blobAt, p.arenaAt]).toEqual([40_016, 40_016 + 3 * WASM_PAGE + 16]);
    expect([p.grownPages, p.pages]).toEqual([3, 4]);
    expect(p.peakDuringLoadBytes).toBe((1 + 4) * WASM_PAGE);
    const small = linearMemoryPlan({ blobSize: 1000, arenaSize: 1000 }, layout);
    expect([small.grownPages, small.pages, small.peakDuringLoadBytes]).toEqual([0, 1, WASM_PAGE]);
    expect(() => linearMemoryPlan({ blobSize: 0, arenaSize: 10 }, layout)).toThrow(/blob size must be a positive integer/);
  });

  it('adds up against the profile SRAM and says whether it fits', () => {
    const wasm = readFileSync(join(repoRoot, 'build', 'mote.scalar.wasm'));
    for (const target of TARGETS) {
      const usable = memoryBytes(loadDeviceProfile(target), 'sram_usable_app')!.bytes;
      const small = ramBudget(target, { blobSize: 2000, arenaSize: 1000, runtimeWasm: wasm });
      expect(small.usableBytes).toBe(usable);
      expect(small.steadyBytes).toBe(small.lines.reduce((s, l) => s + l.bytes, 0));
      const region = memoryBytes(loadDeviceProfile(target), 'heap_region_max')!.bytes;
      expect(small.marginBytes).toBe(Math.min(usable - Math.max(small.steadyBytes, small.peakBytes), region - small.largestBlockBytes));
      expect(small.fits).toBe(small.marginBytes >= 0);
      // A blob as large as the usable SRAM can never fit.
      const huge = ramBudget(target, { blobSize: usable, arenaSize: 0, runtimeWasm: wasm });
      expect(huge.fits).toBe(false);
      expect(huge.memory.bytes).toBeGreaterThan(usable);
    }
  });

  it('the inspect helper names a bad target', async () => {
    await expect(targetBudget('esp8266', 100, 100)).rejects.toThrow(/--target must be one of esp32, esp32s3, esp32c3, got 'esp8266'/);
    const { text, json } = await targetBudget('esp32c3', 5000, 4096);
    expect(text).toMatch(/RAM budget on esp32c3/);
    expect(text).toMatch(json.fits ? /fits: .* to spare/ : /does NOT fit: .* over/);
  });
});
