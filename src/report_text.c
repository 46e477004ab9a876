/* report_text.c - the report for people: one row per connection with both
 * endpoints' states, then the state counts netstat users know, then the
 * alerts (SYN floods); with
 * --timeline, one line per packet before it (flags, relative seq/ack and the
 * transitions derived at the packet, each marked with the packet that
 * caused it when that was an earlier one). A connection's row and a packet's line
 * are put together by hand in one reused buffer and written at once: printf
 * cost more than everything else they take. */
#include "report.h"
#include "json_writer.h"
#include "zeek_conn.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report_async.h"
#include "report_pool.h"

struct ts_report_text {
    FILE *fp;
    bool timeline;
    bool header_done;
    bool have_t0;
    int64_t t0_ns;   /* first traced packet, for relative times */
    struct ts_detect_config dc;
    bool live;      /* redraw a view; rows only in the final report */
    bool finishing; /* the final report: rows are printed */
    uint64_t nflows;
    struct ts_jw row; /* a row or a packet's line, reused */
    struct ts_async *async; /* the writer thread of a file's rows, once started */
    bool async_failed;      /* it could not be started: this thread writes */
};

/* What the writer thread holds is written before anything else. */
static void sync_writer(struct ts_report_text *r)
{
    if (r->async)
        ts_async_sync(r->async);
}

struct ts_report_text *ts_report_text_open(FILE *fp, bool timeline,
                                           const struct ts_detect_config *dc)
{
    struct ts_report_text *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->dc = *dc;
    r->fp = fp;
    r->timeline = timeline;
    ts_jw_init(&r->row);
    return r;
}

/* "1.2.3.4:80" or "[::1]:80" into buf (64 bytes: an address takes at most
 * 45); returns the length. */
static size_t endpoint_text(const struct ts_flow *f, int idx, char *buf)
{
    bool v6 = f->key.family == 6;
    char *o = buf;
    if (v6)
        *o++ = '[';
    o += ts_report_addr(ts_flow_addr(f, idx), f->key.family, o, 48);
    if (v6)
        *o++ = ']';
    *o++ = ':';
    o += ts_jw_u64_text(o, ts_flow_port(f, idx));
    *o = '\0';
    return (size_t)(o - buf);
}

/* printf's %-*s: s, then spaces up to width */
static char *left(char *o, const char *s, size_t n, size_t width)
{
    memcpy(o, s, n);
    o += n;
    for (; n < width; n++)
        *o++ = ' ';
    return o;
}

/* printf's %*s: spaces up to width, then s */
static char *right(char *o, const char *s, size_t n, size_t width)
{
    for (; width > n; width--)
        *o++ = ' ';
    memcpy(o, s, n);
    return o + n;
}

/* s as it is */
static char *text(char *o, const char *s)
{
    size_t n = strlen(s);
    memcpy(o, s, n);
    return o + n;
}

/* printf's %*llu */
static char *right_num(char *o, uint64_t v, size_t width)
{
    char d[20];
    return right(o, d, ts_jw_u64_text(d, v), width);
}

/* s after the n characters in buf, as strncat leaves it when the text may
 * take at most max characters; returns the new length */
static size_t add(char *buf, size_t max, size_t n, const char *s)
{
    size_t k = strlen(s);
    if (k > max - n)
        k = max - n;
    memcpy(buf + n, s, k);
    buf[n + k] = '\0';
    return n + k;
}

static void header(struct ts_report_text *r)
{
    if (r->header_done)
        return;
    r->header_done = true;
    fprintf(r->fp, "%5s  %-28s %-28s %-12s %-12s %-11s %-6s %-12s %6s %9s %12s  %s\n", "ID",
            "CLIENT", "SERVER", "CLIENT", "SERVER", "CLOSE", "ZEEK", "HISTORY", "PKTS", "BYTES",
            "DURATION", "NOTES");
}

