/* test_report_pool.c - a long run of items written on two cores
 * (src/report_pool.c): the text is every item's, once, in order, whatever
 * thread formatted it; no item is read before the caller's ready call has
 * gone past it, and those calls come in order on the calling thread, up to
 * the last item. The expected text is built here from the item numbers,
 * not by the code under test. Chunks of more than 64 KiB also check
 * ts_jw_write's way straight to the descriptor against the stream's.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_pool.h"
#include "support.h"

struct items {
    size_t n;
    size_t pad;               /* bytes of filler in each item's line */
    atomic_size_t ready_upto; /* what the last ready call made ready */
    atomic_size_t read_early; /* items formatted before they were ready */
    pthread_t caller;
    size_t ready_calls, ready_bad;
    size_t last_upto;
};

static void format(void *ctx, struct ts_jw *w, size_t first, size_t n)
{
    struct items *it = ctx;
    char line[64];
    for (size_t i = first; i < first + n; i++) {
        if (i >= atomic_load(&it->ready_upto))
            atomic_fetch_add(&it->read_early, 1);
        int len = snprintf(line, sizeof line, "item %zu ", i);
        ts_jw_raw_n(w, line, (size_t)len);
        for (size_t k = 0; k < it->pad; k++)
            ts_jw_raw_n(w, "x", 1);
        ts_jw_raw_n(w, "\n", 1);
    }
}

static void ready(void *ctx, size_t upto)
{
    struct items *it = ctx;
    it->ready_calls++;
    if (!pthread_equal(pthread_self(), it->caller) || upto <= it->last_upto || upto > it->n)
        it->ready_bad++;
    it->last_upto = upto;
    /* slower than formatting now and then, so the other thread waits */
    if (it->ready_calls % 7 == 0) {
        volatile unsigned spin = 0;
        for (unsigned k = 0; k < 200000; k++)
            spin += k;
    }
    atomic_store(&it->ready_upto, upto);
}

static char *expected(size_t n, size_t pad, size_t *len)
{
    size_t cap = n * (pad + 32) + 1, at = 0;
    char *s = malloc(cap);
    cr_assert_not_null(s);
    for (size_t i = 0; i < n; i++) {
        at += (size_t)snprintf(s + at, cap - at, "item %zu ", i);
        memset(s + at, 'x', pad);
        at += pad;
        s[at++] = '\n';
    }
    s[at] = '\0';
    *len = at;
    return s;
}

/* Run the pool over n items into fp (after a line the stream holds, which
 * must come out first) and check what it wrote and how it was called. */
static void run_and_check(FILE *fp, size_t n, size_t chunk, size_t pad, bool with_ready)
{
    struct items it = {.n = n, .pad = pad, .caller = pthread_self()};
    atomic_store(&it.ready_upto, with_ready ? 0 : n);
    fputs("before\n", fp);
    cr_assert_eq(ts_report_pool_run(n, chunk, format, &it, with_ready ? ready : NULL,
                                    with_ready ? &it : NULL, fp),
                 0);
    fputs("after\n", fp);
    cr_assert_eq(fflush(fp), 0);
    cr_assert_eq(ts_jw_write_errno(), 0);

    size_t want_len, got_len;
    char *body = expected(n, pad, &want_len);
    char *want = malloc(want_len + 16);
    snprintf(want, want_len + 16, "before\n%safter\n", body);
    char *got = ts_test_slurp_written(fp, &got_len);
    cr_assert_not_null(got);
    cr_assert_eq(got_len, strlen(want), "wrote %zu bytes, not %zu", got_len, strlen(want));
    cr_assert(memcmp(got, want, got_len) == 0, "the text differs from the items in order");
    cr_assert_eq(atomic_load(&it.read_early), 0, "%zu items read before they were ready",
                 (size_t)atomic_load(&it.read_early));
    if (with_ready) {
        cr_assert_eq(it.ready_bad, 0, "ready called out of order or off the calling thread");
        cr_assert_eq(it.last_upto, n, "ready stopped at %zu of %zu", it.last_upto, n);
    }
    free(body);
    free(want);
    free(got);
}

Test(report_pool, in_order_and_never_before_ready)
{
    FILE *fp = tmpfile();
    cr_assert_not_null(fp);
    run_and_check(fp, 20011, 256, 0, true); /* the last chunk is short */
    fclose(fp);
}

Test(report_pool, all_ready_from_the_start)
{
    FILE *fp = tmpfile();
    cr_assert_not_null(fp);
    run_and_check(fp, 5000, 100, 0, false);
    fclose(fp);
}

Test(report_pool, long_chunks_straight_to_the_descriptor)
{
    /* chunks of ~128 KiB: ts_jw_write writes them past the stream's
     * buffer, after what the stream holds */
    FILE *fp = tmpfile();
    cr_assert_not_null(fp);
    static char buf[4096];
    setvbuf(fp, buf, _IOFBF, sizeof buf);
    run_and_check(fp, 3000, 256, 500, true);
    fclose(fp);
}

Test(report_pool, long_chunks_into_a_stream_without_descriptor)
{
    char *mem = NULL;
    size_t size = 0;
    FILE *fp = open_memstream(&mem, &size);
    cr_assert_not_null(fp);
    struct items it = {.n = 3000, .pad = 500, .caller = pthread_self()};
    atomic_store(&it.ready_upto, 0);
    cr_assert_eq(ts_report_pool_run(it.n, 256, format, &it, ready, &it, fp), 0);
    cr_assert_eq(fflush(fp), 0);
    size_t want_len;
    char *want = expected(it.n, it.pad, &want_len);
    cr_assert_eq(size, want_len);
    cr_assert(memcmp(mem, want, size) == 0);
    fclose(fp);
    free(mem);
    free(want);
}
