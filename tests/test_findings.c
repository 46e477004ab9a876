/* test_findings.c - the findings on captures whose story is known
 * independently: the namespace scenarios (what the peers were made to do,
 * and the kernel's ss states in the .truth files) and the hand-crafted
 * captures (their packets as tshark shows them). A normal capture must give
 * no finding at all: a false positive is a bug. Numbers in the evidence
 * (SYN counts, gaps, packet numbers) are tshark's view of the same file. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "support.h"

static json_object *run(const char *capture)
{
    char args[600];
    snprintf(args, sizeof args, "'%s/testdata/%s'", TS_SOURCE_DIR, capture);
    int status;
    json_object *doc = ts_test_run_json(args, &status, NULL);
    cr_assert_not_null(doc, "%s: no report", capture);
    cr_assert_eq(status, 0, "%s: exit %d", capture, status);
    return doc;
}

static json_object *flow(json_object *doc, int i)
{
    json_object *flows = ts_test_get(doc, "flows");
    cr_assert_lt((size_t)i, json_object_array_length(flows));
    return json_object_array_get_idx(flows, (size_t)i);
}

/* The finding of that name in a flow, or NULL. */
static json_object *finding(json_object *fl, const char *name)
{
    json_object *an = ts_test_get(fl, "anomalies");
    for (size_t i = 0; an && i < json_object_array_length(an); i++) {
        json_object *a = json_object_array_get_idx(an, i);
        if (strcmp(json_object_get_string(ts_test_get(a, "name")), name) == 0)
            return a;
    }
    return NULL;
}

static size_t nfindings(json_object *fl)
{
    json_object *an = ts_test_get(fl, "anomalies");
    return an ? json_object_array_length(an) : 0;
}

static const char *str(json_object *o, const char *k)
{
    json_object *v = ts_test_get(o, k);
    return v ? json_object_get_string(v) : "";
}

static int64_t num(json_object *o, const char *k)
{
    json_object *v = ts_test_get(o, k);
    return v ? json_object_get_int64(v) : -1;
}

/* Connections that opened and closed normally (the kernel's ss shows clean
 * ends), and the crafted normal cases: no finding at all. */
Test(findings, normal_captures_have_none)
{
    static const char *normal[] = {
        "normal_client_closes_first.pcap", "normal_server_closes_first.pcap",
        "half_close_server_sends.pcap",    "ipv6_normal.pcap",
        "refused_no_listener.pcap",        "format_nsec.pcap",
        "crafted_piggyback_fin.pcap",      "crafted_seq_wrap.pcap",
        "crafted_starts_at_synack.pcap",   "crafted_one_sided_client.pcap",
        "crafted_ipv6_rst_refused.pcap",   "crafted_time_wait_expiry.pcap",
    };
    for (size_t c = 0; c < sizeof normal / sizeof normal[0]; c++) {
        json_object *doc = run(normal[c]);
        json_object *flows = ts_test_get(doc, "flows");
        for (size_t i = 0; i < json_object_array_length(flows); i++)
            cr_expect_eq(nfindings(json_object_array_get_idx(flows, i)), 0,
                         "%s flow %zu: %s", normal[c], i + 1,
                         json_object_to_json_string(
                             ts_test_get(json_object_array_get_idx(flows, i), "anomalies")));
        json_object_put(doc);
    }
}

/* server_never_closes: the client closed, its FIN was acknowledged, the
 * server process kept its socket open (ss: FIN-WAIT-2 / CLOSE-WAIT). */
Test(findings, fin_wait_2_orphan_when_the_server_never_closes)
{
    json_object *doc = run("server_never_closes.pcap");
    json_object *fl = flow(doc, 0);
    json_object *a = finding(fl, "fin_wait_2_orphan");
    cr_assert_not_null(a);
    cr_expect_str_eq(str(a, "side"), "client");
    cr_expect(json_object_get_boolean(ts_test_get(a, "until_capture_end")));
    cr_expect_eq(nfindings(fl), 1);
    json_object_put(doc);

    doc = run("several_parallel.pcap"); /* its third connection is the same case */
    cr_expect_not_null(finding(flow(doc, 2), "fin_wait_2_orphan"));
    cr_expect_not_null(finding(flow(doc, 3), "missing_fin")); /* the SO_LINGER 0 abort */
    cr_expect_eq(nfindings(flow(doc, 0)) + nfindings(flow(doc, 1)) + nfindings(flow(doc, 4)), 0);
    json_object_put(doc);
}

/* syn_dropped_firewall: 4 SYNs (tshark: at 0, 1.026341, 2.050397,
 * 3.074359 s), nothing back. */
