// The 127 seanet int16x8 op tests of TFLite Micro (../shared/models/tflm/seanet_int16_op_tests):
// int16 activations with int8 weights. Each model is imported, given TFLite Micro's int16 Prepare
// parameters (prepareInt16), run by the reference interpreter and by both WASM builds, and
// compared with the golden CSV within ±1 (TFLM's own EXPECT_NEAR tolerance; the goldens come from
// desktop TFLite). The runtime must also equal the reference interpreter exactly. Exact-match
// counts are printed; every model is accounted for (none skipped silently).
//
// The strided_slice runtime kernel is dtype-generic, so it is also checked on s8 and f32 slices
// (negative strides, shrink_axis) against an index computation written out here.
import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConvertError } from '../converter/errors.js';
import { importTflite } from '../converter/import/tflite.js';
import type { Graph, StridedSliceAttrs, TensorData } from '../converter/ir/graph.js';
import { prepareInt16 } from '../converter/passes/quantize/prepare16.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { BUILDS, blobOf, ensureWasmBuilt, freshRuntime, oneOpGraph, randInt, rng } from './runtime-harness.js';
import { haveShared, noticeIfNoShared, sharedPath } from './support/shared.js';

const ROOT = 'tflm/seanet_int16_op_tests';
const TOLERANCE = 1;

interface SeanetCase {
  op: string;
  name: string;
  dir: string;
}

function cases(): SeanetCase[] {
  if (!haveShared) return [];
  const out: SeanetCase[] = [];
  for (const op of readdirSync(sharedPath(ROOT)).sort()) {
    const dir = sharedPath(`${ROOT}/${op}`);
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.tflite'))) out.push({ op, name: f.replace('.tflite', ''), dir });
  }
  return out.sort((a, b) => a.op.localeCompare(b.op) || Number(a.name.replace(/\D/g, '')) - Number(b.name.replace(/\D/g, '')));
}

function csv(path: string): number[] {
  return readFileSync(path, 'utf8').trim().split(',').map(Number);
}

/** The CSV file `<name>_<kind>_<type>.csv` (type int16/int32), by prefix. */
function caseFile(c: SeanetCase, kind: string): string {
  const f = readdirSync(c.dir).find((x) => x.startsWith(`${c.name}_${kind}_`) && x.endsWith('.csv'));
  if (!f) throw new Error(`${c.name}: no ${kind} CSV`);
  return `${c.dir}/${f}`;
}

function typed(dtype: string, values: number[]): TensorData {
  if (dtype === 's16') return Int16Array.from(values);
  if (dtype === 's32') return Int32Array.from(values);
  if (dtype === 's8') return Int8Array.from(values);
  throw new Error(`unexpected input dtype ${dtype}`);
}

interface Loaded {
  g: Graph;
  inputs: TensorData[];
  golden: number[];
}

function load(c: SeanetCase): Loaded {
  const g = importTflite(readFileSync(`${c.dir}/${c.name}.tflite`), `${c.name}.tflite`);
  prepareInt16(g);
  const inputs = g.inputs.map((name, k) => typed(g.tensor(name).dtype, csv(caseFile(c, `input${k}`))));
  return { g, inputs, golden: csv(caseFile(c, 'golden')) };
}

function maxAbsDiff(y: ArrayLike<number>, golden: number[]): number {
  if (y.length !== golden.length) return Infinity;
  let m = 0;
  for (let i = 0; i < y.length; i++) m = Math.max(m, Math.abs(y[i] - golden[i]));
  return m;
}

beforeAll(async () => {
  await ensureWasmBuilt();
}, 180_000);

describe.skipIf(!haveShared)('seanet int16x8 op tests (needs ../shared)', () => {
  noticeIfNoShared('seanet int16x8 op tests');
  const all = cases();

  it('has the 127 models the README lists, per op', () => {
    const count = (op: string) => all.filter((c) => c.op === op).length;
    expect(all.length).toBe(127);
    expect([count('add'), count('conv'), count('leaky_relu'), count('pad'), count('quantize'), count('strided_slice'), count('sub'), count('transpose_conv')])
      .toEqual([17, 22, 23, 19, 2, 34, 5, 5]);
  });

  it('reference interpreter: every model within ±1 of the golden output', () => {
    const exact: string[] = [];
    const nearOnly: string[] = [];
    const failed: string[] = [];
    for (const c of all) {
      try {
        const { g, inputs, golden } = load(c);
        const d = maxAbsDiff(runGraph(g, inputs)[0] as Int16Array, golden);
        (d === 0 ? exact : d <= TOLERANCE ? nearOnly : failed).push(d <= TOLERANCE ? c.name : `${c.name} (max diff ${d})`);
      } catch (e) {
        failed.push(`${c.name}: ${(e as Error).message}`);
      }
    }
    console.log(`[seanet] reference: ${exact.length}/${all.length} exact, ${nearOnly.length} within ±1 (${nearOnly.join(', ')}), ${failed.length} failed`);
    expect(failed).toEqual([]);
    expect(exact.length + nearOnly.length).toBe(127);
  }, 60_000);

  it('both WASM builds: every model equals the reference interpreter exactly (so within ±1 of the golden)', async () => {
    const unsupported: string[] = [];
    const exactPerBuild = new Map<string, number>();
    for (const c of all) {
      const { g, inputs, golden } = load(c);
      const want = runGraph(g, inputs)[0] as Int16Array | Int32Array;
      let blob: Uint8Array;
      try {
        blob = blobOf(g);
      } catch (e) {
        unsupported.push(`${c.name}: ${(e as Error).message}`);
        continue;
      }
      for (const build of BUILDS) {
        const [y] = (await freshRuntime(build)).load(blob).run(inputs as never) as (Int16Array | Int32Array)[];
        expect(Array.from(y), `${c.name} on ${build}`).toEqual(Array.from(want));
        expect(maxAbsDiff(y, golden), `${c.name} on ${build} vs golden`).toBeLessThanOrEqual(TOLERANCE);
        if (maxAbsDiff(y, golden) === 0) exactPerBuild.set(build, (exactPerBuild.get(build) ?? 0) + 1);
      }
    }
    console.log(`[seanet] wasm: ${BUILDS.map((b) => `${b} ${exactPerBuild.get(b) ?? 0}/${all.length} exact`).join(', ')}; unsupported: ${unsupported.length ? unsupported.join('; ') : 'none'}`);
    expect(unsupported).toEqual([]);
  }, 120_000);
});

