/*
 * The Mote device host core on WAMR; see mote_host.h. The call sequence mirrors host/runtime.ts:
 * the blob's header → mote_header_buffer, mote_blob_alloc (the one memory.grow, before the blob
 * is in) → copy mote_blob_copy_size() blob bytes → mote_load → per run: write inputs, mote_run (or
 * mote_run_op for each schedule step, timed) → read outputs. Blobs with streamed weights
 * (`mote convert --weights external`, the stream builds of the runtime) keep their weights section
 * where the blob is (flash): the env.mote_read_weights import reads it per op (read_weights below).
 */
#include "mote_host.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mote_input.h"
#include "mote_meta.h"
#include "mote_opcodes.h"
#include "mote_platform.h"
#include "mote_profile.h"
#include "wasm_export.h"

#define MOTE_FORMAT_VERSION 2 /* format/format.ts FORMAT_VERSION */
#define MOTE_HEADER_SIZE 112  /* format/format.ts HEADER_SIZE */
#define MOTE_OK 0
#define MOTE_MESSAGE_MAX 400 /* docs/ABI.md: mote_error_message_len() ≤ 400 */
#define NAME_MAX_BYTES 160   /* longer op names are cut at a character boundary */
#define BLOB_CHUNK 4096      /* bytes per mote_platform_read_blob call */

/* The exports the host calls (docs/ABI.md), looked up once. */
enum {
    F_BLOB_ALLOC, F_LOAD, F_RUN, F_OP_COUNT, F_OP_OPCODE, F_RUN_OP, F_LAST_ERROR, F_ERROR_MESSAGE,
    F_ERROR_MESSAGE_LEN, F_FORMAT_VERSION, F_HAS_SIMD, F_MEMORY_BYTES, F_INPUT_COUNT, F_OUTPUT_COUNT,
    F_INPUT_TENSOR, F_OUTPUT_TENSOR, F_INPUT_PTR, F_OUTPUT_PTR, F_INPUT_BYTES, F_OUTPUT_BYTES,
    F_TENSOR_DTYPE, F_TENSOR_RANK, F_TENSOR_DIM, F_META_PTR, F_META_LEN, F_HEADER_BUFFER, F_BLOB_COPY_SIZE,
    F_COUNT
};

static const char *const EXPORT_NAMES[F_COUNT] = {
    "mote_blob_alloc", "mote_load", "mote_run", "mote_op_count", "mote_op_opcode", "mote_run_op",
    "mote_last_error", "mote_error_message", "mote_error_message_len", "mote_format_version",
    "mote_has_simd", "mote_memory_bytes", "mote_input_count", "mote_output_count",
    "mote_input_tensor", "mote_output_tensor", "mote_input_ptr", "mote_output_ptr",
    "mote_input_bytes", "mote_output_bytes", "mote_tensor_dtype", "mote_tensor_rank",
    "mote_tensor_dim", "mote_meta_ptr", "mote_meta_len", "mote_header_buffer", "mote_blob_copy_size",
};

typedef struct {
    wasm_module_inst_t inst;
    wasm_exec_env_t env;
    wasm_function_inst_t fn[F_COUNT];
    int trapped;
} host_t;

static void say(const char *fmt, ...)
{
    char line[256];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n >= sizeof line) n = (int)sizeof line - 1;
    mote_platform_write(line, (size_t)n);
}

/* Calls an export with up to two i32 arguments; returns its i32 result. A trap prints WAMR's
 * exception, sets h->trapped and returns -1 (the runtime is written never to trap: docs/ABI.md). */
static int32_t call(host_t *h, int f, int argc, int32_t a0, int32_t a1)
{
    uint32_t argv[2];
    argv[0] = (uint32_t)a0;
    argv[1] = (uint32_t)a1;
    if (!wasm_runtime_call_wasm(h->env, h->fn[f], (uint32_t)argc, argv)) {
        const char *e = wasm_runtime_get_exception(h->inst);
        say("# mote error: %s trapped: %s\n", EXPORT_NAMES[f], e ? e : "(no exception text)");
        wasm_runtime_clear_exception(h->inst);
        h->trapped = 1;
        return -1;
    }
    return (int32_t)argv[0];
}

