// Direct-weights kernels against the dense ones (run by hand; results go in docs/COMPRESSION.md and
// bench/results/sparse-crossover.json):
//
//   npx tsx bench/sparse-crossover.ts [--quick] [--builds simd,scalar] [--no-write]
//
// For each layer shape, one int8 op (fully_connected or conv2d) is emitted three ways from the
// same graph: dense weights, sparse-rows direct (ENC_SPARSE_ROWS) at several densities, and palette
// direct (2- and 4-bit indices). Each pair is timed on the same runtime instance kind, alternating
// batches of runs so drift on a shared machine hits both sides; the figure is the ratio of the
// p10s (direct ÷ dense, < 1: direct is faster). The crossover density is where the sparse ratio
// crosses 1 (linear interpolation between the measured densities). The converter's placement
// decision (converter/plan/weights-placement.ts) uses these measured ratios.
import { writeFileSync } from 'node:fs';
import * as F from '../format/format.js';
import { cpus } from 'node:os';
import { Graph, type Node, type OpName, type Tensor, type TensorData } from '../converter/ir/graph.js';
import { inferShapes } from '../converter/ir/shapes.js';
import { emitBlob } from '../converter/emit/index.js';
import { planMemory } from '../converter/plan/index.js';
import { quantizeMultiplier } from '../converter/passes/quantize/multiplier.js';
import type { DirectEncoding } from '../converter/codec/streams.js';
import { loadWasmFile } from '../host/node-loader.js';
import { MoteRuntime, type MoteBuild, type MoteTypedArray } from '../host/runtime.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const builds = ((args[args.indexOf('--builds') + 1] && args.includes('--builds')) ? args[args.indexOf('--builds') + 1].split(',') : ['simd', 'scalar']) as MoteBuild[];
const write = !args.includes('--no-write');

let seed = 12345;
const rand = () => {
  seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};
const randInt = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const randS8 = (n: number) => Int8Array.from({ length: n }, () => randInt(-128, 127));

interface Shape {
  id: string;
  op: 'fully_connected' | 'conv2d';
  x: number[];
  w: number[];
  attrs: Node['attrs'];
}

const SHAPES: Shape[] = [
  { id: 'fc 1x256→10 (mnist-8 FC)', op: 'fully_connected', x: [1, 256], w: [10, 256], attrs: {} },
  { id: 'fc 1x640→128 (ad)', op: 'fully_connected', x: [1, 640], w: [128, 640], attrs: {} },
  { id: 'fc 1x1024→256', op: 'fully_connected', x: [1, 1024], w: [256, 1024], attrs: {} },
  { id: 'fc 8x512→128 (batch 8)', op: 'fully_connected', x: [8, 512], w: [128, 512], attrs: {} },
  { id: 'conv 1x1 16x16x64→64', op: 'conv2d', x: [1, 16, 16, 64], w: [64, 1, 1, 64], attrs: { strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], group: 1 } },
  { id: 'conv 3x3 14x14x32→32 (mnist-8 conv2-like)', op: 'conv2d', x: [1, 14, 14, 32], w: [32, 3, 3, 32], attrs: { strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], group: 1 } },
];
const DENSITIES = quick ? [0.1, 0.3, 0.6, 1] : [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1];
const PALETTE_K = [4, 16];

function graphOf(s: Shape, w: Int8Array): Graph {
  const g = new Graph();
  const o = s.w[0];
  const K = s.w.slice(1).reduce((a, b) => a * b, 1);
  const xq = { scale: [0.03], zeroPoint: [randInt(-50, 50)] };
  const oq = { scale: [0.03 * 0.02 * Math.sqrt(K)], zeroPoint: [randInt(-10, 10)] };
  const mult = new Int32Array(o), shift = new Int32Array(o);
  for (let i = 0; i < o; i++) {
    const m = quantizeMultiplier((xq.scale[0] * (0.002 + rand() * 0.01)) / oq.scale[0]);
    mult[i] = m.multiplier;
    shift[i] = m.shift;
  }
  const add = (t: Tensor) => g.addTensor(t);
  add({ name: 'x', dtype: 's8', shape: s.x, quant: xq });
  add({ name: 'w', dtype: 's8', shape: s.w, data: w });
  add({ name: 'b', dtype: 's32', shape: [o], data: Int32Array.from({ length: o }, () => randInt(-3000, 3000)) });
  add({ name: 'm', dtype: 's32', shape: [o], data: mult });
  add({ name: 's', dtype: 's32', shape: [o], data: shift });
  add({ name: 'y', dtype: 's8', shape: [], quant: oq });
  g.inputs.push('x');
  g.outputs.push('y');
  g.nodes.push({ op: s.op as OpName, name: 'op', inputs: ['x', 'w', 'b', 'm', 's'], outputs: ['y'], attrs: s.attrs, int8: { actMin: -128, actMax: 127 } } as Node);
  inferShapes(g);
  return g;
}

function sparseWeights(n: number, density: number): Int8Array {
  return Int8Array.from({ length: n }, () => (rand() < density ? (randInt(1, 127) * (rand() < 0.5 ? -1 : 1)) : 0));
}
function paletteWeights(rows: number, K: number, k: number): Int8Array {
  const out = new Int8Array(rows * K);
  for (let r = 0; r < rows; r++) {
    const book = Array.from({ length: k }, () => randInt(-127, 127));
    for (let j = 0; j < K; j++) out[r * K + j] = book[randInt(0, k - 1)];
  }
  return out;
}

