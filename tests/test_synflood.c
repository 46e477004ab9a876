/* test_synflood.c - the SYN-flood detector (src/synflood.h) and its
 * HyperLogLog (src/hll.h), fed synthetic handshake events through the public
 * API only.
 *
 * Every expected value comes from the rules written in synflood.c's header
 * comment, synflood.h, alert.h and hll.h, and from arithmetic done by hand in
 * the comment next to it (with the constants synflood.c names: 100 ms slots,
 * a 1 s window, 250 ms deadline slots, CUSUM K = 5/s and H = 100, END 10 s,
 * updates every 10 s, idle targets dropped after 70 s) - never from running
 * the code and pasting what it printed.
 *
 * Time is driven like the analyzer drives it: a small simulator sorts the
 * events of a scenario by time, calls ts_sf_advance every 10 ms of capture
 * time and at each event's own time (before the event, as the analyzer does
 * per packet), and collects every alert event as it is queued. All times are
 * nanoseconds from T0 = 1.7e18 ns (2023-11-14), a multiple of 1 s, so slot
 * boundaries fall on round offsets from T0.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "flow_key.h"
#include "hll.h"
#include "synflood.h"

#define NS 1000000000LL
#define MS 1000000LL
#define US 1000LL
#define T0 1700000000000000000LL
#define STEP (10 * MS)

#define TARGET 0x0a000002u /* 10.0.0.2, port 80: the attacked server */
#define PORT 80
#define SPOOF 0x0a800000u  /* 10.128.0.0/9: spoofed sources, one per SYN */

/* ------------------------------------------------------------- helpers */

static void ip4(uint8_t out[16], uint32_t a)
{
    memset(out, 0, 16);
    out[0] = (uint8_t)(a >> 24);
    out[1] = (uint8_t)(a >> 16);
    out[2] = (uint8_t)(a >> 8);
    out[3] = (uint8_t)a;
}

enum ev_kind { EV_ATTEMPT, EV_ANSWERED, EV_AGAIN, EV_COMPLETED, EV_RESET };

struct ev {
    int64_t ts;
    int64_t prev;  /* answered: prev_ns; completed / reset: answered_ns */
    uint64_t seq;  /* order of insertion, for events at the same time */
    uint32_t dst, src;
    uint16_t port;
    uint8_t kind, k;
};

struct sim {
    struct ts_synflood *sf;
    struct ev *ev;
    size_t n, cap, pos;
    int64_t step;      /* the next 10 ms step */
    int64_t now;       /* the last time given to ts_sf_advance */
    struct ts_alert *al;
    size_t nal, alcap;
    unsigned again_k[4]; /* ts_sf_answered_again's answers, by value (0..3) */
};

static void sim_init(struct sim *s, double rate, uint32_t half_open, uint32_t max_targets)
{
    memset(s, 0, sizeof *s);
    struct ts_sf_config cfg = {.rate = rate,
                               .half_open = half_open,
                               .max_targets = max_targets,
                               .evicted_slots = 1024,
                               .seed = {0x0123456789abcdefULL, 0xfedcba9876543210ULL}};
    cr_assert_eq(ts_sf_new(&s->sf, &cfg), 0, "ts_sf_new");
    s->step = T0;
    s->now = T0 - 1;
}

static void sim_free(struct sim *s)
{
    ts_sf_free(s->sf);
    free(s->ev);
    free(s->al);
}

static void sim_add(struct sim *s, enum ev_kind kind, int64_t ts, uint32_t dst, uint16_t port,
                    uint32_t src, int64_t prev, unsigned k)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        s->ev = realloc(s->ev, s->cap * sizeof *s->ev);
        cr_assert_not_null(s->ev);
    }
    struct ev *e = &s->ev[s->n];
    e->ts = ts;
    e->prev = prev;
    e->seq = s->n;
    e->dst = dst;
    e->src = src;
    e->port = port;
    e->kind = (uint8_t)kind;
    e->k = (uint8_t)k;
    s->n++;
}

static void attempt(struct sim *s, int64_t ts, uint32_t dst, uint16_t port, uint32_t src)
{
    sim_add(s, EV_ATTEMPT, ts, dst, port, src, 0, 0);
}

static void answered(struct sim *s, int64_t ts, uint32_t dst, uint16_t port, int64_t prev,
                     unsigned k)
{
    sim_add(s, EV_ANSWERED, ts, dst, port, 0, prev, k);
}

static void completed(struct sim *s, int64_t ts, uint32_t dst, uint16_t port, int64_t ans,
                      unsigned k)
{
    sim_add(s, EV_COMPLETED, ts, dst, port, 0, ans, k);
}

static void reset(struct sim *s, int64_t ts, uint32_t dst, uint16_t port, int64_t ans,
                  unsigned k)
{
    sim_add(s, EV_RESET, ts, dst, port, 0, ans, k);
}

static void drain(struct sim *s)
{
    const struct ts_alert *a;
    while ((a = ts_sf_next_alert(s->sf)) != NULL) {
        if (s->nal == s->alcap) {
            s->alcap = s->alcap ? 2 * s->alcap : 16;
            s->al = realloc(s->al, s->alcap * sizeof *s->al);
            cr_assert_not_null(s->al);
        }
        s->al[s->nal++] = *a;
    }
}

static void advance(struct sim *s, int64_t t)
{
    if (t <= s->now)
        return;
    s->now = t;
    ts_sf_advance(s->sf, t, 0);
    drain(s);
}

/* Every 10 ms step up to t, then t itself. */
static void step_to(struct sim *s, int64_t t)
{
    while (s->step <= t) {
        advance(s, s->step);
        s->step += STEP;
    }
    advance(s, t);
}

static int by_time(const void *x, const void *y)
{
    const struct ev *a = x, *b = y;
    if (a->ts != b->ts)
        return a->ts < b->ts ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void apply(struct sim *s, const struct ev *e)
{
    uint8_t dst[16], src[16];
    ip4(dst, e->dst);
    ip4(src, e->src);
    switch (e->kind) {
    case EV_ATTEMPT:
        ts_sf_attempt(s->sf, dst, e->port, 4, NULL, src, e->ts);
        break;
    case EV_ANSWERED:
        ts_sf_answered(s->sf, dst, e->port, 4, NULL, e->ts, e->prev, e->k);
        break;
    case EV_AGAIN: {
        unsigned k = ts_sf_answered_again(s->sf, dst, e->port, 4, NULL, e->ts);
        s->again_k[k < 3 ? k : 3]++;
        break;
    }
    case EV_COMPLETED:
        ts_sf_completed(s->sf, dst, e->port, 4, NULL, e->ts, e->prev, e->k);
        break;
    case EV_RESET:
        ts_sf_reset(s->sf, dst, e->port, 4, NULL, e->ts, e->prev, e->k);
        break;
    }
    drain(s);
}

/* Feed every event up to until in time order, advancing time as it goes. */
static void sim_run(struct sim *s, int64_t until)
{
    qsort(s->ev + s->pos, s->n - s->pos, sizeof *s->ev, by_time);
    while (s->pos < s->n && s->ev[s->pos].ts <= until) {
        const struct ev *e = &s->ev[s->pos++];
        step_to(s, e->ts);
        apply(s, e);
    }
    step_to(s, until);
}

static void sim_finish(struct sim *s, int64_t at)
{
    sim_run(s, at);
    ts_sf_finish(s->sf, at, 0);
    drain(s);
}

static size_t count_status(const struct sim *s, int status)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nal; i++)
        n += s->al[i].status == status;
    return n;
}

/* The n-th (from 0) event of this status, or NULL. */
static const struct ts_alert *nth(const struct sim *s, int status, size_t n)
{
    for (size_t i = 0; i < s->nal; i++)
        if (s->al[i].status == status && n-- == 0)
            return &s->al[i];
    return NULL;
}

static const struct ts_alert *last_event(const struct sim *s)
{
    return s->nal ? &s->al[s->nal - 1] : NULL;
}

