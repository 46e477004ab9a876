/* detect_half_open.c - half_open: the server sent its SYN-ACK and the final
 * ACK of the handshake never came within --syn-timeout; the server was left
 * in SYN_RCVD (the kernel keeps such a request and retransmits its SYN-ACK,
 * tcp_synack_retries). Evidence: since the first SYN-ACK, for how long, and
 * how many SYN-ACKs were sent. */
#include "detect.h"

static bool finding(const struct ts_flow *f, const struct ts_detect_config *cfg,
                    struct ts_anomaly *a)
{
    const struct ts_endpoint *srv = &f->ep[TS_SERVER];
    if (srv->state != TS_SYN_RCVD || !f->synack_ns)
        return false;
    int64_t waited = f->finish_ns - f->synack_ns;
    if (waited < cfg->syn_timeout_ns)
        return false;
    ts_anomaly_init(a, TS_AN_HALF_OPEN, TS_SIDE_SERVER);
    a->since_ns = f->synack_ns;
    a->duration_ns = waited;
    a->count = srv->syn; /* SYN-ACKs sent; count - 1 retransmissions */
    a->pkt = f->ev.synack_pkt;
    a->until_end = f->finish_reason == TS_FINISH_END;
    return true;
}

const struct ts_detector ts_detect_half_open = {NULL, finding};
