/* analyzer.c - owns the pipeline state and moves each packet through it:
 * decode (link, ip, tcp) -> flow table -> seq/ack events -> endpoint state
 * machine -> Zeek's view and the detectors' evidence -> finished flows,
 * which the caller takes with ts_analyzer_next_done. Each handshake's steps
 * (attempt, SYN-ACK, completion, reset) also go to the SYN-flood detector,
 * whose alerts the caller takes with ts_analyzer_next_alert.
 *
 * Time is packet time only. Flows are finished when a new connection reuses
 * their tuple, when their timer class's timeout passes (lazy expiry at the
 * head of each timer list, skipped until a head can be due), when the table
 * is full (eviction, half-open flows first; the records and their side
 * blocks count against the memcap, and a packet never evicts its own flow),
 * or when the capture ends.
 */
#include "tcpstates.h"

#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "anomaly.h"
#include "decode.h"
#include "detect.h"
#include "flow_key.h"
#include "flow_table.h"
#include "prefault.h"
#include "synflood.h"
#include "tcp_seq.h"
#include "zeek_conn.h"

#define TS_HANDSHAKE_TIMEOUT_NS (130 * TS_NS_PER_SEC)

/* A frame decoded down to its TCP header, with its flow key and the key's hash. */
struct decoded {
    int status;              /* TS_DEC_OK or the decoder's verdict */
    bool src_is_a;
    uint32_t hash;
    struct ts_ip ip;
    struct ts_tcp tcp;
    struct ts_flow_key key;
};

#define TS_AHEAD 8 /* frames decoded ahead of their analysis: a power of two */

struct ts_analyzer {
    struct ts_config cfg;
    int dlt;
    struct ts_flow_table ft;
    struct ts_input_stats st;
    uint64_t record;             /* number of the last frame analysed: the input's record */
    uint64_t skip_next;          /* records not handed in before the next frame */
    struct ts_summary sum;
    uint64_t next_id;
    int64_t now_ns;              /* latest packet time seen */
    struct ts_flow **done;       /* finished flows not yet taken */
    uint32_t ndone, done_cap, done_pos;
    struct ts_flow *returned;    /* handed out by next_done, released at the next call */
    bool batch_out;              /* done[done_pos, ndone) handed out by take_done */
    /* the end of the input (ts_analyzer_finish_take): done[settle_next,
     * settle_end) are listed, and handed out, but not settled yet */
    uint32_t settle_next, settle_end;
    struct ts_packet_trace trace;
    bool tracing;                /* the current packet fills trace */
    struct ts_flow reused;       /* a flow's last states when a new one took its tuple */
    int64_t timeout[TS_TIMER_COUNT]; /* of each timer class */
    int64_t due_ns;              /* no flow expires before this (a lower bound) */
    struct ts_synflood *sf;
    /* frames decoded ahead of their analysis (ts_analyzer_packet_ahead):
     * frame number n is in ahead[n % TS_AHEAD]; ahead_in counts the frames
     * decoded, ahead_out those analysed */
    struct {
        int64_t ts_ns;
        uint64_t skip;           /* records not handed in just before it */
        struct decoded d;
    } ahead[TS_AHEAD];
    uint32_t ahead_in, ahead_out;
};

void ts_config_defaults(struct ts_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->msl_ns = 30 * TS_NS_PER_SEC;
    cfg->fin_timeout_ns = 60 * TS_NS_PER_SEC;
    cfg->syn_timeout_ns = 3 * TS_NS_PER_SEC;
    cfg->idle_timeout_ns = 3600 * TS_NS_PER_SEC;
    cfg->memcap = 256u << 20;
    /* Juniper's SYN-flood screen starts at 200 SYNs/s to one destination;
     * 128 was SOMAXCONN, the SYN queue of most listeners (man page) */
    cfg->syn_flood_rate = 200;
    cfg->syn_flood_half_open = 128;
    cfg->seed[0] = 0x5eed5eed5eed5eedULL;
    cfg->seed[1] = 0x0123456789abcdefULL;
}

static int64_t class_timeout(const struct ts_analyzer *a, enum ts_timer_class c)
{
    switch (c) {
    case TS_TIMER_ACTIVE: return a->cfg.idle_timeout_ns;
    case TS_TIMER_HANDSHAKE:
        /* as long as a SYN may still be answered: longer than Linux's whole
         * retry schedule (tcp_syn_retries=6: 127 s), and than 2 MSL */
        return 2 * a->cfg.msl_ns > TS_HANDSHAKE_TIMEOUT_NS ? 2 * a->cfg.msl_ns
                                                           : TS_HANDSHAKE_TIMEOUT_NS;
    case TS_TIMER_CLOSED: return 2 * a->cfg.msl_ns;
    default: return INT64_MAX;
    }
}

int ts_analyzer_new(struct ts_analyzer **out, const struct ts_config *cfg, int dlt,
                    char *errbuf, size_t errlen)
{
    struct ts_analyzer *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(errbuf, errlen, "out of memory");
        return TS_ENOMEM;
    }
    a->cfg = *cfg;
    a->dlt = dlt;
    /* the SYN-flood targets take at most 1/32 of the memory cap, then the flows */
    struct ts_sf_config sc = {cfg->syn_flood_rate, cfg->syn_flood_half_open, 4096, 1u << 20,
                              {cfg->seed[0], cfg->seed[1]}};
    while (cfg->memcap && sc.max_targets > 16 &&
           ts_sf_table_bytes(sc.max_targets, 0) > cfg->memcap / 32)
        sc.max_targets /= 2;
    while (cfg->memcap && sc.evicted_slots > 1024 &&
           sc.evicted_slots * sizeof(uint32_t) > cfg->memcap / 64)
        sc.evicted_slots /= 2;
    uint64_t sf_bytes = ts_sf_table_bytes(sc.max_targets, sc.evicted_slots);
    if (ts_sf_new(&a->sf, &sc) < 0) {
        free(a);
        snprintf(errbuf, errlen, "out of memory");
        return TS_ENOMEM;
    }
    uint64_t max_bytes = 0;
    if (cfg->memcap) {
        /* what the flows cannot use: the targets, and a margin for the
         * pool's last huge page and the buffers around it (the report's
         * writer batches, ~1 MiB, and its end-of-input buffers, ~1.5 MiB) */
        uint64_t margin = (7u << 20) + cfg->memcap / 64;
        if (margin > cfg->memcap / 4)
            margin = cfg->memcap / 4;
        uint64_t left = cfg->memcap > sf_bytes + margin ? cfg->memcap - sf_bytes - margin : 0;
        /* room for one flow with its side blocks, at least */
        uint64_t one = TS_FT_FLOW_COST + 2 * sizeof(struct ts_queue) + sizeof(struct ts_flow_extra);
        max_bytes = left > one ? left : one;
    }
    if (ts_flow_table_init(&a->ft, cfg->max_flows, max_bytes, cfg->seed, errbuf, errlen) < 0) {
        ts_sf_free(a->sf);
        free(a);
        return TS_ENOMEM;
    }
    for (int c = 0; c < TS_TIMER_COUNT; c++)
        a->timeout[c] = class_timeout(a, (enum ts_timer_class)c);
    a->due_ns = INT64_MAX; /* nothing tracked yet */
    *out = a;
    return TS_OK;
}

