// QDQ models (the form ONNX Runtime's quantize_static writes) folded into int8 by Mote, against
// ONNX Runtime running the very same QDQ model.
//
// The test builds a small float CNN (Conv+Relu, depthwise Conv+Relu, MaxPool, 1x1 Conv, residual
// Add, GlobalAveragePool, Flatten, Gemm), calibrates it with ONNX Runtime on seeded random inputs
// and writes its QDQ form itself: QuantizeLinear → DequantizeLinear on every activation (min/max,
// asymmetric), int8 per-channel symmetric weights and int32 biases behind DequantizeLinear. That is
// the independent producer; Mote imports it, folds it (no float conv/FC may remain) and runs it on
// the reference interpreter and both WASM builds. ONNX Runtime requantizes in float, Mote in TFLM's
// fixed point, so the int8 outputs may differ by one step: asserted ≤ 1, distribution printed.
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { importOnnx } from '../converter/import/onnx.js';
import type { Graph, TensorData } from '../converter/ir/graph.js';
import { validateGraph } from '../converter/ir/validate.js';
import { optimize } from '../converter/passes/index.js';
import { prepareInt8 } from '../converter/passes/quantize/index.js';
import { evaluateNode, runGraph } from '../converter/reference/interpreter.js';
import type { MoteTypedArray } from '../host/runtime.js';
import { BUILDS, blobOf, freshRuntime } from './runtime-harness.js';
import { mulberry32 } from '../converter/util/random.js';

const { onnx } = onnxProto;
type INode = onnxProto.onnx.INodeProto;
type ITensor = onnxProto.onnx.ITensorProto;

const FLOAT = 1;
const UINT8 = 2;
const INT8 = 3;
const INT32 = 6;


function tensor(name: string, dataType: number, dims: number[], data: Float32Array | Int8Array | Uint8Array | Int32Array): ITensor {
  return { name, dataType, dims, rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) };
}

function node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, number | number[]> = {}): INode {
  const attribute = Object.entries(attrs).map(([name, v]) =>
    Array.isArray(v) ? { name, ints: v, type: onnx.AttributeProto.AttributeType.INTS } : { name, i: v, type: onnx.AttributeProto.AttributeType.INT },
  );
  return { opType, input: inputs, output: outputs, name: outputs[0], attribute };
}

function valueInfo(name: string, elemType: number, dims: number[]) {
  return { name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } };
}

function modelBytes(nodes: INode[], inits: ITensor[], inputs: ReturnType<typeof valueInfo>[], outputs: ReturnType<typeof valueInfo>[]): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'mote-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph: { name: 'qdq_cnn', node: nodes, initializer: inits, input: inputs, output: outputs },
  });
  return onnx.ModelProto.encode(model).finish();
}

// ---- the float model ---------------------------------------------------------------------------

interface FloatModel {
  nodes: INode[];
  weights: Map<string, { dims: number[]; data: Float32Array }>;
  /** Activation tensors to quantize, in order; `shareWith` reuses another tensor's parameters. */
  activations: { name: string; shareWith?: string; followsRelu?: boolean }[];
}

function floatModel(rand: () => number): FloatModel {
  const weights = new Map<string, { dims: number[]; data: Float32Array }>();
  const w = (name: string, dims: number[], scale: number) => {
    const n = dims.reduce((a, b) => a * b, 1);
    weights.set(name, { dims, data: Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale) });
    return name;
  };
  const nodes = [
    node('Conv', ['x', w('w1', [8, 3, 3, 3], 0.5), w('b1', [8], 0.2)], ['c1'], { pads: [1, 1, 1, 1] }),
    node('Relu', ['c1'], ['r1']),
    node('Conv', ['r1', w('w2', [8, 1, 3, 3], 0.6), w('b2', [8], 0.2)], ['c2'], { pads: [1, 1, 1, 1], group: 8 }),
    node('Relu', ['c2'], ['r2']),
    node('MaxPool', ['r2'], ['p'], { kernel_shape: [2, 2], strides: [2, 2] }),
    node('Conv', ['p', w('w3', [8, 8, 1, 1], 0.4), w('b3', [8], 0.1)], ['c3']),
    node('Add', ['p', 'c3'], ['a']),
    node('GlobalAveragePool', ['a'], ['gap']),
    node('Flatten', ['gap'], ['f']),
    node('Gemm', ['f', w('w4', [5, 8], 0.7), w('b4', [5], 0.1)], ['y'], { transB: 1 }),
  ];
  const activations = [
    { name: 'x' }, { name: 'r1' }, { name: 'r2' }, { name: 'p', shareWith: 'r2' }, { name: 'c3' }, { name: 'a' },
    { name: 'gap' }, { name: 'f', shareWith: 'gap' }, { name: 'y' },
  ];
  return { nodes, weights, activations };
}

function floatBytes(m: FloatModel, extraOutputs: string[]): Uint8Array {
  const inits = [...m.weights].map(([name, t]) => tensor(name, FLOAT, t.dims, t.data));
  return modelBytes(m.nodes, inits, [valueInfo('x', FLOAT, [1, 3, 8, 8])], ['y', ...extraOutputs].map((n) => ({ name: n })) as never);
}

// ---- the QDQ producer ---------------------------------------------------------------------------

interface Qp {
  scale: number;
  zp: number;
}

/** Asymmetric min/max parameters (range widened to include 0), for int8 or uint8. */
function activationQp(min: number, max: number, unsigned: boolean): Qp {
  const lo = Math.min(0, min);
  const hi = Math.max(0, max);
  const scale = Math.fround((hi - lo) / 255 || 1);
  const qmin = unsigned ? 0 : -128;
  const zp = Math.max(qmin, Math.min(qmin + 255, Math.round(qmin - lo / scale)));
  return { scale, zp };
}

