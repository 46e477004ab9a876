/* test_report_async.c - the writer thread of finished flows
 * (src/report_async.c): what it writes is the flows in the order handed
 * over, each as it was when handed over, with what the caller writes itself
 * after a sync in its place. The expected text is built here from the
 * sequence of calls, not from the code under test.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_async.h"
#include "support.h"

/* "number id reuse_of trans\n": the flow as the writer saw it */
static void format(void *ctx, struct ts_jw *w, const struct ts_flow *f, uint64_t number)
{
    (void)ctx;
    char line[96];
    int n = snprintf(line, sizeof line, "%llu %llu %lld %s\n", (unsigned long long)number,
                     (unsigned long long)f->id,
                     f->x ? (long long)f->x->reuse_of : -1LL,
                     f->x && f->x->trans ? "trans" : "-");
    ts_jw_raw_n(w, line, (size_t)n);
}

Test(report_async, order_and_syncs)
{
    FILE *fp = tmpfile();
    cr_assert_not_null(fp);
    struct ts_async *q = ts_async_start(format, NULL, fp);
    cr_assert_not_null(q);
    size_t cap = 1 << 20, len = 0;
    char *want = malloc(cap);
    struct ts_flow f;
    memset(&f, 0, sizeof f);
    /* more flows than the batches hold, so the caller waits for the writer */
    for (uint64_t i = 0; i < 5000; i++) {
        f.id = 1000 + i;
        ts_async_flow(q, &f, i);
        len += (size_t)snprintf(want + len, cap - len, "%llu %llu -1 -\n",
                                (unsigned long long)i, (unsigned long long)f.id);
        if (i == 300 || i == 301 || i == 4095) {
            ts_async_sync(q);
            fprintf(fp, "caller after %llu\n", (unsigned long long)i);
            len += (size_t)snprintf(want + len, cap - len, "caller after %llu\n",
                                    (unsigned long long)i);
        }
    }
    ts_async_stop(q);
    char *got = ts_test_slurp_written(fp, NULL);
    cr_assert_str_eq(got, want);
    free(got);
    free(want);
    fclose(fp);
}

/* The writer formats its copy: changing or reusing the record (and its side
 * block) after the hand-over does not reach the output; --timeline
 * transitions are not carried. */
Test(report_async, writes_the_flow_as_handed_over)
{
    FILE *fp = tmpfile();
    cr_assert_not_null(fp);
    struct ts_async *q = ts_async_start(format, NULL, fp);
    cr_assert_not_null(q);
    struct ts_flow f;
    struct ts_flow_extra x;
    struct ts_transition t[1];
    memset(&f, 0, sizeof f);
    memset(&x, 0, sizeof x);
    x.trans = t;
    x.ntrans = 1;
    f.x = &x;
    f.id = 7;
    x.reuse_of = 3;
    ts_async_flow(q, &f, 0);
    f.id = 8;
    x.reuse_of = 4;
    ts_async_flow(q, &f, 1);
    f.x = NULL;
    f.id = 9;
    ts_async_flow(q, &f, 2);
    x.reuse_of = 99; /* after the hand-over */
    ts_async_stop(q);
    char *got = ts_test_slurp_written(fp, NULL);
    cr_assert_str_eq(got, "0 7 3 -\n1 8 4 -\n2 9 -1 -\n");
    free(got);
    fclose(fp);
}

/* Stopping a writer that was handed nothing writes nothing. */
Test(report_async, nothing_handed_over)
{
    FILE *fp = tmpfile();
    cr_assert_not_null(fp);
    struct ts_async *q = ts_async_start(format, NULL, fp);
    cr_assert_not_null(q);
    ts_async_sync(q);
    ts_async_stop(q);
    cr_assert_eq(ftell(fp), 0);
    ts_async_stop(NULL);
    fclose(fp);
}
