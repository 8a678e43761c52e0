// Per-model runtime builds (format/runtime-features.ts, host/runtime-features.ts, `mote runtime`):
// the features derived from a blob are its ops, dtype forms, encodings and kernels; a runtime built
// for them gives the full build's bytes on both ISAs (and TFLite Micro's, for the shared models with
// reference outputs), also with the optional kernels left out (their general fallbacks); a blob
// needing anything the build lacks fails at load with ERR_NOT_BUILT naming it; the scalar build
// stays MVP wasm.
//
// Each asc compile takes seconds on a busy machine: the file builds six runtimes (three feature
// sets x two ISAs), each once.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import binaryen from 'binaryen';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as F from '../format/format.js';
import * as RF from '../format/runtime-features.js';
import { convert } from '../converter/convert.js';
import { importTflite } from '../converter/import/tflite.js';
import { compareParams } from '../converter/passes/quantize/qparams.js';
import { prepareInt8 } from '../converter/passes/quantize/index.js';
import { logSoftmaxParams } from '../converter/passes/quantize/multiplier.js';
import { readIdx } from '../converter/data/idx.js';
import { crc32, emitBlob } from '../converter/emit/index.js';
import type { Graph } from '../converter/ir/graph.js';
import { planMemory } from '../converter/plan/index.js';
import { readBlob, type BlobView } from '../host/blob-reader.js';
import { readNpy } from '../host/npy.js';
import { MoteError, MoteRuntime, type MoteBuild, type MoteTypedArray } from '../host/runtime.js';
import { buildRuntimeFor, RUNTIME_BUDGET } from '../host/runtime-build.js';
import { blobFeatures, describeFeatures, OPTIONAL_KERNELS, unionFeatures, withoutOptionalKernels, type RuntimeFeatures } from '../host/runtime-features.js';
import { runtimeCommand } from '../host/cli/runtime.js';
import { BUILDS, ensureWasmBuilt, oneOpGraph, randF32, randS8, repoRoot, rng, wasmModule } from './runtime-harness.js';
import { elementwiseModel, floatModel, int8Model } from './runtime-models.js';
import { haveShared, noticeIfNoShared, sharedPath } from './support/shared.js';

const tmp = mkdtempSync(join(tmpdir(), 'mote-subset-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await ensureWasmBuilt();
}, 300_000);

const COMPILE_MS = 240_000;
const has = (mask: number, n: number) => Math.floor(mask / 2 ** n) % 2 === 1;

async function instance(build: MoteBuild, wasm: Uint8Array | WebAssembly.Module): Promise<MoteRuntime> {
  return MoteRuntime.fromModule(build, wasm instanceof WebAssembly.Module ? wasm : await WebAssembly.compile(wasm as BufferSource));
}

/** Seeded feeds for every graph input, in its dtype. */
function feedsFor(view: BlobView, seed: number): MoteTypedArray[] {
  const r = rng(seed);
  return view.inputs.map((id) => {
    const t = view.tensors[id];
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.dtype === F.DTYPE_F32) return randF32(r, n, 2);
    if (t.dtype === F.DTYPE_S8) return randS8(r, n);
    if (t.dtype === F.DTYPE_BOOL) return Uint8Array.from({ length: n }, () => (r() < 0.5 ? 1 : 0));
    throw new Error(`test feeds: input dtype ${t.dtypeName}`);
  });
}

/** Both runtimes load the blob and give the same bytes for every output. */
async function expectSameBytes(label: string, blob: Uint8Array, build: MoteBuild, subset: WebAssembly.Module, seeds = [1, 2]): Promise<void> {
  const view = readBlob(blob);
  const full = (await instance(build, await wasmModule(build))).load(blob);
  const mine = (await instance(build, subset)).load(blob);
  for (const seed of seeds) {
    const x = feedsFor(view, seed);
    const want = full.run(x), got = mine.run(x);
    expect(got.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) {
      const a = Buffer.from(want[i].buffer, want[i].byteOffset, want[i].byteLength);
      const b = Buffer.from(got[i].buffer, got[i].byteOffset, got[i].byteLength);
      expect(b.equals(a), `${label} on ${build}, seed ${seed}, output ${i}: per-model build == full build`).toBe(true);
    }
  }
}

/** Loading `blob` on `subset` fails with ERR_NOT_BUILT and a message matching `what`. */
async function expectNotBuilt(blob: Uint8Array, build: MoteBuild, subset: WebAssembly.Module, what: RegExp): Promise<void> {
  const rt = await instance(build, subset);
  let err: unknown;
  try {
    rt.load(blob);
  } catch (e) {
    err = e;
  }
  expect(err, 'the load must fail').toBeInstanceOf(MoteError);
  expect((err as MoteError).code).toBe(F.ERR_NOT_BUILT);
  expect((err as MoteError).message).toMatch(what);
  expect((err as MoteError).message).toMatch(/per-model build/);
}

function plainBlob(g: Graph): Uint8Array {
  return emitBlob(g, planMemory(g), {}, { packWeights: false });
}

/** int8Model with its conv and FC weights on 4 levels: stored as palettes, packed at load. */
function clusteredBlob(): Uint8Array {
  const g = int8Model();
  for (const name of ['w1', 'wf']) {
    const d = g.tensors.get(name)!.data as Int8Array;
    for (let i = 0; i < d.length; i++) d[i] = [-90, -20, 30, 100][((d[i] % 4) + 4) % 4];
  }
  return emitBlob(g, planMemory(g), {}, { encodeWeights: ['palette'] });
}

