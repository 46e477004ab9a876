/* json_writer.h - a small streaming JSON text builder: values are appended
 * to one reusable buffer (no allocation once it has grown), strings are
 * escaped, timestamps are printed as seconds with six decimals.
 *
 * Each call takes its key's length: the short forms below are inline, so
 * that for a literal key (all of the report's) strlen is done by the
 * compiler. Keys are written as they are (the program's own words: nothing
 * in them to escape); key is NULL inside arrays and at the top. */
#ifndef TS_JSON_WRITER_H
#define TS_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct ts_jw {
    char *buf;   /* NUL-terminated after every value */
    size_t len, cap;
    bool comma;  /* the next value needs a comma before it */
    bool failed; /* out of memory: the text is incomplete */
};

void ts_jw_init(struct ts_jw *w);
void ts_jw_free(struct ts_jw *w);
void ts_jw_reset(struct ts_jw *w);

/* Write the text out to fp (under the stream's lock, which orders the
 * writers of the report's threads): through the stream, or, when it is long
 * and fp has a descriptor, after what the stream holds straight to that
 * descriptor. A write that fails leaves the stream's error flag set (when
 * it went through the stream), and the first one's errno is kept for the
 * message at the end: check ts_jw_write_errno as well as ferror. */
void ts_jw_write(const struct ts_jw *w, FILE *fp);
void ts_jw_flush(FILE *fp); /* fflush, its failure kept the same way */
int ts_jw_write_errno(void); /* 0 when no write failed */

/* The calls with the key's length (klen 0 for a NULL key). */
void ts_jw_obj_k(struct ts_jw *w, const char *key, size_t klen);
void ts_jw_arr_k(struct ts_jw *w, const char *key, size_t klen);
void ts_jw_str_k(struct ts_jw *w, const char *key, size_t klen, const char *s, size_t n);
void ts_jw_int_k(struct ts_jw *w, const char *key, size_t klen, int64_t v);
void ts_jw_bool_k(struct ts_jw *w, const char *key, size_t klen, bool v);
void ts_jw_null_k(struct ts_jw *w, const char *key, size_t klen);
void ts_jw_time_k(struct ts_jw *w, const char *key, size_t klen, int64_t ns);
void ts_jw_obj_end(struct ts_jw *w);
void ts_jw_arr_end(struct ts_jw *w);
/* raw text (no comma handling) */
void ts_jw_raw_n(struct ts_jw *w, const char *s, size_t n);

/* For other text built in the buffer: room for n more characters (and a
 * NUL) at the returned place, NULL when out of memory; then tell where the
 * text now ends. */
char *ts_jw_reserve(struct ts_jw *w, size_t n);
void ts_jw_commit(struct ts_jw *w, char *end);

/* v in decimal at out (room for 20 characters); returns its length. The
 * text report prints its numbers with it too. */
size_t ts_jw_u64_text(char *out, uint64_t v);

/* Writing into reserved room, for text whose greatest length is known (a
 * flow's object): no checks, each returns where the text now ends. What
 * they write is what the calls above write for the same value. */
char *ts_jw_put_u64(char *o, uint64_t v);              /* at most 20 */
char *ts_jw_put_i64(char *o, int64_t v);               /* at most 20 */
char *ts_jw_put_time(char *o, int64_t ns);             /* at most 28 */
char *ts_jw_put_str(char *o, const char *s, size_t n); /* quoted, at most 6 * n + 2 */

static inline char *ts_jw_put(char *o, const char *s, size_t n)
{
    memcpy(o, s, n);
    return o + n;
}

/* a string literal, its length known to the compiler */
#define TS_JW_LIT(o, lit) ts_jw_put((o), "" lit, sizeof(lit) - 1)

static inline size_t ts_jw_klen(const char *key)
{
    return key ? strlen(key) : 0;
}

static inline void ts_jw_obj(struct ts_jw *w, const char *key)
{
    ts_jw_obj_k(w, key, ts_jw_klen(key));
}

static inline void ts_jw_arr(struct ts_jw *w, const char *key)
{
    ts_jw_arr_k(w, key, ts_jw_klen(key));
}

/* s NULL: null */
static inline void ts_jw_str(struct ts_jw *w, const char *key, const char *s)
{
    ts_jw_str_k(w, key, ts_jw_klen(key), s, s ? strlen(s) : 0);
}

/* a string of known length */
static inline void ts_jw_strn(struct ts_jw *w, const char *key, const char *s, size_t n)
{
    ts_jw_str_k(w, key, ts_jw_klen(key), s, n);
}

static inline void ts_jw_int(struct ts_jw *w, const char *key, int64_t v)
{
    ts_jw_int_k(w, key, ts_jw_klen(key), v);
}

static inline void ts_jw_bool(struct ts_jw *w, const char *key, bool v)
{
    ts_jw_bool_k(w, key, ts_jw_klen(key), v);
}

static inline void ts_jw_null(struct ts_jw *w, const char *key)
{
    ts_jw_null_k(w, key, ts_jw_klen(key));
}

/* epoch or duration in nanoseconds as seconds with microsecond precision */
static inline void ts_jw_time(struct ts_jw *w, const char *key, int64_t ns)
{
    ts_jw_time_k(w, key, ts_jw_klen(key), ns);
}

static inline void ts_jw_raw(struct ts_jw *w, const char *s)
{
    ts_jw_raw_n(w, s, strlen(s));
}

#endif
