/* detect_missing_fin.c - missing_fin: a synchronized connection ended
 * without a FIN from one or both sides: by a RST, by --idle-timeout, by
 * eviction from a full table, or the capture ended with it idle for
 * --fin-timeout. Evidence: which side sent no FIN, how it ended, since the
 * last packet. */
#include "detect.h"

static bool finding(const struct ts_flow *f, const struct ts_detect_config *cfg,
                    struct ts_anomaly *a)
{
    if (!(f->flags & (TS_FLOW_HS_COMPLETE | TS_FLOW_MIDSTREAM)))
        return false;
    bool cfin = f->ep[TS_CLIENT].fin > 0, sfin = f->ep[TS_SERVER].fin > 0;
    if (cfin && sfin)
        return false;
    int64_t idle = f->finish_ns - f->last_ns;
    bool ended = f->close_how == TS_CLOSE_HOW_RST ||
                 f->finish_reason == TS_FINISH_IDLE ||
                 f->finish_reason == TS_FINISH_EVICTED ||
                 (f->finish_reason == TS_FINISH_END && idle >= cfg->fin_timeout_ns);
    if (!ended)
        return false;
    ts_anomaly_init(a, TS_AN_MISSING_FIN,
                    !cfin && !sfin ? TS_SIDE_BOTH : !cfin ? TS_SIDE_CLIENT : TS_SIDE_SERVER);
    a->since_ns = f->last_ns;
    a->duration_ns = idle;
    a->how = f->close_how == TS_CLOSE_HOW_RST ? TS_HOW_RST
             : f->finish_reason == TS_FINISH_IDLE ? TS_HOW_IDLE_TIMEOUT
             : f->finish_reason == TS_FINISH_EVICTED ? TS_HOW_EVICTED
                                                     : TS_HOW_CAPTURE_END;
    a->until_end = a->how == TS_HOW_CAPTURE_END;
    return true;
}

const struct ts_detector ts_detect_missing_fin = {NULL, finding};
