/*
 * Reads names out of a blob's metadata (UTF-8 JSON, converter/emit/metadata.ts): the runtime never
 * parses it, so the device host walks it here. Only what the host prints is supported: one
 * top-level key holding an array, whose elements are read in order as strings. Malformed JSON or
 * nesting deeper than MOTE_META_MAX_DEPTH make the reader stop (names then fall back to "op<i>"),
 * never read past `len`.
 */
#ifndef MOTE_META_H
#define MOTE_META_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MOTE_META_MAX_DEPTH 32

typedef struct {
    const char *json;
    size_t len;
    size_t pos; /* next element of the array; len when exhausted or on error */
} mote_meta_array_t;

/* Finds `key` among the top-level object's members; if its value is an array, sets *it to its
 * first element and returns 1, else returns 0. */
int mote_meta_find_array(const char *json, size_t len, const char *key, mote_meta_array_t *it);

/* Decodes the next element: 1 and the UTF-8 string in out[0..*out_len) (NUL-terminated, truncated
 * to cap - 1 bytes at a character boundary) if it is a string; 0 if it is not a string (skipped)
 * or the array is exhausted or malformed. */
int mote_meta_next_string(mote_meta_array_t *it, char *out, size_t cap, size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif /* MOTE_META_H */
