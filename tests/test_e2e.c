/* test_e2e.c - end to end against the kernel: every testdata/<name>.truth
 * holds the states that `ss` showed for each socket of real connections
 * between two network namespaces when their capture <name>.pcap stopped
 * (testdata/scenarios/ makes them). tcpstates must report the same state for
 * both endpoints of every connection, and no connection that was not there. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

struct truth_row {
    char cip[64], sip[64];
    int cport, sport;
    char cstate[24], sstate[24];
    int roles_either;
};

static int load_truth(const char *path, struct truth_row *rows, int max)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "cannot open %s", path);
    char line[512];
    int n = 0, either = 0;
    while (fgets(line, sizeof line, f) && n < max) {
        if (strncmp(line, "#! roles either", 15) == 0) {
            either = 1;
            continue;
        }
        if (line[0] == '#' || line[0] == '\n')
            continue;
        struct truth_row *r = &rows[n];
        int k = sscanf(line, "%63s %d %23s %63s %d %23s", r->cip, &r->cport, r->cstate, r->sip,
                       &r->sport, r->sstate);
        cr_assert_eq(k, 6, "%s: bad truth line: %s", path, line);
        r->roles_either = either;
        n++;
    }
    fclose(f);
    return n;
}

static const char *str(json_object *o, const char *path)
{
    json_object *v = ts_test_get(o, path);
    return v ? json_object_get_string(v) : "";
}

static int num(json_object *o, const char *path)
{
    json_object *v = ts_test_get(o, path);
    return v ? json_object_get_int(v) : -1;
}

static int same_endpoint(json_object *ep, const char *ip, int port)
{
    return strcmp(str(ep, "ip"), ip) == 0 && num(ep, "port") == port;
}

/* The flow is between these two endpoints, in either role. */
static int between(json_object *flow, const struct truth_row *r)
{
    json_object *c = ts_test_get(flow, "client"), *s = ts_test_get(flow, "server");
    return (same_endpoint(c, r->cip, r->cport) && same_endpoint(s, r->sip, r->sport)) ||
           (same_endpoint(c, r->sip, r->sport) && same_endpoint(s, r->cip, r->cport));
}

static unsigned endpoints_checked, endpoints_matched;

static void check_scenario(const char *name)
{
    char truth[512], args[600];
    snprintf(truth, sizeof truth, "%s/testdata/%s.truth", TS_SOURCE_DIR, name);
    struct truth_row rows[64];
    int n = load_truth(truth, rows, 64);
    cr_assert_gt(n, 0, "%s: no truth rows", name);

    char cap[512];
    snprintf(cap, sizeof cap, "%s/testdata/%s.pcap", TS_SOURCE_DIR, name);
    if (access(cap, R_OK) != 0)
        snprintf(cap, sizeof cap, "%s/testdata/%s.pcapng", TS_SOURCE_DIR, name);
    snprintf(args, sizeof args, "'%s'", cap);
    int status;
    json_object *doc = ts_test_run_json(args, &status, NULL);
    cr_assert_eq(status, 0, "%s: exit status %d", name, status);
    cr_assert_not_null(doc, "%s: output is not JSON", name);
    json_object *flows = ts_test_get(doc, "flows");
    cr_assert_not_null(flows);
    size_t nflows = json_object_array_length(flows);
    cr_expect_eq(nflows, (size_t)n, "%s: %zu connections reported, the kernel had %d", name,
                 nflows, n);

    /* Sort flows by id: the k-th truth row of a tuple is its k-th flow. */
    int used[64] = {0};
    for (int i = 0; i < n; i++) {
        const struct truth_row *r = &rows[i];
        json_object *match = NULL;
        int best = -1;
        long best_id = 0;
        for (size_t j = 0; j < nflows && j < 64; j++) {
            json_object *fl = json_object_array_get_idx(flows, j);
            long id = num(fl, "id");
            if (!used[j] && between(fl, r) && (best < 0 || id < best_id)) {
                best = (int)j;
                best_id = id;
            }
        }
        cr_expect_geq(best, 0, "%s: no flow for %s:%d <-> %s:%d", name, r->cip, r->cport,
                      r->sip, r->sport);
        if (best < 0)
            continue;
        used[best] = 1;
        match = json_object_array_get_idx(flows, best);
        json_object *c = ts_test_get(match, "client"), *s = ts_test_get(match, "server");
        if (!r->roles_either)
            cr_expect(same_endpoint(c, r->cip, r->cport),
                      "%s: client should be %s:%d (it called connect()), got %s:%d", name,
                      r->cip, r->cport, str(c, "ip"), num(c, "port"));
        json_object *rc = same_endpoint(c, r->cip, r->cport) ? c : s;
        json_object *rs = rc == c ? s : c;
        endpoints_checked += 2;
        int okc = strcmp(str(rc, "state"), r->cstate) == 0;
        int oks = strcmp(str(rs, "state"), r->sstate) == 0;
        endpoints_matched += okc + oks;
        cr_expect(okc, "%s row %d: %s:%d is %s in the truth file, tcpstates says %s", name, i + 1,
                  r->cip, r->cport, r->cstate, str(rc, "state"));
        cr_expect(oks, "%s row %d: %s:%d is %s in the truth file, tcpstates says %s", name, i + 1,
                  r->sip, r->sport, r->sstate, str(rs, "state"));
    }
    json_object_put(doc);
}

