// Kernel scratch (format/kernel-scratch.ts): the converter plans each int8 conv / depthwise / FC /
// pool op's kernel buffers as its scratch tensor, the runtime checks the size at load and points
// the kernels at it. Checked here: the planned bytes are the shared function's for every op of the
// MLPerf Tiny models; the runtime's static data no longer holds those buffers; an undersized
// scratch tensor is rejected by name; and a blob without scratch tensors (older blobs, hand-built
// ones) runs the kernels' no-scratch paths with TFLite Micro's bytes on both builds.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as F from '../format/format.js';
import { kernelScratchBytes, ksRowPackBytes } from '../format/kernel-scratch.js';
import { convert } from '../converter/convert.js';
import { crc32 } from '../converter/emit/index.js';
import { readBlob, type BlobView } from '../host/blob-reader.js';
import { readNpy } from '../host/npy.js';
import { MoteError } from '../host/runtime.js';
import { haveShared, noticeIfNoShared, sharedPath } from './support/shared.js';
import { BUILDS, ensureWasmBuilt, freshRuntime, wasmModule } from './runtime-harness.js';

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

const setU32 = (b: Uint8Array, at: number, v: number) => new DataView(b.buffer, b.byteOffset).setUint32(at, v >>> 0, true);
const fixCrc = (b: Uint8Array) => setU32(b, F.H_CRC32, crc32(b, F.CRC_START, b.length));

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

  it('an undersized scratch tensor is rejected at load, naming the op and both sizes', async () => {
    const blob = blobFor('kws_int8', models[0][1]);
    const v = readBlob(blob);
    const i = v.ops.findIndex((op) => op.scratch >= 0);
    const id = v.ops[i].scratch;
    const bad = blob.slice();
    const at = v.header.tensorTableOffset + id * F.TENSOR_RECORD_SIZE + F.T_BYTE_SIZE;
    const size = v.tensors[id].byteSize;
    // A u8 tensor [size]: its dim and byte size shrink together (a consistent record).
    expect(v.tensors[id].shape).toEqual([size]);
    setU32(bad, at, size - 16);
    setU32(bad, v.header.tensorTableOffset + id * F.TENSOR_RECORD_SIZE + F.T_DIMS, size - 16);
    fixCrc(bad);
    // The host's reader (mote inspect, the host API) makes the same check.
    expect(() => readBlob(bad)).toThrow(`scratch tensor ${id} is ${size - 16} bytes; its kernels need ${size}`);
    for (const build of BUILDS) {
      const rt = await freshRuntime(build);
      let err: unknown;
      try {
        rt.load(bad);
      } catch (e) {
        err = e;
      }
      expect(err, build).toBeInstanceOf(MoteError);
      expect((err as MoteError).code).toBe(F.ERR_BAD_OP);
      expect((err as MoteError).message).toContain(`op ${i} `);
      expect((err as MoteError).message).toContain(`scratch tensor ${id} is ${size - 16} bytes; its kernels need ${size}`);
    }
  });

  // The row-padded conv weights (ksRowPackBytes) are an optional trailing part: a blob planned
  // before them (session 3's converter) must load, and its first convs take the gather path.
  for (const [dir, model] of [models[1], models[3]]) {
    it(`${dir}: conv scratch planned without the row-padded weight pack loads and gives TFLite Micro's bytes`, async () => {
      const blob = blobFor(dir, model).slice();
      const v = readBlob(blob);
      let shrunk = 0;
      v.ops.forEach((op) => {
        if (op.scratch < 0 || op.opcode !== F.OP_CONV2D) return;
        const x = v.tensors[op.inputs[0]], [o, kh, kw, cg] = v.tensors[op.inputs[1]].shape;
        const rows = ksRowPackBytes(op.opcode, 1, o, kh, kw, cg, x.shape[x.shape.length - 1]);
        if (rows === 0) return;
        const size = v.tensors[op.scratch].byteSize - rows;
        setU32(blob, v.header.tensorTableOffset + op.scratch * F.TENSOR_RECORD_SIZE + F.T_BYTE_SIZE, size);
        setU32(blob, v.header.tensorTableOffset + op.scratch * F.TENSOR_RECORD_SIZE + F.T_DIMS, size);
        shrunk++;
      });
      expect(shrunk).toBeGreaterThan(0);
      fixCrc(blob);
      const ins = readNpy(readFileSync(sharedPath(`tflm_refs/${dir}/inputs.npy`)));
      const outs = readNpy(readFileSync(sharedPath(`tflm_refs/${dir}/outputs.npy`)));
      const inSize = ins.data.length / ins.shape[0];
      const outSize = outs.data.length / outs.shape[0];
      for (const build of BUILDS) {
        const m = (await freshRuntime(build)).load(blob);
        const [y] = m.run([(ins.data as Int8Array).slice(0, inSize)]) as Int8Array[];
        expect(Array.from(y), build).toEqual(Array.from((outs.data as Int8Array).subarray(0, outSize)));
      }
    }, 60_000);
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
