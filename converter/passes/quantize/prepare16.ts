// prepareInt16: fills in the integer parameters of a 16x8 graph (int16 activations, int8 weights,
// e.g. an int16x8 .tflite import), computing them from the f32 scales exactly as TFLite Micro's
// Prepare functions do for int16:
//   conv2d      per-channel QuantizeMultiplier(double(in)·double(w[c]) / double(out)); the int64
//               bias narrowed to s32 when every value fits (the kernels accumulate in int64)
//   add         CalculateOpDataAdd, left_shift 15, in double
//   sub         CalculateOpDataSub, left_shift 15, in f32 before widening (tflite-micro's
//               sub_common.cc; desktop TFLite divides in double, which is why 3 seanet sub
//               goldens, made by desktop TFLite, differ from this by 1 on 4 elements)
//   leaky_relu  QuantizeMultiplier(f32(in·alpha/out)) and (f32(in/out))
//   requantize  QuantizeMultiplier(double(in) / double(out))   (QUANTIZE between integer types)
// Activation bounds are CalculateActivationRangeQuantized on the int16 range. Data-movement nodes
// get empty params. Nodes that already carry `int8` are left alone.
import type { Activation, Graph, Node } from '../../ir/graph.js';
import { needsFilterTable } from '../../reference/resize-coords.js';
import { quantizeMultiplier, quantizeMultiplierSmallerThanOneExp, roundHalfAway } from './multiplier.js';
import type { AddSubParams, Qp } from './qparams.js';

const S16_MIN = -32768;
const S16_MAX = 32767;
const LEFT_SHIFT_16 = 15;

function fail(node: Node, msg: string): never {
  throw new Error(`prepareInt16: ${node.op} '${node.name}'${node.source ? ` (${node.source})` : ''}: ${msg}`);
}

function perTensor(g: Graph, name: string, node: Node): Qp {
  const q = g.tensor(name).quant;
  if (!q || q.scale.length !== 1) fail(node, `tensor '${name}' needs one scale and zero point`);
  return { scale: Math.fround(q.scale[0]), zeroPoint: q.zeroPoint[0] };
}

/** True when the node computes on s16 data (its first input or output is s16). */
export function isS16Node(g: Graph, node: Node): boolean {
  const first = (names: string[]) => (names[0] ? g.tensors.get(names[0])?.dtype : undefined);
  return first(node.inputs) === 's16' || first(node.outputs) === 's16';
}

/** CalculateActivationRangeQuantized for an int16 output. */
export function activationBounds16(activation: Activation | undefined, qp: Qp): { actMin: number; actMax: number } {
  const q = (f: number) => qp.zeroPoint + roundHalfAway(Math.fround(f / qp.scale));
  let actMin = S16_MIN;
  let actMax = S16_MAX;
  if (activation && activation.min > -Infinity) actMin = Math.max(S16_MIN, Math.min(S16_MAX, q(activation.min)));
  if (activation && activation.max < Infinity) actMax = Math.min(S16_MAX, Math.max(S16_MIN, q(activation.max)));
  if (actMin > actMax) actMax = actMin;
  return { actMin, actMax };
}

/** TFLM CalculateOpDataAdd for int16 (double precision, left_shift 15). */
export function addParams16(a: number, b: number, out: number): AddSubParams {
  const twiceMax = 2 * Math.max(a, b);
  const m1 = quantizeMultiplierSmallerThanOneExp(a / twiceMax);
  const m2 = quantizeMultiplierSmallerThanOneExp(b / twiceMax);
  const mo = quantizeMultiplierSmallerThanOneExp(twiceMax / ((1 << LEFT_SHIFT_16) * out));
  return { leftShift: LEFT_SHIFT_16, aMult: m1.multiplier, aShift: m1.shift, bMult: m2.multiplier, bShift: m2.shift, outMult: mo.multiplier, outShift: mo.shift };
}

/** TFLM CalculateOpDataSub for int16 (f32 arithmetic, left_shift 15). */
export function subParams16(a: number, b: number, out: number): AddSubParams {
  const f = Math.fround;
  const twiceMax = f(2 * Math.max(f(a), f(b)));
  const m1 = quantizeMultiplierSmallerThanOneExp(f(f(a) / twiceMax));
  const m2 = quantizeMultiplierSmallerThanOneExp(f(f(b) / twiceMax));
  const mo = quantizeMultiplierSmallerThanOneExp(f(twiceMax / f((1 << LEFT_SHIFT_16) * f(out))));
  return { leftShift: LEFT_SHIFT_16, aMult: m1.multiplier, aShift: m1.shift, bMult: m2.multiplier, bShift: m2.shift, outMult: mo.multiplier, outShift: mo.shift };
}

function addConstant(g: Graph, base: string, data: Int32Array): string {
  const name = g.uniqueName(base);
  g.addTensor({ name, dtype: 's32', shape: [data.length], data });
  return name;
}

