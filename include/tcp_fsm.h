/* tcp_fsm.h - the endpoint state machine of RFC 9293 as an observer sees it.
 *
 * Two tables: what sending a segment does to the sender's state, and what
 * receiving one does to the receiver's state. Which events a segment is
 * (and when its receipt counts) is decided by tcp_seq.c; this module only
 * looks the answer up.
 */
#ifndef TS_TCP_FSM_H
#define TS_TCP_FSM_H

#include <stdint.h>

enum ts_state {
    TS_CLOSED = 0,
    TS_LISTEN,
    TS_SYN_SENT,
    TS_SYN_RCVD,
    TS_ESTABLISHED,
    TS_FIN_WAIT_1,
    TS_FIN_WAIT_2,
    TS_CLOSE_WAIT,
    TS_CLOSING,
    TS_LAST_ACK,
    TS_TIME_WAIT,
    TS_UNKNOWN,     /* no evidence yet (a capture that began mid-connection) */
    TS_STATE_COUNT
};

/* What an endpoint does when it sends a segment. */
enum ts_send_event {
    TS_SEND_SYN = 0,  /* SYN without ACK: active open (or its retransmission) */
    TS_SEND_SYNACK,   /* SYN with ACK: answer to a SYN */
    TS_SEND_ACK,      /* a segment with ACK and neither SYN, FIN nor RST (data or not) */
    TS_SEND_FIN,      /* FIN (without SYN or RST): this side closes */
    TS_SEND_RST,      /* RST: this side aborts */
    TS_SEND_NONE,     /* nothing a state depends on (no flags at all) */
    TS_SEND_RST_REPLY,/* a RST formed from the segment it answers, <SEQ=SEG.ACK>
                         (RFC 9293 3.10.7): not at the sender's own next sequence */
    TS_SEND_EVENT_COUNT
};

/* What an endpoint learns when it receives a segment. One segment may carry
 * several of these; tcp_seq.c orders them (ACK before FIN, as RFC 9293 does). */
enum ts_recv_event {
    TS_RECV_SYN = 0,  /* the peer's SYN without ACK */
    TS_RECV_SYNACK,   /* the peer's SYN whose ACK covers our SYN */
    TS_RECV_ACK,      /* any acceptable ACK from a synchronized peer */
    TS_RECV_ACK_SYN,  /* in SYN-RECEIVED, an acceptable ACK of our SYN
                         (ISS < ACK <= SND.NXT, RFC 9293 3.10.7.4) */
    TS_RECV_FIN,      /* the peer's FIN */
    TS_RECV_ACK_FIN,  /* an ACK covering our FIN */
    TS_RECV_RST,      /* an acceptable RST */
    TS_RECV_EVENT_COUNT
};

enum ts_state ts_fsm_send(enum ts_state s, enum ts_send_event ev);
enum ts_state ts_fsm_recv(enum ts_state s, enum ts_recv_event ev);

/* The state reported for an endpoint when its flow is written out:
 * a LISTEN endpoint never answered the SYN it was sent and so never held
 * a connection (CLOSED). */
enum ts_state ts_fsm_final(enum ts_state s);

const char *ts_state_name(enum ts_state s);
const char *ts_send_event_name(enum ts_send_event ev);
const char *ts_recv_event_name(enum ts_recv_event ev);
/* Parse a state name as ts_state_name prints it; -1 when unknown. */
int ts_state_from_name(const char *name);

#endif
