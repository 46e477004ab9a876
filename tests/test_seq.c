/* test_seq.c - sequence bookkeeping (src/tcp_seq.h): wraparound-safe
 * comparisons, the translation of a segment into send and receive events
 * (with the RST verdict), the sender's accounting, and the per-endpoint queue
 * of received events whose moment of arrival the receiver's ACKs tell.
 *
 * Every expected value comes from the RFC text cited next to it (RFC 9293,
 * RFC 1982 serial arithmetic, RFC 5961 blind-reset protection, RFC 7323
 * window scaling) or from the observer's rule of SPEC.md, never from running
 * the code. Segment numbers follow the RFC 9293 figures where one applies
 * (A's ISN 100, B's ISN 300).
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "decode.h"
#include "flow.h"
#include "tcp_fsm.h"
#include "tcp_seq.h"

/* ------------------------------------------------------------- helpers */

static struct ts_tcp seg(uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
    struct ts_tcp t;
    memset(&t, 0, sizeof t);
    t.sport = 40000;
    t.dport = 80;
    t.flags = flags;
    t.seq = seq;
    t.ack = ack;
    t.payload_len = len;
    t.hdr_len = 20;
    t.win = 65535;
    t.wscale = TS_OPT_ABSENT;
    return t;
}

static struct ts_endpoint ep(enum ts_state st)
{
    struct ts_endpoint e;
    memset(&e, 0, sizeof e);
    e.state = (uint8_t)st;
    return e;
}

/* An endpoint that sent its SYN with initial sequence number isn and has
 * sent everything before nxt. */
static struct ts_endpoint ep_isn(enum ts_state st, uint32_t isn, uint32_t nxt)
{
    struct ts_endpoint e = ep(st);
    e.flags = TS_EP_SEEN | TS_EP_ISN | TS_EP_NXT | TS_EP_SENT_SYN;
    e.isn = isn;
    e.snd_nxt = nxt;
    return e;
}

/* The index of receive event e in ev, or -1. */
static int find(const struct ts_seg_events *ev, enum ts_recv_event e)
{
    for (int i = 0; i < ev->nrecv; i++)
        if (ev->recv[i].event == e)
            return i;
    return -1;
}

static const char *rname(unsigned e)
{
    return ts_recv_event_name((enum ts_recv_event)e);
}

/* The receive events, exactly and in order. */
static void expect_events(const struct ts_seg_events *ev, const enum ts_recv_event *want,
                          int n, const char *what)
{
    cr_expect_eq(ev->nrecv, n, "%s: %d receive events, expected %d (first: %s)", what,
                 ev->nrecv, n, ev->nrecv ? rname(ev->recv[0].event) : "-");
    for (int i = 0; i < n && i < ev->nrecv; i++)
        cr_expect_eq(ev->recv[i].event, want[i], "%s: event %d is %s, expected %s", what, i,
                     rname(ev->recv[i].event), rname(want[i]));
}

#define EVENTS(ev, what, ...)                                                                \
    do {                                                                                     \
        const enum ts_recv_event w_[] = {__VA_ARGS__};                                       \
        expect_events((ev), w_, (int)(sizeof w_ / sizeof w_[0]), (what));                    \
    } while (0)

/* ---------------------------------------------- wraparound comparisons
 *
 * RFC 9293 3.4: "all arithmetic dealing with sequence numbers must be
 * performed modulo 2^32"; 3.10: "'=<' means less than or equal to (modulo
 * 2^32)". RFC 1982 3.2: s1 < s2 iff (i1 < i2 and i2 - i1 < 2^31) or
 * (i1 > i2 and i1 - i2 > 2^31); s1 > s2 symmetrically; at a distance of
 * exactly 2^31 the comparison is undefined ("implementations are free to
 * return either result"), so no test asserts that case. */

static void order(uint32_t a, uint32_t b)
{
    /* a is before b (a < b in serial arithmetic). */
    cr_expect(ts_seq_lt(a, b), "lt(%#x, %#x)", a, b);
    cr_expect(ts_seq_leq(a, b), "leq(%#x, %#x)", a, b);
    cr_expect(!ts_seq_gt(a, b), "!gt(%#x, %#x)", a, b);
    cr_expect(!ts_seq_geq(a, b), "!geq(%#x, %#x)", a, b);
    cr_expect(ts_seq_gt(b, a), "gt(%#x, %#x)", b, a);
    cr_expect(ts_seq_geq(b, a), "geq(%#x, %#x)", b, a);
    cr_expect(!ts_seq_lt(b, a), "!lt(%#x, %#x)", b, a);
    cr_expect(!ts_seq_leq(b, a), "!leq(%#x, %#x)", b, a);
}

static void equal(uint32_t a)
{
    cr_expect(!ts_seq_lt(a, a) && !ts_seq_gt(a, a), "%#x vs itself", a);
    cr_expect(ts_seq_leq(a, a) && ts_seq_geq(a, a), "%#x vs itself", a);
}

Test(seq_cmp, plain)
{
    order(0, 1);
    order(100, 101);
    order(1000, 5000);
    equal(0);
    equal(101);
    equal(0xFFFFFFFFu);
    equal(0x80000000u);
}

Test(seq_cmp, around_zero)
{
    /* 2^32 - 1 is followed by 0 (modulo 2^32). */
    order(0xFFFFFFFFu, 0);
    order(0xFFFFFFFFu, 1);
    order(0xFFFFFFF0u, 0x10);
    order(0xFFFFFF00u, 0x00000100u);
    order(0xFFFFFFFFu - 1000, 1000);
}

Test(seq_cmp, around_half_the_space)
{
    /* Distance 2^31 - 1: still ordered the "short way". */
    order(0, 0x7FFFFFFFu);
    order(0x80000000u, 0xFFFFFFFFu);
    order(0x7FFFFFFFu, 0xFFFFFFFEu);
    order(1, 0x80000000u);
    /* Distance 2^31 + 1: the short way round is the other way. RFC 1982:
     * 0 vs 0x80000001, i2 - i1 = 2^31 + 1 > 2^31, so 0 > 0x80000001. */
    order(0x80000001u, 0);
    order(0xFFFFFFFFu, 0x7FFFFFFEu);
    order(0x80000002u, 1);
    /* Around 2^31 itself: neighbours of 0x80000000. */
    order(0x7FFFFFFFu, 0x80000000u);
    order(0x80000000u, 0x80000001u);
}

/* ------------------------------------------------------- classification */

Test(seq_classify, bare_syn)
{
    /* Fig.6 line 2: A --> <SEQ=100><CTL=SYN> --> B. 3.4: "When a SYN is
     * present, then SEG.SEQ is the sequence number of the SYN"; 3.10.7.2
     * third: RCV.NXT = SEG.SEQ+1, so B's ACK of it is 101 (Fig.6 line 3).
     * A SYN counts as received when the receiver's ACK covers it. */
    struct ts_endpoint a = ep(TS_CLOSED), b = ep(TS_LISTEN);
    struct ts_tcp t = seg(TS_TH_SYN, 100, 0, 0);
    struct ts_seg_events ev;
    ts_seq_classify(&a, &b, &t, &ev);
    cr_expect_eq(ev.send, TS_SEND_SYN);
    EVENTS(&ev, "bare SYN", TS_RECV_SYN);
    cr_expect_eq(ev.recv[0].needs_ack, 1);
    cr_expect_eq(ev.recv[0].ack_point, 101u);
    cr_expect_not(ev.has_ack, "a SYN without the ACK bit acknowledges nothing (3.1)");
    cr_expect_eq(ev.rst, TS_RST_NONE);
    cr_expect_not(ev.bad_synack);
}

