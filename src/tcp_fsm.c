/* tcp_fsm.c - the endpoint state machine as two commented tables.
 *
 * The observer's rule: a segment seen on the wire was sent by its source and
 * received by its destination. Sending changes the sender's state (the send
 * table), receiving changes the receiver's (the receive table). Every cell
 * says why; a row is one state, a column one event. tcp_seq.c decides which
 * events a segment is and when the receiver got it (its own ACKs tell).
 */
#include "tcp_fsm.h"

#include <string.h>

#define sCL TS_CLOSED
#define sLI TS_LISTEN
#define sSS TS_SYN_SENT
#define sSR TS_SYN_RCVD
#define sES TS_ESTABLISHED
#define sF1 TS_FIN_WAIT_1
#define sF2 TS_FIN_WAIT_2
#define sCW TS_CLOSE_WAIT
#define sCG TS_CLOSING
#define sLA TS_LAST_ACK
#define sTW TS_TIME_WAIT
#define sUN TS_UNKNOWN

/* ---------------------------------------------------------------- sending */

static const uint8_t send_table[TS_STATE_COUNT][TS_SEND_EVENT_COUNT] = {
/*                 SYN  SYNACK ACK  FIN  RST  NONE REPLY */
/* CLOSED      */ {sSS, sSR,   sCL, sCL, sCL, sCL, sCL},
/*  SYN: active open. SYNACK: a fresh endpoint answering a SYN was listening.
 *  ACK/FIN after a reset: segments already in flight, nothing to open. */
/* LISTEN      */ {sSS, sSR,   sES, sF1, sCL, sLI, sLI},
/*  SYNACK: passive open (RFC 9293 LISTEN -> SYN-RECEIVED). RST: nothing
 *  listened, the SYN was refused. ACK/FIN: its SYN-ACK was not captured, it
 *  is past the handshake. SYN: it opens towards the opener (simultaneous). */
/* SYN_SENT    */ {sSS, sSR,   sES, sF1, sSS, sSS, sSS},
/*  SYN: retransmission. SYNACK: simultaneous open, it got the peer's SYN.
 *  ACK: it completed the handshake (the peer's SYN-ACK was not captured).
 *  FIN: likewise, and it already closes. RST: the answer to a SYN-ACK with
 *  an unacceptable ACK; the connection stays in SYN-SENT (RFC 9293 3.10.7.3;
 *  aborting in SYN-SENT sends nothing, 3.10.5). */
/* SYN_RCVD    */ {sSR, sSR,   sSR, sF1, sCL, sSR, sSR},
/*  SYN/SYNACK: retransmissions. ACK: still waiting for the ACK of its SYN.
 *  FIN: close in SYN-RECEIVED goes to FIN-WAIT-1 (RFC 9293 3.10.4).
 *  RST: ABORT (3.10.5, at SND.NXT). REPLY: the reset answering an
 *  unacceptable ACK; the connection stays in SYN-RECEIVED (3.10.7.4). */
/* ESTABLISHED */ {sES, sES,   sES, sF1, sCL, sES, sCL},
/*  FIN: active close. RST: abort. SYN/SYNACK on a synchronized connection
 *  change nothing here (a new connection on the tuple is the flow table's). */
/* FIN_WAIT_1  */ {sF1, sF1,   sF1, sF1, sCL, sF1, sCL},
/*  FIN: retransmission of its FIN. ACK: data ACKs. RST: abort. */
/* FIN_WAIT_2  */ {sF2, sF2,   sF2, sF2, sCL, sF2, sCL},
/*  ACK: acknowledging data the peer still sends. RST: abort. */
/* CLOSE_WAIT  */ {sCW, sCW,   sCW, sLA, sCL, sCW, sCL},
/*  FIN: passive close, the application called close(). ACK: data still
 *  flows this way after the peer's FIN (half-close). RST: abort. */
/* CLOSING     */ {sCG, sCG,   sCG, sCG, sCL, sCG, sCL},
/*  ACK: it acknowledged the peer's FIN. FIN: retransmission. RST: abort. */
/* LAST_ACK    */ {sLA, sLA,   sLA, sLA, sCL, sLA, sCL},
/*  FIN: retransmission while waiting for its ACK. RST: abort. */
/* TIME_WAIT   */ {sTW, sTW,   sTW, sTW, sCL, sTW, sCL},
/*  ACK: re-acknowledging a retransmitted FIN. RST: Linux answers some
 *  segments in TIME-WAIT with a RST and drops the TIME-WAIT socket. */
/* UNKNOWN     */ {sSS, sSR,   sES, sF1, sCL, sUN, sCL},
/*  A capture that began mid-connection: what it sends tells its state.
 *  REPLY, in every row: an endpoint without the connection (CLOSED,
 *  LISTEN) or still opening it (SYN-SENT, SYN-RECEIVED) answers an
 *  unacceptable segment with <SEQ=SEG.ACK><CTL=RST> and keeps its state
 *  (3.10.7.1-4); a synchronized one never forms such a reset, so one from
 *  it means it had lost the connection: CLOSED. */
};

/* -------------------------------------------------------------- receiving */

