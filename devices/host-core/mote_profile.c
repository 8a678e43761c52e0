/* JSON-lines profile records (docs/PROFILE.md); see mote_profile.h. */
#include "mote_profile.h"

#include <string.h>

/* A bounded string builder: every append checks the room left; `ok` drops to 0 on overflow. */
typedef struct {
    char *buf;
    size_t cap;
    size_t len;
    int ok;
} builder_t;

static void put(builder_t *b, const char *s, size_t n)
{
    if (!b->ok || b->len + n >= b->cap) { /* keep one byte for the NUL */
        b->ok = 0;
        return;
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
}

static void put_str(builder_t *b, const char *s) { put(b, s, strlen(s)); }

static void put_u64(builder_t *b, uint64_t v)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[sizeof tmp - 1 - n++] = (char)('0' + (v % 10));
        v /= 10;
    } while (v != 0);
    put(b, tmp + sizeof tmp - n, n);
}

/* Nanoseconds as microseconds with exactly three decimals (JSON number, no exponent). */
static void put_us(builder_t *b, uint64_t ns)
{
    char frac[4];
    uint32_t r = (uint32_t)(ns % 1000);
    put_u64(b, ns / 1000);
    frac[0] = '.';
    frac[1] = (char)('0' + r / 100);
    frac[2] = (char)('0' + (r / 10) % 10);
    frac[3] = (char)('0' + r % 10);
    put(b, frac, 4);
}

/* A JSON string: quotes, backslashes and control characters escaped; other bytes (UTF-8) as is. */
static void put_json_string(builder_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;
    put(b, "\"", 1);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char e[2] = { '\\', (char)c };
            put(b, e, 2);
        } else if (c < 0x20) {
            char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
            put(b, e, 6);
        } else {
            put(b, (const char *)&s[i], 1);
        }
    }
    put(b, "\"", 1);
}

static size_t finish(builder_t *b)
{
    put(b, "\n", 1);
    if (!b->ok) {
        if (b->cap > 0) b->buf[0] = '\0';
        return 0;
    }
    b->buf[b->len] = '\0';
    return b->len;
}

size_t mote_profile_format_run(char *buf, size_t cap, const mote_profile_run_t *rec)
{
    builder_t b = { buf, cap, 0, cap > 0 };
    put_str(&b, "{\"type\":\"run\",\"model\":");
    put_json_string(&b, rec->model, strlen(rec->model));
    put_str(&b, ",\"build\":");
    put_json_string(&b, rec->build, strlen(rec->build));
    put_str(&b, ",\"host\":");
    put_json_string(&b, rec->host, strlen(rec->host));
    put_str(&b, ",\"t_us\":");
    put_us(&b, rec->t_ns);
    put_str(&b, ",\"run\":");
    put_u64(&b, rec->run);
    if (rec->device && rec->device[0]) {
        put_str(&b, ",\"device\":");
        put_json_string(&b, rec->device, strlen(rec->device));
    }
    if (rec->clock_mhz) {
        put_str(&b, ",\"clock_mhz\":");
        put_u64(&b, rec->clock_mhz);
    }
    put_str(&b, "}");
    return finish(&b);
}

size_t mote_profile_format_op(char *buf, size_t cap, const mote_profile_op_t *rec)
{
    builder_t b = { buf, cap, 0, cap > 0 };
    put_str(&b, "{\"type\":\"op\",\"run\":");
    put_u64(&b, rec->run);
    put_str(&b, ",\"index\":");
    put_u64(&b, rec->index);
    put_str(&b, ",\"op\":");
    put_json_string(&b, rec->op, strlen(rec->op));
    put_str(&b, ",\"name\":");
    put_json_string(&b, rec->name, rec->name_len);
    put_str(&b, ",\"t_us\":");
    put_us(&b, rec->t_ns);
    put_str(&b, "}");
    return finish(&b);
}
