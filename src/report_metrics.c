/* report_metrics.c - --metrics FILE: the run's numbers in the Prometheus
 * text exposition format, for node_exporter's textfile collector. Written to
 * FILE.tmp.PID beside it, then renamed over it, so a scrape never reads half
 * a file. Per-target series exist for the targets that had an alert (the
 * latest alert of each), so their number stays small. */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zeek_conn.h"

static void help(FILE *o, const char *name, const char *type, const char *text)
{
    fprintf(o, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

static void series(FILE *o, const char *name, const char *type, const char *text, double v)
{
    help(o, name, type, text);
    fprintf(o, "%s %.17g\n", name, v);
}

/* The latest alert of each target, newest first (at most max). */
static size_t latest_per_target(const struct ts_alert *alerts, size_t n,
                                const struct ts_alert **out, size_t max)
{
    size_t k = 0;
    for (size_t i = n; i-- > 0 && k < max;) {
        bool seen = false;
        for (size_t j = 0; j < k && !seen; j++)
            seen = out[j]->port == alerts[i].port && out[j]->family == alerts[i].family &&
                   memcmp(out[j]->addr, alerts[i].addr, 16) == 0;
        if (!seen)
            out[k++] = &alerts[i];
    }
    return k;
}

static void write_metrics(FILE *o, const struct ts_report_input *in, const struct ts_summary *s,
                          const struct ts_alert *alerts, size_t nalerts)
{
    const struct ts_input_stats *st = in->stats;
    series(o, "tcpstates_packets_total", "counter", "Packets read.", (double)st->packets);
    series(o, "tcpstates_tcp_packets_total", "counter", "TCP segments analysed.",
           (double)st->tcp_packets);
    series(o, "tcpstates_connections_total", "counter", "Connections reported (ended, evicted "
           "or open when the report was written).", (double)s->flows);
    series(o, "tcpstates_connections_evicted_total", "counter",
           "Connections written out early because the flow table was full.", (double)s->evicted);
    help(o, "tcpstates_conn_state_total", "counter", "Reported connections by Zeek conn_state.");
    for (int i = 0; i < TS_ZEEK_STATE_COUNT; i++)
        if (s->conn_state[i])
            fprintf(o, "tcpstates_conn_state_total{conn_state=\"%s\"} %llu\n",
                    ts_zeek_state_name(i), (unsigned long long)s->conn_state[i]);
    help(o, "tcpstates_endpoint_states_total", "counter",
         "Final states of both endpoints of the reported connections.");
    for (int i = 0; i < TS_STATE_COUNT; i++)
        if (s->endpoint_states[i])
            fprintf(o, "tcpstates_endpoint_states_total{state=\"%s\"} %llu\n",
                    ts_state_name((enum ts_state)i), (unsigned long long)s->endpoint_states[i]);
    help(o, "tcpstates_findings_total", "counter", "Reported connections by finding.");
    for (int i = 0; i < TS_AN_COUNT; i++)
        if (s->anomalies[i])
            fprintf(o, "tcpstates_findings_total{anomaly=\"%s\"} %llu\n", ts_anomaly_name(i),
                    (unsigned long long)s->anomalies[i]);
    series(o, "tcpstates_syn_flood_alerts_total", "counter", "SYN flood alerts started.",
           (double)s->alerts);
    series(o, "tcpstates_syn_flood_active", "gauge", "SYN flood alerts on now.",
           (double)s->alerts_active);
    series(o, "tcpstates_syn_flood_peak_syn_rate", "gauge",
           "Highest connection attempts per second at one target (1 s window).",
           s->peak_syn_rate);
    series(o, "tcpstates_syn_flood_peak_failed_rate", "gauge",
           "Highest failed SYNs per second at one target (1 s window).", s->peak_failed_rate);
    series(o, "tcpstates_syn_flood_peak_half_open", "gauge",
           "Most handshakes half-open for over 1 s at one target.", (double)s->peak_half_open);

    const struct ts_alert *last[64];
    size_t k = latest_per_target(alerts, nalerts, last, sizeof last / sizeof last[0]);
    static const struct {
        const char *name, *text;
    } per[] = {
        {"tcpstates_syn_flood_target_active", "1 while the target's SYN flood alert is on."},
        {"tcpstates_syn_flood_target_half_open", "The target's half-open handshakes."},
        {"tcpstates_syn_flood_target_syn_rate", "The target's connection attempts per second."},
        {"tcpstates_syn_flood_target_distinct_sources", "Distinct sources of its SYNs (estimate)."},
    };
    for (size_t m = 0; m < sizeof per / sizeof per[0] && k; m++) {
        help(o, per[m].name, "gauge", per[m].text);
        for (size_t i = 0; i < k; i++) {
            const struct ts_alert *a = last[i];
            char ip[64];
            ts_report_addr(a->addr, a->family, ip, sizeof ip);
            double v = m == 0   ? a->status != TS_ALERT_END
                       : m == 1 ? a->half_open
                       : m == 2 ? a->syn_rate
                                : (double)a->distinct_sources;
            fprintf(o, "%s{ip=\"%s\",port=\"%u\"} %.17g\n", per[m].name, ip, a->port, v);
        }
    }
    if (st->packets)
        series(o, "tcpstates_last_packet_timestamp_seconds", "gauge",
               "Capture time of the last packet read.", (double)st->last_ns / 1e9);
}

/* The temporary file beside path (malloc'd), or NULL with the reason. */
static char *temp_name(const char *path, char *errbuf, size_t errlen)
{
    size_t len = strlen(path) + 32;
    char *tmp = malloc(len);
    if (!tmp)
        snprintf(errbuf, errlen, "out of memory");
    else
        snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
    return tmp;
}

int ts_report_metrics_probe(const char *path, char *errbuf, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(errbuf, errlen, "%s", strerror(EISDIR));
        return -1;
    }
    if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
        /* a device or a FIFO would be replaced by a regular file */
        snprintf(errbuf, errlen, "not a regular file");
        return -1;
    }
    char *tmp = temp_name(path, errbuf, errlen);
    if (!tmp)
        return -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        snprintf(errbuf, errlen, "%s", strerror(errno));
    else {
        close(fd);
        unlink(tmp);
    }
    free(tmp);
    return fd < 0 ? -1 : 0;
}

int ts_report_metrics(const char *path, const struct ts_report_input *in,
                      const struct ts_summary *s, const struct ts_alert *alerts,
                      size_t nalerts, char *errbuf, size_t errlen)
{
    char *tmp = temp_name(path, errbuf, errlen);
    if (!tmp)
        return -1;
    FILE *o = fopen(tmp, "w");
    if (!o) {
        snprintf(errbuf, errlen, "%s", strerror(errno));
        free(tmp);
        return -1;
    }
    write_metrics(o, in, s, alerts, nalerts);
    int err = ferror(o) ? EIO : 0;
    if (fflush(o) != 0 || fsync(fileno(o)) != 0)
        err = errno;
    if (fclose(o) != 0 && !err)
        err = errno;
    if (!err && rename(tmp, path) != 0)
        err = errno;
    if (err) {
        unlink(tmp);
        snprintf(errbuf, errlen, "%s", strerror(err));
    }
    free(tmp);
    return err ? -1 : 0;
}
