/*
 * The Mote device host core: runs the scalar runtime (build/mote.scalar.wasm, or its stream build
 * build/mote.scalar.stream.wasm for streamed weights) on WAMR through the
 * C ABI of docs/ABI.md and prints results and per-op timings as JSON lines (docs/PROFILE.md) on
 * the platform console. Platform-independent: mote_platform.h supplies clock, marker pin, console
 * and blob reads. The same call sequence as host/runtime.ts (MoteRuntime.load, MoteModel.profile).
 *
 * Console output: '#' comment lines (WAMR version, memory, inputs, outputs as hex, pool use) and
 * the profile's "run"/"op" JSON lines; `mote profile` and `mote energy --from` read it as is.
 */
#ifndef MOTE_HOST_H
#define MOTE_HOST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    /* The runtime module (mote.scalar.wasm). It may live in flash: unless module_in_place, the
     * host copies it into the pool for loading and frees the copy right after (fast interpreter,
     * wasm_binary_freeable). */
    const uint8_t *runtime_wasm;
    uint32_t runtime_wasm_size;

    /* The .mote blob, copied into the instance's linear memory (its header first, then the rest:
     * the runtime grows memory once, before the copy). NULL: read it in chunks with
     * mote_platform_read_blob(offset, ...) instead (a flash partition, a file). A blob with
     * streamed weights (`mote convert --weights external`, runtime mote.scalar.stream.wasm) is
     * copied only up to its weights; the runtime reads each op's weights from here (or through
     * mote_platform_read_blob) with its env.mote_read_weights import. */
    const uint8_t *blob;
    uint32_t blob_size;

    /* Inputs as raw little-endian bytes in the model's dtypes, one per graph input; NULL (or
     * input_count 0) feeds the test pattern of mote_input.h. */
    const uint8_t *const *inputs;
    const uint32_t *input_sizes;
    uint32_t input_count;

    /* WAMR's memory pool (module, instance, operand/call stacks). Linear memory is allocated by
     * WAMR's os_mmap outside the pool (ESP-IDF: heap_caps_malloc(MALLOC_CAP_8BIT)). */
    uint8_t *pool;
    uint32_t pool_size;
    uint32_t stack_size; /* wasm operand + frame stack of the instance and its exec env */

    /* 0 for WAMR's fast interpreter: the runtime module's pool copy is freed right after loading.
     * 1 for the classic interpreter, which executes the bytecode in place: the copy stays until
     * unload (set it from CONFIG_WAMR_INTERP_CLASSIC; freeing it there breaks instantiation). */
    int keep_module_buffer;

    /* 1: WAMR's fast interpreter loads straight from runtime_wasm (read only, e.g. flash) instead
     * of a pool copy, so the load peak is lower by the module's size. Ignored with
     * keep_module_buffer (the classic interpreter writes into the bytecode). */
    int module_in_place;

    /* Pages of 64 KiB linear memory starts with: the size the runtime grows to for this blob
     * (`mote export c` writes it as <NAME>_LINEAR_PAGES; `mote inspect --target` prints it). The
     * host raises the module's initial memory to it in its copy, so memory is allocated once at
     * that size and never grows (a grow holds the old and the new block at once). 0: as declared. */
    uint32_t initial_pages;

    uint32_t runs;        /* inferences to run (≥ 1) */
    int time_ops;         /* 1: run op by op, timing each (mote_run_op); 0: one mote_run per run */
    int print_outputs;    /* 1: print every output of the last run as hex on a '#' line */

    /* For the profile's "run" records. */
    const char *model_name; /* non-empty */
    const char *host_name;  /* "esp32" or "posix" */
    const char *device;     /* NULL, or e.g. "esp32s3" */
    uint32_t clock_mhz;     /* 0 = unknown */
} mote_host_config_t;

/* Exit status of mote_host_run. */
enum {
    MOTE_HOST_OK = 0,
    MOTE_HOST_ERR_WAMR = 1,   /* runtime init, load, instantiate, lookup or a trap */
    MOTE_HOST_ERR_BLOB = 2,   /* the runtime rejected the blob (mote_load / mote_blob_alloc) */
    MOTE_HOST_ERR_INPUT = 3,  /* inputs missing or of the wrong size */
    MOTE_HOST_ERR_CONFIG = 4, /* bad configuration */
};

/* Initializes WAMR, loads the runtime and the blob, runs cfg->runs inferences, prints, tears
 * everything down (WAMR is destroyed again). Every failure prints one "# mote error: ..." line. */
int mote_host_run(const mote_host_config_t *cfg);

#ifdef __cplusplus
}
#endif

#endif /* MOTE_HOST_H */