/* printf into w */
static void jw_printf(struct ts_jw *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *o = ts_jw_reserve(w, 256);
    int n = o ? vsnprintf(o, 257, fmt, ap) : -1;
    va_end(ap);
    if (n > 256) { /* longer than the usual room: again with room for all */
        va_start(ap, fmt);
        o = ts_jw_reserve(w, (size_t)n);
        n = o ? vsnprintf(o, (size_t)n + 1, fmt, ap) : -1;
        va_end(ap);
    }
    if (n > 0)
        ts_jw_commit(w, o + n);
}

/* One line under the row: the finding in words, with its evidence. */
static void finding_text(struct ts_jw *o, const struct ts_flow *f, const struct ts_anomaly *a)
{
    const char *side = ts_report_side(a->side);
    char since[32] = "", dur[32] = "";
    if (a->since_ns)
        ts_report_seconds(a->since_ns - f->first_ns, since);
    if (a->duration_ns >= 0)
        ts_report_seconds(a->duration_ns, dur);
    jw_printf(o, "%7s-> %s:", "", ts_anomaly_name(a->kind));
    switch (a->kind) {
    case TS_AN_HALF_OPEN:
        jw_printf(o, " the server sent %u SYN-ACK(s) and the final ACK never came; SYN_RCVD for %s s",
                a->count, dur);
        break;
    case TS_AN_SYN_UNANSWERED:
        jw_printf(o, " %u SYN(s) and no answer for %s s", a->count, dur);
        break;
    case TS_AN_SYN_RETRANSMIT:
        jw_printf(o, " %u SYNs, gaps", a->count);
        for (unsigned i = 0; i < a->ngaps; i++)
            jw_printf(o, "%s%.3f", i ? ", " : " ", a->gaps_ms[i] / 1000.0);
        jw_printf(o, " s");
        break;
    case TS_AN_FIN_WAIT_2_ORPHAN:
        jw_printf(o, " the %s closed and sits in FIN_WAIT_2, the %s never sent its FIN (CLOSE_WAIT)"
                   " for %s s",
                side, a->side == TS_SIDE_CLIENT ? "server" : "client", dur);
        break;
    case TS_AN_MISSING_FIN:
        jw_printf(o, " no FIN from %s; ended by %s", a->side == TS_SIDE_BOTH ? "either side" : side,
                ts_report_missing_fin_how(a->how));
        break;
    case TS_AN_STALE_PEER:
        jw_printf(o, " the %s answered with a RST that shows it had no connection (lost it)", side);
        break;
    case TS_AN_RST_OUT_OF_WINDOW:
        jw_printf(o, " %u RST(s) claiming to be from the %s, outside the window: dropped", a->count,
                side);
        break;
    case TS_AN_BAD_ACK:
        jw_printf(o, " the %s acknowledged %u, expected %u", side, a->got, a->expected);
        break;
    case TS_AN_TIME_WAIT_REUSE:
        jw_printf(o, " reuses the tuple of connection %llu while the %s was in TIME_WAIT (%s s left)",
                (unsigned long long)a->other_flow, side, dur);
        break;
    default:
        break;
    }
    if (since[0])
        jw_printf(o, "; at +%s s", since);
    if (a->pkt)
        jw_printf(o, ", packet %llu", (unsigned long long)a->pkt);
    if (a->until_end)
        jw_printf(o, " (still so when the capture ended)");
    ts_jw_raw_n(o, "\n", 1);
}

