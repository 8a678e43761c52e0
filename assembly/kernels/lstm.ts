// lstm, f32: TFLite's UNIDIRECTIONAL_SEQUENCE_LSTM (float, no CIFG / peephole / projection / layer
// norm) over the whole sequence from zero state; converter/reference/float/lstm.ts is the oracle.
// Inputs x, Wi Wf Wg Wo [H,I], Ri Rf Rg Ro [H,H], bi bf bg bo [H]; params time_major, activation,
// cell_clip. The previous step's h is read back from the output (its rows for step t-1), so the
// only state is the cell state c, [B,H] f32 in the op's scratch tensor (planner-sized). Each unit's
// c is updated in place: c[j] depends only on the old c[j], while h for step t goes to new rows.
import { O_SCRATCH_TENSOR } from '../../format/format';
import { opIn, opOut, opParam, opParamF, tdim, tptr, tzp } from '../state';
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

// TFLite's sigmoid_table_uint16: sigmoid(i/24) in 0.16 fixed point (a published constant).
const SIGMOID_TABLE: StaticArray<u16> = [
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
  65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535
];

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
    const ua = <u32>unchecked(SIGMOID_TABLE[uh]), ub = <u32>unchecked(SIGMOID_TABLE[uh + 1]);
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
    const ua = <u32>unchecked(SIGMOID_TABLE[uh]), ub = <u32>unchecked(SIGMOID_TABLE[uh + 1]);
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
