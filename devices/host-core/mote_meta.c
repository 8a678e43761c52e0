/* A bounded JSON walker for the blob metadata; see mote_meta.h. */
#include "mote_meta.h"

#include <string.h>

static size_t skip_ws(const char *s, size_t len, size_t p)
{
    while (p < len && (s[p] == ' ' || s[p] == '\t' || s[p] == '\n' || s[p] == '\r')) p++;
    return p;
}

/* Past the end of the string starting at s[p] == '"', or len if unterminated. */
static size_t skip_string(const char *s, size_t len, size_t p)
{
    for (p++; p < len; p++) {
        if (s[p] == '\\') p++;
        else if (s[p] == '"') return p + 1;
    }
    return len;
}

/* Past the end of the value at s[p], or len if malformed / too deep. */
static size_t skip_value(const char *s, size_t len, size_t p, int depth)
{
    p = skip_ws(s, len, p);
    if (p >= len) return len;
    if (s[p] == '"') return skip_string(s, len, p);
    if (s[p] == '{' || s[p] == '[') {
        char close = s[p] == '{' ? '}' : ']';
        if (depth >= MOTE_META_MAX_DEPTH) return len;
        p = skip_ws(s, len, p + 1);
        if (p < len && s[p] == close) return p + 1;
        while (p < len) {
            if (close == '}') {
                p = skip_ws(s, len, p);
                if (p >= len || s[p] != '"') return len;
                p = skip_ws(s, len, skip_string(s, len, p));
                if (p >= len || s[p] != ':') return len;
                p++;
            }
            p = skip_ws(s, len, skip_value(s, len, p, depth + 1));
            if (p >= len) return len;
            if (s[p] == close) return p + 1;
            if (s[p] != ',') return len;
            p++;
        }
        return len;
    }
    /* number, true, false, null */
    while (p < len && s[p] != ',' && s[p] != '}' && s[p] != ']' && s[p] != ' ' && s[p] != '\n' && s[p] != '\r' && s[p] != '\t') p++;
    return p;
}

static int hex4(const char *s, size_t len, size_t p, uint32_t *v)
{
    size_t i;
    *v = 0;
    if (p + 4 > len) return 0;
    for (i = 0; i < 4; i++) {
        char c = s[p + i];
        uint32_t d = c >= '0' && c <= '9' ? (uint32_t)(c - '0') : c >= 'a' && c <= 'f' ? (uint32_t)(c - 'a' + 10) : c >= 'A' && c <= 'F' ? (uint32_t)(c - 'A' + 10) : 99;
        if (d > 15) return 0;
        *v = *v * 16 + d;
    }
    return 1;
}

/* Appends one code point as UTF-8 if it fits whole (so truncation never splits a character). */
static int put_utf8(char *out, size_t cap, size_t *n, uint32_t cp)
{
    char b[4];
    size_t k;
    if (cp < 0x80) { b[0] = (char)cp; k = 1; }
    else if (cp < 0x800) { b[0] = (char)(0xC0 | (cp >> 6)); b[1] = (char)(0x80 | (cp & 63)); k = 2; }
    else if (cp < 0x10000) { b[0] = (char)(0xE0 | (cp >> 12)); b[1] = (char)(0x80 | ((cp >> 6) & 63)); b[2] = (char)(0x80 | (cp & 63)); k = 3; }
    else { b[0] = (char)(0xF0 | (cp >> 18)); b[1] = (char)(0x80 | ((cp >> 12) & 63)); b[2] = (char)(0x80 | ((cp >> 6) & 63)); b[3] = (char)(0x80 | (cp & 63)); k = 4; }
    if (*n + k >= cap) return 0;
    memcpy(out + *n, b, k);
    *n += k;
    return 1;
}

/* Length of the UTF-8 sequence that starts with byte c (1 for stray continuation bytes). */
static size_t utf8_len(unsigned char c)
{
    return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

int mote_meta_find_array(const char *json, size_t len, const char *key, mote_meta_array_t *it)
{
    size_t p = skip_ws(json, len, 0), klen = strlen(key);
    it->json = json;
    it->len = len;
    it->pos = len;
    if (p >= len || json[p] != '{') return 0;
    p = skip_ws(json, len, p + 1);
    while (p < len && json[p] == '"') {
        size_t kend = skip_string(json, len, p);
        /* Keys are compared raw: the converter writes plain ASCII keys, never escaped ones. */
        int match = kend - p == klen + 2 && memcmp(json + p + 1, key, klen) == 0;
        p = skip_ws(json, len, kend);
        if (p >= len || json[p] != ':') return 0;
        p = skip_ws(json, len, p + 1);
        if (match) {
            if (p >= len || json[p] != '[') return 0;
            it->pos = skip_ws(json, len, p + 1);
            if (it->pos < len && json[it->pos] == ']') it->pos = len; /* empty */
            return 1;
        }
        p = skip_ws(json, len, skip_value(json, len, p, 1));
        if (p >= len || json[p] != ',') return 0;
        p = skip_ws(json, len, p + 1);
    }
    return 0;
}

int mote_meta_next_string(mote_meta_array_t *it, char *out, size_t cap, size_t *out_len)
{
    const char *s = it->json;
    size_t len = it->len, p = it->pos, n = 0, end;
    int is_string, full = 0;
    *out_len = 0;
    if (cap > 0) out[0] = '\0';
    if (p >= len) return 0;
    is_string = s[p] == '"';
    end = skip_value(s, len, p, 1);
    if (is_string && cap > 0) {
        size_t q = p + 1;
        while (q < end - 1 && !full) {
            unsigned char c = (unsigned char)s[q];
            if (c == '\\' && q + 1 < end - 1) {
                char e = s[q + 1];
                uint32_t cp = 0, lo;
                q += 2;
                switch (e) {
                case 'b': cp = '\b'; break;
                case 'f': cp = '\f'; break;
                case 'n': cp = '\n'; break;
                case 'r': cp = '\r'; break;
                case 't': cp = '\t'; break;
                case 'u':
                    if (!hex4(s, len, q, &cp)) { full = 1; break; }
                    q += 4;
                    /* A surrogate pair encodes one code point above U+FFFF. */
                    if (cp >= 0xD800 && cp < 0xDC00 && q + 6 <= len && s[q] == '\\' && s[q + 1] == 'u' && hex4(s, len, q + 2, &lo) && lo >= 0xDC00 && lo < 0xE000) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        q += 6;
                    }
                    break;
                default: cp = (unsigned char)e; break; /* \" \\ \/ */
                }
                if (!full && !put_utf8(out, cap, &n, cp)) full = 1;
            } else {
                size_t k = utf8_len(c);
                if (q + k > end - 1 || n + k >= cap) { full = 1; break; }
                memcpy(out + n, s + q, k);
                n += k;
                q += k;
            }
        }
        out[n] = '\0';
        *out_len = n;
    }
    /* Advance past the separator; anything but ',' or ']' ends the walk. */
    p = skip_ws(s, len, end);
    it->pos = p < len && s[p] == ',' ? skip_ws(s, len, p + 1) : len;
    return is_string && end <= len && (end < len || s[len - 1] == '"');
}