/* Native address of [off, off + len) in linear memory, or NULL when it is out of bounds. */
static uint8_t *native(host_t *h, int32_t off, uint32_t len)
{
    if (off <= 0 || !wasm_runtime_validate_app_addr(h->inst, (uint64_t)(uint32_t)off, len)) return NULL;
    return (uint8_t *)wasm_runtime_addr_app_to_native(h->inst, (uint64_t)(uint32_t)off);
}

/* Prints the runtime's last error message, as host/runtime.ts's errorMessage() reads it. */
static void say_runtime_error(host_t *h, const char *what, int32_t code)
{
    int32_t ptr = call(h, F_ERROR_MESSAGE, 0, 0, 0);
    int32_t len = call(h, F_ERROR_MESSAGE_LEN, 0, 0, 0);
    const uint8_t *msg = len > 0 && len <= MOTE_MESSAGE_MAX ? native(h, ptr, (uint32_t)len) : NULL;
    say("# mote error: %s failed (code %d): %.*s\n", what, (int)code, msg ? (int)len : 0, msg ? (const char *)msg : "");
}

/* "[1,49,10,1]" for tensor id t. */
static void shape_text(host_t *h, int32_t t, char *out, size_t cap)
{
    int32_t rank = call(h, F_TENSOR_RANK, 1, t, 0), d;
    size_t n = 0;
    out[n++] = '[';
    for (d = 0; d < rank && n + 14 < cap; d++) n += (size_t)snprintf(out + n, cap - n, d ? ",%d" : "%d", (int)call(h, F_TENSOR_DIM, 2, t, d));
    out[n++] = ']';
    out[n] = '\0';
}

static const char *dtype_name(int32_t dtype)
{
    return dtype >= 1 && dtype < MOTE_DTYPE_COUNT ? MOTE_DTYPE_NAMES[dtype] : "?";
}

static uint32_t blob_u32(const uint8_t *b, uint32_t at)
{
    return (uint32_t)b[at] | (uint32_t)b[at + 1] << 8 | (uint32_t)b[at + 2] << 16 | (uint32_t)b[at + 3] << 24;
}

/* Copies blob bytes [from, from + len) to dst: from cfg->blob, or from the platform in chunks. */
static int read_blob(const mote_host_config_t *cfg, uint32_t from, uint8_t *dst, uint32_t len)
{
    uint32_t off;
    if (len > cfg->blob_size || from > cfg->blob_size - len) return -1;
    if (cfg->blob) {
        memcpy(dst, cfg->blob + from, len);
        return 0;
    }
    for (off = 0; off < len; off += BLOB_CHUNK) {
        uint32_t n = len - off < BLOB_CHUNK ? len - off : BLOB_CHUNK;
        if (mote_platform_read_blob(from + off, dst + off, n) != 0) return -1;
    }
    return 0;
}

static int copy_blob_in(const mote_host_config_t *cfg, uint32_t len, uint8_t *dst)
{
    if (read_blob(cfg, 0, dst, len) != 0) {
        say("# mote error: cannot read blob bytes [0, %u) from the platform\n", (unsigned)len);
        return -1;
    }
    return 0;
}

/* env.mote_read_weights(offset, dst, len) of the stream builds (docs/ABI.md "Streamed weights"):
 * WAMR checks [dst, dst + len) lies in linear memory ("*~" in the signature) and passes it native.
 * The blob comes from the configuration registered as the symbol's attachment. */
static int32_t read_weights(wasm_exec_env_t env, int32_t offset, uint8_t *dst, uint32_t len)
{
    const mote_host_config_t *cfg = (const mote_host_config_t *)wasm_runtime_get_function_attachment(env);
    if (!cfg || offset < 0) return 1;
    return read_blob(cfg, (uint32_t)offset, dst, len) == 0 ? 0 : 1;
}

static NativeSymbol native_symbols[] = {
    { "mote_read_weights", (void *)read_weights, "(i*~)i", NULL },
};