Test(findings, firewall_dropped_syns)
{
    json_object *doc = run("syn_dropped_firewall.pcap");
    json_object *fl = flow(doc, 0);
    json_object *u = finding(fl, "syn_unanswered"), *r = finding(fl, "syn_retransmit");
    cr_assert_not_null(u);
    cr_assert_not_null(r);
    cr_expect_eq(num(u, "syns"), 4);
    cr_expect_eq(num(r, "syns"), 4);
    json_object *gaps = ts_test_get(r, "gaps");
    cr_assert_eq(json_object_array_length(gaps), 3);
    const double want[3] = {1.026341, 1.024056, 1.023962};
    for (int i = 0; i < 3; i++)
        cr_expect(fabs(json_object_get_double(json_object_array_get_idx(gaps, (size_t)i)) -
                       want[i]) < 0.0015,
                  "gap %d", i);
    cr_expect(fabs(json_object_get_double(ts_test_get(u, "duration")) - 3.074359) < 1e-6);
    cr_expect_eq(num(u, "packet"), 1);
    cr_expect_eq(nfindings(fl), 2);
    json_object_put(doc);
}

/* abortive_close_rst: SO_LINGER 0, the client's RST ends it, no FIN either way. */
Test(findings, missing_fin_after_an_abort)
{
    json_object *doc = run("abortive_close_rst.pcap");
    json_object *a = finding(flow(doc, 0), "missing_fin");
    cr_assert_not_null(a);
    cr_expect_str_eq(str(a, "side"), "both");
    cr_expect_str_eq(str(a, "ended_by"), "rst");
    cr_expect_not(json_object_get_boolean(ts_test_get(a, "until_capture_end")));
    json_object_put(doc);
}

/* reconnect_time_wait: the client reconnected from its port while its first
 * connection was in TIME_WAIT (ss truth, row 1 then row 2). */
Test(findings, time_wait_reuse_on_reconnect)
{
    json_object *doc = run("reconnect_time_wait.pcap");
    cr_expect_eq(nfindings(flow(doc, 0)), 0);
    json_object *a = finding(flow(doc, 1), "time_wait_reuse");
    cr_assert_not_null(a);
    cr_expect_eq(num(a, "previous_flow"), 1);
    cr_expect_str_eq(str(a, "side"), "client");
    cr_expect_gt(json_object_get_double(ts_test_get(a, "duration")), 50.0); /* ~59 s left */
    json_object_put(doc);
}

Test(findings, simultaneous_open_close_and_midstream)
{
    json_object *doc = run("simultaneous_open.pcap");
    cr_expect_not_null(finding(flow(doc, 0), "simultaneous_open"));
    cr_expect_eq(nfindings(flow(doc, 0)), 1);
    json_object_put(doc);
    doc = run("simultaneous_close.pcap");
    cr_expect_not_null(finding(flow(doc, 0), "simultaneous_close"));
    cr_expect_eq(nfindings(flow(doc, 0)), 1);
    json_object_put(doc);
    doc = run("crafted_simclose_other_order.pcap");
    cr_expect_not_null(finding(flow(doc, 0), "simultaneous_close"));
    json_object_put(doc);
    doc = run("midstream.pcap");
    cr_expect_not_null(finding(flow(doc, 0), "midstream"));
    cr_expect_eq(nfindings(flow(doc, 0)), 1);
    json_object_put(doc);
}

/* Crafted (the kernel cannot be made to send these on demand): a RST far
 * outside the client's window claiming to come from the server (tshark:
 * frame 7), and a host with no connection answering data with a RST
 * without ACK whose sequence number is the data's ACK number. */
Test(findings, crafted_resets)
{
    json_object *doc = run("crafted_rst_out_of_window.pcap");
    json_object *a = finding(flow(doc, 0), "rst_out_of_window");
    cr_assert_not_null(a);
    cr_expect_str_eq(str(a, "side"), "server");
    cr_expect_eq(num(a, "packet"), 7);
    cr_expect_eq(num(a, "rsts"), 1);
    cr_expect_eq(nfindings(flow(doc, 0)), 1);
    json_object_put(doc);

    doc = run("crafted_stale_peer.pcap");
    a = finding(flow(doc, 0), "stale_peer");
    cr_assert_not_null(a);
    cr_expect_str_eq(str(a, "side"), "server");
    cr_expect_not_null(finding(flow(doc, 0), "missing_fin"));
    json_object_put(doc);

    doc = run("crafted_rst_challenge.pcap"); /* in the window: a challenge ACK, no finding */
    cr_expect_eq(nfindings(flow(doc, 0)), 0);
    json_object_put(doc);
}

/* crafted_syn_retry_then_answer: SYNs at 0, 1 and 3 s (tshark), then the
 * handshake completes: syn_retransmit only. */
