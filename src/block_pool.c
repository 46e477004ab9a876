/* block_pool.c - fixed-size blocks from chunks of doubling size, with a free
 * list through the blocks given back (see block_pool.h). Chunks never move,
 * so a block's address stays valid until it is given back.
 */
#include "block_pool.h"

#include <stdlib.h>
#include <string.h>

#include "prefault.h"

void ts_block_pool_init(struct ts_block_pool *p, size_t size)
{
    memset(p, 0, sizeof *p);
    p->size = (size + 7) & ~(size_t)7;
    if (p->size < 8)
        p->size = 8;
}

void ts_block_pool_free(struct ts_block_pool *p)
{
    for (uint32_t i = 0; i < p->nchunks; i++)
        free(p->chunks[i]);
    memset(p, 0, sizeof *p);
}

/* The reference of a block not handed out before: blocks 0 .. carved-1 are
 * in use or free. 0 when memory ran out or the references did. */
static uint32_t carve(struct ts_block_pool *p)
{
    if (p->carved >= UINT32_MAX - 1)
        return 0;
    uint64_t q = p->carved / TS_BP_FIRST + 1;
    uint32_t c = 63u - (uint32_t)__builtin_clzll(q);
    if (c >= TS_BP_MAX_CHUNKS)
        return 0;
    if (c == p->nchunks) {
        void *chunk = malloc(((size_t)TS_BP_FIRST << c) * p->size);
        if (!chunk)
            return 0;
        p->chunks[p->nchunks++] = chunk;
        p->mapped = 0;
    }
    uint64_t off = p->carved - TS_BP_FIRST * (((uint64_t)1 << c) - 1);
    ts_prefault_upto(p->chunks[c], ((size_t)TS_BP_FIRST << c) * p->size,
                     (size_t)(off + 1) * p->size, &p->mapped);
    return (uint32_t)++p->carved;
}

uint32_t ts_block_pool_take(struct ts_block_pool *p)
{
    uint32_t ref = p->free_head;
    if (ref)
        memcpy(&p->free_head, ts_block_pool_at(p, ref), sizeof p->free_head);
    else if (!(ref = carve(p)))
        return 0;
    memset(ts_block_pool_at(p, ref), 0, p->size);
    p->in_use++;
    return ref;
}

void ts_block_pool_give(struct ts_block_pool *p, uint32_t ref)
{
    memcpy(ts_block_pool_at(p, ref), &p->free_head, sizeof p->free_head);
    p->free_head = ref;
    p->in_use--;
}

void *ts_block_pool_get(struct ts_block_pool *p)
{
    uint32_t ref = ts_block_pool_take(p);
    return ref ? ts_block_pool_at(p, ref) : NULL;
}

/* A block's reference from its address: the chunk that holds it. */
void ts_block_pool_put(struct ts_block_pool *p, void *block)
{
    uintptr_t b = (uintptr_t)block;
    for (uint32_t c = 0; c < p->nchunks; c++) {
        uintptr_t start = (uintptr_t)p->chunks[c];
        size_t n = (size_t)TS_BP_FIRST << c;
        if (b >= start && b - start < n * p->size) {
            uint32_t i = TS_BP_FIRST * ((1u << c) - 1u) + (uint32_t)((b - start) / p->size);
            ts_block_pool_give(p, i + 1);
            return;
        }
    }
}
