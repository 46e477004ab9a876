/* block_pool.h - fixed-size blocks for the parts of a flow record that only
 * some flows need (queued receive events, rare evidence, the timeline): a
 * free list over chunks of doubling size, so taking and giving back a block
 * is a few instructions and allocates only when the pool grows.
 */
#ifndef TS_BLOCK_POOL_H
#define TS_BLOCK_POOL_H

#include <stddef.h>
#include <stdint.h>

#define TS_BP_FIRST 64u      /* blocks in the first chunk */
#define TS_BP_MAX_CHUNKS 26u /* 64 * (2^26 - 1) blocks */

struct ts_block_pool {
    size_t size;        /* of a block: a multiple of 8, at least a pointer */
    void *chunks[TS_BP_MAX_CHUNKS];
    uint32_t nchunks;
    uint64_t carved;    /* blocks handed out of the chunks at least once */
    uint64_t in_use;
    void *free_head;    /* blocks given back, linked through their first word */
};

void ts_block_pool_init(struct ts_block_pool *p, size_t size);
void ts_block_pool_free(struct ts_block_pool *p);
/* A zeroed block, or NULL when memory ran out. */
void *ts_block_pool_get(struct ts_block_pool *p);
void ts_block_pool_put(struct ts_block_pool *p, void *block);

#endif
