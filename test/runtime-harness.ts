// Shared by the runtime tests: builds the WASM when stale, compiles both builds once, turns one-op
// IR graphs into blobs with the real planner and emitter, and runs them on a fresh runtime.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Graph, type Int8Params, type Node, type OpName, type Tensor, type TensorData, numel } from '../converter/ir/graph.js';
import { inferShapes } from '../converter/ir/shapes.js';
import { planMemory } from '../converter/plan/index.js';
import { emitBlob } from '../converter/emit/index.js';
import { expect } from 'vitest';
import { readBlob } from '../host/blob-reader.js';
import { MoteError, MoteRuntime, type MoteBuild, type MoteTypedArray } from '../host/runtime.js';
import * as F from '../format/format.js';
import { crc32 } from '../converter/emit/index.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BUILDS: MoteBuild[] = ['simd', 'scalar'];

function newestSource(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Rebuilds build/mote.*.wasm when missing or older than assembly/, format/ (format.ts,
 * kernel-scratch.ts, runtime-features.ts: the runtime compiles them) or asconfig.json. */
export async function ensureWasmBuilt(): Promise<void> {
  const src = Math.max(
    newestSource(join(repoRoot, 'assembly')),
    newestSource(join(repoRoot, 'format')),
    statSync(join(repoRoot, 'asconfig.json')).mtimeMs,
  );
  const stale = BUILDS.some((b) => {
    const p = join(repoRoot, 'build', `mote.${b}.wasm`);
    return !existsSync(p) || statSync(p).mtimeMs < src;
  });
  if (stale) {
    const { buildAll } = await import('../scripts/build-wasm.mjs');
    await buildAll();
  }
}

const modules = new Map<MoteBuild, WebAssembly.Module>();
export async function wasmModule(build: MoteBuild): Promise<WebAssembly.Module> {
  let m = modules.get(build);
  if (!m) {
    await ensureWasmBuilt();
    m = await WebAssembly.compile(await readFile(join(repoRoot, 'build', `mote.${build}.wasm`)));
    modules.set(build, m);
  }
  return m;
}

/** A fresh runtime (one model per instance). */
export async function freshRuntime(build: MoteBuild): Promise<MoteRuntime> {
  return MoteRuntime.fromModule(build, await wasmModule(build));
}

// Blob surgery for the validation tests: a header or table word read and written in place, and the
// CRC made right again afterwards (so that validation, not the checksum, has to catch the damage).
export const u32 = (b: Uint8Array, at: number): number => new DataView(b.buffer, b.byteOffset).getUint32(at, true);
export const setU32 = (b: Uint8Array, at: number, v: number): void => new DataView(b.buffer, b.byteOffset).setUint32(at, v >>> 0, true);
export const fixCrc = (b: Uint8Array): void => setU32(b, F.H_CRC32, crc32(b, F.CRC_START, b.length));

/** Loading `blob` fails with ERR_BAD_OP and a message matching `what`, on both builds. */
export async function expectLoadRefused(blob: Uint8Array, what: RegExp): Promise<void> {
  for (const build of BUILDS) {
    const rt = await freshRuntime(build);
    let err: unknown;
    try {
      rt.load(blob);
    } catch (e) {
      err = e;
    }
    expect(err, `${build}: the load must fail`).toBeInstanceOf(MoteError);
    expect((err as MoteError).code).toBe(F.ERR_BAD_OP);
    expect((err as MoteError).message).toMatch(what);
  }
}

/** A copy of `blob` with tensor `id`'s record edited (CRC fixed; byte size kept consistent by the caller). */
export function editTensor(blob: Uint8Array, id: number, edit: (d: DataView, at: number) => void): Uint8Array {
  const b = blob.slice();
  const d = new DataView(b.buffer);
  const at = d.getUint32(F.H_TENSOR_TABLE_OFFSET, true) + id * F.TENSOR_RECORD_SIZE;
  edit(d, at);
  const dims = Array.from({ length: d.getUint8(at + F.T_RANK) }, (_, i) => d.getInt32(at + F.T_DIMS + 4 * i, true));
  const size = numel(dims) * (d.getUint8(at + F.T_DTYPE) === F.DTYPE_F32 ? 4 : 1);
  if (size <= d.getUint32(at + F.T_BYTE_SIZE, true)) d.setUint32(at + F.T_BYTE_SIZE, size, true);
  fixCrc(b);
  return b;
}

export function blobOf(g: Graph): Uint8Array {
  const blob = emitBlob(g, planMemory(g));
  // `mote run / inspect / bench / profile / runtime / export` read blobs with the host reader
  // first: it must accept every blob the emitter writes (it once refused int16, LSTM and
  // binarized-activation blobs the runtime runs).
  readBlob(blob);
  return blob;
}

export async function runBlob(build: MoteBuild, blob: Uint8Array, inputs: TensorData[]): Promise<MoteTypedArray[]> {
  const rt = await freshRuntime(build);
  const model = rt.load(blob);
  const outputs = model.run(inputs as MoteTypedArray[]);
  expectWritesInPlace(rt, blob, () => model.run(inputs as MoteTypedArray[]), inputs, outputs);
  return outputs;
}

const POISON = 0xa5;

/**
 * Runs a loaded model again over a poisoned arena and checks that its kernels wrote only the arena
 * tensors the graph computes (outputs, intermediates, kernel scratch): the input bytes no op
 * shares stay what the host wrote, every other byte of the arena keeps the poison, and the outputs
 * come out as on the first run. A tile tail or a spare store one element past an output can leave
 * the output right and still clobber a neighbour; this is where it shows.
 */
function expectWritesInPlace(rt: MoteRuntime, blob: Uint8Array, rerun: () => MoteTypedArray[], inputs: TensorData[], first: MoteTypedArray[]): void {
  const ex = rt.exports;
  const header = new DataView(blob.buffer, blob.byteOffset, F.HEADER_SIZE);
  const blobAt = align16(ex.mote_heap_base());
  const arenaAt = align16(align16(blobAt + ex.mote_blob_copy_size()) + header.getUint32(F.H_EXPANDED_SIZE, true));
  const arenaSize = header.getUint32(F.H_ARENA_SIZE, true);
  if (arenaSize === 0) return;
  const inputIds = Array.from({ length: ex.mote_input_count() }, (_, i) => ex.mote_input_tensor(i));
  // 0: must keep the poison; 1: a tensor the graph writes; 2 + i: graph input i, no writer.
  const role = new Uint8Array(arenaSize);
  for (let id = 0; id < ex.mote_tensor_count(); id++) {
    if (ex.mote_tensor_storage(id) !== F.STORAGE_ARENA || inputIds.includes(id)) continue;
    const at = ex.mote_tensor_ptr(id) - arenaAt;
    role.fill(1, at, at + ex.mote_tensor_bytes(id));
  }
  inputIds.forEach((id, i) => {
    const at = ex.mote_tensor_ptr(id) - arenaAt;
    for (let k = at; k < at + ex.mote_tensor_bytes(id); k++) if (role[k] === 0) role[k] = 2 + i;
  });
  new Uint8Array(ex.memory.buffer, arenaAt, arenaSize).fill(POISON);
  const again = rerun();
  const arena = new Uint8Array(ex.memory.buffer, arenaAt, arenaSize);
  const inputBytes = inputs.map((x) => new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  let stray = '';
  for (let k = 0; k < arenaSize && !stray; k++) {
    const r = role[k];
    if (r === 0 && arena[k] !== POISON) stray = `arena byte ${k} (outside every tensor the graph writes) changed to ${arena[k]}`;
    if (r >= 2) {
      const id = inputIds[r - 2];
      const want = inputBytes[r - 2][k - (ex.mote_tensor_ptr(id) - arenaAt)];
      if (arena[k] !== want) stray = `graph input ${r - 2}, byte ${k - (ex.mote_tensor_ptr(id) - arenaAt)}, changed from ${want} to ${arena[k]}`;
    }
  }
  expect(stray, 'the kernels write only the tensors the graph computes').toBe('');
  again.forEach((y, i) => expect(Buffer.from(y.buffer, y.byteOffset, y.byteLength).equals(Buffer.from(first[i].buffer, first[i].byteOffset, first[i].byteLength)), `output ${i} over a poisoned arena`).toBe(true));
}

const align16 = (n: number): number => (n + 15) & ~15;

// ---- one-op graphs ----
export interface TensorSpec {
  dtype: Tensor['dtype'];
  shape: number[];
  data?: TensorData;
  quant?: { scale: number; zeroPoint: number };
}

/** One int8 op under test: its inputs (constants carry data), output quantization and params. */
export interface Int8OpCase {
  label: string;
  op: OpName;
  inputs: (TensorSpec | null)[];
  out: { dtype: 's8'; quant: { scale: number; zeroPoint: number } };
  attrs: Node['attrs'];
  int8: Int8Params;
}

/**
 * A graph of one node: `inputs` are graph inputs unless they carry data (constants) or are null
 * (absent optional input); the single output's shape comes from inferShapes.
 */
export function oneOpGraph(
  op: OpName,
  inputs: (TensorSpec | null)[],
  out: { dtype: Tensor['dtype']; quant?: { scale: number; zeroPoint: number } },
  attrs: Node['attrs'],
  int8?: Int8Params,
): Graph {
  const g = new Graph();
  const names = inputs.map((spec, i) => {
    if (!spec) return '';
    const name = `in${i}`;
    g.addTensor({
      name,
      dtype: spec.dtype,
      shape: spec.shape,
      data: spec.data,
      quant: spec.quant ? { scale: [spec.quant.scale], zeroPoint: [spec.quant.zeroPoint] } : undefined,
    });
    if (!spec.data) g.inputs.push(name);
    return name;
  });
  g.addTensor({ name: 'out', dtype: out.dtype, shape: [], quant: out.quant ? { scale: [out.quant.scale], zeroPoint: [out.quant.zeroPoint] } : undefined });
  g.nodes.push({ op, name: `${op}_node`, inputs: names, outputs: ['out'], attrs, int8 } as Node);
  g.outputs.push('out');
  inferShapes(g);
  return g;
}

// ---- seeded random data ----
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}
export function randInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}
export function randF32(r: () => number, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
}
export function randS8(r: () => number, n: number, lo = -128, hi = 127): Int8Array {
  return Int8Array.from({ length: n }, () => randInt(r, lo, hi));
}