Test(seq_classify, synack_acking_isn_plus_1)
{
    /* Fig.6 line 3: A <-- <SEQ=300><ACK=101><CTL=SYN,ACK> <-- B. 3.10.7.3
     * first: in SYN-SENT SND.UNA = ISS = 100, SND.NXT = 101, the ACK is
     * acceptable if SND.UNA < SEG.ACK =< SND.NXT: 101 is. */
    struct ts_endpoint a = ep_isn(TS_SYN_SENT, 100, 101), b = ep(TS_LISTEN);
    struct ts_tcp t = seg(TS_TH_SYN | TS_TH_ACK, 300, 101, 0);
    struct ts_seg_events ev;
    ts_seq_classify(&b, &a, &t, &ev);
    cr_expect_eq(ev.send, TS_SEND_SYNACK);
    EVENTS(&ev, "SYN-ACK", TS_RECV_SYNACK);
    cr_expect_eq(ev.recv[0].needs_ack, 1, "a SYN counts when the receiver's ACK covers it");
    cr_expect_eq(ev.recv[0].ack_point, 301u, "B's SYN occupies 300, A acknowledges 301");
    cr_expect(ev.has_ack);
    cr_expect_eq(ev.ack, 101u);
    cr_expect_not(ev.bad_synack);
    cr_expect_eq(ev.rst, TS_RST_NONE);
}

Test(seq_classify, synack_with_wrong_ack)
{
    /* Fig.8 line 4: A <-- <SEQ=300><ACK=91><CTL=SYN,ACK>: 3.10.7.3 first: "If
     * SEG.ACK =< ISS or SEG.ACK > SND.NXT, send a reset ... and discard the
     * segment": A receives nothing. 91 (old duplicate), 100 (= ISS), 102
     * (> SND.NXT) are all unacceptable. */
    const uint32_t acks[] = {91, 100, 102, 0x80000000u};
    for (size_t i = 0; i < sizeof acks / sizeof acks[0]; i++) {
        struct ts_endpoint a = ep_isn(TS_SYN_SENT, 100, 101), b = ep(TS_LISTEN);
        struct ts_tcp t = seg(TS_TH_SYN | TS_TH_ACK, 300, acks[i], 0);
        struct ts_seg_events ev;
        ts_seq_classify(&b, &a, &t, &ev);
        cr_expect_eq(ev.send, TS_SEND_SYNACK, "ack %u", acks[i]);
        cr_expect(ev.bad_synack, "ack %u is not acceptable in SYN-SENT", acks[i]);
        cr_expect_eq(ev.nrecv, 0, "ack %u: the segment is discarded", acks[i]);
    }
}

Test(seq_classify, synack_acking_data_sent_on_the_syn)
{
    /* A's SYN carried 50 octets (TCP Fast Open): ISS = 1000, SND.NXT = 1051
     * (3.4: the SYN occupies 1000, the data 1001..1050). 3.10.7.3 first: "If
     * SND.UNA < SEG.ACK =< SND.NXT, then the ACK is acceptable. Some deployed
     * TCP code has used the check SEG.ACK == SND.NXT ... but this is not
     * appropriate when the stack is capable of sending data on the SYN
     * because the TCP peer may not accept and acknowledge all of the data on
     * the SYN." So a SYN-ACK acknowledging 1001 (SYN only), 1030 (part) or
     * 1051 (all the data) is acceptable and is A's SYN-ACK; 1052 is not. */
    const uint32_t good[] = {1001, 1030, 1051};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        struct ts_endpoint a = ep_isn(TS_SYN_SENT, 1000, 1051), b = ep(TS_LISTEN);
        struct ts_tcp t = seg(TS_TH_SYN | TS_TH_ACK, 300, good[i], 0);
        struct ts_seg_events ev;
        ts_seq_classify(&b, &a, &t, &ev);
        cr_expect_not(ev.bad_synack, "SYN-ACK with ack %u after a SYN carrying 50 octets "
                                     "(ISS 1000, SND.NXT 1051) is acceptable (3.10.7.3)",
                      good[i]);
        cr_expect_eq(find(&ev, TS_RECV_SYNACK), 0, "ack %u: RECV_SYNACK expected", good[i]);
    }
    struct ts_endpoint a = ep_isn(TS_SYN_SENT, 1000, 1051), b = ep(TS_LISTEN);
    struct ts_tcp t = seg(TS_TH_SYN | TS_TH_ACK, 300, 1052, 0);
    struct ts_seg_events ev;
    ts_seq_classify(&b, &a, &t, &ev);
    cr_expect(ev.bad_synack, "ack 1052 > SND.NXT 1051");
    cr_expect_eq(ev.nrecv, 0);
}

Test(seq_classify, third_handshake_ack)
{
    /* Fig.6 line 4: A --> <SEQ=101><ACK=301><CTL=ACK> --> B. 3.10.7.4 fifth,
     * SYN-RECEIVED: "If SND.UNA < SEG.ACK =< SND.NXT, then enter ESTABLISHED"
     * (B's ISS 300, SND.NXT 301). An ACK counts as soon as it arrives: no
     * ACK from B is needed to prove it. */
    struct ts_endpoint a = ep_isn(TS_ESTABLISHED, 100, 101);
    struct ts_endpoint b = ep_isn(TS_SYN_RCVD, 300, 301);
    struct ts_tcp t = seg(TS_TH_ACK, 101, 301, 0);
    struct ts_seg_events ev;
    ts_seq_classify(&a, &b, &t, &ev);
    cr_expect_eq(ev.send, TS_SEND_ACK);
    EVENTS(&ev, "third ACK", TS_RECV_ACK, TS_RECV_ACK_SYN);
    for (int i = 0; i < ev.nrecv; i++)
        cr_expect_eq(ev.recv[i].needs_ack, 0, "%s needs no proof", rname(ev.recv[i].event));
    cr_expect(ev.has_ack);
    cr_expect_eq(ev.ack, 301u);
    cr_expect_eq(ev.rst, TS_RST_NONE);
}

Test(seq_classify, third_ack_after_synack_with_data)
{
    /* B's SYN,ACK carried 10 octets ("it is legal to send and receive
     * application data on SYN segments", 3.10.7.3): B's ISS 300, SND.NXT 311.
     * A acknowledges everything: ACK 311. 3.10.7.4 fifth, SYN-RECEIVED: 300 <
     * 311 =< 311, "enter ESTABLISHED": the segment carries the event that
     * completes SYN-RECEIVED (RECV_ACK_SYN: it acknowledges B's SYN). */
    struct ts_endpoint a = ep_isn(TS_ESTABLISHED, 100, 101);
    struct ts_endpoint b = ep_isn(TS_SYN_RCVD, 300, 311);
    struct ts_tcp t = seg(TS_TH_ACK, 101, 311, 0);
    struct ts_seg_events ev;
    ts_seq_classify(&a, &b, &t, &ev);
    cr_expect_eq(find(&ev, TS_RECV_ACK), 0);
    cr_expect_neq(find(&ev, TS_RECV_ACK_SYN), -1,
                  "ACK 311 of a SYN,ACK carrying 10 octets acknowledges the SYN "
                  "(SND.UNA 300 < 311 =< SND.NXT 311): SYN-RECEIVED -> ESTABLISHED");
    cr_expect_eq(ts_fsm_recv(TS_SYN_RCVD, TS_RECV_ACK), TS_SYN_RCVD,
                 "the plain ACK alone does not complete SYN-RECEIVED");
}

Test(seq_classify, data)
{
    /* Fig.6 line 5, later in the connection: A sends 20 octets at 101 while B
     * has sent 50 (B's SND.NXT 351); A acknowledges them (ACK 351). Data is
     * no control: only the ACK event. */
    struct ts_endpoint a = ep_isn(TS_ESTABLISHED, 100, 101);
    struct ts_endpoint b = ep_isn(TS_ESTABLISHED, 300, 351);
    struct ts_tcp t = seg(TS_TH_ACK | TS_TH_PSH, 101, 351, 20);
    struct ts_seg_events ev;
    ts_seq_classify(&a, &b, &t, &ev);
    cr_expect_eq(ev.send, TS_SEND_ACK);
    EVENTS(&ev, "data", TS_RECV_ACK);
    cr_expect_eq(ev.recv[0].needs_ack, 0);
    cr_expect(ev.has_ack);
    cr_expect_eq(ev.ack, 351u);
    cr_expect_not(ev.bad_synack);
}

