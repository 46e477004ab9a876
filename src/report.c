/* report.c - picks the writer for the chosen format and passes flows and
 * alerts to it; keeps the latest event of every alert (for the document, the
 * text table, --check and --metrics); also the wording the writers share
 * (addresses, close names). */
#include "report.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

struct ts_report {
    struct ts_report_options o;
    FILE *fp;
    struct ts_report_json *json;
    struct ts_report_text *text;
    struct ts_alert *alerts; /* by id: alerts[id - 1] */
    size_t nalerts, alerts_cap;
};

int ts_report_open(struct ts_report **out, FILE *fp, const struct ts_report_options *ro,
                   char *errbuf, size_t errlen)
{
    struct ts_report *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(errbuf, errlen, "out of memory");
        return TS_ENOMEM;
    }
    r->o = *ro;
    r->fp = fp;
    if (ro->check)
        ; /* one line at the end, nothing before */
    else if (ro->fmt == TS_FORMAT_TEXT)
        r->text = ts_report_text_open(fp, ro->timeline, &ro->dc);
    else
        r->json = ts_report_json_open(fp, ro->fmt == TS_FORMAT_NDJSON || ro->alerts_only,
                                      ro->timeline, &ro->dc);
    if (!ro->check && !r->text && !r->json) {
        free(r);
        snprintf(errbuf, errlen, "out of memory");
        return TS_ENOMEM;
    }
    *out = r;
    return TS_OK;
}

void ts_report_flow(struct ts_report *r, const struct ts_flow *f)
{
    if (r->o.alerts_only || r->o.check)
        return;
    if (r->text)
        ts_report_text_flow(r->text, f);
    else
        ts_report_json_flow(r->json, f);
}

void ts_report_alert(struct ts_report *r, const struct ts_alert *a)
{
    if (a->id == 0 || a->id > r->nalerts + 1)
        return; /* ids come in order of start */
    if (a->id > r->nalerts) {
        if (r->nalerts == r->alerts_cap) {
            size_t cap = r->alerts_cap ? r->alerts_cap * 2 : 16;
            struct ts_alert *n = realloc(r->alerts, cap * sizeof *n);
            if (!n)
                return;
            r->alerts = n;
            r->alerts_cap = cap;
        }
        r->nalerts++;
    }
    r->alerts[a->id - 1] = *a;
    if (r->json)
        ts_report_json_alert(r->json, a);
}

const struct ts_alert *ts_report_alerts(const struct ts_report *r, size_t *n)
{
    *n = r->nalerts;
    return r->alerts;
}

void ts_report_trace(struct ts_report *r, const struct ts_packet_trace *t)
{
    if (r->text)
        ts_report_text_trace(r->text, t);
}

void ts_report_stats(struct ts_report *r, const struct ts_live_stats *st,
                     const struct ts_flow *const *flows, size_t nflows)
{
    if (r->o.alerts_only || r->o.check)
        return;
    if (r->text)
        ts_report_text_live(r->text, st, flows, nflows, r->alerts, r->nalerts);
    else
        ts_report_json_stats(r->json, st);
}

void ts_report_set_live(struct ts_report *r, bool on)
{
    if (r->text)
        ts_report_text_set_live(r->text, on);
    else if (r->json)
        ts_report_json_set_live(r->json, on);
}

int ts_report_close(struct ts_report *r, const struct ts_report_input *in,
                    const struct ts_summary *s)
{
    int status = 0;
    if (r->o.check)
        status = ts_report_check(r->fp, in, s, r->alerts, r->nalerts, r->o.syn_flood_rate,
                                 r->o.syn_flood_half_open);
    else if (r->text)
        ts_report_text_close(r->text, in, s, r->alerts, r->nalerts);
    else if (r->o.alerts_only)
        ts_report_json_close(r->json, NULL, s, NULL, 0);
    else
        ts_report_json_close(r->json, in, s, r->alerts, r->nalerts);
    free(r->alerts);
    free(r);
    return status;
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
