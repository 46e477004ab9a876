/* flow_key.c - canonical connection keys and their keyed hash.
 *
 * The key orders the two endpoints so that both directions of a connection
 * meet in one entry; the tables hash it with a strongly universal hash
 * whose coefficients come from a per-run seed, so crafted traffic cannot aim
 * at one bucket. SipHash (Aumasson and Bernstein, 2012) draws the
 * coefficients and hashes what needs a fixed key.
 */
#include "flow_key.h"

#include <string.h>

/* Eight bytes as a number in the given byte order, read as one load (a
 * byte loop in the hash was a quarter of its instructions; memcmp on the
 * addresses was a call into libc for every packet). */
static inline uint64_t load64(const uint8_t *p, bool big_endian)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    bool host_big = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
    return big_endian == host_big ? v : __builtin_bswap64(v);
}

/* The order memcmp gives two 16-byte addresses: two big-endian words each. */
static inline int addr_order(const uint8_t x[16], const uint8_t y[16])
{
    uint64_t x0 = load64(x, true), y0 = load64(y, true);
    if (x0 != y0)
        return x0 < y0 ? -1 : 1;
    uint64_t x1 = load64(x + 8, true), y1 = load64(y + 8, true);
    return (x1 > y1) - (x1 < y1);
}

bool ts_flow_key_make(struct ts_flow_key *key, const struct ts_ip *ip, uint16_t sport,
                      uint16_t dport)
{
    int c = addr_order(ip->src, ip->dst);
    bool src_is_a = c < 0 || (c == 0 && sport <= dport);
    memset(key, 0, sizeof *key);
    key->family = ip->family;
    if (src_is_a) {
        memcpy(key->addr_a, ip->src, 16);
        memcpy(key->addr_b, ip->dst, 16);
        key->port_a = sport;
        key->port_b = dport;
    } else {
        memcpy(key->addr_a, ip->dst, 16);
        memcpy(key->addr_b, ip->src, 16);
        key->port_a = dport;
        key->port_b = sport;
    }
    return src_is_a;
}

/* Five words compared in registers: memcmp was a call into libc for each
 * packet's lookup (the key's padding is always zero, see ts_flow_key_make). */
_Static_assert(sizeof(struct ts_flow_key) == 5 * sizeof(uint64_t), "a key is five words");
bool ts_flow_key_equal(const struct ts_flow_key *a, const struct ts_flow_key *b)
{
    uint64_t x[5], y[5];
    memcpy(x, a, sizeof x);
    memcpy(y, b, sizeof y);
    return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4])) == 0;
}

/* ----------------------------------------------------------------- SipHash */

