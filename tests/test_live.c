/* test_live.c - tcpstates on a live interface, against the kernel's own view.
 *
 * tests/live/live_test.sh (run once per test run, as root) builds two network
 * namespaces joined by a veth, runs
 *     tcpstates -i lvc0 --format ndjson --stats-interval 1 -Z root --msl 2 --timeline
 * in the client namespace, drives real connections with tests/live/peers.py,
 * records `ss -tanoH` in both namespaces, stops tcpstates with SIGINT and
 * deletes the namespaces; see the script for the steps.  The tests here read
 * what it recorded:
 *
 *   case 1  41001  normal close, client first      kernel: TIME_WAIT / CLOSED
 *   case 2  41002  the server never closes         FIN_WAIT_2 / CLOSE_WAIT
 *   case 3  41003  SO_LINGER {1,0}: RST            CLOSED / CLOSED
 *   case 4  41004  SYN to a port without listener  CLOSED / CLOSED
 *   case 5  flood  200 SYNs from 10.77.50.99 (nobody), syncookies off:
 *                  the server's kernel has SYN-RECV sockets: SYN_RCVD
 *   case 6  pause  nothing is sent for > 2 x MSL after case 1 closed: its
 *                  flow must be written out during the pause, TIME_WAIT expired
 *
 * Case 1 and the kernel: Linux keeps TIME_WAIT for 60 s whatever we do, and
 * tcpstates was told --msl 2 (TIME_WAIT 4 s), so by the end of the run the two
 * disagree by design (the kernel still says TIME-WAIT, tcpstates has written
 * the flow out with the client CLOSED).  So `ss` is run right after case 1
 * closed (ss_case1_*), and the states tcpstates gave the two endpoints at that
 * instant, replayed from the flow's --timeline transitions, must equal the
 * kernel's; the final CLOSED must then come from a TIME_WAIT -> CLOSED
 * expiry exactly 2 x MSL after TIME_WAIT began, caused by no packet.
 *
 * The SYN flood's client, 10.77.50.99, is no host: the kernel has no socket
 * for it, so only the server's state is compared for those flows.
 *
 * Needs root and `ip netns`; otherwise every test here is skipped.  The driver
 * runs once per Criterion run (the first test that needs it runs it under a
 * lock, the others wait and read the same directory,
 * /tmp/tcpstates-live.<runner pid>, removed at the end unless a test failed
 * or TS_LIVE_KEEP is set). */
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support.h"

#define C4 "10.77.50.1"
#define S4 "10.77.50.2"
#define NOBODY "10.77.50.99"
#define FLOOD_BASE 30000
#define FLOOD_COUNT 200
#define MSL 2.0

/* ------------------------------------------------------------ the driver run */

static char results_dir[320]; /* .../out: what live_test.sh wrote */

static void run_dir(char *buf, size_t len, int runner)
{
    snprintf(buf, len, "/tmp/tcpstates-live.%d", runner);
}

static double mono_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static char *read_text(const char *dir, const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return ts_test_slurp(p, NULL);
}

/* The last N lines of a file, for failure messages (static buffer). */
static const char *tail_of(const char *dir, const char *name, int lines)
{
    static char buf[2048];
    char *t = read_text(dir, name);
    if (!t)
        return "(none)";
    size_t n = strlen(t);
    const char *p = t + n;
    int seen = 0;
    while (p > t && seen <= lines)
        if (*--p == '\n')
            seen++;
    snprintf(buf, sizeof buf, "%s", p);
    free(t);
    return buf;
}

