// Aliasing between an op's output, inputs and scratch tensor. Kernels read their inputs while they
// write the output, so the only legal sharing is the planner's exact in-place alias on an
// alias-safe elementwise op (format.ts IN_PLACE_OPCODES); anything else stays in bounds but
// computes garbage, and both the runtime (blob.ts checkOverlaps, at load) and the host reader
// (host/blob-reader.ts) refuse it, naming the op and the tensors. The session-10 audit found the
// runtime accepting such blobs while the host reader refused them.
import { beforeAll, describe, expect, it } from 'vitest';
import * as F from '../format/format.js';
import { readBlob } from '../host/blob-reader.js';
import { runGraph } from '../converter/reference/interpreter.js';
import type { Graph } from '../converter/ir/graph.js';
import { BUILDS, blobOf, ensureWasmBuilt, expectLoadRefused, fixCrc, oneOpGraph, randF32, rng, runBlob, setU32, u32 } from './runtime-harness.js';
import { elementwiseModel, floatModel, int8Model } from './runtime-models.js';

beforeAll(async () => {
  await ensureWasmBuilt();
}, 120_000);

const tensorAt = (blob: Uint8Array, id: number): number => u32(blob, F.H_TENSOR_TABLE_OFFSET) + id * F.TENSOR_RECORD_SIZE;
const opAt = (blob: Uint8Array, i: number): number => u32(blob, F.H_OP_TABLE_OFFSET) + i * F.OP_RECORD_SIZE;

/** A copy of `blob` with `edit` applied and the CRC made right, so validation has to catch it. */
function damaged(blob: Uint8Array, edit: (b: Uint8Array) => void): Uint8Array {
  const b = blob.slice();
  edit(b);
  fixCrc(b);
  return b;
}

/** A copy of `blob` with tensor `id` moved to arena `offset`, and op `inPlaceOp` (if given) flagged OPF_IN_PLACE. */
function moved(blob: Uint8Array, id: number, offset: number, inPlaceOp?: number): Uint8Array {
  return damaged(blob, (b) => {
    setU32(b, tensorAt(b, id) + F.T_OFFSET, offset);
    if (inPlaceOp !== undefined) new DataView(b.buffer, b.byteOffset).setUint16(opAt(b, inPlaceOp) + F.O_FLAGS, F.OPF_IN_PLACE, true);
  });
}

/** Both builds refuse `blob` at load with ERR_BAD_OP and a message matching `why`; so does the host reader. */
async function expectRefused(blob: Uint8Array, why: RegExp, readerWhy: RegExp): Promise<void> {
  await expectLoadRefused(blob, why);
  expect(() => readBlob(blob)).toThrow(readerWhy);
}

function feedsFor(g: Graph, seed: number): Float32Array[] {
  const r = rng(seed);
  return g.inputs.map((name) => randF32(r, g.tensors.get(name)!.shape.reduce((a, b) => a * b, 1)));
}

