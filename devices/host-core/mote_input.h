/*
 * The deterministic test input the device host feeds when it is given no input bytes, so a board
 * with no input source still runs a real inference whose outputs can be compared byte for byte
 * with another host's (test/device-host.test.ts computes the same pattern in TypeScript).
 *
 * Element k of input i gets the integer v = ((k * 31 + i * 13 + 7) mod 255) - 127, in [-127, 127]:
 * s8 / s16 / s32 store v; u8 stores v + 128; f32 stores v / 64 (exact in binary32). Little-endian,
 * like every target (Xtensa and RISC-V ESP32s, x86, Arm).
 */
#ifndef MOTE_INPUT_H
#define MOTE_INPUT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Fills bytes of dst (bytes / element size elements of dtype, a DTYPE_* code) for input `index`.
 * Returns 0, or -1 for an unknown dtype. */
int mote_fill_test_input(int dtype, uint8_t *dst, uint32_t bytes, uint32_t index);

#ifdef __cplusplus
}
#endif

#endif /* MOTE_INPUT_H */