static const uint8_t recv_table[TS_STATE_COUNT][TS_RECV_EVENT_COUNT] = {
/*                 SYN  SYNACK ACK  ACKSYN FIN  ACKFIN RST */
/* CLOSED      */ {sCL, sCL,   sCL, sCL,   sCL, sCL,   sCL},
/*  No connection: everything is answered with a RST or dropped. */
/* LISTEN      */ {sLI, sLI,   sES, sES,   sCW, sLI,   sLI},
/*  SYN: whether it was listening shows only when it answers (SYN-ACK or
 *  RST); until then it holds no connection. ACK: the opener's ACK proves a
 *  SYN-ACK was sent and received (one-sided capture), so it is established;
 *  ACKSYN says the same. FIN: likewise, and the peer closes. RST: a
 *  listener ignores it. */
/* SYN_SENT    */ {sSR, sES,   sSS, sSS,   sSS, sSS,   sCL},
/*  SYN: simultaneous open (RFC 9293 3.10.7.3, SYN-SENT, SYN without ACK).
 *  SYNACK: the handshake's second segment, its ACK covers our SYN.
 *  RST: an acceptable RST (its ACK covers our SYN): connection refused.
 *  ACK/FIN without SYN: not acceptable in SYN-SENT, dropped. */
/* SYN_RCVD    */ {sSR, sES,   sSR, sES,   sCW, sES,   sCL},
/*  ACKSYN: the handshake's third segment. SYNACK: simultaneous open, the
 *  peer's SYN-ACK covers our SYN. FIN: SYN-RECEIVED + FIN -> CLOSE-WAIT.
 *  SYN: a retransmitted SYN. RST: the embryonic connection is dropped.
 *  ACK: a segment whose ACK does not cover our SYN changes nothing.
 *  ACKFIN: any acceptable ACK establishes (3.10.7.4); unreachable here, as
 *  a FIN sent in SYN-RECEIVED leaves it. */
/* ESTABLISHED */ {sES, sES,   sES, sES,   sCW, sES,   sCL},
/*  FIN: passive close. SYN/SYNACK: retransmissions, answered with an ACK. */
/* FIN_WAIT_1  */ {sF1, sF1,   sF1, sF1,   sCG, sF2,   sCL},
/*  ACKFIN: our FIN is acknowledged. FIN before that: simultaneous close. */
/* FIN_WAIT_2  */ {sF2, sF2,   sF2, sF2,   sTW, sF2,   sCL},
/*  FIN: the peer closes too; we acknowledge it and wait 2 MSL. */
/* CLOSE_WAIT  */ {sCW, sCW,   sCW, sCW,   sCW, sCW,   sCL},
/*  FIN: a retransmission of the FIN we already have. */
/* CLOSING     */ {sCG, sCG,   sCG, sCG,   sCG, sTW,   sCL},
/*  ACKFIN: the ACK of our FIN ends the simultaneous close. */
/* LAST_ACK    */ {sLA, sLA,   sLA, sLA,   sLA, sCL,   sCL},
/*  ACKFIN: the last ACK, the connection is gone. */
/* TIME_WAIT   */ {sTW, sTW,   sTW, sTW,   sTW, sTW,   sCL},
/*  FIN: a retransmitted FIN restarts the wait. RST: Linux (tcp_rfc1337=0)
 *  drops the TIME-WAIT socket. */
/* UNKNOWN     */ {sLI, sES,   sES, sES,   sCW, sUN,   sCL},
/*  Mid-connection: a synchronized peer's ACK says this side is established
 *  too; its FIN makes this side CLOSE-WAIT; its RST closes it. SYN: like a
 *  listener, it holds a connection only once it answers. */
};

enum ts_state ts_fsm_send(enum ts_state s, enum ts_send_event ev)
{
    if ((unsigned)s >= TS_STATE_COUNT || (unsigned)ev >= TS_SEND_EVENT_COUNT)
        return s;
    return (enum ts_state)send_table[s][ev];
}

enum ts_state ts_fsm_recv(enum ts_state s, enum ts_recv_event ev)
{
    if ((unsigned)s >= TS_STATE_COUNT || (unsigned)ev >= TS_RECV_EVENT_COUNT)
        return s;
    return (enum ts_state)recv_table[s][ev];
}

enum ts_state ts_fsm_final(enum ts_state s)
{
    return s == TS_LISTEN ? TS_CLOSED : s;
}

/* ------------------------------------------------------------------ names */

static const char *const state_names[TS_STATE_COUNT] = {
    "CLOSED", "LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT_1",
    "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT", "UNKNOWN",
};

const char *ts_state_name(enum ts_state s)
{
    return (unsigned)s < TS_STATE_COUNT ? state_names[s] : "INVALID";
}

int ts_state_from_name(const char *name)
{
    for (int i = 0; i < TS_STATE_COUNT; i++)
        if (strcmp(name, state_names[i]) == 0)
            return i;
    return -1;
}

const char *ts_send_event_name(enum ts_send_event ev)
{
    static const char *const n[TS_SEND_EVENT_COUNT] = {
        "SYN", "SYN-ACK", "ACK", "FIN", "RST", "NONE", "RST reply"};
    return (unsigned)ev < TS_SEND_EVENT_COUNT ? n[ev] : "?";
}

const char *ts_recv_event_name(enum ts_recv_event ev)
{
    static const char *const n[TS_RECV_EVENT_COUNT] = {
        "SYN", "SYN-ACK", "ACK", "ACK of SYN", "FIN", "ACK of FIN", "RST"};
    return (unsigned)ev < TS_RECV_EVENT_COUNT ? n[ev] : "?";
}
