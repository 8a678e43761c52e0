// add, sub, mul, div with numpy broadcasting (f32), and TFLite's int8 add/sub/mul.
import { OP_ADD, OP_SUB, OP_MUL, OP_DIV } from '../../format/format';
import { opIn, opOut, opParam, opParamF, tptr, tzp, trank } from '../state';
import { broadcastSetup, broadcastStart, broadcastNext, rowLen, rowStrideA, rowStrideB, offA, offB } from '../broadcast';
import { mbqm, clampi } from '../fixedpoint';

export function binary_f32(op: usize, code: i32): void {
  const a = opIn(op, 0), b = opIn(op, 1), y = opOut(op, 0);
  const ap = tptr(a), bp = tptr(b);
  let yp = tptr(y);
  const lo = opParamF(op, 0), hi = opParamF(op, 1);
  const rows = broadcastSetup(a, b, y, trank(y), true);
  const n = rowLen, sa = <usize>rowStrideA << 2, sb = <usize>rowStrideB << 2;
  broadcastStart();
  for (let r = 0; r < rows; r++) {
    let pa = ap + (<usize>offA << 2), pb = bp + (<usize>offB << 2);
    for (let i = 0; i < n; i++) {
      const u = load<f32>(pa), v = load<f32>(pb);
      let z: f32;
      if (code == OP_ADD) z = u + v;
      else if (code == OP_SUB) z = u - v;
      else if (code == OP_MUL) z = u * v;
      else z = u / v;
      z = z < lo ? lo : z;
      z = z > hi ? hi : z;
      store<f32>(yp, z);
      yp += 4;
      pa += sa;
      pb += sb;
    }
    broadcastNext();
  }
}

/** TFLite integer add/sub: both inputs rescaled to a common scale (left_shift), then the output. */
export function add_sub_s8(op: usize, subtract: bool): void {
  const a = opIn(op, 0), b = opIn(op, 1), y = opOut(op, 0);
  const ap = tptr(a), bp = tptr(b);
  let yp = tptr(y);
  const ls = opParam(op, 0);
  const aM = opParam(op, 1), aS = opParam(op, 2), bM = opParam(op, 3), bS = opParam(op, 4);
  const oM = opParam(op, 5), oS = opParam(op, 6), amin = opParam(op, 7), amax = opParam(op, 8);
  const aOff = -tzp(a), bOff = -tzp(b), oZp = tzp(y);
  const rows = broadcastSetup(a, b, y, trank(y), true);
  const n = rowLen, sa = <usize>rowStrideA, sb = <usize>rowStrideB;
  broadcastStart();
  for (let r = 0; r < rows; r++) {
    let pa = ap + <usize>offA, pb = bp + <usize>offB;
    for (let i = 0; i < n; i++) {
      const u = mbqm((<i32>load<i8>(pa) + aOff) * (1 << ls), aM, aS);
      const v = mbqm((<i32>load<i8>(pb) + bOff) * (1 << ls), bM, bS);
      const raw = subtract ? u - v : u + v;
      store<i8>(yp, <i8>clampi(mbqm(raw, oM, oS) + oZp, amin, amax));
      yp += 1;
      pa += sa;
      pb += sb;
    }
    broadcastNext();
  }
}

export function mul_s8(op: usize): void {
  const a = opIn(op, 0), b = opIn(op, 1), y = opOut(op, 0);
  const ap = tptr(a), bp = tptr(b);
  let yp = tptr(y);
  const oM = opParam(op, 0), oS = opParam(op, 1), amin = opParam(op, 2), amax = opParam(op, 3);
  const aOff = -tzp(a), bOff = -tzp(b), oZp = tzp(y);
  const rows = broadcastSetup(a, b, y, trank(y), true);
  const n = rowLen, sa = <usize>rowStrideA, sb = <usize>rowStrideB;
  broadcastStart();
  for (let r = 0; r < rows; r++) {
    let pa = ap + <usize>offA, pb = bp + <usize>offB;
    for (let i = 0; i < n; i++) {
      const prod = (<i32>load<i8>(pa) + aOff) * (<i32>load<i8>(pb) + bOff);
      store<i8>(yp, <i8>clampi(mbqm(prod, oM, oS) + oZp, amin, amax));
      yp += 1;
      pa += sa;
      pb += sb;
    }
    broadcastNext();
  }
}

