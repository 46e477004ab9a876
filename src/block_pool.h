/* block_pool.h - fixed-size blocks for the parts of a flow record that only
 * some flows need (queued receive events, rare evidence, the timeline): a
 * free list over chunks of doubling size, so taking and giving back a block
 * is a few instructions and allocates only when the pool grows.
 *
 * A block is named either by its address or by a 32-bit reference (its
 * index + 1; 0 names none), which takes half a pointer's room in a record.
 */
#ifndef TS_BLOCK_POOL_H
#define TS_BLOCK_POOL_H

#include <stddef.h>
#include <stdint.h>

#define TS_BP_FIRST 64u      /* blocks in the first chunk */
#define TS_BP_MAX_CHUNKS 26u /* 64 * (2^26 - 1) blocks, capped at UINT32_MAX - 1 */

struct ts_block_pool {
    size_t size;        /* of a block: a multiple of 8, at least 8 */
    void *chunks[TS_BP_MAX_CHUNKS];
    uint32_t nchunks;
    uint64_t carved;    /* blocks handed out of the chunks at least once */
    size_t mapped;      /* bytes of the newest chunk mapped in (prefault.h) */
    uint64_t in_use;
    uint32_t free_head; /* blocks given back, linked through their first word: ref */
};

void ts_block_pool_init(struct ts_block_pool *p, size_t size);
void ts_block_pool_free(struct ts_block_pool *p);

/* A zeroed block's reference, or 0 when memory ran out. */
uint32_t ts_block_pool_take(struct ts_block_pool *p);
void ts_block_pool_give(struct ts_block_pool *p, uint32_t ref);

/* The block a reference (not 0) names: chunk c holds TS_BP_FIRST << c
 * blocks, so block i is in chunk floor(log2(i / TS_BP_FIRST + 1)). */
static inline void *ts_block_pool_at(const struct ts_block_pool *p, uint32_t ref)
{
    uint32_t i = ref - 1;
    uint32_t c = 31u - (uint32_t)__builtin_clz(i / TS_BP_FIRST + 1);
    uint32_t off = i - TS_BP_FIRST * ((1u << c) - 1u);
    return (char *)p->chunks[c] + (size_t)off * p->size;
}

/* The same by address: a zeroed block, or NULL when memory ran out. */
void *ts_block_pool_get(struct ts_block_pool *p);
void ts_block_pool_put(struct ts_block_pool *p, void *block);

#endif
