/* report_json.c - the JSON document and the NDJSON event stream of SPEC.md.
 *
 * Flows are written as they finish, so the document starts with "flows" and
 * ends with "input" and "summary" once the capture is read: memory holds one
 * flow's JSON at a time, never the whole report.
 */
#include "report.h"
#include "zeek_conn.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

struct ts_report_json {
    FILE *fp;
    bool ndjson;
    bool timeline;
    struct ts_detect_config dc;
    bool live;           /* flush every event */
    uint64_t nflows;
};

/* Epoch seconds with microsecond precision, printed exactly that way. */
static json_object *json_time(int64_t ns)
{
    char buf[48];
    int64_t us = ns >= 0 ? (ns + 500) / 1000 : (ns - 500) / 1000;
    const char *sign = us < 0 ? "-" : "";
    uint64_t mag = us < 0 ? (uint64_t)(-us) : (uint64_t)us;
    snprintf(buf, sizeof buf, "%s%llu.%06llu", sign, (unsigned long long)(mag / 1000000),
             (unsigned long long)(mag % 1000000));
    return json_object_new_double_s((double)ns / 1e9, buf);
}

static void add(json_object *o, const char *k, json_object *v)
{
    json_object_object_add(o, k, v);
}

static json_object *endpoint_json(const struct ts_flow *f, int idx)
{
    const struct ts_endpoint *ep = &f->ep[idx];
    char ip[64];
    ts_report_addr(ep->addr, f->key.family, ip, sizeof ip);
    json_object *o = json_object_new_object();
    add(o, "ip", json_object_new_string(ip));
    add(o, "port", json_object_new_int(ep->port));
    add(o, "state", json_object_new_string(ts_state_name(ts_flow_final_state(f, idx))));
    add(o, "isn", (ep->flags & TS_EP_ISN) ? json_object_new_int64(ep->isn) : NULL);
    add(o, "packets", json_object_new_int64(ep->packets));
    add(o, "bytes", json_object_new_int64((int64_t)ep->bytes));
    add(o, "syn", json_object_new_int64(ep->syn));
    add(o, "fin", json_object_new_int64(ep->fin));
    add(o, "rst", json_object_new_int64(ep->rst));
    add(o, "retransmits", json_object_new_int64(ep->retransmits));
    if (ep->mss)
        add(o, "mss", json_object_new_int(ep->mss));
    if (ep->flags & TS_EP_WSCALE)
        add(o, "wscale", json_object_new_int(ep->wscale));
    return o;
}

/* A finding with its evidence; keys appear when the finding has them. */
static json_object *anomaly_json(const struct ts_anomaly *an)
{
    json_object *o = json_object_new_object();
    add(o, "name", json_object_new_string(ts_anomaly_name(an->kind)));
    const char *side = ts_report_side(an->side);
    if (side)
        add(o, "side", json_object_new_string(side));
    if (an->since_ns)
        add(o, "since", json_time(an->since_ns));
    if (an->duration_ns >= 0)
        add(o, "duration", json_time(an->duration_ns));
    if (an->kind == TS_AN_HALF_OPEN) {
        add(o, "synacks", json_object_new_int64(an->count));
        add(o, "synack_retransmits", json_object_new_int64(an->count ? an->count - 1 : 0));
    } else if (an->kind == TS_AN_SYN_UNANSWERED || an->kind == TS_AN_SYN_RETRANSMIT) {
        add(o, "syns", json_object_new_int64(an->count));
    } else if (an->kind == TS_AN_RST_OUT_OF_WINDOW) {
        add(o, "rsts", json_object_new_int64(an->count));
    }
    if (an->ngaps) {
        json_object *g = json_object_new_array();
        for (unsigned i = 0; i < an->ngaps; i++)
            json_object_array_add(g, json_time((int64_t)an->gaps_ms[i] * 1000000));
        add(o, "gaps", g);
    }
    if (an->kind == TS_AN_BAD_ACK) {
        add(o, "expected_ack", json_object_new_int64(an->expected));
        add(o, "ack", json_object_new_int64(an->got));
    }
    if (an->kind == TS_AN_TIME_WAIT_REUSE)
        add(o, "previous_flow", json_object_new_int64((int64_t)an->other_flow));
    const char *how = ts_report_missing_fin_how(an->how);
    if (how)
        add(o, "ended_by", json_object_new_string(how));
    if (an->pkt)
        add(o, "packet", json_object_new_int64((int64_t)an->pkt));
    if (an->kind == TS_AN_HALF_OPEN || an->kind == TS_AN_SYN_UNANSWERED ||
        an->kind == TS_AN_FIN_WAIT_2_ORPHAN || an->kind == TS_AN_MISSING_FIN)
        add(o, "until_capture_end", json_object_new_boolean(an->until_end));
    return o;
}

