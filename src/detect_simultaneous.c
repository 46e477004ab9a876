/* detect_simultaneous.c - simultaneous_open and simultaneous_close: both
 * sides sent a SYN (or a FIN) before they had received the other's, as the
 * sequence numbers show (RFC 9293 3.5, 3.6, figures 8 and 13): SYN_SENT
 * went to SYN_RCVD, FIN_WAIT_1 to CLOSING. Both are legal and rare; they
 * trip up middleboxes and tools that assume a client and a server. */
#include "detect.h"

static bool open_finding(const struct ts_flow *f, const struct ts_detect_config *cfg,
                         struct ts_anomaly *a)
{
    (void)cfg;
    if (!(f->flags & TS_FLOW_SIM_OPEN))
        return false;
    ts_anomaly_init(a, TS_AN_SIMULTANEOUS_OPEN, TS_SIDE_BOTH);
    a->since_ns = f->first_ns;
    return true;
}

static bool close_finding(const struct ts_flow *f, const struct ts_detect_config *cfg,
                          struct ts_anomaly *a)
{
    (void)cfg;
    if (!(f->flags & TS_FLOW_SIM_CLOSE))
        return false;
    ts_anomaly_init(a, TS_AN_SIMULTANEOUS_CLOSE, TS_SIDE_BOTH);
    return true;
}

const struct ts_detector ts_detect_simultaneous_open = {NULL, open_finding};
const struct ts_detector ts_detect_simultaneous_close = {NULL, close_finding};
