/* report_json.c - the JSON document and the NDJSON event stream of SPEC.md.
 *
 * Flows are written as they finish, so the document starts with "flows" and
 * ends with "input" and "summary" once the capture is read: memory holds a
 * few flows' JSON at a time, never the whole report. The text is built with
 * json_writer in one reused buffer, written out when it holds WRITE_AT bytes
 * (few, large writes), and at once for every event when live or flushed.
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "report_async.h"
#include "report_pool.h"
#include "zeek_conn.h"

struct ts_report_json {
    FILE *fp;
    bool ndjson;
    bool timeline;
    struct ts_detect_config dc;
    bool live;           /* flush every event */
    uint64_t nflows;
    struct ts_jw w;
    struct ts_async *async; /* the writer thread of a file's flows, once started */
    bool async_failed;      /* it could not be started: this thread writes */
};

#define WRITE_AT (64 * 1024)

/* Write out what the buffer holds, after the flows the writer thread has. */
static void emit(struct ts_report_json *r)
{
    if (r->async)
        ts_async_sync(r->async);
    ts_jw_write(&r->w, r->fp); /* (nothing built yet: no buffer either) */
    ts_jw_reset(&r->w);
}

/* A flow's text is complete: write it out when the buffer is full enough
 * (or at once when live). The next flow goes on after it. */
static void flow_done(struct ts_report_json *r)
{
    if (r->live || r->w.len >= WRITE_AT) {
        emit(r);
        if (r->live)
            ts_jw_flush(r->fp);
    }
    r->w.comma = false;
}

/* A flow is written straight into room reserved for the most its parts can
 * take (json_writer.h's put calls): a flow has no text of unknown length.
 * Names (states, sides, findings) are the program's own words, with nothing
 * in them to escape. */
#define ENDPOINT_MAX 512  /* keys ~130, address <= 63, numbers <= 9 x 20 */
#define FLOW_REST_MAX 768 /* keys ~200, 4 times, names, history <= 6 * 24 + 2 */
#define ANOMALY_MAX 1024  /* keys ~200, 8 numbers, 2 times, gaps 6 x 29 */

/* s NULL: null */
static char *name_text(char *o, const char *s)
{
    if (!s)
        return TS_JW_LIT(o, "null");
    size_t n = strlen(s);
    *o++ = '"';
    o = ts_jw_put(o, s, n);
    *o++ = '"';
    return o;
}

static char *endpoint_json(char *o, const struct ts_flow *f, int idx)
{
    const struct ts_endpoint *ep = &f->ep[idx];
    o = TS_JW_LIT(o, "{\"ip\":\"");
    o += ts_report_addr(ts_flow_addr(f, idx), f->key.family, o, 64);
    o = TS_JW_LIT(o, "\",\"port\":");
    o = ts_jw_put_u64(o, ts_flow_port(f, idx));
    o = TS_JW_LIT(o, ",\"state\":");
    o = name_text(o, ts_state_name(ts_flow_final_state(f, idx)));
    o = TS_JW_LIT(o, ",\"isn\":");
    if (ep->flags & TS_EP_ISN)
        o = ts_jw_put_u64(o, ep->isn);
    else
        o = TS_JW_LIT(o, "null");
    o = TS_JW_LIT(o, ",\"packets\":");
    o = ts_jw_put_u64(o, ep->packets);
    o = TS_JW_LIT(o, ",\"bytes\":");
    o = ts_jw_put_i64(o, (int64_t)ep->bytes);
    o = TS_JW_LIT(o, ",\"syn\":");
    o = ts_jw_put_u64(o, ep->syn);
    o = TS_JW_LIT(o, ",\"fin\":");
    o = ts_jw_put_u64(o, ep->fin);
    o = TS_JW_LIT(o, ",\"rst\":");
    o = ts_jw_put_u64(o, ep->rst);
    o = TS_JW_LIT(o, ",\"retransmits\":");
    o = ts_jw_put_u64(o, ep->retransmits);
    if (ep->mss) {
        o = TS_JW_LIT(o, ",\"mss\":");
        o = ts_jw_put_u64(o, ep->mss);
    }
    if (ep->flags & TS_EP_WSCALE) {
        o = TS_JW_LIT(o, ",\"wscale\":");
        o = ts_jw_put_u64(o, ep->wscale);
    }
    *o++ = '}';
    return o;
}