static json_object *flow_json(const struct ts_report_json *r, const struct ts_flow *f)
{
    json_object *o = json_object_new_object();
    if (r->ndjson)
        add(o, "event_type", json_object_new_string("flow"));
    add(o, "id", json_object_new_int64((int64_t)f->id));
    add(o, "client", endpoint_json(f, TS_CLIENT));
    add(o, "server", endpoint_json(f, TS_SERVER));
    add(o, "first_ts", json_time(f->first_ns));
    add(o, "last_ts", json_time(f->last_ns));
    add(o, "duration", json_time(f->last_ns - f->first_ns));

    json_object *hs = json_object_new_object();
    bool complete = f->flags & TS_FLOW_HS_COMPLETE;
    add(hs, "complete", json_object_new_boolean(complete));
    add(hs, "rtt", complete && f->syn_ns && f->hs_ack_ns >= f->syn_ns
                       ? json_time(f->hs_ack_ns - f->syn_ns) : NULL);
    add(o, "handshake", hs);

    json_object *cl = json_object_new_object();
    const char *by = ts_report_close_by(f->close_by);
    add(cl, "by", by ? json_object_new_string(by) : NULL);
    add(cl, "how", json_object_new_string(ts_report_close_how(f->close_how)));
    add(o, "close", cl);

    add(o, "conn_state", json_object_new_string(ts_zeek_state_name(
                             ts_zeek_conn_state(&f->zeek, f->ep[0].bytes, f->ep[1].bytes))));
    add(o, "history", json_object_new_string(f->zeek.hist));

    json_object *an = json_object_new_array();
    struct ts_anomaly found[TS_AN_COUNT];
    int n = ts_flow_anomalies(f, &r->dc, found, TS_AN_COUNT);
    for (int i = 0; i < n; i++)
        json_object_array_add(an, anomaly_json(&found[i]));
    add(o, "anomalies", an);

    if (r->timeline) {
        json_object *tr = json_object_new_array();
        for (uint32_t i = 0; i < f->ntrans; i++) {
            const struct ts_transition *t = &f->trans[i];
            json_object *e = json_object_new_object();
            add(e, "ts", json_time(t->ts_ns));
            add(e, "endpoint", json_object_new_string(t->endpoint == TS_CLIENT ? "client"
                                                                              : "server"));
            add(e, "from", json_object_new_string(ts_state_name((enum ts_state)t->from)));
            add(e, "to", json_object_new_string(ts_state_name((enum ts_state)t->to)));
            add(e, "packet", t->pkt ? json_object_new_int64((int64_t)t->pkt) : NULL);
            json_object_array_add(tr, e);
        }
        add(o, "transitions", tr);
    }
    return o;
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
    if (!ndjson)
        fprintf(fp, "{\"tool\":\"tcpstates\",\"version\":\"%s\",\n\"flows\":[", TS_VERSION);
    return r;
}

void ts_report_json_flow(struct ts_report_json *r, const struct ts_flow *f)
{
    json_object *o = flow_json(r, f);
    const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    if (r->ndjson)
        fprintf(r->fp, "%s\n", s);
    else
        fprintf(r->fp, "%s\n%s", r->nflows ? "," : "", s);
    r->nflows++;
    json_object_put(o);
    if (r->live)
        fflush(r->fp);
}

