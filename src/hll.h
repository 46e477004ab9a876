/* hll.h - HyperLogLog: how many distinct items (source addresses) were seen,
 * estimated in a fixed 1 KiB whatever their number (standard error ~3.3 %). */
#ifndef TS_HLL_H
#define TS_HLL_H

#include <stdint.h>

#define TS_HLL_BITS 10
#define TS_HLL_REGISTERS (1u << TS_HLL_BITS)

struct ts_hll {
    uint8_t reg[TS_HLL_REGISTERS];
};

void ts_hll_clear(struct ts_hll *h);
/* Count an item by its 64-bit hash (a keyed hash: SipHash). */
void ts_hll_add(struct ts_hll *h, uint64_t hash);
uint64_t ts_hll_estimate(const struct ts_hll *h);

#endif