/* n SYNs to (dst, port) from distinct spoofed sources src0, src0 + 1, ...,
 * SYN i at start + i / rate seconds. */
static void flood(struct sim *s, uint32_t dst, uint16_t port, int64_t start, int64_t rate,
                  int64_t n, uint32_t src0)
{
    for (int64_t i = 0; i < n; i++)
        attempt(s, start + i * NS / rate, dst, port, src0 + (uint32_t)i);
}

static void expect_target(const struct ts_alert *a, uint32_t dst, uint16_t port)
{
    uint8_t want[16];
    ip4(want, dst);
    cr_expect_eq(a->family, 4, "alert family %u, expected 4", a->family);
    cr_expect_eq(a->port, port, "alert port %u, expected %u", a->port, port);
    cr_expect(memcmp(a->addr, want, 16) == 0, "alert address is not the target's");
}

static void expect_near(double got, double want, double rel, const char *what)
{
    cr_expect(fabs(got - want) <= rel * want, "%s: %.0f, expected %.0f within %.0f %%", what,
              got, want, rel * 100);
}

static double secs(int64_t ns)
{
    return (double)ns / NS;
}

/* ----------------------------------------------------------------- HLL */

/* Items are the integers 0, 1, 2 ... hashed with SipHash under a fixed key
 * (hll.h: "a keyed hash: SipHash"). */
static uint64_t item_hash(uint64_t i)
{
    uint8_t b[8];
    memcpy(b, &i, sizeof b);
    return ts_flow_siphash24(b, sizeof b, 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL);
}

/* No item: every register is 0, linear counting gives m ln(m/m) = 0. */
Test(hll, empty_estimates_zero)
{
    struct ts_hll h;
    ts_hll_clear(&h);
    cr_expect_eq(ts_hll_estimate(&h), 0, "estimate of an empty sketch: %llu",
                 (unsigned long long)ts_hll_estimate(&h));
}

/* 1024 registers: standard error 1.04 / sqrt(1024) = 3.25 %; three of them
 * are 9.75 %, so every estimate must be within 10 % of the true count. */
Test(hll, estimate_within_three_standard_errors)
{
    static const uint64_t ns[] = {10, 100, 1000, 10000, 100000};
    for (size_t j = 0; j < sizeof ns / sizeof ns[0]; j++) {
        struct ts_hll h;
        ts_hll_clear(&h);
        for (uint64_t i = 0; i < ns[j]; i++)
            ts_hll_add(&h, item_hash(i));
        double est = (double)ts_hll_estimate(&h);
        cr_expect(fabs(est - (double)ns[j]) <= 0.10 * (double)ns[j],
                  "%llu distinct items estimated as %.0f (more than 10 %% off)",
                  (unsigned long long)ns[j], est);
    }
}

/* Registers keep a maximum: adding items already seen changes nothing. */
Test(hll, duplicates_change_nothing)
{
    static const uint64_t ns[] = {10, 1000, 100000};
    for (size_t j = 0; j < sizeof ns / sizeof ns[0]; j++) {
        struct ts_hll h, before;
        ts_hll_clear(&h);
        for (uint64_t i = 0; i < ns[j]; i++)
            ts_hll_add(&h, item_hash(i));
        before = h;
        uint64_t est = ts_hll_estimate(&h);
        for (int round = 0; round < 3; round++)
            for (uint64_t i = 0; i < ns[j]; i++)
                ts_hll_add(&h, item_hash(i));
        cr_expect(memcmp(&h, &before, sizeof h) == 0,
                  "%llu items added again changed the registers", (unsigned long long)ns[j]);
        cr_expect_eq(ts_hll_estimate(&h), est, "%llu items added again: estimate %llu -> %llu",
                     (unsigned long long)ns[j], (unsigned long long)est,
                     (unsigned long long)ts_hll_estimate(&h));
    }
}

/* ---------------------------------------------------------- rate rule */

/* The flood of cases 2 and 3: 1000 SYNs/s from distinct spoofed sources to
 * 10.0.0.2:80, SYN i at T0 + i ms, none answered, none completed. */
static void rate_flood(struct sim *s, int64_t seconds)
{
    flood(s, TARGET, PORT, T0, 1000, 1000 * seconds, SPOOF);
}

/* rate = 200: the rule "failed SYNs over a second >= 200, fewer than half
 * completed", an attempt failing once it is in a slot at least 3 whole slots
 * back (300-400 ms old). The 200 SYNs of slots 0 and 1 (T0 .. T0 + 199 ms)
 * count from the boundary where slot 1 is 3 slots back: T0 + 500 ms. The
 * advance at that boundary comes before the SYN sent at that instant, so the
 * window that showed it holds the SYNs sent before it: syns = (ts - T0)/1 ms,
 * all from distinct sources, none completed. */
Test(synflood_rate, start_within_six_tenths_of_a_second)
{
    struct sim s;
    sim_init(&s, 200, 128, 16);
    rate_flood(&s, 1);
    sim_run(&s, T0 + 2 * NS);

    cr_assert_eq(count_status(&s, TS_ALERT_START), 1, "%zu start events, expected 1",
                 count_status(&s, TS_ALERT_START));
    const struct ts_alert *a = nth(&s, TS_ALERT_START, 0);
    cr_expect_eq(a->id, 1);
    cr_expect_eq(a->trigger, TS_TRIGGER_RATE, "trigger %s, expected rate",
                 ts_alert_trigger_name(a->trigger));
    cr_expect_geq(a->ts_ns, T0 + 199 * MS, "start %.3f s after the first SYN: before the 200th",
                  secs(a->ts_ns - T0));
    cr_expect_leq(a->ts_ns, T0 + 600 * MS, "start %.3f s after the first SYN (> 0.6 s)",
                  secs(a->ts_ns - T0));
    cr_expect_eq(a->start_ns, a->ts_ns, "start_ns differs from the start event's ts");
    cr_expect_eq(a->end_ns, 0, "a start event has no end_ns");
    cr_expect(!a->ongoing);
    expect_target(a, TARGET, PORT);
    uint64_t sent = (uint64_t)((a->ts_ns - T0) / MS);
    cr_expect_eq(a->syns, sent, "syns %llu, expected the %llu SYNs sent before it",
                 (unsigned long long)a->syns, (unsigned long long)sent);
    cr_expect_eq(a->completed, 0, "completed %llu, expected 0", (unsigned long long)a->completed);
    cr_expect_eq(a->half_open, 0, "half_open %u: nothing was answered", a->half_open);
    expect_near((double)a->distinct_sources, (double)sent, 0.10, "distinct_sources at start");
    /* every source sent one SYN: none can be named as a heavy source */
    cr_expect_eq(a->ntop, 0, "%u top sources named in a one-SYN-per-source flood", a->ntop);

    struct ts_sf_stats st;
    ts_sf_stats(s.sf, &st);
    cr_expect_eq(st.alerts, 1);
    cr_expect_eq(st.active, 1);
    cr_expect_eq(st.targets, 1);
    sim_free(&s);
}

/* alert.h: failed_rate is "of those [the attempts over the last second], per
 * second, the ones not completed"; synflood.c: the rate rule starts an alert
 * when the failed SYNs over the last 1 s reach --syn-flood-rate. So the start
 * event of a rate alert must report failed_rate >= rate (here >= 200: at the
 * start there were >= 200 SYNs in the last second, none completed), and
 * syn_rate the same number: the alert's numbers are the ones that started
 * it, not those of a window lagging a slot behind. */
Test(synflood_rate, start_event_reports_the_rate_that_started_it)
{
    struct sim s;
    sim_init(&s, 200, 128, 16);
    rate_flood(&s, 1);
    sim_run(&s, T0 + NS / 2);
    const struct ts_alert *a = nth(&s, TS_ALERT_START, 0);
    cr_assert_not_null(a, "no start event");
    cr_expect_geq(a->failed_rate, 200.0,
                  "start event failed_rate %.0f is below the rate 200 that started it",
                  a->failed_rate);
    cr_expect_geq(a->syn_rate, 200.0,
                  "start event syn_rate %.0f, but >= 200 SYNs came in the last second",
                  a->syn_rate);
    sim_free(&s);
}

