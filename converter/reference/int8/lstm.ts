// lstm, s8 (TFLite Micro's integer UNIDIRECTIONAL_SEQUENCE_LSTM, "8x8→16": int8 input, hidden state
// and weights, int32 biases, int16 gates and cell state), bit for bit as TFLM's kernels/lstm_eval.h:
//   gate_k   = sat16(FC(x) + FC(h))      FC(x) = sat16(MBQM(Σ(x−zx)(w−zw) + b, M_xk)),
//                                        FC(h) = sat16(MBQM(Σ(h−zh)(r−zr), M_hk)), output scale 2^-12
//   i, f, o  = Logistic16(gate)          g = Tanh16(gate, 2^-12)         (outputs Q0.15)
//   c        = sat16(MBQM(f·c, M_fc) + MBQM(i·g, M_ig)), clipped to ±quantized_cell_clip
//   h        = sat8(MBQM(Tanh16(c, cell scale)·o, M_o) + zh)
// The multipliers are TFLM's Prepare (PrepareGateParametersInteger): `lstmInt8Params` computes them
// from the tensors' scales, the cell state scale (attrs.cellScale, a power of two) and cell_clip.
import type { LstmAttrs, Node, QuantParams } from '../../ir/graph.js';
import { quantizeMultiplier, type QuantizedMultiplier } from '../../passes/quantize/multiplier.js';
import { multiplyByQuantizedMultiplier } from '../fixedpoint.js';
import { kernelError } from '../tensor-util.js';
import type { RefKernel } from '../types.js';
import { perTensorQuant, requireS32, requireS8, requireS8Output } from './common.js';

/**
 * TFLite's sigmoid_table_uint16: sigmoid(i/24) in 0.16 fixed point, i = 0..255 (a published
 * constant of tensorflow/lite/kernels/internal/common.h; it is not a plain rounding of the formula,
 * so it is listed, not computed).
 */
export const SIGMOID_TABLE_U16 = [
  32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794, 41432, 42064, 42688,
  43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409,
  51865, 52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
  57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110,
  61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186,
  63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
  64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900,
  64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208,
  65221, 65234, 65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
  65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433, 65438, 65442, 65445, 65449,
  65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491,
  65493, 65495, 65497, 65498, 65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
  65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
  65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530,
  65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
  65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535,
];

const sat16 = (v: number) => (v < -32768 ? -32768 : v > 32767 ? 32767 : v);

/** reference_integer_ops::Logistic on int16 (Q3.12 in, Q0.15 out; input_multiplier 0, shift 0). */
export function logisticS16(x: number): number {
  const input = x * 3;
  const abs = Math.abs(input);
  const uh = abs >>> 9;
  let result: number;
  if (uh >= 255) result = 0x7fff << 10;
  else {
    const ua = SIGMOID_TABLE_U16[uh], ub = SIGMOID_TABLE_U16[uh + 1];
    result = ua * 512 + (abs & 0x1ff) * (ub - ua);
  }
  result = input >= 0 ? result + (1 << 9) : (1 << 25) - result + (1 << 9) - 1;
  return result >>> 10;
}

/** lstm_internal::Tanh on int16: input at scale 2^cellScalePower, output Q0.15. */
export function tanhS16(x: number, cellScalePower: number): number {
  let shift = 15 + cellScalePower - 3;
  let mult = 0;
  if (shift < 0) {
    shift = -shift;
    mult = 3;
  }
  if (mult === 0) {
    mult = 3 << shift;
    shift = 0;
  }
  const round = shift > 0 ? 1 << (shift - 1) : 0;
  const input = (x * mult + round) >> shift;
  const abs = Math.abs(input);
  const uh = abs >>> 8;
  let result: number;
  if (uh >= 255) result = 0xffff << 8;
  else {
    const ua = SIGMOID_TABLE_U16[uh], ub = SIGMOID_TABLE_U16[uh + 1];
    result = ua * 256 + (abs & 0xff) * (ub - ua);
  }
  result = input >= 0 ? result - (1 << 23) + (1 << 7) : -result + (1 << 23) + (1 << 7) - 1;
  return sat16(result >> 8);
}

/** Everything TFLM's Prepare derives for the integer LSTM. */
export interface LstmInt8Params {
  /** Per gate (i, f, g, o): input FC and recurrent FC multipliers (output scale 2^-12). */
  inputFc: QuantizedMultiplier[];
  recurrentFc: QuantizedMultiplier[];
  /** f·c → c, i·g → c, tanh(c)·o → h. */
  forgetCellMul: QuantizedMultiplier;
  inputMul: QuantizedMultiplier;
  outputMul: QuantizedMultiplier;
  /** log2 of the cell state scale. */
  cellScalePower: number;
  /** 0: no clipping. */
  quantizedCellClip: number;
}

const GATE_INPUT_SCALE = 2 ** -12; // FC outputs feed the Q3.12 nonlinearities
const GATE_OUTPUT_SCALE = 2 ** -15; // the nonlinearities write Q0.15

