// Streamed weights (`mote convert --weights external`, docs/ABI.md "Streamed weights"): the same
// conversion emitted with resident and with external weights runs on both stream builds with
// identical output bytes (and identical to the default builds on the resident blob); linear
// memory in both modes equals host/targets.ts's prediction. The oracle is the resident-weights
// runtime, itself tested against the reference interpreter, ONNX Runtime and TFLM elsewhere.
import { existsSync, readFileSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as F from '../format/format.js';
import { convert, type ConvertResult } from '../converter/convert.js';
import { crc32, emitBlob } from '../converter/emit/index.js';
import { initCnn } from '../converter/demo/cnn.js';
import { cnnToOnnx } from '../converter/demo/export.js';
import { makeDataset } from '../converter/demo/data.js';
import { MoteRuntime, type MoteBuild, type MoteTypedArray } from '../host/runtime.js';
import { blobMemoryOf, linearMemoryPlan, ramBudget, runtimeLayout, streamedMemoryOf } from '../host/targets.js';
import { BUILDS, ensureWasmBuilt, repoRoot, rng, wasmModule } from './runtime-harness.js';
import { haveShared, noticeIfNoShared, sharedPath } from './support/shared.js';

const streamPath = (b: MoteBuild) => join(repoRoot, 'build', `mote.${b}.stream.wasm`);
const streamModules = new Map<MoteBuild, WebAssembly.Module>();

function newestSource(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return t;
}

beforeAll(async () => {
  await ensureWasmBuilt();
  const src = Math.max(newestSource(join(repoRoot, 'assembly')), statSync(join(repoRoot, 'format', 'format.ts')).mtimeMs, statSync(join(repoRoot, 'asconfig.json')).mtimeMs);
  const { buildWasm } = await import('../scripts/build-wasm.mjs');
  for (const b of BUILDS) {
    if (!existsSync(streamPath(b)) || statSync(streamPath(b)).mtimeMs < src) await buildWasm(`${b}.stream`);
    streamModules.set(b, await WebAssembly.compile(readFileSync(streamPath(b))));
  }
}, 600_000);

const bytesOf = (a: MoteTypedArray) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const u32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at, true);
const setU32 = (b: Uint8Array, at: number, v: number) => new DataView(b.buffer, b.byteOffset).setUint32(at, v, true);

function randomInputs(rt: ReturnType<MoteRuntime['load']>, seed: number): MoteTypedArray[] {
  const r = rng(seed);
  return rt.inputs.map((t) => {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.dtype === 's8') return Int8Array.from({ length: n }, () => Math.floor(r() * 256) - 128);
    return Float32Array.from({ length: n }, () => r() * 2 - 1);
  });
}

interface ModeFigures {
  model: string;
  blob: number;
  resident: number;
  arena: number;
  scratch: number;
  internalMemory: number;
  externalMemory: number;
}
const table: ModeFigures[] = [];