describe('feature derivation', () => {
  // An independent reading of the same view: opcode names, input-0 dtype names, op flags, records.
  const cases: [string, Uint8Array][] = [
    ['int8 model (packed)', emitBlob(int8Model(), planMemory(int8Model()))],
    ['int8 model (plain)', plainBlob(int8Model())],
    ['float model', plainBlob(floatModel())],
    ['elementwise model', plainBlob(elementwiseModel())],
    ['int8 model, compact tables', emitBlob(int8Model(), planMemory(int8Model()), {}, { compactTables: true })],
    ['int8 model, palette weights packed at load', clusteredBlob()],
  ];
  for (const [label, blob] of cases) {
    it(`${label}: ops, dtype forms, packed kernel and decoders are the blob's`, () => {
      const view = readBlob(blob);
      const f = blobFeatures(view);
      const d = describeFeatures(f);
      expect(new Set(d.ops)).toEqual(new Set(view.ops.map((o) => o.opName)));
      const forms = view.ops.map((o) => view.tensors[o.inputs[0]].dtypeName).map((n) => (n === 'sign8' ? 's8' : n));
      expect(new Set(d.dtypes)).toEqual(new Set(forms));
      expect(has(f.kernels, RF.KERNEL_PACKED)).toBe(view.ops.some((o) => (o.flags & F.OPF_PACKED_W16) !== 0));
      const plainInt8 = view.ops.some((o) => (o.opcode === F.OP_CONV2D || o.opcode === F.OP_FULLY_CONNECTED) && view.tensors[o.inputs[0]].dtype === F.DTYPE_S8 && !(o.flags & F.OPF_PACKED_W16));
      expect(has(f.kernels, RF.KERNEL_S8_PLAIN)).toBe(plainInt8);
      const encoded = view.tensors.filter((t) => t.storage === F.STORAGE_ENCODED).length;
      expect(f.decoders !== 0).toBe(encoded > 0);
      // Weights packed at load: the packing, and the packed kernel their op reads them with.
      const atLoad = view.tensors.filter((t) => t.packedAtLoad);
      expect(has(f.decoders, RF.DECODER_PACK_W16)).toBe(atLoad.length > 0);
      if (label.includes('packed at load')) {
        expect(atLoad.length).toBe(2);
        expect(has(f.decoders, F.ENC_PALETTE) && has(f.kernels, RF.KERNEL_PACKED)).toBe(true);
      }
      expect(f.direct).toBe(0);
    });
  }

  it('several blobs: the union', () => {
    const a = blobFeatures(readBlob(plainBlob(int8Model())));
    const b = blobFeatures(readBlob(plainBlob(elementwiseModel())));
    const u = unionFeatures([a, b]);
    expect(new Set(describeFeatures(u).ops)).toEqual(new Set([...describeFeatures(a).ops, ...describeFeatures(b).ops]));
    expect(u.dtypes).toBe(a.dtypes | b.dtypes);
  });
});

describe('mote runtime: usage errors before any compile', () => {
  it('streamed weights need --stream; --build is simd or scalar; -o is required', async () => {
    const g = int8Model();
    const ext = join(tmp, 'ext.mote');
    writeFileSync(ext, emitBlob(g, planMemory(g), {}, { weights: 'external' }));
    await expect(runtimeCommand([ext], { build: 'scalar', output: join(tmp, 'x.wasm') })).rejects.toThrow(/streams its weights .*add --stream/);
    await expect(runtimeCommand([ext], { build: 'arm', output: join(tmp, 'x.wasm') })).rejects.toThrow(/--build must be simd or scalar/);
    await expect(runtimeCommand([ext], { build: 'simd', stream: true })).rejects.toThrow(/needs -o/);
  });
});

/** One resize (opcode 36, in MOTE_OPS_HIGH), 3x5x2 → 7x4, f32 or s8; `crop` a tf_crop_and_resize
 * whose roi reaches past the input (the filter table's extrapolation). */
function resizeGraph(mode: 'nearest' | 'bilinear' | 'cubic', dtype: 'f32' | 's8', crop = false): Graph {
  const quant = dtype === 's8' ? { scale: 0.05, zeroPoint: -3 } : undefined;
  const filter = crop ? { coordinates: 'tf_crop_and_resize' as const, roi: [-0.2, 0.1, 1.1, 0.9] as [number, number, number, number], extrapolationValue: 0.7 } : {};
  return oneOpGraph('resize', [{ dtype, shape: [1, 3, 5, 2], quant }], { dtype, quant }, {
    mode, coordinates: 'half_pixel', nearestRounding: 'round_prefer_floor', size: [7, 4], scales: [7 / 3, 4 / 5], arithmetic: 'onnx', ...filter,
  }, dtype === 's8' ? {} : undefined);
}

describe('per-model build of a blob with resize (an opcode of the high mask)', () => {
  const blobs: [string, Uint8Array][] = [
    ['resize bilinear f32', plainBlob(resizeGraph('bilinear', 'f32'))],
    ['resize bilinear s8', plainBlob(resizeGraph('bilinear', 's8'))],
    ['resize nearest s8', plainBlob(resizeGraph('nearest', 's8'))],
    ['resize cubic f32', plainBlob(resizeGraph('cubic', 'f32'))],
    ['resize cubic s8', plainBlob(resizeGraph('cubic', 's8'))],
    ['resize linear crop f32', plainBlob(resizeGraph('bilinear', 'f32', true))],
    ['resize linear crop s8', plainBlob(resizeGraph('bilinear', 's8', true))],
  ];
  for (const build of BUILDS) {
    it(`${build}: links resize and gives the full build's bytes`, async () => {
      const features = unionFeatures(blobs.map(([, b]) => blobFeatures(readBlob(b))));
      expect(features.ops).toBe(0);
      expect(features.opsHigh).toBe(2 ** (F.OP_RESIZE - RF.OPS_LOW_BITS));
      const m = await WebAssembly.compile((await buildRuntimeFor(features, { build })) as BufferSource);
      for (const [label, blob] of blobs) await expectSameBytes(label, blob, build, m);
      // A float conv is not in it.
      await expectNotBuilt(plainBlob(floatModel()), build, m, /the op is not in this runtime/);
    }, COMPILE_MS);
  }
});

