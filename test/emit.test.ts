// The blob emitter and the TS blob reader: emit → readBlob recovers every tensor, op, param word and
// weight byte of the planned graph; the CRC matches node:zlib's; malformed blobs are rejected with
// the right BlobError code and never with any other exception.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import * as F from '../format/format.js';
import { crc32, emitBlob, writeFileAtomic } from '../converter/emit/index.js';
import { packW16 } from '../converter/emit/pack-conv.js';
import { ConvertError } from '../converter/errors.js';
import type { Activation, Graph, Node } from '../converter/ir/graph.js';
import { planMemory, type MemoryPlan } from '../converter/plan/index.js';
import { BlobError, readBlob, type BlobView } from '../host/blob-reader.js';
import { MoteRuntime } from '../host/runtime.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { OPCODE_NAMES } from '../host/opcodes.js';
import { Builder, everyOpGraph, mobileNetLike, randInt, randomDag, rng } from './support/ir-graphs.js';

const u8 = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
/** Index of the first differing byte, or -1 (vitest's deep equality is slow on large typed arrays). */
function firstDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  if (Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))) return -1;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}
const bitsToF32 = (w: number) => new Float32Array(new Int32Array([w]).buffer)[0];

/** The param words a node should have, decoded back into attribute terms: written independently
 * of converter/emit/params.ts, from format.ts's comment. */
function decodeParams(node: Node, g: Graph, p: number[]): Record<string, unknown> {
  const s8 = g.tensor(node.inputs[0]).dtype === 's8';
  const act = (k: number) => (s8 ? [p[k], p[k + 1]] : [bitsToF32(p[k]), bitsToF32(p[k + 1])]);
  switch (node.op) {
    case 'conv2d':
    case 'depthwise_conv2d':
      return { strides: p.slice(0, 2), dilations: p.slice(2, 4), pads: p.slice(4, 8), group: p[8], act: act(9), n: p.length };
    case 'max_pool2d':
    case 'average_pool2d':
      return { kernel: p.slice(0, 2), strides: p.slice(2, 4), dilations: p.slice(4, 6), pads: p.slice(6, 10), cip: p[10], act: act(11), n: p.length };
    case 'add':
    case 'sub':
      return s8 ? { shifts: p.slice(0, 7), act: act(7), n: p.length } : { act: act(0), n: p.length };
    case 'mul':
      return s8 ? { shifts: p.slice(0, 2), act: act(2), n: p.length } : { act: act(0), n: p.length };
    case 'fully_connected':
    case 'div':
    case 'clamp':
      return { act: act(0), n: p.length };
    case 'leaky_relu':
      return { alpha: bitsToF32(p[0]), n: p.length };
    case 'mean':
      return { mask: p[0], rest: p.slice(1) };
    case 'concat':
      return { axis: p[0], n: p.length };
    case 'pad':
      return { mode: p[0], value: s8 ? p[1] : bitsToF32(p[1]), begin: p.slice(2, 2 + (p.length - 2) / 2), end: p.slice(2 + (p.length - 2) / 2) };
    case 'transpose':
      return { perm: p };
    case 'softmax':
      return s8 ? { axis: p[0], rest: p.slice(1) } : { axis: p[0], beta: bitsToF32(p[1]), n: p.length };
    case 'requantize':
      return { rest: p };
    default:
      return { n: p.length };
  }
}

