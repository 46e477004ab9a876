/* tcp_seq.c - per-endpoint sequence/ACK bookkeeping; turns a segment into
 * the events of the state machine, and keeps each endpoint's queue of
 * received events whose moment of arrival its own ACKs will tell.
 *
 * Why a queue: the capture point may sit next to either host, so the order
 * of the capture does not say when a segment arrived. A FIN that does not
 * acknowledge the peer's FIN was sent before that FIN arrived (simultaneous
 * close), whatever the capture order. So a received SYN or FIN counts only
 * when the receiver's own ACK covers it, or when the flow is written out.
 */
#include "tcp_seq.h"

#include <string.h>

static void add_recv(struct ts_seg_events *ev, enum ts_recv_event e, bool needs_ack,
                     uint32_t ack_point)
{
    if (ev->nrecv >= sizeof ev->recv / sizeof ev->recv[0])
        return;
    ev->recv[ev->nrecv].event = (uint8_t)e;
    ev->recv[ev->nrecv].needs_ack = needs_ack;
    ev->recv[ev->nrecv].ack_point = ack_point;
    ev->nrecv++;
}

/* RFC 9293 3.10.7 with RFC 5961 3.2: in SYN-SENT a RST counts when its ACK
 * covers our SYN; otherwise only a RST at exactly the next expected sequence
 * number resets, one elsewhere in the window draws a challenge ACK. The next
 * expected number is the sender's next sequence as seen on the wire, or the
 * receiver's own latest ACK (what a host with no connection echoes back). */
/* Does ack acknowledge ep's SYN? RFC 9293 3.10.7.3: ISS < SEG.ACK <= SND.NXT
 * (more than ISN+1 when the SYN carried data). */
static bool acks_syn(const struct ts_endpoint *ep, uint32_t ack)
{
    if (!(ep->flags & TS_EP_ISN))
        return false;
    uint32_t nxt = (ep->flags & TS_EP_NXT) ? ep->snd_nxt : ep->isn + 1;
    return ts_seq_gt(ack, ep->isn) && ts_seq_leq(ack, nxt);
}

static enum ts_rst_verdict rst_verdict(const struct ts_endpoint *snd,
                                       const struct ts_endpoint *rcv,
                                       const struct ts_tcp *seg)
{
    if (rcv->state == TS_SYN_SENT) {
        if ((seg->flags & TS_TH_ACK) && acks_syn(rcv, seg->ack))
            return TS_RST_ACCEPTED;
        return TS_RST_UNACCEPTABLE;
    }
    bool know_nxt = snd->flags & TS_EP_NXT;
    bool know_ack = rcv->flags & TS_EP_ACKED;
    if (!know_ack)
        return TS_RST_ACCEPTED; /* the receiver never showed its window: nothing to judge by */
    if (know_nxt && seg->seq == snd->snd_nxt)
        return TS_RST_ACCEPTED;
    if (know_ack && seg->seq == rcv->last_ack)
        return TS_RST_ACCEPTED;
    if (know_ack) {
        /* a window from a SYN is never scaled (RFC 7323 2.2) */
        uint32_t scale = (rcv->flags & TS_EP_WSCALE) && (snd->flags & TS_EP_WSCALE) &&
                                 !rcv->win_from_syn
                             ? rcv->wscale : 0;
        uint64_t wnd = (uint64_t)rcv->win << scale;
        if (wnd > 0x3fffffffu)
            wnd = 0x3fffffffu;
        if (ts_seq_geq(seg->seq, rcv->last_ack) &&
            ts_seq_lt(seg->seq, rcv->last_ack + (uint32_t)wnd))
            return TS_RST_CHALLENGE;
    }
    return TS_RST_OUT_OF_WINDOW;
}

void ts_seq_classify(const struct ts_endpoint *snd, const struct ts_endpoint *rcv,
                     const struct ts_tcp *seg, struct ts_seg_events *ev)
{
    memset(ev, 0, sizeof *ev);
    uint8_t f = seg->flags;
    bool ack = f & TS_TH_ACK;
    ev->has_ack = ack && !(f & TS_TH_RST);
    ev->ack = seg->ack;

    if (f & TS_TH_RST) {
        /* A RST the receiver does not take (blind, out of window, or drawing a
         * challenge ACK) is no evidence that its claimed sender aborted: a
         * forged RST is the usual reason. Only an accepted RST closes both. */
        ev->rst = (uint8_t)rst_verdict(snd, rcv, seg);
        if (ev->rst == TS_RST_ACCEPTED) {
            /* <SEQ=SEG.ACK>: the receiver's own ACK number, not the sender's
             * next sequence number - a reply to an unacceptable segment */
            bool reply = (snd->flags & TS_EP_NXT) && seg->seq != snd->snd_nxt &&
                         (rcv->flags & TS_EP_ACKED) && seg->seq == rcv->last_ack;
            ev->send = reply ? TS_SEND_RST_REPLY : TS_SEND_RST;
            add_recv(ev, TS_RECV_RST, false, 0);
        } else {
            ev->send = TS_SEND_NONE;
        }
        return;
    }

    if (f & TS_TH_SYN) {
        ev->send = ack ? TS_SEND_SYNACK : TS_SEND_SYN;
        if (!ack) {
            add_recv(ev, TS_RECV_SYN, true, seg->seq + 1);
        } else if (!(rcv->flags & TS_EP_ISN) || acks_syn(rcv, seg->ack)) {
            /* Its ACK covers the receiver's SYN (or that SYN was not captured). */
            add_recv(ev, TS_RECV_SYNACK, true, seg->seq + 1);
        } else {
            ev->bad_synack = true; /* the receiver answers it with a RST */
        }
        return;
    }

    /* Past the handshake every real segment carries an ACK; one without it is
     * dropped by the receiver in every state (RFC 9293 3.10.7.4 fifth), and a
     * bare FIN is a scan, not a close. */
    if (!ack) {
        ev->send = TS_SEND_NONE;
        return;
    }
    ev->send = (f & TS_TH_FIN) ? TS_SEND_FIN : TS_SEND_ACK;

    add_recv(ev, TS_RECV_ACK, false, 0);
    if (rcv->state == TS_SYN_RCVD && acks_syn(rcv, seg->ack)) /* its SYN was outstanding */
        add_recv(ev, TS_RECV_ACK_SYN, false, 0);
    if ((rcv->flags & TS_EP_FIN) && ts_seq_geq(seg->ack, rcv->fin_seq + 1) &&
        (!(rcv->flags & TS_EP_NXT) || ts_seq_leq(seg->ack, rcv->snd_nxt)))
        add_recv(ev, TS_RECV_ACK_FIN, false, 0);
    if (f & TS_TH_FIN)
        add_recv(ev, TS_RECV_FIN, true, seg->seq + seg->payload_len + 1);
}