/* Writes every input (given bytes or the test pattern); docs/ABI.md: before each mote_run. */
static int write_inputs(host_t *h, const mote_host_config_t *cfg, int32_t n_in, int announce)
{
    int32_t i;
    for (i = 0; i < n_in; i++) {
        int32_t t = call(h, F_INPUT_TENSOR, 1, i, 0);
        int32_t dtype = call(h, F_TENSOR_DTYPE, 1, t, 0);
        int32_t bytes = call(h, F_INPUT_BYTES, 1, i, 0);
        uint8_t *dst = bytes >= 0 ? native(h, call(h, F_INPUT_PTR, 1, i, 0), (uint32_t)bytes) : NULL;
        int given = cfg->inputs && cfg->input_count > 0;
        if (h->trapped || !dst) {
            say("# mote error: input %d has no valid buffer in linear memory\n", (int)i);
            return -1;
        }
        if (given) {
            if ((uint32_t)i >= cfg->input_count || !cfg->inputs[i] || cfg->input_sizes[i] != (uint32_t)bytes) {
                say("# mote error: input %d must be %d bytes of %s, got %u\n", (int)i, (int)bytes, dtype_name(dtype),
                    (unsigned)((uint32_t)i < cfg->input_count ? cfg->input_sizes[i] : 0));
                return -1;
            }
            memcpy(dst, cfg->inputs[i], (size_t)bytes);
        } else if (mote_fill_test_input(dtype, dst, (uint32_t)bytes, (uint32_t)i) != 0) {
            say("# mote error: input %d has dtype code %d, which the test pattern does not cover\n", (int)i, (int)dtype);
            return -1;
        }
        if (announce) {
            char shape[96];
            shape_text(h, t, shape, sizeof shape);
            say("# mote: input %d %s %s %d bytes (%s)\n", (int)i, dtype_name(dtype), shape, (int)bytes, given ? "given" : "test pattern");
        }
    }
    if (cfg->inputs && cfg->input_count > 0 && cfg->input_count != (uint32_t)n_in) {
        say("# mote error: the model takes %d input(s), got %u\n", (int)n_in, (unsigned)cfg->input_count);
        return -1;
    }
    return 0;
}

static void print_outputs(host_t *h, int32_t n_out)
{
    static const char hex[] = "0123456789abcdef";
    int32_t i;
    for (i = 0; i < n_out; i++) {
        int32_t t = call(h, F_OUTPUT_TENSOR, 1, i, 0);
        int32_t bytes = call(h, F_OUTPUT_BYTES, 1, i, 0);
        const uint8_t *src = bytes > 0 ? native(h, call(h, F_OUTPUT_PTR, 1, i, 0), (uint32_t)bytes) : NULL;
        char shape[96], chunk[129];
        int32_t k;
        shape_text(h, t, shape, sizeof shape);
        say("# mote: output %d %s %s %d bytes hex ", (int)i, dtype_name(call(h, F_TENSOR_DTYPE, 1, t, 0)), shape, (int)bytes);
        for (k = 0; src && k < bytes; k += 64) {
            int32_t j, n = bytes - k < 64 ? bytes - k : 64;
            for (j = 0; j < n; j++) {
                chunk[2 * j] = hex[src[k + j] >> 4];
                chunk[2 * j + 1] = hex[src[k + j] & 15];
            }
            mote_platform_write(chunk, (size_t)(2 * n));
        }
        mote_platform_write("\n", 1);
    }
}

/* Prints the run record and (when timed) its op records; names come from the blob metadata's
 * "ops" array, "op<i>" without it, as host/runtime.ts names them. */