/** What decodeParams should find, from the node's attributes and int8 params. */
function expectedParams(node: Node, g: Graph): Record<string, unknown> {
  const a = node.attrs as Record<string, any>;
  const i8 = node.int8 ?? {};
  const out = g.tensor(node.outputs[0]);
  const s8 = g.tensor(node.inputs[0]).dtype === 's8';
  const rank = g.tensor(node.inputs[0]).shape.length;
  const fround = (v: number) => Math.fround(v);
  // pad's s8 value: round half away from zero, as the reference pad kernel stores it
  const qz = (v: number) => {
    const x = v / Math.fround(out.quant!.scale[0]);
    const r = x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
    return Math.min(127, Math.max(-128, r + out.quant!.zeroPoint[0]));
  };
  const act = (bounds: Activation | undefined) =>
    s8 ? [i8.actMin ?? -128, i8.actMax ?? 127] : [fround(bounds?.min ?? -Infinity), fround(bounds?.max ?? Infinity)];
  const norm = (ax: number, r: number) => (ax < 0 ? ax + r : ax);
  switch (node.op) {
    case 'conv2d':
    case 'depthwise_conv2d':
      return { strides: a.strides, dilations: a.dilations, pads: a.pads, group: a.group ?? a.depthMultiplier, act: act(a.activation), n: 11 };
    case 'max_pool2d':
    case 'average_pool2d':
      return { kernel: a.kernel, strides: a.strides, dilations: a.dilations, pads: a.pads, cip: a.countIncludePad ? 1 : 0, act: act(a.activation), n: 13 };
    case 'add':
    case 'sub':
      return s8
        ? { shifts: [i8.leftShift, i8.aMult, i8.aShift, i8.bMult, i8.bShift, i8.outMult, i8.outShift], act: act(a.activation), n: 9 }
        : { act: act(a.activation), n: 2 };
    case 'mul':
      return s8 ? { shifts: [i8.outMult, i8.outShift], act: act(a.activation), n: 4 } : { act: act(a.activation), n: 2 };
    case 'fully_connected':
    case 'div':
      return { act: act(a.activation), n: 2 };
    case 'clamp':
      return { act: act({ min: a.min, max: a.max }), n: 2 };
    case 'leaky_relu':
      return { alpha: fround(a.alpha), n: 1 };
    case 'mean':
      return { mask: a.axes.reduce((m: number, ax: number) => m | (1 << norm(ax, rank)), 0), rest: s8 ? [i8.outMult, i8.outShift] : [] };
    case 'concat':
      return { axis: norm(a.axis, out.shape.length), n: 1 };
    case 'pad':
      return { mode: { constant: 0, edge: 1, reflect: 2, wrap: 3 }[a.mode as string], value: s8 ? qz(a.value) : fround(a.value), begin: a.begin, end: a.end };
    case 'transpose':
      return { perm: a.perm };
    case 'softmax':
      return s8
        ? { axis: norm(a.axis, rank), rest: [i8.inputMultiplier, i8.inputLeftShift, i8.diffMin] }
        : { axis: norm(a.axis, rank), beta: fround(a.beta), n: 2 };
    case 'requantize':
      return { rest: [i8.outMult, i8.outShift] };
    default:
      return { n: 0 };
  }
}

/** Checks that `view` holds exactly what `g` + `plan` say, byte for byte. */
function checkRoundTrip(g: Graph, plan: MemoryPlan, view: BlobView, blob: Uint8Array): void {
  const lookup = (n: string) => plan.extraTensors.get(n) ?? g.tensor(n);
  const byName = new Map(view.tensors.map((t) => [t.name, t]));
  // Every referenced tensor has exactly one record.
  const referenced = new Set<string>([...g.inputs, ...plan.outputs]);
  for (const s of plan.steps) for (const t of [...s.inputs, ...s.outputs]) referenced.add(t);
  for (const sc of plan.scratch.values()) referenced.add(sc.tensorName);
  expect(new Set(view.tensors.map((t) => t.name))).toEqual(referenced);
  expect(view.tensors.length).toBe(referenced.size);

  // Weights of ops flagged OPF_PACKED_W16 hold the packed layout (converter/emit/pack-conv.ts).
  const packedIds = new Set(view.ops.filter((o) => o.flags & F.OPF_PACKED_W16).map((o) => o.inputs[1]));
  for (const [id, rec] of view.tensors.entries()) {
    if (rec.name === '') {
      expect(rec.storageName).toBe('empty');
      expect(rec.byteSize).toBe(0);
      continue;
    }
    const t = lookup(rec.name);
    expect(rec.dtypeName, rec.name).toBe(t.dtype);
    expect(rec.shape, rec.name).toEqual(t.shape);
    const perTensor = t.quant && t.quant.scale.length === 1;
    expect(rec.scale, rec.name).toBe(perTensor ? Math.fround(t.quant!.scale[0]) : 0);
    expect(rec.zeroPoint, rec.name).toBe(perTensor ? t.quant!.zeroPoint[0] : 0);
    const constRoot = t.data ? rec.name : plan.weightAliases.get(rec.name);
    if (constRoot) {
      expect(rec.storageName, rec.name).toBe('weights');
      const data = g.tensor(constRoot).data!;
      expect(rec.offset % 16).toBe(0);
      const rows = rec.shape[0];
      const want = packedIds.has(id) ? packW16(data as Int8Array, rows, data.length / rows) : data;
      expect(firstDiff(view.weightsBytes.subarray(rec.offset, rec.offset + rec.byteSize), u8(want)), rec.name).toBe(-1);
    } else {
      expect(rec.storageName, rec.name).toBe('arena');
      expect(rec.offset, rec.name).toBe(plan.buffers.get(rec.name)!.offset);
      expect(rec.byteSize, rec.name).toBe(plan.buffers.get(rec.name)!.size);
    }
  }

  expect(view.ops.map((o) => o.name)).toEqual(plan.steps.map((s) => s.name));
  view.ops.forEach((op, i) => {
    const node = plan.steps[i];
    expect(op.opName).toBe(node.op);
    expect(OPCODE_NAMES[op.opcode]).toBe(node.op);
    expect(op.inputs.map((id) => view.tensors[id].name)).toEqual(node.inputs);
    expect(op.outputs.map((id) => view.tensors[id].name)).toEqual(node.outputs);
    expect(op.inPlace).toBe(plan.inPlace.has(node.name));
    const sc = plan.scratch.get(node.name);
    expect(op.scratch === -1 ? undefined : view.tensors[op.scratch].name).toBe(sc?.tensorName);
    const gg = { tensor: lookup } as unknown as Graph;
    expect(decodeParams(node, gg, Array.from(op.params)), node.name).toEqual(expectedParams(node, gg));
  });

  expect(view.inputs.map((id) => view.tensors[id].name)).toEqual(g.inputs);
  expect(view.outputs.map((id) => view.tensors[id].name)).toEqual(plan.outputs);
  expect(view.arenaSize).toBe(plan.arenaSize);
  expect(view.arenaLowerBound).toBe(plan.lowerBound);

  // CRC against the independent implementation in node:zlib.
  expect(view.header.crc32).toBe(zlibCrc32(blob.subarray(F.CRC_START)));

  // Metadata.
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const m = view.meta as Record<string, any>;
  expect(m.converter).toEqual({ name: pkg.name, version: pkg.version });
  expect(m.sourceName).toBe(g.meta.sourceName ?? null);
  expect(m.sourceHash).toBe(g.meta.sourceHash ?? null);
  expect(m.labels).toEqual(g.meta.labels);
  expect(m.inputs.map((x: any) => [x.name, x.dtype, x.shape])).toEqual(g.inputs.map((n) => [n, g.tensor(n).dtype, g.tensor(n).shape]));
  expect(m.outputs.map((x: any) => x.name)).toEqual(g.outputs);
}

