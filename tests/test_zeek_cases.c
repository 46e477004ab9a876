/* test_zeek_cases.c - every Zeek conn_state value, and the history letters
 * that need care, on tiny captures of our own (testdata/zeekcases/, written
 * by testdata/zeekcases/make.py; README.md there tells each case's story).
 *
 * Each capture holds one TCP connection modelled on a row of Zeek's own test
 * baselines (../shared/corpus/zeek/<trace>/). The expected conn_state and
 * history are Zeek's: copied from that baseline row, or - where the packets
 * were shortened or no Zeek row exists - derived by hand from Zeek's rules
 * (../shared/zeek-conn-state.md, from Zeek's TCPSessionAdapter.cc and
 * conn/main.zeek). None was taken from tcpstates. The comment on each row
 * says which.
 *
 * "baseline" = copied from Zeek's conn.log / printed output for that trace;
 * "derived"  = worked out from the rules, the reasoning in the README.
 *
 * Our client is Zeek's originator after its flips, so upper-case letters are
 * the client's, and '^' appears where Zeek flips. This suite needs only the
 * repository: the Zeek corpus is the source of the expectations, not an
 * input. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* Arrays, not pointers: Criterion copies each parameter into the process
 * that runs it, where the addresses of our string literals may differ. */
struct zeek_case {
    char pcap[32];       /* testdata/zeekcases/<pcap>.pcap */
    char conn_state[8];  /* Zeek's */
    char history[16];    /* Zeek's */
};