Test(findings, syn_retries_then_answer)
{
    json_object *doc = run("crafted_syn_retry_then_answer.pcap");
    json_object *fl = flow(doc, 0);
    json_object *r = finding(fl, "syn_retransmit");
    cr_assert_not_null(r);
    cr_expect_eq(num(r, "syns"), 3);
    json_object *gaps = ts_test_get(r, "gaps");
    cr_assert_eq(json_object_array_length(gaps), 2);
    cr_expect(fabs(json_object_get_double(json_object_array_get_idx(gaps, 0)) - 1.0) < 1e-9);
    cr_expect(fabs(json_object_get_double(json_object_array_get_idx(gaps, 1)) - 2.0) < 1e-9);
    cr_expect_eq(nfindings(fl), 1);
    json_object_put(doc);
}

/* The summary counts flows per finding. */
Test(findings, summary_counts)
{
    json_object *doc = run("several_parallel.pcap");
    cr_expect_eq(num(doc, "summary.anomalies.fin_wait_2_orphan"), 1);
    cr_expect_eq(num(doc, "summary.anomalies.missing_fin"), 1);
    cr_expect_eq(json_object_object_length(ts_test_get(doc, "summary.anomalies")), 2);
    json_object_put(doc);
}

/* half_open_synack_retries: the bridge dropped the client's final ACK; ss
 * showed the server's SYN-RECV. tshark: SYN-ACK at 0.000072, retransmitted
 * at 1.011205 and 3.027205 s: 3 SYN-ACKs, SYN_RCVD for 3.027133 s. */
Test(findings, half_open_when_the_last_ack_is_lost)
{
    json_object *doc = run("half_open_synack_retries.pcap");
    json_object *fl = flow(doc, 0);
    json_object *a = finding(fl, "half_open");
    cr_assert_not_null(a);
    cr_expect_str_eq(str(a, "side"), "server");
    cr_expect_eq(num(a, "synacks"), 3);
    cr_expect_eq(num(a, "synack_retransmits"), 2);
    cr_expect(fabs(json_object_get_double(ts_test_get(a, "duration")) - 3.027133) < 1e-6);
    cr_expect_eq(num(a, "packet"), 2);
    cr_expect_eq(nfindings(fl), 1);
    json_object_put(doc);
}

/* stale_peer_server_restart: the server's namespace was deleted and made
 * anew under an established connection; the client wrote (frame 8) and the
 * new kernel answered with a RST without ACK whose seq is frame 8's ACK
 * number (tshark: frame 9, flags 0x0004). */
Test(findings, stale_peer_after_a_server_restart)
{
    json_object *doc = run("stale_peer_server_restart.pcap");
    json_object *fl = flow(doc, 0);
    json_object *a = finding(fl, "stale_peer");
    cr_assert_not_null(a);
    cr_expect_str_eq(str(a, "side"), "server");
    cr_expect_eq(num(a, "packet"), 9);
    json_object *m = finding(fl, "missing_fin"); /* no FIN in the whole capture */
    cr_assert_not_null(m);
    cr_expect_str_eq(str(m, "side"), "both");
    cr_expect_eq(nfindings(fl), 2);
    json_object_put(doc);
}

/* crafted_bad_ack: the client's third segment acknowledges ISN_s + 1000
 * (tshark: SYN-ACK seq 1313820753, then ack 1313821753 in frame 3). */
Test(findings, bad_handshake_ack)
{
    json_object *doc = run("crafted_bad_ack.pcap");
    json_object *a = finding(flow(doc, 0), "bad_ack");
    cr_assert_not_null(a);
    cr_expect_str_eq(str(a, "side"), "client");
    cr_expect_eq(num(a, "expected_ack"), 1313820754);
    cr_expect_eq(num(a, "ack"), 1313821753);
    cr_expect_eq(num(a, "packet"), 3);
    json_object_put(doc);
}

/* Every packet runs the short list of segment hooks, not the whole table of
 * detectors: the list must hold exactly the detectors that have one, in
 * the table's order. */
Test(findings, every_segment_hook_runs)
{
    const struct ts_detector *const *hooks;
    size_t n = ts_detect_hooks(&hooks), k = 0;
    for (int kind = 0; kind < TS_AN_COUNT; kind++) {
        const struct ts_detector *d = ts_detector(kind);
        cr_assert_not_null(d);
        if (!d->segment)
            continue;
        cr_assert_lt(k, n, "detector %d has a hook the list lacks", kind);
        cr_expect_eq(hooks[k], d, "hook %zu is not detector %d", k, kind);
        k++;
    }
    cr_expect_eq(k, n, "the list has hooks no detector has");
}