/* A connection's row and its findings' lines, appended to b. */
static void flow_rows(const struct ts_report_text *r, struct ts_jw *b, const struct ts_flow *f)
{
    char c[64], s[64], dur[32], close[24], notes[256] = "";
    size_t clen = endpoint_text(f, TS_CLIENT, c);
    size_t slen = endpoint_text(f, TS_SERVER, s);
    size_t durlen = ts_report_seconds(f->last_ns - f->first_ns, dur);
    const char *by = ts_report_close_by(f->close_by);
    size_t closelen;
    if (by) {
        closelen = add(close, sizeof close - 1, 0, by);
        closelen = add(close, sizeof close - 1, closelen, " ");
        closelen = add(close, sizeof close - 1, closelen, ts_report_close_how(f->close_how));
    } else {
        closelen = add(close, sizeof close - 1, 0, "-");
    }
    struct ts_anomaly found[TS_AN_COUNT];
    int n = ts_flow_anomalies(f, &r->dc, found, TS_AN_COUNT);
    size_t nlen = 0;
    for (int i = 0; i < n; i++) {
        nlen = add(notes, sizeof notes - 1, nlen, ts_anomaly_name(found[i].kind));
        nlen = add(notes, sizeof notes - 1, nlen, " ");
    }
    if (!(f->flags & TS_FLOW_HS_COMPLETE) && !(f->flags & TS_FLOW_MIDSTREAM))
        nlen = add(notes, sizeof notes - 1, nlen, "no-handshake ");
    uint64_t pkts = (uint64_t)f->ep[0].packets + f->ep[1].packets;
    uint64_t bytes = f->ep[0].bytes + f->ep[1].bytes;
    const char *zeek =
        ts_zeek_state_name(ts_zeek_conn_state(&f->zeek, f->ep[0].bytes, f->ep[1].bytes));
    const char *cst = ts_state_name(ts_flow_final_state(f, TS_CLIENT));
    const char *sst = ts_state_name(ts_flow_final_state(f, TS_SERVER));
    size_t cstlen = strlen(cst), sstlen = strlen(sst), zlen = strlen(zeek);
    size_t hlen = strlen(f->zeek.hist);

    /* The row as printf's "%5llu  %-28s %-28s %-12s %-12s %-11s %-6s %-12s
     * %6llu %9llu %12s  %s\n" writes it. Room: every field at its length
     * plus its width (141 in all), the separators (15), the numbers (20
     * each). */
    char *o = ts_jw_reserve(b, clen + slen + cstlen + sstlen + closelen + zlen + hlen + durlen +
                                   nlen + 141 + 15 + 3 * 20);
    if (o) {
        o = right_num(o, f->id, 5);
        o = text(o, "  ");
        o = left(o, c, clen, 28);
        *o++ = ' ';
        o = left(o, s, slen, 28);
        *o++ = ' ';
        o = left(o, cst, cstlen, 12);
        *o++ = ' ';
        o = left(o, sst, sstlen, 12);
        *o++ = ' ';
        o = left(o, close, closelen, 11);
        *o++ = ' ';
        o = left(o, zeek, zlen, 6);
        *o++ = ' ';
        o = left(o, f->zeek.hist, hlen, 12);
        *o++ = ' ';
        o = right_num(o, pkts, 6);
        *o++ = ' ';
        o = right_num(o, bytes, 9);
        *o++ = ' ';
        o = right(o, dur, durlen, 12);
        o = text(o, "  ");
        o = left(o, notes, nlen, 0);
        *o++ = '\n';
        ts_jw_commit(b, o);
    }
    for (int i = 0; i < n; i++)
        finding_text(b, f, &found[i]);
}

static void async_rows(void *ctx, struct ts_jw *w, const struct ts_flow *f, uint64_t number)
{
    (void)number;
    flow_rows(ctx, w, f);
}

static void text_flow(struct ts_report_text *r, const struct ts_flow *f)
{
    if (r->live && !r->finishing)
        return; /* live: flows that end are counted; the view shows the open ones */
    if (r->timeline && r->nflows == 0)
        fprintf(r->fp, "\n");
    header(r);
    r->nflows++;
    /* a file's rows (without --timeline's packet lines between them) go to
     * a writer thread */
    if (!r->live && !r->timeline && !r->async && !r->async_failed) {
        r->async = ts_async_start(async_rows, r, r->fp);
        r->async_failed = !r->async;
    }
    if (r->async && !r->live && !r->timeline) {
        ts_async_flow(r->async, f, r->nflows - 1);
        return;
    }
    sync_writer(r);
    ts_jw_reset(&r->row);
    flow_rows(r, &r->row, f);
    fwrite(r->row.buf, 1, r->row.len, r->fp);
}

struct batch {
    const struct ts_report_text *r;
    const struct ts_flow *const *flows;
};

static void batch_rows(void *ctx, struct ts_jw *w, size_t first, size_t n)
{
    const struct batch *b = ctx;
    for (size_t i = first; i < first + n; i++)
        flow_rows(b->r, w, b->flows[i]);
}

