/* flow_table.c - a pool of flow records, a chained hash index over them and
 * per-class timer lists, all linked by pool index (records never move: the
 * pool grows by chunks of doubling size).
 *
 * Records come from the free list first and only then from new chunks, so a
 * long capture reuses the memory of flows that ended. The parts only some
 * flows need are side blocks from two block pools, counted with the
 * records against max_bytes. The bucket array grows
 * (doubling) while it holds more flows than buckets.
 */
#include "flow_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "flow_key.h"
#include "prefault.h"

/* Chunk c holds TS_FT_FIRST << c records, so a small capture allocates
 * little and a large one few times; pool index i lives in chunk
 * floor(log2(i / TS_FT_FIRST + 1)). */
static void locate(uint32_t i, uint32_t *chunk, uint32_t *off)
{
    uint32_t q = i / TS_FT_FIRST + 1;
    uint32_t c = 31u - (uint32_t)__builtin_clz(q);
    *chunk = c;
    *off = i - TS_FT_FIRST * ((1u << c) - 1u);
}

static struct ts_flow *at(const struct ts_flow_table *t, uint32_t slot)
{
    uint32_t c, o;
    locate(slot - 1, &c, &o);
    return &t->chunks[c][o];
}

int ts_flow_table_init(struct ts_flow_table *t, uint32_t max_flows, uint64_t max_bytes,
                       const uint64_t seed[2], char *errbuf, size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->max_flows = max_flows ? max_flows : UINT32_MAX - 1;
    t->max_bytes = max_bytes;
    ts_block_pool_init(&t->queues, sizeof(struct ts_queue));
    ts_block_pool_init(&t->extras, sizeof(struct ts_flow_extra));
    ts_hash_key_init(&t->hk, seed);
    t->nbuckets = 1024;
    t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
    if (!t->buckets) {
        snprintf(errbuf, errlen, "out of memory for the flow table");
        return -1;
    }
    return 0;
}

void ts_flow_table_free(struct ts_flow_table *t)
{
    uint32_t cur = 0;
    struct ts_flow *f;
    while ((f = ts_flow_table_next(t, &cur)) != NULL)
        if (f->x)
            free(f->x->trans);
    for (uint32_t i = 0; i < t->nchunks; i++)
        free(t->chunks[i]);
    ts_block_pool_free(&t->queues);
    ts_block_pool_free(&t->extras);
    free(t->buckets);
    memset(t, 0, sizeof *t);
}

uint32_t ts_flow_table_hash(const struct ts_flow_table *t, const struct ts_flow_key *key)
{
    return ts_flow_key_hash(key, &t->hk);
}

/* Every cache line of a record (one may straddle one more line). */
static void prefetch_record(const struct ts_flow *f)
{
    const char *p = (const char *)f;
    for (size_t i = 0; i < sizeof *f; i += 64)
        __builtin_prefetch(p + i, 1);
    __builtin_prefetch(p + sizeof *f - 1, 1);
}

void ts_flow_table_prefetch_flow(const struct ts_flow_table *t, uint32_t hash)
{
    uint32_t s = t->buckets[hash & (t->nbuckets - 1)];
    if (s)
        prefetch_record(at(t, s));
}

void ts_flow_table_prefetch_newer(const struct ts_flow_table *t, const struct ts_flow *f)
{
    if (f->timer_class == TS_TIMER_NONE || !f->timer_next)
        return;
    const struct ts_flow *n1 = at(t, f->timer_next);
    __builtin_prefetch(&t->buckets[n1->hash & (t->nbuckets - 1)], 1);
    if (n1->timer_next)
        prefetch_record(at(t, n1->timer_next));
}

struct ts_flow *ts_flow_table_find(struct ts_flow_table *t, const struct ts_flow_key *key,
                                   uint32_t hash)
{
    for (uint32_t s = t->buckets[hash & (t->nbuckets - 1)]; s; ) {
        struct ts_flow *f = at(t, s);
        if (f->hash == hash && ts_flow_key_equal(&f->key, key))
            return f;
        s = f->next;
    }
    return NULL;
}

/* Rebuilds the index in pool order, chunk by chunk: the records are read in
 * the order they lie in memory, where following each chain waited on one
 * cold record after another (a twentieth of a run with 118,000 connections).
 * The order inside a chain does not matter: a key is in the index once. */
