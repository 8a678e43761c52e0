/*
 * Writes the per-op profile records of docs/PROFILE.md (one JSON object per line) without printf's
 * floating point: times are integer nanoseconds printed as microseconds with three decimals.
 * Platform-independent and WAMR-free (test/device-host.test.ts compiles it alone and parses the
 * lines with host/profile-format.ts).
 */
#ifndef MOTE_PROFILE_H
#define MOTE_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const char *model;  /* non-empty */
    const char *build;  /* "scalar" or "simd" */
    const char *host;   /* "esp32" or "posix" */
    const char *device; /* NULL or "" = omitted */
    uint64_t t_ns;      /* printed as "t_us" */
    uint32_t run;
    uint32_t clock_mhz; /* 0 = omitted */
} mote_profile_run_t;

typedef struct {
    uint32_t run;
    uint32_t index;
    const char *op;
    const char *name; /* UTF-8, escaped here; "" when the blob has none */
    size_t name_len;
    uint64_t t_ns;
} mote_profile_op_t;

/* Each formats one line ending in '\n' into buf and returns its length, or 0 if cap is too small
 * (buf then holds no partial record). */
size_t mote_profile_format_run(char *buf, size_t cap, const mote_profile_run_t *rec);
size_t mote_profile_format_op(char *buf, size_t cap, const mote_profile_op_t *rec);

#ifdef __cplusplus
}
#endif

#endif /* MOTE_PROFILE_H */
