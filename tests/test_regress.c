/* test_regress.c - inputs the fuzzers found crashing, kept in testdata/fuzz/
 * (one file per finding, named after what it broke). Each must now give a
 * report or one clear error and exit 0 or 1; the sanitizer build of the
 * suite turns any memory error or undefined behaviour back into a failure. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "tcpstates.h"

Test(regress, fuzzer_findings_stay_fixed)
{
    DIR *d = opendir(TS_SOURCE_DIR "/testdata/fuzz");
    cr_assert_not_null(d);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        for (int fmt = 0; fmt < 2; fmt++) {
            char args[700];
            snprintf(args, sizeof args, "%s '%s/testdata/fuzz/%s'",
                     fmt ? "--format text --timeline --max-flows 4" : "--timeline",
                     TS_SOURCE_DIR, e->d_name);
            char *out = NULL, *err = NULL;
            int st = ts_test_run(args, &out, &err);
            cr_expect(st == 0 || st == 1, "%s: exit %d, stderr: %s", args, st, err ? err : "");
            free(out);
            free(err);
        }
        n++;
    }
    closedir(d);
    cr_expect_geq(n, 1);
}

/* An IP length past the frame (corrupt, fuzzed, or written so by a broken
 * tool) is not believed beyond what the record says was on the wire, as
 * tshark computes tcp.len ("IPv4 total length exceeds packet length"):
 * a SYN, SYN-ACK, ACK, then 10 bytes of data in a frame whose IP header
 * claims 1500 bytes, and an ACK claiming 65535. The client sent 10 bytes,
 * the server none, and the handshake and history are as without the lie. */
static void raw_packet(struct ts_analyzer *a, int64_t ts, int from_server, uint8_t flags,
                       uint32_t seq, uint32_t ack, uint16_t ip_len, uint32_t payload)
{
    uint8_t pkt[64] = {0};
    uint32_t cli = 0x0a000001, srv = 0x0a000002;
    if (from_server)
        ts_test_tcp4(pkt, srv, 80, cli, 40000, seq, ack, flags);
    else
        ts_test_tcp4(pkt, cli, 40000, srv, 80, seq, ack, flags);
    pkt[2] = (uint8_t)(ip_len >> 8);
    pkt[3] = (uint8_t)ip_len;
    ts_analyzer_packet(a, ts, pkt, 40 + payload, 40 + payload);
}

Test(regress, ip_length_past_the_frame_counts_what_the_wire_carried)
{
    struct ts_config cfg;
    ts_config_defaults(&cfg);
    struct ts_analyzer *a;
    char err[256];
    cr_assert_eq(ts_analyzer_new(&a, &cfg, 12 /* DLT_RAW */, err, sizeof err), 0, "%s", err);
    const uint8_t S = 0x02, A = 0x10, P = 0x08;
    raw_packet(a, 1000000, 0, S, 100, 0, 40, 0);
    raw_packet(a, 2000000, 1, S | A, 500, 101, 40, 0);
    raw_packet(a, 3000000, 0, A, 101, 501, 40, 0);
    raw_packet(a, 4000000, 0, P | A, 101, 501, 1500, 10);
    raw_packet(a, 5000000, 1, A, 501, 111, 65535, 0);
    ts_analyzer_finish(a);
    const struct ts_flow *f = ts_analyzer_next_done(a);
    cr_assert_not_null(f);
    cr_expect_eq(f->ep[TS_CLIENT].bytes, 10);
    cr_expect_eq(f->ep[TS_SERVER].bytes, 0);
    cr_expect_eq(f->ep[TS_CLIENT].state, TS_ESTABLISHED);
    cr_expect_eq(f->ep[TS_SERVER].state, TS_ESTABLISHED);
    cr_expect_str_eq(f->zeek.hist, "ShADa");
    ts_analyzer_free(a);
}
