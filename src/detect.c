/* detect.c - runs the detectors: their segment hooks as packets pass, and
 * their decisions when a flow is written out, in SPEC.md's order. */
#include "detect.h"

#include <string.h>

#include "flow_table.h"

static const struct ts_detector *const detectors[TS_AN_COUNT] = {
    [TS_AN_HALF_OPEN] = &ts_detect_half_open,
    [TS_AN_SYN_UNANSWERED] = &ts_detect_syn_unanswered,
    [TS_AN_SYN_RETRANSMIT] = &ts_detect_syn_retransmit,
    [TS_AN_FIN_WAIT_2_ORPHAN] = &ts_detect_fin_wait_2_orphan,
    [TS_AN_MISSING_FIN] = &ts_detect_missing_fin,
    [TS_AN_STALE_PEER] = &ts_detect_stale_peer,
    [TS_AN_RST_OUT_OF_WINDOW] = &ts_detect_rst_out_of_window,
    [TS_AN_BAD_ACK] = &ts_detect_bad_ack,
    [TS_AN_TIME_WAIT_REUSE] = &ts_detect_time_wait_reuse,
    [TS_AN_SIMULTANEOUS_OPEN] = &ts_detect_simultaneous_open,
    [TS_AN_SIMULTANEOUS_CLOSE] = &ts_detect_simultaneous_close,
    [TS_AN_MIDSTREAM] = &ts_detect_midstream,
};

static const char *const names[TS_AN_COUNT] = {
    "half_open", "syn_unanswered", "syn_retransmit", "fin_wait_2_orphan", "missing_fin",
    "stale_peer", "rst_out_of_window", "bad_ack", "time_wait_reuse", "simultaneous_open",
    "simultaneous_close", "midstream",
};

const char *ts_anomaly_name(int kind)
{
    return kind >= 0 && kind < TS_AN_COUNT ? names[kind] : "unknown";
}

void ts_anomaly_init(struct ts_anomaly *a, int kind, int side)
{
    memset(a, 0, sizeof *a);
    a->kind = (uint8_t)kind;
    a->side = (uint8_t)side;
    a->duration_ns = -1;
}

/* The detectors with a segment hook, in the order above: every packet runs
 * these, not the whole table (test_findings checks the two agree). */
static const struct ts_detector *const hooked[] = {
    &ts_detect_syn_retransmit, &ts_detect_stale_peer, &ts_detect_rst_out_of_window,
    &ts_detect_bad_ack,
};

const struct ts_detector *ts_detector(int kind)
{
    return kind >= 0 && kind < TS_AN_COUNT ? detectors[kind] : NULL;
}

size_t ts_detect_hooks(const struct ts_detector *const **list)
{
    *list = hooked;
    return sizeof hooked / sizeof hooked[0];
}

void ts_detect_segment(struct ts_flow *f, const struct ts_segment_view *v)
{
    for (size_t i = 0; i < sizeof hooked / sizeof hooked[0]; i++)
        hooked[i]->segment(f, v);
}

int ts_flow_anomalies(const struct ts_flow *f, const struct ts_detect_config *cfg,
                      struct ts_anomaly *out, int max)
{
    int n = 0;
    for (int i = 0; i < TS_AN_COUNT && n < max; i++)
        if (detectors[i]->finding && detectors[i]->finding(f, cfg, &out[n])) {
            out[n].kind = (uint8_t)i;
            n++;
        }
    return n;
}

struct ts_flow_extra *ts_detect_extra(struct ts_flow_table *ft, struct ts_flow *f)
{
    return ts_flow_table_extra(ft, f);
}