static void release_returned(struct ts_analyzer *a)
{
    if (a->returned) {
        ts_flow_table_release(&a->ft, a->returned);
        a->returned = NULL;
    }
    if (a->batch_out) {
        for (uint32_t i = a->done_pos; i < a->ndone; i++)
            ts_flow_table_release(&a->ft, a->done[i]);
        a->done_pos = a->ndone = 0;
        a->batch_out = false;
    }
}

void ts_analyzer_free(struct ts_analyzer *a)
{
    if (!a)
        return;
    release_returned(a);
    for (uint32_t i = a->done_pos; i < a->ndone; i++)
        ts_flow_table_release(&a->ft, a->done[i]);
    free(a->done);
    ts_flow_table_free(&a->ft);
    ts_sf_free(a->sf);
    free(a);
}

const struct ts_input_stats *ts_analyzer_stats(const struct ts_analyzer *a) { return &a->st; }
const struct ts_summary *ts_analyzer_summary(const struct ts_analyzer *a) { return &a->sum; }
const struct ts_packet_trace *ts_analyzer_trace(const struct ts_analyzer *a) { return &a->trace; }
int ts_analyzer_linktype(const struct ts_analyzer *a) { return a->dlt; }

enum ts_state ts_flow_final_state(const struct ts_flow *f, int endpoint)
{
    return ts_fsm_final((enum ts_state)f->ep[endpoint].state);
}

/* ------------------------------------------------------------ transitions */

static void record(struct ts_analyzer *a, struct ts_flow *f, int idx, enum ts_state from,
                   enum ts_state to, int64_t ts, uint64_t pkt)
{
    struct ts_transition t = {.ts_ns = ts, .pkt = pkt, .endpoint = (uint8_t)idx,
                              .from = (uint8_t)from, .to = (uint8_t)to};
    if (a->tracing && a->trace.ntrans < TS_TRACE_MAX_TRANS)
        a->trace.trans[a->trace.ntrans++] = t;
    if (!a->cfg.timeline)
        return;
    struct ts_flow_extra *x = ts_flow_table_extra(&a->ft, f);
    if (!x)
        return; /* the timeline loses an entry; the states stay right */
    if (x->ntrans == x->trans_cap) {
        uint32_t cap = x->trans_cap ? x->trans_cap * 2 : 8;
        struct ts_transition *n = realloc(x->trans, cap * sizeof *n);
        if (!n)
            return;
        x->trans = n;
        x->trans_cap = cap;
    }
    x->trans[x->ntrans++] = t;
}

static void set_state(struct ts_analyzer *a, struct ts_flow *f, int idx, enum ts_state to,
                      int64_t ts, uint64_t pkt)
{
    struct ts_endpoint *ep = &f->ep[idx];
    enum ts_state from = (enum ts_state)ep->state;
    if (from == to)
        return;
    ep->state = (uint8_t)to;
    ep->since_ns = ts; /* for TIME_WAIT, when its 2 MSL began */
    record(a, f, idx, from, to, ts, pkt);
}

/* A queued receive event now counts as received by endpoint idx. */
static void deliver(struct ts_analyzer *a, struct ts_flow *f, int idx, const struct ts_pending *p)
{
    struct ts_endpoint *ep = &f->ep[idx];
    enum ts_state from = (enum ts_state)ep->state;
    enum ts_state to = ts_fsm_recv(from, (enum ts_recv_event)p->event);
    /* It arrived after anything this endpoint sent without acknowledging it. */
    int64_t ts = p->ts_ns > ep->last_send_ns ? p->ts_ns : ep->last_send_ns;
    if (from == TS_SYN_SENT && to == TS_SYN_RCVD)
        f->flags |= TS_FLOW_SIM_OPEN;
    if (from == TS_FIN_WAIT_1 && to == TS_CLOSING) {
        f->flags |= TS_FLOW_SIM_CLOSE;
        f->close_by = TS_CLOSE_BY_BOTH;
    }
    if (p->event == TS_RECV_RST && from != TS_CLOSED && from != TS_TIME_WAIT &&
        from != TS_LISTEN)
        f->close_how = TS_CLOSE_HOW_RST;
    set_state(a, f, idx, to, ts, p->pkt);
}

/* Take the head of endpoint i's queue if it counts as received now
 * (ts_seq_take); the endpoint gives its queue back when it is empty. */
static int take_queued(struct ts_analyzer *a, struct ts_flow *f, int i, bool has_ack,
                       uint32_t ack, bool flush, struct ts_pending *out)
{
    int r = ts_seq_take(&f->ep[i], ts_flow_table_queued(&a->ft, f, i), has_ack, ack, flush, out);
    if (r && !f->ep[i].npending)
        ts_flow_table_drop_queue(&a->ft, f, i);
    return r;
}

static inline int take(struct ts_analyzer *a, struct ts_flow *f, int i, bool has_ack,
                       uint32_t ack, bool flush, struct ts_pending *out)
{
    return f->ep[i].npending ? take_queued(a, f, i, has_ack, ack, flush, out) : 0;
}

/* Queue a receive event for endpoint i. One that needs no ACK, with nothing
 * queued ahead of it, counts at once and needs no queue; so does any when
 * memory for the queues ran out. */
static void enqueue(struct ts_analyzer *a, struct ts_flow *f, int i,
                    const struct ts_recv_item *item, uint64_t pkt, int64_t ts)
{
    struct ts_pending *q;
    if ((!item->needs_ack && !f->ep[i].npending) || !(q = ts_flow_table_queue(&a->ft, f, i))) {
        struct ts_pending now = {.event = item->event, .needs_ack = item->needs_ack,
                                 .ack_point = item->ack_point, .pkt = pkt, .ts_ns = ts};
        deliver(a, f, i, &now);
        return;
    }
    struct ts_pending evicted;
    if (ts_seq_enqueue(&f->ep[i], q, item, pkt, ts, &evicted))
        deliver(a, f, i, &evicted);
}

static void flush_pending(struct ts_analyzer *a, struct ts_flow *f)
{
    struct ts_pending p;
    for (int i = 0; i < 2; i++)
        while (take(a, f, i, false, 0, true, &p))
            deliver(a, f, i, &p);
}

/* ------------------------------------------------------------- finishing */

