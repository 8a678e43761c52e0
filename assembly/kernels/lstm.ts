// lstm, f32: TFLite's UNIDIRECTIONAL_SEQUENCE_LSTM (float, no CIFG / peephole / projection / layer
// norm) over the whole sequence from zero state; converter/reference/float/lstm.ts is the oracle.
// Inputs x, Wi Wf Wg Wo [H,I], Ri Rf Rg Ro [H,H], bi bf bg bo [H]; params time_major, activation,
// cell_clip. The previous step's h is read back from the output (its rows for step t-1), so the
// only state is the cell state c, [B,H] f32 in the op's scratch tensor (planner-sized). Each unit's
// c is updated in place: c[j] depends only on the old c[j], while h for step t goes to new rows.
import { O_SCRATCH_TENSOR } from '../../format/format';
import { opIn, opOut, opParam, opParamF, tdim, tptr } from '../state';
import { tzp } from '../state_cold';
// Cold op: one shared MBQM copy (mbqmCall), not one inlined per call site, in both builds.
import { mbqmCall as mbqm } from '../fixedpoint';
import { tanh32 } from './unary';

// TFLite's activation codes (format.ts LSTM).
const ACT_NONE: i32 = 0;
const ACT_RELU: i32 = 1;
const ACT_RELU_N1_TO_1: i32 = 2;
const ACT_RELU6: i32 = 3;

function activate(v: f32, code: i32): f32 {
  if (code == ACT_NONE) return v;
  if (code == ACT_RELU) return v > 0 ? v : 0;
  if (code == ACT_RELU_N1_TO_1) return v < -1 ? -1 : v > 1 ? 1 : v;
  if (code == ACT_RELU6) return v < 0 ? 0 : v > 6 ? 6 : v;
  return tanh32(v);
}

function sigmoid(v: f32): f32 {
  return <f32>1 / (<f32>1 + Mathf.exp(-v));
}

function dot(a: usize, b: usize, n: i32): f32 {
  let acc: f32 = 0;
  for (let i = 0; i < n; i++) acc += load<f32>(a + (<usize>i << 2)) * load<f32>(b + (<usize>i << 2));
  return acc;
}

