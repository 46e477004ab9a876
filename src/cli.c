/* cli.c - argv -> struct ts_options, and the usage text. Pure: it never
 * prints or exits; main.c reports what it returns. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_FORMAT = 256, OPT_TIMELINE, OPT_DURATION, OPT_MSL, OPT_IDLE_TIMEOUT,
    OPT_MAX_FLOWS, OPT_MEMCAP, OPT_FIN_TIMEOUT, OPT_SYN_TIMEOUT, OPT_STATS_INTERVAL,
    OPT_SYN_FLOOD_RATE, OPT_SYN_FLOOD_HALF_OPEN, OPT_ALERTS_ONLY, OPT_CHECK, OPT_METRICS
};

static const struct option long_options[] = {
    {"read", required_argument, NULL, 'r'},
    {"interface", required_argument, NULL, 'i'},
    {"filter", required_argument, NULL, 'f'},
    {"output", required_argument, NULL, 'o'},
    {"write", required_argument, NULL, 'w'},
    {"user", required_argument, NULL, 'Z'},
    {"stats-interval", required_argument, NULL, OPT_STATS_INTERVAL},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"timeline", no_argument, NULL, OPT_TIMELINE},
    {"count", required_argument, NULL, 'c'},
    {"duration", required_argument, NULL, OPT_DURATION},
    {"msl", required_argument, NULL, OPT_MSL},
    {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
    {"fin-timeout", required_argument, NULL, OPT_FIN_TIMEOUT},
    {"syn-timeout", required_argument, NULL, OPT_SYN_TIMEOUT},
    {"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
    {"memcap", required_argument, NULL, OPT_MEMCAP},
    {"syn-flood-rate", required_argument, NULL, OPT_SYN_FLOOD_RATE},
    {"syn-flood-half-open", required_argument, NULL, OPT_SYN_FLOOD_HALF_OPEN},
    {"alerts-only", no_argument, NULL, OPT_ALERTS_ONLY},
    {"check", no_argument, NULL, OPT_CHECK},
    {"metrics", required_argument, NULL, OPT_METRICS},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

const char *ts_cli_usage(void)
{
    return
"Usage: tcpstates [options] FILE [BPF EXPRESSION]\n"
"       tcpstates [options] -i IFACE [BPF EXPRESSION]\n"
"Follow both endpoints of every TCP connection in a capture through the\n"
"RFC 9293 states and report what each side believed.\n"
"\n"
"Input:\n"
"  -r, --read FILE        pcap or pcapng file to read ('-' = standard input)\n"
"  -i, --interface IFACE  capture live on IFACE until SIGINT/SIGTERM, -c or --duration\n"
"  -p                     do not put the interface into promiscuous mode\n"
"  -w, --write FILE       also write the packets read to a pcap file (the evidence)\n"
"  -Z, --user USER        after opening the interface or file and the output files,\n"
"                         run as USER (live capture started as root: nobody by\n"
"                         default; -Z root keeps root)\n"
"  -f, --filter EXPR      BPF capture filter (or give it as trailing words)\n"
"  -c, --count N          stop after N packets\n"
"      --duration SEC     stop after SEC seconds (of capture time in a file, of the\n"
"                         clock on a live interface)\n"
"\n"
"Output:\n"
"  -o, --output FILE      write the report to FILE instead of standard output\n"
"      --format FMT       json (default for files): one document;\n"
"                         ndjson (default for -i): one event per line;\n"
"                         text: a table for people\n"
"      --stats-interval SEC  live: a stats event every SEC seconds (also on SIGHUP);\n"
"                         with --format text, redraw the table of connections\n"
"      --timeline         include every endpoint state transition; in text, one\n"
"                         line per packet with flags, relative seq/ack and the\n"
"                         transitions it caused\n"
"\n"
"Tracking:\n"
"      --msl SEC          maximum segment lifetime; TIME_WAIT lasts 2 x MSL (default 30)\n"
"      --idle-timeout SEC idle connections are reported and forgotten (default 3600)\n"
"      --fin-timeout SEC  FIN_WAIT_2 / CLOSE_WAIT age that makes an orphan, and the idle\n"
"                         time after which a connection the capture ends without FINs\n"
"                         counts as missing them (default 60, Linux tcp_fin_timeout)\n"
"      --syn-timeout SEC  age at which an unfinished handshake is half-open, or an\n"
"                         unanswered SYN is reported (default 3)\n"
"      --max-flows N      at most N connections tracked at once (default: by memcap)\n"
"      --memcap BYTES     memory for connection state, suffixes k, M, G (default 256M);\n"
"                         when full, the oldest half-open connection is written out first\n"
"\n"
"SYN floods (per target: server address and port):\n"
"      --syn-flood-rate N  alert when N SYNs per second to one target fail (not\n"
"                         completed in 300 ms) and fewer than half complete\n"
"                         (default 200)\n"
"      --syn-flood-half-open N  alert when N handshakes stay half-open for over\n"
"                         1 s (default 128); slower floods are caught by a change\n"
"                         detector; an alert ends after 10 s without flood\n"
"      --alerts-only      write only the alert events (start, update, end) as\n"
"                         NDJSON, one per line, each flushed at once\n"
"      --check            monitoring-plugin mode: one status line with perfdata;\n"
"                         exit 0 OK, 1 WARNING (a threshold half reached),\n"
"                         2 CRITICAL (a SYN flood), 3 UNKNOWN (input, output or usage)\n"
"      --metrics FILE     also write Prometheus textfile metrics to FILE, atomically\n"
"                         (at the end; live, every 10 s too)\n"
"\n"
"  -q, --quiet            do not repeat input errors on standard error (the\n"
"                         report's input.errors and the exit status still tell)\n"
"  -v, --verbose          at the end, packets, connections and speed on standard error\n"
"  -h, --help             this help\n"
"  -V, --version          the version\n"
"\n"
"Exit status: 0 success; 1 the input could not be read or is damaged (what was\n"
"read before the damage is still reported); 2 bad usage. With --check: the\n"
"plugin's 0-3 above.\n";
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    if (!s || !*s || *s == '-')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

/* A byte count with an optional k/M/G suffix (powers of 1024). */
static int parse_bytes(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return -1;
    unsigned shift = 0;
    if (*end == 'k' || *end == 'K') shift = 10;
    else if (*end == 'm' || *end == 'M') shift = 20;
    else if (*end == 'g' || *end == 'G') shift = 30;
    else if (*end) return -1;
    if (shift && end[1] && !(end[1] == 'B' && !end[2]) && !(end[1] == 'i' && end[2] == 'B' && !end[3]))
        return -1;
    if (v > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

/* Seconds as a decimal number, >= 0 (or > 0 when positive is set). */
static int parse_seconds(const char *s, bool positive, int64_t *out_ns)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v) || v < 0 || (positive && v <= 0) || v > 1e9)
        return -1;
    *out_ns = (int64_t)llround(v * 1e9);
    return 0;
}