static void push_done(struct ts_analyzer *a, struct ts_flow *f)
{
    if (a->ndone == a->done_cap) {
        /* compact what was taken before growing */
        if (a->done_pos > 0) {
            memmove(a->done, a->done + a->done_pos, (a->ndone - a->done_pos) * sizeof *a->done);
            a->ndone -= a->done_pos;
            a->done_pos = 0;
        }
        if (a->ndone == a->done_cap) {
            uint32_t cap = a->done_cap ? a->done_cap * 2 : 64;
            struct ts_flow **n = realloc(a->done, cap * sizeof *n);
            if (!n) { /* cannot report it: drop it rather than leak the record */
                ts_flow_table_release(&a->ft, f);
                return;
            }
            ts_prefault(n + a->done_cap, (cap - a->done_cap) * sizeof *n);
            a->done = n;
            a->done_cap = cap;
        }
    }
    a->done[a->ndone++] = f;
}

/* Write f out: settle its endpoints, take it out of the index and count it
 * in the summary (the caller puts it in done[]). */
static void end_flow(struct ts_analyzer *a, struct ts_flow *f, int64_t at_ns,
                     enum ts_finish_reason why)
{
    flush_pending(a, f);
    int64_t two_msl = 2 * a->cfg.msl_ns;
    for (int i = 0; i < 2; i++) {
        struct ts_endpoint *ep = &f->ep[i];
        if (ep->state != TS_TIME_WAIT)
            continue;
        if (at_ns - ep->since_ns >= two_msl)
            set_state(a, f, i, TS_CLOSED, ep->since_ns + two_msl, 0);
        else if (why == TS_FINISH_REUSED)
            set_state(a, f, i, TS_CLOSED, at_ns, 0); /* a new SYN ended the wait */
    }
    uint8_t cls = f->timer_class;
    if (why == TS_FINISH_EXPIRED && cls == TS_TIMER_ACTIVE)
        why = TS_FINISH_IDLE;
    f->finish_reason = (uint8_t)why;
    /* a handshake cut short by eviction: its retransmitted SYN is no new attempt */
    if (why == TS_FINISH_EVICTED && (f->flags & TS_FLOW_SF_ATTEMPT) &&
        !(f->flags & TS_FLOW_SF_SETTLED) && (f->ep[TS_CLIENT].flags & TS_EP_ISN))
        ts_sf_note_evicted(a->sf, &f->key, f->ep[TS_CLIENT].isn);
    ts_flow_table_unindex(&a->ft, f);
    f->finish_ns = at_ns; /* off the timer lists: it takes their links' room */
    f->flags |= TS_FLOW_FINISHED;

    struct ts_summary *s = &a->sum;
    s->flows++;
    for (int i = 0; i < 2; i++)
        s->endpoint_states[ts_flow_final_state(f, i)]++;
    if (why == TS_FINISH_EVICTED)
        s->evicted++;
    if (why == TS_FINISH_IDLE)
        s->idle_expired++;
    if (f->flags & TS_FLOW_MIDSTREAM)
        s->midstream++;
    if (f->flags & TS_FLOW_HS_COMPLETE)
        s->handshakes++;
    if (f->close_how == TS_CLOSE_HOW_RST)
        s->resets++;
    s->conn_state[ts_zeek_conn_state(&f->zeek, f->ep[0].bytes, f->ep[1].bytes)]++;
    struct ts_anomaly found[TS_AN_COUNT];
    struct ts_detect_config dc = {a->cfg.syn_timeout_ns, a->cfg.fin_timeout_ns};
    int n = ts_flow_anomalies(f, &dc, found, TS_AN_COUNT);
    for (int i = 0; i < n; i++)
        s->anomalies[found[i].kind]++;
}

static void finish_flow(struct ts_analyzer *a, struct ts_flow *f, int64_t at_ns,
                        enum ts_finish_reason why)
{
    end_flow(a, f, at_ns, why);
    push_done(a, f);
}

/* When f, last active at last_ns, is due in a class with this timeout. */
static int64_t due_at(int64_t last_ns, int64_t timeout)
{
    return last_ns > INT64_MAX - timeout ? INT64_MAX : last_ns + timeout; /* timeout >= 0 */
}

/* The earliest time a head of a timer list is due, or INT64_MAX. */
static int64_t heads_due(struct ts_analyzer *a)
{
    int64_t due = INT64_MAX;
    for (int c = TS_TIMER_HANDSHAKE; c < TS_TIMER_COUNT; c++) {
        const struct ts_flow *f = ts_flow_table_oldest(&a->ft, (enum ts_timer_class)c);
        if (f && due_at(f->last_ns, a->timeout[c]) < due)
            due = due_at(f->last_ns, a->timeout[c]);
    }
    a->ft.head_moved = false;
    return due;
}

/* Finish the flows at the heads of the timer lists whose class timeout
 * passed by now. The earliest time a head is due is kept (due_ns, lowered
 * whenever a list gets a new head), so most packets skip the lists. */
static void expire(struct ts_analyzer *a, int64_t now)
{
    if (now < a->due_ns)
        return;
    for (int c = TS_TIMER_HANDSHAKE; c < TS_TIMER_COUNT; c++) {
        int64_t timeout = a->timeout[c];
        struct ts_flow *f;
        while ((f = ts_flow_table_oldest(&a->ft, (enum ts_timer_class)c)) != NULL &&
               now - f->last_ns >= timeout) {
            /* the next ones are due soon after: their records are cold */
            ts_flow_table_prefetch_newer(&a->ft, f);
            finish_flow(a, f, f->last_ns + timeout, TS_FINISH_EXPIRED);
        }
    }
    a->due_ns = heads_due(a);
}

/* Write out the least recently active flow, of an unfinished handshake
 * first, then of a closed connection, then any; never keep, the flow of the
 * packet at hand. */
static bool evict_one(struct ts_analyzer *a, int64_t now, const struct ts_flow *keep)
{
    static const enum ts_timer_class order[] = {TS_TIMER_HANDSHAKE, TS_TIMER_CLOSED,
                                                TS_TIMER_ACTIVE};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        struct ts_flow *f = ts_flow_table_oldest(&a->ft, order[i]);
        if (f && f == keep)
            f = ts_flow_table_newer(&a->ft, f);
        if (f) {
            /* its last transitions are not the current packet's */
            bool tracing = a->tracing;
            a->tracing = false;
            finish_flow(a, f, now, TS_FINISH_EVICTED);
            a->tracing = tracing;
            return true;
        }
    }
    return false;
}

/* ---------------------------------------------------------------- tracking */

static bool closed_state(uint8_t s)
{
    return s == TS_CLOSED || s == TS_TIME_WAIT || s == TS_LISTEN || s == TS_UNKNOWN;
}

static bool synchronized_state(uint8_t s)
{
    return s >= TS_ESTABLISHED && s <= TS_TIME_WAIT;
}

static enum ts_timer_class timer_class_of(const struct ts_flow *f)
{
    if (closed_state(f->ep[0].state) && closed_state(f->ep[1].state))
        return TS_TIMER_CLOSED;
    if (!(f->flags & (TS_FLOW_HS_COMPLETE | TS_FLOW_MIDSTREAM)))
        return TS_TIMER_HANDSHAKE;
    return TS_TIMER_ACTIVE;
}

/* The state endpoint idx will have once everything queued for it counts as
 * received, computed without changing it. */
