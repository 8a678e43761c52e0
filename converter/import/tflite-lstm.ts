// TFLite UNIDIRECTIONAL_SEQUENCE_LSTM → one IR `lstm` node (the whole sequence).
//
// The operator has TFLite's fixed 24 inputs:
//    0 input [B,T,I] (or [T,B,I] with time_major)
//    1..4   input-to-{input, forget, cell, output} weights [H,I]
//    5..8   recurrent-to-{input, forget, cell, output} weights [H,H]
//    9..11  cell-to-{input, forget, output} peephole weights [H]        (optional)
//   12..15  {input, forget, cell, output} gate biases [H]
//   16, 17  projection weights [P,H] and bias [P]                       (optional)
//   18, 19  output state [B,H] and cell state [B,H]: variable tensors
//   20..23  {input, forget, cell, output} layer norm coefficients [H]    (optional)
// Options (UnidirectionalSequenceLSTMOptions): fused_activation_function 0, cell_clip 1,
// proj_clip 2, time_major 3, asymmetric_quantize_inputs 4, diagonal_recurrent_tensors 5.
//
// Mote lowers the float form and TFLM's integer form (int8 input, hidden state and weights, int32
// biases, int16 cell state with a power-of-two scale: attrs.cellScale) without CIFG (input gate
// coupled to the forget gate), peephole, projection or layer norm; each of those is a clear
// "unsupported" error.
// The state tensors are variables: TFLite Micro zeroes them when it allocates the arena, and a
// Keras (stateful=False) model expects every inference to start from zero, so the node starts
// from h0 = c0 = 0 and the state tensors are not read. (Desktop TFLite keeps variable tensors
// across Invoke() until ResetVariableTensors(); Mote's runs are independent, like a fresh interpreter.)
import type { LstmActivation } from '../ir/graph.js';
import type { TfliteImporter, TfliteOpContext } from './tflite.js';
import { ActivationFunction, TensorType } from './tflite-schema.js';
import { dequantizeData } from './tflite-tensor.js';

/** BuiltinOptions union member of UnidirectionalSequenceLSTMOptions. */
const UNIDIRECTIONAL_SEQUENCE_LSTM_OPTIONS = 71;

const GATES = ['input', 'forget', 'cell', 'output'] as const;

const ACTIVATIONS: Record<number, LstmActivation> = {
  [ActivationFunction.NONE]: 'none',
  [ActivationFunction.RELU]: 'relu',
  [ActivationFunction.RELU_N1_TO_1]: 'relu_n1_to_1',
  [ActivationFunction.RELU6]: 'relu6',
  [ActivationFunction.TANH]: 'tanh',
};

interface LstmOptions {
  activation: number;
  cellClip: number;
  timeMajor: boolean;
}

function readOptions(im: TfliteImporter, ctx: TfliteOpContext): LstmOptions {
  const type = ctx.op.builtinOptionsType;
  const t = type === 0 ? null : ctx.op.builtinOptions;
  if (type !== 0 && type !== UNIDIRECTIONAL_SEQUENCE_LSTM_OPTIONS) {
    im.fail(ctx, `builtin_options holds union member ${type}, expected ${UNIDIRECTIONAL_SEQUENCE_LSTM_OPTIONS}`);
  }
  return {
    activation: t?.int8(0, 'fused_activation_function') ?? 0,
    cellClip: t?.float32(1, 'cell_clip') ?? 0,
    timeMajor: t?.bool(3, 'time_major') ?? false,
  };
}

/** A float weight/bias input: hybrid models' int8 constants are dequantized once here. */
function floatConstant(im: TfliteImporter, ctx: TfliteOpContext, k: number, what: string): string {
  const c = im.constInput(ctx, k, what);
  if (c.dtype === 'f32') return im.input(ctx, k, what);
  if (!c.quant || !(c.dtype === 's8' || c.dtype === 'u8' || c.dtype === 's16')) {
    im.fail(ctx, `${what} (input ${k}) must be float32 or quantized int8, got ${c.dtype}`);
  }
  return im.addConstant(`${c.tensor.name || `tensor_${c.tensor.index}`}/dequantized`, 'f32', c.shape, dequantizeData(c.data, c.shape, c.quant));
}

/** The state input k must be a variable tensor or all-zero constant: the node starts from zero. */
function checkZeroState(im: TfliteImporter, ctx: TfliteOpContext, k: number, what: string, shape: number[]): void {
  if (!im.hasInput(ctx, k)) im.fail(ctx, `required ${what} (input ${k}) is missing`);
  const i = im.inputIndex(ctx, k);
  const t = im.rawTensor(i, `${ctx.source}, ${what}`);
  const s = t.shape;
  if (s.length !== shape.length || s.some((d, j) => d !== shape[j])) im.fail(ctx, `${what} (input ${k}) must be [${shape}], got [${s}]`);
  if (t.isVariable) return;
  const c = im.constant(i, `${ctx.source}, ${what}`);
  if (!c) im.unsupported(ctx, `${what} (input ${k}) that is neither a variable tensor nor a constant (a state carried in from outside)`);
  if (Array.from(c.data as ArrayLike<number>).some((v) => Number(v) !== 0)) im.unsupported(ctx, `non-zero initial ${what} (input ${k})`);
}