/** An i64 bias as s32 when every value fits (same sums: the kernels accumulate in int64). */
function narrowBias(g: Graph, node: Node, name: string): string {
  if (!name) return '';
  const t = g.tensor(name);
  if (t.dtype === 's32') return name;
  if (t.dtype !== 'i64' || !(t.data instanceof BigInt64Array)) fail(node, `bias '${name}' must be int32 or int64, got ${t.dtype}`);
  const v = new Int32Array(t.data.length);
  t.data.forEach((b, i) => {
    if (b < -2147483648n || b > 2147483647n) fail(node, `bias '${name}'[${i}] = ${b} does not fit int32; the runtime's 16x8 conv takes s32 biases`);
    v[i] = Number(b);
  });
  const narrowed = g.uniqueName(`${name}_s32`);
  g.addTensor({ name: narrowed, dtype: 's32', shape: [...t.shape], data: v, ...(t.quant ? { quant: structuredClone(t.quant) } : {}) });
  return narrowed;
}

function prepareConv(g: Graph, node: Node): void {
  const [x, wName, bias] = node.inputs;
  const w = g.tensor(wName);
  if (w.dtype !== 's8' || !w.quant) fail(node, `weights '${wName}' must be quantized s8 (16x8)`);
  if (w.quant.zeroPoint.some((z) => z !== 0)) fail(node, 'weights must be symmetric (zero point 0)');
  const channels = w.shape[0];
  if (w.quant.scale.length !== 1 && w.quant.scale.length !== channels) fail(node, `${w.quant.scale.length} weight scales for ${channels} channels`);
  const inQ = perTensor(g, x, node);
  const outQ = perTensor(g, node.outputs[0], node);
  if (inQ.zeroPoint !== 0 || outQ.zeroPoint !== 0) fail(node, 'int16 input and output must have zero point 0 (TFLM 16x8)');
  const mult = new Int32Array(channels);
  const shift = new Int32Array(channels);
  for (let c = 0; c < channels; c++) {
    const ws = Math.fround(w.quant.scale.length === 1 ? w.quant.scale[0] : w.quant.scale[c]);
    const m = quantizeMultiplier((inQ.scale * ws) / outQ.scale);
    // The int64 requantization of 16x8 needs 15 - shift >= 1 (validate_ops.ts refuses more at load).
    if (m.shift > 14) fail(node, `channel ${c}: input scale × weight scale / output scale = ${(inQ.scale * ws) / outQ.scale} is too large to requantize (a left shift of ${m.shift}, at most 14): are the scales corrupt?`);
    mult[c] = m.multiplier;
    shift[c] = m.shift;
  }
  node.inputs = [x, wName, narrowBias(g, node, bias ?? ''), addConstant(g, `${node.name}_mult`, mult), addConstant(g, `${node.name}_shift`, shift)];
  node.int8 = activationBounds16((node.attrs as { activation?: Activation }).activation, outQ);
}

function prepareNode(g: Graph, node: Node): void {
  const inQ = () => perTensor(g, node.inputs[0], node);
  const outQ = () => perTensor(g, node.outputs[0], node);
  const act = () => (node.attrs as { activation?: Activation }).activation;
  const f = Math.fround;
  switch (node.op) {
    case 'conv2d':
    case 'transpose_conv2d':
      prepareConv(g, node);
      return;
    case 'add':
    case 'sub': {
      const a = inQ().scale;
      const b = perTensor(g, node.inputs[1], node).scale;
      const p = node.op === 'add' ? addParams16(a, b, outQ().scale) : subParams16(a, b, outQ().scale);
      node.int8 = { ...p, ...activationBounds16(act(), outQ()) };
      return;
    }
    case 'leaky_relu': {
      const alpha = (node as Node<'leaky_relu'>).attrs.alpha;
      const am = quantizeMultiplier(f(f(inQ().scale * f(alpha)) / outQ().scale));
      const id = quantizeMultiplier(f(inQ().scale / outQ().scale));
      node.int8 = { outMult: id.multiplier, outShift: id.shift, alphaMult: am.multiplier, alphaShift: am.shift };
      return;
    }
    case 'requantize': {
      const m = quantizeMultiplier(inQ().scale / outQ().scale);
      node.int8 = { outMult: m.multiplier, outShift: m.shift };
      return;
    }
    case 'resize':
      // Nearest moves codes (the TFLite importer takes no other int16 resize).
      if ((node as Node<'resize'>).attrs.mode !== 'nearest' || needsFilterTable((node as Node<'resize'>).attrs)) {
        fail(node, `no 16x8 (int16 activation) form of ${(node as Node<'resize'>).attrs.mode} resize (nearest only)`);
      }
      node.int8 = {};
      return;
    case 'pad':
    case 'strided_slice':
    case 'concat':
    case 'transpose':
    case 'reshape':
    case 'copy':
    case 'quantize':
    case 'dequantize':
      node.int8 = {};
      return;
    default:
      fail(node, `no 16x8 (int16 activation) support for op '${node.op}'`);
  }
}

/** Computes node.int8 (and conv's per-channel multiplier/shift inputs) of every s16 node lacking them. */
export function prepareInt16(g: Graph): void {
  for (const node of g.nodes) {
    if (node.int8 || !isS16Node(g, node)) continue;
    prepareNode(g, node);
  }
}
