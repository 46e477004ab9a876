/* detect_fin_wait_2_orphan.c - fin_wait_2_orphan: one side closed and its
 * FIN was acknowledged, and the other never sent its FIN: the closer sits
 * in FIN_WAIT_2, the other in CLOSE_WAIT - an application that never calls
 * close(). Held for --fin-timeout (Linux's tcp_fin_timeout then drops an
 * orphaned FIN_WAIT_2), or still so when the capture ended. Evidence: the
 * closed side, since its FIN was acknowledged, for how long. */
#include "detect.h"

static bool finding(const struct ts_flow *f, const struct ts_detect_config *cfg,
                    struct ts_anomaly *a)
{
    int side;
    if (f->ep[TS_CLIENT].state == TS_FIN_WAIT_2 && f->ep[TS_SERVER].state == TS_CLOSE_WAIT)
        side = TS_CLIENT;
    else if (f->ep[TS_SERVER].state == TS_FIN_WAIT_2 && f->ep[TS_CLIENT].state == TS_CLOSE_WAIT)
        side = TS_SERVER;
    else
        return false;
    int64_t since = f->ep[side].since_ns;
    int64_t waited = f->finish_ns - since;
    bool at_end = f->finish_reason == TS_FINISH_END;
    if (waited < cfg->fin_timeout_ns && !at_end)
        return false;
    ts_anomaly_init(a, TS_AN_FIN_WAIT_2_ORPHAN, side);
    a->since_ns = since;
    a->duration_ns = waited;
    a->until_end = at_end;
    return true;
}

const struct ts_detector ts_detect_fin_wait_2_orphan = {NULL, finding};