export function lowerUnidirectionalSequenceLstm(im: TfliteImporter, ctx: TfliteOpContext): void {
  const o = readOptions(im, ctx);
  if (ctx.op.inputs.length !== 20 && ctx.op.inputs.length !== 24) im.fail(ctx, `takes 20 or 24 inputs, got ${ctx.op.inputs.length}`);
  if (ctx.op.outputs.length !== 1) im.fail(ctx, `takes 1 output, got ${ctx.op.outputs.length}`);
  const x = im.input(ctx, 0, 'input');
  const integer = im.dtype(x) === 's8';
  if (!integer && im.dtype(x) !== 'f32') im.unsupported(ctx, `${im.dtype(x)} input (float32 and int8 LSTMs only)`);
  const xs = im.shape(x);
  if (xs.length !== 3) im.fail(ctx, `input must be rank 3 [${o.timeMajor ? 'T,B' : 'B,T'},I], got [${xs}]`);
  const batch = o.timeMajor ? xs[1] : xs[0];

  if (!im.hasInput(ctx, 1)) im.unsupported(ctx, 'CIFG (no input-to-input weights: input gate coupled to the forget gate)');
  for (let k = 9; k <= 11; k++) if (im.hasInput(ctx, k)) im.unsupported(ctx, `peephole connections (input ${k})`);
  for (const k of [16, 17]) if (im.hasInput(ctx, k)) im.unsupported(ctx, `projection (input ${k})`);
  for (let k = 20; k < ctx.op.inputs.length; k++) if (im.hasInput(ctx, k)) im.unsupported(ctx, `layer normalization (input ${k})`);
  const activation = ACTIVATIONS[o.activation];
  if (activation === undefined) im.unsupported(ctx, `fused activation code ${o.activation}`);
  if (!(o.cellClip >= 0) || !Number.isFinite(o.cellClip)) im.fail(ctx, `cell_clip is ${o.cellClip}, must be finite and >= 0`);

  const weight = integer ? integerConstant : floatConstant;
  const inputWeights = GATES.map((g, k) => weight(im, ctx, 1 + k, `input-to-${g} weights`, 's8'));
  const recurrentWeights = GATES.map((g, k) => weight(im, ctx, 5 + k, `recurrent-to-${g} weights`, 's8'));
  const biases = GATES.map((g, k) => weight(im, ctx, 12 + k, `${g} gate bias`, 's32'));
  const hidden = im.shape(inputWeights[0])[0];
  checkZeroState(im, ctx, 18, 'output state', [batch, hidden]);
  checkZeroState(im, ctx, 19, 'cell state', [batch, hidden]);
  const out = im.output(ctx, 0);
  const cellScale = integer ? integerStateScales(im, ctx, out) : undefined;
  if (integer && activation !== 'tanh') im.unsupported(ctx, `fused activation '${activation}' in the integer LSTM (TFLM runs tanh)`);

  // The shape rule (converter/ir/shapes.ts) checks every weight against x and H.
  im.emit(ctx, 'lstm', [x, ...inputWeights, ...recurrentWeights, ...biases], out, {
    timeMajor: o.timeMajor,
    activation,
    cellClip: o.cellClip,
    ...(cellScale !== undefined ? { cellScale } : {}),
  });
}

/** An integer weight/bias input: a per-tensor quantized constant of the dtype TFLM's integer LSTM reads. */
function integerConstant(im: TfliteImporter, ctx: TfliteOpContext, k: number, what: string, dtype: 's8' | 's32'): string {
  const c = im.constInput(ctx, k, what);
  if (c.dtype !== dtype) im.fail(ctx, `${what} (input ${k}) must be ${dtype} in the integer LSTM, got ${c.dtype}`);
  if (!c.quant || c.quant.scale.length !== 1) im.unsupported(ctx, `${what} (input ${k}) not quantized per tensor`);
  return im.input(ctx, k, what);
}

/**
 * The integer LSTM's state tensors: the int8 output state is what the op writes to its output, so
 * they must share scale and zero point; the int16 cell state has zero point 0 and a power-of-two
 * scale (TFLM takes its log2). Returns the cell state scale.
 */
function integerStateScales(im: TfliteImporter, ctx: TfliteOpContext, out: string): number {
  const hidden = im.rawTensor(im.inputIndex(ctx, 18), `${ctx.source}, output state`);
  const cell = im.rawTensor(im.inputIndex(ctx, 19), `${ctx.source}, cell state`);
  const outQ = im.g.tensor(out).quant;
  const hs = hidden.quantization?.scale?.[0], hz = hidden.quantization?.zeroPoint?.[0] ?? 0;
  if (im.dtype(out) !== 's8' || !outQ || outQ.scale.length !== 1) im.fail(ctx, `output must be int8 quantized per tensor, got ${im.dtype(out)}`);
  if (hs === undefined || Math.fround(hs) !== Math.fround(outQ.scale[0]) || Number(hz) !== outQ.zeroPoint[0]) {
    im.unsupported(ctx, `output state quantization (${hs}, ${hz}) differing from the output's (${outQ.scale[0]}, ${outQ.zeroPoint[0]})`);
  }
  const cs = cell.quantization?.scale?.[0], cz = cell.quantization?.zeroPoint?.[0] ?? 0;
  if (cell.type !== TensorType.INT16) im.fail(ctx, 'cell state must be int16 in the integer LSTM');
  if (cs === undefined || !(cs > 0) || !Number.isInteger(Math.log2(cs)) || Number(cz) !== 0) {
    im.unsupported(ctx, `cell state quantization (scale ${cs}, zero point ${cz}): TFLM needs a power-of-two scale and zero point 0`);
  }
  return cs;
}
