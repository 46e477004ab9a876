/* detect_midstream.c - midstream: the capture began after the connection's
 * handshake, so the roles were inferred (the side on a well-known or
 * non-ephemeral port serves) and the states before the first packet are
 * unknown. */
#include "detect.h"

static bool finding(const struct ts_flow *f, const struct ts_detect_config *cfg,
                    struct ts_anomaly *a)
{
    (void)cfg;
    if (!(f->flags & TS_FLOW_MIDSTREAM))
        return false;
    ts_anomaly_init(a, TS_AN_MIDSTREAM, TS_SIDE_NONE);
    a->since_ns = f->first_ns;
    return true;
}

const struct ts_detector ts_detect_midstream = {NULL, finding};
