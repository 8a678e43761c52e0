// Kernel scratch (format/kernel-scratch.ts): the converter plans each int8 conv / depthwise / FC /
// pool op's kernel buffers as its scratch tensor, the runtime checks the size at load and points
// the kernels at it. Checked here: the planned bytes are the shared function's for every op of the
// MLPerf Tiny models; the runtime's static data no longer holds those buffers; scratch tensors
// smaller than planned (blobs from an older converter) and blobs without scratch tensors (older
// blobs, hand-built ones) run the kernels' no-scratch paths with TFLite Micro's bytes on both builds.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as F from '../format/format.js';
import { kernelScratchBytes } from '../format/kernel-scratch.js';
import { convert } from '../converter/convert.js';
import { readBlob, type BlobView } from '../host/blob-reader.js';
import { readNpy } from '../host/npy.js';
import { haveShared, noticeIfNoShared, sharedPath } from './support/shared.js';
import { BUILDS, ensureWasmBuilt, freshRuntime, wasmModule, setU32, fixCrc } from './runtime-harness.js';

beforeAll(async () => {
  await ensureWasmBuilt();
}, 120_000);

/** kernelScratchBytes of blob op i, from its tensor records (an independent reading of the blob). */
function expectedScratch(v: BlobView, i: number): number {
  const op = v.ops[i];
  const x = v.tensors[op.inputs[0]];
  const int8 = x.dtype === F.DTYPE_S8 || x.dtype === F.DTYPE_SIGN8 ? 1 : 0;
  const c = x.shape[x.shape.length - 1];
  let o = 0, k = 0, kh = 1, kw = 1, cg = c;
  const w = op.inputs.length > 1 ? v.tensors[op.inputs[1]].shape : [];
  if (op.opcode === F.OP_CONV2D) [o, kh, kw, cg] = w;
  else if (op.opcode === F.OP_FULLY_CONNECTED) [o, k] = w;
  else if (op.opcode === F.OP_DEPTHWISE_CONV2D) [kh, kw, o] = w.slice(-3);
  return kernelScratchBytes(op.opcode, int8, c, o, k, kh, kw, cg);
}

describe('runtime static data', () => {
  it('holds no kernel buffers (they are planned per op)', async () => {
    // 59,552 B (SIMD) and 49,088 B (scalar) with them: requant table 12 KB, depthwise packed copy
    // 10 KB, GEMM pack 4 KB, depthwise/pool accumulators 5 KB; 27,384 / 27,160 B without. What
    // stays: the conv patch / widened-row buffer (16.5 KB), messages, small fixed tables. The bound
    // leaves room for small tables, not for any of those buffers coming back.
    for (const build of BUILDS) {
      const inst = new WebAssembly.Instance(await wasmModule(build), { env: { mote_read_weights: () => 0 } });
      const heapBase = (inst.exports.mote_heap_base as () => number)();
      expect(heapBase, build).toBeLessThan(30 * 1024);
    }
  });
});