/* Run the driver once for the whole Criterion run; skip when it cannot run. */
static const char *live(double *elapsed)
{
    if (geteuid() != 0)
        cr_skip_test("not root: the live capture test needs root and network namespaces");
    if (system("ip netns list >/dev/null 2>&1") != 0)
        cr_skip_test("'ip netns' is not available");
    char dir[256], path[512];
    run_dir(dir, sizeof dir, (int)getppid());
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        cr_assert_fail("cannot create %s: %s", dir, strerror(errno));
    snprintf(path, sizeof path, "%s/lock", dir);
    int lk = open(path, O_RDWR | O_CREAT, 0600);
    cr_assert_geq(lk, 0, "cannot open %s", path);
    cr_assert_eq(flock(lk, LOCK_EX), 0);
    snprintf(results_dir, sizeof results_dir, "%s/out", dir);
    int status = -1;
    double secs = 0;
    char *done = read_text(dir, "driver.status");
    if (done) {
        if (sscanf(done, "%d %lf", &status, &secs) != 2)
            status = -1;
        free(done);
    } else {
        char cmd[2048];
        /* the script bounds every wait itself; timeout(1) is the last guard
         * (SIGTERM: its trap still deletes the namespaces) */
        snprintf(cmd, sizeof cmd, "timeout -s TERM 170 bash '%s' '%s' '%s' >'%s/driver.out' 2>&1",
                 ts_test_src("tests/live/live_test.sh"), results_dir, TS_BINARY, dir);
        double t0 = mono_now();
        int st = system(cmd);
        secs = mono_now() - t0;
        status = st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        snprintf(path, sizeof path, "%s/driver.status", dir);
        FILE *f = fopen(path, "w");
        if (f) {
            fprintf(f, "%d %.3f\n", status, secs);
            fclose(f);
        }
    }
    flock(lk, LOCK_UN);
    close(lk);
    if (status == 77) {
        char *why = read_text(results_dir, "skip");
        char msg[512];
        snprintf(msg, sizeof msg, "%s", why ? why : "the live test cannot run here");
        free(why);
        cr_skip_test("%s", msg);
    }
    cr_assert_eq(status, 0, "tests/live/live_test.sh failed (status %d); its log (%s/log) ends:\n%s",
                 status, results_dir, tail_of(results_dir, "log", 8));
    if (elapsed)
        *elapsed = secs;
    return results_dir;
}

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
    (void)set;
    char dir[256], cmd[512];
    run_dir(dir, sizeof dir, (int)getpid());
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "test_live: could not remove %s\n", dir);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    char dir[256], cmd[512];
    run_dir(dir, sizeof dir, (int)getpid());
    struct stat sb;
    if (stat(dir, &sb) < 0)
        return;
    if (stats->tests_failed || stats->tests_crashed || getenv("TS_LIVE_KEEP")) {
        fprintf(stderr, "test_live: the live run's files are kept in %s/out\n", dir);
        return;
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "test_live: could not remove %s\n", dir);
}

/* ------------------------------------------------------------ reading results */

/* A recorded instant (epoch seconds) from OUT/times; NAN when missing. */
/* When the flood's first SYN went out: the generator's log line for it
 * (the harness's flood_start is taken before the generator starts, which
 * on a loaded machine can be half a second earlier). */
static double flood_began(const char *dir)
{
    char *t = read_text(dir, "flood.log");
    const char *mark = t ? strstr(t, "] first SYN") : NULL;
    double v = NAN;
    if (mark) {
        const char *p = mark;
        while (p > t && p[-1] != ' ')
            p--;
        v = strtod(p, NULL);
    }
    free(t);
    return v;
}

static double when(const char *dir, const char *key)
{
    char *t = read_text(dir, "times");
    double v = NAN;
    if (!t)
        return v;
    size_t kl = strlen(key);
    for (char *line = t; line && *line;) {
        char *nl = strchr(line, '\n');
        if (strncmp(line, key, kl) == 0 && line[kl] == ' ')
            v = strtod(line + kl + 1, NULL);
        line = nl ? nl + 1 : NULL;
    }
    free(t);
    return v;
}

static int int_file(const char *dir, const char *name)
{
    char *t = read_text(dir, name);
    int v = t ? atoi(t) : -1;
    free(t);
    return v;
}

struct events {
    json_object **ev; /* one per line; NULL where a line is not JSON */
    int n;
};

static struct events load_events(const char *dir, const char *name)
{
    struct events e = {NULL, 0};
    char *t = read_text(dir, name);
    cr_assert_not_null(t, "%s/%s is missing", dir, name);
    int cap = 0;
    for (char *line = t; *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (e.n == cap) {
            cap = cap ? cap * 2 : 256;
            e.ev = realloc(e.ev, cap * sizeof *e.ev);
        }
        e.ev[e.n++] = json_tokener_parse(line);
        if (!nl)
            break;
        line = nl + 1;
    }
    free(t);
    return e;
}

static void free_events(struct events *e)
{
    for (int i = 0; i < e->n; i++)
        json_object_put(e->ev[i]);
    free(e->ev);
}

static const char *str(json_object *o, const char *path)
{
    json_object *v = ts_test_get(o, path);
    return v && !json_object_is_type(v, json_type_null) ? json_object_get_string(v) : "";
}

static double dbl(json_object *o, const char *path)
{
    json_object *v = ts_test_get(o, path);
    return v && !json_object_is_type(v, json_type_null) ? json_object_get_double(v) : NAN;
}

static int num(json_object *o, const char *path)
{
    json_object *v = ts_test_get(o, path);
    return v ? json_object_get_int(v) : -1;
}

