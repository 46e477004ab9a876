/* test_fsm.c - the endpoint state machine (include/tcp_fsm.h): every cell of
 * the send table and of the receive table, the reported state, the names, and
 * whole connections driven through the tables as the traces of RFC 9293 run.
 *
 * Every expected state below was worked out from RFC 9293 (section 3.3.2
 * Figure 5, the traces of 3.5 and 3.6, the event processing of 3.10) and from
 * the observer's rules of SPEC.md, never from src/tcp_fsm.c. Each cell carries
 * its reason so that a reader can check it against the RFC. Marks used in the
 * reasons:
 *
 *  [N]  RFC 9293 3.10: "Note that if no state change is mentioned, the TCP
 *       connection stays in the same state." The RFC drops, ignores or just
 *       acknowledges the segment: the state is unchanged.
 *  [E]  Send table, a segment the tracked state never emits: the sender is in
 *       the state the RFC emits it from (the "snd" labels of Figure 5, the
 *       user calls of 3.10.1-3.10.5). A send never moves an endpoint
 *       backwards: a segment of an earlier state is a retransmission (3.10.8
 *       RETRANSMISSION TIMEOUT: "send the segment at the front of the
 *       retransmission queue again") and changes nothing.
 *  [L]  The observer's LISTEN: an endpoint that was sent a SYN and has not
 *       answered it. It leaves LISTEN by answering (send table) and is
 *       reported CLOSED if it never does (SPEC.md: "A host that was sent a SYN
 *       and never answered holds no connection: CLOSED").
 *  [I]  Inference from the peer (SPEC.md: "a one-sided capture sometimes lets
 *       its state be inferred from the peer's ACKs: do so"): when the RFC lets
 *       the peer emit this segment only after this endpoint answered, the
 *       endpoint is where that answer and this segment lead.
 *  [U]  The analyzer cannot reach this cell today (the endpoint would have
 *       left the state before the event could be produced); the expectation
 *       is the RFC's rule for the state, listed so that every cell is checked.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>

#include "tcp_fsm.h"

/* ------------------------------------------------------ the expectations */

struct cell {
    int state;      /* enum ts_state */
    int event;      /* enum ts_send_event or enum ts_recv_event */
    int expected;   /* enum ts_state */
    /* Text kept inside the struct, not behind pointers: Criterion hands the
     * parameters to a separate worker process. */
    char line[64];    /* "STATE send|recv EVENT -> EXPECTED" */
    char why[400];    /* where it comes from */
};

