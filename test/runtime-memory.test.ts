// Linear memory at load: the header goes to mote_header_buffer first, mote_blob_alloc grows memory
// at most once (before the blob is copied in), mote_load and mote_run never grow it, and the size
// equals host/targets.ts's prediction. Misuse of the sequence gives typed errors, never a trap.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as F from '../format/format.js';
import type { Graph } from '../converter/ir/graph.js';
import { MoteRuntime, type MoteTypedArray } from '../host/runtime.js';
import { blobMemoryOf, linearMemoryPlan, runtimeLayout, WASM_PAGE } from '../host/targets.js';
import { BUILDS, blobOf, ensureWasmBuilt, freshRuntime, randF32, randS8, repoRoot, rng } from './runtime-harness.js';
import { floatModel, int8Model } from './runtime-models.js';
import { mobileNetLike } from './support/ir-graphs.js';

beforeAll(() => ensureWasmBuilt(), 300_000);

const models: [string, () => Graph][] = [
  ['int8 small', int8Model],
  ['f32 small', floatModel],
  ['int8 MobileNet-like 32x32', () => mobileNetLike(2, { int8: true, size: 32, blocks: 3 })],
  ['f32 MobileNet-like 24x24', () => mobileNetLike(4, { size: 24 })],
  ['f32 MobileNet-like 64x64', () => mobileNetLike(5, { size: 64, blocks: 4 })],
];

function feeds(model: ReturnType<MoteRuntime['load']>, r: () => number): MoteTypedArray[] {
  return model.inputs.map((t) => {
    const n = t.shape.reduce((a, b) => a * b, 1);
    return t.dtype === 's8' ? randS8(r, n) : randF32(r, n);
  });
}

const u32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at, true);
const setU32 = (b: Uint8Array, at: number, v: number) => new DataView(b.buffer, b.byteOffset).setUint32(at, v, true);

