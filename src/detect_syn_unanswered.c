/* detect_syn_unanswered.c - syn_unanswered: the client sent SYN(s) and the
 * other side sent nothing at all (a dead host, a firewall that drops, a
 * filtered port). It needs a retransmitted SYN, or --syn-timeout without an
 * answer, so a SYN at the very end of a capture is not judged. */
#include "detect.h"

static bool finding(const struct ts_flow *f, const struct ts_detect_config *cfg,
                    struct ts_anomaly *a)
{
    const struct ts_endpoint *cli = &f->ep[TS_CLIENT];
    if (cli->state != TS_SYN_SENT || (f->ep[TS_SERVER].flags & TS_EP_SEEN))
        return false;
    int64_t waited = f->finish_ns - f->first_ns;
    if (cli->syn < 2 && waited < cfg->syn_timeout_ns)
        return false;
    ts_anomaly_init(a, TS_AN_SYN_UNANSWERED, TS_SIDE_CLIENT);
    a->since_ns = f->first_ns;
    a->duration_ns = waited;
    a->count = cli->syn;
    a->pkt = f->ev.syn_pkt;
    a->until_end = f->finish_reason == TS_FINISH_END;
    return true;
}

const struct ts_detector ts_detect_syn_unanswered = {NULL, finding};