function emitAndRead(g: Graph, plan = planMemory(g)) {
  const blob = emitBlob(g, plan);
  const view = readBlob(blob);
  return { plan, blob, view };
}

describe('crc32', () => {
  it('matches node:zlib crc32 on random buffers and sub-ranges', () => {
    const r = rng(42);
    for (let len = 0; len < 600; len += 1 + Math.floor(r() * 7)) {
      const buf = new Uint8Array(len);
      for (let i = 0; i < len; i++) buf[i] = Math.floor(r() * 256);
      expect(crc32(buf)).toBe(zlibCrc32(buf));
      const a = Math.floor(r() * (len + 1));
      const b = a + Math.floor(r() * (len - a + 1));
      expect(crc32(buf, a, b)).toBe(zlibCrc32(buf.subarray(a, b)));
    }
  });
});

describe('emit → readBlob round trip', () => {
  it('every f32 op: tensors, params, weights, metadata', () => {
    const g = everyOpGraph(false);
    const { plan, blob, view } = emitAndRead(g);
    checkRoundTrip(g, plan, view, blob);
    expect(new Set(view.ops.map((o) => o.opName)).size).toBeGreaterThanOrEqual(21);
  });

  it('every int8 op: per-tensor and per-axis quantization, int8 params, lut table', () => {
    const g = everyOpGraph(true);
    const { plan, blob, view } = emitAndRead(g);
    checkRoundTrip(g, plan, view, blob);
    const conv = view.ops.find((o) => o.opName === 'conv2d')!;
    // per-axis weights record 0/0; per-channel values are the mult/shift inputs
    expect(view.tensors[conv.inputs[1]].scale).toBe(0);
    expect(conv.inputs.length).toBe(5);
  });

  it('MobileNet-shaped CNNs in f32 and int8', () => {
    for (const int8 of [false, true]) {
      const g = mobileNetLike(3, { int8, size: 24, blocks: 5 });
      const { plan, blob, view } = emitAndRead(g);
      checkRoundTrip(g, plan, view, blob);
      expect(view.ops.filter((o) => o.inPlace).length).toBeGreaterThanOrEqual(0);
    }
  });

  it('random DAGs, with scratch buffers and output copies', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const g = randomDag(seed, 25, true);
      const plan = planMemory(g, { scratchBytes: (n) => (n.op === 'fully_connected' ? 100 : 0) });
      const { blob, view } = emitAndRead(g, plan);
      checkRoundTrip(g, plan, view, blob);
    }
  });

  it('outputs that are constants or graph inputs are copied into the arena', () => {
    const b = new Builder(rng(2));
    const x = b.input('x', 'f32', [2, 2]);
    const k = b.constant('f32', [3]);
    const g = b.output(x, k);
    const { plan, blob, view } = emitAndRead(g);
    checkRoundTrip(g, plan, view, blob);
    expect(view.ops.map((o) => o.opName)).toEqual(['copy', 'copy']);
    for (const id of view.outputs) expect(view.tensors[id].storageName).toBe('arena');
  });

  it('a reshaped constant is a weights record sharing the constant\'s bytes', () => {
    const b = new Builder(rng(12));
    const x = b.input('x', 'f32', [1, 6]);
    const k = b.constant('f32', [2, 3]);
    b.g.addTensor({ name: 'kv', dtype: 'f32', shape: [1, 6] });
    b.g.nodes.push({ op: 'reshape', name: 'kview', inputs: [k], outputs: ['kv'], attrs: {} });
    const g = b.output(b.node('add', [x, 'kv'], { dtype: 'f32', shape: [1, 6] }, {}));
    const { plan, blob, view } = emitAndRead(g);
    checkRoundTrip(g, plan, view, blob);
    const rec = view.tensors.find((t) => t.name === 'kv')!;
    expect([rec.storageName, rec.shape, rec.byteSize]).toEqual(['weights', [1, 6], 24]);
  });

  it('meta argument is merged without overriding the reserved fields', () => {
    const g = everyOpGraph(false);
    const blob = emitBlob(g, planMemory(g), { quantization: { method: 'minmax' }, tensors: 'clobber' });
    const view = readBlob(blob);
    expect(view.meta.quantization).toEqual({ method: 'minmax' });
    expect(Array.isArray(view.meta.tensors)).toBe(true);
  });
});

