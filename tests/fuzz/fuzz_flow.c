/* fuzz_flow.c - libFuzzer target: the state machine fed arbitrary segment
 * sequences on one connection. Each 9-byte record is one IPv4 segment
 * between two fixed hosts: direction and port choice, TCP flags, sequence
 * and acknowledgement offsets from each side's ISN, payload length, time
 * step. After the capture ends every flow must hold valid states. Odd-sized
 * inputs run under the smallest memcap, so eviction runs too. */
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* a failed check aborts, whatever NDEBUG says: the fuzzer reports it */
#define CHECK(c) do { if (!(c)) abort(); } while (0)

#include "tcpstates.h"
#include "zeek_conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}

static void check(const struct ts_flow *f)
{
    for (int i = 0; i < 2; i++) {
        CHECK(f->ep[i].state < TS_STATE_COUNT);
        CHECK(ts_flow_final_state(f, i) < TS_STATE_COUNT);
        CHECK(f->ep[i].npending <= TS_PENDING_MAX);
    }
    int cs = ts_zeek_conn_state(&f->zeek, f->ep[0].bytes, f->ep[1].bytes);
    CHECK(cs >= 0 && cs < TS_ZEEK_STATE_COUNT);
    CHECK(strlen(f->zeek.hist) <= TS_ZEEK_HISTORY_MAX);
    CHECK(!f->x || f->x->ntrans <= f->x->trans_cap);
    for (int i = 0; i < 2; i++) /* an endpoint holds a queue while events wait in it */
        CHECK((f->q[i] != 0) == (f->ep[i].npending != 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ts_config cfg;
    ts_config_defaults(&cfg);
    cfg.timeline = true;
    cfg.msl_ns = 1 * TS_NS_PER_SEC; /* short timers: expiry paths run */
    cfg.idle_timeout_ns = 20 * TS_NS_PER_SEC;
    /* small SYN-flood tables (an analyzer per input); an odd-sized input
     * gets the smallest memcap, one flow at a time: the two tuples evict
     * each other, side blocks and all */
    cfg.memcap = size % 2 ? 4096 : 1u << 20;
    struct ts_analyzer *a;
    char err[256];
    if (ts_analyzer_new(&a, &cfg, 12 /* DLT_RAW */, err, sizeof err) < 0)
        return 0;

    const uint32_t isn[2] = {0xfffffff0u, 0x7ffffff8u}; /* near both wraps */
    int64_t t = 1000 * TS_NS_PER_SEC;
    uint8_t pkt[40 + 64];
    const struct ts_flow *f;
    for (size_t off = 0; off + 9 <= size; off += 9) {
        const uint8_t *r = data + off;
        int from = r[0] & 1;
        uint16_t cport = (r[0] & 2) ? 40001 : 40000; /* a second tuple now and then */
        uint8_t flags = r[1];
        uint32_t seq = isn[from] + (uint32_t)((r[2] << 8) | r[3]) - 16;
        uint32_t ack = isn[1 - from] + (uint32_t)((r[4] << 8) | r[5]) - 16;
        uint32_t len = r[6] % 64;
        t += (int64_t)r[7] * 10 * 1000 * 1000 + (int64_t)(r[8] & 0x7f) * TS_NS_PER_SEC / 4;

        memset(pkt, 0, sizeof pkt);
        pkt[0] = 0x45;
        put16(pkt + 2, 40 + len);
        pkt[8] = 64;
        pkt[9] = 6;
        uint8_t a_ip[4] = {10, 80, 0, 1}, b_ip[4] = {10, 80, 0, 2};
        memcpy(pkt + 12, from ? b_ip : a_ip, 4);
        memcpy(pkt + 16, from ? a_ip : b_ip, 4);
        put16(pkt + 20, from ? 80 : cport);
        put16(pkt + 22, from ? cport : 80);
        put32(pkt + 24, seq);
        put32(pkt + 28, ack);
        pkt[32] = 5 << 4;
        pkt[33] = flags;
        put16(pkt + 34, (r[8] & 0x80) ? 0 : 65535);
        ts_analyzer_packet(a, t, pkt, 40 + len, 40 + len);
        while ((f = ts_analyzer_next_done(a)) != NULL)
            check(f);
    }
    ts_analyzer_finish(a);
    uint64_t n = 0;
    while ((f = ts_analyzer_next_done(a)) != NULL) {
        check(f);
        n++;
    }
    CHECK(ts_analyzer_summary(a)->flows >= n);
    ts_analyzer_free(a);
    return 0;
}
