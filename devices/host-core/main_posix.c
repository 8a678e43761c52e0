/*
 * mote-host-posix: the device host core on Linux/macOS against a WAMR build, for checking the
 * ESP32 host without a board.
 *
 *   mote-host-posix RUNTIME.wasm MODEL.mote [--runs N] [--no-op-times] [--input FILE]...
 *                   [--stream-blob] [--classic-interp] [--pool-kb N] [--stack N] [--device NAME]
 *                   [--module-in-place] [--native-stack-kb N] [--initial-pages N]
 *
 * --classic-interp: the WAMR library was built with the classic interpreter
 * (WAMR_BUILD_FAST_INTERP=0), which needs the module's bytes kept for its whole life.
 * --module-in-place: WAMR loads the runtime module from a read-only mapping of the file (as from
 * flash on the chip) instead of a pool copy; a write into it by the loader would fault here.
 * --initial-pages N: linear memory starts at N pages (mote_host_config_t.initial_pages; what
 * `mote inspect --target` and `mote export c` print for the blob), so it never grows.
 * --native-stack-kb N: runs the host on a thread with an N KiB stack and prints how much of it
 * was used (the high-water mark of the native stack: on the chip, the main task's stack).
 *
 * Inputs are raw little-endian bytes in the model's dtypes (one file per graph input, in order);
 * without --input the host feeds the test pattern of mote_input.h. Prints the console output of
 * mote_host.h on stdout; exit status 0, or the MOTE_HOST_ERR_* code (64 for a usage error).
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mote_host.h"
#include "platform_posix.h"

#define MAX_INPUTS 16
#define EXIT_USAGE 64
#define STACK_PAINT 0xA5

typedef struct {
    const mote_host_config_t *cfg;
    int status;
} host_thread_t;

static void *host_thread(void *arg)
{
    host_thread_t *t = (host_thread_t *)arg;
    t->status = mote_host_run(t->cfg);
    return NULL;
}

/* Runs the host on a thread whose stack is painted first; returns its status and the bytes of
 * stack it touched (stacks grow down here: the untouched paint is at the low end). */
static int run_on_painted_stack(const mote_host_config_t *cfg, size_t stack_bytes, size_t *used)
{
    pthread_attr_t attr;
    pthread_t thread;
    host_thread_t t;
    size_t low = 0;
    uint8_t *stack = (uint8_t *)malloc(stack_bytes);
    if (!stack) return -1;
    memset(stack, STACK_PAINT, stack_bytes);
    t.cfg = cfg;
    t.status = -1;
    if (pthread_attr_init(&attr) != 0 || pthread_attr_setstack(&attr, stack, stack_bytes) != 0 ||
        pthread_create(&thread, &attr, host_thread, &t) != 0) {
        free(stack);
        return -1;
    }
    pthread_join(thread, NULL);
    pthread_attr_destroy(&attr);
    while (low < stack_bytes && stack[low] == STACK_PAINT) low++;
    *used = stack_bytes - low;
    free(stack);
    return t.status;
}

/* The file mapped read only: the loader gets a buffer it cannot write to. */
static uint8_t *map_read_only(const char *path, uint32_t *size)
{
    FILE *f = fopen(path, "rb");
    void *p;
    long n;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 || n > 0x7fffffffL) {
        fclose(f);
        return NULL;
    }
    p = mmap(NULL, (size_t)n, PROT_READ, MAP_PRIVATE, fileno(f), 0);
    fclose(f);
    if (p == MAP_FAILED) return NULL;
    *size = (uint32_t)n;
    return (uint8_t *)p;
}

