/* flow_table.h - where flows live: a pool of fixed-size records, a hash
 * index over their keys, and timer lists that find the flows due to expire.
 */
#ifndef TS_FLOW_TABLE_H
#define TS_FLOW_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "block_pool.h"
#include "flow.h"
#include "flow_key.h"

/* Timer classes: within one class every flow has the same timeout, so each
 * class is a list in order of last activity and its head expires first. */
enum ts_timer_class {
    TS_TIMER_NONE = 0,
    TS_TIMER_HANDSHAKE, /* the handshake has not completed */
    TS_TIMER_ACTIVE,    /* synchronized, not yet closed */
    TS_TIMER_CLOSED,    /* both endpoints closed or in TIME_WAIT */
    TS_TIMER_COUNT
};

#define TS_FT_FIRST 64u      /* records in the first chunk */
#define TS_FT_MAX_CHUNKS 26u /* 64 * (2^26 - 1) records: more than max_flows allows */

struct ts_flow_table {
    struct ts_flow *chunks[TS_FT_MAX_CHUNKS]; /* pool; chunk c has TS_FT_FIRST << c */
    uint32_t nchunks;
    uint32_t *buckets;       /* pool index + 1 of the first flow, 0 = empty */
    uint32_t nbuckets;       /* a power of two */
    uint32_t free_head;      /* free list through flow.next, pool index + 1 */
    uint32_t used;           /* flows in the index */
    uint32_t allocated;      /* records in the pool */
    size_t mapped;           /* bytes of the newest chunk mapped in (prefault.h) */
    uint32_t max_flows;
    uint64_t max_bytes;      /* 0 = no bound */
    uint64_t side_bytes;     /* side blocks of the flows in the index */
    uint32_t timer_head[TS_TIMER_COUNT], timer_tail[TS_TIMER_COUNT];
    bool head_moved;         /* a timer list got a new head (the caller clears it) */
    struct ts_hash_key hk;   /* the index's hash, drawn from the seed */
    struct ts_block_pool queues, extras; /* struct ts_queue, struct ts_flow_extra */
};

/* What a flow in the index costs against max_bytes: its record and its
 * share of the bucket array (at most two words); side blocks count apart. */
#define TS_FT_FLOW_COST (sizeof(struct ts_flow) + 2 * sizeof(uint32_t))


/* max_flows, max_bytes: 0 = no bound. The flows in the index, with their
 * side blocks, stay within max_bytes: insert refuses a flow that would not
 * fit, and a side block taken may go over until the caller evicts
 * (ts_flow_table_over). */
int ts_flow_table_init(struct ts_flow_table *t, uint32_t max_flows, uint64_t max_bytes,
                       const uint64_t seed[2], char *errbuf, size_t errlen);
void ts_flow_table_free(struct ts_flow_table *t);

uint32_t ts_flow_table_hash(const struct ts_flow_table *t, const struct ts_flow_key *key);
/* Ask the processor for what a lookup of hash will read, before it is
 * needed: its bucket; then (once the bucket is in) the first record of its
 * chain, every cache line of it. Hints only: nothing changes. */
static inline void ts_flow_table_prefetch_bucket(const struct ts_flow_table *t, uint32_t hash)
{
    __builtin_prefetch(&t->buckets[hash & (t->nbuckets - 1)]);
}
void ts_flow_table_prefetch_flow(const struct ts_flow_table *t, uint32_t hash);
/* The same for writing out the flows after f in its timer list, oldest
 * first (expiry): the bucket of the next one (whose record an earlier call
 * fetched) and every line of the one after it. */
void ts_flow_table_prefetch_newer(const struct ts_flow_table *t, const struct ts_flow *f);
struct ts_flow *ts_flow_table_find(struct ts_flow_table *t, const struct ts_flow_key *key,
                                   uint32_t hash);
/* A zeroed flow with this key, indexed; NULL when max_flows are in use or
 * memory ran out (the caller evicts and tries again). */
struct ts_flow *ts_flow_table_insert(struct ts_flow_table *t, const struct ts_flow_key *key,
                                     uint32_t hash);
/* Take f out of the index and the timer lists: a new flow with the same
 * key can be inserted while f is still being reported. */
void ts_flow_table_unindex(struct ts_flow_table *t, struct ts_flow *f);
/* Take every flow out at once (an empty index, each record as
 * ts_flow_table_unindex leaves it): for the end of the input, where
 * unlinking flows one by one would read their chain and timer neighbours,
 * records scattered over the pool. */
void ts_flow_table_unindex_all(struct ts_flow_table *t);
/* Give an unindexed record back to the pool, with its side blocks. */
void ts_flow_table_release(struct ts_flow_table *t, struct ts_flow *f);

/* The queue of f's endpoint side, taken from the pool (zeroed) when it has
 * none; NULL when memory ran out. */
struct ts_pending *ts_flow_table_queue(struct ts_flow_table *t, struct ts_flow *f, int side);
/* The queue of f's endpoint side, which it holds (f->q[side] != 0). */
static inline struct ts_pending *ts_flow_table_queued(const struct ts_flow_table *t,
                                                      const struct ts_flow *f, int side)
{
    return ((struct ts_queue *)ts_block_pool_at(&t->queues, f->q[side]))->p;
}
/* Give the queue of f's endpoint side back (nothing is queued there any more). */
void ts_flow_table_drop_queue(struct ts_flow_table *t, struct ts_flow *f, int side);
/* f's extra, taken (zeroed) when it has none; NULL when memory ran out. */
struct ts_flow_extra *ts_flow_table_extra(struct ts_flow_table *t, struct ts_flow *f);
/* The flows in the index and their side blocks take more than max_bytes. */
static inline bool ts_flow_table_over(const struct ts_flow_table *t)
{
    return t->max_bytes && (uint64_t)t->used * TS_FT_FLOW_COST + t->side_bytes > t->max_bytes;
}
/* Bytes of the records and side blocks ever handed out, and of the buckets. */
uint64_t ts_flow_table_bytes(const struct ts_flow_table *t);

/* Put f at the tail of timer list cls (it was just active). */
void ts_flow_table_touch(struct ts_flow_table *t, struct ts_flow *f, enum ts_timer_class cls);
/* The least recently active flow of a class, or NULL. */
struct ts_flow *ts_flow_table_oldest(struct ts_flow_table *t, enum ts_timer_class cls);
/* The flow after f in its timer list (active more recently), or NULL. */
struct ts_flow *ts_flow_table_newer(struct ts_flow_table *t, const struct ts_flow *f);

/* The longest hash chain (for tests of the hash's spread). */
uint32_t ts_flow_table_longest_chain(const struct ts_flow_table *t);

/* Every flow in use, in no particular order: call with *cursor = 0. */
struct ts_flow *ts_flow_table_next(struct ts_flow_table *t, uint32_t *cursor);

#endif