describe('per-model build of the generated graphs (built with `mote runtime`)', () => {
  const blobs: [string, Uint8Array][] = [
    ['int8', plainBlob(int8Model())],
    ['float', plainBlob(floatModel())],
    ['elementwise', plainBlob(elementwiseModel())],
  ];
  const modules = new Map<MoteBuild, WebAssembly.Module>();
  const files = new Map<MoteBuild, string>();
  beforeAll(async () => {
    const paths = blobs.map(([name, b]) => {
      const p = join(tmp, `${name}.mote`);
      writeFileSync(p, b);
      return p;
    });
    for (const build of BUILDS) {
      const out = join(tmp, `generated.${build}.wasm`);
      // The command's JSON summary: checked here, kept out of the test log.
      const write = process.stdout.write;
      let printed = '';
      process.stdout.write = ((s: string) => ((printed += s), true)) as typeof process.stdout.write;
      try {
        await runtimeCommand(paths, { build, output: out, json: true });
      } finally {
        process.stdout.write = write;
      }
      const summary = JSON.parse(printed) as { bytes: number; features: { ops: string[] } };
      expect(summary.bytes).toBe(readFileSync(out).length);
      expect(new Set(summary.features.ops)).toEqual(new Set(blobs.flatMap(([, b]) => readBlob(b).ops.map((o) => o.opName))));
      files.set(build, out);
      modules.set(build, await WebAssembly.compile(readFileSync(out)));
    }
  }, 2 * COMPILE_MS);

  for (const build of BUILDS) {
    it(`${build}: every blob gives the full build's bytes`, async () => {
      for (const [label, blob] of blobs) await expectSameBytes(label, blob, build, modules.get(build)!);
      const full = readFileSync(join(repoRoot, 'build', `mote.${build}.wasm`)).length;
      console.log(`[mote] per-model ${build} runtime for the generated graphs: ${readFileSync(files.get(build)!).length} B (full build ${full} B)`);
      expect(readFileSync(files.get(build)!).length).toBeLessThan(full);
    });

    it(`${build}: what the build lacks fails at load with ERR_NOT_BUILT naming it`, async () => {
      const m = modules.get(build)!;
      // An op none of the blobs has.
      const div = oneOpGraph('div', [{ dtype: 'f32', shape: [4] }, { dtype: 'f32', shape: [4] }], { dtype: 'f32' }, {});
      await expectNotBuilt(plainBlob(div), build, m, /^mote: cannot load blob \(ERR_NOT_BUILT\): op 0 \(div\): the op is not in this runtime/);
      // The same int8 model with packed weights: the packed kernel was not needed.
      const packed = emitBlob(int8Model(), planMemory(int8Model()));
      const firstPacked = readBlob(packed).ops.find((o) => o.flags & F.OPF_PACKED_W16)!;
      await expectNotBuilt(packed, build, m, new RegExp(`op ${firstPacked.index} \\(${firstPacked.opName}\\): its packed-weights \\(OPF_PACKED_W16\\) kernel is not in this runtime`));
      // Compact requantization tables need decoders the plain blobs did not.
      const compact = emitBlob(int8Model(), planMemory(int8Model()), {}, { compactTables: true, packWeights: false });
      const cv = readBlob(compact);
      const encId = cv.tensors.find((t) => t.storage === F.STORAGE_ENCODED)!.id;
      await expectNotBuilt(compact, build, m, new RegExp(`tensor ${encId}: the decoder for encoding \\d+ \\((packed|requant)\\) is not in this runtime`));
      // An op of the high mask (opcode >= 31) none of the blobs has.
      // (Its name is not linked either: features.ts highOpName is only in builds with such an op.)
      await expectNotBuilt(plainBlob(resizeGraph('bilinear', 'f32')), build, m, /^mote: cannot load blob \(ERR_NOT_BUILT\): op 0 \(unknown\): the op is not in this runtime/);
      // And the runtime still works after a refused load: a fresh instance loads a blob it has.
      await expectSameBytes('int8 after refusals', blobs[0][1], build, m, [3]);
    });
  }

  it('mote run --wasm runs a blob on the per-model module: the same output file as on the full build', async () => {
    const { runCommand } = await import('../host/cli/run.js');
    const { writeNpy } = await import('../host/npy.js');
    const model = join(tmp, 'float.mote');
    const x = join(tmp, 'x.npy');
    writeFileSync(x, writeNpy(randF32(rng(9), 2 * 6 * 6 * 3, 2), [2, 1, 6, 6, 3]));
    const err = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      for (const build of BUILDS) {
        for (const d of ['full', 'mine']) mkdirSync(join(tmp, `${d}.${build}`));
        await runCommand(model, { build, input: [`image=${x}`], output: join(tmp, `full.${build}`), raw: true });
        await runCommand(model, { build, input: [`image=${x}`], output: join(tmp, `mine.${build}`), raw: true, wasm: files.get(build)! });
        for (const name of ['probs', 'cat']) {
          expect(readFileSync(join(tmp, `mine.${build}`, `${name}.npy`)).equals(readFileSync(join(tmp, `full.${build}`, `${name}.npy`))), `${build} ${name}`).toBe(true);
        }
      }
    } finally {
      process.stderr.write = err;
    }
  });

  it('mote inspect --target --wasm: the RAM budget counts the per-model module, smaller than the full one', async () => {
    const { inspectCommand } = await import('../host/cli/inspect.js');
    const budget = async (wasm?: string) => {
      const out = process.stdout.write;
      let printed = '';
      process.stdout.write = ((s: string) => ((printed += s), true)) as typeof process.stdout.write;
      try {
        await inspectCommand(join(tmp, 'int8.mote'), { target: 'esp32s3', json: true, wasm });
      } finally {
        process.stdout.write = out;
      }
      return (JSON.parse(printed) as { ramBudget: { steadyBytes: number; wamr: { moduleCopyBytes: number } } }).ramBudget;
    };
    const mine = await budget(files.get('scalar')!), full = await budget();
    expect(mine.wamr.moduleCopyBytes).toBe(readFileSync(files.get('scalar')!).length);
    expect(full.wamr.moduleCopyBytes).toBe(readFileSync(join(repoRoot, 'build', 'mote.scalar.wasm')).length);
    expect(mine.steadyBytes).toBeLessThan(full.steadyBytes);
  });

  // Damage aimed at what a per-model build checks: opcodes, input dtypes and op flags rewritten
  // (CRC recomputed so the checks see them), plus random structural flips. Every blob must be
  // refused with a typed code or load and run without a trap.
  for (const build of BUILDS) {
    it(`${build}: never traps on damaged blobs; opcode, dtype and flag changes meet ERR_NOT_BUILT`, async () => {
      const m = modules.get(build)!;
      const r = rng(build === 'simd' ? 0x5b5e : 0x5ca5);
      const codes = new Map<number, number>();
      const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
      for (let i = 0; i < 300; i++) {
        const base = blobs[i % 2][1];
        const b = new Uint8Array(base);
        const d = dv(b);
        const ops = d.getUint32(F.H_OP_TABLE_OFFSET, true), nOps = d.getUint32(F.H_OP_COUNT, true);
        const tensors = d.getUint32(F.H_TENSOR_TABLE_OFFSET, true), nT = d.getUint32(F.H_TENSOR_COUNT, true);
        const kind = i % 4;
        const op = ops + Math.floor(r() * nOps) * F.OP_RECORD_SIZE;
        if (kind === 0) d.setUint16(op + F.O_OPCODE, 1 + Math.floor(r() * (F.OPCODE_COUNT - 1)), true);
        else if (kind === 1) b[tensors + Math.floor(r() * nT) * F.TENSOR_RECORD_SIZE + F.T_DTYPE] = 1 + Math.floor(r() * (F.DTYPE_COUNT - 1));
        else if (kind === 2) d.setUint16(op + F.O_FLAGS, d.getUint16(op + F.O_FLAGS, true) | F.OPF_PACKED_W16, true);
        else for (let k = 1 + Math.floor(r() * 3); k > 0; k--) b[F.CRC_START + Math.floor(r() * (d.getUint32(F.H_WEIGHTS_OFFSET, true) - F.CRC_START))] ^= 1 << Math.floor(r() * 8);
        d.setUint32(F.H_CRC32, crc32(b, F.CRC_START, b.length), true);
        const rt = await instance(build, m);
        let code = 0;
        try {
          const model = rt.load(b);
          const feeds = model.inputs.map((t) => {
            const n = t.shape.reduce((x, y) => x * y, 1);
            return n > 1 << 20 ? undefined : t.dtype === 's8' ? randS8(r, n) : t.dtype === 'f32' ? randF32(r, n) : undefined;
          });
          if (feeds.every((f) => f)) model.run(feeds as MoteTypedArray[]);
        } catch (e) {
          if (!(e instanceof MoteError)) throw e;
          code = e.code;
          expect(code, e.message).toBeGreaterThanOrEqual(F.ERR_TOO_SMALL);
          expect(code, e.message).toBeLessThanOrEqual(F.ERR_NOT_BUILT);
        }
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
      expect(codes.get(F.ERR_NOT_BUILT) ?? 0, 'some damage needs what the build left out').toBeGreaterThan(10);
    });
  }

  it('scalar: the per-model build is MVP wasm, imports nothing and exports the full ABI', async () => {
    const bytes = readFileSync(files.get('scalar')!);
    const mod = binaryen.readBinary(bytes);
    mod.setFeatures(binaryen.Features.All);
    expect(mod.emitText()).not.toMatch(/v128|i8x16|i16x8|i32x4|f32x4/);
    mod.setFeatures(binaryen.Features.MVP);
    expect(mod.validate()).toBeTruthy();
    mod.dispose();
    const m = modules.get('scalar')!;
    expect(WebAssembly.Module.imports(m)).toEqual([]);
    const full = await wasmModule('scalar');
    expect(WebAssembly.Module.exports(m).map((e) => e.name).sort()).toEqual(WebAssembly.Module.exports(full).map((e) => e.name).sort());
  });
});