static uint8_t *read_file(const char *path, uint32_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n;
    if (!f) {
        fprintf(stderr, "mote-host-posix: cannot open '%s'\n", path);
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 || n > 0x7fffffffL) {
        fprintf(stderr, "mote-host-posix: cannot size '%s'\n", path);
        fclose(f);
        return NULL;
    }
    if (n == 0) {
        fprintf(stderr, "mote-host-posix: '%s' is empty\n", path);
        fclose(f);
        return NULL;
    }
    if (!(buf = (uint8_t *)malloc((size_t)n)) || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "mote-host-posix: cannot read '%s'\n", path);
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *size = (uint32_t)n;
    return buf;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int usage(const char *why)
{
    fprintf(stderr, "mote-host-posix: %s\n", why);
    fprintf(stderr, "usage: mote-host-posix RUNTIME.wasm MODEL.mote [--runs N] [--no-op-times] [--input FILE]... [--stream-blob] [--classic-interp] [--pool-kb N] [--stack N] [--device NAME] [--module-in-place] [--native-stack-kb N] [--initial-pages N]\n");
    return EXIT_USAGE;
}

static int parse_count(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || v == 0 || v > max) return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    mote_host_config_t cfg;
    const char *input_paths[MAX_INPUTS];
    const uint8_t *inputs[MAX_INPUTS];
    uint32_t input_sizes[MAX_INPUTS];
    unsigned long runs = 1, pool_kb = 512, stack = 16384, native_stack_kb = 0, initial_pages = 0;
    int n_inputs = 0, stream = 0, keep_module = 0, in_place = 0, time_ops = 1, i, status;
    const char *positional[2] = { NULL, NULL }, *device = NULL;
    int n_pos = 0;
    uint8_t *wasm, *blob = NULL, *pool;
    uint32_t wasm_size, blob_size = 0;
    FILE *blob_file = NULL;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (!strcmp(a, "--runs") && has_value) {
            if (parse_count(argv[++i], 1000000, &runs)) return usage("--runs takes a count from 1 to 1000000");
        } else if (!strcmp(a, "--pool-kb") && has_value) {
            if (parse_count(argv[++i], 1u << 20, &pool_kb)) return usage("--pool-kb takes a size in KiB from 1 to 1048576");
        } else if (!strcmp(a, "--stack") && has_value) {
            if (parse_count(argv[++i], 1u << 24, &stack)) return usage("--stack takes a size in bytes");
        } else if (!strcmp(a, "--input") && has_value) {
            if (n_inputs == MAX_INPUTS) return usage("too many --input files");
            input_paths[n_inputs++] = argv[++i];
        } else if (!strcmp(a, "--device") && has_value) {
            device = argv[++i];
        } else if (!strcmp(a, "--no-op-times")) {
            time_ops = 0;
        } else if (!strcmp(a, "--stream-blob")) {
            stream = 1;
        } else if (!strcmp(a, "--classic-interp")) {
            keep_module = 1;
        } else if (!strcmp(a, "--module-in-place")) {
            in_place = 1;
        } else if (!strcmp(a, "--initial-pages") && has_value) {
            if (parse_count(argv[++i], 65536, &initial_pages)) return usage("--initial-pages takes a page count from 1 to 65536");
        } else if (!strcmp(a, "--native-stack-kb") && has_value) {
            if (parse_count(argv[++i], 1u << 16, &native_stack_kb)) return usage("--native-stack-kb takes a size in KiB from 1 to 65536");
        } else if (a[0] == '-' && a[1] == '-') {
            return usage("unknown option or missing value");
        } else if (n_pos < 2) {
            positional[n_pos++] = a;
        } else {
            return usage("too many arguments");
        }
    }
    if (n_pos != 2) return usage("expected RUNTIME.wasm and MODEL.mote");

    if (in_place ? !(wasm = map_read_only(positional[0], &wasm_size)) : !(wasm = read_file(positional[0], &wasm_size))) {
        if (in_place) fprintf(stderr, "mote-host-posix: cannot map '%s'\n", positional[0]);
        return EXIT_USAGE;
    }
    if (stream) {
        /* The blob is read in chunks through mote_platform_read_blob, as from a flash partition. */
        long n;
        if (!(blob_file = fopen(positional[1], "rb")) || fseek(blob_file, 0, SEEK_END) != 0 || (n = ftell(blob_file)) <= 0) {
            fprintf(stderr, "mote-host-posix: cannot open or size '%s'\n", positional[1]);
            return EXIT_USAGE;
        }
        blob_size = (uint32_t)n;
        mote_posix_set_blob_file(blob_file);
    } else if (!(blob = read_file(positional[1], &blob_size))) {
        return EXIT_USAGE;
    }
    for (i = 0; i < n_inputs; i++) {
        uint8_t *b = read_file(input_paths[i], &input_sizes[i]);
        if (!b) return EXIT_USAGE;
        inputs[i] = b;
    }
    if (!(pool = (uint8_t *)malloc(pool_kb * 1024))) return usage("cannot allocate the pool");

    memset(&cfg, 0, sizeof cfg);
    cfg.runtime_wasm = wasm;
    cfg.runtime_wasm_size = wasm_size;
    cfg.blob = blob;
    cfg.blob_size = blob_size;
    cfg.inputs = n_inputs ? inputs : NULL;
    cfg.input_sizes = input_sizes;
    cfg.input_count = (uint32_t)n_inputs;
    cfg.pool = pool;
    cfg.pool_size = (uint32_t)(pool_kb * 1024);
    cfg.stack_size = (uint32_t)stack;
    cfg.keep_module_buffer = keep_module;
    cfg.module_in_place = in_place;
    cfg.initial_pages = (uint32_t)initial_pages;
    cfg.runs = (uint32_t)runs;
    cfg.time_ops = time_ops;
    cfg.print_outputs = 1;
    cfg.model_name = base_name(positional[1]);
    cfg.host_name = "posix";
    cfg.device = device;
    if (native_stack_kb) {
        size_t used = 0;
        status = run_on_painted_stack(&cfg, native_stack_kb * 1024, &used);
        if (status < 0) return usage("cannot start the host thread");
        printf("# mote: native stack used: %lu of %lu bytes\n", (unsigned long)used, native_stack_kb * 1024);
    } else {
        status = mote_host_run(&cfg);
    }
    fflush(stdout);
    if (blob_file) fclose(blob_file);
    return status;
}