describe('emitBlob rejects what the runtime cannot run, naming the node', () => {
  const base = () => {
    const b = new Builder(rng(8));
    const x = b.input('x', 'f32', [1, 4]);
    return { b, x };
  };
  const rejects = (g: Graph, pattern: RegExp) => {
    let err: unknown;
    try {
      emitBlob(g, planMemory(g));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConvertError);
    expect((err as Error).message).toMatch(pattern);
  };

  it('IR-only batch_norm', () => {
    const { b, x } = base();
    const c = () => b.constant('f32', [4]);
    const y = b.node('batch_norm', [x, c(), c(), c(), c()], { dtype: 'f32', shape: [1, 4] }, { epsilon: 1e-5, axis: 1 });
    rejects(b.output(y), /batch_norm node 'n\d+_batch_norm'.*IR-only/);
  });
  it('an unknown op', () => {
    const { b, x } = base();
    const y = b.node('gelu' as never, [x], { dtype: 'f32', shape: [1, 4] }, {} as never);
    rejects(b.output(y), /gelu node 'n\d+_gelu'.*unknown op/);
  });
  it('i64 tensors (bool ones are DTYPE_BOOL)', () => {
    for (const dtype of ['i64'] as const) {
      const { b, x } = base();
      const y = b.node('copy', [x], { dtype, shape: [1, 4] }, {});
      rejects(b.output(y), new RegExp(`'${y}'.*dtype ${dtype}`));
    }
  });
  it('a graph without outputs', () => {
    const { b } = base();
    rejects(b.g, /no outputs/);
  });
  it('rank above 6', () => {
    const b = new Builder(rng(9));
    const x = b.input('x', 'f32', [1, 1, 1, 1, 1, 1, 2]);
    const y = b.node('sigmoid', [x], { dtype: 'f32', shape: [1, 1, 1, 1, 1, 1, 2] }, {});
    rejects(b.output(y), /rank 7/);
  });
  it('int8 nodes without their int8 params, float-only ops on s8', () => {
    const b = new Builder(rng(10));
    const x = b.input('x', 's8', [1, 4], { scale: [0.1], zeroPoint: [0] });
    const y = b.node('add', [x, x], { dtype: 's8', shape: [1, 4], quant: { scale: [0.1], zeroPoint: [0] } }, {});
    rejects(b.output(y), /add node 'n\d+_add'.*int8\.leftShift/);
    const b2 = new Builder(rng(10));
    const x2 = b2.input('x', 's8', [1, 4]);
    const y2 = b2.node('sigmoid', [x2], { dtype: 's8', shape: [1, 4] }, {});
    rejects(b2.output(y2), /sigmoid node 'n\d+_sigmoid'.*no int8 form/);
  });
  it('constant data of the wrong type or length', () => {
    const { b, x } = base();
    const w = b.constant('f32', [4], new Float32Array(3));
    rejects(b.output(b.node('add', [x, w], { dtype: 'f32', shape: [1, 4] }, {})), new RegExp(`constant '${w}'.*Float32Array\\(3\\)`));
  });
});

