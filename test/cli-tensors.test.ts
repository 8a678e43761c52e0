// host/cli/tensors.ts: batch shapes and the float ⇄ int8 conversions `mote run` applies, checked
// against the TFLite definitions written out here (q = clamp(round_half_away(x / s) + zp)).
import { describe, expect, it } from 'vitest';
import { CliError } from '../host/cli/errors.js';
import { dequantizeValues, quantizeValues, roundHalfAwayFromZero, sampleCount, stack, toNative, type IoSpec } from '../host/cli/tensors.js';

const s8: IoSpec = { name: 'x', dtype: 's8', shape: [1, 4], scale: 0.5, zeroPoint: -3 };

describe('quantize / dequantize as TFLite', () => {
  it('rounds halves away from zero (not to even, not up)', () => {
    for (const [x, want] of [[2.5, 3], [-2.5, -3], [0.5, 1], [-0.5, -1], [1.4999, 1], [-1.5, -2], [3.5, 4], [0, 0]] as const) {
      expect(roundHalfAwayFromZero(x)).toBe(want);
    }
  });

  it('quantizes with scale and zero point, clamping to int8', () => {
    const x = [1.25, -1.25, 100, -100, 0, 0.2];
    const q = quantizeValues(x, s8);
    expect(q).toBeInstanceOf(Int8Array);
    // x / 0.5 = 2.5 → 3 (+zp -3 → 0); -2.5 → -3 → -6; clamps; 0 → zp; 0.4 → 0 → -3.
    expect(Array.from(q as Int8Array)).toEqual([0, -6, 127, -128, -3, -3]);
    expect(Array.from(dequantizeValues(q as Int8Array, s8))).toEqual([1.5, -1.5, 65, -62.5, 0, 0]);
  });

  it('uint8 inputs clamp to [0, 255]', () => {
    const u8: IoSpec = { ...s8, dtype: 'u8', zeroPoint: 128 };
    expect(Array.from(quantizeValues([-1000, 0, 1000], u8) as Uint8Array)).toEqual([0, 128, 255]);
  });
});

describe('toNative', () => {
  it('quantizes float arrays for int8 inputs and passes native int8 through', () => {
    const f = toNative({ dtype: 'f32', shape: [1, 4], data: new Float32Array([1, 2, 3, 4]) }, s8, 'x');
    expect(Array.from(f as Int8Array)).toEqual([-1, 1, 3, 5]);
    const native = new Int8Array([9, 8, 7, 6]);
    expect(toNative({ dtype: 's8', shape: [1, 4], data: native }, s8, 'x')).toBe(native);
    // float64 (numpy's default) is accepted too.
    expect(Array.from(toNative({ dtype: 'f64', shape: [1, 4], data: new Float64Array([1, 2, 3, 4]) }, s8, 'x') as Int8Array)).toEqual([-1, 1, 3, 5]);
  });

  it('refuses an integer array of another dtype for an int8 input, naming it', () => {
    expect(() => toNative({ dtype: 's16', shape: [1, 4], data: new Int16Array(4) }, s8, "input 'x'")).toThrow(
      /input 'x'.*int16.*int8.*float32/,
    );
  });

  it('converts integer arrays to float for float inputs', () => {
    const f32: IoSpec = { ...s8, dtype: 'f32', scale: 0, zeroPoint: 0 };
    const out = toNative({ dtype: 'u8', shape: [1, 4], data: new Uint8Array([0, 1, 255, 7]) }, f32, 'x');
    expect(out).toBeInstanceOf(Float32Array);
    expect(Array.from(out as Float32Array)).toEqual([0, 1, 255, 7]);
  });
});

describe('sampleCount and stack', () => {
  it('accepts the exact shape, the shape without the batch dim, [N, ...rest] and [N, ...shape]', () => {
    expect(sampleCount([1, 1, 28, 28], [1, 1, 28, 28], 'x')).toBe(1);
    expect(sampleCount([1, 28, 28], [1, 1, 28, 28], 'x')).toBe(1);
    expect(sampleCount([7, 1, 28, 28], [1, 1, 28, 28], 'x')).toBe(7);
    expect(sampleCount([5, 1, 8], [1, 8], 'x')).toBe(5);
    expect(sampleCount([3, 2, 4], [2, 4], 'x')).toBe(3);
  });

  it('names the input and both shapes when they do not fit', () => {
    expect(() => sampleCount([2, 28, 27], [1, 1, 28, 28], "input 'img'")).toThrow(CliError);
    expect(() => sampleCount([2, 28, 27], [1, 1, 28, 28], "input 'img'")).toThrow(
      /input 'img': shape \[2, 28, 27\] does not match the model's \[1, 1, 28, 28\]/,
    );
  });

  it('stacks per-sample outputs along the batch dim', () => {
    const parts = [new Float32Array([1, 2]), new Float32Array([3, 4]), new Float32Array([5, 6])];
    const s = stack(parts, [1, 2]);
    expect(s.shape).toEqual([3, 2]);
    expect(Array.from(s.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(stack([parts[0]], [1, 2]).shape).toEqual([1, 2]);
    expect(stack(parts, [2]).shape).toEqual([3, 2]);
  });
});
