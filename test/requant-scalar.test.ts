// The scalar build's integer requantization (assembly/kernels/requant_scalar.ts: TFLM's
// MultiplyByQuantizedMultiplier as one i64 multiply, add and shift), compiled with the scalar
// build's flags, against fixedpoint.ts's mbqm swept inside WASM (around 0, at both ends of the i32
// range, strided over all of it) for multipliers and shifts at the validated edges, and against the
// TypeScript reference on seeded random inputs.
import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import asc from 'assemblyscript/asc';
import { readSource } from '../scripts/build-wasm.mjs';
import { multiplyByQuantizedMultiplier } from '../converter/reference/fixedpoint.js';
import { randInt, repoRoot, rng } from './runtime-harness.js';

type Probe = {
  probe_rq(acc: number, m: number, s: number): number;
  probe_store2(a: number, b: number, bias: number, m: number, s: number, zp: number, lo: number, hi: number): number;
  probe_rq_sweep(from: number, count: number, step: number, m: number, s: number): number;
  probe_first_bad(): number;
};

describe('scalar integer requantization (requant_scalar.ts) vs MultiplyByQuantizedMultiplier', () => {
  let p: Probe;
  beforeAll(async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'mote-rqs-')), 'probe.wasm');
    const { error } = await asc.main(
      [join(repoRoot, 'assembly/testing/requant-scalar-probe.ts'), '-o', out, '-O3', '--runtime', 'stub', '--use', 'abort=',
        '--disable', 'sign-extension,bulk-memory,nontrapping-f2i,mutable-globals'],
      { stdout: { write: () => true }, stderr: { write: () => true }, readFile: readSource },
    );
    if (error) throw error;
    p = (await WebAssembly.instantiate(readFileSync(out), {})).instance.exports as unknown as Probe;
  }, 300_000);

  it('equals mbqm around 0, at the ends of the i32 range and strided over all of it', () => {
    const r = rng(2024);
    // Validation admits multipliers >= 0 and shifts in [-31, 30].
    const mults = [0, 1, 1 << 30, (1 << 30) + 1, 1518500250, 2147483647, randInt(r, 1 << 30, 2147483647)];
    const shifts = [-31, -30, -21, -20, -7, -2, -1, 0, 1, 4, 30];
    for (const m of mults) {
      for (const s of shifts) {
        for (const [from, count, step] of [[-(1 << 17), 1 << 18, 1], [-2147483648, 1 << 14, 1], [2147483647 - (1 << 14) + 1, 1 << 14, 1], [-2147483648, 1 << 16, 65537]]) {
          const bad = p.probe_rq_sweep(from, count, step, m, s);
          expect(bad, `mult ${m} shift ${s} from ${from}: first bad acc ${bad ? p.probe_first_bad() : ''}`).toBe(0);
        }
      }
    }
  });

  it('random (multiplier, shift, acc) against the TS reference', () => {
    const r = rng(4242);
    for (let i = 0; i < 5000; i++) {
      const m = randInt(r, 1 << 30, 2147483647), s = randInt(r, -31, 8);
      // Accumulators whose left shift stays in i32 (the reference is exact arithmetic).
      const lim = Math.floor(2147483647 / 2 ** Math.max(s, 0));
      const acc = i % 3 === 0 ? randInt(r, -1000, 1000) : randInt(r, -lim, lim);
      expect(p.probe_rq(acc, m, s), `mbqm(${acc}, ${m}, ${s})`).toBe(multiplyByQuantizedMultiplier(acc, m, s));
    }
  });

  it('bias, zero point and clamp of the two stored outputs', () => {
    const r = rng(99);
    for (let i = 0; i < 2000; i++) {
      const m = randInt(r, 1 << 30, 2147483647), s = randInt(r, -12, 0);
      const a = randInt(r, -200000, 200000), b = randInt(r, -200000, 200000), bias = randInt(r, -50000, 50000);
      const zp = randInt(r, -128, 127), lo = randInt(r, -128, 0), hi = randInt(r, 0, 127);
      const want = (v: number) => Math.min(hi, Math.max(lo, multiplyByQuantizedMultiplier(v + bias, m, s) + zp)) & 0xff;
      expect(p.probe_store2(a, b, bias, m, s, zp, lo, hi), `${a} ${b} ${bias} ${m} ${s}`).toBe(want(a) | (want(b) << 8));
    }
  });
});