static void grow_buckets(struct ts_flow_table *t)
{
    uint32_t n = t->nbuckets * 2;
    uint32_t *nb = calloc(n, sizeof *nb);
    if (!nb)
        return; /* keep the longer chains; lookups stay correct */
    ts_prefault(nb, n * sizeof *nb);
    uint32_t s = 0;
    for (uint32_t c = 0; c < t->nchunks && s < t->allocated; c++) {
        struct ts_flow *chunk = t->chunks[c];
        uint32_t len = TS_FT_FIRST << c;
        for (uint32_t o = 0; o < len && s < t->allocated; o++) {
            struct ts_flow *f = &chunk[o];
            s++;
            if (f->in_use != 1)
                continue;
            uint32_t b = f->hash & (n - 1);
            f->next = nb[b];
            nb[b] = s;
        }
    }
    free(t->buckets);
    t->buckets = nb;
    t->nbuckets = n;
}

/* Large chunks are aligned to 2 MiB and offered to transparent huge pages:
 * a capture with many concurrent connections touches them page by page,
 * and 4 KiB page faults were a quarter of the run time. */
#define TS_HUGE (2u << 20)
static void *alloc_chunk(size_t bytes)
{
    if (bytes < TS_HUGE)
        return malloc(bytes);
    size_t rounded = (bytes + TS_HUGE - 1) & ~(size_t)(TS_HUGE - 1);
    void *p = aligned_alloc(TS_HUGE, rounded);
#ifdef MADV_HUGEPAGE
    if (p)
        madvise(p, rounded, MADV_HUGEPAGE);
#endif
    return p;
}

static uint32_t take_slot(struct ts_flow_table *t)
{
    if (t->free_head) {
        uint32_t s = t->free_head;
        t->free_head = at(t, s)->next;
        return s;
    }
    uint32_t c, o;
    locate(t->allocated, &c, &o);
    if (c >= TS_FT_MAX_CHUNKS)
        return 0;
    if (c == t->nchunks) {
        struct ts_flow *chunk = alloc_chunk(((size_t)TS_FT_FIRST << c) * sizeof *chunk);
        if (!chunk)
            return 0;
        t->chunks[t->nchunks++] = chunk;
        t->mapped = 0;
    }
    ts_prefault_upto(t->chunks[c], ((size_t)TS_FT_FIRST << c) * sizeof(struct ts_flow),
                     ((size_t)o + 1) * sizeof(struct ts_flow), &t->mapped);
    return ++t->allocated;
}

struct ts_flow *ts_flow_table_insert(struct ts_flow_table *t, const struct ts_flow_key *key,
                                     uint32_t hash)
{
    if (t->used >= t->max_flows ||
        (t->max_bytes &&
         (uint64_t)(t->used + 1) * TS_FT_FLOW_COST + t->side_bytes > t->max_bytes))
        return NULL;
    uint32_t s = take_slot(t);
    if (!s)
        return NULL;
    struct ts_flow *f = at(t, s);
    memset(f, 0, sizeof *f);
    f->key = *key;
    f->hash = hash;
    f->slot = s;
    f->in_use = 1;
    uint32_t b = hash & (t->nbuckets - 1);
    f->next = t->buckets[b];
    t->buckets[b] = s;
    t->used++;
    if (t->used > t->nbuckets && t->nbuckets < (1u << 30))
        grow_buckets(t);
    return f;
}

static void timer_unlink(struct ts_flow_table *t, struct ts_flow *f)
{
    if (f->timer_class == TS_TIMER_NONE)
        return;
    if (f->timer_prev) {
        at(t, f->timer_prev)->timer_next = f->timer_next;
    } else {
        t->timer_head[f->timer_class] = f->timer_next;
        t->head_moved = true;
    }
    if (f->timer_next)
        at(t, f->timer_next)->timer_prev = f->timer_prev;
    else
        t->timer_tail[f->timer_class] = f->timer_prev;
    f->timer_prev = f->timer_next = 0;
    f->timer_class = TS_TIMER_NONE;
}

void ts_flow_table_unindex_all(struct ts_flow_table *t)
{
    memset(t->buckets, 0, (size_t)t->nbuckets * sizeof *t->buckets);
    for (int c = 0; c < TS_TIMER_COUNT; c++)
        t->timer_head[c] = t->timer_tail[c] = 0;
    t->head_moved = true;
    uint32_t cur = 0;
    struct ts_flow *f;
    while ((f = ts_flow_table_next(t, &cur)) != NULL) {
        if (f->in_use != 1)
            continue;
        f->timer_class = TS_TIMER_NONE;
        f->timer_prev = f->timer_next = 0;
        f->next = 0;
        f->in_use = 2;
    }
    t->used = 0;
    t->side_bytes = 0; /* it counts the side blocks of indexed flows only */
}