bool ts_seq_account(struct ts_endpoint *snd, const struct ts_tcp *seg, int64_t ts_ns)
{
    uint8_t f = seg->flags;
    bool retrans = false;
    uint32_t seq = seg->seq;

    snd->flags |= TS_EP_SEEN;
    snd->packets++;
    snd->bytes += seg->payload_len;
    snd->last_send_ns = ts_ns;
    snd->win = seg->win;
    snd->win_from_syn = (f & TS_TH_SYN) != 0;

    if (f & TS_TH_RST) {
        snd->rst++;
        return false;
    }

    if (f & TS_TH_SYN) {
        /* A SYN repeated as the same kind (SYN, or SYN-ACK) is a retransmission;
         * a SYN-ACK after a bare SYN with the same ISN is simultaneous open. */
        uint8_t kind = (f & TS_TH_ACK) ? TS_EP_SENT_SYNACK : TS_EP_SENT_SYN;
        bool repeated = snd->flags & kind;
        snd->flags |= kind;
        snd->syn++;
        if (!(snd->flags & TS_EP_ISN)) {
            snd->isn = seq;
            snd->flags |= TS_EP_ISN;
            if (seg->mss)
                snd->mss = seg->mss;
            if (seg->wscale != TS_OPT_ABSENT) {
                snd->wscale = seg->wscale;
                snd->flags |= TS_EP_WSCALE;
            }
        } else if (seq == snd->isn && repeated) {
            retrans = true;
        }
        seq++; /* the SYN occupies one sequence number */
    }

    uint32_t end = seq + seg->payload_len;
    if (seg->payload_len > 0 && (snd->flags & TS_EP_NXT) && ts_seq_lt(seq, snd->snd_nxt))
        retrans = true;

    if (f & TS_TH_FIN) {
        snd->fin++;
        if (!(snd->flags & TS_EP_FIN)) {
            snd->fin_seq = end;
            snd->flags |= TS_EP_FIN;
        } else if (end == snd->fin_seq && seg->payload_len == 0) {
            retrans = true;
        }
        end++; /* the FIN occupies one sequence number */
    }

    if (!(snd->flags & TS_EP_NXT) || ts_seq_gt(end, snd->snd_nxt)) {
        snd->snd_nxt = end;
        snd->flags |= TS_EP_NXT;
    }
    if (f & TS_TH_ACK) {
        if (!(snd->flags & TS_EP_ACKED) || ts_seq_gt(seg->ack, snd->last_ack))
            snd->last_ack = seg->ack;
        snd->flags |= TS_EP_ACKED;
    }
    if (retrans)
        snd->retransmits++;
    return retrans;
}

int ts_seq_enqueue(struct ts_endpoint *ep, struct ts_pending *q, const struct ts_recv_item *item,
                   uint64_t pkt, int64_t ts_ns, struct ts_pending *evicted)
{
    /* A retransmitted SYN or FIN that is already waiting is not queued twice. */
    for (unsigned i = 0; i < ep->npending; i++) {
        const struct ts_pending *p = &q[i];
        if (item->needs_ack && p->needs_ack && p->event == item->event &&
            p->ack_point == item->ack_point)
            return 0;
    }
    /* An ACK right behind another changes nothing more: keep one. */
    if (item->event == TS_RECV_ACK && ep->npending &&
        q[ep->npending - 1].event == TS_RECV_ACK)
        return 0;
    int ret = 0;
    if (ep->npending == TS_PENDING_MAX) {
        *evicted = q[0];
        memmove(&q[0], &q[1],
                (TS_PENDING_MAX - 1) * sizeof q[0]);
        ep->npending--;
        ret = 1;
    }
    struct ts_pending *p = &q[ep->npending++];
    p->event = item->event;
    p->needs_ack = item->needs_ack;
    p->ack_point = item->ack_point;
    p->pkt = pkt;
    p->ts_ns = ts_ns;
    return ret;
}

int ts_seq_take(struct ts_endpoint *ep, struct ts_pending *q, bool has_ack, uint32_t ack,
                bool flush, struct ts_pending *out)
{
    if (ep->npending == 0)
        return 0;
    const struct ts_pending *h = &q[0];
    if (!flush && h->needs_ack && !(has_ack && ts_seq_geq(ack, h->ack_point)))
        return 0;
    *out = *h;
    ep->npending--;
    memmove(&q[0], &q[1], ep->npending * sizeof q[0]);
    return 1;
}