Test(seq_classify, data_without_ack_bit)
{
    /* 3.10.7.4 fifth: "if the ACK bit is off, drop the segment and return". */
    struct ts_endpoint a = ep_isn(TS_ESTABLISHED, 100, 101);
    struct ts_endpoint b = ep_isn(TS_ESTABLISHED, 300, 351);
    struct ts_tcp t = seg(TS_TH_PSH, 101, 0, 20);
    struct ts_seg_events ev;
    ts_seq_classify(&a, &b, &t, &ev);
    cr_expect_eq(ev.nrecv, 0);
    cr_expect_not(ev.has_ack);
}

Test(seq_classify, fin)
{
    /* A closes with its last 5 octets: <SEQ=121><ACK=351><CTL=FIN,ACK>, 5
     * octets. 3.4: "the FIN is considered to occur after the last actual data
     * octet in a segment", so the FIN is 126; 3.10.7.4 eighth: the receiver
     * "advance[s] RCV.NXT over the FIN, and send[s] an acknowledgment for the
     * FIN": its ACK is 127 = seq + len + 1 (Fig.12: FIN at 100, ACK 101).
     * The ACK field is processed first (fifth step before eighth). */
    struct ts_endpoint a = ep_isn(TS_ESTABLISHED, 100, 121);
    struct ts_endpoint b = ep_isn(TS_ESTABLISHED, 300, 351);
    struct ts_tcp t = seg(TS_TH_FIN | TS_TH_ACK, 121, 351, 5);
    struct ts_seg_events ev;
    ts_seq_classify(&a, &b, &t, &ev);
    cr_expect_eq(ev.send, TS_SEND_FIN);
    EVENTS(&ev, "FIN", TS_RECV_ACK, TS_RECV_FIN);
    int i = find(&ev, TS_RECV_FIN);
    cr_assert_neq(i, -1);
    cr_expect_eq(ev.recv[i].needs_ack, 1, "a FIN counts when the receiver's ACK covers it");
    cr_expect_eq(ev.recv[i].ack_point, 127u, "121 + 5 + 1");
    cr_expect_eq(ev.recv[0].needs_ack, 0);

    /* A bare FIN,ACK (no data): Fig.12 line 2 <SEQ=100><ACK=300><CTL=FIN,ACK>. */
    struct ts_endpoint a2 = ep_isn(TS_ESTABLISHED, 99, 100);
    struct ts_endpoint b2 = ep_isn(TS_ESTABLISHED, 299, 300);
    struct ts_tcp t2 = seg(TS_TH_FIN | TS_TH_ACK, 100, 300, 0);
    ts_seq_classify(&a2, &b2, &t2, &ev);
    i = find(&ev, TS_RECV_FIN);
    cr_assert_neq(i, -1);
    cr_expect_eq(ev.recv[i].ack_point, 101u, "Fig.12 line 3: ACK=101");
    cr_expect_eq(find(&ev, TS_RECV_ACK_FIN), -1, "B has sent no FIN");
}

Test(seq_classify, fin_without_ack_bit_is_dropped)
{
    /* A FIN with the ACK bit off (a "FIN scan"): no state processes it.
     * 3.10.7.1 CLOSED: answered with a RST; 3.10.7.2 LISTEN fourth: "Any other
     * control or data-bearing segment (not containing SYN) must have an ACK
     * and thus would have been discarded"; 3.10.7.3 SYN-SENT fifth: dropped;
     * 3.10.7.4 fifth: "if the ACK bit is off, drop the segment and return"
     * (before the FIN bit is looked at, eighth). The receiver never receives
     * that FIN. */
    struct ts_endpoint a = ep_isn(TS_ESTABLISHED, 100, 101);
    struct ts_endpoint b = ep_isn(TS_ESTABLISHED, 300, 301);
    struct ts_tcp t = seg(TS_TH_FIN, 101, 0, 0);
    struct ts_seg_events ev;
    ts_seq_classify(&a, &b, &t, &ev);
    cr_expect_eq(find(&ev, TS_RECV_FIN), -1,
                 "a FIN without ACK is dropped by the receiver (3.10.7.4 fifth): no RECV_FIN");
    cr_expect_eq(ev.nrecv, 0);
}

Test(seq_classify, fin_ack_covering_the_peers_fin)
{
    /* B closed first (its FIN at 351, SND.NXT 352). A answers with one
     * segment <SEQ=121><ACK=352><CTL=FIN,ACK>. 3.10.7.4 fifth (ACK field:
     * B's FIN acknowledged, FIN-WAIT-1 -> FIN-WAIT-2) comes before eighth (FIN
     * bit: "If our FIN has been ACKed (perhaps in this segment), then enter
     * TIME-WAIT"): the ACK events come before the FIN event. */
    struct ts_endpoint a = ep_isn(TS_CLOSE_WAIT, 100, 121);
    struct ts_endpoint b = ep_isn(TS_FIN_WAIT_1, 300, 352);
    b.flags |= TS_EP_FIN;
    b.fin_seq = 351;
    struct ts_tcp t = seg(TS_TH_FIN | TS_TH_ACK, 121, 352, 0);
    struct ts_seg_events ev;
    ts_seq_classify(&a, &b, &t, &ev);
    cr_expect_eq(ev.send, TS_SEND_FIN);
    EVENTS(&ev, "FIN+ACK of FIN", TS_RECV_ACK, TS_RECV_ACK_FIN, TS_RECV_FIN);
    int af = find(&ev, TS_RECV_ACK_FIN), f = find(&ev, TS_RECV_FIN);
    cr_assert(af >= 0 && f >= 0);
    cr_expect_lt(af, f, "the ACK of our FIN is processed before the peer's FIN");
    cr_expect_eq(ev.recv[af].needs_ack, 0);
    cr_expect_eq(ev.recv[f].needs_ack, 1);
    cr_expect_eq(ev.recv[f].ack_point, 122u);
}

Test(seq_classify, ack_not_covering_the_fin)
{
    /* Fig.13 line 2: B's FIN,ACK carries ACK=100, A's FIN is 100: it is
     * acknowledged only by 101 ("fully acknowledged if the sum of its sequence
     * number and length is less than or equal to the acknowledgment value",
     * 3.4). No ACK of the FIN. */
    struct ts_endpoint a = ep_isn(TS_FIN_WAIT_1, 50, 101);
    a.flags |= TS_EP_FIN;
    a.fin_seq = 100;
    struct ts_endpoint b = ep_isn(TS_FIN_WAIT_1, 250, 301);
    b.flags |= TS_EP_FIN;
    b.fin_seq = 300;
    struct ts_tcp t = seg(TS_TH_FIN | TS_TH_ACK, 300, 100, 0);
    struct ts_seg_events ev;
    ts_seq_classify(&b, &a, &t, &ev);
    EVENTS(&ev, "simultaneous FIN", TS_RECV_ACK, TS_RECV_FIN);

    /* An ACK beyond what was sent does not acknowledge the FIN: 3.10.7.4
     * fifth "If the ACK acks something not yet sent (SEG.ACK > SND.NXT), then
     * send an ACK, drop the segment". */
    struct ts_tcp t2 = seg(TS_TH_ACK, 301, 102, 0);
    ts_seq_classify(&b, &a, &t2, &ev);
    cr_expect_eq(find(&ev, TS_RECV_ACK_FIN), -1, "ACK 102 > SND.NXT 101");

    /* ACK 101 does. */
    struct ts_tcp t3 = seg(TS_TH_ACK, 301, 101, 0);
    ts_seq_classify(&b, &a, &t3, &ev);
    cr_expect_neq(find(&ev, TS_RECV_ACK_FIN), -1, "ACK 101 covers the FIN at 100");
}

/* ----------------------------------------------------------------- RST
 *
 * The send event of a RST (tcp_seq.h): TS_SEND_RST only when the receiver
 * accepts it. A RST the receiver drops or challenges (RFC 5961 3: the blind
 * reset attack) is no evidence that its claimed sender aborted: TS_SEND_NONE.
 */

