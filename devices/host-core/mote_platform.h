/*
 * The platform layer of the Mote device host: the few things the host core needs from the board
 * or OS. devices/esp32/main/platform_esp32.c implements it with ESP-IDF (esp_timer, GPIO, printf,
 * the embedded blob); platform_posix.c with POSIX (clock_gettime, stdout, a blob file), so the same
 * host core runs on Linux for local checks. Link exactly one implementation.
 */
#ifndef MOTE_PLATFORM_H
#define MOTE_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Monotonic clock in nanoseconds (ESP32: esp_timer_get_time() × 1000, so µs resolution). */
uint64_t mote_platform_clock_ns(void);

/* Drives the marker pin high (1) or low (0) around each inference, so an external power monitor
 * can find the inference windows (docs in devices/README.md). A no-op where there is no pin. */
void mote_platform_marker(int high);

/* Writes console text (the JSON-lines profile and '#' comment lines). */
void mote_platform_write(const char *text, size_t len);

/* Copies len bytes of the model blob starting at offset into dst (flash, a partition, a file).
 * Returns 0 on success, non-zero when the range cannot be read. Used when the host is given no
 * blob pointer (mote_host_config_t.blob == NULL), so the blob never needs a second RAM copy. */
int mote_platform_read_blob(uint32_t offset, void *dst, uint32_t len);

#ifdef __cplusplus
}
#endif

#endif /* MOTE_PLATFORM_H */
