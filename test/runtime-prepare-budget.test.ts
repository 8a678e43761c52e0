// Prepared state within a byte budget (MoteLoadOptions.prepareBudget, mote_set_prepare_budget,
// --prepare-budget): what the SIMD runtime keeps is at most the budget, only grows with it and is
// the rank-order prefix format/prepared.ts documents (host/prepared.ts preparedPlan, computed from
// the blob alone); ops left out run their per-run paths, so every budget gives TFLite Micro's
// output bytes (tflm_refs, the reference kernels' outputs) on vww and kws. Bad budgets are refused
// before the runtime takes the blob.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { importTflite } from '../converter/import/tflite.js';
import { prepareInt8 } from '../converter/passes/quantize/index.js';
import { readBlob } from '../host/blob-reader.js';
import { inspectBlob } from '../host/cli/inspect.js';
import { prepareBudgetOption } from '../host/cli/profile.js';
import { CliError, EXIT_USAGE } from '../host/cli/errors.js';
import { readNpy } from '../host/npy.js';
import { preparedBytesOf, preparedOpBytes, preparedPlan } from '../host/prepared.js';
import * as F from '../format/format.js';
import { blobOf, ensureWasmBuilt, freshRuntime, oneOpGraph, randInt, randS8, rng } from './runtime-harness.js';
import { haveShared, noticeIfNoShared, sharedPath } from './support/shared.js';

beforeAll(async () => {
  await ensureWasmBuilt();
}, 120_000);

/** A one-row packed int8 fully_connected: one prepared table (index 16 B + 128 B arguments + 8 B per channel). */
function fcBlob(n: number, k: number): Uint8Array {
  const r = rng(n * 31 + k);
  const g = oneOpGraph('fully_connected', [
    { dtype: 's8', shape: [1, k], quant: { scale: 0.03, zeroPoint: 3 } },
    { dtype: 's8', shape: [n, k], data: randS8(r, n * k, -127, 127) },
    { dtype: 's32', shape: [n], data: Int32Array.from({ length: n }, () => randInt(r, -3000, 3000)) },
    { dtype: 's32', shape: [n], data: new Int32Array(n).fill(1 << 30) },
    { dtype: 's32', shape: [n], data: new Int32Array(n).fill(-8) },
  ], { dtype: 's8', quant: { scale: 0.1, zeroPoint: -128 } }, {}, { actMin: -128, actMax: 127 });
  return blobOf(g);
}