/* Case 3: the flood runs 5 s (last SYN at T0 + 4.999 s) and stops. The target
 * is new when the flood starts, so its baseline mu is 0 and the end needs
 * 10 s in which the failed SYNs average at most 1/s: the closed seconds
 * [5, 15) are all 0, so the end comes at T0 + 15 s, 10.001 s after the last
 * flood SYN (whole-second accounting: between 9 and 11 s). end_ns is when
 * flood evidence was last seen: the end of the second of the last SYN at the
 * latest, and never before the start nor after the end event. The update
 * due 10 s after the start (T0 + 10.2 s) comes in between. Nothing at all
 * happens in the 60 s after the end: no second start; the target, quiet for
 * over 70 s by T0 + 75 s, is dropped from the table. */
Test(synflood_rate, end_after_ten_quiet_seconds_and_no_restart)
{
    struct sim s;
    sim_init(&s, 200, 128, 16);
    rate_flood(&s, 5);
    const int64_t last_syn = T0 + 4999 * MS;
    sim_run(&s, T0 + 20 * NS);

    cr_assert_eq(count_status(&s, TS_ALERT_END), 1, "%zu end events, expected 1",
                 count_status(&s, TS_ALERT_END));
    const struct ts_alert *start = nth(&s, TS_ALERT_START, 0);
    const struct ts_alert *end = nth(&s, TS_ALERT_END, 0);
    cr_assert_not_null(start);
    cr_expect_eq(end->id, start->id, "the end belongs to alert %llu, the start was %llu",
                 (unsigned long long)end->id, (unsigned long long)start->id);
    cr_expect_geq(end->ts_ns, last_syn + 9 * NS, "end %.3f s after the last flood SYN (< 9 s)",
                  secs(end->ts_ns - last_syn));
    cr_expect_leq(end->ts_ns, last_syn + 11 * NS, "end %.3f s after the last flood SYN (> 11 s)",
                  secs(end->ts_ns - last_syn));
    cr_expect_geq(end->end_ns, start->start_ns, "end_ns before the start");
    cr_expect_leq(end->end_ns, end->ts_ns, "end_ns after the end event");
    cr_expect_geq(end->end_ns, last_syn, "end_ns %.3f s before the last flood SYN",
                  secs(last_syn - end->end_ns));
    cr_expect_leq(end->end_ns, last_syn + NS, "end_ns %.3f s after the last flood SYN",
                  secs(end->end_ns - last_syn));
    cr_expect_eq(end->start_ns, start->start_ns);
    cr_expect_eq(end->syns, 5000, "end event: syns %llu, expected all 5000",
                 (unsigned long long)end->syns);
    cr_expect_eq(end->completed, 0);
    expect_near((double)end->distinct_sources, 5000, 0.10, "distinct_sources at the end");
    /* exactly: start, the update at start + 10 s, end */
    cr_expect_eq(s.nal, 3, "%zu events, expected start, update, end", s.nal);
    if (s.nal == 3) {
        cr_expect_eq(s.al[0].status, TS_ALERT_START);
        cr_expect_eq(s.al[1].status, TS_ALERT_UPDATE);
        cr_expect_eq(s.al[2].status, TS_ALERT_END);
        cr_expect_eq(s.al[1].id, start->id);
    }

    size_t before = s.nal;
    sim_run(&s, end->ts_ns + 60 * NS);
    cr_expect_eq(s.nal, before, "%zu more events in the 60 s after the end", s.nal - before);
    cr_expect_eq(count_status(&s, TS_ALERT_START), 1, "a second start after the end");
    struct ts_sf_stats st;
    ts_sf_stats(s.sf, &st);
    cr_expect_eq(st.alerts, 1);
    cr_expect_eq(st.active, 0, "%llu alerts still on", (unsigned long long)st.active);
    cr_expect_eq(st.targets, 0, "the quiet target (70 s) still in the table");
    sim_free(&s);
}

/* The aftermath (found by bench/flood_bench.sh's "backlog" server): 50
 * legitimate attempts/s that complete in 30 ms for 10 s, a flood of 1000/s
 * from T0 + 10 s for 5 s, and the server's queue, full of the flood's
 * requests, keeps failing the legitimate attempts for 4 s more (none
 * completes from T0 + 10 s to T0 + 19 s), then they complete again. Failed
 * SYNs stay at 50/s after the flood, far above mu + 1, but the attempts are
 * back at their own baseline (50/s, learnt in the first 10 s, <= 50 + K):
 * the flood's SYNs are gone, so the alert ends 10 s after the flood's last
 * second, not 10 s after the last failure - between 9 and 11 s after the last
 * flood SYN - and end_ns is the end of the flood's last second. */
Test(synflood_rate, legit_failures_after_the_flood_do_not_hold_the_alert)
{
    struct sim s;
    sim_init(&s, 200, 128, 16);
    for (int64_t i = 0; i < 50 * 30; i++) {
        int64_t t = T0 + i * NS / 50 + 7 * MS;
        attempt(&s, t, TARGET, PORT, 0x0b000000u + (uint32_t)i);
        bool queue_full = t >= T0 + 10 * NS && t < T0 + 19 * NS;
        if (!queue_full)
            completed(&s, t + 30 * MS, TARGET, PORT, 0, 0);
    }
    flood(&s, TARGET, PORT, T0 + 10 * NS, 1000, 5000, SPOOF);
    const int64_t last_syn = T0 + 10 * NS + 4999 * MS;
    sim_run(&s, T0 + 40 * NS);
    cr_assert_eq(count_status(&s, TS_ALERT_START), 1, "%zu starts",
                 count_status(&s, TS_ALERT_START));
    const struct ts_alert *end = nth(&s, TS_ALERT_END, 0);
    cr_assert_not_null(end, "no end event");
    cr_expect(end->ts_ns >= last_syn + 9 * NS && end->ts_ns <= last_syn + 11 * NS,
              "end %.3f s after the last flood SYN", secs(end->ts_ns - last_syn));
    cr_expect_eq(end->end_ns, T0 + 15 * NS, "end_ns %.3f s after T0", secs(end->end_ns - T0));
    sim_free(&s);
}

/* The memory of evicted attempts, a direct-mapped table of 1024 slots: of
 * 100 noted attempts, a slot shared by two keeps the later (birthday
 * arithmetic: about 100 * 99 / 2 / 1024 = 4.8 pairs share one), so at least
 * 90 are found; each only once; an attempt not noted is never found. */
Test(synflood_table, evicted_attempts_are_recognised_once)
{
    struct sim s;
    sim_init(&s, 200, 128, 16);
    struct ts_flow_key key[100];
    memset(key, 0, sizeof key);
    for (uint32_t i = 0; i < 100; i++) {
        key[i].family = 4;
        key[i].port_a = (uint16_t)(40000 + i);
        key[i].port_b = 80;
        ts_sf_note_evicted(s.sf, &key[i], 7000u + i);
    }
    int found = 0;
    for (uint32_t i = 0; i < 100; i++) {
        found += ts_sf_was_evicted(s.sf, &key[i], 7000u + i);
        cr_expect(!ts_sf_was_evicted(s.sf, &key[i], 7000u + i), "attempt %u found twice", i);
        cr_expect(!ts_sf_was_evicted(s.sf, &key[i], 9000u + i), "another ISN found");
    }
    cr_expect_geq(found, 90, "only %d of 100 evicted attempts remembered", found);
    sim_free(&s);
}

/* The input ends 199 ms into a flood (Suricata's syn-flood test capture has
 * exactly this: 200 SYNs, 1 ms apart, nothing else). No attempt is 300 ms
 * old, but none was answered and the capture is over: 200 failed, the rate
 * rule holds at the end: one alert, start and its ongoing update. The same
 * 200 attempts each answered by a SYN-ACK 5 ms later (a crowd cut off
 * before its ACKs) are half-open, not failed: no alert. */
