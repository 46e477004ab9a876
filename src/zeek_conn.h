/* zeek_conn.h - Zeek's conn_state and history for a flow, so a Zeek user can
 * compare. Zeek keeps a coarse state per endpoint (not RFC 9293's) and a
 * history of letters; this module follows the same rules over the flows our
 * tracker delimits, with our client as Zeek's originator. */
#ifndef TS_ZEEK_CONN_H
#define TS_ZEEK_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"
#include "flow.h"

/* A new flow whose first packet went from sport to dport; first_from_client:
 * it came from our client; began_with_synack: it was a SYN-ACK. Zeek takes
 * the first packet's source as originator and flips ('^') when that source
 * is on a likely server port, or later when a SYN-ACK is answered. */
void ts_zeek_init(struct ts_zeek *z, bool first_from_client, bool began_with_synack,
                  uint16_t sport, uint16_t dport);


/* One segment from side (0 client, 1 server). rxmit: Zeek's retransmission
 * rule held (payload, and the segment ends at or before what the side had
 * already sent). */
void ts_zeek_packet(struct ts_zeek *z, int side, const struct ts_tcp *seg, bool rxmit);

/* The conn_state from the final endpoint states, the history and the
 * payload byte counts, as an index into ts_zeek_state_name. */
int ts_zeek_conn_state(const struct ts_zeek *z, uint64_t client_bytes, uint64_t server_bytes);
/* "S0", "S1", ... "OTH" for index 0 .. TS_ZEEK_STATE_COUNT - 1. */
const char *ts_zeek_state_name(int i);

#endif
