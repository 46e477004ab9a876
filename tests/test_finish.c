/* test_finish.c - the end of the input: every flow still tracked is written
 * out once, in id order (the order of their first packets, which the test
 * knows from what it sent), even when their records were reused in another
 * order; and ts_analyzer_finish_take hands them out unsettled, each settled
 * once ts_analyzer_finish_upto has gone past it.
 *
 * One established connection opens first, then 70,000 unanswered SYNs; 2,000
 * s later (past the handshake timeout, 130 s, within the idle one, 3600 s) 3,000 more SYNs
 * arrive, taking the records the first ones left, newest first. At the end
 * the established connection and the 3,000 are tracked: ids 1 and
 * 70,002-73,001, a span that takes three bytes of the ids to sort. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "support.h"
#include "tcpstates.h"

#define OLD 70000u
#define NEW 3000u
#define NS 1000000000LL

/* A raw IPv4 frame (DLT_RAW), 40 bytes: connection n of group net (n < 2^22)
 * is client 10.<net * 64 + n / 65536>.<n / 256 % 256>.<n % 256>, port
 * 40000 + n % 20000, and server 10.255.0.1:80; flags as TCP's. */
static void frame(uint8_t pkt[40], unsigned net, unsigned n, int from_server, uint8_t flags,
                  uint32_t seq, uint32_t ack)
{
    uint32_t srv = 0x0aff0001;
    uint32_t cli = 0x0a000000u | (net * 64 + n / 65536) << 16 | (n % 65536);
    uint16_t cport = (uint16_t)(40000u + n % 20000u);
    if (from_server)
        ts_test_tcp4(pkt, srv, 80, cli, cport, seq, ack, flags);
    else
        ts_test_tcp4(pkt, cli, cport, srv, 80, seq, ack, flags);
}

/* Which connection a flow is: net * 100000 + n, from its client's address. */
static unsigned which(const struct ts_flow *f)
{
    const uint8_t *c = ts_flow_addr(f, TS_CLIENT);
    return c[1] / 64u * 100000u + (c[1] % 64u) * 65536u + c[2] * 256u + c[3];
}

static void packet(struct ts_analyzer *a, int64_t ts, unsigned net, unsigned n, int from_server,
                   uint8_t flags, uint32_t seq, uint32_t ack)
{
    uint8_t pkt[40];
    frame(pkt, net, n, from_server, flags, seq, ack);
    ts_analyzer_packet(a, ts, pkt, sizeof pkt, sizeof pkt);
    while (ts_analyzer_next_done(a) != NULL)
        ; /* the first SYNs, timed out, go (and give their records back) */
}

static struct ts_analyzer *run_capture(void)
{
    struct ts_config cfg;
    ts_config_defaults(&cfg);
    struct ts_analyzer *a;
    char err[256];
    cr_assert_eq(ts_analyzer_new(&a, &cfg, 12 /* DLT_RAW */, err, sizeof err), 0, "%s", err);
    /* 10.64.0.0:40000 <-> 10.255.0.1:80, established at t = 0 */
    packet(a, 0, 1, 0, 0, 0x02, 1000, 0);
    packet(a, 1000000, 1, 0, 1, 0x12, 5000, 1001);
    packet(a, 2000000, 1, 0, 0, 0x10, 1001, 5001);
    for (unsigned i = 1; i <= OLD; i++)
        packet(a, NS + (int64_t)i * 1000, 2, i, 0, 0x02, 1000, 0);
    for (unsigned i = 0; i < NEW; i++)
        packet(a, 2000 * NS + (int64_t)i * 1000, 3, i, 0, 0x02, 1000, 0);
    return a;
}

/* flows[0, n) are the established connection, then the new SYNs in the
 * order sent, with ids in the order of their first packets. */
static void check_order(const struct ts_flow *const *flows, size_t n)
{
    cr_assert_eq(n, 1 + NEW, "%zu flows at the end, not %u", n, 1 + NEW);
    cr_assert_eq(which(flows[0]), 100000u);
    cr_assert_eq(flows[0]->id, 1u);
    bool reused_out_of_order = false;
    for (size_t i = 1; i < n; i++) {
        cr_assert_eq(which(flows[i]), 300000u + (unsigned)(i - 1),
                     "flow %zu is connection %u", i, which(flows[i]));
        cr_assert_eq(flows[i]->id, 1u + OLD + i, "flow %zu has id %llu", i,
                     (unsigned long long)flows[i]->id);
        if (i > 1 && (uintptr_t)flows[i] < (uintptr_t)flows[i - 1])
            reused_out_of_order = true;
    }
    /* what makes the sort needed: the pool order is not the id order */
    cr_assert(reused_out_of_order);
}

Test(finish, flows_still_tracked_come_out_in_id_order)
{
    struct ts_analyzer *a = run_capture();
    ts_analyzer_finish(a);
    size_t n = 0;
    const struct ts_flow *f;
    while ((f = ts_analyzer_next_done(a)) != NULL) {
        cr_assert_lt(n, 1 + NEW);
        cr_assert(f->flags & TS_FLOW_FINISHED);
        n++;
        cr_assert_eq(which(f), n == 1 ? 100000u : 300000u + (unsigned)(n - 2));
        cr_assert_eq(f->id, n == 1 ? 1u : OLD + n);
    }
    cr_assert_eq(n, 1 + NEW);
    ts_analyzer_free(a);
}

Test(finish, taken_unsettled_and_settled_in_steps)
{
    struct ts_analyzer *a = run_capture();
    const struct ts_flow *const *flows;
    size_t n = ts_analyzer_finish_take(a, &flows);
    check_order(flows, n);
    for (size_t i = 0; i < n; i++)
        cr_assert(!(flows[i]->flags & TS_FLOW_FINISHED), "flow %zu settled before its turn", i);
    size_t steps[] = {1, 256, 257, 2000, n};
    size_t done = 0;
    for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
        ts_analyzer_finish_upto(a, steps[k]);
        for (size_t i = 0; i < n; i++)
            cr_assert_eq((flows[i]->flags & TS_FLOW_FINISHED) != 0, i < steps[k],
                         "after settling %zu, flow %zu", steps[k], i);
        done = steps[k];
    }
    cr_assert_eq(done, n);
    /* the handshake completed for the first only; the others wait in
     * SYN_SENT for an answer that never came */
    cr_assert_eq(flows[0]->ep[TS_CLIENT].state, TS_ESTABLISHED);
    cr_assert_eq(flows[1]->ep[TS_CLIENT].state, TS_SYN_SENT);
    ts_analyzer_finish(a);
    cr_assert_null(ts_analyzer_next_done(a), "the flows handed out are not handed out again");
    const struct ts_summary *s = ts_analyzer_summary(a);
    cr_assert_eq(s->flows, 1 + OLD + NEW, "the summary counts every flow once (%llu)",
                 (unsigned long long)s->flows);
    ts_analyzer_free(a);
}
