/* test_limits.c - bounded memory under hostile traffic: a capture of 300,000
 * SYNs from distinct spoofed sources (each a new connection) analysed with a
 * 2 MiB --memcap must finish, report every connection (written out early,
 * counted in summary.evicted) and keep the process small: its peak RSS
 * (the kernel's own ru_maxrss) stays far below what 300,000 tracked flows
 * would need (about 150 MB). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

#define NSYN 300000

/* A classic pcap (raw IPv4 link type) of NSYN SYNs, 10 us apart. */
static void write_flood(const char *path)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    uint32_t hdr[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 101};
    fwrite(hdr, sizeof hdr, 1, f);
    uint32_t x = 12345;
    for (uint32_t i = 0; i < NSYN; i++) {
        uint8_t p[40];
        x = x * 1103515245u + 12345u;
        /* a spoofed source to 10.80.0.2:80 */
        ts_test_tcp4(p, x ^ i, (uint16_t)(1024 + (i % 60000)), 0x0a500002, 80, x, 0, 0x02);
        uint32_t rec[4] = {1700000000 + i / 100000, (i % 100000) * 10, 40, 40};
        fwrite(rec, sizeof rec, 1, f);
        fwrite(p, sizeof p, 1, f);
    }
    fclose(f);
}

Test(limits, memcap_bounds_memory_under_a_spoofed_flood, .timeout = 300)
{
    char cap[] = "/tmp/ts_flood_XXXXXX";
    int fd = mkstemp(cap);
    cr_assert_geq(fd, 0);
    close(fd);
    write_flood(cap);
    char out[] = "/tmp/ts_flood_out_XXXXXX";
    fd = mkstemp(out);
    close(fd);

    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        execl(TS_BINARY, TS_BINARY, "--memcap", "2M", "--format", "ndjson", "-o", out, cap,
              (char *)NULL);
        _exit(127);
    }
    int status;
    struct rusage ru;
    cr_assert_eq(wait4(pid, &status, 0, &ru), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);

    /* the last line is the summary event */
    char *text = ts_test_slurp(out, NULL);
    cr_assert_not_null(text);
    size_t len = strlen(text);
    cr_assert_gt(len, 2);
    char *last = text + len - 2;
    while (last > text && *last != '\n')
        last--;
    json_object *sum = json_tokener_parse(last + (*last == '\n'));
    cr_assert_not_null(sum, "no summary line");
    cr_expect_eq(json_object_get_int64(ts_test_get(sum, "summary.flows")), NSYN);
    cr_expect_gt(json_object_get_int64(ts_test_get(sum, "summary.evicted")), NSYN / 2);
    cr_expect_eq(json_object_get_int64(ts_test_get(sum, "input.tcp_packets")), NSYN);
    json_object_put(sum);
    free(text);
    cr_expect_lt(ru.ru_maxrss, 64 * 1024, "peak RSS %ld KiB", ru.ru_maxrss);
    fprintf(stderr, "limits: %d SYNs with --memcap 2M: peak RSS %ld KiB\n", NSYN, ru.ru_maxrss);
    unlink(cap);
    unlink(out);
}

/* ---- small captures written here: raw IPv4, one TCP segment a record ---- */

struct pcapw {
    FILE *f;
    int64_t t_us; /* the next record's time */
};

static void pw_open(struct pcapw *w, const char *path)
{
    w->f = fopen(path, "wb");
    cr_assert_not_null(w->f);
    uint32_t hdr[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 101};
    fwrite(hdr, sizeof hdr, 1, w->f);
    w->t_us = 1700000000LL * 1000000;
}

/* One segment at w->t_us (seconds may be negative: the file's fields are
 * signed in this host's byte order), then 1 ms later for the next. */