describe('prepareBudget: options', () => {
  it('a budget below the one table prepares nothing, at or above it everything; the scalar build nothing', async () => {
    const blob = fcBlob(40, 24);
    const full = 16 + 128 + 48 * 8;
    expect(preparedBytesOf(readBlob(blob))).toBe(full);
    for (const [budget, want] of [[0, 0], [15, 0], [full - 1, 0], [full, full], [full + 1, full], [2 ** 40, full], [Infinity, full]]) {
      expect((await freshRuntime('simd')).load(blob, { prepareBudget: budget }).preparedBytes, `budget ${budget}`).toBe(want);
      expect(preparedBytesOf(readBlob(blob), budget)).toBe(want);
      expect((await freshRuntime('scalar')).load(blob, { prepareBudget: budget }).preparedBytes).toBe(0);
    }
  });

  it('bad budgets are a RangeError naming the value, before the runtime takes the blob', async () => {
    const blob = fcBlob(16, 16);
    for (const bad of [-1, NaN, 1.5, -Infinity, '64k' as unknown as number]) {
      const rt = await freshRuntime('simd');
      expect(() => rt.load(blob, { prepareBudget: bad })).toThrow(RangeError);
      expect(() => rt.load(blob, { prepareBudget: bad })).toThrow(/prepareBudget must be a whole number of bytes/);
      expect(rt.load(blob).preparedBytes).toBeGreaterThan(0); // the runtime is still free
    }
    const rt = await freshRuntime('simd');
    expect(() => rt.load(blob, { prepare: false, prepareBudget: 4096 })).toThrow(/disagree/);
    expect(rt.load(blob, { prepare: false, prepareBudget: 0 }).preparedBytes).toBe(0);
  });

  it('--prepare-budget: bytes, k / KiB / m / MiB, unlimited; anything else is a usage error', () => {
    expect(prepareBudgetOption('65536', undefined)).toBe(65536);
    expect(prepareBudgetOption('64k', undefined)).toBe(65536);
    expect(prepareBudgetOption('64KiB', undefined)).toBe(65536);
    expect(prepareBudgetOption(' 2M ', undefined)).toBe(2 * 1048576);
    expect(prepareBudgetOption('0', undefined)).toBe(0);
    expect(prepareBudgetOption('unlimited', undefined)).toBe(Infinity);
    expect(prepareBudgetOption(undefined, undefined)).toBeUndefined();
    expect(prepareBudgetOption(undefined, false)).toBe(0); // --no-prepare
    expect(prepareBudgetOption('0', false)).toBe(0);
    for (const bad of ['-1', '1.5', '1.5k', 'abc', '', '64kb', '64 GiB', 'NaN', '1e6']) {
      let err: unknown;
      try {
        prepareBudgetOption(bad, undefined);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(CliError);
      expect((err as CliError).exitCode).toBe(EXIT_USAGE);
      expect((err as CliError).message).toContain(`'${bad}'`);
    }
    expect(() => prepareBudgetOption('64k', false)).toThrow(/--no-prepare and --prepare-budget 64k disagree/);
  });
});

describe.skipIf(!haveShared)('prepareBudget on vww and kws: within the budget, monotone, TFLM output bytes at every budget', () => {
  noticeIfNoShared('prepared-state budgets on vww / kws');
  const cases: [string, string, number][] = [
    ['vww_int8', 'mlperf_tiny/vww/vww_96_int8.tflite', 8],
    ['kws_int8', 'mlperf_tiny/kws/kws_ref_model.tflite', 20],
  ];
  for (const [dir, model, limit] of cases) {
    it(`${dir}`, async () => {
      const g = importTflite(readFileSync(sharedPath(model)), model);
      prepareInt8(g);
      const blob = blobOf(g);
      const view = readBlob(blob);
      const full = preparedBytesOf(view);
      expect(full).toBeGreaterThan(0);

      // A sweep: what the runtime keeps is the blob's plan, at most the budget, non-decreasing.
      const sweep = [0, 1, 16, ...Array.from({ length: 24 }, (_, i) => Math.round((full * (i + 1)) / 24)), full - 1, full, full + 4096, Infinity].sort((a, b) => a - b);
      let last = 0;
      for (const budget of sweep) {
        const got = (await freshRuntime('simd')).load(blob, { prepareBudget: budget }).preparedBytes;
        expect(got, `budget ${budget}`).toBeLessThanOrEqual(budget);
        expect(got, `budget ${budget}`).toBeGreaterThanOrEqual(last);
        expect(got, `budget ${budget}`).toBe(preparedBytesOf(view, budget));
        last = got;
      }
      expect(last).toBe(full);

      // The plan is the documented order: every conv2d table before any fully_connected or
      // depthwise one, schedule order within a kind, and a prefix of it for every budget.
      const sizes = preparedOpBytes(view);
      // `mote inspect`'s per-kind split: the tables add up to the region with its op index.
      const byKind = inspectBlob(view).arena.preparedSimdByKind as Record<string, number>;
      expect(Object.values(byKind).reduce((a, b) => a + b, 0) + ((view.ops.length * 4 + 15) & ~15)).toBe(full);
      expect(byKind.conv2d).toBe(sizes.reduce((a, b, i) => a + (view.ops[i].opcode === F.OP_CONV2D ? b : 0), 0));
      const rank = (i: number) => (view.ops[i].opcode === F.OP_CONV2D ? 0 : view.ops[i].opcode === F.OP_FULLY_CONNECTED ? 1 : 2);
      const order = sizes.map((_, i) => i).filter((i) => sizes[i] > 0).sort((a, b) => rank(a) - rank(b) || a - b);
      for (const budget of sweep) {
        const { ops, bytes } = preparedPlan(view, budget);
        expect(ops).toEqual(order.slice(0, ops.length));
        // It stops only at an op that does not fit: the region so far (at least the op index) + its table.
        const used = ops.length > 0 ? bytes : (view.ops.length * 4 + 15) & ~15;
        if (ops.length < order.length) expect(used + sizes[order[ops.length]], `budget ${budget}`).toBeGreaterThan(budget);
      }

      // Outputs: none, small, medium and all prepared, each against TFLM's bytes, one instance per
      // budget across the samples (prepared tables reused across runs).
      const small = Math.round(full / 8), medium = Math.round(full / 2);
      const models = [0, small, medium, Infinity].map(async (b) => (await freshRuntime('simd')).load(blob, { prepareBudget: b }));
      const loaded = await Promise.all(models);
      const kept = loaded.map((m) => m.preparedBytes);
      expect(kept[0]).toBe(0);
      expect(kept[1]).toBeGreaterThan(0);
      expect(kept[1]).toBeLessThan(kept[2]);
      expect(kept[2]).toBeLessThan(full);
      expect(kept[3]).toBe(full);
      const ins = readNpy(readFileSync(sharedPath(`tflm_refs/${dir}/inputs.npy`)));
      const outs = readNpy(readFileSync(sharedPath(`tflm_refs/${dir}/outputs.npy`)));
      const inSize = ins.data.length / ins.shape[0], outSize = outs.data.length / outs.shape[0];
      for (let s = 0; s < Math.min(limit, ins.shape[0]); s++) {
        const x = (ins.data as Int8Array).slice(s * inSize, (s + 1) * inSize);
        const ref = Array.from((outs.data as Int8Array).subarray(s * outSize, (s + 1) * outSize));
        loaded.forEach((m, j) => {
          const [y] = m.run([x]) as Int8Array[];
          expect(Array.from(y), `${dir} sample ${s}, ${kept[j]} B prepared`).toEqual(ref);
        });
      }
    }, 120_000);
  }
});