static int is_event(json_object *o, const char *type)
{
    return o && strcmp(str(o, "event_type"), type) == 0;
}

/* The index of the flow event whose client is IP:PORT, and how many there are. */
static int find_flow(const struct events *e, const char *ip, int port, int *count)
{
    int at = -1, k = 0;
    for (int i = 0; i < e->n; i++)
        if (is_event(e->ev[i], "flow") && strcmp(str(e->ev[i], "client.ip"), ip) == 0 &&
            num(e->ev[i], "client.port") == port) {
            if (at < 0)
                at = i;
            k++;
        }
    if (count)
        *count = k;
    return at;
}

static int has_anomaly(json_object *flow, const char *name, const char *side)
{
    json_object *a = ts_test_get(flow, "anomalies");
    for (size_t i = 0; a && i < json_object_array_length(a); i++) {
        json_object *x = json_object_array_get_idx(a, i);
        if (strcmp(str(x, "name"), name) == 0 && (!side || strcmp(str(x, "side"), side) == 0))
            return 1;
    }
    return 0;
}

/* The state `ss` gave the socket LOCAL -> PEER in a snapshot, in tcpstates'
 * names; CLOSED when there is no such socket. */
static const char *kernel_state(const char *dir, const char *snap, const char *local,
                                const char *peer)
{
    static const struct {
        const char *ss, *ts;
    } map[] = {
        {"ESTAB", "ESTABLISHED"},   {"SYN-SENT", "SYN_SENT"},     {"SYN-RECV", "SYN_RCVD"},
        {"FIN-WAIT-1", "FIN_WAIT_1"}, {"FIN-WAIT-2", "FIN_WAIT_2"}, {"CLOSE-WAIT", "CLOSE_WAIT"},
        {"CLOSING", "CLOSING"},     {"LAST-ACK", "LAST_ACK"},     {"TIME-WAIT", "TIME_WAIT"},
    };
    char *t = read_text(dir, snap);
    cr_assert_not_null(t, "the snapshot %s is missing", snap);
    const char *found = "CLOSED";
    for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n")) {
        char st[32], l[96], p[96];
        if (sscanf(line, "%31s %*s %*s %95s %95s", st, l, p) != 3)
            continue;
        if (strcmp(l, local) || strcmp(p, peer))
            continue;
        found = "?";
        for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
            if (strcmp(map[i].ss, st) == 0)
                found = map[i].ts;
        cr_assert_str_neq(found, "?", "unknown ss state %s in %s", st, snap);
    }
    free(t);
    return found;
}

/* An endpoint's state at instant T, replayed from a flow's transitions. */
static const char *state_at(json_object *flow, const char *endpoint, double t)
{
    json_object *tr = ts_test_get(flow, "transitions");
    cr_assert_not_null(tr, "no transitions (was --timeline given?)");
    const char *s = "CLOSED";
    for (size_t i = 0; i < json_object_array_length(tr); i++) {
        json_object *x = json_object_array_get_idx(tr, i);
        if (strcmp(str(x, "endpoint"), endpoint) == 0 && dbl(x, "ts") <= t)
            s = str(x, "to");
    }
    return s;
}

static char *addr(char *buf, const char *ip, int port)
{
    sprintf(buf, "%s:%d", ip, port);
    return buf;
}

/* Both endpoint states of the flow of client C4:PORT equal the kernel's. */
static void expect_kernel_states(const char *dir, const struct events *e, int port, int sport,
                                 const char *snap)
{
    char cl[64], sv[64];
    int n, i = find_flow(e, C4, port, &n);
    cr_assert_eq(n, 1, "client port %d: %d flow events", port, n);
    addr(cl, C4, port);
    addr(sv, S4, sport);
    char csnap[64], ssnap[64];
    snprintf(csnap, sizeof csnap, "ss_%s_client", snap);
    snprintf(ssnap, sizeof ssnap, "ss_%s_server", snap);
    const char *kc = kernel_state(dir, csnap, cl, sv), *ks = kernel_state(dir, ssnap, sv, cl);
    cr_expect_str_eq(str(e->ev[i], "client.state"), kc, "port %d: client %s, kernel %s", port,
                     str(e->ev[i], "client.state"), kc);
    cr_expect_str_eq(str(e->ev[i], "server.state"), ks, "port %d: server %s, kernel %s", port,
                     str(e->ev[i], "server.state"), ks);
}

/* ------------------------------------------------------------ tests */

TestSuite(live, .description = "live capture on a veth between two network namespaces");

