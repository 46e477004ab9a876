/* json_writer.h - a small streaming JSON text builder: values are appended
 * to one reusable buffer (no allocation once it has grown), strings are
 * escaped, timestamps are printed as seconds with six decimals. */
#ifndef TS_JSON_WRITER_H
#define TS_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ts_jw {
    char *buf;
    size_t len, cap;
    bool comma;  /* the next value needs a comma before it */
    bool failed; /* out of memory: the text is incomplete */
};

void ts_jw_init(struct ts_jw *w);
void ts_jw_free(struct ts_jw *w);
void ts_jw_reset(struct ts_jw *w);

/* key is NULL inside arrays and at the top; keys are written as they are
 * (the program's own words: nothing in them to escape) */
void ts_jw_obj(struct ts_jw *w, const char *key);
void ts_jw_obj_end(struct ts_jw *w);
void ts_jw_arr(struct ts_jw *w, const char *key);
void ts_jw_arr_end(struct ts_jw *w);
void ts_jw_str(struct ts_jw *w, const char *key, const char *s); /* NULL: null */
void ts_jw_int(struct ts_jw *w, const char *key, int64_t v);
void ts_jw_bool(struct ts_jw *w, const char *key, bool v);
void ts_jw_null(struct ts_jw *w, const char *key);
/* epoch or duration in nanoseconds as seconds with microsecond precision */
void ts_jw_time(struct ts_jw *w, const char *key, int64_t ns);
/* raw text (no comma handling) */
void ts_jw_raw(struct ts_jw *w, const char *s);

#endif
