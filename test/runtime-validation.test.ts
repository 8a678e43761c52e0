// Load-time validation: corrupt blobs give a typed ERR_* code and a message naming the place, and
// never trap (no out-of-bounds access, no unreachable) — on both builds. A seeded mutation test
// runs >= 2000 damaged blobs per build: random byte flips (caught by the CRC), and structural
// damage with the CRC recomputed so it reaches the deeper checks; blobs that still load are run.
// Also: memory never grows during run().
import { describe, expect, it, beforeAll } from 'vitest';
import * as F from '../format/format.js';
import { OPCODE_NAMES } from '../host/opcodes.js';
import { MoteError, type MoteTypedArray } from '../host/runtime.js';
import type { Graph } from '../converter/ir/graph.js';
import { BUILDS, blobOf, ensureWasmBuilt, freshRuntime, randF32, randInt, randS8, repoRoot, rng, u32, setU32, fixCrc } from './runtime-harness.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { blobMemoryOf, linearMemoryPlan, runtimeLayout } from '../host/targets.js';
import { floatModel, int8Model } from './runtime-models.js';

beforeAll(async () => {
  await ensureWasmBuilt();
}, 120_000);


function feedsFor(g: Graph, r: () => number): MoteTypedArray[] {
  return g.inputs.map((n) => {
    const t = g.tensor(n);
    const k = t.shape.reduce((a, b) => a * b, 1);
    return t.dtype === 's8' ? randS8(r, k) : randF32(r, k);
  });
}

/** Loads (and if it loads, runs) a blob; returns the error code, 0 on success. Rethrows traps. */
async function tryBlob(build: 'simd' | 'scalar', blob: Uint8Array, r: () => number): Promise<{ code: number; message: string }> {
  const rt = await freshRuntime(build);
  let model;
  try {
    model = rt.load(blob);
  } catch (e) {
    if (e instanceof MoteError) return { code: e.code, message: e.message };
    throw e;
  }
  // A damaged blob that still validates must run without trapping and without growing memory.
  const feeds = model.inputs.map((t) => {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n > 1 << 20) return undefined;
    return t.dtype === 's8' ? randS8(r, n) : t.dtype === 'f32' ? randF32(r, n) : undefined;
  });
  if (feeds.every((f) => f)) {
    const before = rt.memoryBytes();
    model.run(feeds as MoteTypedArray[]);
    expect(rt.memoryBytes()).toBe(before);
  }
  return { code: 0, message: '' };
}

const models = { float: floatModel(), int8: int8Model() };
const blobs = { float: blobOf(models.float), int8: blobOf(models.int8) };