Test(live, no_such_interface_fails_with_1)
{
    char *out = NULL, *err = NULL;
    int st = ts_test_run("-i no-such-if0", &out, &err);
    cr_expect_eq(st, 1, "exit status %d, expected 1; stderr: %s", st, err ? err : "");
    cr_expect(err && strstr(err, "no-such-if0"), "the message does not name the interface: %s",
              err ? err : "(none)");
    if (geteuid() == 0)
        cr_expect(err && strstr(err, "no such interface"), "message: %s", err ? err : "(none)");
    cr_expect(out == NULL || out[0] == '\0', "nothing on stdout expected: %s", out ? out : "");
    free(out);
    free(err);
}

Test(live, driver_within_60_seconds_and_no_namespace_left)
{
    double secs = 0;
    const char *d = live(&secs);
    cr_expect_lt(secs, 60.0, "the live run took %.1f s", secs);
    char *names = read_text(d, "namespaces"), *after = read_text(d, "netns_after");
    cr_assert_not_null(names, "no namespace list");
    cr_assert_not_null(after, "no 'ip netns list' after the run");
    FILE *p = popen("ip netns list 2>/dev/null", "r");
    char now[8192] = "";
    if (p) {
        size_t k = fread(now, 1, sizeof now - 1, p);
        now[k] = '\0';
        pclose(p);
    }
    int count = 0;
    for (char *ns = strtok(names, "\n"); ns; ns = strtok(NULL, "\n")) {
        count++;
        cr_expect_null(strstr(after, ns), "namespace %s left behind after the run", ns);
        cr_expect_null(strstr(now, ns), "namespace %s still exists", ns);
    }
    cr_expect_eq(count, 2, "%d namespaces recorded", count);
    free(names);
    free(after);
}

Test(live, every_connection_is_one_flow_event)
{
    const char *d = live(NULL);
    struct events e = load_events(d, "tcpstates.ndjson");
    cr_assert_gt(e.n, 0);
    int flows = 0, summaries = 0;
    for (int i = 0; i < e.n; i++) {
        cr_assert_not_null(e.ev[i], "line %d is not JSON", i + 1);
        const char *t = str(e.ev[i], "event_type");
        cr_expect(!strcmp(t, "flow") || !strcmp(t, "stats") || !strcmp(t, "summary") ||
                      !strcmp(t, "alert"),
                  "line %d: event_type '%s'", i + 1, t);
        flows += is_event(e.ev[i], "flow");
        summaries += is_event(e.ev[i], "summary");
    }
    cr_expect(is_event(e.ev[e.n - 1], "summary"), "the last line is not the summary event");
    cr_expect_eq(summaries, 1, "%d summary events", summaries);
    for (int port = 41001; port <= 41004; port++) {
        int n, i = find_flow(&e, C4, port, &n);
        cr_expect_eq(n, 1, "client port %d: %d flow events, expected 1", port, n);
        if (n == 1)
            cr_expect_str_eq(str(e.ev[i], "server.ip"), S4);
    }
    int missing = 0, twice = 0;
    for (int port = FLOOD_BASE; port < FLOOD_BASE + FLOOD_COUNT; port++) {
        int n;
        find_flow(&e, NOBODY, port, &n);
        missing += n == 0;
        twice += n > 1;
    }
    cr_expect_eq(missing, 0, "%d SYN-flood connections have no flow event", missing);
    cr_expect_eq(twice, 0, "%d SYN-flood connections have several flow events", twice);
    cr_expect_eq(flows, 4 + FLOOD_COUNT, "%d flow events for 4 + %d connections", flows,
                 FLOOD_COUNT);
    cr_expect_eq(num(e.ev[e.n - 1], "summary.flows"), flows, "summary.flows %d, flow events %d",
                 num(e.ev[e.n - 1], "summary.flows"), flows);
    cr_expect_str_eq(str(e.ev[e.n - 1], "input.source"), "lvc0");
    char *err = read_text(d, "tcpstates.err");
    cr_expect(err && err[0] == '\0', "tcpstates wrote on stderr: %s", err ? err : "(missing)");
    free(err);
    free_events(&e);
}