const modules = new Map<MoteBuild, WebAssembly.Module>();
async function moduleOf(build: MoteBuild) {
  let m = modules.get(build);
  if (!m) {
    m = await WebAssembly.compile((await loadWasmFile(build)) as BufferSource);
    modules.set(build, m);
  }
  return m;
}

/** Runner of one blob: runInto with preallocated in/out arrays. */
async function runner(build: MoteBuild, blob: Uint8Array, x: TensorData): Promise<() => void> {
  const model = MoteRuntime.fromModule(build, await moduleOf(build)).load(blob);
  const out = new Int8Array(model.outputs[0].shape.reduce((a, b) => a * b, 1));
  const inputs = [x as MoteTypedArray];
  return () => model.runInto(inputs, [out]);
}

const p10 = (a: number[]) => [...a].sort((u, v) => u - v)[Math.floor(a.length * 0.1)];

/** p10 ms per run of a and b, timed in alternating batches. */
function timePair(a: () => void, b: () => void): [number, number] {
  // Warm-up as bench/measure.ts does (V8 tiers wasm up from Liftoff to TurboFan in the background;
  // on a busy machine that can take a while): >= 50 runs and >= 0.4 s of each.
  for (const f of [a, b]) {
    const w0 = performance.now();
    for (let i = 0; i < 50 || performance.now() - w0 < (quick ? 100 : 300); i++) f();
  }
  // Batch each side so one sample takes ~1 ms (timer resolution). Both sides' samples must be about
  // as long: on a shared, loaded machine a long sample is always preempted, a short one often not,
  // so unequal batches would skew the p10s.
  const repsOf = (f: () => void) => {
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) f();
    return Math.max(1, Math.min(2000, Math.round(1 / Math.max((performance.now() - t0) / 5, 0.0005))));
  };
  const ra = repsOf(a), rb = repsOf(b);
  const ta: number[] = [], tb: number[] = [];
  const samples = quick ? 15 : 31;
  for (let s = 0; s < samples; s++) {
    for (const [f, t, reps] of [[a, ta, ra], [b, tb, rb]] as const) {
      const t1 = performance.now();
      for (let r = 0; r < reps; r++) f();
      t.push((performance.now() - t1) / reps);
    }
  }
  return [p10(ta), p10(tb)];
}

interface Row { build: MoteBuild; shape: string; kind: string; density?: number; bits?: number; denseMs: number; directMs: number; ratio: number; streamBytes: number; denseBytes: number }
const rows: Row[] = [];

/** The blob's weights section (the weights stream plus bias and requantization tables). */
function streamBytes(blob: Uint8Array): number {
  return new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(F.H_WEIGHTS_SIZE, true);
}

async function main() {
  for (const build of builds) {
    for (const s of SHAPES) {
      const n = s.w.reduce((a, b) => a * b, 1);
      const K = n / s.w[0];
      const x = randS8(s.x.reduce((a, b) => a * b, 1));
      const cases: [string, Int8Array, DirectEncoding, number | undefined, number | undefined][] = [
        ...DENSITIES.map((d) => ['sparse-rows', sparseWeights(n, d), 'sparse-rows', d, undefined] as [string, Int8Array, DirectEncoding, number, undefined]),
        ...PALETTE_K.map((k) => [`palette k${k}`, paletteWeights(s.w[0], K, k), 'palette', undefined, k <= 4 ? 2 : 4] as [string, Int8Array, DirectEncoding, undefined, number]),
      ];
      for (const [kind, w, enc, density, bits] of cases) {
        const g = graphOf(s, w);
        const plan = planMemory(g);
        const dense = emitBlob(g, plan);
        const direct = emitBlob(g, plan, {}, { directWeights: new Map([['w', enc]]) });
        const [dm, xm] = timePair(await runner(build, dense, x), await runner(build, direct, x));
        const row: Row = {
          build, shape: s.id, kind, density, bits, denseMs: dm, directMs: xm, ratio: xm / dm,
          streamBytes: streamBytes(direct), denseBytes: streamBytes(dense),
        };
        rows.push(row);
        console.log(`${build.padEnd(6)} ${s.id.padEnd(42)} ${kind.padEnd(12)} ${density !== undefined ? `d=${density.toFixed(2)}` : `    ${bits}b`}  dense ${dm.toFixed(4)} ms  direct ${xm.toFixed(4)} ms  ratio ${row.ratio.toFixed(2)}`);
      }
    }
  }
  // Crossover per build and shape: the density where direct/dense crosses 1.
  const crossover: { build: MoteBuild; shape: string; density: number | null }[] = [];
  for (const build of builds) {
    for (const s of SHAPES) {
      const pts = rows.filter((r) => r.build === build && r.shape === s.id && r.kind === 'sparse-rows');
      let d: number | null = 0;
      for (let i = 0; i < pts.length; i++) {
        if (pts[i].ratio >= 1) {
          d = i === 0 ? 0 : pts[i - 1].density! + ((1 - pts[i - 1].ratio) / (pts[i].ratio - pts[i - 1].ratio)) * (pts[i].density! - pts[i - 1].density!);
          break;
        }
        if (i === pts.length - 1) d = 1;
      }
      crossover.push({ build, shape: s.id, density: d });
      console.log(`crossover ${build} ${s.id}: sparse-rows direct is faster below density ${d?.toFixed(2)}`);
    }
  }
  if (write) {
    const out = { date: new Date().toISOString(), machine: `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}, node ${process.version}`, rows, crossover };
    writeFileSync(new URL('./results/sparse-crossover.json', import.meta.url), JSON.stringify(out, null, 1));
    console.log('wrote bench/results/sparse-crossover.json');
  }
}

await main();
