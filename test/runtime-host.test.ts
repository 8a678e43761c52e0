// The JavaScript host (host/runtime.ts): creation from the package's build files, tensor info from
// the blob metadata, input checking with the input named, run vs runInto, and whole multi-op models
// (f32 and int8) on both builds against the reference interpreter.
import { describe, expect, it, beforeAll } from 'vitest';
import * as F from '../format/format.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { MoteError, MoteRuntime, errorName, type MoteTypedArray } from '../host/runtime.js';
import { BUILDS, blobOf, ensureWasmBuilt, freshRuntime, randF32, randS8, rng } from './runtime-harness.js';
import { elementwiseModel, floatModel, int8Model } from './runtime-models.js';
import { readBlob } from '../host/blob-reader.js';
import { crc32 } from '../converter/emit/index.js';
import type { Graph } from '../converter/ir/graph.js';

beforeAll(async () => {
  await ensureWasmBuilt();
}, 120_000);

function feeds(g: Graph, seed: number): MoteTypedArray[] {
  const r = rng(seed);
  return g.inputs.map((n) => {
    const t = g.tensor(n);
    const k = t.shape.reduce((a, b) => a * b, 1);
    return t.dtype === 's8' ? randS8(r, k) : randF32(r, k, 2);
  });
}

describe('host/runtime.ts', () => {
  it('MoteRuntime.create reads build/mote.<build>.wasm in Node', async () => {
    for (const build of BUILDS) {
      const rt = await MoteRuntime.create(build);
      expect(rt.build).toBe(build);
      expect(rt.exports.mote_has_simd()).toBe(build === 'simd' ? 1 : 0);
    }
    await expect(MoteRuntime.create('wide' as never)).rejects.toThrow(/unknown build 'wide'/);
  });

  it('model.inputs / outputs come from the blob: names, dtypes, shapes, quantization', async () => {
    const g = int8Model();
    const model = (await freshRuntime('simd')).load(blobOf(g));
    expect(model.inputs.map((t) => t.name)).toEqual(g.inputs);
    expect(model.outputs.map((t) => t.name)).toEqual(g.outputs);
    for (const [info, name] of [...model.inputs.map((t, i) => [t, g.inputs[i]] as const), ...model.outputs.map((t, i) => [t, g.outputs[i]] as const)]) {
      const t = g.tensor(name);
      expect(info.dtype).toBe(t.dtype);
      expect(info.shape).toEqual(t.shape);
      expect(info.scale).toBeCloseTo(t.quant?.scale[0] ?? 0, 6);
      expect(info.zeroPoint).toBe(t.quant?.zeroPoint[0] ?? 0);
    }
    expect(model.meta.sourceName).toBe('int8-test');
  });

  it('checks inputs and names the offending one', async () => {
    const g = int8Model();
    const model = (await freshRuntime('scalar')).load(blobOf(g));
    const ok = feeds(g, 1);
    expect(() => model.run([ok[0]])).toThrow(/takes 2 input\(s\) \(x, skip\), got 1/);
    expect(() => model.run([ok[0], new Float32Array(ok[1].length)])).toThrow(/input 1 \('skip'\) must be Int8Array\(225\) for shape \[1,5,5,9\] s8, got Float32Array\(225\)/);
    expect(() => model.run([new Float32Array(3), ok[1]])).toThrow(/input 0 \('x'\) must be Float32Array\(100\)/);
  });

  it('profile() runs op by op: same outputs as run(), one timing per schedule step, named', async () => {
    const g = int8Model();
    const blob = blobOf(g);
    const model = (await freshRuntime('simd')).load(blob);
    const x = feeds(g, 9);
    const { outputs, ops } = model.profile(x);
    expect(outputs).toEqual(model.run(x));
    expect(ops.map((o) => o.op)).toEqual(g.nodes.filter((n) => n.op !== 'reshape').map((n) => n.op));
    expect(ops.map((o) => o.name)).toEqual(g.nodes.filter((n) => n.op !== 'reshape').map((n) => n.name));
    expect(ops.every((o) => o.ms >= 0)).toBe(true);
    const ex = (await freshRuntime('scalar')).exports;
    expect(ex.mote_run_op(0)).toBe(F.ERR_NOT_LOADED);
    const rt = await freshRuntime('scalar');
    rt.load(blob);
    expect(rt.exports.mote_run_op(ops.length)).toBe(F.ERR_BAD_INDEX);
    expect(rt.errorMessage()).toMatch(/op \d+ out of range/);
    expect(rt.exports.mote_op_opcode(-1)).toBe(-1);
  });

  it('load errors are MoteError with the runtime code and message', async () => {
    const rt = await freshRuntime('simd');
    const bad = new Uint8Array(200);
    try {
      rt.load(bad);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MoteError);
      expect((e as MoteError).code).toBe(F.ERR_BAD_MAGIC);
      expect((e as MoteError).message).toMatch(/ERR_BAD_MAGIC.*bad magic/);
      // The host copies the header itself: no hint about a header buffer left zero, but the bytes.
      expect((e as MoteError).message).toMatch(/starts with 00 00 00 00/);
      expect((e as MoteError).message).not.toMatch(/mote_header_buffer/);
    }
    expect(errorName(F.ERR_BAD_OP)).toBe('ERR_BAD_OP');
    expect(() => rt.load(blobOf(floatModel()))).toThrow(/took a blob that failed to load; create another runtime/);
  });

  it('the elementwise model really runs ops in place (so the next test covers aliasing)', () => {
    expect(readBlob(blobOf(elementwiseModel())).ops.filter((o) => o.inPlace).length).toBeGreaterThanOrEqual(2);
  });

  for (const [name, make] of [['float', floatModel], ['int8', int8Model], ['elementwise', elementwiseModel]] as const) {
    it(`${name} model: both builds match the reference interpreter; runInto == run`, async () => {
      const g = make();
      const blob = blobOf(g);
      const outs: MoteTypedArray[][] = [];
      for (const build of BUILDS) {
        const model = (await freshRuntime(build)).load(blob);
        for (let s = 0; s < 3; s++) {
          const x = feeds(g, 100 + s);
          const want = runGraph(g, x);
          const got = model.run(x);
          got.forEach((y, i) => {
            const w = want[i];
            expect(y.length).toBe(w.length);
            for (let j = 0; j < w.length; j++) {
              const a = Number(y[j]), b = Number(w[j]);
              if (name === 'int8') expect(a, `${build} output ${i}[${j}]`).toBe(b);
              else expect(Math.abs(a - b), `${build} output ${i}[${j}]`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(b)));
            }
          });
          const into = got.map((y) => new (y.constructor as new (n: number) => MoteTypedArray)(y.length));
          model.runInto(x, into);
          expect(into).toEqual(got);
          if (s === 0) outs.push(got);
        }
      }
      if (name === 'int8') expect(outs[0]).toEqual(outs[1]);
    });
  }
});