/* Many flows at once (the end of a file), on two cores as report_json.c
 * does; false when they were not written (nor made ready). */
static bool rows_on_two_cores(struct ts_report_text *r, const struct ts_flow *const *flows,
                              size_t n, ts_pool_ready_fn ready, void *ready_ctx)
{
    if (n < 2048 || r->live || r->timeline)
        return false;
    header(r);
    sync_writer(r);
    struct batch b = {r, flows};
    if (ts_report_pool_run(n, 256, batch_rows, &b, ready, ready_ctx, r->fp) != 0)
        return false;
    r->nflows += n;
    return true;
}

void ts_report_text_flows(struct ts_report_text *r, const struct ts_flow *const *flows,
                          size_t n, ts_pool_ready_fn ready, void *ready_ctx)
{
    if (rows_on_two_cores(r, flows, n, ready, ready_ctx))
        return;
    if (ready)
        ready(ready_ctx, n);
    for (size_t i = 0; i < n; i++)
        text_flow(r, flows[i]);
}


/* tcpdump's flag letters: S F R P U E W, '.' for ACK. */
static void flags_text(uint8_t fl, char *buf)
{
    char *p = buf;
    if (fl & 0x02) *p++ = 'S';
    if (fl & 0x01) *p++ = 'F';
    if (fl & 0x04) *p++ = 'R';
    if (fl & 0x08) *p++ = 'P';
    if (fl & 0x20) *p++ = 'U';
    if (fl & 0x40) *p++ = 'E';
    if (fl & 0x80) *p++ = 'W';
    if (fl & 0x10) *p++ = '.';
    if (p == buf) *p++ = '-';
    *p = '\0';
}

void ts_report_text_trace(struct ts_report_text *r, const struct ts_packet_trace *t)
{
    sync_writer(r);
    if (!t->flow)
        return;
    if (!r->have_t0) {
        r->have_t0 = true;
        r->t0_ns = t->ts_ns;
        fprintf(r->fp, "%6s %11s %5s  %-44s %-6s %s\n", "PKT", "TIME", "FLOW", "SEGMENT",
                "FLAGS", "SEQ/ACK/LEN, TRANSITIONS");
    }
    const struct ts_flow *f = t->flow;
    char src[64], dst[64], fl[12], tm[32];
    size_t srclen = endpoint_text(f, t->sender, src);
    size_t dstlen = endpoint_text(f, 1 - t->sender, dst);
    flags_text(t->flags, fl);
    size_t tmlen = ts_report_seconds(t->ts_ns - r->t0_ns, tm);

    /* As printf's "%6llu %11s %5llu  %-44s [%s]%*s seq %u" (the segment
     * "src > dst", the flags padded to 4), " ack %u", " len %u" would write
     * it: at most 280 characters before the transitions. */
    struct ts_jw *b = &r->row;
    ts_jw_reset(b);
    char *o = ts_jw_reserve(b, 400);
    if (!o)
        return;
    o = right_num(o, t->pkt, 6);
    *o++ = ' ';
    o = right(o, tm, tmlen, 11);
    *o++ = ' ';
    o = right_num(o, f->id, 5);
    o = text(o, "  ");
    char *seg = o;
    o = left(o, src, srclen, 0);
    o = text(o, " > ");
    o = left(o, dst, dstlen, 0);
    for (; o - seg < 44; o++)
        *o = ' ';
    o = text(o, " [");
    o = text(o, fl);
    *o++ = ']';
    for (size_t n = strlen(fl); n < 4; n++)
        *o++ = ' ';
    o = text(o, " seq ");
    o += ts_jw_u64_text(o, t->rel_seq);
    if (t->has_ack) {
        o = text(o, " ack ");
        o += ts_jw_u64_text(o, t->rel_ack);
    }
    o = text(o, " len ");
    o += ts_jw_u64_text(o, t->len);
    if (t->retransmit)
        o = text(o, " (retransmission)");
    ts_jw_commit(b, o);
    /* each "%s %s %s->%s", and " (packet %llu)" when an earlier packet's
     * segment caused it (its receipt proven only by this one) */
    for (unsigned i = 0; i < t->ntrans; i++) {
        const struct ts_transition *x = &t->trans[i];
        const char *from = ts_state_name((enum ts_state)x->from);
        const char *to = ts_state_name((enum ts_state)x->to);
        o = ts_jw_reserve(b, strlen(from) + strlen(to) + 44);
        if (!o)
            return;
        o = text(o, i ? ", " : "   ");
        o = text(o, x->endpoint == TS_CLIENT ? "client " : "server ");
        o = text(o, from);
        o = text(o, "->");
        o = text(o, to);
        if (x->pkt && x->pkt != t->pkt) {
            o = text(o, " (packet ");
            o += ts_jw_u64_text(o, x->pkt);
            *o++ = ')';
        }
        ts_jw_commit(b, o);
    }
    ts_jw_raw_n(b, "\n", 1);
    fwrite(b->buf, 1, b->len, r->fp);
}