static void pw_seg(struct pcapw *w, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                   uint32_t seq, uint32_t ack, uint8_t flags)
{
    uint8_t p[40];
    ts_test_tcp4(p, src, sport, dst, dport, seq, ack, flags);
    int64_t sec = w->t_us >= 0 ? w->t_us / 1000000 : -((-w->t_us + 999999) / 1000000);
    int32_t rec[4] = {(int32_t)sec, (int32_t)(w->t_us - sec * 1000000), 40, 40};
    fwrite(rec, sizeof rec, 1, w->f);
    fwrite(p, sizeof p, 1, w->f);
    w->t_us += 1000;
}

enum { FIN = 0x01, SYN = 0x02, RST = 0x04, ACK = 0x10 };
#define SERVER 0x0a000001u /* 10.0.0.1:80 */

/* Client i's handshake; close: 1 the client closes and the server answers
 * (client TIME_WAIT, server CLOSED), 2 the client's FIN alone, 3 the
 * server's FIN alone, 0 nothing after the handshake. */
static void pw_conn(struct pcapw *w, uint32_t client, uint16_t port, int close)
{
    pw_seg(w, client, port, SERVER, 80, 1000, 0, SYN);
    pw_seg(w, SERVER, 80, client, port, 5000, 1001, SYN | ACK);
    pw_seg(w, client, port, SERVER, 80, 1001, 5001, ACK);
    if (close == 1 || close == 2)
        pw_seg(w, client, port, SERVER, 80, 1001, 5001, FIN | ACK);
    if (close == 1) {
        pw_seg(w, SERVER, 80, client, port, 5001, 1002, FIN | ACK);
        pw_seg(w, client, port, SERVER, 80, 1002, 5002, ACK);
    }
    if (close == 3)
        pw_seg(w, SERVER, 80, client, port, 5001, 1001, FIN | ACK);
}

static char *tmp_path(const char *tag)
{
    static char paths[4][64];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, sizeof paths[0], "/tmp/ts_limits_%s_XXXXXX", tag);
    int fd = mkstemp(p);
    cr_assert_geq(fd, 0);
    close(fd);
    return p;
}

/* A table full of long-lived connections (--memcap 1M holds about 2,000 of
 * the 3,000) and then 20 complete connections: each of the 20 must come
 * out as one flow, handshake complete, client in TIME_WAIT and server
 * CLOSED (RFC 9293 3.10.7.4), however many older flows are written out
 * early to make room. Its own packets must never evict it. */
Test(limits, a_connection_is_not_evicted_by_its_own_packets)
{
    const char *cap = tmp_path("lru");
    struct pcapw w;
    pw_open(&w, cap);
    for (uint32_t i = 0; i < 3000; i++)
        pw_conn(&w, 0x0a010000u + i, (uint16_t)(40000 + i % 20000), 0);
    for (uint32_t i = 0; i < 20; i++)
        pw_conn(&w, 0x0a020000u + i, 50000, 1);
    fclose(w.f);

    const char *opts[] = {"--memcap 1M", "--memcap 1M --timeline"};
    for (int o = 0; o < 2; o++) {
        char args[256];
        snprintf(args, sizeof args, "%s '%s'", opts[o], cap);
        int status;
        json_object *doc = ts_test_run_json(args, &status, NULL);
        cr_assert_not_null(doc, "%s", args);
        cr_expect_gt(json_object_get_int64(ts_test_get(doc, "summary.evicted")), 0,
                     "%s: the table was not full", args);
        json_object *flows = ts_test_get(doc, "flows");
        int seen = 0;
        for (size_t i = 0; i < json_object_array_length(flows); i++) {
            json_object *f = json_object_array_get_idx(flows, i);
            const char *ip = json_object_get_string(ts_test_get(f, "client.ip"));
            if (strncmp(ip, "10.2.0.", 7) != 0)
                continue;
            seen++;
            cr_expect(json_object_get_boolean(ts_test_get(f, "handshake.complete")), "%s: %s",
                      args, ip);
            cr_expect_str_eq(json_object_get_string(ts_test_get(f, "client.state")),
                             "TIME_WAIT", "%s: %s", args, ip);
            cr_expect_str_eq(json_object_get_string(ts_test_get(f, "server.state")), "CLOSED",
                             "%s: %s", args, ip);
        }
        cr_expect_eq(seen, 20, "%s: the 20 new connections came out as %d flows", args, seen);
        json_object_put(doc);
    }
    unlink(cap);

    /* the smallest memcap still holds one connection with what it queues */
    const char *one[] = {"--memcap 4k", "--memcap 4k --timeline"};
    for (int o = 0; o < 2; o++) {
        char args[600];
        snprintf(args, sizeof args, "%s '%s'", one[o],
                 ts_test_src("testdata/abortive_close_rst.pcap"));
        int status;
        json_object *doc = ts_test_run_json(args, &status, NULL);
        cr_assert_not_null(doc, "%s", args);
        cr_expect_eq(json_object_get_int64(ts_test_get(doc, "summary.flows")), 1, "%s", args);
        cr_expect_eq(json_object_get_int64(ts_test_get(doc, "summary.evicted")), 0, "%s", args);
        json_object_put(doc);
    }
}

