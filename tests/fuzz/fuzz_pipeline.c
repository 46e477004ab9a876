/* fuzz_pipeline.c - libFuzzer target: the whole pipeline on a capture file
 * image (pcap or pcapng bytes): capture -> analyzer -> JSON and text reports,
 * with the timeline on, written to /dev/null. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capture.h"
#include "report.h"
#include "tcpstates.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Finished flows and alerts out, as main.c's drain does. */
static void drain(struct ts_analyzer *a, struct ts_report *rep)
{
    const struct ts_flow *const *flows;
    size_t n = ts_analyzer_take_done(a, &flows);
    ts_report_flows(rep, flows, n);
    const struct ts_alert *al;
    while ((al = ts_analyzer_next_alert(a)) != NULL)
        ts_report_alert(rep, al);
}

/* As main.c: the flows still tracked at the end are settled as the report
 * reads them. */
static void settle(void *a, size_t upto)
{
    ts_analyzer_finish_upto(a, upto);
}

static void run(const uint8_t *data, size_t size, enum ts_format fmt, FILE *out)
{
    FILE *fp = fmemopen((void *)data, size, "rb");
    if (!fp)
        return;
    char err[512];
    struct ts_capture *cap;
    if (ts_capture_open_stream(&cap, fp, err, sizeof err) < 0)
        return;
    struct ts_config cfg;
    ts_config_defaults(&cfg);
    cfg.timeline = true;
    cfg.max_flows = 64; /* small, so eviction runs too */
    /* and small SYN-flood tables (an analyzer per input); an odd-sized input
     * gets a memcap of a few flows, so their side blocks make room too */
    cfg.memcap = size % 2 ? 96u << 10 : 1u << 20;
    struct ts_analyzer *a;
    struct ts_report *rep;
    if (ts_analyzer_new(&a, &cfg, ts_capture_datalink(cap), err, sizeof err) < 0) {
        ts_capture_close(cap);
        return;
    }
    struct ts_detect_config dc = {cfg.syn_timeout_ns, cfg.fin_timeout_ns};
    struct ts_report_options ro = {.fmt = fmt, .timeline = true, .dc = dc,
                                   .syn_flood_rate = cfg.syn_flood_rate,
                                   .syn_flood_half_open = cfg.syn_flood_half_open};
    if (ts_report_open(&rep, out, &ro, err, sizeof err) < 0) {
        ts_analyzer_free(a);
        ts_capture_close(cap);
        return;
    }
    struct ts_capture_packet p;
    /* as main.c reads a file: each frame analysed a few frames later */
    while (ts_capture_next(cap, &p, err, sizeof err) == 1) {
        if (ts_analyzer_packet_ahead(a, p.ts_ns, p.data, p.caplen, p.len) == 1)
            ts_report_trace(rep, ts_analyzer_trace(a));
        drain(a, rep);
    }
    int r;
    while ((r = ts_analyzer_flush_ahead(a)) >= 0) {
        if (r == 1)
            ts_report_trace(rep, ts_analyzer_trace(a));
        drain(a, rep);
    }
    const struct ts_flow *const *last;
    size_t nlast = ts_analyzer_finish_take(a, &last);
    ts_report_flows_settling(rep, last, nlast, settle, a);
    ts_analyzer_finish(a);
    drain(a, rep);
    struct ts_report_input in = {.source = "fuzz", .linktype = "x",
                                 .stats = ts_analyzer_stats(a), .errors = NULL, .nerrors = 0};
    ts_report_close(rep, &in, ts_analyzer_summary(a));
    ts_analyzer_free(a);
    ts_capture_close(cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    if (!devnull)
        return 0;
    run(data, size, TS_FORMAT_JSON, devnull);
    run(data, size, TS_FORMAT_TEXT, devnull);
    return 0;
}