Test(e2e, every_scenario_matches_the_kernel)
{
    DIR *d = opendir(TS_SOURCE_DIR "/testdata");
    cr_assert_not_null(d);
    char names[64][128];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        size_t l = strlen(e->d_name);
        if (l > 6 && strcmp(e->d_name + l - 6, ".truth") == 0 && l - 6 < 128) {
            memcpy(names[n], e->d_name, l - 6);
            names[n][l - 6] = '\0';
            n++;
        }
    }
    closedir(d);
    cr_assert_geq(n, 10, "expected the scenario captures in testdata/, found %d", n);
    for (int i = 0; i < n; i++)
        check_scenario(names[i]);
    cr_log_info("e2e: %u of %u endpoint states match the kernel's ss in %d captures",
                endpoints_matched, endpoints_checked, n);
    fprintf(stderr, "e2e: %u of %u endpoint states match the kernel's ss in %d captures\n",
            endpoints_matched, endpoints_checked, n);
}

/* handshake.rtt is tshark's initial RTT (testdata/tshark/irtt.tsv, written by
 * testdata/tshark/irtt.sh): the time from the SYN to the ACK completing the
 * handshake. Simultaneous open is left out: its "handshake" has two SYNs and
 * tshark times it from the second one. */
Test(e2e, handshake_rtt_is_tsharks_initial_rtt)
{
    FILE *f = fopen(TS_SOURCE_DIR "/testdata/tshark/irtt.tsv", "r");
    cr_assert_not_null(f);
    char line[512], last_file[128] = "";
    json_object *doc = NULL;
    int seen_in_file = 0, checked = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        char file[128], cip[64], sip[64];
        int cport, sport;
        double rtt;
        if (sscanf(line, "%127s %63s %d %63s %d %lf", file, cip, &cport, sip, &sport, &rtt) != 6)
            continue;
        if (strcmp(file, "simultaneous_open.pcap") == 0)
            continue;
        if (strcmp(file, last_file) != 0) {
            json_object_put(doc);
            char args[600];
            snprintf(args, sizeof args, "'%s/testdata/%s'", TS_SOURCE_DIR, file);
            doc = ts_test_run_json(args, NULL, NULL);
            cr_assert_not_null(doc, "%s", file);
            snprintf(last_file, sizeof last_file, "%s", file);
            seen_in_file = 0;
        }
        /* the n-th row of a file for this tuple is the n-th such flow */
        json_object *flows = ts_test_get(doc, "flows");
        int nth = seen_in_file++, k = 0;
        json_object *match = NULL;
        for (size_t j = 0; j < json_object_array_length(flows); j++) {
            json_object *fl = json_object_array_get_idx(flows, j);
            if (same_endpoint(ts_test_get(fl, "client"), cip, cport) &&
                same_endpoint(ts_test_get(fl, "server"), sip, sport)) {
                if (k == nth || strcmp(file, "reconnect_time_wait.pcap") != 0) {
                    match = fl;
                    if (k == nth)
                        break;
                }
                k++;
            }
        }
        if (strcmp(file, "reconnect_time_wait.pcap") != 0)
            seen_in_file = 0;
        cr_expect_not_null(match, "%s: no flow %s:%d -> %s:%d", file, cip, cport, sip, sport);
        if (!match)
            continue;
        /* tshark times the third segment even when the server rejected it
         * (crafted_bad_ack): a handshake that did not complete has no rtt */
        if (!json_object_get_boolean(ts_test_get(match, "handshake.complete"))) {
            cr_expect_null(ts_test_get(match, "handshake.rtt"), "%s: rtt of no handshake", file);
            continue;
        }
        json_object *r = ts_test_get(match, "handshake.rtt");
        cr_expect_not_null(r, "%s %s:%d: no handshake rtt", file, cip, cport);
        if (r)
            cr_expect(fabs(json_object_get_double(r) - rtt) < 1.5e-6,
                      "%s %s:%d: rtt %.6f, tshark %.6f", file, cip, cport,
                      json_object_get_double(r), rtt);
        checked++;
    }
    json_object_put(doc);
    fclose(f);
    cr_expect_geq(checked, 10);
}

