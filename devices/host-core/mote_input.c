/* The device host's deterministic test input; see mote_input.h. */
#include "mote_input.h"

#include <string.h>

static int32_t pattern(uint32_t k, uint32_t index)
{
    return (int32_t)((k * 31u + index * 13u + 7u) % 255u) - 127;
}

static void store_le(uint8_t *dst, uint32_t bits, int size)
{
    int b;
    for (b = 0; b < size; b++) dst[b] = (uint8_t)(bits >> (8 * b));
}

int mote_fill_test_input(int dtype, uint8_t *dst, uint32_t bytes, uint32_t index)
{
    uint32_t k;
    switch (dtype) {
    case 2: /* s8 */
        for (k = 0; k < bytes; k++) dst[k] = (uint8_t)(int8_t)pattern(k, index);
        return 0;
    case 4: /* u8 */
        for (k = 0; k < bytes; k++) dst[k] = (uint8_t)(pattern(k, index) + 128);
        return 0;
    case 5: /* s16 */
        for (k = 0; k < bytes / 2; k++) store_le(dst + 2 * k, (uint32_t)(int32_t)pattern(k, index), 2);
        return 0;
    case 3: /* s32 */
        for (k = 0; k < bytes / 4; k++) store_le(dst + 4 * k, (uint32_t)pattern(k, index), 4);
        return 0;
    case 1: /* f32 */
        for (k = 0; k < bytes / 4; k++) {
            float f = (float)pattern(k, index) / 64.0f;
            uint32_t bits;
            memcpy(&bits, &f, 4);
            store_le(dst + 4 * k, bits, 4);
        }
        return 0;
    default:
        return -1;
    }
}
