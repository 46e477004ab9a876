/* detect_bad_ack.c - bad_ack: a handshake ACK number that is not the
 * peer's ISN+1: a SYN-ACK that does not acknowledge the client's SYN, or a
 * third segment that does not acknowledge the server's (RFC 9293 3.10.7.3
 * and 3.10.7.4: the receiver answers with a RST). Evidence: which side sent
 * it, the expected and received ACK numbers, the packet. */
#include "detect.h"

static void note(struct ts_flow *f, const struct ts_segment_view *v, uint32_t expected)
{
    struct ts_flow_extra *x;
    if ((f->ev_seen & TS_EV_BAD_ACK) || !(x = ts_detect_extra(v->ft, f)))
        return;
    f->ev_seen |= TS_EV_BAD_ACK;
    x->bad_ack_side = (uint8_t)v->sender;
    x->bad_ack_expected = expected;
    x->bad_ack_got = v->tcp->ack;
    x->bad_ack_pkt = v->pkt;
    x->bad_ack_ns = v->ts_ns;
}

static void segment(struct ts_flow *f, const struct ts_segment_view *v)
{
    const struct ts_tcp *t = v->tcp;
    const struct ts_endpoint *rcv = &f->ep[1 - v->sender];
    if (!(rcv->flags & TS_EP_ISN) || !(t->flags & TS_TH_ACK) || (t->flags & TS_TH_RST))
        return;
    uint32_t expected = rcv->isn + 1;
    if (v->bad_synack)
        note(f, v, expected);
    else if (!(t->flags & TS_TH_SYN) && v->receiver_before == TS_SYN_RCVD &&
             v->sender_before == TS_SYN_SENT && t->ack != expected &&
             !(rcv->snd_nxt != expected && (int32_t)(t->ack - rcv->isn) > 0 &&
               (int32_t)(t->ack - rcv->snd_nxt) <= 0))
        note(f, v, expected); /* (a SYN-ACK carrying data is acknowledged past ISN+1) */
}

static bool finding(const struct ts_flow *f, const struct ts_detect_config *cfg,
                    struct ts_anomaly *a)
{
    (void)cfg;
    if (!(f->ev_seen & TS_EV_BAD_ACK))
        return false;
    const struct ts_flow_extra *x = f->x;
    ts_anomaly_init(a, TS_AN_BAD_ACK, x->bad_ack_side);
    a->pkt = x->bad_ack_pkt;
    a->since_ns = x->bad_ack_ns;
    a->expected = x->bad_ack_expected;
    a->got = x->bad_ack_got;
    return true;
}

const struct ts_detector ts_detect_bad_ack = {segment, finding};