static void print_run(host_t *h, const mote_host_config_t *cfg, uint32_t run, uint64_t t_ns, const uint64_t *op_ns, int32_t n_ops)
{
    char line[512], name[NAME_MAX_BYTES];
    mote_profile_run_t r;
    mote_meta_array_t names;
    int have_names = 0;
    int32_t i;
    size_t n;
    memset(&r, 0, sizeof r);
    r.model = cfg->model_name;
    r.build = "scalar";
    r.host = cfg->host_name;
    r.device = cfg->device;
    r.t_ns = t_ns;
    r.run = run;
    r.clock_mhz = cfg->clock_mhz;
    n = mote_profile_format_run(line, sizeof line, &r);
    if (n) mote_platform_write(line, n);
    if (!op_ns) return;
    {
        int32_t meta_len = call(h, F_META_LEN, 0, 0, 0);
        const uint8_t *meta = meta_len > 0 ? native(h, call(h, F_META_PTR, 0, 0, 0), (uint32_t)meta_len) : NULL;
        if (!meta && cfg->blob) {
            /* Streamed weights: the metadata stays in the blob (flash); read it there when the
             * blob is addressable (mote_load validated its place). Otherwise ops are named op<i>. */
            uint32_t off = blob_u32(cfg->blob, 72 /* H_META_OFFSET */), len = blob_u32(cfg->blob, 76 /* H_META_SIZE */);
            if (len > 0 && off <= cfg->blob_size && len <= cfg->blob_size - off) {
                meta = cfg->blob + off;
                meta_len = (int32_t)len;
            }
        }
        if (meta) have_names = mote_meta_find_array((const char *)meta, (size_t)meta_len, "ops", &names);
    }
    for (i = 0; i < n_ops; i++) {
        mote_profile_op_t o;
        const char *kind = mote_opcode_name(call(h, F_OP_OPCODE, 1, i, 0));
        size_t name_len = 0;
        if (!(have_names && mote_meta_next_string(&names, name, sizeof name, &name_len))) {
            name_len = (size_t)snprintf(name, sizeof name, "op%d", (int)i);
        }
        o.run = run;
        o.index = (uint32_t)i;
        o.op = kind ? kind : "unknown";
        o.name = name;
        o.name_len = name_len;
        o.t_ns = op_ns[i];
        n = mote_profile_format_op(line, sizeof line, &o);
        if (n) mote_platform_write(line, n);
    }
}

/* After a successful mote_load: the runs. */
static int run_model(host_t *h, const mote_host_config_t *cfg)
{
    int32_t n_in = call(h, F_INPUT_COUNT, 0, 0, 0), n_out = call(h, F_OUTPUT_COUNT, 0, 0, 0);
    int32_t n_ops = call(h, F_OP_COUNT, 0, 0, 0), i, rc;
    uint64_t *op_ns = NULL;
    uint32_t run;
    if (h->trapped) return MOTE_HOST_ERR_WAMR;
    if (write_inputs(h, cfg, n_in, 1) != 0) return h->trapped ? MOTE_HOST_ERR_WAMR : MOTE_HOST_ERR_INPUT;
    if (cfg->time_ops && n_ops > 0 && !(op_ns = (uint64_t *)malloc(sizeof(uint64_t) * (size_t)n_ops))) {
        say("# mote error: no memory for %d op timers\n", (int)n_ops);
        return MOTE_HOST_ERR_CONFIG;
    }
    for (run = 0; run < cfg->runs; run++) {
        uint64_t t0, t1;
        if (run > 0 && write_inputs(h, cfg, n_in, 0) != 0) break;
        mote_platform_marker(1);
        t0 = mote_platform_clock_ns();
        if (op_ns) {
            /* One step at a time, like MoteModel.profile(): steps 0..n-1 equal one mote_run. */
            for (i = 0; i < n_ops && !h->trapped; i++) {
                uint64_t s = mote_platform_clock_ns();
                rc = call(h, F_RUN_OP, 1, i, 0);
                op_ns[i] = mote_platform_clock_ns() - s;
                if (rc != MOTE_OK && !h->trapped) {
                    mote_platform_marker(0);
                    say_runtime_error(h, "mote_run_op", rc);
                    free(op_ns);
                    return MOTE_HOST_ERR_BLOB;
                }
            }
        } else {
            rc = call(h, F_RUN, 0, 0, 0);
            if (rc != MOTE_OK && !h->trapped) {
                mote_platform_marker(0);
                say_runtime_error(h, "mote_run", rc);
                return MOTE_HOST_ERR_BLOB;
            }
        }
        t1 = mote_platform_clock_ns();
        mote_platform_marker(0);
        if (h->trapped) break;
        print_run(h, cfg, run, t1 - t0, op_ns, n_ops);
    }
    free(op_ns);
    if (h->trapped) return MOTE_HOST_ERR_WAMR;
    if (run < cfg->runs) return MOTE_HOST_ERR_INPUT;
    if (cfg->print_outputs) print_outputs(h, n_out);
    return h->trapped ? MOTE_HOST_ERR_WAMR : MOTE_HOST_OK;
}