static uint8_t settled_state(const struct ts_flow_table *ft, const struct ts_flow *f, int idx)
{
    const struct ts_endpoint *ep = &f->ep[idx];
    enum ts_state st = (enum ts_state)ep->state;
    if (!ep->npending)
        return (uint8_t)st;
    const struct ts_pending *q = ts_flow_table_queued(ft, f, idx);
    for (unsigned i = 0; i < ep->npending; i++)
        st = ts_fsm_recv(st, (enum ts_recv_event)q[i].event);
    return (uint8_t)st;
}

/* Does a SYN from endpoint idx start a new connection on f's tuple? It does
 * when the SYN carries a new ISN and the old connection is over: both sides
 * closed or in TIME_WAIT, or an opener whose SYNs nobody ever answered. */
static bool starts_new_connection(const struct ts_flow_table *ft, const struct ts_flow *f, int idx,
                                  const struct ts_tcp *tcp)
{
    const struct ts_endpoint *s = &f->ep[idx];
    if ((s->flags & TS_EP_ISN) && s->isn == tcp->seq)
        return false;
    const struct ts_endpoint *peer = &f->ep[1 - idx];
    if (s->state == TS_SYN_SENT && !(peer->flags & TS_EP_SEEN) && !(tcp->flags & TS_TH_ACK))
        return true;
    return closed_state(settled_state(ft, f, 0)) && closed_state(settled_state(ft, f, 1));
}

/* Which side serves, for a capture that began mid-connection: the side on a
 * well-known port, else the side not on an ephemeral port, else the receiver. */
static bool src_is_server_midstream(uint16_t sport, uint16_t dport)
{
    if ((sport < 1024) != (dport < 1024))
        return sport < 1024;
    if ((sport >= 32768) != (dport >= 32768))
        return sport < 32768;
    return false;
}

static struct ts_flow *new_flow(struct ts_analyzer *a, const struct ts_flow_key *key,
                                uint32_t hash, bool src_is_a, const struct ts_ip *ip,
                                const struct ts_tcp *tcp, int64_t ts)
{
    struct ts_flow *f = ts_flow_table_insert(&a->ft, key, hash);
    while (!f && evict_one(a, ts, NULL))
        f = ts_flow_table_insert(&a->ft, key, hash);
    if (!f)
        return NULL;

    uint8_t fl = tcp->flags;
    bool src_is_client;
    if ((fl & TS_TH_SYN) && !(fl & (TS_TH_ACK | TS_TH_RST))) {
        src_is_client = true;
        f->ep[TS_CLIENT].state = TS_CLOSED;
        f->ep[TS_SERVER].state = TS_LISTEN;
    } else if ((fl & TS_TH_SYN) && (fl & TS_TH_ACK) && !(fl & TS_TH_RST)) {
        src_is_client = false; /* the SYN was not captured */
        f->ep[TS_CLIENT].state = TS_UNKNOWN;
        f->ep[TS_SERVER].state = TS_UNKNOWN;
    } else {
        src_is_client = !src_is_server_midstream(tcp->sport, tcp->dport);
        f->ep[TS_CLIENT].state = TS_UNKNOWN;
        f->ep[TS_SERVER].state = TS_UNKNOWN;
        f->flags |= TS_FLOW_MIDSTREAM;
    }
    f->client_is_a = (uint8_t)(src_is_client == src_is_a);
    f->id = ++a->next_id;
    f->first_ns = f->last_ns = ts;
    ts_zeek_init(&f->zeek, src_is_client,
                 (fl & (TS_TH_SYN | TS_TH_ACK | TS_TH_RST)) == (TS_TH_SYN | TS_TH_ACK),
                 tcp->sport, tcp->dport);
    return f;
}

static void note_close(struct ts_flow *f, int sender, const struct ts_tcp *tcp, bool was_open,
                       uint8_t rst_verdict)
{
    uint8_t by = sender == TS_CLIENT ? TS_CLOSE_BY_CLIENT : TS_CLOSE_BY_SERVER;
    if (tcp->flags & TS_TH_RST) {
        if (!was_open || rst_verdict != TS_RST_ACCEPTED)
            return; /* a RST nobody took closed nothing */
        f->close_how = TS_CLOSE_HOW_RST;
        if (f->close_by == TS_CLOSE_BY_NONE)
            f->close_by = by;
    } else if (tcp->flags & TS_TH_FIN) {
        if (f->close_how == TS_CLOSE_HOW_NONE)
            f->close_how = TS_CLOSE_HOW_FIN;
        if (f->close_by == TS_CLOSE_BY_NONE)
            f->close_by = by;
    }
}

/* A one-sided capture (the peer's packets were never seen): after this side
 * closed, a pure ACK one past its previous ACK acknowledges the peer's FIN,
 * the normal reply to ours. Infer that FIN so both sides can finish. */
static void infer_unseen_fin(struct ts_analyzer *a, struct ts_flow *f, int s,
                             const struct ts_tcp *tcp, int64_t ts, uint64_t pkt)
{
    struct ts_endpoint *S = &f->ep[s], *R = &f->ep[1 - s];
    if ((R->flags & (TS_EP_SEEN | TS_EP_FIN)) || !(S->flags & TS_EP_FIN) ||
        !(S->flags & TS_EP_ACKED))
        return;
    if (S->state != TS_FIN_WAIT_1 && S->state != TS_FIN_WAIT_2 && S->state != TS_CLOSING)
        return;
    if ((tcp->flags & (TS_TH_SYN | TS_TH_FIN | TS_TH_RST | TS_TH_ACK)) != TS_TH_ACK ||
        tcp->payload_len != 0 || tcp->ack != S->last_ack + 1)
        return;
    struct ts_pending p;
    while (take(a, f, 1 - s, false, 0, true, &p)) /* it had our FIN when it sent its own */
        deliver(a, f, 1 - s, &p);
    R->fin_seq = S->last_ack;
    R->snd_nxt = tcp->ack;
    R->flags |= TS_EP_FIN | TS_EP_NXT;
    set_state(a, f, 1 - s, ts_fsm_send((enum ts_state)R->state, TS_SEND_FIN), ts, pkt);
    /* its FIN acknowledged ours (FIN_WAIT_2 already had that), then arrived */
    struct ts_pending x = {.event = TS_RECV_ACK_FIN, .ts_ns = ts, .pkt = pkt};
    deliver(a, f, s, &x);
    x.event = TS_RECV_FIN;
    deliver(a, f, s, &x);
}

