/*
 * Exercises the WAMR-free parts of the device host for test/device-host.test.ts, which compiles
 * this file with mote_profile.c, mote_meta.c and mote_input.c and checks the output against
 * host/profile-format.ts, JSON.parse and a TypeScript version of the input pattern.
 *
 *   check_host_core opcodes                      one opcode name per line (index order)
 *   check_host_core profile RECORDS_FILE         records as tab-separated lines, see below
 *   check_host_core meta JSON_FILE KEY CAP       the array's elements, one per line as hex of the
 *                                                UTF-8 bytes ("-" for a non-string element)
 *   check_host_core input DTYPE BYTES INDEX      the test pattern's bytes as hex
 *
 * RECORDS_FILE lines: "run\tMODEL\tHOST\tDEVICE\tT_NS\tRUN\tCLOCK_MHZ" or
 * "op\tRUN\tINDEX\tOP\tNAME_HEX\tT_NS" (NAME_HEX: the name's bytes in hex, may contain NUL etc.).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mote_input.h"
#include "mote_meta.h"
#include "mote_opcodes.h"
#include "mote_profile.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = (char *)malloc((size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) n = 0;
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static size_t unhex(const char *s, char *out)
{
    size_t n = 0;
    while (s[0] && s[1]) {
        unsigned v;
        sscanf(s, "%2x", &v);
        out[n++] = (char)v;
        s += 2;
    }
    return n;
}

static void print_hex(const unsigned char *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) printf("%02x", p[i]);
    printf("\n");
}

static int cmd_profile(const char *path)
{
    size_t len;
    char *text = slurp(path, &len), *line, *save = NULL;
    char out[1024];
    if (!text) return 2;
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[8];
        int n = 0;
        char *p = line;
        f[n++] = p;
        while (n < 8 && (p = strchr(p, '\t'))) {
            *p++ = '\0';
            f[n++] = p;
        }
        if (!strcmp(f[0], "run") && n == 7) {
            mote_profile_run_t r;
            r.model = f[1];
            r.build = "scalar";
            r.host = f[2];
            r.device = f[3];
            r.t_ns = strtoull(f[4], NULL, 10);
            r.run = (uint32_t)strtoul(f[5], NULL, 10);
            r.clock_mhz = (uint32_t)strtoul(f[6], NULL, 10);
            if (!mote_profile_format_run(out, sizeof out, &r)) return 3;
        } else if (!strcmp(f[0], "op") && n == 6) {
            mote_profile_op_t o;
            char name[512];
            o.run = (uint32_t)strtoul(f[1], NULL, 10);
            o.index = (uint32_t)strtoul(f[2], NULL, 10);
            o.op = f[3];
            o.name_len = unhex(f[4], name);
            o.name = name;
            o.t_ns = strtoull(f[5], NULL, 10);
            if (!mote_profile_format_op(out, sizeof out, &o)) return 3;
        } else {
            return 4;
        }
        fputs(out, stdout);
    }
    /* A too-small buffer yields 0 and an empty string, never a partial record. */
    {
        mote_profile_op_t o = { 0, 0, "conv2d", "x", 1, 5 };
        char tiny[20];
        if (mote_profile_format_op(tiny, sizeof tiny, &o) != 0 || tiny[0] != '\0') return 5;
    }
    return 0;
}

static int cmd_meta(const char *path, const char *key, size_t cap)
{
    size_t len, out_len;
    char *json = slurp(path, &len);
    char *out = (char *)malloc(cap ? cap : 1);
    mote_meta_array_t it;
    if (!json) return 2;
    /* Copy into an exact-size buffer so reading past `len` would be caught by sanitizers. */
    {
        char *exact = (char *)malloc(len ? len : 1);
        memcpy(exact, json, len);
        if (!mote_meta_find_array(exact, len, key, &it)) {
            printf("no array\n");
            return 0;
        }
        while (it.pos < it.len) {
            if (mote_meta_next_string(&it, out, cap, &out_len)) print_hex((const unsigned char *)out, out_len);
            else printf("-\n");
        }
    }
    return 0;
}

static int cmd_input(int dtype, uint32_t bytes, uint32_t index)
{
    uint8_t *buf = (uint8_t *)malloc(bytes ? bytes : 1);
    if (mote_fill_test_input(dtype, buf, bytes, index) != 0) {
        printf("unsupported\n");
        return 0;
    }
    print_hex(buf, bytes);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "opcodes")) {
        int i;
        for (i = 0; i < MOTE_OPCODE_COUNT; i++) printf("%s\n", MOTE_OPCODE_NAMES[i]);
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "profile")) return cmd_profile(argv[2]);
    if (argc == 5 && !strcmp(argv[1], "meta")) return cmd_meta(argv[2], argv[3], (size_t)strtoul(argv[4], NULL, 10));
    if (argc == 5 && !strcmp(argv[1], "input")) return cmd_input(atoi(argv[2]), (uint32_t)strtoul(argv[3], NULL, 10), (uint32_t)strtoul(argv[4], NULL, 10));
    fprintf(stderr, "usage: see the comment at the top of check_host_core.c\n");
    return 1;
}
