/* detect_stale_peer.c - stale_peer: one side sent on an established
 * connection and the other answered with a RST that shows it holds no
 * connection: no ACK bit, and its sequence number is the ACK number of the
 * segment it answers (RFC 9293 3.10.7.1, how a host without the connection
 * builds its reset) - the half-open connection of a crashed or rebooted
 * host, or of a socket killed under it. It must answer data or a FIN the
 * RST's sender had never acknowledged (an abort by a live stack does not),
 * from a side that had not closed itself (data arriving after one's own
 * FIN is reset by an orphaned socket, knowingly).
 * Evidence: the side that lost it, the RST's packet number and time. */
#include "detect.h"

static void segment(struct ts_flow *f, const struct ts_segment_view *v)
{
    const struct ts_tcp *t = v->tcp;
    if ((t->flags & (TS_TH_RST | TS_TH_ACK | TS_TH_SYN)) != TS_TH_RST || (f->ev_seen & TS_EV_STALE))
        return;
    if (!v->receiver_acked || t->seq != v->receiver_last_ack)
        return;
    if (v->receiver_before < TS_ESTABLISHED || v->receiver_before > TS_TIME_WAIT)
        return; /* the peer believed in a synchronized connection */
    if (v->sender_before != TS_ESTABLISHED && v->sender_before != TS_CLOSE_WAIT)
        return; /* a side that closed and resets data arriving after it is no stale peer */
    /* ... and the RST answers data (or a FIN) the sender never acknowledged:
     * a live stack that aborts does so with its own ACK state intact */
    if (!v->sender_acked || (int32_t)(v->sender_last_ack - v->receiver_snd_nxt) >= 0)
        return;
    struct ts_flow_extra *x = ts_detect_extra(v->ft, f);
    if (!x)
        return;
    f->ev_seen |= TS_EV_STALE;
    x->stale_side = (uint8_t)v->sender;
    x->stale_pkt = v->pkt;
    x->stale_ns = v->ts_ns;
}

static bool finding(const struct ts_flow *f, const struct ts_detect_config *cfg,
                    struct ts_anomaly *a)
{
    (void)cfg;
    if (!(f->ev_seen & TS_EV_STALE))
        return false;
    ts_anomaly_init(a, TS_AN_STALE_PEER, f->x->stale_side);
    a->pkt = f->x->stale_pkt;
    a->since_ns = f->x->stale_ns;
    return true;
}

const struct ts_detector ts_detect_stale_peer = {segment, finding};