Test(seq_rst, syn_sent_with_correct_ack)
{
    /* 3.10.7.3: the RST,ACK answering A's SYN (3.10.7.1: <SEQ=0><ACK=SEG.SEQ+
     * SEG.LEN><CTL=RST,ACK>, here ACK 101) has an acceptable ACK: "If the ACK
     * was acceptable ... enter CLOSED state" (3.5.3: acceptable if the ACK
     * field acknowledges the SYN). */
    struct ts_endpoint a = ep_isn(TS_SYN_SENT, 100, 101), b = ep(TS_LISTEN);
    struct ts_tcp t = seg(TS_TH_RST | TS_TH_ACK, 0, 101, 0);
    struct ts_seg_events ev;
    ts_seq_classify(&b, &a, &t, &ev);
    cr_expect_eq(ev.send, TS_SEND_RST);
    cr_expect_eq(ev.rst, TS_RST_ACCEPTED);
    EVENTS(&ev, "RST in SYN-SENT", TS_RECV_RST);
    cr_expect_eq(ev.recv[0].needs_ack, 0);
}

Test(seq_rst, syn_sent_with_wrong_ack)
{
    /* 3.10.7.3 first: "If SEG.ACK =< ISS or SEG.ACK > SND.NXT, send a reset
     * (unless the RST bit is set, if so drop the segment and return)". */
    const uint32_t acks[] = {100, 102, 150, 91};
    for (size_t i = 0; i < sizeof acks / sizeof acks[0]; i++) {
        struct ts_endpoint a = ep_isn(TS_SYN_SENT, 100, 101), b = ep(TS_LISTEN);
        struct ts_tcp t = seg(TS_TH_RST | TS_TH_ACK, 0, acks[i], 0);
        struct ts_seg_events ev;
        ts_seq_classify(&b, &a, &t, &ev);
        cr_expect_eq(ev.rst, TS_RST_UNACCEPTABLE, "ack %u", acks[i]);
        cr_expect_eq(ev.nrecv, 0, "ack %u: dropped", acks[i]);
        cr_expect_eq(ev.send, TS_SEND_NONE, "ack %u: a rejected RST is no evidence", acks[i]);
    }
}

Test(seq_rst, syn_sent_without_ack)
{
    /* 3.10.7.3 second: "If the ACK was acceptable, then ... enter CLOSED
     * state ... Otherwise (no ACK), drop the segment and return." */
    struct ts_endpoint a = ep_isn(TS_SYN_SENT, 100, 101), b = ep(TS_LISTEN);
    struct ts_tcp t = seg(TS_TH_RST, 0, 0, 0);
    struct ts_seg_events ev;
    ts_seq_classify(&b, &a, &t, &ev);
    cr_expect_eq(ev.rst, TS_RST_UNACCEPTABLE);
    cr_expect_eq(ev.nrecv, 0);
    cr_expect_eq(ev.send, TS_SEND_NONE);
    /* Even one whose sequence number looks right. */
    struct ts_tcp t2 = seg(TS_TH_RST, 101, 0, 0);
    ts_seq_classify(&b, &a, &t2, &ev);
    cr_expect_eq(ev.rst, TS_RST_UNACCEPTABLE);
    cr_expect_eq(ev.nrecv, 0);
}

Test(seq_rst, syn_sent_after_syn_with_data)
{
    /* A's SYN carried 50 octets (ISS 1000, SND.NXT 1051). 3.10.7.3 first: the
     * ACK is acceptable if SND.UNA < SEG.ACK =< SND.NXT, and a RST with an
     * acceptable ACK closes SYN-SENT (second). A peer without a connection
     * answers <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> (3.10.7.1), SEG.LEN =
     * 1 + 50 (3.4): ACK 1051. */
    const uint32_t acks[] = {1001, 1051};
    for (size_t i = 0; i < sizeof acks / sizeof acks[0]; i++) {
        struct ts_endpoint a = ep_isn(TS_SYN_SENT, 1000, 1051), b = ep(TS_LISTEN);
        struct ts_tcp t = seg(TS_TH_RST | TS_TH_ACK, 0, acks[i], 0);
        struct ts_seg_events ev;
        ts_seq_classify(&b, &a, &t, &ev);
        cr_expect_eq(ev.rst, TS_RST_ACCEPTED,
                     "RST,ACK %u answering a SYN with 50 octets (SND.NXT 1051) is acceptable "
                     "(3.10.7.3)", acks[i]);
        cr_expect_eq(find(&ev, TS_RECV_RST), 0, "ack %u", acks[i]);
    }
}

/* An established pair for the RFC 5961 checks: the sender A has sent up to
 * 5000 (SND.NXT), the receiver B's latest ACK is 4000 (its RCV.NXT as last
 * seen) with a window of 8192. */
static void established_pair(struct ts_endpoint *a, struct ts_endpoint *b)
{
    *a = ep_isn(TS_ESTABLISHED, 100, 5000);
    a->flags |= TS_EP_ACKED;
    a->last_ack = 301;
    *b = ep_isn(TS_ESTABLISHED, 300, 301);
    b->flags |= TS_EP_ACKED;
    b->last_ack = 4000;
    b->win = 8192;
}

static enum ts_rst_verdict rst_at(uint32_t seq, uint8_t extra_flags, struct ts_seg_events *ev)
{
    struct ts_endpoint a, b;
    established_pair(&a, &b);
    struct ts_tcp t = seg(TS_TH_RST | extra_flags, seq, 0, 0);
    ts_seq_classify(&a, &b, &t, ev);
    return (enum ts_rst_verdict)ev->rst;
}

Test(seq_rst, exactly_at_snd_nxt_is_accepted)
{
    /* 3.10.5 ABORT sends <SEQ=SND.NXT><CTL=RST>; with everything received,
     * the receiver's RCV.NXT is the sender's SND.NXT. RFC 5961 3.2 / RFC 9293
     * 3.10.7.4 second (2): "If the RST bit is set and the sequence number
     * exactly matches the next expected sequence number (RCV.NXT), then TCP
     * endpoints MUST reset the connection". */
    struct ts_seg_events ev;
    cr_expect_eq(rst_at(5000, 0, &ev), TS_RST_ACCEPTED);
    EVENTS(&ev, "RST at SND.NXT", TS_RECV_RST);
    cr_expect_eq(ev.send, TS_SEND_RST);
    cr_expect_eq(rst_at(5000, TS_TH_ACK, &ev), TS_RST_ACCEPTED, "with the ACK bit too");
}

Test(seq_rst, equal_to_the_receivers_last_ack_is_accepted)
{
    /* The receiver's latest ACK is its RCV.NXT (3.10.7.4 seventh: <SEQ=SND.NXT>
     * <ACK=RCV.NXT>); a host without connection answers that ACK with
     * <SEQ=SEG.ACK><CTL=RST> (3.10.7.1), exactly RCV.NXT: reset (RFC 5961 3.2). */
    struct ts_seg_events ev;
    cr_expect_eq(rst_at(4000, 0, &ev), TS_RST_ACCEPTED);
    EVENTS(&ev, "RST at last ACK", TS_RECV_RST);
}

Test(seq_rst, in_window_but_not_exact_draws_a_challenge)
{
    /* RFC 5961 3.2 / RFC 9293 3.10.7.4 second (3): "If the RST bit is set and
     * the sequence number does not exactly match the next expected sequence
     * value, yet is within the current receive window, TCP endpoints MUST
     * send an acknowledgment (challenge ACK) ... and stop processing". The
     * window is RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND (3.4): 4000..12191. */
    const uint32_t seqs[] = {4001, 4999, 5001, 6000, 12191};
    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
        struct ts_seg_events ev;
        cr_expect_eq(rst_at(seqs[i], 0, &ev), TS_RST_CHALLENGE, "seq %u", seqs[i]);
        cr_expect_eq(ev.nrecv, 0, "seq %u: no RST event", seqs[i]);
        cr_expect_eq(ev.send, TS_SEND_NONE, "seq %u", seqs[i]);
    }
}

Test(seq_rst, outside_the_window_is_dropped)
{
    /* RFC 5961 3.2 / RFC 9293 3.10.7.4 second (1): "If the RST bit is set and
     * the sequence number is outside the current receive window, silently
     * drop the segment." 12192 = RCV.NXT + RCV.WND is the first one out. */
    const uint32_t seqs[] = {12192, 3999, 100000, 4000u + 0x7FFFFFFFu, 0};
    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
        struct ts_seg_events ev;
        cr_expect_eq(rst_at(seqs[i], 0, &ev), TS_RST_OUT_OF_WINDOW, "seq %u", seqs[i]);
        cr_expect_eq(ev.nrecv, 0, "seq %u: no RST event", seqs[i]);
        cr_expect_eq(ev.send, TS_SEND_NONE, "seq %u", seqs[i]);
    }
}