/* One alert in words: target, when, how strong, what the sources were. */
static void alert_text(FILE *o, const struct ts_alert *a)
{
    char ip[64], start[32], end[32];
    ts_report_addr(a->addr, a->family, ip, sizeof ip);
    ts_report_seconds(a->start_ns, start);
    if (a->status == TS_ALERT_END)
        ts_report_seconds(a->end_ns, end);
    int64_t lasted = (a->status == TS_ALERT_END ? a->end_ns : a->ts_ns) - a->start_ns;
    fprintf(o, "  SYN flood #%llu on %s%s%s:%u (%s): started %s, %s%s (%.1f s)\n",
            (unsigned long long)a->id, a->family == 6 ? "[" : "", ip, a->family == 6 ? "]" : "",
            a->port, ts_alert_trigger_name(a->trigger), start,
            a->status == TS_ALERT_END ? "ended " : "still on", a->status == TS_ALERT_END ? end : "",
            (double)lasted / 1e9);
    fprintf(o, "    peak %.0f SYN/s, now %.0f SYN/s (%.0f failed); %u half-open (peak %u); "
               "%llu SYNs, %llu completed; ~%llu sources",
            a->peak_syn_rate, a->syn_rate, a->failed_rate, a->half_open, a->peak_half_open,
            (unsigned long long)a->syns, (unsigned long long)a->completed,
            (unsigned long long)a->distinct_sources);
    if (a->evicted)
        fprintf(o, "; %llu connections evicted", (unsigned long long)a->evicted);
    fputc('\n', o);
    for (unsigned i = 0; i < a->ntop; i++) {
        ts_report_addr(a->top[i].addr, a->family, ip, sizeof ip);
        fprintf(o, "%s %s %llu", i ? "," : "    top sources:", ip,
                (unsigned long long)a->top[i].syns);
    }
    if (a->ntop)
        fputc('\n', o);
}