// ---- Malformed blobs ---------------------------------------------------------------------------

const good = (() => {
  const g = everyOpGraph(true);
  const plan = planMemory(g);
  return { g, plan, blob: emitBlob(g, plan) };
})();

function codeOf(bytes: Uint8Array): number {
  try {
    readBlob(bytes);
    return F.OK;
  } catch (e) {
    if (!(e instanceof BlobError)) throw new Error(`readBlob threw a non-BlobError: ${String(e)}`);
    return e.code;
  }
}

/** A copy with `edit` applied and the CRC recomputed (with zlib), so structural checks are reached. */
function resealed(edit: (dv: DataView, bytes: Uint8Array) => void, src = good.blob): Uint8Array {
  const bytes = src.slice();
  const dv = new DataView(bytes.buffer);
  edit(dv, bytes);
  const total = Math.min(dv.getUint32(F.H_TOTAL_SIZE, true), bytes.length);
  if (total >= F.CRC_START) dv.setUint32(F.H_CRC32, zlibCrc32(bytes.subarray(F.CRC_START, total)), true);
  return bytes;
}

const H = (field: number) => (dv: DataView) => dv.getUint32(field, true);

describe('readBlob rejects malformed blobs with the right code', () => {
  const dv0 = new DataView(good.blob.buffer);
  const tensorAt = (id: number) => H(F.H_TENSOR_TABLE_OFFSET)(dv0) + id * F.TENSOR_RECORD_SIZE;
  const opAt = (i: number) => H(F.H_OP_TABLE_OFFSET)(dv0) + i * F.OP_RECORD_SIZE;
  const view0 = readBlob(good.blob);
  const arenaId = view0.tensors.find((t) => t.storageName === 'arena' && t.dtypeName === 's8')!.id;
  const weightId = view0.tensors.find((t) => t.storageName === 'weights')!.id;
  const convIndex = view0.ops.findIndex((o) => o.opName === 'conv2d');

  it('accepts the untouched blob; trailing bytes after total_size are ERR_BAD_HEADER (as in the runtime)', () => {
    expect(codeOf(good.blob)).toBe(F.OK);
    const longer = new Uint8Array(good.blob.length + 16);
    longer.set(good.blob);
    expect(codeOf(longer)).toBe(F.ERR_BAD_HEADER);
  });

  it('truncated at every header field and at every section start: ERR_TOO_SMALL', () => {
    for (let k = 0; k < F.HEADER_SIZE; k += 4) expect(codeOf(good.blob.subarray(0, k)), `cut at ${k}`).toBe(F.ERR_TOO_SMALL);
    const cuts = [F.H_TENSOR_TABLE_OFFSET, F.H_OP_TABLE_OFFSET, F.H_INDEX_OFFSET, F.H_PARAMS_OFFSET, F.H_WEIGHTS_OFFSET, F.H_META_OFFSET].map((f) => H(f)(dv0));
    for (const k of [...cuts, good.blob.length - 1]) expect(codeOf(good.blob.subarray(0, k)), `cut at ${k}`).toBe(F.ERR_TOO_SMALL);
  });

  it('magic, version and flags are checked directly', () => {
    const set = (at: number, v: number) => {
      const b = good.blob.slice();
      new DataView(b.buffer).setUint32(at, v, true);
      return b;
    };
    expect(codeOf(set(F.H_MAGIC, 0x4d4f5445))).toBe(F.ERR_BAD_MAGIC);
    expect(codeOf(set(F.H_VERSION, F.FORMAT_VERSION + 1))).toBe(F.ERR_BAD_VERSION);
    expect(codeOf(set(F.H_FLAGS, 1))).toBe(F.ERR_BAD_HEADER);
  });

  it('any flipped byte after the CRC field: ERR_BAD_CRC (one flip in every 8 bytes)', () => {
    for (let at = F.H_CRC32; at < good.blob.length; at += 8) {
      const b = good.blob.slice();
      b[at] ^= 1 << (at % 8);
      expect(codeOf(b), `byte ${at}`).toBe(F.ERR_BAD_CRC); // starts at 12 (the CRC itself), skips total_size at 16
    }
  });

  it('sections out of bounds, misaligned or overlapping: ERR_BAD_HEADER', () => {
    const cases: [string, (dv: DataView) => void][] = [
      ['misaligned weights', (dv) => dv.setUint32(F.H_WEIGHTS_OFFSET, H(F.H_WEIGHTS_OFFSET)(dv) + 4, true)],
      ['weights past the end', (dv) => dv.setUint32(F.H_WEIGHTS_SIZE, 1 << 30, true)],
      ['op table overlapping tensors', (dv) => dv.setUint32(F.H_OP_TABLE_OFFSET, H(F.H_TENSOR_TABLE_OFFSET)(dv), true)],
      ['huge tensor count', (dv) => dv.setUint32(F.H_TENSOR_COUNT, 0xffffffff, true)],
      ['header size', (dv) => dv.setUint32(F.H_HEADER_SIZE, 64, true)],
      ['total below blob size', (dv) => dv.setUint32(F.H_TOTAL_SIZE, H(F.H_TOTAL_SIZE)(dv) - 16, true)],
      ['outputs past the index', (dv) => dv.setUint32(F.H_OUTPUTS_INDEX, H(F.H_INDEX_COUNT)(dv), true)],
      ['no outputs', (dv) => dv.setUint32(F.H_OUTPUT_COUNT, 0, true)],
      ['lower bound above arena', (dv) => dv.setUint32(F.H_ARENA_LOWER_BOUND, H(F.H_ARENA_SIZE)(dv) + 16, true)],
    ];
    for (const [what, edit] of cases) expect(codeOf(resealed(edit)), what).toBe(F.ERR_BAD_HEADER);
  });

  it('bad tensor records: ERR_BAD_TENSOR, naming the tensor', () => {
    const t = tensorAt(arenaId);
    const w = tensorAt(weightId);
    const cases: [string, (dv: DataView) => void][] = [
      ['dtype 0', (dv) => dv.setUint8(t + F.T_DTYPE, 0)],
      ['dtype past the last', (dv) => dv.setUint8(t + F.T_DTYPE, F.DTYPE_COUNT)],
      ['rank 7', (dv) => dv.setUint8(t + F.T_RANK, 7)],
      ['storage 9', (dv) => dv.setUint8(t + F.T_STORAGE, 9)],
      ['dim 0', (dv) => dv.setInt32(t + F.T_DIMS, 0, true)],
      ['negative dim', (dv) => dv.setInt32(t + F.T_DIMS + 4, -3, true)],
      ['byte size != numel*size', (dv) => dv.setUint32(t + F.T_BYTE_SIZE, dv.getUint32(t + F.T_BYTE_SIZE, true) + 1, true)],
      ['misaligned offset', (dv) => dv.setUint32(t + F.T_OFFSET, 8, true)],
      ['offset past arena', (dv) => dv.setUint32(t + F.T_OFFSET, H(F.H_ARENA_SIZE)(dv), true)],
      ['weights past section', (dv) => dv.setUint32(w + F.T_OFFSET, H(F.H_WEIGHTS_SIZE)(dv) + 16, true)],
      ['NaN scale', (dv) => dv.setFloat32(t + F.T_SCALE, NaN, true)],
      ['s8 zero point 300', (dv) => dv.setInt32(t + F.T_ZERO_POINT, 300, true)],
      ['reserved', (dv) => dv.setUint32(t + F.T_RESERVED, 1, true)],
      ['graph input in weights', (dv) => dv.setUint32(H(F.H_INDEX_OFFSET)(dv) + 4 * H(F.H_INPUTS_INDEX)(dv), weightId, true)],
    ];
    for (const [what, edit] of cases) {
      const b = resealed(edit);
      expect(codeOf(b), what).toBe(F.ERR_BAD_TENSOR);
      const where = what.startsWith('graph input') ? 'graph input 0' : `tensor ${what.includes('weights') ? weightId : arenaId} \\('`;
      expect(() => readBlob(b), what).toThrow(new RegExp(`^${where}`));
    }
    const past = resealed((dv) => dv.setUint32(t + F.T_OFFSET, H(F.H_ARENA_SIZE)(dv), true));
    expect(() => readBlob(past)).toThrow(
      new RegExp(`tensor ${arenaId} \\('${view0.tensors[arenaId].name}'\\): offset ${view0.arenaSize} \\+ size ${view0.tensors[arenaId].byteSize} exceeds arena ${view0.arenaSize}`),
    );
  });

  it('bad op records: ERR_BAD_OP, naming the op', () => {
    const o = opAt(convIndex);
    const ioWord = (dv: DataView) => H(F.H_INDEX_OFFSET)(dv) + 4 * dv.getUint32(o + F.O_IO_INDEX, true);
    const paramWord = (dv: DataView, k: number) => H(F.H_PARAMS_OFFSET)(dv) + 4 * (dv.getUint32(o + F.O_PARAMS_INDEX, true) + k);
    const cases: [string, (dv: DataView) => void][] = [
      ['opcode 0', (dv) => dv.setUint16(o + F.O_OPCODE, 0, true)],
      ['opcode count', (dv) => dv.setUint16(o + F.O_OPCODE, F.OPCODE_COUNT, true)],
      ['unknown flag', (dv) => dv.setUint16(o + F.O_FLAGS, 4, true)],
      ['io past index', (dv) => dv.setUint32(o + F.O_IO_INDEX, H(F.H_INDEX_COUNT)(dv), true)],
      ['params past end', (dv) => dv.setUint32(o + F.O_PARAMS_INDEX, H(F.H_PARAMS_COUNT)(dv), true)],
      ['tensor id past count', (dv) => dv.setUint32(ioWord(dv), H(F.H_TENSOR_COUNT)(dv), true)],
      ['too few inputs', (dv) => dv.setUint16(o + F.O_INPUT_COUNT, 1, true)],
      ['param count', (dv) => dv.setUint32(o + F.O_PARAMS_COUNT, 10, true)],
      ['stride 0', (dv) => dv.setInt32(paramWord(dv, 0), 0, true)],
      ['negative pad', (dv) => dv.setInt32(paramWord(dv, 5), -1, true)],
      ['act_min > act_max', (dv) => {
        dv.setInt32(paramWord(dv, 9), 127, true);
        dv.setInt32(paramWord(dv, 10), -128, true);
      }],
      ['scratch id', (dv) => dv.setInt32(o + F.O_SCRATCH_TENSOR, H(F.H_TENSOR_COUNT)(dv), true)],
      ['output is a weight', (dv) => dv.setUint32(ioWord(dv) + 4 * 5, weightId, true)],
      ['input 0 absent', (dv) => dv.setUint32(ioWord(dv), view0.tensors.find((t) => t.storageName === 'empty')!.id, true)],
    ];
    for (const [what, edit] of cases) {
      const b = resealed(edit);
      expect(codeOf(b), what).toBe(F.ERR_BAD_OP);
      expect(() => readBlob(b), what).toThrow(new RegExp(`^op ${convIndex} \\('${view0.ops[convIndex].name}'`));
    }
  });

  it('output overlapping an input without the in-place flag: ERR_BAD_OP', () => {
    const i = view0.ops.findIndex((o) => o.inPlace);
    expect(i).toBeGreaterThanOrEqual(0);
    expect(codeOf(resealed((dv) => dv.setUint16(opAt(i) + F.O_FLAGS, 0, true)))).toBe(F.ERR_BAD_OP);
  });

  it('metadata that is not a UTF-8 JSON object: ERR_BAD_META', () => {
    const metaAt = H(F.H_META_OFFSET)(dv0);
    expect(codeOf(resealed((_, b) => (b[metaAt] = 0x5b)))).toBe(F.ERR_BAD_META); // '[' ... not an object / not JSON
    expect(codeOf(resealed((_, b) => (b[metaAt + 1] = 0xff)))).toBe(F.ERR_BAD_META); // invalid UTF-8
  });

  it('seeded mutation fuzz: 3000 blobs, only BlobErrors, deep checks reached', () => {
    const r = rng(2024);
    const codes = new Map<number, number>();
    const src = good.blob;
    for (let n = 0; n < 3000; n++) {
      let b = src.slice();
      const dv = new DataView(b.buffer);
      const kind = randInt(r, 0, 4);
      const at = randInt(r, 0, b.length - 1);
      if (kind === 0) b[at] ^= 1 << randInt(r, 0, 7);
      else if (kind === 1) {
        const w = Math.min(at & ~3, b.length - 4);
        const pool = [0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 16, randInt(r, 0, 1 << 16), randInt(r, 0, 0xffffffff)];
        dv.setUint32(w, pool[randInt(r, 0, pool.length - 1)], true);
      } else if (kind === 2) b = b.subarray(0, at);
      else if (kind === 3) dv.setUint8(at, randInt(r, 0, 255));
      else for (let k = 0; k < 4; k++) b[randInt(r, 0, b.length - 1)] = randInt(r, 0, 255);
      const sealed = kind !== 2 && r() < 0.7;
      const mutated = sealed ? resealed(() => {}, b) : b;
      let code: number;
      try {
        readBlob(mutated);
        code = F.OK;
      } catch (e) {
        expect(e, `mutation ${n}`).toBeInstanceOf(BlobError);
        code = (e as BlobError).code;
        expect(code).toBeGreaterThan(F.OK);
        expect(code).toBeLessThanOrEqual(F.ERR_BAD_META);
      }
      // An unsealed change after the CRC field must be caught by the CRC (or the size checks before it).
      // (single-site kinds only, past total_size so the CRC range itself is intact)
      if (!sealed && (kind === 0 || kind === 1 || kind === 3) && at >= F.H_TOTAL_SIZE + 8 && firstDiff(mutated, src) !== -1) {
        expect(code, `mutation ${n} at ${at}`).toBe(F.ERR_BAD_CRC);
      }
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    console.log('fuzz result codes:', Object.fromEntries([...codes].sort((a, b) => a[0] - b[0])));
    for (const c of [F.ERR_TOO_SMALL, F.ERR_BAD_CRC, F.ERR_BAD_HEADER, F.ERR_BAD_TENSOR, F.ERR_BAD_OP]) expect(codes.get(c) ?? 0, `code ${c}`).toBeGreaterThan(0);
  });
});

describe('writeFileAtomic', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mote-emit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('writes the bytes, replaces an existing file and leaves no temp file', () => {
    const path = join(dir, 'model.mote');
    writeFileSync(path, 'old content');
    writeFileAtomic(path, good.blob);
    expect(firstDiff(new Uint8Array(readFileSync(path)), good.blob)).toBe(-1);
    expect(readdirSync(dir)).toEqual(['model.mote']);
    expect(() => writeFileAtomic(join(dir, 'missing-dir', 'x.mote'), good.blob)).toThrow(/ENOENT/);
  });
});

