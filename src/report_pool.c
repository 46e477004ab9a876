/* report_pool.c - a long run of finished flows (the end of a capture) written
 * out on two cores. The flows are cut into chunks. Each thread takes the
 * next chunk nobody has formatted yet into a buffer of its own; the calling
 * thread also writes every chunk in order, so the output is byte for byte
 * what one thread would write.
 *
 * The items may still be getting ready when the run starts (the analyzer
 * settles the flows still tracked at the end of a file): the calling thread
 * makes them ready chunk by chunk, first of all, and a chunk is formatted
 * only once it is. The other thread formats meanwhile, so the two kinds of
 * work overlap instead of following each other.
 *
 * Formatting runs at most RING chunks ahead of the writing: memory stays a
 * few chunks of text whatever the number of flows.
 */
#include "report_pool.h"

#include <pthread.h>
#include <stdbool.h>

#define RING 4

struct pool {
    size_t nitems, chunk, nchunks;
    ts_pool_format_fn format;
    void *ctx;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t ready;   /* chunks [0, ready) may be formatted */
    size_t claimed; /* chunks [0, claimed) are formatted or being formatted */
    size_t written; /* chunks [0, written) are written */
    size_t done[RING]; /* chunk number + 1 formatted into buf[k % RING], 0 = none */
    struct ts_jw buf[RING];
};

static size_t chunk_len(const struct pool *p, size_t k)
{
    size_t first = k * p->chunk;
    return p->nitems - first < p->chunk ? p->nitems - first : p->chunk;
}

/* A chunk either thread may format now (its items ready, its slot free). */
static bool can_claim(const struct pool *p)
{
    return p->claimed < p->ready && p->claimed < p->written + RING;
}

/* Format the next unclaimed chunk (the caller holds the lock and checked
 * can_claim; the lock is released while formatting). */
static void format_next(struct pool *p)
{
    size_t k = p->claimed++;
    pthread_mutex_unlock(&p->mu);
    struct ts_jw *w = &p->buf[k % RING];
    ts_jw_reset(w);
    p->format(p->ctx, w, k * p->chunk, chunk_len(p, k));
    pthread_mutex_lock(&p->mu);
    p->done[k % RING] = k + 1;
    pthread_cond_broadcast(&p->cv);
}

static void *helper(void *arg)
{
    struct pool *p = arg;
    pthread_mutex_lock(&p->mu);
    while (p->claimed < p->nchunks) {
        if (can_claim(p))
            format_next(p);
        else
            pthread_cond_wait(&p->cv, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int ts_report_pool_run(size_t nitems, size_t chunk, ts_pool_format_fn format, void *ctx,
                       ts_pool_ready_fn ready, void *ready_ctx, FILE *fp)
{
    struct pool p = {.nitems = nitems, .chunk = chunk ? chunk : 1, .format = format,
                     .ctx = ctx};
    p.nchunks = (nitems + p.chunk - 1) / p.chunk;
    p.ready = ready ? 0 : p.nchunks;
    for (int i = 0; i < RING; i++)
        ts_jw_init(&p.buf[i]);
    if (pthread_mutex_init(&p.mu, NULL) != 0)
        return -1;
    if (pthread_cond_init(&p.cv, NULL) != 0) {
        pthread_mutex_destroy(&p.mu);
        return -1;
    }
    pthread_t th;
    if (p.nchunks < 2 || pthread_create(&th, NULL, helper, &p) != 0) {
        pthread_cond_destroy(&p.cv);
        pthread_mutex_destroy(&p.mu);
        return -1;
    }
    /* This thread, in order of priority: write the next chunk once it is
     * formatted (that frees a slot), make the next chunk ready, format one
     * itself, or wait for the helper. */
    pthread_mutex_lock(&p.mu);
    while (p.written < p.nchunks) {
        size_t k = p.written;
        if (p.done[k % RING] == k + 1) {
            pthread_mutex_unlock(&p.mu);
            ts_jw_write(&p.buf[k % RING], fp);
            pthread_mutex_lock(&p.mu);
            p.done[k % RING] = 0;
            p.written++;
            pthread_cond_broadcast(&p.cv);
        } else if (p.ready < p.nchunks) {
            size_t upto = (p.ready + 1) * p.chunk;
            pthread_mutex_unlock(&p.mu);
            ready(ready_ctx, upto < nitems ? upto : nitems);
            pthread_mutex_lock(&p.mu);
            p.ready++;
            pthread_cond_broadcast(&p.cv);
        } else if (can_claim(&p)) {
            format_next(&p);
        } else {
            pthread_cond_wait(&p.cv, &p.mu);
        }
    }
    pthread_mutex_unlock(&p.mu);
    pthread_join(th, NULL);
    for (int i = 0; i < RING; i++)
        ts_jw_free(&p.buf[i]);
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    return 0;
}
