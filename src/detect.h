/* detect.h - the detector interface: each finding is one file (detect_*.c)
 * that may note evidence as segments pass and decides, when the flow is
 * written out, whether its finding holds. */
#ifndef TS_DETECT_H
#define TS_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "anomaly.h"
#include "decode.h"
#include "flow.h"

struct ts_flow_table;

/* What a detector sees of one segment, after the flow's states moved. */
struct ts_segment_view {
    const struct ts_tcp *tcp;
    int sender;                 /* TS_CLIENT or TS_SERVER */
    uint8_t rst_verdict;        /* enum ts_rst_verdict */
    bool bad_synack;            /* a SYN-ACK whose ACK does not cover the receiver's SYN */
    uint8_t sender_before;      /* the sender's state before this segment */
    uint8_t receiver_before;    /* the receiver's state before this segment */
    uint32_t receiver_last_ack; /* the ACK number of the receiver's latest segment */
    bool receiver_acked;        /* it has sent one */
    uint32_t sender_last_ack;   /* the sender's highest ACK number before this segment */
    bool sender_acked;          /* it had sent one */
    uint32_t receiver_snd_nxt;  /* what the receiver had sent, as far as seen */
    int64_t ts_ns;
    uint64_t pkt;
    struct ts_flow_table *ft;   /* where the flow's extra comes from (ts_detect_extra) */
};

struct ts_detector {
    /* note evidence; NULL when the finding needs none */
    void (*segment)(struct ts_flow *f, const struct ts_segment_view *v);
    /* decide; fills out and returns true when the finding holds */
    bool (*finding)(const struct ts_flow *f, const struct ts_detect_config *cfg,
                    struct ts_anomaly *out);
};

extern const struct ts_detector ts_detect_half_open, ts_detect_syn_unanswered,
    ts_detect_syn_retransmit, ts_detect_fin_wait_2_orphan, ts_detect_missing_fin,
    ts_detect_stale_peer, ts_detect_rst_out_of_window, ts_detect_bad_ack,
    ts_detect_time_wait_reuse, ts_detect_simultaneous_open, ts_detect_simultaneous_close,
    ts_detect_midstream;

/* Every detector's segment hook. */
void ts_detect_segment(struct ts_flow *f, const struct ts_segment_view *v);

/* For tests: the detector of a finding (enum in anomaly.h), and the list
 * of those with a segment hook that ts_detect_segment runs. */
const struct ts_detector *ts_detector(int kind);
size_t ts_detect_hooks(const struct ts_detector *const **list);

/* A new connection (f) took over the tuple of old, written out at now_ns:
 * note what time_wait_reuse needs. */
void ts_detect_reuse(struct ts_flow_table *ft, struct ts_flow *f, const struct ts_flow *old,
                     int64_t now_ns, int64_t two_msl_ns);

/* f's extra, for noting rarer evidence; NULL when memory ran out (the
 * evidence is then lost, and its TS_EV_* bit must stay clear). */
struct ts_flow_extra *ts_detect_extra(struct ts_flow_table *ft, struct ts_flow *f);

/* Start a finding of kind about side with nothing else known. */
void ts_anomaly_init(struct ts_anomaly *a, int kind, int side);

#endif