// The opcodes from RF.OPS_LOW_BITS on live in the second mask, MOTE_OPS_HIGH: maximum (30) is the
// last opcode of the first mask, minimum (31) the first of the second. A build for each runs its
// op (s8 and f32) as the full build does and refuses the other one.
describe('per-model builds across the two opcode masks (maximum 30, minimum 31 .. reduce_min 35)', () => {
  const quant = { scale: 0.05, zeroPoint: 3 };
  const blobOfOp = (op: 'maximum' | 'minimum') => [
    plainBlob(oneOpGraph(op, [{ dtype: 'f32', shape: [3, 4] }, { dtype: 'f32', shape: [4] }], { dtype: 'f32' }, {})),
    plainBlob(oneOpGraph(op, [{ dtype: 's8', shape: [3, 4], quant }, { dtype: 's8', shape: [3, 1], quant }], { dtype: 's8', quant }, {})),
  ];
  const blobs = { maximum: blobOfOp('maximum'), minimum: blobOfOp('minimum') };
  const built = new Map<string, WebAssembly.Module>();
  beforeAll(async () => {
    expect(F.OP_MAXIMUM).toBe(RF.OPS_LOW_BITS - 1);
    expect(F.OP_MINIMUM).toBe(RF.OPS_LOW_BITS);
    for (const op of ['maximum', 'minimum'] as const) {
      const f = unionFeatures(blobs[op].map((b) => blobFeatures(readBlob(b))));
      expect([f.ops, f.opsHigh], op).toEqual(op === 'maximum' ? [2 ** F.OP_MAXIMUM, 0] : [0, 1]);
      for (const build of BUILDS) built.set(`${op}.${build}`, await WebAssembly.compile((await buildRuntimeFor(f, { build })) as BufferSource));
    }
  }, 4 * COMPILE_MS);

  // One op of each of the other two pairs (arg_min 33, reduce_max 34): each pair's kernel is
  // linked for the one op built (its max / min choice folds to a constant).
  const s8 = { dtype: 's8' as const, shape: [2, 3, 4], quant };
  const f32 = { dtype: 'f32' as const, shape: [2, 3, 4] };
  const pairBlobs = (arg: 'arg_max' | 'arg_min', reduce: 'reduce_max' | 'reduce_min') => [
    plainBlob(oneOpGraph(arg, [f32], { dtype: 's32' }, { axis: 1, selectLastIndex: false })),
    plainBlob(oneOpGraph(arg, [s8], { dtype: 's32' }, { axis: 2, selectLastIndex: true })),
    plainBlob(oneOpGraph(reduce, [f32], { dtype: 'f32' }, { axes: [0, 2] })),
    plainBlob(oneOpGraph(reduce, [s8], { dtype: 's8', quant }, { axes: [1] })),
  ];
  const mixed = pairBlobs('arg_min', 'reduce_max');
  const others = pairBlobs('arg_max', 'reduce_min');
  beforeAll(async () => {
    const f = unionFeatures(mixed.map((b) => blobFeatures(readBlob(b))));
    expect([f.ops, f.opsHigh]).toEqual([0, 2 ** (F.OP_ARG_MIN - RF.OPS_LOW_BITS) + 2 ** (F.OP_REDUCE_MAX - RF.OPS_LOW_BITS)]);
    for (const build of BUILDS) built.set(`mixed.${build}`, await WebAssembly.compile((await buildRuntimeFor(f, { build })) as BufferSource));
  }, 2 * COMPILE_MS);

  for (const build of BUILDS) {
    it(`${build}: each build runs its op as the full build does and refuses the other with ERR_NOT_BUILT`, async () => {
      for (const [op, other] of [['maximum', 'minimum'], ['minimum', 'maximum']] as const) {
        const m = built.get(`${op}.${build}`)!;
        for (const b of blobs[op]) await expectSameBytes(op, b, build, m);
        await expectNotBuilt(blobs[other][0], build, m, new RegExp(`op 0 \\(${other}\\): the op is not in this runtime`));
      }
    });

    it(`${build}: an arg_min + reduce_max build runs both as the full build does and refuses arg_max and reduce_min`, async () => {
      const m = built.get(`mixed.${build}`)!;
      for (const b of mixed) await expectSameBytes('arg_min / reduce_max', b, build, m);
      await expectNotBuilt(others[0], build, m, /op 0 \(arg_max\): the op is not in this runtime/);
      await expectNotBuilt(others[2], build, m, /op 0 \(reduce_min\): the op is not in this runtime/);
    });
  }
});