/** Gate k's pre-activation for unit j: b[j] + W[j]·x + R[j]·h (h = 0 when hp is 0, the first step). */
function gate(op: usize, k: i32, j: i32, xp: usize, hp: usize, inSize: i32, hidden: i32): f32 {
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

// ---- s8: TFLM's integer LSTM (8x8→16), converter/reference/int8/lstm.ts is the oracle -------------
// Params after the f32 three: cell_scale_power, quantized_cell_clip, per gate (i f g o) in_mult
// in_shift rec_mult rec_shift, then forget_cell, input_mul, output_mul (mult, shift) pairs.
// Scratch: the int16 cell state [B,H]; h for step t-1 is read back from the output's rows.

// TFLite's sigmoid_table_uint16 (sigmoid(i/24) in 0.16 fixed point, a published constant) is
// round(65536 / (1 + e^(-i/24))), plus one on the entries whose bit is set in SIGMOID_UP (the
// published table has some entries one higher). Built at the first integer LSTM run into static
// memory: 32 bytes of bits and a loop instead of a 512-byte table. e^(-i/24) by repeated f64
// multiplication stays within 1e-8 (relative 3e-14) of the exact value and every entry's
// unrounded value is at least 0.001 from a rounding boundary, so each entry is exact
// (test/runtime-fixedpoint.test.ts compares all 256 with converter/reference/int8/lstm.ts).
const SIGMOID_UP: usize = memory.data<u8>([
  16, 209, 123, 250, 174, 123, 70, 192, 5, 0, 68, 32, 144, 0, 17, 0, 128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 128,
]);
const sigmoidTable: usize = memory.data(512, 2);
let sigmoidReady = false;

/** Fills the table (once; lstm_s8 calls it before any lookup). */
export function fillSigmoidTable(): void {
  if (sigmoidReady) return;
  let e = 1.0; // e^(-k/24)
  for (let k = 0; k < 256; k++) {
    const up = (<i32>load<u8>(SIGMOID_UP + <usize>(k >> 3)) >> (k & 7)) & 1;
    store<u16>(sigmoidTable + (<usize>k << 1), <u16>(<i32>Math.floor(65536.0 / (1.0 + e) + 0.5) + up));
    e *= 0.95918945710913817; // e^(-1/24)
  }
  sigmoidReady = true;
}
/** Entry i (0..255) of the filled table. */
@inline export function sigmoidEntry(i: u32): u32 {
  return <u32>load<u16>(sigmoidTable + (<usize>i << 1));
}


@inline function sat16(v: i32): i32 {
  return v < -32768 ? -32768 : v > 32767 ? 32767 : v;
}

/** reference_integer_ops::Logistic on int16 (Q3.12 in, Q0.15 out). */
function logistic16(x: i32): i32 {
  const input = x * 3;
  const abs = <u32>(input < 0 ? -input : input);
  const uh = abs >> 9;
  let result: u32;
  if (uh >= 255) result = <u32>0x7fff << 10;
  else {
    const ua = sigmoidEntry(uh), ub = sigmoidEntry(uh + 1);
    result = (ua << 9) + (abs & 0x1ff) * (ub - ua);
  }
  result = input >= 0 ? result + (1 << 9) : (<u32>1 << 25) - result + (1 << 9) - 1;
  return <i32>(result >> 10);
}

/** lstm_internal::Tanh on int16: input at scale 2^power, output Q0.15. */
function tanh16(x: i32, power: i32): i32 {
  let shift = 15 + power - 3;
  let mult = 0;
  if (shift < 0) { shift = -shift; mult = 3; }
  if (mult == 0) { mult = 3 << shift; shift = 0; }
  const round = shift > 0 ? 1 << (shift - 1) : 0;
  const input = (x * mult + round) >> shift;
  const abs = <u32>(input < 0 ? -input : input);
  const uh = abs >> 8;
  let result: i32;
  if (uh >= 255) result = 0xffff << 8;
  else {
    const ua = sigmoidEntry(uh), ub = sigmoidEntry(uh + 1);
    result = <i32>((ua << 8) + (abs & 0xff) * (ub - ua));
  }
  result = input >= 0 ? result - (1 << 23) + (1 << 7) : -result + (1 << 23) + (1 << 7) - 1;
  return sat16(result >> 8);
}

/** sat16(FC(x) + FC(h)) for gate k, unit j (no h term on the first step: h - zh is 0 there). */
function gateS8(op: usize, k: i32, j: i32, xr: usize, hr: usize, inSize: i32, hidden: i32, zx: i32, zh: i32): i32 {
  const w = opIn(op, 1 + k), r = opIn(op, 5 + k);
  const wp = tptr(w) + <usize>(j * inSize), zw = tzp(w);
  let acc = load<i32>(tptr(opIn(op, 9 + k)) + (<usize>j << 2));
  for (let i = 0; i < inSize; i++) {
    acc += (<i32>load<i8>(xr + <usize>i) - zx) * (<i32>load<i8>(wp + <usize>i) - zw);
  }
  const base = 5 + 4 * k;
  const g = sat16(mbqm(acc, opParam(op, base), opParam(op, base + 1)));
  if (hr == 0) return g; // zero state: every (h - zh) is 0, so the recurrent FC adds MBQM(0) = 0
  const rp = tptr(r) + <usize>(j * hidden), zr = tzp(r);
  let accH = 0;
  for (let i = 0; i < hidden; i++) {
    accH += (<i32>load<i8>(hr + <usize>i) - zh) * (<i32>load<i8>(rp + <usize>i) - zr);
  }
  return sat16(g + sat16(mbqm(accH, opParam(op, base + 2), opParam(op, base + 3))));
}

export function lstm_s8(op: usize): void {
  const x = opIn(op, 0), y = opOut(op, 0);
  const timeMajor = opParam(op, 0) != 0;
  const power = opParam(op, 3), clip = opParam(op, 4);
  const batch = timeMajor ? tdim(x, 1) : tdim(x, 0);
  const steps = timeMajor ? tdim(x, 0) : tdim(x, 1);
  const inSize = tdim(x, 2), hidden = tdim(y, 2);
  const zx = tzp(x), zh = tzp(y);
  const fcM = opParam(op, 21), fcS = opParam(op, 22);
  const igM = opParam(op, 23), igS = opParam(op, 24);
  const oM = opParam(op, 25), oS = opParam(op, 26);
  const cp = tptr(load<i32>(op, O_SCRATCH_TENSOR));
  memory.fill(cp, 0, <usize>(batch * hidden) << 1);
  fillSigmoidTable();
  const xp = tptr(x), yp = tptr(y);
  for (let t = 0; t < steps; t++) {
    for (let b = 0; b < batch; b++) {
      const row = timeMajor ? t * batch + b : b * steps + t;
      const prev = timeMajor ? row - batch : row - 1;
      const xr = xp + <usize>(row * inSize);
      const hr: usize = t > 0 ? yp + <usize>(prev * hidden) : 0;
      const yr = yp + <usize>(row * hidden);
      const cr = cp + (<usize>(b * hidden) << 1);
      for (let j = 0; j < hidden; j++) {
        const ig = logistic16(gateS8(op, 0, j, xr, hr, inSize, hidden, zx, zh));
        const fg = logistic16(gateS8(op, 1, j, xr, hr, inSize, hidden, zx, zh));
        const gg = tanh16(gateS8(op, 2, j, xr, hr, inSize, hidden, zx, zh), -12);
        const og = logistic16(gateS8(op, 3, j, xr, hr, inSize, hidden, zx, zh));
        const cOld = <i32>load<i16>(cr + (<usize>j << 1));
        let c = sat16(sat16(mbqm(fg * cOld, fcM, fcS)) + sat16(mbqm(ig * gg, igM, igS)));
        if (clip > 0) c = c > clip ? clip : c < -clip ? -clip : c;
        store<i16>(cr + (<usize>j << 1), <i16>c);
        let h = mbqm(tanh16(c, power) * og, oM, oS) + zh;
        h = h < -128 ? -128 : h > 127 ? 127 : h;
        store<i8>(yr + <usize>j, <i8>h);
      }
    }
  }
}
