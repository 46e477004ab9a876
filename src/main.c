/* main.c - the tcpstates command: parse options, run the pipeline
 * (capture -> analyzer -> report), map the outcome to an exit code.
 * The only file that prints errors or exits. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "cli.h"
#include "decode.h"
#include "json_writer.h"
#include "prefault.h"
#include "report.h"
#include "tcpstates.h"

enum { EXIT_OK = 0, EXIT_INPUT = 1, EXIT_USAGE = 2 };
enum { CHECK_UNKNOWN = 3 }; /* --check: a problem that is not the network's */

#define METRICS_EVERY_NS (10 * TS_NS_PER_SEC)
/* Live: how often the clock moves capture time on (timers, SYN-flood
 * windows of 100 ms) when packets do not */
#define TICK_NS (TS_NS_PER_SEC / 10)

/* The one mutable global: what the last signal asked for (a stop says
 * which signal asked). */
enum { SIG_NONE = 0, SIG_STATS = 1, SIG_STOP = 2, SIG_STOP_TERM = 3 };
static volatile sig_atomic_t signal_request;

static void on_signal(int sig)
{
    if (sig == SIGHUP) {
        if (signal_request < SIG_STOP)
            signal_request = SIG_STATS;
    } else {
        signal_request = sig == SIGTERM ? SIG_STOP_TERM : SIG_STOP;
    }
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

static int64_t clock_ns(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (int64_t)t.tv_sec * TS_NS_PER_SEC + t.tv_nsec;
}

/* After the interface or file and the output files are open, give up root
 * (as tcpdump does): to -Z USER, or for a live capture to nobody by
 * default; -Z root keeps root. Returns 1 when it became another user, 0
 * when it stayed, -1 on failure (err says why). */
static int drop_privileges(const char *user, bool live, char *err, size_t errlen)
{
    if (user && !getpwnam(user)) {
        snprintf(err, errlen, "-Z %s: no such user", user);
        return -1;
    }
    if (geteuid() != 0 || (user && strcmp(user, "root") == 0) || (!user && !live))
        return 0;
    const char *name = user ? user : "nobody";
    struct passwd *pw = getpwnam(name);
    if (!pw)
        return 0; /* no "nobody" here: stay, as tcpdump without its user does */
    if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
        snprintf(err, errlen, "cannot become user %s: %s", name, strerror(errno));
        return -1;
    }
    return 1;
}

static void drain(struct ts_analyzer *a, struct ts_report *r, uint64_t *reported)
{
    const struct ts_flow *const *flows;
    size_t n = ts_analyzer_take_done(a, &flows);
    ts_report_flows(r, flows, n);
    *reported += n;
    const struct ts_alert *al;
    while ((al = ts_analyzer_next_alert(a)) != NULL)
        ts_report_alert(r, al);
}

/* The report's call to settle the flows it is about to read. */
static void settle(void *a, size_t upto)
{
    ts_analyzer_finish_upto(a, upto);
}

/* What the analysis of one frame gave (r as ts_analyzer_packet returns):
 * its trace when one is wanted, and any flow or alert it finished. */
static void frame_out(struct ts_analyzer *a, struct ts_report *rep, int r, bool trace,
                      uint64_t *reported)
{
    if (r == 1 && trace)
        ts_report_trace(rep, ts_analyzer_trace(a));
    if (ts_analyzer_has_output(a))
        drain(a, rep, reported);
}

/* --check speaks the plugin's language even about its own problems. */
static bool wants_check(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--check") == 0)
            return true;
    return false;
}

static int fail(bool check, int status, const char *what, const char *why)
{
    if (check) {
        printf("TCPSTATES UNKNOWN - %s%s%s\n", what ? what : "", what ? ": " : "", why);
        return CHECK_UNKNOWN;
    }
    if (what)
        fprintf(stderr, "tcpstates: %s: %s\n", what, why);
    else
        fprintf(stderr, "tcpstates: %s\n", why);
    if (status == EXIT_USAGE)
        fprintf(stderr, "Try 'tcpstates --help' for more information.\n");
    return status;
}