/* Case 1, against `ss` right after it closed (see the comment at the top). */
Test(live, normal_close_client_first_matches_kernel)
{
    const char *d = live(NULL);
    struct events e = load_events(d, "tcpstates.ndjson");
    int n, i = find_flow(&e, C4, 41001, &n);
    cr_assert_eq(n, 1, "%d flow events for case 1", n);
    json_object *f = e.ev[i];
    char cl[64], sv[64];
    addr(cl, C4, 41001);
    addr(sv, S4, 8080);
    const char *kc = kernel_state(d, "ss_case1_client", cl, sv);
    const char *ks = kernel_state(d, "ss_case1_server", sv, cl);
    cr_expect_str_eq(kc, "TIME_WAIT", "the kernel's client after case 1: %s", kc);
    cr_expect_str_eq(ks, "CLOSED", "the kernel's server after case 1: %s", ks);
    double t = when(d, "ss_case1");
    cr_assert(!isnan(t));
    cr_expect_str_eq(state_at(f, "client", t), kc, "client at the ss instant: %s, kernel %s",
                     state_at(f, "client", t), kc);
    cr_expect_str_eq(state_at(f, "server", t), ks, "server at the ss instant: %s, kernel %s",
                     state_at(f, "server", t), ks);
    /* written out after the pause: both CLOSED, the client's TIME_WAIT having
     * expired on the clock 2 x MSL after it began, caused by no packet */
    cr_expect_str_eq(str(f, "client.state"), "CLOSED");
    cr_expect_str_eq(str(f, "server.state"), "CLOSED");
    cr_expect_str_eq(str(f, "close.by"), "client");
    cr_expect_str_eq(str(f, "close.how"), "fin");
    json_object *tr = ts_test_get(f, "transitions");
    double tw = NAN, expiry = NAN;
    int expiry_pkt = -2;
    for (size_t k = 0; tr && k < json_object_array_length(tr); k++) {
        json_object *x = json_object_array_get_idx(tr, k);
        if (strcmp(str(x, "endpoint"), "client"))
            continue;
        if (!strcmp(str(x, "to"), "TIME_WAIT"))
            tw = dbl(x, "ts");
        if (!strcmp(str(x, "from"), "TIME_WAIT") && !strcmp(str(x, "to"), "CLOSED")) {
            expiry = dbl(x, "ts");
            json_object *p = ts_test_get(x, "packet");
            expiry_pkt = p && json_object_is_type(p, json_type_null) ? -1 : num(x, "packet");
        }
    }
    cr_assert(!isnan(tw), "the client never entered TIME_WAIT");
    cr_assert(!isnan(expiry), "no TIME_WAIT -> CLOSED transition for the client");
    cr_expect_lt(fabs(expiry - tw - 2 * MSL), 0.001, "TIME_WAIT lasted %.6f s, expected %.1f",
                 expiry - tw, 2 * MSL);
    cr_expect_eq(expiry_pkt, -1, "the expiry names packet %d instead of null", expiry_pkt);
    cr_expect_lt(tw, t, "TIME_WAIT began after the ss snapshot");
    free_events(&e);
}

Test(live, server_never_closes_matches_kernel)
{
    const char *d = live(NULL);
    struct events e = load_events(d, "tcpstates.ndjson");
    expect_kernel_states(d, &e, 41002, 8080, "final");
    int i = find_flow(&e, C4, 41002, NULL);
    cr_assert_geq(i, 0);
    cr_expect_str_eq(str(e.ev[i], "client.state"), "FIN_WAIT_2");
    cr_expect_str_eq(str(e.ev[i], "server.state"), "CLOSE_WAIT");
    cr_expect(has_anomaly(e.ev[i], "fin_wait_2_orphan", "client"), "no fin_wait_2_orphan finding");
    free_events(&e);
}

Test(live, abortive_close_matches_kernel)
{
    const char *d = live(NULL);
    struct events e = load_events(d, "tcpstates.ndjson");
    expect_kernel_states(d, &e, 41003, 8080, "final");
    int i = find_flow(&e, C4, 41003, NULL);
    cr_assert_geq(i, 0);
    cr_expect_str_eq(str(e.ev[i], "client.state"), "CLOSED");
    cr_expect_str_eq(str(e.ev[i], "server.state"), "CLOSED");
    cr_expect_str_eq(str(e.ev[i], "close.how"), "rst");
    cr_expect_str_eq(str(e.ev[i], "close.by"), "client");
    cr_expect(has_anomaly(e.ev[i], "missing_fin", NULL), "no missing_fin finding");
    free_events(&e);
}

Test(live, refused_matches_kernel)
{
    const char *d = live(NULL);
    struct events e = load_events(d, "tcpstates.ndjson");
    expect_kernel_states(d, &e, 41004, 8081, "final");
    int i = find_flow(&e, C4, 41004, NULL);
    cr_assert_geq(i, 0);
    cr_expect_eq(num(e.ev[i], "server.port"), 8081);
    cr_expect_str_eq(str(e.ev[i], "client.state"), "CLOSED");
    cr_expect_str_eq(str(e.ev[i], "server.state"), "CLOSED");
    cr_expect_str_eq(str(e.ev[i], "close.by"), "server");
    cr_expect_str_eq(str(e.ev[i], "close.how"), "rst");
    cr_expect_str_eq(str(e.ev[i], "conn_state"), "REJ");
    free_events(&e);
}