static inline uint64_t rotl64(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

#define SIP_ROUND(v0, v1, v2, v3)                                                    \
    do {                                                                             \
        v0 += v1; v1 = rotl64(v1, 13); v1 ^= v0; v0 = rotl64(v0, 32);                \
        v2 += v3; v3 = rotl64(v3, 16); v3 ^= v2;                                     \
        v0 += v3; v3 = rotl64(v3, 21); v3 ^= v0;                                     \
        v2 += v1; v1 = rotl64(v1, 17); v1 ^= v2; v2 = rotl64(v2, 32);                \
    } while (0)

struct sip_state {
    uint64_t v0, v1, v2, v3;
};

static inline struct sip_state sip_init(uint64_t k0, uint64_t k1)
{
    struct sip_state s = {0x736f6d6570736575ULL ^ k0, 0x646f72616e646f6dULL ^ k1,
                          0x6c7967656e657261ULL ^ k0, 0x7465646279746573ULL ^ k1};
    return s;
}

/* One 8-byte message word, c rounds. */
static inline void sip_word(struct sip_state *s, uint64_t m, int c)
{
    s->v3 ^= m;
    for (int r = 0; r < c; r++)
        SIP_ROUND(s->v0, s->v1, s->v2, s->v3);
    s->v0 ^= m;
}

static inline uint64_t sip_finish(struct sip_state *s, int d)
{
    s->v2 ^= 0xff;
    for (int r = 0; r < d; r++)
        SIP_ROUND(s->v0, s->v1, s->v2, s->v3);
    return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

/* SipHash-c-d: c rounds per message block, d to finish. */
static inline uint64_t siphash(const uint8_t *in, size_t len, uint64_t k0, uint64_t k1, int c,
                               int d)
{
    struct sip_state s = sip_init(k0, k1);
    size_t whole = len & ~(size_t)7;
    for (size_t i = 0; i < whole; i += 8)
        sip_word(&s, load64(in + i, false), c);
    uint8_t last[8] = {0};
    memcpy(last, in + whole, len & 7);
    sip_word(&s, load64(last, false) | (uint64_t)len << 56, c);
    return sip_finish(&s, d);
}

uint64_t ts_flow_siphash24(const uint8_t *in, size_t len, uint64_t k0, uint64_t k1)
{
    return siphash(in, len, k0, k1, 2, 4);
}

/* ------------------------------------------------ the tables' keyed hashes */

/* Vector multiply-shift (Dietzfelbinger 1996; Thorup, "High speed hashing
 * for integers and strings", 2015): the input as 32-bit words x[i],
 *
 *     h(x) = ((b + a[0] x[0] + a[1] x[1] + ...) mod 2^64) >> 32
 *
 * with a[i] and b drawn at random (64 bits each), is strongly universal:
 * for any two different inputs the pair of hashes is uniform, and so is
 * any run of the result's low bits (the sum's bits 32 up, past the w - 1 =
 * 31 the proof needs), which the tables take as the bucket. Whatever set of
 * connections a capture holds, two of them share a bucket no more often
 * than two random keys would, so chains stay short on average, unless the
 * coefficients are known; a capture cannot ask for them (nothing the tool
 * does is seen by the traffic it reads). Crosby and
 * Wallach (USENIX Security 2003) proposed universal hashing against this
 * very attack, on Bro's tables. An IPv4 key is three multiplications where
 * SipHash-1-3 took five rounds (~110 instructions a packet). */

/* The sum's top half, mixed (the finalizer of MurmurHash3, a bijection of
 * 32-bit words). A bijection keeps the pair of two inputs' hashes uniform,
 * so the result is as universal as the sum; what it adds is for inputs in
 * arithmetic progression (consecutive ports, addresses a fixed step apart),
 * whose sums are a progression too: their top halves alone fall into some
 * buckets far less evenly than chance for some coefficients (in the test
 * keys_alike_in_their_low_bits_spread, up to 2.4 times the pairs of keys
 * in one bucket that random keys make; within 2 % with the mix). */
static inline uint32_t finish(uint64_t sum)
{
    uint32_t h = (uint32_t)(sum >> 32);
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

static inline uint32_t word32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* A coefficient: SipHash-2-4 of its number under the seed. */
static uint64_t coefficient(uint64_t i, const uint64_t seed[2])
{
    uint8_t in[8];
    for (int j = 0; j < 8; j++)
        in[j] = (uint8_t)(i >> (8 * j));
    return ts_flow_siphash24(in, sizeof in, seed[0], seed[1]);
}

void ts_hash_key_init(struct ts_hash_key *hk, const uint64_t seed[2])
{
    for (uint64_t i = 0; i < TS_HASH_WORDS; i++)
        hk->a[i] = coefficient(i, seed);
    for (uint64_t i = 0; i < TS_HASH_KINDS; i++)
        hk->b[i] = coefficient(TS_HASH_WORDS + i, seed);
}

uint32_t ts_flow_key_hash(const struct ts_flow_key *key, const struct ts_hash_key *hk)
{
    uint64_t ports = (uint64_t)key->port_a | (uint64_t)key->port_b << 16;
    uint64_t sum;
    if (key->family == 4) {
        sum = hk->b[TS_HASH_KEY4] + hk->a[0] * word32(key->addr_a) +
              hk->a[1] * word32(key->addr_b) + hk->a[2] * ports;
    } else {
        sum = hk->b[TS_HASH_KEY6] + hk->a[8] * ports;
        for (int i = 0; i < 4; i++)
            sum += hk->a[i] * word32(key->addr_a + 4 * i) +
                   hk->a[4 + i] * word32(key->addr_b + 4 * i);
    }
    return finish(sum);
}

uint32_t ts_flow_endpoint_hash(const uint8_t addr[16], uint16_t port, int family,
                               const struct ts_hash_key *hk)
{
    uint64_t sum;
    if (family == 4) {
        sum = hk->b[TS_HASH_ENDPOINT4] + hk->a[0] * word32(addr) + hk->a[1] * port;
    } else {
        sum = hk->b[TS_HASH_ENDPOINT6] + hk->a[4] * port;
        for (int i = 0; i < 4; i++)
            sum += hk->a[i] * word32(addr + 4 * i);
    }
    return finish(sum);
}