/* testdata/linktypes: one conversation (testdata/craft/craft.py; tshark
 * shows SYN, SYN-ACK, ACK, data, ACK, client FIN, server FIN+ACK acking it,
 * final ACK) framed in every link type we decode, IPv4 and IPv6. By RFC 9293
 * the client, which closed first and acknowledged the server's FIN, is in
 * TIME_WAIT; the server got the ACK of its FIN in LAST_ACK: CLOSED. */
Test(e2e, every_link_type_gives_the_same_connection)
{
    DIR *d = opendir(TS_SOURCE_DIR "/testdata/linktypes");
    cr_assert_not_null(d);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".pcap") != 0)
            continue;
        char args[600];
        snprintf(args, sizeof args, "'%s/testdata/linktypes/%s'", TS_SOURCE_DIR, e->d_name);
        int status;
        json_object *doc = ts_test_run_json(args, &status, NULL);
        cr_assert_not_null(doc, "%s", e->d_name);
        cr_expect_eq(status, 0, "%s", e->d_name);
        cr_expect_eq(num(doc, "input.tcp_packets"), 8, "%s", e->d_name);
        json_object *flows = ts_test_get(doc, "flows");
        cr_assert_eq(json_object_array_length(flows), 1, "%s", e->d_name);
        json_object *fl = json_object_array_get_idx(flows, 0);
        int v6 = strstr(e->d_name, "v6") != NULL;
        cr_expect_str_eq(str(fl, "client.ip"), v6 ? "fd77:1::1" : "10.77.1.1", "%s", e->d_name);
        cr_expect_eq(num(fl, "client.port"), 40000, "%s", e->d_name);
        cr_expect_str_eq(str(fl, "client.state"), "TIME_WAIT", "%s", e->d_name);
        cr_expect_str_eq(str(fl, "server.state"), "CLOSED", "%s", e->d_name);
        cr_expect_eq(num(fl, "client.bytes"), 5, "%s", e->d_name);
        json_object_put(doc);
        files++;
    }
    closedir(d);
    cr_expect_geq(files, 20);
}

/* With room for fewer connections than the capture holds, flows are written
 * out early (counted in summary.evicted) but no packet is lost: every one of
 * the capture's 42 TCP packets (tshark -r several_parallel.pcap | wc -l)
 * lands in some reported flow. */
Test(e2e, eviction_loses_no_packet)
{
    char args[600];
    snprintf(args, sizeof args, "--max-flows 3 '%s/testdata/several_parallel.pcap'",
             TS_SOURCE_DIR);
    int status;
    json_object *doc = ts_test_run_json(args, &status, NULL);
    cr_assert_not_null(doc);
    cr_expect_eq(status, 0);
    cr_expect_eq(num(doc, "input.tcp_packets"), 42);
    cr_expect_gt(num(doc, "summary.evicted"), 0);
    json_object *flows = ts_test_get(doc, "flows");
    int packets = 0;
    for (size_t i = 0; i < json_object_array_length(flows); i++) {
        json_object *fl = json_object_array_get_idx(flows, i);
        packets += num(fl, "client.packets") + num(fl, "server.packets");
    }
    cr_expect_eq(packets, 42, "packets in reported flows: %d", packets);
    cr_expect_eq(num(doc, "summary.flows"), (int)json_object_array_length(flows));
    json_object_put(doc);
}

/* The same packets in pcap (microseconds), nanosecond pcap and pcapng
 * (editcap's rewrites of normal_client_closes_first.pcap) give the same
 * timestamps: the first SYN at the time tcpdump -tt prints for it. */
Test(e2e, capture_formats_agree_on_time)
{
    static const char *files[] = {"normal_client_closes_first.pcap", "format_nsec.pcap",
                                  "format_pcapng.pcapng"};
    char first[3][32];
    for (int i = 0; i < 3; i++) {
        char args[600];
        snprintf(args, sizeof args, "'%s/testdata/%s'", TS_SOURCE_DIR, files[i]);
        json_object *doc = ts_test_run_json(args, NULL, NULL);
        cr_assert_not_null(doc, "%s", files[i]);
        json_object *fl = json_object_array_get_idx(ts_test_get(doc, "flows"), 0);
        snprintf(first[i], sizeof first[i], "%s", json_object_to_json_string(ts_test_get(fl, "first_ts")));
        json_object_put(doc);
    }
    cr_expect_str_eq(first[0], "1795391661.557637"); /* tcpdump -tt -r, first packet */
    cr_expect_str_eq(first[0], first[1]);
    cr_expect_str_eq(first[0], first[2]);
}