/* A finding with its evidence; keys appear when the finding has them. */
static char *anomaly_json(char *o, const struct ts_anomaly *an)
{
    o = TS_JW_LIT(o, "{\"name\":");
    o = name_text(o, ts_anomaly_name(an->kind));
    const char *side = ts_report_side(an->side);
    if (side) {
        o = TS_JW_LIT(o, ",\"side\":");
        o = name_text(o, side);
    }
    if (an->since_ns) {
        o = TS_JW_LIT(o, ",\"since\":");
        o = ts_jw_put_time(o, an->since_ns);
    }
    if (an->duration_ns >= 0) {
        o = TS_JW_LIT(o, ",\"duration\":");
        o = ts_jw_put_time(o, an->duration_ns);
    }
    if (an->kind == TS_AN_HALF_OPEN) {
        o = TS_JW_LIT(o, ",\"synacks\":");
        o = ts_jw_put_u64(o, an->count);
        o = TS_JW_LIT(o, ",\"synack_retransmits\":");
        o = ts_jw_put_u64(o, an->count ? an->count - 1 : 0);
    } else if (an->kind == TS_AN_SYN_UNANSWERED || an->kind == TS_AN_SYN_RETRANSMIT) {
        o = TS_JW_LIT(o, ",\"syns\":");
        o = ts_jw_put_u64(o, an->count);
    } else if (an->kind == TS_AN_RST_OUT_OF_WINDOW) {
        o = TS_JW_LIT(o, ",\"rsts\":");
        o = ts_jw_put_u64(o, an->count);
    }
    if (an->ngaps) {
        o = TS_JW_LIT(o, ",\"gaps\":[");
        for (unsigned i = 0; i < an->ngaps; i++) {
            if (i)
                *o++ = ',';
            o = ts_jw_put_time(o, (int64_t)an->gaps_ms[i] * 1000000);
        }
        *o++ = ']';
    }
    if (an->kind == TS_AN_BAD_ACK) {
        o = TS_JW_LIT(o, ",\"expected_ack\":");
        o = ts_jw_put_u64(o, an->expected);
        o = TS_JW_LIT(o, ",\"ack\":");
        o = ts_jw_put_u64(o, an->got);
    }
    if (an->kind == TS_AN_TIME_WAIT_REUSE) {
        o = TS_JW_LIT(o, ",\"previous_flow\":");
        o = ts_jw_put_i64(o, (int64_t)an->other_flow);
    }
    const char *how = ts_report_missing_fin_how(an->how);
    if (how) {
        o = TS_JW_LIT(o, ",\"ended_by\":");
        o = name_text(o, how);
    }
    if (an->pkt) {
        o = TS_JW_LIT(o, ",\"packet\":");
        o = ts_jw_put_i64(o, (int64_t)an->pkt);
    }
    if (an->kind == TS_AN_HALF_OPEN || an->kind == TS_AN_SYN_UNANSWERED ||
        an->kind == TS_AN_FIN_WAIT_2_ORPHAN || an->kind == TS_AN_MISSING_FIN)
        o = an->until_end ? TS_JW_LIT(o, ",\"until_capture_end\":true")
                          : TS_JW_LIT(o, ",\"until_capture_end\":false");
    *o++ = '}';
    return o;
}

