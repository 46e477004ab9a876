/* hll.c - HyperLogLog (Flajolet, Fusy, Gandouet, Meunier 2007): each item's
 * hash picks a register with its top bits and offers it the position of the
 * first 1 bit in the rest; the harmonic mean of 2^-register estimates the
 * number of distinct items. Small counts use linear counting on the empty
 * registers (the paper's correction); a 64-bit hash needs no large-range one.
 */
#include "hll.h"

#include <math.h>
#include <string.h>

void ts_hll_clear(struct ts_hll *h)
{
    memset(h->reg, 0, sizeof h->reg);
}

void ts_hll_add(struct ts_hll *h, uint64_t hash)
{
    uint32_t idx = (uint32_t)(hash >> (64 - TS_HLL_BITS));
    uint64_t rest = hash << TS_HLL_BITS;
    /* rank: 1 + leading zeros of the remaining 54 bits (55 when all zero) */
    uint8_t rank = rest ? (uint8_t)(__builtin_clzll(rest) + 1) : (uint8_t)(64 - TS_HLL_BITS + 1);
    if (rank > h->reg[idx])
        h->reg[idx] = rank;
}

uint64_t ts_hll_estimate(const struct ts_hll *h)
{
    const double m = TS_HLL_REGISTERS;
    double sum = 0.0;
    unsigned zeros = 0;
    for (unsigned i = 0; i < TS_HLL_REGISTERS; i++) {
        sum += ldexp(1.0, -(int)h->reg[i]);
        zeros += h->reg[i] == 0;
    }
    double alpha = 0.7213 / (1.0 + 1.079 / m);
    double e = alpha * m * m / sum;
    if (e <= 2.5 * m && zeros > 0)
        e = m * log(m / zeros);
    return (uint64_t)(e + 0.5);
}