describe.skipIf(!haveShared)('per-model builds of the shared models (needs ../shared)', () => {
  noticeIfNoShared('per-model runtime builds of the MLPerf Tiny / person_detect / mnist-8 models');
  // [id, model, tflm_refs folder or '']
  const models: [string, string, string][] = [
    ['kws', 'mlperf_tiny/kws/kws_ref_model.tflite', 'kws_int8'],
    ['vww', 'mlperf_tiny/vww/vww_96_int8.tflite', 'vww_int8'],
    ['ic', 'mlperf_tiny/ic/pretrainedResnet_quant.tflite', 'ic_int8'],
    ['ad', 'mlperf_tiny/ad/ad01_int8.tflite', 'ad_int8'],
    ['person_detect', 'tflm/person_detection/person_detect.tflite', 'person_detect_int8'],
  ];
  const blobs = new Map<string, Uint8Array>();
  const refs = new Map<string, string>();
  // kws: its own derived build. The others: one build for their union, with every optional
  // kernel left out, so their depthwise and small-K layers run the general fallbacks.
  const kwsBuild = new Map<MoteBuild, WebAssembly.Module>();
  const restBuild = new Map<MoteBuild, WebAssembly.Module>();
  let rest: RuntimeFeatures;
  beforeAll(async () => {
    for (const [id, file, ref] of models) {
      blobs.set(id, convert(new Uint8Array(readFileSync(sharedPath(file))), file, { precision: 'int8' }).blob);
      refs.set(id, ref);
    }
    const images = readIdx(readFileSync(sharedPath('datasets/mnist/t10k-images-idx3-ubyte.gz')), 't10k-images');
    const calibration = Array.from({ length: 20 }, (_, i) => [Float32Array.from(images.data.subarray(i * 784, (i + 1) * 784))]);
    blobs.set('mnist8', convert(new Uint8Array(readFileSync(sharedPath('onnx_mnist8/model.onnx'))), 'mnist-8.onnx', { precision: 'int8', calibration }).blob);
    const kws = blobFeatures(readBlob(blobs.get('kws')!));
    const union = unionFeatures([...blobs].filter(([id]) => id !== 'kws').map(([, b]) => blobFeatures(readBlob(b))));
    rest = withoutOptionalKernels(union);
    expect(OPTIONAL_KERNELS.some((k) => has(union.kernels, k)), 'the models use optional kernels the rest build leaves out').toBe(true);
    for (const build of BUILDS) {
      const k = await buildRuntimeFor(kws, { build });
      const r = await buildRuntimeFor(rest, { build });
      console.log(`[mote] per-model ${build}: kws ${k.length} B; vww+ic+ad+person_detect+mnist8 without optional kernels ${r.length} B`);
      kwsBuild.set(build, await WebAssembly.compile(k as BufferSource));
      restBuild.set(build, await WebAssembly.compile(r as BufferSource));
    }
  }, 4 * COMPILE_MS + 120_000);

  /** The model's TFLM reference outputs (first two samples) on module `m`, when it has references. */
  async function expectTflm(id: string, build: MoteBuild, m: WebAssembly.Module): Promise<void> {
    const ref = refs.get(id);
    if (!ref) return;
    const ins = readNpy(readFileSync(sharedPath(`tflm_refs/${ref}/inputs.npy`)));
    const outs = readNpy(readFileSync(sharedPath(`tflm_refs/${ref}/outputs.npy`)));
    const inSize = ins.data.length / ins.shape[0], outSize = outs.data.length / outs.shape[0];
    const model = (await instance(build, m)).load(blobs.get(id)!);
    for (let s = 0; s < Math.min(2, ins.shape[0]); s++) {
      const x = (ins.data as Int8Array).slice(s * inSize, (s + 1) * inSize);
      const [y] = model.run([x]);
      expect(Array.from(y as Int8Array), `${id} sample ${s} on the per-model ${build} build vs TFLM`).toEqual(Array.from((outs.data as Int8Array).subarray(s * outSize, (s + 1) * outSize)));
    }
  }

  // The SIMD switches of the largest per-model builds, each on the model's own derived build.
  it('simd: vww and person_detect on their own builds give the full build\'s bytes and TFLM\'s', async () => {
    for (const id of ['vww', 'person_detect']) {
      const f = blobFeatures(readBlob(blobs.get(id)!));
      // Every depthwise layer is ReLU / ReLU6 with output zero point -128: only the ReLU f32 form links.
      expect(has(f.kernels, RF.KERNEL_DW_F32_RELU), `${id}: dw-f32-relu`).toBe(true);
      expect(has(f.kernels, RF.KERNEL_DW_F32_CLAMP), `${id}: dw-f32-clamp`).toBe(false);
      // Every conv is ReLU / ReLU6 (the one-row last FC never takes the 2-row store): only the ReLU
      // conv f32 store links.
      expect(has(f.kernels, RF.KERNEL_CONV_F32_RELU), `${id}: conv-f32-relu`).toBe(true);
      expect(has(f.kernels, RF.KERNEL_CONV_F32), `${id}: conv-f32`).toBe(false);
      // Their plain-weights convs are all 1x1 GEMM rows: no spatial plain-conv paths.
      expect(has(f.kernels, RF.KERNEL_S8_PLAIN), `${id}: s8-plain`).toBe(true);
      expect(has(f.kernels, RF.KERNEL_S8_PLAIN_CONV), `${id}: s8-plain-conv`).toBe(false);
      // The pair / C = 1 kernels run every depthwise layer whole: no general depthwise.
      expect(has(f.kernels, RF.KERNEL_DW_GENERAL), `${id}: dw-general`).toBe(false);
      // Their packed 1x1 convs (16-channel groups) take the column sweep; a build past its size
      // budget would drop it (host/runtime-build.ts).
      expect(has(f.kernels, RF.KERNEL_CONV1X1_COLS), `${id}: conv1x1-cols`).toBe(true);
      const wasm = await buildRuntimeFor(f, { build: 'simd' });
      console.log(`[mote] per-model simd ${id}: ${wasm.length} B`);
      expect(wasm.length, `${id}: per-model simd build within its budget`).toBeLessThanOrEqual(RUNTIME_BUDGET.simd);
      const m = await WebAssembly.compile(wasm as BufferSource);
      await expectSameBytes(id, blobs.get(id)!, 'simd', m, [1, 2]);
      await expectTflm(id, 'simd', m);
      // person_detect's packed convs are all 1x1 GEMM rows; kws's first conv (10x4) is not.
      expect(has(f.kernels, RF.KERNEL_PACKED_SPATIAL), `${id}: packed-spatial`).toBe(id === 'vww');
      if (id === 'person_detect') {
        await expectNotBuilt(blobs.get('kws')!, 'simd', m, /op 0 \(conv2d\): its packed-weights kernel for a conv other than 1x1 stride-1 unpadded rows is not in this runtime/);
      }
      // Every depthwise layer runs as row sweeps: no per-pixel pair path. One layer dilated (pads
      // 2, dilation 2: same shape) needs it, and this build, without it or the general depthwise,
      // refuses that op at load.
      expect(has(f.kernels, RF.KERNEL_DW_PIXELS), `${id}: dw-pixels`).toBe(false);
      if (id === 'vww') {
        const g = importTflite(readFileSync(sharedPath(models[1][1])), models[1][1]);
        prepareInt8(g);
        const node = g.nodes.find((n) => n.op === 'depthwise_conv2d' && (n.attrs as { strides: number[] }).strides[0] === 1)!;
        Object.assign(node.attrs as object, { dilations: [2, 2], pads: [2, 2, 2, 2] });
        const dilated = emitBlob(g, planMemory(g));
        expect(has(blobFeatures(readBlob(dilated)).kernels, RF.KERNEL_DW_PIXELS)).toBe(true);
        const dw = readBlob(dilated).ops.find((o) => o.opcode === F.OP_DEPTHWISE_CONV2D && o.params[2] === 2)!;
        await expectNotBuilt(dilated, 'simd', m, new RegExp(`op ${dw.index} \\(depthwise_conv2d\\): the general int8 depthwise kernel \\(for channels the pair kernels do not run\\) is not in this runtime`));
      }
      if (id !== 'vww') continue;
      // vww planned without kernel scratch (as older converters did): the pair kernel gets no
      // buffers, so its depthwise layers need the general kernel.
      const gv = importTflite(readFileSync(sharedPath(models[1][1])), models[1][1]);
      prepareInt8(gv);
      const noScratch = emitBlob(gv, planMemory(gv, { scratchBytes: () => 0 }));
      expect(has(blobFeatures(readBlob(noScratch)).kernels, RF.KERNEL_DW_GENERAL)).toBe(true);
      const dw = readBlob(noScratch).ops.find((o) => o.opcode === F.OP_DEPTHWISE_CONV2D)!;
      await expectNotBuilt(noScratch, 'simd', m, new RegExp(`op ${dw.index} \\(depthwise_conv2d\\): the general int8 depthwise kernel \\(for channels the pair kernels do not run\\) is not in this runtime`));
      // kws has vww's ops; with plain weights its first conv (10x4, stride 2) needs the spatial path.
      const g = importTflite(readFileSync(sharedPath(models[0][1])), models[0][1]);
      prepareInt8(g);
      await expectNotBuilt(plainBlob(g), 'simd', m, /op 0 \(conv2d\): its int8 kernel for plain \(unpacked\) weights of a conv other than 1x1 stride-1 unpadded rows is not in this runtime/);
    }
  }, 2 * COMPILE_MS);

  it('fc-row: kept for ad (one-row layers of 128 and 640 channels), not for the 2-12-channel last layers of kws, vww, ic', () => {
    for (const [id, blob] of blobs) {
      expect(has(blobFeatures(readBlob(blob)).kernels, RF.KERNEL_FC_ROW), `${id}: fc-row`).toBe(id === 'ad');
    }
  });

  it('dw-cols: kept for kws (25 x 5 depthwise layers), not for the square images of vww, ic', () => {
    for (const [id, blob] of blobs) {
      expect(has(blobFeatures(readBlob(blob)).kernels, RF.KERNEL_DW_COLS), `${id}: dw-cols`).toBe(id === 'kws');
    }
  });

  for (const build of BUILDS) {
    it(`${build}: each model gives the full build's bytes and, where TFLM references exist, TFLM's`, async () => {
      for (const [id, blob] of blobs) {
        const m = id === 'kws' ? kwsBuild.get(build)! : restBuild.get(build)!;
        await expectSameBytes(id, blob, build, m, [1]);
        await expectTflm(id, build, m);
      }
    });

    it(`${build}: the kws build refuses what kws does not use`, async () => {
      const m = kwsBuild.get(build)!;
      await expectNotBuilt(plainBlob(floatModel()), build, m, /op 0 \(conv2d\): its f32 form is not in this runtime/);
      // kws packs every conv and fully_connected: its build has no plain-weights int8 kernels.
      const g = importTflite(readFileSync(sharedPath(models[0][1])), models[0][1]);
      prepareInt8(g);
      await expectNotBuilt(plainBlob(g), build, m, /op 0 \(conv2d\): its int8 kernel for plain \(unpacked\) weights is not in this runtime/);
      const int8 = plainBlob(int8Model());
      const kwsOps = new Set(describeFeatures(blobFeatures(readBlob(blobs.get('kws')!))).ops);
      const first = readBlob(int8).ops.find((o) => !kwsOps.has(o.opName))!;
      await expectNotBuilt(int8, build, m, new RegExp(`op ${first.index} \\(${first.opName}\\): the op is not in this runtime`));
    });
  }
});