Test(live, syn_flood_server_states_match_kernel)
{
    const char *d = live(NULL);
    struct events e = load_events(d, "tcpstates.ndjson");
    int kernel_synrecv = 0, mismatched = 0, no_half_open = 0, first_bad = -1;
    char bad[160] = "";
    /* each SYN-ACK had waited at least this long when tcpstates was stopped
     * (its timers tick every second) */
    double aged = when(d, "sigint") - when(d, "flood_end") - 1.0;
    for (int port = FLOOD_BASE; port < FLOOD_BASE + FLOOD_COUNT; port++) {
        char cl[64], sv[64];
        addr(cl, NOBODY, port);
        addr(sv, S4, 8080);
        const char *k = kernel_state(d, "ss_final_server", sv, cl);
        kernel_synrecv += strcmp(k, "SYN_RCVD") == 0;
        int i = find_flow(&e, NOBODY, port, NULL);
        if (i < 0)
            continue; /* counted by every_connection_is_one_flow_event */
        const char *s = str(e.ev[i], "server.state");
        if (strcmp(s, k)) {
            mismatched++;
            if (first_bad < 0) {
                first_bad = port;
                snprintf(bad, sizeof bad, "port %d: server %s, kernel %s", port, s, k);
            }
        }
        if (!strcmp(s, "SYN_RCVD") && aged > 3.2 && !has_anomaly(e.ev[i], "half_open", "server"))
            no_half_open++;
    }
    cr_expect_geq(kernel_synrecv, FLOOD_COUNT - 10,
                  "only %d SYN-RECV sockets on the server: the flood did not take", kernel_synrecv);
    cr_expect_eq(mismatched, 0, "%d flood connections differ from the kernel, first %s",
                 mismatched, bad);
    cr_expect_eq(no_half_open, 0, "%d SYN_RCVD flows aged %.1f s lack half_open", no_half_open,
                 aged);
    free_events(&e);
}

/* Case 5 as an alert: the 200 SYNs (sent within milliseconds, none ever
 * completed) reach the default rate of 200 failed SYNs in a second: one
 * SYN flood alert on the server, within a second, from the one source. The
 * same from --alerts-only (nothing else, flushed while it ran) and from
 * --check (CRITICAL, exit 2) with its metrics file. */
Test(live, syn_flood_alert_monitoring_outputs)
{
    const char *d = live(NULL);
    double start = flood_began(d);
    cr_assert(!isnan(start), "flood.log does not say when the first SYN went out");
    cr_expect_geq(start, when(d, "flood_start"));
    const char *files[] = {"tcpstates.ndjson", "alerts.ndjson"};
    for (int f = 0; f < 2; f++) {
        struct events e = load_events(d, files[f]);
        int starts = 0, others = 0;
        for (int i = 0; i < e.n; i++) {
            if (!e.ev[i] || !is_event(e.ev[i], "alert")) {
                others++;
                continue;
            }
            if (strcmp(str(e.ev[i], "status"), "start"))
                continue;
            starts++;
            cr_expect_str_eq(str(e.ev[i], "target.ip"), S4, "%s", files[f]);
            cr_expect_eq(num(e.ev[i], "target.port"), 8080, "%s", files[f]);
            double delay = dbl(e.ev[i], "ts") - start;
            cr_expect(delay >= 0 && delay < 1.0, "%s: alert %.3f s after the flood began",
                      files[f], delay);
            json_object *top = ts_test_get(e.ev[i], "top_sources");
            cr_expect(top && json_object_array_length(top) >= 1 &&
                          !strcmp(str(json_object_array_get_idx(top, 0), "ip"), NOBODY),
                      "%s: the flood's one source is not named", files[f]);
        }
        cr_expect_eq(starts, 1, "%s: %d alerts started", files[f], starts);
        if (f == 1)
            cr_expect_eq(others, 0, "--alerts-only wrote %d other lines", others);
        free_events(&e);
    }
    char *st = read_text(d, "alerts.status");
    cr_expect(st && atoi(st) == 0, "--alerts-only exit %s", st ? st : "?");
    free(st);
    st = read_text(d, "check.status");
    cr_expect(st && atoi(st) == 2, "--check exit %s (want 2, CRITICAL)", st ? st : "?");
    free(st);
    char *line = read_text(d, "check.txt");
    char want[96];
    snprintf(want, sizeof want, "TCPSTATES CRITICAL - SYN flood on %s:8080 (", S4);
    cr_expect(line && !strncmp(line, want, strlen(want)), "--check said: %s",
              line ? line : "nothing");
    free(line);
    char *prom = read_text(d, "live.prom");
    cr_expect(prom && strstr(prom, "\ntcpstates_syn_flood_alerts_total 1\n"),
              "metrics: %s", prom ? prom : "no file");
    free(prom);
}