static void flow_json(const struct ts_report_json *r, struct ts_jw *w, const struct ts_flow *f)
{
    char *o = ts_jw_reserve(w, 1 + 64 + 2 * ENDPOINT_MAX + FLOW_REST_MAX);
    if (!o)
        return;
    if (w->comma)
        *o++ = ',';
    o = r->ndjson ? TS_JW_LIT(o, "{\"event_type\":\"flow\",\"id\":") : TS_JW_LIT(o, "{\"id\":");
    o = ts_jw_put_i64(o, (int64_t)f->id);
    o = TS_JW_LIT(o, ",\"client\":");
    o = endpoint_json(o, f, TS_CLIENT);
    o = TS_JW_LIT(o, ",\"server\":");
    o = endpoint_json(o, f, TS_SERVER);
    o = TS_JW_LIT(o, ",\"first_ts\":");
    o = ts_jw_put_time(o, f->first_ns);
    o = TS_JW_LIT(o, ",\"last_ts\":");
    o = ts_jw_put_time(o, f->last_ns);
    o = TS_JW_LIT(o, ",\"duration\":");
    o = ts_jw_put_time(o, f->last_ns - f->first_ns);

    bool complete = f->flags & TS_FLOW_HS_COMPLETE;
    o = complete ? TS_JW_LIT(o, ",\"handshake\":{\"complete\":true,\"rtt\":")
                 : TS_JW_LIT(o, ",\"handshake\":{\"complete\":false,\"rtt\":");
    if (complete && f->syn_ns && f->hs_ack_ns >= f->syn_ns)
        o = ts_jw_put_time(o, f->hs_ack_ns - f->syn_ns);
    else
        o = TS_JW_LIT(o, "null");
    o = TS_JW_LIT(o, "},\"close\":{\"by\":");
    o = name_text(o, ts_report_close_by(f->close_by));
    o = TS_JW_LIT(o, ",\"how\":");
    o = name_text(o, ts_report_close_how(f->close_how));
    o = TS_JW_LIT(o, "},\"conn_state\":");
    o = name_text(o, ts_zeek_state_name(ts_zeek_conn_state(&f->zeek, f->ep[0].bytes,
                                                           f->ep[1].bytes)));
    o = TS_JW_LIT(o, ",\"history\":");
    o = ts_jw_put_str(o, f->zeek.hist, strnlen(f->zeek.hist, TS_ZEEK_HISTORY_MAX));
    o = TS_JW_LIT(o, ",\"anomalies\":[");
    ts_jw_commit(w, o);

    struct ts_anomaly found[TS_AN_COUNT];
    int n = ts_flow_anomalies(f, &r->dc, found, TS_AN_COUNT);
    for (int i = 0; i < n; i++) {
        o = ts_jw_reserve(w, 1 + ANOMALY_MAX);
        if (!o)
            return;
        if (i)
            *o++ = ',';
        ts_jw_commit(w, anomaly_json(o, &found[i]));
    }
    ts_jw_raw(w, "]");
    w->comma = true;

    if (r->timeline) {
        ts_jw_arr(w, "transitions");
        uint32_t ntrans;
        const struct ts_transition *trans = ts_flow_transitions(f, &ntrans);
        for (uint32_t i = 0; i < ntrans; i++) {
            const struct ts_transition *t = &trans[i];
            ts_jw_obj(w, NULL);
            ts_jw_time(w, "ts", t->ts_ns);
            ts_jw_str(w, "endpoint", t->endpoint == TS_CLIENT ? "client" : "server");
            ts_jw_str(w, "from", ts_state_name((enum ts_state)t->from));
            ts_jw_str(w, "to", ts_state_name((enum ts_state)t->to));
            if (t->pkt)
                ts_jw_int(w, "packet", (int64_t)t->pkt);
            else
                ts_jw_null(w, "packet");
            ts_jw_obj_end(w);
        }
        ts_jw_arr_end(w);
    }
    ts_jw_obj_end(w);
}

