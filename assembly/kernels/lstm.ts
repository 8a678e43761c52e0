// lstm, f32: TFLite's UNIDIRECTIONAL_SEQUENCE_LSTM (float, no CIFG / peephole / projection / layer
// norm) over the whole sequence from zero state; converter/reference/float/lstm.ts is the oracle.
// Inputs x, Wi Wf Wg Wo [H,I], Ri Rf Rg Ro [H,H], bi bf bg bo [H]; params time_major, activation,
// cell_clip. The previous step's h is read back from the output (its rows for step t-1), so the
// only state is the cell state c, [B,H] f32 in the op's scratch tensor (planner-sized). Each unit's
// c is updated in place: c[j] depends only on the old c[j], while h for step t goes to new rows.
import { O_SCRATCH_TENSOR } from '../../format/format';
import { opIn, opOut, opParam, opParamF, tdim, tptr } from '../state';

// TFLite's activation codes (format.ts LSTM).
const ACT_NONE: i32 = 0;
const ACT_RELU: i32 = 1;
const ACT_RELU_N1_TO_1: i32 = 2;
const ACT_RELU6: i32 = 3;

@inline function activate(v: f32, code: i32): f32 {
  if (code == ACT_NONE) return v;
  if (code == ACT_RELU) return v > 0 ? v : 0;
  if (code == ACT_RELU_N1_TO_1) return v < -1 ? -1 : v > 1 ? 1 : v;
  if (code == ACT_RELU6) return v < 0 ? 0 : v > 6 ? 6 : v;
  return Mathf.tanh(v);
}

@inline function sigmoid(v: f32): f32 {
  return <f32>1 / (<f32>1 + Mathf.exp(-v));
}

function dot(a: usize, b: usize, n: i32): f32 {
  let acc: f32 = 0;
  for (let i = 0; i < n; i++) acc += load<f32>(a + (<usize>i << 2)) * load<f32>(b + (<usize>i << 2));
  return acc;
}

/** Gate k's pre-activation for unit j: b[j] + W[j]·x + R[j]·h (h = 0 when hp is 0, the first step). */
@inline function gate(op: usize, k: i32, j: i32, xp: usize, hp: usize, inSize: i32, hidden: i32): f32 {
  let acc = load<f32>(tptr(opIn(op, 9 + k)) + (<usize>j << 2));
  acc += dot(tptr(opIn(op, 1 + k)) + (<usize>(j * inSize) << 2), xp, inSize);
  if (hp != 0) acc += dot(tptr(opIn(op, 5 + k)) + (<usize>(j * hidden) << 2), hp, hidden);
  return acc;
}

export function lstm_f32(op: usize): void {
  const x = opIn(op, 0), y = opOut(op, 0);
  const timeMajor = opParam(op, 0) != 0;
  const act = opParam(op, 1);
  const clip = opParamF(op, 2);
  const batch = timeMajor ? tdim(x, 1) : tdim(x, 0);
  const steps = timeMajor ? tdim(x, 0) : tdim(x, 1);
  const inSize = tdim(x, 2), hidden = tdim(y, 2);
  const cp = tptr(load<i32>(op, O_SCRATCH_TENSOR));
  memory.fill(cp, 0, <usize>(batch * hidden) << 2);
  const xp = tptr(x), yp = tptr(y);
  for (let t = 0; t < steps; t++) {
    for (let b = 0; b < batch; b++) {
      const row = timeMajor ? t * batch + b : b * steps + t;
      const prev = timeMajor ? row - batch : row - 1;
      const xr = xp + (<usize>(row * inSize) << 2);
      const hr = t > 0 ? yp + (<usize>(prev * hidden) << 2) : 0;
      const yr = yp + (<usize>(row * hidden) << 2);
      const cr = cp + (<usize>(b * hidden) << 2);
      for (let j = 0; j < hidden; j++) {
        const i = sigmoid(gate(op, 0, j, xr, hr, inSize, hidden));
        const f = sigmoid(gate(op, 1, j, xr, hr, inSize, hidden));
        const g = activate(gate(op, 2, j, xr, hr, inSize, hidden), act);
        const o = sigmoid(gate(op, 3, j, xr, hr, inSize, hidden));
        let c = f * load<f32>(cr + (<usize>j << 2)) + i * g;
        if (clip > 0) c = c < -clip ? -clip : c > clip ? clip : c;
        store<f32>(cr + (<usize>j << 2), c);
        store<f32>(yr + (<usize>j << 2), o * activate(c, act));
      }
    }
  }
}