/* Case 6: the quiet interface.  Nothing was sent after case 1 until its flow
 * was written out; that must happen on the clock, 2 x MSL after TIME_WAIT
 * began, while tcpstates still runs. */
Test(live, time_wait_expires_during_a_pause)
{
    const char *d = live(NULL);
    double seen = when(d, "case1_flow_seen");
    cr_assert(!isnan(seen), "the flow of case 1 was not written within 12 s of the pause "
                            "(log: %s)", tail_of(d, "log", 6));
    cr_expect_lt(seen, when(d, "sigint"));
    /* the copy taken while tcpstates ran has it, and nothing of later cases */
    struct events p = load_events(d, "pause.ndjson");
    int n;
    find_flow(&p, C4, 41001, &n);
    cr_expect_eq(n, 1, "the NDJSON copied during the pause has %d case-1 flows", n);
    for (int port = 41002; port <= 41004; port++) {
        find_flow(&p, C4, port, &n);
        cr_expect_eq(n, 0, "port %d already in the pause copy", port);
    }
    free_events(&p);

    struct events e = load_events(d, "tcpstates.ndjson");
    int i = find_flow(&e, C4, 41001, &n);
    cr_assert_eq(n, 1);
    json_object *f = e.ev[i];
    cr_expect_str_eq(str(f, "client.state"), "CLOSED", "client %s after the pause",
                     str(f, "client.state"));
    for (int port = 41002; port <= 41004; port++)
        cr_expect_lt(i, find_flow(&e, C4, port, NULL), "port %d written before case 1", port);
    double last = dbl(f, "last_ts"), tw = NAN;
    json_object *tr = ts_test_get(f, "transitions");
    for (size_t k = 0; tr && k < json_object_array_length(tr); k++) {
        json_object *x = json_object_array_get_idx(tr, k);
        if (!strcmp(str(x, "endpoint"), "client") && !strcmp(str(x, "to"), "TIME_WAIT"))
            tw = dbl(x, "ts");
    }
    cr_assert(!isnan(tw));
    /* not early: the next stats event after the flow is past the expiry */
    double after = NAN;
    for (int k = i + 1; k < e.n && isnan(after); k++)
        if (is_event(e.ev[k], "stats"))
            after = dbl(e.ev[k], "ts");
    cr_expect_geq(after, tw + 2 * MSL, "flow written before its TIME_WAIT expired: stats %.3f, "
                  "expiry %.3f", after, tw + 2 * MSL);
    /* not late: seen by the driver soon after the expiry (timers tick each second) */
    cr_expect_lt(seen - (tw + 2 * MSL), 3.0, "flow written %.2f s after its TIME_WAIT expired",
                 seen - (tw + 2 * MSL));
    /* and the interface really was quiet: every stats event between the last
     * packet of case 1 and the flow counts the same TCP packets */
    int quiet = 0, tcp = -1;
    for (int k = 0; k < i; k++) {
        if (!is_event(e.ev[k], "stats") || dbl(e.ev[k], "ts") < last + 0.05)
            continue;
        if (tcp < 0)
            tcp = num(e.ev[k], "tcp_packets");
        cr_expect_eq(num(e.ev[k], "tcp_packets"), tcp, "TCP packets during the pause");
        quiet++;
    }
    cr_expect_geq(quiet, 2, "only %d stats events during the pause", quiet);
    free_events(&e);
}

