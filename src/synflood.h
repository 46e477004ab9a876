/* synflood.h - the SYN-flood detector. It keeps its own bounded table of
 * targets (server address, port), outside the flow table, so its counters
 * stay right when the flow table is full and half-open flows are evicted.
 * The analyzer tells it what each connection's handshake did; it answers
 * with alert events (alert.h): start, periodic updates, end.
 */
#ifndef TS_SYNFLOOD_H
#define TS_SYNFLOOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "flow.h"

struct ts_sf_config {
    double rate;          /* failed SYNs per second over the window that start an alert */
    uint32_t half_open;   /* handshakes half-open for over 1 s that start an alert */
    uint32_t max_targets; /* bound of the target table */
    uint32_t evicted_slots; /* evicted attempts remembered (a power of 2) */
    uint64_t seed[2];     /* hash seed (targets and sources) */
};

/* What the detector saw over the whole input (for --check and --metrics). */
struct ts_sf_stats {
    uint64_t alerts;          /* alerts started */
    uint64_t active;          /* alerts still on */
    uint64_t targets;         /* targets tracked now */
    uint64_t targets_evicted; /* quiet targets dropped because the table was full */
    double peak_syn_rate;     /* highest attempts/s of any target over a 1 s window */
    double peak_failed_rate;  /* highest failed SYNs/s of any target over a 1 s window */
    uint32_t peak_half_open;  /* highest count of handshakes half-open for over 1 s */
};

struct ts_synflood;

/* The bytes its tables take (what they cost of --memcap). */
size_t ts_sf_table_bytes(uint32_t max_targets, uint32_t evicted_slots);

int ts_sf_new(struct ts_synflood **out, const struct ts_sf_config *cfg);
void ts_sf_free(struct ts_synflood *sf);

/* The events of a connection name its target by (addr, port, family). hint
 * (NULL, or a word the caller keeps per connection, 0 at first) remembers
 * where the target's record was found, so that the connection's later
 * events skip the lookup; a stale hint is detected and corrected. */

/* A connection attempt: the opening SYN of a connection from src to the
 * target (addr, port). Not called for retransmitted SYNs. */
void ts_sf_attempt(struct ts_synflood *sf, const uint8_t *addr, uint16_t port, int family,
                   uint32_t *hint, const uint8_t *src, int64_t ts_ns);
/* The target sent SYN-ACK number k (0 = its first) for an attempt at ts;
 * prev_ns is when it sent number k - 1. The handshake is half-open until
 * it completes, is reset, or the next retransmission is overdue. */
void ts_sf_answered(struct ts_synflood *sf, const uint8_t *addr, uint16_t port, int family,
                    uint32_t *hint, int64_t ts_ns, int64_t prev_ns, unsigned k);
/* The target sent a SYN-ACK for a connection whose record was evicted (no
 * SYN seen for it): if one of its half-open handshakes was due for a
 * retransmission now, this is it. Returns the SYN-ACK's number k (1 or more),
 * or 0 when no handshake was due (then it is not counted). */
unsigned ts_sf_answered_again(struct ts_synflood *sf, const uint8_t *addr, uint16_t port,
                              int family, uint32_t *hint, int64_t ts_ns);
/* An attempt's handshake completed; answered_ns is when the target sent its
 * last SYN-ACK, number k (answered_ns 0: no SYN-ACK was seen). */
void ts_sf_completed(struct ts_synflood *sf, const uint8_t *addr, uint16_t port, int family,
                     uint32_t *hint, int64_t ts_ns, int64_t answered_ns, unsigned k);
/* A half-open handshake was reset (it is no longer half-open). */
void ts_sf_reset(struct ts_synflood *sf, const uint8_t *addr, uint16_t port, int family,
                 uint32_t *hint, int64_t ts_ns, int64_t answered_ns, unsigned k);

/* An attempt's record (its key, the client's ISN) was evicted before its
 * handshake ended; ts_sf_was_evicted says whether a new attempt is its SYN
 * again (each is found once). A fixed table of fingerprints: the oldest are
 * overwritten. */
void ts_sf_note_evicted(struct ts_synflood *sf, const struct ts_flow_key *key, uint32_t isn);
bool ts_sf_was_evicted(struct ts_synflood *sf, const struct ts_flow_key *key, uint32_t isn);

/* Capture time moved to now: windows slide, alerts start, update and end.
 * evicted_total is the flow table's running count of evictions. */
void ts_sf_advance(struct ts_synflood *sf, int64_t now_ns, uint64_t evicted_total);
/* The input ended: every alert still on gets a last update (ongoing). */
void ts_sf_finish(struct ts_synflood *sf, int64_t now_ns, uint64_t evicted_total);

/* The next alert event, or NULL; valid until the next call on sf. */
const struct ts_alert *ts_sf_next_alert(struct ts_synflood *sf);
/* True when ts_sf_next_alert has one to give. */
bool ts_sf_has_alert(const struct ts_synflood *sf);

void ts_sf_stats(const struct ts_synflood *sf, struct ts_sf_stats *out);

#endif