Test(synflood_rate, input_ending_inside_the_grace)
{
    struct sim s;
    sim_init(&s, 200, 128, 16);
    flood(&s, TARGET, PORT, T0, 1000, 200, SPOOF);
    sim_run(&s, T0 + 199 * MS);
    sim_finish(&s, T0 + 199 * MS);
    cr_expect_eq(count_status(&s, TS_ALERT_START), 1, "%zu starts",
                 count_status(&s, TS_ALERT_START));
    const struct ts_alert *last = last_event(&s);
    cr_expect(last && last->status == TS_ALERT_UPDATE && last->ongoing);
    sim_free(&s);

    sim_init(&s, 200, 128, 16);
    for (int i = 0; i < 200; i++) {
        attempt(&s, T0 + i * 200 * US, TARGET, PORT, SPOOF + (uint32_t)i);
        answered(&s, T0 + i * 200 * US + 5 * MS, TARGET, PORT, 0, 0);
    }
    sim_run(&s, T0 + 45 * MS);
    sim_finish(&s, T0 + 45 * MS);
    cr_expect_eq(s.nal, 0, "%zu alert events for answered attempts", s.nal);
    sim_free(&s);
}

/* Hostile time: a capture's clock may jump by decades (a corrupt record)
 * while an alert is on, or sit before 1970. A jump of 100 years must not
 * be walked second by second (it would take minutes): the alert ends at
 * the jump, as 10 quiet seconds have passed. Before 1970 (negative times)
 * everything works as after it. Driven without the 10 ms stepper. */
Test(synflood_time, clock_jumps_and_times_before_1970, .timeout = 10)
{
    struct ts_synflood *sf;
    struct ts_sf_config cfg = {.rate = 200, .half_open = 128, .max_targets = 16,
                               .evicted_slots = 1024, .seed = {1, 2}};
    uint8_t dst[16] = {10, 0, 0, 2}, src[16] = {10, 128, 0, 0};
    const int64_t bases[] = {T0, -(INT64_C(40) * 365 * 86400 * NS)};
    for (int b = 0; b < 2; b++) {
        cr_assert_eq(ts_sf_new(&sf, &cfg), 0);
        int64_t t0 = bases[b];
        for (int i = 0; i < 1000; i++) {
            src[3] = (uint8_t)i;
            src[2] = (uint8_t)(i >> 8);
            ts_sf_advance(sf, t0 + i * MS, 0);
            ts_sf_attempt(sf, dst, 80, 4, NULL, src, t0 + i * MS);
        }
        ts_sf_advance(sf, t0 + 1100 * MS, 0);
        const struct ts_alert *a = ts_sf_next_alert(sf);
        cr_assert_not_null(a, "base %d: no alert", b);
        cr_expect_eq(a->status, TS_ALERT_START);
        while (ts_sf_next_alert(sf))
            ;
        int64_t later = t0 + INT64_C(100) * 365 * 86400 * NS;
        ts_sf_advance(sf, later, 0);
        a = ts_sf_next_alert(sf);
        cr_expect(a && a->status == TS_ALERT_END, "base %d: no end after the jump", b);
        ts_sf_free(sf);
    }
}

/* ------------------------------------------------------- flash crowds */

/* A crowd at rate/s for ms_total ms: every attempt answered (SYN-ACK k = 0)
 * rtt_ms/2 later and completed rtt_ms after it (answered_ns = the SYN-ACK's
 * time, k = 0), sources round robin over 5000 addresses. */
static void crowd(struct sim *s, int64_t rate, int64_t ms_total, int64_t rtt_ns)
{
    int64_t n = rate * ms_total / 1000;
    for (int64_t i = 0; i < n; i++) {
        int64_t t = T0 + i * NS / rate;
        attempt(s, t, TARGET, PORT, 0x0b000000u + (uint32_t)(i % 5000));
        answered(s, t + rtt_ns / 2, TARGET, PORT, 0, 0);
        completed(s, t + rtt_ns, TARGET, PORT, t + rtt_ns / 2, 0);
    }
}

/* Case 4: 5000 attempts/s for 3 s, each completed 50 ms after it: no flood,
 * so no alert at all. At 5000/s with a 50 ms round trip, 250 handshakes are
 * always in flight - more than the rate - which is why an attempt fails only
 * once it is 300 ms old: by then every one of these has completed. (Without
 * that allowance the rule fired at the crowd's 200th attempt, 39.8 ms in.) */
Test(synflood_crowd, flash_crowd_with_50ms_rtt_raises_no_alert)
{
    struct sim s;
    sim_init(&s, 200, 128, 16);
    crowd(&s, 5000, 3000, 50 * MS);
    sim_run(&s, T0 + 15 * NS);
    const struct ts_alert *a = nth(&s, TS_ALERT_START, 0);
    cr_expect_eq(s.nal, 0,
                 "flash crowd (all completed within 50 ms) raised %zu alert events; first: "
                 "%s trigger %s at +%.4f s, syns %llu, completed %llu",
                 s.nal, a ? "start" : "-", a ? ts_alert_trigger_name(a->trigger) : "-",
                 a ? secs(a->ts_ns - T0) : 0.0, a ? (unsigned long long)a->syns : 0ULL,
                 a ? (unsigned long long)a->completed : 0ULL);
    struct ts_sf_stats st;
    ts_sf_stats(s.sf, &st);
    cr_expect_eq(st.alerts, 0, "%llu alerts for a flash crowd",
                 (unsigned long long)st.alerts);
    /* none of its handshakes was ever retransmitted */
    cr_expect_eq(st.peak_half_open, 0, "peak_half_open %u", st.peak_half_open);
    sim_free(&s);
}

/* The recorded flash_crowd scenario of testdata/floods, in numbers: 1500/s
 * for 1.4 s on a LAN (1 ms round trip): at most 2 handshakes in flight, far
 * from 200 failed SYNs: no alert. Same rule as above, other side of it. */
Test(synflood_crowd, lan_flash_crowd_raises_no_alert)
{
    struct sim s;
    sim_init(&s, 200, 128, 16);
    crowd(&s, 1500, 1400, 1 * MS);
    sim_run(&s, T0 + 15 * NS);
    cr_expect_eq(s.nal, 0, "%zu alert events for a LAN flash crowd", s.nal);
    struct ts_sf_stats st;
    ts_sf_stats(s.sf, &st);
    cr_expect_eq(st.alerts, 0);
    /* 1500 attempts in a 1 s window at the peak (maybe +1 for the edge) */
    cr_expect(st.peak_syn_rate >= 1490 && st.peak_syn_rate <= 1510, "peak_syn_rate %.0f",
              st.peak_syn_rate);
    cr_expect_leq(st.peak_failed_rate, 5.0, "peak_failed_rate %.0f", st.peak_failed_rate);
    sim_free(&s);
}

/* ---------------------------------------------------------- slow rule */

/* Case 5: 20 failed SYNs/s (one every 50 ms, 20 in each whole second), far
 * below the rate rule's 200. The target is new, so mu = 0 and mu + K = 5; mu
 * is only learnt while y is 0, and y never is 0 again. After n closed
 * seconds y = 15 n, >= H = 100 at n = 7, and all 7 seconds are hot (20 > 5):
 * >= 5 of the last 10. So the slow alert starts at T0 + 7 s (the evaluation
 * at that second's boundary), well within 30 s, and it is the only start
 * (with 20 failed SYNs every second it cannot end: 200 > 10 x (mu + 1)). */
