/* report.h - finished flows out: a JSON document, NDJSON events or a text
 * table. The report_* files are the only ones that format output. */
#ifndef TS_REPORT_H
#define TS_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "report_pool.h"
#include "tcpstates.h"

#define TS_MAX_INPUT_ERRORS 8

struct ts_input_error {
    char message[512];
};

/* What the report says about its input, at the end. */
struct ts_report_input {
    const char *source;
    const char *linktype;
    const struct ts_input_stats *stats;
    const struct ts_input_error *errors;
    unsigned nerrors;
    const char *problem; /* what tcpstates itself failed to write ("FILE: why"), or NULL */
};

struct ts_report;

/* A live capture's running numbers (the stats event). */
struct ts_live_stats {
    int64_t ts_ns;
    uint64_t packets, tcp_packets;
    bool have_pcap;               /* libpcap's counters below are known */
    uint64_t received, dropped, if_dropped;
    uint64_t flows_tracked, memory, flows_reported;
};

/* What to write and how. */
struct ts_report_options {
    enum ts_format fmt;
    bool timeline;
    bool alerts_only;            /* NDJSON alert events only, each flushed at once */
    bool check;                  /* only the monitoring-plugin status line, at the end */
    struct ts_detect_config dc;
    double syn_flood_rate;       /* the alert thresholds, for --check's levels */
    uint32_t syn_flood_half_open;
};

int ts_report_open(struct ts_report **out, FILE *fp, const struct ts_report_options *ro,
                   char *errbuf, size_t errlen);
/* Finished flows (what ts_analyzer_take_done gives), in order; formatted
 * on two cores when they are many, and while a file is read by a writer
 * thread (JSON, without --timeline), with the same bytes. */
void ts_report_flows(struct ts_report *r, const struct ts_flow *const *flows, size_t n);
/* The same for flows that are still being settled (the end of a file: see
 * ts_analyzer_finish_take): the report calls ready(ready_ctx, k), on this
 * thread and with k growing, before it reads any of the first k, and may
 * read them on its other thread while it makes the next ones ready. What it
 * never reads (--alerts-only, --check) it leaves to the caller to settle. */
void ts_report_flows_settling(struct ts_report *r, const struct ts_flow *const *flows,
                              size_t n, ts_pool_ready_fn ready, void *ready_ctx);
/* An alert event: written at once in NDJSON, kept (its latest event) for the
 * document, the text table, --check and --metrics. */
void ts_report_alert(struct ts_report *r, const struct ts_alert *a);
/* The alerts so far, the latest event of each, in order of start. */
const struct ts_alert *ts_report_alerts(const struct ts_report *r, size_t *n);
/* One line per packet (text --timeline only). */
void ts_report_trace(struct ts_report *r, const struct ts_packet_trace *t);
/* Live: a stats event (NDJSON), or a redraw of the connections being
 * tracked (text); nothing in a JSON document. */
void ts_report_stats(struct ts_report *r, const struct ts_live_stats *st,
                     const struct ts_flow *const *flows, size_t nflows);
/* Live (on): flush after every event, so a pipe sees each line at once; in
 * text, only the redraws are written. Off again before the final report. */
void ts_report_set_live(struct ts_report *r, bool on);

/* Write the end of the report and free it. Returns the exit status the
 * report decided: with --check the plugin's 0 OK .. 3 UNKNOWN, else 0. */
int ts_report_close(struct ts_report *r, const struct ts_report_input *in,
                    const struct ts_summary *s);

/* The two writers behind it. */
struct ts_report_json;
struct ts_report_json *ts_report_json_open(FILE *fp, bool ndjson, bool timeline,
                                           const struct ts_detect_config *dc);
void ts_report_json_flows(struct ts_report_json *r, const struct ts_flow *const *flows,
                          size_t n, ts_pool_ready_fn ready, void *ready_ctx);
void ts_report_json_alert(struct ts_report_json *r, const struct ts_alert *a);
void ts_report_json_close(struct ts_report_json *r, const struct ts_report_input *in,
                          const struct ts_summary *s, const struct ts_alert *alerts,
                          size_t nalerts);
void ts_report_json_stats(struct ts_report_json *r, const struct ts_live_stats *st);
void ts_report_json_set_live(struct ts_report_json *r, bool on);

struct ts_report_text;
struct ts_report_text *ts_report_text_open(FILE *fp, bool timeline,
                                           const struct ts_detect_config *dc);
void ts_report_text_flows(struct ts_report_text *r, const struct ts_flow *const *flows,
                          size_t n, ts_pool_ready_fn ready, void *ready_ctx);
void ts_report_text_trace(struct ts_report_text *r, const struct ts_packet_trace *t);
void ts_report_text_close(struct ts_report_text *r, const struct ts_report_input *in,
                          const struct ts_summary *s, const struct ts_alert *alerts,
                          size_t nalerts);
void ts_report_text_live(struct ts_report_text *r, const struct ts_live_stats *st,
                         const struct ts_flow *const *flows, size_t nflows,
                         const struct ts_alert *alerts, size_t nalerts);

/* --check: the one status line of a monitoring plugin (Nagios/Icinga), with
 * perfdata; returns 0 OK, 1 WARNING, 2 CRITICAL or 3 UNKNOWN. */
int ts_report_check(FILE *fp, const struct ts_report_input *in, const struct ts_summary *s,
                    const struct ts_alert *alerts, size_t nalerts, double rate,
                    uint32_t half_open);

/* --metrics: Prometheus textfile-collector metrics, written to a temporary
 * file beside path and renamed over it (readers never see half a file).
 * Returns 0, or -1 with the reason in errbuf. */
int ts_report_metrics(const char *path, const struct ts_report_input *in,
                      const struct ts_summary *s, const struct ts_alert *alerts,
                      size_t nalerts, char *errbuf, size_t errlen);
/* Whether ts_report_metrics could write path now (its temporary file
 * created and removed; path, if it exists, a regular file, which the
 * rename replaces): 0, or -1 with the reason. */
int ts_report_metrics_probe(const char *path, char *errbuf, size_t errlen);
void ts_report_text_set_live(struct ts_report_text *r, bool on);

/* Shared wording: an address as text, seconds as text, close.by /
 * close.how names. The address (family 4 or 6) is written as inet_ntop
 * writes it ("?" when len is too small), the seconds as printf("%.6f",
 * ns / 1e9) writes them (buf of 32 bytes); both return the length. */
size_t ts_report_addr(const uint8_t addr[16], int family, char *buf, size_t len);
size_t ts_report_seconds(int64_t ns, char *buf);
const char *ts_report_close_by(int by);
const char *ts_report_close_how(int how);
const char *ts_report_side(int side);
const char *ts_report_missing_fin_how(int how);

#endif