static void process_segment(struct ts_analyzer *a, struct ts_flow *f, int s,
                            const struct ts_tcp *tcp, int64_t ts, uint64_t pkt)
{
    struct ts_endpoint *S = &f->ep[s], *R = &f->ep[1 - s];
    struct ts_segment_view view = {.tcp = tcp, .sender = s, .ft = &a->ft, .sender_before = S->state,
                                   .receiver_before = R->state, .receiver_last_ack = R->last_ack,
                                   .receiver_acked = R->flags & TS_EP_ACKED,
                                   .sender_last_ack = S->last_ack,
                                   .sender_acked = S->flags & TS_EP_ACKED,
                                   .receiver_snd_nxt = R->snd_nxt, .ts_ns = ts, .pkt = pkt};
    infer_unseen_fin(a, f, s, tcp, ts, pkt);
    struct ts_seg_events ev;
    ts_seq_classify(S, R, tcp, &ev);
    bool was_open = !(closed_state(S->state) && closed_state(R->state)) ||
                    (f->flags & TS_FLOW_MIDSTREAM);

    /* 1. What the sender's ACK proves it received before it sent this. */
    struct ts_pending p;
    while (take(a, f, s, ev.has_ack, ev.ack, false, &p))
        deliver(a, f, s, &p);

    /* 2. Sending changes the sender's state. */
    uint8_t before = S->state;
    set_state(a, f, s, ts_fsm_send((enum ts_state)S->state, (enum ts_send_event)ev.send), ts,
              pkt);
    /* An endpoint that had closed and answers again with a new ISN starts its
     * sequence space afresh (a SYN-ACK re-sent after a RST). */
    if ((tcp->flags & TS_TH_SYN) && (S->flags & TS_EP_ISN) && tcp->seq != S->isn &&
        (before == TS_CLOSED || before == TS_LISTEN))
        S->flags &= (uint8_t)~(TS_EP_ISN | TS_EP_NXT | TS_EP_FIN | TS_EP_SENT_SYN |
                               TS_EP_SENT_SYNACK);
    /* Zeek's retransmission: payload in a segment that ends at or before the
     * end of what this side had already sent */
    uint32_t seg_end = tcp->seq + tcp->payload_len + !!(tcp->flags & TS_TH_SYN) +
                       !!(tcp->flags & TS_TH_FIN);
    bool zeek_rxmit = tcp->payload_len > 0 && !(tcp->flags & TS_TH_RST) &&
                      (S->flags & TS_EP_NXT) && ts_seq_leq(seg_end, S->snd_nxt);
    bool retrans = ts_seq_account(S, tcp, ts);
    ts_zeek_packet(&f->zeek, s, tcp, zeek_rxmit);
    /* without its SYN, the first sequence number seen is the base of the
     * trace's relative numbers (isn without TS_EP_ISN) */
    if (!(S->flags & TS_EP_ISN) && S->packets == 1)
        S->isn = tcp->seq - 1;
    note_close(f, s, tcp, was_open, ev.rst);

    /* A synchronized sender got an answer to its SYN, so its SYN had reached
     * the receiver even if the receiver's answer was not captured. */
    if (synchronized_state(S->state))
        while (R->npending && ts_flow_table_queued(&a->ft, f, 1 - s)[0].event == TS_RECV_SYN &&
               take(a, f, 1 - s, false, 0, true, &p))
            deliver(a, f, 1 - s, &p);

    /* 3. The receiver gets it; SYN and FIN count when its ACK says so. */
    for (unsigned i = 0; i < ev.nrecv; i++)
        enqueue(a, f, 1 - s, &ev.recv[i], pkt, ts);
    while (take(a, f, 1 - s, false, 0, false, &p))
        deliver(a, f, 1 - s, &p);

    /* Handshake times: first SYN, first SYN-ACK, the ACK that completes it. */
    /* the SYN the handshake answered: the last one before the SYN-ACK (tshark's
     * initial RTT is measured from it) */
    if ((tcp->flags & (TS_TH_SYN | TS_TH_ACK | TS_TH_RST)) == TS_TH_SYN && !f->synack_ns &&
        s == TS_CLIENT)
        f->syn_ns = ts;
    if ((tcp->flags & (TS_TH_SYN | TS_TH_ACK | TS_TH_RST)) == (TS_TH_SYN | TS_TH_ACK) &&
        !f->synack_ns)
        f->synack_ns = ts;
    if (!(f->flags & (TS_FLOW_HS_COMPLETE | TS_FLOW_MIDSTREAM)) &&
        synchronized_state(f->ep[0].state) && synchronized_state(f->ep[1].state)) {
        f->flags |= TS_FLOW_HS_COMPLETE;
        f->hs_ack_ns = ts;
    }

    view.rst_verdict = ev.rst;
    view.bad_synack = ev.bad_synack;
    if ((tcp->flags & (TS_TH_SYN | TS_TH_ACK | TS_TH_RST)) == (TS_TH_SYN | TS_TH_ACK) &&
        !f->ev.synack_pkt)
        f->ev.synack_pkt = pkt;
    ts_detect_segment(f, &view);

    if (a->tracing) {
        struct ts_packet_trace *t = &a->trace;
        t->sender = (uint8_t)s;
        t->flags = tcp->flags;
        t->has_ack = tcp->flags & TS_TH_ACK;
        t->retransmit = retrans;
        t->rst_verdict = ev.rst;
        t->rel_seq = tcp->seq - S->isn;
        t->rel_ack = tcp->ack - R->isn;
        t->len = tcp->payload_len;
    }
}

/* sf_k0 of a connection whose opening SYN was a retransmission for an
 * evicted record: its first SYN-ACK is a retransmission too. */
#define SF_K0_AGAIN 0xff

/* The handshake's steps, for the SYN-flood detector's target (the server):
 * the client's opening SYN, each SYN-ACK of the server, then completion or
 * a reset - each once. server_sent_ns is when the server had last sent
 * before this segment (its previous SYN-ACK, while the handshake is open).
 * A record evicted by the full table may come back: a client's SYN or a
 * server's SYN-ACK retransmitted for it must not count as a new attempt or
 * a new half-open handshake. */