/** Random int8 feeds for a case's graph inputs (inputs without data), values in [lo, hi]. */
export function int8Feeds(c: Int8OpCase, r: () => number, lo = -128, hi = 127): Int8Array[] {
  return c.inputs
    .filter((s): s is TensorSpec => !!s && !s.data)
    .map((s) => randS8(r, s.shape.reduce((a, b) => a * b, 1), lo, hi));
}

/**
 * Runs each blob on both builds and checks every output byte against `want` (the reference
 * interpreter's), naming the first mismatch, and that all runs give the same bytes.
 */
export async function expectBlobsMatch(label: string, blobs: [string, Uint8Array][], feeds: TensorData[], want: TensorData): Promise<void> {
  const got: Buffer[] = [];
  for (const [form, blob] of blobs) {
    for (const build of BUILDS) {
      const [y] = await runBlob(build, blob, feeds);
      const where = `${label}${form ? ` ${form}` : ''} on ${build}`;
      expect(y.length, where).toBe(want.length);
      let mism = '';
      for (let i = 0; i < want.length && !mism; i++) if (y[i] !== want[i]) mism = `index ${i}: got ${y[i]}, want ${want[i]}`;
      expect(mism, `${where}: first mismatch`).toBe('');
      got.push(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
    }
  }
  for (const b of got.slice(1)) expect(b.equals(got[0]), `${label}: every blob and build gives the same bytes`).toBe(true);
}