Test(synflood_slow, twenty_per_second_starts_a_slow_alert)
{
    struct sim s;
    sim_init(&s, 200, 128, 16);
    flood(&s, TARGET, PORT, T0, 20, 20 * 60, SPOOF);
    sim_run(&s, T0 + 61 * NS);
    cr_assert_eq(count_status(&s, TS_ALERT_START), 1, "%zu starts, expected 1",
                 count_status(&s, TS_ALERT_START));
    const struct ts_alert *a = nth(&s, TS_ALERT_START, 0);
    cr_expect_eq(a->trigger, TS_TRIGGER_SLOW, "trigger %s, expected slow",
                 ts_alert_trigger_name(a->trigger));
    cr_expect_leq(a->ts_ns, T0 + 30 * NS, "slow start %.3f s after the first SYN (> 30 s)",
                  secs(a->ts_ns - T0));
    cr_expect_geq(a->ts_ns, T0 + 7 * NS, "slow start at +%.3f s: y < 100 before 7 s",
                  secs(a->ts_ns - T0));
    cr_expect_leq(a->ts_ns, T0 + 7 * NS + 100 * MS, "slow start at +%.3f s, expected +7 s",
                  secs(a->ts_ns - T0));
    expect_target(a, TARGET, PORT);
    cr_expect_eq(count_status(&s, TS_ALERT_END), 0, "the slow flood's alert ended");
    sim_free(&s);
}

/* 3 failed SYNs/s for 60 s: x = 3 < mu + K (5 at first, then 5 + mu with mu
 * learning 3): y = max(0, y + 3 - 5 - mu) stays 0 every second; the rate
 * (3 < 200) and half-open (nothing answered) rules never hold: no alert. */
Test(synflood_slow, three_per_second_raises_no_alert)
{
    struct sim s;
    sim_init(&s, 200, 128, 16);
    flood(&s, TARGET, PORT, T0, 3, 3 * 60, SPOOF);
    sim_run(&s, T0 + 61 * NS);
    cr_expect_eq(s.nal, 0, "%zu alert events for 3 failed SYNs/s", s.nal);
    sim_free(&s);
}

/* ------------------------------------------------------ half-open rule */

/* 150 attempts over 0.5 s (attempt i at T0 + i x 10/3 ms), each answered
 * 1 ms later (SYN-ACK k = 0), then, if retrans > 0, the server's
 * retransmissions k = 1 .. retrans at 1, 3, 7, 15 s after the first SYN-ACK
 * (Linux's doubling from 1 s), each with prev_ns = the previous one. Returns
 * when SYN-ACK number k of attempt i went out through sa(i, k). */
static int64_t sa(int i, unsigned k)
{
    return T0 + (int64_t)i * 500 * MS / 150 + 1 * MS + ((1LL << k) - 1) * NS;
}

static void half_open_wave(struct sim *s, int64_t shift, unsigned retrans)
{
    for (int i = 0; i < 150; i++) {
        attempt(s, shift + T0 + (int64_t)i * 500 * MS / 150, TARGET, PORT, SPOOF + (uint32_t)i);
        for (unsigned k = 0; k <= retrans; k++)
            answered(s, shift + sa(i, k), TARGET, PORT, k ? shift + sa(i, k - 1) : 0, k);
    }
}

/* Case 6: rate 1e6, so only the half-open rule can fire. The first
 * retransmissions (k = 1) come at sa(i, 1) = T0 + 1.001 .. 1.498 s; each
 * makes its handshake "half-open for over 1 s"; the 128th (i = 127) at
 * T0 + 1.4243 s reaches --syn-flood-half-open = 128, and the alert starts at
 * the next evaluation (100 ms slots): between that moment and 0.1 s later
 * (T0 + 1.5 s). By then all 150 were retransmitted and none overdue:
 * half_open = 150. The rate rule cannot hold (1e6); the CUSUM sees one hot
 * second only (150 failed SYNs in [T0, T0 + 1 s)): the trigger is half_open. */
Test(synflood_half_open, retransmitted_synacks_start_an_alert)
{
    struct sim s;
    sim_init(&s, 1e6, 128, 16);
    half_open_wave(&s, 0, 2);
    sim_run(&s, T0 + 5 * NS);
    cr_assert_eq(count_status(&s, TS_ALERT_START), 1, "%zu starts, expected 1",
                 count_status(&s, TS_ALERT_START));
    const struct ts_alert *a = nth(&s, TS_ALERT_START, 0);
    cr_expect_eq(a->trigger, TS_TRIGGER_HALF_OPEN, "trigger %s, expected half_open",
                 ts_alert_trigger_name(a->trigger));
    cr_expect_geq(a->ts_ns, sa(127, 1), "start at +%.4f s, before the 128th retransmission",
                  secs(a->ts_ns - T0));
    cr_expect_leq(a->ts_ns, sa(127, 1) + 100 * MS,
                  "start at +%.4f s, expected within 0.1 s of the 128th retransmission (+%.4f s)",
                  secs(a->ts_ns - T0), secs(sa(127, 1) - T0));
    cr_expect_eq(a->half_open, 150, "half_open %u at the start, expected 150", a->half_open);
    expect_target(a, TARGET, PORT);
    struct ts_sf_stats st;
    ts_sf_stats(s.sf, &st);
    cr_expect_eq(st.peak_half_open, 150, "peak_half_open %u, expected 150", st.peak_half_open);
    sim_free(&s);
}

/* The same 150 handshakes answered with SYN cookies: never retransmitted, so
 * none is ever known to be half-open for over 1 s, and each stops being
 * counted 1 + 1/16 s + 100 ms after its SYN-ACK (rounded up to 250 ms, so
 * by sa(149, 0) + 1.4125 s = T0 + 1.91 s): no alert in 15 s. */
Test(synflood_half_open, syn_cookies_raise_no_alert)
{
    struct sim s;
    sim_init(&s, 1e6, 128, 16);
    half_open_wave(&s, 0, 0);
    sim_run(&s, T0 + 15 * NS);
    cr_expect_eq(s.nal, 0, "%zu alert events for 150 cookie SYN-ACKs", s.nal);
    struct ts_sf_stats st;
    ts_sf_stats(s.sf, &st);
    cr_expect_eq(st.peak_half_open, 0, "peak_half_open %u, expected 0", st.peak_half_open);
    cr_expect_eq(st.alerts, 0);
    sim_free(&s);
}

/* The half_open rule is "re-armed only once they fell below half of it
 * again", and the end leaves the half-open count out. 150 handshakes
 * retransmitted at 1, 3, 7, 15 s after their first SYN-ACK stay half-open
 * (each retransmission comes before the previous deadline). The alert starts
 * at ~T0 + 1.5 s (above); mu = 0 and no SYN comes after T0 + 0.5 s, so the
 * 10 closed seconds [1, 11) end it at T0 + 11 s while 150 are still
 * half-open: 150 x 2 >= 128, not re-armed, no new start up to T0 + 20 s. At
 * T0 + 20 s all 150 are reset (answered_ns = their 5th SYN-ACK, k = 4): 0 are
 * half-open, the rule is re-armed; a second identical wave 25 s after the
 * first starts alert 2 within 0.1 s of its 128th retransmission. */
Test(synflood_half_open, rearmed_only_below_half)
{
    struct sim s;
    sim_init(&s, 1e6, 128, 16);
    half_open_wave(&s, 0, 4);
    for (int i = 0; i < 150; i++)
        reset(&s, T0 + 20 * NS, TARGET, PORT, sa(i, 4), 4);
    half_open_wave(&s, 25 * NS, 2);
    sim_run(&s, T0 + 20 * NS - 1);
    cr_assert_eq(count_status(&s, TS_ALERT_START), 1, "%zu starts before T0 + 20 s, expected 1",
                 count_status(&s, TS_ALERT_START));
    const struct ts_alert *end = nth(&s, TS_ALERT_END, 0);
    cr_assert_not_null(end, "the first alert did not end while still 150 half-open");
    cr_expect(end->ts_ns >= T0 + 11 * NS && end->ts_ns <= T0 + 11 * NS + 100 * MS,
              "first alert ended at +%.3f s, expected +11 s", secs(end->ts_ns - T0));
    cr_expect_eq(end->half_open, 150, "half_open %u at the end, expected 150 still",
                 end->half_open);

    sim_run(&s, T0 + 40 * NS);
    cr_assert_eq(count_status(&s, TS_ALERT_START), 2, "%zu starts, expected 2",
                 count_status(&s, TS_ALERT_START));
    const struct ts_alert *a = nth(&s, TS_ALERT_START, 1);
    cr_expect_eq(a->id, 2);
    cr_expect_eq(a->trigger, TS_TRIGGER_HALF_OPEN, "second trigger %s",
                 ts_alert_trigger_name(a->trigger));
    cr_expect(a->ts_ns >= 25 * NS + sa(127, 1) && a->ts_ns <= 25 * NS + sa(127, 1) + 100 * MS,
              "second start at +%.4f s, expected within 0.1 s of +%.4f s",
              secs(a->ts_ns - T0), secs(25 * NS + sa(127, 1) - T0));
    sim_free(&s);
}

