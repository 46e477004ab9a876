/* cli.h - the command line turned into options; the usage text. */
#ifndef TS_CLI_H
#define TS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpstates.h"

enum ts_format { TS_FORMAT_JSON = 0, TS_FORMAT_NDJSON, TS_FORMAT_TEXT };

struct ts_options {
    const char *read_file;   /* -r or the first positional word */
    const char *iface;       /* -i */
    bool promisc;            /* not -p */
    const char *output;      /* -o */
    const char *write_file;  /* -w: keep the packets too */
    const char *user;        /* -Z: drop privileges to this user */
    int64_t stats_interval_ns; /* --stats-interval, 0 = none */
    char *filter;            /* -f, or the trailing words joined (owned) */
    enum ts_format format;
    bool format_set;
    bool timeline;
    bool alerts_only;        /* --alerts-only: NDJSON alert events only */
    bool check;              /* --check: monitoring-plugin status line and exit status */
    const char *metrics_file;/* --metrics: Prometheus textfile */
    uint64_t count;          /* -c, 0 = all */
    int64_t duration_ns;     /* --duration, 0 = no limit */
    struct ts_config cfg;
    int verbose;
    bool quiet;
    bool help, version;
};

/* Parse argv. Returns 0, or TS_EINVAL with a one-line reason in errbuf.
 * Pure: prints nothing. */
int ts_cli_parse(int argc, char **argv, struct ts_options *o, char *errbuf, size_t errlen);
void ts_cli_free(struct ts_options *o);
const char *ts_cli_usage(void);

#endif