describe.each(BUILDS)('linear memory at load on the %s build', (build) => {
  it('one grow at most, in mote_blob_alloc; none in mote_load or mote_run; exactly the predicted pages', async () => {
    const layout = runtimeLayout(readFileSync(join(repoRoot, 'build', `mote.${build}.wasm`)));
    let grewSome = false;
    let grewNone = false;
    for (const [name, make] of models) {
      const blob = blobOf(make());
      const plan = linearMemoryPlan(blobMemoryOf(blob), layout);
      const rt = await freshRuntime(build);
      const ex = rt.exports;
      expect(rt.memoryBytes(), name).toBe(layout.initialPages * WASM_PAGE);
      const initial = ex.memory.buffer;
      new Uint8Array(ex.memory.buffer, ex.mote_header_buffer(), F.HEADER_SIZE).set(blob.subarray(0, F.HEADER_SIZE));
      const ptr = ex.mote_blob_alloc(blob.length);
      expect(ptr, `${name}: ${rt.errorMessage()}`).toBe(plan.blobAt);
      // A grow detaches the old ArrayBuffer: it happened iff the plan says so.
      expect(initial.byteLength === 0, name).toBe(plan.grownPages > 0);
      expect(rt.memoryBytes(), name).toBe(plan.bytes);
      grewSome ||= plan.grownPages > 0;
      grewNone ||= plan.grownPages === 0;
      const afterAlloc = ex.memory.buffer;
      expect(ex.mote_blob_copy_size()).toBe(blob.length);
      new Uint8Array(afterAlloc, ptr, blob.length).set(blob);
      expect(ex.mote_load(), rt.errorMessage()).toBe(F.OK);
      expect(afterAlloc.byteLength, `${name}: mote_load grew memory`).toBe(plan.bytes);
      // The regions lie where the plan says: inputs/outputs in the arena.
      for (let i = 0; i < ex.mote_input_count(); i++) {
        expect(ex.mote_input_ptr(i)).toBeGreaterThanOrEqual(plan.arenaAt);
        expect(ex.mote_input_ptr(i) + ex.mote_input_bytes(i)).toBeLessThanOrEqual(plan.endBytes);
      }
      expect(plan.endBytes).toBeLessThanOrEqual(plan.bytes);
      // Runs through the host wrapper: no growth either.
      const rt2 = await freshRuntime(build);
      const model = rt2.load(blob);
      expect(rt2.memoryBytes()).toBe(plan.bytes);
      const loaded = rt2.exports.memory.buffer;
      const r = rng(3);
      for (let i = 0; i < 5; i++) model.run(feeds(model, r));
      expect(loaded.byteLength, `${name}: mote_run grew memory`).toBe(plan.bytes);
    }
    // The model list covers both cases: fits the initial pages, and needs the one grow.
    expect(grewSome && grewNone).toBe(true);
  });

  it('misuse of the load sequence gives typed errors, never a trap; the instance stays usable', async () => {
    const blob = blobOf(int8Model());
    const rt = await freshRuntime(build);
    const ex = rt.exports;
    const hdr = () => new Uint8Array(ex.memory.buffer, ex.mote_header_buffer(), F.HEADER_SIZE);
    const alloc = (header: Uint8Array, size: number) => {
      hdr().set(header);
      const p = ex.mote_blob_alloc(size);
      return { p, code: ex.mote_last_error(), msg: rt.errorMessage() };
    };
    // mote_blob_alloc before the header was copied.
    let r = { p: ex.mote_blob_alloc(blob.length), code: ex.mote_last_error(), msg: rt.errorMessage() };
    expect(r).toMatchObject({ p: 0, code: F.ERR_BAD_MAGIC });
    expect(r.msg).toMatch(/copy the blob's first 112 bytes there before mote_blob_alloc/);
    const good = blob.slice(0, F.HEADER_SIZE);
    // A size that disagrees with the header's total_size: larger, smaller.
    r = alloc(good, blob.length + 16);
    expect(r).toMatchObject({ p: 0, code: F.ERR_BAD_HEADER });
    expect(r.msg).toMatch(new RegExp(`total_size ${blob.length} does not match the blob size ${blob.length + 16}`));
    r = alloc(good, blob.length - 1);
    expect(r).toMatchObject({ p: 0, code: F.ERR_TOO_SMALL });
    expect(r.msg).toMatch(/truncated/);
    // Region sizes past 2^31, and together past the 4 GiB address space.
    const h = good.slice();
    setU32(h, F.H_ARENA_SIZE, 0x80000000);
    expect(alloc(h, blob.length)).toMatchObject({ p: 0, code: F.ERR_BAD_HEADER });
    setU32(h, F.H_ARENA_SIZE, 0x7fffffff);
    setU32(h, F.H_EXPANDED_SIZE, 0x7fffffff);
    r = alloc(h, blob.length);
    expect(r).toMatchObject({ p: 0, code: F.ERR_ARENA });
    expect(r.msg).toMatch(/cannot grow memory/);
    // Unknown flags, reserved words, a scratch region without streamed weights.
    for (const [at, v, text] of [
      [F.H_FLAGS, 2, /unknown flags 2/],
      [F.H_RESERVED1, 1, /reserved words must be 0/],
      [F.H_WEIGHTS_SCRATCH_SIZE, 64, /must be 0 unless the weights are streamed/],
      [F.H_VERSION, 1, /format version 1 is not supported/],
    ] as const) {
      const b = good.slice();
      setU32(b, at, v);
      r = alloc(b, blob.length);
      expect(r.p).toBe(0);
      expect(r.msg).toMatch(text);
    }
    // None of that reserved anything: memory is the initial pages, and a correct sequence loads.
    expect(ex.memory.buffer.byteLength).toBe(runtimeLayout(readFileSync(join(repoRoot, 'build', `mote.${build}.wasm`))).initialPages * WASM_PAGE);
    const p = alloc(good, blob.length).p;
    expect(p).toBeGreaterThan(0);
    // A blob whose header differs from the one the memory was sized from.
    const other = blob.slice();
    setU32(other, F.H_ARENA_SIZE, u32(blob, F.H_ARENA_SIZE) + 4096);
    new Uint8Array(ex.memory.buffer, p, blob.length).set(other);
    expect(ex.mote_load()).toBe(F.ERR_BAD_HEADER);
    expect(rt.errorMessage()).toMatch(/differs from the one in mote_header_buffer/);
    new Uint8Array(ex.memory.buffer, p, blob.length).set(blob);
    expect(ex.mote_load(), rt.errorMessage()).toBe(F.OK);
    expect(ex.mote_blob_alloc(blob.length)).toBe(0);
    expect(ex.mote_last_error()).toBe(F.ERR_ARENA);
  });

  it('a blob with streamed weights is refused by the default build, naming the stream build', async () => {
    const blob = blobOf(int8Model()).slice(0, F.HEADER_SIZE);
    setU32(blob, F.H_FLAGS, F.FLAG_WEIGHTS_EXTERNAL);
    const rt = await freshRuntime(build);
    const ex = rt.exports;
    new Uint8Array(ex.memory.buffer, ex.mote_header_buffer(), F.HEADER_SIZE).set(blob);
    expect(ex.mote_blob_alloc(u32(blob, F.H_TOTAL_SIZE))).toBe(0);
    expect(ex.mote_last_error()).toBe(F.ERR_BAD_HEADER);
    expect(rt.errorMessage()).toMatch(/stream build of the runtime \(mote\.\*\.stream\.wasm\)/);
  });
});