Test(seq_rst, scaled_window)
{
    /* RFC 7323 2.2/2.3: both sides sent the Window Scale option in their SYNs,
     * so B's window field 512 means 512 << 7 = 65536 octets: 4000 + 60000 is
     * inside the window (challenge). If only B offered scaling, scaling is not
     * in effect ("both sides MUST send Window Scale options in their <SYN>
     * segments to enable window scaling in either direction"): the window is
     * 512 and 64000 is out of it. */
    struct ts_endpoint a, b;
    struct ts_seg_events ev;
    established_pair(&a, &b);
    b.win = 512;
    b.wscale = 7;
    a.wscale = 7;
    b.flags |= TS_EP_WSCALE;
    a.flags |= TS_EP_WSCALE;
    struct ts_tcp t = seg(TS_TH_RST, 64000, 0, 0);
    ts_seq_classify(&a, &b, &t, &ev);
    cr_expect_eq(ev.rst, TS_RST_CHALLENGE, "inside 4000 + 65536");
    struct ts_tcp t2 = seg(TS_TH_RST, 4000 + 65536, 0, 0);
    ts_seq_classify(&a, &b, &t2, &ev);
    cr_expect_eq(ev.rst, TS_RST_OUT_OF_WINDOW, "first one past 4000 + 65536");

    a.flags &= (uint8_t)~TS_EP_WSCALE;
    ts_seq_classify(&a, &b, &t, &ev);
    cr_expect_eq(ev.rst, TS_RST_OUT_OF_WINDOW, "scaling needs both SYNs to offer it");
}

Test(seq_rst, window_of_a_syn_is_never_scaled)
{
    /* RFC 7323 2.2: "The window field in a segment where the SYN bit is set
     * (i.e., a <SYN> or <SYN,ACK>) MUST NOT be scaled." B's only segment so far
     * is its SYN,ACK with window 65160 (wscale 7 offered by both): B's receive
     * window is 65160 octets from its ACK 101, i.e. 101..65260. A RST from A
     * at 101 + 100000 is outside it. */
    struct ts_endpoint a = ep(TS_CLOSED), b = ep(TS_LISTEN);
    struct ts_tcp syn = seg(TS_TH_SYN, 100, 0, 0);
    syn.win = 64240;
    syn.wscale = 7;
    syn.mss = 1460;
    ts_seq_account(&a, &syn, 1000);
    a.state = TS_SYN_SENT;
    struct ts_tcp synack = seg(TS_TH_SYN | TS_TH_ACK, 300, 101, 0);
    synack.win = 65160;
    synack.wscale = 7;
    synack.mss = 1460;
    ts_seq_account(&b, &synack, 2000);
    b.state = TS_SYN_RCVD;
    cr_assert_eq(b.last_ack, 101u);

    struct ts_tcp rst = seg(TS_TH_RST, 101 + 100000, 0, 0);
    struct ts_seg_events ev;
    ts_seq_classify(&a, &b, &rst, &ev);
    cr_expect_eq(ev.rst, TS_RST_OUT_OF_WINDOW,
                 "window 65160 of a SYN,ACK is not scaled: seq 100101 is outside 101..65260");
    struct ts_tcp rst2 = seg(TS_TH_RST, 101 + 1000, 0, 0);
    ts_seq_classify(&a, &b, &rst2, &ev);
    cr_expect_eq(ev.rst, TS_RST_CHALLENGE, "seq 1101 is inside 101..65260");
}

/* ------------------------------------------------------- wraparound */

Test(seq_wrap, events_across_2_32)
{
    struct ts_seg_events ev;

    /* A bare SYN at 2^32 - 1: its ACK is 0 (3.4, modulo 2^32). */
    struct ts_endpoint a = ep(TS_CLOSED), b = ep(TS_LISTEN);
    struct ts_tcp syn = seg(TS_TH_SYN, 0xFFFFFFFFu, 0, 0);
    ts_seq_classify(&a, &b, &syn, &ev);
    EVENTS(&ev, "SYN at 2^32-1", TS_RECV_SYN);
    cr_expect_eq(ev.recv[0].ack_point, 0u);

    /* The SYN-ACK to it acknowledges 0 = ISS + 1: acceptable (3.10.7.3). */
    a = ep_isn(TS_SYN_SENT, 0xFFFFFFFFu, 0);
    struct ts_tcp synack = seg(TS_TH_SYN | TS_TH_ACK, 0xFFFFFFF0u, 0, 0);
    ts_seq_classify(&b, &a, &synack, &ev);
    cr_expect_not(ev.bad_synack);
    EVENTS(&ev, "SYN-ACK acking 0", TS_RECV_SYNACK);
    cr_expect_eq(ev.recv[0].ack_point, 0xFFFFFFF1u);

    /* The third ACK acknowledges B's SYN at 2^32 - 1 with 0. */
    struct ts_endpoint c = ep_isn(TS_ESTABLISHED, 1000, 1001);
    struct ts_endpoint d = ep_isn(TS_SYN_RCVD, 0xFFFFFFFFu, 0);
    struct ts_tcp ack = seg(TS_TH_ACK, 1001, 0, 0);
    ts_seq_classify(&c, &d, &ack, &ev);
    EVENTS(&ev, "third ACK acking 0", TS_RECV_ACK, TS_RECV_ACK_SYN);

    /* A FIN after 10 octets starting at 2^32 - 6: the FIN is 4, its ACK 5. */
    struct ts_endpoint e = ep_isn(TS_ESTABLISHED, 0xFFFFF000u, 0xFFFFFFFAu);
    struct ts_endpoint f = ep_isn(TS_ESTABLISHED, 300, 301);
    struct ts_tcp fin = seg(TS_TH_FIN | TS_TH_ACK, 0xFFFFFFFAu, 301, 10);
    ts_seq_classify(&e, &f, &fin, &ev);
    int i = find(&ev, TS_RECV_FIN);
    cr_assert_neq(i, -1);
    cr_expect_eq(ev.recv[i].ack_point, 5u);

    /* The ACK of a FIN at 2^32 - 1 is 0 (and not 2^32 - 1). */
    struct ts_endpoint g = ep_isn(TS_FIN_WAIT_1, 0xFFFF0000u, 0);
    g.flags |= TS_EP_FIN;
    g.fin_seq = 0xFFFFFFFFu;
    struct ts_endpoint h = ep_isn(TS_CLOSE_WAIT, 300, 301);
    struct ts_tcp ack0 = seg(TS_TH_ACK, 301, 0, 0);
    ts_seq_classify(&h, &g, &ack0, &ev);
    cr_expect_neq(find(&ev, TS_RECV_ACK_FIN), -1, "ACK 0 covers the FIN at 2^32-1");
    struct ts_tcp ackm1 = seg(TS_TH_ACK, 301, 0xFFFFFFFFu, 0);
    ts_seq_classify(&h, &g, &ackm1, &ev);
    cr_expect_eq(find(&ev, TS_RECV_ACK_FIN), -1, "ACK 2^32-1 does not cover it");
}