static const struct zeek_case zeek_cases[] = {
    /* --- S0 --- */
    /* derived: ssh.client-side-half-duplex 192.168.1.31:51489->:22 cut to
     * its 3 SYNs (same seq: 'S' once); o=SYN_SENT r=INACTIVE */
    {"s0_syn_retransmit", "S0", "S"},
    /* derived: a SYN with window 0 ('W' after 'S', ncsa/bro-simple-scan#6) */
    {"s0_zero_window_syn", "S0", "SW"},
    /* baseline: auth_change_session_keys 192.168.1.2:49159->:20000 (Zeek
     * dropped the responder's bad-checksum packets; they are left out) */
    {"s0_one_sided_client", "S0", "SAD"},

    /* --- S1 --- */
    /* baseline: ssh-server-pre-banner-data 10.0.2.1:55343->:22, first 7
     * packets (the rest only repeat A/a/D/d) */
    {"s1", "S1", "ShADad"},
    /* baseline: krb-optional-service-name, starts at the SYN-ACK (^h) */
    {"s1_synack_first", "S1", "^hADd"},

    /* --- SF --- */
    /* baseline: http-get 141.142.228.5:59856->:80, whole trace */
    {"sf", "SF", "ShADadFf"},
    /* baseline: ftp-ipv6 [2001:470:4867:99::21]:55647->:49190, IPv6 */
    {"sf_ipv6", "SF", "ShADFaf"},
    /* baseline: http/zeek-image-post-1080-8000-x (core.local-flip): SYN-ACK
     * first, both ports HTTP ports, Zeek flips on the ACK */
    {"sf_synack_then_ack", "SF", "^hADadFf"},
    /* history baseline: tcp/handshake-reorder (core.connection_flipped, the
     * SYN/SYN-ACK reversal); conn_state derived (both sides FIN: SF) */
    {"sf_synack_then_syn", "SF", "Hs^ADadFf"},

    /* --- REJ --- */
    /* conn_state baseline: tcp/rst-inject-rae (core.tcp.rst-after-syn:
     * orig state 1 SYN_SENT, resp 6 RESET), cut to SYN + RST-ACK; history
     * derived (not printed by that test) */
    {"rej", "REJ", "Sr"},

    /* --- S2 / S3 --- */
    /* derived: http-get without the server's FIN (o=CLOSED r=ESTABLISHED) */
    {"s2", "S2", "ShADadF"},
    /* derived: ftp-ipv6 [..]:49186->:57086 (ShAdfFa) without the client's
     * FIN (o=ESTABLISHED r=CLOSED), IPv6 */
    {"s3_ipv6", "S3", "ShAdf"},

    /* --- RSTO / RSTR / RSTOS0 / RSTRH --- */
    /* baseline: ldap/simpleauth 10.0.0.1:25936->:3268, whole trace */
    {"rsto", "RSTO", "ShADdR"},
    /* baseline: http/http-to-ssh 127.0.0.1:40896->:22, whole trace */
    {"rstr", "RSTR", "ShADadFr"},
    /* baseline: tcp/syn-then-rst (conn_state-RST-behavior), whole trace */
    {"rstos0", "RSTOS0", "SR"},
    /* derived: SYN-ACK from port 80 (Zeek flips at once: ^h), then the
     * server's RST (r): o=INACTIVE r=RESET */
    {"rstrh", "RSTRH", "^hr"},
    /* derived: a lone RST from port 80 (the mirror of llc's lone RST) */
    {"rstrh_lone_rst", "RSTRH", "^r"},

    /* --- SH / SHR --- */
    /* derived: ssh.client-side-half-duplex 51489 cut to SYN + FIN-ACK */
    {"sh", "SH", "SF"},
    /* baseline: ssh.client-side-half-duplex 192.168.1.31:51489->:22,
     * shortened (3 SYNs, ACKs, data, FIN twice; letters unchanged) */
    {"sh_one_sided_client", "SH", "SADF"},
    /* derived: ssh.server-side-half-duplex 52294 cut to the server's SYN-ACK
     * and FIN (port 22: Zeek flips at once) */
    {"shr", "SHR", "^hf"},
    /* baseline: ssh.server-side-half-duplex 192.168.1.32:22->.31:52294,
     * shortened (SYN-ACK, ACK, data, FIN; letters unchanged) */
    {"shr_one_sided_server", "SHR", "^hadf"},

    /* --- OTH --- */
    /* baseline: ldap/missing_ldap_logs 10.199.2.121:59327->:389, first 6
     * packets (no SYN captured) */
    {"oth", "OTH", "Dd"},
    /* derived: the same without its first packet: the server (389) speaks
     * first, Zeek flips at once */
    {"oth_server_first", "OTH", "^dD"},
    /* baseline: llc 128.3.140.132:2035->:80, one lone RST */
    {"oth_lone_rst", "OTH", "R"},
    /* baseline: wikipedia 173.192.163.128:80->141.142.220.235:6705, a lone
     * SYN-ACK */
    {"oth_lone_synack", "OTH", "^h"},
    /* baseline: tcp/syn-then-stuff-then-rst (conn_state-RST-behavior) */
    {"oth_syn_ack_fin_rst", "OTH", "SaFR"},

    /* --- history letters --- */
    /* derived: http-get whose client advertises a zero window (W) */
    {"w_zero_window", "SF", "ShADadWFf"},
    /* derived: tcp/ssh-dups (ShADTadtTtFf) with each data segment captured
     * twice instead of 4 times (no 10th retransmission: no second T/t) */
    {"t_retransmit", "SF", "ShADTadtFf"},
    /* derived: ldap/simpleauth ending with FIN+RST+ACK (I; RST wins: RSTO) */
    {"i_fin_rst", "RSTO", "ShADdI"},
    /* derived: a lone SYN+FIN (Q): SYN_SENT then CLOSED in one packet */
    {"q_syn_fin", "SH", "Q"},
    /* derived: SYN+FIN refused by RST-ACK: o=CLOSED, so RSTR, not REJ */
    {"q_syn_fin_rst", "RSTR", "Qr"},
};

#define N_CASES (sizeof zeek_cases / sizeof zeek_cases[0])

static const char *const all_states[] = {"S0",   "S1",   "SF",     "REJ",   "S2", "S3",  "RSTO",
                                         "RSTR", "RSTOS0", "RSTRH", "SH",   "SHR", "OTH"};

static const char *str_at(json_object *o, const char *path)
{
    json_object *v = ts_test_get(o, path);
    return v ? json_object_get_string(v) : NULL;
}

