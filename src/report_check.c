/* report_check.c - --check: the one status line of a monitoring plugin, in
 * the Nagios/Icinga conventions (monitoring-plugins.org guidelines):
 *   TCPSTATES <STATUS> - <text> | 'label'=value;warn;crit;min ...
 * and its exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
 * CRITICAL: a SYN flood alert in what was read. WARNING: a target came
 * within half of a threshold (failed SYNs per second, or handshakes half-open
 * for over 1 s). UNKNOWN: the input could not be read or is damaged, or
 * tcpstates could not write its -w or --metrics file. An alert outranks
 * both kinds of UNKNOWN: the flood was seen all the same. */
#include "report.h"

#include <string.h>

#include "json_writer.h"

enum { CHECK_OK = 0, CHECK_WARNING, CHECK_CRITICAL, CHECK_UNKNOWN };

static const char *const check_names[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

static void target_text(const struct ts_alert *a, char *buf, size_t len)
{
    char ip[64];
    ts_report_addr(a->addr, a->family, ip, sizeof ip);
    snprintf(buf, len, a->family == 6 ? "[%s]:%u" : "%s:%u", ip, a->port);
}

int ts_report_check(FILE *fp, const struct ts_report_input *in, const struct ts_summary *s,
                    const struct ts_alert *alerts, size_t nalerts, double rate,
                    uint32_t half_open)
{
    int status = CHECK_OK;
    char text[1200];
    if (nalerts) {
        /* the strongest alert speaks for the others */
        const struct ts_alert *top = &alerts[0];
        for (size_t i = 1; i < nalerts; i++)
            if (alerts[i].peak_syn_rate > top->peak_syn_rate)
                top = &alerts[i];
        char target[96], more[48] = "";
        target_text(top, target, sizeof target);
        if (nalerts > 1)
            snprintf(more, sizeof more, " and %zu more alert%s", nalerts - 1,
                     nalerts == 2 ? "" : "s");
        snprintf(text, sizeof text,
                 "SYN flood on %s%s (%s; peak %.0f SYN/s, %u half-open, %llu of %llu SYNs "
                 "completed, ~%llu sources)",
                 target, more, top->status == TS_ALERT_END ? "ended" : "still on",
                 top->peak_syn_rate, top->peak_half_open, (unsigned long long)top->completed,
                 (unsigned long long)top->syns, (unsigned long long)top->distinct_sources);
        status = CHECK_CRITICAL;
    } else if (in->problem) {
        snprintf(text, sizeof text, "%s", in->problem);
        status = CHECK_UNKNOWN;
    } else if (in->nerrors) {
        snprintf(text, sizeof text, "%s: %s", in->source, in->errors[0].message);
        status = CHECK_UNKNOWN;
    } else {
        bool near = s->peak_failed_rate * 2 >= rate || s->peak_half_open * 2 >= half_open;
        snprintf(text, sizeof text,
                 "%s SYN flood: %llu connection%s, peak %.0f failed SYN/s (alert at %.0f), "
                 "%u half-open over 1 s (alert at %u) at one target",
                 near ? "near a" : "no", (unsigned long long)s->flows, s->flows == 1 ? "" : "s",
                 s->peak_failed_rate, rate, s->peak_half_open, half_open);
        status = near ? CHECK_WARNING : CHECK_OK;
    }
    fprintf(fp,
            "TCPSTATES %s - %s | 'syn_flood_alerts'=%llu;;1;0 'failed_syn_rate'=%.0f;%.0f;%.0f;0 "
            "'half_open'=%u;%u;%u;0 'syn_rate'=%.0f;;;0 'connections'=%llu;;;0 "
            "'evicted'=%llu;;;0 'packets'=%llu;;;0\n",
            check_names[status], text, (unsigned long long)s->alerts, s->peak_failed_rate,
            rate / 2, rate, s->peak_half_open, half_open / 2, half_open, s->peak_syn_rate,
            (unsigned long long)s->flows, (unsigned long long)s->evicted,
            (unsigned long long)in->stats->packets);
    ts_jw_flush(fp);
    return status;
}
