// The ESP32/POSIX device host (devices/host-core). Always: its WAMR-free C parts compiled with cc
// and checked against independent references (host/profile-format.ts's parser, JSON.parse, the
// documented input pattern, host/opcodes.ts). With MOTE_WAMR_DIR (a wasm-micro-runtime checkout
// whose library is built, see devices/esp32/README.md): the whole host on WAMR, whose outputs must
// equal the Node host's bytes and whose console output must parse as a docs/PROFILE.md profile.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { OPCODE_NAMES } from '../host/opcodes.js';
import { parseProfile } from '../host/profile-format.js';
import { MoteRuntime, type MoteModel, type MoteTypedArray, type TensorInfo } from '../host/runtime.js';
import { floatModel, int8Model } from './runtime-models.js';
import { blobOf, ensureWasmBuilt, repoRoot, wasmModule } from './runtime-harness.js';
import { mobileNetLike } from './support/ir-graphs.js';

const core = join(repoRoot, 'devices', 'host-core');
const haveCC = spawnSync('cc', ['--version']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'mote-device-host-'));

function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 32 << 20, timeout: 120_000, env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function compile(out: string, sources: string[], extra: string[] = []): void {
  const r = run('cc', ['-std=c99', '-D_POSIX_C_SOURCE=200809L', '-O1', '-Wall', '-Wextra', '-Werror', `-I${core}`, ...sources, ...extra, '-o', out]);
  if (r.status !== 0) throw new Error(`cc failed:\n${r.stderr}`);
}

const hex = (b: ArrayBufferView) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** The documented test pattern (devices/host-core/mote_input.h), written independently. */
function testPattern(info: Pick<TensorInfo, 'dtype' | 'shape'>, index: number): MoteTypedArray {
  const n = info.shape.reduce((a, b) => a * b, 1);
  const v = (k: number) => ((k * 31 + index * 13 + 7) % 255) - 127;
  switch (info.dtype) {
    case 's8':
      return Int8Array.from({ length: n }, (_, k) => v(k));
    case 'u8':
      return Uint8Array.from({ length: n }, (_, k) => v(k) + 128);
    case 's16':
      return Int16Array.from({ length: n }, (_, k) => v(k));
    case 's32':
      return Int32Array.from({ length: n }, (_, k) => v(k));
    case 'f32':
      return Float32Array.from({ length: n }, (_, k) => v(k) / 64);
    case 'bool':
      throw new Error('mote_input.h defines no bool test pattern');
  }
}