async function calibrate(m: FloatModel, samples: Float32Array[]): Promise<Map<string, [number, number]>> {
  const names = m.activations.map((a) => a.name).filter((n) => n !== 'x' && n !== 'y');
  const session = await ort.InferenceSession.create(floatBytes(m, names));
  const ranges = new Map<string, [number, number]>();
  const see = (name: string, data: Float32Array) => {
    const r = ranges.get(name) ?? [Infinity, -Infinity];
    for (const v of data) {
      r[0] = Math.min(r[0], v);
      r[1] = Math.max(r[1], v);
    }
    ranges.set(name, r);
  };
  for (const s of samples) {
    see('x', s);
    const out = await session.run({ x: new ort.Tensor('float32', s, [1, 3, 8, 8]) });
    for (const [name, t] of Object.entries(out)) see(name, t.data as Float32Array);
  }
  return ranges;
}

/**
 * The QDQ model: every activation goes through QuantizeLinear → DequantizeLinear, weights are
 * int8 per output channel (symmetric) and biases int32 at scale x_scale · w_scale, both behind
 * DequantizeLinear (axis 0). The output is the quantized y.
 */
function qdqBytes(m: FloatModel, ranges: Map<string, [number, number]>, unsigned: boolean, extraOutputs: string[] = []): { bytes: Uint8Array; qp: Map<string, Qp> } {
  const qp = new Map<string, Qp>();
  for (const a of m.activations) {
    const [lo, hi] = ranges.get(a.shareWith ?? a.name)!;
    qp.set(a.name, a.shareWith ? qp.get(a.shareWith)! : activationQp(lo, hi, unsigned));
  }
  const qType = unsigned ? UINT8 : INT8;
  const inits: ITensor[] = [];
  const nodes: INode[] = [];
  const rename = new Map<string, string>(); // float tensor → its dequantized copy
  for (const a of m.activations) {
    const p = qp.get(a.name)!;
    inits.push(tensor(`${a.name}_scale`, FLOAT, [], new Float32Array([p.scale])));
    inits.push(tensor(`${a.name}_zp`, qType, [], unsigned ? new Uint8Array([p.zp]) : new Int8Array([p.zp])));
  }
  const qdq = (name: string) => {
    const q = `${name}_q`;
    nodes.push(node('QuantizeLinear', [name, `${name}_scale`, `${name}_zp`], [q]));
    if (name === 'y') return;
    nodes.push(node('DequantizeLinear', [q, `${name}_scale`, `${name}_zp`], [`${name}_dq`]));
    rename.set(name, `${name}_dq`);
  };
  qdq('x');
  for (const n of m.nodes) {
    const inputs = [...(n.input ?? [])];
    if (['Conv', 'Gemm'].includes(n.opType!)) {
      const x = inputs[0];
      const xScale = qp.get(x)!.scale;
      const wt = m.weights.get(inputs[1])!;
      const bt = m.weights.get(inputs[2])!;
      const oc = wt.dims[0];
      const per = wt.data.length / oc;
      const wScale = new Float32Array(oc);
      const wq = new Int8Array(wt.data.length);
      for (let c = 0; c < oc; c++) {
        let amax = 0;
        for (let i = 0; i < per; i++) amax = Math.max(amax, Math.abs(wt.data[c * per + i]));
        wScale[c] = Math.fround(amax / 127 || 1);
        for (let i = 0; i < per; i++) wq[c * per + i] = Math.max(-127, Math.min(127, Math.round(wt.data[c * per + i] / wScale[c])));
      }
      const bScale = Float32Array.from(wScale, (s) => Math.fround(xScale * s));
      const bq = Int32Array.from(bt.data, (v, c) => Math.round(v / bScale[c]));
      const wn = inputs[1];
      const bn = inputs[2];
      inits.push(tensor(`${wn}_q`, INT8, wt.dims, wq), tensor(`${wn}_scale`, FLOAT, [oc], wScale), tensor(`${wn}_zp`, INT8, [oc], new Int8Array(oc)));
      inits.push(tensor(`${bn}_q`, INT32, [oc], bq), tensor(`${bn}_scale`, FLOAT, [oc], bScale), tensor(`${bn}_zp`, INT32, [oc], new Int32Array(oc)));
      nodes.push(node('DequantizeLinear', [`${wn}_q`, `${wn}_scale`, `${wn}_zp`], [`${wn}_dq`], { axis: 0 }));
      nodes.push(node('DequantizeLinear', [`${bn}_q`, `${bn}_scale`, `${bn}_zp`], [`${bn}_dq`], { axis: 0 }));
      inputs[1] = `${wn}_dq`;
      inputs[2] = `${bn}_dq`;
    }
    nodes.push({ ...n, input: inputs.map((i) => rename.get(i) ?? i) });
    for (const o of n.output ?? []) if (qp.has(o)) qdq(o);
  }
  const bytes = modelBytes(nodes, inits, [valueInfo('x', FLOAT, [1, 3, 8, 8])], [valueInfo('y_q', qType, [1, 5]), ...extraOutputs.map((n) => ({ name: n }) as never)]);
  return { bytes, qp };
}

// ---- the test ----------------------------------------------------------------------------------

const CALIBRATION = 16;
const TESTS = 12;

/** A second network for the remaining fold paths: two convs → Concat (inputs requantized to the
 * output's parameters) → Sigmoid (an int8 table) → GlobalAveragePool → Gemm. */