describe.each(BUILDS)('blob validation on the %s build', (build) => {
  it('accepts the intact blobs', async () => {
    for (const blob of Object.values(blobs)) expect((await tryBlob(build, blob, rng(1))).code).toBe(0);
  });

  it('names the problem: magic, version, CRC, truncation, header, tensor and op defects', async () => {
    const r = rng(2);
    const expectErr = async (mutate: (b: Uint8Array) => Uint8Array | void, code: number, text: RegExp) => {
      const b = new Uint8Array(blobs.int8);
      const out = mutate(b) ?? b;
      const res = await tryBlob(build, out, r);
      expect(res.code, res.message).toBe(code);
      expect(res.message).toMatch(text);
    };
    await expectErr((b) => setU32(b, F.H_MAGIC, 0x12345678), F.ERR_BAD_MAGIC, /magic/);
    await expectErr((b) => setU32(b, F.H_VERSION, 99), F.ERR_BAD_VERSION, /version 99/);
    await expectErr((b) => void (b[b.length - 1] ^= 1), F.ERR_BAD_CRC, /CRC/);
    await expectErr((b) => b.slice(0, 50), F.ERR_TOO_SMALL, new RegExp(`shorter than the ${F.HEADER_SIZE}-byte header`));
    await expectErr((b) => b.slice(0, b.length - 7), F.ERR_TOO_SMALL, /truncated/);
    await expectErr((b) => {
      setU32(b, F.H_WEIGHTS_OFFSET, u32(b, F.H_WEIGHTS_OFFSET) + 4);
      fixCrc(b);
    }, F.ERR_BAD_HEADER, /weights section/);
    await expectErr((b) => {
      setU32(b, F.H_OP_TABLE_OFFSET, u32(b, F.H_TENSOR_TABLE_OFFSET));
      fixCrc(b);
    }, F.ERR_BAD_HEADER, /overlap/);
    // Tensor 1's dims blown up past its bytes.
    await expectErr((b) => {
      const rec = u32(b, F.H_TENSOR_TABLE_OFFSET) + F.TENSOR_RECORD_SIZE;
      setU32(b, rec + F.T_DIMS + 4, 100000);
      fixCrc(b);
    }, F.ERR_BAD_TENSOR, /^mote: .*tensor 1: byte_size/);
    // An arena tensor's byte_size is exactly its elements' bytes (docs/FORMAT.md): a dim shrunk
    // under an unchanged byte_size is a defect, not a smaller tensor.
    await expectErr((b) => {
      const rec = u32(b, F.H_TENSOR_TABLE_OFFSET) + F.TENSOR_RECORD_SIZE;
      expect(b[rec + F.T_STORAGE]).toBe(F.STORAGE_ARENA);
      setU32(b, rec + F.T_DIMS, 1);
      setU32(b, rec + F.T_DIMS + 4, 1);
      fixCrc(b);
    }, F.ERR_BAD_TENSOR, /^mote: .*tensor 1: byte_size \d+ does not fit the \d+ bytes its \d+ elements need/);
    // Scales: finite and >= 0 (hosts quantize inputs with them); reserved fields 0.
    for (const bad of [NaN, Infinity, -1]) {
      await expectErr((b) => {
        new DataView(b.buffer).setFloat32(u32(b, F.H_TENSOR_TABLE_OFFSET) + F.TENSOR_RECORD_SIZE + F.T_SCALE, bad, true);
        fixCrc(b);
      }, F.ERR_BAD_TENSOR, /^mote: .*tensor 1: scale must be finite and >= 0/);
    }
    for (const [at, v] of [[F.T_FLAGS, 1], [F.T_RESERVED, 7]]) {
      await expectErr((b) => {
        const rec = u32(b, F.H_TENSOR_TABLE_OFFSET) + F.TENSOR_RECORD_SIZE;
        if (at === F.T_FLAGS) b[rec + at] = v; else setU32(b, rec + at, v);
        fixCrc(b);
      }, F.ERR_BAD_TENSOR, /^mote: .*tensor 1: flags byte and reserved word must be 0/);
    }
    // A binarized (sign8) tensor must have zero point 0 (the XNOR kernels assume it).
    await expectErr((b) => {
      const rec = u32(b, F.H_TENSOR_TABLE_OFFSET) + F.TENSOR_RECORD_SIZE;
      b[rec + F.T_DTYPE] = F.DTYPE_SIGN8;
      setU32(b, rec + F.T_ZERO_POINT, 3);
      fixCrc(b);
    }, F.ERR_BAD_TENSOR, /^mote: .*tensor 1: sign8 zero point must be 0/);
    // Op 1 (conv2d) reads a weight tensor of the wrong dtype.
    await expectErr((b) => {
      const op = u32(b, F.H_OP_TABLE_OFFSET) + F.OP_RECORD_SIZE;
      const io = u32(b, op + F.O_IO_INDEX);
      const wId = u32(b, u32(b, F.H_INDEX_OFFSET) + 4 * (io + 1));
      b[u32(b, F.H_TENSOR_TABLE_OFFSET) + wId * F.TENSOR_RECORD_SIZE + F.T_DTYPE] = F.DTYPE_U8;
      fixCrc(b);
    }, F.ERR_BAD_OP, /op 1 \(conv2d\): input 1 must be s8, got u8/);
    // An op naming a tensor id past the table.
    await expectErr((b) => {
      const op = u32(b, F.H_OP_TABLE_OFFSET);
      setU32(b, u32(b, F.H_INDEX_OFFSET) + 4 * u32(b, op + F.O_IO_INDEX), 9999);
      fixCrc(b);
    }, F.ERR_BAD_OP, /op 0 \(quantize\): input 0: tensor id 9999 out of range/);
    // Unknown opcode.
    await expectErr((b) => {
      new DataView(b.buffer).setUint16(u32(b, F.H_OP_TABLE_OFFSET) + 2 * F.OP_RECORD_SIZE, 200, true);
      fixCrc(b);
    }, F.ERR_BAD_OP, /op 2: unknown opcode 200/);
    // A stride of 0 would divide by zero in the kernel.
    await expectErr((b) => {
      const op = u32(b, F.H_OP_TABLE_OFFSET) + F.OP_RECORD_SIZE;
      setU32(b, u32(b, F.H_PARAMS_OFFSET) + 4 * u32(b, op + F.O_PARAMS_INDEX), 0);
      fixCrc(b);
    }, F.ERR_BAD_OP, /op 1 \(conv2d\): stride_h must be >= 1, got 0/);
  });

  it('names every opcode and dtype as format.ts spells them', async () => {
    // Each op record relabelled with every opcode: the rejection names the op by its OP_* name.
    const op = u32(blobs.int8, F.H_OP_TABLE_OFFSET) + F.OP_RECORD_SIZE;
    let named = 0;
    for (let code = 1; code < F.OPCODE_COUNT; code++) {
      const b = new Uint8Array(blobs.int8);
      new DataView(b.buffer).setUint16(op, code, true);
      fixCrc(b);
      const res = await tryBlob(build, b, rng(3));
      if (res.code === 0) continue;
      // An unused code (the blocks handed out per op family leave gaps) is an unknown opcode.
      expect(res.message).toMatch(new RegExp(`op 1 \\(${OPCODE_NAMES[code] || 'unknown'}\\): ${OPCODE_NAMES[code] ? '' : 'unknown opcode'}`));
      if (OPCODE_NAMES[code]) named++;
    }
    expect(named).toBeGreaterThan(OPCODE_NAMES.filter((n) => n).length - 5);
    // Op 1 (conv2d)'s s32 bias relabelled with every other dtype (none is wider, so the record
    // itself stays valid and the op check names both dtypes).
    const io = u32(blobs.int8, op + F.O_IO_INDEX);
    const biasId = u32(blobs.int8, u32(blobs.int8, F.H_INDEX_OFFSET) + 4 * (io + 2));
    const dtypes = Object.entries(F).filter(([k]) => k.startsWith('DTYPE_') && k !== 'DTYPE_COUNT');
    expect(dtypes.length).toBe(F.DTYPE_COUNT - 1);
    for (const [key, dt] of dtypes) {
      if (dt === F.DTYPE_S32) continue;
      const b = new Uint8Array(blobs.int8);
      b[u32(b, F.H_TENSOR_TABLE_OFFSET) + biasId * F.TENSOR_RECORD_SIZE + F.T_DTYPE] = dt as number;
      fixCrc(b);
      const res = await tryBlob(build, b, rng(4));
      expect(res.code, res.message).toBe(F.ERR_BAD_OP);
      expect(res.message).toMatch(new RegExp(`op 1 \\(conv2d\\): input 2 must be s32, got ${key.slice(6).toLowerCase()}$`));
    }
  });

  it('never traps on >= 2000 seeded damaged blobs; every rejection is a typed ERR_* code', async () => {
    const r = rng(build === 'simd' ? 0xb10b : 0x5ca1);
    const seen = new Map<number, number>();
    const N = 2100;
    for (let i = 0; i < N; i++) {
      const base = i % 2 ? blobs.int8 : blobs.float;
      let b: Uint8Array = new Uint8Array(base);
      const weightsOffset = u32(base, F.H_WEIGHTS_OFFSET);
      const kind = i % 6;
      if (kind === 0) {
        // Random flips anywhere, CRC untouched.
        for (let k = randInt(r, 1, 4); k > 0; k--) b[randInt(r, 0, b.length - 1)] ^= 1 << randInt(r, 0, 7);
      } else if (kind === 1 || kind === 2) {
        // Flips in the structural part (header, tables, index, params), CRC recomputed.
        for (let k = randInt(r, 1, 3); k > 0; k--) b[randInt(r, F.CRC_START, weightsOffset - 1)] ^= 1 << randInt(r, 0, 7);
        fixCrc(b);
      } else if (kind === 3) {
        // A whole aligned word set to an interesting value, CRC recomputed.
        const at = randInt(r, F.CRC_START / 4, weightsOffset / 4 - 1) * 4;
        const values = [0, 1, 2, 3, 0xffffffff, 0x7fffffff, 0x80000000, 0xffff, 0x10000, u32(b, at) + 1, u32(b, at) - 1, u32(b, at) * 2, 255, 6, 7];
        setU32(b, at, values[randInt(r, 0, values.length - 1)]);
        fixCrc(b);
      } else if (kind === 4) {
        // Truncated (total_size fixed up half the time so only the section bounds catch it).
        b = b.slice(0, randInt(r, 0, b.length - 1));
        if (b.length >= F.HEADER_SIZE && r() < 0.5) {
          setU32(b, F.H_TOTAL_SIZE, b.length);
          fixCrc(b);
        }
        if (b.length === 0) b = new Uint8Array(1);
      } else {
        // A header field replaced by a random value.
        const at = randInt(r, F.H_TOTAL_SIZE / 4, F.HEADER_SIZE / 4 - 1) * 4;
        setU32(b, at, r() < 0.5 ? randInt(r, 0, 0xffffffff) : randInt(r, 0, 4096));
        fixCrc(b);
      }
      const res = await tryBlob(build, b, r);
      seen.set(res.code, (seen.get(res.code) ?? 0) + 1);
      if (res.code !== 0) {
        expect(res.code, res.message).toBeGreaterThanOrEqual(F.ERR_TOO_SMALL);
        // ERR_BAD_META (11) is host-only; ERR_BAD_ENCODING (12) is a malformed encoded-weight stream.
        expect(res.code, res.message).toBeLessThanOrEqual(F.ERR_BAD_ENCODING);
        expect(res.code, res.message).not.toBe(F.ERR_BAD_META);
        expect(res.message.length).toBeGreaterThan(20);
      }
    }
    console.log(`[mote] ${build}: damaged-blob outcomes by code`, Object.fromEntries(seen));
    // The mutations reached every layer of validation.
    for (const code of [F.ERR_TOO_SMALL, F.ERR_BAD_CRC, F.ERR_BAD_HEADER, F.ERR_BAD_TENSOR, F.ERR_BAD_OP]) {
      expect(seen.get(code) ?? 0, `mutations rejected with code ${code}`).toBeGreaterThan(0);
    }
  }, 120_000);

  it('run() never grows memory; load grows it to exactly the pages host/targets.ts predicts', async () => {
    const layout = runtimeLayout(readFileSync(join(repoRoot, 'build', `mote.${build}.wasm`)));
    for (const [name, g] of Object.entries(models)) {
      const blob = blobs[name as keyof typeof blobs];
      const rt = await freshRuntime(build);
      const model = rt.load(blob);
      expect(rt.memoryBytes()).toBe(linearMemoryPlan(blobMemoryOf(blob), layout).bytes);
      const loaded = rt.memoryBytes();
      const r = rng(7);
      for (let i = 0; i < 200; i++) model.run(feedsFor(g, r));
      expect(rt.memoryBytes()).toBe(loaded);
    }
  });

  it('ABI misuse gives typed errors: run before load, bad input index, second blob', async () => {
    const rt = await freshRuntime(build);
    const ex = rt.exports;
    expect(ex.mote_run()).toBe(F.ERR_NOT_LOADED);
    expect(rt.errorMessage()).toMatch(/before a successful mote_load/);
    expect(ex.mote_load()).toBe(F.ERR_NOT_LOADED);
    rt.load(blobs.float);
    expect(ex.mote_input_ptr(5)).toBe(0);
    expect(ex.mote_last_error()).toBe(F.ERR_BAD_INDEX);
    expect(rt.errorMessage()).toBe('input 5 out of range');
    expect(ex.mote_output_bytes(-1)).toBe(-1);
    expect(ex.mote_tensor_dim(0, 7)).toBe(-1);
    expect(ex.mote_blob_alloc(100)).toBe(0);
    expect(() => rt.load(blobs.float)).toThrow(/already holds a model/);
  });
});
