// The two WASM builds: built from one source, import nothing, export the documented ABI, and the
// scalar build uses only MVP features (what WAMR's interpreter on ESP32 accepts) — checked by wabt's
// wasm-validate with every post-MVP feature disabled (skipped, visibly, when wabt is absent) and by
// binaryen's validator restricted to the MVP feature set.
import { describe, expect, it, beforeAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import binaryen from 'binaryen';
import { ensureWasmBuilt, repoRoot, wasmModule } from './runtime-harness.js';
import { analyze } from '../scripts/wasm-size.mjs';
import { decodeText, dictionaryBytes, encodeText, messageLiterals, packSymbols, textCoding } from '../scripts/build-wasm.mjs';

const wasmPath = (b: string) => join(repoRoot, 'build', `mote.${b}.wasm`);

// The ABI docs/ABI.md documents; every one must be exported by both builds.
const ABI = [
  'memory', 'mote_blob_alloc', 'mote_load', 'mote_run', 'mote_last_error', 'mote_error_message',
  'mote_error_message_len', 'mote_format_version', 'mote_has_simd', 'mote_memory_bytes', 'mote_prepared_bytes', 'mote_set_prepare', 'mote_set_prepare_budget',
  'mote_input_count', 'mote_output_count', 'mote_input_tensor', 'mote_output_tensor', 'mote_input_ptr',
  'mote_output_ptr', 'mote_input_bytes', 'mote_output_bytes', 'mote_tensor_count', 'mote_tensor_dtype',
  'mote_tensor_rank', 'mote_tensor_dim', 'mote_tensor_scale', 'mote_tensor_zero_point',
  'mote_tensor_storage', 'mote_tensor_ptr', 'mote_tensor_bytes', 'mote_meta_ptr', 'mote_meta_len',
  'mote_op_count', 'mote_op_opcode', 'mote_run_op', 'mote_header_buffer', 'mote_blob_copy_size', 'mote_heap_base',
];

function haveWasmValidate(): boolean {
  return spawnSync('wasm-validate', ['--version'], { encoding: 'utf8' }).status === 0;
}

beforeAll(async () => {
  await ensureWasmBuilt();
}, 120_000);

describe('wasm builds', () => {
  for (const build of ['simd', 'scalar'] as const) {
    it(`${build}: no imports; exports the ABI with C-friendly (i32/f32) signatures`, async () => {
      const mod = await wasmModule(build);
      expect(WebAssembly.Module.imports(mod)).toEqual([]);
      const names = WebAssembly.Module.exports(mod).map((e) => e.name).sort();
      expect(names).toEqual([...ABI].sort());
      const m = binaryen.readBinary(readFileSync(wasmPath(build)));
      const allowed = new Set([binaryen.i32, binaryen.f32, binaryen.none]);
      for (let i = 0; i < m.getNumExports(); i++) {
        const ex = binaryen.getExportInfo(m.getExportByIndex(i));
        if (ex.kind !== binaryen.ExternalFunction) continue;
        const fn = binaryen.getFunctionInfo(m.getFunction(ex.value));
        const types = [...binaryen.expandType(fn.params), ...binaryen.expandType(fn.results)];
        expect(types.every((t) => allowed.has(t)), `${ex.name}: only i32/f32 params and results`).toBe(true);
      }
      m.dispose();
    });
  }

  it('simd build reports SIMD and contains i32x4.dot_i16x8_s; scalar build has no v128 at all', async () => {
    const simd = binaryen.readBinary(readFileSync(wasmPath('simd')));
    simd.setFeatures(binaryen.Features.All);
    const simdText = simd.emitText();
    expect(simdText).toContain('i32x4.dot_i16x8_s');
    simd.dispose();
    const scalar = binaryen.readBinary(readFileSync(wasmPath('scalar')));
    scalar.setFeatures(binaryen.Features.All);
    expect(scalar.emitText()).not.toMatch(/v128|i8x16|i16x8|i32x4|f32x4/);
    scalar.dispose();
    const has = async (b: 'simd' | 'scalar') =>
      (new WebAssembly.Instance(await wasmModule(b), {}).exports.mote_has_simd as () => number)();
    expect(await has('simd')).toBe(1);
    expect(await has('scalar')).toBe(0);
  });

  it('scalar build validates with binaryen restricted to MVP features', () => {
    const m = binaryen.readBinary(readFileSync(wasmPath('scalar')));
    m.setFeatures(binaryen.Features.MVP);
    expect(m.validate()).toBeTruthy();
    m.dispose();
  });

  it('scalar build validates with wabt wasm-validate, every post-MVP feature disabled', (ctx) => {
    if (!haveWasmValidate()) {
      console.warn('[mote] SKIPPED the wabt part of the scalar-build check: wasm-validate (wabt) is not installed');
      ctx.skip();
      return;
    }
    const help = execFileSync('wasm-validate', ['--help'], { encoding: 'utf8' });
    const wanted = [
      '--disable-simd', '--disable-bulk-memory', '--disable-sign-extension', '--disable-saturating-float-to-int',
      '--disable-mutable-globals', '--disable-multi-value', '--disable-reference-types',
    ];
    const flags = wanted.filter((f) => help.includes(f));
    expect(flags.length, 'this wabt knows the core disable flags').toBeGreaterThanOrEqual(4);
    const res = spawnSync('wasm-validate', [...flags, wasmPath('scalar')], { encoding: 'utf8' });
    expect(res.stderr + res.stdout).toBe('');
    expect(res.status).toBe(0);
    // And the check can fail: the SIMD build must be rejected under the same flags.
    const simd = spawnSync('wasm-validate', [...flags, wasmPath('simd')], { encoding: 'utf8' });
    expect(simd.status).not.toBe(0);
  });

  // Issue #4 targets 48 KB (SIMD) and 40 KB (scalar) with every op. The sizes are printed, not
  // asserted: a ceiling would fail today. `node scripts/wasm-size.mjs` gives the per-function table.
  it('prints both builds\' sizes per section; no name section is shipped', () => {
    const rows: string[] = [];
    for (const build of ['simd', 'scalar'] as const) {
      const bytes = readFileSync(wasmPath(build));
      const a = analyze(bytes);
      expect(a.named, `${build}: the name section must be stripped`).toBe(false);
      expect(a.sections.some((s) => s.name.startsWith('custom:')), `${build}: no custom sections`).toBe(false);
      // Every byte is accounted for: the 8-byte preamble plus the sections.
      expect(8 + a.sections.reduce((n, s) => n + s.bytes, 0)).toBe(bytes.length);
      const sec = (n: string) => a.sections.find((s) => s.name === n)?.bytes ?? 0;
      rows.push(`${build}: ${a.total} B (code ${sec('code')}, data ${sec('data')}, other ${a.total - sec('code') - sec('data')}; ${a.functions.length} functions, ${a.segments} data segments)`);
    }
    console.log(`[mote] runtime sizes (issue #4 targets: simd <= 48 KB, scalar <= 40 KB)\n  ${rows.join('\n  ')}`);
  });

  // The build stores message literals coded with a phrase table and a Huffman code
  // (scripts/build-wasm.mjs); the runtime's decoding is checked by the tests that compare its
  // messages (runtime-validation).
  it('message text coding: every str()/txt() literal in assembly/ decodes back to itself', () => {
    const texts = messageLiterals();
    expect(texts.length).toBeGreaterThan(200);
    const { phrases, code } = textCoding(texts);
    expect(phrases.length).toBeLessThanOrEqual(128);
    // A complete prefix code: Kraft sum exactly 1 over the code lengths.
    const counts = code.table.slice(0, 16);
    expect(counts.reduce((s: number, c: number, i: number) => s + c / 2 ** (i + 1), 0)).toBe(1);
    expect(code.table.length).toBe(16 + counts.reduce((a: number, b: number) => a + b, 0));
    const dict = dictionaryBytes(phrases, code);
    let at = 0;
    for (const p of phrases) {
      expect(dict[at]).toBe(p.length);
      const bytes = packSymbols(Array.from(p, (c) => c.charCodeAt(0)), code);
      expect(decodeText(dict.slice(at + 1, at + 1 + bytes.length), p.length, code, [])).toBe(p);
      at += 1 + bytes.length;
    }
    expect(at).toBe(dict.length);
    let raw = 0, coded = dict.length + code.table.length;
    for (const t of texts) {
      const symbols = encodeText(t, phrases);
      const bytes = packSymbols(symbols, code);
      expect(bytes.every((b: number) => b >= 0 && b <= 0xff)).toBe(true);
      expect(decodeText(bytes, symbols.length, code, phrases)).toBe(t);
      raw += t.length;
      coded += bytes.length;
    }
    expect(coded).toBeLessThan(raw / 2);
  });
});