/* An alert event (SPEC.md "Alerts"), with what else the detector knows. */
static void alert_json(struct ts_jw *w, const struct ts_alert *a, bool event)
{
    char ip[64];
    ts_jw_obj(w, NULL);
    if (event)
        ts_jw_str(w, "event_type", "alert");
    ts_jw_str(w, "type", "syn_flood");
    ts_jw_int(w, "id", (int64_t)a->id);
    size_t iplen = ts_report_addr(a->addr, a->family, ip, sizeof ip);
    ts_jw_obj(w, "target");
    ts_jw_strn(w, "ip", ip, iplen);
    ts_jw_int(w, "port", a->port);
    ts_jw_obj_end(w);
    ts_jw_str(w, "status", ts_alert_status_name(a->status));
    ts_jw_bool(w, "ongoing", a->ongoing);
    ts_jw_str(w, "trigger", ts_alert_trigger_name(a->trigger));
    ts_jw_time(w, "ts", a->ts_ns);
    ts_jw_time(w, "start_ts", a->start_ns);
    if (a->status == TS_ALERT_END)
        ts_jw_time(w, "end_ts", a->end_ns);
    else
        ts_jw_null(w, "end_ts");
    ts_jw_int(w, "syn_rate", (int64_t)(a->syn_rate + 0.5));
    ts_jw_int(w, "failed_rate", (int64_t)(a->failed_rate + 0.5));
    ts_jw_int(w, "peak_syn_rate", (int64_t)(a->peak_syn_rate + 0.5));
    ts_jw_int(w, "half_open", a->half_open);
    ts_jw_int(w, "peak_half_open", a->peak_half_open);
    ts_jw_int(w, "syns", (int64_t)a->syns);
    ts_jw_int(w, "completed", (int64_t)a->completed);
    ts_jw_int(w, "distinct_sources", (int64_t)a->distinct_sources);
    ts_jw_int(w, "evicted", (int64_t)a->evicted);
    ts_jw_arr(w, "top_sources");
    for (unsigned i = 0; i < a->ntop; i++) {
        iplen = ts_report_addr(a->top[i].addr, a->family, ip, sizeof ip);
        ts_jw_obj(w, NULL);
        ts_jw_strn(w, "ip", ip, iplen);
        ts_jw_int(w, "syns", (int64_t)a->top[i].syns);
        ts_jw_obj_end(w);
    }
    ts_jw_arr_end(w);
    ts_jw_obj_end(w);
}

struct ts_report_json *ts_report_json_open(FILE *fp, bool ndjson, bool timeline,
                                           const struct ts_detect_config *dc)
{
    struct ts_report_json *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->dc = *dc;
    r->fp = fp;
    r->ndjson = ndjson;
    r->timeline = timeline;
    ts_jw_init(&r->w);
    if (!ndjson)
        fprintf(fp, "{\"tool\":\"tcpstates\",\"version\":\"%s\",\n\"flows\":[", TS_VERSION);
    return r;
}

/* A flow's text with what goes around it; number: how many flows came before. */
static void flow_text(const struct ts_report_json *r, struct ts_jw *w, const struct ts_flow *f,
                      uint64_t number)
{
    if (!r->ndjson)
        ts_jw_raw(w, number ? ",\n" : "\n");
    flow_json(r, w, f);
    if (r->ndjson)
        ts_jw_raw(w, "\n");
    w->comma = false;
}

static void one_flow(struct ts_report_json *r, const struct ts_flow *f)
{
    flow_text(r, &r->w, f, r->nflows);
    r->nflows++;
    flow_done(r);
}

static void async_text(void *ctx, struct ts_jw *w, const struct ts_flow *f, uint64_t number)
{
    flow_text(ctx, w, f, number);
}

/* Flows that finish while a file is read go to a writer thread (its
 * copies do not carry --timeline transitions: those are written here). */
static bool use_async(struct ts_report_json *r)
{
    if (r->live || r->timeline)
        return false;
    if (!r->async && !r->async_failed) {
        emit(r); /* what is buffered goes first */
        r->async = ts_async_start(async_text, r, r->fp);
        r->async_failed = !r->async;
    }
    return r->async != NULL;
}

/* Below this many flows at once, one thread writes them (a thread's start
 * costs more than it saves); chunks of CHUNK flows go to the two threads. */
#define PARALLEL_FROM 2048
#define CHUNK 256

struct batch {
    const struct ts_report_json *r;
    const struct ts_flow *const *flows;
};