/* ts_sf_answered_again: SYN-ACKs of handshakes whose flow record was
 * evicted. The same 150 attempts answered once (k = 0); their first
 * retransmissions arrive without a record, at sa(i, 1): each is due then
 * (the first SYN-ACK's deadline is 1.1625 s after it), so each returns 1 and
 * keeps its handshake counted, now half-open for over 1 s: the half_open
 * alert starts as in the test above. A SYN-ACK 50 ms after the first one is
 * not due (returns 0, not counted), nor is one for an unknown target. */
Test(synflood_half_open, answered_again_keeps_evicted_handshakes_counted)
{
    struct sim s;
    sim_init(&s, 1e6, 128, 16);
    half_open_wave(&s, 0, 0);
    sim_add(&s, EV_AGAIN, sa(0, 0) + 50 * MS, TARGET, PORT, 0, 0, 0);
    sim_add(&s, EV_AGAIN, sa(0, 0) + 50 * MS, TARGET + 1, PORT, 0, 0, 0);
    sim_run(&s, T0 + 200 * MS);
    cr_expect_eq(s.again_k[0], 2, "%u answers 0 for SYN-ACKs not due, expected 2",
                 s.again_k[0]);
    for (int i = 0; i < 150; i++)
        sim_add(&s, EV_AGAIN, sa(i, 1), TARGET, PORT, 0, 0, 0);
    sim_run(&s, T0 + 3 * NS);
    cr_expect_eq(s.again_k[1], 150, "%u of 150 due retransmissions answered k = 1",
                 s.again_k[1]);
    cr_assert_eq(count_status(&s, TS_ALERT_START), 1, "%zu starts, expected 1",
                 count_status(&s, TS_ALERT_START));
    const struct ts_alert *a = nth(&s, TS_ALERT_START, 0);
    cr_expect_eq(a->trigger, TS_TRIGGER_HALF_OPEN);
    cr_expect_leq(a->ts_ns, sa(127, 1) + 100 * MS, "start at +%.4f s", secs(a->ts_ns - T0));
    sim_free(&s);
}

/* -------------------------------------------------- half-open accounting */

/* To read the half-open count we need an alert that reports it: rate 100,
 * half_open out of reach. 200 attempts, attempt i at T0 + i ms (the rate
 * alert starts at the 100th), each answered at h0(i) = T0 + i ms + 1.3 ms
 * (k = 0; the 0.3 ms keeps every deadline off a 250 ms boundary); if retrans, retransmitted (k = 1) at h1(i) = h0(i) + 1 s and
 * (k = 2) at h2(i) = h0(i) + 3 s. ts_sf_finish at `at` writes an update whose
 * half_open is the count at that moment. */
static int64_t h0(int i) { return T0 + i * MS + 1300 * US; }
static int64_t h1(int i) { return h0(i) + NS; }
static int64_t h2(int i) { return h0(i) + 3 * NS; }

static void accounting_base(struct sim *s, unsigned retrans)
{
    sim_init(s, 100, 1000000, 16);
    for (int i = 0; i < 200; i++) {
        attempt(s, T0 + i * MS, TARGET, PORT, SPOOF + (uint32_t)i);
        answered(s, h0(i), TARGET, PORT, 0, 0);
        if (retrans >= 1)
            answered(s, h1(i), TARGET, PORT, h0(i), 1);
        if (retrans >= 2)
            answered(s, h2(i), TARGET, PORT, h1(i), 2);
    }
}

/* The half_open of the ongoing update ts_sf_finish writes at `at`. */
static uint32_t half_open_at(struct sim *s, int64_t at)
{
    sim_finish(s, at);
    const struct ts_alert *a = last_event(s);
    cr_assert_not_null(a, "no alert event at +%.3f s", secs(at - T0));
    cr_assert(a->status == TS_ALERT_UPDATE && a->ongoing, "last event is not the finish update");
    return a->half_open;
}

/* Completed and reset handshakes are no longer half-open: 200 answered,
 * 50 completed and 30 reset (each with its SYN-ACK time, k = 0) at
 * T0 + 0.3 s: 200 - 50 - 30 = 120 at T0 + 0.5 s (no deadline passed yet:
 * the first is h0(0) + 1.1625 s). The alert counted the 50 completions. */
Test(synflood_accounting, completed_and_reset_leave_the_count)
{
    struct sim s;
    accounting_base(&s, 0);
    for (int i = 0; i < 50; i++)
        completed(&s, T0 + 300 * MS, TARGET, PORT, h0(i), 0);
    for (int i = 50; i < 80; i++)
        reset(&s, T0 + 300 * MS, TARGET, PORT, h0(i), 0);
    uint32_t ho = half_open_at(&s, T0 + 500 * MS);
    cr_expect_eq(ho, 120, "half_open %u after 50 completed and 30 reset of 200, expected 120", ho);
    cr_expect_eq(last_event(&s)->completed, 50, "completed %llu, expected 50",
                 (unsigned long long)last_event(&s)->completed);
    sim_free(&s);

    accounting_base(&s, 0);
    ho = half_open_at(&s, T0 + 500 * MS);
    cr_expect_eq(ho, 200, "half_open %u with nothing completed, expected 200", ho);
    sim_free(&s);
}

/* The same after one retransmission: each handshake is counted under its
 * k = 1 SYN-ACK; completing 40 and resetting 20 with (h1(i), k = 1) at
 * T0 + 1.3 s leaves 200 - 60 = 140 at T0 + 1.5 s. */
Test(synflood_accounting, completed_and_reset_after_a_retransmission)
{
    struct sim s;
    accounting_base(&s, 1);
    for (int i = 0; i < 40; i++)
        completed(&s, T0 + 1300 * MS, TARGET, PORT, h1(i), 1);
    for (int i = 40; i < 60; i++)
        reset(&s, T0 + 1300 * MS, TARGET, PORT, h1(i), 1);
    uint32_t ho = half_open_at(&s, T0 + 1500 * MS);
    cr_expect_eq(ho, 140, "half_open %u after 60 of 200 settled at k = 1, expected 140", ho);
    sim_free(&s);
}

/* No retransmission by the deadline: SYN-ACK k at t is counted until
 * t + 2^k s + 2^k/16 s + 100 ms, rounded up to a multiple of 250 ms.
 *   k = 0: h0(i) + 1.1625 s = T0 + (i + 1163.8) ms, 1163.8 .. 1362.8 ms:
 *          below 1250 for i <= 86 (87 handshakes, counted up to 1.25 s),
 *          the other 113 up to 1.5 s. So 200 at T0 + 1.24 s, 113 at
 *          T0 + 1.25 s, 0 at T0 + 1.5 s (within 1.5 s of every SYN-ACK).
 *   k = 1: h1(i) + 2.225 s = T0 + (i + 3226.3) ms: below 3250 for i <= 23
 *          (24, up to 3.25 s), the other 176 up to 3.5 s.
 *   k = 2: h2(i) + 4.35 s = T0 + (i + 7351.3) ms: below 7500 for i <= 148
 *          (149, up to 7.5 s), the other 51 up to 7.75 s.
 * (The rate alert, started at T0 + 99 ms, cannot end before 10 s closed.) */
