/* flow_key.c - canonical connection keys and their keyed hash.
 *
 * The key orders the two endpoints so that both directions of a connection
 * meet in one entry; the hash is SipHash (Aumasson and Bernstein, 2012)
 * keyed by a per-run seed, so crafted traffic cannot aim at one bucket.
 */
#include "flow_key.h"

#include <string.h>

bool ts_flow_key_make(struct ts_flow_key *key, const struct ts_ip *ip, uint16_t sport,
                      uint16_t dport)
{
    int c = memcmp(ip->src, ip->dst, sizeof ip->src);
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

/* ------------------------------------------------------------- SipHash-2-4 */

static inline uint64_t rotl64(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

#define SIP_ROUND(v0, v1, v2, v3)                                                    \
    do {                                                                             \
        v0 += v1; v1 = rotl64(v1, 13); v1 ^= v0; v0 = rotl64(v0, 32);                \
        v2 += v3; v3 = rotl64(v3, 16); v3 ^= v2;                                     \
        v0 += v3; v3 = rotl64(v3, 21); v3 ^= v0;                                     \
        v2 += v1; v1 = rotl64(v1, 17); v1 ^= v2; v2 = rotl64(v2, 32);                \
    } while (0)

/* A little-endian word, read as one load (a byte loop here was a quarter of
 * the hash's instructions). */
static inline uint64_t load_le64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

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
        sip_word(&s, load_le64(in + i), c);
    uint8_t last[8] = {0};
    memcpy(last, in + whole, len & 7);
    sip_word(&s, load_le64(last) | (uint64_t)len << 56, c);
    return sip_finish(&s, d);
}

uint64_t ts_flow_siphash24(const uint8_t *in, size_t len, uint64_t k0, uint64_t k1)
{
    return siphash(in, len, k0, k1, 2, 4);
}

uint64_t ts_flow_siphash13(const uint8_t *in, size_t len, uint64_t k0, uint64_t k1)
{
    return siphash(in, len, k0, k1, 1, 3);
}

static inline uint64_t load_le32(const uint8_t *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
}

/* SipHash-1-3, which Rust's and Python's hash tables use for the same end
 * (collisions cannot be chosen without the key): an IPv4 key takes 5
 * rounds instead of 2-4's 8. An IPv4 key's addresses fill 4 of their 16
 * bytes: its hash takes the 13 bytes that carry something (2 blocks, not 5),
 * the two addresses, the ports (low byte first) and the family, as words
 * assembled in registers rather than copied through a buffer. */
uint32_t ts_flow_key_hash(const struct ts_flow_key *key, const uint64_t seed[2])
{
    uint64_t h;
    if (key->family == 4) {
        struct sip_state s = sip_init(seed[0], seed[1]);
        sip_word(&s, load_le32(key->addr_a) | load_le32(key->addr_b) << 32, 1);
        sip_word(&s, (uint64_t)key->port_a | (uint64_t)key->port_b << 16 | (uint64_t)4 << 32 |
                         (uint64_t)13 << 56, 1);
        h = sip_finish(&s, 3);
    } else {
        h = ts_flow_siphash13((const uint8_t *)key, sizeof *key, seed[0], seed[1]);
    }
    return (uint32_t)(h ^ (h >> 32));
}

uint32_t ts_flow_endpoint_hash(const uint8_t addr[16], uint16_t port, int family,
                               const uint64_t seed[2])
{
    uint64_t h;
    if (family == 4) {
        struct sip_state s = sip_init(seed[0], seed[1]);
        sip_word(&s, load_le32(addr) | (uint64_t)port << 32 | (uint64_t)4 << 48 |
                         (uint64_t)7 << 56, 1);
        h = sip_finish(&s, 3);
    } else {
        uint8_t k[19];
        memcpy(k, addr, 16);
        k[16] = (uint8_t)port;
        k[17] = (uint8_t)(port >> 8);
        k[18] = (uint8_t)family;
        h = ts_flow_siphash13(k, sizeof k, seed[0], seed[1]);
    }
    return (uint32_t)(h ^ (h >> 32));
}
