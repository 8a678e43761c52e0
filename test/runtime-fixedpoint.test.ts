// The runtime's fixed-point helpers (assembly/fixedpoint.ts), compiled with the flags of each build,
// against the TypeScript reference (converter/reference/fixedpoint.ts) on edge values and seeded
// random inputs: SaturatingRoundingDoublingHighMul, RoundingDivideByPOT,
// MultiplyByQuantizedMultiplier, exp_on_negative_values (Q5.26) and GetReciprocal (Q12.19); and the
// SIMD build's four-lane requantization (assembly/requant_simd.ts) against the same reference.
import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import asc from 'assemblyscript/asc';
import { readSource } from '../scripts/build-wasm.mjs';
import {
  expOnNegativeValues, getReciprocal, multiplyByQuantizedMultiplier, roundingDivideByPOT, srdhm,
} from '../converter/reference/fixedpoint.js';
import { SIGMOID_TABLE_U16 } from '../converter/reference/int8/lstm.js';
import { randInt, repoRoot, rng } from './runtime-harness.js';

type Probe = {
  probe_srdhm(a: number, b: number): number;
  probe_rdbpot(x: number, e: number): number;
  probe_mbqm(x: number, m: number, s: number): number;
  probe_exp(a: number): number;
  probe_reciprocal(x: number, d: number): number;
  probe_bits_over_unit(): number;
  probe_lanes_ptr(): number;
  probe_requant4(): number;
  probe_sigmoid_table(i: number): number;
  memory: WebAssembly.Memory;
};

const FLAGS = {
  simd: ['--enable', 'simd'],
  scalar: ['--disable', 'sign-extension,bulk-memory,nontrapping-f2i,mutable-globals'],
};
const probes: Partial<Record<keyof typeof FLAGS, Probe>> = {};

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mote-fp-'));
  for (const [build, flags] of Object.entries(FLAGS)) {
    const out = join(dir, `${build}.wasm`);
    const { error } = await asc.main(
      [join(repoRoot, 'assembly/testing/fixedpoint-probe.ts'), '-o', out, '-O1', '--runtime', 'stub', '--use', 'abort=', ...flags],
      { stdout: { write: () => true }, stderr: { write: () => true }, readFile: readSource },
    );
    if (error) throw error;
    const { instance } = await WebAssembly.instantiate(readFileSync(out), {});
    probes[build as keyof typeof FLAGS] = instance.exports as unknown as Probe;
  }
}, 120_000);

const EDGES = [-2147483648, -2147483647, -1073741824, -65536, -257, -2, -1, 0, 1, 2, 255, 65535, 1073741823, 1073741824, 2147483646, 2147483647];

describe.each(Object.keys(FLAGS) as (keyof typeof FLAGS)[])('fixed point (%s flags) vs the TS reference', (build) => {
  const r = rng(build === 'simd' ? 17 : 23);
  const any = () => randInt(r, -2147483648, 2147483647);

  it("the integer LSTM's sigmoid table, built at run time, is TFLite's published table", () => {
    const p = probes[build]!;
    expect(SIGMOID_TABLE_U16.length).toBe(256);
    for (let i = 0; i < 256; i++) expect(p.probe_sigmoid_table(i), `entry ${i}`).toBe(SIGMOID_TABLE_U16[i]);
  });

  it('srdhm on edges and 20000 random pairs', () => {
    const p = probes[build]!;
    for (const a of EDGES) for (const b of EDGES) expect(p.probe_srdhm(a, b), `${a}*${b}`).toBe(srdhm(a, b));
    for (let i = 0; i < 20000; i++) {
      const a = any(), b = any();
      expect(p.probe_srdhm(a, b), `${a}*${b}`).toBe(srdhm(a, b));
    }
  });

  it('rounding divide by 2^e and MultiplyByQuantizedMultiplier', () => {
    const p = probes[build]!;
    for (let e = 0; e <= 31; e++) {
      for (const x of EDGES) expect(p.probe_rdbpot(x, e), `${x}>>${e}`).toBe(roundingDivideByPOT(x, e));
      for (let i = 0; i < 300; i++) {
        const x = any();
        expect(p.probe_rdbpot(x, e)).toBe(roundingDivideByPOT(x, e));
      }
    }
    for (let i = 0; i < 20000; i++) {
      const x = i % 2 ? any() : randInt(r, -200000, 200000);
      const m = randInt(r, 1 << 30, 2147483647);
      const s = randInt(r, -31, 30);
      expect(p.probe_mbqm(x, m, s), `mbqm(${x}, ${m}, ${s})`).toBe(multiplyByQuantizedMultiplier(x, m, s));
    }
  });

  it('exp_on_negative_values (Q5.26) and GetReciprocal (Q12.19)', () => {
    const p = probes[build]!;
    const as = [0, -1, -(1 << 24), -(1 << 26), -(1 << 30), -2147483648, -2147483647];
    for (let i = 0; i < 5000; i++) as.push(-randInt(r, 0, 2147483647));
    for (const a of as) expect(p.probe_exp(a), `exp(${a})`).toBe(expOnNegativeValues(a, 5));
    const xs = [1, 2, 1 << 19, (1 << 19) + 1, 1 << 30, 2147483647];
    for (let i = 0; i < 5000; i++) xs.push(randInt(r, 1, 2147483647));
    for (const x of xs) {
      const want = getReciprocal(x, 12);
      expect(p.probe_reciprocal(x, 12), `1/${x}`).toBe(want.reciprocal);
      expect(p.probe_bits_over_unit()).toBe(want.numBitsOverUnit);
    }
  });
});

describe('SIMD requantization (requant4Simd) vs MultiplyByQuantizedMultiplier', () => {
  it('matches on edges and 40000 random lanes (multiplier >= 0, shift in [-31, 30])', () => {
    const p = probes.simd!;
    const r = rng(99);
    const lanes = new Int32Array(p.memory.buffer, p.probe_lanes_ptr(), 16);
    const check = (acc: number[], mult: number[], shift: number[]) => {
      lanes.set(acc, 0);
      lanes.set(mult, 4);
      lanes.set(shift, 8);
      expect(p.probe_requant4()).toBe(1);
      for (let j = 0; j < 4; j++) {
        expect(lanes[12 + j], `mbqm(${acc[j]}, ${mult[j]}, ${shift[j]})`).toBe(multiplyByQuantizedMultiplier(acc[j], mult[j], shift[j]));
      }
    };
    const mults = [0, 1, 1 << 30, 1518500250, 2147483647];
    for (const x of EDGES) for (const m of mults) for (const sh of [-31, -17, -1, 0, 1, 7, 30]) check([x, -x | 0, x >> 3, ~x], [m, m, m, m], [sh, sh, sh, sh]);
    for (let i = 0; i < 10000; i++) {
      const acc = [0, 0, 0, 0].map(() => (r() < 0.5 ? randInt(r, -2147483648, 2147483647) : randInt(r, -100000, 100000)));
      const mult = [0, 0, 0, 0].map(() => randInt(r, 0, 2147483647));
      const shift = [0, 0, 0, 0].map(() => randInt(r, -31, 30));
      check(acc, mult, shift);
    }
  });
});