static json_object *input_json(const struct ts_report_input *in)
{
    const struct ts_input_stats *st = in->stats;
    json_object *o = json_object_new_object();
    add(o, "source", json_object_new_string(in->source));
    add(o, "linktype", in->linktype ? json_object_new_string(in->linktype) : NULL);
    add(o, "packets", json_object_new_int64((int64_t)st->packets));
    add(o, "tcp_packets", json_object_new_int64((int64_t)st->tcp_packets));
    add(o, "first_ts", st->packets ? json_time(st->first_ns) : NULL);
    add(o, "last_ts", st->packets ? json_time(st->last_ns) : NULL);
    json_object *sk = json_object_new_object();
    add(sk, "non_tcp", json_object_new_int64((int64_t)st->non_tcp));
    add(sk, "truncated", json_object_new_int64((int64_t)st->truncated));
    add(sk, "malformed", json_object_new_int64((int64_t)st->malformed));
    add(sk, "fragments", json_object_new_int64((int64_t)st->fragments));
    add(sk, "unsupported_link", json_object_new_int64((int64_t)st->unsupported_link));
    add(o, "skipped", sk);
    json_object *err = json_object_new_array();
    for (unsigned i = 0; i < in->nerrors; i++)
        json_object_array_add(err, json_object_new_string(in->errors[i].message));
    add(o, "errors", err);
    return o;
}

static json_object *summary_json(const struct ts_summary *s)
{
    json_object *o = json_object_new_object();
    add(o, "flows", json_object_new_int64((int64_t)s->flows));
    json_object *es = json_object_new_object();
    for (int i = 0; i < TS_STATE_COUNT; i++)
        if (s->endpoint_states[i])
            add(es, ts_state_name((enum ts_state)i),
                json_object_new_int64((int64_t)s->endpoint_states[i]));
    add(o, "endpoint_states", es);
    json_object *cs = json_object_new_object();
    for (int i = 0; i < TS_ZEEK_STATE_COUNT; i++)
        if (s->conn_state[i])
            add(cs, ts_zeek_state_name(i), json_object_new_int64((int64_t)s->conn_state[i]));
    add(o, "conn_state", cs);
    json_object *an = json_object_new_object();
    for (int i = 0; i < TS_AN_COUNT; i++)
        if (s->anomalies[i])
            add(an, ts_anomaly_name(i), json_object_new_int64((int64_t)s->anomalies[i]));
    add(o, "anomalies", an);
    add(o, "handshakes", json_object_new_int64((int64_t)s->handshakes));
    add(o, "resets", json_object_new_int64((int64_t)s->resets));
    add(o, "midstream", json_object_new_int64((int64_t)s->midstream));
    add(o, "alerts", json_object_new_int64(0));
    add(o, "evicted", json_object_new_int64((int64_t)s->evicted));
    add(o, "idle_expired", json_object_new_int64((int64_t)s->idle_expired));
    return o;
}

void ts_report_json_close(struct ts_report_json *r, const struct ts_report_input *in,
                          const struct ts_summary *s)
{
    json_object *input = input_json(in);
    json_object *sum = summary_json(s);
    if (r->ndjson) {
        json_object *o = json_object_new_object();
        add(o, "event_type", json_object_new_string("summary"));
        add(o, "input", input);
        add(o, "summary", sum);
        fprintf(r->fp, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        json_object_put(o);
    } else {
        fprintf(r->fp, "%s],\n\"input\":%s,\n\"summary\":%s,\n\"alerts\":[]}\n",
                r->nflows ? "\n" : "",
                json_object_to_json_string_ext(input, JSON_C_TO_STRING_PLAIN),
                json_object_to_json_string_ext(sum, JSON_C_TO_STRING_PLAIN));
        json_object_put(input);
        json_object_put(sum);
    }
    fflush(r->fp);
    free(r);
}

void ts_report_json_set_live(struct ts_report_json *r, bool on)
{
    r->live = on;
}

void ts_report_json_stats(struct ts_report_json *r, const struct ts_live_stats *st)
{
    if (!r->ndjson)
        return; /* a JSON document has no place for running numbers */
    json_object *o = json_object_new_object();
    add(o, "event_type", json_object_new_string("stats"));
    add(o, "ts", json_time(st->ts_ns));
    add(o, "packets", json_object_new_int64((int64_t)st->packets));
    add(o, "tcp_packets", json_object_new_int64((int64_t)st->tcp_packets));
    if (st->have_pcap) {
        add(o, "ps_recv", json_object_new_int64((int64_t)st->received));
        add(o, "ps_drop", json_object_new_int64((int64_t)st->dropped));
        add(o, "ps_ifdrop", json_object_new_int64((int64_t)st->if_dropped));
    }
    add(o, "flows_tracked", json_object_new_int64((int64_t)st->flows_tracked));
    add(o, "flows_reported", json_object_new_int64((int64_t)st->flows_reported));
    add(o, "memory", json_object_new_int64((int64_t)st->memory));
    fprintf(r->fp, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    fflush(r->fp);
}