describe('op output / input / scratch overlap', () => {
  it("the planner's in-place elementwise ops load and compute what the reference interpreter does", async () => {
    const g = elementwiseModel();
    const blob = blobOf(g);
    const view = readBlob(blob);
    const inPlace = view.ops.filter((o) => o.inPlace);
    expect(inPlace.length, 'the planner runs some of this chain in place').toBeGreaterThan(0);
    for (const o of inPlace) expect(o.opcode < 32 && (F.IN_PLACE_OPCODES >> o.opcode) % 2 === 1, `${o.opName} is alias-safe`).toBe(true);
    const feeds = feedsFor(g, 5);
    const want = runGraph(g, feeds)[0] as Float32Array;
    for (const build of BUILDS) {
      const [got] = await runBlob(build, blob, feeds);
      for (let i = 0; i < want.length; i++) expect(got[i], `${build} element ${i}`).toBeCloseTo(want[i], 5);
    }
  });

  it('an output placed on its input without the in-place flag is refused', async () => {
    const blob = blobOf(floatModel());
    const view = readBlob(blob);
    const i = view.ops.findIndex((o) => o.opName === 'transpose');
    const op = view.ops[i];
    const input = view.tensors[op.inputs[0]], output = view.tensors[op.outputs[0]];
    expect(output.byteSize).toBe(input.byteSize);
    const bad = moved(blob, output.id, input.offset);
    await expectRefused(bad, new RegExp(`op ${i} \\(transpose\\): output tensor ${output.id} overlaps input tensor ${input.id} \\(not an exact in-place alias of an elementwise op\\)`), /overlaps input .*not an exact in-place alias/);
  });

  it('the in-place flag on an op whose kernel is not alias-safe is refused, even for an exact alias', async () => {
    const blob = blobOf(floatModel());
    const view = readBlob(blob);
    const i = view.ops.findIndex((o) => o.opName === 'transpose');
    const op = view.ops[i];
    const input = view.tensors[op.inputs[0]], output = view.tensors[op.outputs[0]];
    const bad = moved(blob, output.id, input.offset, i);
    await expectRefused(bad, new RegExp(`op ${i} \\(transpose\\): output tensor ${output.id} overlaps input tensor ${input.id}`), /overlaps input/);
  });

  it('an in-place alias that is not exact (same offset, different size) is refused on an elementwise op too', async () => {
    const blob = blobOf(elementwiseModel());
    const view = readBlob(blob);
    // mul reads s and the broadcast b: put b, smaller than the output, at the output's offset.
    const i = view.ops.findIndex((o) => o.opName === 'mul');
    const op = view.ops[i];
    const small = view.tensors[op.inputs[1]], output = view.tensors[op.outputs[0]];
    expect(small.byteSize).toBeLessThan(output.byteSize);
    const bad = moved(blob, small.id, output.offset, i);
    // The moved output may also meet the op's other input; either pair names the problem.
    await expectRefused(bad, new RegExp(`op ${i} \\(mul\\): output tensor ${output.id} overlaps input tensor \\d+`), /overlaps input/);
  });

  it('the in-place flag on an opcode from 32 on is refused (its bit must not wrap onto an alias-safe opcode below 32)', async () => {
    // unary (38): f32 in, f32 out of the same size; 38 mod 32 = 6 is sub's bit.
    expect(F.OP_UNARY).toBeGreaterThanOrEqual(32);
    expect((F.IN_PLACE_OPCODES >> (F.OP_UNARY % 32)) % 2, 'the wrapped bit is an alias-safe one').toBe(1);
    const blob = blobOf(oneOpGraph('unary', [{ dtype: 'f32', shape: [2, 8] }], { dtype: 'f32' }, { fn: 'exp' }));
    const view = readBlob(blob);
    const op = view.ops[0];
    const input = view.tensors[op.inputs[0]], output = view.tensors[op.outputs[0]];
    const bad = moved(blob, output.id, input.offset, 0);
    await expectRefused(bad, new RegExp(`op 0 \\(unary\\): output tensor ${output.id} overlaps input tensor ${input.id}`), /overlaps input/);
  });

  it("a scratch tensor on top of the op's input is refused", async () => {
    const blob = blobOf(int8Model());
    const view = readBlob(blob);
    const i = view.ops.findIndex((o) => o.scratch >= 0);
    expect(i, 'some op of the int8 model has a scratch tensor').toBeGreaterThanOrEqual(0);
    const op = view.ops[i];
    const input = view.tensors[op.inputs[0]];
    const bad = moved(blob, op.scratch, input.offset);
    await expectRefused(bad, new RegExp(`op ${i} \\(${op.opName}\\): scratch tensor ${op.scratch} overlaps tensor ${input.id}`), new RegExp(`scratch tensor ${op.scratch} overlaps tensor ${input.id}`));
  });
});