Test(seq_wrap, rst_window_across_2_32)
{
    /* RCV.NXT = 2^32 - 256, RCV.WND = 4096: the window is 0xFFFFFF00 ..
     * 0x00000EFF (3.4 modulo 2^32). RFC 5961 3.2. */
    struct ts_endpoint a = ep(TS_ESTABLISHED), b = ep(TS_ESTABLISHED);
    b.flags = TS_EP_SEEN | TS_EP_ACKED;
    b.last_ack = 0xFFFFFF00u;
    b.win = 4096;
    struct ts_seg_events ev;
    struct {
        uint32_t seq;
        enum ts_rst_verdict v;
    } cases[] = {
        {0xFFFFFF00u, TS_RST_ACCEPTED},   {0xFFFFFFFFu, TS_RST_CHALLENGE},
        {0x00000000u, TS_RST_CHALLENGE},  {0x00000100u, TS_RST_CHALLENGE},
        {0x00000EFFu, TS_RST_CHALLENGE},  {0x00000F00u, TS_RST_OUT_OF_WINDOW},
        {0xFFFFFEFFu, TS_RST_OUT_OF_WINDOW},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ts_tcp t = seg(TS_TH_RST, cases[i].seq, 0, 0);
        ts_seq_classify(&a, &b, &t, &ev);
        cr_expect_eq(ev.rst, cases[i].v, "seq %#x: verdict %d, expected %d", cases[i].seq,
                     ev.rst, cases[i].v);
    }
    /* The sender's SND.NXT past the wrap is exact too. */
    a.flags = TS_EP_SEEN | TS_EP_NXT;
    a.snd_nxt = 0x00000010u;
    struct ts_tcp t = seg(TS_TH_RST, 0x00000010u, 0, 0);
    ts_seq_classify(&a, &b, &t, &ev);
    cr_expect_eq(ev.rst, TS_RST_ACCEPTED);
}

/* ------------------------------------------------------------ accounting */

Test(seq_account, isn_and_next_sequence_through_a_connection)
{
    struct ts_endpoint a = ep(TS_CLOSED);
    /* Fig.6 line 2: <SEQ=100><CTL=SYN>: ISN 100 (3.1: "If SYN is set, the
     * sequence number is the initial sequence number (ISN) and the first data
     * octet is ISN+1"); OPEN sets SND.NXT to ISS+1 (3.10.1). */
    struct ts_tcp syn = seg(TS_TH_SYN, 100, 0, 0);
    syn.mss = 1460;
    cr_expect_not(ts_seq_account(&a, &syn, 1000));
    cr_expect(a.flags & TS_EP_ISN);
    cr_expect_eq(a.isn, 100u);
    cr_expect(a.flags & TS_EP_NXT);
    cr_expect_eq(a.snd_nxt, 101u);
    cr_expect_eq(a.syn, 1u);
    cr_expect_eq(a.packets, 1u);
    cr_expect_eq(a.retransmits, 0u);
    cr_expect_eq(a.mss, 1460, "3.7.1: the MSS option of its SYN");

    /* Fig.6 line 4: <SEQ=101><ACK=301><CTL=ACK>: "the ACK does not occupy
     * sequence number space". */
    struct ts_tcp ack = seg(TS_TH_ACK, 101, 301, 0);
    cr_expect_not(ts_seq_account(&a, &ack, 1001));
    cr_expect_eq(a.snd_nxt, 101u);
    cr_expect(a.flags & TS_EP_ACKED);
    cr_expect_eq(a.last_ack, 301u);

    /* Fig.6 line 5: <SEQ=101><ACK=301><CTL=ACK><DATA>, 100 octets: 101..200. */
    struct ts_tcp data = seg(TS_TH_ACK | TS_TH_PSH, 101, 301, 100);
    cr_expect_not(ts_seq_account(&a, &data, 1002));
    cr_expect_eq(a.snd_nxt, 201u);
    cr_expect_eq(a.bytes, 100u);
    cr_expect_eq(a.isn, 100u, "the ISN stays the first SYN's");

    /* Close: <SEQ=201><ACK=301><CTL=FIN,ACK>: the FIN occupies 201 (3.4). */
    struct ts_tcp fin = seg(TS_TH_FIN | TS_TH_ACK, 201, 301, 0);
    cr_expect_not(ts_seq_account(&a, &fin, 1003));
    cr_expect(a.flags & TS_EP_FIN);
    cr_expect_eq(a.fin_seq, 201u);
    cr_expect_eq(a.snd_nxt, 202u);
    cr_expect_eq(a.fin, 1u);

    /* Fig.12 line 5: the last ACK, <SEQ=202><ACK=302>: not a retransmission. */
    struct ts_tcp last = seg(TS_TH_ACK, 202, 302, 0);
    cr_expect_not(ts_seq_account(&a, &last, 1004));
    cr_expect_eq(a.snd_nxt, 202u);
    cr_expect_eq(a.last_ack, 302u);
    cr_expect_eq(a.packets, 5u);
    cr_expect_eq(a.retransmits, 0u);
}

Test(seq_account, fin_with_data)
{
    /* 3.4: "the FIN is considered to occur after the last actual data octet in
     * a segment": <SEQ=101><CTL=FIN,ACK> with 10 octets puts the FIN at 111. */
    struct ts_endpoint a = ep(TS_CLOSED);
    struct ts_tcp syn = seg(TS_TH_SYN, 100, 0, 0);
    ts_seq_account(&a, &syn, 1);
    struct ts_tcp fin = seg(TS_TH_FIN | TS_TH_ACK, 101, 301, 10);
    cr_expect_not(ts_seq_account(&a, &fin, 2));
    cr_expect_eq(a.fin_seq, 111u);
    cr_expect_eq(a.snd_nxt, 112u);
}

Test(seq_account, syn_with_data)
{
    /* 3.4: "the SYN is considered to occur before the first actual data octet
     * of the segment": SYN at 1000 with 50 octets, SND.NXT 1051. */
    struct ts_endpoint a = ep(TS_CLOSED);
    struct ts_tcp syn = seg(TS_TH_SYN, 1000, 0, 50);
    cr_expect_not(ts_seq_account(&a, &syn, 1));
    cr_expect_eq(a.isn, 1000u);
    cr_expect_eq(a.snd_nxt, 1051u);
    cr_expect_eq(a.bytes, 50u);
}

Test(seq_account, data_retransmission)
{
    /* 3.10.8 RETRANSMISSION TIMEOUT: the segment is sent again with the same
     * sequence numbers (below SND.NXT). */
    struct ts_endpoint a = ep(TS_CLOSED);
    struct ts_tcp syn = seg(TS_TH_SYN, 100, 0, 0);
    ts_seq_account(&a, &syn, 1);
    struct ts_tcp data = seg(TS_TH_ACK, 101, 301, 100);
    cr_expect_not(ts_seq_account(&a, &data, 2));
    cr_expect(ts_seq_account(&a, &data, 3), "the same 100 octets again");
    cr_expect_eq(a.retransmits, 1u);
    cr_expect_eq(a.snd_nxt, 201u, "a retransmission does not move SND.NXT");
    cr_expect_eq(a.bytes, 200u, "bytes count what was on the wire");
    /* Repacketized: 151..250 repeats 151..200 and adds 201..250. */
    struct ts_tcp over = seg(TS_TH_ACK, 151, 301, 100);
    cr_expect(ts_seq_account(&a, &over, 4), "it resends octets already sent");
    cr_expect_eq(a.retransmits, 2u);
    cr_expect_eq(a.snd_nxt, 251u);
    /* New data right at SND.NXT is not a retransmission. */
    struct ts_tcp next = seg(TS_TH_ACK, 251, 301, 10);
    cr_expect_not(ts_seq_account(&a, &next, 5));
    cr_expect_eq(a.retransmits, 2u);
    cr_expect_eq(a.snd_nxt, 261u);
}

Test(seq_account, syn_retransmission)
{
    /* 3.10.8: the SYN at the front of the retransmission queue is sent again,
     * same ISN. */
    struct ts_endpoint a = ep(TS_CLOSED);
    struct ts_tcp syn = seg(TS_TH_SYN, 100, 0, 0);
    cr_expect_not(ts_seq_account(&a, &syn, 1));
    cr_expect(ts_seq_account(&a, &syn, 2));
    cr_expect(ts_seq_account(&a, &syn, 3));
    cr_expect_eq(a.retransmits, 2u);
    cr_expect_eq(a.syn, 3u);
    cr_expect_eq(a.isn, 100u);
    cr_expect_eq(a.snd_nxt, 101u);

    /* B's SYN-ACK, sent twice, is retransmitted too. */
    struct ts_endpoint b = ep(TS_LISTEN);
    struct ts_tcp synack = seg(TS_TH_SYN | TS_TH_ACK, 300, 101, 0);
    cr_expect_not(ts_seq_account(&b, &synack, 1));
    cr_expect(ts_seq_account(&b, &synack, 2));
    cr_expect_eq(b.retransmits, 1u);
    cr_expect_eq(b.isn, 300u);
    cr_expect_eq(b.snd_nxt, 301u);
}