Test(live, sigint_writes_open_flows_then_summary_and_exits_0)
{
    const char *d = live(NULL);
    int st = int_file(d, "tcpstates.status");
    cr_expect_eq(st, 0, "tcpstates exited %d after SIGINT; stderr: %s", st,
                 tail_of(d, "tcpstates.err", 5));
    double took = when(d, "ts_exited") - when(d, "sigint");
    cr_expect_lt(took, 3.0, "tcpstates took %.2f s to stop after SIGINT", took);

    /* what was written before SIGINT is a prefix of the whole output */
    char *pre = read_text(d, "pre_sigint.ndjson"), *all = read_text(d, "tcpstates.ndjson");
    cr_assert_not_null(pre);
    cr_assert_not_null(all);
    cr_expect_eq(strncmp(pre, all, strlen(pre)), 0, "the output before SIGINT was rewritten");
    free(pre);
    free(all);

    struct events p = load_events(d, "pre_sigint.ndjson");
    struct events e = load_events(d, "tcpstates.ndjson");
    int n;
    for (int k = 0; k < p.n; k++)
        cr_expect(!is_event(p.ev[k], "summary"), "a summary before SIGINT");
    /* still open at SIGINT: written only then, after the last stats event */
    int last_stats = -1;
    for (int k = 0; k < e.n; k++)
        if (is_event(e.ev[k], "stats"))
            last_stats = k;
    find_flow(&p, C4, 41002, &n);
    cr_expect_eq(n, 0, "case 2 written before SIGINT");
    cr_expect_gt(find_flow(&e, C4, 41002, NULL), last_stats, "case 2 not written at SIGINT");
    int early = 0, late = 0;
    for (int port = FLOOD_BASE; port < FLOOD_BASE + FLOOD_COUNT; port++) {
        find_flow(&p, NOBODY, port, &n);
        early += n;
        late += find_flow(&e, NOBODY, port, NULL) > last_stats;
    }
    cr_expect_eq(early, 0, "%d half-open flows written before SIGINT", early);
    cr_expect_eq(late, FLOOD_COUNT, "%d of %d half-open flows written at SIGINT", late,
                 FLOOD_COUNT);
    cr_expect(is_event(e.ev[e.n - 1], "summary"), "the last line is not the summary");
    free_events(&p);
    free_events(&e);
}

Test(live, stats_events_every_second)
{
    const char *d = live(NULL);
    struct events e = load_events(d, "tcpstates.ndjson");
    double prev = NAN, first = NAN, last = NAN;
    int count = 0, flows = 0;
    static const char *keys[] = {"ts", "packets", "tcp_packets", "ps_recv", "ps_drop",
                                 "ps_ifdrop", "flows_tracked", "flows_reported", "memory"};
    for (int i = 0; i < e.n; i++) {
        flows += is_event(e.ev[i], "flow");
        if (!is_event(e.ev[i], "stats"))
            continue;
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            cr_expect_not_null(ts_test_get(e.ev[i], keys[k]), "stats line %d lacks %s", i + 1,
                               keys[k]);
        json_object *drop = ts_test_get(e.ev[i], "ps_drop");
        cr_expect(drop && json_object_is_type(drop, json_type_int) && json_object_get_int64(drop) >= 0,
                  "stats line %d: ps_drop is not a count", i + 1);
        cr_expect_eq(num(e.ev[i], "flows_reported"), flows,
                     "stats line %d: flows_reported %d, %d flow events before it", i + 1,
                     num(e.ev[i], "flows_reported"), flows);
        double ts = dbl(e.ev[i], "ts");
        if (!isnan(prev)) {
            cr_expect_geq(ts - prev, 0.9, "stats %.3f s apart (line %d)", ts - prev, i + 1);
            cr_expect_leq(ts - prev, 2.5, "stats %.3f s apart (line %d)", ts - prev, i + 1);
        } else {
            first = ts;
        }
        prev = last = ts;
        count++;
    }
    double ran = when(d, "sigint") - when(d, "ts_start");
    cr_expect_geq(count, (int)ran - 3, "%d stats events in %.1f s", count, ran);
    cr_expect_leq(count, (int)ran + 2, "%d stats events in %.1f s", count, ran);
    cr_expect_lt(first - when(d, "ts_start"), 3.0, "the first stats event came late");
    cr_expect_lt(when(d, "sigint") - last, 2.0, "stats events stopped before SIGINT");
    free_events(&e);
}

Test(live, idle_capture_stops_on_sigint_within_a_second)
{
    const char *d = live(NULL);
    int st = int_file(d, "idle.status");
    cr_expect_eq(st, 0, "the idle capture exited %d after SIGINT; stderr: %s", st,
                 tail_of(d, "idle.err", 5));
    double took = when(d, "idle_exited") - when(d, "idle_sigint");
    cr_expect_lt(took, 1.0, "the idle capture took %.3f s to stop after SIGINT", took);
    struct events e = load_events(d, "idle.ndjson");
    cr_assert_gt(e.n, 0, "the idle capture wrote nothing");
    json_object *s = e.ev[e.n - 1];
    cr_expect(is_event(s, "summary"), "its last line is not a summary");
    cr_expect_eq(num(s, "summary.flows"), 0);
    cr_expect_str_eq(str(s, "input.source"), "lvc0");
    free_events(&e);
}
