/* test_ahead.c - frames decoded ahead of their analysis (ts_analyzer_packet_ahead):
 * every frame is analysed once, in capture order, and the connections end
 * in the states RFC 9293 gives them (figure 12, the client closing first:
 * client TIME_WAIT, server CLOSED), as when each frame is analysed at once. */
#include <criterion/criterion.h>
#include <string.h>

#include "support.h"
#include "tcpstates.h"

#define CONNS 3
#define STEPS 7

/* Step s of connection c, a raw IPv4 frame (DLT_RAW) of 40 bytes:
 * 10.80.0.1:40000+c <-> 10.80.0.2:80, client ISN 1000, server ISN 5000.
 *   0 C>S SYN  1 S>C SYN-ACK  2 C>S ACK  3 C>S FIN-ACK  4 S>C ACK
 *   5 S>C FIN-ACK  6 C>S ACK */
static void frame(uint8_t pkt[40], int c, int s)
{
    static const struct {
        int from_server;
        uint8_t flags;
        uint32_t seq, ack;
    } step[STEPS] = {
        {0, 0x02, 1000, 0},    {1, 0x12, 5000, 1001}, {0, 0x10, 1001, 5001},
        {0, 0x11, 1001, 5001}, {1, 0x10, 5001, 1002}, {1, 0x11, 5001, 1002},
        {0, 0x10, 1002, 5002},
    };
    const uint32_t cli = 0x0a500001, srv = 0x0a500002;
    uint16_t cport = (uint16_t)(40000 + c);
    if (step[s].from_server)
        ts_test_tcp4(pkt, srv, 80, cli, cport, step[s].seq, step[s].ack, step[s].flags);
    else
        ts_test_tcp4(pkt, cli, cport, srv, 80, step[s].seq, step[s].ack, step[s].flags);
}

static struct ts_analyzer *analyzer(void)
{
    struct ts_config cfg;
    ts_config_defaults(&cfg);
    struct ts_analyzer *a;
    char err[256];
    cr_assert_eq(ts_analyzer_new(&a, &cfg, 12 /* DLT_RAW */, err, sizeof err), 0, "%s", err);
    return a;
}

/* The capture ended: each connection was written out, the client in
 * TIME_WAIT and the server CLOSED, having sent 4 and 3 segments. */
static void check_ends(struct ts_analyzer *a)
{
    ts_analyzer_finish(a);
    const struct ts_flow *f;
    int n = 0;
    while ((f = ts_analyzer_next_done(a)) != NULL) {
        n++;
        cr_expect_eq(f->ep[TS_CLIENT].state, TS_TIME_WAIT, "flow %llu client: %s",
                     (unsigned long long)f->id, ts_state_name(f->ep[TS_CLIENT].state));
        cr_expect_eq(f->ep[TS_SERVER].state, TS_CLOSED, "flow %llu server: %s",
                     (unsigned long long)f->id, ts_state_name(f->ep[TS_SERVER].state));
        cr_expect_eq(f->ep[TS_CLIENT].packets, 4);
        cr_expect_eq(f->ep[TS_SERVER].packets, 3);
    }
    cr_expect_eq(n, CONNS);
}

/* The connections' frames interleaved (each step of every connection, then
 * the next step), with one UDP frame after the third: frame k is analysed
 * during the call for frame k + 8, or by the flush, and the trace of each
 * one analysed is its own (packet numbers 1, 2, ... in order). */
Test(ahead, every_frame_once_in_order)
{
    struct ts_analyzer *a = analyzer();
    uint8_t pkt[40];
    uint64_t analysed = 0, n = 0;
    for (int s = 0; s < STEPS; s++) {
        for (int c = 0; c < CONNS; c++) {
            frame(pkt, c, s);
            int r = ts_analyzer_packet_ahead(a, (int64_t)(++n) * 1000000, pkt, 40, 40);
            if (n <= 8) {
                cr_expect_eq(r, -1, "frame %llu: nothing analysed yet", (unsigned long long)n);
            } else {
                analysed++;
                cr_expect_eq(r, analysed == 4 ? 0 : 1, "frame %llu", (unsigned long long)n);
                if (r == 1)
                    cr_expect_eq(ts_analyzer_trace(a)->pkt, analysed);
            }
            if (n == 3) { /* a UDP frame: counted, not analysed */
                uint8_t udp[28] = {0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17};
                ts_analyzer_packet_ahead(a, (int64_t)(++n) * 1000000, udp, 28, 28);
            }
        }
    }
    int r;
    while ((r = ts_analyzer_flush_ahead(a)) >= 0) {
        analysed++;
        cr_expect_eq(r, 1);
        cr_expect_eq(ts_analyzer_trace(a)->pkt, analysed);
    }
    cr_expect_eq(analysed, n, "all %llu frames analysed", (unsigned long long)n);
    cr_expect_eq(ts_analyzer_stats(a)->non_tcp, 1);
    check_ends(a);
    ts_analyzer_free(a);
}

/* Frames still held are analysed before a frame given at once, and before
 * the end of the capture: nothing overtakes them and nothing is lost. */
Test(ahead, held_frames_go_first)
{
    struct ts_analyzer *a = analyzer();
    uint8_t pkt[40];
    uint64_t n = 0;
    for (int s = 0; s < STEPS; s++) {
        for (int c = 0; c < CONNS; c++) {
            frame(pkt, c, s);
            n++;
            if (n == 6) { /* five held, this one at once: it is the sixth analysed */
                cr_expect_eq(ts_analyzer_packet(a, (int64_t)n * 1000000, pkt, 40, 40), 1);
                cr_expect_eq(ts_analyzer_trace(a)->pkt, 6);
                cr_expect_eq(ts_analyzer_flush_ahead(a), -1, "none held any more");
            } else {
                ts_analyzer_packet_ahead(a, (int64_t)n * 1000000, pkt, 40, 40);
            }
        }
    }
    check_ends(a); /* ts_analyzer_finish analyses the last eight first */
    cr_expect_eq(ts_analyzer_stats(a)->tcp_packets, CONNS * STEPS);
    ts_analyzer_free(a);
}