/* With the instance up: the blob in, loaded, run. */
static int load_and_run(host_t *h, const mote_host_config_t *cfg)
{
    int32_t off, rc, i, copy;
    uint8_t *dst;
    for (i = 0; i < F_COUNT; i++) {
        if (!(h->fn[i] = wasm_runtime_lookup_function(h->inst, EXPORT_NAMES[i]))) {
            say("# mote error: the runtime module has no export '%s' (not mote.scalar.wasm?)\n", EXPORT_NAMES[i]);
            return MOTE_HOST_ERR_WAMR;
        }
    }
    rc = call(h, F_FORMAT_VERSION, 0, 0, 0);
    if (h->trapped) return MOTE_HOST_ERR_WAMR;
    if (rc != MOTE_FORMAT_VERSION) {
        say("# mote error: the runtime reads blob format %d, this host %d\n", (int)rc, MOTE_FORMAT_VERSION);
        return MOTE_HOST_ERR_CONFIG;
    }
    if (call(h, F_HAS_SIMD, 0, 0, 0) != 0) say("# mote: warning: this is the SIMD build; WAMR on ESP32 needs mote.scalar.wasm\n");

    /* The header first: mote_blob_alloc sizes the one memory.grow from it before the blob is in, so
     * WAMR's grow (a realloc) never copies the blob. */
    off = call(h, F_HEADER_BUFFER, 0, 0, 0);
    if (h->trapped) return MOTE_HOST_ERR_WAMR;
    if (!(dst = native(h, off, MOTE_HEADER_SIZE))) {
        say("# mote error: the runtime's header buffer is not in linear memory\n");
        return MOTE_HOST_ERR_WAMR;
    }
    memset(dst, 0, MOTE_HEADER_SIZE);
    if (copy_blob_in(cfg, cfg->blob_size < MOTE_HEADER_SIZE ? cfg->blob_size : MOTE_HEADER_SIZE, dst) != 0) return MOTE_HOST_ERR_CONFIG;
    off = call(h, F_BLOB_ALLOC, 1, (int32_t)cfg->blob_size, 0);
    if (h->trapped) return MOTE_HOST_ERR_WAMR;
    copy = call(h, F_BLOB_COPY_SIZE, 0, 0, 0);
    if (off == 0 || copy <= 0 || (uint32_t)copy > cfg->blob_size || !(dst = native(h, off, (uint32_t)copy))) {
        say_runtime_error(h, "mote_blob_alloc", call(h, F_LAST_ERROR, 0, 0, 0));
        return MOTE_HOST_ERR_BLOB;
    }
    if (copy_blob_in(cfg, (uint32_t)copy, dst) != 0) return MOTE_HOST_ERR_CONFIG;
    if ((uint32_t)copy < cfg->blob_size) say("# mote: weights streamed: %u of %u blob bytes copied in, the rest read per op\n", (unsigned)copy, (unsigned)cfg->blob_size);
    rc = call(h, F_LOAD, 0, 0, 0);
    if (h->trapped) return MOTE_HOST_ERR_WAMR;
    if (rc != MOTE_OK) {
        say_runtime_error(h, "mote_load", rc);
        return MOTE_HOST_ERR_BLOB;
    }
    rc = call(h, F_MEMORY_BYTES, 0, 0, 0);
    say("# mote: blob %u bytes loaded; linear memory %d bytes (%d pages of 64 KiB); %d ops\n", (unsigned)cfg->blob_size, (int)rc,
        (int)(rc / 65536), (int)call(h, F_OP_COUNT, 0, 0, 0));
    rc = run_model(h, cfg);
#ifdef MOTE_WAMR_MEMORY_PROFILING
    /* WAMR's own breakdown (module, instance incl. linear memory, exec env) and the interpreter
     * stack's high-water mark over the runs, on its console. */
    wasm_runtime_dump_mem_consumption(h->env);
#endif
    return rc;
}

/* Reads one unsigned LEB128 of a wasm binary at *p (< end); its byte count in *len. */
static int read_leb(const uint8_t *p, const uint8_t *end, uint32_t *value, uint32_t *len)
{
    uint32_t v = 0, n = 0;
    for (;;) {
        if (p + n >= end || n == 5) return -1;
        v |= (uint32_t)(p[n] & 0x7f) << (7 * n);
        if (!(p[n++] & 0x80)) break;
    }
    *value = v;
    *len = n;
    return 0;
}

