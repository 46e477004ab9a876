/* report.c - picks the writer for the chosen format and passes flows to it;
 * also the wording the writers share (addresses, close names). */
#include "report.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

struct ts_report {
    enum ts_format fmt;
    struct ts_report_json *json;
    struct ts_report_text *text;
};

int ts_report_open(struct ts_report **out, enum ts_format fmt, FILE *fp, bool timeline,
                   const struct ts_detect_config *dc, char *errbuf, size_t errlen)
{
    struct ts_report *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(errbuf, errlen, "out of memory");
        return TS_ENOMEM;
    }
    r->fmt = fmt;
    if (fmt == TS_FORMAT_TEXT)
        r->text = ts_report_text_open(fp, timeline, dc);
    else
        r->json = ts_report_json_open(fp, fmt == TS_FORMAT_NDJSON, timeline, dc);
    if (!r->text && !r->json) {
        free(r);
        snprintf(errbuf, errlen, "out of memory");
        return TS_ENOMEM;
    }
    *out = r;
    return TS_OK;
}

void ts_report_flow(struct ts_report *r, const struct ts_flow *f)
{
    if (r->text)
        ts_report_text_flow(r->text, f);
    else
        ts_report_json_flow(r->json, f);
}

void ts_report_trace(struct ts_report *r, const struct ts_packet_trace *t)
{
    if (r->text)
        ts_report_text_trace(r->text, t);
}

void ts_report_stats(struct ts_report *r, const struct ts_live_stats *st,
                     const struct ts_flow *const *flows, size_t nflows)
{
    if (r->text)
        ts_report_text_live(r->text, st, flows, nflows);
    else
        ts_report_json_stats(r->json, st);
}

void ts_report_set_live(struct ts_report *r, bool on)
{
    if (r->text)
        ts_report_text_set_live(r->text, on);
    else
        ts_report_json_set_live(r->json, on);
}

void ts_report_close(struct ts_report *r, const struct ts_report_input *in,
                     const struct ts_summary *s)
{
    if (r->text)
        ts_report_text_close(r->text, in, s);
    else
        ts_report_json_close(r->json, in, s);
    free(r);
}

void ts_report_addr(const uint8_t addr[16], int family, char *buf, size_t len)
{
    if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)len))
        snprintf(buf, len, "?");
}

const char *ts_report_close_by(int by)
{
    switch (by) {
    case TS_CLOSE_BY_CLIENT: return "client";
    case TS_CLOSE_BY_SERVER: return "server";
    case TS_CLOSE_BY_BOTH: return "both";
    default: return NULL;
    }
}

const char *ts_report_close_how(int how)
{
    switch (how) {
    case TS_CLOSE_HOW_FIN: return "fin";
    case TS_CLOSE_HOW_RST: return "rst";
    default: return "none";
    }
}

const char *ts_report_side(int side)
{
    switch (side) {
    case TS_SIDE_CLIENT: return "client";
    case TS_SIDE_SERVER: return "server";
    case TS_SIDE_BOTH: return "both";
    default: return NULL;
    }
}

const char *ts_report_missing_fin_how(int how)
{
    switch (how) {
    case TS_HOW_RST: return "rst";
    case TS_HOW_IDLE_TIMEOUT: return "idle_timeout";
    case TS_HOW_EVICTED: return "evicted";
    case TS_HOW_CAPTURE_END: return "capture_end";
    default: return NULL;
    }
}
