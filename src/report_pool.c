/* report_pool.c - a long run of finished flows (the end of a capture) written
 * out on two cores. The flows are cut into chunks; a helper thread formats
 * the odd chunks into buffers of its own while the calling thread formats
 * the even ones, and the calling thread writes every chunk in order, so the
 * output is byte for byte what one thread would write.
 *
 * The helper works at most RING chunks ahead of the writer: memory stays a
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
    struct ts_jw buf[RING];
    size_t ready[RING]; /* chunk number + 1 held by the slot, 0 = free */
};

static size_t chunk_len(const struct pool *p, size_t k)
{
    size_t first = k * p->chunk;
    return p->nitems - first < p->chunk ? p->nitems - first : p->chunk;
}

/* The helper: odd chunks 1, 3, 5, ... each into slot (k / 2) % RING once
 * the writer has emptied it. */
static void *helper(void *arg)
{
    struct pool *p = arg;
    for (size_t k = 1; k < p->nchunks; k += 2) {
        size_t slot = (k / 2) % RING;
        pthread_mutex_lock(&p->mu);
        while (p->ready[slot])
            pthread_cond_wait(&p->cv, &p->mu);
        pthread_mutex_unlock(&p->mu);

        struct ts_jw *w = &p->buf[slot];
        ts_jw_reset(w);
        p->format(p->ctx, w, k * p->chunk, chunk_len(p, k));

        pthread_mutex_lock(&p->mu);
        p->ready[slot] = k + 1;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}

int ts_report_pool_run(size_t nitems, size_t chunk, ts_pool_format_fn format, void *ctx,
                       struct ts_jw *own, FILE *fp)
{
    struct pool p = {.nitems = nitems, .chunk = chunk ? chunk : 1, .format = format,
                     .ctx = ctx};
    p.nchunks = (nitems + p.chunk - 1) / p.chunk;
    for (int i = 0; i < RING; i++)
        ts_jw_init(&p.buf[i]);
    if (pthread_mutex_init(&p.mu, NULL) != 0)
        return -1;
    if (pthread_cond_init(&p.cv, NULL) != 0) {
        pthread_mutex_destroy(&p.mu);
        return -1;
    }
    pthread_t th;
    bool threaded = p.nchunks > 1 && pthread_create(&th, NULL, helper, &p) == 0;
    if (!threaded) {
        pthread_cond_destroy(&p.cv);
        pthread_mutex_destroy(&p.mu);
        return -1;
    }
    for (size_t k = 0; k < p.nchunks; k++) {
        if (k % 2 == 0) {
            ts_jw_reset(own);
            format(ctx, own, k * p.chunk, chunk_len(&p, k));
            ts_jw_write(own, fp);
            continue;
        }
        size_t slot = (k / 2) % RING;
        pthread_mutex_lock(&p.mu);
        while (p.ready[slot] != k + 1)
            pthread_cond_wait(&p.cv, &p.mu);
        pthread_mutex_unlock(&p.mu);
        ts_jw_write(&p.buf[slot], fp);
        pthread_mutex_lock(&p.mu);
        p.ready[slot] = 0;
        pthread_cond_broadcast(&p.cv);
        pthread_mutex_unlock(&p.mu);
    }
    pthread_join(th, NULL);
    ts_jw_reset(own);
    for (int i = 0; i < RING; i++)
        ts_jw_free(&p.buf[i]);
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    return 0;
}
