/* json_writer.c - a small streaming JSON text builder (see json_writer.h).
 * Numbers are formatted by hand: the report writes millions of them. */
#include "json_writer.h"

#include <stdlib.h>
#include <string.h>

void ts_jw_init(struct ts_jw *w)
{
    memset(w, 0, sizeof *w);
}

void ts_jw_free(struct ts_jw *w)
{
    free(w->buf);
    memset(w, 0, sizeof *w);
}

void ts_jw_reset(struct ts_jw *w)
{
    w->len = 0;
    w->comma = false;
    w->failed = false;
    if (w->buf)
        w->buf[0] = '\0';
}

static bool room(struct ts_jw *w, size_t n)
{
    if (w->len + n + 1 <= w->cap)
        return true;
    size_t cap = w->cap ? w->cap : 4096;
    while (cap < w->len + n + 1)
        cap *= 2;
    char *b = realloc(w->buf, cap);
    if (!b) {
        w->failed = true;
        return false;
    }
    w->buf = b;
    w->cap = cap;
    return true;
}

static void put(struct ts_jw *w, const char *s, size_t n)
{
    if (!room(w, n))
        return;
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static void putc_(struct ts_jw *w, char c)
{
    if (!room(w, 1))
        return;
    w->buf[w->len++] = c;
    w->buf[w->len] = '\0';
}

static void quoted(struct ts_jw *w, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    putc_(w, '"');
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        const unsigned char *run = p; /* characters that need no escape, copied at once */
        while (*p && *p != '"' && *p != '\\' && *p >= 0x20)
            p++;
        put(w, (const char *)run, (size_t)(p - run));
        if (!*p)
            break;
        unsigned char c = *p++;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            put(w, e, 2);
        } else {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            put(w, e, 6);
        }
    }
    putc_(w, '"');
}

/* comma and key before a value; keys are the program's own words (plain
 * ASCII, nothing to escape), so they are copied in one go */
static void lead(struct ts_jw *w, const char *key)
{
    size_t n = key ? strlen(key) : 0;
    if (!room(w, n + 4))
        return;
    char *o = w->buf + w->len;
    if (w->comma)
        *o++ = ',';
    if (key) {
        *o++ = '"';
        memcpy(o, key, n);
        o += n;
        *o++ = '"';
        *o++ = ':';
    }
    *o = '\0';
    w->len = (size_t)(o - w->buf);
    w->comma = true;
}

void ts_jw_obj(struct ts_jw *w, const char *key)
{
    lead(w, key);
    putc_(w, '{');
    w->comma = false;
}

void ts_jw_obj_end(struct ts_jw *w)
{
    putc_(w, '}');
    w->comma = true;
}

void ts_jw_arr(struct ts_jw *w, const char *key)
{
    lead(w, key);
    putc_(w, '[');
    w->comma = false;
}

void ts_jw_arr_end(struct ts_jw *w)
{
    putc_(w, ']');
    w->comma = true;
}

void ts_jw_str(struct ts_jw *w, const char *key, const char *s)
{
    lead(w, key);
    if (s)
        quoted(w, s);
    else
        put(w, "null", 4);
}

static size_t u64_digits(uint64_t v, char *out)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

void ts_jw_int(struct ts_jw *w, const char *key, int64_t v)
{
    lead(w, key);
    char b[24];
    size_t n = 0;
    uint64_t mag = (uint64_t)v;
    if (v < 0) {
        b[n++] = '-';
        mag = (uint64_t)0 - mag;
    }
    n += u64_digits(mag, b + n);
    put(w, b, n);
}

void ts_jw_bool(struct ts_jw *w, const char *key, bool v)
{
    lead(w, key);
    if (v)
        put(w, "true", 4);
    else
        put(w, "false", 5);
}

void ts_jw_null(struct ts_jw *w, const char *key)
{
    lead(w, key);
    put(w, "null", 4);
}

void ts_jw_time(struct ts_jw *w, const char *key, int64_t ns)
{
    lead(w, key);
    int64_t us = ns >= 0 ? (ns + 500) / 1000 : (ns - 500) / 1000;
    char b[32];
    size_t n = 0;
    uint64_t mag = (uint64_t)us;
    if (us < 0) {
        b[n++] = '-';
        mag = (uint64_t)0 - mag;
    }
    n += u64_digits(mag / 1000000, b + n);
    b[n++] = '.';
    uint64_t frac = mag % 1000000;
    for (int i = 5; i >= 0; i--) {
        b[n + (size_t)i] = (char)('0' + frac % 10);
        frac /= 10;
    }
    n += 6;
    put(w, b, n);
}

void ts_jw_raw(struct ts_jw *w, const char *s)
{
    put(w, s, strlen(s));
}