describe('session-5 SIMD per-model switches on the generated int8 graph', () => {
  it('simd: a clamped depthwise and a ReLU conv on a build with only the other f32 forms take the exact stores: the full build\'s bytes', async () => {
    const blob = plainBlob(int8Model());
    const f = blobFeatures(readBlob(blob));
    // The generated depthwise has output zero point 5: the clamped form; its first conv is 3x3.
    expect(has(f.kernels, RF.KERNEL_DW_F32_CLAMP)).toBe(true);
    expect(has(f.kernels, RF.KERNEL_S8_PLAIN_CONV)).toBe(true);
    expect(has(f.kernels, RF.KERNEL_DW_F32_RELU)).toBe(false);
    // Its conv has a fused ReLU (lower clamp = its output zero point): the ReLU conv f32 store.
    expect(has(f.kernels, RF.KERNEL_CONV_F32_RELU)).toBe(true);
    expect(has(f.kernels, RF.KERNEL_CONV_F32)).toBe(false);
    const swapped = { ...f, kernels: f.kernels - 2 ** RF.KERNEL_DW_F32_CLAMP + 2 ** RF.KERNEL_DW_F32_RELU - 2 ** RF.KERNEL_CONV_F32_RELU + 2 ** RF.KERNEL_CONV_F32 };
    const m = await WebAssembly.compile((await buildRuntimeFor(swapped, { build: 'simd' })) as BufferSource);
    await expectSameBytes('int8 without dw-f32-clamp', blob, 'simd', m, [1, 2, 3]);
  }, COMPILE_MS);
});