static int write_metrics(const struct ts_options *o, struct ts_analyzer *a,
                         const struct ts_report *rep, const struct ts_report_input *in,
                         char *err, size_t errlen)
{
    size_t n;
    const struct ts_alert *al = ts_report_alerts(rep, &n);
    if (ts_report_metrics(o->metrics_file, in, ts_analyzer_summary(a), al, n, err, errlen) < 0) {
        fprintf(stderr, "tcpstates: %s: %s\n", o->metrics_file, err);
        return -1;
    }
    return 0;
}

/* An output file that is the capture being read, or another output: opening
 * it for writing would destroy the capture (or mix two writers). Returns
 * the option that names it, with the reason in err, or NULL. */
static const char *clashing_output(const struct ts_options *o, char *err, size_t errlen)
{
    const char *opt[3] = {"-o", "-w", "--metrics"};
    const char *path[3] = {o->output, o->write_file, o->metrics_file};
    struct stat in, st[3];
    bool have_in = !o->iface && (strcmp(o->read_file, "-") == 0 ? fstat(STDIN_FILENO, &in)
                                                                 : stat(o->read_file, &in)) == 0 &&
                   S_ISREG(in.st_mode);
    bool exists[3];
    for (int i = 0; i < 3; i++) {
        exists[i] = path[i] && stat(path[i], &st[i]) == 0;
        if (exists[i] && have_in && st[i].st_dev == in.st_dev && st[i].st_ino == in.st_ino) {
            snprintf(err, errlen, "%s %.400s: it is the capture being read", opt[i], path[i]);
            return opt[i];
        }
        for (int j = 0; j < i; j++)
            if (path[i] && path[j] &&
                (strcmp(path[i], path[j]) == 0 ||
                 (exists[i] && exists[j] && S_ISREG(st[i].st_mode) &&
                  st[j].st_dev == st[i].st_dev && st[j].st_ino == st[i].st_ino))) {
                snprintf(err, errlen, "%s and %s name the same file", opt[j], opt[i]);
                return opt[i];
            }
    }
    return NULL;
}

static int by_recent(const void *x, const void *y)
{
    const struct ts_flow *const *a = x, *const *b = y;
    return (*a)->last_ns < (*b)->last_ns ? 1 : (*a)->last_ns > (*b)->last_ns ? -1 : 0;
}

/* A live capture's stats event, or the text view's redraw. */
static void live_stats(struct ts_analyzer *a, struct ts_capture *cap, struct ts_report *rep,
                       uint64_t reported, int64_t now_ns)
{
    struct ts_live_stats st = {.ts_ns = now_ns, .flows_reported = reported};
    const struct ts_input_stats *in = ts_analyzer_stats(a);
    st.packets = in->packets;
    st.tcp_packets = in->tcp_packets;
    struct ts_capture_stats cs;
    if (ts_capture_stats(cap, &cs) == 0) {
        st.have_pcap = true;
        st.received = cs.received;
        st.dropped = cs.dropped;
        st.if_dropped = cs.if_dropped;
    }
    ts_analyzer_usage(a, &st.flows_tracked, &st.memory);
    /* the most recently active connections, for the text view (once a
     * refresh, not per packet) */
    const struct ts_flow **view = NULL;
    size_t n = 0, cap_n = 0;
    uint32_t cur = 0;
    const struct ts_flow *f;
    while ((f = ts_analyzer_next_live(a, &cur)) != NULL) {
        if (n == cap_n) {
            size_t c = cap_n ? cap_n * 2 : 256;
            const struct ts_flow **v = realloc(view, c * sizeof *v);
            if (!v)
                break;
            view = v;
            cap_n = c;
        }
        view[n++] = f;
    }
    if (n)
        qsort(view, n, sizeof *view, by_recent);
    ts_report_stats(rep, &st, view, n < 30 ? n : 30);
    free(view);
}

