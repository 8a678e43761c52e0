/* The POSIX platform layer (Linux, macOS): for running the device host core locally. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mote_platform.h"
#include "platform_posix.h"

static FILE *blob_file;

void mote_posix_set_blob_file(FILE *f) { blob_file = f; }

uint64_t mote_platform_clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* No pin on a PC; the power-monitor marker only exists on the board. */
void mote_platform_marker(int high) { (void)high; }

void mote_platform_write(const char *text, size_t len)
{
    fwrite(text, 1, len, stdout);
}

int mote_platform_read_blob(uint32_t offset, void *dst, uint32_t len)
{
    if (!blob_file || fseek(blob_file, (long)offset, SEEK_SET) != 0) return -1;
    return fread(dst, 1, len, blob_file) == len ? 0 : -1;
}