Test(synflood_accounting, overdue_handshakes_stop_being_counted)
{
    static const struct {
        unsigned retrans;
        int64_t at_ms;
        uint32_t want;
    } c[] = {
        {0, 1240, 200}, {0, 1250, 113}, {0, 1500, 0},
        {1, 1500, 200}, {1, 3240, 200}, {1, 3250, 176}, {1, 3500, 0},
        {2, 3500, 200}, {2, 7490, 200}, {2, 7500, 51},  {2, 7750, 0},
    };
    for (size_t j = 0; j < sizeof c / sizeof c[0]; j++) {
        struct sim s;
        accounting_base(&s, c[j].retrans);
        uint32_t ho = half_open_at(&s, T0 + c[j].at_ms * MS);
        cr_expect_eq(ho, c[j].want, "%u retransmissions, at +%.3f s: half_open %u, expected %u",
                     c[j].retrans, c[j].at_ms / 1000.0, ho, c[j].want);
        sim_free(&s);
    }
}

/* ------------------------------------------------------------- updates */

/* Case 8: 1000 failed SYNs/s for 35 s; the alert starts at T0 + 199 ms.
 * Updates come every 10 s: the first evaluation at or after start + 10 s is
 * T0 + 10.2 s, then 20.2 and 30.2 s - three, each 10 to 10.1 s after the
 * event before it. ts_sf_finish at T0 + 35 s, the flood still on, writes
 * one more update, ongoing. Each update at a slot boundary sees exactly the
 * 1000 SYNs of the last second (none completed); syns counts every SYN
 * since the start, the window included: the 10200 sent before T0 + 10.2 s
 * (the event at a time is fed after the advance to it) and all 35000 at the
 * finish. */
Test(synflood_updates, every_ten_seconds_and_ongoing_at_finish)
{
    struct sim s;
    sim_init(&s, 200, 128, 16);
    rate_flood(&s, 35);
    sim_finish(&s, T0 + 35 * NS);

    const struct ts_alert *start = nth(&s, TS_ALERT_START, 0);
    cr_assert_not_null(start);
    cr_expect_eq(count_status(&s, TS_ALERT_END), 0, "the alert ended during the flood");
    cr_assert_eq(count_status(&s, TS_ALERT_UPDATE), 4, "%zu updates, expected 3 + the finish",
                 count_status(&s, TS_ALERT_UPDATE));
    int64_t prev = start->ts_ns;
    for (size_t k = 0; k < 3; k++) {
        const struct ts_alert *u = nth(&s, TS_ALERT_UPDATE, k);
        cr_expect_eq(u->id, start->id);
        cr_expect(!u->ongoing, "periodic update %zu marked ongoing", k);
        cr_expect(u->ts_ns - prev >= 10 * NS && u->ts_ns - prev <= 10 * NS + 100 * MS,
                  "update %zu %.3f s after the previous event, expected 10 s", k,
                  secs(u->ts_ns - prev));
        cr_expect(u->syn_rate >= 990 && u->syn_rate <= 1010, "update %zu: syn_rate %.0f", k,
                  u->syn_rate);
        cr_expect(u->failed_rate >= 990 && u->failed_rate <= 1010,
                  "update %zu: failed_rate %.0f", k, u->failed_rate);
        cr_expect_eq(u->start_ns, start->start_ns);
        cr_expect_eq(u->end_ns, 0);
        prev = u->ts_ns;
    }
    const struct ts_alert *u0 = nth(&s, TS_ALERT_UPDATE, 0);
    uint64_t sent0 = (uint64_t)((u0->ts_ns - T0 + MS - 1) / MS); /* SYNs before it */
    cr_expect_eq(u0->syns, sent0, "first update: syns %llu, expected %llu",
                 (unsigned long long)u0->syns, (unsigned long long)sent0);
    expect_near((double)u0->distinct_sources, (double)sent0, 0.10, "first update's sources");

    const struct ts_alert *fin = last_event(&s);
    cr_expect_eq(fin->status, TS_ALERT_UPDATE);
    cr_expect(fin->ongoing, "the finish update is not marked ongoing");
    cr_expect_eq(fin->ts_ns, T0 + 35 * NS);
    cr_expect_eq(fin->id, start->id);
    cr_expect_eq(fin->syns, 35000, "finish: syns %llu, expected 35000",
                 (unsigned long long)fin->syns);
    cr_expect_eq(fin->completed, 0);
    expect_near((double)fin->distinct_sources, 35000, 0.10, "finish: distinct_sources");
    cr_expect(fin->peak_syn_rate >= 990 && fin->peak_syn_rate <= 1010, "peak_syn_rate %.0f",
              fin->peak_syn_rate);

    struct ts_sf_stats st;
    ts_sf_stats(s.sf, &st);
    cr_expect_eq(st.alerts, 1);
    cr_expect_eq(st.active, 1, "ts_sf_finish ended the alert");
    cr_expect(st.peak_syn_rate >= 990 && st.peak_syn_rate <= 1010, "stats peak_syn_rate %.0f",
              st.peak_syn_rate);
    cr_expect(st.peak_failed_rate >= 990 && st.peak_failed_rate <= 1010,
              "stats peak_failed_rate %.0f", st.peak_failed_rate);
    sim_free(&s);
}

/* Heavy sources (space-saving, 8 counters): 2 s at 1000 SYNs/s where every
 * other SYN comes from 10.9.9.9 (1000 of 2000) and the rest from distinct
 * addresses. alert.h: top[] lists the sources with the most SYNs first,
 * "at least this many SYNs came from it": so top[0] is 10.9.9.9 with at most
 * its 1000 SYNs, and (Metwally et al.: a counter's error is at most N/m =
 * 2000/8 = 250) at least 750. Sources of one SYN each are never named. */
Test(synflood_updates, heaviest_source_named_first)
{
    struct sim s;
    sim_init(&s, 200, 128, 16);
    for (int i = 0; i < 2000; i++)
        attempt(&s, T0 + i * MS, TARGET, PORT, i % 2 ? SPOOF + (uint32_t)i : 0x0a090909u);
    sim_finish(&s, T0 + 2 * NS);
    const struct ts_alert *fin = last_event(&s);
    cr_assert_not_null(fin);
    cr_assert_geq(fin->ntop, 1, "no heavy source named");
    uint8_t heavy[16];
    ip4(heavy, 0x0a090909u);
    cr_expect(memcmp(fin->top[0].addr, heavy, 16) == 0, "top[0] is not 10.9.9.9");
    cr_expect(fin->top[0].syns <= 1000 && fin->top[0].syns >= 750,
              "top[0].syns %llu, expected 750 .. 1000", (unsigned long long)fin->top[0].syns);
    for (unsigned j = 1; j < fin->ntop; j++)
        cr_expect_geq(fin->top[j].syns, 2, "top[%u] named with %llu SYN", j,
                      (unsigned long long)fin->top[j].syns);
    sim_free(&s);
}

/* ------------------------------------------------------- bounded table */

/* Case 9: max_targets 64. Alert 1 on 10.0.0.2:80 from a 2 s flood
 * (1000/s, T0 .. T0 + 1.999 s). Then, while it is still on (it ends at
 * T0 + 12 s: closed seconds [2, 12) quiet) and its target is the least
 * recently active one, one SYN to each of 10,000 distinct targets
 * 10.1.x.y:80 over T0 + 3 .. 4 s. The table holds the flood's target and 63
 * others; each of the other 9937 new targets evicts a quiet one (none is
 * idle for 70 s yet): targets = 64, targets_evicted = 10,000 - 63 = 9937.
 * The flood's target is never the one evicted: its update (T0 + 10.2 s) and
 * end (T0 + 12 s) still come, with id 1, and no other alert starts. */