static void batch_text(void *ctx, struct ts_jw *w, size_t first, size_t n)
{
    const struct batch *b = ctx;
    for (size_t i = first; i < first + n; i++)
        flow_text(b->r, w, b->flows[i], b->r->nflows + i);
}

void ts_report_json_flows(struct ts_report_json *r, const struct ts_flow *const *flows,
                          size_t n, ts_pool_ready_fn ready, void *ready_ctx)
{
    if (n == 0)
        return; /* (the writer thread starts with the first flow) */
    if (n >= PARALLEL_FROM && !r->live) {
        emit(r); /* what is buffered goes first */
        struct batch b = {r, flows};
        if (ts_report_pool_run(n, CHUNK, batch_text, &b, ready, ready_ctx, r->fp) == 0) {
            r->nflows += n;
            return;
        }
    }
    if (ready)
        ready(ready_ctx, n);
    if (use_async(r)) {
        for (size_t i = 0; i < n; i++)
            ts_async_flow(r->async, flows[i], r->nflows++);
        return;
    }
    for (size_t i = 0; i < n; i++)
        one_flow(r, flows[i]);
}

/* NDJSON: the event as it happens, flushed at once (monitoring pipes wait
 * for it); a document lists every alert at its end instead. */
void ts_report_json_alert(struct ts_report_json *r, const struct ts_alert *a)
{
    if (!r->ndjson)
        return;
    alert_json(&r->w, a, true);
    ts_jw_raw(&r->w, "\n");
    emit(r);
    ts_jw_flush(r->fp);
}

static void input_json(struct ts_jw *w, const struct ts_report_input *in)
{
    const struct ts_input_stats *st = in->stats;
    ts_jw_obj(w, "input");
    ts_jw_str(w, "source", in->source);
    ts_jw_str(w, "linktype", in->linktype);
    ts_jw_int(w, "packets", (int64_t)st->packets);
    ts_jw_int(w, "tcp_packets", (int64_t)st->tcp_packets);
    if (st->packets) {
        ts_jw_time(w, "first_ts", st->first_ns);
        ts_jw_time(w, "last_ts", st->last_ns);
    } else {
        ts_jw_null(w, "first_ts");
        ts_jw_null(w, "last_ts");
    }
    ts_jw_obj(w, "skipped");
    ts_jw_int(w, "non_tcp", (int64_t)st->non_tcp);
    ts_jw_int(w, "truncated", (int64_t)st->truncated);
    ts_jw_int(w, "malformed", (int64_t)st->malformed);
    ts_jw_int(w, "fragments", (int64_t)st->fragments);
    ts_jw_int(w, "unsupported_link", (int64_t)st->unsupported_link);
    ts_jw_obj_end(w);
    ts_jw_arr(w, "errors");
    for (unsigned i = 0; i < in->nerrors; i++)
        ts_jw_str(w, NULL, in->errors[i].message);
    ts_jw_arr_end(w);
    ts_jw_obj_end(w);
}