/* The initial page count of the module's memory (section 5), or -1; *at: where its LEB128 is,
 * *max: the declared maximum (UINT32_MAX without one). */
static int32_t module_initial_pages(const uint8_t *wasm, uint32_t size, uint32_t *at, uint32_t *max)
{
    const uint8_t *p = wasm + 8, *end = wasm + size;
    uint32_t v, n, section_size, flags, initial;
    if (size < 8 || memcmp(wasm, "\0asm", 4) != 0) return -1;
    while (p < end) {
        uint8_t id = *p++;
        if (read_leb(p, end, &section_size, &n) != 0) return -1;
        p += n;
        if (section_size > (uint32_t)(end - p)) return -1;
        if (id == 5) {
            const uint8_t *q = p, *sec_end = p + section_size;
            if (read_leb(q, sec_end, &v, &n) != 0 || v < 1) return -1; /* memory count */
            q += n;
            if (read_leb(q, sec_end, &flags, &n) != 0 || flags > 1) return -1; /* no shared or 64-bit memory */
            q += n;
            if (at) *at = (uint32_t)(q - wasm);
            if (read_leb(q, sec_end, &initial, &n) != 0) return -1;
            q += n;
            if (max) *max = UINT32_MAX;
            if (flags & 1) {
                if (read_leb(q, sec_end, &v, &n) != 0) return -1;
                if (max) *max = v;
            }
            return (int32_t)initial;
        }
        p += section_size;
    }
    return -1;
}

/* Raises the module's initial memory to `pages` in place (a padded LEB128 of the same length), so
 * WAMR allocates linear memory once at its final size: mote_blob_alloc then has room and does not
 * grow, and WAMR's grow-by-copy (old and new block held at once) never happens. Refused when the
 * memory declares a smaller maximum or the number does not fit the LEB128's bytes. */
static int set_initial_pages(uint8_t *wasm, uint32_t size, uint32_t pages)
{
    uint32_t at = 0, v, n, max = 0, i;
    if (module_initial_pages(wasm, size, &at, &max) < 0 || pages > max || read_leb(wasm + at, wasm + size, &v, &n) != 0) return -1;
    if (n < 5 && pages >> (7 * n)) return -1;
    for (i = 0; i < n; i++) wasm[at + i] = (uint8_t)(((pages >> (7 * i)) & 0x7f) | (i + 1 < n ? 0x80 : 0));
    return 0;
}

static void say_pool_use(const char *when)
{
    mem_alloc_info_t info;
    if (wasm_runtime_get_mem_alloc_info(&info)) {
        say("# mote: WAMR pool %s: %u of %u bytes in use, peak %u\n", when, (unsigned)(info.total_size - info.total_free_size),
            (unsigned)info.total_size, (unsigned)info.highmark_size);
    }
}

