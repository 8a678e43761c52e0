// WebAssembly SIMD feature detection for the page: older iOS WebViews (Safari < 16.4) have none.

// (module (func (result v128) i32.const 0 i8x16.splat i32.const 0 i8x16.splat i32x4.dot_i16x8_s))
// i32x4.dot_i16x8_s is one of the last instructions added to SIMD128 and the runtime uses it, so
// an engine that validates this also validates the SIMD build.
export const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // header
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type: () -> v128
  0x03, 0x02, 0x01, 0x00, // function 0 has type 0
  0x0a, 0x0f, 0x01, 0x0d, 0x00, // code section (15 bytes): one body of 13 bytes, no locals
  0x41, 0x00, 0xfd, 0x0f, 0x41, 0x00, 0xfd, 0x0f, 0xfd, 0xba, 0x01, 0x0b,
]);

export function detectSimd(): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}