/** Both modes on both stream builds (and the resident blob on the default builds): same bytes. */
async function expectStreamingExact(name: string, r: ConvertResult, samples = 2): Promise<void> {
  const internal = r.blob;
  // convert()'s default weight layout ('auto'), so both blobs hold the same layers packed.
  const external = emitBlob(r.graph, r.plan, {}, { weights: 'external', packWeights: 'auto' });
  expect(u32(external, F.H_FLAGS)).toBe(F.FLAG_WEIGHTS_EXTERNAL);
  // The same layout; only the flag, the scratch size and the CRC differ.
  expect(external.length).toBe(internal.length);
  expect(u32(external, F.H_META_OFFSET)).toBeGreaterThanOrEqual(u32(external, F.H_WEIGHTS_OFFSET) + u32(external, F.H_WEIGHTS_SIZE));
  // What targets.ts predicts for the streamed blob from the resident one is what the writer made.
  expect(streamedMemoryOf(internal)).toEqual(blobMemoryOf(external));
  let figures: ModeFigures | undefined;
  for (const build of BUILDS) {
    const layout = runtimeLayout(readFileSync(streamPath(build)));
    const base = MoteRuntime.fromModule(build, await wasmModule(build)).load(internal);
    const rtIn = MoteRuntime.fromModule(build, streamModules.get(build)!);
    const rtEx = MoteRuntime.fromModule(build, streamModules.get(build)!);
    expect(rtEx.stream).toBe(true);
    const mIn = rtIn.load(internal);
    const mEx = rtEx.load(external);
    // Resident weights: the SIMD build's prepared state (docs/ABI.md) may take pages past the plan.
    const planIn = linearMemoryPlan(blobMemoryOf(internal), layout);
    const preparedEnd = mIn.preparedBytes ? ((planIn.endBytes + 15) & ~15) + mIn.preparedBytes : 0;
    expect(rtIn.memoryBytes()).toBe(Math.max(planIn.bytes, Math.ceil(preparedEnd / 65536) * 65536));
    expect(rtEx.memoryBytes()).toBe(linearMemoryPlan(blobMemoryOf(external), layout).bytes);
    expect(rtEx.exports.mote_blob_copy_size()).toBe(u32(external, F.H_WEIGHTS_OFFSET));
    // The metadata stays outside too; the host reads names from the blob: same as resident.
    expect(rtEx.exports.mote_meta_len()).toBe(0);
    expect(mEx.meta).toEqual(mIn.meta);
    expect(mEx.inputs).toEqual(mIn.inputs);
    for (let s = 0; s < samples; s++) {
      const x = randomInputs(mIn, 100 + s);
      const want = base.run(x).map(bytesOf);
      expect(mIn.run(x).map(bytesOf), `${name} ${build} stream build, resident weights`).toEqual(want);
      expect(mEx.run(x).map(bytesOf), `${name} ${build} streamed weights`).toEqual(want);
    }
    // Op by op (profiling) streams too.
    const x = randomInputs(mIn, 7);
    expect(mEx.profile(x).outputs.map(bytesOf)).toEqual(base.run(x).map(bytesOf));
    if (build === 'scalar') {
      figures = {
        model: name,
        blob: internal.length,
        resident: u32(external, F.H_WEIGHTS_OFFSET),
        arena: u32(internal, F.H_ARENA_SIZE),
        scratch: u32(external, F.H_WEIGHTS_SCRATCH_SIZE),
        internalMemory: rtIn.memoryBytes(),
        externalMemory: rtEx.memoryBytes(),
      };
    }
  }
  table.push(figures!);
}

describe('streamed weights: the demo CNN', () => {
  const onnx = cnnToOnnx(initCnn({ size: 16, c1: 8, c2: 16, classes: 5 }, 3), ['a', 'b', 'c', 'd', 'e']);
  const ds = makeDataset(12, 1);
  const calibration = Array.from({ length: 8 }, (_, i) => [ds.images.slice(i * 256, (i + 1) * 256)]);

  it('int8 and f32: identical output bytes in both modes on both stream builds', async () => {
    await expectStreamingExact('demo CNN int8', convert(onnx, 'demo.onnx', { precision: 'int8', calibration }), 3);
    await expectStreamingExact('demo CNN f32', convert(onnx, 'demo.onnx', { precision: 'f32' }), 3);
  });

  it('convert({ weights: "external" }) writes the streamed blob; encoded weights are refused', () => {
    const r = convert(onnx, 'demo.onnx', { precision: 'f32', weights: 'external' });
    expect(u32(r.blob, F.H_FLAGS)).toBe(F.FLAG_WEIGHTS_EXTERNAL);
    expect(r.blob).toEqual(emitBlob(r.graph, r.plan, {}, { weights: 'external', packWeights: 'auto' }));
    expect(() => convert(onnx, 'demo.onnx', { precision: 'f32', weights: 'external', cluster: 4 })).toThrow(/external \(streamed\) weights cannot be stored encoded/);
  });

  it('failures are typed: a failed read, corrupt weights (CRC via the host), a scratch region too small', async () => {
    const r = convert(onnx, 'demo.onnx', { precision: 'int8', calibration, weights: 'external' });
    const blob = r.blob;
    for (const build of BUILDS) {
      // A host whose reads fail: the CRC pass at load is the first read.
      const inst = new WebAssembly.Instance(streamModules.get(build)!, { env: { mote_read_weights: () => 1 } });
      const ex = inst.exports as unknown as MoteRuntime['exports'];
      new Uint8Array(ex.memory.buffer, ex.mote_header_buffer(), F.HEADER_SIZE).set(blob.subarray(0, F.HEADER_SIZE));
      const p = ex.mote_blob_alloc(blob.length);
      new Uint8Array(ex.memory.buffer, p, ex.mote_blob_copy_size()).set(blob.subarray(0, ex.mote_blob_copy_size()));
      expect(ex.mote_load()).toBe(F.ERR_WEIGHTS_READ);
      const msg = new TextDecoder().decode(new Uint8Array(ex.memory.buffer, ex.mote_error_message(), ex.mote_error_message_len()));
      expect(msg).toMatch(new RegExp(`mote_read_weights\\(offset ${u32(blob, F.H_WEIGHTS_OFFSET)}, \\d+ bytes\\) failed`));
      // A flipped weight byte (outside linear memory) fails the CRC the runtime computes through the host.
      const bad = blob.slice();
      bad[bad.length - 3] ^= 0x40;
      const rt = MoteRuntime.fromModule(build, streamModules.get(build)!);
      expect(() => rt.load(bad)).toThrow(/ERR_BAD_CRC/);
      // A header whose scratch region is smaller than an op's weights (CRC fixed): named op.
      const small = blob.slice();
      setU32(small, F.H_WEIGHTS_SCRATCH_SIZE, 16);
      setU32(small, F.H_CRC32, crc32(small, F.CRC_START, small.length));
      expect(() => MoteRuntime.fromModule(build, streamModules.get(build)!).load(small)).toThrow(/ERR_BAD_OP.*op \d+ \(\w+\): its weights span \d+ bytes, more than the 16-byte weights scratch region/);
    }
    // The default build refuses the streamed blob, naming the stream build.
    const plain = MoteRuntime.fromModule('scalar', await wasmModule('scalar'));
    expect(() => plain.load(blob)).toThrow(/ERR_BAD_HEADER.*stream build/);
  });

  it('the stream builds import exactly env.mote_read_weights; the default builds nothing', async () => {
    for (const b of BUILDS) {
      expect(WebAssembly.Module.imports(streamModules.get(b)!)).toEqual([{ module: 'env', name: 'mote_read_weights', kind: 'function' }]);
      expect(WebAssembly.Module.imports(await wasmModule(b))).toEqual([]);
    }
  });
});

