/* report.c - picks the writer for the chosen format and passes flows and
 * alerts to it; keeps the latest event of every alert (for the document, the
 * text table, --check and --metrics); also the wording the writers share
 * (addresses and seconds as text, close names). */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "json_writer.h"

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

void ts_report_flows_settling(struct ts_report *r, const struct ts_flow *const *flows,
                              size_t n, ts_pool_ready_fn ready, void *ready_ctx)
{
    if (r->o.alerts_only || r->o.check)
        return;
    if (r->text) {
        ts_report_text_flows(r->text, flows, n, ready, ready_ctx);
    } else {
        ts_report_json_flows(r->json, flows, n, ready, ready_ctx);
    }
}

void ts_report_flows(struct ts_report *r, const struct ts_flow *const *flows, size_t n)
{
    ts_report_flows_settling(r, flows, n, NULL, NULL);
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

/* ---- addresses and seconds as text -------------------------------------- */

static char *ipv4_text(char *o, const uint8_t a[4])
{
    for (int i = 0; i < 4; i++) {
        unsigned b = a[i];
        if (i)
            *o++ = '.';
        if (b >= 100)
            *o++ = (char)('0' + b / 100);
        if (b >= 10)
            *o++ = (char)('0' + b / 10 % 10);
        *o++ = (char)('0' + b % 10);
    }
    return o;
}

static char *hex16_text(char *o, unsigned v)
{
    static const char hex[] = "0123456789abcdef";
    if (v >= 0x1000)
        *o++ = hex[v >> 12];
    if (v >= 0x100)
        *o++ = hex[(v >> 8) & 15];
    if (v >= 0x10)
        *o++ = hex[(v >> 4) & 15];
    *o++ = hex[v & 15];
    return o;
}

/* RFC 5952 as glibc's inet_ntop applies it: groups in lower-case hex
 * without leading zeros; the longest run of two or more zero groups (the
 * first of equal ones) is written "::"; when that run is the first six
 * groups, or the first five followed by ffff, the last four bytes are
 * written as IPv4 (::1.2.3.4, ::ffff:1.2.3.4). */
static char *ipv6_text(char *o, const uint8_t a[16])
{
    unsigned g[8];
    for (int i = 0; i < 8; i++)
        g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
    /* the longest run of zero groups, the first of equal ones */
    int run = -1, run_len = 0;
    for (int i = 0, j; i < 8; i = j + 1) {
        for (j = i; j < 8 && g[j] == 0; j++)
            ;
        if (j - i > run_len) {
            run = i;
            run_len = j - i;
        }
    }
    if (run_len < 2)
        run = -1;
    if (run == 0 && run_len == 6) {
        memcpy(o, "::", 2);
        return ipv4_text(o + 2, a + 12);
    }
    if (run == 0 && run_len == 5 && g[5] == 0xffff) {
        memcpy(o, "::ffff:", 7);
        return ipv4_text(o + 7, a + 12);
    }
    bool colon = false; /* a ':' before the next group */
    for (int i = 0; i < 8; i++) {
        if (i == run) {
            *o++ = ':';
            *o++ = ':';
            i += run_len - 1;
            colon = false;
            continue;
        }
        if (colon)
            *o++ = ':';
        o = hex16_text(o, g[i]);
        colon = true;
    }
    return o;
}

size_t ts_report_addr(const uint8_t addr[16], int family, char *buf, size_t len)
{
    char t[48];
    char *end = family == 6 ? ipv6_text(t, addr) : ipv4_text(t, addr);
    size_t n = (size_t)(end - t);
    if (n >= len) { /* as inet_ntop: no room is a failure */
        snprintf(buf, len, "?");
        return len ? strlen(buf) : 0;
    }
    memcpy(buf, t, n);
    buf[n] = '\0';
    return n;
}

size_t ts_report_seconds(int64_t ns, char *buf)
{
    uint64_t mag = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    uint64_t us = mag / 1000;
    uint64_t rem = mag % 1000;
    /* ns / 1e9 as a double is off from the true value by under a 2^-52
     * part of it (ns converted, then divided): when that is less than the
     * way to the next half microsecond, printf's rounding of the double is
     * the rounding of the true value. Else printf decides. */
    uint64_t slack = (mag >> 52) + 1;
    if (rem + slack >= 500 && rem <= 500 + slack)
        return (size_t)snprintf(buf, 32, "%.6f", (double)ns / 1e9);
    if (rem > 500)
        us++;
    char *o = buf;
    if (ns < 0)
        *o++ = '-';
    o += ts_jw_u64_text(o, us / 1000000);
    *o++ = '.';
    uint64_t frac = us % 1000000;
    for (int i = 5; i >= 0; i--) {
        o[i] = (char)('0' + frac % 10);
        frac /= 10;
    }
    o[6] = '\0';
    return (size_t)(o + 6 - buf);
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