/* The man page: flows still open at the end of the input come last, in id
 * order. With --memcap 1M a run of 3,000 open connections evicts the least
 * recently active first (here the oldest, so also in id order) and gives
 * their records to newer connections, so at the end the records no longer
 * lie in id order: every flow must still come out once, ids 1..3000
 * ascending. */
Test(limits, flows_open_at_the_end_come_out_in_id_order)
{
    const char *cap = tmp_path("order");
    struct pcapw w;
    pw_open(&w, cap);
    enum { N = 3000 };
    for (uint32_t i = 0; i < N; i++)
        pw_conn(&w, 0x0a030000u + i, (uint16_t)(30000 + i % 20000), 0);
    fclose(w.f);
    const char *opts[] = {"--memcap 1M", "--memcap 1M --format ndjson"};
    for (int o = 0; o < 2; o++) {
        char args[256];
        snprintf(args, sizeof args, "%s '%s'", opts[o], cap);
        int status;
        json_object *doc = NULL;
        int64_t prev = 0, n = 0;
        if (o == 0) {
            doc = ts_test_run_json(args, &status, NULL);
            cr_assert_not_null(doc, "%s", args);
            cr_expect_gt(json_object_get_int64(ts_test_get(doc, "summary.evicted")), 0,
                         "%s: the table was not full", args);
            json_object *flows = ts_test_get(doc, "flows");
            for (size_t i = 0; i < json_object_array_length(flows); i++) {
                int64_t id = json_object_get_int64(
                    ts_test_get(json_object_array_get_idx(flows, i), "id"));
                cr_expect_gt(id, prev, "%s: flow %lld after %lld", args, (long long)id,
                             (long long)prev);
                prev = id;
                n++;
            }
            json_object_put(doc);
        } else {
            char *out = tmp_path("order_out");
            char cmd[700];
            snprintf(cmd, sizeof cmd, "'%s' %s -o '%s'", TS_BINARY, args, out);
            cr_assert_eq(system(cmd), 0, "%s", cmd);
            char *text = ts_test_slurp(out, NULL);
            cr_assert_not_null(text);
            for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
                json_object *j = json_tokener_parse(line);
                cr_assert_not_null(j, "%s: a line that is not JSON", args);
                json_object *type = NULL, *id = NULL;
                if (json_object_object_get_ex(j, "event_type", &type) &&
                    strcmp(json_object_get_string(type), "flow") == 0 &&
                    json_object_object_get_ex(j, "id", &id)) {
                    cr_expect_gt(json_object_get_int64(id), prev, "%s: flow %lld after %lld",
                                 args, (long long)json_object_get_int64(id), (long long)prev);
                    prev = json_object_get_int64(id);
                    n++;
                }
                json_object_put(j);
            }
            free(text);
            unlink(out);
        }
        cr_expect_eq(n, N, "%s: %lld flows", args, (long long)n);
        cr_expect_eq(prev, N, "%s: the last id", args);
    }
    unlink(cap);
}

