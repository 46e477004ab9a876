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

/* Keyed hash of a canonical key (SipHash-1-3 with a per-run 128-bit seed):
 * traffic cannot choose collisions without knowing the seed. */
uint32_t ts_flow_key_hash(const struct ts_flow_key *key, const uint64_t seed[2]);

/* Keyed hash of one endpoint, an address and a port (SipHash-1-3 as
 * above): an IPv4 endpoint is one block. */
uint32_t ts_flow_endpoint_hash(const uint8_t addr[16], uint16_t port, int family,
                               const uint64_t seed[2]);

/* SipHash-2-4 and SipHash-1-3 of len bytes under the 128-bit key (k0, k1). */
uint64_t ts_flow_siphash24(const uint8_t *in, size_t len, uint64_t k0, uint64_t k1);
uint64_t ts_flow_siphash13(const uint8_t *in, size_t len, uint64_t k0, uint64_t k1);

bool ts_flow_key_equal(const struct ts_flow_key *a, const struct ts_flow_key *b);

#endif
