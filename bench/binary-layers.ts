// Per-layer latency of the 1-bit kernels against the dense int8 kernels on the same weights, both
// builds: the direct ÷ dense ratios converter/plan/weights-placement.ts uses for binary weights.
//
//   npx tsx bench/binary-layers.ts [--runs N] [--rounds R]
//
// Each shape is one op (conv2d or fully_connected) with random ±a_c weights, run three ways from
// the same graph: weights plain (dense int8 kernel), read in place (ENC_BINARY direct: bit-plane
// kernel), and with a binarize op in front (XNOR kernel when direct; the dense kernel on the ±1
// input otherwise). p10 of interleaved rounds; ratios are within one run.
import { Graph, type Node } from '../converter/ir/graph.js';
import { inferShapes } from '../converter/ir/shapes.js';
import { planMemory } from '../converter/plan/index.js';
import { emitBlob } from '../converter/emit/index.js';
import { quantizeMultiplier } from '../converter/passes/quantize/multiplier.js';
import { loadWasmFile } from '../host/node-loader.js';
import { MoteRuntime, type MoteBuild, type MoteModel } from '../host/runtime.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : dflt);
const runs = Number(arg('runs', '200')), rounds = Number(arg('rounds', '5'));

let seed = 12345;
const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
const ri = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));

interface Shape { label: string; op: 'conv2d' | 'fully_connected'; x: number[]; o: number; k?: [number, number]; pads?: number[] }
const SHAPES: Shape[] = [
  { label: 'mnist-8 conv2: 14x14x8, 5x5, 16 out, pad 2', op: 'conv2d', x: [1, 14, 14, 8], o: 16, k: [5, 5], pads: [2, 2, 2, 2] },
  { label: 'mnist-8 FC: 256 → 10', op: 'fully_connected', x: [1, 256], o: 10 },
  { label: 'KWS pointwise: 25x5x64, 1x1, 64 out', op: 'conv2d', x: [1, 25, 5, 64], o: 64, k: [1, 1], pads: [0, 0, 0, 0] },
  { label: 'KWS FC: 64 → 12', op: 'fully_connected', x: [1, 64], o: 12 },
  { label: 'conv 3x3: 16x16x32, 32 out, pad 1', op: 'conv2d', x: [1, 16, 16, 32], o: 32, k: [3, 3], pads: [1, 1, 1, 1] },
  { label: 'FC: 512 → 128', op: 'fully_connected', x: [1, 512], o: 128 },
];

function graph(s: Shape, binarized: boolean): Graph {
  const g = new Graph();
  const xq = { scale: [0.05], zeroPoint: [-20] };
  g.addTensor({ name: 'x', dtype: 's8', shape: s.x, quant: xq });
  g.inputs.push('x');
  const c = s.x[s.x.length - 1], kk = s.k ? s.k[0] * s.k[1] * c : c;
  const wShape = s.op === 'conv2d' ? [s.o, s.k![0], s.k![1], c] : [s.o, c];
  const w = new Int8Array(s.o * kk);
  for (let ch = 0; ch < s.o; ch++) for (let i = 0; i < kk; i++) w[ch * kk + i] = rnd() < 0.5 ? 127 : -127;
  g.addTensor({ name: 'w', dtype: 's8', shape: wShape, data: w, quant: { scale: Array(s.o).fill(0.01), zeroPoint: Array(s.o).fill(0) } });
  g.addTensor({ name: 'b', dtype: 's32', shape: [s.o], data: Int32Array.from({ length: s.o }, () => ri(-1000, 1000)) });
  const inScale = binarized ? 1 : 0.05;
  const m = quantizeMultiplier((inScale * 0.01) / (0.05 * Math.sqrt(kk) * 2));
  g.addTensor({ name: 'm', dtype: 's32', shape: [s.o], data: new Int32Array(s.o).fill(m.multiplier) });
  g.addTensor({ name: 'sh', dtype: 's32', shape: [s.o], data: new Int32Array(s.o).fill(m.shift) });
  g.addTensor({ name: 'y', dtype: 's8', shape: [], quant: { scale: [0.1], zeroPoint: [0] } });
  let input = 'x';
  if (binarized) {
    g.addTensor({ name: 'xb', dtype: 's8', shape: s.x, quant: { scale: [1], zeroPoint: [0] } });
    g.nodes.push({ op: 'binarize', name: 'bin', inputs: ['x'], outputs: ['xb'], attrs: { threshold: -20 }, int8: {} } as Node);
    input = 'xb';
  }
  const attrs = s.op === 'conv2d' ? { strides: [1, 1], dilations: [1, 1], pads: s.pads, group: 1 } : {};
  g.nodes.push({ op: s.op, name: 'layer', inputs: [input, 'w', 'b', 'm', 'sh'], outputs: ['y'], attrs, int8: { actMin: -128, actMax: 127 } } as Node);
  g.outputs.push('y');
  inferShapes(g);
  return g;
}

const modules = new Map<MoteBuild, WebAssembly.Module>();
async function load(build: MoteBuild, blob: Uint8Array): Promise<MoteModel> {
  if (!modules.has(build)) modules.set(build, await WebAssembly.compile((await loadWasmFile(build)) as BufferSource));
  return MoteRuntime.fromModule(build, modules.get(build)!).load(blob);
}

const p10 = (t: number[]) => [...t].sort((a, b) => a - b)[Math.floor(t.length * 0.1)] * 1000;
const out = [];
for (const s of SHAPES) {
  const variants: [string, Uint8Array][] = [];
  for (const binarized of [false, true]) {
    const g = graph(s, binarized);
    const plan = planMemory(g);
    variants.push([binarized ? 'binarized input, dense' : 'dense', emitBlob(g, plan)]);
    variants.push([binarized ? 'XNOR (direct)' : '1-bit direct', emitBlob(g, plan, {}, { directWeights: new Map([['w', 'binary' as const]]) })]);
  }
  const x = Int8Array.from({ length: s.x.reduce((a, b) => a * b, 1) }, () => ri(-128, 127));
  const row: Record<string, unknown> = { label: s.label };
  for (const build of ['simd', 'scalar'] as MoteBuild[]) {
    const models = await Promise.all(variants.map(([, b]) => load(build, b)));
    const t = models.map(() => [] as number[]);
    for (let r = 0; r < rounds; r++) {
      models.forEach((m, i) => {
        for (let k = 0; k < 3; k++) m.run([x]);
        for (let k = 0; k < runs; k++) {
          const t0 = performance.now();
          m.run([x]);
          t[i].push(performance.now() - t0);
        }
      });
    }
    const us = t.map(p10);
    row[build] = Object.fromEntries(variants.map(([name], i) => [name, +us[i].toFixed(1)]));
    row[`${build} ratios`] = { '1-bit direct / dense': +(us[1] / us[0]).toFixed(2), 'XNOR / dense on the same ±1 input': +(us[3] / us[2]).toFixed(2) };
  }
  out.push(row);
  console.log(JSON.stringify(row));
}