static void synflood_steps(struct ts_analyzer *a, struct ts_flow *f, int s,
                           const struct ts_tcp *tcp, int64_t ts, int64_t server_sent_ns)
{
    /* most segments: a connection whose handshake ended, or no SYN yet */
    if ((f->flags & TS_FLOW_SF_SETTLED) ||
        (!(f->flags & TS_FLOW_SF_ATTEMPT) && !(tcp->flags & TS_TH_SYN)))
        return;
    uint8_t fl = tcp->flags & (TS_TH_SYN | TS_TH_ACK | TS_TH_RST);
    const uint8_t *srv = ts_flow_addr(f, TS_SERVER);
    uint16_t port = ts_flow_port(f, TS_SERVER);
    int family = f->key.family;
    const struct ts_endpoint *server = &f->ep[TS_SERVER];
    bool synack = fl == (TS_TH_SYN | TS_TH_ACK) && s == TS_SERVER;
    if (!(f->flags & TS_FLOW_SF_ATTEMPT)) {
        if (fl == TS_TH_SYN && s == TS_CLIENT && !(f->flags & TS_FLOW_MIDSTREAM)) {
            f->flags |= TS_FLOW_SF_ATTEMPT;
            if (ts_sf_was_evicted(a->sf, &f->key, tcp->seq))
                f->sf_k0 = SF_K0_AGAIN;
            else
                ts_sf_attempt(a->sf, srv, port, family, &f->sf_target,
                              ts_flow_addr(f, TS_CLIENT), ts);
        } else if (synack && server->syn == 1 && !(f->ep[TS_CLIENT].flags & TS_EP_SEEN)) {
            /* a SYN-ACK without its SYN: a retransmission for a record the
             * full table evicted keeps that handshake counted */
            unsigned k = ts_sf_answered_again(a->sf, srv, port, family, &f->sf_target, ts);
            if (k) {
                f->sf_k0 = (uint8_t)k;
                f->flags |= TS_FLOW_SF_ATTEMPT | TS_FLOW_SF_ANSWERED;
            }
            return;
        } else {
            return;
        }
    }
    if (f->flags & TS_FLOW_SF_SETTLED)
        return;
    if (synack && f->sf_k0 == SF_K0_AGAIN) {
        /* the evicted record's handshake goes on here; if none was due,
         * this is the first answer to the attempt after all */
        f->sf_k0 = (uint8_t)ts_sf_answered_again(a->sf, srv, port, family, &f->sf_target, ts);
        if (f->sf_k0) {
            f->flags |= TS_FLOW_SF_ANSWERED;
            synack = false;
        }
    }
    /* the number of the server's last SYN-ACK, from 0 */
    unsigned k = (f->sf_k0 == SF_K0_AGAIN ? 0 : f->sf_k0) + (server->syn ? server->syn - 1 : 0);
    if (synack) {
        if (!(f->flags & TS_FLOW_SF_ANSWERED))
            k = 0; /* the SYN-ACKs before any SYN do not count */
        f->flags |= TS_FLOW_SF_ANSWERED;
        ts_sf_answered(a->sf, srv, port, family, &f->sf_target, ts, server_sent_ns, k);
    }
    int64_t answered = (f->flags & TS_FLOW_SF_ANSWERED) ? server->last_send_ns : 0;
    if (f->flags & TS_FLOW_HS_COMPLETE) {
        f->flags |= TS_FLOW_SF_SETTLED;
        ts_sf_completed(a->sf, srv, port, family, &f->sf_target, ts, answered, k);
    } else if (f->close_how == TS_CLOSE_HOW_RST) {
        f->flags |= TS_FLOW_SF_SETTLED;
        ts_sf_reset(a->sf, srv, port, family, &f->sf_target, ts, answered, k);
    }
}

/* The flow the packet belongs to (NULL when no record could be had). */
static struct ts_flow *track(struct ts_analyzer *a, const struct decoded *d, int64_t ts,
                             uint64_t pkt)
{
    const struct ts_ip *ip = &d->ip;
    const struct ts_tcp *tcp = &d->tcp;
    const struct ts_flow_key *key = &d->key;
    uint32_t hash = d->hash;
    bool src_is_a = d->src_is_a;
    struct ts_flow *f = ts_flow_table_find(&a->ft, key, hash);

    if (f && (tcp->flags & TS_TH_SYN) && !(tcp->flags & TS_TH_RST)) {
        int s = (src_is_a == (bool)f->client_is_a) ? TS_CLIENT : TS_SERVER;
        if (starts_new_connection(&a->ft, f, s, tcp)) {
            flush_pending(a, f);
            a->reused = *f; /* what time_wait_reuse needs to know of it */
            a->reused.q[0] = a->reused.q[1] = 0;
            a->reused.x = NULL;
            finish_flow(a, f, ts, TS_FINISH_REUSED);
            f = new_flow(a, key, hash, src_is_a, ip, tcp, ts);
            if (!f)
                return NULL;
            ts_detect_reuse(&a->ft, f, &a->reused, ts, 2 * a->cfg.msl_ns);
        }
    }
    if (!f) {
        f = new_flow(a, key, hash, src_is_a, ip, tcp, ts);
        if (!f)
            return NULL;
    }
    int s = (src_is_a == (bool)f->client_is_a) ? TS_CLIENT : TS_SERVER;
    if (a->tracing) {
        a->trace.flow = f;
        a->trace.ntrans = 0;
    }
    int64_t server_sent = f->ep[TS_SERVER].last_send_ns;
    process_segment(a, f, s, tcp, ts, pkt);
    synflood_steps(a, f, s, tcp, ts, server_sent);
    if (ts > f->last_ns)
        f->last_ns = ts;
    ts_flow_table_touch(&a->ft, f, timer_class_of(f));
    return f;
}

/* ----------------------------------------------------------------- packets */

static int count_skip(struct ts_analyzer *a, int status)
{
    switch (status) {
    case TS_DEC_NON_TCP: a->st.non_tcp++; break;
    case TS_DEC_FRAGMENT: a->st.fragments++; break;
    case TS_DEC_TRUNCATED: a->st.truncated++; break;
    case TS_DEC_UNSUPPORTED_LINK: a->st.unsupported_link++; break;
    default: a->st.malformed++; break;
    }
    return 0;
}

/* Decode a frame down to its TCP header, its flow key and the key's hash.
 * The IP header gives the segment's length, but never more than the record
 * says was on the wire (len, or caplen when a damaged record claims less):
 * a length field fuzzed or corrupt past the frame would otherwise count
 * bytes never sent and move sequence numbers out of the window. */
static void decode(const struct ts_analyzer *a, const uint8_t *data, uint32_t caplen,
                   uint32_t len, struct decoded *d)
{
    struct ts_link link;
    int r = ts_decode_link(a->dlt, data, caplen, &link);
    if (r == TS_DEC_OK && link.l3_off > caplen)
        r = TS_DEC_TRUNCATED;
    if (r == TS_DEC_OK)
        r = ts_decode_ip(data + link.l3_off, caplen - link.l3_off, link.ethertype, &d->ip);
    uint32_t l4 = r == TS_DEC_OK ? link.l3_off + d->ip.l4_off : 0;
    if (r == TS_DEC_OK && l4 > caplen)
        r = TS_DEC_TRUNCATED;
    uint32_t wire = len > caplen ? len : caplen;
    if (r == TS_DEC_OK && d->ip.l4_len > wire - l4)
        d->ip.l4_len = wire - l4;
    if (r == TS_DEC_OK)
        r = ts_decode_tcp(data + l4, caplen - l4, d->ip.l4_len, &d->tcp);
    d->status = r;
    if (r != TS_DEC_OK)
        return;
    d->src_is_a = ts_flow_key_make(&d->key, &d->ip, d->tcp.sport, d->tcp.dport);
    d->hash = ts_flow_table_hash(&a->ft, &d->key);
}

