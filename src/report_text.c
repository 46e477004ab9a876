/* report_text.c - the report for people: one row per connection with both
 * endpoints' states, then the state counts netstat users know, then the
 * alerts (SYN floods); with
 * --timeline, one line per packet before it (flags, relative seq/ack and the
 * transitions the packet caused). */
#include "report.h"
#include "zeek_conn.h"

#include <stdlib.h>
#include <string.h>

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
};

struct ts_report_text *ts_report_text_open(FILE *fp, bool timeline,
                                           const struct ts_detect_config *dc)
{
    struct ts_report_text *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->dc = *dc;
    r->fp = fp;
    r->timeline = timeline;
    return r;
}

static void endpoint_text(const struct ts_flow *f, int idx, char *buf, size_t len)
{
    char ip[64];
    ts_report_addr(ts_flow_addr(f, idx), f->key.family, ip, sizeof ip);
    if (f->key.family == 6)
        snprintf(buf, len, "[%s]:%u", ip, ts_flow_port(f, idx));
    else
        snprintf(buf, len, "%s:%u", ip, ts_flow_port(f, idx));
}

static void seconds(int64_t ns, char *buf, size_t len)
{
    snprintf(buf, len, "%.6f", (double)ns / 1e9);
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

/* One line under the row: the finding in words, with its evidence. */
static void finding_text(struct ts_report_text *r, const struct ts_flow *f,
                         const struct ts_anomaly *a)
{
    const char *side = ts_report_side(a->side);
    char since[32] = "", dur[32] = "";
    if (a->since_ns)
        seconds(a->since_ns - f->first_ns, since, sizeof since);
    if (a->duration_ns >= 0)
        seconds(a->duration_ns, dur, sizeof dur);
    FILE *o = r->fp;
    fprintf(o, "%7s-> %s:", "", ts_anomaly_name(a->kind));
    switch (a->kind) {
    case TS_AN_HALF_OPEN:
        fprintf(o, " the server sent %u SYN-ACK(s) and the final ACK never came; SYN_RCVD for %s s",
                a->count, dur);
        break;
    case TS_AN_SYN_UNANSWERED:
        fprintf(o, " %u SYN(s) and no answer for %s s", a->count, dur);
        break;
    case TS_AN_SYN_RETRANSMIT:
        fprintf(o, " %u SYNs, gaps", a->count);
        for (unsigned i = 0; i < a->ngaps; i++)
            fprintf(o, "%s%.3f", i ? ", " : " ", a->gaps_ms[i] / 1000.0);
        fprintf(o, " s");
        break;
    case TS_AN_FIN_WAIT_2_ORPHAN:
        fprintf(o, " the %s closed and sits in FIN_WAIT_2, the %s never sent its FIN (CLOSE_WAIT)"
                   " for %s s",
                side, a->side == TS_SIDE_CLIENT ? "server" : "client", dur);
        break;
    case TS_AN_MISSING_FIN:
        fprintf(o, " no FIN from %s; ended by %s", a->side == TS_SIDE_BOTH ? "either side" : side,
                ts_report_missing_fin_how(a->how));
        break;
    case TS_AN_STALE_PEER:
        fprintf(o, " the %s answered with a RST that shows it had no connection (lost it)", side);
        break;
    case TS_AN_RST_OUT_OF_WINDOW:
        fprintf(o, " %u RST(s) claiming to be from the %s, outside the window: dropped", a->count,
                side);
        break;
    case TS_AN_BAD_ACK:
        fprintf(o, " the %s acknowledged %u, expected %u", side, a->got, a->expected);
        break;
    case TS_AN_TIME_WAIT_REUSE:
        fprintf(o, " reuses the tuple of connection %llu while the %s was in TIME_WAIT (%s s left)",
                (unsigned long long)a->other_flow, side, dur);
        break;
    default:
        break;
    }
    if (since[0])
        fprintf(o, "; at +%s s", since);
    if (a->pkt)
        fprintf(o, ", packet %llu", (unsigned long long)a->pkt);
    if (a->until_end)
        fprintf(o, " (still so when the capture ended)");
    fputc('\n', o);
}

void ts_report_text_flow(struct ts_report_text *r, const struct ts_flow *f)
{
    if (r->live && !r->finishing)
        return; /* live: flows that end are counted; the view shows the open ones */
    if (r->timeline && r->nflows == 0)
        fprintf(r->fp, "\n");
    header(r);
    char c[80], s[80], dur[32], close[24], notes[256] = "";
    endpoint_text(f, TS_CLIENT, c, sizeof c);
    endpoint_text(f, TS_SERVER, s, sizeof s);
    seconds(f->last_ns - f->first_ns, dur, sizeof dur);
    const char *by = ts_report_close_by(f->close_by);
    if (by)
        snprintf(close, sizeof close, "%s %s", by, ts_report_close_how(f->close_how));
    else
        snprintf(close, sizeof close, "-");
    struct ts_anomaly found[TS_AN_COUNT];
    int n = ts_flow_anomalies(f, &r->dc, found, TS_AN_COUNT);
    for (int i = 0; i < n; i++) {
        strncat(notes, ts_anomaly_name(found[i].kind), sizeof notes - strlen(notes) - 1);
        strncat(notes, " ", sizeof notes - strlen(notes) - 1);
    }
    if (!(f->flags & TS_FLOW_HS_COMPLETE) && !(f->flags & TS_FLOW_MIDSTREAM))
        strncat(notes, "no-handshake ", sizeof notes - strlen(notes) - 1);
    uint64_t pkts = (uint64_t)f->ep[0].packets + f->ep[1].packets;
    uint64_t bytes = f->ep[0].bytes + f->ep[1].bytes;
    const char *zeek =
        ts_zeek_state_name(ts_zeek_conn_state(&f->zeek, f->ep[0].bytes, f->ep[1].bytes));
    fprintf(r->fp, "%5llu  %-28s %-28s %-12s %-12s %-11s %-6s %-12s %6llu %9llu %12s  %s\n",
            (unsigned long long)f->id, c, s, ts_state_name(ts_flow_final_state(f, TS_CLIENT)),
            ts_state_name(ts_flow_final_state(f, TS_SERVER)), close, zeek, f->zeek.hist,
            (unsigned long long)pkts, (unsigned long long)bytes, dur, notes);
    for (int i = 0; i < n; i++)
        finding_text(r, f, &found[i]);
    r->nflows++;
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
    if (!t->flow)
        return;
    if (!r->have_t0) {
        r->have_t0 = true;
        r->t0_ns = t->ts_ns;
        fprintf(r->fp, "%6s %11s %5s  %-44s %-6s %s\n", "PKT", "TIME", "FLOW", "SEGMENT",
                "FLAGS", "SEQ/ACK/LEN, TRANSITIONS");
    }
    const struct ts_flow *f = t->flow;
    char src[80], dst[80], fl[12], tm[32], seg[170];
    endpoint_text(f, t->sender, src, sizeof src);
    endpoint_text(f, 1 - t->sender, dst, sizeof dst);
    flags_text(t->flags, fl);
    seconds(t->ts_ns - r->t0_ns, tm, sizeof tm);
    snprintf(seg, sizeof seg, "%s > %s", src, dst);
    int pad = 4 - (int)strlen(fl);
    fprintf(r->fp, "%6llu %11s %5llu  %-44s [%s]%*s seq %u", (unsigned long long)t->pkt, tm,
            (unsigned long long)f->id, seg, fl, pad > 0 ? pad : 0, "", t->rel_seq);
    if (t->has_ack)
        fprintf(r->fp, " ack %u", t->rel_ack);
    fprintf(r->fp, " len %u", t->len);
    if (t->retransmit)
        fprintf(r->fp, " (retransmission)");
    for (unsigned i = 0; i < t->ntrans; i++) {
        const struct ts_transition *x = &t->trans[i];
        fprintf(r->fp, "%s %s %s->%s", i ? "," : "  ",
                x->endpoint == TS_CLIENT ? "client" : "server",
                ts_state_name((enum ts_state)x->from), ts_state_name((enum ts_state)x->to));
    }
    fputc('\n', r->fp);
}

/* One alert in words: target, when, how strong, what the sources were. */
static void alert_text(FILE *o, const struct ts_alert *a)
{
    char ip[64], start[32], end[32];
    ts_report_addr(a->addr, a->family, ip, sizeof ip);
    seconds(a->start_ns, start, sizeof start);
    if (a->status == TS_ALERT_END)
        seconds(a->end_ns, end, sizeof end);
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
    fflush(r->fp);
    free(r);
}

void ts_report_text_set_live(struct ts_report_text *r, bool on)
{
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
        char c[80], s[80], idle[32];
        endpoint_text(f, TS_CLIENT, c, sizeof c);
        endpoint_text(f, TS_SERVER, s, sizeof s);
        seconds(st->ts_ns - f->last_ns, idle, sizeof idle);
        fprintf(o, "%5llu  %-28s %-28s %-12s %-12s %8llu %12s\n", (unsigned long long)f->id, c,
                s, ts_state_name((enum ts_state)f->ep[TS_CLIENT].state),
                ts_state_name((enum ts_state)f->ep[TS_SERVER].state),
                (unsigned long long)f->ep[0].packets + f->ep[1].packets, idle);
    }
    fflush(o);
}