describe.skipIf(!haveShared)('kernel scratch on the MLPerf Tiny models (needs ../shared)', () => {
  noticeIfNoShared('kernel scratch');
  const models: [string, string][] = [
    ['kws_int8', 'mlperf_tiny/kws/kws_ref_model.tflite'],
    ['ic_int8', 'mlperf_tiny/ic/pretrainedResnet_quant.tflite'],
    ['ad_int8', 'mlperf_tiny/ad/ad01_int8.tflite'],
    ['vww_int8', 'mlperf_tiny/vww/vww_96_int8.tflite'],
  ];
  const blobs = new Map<string, Uint8Array>();
  const blobFor = (dir: string, model: string): Uint8Array => {
    let b = blobs.get(dir);
    if (!b) {
      b = convert(new Uint8Array(readFileSync(sharedPath(model))), model, { precision: 'int8' }).blob;
      blobs.set(dir, b);
    }
    return b;
  };

  for (const [dir, model] of models) {
    it(`${dir}: every op's scratch tensor is exactly what format/kernel-scratch.ts asks for`, () => {
      const v = readBlob(blobFor(dir, model));
      let planned = 0;
      v.ops.forEach((op, i) => {
        const want = expectedScratch(v, i);
        if (want === 0) {
          expect(op.scratch, `op ${i} (${op.opName})`).toBe(-1);
          return;
        }
        expect(op.scratch, `op ${i} (${op.opName})`).toBeGreaterThanOrEqual(0);
        expect(v.tensors[op.scratch].byteSize, `op ${i} (${op.opName})`).toBe(want);
        planned++;
      });
      expect(planned).toBeGreaterThan(0);
    }, 60_000);
  }

  /** The arena tensors live while op i runs (from the graph: produced at or before i, read at or
   * after i, graph inputs from the start and outputs to the end), scratch tensors excluded. */
  const live = (v: BlobView, i: number) => {
    const first = new Map<number, number>(), last = new Map<number, number>();
    for (const id of v.inputs) first.set(id, -1);
    for (const id of v.outputs) last.set(id, v.ops.length);
    for (const op of v.ops) {
      for (const id of op.outputs) if (!first.has(id)) first.set(id, op.index);
      for (const id of op.inputs) last.set(id, Math.max(last.get(id) ?? -1, op.index));
    }
    return v.tensors.filter((t) => t.storage === F.STORAGE_ARENA && (first.get(t.id) ?? Infinity) <= i && i <= (last.get(t.id) ?? -Infinity));
  };

  /**
   * The blob with every scratch tensor's record shrunk to size(planned bytes, op index) (a u8
   * [bytes] tensor: dim and byte size together, a consistent record), CRC fixed. Where it can, the
   * shrunk tensor is also moved to end exactly where the op's input 0 starts (clear of the op's
   * other tensors), so a runtime that used scratch bytes past the record's size would overwrite
   * the live input and the outputs would show it. Returns the blob and how many were moved.
   */
  const withScratchSizes = (blob: Uint8Array, size: (planned: number, opIndex: number) => number): [Uint8Array, number] => {
    const out = blob.slice();
    const v = readBlob(out);
    let moved = 0;
    for (const op of v.ops) {
      if (op.scratch < 0) continue;
      const t = v.tensors[op.scratch];
      expect(t.shape).toEqual([t.byteSize]);
      const n = size(t.byteSize, op.index);
      const rec = v.header.tensorTableOffset + op.scratch * F.TENSOR_RECORD_SIZE;
      setU32(out, rec + F.T_BYTE_SIZE, n);
      setU32(out, rec + F.T_DIMS, n);
      const x = v.tensors[op.inputs[0]];
      const at = x.offset - n;
      const clear = live(v, op.index).every((u) => u.offset >= x.offset || u.offset + u.byteSize <= at);
      if (x.storage === F.STORAGE_ARENA && at >= 0 && clear) {
        setU32(out, rec + F.T_OFFSET, at);
        moved++;
      }
    }
    fixCrc(out);
    return [out, moved];
  };

  // A scratch tensor smaller than kernelScratchBytes (a blob planned when the kernels needed less,
  // e.g. before the row-padded conv weights or the add tables existed) is valid: each part binds
  // only when the tensor holds it, and the kernels left without theirs run their no-scratch paths.
  // Every model runs here with its scratch cut in several ways (each cut drops a different set of
  // parts; 16 bytes keeps almost none), against TFLite Micro's bytes on both builds.
  for (const [dir, model] of models) {
    it(`${dir}: scratch tensors smaller than planned still give TFLite Micro's bytes`, async () => {
      const blob = blobFor(dir, model);
      const ins = readNpy(readFileSync(sharedPath(`tflm_refs/${dir}/inputs.npy`)));
      const outs = readNpy(readFileSync(sharedPath(`tflm_refs/${dir}/outputs.npy`)));
      const inSize = ins.data.length / ins.shape[0];
      const outSize = outs.data.length / outs.shape[0];
      const cuts: [string, (planned: number, i: number) => number][] = [
        ['16 bytes', () => 16],
        ['16 bytes short', (n) => n - 16],
        ['half', (n) => Math.max(16, (n >> 5) << 4)],
        ['alternating', (n, i) => (i % 2 ? n : Math.max(16, n - 1024))],
      ];
      let moved = 0;
      for (const [what, cut] of cuts) {
        const [bad, m] = withScratchSizes(blob, cut);
        moved += m;
        // The host's reader (mote inspect, the host API) accepts it too.
        expect(() => readBlob(bad), what).not.toThrow();
        for (const build of BUILDS) {
          const m = (await freshRuntime(build)).load(bad);
          const [y] = m.run([(ins.data as Int8Array).slice(0, inSize)]) as Int8Array[];
          expect(Array.from(y), `${build}, scratch ${what}`).toEqual(Array.from((outs.data as Int8Array).subarray(0, outSize)));
        }
      }
      expect(moved, 'scratch tensors placed right before a live input').toBeGreaterThan(0);
    }, 120_000);
  }

  for (const [dir, model] of [models[0], models[1], models[3]]) {
    it(`${dir}: without scratch tensors the kernels' no-scratch paths give TFLite Micro's bytes`, async () => {
      const blob = blobFor(dir, model).slice();
      const v = readBlob(blob);
      let cleared = 0;
      v.ops.forEach((op) => {
        if (op.scratch < 0) return;
        setU32(blob, v.header.opTableOffset + op.index * F.OP_RECORD_SIZE + F.O_SCRATCH_TENSOR, -1);
        cleared++;
      });
      expect(cleared).toBeGreaterThan(0);
      fixCrc(blob);
      const ins = readNpy(readFileSync(sharedPath(`tflm_refs/${dir}/inputs.npy`)));
      const outs = readNpy(readFileSync(sharedPath(`tflm_refs/${dir}/outputs.npy`)));
      const inSize = ins.data.length / ins.shape[0];
      const outSize = outs.data.length / outs.shape[0];
      for (const build of BUILDS) {
        const m = (await freshRuntime(build)).load(blob);
        for (let s = 0; s < 2; s++) {
          const [y] = m.run([(ins.data as Int8Array).slice(s * inSize, (s + 1) * inSize)]) as Int8Array[];
          expect(Array.from(y), `${build} sample ${s}`).toEqual(Array.from((outs.data as Int8Array).subarray(s * outSize, (s + 1) * outSize)));
        }
      }
    }, 60_000);
  }
});