#define SND(st, ev, to, why) \
    {TS_##st, TS_SEND_##ev, TS_##to, #st " send " #ev " -> " #to, why}
#define RCV(st, ev, to, why) \
    {TS_##st, TS_RECV_##ev, TS_##to, #st " recv " #ev " -> " #to, why}

/* 12 states x 7 send events: what sending a segment does to its sender. */
static struct cell send_cells[] = {
    SND(CLOSED, SYN, SYN_SENT,
        "Fig.5 CLOSED --active OPEN / snd SYN--> SYN-SENT; 3.10.1 OPEN, CLOSED STATE"),
    SND(CLOSED, SYNACK, SYN_RCVD,
        "[E] only SYN-RECEIVED emits SYN,ACK (Fig.5 LISTEN --rcv SYN / snd SYN,ACK--> SYN RCVD, "
        "3.10.7.2 third); a CLOSED host answers everything with RST (3.10.7.1): it listened unseen"),
    SND(CLOSED, ACK, CLOSED,
        "[N] a CLOSED host emits only RST (3.10.7.1, 3.5.2 group 1); a late segment revives nothing"),
    SND(CLOSED, FIN, CLOSED,
        "[N] CLOSE in CLOSED is an error (3.10.4), no FIN; a late segment revives nothing"),
    SND(CLOSED, RST, CLOSED,
        "3.5.2 group 1: a reset answers any segment; 'The connection remains in the CLOSED state'"),
    SND(CLOSED, NONE, CLOSED, "[N] a segment without SYN/ACK/FIN/RST proves nothing"),
    SND(CLOSED, RST_REPLY, CLOSED,
        "3.10.7.1 CLOSED: any incoming segment but a RST is answered <SEQ=SEG.ACK><CTL=RST>; still no connection"),

    SND(LISTEN, SYN, SYN_SENT,
        "Fig.5 LISTEN --SEND / snd SYN--> SYN-SENT; 3.10.2 SEND, LISTEN STATE (simultaneous open)"),
    SND(LISTEN, SYNACK, SYN_RCVD,
        "Fig.5 LISTEN --rcv SYN / snd SYN,ACK--> SYN RCVD; 3.10.7.2 third: 'The connection state "
        "should be changed to SYN-RECEIVED'"),
    SND(LISTEN, ACK, ESTABLISHED,
        "[E] LISTEN never emits a bare ACK (3.10.7.2); data leaves only in ESTABLISHED/CLOSE-WAIT "
        "(3.10.2: SYN-RECEIVED queues it): its SYN,ACK went unseen and the handshake completed"),
    SND(LISTEN, FIN, FIN_WAIT_1,
        "[E] CLOSE in LISTEN sends no FIN (3.10.4); a FIN comes from SYN-RECEIVED or ESTABLISHED, "
        "both --CLOSE / snd FIN--> FIN-WAIT-1 (Fig.5, 3.10.4)"),
    SND(LISTEN, RST, CLOSED,
        "[L] a RST answering the SYN it was sent: nothing listened (3.10.7.1: CLOSED answers a SYN "
        "with <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>)"),
    SND(LISTEN, NONE, LISTEN, "[N] nothing learned"),
    SND(LISTEN, RST_REPLY, LISTEN,
        "3.10.7.2 LISTEN, second check: an ACK draws <SEQ=SEG.ACK><CTL=RST> and the state stays LISTEN"),

    SND(SYN_SENT, SYN, SYN_SENT,
        "3.10.8 RETRANSMISSION TIMEOUT: the SYN is sent again; no state change"),
    SND(SYN_SENT, SYNACK, SYN_RCVD,
        "Fig.5 SYN SENT --rcv SYN / snd SYN,ACK--> SYN RCVD; 3.10.7.3 fourth 'Otherwise, enter "
        "SYN-RECEIVED, form a SYN,ACK segment'; Fig.7 line 5"),
    SND(SYN_SENT, ACK, ESTABLISHED,
        "Fig.5 SYN SENT --rcv SYN,ACK / snd ACK--> ESTAB; 3.10.7.3 fourth: SYN-SENT emits a bare "
        "ACK only once its SYN is ACKed ('change the connection state to ESTABLISHED, form an ACK')"),
    SND(SYN_SENT, FIN, FIN_WAIT_1,
        "[E] CLOSE in SYN-SENT deletes the TCB without a FIN (3.10.4); a FIN proves it reached "
        "ESTABLISHED (or SYN-RECEIVED) and closed: FIN-WAIT-1 (3.10.4, Fig.5)"),
    SND(SYN_SENT, RST, SYN_SENT,
        "3.5.2 group 2: a non-synchronized state (LISTEN, SYN-SENT, SYN-RECEIVED) answers an "
        "unacceptable ACK with a reset and 'The connection remains in the same state' (3.10.7.3 "
        "first); ABORT in SYN-SENT sends no RST (3.10.5); Fig.8 line 5 and Fig.9 lines 5-6 show "
        "SYN-SENT after it sent the RST"),
    SND(SYN_SENT, NONE, SYN_SENT, "[N] nothing learned"),
    SND(SYN_SENT, RST_REPLY, SYN_SENT,
        "3.10.7.3 SYN-SENT, first check: an unacceptable ACK draws <SEQ=SEG.ACK><CTL=RST>; the connection stays"),

    SND(SYN_RCVD, SYN, SYN_RCVD,
        "3.10.8 retransmission of its SYN (simultaneous open, Fig.7); no state change"),
    SND(SYN_RCVD, SYNACK, SYN_RCVD, "3.10.8 retransmission of its SYN,ACK; no state change"),
    SND(SYN_RCVD, ACK, SYN_RCVD,
        "[N] SYN-RECEIVED acknowledges an unacceptable segment and stays (3.10.7.4 first); SEND "
        "queues data until ESTABLISHED (3.10.2); it leaves only on rcv ACK of SYN (Fig.5)"),
    SND(SYN_RCVD, FIN, FIN_WAIT_1,
        "Fig.5 SYN RCVD --CLOSE / snd FIN--> FINWAIT-1; 3.10.4 CLOSE, SYN-RECEIVED STATE"),
    SND(SYN_RCVD, RST, CLOSED,
        "3.10.5 ABORT, SYN-RECEIVED STATE: send <SEQ=SND.NXT><CTL=RST>, enter CLOSED (a reset "
        "answering an unacceptable ACK would keep SYN-RECEIVED, 3.5.2 group 2; the event cannot "
        "tell them apart, ABORT is the one that ends the connection)"),
    SND(SYN_RCVD, NONE, SYN_RCVD, "[N] nothing learned"),
    SND(SYN_RCVD, RST_REPLY, SYN_RCVD,
        "3.10.7.4 fifth, SYN-RECEIVED: an unacceptable ACK draws <SEQ=SEG.ACK><CTL=RST>; the state stays"),

    SND(ESTABLISHED, SYN, ESTABLISHED,
        "[N] OPEN on an existing connection: 'connection already exists' (3.10.1); a new "
        "connection on the tuple is the flow table's business"),
    SND(ESTABLISHED, SYNACK, ESTABLISHED,
        "[E] a late retransmission of its SYN-RECEIVED SYN,ACK (3.10.8); never backwards"),
    SND(ESTABLISHED, ACK, ESTABLISHED,
        "3.10.2 SEND, ESTABLISHED: data with a piggybacked ACK; 3.10.7.4 seventh: ACKs"),
    SND(ESTABLISHED, FIN, FIN_WAIT_1,
        "Fig.5 ESTAB --CLOSE / snd FIN--> FINWAIT-1; 3.10.4; Fig.12 line 2"),
    SND(ESTABLISHED, RST, CLOSED,
        "3.10.5 ABORT, ESTABLISHED: 'Send a reset segment ... Delete the TCB, enter CLOSED state'"),
    SND(ESTABLISHED, NONE, ESTABLISHED, "[N] nothing learned"),
    SND(ESTABLISHED, RST_REPLY, CLOSED,
        "[N] synchronized states answer unacceptable segments with ACKs (3.10.7.4 first); a reset built from the peer's ACK means it no longer had the connection"),

    SND(FIN_WAIT_1, SYN, FIN_WAIT_1, "[N] 3.10.1: 'connection already exists'"),
    SND(FIN_WAIT_1, SYNACK, FIN_WAIT_1, "[E] a late retransmission; never backwards"),
    SND(FIN_WAIT_1, ACK, FIN_WAIT_1,
        "3.10.7.4 seventh: FIN-WAIT-1 still receives and acknowledges data; only the ACK of its "
        "FIN moves it (fifth)"),
    SND(FIN_WAIT_1, FIN, FIN_WAIT_1,
        "retransmission of its FIN: 3.6 case 1 'All segments preceding and including FIN will be "
        "retransmitted until acknowledged'; 3.10.4 'a second FIN is not emitted'"),
    SND(FIN_WAIT_1, RST, CLOSED, "3.10.5 ABORT, FIN-WAIT-1: send RST, enter CLOSED"),
    SND(FIN_WAIT_1, NONE, FIN_WAIT_1, "[N] nothing learned"),
    SND(FIN_WAIT_1, RST_REPLY, CLOSED,
        "[N] as ESTABLISHED: it had lost the connection"),

    SND(FIN_WAIT_2, SYN, FIN_WAIT_2, "[N] 3.10.1: 'connection already exists'"),
    SND(FIN_WAIT_2, SYNACK, FIN_WAIT_2, "[E] a late retransmission; never backwards"),
    SND(FIN_WAIT_2, ACK, FIN_WAIT_2,
        "3.10.7.4 seventh: FIN-WAIT-2 acknowledges the data the peer still sends (3.6.1)"),
    SND(FIN_WAIT_2, FIN, FIN_WAIT_2,
        "3.10.4 FIN-WAIT-2: 'a second FIN is not emitted (the first FIN may be retransmitted)'"),
    SND(FIN_WAIT_2, RST, CLOSED, "3.10.5 ABORT, FIN-WAIT-2: send RST, enter CLOSED"),
    SND(FIN_WAIT_2, NONE, FIN_WAIT_2, "[N] nothing learned"),
    SND(FIN_WAIT_2, RST_REPLY, CLOSED,
        "[N] as ESTABLISHED: it had lost the connection"),

    SND(CLOSE_WAIT, SYN, CLOSE_WAIT, "[N] 3.10.1: 'connection already exists'"),
    SND(CLOSE_WAIT, SYNACK, CLOSE_WAIT, "[E] a late retransmission; never backwards"),
    SND(CLOSE_WAIT, ACK, CLOSE_WAIT,
        "3.10.2 SEND, CLOSE-WAIT: data still flows this way (half-close, 3.6.1)"),
    SND(CLOSE_WAIT, FIN, LAST_ACK,
        "Fig.5 CLOSE WAIT --CLOSE / snd FIN--> LAST-ACK; 3.10.4 CLOSE-WAIT; Fig.12 line 4"),
    SND(CLOSE_WAIT, RST, CLOSED, "3.10.5 ABORT, CLOSE-WAIT: send RST, enter CLOSED"),
    SND(CLOSE_WAIT, NONE, CLOSE_WAIT, "[N] nothing learned"),
    SND(CLOSE_WAIT, RST_REPLY, CLOSED,
        "[N] as ESTABLISHED: it had lost the connection"),

    SND(CLOSING, SYN, CLOSING, "[N] 3.10.1: 'connection already exists'"),
    SND(CLOSING, SYNACK, CLOSING, "[E] a late retransmission; never backwards"),
    SND(CLOSING, ACK, CLOSING, "Fig.13 line 3: CLOSING acknowledges the peer's FIN and stays"),
    SND(CLOSING, FIN, CLOSING, "retransmission of its FIN until acknowledged (3.6 case 1)"),
    SND(CLOSING, RST, CLOSED,
        "3.10.5 ABORT, CLOSING: delete the TCB, enter CLOSED; a RST otherwise comes from a host "
        "without TCB (3.10.7.1): CLOSED either way"),
    SND(CLOSING, NONE, CLOSING, "[N] nothing learned"),
    SND(CLOSING, RST_REPLY, CLOSED,
        "[N] as ESTABLISHED: it had lost the connection"),

    SND(LAST_ACK, SYN, LAST_ACK, "[N] 3.10.1: 'connection already exists'"),
    SND(LAST_ACK, SYNACK, LAST_ACK, "[E] a late retransmission; never backwards"),
    SND(LAST_ACK, ACK, LAST_ACK,
        "[N] LAST-ACK waits only for the ACK of its FIN (3.10.7.4 fifth); acknowledging a "
        "retransmitted segment changes nothing"),
    SND(LAST_ACK, FIN, LAST_ACK, "retransmission of its FIN until acknowledged (3.6 case 2)"),
    SND(LAST_ACK, RST, CLOSED,
        "3.10.5 ABORT, LAST-ACK: enter CLOSED; a RST otherwise comes from a host without TCB"),
    SND(LAST_ACK, NONE, LAST_ACK, "[N] nothing learned"),
    SND(LAST_ACK, RST_REPLY, CLOSED,
        "[N] as ESTABLISHED: it had lost the connection"),

    SND(TIME_WAIT, SYN, TIME_WAIT,
        "[N] 3.10.1 OPEN in TIME-WAIT: 'connection already exists'; reuse of the tuple is a new "
        "connection (the flow table's business)"),
    SND(TIME_WAIT, SYNACK, TIME_WAIT, "[E] a late retransmission; never backwards"),
    SND(TIME_WAIT, ACK, TIME_WAIT,
        "3.10.7.4 fifth TIME-WAIT: a retransmitted remote FIN: 'Acknowledge it, and restart the "
        "2 MSL timeout'"),
    SND(TIME_WAIT, FIN, TIME_WAIT, "[N] its FIN was already acknowledged: a late retransmission"),
    SND(TIME_WAIT, RST, CLOSED,
        "3.10.5 ABORT, TIME-WAIT: delete the TCB, enter CLOSED; a RST otherwise comes from a host "
        "without TCB (3.10.7.1)"),
    SND(TIME_WAIT, NONE, TIME_WAIT, "[N] nothing learned"),
    SND(TIME_WAIT, RST_REPLY, CLOSED,
        "[N] as ESTABLISHED: it had lost the connection"),

    SND(UNKNOWN, SYN, SYN_SENT, "[E] a bare SYN is an active OPEN: Fig.5 --> SYN-SENT (3.10.1)"),
    SND(UNKNOWN, SYNACK, SYN_RCVD, "[E] only SYN-RECEIVED emits SYN,ACK (Fig.5)"),
    SND(UNKNOWN, ACK, ESTABLISHED,
        "[E] an ACK without SYN comes from a synchronized endpoint (3.1: the ACK field 'Once a "
        "connection is established, this is always sent'); the least it proves is ESTABLISHED"),
    SND(UNKNOWN, FIN, FIN_WAIT_1,
        "[E] with no FIN of the peer received, a FIN is an active close: ESTAB --CLOSE / snd FIN--> "
        "FINWAIT-1 (Fig.5)"),
    SND(UNKNOWN, RST, CLOSED,
        "3.10.5 ABORT / 3.10.7.1: the sender of a RST holds no connection afterwards"),
    SND(UNKNOWN, NONE, UNKNOWN, "[N] still no evidence"),
    SND(UNKNOWN, RST_REPLY, CLOSED,
        "[N] a reset from a side we knew nothing of: it holds no connection"),
};

/* 12 states x 7 receive events: what receiving an event does to its receiver.
 * tcp_seq.c delivers a segment's events in RFC order (ACK before FIN, as the
 * fifth step of 3.10.7.4 comes before the eighth). */
static struct cell recv_cells[] = {
    RCV(CLOSED, SYN, CLOSED,
        "3.10.7.1: 'An incoming segment not containing a RST causes a RST to be sent'; no change"),
    RCV(CLOSED, SYNACK, CLOSED, "3.10.7.1: answered with a RST; no state change"),
    RCV(CLOSED, ACK, CLOSED, "3.10.7.1: answered with <SEQ=SEG.ACK><CTL=RST>; no state change"),
    RCV(CLOSED, ACK_SYN, CLOSED, "3.10.7.1: answered with a RST; no state change"),
    RCV(CLOSED, FIN, CLOSED,
        "3.10.7.1; 3.10.7.4 eighth: 'Do not process the FIN if the state is CLOSED'"),
    RCV(CLOSED, ACK_FIN, CLOSED, "3.10.7.1: answered with a RST; no state change"),
    RCV(CLOSED, RST, CLOSED, "3.10.7.1: 'An incoming segment containing a RST is discarded'"),

    RCV(LISTEN, SYN, LISTEN,
        "[L] 3.10.7.2 third enters SYN-RECEIVED while sending the SYN,ACK: the observer counts "
        "that on the answer (send SYNACK -> SYN_RCVD); unanswered it stays LISTEN, reported CLOSED"),
    RCV(LISTEN, SYNACK, LISTEN,
        "3.10.7.2 second: 'Any acknowledgment is bad if it arrives on a connection still in the "
        "LISTEN state', answered <SEQ=SEG.ACK><CTL=RST>; Fig.11 lines 3-5: LISTEN stays LISTEN"),
    RCV(LISTEN, ACK, ESTABLISHED,
        "[I] the peer sent us a SYN (SYN-SENT); SYN-SENT emits a bare ACK only after a SYN,ACK "
        "acknowledged its SYN (3.10.7.3 fourth): we were SYN-RECEIVED, and Fig.5 SYN RCVD --rcv "
        "ACK of SYN--> ESTAB"),
    RCV(LISTEN, ACK_SYN, ESTABLISHED,
        "[I][U] as ACK, and it acknowledges our SYN: 3.10.7.4 fifth SYN-RECEIVED 'If SND.UNA < "
        "SEG.ACK =< SND.NXT, then enter ESTABLISHED'; stronger evidence than the ACK cell"),
    RCV(LISTEN, FIN, CLOSE_WAIT,
        "[I] the peer (SYN-SENT) emits no FIN before ESTABLISHED (3.10.4 CLOSE in SYN-SENT sends "
        "none): our SYN,ACK reached it; 3.10.7.4 eighth SYN-RECEIVED/ESTABLISHED: CLOSE-WAIT"),
    RCV(LISTEN, ACK_FIN, LISTEN,
        "[N][U] LISTEN sent no FIN; 3.10.7.2 second: an ACK in LISTEN draws a RST, no change; no "
        "single state is proven"),
    RCV(LISTEN, RST, LISTEN,
        "3.10.7.2 first: 'An incoming RST should be ignored'; 3.5.3 'If the receiver was in the "
        "LISTEN state, it ignores it'"),

    RCV(SYN_SENT, SYN, SYN_RCVD,
        "3.10.7.3 fourth, our SYN not ACKed: 'Otherwise, enter SYN-RECEIVED' (simultaneous open, "
        "Fig.7 line 3; Fig.5 SYN SENT --rcv SYN--> SYN RCVD)"),
    RCV(SYN_SENT, SYNACK, ESTABLISHED,
        "3.10.7.3 fourth: 'If SND.UNA > ISS (our SYN has been ACKed), change the connection state "
        "to ESTABLISHED' (Fig.6 line 3)"),
    RCV(SYN_SENT, ACK, SYN_SENT,
        "3.10.7.3 fifth: 'if neither of the SYN or RST bits is set, then drop the segment' (an "
        "unacceptable ACK draws a RST first, 3.10.7.3 first; Fig.9 line 4)"),
    RCV(SYN_SENT, ACK_SYN, SYN_SENT,
        "3.10.7.3 fifth: without SYN the segment is dropped even when it ACKs our SYN"),
    RCV(SYN_SENT, FIN, SYN_SENT,
        "3.10.7.4 eighth: 'Do not process the FIN if the state is ... SYN-SENT'; 3.10.7.3 fifth"),
    RCV(SYN_SENT, ACK_FIN, SYN_SENT, "[U] 3.10.7.3 fifth: dropped (SYN-SENT sent no FIN)"),
    RCV(SYN_SENT, RST, CLOSED,
        "3.10.7.3 second: 'If the ACK was acceptable, then signal ... enter CLOSED state' (3.5.3: "
        "in SYN-SENT a RST is acceptable if its ACK acknowledges the SYN)"),

    RCV(SYN_RCVD, SYN, SYN_RCVD,
        "3.10.7.4 first: a retransmitted SYN (SEG.SEQ = IRS < RCV.NXT) is not acceptable: "
        "acknowledge, drop; no state change"),
    RCV(SYN_RCVD, SYNACK, ESTABLISHED,
        "Fig.7 lines 6-7: SYN-RECEIVED + SYN,ACK acknowledging our SYN -> ESTABLISHED (3.10.7.4 "
        "fifth SYN-RECEIVED)"),
    RCV(SYN_RCVD, ACK, SYN_RCVD,
        "3.10.7.4 fifth SYN-RECEIVED: only SND.UNA < SEG.ACK =< SND.NXT (= ISS+1, the ACK of our "
        "SYN: its own event) enters ESTABLISHED; otherwise 'form a reset segment', no change"),
    RCV(SYN_RCVD, ACK_SYN, ESTABLISHED,
        "Fig.5 SYN RCVD --rcv ACK of SYN--> ESTAB; 3.10.7.4 fifth SYN-RECEIVED; Fig.6 line 4"),
    RCV(SYN_RCVD, FIN, CLOSE_WAIT,
        "3.10.7.4 eighth: 'SYN-RECEIVED STATE, ESTABLISHED STATE: Enter the CLOSE-WAIT state'"),
    RCV(SYN_RCVD, ACK_FIN, ESTABLISHED,
        "[U] 3.10.7.4 fifth SYN-RECEIVED: an ACK covering our FIN covers our SYN and lies in "
        "SND.UNA < SEG.ACK =< SND.NXT: 'enter ESTABLISHED state'"),
    RCV(SYN_RCVD, RST, CLOSED,
        "3.10.7.4 second SYN-RECEIVED: active OPEN 'enter the CLOSED state'; passive OPEN 'return "
        "this connection to LISTEN' = the listening socket, no TCB left for this 4-tuple (a tracked "
        "LISTEN would be revived by the peer's next ACK, which a listener answers with RST)"),

    RCV(ESTABLISHED, SYN, ESTABLISHED,
        "3.10.7.4 fourth (RFC 5961): challenge ACK, drop; out of window: ACK, drop (first)"),
    RCV(ESTABLISHED, SYNACK, ESTABLISHED,
        "3.10.7.4 first/fourth: a retransmitted SYN,ACK is acknowledged and dropped"),
    RCV(ESTABLISHED, ACK, ESTABLISHED, "3.10.7.4 fifth ESTABLISHED: SND.UNA <- SEG.ACK, no change"),
    RCV(ESTABLISHED, ACK_SYN, ESTABLISHED,
        "3.10.7.4 fifth: 'If the ACK is a duplicate (SEG.ACK =< SND.UNA), it can be ignored'"),
    RCV(ESTABLISHED, FIN, CLOSE_WAIT,
        "3.10.7.4 eighth ESTABLISHED: 'Enter the CLOSE-WAIT state' (Fig.12 line 2)"),
    RCV(ESTABLISHED, ACK_FIN, ESTABLISHED,
        "[U] 3.10.7.4 fifth ESTABLISHED: no state change (ESTABLISHED sent no FIN)"),
    RCV(ESTABLISHED, RST, CLOSED,
        "3.10.7.4 second ESTABLISHED: 'Enter the CLOSED state, delete the TCB'"),

    RCV(FIN_WAIT_1, SYN, FIN_WAIT_1, "3.10.7.4 first/fourth: (challenge) ACK, drop"),
    RCV(FIN_WAIT_1, SYNACK, FIN_WAIT_1, "3.10.7.4 first/fourth: ACK, drop"),
    RCV(FIN_WAIT_1, ACK, FIN_WAIT_1,
        "3.10.7.4 fifth FIN-WAIT-1: ESTABLISHED processing; FIN-WAIT-2 only 'if the FIN segment is "
        "now acknowledged' (its own event)"),
    RCV(FIN_WAIT_1, ACK_SYN, FIN_WAIT_1, "3.10.7.4 fifth: a duplicate ACK 'can be ignored'"),
    RCV(FIN_WAIT_1, FIN, CLOSING,
        "3.10.7.4 eighth FIN-WAIT-1: FIN not ACKed: 'otherwise, enter the CLOSING state' (Fig.13)"),
    RCV(FIN_WAIT_1, ACK_FIN, FIN_WAIT_2,
        "3.10.7.4 fifth FIN-WAIT-1: 'if the FIN segment is now acknowledged, then enter "
        "FIN-WAIT-2' (Fig.12 line 3)"),
    RCV(FIN_WAIT_1, RST, CLOSED, "3.10.7.4 second FIN-WAIT-1: 'Enter the CLOSED state'"),

    RCV(FIN_WAIT_2, SYN, FIN_WAIT_2, "3.10.7.4 first/fourth: (challenge) ACK, drop"),
    RCV(FIN_WAIT_2, SYNACK, FIN_WAIT_2, "3.10.7.4 first/fourth: ACK, drop"),
    RCV(FIN_WAIT_2, ACK, FIN_WAIT_2, "3.10.7.4 fifth FIN-WAIT-2: no state change"),
    RCV(FIN_WAIT_2, ACK_SYN, FIN_WAIT_2, "3.10.7.4 fifth: a duplicate ACK 'can be ignored'"),
    RCV(FIN_WAIT_2, FIN, TIME_WAIT,
        "3.10.7.4 eighth FIN-WAIT-2: 'Enter the TIME-WAIT state' (Fig.12 line 4)"),
    RCV(FIN_WAIT_2, ACK_FIN, FIN_WAIT_2,
        "3.10.7.4 fifth FIN-WAIT-2: a repeated ACK of our FIN, 'do not delete the TCB'"),
    RCV(FIN_WAIT_2, RST, CLOSED, "3.10.7.4 second FIN-WAIT-2: 'Enter the CLOSED state'"),

    RCV(CLOSE_WAIT, SYN, CLOSE_WAIT, "3.10.7.4 first/fourth: (challenge) ACK, drop"),
    RCV(CLOSE_WAIT, SYNACK, CLOSE_WAIT, "3.10.7.4 first/fourth: ACK, drop"),
    RCV(CLOSE_WAIT, ACK, CLOSE_WAIT, "3.10.7.4 fifth CLOSE-WAIT: as ESTABLISHED, no change"),
    RCV(CLOSE_WAIT, ACK_SYN, CLOSE_WAIT, "3.10.7.4 fifth: a duplicate ACK 'can be ignored'"),
    RCV(CLOSE_WAIT, FIN, CLOSE_WAIT, "3.10.7.4 eighth: 'Remain in the CLOSE-WAIT state'"),
    RCV(CLOSE_WAIT, ACK_FIN, CLOSE_WAIT,
        "[U] 3.10.7.4 fifth CLOSE-WAIT: 'Do the same processing as for the ESTABLISHED state'"),
    RCV(CLOSE_WAIT, RST, CLOSED, "3.10.7.4 second CLOSE-WAIT: 'Enter the CLOSED state'"),

    RCV(CLOSING, SYN, CLOSING, "3.10.7.4 first/fourth: (challenge) ACK, drop"),
    RCV(CLOSING, SYNACK, CLOSING, "3.10.7.4 first/fourth: ACK, drop"),
    RCV(CLOSING, ACK, CLOSING,
        "3.10.7.4 fifth CLOSING: not the ACK of our FIN: 'otherwise, ignore the segment'"),
    RCV(CLOSING, ACK_SYN, CLOSING, "3.10.7.4 fifth CLOSING: 'otherwise, ignore the segment'"),
    RCV(CLOSING, FIN, CLOSING, "3.10.7.4 eighth: 'Remain in the CLOSING state'"),
    RCV(CLOSING, ACK_FIN, TIME_WAIT,
        "3.10.7.4 fifth CLOSING: 'if the ACK acknowledges our FIN, then enter the TIME-WAIT "
        "state' (Fig.13 lines 3-4)"),
    RCV(CLOSING, RST, CLOSED, "3.10.7.4 second CLOSING: 'enter the CLOSED state'"),

    RCV(LAST_ACK, SYN, LAST_ACK, "3.10.7.4 first/fourth: (challenge) ACK, drop"),
    RCV(LAST_ACK, SYNACK, LAST_ACK, "3.10.7.4 first/fourth: ACK, drop"),
    RCV(LAST_ACK, ACK, LAST_ACK,
        "3.10.7.4 fifth LAST-ACK: only the acknowledgment of our FIN moves it"),
    RCV(LAST_ACK, ACK_SYN, LAST_ACK, "3.10.7.4 fifth LAST-ACK: not the ACK of our FIN"),
    RCV(LAST_ACK, FIN, LAST_ACK, "3.10.7.4 eighth: 'Remain in the LAST-ACK state'"),
    RCV(LAST_ACK, ACK_FIN, CLOSED,
        "3.10.7.4 fifth LAST-ACK: 'If our FIN is now acknowledged, delete the TCB, enter the "
        "CLOSED state' (Fig.12 line 5)"),
    RCV(LAST_ACK, RST, CLOSED, "3.10.7.4 second LAST-ACK: 'enter the CLOSED state'"),

    RCV(TIME_WAIT, SYN, TIME_WAIT,
        "3.10.7.4 fourth: challenge ACK, drop (accepting a new SYN, 3.6.1 MAY-2, is a new "
        "connection: the flow table's business)"),
    RCV(TIME_WAIT, SYNACK, TIME_WAIT, "3.10.7.4 first/fourth: ACK, drop"),
    RCV(TIME_WAIT, ACK, TIME_WAIT, "3.10.7.4 fifth TIME-WAIT: no state change"),
    RCV(TIME_WAIT, ACK_SYN, TIME_WAIT, "3.10.7.4 fifth TIME-WAIT: no state change"),
    RCV(TIME_WAIT, FIN, TIME_WAIT,
        "3.10.7.4 eighth: 'Remain in the TIME-WAIT state. Restart the 2 MSL time-wait timeout'"),
    RCV(TIME_WAIT, ACK_FIN, TIME_WAIT,
        "3.10.7.4 fifth TIME-WAIT: 'The only thing that can arrive in this state is a "
        "retransmission of the remote FIN'; no state change"),
    RCV(TIME_WAIT, RST, CLOSED,
        "3.10.7.4 second TIME-WAIT: 'If the RST bit is set, then enter the CLOSED state'"),

    RCV(UNKNOWN, SYN, LISTEN,
        "[L] the target of a SYN that has not answered is tracked LISTEN and reported CLOSED "
        "(SPEC: 'A host that was sent a SYN and never answered holds no connection: CLOSED'); an "
        "UNKNOWN left unchanged would be reported UNKNOWN"),
    RCV(UNKNOWN, SYNACK, ESTABLISHED,
        "[I] a SYN,ACK acknowledging our SYN: we were SYN-SENT, 3.10.7.3 fourth -> ESTABLISHED"),
    RCV(UNKNOWN, ACK, ESTABLISHED,
        "[I] a synchronized peer's ACK: this side completed the handshake too (SPEC: infer from "
        "the peer's ACKs); the least it proves is ESTABLISHED"),
    RCV(UNKNOWN, ACK_SYN, ESTABLISHED, "[I][U] as ACK, and it acknowledges our SYN (Fig.5)"),
    RCV(UNKNOWN, FIN, CLOSE_WAIT,
        "[I] a synchronized peer's FIN: ESTABLISHED + FIN -> CLOSE-WAIT (3.10.7.4 eighth)"),
    RCV(UNKNOWN, ACK_FIN, UNKNOWN,
        "[N][U] no single state is proven (FIN-WAIT-2, TIME-WAIT or CLOSED)"),
    RCV(UNKNOWN, RST, CLOSED,
        "an acceptable RST leaves no connection: 3.10.7.3 second, 3.10.7.4 second, 3.5.3"),
};

#define NSEND_CELLS (sizeof send_cells / sizeof send_cells[0])
#define NRECV_CELLS (sizeof recv_cells / sizeof recv_cells[0])

/* ---------------------------------------------------- every table cell */

ParameterizedTestParameters(fsm_send, cell)
{
    return cr_make_param_array(struct cell, send_cells, NSEND_CELLS);
}

ParameterizedTest(struct cell *c, fsm_send, cell)
{
    enum ts_state got = ts_fsm_send((enum ts_state)c->state, (enum ts_send_event)c->event);
    cr_expect_eq((int)got, c->expected, "%s: the table says %s. Expected because: %s", c->line,
                 ts_state_name(got), c->why);
}

ParameterizedTestParameters(fsm_recv, cell)
{
    return cr_make_param_array(struct cell, recv_cells, NRECV_CELLS);
}

ParameterizedTest(struct cell *c, fsm_recv, cell)
{
    enum ts_state got = ts_fsm_recv((enum ts_state)c->state, (enum ts_recv_event)c->event);
    cr_expect_eq((int)got, c->expected, "%s: the table says %s. Expected because: %s", c->line,
                 ts_state_name(got), c->why);
}

/* The lists above hold every (state, event) pair exactly once. */
Test(fsm_send, every_cell_listed_once)
{
    int seen[TS_STATE_COUNT][TS_SEND_EVENT_COUNT] = {{0}};
    cr_assert_eq(NSEND_CELLS, (size_t)TS_STATE_COUNT * TS_SEND_EVENT_COUNT);
    for (size_t i = 0; i < NSEND_CELLS; i++) {
        cr_assert(send_cells[i].state >= 0 && send_cells[i].state < TS_STATE_COUNT);
        cr_assert(send_cells[i].event >= 0 && send_cells[i].event < TS_SEND_EVENT_COUNT);
        seen[send_cells[i].state][send_cells[i].event]++;
    }
    for (int s = 0; s < TS_STATE_COUNT; s++)
        for (int e = 0; e < TS_SEND_EVENT_COUNT; e++)
            cr_expect_eq(seen[s][e], 1, "send cell %d/%d listed %d times", s, e, seen[s][e]);
}

Test(fsm_recv, every_cell_listed_once)
{
    int seen[TS_STATE_COUNT][TS_RECV_EVENT_COUNT] = {{0}};
    cr_assert_eq(NRECV_CELLS, (size_t)TS_STATE_COUNT * TS_RECV_EVENT_COUNT);
    for (size_t i = 0; i < NRECV_CELLS; i++) {
        cr_assert(recv_cells[i].state >= 0 && recv_cells[i].state < TS_STATE_COUNT);
        cr_assert(recv_cells[i].event >= 0 && recv_cells[i].event < TS_RECV_EVENT_COUNT);
        seen[recv_cells[i].state][recv_cells[i].event]++;
    }
    for (int s = 0; s < TS_STATE_COUNT; s++)
        for (int e = 0; e < TS_RECV_EVENT_COUNT; e++)
            cr_expect_eq(seen[s][e], 1, "recv cell %d/%d listed %d times", s, e, seen[s][e]);
}

/* ------------------------------------------------- out-of-range arguments */

Test(fsm, out_of_range_arguments_leave_the_state_unchanged)
{
    /* An event out of range changes nothing. */
    for (int s = 0; s < TS_STATE_COUNT; s++) {
        cr_expect_eq(ts_fsm_send((enum ts_state)s, TS_SEND_EVENT_COUNT), (enum ts_state)s);
        cr_expect_eq(ts_fsm_send((enum ts_state)s, (enum ts_send_event)200), (enum ts_state)s);
        cr_expect_eq(ts_fsm_send((enum ts_state)s, (enum ts_send_event)-1), (enum ts_state)s);
        cr_expect_eq(ts_fsm_recv((enum ts_state)s, TS_RECV_EVENT_COUNT), (enum ts_state)s);
        cr_expect_eq(ts_fsm_recv((enum ts_state)s, (enum ts_recv_event)200), (enum ts_state)s);
        cr_expect_eq(ts_fsm_recv((enum ts_state)s, (enum ts_recv_event)-1), (enum ts_state)s);
    }
    /* A state out of range is handed back as it came. */
    const enum ts_state bad[] = {TS_STATE_COUNT, (enum ts_state)77, (enum ts_state)-1};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        for (int e = 0; e < TS_SEND_EVENT_COUNT; e++)
            cr_expect_eq(ts_fsm_send(bad[i], (enum ts_send_event)e), bad[i]);
        for (int e = 0; e < TS_RECV_EVENT_COUNT; e++)
            cr_expect_eq(ts_fsm_recv(bad[i], (enum ts_recv_event)e), bad[i]);
        cr_expect_eq(ts_fsm_send(bad[i], TS_SEND_EVENT_COUNT), bad[i]);
        cr_expect_eq(ts_fsm_recv(bad[i], TS_RECV_EVENT_COUNT), bad[i]);
        cr_expect_eq(ts_fsm_final(bad[i]), bad[i]);
        cr_expect_not_null(ts_state_name(bad[i]));
    }
}

/* ------------------------------------------------------- reported state */

Test(fsm, final_state)
{
    /* SPEC: "A host that was sent a SYN and never answered holds no
     * connection: CLOSED." Every other state is reported as it is (TIME_WAIT
     * expires with capture time, which is the analyzer's job; UNKNOWN is a
     * reported state of its own). */
    cr_expect_eq(ts_fsm_final(TS_LISTEN), TS_CLOSED);
    const enum ts_state same[] = {TS_CLOSED,     TS_SYN_SENT,   TS_SYN_RCVD,  TS_ESTABLISHED,
                                  TS_FIN_WAIT_1, TS_FIN_WAIT_2, TS_CLOSE_WAIT, TS_CLOSING,
                                  TS_LAST_ACK,   TS_TIME_WAIT,  TS_UNKNOWN};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
        cr_expect_eq(ts_fsm_final(same[i]), same[i], "final(%s)", ts_state_name(same[i]));
}

/* ----------------------------------------------------------------- names */

Test(fsm, state_names_are_the_spec_names)
{
    /* SPEC.md, "A flow": the state names, fixed. */
    static const struct {
        enum ts_state s;
        const char *name;
    } names[] = {
        {TS_CLOSED, "CLOSED"},         {TS_LISTEN, "LISTEN"},
        {TS_SYN_SENT, "SYN_SENT"},     {TS_SYN_RCVD, "SYN_RCVD"},
        {TS_ESTABLISHED, "ESTABLISHED"}, {TS_FIN_WAIT_1, "FIN_WAIT_1"},
        {TS_FIN_WAIT_2, "FIN_WAIT_2"}, {TS_CLOSE_WAIT, "CLOSE_WAIT"},
        {TS_CLOSING, "CLOSING"},       {TS_LAST_ACK, "LAST_ACK"},
        {TS_TIME_WAIT, "TIME_WAIT"},   {TS_UNKNOWN, "UNKNOWN"},
    };
    cr_assert_eq(sizeof names / sizeof names[0], (size_t)TS_STATE_COUNT);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        cr_expect_str_eq(ts_state_name(names[i].s), names[i].name);
        cr_expect_eq(ts_state_from_name(names[i].name), (int)names[i].s, "%s", names[i].name);
    }
}