describe('MoteLoadOptions.maxMemoryBytes', () => {
  // The cap is checked against what the runtime really grows to: a load without it (prepared
  // state off, so memory grows once, in mote_blob_alloc) gives the exact size.
  it('loads a blob that fits the cap exactly, refuses one page less before any grow, and leaves the runtime free', async () => {
    const g = int8Model();
    const blob = blobOf(g);
    const x = feeds(g, 5);
    for (const build of BUILDS) {
      const free = await freshRuntime(build);
      const want = free.load(blob, { prepare: false }).run(x);
      const placed = free.memoryBytes();

      const tight = await freshRuntime(build);
      const before = tight.memoryBytes();
      let err: unknown;
      try {
        tight.load(blob, { prepare: false, maxMemoryBytes: placed - 1 });
      } catch (e) {
        err = e;
      }
      expect(err, build).toBeInstanceOf(MoteError);
      expect((err as MoteError).code).toBe(F.ERR_ARENA);
      expect((err as Error).message).toMatch(new RegExp(`asks for ${placed} bytes of linear memory .*arena .*more than maxMemoryBytes ${placed - 1}`));
      expect(tight.memoryBytes(), 'nothing grown').toBe(before);
      // The refusal did not take the runtime's one blob: the same blob loads under an exact cap.
      const y = tight.load(blob, { prepare: false, maxMemoryBytes: placed }).run(x);
      expect(Buffer.from(y[0].buffer).equals(Buffer.from(want[0].buffer)), build).toBe(true);
    }
  });

  it('refuses a header that claims a 1.5 GiB arena (CRC intact) without growing memory', async () => {
    const blob = blobOf(int8Model()).slice();
    const dv = new DataView(blob.buffer);
    dv.setUint32(F.H_ARENA_SIZE, 1536 * 1024 * 1024, true);
    dv.setUint32(F.H_CRC32, crc32(blob, F.CRC_START, blob.length), true);
    const rt = await freshRuntime('scalar');
    const before = rt.memoryBytes();
    expect(() => rt.load(blob, { maxMemoryBytes: 16 << 20 })).toThrow(/asks for \d+ bytes of linear memory .*arena 1610612736.*more than maxMemoryBytes 16777216/);
    expect(rt.memoryBytes()).toBe(before);
  });

  it('names a bad cap', async () => {
    const rt = await freshRuntime('simd');
    for (const bad of [-1, 1.5, Number.NaN, '64k' as unknown as number]) {
      expect(() => rt.load(blobOf(int8Model()), { maxMemoryBytes: bad }), String(bad)).toThrow(/maxMemoryBytes must be a whole number of bytes/);
    }
  });
});