// ---- Cross-check with the WASM runtime ---------------------------------------------------------
// The runtime's loader validates every record (including exact output shapes) and its kernels run
// the schedule in the planned arena, in place where the plan says so. Its outputs must equal the
// reference interpreter's on the same graph: a planner overlap or a misplaced param word would not.
const wasmPath = new URL('../build/mote.simd.wasm', import.meta.url);
describe.skipIf(!existsSync(wasmPath))('emitted blobs on the WASM runtime (build/mote.simd.wasm present)', () => {
  it('load, run, and match the reference interpreter', async () => {
    const module = await WebAssembly.compile(readFileSync(wasmPath));
    const cases: [string, Graph][] = [
      ['every f32 op', everyOpGraph(false)],
      ['every int8 op', everyOpGraph(true)],
      ['MobileNet-like f32', mobileNetLike(5, { size: 24, blocks: 5 })],
      ['MobileNet-like int8', mobileNetLike(5, { int8: true, size: 24, blocks: 5 })],
      ...Array.from({ length: 8 }, (_, i) => [`random DAG ${i + 1}`, randomDag(i + 1, 30, true)] as [string, Graph]),
    ];
    const r = rng(77);
    const int8Exact = (what: string) => what.includes('int8'); // integer kernels are bit-exact (dequantized outputs)
    for (const [what, g] of cases) {
      const plan = planMemory(g);
      const blob = emitBlob(g, plan);
      const inputs = g.inputs.map((n) => {
        const t = g.tensor(n);
        const a = new Float32Array(t.shape.reduce((x, y) => x * y, 1));
        for (let i = 0; i < a.length; i++) a[i] = r() * 2 - 1;
        return a;
      });
      const model = MoteRuntime.fromModule('simd', module).load(blob);
      const got = model.run(inputs);
      const want = runGraph(g, inputs);
      expect(got.length, what).toBe(want.length);
      got.forEach((y, k) => {
        const w = want[k] as Float32Array;
        let worst = 0;
        for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(Number(y[i]) - w[i]) / (1 + Math.abs(w[i])));
        // f32 sums run in another order (SIMD lanes), so allow rounding; a planner overlap or a
        // misplaced param word gives errors of order 1.
        expect(worst, `${what}: output ${k}`).toBeLessThan(int8Exact(what) ? 1e-6 : 2e-3);
      });
    }
  });
});
