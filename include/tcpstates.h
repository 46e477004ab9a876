/* tcpstates.h - the public API of libtcpstates: feed packets to an analyzer,
 * take back the connections it finished, each with both endpoints' states.
 *
 *   struct ts_analyzer *a;
 *   ts_analyzer_new(&a, &cfg, dlt, errbuf, sizeof errbuf);
 *   for each packet: ts_analyzer_packet(a, ts_ns, data, caplen, len);
 *     (from a file: ts_analyzer_packet_ahead, then ts_analyzer_flush_ahead)
 *                    while ((f = ts_analyzer_next_done(a))) use(f);
 *   ts_analyzer_finish(a); while ((f = ts_analyzer_next_done(a))) use(f);
 *   ts_analyzer_free(a);
 *
 * Library code never prints, aborts or exits; functions that can fail return
 * a negative TS_E* value and describe the problem in the caller's errbuf.
 */
#ifndef TCPSTATES_H
#define TCPSTATES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "anomaly.h"
#include "flow.h"
#include "tcp_fsm.h"

#define TS_OK 0
#define TS_EINVAL (-1)  /* bad argument */
#define TS_ENOMEM (-2)  /* out of memory */
#define TS_EINPUT (-3)  /* the input could not be read */

#define TS_NS_PER_SEC 1000000000LL

struct ts_config {
    int64_t msl_ns;          /* TIME_WAIT lasts 2 x MSL */
    int64_t fin_timeout_ns;  /* FIN_WAIT_2 / CLOSE_WAIT age that makes an orphan */
    int64_t syn_timeout_ns;  /* age at which an unfinished handshake is half-open */
    int64_t idle_timeout_ns; /* idle synchronized flows are written out */
    uint32_t max_flows;      /* 0 = bounded by memcap only */
    uint64_t memcap;         /* bytes of flow state; 0 = unbounded */
    bool timeline;           /* keep every transition of every flow */
    double syn_flood_rate;   /* failed SYNs/s per target that start a SYN-flood alert */
    uint32_t syn_flood_half_open; /* handshakes half-open over 1 s that start one */
    uint64_t seed[2];        /* hash seed */
};

/* The defaults of SPEC.md: MSL 30 s, fin-timeout 60 s, syn-timeout 3 s,
 * idle-timeout 3600 s, memcap 256 MiB, SYN flood at 200 failed SYNs/s or
 * 128 half-open handshakes per target. */
void ts_config_defaults(struct ts_config *cfg);

struct ts_input_stats {
    uint64_t packets;         /* records read */
    uint64_t tcp_packets;     /* TCP segments analysed */
    uint64_t non_tcp;         /* IP or link traffic that is not TCP */
    uint64_t truncated;       /* cut by the snaplen before the TCP header was whole */
    uint64_t malformed;       /* headers that contradict themselves */
    uint64_t fragments;       /* non-first IP fragments */
    uint64_t unsupported_link;/* frames of a link type we do not decode */
    int64_t first_ns, last_ns;
};

struct ts_summary {
    uint64_t flows;
    uint64_t endpoint_states[TS_STATE_COUNT]; /* final states, both endpoints */
    uint64_t evicted;                         /* flows written out early: table full */
    uint64_t idle_expired;                    /* flows written out after idle-timeout */
    uint64_t midstream;
    uint64_t handshakes;                      /* completed handshakes */
    uint64_t resets;                          /* flows closed by a RST */
    uint64_t conn_state[TS_ZEEK_STATE_COUNT]; /* flows per Zeek conn_state */
    uint64_t anomalies[TS_AN_COUNT];          /* flows per finding */
    /* the SYN-flood detector's (alert.h) */
    uint64_t alerts;                          /* alerts started */
    uint64_t alerts_active;                   /* alerts still on */
    uint64_t flood_targets;                   /* targets it tracks now */
    uint64_t flood_targets_evicted;           /* quiet targets dropped: its table was full */
    double peak_syn_rate;                     /* highest attempts/s at one target (1 s window) */
    double peak_failed_rate;                  /* highest failed SYNs/s at one target */
    uint32_t peak_half_open;                  /* most handshakes half-open over 1 s at one target */
};

/* The last packet's trace, for a step-by-step timeline. */
#define TS_TRACE_MAX_TRANS 12
struct ts_packet_trace {
    uint64_t pkt;             /* packet number in the capture, from 1 */
    int64_t ts_ns;
    const struct ts_flow *flow;
    uint8_t sender;           /* TS_CLIENT or TS_SERVER */
    uint8_t flags;            /* TCP flags */
    bool has_ack;
    bool retransmit;
    uint8_t rst_verdict;      /* enum ts_rst_verdict */
    uint32_t rel_seq, rel_ack;/* relative to the sender's / receiver's ISN */
    uint32_t len;             /* payload bytes */
    uint8_t ntrans;
    struct ts_transition trans[TS_TRACE_MAX_TRANS];
};