describe.skipIf(!haveCC)('device host C parts (no WAMR needed)', () => {
  const check = join(dir, 'check_host_core');
  beforeAll(() => {
    // Sanitizers when the compiler has them: an out-of-bounds read in the JSON walker fails loudly.
    const sanitize = spawnSync('cc', ['-fsanitize=address,undefined', '-x', 'c', '-', '-o', join(dir, 'san')], { input: 'int main(void){return 0;}' }).status === 0;
    compile(
      check,
      ['tests/check_host_core.c', 'mote_profile.c', 'mote_meta.c', 'mote_input.c'].map((f) => join(core, f)),
      sanitize ? ['-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=undefined'] : [],
    );
  });
  const exec = (args: string[]) => {
    const r = run(check, args, { ASAN_OPTIONS: 'detect_leaks=0' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return r.stdout;
  };

  it('has the opcode names of format.ts (host/opcodes.ts)', () => {
    expect(exec(['opcodes']).split('\n').slice(0, -1)).toEqual([...OPCODE_NAMES]);
  });

  it('writes run and op records that host/profile-format.ts parses to the same values', () => {
    const names = ['conv', 'q"uote', 'back\\slash', 'tab\there\nnl', 'ctl\u0001', 'ünï ✓ 😀', ''];
    const runs = [
      { model: 'kws.mote', host: 'esp32', device: 'esp32s3', tNs: 41234567n, run: 0, clock: 240 },
      { model: 'mo"del', host: 'posix', device: '', tNs: 18446744073709551615n, run: 7, clock: 0 },
    ];
    const lines: string[] = [];
    runs.forEach((r, ri) => {
      lines.push(['run', r.model, r.host, r.device, r.tNs.toString(), String(r.run), String(r.clock)].join('\t'));
      names.forEach((name, i) => {
        const nameHex = Buffer.from(name, 'utf8').toString('hex');
        lines.push(['op', String(r.run), String(i), i % 2 ? 'fully_connected' : 'conv2d', nameHex, String(1000 * i + ri)].join('\t'));
      });
    });
    const file = join(dir, 'records.tsv');
    writeFileSync(file, lines.join('\n') + '\n');
    const profile = parseProfile(exec(['profile', file]));
    expect(profile.runs.length).toBe(2);
    runs.forEach((r, ri) => {
      const got = profile.runs[ri];
      expect(got.run.model).toBe(r.model);
      expect(got.run.host).toBe(r.host);
      expect(got.run.build).toBe('scalar');
      expect(got.run.run).toBe(r.run);
      expect(got.run.device).toBe(r.device || undefined);
      expect(got.run.clock_mhz).toBe(r.clock || undefined);
      // Nanoseconds printed as µs with three decimals: exact for values up to 2^53 ns.
      expect(got.run.t_us).toBe(Number(r.tNs) / 1000);
      expect(got.ops.map((o) => o.name)).toEqual(names);
      expect(got.ops.map((o) => o.op)).toEqual(names.map((_, i) => (i % 2 ? 'fully_connected' : 'conv2d')));
      expect(got.ops.map((o) => o.t_us)).toEqual(names.map((_, i) => (1000 * i + ri) / 1000));
    });
  });

  it('reads metadata array strings like JSON.parse, escapes included, and never past the text', () => {
    const ops = ['op0_conv', 'quo"te', 'é', '😀 pair', 'tab\t', '/slash', 'ctl\u0007'];
    // \u escapes for everything non-ASCII (surrogate pairs for the emoji), as other writers emit them.
    const json = JSON.stringify({ sourceName: 'x', tensors: ['a', ['ops']], nested: { ops: [1] }, ops: [...ops, 3, { a: ']' }, 'last'] }).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    const file = join(dir, 'meta.json');
    writeFileSync(file, json);
    const expected = [...ops.map((s) => Buffer.from(s, 'utf8').toString('hex')), '-', '-', Buffer.from('last').toString('hex')];
    expect(exec(['meta', file, 'ops', '64']).trim().split('\n')).toEqual(expected);
    // A small buffer cuts at a character boundary: "😀 pair" in 4 bytes (3 + NUL) keeps nothing of the emoji.
    const cut = exec(['meta', file, 'ops', '4']).trim().split('\n');
    expect(cut[2]).toBe(Buffer.from('é').toString('hex'));
    expect(cut[3]).toBe('');
    // Truncated or malformed JSON ends the walk without reading past it.
    for (let n = 1; n < json.length; n += 7) {
      writeFileSync(file, json.slice(0, n));
      const out = exec(['meta', file, 'ops', '64']).trim().split('\n');
      const full = json.indexOf('"ops":[') + 7 <= n;
      if (!full) expect(out).toEqual(['no array']);
      else expect(expected.slice(0, out.length).slice(0, -1)).toEqual(out.slice(0, -1));
    }
    writeFileSync(file, '{"ops": 5}');
    expect(exec(['meta', file, 'ops', '64']).trim()).toBe('no array');
  });

  it('fills the documented test pattern for every dtype', () => {
    const dtypes: [number, TensorInfo['dtype'], number][] = [
      [1, 'f32', 4],
      [2, 's8', 1],
      [3, 's32', 4],
      [4, 'u8', 1],
      [5, 's16', 2],
    ];
    for (const [code, dtype, size] of dtypes) {
      for (const index of [0, 3]) {
        const n = 300;
        expect(exec(['input', String(code), String(n * size), String(index)]).trim()).toBe(hex(testPattern({ dtype, shape: [n] }, index)));
      }
    }
    expect(exec(['input', '9', '4', '0']).trim()).toBe('unsupported');
  });
});

// ---- the whole host on WAMR ----
const wamrDir = process.env.MOTE_WAMR_DIR;
const wamrLib = process.env.MOTE_WAMR_LIB ?? (wamrDir ? join(wamrDir, 'build', 'libiwasm.a') : '');
// A library built with WAMR's classic interpreter (WAMR_BUILD_FAST_INTERP=0): MOTE_WAMR_CLASSIC=1.
const classic = process.env.MOTE_WAMR_CLASSIC === '1';
// Compiler flags matching the library, e.g. "-m32 -malign-double" for the 32-bit build that
// host/targets.ts WAMR_MEASURED was measured on (devices/esp32/README.md, "Measuring WAMR").
const wamrCflags = (process.env.MOTE_WAMR_CFLAGS ?? '').split(/\s+/).filter(Boolean);
const wamr32 = wamrCflags.includes('-m32');
const classicFlag = classic ? ['--classic-interp'] : [];
const haveWamr = haveCC && !!wamrDir && existsSync(join(wamrDir, 'core', 'iwasm', 'include', 'wasm_export.h')) && existsSync(wamrLib);
if (!haveWamr) {
  console.warn(
    '[mote] SKIPPED device host on WAMR: set MOTE_WAMR_DIR to a wasm-micro-runtime checkout with a built library ' +
      '(MOTE_WAMR_LIB, default $MOTE_WAMR_DIR/build/libiwasm.a); see devices/esp32/README.md',
  );
}

describe.skipIf(!haveWamr)('device host on WAMR (MOTE_WAMR_DIR)', () => {
  const host = join(dir, 'mote-host-posix');
  const scalarWasm = join(repoRoot, 'build', 'mote.scalar.wasm');
  beforeAll(async () => {
    await ensureWasmBuilt();
    compile(
      host,
      ['main_posix.c', 'platform_posix.c', 'mote_host.c', 'mote_profile.c', 'mote_meta.c', 'mote_input.c'].map((f) => join(core, f)),
      [...wamrCflags, `-I${join(wamrDir!, 'core', 'iwasm', 'include')}`, wamrLib, '-lm', '-lpthread', '-ldl'],
    );
  }, 120_000);

  async function nodeModel(build: 'simd' | 'scalar', blob: Uint8Array): Promise<MoteModel> {
    return (await nodeRuntime(build)).load(blob);
  }
  async function nodeRuntime(build: 'simd' | 'scalar'): Promise<MoteRuntime> {
    return MoteRuntime.fromModule(build, await wasmModule(build));
  }

  function hostOutputs(stdout: string): string[] {
    return [...stdout.matchAll(/^# mote: output (\d+) \S+ \S+ (\d+) bytes hex ([0-9a-f]*)$/gm)].map((m) => m[3]);
  }

  const models = [
    { name: 'int8 (f32 + s8 inputs)', graph: int8Model },
    { name: 'f32', graph: floatModel },
    { name: 'int8 MobileNet-like', graph: () => mobileNetLike(5, { int8: true, size: 16, blocks: 2 }) },
  ];

  for (const m of models) {
    it(`${m.name}: outputs equal the Node host's bytes; the console is a valid profile with Node's op names`, async () => {
      const blob = blobOf(m.graph());
      const blobPath = join(dir, 'model.mote');
      writeFileSync(blobPath, blob);
      const r = run(host, [scalarWasm, blobPath, '--runs', '3', '--device', 'esp32s3', ...classicFlag]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const rt = await nodeRuntime('scalar');
      const node = rt.load(blob);
      const inputs = node.inputs.map((info, i) => testPattern(info, i));
      const { outputs, ops } = node.profile(inputs);
      expect(hostOutputs(r.stdout)).toEqual(outputs.map(hex));
      // The SIMD build is bit-identical (docs/ABI.md): the same bytes again.
      expect((await nodeModel('simd', blob)).run(inputs).map(hex)).toEqual(outputs.map(hex));
      const profile = parseProfile(r.stdout);
      expect(profile.runs.map((x) => x.run.run)).toEqual([0, 1, 2]);
      for (const pr of profile.runs) {
        expect(pr.run).toMatchObject({ model: 'model.mote', build: 'scalar', host: 'posix', device: 'esp32s3' });
        expect(pr.ops.map((o) => [o.op, o.name])).toEqual(ops.map((o) => [o.op, o.name]));
      }
      // Linear memory after mote_load: the same pages as in the Node host's instance.
      expect(Number(/linear memory (\d+) bytes/.exec(r.stdout)?.[1])).toBe(rt.memoryBytes());
    }, 60_000);
  }

  it('given inputs, streamed blob reads and whole-model runs give the same bytes as Node', async () => {
    const blob = blobOf(int8Model());
    const blobPath = join(dir, 'given.mote');
    writeFileSync(blobPath, blob);
    const rt = await nodeRuntime('scalar');
    const node = rt.load(blob);
    // Inputs other than the test pattern, written as raw little-endian files.
    const inputs = node.inputs.map((info, i) => {
      const x = testPattern(info, i + 5);
      return x.map((v: number) => (info.dtype === 'f32' ? v * 0.75 : v)) as MoteTypedArray;
    });
    const files = inputs.map((x, i) => {
      const p = join(dir, `in${i}.bin`);
      writeFileSync(p, new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
      return p;
    });
    const r = run(host, [scalarWasm, blobPath, '--stream-blob', '--no-op-times', ...classicFlag, ...files.flatMap((f) => ['--input', f])]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(hostOutputs(r.stdout)).toEqual(node.run(inputs).map(hex));
    expect(Number(/linear memory (\d+) bytes/.exec(r.stdout)?.[1])).toBe(rt.memoryBytes());
    const profile = parseProfile(r.stdout);
    expect(profile.runs.length).toBe(1);
    expect(profile.runs[0].ops).toEqual([]);
  }, 60_000);

  it("reports the runtime's own message for a corrupt blob and a wrongly sized input", async () => {
    const blob = blobOf(int8Model());
    const bad = blob.slice();
    bad[bad.length - 1] ^= 0xff; // the CRC no longer matches
    const badPath = join(dir, 'bad.mote');
    writeFileSync(badPath, bad);
    const r = run(host, [scalarWasm, badPath, ...classicFlag]);
    expect(r.status).toBe(2);
    let nodeMessage = '';
    try {
      await nodeModel('scalar', bad);
    } catch (e) {
      nodeMessage = (e as Error).message;
    }
    const runtimeText = /\(ERR_\w+\): (.*)$/s.exec(nodeMessage)?.[1] ?? nodeMessage;
    expect(nodeMessage).toMatch(/ERR_BAD_CRC/);
    expect(r.stdout).toContain(`# mote error: mote_load failed (code 4): ${runtimeText}`);

    const goodPath = join(dir, 'good.mote');
    writeFileSync(goodPath, blob);
    const small = join(dir, 'small.bin');
    writeFileSync(small, new Uint8Array(3));
    const r2 = run(host, [scalarWasm, goodPath, '--input', small, '--input', small, ...classicFlag]);
    expect(r2.status).toBe(3);
    expect(r2.stdout).toMatch(/# mote error: input 0 must be \d+ bytes of f32, got 3/);
    const r3 = run(host, [join(repoRoot, 'package.json'), goodPath, ...classicFlag]);
    expect(r3.status).toBe(1);
    expect(r3.stdout).toMatch(/# mote error: WAMR cannot load the runtime module: .+/);
  }, 60_000);

  it('needs the WAMR pool host/targets.ts budgets (smallest working pool by bisection)', async () => {
    const { wamrNeeds, POOL_HEADROOM } = await import('../host/targets.js');
    const needs = wamrNeeds(readFileSync(scalarWasm), classic ? 'classic' : 'fast', 4096);
    const blobPath = join(dir, 'pool.mote');
    writeFileSync(blobPath, blobOf(int8Model()));
    const runs = (kib: number) => {
      const r = run(host, [scalarWasm, blobPath, '--stack', '4096', '--pool-kb', String(kib), '--no-op-times', ...classicFlag]);
      return r.status === 0 && /^# mote: output 0 /m.test(r.stdout);
    };
    const budgeted = needs.poolBytes / 1024;
    // A 64-bit build needs more than the 32-bit budget (8-byte pointers and labels).
    const top = wamr32 ? budgeted : 4 * budgeted;
    expect(runs(top)).toBe(true);
    let lo = 4;
    let hi = top;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (runs(mid)) hi = mid;
      else lo = mid;
    }
    const smallest = hi * 1024;
    console.log(`[mote] WAMR pool (${needs.interpreter}): smallest working ${smallest} B, budgeted ${needs.poolBytes} B (${wamr32 ? '32-bit' : 'native'} build)`);
    if (wamr32) {
      // The 32-bit build is what WAMR_MEASURED describes: the budget is the minimum + headroom for
      // the measured module; for another build of it, scaled by its code with the fit's error
      // added, it must still suffice and be off by no more than twice that error.
      const slack = needs.exact ? 0 : needs.measurement.scaleUncertainty;
      expect(smallest).toBeLessThanOrEqual(needs.poolBytes - POOL_HEADROOM);
      expect(smallest).toBeGreaterThanOrEqual(needs.poolBytes - POOL_HEADROOM - 2 * slack - 1024);
    } else {
      // 64-bit builds hold 8-byte pointers and labels: only the order is comparable.
      expect(smallest).toBeGreaterThan(0.5 * needs.poolBytes);
      expect(smallest).toBeLessThan(2.5 * needs.poolBytes);
    }
  }, 120_000);

  it('starts linear memory at the budget\'s pages (no grow) and loads the module in place, same bytes', async () => {
    const { blobMemoryOf, linearMemoryPlan, runtimeLayout } = await import('../host/targets.js');
    const blob = blobOf(mobileNetLike(3, { int8: true, size: 32, blocks: 3 }));
    const blobPath = join(dir, 'pages.mote');
    writeFileSync(blobPath, blob);
    const plan = linearMemoryPlan(blobMemoryOf(blob), runtimeLayout(readFileSync(scalarWasm)));
    expect(plan.grownPages).toBeGreaterThan(0);
    const rt = await nodeRuntime('scalar');
    const node = rt.load(blob);
    const expected = node.run(node.inputs.map((info, i) => testPattern(info, i))).map(hex);
    const at = (stdout: string) => Number(/linear memory at instantiation: (\d+) pages/.exec(stdout)?.[1]);
    const grown = run(host, [scalarWasm, blobPath, '--no-op-times', ...classicFlag]);
    expect(grown.status).toBe(0);
    expect(at(grown.stdout)).toBe(plan.initialPages);
    const fixed = run(host, [scalarWasm, blobPath, '--no-op-times', '--initial-pages', String(plan.pages), '--native-stack-kb', '256', ...classicFlag]);
    expect(fixed.stderr).toBe('');
    expect(fixed.status).toBe(0);
    expect(at(fixed.stdout)).toBe(plan.pages);
    expect(Number(/linear memory (\d+) bytes/.exec(fixed.stdout)?.[1])).toBe(plan.bytes);
    expect(hostOutputs(fixed.stdout)).toEqual(expected);
    expect(hostOutputs(grown.stdout)).toEqual(expected);
    expect(Number(/native stack used: (\d+) of/.exec(fixed.stdout)?.[1])).toBeGreaterThan(0);
    // The module from a read-only mapping: a loader write would fault (fast interpreter only).
    const inPlace = run(host, [scalarWasm, blobPath, '--no-op-times', '--module-in-place', ...classicFlag]);
    expect(inPlace.status).toBe(0);
    expect(hostOutputs(inPlace.stdout)).toEqual(expected);
  }, 60_000);
});