/* With --format text --timeline each packet's line lists the transitions
 * that packet caused in its own connection. Flows written out early while
 * it is handled (a full table) must not add theirs: one endpoint's
 * transitions on a line follow each other (each starts where the one
 * before it ended). Half the connections leave a FIN waiting in the
 * server's queue, so writing them out moves the server to CLOSE_WAIT. */
Test(limits, evicted_flows_stay_out_of_the_packet_trace)
{
    const char *cap = tmp_path("fins");
    struct pcapw w;
    pw_open(&w, cap);
    for (uint32_t i = 0; i < 3000; i++)
        pw_conn(&w, 0x0a010000u + i, (uint16_t)(40000 + i % 20000), i < 1500 ? 2 : 3);
    fclose(w.f);
    char args[256];
    snprintf(args, sizeof args, "--memcap 1M --format text --timeline '%s'", cap);
    char *out = NULL, *err = NULL;
    cr_assert_eq(ts_test_run(args, &out, &err), 0, "%s", err ? err : "");
    int lines = 0, bad = 0;
    for (char *line = out; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char last[2][16] = {"", ""};
        bool traced = false;
        for (const char *p = line; *p; p++) {
            /* "client FROM->TO" or "server FROM->TO" */
            int side = strncmp(p, "client ", 7) == 0 ? 0 : strncmp(p, "server ", 7) == 0 ? 1 : -1;
            char from[16], to[16];
            if (side < 0 || sscanf(p + 7, "%15[A-Z_0-9]->%15[A-Z_0-9]", from, to) != 2)
                continue;
            traced = true;
            if (last[side][0] && strcmp(last[side], from) != 0)
                bad++;
            snprintf(last[side], sizeof last[side], "%s", to);
        }
        lines += traced;
        line = nl ? nl + 1 : NULL;
    }
    cr_expect_gt(lines, 3000, "the trace has too few transitions");
    cr_expect_eq(bad, 0, "%d lines with transitions that do not follow each other", bad);
    free(out);
    free(err);
    unlink(cap);
}

/* Time in a capture may be before 1970 (a negative count of seconds): a
 * SYN at -256 s, never answered, is written out when the handshake timeout
 * (130 s) has passed, as any other (here by the next packets, at 10,000 s). */
Test(limits, timers_run_for_negative_timestamps)
{
    const char *cap = tmp_path("neg");
    struct pcapw w;
    pw_open(&w, cap);
    w.t_us = -256LL * 1000000;
    pw_seg(&w, 0x0a010001u, 40000, SERVER, 80, 1000, 0, SYN);
    w.t_us = 10000LL * 1000000;
    pw_seg(&w, 0x0a010002u, 40001, SERVER, 80, 1000, 0, SYN);
    w.t_us = 10001LL * 1000000;
    pw_seg(&w, 0x0a010002u, 40001, SERVER, 80, 1000, 0, SYN);
    fclose(w.f);
    char args[256];
    snprintf(args, sizeof args, "'%s'", cap);
    int status;
    json_object *doc = ts_test_run_json(args, &status, NULL);
    cr_assert_not_null(doc);
    json_object *an = ts_test_get(json_object_array_get_idx(ts_test_get(doc, "flows"), 0),
                                  "anomalies");
    cr_assert(an && json_object_array_length(an) >= 1);
    json_object *a0 = json_object_array_get_idx(an, 0);
    cr_expect_str_eq(json_object_get_string(ts_test_get(a0, "name")), "syn_unanswered");
    cr_expect_float_eq(json_object_get_double(ts_test_get(a0, "duration")), 130.0, 1e-6);
    cr_expect_not(json_object_get_boolean(ts_test_get(a0, "until_capture_end")));
    json_object_put(doc);
    unlink(cap);
}