function concatSigmoidModel(rand: () => number): FloatModel {
  const weights = new Map<string, { dims: number[]; data: Float32Array }>();
  const w = (name: string, dims: number[], scale: number) => {
    const n = dims.reduce((a, b) => a * b, 1);
    weights.set(name, { dims, data: Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale) });
    return name;
  };
  const nodes = [
    node('Conv', ['x', w('wa', [4, 3, 3, 3], 0.5), w('ba', [4], 0.2)], ['ca'], { pads: [1, 1, 1, 1] }),
    node('Relu', ['ca'], ['ra']),
    node('Conv', ['x', w('wb', [4, 3, 1, 1], 0.9), w('bb', [4], 0.3)], ['cb']),
    node('Concat', ['ra', 'cb'], ['cat'], { axis: 1 }),
    node('Sigmoid', ['cat'], ['sg']),
    node('GlobalAveragePool', ['sg'], ['gap']),
    node('Flatten', ['gap'], ['f']),
    node('Gemm', ['f', w('w4', [5, 8], 0.7), w('b4', [5], 0.1)], ['y'], { transB: 1 }),
  ];
  const activations = [
    { name: 'x' }, { name: 'ra' }, { name: 'cb' }, { name: 'cat' }, { name: 'sg' }, { name: 'gap' }, { name: 'f', shareWith: 'gap' }, { name: 'y' },
  ];
  return { nodes, weights, activations };
}

const NETWORKS = [
  { title: 'QDQ CNN', make: floatModel, ops: ['conv2d', 'depthwise_conv2d', 'fully_connected', 'add', 'max_pool2d', 'mean'], minChecked: 7 },
  { title: 'QDQ concat/sigmoid net', make: concatSigmoidModel, ops: ['conv2d', 'concat', 'lut', 'mean', 'fully_connected'], minChecked: 4 },
];