struct ts_analyzer;

int ts_analyzer_new(struct ts_analyzer **out, const struct ts_config *cfg, int dlt,
                    char *errbuf, size_t errlen);
void ts_analyzer_free(struct ts_analyzer *a);

/* One captured frame: ts_ns capture time, caplen bytes captured of len on
 * the wire. Returns 1 when it was a TCP segment that was analysed, 0 when it
 * was counted and skipped. */
int ts_analyzer_packet(struct ts_analyzer *a, int64_t ts_ns, const uint8_t *data,
                       uint32_t caplen, uint32_t len);

/* The same for a file, faster: the frame is decoded now and analysed a few
 * frames later (the memory its connection lives in is fetched meanwhile),
 * in the same order as ever. Returns what ts_analyzer_packet returns for
 * the frame analysed during this call (the trace is that frame's), or -1
 * when none was. The frames still held are analysed by
 * ts_analyzer_flush_ahead (with their traces) or, before anything else, by
 * ts_analyzer_packet, ts_analyzer_tick and ts_analyzer_finish. Not for a
 * live capture: the last frames would wait for the next ones. */
int ts_analyzer_packet_ahead(struct ts_analyzer *a, int64_t ts_ns, const uint8_t *data,
                             uint32_t caplen, uint32_t len);

/* Analyse the oldest frame held by ts_analyzer_packet_ahead: returns as
 * ts_analyzer_packet, or -1 when none is held. */
int ts_analyzer_flush_ahead(struct ts_analyzer *a);

/* The input had this many records (a filter passed over them) before the
 * next frame handed in: packet numbers (traces, transitions, evidence) stay
 * the input's record numbers, as Wireshark's frame numbers are. Packet
 * counts are not changed. */
void ts_analyzer_skip(struct ts_analyzer *a, uint64_t records);

/* The capture ended: every flow still tracked is finished. */
void ts_analyzer_finish(struct ts_analyzer *a);

/* The same in steps, so that the flows still tracked (all of them, in a
 * capture shorter than its timeouts) can be written out on one core while
 * the rest are settled (their last states, the summary) on this one:
 * ts_analyzer_finish_take lists them and hands them out at once, as
 * ts_analyzer_take_done does (after any finished flow not taken yet), but
 * not settled; ts_analyzer_finish_upto(a, k), called with k growing,
 * settles the first k of those handed out: read none before. Between the
 * two, no other ts_analyzer_* call. Then ts_analyzer_finish settles what is
 * left and ends the input as above. */
size_t ts_analyzer_finish_take(struct ts_analyzer *a, const struct ts_flow *const **flows);
void ts_analyzer_finish_upto(struct ts_analyzer *a, size_t upto);

/* Live capture with no packet for a while: capture time still passes, so
 * timers run (TIME_WAIT expiry, idle timeouts). now_ns is the clock that
 * stamps the packets (CLOCK_REALTIME); it never moves time backwards. */
void ts_analyzer_tick(struct ts_analyzer *a, int64_t now_ns);

/* The flows being tracked (not finished): call with *cursor = 0. */
const struct ts_flow *ts_analyzer_next_live(struct ts_analyzer *a, uint32_t *cursor);

/* How many flows are tracked and how many bytes their records take. */
void ts_analyzer_usage(const struct ts_analyzer *a, uint64_t *flows, uint64_t *bytes);

/* The next finished flow, or NULL. The flow stays valid until the next call
 * of any ts_analyzer_* function. */
const struct ts_flow *ts_analyzer_next_done(struct ts_analyzer *a);
/* Every finished flow not taken yet, in order, at once (*flows, the count
 * returned): all stay valid until the next call of a ts_analyzer_* function
 * other than the read-only getters, so they can be written out in parallel. */
size_t ts_analyzer_take_done(struct ts_analyzer *a, const struct ts_flow *const **flows);

/* The next alert event (a SYN flood starting, going on, ending), or NULL;
 * valid until the next call of any ts_analyzer_* function. Take them after
 * each packet, tick and finish, as the finished flows. */
const struct ts_alert *ts_analyzer_next_alert(struct ts_analyzer *a);

/* True when a finished flow or an alert event is waiting to be taken (most
 * packets leave neither: the loop need not ask for them). */
bool ts_analyzer_has_output(const struct ts_analyzer *a);

/* The trace of the last TCP packet (valid when ts_analyzer_packet returned 1). */
const struct ts_packet_trace *ts_analyzer_trace(const struct ts_analyzer *a);

const struct ts_input_stats *ts_analyzer_stats(const struct ts_analyzer *a);
const struct ts_summary *ts_analyzer_summary(const struct ts_analyzer *a);
int ts_analyzer_linktype(const struct ts_analyzer *a);

/* A flow's final endpoint state as reported (LISTEN that never answered -> CLOSED). */
enum ts_state ts_flow_final_state(const struct ts_flow *f, int endpoint);

#endif
