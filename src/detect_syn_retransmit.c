/* detect_syn_retransmit.c - syn_retransmit: the client sent its SYN more
 * than once. The gaps between the SYNs show the sender's retry schedule as
 * it was (Linux: 1, 2, 4, 8, 16 s doubling; newer kernels first retry at
 * 1 s steps, tcp_syn_linear_timeouts). */
#include "detect.h"

static void segment(struct ts_flow *f, const struct ts_segment_view *v)
{
    const struct ts_tcp *t = v->tcp;
    if (v->sender != TS_CLIENT || (t->flags & (TS_TH_SYN | TS_TH_ACK | TS_TH_RST)) != TS_TH_SYN)
        return;
    struct ts_evidence *e = &f->ev;
    struct ts_flow_extra *x;
    if (f->bare_syns == 0) {
        e->syn_pkt = v->pkt;
    } else if ((x = ts_detect_extra(v->ft, f)) != NULL && x->nsyn_gaps < TS_SYN_GAPS_MAX) {
        int64_t gap = (v->ts_ns - e->last_syn_ns) / 1000000;
        x->syn_gap_ms[x->nsyn_gaps++] = gap < 0 ? 0 : gap > UINT32_MAX ? UINT32_MAX : (uint32_t)gap;
    }
    if (f->bare_syns < UINT16_MAX)
        f->bare_syns++;
    e->last_syn_ns = v->ts_ns;
}

static bool finding(const struct ts_flow *f, const struct ts_detect_config *cfg,
                    struct ts_anomaly *a)
{
    (void)cfg;
    if (f->bare_syns < 2)
        return false;
    ts_anomaly_init(a, TS_AN_SYN_RETRANSMIT, TS_SIDE_CLIENT);
    a->count = f->bare_syns;
    a->since_ns = f->first_ns;
    a->pkt = f->ev.syn_pkt;
    a->gaps_ms = f->x ? f->x->syn_gap_ms : NULL;
    a->ngaps = f->x ? f->x->nsyn_gaps : 0;
    return true;
}

const struct ts_detector ts_detect_syn_retransmit = {segment, finding};