void ts_flow_table_unindex(struct ts_flow_table *t, struct ts_flow *f)
{
    if (f->in_use != 1)
        return; /* already out (ts_flow_table_unindex_all) */
    timer_unlink(t, f);
    uint32_t *link = &t->buckets[f->hash & (t->nbuckets - 1)];
    while (*link && *link != f->slot)
        link = &at(t, *link)->next;
    if (*link)
        *link = f->next;
    f->next = 0;
    /* it no longer counts against max_flows and max_bytes while it is reported */
    t->used--;
    t->side_bytes -= ((f->q[0] != 0) + (f->q[1] != 0)) * t->queues.size + (f->x ? t->extras.size : 0);
    f->in_use = 2;
}

void ts_flow_table_release(struct ts_flow_table *t, struct ts_flow *f)
{
    if (f->x) {
        free(f->x->trans);
        ts_block_pool_put(&t->extras, f->x);
        f->x = NULL;
    }
    for (int i = 0; i < 2; i++) {
        if (f->q[i])
            ts_block_pool_give(&t->queues, f->q[i]);
        f->q[i] = 0;
    }
    f->in_use = 0;
    f->next = t->free_head;
    t->free_head = f->slot;
}

struct ts_pending *ts_flow_table_queue(struct ts_flow_table *t, struct ts_flow *f, int side)
{
    if (!f->q[side]) {
        if (!(f->q[side] = ts_block_pool_take(&t->queues)))
            return NULL;
        if (f->in_use == 1)
            t->side_bytes += t->queues.size;
    }
    return ts_flow_table_queued(t, f, side);
}

void ts_flow_table_drop_queue(struct ts_flow_table *t, struct ts_flow *f, int side)
{
    if (!f->q[side])
        return;
    ts_block_pool_give(&t->queues, f->q[side]);
    f->q[side] = 0;
    if (f->in_use == 1)
        t->side_bytes -= t->queues.size;
}

struct ts_flow_extra *ts_flow_table_extra(struct ts_flow_table *t, struct ts_flow *f)
{
    if (!f->x && (f->x = ts_block_pool_get(&t->extras)) != NULL && f->in_use == 1)
        t->side_bytes += t->extras.size;
    return f->x;
}

uint64_t ts_flow_table_bytes(const struct ts_flow_table *t)
{
    return (uint64_t)t->allocated * sizeof(struct ts_flow) +
           t->queues.carved * t->queues.size + t->extras.carved * t->extras.size +
           (uint64_t)t->nbuckets * sizeof(uint32_t);
}

void ts_flow_table_touch(struct ts_flow_table *t, struct ts_flow *f, enum ts_timer_class cls)
{
    if (f->timer_class == cls && t->timer_tail[cls] == f->slot)
        return;
    timer_unlink(t, f);
    if (cls == TS_TIMER_NONE)
        return;
    f->timer_class = (uint8_t)cls;
    f->timer_prev = t->timer_tail[cls];
    f->timer_next = 0;
    if (t->timer_tail[cls]) {
        at(t, t->timer_tail[cls])->timer_next = f->slot;
    } else {
        t->timer_head[cls] = f->slot;
        t->head_moved = true;
    }
    t->timer_tail[cls] = f->slot;
}

struct ts_flow *ts_flow_table_oldest(struct ts_flow_table *t, enum ts_timer_class cls)
{
    return t->timer_head[cls] ? at(t, t->timer_head[cls]) : NULL;
}

struct ts_flow *ts_flow_table_newer(struct ts_flow_table *t, const struct ts_flow *f)
{
    return f->timer_class != TS_TIMER_NONE && f->timer_next ? at(t, f->timer_next) : NULL;
}

struct ts_flow *ts_flow_table_next(struct ts_flow_table *t, uint32_t *cursor)
{
    while (*cursor < t->allocated) {
        struct ts_flow *f = at(t, ++*cursor);
        if (f->in_use)
            return f;
    }
    return NULL;
}

uint32_t ts_flow_table_longest_chain(const struct ts_flow_table *t)
{
    uint32_t longest = 0;
    for (uint32_t b = 0; b < t->nbuckets; b++) {
        uint32_t n = 0;
        for (uint32_t sl = t->buckets[b]; sl; sl = at(t, sl)->next)
            n++;
        if (n > longest)
            longest = n;
    }
    return longest;
}