for (const net of NETWORKS)
for (const unsigned of [false, true]) {
  const kind = unsigned ? 'uint8' : 'int8';
  describe(`${net.title} with ${kind} activations: Mote folded int8 vs ONNX Runtime`, () => {
    let graph: Graph;
    let bytes: Uint8Array;
    const inputs: Float32Array[] = [];
    const ortOut: (Int8Array | Uint8Array)[] = [];
    /** ONNX Runtime's quantized intermediate tensors per input, by name (NCHW), for per-op checks. */
    const ortInner: Map<string, { data: Int8Array | Uint8Array; dims: readonly number[] }>[] = [];

    beforeAll(async () => {
      const rand = mulberry32(unsigned ? 7 : 3);
      const m = net.make(rand);
      const sample = () => Float32Array.from({ length: 3 * 8 * 8 }, () => rand() * 2 - 1);
      const ranges = await calibrate(m, Array.from({ length: CALIBRATION }, sample));
      bytes = qdqBytes(m, ranges, unsigned).bytes;
      const inner = m.activations.map((a) => `${a.name}_q`).filter((n) => n !== 'y_q');
      const session = await ort.InferenceSession.create(bytes);
      const probe = await ort.InferenceSession.create(qdqBytes(m, ranges, unsigned, inner).bytes);
      for (let i = 0; i < TESTS; i++) {
        const x = sample();
        inputs.push(x);
        const out = await session.run({ x: new ort.Tensor('float32', x, [1, 3, 8, 8]) });
        ortOut.push(out.y_q.data as Int8Array | Uint8Array);
        const all = await probe.run({ x: new ort.Tensor('float32', x, [1, 3, 8, 8]) });
        ortInner.push(new Map(Object.entries(all).map(([k, t]) => [k, { data: t.data as Int8Array | Uint8Array, dims: t.dims }])));
      }
      graph = importOnnx(bytes, `qdq_${kind}.onnx`);
      optimize(graph);
      prepareInt8(graph);
      validateGraph(graph);
    }, 60_000);

    it('folds every conv, depthwise conv and FC into int8 (no float compute op is left)', () => {
      const ops = graph.nodes.map((n) => `${n.op}(${n.inputs.filter((i) => i && !graph.isConstant(i)).join(",")}→${n.outputs[0]}):${graph.tensor(n.outputs[0]).dtype}`);
      console.log(`[onnx-qdq] ${net.title} ${kind} folded schedule: ${ops.join(' ')}`);
      const floatCompute = graph.nodes.filter((n) => !['quantize', 'dequantize', 'reshape', 'transpose'].includes(n.op) && graph.tensor(n.outputs[0]).dtype === 'f32');
      expect(floatCompute.map((n) => `${n.op} ${n.name}`)).toEqual([]);
      for (const op of net.ops) {
        const n = graph.nodes.find((x) => x.op === op);
        expect(n, op).toBeDefined();
        expect(graph.tensor(n!.outputs[0]).dtype, op).toBe('s8');
      }
      // NCHW → NHWC is left only at the graph input (s8 transposes of the input quantize's output,
      // one per reader of the input).
      for (const t of graph.nodes.filter((n) => n.op === 'transpose')) expect(graph.producer(t.inputs[0])?.op).toBe('quantize');
    });

    const compare = (what: string, run: (x: Float32Array) => TensorData, bound: number) => {
      const hist = new Map<number, number>();
      let worst = 0;
      inputs.forEach((x, i) => {
        const y = run(x);
        const e = ortOut[i];
        expect(y.length).toBe(e.length);
        for (let j = 0; j < e.length; j++) {
          const mote = unsigned ? (y as Int8Array)[j] + 128 : (y as Int8Array)[j];
          const d = mote - e[j];
          hist.set(d, (hist.get(d) ?? 0) + 1);
          worst = Math.max(worst, Math.abs(d));
        }
      });
      const total = TESTS * 5;
      console.log(`[onnx-qdq] ${net.title} ${kind} ${what}: Mote − ORT over ${total} outputs: ${[...hist].sort((a, b) => a[0] - b[0]).map(([d, n]) => `${d > 0 ? '+' : ''}${d}: ${n}`).join(', ')}`);
      expect(worst, `${what}: largest |Mote − ORT| in LSB, end to end`).toBeLessThanOrEqual(bound);
    };

    it('each folded int8 op, fed ONNX Runtime\'s own quantized input, gives its output within 1 LSB', () => {
      // Errors of one LSB compound through a network, so the ±1 claim is per op: every s8 compute
      // node whose inputs ORT also produced runs on ORT's bytes (NCHW → NHWC) and is compared with
      // ORT's bytes for the node's output.
      const toMote = (t: { data: Int8Array | Uint8Array; dims: readonly number[] }): Int8Array => {
        const v = Int8Array.from(t.data, (q) => (unsigned ? q - 128 : q));
        if (t.dims.length !== 4) return v;
        const [n, c, h, w] = t.dims;
        const out = new Int8Array(v.length);
        for (let b = 0; b < n; b++) for (let ci = 0; ci < c; ci++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[((b * h + y) * w + x) * c + ci] = v[((b * c + ci) * h + y) * w + x];
        return out;
      };
      // Mote's tensor names come from the ONNX ones (passes append '/nhwc', '/s8', ...); a tensor made
      // by a layout op holds its source's values, so it is looked up as that source.
      // A requantized tensor (concat inputs) has no ORT counterpart.
      const ortKey = (name: string): string => {
        let n = name;
        for (let p = graph.producer(n); p && (p.op === 'transpose' || p.op === 'reshape'); p = graph.producer(n)) n = p.inputs[0];
        if (graph.producer(n)?.op === 'requantize') return '(requantized)';
        return `${n.split('/')[0].replace(/_q$/, '')}_q`;
      };
      const known = (name: string) => ortKey(name) === 'y_q' || ortInner[0].has(ortKey(name));
      const perOp: string[] = [];
      let checked = 0;
      for (const node of graph.nodes) {
        if (['quantize', 'requantize', 'transpose', 'reshape'].includes(node.op)) continue;
        const out = node.outputs[0];
        const dataInputs = node.inputs.filter((i) => i && !graph.isConstant(i));
        if (!known(out) || !dataInputs.every(known)) continue;
        const hist = new Map<number, number>();
        let worst = 0;
        ortInner.forEach((inner, s) => {
          const values = node.inputs.map((name) => {
            if (!name) return undefined;
            const t = graph.tensor(name);
            const data = t.data ?? toMote(inner.get(ortKey(name))!);
            return { data, shape: t.shape, dtype: t.dtype, quant: t.quant };
          });
          const [got] = evaluateNode(graph, node, values).map((v) => v.data as Int8Array);
          const want = ortKey(out) === 'y_q' ? Int8Array.from(ortOut[s], (q) => (unsigned ? q - 128 : q)) : toMote(inner.get(ortKey(out))!);
          got.forEach((g, j) => {
            const d = g - want[j];
            hist.set(d, (hist.get(d) ?? 0) + 1);
            worst = Math.max(worst, Math.abs(d));
          });
        });
        checked++;
        perOp.push(`${node.op}→${ortKey(out)} ${[...hist].sort((a, b) => a[0] - b[0]).map(([d, n]) => `${d > 0 ? '+' : ''}${d}:${n}`).join(' ')}`);
        expect(worst, `${node.op} '${node.name}': largest |Mote − ORT| in LSB on ORT's own input`).toBeLessThanOrEqual(1);
      }
      console.log(`[onnx-qdq] ${net.title} ${kind} per op (Mote − ORT: count): ${perOp.join(' | ')}`);
      expect(checked).toBeGreaterThanOrEqual(net.minChecked);
    });

    it('end to end (errors compound over 8 int8 layers): within 2 LSB of ONNX Runtime, distribution printed', () => {
      compare('reference', (x) => runGraph(graph, [x])[0], 2);
    });

    for (const build of BUILDS) {
      it(`${build} build gives the reference interpreter's bytes exactly`, async () => {
        const model = (await freshRuntime(build)).load(blobOf(graph));
        for (const x of inputs) {
          const [ref] = runGraph(graph, [x]);
          expect(Array.from(model.run([x as MoteTypedArray])[0] as Int8Array)).toEqual(Array.from(ref as Int8Array));
        }
        compare(build, (x) => model.run([x as MoteTypedArray])[0], 2);
      }, 60_000);
    }
  });
}

// ---- mixed precision, round trips and refusals -------------------------------------------------

describe('QDQ patterns that do not fold into one int8 op', () => {
  const rand = mulberry32(11);
  const xs = Array.from({ length: 6 }, () => Float32Array.from({ length: 2 * 6 }, () => rand() * 4 - 2));
  const scalar = (name: string, v: number) => tensor(name, FLOAT, [], new Float32Array([v]));
  const zp8 = (name: string, v: number) => tensor(name, INT8, [], new Int8Array([v]));

  it('an op Mote does not fold (Softmax) stays float between explicit dequantize/quantize; outputs track ONNX Runtime', async () => {
    // x → Q → DQ → Gemm(int8 weights) → Q → DQ → Softmax → y (float), plus the int8 Gemm output.
    const w = Int8Array.from({ length: 4 * 6 }, () => Math.round(rand() * 254 - 127));
    const wScale = Float32Array.from({ length: 4 }, () => 0.01 + rand() * 0.01);
    const yScale = 0.05;
    const bytes = modelBytes(
      [
        node('QuantizeLinear', ['x', 'xs', 'xz'], ['xq']),
        node('DequantizeLinear', ['xq', 'xs', 'xz'], ['xd']),
        node('DequantizeLinear', ['w', 'ws', 'wz'], ['wd'], { axis: 0 }),
        node('Gemm', ['xd', 'wd'], ['g'], { transB: 1 }),
        node('QuantizeLinear', ['g', 'gs', 'gz'], ['gq']),
        node('DequantizeLinear', ['gq', 'gs', 'gz'], ['gd']),
        node('Softmax', ['gd'], ['y'], { axis: 1 }),
      ],
      [
        scalar('xs', 4 / 255), zp8('xz', 0), tensor('w', INT8, [4, 6], w), tensor('ws', FLOAT, [4], wScale),
        tensor('wz', INT8, [4], new Int8Array(4)), scalar('gs', yScale), zp8('gz', 3),
      ],
      [valueInfo('x', FLOAT, [2, 6])],
      [valueInfo('y', FLOAT, [2, 4]), valueInfo('gq', INT8, [2, 4])],
    );
    const g = importOnnx(bytes, 'mixed.onnx');
    optimize(g);
    prepareInt8(g);
    validateGraph(g);
    const byOp = (op: string) => g.nodes.filter((n) => n.op === op);
    expect(byOp('fully_connected').map((n) => g.tensor(n.outputs[0]).dtype)).toEqual(['s8']);
    const softmax = byOp('softmax');
    expect(softmax.length).toBe(1);
    expect(g.tensor(softmax[0].outputs[0]).dtype).toBe('f32');
    expect(g.producer(softmax[0].inputs[0])?.op).toBe('dequantize');
    const session = await ort.InferenceSession.create(bytes);
    const model = (await freshRuntime('simd')).load(blobOf(g));
    for (const x of xs) {
      const out = await session.run({ x: new ort.Tensor('float32', x, [2, 6]) });
      const [y, gq] = runGraph(g, [x]);
      const e = out.gq.data as Int8Array;
      (gq as Int8Array).forEach((v, i) => expect(Math.abs(v - e[i]), `gq[${i}]`).toBeLessThanOrEqual(1));
      // softmax moves each output by at most 0.5 · max|Δinput| (its Jacobian rows sum to ≤ 0.5 in
      // absolute value), and the inputs differ by at most one step of the int8 Gemm output.
      const ey = out.y.data as Float32Array;
      (y as Float32Array).forEach((v, i) => expect(Math.abs(v - ey[i]), `y[${i}]`).toBeLessThanOrEqual(0.5 * yScale + 1e-6));
      const [wy, wgq] = model.run([x]);
      expect(Array.from(wgq as Int8Array)).toEqual(Array.from(gq as Int8Array));
      // The runtime's f32 softmax is not bit-identical with the reference's (exp); it is close.
      (wy as Float32Array).forEach((v, i) => expect(Math.abs(v - (y as Float32Array)[i]), `wasm y[${i}]`).toBeLessThanOrEqual(1e-6));
    }
  });

  it('DequantizeLinear → QuantizeLinear with new parameters becomes one requantize', async () => {
    const bytes = modelBytes(
      [
        node('QuantizeLinear', ['x', 's1', 'z1'], ['q1']),
        node('DequantizeLinear', ['q1', 's1', 'z1'], ['d1']),
        node('QuantizeLinear', ['d1', 's2', 'z2'], ['y']),
      ],
      [scalar('s1', 0.02), zp8('z1', -5), scalar('s2', 0.035), zp8('z2', 17)],
      [valueInfo('x', FLOAT, [2, 6])],
      [valueInfo('y', INT8, [2, 6])],
    );
    const g = importOnnx(bytes, 'requant.onnx');
    optimize(g);
    prepareInt8(g);
    expect(g.nodes.map((n) => n.op)).toEqual(['quantize', 'requantize']);
    const session = await ort.InferenceSession.create(bytes);
    for (const x of xs) {
      const e = (await session.run({ x: new ort.Tensor('float32', x, [2, 6]) })).y.data as Int8Array;
      const [y] = runGraph(g, [x]);
      (y as Int8Array).forEach((v, i) => expect(Math.abs(v - e[i]), `y[${i}]`).toBeLessThanOrEqual(1));
    }
  });

  it('refuses what it cannot compute, naming the node and the problem', () => {
    const conv = (constW: boolean) =>
      modelBytes(
        [node('QLinearConv', ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz'], ['y'])],
        [scalar('xs', 0.1), zp8('xz', 0), scalar('ws', 0.1), zp8('wz', 0), scalar('ys', 0.1), zp8('yz', 0),
          ...(constW ? [tensor('w', INT8, [1, 1, 1, 1], new Int8Array([3]))] : [])],
        [valueInfo('x', INT8, [1, 1, 2, 2]), ...(constW ? [] : [valueInfo('w', INT8, [1, 1, 1, 1])])],
        [valueInfo('y', INT8, [1, 1, 2, 2])],
      );
    expect(() => importOnnx(conv(false), 'm.onnx')).toThrow(/non-constant weights \('w'\).*QLinearConv.*node 'y'/);
    const dq = modelBytes(
      [node('DequantizeLinear', ['x', 's'], ['y'])],
      [],
      [valueInfo('x', INT8, [4]), valueInfo('s', FLOAT, [])],
      [valueInfo('y', FLOAT, [4])],
    );
    expect(() => importOnnx(dq, 'm.onnx')).toThrow(/non-constant x scale \('s'\).*DequantizeLinear/);
    const q16 = modelBytes(
      [node('QuantizeLinear', ['x', 's', 'z'], ['y'])],
      [scalar('s', 0.5), tensor('z', 5, [], new Int16Array([0]) as never)],
      [valueInfo('x', FLOAT, [4])],
      [valueInfo('y', 5, [4])],
    );
    expect(() => importOnnx(q16, 'm.onnx')).toThrow(/int16 QuantizeLinear output.*node 'y'/);
    const dqAxis = (scales: number[], zps: number[]) =>
      modelBytes(
        [node('DequantizeLinear', ['x', 's', 'z'], ['y'], { axis: 1 })],
        [tensor('s', FLOAT, [scales.length], Float32Array.from(scales)), tensor('z', INT8, [zps.length], Int8Array.from(zps))],
        [valueInfo('x', INT8, [2, 3])],
        [valueInfo('y', FLOAT, [2, 3])],
      );
    expect(() => importOnnx(dqAxis([1, 2, 3], [0, 0]), 'm.onnx')).toThrow(/DequantizeLinear node 'y'.*zero point has 2 values, scale has 3/);
    expect(() => importOnnx(dqAxis([1, 2], [0, 0]), 'm.onnx')).toThrow(/scale has 2 values, axis 1 of \[2,3\] has 3/);
    expect(() => importOnnx(dqAxis([1, 0, 3], [0, 0, 0]), 'm.onnx')).toThrow(/scale must be positive and finite/);
    expect(() => importOnnx(dqAxis([1, 2, 3], [0, 0, 0]), 'm.onnx')).not.toThrow();
    // The valid form of the first model imports.
    expect(() => importOnnx(conv(true), 'm.onnx')).not.toThrow();
  });
});

// ---- QOperator form: QLinearConv / QLinearMatMul with symmetric int8 weights ----------------------

describe('QLinearConv / QLinearMatMul with symmetric int8 weights fold to int8 conv2d / fully_connected', () => {
  const rand = mulberry32(23);
  const scalar = (name: string, v: number) => tensor(name, FLOAT, [], new Float32Array([v]));

  for (const unsigned of [false, true]) {
    const kind = unsigned ? 'uint8' : 'int8';
    const aType = unsigned ? UINT8 : INT8;
    const zp = (name: string, v: number) => (unsigned ? tensor(name, UINT8, [], new Uint8Array([v])) : tensor(name, INT8, [], new Int8Array([v])));
    const act = (n: number) => (unsigned ? Uint8Array.from({ length: n }, () => Math.floor(rand() * 256)) : Int8Array.from({ length: n }, () => Math.floor(rand() * 256) - 128));
    const toMote = (x: Int8Array | Uint8Array) => (unsigned ? Int8Array.from(x, (v) => v - 128) : (x as Int8Array));
    const fromMote = (y: Int8Array) => (unsigned ? Uint8Array.from(y, (v) => v + 128) : y);

    it(`QLinearConv (${kind} activations, per-channel weights, int32 bias, stride 2, pads) vs ONNX Runtime`, async () => {
      const [o, c, k] = [6, 4, 3];
      const w = Int8Array.from({ length: o * c * k * k }, () => Math.round(rand() * 254 - 127));
      const ws = Float32Array.from({ length: o }, () => 0.002 + rand() * 0.004);
      const xs = 0.05;
      const bias = Int32Array.from({ length: o }, () => Math.round((rand() * 2 - 1) * 3000));
      const bytes = modelBytes(
        [node('QLinearConv', ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz', 'b'], ['y'], { pads: [1, 1, 1, 1], strides: [2, 2] })],
        [scalar('xs', xs), zp('xz', unsigned ? 131 : 3), tensor('w', INT8, [o, c, k, k], w), tensor('ws', FLOAT, [o], ws),
          tensor('wz', INT8, [o], new Int8Array(o)), scalar('ys', 0.09), zp('yz', unsigned ? 120 : -7), tensor('b', INT32, [o], bias)],
        [valueInfo('x', aType, [1, c, 9, 9])],
        [valueInfo('y', aType, [1, o, 5, 5])],
      );
      const g = importOnnx(bytes, 'qlinearconv.onnx');
      optimize(g);
      prepareInt8(g);
      validateGraph(g);
      const conv = g.nodes.filter((n) => n.op === 'conv2d');
      expect(conv.length).toBe(1);
      expect([g.tensor(conv[0].inputs[0]).dtype, g.tensor(conv[0].inputs[1]).dtype, g.tensor(conv[0].inputs[2]).dtype, g.tensor(conv[0].outputs[0]).dtype]).toEqual(['s8', 's8', 's32', 's8']);
      // The bias is the model's int32 bias, not a re-quantized float.
      expect(Array.from(g.tensor(conv[0].inputs[2]).data as Int32Array)).toEqual(Array.from(bias));
      expect(g.nodes.some((n) => n.op === 'quantize' || n.op === 'dequantize')).toBe(false);
      const session = await ort.InferenceSession.create(bytes);
      const model = (await freshRuntime('scalar')).load(blobOf(g));
      const hist = new Map<number, number>();
      for (let s = 0; s < 4; s++) {
        const x = act(c * 81);
        const e = (await session.run({ x: new ort.Tensor(unsigned ? 'uint8' : 'int8', x, [1, c, 9, 9]) })).y.data as Int8Array | Uint8Array;
        const [ref] = runGraph(g, [toMote(x)]);
        expect(Array.from(model.run([toMote(x)])[0] as Int8Array)).toEqual(Array.from(ref as Int8Array));
        fromMote(ref as Int8Array).forEach((v, i) => hist.set(v - e[i], (hist.get(v - e[i]) ?? 0) + 1));
      }
      console.log(`[onnx-qdq] QLinearConv ${kind}: Mote − ORT: ${[...hist].sort((a, b) => a[0] - b[0]).map(([d, n]) => `${d}: ${n}`).join(', ')}`);
      expect(Math.max(...[...hist.keys()].map(Math.abs))).toBeLessThanOrEqual(1);
    });

    it(`QLinearMatMul (${kind} activations, constant per-column int8 b) vs ONNX Runtime`, async () => {
      const [m, kk, n] = [3, 16, 5];
      const b = Int8Array.from({ length: kk * n }, () => Math.round(rand() * 254 - 127));
      const bs = Float32Array.from({ length: n }, () => 0.003 + rand() * 0.003);
      const bytes = modelBytes(
        [node('QLinearMatMul', ['a', 'as', 'az', 'b', 'bs', 'bz', 'ys', 'yz'], ['y'])],
        [scalar('as', 0.04), zp('az', unsigned ? 125 : -2), tensor('b', INT8, [kk, n], b), tensor('bs', FLOAT, [n], bs),
          tensor('bz', INT8, [n], new Int8Array(n)), scalar('ys', 0.07), zp('yz', unsigned ? 128 : 0)],
        [valueInfo('a', aType, [m, kk])],
        [valueInfo('y', aType, [m, n])],
      );
      // ORT's QLinearMatMul takes per-column b scales only from opset 21 on; Mote reads either.
      const model21 = onnx.ModelProto.decode(bytes);
      model21.opsetImport = [{ domain: '', version: 21 }];
      const bytes21 = onnx.ModelProto.encode(model21).finish();
      const g = importOnnx(bytes21, 'qlinearmatmul.onnx');
      optimize(g);
      prepareInt8(g);
      validateGraph(g);
      expect(g.nodes.map((x) => `${x.op}:${g.tensor(x.outputs[0]).dtype}`)).toEqual(['fully_connected:s8']);
      const session = await ort.InferenceSession.create(bytes21);
      const hist = new Map<number, number>();
      for (let s = 0; s < 6; s++) {
        const a = act(m * kk);
        const e = (await session.run({ a: new ort.Tensor(unsigned ? 'uint8' : 'int8', a, [m, kk]) })).y.data as Int8Array | Uint8Array;
        const [ref] = runGraph(g, [toMote(a)]);
        fromMote(ref as Int8Array).forEach((v, i) => hist.set(v - e[i], (hist.get(v - e[i]) ?? 0) + 1));
      }
      console.log(`[onnx-qdq] QLinearMatMul ${kind}: Mote − ORT: ${[...hist].sort((a, b) => a[0] - b[0]).map(([d, n]) => `${d}: ${n}`).join(', ')}`);
      expect(Math.max(...[...hist.keys()].map(Math.abs))).toBeLessThanOrEqual(1);
    });
  }
});

describe('QDQ Softmax with the int8 output parameters of TFLM (1/256, −128) folds to int8 softmax', () => {
  it('matches ONNX Runtime within 1 LSB; other output parameters keep it float', async () => {
    const rand = mulberry32(31);
    const build = (outScale: number, outZp: number) =>
      modelBytes(
        [
          node('QuantizeLinear', ['x', 'xs', 'xz'], ['xq']),
          node('DequantizeLinear', ['xq', 'xs', 'xz'], ['xd']),
          node('Softmax', ['xd'], ['p'], { axis: -1 }),
          node('QuantizeLinear', ['p', 'ps', 'pz'], ['y']),
        ],
        [tensor('xs', FLOAT, [], new Float32Array([0.06])), tensor('xz', INT8, [], new Int8Array([4])),
          tensor('ps', FLOAT, [], new Float32Array([outScale])), tensor('pz', INT8, [], new Int8Array([outZp]))],
        [valueInfo('x', FLOAT, [3, 10])],
        [valueInfo('y', INT8, [3, 10])],
      );
    const bytes = build(1 / 256, -128);
    const g = importOnnx(bytes, 'softmax.onnx');
    optimize(g);
    prepareInt8(g);
    expect(g.nodes.map((n) => `${n.op}:${g.tensor(n.outputs[0]).dtype}`)).toEqual(['quantize:s8', 'softmax:s8']);
    const session = await ort.InferenceSession.create(bytes);
    const hist = new Map<number, number>();
    for (let s = 0; s < 8; s++) {
      const x = Float32Array.from({ length: 30 }, () => rand() * 12 - 6);
      const e = (await session.run({ x: new ort.Tensor('float32', x, [3, 10]) })).y.data as Int8Array;
      const [y] = runGraph(g, [x]);
      (y as Int8Array).forEach((v, i) => hist.set(v - e[i], (hist.get(v - e[i]) ?? 0) + 1));
    }
    console.log(`[onnx-qdq] softmax int8: Mote − ORT: ${[...hist].sort((a, b) => a[0] - b[0]).map(([d, n]) => `${d}: ${n}`).join(', ')}`);
    expect(Math.max(...[...hist.keys()].map(Math.abs))).toBeLessThanOrEqual(1);
    const other = importOnnx(build(1 / 255, -128), 'softmax255.onnx');
    optimize(other);
    expect(other.nodes.map((n) => `${n.op}:${other.tensor(n.outputs[0]).dtype}`)).toEqual(['quantize:s8', 'dequantize:f32', 'softmax:f32', 'quantize:s8']);
  });
});

// ---- data movement between Q/DQ ------------------------------------------------------------------

describe('QDQ Split, Slice and Gather fold to s8 strided_slice / concat on the input\'s parameters', () => {
  it('no dequantize or float op is left; the int8 outputs equal ONNX Runtime\'s exactly (the bytes only move)', async () => {
    const rand = mulberry32(31);
    const s = tensor('s', FLOAT, [], new Float32Array([0.03]));
    const z = tensor('z', INT8, [], new Int8Array([4]));
    const i64 = (name: string, v: number[]) => tensor(name, 7, [v.length], BigInt64Array.from(v.map(BigInt)) as never);
    const outs = ['a', 'b', 'c', 'd'];
    const bytes = modelBytes(
      [
        node('QuantizeLinear', ['x', 's', 'z'], ['xq']),
        node('DequantizeLinear', ['xq', 's', 'z'], ['xd']),
        node('Split', ['xd', 'parts'], ['a', 'b'], { axis: 1 }),
        node('Slice', ['xd', 'starts', 'ends', 'axes', 'steps'], ['c']),
        node('Gather', ['xd', 'idx'], ['d'], { axis: 1 }),
        ...outs.map((o) => node('QuantizeLinear', [o, 's', 'z'], [`${o}q`])),
      ],
      [s, z, i64('parts', [2, 4]), i64('starts', [1]), i64('ends', [5]), i64('axes', [2]), i64('steps', [2]), i64('idx', [5, 0, 3])],
      [valueInfo('x', FLOAT, [1, 6, 5])],
      [valueInfo('aq', INT8, [1, 2, 5]), valueInfo('bq', INT8, [1, 4, 5]), valueInfo('cq', INT8, [1, 6, 2]), valueInfo('dq', INT8, [1, 3, 5])],
    );
    const g = importOnnx(bytes, 'qdq-slices.onnx');
    optimize(g);
    prepareInt8(g);
    validateGraph(g);
    expect(new Set(g.nodes.map((n) => n.op))).toEqual(new Set(['quantize', 'strided_slice', 'concat']));
    for (const n of g.nodes.filter((m) => m.op !== 'quantize')) {
      expect(g.tensor(n.outputs[0]).quant).toEqual({ scale: [Math.fround(0.03)], zeroPoint: [4] });
    }
    const session = await ort.InferenceSession.create(bytes);
    const blob = blobOf(g);
    for (let k = 0; k < 3; k++) {
      const x = Float32Array.from({ length: 30 }, () => rand() * 8 - 4);
      const e = await session.run({ x: new ort.Tensor('float32', x, [1, 6, 5]) });
      const want = outs.map((o) => Array.from(e[`${o}q`].data as Int8Array));
      expect(runGraph(g, [x]).map((y) => Array.from(y as Int8Array))).toEqual(want);
      for (const build of BUILDS) {
        const got = (await freshRuntime(build)).load(blob).run([x]);
        expect(got.map((y) => Array.from(y as Int8Array)), build).toEqual(want);
      }
    }
  });
});

describe('QDQ Max / Min / ReduceMax / ReduceMin fold to s8 maximum / minimum / reduce_max / reduce_min', () => {
  it('on one grid the int8 outputs equal ONNX Runtime\'s exactly; Max of operands on other grids is requantized first (within 1 LSB)', async () => {
    const rand = mulberry32(47);
    const s = tensor('s', FLOAT, [], new Float32Array([0.04]));
    const z = tensor('z', INT8, [], new Int8Array([-3]));
    const s2 = tensor('s2', FLOAT, [], new Float32Array([0.07]));
    const z2 = tensor('z2', INT8, [], new Int8Array([5]));
    const outs = ['mx', 'mn', 'rmax', 'rmin', 'mix'];
    const bytes = modelBytes(
      [
        node('QuantizeLinear', ['x', 's', 'z'], ['xq']),
        node('DequantizeLinear', ['xq', 's', 'z'], ['xd']),
        node('QuantizeLinear', ['y', 's', 'z'], ['yq']),
        node('DequantizeLinear', ['yq', 's', 'z'], ['yd']),
        node('QuantizeLinear', ['y', 's2', 'z2'], ['y2q']),
        node('DequantizeLinear', ['y2q', 's2', 'z2'], ['y2d']),
        node('Max', ['xd', 'yd'], ['mx']),
        node('Min', ['xd', 'yd'], ['mn']),
        node('ReduceMax', ['xd'], ['rmax'], { axes: [1], keepdims: 1 }),
        node('ReduceMin', ['xd'], ['rmin'], { axes: [0, 2], keepdims: 0 }),
        node('Max', ['xd', 'y2d'], ['mix']),
        ...outs.map((o) => node('QuantizeLinear', [o, 's', 'z'], [`${o}q`])),
      ],
      [s, z, s2, z2],
      [valueInfo('x', FLOAT, [2, 3, 4]), valueInfo('y', FLOAT, [3, 4])],
      [valueInfo('mxq', INT8, [2, 3, 4]), valueInfo('mnq', INT8, [2, 3, 4]), valueInfo('rmaxq', INT8, [2, 1, 4]), valueInfo('rminq', INT8, [3]), valueInfo('mixq', INT8, [2, 3, 4])],
    );
    const g = importOnnx(bytes, 'qdq-minmax.onnx');
    optimize(g);
    prepareInt8(g);
    validateGraph(g);
    expect(new Set(g.nodes.map((n) => n.op))).toEqual(new Set(['quantize', 'maximum', 'minimum', 'reduce_max', 'reduce_min', 'requantize', 'reshape']));
    for (const n of g.nodes.filter((m) => m.op !== 'quantize' && m.op !== 'requantize')) {
      expect(g.tensor(n.outputs[0]).quant, n.name).toEqual({ scale: [Math.fround(0.04)], zeroPoint: [-3] });
    }
    const session = await ort.InferenceSession.create(bytes);
    const blob = blobOf(g);
    for (let k = 0; k < 3; k++) {
      const x = Float32Array.from({ length: 24 }, () => rand() * 8 - 4);
      const y = Float32Array.from({ length: 12 }, () => rand() * 8 - 4);
      const e = await session.run({ x: new ort.Tensor('float32', x, [2, 3, 4]), y: new ort.Tensor('float32', y, [3, 4]) });
      const want = outs.map((o) => Array.from(e[`${o}q`].data as Int8Array));
      const ref = runGraph(g, [x, y]).map((v) => Array.from(v as Int8Array));
      expect(ref.slice(0, 4)).toEqual(want.slice(0, 4));
      ref[4].forEach((v, i) => expect(Math.abs(v - want[4][i]), `mix element ${i}`).toBeLessThanOrEqual(1));
      for (const build of BUILDS) {
        const got = (await freshRuntime(build)).load(blob).run([x, y]);
        expect(got.map((v) => Array.from(v as Int8Array)), build).toEqual(ref);
      }
    }
  });
});
