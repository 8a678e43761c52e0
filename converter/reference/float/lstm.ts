// lstm, f32: TFLite's UNIDIRECTIONAL_SEQUENCE_LSTM (float kernel, no CIFG / peephole / projection /
// layer norm) over the whole sequence, from zero state. Per step t and batch row b:
//   i = σ(Wi·x + Ri·h + bi)   f = σ(Wf·x + Rf·h + bf)   g = act(Wg·x + Rg·h + bg)   o = σ(Wo·x + Ro·h + bo)
//   c = f⊙c + i⊙g (clamped to ±cellClip when cellClip > 0)      h = o⊙act(c)
// Inputs: x, Wi Wf Wg Wo [H,I], Ri Rf Rg Ro [H,H], bi bf bg bo [H]. Dot products accumulate in
// float64; every value TFLite stores in a float32 buffer (gates, c, h) is rounded to f32 there.
import type { LstmActivation, LstmAttrs } from '../../ir/graph.js';
import type { RefKernel } from '../types.js';
import { type ShapeFn, inputShape, kernelError, requireF32 } from '../tensor-util.js';

/** Number of inputs of an lstm node: x, 4 input weights, 4 recurrent weights, 4 biases. */
export const LSTM_INPUTS = 13;

export const lstmOutputShape: ShapeFn = (node, shapes) => {
  const x = inputShape(node, shapes, 0, 'x');
  const w = inputShape(node, shapes, 1, 'input-to-input weights');
  if (x.length !== 3) throw kernelError(node, `x must be rank 3, got [${x}]`);
  if (w.length !== 2 || w[1] !== x[2]) throw kernelError(node, `input weights must be [H,${x[2]}], got [${w}]`);
  return [[x[0], x[1], w[0]]];
};

/** The cell input / cell output activation, as TFLite's ApplyActivationToVector computes it. */
export function lstmActivation(kind: LstmActivation): (v: number) => number {
  switch (kind) {
    case 'none':
      return (v) => v;
    case 'relu':
      return (v) => Math.max(0, v);
    case 'relu_n1_to_1':
      return (v) => Math.min(1, Math.max(-1, v));
    case 'relu6':
      return (v) => Math.min(6, Math.max(0, v));
    case 'tanh':
      return Math.tanh;
  }
  throw new Error(`unknown lstm activation '${String(kind)}'`);
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

export const lstm_f32_ref: RefKernel = (node, inputs) => {
  if (inputs.length !== LSTM_INPUTS) throw kernelError(node, `takes ${LSTM_INPUTS} inputs, got ${inputs.length}`);
  const a = node.attrs as LstmAttrs;
  const x = requireF32(node, inputs, 0, 'x');
  const [[d0, d1, hidden]] = lstmOutputShape(node, inputs.map((v) => v?.shape));
  const inSize = x.shape[2];
  const [batch, steps] = a.timeMajor ? [d1, d0] : [d0, d1];
  const gateNames = ['input', 'forget', 'cell', 'output'];
  const wx = gateNames.map((g, k) => requireF32(node, inputs, 1 + k, `input-to-${g} weights`).data);
  const wh = gateNames.map((g, k) => requireF32(node, inputs, 5 + k, `recurrent-to-${g} weights`).data);
  const bias = gateNames.map((g, k) => requireF32(node, inputs, 9 + k, `${g} gate bias`).data);
  gateNames.forEach((g, k) => {
    if (wx[k].length !== hidden * inSize) throw kernelError(node, `input-to-${g} weights must be [${hidden},${inSize}]`);
    if (wh[k].length !== hidden * hidden) throw kernelError(node, `recurrent-to-${g} weights must be [${hidden},${hidden}]`);
    if (bias[k].length !== hidden) throw kernelError(node, `${g} gate bias must have ${hidden} values`);
  });
  const act = lstmActivation(a.activation);
  const clip = a.cellClip > 0 ? a.cellClip : Infinity;
  // Flat offset of row (t, b) of a [B,T,*] or [T,B,*] tensor, in rows.
  const row = (t: number, b: number) => (a.timeMajor ? t * batch + b : b * steps + t);

  const out = new Float32Array(batch * steps * hidden);
  const c = new Float32Array(batch * hidden);
  let h = new Float32Array(batch * hidden);
  const gate = new Float64Array(4);
  for (let t = 0; t < steps; t++) {
    const hNext = new Float32Array(batch * hidden);
    for (let b = 0; b < batch; b++) {
      const xo = row(t, b) * inSize;
      for (let j = 0; j < hidden; j++) {
        for (let k = 0; k < 4; k++) {
          let acc = bias[k][j];
          for (let i = 0; i < inSize; i++) acc += wx[k][j * inSize + i] * x.data[xo + i];
          for (let i = 0; i < hidden; i++) acc += wh[k][j * hidden + i] * h[b * hidden + i];
          gate[k] = Math.fround(acc);
        }
        const ig = Math.fround(sigmoid(gate[0]));
        const fg = Math.fround(sigmoid(gate[1]));
        const gg = Math.fround(act(gate[2]));
        const og = Math.fround(sigmoid(gate[3]));
        const cj = Math.min(clip, Math.max(-clip, fg * c[b * hidden + j] + ig * gg));
        c[b * hidden + j] = cj;
        hNext[b * hidden + j] = og * act(c[b * hidden + j]);
      }
      out.set(hNext.subarray(b * hidden, (b + 1) * hidden), row(t, b) * hidden);
    }
    h = hNext;
  }
  return [out];
};