void ts_report_text_close(struct ts_report_text *r, const struct ts_report_input *in,
                          const struct ts_summary *s, const struct ts_alert *alerts,
                          size_t nalerts)
{
    ts_async_stop(r->async); /* its rows first */
    r->async = NULL;
    if (r->nflows == 0)
        fprintf(r->fp, "No TCP connections.\n");
    fprintf(r->fp, "\nEndpoint states (both sides of %llu connection%s):\n",
            (unsigned long long)s->flows, s->flows == 1 ? "" : "s");
    for (int i = 0; i < TS_STATE_COUNT; i++)
        if (s->endpoint_states[i])
            fprintf(r->fp, "%7llu %s\n", (unsigned long long)s->endpoint_states[i],
                    ts_state_name((enum ts_state)i));
    bool any = false;
    for (int i = 0; i < TS_AN_COUNT; i++)
        if (s->anomalies[i]) {
            fprintf(r->fp, "%s %s %llu", any ? "," : "\nFindings:", ts_anomaly_name(i),
                    (unsigned long long)s->anomalies[i]);
            any = true;
        }
    if (any)
        fputc('\n', r->fp);
    fprintf(r->fp, "\nZeek conn_state:");
    for (int i = 0; i < TS_ZEEK_STATE_COUNT; i++)
        if (s->conn_state[i])
            fprintf(r->fp, " %s %llu", ts_zeek_state_name(i), (unsigned long long)s->conn_state[i]);
    fputc('\n', r->fp);
    const struct ts_input_stats *st = in->stats;
    fprintf(r->fp, "\n%s: %llu packets, %llu TCP", in->source,
            (unsigned long long)st->packets, (unsigned long long)st->tcp_packets);
    uint64_t skipped = st->non_tcp + st->truncated + st->malformed + st->fragments +
                       st->unsupported_link;
    if (skipped)
        fprintf(r->fp, "; skipped %llu (non-TCP %llu, truncated %llu, malformed %llu, "
                       "fragments %llu, unsupported link %llu)",
                (unsigned long long)skipped, (unsigned long long)st->non_tcp,
                (unsigned long long)st->truncated, (unsigned long long)st->malformed,
                (unsigned long long)st->fragments, (unsigned long long)st->unsupported_link);
    fprintf(r->fp, "; %llu handshakes, %llu reset, %llu midstream\n",
            (unsigned long long)s->handshakes, (unsigned long long)s->resets,
            (unsigned long long)s->midstream);
    if (nalerts) {
        fprintf(r->fp, "\nAlerts:\n");
        for (size_t i = 0; i < nalerts; i++)
            alert_text(r->fp, &alerts[i]);
    } else {
        fprintf(r->fp, "\nAlerts: none (peak %.0f failed SYN/s and %u half-open at one "
                       "target)\n",
                s->peak_failed_rate, s->peak_half_open);
    }
    for (unsigned i = 0; i < in->nerrors; i++)
        fprintf(r->fp, "error: %s\n", in->errors[i].message);
    ts_jw_flush(r->fp);
    ts_jw_free(&r->row);
    free(r);
}

void ts_report_text_set_live(struct ts_report_text *r, bool on)
{
    sync_writer(r);
    if (on) {
        r->live = true;
    } else if (r->live) {
        r->finishing = true; /* the final report: clear the view, print the rows */
        fprintf(r->fp, "\033[H\033[2J");
    }
}

/* The live view, like top: clear the terminal, then the numbers and one row
 * per connection being tracked (most recently active first). */
void ts_report_text_live(struct ts_report_text *r, const struct ts_live_stats *st,
                         const struct ts_flow *const *flows, size_t nflows,
                         const struct ts_alert *alerts, size_t nalerts)
{
    sync_writer(r);
    FILE *o = r->fp;
    fprintf(o, "\033[H\033[2J");
    fprintf(o, "tcpstates: %llu packets (%llu TCP)", (unsigned long long)st->packets,
            (unsigned long long)st->tcp_packets);
    if (st->have_pcap)
        fprintf(o, ", dropped %llu by the capture, %llu by the interface",
                (unsigned long long)st->dropped, (unsigned long long)st->if_dropped);
    fprintf(o, "; %llu connections open, %llu ended; %llu KiB\n\n",
            (unsigned long long)st->flows_tracked, (unsigned long long)st->flows_reported,
            (unsigned long long)(st->memory / 1024));
    for (size_t i = 0; i < nalerts; i++)
        if (alerts[i].status != TS_ALERT_END)
            alert_text(o, &alerts[i]);
    fprintf(o, "%5s  %-28s %-28s %-12s %-12s %8s %12s\n", "ID", "CLIENT", "SERVER", "CLIENT",
            "SERVER", "PKTS", "IDLE");
    for (size_t i = 0; i < nflows; i++) {
        const struct ts_flow *f = flows[i];
        char c[64], s[64], idle[32];
        endpoint_text(f, TS_CLIENT, c);
        endpoint_text(f, TS_SERVER, s);
        ts_report_seconds(st->ts_ns - f->last_ns, idle);
        fprintf(o, "%5llu  %-28s %-28s %-12s %-12s %8llu %12s\n", (unsigned long long)f->id, c,
                s, ts_state_name((enum ts_state)f->ep[TS_CLIENT].state),
                ts_state_name((enum ts_state)f->ep[TS_SERVER].state),
                (unsigned long long)f->ep[0].packets + f->ep[1].packets, idle);
    }
    ts_jw_flush(o);
}