static char *join_words(int n, char **words)
{
    size_t len = 1;
    for (int i = 0; i < n; i++)
        len += strlen(words[i]) + 1;
    char *s = malloc(len);
    if (!s)
        return NULL;
    s[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (i)
            strcat(s, " ");
        strcat(s, words[i]);
    }
    return s;
}

#define FAIL(...) do { snprintf(errbuf, errlen, __VA_ARGS__); return TS_EINVAL; } while (0)

int ts_cli_parse(int argc, char **argv, struct ts_options *o, char *errbuf, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->promisc = true;
    ts_config_defaults(&o->cfg);
    const char *filter_opt = NULL;

    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":r:i:pf:o:w:Z:c:qvhV", long_options, NULL)) != -1) {
        uint64_t u;
        switch (c) {
        case 'r': o->read_file = optarg; break;
        case 'i': o->iface = optarg; break;
        case 'p': o->promisc = false; break;
        case 'f': filter_opt = optarg; break;
        case 'o': o->output = optarg; break;
        case 'w': o->write_file = optarg; break;
        case 'Z': o->user = optarg; break;
        case OPT_STATS_INTERVAL:
            if (parse_seconds(optarg, true, &o->stats_interval_ns) < 0)
                FAIL("--stats-interval: '%s' is not a positive number of seconds", optarg);
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "json") == 0) o->format = TS_FORMAT_JSON;
            else if (strcmp(optarg, "ndjson") == 0) o->format = TS_FORMAT_NDJSON;
            else if (strcmp(optarg, "text") == 0) o->format = TS_FORMAT_TEXT;
            else FAIL("--format: '%s' is not one of json, ndjson, text", optarg);
            o->format_set = true;
            break;
        case OPT_TIMELINE: o->timeline = true; o->cfg.timeline = true; break;
        case 'c':
            if (parse_u64(optarg, UINT64_MAX, &o->count) < 0 || o->count == 0)
                FAIL("-c: '%s' is not a positive whole number", optarg);
            break;
        case OPT_DURATION:
            if (parse_seconds(optarg, true, &o->duration_ns) < 0)
                FAIL("--duration: '%s' is not a positive number of seconds", optarg);
            break;
        case OPT_MSL:
            if (parse_seconds(optarg, false, &o->cfg.msl_ns) < 0)
                FAIL("--msl: '%s' is not a number of seconds", optarg);
            break;
        case OPT_IDLE_TIMEOUT:
            if (parse_seconds(optarg, true, &o->cfg.idle_timeout_ns) < 0)
                FAIL("--idle-timeout: '%s' is not a positive number of seconds", optarg);
            break;
        case OPT_FIN_TIMEOUT:
            if (parse_seconds(optarg, false, &o->cfg.fin_timeout_ns) < 0)
                FAIL("--fin-timeout: '%s' is not a number of seconds", optarg);
            break;
        case OPT_SYN_TIMEOUT:
            if (parse_seconds(optarg, false, &o->cfg.syn_timeout_ns) < 0)
                FAIL("--syn-timeout: '%s' is not a number of seconds", optarg);
            break;
        case OPT_MAX_FLOWS:
            if (parse_u64(optarg, UINT32_MAX - 1, &u) < 0 || u == 0)
                FAIL("--max-flows: '%s' is not a whole number from 1 to %u", optarg,
                     UINT32_MAX - 1);
            o->cfg.max_flows = (uint32_t)u;
            break;
        case OPT_MEMCAP:
            if (parse_bytes(optarg, &o->cfg.memcap) < 0 || o->cfg.memcap < 4096)
                FAIL("--memcap: '%s' is not a size of at least 4096 bytes (suffixes k, M, G)",
                     optarg);
            break;
        case OPT_SYN_FLOOD_RATE: {
            char *end;
            errno = 0;
            double v = strtod(optarg, &end);
            if (errno || *end || end == optarg || !isfinite(v) || v < 1 || v > 1e9)
                FAIL("--syn-flood-rate: '%s' is not a number of SYNs per second from 1 to 1e9",
                     optarg);
            o->cfg.syn_flood_rate = v;
            break;
        }
        case OPT_SYN_FLOOD_HALF_OPEN:
            if (parse_u64(optarg, UINT32_MAX, &u) < 0 || u == 0)
                FAIL("--syn-flood-half-open: '%s' is not a positive whole number", optarg);
            o->cfg.syn_flood_half_open = (uint32_t)u;
            break;
        case OPT_ALERTS_ONLY: o->alerts_only = true; break;
        case OPT_CHECK: o->check = true; break;
        case OPT_METRICS: o->metrics_file = optarg; break;
        case 'q': o->quiet = true; break;
        case 'v': o->verbose++; break;
        case 'h': o->help = true; break;
        case 'V': o->version = true; break;
        case ':':
            if (optopt > 0 && optopt < 256)
                FAIL("option -%c needs a value", optopt);
            FAIL("option %s needs a value", argv[optind - 1]);
        default:
            if (optopt > 0 && optopt < 256)
                FAIL("unknown option -%c", optopt);
            FAIL("unknown option %s", argv[optind - 1]);
        }
    }
    if (o->help || o->version)
        return 0;

    int first = optind;
    if (!o->read_file && !o->iface && first < argc)
        o->read_file = argv[first++];
    if (o->read_file && o->iface)
        FAIL("give either a capture file or -i IFACE, not both");
    if (!o->read_file && !o->iface)
        FAIL("no input: give a capture file (or '-') or -i IFACE");
    if (o->read_file && !*o->read_file)
        FAIL("the capture file's name is empty");
    if (first < argc) {
        if (filter_opt)
            FAIL("give the filter either with -f or as trailing words, not both");
        o->filter = join_words(argc - first, argv + first);
        if (!o->filter)
            FAIL("out of memory");
    } else if (filter_opt) {
        o->filter = strdup(filter_opt);
        if (!o->filter)
            FAIL("out of memory");
    }
    if (o->check && o->alerts_only)
        FAIL("--check and --alerts-only are two different outputs: give one");
    if (o->check && (o->format_set || o->output || o->timeline))
        FAIL("--check writes one status line: no --format, -o or --timeline with it");
    if (o->alerts_only && o->format_set && o->format != TS_FORMAT_NDJSON)
        FAIL("--alerts-only writes NDJSON: no --format %s with it",
             o->format == TS_FORMAT_TEXT ? "text" : "json");
    if (!o->format_set)
        o->format = o->iface || o->alerts_only ? TS_FORMAT_NDJSON : TS_FORMAT_JSON;
    return 0;
}

void ts_cli_free(struct ts_options *o)
{
    free(o->filter);
    o->filter = NULL;
}