// ---- strided_slice on other dtypes (no shared material needed) -----------------------------------

/** The slice written out directly: every output index mapped to its input index. */
function sliceByHand(x: ArrayLike<number>, shape: number[], a: StridedSliceAttrs): number[] {
  const out: number[] = [];
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((p, d) => p * d, 1));
  const walk = (d: number, base: number) => {
    if (d === shape.length) {
      out.push(x[base]);
      return;
    }
    for (let i = 0; i < a.size[d]; i++) walk(d + 1, base + (a.begin[d] + i * a.strides[d]) * strides[d]);
  };
  walk(0, 0);
  return out;
}

describe('strided_slice on s8 and f32 (runtime and reference)', () => {
  it('random slices, negative strides included, equal the written-out indexing on both builds', async () => {
    const r = rng(7);
    for (let trial = 0; trial < 12; trial++) {
      const rank = randInt(r, 1, 4);
      const shape = Array.from({ length: rank }, () => randInt(r, 1, 6));
      const attrs: StridedSliceAttrs = { begin: [], strides: [], size: [] };
      for (const d of shape) {
        const step = [1, 2, -1, -2, 3][randInt(r, 0, 4)];
        const begin = randInt(r, 0, d - 1);
        const room = step > 0 ? Math.floor((d - 1 - begin) / step) + 1 : Math.floor(begin / -step) + 1;
        attrs.begin.push(begin);
        attrs.strides.push(step);
        attrs.size.push(randInt(r, 1, room));
      }
      const n = shape.reduce((p, d) => p * d, 1);
      const dtype = trial % 2 ? 's8' : 'f32';
      const data = dtype === 's8' ? Int8Array.from({ length: n }, () => randInt(r, -128, 127)) : Float32Array.from({ length: n }, () => r() * 2 - 1);
      const quant = dtype === 's8' ? { scale: 0.05, zeroPoint: 3 } : undefined;
      const g = oneOpGraph('strided_slice', [{ dtype, shape, quant }], { dtype, quant }, attrs);
      const want = sliceByHand(data, shape, attrs);
      expect(Array.from(runGraph(g, [data])[0] as Int8Array), `reference, trial ${trial}`).toEqual(want);
      const blob = blobOf(g);
      for (const build of BUILDS) {
        const [y] = (await freshRuntime(build)).load(blob).run([data as never]);
        expect(Array.from(y as Int8Array), `${build}, trial ${trial} [${shape}] ${JSON.stringify(attrs)}`).toEqual(want);
      }
    }
  }, 60_000);

  it('a slice leaving the input is refused with the dim named (converter)', () => {
    expect(() => oneOpGraph('strided_slice', [{ dtype: 'f32', shape: [4, 5] }], { dtype: 'f32' }, { begin: [0, 3], strides: [1, 1], size: [4, 3] }))
      .toThrow(ConvertError);
    expect(() => oneOpGraph('strided_slice', [{ dtype: 'f32', shape: [4, 5] }], { dtype: 'f32' }, { begin: [0, 3], strides: [1, 1], size: [4, 3] }))
      .toThrow(/dim 1/);
  });
});

describe.skipIf(!haveShared)('seanet int16x8 models through convert() (the path `mote convert` takes)', () => {
  it('every model converts with no calibration and its blob gives the golden output within ±1', async () => {
    const { convert } = await import('../converter/convert.js');
    const { MoteRuntime } = await import('../host/runtime.js');
    let exact = 0;
    const all = cases();
    for (const c of all) {
      const bytes = readFileSync(`${c.dir}/${c.name}.tflite`);
      const { blob } = convert(bytes, `${c.name}.tflite`, { precision: 'int8' });
      const { inputs, golden } = load(c);
      const model = (await MoteRuntime.create('scalar')).load(blob);
      const [y] = model.run(inputs as never);
      const d = maxAbsDiff(y as ArrayLike<number>, golden);
      expect(d, `${c.op}/${c.name}`).toBeLessThanOrEqual(TOLERANCE);
      if (d === 0) exact++;
    }
    console.log(`[seanet] convert(): ${exact}/${all.length} bit-equal to the goldens, all within ±${TOLERANCE}`);
    expect(all.length).toBe(127);
  });
});
