/* detect_time_wait_reuse.c - time_wait_reuse: a new SYN arrived on a tuple
 * whose previous connection still had an endpoint in TIME_WAIT (2 x MSL not
 * over). Linux allows it (tcp_tw_reuse, or a higher ISN/timestamp), but old
 * duplicates of the previous connection could land in the new one (RFC 9293
 * 3.6.1, RFC 6191). Reported on the new connection, with the previous one's
 * id, which side was in TIME_WAIT and how much of it was left. */
#include "detect.h"

#include <string.h>

void ts_detect_reuse(struct ts_flow_table *ft, struct ts_flow *f, const struct ts_flow *old,
                     int64_t now_ns, int64_t two_msl_ns)
{
    for (int i = 0; i < 2; i++) {
        const struct ts_endpoint *ep = &old->ep[i];
        if (ep->state != TS_TIME_WAIT || now_ns - ep->since_ns >= two_msl_ns)
            continue;
        /* name the side by its address in the new connection */
        bool same = ts_flow_port(old, i) == ts_flow_port(f, TS_CLIENT) &&
                    memcmp(ts_flow_addr(old, i), ts_flow_addr(f, TS_CLIENT), 16) == 0;
        struct ts_flow_extra *x = ts_detect_extra(ft, f);
        if (!x)
            return;
        f->ev_seen |= TS_EV_TW_REUSE;
        x->tw_side = same ? TS_CLIENT : TS_SERVER;
        x->tw_left_ns = two_msl_ns - (now_ns - ep->since_ns);
        x->reuse_of = old->id;
        return;
    }
}

static bool finding(const struct ts_flow *f, const struct ts_detect_config *cfg,
                    struct ts_anomaly *a)
{
    (void)cfg;
    if (!(f->ev_seen & TS_EV_TW_REUSE))
        return false;
    ts_anomaly_init(a, TS_AN_TIME_WAIT_REUSE, f->x->tw_side);
    a->other_flow = f->x->reuse_of;
    a->since_ns = f->first_ns;
    a->duration_ns = f->x->tw_left_ns; /* TIME_WAIT left when the SYN came */
    a->pkt = f->ev.syn_pkt;
    return true;
}

const struct ts_detector ts_detect_time_wait_reuse = {NULL, finding};
