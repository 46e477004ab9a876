/* block_pool.c - fixed-size blocks from chunks of doubling size, with a free
 * list through the blocks given back (see block_pool.h). Chunks never move,
 * so a block's address stays valid until it is given back.
 */
#include "block_pool.h"

#include <stdlib.h>
#include <string.h>

void ts_block_pool_init(struct ts_block_pool *p, size_t size)
{
    memset(p, 0, sizeof *p);
    p->size = (size + 7) & ~(size_t)7;
    if (p->size < sizeof(void *))
        p->size = sizeof(void *);
}

void ts_block_pool_free(struct ts_block_pool *p)
{
    for (uint32_t i = 0; i < p->nchunks; i++)
        free(p->chunks[i]);
    memset(p, 0, sizeof *p);
}

/* chunk c holds TS_BP_FIRST << c blocks; blocks 0 .. carved-1 are in use or free */
static void *carve(struct ts_block_pool *p)
{
    uint64_t q = p->carved / TS_BP_FIRST + 1;
    uint32_t c = 63u - (uint32_t)__builtin_clzll(q);
    uint64_t off = p->carved - TS_BP_FIRST * ((1ull << c) - 1u);
    if (c >= TS_BP_MAX_CHUNKS)
        return NULL;
    if (c == p->nchunks) {
        void *chunk = malloc(((size_t)TS_BP_FIRST << c) * p->size);
        if (!chunk)
            return NULL;
        p->chunks[p->nchunks++] = chunk;
    }
    p->carved++;
    return (char *)p->chunks[c] + off * p->size;
}

void *ts_block_pool_get(struct ts_block_pool *p)
{
    void *b = p->free_head;
    if (b)
        memcpy(&p->free_head, b, sizeof p->free_head);
    else if (!(b = carve(p)))
        return NULL;
    memset(b, 0, p->size);
    p->in_use++;
    return b;
}

void ts_block_pool_put(struct ts_block_pool *p, void *block)
{
    memcpy(block, &p->free_head, sizeof p->free_head);
    p->free_head = block;
    p->in_use--;
}