int mote_host_run(const mote_host_config_t *cfg)
{
    RuntimeInitArgs init;
    LoadArgs load_args;
    wasm_module_t module;
    host_t h;
    char err[128];
    uint8_t *code;
    uint32_t major, minor, patch_level;
    int32_t declared_pages;
    int status, patch;

    if (!cfg || !cfg->runtime_wasm || cfg->runtime_wasm_size == 0 || cfg->blob_size == 0 || !cfg->pool || cfg->pool_size == 0 || cfg->runs == 0 ||
        !cfg->model_name || !cfg->model_name[0] || !cfg->host_name) {
        say("# mote error: incomplete host configuration (runtime, blob size, pool, runs and model/host names are required)\n");
        return MOTE_HOST_ERR_CONFIG;
    }
    memset(&h, 0, sizeof h);
    memset(&init, 0, sizeof init);
    init.mem_alloc_type = Alloc_With_Pool;
    init.mem_alloc_option.pool.heap_buf = cfg->pool;
    init.mem_alloc_option.pool.heap_size = cfg->pool_size;
    if (!wasm_runtime_full_init(&init)) {
        say("# mote error: wasm_runtime_full_init failed (pool of %u bytes)\n", (unsigned)cfg->pool_size);
        return MOTE_HOST_ERR_WAMR;
    }
    /* The stream builds import env.mote_read_weights; the default builds import nothing and ignore it. */
    native_symbols[0].attachment = (void *)cfg;
    if (!wasm_runtime_register_natives("env", native_symbols, sizeof native_symbols / sizeof native_symbols[0])) {
        say("# mote error: wasm_runtime_register_natives failed\n");
        wasm_runtime_destroy();
        return MOTE_HOST_ERR_WAMR;
    }
    wasm_runtime_get_version(&major, &minor, &patch_level);
    say("# mote: WAMR %u.%u.%u, runtime module %u bytes, blob %u bytes, %u run(s)\n", (unsigned)major, (unsigned)minor, (unsigned)patch_level,
        (unsigned)cfg->runtime_wasm_size, (unsigned)cfg->blob_size, (unsigned)cfg->runs);

    /* The classic interpreter rewrites the bytecode it runs in place, and WAMR's loader writes into
     * a buffer it may keep (wasm_binary_freeable off: names are NUL-terminated in place), so those
     * load from a copy. The fast interpreter with wasm_binary_freeable compiles its own code and
     * copies what it keeps: it only reads the buffer, which may then stay in flash
     * (module_in_place). The copy comes from the system heap, not WAMR's pool: the fast
     * interpreter's is freed before linear memory exists, so it never adds to the running peak
     * nor to the pool size. A copy is also where the initial pages are raised. */
    declared_pages = module_initial_pages(cfg->runtime_wasm, cfg->runtime_wasm_size, NULL, NULL);
    patch = cfg->initial_pages > 0 && declared_pages > 0 && cfg->initial_pages > (uint32_t)declared_pages;
    if (cfg->module_in_place && !cfg->keep_module_buffer && !patch) {
        code = NULL;
    } else if (!(code = (uint8_t *)malloc(cfg->runtime_wasm_size))) {
        say("# mote error: no heap for a %u-byte copy of the runtime module\n", (unsigned)cfg->runtime_wasm_size);
        wasm_runtime_destroy();
        return MOTE_HOST_ERR_WAMR;
    } else {
        memcpy(code, cfg->runtime_wasm, cfg->runtime_wasm_size);
        if (patch && set_initial_pages(code, cfg->runtime_wasm_size, cfg->initial_pages) != 0) {
            say("# mote: warning: cannot start linear memory at %u pages (the module's memory limits); it grows at load\n",
                (unsigned)cfg->initial_pages);
        }
    }
    memset(&load_args, 0, sizeof load_args);
    load_args.name = (char *)"mote";
    load_args.wasm_binary_freeable = !cfg->keep_module_buffer;
    err[0] = '\0';
    module = wasm_runtime_load_ex(code ? code : (uint8_t *)cfg->runtime_wasm, cfg->runtime_wasm_size, &load_args, err, sizeof err);
    if (code && (!module || !cfg->keep_module_buffer)) {
        free(code);
        code = NULL;
    }
    if (!module) {
        say("# mote error: WAMR cannot load the runtime module: %s\n", err);
        wasm_runtime_destroy();
        return MOTE_HOST_ERR_WAMR;
    }
    say_pool_use("after loading the runtime module");
    /* No app heap: the runtime never calls malloc; its memory grows by memory.grow only. */
    if (!(h.inst = wasm_runtime_instantiate(module, cfg->stack_size, 0, err, sizeof err))) {
        say("# mote error: WAMR cannot instantiate the runtime module: %s\n", err);
        wasm_runtime_unload(module);
        free(code);
        wasm_runtime_destroy();
        return MOTE_HOST_ERR_WAMR;
    }
    {
        wasm_memory_inst_t mem = wasm_runtime_get_default_memory(h.inst);
        if (mem) say("# mote: linear memory at instantiation: %u pages of 64 KiB\n", (unsigned)wasm_memory_get_cur_page_count(mem));
    }
    if (!(h.env = wasm_runtime_create_exec_env(h.inst, cfg->stack_size))) {
        say("# mote error: WAMR cannot create an execution environment with a %u-byte stack\n", (unsigned)cfg->stack_size);
        status = MOTE_HOST_ERR_WAMR;
    } else {
        say_pool_use("after instantiation");
        status = load_and_run(&h, cfg);
        say_pool_use("at the end");
        wasm_runtime_destroy_exec_env(h.env);
    }
    wasm_runtime_deinstantiate(h.inst);
    wasm_runtime_unload(module);
    free(code);
    wasm_runtime_destroy();
    return status;
}