/** TFLM PrepareGateParametersInteger + CreateLstmCellStateInfo, from the tensors' scales (float32 values). */
export function lstmInt8Params(
  x: { scale: number },
  inputWeights: { scale: number }[],
  recurrentWeights: { scale: number }[],
  hidden: { scale: number },
  cellScale: number,
  cellClip: number,
): LstmInt8Params {
  const power = Math.log2(cellScale);
  if (!Number.isInteger(power)) throw new Error(`cell state scale ${cellScale} is not a power of two`);
  const clip = cellClip > 0 ? Math.trunc(Math.min(Math.max(cellClip / cellScale, -32768), 32767)) : 0;
  return {
    inputFc: inputWeights.map((w) => quantizeMultiplier((x.scale * w.scale) / GATE_INPUT_SCALE)),
    recurrentFc: recurrentWeights.map((w) => quantizeMultiplier((hidden.scale * w.scale) / GATE_INPUT_SCALE)),
    forgetCellMul: quantizeMultiplier((GATE_OUTPUT_SCALE * cellScale) / cellScale),
    inputMul: quantizeMultiplier((GATE_OUTPUT_SCALE * GATE_OUTPUT_SCALE) / cellScale),
    outputMul: quantizeMultiplier((GATE_OUTPUT_SCALE * GATE_OUTPUT_SCALE) / hidden.scale),
    cellScalePower: power,
    quantizedCellClip: clip,
  };
}

const mbqm = (v: number, m: QuantizedMultiplier) => multiplyByQuantizedMultiplier(v, m.multiplier, m.shift);

export const lstm_s8_ref: RefKernel = (node, inputs, outputs) => {
  const a = node.attrs as LstmAttrs;
  if (a.activation !== 'tanh') throw kernelError(node, `the integer LSTM supports only the tanh activation, got '${a.activation}'`);
  if (!(a.cellScale !== undefined && a.cellScale > 0)) throw kernelError(node, 'the integer LSTM needs attrs.cellScale (the int16 cell state scale)');
  const x = requireS8(node, inputs, 0, 'x');
  const out = requireS8Output(node, outputs);
  const gates = ['input', 'forget', 'cell', 'output'];
  const w = gates.map((g, k) => requireS8(node, inputs, 1 + k, `input-to-${g} weights`));
  const r = gates.map((g, k) => requireS8(node, inputs, 5 + k, `recurrent-to-${g} weights`));
  const hidden = w[0].shape[0];
  const inSize = x.shape[2];
  const b = gates.map((g, k) => requireS32(node, inputs, 9 + k, `${g} gate bias`, hidden));
  const q = (v: QuantParams | undefined, what: string) => perTensorQuant(node, v, what);
  const xq = q(x.quant, 'x');
  const hq = q(out.quant, 'output (hidden state)');
  const wq = w.map((v, k) => q(v.quant, `input-to-${gates[k]} weights`));
  const rq = r.map((v, k) => q(v.quant, `recurrent-to-${gates[k]} weights`));
  let p: LstmInt8Params;
  try {
    p = lstmInt8Params(xq, wq, rq, hq, a.cellScale, a.cellClip);
  } catch (e) {
    throw kernelError(node, (e as Error).message);
  }
  const [d0, d1] = x.shape;
  const [batch, steps] = a.timeMajor ? [d1, d0] : [d0, d1];
  const row = (t: number, bi: number) => (a.timeMajor ? t * batch + bi : bi * steps + t);

  const y = new Int8Array(batch * steps * hidden);
  const h = new Int8Array(batch * hidden).fill(hq.zeroPoint); // zero state: real 0 is the zero point
  const c = new Int16Array(batch * hidden);
  const gate = (k: number, j: number, xo: number, ho: number): number => {
    let accX = b[k].data[j];
    for (let i = 0; i < inSize; i++) accX += (x.data[xo + i] - xq.zeroPoint) * (w[k].data[j * inSize + i] - wq[k].zeroPoint);
    let accH = 0;
    for (let i = 0; i < hidden; i++) accH += (h[ho + i] - hq.zeroPoint) * (r[k].data[j * hidden + i] - rq[k].zeroPoint);
    return sat16(sat16(mbqm(accX | 0, p.inputFc[k])) + sat16(mbqm(accH | 0, p.recurrentFc[k])));
  };
  for (let t = 0; t < steps; t++) {
    for (let bi = 0; bi < batch; bi++) {
      const xo = row(t, bi) * inSize;
      const ho = bi * hidden;
      const hNext = new Int8Array(hidden);
      for (let j = 0; j < hidden; j++) {
        const ig = logisticS16(gate(0, j, xo, ho));
        const fg = logisticS16(gate(1, j, xo, ho));
        const gg = tanhS16(gate(2, j, xo, ho), -12);
        const og = logisticS16(gate(3, j, xo, ho));
        let cj = sat16(sat16(mbqm(fg * c[ho + j], p.forgetCellMul)) + sat16(mbqm(ig * gg, p.inputMul)));
        if (p.quantizedCellClip > 0) cj = Math.max(Math.min(p.quantizedCellClip, cj), -p.quantizedCellClip);
        c[ho + j] = cj;
        const hv = mbqm(tanhS16(cj, p.cellScalePower) * og, p.outputMul) + hq.zeroPoint;
        hNext[j] = hv < -128 ? -128 : hv > 127 ? 127 : hv;
      }
      h.set(hNext, ho);
      y.set(hNext, row(t, bi) * hidden);
    }
  }
  return [y];
};
