/* flow_key.h - the canonical key of a connection and its seeded symmetric hash. */
#ifndef TS_FLOW_KEY_H
#define TS_FLOW_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "flow.h"

/* Fill key from a packet's addresses and ports; returns true when the
 * packet's source is the key's endpoint a. Both directions give one key. */
bool ts_flow_key_make(struct ts_flow_key *key, const struct ts_ip *ip, uint16_t sport,
                      uint16_t dport);

/* The random coefficients of the tables' hashes (flow_key.c): one per
 * 32-bit word of the longest input (an IPv6 key), and a constant term for
 * each kind of input, so that a key of one kind and one of another collide
 * no more often than two of one kind. */
#define TS_HASH_WORDS 9
enum { TS_HASH_KEY4, TS_HASH_KEY6, TS_HASH_ENDPOINT4, TS_HASH_ENDPOINT6, TS_HASH_KINDS };
struct ts_hash_key {
    uint64_t a[TS_HASH_WORDS];
    uint64_t b[TS_HASH_KINDS];
};

/* Draw the coefficients from a 128-bit seed (a fresh one each run). */
void ts_hash_key_init(struct ts_hash_key *hk, const uint64_t seed[2]);

/* Keyed hash of a canonical key: strongly universal, so any set of keys
 * spreads over any power-of-two number of buckets (its low bits) as if at
 * random, for coefficients the traffic does not know. */
uint32_t ts_flow_key_hash(const struct ts_flow_key *key, const struct ts_hash_key *hk);

/* The same kind of hash of one endpoint, an address and a port. */
uint32_t ts_flow_endpoint_hash(const uint8_t addr[16], uint16_t port, int family,
                               const struct ts_hash_key *hk);

/* SipHash-2-4 of len bytes under the 128-bit key (k0, k1). */
uint64_t ts_flow_siphash24(const uint8_t *in, size_t len, uint64_t k0, uint64_t k1);

bool ts_flow_key_equal(const struct ts_flow_key *a, const struct ts_flow_key *b);

#endif
