/* anomaly.h - the findings tcpstates makes about a connection (SPEC.md's
 * fixed names), each with the evidence a person needs to believe it. */
#ifndef TS_ANOMALY_H
#define TS_ANOMALY_H

#include <stdbool.h>
#include <stdint.h>

#include "flow.h"

enum ts_anomaly_kind {
    TS_AN_HALF_OPEN = 0,
    TS_AN_SYN_UNANSWERED,
    TS_AN_SYN_RETRANSMIT,
    TS_AN_FIN_WAIT_2_ORPHAN,
    TS_AN_MISSING_FIN,
    TS_AN_STALE_PEER,
    TS_AN_RST_OUT_OF_WINDOW,
    TS_AN_BAD_ACK,
    TS_AN_TIME_WAIT_REUSE,
    TS_AN_SIMULTANEOUS_OPEN,
    TS_AN_SIMULTANEOUS_CLOSE,
    TS_AN_MIDSTREAM,
    TS_AN_COUNT
};

#define TS_SIDE_CLIENT 0
#define TS_SIDE_SERVER 1
#define TS_SIDE_BOTH 2
#define TS_SIDE_NONE 3

struct ts_anomaly {
    uint8_t kind;          /* enum ts_anomaly_kind */
    uint8_t side;          /* TS_SIDE_*: the side the finding is about */
    bool until_end;        /* still so when the capture ended */
    uint64_t pkt;          /* the packet that showed it (0 = none) */
    int64_t since_ns;      /* 0 = not applicable */
    int64_t duration_ns;   /* -1 = not applicable */
    uint32_t count;        /* SYNs, SYN-ACKs, RSTs ... (0 = not applicable) */
    uint32_t expected, got;/* bad_ack */
    uint64_t other_flow;   /* time_wait_reuse: the previous connection */
    const uint32_t *gaps_ms;  /* syn_retransmit: gaps between SYNs */
    uint8_t ngaps;
    uint8_t how;           /* missing_fin: TS_HOW_* */
};

/* How a connection without FINs ended (missing_fin). */
enum { TS_HOW_NONE = 0, TS_HOW_RST, TS_HOW_IDLE_TIMEOUT, TS_HOW_EVICTED, TS_HOW_CAPTURE_END };

/* The thresholds the findings use (from the command line). */
struct ts_detect_config {
    int64_t syn_timeout_ns;
    int64_t fin_timeout_ns;
};

/* The findings of a finished flow, written into out (at most max);
 * returns how many. */
int ts_flow_anomalies(const struct ts_flow *f, const struct ts_detect_config *cfg,
                      struct ts_anomaly *out, int max);

const char *ts_anomaly_name(int kind);

#endif
