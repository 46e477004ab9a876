/* main.c - the tcpstates command: parse options, run the pipeline
 * (capture -> analyzer -> report), map the outcome to an exit code.
 * The only file that prints errors or exits. */
#include <errno.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "capture.h"
#include "cli.h"
#include "decode.h"
#include "report.h"
#include "tcpstates.h"

enum { EXIT_OK = 0, EXIT_INPUT = 1, EXIT_USAGE = 2 };

static volatile sig_atomic_t stop_requested; /* the one mutable global: set by signals */

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static void drain(struct ts_analyzer *a, struct ts_report *r)
{
    const struct ts_flow *f;
    while ((f = ts_analyzer_next_done(a)) != NULL)
        ts_report_flow(r, f);
}

int main(int argc, char **argv)
{
    struct ts_options o;
    char err[512];
    if (ts_cli_parse(argc, argv, &o, err, sizeof err) < 0) {
        fprintf(stderr, "tcpstates: %s\nTry 'tcpstates --help' for more information.\n", err);
        ts_cli_free(&o);
        return EXIT_USAGE;
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
    struct ts_capture *cap;
    int rc = o.iface ? ts_capture_open_live(&cap, o.iface, o.promisc, err, sizeof err)
                     : ts_capture_open_file(&cap, o.read_file, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "tcpstates: %s: %s\n", source, err);
        ts_cli_free(&o);
        return EXIT_INPUT;
    }
    if (o.filter && ts_capture_set_filter(cap, o.filter, err, sizeof err) < 0) {
        fprintf(stderr, "tcpstates: %s\nTry 'tcpstates --help' for more information.\n", err);
        ts_capture_close(cap);
        ts_cli_free(&o);
        return EXIT_USAGE;
    }

    FILE *out = stdout;
    if (o.output && !(out = fopen(o.output, "w"))) {
        fprintf(stderr, "tcpstates: %s: %s\n", o.output, strerror(errno));
        ts_capture_close(cap);
        ts_cli_free(&o);
        return EXIT_INPUT;
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
    if (ts_analyzer_new(&a, &o.cfg, dlt, err, sizeof err) < 0 ||
        ts_report_open(&rep, o.format, out, o.timeline, &dc, err, sizeof err) < 0) {
        fprintf(stderr, "tcpstates: %s\n", err);
        return EXIT_INPUT;
    }
    install_signals();
    clock_t started = clock();

    struct ts_input_error errors[TS_MAX_INPUT_ERRORS];
    unsigned nerrors = 0;
    bool trace = o.timeline && o.format == TS_FORMAT_TEXT;
    uint64_t n = 0;
    int64_t first_ns = 0;
    struct ts_capture_packet p;
    while (!stop_requested) {
        rc = ts_capture_next(cap, &p, err, sizeof err);
        if (rc == 2)
            continue; /* live, nothing yet: look at the stop flag again */
        if (rc <= 0)
            break;
        if (n == 0)
            first_ns = p.ts_ns;
        if (o.duration_ns && p.ts_ns - first_ns >= o.duration_ns)
            break;
        if (ts_analyzer_packet(a, p.ts_ns, p.data, p.caplen, p.len) == 1 && trace)
            ts_report_trace(rep, ts_analyzer_trace(a));
        drain(a, rep);
        if (o.count && ++n >= o.count)
            break;
        if (!o.count)
            n++;
    }
    if (rc < 0) {
        snprintf(errors[nerrors].message, sizeof errors[nerrors].message, "%s", err);
        nerrors++;
        if (!o.quiet)
            fprintf(stderr, "tcpstates: %s: %s\n", source, err);
    }

    ts_analyzer_finish(a);
    drain(a, rep);
    /* a link type we do not decode is named by its number */
    char linkname[48];
    const char *known = ts_decode_link_name(dlt);
    if (strcmp(known, "UNKNOWN") == 0)
        snprintf(linkname, sizeof linkname, "DLT_%d (not decoded)", dlt);
    else
        snprintf(linkname, sizeof linkname, "%s", known);
    struct ts_report_input in = {
        .source = source,
        .linktype = linkname,
        .stats = ts_analyzer_stats(a),
        .errors = errors,
        .nerrors = nerrors,
    };
    ts_report_close(rep, &in, ts_analyzer_summary(a));
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
    int status = nerrors ? EXIT_INPUT : EXIT_OK;
    if (out != stdout && fclose(out) != 0) {
        fprintf(stderr, "tcpstates: %s: %s\n", o.output, strerror(errno));
        status = EXIT_INPUT;
    }
    return status;
}
