// Shared by the runtime tests: builds the WASM when stale, compiles both builds once, turns one-op
// IR graphs into blobs with the real planner and emitter, and runs them on a fresh runtime.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Graph, type Int8Params, type Node, type OpName, type Tensor, type TensorData } from '../converter/ir/graph.js';
import { inferShapes } from '../converter/ir/shapes.js';
import { planMemory } from '../converter/plan/index.js';
import { emitBlob } from '../converter/emit/index.js';
import { expect } from 'vitest';
import { readBlob } from '../host/blob-reader.js';
import { MoteRuntime, type MoteBuild, type MoteTypedArray } from '../host/runtime.js';

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
  return rt.load(blob).run(inputs as MoteTypedArray[]);
}

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
