/* detect_rst_out_of_window.c - rst_out_of_window: a RST whose sequence
 * number lies outside the receiver's window, which the receiver drops
 * (RFC 9293 3.10.7.4, RFC 5961 3.2): a blind or spoofed reset, or a very
 * late one. Evidence: the side it claims to come from, the first such
 * packet, how many. */
#include "detect.h"

#include "tcp_seq.h"

static void segment(struct ts_flow *f, const struct ts_segment_view *v)
{
    if (v->rst_verdict != TS_RST_OUT_OF_WINDOW)
        return;
    struct ts_flow_extra *x = ts_detect_extra(v->ft, f);
    if (!x)
        return;
    if (!(f->ev_seen & TS_EV_OOW)) {
        f->ev_seen |= TS_EV_OOW;
        x->oow_side = (uint8_t)v->sender;
        x->oow_pkt = v->pkt;
        x->oow_ns = v->ts_ns;
    }
    x->oow_count++;
}

static bool finding(const struct ts_flow *f, const struct ts_detect_config *cfg,
                    struct ts_anomaly *a)
{
    (void)cfg;
    if (!(f->ev_seen & TS_EV_OOW))
        return false;
    ts_anomaly_init(a, TS_AN_RST_OUT_OF_WINDOW, f->x->oow_side);
    a->pkt = f->x->oow_pkt;
    a->since_ns = f->x->oow_ns;
    a->count = f->x->oow_count;
    return true;
}

const struct ts_detector ts_detect_rst_out_of_window = {segment, finding};
