/* json_writer.c - a small streaming JSON text builder (see json_writer.h).
 *
 * The report writes millions of values, so each one costs one check for
 * room (the most its text can take is reserved up front), numbers are
 * formatted by hand two digits at a time, and keys arrive with their
 * lengths. */
#include "json_writer.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "prefault.h"

/* "00" "01" .. "99": the two digits of n at digit_pairs + 2 * n */
static const char digit_pairs[201] = "0001020304050607080910111213141516171819"
                                     "2021222324252627282930313233343536373839"
                                     "4041424344454647484950515253545556575859"
                                     "6061626364656667686970717273747576777879"
                                     "8081828384858687888990919293949596979899";

void ts_jw_init(struct ts_jw *w)
{
    memset(w, 0, sizeof *w);
}

void ts_jw_free(struct ts_jw *w)
{
    free(w->buf);
    memset(w, 0, sizeof *w);
}

static atomic_int first_write_errno;

static void write_failed(void)
{
    int expected = 0;
    atomic_compare_exchange_strong(&first_write_errno, &expected, errno ? errno : EIO);
}

/* Text this long goes straight to the descriptor, after what the stream
 * holds: through the stream it would be copied into its buffer first (the
 * end of a capture writes tens of megabytes in chunks of this size). */
#define TS_JW_DIRECT (64 * 1024)

static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        p += k;
        n -= (size_t)k;
    }
    return true;
}

void ts_jw_write(const struct ts_jw *w, FILE *fp)
{
    if (!w->len)
        return;
    int fd = w->len >= TS_JW_DIRECT ? fileno(fp) : -1;
    if (fd >= 0) {
        flockfile(fp); /* as fwrite would: one writer at a time */
        if (fflush(fp) != 0 || !write_all(fd, w->buf, w->len))
            write_failed();
        funlockfile(fp);
    } else if (fwrite(w->buf, 1, w->len, fp) != w->len) {
        write_failed();
    }
}

void ts_jw_flush(FILE *fp)
{
    if (fflush(fp) != 0)
        write_failed();
}

int ts_jw_write_errno(void)
{
    return atomic_load(&first_write_errno);
}

void ts_jw_reset(struct ts_jw *w)
{
    w->len = 0;
    w->comma = false;
    w->failed = false;
    if (w->buf)
        w->buf[0] = '\0';
}

/* ---- room and the end of a value ---------------------------------------- */

static bool grow(struct ts_jw *w, size_t n)
{
    size_t cap = w->cap ? w->cap : 4096;
    while (cap < w->len + n + 1)
        cap *= 2;
    char *b = realloc(w->buf, cap);
    if (!b) {
        w->failed = true;
        return false;
    }
    ts_prefault(b + w->cap, cap - w->cap);
    w->buf = b;
    w->cap = cap;
    return true;
}

/* Where n more characters (and the NUL after them) go, or NULL when out of
 * memory. */
static inline char *room(struct ts_jw *w, size_t n)
{
    if (w->cap - w->len <= n && !grow(w, n))
        return NULL;
    return w->buf + w->len;
}

/* The text now ends at o. */
static inline void done(struct ts_jw *w, char *o)
{
    *o = '\0';
    w->len = (size_t)(o - w->buf);
}

/* Room for the comma, the key and then a value of up to n characters;
 * returns where the value goes. */
static inline char *lead(struct ts_jw *w, const char *key, size_t klen, size_t n)
{
    char *o = room(w, klen + 4 + n);
    if (!o)
        return NULL;
    if (w->comma)
        *o++ = ',';
    if (key) {
        *o++ = '"';
        memcpy(o, key, klen);
        o += klen;
        *o++ = '"';
        *o++ = ':';
    }
    w->comma = true;
    return o;
}

char *ts_jw_reserve(struct ts_jw *w, size_t n)
{
    return room(w, n);
}

void ts_jw_commit(struct ts_jw *w, char *end)
{
    done(w, end);
}

/* ---- numbers ------------------------------------------------------------- */

static unsigned digits(uint64_t v)
{
    unsigned n = 1;
    for (;;) {
        if (v < 10)
            return n;
        if (v < 100)
            return n + 1;
        if (v < 1000)
            return n + 2;
        if (v < 10000)
            return n + 3;
        v /= 10000;
        n += 4;
    }
}

/* v's n digits, the last at out[n - 1] */
static void put_digits(char *out, uint64_t v, unsigned n)
{
    char *p = out + n;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        p -= 2;
        memcpy(p, digit_pairs + 2 * r, 2);
    }
    if (v >= 10) {
        p -= 2;
        memcpy(p, digit_pairs + 2 * v, 2);
    } else {
        *--p = (char)('0' + v);
    }
}