Test(seq_account, fin_retransmission)
{
    /* 3.6 case 1: "All segments preceding and including FIN will be
     * retransmitted until acknowledged." */
    struct ts_endpoint a = ep(TS_CLOSED);
    struct ts_tcp syn = seg(TS_TH_SYN, 100, 0, 0);
    ts_seq_account(&a, &syn, 1);
    struct ts_tcp fin = seg(TS_TH_FIN | TS_TH_ACK, 101, 301, 0);
    cr_expect_not(ts_seq_account(&a, &fin, 2));
    cr_expect(ts_seq_account(&a, &fin, 3), "the same FIN again");
    cr_expect_eq(a.retransmits, 1u);
    cr_expect_eq(a.fin, 2u);
    cr_expect_eq(a.fin_seq, 101u);
    cr_expect_eq(a.snd_nxt, 102u);
}

Test(seq_account, synack_after_syn_is_not_a_retransmission)
{
    /* Fig.7 (simultaneous open): A sends <SEQ=100><CTL=SYN> (line 2), then
     * <SEQ=100><ACK=301><CTL=SYN,ACK> (line 5): the same ISN, a new segment
     * (it now acknowledges B's SYN), not a retransmission. */
    struct ts_endpoint a = ep(TS_CLOSED);
    struct ts_tcp syn = seg(TS_TH_SYN, 100, 0, 0);
    struct ts_tcp synack = seg(TS_TH_SYN | TS_TH_ACK, 100, 301, 0);
    cr_expect_not(ts_seq_account(&a, &syn, 1));
    cr_expect_not(ts_seq_account(&a, &synack, 2), "Fig.7 line 5 is no retransmission");
    cr_expect_eq(a.retransmits, 0u);
    cr_expect_eq(a.isn, 100u);
    cr_expect_eq(a.snd_nxt, 101u);
    cr_expect_eq(a.syn, 2u, "two segments carried its SYN");
    cr_expect_eq(a.last_ack, 301u);
    /* Sending that SYN,ACK again is a retransmission. */
    cr_expect(ts_seq_account(&a, &synack, 3));
    cr_expect_eq(a.retransmits, 1u);
}

Test(seq_account, last_ack_is_the_highest)
{
    /* 3.10.7.4 fifth: an older (duplicate) acknowledgment "can be ignored":
     * the highest ACK sent stands; modulo 2^32. */
    struct ts_endpoint a = ep(TS_CLOSED);
    struct ts_tcp s = seg(TS_TH_SYN, 100, 0, 0);
    ts_seq_account(&a, &s, 1);
    struct ts_tcp k1 = seg(TS_TH_ACK, 101, 500, 0);
    struct ts_tcp k2 = seg(TS_TH_ACK, 101, 400, 0);
    ts_seq_account(&a, &k1, 2);
    ts_seq_account(&a, &k2, 3);
    cr_expect_eq(a.last_ack, 500u);

    struct ts_endpoint b = ep(TS_ESTABLISHED);
    struct ts_tcp w1 = seg(TS_TH_ACK, 1, 0xFFFFFFF0u, 0);
    struct ts_tcp w2 = seg(TS_TH_ACK, 1, 0x10u, 0);
    ts_seq_account(&b, &w1, 1);
    ts_seq_account(&b, &w2, 2);
    cr_expect_eq(b.last_ack, 0x10u, "0x10 is after 0xFFFFFFF0");
    ts_seq_account(&b, &w1, 3);
    cr_expect_eq(b.last_ack, 0x10u);
}

Test(seq_account, sequence_wraps_past_2_32)
{
    struct ts_endpoint a = ep(TS_CLOSED);
    struct ts_tcp syn = seg(TS_TH_SYN, 0xFFFFFFFFu, 0, 0);
    cr_expect_not(ts_seq_account(&a, &syn, 1));
    cr_expect_eq(a.snd_nxt, 0u, "ISS + 1 modulo 2^32");
    struct ts_tcp data = seg(TS_TH_ACK, 0, 301, 10);
    cr_expect_not(ts_seq_account(&a, &data, 2));
    cr_expect_eq(a.snd_nxt, 10u);
    cr_expect(ts_seq_account(&a, &data, 3), "resent across the wrap");
    struct ts_tcp fin = seg(TS_TH_FIN | TS_TH_ACK, 10, 301, 0);
    cr_expect_not(ts_seq_account(&a, &fin, 4));
    cr_expect_eq(a.fin_seq, 10u);
    cr_expect_eq(a.snd_nxt, 11u);
    cr_expect(ts_seq_account(&a, &fin, 5));
    cr_expect_eq(a.retransmits, 2u);

    /* Data that ends exactly at 2^32. */
    struct ts_endpoint b = ep(TS_CLOSED);
    struct ts_tcp s2 = seg(TS_TH_SYN, 0xFFFFFF00u, 0, 0);
    ts_seq_account(&b, &s2, 1);
    struct ts_tcp d2 = seg(TS_TH_ACK, 0xFFFFFF01u, 1, 0xFF);
    cr_expect_not(ts_seq_account(&b, &d2, 2));
    cr_expect_eq(b.snd_nxt, 0u);
}

Test(seq_account, rst_is_counted)
{
    struct ts_endpoint a = ep(TS_CLOSED);
    struct ts_tcp syn = seg(TS_TH_SYN, 100, 0, 0);
    ts_seq_account(&a, &syn, 1);
    struct ts_tcp rst = seg(TS_TH_RST, 101, 0, 0);
    cr_expect_not(ts_seq_account(&a, &rst, 2));
    cr_expect_not(ts_seq_account(&a, &rst, 3), "a RST is not retransmitted (3.10.8)");
    cr_expect_eq(a.rst, 2u);
    cr_expect_eq(a.retransmits, 0u);
    cr_expect_eq(a.packets, 3u);
}

/* ------------------------------------------------------ pending queue
 *
 * The observer's rule (SPEC.md): a segment on the wire reached its receiver,
 * but WHEN is told by the receiver's own sequence and ACK numbers. A received
 * SYN or FIN counts when the receiver's ACK reaches past it (3.10.7.2/3:
 * RCV.NXT = SEG.SEQ+1 for a SYN; 3.10.7.4 eighth: "advance RCV.NXT over the
 * FIN, and send an acknowledgment for the FIN"), or when the flow is written
 * out; other events count at the head of the FIFO. */

static struct ts_recv_item item(enum ts_recv_event e, bool needs_ack, uint32_t point)
{
    struct ts_recv_item it = {(uint8_t)e, (uint8_t)needs_ack, point};
    return it;
}

Test(seq_queue, empty)
{
    struct ts_endpoint e = ep(TS_ESTABLISHED);
    struct ts_pending q[TS_PENDING_MAX];
    struct ts_pending p;
    cr_expect_eq(ts_seq_take(&e, q, true, 12345, false, &p), 0);
    cr_expect_eq(ts_seq_take(&e, q, false, 0, true, &p), 0);
}

Test(seq_queue, fifo_order)
{
    struct ts_endpoint e = ep(TS_SYN_SENT);
    struct ts_pending q[TS_PENDING_MAX];
    struct ts_pending p, ev;
    struct ts_recv_item s = item(TS_RECV_SYN, true, 301), f = item(TS_RECV_FIN, true, 401);
    cr_expect_eq(ts_seq_enqueue(&e, q, &s, 7, 7000, &ev), 0);
    cr_expect_eq(ts_seq_enqueue(&e, q, &f, 9, 9000, &ev), 0);
    cr_expect_eq(e.npending, 2);
    /* One ACK covering both: first in, first out. */
    cr_assert_eq(ts_seq_take(&e, q, true, 401, false, &p), 1);
    cr_expect_eq(p.event, TS_RECV_SYN);
    cr_expect_eq(p.ack_point, 301u);
    cr_expect_eq(p.pkt, 7u);
    cr_expect_eq(p.ts_ns, 7000);
    cr_assert_eq(ts_seq_take(&e, q, true, 401, false, &p), 1);
    cr_expect_eq(p.event, TS_RECV_FIN);
    cr_expect_eq(p.pkt, 9u);
    cr_expect_eq(p.ts_ns, 9000);
    cr_expect_eq(ts_seq_take(&e, q, true, 401, false, &p), 0);
    cr_expect_eq(e.npending, 0);
}