/* One decoded frame through the analysis (ts_analyzer_packet's return). */
static int analyse(struct ts_analyzer *a, int64_t ts_ns, uint64_t skip, const struct decoded *d)
{
    bool first = ++a->st.packets == 1;
    uint64_t pkt = a->record += skip + 1;
    if (first || ts_ns < a->st.first_ns)
        a->st.first_ns = ts_ns;
    if (first || ts_ns > a->st.last_ns)
        a->st.last_ns = ts_ns;
    if (d->status != TS_DEC_OK)
        return count_skip(a, d->status);

    a->st.tcp_packets++;
    if (ts_ns > a->now_ns || a->st.tcp_packets == 1)
        a->now_ns = ts_ns;
    expire(a, a->now_ns);
    ts_sf_advance(a->sf, a->now_ns, a->sum.evicted);

    a->tracing = true;
    /* the header only: transitions are written before ntrans counts them */
    memset(&a->trace, 0, offsetof(struct ts_packet_trace, trans));
    a->trace.pkt = pkt;
    a->trace.ts_ns = ts_ns;
    struct ts_flow *f = track(a, d, ts_ns, pkt);
    a->tracing = false;
    /* Side blocks taken for this packet may have gone past the memcap: make
     * room, but not by writing out the flow the packet belongs to. */
    while (ts_flow_table_over(&a->ft) && evict_one(a, ts_ns, f))
        ;
    /* a new head may be due earlier (time in a capture can run backwards) */
    if (a->ft.head_moved) {
        int64_t due = heads_due(a);
        if (due < a->due_ns)
            a->due_ns = due;
    }
    return a->trace.flow ? 1 : 0;
}

/* Analyse every frame decoded ahead (without their traces): the calls that
 * take a frame at once or change the state otherwise must not overtake them. */
static void catch_up(struct ts_analyzer *a)
{
    while (ts_analyzer_flush_ahead(a) >= 0)
        ;
}

int ts_analyzer_packet(struct ts_analyzer *a, int64_t ts_ns, const uint8_t *data,
                       uint32_t caplen, uint32_t len)
{
    catch_up(a);
    release_returned(a);
    struct decoded d;
    decode(a, data, caplen, len, &d);
    uint64_t skip = a->skip_next;
    a->skip_next = 0;
    return analyse(a, ts_ns, skip, &d);
}

void ts_analyzer_skip(struct ts_analyzer *a, uint64_t records)
{
    a->skip_next += records;
}

/* Reading a file, the analysis of most frames waits on memory: the bucket
 * and the record of a connection that has not been seen for thousands of
 * frames are no longer in any cache. So a frame is decoded on arrival (its
 * key and hash need nothing but its bytes) and its bucket fetched; half
 * the window later the bucket's first record is fetched (all of its cache
 * lines), and at the end of the window the frame is analysed. Every
 * change to the state still happens in the frames' order: the window only
 * reads. The first record is the one sought nearly always (chains are
 * short), and a wrong guess costs only the fetch. */
int ts_analyzer_packet_ahead(struct ts_analyzer *a, int64_t ts_ns, const uint8_t *data,
                             uint32_t caplen, uint32_t len)
{
    int r = -1;
    if (a->ahead_in - a->ahead_out == TS_AHEAD)
        r = ts_analyzer_flush_ahead(a);
    uint32_t n = a->ahead_in++;
    struct decoded *d = &a->ahead[n % TS_AHEAD].d;
    a->ahead[n % TS_AHEAD].ts_ns = ts_ns;
    a->ahead[n % TS_AHEAD].skip = a->skip_next;
    a->skip_next = 0;
    decode(a, data, caplen, len, d);
    if (d->status == TS_DEC_OK)
        ts_flow_table_prefetch_bucket(&a->ft, d->hash);
    /* the frame whose bucket was fetched half a window ago, if still held
     * (the counts wrap modulo 2^32, which their differences and the ring's
     * index, TS_AHEAD dividing 2^32, follow) */
    uint32_t half = n - TS_AHEAD / 2;
    if (half - a->ahead_out < a->ahead_in - a->ahead_out) {
        const struct decoded *h = &a->ahead[half % TS_AHEAD].d;
        if (h->status == TS_DEC_OK)
            ts_flow_table_prefetch_flow(&a->ft, h->hash);
    }
    return r;
}

int ts_analyzer_flush_ahead(struct ts_analyzer *a)
{
    if (a->ahead_out == a->ahead_in)
        return -1;
    release_returned(a);
    uint32_t n = a->ahead_out++;
    return analyse(a, a->ahead[n % TS_AHEAD].ts_ns, a->ahead[n % TS_AHEAD].skip,
                   &a->ahead[n % TS_AHEAD].d);
}

/* The SYN-flood detector's numbers into the summary. */
static void sync_flood_summary(struct ts_analyzer *a)
{
    struct ts_sf_stats st;
    ts_sf_stats(a->sf, &st);
    a->sum.alerts = st.alerts;
    a->sum.alerts_active = st.active;
    a->sum.flood_targets = st.targets;
    a->sum.flood_targets_evicted = st.targets_evicted;
    a->sum.peak_syn_rate = st.peak_syn_rate;
    a->sum.peak_failed_rate = st.peak_failed_rate;
    a->sum.peak_half_open = st.peak_half_open;
}

/* Heapsort of flows by id, in place: qsort would take a second array as
 * large as this one (glibc sorts by merging), at the moment the end of the
 * input holds the most memory. */
/* The flows still tracked at the end of the input are listed in pool order,
 * which is id order only until records are reused (a long capture: 330,000
 * flows at the end of the 10M bench capture, where a heap sort reading two
 * cold records a comparison was 2 % of the run). They are sorted by a
 * radix sort on the ids instead: each level reads every record's id once,
 * in array order, and the permutation works on a byte per flow. The heap
 * sort stays for when that byte array cannot be had. */
static void sift_down(struct ts_flow **v, size_t root, size_t n)
{
    for (size_t child; (child = 2 * root + 1) < n; root = child) {
        if (child + 1 < n && v[child + 1]->id > v[child]->id)
            child++;
        if (v[root]->id >= v[child]->id)
            return;
        struct ts_flow *t = v[root];
        v[root] = v[child];
        v[child] = t;
    }
}

static void heap_sort_by_id(struct ts_flow **v, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(v, i, n);
    for (size_t end = n; end-- > 1;) {
        struct ts_flow *t = v[0];
        v[0] = v[end];
        v[end] = t;
        sift_down(v, 0, end);
    }
}