const MLPERF: [string, string][] = [
  ['KWS (DS-CNN)', 'mlperf_tiny/kws/kws_ref_model.tflite'],
  ['VWW (MobileNetV1-0.25)', 'mlperf_tiny/vww/vww_96_int8.tflite'],
  ['IC (ResNet-8)', 'mlperf_tiny/ic/pretrainedResnet_quant.tflite'],
  ['AD (FC autoencoder)', 'mlperf_tiny/ad/ad01_int8.tflite'],
];

describe.skipIf(!haveShared)('streamed weights: MLPerf Tiny int8 models (../shared)', () => {
  noticeIfNoShared('MLPerf Tiny streamed-weights tests');
  const converted = new Map<string, ConvertResult>();
  const conv = (file: string) => {
    if (!converted.has(file)) converted.set(file, convert(readFileSync(sharedPath(file)), file, { precision: 'int8' }));
    return converted.get(file)!;
  };

  it.each(MLPERF)('%s: identical output bytes in both modes on both stream builds', async (name, file) => {
    await expectStreamingExact(name, conv(file));
  }, 120_000);

  it('VWW int8: streamed, its linear memory fits an ESP32\'s usable SRAM with room; resident it does not', () => {
    const r = conv('mlperf_tiny/vww/vww_96_int8.tflite');
    const streamed = ramBudget('esp32', { ...streamedMemoryOf(r.blob)!, runtimeWasm: readFileSync(streamPath('scalar')) });
    const resident = ramBudget('esp32', { ...blobMemoryOf(r.blob), runtimeWasm: readFileSync(join(repoRoot, 'build', 'mote.scalar.wasm')) });
    console.log(
      `[mote] VWW on esp32 (usable ${streamed.usableBytes} B): linear memory resident ${resident.memory.bytes} B, streamed ${streamed.memory.bytes} B; ` +
        `with WAMR (${streamed.interpreter} interpreter) running ${resident.steadyBytes} B vs ${streamed.steadyBytes} B (fits: ${streamed.fits})`,
    );
    expect(resident.memory.bytes).toBeGreaterThan(streamed.usableBytes);
    expect(streamed.memory.bytes).toBeLessThanOrEqual(streamed.usableBytes * 0.75);
    expect(streamed.memory.bytes).toBeLessThanOrEqual(resident.memory.bytes / 2);
  });

  it('prints the linear memory table (both modes)', () => {
    const kib = (n: number) => (n / 1024).toFixed(1);
    const rows = table.map((t) => `| ${t.model} | ${kib(t.blob)} | ${kib(t.arena)} | ${kib(t.internalMemory)} | ${kib(t.resident)} | ${kib(t.scratch)} | ${kib(t.externalMemory)} |`);
    console.log(['| model | blob KiB | arena KiB | linear memory, resident weights KiB | copied in (streamed) KiB | weights scratch KiB | linear memory, streamed KiB |', '|---|---:|---:|---:|---:|---:|---:|', ...rows].join('\n'));
    for (const t of table) expect(t.externalMemory).toBeLessThanOrEqual(t.internalMemory);
  });
});
