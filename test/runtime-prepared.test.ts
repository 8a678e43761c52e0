// Prepared state (format/prepared.ts, assembly/prepared.ts): the bytes the SIMD runtime keeps
// beyond the arena are the documented layout, reported the same by the loaded runtime
// (MoteModel.preparedBytes) and by `mote inspect` from the blob, zero on the scalar build, and
// built at load only (runs neither grow memory nor change the count). Output bytes are checked
// elsewhere: few-row FCs in runtime-perf-kernels.test.ts, ad over 196 samples in one instance in
// runtime-tflm.test.ts (prepared tables reused across runs), both builds against references.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { importTflite } from '../converter/import/tflite.js';
import { prepareInt8 } from '../converter/passes/quantize/index.js';
import { quantizeMultiplier } from '../converter/passes/quantize/multiplier.js';
import { readBlob } from '../host/blob-reader.js';
import { readNpy } from '../host/npy.js';
import { emitBlob } from '../converter/emit/index.js';
import { planMemory } from '../converter/plan/index.js';
import { formatInspection, inspectBlob } from '../host/cli/inspect.js';
import { preparedBytesOf } from '../host/prepared.js';
import * as F from '../format/format.js';
import { BUILDS, blobOf, ensureWasmBuilt, freshRuntime, oneOpGraph, randInt, randS8, rng } from './runtime-harness.js';
import { haveShared, sharedPath } from './support/shared.js';

beforeAll(async () => {
  await ensureWasmBuilt();
}, 120_000);

function fcBlob(rows: number, n: number, k: number, bigBias = false): Uint8Array {
  const r = rng(rows * 1000 + n * 10 + k);
  const xq = { scale: 0.03, zeroPoint: randInt(r, -50, 50) };
  const oq = { scale: xq.scale * 0.02 * Math.sqrt(k), zeroPoint: -128 };
  const mult = new Int32Array(n), shift = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const m = quantizeMultiplier((xq.scale * (0.002 + r() * 0.01)) / oq.scale);
    mult[i] = m.multiplier;
    shift[i] = m.shift;
  }
  const bias = Int32Array.from({ length: n }, (_, i) => (bigBias && i === 0 ? 2 ** 30 : randInt(r, -3000, 3000)));
  const g = oneOpGraph('fully_connected', [
    { dtype: 's8', shape: [rows, k], quant: xq },
    { dtype: 's8', shape: [n, k], data: randS8(r, n * k, -127, 127) },
    { dtype: 's32', shape: [n], data: bias },
    { dtype: 's32', shape: [n], data: mult },
    { dtype: 's32', shape: [n], data: shift },
  ], { dtype: 's8', quant: oq }, {}, { actMin: -128, actMax: 127 });
  return blobOf(g);
}