Test(seq_queue, immediate_event_behind_a_waiting_one_waits)
{
    struct ts_endpoint e = ep(TS_ESTABLISHED);
    struct ts_pending q[TS_PENDING_MAX];
    struct ts_pending p, ev;
    struct ts_recv_item f = item(TS_RECV_FIN, true, 201), r = item(TS_RECV_RST, false, 0);
    ts_seq_enqueue(&e, q, &f, 1, 100, &ev);
    ts_seq_enqueue(&e, q, &r, 2, 200, &ev);
    cr_expect_eq(ts_seq_take(&e, q, false, 0, false, &p), 0, "the FIN at the head is unproven");
    cr_expect_eq(ts_seq_take(&e, q, true, 200, false, &p), 0, "ACK 200 does not cover FIN 200");
    cr_expect_eq(e.npending, 2);
    cr_assert_eq(ts_seq_take(&e, q, true, 201, false, &p), 1);
    cr_expect_eq(p.event, TS_RECV_FIN);
    cr_assert_eq(ts_seq_take(&e, q, false, 0, false, &p), 1, "then the RST counts at once");
    cr_expect_eq(p.event, TS_RECV_RST);
    cr_expect_eq(p.pkt, 2u);
}

Test(seq_queue, immediate_event_at_the_head_counts_at_once)
{
    struct ts_endpoint e = ep(TS_SYN_RCVD);
    struct ts_pending q[TS_PENDING_MAX];
    struct ts_pending p, ev;
    struct ts_recv_item a = item(TS_RECV_ACK, false, 0), as = item(TS_RECV_ACK_SYN, false, 0);
    ts_seq_enqueue(&e, q, &a, 1, 1, &ev);
    ts_seq_enqueue(&e, q, &as, 1, 1, &ev);
    cr_assert_eq(ts_seq_take(&e, q, false, 0, false, &p), 1);
    cr_expect_eq(p.event, TS_RECV_ACK);
    cr_assert_eq(ts_seq_take(&e, q, false, 0, false, &p), 1);
    cr_expect_eq(p.event, TS_RECV_ACK_SYN);
}

Test(seq_queue, take_with_a_covering_ack)
{
    struct ts_endpoint e = ep(TS_LISTEN);
    struct ts_pending q[TS_PENDING_MAX];
    struct ts_pending p, ev;
    struct ts_recv_item s = item(TS_RECV_SYN, true, 101);
    ts_seq_enqueue(&e, q, &s, 1, 1, &ev);
    cr_expect_eq(ts_seq_take(&e, q, false, 101, false, &p), 0,
                 "a segment without the ACK bit proves nothing (3.1)");
    cr_expect_eq(ts_seq_take(&e, q, true, 100, false, &p), 0, "ACK 100 is before the SYN's 101");
    cr_expect_eq(ts_seq_take(&e, q, true, 0xFFFFFFFFu, false, &p), 0);
    cr_expect_eq(ts_seq_take(&e, q, true, 150, false, &p), 1, "ACK 150 is past 101 (data too)");
    cr_expect_eq(p.event, TS_RECV_SYN);

    /* Across 2^32: ack point 5 is covered by 5, not by 0xFFFFFFF0. */
    struct ts_recv_item f = item(TS_RECV_FIN, true, 5);
    ts_seq_enqueue(&e, q, &f, 2, 2, &ev);
    cr_expect_eq(ts_seq_take(&e, q, true, 0xFFFFFFF0u, false, &p), 0);
    cr_expect_eq(ts_seq_take(&e, q, true, 4, false, &p), 0);
    cr_expect_eq(ts_seq_take(&e, q, true, 5, false, &p), 1);
    cr_expect_eq(p.event, TS_RECV_FIN);
}

Test(seq_queue, flush)
{
    /* When the flow is written out, what was seen on the wire arrived. */
    struct ts_endpoint e = ep(TS_ESTABLISHED);
    struct ts_pending q[TS_PENDING_MAX];
    struct ts_pending p, ev;
    struct ts_recv_item f = item(TS_RECV_FIN, true, 201), a = item(TS_RECV_ACK, false, 0);
    ts_seq_enqueue(&e, q, &f, 1, 1, &ev);
    ts_seq_enqueue(&e, q, &a, 2, 2, &ev);
    cr_assert_eq(ts_seq_take(&e, q, false, 0, true, &p), 1);
    cr_expect_eq(p.event, TS_RECV_FIN);
    cr_assert_eq(ts_seq_take(&e, q, false, 0, true, &p), 1);
    cr_expect_eq(p.event, TS_RECV_ACK);
    cr_expect_eq(ts_seq_take(&e, q, false, 0, true, &p), 0);
}

Test(seq_queue, duplicate_syn_or_fin_not_queued_twice)
{
    /* A retransmitted SYN or FIN (3.10.8) is the same control: it arrives once. */
    struct ts_endpoint e = ep(TS_LISTEN);
    struct ts_pending q[TS_PENDING_MAX];
    struct ts_pending p, ev;
    struct ts_recv_item s = item(TS_RECV_SYN, true, 101);
    cr_expect_eq(ts_seq_enqueue(&e, q, &s, 1, 1, &ev), 0);
    cr_expect_eq(ts_seq_enqueue(&e, q, &s, 2, 2, &ev), 0);
    cr_expect_eq(ts_seq_enqueue(&e, q, &s, 3, 3, &ev), 0);
    cr_expect_eq(e.npending, 1);
    struct ts_recv_item f = item(TS_RECV_FIN, true, 201);
    ts_seq_enqueue(&e, q, &f, 4, 4, &ev);
    ts_seq_enqueue(&e, q, &f, 5, 5, &ev);
    cr_expect_eq(e.npending, 2);
    /* A different SYN (another ISN) is another control. */
    struct ts_recv_item s2 = item(TS_RECV_SYN, true, 9001);
    ts_seq_enqueue(&e, q, &s2, 6, 6, &ev);
    cr_expect_eq(e.npending, 3);
    /* The first copy is the one kept. */
    cr_assert_eq(ts_seq_take(&e, q, true, 101, false, &p), 1);
    cr_expect_eq(p.pkt, 1u);
}

Test(seq_queue, overflow_returns_the_oldest)
{
    struct ts_endpoint e = ep(TS_ESTABLISHED);
    struct ts_pending q[TS_PENDING_MAX];
    struct ts_pending p, ev;
    for (unsigned i = 0; i < TS_PENDING_MAX; i++) {
        struct ts_recv_item it = item(TS_RECV_FIN, true, 1000 + i);
        cr_expect_eq(ts_seq_enqueue(&e, q, &it, 10 + i, 100 + i, &ev), 0);
    }
    cr_expect_eq(e.npending, TS_PENDING_MAX);
    memset(&ev, 0, sizeof ev);
    struct ts_recv_item last = item(TS_RECV_SYN, true, 5000);
    cr_expect_eq(ts_seq_enqueue(&e, q, &last, 99, 999, &ev), 1);
    cr_expect_eq(ev.event, TS_RECV_FIN);
    cr_expect_eq(ev.ack_point, 1000u);
    cr_expect_eq(ev.pkt, 10u);
    cr_expect_eq(ev.ts_ns, 100);
    cr_expect_eq(e.npending, TS_PENDING_MAX);
    /* The rest, in order, then the new one. */
    for (unsigned i = 1; i < TS_PENDING_MAX; i++) {
        cr_assert_eq(ts_seq_take(&e, q, false, 0, true, &p), 1);
        cr_expect_eq(p.ack_point, 1000u + i);
        cr_expect_eq(p.pkt, 10u + i);
    }
    cr_assert_eq(ts_seq_take(&e, q, false, 0, true, &p), 1);
    cr_expect_eq(p.event, TS_RECV_SYN);
    cr_expect_eq(p.pkt, 99u);
    cr_expect_eq(ts_seq_take(&e, q, false, 0, true, &p), 0);
}