// unary (38, the high mask): a build for a few of its functions runs every function as the full
// build does (the op is guarded as a whole) and refuses maximum.
describe('per-model build of unary (opcode 38)', () => {
  const fns = ['exp', 'log', 'erf', 'gelu', 'sin', 'cos', 'round', 'mish'] as const;
  const blobs = fns.map((fn) => plainBlob(oneOpGraph('unary', [{ dtype: 'f32', shape: [3, 5] }], { dtype: 'f32' }, { fn })));
  const other = plainBlob(oneOpGraph('maximum', [{ dtype: 'f32', shape: [4] }, { dtype: 'f32', shape: [4] }], { dtype: 'f32' }, {}));
  const built = new Map<string, WebAssembly.Module>();
  beforeAll(async () => {
    const f = blobFeatures(readBlob(blobs[0]));
    expect([f.ops, f.opsHigh]).toEqual([0, 2 ** (F.OP_UNARY - RF.OPS_LOW_BITS)]);
    for (const build of BUILDS) built.set(build, await WebAssembly.compile((await buildRuntimeFor(f, { build })) as BufferSource));
  }, 2 * COMPILE_MS);

  for (const build of BUILDS) {
    it(`${build}: runs every function as the full build does, refuses maximum with ERR_NOT_BUILT`, async () => {
      const m = built.get(build)!;
      for (const [i, b] of blobs.entries()) await expectSameBytes(`unary ${fns[i]}`, b, build, m);
      await expectNotBuilt(other, build, m, /op 0 \(maximum\): the op is not in this runtime/);
    });
  }
});