size_t ts_jw_u64_text(char *out, uint64_t v)
{
    if (v < 10) { /* most counts in a report are small */
        *out = (char)('0' + v);
        return 1;
    }
    if (v < 100) {
        memcpy(out, digit_pairs + 2 * v, 2);
        return 2;
    }
    unsigned n = digits(v);
    put_digits(out, v, n);
    return n;
}

/* ---- text into reserved room ---------------------------------------------- */

char *ts_jw_put_u64(char *o, uint64_t v)
{
    return o + ts_jw_u64_text(o, v);
}

char *ts_jw_put_i64(char *o, int64_t v)
{
    uint64_t mag = (uint64_t)v;
    if (v < 0) {
        *o++ = '-';
        mag = (uint64_t)0 - mag;
    }
    return o + ts_jw_u64_text(o, mag);
}

/* Rounded to the microsecond, halves away from zero. */
char *ts_jw_put_time(char *o, int64_t ns)
{
    /* in unsigned: INT64_MIN's magnitude has no int64_t */
    uint64_t mag = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    mag = (mag + 500) / 1000;
    if (ns < 0 && mag)
        *o++ = '-';
    o += ts_jw_u64_text(o, mag / 1000000);
    *o++ = '.';
    unsigned frac = (unsigned)(mag % 1000000);
    memcpy(o, digit_pairs + 2 * (frac / 10000), 2);
    memcpy(o + 2, digit_pairs + 2 * (frac / 100 % 100), 2);
    memcpy(o + 4, digit_pairs + 2 * (frac % 100), 2);
    return o + 6;
}

char *ts_jw_put_str(char *o, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    *o++ = '"';
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    for (; p < end; p++) {
        unsigned char c = *p;
        if (c >= 0x20 && c != '"' && c != '\\') {
            *o++ = (char)c;
        } else if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else {
            memcpy(o, "\\u00", 4);
            o[4] = hex[c >> 4];
            o[5] = hex[c & 15];
            o += 6;
        }
    }
    *o++ = '"';
    return o;
}

/* ---- values -------------------------------------------------------------- */

void ts_jw_obj_k(struct ts_jw *w, const char *key, size_t klen)
{
    char *o = lead(w, key, klen, 1);
    if (!o)
        return;
    *o++ = '{';
    done(w, o);
    w->comma = false;
}

void ts_jw_obj_end(struct ts_jw *w)
{
    char *o = room(w, 1);
    if (!o)
        return;
    *o++ = '}';
    done(w, o);
    w->comma = true;
}

void ts_jw_arr_k(struct ts_jw *w, const char *key, size_t klen)
{
    char *o = lead(w, key, klen, 1);
    if (!o)
        return;
    *o++ = '[';
    done(w, o);
    w->comma = false;
}

void ts_jw_arr_end(struct ts_jw *w)
{
    char *o = room(w, 1);
    if (!o)
        return;
    *o++ = ']';
    done(w, o);
    w->comma = true;
}

void ts_jw_str_k(struct ts_jw *w, const char *key, size_t klen, const char *s, size_t n)
{
    if (!s) {
        ts_jw_null_k(w, key, klen);
        return;
    }
    /* at most six characters (\u00XX) for each one, and the quotes */
    char *o = lead(w, key, klen, 6 * n + 2);
    if (o)
        done(w, ts_jw_put_str(o, s, n));
}

void ts_jw_int_k(struct ts_jw *w, const char *key, size_t klen, int64_t v)
{
    char *o = lead(w, key, klen, 20);
    if (o)
        done(w, ts_jw_put_i64(o, v));
}

void ts_jw_bool_k(struct ts_jw *w, const char *key, size_t klen, bool v)
{
    char *o = lead(w, key, klen, 5);
    if (!o)
        return;
    if (v) {
        memcpy(o, "true", 4);
        o += 4;
    } else {
        memcpy(o, "false", 5);
        o += 5;
    }
    done(w, o);
}

void ts_jw_null_k(struct ts_jw *w, const char *key, size_t klen)
{
    char *o = lead(w, key, klen, 4);
    if (!o)
        return;
    memcpy(o, "null", 4);
    done(w, o + 4);
}

void ts_jw_time_k(struct ts_jw *w, const char *key, size_t klen, int64_t ns)
{
    char *o = lead(w, key, klen, 28);
    if (o)
        done(w, ts_jw_put_time(o, ns));
}

void ts_jw_raw_n(struct ts_jw *w, const char *s, size_t n)
{
    char *o = room(w, n);
    if (!o)
        return;
    memcpy(o, s, n);
    done(w, o + n);
}