describe('prepared state: reported bytes', () => {
  it('a one-row packed fully_connected: index + 128-byte arguments + the f32 table, 8 B per channel (rounded to 16), on SIMD, none on scalar', async () => {
    const blob = fcBlob(1, 40, 24);
    const want = 16 + 128 + 48 * 8;
    expect(preparedBytesOf(readBlob(blob))).toBe(want);
    const simd = (await freshRuntime('simd')).load(blob);
    expect(simd.preparedBytes).toBe(want);
    expect(simd.arenaBytes).toBe(readBlob(blob).arenaSize);
    const scalar = (await freshRuntime('scalar')).load(blob);
    expect(scalar.preparedBytes).toBe(0);
  });

  it('two or three rows: index + 128-byte arguments + the f64 table, 24 B per channel (rounded to 16)', async () => {
    for (const rows of [2, 3]) {
      const blob = fcBlob(rows, 40, 24);
      const want = 16 + 128 + 48 * 24;
      expect(preparedBytesOf(readBlob(blob))).toBe(want);
      expect((await freshRuntime('simd')).load(blob).preparedBytes).toBe(want);
    }
  });

  it('ops with 4 or more rows prepare nothing (they build the table in their scratch per run)', async () => {
    const blob = fcBlob(4, 40, 24);
    expect(preparedBytesOf(readBlob(blob))).toBe(0);
    expect((await freshRuntime('simd')).load(blob).preparedBytes).toBe(0);
  });

  it('a table refused by its accumulator bound keeps its reserved bytes (the op runs its per-run path)', async () => {
    const blob = fcBlob(1, 40, 24, true);
    const m = (await freshRuntime('simd')).load(blob);
    expect(m.preparedBytes).toBe(preparedBytesOf(readBlob(blob)));
    expect(m.preparedBytes).toBeGreaterThan(0);
  });

  it('runs do not grow memory or change the prepared bytes; mote inspect prints them', async () => {
    const blob = fcBlob(2, 33, 8);
    const rt = await freshRuntime('simd');
    const m = rt.load(blob);
    const mem = rt.memoryBytes(), prepared = m.preparedBytes;
    for (let i = 0; i < 3; i++) m.run([randS8(rng(i), 16)]);
    expect(rt.memoryBytes()).toBe(mem);
    expect(m.preparedBytes).toBe(prepared);
    const text = formatInspection('fc.mote', inspectBlob(readBlob(blob)));
    expect(text).toMatch(new RegExp(`prepared at load, SIMD build: ${prepared.toLocaleString('en-US')} B`));
  });

  it('an int8 depthwise (C % 8 == 0): index + 32-byte header + per channel (rounded to 16) 37 B and 4 B per tap-pair slot, on SIMD only', async () => {
    const dw = (c: number, kh: number, kw: number): Uint8Array => {
      const r = rng(c * 100 + kh * 10 + kw);
      const g = oneOpGraph('depthwise_conv2d', [
        { dtype: 's8', shape: [1, 6, 6, c], quant: { scale: 0.05, zeroPoint: -3 } },
        { dtype: 's8', shape: [kh, kw, c], data: randS8(r, kh * kw * c, -127, 127) },
        { dtype: 's32', shape: [c], data: Int32Array.from({ length: c }, () => randInt(r, -3000, 3000)) },
        { dtype: 's32', shape: [c], data: Int32Array.from({ length: c }, () => quantizeMultiplier(0.3 + r() * 0.4).multiplier) },
        { dtype: 's32', shape: [c], data: Int32Array.from({ length: c }, () => -8) },
      ], { dtype: 's8', quant: { scale: 0.1, zeroPoint: -128 } }, { strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], depthMultiplier: 1 }, { actMin: -128, actMax: 127 });
      return blobOf(g);
    };
    // 3x3: 5 tap pairs (the former pixel-pair kernel's sixth slot is gone); 24 channels round up to 32.
    const blob = dw(24, 3, 3);
    const want = 16 + 32 + 32 * (37 + 4 * 5);
    expect(preparedBytesOf(readBlob(blob))).toBe(want);
    expect((await freshRuntime('simd')).load(blob).preparedBytes).toBe(want);
    expect((await freshRuntime('scalar')).load(blob).preparedBytes).toBe(0);
    // 12 channels leave 4 to the generic kernel, which rebuilds its table per run: not prepared.
    expect(preparedBytesOf(readBlob(dw(12, 3, 3)))).toBe(0);
    expect((await freshRuntime('simd')).load(dw(12, 3, 3)).preparedBytes).toBe(0);
  });

  // vww's 13 depthwise layers (8-256 channels, stride 1 and 2, 7 channels whose bias rules out the
  // f64 table) run from records built at load: samples in one instance (records reused across
  // runs, arena reused by the other ops) against TFLite Micro's outputs, both builds.
  it.skipIf(!haveShared)('vww (prepared depthwise layers): runtime and mote inspect agree, every sample in one instance = TFLM', async () => {
    const g = importTflite(readFileSync(sharedPath('mlperf_tiny/vww/vww_96_int8.tflite')), 'vww_96_int8.tflite');
    prepareInt8(g);
    const blob = blobOf(g);
    const view = readBlob(blob);
    const ins = readNpy(readFileSync(sharedPath('tflm_refs/vww_int8/inputs.npy')));
    const outs = readNpy(readFileSync(sharedPath('tflm_refs/vww_int8/outputs.npy')));
    const inSize = ins.data.length / ins.shape[0], outSize = outs.data.length / outs.shape[0];
    for (const build of BUILDS) {
      const m = (await freshRuntime(build)).load(blob);
      expect(m.preparedBytes).toBe(build === 'simd' ? preparedBytesOf(view) : 0);
      if (build === 'simd') expect(m.preparedBytes).toBeGreaterThan(13 * 32);
      for (let s = 0; s < ins.shape[0]; s++) {
        const [y] = m.run([(ins.data as Int8Array).slice(s * inSize, (s + 1) * inSize)]) as Int8Array[];
        expect(Array.from(y), `${build} sample ${s}`).toEqual(Array.from((outs.data as Int8Array).subarray(s * outSize, (s + 1) * outSize)));
      }
    }
  }, 60_000);

  it.skipIf(!haveShared)('ad (MLPerf Tiny): the runtime and mote inspect agree', async () => {
    const g = importTflite(readFileSync(sharedPath('mlperf_tiny/ad/ad01_int8.tflite')), 'ad01_int8.tflite');
    prepareInt8(g);
    const blob = blobOf(g);
    const m = (await freshRuntime('simd')).load(blob);
    expect(m.preparedBytes).toBeGreaterThan(0);
    expect(m.preparedBytes).toBe(preparedBytesOf(readBlob(blob)));
    expect((await freshRuntime('scalar')).load(blob).preparedBytes).toBe(0);
  });

  // The CLI's default layout ('auto') leaves ad's 128 -> 8 layer plain: the SIMD build prepares a
  // packed copy of it between the other layers' records. Every sample in one instance (prepared
  // state reused across runs) against TFLite Micro's outputs, both builds.
  it.skipIf(!haveShared)('ad with the CLI weight layout (one plain few-row layer packed at load) = TFLM on both builds', async () => {
    const g = importTflite(readFileSync(sharedPath('mlperf_tiny/ad/ad01_int8.tflite')), 'ad01_int8.tflite');
    prepareInt8(g);
    const blob = emitBlob(g, planMemory(g), {}, { packWeights: 'auto' });
    const view = readBlob(blob);
    expect(view.ops.some((o) => (o.flags & 2) === 0), 'a plain layer').toBe(true);
    const ins = readNpy(readFileSync(sharedPath('tflm_refs/ad_int8/inputs.npy')));
    const outs = readNpy(readFileSync(sharedPath('tflm_refs/ad_int8/outputs.npy')));
    const inSize = ins.data.length / ins.shape[0], outSize = outs.data.length / outs.shape[0];
    for (const build of BUILDS) {
      const m = (await freshRuntime(build)).load(blob);
      if (build === 'simd') expect(m.preparedBytes).toBe(preparedBytesOf(view));
      for (let s = 0; s < Math.min(64, ins.shape[0]); s++) {
        const [y] = m.run([(ins.data as Int8Array).slice(s * inSize, (s + 1) * inSize)]) as Int8Array[];
        expect(Array.from(y), `${build} sample ${s}`).toEqual(Array.from((outs.data as Int8Array).subarray(s * outSize, (s + 1) * outSize)));
      }
    }
  }, 60_000);

  // The memory mote_blob_alloc reserves for a blob (the plan: blob, arena, expanded weights),
  // measured on a runtime that stops before mote_load.
  async function plannedMemory(build: 'simd' | 'scalar', blob: Uint8Array): Promise<number> {
    const rt = await freshRuntime(build);
    const ex = rt.exports;
    new Uint8Array(ex.memory.buffer, ex.mote_header_buffer(), F.HEADER_SIZE).set(blob.subarray(0, F.HEADER_SIZE));
    expect(ex.mote_blob_alloc(blob.length)).not.toBe(0);
    return rt.memoryBytes();
  }

  it('load with prepare off: nothing prepared, memory = the plan; prepare on (the default) unchanged', async () => {
    const blob = fcBlob(1, 40, 24);
    const want = preparedBytesOf(readBlob(blob));
    expect(want).toBeGreaterThan(0);
    for (const build of BUILDS) {
      const planned = await plannedMemory(build, blob);
      const off = await freshRuntime(build);
      expect(off.load(blob, { prepare: false }).preparedBytes).toBe(0);
      expect(off.memoryBytes()).toBe(planned);
      const on = await freshRuntime(build);
      expect(on.load(blob, { prepare: true }).preparedBytes).toBe(build === 'simd' ? want : 0);
      expect((await freshRuntime(build)).load(blob).preparedBytes).toBe(build === 'simd' ? want : 0);
    }
  });

  // Prepared and per-run paths side by side on the same blob: vww's prepared depthwise layers and
  // packed convs against TFLite Micro's outputs, the unprepared instance keeping to the planned pages.
  it.skipIf(!haveShared)('vww with prepare off = prepared = TFLM on the SIMD build; no memory beyond the plan', async () => {
    const g = importTflite(readFileSync(sharedPath('mlperf_tiny/vww/vww_96_int8.tflite')), 'vww_96_int8.tflite');
    prepareInt8(g);
    const blob = blobOf(g);
    const ins = readNpy(readFileSync(sharedPath('tflm_refs/vww_int8/inputs.npy')));
    const outs = readNpy(readFileSync(sharedPath('tflm_refs/vww_int8/outputs.npy')));
    const inSize = ins.data.length / ins.shape[0], outSize = outs.data.length / outs.shape[0];
    const planned = await plannedMemory('simd', blob);
    const rtOff = await freshRuntime('simd'), rtOn = await freshRuntime('simd');
    const off = rtOff.load(blob, { prepare: false }), on = rtOn.load(blob);
    expect(off.preparedBytes).toBe(0);
    expect(on.preparedBytes).toBe(preparedBytesOf(readBlob(blob)));
    expect(rtOff.memoryBytes()).toBe(planned);
    expect(rtOn.memoryBytes()).toBeGreaterThan(planned);
    for (let s = 0; s < ins.shape[0]; s++) {
      const x = (ins.data as Int8Array).slice(s * inSize, (s + 1) * inSize);
      const ref = Array.from((outs.data as Int8Array).subarray(s * outSize, (s + 1) * outSize));
      const [yOff] = off.run([x]) as Int8Array[];
      expect(Array.from(yOff), `prepare off, sample ${s}`).toEqual(ref);
      const [yOn] = on.run([x]) as Int8Array[];
      expect(Array.from(yOn), `prepared, sample ${s}`).toEqual(ref);
    }
    expect(rtOff.memoryBytes()).toBe(planned);
  }, 60_000);
});