ParameterizedTestParameters(zeek_cases, agree)
{
    return cr_make_param_array(struct zeek_case, (void *)zeek_cases, N_CASES);
}

ParameterizedTest(const struct zeek_case *c, zeek_cases, agree)
{
    char rel[256], args[1280];
    snprintf(rel, sizeof rel, "testdata/zeekcases/%s.pcap", c->pcap);
    snprintf(args, sizeof args, "'%s'", ts_test_src(rel));
    int status = -1;
    char *err = NULL;
    json_object *doc = ts_test_run_json(args, &status, &err);
    cr_assert_eq(status, 0, "%s: tcpstates exited %d: %s", c->pcap, status, err ? err : "");
    cr_assert_not_null(doc, "%s: no JSON document", c->pcap);
    free(err);

    json_object *flows = ts_test_get(doc, "flows");
    cr_assert_not_null(flows, "%s: no flows", c->pcap);
    cr_assert_eq(json_object_array_length(flows), 1, "%s: %zu flows, want exactly 1", c->pcap,
                 json_object_array_length(flows));
    json_object *f = json_object_array_get_idx(flows, 0);
    const char *state = str_at(f, "conn_state"), *hist = str_at(f, "history");

    /* Both compared (cr_expect) so that one run shows both differences. */
    cr_expect(state && strcmp(state, c->conn_state) == 0,
              "%s: conn_state %s, Zeek's is %s (history ours %s, Zeek's %s)", c->pcap,
              state ? state : "(none)", c->conn_state, hist ? hist : "(none)", c->history);
    cr_expect(hist && strcmp(hist, c->history) == 0, "%s: history %s, Zeek's is %s", c->pcap,
              hist ? hist : "(none)", c->history);
    json_object_put(doc);
}

/* The table reaches every one of Zeek's 13 TCP conn_state values. */
Test(zeek_cases, covers_every_conn_state)
{
    for (size_t i = 0; i < sizeof all_states / sizeof all_states[0]; i++) {
        int n = 0;
        for (size_t k = 0; k < N_CASES; k++)
            n += strcmp(zeek_cases[k].conn_state, all_states[i]) == 0;
        cr_expect(n > 0, "no case expects conn_state %s", all_states[i]);
    }
    for (size_t k = 0; k < N_CASES; k++) {
        int known = 0;
        for (size_t i = 0; i < sizeof all_states / sizeof all_states[0]; i++)
            known |= strcmp(zeek_cases[k].conn_state, all_states[i]) == 0;
        cr_expect(known, "%s: %s is not a Zeek TCP conn_state", zeek_cases[k].pcap,
                  zeek_cases[k].conn_state);
    }
}

/* Every capture in the table exists, and every capture make.py wrote is in
 * the table (a case cannot be added without its expectation). */
Test(zeek_cases, table_matches_captures)
{
    for (size_t k = 0; k < N_CASES; k++) {
        char rel[256];
        snprintf(rel, sizeof rel, "testdata/zeekcases/%.*s.pcap", (int)sizeof zeek_cases[k].pcap,
                 zeek_cases[k].pcap);
        FILE *fp = fopen(ts_test_src(rel), "rb");
        cr_expect_not_null(fp, "missing %s (run testdata/zeekcases/make.py)", rel);
        if (fp)
            fclose(fp);
    }
    DIR *d = opendir(ts_test_src("testdata/zeekcases"));
    cr_assert_not_null(d, "cannot list testdata/zeekcases");
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char name[256];
        snprintf(name, sizeof name, "%s", e->d_name);
        size_t l = strlen(name);
        if (l < 6 || strcmp(name + l - 5, ".pcap") != 0)
            continue;
        name[l - 5] = '\0';
        int found = 0;
        for (size_t k = 0; k < N_CASES; k++)
            found |= strcmp(zeek_cases[k].pcap, name) == 0;
        cr_expect(found, "testdata/zeekcases/%s.pcap has no row in the table", name);
    }
    closedir(d);
}