static void insertion_sort_by_id(struct ts_flow **v, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        struct ts_flow *x = v[i];
        uint32_t j = i;
        for (; j > 0 && v[j - 1]->id > x->id; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* v[0, n) into 256 buckets by the byte of (id - lo) at shift, in place
 * (American flag sort: each flow swapped straight into its bucket's next
 * free place), then every bucket by the next byte down. dig[i] is v[i]'s
 * byte, moved with it. */
static void radix_sort_by_id(struct ts_flow **v, uint8_t *dig, uint32_t n, uint64_t lo,
                             unsigned shift)
{
    if (n <= 32) {
        insertion_sort_by_id(v, n);
        return;
    }
    uint32_t count[256] = {0};
    for (uint32_t i = 0; i < n; i++) {
        if (i + 8 < n)
            __builtin_prefetch(&v[i + 8]->id);
        dig[i] = (uint8_t)((v[i]->id - lo) >> shift);
        count[dig[i]]++;
    }
    uint32_t head[256], end[256], at = 0;
    for (unsigned b = 0; b < 256; b++) {
        head[b] = at;
        at += count[b];
        end[b] = at;
    }
    for (unsigned b = 0; b < 256; b++) {
        while (head[b] < end[b]) {
            uint8_t d = dig[head[b]];
            if (d == b) {
                head[b]++;
                continue;
            }
            uint32_t i = head[b], j = head[d]++;
            struct ts_flow *t = v[i];
            v[i] = v[j];
            v[j] = t;
            dig[i] = dig[j];
            dig[j] = d;
        }
    }
    if (shift == 0)
        return;
    at = 0;
    for (unsigned b = 0; b < 256; at += count[b], b++)
        if (count[b] > 1)
            radix_sort_by_id(v + at, dig + at, count[b], lo, shift - 8);
}

static void sort_by_id(struct ts_flow **v, uint32_t n)
{
    if (n < 2)
        return;
    uint64_t lo = v[0]->id, hi = v[0]->id;
    for (uint32_t i = 1; i < n; i++) {
        lo = v[i]->id < lo ? v[i]->id : lo;
        hi = v[i]->id > hi ? v[i]->id : hi;
    }
    uint8_t *dig = malloc(n);
    if (!dig) {
        heap_sort_by_id(v, n);
        return;
    }
    uint64_t span = hi - lo;
    unsigned top = span ? (unsigned)(63 - __builtin_clzll(span)) / 8 * 8 : 0;
    radix_sort_by_id(v, dig, n, lo, top);
    free(dig);
}

/* Room in done[] for n more flows, compacting what was taken before
 * growing to exactly the size needed. */
static bool reserve_done(struct ts_analyzer *a, uint32_t n)
{
    if (a->done_pos > 0) {
        memmove(a->done, a->done + a->done_pos, (a->ndone - a->done_pos) * sizeof *a->done);
        a->ndone -= a->done_pos;
        a->done_pos = 0;
    }
    if (n <= a->done_cap - a->ndone)
        return true;
    if (n > UINT32_MAX - a->ndone)
        return false;
    struct ts_flow **d = realloc(a->done, ((size_t)a->ndone + n) * sizeof *d);
    if (!d)
        return false;
    ts_prefault(d + a->done_cap, ((size_t)a->ndone + n - a->done_cap) * sizeof *d);
    a->done = d;
    a->done_cap = a->ndone + n;
    return true;
}

/* Every flow still tracked goes, in id order: listed straight into done[]
 * (the end of the input is where a memcap's worth of flows would otherwise
 * need arrays of their own), then the index emptied in one pass. They are
 * settled (end_flow) by settle_upto. */
static void list_live(struct ts_analyzer *a)
{
    uint32_t live = a->ft.used;
    struct ts_flow *f;
    uint32_t cur = 0;
    if (live == 0)
        return; /* nothing to write out (and done[] may not exist yet) */
    if (!reserve_done(a, live)) {
        /* no memory to list them: in pool order, as many as done[] takes */
        while ((f = ts_flow_table_next(&a->ft, &cur)) != NULL)
            if (!(f->flags & TS_FLOW_FINISHED))
                finish_flow(a, f, a->now_ns, TS_FINISH_END);
        return;
    }
    struct ts_flow **all = a->done + a->ndone;
    uint32_t k = 0;
    while (k < live && (f = ts_flow_table_next(&a->ft, &cur)) != NULL)
        if (!(f->flags & TS_FLOW_FINISHED))
            all[k++] = f;
    /* the pool hands out records in id order until records are reused */
    bool sorted = true;
    for (uint32_t i = 1; i < k && sorted; i++)
        sorted = all[i - 1]->id < all[i]->id;
    if (!sorted)
        sort_by_id(all, k);
    ts_flow_table_unindex_all(&a->ft);
    a->settle_next = a->ndone;
    a->settle_end = a->ndone + k;
    a->ndone += k;
}

static void settle_upto(struct ts_analyzer *a, uint32_t end)
{
    while (a->settle_next < end)
        end_flow(a, a->done[a->settle_next++], a->now_ns, TS_FINISH_END);
}

size_t ts_analyzer_finish_take(struct ts_analyzer *a, const struct ts_flow *const **flows)
{
    catch_up(a);
    release_returned(a);
    list_live(a);
    return ts_analyzer_take_done(a, flows);
}

void ts_analyzer_finish_upto(struct ts_analyzer *a, size_t upto)
{
    size_t end = (size_t)a->done_pos + upto;
    settle_upto(a, end < a->settle_end ? (uint32_t)end : a->settle_end);
}

void ts_analyzer_finish(struct ts_analyzer *a)
{
    settle_upto(a, a->settle_end); /* what ts_analyzer_finish_take handed out */
    catch_up(a);
    release_returned(a);
    list_live(a);
    settle_upto(a, a->settle_end);
    a->settle_next = a->settle_end = 0;
    ts_sf_finish(a->sf, a->now_ns, a->sum.evicted);
    sync_flood_summary(a);
}

size_t ts_analyzer_take_done(struct ts_analyzer *a, const struct ts_flow *const **flows)
{
    release_returned(a);
    size_t n = a->ndone - a->done_pos;
    /* (no array yet before the first finished flow: nothing to point into) */
    *flows = n ? (const struct ts_flow *const *)(a->done + a->done_pos) : NULL;
    a->batch_out = n > 0;
    return n;
}

const struct ts_flow *ts_analyzer_next_done(struct ts_analyzer *a)
{
    release_returned(a);
    if (a->done_pos >= a->ndone) {
        a->done_pos = a->ndone = 0;
        return NULL;
    }
    a->returned = a->done[a->done_pos++];
    return a->returned;
}

void ts_analyzer_tick(struct ts_analyzer *a, int64_t now_ns)
{
    catch_up(a);
    release_returned(a);
    if (now_ns > a->now_ns) {
        a->now_ns = now_ns;
        expire(a, now_ns);
        ts_sf_advance(a->sf, now_ns, a->sum.evicted);
    }
    sync_flood_summary(a);
}

bool ts_analyzer_has_output(const struct ts_analyzer *a)
{
    return (!a->batch_out && a->done_pos < a->ndone) || ts_sf_has_alert(a->sf);
}

const struct ts_alert *ts_analyzer_next_alert(struct ts_analyzer *a)
{
    return ts_sf_next_alert(a->sf);
}

const struct ts_flow *ts_analyzer_next_live(struct ts_analyzer *a, uint32_t *cursor)
{
    struct ts_flow *f;
    while ((f = ts_flow_table_next(&a->ft, cursor)) != NULL)
        if (!(f->flags & TS_FLOW_FINISHED))
            return f;
    return NULL;
}

void ts_analyzer_usage(const struct ts_analyzer *a, uint64_t *flows, uint64_t *bytes)
{
    *flows = a->ft.used;
    *bytes = ts_flow_table_bytes(&a->ft);
}
