/* report_async.c - a writer thread for the flows that finish while a file is
 * read (see report_async.h).
 *
 * A flow's text costs a few thousand instructions, as much as several of its
 * packets: formatting it on the reading thread slowed the analysis of a long
 * capture by a tenth. Here the reading thread copies each finished flow into
 * one of BATCHES batches and goes on; the writer formats and writes whole
 * batches in the order they were filled, so the output is byte for byte what
 * one thread would write. Memory is the batches, whatever the number of
 * flows; the reading thread waits only when all of them are full.
 */
#include "report_async.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define BATCHES 4
#define BATCH_FLOWS 512

struct batch {
    size_t n;
    uint64_t number[BATCH_FLOWS];
    struct ts_flow flows[BATCH_FLOWS];
    struct ts_flow_extra extra[BATCH_FLOWS];
};

struct ts_async {
    ts_async_format_fn format;
    void *ctx;
    FILE *fp;
    struct batch *b;    /* BATCHES of them; batch number k is b[k % BATCHES] */
    size_t fill;        /* flows in the batch being filled (the reading thread's) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t submitted; /* batches handed to the writer; the one filled is next */
    uint64_t written;   /* batches the writer has written */
    bool stop;
    bool writer_waits, caller_waits; /* who sleeps on cv: only they are woken */
    pthread_t th;
    struct ts_jw w;     /* the writer's text */
};

static void *writer(void *arg)
{
    struct ts_async *q = arg;
    for (;;) {
        pthread_mutex_lock(&q->mu);
        while (q->written == q->submitted && !q->stop) {
            q->writer_waits = true;
            pthread_cond_wait(&q->cv, &q->mu);
            q->writer_waits = false;
        }
        bool done = q->written == q->submitted;
        pthread_mutex_unlock(&q->mu);
        if (done)
            return NULL;

        const struct batch *b = &q->b[q->written % BATCHES];
        ts_jw_reset(&q->w);
        for (size_t i = 0; i < b->n; i++)
            q->format(q->ctx, &q->w, &b->flows[i], b->number[i]);
        ts_jw_write(&q->w, q->fp);

        pthread_mutex_lock(&q->mu);
        q->written++;
        if (q->caller_waits)
            pthread_cond_broadcast(&q->cv);
        pthread_mutex_unlock(&q->mu);
    }
}

struct ts_async *ts_async_start(ts_async_format_fn format, void *ctx, FILE *fp)
{
    struct ts_async *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->b = malloc(BATCHES * sizeof *q->b);
    q->format = format;
    q->ctx = ctx;
    q->fp = fp;
    ts_jw_init(&q->w);
    if (!q->b || pthread_mutex_init(&q->mu, NULL) != 0) {
        free(q->b);
        free(q);
        return NULL;
    }
    if (pthread_cond_init(&q->cv, NULL) != 0) {
        pthread_mutex_destroy(&q->mu);
        free(q->b);
        free(q);
        return NULL;
    }
    if (pthread_create(&q->th, NULL, writer, q) != 0) {
        pthread_cond_destroy(&q->cv);
        pthread_mutex_destroy(&q->mu);
        free(q->b);
        free(q);
        return NULL;
    }
    return q;
}

/* The caller sleeps until the writer has written a batch (mu held). */
static void caller_wait(struct ts_async *q)
{
    q->caller_waits = true;
    pthread_cond_wait(&q->cv, &q->mu);
    q->caller_waits = false;
}

/* The batch being filled is complete: the writer's from now on. */
static void submit(struct ts_async *q)
{
    q->b[q->submitted % BATCHES].n = q->fill;
    q->fill = 0;
    pthread_mutex_lock(&q->mu);
    q->submitted++;
    if (q->writer_waits)
        pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

void ts_async_flow(struct ts_async *q, const struct ts_flow *f, uint64_t number)
{
    if (q->fill == 0) {
        /* a new batch: its place must have been written out */
        pthread_mutex_lock(&q->mu);
        while (q->submitted - q->written >= BATCHES)
            caller_wait(q);
        pthread_mutex_unlock(&q->mu);
    }
    struct batch *b = &q->b[q->submitted % BATCHES];
    size_t i = q->fill++;
    struct ts_flow *c = &b->flows[i];
    *c = *f;
    c->q[0] = c->q[1] = 0; /* a finished flow has nothing queued */
    if (f->x) {
        b->extra[i] = *f->x;
        b->extra[i].trans = NULL;
        b->extra[i].ntrans = b->extra[i].trans_cap = 0;
        c->x = &b->extra[i];
    }
    b->number[i] = number;
    if (q->fill == BATCH_FLOWS)
        submit(q);
}

void ts_async_sync(struct ts_async *q)
{
    if (q->fill)
        submit(q);
    pthread_mutex_lock(&q->mu);
    while (q->written != q->submitted)
        caller_wait(q);
    pthread_mutex_unlock(&q->mu);
}

void ts_async_stop(struct ts_async *q)
{
    if (!q)
        return;
    ts_async_sync(q);
    pthread_mutex_lock(&q->mu);
    q->stop = true;
    pthread_cond_broadcast(&q->cv); /* the writer waits: everything is written */
    pthread_mutex_unlock(&q->mu);
    pthread_join(q->th, NULL);
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
    ts_jw_free(&q->w);
    free(q->b);
    free(q);
}