static void summary_json(struct ts_jw *w, const struct ts_summary *s)
{
    ts_jw_obj(w, "summary");
    ts_jw_int(w, "flows", (int64_t)s->flows);
    ts_jw_obj(w, "endpoint_states");
    for (int i = 0; i < TS_STATE_COUNT; i++)
        if (s->endpoint_states[i])
            ts_jw_int(w, ts_state_name((enum ts_state)i), (int64_t)s->endpoint_states[i]);
    ts_jw_obj_end(w);
    ts_jw_obj(w, "conn_state");
    for (int i = 0; i < TS_ZEEK_STATE_COUNT; i++)
        if (s->conn_state[i])
            ts_jw_int(w, ts_zeek_state_name(i), (int64_t)s->conn_state[i]);
    ts_jw_obj_end(w);
    ts_jw_obj(w, "anomalies");
    for (int i = 0; i < TS_AN_COUNT; i++)
        if (s->anomalies[i])
            ts_jw_int(w, ts_anomaly_name(i), (int64_t)s->anomalies[i]);
    ts_jw_obj_end(w);
    ts_jw_int(w, "handshakes", (int64_t)s->handshakes);
    ts_jw_int(w, "resets", (int64_t)s->resets);
    ts_jw_int(w, "midstream", (int64_t)s->midstream);
    ts_jw_int(w, "alerts", (int64_t)s->alerts);
    ts_jw_int(w, "evicted", (int64_t)s->evicted);
    ts_jw_int(w, "idle_expired", (int64_t)s->idle_expired);
    ts_jw_obj(w, "syn_flood");
    ts_jw_int(w, "alerts_active", (int64_t)s->alerts_active);
    ts_jw_int(w, "peak_syn_rate", (int64_t)(s->peak_syn_rate + 0.5));
    ts_jw_int(w, "peak_failed_rate", (int64_t)(s->peak_failed_rate + 0.5));
    ts_jw_int(w, "peak_half_open", s->peak_half_open);
    ts_jw_int(w, "targets", (int64_t)s->flood_targets);
    ts_jw_int(w, "targets_evicted", (int64_t)s->flood_targets_evicted);
    ts_jw_obj_end(w);
    ts_jw_obj_end(w);
}

void ts_report_json_close(struct ts_report_json *r, const struct ts_report_input *in,
                          const struct ts_summary *s, const struct ts_alert *alerts,
                          size_t nalerts)
{
    struct ts_jw *w = &r->w;
    if (!in) {
        /* --alerts-only: the events were the report */
    } else if (r->ndjson) {
        ts_jw_obj(w, NULL);
        ts_jw_str(w, "event_type", "summary");
        input_json(w, in);
        summary_json(w, s);
        ts_jw_obj_end(w);
        ts_jw_raw(w, "\n");
    } else {
        /* close "flows", then the rest of the document's members */
        ts_jw_raw(w, r->nflows ? "\n],\n" : "],\n");
        w->comma = false;
        input_json(w, in);
        ts_jw_raw(w, "\n");
        summary_json(w, s);
        ts_jw_raw(w, ",\n\"alerts\":[");
        for (size_t i = 0; i < nalerts; i++) {
            ts_jw_raw(w, i ? ",\n" : "\n");
            w->comma = false;
            alert_json(w, &alerts[i], false);
        }
        ts_jw_raw(w, nalerts ? "\n]}\n" : "]}\n");
    }
    emit(r);
    ts_jw_flush(r->fp);
    ts_async_stop(r->async);
    ts_jw_free(w);
    free(r);
}

void ts_report_json_set_live(struct ts_report_json *r, bool on)
{
    if (on && r->async)
        ts_async_sync(r->async);
    if (on && r->w.len) { /* what was held back goes out before the first live event */
        emit(r);
        ts_jw_flush(r->fp);
    }
    r->live = on;
}

void ts_report_json_stats(struct ts_report_json *r, const struct ts_live_stats *st)
{
    if (!r->ndjson)
        return; /* a JSON document has no place for running numbers */
    struct ts_jw *w = &r->w;
    ts_jw_obj(w, NULL);
    ts_jw_str(w, "event_type", "stats");
    ts_jw_time(w, "ts", st->ts_ns);
    ts_jw_int(w, "packets", (int64_t)st->packets);
    ts_jw_int(w, "tcp_packets", (int64_t)st->tcp_packets);
    if (st->have_pcap) {
        ts_jw_int(w, "ps_recv", (int64_t)st->received);
        ts_jw_int(w, "ps_drop", (int64_t)st->dropped);
        ts_jw_int(w, "ps_ifdrop", (int64_t)st->if_dropped);
    }
    ts_jw_int(w, "flows_tracked", (int64_t)st->flows_tracked);
    ts_jw_int(w, "flows_reported", (int64_t)st->flows_reported);
    ts_jw_int(w, "memory", (int64_t)st->memory);
    ts_jw_obj_end(w);
    ts_jw_raw(w, "\n");
    emit(r);
    ts_jw_flush(r->fp);
}