Test(fsm, state_names_round_trip)
{
    for (int s = 0; s < TS_STATE_COUNT; s++) {
        const char *n = ts_state_name((enum ts_state)s);
        cr_assert_not_null(n);
        cr_expect_eq(ts_state_from_name(n), s, "%s", n);
        for (int t = 0; t < s; t++)
            cr_expect_str_neq(n, ts_state_name((enum ts_state)t), "two states named %s", n);
    }
}

Test(fsm, unknown_state_names)
{
    const char *bad[] = {"", "CLOSE", "CLOSED ", "ESTABLISHEDX", "FIN_WAIT", "FIN_WAIT_3",
                         "INVALID", "TIME_WAIT_", "SYN"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_eq(ts_state_from_name(bad[i]), -1, "'%s'", bad[i]);
    /* An out-of-range state has a printable name that is no state's name. */
    const char *n = ts_state_name(TS_STATE_COUNT);
    cr_assert_not_null(n);
    cr_expect_eq(ts_state_from_name(n), -1, "'%s'", n);
}

Test(fsm, event_names)
{
    for (int e = 0; e < TS_SEND_EVENT_COUNT; e++) {
        const char *n = ts_send_event_name((enum ts_send_event)e);
        cr_assert_not_null(n);
        cr_expect_neq(strlen(n), 0u);
        for (int f = 0; f < e; f++)
            cr_expect_str_neq(n, ts_send_event_name((enum ts_send_event)f));
    }
    for (int e = 0; e < TS_RECV_EVENT_COUNT; e++) {
        const char *n = ts_recv_event_name((enum ts_recv_event)e);
        cr_assert_not_null(n);
        cr_expect_neq(strlen(n), 0u);
        for (int f = 0; f < e; f++)
            cr_expect_str_neq(n, ts_recv_event_name((enum ts_recv_event)f));
    }
    cr_expect_not_null(ts_send_event_name(TS_SEND_EVENT_COUNT));
    cr_expect_not_null(ts_recv_event_name(TS_RECV_EVENT_COUNT));
}

/* ------------------------------------------------ whole connections
 *
 * Each trace follows a figure of RFC 9293 line by line: at each line the
 * sender applies its send event, the receiver its receive events in the order
 * the RFC processes them (3.10.7.4: the ACK field, fifth, before the FIN,
 * eighth). The states asserted are the figure's, except where the observer's
 * LISTEN rule [L] says otherwise (said so at the line). */

#define SEND(ep, ev) ((ep) = ts_fsm_send((ep), TS_SEND_##ev))
#define RECV(ep, ev) ((ep) = ts_fsm_recv((ep), TS_RECV_##ev))
#define IS(ep, st, where)                                                                     \
    cr_expect_eq((ep), TS_##st, "%s: %s is %s, expected " #st, (where), #ep,                 \
                 ts_state_name(ep))

Test(trace, three_way_handshake_fig6)
{
    enum ts_state a = TS_CLOSED, b = TS_LISTEN;
    /* 2. A --> <SEQ=100><CTL=SYN> --> B */
    SEND(a, SYN);
    IS(a, SYN_SENT, "Fig.6 line 2");
    /* B answers at line 3; until then the observer keeps it LISTEN [L]
     * (the RFC's SYN-RECEIVED shows with the answer). */
    /* 3. A <-- <SEQ=300><ACK=101><CTL=SYN,ACK> <-- B: B's ACK proves the SYN arrived. */
    RECV(b, SYN);
    IS(b, LISTEN, "Fig.6 line 3, SYN counted at B before its answer [L]");
    SEND(b, SYNACK);
    IS(b, SYN_RCVD, "Fig.6 line 3");
    RECV(a, SYNACK);
    IS(a, ESTABLISHED, "Fig.6 line 3");
    /* 4. A --> <SEQ=101><ACK=301><CTL=ACK> --> B */
    SEND(a, ACK);
    IS(a, ESTABLISHED, "Fig.6 line 4");
    RECV(b, ACK);
    RECV(b, ACK_SYN);
    IS(b, ESTABLISHED, "Fig.6 line 4");
    /* 5. A --> <SEQ=101><ACK=301><CTL=ACK><DATA> --> B */
    SEND(a, ACK);
    RECV(b, ACK);
    IS(a, ESTABLISHED, "Fig.6 line 5");
    IS(b, ESTABLISHED, "Fig.6 line 5");
}

Test(trace, unanswered_syn)
{
    /* SPEC: the target of a SYN that never answered holds no connection. */
    enum ts_state a = TS_CLOSED, b = TS_LISTEN;
    SEND(a, SYN);
    SEND(a, SYN); /* retransmission, 3.10.8 */
    RECV(b, SYN); /* counted at the end of the capture */
    IS(a, SYN_SENT, "unanswered SYN");
    cr_expect_eq(ts_fsm_final(b), TS_CLOSED, "the SYN's target is reported CLOSED");
}

Test(trace, refused_by_rst)
{
    /* 3.10.7.1: no listener answers <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>;
     * 3.10.7.3 second: its ACK covers the SYN, SYN-SENT enters CLOSED. */
    enum ts_state a = TS_CLOSED, b = TS_LISTEN;
    SEND(a, SYN);
    SEND(b, RST);
    IS(b, CLOSED, "refused");
    RECV(a, RST);
    IS(a, CLOSED, "refused");
}

/* Fig.12, the closer being x and the other y, both ESTABLISHED. */
static void normal_close(enum ts_state *x, enum ts_state *y)
{
    enum ts_state a = *x, b = *y;
    /* 2. (Close) A --> <SEQ=100><ACK=300><CTL=FIN,ACK> --> B */
    SEND(a, FIN);
    IS(a, FIN_WAIT_1, "Fig.12 line 2");
    RECV(b, ACK);
    RECV(b, FIN);
    IS(b, CLOSE_WAIT, "Fig.12 line 2");
    /* 3. A <-- <SEQ=300><ACK=101><CTL=ACK> <-- B */
    SEND(b, ACK);
    IS(b, CLOSE_WAIT, "Fig.12 line 3");
    RECV(a, ACK);
    RECV(a, ACK_FIN);
    IS(a, FIN_WAIT_2, "Fig.12 line 3");
    /* 4. (Close) A <-- <SEQ=300><ACK=101><CTL=FIN,ACK> <-- B: its ACK field
     * still covers A's FIN, so A sees the ACK of its FIN again. */
    SEND(b, FIN);
    IS(b, LAST_ACK, "Fig.12 line 4");
    RECV(a, ACK);
    RECV(a, ACK_FIN);
    RECV(a, FIN);
    IS(a, TIME_WAIT, "Fig.12 line 4");
    /* 5. A --> <SEQ=101><ACK=301><CTL=ACK> --> B */
    SEND(a, ACK);
    IS(a, TIME_WAIT, "Fig.12 line 5");
    RECV(b, ACK);
    RECV(b, ACK_FIN);
    IS(b, CLOSED, "Fig.12 line 5");
    *x = a;
    *y = b;
}

Test(trace, four_way_close_client_first_fig12)
{
    enum ts_state client = TS_ESTABLISHED, server = TS_ESTABLISHED;
    normal_close(&client, &server);
    cr_expect_eq(client, TS_TIME_WAIT);
    cr_expect_eq(server, TS_CLOSED);
}

Test(trace, four_way_close_server_first_fig12)
{
    enum ts_state client = TS_ESTABLISHED, server = TS_ESTABLISHED;
    normal_close(&server, &client);
    cr_expect_eq(server, TS_TIME_WAIT);
    cr_expect_eq(client, TS_CLOSED);
}

Test(trace, close_after_handshake_full_life)
{
    /* Fig.6 then Fig.12 with the passive side's FIN piggybacking its ACK. */
    enum ts_state a = TS_CLOSED, b = TS_LISTEN;
    SEND(a, SYN);
    RECV(b, SYN);
    SEND(b, SYNACK);
    RECV(a, SYNACK);
    SEND(a, ACK);
    RECV(b, ACK);
    RECV(b, ACK_SYN);
    IS(a, ESTABLISHED, "handshake");
    IS(b, ESTABLISHED, "handshake");
    SEND(b, ACK); /* data from the server, 3.10.2 */
    RECV(a, ACK);
    SEND(a, FIN);
    RECV(b, ACK);
    RECV(b, FIN);
    SEND(b, FIN);
    RECV(a, ACK);
    RECV(a, ACK_FIN);
    RECV(a, FIN);
    SEND(a, ACK);
    RECV(b, ACK);
    RECV(b, ACK_FIN);
    IS(a, TIME_WAIT, "end");
    IS(b, CLOSED, "end");
}

Test(trace, fin_ack_piggybacked)
{
    /* B answers A's FIN with one segment <FIN,ACK> whose ACK covers A's FIN.
     * 3.10.7.4 processes the ACK field (fifth: FIN-WAIT-1 -> FIN-WAIT-2 "and
     * continue processing in that state") before the FIN bit (eighth:
     * FIN-WAIT-2 -> TIME-WAIT; or FIN-WAIT-1 "If our FIN has been ACKed
     * (perhaps in this segment), then enter TIME-WAIT"): one segment takes A
     * from FIN-WAIT-1 through FIN-WAIT-2 to TIME-WAIT, never via CLOSING. */
    enum ts_state a = TS_ESTABLISHED, b = TS_ESTABLISHED;
    SEND(a, FIN);
    RECV(b, ACK);
    RECV(b, FIN);
    IS(b, CLOSE_WAIT, "B got A's FIN");
    SEND(b, FIN); /* <FIN,ACK>, ACK = A's FIN + 1 */
    IS(b, LAST_ACK, "B closes in the same segment");
    IS(a, FIN_WAIT_1, "before the segment");
    RECV(a, ACK);
    IS(a, FIN_WAIT_1, "after the ACK field (not yet the ACK of the FIN)");
    RECV(a, ACK_FIN);
    IS(a, FIN_WAIT_2, "after the ACK of our FIN (3.10.7.4 fifth)");
    RECV(a, FIN);
    IS(a, TIME_WAIT, "after the FIN bit of the same segment (3.10.7.4 eighth)");
    SEND(a, ACK);
    RECV(b, ACK);
    RECV(b, ACK_FIN);
    IS(b, CLOSED, "LAST-ACK gets the ACK of its FIN");
}

Test(trace, simultaneous_open_fig7)
{
    enum ts_state a = TS_CLOSED, b = TS_CLOSED;
    /* 2. A --> <SEQ=100><CTL=SYN> ... */
    SEND(a, SYN);
    IS(a, SYN_SENT, "Fig.7 line 2");
    /* 3. A <-- <SEQ=300><CTL=SYN> <-- B */
    SEND(b, SYN);
    IS(b, SYN_SENT, "Fig.7 line 3");
    RECV(a, SYN);
    IS(a, SYN_RCVD, "Fig.7 line 3");
    /* 4. ... <SEQ=100><CTL=SYN> --> B */
    RECV(b, SYN);
    IS(b, SYN_RCVD, "Fig.7 line 4");
    /* 5. A --> <SEQ=100><ACK=301><CTL=SYN,ACK> ... */
    SEND(a, SYNACK);
    IS(a, SYN_RCVD, "Fig.7 line 5");
    /* 6. A <-- <SEQ=300><ACK=101><CTL=SYN,ACK> <-- B */
    SEND(b, SYNACK);
    IS(b, SYN_RCVD, "Fig.7 line 6");
    RECV(a, SYNACK);
    IS(a, ESTABLISHED, "Fig.7 line 6");
    /* 7. ... <SEQ=100><ACK=301><CTL=SYN,ACK> --> B */
    RECV(b, SYNACK);
    IS(b, ESTABLISHED, "Fig.7 line 7");
}

Test(trace, simultaneous_open_from_listen)
{
    /* The observer's variant of Fig.7: A's SYN was seen first, so B starts as
     * the SYN's target (LISTEN [L]) and then sends its own SYN (Fig.5 LISTEN
     * --SEND / snd SYN--> SYN-SENT). */
    enum ts_state a = TS_CLOSED, b = TS_LISTEN;
    SEND(a, SYN);
    SEND(b, SYN);
    IS(b, SYN_SENT, "B opens too");
    RECV(a, SYN);
    RECV(b, SYN);
    IS(a, SYN_RCVD, "each got the other's SYN");
    IS(b, SYN_RCVD, "each got the other's SYN");
    SEND(a, SYNACK);
    SEND(b, SYNACK);
    RECV(a, SYNACK);
    RECV(b, SYNACK);
    IS(a, ESTABLISHED, "end");
    IS(b, ESTABLISHED, "end");
}

Test(trace, simultaneous_close_fig13)
{
    enum ts_state a = TS_ESTABLISHED, b = TS_ESTABLISHED;
    /* 2. both (Close): A --> <SEQ=100><ACK=300><CTL=FIN,ACK> ...,
     *    B <-- <SEQ=300><ACK=100><CTL=FIN,ACK>: neither ACK covers the other's FIN. */
    SEND(a, FIN);
    SEND(b, FIN);
    IS(a, FIN_WAIT_1, "Fig.13 line 2");
    IS(b, FIN_WAIT_1, "Fig.13 line 2");
    RECV(a, ACK);
    RECV(a, FIN);
    IS(a, CLOSING, "Fig.13 line 3");
    RECV(b, ACK);
    RECV(b, FIN);
    IS(b, CLOSING, "Fig.13 line 3");
    /* 3. A --> <SEQ=101><ACK=301><CTL=ACK>, B --> <SEQ=301><ACK=101><CTL=ACK> */
    SEND(a, ACK);
    SEND(b, ACK);
    IS(a, CLOSING, "Fig.13 line 3");
    IS(b, CLOSING, "Fig.13 line 3");
    RECV(a, ACK);
    RECV(a, ACK_FIN);
    RECV(b, ACK);
    RECV(b, ACK_FIN);
    /* 4. */
    IS(a, TIME_WAIT, "Fig.13 line 4");
    IS(b, TIME_WAIT, "Fig.13 line 4");
}

/* Drive an endpoint from its first state into st, as a connection gets there. */
static enum ts_state reach(enum ts_state st)
{
    enum ts_state s = TS_CLOSED;
    switch (st) {
    case TS_CLOSED: return s;
    case TS_LISTEN: s = TS_LISTEN; RECV(s, SYN); return s;
    case TS_SYN_SENT: SEND(s, SYN); return s;
    case TS_SYN_RCVD: s = TS_LISTEN; RECV(s, SYN); SEND(s, SYNACK); return s;
    case TS_ESTABLISHED: SEND(s, SYN); RECV(s, SYNACK); SEND(s, ACK); return s;
    case TS_UNKNOWN: return TS_UNKNOWN;
    default: break;
    }
    s = reach(TS_ESTABLISHED);
    switch (st) {
    case TS_FIN_WAIT_1: SEND(s, FIN); break;
    case TS_FIN_WAIT_2: SEND(s, FIN); RECV(s, ACK); RECV(s, ACK_FIN); break;
    case TS_CLOSE_WAIT: RECV(s, ACK); RECV(s, FIN); SEND(s, ACK); break;
    case TS_CLOSING: SEND(s, FIN); RECV(s, ACK); RECV(s, FIN); break;
    case TS_LAST_ACK: RECV(s, ACK); RECV(s, FIN); SEND(s, FIN); break;
    case TS_TIME_WAIT: SEND(s, FIN); RECV(s, ACK); RECV(s, ACK_FIN); RECV(s, FIN); break;
    default: break;
    }
    return s;
}

Test(trace, every_state_is_reached)
{
    for (int st = 0; st < TS_STATE_COUNT; st++)
        cr_expect_eq(reach((enum ts_state)st), (enum ts_state)st, "reach(%s) gave %s",
                     ts_state_name((enum ts_state)st), ts_state_name(reach((enum ts_state)st)));
}

Test(trace, rst_received_in_each_state)
{
    /* 3.10.7.1 CLOSED: discarded. 3.10.7.2 LISTEN: ignored. 3.10.7.3 SYN-SENT:
     * CLOSED (acceptable RST). 3.10.7.4 second: SYN-RECEIVED (no connection
     * left for the tuple) and every synchronized state: CLOSED. */
    for (int st = 0; st < TS_STATE_COUNT; st++) {
        enum ts_state s = reach((enum ts_state)st);
        enum ts_state want = (st == TS_LISTEN) ? TS_LISTEN : TS_CLOSED;
        RECV(s, RST);
        cr_expect_eq(s, want, "RST received in %s gave %s", ts_state_name((enum ts_state)st),
                     ts_state_name(s));
    }
}

Test(trace, rst_sent_in_each_state)
{
    /* 3.10.5 ABORT: SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1/2, CLOSE-WAIT send
     * <SEQ=SND.NXT><CTL=RST> and enter CLOSED; CLOSING, LAST-ACK, TIME-WAIT
     * delete the TCB (a RST then comes from a host without connection,
     * 3.10.7.1). SYN-SENT emits a RST only to answer an unacceptable ACK and
     * "remains in the same state" (3.5.2 group 2; Fig.8 line 5, Fig.9 line 5).
     * LISTEN [L]: the SYN's target refuses it. */
    for (int st = 0; st < TS_STATE_COUNT; st++) {
        enum ts_state s = reach((enum ts_state)st);
        enum ts_state want = (st == TS_SYN_SENT) ? TS_SYN_SENT : TS_CLOSED;
        SEND(s, RST);
        cr_expect_eq(s, want, "RST sent in %s gave %s, expected %s",
                     ts_state_name((enum ts_state)st), ts_state_name(s), ts_state_name(want));
    }
}

Test(trace, recovery_from_old_duplicate_syn_fig8)
{
    enum ts_state a = TS_CLOSED, b = TS_LISTEN;
    /* 2. A --> <SEQ=100><CTL=SYN> ... */
    SEND(a, SYN);
    IS(a, SYN_SENT, "Fig.8 line 2");
    /* 3. (duplicate) ... <SEQ=90><CTL=SYN> --> B;
     * 4. A <-- <SEQ=300><ACK=91><CTL=SYN,ACK> <-- B */
    RECV(b, SYN);
    SEND(b, SYNACK);
    IS(b, SYN_RCVD, "Fig.8 line 4");
    /* A: ACK 91 is not acceptable (3.10.7.3 first): no receive event. */
    IS(a, SYN_SENT, "Fig.8 line 4");
    /* 5. A --> <SEQ=91><CTL=RST> --> B */
    SEND(a, RST);
    IS(a, SYN_SENT, "Fig.8 line 5 (A sent the RST)");
    RECV(b, RST);
    cr_expect_eq(ts_fsm_final(b), TS_CLOSED,
                 "Fig.8 line 5: B back to LISTEN = no connection on this tuple");
    /* 6. ... <SEQ=100><CTL=SYN> --> B; 7. A <-- <SEQ=400><ACK=101><CTL=SYN,ACK> <-- B */
    RECV(b, SYN);
    SEND(b, SYNACK);
    IS(b, SYN_RCVD, "Fig.8 line 7");
    RECV(a, SYNACK);
    IS(a, ESTABLISHED, "Fig.8 line 7");
    /* 8. A --> <SEQ=101><ACK=401><CTL=ACK> --> B */
    SEND(a, ACK);
    RECV(b, ACK);
    RECV(b, ACK_SYN);
    IS(a, ESTABLISHED, "Fig.8 line 8");
    IS(b, ESTABLISHED, "Fig.8 line 8");
}

Test(trace, half_open_connection_discovery_fig9)
{
    /* 2. A CLOSED (rebooted), B ESTABLISHED */
    enum ts_state a = TS_CLOSED, b = TS_ESTABLISHED;
    /* 3. A --> <SEQ=400><CTL=SYN> --> B: B, synchronized, acknowledges (3.10.7.4 first/fourth) */
    SEND(a, SYN);
    IS(a, SYN_SENT, "Fig.9 line 3");
    RECV(b, SYN);
    IS(b, ESTABLISHED, "Fig.9 line 3");
    /* 4. A <-- <SEQ=300><ACK=100><CTL=ACK> <-- B: not an ACK of A's SYN */
    SEND(b, ACK);
    RECV(a, ACK);
    IS(a, SYN_SENT, "Fig.9 line 4");
    /* 5. A --> <SEQ=100><CTL=RST> --> B (Abort!!) */
    SEND(a, RST);
    IS(a, SYN_SENT, "Fig.9 line 5 (A sent the RST)");
    RECV(b, RST);
    IS(b, CLOSED, "Fig.9 line 6");
    /* 7. A --> <SEQ=400><CTL=SYN> --> : A keeps trying */
    SEND(a, SYN);
    IS(a, SYN_SENT, "Fig.9 line 7");
}

Test(trace, active_side_causes_half_open_discovery_fig10)
{
    enum ts_state a = TS_CLOSED, b = TS_ESTABLISHED;
    /* 2. (??) <-- <SEQ=300><ACK=100><DATA=10><CTL=ACK> <-- B */
    SEND(b, ACK);
    RECV(a, ACK);
    IS(a, CLOSED, "Fig.10 line 2 (3.10.7.1)");
    /* 3. --> <SEQ=100><CTL=RST> --> (ABORT!!) */
    SEND(a, RST);
    IS(a, CLOSED, "Fig.10 line 3");
    RECV(b, RST);
    IS(b, CLOSED, "Fig.10 line 3");
}

Test(trace, midstream_capture)
{
    /* Both UNKNOWN; the first segment seen is data with ACK from b. [E][I] */
    enum ts_state a = TS_UNKNOWN, b = TS_UNKNOWN;
    SEND(b, ACK);
    RECV(a, ACK);
    IS(a, ESTABLISHED, "midstream");
    IS(b, ESTABLISHED, "midstream");
    SEND(a, FIN);
    RECV(b, ACK);
    RECV(b, FIN);
    SEND(b, ACK);
    RECV(a, ACK);
    RECV(a, ACK_FIN);
    IS(a, FIN_WAIT_2, "midstream close");
    IS(b, CLOSE_WAIT, "midstream close");
}