// reduce_sum (39): a build for its f32 and s8 forms runs both as the full build does and refuses
// unary (38, the neighbouring bit of the high mask).
describe('per-model build of reduce_sum (opcode 39)', () => {
  const q = { scale: 0.05, zeroPoint: -3 };
  const blobs = [
    plainBlob(oneOpGraph('reduce_sum', [{ dtype: 'f32', shape: [2, 3, 4] }], { dtype: 'f32' }, { axes: [1, 2] })),
    plainBlob(oneOpGraph('reduce_sum', [{ dtype: 's8', shape: [2, 3, 4], quant: q }], { dtype: 's8', quant: { scale: 0.2, zeroPoint: 5 } }, { axes: [0, 2] }, { outMult: 1073741824, outShift: -1 })),
  ];
  const other = plainBlob(oneOpGraph('unary', [{ dtype: 'f32', shape: [4] }], { dtype: 'f32' }, { fn: 'exp' }));
  const built = new Map<string, WebAssembly.Module>();
  beforeAll(async () => {
    const f = unionFeatures(blobs.map((b) => blobFeatures(readBlob(b))));
    expect([f.ops, f.opsHigh]).toEqual([0, 2 ** (F.OP_REDUCE_SUM - RF.OPS_LOW_BITS)]);
    for (const build of BUILDS) built.set(build, await WebAssembly.compile((await buildRuntimeFor(f, { build })) as BufferSource));
  }, 2 * COMPILE_MS);

  for (const build of BUILDS) {
    it(`${build}: runs f32 and s8 as the full build does, refuses unary with ERR_NOT_BUILT`, async () => {
      const m = built.get(build)!;
      for (const [i, b] of blobs.entries()) await expectSameBytes(`reduce_sum ${i ? 's8' : 'f32'}`, b, build, m);
      await expectNotBuilt(other, build, m, /op 0 \(unary\): the op is not in this runtime/);
    });
  }
});

// log_softmax (37): a build for it runs its s8 form as the full build does and refuses reduce_sum
// (39, another bit of the high mask).
describe('per-model build of log_softmax (opcode 37)', () => {
  const blob = plainBlob(oneOpGraph('log_softmax', [{ dtype: 's8', shape: [3, 7], quant: { scale: 0.07, zeroPoint: -4 } }],
    { dtype: 's8', quant: { scale: F.LOG_SOFTMAX_OUTPUT_SCALE, zeroPoint: F.LOG_SOFTMAX_OUTPUT_ZERO_POINT } }, {}, logSoftmaxParams(0.07)));
  const other = plainBlob(oneOpGraph('reduce_sum', [{ dtype: 'f32', shape: [2, 3] }], { dtype: 'f32' }, { axes: [1] }));
  let built: Map<string, WebAssembly.Module>;
  beforeAll(async () => {
    const f = blobFeatures(readBlob(blob));
    expect([f.ops, f.opsHigh]).toEqual([0, 2 ** (F.OP_LOG_SOFTMAX - RF.OPS_LOW_BITS)]);
    built = new Map();
    for (const build of BUILDS) built.set(build, await WebAssembly.compile((await buildRuntimeFor(f, { build })) as BufferSource));
  }, 2 * COMPILE_MS);

  for (const build of BUILDS) {
    it(`${build}: runs s8 as the full build does, refuses reduce_sum with ERR_NOT_BUILT`, async () => {
      const m = built.get(build)!;
      await expectSameBytes('log_softmax s8', blob, build, m);
      await expectNotBuilt(other, build, m, /op 0 \(reduce_sum\): the op is not in this runtime/);
    });
  }
});

// compare, logical, select (40-42): a build for a masked blend (s8 and f32 comparisons, logic on
// bools, select of f32 and s8 values) runs it as the full build does and refuses reduce_sum (39).
describe('per-model build of compare, logical and select (opcodes 40-42)', () => {
  const q = { scale: 0.05, zeroPoint: -3 };
  const blobs = [
    plainBlob(oneOpGraph('compare', [{ dtype: 'f32', shape: [2, 3] }, { dtype: 'f32', shape: [3] }], { dtype: 'bool' }, { fn: 'less_equal' })),
    plainBlob(oneOpGraph('compare', [{ dtype: 's8', shape: [2, 3], quant: q }, { dtype: 's8', shape: [2, 1], quant: { scale: 0.02, zeroPoint: 7 } }], { dtype: 'bool' }, { fn: 'greater' }, compareParams(0.05, 0.02))),
    plainBlob(oneOpGraph('logical', [{ dtype: 'bool', shape: [2, 3] }, { dtype: 'bool', shape: [3] }], { dtype: 'bool' }, { fn: 'xor' })),
    plainBlob(oneOpGraph('logical', [{ dtype: 'bool', shape: [4] }], { dtype: 'bool' }, { fn: 'not' })),
    plainBlob(oneOpGraph('select', [{ dtype: 'bool', shape: [2, 1] }, { dtype: 'f32', shape: [3] }, { dtype: 'f32', shape: [2, 3] }], { dtype: 'f32' }, {})),
    plainBlob(oneOpGraph('select', [{ dtype: 'bool', shape: [3] }, { dtype: 's8', shape: [2, 3], quant: q }, { dtype: 's8', shape: [1], quant: q }], { dtype: 's8', quant: q }, {})),
  ];
  const other = plainBlob(oneOpGraph('reduce_sum', [{ dtype: 'f32', shape: [2, 3] }], { dtype: 'f32' }, { axes: [1] }));
  const built = new Map<string, WebAssembly.Module>();
  beforeAll(async () => {
    const f = unionFeatures(blobs.map((b) => blobFeatures(readBlob(b))));
    expect([f.ops, f.opsHigh]).toEqual([0, 7 * 2 ** (F.OP_COMPARE - RF.OPS_LOW_BITS)]);
    for (const build of BUILDS) built.set(build, await WebAssembly.compile((await buildRuntimeFor(f, { build })) as BufferSource));
  }, 2 * COMPILE_MS);

  for (const build of BUILDS) {
    it(`${build}: runs every form as the full build does, refuses reduce_sum with ERR_NOT_BUILT`, async () => {
      const m = built.get(build)!;
      for (const [i, b] of blobs.entries()) await expectSameBytes(`blob ${i}`, b, build, m);
      await expectNotBuilt(other, build, m, /op 0 \(reduce_sum\): the op is not in this runtime/);
    });
  }
});