int main(int argc, char **argv)
{
    struct ts_options o;
    char err[512];
    if (ts_cli_parse(argc, argv, &o, err, sizeof err) < 0) {
        ts_cli_free(&o);
        return fail(wants_check(argc, argv), EXIT_USAGE, NULL, err);
    }
    if (o.help) {
        fputs(ts_cli_usage(), stdout);
        return EXIT_OK;
    }
    if (o.version) {
        printf("tcpstates %s\n", TS_VERSION);
        return EXIT_OK;
    }

    const char *source = o.iface ? o.iface : o.read_file;
    bool live = o.iface != NULL;
    struct ts_capture *cap;
    /* headers only, unless the packets are kept with -w */
    int snaplen = o.write_file ? 262144 : 1024;
    int rc = live ? ts_capture_open_live(&cap, o.iface, o.promisc, snaplen, err, sizeof err)
                  : ts_capture_open_file(&cap, o.read_file, err, sizeof err);
    if (rc < 0) {
        ts_cli_free(&o);
        return fail(o.check, EXIT_INPUT, source, err);
    }
    if (o.filter && ts_capture_set_filter(cap, o.filter, err, sizeof err) < 0) {
        ts_capture_close(cap);
        ts_cli_free(&o);
        return fail(o.check, EXIT_USAGE, NULL, err);
    }
    if (clashing_output(&o, err, sizeof err)) {
        ts_capture_close(cap);
        ts_cli_free(&o);
        return fail(o.check, EXIT_USAGE, NULL, err);
    }
    FILE *out = stdout;
    if ((o.write_file && ts_capture_dump_to(cap, o.write_file, err, sizeof err) < 0) ||
        (o.output && !(out = fopen(o.output, "w")))) {
        int st = fail(o.check, EXIT_INPUT, o.output && !out ? o.output : o.write_file,
                      o.output && !out ? strerror(errno) : err);
        ts_capture_close(cap);
        ts_cli_free(&o);
        return st;
    }
    /* Reading a file, the report goes out in big writes: glibc gives a FILE
     * a larger buffer only when it is handed one. */
    static char out_buffer[256 * 1024];
    if (!live) {
        setvbuf(out, out_buffer, _IOFBF, sizeof out_buffer);
        ts_prefault(out_buffer, sizeof out_buffer);
    }
    int dropped = drop_privileges(o.user, live, err, sizeof err);
    if (dropped < 0) {
        ts_capture_close(cap);
        ts_cli_free(&o);
        return fail(o.check, EXIT_USAGE, NULL, err);
    }
    /* The metrics file is replaced by renaming a new one over it: find out
     * now, not at the end of the capture, whether its directory lets us. */
    if (o.metrics_file && ts_report_metrics_probe(o.metrics_file, err, sizeof err) < 0) {
        char why[768];
        snprintf(why, sizeof why, dropped ? "%.400s (running as %.64s: its directory must be "
                                            "writable by that user; -Z chooses the user)"
                                          : "%.400s",
                 err, o.user ? o.user : "nobody");
        int st = fail(o.check, EXIT_INPUT, o.metrics_file, why);
        ts_capture_close(cap);
        ts_cli_free(&o);
        return st;
    }

    /* A fresh hash seed each run: traffic cannot be crafted to collide in the
     * flow table. The report does not depend on it. */
    if (getrandom(o.cfg.seed, sizeof o.cfg.seed, 0) != (ssize_t)sizeof o.cfg.seed) {
        o.cfg.seed[0] ^= (uint64_t)time(NULL);
        o.cfg.seed[1] ^= (uint64_t)clock();
    }
    struct ts_detect_config dc = {o.cfg.syn_timeout_ns, o.cfg.fin_timeout_ns};
    int dlt = ts_capture_datalink(cap);
    struct ts_analyzer *a;
    struct ts_report *rep;
    struct ts_report_options ro = {
        .fmt = o.format,
        .timeline = o.timeline,
        .alerts_only = o.alerts_only,
        .check = o.check,
        .dc = dc,
        .syn_flood_rate = o.cfg.syn_flood_rate,
        .syn_flood_half_open = o.cfg.syn_flood_half_open,
    };
    if (ts_analyzer_new(&a, &o.cfg, dlt, err, sizeof err) < 0 ||
        ts_report_open(&rep, out, &ro, err, sizeof err) < 0)
        return fail(o.check, EXIT_INPUT, NULL, err);
    /* a link type we do not decode is named by its number */
    char linkname[48];
    const char *known = ts_decode_link_name(dlt);
    if (strcmp(known, "UNKNOWN") == 0)
        snprintf(linkname, sizeof linkname, "DLT_%d (not decoded)", dlt);
    else
        snprintf(linkname, sizeof linkname, "%s", known);
    struct ts_input_error errors[TS_MAX_INPUT_ERRORS];
    unsigned nerrors = 0;
    struct ts_report_input in = {
        .source = source,
        .linktype = linkname,
        .stats = ts_analyzer_stats(a),
        .errors = errors,
        .nerrors = 0,
    };
    install_signals();
    clock_t started = clock();
    int64_t stats_every = o.stats_interval_ns;
    if (live) {
        ts_report_set_live(rep, true);
        if (!stats_every && o.format == TS_FORMAT_TEXT)
            stats_every = TS_NS_PER_SEC; /* the text view redraws every second */
    }
    int64_t mono_start = clock_ns(CLOCK_MONOTONIC);
    int64_t next_stats = mono_start + stats_every, next_tick = mono_start + TICK_NS;
    int64_t next_metrics = mono_start + METRICS_EVERY_NS;
    bool trace = o.timeline && o.format == TS_FORMAT_TEXT;
    uint64_t n = 0, reported = 0, last_record = 0;
    int64_t first_ns = 0;
    struct ts_capture_packet p;
    while (signal_request < SIG_STOP) {
        rc = ts_capture_next(cap, &p, err, sizeof err);
        if (rc < 0 || rc == 0)
            break;
        if (live) {
            /* time passes on a quiet interface too: run the timers, the
             * periodic stats and --duration on the clock */
            int64_t mono = clock_ns(CLOCK_MONOTONIC);
            if (o.duration_ns && mono - mono_start >= o.duration_ns)
                break;
            if (mono >= next_tick) {
                ts_analyzer_tick(a, clock_ns(CLOCK_REALTIME));
                drain(a, rep, &reported);
                next_tick = mono + TICK_NS;
            }
            if (o.metrics_file && mono >= next_metrics) {
                write_metrics(&o, a, rep, &in, err, sizeof err);
                next_metrics = mono + METRICS_EVERY_NS;
            }
            if (signal_request == SIG_STATS || (stats_every && mono >= next_stats)) {
                if (signal_request == SIG_STATS)
                    signal_request = SIG_NONE;
                live_stats(a, cap, rep, reported, clock_ns(CLOCK_REALTIME));
                if (stats_every)
                    next_stats = mono + stats_every;
            }
        }
        if (rc == 2)
            continue; /* live, nothing yet */
        if (n == 0)
            first_ns = p.ts_ns;
        if (!live && o.duration_ns && p.ts_ns - first_ns >= o.duration_ns)
            break;
        if (p.record > last_record + 1)
            ts_analyzer_skip(a, p.record - last_record - 1);
        last_record = p.record;
        /* a file's frames are analysed a few frames after they are read,
         * once their connection's memory has been fetched */
        int r = live ? ts_analyzer_packet(a, p.ts_ns, p.data, p.caplen, p.len)
                     : ts_analyzer_packet_ahead(a, p.ts_ns, p.data, p.caplen, p.len);
        frame_out(a, rep, r, trace, &reported);
        if (o.count && ++n >= o.count)
            break;
        if (!o.count)
            n++;
    }
    /* the frames read but not analysed yet */
    int r;
    while ((r = ts_analyzer_flush_ahead(a)) >= 0)
        frame_out(a, rep, r, trace, &reported);
    /* A file read to its end or its damage says so; one stopped by a signal
     * says that instead (a read from a pipe it interrupted fails): the
     * report covers only the records read. */
    if (!live && signal_request >= SIG_STOP) {
        snprintf(err, sizeof err, "stopped by %s after record %llu: the rest was not read",
                 signal_request == SIG_STOP_TERM ? "SIGTERM" : "SIGINT",
                 (unsigned long long)ts_capture_records(cap));
        rc = -1;
    }
    if (rc < 0) {
        snprintf(errors[nerrors].message, sizeof errors[nerrors].message, "%s", err);
        nerrors++;
        in.nerrors = nerrors;
        if (!o.quiet)
            fprintf(stderr, "tcpstates: %s: %s\n", source, err);
    }

    if (live)
        ts_report_set_live(rep, false);
    /* the flows still tracked: written out on one core as this one settles them */
    const struct ts_flow *const *last;
    size_t nlast = ts_analyzer_finish_take(a, &last);
    ts_report_flows_settling(rep, last, nlast, settle, a);
    reported += nlast;
    ts_analyzer_finish(a);
    drain(a, rep, &reported);
    /* what tcpstates failed to write itself: a --check line names it */
    char problem[1024], merr[256];
    bool dump_failed = ts_capture_dump_end(cap, err, sizeof err) < 0;
    if (dump_failed) {
        fprintf(stderr, "tcpstates: %s: %s\n", o.write_file, err);
        snprintf(problem, sizeof problem, "%.400s: %.500s", o.write_file, err);
        in.problem = problem;
    }
    bool metrics_failed =
        o.metrics_file && write_metrics(&o, a, rep, &in, merr, sizeof merr) < 0;
    if (metrics_failed && !in.problem) {
        snprintf(problem, sizeof problem, "%.400s: %.250s", o.metrics_file, merr);
        in.problem = problem;
    }
    int check_status = ts_report_close(rep, &in, ts_analyzer_summary(a));
    if (o.verbose) {
        const struct ts_input_stats *st = ts_analyzer_stats(a);
        double secs = (double)(clock() - started) / CLOCKS_PER_SEC;
        fprintf(stderr, "tcpstates: %s: %llu packets (%llu TCP), %llu connections, "
                        "%.3f s of CPU, %.0f packets/s\n",
                source, (unsigned long long)st->packets, (unsigned long long)st->tcp_packets,
                (unsigned long long)ts_analyzer_summary(a)->flows, secs,
                secs > 0 ? (double)st->packets / secs : 0.0);
    }
    ts_analyzer_free(a);
    ts_capture_close(cap);
    ts_cli_free(&o);
    int status = nerrors || metrics_failed || dump_failed ? EXIT_INPUT : EXIT_OK;
    if (o.check)
        status = check_status;
    /* A report that did not reach its file (a full disk, a closed
     * descriptor) is a failure, never a success: every write went through
     * this stream, whose error flag remembers one that failed earlier, or
     * (long runs of text) straight to its descriptor, which ts_jw_write
     * remembers. */
    errno = 0;
    bool out_failed = fflush(out) != 0 || ferror(out) || ts_jw_write_errno() != 0;
    int out_errno = ts_jw_write_errno() ? ts_jw_write_errno() : errno ? errno : EIO;
    if (out != stdout && fclose(out) != 0 && !out_failed) {
        out_failed = true;
        out_errno = errno;
    }
    if (out_failed) {
        fprintf(stderr, "tcpstates: %s: %s\n", o.output ? o.output : "standard output",
                strerror(out_errno));
        status = o.check ? CHECK_UNKNOWN : EXIT_INPUT;
    }
    return status;
}