Test(synflood_table, bounded_and_active_target_kept)
{
    struct sim s;
    sim_init(&s, 200, 128, 64);
    rate_flood(&s, 2);
    for (int j = 0; j < 10000; j++)
        attempt(&s, T0 + 3 * NS + j * 100 * US, 0x0a010000u + (uint32_t)j, PORT, 0x0ac80001u);
    sim_run(&s, T0 + 4 * NS);
    struct ts_sf_stats st;
    ts_sf_stats(s.sf, &st);
    cr_expect_leq(st.targets, 64, "%llu targets tracked, bound 64",
                  (unsigned long long)st.targets);
    cr_expect_eq(st.targets, 64, "%llu targets tracked, expected the full 64",
                 (unsigned long long)st.targets);
    cr_expect_eq(st.targets_evicted, 9937, "targets_evicted %llu, expected 9937",
                 (unsigned long long)st.targets_evicted);
    cr_expect_eq(st.active, 1);

    sim_run(&s, T0 + 20 * NS);
    cr_expect_eq(count_status(&s, TS_ALERT_START), 1, "%zu starts, expected 1",
                 count_status(&s, TS_ALERT_START));
    for (size_t i = 0; i < s.nal; i++) {
        cr_expect_eq(s.al[i].id, 1, "event %zu (%s) belongs to alert %llu", i,
                     ts_alert_status_name(s.al[i].status), (unsigned long long)s.al[i].id);
        expect_target(&s.al[i], TARGET, PORT);
    }
    const struct ts_alert *end = nth(&s, TS_ALERT_END, 0);
    cr_assert_not_null(end, "the flood's alert never ended: its target was lost");
    cr_expect(end->ts_ns >= T0 + 12 * NS && end->ts_ns <= T0 + 12 * NS + 100 * MS,
              "end at +%.3f s, expected +12 s", secs(end->ts_ns - T0));
    cr_expect_eq(end->syns, 2000, "end: syns %llu, expected the flood's 2000",
                 (unsigned long long)end->syns);
    ts_sf_stats(s.sf, &st);
    cr_expect_eq(st.alerts, 1);
    cr_expect_eq(st.active, 0);
    cr_expect_leq(st.targets, 64);
    sim_free(&s);
}

/* A connection's hint to its target's record goes stale when the target is
 * dropped and its record handed to another target. Table of 2: A
 * (10.0.0.2:80) gets an attempt and a hint; B and C (10.0.0.3, 10.0.0.4)
 * follow, and C takes the record of A, the least recently active. A's
 * connections then report 1000 completed handshakes through that stale
 * hint while C gets 1000 unanswered SYNs in one second (rate 200). Without
 * its record A is unknown (completions of an unknown target count
 * nowhere), so C's SYNs all fail and C's alert starts; had the hint been
 * believed, C would have 1000 completions and no alert. A new attempt at A
 * through the same stale hint makes A a target again, and its completions
 * land on A: A with 1000 SYNs, all completed, raises no alert. */
Test(synflood_table, stale_hint_lands_on_no_other_target)
{
    struct ts_synflood *sf;
    struct ts_sf_config cfg = {.rate = 200, .half_open = 128, .max_targets = 2,
                               .evicted_slots = 1024, .seed = {1, 2}};
    cr_assert_eq(ts_sf_new(&sf, &cfg), 0);
    uint8_t a[16] = {10, 0, 0, 2}, b[16] = {10, 0, 0, 3}, c[16] = {10, 0, 0, 4};
    uint8_t src[16] = {10, 128, 0, 0};
    uint32_t hint_a = 0, hint_b = 0, hint_c = 0;
    int64_t t = T0;
    ts_sf_advance(sf, t, 0);
    ts_sf_attempt(sf, a, 80, 4, &hint_a, src, t);
    cr_assert_neq(hint_a, 0, "the attempt left no hint");
    ts_sf_attempt(sf, b, 80, 4, &hint_b, src, t + MS);
    ts_sf_attempt(sf, c, 80, 4, &hint_c, src, t + 2 * MS);
    cr_assert_eq(hint_c, hint_a, "C did not take A's record (the test's premise)");
    struct ts_sf_stats st;
    ts_sf_stats(sf, &st);
    cr_expect_eq(st.targets_evicted, 1);

    uint32_t stale = hint_a;
    for (int i = 0; i < 1000; i++) {
        int64_t at = t + 10 * MS + i * MS;
        src[2] = (uint8_t)(i >> 8);
        src[3] = (uint8_t)i;
        ts_sf_advance(sf, at, 0);
        ts_sf_attempt(sf, c, 80, 4, &hint_c, src, at);
        uint32_t h = stale;
        ts_sf_completed(sf, a, 80, 4, &h, at, 0, 0);
        cr_assert_eq(h, stale, "a lookup that found nothing changed the hint");
    }
    ts_sf_advance(sf, t + 1500 * MS, 0);
    const struct ts_alert *al = ts_sf_next_alert(sf);
    cr_assert_not_null(al, "C's flood raised no alert: A's completions were counted at C");
    cr_expect_eq(al->status, TS_ALERT_START);
    cr_expect_eq(memcmp(al->addr, c, 16), 0, "the alert is not C's");
    while (ts_sf_next_alert(sf))
        ;

    /* A again, through the stale hint: a record of its own, found after */
    uint32_t h = stale;
    int64_t t2 = t + 100 * NS; /* C's alert is long over, A and B idle */
    for (int i = 0; i < 1000; i++) {
        int64_t at = t2 + i * MS;
        src[2] = (uint8_t)(i >> 8);
        src[3] = (uint8_t)i;
        ts_sf_advance(sf, at, 0);
        ts_sf_attempt(sf, a, 80, 4, &h, src, at);
        ts_sf_completed(sf, a, 80, 4, &h, at, 0, 0);
    }
    ts_sf_advance(sf, t2 + 1500 * MS, 0);
    for (const struct ts_alert *x; (x = ts_sf_next_alert(sf)) != NULL;)
        cr_expect(memcmp(x->addr, a, 16) != 0 || x->status != TS_ALERT_START,
                  "A's completed handshakes were not counted at A: it alerted");
    ts_sf_free(sf);
}

/* ------------------------------------------------------------ port scan */

/* Case 10: one SYN to each of ports 1 .. 3000 of 10.0.0.2 from 10.0.0.1
 * within 1 s (port p at T0 + (p - 1)/3 ms); each closed port resets at once
 * (no SYN-ACK: answered_ns 0); port 80 answers and completes. Each port is
 * its own target with one failed SYN: 1 < 200 (rate), 1 < mu + K = 5
 * (CUSUM), nothing half-open: no alert. 3000 targets (table of 4096). */
Test(synflood_scan, port_scan_raises_no_alert)
{
    struct sim s;
    sim_init(&s, 200, 128, 4096);
    for (uint32_t p = 1; p <= 3000; p++) {
        int64_t t = T0 + (int64_t)(p - 1) * NS / 3000;
        attempt(&s, t, TARGET, (uint16_t)p, 0x0a000001u);
        if (p == PORT) {
            answered(&s, t + 100 * US, TARGET, (uint16_t)p, 0, 0);
            completed(&s, t + 200 * US, TARGET, (uint16_t)p, t + 100 * US, 0);
        } else {
            reset(&s, t + 100 * US, TARGET, (uint16_t)p, 0, 0);
        }
    }
    sim_run(&s, T0 + NS);
    struct ts_sf_stats st;
    ts_sf_stats(s.sf, &st);
    cr_expect_eq(st.targets, 3000, "%llu targets, expected one per port (3000)",
                 (unsigned long long)st.targets);
    sim_run(&s, T0 + 15 * NS);
    cr_expect_eq(s.nal, 0, "%zu alert events for a port scan", s.nal);
    ts_sf_stats(s.sf, &st);
    cr_expect_eq(st.alerts, 0);
    cr_expect_leq(st.peak_failed_rate, 1.0, "peak_failed_rate %.0f", st.peak_failed_rate);
    sim_free(&s);
}
